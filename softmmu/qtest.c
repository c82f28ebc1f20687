/*
 * The qtest server (see qtest.h). Replies follow QEMU's qtest.c, so its
 * tests' expectations carry over: "OK 0x%02x" for inb/readb and so on,
 * "OK <ns>" for the clock commands, "FAIL <reason>" for anything wrong.
 *
 * Every input is hostile: a malformed line gets FAIL and changes nothing,
 * sizes are capped, memory goes through the bounds-checked mem_* calls.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "softmmu/bql.h"
#include "softmmu/clock.h"
#include "softmmu/qtest.h"

/* Largest read/write buffer, and memset range, a command may ask for. */
#define QTEST_MAX_BUF    (1u << 20)
#define QTEST_MAX_MEMSET (64u << 20)
/* A write of QTEST_MAX_BUF bytes in hex, plus its words */
#define QTEST_MAX_LINE   (2 * QTEST_MAX_BUF + 256)
#define QTEST_MAX_IRQS   64

typedef struct QTestIRQGroup {
    char *name;
    IRQLine *in, *out;
    int n_in, n_out;
    /* The inputs as the device wired them, before any interception */
    IRQLine *orig_in;
} QTestIRQGroup;

typedef struct QTestServer {
    AddressSpace *as;
    IOSpace *io;
    int in_fd, out_fd;
    GString *line;
    bool discarding;        /* skipping the rest of an over-long line */
    /* irq_intercept_*: which group and direction; levels seen so far */
    QTestIRQGroup *intercepted;
    bool intercepted_out;
    bool irq_level[QTEST_MAX_IRQS];
} QTestServer;

static GPtrArray *qtest_irq_groups;
static QTestServer qtest;

void qtest_register_irqs(const char *name, IRQLine *in, int n_in,
                         IRQLine *out, int n_out)
{
    QTestIRQGroup *g = g_new0(QTestIRQGroup, 1);

    g->name = g_strdup(name);
    g->in = in;
    g->n_in = MIN(n_in, QTEST_MAX_IRQS);
    g->out = out;
    g->n_out = MIN(n_out, QTEST_MAX_IRQS);
    g->orig_in = g_new(IRQLine, g->n_in);
    memcpy(g->orig_in, in, sizeof(*in) * g->n_in);
    if (!qtest_irq_groups) {
        qtest_irq_groups = g_ptr_array_new();
    }
    g_ptr_array_add(qtest_irq_groups, g);
}

/* ---- Output ---- */

static void qtest_send_raw(const char *buf, size_t len)
{
    while (len > 0 && qtest.out_fd >= 0) {
        ssize_t n = write(qtest.out_fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* The test went away: nothing more to do for it. */
            exit(0);
        }
        buf += n;
        len -= n;
    }
}

static void qtest_irq_handler(void *opaque, int n, int level)
{
    QTestServer *q = opaque;
    bool on = level != 0;

    if (n < 0 || n >= QTEST_MAX_IRQS || q->irq_level[n] == on) {
        return;
    }
    q->irq_level[n] = on;
    char msg[32];
    int len = snprintf(msg, sizeof(msg), "IRQ %s %d\n",
                       on ? "raise" : "lower", n);
    qtest_send_raw(msg, len);
}

/* ---- Arguments ---- */

/* "0x" hex or decimal, all of s, at most max. */
static bool qtest_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    int base = 10;
    char *end;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!g_ascii_isxdigit(s[0])) {
        return false;       /* strtoull would take a sign or spaces */
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static char *qtest_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static char *qtest_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_strdup_printf("FAIL %s\n", why);
}

static uint64_t qtest_size_max(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

/* [addr, addr + len) must not wrap past the top of the address space. */
static bool qtest_range_ok(uint64_t addr, uint64_t len)
{
    return len == 0 || addr + (len - 1) >= addr;
}

/* ---- Commands ---- */

typedef struct QTestCommand {
    const char *name;
    int min_args, max_args;     /* words after the name */
    unsigned size;              /* access size for the sized commands */
    char *(*run)(const struct QTestCommand *cmd, char **args, int nargs);
} QTestCommand;

static char *qtest_cmd_out(const QTestCommand *cmd, char **args, int nargs)
{
    uint64_t port, val;

    if (!qtest_parse_u64(args[0], 0xffff, &port)) {
        return qtest_fail("bad port '%s'", args[0]);
    }
    if (!qtest_parse_u64(args[1], qtest_size_max(cmd->size), &val)) {
        return qtest_fail("bad value '%s'", args[1]);
    }
    io_write(qtest.io, port, val, cmd->size);
    return g_strdup("OK\n");
}

static char *qtest_cmd_in(const QTestCommand *cmd, char **args, int nargs)
{
    uint64_t port;

    if (!qtest_parse_u64(args[0], 0xffff, &port)) {
        return qtest_fail("bad port '%s'", args[0]);
    }
    uint64_t v = io_read(qtest.io, port, cmd->size);
    return g_strdup_printf("OK 0x%04" PRIx64 "\n", v);
}

static char *qtest_cmd_readx(const QTestCommand *cmd, char **args, int nargs)
{
    uint64_t addr;

    if (!qtest_parse_u64(args[0], UINT64_MAX, &addr) ||
        !qtest_range_ok(addr, cmd->size)) {
        return qtest_fail("bad address '%s'", args[0]);
    }
    uint64_t v = mem_read(qtest.as, addr, cmd->size);
    return g_strdup_printf("OK 0x%0*" PRIx64 "\n", (int)cmd->size * 2, v);
}

static char *qtest_cmd_writex(const QTestCommand *cmd, char **args, int nargs)
{
    uint64_t addr, val;

    if (!qtest_parse_u64(args[0], UINT64_MAX, &addr) ||
        !qtest_range_ok(addr, cmd->size)) {
        return qtest_fail("bad address '%s'", args[0]);
    }
    if (!qtest_parse_u64(args[1], qtest_size_max(cmd->size), &val)) {
        return qtest_fail("bad value '%s'", args[1]);
    }
    mem_write(qtest.as, addr, val, cmd->size);
    return g_strdup("OK\n");
}

static char *qtest_parse_range(char **args, uint64_t max, uint64_t *addr,
                               uint64_t *len)
{
    if (!qtest_parse_u64(args[0], UINT64_MAX, addr)) {
        return qtest_fail("bad address '%s'", args[0]);
    }
    if (!qtest_parse_u64(args[1], UINT64_MAX, len) || *len == 0) {
        return qtest_fail("bad size '%s'", args[1]);
    }
    if (*len > max) {
        return qtest_fail("size %" PRIu64 " is above the limit of %" PRIu64,
                          *len, max);
    }
    if (!qtest_range_ok(*addr, *len)) {
        return qtest_fail("range wraps past the end of the address space");
    }
    return NULL;
}

static char *qtest_cmd_read(const QTestCommand *cmd, char **args, int nargs)
{
    uint64_t addr, len;
    char *fail = qtest_parse_range(args, QTEST_MAX_BUF, &addr, &len);

    if (fail) {
        return fail;
    }
    g_autofree uint8_t *buf = g_malloc(len);
    /* Unassigned bytes read as 0xff, as a sized read would. */
    mem_read_buf(qtest.as, addr, buf, len);
    GString *reply = g_string_sized_new(2 * len + 8);
    g_string_append(reply, "OK 0x");
    for (uint64_t i = 0; i < len; i++) {
        g_string_append_printf(reply, "%02x", buf[i]);
    }
    g_string_append_c(reply, '\n');
    return g_string_free(reply, FALSE);
}

/* "0x" then two hex digits a byte; fewer bytes than len are zero, as in
 * QEMU, more are an error. */
static char *qtest_cmd_write(const QTestCommand *cmd, char **args, int nargs)
{
    uint64_t addr, len;
    char *fail = qtest_parse_range(args, QTEST_MAX_BUF, &addr, &len);
    const char *hex = args[2];

    if (fail) {
        return fail;
    }
    if (hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
        return qtest_fail("data must start with 0x");
    }
    hex += 2;
    size_t digits = strlen(hex);
    if (digits % 2 || digits / 2 > len) {
        return qtest_fail("data does not fit %" PRIu64 " bytes", len);
    }
    g_autofree uint8_t *buf = g_malloc0(len);
    for (size_t i = 0; i < digits / 2; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]);
        int lo = g_ascii_xdigit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return qtest_fail("bad hex data");
        }
        buf[i] = hi << 4 | lo;
    }
    mem_write_buf(qtest.as, addr, buf, len);
    return g_strdup("OK\n");
}

static char *qtest_cmd_memset(const QTestCommand *cmd, char **args, int nargs)
{
    uint64_t addr, len, val;
    char *fail = qtest_parse_range(args, QTEST_MAX_MEMSET, &addr, &len);

    if (fail) {
        return fail;
    }
    if (!qtest_parse_u64(args[2], 0xff, &val)) {
        return qtest_fail("bad byte value '%s'", args[2]);
    }
    uint8_t chunk[4096];
    memset(chunk, (int)val, sizeof(chunk));
    for (uint64_t done = 0; done < len;) {
        uint64_t n = MIN(len - done, sizeof(chunk));
        mem_write_buf(qtest.as, addr + done, chunk, n);
        done += n;
    }
    return g_strdup("OK\n");
}

/* "clock_step": to the next timer deadline; "clock_step NS": by NS. */
static char *qtest_cmd_clock_step(const QTestCommand *cmd, char **args,
                                  int nargs)
{
    int64_t now = clock_get_ns();
    int64_t target = now;
    uint64_t ns;

    if (nargs == 1) {
        if (!qtest_parse_u64(args[0], INT64_MAX - now, &ns)) {
            return qtest_fail("bad time '%s'", args[0]);
        }
        target = now + (int64_t)ns;
    } else if (clock_deadline_ns() > now) {
        target = clock_deadline_ns();
    }
    clock_step_to(target);
    return g_strdup_printf("OK %" PRIi64 "\n", clock_get_ns());
}

static char *qtest_cmd_clock_set(const QTestCommand *cmd, char **args,
                                 int nargs)
{
    uint64_t ns;

    if (!qtest_parse_u64(args[0], INT64_MAX, &ns)) {
        return qtest_fail("bad time '%s'", args[0]);
    }
    /* The clock does not go back; an earlier time leaves it alone. */
    clock_step_to((int64_t)ns);
    return g_strdup_printf("OK %" PRIi64 "\n", clock_get_ns());
}

static QTestIRQGroup *qtest_irq_group_find(const char *name)
{
    for (guint i = 0; qtest_irq_groups && i < qtest_irq_groups->len; i++) {
        QTestIRQGroup *g = g_ptr_array_index(qtest_irq_groups, i);
        if (strcmp(g->name, name) == 0) {
            return g;
        }
    }
    return NULL;
}

static char *qtest_cmd_irq_intercept(const QTestCommand *cmd, char **args,
                                     int nargs)
{
    bool out = strcmp(cmd->name, "irq_intercept_out") == 0;
    QTestIRQGroup *g = qtest_irq_group_find(args[0]);

    if (!g) {
        return qtest_fail("no interrupt controller named '%s'", args[0]);
    }
    if (qtest.intercepted) {
        if (qtest.intercepted == g && qtest.intercepted_out == out) {
            return g_strdup("OK\n");
        }
        return qtest_fail("IRQ intercept already enabled");
    }
    IRQLine *lines = out ? g->out : g->in;
    int n = out ? g->n_out : g->n_in;
    if (n == 0) {
        return qtest_fail("'%s' has no %s lines", args[0],
                          out ? "output" : "input");
    }
    for (int i = 0; i < n; i++) {
        irq_init(&lines[i], qtest_irq_handler, &qtest, i);
    }
    qtest.intercepted = g;
    qtest.intercepted_out = out;
    return g_strdup("OK\n");
}

/*
 * "set_irq_in NAME N LEVEL": drives input N of NAME as a device would
 * (QEMU spells it with a QOM path and a GPIO name). It reaches the device
 * even when its inputs are intercepted.
 */
static char *qtest_cmd_set_irq_in(const QTestCommand *cmd, char **args,
                                  int nargs)
{
    QTestIRQGroup *g = qtest_irq_group_find(args[0]);
    uint64_t n, level;

    if (!g) {
        return qtest_fail("no interrupt controller named '%s'", args[0]);
    }
    if (!qtest_parse_u64(args[1], UINT64_MAX, &n) || n >= (uint64_t)g->n_in) {
        return qtest_fail("bad input number '%s'", args[1]);
    }
    if (!qtest_parse_u64(args[2], 1, &level)) {
        return qtest_fail("bad level '%s' (0 or 1)", args[2]);
    }
    irq_set(&g->orig_in[n], (int)level);
    return g_strdup("OK\n");
}

static char *qtest_cmd_endianness(const QTestCommand *cmd, char **args,
                                  int nargs)
{
    return g_strdup("OK little\n");
}

static const QTestCommand qtest_commands[] = {
    { "outb", 2, 2, 1, qtest_cmd_out },
    { "outw", 2, 2, 2, qtest_cmd_out },
    { "outl", 2, 2, 4, qtest_cmd_out },
    { "inb", 1, 1, 1, qtest_cmd_in },
    { "inw", 1, 1, 2, qtest_cmd_in },
    { "inl", 1, 1, 4, qtest_cmd_in },
    { "readb", 1, 1, 1, qtest_cmd_readx },
    { "readw", 1, 1, 2, qtest_cmd_readx },
    { "readl", 1, 1, 4, qtest_cmd_readx },
    { "readq", 1, 1, 8, qtest_cmd_readx },
    { "writeb", 2, 2, 1, qtest_cmd_writex },
    { "writew", 2, 2, 2, qtest_cmd_writex },
    { "writel", 2, 2, 4, qtest_cmd_writex },
    { "writeq", 2, 2, 8, qtest_cmd_writex },
    { "read", 2, 2, 0, qtest_cmd_read },
    { "write", 3, 3, 0, qtest_cmd_write },
    { "memset", 3, 3, 0, qtest_cmd_memset },
    { "clock_step", 0, 1, 0, qtest_cmd_clock_step },
    { "clock_set", 1, 1, 0, qtest_cmd_clock_set },
    { "irq_intercept_in", 1, 1, 0, qtest_cmd_irq_intercept },
    { "irq_intercept_out", 1, 1, 0, qtest_cmd_irq_intercept },
    { "set_irq_in", 3, 3, 0, qtest_cmd_set_irq_in },
    { "endianness", 0, 0, 0, qtest_cmd_endianness },
};

char *qtest_process_line(const char *line)
{
    g_auto(GStrv) words = g_strsplit_set(line, " \t\r", -1);
    char *args[8];
    int n = 0;

    /* Runs of blanks separate words; a trailing \r is tolerated. */
    for (int i = 0; words[i]; i++) {
        if (words[i][0] == '\0') {
            continue;
        }
        if (n == (int)G_N_ELEMENTS(args)) {
            return qtest_fail("too many arguments");
        }
        args[n++] = words[i];
    }
    if (n == 0) {
        return qtest_fail("empty command");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(qtest_commands); i++) {
        const QTestCommand *cmd = &qtest_commands[i];
        if (strcmp(cmd->name, args[0]) != 0) {
            continue;
        }
        int nargs = n - 1;
        if (nargs < cmd->min_args || nargs > cmd->max_args) {
            if (cmd->max_args > cmd->min_args) {
                return qtest_fail("%s takes %d to %d arguments", cmd->name,
                                  cmd->min_args, cmd->max_args);
            }
            return qtest_fail("%s takes %d argument%s", cmd->name,
                              cmd->min_args, cmd->min_args == 1 ? "" : "s");
        }
        return cmd->run(cmd, args + 1, nargs);
    }
    return qtest_fail("unknown command '%.64s'", args[0]);
}

/* ---- Input ---- */

static void qtest_handle_line(const char *line)
{
    bql_lock();
    char *reply = qtest_process_line(line);
    qtest_send_raw(reply, strlen(reply));
    bql_unlock();
    g_free(reply);
}

static void qtest_feed(const char *buf, size_t len)
{
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t take = nl ? (size_t)(nl - (buf + i)) : len - i;

        if (!qtest.discarding) {
            g_string_append_len(qtest.line, buf + i, take);
            if (qtest.line->len > QTEST_MAX_LINE) {
                g_string_truncate(qtest.line, 0);
                qtest.discarding = true;
            }
        }
        i += take;
        if (!nl) {
            break;
        }
        i++;
        if (qtest.discarding) {
            qtest.discarding = false;
            bql_lock();
            qtest_send_raw("FAIL line too long\n", 19);
            bql_unlock();
        } else if (memchr(qtest.line->str, '\0', qtest.line->len)) {
            qtest_send_raw("FAIL NUL byte in line\n", 22);
        } else {
            qtest_handle_line(qtest.line->str);
        }
        g_string_truncate(qtest.line, 0);
    }
}

static gboolean qtest_readable(gint fd, GIOCondition cond, gpointer opaque)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        /* The test closed its end: as QEMU under libqtest, we are done. */
        exit(0);
    }
    qtest_feed(buf, n);
    return G_SOURCE_CONTINUE;
}

static int qtest_connect_unix(const char *path, char **err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(sa.sun_path)) {
        *err = g_strdup_printf("-qtest: socket path '%s' is too long", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        *err = g_strdup_printf("-qtest: could not connect to '%s': %s", path,
                               g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

bool qtest_start(const char *spec, AddressSpace *as, IOSpace *io,
                 char **err)
{
    qtest.as = as;
    qtest.io = io;
    if (strcmp(spec, "stdio") == 0) {
        qtest.in_fd = 0;
        qtest.out_fd = 1;
    } else if (g_str_has_prefix(spec, "unix:")) {
        int fd = qtest_connect_unix(spec + 5, err);
        if (fd < 0) {
            return false;
        }
        qtest.in_fd = qtest.out_fd = fd;
    } else {
        *err = g_strdup_printf("-qtest: '%s' is not unix:PATH or stdio",
                               spec);
        return false;
    }
    qtest.line = g_string_new(NULL);
    g_unix_fd_add(qtest.in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, qtest_readable,
                  NULL);
    return true;
}
