/*
 * The PC's 8042 keyboard controller at ports 0x60 (data) and 0x64
 * (status/command), with a PS/2 keyboard on its first port that answers
 * commands (no keys yet) and an auxiliary port with nothing plugged in.
 */
#ifndef HW_INPUT_I8042_H
#define HW_INPUT_I8042_H

#include <stdbool.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define I8042_DATA_PORT     0x60
#define I8042_CMD_PORT      0x64
#define I8042_KBD_IRQ       1
#define I8042_AUX_IRQ       12

typedef struct I8042State I8042State;

I8042State *i8042_create(IOSpace *io, IRQLine *kbd_irq, IRQLine *aux_irq);

/* The output port's A20 gate. Recorded only: the CPU does not mask A20. */
bool i8042_a20_enabled(I8042State *s);

#endif
