/*
 * PIIX3 PCI-to-ISA bridge, function 0 (Intel 82371SB datasheet, order
 * no. 290550): IDs, PIRQ routing, the reset control register and port
 * 0x92. The 8259 pair with its ELCR, the PIT and the RTC, which sit in
 * the same chip, are their own devices (hw/intc, hw/timer).
 *
 * PIRQ lines are level-triggered and shared: each ISA IRQ the bridge
 * drives is the OR of the PIRQs routed to it. ISA IRQs the datasheet
 * calls reserved as routing targets (0, 1, 2, 8, 13) route nowhere.
 */
#include <inttypes.h>

#include <glib.h>

#include "hw/isa/piix3.h"
#include "softmmu/cpus.h"
#include "softmmu/log.h"

#define PIIX3_IRQ_MASK          0x0f
#define PIIX3_PIRQRC_WMASK      (PIIX3_PIRQRC_DISABLE | PIIX3_IRQ_MASK)
/* Routable ISA IRQs: 3-7, 9-12, 14, 15 */
#define PIIX3_ROUTABLE_IRQS     0xdef8

/* Other function 0 registers with their reset values, stored for
 * firmware and OSes that program them (datasheet 2.2): IORT, XBCS, TOM,
 * MSTAT, MBIRQ0, MBDMA0/1, DLC, SMICNTL. */
static const struct {
    uint8_t addr, reset, wmask;
} piix3_plain_regs[] = {
    { 0x4c, 0x4d, 0xff },   /* IORT: ISA I/O recovery timer */
    { 0x4e, 0x03, 0xff },   /* XBCS: X-bus chip select */
    { 0x4f, 0x00, 0xff },
    { 0x69, 0x02, 0xff },   /* TOM: top of memory */
    { 0x6a, 0x00, 0xff },   /* MSTAT */
    { 0x6b, 0x00, 0xff },
    { 0x70, 0x80, 0xff },   /* MBIRQ0 */
    { 0x76, 0x0c, 0xff },   /* MBDMA0 */
    { 0x77, 0x0c, 0xff },   /* MBDMA1 */
    { 0x82, 0x00, 0x0f },   /* DLC: Linux sets passive release (bit 1) */
    { 0xa0, 0x08, 0xff },   /* SMICNTL */
};

struct PIIX3State {
    PCIDevice pci;          /* first: the core hands back a PCIDevice * */
    IRQLine pirq_in[PCI_NUM_PIRQS];
    uint8_t pirq_levels;        /* bit n: PIRQn asserted */
    IRQLine *isa_irq;
    uint16_t isa_levels;        /* bit n: the bridge drives ISA IRQ n */
    uint8_t rcr;
    uint8_t port92;
};

/* The ISA IRQ PIRQn reaches, or -1. */
static int piix3_pirq_route(const PIIX3State *s, int n)
{
    uint8_t rc = s->pci.config[PIIX3_PIRQRC + n];
    int irq = rc & PIIX3_IRQ_MASK;

    if ((rc & PIIX3_PIRQRC_DISABLE) || !(PIIX3_ROUTABLE_IRQS & (1u << irq))) {
        return -1;
    }
    return irq;
}

static void piix3_update_irqs(PIIX3State *s)
{
    uint16_t levels = 0;

    for (int n = 0; n < PCI_NUM_PIRQS; n++) {
        int irq = piix3_pirq_route(s, n);
        if (irq >= 0 && (s->pirq_levels & (1u << n))) {
            levels |= 1u << irq;
        }
    }
    uint16_t changed = levels ^ s->isa_levels;
    s->isa_levels = levels;
    for (int irq = 0; irq < 16; irq++) {
        if (changed & (1u << irq)) {
            irq_set(&s->isa_irq[irq], (levels >> irq) & 1);
        }
    }
}

static void piix3_set_pirq(void *opaque, int n, int level)
{
    PIIX3State *s = opaque;

    if (level) {
        s->pirq_levels |= 1u << n;
    } else {
        s->pirq_levels &= ~(1u << n);
    }
    piix3_update_irqs(s);
}

IRQLine *piix3_pirq_in(PIIX3State *s, int n)
{
    return &s->pirq_in[n];
}

static void piix3_config_write(PCIDevice *d, uint32_t addr, uint32_t value,
                               unsigned size)
{
    if (addr < PIIX3_PIRQRC + PCI_NUM_PIRQS && addr + size > PIIX3_PIRQRC) {
        piix3_update_irqs((PIIX3State *)d);
    }
}

/* The datasheet's defaults (2.2): I/O, memory and bus master enabled
 * (PCICMD 0007h), PIRQs not routed; RCR and port 0x92 cleared. */
static void piix3_reset(PCIDevice *d)
{
    PIIX3State *s = (PIIX3State *)d;

    pci_set_word(d->config + PCI_COMMAND, PCI_COMMAND_IO |
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    for (int n = 0; n < PCI_NUM_PIRQS; n++) {
        d->config[PIIX3_PIRQRC + n] = PIIX3_PIRQRC_DISABLE;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(piix3_plain_regs); i++) {
        d->config[piix3_plain_regs[i].addr] = piix3_plain_regs[i].reset;
    }
    s->rcr = 0;
    s->port92 = 0;
    piix3_update_irqs(s);
}

static const PCIDeviceOps piix3_pci_ops = {
    .config_write = piix3_config_write,
    .reset = piix3_reset,
};

/* ---- Reset control (0xCF9), reached through the host bridge ---- */

#define PIIX3_RCR_OFFSET (PIIX3_RCR_PORT - 0xcf8)

static uint64_t piix3_rcr_read(void *opaque, uint64_t offset, unsigned size)
{
    PIIX3State *s = opaque;

    if (offset == PIIX3_RCR_OFFSET && size == 1) {
        return s->rcr;
    }
    log_mask_printf(LOG_UNIMP, "piix3: %u-byte read at port 0x%" PRIx64
                    "\n", size, 0xcf8 + offset);
    return UINT32_MAX;
}

/* RCPU resets the machine; SRST chooses a hard reset over a CPU-only
 * one. bt86 has one kind of reset, so both do the same. */
static void piix3_rcr_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    PIIX3State *s = opaque;

    if (offset != PIIX3_RCR_OFFSET || size != 1) {
        log_mask_printf(LOG_UNIMP, "piix3: %u-byte write at port 0x%" PRIx64
                        " value 0x%" PRIx64 "\n", size, 0xcf8 + offset,
                        value);
        return;
    }
    s->rcr = value & PIIX3_RCR_SRST;
    if (value & PIIX3_RCR_RCPU) {
        system_reset_request();
    }
}

const MemOps piix3_rcr_ops = {
    .read = piix3_rcr_read, .write = piix3_rcr_write,
    .min_size = 1, .max_size = 4,
};

/* ---- System Control Port A (0x92) ---- */

static uint64_t piix3_port92_read(void *opaque, uint64_t offset,
                                  unsigned size)
{
    PIIX3State *s = opaque;

    return s->port92;
}

/* Bit 0 pulses INIT (fast reset); it reads back 0. Bit 1 gates A20. */
static void piix3_port92_write(void *opaque, uint64_t offset, uint64_t value,
                               unsigned size)
{
    PIIX3State *s = opaque;

    s->port92 = value & ~PORT92_FAST_RESET;
    if (value & PORT92_FAST_RESET) {
        system_reset_request();
    }
}

static const MemOps piix3_port92_ops = {
    .read = piix3_port92_read, .write = piix3_port92_write,
    .min_size = 1, .max_size = 1,
};

bool piix3_a20_enabled(PIIX3State *s)
{
    return s->port92 & PORT92_A20;
}

PIIX3State *piix3_create(PCIBus *bus, IOSpace *io, IRQLine *isa_irq)
{
    PIIX3State *s = g_new0(PIIX3State, 1);
    PCIDevice *d = &s->pci;
    char *err = NULL;

    if (!pci_device_init(d, bus, PIIX3_DEVFN, "piix3", PCI_VENDOR_ID_INTEL,
                         PIIX3_DEVICE_ID, 0x00, 0x060100, &piix3_pci_ops,
                         &err)) {
        g_error("%s", err);     /* the board's own layout is wrong */
    }
    d->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_MULTI_FUNCTION;
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    for (int n = 0; n < PCI_NUM_PIRQS; n++) {
        d->wmask[PIIX3_PIRQRC + n] = PIIX3_PIRQRC_WMASK;
        irq_init(&s->pirq_in[n], piix3_set_pirq, s, n);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(piix3_plain_regs); i++) {
        d->wmask[piix3_plain_regs[i].addr] = piix3_plain_regs[i].wmask;
    }
    s->isa_irq = isa_irq;
    piix3_reset(d);
    io_map(io, "port92", PIIX3_PORT92, 1, &piix3_port92_ops, s);
    return s;
}
