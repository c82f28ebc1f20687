/*
 * 8259A programmable interrupt controller pair (behaviour from the Intel
 * 8259A datasheet, order no. 231468; ELCR from the PIIX/PIIX3 datasheet).
 *
 * Only the 8086/88 mode of the chip is modelled (ICW4 uPM=1), which is what
 * every PC programs; the 8080 call sequence is logged as unimplemented.
 *
 * Priorities: level p of a chip is its IR((lowest + 1 + p) & 7), where
 * "lowest" is the IR given the lowest priority (IR7 after init; moved by the
 * rotate commands). A request is passed to INT when its priority is above
 * that of every in-service level (fully nested mode).
 */
#include <inttypes.h>

#include <glib.h>

#include "hw/intc/i8259.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

/* ICW1 (A0=0, D4=1) */
#define PIC_ICW1_IC4   0x01
#define PIC_ICW1_SNGL  0x02
#define PIC_ICW1_LTIM  0x08
#define PIC_ICW1_SEL   0x10
/* ICW4 */
#define PIC_ICW4_UPM   0x01
#define PIC_ICW4_AEOI  0x02
#define PIC_ICW4_SFNM  0x10
/* OCW2 (A0=0, D4:3=00): R, SL, EOI in D7:5 */
#define PIC_OCW2_CMD(v)  (((v) >> 5) & 7)
#define PIC_OCW2_LEVEL(v) ((v) & 7)
#define PIC_OCW2_ROTATE_AEOI_CLEAR 0
#define PIC_OCW2_EOI               1
#define PIC_OCW2_NOP               2
#define PIC_OCW2_SPECIFIC_EOI      3
#define PIC_OCW2_ROTATE_AEOI_SET   4
#define PIC_OCW2_ROTATE_EOI        5
#define PIC_OCW2_SET_PRIORITY      6
#define PIC_OCW2_ROTATE_SPECIFIC   7
/* OCW3 (A0=0, D4:3=01) */
#define PIC_OCW3_SEL   0x08
#define PIC_OCW3_RIS   0x01
#define PIC_OCW3_RR    0x02
#define PIC_OCW3_P     0x04
#define PIC_OCW3_SMM   0x20
#define PIC_OCW3_ESMM  0x40

#define PIC_POLL_INT   0x80     /* poll word: an interrupt is pending */

#define PIC_CASCADE_IRQ 2
#define PIC_SPURIOUS_IRQ 7

/* ELCR bits that are always edge (PIIX: IRQ0, 1, 2, 8, 13) */
#define PIC_ELCR_MASK_MASTER 0xf8
#define PIC_ELCR_MASK_SLAVE  0xde

typedef enum PICInitStep {
    PIC_READY,          /* initialised: OCWs accepted */
    PIC_WANT_ICW2,
    PIC_WANT_ICW3,
    PIC_WANT_ICW4,
} PICInitStep;

typedef struct PICChip {
    const char *name;
    bool is_master;
    uint8_t irr, isr, imr;
    uint8_t pins;           /* input levels, for edge detection */
    uint8_t elcr, elcr_mask;
    uint8_t icw1, icw3, icw4;
    uint8_t vector_base;    /* ICW2 T7-T3 */
    uint8_t lowest;         /* IR with the lowest priority */
    PICInitStep init_step;
    bool read_isr;          /* OCW3 RR/RIS: port 0 reads ISR, not IRR */
    bool poll;              /* OCW3 P: the next read is a poll */
    bool special_mask;
    bool rotate_on_aeoi;
    bool int_out;           /* INT output level */
} PICChip;

struct PICState {
    PICChip chip[2];        /* master, slave */
    IRQLine in[PIC_NR_IRQS];
    IRQLine *intr;
};

static PICChip *pic_master(PICState *s)
{
    return &s->chip[0];
}

static PICChip *pic_slave(PICState *s)
{
    return &s->chip[1];
}

static bool pic_level_triggered(const PICChip *c, int irq)
{
    return (c->icw1 & PIC_ICW1_LTIM) || (c->elcr & (1u << irq));
}

/* Priority of IR irq on chip c: 0 is the highest, 7 the lowest. */
static int pic_priority(const PICChip *c, int irq)
{
    return (irq - c->lowest - 1) & 7;
}

/* The IR of highest priority among mask, or -1. */
static int pic_highest(const PICChip *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        int irq = (c->lowest + 1 + p) & 7;
        if (mask & (1u << irq)) {
            return irq;
        }
    }
    return -1;
}

/*
 * The request the chip would pass to INT, or -1. In special mask mode
 * masked in-service levels do not hold off lower ones; in special fully
 * nested mode a cascade input in service does not hold off its own slave's
 * higher-priority requests (datasheet: "Special Fully Nested Mode").
 */
static int pic_pending_irq(const PICChip *c)
{
    int req = pic_highest(c, c->irr & ~c->imr);
    uint8_t in_service = c->isr;

    if (req < 0) {
        return -1;
    }
    if (c->special_mask) {
        in_service &= ~c->imr;
    }
    if (c->is_master && (c->icw4 & PIC_ICW4_SFNM)) {
        in_service &= ~(c->icw3 & (1u << req));
    }
    int cur = pic_highest(c, in_service);
    if (cur >= 0 && pic_priority(c, cur) <= pic_priority(c, req)) {
        return -1;
    }
    return req;
}

static void pic_chip_set_pin(PICChip *c, int irq, int level);

/* Recomputes both INT outputs: the slave's feeds the master's IR2. */
static void pic_update(PICState *s)
{
    PICChip *m = pic_master(s), *sl = pic_slave(s);

    sl->int_out = pic_pending_irq(sl) >= 0;
    pic_chip_set_pin(m, PIC_CASCADE_IRQ, sl->int_out);

    bool out = pic_pending_irq(m) >= 0;
    if (out != m->int_out) {
        m->int_out = out;
        irq_set(s->intr, out);
    }
}

/*
 * An IR input changes level. Edge mode latches a rising edge in IRR, which
 * stays set until acknowledged; level mode makes IRR follow the line.
 */
static void pic_chip_set_pin(PICChip *c, int irq, int level)
{
    uint8_t bit = 1u << irq;
    bool was = c->pins & bit;

    if (level) {
        c->pins |= bit;
    } else {
        c->pins &= ~bit;
    }
    if (pic_level_triggered(c, irq)) {
        c->irr = level ? (c->irr | bit) : (c->irr & ~bit);
    } else if (level && !was) {
        c->irr |= bit;
    }
}

static void pic_set_irq(void *opaque, int n, int level)
{
    PICState *s = opaque;

    if (n < 0 || n >= PIC_NR_IRQS) {
        return;
    }
    pic_chip_set_pin(&s->chip[n >> 3], n & 7, level);
    pic_update(s);
}

/* The chip's part of INTA for IR irq: IRR to ISR (or not, with AEOI). */
static void pic_chip_ack(PICChip *c, int irq)
{
    uint8_t bit = 1u << irq;

    if (c->icw4 & PIC_ICW4_AEOI) {
        if (c->rotate_on_aeoi) {
            c->lowest = irq;
        }
    } else {
        c->isr |= bit;
    }
    /* A level input still asserted stays requested. */
    if (!pic_level_triggered(c, irq) || !(c->pins & bit)) {
        c->irr &= ~bit;
    }
}

/* Acknowledge on one chip: the IR taken, or the spurious IR7 (no ISR). */
static int pic_chip_intack(PICChip *c)
{
    int irq = pic_pending_irq(c);

    if (irq < 0) {
        return PIC_SPURIOUS_IRQ;
    }
    pic_chip_ack(c, irq);
    return irq;
}

static bool pic_is_cascade(const PICChip *m, int irq)
{
    return !(m->icw1 & PIC_ICW1_SNGL) && (m->icw3 & (1u << irq));
}

int pic_get_interrupt(PICState *s)
{
    PICChip *m = pic_master(s), *sl = pic_slave(s);
    int irq = pic_pending_irq(m);
    int vec;

    if (irq < 0) {
        vec = m->vector_base + PIC_SPURIOUS_IRQ;
        log_mask_printf(LOG_INT, "i8259: spurious interrupt (master)\n");
    } else if (pic_is_cascade(m, irq) && irq == PIC_CASCADE_IRQ) {
        pic_chip_ack(m, irq);
        int irq2 = pic_chip_intack(sl);
        vec = sl->vector_base + irq2;
    } else {
        pic_chip_ack(m, irq);
        vec = m->vector_base + irq;
    }
    pic_update(s);
    return vec;
}

/* Poll command (OCW3 P): the read is an acknowledge returning a status. */
static uint8_t pic_poll(PICState *s, PICChip *c)
{
    int irq = pic_pending_irq(c);

    if (irq < 0) {
        return 0;
    }
    pic_chip_ack(c, irq);
    pic_update(s);
    return PIC_POLL_INT | irq;
}

static void pic_eoi(PICChip *c, int irq, bool rotate)
{
    c->isr &= ~(1u << irq);
    if (rotate) {
        c->lowest = irq;
    }
}

static void pic_write_ocw2(PICChip *c, uint8_t v)
{
    int level = PIC_OCW2_LEVEL(v);
    int irq;

    switch (PIC_OCW2_CMD(v)) {
    case PIC_OCW2_ROTATE_AEOI_CLEAR:
        c->rotate_on_aeoi = false;
        break;
    case PIC_OCW2_ROTATE_AEOI_SET:
        c->rotate_on_aeoi = true;
        break;
    case PIC_OCW2_EOI:
    case PIC_OCW2_ROTATE_EOI:
        irq = pic_highest(c, c->isr);
        if (irq >= 0) {
            pic_eoi(c, irq, PIC_OCW2_CMD(v) == PIC_OCW2_ROTATE_EOI);
        }
        break;
    case PIC_OCW2_SPECIFIC_EOI:
        pic_eoi(c, level, false);
        break;
    case PIC_OCW2_ROTATE_SPECIFIC:
        pic_eoi(c, level, true);
        break;
    case PIC_OCW2_SET_PRIORITY:
        c->lowest = level;
        break;
    case PIC_OCW2_NOP:
        break;
    }
}

static void pic_write_ocw3(PICChip *c, uint8_t v)
{
    if (v & PIC_OCW3_ESMM) {
        c->special_mask = v & PIC_OCW3_SMM;
    }
    if (v & PIC_OCW3_RR) {
        c->read_isr = v & PIC_OCW3_RIS;
    }
    c->poll = v & PIC_OCW3_P;
}

/*
 * ICW1 starts the initialisation sequence (datasheet "Initialization
 * Command Words"): edge sense reset (an input already high must go low
 * and high again), IMR cleared, IR7 lowest priority, special mask mode
 * off, IRR selected for reading, ICW4 functions zero unless IC4.
 */
static void pic_write_icw1(PICChip *c, uint8_t v)
{
    c->icw1 = v;
    c->imr = 0;
    c->isr = 0;
    c->irr &= c->elcr & c->pins;
    if (v & PIC_ICW1_LTIM) {
        c->irr = c->pins;
    }
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_on_aeoi = false;
    c->icw3 = 0;
    c->icw4 = 0;
    c->init_step = PIC_WANT_ICW2;
}

static void pic_write_init(PICChip *c, uint8_t v)
{
    switch (c->init_step) {
    case PIC_WANT_ICW2:
        c->vector_base = v & 0xf8;
        if (!(c->icw1 & PIC_ICW1_SNGL)) {
            c->init_step = PIC_WANT_ICW3;
        } else if (c->icw1 & PIC_ICW1_IC4) {
            c->init_step = PIC_WANT_ICW4;
        } else {
            c->init_step = PIC_READY;
        }
        break;
    case PIC_WANT_ICW3:
        c->icw3 = v;
        c->init_step = (c->icw1 & PIC_ICW1_IC4) ? PIC_WANT_ICW4 : PIC_READY;
        break;
    case PIC_WANT_ICW4:
        c->icw4 = v;
        if (!(v & PIC_ICW4_UPM)) {
            log_mask_printf(LOG_UNIMP, "%s: 8080/85 mode (ICW4 0x%02x) is "
                            "not supported\n", c->name, v);
        }
        c->init_step = PIC_READY;
        break;
    case PIC_READY:
        break;
    }
}

static uint64_t pic_read(void *opaque, uint64_t offset, unsigned size,
                         PICChip *c)
{
    PICState *s = opaque;

    if (c->poll) {
        c->poll = false;
        return pic_poll(s, c);
    }
    if (offset == 0) {
        return c->read_isr ? c->isr : c->irr;
    }
    return c->imr;
}

static void pic_write(void *opaque, uint64_t offset, uint64_t value,
                      PICChip *c)
{
    PICState *s = opaque;
    uint8_t v = value;

    if (offset == 0) {
        if (v & PIC_ICW1_SEL) {
            pic_write_icw1(c, v);
        } else if (v & PIC_OCW3_SEL) {
            pic_write_ocw3(c, v);
        } else {
            pic_write_ocw2(c, v);
        }
    } else if (c->init_step != PIC_READY) {
        pic_write_init(c, v);
    } else {
        c->imr = v;
    }
    pic_update(s);
}

static uint64_t pic_master_read(void *opaque, uint64_t offset, unsigned size)
{
    return pic_read(opaque, offset, size, pic_master(opaque));
}

static void pic_master_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    pic_write(opaque, offset, value, pic_master(opaque));
}

static uint64_t pic_slave_read(void *opaque, uint64_t offset, unsigned size)
{
    return pic_read(opaque, offset, size, pic_slave(opaque));
}

static void pic_slave_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    pic_write(opaque, offset, value, pic_slave(opaque));
}

static uint64_t pic_elcr_read(void *opaque, uint64_t offset, unsigned size)
{
    PICState *s = opaque;

    return s->chip[offset & 1].elcr;
}

/* Switching an input to level mode makes IRR follow its current level. */
static void pic_elcr_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    PICState *s = opaque;
    PICChip *c = &s->chip[offset & 1];

    c->elcr = value & c->elcr_mask;
    for (int irq = 0; irq < 8; irq++) {
        if (pic_level_triggered(c, irq)) {
            uint8_t bit = 1u << irq;
            c->irr = (c->irr & ~bit) | (c->pins & bit);
        }
    }
    pic_update(s);
}

static const MemOps pic_master_ops = {
    .read = pic_master_read, .write = pic_master_write,
    .min_size = 1, .max_size = 1,
};

static const MemOps pic_slave_ops = {
    .read = pic_slave_read, .write = pic_slave_write,
    .min_size = 1, .max_size = 1,
};

static const MemOps pic_elcr_ops = {
    .read = pic_elcr_read, .write = pic_elcr_write,
    .min_size = 1, .max_size = 1,
};

/* Power-on: uninitialised chips with everything masked, as firmware
 * finds them; the slave's INT already wired to the master's IR2. */
static void pic_chip_reset(PICChip *c, const char *name, bool is_master)
{
    *c = (PICChip) {
        .name = name,
        .is_master = is_master,
        .imr = 0xff,
        .lowest = 7,
        .icw1 = PIC_ICW1_IC4,
        .icw3 = is_master ? 1u << PIC_CASCADE_IRQ : PIC_CASCADE_IRQ,
        .icw4 = PIC_ICW4_UPM,
        .vector_base = is_master ? 0x08 : 0x70,
        .elcr_mask = is_master ? PIC_ELCR_MASK_MASTER : PIC_ELCR_MASK_SLAVE,
    };
}

/*
 * Machine reset: both chips and the ELCR back to power-on. The input
 * levels are the wires' and stay; an input still high needs a new edge,
 * as after ICW1. INT drops with the requests.
 */
static void pic_reset(void *opaque)
{
    PICState *s = opaque;
    bool was_out = pic_master(s)->int_out;

    for (int i = 0; i < 2; i++) {
        uint8_t pins = s->chip[i].pins;
        pic_chip_reset(&s->chip[i], s->chip[i].name, i == 0);
        s->chip[i].pins = pins;
    }
    if (was_out) {
        irq_set(s->intr, 0);
    }
    pic_update(s);
}

PICState *pic_create(IOSpace *io, IRQLine *intr)
{
    PICState *s = g_new0(PICState, 1);

    pic_chip_reset(pic_master(s), "i8259-master", true);
    pic_chip_reset(pic_slave(s), "i8259-slave", false);
    s->intr = intr;
    reset_register(pic_reset, s);
    for (int i = 0; i < PIC_NR_IRQS; i++) {
        irq_init(&s->in[i], pic_set_irq, s, i);
    }
    io_map(io, "i8259-master", 0x20, 2, &pic_master_ops, s);
    io_map(io, "i8259-slave", 0xA0, 2, &pic_slave_ops, s);
    io_map(io, "i8259-elcr", 0x4D0, 2, &pic_elcr_ops, s);
    return s;
}

IRQLine *pic_irq_line(PICState *s, int n)
{
    return &s->in[n];
}

IRQLine *pic_irq_lines(PICState *s)
{
    return s->in;
}
