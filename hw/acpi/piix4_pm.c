/*
 * PIIX4 power management function (Intel 82371AB datasheet, order no.
 * 290562, 3.2 and 7.x; register semantics as the ACPI specification 4.8
 * describes the fixed hardware they implement).
 *
 * The PM I/O block (64 bytes at PMBA, decoded when PMREGMISC.PMIOSE is
 * set) holds PM1_STS/PM1_EN (+0), PM1_CNT (+4), the PM timer (+8) and
 * GPSTS/GPEN (+0x0C, used as GPE0). The rest of the block (processor
 * control, global and device registers) is stored and read back only.
 * The SMBus base is stored; there is no SMBus controller behind it.
 *
 * The PM timer is not ticked: its count is virtual time times 3.579545
 * MHz. TMR_STS is settled lazily when PM1_STS is read; a timer is armed
 * for the next flip of bit 23 only while TMR_EN wants the SCI.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "hw/acpi/piix4_pm.h"
#include "softmmu/clock.h"
#include "softmmu/cpus.h"
#include "softmmu/log.h"

#define NS_PER_SEC          1000000000ll
#define PM_TMR_MASK         0xffffff
#define PM_TMR_MSB_SHIFT    23

/* PM I/O offsets */
#define PM_PM1_STS          0x00
#define PM_PM1_EN           0x02
#define PM_PM1_CNT          0x04
#define PM_TMR              0x08
#define PM_GPE0_STS         0x0c
#define PM_GPE0_EN          0x0e

#define PM1_STS_MASK  (ACPI_PM1_TMR | ACPI_PM1_BM | ACPI_PM1_GBL | \
                       ACPI_PM1_PWRBTN | ACPI_PM1_RTC | ACPI_PM1_WAK)
#define PM1_EN_MASK   (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | \
                       ACPI_PM1_RTC)
/* SCI_EN, BRLD_EN_BM and SUS_TYP are stored; GBL_RLS and SUS_EN are
 * write-only (read 0). */
#define PM1_CNT_STORED      0x1c03
#define PM1_CNT_GBL_RLS     0x0004

#define PMBA_IO_SPACE       0x01
#define PMBA_MASK           0xffc0
#define PMREGMISC_PMIOSE    0x01

struct PIIX4PMState {
    PCIDevice pci;          /* first: the core hands back a PCIDevice * */
    IOSpace *io;
    IRQLine *sci;
    bool sci_level;
    bool io_mapped;
    uint16_t io_base;
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe0_sts, gpe0_en;
    uint8_t other[PIIX4_PM_IO_SIZE];    /* the stored-only registers */
    Timer *timer;
    int64_t tmr_settled_ns;
};

/* ---- PM timer ---- */

static uint64_t pm_ticks(int64_t ns)
{
    return (unsigned __int128)ns * ACPI_PM_TIMER_FREQ / NS_PER_SEC;
}

/* The first nanosecond at which ticks have elapsed. */
static int64_t pm_ticks_to_ns(uint64_t ticks)
{
    return ((unsigned __int128)ticks * NS_PER_SEC + ACPI_PM_TIMER_FREQ - 1) /
           ACPI_PM_TIMER_FREQ;
}

/* TMR_STS is set when bit 23 of the counter changes (ACPI 4.8.2.1). */
static void pm_settle(PIIX4PMState *s, int64_t now)
{
    if (now <= s->tmr_settled_ns) {
        return;
    }
    if (pm_ticks(now) >> PM_TMR_MSB_SHIFT !=
        pm_ticks(s->tmr_settled_ns) >> PM_TMR_MSB_SHIFT) {
        s->pm1_sts |= ACPI_PM1_TMR;
    }
    s->tmr_settled_ns = now;
}

/*
 * The SCI is the OR of the enabled status bits, and only in ACPI mode
 * (SCI_EN; with it clear the PIIX4 would raise an SMI, which bt86 does
 * not have). The timer waits for the next MSB flip only when that would
 * raise the SCI.
 */
static void pm_update(PIIX4PMState *s, int64_t now)
{
    bool level = (s->pm1_cnt & ACPI_PM1_CNT_SCI_EN) &&
                 ((s->pm1_sts & s->pm1_en & PM1_EN_MASK) ||
                  (s->gpe0_sts & s->gpe0_en));

    if (level != s->sci_level) {
        s->sci_level = level;
        irq_set(s->sci, level);
    }
    if ((s->pm1_en & ACPI_PM1_TMR) && !(s->pm1_sts & ACPI_PM1_TMR)) {
        uint64_t next = ((pm_ticks(now) >> PM_TMR_MSB_SHIFT) + 1)
                        << PM_TMR_MSB_SHIFT;
        timer_mod(s->timer, pm_ticks_to_ns(next));
    } else {
        timer_del(s->timer);
    }
}

static void pm_timer_cb(void *opaque)
{
    PIIX4PMState *s = opaque;
    int64_t now = clock_get_ns();

    pm_settle(s, now);
    pm_update(s, now);
}

void piix4_pm_power_button(PIIX4PMState *s)
{
    int64_t now = clock_get_ns();

    pm_settle(s, now);
    s->pm1_sts |= ACPI_PM1_PWRBTN;
    pm_update(s, now);
}

/* ---- PM I/O registers ---- */

static uint8_t pm_read_byte(PIIX4PMState *s, unsigned off, int64_t now)
{
    unsigned shift = (off & 1) * 8;

    switch (off & ~1u) {
    case PM_PM1_STS:
        return s->pm1_sts >> shift;
    case PM_PM1_EN:
        return s->pm1_en >> shift;
    case PM_PM1_CNT:
        return s->pm1_cnt >> shift;
    case PM_TMR:
    case PM_TMR + 2:
        return (pm_ticks(now) & PM_TMR_MASK) >> ((off - PM_TMR) * 8);
    case PM_GPE0_STS:
        return s->gpe0_sts >> shift;
    case PM_GPE0_EN:
        return s->gpe0_en >> shift;
    default:
        return s->other[off];
    }
}

static uint64_t pm_io_read(void *opaque, uint64_t offset, unsigned size)
{
    PIIX4PMState *s = opaque;
    int64_t now = clock_get_ns();
    uint64_t v = 0;

    pm_settle(s, now);
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)pm_read_byte(s, offset + i, now) << (i * 8);
    }
    return v;
}

/* A byte of a 16-bit register: stored bits, or write-1-to-clear bits. */
static void pm_write_reg16(uint16_t *reg, unsigned off, uint8_t b,
                           uint16_t mask, bool w1c)
{
    unsigned shift = (off & 1) * 8;
    uint16_t bits = ((uint16_t)b << shift) & mask;
    uint16_t lane = 0xffu << shift;

    if (w1c) {
        *reg &= ~bits;
    } else {
        *reg = (*reg & ~(lane & mask)) | bits;
    }
}

/* SLP_EN with SLP_TYP: enter that sleep state. Only S5 (soft off). */
static void pm_sleep(PIIX4PMState *s, uint16_t cnt)
{
    int typ = ACPI_PM1_CNT_SLP_TYP(cnt);

    if (typ == ACPI_SLP_TYP_S5) {
        system_poweroff_request();
        return;
    }
    log_mask_printf(LOG_UNIMP, "piix4_pm: sleep type %d is not supported\n",
                    typ);
}

static void pm_write_byte(PIIX4PMState *s, unsigned off, uint8_t b)
{
    switch (off & ~1u) {
    case PM_PM1_STS:
        pm_write_reg16(&s->pm1_sts, off, b, PM1_STS_MASK, true);
        break;
    case PM_PM1_EN:
        pm_write_reg16(&s->pm1_en, off, b, PM1_EN_MASK, false);
        break;
    case PM_PM1_CNT:
        pm_write_reg16(&s->pm1_cnt, off, b, PM1_CNT_STORED, false);
        if ((off & 1) && (b & (ACPI_PM1_CNT_SLP_EN >> 8))) {
            pm_sleep(s, s->pm1_cnt);
        }
        if (!(off & 1) && (b & PM1_CNT_GBL_RLS)) {
            log_mask_printf(LOG_UNIMP, "piix4_pm: GBL_RLS (an SMI to the "
                            "BIOS) is not supported\n");
        }
        break;
    case PM_TMR:
    case PM_TMR + 2:
        log_mask_printf(LOG_GUEST_ERROR, "piix4_pm: write to the PM timer\n");
        break;
    case PM_GPE0_STS:
        pm_write_reg16(&s->gpe0_sts, off, b, 0xffff, true);
        break;
    case PM_GPE0_EN:
        pm_write_reg16(&s->gpe0_en, off, b, 0xffff, false);
        break;
    default:
        log_mask_printf(LOG_UNIMP, "piix4_pm: write of 0x%02x to PM "
                        "register +0x%02x (stored only)\n", b, off);
        s->other[off] = b;
        break;
    }
}

static void pm_io_write(void *opaque, uint64_t offset, uint64_t value,
                        unsigned size)
{
    PIIX4PMState *s = opaque;
    int64_t now = clock_get_ns();

    /* Status that came before the write is what a W1C write clears. */
    pm_settle(s, now);
    for (unsigned i = 0; i < size; i++) {
        pm_write_byte(s, offset + i, value >> (i * 8));
    }
    pm_update(s, now);
}

static const MemOps pm_io_ops = {
    .read = pm_io_read, .write = pm_io_write,
    .min_size = 1, .max_size = 4,
};

/* ---- PCI function ---- */

static void pm_update_io_mapping(PIIX4PMState *s)
{
    PCIDevice *d = &s->pci;
    uint16_t base = pci_get_long(d->config + PIIX4_PM_PMBA) & PMBA_MASK;
    bool enable = d->config[PIIX4_PM_PMREGMISC] & PMREGMISC_PMIOSE;

    if (s->io_mapped && (!enable || base != s->io_base)) {
        io_unmap(s->io, s->io_base);
        s->io_mapped = false;
    }
    if (enable && !s->io_mapped) {
        if (!io_can_map(s->io, base, PIIX4_PM_IO_SIZE)) {
            log_mask_printf(LOG_GUEST_ERROR, "piix4_pm: PM I/O at 0x%04x "
                            "overlaps something mapped: not decoded\n",
                            base);
            return;
        }
        io_map(s->io, "piix4-pm", base, PIIX4_PM_IO_SIZE, &pm_io_ops, s);
        s->io_mapped = true;
        s->io_base = base;
    }
}

static bool pm_touches(uint32_t addr, unsigned size, uint32_t reg,
                       unsigned len)
{
    return addr < reg + len && addr + size > reg;
}

static void pm_config_write(PCIDevice *d, uint32_t addr, uint32_t value,
                            unsigned size)
{
    if (pm_touches(addr, size, PIIX4_PM_PMBA, 4) ||
        pm_touches(addr, size, PIIX4_PM_PMREGMISC, 1)) {
        pm_update_io_mapping((PIIX4PMState *)d);
    }
}

/*
 * Datasheet defaults: PM I/O and SMBus bases 0 and not decoded, the PM1
 * and GP registers clear, so SCI_EN too (legacy mode). On the direct
 * boot path the board then programs the block again, as firmware does.
 */
static void pm_reset(PCIDevice *d)
{
    PIIX4PMState *s = (PIIX4PMState *)d;
    int64_t now = clock_get_ns();

    pci_set_long(d->config + PIIX4_PM_PMBA, PMBA_IO_SPACE);
    d->config[PIIX4_PM_PMREGMISC] = 0;
    pci_set_long(d->config + PIIX4_PM_SMBBA, PMBA_IO_SPACE);
    d->config[PIIX4_PM_SMBHSTCFG] = 0;
    pm_update_io_mapping(s);
    pm_settle(s, now);
    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    s->gpe0_sts = s->gpe0_en = 0;
    memset(s->other, 0, sizeof(s->other));
    pm_update(s, now);
}

static const PCIDeviceOps pm_pci_ops = {
    .config_write = pm_config_write,
    .reset = pm_reset,
};

PIIX4PMState *piix4_pm_create(PCIBus *bus, IOSpace *io, IRQLine *sci)
{
    PIIX4PMState *s = g_new0(PIIX4PMState, 1);
    PCIDevice *d = &s->pci;
    char *err = NULL;

    if (!pci_device_init(d, bus, PIIX4_PM_DEVFN, "piix4-pm",
                         PCI_VENDOR_ID_INTEL, PIIX4_PM_DEVICE_ID,
                         PIIX4_PM_REVISION, 0x068000, &pm_pci_ops, &err)) {
        g_error("%s", err);     /* the board's own layout is wrong */
    }
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    pci_set_interrupt_pin(d, PCI_INTX_PIN_A);   /* the SMBus interrupt */
    d->config[PIIX4_PM_PMBA] = PMBA_IO_SPACE;
    d->wmask[PIIX4_PM_PMBA] = PMBA_MASK & 0xff;
    d->wmask[PIIX4_PM_PMBA + 1] = PMBA_MASK >> 8;
    d->wmask[PIIX4_PM_PMREGMISC] = PMREGMISC_PMIOSE;
    d->config[PIIX4_PM_SMBBA] = PMBA_IO_SPACE;
    d->wmask[PIIX4_PM_SMBBA] = 0xf0;
    d->wmask[PIIX4_PM_SMBBA + 1] = 0xff;
    d->wmask[PIIX4_PM_SMBHSTCFG] = 0x0f;
    s->io = io;
    s->sci = sci;
    s->timer = timer_new(pm_timer_cb, s);
    s->tmr_settled_ns = clock_get_ns();
    return s;
}

PCIDevice *piix4_pm_pci(PIIX4PMState *s)
{
    return &s->pci;
}
