/*
 * The local APIC of the (one) CPU: xAPIC registers in a 4 KiB MMIO window
 * at IA32_APIC_BASE, x2APIC registers as MSRs 0x800-0x8FF, the APIC timer
 * (one-shot, periodic, TSC-deadline), LINT0/LINT1, and interrupt
 * acceptance for the CPU.
 */
#ifndef HW_INTC_APIC_H
#define HW_INTC_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/intc/apic-msg.h"
#include "hw/irq.h"
#include "softmmu/memory.h"

#define APIC_DEFAULT_BASE 0xFEE00000ull
#define APIC_MMIO_SIZE    0x1000

/* apic_get_interrupt: the interrupt is the 8259's; acknowledge it there. */
#define APIC_EXTINT (-2)

typedef struct APICState APICState;

/* Called on an EOI of a level-triggered vector (the EOI broadcast). */
typedef void (*APICEOIHandler)(void *opaque, int vector);

/*
 * Maps the window at the default base. intr and nmi are the CPU's INTR
 * and NMI inputs (nmi is pulsed: raised per NMI); eoi receives the EOI
 * broadcasts (for the IOAPIC).
 */
APICState *apic_create(AddressSpace *as, IRQLine *intr, IRQLine *nmi,
                       APICEOIHandler eoi, void *eoi_opaque);

/* LINT0 (n = 0: the 8259's INTR in virtual-wire mode) and LINT1 (n = 1). */
IRQLine *apic_lint_line(APICState *s, int n);
IRQLine *apic_lint_lines(APICState *s);

/* A message from the APIC bus; true when this APIC accepted it. */
bool apic_deliver(APICState *s, const APICMessage *msg);

/*
 * The CPU's interrupt acknowledge: the vector to take (moved from IRR to
 * ISR), APIC_EXTINT when the 8259 supplies it, the spurious vector when
 * the request went away, or -1 when there is nothing.
 */
int apic_get_interrupt(APICState *s);

/*
 * The CPU side (X86APICOps), all under the global lock. The MSRs are
 * IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range; false means
 * #GP. The TSC-deadline value is in virtual-clock nanoseconds (the TSC
 * runs at 1 GHz on the virtual clock; the caller removes the TSC offset),
 * 0 = disarmed.
 */
bool apic_msr_read(void *opaque, uint32_t index, uint64_t *val);
bool apic_msr_write(void *opaque, uint32_t index, uint64_t val);
/* CR8 is TPR[7:4] (SDM Vol. 3A 10.8.6.1). */
uint8_t apic_get_cr8(void *opaque);
void apic_set_cr8(void *opaque, uint8_t val);

#endif
