/*
 * The pty chardev ("pty"): a new pseudo-terminal whose slave side the user
 * opens (screen, minicom, picocom); bt86 prints its name as QEMU does,
 * "char device redirected to /dev/pts/N (label ...)", on stdout.
 *
 * While no one has the slave open, output is dropped, so that a guest
 * console nobody watches does not stall; the master is checked for a
 * slave every PTY_POLL_MS (a master reports POLLHUP while no slave is
 * open, and read fails with EIO once the last one closes).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "softmmu/bql.h"
#include "softmmu/chardev-internal.h"

#define PTY_POLL_MS 250

typedef struct PtyChardev {
    Chardev parent;     /* in_fd = out_fd = master while a slave is open */
    int master;
    guint poll_timer;
} PtyChardev;

static void pty_wait_for_slave(PtyChardev *pty);

static bool pty_slave_open(int master)
{
    struct pollfd pfd = { .fd = master, .events = POLLOUT };

    return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP);
}

static gboolean pty_poll(gpointer opaque)
{
    PtyChardev *pty = opaque;
    Chardev *chr = &pty->parent;

    if (!pty_slave_open(pty->master)) {
        return G_SOURCE_CONTINUE;
    }
    bql_lock();
    pty->poll_timer = 0;
    chr->in_fd = chr->out_fd = pty->master;
    chardev_fe_event(chr, CHARDEV_EVENT_OPENED);
    chardev_input_update(chr);
    bql_unlock();
    return G_SOURCE_REMOVE;
}

static void pty_wait_for_slave(PtyChardev *pty)
{
    if (!pty->poll_timer) {
        pty->poll_timer = g_timeout_add(PTY_POLL_MS, pty_poll, pty);
    }
}

/* The last slave closed (read gave EIO); the input watch is gone. */
static void pty_input_eof(Chardev *chr)
{
    PtyChardev *pty = (PtyChardev *)chr;

    chardev_fd_write_cancel(chr);
    chr->in_fd = chr->out_fd = -1;
    chardev_fe_event(chr, CHARDEV_EVENT_CLOSED);
    chardev_fe_write_ready(chr);        /* output is dropped from now */
    pty_wait_for_slave(pty);
}

static const ChardevClass pty_class = {
    .name = "pty",
    .write = chardev_fd_write_nonblocking,
    .input_eof = pty_input_eof,
};

Chardev *chardev_pty_new(const char *label, char **err)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios tios;
    const char *name;

    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
        !(name = ptsname(master))) {
        chardev_set_error(err, g_strdup_printf("could not create a pty: %s",
                                               g_strerror(errno)));
        if (master >= 0) {
            close(master);
        }
        return NULL;
    }
    /* The guest's bytes go through untouched: no echo, no CR/LF games. */
    if (tcgetattr(master, &tios) == 0) {
        cfmakeraw(&tios);
        tcsetattr(master, TCSANOW, &tios);
    }
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);

    PtyChardev *pty = (PtyChardev *)chardev_alloc(
        &pty_class, sizeof(PtyChardev), label, -1, -1);
    pty->master = master;
    printf("char device redirected to %s (label %s)\n", name, label);
    fflush(stdout);
    pty_wait_for_slave(pty);
    return &pty->parent;
}
