/*
 * The PIIX3's reset registers over qtest: the reset control register at
 * 0xCF9 (shared with the host bridge's CONFIG_ADDRESS dword at 0xCF8)
 * and System Control Port A at 0x92. A reset ends bt86 (status 0) under
 * -no-reboot; without it the machine resets (under -accel qtest at once,
 * on the command that asked for it) and every device is back at the
 * state bt86 starts in.
 */
#include <string.h>

#include "tests/qtest/libqtest.h"

#define RCR         0xcf9
#define PORT92      0x92

static int run_until_exit(const char *cmds)
{
    QTestState *s = qtest_init("-no-reboot");

    qtest_send_raw(s, cmds, strlen(cmds));
    return qtest_wait_exit(s);
}

static void test_rcr_register(void)
{
    QTestState *s = qtest_init("-no-reboot");

    g_assert_cmphex(qtest_inb(s, RCR), ==, 0);
    /* SRST alone only chooses the kind of reset */
    qtest_outb(s, RCR, 0x02);
    g_assert_cmphex(qtest_inb(s, RCR), ==, 0x02);
    qtest_outb(s, RCR, 0xf9);               /* other bits not stored */
    g_assert_cmphex(qtest_inb(s, RCR), ==, 0x00);
    /* CONFIG_ADDRESS around it is untouched, and still works */
    qtest_outl(s, 0xcf8, 0x80000000);
    qtest_outb(s, RCR, 0x02);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x80000000);
    g_assert_cmphex(qtest_inl(s, 0xcfc), ==, 0x12378086);
    /* word accesses in 0xCF8-0xCFB are neither: all ones, ignored */
    g_assert_cmphex(qtest_inw(s, 0xcf8), ==, 0xffff);
    qtest_outw(s, 0xcfa, 0x1234);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x80000000);
    qtest_quit(s);
}

static void test_rcr_reset(void)
{
    /* the FADT's reset register value */
    g_assert_cmpint(run_until_exit("outb 0xcf9 0x06\n"), ==, 0);
    /* RCPU alone (soft reset) resets as well */
    g_assert_cmpint(run_until_exit("outb 0xcf9 0x04\n"), ==, 0);
    /* SRST first, then RCPU, as some guests do */
    g_assert_cmpint(run_until_exit("outb 0xcf9 0x02\noutb 0xcf9 0x06\n"),
                    ==, 0);
}

static void test_port92(void)
{
    QTestState *s = qtest_init("-no-reboot");

    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    qtest_outb(s, PORT92, 0x02);            /* A20 on */
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x02);
    qtest_outb(s, PORT92, 0x00);
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    qtest_quit(s);

    /* bit 0 is the fast reset */
    g_assert_cmpint(run_until_exit("outb 0x92 0x03\n"), ==, 0);
    g_assert_cmpint(run_until_exit("outb 0x92 0x01\n"), ==, 0);
}

#define PCI_DEVFN(slot, fn) (((slot) << 3) | (fn))
#define TESTDEV     PCI_DEVFN(3, 0)
#define PIIX3       PCI_DEVFN(1, 0)
#define PIIX4_PM    PCI_DEVFN(1, 3)
#define I440FX      PCI_DEVFN(0, 0)
#define TESTDEV_IO  0xc000
#define COM1        0x3f8
#define APIC        0xfee00000ull
#define IOAPIC      0xfec00000ull
#define PM_BASE     0x600
#define CMOS_BOOTS  0x50

static void rtc_write(QTestState *s, uint8_t index, uint8_t v)
{
    qtest_outb(s, 0x70, index);
    qtest_outb(s, 0x71, v);
}

static uint8_t rtc_read(QTestState *s, uint8_t index)
{
    qtest_outb(s, 0x70, index);
    return qtest_inb(s, 0x71);
}

static uint8_t i8042_read_ctr(QTestState *s)
{
    qtest_outb(s, 0x64, 0x20);
    return qtest_inb(s, 0x60);
}

static uint32_t ioapic_read(QTestState *s, uint8_t reg)
{
    qtest_writel(s, IOAPIC, reg);
    return qtest_readl(s, IOAPIC + 0x10);
}

/* Every device away from its reset state. */
static void leave_state(QTestState *s)
{
    /* 8259 master initialised, all unmasked; ELCR bit 5 */
    qtest_outb(s, 0x20, 0x11);
    qtest_outb(s, 0x21, 0x20);
    qtest_outb(s, 0x21, 0x04);
    qtest_outb(s, 0x21, 0x01);
    qtest_outb(s, 0x21, 0x00);
    qtest_outb(s, 0x4d0, 0x20);
    /* PIT counter 0 in mode 2 with a count */
    qtest_outb(s, 0x43, 0x34);
    qtest_outb(s, 0x40, 0x00);
    qtest_outb(s, 0x40, 0x10);
    /* RTC: periodic, alarm and update interrupts on; a CMOS byte */
    rtc_write(s, 0x0b, 0x72);
    /* COM1 */
    qtest_outb(s, COM1 + 1, 0x0f);
    qtest_outb(s, COM1 + 3, 0x1b);
    qtest_outb(s, COM1 + 4, 0x0b);
    qtest_outb(s, COM1 + 7, 0x5a);
    /* local APIC: TPR, SVR, LVT timer */
    qtest_writel(s, APIC + 0x80, 0x20);
    qtest_writel(s, APIC + 0xf0, 0x1ff);
    qtest_writel(s, APIC + 0x320, 0x20031);
    /* IOAPIC: ID, pin 4 unmasked */
    qtest_writel(s, IOAPIC, 0);
    qtest_writel(s, IOAPIC + 0x10, 0x05000000);
    qtest_writel(s, IOAPIC, 0x18);
    qtest_writel(s, IOAPIC + 0x10, 0x31);
    /* pci-testdev: BAR1 at TESTDEV_IO, decoding, interrupt line 11 */
    qtest_pci_cfg_writel(s, TESTDEV, 0x14, TESTDEV_IO);
    qtest_pci_cfg_writew(s, TESTDEV, 0x04, 0x0007);
    qtest_pci_cfg_writeb(s, TESTDEV, 0x3c, 11);
    qtest_outl(s, TESTDEV_IO + 4, 0x12345678);
    g_assert_cmphex(qtest_inl(s, TESTDEV_IO + 4), ==, 0x12345678);
    /* chipset: a PIRQ route, PAM1, SMRAM locked, the PM block moved */
    qtest_pci_cfg_writeb(s, PIIX3, 0x60, 0x0b);
    qtest_pci_cfg_writeb(s, I440FX, 0x5a, 0x33);
    qtest_pci_cfg_writeb(s, I440FX, 0x72, 0x1a);
    qtest_outw(s, PM_BASE + 2, 0x0100);
    qtest_pci_cfg_writel(s, PIIX4_PM, 0x40, 0xb001);
    /* i8042 command byte; ports 0x61 and 0x92 */
    qtest_outb(s, 0x64, 0x60);
    qtest_outb(s, 0x60, 0x00);
    qtest_outb(s, 0x61, 0x03);
    qtest_outb(s, PORT92, 0x02);
}

/* The state bt86 creates the machine in. */
static void check_reset_state(QTestState *s)
{
    g_assert_cmphex(qtest_inb(s, 0x21), ==, 0xff);
    g_assert_cmphex(qtest_inb(s, 0xa1), ==, 0xff);
    g_assert_cmphex(qtest_inb(s, 0x4d0), ==, 0x00);
    /* only the SCI's IRQ 9, which the board sets as firmware would */
    g_assert_cmphex(qtest_inb(s, 0x4d1), ==, 0x02);
    /* read-back status of counter 0: OUT low, null count, LSB then MSB,
     * mode 0 */
    qtest_outb(s, 0x43, 0xe2);
    g_assert_cmphex(qtest_inb(s, 0x40), ==, 0x70);
    /* RTC: the enables cleared, the format kept; CMOS RAM kept */
    g_assert_cmphex(rtc_read(s, 0x0b), ==, 0x02);
    g_assert_cmphex(rtc_read(s, 0x0c), ==, 0x00);
    g_assert_cmphex(rtc_read(s, CMOS_BOOTS), ==, 0x5a);
    g_assert_cmphex(qtest_inb(s, COM1 + 1), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, COM1 + 2), ==, 0x01);
    g_assert_cmphex(qtest_inb(s, COM1 + 3), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, COM1 + 4), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, COM1 + 5), ==, 0x60);
    g_assert_cmphex(qtest_inb(s, COM1 + 7), ==, 0x00);
    g_assert_cmphex(qtest_readl(s, APIC + 0x80), ==, 0x00);
    g_assert_cmphex(qtest_readl(s, APIC + 0xf0), ==, 0xff);
    g_assert_cmphex(qtest_readl(s, APIC + 0x320), ==, 0x10000);
    g_assert_cmphex(qtest_readl(s, APIC + 0x350), ==, 0x700);
    g_assert_cmphex(ioapic_read(s, 0), ==, 0);
    g_assert_cmphex(ioapic_read(s, 0x18), ==, 0x10000);
    /* pci-testdev: header back, BAR unprogrammed and not decoded */
    g_assert_cmphex(qtest_pci_cfg_readw(s, TESTDEV, 0x04), ==, 0);
    g_assert_cmphex(qtest_pci_cfg_readl(s, TESTDEV, 0x14), ==, 0x1);
    g_assert_cmphex(qtest_pci_cfg_readb(s, TESTDEV, 0x3c), ==, 0);
    g_assert_cmphex(qtest_pci_cfg_readb(s, TESTDEV, 0x3d), ==, 1);
    g_assert_cmphex(qtest_inl(s, TESTDEV_IO + 4), ==, 0xffffffff);
    qtest_pci_cfg_writel(s, TESTDEV, 0x14, TESTDEV_IO);
    qtest_pci_cfg_writew(s, TESTDEV, 0x04, 0x0001);
    g_assert_cmphex(qtest_inl(s, TESTDEV_IO + 4), ==, 0);
    qtest_pci_cfg_writew(s, TESTDEV, 0x04, 0x0000);
    qtest_pci_cfg_writel(s, TESTDEV, 0x14, 0);
    /* chipset */
    g_assert_cmphex(qtest_pci_cfg_readw(s, PIIX3, 0x04), ==, 0x0007);
    g_assert_cmphex(qtest_pci_cfg_readl(s, PIIX3, 0x60), ==, 0x80808080);
    g_assert_cmphex(qtest_pci_cfg_readb(s, I440FX, 0x5a), ==, 0x00);
    g_assert_cmphex(qtest_pci_cfg_readb(s, I440FX, 0x72), ==, 0x02);
    qtest_pci_cfg_writeb(s, I440FX, 0x72, 0x40);    /* unlocked again */
    g_assert_cmphex(qtest_pci_cfg_readb(s, I440FX, 0x72), ==, 0x42);
    qtest_pci_cfg_writeb(s, I440FX, 0x72, 0x02);
    /* the PM block where the board programs it, in ACPI mode */
    g_assert_cmphex(qtest_pci_cfg_readl(s, PIIX4_PM, 0x40), ==, 0x601);
    g_assert_cmphex(qtest_pci_cfg_readb(s, PIIX4_PM, 0x80), ==, 0x01);
    g_assert_cmphex(qtest_inw(s, PM_BASE + 2), ==, 0x0000);
    g_assert_cmphex(qtest_inw(s, PM_BASE + 4), ==, 0x0001);
    g_assert_cmphex(qtest_inw(s, 0xb000 + 4), ==, 0xffff);
    g_assert_cmphex(i8042_read_ctr(s), ==, 0x47);
    g_assert_cmphex(qtest_inb(s, 0x61) & 0x0f, ==, 0x00);
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, RCR), ==, 0x00);
}

/* Without -no-reboot each way to reset leaves bt86 running, with the
 * machine back in its initial state. */
static void test_machine_reset(void)
{
    static const struct {
        uint16_t port;
        uint8_t value;
    } triggers[] = {
        { RCR, 0x06 },          /* the FADT's reset register */
        { PORT92, 0x01 },       /* fast reset */
        { 0x64, 0xfe },         /* the i8042 pulsing CPU reset */
    };
    QTestState *s = qtest_init("-device pci-testdev,addr=03.0");

    rtc_write(s, CMOS_BOOTS, 0x5a);
    check_reset_state(s);
    for (size_t i = 0; i < G_N_ELEMENTS(triggers); i++) {
        leave_state(s);
        qtest_outb(s, triggers[i].port, triggers[i].value);
        check_reset_state(s);
    }
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reset/rcr-register", test_rcr_register);
    g_test_add_func("/reset/rcr-reset", test_rcr_reset);
    g_test_add_func("/reset/port92", test_port92);
    g_test_add_func("/reset/machine-reset", test_machine_reset);
    return g_test_run();
}
