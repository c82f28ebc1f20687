/*
 * The PCI core through pci-testdev (hw/misc/pci-testdev.c) over qtest:
 * BAR sizing, mapping into the memory and I/O spaces under the command
 * register, moving BARs, refused overlaps, and INTx through the PIIX3's
 * PIRQ routing to an ISA IRQ of the 8259.
 */
#include "tests/qtest/libqtest.h"

#define DEV         0x18            /* pci-testdev at 03.0 */
#define PIIX3       0x08
#define PIRQRC      0x60

#define CMD         0x04
#define STATUS      0x06
#define BAR(n)      (0x10 + 4 * (n))
#define ROM         0x30
#define INT_LINE    0x3c
#define INT_PIN     0x3d

#define CMD_IO      0x0001
#define CMD_MEM     0x0002
#define CMD_INTX_DISABLE 0x0400
#define STATUS_INT  0x0008

/* pci-testdev registers */
#define MAGIC       0x00
#define SCRATCH     0x04
#define INTX        0x08
#define BAR_INDEX   0x0c
#define STATUS_SET  0x10
#define DMA_ADDR    0x14
#define DMA_CMD     0x18
#define CMD_MASTER  0x0004
#define MAGIC_VALUE 0x54534554

#define MEM_BASE    0xe0000000u
#define IO_BASE     0xc000

static QTestState *start(void)
{
    return qtest_init("-device pci-testdev,addr=03.0");
}

static void test_ids(void)
{
    QTestState *s = start();

    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, 0x00), ==, 0x7e571234);
    g_assert_cmphex(qtest_pci_cfg_readb(s, DEV, INT_PIN), ==, 1);
    /* BARs start unprogrammed; decode is off */
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(0)), ==, 0x00000000);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(1)), ==, 0x00000001);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(2)), ==, 0x0000000c);
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, CMD), ==, 0);
    qtest_quit(s);
}

static void test_bar_sizing(void)
{
    QTestState *s = start();

    for (int n = 0; n < 6; n++) {
        qtest_pci_cfg_writel(s, DEV, BAR(n), 0xffffffff);
    }
    qtest_pci_cfg_writel(s, DEV, ROM, 0xffffffff);
    /* 4 KiB memory; 64 ports; 1 MiB 64-bit prefetchable (two BARs) */
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(0)), ==, 0xfffff000);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(1)), ==, 0xffffffc1);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(2)), ==, 0xfff0000c);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(3)), ==, 0xffffffff);
    /* unimplemented BARs and the ROM BAR read zero */
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(4)), ==, 0);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(5)), ==, 0);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, ROM), ==, 0);
    /* a byte write changes only its byte, type bits stay */
    qtest_pci_cfg_writel(s, DEV, BAR(0), 0);
    qtest_pci_cfg_writeb(s, DEV, BAR(0) + 3, 0xe1);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(0)), ==, 0xe1000000);
    qtest_quit(s);
}

static void test_mem_mapping(void)
{
    QTestState *s = start();

    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    /* not decoded until the command register says so */
    g_assert_cmphex(qtest_readl(s, MEM_BASE), ==, 0xffffffff);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + MAGIC), ==, MAGIC_VALUE);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + BAR_INDEX), ==, 0);
    g_assert_cmphex(qtest_readw(s, MEM_BASE + MAGIC + 2), ==, 0x5453);
    qtest_writel(s, MEM_BASE + SCRATCH, 0xcafef00d);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + SCRATCH), ==, 0xcafef00d);
    /* memory enable off: gone; the I/O enable alone does not map it */
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO);
    g_assert_cmphex(qtest_readl(s, MEM_BASE), ==, 0xffffffff);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + SCRATCH), ==, 0xcafef00d);
    /* sizing with decode on: unmapped while it holds all ones */
    qtest_pci_cfg_writel(s, DEV, BAR(0), 0xffffffff);
    g_assert_cmphex(qtest_readl(s, MEM_BASE), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, 0xfffff000), ==, 0xffffffff);
    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    g_assert_cmphex(qtest_readl(s, MEM_BASE), ==, MAGIC_VALUE);
    qtest_quit(s);
}

static void test_io_mapping(void)
{
    QTestState *s = start();

    qtest_pci_cfg_writel(s, DEV, BAR(1), IO_BASE);
    g_assert_cmphex(qtest_inl(s, IO_BASE), ==, 0xffffffff);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO);
    g_assert_cmphex(qtest_inl(s, IO_BASE + MAGIC), ==, MAGIC_VALUE);
    g_assert_cmphex(qtest_inl(s, IO_BASE + BAR_INDEX), ==, 1);
    g_assert_cmphex(qtest_inb(s, IO_BASE + 3), ==, 0x54);
    /* the same registers behind both BARs */
    qtest_outl(s, IO_BASE + SCRATCH, 0x12345678);
    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO | CMD_MEM);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + SCRATCH), ==, 0x12345678);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    g_assert_cmphex(qtest_inl(s, IO_BASE), ==, 0xffffffff);
    qtest_quit(s);
}

static void test_move_bar(void)
{
    QTestState *s = start();

    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    qtest_pci_cfg_writel(s, DEV, BAR(1), IO_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO | CMD_MEM);
    g_assert_cmphex(qtest_readl(s, MEM_BASE), ==, MAGIC_VALUE);
    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE + 0x100000);
    g_assert_cmphex(qtest_readl(s, MEM_BASE), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + 0x100000), ==, MAGIC_VALUE);
    qtest_pci_cfg_writel(s, DEV, BAR(1), IO_BASE + 0x100);
    g_assert_cmphex(qtest_inl(s, IO_BASE), ==, 0xffffffff);
    g_assert_cmphex(qtest_inl(s, IO_BASE + 0x100 + BAR_INDEX), ==, 1);
    /* the 64-bit BAR above 4 GiB */
    qtest_pci_cfg_writel(s, DEV, BAR(2), 0);
    qtest_pci_cfg_writel(s, DEV, BAR(3), 0x1);
    g_assert_cmphex(qtest_readl(s, 0x100000000ull + BAR_INDEX), ==, 2);
    qtest_pci_cfg_writel(s, DEV, BAR(3), 0x2);
    g_assert_cmphex(qtest_readl(s, 0x100000000ull), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, 0x200000000ull), ==, MAGIC_VALUE);
    qtest_quit(s);
}

/* A BAR over RAM or a board device is not decoded, and decoded again
 * once moved somewhere free. */
static void test_overlap(void)
{
    QTestState *s = start();

    qtest_writel(s, 0x100000, 0x11223344);
    qtest_pci_cfg_writel(s, DEV, BAR(0), 0x100000);
    qtest_pci_cfg_writel(s, DEV, BAR(1), 0x60);     /* the i8042 */
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO | CMD_MEM);
    g_assert_cmphex(qtest_readl(s, 0x100000), ==, 0x11223344);
    g_assert_cmphex(qtest_inb(s, 0x64) & 0x10, ==, 0x10);  /* i8042 status */
    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    g_assert_cmphex(qtest_readl(s, MEM_BASE), ==, MAGIC_VALUE);
    g_assert_cmphex(qtest_readl(s, 0x100000), ==, 0x11223344);
    qtest_quit(s);
}

static void test_two_devices_overlap(void)
{
    QTestState *s = qtest_init("-device pci-testdev,addr=3 "
                               "-device pci-testdev,addr=0x4");
    int dev2 = 0x20;

    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    qtest_pci_cfg_writel(s, dev2, BAR(0), MEM_BASE);
    qtest_pci_cfg_writew(s, dev2, CMD, CMD_MEM);
    qtest_writel(s, MEM_BASE + SCRATCH, 1);
    /* The first one keeps the place; the second appears when it leaves. */
    qtest_pci_cfg_writew(s, DEV, CMD, 0);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + SCRATCH), ==, 0);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + SCRATCH), ==, 0);
    qtest_quit(s);
}

static void test_intx_routing(void)
{
    QTestState *s = start();

    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    qtest_irq_intercept_in(s, "i8259");
    for (int n = 0; n < 4; n++) {
        g_assert_cmphex(qtest_pci_cfg_readb(s, PIIX3, PIRQRC + n), ==, 0x80);
    }
    /* Slot 3 INTA is PIRQC; route it to IRQ 11 */
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0x0b);
    g_assert_cmphex(qtest_pci_cfg_readb(s, PIIX3, PIRQRC + 2), ==, 0x0b);
    qtest_writel(s, MEM_BASE + INTX, 1);
    g_assert_true(qtest_get_irq(s, 11));
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, STATUS) & STATUS_INT, ==,
                    STATUS_INT);
    qtest_writel(s, MEM_BASE + INTX, 0);
    g_assert_false(qtest_get_irq(s, 11));
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, STATUS) & STATUS_INT, ==, 0);
    /* the other PIRQs are not involved */
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 0, 0x05);
    qtest_writel(s, MEM_BASE + INTX, 1);
    g_assert_false(qtest_get_irq(s, 5));
    g_assert_true(qtest_get_irq(s, 11));
    /* re-routed while asserted: the level moves with it */
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0x0a);
    g_assert_false(qtest_get_irq(s, 11));
    g_assert_true(qtest_get_irq(s, 10));
    qtest_quit(s);
}

static void test_intx_disable_and_route_off(void)
{
    QTestState *s = start();

    qtest_pci_cfg_writel(s, DEV, BAR(1), IO_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO);
    qtest_irq_intercept_in(s, "i8259");
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0x0b);
    qtest_outl(s, IO_BASE + INTX, 1);
    g_assert_true(qtest_get_irq(s, 11));
    /* INTx Disable: the pin goes quiet, the status bit still shows it */
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO | CMD_INTX_DISABLE);
    g_assert_false(qtest_get_irq(s, 11));
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, STATUS) & STATUS_INT, ==,
                    STATUS_INT);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO);
    g_assert_true(qtest_get_irq(s, 11));
    /* a disabled route, and reserved IRQ numbers, route nowhere */
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0x8b);
    g_assert_false(qtest_get_irq(s, 11));
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0x02);
    g_assert_false(qtest_get_irq(s, 2));
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0x0d);
    g_assert_false(qtest_get_irq(s, 13));
    /* bits 6:4 are reserved */
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0xff);
    g_assert_cmphex(qtest_pci_cfg_readb(s, PIIX3, PIRQRC + 2), ==, 0x8f);
    qtest_quit(s);
}

/* Two devices on the same PIRQ (slots 3 and 7: both PIRQC) share it. */
static void test_intx_shared(void)
{
    QTestState *s = qtest_init("-device pci-testdev,addr=3 "
                               "-device pci-testdev,addr=7");
    int dev2 = 0x38;

    qtest_pci_cfg_writel(s, DEV, BAR(1), IO_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO);
    qtest_pci_cfg_writel(s, dev2, BAR(1), IO_BASE + 0x40);
    qtest_pci_cfg_writew(s, dev2, CMD, CMD_IO);
    qtest_irq_intercept_in(s, "i8259");
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 0x0a);
    qtest_outl(s, IO_BASE + INTX, 1);
    qtest_outl(s, IO_BASE + 0x40 + INTX, 1);
    g_assert_true(qtest_get_irq(s, 10));
    qtest_outl(s, IO_BASE + INTX, 0);
    g_assert_true(qtest_get_irq(s, 10));
    qtest_outl(s, IO_BASE + 0x40 + INTX, 0);
    g_assert_false(qtest_get_irq(s, 10));
    g_assert_cmpuint(qtest_irq_raises(s, 10), ==, 1);
    qtest_quit(s);
}

/* INTA of slots 2-5 lands on PIRQB, C, D, A: the rotation the ACPI _PRT
 * describes. Each PIRQ is routed to its own IRQ to tell them apart. */
static void test_intx_swizzle(void)
{
    QTestState *s = qtest_init("-device pci-testdev,addr=2 "
                               "-device pci-testdev,addr=3 "
                               "-device pci-testdev,addr=4 "
                               "-device pci-testdev,addr=5");
    static const int pirq_irq[4] = { 5, 10, 11, 14 };
    static const int slot_pirq[4] = { 1, 2, 3, 0 };     /* slots 2-5 */

    qtest_irq_intercept_in(s, "i8259");
    for (int n = 0; n < 4; n++) {
        qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + n, pirq_irq[n]);
    }
    for (int i = 0; i < 4; i++) {
        int devfn = (2 + i) << 3;
        qtest_pci_cfg_writel(s, devfn, BAR(1), IO_BASE + 0x40 * i);
        qtest_pci_cfg_writew(s, devfn, CMD, CMD_IO);
    }
    for (int i = 0; i < 4; i++) {
        qtest_outl(s, IO_BASE + 0x40 * i + INTX, 1);
        for (int n = 0; n < 4; n++) {
            g_assert_cmpint(qtest_get_irq(s, pirq_irq[n]), ==,
                            n == slot_pirq[i]);
        }
        qtest_outl(s, IO_BASE + 0x40 * i + INTX, 0);
        g_assert_false(qtest_get_irq(s, pirq_irq[slot_pirq[i]]));
    }
    /* two PIRQs routed to one IRQ share it */
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 0, 11);
    qtest_outl(s, IO_BASE + 0x40 * 3 + INTX, 1);    /* slot 5: PIRQA */
    qtest_outl(s, IO_BASE + 0x40 * 1 + INTX, 1);    /* slot 3: PIRQC */
    qtest_outl(s, IO_BASE + 0x40 * 3 + INTX, 0);
    g_assert_true(qtest_get_irq(s, 11));
    qtest_outl(s, IO_BASE + 0x40 * 1 + INTX, 0);
    g_assert_false(qtest_get_irq(s, 11));
    qtest_quit(s);
}

/* A PIRQ routed to IRQ 9 shares it with the ACPI SCI: the line is
 * their OR (hw/i386/pc.c). */
static void test_intx_shares_sci(void)
{
    QTestState *s = start();

    qtest_irq_intercept_in(s, "i8259");
    qtest_pci_cfg_writel(s, DEV, BAR(1), IO_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_IO);
    qtest_pci_cfg_writeb(s, PIIX3, PIRQRC + 2, 9);
    qtest_outl(s, IO_BASE + INTX, 1);
    g_assert_true(qtest_get_irq(s, 9));
    /* the SCI: PM timer overflow enabled, then due */
    qtest_outw(s, 0x602, 0x0001);
    qtest_clock_step_next(s);
    g_assert_cmphex(qtest_inw(s, 0x600) & 1, ==, 1);
    qtest_outl(s, IO_BASE + INTX, 0);
    g_assert_true(qtest_get_irq(s, 9));         /* the SCI holds it */
    qtest_outl(s, IO_BASE + INTX, 1);
    qtest_outw(s, 0x600, 0x0001);               /* SCI off */
    g_assert_true(qtest_get_irq(s, 9));         /* INTx holds it */
    qtest_outl(s, IO_BASE + INTX, 0);
    g_assert_false(qtest_get_irq(s, 9));
    qtest_quit(s);
}

static void test_interrupt_line(void)
{
    QTestState *s = start();

    g_assert_cmphex(qtest_pci_cfg_readb(s, DEV, INT_LINE), ==, 0);
    qtest_pci_cfg_writeb(s, DEV, INT_LINE, 0x0b);
    g_assert_cmphex(qtest_pci_cfg_readb(s, DEV, INT_LINE), ==, 0x0b);
    /* the pin is read-only */
    qtest_pci_cfg_writeb(s, DEV, INT_PIN, 4);
    g_assert_cmphex(qtest_pci_cfg_readb(s, DEV, INT_PIN), ==, 1);
    qtest_pci_cfg_writew(s, DEV, INT_LINE, 0x030a);
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, INT_LINE), ==, 0x010a);
    qtest_quit(s);
}

/* Error bits in the status register are write-1-to-clear. */
static void test_status_w1c(void)
{
    QTestState *s = start();

    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, STATUS), ==, 0);
    qtest_writel(s, MEM_BASE + STATUS_SET, 0x3000);  /* master/target abort */
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, STATUS), ==, 0x3000);
    /* writing 0 keeps them; writing 1 clears only those */
    qtest_pci_cfg_writew(s, DEV, STATUS, 0x0000);
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, STATUS), ==, 0x3000);
    qtest_pci_cfg_writew(s, DEV, STATUS, 0x1000);
    g_assert_cmphex(qtest_pci_cfg_readw(s, DEV, STATUS), ==, 0x2000);
    /* a dword write at 0x04 carries the status in its high half */
    qtest_pci_cfg_writel(s, DEV, CMD, 0xffff0000 | CMD_MEM);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, CMD), ==, CMD_MEM);
    qtest_quit(s);
}

/* DMA reaches guest memory only with Bus Master Enable. */
static void test_dma_bus_master(void)
{
    QTestState *s = start();

    qtest_pci_cfg_writel(s, DEV, BAR(0), MEM_BASE);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    qtest_writel(s, 0x2000, 0x11111111);
    qtest_writel(s, MEM_BASE + SCRATCH, 0xdeadbeef);
    qtest_writel(s, MEM_BASE + DMA_ADDR, 0x2000);
    qtest_writel(s, MEM_BASE + DMA_CMD, 1);         /* scratch -> memory */
    g_assert_cmphex(qtest_readl(s, MEM_BASE + DMA_CMD), ==, 0);
    g_assert_cmphex(qtest_readl(s, 0x2000), ==, 0x11111111);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM | CMD_MASTER);
    qtest_writel(s, MEM_BASE + DMA_CMD, 1);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + DMA_CMD), ==, 1);
    g_assert_cmphex(qtest_readl(s, 0x2000), ==, 0xdeadbeef);
    /* memory -> scratch */
    qtest_writel(s, 0x3000, 0x0badf00d);
    qtest_writel(s, MEM_BASE + DMA_ADDR, 0x3000);
    qtest_writel(s, MEM_BASE + DMA_CMD, 2);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + SCRATCH), ==, 0x0badf00d);
    /* to nowhere: reported, nothing breaks */
    qtest_writel(s, MEM_BASE + DMA_ADDR, 0xd0000000);
    qtest_writel(s, MEM_BASE + DMA_CMD, 1);
    g_assert_cmphex(qtest_readl(s, MEM_BASE + DMA_CMD), ==, 0);
    qtest_quit(s);
}

/* Without addr= a device takes the first free slot (2), as in QEMU. */
static void test_auto_slot(void)
{
    QTestState *s = qtest_init("-device pci-testdev "
                               "-device driver=pci-testdev,addr=2.1");

    g_assert_cmphex(qtest_pci_cfg_readl(s, 0x10, 0x00), ==, 0x7e571234);
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0x11, 0x00), ==, 0x7e571234);
    g_assert_cmphex(qtest_pci_cfg_readl(s, 0x18, 0x00), ==, 0xffffffff);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/ids", test_ids);
    g_test_add_func("/pci/bar-sizing", test_bar_sizing);
    g_test_add_func("/pci/mem-mapping", test_mem_mapping);
    g_test_add_func("/pci/io-mapping", test_io_mapping);
    g_test_add_func("/pci/move-bar", test_move_bar);
    g_test_add_func("/pci/overlap", test_overlap);
    g_test_add_func("/pci/two-devices-overlap", test_two_devices_overlap);
    g_test_add_func("/pci/intx-routing", test_intx_routing);
    g_test_add_func("/pci/intx-disable-route-off",
                    test_intx_disable_and_route_off);
    g_test_add_func("/pci/intx-shared", test_intx_shared);
    g_test_add_func("/pci/intx-swizzle", test_intx_swizzle);
    g_test_add_func("/pci/intx-shares-sci", test_intx_shares_sci);
    g_test_add_func("/pci/interrupt-line", test_interrupt_line);
    g_test_add_func("/pci/status-w1c", test_status_w1c);
    g_test_add_func("/pci/dma-bus-master", test_dma_bus_master);
    g_test_add_func("/pci/auto-slot", test_auto_slot);
    return g_test_run();
}
