/*
 * -netdev user without a guest: a fake NIC port on a libslirp backend
 * sends frames the test builds and checks what comes back. DHCP offers
 * 10.0.2.15, ARP for the gateway is answered, so is a ping to it; a host
 * connection to a hostfwd port becomes a SYN to 10.0.2.15:8080; every
 * frame is in the pcap file of -object filter-dump. A TCP connection of
 * the guest to a guestfwd=...-cmd:cat port echoes its data back; its
 * frames come from another thread, as a NIC's do from the vCPU, while the
 * main loop sleeps in poll().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "net/net.h"
#include "net/netdev.h"
#include "softmmu/bql.h"
#include "softmmu/clock.h"

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static NetPort *nic;
static GQueue received = G_QUEUE_INIT;     /* GBytes */
static int frames_sent, frames_received;
static int hostfwd_port;
static char *pcap_path;

static bool nic_can_receive(void *opaque)
{
    return true;
}

static bool nic_receive(void *opaque, const uint8_t *frame, size_t len)
{
    g_queue_push_tail(&received, g_bytes_new(frame, len));
    frames_received++;
    return true;
}

static const NetPortOps nic_ops = {
    .can_receive = nic_can_receive,
    .receive = nic_receive,
};

static void nic_send(const uint8_t *frame, size_t len)
{
    bql_lock();
    g_assert_true(net_send(nic, frame, len));
    frames_sent++;
    bql_unlock();
}

/* The NIC's queue is filled under the lock, from either thread. */
static GBytes *received_pop(void)
{
    bql_lock();
    GBytes *b = g_queue_pop_head(&received);
    bql_unlock();
    return b;
}

/* ---- Frame building ---- */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint16_t inet_csum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += get16(p + i);
    }
    if (len & 1) {
        sum += (uint32_t)p[len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static size_t eth_header(uint8_t *f, const uint8_t *dst, unsigned type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, guest_mac, 6);
    put16(f + 12, type);
    return 14;
}

/* An IPv4 header at f (20 bytes) for a payload of len. */
static void ip_header(uint8_t *f, unsigned proto, const char *src,
                      const char *dst, size_t payload)
{
    memset(f, 0, 20);
    f[0] = 0x45;
    put16(f + 2, (unsigned)(20 + payload));
    put16(f + 4, 0x1234);
    f[8] = 64;
    f[9] = (uint8_t)proto;
    inet_pton(AF_INET, src, f + 12);
    inet_pton(AF_INET, dst, f + 16);
    put16(f + 10, inet_csum(f, 20));
}

static bool is_ipv4(const uint8_t *f, size_t len, unsigned proto)
{
    return len >= 34 && get16(f + 12) == 0x0800 && f[23] == proto;
}

static bool addr_is(const uint8_t *p, const char *a)
{
    uint8_t want[4];

    inet_pton(AF_INET, a, want);
    return memcmp(p, want, 4) == 0;
}

/* Answers slirp's ARP requests for the guest, as a guest would. */
static void answer_arp(const uint8_t *f, size_t len)
{
    if (len < 42 || get16(f + 12) != 0x0806 || get16(f + 20) != 1 ||
        !addr_is(f + 38, "10.0.2.15")) {
        return;
    }
    uint8_t r[60] = { 0 };
    eth_header(r, f + 6, 0x0806);
    put16(r + 14, 1);
    put16(r + 16, 0x0800);
    r[18] = 6;
    r[19] = 4;
    put16(r + 20, 2);
    memcpy(r + 22, guest_mac, 6);
    memcpy(r + 28, f + 38, 4);
    memcpy(r + 32, f + 22, 10);     /* the asker's MAC and address */
    nic_send(r, sizeof(r));
}

typedef bool (*FrameMatch)(const uint8_t *f, size_t len);

/* Runs the main loop until a frame matching match arrives (true), or 5
 * s pass; frames that do not match are dropped, ARP requests answered. */
static bool wait_frame(FrameMatch match)
{
    int64_t end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        for (GBytes *b; (b = received_pop());) {
            gsize len;
            const uint8_t *f = g_bytes_get_data(b, &len);
            bool hit = match(f, len);
            if (!hit) {
                answer_arp(f, len);
            }
            g_bytes_unref(b);
            if (hit) {
                return true;
            }
        }
        g_main_context_iteration(NULL, FALSE);
        g_usleep(1000);
    }
    return false;
}

/* ---- Tests ---- */

static bool is_arp_reply_for_gateway(const uint8_t *f, size_t len)
{
    return len >= 42 && get16(f + 12) == 0x0806 && get16(f + 20) == 2 &&
           addr_is(f + 28, "10.0.2.2") &&
           memcmp(f + 32, guest_mac, 6) == 0 && memcmp(f, guest_mac, 6) == 0;
}

static void test_arp(void)
{
    uint8_t f[60] = { 0 };

    eth_header(f, bcast_mac, 0x0806);
    put16(f + 14, 1);           /* Ethernet */
    put16(f + 16, 0x0800);      /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, 1);           /* request */
    memcpy(f + 22, guest_mac, 6);
    inet_pton(AF_INET, "10.0.2.15", f + 28);
    inet_pton(AF_INET, "10.0.2.2", f + 38);
    nic_send(f, sizeof(f));
    g_assert_true(wait_frame(is_arp_reply_for_gateway));
}

#define BOOTP_OFF (14 + 20 + 8)
#define BOOTP_LEN 548   /* 236 fixed + 312 of options */

static bool is_dhcp_offer(const uint8_t *f, size_t len)
{
    if (!is_ipv4(f, len, 17) || len < BOOTP_OFF + 240 ||
        get16(f + 36) != 68) {
        return false;
    }
    const uint8_t *bp = f + BOOTP_OFF;
    if (bp[0] != 2 || !addr_is(bp + 16, "10.0.2.15") ||
        memcmp(bp + 28, guest_mac, 6) != 0) {
        return false;
    }
    /* option 53, DHCP message type, is 2: OFFER */
    for (size_t i = 240; i + 2 < len - BOOTP_OFF && bp[i] != 255;) {
        if (bp[i] == 0) {
            i++;
            continue;
        }
        if (bp[i] == 53) {
            return bp[i + 2] == 2;
        }
        i += 2u + bp[i + 1];
    }
    return false;
}

static void test_dhcp(void)
{
    uint8_t f[BOOTP_OFF + BOOTP_LEN] = { 0 };
    uint8_t *bp = f + BOOTP_OFF;

    eth_header(f, bcast_mac, 0x0800);
    bp[0] = 1;                  /* BOOTREQUEST */
    bp[1] = 1;
    bp[2] = 6;
    memcpy(bp + 4, "\x12\x34\x56\x78", 4);      /* xid */
    memcpy(bp + 28, guest_mac, 6);
    memcpy(bp + 236, "\x63\x82\x53\x63", 4);    /* the DHCP cookie */
    memcpy(bp + 240, "\x35\x01\x01\xff", 4);    /* DISCOVER, end */
    put16(f + 34, 68);
    put16(f + 36, 67);
    put16(f + 38, 8 + BOOTP_LEN);               /* checksum 0: none */
    ip_header(f + 14, 17, "0.0.0.0", "255.255.255.255", 8 + BOOTP_LEN);
    nic_send(f, sizeof(f));
    g_assert_true(wait_frame(is_dhcp_offer));
}

static bool is_echo_reply(const uint8_t *f, size_t len)
{
    return is_ipv4(f, len, 1) && len >= 14 + 20 + 8 + 16 &&
           addr_is(f + 26, "10.0.2.2") && addr_is(f + 30, "10.0.2.15") &&
           f[34] == 0 && get16(f + 38) == 0xbeef && get16(f + 40) == 7 &&
           memcmp(f + 42, "bt86 ping data..", 16) == 0;
}

static void test_ping_gateway(void)
{
    uint8_t f[14 + 20 + 8 + 16] = { 0 };

    eth_header(f, bcast_mac, 0x0800);
    f[34] = 8;                  /* echo request */
    put16(f + 38, 0xbeef);
    put16(f + 40, 7);
    memcpy(f + 42, "bt86 ping data..", 16);
    put16(f + 36, inet_csum(f + 34, 8 + 16));
    ip_header(f + 14, 1, "10.0.2.15", "10.0.2.2", 8 + 16);
    nic_send(f, sizeof(f));
    g_assert_true(wait_frame(is_echo_reply));
}

static bool is_syn_to_guest_8080(const uint8_t *f, size_t len)
{
    return is_ipv4(f, len, 6) && len >= 14 + 20 + 20 &&
           addr_is(f + 30, "10.0.2.15") && get16(f + 36) == 8080 &&
           (f[47] & 0x12) == 0x02;     /* SYN, not ACK */
}

static void test_hostfwd(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((uint16_t)hostfwd_port) };

    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    /* The host's handshake is with slirp's listening socket: it completes
     * (or is in progress) before the guest hears of it. */
    int r = connect(s, (struct sockaddr *)&a, sizeof(a));
    g_assert_true(r == 0 || errno == EINPROGRESS);
    g_assert_true(wait_frame(is_syn_to_guest_8080));
    close(s);
}

/* ---- A guest TCP connection to guestfwd=tcp:10.0.2.100:7777-cmd:cat ---- */

#define GUEST_PORT 40000
#define FWD_PORT 7777

static uint32_t fwd_isn;        /* slirp's initial sequence number */

/* A TCP segment 10.0.2.15:GUEST_PORT -> 10.0.2.100:FWD_PORT in f. */
static const char *tcp_dst = "10.0.2.100";
static unsigned tcp_dport = FWD_PORT;

static size_t tcp_frame(uint8_t *f, unsigned flags, uint32_t seq,
                        uint32_t ack, const char *data)
{
    size_t dlen = data ? strlen(data) : 0;
    uint8_t *t = f + 34;
    uint8_t pseudo[12 + 20 + 64];

    g_assert_cmpuint(dlen, <=, 64);
    memset(f, 0, 54);
    eth_header(f, bcast_mac, 0x0800);
    put16(t, GUEST_PORT);
    put16(t + 2, tcp_dport);
    put16(t + 4, seq >> 16);
    put16(t + 6, seq & 0xffff);
    put16(t + 8, ack >> 16);
    put16(t + 10, ack & 0xffff);
    t[12] = 5 << 4;
    t[13] = (uint8_t)flags;
    put16(t + 14, 65535);
    if (dlen) {
        memcpy(t + 20, data, dlen);
    }
    ip_header(f + 14, 6, "10.0.2.15", tcp_dst, 20 + dlen);
    /* the checksum covers a pseudo header: addresses, protocol, length */
    memcpy(pseudo, f + 26, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (unsigned)(20 + dlen));
    memcpy(pseudo + 12, t, 20 + dlen);
    put16(t + 16, inet_csum(pseudo, 12 + 20 + dlen));
    return 54 + dlen;
}

typedef struct Delayed {
    uint8_t frame[128];
    size_t len;
} Delayed;

static gpointer send_later_thread(gpointer opaque)
{
    Delayed *d = opaque;

    g_usleep(50000);        /* the main loop is asleep in poll() by now */
    nic_send(d->frame, d->len);
    g_free(d);
    return NULL;
}

/* Sends the frame from another thread, as a NIC in the vCPU thread. */
static void send_from_thread(const uint8_t *f, size_t len)
{
    Delayed *d = g_new(Delayed, 1);

    g_assert_cmpuint(len, <=, sizeof(d->frame));
    memcpy(d->frame, f, len);
    d->len = len;
    g_thread_unref(g_thread_new("nic", send_later_thread, d));
}

static gboolean set_flag(gpointer opaque)
{
    *(bool *)opaque = true;
    return G_SOURCE_REMOVE;
}

/* As wait_frame, but the main loop blocks in poll(): only a wakeup from
 * the backend, or its fds, get it going. */
static bool wait_frame_blocking(FrameMatch match)
{
    bool timed_out = false;
    guint guard = g_timeout_add(5000, set_flag, &timed_out);

    while (!timed_out) {
        for (GBytes *b; (b = received_pop());) {
            gsize len;
            const uint8_t *f = g_bytes_get_data(b, &len);
            bool hit = match(f, len);
            g_bytes_unref(b);
            if (hit) {
                g_source_remove(guard);
                return true;
            }
        }
        g_main_context_iteration(NULL, TRUE);
    }
    return false;
}

static bool is_fwd_segment(const uint8_t *f, size_t len)
{
    return is_ipv4(f, len, 6) && len >= 54 && addr_is(f + 26, tcp_dst) &&
           get16(f + 34) == tcp_dport && get16(f + 36) == GUEST_PORT;
}

static bool is_fwd_synack(const uint8_t *f, size_t len)
{
    if (!is_fwd_segment(f, len) || (f[47] & 0x12) != 0x12) {
        return false;
    }
    fwd_isn = (uint32_t)get16(f + 38) << 16 | get16(f + 40);
    return true;
}

static const char *fwd_want = "bt86!\n";

static bool is_fwd_echo(const uint8_t *f, size_t len)
{
    size_t off = 34 + (f[46] >> 4) * 4u;
    size_t ip_end = 14 + get16(f + 16);
    size_t want = strlen(fwd_want);

    return is_fwd_segment(f, len) && ip_end <= len && ip_end - off == want &&
           memcmp(f + off, fwd_want, want) == 0;
}

static void test_guestfwd_cmd(void)
{
    uint8_t f[128];
    size_t len;

    len = tcp_frame(f, 0x02, 1000, 0, NULL);                    /* SYN */
    send_from_thread(f, len);
    g_assert_true(wait_frame_blocking(is_fwd_synack));
    len = tcp_frame(f, 0x18, 1001, fwd_isn + 1, "bt86!\n");    /* PSH ACK */
    send_from_thread(f, len);
    g_assert_true(wait_frame_blocking(is_fwd_echo));
    len = tcp_frame(f, 0x04, 1007, 0, NULL);                    /* RST */
    nic_send(f, len);
}

/*
 * guestfwd=tcp:10.0.2.101:7778-tcp:127.0.0.1:PORT: bt86 connected to the
 * test's listening socket at start; the guest's bytes come out there, the
 * host's go back to the guest.
 */
static int chardev_listener = -1;
static int chardev_port;

static void test_guestfwd_chardev(void)
{
    uint8_t f[128];
    size_t len;
    char buf[16] = { 0 };

    int peer = accept(chardev_listener, NULL, NULL);
    g_assert_cmpint(peer, >=, 0);
    tcp_dst = "10.0.2.101";
    tcp_dport = 7778;
    len = tcp_frame(f, 0x02, 5000, 0, NULL);                    /* SYN */
    send_from_thread(f, len);
    g_assert_true(wait_frame_blocking(is_fwd_synack));
    len = tcp_frame(f, 0x18, 5001, fwd_isn + 1, "ping\n");
    send_from_thread(f, len);
    /* what the guest sent reaches the chardev's peer */
    for (size_t got = 0; got < 5;) {
        g_main_context_iteration(NULL, FALSE);
        ssize_t n = recv(peer, buf + got, 5 - got, MSG_DONTWAIT);
        if (n > 0) {
            got += (size_t)n;
        } else {
            g_assert_true(n < 0 && errno == EAGAIN);
            g_usleep(1000);
        }
    }
    g_assert_cmpstr(buf, ==, "ping\n");
    g_assert_cmpint(send(peer, "pong!\n", 6, 0), ==, 6);
    fwd_want = "pong!\n";
    g_assert_true(wait_frame_blocking(is_fwd_echo));
    len = tcp_frame(f, 0x04, 5006, 0, NULL);                    /* RST */
    nic_send(f, len);
    close(peer);
}

static void test_pcap(void)
{
    g_autofree char *data = NULL;
    gsize len;

    g_assert_true(g_file_get_contents(pcap_path, &data, &len, NULL));
    g_assert_cmpuint(len, >=, 24);
    uint32_t hdr[6];
    memcpy(hdr, data, sizeof(hdr));
    g_assert_cmphex(hdr[0], ==, 0xa1b2c3d4);    /* microsecond pcap */
    g_assert_cmphex(hdr[1], ==, 0x00040002);    /* version 2.4 */
    g_assert_cmpuint(hdr[5], ==, 1);            /* Ethernet */
    int records = 0;
    for (gsize off = 24; off < len; records++) {
        uint32_t rec[4];
        g_assert_cmpuint(off + 16, <=, len);
        memcpy(rec, data + off, sizeof(rec));
        g_assert_cmpuint(rec[2], ==, rec[3]);
        g_assert_cmpuint(rec[2], >=, 14);
        off += 16 + rec[2];
        g_assert_cmpuint(off, <=, len);
    }
    bql_lock();
    g_assert_cmpint(records, ==, frames_sent + frames_received);
    bql_unlock();
}

/* A port nothing listens on now. */
static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);

    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    g_assert_cmpint(bind(s, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    g_assert_cmpint(getsockname(s, (struct sockaddr *)&a, &alen), ==, 0);
    close(s);
    return ntohs(a.sin_port);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    clock_init(false);

    g_autofree char *dir = g_dir_make_tmp("test-slirp-XXXXXX", NULL);
    g_assert_nonnull(dir);
    pcap_path = g_build_filename(dir, "n0.pcap", NULL);
    hostfwd_port = free_port();
    chardev_listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in la = { .sin_family = AF_INET };
    socklen_t lalen = sizeof(la);
    inet_pton(AF_INET, "127.0.0.1", &la.sin_addr);
    g_assert_cmpint(bind(chardev_listener, (struct sockaddr *)&la,
                         sizeof(la)), ==, 0);
    g_assert_cmpint(listen(chardev_listener, 1), ==, 0);
    g_assert_cmpint(getsockname(chardev_listener, (struct sockaddr *)&la,
                                &lalen), ==, 0);
    chardev_port = ntohs(la.sin_port);

    g_autofree char *spec = g_strdup_printf(
        "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080,"
        "guestfwd=tcp:10.0.2.100:7777-cmd:cat,"
        "guestfwd=tcp:10.0.2.101:7778-tcp:127.0.0.1:%d", hostfwd_port,
        chardev_port);
    g_autofree char *obj = g_strdup_printf(
        "filter-dump,id=d0,netdev=n0,file=%s", pcap_path);
    char *err = NULL;
    bql_lock();
    NetPort *backend = net_backend_create(spec, &err);
    g_assert_cmpstr(err, ==, NULL);
    g_assert_nonnull(backend);
    g_assert_true(net_object_create(obj, &err));
    g_assert_cmpstr(err, ==, NULL);
    nic = net_nic_new(backend, &nic_ops, NULL);
    bql_unlock();

    g_test_add_func("/slirp/arp", test_arp);
    g_test_add_func("/slirp/dhcp", test_dhcp);
    g_test_add_func("/slirp/ping-gateway", test_ping_gateway);
    g_test_add_func("/slirp/hostfwd", test_hostfwd);
    g_test_add_func("/slirp/guestfwd-cmd", test_guestfwd_cmd);
    g_test_add_func("/slirp/guestfwd-chardev", test_guestfwd_chardev);
    g_test_add_func("/slirp/pcap", test_pcap);
    int status = g_test_run();

    g_unlink(pcap_path);
    g_rmdir(dir);
    return status;
}
