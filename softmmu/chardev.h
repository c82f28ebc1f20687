/*
 * Character backends for -serial: stdio, file:PATH, none (later: tcp, unix,
 * the mon:stdio mux). A frontend (the UART) writes bytes out and is called
 * back with bytes that arrive.
 */
#ifndef SOFTMMU_CHARDEV_H
#define SOFTMMU_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;

/* Called (with the global lock held) when input arrives. */
typedef void (*ChardevReceiveFn)(void *opaque, const uint8_t *buf, size_t len);

/* Parse a -serial/-chardev spec ("stdio", "file:PATH", "none"/"null": a
 * chardev that discards); NULL with *err set to a one-line message (g_free
 * it) on a bad spec, an unopenable file or a second "stdio". */
Chardev *chardev_new(const char *spec, char **err);
/* Writes all of buf (blocking); a NULL chardev discards. */
void chardev_write(Chardev *chr, const uint8_t *buf, size_t len);
void chardev_set_receive(Chardev *chr, ChardevReceiveFn fn, void *opaque);
/* Hand buf to the frontend as if it had arrived from the backend (caller
 * holds the global lock). For tests and, later, the mux. */
void chardev_receive(Chardev *chr, const uint8_t *buf, size_t len);
/* Restores the terminal, flushes; called at exit. */
void chardev_close_all(void);

#endif
