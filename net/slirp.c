/*
 * -netdev user (see slirp.h): the glue between libslirp, bt86's network
 * ports and the GLib main loop.
 *
 * Frames from the NIC reach slirp_input() at once, on whichever thread
 * the NIC runs (the vCPU, holding the global lock); slirp's replies and
 * everything it reads from host sockets come back through send_packet to
 * net_send(). Host sockets and slirp's TCP timers are served by one
 * GSource per backend on the main thread: prepare() asks slirp which fds
 * to watch and how long it may sleep (slirp_pollfds_fill), dispatch()
 * hands back what poll() saw (slirp_pollfds_poll). Every libslirp call is
 * made under the global lock, since the vCPU thread calls slirp_input()
 * concurrently with the main loop. After slirp_input() the main loop is
 * woken (once per poll, not per frame), because the frame may have opened
 * a socket or started a timer that the sleeping poll() does not know
 * about; data for existing host sockets is written by slirp_input itself.
 *
 * Defaults and option spellings are QEMU's (docs/qemu "-netdev user").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <slirp/libslirp.h>

#include "net/slirp.h"
#include "softmmu/bql.h"
#include "softmmu/chardev.h"
#include "softmmu/clock.h"
#include "softmmu/log.h"

typedef struct SlirpBackend {
    Slirp *slirp;
    NetPort *port;
    GSource *source;
    GArray *pollfds;    /* GPollFD, each also registered with source */
    GArray *pollfds_new;    /* what slirp_pollfds_fill asks for now */
    /* prepare() ran and dispatch() has not: the main loop may be asleep
     * with an fd set and a timeout that a new frame makes stale. The
     * first frame after prepare() wakes it, the next ones need not. */
    bool loop_may_sleep;
    GPtrArray *guestfwds;   /* SlirpGuestFwd of chardev host ends */
} SlirpBackend;

/*
 * guestfwd=...-DEV: as in QEMU, one chardev (opened at start) carries the
 * bytes of the guest's connection to ADDR:PORT, both ways.
 */
typedef struct SlirpGuestFwd {
    SlirpBackend *s;
    Chardev *chr;
    struct in_addr addr;
    int port;
    GByteArray *pending;    /* from the guest, not yet taken by chr */
} SlirpGuestFwd;

typedef struct SlirpSource {
    GSource source;
    SlirpBackend *s;
} SlirpSource;

typedef struct SlirpTimer {
    SlirpBackend *s;
    Timer *timer;
    SlirpTimerId id;
    SlirpTimerCb cb;    /* the version-1 API; NULL with timer_new_opaque */
    void *cb_opaque;
} SlirpTimer;

/* What -netdev user asked for, before slirp exists. */
typedef struct SlirpOptions {
    bool ipv4, ipv6, restricted;
    struct in_addr net, mask, host, dns, dhcp;
    bool host_set, dns_set, dhcp_set;
    const char *hostname, *domainname, *tftp, *bootfile;
    GPtrArray *hostfwd, *guestfwd;      /* the spec strings */
} SlirpOptions;

/* ---- libslirp's callbacks ---- */

static ssize_t slirp_cb_send_packet(const void *buf, size_t len,
                                    void *opaque)
{
    SlirpBackend *s = opaque;

    /* A NIC that cannot take it drops it, as a wire would; TCP resends. */
    net_send(s->port, buf, len);
    return (ssize_t)len;
}

static void slirp_cb_guest_error(const char *msg, void *opaque)
{
    log_mask_printf(LOG_GUEST_ERROR, "slirp: %s\n", msg);
}

static int64_t slirp_cb_clock_get_ns(void *opaque)
{
    return clock_get_ns();
}

static void slirp_timer_expired(void *opaque)
{
    SlirpTimer *t = opaque;

    if (t->cb) {
        t->cb(t->cb_opaque);
    } else {
        slirp_handle_timer(t->s->slirp, t->id, t->cb_opaque);
    }
}

static void *slirp_cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque,
                                       void *opaque)
{
    SlirpTimer *t = g_new0(SlirpTimer, 1);

    t->s = opaque;
    t->id = id;
    t->cb_opaque = cb_opaque;
    t->timer = timer_new(slirp_timer_expired, t);
    return t;
}

static void *slirp_cb_timer_new(SlirpTimerCb cb, void *cb_opaque,
                                void *opaque)
{
    SlirpTimer *t = slirp_cb_timer_new_opaque(SLIRP_TIMER_RA, cb_opaque,
                                              opaque);
    t->cb = cb;
    return t;
}

static void slirp_cb_timer_free(void *timer, void *opaque)
{
    SlirpTimer *t = timer;

    timer_free(t->timer);
    g_free(t);
}

/* expire_time is in milliseconds of slirp's clock (clock_get_ns). */
static void slirp_cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    SlirpTimer *t = timer;

    timer_mod(t->timer, expire_ms * 1000000);
}

/* Sockets are polled through slirp_pollfds_fill, every loop iteration. */
static void slirp_cb_register_poll_fd(int fd, void *opaque)
{
}

static void slirp_cb_unregister_poll_fd(int fd, void *opaque)
{
}

/* A socket may take more data now: let prepare() ask slirp again (one
 * wakeup until it has: libslirp notifies for every segment it queues). */
static void slirp_cb_notify(void *opaque)
{
    SlirpBackend *s = opaque;

    if (s->loop_may_sleep) {
        s->loop_may_sleep = false;
        g_main_context_wakeup(NULL);
    }
}

static const SlirpCb slirp_callbacks = {
    .send_packet = slirp_cb_send_packet,
    .guest_error = slirp_cb_guest_error,
    .clock_get_ns = slirp_cb_clock_get_ns,
    .timer_new = slirp_cb_timer_new,
    .timer_free = slirp_cb_timer_free,
    .timer_mod = slirp_cb_timer_mod,
    .register_poll_fd = slirp_cb_register_poll_fd,
    .unregister_poll_fd = slirp_cb_unregister_poll_fd,
    .notify = slirp_cb_notify,
    .timer_new_opaque = slirp_cb_timer_new_opaque,
};

/* ---- The main loop ---- */

static const struct {
    int slirp;
    GIOCondition glib;
} poll_events[] = {
    { SLIRP_POLL_IN, G_IO_IN },
    { SLIRP_POLL_OUT, G_IO_OUT },
    { SLIRP_POLL_PRI, G_IO_PRI },
    { SLIRP_POLL_ERR, G_IO_ERR },
    { SLIRP_POLL_HUP, G_IO_HUP },
};

static int slirp_glue_add_poll(int fd, int events, void *opaque)
{
    SlirpBackend *s = opaque;
    GPollFD pfd = { .fd = fd };

    for (size_t i = 0; i < G_N_ELEMENTS(poll_events); i++) {
        if (events & poll_events[i].slirp) {
            pfd.events |= poll_events[i].glib;
        }
    }
    g_array_append_val(s->pollfds_new, pfd);
    return (int)s->pollfds_new->len - 1;
}

static int slirp_glue_get_revents(int idx, void *opaque)
{
    SlirpBackend *s = opaque;
    int events = 0;

    if (idx < 0 || (unsigned)idx >= s->pollfds->len) {
        return 0;
    }
    GPollFD *pfd = &g_array_index(s->pollfds, GPollFD, idx);
    for (size_t i = 0; i < G_N_ELEMENTS(poll_events); i++) {
        if (pfd->revents & poll_events[i].glib) {
            events |= poll_events[i].slirp;
        }
    }
    return events;
}

/*
 * The fds to watch and the longest sleep, from slirp. The GPollFDs are
 * unregistered before the array may move, and registered again after.
 */
static bool pollfds_same(GArray *a, GArray *b)
{
    if (a->len != b->len) {
        return false;
    }
    for (unsigned i = 0; i < a->len; i++) {
        GPollFD *x = &g_array_index(a, GPollFD, i);
        GPollFD *y = &g_array_index(b, GPollFD, i);
        if (x->fd != y->fd || x->events != y->events) {
            return false;
        }
    }
    return true;
}

static gboolean slirp_glue_prepare(GSource *source, gint *timeout)
{
    SlirpBackend *s = ((SlirpSource *)source)->s;
    uint32_t ms = UINT32_MAX;

    bql_lock();
    g_array_set_size(s->pollfds_new, 0);
    slirp_pollfds_fill(s->slirp, &ms, slirp_glue_add_poll, s);
    /* Registered again only when it changed: every g_source_add_poll
     * wakes the loop, which would then never sleep. */
    if (!pollfds_same(s->pollfds, s->pollfds_new)) {
        for (unsigned i = 0; i < s->pollfds->len; i++) {
            g_source_remove_poll(source,
                                 &g_array_index(s->pollfds, GPollFD, i));
        }
        g_array_set_size(s->pollfds, s->pollfds_new->len);
        for (unsigned i = 0; i < s->pollfds->len; i++) {
            GPollFD *pfd = &g_array_index(s->pollfds, GPollFD, i);
            *pfd = g_array_index(s->pollfds_new, GPollFD, i);
            g_source_add_poll(source, pfd);
        }
    }
    s->loop_may_sleep = true;
    bql_unlock();
    *timeout = ms > G_MAXINT ? -1 : (gint)ms;
    return FALSE;
}

/* slirp runs its timers and queued output on every poll, not only when
 * an fd is ready: always dispatch. */
static gboolean slirp_glue_check(GSource *source)
{
    return TRUE;
}

static gboolean slirp_glue_dispatch(GSource *source, GSourceFunc cb,
                                    gpointer data)
{
    SlirpBackend *s = ((SlirpSource *)source)->s;

    bql_lock();
    s->loop_may_sleep = false;
    slirp_pollfds_poll(s->slirp, 0, slirp_glue_get_revents, s);
    /* A guestfwd chardev stops reading while slirp has no room (or no
     * guest connection); resume it once there is. */
    for (unsigned i = 0; i < s->guestfwds->len; i++) {
        SlirpGuestFwd *f = s->guestfwds->pdata[i];
        if (slirp_socket_can_recv(s->slirp, f->addr, f->port) > 0) {
            chardev_accept_input(f->chr);
        }
    }
    bql_unlock();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs slirp_glue_funcs = {
    .prepare = slirp_glue_prepare,
    .check = slirp_glue_check,
    .dispatch = slirp_glue_dispatch,
};

/* ---- The port ---- */

static bool slirp_port_can_receive(void *opaque)
{
    return true;
}

static bool slirp_port_receive(void *opaque, const uint8_t *frame,
                               size_t len)
{
    SlirpBackend *s = opaque;

    slirp_input(s->slirp, frame, (int)len);
    if (s->loop_may_sleep) {
        s->loop_may_sleep = false;
        g_main_context_wakeup(NULL);
    }
    return true;
}

static const NetPortOps slirp_port_ops = {
    .can_receive = slirp_port_can_receive,
    .receive = slirp_port_receive,
};

/* ---- Options ---- */

static bool parse_bool(const char *v, bool *out)
{
    static const char *const on[] = { "on", "yes", "true", "y" };
    static const char *const off[] = { "off", "no", "false", "n" };

    for (size_t i = 0; i < G_N_ELEMENTS(on); i++) {
        if (v && strcmp(v, on[i]) == 0) {
            *out = true;
            return true;
        }
        if (v && strcmp(v, off[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool parse_addr(const char *s, struct in_addr *out)
{
    return inet_pton(AF_INET, s, out) == 1;
}

/* A port 0-65535, all of s. */
static bool parse_port(const char *s, int *port)
{
    char *end;

    if (!g_ascii_isdigit(*s)) {
        return false;
    }
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v > 65535) {
        return false;
    }
    *port = (int)v;
    return true;
}

/*
 * net=ADDR[/BITS|/MASK]. Without a mask, as QEMU: the class of the
 * address (A /8, B /16, C /24), with 172.16/12 and 192.168/16.
 */
static bool parse_net(const char *v, SlirpOptions *o)
{
    g_autofree char *addr = g_strdup(v);
    char *slash = strchr(addr, '/');
    uint32_t mask;

    if (slash) {
        *slash++ = '\0';
    }
    if (!parse_addr(addr, &o->net)) {
        return false;
    }
    uint32_t a = ntohl(o->net.s_addr);
    if (slash) {
        struct in_addr m;
        int bits;
        if (parse_port(slash, &bits)) {
            if (bits < 1 || bits > 30) {
                return false;
            }
            mask = ~0u << (32 - bits);
        } else if (parse_addr(slash, &m)) {
            mask = ntohl(m.s_addr);
            /* contiguous, and room for a network and a broadcast address */
            if ((~mask & (~mask + 1)) != 0 || mask == ~0u || mask == 0) {
                return false;
            }
        } else {
            return false;
        }
    } else if (!(a & 0x80000000)) {
        mask = 0xff000000;
    } else if ((a & 0xfff00000) == 0xac100000) {
        mask = 0xfff00000;
    } else if ((a & 0xc0000000) == 0x80000000) {
        mask = 0xffff0000;
    } else if ((a & 0xffff0000) == 0xc0a80000) {
        mask = 0xffff0000;
    } else {
        mask = 0xffffff00;
    }
    o->mask.s_addr = htonl(mask);
    o->net.s_addr = htonl(a & mask);
    return true;
}

/* An address of the guest network that is neither its network nor its
 * broadcast address. */
static bool addr_in_net(const SlirpOptions *o, struct in_addr a)
{
    uint32_t mask = ntohl(o->mask.s_addr), h = ntohl(a.s_addr);

    return (h & mask) == ntohl(o->net.s_addr) && (h & ~mask) != 0 &&
           (h & ~mask) != ~mask;
}

/* The net's address with host part `low` (QEMU: .2 host, .3 DNS, .15
 * DHCP in a /24). */
static struct in_addr net_default(const SlirpOptions *o, uint32_t low)
{
    struct in_addr a = {
        .s_addr = o->net.s_addr | (htonl(low) & ~o->mask.s_addr),
    };
    return a;
}

/* ---- -netdev user's options: one line each ---- */

static bool opt_restrict(SlirpOptions *o, const char *v)
{
    return parse_bool(v, &o->restricted);
}

static bool opt_ipv4(SlirpOptions *o, const char *v)
{
    return parse_bool(v, &o->ipv4);
}

static bool opt_ipv6(SlirpOptions *o, const char *v)
{
    return parse_bool(v, &o->ipv6);
}

static bool opt_net(SlirpOptions *o, const char *v)
{
    return parse_net(v, o);
}

static bool opt_host(SlirpOptions *o, const char *v)
{
    return o->host_set = parse_addr(v, &o->host);
}

static bool opt_dns(SlirpOptions *o, const char *v)
{
    return o->dns_set = parse_addr(v, &o->dns);
}

static bool opt_dhcpstart(SlirpOptions *o, const char *v)
{
    return o->dhcp_set = parse_addr(v, &o->dhcp);
}

static bool opt_hostname(SlirpOptions *o, const char *v)
{
    o->hostname = v;
    return true;
}

static bool opt_domainname(SlirpOptions *o, const char *v)
{
    o->domainname = v;
    return true;
}

static bool opt_tftp(SlirpOptions *o, const char *v)
{
    o->tftp = v;
    return true;
}

static bool opt_bootfile(SlirpOptions *o, const char *v)
{
    o->bootfile = v;
    return true;
}

/* checked when slirp exists */
static bool opt_hostfwd(SlirpOptions *o, const char *v)
{
    g_ptr_array_add(o->hostfwd, (gpointer)v);
    return true;
}

static bool opt_guestfwd(SlirpOptions *o, const char *v)
{
    g_ptr_array_add(o->guestfwd, (gpointer)v);
    return true;
}

static const struct {
    const char *name;
    bool (*set)(SlirpOptions *o, const char *value);
    bool is_bool;       /* a bare "name" means name=on, as in QEMU */
} slirp_options[] = {
    { "net", opt_net },
    { "host", opt_host },
    { "dns", opt_dns },
    { "dhcpstart", opt_dhcpstart },
    { "hostfwd", opt_hostfwd },
    { "guestfwd", opt_guestfwd },
    { "restrict", opt_restrict, true },
    { "ipv4", opt_ipv4, true },
    { "ipv6", opt_ipv6, true },
    { "hostname", opt_hostname },
    { "domainname", opt_domainname },
    { "tftp", opt_tftp },
    { "bootfile", opt_bootfile },
};

static bool slirp_options_parse(const NetdevProp *props, size_t n,
                                SlirpOptions *o, char **err)
{
    for (size_t i = 0; i < n; i++) {
        const char *k = props[i].key, *v = props[i].value;
        size_t j = 0;

        while (j < G_N_ELEMENTS(slirp_options) &&
               strcmp(slirp_options[j].name, k) != 0) {
            j++;
        }
        if (j == G_N_ELEMENTS(slirp_options)) {
            *err = g_strdup_printf("user: invalid parameter '%s'", k);
            return false;
        }
        if (!v && slirp_options[j].is_bool) {
            v = "on";
        }
        bool ok = v && slirp_options[j].set(o, v);
        if (!ok) {
            *err = v ? g_strdup_printf("user: invalid %s '%s'", k, v)
                     : g_strdup_printf("user: parameter '%s' needs a value",
                                       k);
            return false;
        }
    }
    if (!o->ipv4 && !o->ipv6) {
        *err = g_strdup("user: ipv4=off and ipv6=off leave no network");
        return false;
    }
    if (!o->host_set) {
        o->host = net_default(o, 0x0202);
    }
    if (!o->dns_set) {
        o->dns = net_default(o, 0x0203);
    }
    if (!o->dhcp_set) {
        o->dhcp = net_default(o, 0x020f);
    }
    static const char *const names[] = { "host", "dns", "dhcpstart" };
    const struct in_addr *addrs[] = { &o->host, &o->dns, &o->dhcp };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!addr_in_net(o, *addrs[i])) {
            char a[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, addrs[i], a, sizeof(a));
            inet_ntop(AF_INET, &o->net, net, sizeof(net));
            *err = g_strdup_printf("user: %s %s is not a host address of "
                                   "the guest network %s/%d", names[i], a,
                                   net, __builtin_popcount(o->mask.s_addr));
            return false;
        }
    }
    if (o->dhcp.s_addr == o->host.s_addr || o->dhcp.s_addr == o->dns.s_addr) {
        *err = g_strdup("user: dhcpstart is the host or the dns address");
        return false;
    }
    return true;
}

/* Takes "FIELD<sep>" off the front of *s; NULL if sep is not there. */
static char *take_field(char **s, char sep)
{
    char *f = *s, *e = strchr(f, sep);

    if (!e) {
        return NULL;
    }
    *e = '\0';
    *s = e + 1;
    return f;
}

/* hostfwd=[tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT */
static bool slirp_hostfwd_add(SlirpBackend *s, const SlirpOptions *o,
                              const char *spec, char **err)
{
    g_autofree char *buf = g_strdup(spec);
    char *rest = buf, *proto, *haddr, *hport, *gaddr;
    struct in_addr ha = { .s_addr = INADDR_ANY }, ga = o->dhcp;
    int hp, gp, udp;

    if (!(proto = take_field(&rest, ':')) || !(haddr = take_field(&rest, ':'))
        || !(hport = take_field(&rest, '-')) ||
        !(gaddr = take_field(&rest, ':'))) {
        goto bad;
    }
    if (strcmp(proto, "") == 0 || strcmp(proto, "tcp") == 0) {
        udp = 0;
    } else if (strcmp(proto, "udp") == 0) {
        udp = 1;
    } else {
        goto bad;
    }
    if ((*haddr && !parse_addr(haddr, &ha)) || !parse_port(hport, &hp) ||
        (*gaddr && !parse_addr(gaddr, &ga)) || !parse_port(rest, &gp) ||
        gp == 0) {
        goto bad;
    }
    errno = 0;
    if (slirp_add_hostfwd(s->slirp, udp, ha, hp, ga, gp) < 0) {
        *err = g_strdup_printf("user: could not set up host forwarding "
                               "rule '%s'%s%s", spec, errno ? ": " : "",
                               errno ? g_strerror(errno) : "");
        return false;
    }
    return true;
bad:
    *err = g_strdup_printf("user: invalid hostfwd '%s' "
                           "(tcp|udp:[HADDR]:HPORT-[GADDR]:GPORT)", spec);
    return false;
}

/* What the guest sent, to the chardev; what it does not take now waits
 * for write_ready. */
static ssize_t slirp_guestfwd_write(const void *buf, size_t len,
                                    void *opaque)
{
    SlirpGuestFwd *f = opaque;
    size_t done = 0;

    if (f->pending->len == 0) {
        done = chardev_write(f->chr, buf, len);
    }
    g_byte_array_append(f->pending, (const uint8_t *)buf + done,
                        (guint)(len - done));
    return (ssize_t)len;
}

static void slirp_guestfwd_write_ready(void *opaque)
{
    SlirpGuestFwd *f = opaque;
    size_t n = chardev_write(f->chr, f->pending->data, f->pending->len);

    g_byte_array_remove_range(f->pending, 0, (guint)n);
}

static size_t slirp_guestfwd_can_receive(void *opaque)
{
    SlirpGuestFwd *f = opaque;

    return slirp_socket_can_recv(f->s->slirp, f->addr, f->port);
}

static void slirp_guestfwd_receive(void *opaque, const uint8_t *buf,
                                   size_t len)
{
    SlirpGuestFwd *f = opaque;

    slirp_socket_recv(f->s->slirp, f->addr, f->port, buf, (int)len);
}

static const ChardevHandlers slirp_guestfwd_handlers = {
    .can_receive = slirp_guestfwd_can_receive,
    .receive = slirp_guestfwd_receive,
    .write_ready = slirp_guestfwd_write_ready,
};

static bool slirp_guestfwd_add_chardev(SlirpBackend *s, struct in_addr a,
                                       int port, const char *dev,
                                       const char *spec, char **err)
{
    char *cerr = NULL;
    Chardev *chr = chardev_new(dev, &cerr);

    if (!chr) {
        *err = g_strdup_printf("user: guestfwd '%s': %s", spec, cerr);
        g_free(cerr);
        return false;
    }
    SlirpGuestFwd *f = g_new0(SlirpGuestFwd, 1);
    f->s = s;
    f->chr = chr;
    f->addr = a;
    f->port = port;
    f->pending = g_byte_array_new();
    /* slirp fills in the default address (10.0.2.4) */
    if (slirp_add_guestfwd(s->slirp, slirp_guestfwd_write, f, &f->addr,
                           port) < 0) {
        *err = g_strdup_printf("user: could not set up guest forwarding "
                               "rule '%s' (the address must be in the "
                               "guest network, not the host or dns, and "
                               "unused)", spec);
        g_byte_array_free(f->pending, TRUE);
        g_free(f);
        return false;
    }
    g_ptr_array_add(s->guestfwds, f);
    chardev_set_handlers(chr, &slirp_guestfwd_handlers, f);
    return true;
}

/* guestfwd=[tcp]:[ADDR]:PORT-cmd:COMMAND: each connection of the guest
 * to ADDR:PORT (default 10.0.2.4) runs COMMAND with it as stdin/stdout.
 * guestfwd=[tcp]:[ADDR]:PORT-DEV: a chardev as -serial spells it
 * (tcp:HOST:PORT, unix:PATH, ...) carries it. */
static bool slirp_guestfwd_add(SlirpBackend *s, const char *spec, char **err)
{
    g_autofree char *buf = g_strdup(spec);
    char *rest = buf, *proto, *addr, *port;
    struct in_addr a = { .s_addr = INADDR_ANY };
    int p;

    if (!(proto = take_field(&rest, ':')) || !(addr = take_field(&rest, ':'))
        || !(port = take_field(&rest, '-')) ||
        (*proto && strcmp(proto, "tcp") != 0) ||
        (*addr && !parse_addr(addr, &a)) || !parse_port(port, &p) || !p) {
        *err = g_strdup_printf("user: invalid guestfwd '%s' "
                               "([tcp]:[ADDR]:PORT-cmd:COMMAND or "
                               "[tcp]:[ADDR]:PORT-CHARDEV)", spec);
        return false;
    }
    if (!g_str_has_prefix(rest, "cmd:")) {
        return slirp_guestfwd_add_chardev(s, a, p, rest, spec, err);
    }
    if (slirp_add_exec(s->slirp, rest + 4, &a, p) < 0) {
        *err = g_strdup_printf("user: could not set up guest forwarding "
                               "rule '%s' (the address must be in the "
                               "guest network, not the host or dns, and "
                               "unused)", spec);
        return false;
    }
    return true;
}

static void slirp_backend_free(SlirpBackend *s)
{
    if (s->slirp) {
        slirp_cleanup(s->slirp);
    }
    g_array_free(s->pollfds, TRUE);
    g_array_free(s->pollfds_new, TRUE);
    /* a chardev cannot be closed alone: it stays, unused, until exit */
    for (unsigned i = 0; i < s->guestfwds->len; i++) {
        SlirpGuestFwd *f = s->guestfwds->pdata[i];
        chardev_set_handlers(f->chr, NULL, NULL);
        g_byte_array_free(f->pending, TRUE);
        g_free(f);
    }
    g_ptr_array_free(s->guestfwds, TRUE);
    g_free(s);
}

NetPort *slirp_backend_create(const char *id, const NetdevProp *props,
                              size_t n, char **err)
{
    SlirpOptions o = { .ipv4 = true, .ipv6 = true };
    SlirpBackend *s = NULL;
    NetPort *port = NULL;

    parse_addr("10.0.2.0", &o.net);
    parse_addr("255.255.255.0", &o.mask);
    o.hostfwd = g_ptr_array_new();
    o.guestfwd = g_ptr_array_new();
    if (!slirp_options_parse(props, n, &o, err)) {
        goto out;
    }

    /* IPv6 as QEMU: the site-local fec0::/64, router ::2, DNS ::3 */
    SlirpConfig cfg = {
        .version = 4,
        .restricted = o.restricted,
        .in_enabled = o.ipv4,
        .vnetwork = o.net,
        .vnetmask = o.mask,
        .vhost = o.host,
        .in6_enabled = o.ipv6,
        .vprefix_len = 64,
        .vhostname = o.hostname,
        .tftp_path = o.tftp,
        .bootfile = o.bootfile,
        .vdhcp_start = o.dhcp,
        .vnameserver = o.dns,
        .vdomainname = o.domainname,
    };
    inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
    inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);

    s = g_new0(SlirpBackend, 1);
    s->pollfds = g_array_new(FALSE, TRUE, sizeof(GPollFD));
    s->pollfds_new = g_array_new(FALSE, TRUE, sizeof(GPollFD));
    s->guestfwds = g_ptr_array_new();
    s->slirp = slirp_new(&cfg, &slirp_callbacks, s);
    if (!s->slirp) {
        *err = g_strdup("user: libslirp could not start");
        goto out;
    }
    for (unsigned i = 0; i < o.hostfwd->len; i++) {
        if (!slirp_hostfwd_add(s, &o, o.hostfwd->pdata[i], err)) {
            goto out;
        }
    }
    for (unsigned i = 0; i < o.guestfwd->len; i++) {
        if (!slirp_guestfwd_add(s, o.guestfwd->pdata[i], err)) {
            goto out;
        }
    }
    s->port = net_backend_new(id, &slirp_port_ops, s);
    s->source = g_source_new(&slirp_glue_funcs, sizeof(SlirpSource));
    ((SlirpSource *)s->source)->s = s;
    g_source_set_name(s->source, "bt86-slirp");
    /* GLib blocks a source while it dispatches, taking its fds out of
     * the poll set and putting them back: each of those wakes the loop,
     * which then never sleeps. This one does not recurse anyway. */
    g_source_set_can_recurse(s->source, TRUE);
    g_source_attach(s->source, NULL);
    port = s->port;
out:
    if (!port && s) {
        slirp_backend_free(s);
    }
    g_ptr_array_free(o.hostfwd, TRUE);
    g_ptr_array_free(o.guestfwd, TRUE);
    return port;
}
