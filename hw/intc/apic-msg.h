/*
 * An interrupt message on the APIC bus: what an IOAPIC redirection entry
 * (and, later, a PCI MSI) sends to the local APICs. A plain value, so the
 * sender and the receivers know nothing of each other; the board carries it.
 */
#ifndef HW_INTC_APIC_MSG_H
#define HW_INTC_APIC_MSG_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes (SDM Vol. 3A 10.6.1 ICR; 82093AA redirection entry) */
#define APIC_DM_FIXED    0
#define APIC_DM_LOWEST   1
#define APIC_DM_SMI      2
#define APIC_DM_NMI      4
#define APIC_DM_INIT     5
#define APIC_DM_STARTUP  6
#define APIC_DM_EXTINT   7

typedef struct APICMessage {
    uint32_t dest;          /* APIC ID (physical) or MDA (logical) */
    bool logical;           /* destination mode */
    uint8_t delivery_mode;  /* APIC_DM_* */
    uint8_t vector;
    bool level;             /* trigger mode: level (TMR set, EOI broadcast) */
} APICMessage;

#endif
