/*
 * The serial port's backends, end to end: bt86 runs under -accel qtest with
 * COM1 on a tcp or unix socket, a file, or mon:stdio through pipes; this
 * side talks to the backend and reads and writes the UART over qtest.
 * Only loopback networking is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tests/qtest/libqtest.h"

#define COM1 0x3f8
#define RBR 0
#define THR 0
#define IER 1
#define FCR 2
#define LSR 5

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20

#define TIMEOUT_MS 10000

static char *tmp_dir;

/* A port nobody listens on right now (the kernel's pick). */
static int free_tcp_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static int tcp_connect(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static int tcp_listen(int *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void unix_addr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    g_assert_cmpuint(strlen(path), <, sizeof(sa->sun_path));
    strcpy(sa->sun_path, path);
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    unix_addr(&sa, path);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

static int unix_listen(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    unix_addr(&sa, path);
    unlink(path);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

static int accept_timeout(int lfd)
{
    struct pollfd pfd = { .fd = lfd, .events = POLLIN };

    g_assert_cmpint(poll(&pfd, 1, TIMEOUT_MS), ==, 1);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= n;
    }
}

/* Reads exactly len bytes within the timeout. */
static void recv_exact(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        g_assert_cmpint(poll(&pfd, 1, TIMEOUT_MS), ==, 1);
        ssize_t n = read(fd, p, len);
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= n;
    }
}

/* Reads from fd into acc until it contains needle. */
static void read_until(int fd, GString *acc, const char *needle)
{
    while (!strstr(acc->str, needle)) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        char buf[512];

        if (poll(&pfd, 1, TIMEOUT_MS) != 1) {
            g_error("no '%s' within %d ms; got '%s'", needle, TIMEOUT_MS,
                    acc->str);
        }
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            g_error("EOF before '%s'; got '%s'", needle, acc->str);
        }
        g_string_append_len(acc, buf, n);
    }
}

/* Input reaches the UART from the main loop: poll LSR.DR for it. */
static uint8_t uart_getc(QTestState *s)
{
    for (int waited = 0; waited < TIMEOUT_MS; waited++) {
        uint8_t lsr = qtest_inb(s, COM1 + LSR);
        g_assert_false(lsr & LSR_OE);
        if (lsr & LSR_DR) {
            return qtest_inb(s, COM1 + RBR);
        }
        g_usleep(1000);
    }
    g_error("no byte reached the UART");
}

static void uart_puts(QTestState *s, const char *str)
{
    for (; *str; str++) {
        g_assert_true(qtest_inb(s, COM1 + LSR) & LSR_THRE);
        qtest_outb(s, COM1 + THR, (uint8_t)*str);
    }
}

/* Both directions through a connected backend socket. */
static void check_exchange(QTestState *s, int fd)
{
    char buf[8];

    send_all(fd, "hello", 5);
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(uart_getc(s), ==, "hello"[i]);
    }
    uart_puts(s, "world");
    recv_exact(fd, buf, 5);
    g_assert_cmpmem(buf, 5, "world", 5);
}

static void test_tcp_server(void)
{
    int port = free_tcp_port();
    g_autofree char *args = g_strdup_printf(
        "-serial tcp:127.0.0.1:%d,server=on,wait=off", port);
    QTestState *s = qtest_init(args);

    /* no peer yet: output is dropped, the guest is not held up */
    uart_puts(s, "lost");
    int fd = tcp_connect(port);
    check_exchange(s, fd);
    /* the peer leaves; the next one is served */
    close(fd);
    uart_puts(s, "gone");
    fd = tcp_connect(port);
    check_exchange(s, fd);
    close(fd);
    qtest_quit(s);
}

/*
 * The guest does not read: the FIFO fills to 16 and the rest waits in the
 * socket, without an overrun; then everything arrives in order.
 */
static gpointer connect_when_listening(gpointer opaque)
{
    int port = GPOINTER_TO_INT(opaque);
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

    for (int tries = 0; tries < TIMEOUT_MS / 10; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            return GINT_TO_POINTER(fd);
        }
        close(fd);
        g_usleep(10000);
    }
    return GINT_TO_POINTER(-1);
}

/*
 * QEMU's default for a server, wait=on: the machine is not even built
 * (so qtest does not connect) until a client is there. An empty host
 * listens on every interface.
 */
static void test_tcp_server_wait(void)
{
    int port = free_tcp_port();
    g_autofree char *args = g_strdup_printf("-serial tcp::%d,server", port);
    GThread *t = g_thread_new("connect", connect_when_listening,
                              GINT_TO_POINTER(port));
    QTestState *s = qtest_init(args);
    int fd = GPOINTER_TO_INT(g_thread_join(t));

    g_assert_cmpint(fd, >=, 0);
    check_exchange(s, fd);
    close(fd);
    qtest_quit(s);
}

/* The same through QEMU's long form. */
static void test_chardev_option(void)
{
    int port = free_tcp_port();
    g_autofree char *path = g_build_filename(tmp_dir, "long.sock", NULL);
    int lfd = unix_listen(path);
    g_autofree char *args = g_strdup_printf(
        "-chardev socket,id=s0,host=127.0.0.1,port=%d,server=on,wait=off "
        "-chardev socket,path=%s,id=s1 "
        "-serial chardev:s0 -serial chardev:s1", port, path);
    QTestState *s = qtest_init(args);
    int fd = tcp_connect(port);
    int fd2 = accept_timeout(lfd);
    char buf[4];

    check_exchange(s, fd);
    qtest_outb(s, 0x2f8 + THR, 'u');
    recv_exact(fd2, buf, 1);
    g_assert_cmpint(buf[0], ==, 'u');
    close(fd);
    close(fd2);
    close(lfd);
    unlink(path);
    qtest_quit(s);
}

static void test_tcp_backpressure(void)
{
    int port = free_tcp_port();
    g_autofree char *args = g_strdup_printf(
        "-serial tcp:127.0.0.1:%d,server,nowait", port);
    QTestState *s = qtest_init(args);
    uint8_t data[300];

    qtest_outb(s, COM1 + FCR, 0x07);
    int fd = tcp_connect(port);
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 7 + 3);
    }
    send_all(fd, data, sizeof(data));
    g_assert_cmpint(uart_getc(s), ==, data[0]);
    g_usleep(200 * 1000);
    g_assert_cmphex(qtest_inb(s, COM1 + LSR), ==, 0x61);
    for (size_t i = 1; i < sizeof(data); i++) {
        g_assert_cmpint(uart_getc(s), ==, data[i]);
    }
    /* 16450 mode: one byte at a time, still nothing lost */
    qtest_outb(s, COM1 + FCR, 0x00);
    send_all(fd, data, 40);
    g_usleep(100 * 1000);
    for (size_t i = 0; i < 40; i++) {
        g_assert_cmpint(uart_getc(s), ==, data[i]);
    }
    /* in loopback the input pin is cut off: input waits for its end */
    qtest_outb(s, COM1 + 4, 0x10);
    send_all(fd, "late", 4);
    g_usleep(100 * 1000);
    g_assert_cmphex(qtest_inb(s, COM1 + LSR), ==, 0x60);
    qtest_outb(s, COM1 + 4, 0x00);
    for (size_t i = 0; i < 4; i++) {
        g_assert_cmpint(uart_getc(s), ==, "late"[i]);
    }
    close(fd);
    qtest_quit(s);
}

static void test_tcp_client(void)
{
    int port;
    int lfd = tcp_listen(&port);
    g_autofree char *args = g_strdup_printf("-serial tcp:127.0.0.1:%d",
                                            port);
    QTestState *s = qtest_init(args);
    int fd = accept_timeout(lfd);

    check_exchange(s, fd);
    close(fd);
    close(lfd);
    qtest_quit(s);
}

static void test_unix_server(void)
{
    g_autofree char *path = g_build_filename(tmp_dir, "server.sock", NULL);
    g_autofree char *args = g_strdup_printf("-serial unix:%s,server,wait=off",
                                            path);
    QTestState *s = qtest_init(args);
    int fd = unix_connect(path);

    check_exchange(s, fd);
    close(fd);
    qtest_quit(s);
    /* bt86 removes its socket when it exits */
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void test_unix_client(void)
{
    g_autofree char *path = g_build_filename(tmp_dir, "client.sock", NULL);
    int lfd = unix_listen(path);
    g_autofree char *args = g_strdup_printf("-serial unix:%s", path);
    QTestState *s = qtest_init(args);
    int fd = accept_timeout(lfd);

    check_exchange(s, fd);
    close(fd);
    close(lfd);
    unlink(path);
    qtest_quit(s);
}

static void test_file(void)
{
    g_autofree char *path = g_build_filename(tmp_dir, "out.txt", NULL);
    g_autofree char *args = g_strdup_printf("-serial null -serial file:%s",
                                            path);
    QTestState *s = qtest_init(args);
    g_autofree char *text = NULL;

    for (const char *p = "to a file\n"; *p; p++) {
        qtest_outb(s, 0x2f8 + THR, (uint8_t)*p);
    }
    qtest_quit(s);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "to a file\n");
    unlink(path);
}

/*
 * Starts bt86 with its stdin and stdout on pipes (not a tty, so the
 * terminal is left alone): libqtest's child inherits fds 0 and 1.
 */
static QTestState *qtest_init_piped(const char *args, int *to_stdin,
                                    int *from_stdout)
{
    int in[2], out[2];

    g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(out, O_CLOEXEC), ==, 0);
    fflush(stdout);
    int saved_in = dup(0), saved_out = dup(1);
    dup2(in[0], 0);
    dup2(out[1], 1);
    QTestState *s = qtest_init(args);
    dup2(saved_in, 0);
    dup2(saved_out, 1);
    close(saved_in);
    close(saved_out);
    close(in[0]);
    close(out[1]);
    *to_stdin = in[1];
    *from_stdout = out[0];
    return s;
}

static void test_mux_stdio(gconstpointer data)
{
    const char *args = data;
    int in, out;
    QTestState *s = qtest_init_piped(args, &in, &out);
    GString *acc = g_string_new(NULL);

    /* C-a h: the keys */
    send_all(in, "\x01h", 2);
    read_until(out, acc, "C-a x");
    g_assert_nonnull(strstr(acc->str, "C-a h"));
    g_assert_nonnull(strstr(acc->str, "C-a C-a"));
    /* ordinary bytes and C-a C-a reach the guest, C-a c does not */
    send_all(in, "a\x01" "cb\x01\x01" "c", 7);
    g_assert_cmpint(uart_getc(s), ==, 'a');
    g_assert_cmpint(uart_getc(s), ==, 'b');
    g_assert_cmpint(uart_getc(s), ==, 0x01);
    g_assert_cmpint(uart_getc(s), ==, 'c');
    read_until(out, acc, "no monitor");
    /* C-a b: a break (BI, and a zero byte) */
    send_all(in, "\x01" "b", 2);
    g_assert_cmpint(uart_getc(s), ==, 0);
    /* the guest's output */
    uart_puts(s, "guest says hi");
    read_until(out, acc, "guest says hi");
    /* C-a x: bt86 ends, status 0 (qtest_quit checks) */
    send_all(in, "\x01x", 2);
    read_until(out, acc, "Terminated");
    for (;;) {
        char buf[256];
        ssize_t n = read(out, buf, sizeof(buf));
        if (n <= 0) {
            break;          /* bt86 has gone */
        }
    }
    qtest_quit(s);
    close(in);
    close(out);
    g_string_free(acc, TRUE);
}

/* Runs bt86 with args (no -qtest server: it fails first); returns its
 * stderr after checking for status 1 and a single line. */
static char *run_bad(const char *const *args)
{
    GPtrArray *argv = g_ptr_array_new();
    g_autofree char *out = NULL;
    char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_ptr_array_add(argv, getenv("BT86_BINARY"));
    g_ptr_array_add(argv, "-machine");
    g_ptr_array_add(argv, "pc,accel=qtest");
    g_ptr_array_add(argv, "-qtest");
    g_ptr_array_add(argv, "unix:/nonexistent-dir/qtest");
    g_ptr_array_add(argv, "-display");
    g_ptr_array_add(argv, "none");
    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (char *)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_assert_nonnull(argv->pdata[0]);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &gerr));
    g_assert_no_error(gerr);
    g_ptr_array_free(argv, TRUE);
    g_test_message("%s %s -> %s", args[0], args[1], err);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strchr(err, '\n'));
    g_assert_cmpstr(strchr(err, '\n') + 1, ==, "");
    return err;
}

static void test_bad_chardev(void)
{
    const char *opts[] = {
        "bogus,id=x", "null", "file,id=f", "socket,id=s",
        "socket,id=s,path=/x,port=1", "stdio,id=a,signal=maybe",
        "null,id=n,logfile=/x", "socket,id=s,path=/a,b",
        "socket,id=s,port=1,server=maybe", "null,id=n,path=/x",
        "file,id=f,path=/x,port=3", "pty,id=p,signal=off",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
        const char *args[] = { "-chardev", opts[i], NULL };
        g_autofree char *err = run_bad(args);
        g_assert_true(g_str_has_prefix(err, "bt86: -chardev: "));
    }
    const char *dup[] = { "-chardev", "null,id=a", "-chardev", "null,id=a",
                          NULL };
    g_autofree char *err = run_bad(dup);
    g_assert_cmpstr(err, ==, "bt86: -chardev: duplicate chardev id 'a'\n");
    const char *twice[] = { "-chardev", "null,id=a", "-serial", "chardev:a",
                            "-serial", "chardev:a", NULL };
    g_free(err);
    err = run_bad(twice);
    g_assert_cmpstr(err, ==, "bt86: -serial: chardev 'a' is already in "
                    "use\n");
    const char *none[] = { "-serial", "chardev:zz", NULL };
    g_free(err);
    err = run_bad(none);
    g_assert_cmpstr(err, ==, "bt86: -serial: no -chardev with id 'zz'\n");
}

static int pty_open(const char *path)
{
    struct termios tios;
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(tcgetattr(fd, &tios), ==, 0);
    cfmakeraw(&tios);
    g_assert_cmpint(tcsetattr(fd, TCSANOW, &tios), ==, 0);
    return fd;
}

/*
 * -serial pty: bt86 names the pty on stdout, as QEMU does; output while
 * nobody has it open is dropped, not held; a second opener is served.
 */
static void test_pty(void)
{
    int in, out;
    QTestState *s = qtest_init_piped("-serial pty", &in, &out);
    GString *acc = g_string_new(NULL);

    read_until(out, acc, "\n");
    g_assert_true(g_str_has_prefix(acc->str, "char device redirected to "));
    g_autofree char *path = g_strndup(acc->str + 26,
                                      strcspn(acc->str + 26, " "));
    /* nobody there: the guest is not held up */
    for (int i = 0; i < 100; i++) {
        uart_puts(s, "unseen ");
    }
    for (int round = 0; round < 2; round++) {
        int fd = pty_open(path);
        char buf[8];

        /* bt86 notices the opener within its poll interval */
        send_all(fd, "hello", 5);
        for (int i = 0; i < 5; i++) {
            g_assert_cmpint(uart_getc(s), ==, "hello"[i]);
        }
        uart_puts(s, "world");
        recv_exact(fd, buf, 5);
        g_assert_cmpmem(buf, 5, "world", 5);
        close(fd);
        g_usleep(100 * 1000);
        uart_puts(s, "gone");
    }
    qtest_quit(s);
    close(in);
    close(out);
    g_string_free(acc, TRUE);
}

/*
 * The terminal: bt86 runs on a pty as its controlling terminal (stdin,
 * stdout, stderr), as from a shell; this side is the terminal emulator.
 */
typedef struct TTYRun {
    int master, qtest_fd;
    pid_t pid;
    struct termios before;
} TTYRun;

static void tty_run_start(TTYRun *r, const char *serial)
{
    g_autofree char *path = g_build_filename(tmp_dir, "tty-qtest.sock",
                                             NULL);
    int lfd = unix_listen(path);
    struct termios tios;

    r->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    g_assert_cmpint(r->master, >=, 0);
    g_assert_cmpint(grantpt(r->master), ==, 0);
    g_assert_cmpint(unlockpt(r->master), ==, 0);
    g_autofree char *slave = g_strdup(ptsname(r->master));
    /* a cooked terminal, as a shell leaves it */
    int sfd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    g_assert_cmpint(sfd, >=, 0);
    g_assert_cmpint(tcgetattr(sfd, &tios), ==, 0);
    tios.c_lflag |= ECHO | ICANON | ISIG | IEXTEN;
    tios.c_iflag |= ICRNL;
    g_assert_cmpint(tcsetattr(sfd, TCSANOW, &tios), ==, 0);
    g_assert_cmpint(tcgetattr(sfd, &r->before), ==, 0);

    g_autofree char *qtest_arg = g_strdup_printf("unix:%s", path);
    const char *argv[] = {
        getenv("BT86_BINARY"), "-machine", "pc,accel=qtest", "-qtest",
        qtest_arg, "-display", "none", "-serial", serial, NULL,
    };
    r->pid = fork();
    g_assert_cmpint(r->pid, >=, 0);
    if (r->pid == 0) {
        setsid();
        int fd = open(slave, O_RDWR);       /* the controlling terminal */
        ioctl(fd, TIOCSCTTY, 0);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    close(sfd);
    /* The chardevs exist (the terminal is raw) once qtest connects. */
    r->qtest_fd = accept_timeout(lfd);
    close(lfd);
    unlink(path);
}

static struct termios tty_now(TTYRun *r)
{
    struct termios tios;

    g_assert_cmpint(tcgetattr(r->master, &tios), ==, 0);
    return tios;
}

static bool tty_same(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
           a->c_lflag == b->c_lflag && a->c_cflag == b->c_cflag &&
           memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

/* Waits for bt86 to end; its wait status. */
static int tty_run_wait(TTYRun *r)
{
    int status;

    for (int waited = 0; waitpid(r->pid, &status, WNOHANG) != r->pid;
         waited++) {
        char buf[256];

        if (waited > TIMEOUT_MS) {
            kill(r->pid, SIGKILL);
            g_error("bt86 did not end");
        }
        /* keep the terminal drained, as an emulator would */
        while (read(r->master, buf, sizeof(buf)) > 0) {
            continue;
        }
        g_usleep(1000);
    }
    return status;
}

static void tty_run_end(TTYRun *r)
{
    close(r->qtest_fd);
    close(r->master);
}

static void qtest_fd_cmd(TTYRun *r, const char *cmd, char *reply, size_t n)
{
    size_t got = 0;

    send_all(r->qtest_fd, cmd, strlen(cmd));
    while (got == 0 || reply[got - 1] != '\n') {
        g_assert_cmpuint(got, <, n - 1);
        recv_exact(r->qtest_fd, reply + got, 1);
        got++;
    }
    reply[got] = '\0';
}

static void test_stdio_tty(void)
{
    TTYRun r;
    struct termios raw;
    char reply[64];
    int status;

    /* mon:stdio: raw, Ctrl-C is the guest's; C-a x restores */
    tty_run_start(&r, "mon:stdio");
    fcntl(r.master, F_SETFL, fcntl(r.master, F_GETFL) | O_NONBLOCK);
    raw = tty_now(&r);
    g_assert_false(raw.c_lflag & (ECHO | ICANON | ISIG));
    send_all(r.master, "\x03", 1);
    for (int i = 0;; i++) {
        g_assert_cmpint(i, <, TIMEOUT_MS);
        qtest_fd_cmd(&r, "inb 0x3fd\n", reply, sizeof(reply));
        if (strcmp(reply, "OK 0x0061\n") == 0) {
            break;
        }
        g_usleep(1000);
    }
    qtest_fd_cmd(&r, "inb 0x3f8\n", reply, sizeof(reply));
    g_assert_cmpstr(reply, ==, "OK 0x0003\n");
    send_all(r.master, "\x01x", 2);
    status = tty_run_wait(&r);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    raw = tty_now(&r);
    g_assert_true(tty_same(&raw, &r.before));
    tty_run_end(&r);

    /* plain stdio: Ctrl-C quits bt86, and the terminal comes back */
    tty_run_start(&r, "stdio");
    fcntl(r.master, F_SETFL, fcntl(r.master, F_GETFL) | O_NONBLOCK);
    raw = tty_now(&r);
    g_assert_false(raw.c_lflag & (ECHO | ICANON));
    g_assert_true(raw.c_lflag & ISIG);
    send_all(r.master, "\x03", 1);
    status = tty_run_wait(&r);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    raw = tty_now(&r);
    g_assert_true(tty_same(&raw, &r.before));
    tty_run_end(&r);

    /* killed by a signal: SIGTERM exits, SIGSEGV dies; both restore */
    static const int sigs[] = { SIGTERM, SIGHUP, SIGSEGV, SIGABRT };
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        tty_run_start(&r, "mon:stdio");
        fcntl(r.master, F_SETFL, fcntl(r.master, F_GETFL) | O_NONBLOCK);
        raw = tty_now(&r);
        g_assert_false(tty_same(&raw, &r.before));
        kill(r.pid, sigs[i]);
        status = tty_run_wait(&r);
        if (sigs[i] == SIGTERM || sigs[i] == SIGHUP) {
            g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        } else {
            /* dies of it (or, under a sanitizer, reports and exits) */
            g_assert_true(WIFSIGNALED(status) ||
                          (WIFEXITED(status) && WEXITSTATUS(status)));
            g_assert_true(!WIFSIGNALED(status) ||
                          WTERMSIG(status) == sigs[i]);
        }
        raw = tty_now(&r);
        g_assert_true(tty_same(&raw, &r.before));
        tty_run_end(&r);
    }
}

/* Bad backends: one line on stderr, "bt86: -serial: ...", status 1. */
static void test_bad_specs(void)
{
    g_autofree char *refused = g_strdup_printf("tcp:127.0.0.1:%d",
                                               free_tcp_port());
    const char *specs[] = {
        "bogus", "tcp:1234", "tcp:127.0.0.1:1,server=maybe",
        "tcp:127.0.0.1:1,wait=off", "unix:/nonexistent-dir/sock",
        "unix:/nonexistent-dir/sock,server,nowait",
        "file:/nonexistent-dir/file", "mon:mon:stdio", "mon:bogus",
        "unix:", "tcp:127.0.0.1:1,telnet", refused,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
        const char *args[] = { "-serial", specs[i], NULL };
        g_autofree char *err = run_bad(args);
        g_assert_true(g_str_has_prefix(err, "bt86: -serial: "));
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GError) gerr = NULL;

    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("bt86-chardev-XXXXXX", &gerr);
    g_assert_no_error(gerr);

    g_test_add_func("/serial-chardev/tcp-server", test_tcp_server);
    g_test_add_func("/serial-chardev/tcp-server-wait", test_tcp_server_wait);
    g_test_add_func("/serial-chardev/tcp-backpressure",
                    test_tcp_backpressure);
    g_test_add_func("/serial-chardev/tcp-client", test_tcp_client);
    g_test_add_func("/serial-chardev/unix-server", test_unix_server);
    g_test_add_func("/serial-chardev/unix-client", test_unix_client);
    g_test_add_func("/serial-chardev/file", test_file);
    g_test_add_data_func("/serial-chardev/mon-stdio", "-serial mon:stdio",
                         test_mux_stdio);
    g_test_add_data_func("/serial-chardev/nographic", "-nographic",
                         test_mux_stdio);
    g_test_add_data_func("/serial-chardev/chardev-mux",
                         "-chardev stdio,id=c0,mux=on,signal=off "
                         "-serial chardev:c0", test_mux_stdio);
    g_test_add_func("/serial-chardev/chardev-option", test_chardev_option);
    g_test_add_func("/serial-chardev/pty", test_pty);
    g_test_add_func("/serial-chardev/stdio-tty", test_stdio_tty);
    g_test_add_func("/serial-chardev/bad-specs", test_bad_specs);
    g_test_add_func("/serial-chardev/bad-chardev", test_bad_chardev);

    int rc = g_test_run();
    rmdir(tmp_dir);
    g_free(tmp_dir);
    return rc;
}
