/*
 * The i440FX host bridge and PCI configuration mechanism #1 through the
 * qtest protocol: IDs, all ones where there is no device, sized config
 * accesses, read-only and write-1-to-clear bits, PAM and SMRAM.
 */
#include "tests/qtest/libqtest.h"

#define CONF_ADDR   0xcf8
#define CONF_DATA   0xcfc
#define HOST        0x00            /* devfn 00.0 */
#define PIIX3       0x08            /* 01.0 */
#define PIIX4_PM    0x0b            /* 01.3 */

#define PAM0        0x59
#define SMRAM       0x72

static void test_ids(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_pci_cfg_readl(s, HOST, 0x00), ==, 0x12378086);
    /* class 06/00/00 (host bridge), revision 02 */
    g_assert_cmphex(qtest_pci_cfg_readl(s, HOST, 0x08), ==, 0x06000002);
    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, 0x0e), ==, 0x00);
    g_assert_cmphex(qtest_pci_cfg_readw(s, HOST, 0x06), ==, 0x0200);
    /* The PIIX3 is multi-function; its PM function is 01.3 */
    g_assert_cmphex(qtest_pci_cfg_readl(s, PIIX3, 0x00), ==, 0x70008086);
    g_assert_cmphex(qtest_pci_cfg_readw(s, PIIX3, 0x0a), ==, 0x0601);
    g_assert_cmphex(qtest_pci_cfg_readb(s, PIIX3, 0x0e), ==, 0x80);
    g_assert_cmphex(qtest_pci_cfg_readl(s, PIIX4_PM, 0x00), ==, 0x71138086);
    g_assert_cmphex(qtest_pci_cfg_readw(s, PIIX4_PM, 0x0a), ==, 0x0680);
    qtest_quit(s);
}

static void test_conf_addr(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_inl(s, CONF_ADDR), ==, 0);
    qtest_outl(s, CONF_ADDR, 0x80000000);
    g_assert_cmphex(qtest_inl(s, CONF_ADDR), ==, 0x80000000);
    /* bits 30:24 are reserved and bits 1:0 are zero */
    qtest_outl(s, CONF_ADDR, 0xffffffff);
    g_assert_cmphex(qtest_inl(s, CONF_ADDR), ==, 0x80fffffc);
    /* Byte accesses are not CONFIG_ADDRESS (Linux's type 1 probe
     * writes 0xCFB) */
    qtest_outl(s, CONF_ADDR, 0x80000000);
    qtest_outb(s, CONF_ADDR + 3, 0x01);
    g_assert_cmphex(qtest_inl(s, CONF_ADDR), ==, 0x80000000);
    qtest_quit(s);
}

static void test_absent(void)
{
    QTestState *s = qtest_init(NULL);

    /* slot 2, slot 31, and functions of slot 0 that do not exist */
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0x10, 0x00), ==, 0xffffffff);
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0xf8, 0x00), ==, 0xffffffff);
    g_assert_cmphex(qtest_pci_cfg_readw(s, 0x01, 0x02), ==, 0xffff);
    g_assert_cmphex(qtest_pci_cfg_readb(s, 0x09, 0x0e), ==, 0xff);
    /* a write there goes nowhere */
    qtest_pci_cfg_writel(s, 0x10, 0x04, 0x7);
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0x10, 0x04), ==, 0xffffffff);
    /* enable bit clear: the data port is not decoded */
    qtest_outl(s, CONF_ADDR, 0x00000000);
    g_assert_cmphex(qtest_inl(s, CONF_DATA), ==, 0xffffffff);
    /* bus 1: no bridge, no bus */
    qtest_outl(s, CONF_ADDR, 0x80010000);
    g_assert_cmphex(qtest_inl(s, CONF_DATA), ==, 0xffffffff);
    qtest_quit(s);
}

static void test_sized_access(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_outl(s, CONF_ADDR, 0x80000000);
    g_assert_cmphex(qtest_inb(s, CONF_DATA), ==, 0x86);
    g_assert_cmphex(qtest_inb(s, CONF_DATA + 1), ==, 0x80);
    g_assert_cmphex(qtest_inb(s, CONF_DATA + 3), ==, 0x12);
    g_assert_cmphex(qtest_inw(s, CONF_DATA), ==, 0x8086);
    g_assert_cmphex(qtest_inw(s, CONF_DATA + 2), ==, 0x1237);
    /* with 0x58 selected, 0xCFD is PAM0 and 0xCFE-0xCFF PAM1-2 */
    qtest_outl(s, CONF_ADDR, 0x80000058);
    qtest_outw(s, CONF_DATA + 2, 0x3311);
    qtest_outb(s, CONF_DATA + 1, 0xff);
    g_assert_cmphex(qtest_inb(s, CONF_DATA + 1), ==, 0x30);   /* PAM0 */
    g_assert_cmphex(qtest_inb(s, CONF_DATA + 2), ==, 0x11);   /* PAM1 */
    g_assert_cmphex(qtest_inl(s, CONF_DATA), ==, 0x33113000);
    qtest_quit(s);
}

static void test_read_only(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_pci_cfg_writel(s, HOST, 0x00, 0);
    g_assert_cmphex(qtest_pci_cfg_readl(s, HOST, 0x00), ==, 0x12378086);
    qtest_pci_cfg_writel(s, HOST, 0x08, 0);
    g_assert_cmphex(qtest_pci_cfg_readl(s, HOST, 0x08), ==, 0x06000002);
    /* command: only the implemented bits stick */
    qtest_pci_cfg_writew(s, HOST, 0x04, 0xffff);
    g_assert_cmphex(qtest_pci_cfg_readw(s, HOST, 0x04), ==, 0x0547);
    /* status: error bits are write-1-to-clear, DEVSEL read-only */
    qtest_pci_cfg_writew(s, HOST, 0x06, 0xffff);
    g_assert_cmphex(qtest_pci_cfg_readw(s, HOST, 0x06), ==, 0x0200);
    /* latency timer writable, header type not */
    qtest_pci_cfg_writeb(s, HOST, 0x0d, 0x40);
    qtest_pci_cfg_writeb(s, HOST, 0x0e, 0x80);
    g_assert_cmphex(qtest_pci_cfg_readl(s, HOST, 0x0c), ==, 0x00004000);
    qtest_quit(s);
}

static void test_pam(void)
{
    QTestState *s = qtest_init(NULL);

    for (int i = 0; i < 7; i++) {
        g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, PAM0 + i), ==, 0);
    }
    /* PAM0 has only the high nibble (0xF0000); PAM1-6 two segments */
    qtest_pci_cfg_writeb(s, HOST, PAM0, 0xff);
    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, PAM0), ==, 0x30);
    for (int i = 1; i < 7; i++) {
        qtest_pci_cfg_writeb(s, HOST, PAM0 + i, 0xff);
        g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, PAM0 + i), ==, 0x33);
    }
    qtest_pci_cfg_writeb(s, HOST, PAM0 + 3, 0x12);
    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, PAM0 + 3), ==, 0x12);
    /* the shadowed area still reads as before: PAM is stored only */
    g_assert_cmphex(qtest_readl(s, 0xf0000), ==, 0);
    qtest_quit(s);
}

static void test_smram(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, SMRAM), ==, 0x02);
    /* C_BASE_SEG is read-only */
    qtest_pci_cfg_writeb(s, HOST, SMRAM, 0x48);     /* D_OPEN | G_SMRAME */
    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, SMRAM), ==, 0x4a);
    /* D_LCK clears D_OPEN and locks D_OPEN, D_LCK and G_SMRAME */
    qtest_pci_cfg_writeb(s, HOST, SMRAM, 0x58);
    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, SMRAM), ==, 0x1a);
    qtest_pci_cfg_writeb(s, HOST, SMRAM, 0x40);
    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, SMRAM), ==, 0x1a);
    /* D_CLS stays writable */
    qtest_pci_cfg_writeb(s, HOST, SMRAM, 0x20);
    g_assert_cmphex(qtest_pci_cfg_readb(s, HOST, SMRAM), ==, 0x3a);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i440fx/ids", test_ids);
    g_test_add_func("/i440fx/conf-addr", test_conf_addr);
    g_test_add_func("/i440fx/absent", test_absent);
    g_test_add_func("/i440fx/sized-access", test_sized_access);
    g_test_add_func("/i440fx/read-only", test_read_only);
    g_test_add_func("/i440fx/pam", test_pam);
    g_test_add_func("/i440fx/smram", test_smram);
    return g_test_run();
}
