/*
 * Character backends for -serial: null, stdio, file:PATH, pty,
 * tcp:HOST:PORT and unix:PATH sockets (server or client), and the mon:SPEC
 * mux with its
 * Ctrl-A escapes. A frontend (the UART) writes bytes out and is called back
 * with bytes that arrive, as many as it says it has room for.
 */
#ifndef SOFTMMU_CHARDEV_H
#define SOFTMMU_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;

typedef enum ChardevEvent {
    CHARDEV_EVENT_BREAK,        /* a break on the line (mux: C-a b) */
    CHARDEV_EVENT_OPENED,       /* a socket peer connected */
    CHARDEV_EVENT_CLOSED,       /* the socket peer went away */
} ChardevEvent;

/*
 * What a frontend gives its chardev. All are called with the global lock
 * held, on the main thread; any may be NULL.
 */
typedef struct ChardevHandlers {
    /* How many bytes receive may be given now. 0 stops the backend
     * reading (input waits in the kernel's buffers, nothing is lost)
     * until the frontend calls chardev_accept_input. NULL: any amount. */
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void (*event)(void *opaque, ChardevEvent event);
    /* Output that chardev_write did not take can be written now. */
    void (*write_ready)(void *opaque);
} ChardevHandlers;

/*
 * Parses and opens a -serial spec: "null" or "none" (discards), "stdio",
 * "file:PATH", "pty", "tcp:[HOST]:PORT[,server[=on|off]][,wait=on|off]
 * [,nowait][,nodelay]", "unix:PATH[,server...][,wait...]", "mon:SPEC", and
 * "chardev:ID" for a -chardev (see chardev_define). A server
 * with wait=on (QEMU's default) blocks until a client connects. NULL with
 * *err set to a one-line message (g_free it) on a bad or unopenable spec.
 */
Chardev *chardev_new(const char *spec, char **err);

/*
 * -chardev BACKEND,id=ID[,...] (QEMU's long form: null, stdio[,signal=],
 * file,path=, socket,host=,port= or socket,path= with server=/wait=,
 * and mux=on): checks the options and records them under ID; nothing is
 * opened until a "chardev:ID" spec is passed to chardev_new. False with
 * *err on bad options or a duplicate id.
 */
bool chardev_define(const char *opts, char **err);

/*
 * Writes buf; returns how much was taken. Files and stdio take everything
 * (blocking); a connected socket may take less when the peer is slow, and
 * then calls write_ready once it can take more. Output to a socket with no
 * peer is discarded, as QEMU does. A NULL chardev discards. Any thread,
 * global lock held.
 */
size_t chardev_write(Chardev *chr, const uint8_t *buf, size_t len);

/* Installs the frontend; input starts being read from now on. */
void chardev_set_handlers(Chardev *chr, const ChardevHandlers *handlers,
                          void *opaque);

/* The frontend has room again after can_receive said 0. Any thread,
 * global lock held; delivery happens later, from the main loop. */
void chardev_accept_input(Chardev *chr);

/* Hands buf to the frontend (through the mux's escape handling, for a
 * mux) as if it had arrived from the backend, whatever can_receive says.
 * For tests. Caller holds the global lock. */
void chardev_receive(Chardev *chr, const uint8_t *buf, size_t len);

/* Restores the terminal, closes files; called at exit. */
void chardev_close_all(void);

#endif
