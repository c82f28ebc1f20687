/*
 * The PIIX4 power management function over qtest: its PCI registers as
 * the board programs them, the ACPI PM timer (3.579545 MHz from the
 * virtual clock, 24 bits), PM1 status and enable with the SCI on IRQ 9,
 * GPE0, and S5 poweroff ending bt86.
 */
#include <string.h>

#include "tests/qtest/libqtest.h"

#define PM_DEVFN    0x0b            /* 01.3 */
#define PMBA        0x40
#define PMREGMISC   0x80
#define SMBBA       0x90

#define PM_BASE     0x600
#define PM1_STS     (PM_BASE + 0x00)
#define PM1_EN      (PM_BASE + 0x02)
#define PM1_CNT     (PM_BASE + 0x04)
#define PM_TMR      (PM_BASE + 0x08)
#define GPE0_STS    (PM_BASE + 0x0c)
#define GPE0_EN     (PM_BASE + 0x0e)

#define TMR_STS     0x0001
#define PWRBTN_STS  0x0100
#define SCI_EN      0x0001
#define SLP_EN      0x2000
#define SLP_TYP(n)  ((n) << 10)

#define SCI_IRQ     9
#define PM_FREQ     3579545ll
/* The first nanosecond at which n ticks have elapsed */
#define PM_NS(n)    (((n) * 1000000000ll + PM_FREQ - 1) / PM_FREQ)

static void test_pci_config(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_pci_cfg_readl(s, PM_DEVFN, 0x00), ==, 0x71138086);
    g_assert_cmphex(qtest_pci_cfg_readl(s, PM_DEVFN, 0x08), ==, 0x06800003);
    /* as the board's "BIOS" left it: PM I/O at 0x600, decoded */
    g_assert_cmphex(qtest_pci_cfg_readl(s, PM_DEVFN, PMBA), ==, 0x601);
    g_assert_cmphex(qtest_pci_cfg_readb(s, PM_DEVFN, PMREGMISC), ==, 1);
    /* bit 0 (I/O space) is read-only, bits 5:1 are not writable */
    qtest_pci_cfg_writel(s, PM_DEVFN, PMBA, 0xfffffffe);
    g_assert_cmphex(qtest_pci_cfg_readl(s, PM_DEVFN, PMBA), ==, 0xffc1);
    qtest_pci_cfg_writel(s, PM_DEVFN, PMBA, 0x601);
    /* SMBus base: stored */
    qtest_pci_cfg_writel(s, PM_DEVFN, SMBBA, 0xb100);
    g_assert_cmphex(qtest_pci_cfg_readl(s, PM_DEVFN, SMBBA), ==, 0xb101);
    /* the SCI's IRQ 9 is level-triggered in the ELCR */
    g_assert_cmphex(qtest_inb(s, 0x4d1) & 0x02, ==, 0x02);
    /* ACPI mode is on */
    g_assert_cmphex(qtest_inw(s, PM1_CNT), ==, SCI_EN);
    qtest_quit(s);
}

static void test_io_enable_and_move(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_clock_step(s, 1000000000);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, PM_FREQ);
    qtest_pci_cfg_writeb(s, PM_DEVFN, PMREGMISC, 0);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, 0xffffffff);
    qtest_pci_cfg_writel(s, PM_DEVFN, PMBA, 0xb000);
    g_assert_cmphex(qtest_inl(s, 0xb008), ==, 0xffffffff);
    qtest_pci_cfg_writeb(s, PM_DEVFN, PMREGMISC, 1);
    g_assert_cmphex(qtest_inl(s, 0xb008), ==, PM_FREQ);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, 0xffffffff);
    g_assert_cmphex(qtest_inw(s, 0xb004), ==, SCI_EN);
    qtest_quit(s);
}

static void test_timer_rate(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, 0);
    qtest_clock_step(s, PM_NS(1000) - 1);
    g_assert_cmpuint(qtest_inl(s, PM_TMR), ==, 999);
    qtest_clock_step(s, 1);
    g_assert_cmpuint(qtest_inl(s, PM_TMR), ==, 1000);
    qtest_clock_set(s, 1000000000);
    g_assert_cmpuint(qtest_inl(s, PM_TMR), ==, 3579545);
    /* byte and word reads of the counter */
    g_assert_cmphex(qtest_inw(s, PM_TMR), ==, 3579545 & 0xffff);
    g_assert_cmphex(qtest_inb(s, PM_TMR + 2), ==, (3579545 >> 16) & 0xff);
    g_assert_cmphex(qtest_inb(s, PM_TMR + 3), ==, 0);
    /* read-only */
    qtest_outl(s, PM_TMR, 0);
    g_assert_cmpuint(qtest_inl(s, PM_TMR), ==, 3579545);
    qtest_quit(s);
}

static void test_timer_wrap(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_clock_set(s, PM_NS(0xffffffll));
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, 0xffffff);
    qtest_clock_set(s, PM_NS(0x1000005ll));
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, 5);
    qtest_quit(s);
}

static void test_tmr_sts_w1c(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_inw(s, PM1_STS), ==, 0);
    qtest_clock_set(s, PM_NS(0x800000ll) - 1);
    g_assert_cmphex(qtest_inw(s, PM1_STS), ==, 0);
    qtest_clock_step(s, 1);                 /* bit 23 goes 0 -> 1 */
    g_assert_cmphex(qtest_inw(s, PM1_STS), ==, TMR_STS);
    /* writing 0 changes nothing; writing 1 clears */
    qtest_outw(s, PM1_STS, 0);
    g_assert_cmphex(qtest_inw(s, PM1_STS), ==, TMR_STS);
    qtest_outw(s, PM1_STS, TMR_STS);
    g_assert_cmphex(qtest_inw(s, PM1_STS), ==, 0);
    /* bit 23 going 1 -> 0 sets it too (the counter wrapping) */
    qtest_clock_set(s, PM_NS(0x1000000ll));
    g_assert_cmphex(qtest_inb(s, PM1_STS), ==, TMR_STS);
    /* PM1_EN holds its bits; reserved ones read 0 */
    qtest_outw(s, PM1_EN, 0xffff);
    g_assert_cmphex(qtest_inw(s, PM1_EN), ==, 0x0521);
    qtest_quit(s);
}

static void test_sci_timer(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    qtest_outw(s, PM1_EN, TMR_STS);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    /* the next event is the flip of bit 23, 2.34 s away */
    g_assert_cmpint(qtest_clock_step_next(s), ==, PM_NS(0x800000ll));
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmphex(qtest_inw(s, PM1_STS), ==, TMR_STS);
    /* clearing the status drops the SCI; the next flip raises it again */
    qtest_outw(s, PM1_STS, TMR_STS);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmpint(qtest_clock_step_next(s), ==, PM_NS(0x1000000ll));
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    /* disabling the event drops it */
    qtest_outw(s, PM1_EN, 0);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmpuint(qtest_irq_raises(s, SCI_IRQ), ==, 2);
    /* no SCI outside ACPI mode (SCI_EN clear) */
    qtest_outw(s, PM1_EN, TMR_STS);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    qtest_outw(s, PM1_CNT, 0);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    qtest_quit(s);
}

static void test_gpe0(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    g_assert_cmphex(qtest_inl(s, GPE0_STS), ==, 0);
    qtest_outw(s, GPE0_EN, 0x1234);
    g_assert_cmphex(qtest_inw(s, GPE0_EN), ==, 0x1234);
    /* status is write-1-to-clear: nothing to set it, nothing sets it */
    qtest_outw(s, GPE0_STS, 0xffff);
    g_assert_cmphex(qtest_inw(s, GPE0_STS), ==, 0);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    qtest_quit(s);
}

static void test_sleep_types(void)
{
    QTestState *s = qtest_init(NULL);

    /* S3 (type 1) is not supported: nothing happens */
    qtest_outw(s, PM1_CNT, SCI_EN | SLP_TYP(1) | SLP_EN);
    g_assert_cmphex(qtest_inw(s, PM1_CNT), ==, SCI_EN | SLP_TYP(1));
    /* SLP_TYP without SLP_EN: stored, no sleep */
    qtest_outw(s, PM1_CNT, SCI_EN | SLP_TYP(0));
    g_assert_cmphex(qtest_inw(s, PM1_CNT), ==, SCI_EN);
    qtest_quit(s);
}

static void test_s5_poweroff(void)
{
    QTestState *s = qtest_init(NULL);
    char cmd[64];

    g_snprintf(cmd, sizeof(cmd), "outw 0x%x 0x%x\n", PM1_CNT,
               SCI_EN | SLP_TYP(0) | SLP_EN);
    qtest_send_raw(s, cmd, strlen(cmd));
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
}

/* The same through a byte write of PM1_CNT's high byte. */
static void test_s5_poweroff_byte(void)
{
    QTestState *s = qtest_init(NULL);
    char cmd[64];

    g_snprintf(cmd, sizeof(cmd), "outb 0x%x 0x%x\n", PM1_CNT + 1,
               SLP_EN >> 8);
    qtest_send_raw(s, cmd, strlen(cmd));
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/piix4-pm/pci-config", test_pci_config);
    g_test_add_func("/piix4-pm/io-enable-and-move", test_io_enable_and_move);
    g_test_add_func("/piix4-pm/timer-rate", test_timer_rate);
    g_test_add_func("/piix4-pm/timer-wrap", test_timer_wrap);
    g_test_add_func("/piix4-pm/tmr-sts-w1c", test_tmr_sts_w1c);
    g_test_add_func("/piix4-pm/sci-timer", test_sci_timer);
    g_test_add_func("/piix4-pm/gpe0", test_gpe0);
    g_test_add_func("/piix4-pm/sleep-types", test_sleep_types);
    g_test_add_func("/piix4-pm/s5-poweroff", test_s5_poweroff);
    g_test_add_func("/piix4-pm/s5-poweroff-byte", test_s5_poweroff_byte);
    return g_test_run();
}
