/*
 * Local APIC (Intel SDM Vol. 3A chapter 10 "Advanced Programmable
 * Interrupt Controller"): the xAPIC register page, x2APIC MSRs, the timer,
 * LINT0/LINT1, and the CPU's interrupt acknowledge.
 *
 * Registers are numbered by their xAPIC offset >> 4; the x2APIC MSR of
 * register r is 0x800 + r (SDM 10.12.1.2), so both interfaces share one
 * read and one write function, which apply the x2APIC rules (#GP) when
 * called from an MSR.
 *
 * One CPU: its APIC ID is 0, and IPIs to anyone else go nowhere.
 *
 * Reset leaves LVT LINT0 as ExtINT, unmasked: the virtual-wire mode a PC
 * BIOS sets up (QEMU does the same at reset), so that the 8259 reaches the
 * CPU of a guest that never touches the APIC. Otherwise reset is the SDM's
 * power-up state (10.4.7.1).
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "hw/intc/apic.h"
#include "softmmu/clock.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

/* IA32_APIC_BASE (SDM 10.4.4) */
#define APIC_BASE_BSP     (1ull << 8)
#define APIC_BASE_EXTD    (1ull << 10)  /* x2APIC mode */
#define APIC_BASE_EN      (1ull << 11)  /* global enable */
#define APIC_BASE_ADDR    0x000000FFFFFFF000ull  /* MAXPHYADDR 40 */
#define APIC_BASE_WRITABLE (APIC_BASE_EXTD | APIC_BASE_EN | APIC_BASE_ADDR)

#define MSR_IA32_APICBASE     0x1B
#define MSR_IA32_TSC_DEADLINE 0x6E0
#define MSR_X2APIC_FIRST      0x800
#define MSR_X2APIC_LAST       0x8FF

/* Registers: xAPIC offset >> 4 (SDM table 10-1), x2APIC MSR - 0x800 */
#define APIC_REG_ID         0x02
#define APIC_REG_VERSION    0x03
#define APIC_REG_TPR        0x08
#define APIC_REG_APR        0x09
#define APIC_REG_PPR        0x0A
#define APIC_REG_EOI        0x0B
#define APIC_REG_RRD        0x0C
#define APIC_REG_LDR        0x0D
#define APIC_REG_DFR        0x0E
#define APIC_REG_SVR        0x0F
#define APIC_REG_ISR        0x10    /* 8 registers each */
#define APIC_REG_TMR        0x18
#define APIC_REG_IRR        0x20
#define APIC_REG_ESR        0x28
#define APIC_REG_LVT_CMCI   0x2F
#define APIC_REG_ICR_LO     0x30
#define APIC_REG_ICR_HI     0x31
#define APIC_REG_LVT_FIRST  0x32    /* timer, thermal, perfmon, LINT0, LINT1,
                                       error */
#define APIC_REG_TIMER_ICR  0x38
#define APIC_REG_TIMER_CCR  0x39
#define APIC_REG_TIMER_DCR  0x3E
#define APIC_REG_SELF_IPI   0x3F    /* x2APIC only */

enum { LVT_TIMER, LVT_THERMAL, LVT_PERFMON, LVT_LINT0, LVT_LINT1, LVT_ERROR,
       LVT_NB };

/* Version register: version 0x14 (integrated xAPIC), max LVT entry 5,
 * no EOI-broadcast suppression (bit 24 clear). */
#define APIC_VERSION ((uint32_t)(LVT_NB - 1) << 16 | 0x14)

/* LVT bits (SDM figure 10-8) */
#define LVT_VECTOR       0xFFu
#define LVT_DM_SHIFT     8
#define LVT_DM(v)        (((v) >> LVT_DM_SHIFT) & 7)
#define LVT_POLARITY_LOW (1u << 13)
#define LVT_REMOTE_IRR   (1u << 14)
#define LVT_LEVEL        (1u << 15)
#define LVT_MASKED       (1u << 16)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3)
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_TSC_DEADLINE, TIMER_RESERVED };

/* Writable bits of each LVT entry; the timer and error entries have no
 * delivery mode (always fixed). */
static const uint32_t lvt_writable[LVT_NB] = {
    [LVT_TIMER] = 0x700FF,          /* vector, mask, mode (2 bits) */
    [LVT_THERMAL] = 0x107FF,        /* vector, delivery mode, mask */
    [LVT_PERFMON] = 0x107FF,
    [LVT_LINT0] = 0x1A7FF,          /* + polarity, trigger mode */
    [LVT_LINT1] = 0x1A7FF,
    [LVT_ERROR] = 0x100FF,
};

static const char *const lvt_names[LVT_NB] = {
    "timer", "thermal", "perfmon", "LINT0", "LINT1", "error",
};

/* SVR: vector, APIC software enable, focus processor checking */
#define SVR_ENABLE   (1u << 8)
#define SVR_WRITABLE 0x3FFu

/* ESR bits (SDM 10.5.3) */
#define ESR_SEND_ILLEGAL_VECTOR 0x20u
#define ESR_RECV_ILLEGAL_VECTOR 0x40u
#define ESR_ILLEGAL_REGISTER    0x80u

/* ICR low (SDM figure 10-12) */
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_DELIV_STATUS (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)
#define ICR_LO_WRITABLE  0x000CCFFFu
enum { SH_NONE, SH_SELF, SH_ALL_INCL_SELF, SH_ALL_EXCL_SELF };

#define DFR_MODEL_FLAT    0xFu
#define TIMER_DCR_WRITABLE 0xBu

/* A periodic timer fires at most once a microsecond (as KVM's minimum
 * period): shorter periods coalesce, as they would on a slow CPU. */
#define TIMER_MIN_PERIOD_NS 1000
#define TIMER_NEVER_NS (INT64_MAX / 2)

struct APICState {
    AddressSpace *as;
    uint64_t base_msr;          /* IA32_APIC_BASE */
    uint64_t mapped_base;       /* the xAPIC window's address, if mapped */
    bool mapped;

    uint32_t id;                /* APIC ID (8 bits in xAPIC mode) */
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t esr, esr_pending;  /* ESR as read; errors since its last write */
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t lvt[LVT_NB];
    uint32_t icr_lo, icr_hi;

    /* Timer: counts are computed from the virtual clock. */
    uint32_t timer_dcr, timer_initial;
    int64_t timer_start;        /* when the initial count was loaded */
    bool oneshot_pending;       /* one-shot not yet expired */
    int64_t tsc_deadline;       /* virtual ns; 0 = disarmed */
    Timer *timer;

    bool lint_level[2];         /* LINT0/LINT1 pin levels */
    bool extint_msg;            /* an ExtINT message awaits its INTA */
    bool intr_out;              /* level of the CPU's INTR */

    IRQLine lint_in[2];
    IRQLine *intr, *nmi;
    APICEOIHandler eoi;
    void *eoi_opaque;
};

static bool apic_hw_enabled(const APICState *s)
{
    return s->base_msr & APIC_BASE_EN;
}

static bool apic_x2(const APICState *s)
{
    return s->base_msr & APIC_BASE_EXTD;
}

static bool apic_sw_enabled(const APICState *s)
{
    return s->svr & SVR_ENABLE;
}

/* ---- 256-bit vector sets (ISR, TMR, IRR) ---- */

static void vec_set(uint32_t *set, int v)
{
    set[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *set, int v)
{
    set[v >> 5] &= ~(1u << (v & 31));
}

static bool vec_test(const uint32_t *set, int v)
{
    return set[v >> 5] & (1u << (v & 31));
}

/* The highest vector in the set, or -1. */
static int vec_highest(const uint32_t *set)
{
    for (int i = 7; i >= 0; i--) {
        if (set[i]) {
            return i * 32 + 31 - __builtin_clz(set[i]);
        }
    }
    return -1;
}

/* ---- Priorities (SDM 10.8.3.1) ---- */

static uint8_t apic_ppr(const APICState *s)
{
    int isrv = vec_highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xF0);

    return (s->tpr & 0xF0) >= isr_class ? s->tpr : isr_class;
}

/* Arbitration priority (SDM 10.8.3.1, xAPIC only): only ever read back. */
static uint8_t apic_apr(const APICState *s)
{
    int isrv = vec_highest(s->isr), irrv = vec_highest(s->irr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xF0);
    uint8_t irr_class = irrv < 0 ? 0 : (uint8_t)(irrv & 0xF0);
    uint8_t tpr_class = s->tpr & 0xF0;

    if (tpr_class >= irr_class && tpr_class > isr_class) {
        return s->tpr;
    }
    return MAX(tpr_class, MAX(isr_class, irr_class));
}

/* The IRR vector the CPU may take now (its class above the PPR's), or -1. */
static int apic_deliverable(const APICState *s)
{
    int irrv = vec_highest(s->irr);

    if (!apic_sw_enabled(s) || irrv < 0 ||
        (irrv & 0xF0) <= (apic_ppr(s) & 0xF0)) {
        return -1;
    }
    return irrv;
}

/* LINT pin n as its LVT sees it: active low inverts the pin. */
static bool apic_lint_asserted(const APICState *s, int n)
{
    return s->lint_level[n] ^ !!(s->lvt[LVT_LINT0 + n] & LVT_POLARITY_LOW);
}

/* Whether the 8259 should get an interrupt acknowledge. */
static bool apic_extint_pending(const APICState *s)
{
    uint32_t lvt0 = s->lvt[LVT_LINT0];

    if (!apic_hw_enabled(s)) {
        return s->lint_level[0];    /* no APIC: LINT0 is INTR itself */
    }
    if (!(lvt0 & LVT_MASKED) && LVT_DM(lvt0) == APIC_DM_EXTINT &&
        apic_lint_asserted(s, 0)) {
        return true;
    }
    return s->extint_msg;
}

static void apic_update_irq(APICState *s)
{
    bool level = apic_extint_pending(s) ||
                 (apic_hw_enabled(s) && apic_deliverable(s) >= 0);

    if (level != s->intr_out) {
        s->intr_out = level;
        irq_set(s->intr, level);
    }
}

static void apic_raise_nmi(APICState *s)
{
    irq_set(s->nmi, 1);
    irq_set(s->nmi, 0);
}

/* ---- Acceptance ---- */

static void apic_error(APICState *s, uint32_t esr_bits);

/* A fixed interrupt into IRR; vectors 0-15 are illegal (SDM 10.5.2). */
static bool apic_accept_irq(APICState *s, int vector, bool level)
{
    if (vector < 16) {
        apic_error(s, ESR_RECV_ILLEGAL_VECTOR);
        return false;
    }
    vec_set(s->irr, vector);
    if (level) {
        vec_set(s->tmr, vector);
    } else {
        vec_clear(s->tmr, vector);
    }
    apic_update_irq(s);
    return true;
}

/*
 * An error sets ESR bits (seen at the next ESR write) and signals the LVT
 * error entry. An illegal vector in that entry only adds its own error bit:
 * the error interrupt is not retried.
 */
static void apic_error(APICState *s, uint32_t esr_bits)
{
    uint32_t lvt = s->lvt[LVT_ERROR];

    s->esr_pending |= esr_bits;
    if (lvt & LVT_MASKED) {
        return;
    }
    if ((lvt & LVT_VECTOR) < 16) {
        s->esr_pending |= ESR_RECV_ILLEGAL_VECTOR;
        return;
    }
    apic_accept_irq(s, lvt & LVT_VECTOR, false);
}

/* An interrupt from a local source, through its LVT entry. */
static void apic_local_deliver(APICState *s, int n)
{
    uint32_t lvt = s->lvt[n];
    int dm = (n == LVT_TIMER || n == LVT_ERROR) ? APIC_DM_FIXED : LVT_DM(lvt);

    if (!apic_hw_enabled(s) || (lvt & LVT_MASKED)) {
        return;
    }
    switch (dm) {
    case APIC_DM_FIXED:
        if ((n == LVT_LINT0 || n == LVT_LINT1) && (lvt & LVT_LEVEL)) {
            /* Level LINT: one interrupt until its EOI (remote IRR). */
            if (apic_accept_irq(s, lvt & LVT_VECTOR, true)) {
                s->lvt[n] |= LVT_REMOTE_IRR;
            }
        } else {
            apic_accept_irq(s, lvt & LVT_VECTOR, false);
        }
        break;
    case APIC_DM_NMI:
        apic_raise_nmi(s);
        break;
    case APIC_DM_EXTINT:
        apic_update_irq(s);     /* level-sensitive: see apic_extint_pending */
        break;
    default:
        log_mask_printf(LOG_UNIMP, "apic: LVT %s delivery mode %d\n",
                        lvt_names[n], dm);
        break;
    }
}

static void apic_lint_set(void *opaque, int n, int level)
{
    APICState *s = opaque;
    bool was = apic_lint_asserted(s, n);

    s->lint_level[n] = level != 0;
    if (!apic_hw_enabled(s)) {
        /* no APIC: LINT0 is INTR and LINT1 is NMI (SDM 10.4.3) */
        if (n == 1 && level && !was) {
            apic_raise_nmi(s);
        }
        apic_update_irq(s);
        return;
    }
    bool now = apic_lint_asserted(s, n);
    uint32_t lvt = s->lvt[LVT_LINT0 + n];
    if (LVT_DM(lvt) == APIC_DM_EXTINT) {
        apic_update_irq(s);
    } else if (now && !was && !(lvt & LVT_REMOTE_IRR)) {
        apic_local_deliver(s, LVT_LINT0 + n);
    }
}

/* Does destination dest (physical ID or logical MDA) include this APIC?
 * broadcast is the all-ones destination of the message's format. */
static bool apic_match_dest(const APICState *s, uint32_t dest, bool logical,
                            uint32_t broadcast)
{
    if (dest == broadcast) {
        return true;
    }
    if (!logical) {
        return dest == s->id;
    }
    if (apic_x2(s)) {
        /* cluster in bits 31:16, one bit per APIC in 15:0 (SDM 10.12.10) */
        return (dest >> 16) == (s->ldr >> 16) && (dest & s->ldr & 0xFFFF);
    }
    uint8_t ldr = s->ldr >> 24, mda = dest;
    if ((s->dfr >> 28) == DFR_MODEL_FLAT) {
        return mda & ldr;
    }
    return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xF);
}

bool apic_deliver(APICState *s, const APICMessage *msg)
{
    if (!apic_hw_enabled(s) ||
        !apic_match_dest(s, msg->dest, msg->logical, 0xFF)) {
        return false;
    }
    switch (msg->delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:    /* one CPU: it is the lowest */
        /* A software-disabled APIC takes no fixed interrupts
         * (SDM 10.4.7.2: it answers only NMI, SMI, INIT, SIPI). */
        if (!apic_sw_enabled(s)) {
            return false;
        }
        return apic_accept_irq(s, msg->vector, msg->level);
    case APIC_DM_NMI:
        apic_raise_nmi(s);
        return true;
    case APIC_DM_EXTINT:
        s->extint_msg = true;
        apic_update_irq(s);
        return true;
    default:
        log_mask_printf(LOG_UNIMP, "apic: delivery mode %d from the bus\n",
                        msg->delivery_mode);
        return false;
    }
}

int apic_get_interrupt(APICState *s)
{
    if (!apic_hw_enabled(s)) {
        return s->lint_level[0] ? APIC_EXTINT : -1;
    }
    int v = apic_deliverable(s);
    if (v >= 0) {
        vec_clear(s->irr, v);
        vec_set(s->isr, v);
        apic_update_irq(s);
        return v;
    }
    if (apic_extint_pending(s)) {
        s->extint_msg = false;
        apic_update_irq(s);
        return APIC_EXTINT;
    }
    /* INTR was raised, but TPR went up before the acknowledge
     * (SDM 10.9 "Spurious Interrupt"): no ISR bit, no EOI. */
    bool was_raised = s->intr_out;
    apic_update_irq(s);
    if (was_raised && apic_sw_enabled(s)) {
        log_mask_printf(LOG_INT, "apic: spurious interrupt (TPR 0x%02x)\n",
                        s->tpr);
        return s->svr & 0xFF;
    }
    return -1;
}

static void apic_eoi(APICState *s)
{
    int v = vec_highest(s->isr);

    if (v < 0) {
        return;
    }
    vec_clear(s->isr, v);
    for (int n = LVT_LINT0; n <= LVT_LINT1; n++) {
        if ((s->lvt[n] & LVT_REMOTE_IRR) &&
            (int)(s->lvt[n] & LVT_VECTOR) == v) {
            s->lvt[n] &= ~LVT_REMOTE_IRR;
            if (apic_lint_asserted(s, n - LVT_LINT0)) {
                apic_local_deliver(s, n);
            }
        }
    }
    apic_update_irq(s);
    if (vec_test(s->tmr, v) && s->eoi) {
        /* level-triggered: the IOAPIC clears its remote IRR */
        s->eoi(s->eoi_opaque, v);
    }
}

/* ---- Timer (SDM 10.5.4) ---- */

static unsigned apic_timer_divisor(const APICState *s)
{
    unsigned v = (s->timer_dcr & 3) | ((s->timer_dcr >> 1) & 4);

    return v == 7 ? 1 : 2u << v;
}

static int apic_timer_mode(const APICState *s)
{
    return LVT_TIMER_MODE(s->lvt[LVT_TIMER]);
}

/* The counter decrements once per divisor ns: a 1 GHz bus clock, as
 * QEMU's. A periodic count reloads at 0 (and reads initial there). */
static uint32_t apic_timer_current(const APICState *s, int64_t now)
{
    int mode = apic_timer_mode(s);

    if (s->timer_initial == 0 ||
        (mode != TIMER_ONESHOT && mode != TIMER_PERIODIC)) {
        return 0;
    }
    uint64_t ticks = (uint64_t)(now - s->timer_start) / apic_timer_divisor(s);
    if (mode == TIMER_PERIODIC) {
        return s->timer_initial - (uint32_t)(ticks % s->timer_initial);
    }
    if (!s->oneshot_pending || ticks >= s->timer_initial) {
        return 0;
    }
    return s->timer_initial - (uint32_t)ticks;
}

static void apic_timer_expired(void *opaque);

/* A one-shot deadline already reached fires now, not from the main loop
 * later: a TSC deadline in the past interrupts at once (SDM 10.5.4.1). */
static void apic_timer_arm_once(APICState *s, int64_t deadline, int64_t now)
{
    if (deadline <= now) {
        timer_del(s->timer);
        apic_timer_expired(s);
    } else {
        timer_mod(s->timer, deadline);
    }
}

static void apic_timer_rearm(APICState *s)
{
    int64_t now = clock_get_ns();
    int64_t period = (int64_t)s->timer_initial * apic_timer_divisor(s);

    switch (apic_timer_mode(s)) {
    case TIMER_ONESHOT:
        if (s->timer_initial && s->oneshot_pending) {
            apic_timer_arm_once(s, s->timer_start + period, now);
            return;
        }
        break;
    case TIMER_PERIODIC:
        if (s->timer_initial) {
            int64_t k = (now - s->timer_start) / period;
            int64_t next = s->timer_start + (k + 1) * period;
            timer_mod(s->timer, MAX(next, now + TIMER_MIN_PERIOD_NS));
            return;
        }
        break;
    case TIMER_TSC_DEADLINE:
        /* Deadlines centuries away are never armed (the clock's
         * arithmetic stays far from overflow). */
        if (s->tsc_deadline && s->tsc_deadline < TIMER_NEVER_NS) {
            apic_timer_arm_once(s, s->tsc_deadline, now);
            return;
        }
        break;
    default:
        break;
    }
    timer_del(s->timer);
}

static void apic_timer_expired(void *opaque)
{
    APICState *s = opaque;

    switch (apic_timer_mode(s)) {
    case TIMER_ONESHOT:
        s->oneshot_pending = false;
        break;
    case TIMER_TSC_DEADLINE:
        s->tsc_deadline = 0;    /* the MSR reads 0 once it fired */
        break;
    default:
        break;
    }
    apic_local_deliver(s, LVT_TIMER);
    apic_timer_rearm(s);
}

static void apic_timer_load(APICState *s, uint32_t count)
{
    s->timer_initial = count;
    s->timer_start = clock_get_ns();
    s->oneshot_pending = count != 0;
    apic_timer_rearm(s);
}

/* ---- Reset and the base MSR ---- */

static void apic_reset_regs(APICState *s)
{
    s->id = 0;
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xFFFFFFFF;
    s->svr = 0xFF;
    s->esr = s->esr_pending = 0;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    for (int i = 0; i < LVT_NB; i++) {
        s->lvt[i] = LVT_MASKED;
    }
    s->lvt[LVT_LINT0] = APIC_DM_EXTINT << LVT_DM_SHIFT;  /* virtual wire */
    s->icr_lo = s->icr_hi = 0;
    s->timer_dcr = 0;
    s->timer_initial = 0;
    s->oneshot_pending = false;
    s->tsc_deadline = 0;
    s->extint_msg = false;
    timer_del(s->timer);
}

/* Whether [base, base + APIC_MMIO_SIZE) is free in the address space. */
static bool apic_window_free(const AddressSpace *as, uint64_t base)
{
    for (int i = 0; i < as->nr_regions; i++) {
        const MemRegion *r = &as->regions[i];
        bool overlap = r->base >= base ? r->base - base < APIC_MMIO_SIZE
                                       : base - r->base < r->size;
        if (overlap) {
            return false;
        }
    }
    return true;
}

static const MemOps apic_mmio_ops;

/* The xAPIC window exists while the APIC is enabled and not in x2APIC
 * mode (SDM 10.12.1.2: x2APIC mode has no MMIO interface). */
static void apic_update_window(APICState *s)
{
    bool want = apic_hw_enabled(s) && !apic_x2(s);
    uint64_t base = s->base_msr & APIC_BASE_ADDR;

    if (s->mapped && (!want || base != s->mapped_base)) {
        mem_unmap(s->as, s->mapped_base);
        s->mapped = false;
    }
    if (want && !s->mapped) {
        if (!apic_window_free(s->as, base)) {
            /* Real hardware would shadow RAM; our regions cannot overlap. */
            log_mask_printf(LOG_GUEST_ERROR, "apic: base 0x%" PRIx64
                            " overlaps another region: xAPIC window not "
                            "mapped\n", base);
            return;
        }
        mem_map_mmio(s->as, "apic", base, APIC_MMIO_SIZE, &apic_mmio_ops, s);
        s->mapped = true;
        s->mapped_base = base;
    }
}

/* IA32_APIC_BASE writes (SDM 10.12.5, figure 10-27 state transitions). */
static bool apic_set_base(APICState *s, uint64_t val)
{
    bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;
    bool was_en = apic_hw_enabled(s), was_x2 = apic_x2(s);

    if ((val & ~(APIC_BASE_WRITABLE | APIC_BASE_BSP)) ||
        (extd && !en) ||                        /* invalid state */
        (was_x2 && en && !extd) ||              /* x2APIC -> xAPIC */
        (!was_en && extd)) {                    /* disabled -> x2APIC */
        return false;
    }
    s->base_msr = (val & APIC_BASE_WRITABLE) | APIC_BASE_BSP;
    if (was_en && !en) {
        /* Disabling resets the APIC; re-enabling finds power-up state. */
        apic_reset_regs(s);
    }
    if (extd && !was_x2) {
        /* x2APIC: the logical ID follows from the APIC ID (SDM 10.12.10.2) */
        s->ldr = (s->id >> 4) << 16 | 1u << (s->id & 0xF);
    }
    apic_update_window(s);
    apic_update_irq(s);
    return true;
}

/* ---- Registers ---- */

static void apic_send_ipi(APICState *s, uint32_t lo, uint32_t dest)
{
    int dm = LVT_DM(lo), vector = lo & 0xFF;
    bool self;

    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    switch (ICR_SHORTHAND(lo)) {
    case SH_NONE:
        self = apic_match_dest(s, dest, lo & ICR_DEST_LOGICAL,
                               apic_x2(s) ? 0xFFFFFFFF : 0xFF);
        break;
    case SH_SELF:
    case SH_ALL_INCL_SELF:
        self = true;
        break;
    default:
        self = false;
        break;
    }
    if (!self) {
        log_mask_printf(LOG_GUEST_ERROR, "apic: IPI 0x%08x to 0x%x: there "
                        "is no other CPU\n", lo, dest);
        return;
    }
    switch (dm) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        /* received like any message: not while software-disabled */
        if (apic_sw_enabled(s)) {
            apic_accept_irq(s, vector, false);
        }
        break;
    case APIC_DM_NMI:
        apic_raise_nmi(s);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "apic: IPI delivery mode %d to self\n",
                        dm);
        break;
    }
}

static uint32_t apic_lvt_write_value(APICState *s, int n, uint32_t val)
{
    uint32_t v = (val & lvt_writable[n]) | (s->lvt[n] & LVT_REMOTE_IRR);

    /* Software-disabled: the mask bits stay set (SDM 10.4.7.2). */
    if (!apic_sw_enabled(s)) {
        v |= LVT_MASKED;
    }
    if (n == LVT_TIMER && LVT_TIMER_MODE(v) == TIMER_RESERVED) {
        log_mask_printf(LOG_GUEST_ERROR, "apic: reserved timer mode\n");
    }
    return v;
}

static void apic_write_lvt(APICState *s, int n, uint32_t val)
{
    int old_mode = apic_timer_mode(s);

    s->lvt[n] = apic_lvt_write_value(s, n, val);
    if (n == LVT_TIMER) {
        bool was_deadline = old_mode == TIMER_TSC_DEADLINE;
        if (was_deadline != (apic_timer_mode(s) == TIMER_TSC_DEADLINE)) {
            /* Switching to or from TSC-deadline disarms (SDM 10.5.4.1). */
            s->timer_initial = 0;
            s->oneshot_pending = false;
            s->tsc_deadline = 0;
        }
        apic_timer_rearm(s);
    } else if (n == LVT_LINT0 || n == LVT_LINT1) {
        apic_update_irq(s);
    }
}

/*
 * Reads register reg; false when it does not exist in the current mode
 * (the caller raises #GP for x2APIC, sets ESR for xAPIC).
 */
static bool apic_reg_read(APICState *s, int reg, bool x2, uint64_t *val)
{
    switch (reg) {
    case APIC_REG_ID:
        *val = x2 ? s->id : s->id << 24;
        break;
    case APIC_REG_VERSION:
        *val = APIC_VERSION;
        break;
    case APIC_REG_TPR:
        *val = s->tpr;
        break;
    case APIC_REG_APR:
        if (x2) {
            return false;
        }
        *val = apic_apr(s);
        break;
    case APIC_REG_PPR:
        *val = apic_ppr(s);
        break;
    case APIC_REG_EOI:
        if (x2) {
            return false;       /* write-only */
        }
        *val = 0;
        break;
    case APIC_REG_RRD:
        if (x2) {
            return false;
        }
        *val = 0;               /* remote read: never valid, one CPU */
        break;
    case APIC_REG_LDR:
        *val = s->ldr;
        break;
    case APIC_REG_DFR:
        if (x2) {
            return false;
        }
        *val = s->dfr;
        break;
    case APIC_REG_SVR:
        *val = s->svr;
        break;
    case APIC_REG_ISR ... APIC_REG_ISR + 7:
        *val = s->isr[reg - APIC_REG_ISR];
        break;
    case APIC_REG_TMR ... APIC_REG_TMR + 7:
        *val = s->tmr[reg - APIC_REG_TMR];
        break;
    case APIC_REG_IRR ... APIC_REG_IRR + 7:
        *val = s->irr[reg - APIC_REG_IRR];
        break;
    case APIC_REG_ESR:
        *val = s->esr;
        break;
    case APIC_REG_ICR_LO:
        *val = x2 ? (uint64_t)s->icr_hi << 32 | s->icr_lo : s->icr_lo;
        break;
    case APIC_REG_ICR_HI:
        if (x2) {
            return false;
        }
        *val = s->icr_hi;
        break;
    case APIC_REG_LVT_FIRST ... APIC_REG_LVT_FIRST + LVT_NB - 1:
        *val = s->lvt[reg - APIC_REG_LVT_FIRST];
        break;
    case APIC_REG_TIMER_ICR:
        *val = s->timer_initial;
        break;
    case APIC_REG_TIMER_CCR:
        *val = apic_timer_current(s, clock_get_ns());
        break;
    case APIC_REG_TIMER_DCR:
        *val = s->timer_dcr;
        break;
    default:
        /* reserved, CMCI (max LVT 5 has none), SELF IPI (write-only) */
        return false;
    }
    return true;
}

static bool apic_reg_write(APICState *s, int reg, uint64_t val, bool x2)
{
    /* Only the ICR is 64 bits wide (SDM 10.12.1.2). */
    if (x2 && reg != APIC_REG_ICR_LO && (val >> 32)) {
        return false;
    }
    switch (reg) {
    case APIC_REG_ID:
        if (x2) {
            return false;       /* read-only in x2APIC mode */
        }
        s->id = (uint32_t)val >> 24;
        break;
    case APIC_REG_TPR:
        if (x2 && (val & ~0xFFull)) {
            return false;
        }
        s->tpr = val & 0xFF;
        apic_update_irq(s);
        break;
    case APIC_REG_EOI:
        /* x2APIC: a non-zero EOI write is #GP (SDM 10.12.1.2) */
        if (x2 && val) {
            return false;
        }
        apic_eoi(s);
        break;
    case APIC_REG_LDR:
        if (x2) {
            return false;
        }
        s->ldr = val & 0xFF000000u;
        break;
    case APIC_REG_DFR:
        if (x2) {
            return false;
        }
        s->dfr = (uint32_t)val | 0x0FFFFFFFu;
        break;
    case APIC_REG_SVR: {
        bool was = apic_sw_enabled(s);
        s->svr = val & SVR_WRITABLE;
        if (was && !apic_sw_enabled(s)) {
            for (int i = 0; i < LVT_NB; i++) {
                s->lvt[i] |= LVT_MASKED;
            }
        }
        apic_update_irq(s);
        break;
    }
    case APIC_REG_ESR:
        if (x2 && val) {
            return false;
        }
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case APIC_REG_ICR_LO:
        s->icr_lo = val & ICR_LO_WRITABLE;
        if (x2) {
            s->icr_hi = val >> 32;
            apic_send_ipi(s, s->icr_lo, s->icr_hi);
        } else {
            apic_send_ipi(s, s->icr_lo, s->icr_hi >> 24);
        }
        break;
    case APIC_REG_ICR_HI:
        if (x2) {
            return false;
        }
        s->icr_hi = val & 0xFF000000u;
        break;
    case APIC_REG_LVT_FIRST ... APIC_REG_LVT_FIRST + LVT_NB - 1:
        apic_write_lvt(s, reg - APIC_REG_LVT_FIRST, val);
        break;
    case APIC_REG_TIMER_ICR:
        if (apic_timer_mode(s) != TIMER_TSC_DEADLINE) {
            apic_timer_load(s, val);
        }
        break;
    case APIC_REG_TIMER_DCR:
        /* The count goes on from the same start at the new rate. */
        s->timer_dcr = val & TIMER_DCR_WRITABLE;
        apic_timer_rearm(s);
        break;
    case APIC_REG_SELF_IPI:
        if (!x2 || (val & ~0xFFull)) {
            return false;
        }
        apic_send_ipi(s, (val & 0xFF) | SH_SELF << 18, 0);
        break;
    case APIC_REG_VERSION:
    case APIC_REG_APR:
    case APIC_REG_PPR:
    case APIC_REG_RRD:
    case APIC_REG_ISR ... APIC_REG_ISR + 7:
    case APIC_REG_TMR ... APIC_REG_TMR + 7:
    case APIC_REG_IRR ... APIC_REG_IRR + 7:
    case APIC_REG_TIMER_CCR:
        if (x2) {
            return false;
        }
        log_mask_printf(LOG_GUEST_ERROR, "apic: write 0x%" PRIx64 " to "
                        "read-only register 0x%03x ignored\n", val, reg << 4);
        break;
    default:
        return false;
    }
    return true;
}

/* ---- xAPIC MMIO ---- */

static uint64_t apic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    APICState *s = opaque;
    uint64_t val = 0;

    /* Registers are 16-byte aligned; the rest of each slot reads 0. */
    if (offset & 0xF) {
        log_mask_printf(LOG_GUEST_ERROR, "apic: read at unaligned offset "
                        "0x%03" PRIx64 "\n", offset);
        return 0;
    }
    if (!apic_reg_read(s, offset >> 4, false, &val)) {
        log_mask_printf(LOG_GUEST_ERROR, "apic: read of reserved register "
                        "0x%03" PRIx64 "\n", offset);
        apic_error(s, ESR_ILLEGAL_REGISTER);
        return 0;
    }
    return val;
}

static void apic_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    APICState *s = opaque;

    if (offset & 0xF) {
        log_mask_printf(LOG_GUEST_ERROR, "apic: write at unaligned offset "
                        "0x%03" PRIx64 " ignored\n", offset);
        return;
    }
    if (!apic_reg_write(s, offset >> 4, (uint32_t)value, false)) {
        log_mask_printf(LOG_GUEST_ERROR, "apic: write 0x%08" PRIx64 " to "
                        "reserved register 0x%03" PRIx64 "\n", value, offset);
        apic_error(s, ESR_ILLEGAL_REGISTER);
    }
}

static const MemOps apic_mmio_ops = {
    .read = apic_mmio_read, .write = apic_mmio_write,
    .min_size = 4, .max_size = 4,
};

/* ---- The CPU side ---- */

bool apic_msr_read(void *opaque, uint32_t index, uint64_t *val)
{
    APICState *s = opaque;

    if (index == MSR_IA32_APICBASE) {
        *val = s->base_msr;
        return true;
    }
    if (index == MSR_IA32_TSC_DEADLINE) {
        *val = apic_timer_mode(s) == TIMER_TSC_DEADLINE ? s->tsc_deadline : 0;
        return true;
    }
    if (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST || !apic_x2(s) ||
        !apic_hw_enabled(s)) {
        return false;
    }
    return apic_reg_read(s, index - MSR_X2APIC_FIRST, true, val);
}

bool apic_msr_write(void *opaque, uint32_t index, uint64_t val)
{
    APICState *s = opaque;

    if (index == MSR_IA32_APICBASE) {
        return apic_set_base(s, val);
    }
    if (index == MSR_IA32_TSC_DEADLINE) {
        /* Ignored outside TSC-deadline mode (SDM 10.5.4.1). */
        if (apic_timer_mode(s) == TIMER_TSC_DEADLINE) {
            s->tsc_deadline = (int64_t)val;
            apic_timer_rearm(s);
        }
        return true;
    }
    if (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST || !apic_x2(s) ||
        !apic_hw_enabled(s)) {
        return false;
    }
    return apic_reg_write(s, index - MSR_X2APIC_FIRST, val, true);
}

uint8_t apic_get_cr8(void *opaque)
{
    APICState *s = opaque;

    return s->tpr >> 4;
}

void apic_set_cr8(void *opaque, uint8_t val)
{
    APICState *s = opaque;

    s->tpr = (val & 0xF) << 4;
    apic_update_irq(s);
}

/* ---- Creation ---- */

/* RESET (SDM 10.4.7.1): enabled in xAPIC mode at the default base, as the
 * BSP, registers at power-up values (LINT0 virtual wire, see above). The
 * LINT pins are wires and keep their levels. */
static void apic_reset(void *opaque)
{
    APICState *s = opaque;

    s->base_msr = APIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_BSP;
    apic_reset_regs(s);
    apic_update_window(s);
    apic_update_irq(s);
}

APICState *apic_create(AddressSpace *as, IRQLine *intr, IRQLine *nmi,
                       APICEOIHandler eoi, void *eoi_opaque)
{
    APICState *s = g_new0(APICState, 1);

    s->as = as;
    s->intr = intr;
    s->nmi = nmi;
    s->eoi = eoi;
    s->eoi_opaque = eoi_opaque;
    s->timer = timer_new(apic_timer_expired, s);
    for (int i = 0; i < 2; i++) {
        irq_init(&s->lint_in[i], apic_lint_set, s, i);
    }
    apic_reset(s);
    reset_register(apic_reset, s);
    return s;
}

IRQLine *apic_lint_line(APICState *s, int n)
{
    return &s->lint_in[n];
}

IRQLine *apic_lint_lines(APICState *s)
{
    return s->lint_in;
}
