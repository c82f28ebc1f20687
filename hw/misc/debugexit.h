/* isa-debug-exit: a write of V exits bt86 with status (V << 1) | 1, as QEMU. */
#ifndef HW_MISC_DEBUGEXIT_H
#define HW_MISC_DEBUGEXIT_H

#include <stdint.h>

#include "softmmu/memory.h"

void debugexit_create(IOSpace *io, uint32_t iobase, uint32_t iosize);

#endif
