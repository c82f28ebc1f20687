/*
 * -netdev user, -nic and -object filter-dump on the command line: each
 * bad spelling, a forwarded port that is taken and a duplicate id end
 * bt86 with status 1 and one line naming the problem; good ones start
 * (the qtest machine with -qtest stdio on an empty stdin ends with status
 * 0 as soon as stdin closes).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tests/qtest/libqtest.h"


/* A TCP or UDP socket listening on 127.0.0.1; its port in *port. */
static int listen_any(int type, int *port)
{
    int s = socket(AF_INET, type, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);

    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    g_assert_cmpint(bind(s, (struct sockaddr *)&a, sizeof(a)), ==, 0);
    if (type == SOCK_STREAM) {
        g_assert_cmpint(listen(s, 1), ==, 0);
    }
    g_assert_cmpint(getsockname(s, (struct sockaddr *)&a, &alen), ==, 0);
    *port = ntohs(a.sin_port);
    return s;
}

static void test_help(void)
{
    g_autofree char *err = NULL, *out = NULL;
    g_autofree char *err2 = NULL, *out2 = NULL;

    g_assert_cmpint(qtest_run_bt86("-netdev help", &err, &out), ==, 0);
    g_assert_nonnull(strstr(out, "user "));
    g_assert_cmpint(qtest_run_bt86("-nic user,model=help", &err2, &out2), ==, 0);
    g_assert_nonnull(strstr(out2, "e1000 "));
}

static void test_netdev_bad(void)
{
    qtest_expect_cmdline_error("-netdev user", "parameter 'id' is missing");
    qtest_expect_cmdline_error("-netdev user,id=0n", "invalid id '0n'");
    qtest_expect_cmdline_error("-netdev tap,id=n0", "backend type 'tap' is not supported");
    qtest_expect_cmdline_error("-netdev user,id=n0,foo=bar",
                 "user: invalid parameter 'foo'");
    qtest_expect_cmdline_error("-netdev user,id=n0,restrict=maybe",
                 "invalid restrict 'maybe'");
    qtest_expect_cmdline_error("-netdev user,id=n0,net=10.0.2.0/33", "invalid net");
    qtest_expect_cmdline_error("-netdev user,id=n0,net=10.0.2.0/255.0.255.0",
                 "invalid net");
    qtest_expect_cmdline_error("-netdev user,id=n0,host=10.0.3.2",
                 "host 10.0.3.2 is not a host address");
    qtest_expect_cmdline_error("-netdev user,id=n0,net=192.168.5.0/24,dns=10.0.2.3",
                 "dns 10.0.2.3 is not a host address");
    qtest_expect_cmdline_error("-netdev user,id=n0,dhcpstart=10.0.2.255",
                 "dhcpstart 10.0.2.255 is not a host address");
    qtest_expect_cmdline_error("-netdev user,id=n0,hostname", "'hostname' needs a value");
    qtest_expect_cmdline_error("-netdev user,id=n0 -netdev user,id=n0",
                 "duplicate id 'n0'");
}

static void test_hostfwd_bad(void)
{
    static const char *const bad[] = {
        "tcp::70000-:22", "sctp::1234-:22", "tcp:1.2.3:1234-:22",
        "tcp::1234-:0", "tcp::1234", "tcp::1234-10.0.2.15", "::x-:22",
        "tcp::1234-:22x",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *args = g_strdup_printf(
            "-netdev user,id=n0,hostfwd=%s", bad[i]);
        g_autofree char *want = g_strdup_printf("invalid hostfwd '%s'",
                                                bad[i]);
        qtest_expect_cmdline_error(args, want);
    }
}

static void test_hostfwd_in_use(void)
{
    int port;
    int s = listen_any(SOCK_STREAM, &port);
    g_autofree char *args = g_strdup_printf(
        "-netdev user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22", port);
    qtest_expect_cmdline_error(args, "Address already in use");
    close(s);

    s = listen_any(SOCK_DGRAM, &port);
    g_autofree char *uargs = g_strdup_printf(
        "-netdev user,id=n0,hostfwd=udp:127.0.0.1:%d-:53", port);
    qtest_expect_cmdline_error(uargs, "could not set up host forwarding rule");
    close(s);
}

static void test_guestfwd(void)
{
    qtest_expect_cmdline_error("-netdev user,id=n0,guestfwd=tcp:10.0.2.100:80-bogus:1",
                 "unsupported backend 'bogus:1'");
    /* a chardev host end connects at start, as QEMU's does */
    int port;
    int s = listen_any(SOCK_STREAM, &port);
    close(s);
    g_autofree char *refused = g_strdup_printf(
        "-netdev user,id=n0,guestfwd=tcp:10.0.2.100:80-tcp:127.0.0.1:%d",
        port);
    qtest_expect_cmdline_error(refused, "Connection refused");
    s = listen_any(SOCK_STREAM, &port);
    g_autofree char *ok = g_strdup_printf(
        "-netdev user,id=n0,guestfwd=:10.0.2.100:80-tcp:127.0.0.1:%d", port);
    qtest_expect_cmdline_ok(ok);
    close(s);
    qtest_expect_cmdline_error("-netdev user,id=n0,guestfwd=udp:10.0.2.100:80-cmd:cat",
                 "invalid guestfwd");
    /* the gateway's own address cannot be forwarded */
    qtest_expect_cmdline_error("-netdev user,id=n0,guestfwd=tcp:10.0.2.2:80-cmd:cat",
                 "could not set up guest forwarding rule");
    qtest_expect_cmdline_ok("-netdev user,id=n0,guestfwd=tcp:10.0.2.100:80-cmd:cat,,-u");
}

static void test_nic(void)
{
    qtest_expect_cmdline_error("-nic user,model=rtl8139", "NIC model 'rtl8139'");
    qtest_expect_cmdline_error("-nic user,mac=52:54:00:12:34", "invalid mac");
    qtest_expect_cmdline_error("-nic user,mac=01:54:00:12:34:56", "invalid mac");
    qtest_expect_cmdline_error("-nic user,hostfwd=tcp::1-", "invalid hostfwd");
    qtest_expect_cmdline_ok("-nic none");

    /* The NIC itself comes from the board's e1000 model, when there is
     * one (net/ is merged before or after it). */
    g_autofree char *err = NULL, *out = NULL;
    qtest_run_bt86("-device help", &err, &out);
    if (strstr(out, "e1000")) {
        qtest_expect_cmdline_ok("-nic user,model=e1000,mac=52:54:00:12:34:57");
    } else {
        qtest_expect_cmdline_error("-nic user", "device 'e1000' is not supported");
    }
}

static void test_filter_dump(void)
{
    g_autofree char *dir = g_dir_make_tmp("netdev-cmdline-XXXXXX", NULL);
    g_autofree char *pcap = g_build_filename(dir, "n0.pcap", NULL);
    g_autofree char *bad_dir = g_build_filename(dir, "no", "n0.pcap", NULL);
    g_autofree char *ok = g_strdup_printf(
        "-object filter-dump,id=d0,netdev=n0,file=%s "
        "-netdev user,id=n0,restrict=on,hostname=g,net=10.9.0.0/16", pcap);
    g_autofree char *bad = g_strdup_printf(
        "-netdev user,id=n0 -object filter-dump,id=d0,netdev=n0,file=%s",
        bad_dir);

    qtest_expect_cmdline_error("-object memory-backend-ram,id=m0", "object type "
                 "'memory-backend-ram' is not supported");
    qtest_expect_cmdline_error("-netdev user,id=n0 -object filter-dump,id=d0,file=x",
                 "parameter 'netdev' is missing");
    qtest_expect_cmdline_error("-netdev user,id=n0 -object filter-dump,id=d0,netdev=n1,"
                 "file=x", "no netdev 'n1'");
    qtest_expect_cmdline_error("-netdev user,id=n0 -object filter-dump,id=d0,netdev=n0,"
                 "file=x,maxlen=1", "invalid parameter 'maxlen'");
    qtest_expect_cmdline_error(bad, "cannot create");

    /* -object may come before its -netdev, as with QEMU */
    qtest_expect_cmdline_ok(ok);
    g_autofree char *data = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(pcap, &data, &len, NULL));
    g_assert_cmpuint(len, ==, 24);
    g_assert_cmpmem(data, 4, "\xd4\xc3\xb2\xa1", 4);
    g_unlink(pcap);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netdev-cmdline/help", test_help);
    g_test_add_func("/netdev-cmdline/netdev-bad", test_netdev_bad);
    g_test_add_func("/netdev-cmdline/hostfwd-bad", test_hostfwd_bad);
    g_test_add_func("/netdev-cmdline/hostfwd-in-use", test_hostfwd_in_use);
    g_test_add_func("/netdev-cmdline/guestfwd", test_guestfwd);
    g_test_add_func("/netdev-cmdline/nic", test_nic);
    g_test_add_func("/netdev-cmdline/filter-dump", test_filter_dump);
    return g_test_run();
}
