/*
 * Character backends: stdio, file:PATH, none.
 *
 * Output is written synchronously with write(2) from whichever thread the
 * frontend runs in (the vCPU, holding the global lock). Input is read by a
 * GLib fd watch in the default main context, i.e. on the main thread, which
 * takes the global lock before handing bytes to the frontend.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "softmmu/bql.h"
#include "softmmu/chardev.h"

typedef enum ChardevKind {
    CHARDEV_NULL,
    CHARDEV_STDIO,
    CHARDEV_FILE,
} ChardevKind;

struct Chardev {
    ChardevKind kind;
    int out_fd;                 /* -1: output discarded */
    int in_fd;                  /* -1: no input */
    guint in_watch;             /* GLib source id while reading input */
    ChardevReceiveFn receive;
    void *receive_opaque;
    Chardev *next;
};

static Chardev *chardev_list;
static Chardev *stdio_owner;

/* The terminal settings stdin had before it was put in raw mode. */
static struct termios stdio_saved_tios;
static bool stdio_tios_changed;

static void chardev_atexit(void)
{
    chardev_close_all();
}

static void chardev_register_atexit(void)
{
    static bool registered;

    if (!registered) {
        atexit(chardev_atexit);
        registered = true;
    }
}

/*
 * Raw input so that every key (Ctrl-D, arrows, ...) reaches the guest as it
 * is typed, without local echo or line editing. Output processing (OPOST,
 * ONLCR) stays on, as in QEMU, so that host-side messages printed while the
 * guest runs still start at column 0. ISIG stays on too: with no monitor mux
 * yet, Ctrl-C is the user's way out.
 */
static void stdio_make_raw(void)
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
    tios.c_cflag &= ~(CSIZE | PARENB);
    tios.c_cflag |= CS8;
    tios.c_cc[VMIN] = 1;
    tios.c_cc[VTIME] = 0;

    if (tcsetattr(STDIN_FILENO, TCSANOW, &tios) == 0) {
        stdio_tios_changed = true;
    }
}

static void stdio_restore(void)
{
    if (stdio_tios_changed) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_tios);
        stdio_tios_changed = false;
    }
}

static Chardev *chardev_alloc(ChardevKind kind, int out_fd, int in_fd)
{
    Chardev *chr = g_new0(Chardev, 1);

    chr->kind = kind;
    chr->out_fd = out_fd;
    chr->in_fd = in_fd;
    chr->next = chardev_list;
    chardev_list = chr;
    return chr;
}

static void set_err(char **err, char *msg)
{
    if (err) {
        *err = msg;
    } else {
        g_free(msg);
    }
}

Chardev *chardev_new(const char *spec, char **err)
{
    if (!spec) {
        spec = "none";
    }

    if (strcmp(spec, "none") == 0 || strcmp(spec, "null") == 0) {
        return chardev_alloc(CHARDEV_NULL, -1, -1);
    }

    if (strcmp(spec, "stdio") == 0) {
        if (stdio_owner) {
            set_err(err, g_strdup("stdio is already in use"));
            return NULL;
        }
        chardev_register_atexit();
        stdio_make_raw();
        stdio_owner = chardev_alloc(CHARDEV_STDIO, STDOUT_FILENO,
                                    STDIN_FILENO);
        return stdio_owner;
    }

    if (strncmp(spec, "file:", 5) == 0) {
        const char *path = spec + 5;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

        if (fd < 0) {
            set_err(err, g_strdup_printf("could not open serial file '%s': %s",
                                         path, g_strerror(errno)));
            return NULL;
        }
        chardev_register_atexit();
        return chardev_alloc(CHARDEV_FILE, fd, -1);
    }

    set_err(err, g_strdup_printf("unsupported -serial backend '%s'", spec));
    return NULL;
}

/* Wait until fd takes more output: somebody may have made it non-blocking. */
static void fd_wait_writable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLOUT };

    while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
        continue;
    }
}

void chardev_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr || chr->out_fd < 0) {
        return;
    }
    while (len > 0) {
        ssize_t n = write(chr->out_fd, buf, len);

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
            return;
        }
        buf += n;
        len -= n;
    }
}

/* Main thread, main loop: input is readable on chr->in_fd. */
static gboolean chardev_fd_readable(gint fd, GIOCondition cond,
                                    gpointer opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[256];
    ssize_t n;

    do {
        n = read(fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        /* End of input (stdin redirected from a file, or closed): the
         * guest just stops receiving; output goes on. */
        chr->in_watch = 0;
        return G_SOURCE_REMOVE;
    }

    bql_lock();
    if (chr->receive) {
        chr->receive(chr->receive_opaque, buf, n);
    }
    bql_unlock();
    return G_SOURCE_CONTINUE;
}

/*
 * Input is only read once a frontend wants it, so that nothing typed before
 * the UART exists is read and lost.
 */
void chardev_set_receive(Chardev *chr, ChardevReceiveFn fn, void *opaque)
{
    if (!chr) {
        return;
    }
    chr->receive = fn;
    chr->receive_opaque = opaque;

    if (fn && chr->in_fd >= 0 && !chr->in_watch) {
        chr->in_watch = g_unix_fd_add(chr->in_fd,
                                      G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      chardev_fd_readable, chr);
    } else if (!fn && chr->in_watch) {
        g_source_remove(chr->in_watch);
        chr->in_watch = 0;
    }
}

void chardev_receive(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr && chr->receive && len > 0) {
        chr->receive(chr->receive_opaque, buf, len);
    }
}

/*
 * At exit (from atexit, or by hand): put the terminal back and close files.
 * Safe to call more than once; a chardev written after this discards.
 */
void chardev_close_all(void)
{
    for (Chardev *chr = chardev_list; chr; chr = chr->next) {
        if (chr->kind == CHARDEV_FILE && chr->out_fd >= 0) {
            close(chr->out_fd);
            chr->out_fd = -1;
        }
    }
    stdio_restore();
}
