/*
 * Intel 82540EM (e1000): see e1000.h. References: PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM):
 * 3.2 receive, 3.3-3.5 transmit and TCP segmentation, 5 EEPROM,
 * 13 registers; and what Linux's e1000 driver and QEMU's model show.
 *
 * The registers are one table (e1000_reg_table): offset, name, writable
 * bits, and what a read or write does beyond storing. Interrupt
 * moderation (ITR, RDTR, RADV, TIDV, TADV) is stored, not timed: causes
 * are signalled at once. Autonegotiation completes at once, link is
 * always up at 1000 Mb/s full duplex.
 *
 * All DMA goes through pci_dma_read/write (Bus Master Enable, unassigned
 * memory); a descriptor or buffer that fails is logged under -d
 * guest_errors and its packet dropped. While the device does DMA, an
 * access to its own registers (a descriptor pointing into BAR0) is
 * ignored, so nothing here runs re-entered.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "hw/net/e1000.h"
#include "hw/net/e1000_regs.h"
#include "net/net.h"
#include "softmmu/log.h"

#define E1000_NR_REGS       (E1000_MMIO_SIZE / 4)
#define E1000_EEPROM_WORDS  64
#define E1000_EEPROM_SUM    0xBABA
#define E1000_EEPROM_CSUM   0x3F    /* the word that makes the sum */
#define E1000_PHY_ADDR      1
#define E1000_PHY_REGS      32
#define E1000_DESC_SIZE     16
#define E1000_RING_ALIGN    128     /* RDLEN/TDLEN granularity */
#define E1000_RA_ENTRIES    16
#define E1000_MIN_FRAME     60      /* without FCS */
#define E1000_MAX_FRAME     1518    /* with FCS, no VLAN tag (!RCTL.LPE) */
#define E1000_FCS_LEN       4
#define E1000_VLAN_LEN      4
#define E1000_TX_BUF_SIZE   (NET_MAX_FRAME - E1000_VLAN_LEN)

#define ETH_ALEN            6
#define ETH_HLEN            14
#define ETH_P_IP            0x0800
#define IP_PROTO_TCP        6
#define IP_PROTO_UDP        17

typedef struct E1000State E1000State;

/* The transmit context (context descriptor, 3.3.6) */
typedef struct E1000TxContext {
    uint8_t ipcss, ipcso, tucss, tucso;
    uint16_t ipcse, tucse;
    uint32_t paylen;
    uint8_t tucmd, hdr_len;
    uint16_t mss;
} E1000TxContext;

/* The packet being gathered from data descriptors */
typedef struct E1000TxPacket {
    uint8_t buf[E1000_TX_BUF_SIZE];
    size_t size;
    bool started;           /* a first descriptor was seen */
    bool drop;              /* bad: ignore the rest up to EOP */
    bool tse;
    bool legacy;
    uint8_t popts;          /* IXSM/TXSM */
    uint8_t css, cso;       /* legacy IC */
    bool ic;
    bool vle;
    uint16_t vlan;
    /* TCP segmentation */
    unsigned frames;
    uint32_t sent;          /* payload bytes sent in earlier segments */
    uint8_t frame[NET_MAX_FRAME];
} E1000TxPacket;

struct E1000State {
    PCIDevice pci;          /* first: the core hands back a PCIDevice * */
    NetPort *port;
    uint8_t macaddr[ETH_ALEN];
    uint32_t mac[E1000_NR_REGS];
    uint16_t phy[E1000_PHY_REGS];
    uint16_t eeprom[E1000_EEPROM_WORDS];
    uint32_t ioaddr;
    bool in_dma;            /* see the top of the file */
    /* Microwire EEPROM behind EECD (5.5) */
    struct {
        uint32_t eecd;      /* the bits software drives (SK, CS, DI, ...) */
        unsigned bits_in;
        uint32_t value_in;
        bool reading;
        unsigned addr;
        int out_bit;        /* -1 before the first data bit */
    } ee;
    E1000TxContext ctx;
    E1000TxPacket tx;
    uint8_t rx_buf[NET_MAX_FRAME + E1000_FCS_LEN];
};

static void e1000_guest_error(E1000State *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void e1000_guest_error(E1000State *s, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (!log_enabled(LOG_GUEST_ERROR)) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    log_printf("e1000: %s\n", msg);
    g_free(msg);
}

static inline uint32_t *reg(E1000State *s, uint32_t offset)
{
    return &s->mac[offset >> 2];
}

/* ---- Byte helpers ---- */

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)get_be16(p) << 16 | get_be16(p + 2);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

/* The Internet checksum's ones'-complement sum, not yet folded */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += get_be16(p + i);
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Ethernet's CRC-32 (IEEE 802.3), reflected */
static uint32_t eth_crc32(const uint8_t *p, size_t len)
{
    static uint32_t table[256];
    uint32_t crc = 0xffffffff;

    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) {
                c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
    }
    for (size_t i = 0; i < len; i++) {
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

/* ---- Interrupts ---- */

static void e1000_update_irq(E1000State *s)
{
    pci_set_irq(&s->pci, (*reg(s, E1000_ICR) & *reg(s, E1000_IMS)) != 0);
}

static void e1000_set_ics(E1000State *s, uint32_t causes)
{
    *reg(s, E1000_ICR) |= causes & E1000_ICR_VALID;
    e1000_update_irq(s);
}

/* ---- Statistics (13.7): saturating; 64-bit ones as L/H pairs ---- */

static void stat_inc(E1000State *s, uint32_t offset)
{
    if (*reg(s, offset) != UINT32_MAX) {
        (*reg(s, offset))++;
    }
}

static void stat_add64(E1000State *s, uint32_t low, uint64_t n)
{
    uint64_t v = *reg(s, low) | (uint64_t)*reg(s, low + 4) << 32;

    v = v + n < v ? UINT64_MAX : v + n;
    *reg(s, low) = v;
    *reg(s, low + 4) = v >> 32;
}

/* The size buckets PRC64..PRC1522 / PTC64..PTC1522 (sizes with FCS) */
static void stat_size_bucket(E1000State *s, uint32_t first, size_t len)
{
    static const size_t limits[] = { 64, 127, 255, 511, 1023, 1522 };

    for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
        if (len <= limits[i]) {
            stat_inc(s, first + 4 * i);
            return;
        }
    }
}

/* ---- EEPROM ---- */

static const uint16_t e1000_eeprom_template[E1000_EEPROM_WORDS] = {
    /* 0x00: MAC (filled in), compatibility, reserved, OEM */
    0x0000, 0x0000, 0x0000, 0x0000, 0xffff, 0x0000, 0x0000, 0x0000,
    /* 0x08: PBA, init control 1, subsystem ID, subsystem vendor, device
     * ID, vendor ID, init control 2 (as QEMU's e1000 shows them) */
    0x3000, 0x1000, 0x6403, E1000_DEVICE_ID, 0x8086, E1000_DEVICE_ID,
    0x8086, 0x3040,
    0x0008, 0x2000, 0x7e14, 0x0048, 0x1000, 0x00d8, 0x0000, 0x2700,
    0x6cc9, 0x3150, 0x0722, 0x040b, 0x0984, 0x0000, 0xc000, 0x0706,
    /* 0x20; 0x24 is init control 3 (port A) */
    0x1008, 0x0000, 0x0f04, 0x7fff, 0x4d01, 0xffff, 0xffff, 0xffff,
    0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
    0x0100, 0x4000, 0x121c, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
    0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0x0000,
};

static void e1000_eeprom_init(E1000State *s)
{
    uint16_t sum = 0;

    memcpy(s->eeprom, e1000_eeprom_template, sizeof(s->eeprom));
    for (int i = 0; i < 3; i++) {
        s->eeprom[i] = s->macaddr[2 * i] | s->macaddr[2 * i + 1] << 8;
    }
    for (int i = 0; i < E1000_EEPROM_CSUM; i++) {
        sum += s->eeprom[i];
    }
    s->eeprom[E1000_EEPROM_CSUM] = E1000_EEPROM_SUM - sum;
}

static uint16_t e1000_eeprom_word(E1000State *s, unsigned addr)
{
    return addr < E1000_EEPROM_WORDS ? s->eeprom[addr] : 0xffff;
}

static uint32_t e1000_eecd_read(E1000State *s, unsigned index)
{
    uint32_t v = E1000_EECD_PRES | E1000_EECD_GNT |
                 (s->ee.eecd & (E1000_EECD_SK | E1000_EECD_CS |
                                E1000_EECD_DI | E1000_EECD_FWE_MASK |
                                E1000_EECD_REQ));

    if (s->ee.reading && s->ee.out_bit >= 0) {
        unsigned bit = (unsigned)s->ee.out_bit;
        uint16_t w = e1000_eeprom_word(s, (s->ee.addr + bit / 16) %
                                       E1000_EEPROM_WORDS);
        if (w & (0x8000 >> (bit % 16))) {
            v |= E1000_EECD_DO;
        }
    } else if (!s->ee.reading) {
        v |= E1000_EECD_DO;     /* idle: the line is pulled up */
    }
    return v;
}

/*
 * The 93C46-style Microwire protocol software bit-bangs (5.5, Linux's
 * e1000_shift_out_ee_bits): with CS high, DI is sampled on each rising
 * SK; a start bit, opcode 10 (read) and a 6-bit address, after which each
 * rising SK presents the next data bit on DO, MSB first, running on into
 * the following words. Writes and erases are not supported (ignored).
 */
static void e1000_eecd_write(E1000State *s, unsigned index, uint32_t v)
{
    uint32_t old = s->ee.eecd;

    s->ee.eecd = v;
    if (!(v & E1000_EECD_CS)) {
        s->ee.bits_in = 0;
        s->ee.value_in = 0;
        s->ee.reading = false;
        return;
    }
    if (!(old & E1000_EECD_CS) || (old & E1000_EECD_SK) ||
        !(v & E1000_EECD_SK)) {
        return;         /* only rising SK edges with CS held count */
    }
    if (s->ee.reading) {
        s->ee.out_bit++;
        return;
    }
    if (s->ee.bits_in == 0 && !(v & E1000_EECD_DI)) {
        return;         /* waiting for the start bit */
    }
    s->ee.value_in = s->ee.value_in << 1 | !!(v & E1000_EECD_DI);
    if (++s->ee.bits_in == 9) {
        if ((s->ee.value_in >> 6) == 0x6) {     /* start, read opcode */
            s->ee.reading = true;
            s->ee.addr = s->ee.value_in & 0x3f;
            s->ee.out_bit = -1;
        } else {
            log_mask_printf(LOG_UNIMP, "e1000: EEPROM command 0x%x "
                            "ignored\n", s->ee.value_in);
        }
        s->ee.bits_in = 0;
        s->ee.value_in = 0;
    }
}

static void e1000_eerd_write(E1000State *s, unsigned index, uint32_t v)
{
    unsigned addr = (v >> E1000_EERD_ADDR_SHIFT) & 0xff;

    if (!(v & E1000_EERD_START)) {
        s->mac[index] = v & ~E1000_EERD_DONE;
        return;
    }
    if (addr >= E1000_EEPROM_WORDS) {
        e1000_guest_error(s, "EERD read of EEPROM word 0x%x beyond its %d",
                          addr, E1000_EEPROM_WORDS);
    }
    s->mac[index] = (uint32_t)e1000_eeprom_word(s, addr) <<
                    E1000_EERD_DATA_SHIFT |
                    addr << E1000_EERD_ADDR_SHIFT | E1000_EERD_DONE;
}

/* ---- PHY (MDIC) ---- */

static const uint16_t e1000_phy_reset_values[E1000_PHY_REGS] = {
    [PHY_CTRL] = 0x1140,            /* autoneg on, 1000 Mb/s, full duplex */
    [PHY_STATUS] = 0x796d,          /* link up, autoneg complete */
    [PHY_ID1] = 0x0141,             /* Marvell 88E1011 */
    [PHY_ID2] = 0x0c20,
    [PHY_AUTONEG_ADV] = 0x0de1,
    [PHY_LP_ABILITY] = 0x41e0,
    [PHY_AUTONEG_EXP] = 0x0001,
    [PHY_1000T_CTRL] = 0x0e00,
    [PHY_1000T_STATUS] = 0x3c00,
    [PHY_EXT_STATUS] = 0x3000,
    [M88_PHY_SPEC_CTRL] = 0x0360,
    [M88_PHY_SPEC_STATUS] = 0xac00,
    [M88_EXT_PHY_SPEC_CTRL] = 0x0d60,
};

/* Registers software may write (the rest are read-only or absent) */
static bool e1000_phy_writable(unsigned r)
{
    switch (r) {
    case PHY_CTRL: case PHY_AUTONEG_ADV: case PHY_NEXT_PAGE_TX:
    case PHY_1000T_CTRL: case M88_PHY_SPEC_CTRL: case M88_INT_ENABLE:
    case M88_EXT_PHY_SPEC_CTRL: case M88_PHY_PAGE_SELECT:
    case M88_PHY_GEN_CONTROL:
        return true;
    default:
        return false;
    }
}

/* Autonegotiation with the (always present) link partner: done at once */
static void e1000_phy_autoneg_done(E1000State *s)
{
    s->phy[PHY_STATUS] |= MII_SR_LINK_STATUS | MII_SR_AUTONEG_COMPLETE;
    s->phy[PHY_LP_ABILITY] |= MII_LPAR_ACK;
    *reg(s, E1000_STATUS) |= E1000_STATUS_LU;
    e1000_set_ics(s, E1000_ICR_LSC);
}

static void e1000_phy_write(E1000State *s, unsigned r, uint16_t v)
{
    if (!e1000_phy_writable(r)) {
        log_mask_printf(LOG_UNIMP, "e1000: write of 0x%04x to PHY register "
                        "0x%x ignored\n", v, r);
        return;
    }
    if (r == PHY_CTRL) {
        if (v & MII_CR_RESET) {
            memcpy(s->phy, e1000_phy_reset_values, sizeof(s->phy));
            v &= ~MII_CR_RESET;
        }
        s->phy[r] = v & ~MII_CR_RESTART_AUTO_NEG;
        if ((v & MII_CR_RESTART_AUTO_NEG) && (v & MII_CR_AUTO_NEG_EN)) {
            e1000_phy_autoneg_done(s);
        }
        return;
    }
    s->phy[r] = v;
}

static void e1000_mdic_write(E1000State *s, unsigned index, uint32_t v)
{
    unsigned phy = (v >> E1000_MDIC_PHY_SHIFT) & 0x1f;
    unsigned r = (v >> E1000_MDIC_REG_SHIFT) & 0x1f;

    v &= ~(E1000_MDIC_READY | E1000_MDIC_ERROR);
    if (phy != E1000_PHY_ADDR) {
        v |= E1000_MDIC_ERROR;          /* nothing answers there */
    } else if (v & E1000_MDIC_OP_READ) {
        v = (v & ~E1000_MDIC_DATA_MASK) | s->phy[r];
    } else if (v & E1000_MDIC_OP_WRITE) {
        e1000_phy_write(s, r, v & E1000_MDIC_DATA_MASK);
    }
    s->mac[index] = v | E1000_MDIC_READY;
    if (v & E1000_MDIC_INT_EN) {
        e1000_set_ics(s, E1000_ICR_MDAC);
    }
}

/* ---- Reset ---- */

static void e1000_reset(E1000State *s)
{
    memset(s->mac, 0, sizeof(s->mac));
    memcpy(s->phy, e1000_phy_reset_values, sizeof(s->phy));
    memset(&s->ee, 0, sizeof(s->ee));
    memset(&s->ctx, 0, sizeof(s->ctx));
    s->tx.size = 0;
    s->tx.started = false;
    *reg(s, E1000_CTRL) = E1000_CTRL_SWDPIN2 | E1000_CTRL_SWDPIN0 |
                          E1000_CTRL_SPD_1000 | E1000_CTRL_SLU;
    /* bit 31 as QEMU's e1000 shows it */
    *reg(s, E1000_STATUS) = 0x80000000 | E1000_STATUS_GIO_MASTER_ENABLE |
                            E1000_STATUS_ASDV | E1000_STATUS_MTXCKOK |
                            E1000_STATUS_SPEED_1000 | E1000_STATUS_FD |
                            E1000_STATUS_LU;
    *reg(s, E1000_LEDCTL) = 0x00000602;
    *reg(s, E1000_PBA) = 0x00100030;
    *reg(s, E1000_VET) = 0x8100;
    /* The hardware loads receive address 0 from the EEPROM (5.6.1) */
    *reg(s, E1000_RA) = s->macaddr[0] | s->macaddr[1] << 8 |
                        s->macaddr[2] << 16 |
                        (uint32_t)s->macaddr[3] << 24;
    *reg(s, E1000_RA + 4) = s->macaddr[4] | s->macaddr[5] << 8 |
                            E1000_RAH_AV;
    e1000_update_irq(s);
}

/* Machine reset (the PCI core has reset the header): as power-on */
static void e1000_pci_reset(PCIDevice *d)
{
    e1000_reset((E1000State *)d);
}

static const PCIDeviceOps e1000_pci_ops = {
    .reset = e1000_pci_reset,
};

/* ---- Receive (3.2) ---- */

static unsigned e1000_rx_ring_size(E1000State *s)
{
    return *reg(s, E1000_RDLEN) / E1000_DESC_SIZE;
}

/* Free descriptors the guest has given (head up to, not including, tail);
 * -1 if the ring registers make no sense. */
static int e1000_rx_free(E1000State *s)
{
    unsigned n = e1000_rx_ring_size(s);
    uint32_t head = *reg(s, E1000_RDH), tail = *reg(s, E1000_RDT);

    if (n == 0 || head >= n || tail >= n) {
        return -1;
    }
    return (tail + n - head) % n;
}

static bool e1000_can_receive(void *opaque)
{
    E1000State *s = opaque;

    return (*reg(s, E1000_RCTL) & E1000_RCTL_EN) &&
           (*reg(s, E1000_STATUS) & E1000_STATUS_LU) && e1000_rx_free(s) > 0;
}

static size_t e1000_rx_buf_size(E1000State *s)
{
    uint32_t rctl = *reg(s, E1000_RCTL);
    unsigned bsize = (rctl >> E1000_RCTL_BSIZE_SHIFT) & 3;

    if (rctl & E1000_RCTL_BSEX) {
        static const size_t ext[] = { 2048, 16384, 8192, 4096 };
        return ext[bsize];      /* BSEX with 00 is reserved: as 2048 */
    }
    return 2048 >> bsize;
}

static bool e1000_mta_match(E1000State *s, const uint8_t *da)
{
    unsigned mo = (*reg(s, E1000_RCTL) >> E1000_RCTL_MO_SHIFT) & 3;
    /* 12 bits of the address: bits 47:36, 46:35, 45:34 or 43:32 */
    static const unsigned shift[] = { 4, 3, 2, 0 };
    unsigned hash = ((da[4] >> shift[mo]) | (da[5] << (8 - shift[mo]))) &
                    0xfff;

    return (*reg(s, E1000_MTA + 4 * (hash >> 5)) >> (hash & 31)) & 1;
}

/* Address filtering (3.2.1); the statistic for broadcast/multicast */
static bool e1000_rx_accept(E1000State *s, const uint8_t *frame, size_t len)
{
    static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff,
                                             0xff };
    uint32_t rctl = *reg(s, E1000_RCTL);

    if ((rctl & E1000_RCTL_VFE) && len >= ETH_HLEN + E1000_VLAN_LEN &&
        get_be16(frame + 12) == (*reg(s, E1000_VET) & 0xffff)) {
        unsigned vid = get_be16(frame + 14) & 0xfff;
        if (!((*reg(s, E1000_VFTA + 4 * (vid >> 5)) >> (vid & 31)) & 1)) {
            return false;
        }
    }
    if (memcmp(frame, bcast, ETH_ALEN) == 0) {
        return (rctl & (E1000_RCTL_BAM | E1000_RCTL_MPE)) != 0;
    }
    if (frame[0] & 1) {
        return (rctl & E1000_RCTL_MPE) || e1000_mta_match(s, frame);
    }
    if (rctl & E1000_RCTL_UPE) {
        return true;
    }
    for (int i = 0; i < E1000_RA_ENTRIES; i++) {
        uint32_t ral = *reg(s, E1000_RA + 8 * i);
        uint32_t rah = *reg(s, E1000_RA + 8 * i + 4);
        uint8_t a[ETH_ALEN] = { ral, ral >> 8, ral >> 16, ral >> 24, rah,
                                rah >> 8 };
        if ((rah & E1000_RAH_AV) && memcmp(frame, a, ETH_ALEN) == 0) {
            return true;
        }
    }
    return false;
}

/* Receive checksum offload (RXCSUM, 3.2.9): IPv4 header and TCP/UDP */
static uint8_t e1000_rx_csum(E1000State *s, const uint8_t *p, size_t len,
                             uint8_t *errors)
{
    uint32_t rxcsum = *reg(s, E1000_RXCSUM);
    uint8_t status = 0;
    size_t ihl, tot;

    if (len < ETH_HLEN + 20 || get_be16(p + 12) != ETH_P_IP ||
        !(rxcsum & (E1000_RXCSUM_IPOFL | E1000_RXCSUM_TUOFL))) {
        return E1000_RXD_STAT_IXSM;
    }
    p += ETH_HLEN;
    len -= ETH_HLEN;
    ihl = (p[0] & 0xf) * 4;
    tot = get_be16(p + 2);
    if ((p[0] >> 4) != 4 || ihl < 20 || ihl > len || tot < ihl ||
        tot > len) {
        return E1000_RXD_STAT_IXSM;
    }
    if (rxcsum & E1000_RXCSUM_IPOFL) {
        status |= E1000_RXD_STAT_IPCS;
        if (csum_fold(csum_add(0, p, ihl)) != 0xffff) {
            *errors |= E1000_RXD_ERR_IPE;
        }
    }
    if ((rxcsum & E1000_RXCSUM_TUOFL) && (get_be16(p + 6) & 0x3fff) == 0 &&
        (p[9] == IP_PROTO_TCP || p[9] == IP_PROTO_UDP)) {
        size_t l4len = tot - ihl;
        uint32_t sum = csum_add(0, p + 12, 8) + p[9] + l4len;
        bool udp_none = p[9] == IP_PROTO_UDP && l4len >= 8 &&
                        get_be16(p + ihl + 6) == 0;

        status |= E1000_RXD_STAT_TCPCS;
        if (!udp_none &&
            csum_fold(csum_add(sum, p + ihl, l4len)) != 0xffff) {
            *errors |= E1000_RXD_ERR_TCPE;
        }
    }
    return status;
}

static bool e1000_receive(void *opaque, const uint8_t *frame, size_t len)
{
    E1000State *s = opaque;
    uint8_t *buf = s->rx_buf;
    uint32_t rctl = *reg(s, E1000_RCTL);
    uint16_t special = 0;
    uint8_t status = 0, errors = 0;
    size_t bufsize = e1000_rx_buf_size(s), total, done;
    unsigned n = e1000_rx_ring_size(s), needed;
    uint64_t base = (uint64_t)*reg(s, E1000_RDBAH) << 32 |
                    *reg(s, E1000_RDBAL);
    size_t pcss;
    int free_descs;
    bool was_in_dma;

    if (!(rctl & E1000_RCTL_EN) || len < ETH_HLEN || len > NET_MAX_FRAME) {
        return false;
    }
    if (!e1000_rx_accept(s, frame, len)) {
        return true;            /* filtered, as on a wire */
    }
    stat_inc(s, E1000_TPR);
    stat_add64(s, E1000_TORL, MAX(len, E1000_MIN_FRAME) + E1000_FCS_LEN);
    if (!(rctl & E1000_RCTL_LPE) &&
        len + E1000_FCS_LEN > E1000_MAX_FRAME +
        (get_be16(frame + 12) == (*reg(s, E1000_VET) & 0xffff) ?
         E1000_VLAN_LEN : 0)) {
        stat_inc(s, E1000_ROC);
        return true;
    }
    memcpy(buf, frame, len);
    /* VLAN tag stripping (CTRL.VME, 3.2.3.1.3) */
    if ((*reg(s, E1000_CTRL) & E1000_CTRL_VME) &&
        len >= ETH_HLEN + E1000_VLAN_LEN &&
        get_be16(buf + 12) == (*reg(s, E1000_VET) & 0xffff)) {
        special = get_be16(buf + 14);
        memmove(buf + 12, buf + 16, len - 16);
        len -= E1000_VLAN_LEN;
        status |= E1000_RXD_STAT_VP;
    }
    if (len < E1000_MIN_FRAME) {
        memset(buf + len, 0, E1000_MIN_FRAME - len);
        len = E1000_MIN_FRAME;
    }
    status |= e1000_rx_csum(s, buf, len, &errors);
    /* the descriptor's packet checksum starts at RXCSUM.PCSS */
    pcss = MIN((size_t)(*reg(s, E1000_RXCSUM) & 0xff), len);
    total = len;
    if (!(rctl & E1000_RCTL_SECRC)) {
        uint32_t fcs = eth_crc32(buf, len);
        for (int i = 0; i < E1000_FCS_LEN; i++) {
            buf[total++] = fcs >> (8 * i);
        }
    }

    free_descs = e1000_rx_free(s);
    if (free_descs < 0) {
        e1000_guest_error(s, "receive ring RDLEN 0x%x RDH %u RDT %u is "
                          "unusable: frame dropped", *reg(s, E1000_RDLEN),
                          *reg(s, E1000_RDH), *reg(s, E1000_RDT));
        stat_inc(s, E1000_MPC);
        return false;
    }
    needed = (total + bufsize - 1) / bufsize;
    if ((int)needed > free_descs) {
        stat_inc(s, E1000_MPC);
        stat_inc(s, E1000_RNBC);
        e1000_set_ics(s, E1000_ICR_RXO);
        return false;
    }

    was_in_dma = s->in_dma;     /* a loopback reply arrives mid-transmit */
    s->in_dma = true;
    done = 0;
    for (unsigned i = 0; i < needed; i++) {
        uint32_t head = *reg(s, E1000_RDH);
        uint64_t daddr = base + (uint64_t)head * E1000_DESC_SIZE;
        uint8_t desc[E1000_DESC_SIZE];
        size_t chunk = MIN(bufsize, total - done);
        bool last = i + 1 == needed;

        if (!pci_dma_read(&s->pci, daddr, desc, sizeof(desc))) {
            e1000_guest_error(s, "receive descriptor %u at 0x%" PRIx64
                              " cannot be read: frame dropped", head,
                              daddr);
            break;
        }
        uint64_t baddr = get_le64(desc);
        if (baddr && !pci_dma_write(&s->pci, baddr, buf + done, chunk)) {
            e1000_guest_error(s, "receive buffer at 0x%" PRIx64 " (0x%zx "
                              "bytes) cannot be written: data dropped",
                              baddr, chunk);
        }
        put_le16(desc + 8, chunk);
        put_le16(desc + 10, last ? csum_fold(csum_add(0, buf + pcss,
                                                      len - pcss)) : 0);
        desc[12] = E1000_RXD_STAT_DD | (last ? E1000_RXD_STAT_EOP | status
                                             : 0);
        desc[13] = last ? errors : 0;
        put_le16(desc + 14, last ? special : 0);
        pci_dma_write(&s->pci, daddr + 8, desc + 8, 8);
        *reg(s, E1000_RDH) = (head + 1) % n;
        done += chunk;
    }
    s->in_dma = was_in_dma;
    if (done < total) {
        return false;
    }

    stat_inc(s, E1000_GPRC);
    stat_add64(s, E1000_GORCL, len + E1000_FCS_LEN);
    stat_size_bucket(s, E1000_PRC64, len + E1000_FCS_LEN);
    if (frame[0] == 0xff && memcmp(frame, frame + 1, 5) == 0) {
        stat_inc(s, E1000_BPRC);
    } else if (frame[0] & 1) {
        stat_inc(s, E1000_MPRC);
    }
    uint32_t causes = E1000_ICR_RXT0;
    unsigned rdmts = (rctl >> E1000_RCTL_RDMTS_SHIFT) & 3;
    if ((unsigned)e1000_rx_free(s) <= n >> (1 + MIN(rdmts, 2u))) {
        causes |= E1000_ICR_RXDMT0;
    }
    e1000_set_ics(s, causes);
    return true;
}

static const NetPortOps e1000_port_ops = {
    .can_receive = e1000_can_receive,
    .receive = e1000_receive,
};

/* ---- Transmit (3.3-3.5) ---- */

static void e1000_tx_send(E1000State *s, uint8_t *frame, size_t len)
{
    E1000TxPacket *tx = &s->tx;
    size_t wire;

    if (tx->vle && (*reg(s, E1000_CTRL) & E1000_CTRL_VME) &&
        len >= 12) {
        memmove(frame + 16, frame + 12, len - 12);
        put_be16(frame + 12, *reg(s, E1000_VET));
        put_be16(frame + 14, tx->vlan);
        len += E1000_VLAN_LEN;
    }
    if ((*reg(s, E1000_TCTL) & E1000_TCTL_PSP) && len < E1000_MIN_FRAME) {
        memset(frame + len, 0, E1000_MIN_FRAME - len);
        len = E1000_MIN_FRAME;
    }
    wire = len + E1000_FCS_LEN;
    if (s->port) {
        net_send(s->port, frame, len);
    }
    stat_inc(s, E1000_TPT);
    stat_inc(s, E1000_GPTC);
    stat_add64(s, E1000_TOTL, wire);
    stat_add64(s, E1000_GOTCL, wire);
    stat_size_bucket(s, E1000_PTC64, wire);
    if (frame[0] == 0xff && memcmp(frame, frame + 1, 5) == 0) {
        stat_inc(s, E1000_BPTC);
    } else if (frame[0] & 1) {
        stat_inc(s, E1000_MPTC);
    }
}

/* Inserts the ones'-complement sum of [start, end] (end 0: to the end of
 * the frame) at offset, seeded by what is there (3.3.5). */
static void e1000_tx_put_csum(E1000State *s, uint8_t *frame, size_t len,
                              unsigned start, unsigned offset, unsigned end,
                              bool zero_first, const char *what)
{
    size_t stop = end ? MIN((size_t)end + 1, len) : len;

    if (start >= stop || offset + 2 > len) {
        e1000_guest_error(s, "%s checksum start %u offset %u end %u outside "
                          "the %zu-byte frame: not inserted", what, start,
                          offset, end, len);
        return;
    }
    if (zero_first) {
        put_be16(frame + offset, 0);
    }
    put_be16(frame + offset,
             ~csum_fold(csum_add(0, frame + start, stop - start)));
}

static void e1000_tx_offloads(E1000State *s, uint8_t *frame, size_t len)
{
    E1000TxPacket *tx = &s->tx;
    E1000TxContext *c = &s->ctx;

    if (tx->legacy) {
        if (tx->ic) {
            e1000_tx_put_csum(s, frame, len, tx->css, tx->cso, 0, false,
                              "legacy");
        }
        return;
    }
    if (tx->popts & E1000_TXD_POPTS_TXSM) {
        e1000_tx_put_csum(s, frame, len, c->tucss, c->tucso, c->tucse,
                          false, "TCP/UDP");
    }
    if (tx->popts & E1000_TXD_POPTS_IXSM) {
        e1000_tx_put_csum(s, frame, len, c->ipcss, c->ipcso, c->ipcse,
                          true, "IP");
    }
}

/*
 * One segment of a TCP segmentation (3.5): the header, with its IP
 * length and ID, TCP sequence number and flags made right for this
 * segment, then the payload gathered so far; checksums per segment.
 */
static void e1000_tso_send_segment(E1000State *s, bool last)
{
    E1000TxPacket *tx = &s->tx;
    E1000TxContext *c = &s->ctx;
    uint8_t *f = tx->frame;
    size_t len = tx->size, plen = len - c->hdr_len;

    memcpy(f, tx->buf, len);
    if (c->tucmd & E1000_TXD_TUCMD_IP) {
        put_be16(f + c->ipcss + 2, len - c->ipcss);
        put_be16(f + c->ipcss + 4, get_be16(f + c->ipcss + 4) + tx->frames);
    } else {
        put_be16(f + c->ipcss + 4, len - c->ipcss - 40);    /* IPv6 */
    }
    if (c->tucmd & E1000_TXD_TUCMD_TCP) {
        put_be32(f + c->tucss + 4, get_be32(f + c->tucss + 4) + tx->sent);
        if (!last) {
            f[c->tucss + 13] &= ~0x09;      /* FIN and PSH: last only */
        }
    } else {
        put_be16(f + c->tucss + 4, len - c->tucss);         /* UDP */
    }
    if (tx->popts & E1000_TXD_POPTS_TXSM) {
        /* The seed is the pseudo-header sum without the length (Linux
         * e1000_tso); the length of this segment goes in here. */
        uint32_t seed = get_be16(f + c->tucso) + (uint32_t)(len - c->tucss);
        put_be16(f + c->tucso, csum_fold(seed));
        e1000_tx_put_csum(s, f, len, c->tucss, c->tucso, 0, false, "TCP");
    }
    if (tx->popts & E1000_TXD_POPTS_IXSM) {
        e1000_tx_put_csum(s, f, len, c->ipcss, c->ipcso, c->ipcse, true,
                          "IP");
    }
    e1000_tx_send(s, f, len);
    tx->frames++;
    tx->sent += plen;
    tx->size = c->hdr_len;
    stat_inc(s, E1000_TSCTC);
}

/* Is the context good enough to segment with? */
static bool e1000_tso_check(E1000State *s)
{
    E1000TxContext *c = &s->ctx;

    if (c->mss == 0 || c->hdr_len < ETH_HLEN ||
        (size_t)c->hdr_len + c->mss > E1000_TX_BUF_SIZE ||
        c->tucss + 20u > c->hdr_len || c->tucso + 2u > c->hdr_len ||
        c->ipcss + 20u > c->hdr_len || c->ipcso + 2u > c->hdr_len ||
        c->ipcss >= c->tucss) {
        e1000_guest_error(s, "TCP segmentation with MSS %u, header length "
                          "%u, IPCSS %u, TUCSS %u, TUCSO %u: packet "
                          "dropped", c->mss, c->hdr_len, c->ipcss,
                          c->tucss, c->tucso);
        stat_inc(s, E1000_TSCTFC);
        return false;
    }
    return true;
}

static void e1000_tx_data(E1000State *s, uint64_t addr, size_t len)
{
    E1000TxPacket *tx = &s->tx;
    size_t limit = tx->tse ? (size_t)s->ctx.hdr_len + s->ctx.mss
                           : E1000_TX_BUF_SIZE;

    while (len > 0 && !tx->drop) {
        size_t chunk;

        /* a full segment goes once more data shows it is not the last */
        if (tx->tse && tx->size == limit) {
            e1000_tso_send_segment(s, false);
        }
        chunk = MIN(len, limit - tx->size);
        if (chunk == 0) {
            e1000_guest_error(s, "transmit packet larger than %zu bytes: "
                              "dropped", limit);
            tx->drop = true;
            break;
        }
        if (!pci_dma_read(&s->pci, addr, tx->buf + tx->size, chunk)) {
            e1000_guest_error(s, "transmit buffer at 0x%" PRIx64 " (0x%zx "
                              "bytes) cannot be read: packet dropped",
                              addr, chunk);
            tx->drop = true;
            break;
        }
        tx->size += chunk;
        addr += chunk;
        len -= chunk;
    }
}

static void e1000_tx_end_packet(E1000State *s)
{
    E1000TxPacket *tx = &s->tx;

    if (tx->drop || tx->size == 0) {
        /* nothing */
    } else if (tx->tse) {
        if (tx->size > s->ctx.hdr_len || tx->frames == 0) {
            if (tx->size < s->ctx.hdr_len) {
                e1000_guest_error(s, "TCP segmentation packet shorter than "
                                  "its header: dropped");
            } else {
                e1000_tso_send_segment(s, true);
            }
        }
    } else {
        e1000_tx_offloads(s, tx->buf, tx->size);
        memcpy(tx->frame, tx->buf, tx->size);
        e1000_tx_send(s, tx->frame, tx->size);
    }
    tx->size = 0;
    tx->started = false;
    tx->drop = false;
}

/* One descriptor; true if its status was written back (RS). */
static bool e1000_tx_desc(E1000State *s, uint64_t daddr, uint8_t *d)
{
    E1000TxPacket *tx = &s->tx;
    uint32_t lower = get_le32(d + 8);
    uint8_t cmd = d[11];
    unsigned dtyp = (lower >> E1000_TXD_DTYP_SHIFT) & 0xf;
    bool ext = cmd & E1000_TXD_CMD_DEXT;

    if (ext && dtyp == E1000_TXD_DTYP_C) {
        E1000TxContext *c = &s->ctx;
        c->ipcss = d[0];
        c->ipcso = d[1];
        c->ipcse = d[2] | d[3] << 8;
        c->tucss = d[4];
        c->tucso = d[5];
        c->tucse = d[6] | d[7] << 8;
        c->paylen = lower & 0xfffff;
        c->tucmd = cmd;
        c->hdr_len = d[13];
        c->mss = d[14] | d[15] << 8;
    } else if (ext && dtyp != E1000_TXD_DTYP_D) {
        e1000_guest_error(s, "transmit descriptor type %u: ignored", dtyp);
    } else {
        size_t len = ext ? lower & 0xfffff : lower & 0xffff;

        if (!tx->started) {
            tx->started = true;
            tx->legacy = !ext;
            tx->tse = ext && (cmd & E1000_TXD_CMD_TSE);
            tx->popts = ext ? d[13] : 0;
            tx->ic = !ext && (cmd & E1000_TXD_CMD_IC);
            tx->cso = d[10];
            tx->css = d[13];
            tx->vle = cmd & E1000_TXD_CMD_VLE;
            tx->vlan = d[14] | d[15] << 8;
            tx->frames = 0;
            tx->sent = 0;
            tx->drop = tx->tse && !e1000_tso_check(s);
        }
        if (!tx->drop) {
            e1000_tx_data(s, get_le64(d), len);
        }
        if (cmd & E1000_TXD_CMD_EOP) {
            e1000_tx_end_packet(s);
        }
    }
    if (cmd & (E1000_TXD_CMD_RS | E1000_TXD_CMD_RPS)) {
        uint8_t sta = d[12] | E1000_TXD_STAT_DD;
        pci_dma_write(&s->pci, daddr + 12, &sta, 1);
        return true;
    }
    return false;
}

/* Runs the transmit ring from TDH to TDT: at most one pass over it. */
static void e1000_tx_run(E1000State *s)
{
    unsigned n = *reg(s, E1000_TDLEN) / E1000_DESC_SIZE;
    uint64_t base = (uint64_t)*reg(s, E1000_TDBAH) << 32 |
                    *reg(s, E1000_TDBAL);
    uint32_t causes = 0;
    bool any = false;

    if (!(*reg(s, E1000_TCTL) & E1000_TCTL_EN) || s->in_dma) {
        return;
    }
    if (n == 0 || *reg(s, E1000_TDH) >= n || *reg(s, E1000_TDT) >= n) {
        if (*reg(s, E1000_TDH) != *reg(s, E1000_TDT)) {
            e1000_guest_error(s, "transmit ring TDLEN 0x%x TDH %u TDT %u is "
                              "unusable: nothing sent",
                              *reg(s, E1000_TDLEN), *reg(s, E1000_TDH),
                              *reg(s, E1000_TDT));
        }
        return;
    }
    s->in_dma = true;
    for (unsigned budget = n;
         budget > 0 && *reg(s, E1000_TDH) != *reg(s, E1000_TDT); budget--) {
        uint32_t head = *reg(s, E1000_TDH);
        uint64_t daddr = base + (uint64_t)head * E1000_DESC_SIZE;
        uint8_t d[E1000_DESC_SIZE];

        if (pci_dma_read(&s->pci, daddr, d, sizeof(d))) {
            if (e1000_tx_desc(s, daddr, d)) {
                causes |= E1000_ICR_TXDW;
            }
        } else {
            e1000_guest_error(s, "transmit descriptor %u at 0x%" PRIx64
                              " cannot be read: packet dropped", head,
                              daddr);
            s->tx.drop = s->tx.started;
        }
        *reg(s, E1000_TDH) = (head + 1) % n;
        any = true;
    }
    s->in_dma = false;
    if (any && *reg(s, E1000_TDH) == *reg(s, E1000_TDT)) {
        causes |= E1000_ICR_TXQE;
    }
    if (causes) {
        e1000_set_ics(s, causes);
    }
}

/* ---- Register access ---- */

static uint32_t e1000_icr_read(E1000State *s, unsigned index)
{
    uint32_t v = s->mac[index];

    s->mac[index] = 0;
    e1000_update_irq(s);
    return v;
}

static uint32_t e1000_read_zero(E1000State *s, unsigned index)
{
    return 0;
}

static uint32_t e1000_stat_read(E1000State *s, unsigned index)
{
    uint32_t v = s->mac[index];
    uint32_t off = index * 4;

    /* 64-bit counters clear when their high half is read (13.7.31) */
    switch (off) {
    case E1000_GORCL: case E1000_GOTCL: case E1000_TORL: case E1000_TOTL:
        return v;
    case E1000_GORCH: case E1000_GOTCH: case E1000_TORH: case E1000_TOTH:
        s->mac[index - 1] = 0;
        break;
    }
    s->mac[index] = 0;
    return v;
}

static void e1000_ctrl_write(E1000State *s, unsigned index, uint32_t v)
{
    if (v & E1000_CTRL_RST) {
        e1000_reset(s);
        return;
    }
    if (v & E1000_CTRL_PHY_RST) {
        memcpy(s->phy, e1000_phy_reset_values, sizeof(s->phy));
    }
    s->mac[index] = v & ~(E1000_CTRL_RST | E1000_CTRL_PHY_RST);
}

static void e1000_icr_write(E1000State *s, unsigned index, uint32_t v)
{
    s->mac[index] &= ~v;
    e1000_update_irq(s);
}

static void e1000_ics_write(E1000State *s, unsigned index, uint32_t v)
{
    e1000_set_ics(s, v);
}

static void e1000_ims_write(E1000State *s, unsigned index, uint32_t v)
{
    *reg(s, E1000_IMS) |= v & E1000_ICR_VALID;
    e1000_update_irq(s);
}

static void e1000_imc_write(E1000State *s, unsigned index, uint32_t v)
{
    *reg(s, E1000_IMS) &= ~v;
    e1000_update_irq(s);
}

static void e1000_rx_kick(E1000State *s)
{
    if (s->port && e1000_can_receive(s)) {
        net_port_flush(s->port);
    }
}

static void e1000_rctl_write(E1000State *s, unsigned index, uint32_t v)
{
    s->mac[index] = v;
    e1000_rx_kick(s);
}

static void e1000_rdt_write(E1000State *s, unsigned index, uint32_t v)
{
    s->mac[index] = v & 0xffff;
    if (e1000_rx_ring_size(s) && s->mac[index] >= e1000_rx_ring_size(s)) {
        e1000_guest_error(s, "RDT %u beyond the %u-descriptor ring",
                          s->mac[index], e1000_rx_ring_size(s));
    }
    e1000_rx_kick(s);
}

/* RDLEN/TDLEN: bits 19:7, the ring a multiple of 128 bytes (13.4.29) */
static void e1000_ring_len_write(E1000State *s, unsigned index, uint32_t v)
{
    if (v & (E1000_RING_ALIGN - 1)) {
        e1000_guest_error(s, "%s 0x%x is not a multiple of 128",
                          index * 4 == E1000_RDLEN ? "RDLEN" : "TDLEN", v);
    }
    s->mac[index] = v & 0xfff80;
}

static void e1000_tx_start_write(E1000State *s, unsigned index, uint32_t v)
{
    s->mac[index] = index * 4 == E1000_TDT ? v & 0xffff : v;
    e1000_tx_run(s);
}

typedef struct E1000RegInfo {
    uint32_t offset;
    unsigned count;         /* registers in the array */
    const char *name;
    uint32_t wmask;         /* the bits a plain write stores */
    uint32_t (*read)(E1000State *s, unsigned index);    /* NULL: stored */
    void (*write)(E1000State *s, unsigned index, uint32_t v);
} E1000RegInfo;

#define RW 0xffffffff

static const E1000RegInfo e1000_reg_table[] = {
    { E1000_CTRL, 1, "CTRL", RW, NULL, e1000_ctrl_write },
    { E1000_STATUS, 1, "STATUS", 0, NULL, NULL },
    { E1000_EECD, 1, "EECD", 0, e1000_eecd_read, e1000_eecd_write },
    { E1000_EERD, 1, "EERD", 0, NULL, e1000_eerd_write },
    { E1000_CTRL_EXT, 1, "CTRL_EXT", RW, NULL, NULL },
    { E1000_FLA, 1, "FLA", RW, NULL, NULL },
    { E1000_MDIC, 1, "MDIC", 0, NULL, e1000_mdic_write },
    { E1000_FCAL, 1, "FCAL", RW, NULL, NULL },
    { E1000_FCAH, 1, "FCAH", 0xffff, NULL, NULL },
    { E1000_FCT, 1, "FCT", 0xffff, NULL, NULL },
    { E1000_VET, 1, "VET", 0xffff, NULL, NULL },
    { E1000_ICR, 1, "ICR", 0, e1000_icr_read, e1000_icr_write },
    { E1000_ITR, 1, "ITR", 0xffff, NULL, NULL },
    { E1000_ICS, 1, "ICS", 0, e1000_read_zero, e1000_ics_write },
    { E1000_IMS, 1, "IMS", 0, NULL, e1000_ims_write },
    { E1000_IMC, 1, "IMC", 0, e1000_read_zero, e1000_imc_write },
    { E1000_RCTL, 1, "RCTL", RW, NULL, e1000_rctl_write },
    { E1000_FCTTV, 1, "FCTTV", 0xffff, NULL, NULL },
    { E1000_TXCW, 1, "TXCW", RW, NULL, NULL },
    { E1000_RXCW, 1, "RXCW", 0, NULL, NULL },
    { E1000_TCTL, 1, "TCTL", RW, NULL, e1000_tx_start_write },
    { E1000_TIPG, 1, "TIPG", RW, NULL, NULL },
    { E1000_AIFS, 1, "AIFS", 0xffff, NULL, NULL },
    { E1000_LEDCTL, 1, "LEDCTL", RW, NULL, NULL },
    { E1000_PBA, 1, "PBA", 0xffff, NULL, NULL },
    { E1000_FCRTL, 1, "FCRTL", 0x8000fff8, NULL, NULL },
    { E1000_FCRTH, 1, "FCRTH", 0xfff8, NULL, NULL },
    { E1000_RDFH, 1, "RDFH", 0x1fff, NULL, NULL },
    { E1000_RDFT, 1, "RDFT", 0x1fff, NULL, NULL },
    { E1000_RDFHS, 1, "RDFHS", 0x1fff, NULL, NULL },
    { E1000_RDFTS, 1, "RDFTS", 0x1fff, NULL, NULL },
    { E1000_RDFPC, 1, "RDFPC", 0x1fff, NULL, NULL },
    { E1000_RDBAL, 1, "RDBAL", 0xfffffff0, NULL, NULL },
    { E1000_RDBAH, 1, "RDBAH", RW, NULL, NULL },
    { E1000_RDLEN, 1, "RDLEN", 0, NULL, e1000_ring_len_write },
    { E1000_RDH, 1, "RDH", 0xffff, NULL, NULL },
    { E1000_RDT, 1, "RDT", 0, NULL, e1000_rdt_write },
    { E1000_RDTR, 1, "RDTR", 0x8000ffff, NULL, NULL },
    { E1000_RXDCTL, 1, "RXDCTL", RW, NULL, NULL },
    { E1000_RADV, 1, "RADV", 0xffff, NULL, NULL },
    { E1000_RSRPD, 1, "RSRPD", 0xfff, NULL, NULL },
    { E1000_TXDMAC, 1, "TXDMAC", 1, NULL, NULL },
    { E1000_TDFH, 1, "TDFH", 0x1fff, NULL, NULL },
    { E1000_TDFT, 1, "TDFT", 0x1fff, NULL, NULL },
    { E1000_TDFHS, 1, "TDFHS", 0x1fff, NULL, NULL },
    { E1000_TDFTS, 1, "TDFTS", 0x1fff, NULL, NULL },
    { E1000_TDFPC, 1, "TDFPC", 0x1fff, NULL, NULL },
    { E1000_TDBAL, 1, "TDBAL", 0xfffffff0, NULL, NULL },
    { E1000_TDBAH, 1, "TDBAH", RW, NULL, NULL },
    { E1000_TDLEN, 1, "TDLEN", 0, NULL, e1000_ring_len_write },
    { E1000_TDH, 1, "TDH", 0xffff, NULL, NULL },
    { E1000_TDT, 1, "TDT", 0, NULL, e1000_tx_start_write },
    { E1000_TIDV, 1, "TIDV", 0xffff, NULL, NULL },
    { E1000_TXDCTL, 1, "TXDCTL", RW, NULL, NULL },
    { E1000_TADV, 1, "TADV", 0xffff, NULL, NULL },
    { E1000_TSPMT, 1, "TSPMT", RW, NULL, NULL },
    { E1000_STATS, (E1000_STATS_END - E1000_STATS) / 4, "statistics", 0,
      e1000_stat_read, NULL },
    { E1000_RXCSUM, 1, "RXCSUM", 0x3ff, NULL, NULL },
    { E1000_MTA, 128, "MTA", RW, NULL, NULL },
    { E1000_RA, 2 * E1000_RA_ENTRIES, "RA", RW, NULL, NULL },
    { E1000_VFTA, 128, "VFTA", RW, NULL, NULL },
    { E1000_WUC, 1, "WUC", RW, NULL, NULL },
    { E1000_WUFC, 1, "WUFC", RW, NULL, NULL },
    { E1000_WUS, 1, "WUS", RW, NULL, NULL },
    { E1000_MANC, 1, "MANC", RW, NULL, NULL },
    { E1000_IPAV, 1, "IPAV", RW, NULL, NULL },
    { E1000_IP4AT, 8, "IP4AT", RW, NULL, NULL },
    { E1000_IP6AT, 4, "IP6AT", RW, NULL, NULL },
    { E1000_WUPL, 1, "WUPL", 0, NULL, NULL },
    { E1000_WUPM, 32, "WUPM", RW, NULL, NULL },
    { E1000_FFLT, 8, "FFLT", RW, NULL, NULL },
    { E1000_FFMT, 256, "FFMT", RW, NULL, NULL },
    { E1000_FFVT, 256, "FFVT", RW, NULL, NULL },
};

/* Register word index -> table entry + 1 (0: no register there) */
static uint8_t e1000_reg_slot[E1000_NR_REGS];

static void e1000_reg_slots_init(void)
{
    G_STATIC_ASSERT(G_N_ELEMENTS(e1000_reg_table) < 255);
    for (size_t i = 0; i < G_N_ELEMENTS(e1000_reg_table); i++) {
        const E1000RegInfo *r = &e1000_reg_table[i];
        for (unsigned k = 0; k < r->count; k++) {
            e1000_reg_slot[r->offset / 4 + k] = i + 1;
        }
    }
}

static const E1000RegInfo *e1000_reg_info(uint32_t offset)
{
    unsigned slot = e1000_reg_slot[(offset / 4) % E1000_NR_REGS];

    return slot ? &e1000_reg_table[slot - 1] : NULL;
}

static uint32_t e1000_reg_read(E1000State *s, uint32_t offset)
{
    const E1000RegInfo *r = e1000_reg_info(offset);
    unsigned index = (offset / 4) % E1000_NR_REGS;

    if (s->in_dma) {
        e1000_guest_error(s, "DMA read of its own register 0x%05x ignored",
                          offset);
        return 0;
    }
    if (!r) {
        log_mask_printf(LOG_UNIMP, "e1000: read of unknown register "
                        "0x%05x\n", offset);
        return 0;
    }
    return r->read ? r->read(s, index) : s->mac[index];
}

static void e1000_reg_write(E1000State *s, uint32_t offset, uint32_t v)
{
    const E1000RegInfo *r = e1000_reg_info(offset);
    unsigned index = (offset / 4) % E1000_NR_REGS;

    if (s->in_dma) {
        e1000_guest_error(s, "DMA write to its own register 0x%05x ignored",
                          offset);
        return;
    }
    if (!r) {
        log_mask_printf(LOG_UNIMP, "e1000: write of 0x%x to unknown register "
                        "0x%05x ignored\n", v, offset);
        return;
    }
    if (r->write) {
        r->write(s, index, v);
    } else if (r->wmask) {
        s->mac[index] = (s->mac[index] & ~r->wmask) | (v & r->wmask);
    } else {
        log_mask_printf(LOG_GUEST_ERROR, "e1000: write of 0x%x to read-only "
                        "register %s ignored\n", v, r->name);
    }
}

static uint64_t e1000_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    return e1000_reg_read(opaque, offset);
}

static void e1000_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    e1000_reg_write(opaque, offset, value);
}

static const MemOps e1000_mmio_ops = {
    .read = e1000_mmio_read, .write = e1000_mmio_write,
    .min_size = 4, .max_size = 4,
};

/* BAR1 (13.2.2): IOADDR selects a register, IODATA reaches it */
static uint64_t e1000_io_read(void *opaque, uint64_t offset, unsigned size)
{
    E1000State *s = opaque;

    switch (offset) {
    case E1000_IOADDR:
        return s->ioaddr;
    case E1000_IODATA:
        return e1000_reg_read(s, s->ioaddr & (E1000_MMIO_SIZE - 4));
    default:
        return 0;
    }
}

static void e1000_io_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    E1000State *s = opaque;

    switch (offset) {
    case E1000_IOADDR:
        s->ioaddr = value & (E1000_MMIO_SIZE - 4);
        break;
    case E1000_IODATA:
        e1000_reg_write(s, s->ioaddr, value);
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "e1000: write to reserved I/O "
                        "offset 0x%x\n", (unsigned)offset);
        break;
    }
}

static const MemOps e1000_io_ops = {
    .read = e1000_io_read, .write = e1000_io_write,
    .min_size = 4, .max_size = 4,
};

/* ---- Creation ---- */

typedef struct E1000Props {
    const char *netdev;
    uint8_t mac[ETH_ALEN];
} E1000Props;

static bool e1000_parse_mac(const char *s, uint8_t *mac)
{
    for (int i = 0; i < ETH_ALEN; i++) {
        if (!g_ascii_isxdigit(s[0]) || !g_ascii_isxdigit(s[1]) ||
            s[2] != (i == ETH_ALEN - 1 ? '\0' : ':')) {
            return false;
        }
        mac[i] = g_ascii_xdigit_value(s[0]) << 4 | g_ascii_xdigit_value(s[1]);
        s += 3;
    }
    return true;
}

/* Fills p from "netdev=ID,mac=...,id=..."; the strings point into *copy. */
static bool e1000_parse_props(const char *props, char **copy, E1000Props *p,
                              char **err)
{
    static const uint8_t default_mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12,
                                                   0x34, 0x56 };
    char *rest;

    memcpy(p->mac, default_mac, ETH_ALEN);
    p->netdev = NULL;
    *copy = g_strdup(props ? props : "");
    rest = *copy;
    for (char *item; (item = strsep(&rest, ","));) {
        char *value = strchr(item, '=');

        if (!*item) {
            continue;
        }
        if (value) {
            *value++ = '\0';
        }
        if (strcmp(item, "netdev") == 0 && value && *value) {
            if (!net_backend_find(value)) {
                *err = g_strdup_printf("e1000: no -netdev with id '%s'",
                                       value);
                return false;
            }
            p->netdev = value;
        } else if (strcmp(item, "id") == 0 && value) {
            /* QEMU's device id: nothing here refers to it */
        } else if (strcmp(item, "mac") == 0 && value) {
            if (!e1000_parse_mac(value, p->mac) || (p->mac[0] & 1)) {
                *err = g_strdup_printf("e1000: invalid mac '%s' (a unicast "
                                       "xx:xx:xx:xx:xx:xx)", value);
                return false;
            }
        } else {
            *err = g_strdup_printf("e1000: invalid property '%s'%s", item,
                                   value ? "" : " (no value)");
            return false;
        }
    }
    return true;
}

bool e1000_check_props(const char *props, char **err)
{
    E1000Props p;
    char *copy;
    bool ok = e1000_parse_props(props, &copy, &p, err);

    g_free(copy);
    return ok;
}

PCIDevice *e1000_create(PCIBus *bus, int devfn, const char *props,
                        char **err)
{
    E1000State *s;
    E1000Props p;
    char *copy;

    if (!e1000_parse_props(props, &copy, &p, err)) {
        g_free(copy);
        return NULL;
    }
    s = g_new0(E1000State, 1);
    if (!pci_device_init(&s->pci, bus, devfn, "e1000", E1000_VENDOR_ID,
                         E1000_DEVICE_ID, 0x03, 0x020000, &e1000_pci_ops,
                         err)) {
        g_free(copy);
        g_free(s);
        return NULL;
    }
    if (!e1000_reg_slot[0]) {
        e1000_reg_slots_init();
    }
    pci_set_word(s->pci.config + PCI_SUBSYSTEM_VENDOR_ID, E1000_VENDOR_ID);
    pci_set_word(s->pci.config + PCI_SUBSYSTEM_ID, E1000_SUBSYS_ID);
    pci_register_bar(&s->pci, 0, 0, E1000_MMIO_SIZE, &e1000_mmio_ops, s);
    pci_register_bar(&s->pci, 1, PCI_BASE_ADDRESS_SPACE_IO, E1000_IO_SIZE,
                     &e1000_io_ops, s);
    pci_set_interrupt_pin(&s->pci, PCI_INTX_PIN_A);
    memcpy(s->macaddr, p.mac, ETH_ALEN);
    e1000_eeprom_init(s);
    if (p.netdev) {
        s->port = net_nic_new(net_backend_find(p.netdev), &e1000_port_ops, s);
    }
    g_free(copy);
    e1000_reset(s);
    return &s->pci;
}
