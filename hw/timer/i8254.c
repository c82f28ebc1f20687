/*
 * 8254 programmable interval timer (Intel 8254 datasheet, order no.
 * 231164).
 *
 * Counters do not tick: each remembers the virtual time at which its count
 * element was loaded (or its gate last triggered it), and its count and
 * OUT are computed from the clock cycles elapsed since. Counter 0's OUT
 * changes are delivered to IRQ 0 by a timer armed at the next transition.
 *
 * The count element is loaded "on the next CLK pulse" on hardware; here it
 * is loaded at once, which shifts everything by under a microsecond.
 */
#include <inttypes.h>

#include <glib.h>

#include "hw/timer/i8254.h"
#include "softmmu/clock.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

#define PIT_NR_COUNTERS 3
#define NS_PER_SEC 1000000000ll

/* Control word (port 3) */
#define PIT_CW_SC(v)    (((v) >> 6) & 3)
#define PIT_CW_RW(v)    (((v) >> 4) & 3)
#define PIT_CW_MODE(v)  (((v) >> 1) & 7)
#define PIT_CW_BCD      0x01
#define PIT_SC_READBACK 3
#define PIT_RW_LATCH    0
#define PIT_RW_LSB      1
#define PIT_RW_MSB      2
#define PIT_RW_WORD     3
/* Read-back command: D5 = !COUNT, D4 = !STATUS, D3:1 = counters 2..0 */
#define PIT_RB_NO_COUNT  0x20
#define PIT_RB_NO_STATUS 0x10
/* Status byte */
#define PIT_STATUS_OUT   0x80
#define PIT_STATUS_NULL  0x40

typedef struct PITCounter {
    PITState *pit;
    int index;
    uint8_t mode;           /* 0-5 (6 and 7 are 2 and 3) */
    uint8_t rw;             /* PIT_RW_* */
    bool bcd;
    uint32_t reload;        /* the count register: 1..0x10000 (binary) */
    bool loaded;            /* a count has been written since the mode */
    bool counting;          /* the count element runs (modes 1/5: triggered) */
    bool null_count;
    bool gate;
    int64_t start_ns;       /* virtual time of cycle 0 */
    uint64_t frozen;        /* cycles elapsed, while the gate stops counting */
    bool write_msb_next;    /* PIT_RW_WORD: the LSB has been written */
    uint8_t write_lsb;
    bool read_msb_next;     /* PIT_RW_WORD, unlatched reads */
    /* Latches: a latched count/status is read before anything live */
    bool count_latched, status_latched;
    uint16_t latch;
    uint8_t latch_bytes;    /* bytes of the latched count still unread */
    uint8_t status;
    IRQLine *irq;
    Timer *timer;
    int64_t timer_deadline;
    bool irq_level;
} PITCounter;

struct PITState {
    PITCounter c[PIT_NR_COUNTERS];
};

static uint64_t pit_ns_to_cycles(int64_t ns)
{
    if (ns <= 0) {
        return 0;
    }
    return (uint64_t)((unsigned __int128)ns * PIT_FREQ / NS_PER_SEC);
}

/* The first time at which at least `cycles` cycles have elapsed. */
static int64_t pit_cycles_to_ns(uint64_t cycles)
{
    unsigned __int128 n = (unsigned __int128)cycles * NS_PER_SEC;

    return (int64_t)((n + PIT_FREQ - 1) / PIT_FREQ);
}

static bool pit_gate_stops_counting(const PITCounter *c)
{
    return c->mode == 0 || c->mode == 2 || c->mode == 3 || c->mode == 4;
}

/* Cycles since cycle 0 of the current count. */
static uint64_t pit_elapsed(const PITCounter *c, int64_t now)
{
    if (!c->gate && pit_gate_stops_counting(c)) {
        return c->frozen;
    }
    return pit_ns_to_cycles(now - c->start_ns);
}

/* Modes 2 and 3 count N..1 periodically; N=1 would never let OUT move. */
static uint64_t pit_period(const PITCounter *c)
{
    return MAX(c->reload, 2u);
}

/*
 * OUT after d cycles (datasheet "Mode Definitions"): mode 0 low until
 * terminal count; mode 1 low from trigger to terminal count; mode 2 low
 * for the one cycle the count is 1; mode 3 high for the first half
 * (rounded up) of each period; modes 4/5 low for one cycle at count 0.
 */
static bool pit_out_at(const PITCounter *c, uint64_t d)
{
    uint64_t n = c->reload;

    if (!c->loaded) {
        return c->mode != 0;
    }
    if (!c->counting) {
        return true;        /* modes 1/5 waiting for a trigger */
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d >= n;
    case 2:
        if (!c->gate) {
            return true;
        }
        return d % pit_period(c) != pit_period(c) - 1;
    case 3:
        if (!c->gate) {
            return true;
        }
        return d % pit_period(c) < (pit_period(c) + 1) / 2;
    default:
        return d != n;
    }
}

/* The count element's value after d cycles (binary, 0..0xffff). */
static uint16_t pit_count_at(const PITCounter *c, uint64_t d)
{
    uint64_t n = c->reload;

    if (!c->loaded || !c->counting) {
        return n;
    }
    switch (c->mode) {
    case 2:
        return n - d % pit_period(c);
    case 3: {
        /* Decrements by two, reloading at each half period. */
        uint64_t p = pit_period(c), half = (p + 1) / 2;
        uint64_t in = d % p;
        if (in >= half) {
            in -= half;
        }
        return (n & ~1ull) - 2 * in;
    }
    default:
        /* Modes 0, 1, 4, 5 keep counting down past 0, wrapping. */
        return (n - d) & 0xffff;
    }
}

/* The cycle after d at which OUT next changes, or 0 if never. */
static uint64_t pit_next_edge(const PITCounter *c, uint64_t d)
{
    uint64_t n = c->reload;

    if (!c->loaded || !c->counting) {
        return 0;
    }
    if ((c->mode == 2 || c->mode == 3) && !c->gate) {
        return 0;
    }
    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : 0;
    case 2: {
        uint64_t p = pit_period(c), base = d - d % p;
        return d % p < p - 1 ? base + p - 1 : base + p;
    }
    case 3: {
        uint64_t p = pit_period(c), base = d - d % p, half = (p + 1) / 2;
        return d % p < half ? base + half : base + p;
    }
    default:
        return d < n ? n : d == n ? n + 1 : 0;
    }
}

/* Sends OUT at time now to the IRQ line and arms the timer for its next
 * change. */
static void pit_irq_update_at(PITCounter *c, int64_t now)
{
    if (!c->irq) {
        return;
    }
    uint64_t d = pit_elapsed(c, now);
    bool out = pit_out_at(c, d);

    if (out != c->irq_level) {
        c->irq_level = out;
        irq_set(c->irq, out);
    }
    uint64_t next = pit_next_edge(c, d);
    bool frozen = !c->gate && pit_gate_stops_counting(c);
    if (next && !frozen) {
        c->timer_deadline = c->start_ns + pit_cycles_to_ns(next);
        timer_mod(c->timer, c->timer_deadline);
    } else {
        timer_del(c->timer);
    }
}

static void pit_irq_update(PITCounter *c)
{
    pit_irq_update_at(c, clock_get_ns());
}

/*
 * The timer runs late by the main loop's latency, often longer than a
 * mode 2 pulse (one cycle, 838 ns): OUT is evaluated at the edge the timer
 * was armed for, so every pulse reaches the PIC, as QEMU does. Edges
 * overdue by more than PIT_MAX_CATCHUP_NS (the host stalled) are dropped
 * rather than replayed as a burst.
 */
#define PIT_MAX_CATCHUP_NS 100000000ll

static void pit_timer_cb(void *opaque)
{
    PITCounter *c = opaque;
    int64_t now = clock_get_ns();

    if (now - c->timer_deadline < PIT_MAX_CATCHUP_NS) {
        now = c->timer_deadline;
    }
    pit_irq_update_at(c, now);
}

static uint16_t pit_to_bcd(uint16_t v)
{
    return (v % 10) | ((v / 10) % 10) << 4 | ((v / 100) % 10) << 8 |
           ((v / 1000) % 10) << 12;
}

static uint32_t pit_from_bcd(uint16_t v)
{
    return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
           ((v >> 12) & 0xf) * 1000;
}

/* A complete count written: 0 is the largest count (2^16, or 10^4 BCD). */
static void pit_load_count(PITCounter *c, uint16_t raw)
{
    uint32_t n = c->bcd ? pit_from_bcd(raw) : raw;

    if (n == 0) {
        n = c->bcd ? 10000 : 0x10000;
    }
    c->reload = n;
    c->loaded = true;
    /*
     * Modes 1 and 5 wait for a gate trigger; a running mode 2/3 counter
     * would take a new count at the end of the period, taken at once here.
     */
    if (c->mode == 1 || c->mode == 5) {
        return;
    }
    c->counting = true;
    c->null_count = false;
    c->start_ns = clock_get_ns();
    c->frozen = 0;
}

static void pit_write_count(PITCounter *c, uint8_t v)
{
    switch (c->rw) {
    case PIT_RW_LSB:
        pit_load_count(c, v);
        break;
    case PIT_RW_MSB:
        pit_load_count(c, v << 8);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = v;
            c->write_msb_next = true;
            c->null_count = true;
            /* Mode 0: writing the first byte stops the count, OUT low. */
            if (c->mode == 0) {
                c->loaded = false;
            }
        } else {
            c->write_msb_next = false;
            pit_load_count(c, c->write_lsb | v << 8);
        }
        break;
    }
    pit_irq_update(c);
}

static uint16_t pit_read_live(PITCounter *c)
{
    uint16_t v = pit_count_at(c, pit_elapsed(c, clock_get_ns()));

    return c->bcd ? pit_to_bcd(v % 10000) : v;
}

static void pit_latch_count(PITCounter *c)
{
    if (c->count_latched) {
        return;     /* ignored until the latched count has been read */
    }
    c->latch = pit_read_live(c);
    c->count_latched = true;
    c->latch_bytes = c->rw == PIT_RW_WORD ? 2 : 1;
}

static void pit_latch_status(PITCounter *c)
{
    if (c->status_latched) {
        return;
    }
    bool out = pit_out_at(c, pit_elapsed(c, clock_get_ns()));
    c->status = (out ? PIT_STATUS_OUT : 0) |
                (c->null_count ? PIT_STATUS_NULL : 0) |
                c->rw << 4 | c->mode << 1 | (c->bcd ? PIT_CW_BCD : 0);
    c->status_latched = true;
}

static uint8_t pit_read_counter(PITCounter *c)
{
    uint8_t v;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        switch (c->rw) {
        case PIT_RW_MSB:
            v = c->latch >> 8;
            break;
        case PIT_RW_WORD:
            v = c->latch_bytes == 2 ? c->latch : c->latch >> 8;
            break;
        default:
            v = c->latch;
            break;
        }
        if (--c->latch_bytes == 0) {
            c->count_latched = false;
        }
        return v;
    }
    uint16_t live = pit_read_live(c);
    switch (c->rw) {
    case PIT_RW_MSB:
        return live >> 8;
    case PIT_RW_WORD:
        v = c->read_msb_next ? live >> 8 : live;
        c->read_msb_next = !c->read_msb_next;
        return v;
    default:
        return live;
    }
}

/* A control word that sets a mode resets the counter's logic. */
static void pit_set_mode(PITCounter *c, uint8_t cw)
{
    c->rw = PIT_CW_RW(cw);
    c->mode = PIT_CW_MODE(cw);
    if (c->mode > 5) {
        c->mode -= 4;
    }
    c->bcd = cw & PIT_CW_BCD;
    c->loaded = false;
    c->counting = false;
    c->null_count = true;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    pit_irq_update(c);
}

static void pit_write_control(PITState *s, uint8_t cw)
{
    if (PIT_CW_SC(cw) == PIT_SC_READBACK) {
        for (int i = 0; i < PIT_NR_COUNTERS; i++) {
            if (!(cw & (2u << i))) {
                continue;
            }
            /* Status first: it is what the next read returns. */
            if (!(cw & PIT_RB_NO_STATUS)) {
                pit_latch_status(&s->c[i]);
            }
            if (!(cw & PIT_RB_NO_COUNT)) {
                pit_latch_count(&s->c[i]);
            }
        }
        return;
    }
    PITCounter *c = &s->c[PIT_CW_SC(cw)];
    if (PIT_CW_RW(cw) == PIT_RW_LATCH) {
        pit_latch_count(c);
    } else {
        pit_set_mode(c, cw);
    }
}

static uint64_t pit_ioport_read(void *opaque, uint64_t offset, unsigned size)
{
    PITState *s = opaque;

    if (offset == 3) {
        /* The control word register is write-only. */
        log_mask_printf(LOG_GUEST_ERROR, "i8254: read of the control "
                        "word port\n");
        return 0xff;
    }
    return pit_read_counter(&s->c[offset]);
}

static void pit_ioport_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    PITState *s = opaque;

    if (offset == 3) {
        pit_write_control(s, value);
    } else {
        pit_write_count(&s->c[offset], value);
    }
}

static const MemOps pit_ops = {
    .read = pit_ioport_read, .write = pit_ioport_write,
    .min_size = 1, .max_size = 1,
};

/*
 * GATE: in modes 0/4 low suspends counting; in modes 2/3 low also forces
 * OUT high, and the rising edge reloads; in modes 1/5 the rising edge
 * (re)triggers the count.
 */
void pit_set_gate(PITState *s, int counter, bool level)
{
    PITCounter *c = &s->c[counter];
    int64_t now = clock_get_ns();

    if (level == c->gate) {
        return;
    }
    if (!level) {
        c->frozen = pit_ns_to_cycles(now - c->start_ns);
        c->gate = false;
        pit_irq_update(c);
        return;
    }
    c->gate = true;
    switch (c->mode) {
    case 0:
    case 4:
        c->start_ns = now - pit_cycles_to_ns(c->frozen);
        break;
    case 1:
    case 5:
        if (c->loaded) {
            c->counting = true;
            c->null_count = false;
        }
        c->start_ns = now;
        break;
    default:
        c->start_ns = now;
        break;
    }
    pit_irq_update(c);
}

bool pit_get_gate(PITState *s, int counter)
{
    return s->c[counter].gate;
}

bool pit_get_out(PITState *s, int counter)
{
    PITCounter *c = &s->c[counter];

    return pit_out_at(c, pit_elapsed(c, clock_get_ns()));
}

/*
 * The 8254 has no reset input: after power-on its state is undefined
 * until programmed. bt86 starts (and restarts) each counter unprogrammed
 * in mode 0, OUT low; counter 2's gate follows port 0x61, which the
 * board resets.
 */
static void pit_counter_reset(PITCounter *c)
{
    c->mode = 0;
    c->rw = PIT_RW_WORD;
    c->bcd = false;
    c->reload = 0x10000;
    c->loaded = false;
    c->counting = false;
    c->null_count = true;
    /* Counters 0 and 1 have GATE tied high on the PC. */
    c->gate = c->index != 2;
    c->start_ns = 0;
    c->frozen = 0;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    c->latch_bytes = 0;
}

static void pit_reset(void *opaque)
{
    PITState *s = opaque;

    for (int i = 0; i < PIT_NR_COUNTERS; i++) {
        pit_counter_reset(&s->c[i]);
        pit_irq_update(&s->c[i]);
    }
}

PITState *pit_create(IOSpace *io, uint32_t iobase, IRQLine *irq0)
{
    PITState *s = g_new0(PITState, 1);

    for (int i = 0; i < PIT_NR_COUNTERS; i++) {
        PITCounter *c = &s->c[i];
        c->pit = s;
        c->index = i;
        pit_counter_reset(c);
        c->timer = timer_new(pit_timer_cb, c);
    }
    s->c[0].irq = irq0;
    reset_register(pit_reset, s);
    io_map(io, "i8254", iobase, 4, &pit_ops, s);
    return s;
}
