/*
 * libqtest (see libqtest.h). bt86 connects to a unix socket this side
 * listens on, as QEMU's -qtest unix:PATH does.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/qtest/libqtest.h"

#define QTEST_TIMEOUT_MS 20000
#define QTEST_MAX_IRQS   64

struct QTestState {
    pid_t pid;
    int fd;
    char *dir, *sock_path;
    GString *rx;
    bool irq_level[QTEST_MAX_IRQS];
    unsigned irq_raises[QTEST_MAX_IRQS];
};

static const char *qtest_binary(void)
{
    const char *bin = getenv("BT86_BINARY");

    if (!bin) {
        g_error("BT86_BINARY is not set: run through meson test");
    }
    return bin;
}

static int qtest_wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = events };
    int r;

    do {
        r = poll(&pfd, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r;
}

QTestState *qtest_init(const char *extra_args)
{
    QTestState *s = g_new0(QTestState, 1);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autoptr(GError) gerr = NULL;
    g_auto(GStrv) extra = NULL;

    s->rx = g_string_new(NULL);
    s->dir = g_dir_make_tmp("bt86-qtest-XXXXXX", &gerr);
    g_assert_no_error(gerr);
    s->sock_path = g_build_filename(s->dir, "sock", NULL);
    g_assert_cmpuint(strlen(s->sock_path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, s->sock_path);

    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(lfd, >=, 0);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);

    if (extra_args && *extra_args) {
        g_assert_true(g_shell_parse_argv(extra_args, NULL, &extra, &gerr));
    }
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(qtest_binary()));
    g_ptr_array_add(argv, g_strdup("-machine"));
    g_ptr_array_add(argv, g_strdup("pc,accel=qtest"));
    g_ptr_array_add(argv, g_strdup("-qtest"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s", s->sock_path));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    for (int i = 0; extra && extra[i]; i++) {
        g_ptr_array_add(argv, g_strdup(extra[i]));
    }
    g_ptr_array_add(argv, NULL);

    s->pid = fork();
    g_assert_cmpint(s->pid, >=, 0);
    if (s->pid == 0) {
        execv(argv->pdata[0], (char **)argv->pdata);
        fprintf(stderr, "libqtest: could not run %s: %s\n",
                (char *)argv->pdata[0], strerror(errno));
        _exit(127);
    }
    g_ptr_array_free(argv, TRUE);

    /* Wait for the connection, but notice a bt86 that exits instead. */
    for (int waited = 0;; waited += 100) {
        int status;
        if (qtest_wait_fd(lfd, POLLIN, 100) > 0) {
            break;
        }
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            g_error("bt86 exited before connecting (status 0x%x)", status);
        }
        if (waited > QTEST_TIMEOUT_MS) {
            g_error("bt86 did not connect to %s", s->sock_path);
        }
    }
    s->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(s->fd, >=, 0);
    close(lfd);
    return s;
}

static void qtest_free(QTestState *s)
{
    unlink(s->sock_path);
    rmdir(s->dir);
    g_free(s->sock_path);
    g_free(s->dir);
    g_string_free(s->rx, TRUE);
    g_free(s);
}

int qtest_wait_exit(QTestState *s)
{
    int status = 0;
    char *line;

    /* The replies (or none) before the end of the connection */
    while ((line = qtest_recv_line(s))) {
        g_free(line);
    }
    close(s->fd);
    for (int waited = 0;; waited += 10) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            break;
        }
        if (waited > QTEST_TIMEOUT_MS) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            g_error("bt86 did not exit");
        }
        g_usleep(10000);
    }
    if (WIFSIGNALED(status)) {
        g_error("bt86 was killed by signal %d", WTERMSIG(status));
    }
    g_assert_true(WIFEXITED(status));
    qtest_free(s);
    return WEXITSTATUS(status);
}

void qtest_quit(QTestState *s)
{
    int status = 0;

    close(s->fd);
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid) {
            break;
        }
        if (waited > QTEST_TIMEOUT_MS) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            g_error("bt86 did not exit when the qtest socket closed");
        }
        g_usleep(10000);
    }
    if (WIFSIGNALED(status)) {
        g_error("bt86 was killed by signal %d", WTERMSIG(status));
    }
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    qtest_free(s);
}

void qtest_send_raw(QTestState *s, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            qtest_wait_fd(s->fd, POLLOUT, QTEST_TIMEOUT_MS);
            continue;
        }
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= n;
    }
}

/* One raw line (IRQ lines included), or NULL on EOF. */
static char *qtest_read_line(QTestState *s)
{
    for (;;) {
        char *nl = memchr(s->rx->str, '\n', s->rx->len);
        if (nl) {
            size_t len = nl - s->rx->str;
            char *line = g_strndup(s->rx->str, len);
            g_string_erase(s->rx, 0, len + 1);
            return line;
        }
        if (qtest_wait_fd(s->fd, POLLIN, QTEST_TIMEOUT_MS) <= 0) {
            g_error("no reply from bt86 within %d ms", QTEST_TIMEOUT_MS);
        }
        char buf[65536];
        ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return NULL;
        }
        g_string_append_len(s->rx, buf, n);
    }
}

static bool qtest_note_irq(QTestState *s, const char *line)
{
    int n;
    bool raise;

    if (!g_str_has_prefix(line, "IRQ ")) {
        return false;
    }
    if (sscanf(line, "IRQ raise %d", &n) == 1) {
        raise = true;
    } else if (sscanf(line, "IRQ lower %d", &n) == 1) {
        raise = false;
    } else {
        g_error("bad IRQ line from bt86: '%s'", line);
    }
    g_assert_cmpint(n, >=, 0);
    g_assert_cmpint(n, <, QTEST_MAX_IRQS);
    s->irq_level[n] = raise;
    if (raise) {
        s->irq_raises[n]++;
    }
    return true;
}

char *qtest_recv_line(QTestState *s)
{
    for (;;) {
        char *line = qtest_read_line(s);
        if (!line || !qtest_note_irq(s, line)) {
            return line;
        }
        g_free(line);
    }
}

static char *qtest_vcmd(QTestState *s, const char *fmt, va_list ap)
{
    g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
    g_autofree char *line = g_strconcat(cmd, "\n", NULL);

    qtest_send_raw(s, line, strlen(line));
    char *reply = qtest_recv_line(s);
    if (!reply) {
        g_error("bt86 closed the connection after '%s'", cmd);
    }
    return reply;
}

char *qtest_cmd(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    char *reply = qtest_vcmd(s, fmt, ap);
    va_end(ap);
    return reply;
}

uint64_t qtest_cmd_ok(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *reply = qtest_vcmd(s, fmt, ap);
    va_end(ap);
    if (strcmp(reply, "OK") == 0) {
        return 0;
    }
    if (!g_str_has_prefix(reply, "OK ")) {
        g_error("expected OK from bt86, got '%s'", reply);
    }
    return g_ascii_strtoull(reply + 3, NULL, 0);
}

void qtest_outb(QTestState *s, uint16_t port, uint8_t v)
{
    qtest_cmd_ok(s, "outb 0x%x 0x%x", port, v);
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t v)
{
    qtest_cmd_ok(s, "outw 0x%x 0x%x", port, v);
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t v)
{
    qtest_cmd_ok(s, "outl 0x%x 0x%x", port, v);
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return qtest_cmd_ok(s, "inb 0x%x", port);
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return qtest_cmd_ok(s, "inw 0x%x", port);
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return qtest_cmd_ok(s, "inl 0x%x", port);
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return qtest_cmd_ok(s, "readb 0x%" PRIx64, addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return qtest_cmd_ok(s, "readw 0x%" PRIx64, addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return qtest_cmd_ok(s, "readl 0x%" PRIx64, addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return qtest_cmd_ok(s, "readq 0x%" PRIx64, addr);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v)
{
    qtest_cmd_ok(s, "writeb 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t v)
{
    qtest_cmd_ok(s, "writew 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t v)
{
    qtest_cmd_ok(s, "writel 0x%" PRIx64 " 0x%x", addr, v);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v)
{
    qtest_cmd_ok(s, "writeq 0x%" PRIx64 " 0x%" PRIx64, addr, v);
}

void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t len)
{
    g_autofree char *reply = qtest_cmd(s, "read 0x%" PRIx64 " 0x%zx", addr,
                                       len);
    uint8_t *p = buf;

    g_assert_true(g_str_has_prefix(reply, "OK 0x"));
    g_assert_cmpuint(strlen(reply), ==, 5 + 2 * len);
    for (size_t i = 0; i < len; i++) {
        p[i] = g_ascii_xdigit_value(reply[5 + 2 * i]) << 4 |
               g_ascii_xdigit_value(reply[6 + 2 * i]);
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf,
                    size_t len)
{
    const uint8_t *p = buf;
    GString *hex = g_string_sized_new(2 * len + 2);

    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(hex, "%02x", p[i]);
    }
    qtest_cmd_ok(s, "write 0x%" PRIx64 " 0x%zx 0x%s", addr, len, hex->str);
    g_string_free(hex, TRUE);
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t v, size_t len)
{
    qtest_cmd_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%x", addr, len, v);
}

int64_t qtest_clock_step(QTestState *s, int64_t ns)
{
    return qtest_cmd_ok(s, "clock_step %" PRIi64, ns);
}

int64_t qtest_clock_step_next(QTestState *s)
{
    return qtest_cmd_ok(s, "clock_step");
}

int64_t qtest_clock_set(QTestState *s, int64_t ns)
{
    return qtest_cmd_ok(s, "clock_set %" PRIi64, ns);
}

void qtest_irq_intercept_in(QTestState *s, const char *name)
{
    qtest_cmd_ok(s, "irq_intercept_in %s", name);
}

void qtest_irq_intercept_out(QTestState *s, const char *name)
{
    qtest_cmd_ok(s, "irq_intercept_out %s", name);
}

void qtest_set_irq_in(QTestState *s, const char *name, int n, int level)
{
    qtest_cmd_ok(s, "set_irq_in %s %d %d", name, n, level);
}

bool qtest_get_irq(QTestState *s, int n)
{
    g_assert_cmpint(n, >=, 0);
    g_assert_cmpint(n, <, QTEST_MAX_IRQS);
    return s->irq_level[n];
}

unsigned qtest_irq_raises(QTestState *s, int n)
{
    g_assert_cmpint(n, >=, 0);
    g_assert_cmpint(n, <, QTEST_MAX_IRQS);
    return s->irq_raises[n];
}

/* ---- PCI configuration mechanism #1 ---- */

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc

static void qtest_pci_cfg_select(QTestState *s, int devfn, uint8_t reg)
{
    qtest_outl(s, PCI_CONF_ADDR, 0x80000000u | devfn << 8 | (reg & 0xfc));
}

uint8_t qtest_pci_cfg_readb(QTestState *s, int devfn, uint8_t reg)
{
    qtest_pci_cfg_select(s, devfn, reg);
    return qtest_inb(s, PCI_CONF_DATA + (reg & 3));
}

uint16_t qtest_pci_cfg_readw(QTestState *s, int devfn, uint8_t reg)
{
    qtest_pci_cfg_select(s, devfn, reg);
    return qtest_inw(s, PCI_CONF_DATA + (reg & 2));
}

uint32_t qtest_pci_cfg_readl(QTestState *s, int devfn, uint8_t reg)
{
    qtest_pci_cfg_select(s, devfn, reg);
    return qtest_inl(s, PCI_CONF_DATA);
}

void qtest_pci_cfg_writeb(QTestState *s, int devfn, uint8_t reg, uint8_t v)
{
    qtest_pci_cfg_select(s, devfn, reg);
    qtest_outb(s, PCI_CONF_DATA + (reg & 3), v);
}

void qtest_pci_cfg_writew(QTestState *s, int devfn, uint8_t reg,
                          uint16_t v)
{
    qtest_pci_cfg_select(s, devfn, reg);
    qtest_outw(s, PCI_CONF_DATA + (reg & 2), v);
}

void qtest_pci_cfg_writel(QTestState *s, int devfn, uint8_t reg,
                          uint32_t v)
{
    qtest_pci_cfg_select(s, devfn, reg);
    qtest_outl(s, PCI_CONF_DATA, v);
}

int qtest_run_bt86(const char *args, char **err, char **out)
{
    g_autofree char *cmdline = g_strdup_printf(
        "'%s' -machine pc,accel=qtest -qtest stdio -display none %s",
        getenv("BT86_BINARY"), args);
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_nonnull(getenv("BT86_BINARY"));
    g_assert_true(g_shell_parse_argv(cmdline, NULL, &argv, &gerr));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL,
                               NULL, NULL, out, err, &status, &gerr));
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

void qtest_expect_cmdline_error(const char *args, const char *want)
{
    g_autofree char *err = NULL, *out = NULL;

    g_assert_cmpint(qtest_run_bt86(args, &err, &out), ==, 1);
    if (!strstr(err, want)) {
        g_error("bt86 %s: wanted '%s' in '%s'", args, want, err);
    }
    g_assert_true(g_str_has_prefix(err, "bt86: "));
    g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
}

void qtest_expect_cmdline_ok(const char *args)
{
    g_autofree char *err = NULL, *out = NULL;

    g_assert_cmpint(qtest_run_bt86(args, &err, &out), ==, 0);
    g_assert_cmpstr(err, ==, "");
}
