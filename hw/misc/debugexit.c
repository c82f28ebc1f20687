/*
 * isa-debug-exit: lets a test guest end bt86 with a status of its choosing.
 * A write of V exits with (V << 1) | 1, exactly as QEMU's device does, so
 * test kernels written for QEMU work unchanged (and a guest can never make
 * bt86 exit with status 0 this way).
 */
#include <stdlib.h>

#include "hw/misc/debugexit.h"
#include "softmmu/log.h"

static uint64_t debugexit_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void debugexit_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    /* chardev_close_all (terminal, serial files) runs from atexit. */
    log_flush();
    /* exit() keeps the low 8 bits, as QEMU's identical expression does. */
    exit((int)((value << 1) | 1));
}

/* Any port access size reaches the device whole: no splitting. */
static const MemOps debugexit_ops = {
    .read = debugexit_read,
    .write = debugexit_write,
    .min_size = 1,
    .max_size = 8,
};

void debugexit_create(IOSpace *io, uint32_t iobase, uint32_t iosize)
{
    io_map(io, "isa-debug-exit", iobase, iosize, &debugexit_ops, NULL);
}
