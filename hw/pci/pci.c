/*
 * PCI bus 0 (see pci.h). References: PCI Local Bus Specification 3.0,
 * 3.2.2.3.2 (configuration mechanism #1), 6.1-6.2 (the type 0 header),
 * 6.2.5.1 (BARs and how software sizes them), 2.2.6 (INTx).
 *
 * BAR placement is recomputed for the whole bus whenever a command
 * register or a BAR changes: first every BAR that moved or lost its
 * enable is unmapped, then every enabled BAR not yet in place is mapped.
 * A BAR the guest puts over RAM, a board device or another BAR is left
 * out (logged under -d guest_errors) and placed by a later update once
 * its range is free; chipsets decode RAM and their own ranges first too.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "hw/pci/pci.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

#define PCI_BAR_UNMAPPED UINT64_MAX

/* Config addresses of the header's BARs and the command register */
#define PCI_BASE_ADDRESS_END    (PCI_BASE_ADDRESS_0 + 4 * PCI_NUM_BARS)
#define PCI_DEVICE_SPECIFIC     0x40    /* after the type 0 header */

#define PCI_CONF1_ENABLE        0x80000000u
#define PCI_CONF1_BUS(a)        (((a) >> 16) & 0xff)
#define PCI_CONF1_DEVFN(a)      (((a) >> 8) & 0xff)
#define PCI_CONF1_REG(a)        ((a) & 0xfc)

struct PCIBus {
    AddressSpace *as;
    IOSpace *io;
    IRQLine *pirq;          /* PCI_NUM_PIRQS lines */
    bool pirq_level[PCI_NUM_PIRQS];
    PCIDevice *devices[PCI_DEVFN_MAX];
};

static void pci_bus_reset(void *opaque);

PCIBus *pci_bus_create(AddressSpace *as, IOSpace *io, IRQLine *pirq)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    bus->as = as;
    bus->io = io;
    bus->pirq = pirq;
    reset_register(pci_bus_reset, bus);
    return bus;
}

int pci_swizzle_pirq(int slot, int pin)
{
    return (slot + pin - 2) & 3;
}

PCIDevice *pci_bus_find(PCIBus *bus, int devfn)
{
    if (devfn < 0 || devfn >= PCI_DEVFN_MAX) {
        return NULL;
    }
    return bus->devices[devfn];
}

static uint16_t pci_command(const PCIDevice *d)
{
    return pci_get_word(d->config + PCI_COMMAND);
}

/* ---- INTx ---- */

static int pci_intx_pin(const PCIDevice *d)
{
    return d->config[PCI_INTERRUPT_PIN];
}

/* Each PIRQ is the OR of the devices' INTx swizzled onto it (wired-OR,
 * active low on the bus; active high here). */
static void pci_bus_update_pirqs(PCIBus *bus)
{
    bool level[PCI_NUM_PIRQS] = { false };

    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        int pin;

        if (!d || !d->intx_level ||
            (pci_command(d) & PCI_COMMAND_INTX_DISABLE)) {
            continue;
        }
        pin = pci_intx_pin(d);
        if (pin >= 1 && pin <= 4) {
            level[pci_swizzle_pirq(PCI_SLOT(devfn), pin)] = true;
        }
    }
    for (int n = 0; n < PCI_NUM_PIRQS; n++) {
        if (level[n] != bus->pirq_level[n]) {
            bus->pirq_level[n] = level[n];
            if (bus->pirq) {
                irq_set(&bus->pirq[n], level[n]);
            }
        }
    }
}

/* The Interrupt Status bit shows the device's INTx whatever INTx Disable
 * says (spec 6.2.3). */
void pci_set_irq(PCIDevice *d, int level)
{
    d->intx_level = level != 0;
    uint16_t status = pci_get_word(d->config + PCI_STATUS);
    status = d->intx_level ? (status | PCI_STATUS_INTERRUPT)
                           : (status & ~PCI_STATUS_INTERRUPT);
    pci_set_word(d->config + PCI_STATUS, status);
    pci_bus_update_pirqs(d->bus);
}

void pci_set_interrupt_pin(PCIDevice *d, int pin)
{
    d->config[PCI_INTERRUPT_PIN] = pin;
}

/* ---- BARs ---- */

static bool pci_bar_is_io(const PCIBar *bar)
{
    return bar->type & PCI_BASE_ADDRESS_SPACE_IO;
}

static bool pci_bar_is_64(const PCIBar *bar)
{
    return !pci_bar_is_io(bar) && (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64);
}

/*
 * Where BAR n should be mapped now, or PCI_BAR_UNMAPPED: its space is
 * disabled in the command register, it holds 0 (not yet programmed), it
 * would wrap (the all-ones sizing pattern), or it lies beyond the space
 * it decodes (a 32-bit BAR's last byte at 4 GiB - 1, as QEMU, or an I/O
 * BAR past port 0xffff).
 */
static uint64_t pci_bar_address(const PCIDevice *d, int n)
{
    const PCIBar *bar = &d->bars[n];
    uint32_t off = PCI_BASE_ADDRESS_0 + 4 * n;
    uint64_t addr, last;

    if (pci_bar_is_io(bar)) {
        if (!(pci_command(d) & PCI_COMMAND_IO)) {
            return PCI_BAR_UNMAPPED;
        }
        addr = pci_get_long(d->config + off) & ~(bar->size - 1);
        last = addr + bar->size - 1;
        if (addr == 0 || last > 0xffff) {
            return PCI_BAR_UNMAPPED;
        }
        return addr;
    }
    if (!(pci_command(d) & PCI_COMMAND_MEMORY)) {
        return PCI_BAR_UNMAPPED;
    }
    addr = pci_get_long(d->config + off);
    if (pci_bar_is_64(bar)) {
        addr |= (uint64_t)pci_get_long(d->config + off + 4) << 32;
    }
    addr &= ~(bar->size - 1);
    last = addr + bar->size - 1;
    if (addr == 0 || last < addr || last == UINT64_MAX ||
        (!pci_bar_is_64(bar) && last >= UINT32_MAX)) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static bool pci_bar_map(PCIBus *bus, PCIBar *bar, uint64_t addr)
{
    if (pci_bar_is_io(bar)) {
        if (!io_can_map(bus->io, addr, bar->size)) {
            return false;
        }
        io_map(bus->io, bar->name, addr, bar->size, bar->ops, bar->opaque);
    } else {
        if (!mem_can_map(bus->as, addr, bar->size)) {
            return false;
        }
        mem_map_mmio(bus->as, bar->name, addr, bar->size, bar->ops,
                     bar->opaque);
    }
    bar->mapped = true;
    bar->mapped_addr = addr;
    return true;
}

static void pci_bar_unmap(PCIBus *bus, PCIBar *bar)
{
    if (pci_bar_is_io(bar)) {
        io_unmap(bus->io, bar->mapped_addr);
    } else {
        mem_unmap(bus->as, bar->mapped_addr);
    }
    bar->mapped = false;
}

static void pci_bus_update_mappings(PCIBus *bus)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
            PCIDevice *d = bus->devices[devfn];

            for (int n = 0; d && n < PCI_NUM_BARS; n++) {
                PCIBar *bar = &d->bars[n];
                if (bar->size == 0) {
                    continue;
                }
                uint64_t want = pci_bar_address(d, n);
                if (pass == 0) {
                    if (bar->mapped && bar->mapped_addr != want) {
                        pci_bar_unmap(bus, bar);
                    }
                } else if (!bar->mapped && want != PCI_BAR_UNMAPPED &&
                           !pci_bar_map(bus, bar, want)) {
                    log_mask_printf(LOG_GUEST_ERROR, "pci: %s at 0x%" PRIx64
                                    " overlaps something mapped: not "
                                    "decoded\n", bar->name, want);
                }
            }
        }
    }
}

void pci_register_bar(PCIDevice *d, int n, uint8_t type, uint64_t size,
                      const MemOps *ops, void *opaque)
{
    PCIBar *bar = &d->bars[n];
    uint32_t off = PCI_BASE_ADDRESS_0 + 4 * n;
    uint64_t mask;

    g_assert(n >= 0 && n < PCI_NUM_BARS);
    g_assert(size && (size & (size - 1)) == 0);
    if (type & PCI_BASE_ADDRESS_SPACE_IO) {
        g_assert(size >= 4);
        type = PCI_BASE_ADDRESS_SPACE_IO;
    } else {
        g_assert(size >= 16);
        g_assert(!(type & PCI_BASE_ADDRESS_MEM_TYPE_64) ||
                 n + 1 < PCI_NUM_BARS);
        g_assert((type & PCI_BASE_ADDRESS_MEM_TYPE_64) ||
                 size <= (1ull << 31));
    }
    *bar = (PCIBar) {
        .size = size, .type = type, .ops = ops, .opaque = opaque,
        .name = g_strdup_printf("%s.bar%d", d->name, n),
    };
    /* The address bits below the size read back as zero: writing all
     * ones and reading back gives the size (spec 6.2.5.1). */
    mask = ~(size - 1) & (pci_bar_is_io(bar) ? ~3ull : ~15ull);
    pci_set_long(d->config + off, type);
    pci_set_long(d->wmask + off, mask);
    if (pci_bar_is_64(bar)) {
        pci_set_long(d->config + off + 4, 0);
        pci_set_long(d->wmask + off + 4, mask >> 32);
    }
}

/* ---- DMA ---- */

static bool pci_dma_allowed(PCIDevice *d, uint64_t addr, uint64_t len)
{
    if (!(pci_command(d) & PCI_COMMAND_MASTER)) {
        log_mask_printf(LOG_GUEST_ERROR, "pci: %s: DMA of 0x%" PRIx64
                        " bytes at 0x%" PRIx64 " without Bus Master Enable "
                        "dropped\n", d->name, len, addr);
        return false;
    }
    return true;
}

bool pci_dma_read(PCIDevice *d, uint64_t addr, void *buf, uint64_t len)
{
    if (!pci_dma_allowed(d, addr, len)) {
        memset(buf, 0xff, len);
        return false;
    }
    return mem_read_buf(d->bus->as, addr, buf, len);
}

bool pci_dma_write(PCIDevice *d, uint64_t addr, const void *buf,
                   uint64_t len)
{
    return pci_dma_allowed(d, addr, len) &&
           mem_write_buf(d->bus->as, addr, buf, len);
}

/* ---- Config space ---- */

bool pci_device_init(PCIDevice *d, PCIBus *bus, int devfn, const char *name,
                     uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code, const PCIDeviceOps *ops,
                     char **err)
{
    if (devfn < 0 || devfn >= PCI_DEVFN_MAX) {
        *err = g_strdup_printf("%s: no PCI address %d", name, devfn);
        return false;
    }
    if (bus->devices[devfn]) {
        *err = g_strdup_printf("%s: PCI address %02x.%x is taken by %s",
                               name, PCI_SLOT(devfn), PCI_FUNC(devfn),
                               bus->devices[devfn]->name);
        return false;
    }
    d->bus = bus;
    d->name = name;
    d->devfn = devfn;
    d->ops = ops;
    pci_set_word(d->config + PCI_VENDOR_ID, vendor);
    pci_set_word(d->config + PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = class_code;
    pci_set_word(d->config + PCI_CLASS_DEVICE, class_code >> 8);
    pci_set_word(d->wmask + PCI_COMMAND,
                 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                 PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                 PCI_COMMAND_INTX_DISABLE);
    pci_set_word(d->w1cmask + PCI_STATUS, PCI_STATUS_W1C);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    bus->devices[devfn] = d;
    return true;
}

uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned size)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < size && addr + i < PCI_CONFIG_SPACE_SIZE; i++) {
        v |= (uint32_t)d->config[addr + i] << (i * 8);
    }
    return v;
}

static bool pci_range_touches(uint32_t addr, unsigned size, uint32_t lo,
                              uint32_t hi)
{
    return addr < hi && addr + size > lo;
}

void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t value,
                      unsigned size)
{
    if (addr >= PCI_CONFIG_SPACE_SIZE) {
        return;
    }
    size = MIN(size, PCI_CONFIG_SPACE_SIZE - addr);
    for (unsigned i = 0; i < size; i++) {
        uint32_t a = addr + i;
        uint8_t b = value >> (i * 8);
        uint8_t w = d->wmask[a], c = d->w1cmask[a];

        /* Device-specific registers the model does not implement */
        if (a >= PCI_DEVICE_SPECIFIC && !w && !c && b != d->config[a]) {
            log_mask_printf(LOG_UNIMP, "pci: %s: write of 0x%02x to "
                            "config byte 0x%02x ignored\n", d->name, b, a);
        }
        d->config[a] = ((d->config[a] & ~w) | (b & w)) & ~(b & c);
    }
    if (pci_range_touches(addr, size, PCI_COMMAND, PCI_COMMAND + 2) ||
        pci_range_touches(addr, size, PCI_BASE_ADDRESS_0,
                          PCI_BASE_ADDRESS_END)) {
        pci_bus_update_mappings(d->bus);
    }
    if (pci_range_touches(addr, size, PCI_COMMAND, PCI_COMMAND + 2)) {
        pci_bus_update_pirqs(d->bus);
    }
    if (d->ops && d->ops->config_write) {
        d->ops->config_write(d, addr, value, size);
    }
}

/* ---- Reset ---- */

/*
 * RST# (spec 6.2.2-6.2.4): no decode and no bus mastering until software
 * enables them, error status clear, BARs back at 0 (unmapped), INTx
 * deasserted; then the device's own registers.
 */
static void pci_device_reset(PCIDevice *d)
{
    uint16_t status = pci_get_word(d->config + PCI_STATUS);

    pci_set_word(d->config + PCI_COMMAND, 0);
    status &= ~(PCI_STATUS_W1C | PCI_STATUS_INTERRUPT);
    pci_set_word(d->config + PCI_STATUS, status);
    d->intx_level = false;
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    d->config[PCI_LATENCY_TIMER] = 0;
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *bar = &d->bars[n];
        uint32_t off = PCI_BASE_ADDRESS_0 + 4 * n;

        if (bar->size == 0) {
            continue;
        }
        pci_set_long(d->config + off, bar->type);
        if (pci_bar_is_64(bar)) {
            pci_set_long(d->config + off + 4, 0);
        }
    }
    if (d->ops && d->ops->reset) {
        d->ops->reset(d);
    }
}

static void pci_bus_reset(void *opaque)
{
    PCIBus *bus = opaque;

    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        if (bus->devices[devfn]) {
            pci_device_reset(bus->devices[devfn]);
        }
    }
    pci_bus_update_mappings(bus);
    pci_bus_update_pirqs(bus);
}

/* ---- Configuration mechanism #1 ---- */

static PCIDevice *pci_conf1_device(PCIBus *bus, uint32_t conf_addr)
{
    if (!(conf_addr & PCI_CONF1_ENABLE) || PCI_CONF1_BUS(conf_addr) != 0) {
        return NULL;
    }
    return bus->devices[PCI_CONF1_DEVFN(conf_addr)];
}

uint32_t pci_conf1_read(PCIBus *bus, uint32_t conf_addr, unsigned port_offset,
                        unsigned size)
{
    PCIDevice *d = pci_conf1_device(bus, conf_addr);

    if (!d) {
        /* Master abort: the host bridge returns all ones. */
        return size >= 4 ? UINT32_MAX : (1u << (size * 8)) - 1;
    }
    return pci_config_read(d, PCI_CONF1_REG(conf_addr) + port_offset, size);
}

void pci_conf1_write(PCIBus *bus, uint32_t conf_addr, unsigned port_offset,
                     uint32_t value, unsigned size)
{
    PCIDevice *d = pci_conf1_device(bus, conf_addr);

    if (d) {
        pci_config_write(d, PCI_CONF1_REG(conf_addr) + port_offset, value,
                         size);
    }
}
