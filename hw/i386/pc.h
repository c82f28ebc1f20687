/* The pc machine: RAM, devices, wiring, and how the guest is loaded. */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/intc/i8259.h"
#include "hw/irq.h"
#include "hw/timer/i8254.h"
#include "hw/timer/mc146818.h"
#include "softmmu/memory.h"
#include "target-x86/cpu.h"

typedef struct PCDebugExit {
    uint32_t iobase, iosize;
} PCDebugExit;

/* What the command line asked for. */
typedef struct PCConfig {
    uint64_t ram_size;
    const char *kernel, *initrd, *append;
    const char *serial[4];      /* chardev specs for COM1..COM4, NULL = none */
    int nr_serial;
    PCDebugExit debugexit[4];
    int nr_debugexit;
    bool no_reboot;
    RTCBase rtc_base;           /* -rtc base= (UTC by default) */
    /* accel=qtest: no guest is loaded and the CPU never runs */
    bool qtest;
} PCConfig;

typedef struct PCMachine {
    PCConfig cfg;
    AddressSpace as;
    IOSpace io;
    uint8_t *ram;
    CPUX86State *cpu;
    PICState *pic;
    PITState *pit;
    RTCState *rtc;
    IRQLine pic_intr;       /* the master 8259's INT, to the CPU's INTR */
    uint8_t port61;         /* system control port B, writable bits */
} PCMachine;

/* Builds the machine and loads the guest (none with cfg->qtest); NULL
 * with *err (one line) on failure (bad image, too little RAM, ...). */
PCMachine *pc_create(const PCConfig *cfg, char **err);

#endif
