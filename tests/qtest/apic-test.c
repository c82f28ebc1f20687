/*
 * The local APIC through the qtest protocol: its xAPIC registers at
 * 0xFEE00000 (the CPU does not run, but MMIO reaches the APIC as a CPU's
 * would), the timer on the qtest clock, and its outputs (the CPU's INTR and
 * NMI) through irq_intercept_out "apic". Expected values are the SDM's
 * (Vol. 3A chapter 10).
 */
#include "tests/qtest/libqtest.h"

#define APIC_BASE   0xFEE00000ull
#define APIC_ID     0x020
#define APIC_VER    0x030
#define APIC_TPR    0x080
#define APIC_APR    0x090
#define APIC_PPR    0x0A0
#define APIC_EOI    0x0B0
#define APIC_LDR    0x0D0
#define APIC_DFR    0x0E0
#define APIC_SVR    0x0F0
#define APIC_ISR    0x100
#define APIC_TMR    0x180
#define APIC_IRR    0x200
#define APIC_ESR    0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3E0

#define SVR_ENABLE  0x100
#define LVT_MASKED  0x10000
#define LVT_PERIODIC 0x20000
#define ICR_SELF    (1u << 18)

/* The CPU's lines as "apic" outputs */
#define OUT_INTR 0
#define OUT_NMI  1

static uint32_t rd(QTestState *s, uint32_t reg)
{
    return qtest_readl(s, APIC_BASE + reg);
}

static void wr(QTestState *s, uint32_t reg, uint32_t v)
{
    qtest_writel(s, APIC_BASE + reg, v);
}

/* Whether vector v is set in the 256-bit register set at reg */
static bool vec_bit(QTestState *s, uint32_t reg, int v)
{
    return rd(s, reg + 0x10 * (v / 32)) & (1u << (v % 32));
}

/* ESR is write-then-read (SDM 10.5.3) */
static uint32_t esr(QTestState *s)
{
    wr(s, APIC_ESR, 0);
    return rd(s, APIC_ESR);
}

static QTestState *apic_start(void)
{
    QTestState *s = qtest_init(NULL);

    wr(s, APIC_SVR, SVR_ENABLE | 0xFF);
    return s;
}

static void test_reset_values(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(rd(s, APIC_ID), ==, 0);
    /* version 0x14, max LVT entry 5 */
    g_assert_cmphex(rd(s, APIC_VER), ==, 0x00050014);
    g_assert_cmphex(rd(s, APIC_TPR), ==, 0);
    g_assert_cmphex(rd(s, APIC_PPR), ==, 0);
    g_assert_cmphex(rd(s, APIC_LDR), ==, 0);
    g_assert_cmphex(rd(s, APIC_DFR), ==, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_SVR), ==, 0xFF);
    g_assert_cmphex(rd(s, APIC_LVT_TIMER), ==, LVT_MASKED);
    g_assert_cmphex(rd(s, APIC_LVT_LINT1), ==, LVT_MASKED);
    g_assert_cmphex(rd(s, APIC_LVT_ERROR), ==, LVT_MASKED);
    /* virtual wire: LINT0 is ExtINT, as the BIOS leaves it */
    g_assert_cmphex(rd(s, APIC_LVT_LINT0), ==, 0x700);
    g_assert_cmphex(rd(s, APIC_TIMER_ICR), ==, 0);
    g_assert_cmphex(rd(s, APIC_TIMER_CCR), ==, 0);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(rd(s, APIC_IRR + 0x10 * i), ==, 0);
        g_assert_cmphex(rd(s, APIC_ISR + 0x10 * i), ==, 0);
    }
    qtest_quit(s);
}

static void test_writable_bits(void)
{
    QTestState *s = apic_start();

    wr(s, APIC_ID, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_ID), ==, 0xFF000000);
    wr(s, APIC_ID, 0);
    wr(s, APIC_LDR, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_LDR), ==, 0xFF000000);
    wr(s, APIC_DFR, 0);
    g_assert_cmphex(rd(s, APIC_DFR), ==, 0x0FFFFFFF);
    wr(s, APIC_SVR, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_SVR), ==, 0x3FF);
    wr(s, APIC_TIMER_DCR, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_TIMER_DCR), ==, 0xB);
    /* LVT: delivery status and remote IRR are read-only */
    wr(s, APIC_LVT_LINT1, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_LVT_LINT1), ==, 0x1A7FF);
    wr(s, APIC_LVT_TIMER, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_LVT_TIMER), ==, 0x700FF);
    wr(s, APIC_LVT_ERROR, 0xFFFFFFFF);
    g_assert_cmphex(rd(s, APIC_LVT_ERROR), ==, 0x100FF);
    /* the version register is read-only */
    wr(s, APIC_VER, 0);
    g_assert_cmphex(rd(s, APIC_VER), ==, 0x00050014);
    qtest_quit(s);
}

static void test_tpr_ppr(void)
{
    QTestState *s = apic_start();

    wr(s, APIC_TPR, 0x135);
    g_assert_cmphex(rd(s, APIC_TPR), ==, 0x35);
    /* nothing in service: PPR = TPR */
    g_assert_cmphex(rd(s, APIC_PPR), ==, 0x35);
    /* APR with nothing requested: TPR */
    g_assert_cmphex(rd(s, APIC_APR), ==, 0x35);
    wr(s, APIC_TPR, 0);
    g_assert_cmphex(rd(s, APIC_PPR), ==, 0);
    qtest_quit(s);
}

/* Software-disabled, the LVT mask bits stay set (SDM 10.4.7.2). */
static void test_svr_disable_masks(void)
{
    QTestState *s = qtest_init(NULL);

    wr(s, APIC_LVT_TIMER, 0x40);
    g_assert_cmphex(rd(s, APIC_LVT_TIMER), ==, LVT_MASKED | 0x40);
    wr(s, APIC_SVR, SVR_ENABLE | 0xFF);
    wr(s, APIC_LVT_TIMER, 0x40);
    g_assert_cmphex(rd(s, APIC_LVT_TIMER), ==, 0x40);
    wr(s, APIC_SVR, 0xFF);
    g_assert_cmphex(rd(s, APIC_LVT_TIMER), ==, LVT_MASKED | 0x40);
    g_assert_cmphex(rd(s, APIC_LVT_LINT0), ==, LVT_MASKED | 0x700);
    /* and a self IPI is not accepted */
    wr(s, APIC_ICR_LO, ICR_SELF | 0x45);
    g_assert_false(vec_bit(s, APIC_IRR, 0x45));
    qtest_quit(s);
}

static void test_timer_oneshot(void)
{
    QTestState *s = apic_start();

    wr(s, APIC_LVT_TIMER, 0x30);
    wr(s, APIC_TIMER_DCR, 0xB);             /* divide by 1 */
    wr(s, APIC_TIMER_ICR, 1000);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 1000);
    qtest_clock_step(s, 300);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 700);
    g_assert_false(vec_bit(s, APIC_IRR, 0x30));
    /* the next timer deadline is the expiry, 1000 ns after the load */
    g_assert_cmpint(qtest_clock_step_next(s), ==, 1000);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 0);
    g_assert_true(vec_bit(s, APIC_IRR, 0x30));
    g_assert_false(vec_bit(s, APIC_TMR, 0x30));
    /* one-shot: stays at 0 */
    qtest_clock_step(s, 5000);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 0);
    g_assert_cmphex(rd(s, APIC_TIMER_ICR), ==, 1000);
    /* a new initial count restarts it; 0 stops it */
    wr(s, APIC_TIMER_ICR, 50);
    qtest_clock_step(s, 10);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 40);
    wr(s, APIC_TIMER_ICR, 0);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 0);
    qtest_quit(s);
}

static void test_timer_divide(void)
{
    static const struct { uint32_t dcr, div; } divs[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
    };
    QTestState *s = apic_start();

    wr(s, APIC_LVT_TIMER, LVT_MASKED | 0x30);
    for (size_t i = 0; i < G_N_ELEMENTS(divs); i++) {
        wr(s, APIC_TIMER_DCR, divs[i].dcr);
        wr(s, APIC_TIMER_ICR, 100000);
        qtest_clock_step(s, 10 * divs[i].div);
        g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 100000 - 10);
        /* a partial tick does not count */
        qtest_clock_step(s, divs[i].div - 1);
        g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 100000 - 10);
    }
    qtest_quit(s);
}

static void test_timer_periodic(void)
{
    QTestState *s = apic_start();

    qtest_irq_intercept_out(s, "apic");
    wr(s, APIC_LVT_TIMER, LVT_PERIODIC | 0x31);
    wr(s, APIC_TIMER_DCR, 0x0);             /* divide by 2 */
    wr(s, APIC_TIMER_ICR, 500);             /* 1000 ns period */
    qtest_clock_step(s, 998);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 1);
    g_assert_false(qtest_get_irq(s, OUT_INTR));
    g_assert_cmpint(qtest_clock_step_next(s), ==, 1000);
    g_assert_true(vec_bit(s, APIC_IRR, 0x31));
    g_assert_true(qtest_get_irq(s, OUT_INTR));
    /* reloaded */
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 500);
    qtest_clock_step(s, 400);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 300);
    /* and armed again for the next period */
    g_assert_cmpint(qtest_clock_step_next(s), ==, 2000);
    g_assert_cmpint(qtest_clock_step_next(s), ==, 3000);
    qtest_quit(s);
}

static void test_timer_masked(void)
{
    QTestState *s = apic_start();

    wr(s, APIC_LVT_TIMER, LVT_MASKED | 0x32);
    wr(s, APIC_TIMER_DCR, 0xB);
    wr(s, APIC_TIMER_ICR, 100);
    qtest_clock_step(s, 50);
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 50);
    qtest_clock_step(s, 100);
    /* it counted to 0, but sent nothing */
    g_assert_cmpuint(rd(s, APIC_TIMER_CCR), ==, 0);
    g_assert_false(vec_bit(s, APIC_IRR, 0x32));
    qtest_quit(s);
}

static void test_self_ipi(void)
{
    QTestState *s = apic_start();

    wr(s, APIC_ICR_LO, ICR_SELF | 0x41);
    g_assert_true(vec_bit(s, APIC_IRR, 0x41));
    /* delivery status idle */
    g_assert_cmphex(rd(s, APIC_ICR_LO), ==, ICR_SELF | 0x41);
    /* physical destination 0 is this APIC; 1 is nobody */
    wr(s, APIC_ICR_HI, 0);
    wr(s, APIC_ICR_LO, 0x42);
    g_assert_true(vec_bit(s, APIC_IRR, 0x42));
    wr(s, APIC_ICR_HI, 1u << 24);
    wr(s, APIC_ICR_LO, 0x43);
    g_assert_false(vec_bit(s, APIC_IRR, 0x43));
    /* all-excluding-self reaches nobody either */
    wr(s, APIC_ICR_LO, 3u << 18 | 0x44);
    g_assert_false(vec_bit(s, APIC_IRR, 0x44));
    g_assert_cmphex(rd(s, APIC_ICR_HI), ==, 1u << 24);
    qtest_quit(s);
}

static void test_esr_illegal_vector(void)
{
    QTestState *s = apic_start();

    g_assert_cmphex(esr(s), ==, 0);
    wr(s, APIC_ICR_LO, ICR_SELF | 0x05);
    /* not visible until ESR is written */
    g_assert_cmphex(rd(s, APIC_ESR), ==, 0);
    g_assert_cmphex(esr(s), ==, 0x20);       /* send illegal vector */
    g_assert_false(vec_bit(s, APIC_IRR, 0x05));
    g_assert_cmphex(esr(s), ==, 0);
    /* with the error LVT unmasked, the error is also an interrupt */
    wr(s, APIC_LVT_ERROR, 0x50);
    wr(s, APIC_ICR_LO, ICR_SELF | 0x0F);
    g_assert_true(vec_bit(s, APIC_IRR, 0x50));
    g_assert_cmphex(esr(s), ==, 0x20);
    qtest_quit(s);
}

static void test_illegal_register(void)
{
    QTestState *s = apic_start();

    g_assert_cmphex(rd(s, 0x040), ==, 0);
    g_assert_cmphex(esr(s), ==, 0x80);
    wr(s, 0x3F0, 0x12345678);               /* SELF IPI: x2APIC only */
    g_assert_cmphex(esr(s), ==, 0x80);
    g_assert_cmphex(rd(s, 0x3F0), ==, 0);
    qtest_quit(s);
}

static void test_intr_priority(void)
{
    QTestState *s = apic_start();

    qtest_irq_intercept_out(s, "apic");
    wr(s, APIC_TPR, 0x50);
    wr(s, APIC_ICR_LO, ICR_SELF | 0x55);
    /* class 5 is not above TPR class 5: held */
    g_assert_true(vec_bit(s, APIC_IRR, 0x55));
    g_assert_false(qtest_get_irq(s, OUT_INTR));
    g_assert_cmphex(rd(s, APIC_APR), ==, 0x50);
    wr(s, APIC_TPR, 0x4F);
    g_assert_true(qtest_get_irq(s, OUT_INTR));
    wr(s, APIC_TPR, 0xF0);
    g_assert_false(qtest_get_irq(s, OUT_INTR));
    /* software disable holds everything off */
    wr(s, APIC_TPR, 0);
    g_assert_true(qtest_get_irq(s, OUT_INTR));
    wr(s, APIC_SVR, 0xFF);
    g_assert_false(qtest_get_irq(s, OUT_INTR));
    qtest_quit(s);
}

static void test_lint0_virtual_wire(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_out(s, "apic");
    /* after reset, the 8259's INTR on LINT0 reaches the CPU's INTR */
    qtest_set_irq_in(s, "apic", 0, 1);
    g_assert_true(qtest_get_irq(s, OUT_INTR));
    qtest_set_irq_in(s, "apic", 0, 0);
    g_assert_false(qtest_get_irq(s, OUT_INTR));
    /* masked, it does not */
    wr(s, APIC_SVR, SVR_ENABLE | 0xFF);
    wr(s, APIC_LVT_LINT0, LVT_MASKED | 0x700);
    qtest_set_irq_in(s, "apic", 0, 1);
    g_assert_false(qtest_get_irq(s, OUT_INTR));
    /* unmasking a line already high passes it at once (level-sensitive) */
    wr(s, APIC_LVT_LINT0, 0x700);
    g_assert_true(qtest_get_irq(s, OUT_INTR));
    qtest_quit(s);
}

static void test_lint_fixed_and_nmi(void)
{
    QTestState *s = apic_start();

    qtest_irq_intercept_out(s, "apic");
    /* LINT1 as NMI: one pulse per rising edge */
    wr(s, APIC_LVT_LINT1, 0x400);
    qtest_set_irq_in(s, "apic", 1, 1);
    g_assert_cmpuint(qtest_irq_raises(s, OUT_NMI), ==, 1);
    g_assert_false(qtest_get_irq(s, OUT_NMI));
    qtest_set_irq_in(s, "apic", 1, 0);
    g_assert_cmpuint(qtest_irq_raises(s, OUT_NMI), ==, 1);
    /* LINT0 as a fixed, edge-triggered, active-low interrupt */
    wr(s, APIC_LVT_LINT0, 0x2000 | 0x66);
    qtest_set_irq_in(s, "apic", 0, 1);
    g_assert_false(vec_bit(s, APIC_IRR, 0x66));
    qtest_set_irq_in(s, "apic", 0, 0);
    g_assert_true(vec_bit(s, APIC_IRR, 0x66));
    g_assert_true(qtest_get_irq(s, OUT_INTR));
    /* level-triggered: remote IRR set on acceptance */
    wr(s, APIC_LVT_LINT1, 0x8000 | 0x67);
    qtest_set_irq_in(s, "apic", 1, 1);
    g_assert_true(vec_bit(s, APIC_IRR, 0x67));
    g_assert_true(vec_bit(s, APIC_TMR, 0x67));
    g_assert_cmphex(rd(s, APIC_LVT_LINT1), ==, 0xC067);
    qtest_quit(s);
}

/* An EOI with nothing in service changes nothing. */
static void test_eoi_nothing_in_service(void)
{
    QTestState *s = apic_start();

    wr(s, APIC_ICR_LO, ICR_SELF | 0x70);
    wr(s, APIC_EOI, 0);
    g_assert_true(vec_bit(s, APIC_IRR, 0x70));
    g_assert_cmphex(rd(s, APIC_PPR), ==, 0);
    qtest_quit(s);
}

/* Any value anywhere in the window: bt86 survives and keeps answering. */
static void test_write_everything(void)
{
    QTestState *s = apic_start();
    static const uint32_t values[] = { 0xFFFFFFFF, 0, 0x12345678 };

    for (size_t v = 0; v < G_N_ELEMENTS(values); v++) {
        for (uint32_t off = 0; off < 0x1000; off += 4) {
            wr(s, off, values[v]);
            rd(s, off);
        }
        qtest_clock_step(s, 100000);
    }
    g_assert_cmphex(rd(s, APIC_VER), ==, 0x00050014);
    /* byte and 8-byte accesses too */
    qtest_writeb(s, APIC_BASE + APIC_TPR + 1, 0xFF);
    qtest_writeq(s, APIC_BASE + APIC_TPR, 0xFFFFFFFFFFFFFFFFull);
    qtest_readb(s, APIC_BASE + APIC_VER + 2);
    qtest_readq(s, APIC_BASE + APIC_VER);
    g_assert_cmphex(rd(s, APIC_VER), ==, 0x00050014);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apic/reset-values", test_reset_values);
    g_test_add_func("/apic/writable-bits", test_writable_bits);
    g_test_add_func("/apic/tpr-ppr", test_tpr_ppr);
    g_test_add_func("/apic/svr-disable-masks", test_svr_disable_masks);
    g_test_add_func("/apic/timer-oneshot", test_timer_oneshot);
    g_test_add_func("/apic/timer-divide", test_timer_divide);
    g_test_add_func("/apic/timer-periodic", test_timer_periodic);
    g_test_add_func("/apic/timer-masked", test_timer_masked);
    g_test_add_func("/apic/self-ipi", test_self_ipi);
    g_test_add_func("/apic/esr-illegal-vector", test_esr_illegal_vector);
    g_test_add_func("/apic/illegal-register", test_illegal_register);
    g_test_add_func("/apic/intr-priority", test_intr_priority);
    g_test_add_func("/apic/lint0-virtual-wire", test_lint0_virtual_wire);
    g_test_add_func("/apic/lint-fixed-nmi", test_lint_fixed_and_nmi);
    g_test_add_func("/apic/eoi-nothing-in-service",
                    test_eoi_nothing_in_service);
    g_test_add_func("/apic/write-everything", test_write_everything);
    return g_test_run();
}
