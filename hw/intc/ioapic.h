/*
 * The I/O APIC (82093AA): 24 interrupt input pins, each with a redirection
 * entry that turns the pin into an APIC-bus message; IOREGSEL/IOWIN at
 * 0xFEC00000.
 */
#ifndef HW_INTC_IOAPIC_H
#define HW_INTC_IOAPIC_H

#include <stdbool.h>

#include "hw/intc/apic-msg.h"
#include "hw/irq.h"
#include "softmmu/memory.h"

#define IOAPIC_DEFAULT_BASE 0xFEC00000ull
#define IOAPIC_NR_PINS      24

typedef struct IOAPICState IOAPICState;

/* Sends a message on the APIC bus; true when an APIC accepted it. */
typedef bool (*IOAPICDeliverFn)(void *opaque, const APICMessage *msg);

IOAPICState *ioapic_create(AddressSpace *as, uint64_t base,
                           IOAPICDeliverFn deliver, void *opaque);

/* Input pin n (0..23): what the board's GSI n drives. */
IRQLine *ioapic_irq_line(IOAPICState *s, int n);
IRQLine *ioapic_irq_lines(IOAPICState *s);

/* The local APIC's EOI broadcast of a level-triggered vector. */
void ioapic_eoi(IOAPICState *s, int vector);

#endif
