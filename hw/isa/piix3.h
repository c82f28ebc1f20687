/*
 * Intel 82371SB PIIX3, function 0: the PCI-to-ISA bridge at PCI 00:01.0,
 * with the PIRQ routing to ISA IRQs, the reset control register (0xCF9)
 * and System Control Port A (0x92).
 */
#ifndef HW_ISA_PIIX3_H
#define HW_ISA_PIIX3_H

#include <stdbool.h>

#include "hw/irq.h"
#include "hw/pci/pci.h"
#include "softmmu/memory.h"

#define PIIX3_DEVFN         PCI_DEVFN(1, 0)
#define PIIX3_DEVICE_ID     0x7000

/* PIRQRC[A-D]: route PIRQn to an ISA IRQ (bit 7: disabled; bits 3:0 IRQ) */
#define PIIX3_PIRQRC        0x60
#define PIIX3_PIRQRC_DISABLE 0x80

/* The reset control register sits at 0xCF9, behind the host bridge's
 * CONFIG_ADDRESS port: piix3_rcr_ops takes offsets from 0xCF8. */
#define PIIX3_RCR_PORT      0xcf9
#define PIIX3_RCR_SRST      0x02    /* system (hard) reset on RCPU */
#define PIIX3_RCR_RCPU      0x04    /* 1: reset now */
#define PIIX3_RESET_VALUE   (PIIX3_RCR_SRST | PIIX3_RCR_RCPU)

#define PIIX3_PORT92        0x92
#define PORT92_FAST_RESET   0x01
#define PORT92_A20          0x02

typedef struct PIIX3State PIIX3State;

/* isa_irq: 16 lines, ISA IRQ 0-15, which the routed PIRQs drive. */
PIIX3State *piix3_create(PCIBus *bus, IOSpace *io, IRQLine *isa_irq);

/* PIRQA-D inputs (n = 0-3), level-triggered: what the PCI bus drives. */
IRQLine *piix3_pirq_in(PIIX3State *s, int n);

/* For the host bridge's 0xCF8-0xCFB non-dword accesses; opaque is the
 * PIIX3State. */
extern const MemOps piix3_rcr_ops;

/* Port 0x92's A20 gate. Recorded only: the CPU does not mask A20. */
bool piix3_a20_enabled(PIIX3State *s);

#endif
