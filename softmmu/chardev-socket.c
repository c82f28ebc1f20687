/*
 * The socket chardev: "tcp:[HOST]:PORT" and "unix:PATH", as a server
 * (",server[=on]", one client at a time, QEMU's ",wait=off"/",nowait" to
 * start without one) or a client connecting at start.
 *
 * Output never blocks the vCPU: a peer that does not read gets what the
 * kernel buffers, and then the frontend keeps the rest (a UART with THRE
 * clear) until the socket is writable again. With no peer, output is
 * dropped, as QEMU does.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "softmmu/bql.h"
#include "softmmu/chardev-internal.h"

typedef struct SocketChardev {
    Chardev parent;             /* in_fd = out_fd = the connection, or -1 */
    bool server;
    int listen_fd;
    guint listen_watch;
    char *unix_path;            /* a unix server's socket, removed at exit */
} SocketChardev;

static SocketChardev *socket_chardev(Chardev *chr)
{
    return (SocketChardev *)chr;
}

static void socket_listen_update(SocketChardev *sc);

static void socket_connected(SocketChardev *sc, int fd)
{
    Chardev *chr = &sc->parent;
    int one = 1;

    /* Interactive traffic: no Nagle delay on TCP (fails harmlessly on a
     * unix socket). */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    chr->in_fd = chr->out_fd = fd;
    chardev_fe_event(chr, CHARDEV_EVENT_OPENED);
    chardev_input_update(chr);
}

static gboolean socket_accept_ready(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    SocketChardev *sc = opaque;
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (conn < 0) {
        return G_SOURCE_CONTINUE;       /* EAGAIN, ECONNABORTED, ... */
    }
    bql_lock();
    /* One peer at a time, as QEMU: the next waits in the backlog. */
    sc->listen_watch = 0;
    socket_connected(sc, conn);
    bql_unlock();
    return G_SOURCE_REMOVE;
}

static void socket_listen_update(SocketChardev *sc)
{
    if (sc->server && sc->listen_fd >= 0 && sc->parent.in_fd < 0 &&
        !sc->listen_watch) {
        sc->listen_watch = g_unix_fd_add(sc->listen_fd, G_IO_IN,
                                         socket_accept_ready, sc);
    }
}

/* The peer closed (the input watch is already gone). */
static void socket_input_eof(Chardev *chr)
{
    SocketChardev *sc = socket_chardev(chr);

    chardev_fd_write_cancel(chr);
    if (chr->in_fd >= 0) {
        close(chr->in_fd);
    }
    chr->in_fd = chr->out_fd = -1;
    chardev_fe_event(chr, CHARDEV_EVENT_CLOSED);
    /* Output now goes nowhere: let a waiting frontend drain. */
    chardev_fe_write_ready(chr);
    socket_listen_update(sc);
}

static void socket_close(Chardev *chr)
{
    SocketChardev *sc = socket_chardev(chr);

    if (sc->unix_path) {
        unlink(sc->unix_path);
        g_free(sc->unix_path);
        sc->unix_path = NULL;
    }
}

static const ChardevClass socket_class = {
    .name = "socket",
    .write = chardev_fd_write_nonblocking,
    .input_eof = socket_input_eof,
    .close = socket_close,
};

/* ---- Specs ---- */

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

/* "[HOST]:PORT,opts" or "PATH,opts" (the tcp:/unix: prefix removed). */
static bool socket_parse(const char *spec, bool tcp, SocketSpec *ss,
                         char **err)
{
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    bool wait_given = false;

    memset(ss, 0, sizeof(*ss));
    ss->tcp = tcp;
    ss->wait = true;            /* QEMU's default for a server */
    if (tcp) {
        const char *colon = items[0] ? strrchr(items[0], ':') : NULL;

        if (!colon || colon[1] == '\0') {
            chardev_set_error(err, g_strdup_printf(
                "'tcp:%s': expected tcp:HOST:PORT", spec));
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
            chardev_set_error(err, g_strdup("'unix:': expected unix:PATH"));
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
            chardev_set_error(err, g_strdup_printf(
                "socket option '%s' is not supported", items[i]));
            return false;
        }
        if (!ok) {
            chardev_set_error(err, g_strdup_printf(
                "'%s=%s': expected on or off", items[i], value));
            return false;
        }
    }
    if (wait_given && !ss->server) {
        chardev_set_error(err, g_strdup("'wait' is only for a server "
                                        "socket"));
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

static int socket_open_unix(const SocketSpec *ss, char **err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    if (strlen(ss->path) >= sizeof(sa.sun_path)) {
        chardev_set_error(err, g_strdup_printf(
            "unix socket path '%s' is too long", ss->path));
        return -1;
    }
    strcpy(sa.sun_path, ss->path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        chardev_set_error(err, g_strdup_printf("socket: %s",
                                               g_strerror(errno)));
        return -1;
    }
    if (ss->server) {
        unlink(ss->path);       /* a stale socket from an earlier run */
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            listen(fd, 1) < 0) {
            chardev_set_error(err, g_strdup_printf(
                "could not listen on '%s': %s", ss->path, g_strerror(errno)));
            close(fd);
            return -1;
        }
    } else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        chardev_set_error(err, g_strdup_printf(
            "could not connect to '%s': %s", ss->path, g_strerror(errno)));
        close(fd);
        return -1;
    }
    return fd;
}

static int socket_open_tcp(const SocketSpec *ss, char **err)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = ss->server ? AI_PASSIVE : 0,
    };
    struct addrinfo *res = NULL;
    /* QEMU: an empty host is every interface for a server, this host for
     * a client. */
    const char *host = ss->host[0] ? ss->host
                                   : (ss->server ? NULL : "localhost");
    int rc = getaddrinfo(host, ss->port, &hints, &res);

    if (rc != 0) {
        chardev_set_error(err, g_strdup_printf("'%s:%s': %s", ss->host,
                                               ss->port, gai_strerror(rc)));
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
        chardev_set_error(err, g_strdup_printf(
            "could not %s %s:%s: %s", ss->server ? "listen on" : "connect to",
            ss->host, ss->port, g_strerror(saved_errno)));
    }
    return fd;
}

Chardev *chardev_socket_new(const char *label, const char *rest, bool tcp,
                            char **err)
{
    SocketSpec ss;

    if (!socket_parse(rest, tcp, &ss, err)) {
        socket_spec_free(&ss);
        return NULL;
    }
    int fd = tcp ? socket_open_tcp(&ss, err) : socket_open_unix(&ss, err);
    if (fd < 0) {
        socket_spec_free(&ss);
        return NULL;
    }
    SocketChardev *sc = (SocketChardev *)chardev_alloc(
        &socket_class, sizeof(SocketChardev), label, -1, -1);
    sc->server = ss.server;
    sc->listen_fd = -1;
    if (!ss.server) {
        socket_connected(sc, fd);
    } else {
        sc->listen_fd = fd;
        if (!tcp) {
            sc->unix_path = g_strdup(ss.path);
        }
        if (ss.wait) {
            /* QEMU's default: the guest starts once a client is there. */
            fprintf(stderr, "bt86: waiting for connection on %s\n", label);
            int conn;
            do {
                conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
            } while (conn < 0 && (errno == EINTR || errno == ECONNABORTED));
            if (conn >= 0) {
                socket_connected(sc, conn);
            }
        }
        socket_listen_update(sc);
    }
    socket_spec_free(&ss);
    return &sc->parent;
}
