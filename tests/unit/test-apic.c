/*
 * The local APIC's CPU side, which the qtest protocol cannot reach: the
 * interrupt acknowledge (apic_get_interrupt), EOI and its broadcast to the
 * IOAPIC, the MSR interface (IA32_APIC_BASE transitions, x2APIC rules,
 * TSC-deadline) and CR8. The APIC and IOAPIC are wired here as pc.c does.
 */
#include <glib.h>

#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "softmmu/clock.h"

#define APIC_BASE_EN   (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_BSP  (1ull << 8)
#define MSR_APIC_BASE  0x1B
#define MSR_TSC_DEADLINE 0x6E0
#define X2(reg)        (0x800 + ((reg) >> 4))

#define APIC_TPR 0x080
#define APIC_PPR 0x0A0
#define APIC_EOI 0x0B0
#define APIC_LDR 0x0D0
#define APIC_DFR 0x0E0
#define APIC_SVR 0x0F0
#define APIC_ISR 0x100
#define APIC_IRR 0x200
#define APIC_ICR 0x300
#define APIC_LVT_TIMER 0x320
#define APIC_SELF_IPI 0x3F0

typedef struct Fixture {
    AddressSpace as;
    IRQLine intr, nmi;
    int intr_level, nmis;
    APICState *apic;
    IOAPICState *ioapic;
} Fixture;

static void on_intr(void *opaque, int n, int level)
{
    Fixture *f = opaque;

    if (n == 0) {
        f->intr_level = level;
    } else if (level) {
        f->nmis++;
    }
}

static bool on_deliver(void *opaque, const APICMessage *msg)
{
    Fixture *f = opaque;

    return apic_deliver(f->apic, msg);
}

static void on_eoi(void *opaque, int vector)
{
    Fixture *f = opaque;

    ioapic_eoi(f->ioapic, vector);
}

static Fixture *fixture_new(void)
{
    Fixture *f = g_new0(Fixture, 1);

    irq_init(&f->intr, on_intr, f, 0);
    irq_init(&f->nmi, on_intr, f, 1);
    f->apic = apic_create(&f->as, &f->intr, &f->nmi, on_eoi, f);
    f->ioapic = ioapic_create(&f->as, IOAPIC_DEFAULT_BASE, on_deliver, f);
    return f;
}

static uint32_t rd(Fixture *f, uint32_t reg)
{
    return (uint32_t)mem_read(&f->as, APIC_DEFAULT_BASE + reg, 4);
}

static void wr(Fixture *f, uint32_t reg, uint32_t v)
{
    mem_write(&f->as, APIC_DEFAULT_BASE + reg, v, 4);
}

static bool vec_set(Fixture *f, uint32_t reg, int v)
{
    return rd(f, reg + 0x10 * (v / 32)) & (1u << (v % 32));
}

static void self_ipi(Fixture *f, int v)
{
    wr(f, APIC_ICR, 1u << 18 | v);
}

static void ioapic_redir(Fixture *f, int pin, uint32_t low)
{
    mem_write(&f->as, IOAPIC_DEFAULT_BASE, 0x10 + 2 * pin, 4);
    mem_write(&f->as, IOAPIC_DEFAULT_BASE + 0x10, low, 4);
}

static uint32_t ioapic_redir_low(Fixture *f, int pin)
{
    mem_write(&f->as, IOAPIC_DEFAULT_BASE, 0x10 + 2 * pin, 4);
    return (uint32_t)mem_read(&f->as, IOAPIC_DEFAULT_BASE + 0x10, 4);
}

static void test_ack_nesting(void)
{
    Fixture *f = fixture_new();

    wr(f, APIC_SVR, 0x1FF);
    self_ipi(f, 0x51);
    self_ipi(f, 0x32);
    g_assert_cmpint(f->intr_level, ==, 1);
    /* highest first, into ISR; PPR is its class */
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, 0x51);
    g_assert_true(vec_set(f, APIC_ISR, 0x51));
    g_assert_false(vec_set(f, APIC_IRR, 0x51));
    g_assert_cmphex(rd(f, APIC_PPR), ==, 0x50);
    /* 0x32 waits behind class 5 */
    g_assert_cmpint(f->intr_level, ==, 0);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, -1);
    /* a higher class nests */
    self_ipi(f, 0x61);
    g_assert_cmpint(f->intr_level, ==, 1);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, 0x61);
    /* EOI ends the highest in service */
    wr(f, APIC_EOI, 0);
    g_assert_false(vec_set(f, APIC_ISR, 0x61));
    g_assert_true(vec_set(f, APIC_ISR, 0x51));
    g_assert_cmpint(f->intr_level, ==, 0);
    wr(f, APIC_EOI, 0);
    g_assert_cmpint(f->intr_level, ==, 1);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, 0x32);
    wr(f, APIC_EOI, 0);
    g_assert_cmpint(f->intr_level, ==, 0);
    g_assert_cmphex(rd(f, APIC_PPR), ==, 0);
    g_free(f);
}

static void test_level_eoi_redelivers(void)
{
    Fixture *f = fixture_new();

    wr(f, APIC_SVR, 0x1FF);
    ioapic_redir(f, 9, 1u << 15 | 0x59);        /* level, active high */
    irq_set(ioapic_irq_line(f->ioapic, 9), 1);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, 0x59);
    g_assert_cmphex(ioapic_redir_low(f, 9) & (1u << 14), ==, 1u << 14);
    /* EOI with the line still high: remote IRR cleared, sent again */
    wr(f, APIC_EOI, 0);
    g_assert_true(vec_set(f, APIC_IRR, 0x59));
    g_assert_cmphex(ioapic_redir_low(f, 9) & (1u << 14), ==, 1u << 14);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, 0x59);
    /* line dropped: the EOI only clears remote IRR */
    irq_set(ioapic_irq_line(f->ioapic, 9), 0);
    wr(f, APIC_EOI, 0);
    g_assert_false(vec_set(f, APIC_IRR, 0x59));
    g_assert_cmphex(ioapic_redir_low(f, 9) & (1u << 14), ==, 0);
    /* the EOI of an edge vector broadcasts nothing: remote IRR stays */
    ioapic_redir(f, 10, 1u << 15 | 0x5A);
    irq_set(ioapic_irq_line(f->ioapic, 10), 1);
    self_ipi(f, 0x7A);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, 0x7A);
    wr(f, APIC_EOI, 0);
    g_assert_cmphex(ioapic_redir_low(f, 10) & (1u << 14), ==, 1u << 14);
    g_free(f);
}

static void test_extint(void)
{
    Fixture *f = fixture_new();

    /* virtual wire at reset, software-disabled or not */
    irq_set(apic_lint_line(f->apic, 0), 1);
    g_assert_cmpint(f->intr_level, ==, 1);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, APIC_EXTINT);
    /* fixed interrupts go first */
    wr(f, APIC_SVR, 0x1FF);
    self_ipi(f, 0x40);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, 0x40);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, APIC_EXTINT);
    irq_set(apic_lint_line(f->apic, 0), 0);
    g_assert_cmpint(f->intr_level, ==, 0);
    /* globally disabled: LINT0 is INTR, LINT1 is NMI */
    g_assert_true(apic_msr_write(f->apic, MSR_APIC_BASE,
                                 APIC_DEFAULT_BASE | APIC_BASE_BSP));
    irq_set(apic_lint_line(f->apic, 0), 1);
    g_assert_cmpint(apic_get_interrupt(f->apic), ==, APIC_EXTINT);
    irq_set(apic_lint_line(f->apic, 1), 1);
    g_assert_cmpint(f->nmis, ==, 1);
    g_free(f);
}

static void test_base_msr(void)
{
    Fixture *f = fixture_new();
    uint64_t v;
    uint64_t xapic = APIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_BSP;

    g_assert_true(apic_msr_read(f->apic, MSR_APIC_BASE, &v));
    g_assert_cmphex(v, ==, xapic);
    /* reserved bits, EXTD without EN */
    g_assert_false(apic_msr_write(f->apic, MSR_APIC_BASE, xapic | 1));
    g_assert_false(apic_msr_write(f->apic, MSR_APIC_BASE, xapic | 1ull << 40));
    g_assert_false(apic_msr_write(f->apic, MSR_APIC_BASE,
                                  APIC_DEFAULT_BASE | APIC_BASE_EXTD));
    /* relocation moves the window */
    g_assert_true(apic_msr_write(f->apic, MSR_APIC_BASE,
                                 0xFED00000ull | APIC_BASE_EN));
    g_assert_null(mem_find(&f->as, APIC_DEFAULT_BASE));
    g_assert_nonnull(mem_find(&f->as, 0xFED00000ull));
    /* onto the IOAPIC: refused quietly, the window is just not there */
    g_assert_true(apic_msr_write(f->apic, MSR_APIC_BASE,
                                 IOAPIC_DEFAULT_BASE | APIC_BASE_EN));
    g_assert_null(mem_find(&f->as, 0xFED00000ull));
    g_assert_true(apic_msr_write(f->apic, MSR_APIC_BASE, xapic));
    g_assert_nonnull(mem_find(&f->as, APIC_DEFAULT_BASE));
    /* x2APIC: no window, registers as MSRs */
    g_assert_false(apic_msr_read(f->apic, X2(APIC_TPR), &v));
    g_assert_true(apic_msr_write(f->apic, MSR_APIC_BASE,
                                 xapic | APIC_BASE_EXTD));
    g_assert_null(mem_find(&f->as, APIC_DEFAULT_BASE));
    g_assert_true(apic_msr_read(f->apic, X2(APIC_LDR), &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_false(apic_msr_read(f->apic, X2(APIC_DFR), &v));
    g_assert_false(apic_msr_read(f->apic, X2(APIC_EOI), &v));
    g_assert_false(apic_msr_read(f->apic, X2(APIC_SELF_IPI), &v));
    g_assert_false(apic_msr_write(f->apic, X2(APIC_LDR), 0));
    g_assert_false(apic_msr_write(f->apic, X2(APIC_TPR), 1ull << 32));
    g_assert_false(apic_msr_write(f->apic, X2(APIC_SELF_IPI), 0x100));
    g_assert_false(apic_msr_write(f->apic, 0x831, 0));   /* no ICR high */
    g_assert_true(apic_msr_write(f->apic, X2(APIC_TPR), 0x80));
    g_assert_cmpuint(apic_get_cr8(f->apic), ==, 8);
    apic_set_cr8(f->apic, 2);
    g_assert_true(apic_msr_read(f->apic, X2(APIC_TPR), &v));
    g_assert_cmphex(v, ==, 0x20);
    /* x2APIC -> xAPIC only through disabled */
    g_assert_false(apic_msr_write(f->apic, MSR_APIC_BASE, xapic));
    g_assert_true(apic_msr_write(f->apic, MSR_APIC_BASE,
                                 APIC_DEFAULT_BASE | APIC_BASE_BSP));
    g_assert_false(apic_msr_write(f->apic, MSR_APIC_BASE,
                                  xapic | APIC_BASE_EXTD));
    g_assert_true(apic_msr_write(f->apic, MSR_APIC_BASE, xapic));
    g_assert_cmphex(rd(f, APIC_SVR), ==, 0xFF);
    g_assert_cmphex(rd(f, APIC_DFR), ==, 0xFFFFFFFF);
    g_free(f);
}

static void test_tsc_deadline(void)
{
    Fixture *f = fixture_new();
    int64_t now = clock_get_ns();
    uint64_t v;

    wr(f, APIC_SVR, 0x1FF);
    /* ignored outside TSC-deadline mode */
    g_assert_true(apic_msr_write(f->apic, MSR_TSC_DEADLINE, now + 500));
    g_assert_true(apic_msr_read(f->apic, MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    wr(f, APIC_LVT_TIMER, 2u << 17 | 0x42);
    g_assert_true(apic_msr_write(f->apic, MSR_TSC_DEADLINE, now + 500));
    g_assert_true(apic_msr_read(f->apic, MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, now + 500);
    clock_step_to(now + 499);
    g_assert_false(vec_set(f, APIC_IRR, 0x42));
    clock_step_to(now + 500);
    g_assert_true(vec_set(f, APIC_IRR, 0x42));
    g_assert_true(apic_msr_read(f->apic, MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    /* leaving the mode disarms */
    g_assert_true(apic_msr_write(f->apic, MSR_TSC_DEADLINE, now + 5000));
    wr(f, APIC_LVT_TIMER, 0x42);
    wr(f, APIC_LVT_TIMER, 2u << 17 | 0x42);
    g_assert_true(apic_msr_read(f->apic, MSR_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    g_assert_cmpint(clock_deadline_ns(), ==, -1);
    g_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    clock_init(true);
    g_test_add_func("/apic/ack-nesting", test_ack_nesting);
    g_test_add_func("/apic/level-eoi-redelivers", test_level_eoi_redelivers);
    g_test_add_func("/apic/extint", test_extint);
    g_test_add_func("/apic/base-msr", test_base_msr);
    g_test_add_func("/apic/tsc-deadline", test_tsc_deadline);
    return g_test_run();
}
