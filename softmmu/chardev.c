/*
 * Character backends: null, stdio, file, tcp/unix sockets, and the mon:
 * mux (Ctrl-A escapes, QEMU's keys).
 *
 * Output is written from whichever thread the frontend runs in (the vCPU,
 * holding the global lock): files and stdio with blocking write(2), sockets
 * without blocking, the frontend keeping what was not taken until
 * write_ready. Input is read by GLib fd watches in the default main
 * context, i.e. on the main thread, which takes the global lock and reads
 * no more than the frontend has room for; when it has none the watch is
 * removed until chardev_accept_input, so a guest that does not read its
 * UART leaves the input in the kernel's buffers instead of losing it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "softmmu/bql.h"
#include "softmmu/chardev.h"

/* Bytes the mux holds for a frontend that is full: escapes typed after
 * them are still seen until this fills. */
#define MUX_HELD_SIZE   4096
#define MUX_ESCAPE      0x01    /* Ctrl-A, as QEMU */
#define CHARDEV_READ_MAX 4096

typedef enum ChardevKind {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
    CHARDEV_SOCKET,
    CHARDEV_MUX,
} ChardevKind;

struct Chardev {
    ChardevKind kind;
    char *label;                /* the spec, for messages */

    /* fd backends; -1: none (output discarded / no input) */
    int in_fd, out_fd;
    bool out_nonblocking;       /* a socket: short writes, write_ready */
    guint in_watch;             /* reading input */
    guint out_watch;            /* waiting to tell write_ready */
    guint resume_idle;          /* chardev_accept_input's deferred work */

    /* sockets */
    bool server;
    int listen_fd;
    guint listen_watch;
    char *unix_path;            /* a unix server's socket, removed at exit */

    /* mux */
    Chardev *inner;
    bool got_escape;
    uint8_t held[MUX_HELD_SIZE];
    unsigned held_head, held_count;

    /* frontend */
    const ChardevHandlers *fe;
    void *fe_opaque;

    Chardev *next;
};

static Chardev *chardev_list;
static bool stdio_taken;

/* The terminal settings stdin had before it was put in raw mode. */
static struct termios stdio_saved_tios;
static volatile sig_atomic_t stdio_tios_changed;

static void set_err(char **err, char *msg)
{
    if (err) {
        *err = msg;
    } else {
        g_free(msg);
    }
}

/* ---- stdio and the terminal ---- */

static void stdio_restore(void)
{
    if (stdio_tios_changed) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_tios);
        stdio_tios_changed = 0;
    }
}

/*
 * A signal that kills bt86 must not leave the terminal raw: put it back
 * (tcsetattr is async-signal-safe) and die of the signal as before.
 * SIGINT/SIGTERM/SIGHUP get main.c's handlers later, which exit() and so
 * go through chardev_close_all; until then, and for the fatal ones, this.
 */
static void stdio_fatal_signal(int sig)
{
    stdio_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void stdio_catch_fatal_signals(void)
{
    static const int sigs[] = {
        SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
        SIGABRT,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        struct sigaction old, sa = { .sa_handler = stdio_fatal_signal };

        /* Leave handlers that others (sanitizers, GLib) installed alone. */
        if (sigaction(sigs[i], NULL, &old) == 0 &&
            old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO)) {
            sa.sa_flags = SA_RESETHAND | SA_NODEFER;
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, NULL);
        }
    }
}

/*
 * Raw input so that every key (Ctrl-D, arrows, ...) reaches the guest as it
 * is typed, without local echo or line editing. Output processing (OPOST,
 * ONLCR) stays on, as in QEMU, so that host-side messages printed while the
 * guest runs still start at column 0. With allow_signals (plain "stdio")
 * Ctrl-C still kills bt86; "mon:stdio" passes it to the guest, as QEMU
 * does, and C-a x is the way out.
 */
static void stdio_make_raw(bool allow_signals)
{
    struct termios tios;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tios) < 0) {
        return;
    }
    stdio_saved_tios = tios;

    tios.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                      ICRNL | IXON);
    tios.c_oflag |= OPOST | ONLCR;
    tios.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tios.c_lflag &= ~ISIG;
    }
    tios.c_cflag &= ~(CSIZE | PARENB);
    tios.c_cflag |= CS8;
    tios.c_cc[VMIN] = 1;
    tios.c_cc[VTIME] = 0;

    stdio_catch_fatal_signals();
    if (tcsetattr(STDIN_FILENO, TCSANOW, &tios) == 0) {
        stdio_tios_changed = 1;
    }
}

static void chardev_register_atexit(void)
{
    static bool registered;

    if (!registered) {
        atexit(chardev_close_all);
        registered = true;
    }
}

static Chardev *chardev_alloc(ChardevKind kind, const char *label,
                              int out_fd, int in_fd)
{
    Chardev *chr = g_new0(Chardev, 1);

    chr->kind = kind;
    chr->label = g_strdup(label);
    chr->out_fd = out_fd;
    chr->in_fd = in_fd;
    chr->listen_fd = -1;
    chr->next = chardev_list;
    chardev_list = chr;
    chardev_register_atexit();
    return chr;
}

/* ---- Frontend calls ---- */

static size_t chardev_fe_can_receive(Chardev *chr)
{
    if (!chr->fe || !chr->fe->receive) {
        return 0;       /* nobody to give it to: leave it unread */
    }
    return chr->fe->can_receive ? chr->fe->can_receive(chr->fe_opaque)
                                : CHARDEV_READ_MAX;
}

static void chardev_fe_event(Chardev *chr, ChardevEvent event)
{
    if (chr->fe && chr->fe->event) {
        chr->fe->event(chr->fe_opaque, event);
    }
}

static void chardev_fe_write_ready(Chardev *chr)
{
    if (chr->fe && chr->fe->write_ready) {
        chr->fe->write_ready(chr->fe_opaque);
    }
}

/* ---- fd input ---- */

static void chardev_input_update(Chardev *chr);
static void socket_disconnect(Chardev *chr);

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
        if (chr->kind == CHARDEV_SOCKET) {
            socket_disconnect(chr);
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

static void mux_attach(Chardev *mux);
static void mux_flush(Chardev *mux);

/* Global lock held: poll for input if there is a frontend to take it. */
static void chardev_input_update(Chardev *chr)
{
    if (chr->kind == CHARDEV_MUX) {
        mux_flush(chr);
        chardev_input_update(chr->inner);
        return;
    }
    if (chr->in_fd >= 0 && !chr->in_watch && chardev_fe_can_receive(chr)) {
        chr->in_watch = g_unix_fd_add(chr->in_fd,
                                      G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      chardev_fd_readable, chr);
    }
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
/* Whether input is waiting for the frontend (global lock held). */
static bool chardev_input_paused(const Chardev *chr)
{
    if (chr->kind == CHARDEV_MUX) {
        return chr->held_count || chardev_input_paused(chr->inner);
    }
    return chr->in_fd >= 0 && !chr->in_watch;
}

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
    if (chr->kind == CHARDEV_MUX) {
        mux_attach(chr);
    }
    chardev_input_update(chr);
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

static size_t socket_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = send(chr->out_fd, buf + done, len - done,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
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
            /* The peer is gone; the reader side notices and cleans up.
             * Until then the output is lost, as on a pulled cable. */
            return len;
        }
        done += n;
    }
    return len;
}

size_t chardev_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr) {
        return len;
    }
    if (chr->kind == CHARDEV_MUX) {
        return chardev_write(chr->inner, buf, len);
    }
    if (chr->out_fd < 0) {
        return len;
    }
    if (chr->out_nonblocking) {
        return socket_write(chr, buf, len);
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

static void chardev_write_str(Chardev *chr, const char *s)
{
    chardev_write(chr, (const uint8_t *)s, strlen(s));
}


/* ---- Sockets ---- */

static void socket_connected(Chardev *chr, int fd)
{
    int one = 1;

    /* Interactive traffic: no Nagle delay on TCP (harmless elsewhere). */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    chr->in_fd = chr->out_fd = fd;
    chardev_fe_event(chr, CHARDEV_EVENT_OPENED);
    chardev_input_update(chr);
}

static gboolean socket_accept_ready(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    Chardev *chr = opaque;
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (conn < 0) {
        return G_SOURCE_CONTINUE;       /* EAGAIN, ECONNABORTED, ... */
    }
    bql_lock();
    /* One peer at a time, as QEMU: the next waits in the backlog. */
    chr->listen_watch = 0;
    socket_connected(chr, conn);
    bql_unlock();
    return G_SOURCE_REMOVE;
}

static void socket_listen_update(Chardev *chr)
{
    if (chr->server && chr->listen_fd >= 0 && chr->in_fd < 0 &&
        !chr->listen_watch) {
        chr->listen_watch = g_unix_fd_add(chr->listen_fd, G_IO_IN,
                                          socket_accept_ready, chr);
    }
}

/* Global lock held; the input watch is already gone. */
static void socket_disconnect(Chardev *chr)
{
    if (chr->out_watch) {
        g_source_remove(chr->out_watch);
        chr->out_watch = 0;
    }
    if (chr->in_fd >= 0) {
        close(chr->in_fd);
    }
    chr->in_fd = chr->out_fd = -1;
    chardev_fe_event(chr, CHARDEV_EVENT_CLOSED);
    /* Output now goes nowhere: let a waiting frontend drain. */
    chardev_fe_write_ready(chr);
    socket_listen_update(chr);
}

typedef struct SocketSpec {
    bool tcp;
    char *host, *port;          /* tcp */
    char *path;                 /* unix */
    bool server, wait;
} SocketSpec;

static bool parse_on_off(const char *value, bool *out)
{
    if (!value || strcmp(value, "on") == 0) {
        *out = true;
    } else if (strcmp(value, "off") == 0) {
        *out = false;
    } else {
        return false;
    }
    return true;
}

/* "tcp:[HOST]:PORT,opts" or "unix:PATH,opts" (prefix already removed). */
static bool socket_parse(const char *spec, bool tcp, SocketSpec *ss,
                         char **err)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    bool wait_given = false;

    memset(ss, 0, sizeof(*ss));
    ss->tcp = tcp;
    ss->wait = true;
    if (tcp) {
        const char *colon = items[0] ? strrchr(items[0], ':') : NULL;

        if (!colon || colon[1] == '\0') {
            set_err(err, g_strdup_printf("'tcp:%s': expected tcp:HOST:PORT",
                                         spec));
            return false;
        }
        ss->host = g_strndup(items[0], colon - items[0]);
        ss->port = g_strdup(colon + 1);
        /* [::1]:PORT */
        size_t hl = strlen(ss->host);
        if (hl >= 2 && ss->host[0] == '[' && ss->host[hl - 1] == ']') {
            memmove(ss->host, ss->host + 1, hl - 2);
            ss->host[hl - 2] = '\0';
        }
    } else {
        if (!items[0] || !items[0][0]) {
            set_err(err, g_strdup("'unix:': expected unix:PATH"));
            return false;
        }
        ss->path = g_strdup(items[0]);
    }
    for (int i = 1; items[i]; i++) {
        char *value = strchr(items[i], '=');
        bool ok = true;

        if (value) {
            *value++ = '\0';
        }
        if (strcmp(items[i], "server") == 0) {
            ok = parse_on_off(value, &ss->server);
        } else if (strcmp(items[i], "wait") == 0) {
            ok = parse_on_off(value, &ss->wait);
            wait_given = true;
        } else if (strcmp(items[i], "nowait") == 0 && !value) {
            ss->wait = false;
            wait_given = true;
        } else if (strcmp(items[i], "nodelay") == 0 && tcp) {
            bool unused;
            ok = parse_on_off(value, &unused);  /* always on anyway */
        } else {
            set_err(err, g_strdup_printf("socket option '%s' is not "
                                         "supported", items[i]));
            return false;
        }
        if (!ok) {
            set_err(err, g_strdup_printf("'%s=%s': expected on or off",
                                         items[i], value));
            return false;
        }
    }
    if (wait_given && !ss->server) {
        set_err(err, g_strdup("'wait' is only for a server socket"));
        return false;
    }
    return true;
}

static void socket_spec_free(SocketSpec *ss)
{
    g_free(ss->host);
    g_free(ss->port);
    g_free(ss->path);
}

/* A listening or connected socket for ss; -1 with *err. */
static int socket_open(const SocketSpec *ss, char **err)
{
    if (!ss->tcp) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(ss->path) >= sizeof(sa.sun_path)) {
            set_err(err, g_strdup_printf("unix socket path '%s' is too long",
                                         ss->path));
            return -1;
        }
        strcpy(sa.sun_path, ss->path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            set_err(err, g_strdup_printf("socket: %s", g_strerror(errno)));
            return -1;
        }
        if (ss->server) {
            unlink(ss->path);   /* a stale socket from an earlier run */
            if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
                listen(fd, 1) < 0) {
                set_err(err, g_strdup_printf("could not listen on '%s': %s",
                                             ss->path, g_strerror(errno)));
                close(fd);
                return -1;
            }
        } else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            set_err(err, g_strdup_printf("could not connect to '%s': %s",
                                         ss->path, g_strerror(errno)));
            close(fd);
            return -1;
        }
        return fd;
    }

    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = ss->server ? AI_PASSIVE : 0,
    };
    struct addrinfo *res = NULL;
    const char *host = ss->host[0] ? ss->host
                                   : (ss->server ? NULL : "localhost");
    int rc = getaddrinfo(host, ss->port, &hints, &res);
    if (rc != 0) {
        set_err(err, g_strdup_printf("'%s:%s': %s", ss->host, ss->port,
                                     gai_strerror(rc)));
        return -1;
    }
    int fd = -1, saved_errno = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            saved_errno = errno;
            continue;
        }
        if (ss->server) {
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
                listen(fd, 1) == 0) {
                break;
            }
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        saved_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        set_err(err, g_strdup_printf("could not %s %s:%s: %s",
                                     ss->server ? "listen on" : "connect to",
                                     ss->host, ss->port,
                                     g_strerror(saved_errno)));
    }
    return fd;
}

static Chardev *socket_new(const char *label, const char *rest, bool tcp,
                           char **err)
{
    SocketSpec ss;
    Chardev *chr = NULL;

    if (!socket_parse(rest, tcp, &ss, err)) {
        socket_spec_free(&ss);
        return NULL;
    }
    int fd = socket_open(&ss, err);
    if (fd < 0) {
        socket_spec_free(&ss);
        return NULL;
    }
    chr = chardev_alloc(CHARDEV_SOCKET, label, -1, -1);
    chr->out_nonblocking = true;
    chr->server = ss.server;
    if (!ss.server) {
        socket_connected(chr, fd);
    } else {
        chr->listen_fd = fd;
        if (!tcp) {
            chr->unix_path = g_strdup(ss.path);
        }
        if (ss.wait) {
            /* QEMU's default: the guest starts once somebody listens. */
            fprintf(stderr, "bt86: waiting for connection on %s\n", label);
            int conn;
            do {
                conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
            } while (conn < 0 && (errno == EINTR || errno == ECONNABORTED));
            if (conn >= 0) {
                socket_connected(chr, conn);
            }
        }
        socket_listen_update(chr);
    }
    socket_spec_free(&ss);
    return chr;
}

/* ---- The mux: C-a escapes in front of one frontend ---- */

static const char mux_help[] =
    "\r\n"
    "C-a h    print this help\r\n"
    "C-a x    exit bt86\r\n"
    "C-a s    save disk data back to file (no disks: does nothing)\r\n"
    "C-a t    toggle console timestamps (not supported)\r\n"
    "C-a b    send break (magic SysRq)\r\n"
    "C-a c    switch between console and monitor (no monitor yet)\r\n"
    "C-a C-a  send C-a\r\n";

static void mux_hold(Chardev *mux, uint8_t byte)
{
    /* The inner chardev never gives more than there is room for. */
    if (mux->held_count < MUX_HELD_SIZE) {
        mux->held[(mux->held_head + mux->held_count) % MUX_HELD_SIZE] = byte;
        mux->held_count++;
    }
}

/* Hand held input to the frontend as far as it has room. */
static void mux_flush(Chardev *mux)
{
    while (mux->held_count) {
        size_t room = chardev_fe_can_receive(mux);
        size_t run = MIN(mux->held_count, MUX_HELD_SIZE - mux->held_head);

        if (room == 0) {
            break;
        }
        run = MIN(run, room);
        mux->fe->receive(mux->fe_opaque, mux->held + mux->held_head, run);
        mux->held_head = (mux->held_head + run) % MUX_HELD_SIZE;
        mux->held_count -= run;
    }
}

static void mux_escape(Chardev *mux, uint8_t key)
{
    switch (key) {
    case 'h':
    case '?':
        chardev_write_str(mux->inner, mux_help);
        break;
    case 'x':
        chardev_write_str(mux->inner, "bt86: Terminated\r\n");
        /* atexit handlers put the terminal back. */
        exit(0);
    case 'c':
        /*
         * QEMU switches the terminal between the serial port and the
         * monitor. bt86 has no monitor yet: say so and stay on the port.
         */
        chardev_write_str(mux->inner, "\r\nbt86: there is no monitor yet; "
                          "staying on the serial port\r\n");
        break;
    case 'b':
        chardev_fe_event(mux, CHARDEV_EVENT_BREAK);
        break;
    case MUX_ESCAPE:
        mux_hold(mux, MUX_ESCAPE);
        break;
    default:
        /* 's' (no disks), 't' (no timestamps) and unknown keys: nothing,
         * as QEMU swallows them too. */
        break;
    }
}

static size_t mux_inner_can_receive(void *opaque)
{
    Chardev *mux = opaque;

    return MUX_HELD_SIZE - mux->held_count;
}

static void mux_inner_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Chardev *mux = opaque;

    for (size_t i = 0; i < len; i++) {
        if (mux->got_escape) {
            mux->got_escape = false;
            mux_escape(mux, buf[i]);
        } else if (buf[i] == MUX_ESCAPE) {
            mux->got_escape = true;
        } else {
            mux_hold(mux, buf[i]);
        }
    }
    mux_flush(mux);
}

void chardev_receive(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr && chr->kind == CHARDEV_MUX) {
        mux_inner_receive(chr, buf, len);
    } else if (chr && chr->fe && chr->fe->receive && len > 0) {
        chr->fe->receive(chr->fe_opaque, buf, len);
    }
}

static void mux_inner_event(void *opaque, ChardevEvent event)
{
    chardev_fe_event(opaque, event);
}

static void mux_inner_write_ready(void *opaque)
{
    chardev_fe_write_ready(opaque);
}

static const ChardevHandlers mux_inner_handlers = {
    .can_receive = mux_inner_can_receive,
    .receive = mux_inner_receive,
    .event = mux_inner_event,
    .write_ready = mux_inner_write_ready,
};

static void mux_attach(Chardev *mux)
{
    if (mux->inner->fe != &mux_inner_handlers) {
        chardev_set_handlers(mux->inner, &mux_inner_handlers, mux);
    }
}

/* ---- Specs ---- */

static Chardev *stdio_new(const char *label, bool allow_signals, char **err)
{
    if (stdio_taken) {
        set_err(err, g_strdup("stdio is already in use"));
        return NULL;
    }
    stdio_taken = true;
    chardev_register_atexit();
    stdio_make_raw(allow_signals);
    return chardev_alloc(CHARDEV_STDIO, label, STDOUT_FILENO, STDIN_FILENO);
}

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
        set_err(err, g_strdup_printf("no -chardev with id '%s'", id));
        return NULL;
    }
    if (d->used) {
        /* Sharing needs the mux's focus switching, which waits for the
         * monitor. */
        set_err(err, g_strdup_printf("chardev '%s' is already in use", id));
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
        set_err(err, g_strdup("expected BACKEND,id=ID[,...]"));
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
            set_err(err, g_strdup_printf("%s: property '%s' is not "
                                         "supported", backend, key));
            return false;
        }
    }
    if (!id || !id[0]) {
        set_err(err, g_strdup_printf("%s: needs id=ID", backend));
        return false;
    }
    if (chardev_def_find(id)) {
        set_err(err, g_strdup_printf("duplicate chardev id '%s'", id));
        return false;
    }
    if (signal_opt && strcmp(backend, "stdio") != 0) {
        set_err(err, g_strdup_printf("%s: property 'signal' is only for "
                                     "stdio", backend));
        return false;
    }
    if (strcmp(backend, "null") == 0) {
        spec = g_strdup("null");
    } else if (strcmp(backend, "stdio") == 0) {
        if (signal_opt && strcmp(signal_opt, "on") != 0 &&
            strcmp(signal_opt, "off") != 0) {
            set_err(err, g_strdup_printf("'signal=%s': expected on or off",
                                         signal_opt));
            return false;
        }
        spec = g_strdup_printf("stdio,signal=%s",
                               signal_opt ? signal_opt : "on");
    } else if (strcmp(backend, "file") == 0 && path) {
        spec = g_strdup_printf("file:%s", path);
    } else if (strcmp(backend, "socket") == 0 && (path || port)) {
        if (path && (host || port)) {
            set_err(err, g_strdup("socket: path= or host=/port=, not both"));
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
        set_err(err, g_strdup_printf("%s: needs %s", backend,
                                     strcmp(backend, "file") == 0
                                     ? "path=PATH"
                                     : "path=PATH or host=HOST,port=PORT"));
        return false;
    } else {
        set_err(err, g_strdup_printf("backend '%s' is not supported (null, "
                                     "stdio, file, socket)", backend));
        return false;
    }
    if (path && strchr(path, ',')) {
        set_err(err, g_strdup_printf("path '%s' has a comma", path));
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
        return chardev_alloc(CHARDEV_NULL, spec, -1, -1);
    }
    if (strcmp(spec, "stdio") == 0 || strcmp(spec, "stdio,signal=on") == 0) {
        return stdio_new(spec, true, err);
    }
    if (strcmp(spec, "stdio,signal=off") == 0) {
        return stdio_new(spec, false, err);
    }
    if ((rest = g_str_has_prefix(spec, "chardev:") ? spec + 8 : NULL)) {
        return chardev_from_id(rest, err);
    }
    if ((rest = g_str_has_prefix(spec, "file:") ? spec + 5 : NULL)) {
        int fd = open(rest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

        if (fd < 0) {
            set_err(err, g_strdup_printf("could not open file '%s': %s",
                                         rest, g_strerror(errno)));
            return NULL;
        }
        return chardev_alloc(CHARDEV_FILE, spec, fd, -1);
    }
    if (g_str_has_prefix(spec, "tcp:")) {
        return socket_new(spec, spec + 4, true, err);
    }
    if (g_str_has_prefix(spec, "unix:")) {
        return socket_new(spec, spec + 5, false, err);
    }
    if ((rest = g_str_has_prefix(spec, "mon:") ? spec + 4 : NULL)) {
        Chardev *inner;

        if (g_str_has_prefix(rest, "mon:")) {
            set_err(err, g_strdup_printf("'%s': mon: twice", spec));
            return NULL;
        }
        /* As QEMU: Ctrl-C goes to the guest on mon:stdio. */
        inner = strcmp(rest, "stdio") == 0 ? stdio_new(rest, false, err)
                                           : chardev_new(rest, err);
        if (!inner) {
            return NULL;
        }
        Chardev *mux = chardev_alloc(CHARDEV_MUX, spec, -1, -1);
        mux->inner = inner;
        return mux;
    }
    set_err(err, g_strdup_printf("unsupported backend '%s' (null, none, "
                                 "stdio, file:, tcp:, unix:, mon:, "
                                 "chardev:)", spec));
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
        if (chr->kind == CHARDEV_FILE && chr->out_fd >= 0) {
            close(chr->out_fd);
            chr->out_fd = -1;
        }
        if (chr->unix_path) {
            unlink(chr->unix_path);
            g_free(chr->unix_path);
            chr->unix_path = NULL;
        }
    }
    stdio_restore();
}
