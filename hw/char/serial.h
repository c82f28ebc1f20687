/* 16550A UART. */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/chardev.h"
#include "softmmu/memory.h"

typedef struct SerialState SerialState;

/* Maps 8 ports at iobase; chr may be NULL (-serial none). */
SerialState *serial_create(IOSpace *io, uint32_t iobase, IRQLine *irq,
                           Chardev *chr);

#endif
