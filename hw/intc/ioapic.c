/*
 * I/O APIC, as the Intel 82093AA datasheet (order no. 290566) describes it:
 * an indirect register file (IOREGSEL at +0x00 selects, IOWIN at +0x10
 * reads and writes) holding the ID, the version (0x11, 24 entries), the
 * arbitration ID and one 64-bit redirection entry per input pin.
 *
 * A pin's entry turns its level into an APIC-bus message. Edge mode sends
 * one message per rising edge (as seen through the polarity bit) of an
 * unmasked pin; an edge on a masked pin is lost (datasheet, "Interrupt
 * Mask"). Level mode sends a message while the pin is asserted, unmasked,
 * and remote IRR is clear; remote IRR is set when a local APIC accepts the
 * message and cleared by the local APIC's EOI for its vector, after which
 * a pin still asserted is delivered again.
 *
 * As in QEMU (and Linux relies on it to recover a stuck line), switching
 * an entry to edge mode clears its remote IRR.
 */
#include <inttypes.h>

#include <glib.h>

#include "hw/intc/ioapic.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

/* Direct registers (offsets in the window) */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN    0x10
#define IOAPIC_WINDOW   0x1000

/* Indirect registers */
#define IOAPIC_REG_ID       0x00
#define IOAPIC_REG_VERSION  0x01
#define IOAPIC_REG_ARB      0x02
#define IOAPIC_REG_REDTBL   0x10    /* two per entry: low, high dword */

#define IOAPIC_ID_MASK  0x0F000000u
#define IOAPIC_VERSION  ((uint32_t)(IOAPIC_NR_PINS - 1) << 16 | 0x11)

/* Redirection entry bits (datasheet 3.2.4) */
#define REDIR_VECTOR        0xFFull
#define REDIR_DM(e)         (((e) >> 8) & 7)
#define REDIR_DEST_LOGICAL  (1ull << 11)
#define REDIR_DELIV_STATUS  (1ull << 12)
#define REDIR_POLARITY_LOW  (1ull << 13)
#define REDIR_REMOTE_IRR    (1ull << 14)
#define REDIR_LEVEL         (1ull << 15)
#define REDIR_MASKED        (1ull << 16)
#define REDIR_DEST(e)       ((uint32_t)((e) >> 56))
/* The guest writes vector, modes, polarity, trigger, mask, destination. */
#define REDIR_LOW_WRITABLE  0x1AFFFull
#define REDIR_HIGH_WRITABLE 0xFF000000ull

struct IOAPICState {
    uint8_t regsel;
    uint32_t id;
    uint64_t redir[IOAPIC_NR_PINS];
    uint32_t pins;              /* input levels as driven */
    IRQLine in[IOAPIC_NR_PINS];
    IOAPICDeliverFn deliver;
    void *opaque;
};

static bool ioapic_asserted(const IOAPICState *s, int pin)
{
    bool level = s->pins & (1u << pin);

    return level ^ !!(s->redir[pin] & REDIR_POLARITY_LOW);
}

/* Sends pin's message if its entry says the pin is interrupting now. */
static void ioapic_service(IOAPICState *s, int pin)
{
    uint64_t e = s->redir[pin];
    bool level = e & REDIR_LEVEL;
    int dm = REDIR_DM(e);

    if ((e & REDIR_MASKED) || !ioapic_asserted(s, pin) ||
        (level && (e & REDIR_REMOTE_IRR))) {
        return;
    }
    if (dm == 3 || dm == 6) {
        log_mask_printf(LOG_GUEST_ERROR, "ioapic: pin %d has reserved "
                        "delivery mode %d\n", pin, dm);
        return;
    }
    APICMessage msg = {
        .dest = REDIR_DEST(e),
        .logical = e & REDIR_DEST_LOGICAL,
        .delivery_mode = dm,
        .vector = e & REDIR_VECTOR,
        .level = level,
    };
    bool accepted = s->deliver && s->deliver(s->opaque, &msg);
    if (level && accepted &&
        (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST)) {
        s->redir[pin] |= REDIR_REMOTE_IRR;
    }
}

static void ioapic_set_irq(void *opaque, int n, int level)
{
    IOAPICState *s = opaque;

    if (n < 0 || n >= IOAPIC_NR_PINS) {
        return;
    }
    bool was = ioapic_asserted(s, n);
    if (level) {
        s->pins |= 1u << n;
    } else {
        s->pins &= ~(1u << n);
    }
    bool now = ioapic_asserted(s, n);
    if (now && (!was || (s->redir[n] & REDIR_LEVEL))) {
        ioapic_service(s, n);
    }
}

void ioapic_eoi(IOAPICState *s, int vector)
{
    for (int pin = 0; pin < IOAPIC_NR_PINS; pin++) {
        uint64_t e = s->redir[pin];
        if ((e & REDIR_LEVEL) && (e & REDIR_REMOTE_IRR) &&
            (int)(e & REDIR_VECTOR) == vector) {
            s->redir[pin] &= ~REDIR_REMOTE_IRR;
            ioapic_service(s, pin);
        }
    }
}

static uint32_t ioapic_reg_read(IOAPICState *s, uint8_t reg)
{
    switch (reg) {
    case IOAPIC_REG_ID:
        return s->id;
    case IOAPIC_REG_VERSION:
        return IOAPIC_VERSION;
    case IOAPIC_REG_ARB:
        /* The arbitration ID is loaded from the ID (datasheet 3.2.3). */
        return s->id;
    default:
        if (reg >= IOAPIC_REG_REDTBL &&
            reg < IOAPIC_REG_REDTBL + 2 * IOAPIC_NR_PINS) {
            int pin = (reg - IOAPIC_REG_REDTBL) / 2;
            return (reg & 1) ? s->redir[pin] >> 32 : (uint32_t)s->redir[pin];
        }
        log_mask_printf(LOG_GUEST_ERROR, "ioapic: read of unimplemented "
                        "register 0x%02x\n", reg);
        return 0;
    }
}

static void ioapic_redir_write(IOAPICState *s, int pin, bool high,
                               uint32_t val)
{
    uint64_t e = s->redir[pin];

    if (high) {
        e = (e & 0xFFFFFFFFull) | (((uint64_t)val << 32) &
                                   (REDIR_HIGH_WRITABLE << 32));
    } else {
        e = (e & ~REDIR_LOW_WRITABLE & ~0xFFFFFFFFull) |
            (val & REDIR_LOW_WRITABLE) | (e & REDIR_REMOTE_IRR);
        if (!(e & REDIR_LEVEL)) {
            e &= ~REDIR_REMOTE_IRR;
        }
    }
    s->redir[pin] = e;
    /* An asserted level pin just unmasked (or re-armed) interrupts now;
     * edges that came while masked are gone. */
    if (e & REDIR_LEVEL) {
        ioapic_service(s, pin);
    }
}

static void ioapic_reg_write(IOAPICState *s, uint8_t reg, uint32_t val)
{
    switch (reg) {
    case IOAPIC_REG_ID:
        s->id = val & IOAPIC_ID_MASK;
        return;
    case IOAPIC_REG_VERSION:
    case IOAPIC_REG_ARB:
        log_mask_printf(LOG_GUEST_ERROR, "ioapic: write to read-only "
                        "register 0x%02x ignored\n", reg);
        return;
    default:
        if (reg >= IOAPIC_REG_REDTBL &&
            reg < IOAPIC_REG_REDTBL + 2 * IOAPIC_NR_PINS) {
            ioapic_redir_write(s, (reg - IOAPIC_REG_REDTBL) / 2, reg & 1, val);
            return;
        }
        log_mask_printf(LOG_GUEST_ERROR, "ioapic: write 0x%08x to "
                        "unimplemented register 0x%02x ignored\n", val, reg);
        return;
    }
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset,
                                 unsigned size)
{
    IOAPICState *s = opaque;

    switch (offset) {
    case IOAPIC_IOREGSEL:
        return s->regsel;
    case IOAPIC_IOWIN:
        return ioapic_reg_read(s, s->regsel);
    default:
        log_mask_printf(LOG_GUEST_ERROR, "ioapic: read at +0x%03" PRIx64
                        "\n", offset);
        return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    IOAPICState *s = opaque;

    switch (offset) {
    case IOAPIC_IOREGSEL:
        s->regsel = value & 0xFF;
        break;
    case IOAPIC_IOWIN:
        ioapic_reg_write(s, s->regsel, (uint32_t)value);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "ioapic: write 0x%" PRIx64 " at +0x%03"
                        PRIx64 " ignored\n", value, offset);
        break;
    }
}

static const MemOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read, .write = ioapic_mmio_write,
    .min_size = 4, .max_size = 4,
};

/* Reset: every entry masked, the rest zero, ID 0 (datasheet 3.2.4,
 * 3.2.1). The pins are wires and keep their levels. */
static void ioapic_reset(void *opaque)
{
    IOAPICState *s = opaque;

    s->regsel = 0;
    s->id = 0;
    for (int i = 0; i < IOAPIC_NR_PINS; i++) {
        s->redir[i] = REDIR_MASKED;
    }
}

IOAPICState *ioapic_create(AddressSpace *as, uint64_t base,
                           IOAPICDeliverFn deliver, void *opaque)
{
    IOAPICState *s = g_new0(IOAPICState, 1);

    s->deliver = deliver;
    s->opaque = opaque;
    for (int i = 0; i < IOAPIC_NR_PINS; i++) {
        irq_init(&s->in[i], ioapic_set_irq, s, i);
    }
    ioapic_reset(s);
    reset_register(ioapic_reset, s);
    mem_map_mmio(as, "ioapic", base, IOAPIC_WINDOW, &ioapic_mmio_ops, s);
    return s;
}

IRQLine *ioapic_irq_line(IOAPICState *s, int n)
{
    return &s->in[n];
}

IRQLine *ioapic_irq_lines(IOAPICState *s)
{
    return s->in;
}
