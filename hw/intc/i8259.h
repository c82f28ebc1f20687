/*
 * The PC's pair of 8259A programmable interrupt controllers: master at
 * ports 0x20/0x21, slave at 0xA0/0xA1 cascaded on the master's IR2, and
 * the PIIX edge/level control registers (ELCR) at 0x4D0/0x4D1.
 */
#ifndef HW_INTC_I8259_H
#define HW_INTC_I8259_H

#include "hw/irq.h"
#include "softmmu/memory.h"

#define PIC_NR_IRQS 16

typedef struct PICState PICState;

/* Maps the ports; intr is the master's INT output (to the CPU's INTR). */
PICState *pic_create(IOSpace *io, IRQLine *intr);

/* The input line of ISA IRQ n (0..15): what devices raise. */
IRQLine *pic_irq_line(PICState *s, int n);
/* All 16 input lines, as an array (for qtest's interception). */
IRQLine *pic_irq_lines(PICState *s);

/*
 * The interrupt acknowledge cycle: returns the vector the CPU takes, and
 * moves the request from IRR to ISR. With nothing pending it returns the
 * spurious vector (IR7 of the master, or of the slave after a cascade).
 */
int pic_get_interrupt(PICState *s);

#endif
