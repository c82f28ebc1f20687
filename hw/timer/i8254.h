/*
 * 8254 programmable interval timer at ports 0x40-0x43, clocked at
 * 1.193182 MHz. Counter 0's OUT drives IRQ 0; counter 2's GATE and OUT
 * are reached by the board through port 0x61.
 */
#ifndef HW_TIMER_I8254_H
#define HW_TIMER_I8254_H

#include <stdbool.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define PIT_FREQ 1193182

typedef struct PITState PITState;

/* irq0 receives counter 0's OUT level; it may be NULL. */
PITState *pit_create(IOSpace *io, uint32_t iobase, IRQLine *irq0);

void pit_set_gate(PITState *s, int counter, bool level);
bool pit_get_gate(PITState *s, int counter);
bool pit_get_out(PITState *s, int counter);

#endif
