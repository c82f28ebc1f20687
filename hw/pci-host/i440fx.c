/*
 * 82441FX PMC, the i440FX host bridge (Intel 82441FX/82442FX datasheet,
 * order no. 290549): IDs, and the PAM and SMRAM registers.
 *
 * The PAM (shadow RAM attribute) and SMRAM registers are stored and read
 * back, but have no effect yet: [768K, 1M) stays the ROM pc.c maps and
 * there is no SMM. A BIOS (SeaBIOS, for disk boot) needs the PAM
 * semantics to shadow itself; direct Linux boot does not.
 */
#include <inttypes.h>

#include <glib.h>

#include "hw/pci-host/i440fx.h"
#include "softmmu/log.h"

/* PAM0 holds only the 0xF0000 segment's attributes (bits 5:4); PAM1-6
 * hold two 16 KiB segments each (bits 1:0 and 5:4). */
#define I440FX_PAM0_MASK    0x30
#define I440FX_PAM_MASK     0x33

/* SMRAM control */
#define SMRAM_D_OPEN        0x40
#define SMRAM_D_CLS         0x20
#define SMRAM_D_LCK         0x10
#define SMRAM_G_SMRAME      0x08
#define SMRAM_C_BASE_SEG    0x02    /* read-only: SMRAM at 0xA0000 */

struct I440FXState {
    PCIDevice pci;          /* first: the core hands back a PCIDevice * */
    PCIBus *bus;
    uint32_t conf_addr;     /* CONFIG_ADDRESS */
    const MemOps *other_ops;
    void *other_opaque;
};

/* CONFIG_ADDRESS bits 30:24 are reserved and bits 1:0 are 0 (type 1
 * cycles only: the datasheet's CONFADD). */
#define I440FX_CONF_ADDR_MASK 0x80fffffcu

static uint64_t i440fx_conf_addr_read(void *opaque, uint64_t offset,
                                      unsigned size)
{
    I440FXState *s = opaque;

    if (offset == 0 && size == 4) {
        return s->conf_addr;
    }
    if (s->other_ops && s->other_ops->read) {
        return s->other_ops->read(s->other_opaque, offset, size);
    }
    return UINT32_MAX;
}

static void i440fx_conf_addr_write(void *opaque, uint64_t offset,
                                   uint64_t value, unsigned size)
{
    I440FXState *s = opaque;

    if (offset == 0 && size == 4) {
        s->conf_addr = value & I440FX_CONF_ADDR_MASK;
    } else if (s->other_ops && s->other_ops->write) {
        s->other_ops->write(s->other_opaque, offset, value, size);
    }
}

static const MemOps i440fx_conf_addr_ops = {
    .read = i440fx_conf_addr_read, .write = i440fx_conf_addr_write,
    .min_size = 1, .max_size = 4,
};

static uint64_t i440fx_conf_data_read(void *opaque, uint64_t offset,
                                      unsigned size)
{
    I440FXState *s = opaque;

    return pci_conf1_read(s->bus, s->conf_addr, offset, size);
}

static void i440fx_conf_data_write(void *opaque, uint64_t offset,
                                   uint64_t value, unsigned size)
{
    I440FXState *s = opaque;

    pci_conf1_write(s->bus, s->conf_addr, offset, value, size);
}

static const MemOps i440fx_conf_data_ops = {
    .read = i440fx_conf_data_read, .write = i440fx_conf_data_write,
    .min_size = 1, .max_size = 4,
};

/* D_LCK set: D_OPEN is cleared, and D_LCK, D_OPEN and G_SMRAME become
 * read-only until reset (datasheet, SMRAM register). */
static void i440fx_config_write(PCIDevice *d, uint32_t addr, uint32_t value,
                                unsigned size)
{
    if (addr > I440FX_SMRAM || addr + size <= I440FX_SMRAM) {
        return;
    }
    if (d->config[I440FX_SMRAM] & SMRAM_D_LCK) {
        d->config[I440FX_SMRAM] &= ~SMRAM_D_OPEN;
        d->wmask[I440FX_SMRAM] = SMRAM_D_CLS;
    }
    if ((d->config[I440FX_SMRAM] & (SMRAM_D_OPEN | SMRAM_D_CLS)) ==
        (SMRAM_D_OPEN | SMRAM_D_CLS)) {
        log_mask_printf(LOG_GUEST_ERROR, "i440fx: SMRAM D_OPEN and D_CLS "
                        "both set\n");
    }
}

/* PAM all 0 (accesses go to the PCI bus: the ROM), SMRAM unlocked and
 * closed, CONFIG_ADDRESS 0 (datasheet defaults). */
static void i440fx_reset(PCIDevice *d)
{
    I440FXState *s = (I440FXState *)d;

    for (int i = 0; i < I440FX_PAM_COUNT; i++) {
        d->config[I440FX_PAM0 + i] = 0;
    }
    d->config[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
    d->wmask[I440FX_SMRAM] = SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK |
                             SMRAM_G_SMRAME;
    s->conf_addr = 0;
}

static const PCIDeviceOps i440fx_pci_ops = {
    .config_write = i440fx_config_write,
    .reset = i440fx_reset,
};

I440FXState *i440fx_create(PCIBus *bus, IOSpace *io, const MemOps *other_ops,
                           void *other_opaque)
{
    I440FXState *s = g_new0(I440FXState, 1);
    PCIDevice *d = &s->pci;
    char *err = NULL;

    s->bus = bus;
    s->other_ops = other_ops;
    s->other_opaque = other_opaque;
    if (!pci_device_init(d, bus, I440FX_DEVFN, "i440fx", PCI_VENDOR_ID_INTEL,
                         I440FX_DEVICE_ID, I440FX_REVISION, 0x060000,
                         &i440fx_pci_ops, &err)) {
        g_error("%s", err);     /* the board's own layout is wrong */
    }
    /* DEVSEL medium, as the datasheet's PCISTS default */
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    d->wmask[I440FX_PAM0] = I440FX_PAM0_MASK;
    for (int i = 1; i < I440FX_PAM_COUNT; i++) {
        d->wmask[I440FX_PAM0 + i] = I440FX_PAM_MASK;
    }
    i440fx_reset(d);
    io_map(io, "pci-conf-addr", I440FX_CONF_ADDR_PORT, 4,
           &i440fx_conf_addr_ops, s);
    io_map(io, "pci-conf-data", I440FX_CONF_DATA_PORT, 4,
           &i440fx_conf_data_ops, s);
    return s;
}

PCIDevice *i440fx_pci(I440FXState *s)
{
    return &s->pci;
}
