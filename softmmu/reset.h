/*
 * Machine reset handlers: each device registers one when it is created,
 * and a reset runs them all, in the order they were registered, before
 * the CPU is reset and the board loads the guest again (hw/i386/pc.c).
 */
#ifndef SOFTMMU_RESET_H
#define SOFTMMU_RESET_H

typedef void (*ResetHandler)(void *opaque);

/* fn(opaque) runs at every machine reset, under the global lock. */
void reset_register(ResetHandler fn, void *opaque);

/* Runs every registered handler, first registered first. */
void reset_run_all(void);

#endif
