/*
 * Character backends: the core that frontends talk to, the plain-fd
 * backends (null, file), and the spec parser for -serial and -chardev.
 * stdio, sockets, pty and the mon: mux are in chardev-stdio.c,
 * chardev-socket.c, chardev-pty.c and chardev-mux.c.
 *
 * Output is written from whichever thread the frontend runs in (the vCPU,
 * holding the global lock): files and stdio with blocking write(2),
 * sockets without blocking, the frontend keeping what was not taken until
 * write_ready. Input is read by GLib fd watches in the default main
 * context, i.e. on the main thread, which takes the global lock and reads
 * no more than the frontend has room for; when it has none the watch is
 * removed until chardev_accept_input, so a guest that does not read its
 * UART leaves the input in the kernel's buffers instead of losing it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "softmmu/bql.h"
#include "softmmu/chardev-internal.h"

#define CHARDEV_READ_MAX 4096

static Chardev *chardev_list;

void chardev_set_error(char **err, char *msg)
{
    if (err) {
        *err = msg;
    } else {
        g_free(msg);
    }
}

void chardev_errorf(char **err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    chardev_set_error(err, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

Chardev *chardev_alloc(const ChardevClass *cls, size_t size,
                       const char *label, int out_fd, int in_fd)
{
    static bool atexit_registered;
    Chardev *chr = g_malloc0(size);

    /* Before any backend changes the terminal or makes a socket. */
    if (!atexit_registered) {
        atexit(chardev_close_all);
        atexit_registered = true;
    }
    chr->cls = cls;
    chr->label = g_strdup(label);
    chr->out_fd = out_fd;
    chr->in_fd = in_fd;
    chr->next = chardev_list;
    chardev_list = chr;
    return chr;
}

/* ---- Frontend calls ---- */

size_t chardev_fe_can_receive(Chardev *chr)
{
    if (!chr->fe || !chr->fe->receive) {
        return 0;       /* nobody to give it to: leave it unread */
    }
    return chr->fe->can_receive ? chr->fe->can_receive(chr->fe_opaque)
                                : CHARDEV_READ_MAX;
}

void chardev_fe_event(Chardev *chr, ChardevEvent event)
{
    if (chr->fe && chr->fe->event) {
        chr->fe->event(chr->fe_opaque, event);
    }
}

void chardev_fe_write_ready(Chardev *chr)
{
    if (chr->fe && chr->fe->write_ready) {
        chr->fe->write_ready(chr->fe_opaque);
    }
}

/* ---- Input ---- */

/* Main thread: input is readable (or hung up) on chr->in_fd. */
static gboolean chardev_fd_readable(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[CHARDEV_READ_MAX];
    ssize_t n;

    bql_lock();
    size_t room = chardev_fe_can_receive(chr);
    if (room == 0) {
        /* Full: stop polling until chardev_accept_input. */
        chr->in_watch = 0;
        bql_unlock();
        return G_SOURCE_REMOVE;
    }
    do {
        n = read(fd, buf, MIN(room, sizeof(buf)));
    } while (n < 0 && errno == EINTR);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        bql_unlock();
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        chr->in_watch = 0;
        if (chr->cls->input_eof) {
            chr->cls->input_eof(chr);
        } else {
            /* End of input (stdin from a file, or closed): the guest
             * just stops receiving; output goes on. */
            chr->in_fd = -1;
        }
        bql_unlock();
        return G_SOURCE_REMOVE;
    }
    chr->fe->receive(chr->fe_opaque, buf, n);
    bql_unlock();
    return G_SOURCE_CONTINUE;
}

void chardev_fd_input_update(Chardev *chr)
{
    if (chr->in_fd >= 0 && !chr->in_watch && chardev_fe_can_receive(chr)) {
        chr->in_watch = g_unix_fd_add(chr->in_fd,
                                      G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      chardev_fd_readable, chr);
    }
}

/* Global lock held: read input if there is a frontend with room. */
void chardev_input_update(Chardev *chr)
{
    if (chr->cls->input_update) {
        chr->cls->input_update(chr);
    } else {
        chardev_fd_input_update(chr);
    }
}

/* Whether input is held back for the frontend (global lock held). */
bool chardev_input_paused(const Chardev *chr)
{
    if (chr->cls->input_paused) {
        return chr->cls->input_paused(chr);
    }
    return chr->in_fd >= 0 && !chr->in_watch;
}

static gboolean chardev_resume(gpointer opaque)
{
    Chardev *chr = opaque;

    bql_lock();
    chr->resume_idle = 0;
    chardev_input_update(chr);
    bql_unlock();
    return G_SOURCE_REMOVE;
}

/*
 * Deferred to the main loop: the frontend calls this from inside its own
 * register read, where handing it input at once would re-enter it.
 */
void chardev_accept_input(Chardev *chr)
{
    if (chr && !chr->resume_idle && chardev_input_paused(chr)) {
        chr->resume_idle = g_idle_add_full(G_PRIORITY_DEFAULT,
                                           chardev_resume, chr, NULL);
    }
}

void chardev_set_handlers(Chardev *chr, const ChardevHandlers *handlers,
                          void *opaque)
{
    if (!chr) {
        return;
    }
    chr->fe = handlers;
    chr->fe_opaque = opaque;
    if (chr->cls->attach) {
        chr->cls->attach(chr);
    }
    chardev_input_update(chr);
}

void chardev_receive(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr || len == 0) {
        return;
    }
    if (chr->cls->receive) {
        chr->cls->receive(chr, buf, len);
    } else if (chr->fe && chr->fe->receive) {
        chr->fe->receive(chr->fe_opaque, buf, len);
    }
}

/* ---- Output ---- */

/* Wait until fd takes more output: somebody may have made it non-blocking. */
static void fd_wait_writable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };

    while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
        continue;
    }
}

static size_t chardev_fd_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->out_fd < 0) {
        return len;
    }
    for (size_t left = len; left > 0;) {
        ssize_t n = write(chr->out_fd, buf, left);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                fd_wait_writable(chr->out_fd);
                continue;
            }
            /* The output is gone (closed pipe, full disk): keep running
             * the guest, as a UART whose cable was pulled would. */
            break;
        }
        buf += n;
        left -= n;
    }
    return len;
}

static gboolean chardev_fd_writable(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    Chardev *chr = opaque;

    bql_lock();
    chr->out_watch = 0;
    chardev_fe_write_ready(chr);
    bql_unlock();
    return G_SOURCE_REMOVE;
}

size_t chardev_fd_write_nonblocking(Chardev *chr, const uint8_t *buf,
                                    size_t len)
{
    size_t done = 0;

    if (chr->out_fd < 0) {
        return len;
    }
    while (done < len) {
        /* send: no SIGPIPE from a socket whose peer left */
        ssize_t n = send(chr->out_fd, buf + done, len - done,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) {
            n = write(chr->out_fd, buf + done, len - done);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!chr->out_watch) {
                chr->out_watch = g_unix_fd_add(chr->out_fd,
                                               G_IO_OUT | G_IO_HUP | G_IO_ERR,
                                               chardev_fd_writable, chr);
            }
            return done;
        }
        if (n < 0) {
            /* The peer is gone; the input side notices and cleans up.
             * Until then the output is lost, as on a pulled cable. */
            return len;
        }
        done += n;
    }
    return len;
}

void chardev_fd_write_cancel(Chardev *chr)
{
    if (chr->out_watch) {
        g_source_remove(chr->out_watch);
        chr->out_watch = 0;
    }
}

size_t chardev_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr) {
        return len;
    }
    if (chr->cls->write) {
        return chr->cls->write(chr, buf, len);
    }
    return chardev_fd_write(chr, buf, len);
}

/* ---- null and file ---- */

static const ChardevClass null_class = {
    .name = "null",
};

static void file_close(Chardev *chr)
{
    if (chr->out_fd >= 0) {
        close(chr->out_fd);
        chr->out_fd = -1;
    }
}

static const ChardevClass file_class = {
    .name = "file",
    .close = file_close,
};

/* ---- -chardev BACKEND,id=ID,...: QEMU's long form, kept as a spec ---- */

typedef struct ChardevDef {
    char *id;
    char *spec;                 /* the equivalent -serial spec */
    bool used;
} ChardevDef;

static GPtrArray *chardev_defs;

static ChardevDef *chardev_def_find(const char *id)
{
    for (guint i = 0; chardev_defs && i < chardev_defs->len; i++) {
        ChardevDef *d = g_ptr_array_index(chardev_defs, i);
        if (strcmp(d->id, id) == 0) {
            return d;
        }
    }
    return NULL;
}

static Chardev *chardev_from_id(const char *id, char **err)
{
    ChardevDef *d = chardev_def_find(id);

    if (!d) {
        chardev_errorf(err, "no -chardev with id '%s'", id);
        return NULL;
    }
    if (d->used) {
        /* Sharing needs the mux's focus switching, which waits for the
         * monitor. */
        chardev_errorf(err, "chardev '%s' is already in use", id);
        return NULL;
    }
    d->used = true;
    return chardev_new(d->spec, err);
}

bool chardev_define(const char *opts, char **err)
{
    g_auto(GStrv) items = g_strsplit(opts, ",", -1);
    const char *backend = items[0];
    const char *id = NULL, *path = NULL, *host = NULL, *port = NULL;
    const char *server = NULL, *wait = NULL, *signal_opt = NULL;
    bool mux = false;
    g_autofree char *spec = NULL;

    if (!backend || !backend[0]) {
        chardev_errorf(err, "expected BACKEND,id=ID[,...]");
        return false;
    }
    for (int i = 1; items[i]; i++) {
        char *value = strchr(items[i], '=');
        const char *key = items[i];

        if (value) {
            *value++ = '\0';
        }
        if (strcmp(key, "id") == 0 && value) {
            id = value;
        } else if (strcmp(key, "path") == 0 && value) {
            path = value;
        } else if (strcmp(key, "host") == 0 && value) {
            host = value;
        } else if (strcmp(key, "port") == 0 && value) {
            port = value;
        } else if (strcmp(key, "server") == 0) {
            server = value ? value : "on";
        } else if (strcmp(key, "wait") == 0) {
            wait = value ? value : "on";
        } else if (strcmp(key, "nowait") == 0 && !value) {
            wait = "off";
        } else if (strcmp(key, "signal") == 0 && value) {
            signal_opt = value;
        } else if (strcmp(key, "mux") == 0 &&
                   (!value || strcmp(value, "on") == 0 ||
                    strcmp(value, "off") == 0)) {
            mux = !value || strcmp(value, "on") == 0;
        } else {
            chardev_errorf(err, "%s: property '%s' is not supported",
                           backend, key);
            return false;
        }
    }
    if (!id || !id[0]) {
        chardev_errorf(err, "%s: needs id=ID", backend);
        return false;
    }
    if (chardev_def_find(id)) {
        chardev_errorf(err, "duplicate chardev id '%s'", id);
        return false;
    }
    bool is_socket = strcmp(backend, "socket") == 0;
    const char *misplaced =
        signal_opt && strcmp(backend, "stdio") != 0 ? "signal" :
        path && !is_socket && strcmp(backend, "file") != 0 ? "path" :
        host && !is_socket ? "host" : port && !is_socket ? "port" :
        server && !is_socket ? "server" : wait && !is_socket ? "wait" : NULL;
    if (misplaced) {
        chardev_errorf(err, "%s: has no property '%s'", backend, misplaced);
        return false;
    }
    if ((server && strcmp(server, "on") && strcmp(server, "off")) ||
        (wait && strcmp(wait, "on") && strcmp(wait, "off"))) {
        chardev_errorf(err, "socket: server= and wait= take on or off");
        return false;
    }
    if (strcmp(backend, "null") == 0 || strcmp(backend, "pty") == 0) {
        spec = g_strdup(backend);
    } else if (strcmp(backend, "stdio") == 0) {
        if (signal_opt && strcmp(signal_opt, "on") != 0 &&
            strcmp(signal_opt, "off") != 0) {
            chardev_errorf(err, "'signal=%s': expected on or off",
                           signal_opt);
            return false;
        }
        spec = g_strdup_printf("stdio,signal=%s",
                               signal_opt ? signal_opt : "on");
    } else if (strcmp(backend, "file") == 0 && path) {
        spec = g_strdup_printf("file:%s", path);
    } else if (strcmp(backend, "socket") == 0 && (path || port)) {
        if (path && (host || port)) {
            chardev_errorf(err, "socket: path= or host=/port=, not both");
            return false;
        }
        spec = path ? g_strdup_printf("unix:%s", path)
                    : g_strdup_printf("tcp:%s:%s", host ? host : "", port);
        if (server) {
            char *s2 = g_strdup_printf("%s,server=%s", spec, server);
            g_free(spec);
            spec = s2;
        }
        if (wait) {
            char *s2 = g_strdup_printf("%s,wait=%s", spec, wait);
            g_free(spec);
            spec = s2;
        }
    } else if (strcmp(backend, "file") == 0 ||
               strcmp(backend, "socket") == 0) {
        chardev_errorf(err, "%s: needs %s", backend,
                       strcmp(backend, "file") == 0
                       ? "path=PATH" : "path=PATH or host=HOST,port=PORT");
        return false;
    } else {
        chardev_errorf(err, "backend '%s' is not supported (null, stdio, "
                       "file, pty, socket)", backend);
        return false;
    }
    ChardevDef *d = g_new0(ChardevDef, 1);
    d->id = g_strdup(id);
    d->spec = mux ? g_strdup_printf("mon:%s", spec) : g_steal_pointer(&spec);
    if (!chardev_defs) {
        chardev_defs = g_ptr_array_new();
    }
    g_ptr_array_add(chardev_defs, d);
    return true;
}

Chardev *chardev_new(const char *spec, char **err)
{
    const char *rest;

    if (!spec) {
        spec = "none";
    }
    if (strcmp(spec, "none") == 0 || strcmp(spec, "null") == 0) {
        return chardev_alloc(&null_class, sizeof(Chardev), spec, -1, -1);
    }
    if (strcmp(spec, "stdio") == 0 || strcmp(spec, "stdio,signal=on") == 0) {
        return chardev_stdio_new(spec, true, err);
    }
    if (strcmp(spec, "stdio,signal=off") == 0) {
        return chardev_stdio_new(spec, false, err);
    }
    if ((rest = g_str_has_prefix(spec, "chardev:") ? spec + 8 : NULL)) {
        return chardev_from_id(rest, err);
    }
    if ((rest = g_str_has_prefix(spec, "file:") ? spec + 5 : NULL)) {
        int fd = open(rest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

        if (fd < 0) {
            chardev_set_error(err, g_strdup_printf(
                "could not open file '%s': %s", rest, g_strerror(errno)));
            return NULL;
        }
        return chardev_alloc(&file_class, sizeof(Chardev), spec, fd, -1);
    }
    if (strcmp(spec, "pty") == 0) {
        return chardev_pty_new(spec, err);
    }
    if (g_str_has_prefix(spec, "tcp:")) {
        return chardev_socket_new(spec, spec + 4, true, err);
    }
    if (g_str_has_prefix(spec, "unix:")) {
        return chardev_socket_new(spec, spec + 5, false, err);
    }
    if ((rest = g_str_has_prefix(spec, "mon:") ? spec + 4 : NULL)) {
        Chardev *inner;

        if (g_str_has_prefix(rest, "mon:")) {
            chardev_set_error(err, g_strdup_printf("'%s': mon: twice", spec));
            return NULL;
        }
        /* As QEMU: Ctrl-C goes to the guest on mon:stdio. */
        inner = strcmp(rest, "stdio") == 0
                ? chardev_stdio_new(rest, false, err)
                : chardev_new(rest, err);
        if (!inner) {
            return NULL;
        }
        return chardev_mux_new(spec, inner);
    }
    chardev_set_error(err, g_strdup_printf(
        "unsupported backend '%s' (null, none, stdio, file:, pty, tcp:, "
        "unix:, mon:, chardev:)", spec));
    return NULL;
}

/*
 * At exit (from atexit, or by hand): put the terminal back, close files,
 * remove unix server sockets. Safe to call more than once; a chardev
 * written after this discards.
 */
void chardev_close_all(void)
{
    for (Chardev *chr = chardev_list; chr; chr = chr->next) {
        if (chr->cls->close) {
            chr->cls->close(chr);
        }
    }
}
