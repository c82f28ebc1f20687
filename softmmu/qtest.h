/*
 * qtest: QEMU's line protocol for driving devices from a test program
 * without running guest code (docs: README.md, "qtest mode").
 *
 * With -qtest, the vCPU never runs; the main loop reads commands from the
 * qtest chardev ("unix:PATH", connected to as a client, or "stdio"), runs
 * each under the global lock, and answers "OK [value]" or "FAIL reason".
 * Interrupt lines a test intercepts are reported asynchronously as
 * "IRQ raise N" / "IRQ lower N". Time is the manual virtual clock.
 */
#ifndef SOFTMMU_QTEST_H
#define SOFTMMU_QTEST_H

#include <stdbool.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

/*
 * Names a device's interrupt lines for irq_intercept_in/out NAME: in are
 * the inputs it receives from devices, out the outputs it drives. The
 * IRQLine objects are rewired in place when intercepted, so they must
 * live as long as the machine. Boards call this whether or not qtest runs.
 */
void qtest_register_irqs(const char *name, IRQLine *in, int n_in,
                         IRQLine *out, int n_out);

/* Connects to spec and serves it from the default main context; false
 * with *err (one line) if the chardev cannot be opened. */
bool qtest_start(const char *spec, AddressSpace *as, IOSpace *io,
                 char **err);

/*
 * Runs one command line (without its newline) and returns the reply,
 * newline included; IRQ lines it causes go to the chardev first. For
 * qtest_start's reader and for tests. Called with the global lock held.
 */
char *qtest_process_line(const char *line);

#endif
