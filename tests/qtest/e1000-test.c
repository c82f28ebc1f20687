/*
 * The e1000 (hw/net/e1000.c) over qtest, with -netdev loopback sending
 * every transmitted frame back: PCI header and BARs, reset values, the
 * EEPROM (EERD and bit-banged EECD), the PHY through MDIC, interrupts
 * through the PIIX3's PIRQ routing, transmit and receive rings, TCP
 * segmentation and checksum offload, statistics, address filtering, and
 * a hostile guest's rings and descriptors.
 */
#include <string.h>
#include <sys/wait.h>

#include "tests/qtest/libqtest.h"

#define DEV         0x18            /* e1000 at 03.0: INTA is PIRQC */
#define PIIX3       0x08
#define PIRQRC      0x60
#define IRQ         11

#define CMD         0x04
#define BAR(n)      (0x10 + 4 * (n))
#define CMD_IO      0x0001
#define CMD_MEM     0x0002
#define CMD_MASTER  0x0004

#define MMIO        0xe0000000u
#define IOBASE      0xc000

/* Registers (8254x SDM chapter 13) */
#define CTRL        0x0000
#define STATUS      0x0008
#define EECD        0x0010
#define EERD        0x0014
#define MDIC        0x0020
#define ICR         0x00c0
#define ICS         0x00c8
#define IMS         0x00d0
#define IMC         0x00d8
#define RCTL        0x0100
#define TCTL        0x0400
#define RDBAL       0x2800
#define RDBAH       0x2804
#define RDLEN       0x2808
#define RDH         0x2810
#define RDT         0x2818
#define TDBAL       0x3800
#define TDBAH       0x3804
#define TDLEN       0x3808
#define TDH         0x3810
#define TDT         0x3818
#define MPC         0x4010
#define GPRC        0x4074
#define BPRC        0x4078
#define GPTC        0x4080
#define GORCL       0x4088
#define GORCH       0x408c
#define GOTCL       0x4090
#define GOTCH       0x4094
#define TORL        0x40c0
#define TORH        0x40c4
#define TOTL        0x40c8
#define TOTH        0x40cc
#define TPR         0x40d0
#define TPT         0x40d4
#define MTA         0x5200
#define RAL0        0x5400
#define RAH0        0x5404

#define ICR_TXDW    0x01
#define ICR_TXQE    0x02
#define ICR_LSC     0x04
#define ICR_RXDMT0  0x10
#define ICR_RXO     0x40
#define ICR_RXT0    0x80

#define RCTL_EN     0x00000002
#define RCTL_UPE    0x00000008
#define RCTL_MPE    0x00000010
#define RCTL_BAM    0x00008000
#define RCTL_SECRC  0x04000000
#define TCTL_EN     0x00000002
#define TCTL_PSP    0x00000008

#define TXD_EOP     0x01
#define TXD_IFCS    0x02
#define TXD_TSE     0x04
#define TXD_RS      0x08
#define TXD_DEXT    0x20
#define RXD_DD      0x01
#define RXD_EOP     0x02

/* Guest memory the tests use */
#define TX_RING     0x100000
#define RX_RING     0x101000
#define TX_BUF      0x110000
#define RX_BUF      0x200000
#define RING_DESCS  16
#define RX_BUF_SIZE 2048

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

typedef struct Nic {
    QTestState *s;
    unsigned tx_tail;
    unsigned rx_next;       /* the next RX descriptor to look at */
} Nic;

static uint32_t rd(Nic *n, uint32_t r)
{
    return qtest_readl(n->s, MMIO + r);
}

static void wr(Nic *n, uint32_t r, uint32_t v)
{
    qtest_writel(n->s, MMIO + r, v);
}

static Nic nic_start(const char *extra)
{
    g_autofree char *args = g_strdup_printf(
        "-netdev loopback,id=n0 -device e1000,netdev=n0,addr=03.0 %s",
        extra ? extra : "");
    Nic n = { .s = qtest_init(args) };

    qtest_pci_cfg_writel(n.s, DEV, BAR(0), MMIO);
    qtest_pci_cfg_writel(n.s, DEV, BAR(1), IOBASE);
    qtest_pci_cfg_writew(n.s, DEV, CMD, CMD_MEM | CMD_IO | CMD_MASTER);
    qtest_irq_intercept_in(n.s, "i8259");
    qtest_pci_cfg_writeb(n.s, PIIX3, PIRQRC + 2, IRQ);
    return n;
}

/* Both rings of RING_DESCS; RX buffers of 2 KiB, all given to the NIC */
static void nic_rings(Nic *n, uint32_t rctl)
{
    for (int i = 0; i < RING_DESCS; i++) {
        qtest_writeq(n->s, RX_RING + 16 * i, RX_BUF + RX_BUF_SIZE * i);
        qtest_writeq(n->s, RX_RING + 16 * i + 8, 0);
    }
    qtest_memset(n->s, TX_RING, 0, 16 * RING_DESCS);
    wr(n, RDBAL, RX_RING);
    wr(n, RDBAH, 0);
    wr(n, RDLEN, 16 * RING_DESCS);
    wr(n, RDH, 0);
    wr(n, RDT, RING_DESCS - 1);
    wr(n, RCTL, rctl);
    wr(n, TDBAL, TX_RING);
    wr(n, TDBAH, 0);
    wr(n, TDLEN, 16 * RING_DESCS);
    wr(n, TDH, 0);
    wr(n, TDT, 0);
    wr(n, TCTL, TCTL_EN | TCTL_PSP);
    n->tx_tail = 0;
    n->rx_next = 0;
}

/* Queues one descriptor (legacy when dext is false) without kicking. */
static void tx_desc(Nic *n, uint64_t addr, uint32_t lower, uint32_t upper)
{
    uint64_t d = TX_RING + 16 * n->tx_tail;

    qtest_writeq(n->s, d, addr);
    qtest_writel(n->s, d + 8, lower);
    qtest_writel(n->s, d + 12, upper);
    n->tx_tail = (n->tx_tail + 1) % RING_DESCS;
}

static void tx_kick(Nic *n)
{
    wr(n, TDT, n->tx_tail);
}

/* One frame in one legacy descriptor, sent. */
static void tx_frame(Nic *n, const uint8_t *frame, size_t len)
{
    qtest_memwrite(n->s, TX_BUF, frame, len);
    tx_desc(n, TX_BUF, len | (TXD_EOP | TXD_IFCS | TXD_RS) << 24, 0);
    tx_kick(n);
}

/* The next received frame: its length and status (0 if none yet). */
static uint8_t rx_frame(Nic *n, uint8_t *buf, size_t *len)
{
    uint64_t d = RX_RING + 16 * n->rx_next;
    uint8_t status = qtest_readb(n->s, d + 12);

    if (!(status & RXD_DD)) {
        return 0;
    }
    *len = qtest_readw(n->s, d + 8);
    g_assert_cmpuint(*len, <=, RX_BUF_SIZE);
    qtest_memread(n->s, qtest_readq(n->s, d), buf, *len);
    /* give it back */
    qtest_writeq(n->s, d + 8, 0);
    wr(n, RDT, n->rx_next);
    n->rx_next = (n->rx_next + 1) % RING_DESCS;
    return status;
}

static size_t make_frame(uint8_t *f, const uint8_t *dst, size_t len)
{
    static const uint8_t src[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x88;
    f[13] = 0xb5;       /* local experimental EtherType */
    for (size_t i = 14; i < len; i++) {
        f[i] = i * 7 + 3;
    }
    return len;
}

static uint32_t crc32_eth(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xffffffff;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = crc & 1 ? 0xedb88320 ^ (crc >> 1) : crc >> 1;
        }
    }
    return ~crc;
}

/* ---- Tests ---- */

static void test_pci_header(void)
{
    QTestState *s = qtest_init("-netdev loopback,id=n0 "
                               "-device e1000,netdev=n0,addr=03.0");

    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, 0x00), ==, 0x100e8086);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, 0x08) >> 8, ==, 0x020000);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, 0x2c), ==, 0x001e8086);
    g_assert_cmphex(qtest_pci_cfg_readb(s, DEV, 0x3d), ==, 1);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(0)), ==, 0);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(1)), ==, 1);
    qtest_pci_cfg_writel(s, DEV, BAR(0), 0xffffffff);
    qtest_pci_cfg_writel(s, DEV, BAR(1), 0xffffffff);
    qtest_pci_cfg_writel(s, DEV, BAR(2), 0xffffffff);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(0)), ==, 0xfffe0000);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(1)), ==, 0xffffffc1);
    g_assert_cmphex(qtest_pci_cfg_readl(s, DEV, BAR(2)), ==, 0);
    qtest_quit(s);
}

static void test_reset_values(void)
{
    Nic n = nic_start(NULL);

    g_assert_cmphex(rd(&n, CTRL), ==, 0x00140240);
    g_assert_cmphex(rd(&n, STATUS), ==, 0x80080783);    /* LU, FD, 1000 */
    g_assert_cmphex(rd(&n, RCTL), ==, 0);
    g_assert_cmphex(rd(&n, TCTL), ==, 0);
    g_assert_cmphex(rd(&n, ICR), ==, 0);
    g_assert_cmphex(rd(&n, IMS), ==, 0);
    g_assert_cmphex(rd(&n, EECD) & 0x180, ==, 0x180);   /* PRES, GNT */
    /* receive address 0 is the MAC, valid */
    g_assert_cmphex(rd(&n, RAL0), ==, 0x12005452);
    g_assert_cmphex(rd(&n, RAH0), ==, 0x80005634);
    /* CTRL.RST puts registers back */
    wr(&n, RCTL, RCTL_EN);
    wr(&n, IMS, ICR_RXT0);
    wr(&n, CTRL, rd(&n, CTRL) | 0x04000000);
    g_assert_cmphex(rd(&n, RCTL), ==, 0);
    g_assert_cmphex(rd(&n, IMS), ==, 0);
    g_assert_cmphex(rd(&n, CTRL) & 0x04000000, ==, 0);
    qtest_quit(n.s);
}

/* A machine reset (0xCF9, without -no-reboot) puts the NIC back too */
static void test_machine_reset(void)
{
    Nic n = nic_start(NULL);

    wr(&n, RCTL, RCTL_EN);
    wr(&n, IMS, ICR_RXT0);
    qtest_outb(n.s, 0xcf9, 0x06);
    /* the PCI core unprogrammed the BARs: map them again */
    g_assert_cmphex(qtest_pci_cfg_readw(n.s, DEV, CMD), ==, 0);
    qtest_pci_cfg_writel(n.s, DEV, BAR(0), MMIO);
    qtest_pci_cfg_writew(n.s, DEV, CMD, CMD_MEM);
    g_assert_cmphex(rd(&n, RCTL), ==, 0);
    g_assert_cmphex(rd(&n, IMS), ==, 0);
    g_assert_cmphex(rd(&n, STATUS), ==, 0x80080783);
    qtest_quit(n.s);
}

static uint16_t eerd_read(Nic *n, unsigned addr)
{
    uint32_t v;

    wr(n, EERD, addr << 8 | 1);
    v = rd(n, EERD);
    g_assert_cmphex(v & 0x10, ==, 0x10);        /* DONE */
    g_assert_cmphex((v >> 8) & 0xff, ==, addr);
    return v >> 16;
}

/* As Linux's e1000_read_eeprom for a Microwire part (5.5) */
static uint16_t eecd_read(Nic *n, unsigned addr)
{
    uint32_t base = 0x40;       /* REQ */
    uint32_t bits = 0x6 << 6 | addr;    /* start, read, 6 address bits */
    uint16_t data = 0;

    wr(n, EECD, base);
    g_assert_cmphex(rd(n, EECD) & 0x80, ==, 0x80);     /* GNT */
    wr(n, EECD, base | 0x2);                            /* CS */
    for (int i = 8; i >= 0; i--) {
        uint32_t di = (bits >> i) & 1 ? 0x4 : 0;
        wr(n, EECD, base | 0x2 | di);
        wr(n, EECD, base | 0x2 | di | 0x1);             /* SK up */
        wr(n, EECD, base | 0x2 | di);
    }
    for (int i = 0; i < 16; i++) {
        wr(n, EECD, base | 0x2 | 0x1);
        data = data << 1 | !!(rd(n, EECD) & 0x8);       /* DO */
        wr(n, EECD, base | 0x2);
    }
    wr(n, EECD, 0);
    return data;
}

static void test_eeprom(void)
{
    Nic n = nic_start(NULL);
    uint16_t sum = 0;

    g_assert_cmphex(eerd_read(&n, 0), ==, 0x5452);
    g_assert_cmphex(eerd_read(&n, 1), ==, 0x1200);
    g_assert_cmphex(eerd_read(&n, 2), ==, 0x5634);
    for (unsigned i = 0; i < 0x40; i++) {
        sum += eerd_read(&n, i);
    }
    g_assert_cmphex(sum, ==, 0xbaba);
    g_assert_cmphex(eerd_read(&n, 0x0a), ==, 0x6403);   /* ICW1 */
    g_assert_cmphex(eerd_read(&n, 0x0f), ==, 0x3040);   /* ICW2 */
    g_assert_cmphex(eecd_read(&n, 0), ==, 0x5452);
    g_assert_cmphex(eecd_read(&n, 2), ==, 0x5634);
    g_assert_cmphex(eecd_read(&n, 0x3f), ==, eerd_read(&n, 0x3f));
    qtest_quit(n.s);
}

static void test_eeprom_mac_property(void)
{
    Nic n = nic_start("-device e1000,addr=04.0,mac=02:11:22:33:44:55,"
                      "id=nic1");
    uint16_t sum = 0;

    qtest_pci_cfg_writel(n.s, 0x20, BAR(0), MMIO + 0x100000);
    qtest_pci_cfg_writew(n.s, 0x20, CMD, CMD_MEM);
    wr(&n, 0x100000 + EERD, 0 << 8 | 1);
    g_assert_cmphex(rd(&n, 0x100000 + EERD) >> 16, ==, 0x1102);
    wr(&n, 0x100000 + EERD, 2 << 8 | 1);
    g_assert_cmphex(rd(&n, 0x100000 + EERD) >> 16, ==, 0x5544);
    for (unsigned i = 0; i < 0x40; i++) {
        wr(&n, 0x100000 + EERD, i << 8 | 1);
        sum += rd(&n, 0x100000 + EERD) >> 16;
    }
    g_assert_cmphex(sum, ==, 0xbaba);
    qtest_quit(n.s);
}

static uint32_t mdic(Nic *n, uint32_t v)
{
    wr(n, MDIC, v);
    v = rd(n, MDIC);
    g_assert_cmphex(v & 0x10000000, ==, 0x10000000);     /* ready */
    return v;
}

static uint16_t phy_read(Nic *n, unsigned r)
{
    uint32_t v = mdic(n, 0x08000000 | 1 << 21 | r << 16);

    g_assert_cmphex(v & 0x40000000, ==, 0);
    return v & 0xffff;
}

static void test_phy(void)
{
    Nic n = nic_start(NULL);

    g_assert_cmphex(phy_read(&n, 2), ==, 0x0141);
    g_assert_cmphex(phy_read(&n, 3), ==, 0x0c20);
    g_assert_cmphex(phy_read(&n, 1) & 0x24, ==, 0x24);   /* link, autoneg */
    g_assert_cmphex(phy_read(&n, 0), ==, 0x1140);
    /* restart autonegotiation: completes, link status change */
    mdic(&n, 0x04000000 | 1 << 21 | 0 << 16 | 0x1340);
    g_assert_cmphex(phy_read(&n, 0) & 0x0200, ==, 0);
    g_assert_cmphex(phy_read(&n, 1) & 0x24, ==, 0x24);
    g_assert_cmphex(rd(&n, ICR) & ICR_LSC, ==, ICR_LSC);
    /* a write to a writable register sticks, to a read-only one not */
    mdic(&n, 0x04000000 | 1 << 21 | 4 << 16 | 0x01e1);
    g_assert_cmphex(phy_read(&n, 4), ==, 0x01e1);
    mdic(&n, 0x04000000 | 1 << 21 | 2 << 16 | 0x1234);
    g_assert_cmphex(phy_read(&n, 2), ==, 0x0141);
    /* nothing at PHY address 2 */
    g_assert_cmphex(mdic(&n, 0x08000000 | 2 << 21 | 2 << 16) & 0x40000000,
                    ==, 0x40000000);
    qtest_quit(n.s);
}

static void test_interrupts(void)
{
    Nic n = nic_start(NULL);

    g_assert_false(qtest_get_irq(n.s, IRQ));
    wr(&n, ICS, ICR_RXT0);
    g_assert_false(qtest_get_irq(n.s, IRQ));        /* masked */
    wr(&n, IMS, ICR_RXT0 | ICR_TXDW);
    g_assert_cmphex(rd(&n, IMS), ==, ICR_RXT0 | ICR_TXDW);
    g_assert_true(qtest_get_irq(n.s, IRQ));
    wr(&n, IMC, ICR_RXT0);
    g_assert_false(qtest_get_irq(n.s, IRQ));
    g_assert_cmphex(rd(&n, IMS), ==, ICR_TXDW);
    wr(&n, IMS, ICR_RXT0);
    g_assert_true(qtest_get_irq(n.s, IRQ));
    /* reading ICR clears it and the line */
    g_assert_cmphex(rd(&n, ICR), ==, ICR_RXT0);
    g_assert_false(qtest_get_irq(n.s, IRQ));
    g_assert_cmphex(rd(&n, ICR), ==, 0);
    /* writing ones clears those causes */
    wr(&n, ICS, ICR_RXT0 | ICR_TXDW);
    g_assert_true(qtest_get_irq(n.s, IRQ));
    wr(&n, ICR, ICR_RXT0);
    g_assert_true(qtest_get_irq(n.s, IRQ));
    wr(&n, ICR, ICR_TXDW);
    g_assert_false(qtest_get_irq(n.s, IRQ));
    /* the status register shows INTx too */
    wr(&n, ICS, ICR_TXDW);
    g_assert_cmphex(qtest_pci_cfg_readw(n.s, DEV, 0x06) & 0x8, ==, 0x8);
    qtest_quit(n.s);
}

/* In APIC mode INTA of slot 3 reaches IOAPIC input 18 (PIRQC), which
 * the ACPI _PRT leaves at its default: active low. */
static void test_intx_ioapic(void)
{
    QTestState *s = qtest_init("-netdev loopback,id=n0 "
                               "-device e1000,netdev=n0,addr=03.0");
    Nic n = { .s = s };

    qtest_pci_cfg_writel(s, DEV, BAR(0), MMIO);
    qtest_pci_cfg_writew(s, DEV, CMD, CMD_MEM);
    qtest_irq_intercept_in(s, "ioapic");
    wr(&n, IMS, ICR_TXDW);
    wr(&n, ICS, ICR_TXDW);
    g_assert_false(qtest_get_irq(s, 18));           /* asserted: low */
    rd(&n, ICR);
    g_assert_true(qtest_get_irq(s, 18));            /* idle: high */
    g_assert_cmpuint(qtest_irq_raises(s, 18), ==, 1);
    g_assert_false(qtest_get_irq(s, 17) || qtest_get_irq(s, 19));
    qtest_quit(s);
}

static void test_io_bar(void)
{
    Nic n = nic_start(NULL);

    qtest_outl(n.s, IOBASE, STATUS);
    g_assert_cmphex(qtest_inl(n.s, IOBASE), ==, STATUS);
    g_assert_cmphex(qtest_inl(n.s, IOBASE + 4), ==, 0x80080783);
    /* a write through IODATA lands in the register */
    qtest_outl(n.s, IOBASE, 0x0410);                    /* TIPG */
    qtest_outl(n.s, IOBASE + 4, 0x00602008);
    g_assert_cmphex(rd(&n, 0x0410), ==, 0x00602008);
    /* CTRL.RST through I/O, as Linux resets an 82540 */
    wr(&n, IMS, ICR_RXT0);
    qtest_outl(n.s, IOBASE, CTRL);
    qtest_outl(n.s, IOBASE + 4, 0x04000000 | 0x00140240);
    g_assert_cmphex(rd(&n, IMS), ==, 0);
    g_assert_cmphex(qtest_inl(n.s, IOBASE + 4), ==, 0x00140240);
    qtest_quit(n.s);
}

static void test_loopback(void)
{
    Nic n = nic_start(NULL);
    uint8_t f[1500], r[2048];
    size_t len;
    uint32_t fcs;

    nic_rings(&n, RCTL_EN | RCTL_BAM);
    wr(&n, IMS, ICR_RXT0 | ICR_TXDW);
    make_frame(f, our_mac, 1000);
    tx_frame(&n, f, 1000);
    g_assert_cmpuint(rd(&n, TDH), ==, 1);
    g_assert_cmphex(qtest_readb(n.s, TX_RING + 12) & 1, ==, 1);  /* DD */
    g_assert_true(qtest_get_irq(n.s, IRQ));
    g_assert_cmphex(rd(&n, ICR) & (ICR_TXDW | ICR_TXQE | ICR_RXT0), ==,
                    ICR_TXDW | ICR_TXQE | ICR_RXT0);
    g_assert_false(qtest_get_irq(n.s, IRQ));
    /* back with the FCS (RCTL.SECRC clear), as Linux's e1000 expects */
    g_assert_cmphex(rx_frame(&n, r, &len), ==, RXD_DD | RXD_EOP | 0x04);
    g_assert_cmpuint(len, ==, 1004);
    g_assert_cmpmem(r, 1000, f, 1000);
    fcs = crc32_eth(f, 1000);
    g_assert_cmphex(r[1000] | r[1001] << 8 | r[1002] << 16 |
                    (uint32_t)r[1003] << 24, ==, fcs);
    g_assert_cmpuint(rd(&n, RDH), ==, 1);
    /* SECRC: no FCS; short frames padded to 60 */
    wr(&n, RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
    make_frame(f, our_mac, 42);
    tx_frame(&n, f, 42);
    g_assert_cmphex(rx_frame(&n, r, &len) & 3, ==, RXD_DD | RXD_EOP);
    g_assert_cmpuint(len, ==, 60);
    g_assert_cmpmem(r, 42, f, 42);
    for (int i = 42; i < 60; i++) {
        g_assert_cmpuint(r[i], ==, 0);
    }
    /* a frame larger than one buffer spans two descriptors */
    wr(&n, RCTL, RCTL_EN | RCTL_SECRC | (3u << 16));    /* 256-byte buffers */
    make_frame(f, our_mac, 400);
    tx_frame(&n, f, 400);
    g_assert_cmphex(rx_frame(&n, r, &len), ==, RXD_DD | 0);
    g_assert_cmpuint(len, ==, 256);
    g_assert_cmpmem(r, 256, f, 256);
    g_assert_cmphex(rx_frame(&n, r, &len) & 3, ==, RXD_DD | RXD_EOP);
    g_assert_cmpuint(len, ==, 144);
    g_assert_cmpmem(r, 144, f + 256, 144);
    qtest_quit(n.s);
}

static void test_statistics(void)
{
    Nic n = nic_start(NULL);
    uint8_t f[200], r[2048];
    size_t len;

    nic_rings(&n, RCTL_EN | RCTL_BAM | RCTL_SECRC);
    for (int i = 0; i < 3; i++) {
        make_frame(f, our_mac, 100);
        tx_frame(&n, f, 100);
        g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    }
    g_assert_cmpuint(rd(&n, GPTC), ==, 3);
    g_assert_cmpuint(rd(&n, TPT), ==, 3);
    g_assert_cmpuint(rd(&n, GPRC), ==, 3);
    g_assert_cmpuint(rd(&n, TPR), ==, 3);
    /* octets count from the destination address through the FCS */
    g_assert_cmpuint(rd(&n, GOTCL), ==, 312);
    g_assert_cmpuint(rd(&n, GOTCH), ==, 0);
    g_assert_cmpuint(rd(&n, GORCL), ==, 312);
    g_assert_cmpuint(rd(&n, GORCH), ==, 0);
    g_assert_cmpuint(rd(&n, TOTL), ==, 312);
    g_assert_cmpuint(rd(&n, TOTH), ==, 0);
    g_assert_cmpuint(rd(&n, TORL), ==, 312);
    g_assert_cmpuint(rd(&n, TORH), ==, 0);
    /* cleared by reading (the 64-bit ones by reading the high half) */
    g_assert_cmpuint(rd(&n, GPTC), ==, 0);
    g_assert_cmpuint(rd(&n, GPRC), ==, 0);
    g_assert_cmpuint(rd(&n, GORCL), ==, 0);
    g_assert_cmpuint(rd(&n, TOTL), ==, 0);
    /* broadcast counted as such */
    memset(f, 0xff, 6);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rd(&n, BPRC), ==, 1);
    qtest_quit(n.s);
}

static void test_filtering(void)
{
    Nic n = nic_start(NULL);
    static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x99 };
    static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    uint8_t f[100], r[2048];
    size_t len;
    /* MO = 0: bits 47:36 of the address */
    unsigned hash = ((mcast[4] >> 4) | (mcast[5] << 4)) & 0xfff;

    nic_rings(&n, RCTL_EN | RCTL_SECRC);
    make_frame(f, other, 100);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);
    make_frame(f, bcast, 100);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);     /* no BAM */
    make_frame(f, mcast, 100);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);
    /* the multicast table bit lets it in */
    wr(&n, MTA + 4 * (hash >> 5), 1u << (hash & 31));
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    g_assert_cmpmem(r, 6, mcast, 6);
    /* a second receive address */
    wr(&n, RAL0 + 8, 0x12005452);
    wr(&n, RAH0 + 8, 0x80009934);
    make_frame(f, other, 100);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    /* promiscuous unicast and broadcast accept */
    wr(&n, RAH0 + 8, 0);
    wr(&n, RCTL, RCTL_EN | RCTL_SECRC | RCTL_UPE | RCTL_BAM);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    make_frame(f, bcast, 100);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    qtest_quit(n.s);
}

/* RX ring full: frames wait (in the port queue) until RDT gives room. */
static void test_rx_flow_control(void)
{
    Nic n = nic_start(NULL);
    uint8_t f[100], r[2048];
    size_t len;

    nic_rings(&n, RCTL_EN | RCTL_SECRC);
    wr(&n, RDT, 2);                 /* two descriptors free */
    for (int i = 0; i < 4; i++) {
        make_frame(f, our_mac, 100);
        f[20] = i;
        tx_frame(&n, f, 100);
    }
    g_assert_cmpuint(rd(&n, RDH), ==, 2);
    g_assert_cmphex(rd(&n, ICR) & ICR_RXDMT0, ==, ICR_RXDMT0);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);  /* gives it back */
        g_assert_cmpuint(r[20], ==, i);
    }
    g_assert_cmpuint(rd(&n, MPC), ==, 0);
    qtest_quit(n.s);
}

/* ---- Offloads ---- */

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

static bool ip_csum_ok(const uint8_t *ip)
{
    return fold(sum16(ip, 20, 0)) == 0xffff;
}

static bool tcp_csum_ok(const uint8_t *ip, size_t tcp_len)
{
    uint32_t sum = sum16(ip + 12, 8, 0) + 6 + tcp_len;

    return fold(sum16(ip + 20, tcp_len, sum)) == 0xffff;
}

/* Ethernet + IPv4 (20) + TCP (20) header for payload bytes */
static size_t make_tcp(uint8_t *f, size_t payload, bool tso)
{
    uint8_t *ip = f + 14, *tcp = ip + 20;
    size_t tot = 40 + payload;
    uint32_t sum;

    make_frame(f, our_mac, 54 + payload);
    f[12] = 0x08;
    f[13] = 0x00;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[2] = tso ? 0 : tot >> 8;
    ip[3] = tso ? 0 : tot;
    ip[4] = 0x12;
    ip[5] = 0x34;           /* ID */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, (uint8_t[]){ 10, 0, 2, 15, 10, 0, 2, 2 }, 8);
    tcp[0] = 0x12;
    tcp[1] = 0x34;
    tcp[2] = 0x00;
    tcp[3] = 0x50;
    tcp[4] = 0xa0;
    tcp[5] = 0xb0;
    tcp[6] = 0xc0;
    tcp[7] = 0xd0;          /* sequence 0xa0b0c0d0 */
    tcp[12] = 0x50;
    tcp[13] = 0x19;         /* FIN, PSH, ACK */
    tcp[14] = 0xff;
    /* The seed Linux puts in: the pseudo-header sum, with the length only
     * when not segmenting */
    sum = sum16(ip + 12, 8, 0) + 6 + (tso ? 0 : 20 + payload);
    tcp[16] = fold(sum) >> 8;
    tcp[17] = fold(sum);
    return 54 + payload;
}

static void tx_context(Nic *n, uint32_t paylen, uint8_t tucmd, uint8_t hdr,
                       uint16_t mss)
{
    /* IPCSS 14, IPCSO 24, IPCSE 33; TUCSS 34, TUCSO 50, TUCSE 0 */
    uint64_t lo = 14 | 24 << 8 | (uint64_t)33 << 16 | (uint64_t)34 << 32 |
                  (uint64_t)50 << 40;
    uint64_t d = TX_RING + 16 * n->tx_tail;

    qtest_writeq(n->s, d, lo);
    qtest_writel(n->s, d + 8, paylen | (uint32_t)(tucmd | TXD_DEXT) << 24);
    qtest_writel(n->s, d + 12, (uint32_t)hdr << 8 | (uint32_t)mss << 16);
    n->tx_tail = (n->tx_tail + 1) % RING_DESCS;
}

static void test_tso(void)
{
    Nic n = nic_start(NULL);
    static uint8_t f[54 + 3000], r[2048];
    size_t total = make_tcp(f, 3000, true), len;
    const unsigned mss = 1000;

    nic_rings(&n, RCTL_EN | RCTL_SECRC);
    qtest_memwrite(n.s, TX_BUF, f, total);
    /* context: TCP, IPv4, TSE; the header in a descriptor of its own,
     * then payload descriptors of 1000 (ending on a segment boundary),
     * 1500 and 500 bytes */
    tx_context(&n, 3000, 0x01 | 0x02 | TXD_TSE, 54, mss);
    tx_desc(&n, TX_BUF, 54 | 1u << 20 | (uint32_t)(TXD_DEXT | TXD_TSE) << 24,
            0x03 << 8);     /* POPTS IXSM | TXSM */
    tx_desc(&n, TX_BUF + 54, 1000 | 1u << 20 |
            (uint32_t)(TXD_DEXT | TXD_TSE) << 24, 0x03 << 8);
    tx_desc(&n, TX_BUF + 1054, 1500 | 1u << 20 |
            (uint32_t)(TXD_DEXT | TXD_TSE) << 24, 0x03 << 8);
    tx_desc(&n, TX_BUF + 2554, 500 | 1u << 20 |
            (uint32_t)(TXD_DEXT | TXD_TSE | TXD_EOP | TXD_RS) << 24,
            0x03 << 8);
    tx_kick(&n);
    for (unsigned i = 0; i < 3; i++) {
        uint8_t *ip = r + 14, *tcp = ip + 20;
        uint32_t seq;

        g_assert_cmphex(rx_frame(&n, r, &len) & 3, ==, RXD_DD | RXD_EOP);
        g_assert_cmpuint(len, ==, 54 + mss);
        g_assert_cmpuint(ip[2] << 8 | ip[3], ==, 40 + mss);
        g_assert_cmpuint(ip[4] << 8 | ip[5], ==, 0x1234 + i);
        g_assert_true(ip_csum_ok(ip));
        seq = (uint32_t)tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7];
        g_assert_cmphex(seq, ==, 0xa0b0c0d0 + i * mss);
        g_assert_cmphex(tcp[13], ==, i == 2 ? 0x19 : 0x10);
        g_assert_true(tcp_csum_ok(ip, 20 + mss));
        g_assert_cmpmem(r + 54, mss, f + 54 + i * mss, mss);
    }
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);
    g_assert_cmphex(qtest_readb(n.s, TX_RING + 4 * 16 + 12) & 1, ==, 1);
    qtest_quit(n.s);
}

/* Checksum offload without segmentation; and a last short segment */
static void test_csum_offload(void)
{
    Nic n = nic_start(NULL);
    static uint8_t f[54 + 2500], r[2048];
    size_t total = make_tcp(f, 301, false), len;

    nic_rings(&n, RCTL_EN | RCTL_SECRC);
    qtest_memwrite(n.s, TX_BUF, f, total);
    tx_context(&n, 0, 0x01 | 0x02, 0, 0);
    tx_desc(&n, TX_BUF, total | 1u << 20 |
            (uint32_t)(TXD_DEXT | TXD_EOP | TXD_RS) << 24, 0x03 << 8);
    tx_kick(&n);
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    g_assert_cmpuint(len, ==, total);
    g_assert_true(ip_csum_ok(r + 14));
    g_assert_true(tcp_csum_ok(r + 14, 20 + 301));
    /* TSO of 2500 bytes at MSS 1460: 1460 + 1040 */
    total = make_tcp(f, 2500, true);
    qtest_memwrite(n.s, TX_BUF, f, total);
    tx_context(&n, 2500, 0x01 | 0x02 | TXD_TSE, 54, 1460);
    tx_desc(&n, TX_BUF, total | 1u << 20 |
            (uint32_t)(TXD_DEXT | TXD_TSE | TXD_EOP | TXD_RS) << 24,
            0x03 << 8);
    tx_kick(&n);
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    g_assert_cmpuint(len, ==, 54 + 1460);
    g_assert_true(tcp_csum_ok(r + 14, 20 + 1460));
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    g_assert_cmpuint(len, ==, 54 + 1040);
    g_assert_cmpuint(r[16] << 8 | r[17], ==, 40 + 1040);
    g_assert_true(ip_csum_ok(r + 14));
    g_assert_true(tcp_csum_ok(r + 14, 20 + 1040));
    qtest_quit(n.s);
}

/* RXCSUM: IPv4 header and TCP checksums checked on receive */
static void test_rx_csum(void)
{
    Nic n = nic_start(NULL);
    static uint8_t f[54 + 100], r[2048];
    size_t total = make_tcp(f, 100, false), len;
    uint64_t d;
    uint32_t sum;

    nic_rings(&n, RCTL_EN | RCTL_SECRC);
    /* finish the checksums the way the offload would */
    sum = fold(sum16(f + 14, 20, 0));
    f[24] = ~sum >> 8;
    f[25] = ~sum;
    sum = fold(sum16(f + 34, 120, 0));
    f[50] = ~sum >> 8;
    f[51] = ~sum;
    g_assert_true(ip_csum_ok(f + 14) && tcp_csum_ok(f + 14, 120));
    /* without RXCSUM: "ignore checksum indication" */
    tx_frame(&n, f, total);
    g_assert_cmphex(rx_frame(&n, r, &len), ==, RXD_DD | RXD_EOP | 0x04);
    wr(&n, 0x5000, 0x300);          /* RXCSUM: IPOFL | TUOFL */
    d = RX_RING + 16 * n.rx_next;
    tx_frame(&n, f, total);
    g_assert_cmphex(qtest_readb(n.s, d + 13), ==, 0);        /* errors */
    g_assert_cmphex(rx_frame(&n, r, &len), ==,
                    RXD_DD | RXD_EOP | 0x20 | 0x40);     /* TCPCS, IPCS */
    /* a bad TCP checksum is flagged, the IP one still good */
    f[60] ^= 1;
    d = RX_RING + 16 * n.rx_next;
    tx_frame(&n, f, total);
    g_assert_cmphex(qtest_readb(n.s, d + 13), ==, 0x20);     /* TCPE */
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    /* and a bad IP header checksum */
    f[60] ^= 1;
    f[22] ^= 1;                     /* TTL */
    d = RX_RING + 16 * n.rx_next;
    tx_frame(&n, f, total);
    g_assert_cmphex(qtest_readb(n.s, d + 13) & 0x40, ==, 0x40); /* IPE */
    qtest_quit(n.s);
}

/* CTRL.VME: tags inserted on transmit (VLE) and stripped on receive */
static void test_vlan(void)
{
    Nic n = nic_start(NULL);
    uint8_t f[100], r[2048];
    size_t len;
    uint64_t d;

    nic_rings(&n, RCTL_EN | RCTL_SECRC);
    make_frame(f, our_mac, 100);
    qtest_memwrite(n.s, TX_BUF, f, 100);
    /* VLE without CTRL.VME: no tag */
    tx_desc(&n, TX_BUF, 100 | (TXD_EOP | TXD_RS | 0x40) << 24,
            0x0123u << 16);
    tx_kick(&n);
    g_assert_cmpuint(rx_frame(&n, r, &len), !=, 0);
    g_assert_cmpuint(len, ==, 100);
    /* VME on: the tag goes out and is stripped into the descriptor */
    wr(&n, CTRL, rd(&n, CTRL) | 0x40000000);
    tx_desc(&n, TX_BUF, 100 | (TXD_EOP | TXD_RS | 0x40) << 24,
            0x0123u << 16);
    d = RX_RING + 16 * n.rx_next;
    tx_kick(&n);
    g_assert_cmphex(qtest_readw(n.s, d + 14), ==, 0x0123);
    g_assert_cmphex(rx_frame(&n, r, &len) & 0x08, ==, 0x08);   /* VP */
    g_assert_cmpuint(len, ==, 100);
    g_assert_cmpmem(r, 100, f, 100);
    /* VME off on receive: the tag stays in the frame */
    wr(&n, CTRL, rd(&n, CTRL) & ~0x40000000u);
    wr(&n, 0x0038, 0x8100);         /* VET */
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = 0x01;
    f[15] = 0x23;
    tx_frame(&n, f, 100);
    g_assert_cmphex(rx_frame(&n, r, &len) & 0x08, ==, 0);
    g_assert_cmpuint(len, ==, 100);
    g_assert_cmpmem(r, 100, f, 100);
    qtest_quit(n.s);
}

/* ---- A hostile guest ---- */

/* After each abuse, a plain frame still makes the round trip (frames
 * that waited while the ring was unusable arrive first). */
static void check_still_works(Nic *n)
{
    uint8_t f[100], r[2048];
    size_t len;

    nic_rings(n, RCTL_EN | RCTL_SECRC);
    for (int i = 0; i < RING_DESCS && rx_frame(n, r, &len); i++) {
    }
    make_frame(f, our_mac, 100);
    tx_frame(n, f, 100);
    g_assert_cmpuint(rx_frame(n, r, &len), !=, 0);
    g_assert_cmpuint(len, ==, 100);
    g_assert_cmpmem(r, 100, f, 100);
}

static void test_hostile(void)
{
    Nic n = nic_start("-d guest_errors -D /dev/null");
    uint8_t f[100], r[2048];
    size_t len;
    unsigned head;

    /* transmit descriptors outside RAM (in the PCI hole, unassigned) */
    nic_rings(&n, RCTL_EN | RCTL_SECRC);
    wr(&n, TDBAL, 0xd0000000);
    wr(&n, TDT, 5);
    g_assert_cmpuint(rd(&n, TDH), ==, 5);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);
    check_still_works(&n);
    /* a buffer outside RAM, and a descriptor pointing at BAR0 itself */
    tx_desc(&n, 0xd0000000, 100 | (TXD_EOP | TXD_RS) << 24, 0);
    tx_kick(&n);
    wr(&n, TDBAL, MMIO);
    wr(&n, TDH, 0);
    wr(&n, TDT, 3);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);
    check_still_works(&n);
    /* TDT beyond the ring: nothing happens */
    wr(&n, TDT, 200);
    g_assert_cmpuint(rd(&n, TDH), ==, 1);
    check_still_works(&n);
    /* ring lengths of 0 or not a multiple of 128 */
    wr(&n, RDLEN, 0);
    make_frame(f, our_mac, 100);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);
    wr(&n, TDLEN, 100);
    g_assert_cmpuint(rd(&n, TDLEN), ==, 0);
    tx_frame(&n, f, 100);
    check_still_works(&n);
    /* TSO with MSS 0, and with a header longer than the data */
    tx_context(&n, 100, 0x03 | TXD_TSE, 54, 0);
    tx_desc(&n, TX_BUF, 100 | 1u << 20 |
            (uint32_t)(TXD_DEXT | TXD_TSE | TXD_EOP) << 24, 0x03 << 8);
    tx_context(&n, 100, 0x03 | TXD_TSE, 255, 1400);
    tx_desc(&n, TX_BUF, 100 | 1u << 20 |
            (uint32_t)(TXD_DEXT | TXD_TSE | TXD_EOP) << 24, 0x03 << 8);
    tx_kick(&n);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);
    check_still_works(&n);
    /* zero-length and huge descriptors; a packet without EOP then one */
    tx_desc(&n, TX_BUF, 0 | (TXD_EOP | TXD_RS) << 24, 0);
    for (int i = 0; i < 8; i++) {
        tx_desc(&n, 0, 0xffff, 0);
    }
    tx_desc(&n, TX_BUF, 100 | (TXD_EOP | TXD_RS) << 24, 0);
    tx_kick(&n);
    g_assert_cmpuint(rx_frame(&n, r, &len), ==, 0);    /* 512 KiB: dropped */
    check_still_works(&n);
    /* receive descriptor pointing outside RAM */
    head = rd(&n, RDH);
    qtest_writeq(n.s, RX_RING + 16 * head, 0xd0000000);
    make_frame(f, our_mac, 100);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rd(&n, RDH), ==, head + 1);
    check_still_works(&n);
    /* the receive ring itself outside RAM: nothing written back */
    head = rd(&n, RDH);
    rd(&n, GPRC);                   /* clears it */
    wr(&n, RDBAL, 0xd0000000);
    tx_frame(&n, f, 100);
    g_assert_cmpuint(rd(&n, RDH), ==, head);
    g_assert_cmpuint(rd(&n, GPRC), ==, 0);
    check_still_works(&n);
    /* RDT beyond the ring */
    wr(&n, RDT, 1000);
    tx_frame(&n, f, 100);
    check_still_works(&n);
    /* Bus Master off: nothing moves, nothing breaks */
    qtest_pci_cfg_writew(n.s, DEV, CMD, CMD_MEM);
    tx_frame(&n, f, 100);
    qtest_pci_cfg_writew(n.s, DEV, CMD, CMD_MEM | CMD_MASTER);
    check_still_works(&n);
    qtest_quit(n.s);
}

/* bt86 with args exits with status 1 and one line containing msg. */
static void check_cmdline_error(const char *args, const char *msg)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s -machine pc,accel=qtest -qtest stdio %s",
        g_getenv("BT86_BINARY"), args);
    g_autofree char *err = NULL;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status,
                                            NULL));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    if (!strstr(err, msg)) {
        g_error("'%s': '%s' is not in '%s'", args, msg, err);
    }
    g_assert_cmpuint(strchr(err, '\n') - err + 1, ==, strlen(err));
}

static void test_bad_cmdline(void)
{
    check_cmdline_error("-device e1000,netdev=nope",
                        "no -netdev with id 'nope'");
    check_cmdline_error("-netdev loopback", "parameter 'id' is missing");
    check_cmdline_error("-netdev loopback,id=a -netdev loopback,id=a",
                        "duplicate id 'a'");
    check_cmdline_error("-netdev bogus,id=a", "'bogus' is not supported");
    check_cmdline_error("-netdev loopback,id=a,x=1", "no property 'x'");
    check_cmdline_error("-device e1000,mac=52:54:00:12:34",
                        "invalid mac");
    check_cmdline_error("-device e1000,mac=01:00:00:00:00:01",
                        "invalid mac");
    check_cmdline_error("-device e1000,speed=10", "invalid property");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/e1000/pci-header", test_pci_header);
    g_test_add_func("/e1000/reset-values", test_reset_values);
    g_test_add_func("/e1000/machine-reset", test_machine_reset);
    g_test_add_func("/e1000/eeprom", test_eeprom);
    g_test_add_func("/e1000/eeprom-mac-property", test_eeprom_mac_property);
    g_test_add_func("/e1000/phy", test_phy);
    g_test_add_func("/e1000/interrupts", test_interrupts);
    g_test_add_func("/e1000/intx-ioapic", test_intx_ioapic);
    g_test_add_func("/e1000/io-bar", test_io_bar);
    g_test_add_func("/e1000/loopback", test_loopback);
    g_test_add_func("/e1000/statistics", test_statistics);
    g_test_add_func("/e1000/filtering", test_filtering);
    g_test_add_func("/e1000/rx-flow-control", test_rx_flow_control);
    g_test_add_func("/e1000/tso", test_tso);
    g_test_add_func("/e1000/csum-offload", test_csum_offload);
    g_test_add_func("/e1000/rx-csum", test_rx_csum);
    g_test_add_func("/e1000/vlan", test_vlan);
    g_test_add_func("/e1000/hostile", test_hostile);
    g_test_add_func("/e1000/bad-cmdline", test_bad_cmdline);
    return g_test_run();
}
