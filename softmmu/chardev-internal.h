/*
 * What the chardev backends (chardev-stdio.c, chardev-socket.c,
 * chardev-mux.c) share with the core (chardev.c). Not for frontends: they
 * use chardev.h.
 */
#ifndef SOFTMMU_CHARDEV_INTERNAL_H
#define SOFTMMU_CHARDEV_INTERNAL_H

#include <glib.h>

#include "softmmu/chardev.h"

/*
 * A backend's operations; NULL means the core's default for a chardev on
 * plain fds (in_fd/out_fd). All run with the global lock held.
 */
typedef struct ChardevClass {
    const char *name;
    /* Output; default: blocking write(2) to out_fd. */
    size_t (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    /* Start reading if the frontend has room; default: an fd watch. */
    void (*input_update)(Chardev *chr);
    /* Input is held back for the frontend; default: fd not watched. */
    bool (*input_paused)(const Chardev *chr);
    /* in_fd hit end of input (its watch is gone); default: stop. */
    void (*input_eof)(Chardev *chr);
    /* A frontend was installed. */
    void (*attach)(Chardev *chr);
    /* chardev_receive for tests; default: straight to the frontend. */
    void (*receive)(Chardev *chr, const uint8_t *buf, size_t len);
    /* At exit: restore, close, remove. */
    void (*close)(Chardev *chr);
} ChardevClass;

struct Chardev {
    const ChardevClass *cls;
    char *label;                /* the spec, for messages */

    int in_fd, out_fd;          /* -1: no input / output discarded */
    guint in_watch;             /* reading in_fd */
    guint out_watch;            /* out_fd full: waiting to tell write_ready */
    guint resume_idle;          /* chardev_accept_input's deferred work */

    const ChardevHandlers *fe;  /* the frontend */
    void *fe_opaque;

    Chardev *next;
};

/* size: of the backend's struct, which starts with a Chardev. */
Chardev *chardev_alloc(const ChardevClass *cls, size_t size,
                       const char *label, int out_fd, int in_fd);
void chardev_set_error(char **err, char *msg);
void chardev_errorf(char **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

size_t chardev_fe_can_receive(Chardev *chr);
void chardev_fe_event(Chardev *chr, ChardevEvent event);
void chardev_fe_write_ready(Chardev *chr);

/*
 * Output to a non-blocking out_fd (a socket, a pty master): writes what
 * the fd takes now and, when that is not all, calls the frontend's
 * write_ready once it takes more. An error (the peer is gone) discards.
 */
size_t chardev_fd_write_nonblocking(Chardev *chr, const uint8_t *buf,
                                    size_t len);
/* Stops waiting for out_fd to drain (before closing it). */
void chardev_fd_write_cancel(Chardev *chr);

/* The core's defaults, for backends that extend them. */
void chardev_input_update(Chardev *chr);
bool chardev_input_paused(const Chardev *chr);
void chardev_fd_input_update(Chardev *chr);

/* The backends' constructors; NULL with *err. */
Chardev *chardev_stdio_new(const char *label, bool allow_signals,
                           char **err);
Chardev *chardev_socket_new(const char *label, const char *rest, bool tcp,
                            char **err);
Chardev *chardev_mux_new(const char *label, Chardev *inner);
Chardev *chardev_pty_new(const char *label, char **err);

#endif
