/*
 * PCI bus 0: devices and functions with 256-byte configuration spaces
 * (PCI Local Bus Specification 3.0, chapter 6), their BARs mapped into
 * the memory and port spaces, and INTx routed to the four PIRQ lines.
 *
 * A device embeds a PCIDevice, fills its header with pci_device_init()
 * and pci_register_bar(), and says which further config bytes the guest
 * may write (wmask) or clear by writing ones (w1cmask). The core does the
 * rest: masked writes, BAR sizing, (un)mapping BARs when the command
 * register or a BAR changes, INTx and the Interrupt Status bit. A device
 * with registers that act when written adds a config_write hook.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define PCI_CONFIG_SPACE_SIZE   256
#define PCI_SLOT_MAX            32
#define PCI_FUNC_MAX            8
#define PCI_DEVFN_MAX           (PCI_SLOT_MAX * PCI_FUNC_MAX)
#define PCI_DEVFN(slot, fn)     (((slot) << 3) | (fn))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 7)
#define PCI_NUM_BARS            6
#define PCI_NUM_PIRQS           4

/* Type 0 configuration header */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define PCI_STATUS              0x06
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_DEVICE        0x0a
#define PCI_CACHE_LINE_SIZE     0x0c
#define PCI_LATENCY_TIMER       0x0d
#define PCI_HEADER_TYPE         0x0e
#define PCI_BIST                0x0f
#define PCI_BASE_ADDRESS_0      0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

#define PCI_COMMAND_IO          0x0001
#define PCI_COMMAND_MEMORY      0x0002
#define PCI_COMMAND_MASTER      0x0004
#define PCI_COMMAND_PARITY      0x0040
#define PCI_COMMAND_SERR        0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT    0x0008
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200
/* Error bits: the guest clears them by writing ones (spec 6.2.3) */
#define PCI_STATUS_W1C          0xf900

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

/* Low bits of a BAR: what kind of space it decodes (spec 6.2.5.1) */
#define PCI_BASE_ADDRESS_SPACE_IO     0x01
#define PCI_BASE_ADDRESS_MEM_TYPE_64  0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08

#define PCI_INTX_PIN_A          1       /* Interrupt Pin values: 1 = INTA# */

#define PCI_VENDOR_ID_INTEL     0x8086

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIDeviceOps {
    /*
     * After the core has stored a config write (masks applied, BARs and
     * INTx updated): for registers whose writes do something. addr and
     * size are the guest's access; the stored bytes are in d->config.
     */
    void (*config_write)(PCIDevice *d, uint32_t addr, uint32_t value,
                         unsigned size);
    /*
     * Machine reset, after the core has put the standard header back
     * (command 0, status error bits clear, BARs unprogrammed, cache line,
     * latency and interrupt line 0): the device's own config registers
     * and state to their reset values, without calling config_write.
     * The core then re-places BARs and INTx.
     */
    void (*reset)(PCIDevice *d);
} PCIDeviceOps;

typedef struct PCIBar {
    uint64_t size;          /* 0: not implemented (reads 0, ignores writes) */
    uint8_t type;           /* the BAR's low bits: IO, or MEM[_64][|PREFETCH] */
    const MemOps *ops;
    void *opaque;
    char *name;
    bool mapped;
    uint64_t mapped_addr;
} PCIBar;

struct PCIDevice {
    PCIBus *bus;
    const char *name;
    int devfn;
    const PCIDeviceOps *ops;
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];      /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE];    /* bits a written 1 clears */
    PCIBar bars[PCI_NUM_BARS];
    bool intx_level;        /* the device's INTx, before INTx Disable */
};

/* Little-endian config fields */
static inline void pci_set_byte(uint8_t *p, uint8_t v)
{
    p[0] = v;
}

static inline void pci_set_word(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    pci_set_word(p, v);
    pci_set_word(p + 2, v >> 16);
}

static inline uint16_t pci_get_word(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static inline uint32_t pci_get_long(const uint8_t *p)
{
    return pci_get_word(p) | (uint32_t)pci_get_word(p + 2) << 16;
}

/*
 * The bus maps BARs into as and io; pirq is an array of four lines,
 * PIRQA-D, each the OR of the INTx of the devices swizzled onto it.
 * The bus registers the reset of all its functions (see
 * PCIDeviceOps.reset).
 */
PCIBus *pci_bus_create(AddressSpace *as, IOSpace *io, IRQLine *pirq);

/*
 * The PIRQ (0 = PIRQA) that INTx pin (1 = INTA) of a device in slot
 * reaches, by the usual PC rotation (the one QEMU's pc board, SeaBIOS and
 * their ACPI _PRT use): slot 1 INTA is PIRQA, slot 2 INTA is PIRQB, ...
 */
int pci_swizzle_pirq(int slot, int pin);

/* The device at devfn, or NULL. */
PCIDevice *pci_bus_find(PCIBus *bus, int devfn);

/*
 * Puts d on bus at devfn with the standard header: IDs, class (base,
 * sub, programming interface as 0xBBSSPP), the writable command, status
 * error and interrupt line bits. False with *err if devfn is out of
 * range or taken.
 */
bool pci_device_init(PCIDevice *d, PCIBus *bus, int devfn, const char *name,
                     uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code, const PCIDeviceOps *ops,
                     char **err);

/*
 * BAR n decodes size bytes (a power of two; at least 16 for memory, 4 for
 * I/O) of the kind given by type (PCI_BASE_ADDRESS_SPACE_IO, or 0 or
 * PCI_BASE_ADDRESS_MEM_TYPE_64, with or without _MEM_PREFETCH); accesses
 * go to ops at the offset within it. A 64-bit BAR takes n and n + 1.
 */
void pci_register_bar(PCIDevice *d, int n, uint8_t type, uint64_t size,
                      const MemOps *ops, void *opaque);

/* Sets the Interrupt Pin register (1 = INTA ... 4 = INTD; 0 = none). */
void pci_set_interrupt_pin(PCIDevice *d, int pin);
/* The device drives its INTx pin (level-triggered, active = 1). */
void pci_set_irq(PCIDevice *d, int level);

/*
 * DMA by device d into or out of guest-physical memory: only while the
 * guest has set Bus Master Enable in the command register (false, and
 * nothing moved, otherwise). Also false if a byte was unassigned (reads
 * of those give all ones, writes to them are dropped), as a master abort.
 */
bool pci_dma_read(PCIDevice *d, uint64_t addr, void *buf, uint64_t len);
bool pci_dma_write(PCIDevice *d, uint64_t addr, const void *buf,
                   uint64_t len);

/* Config space as the guest sees it (size 1, 2 or 4, within 256 bytes). */
uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned size);
void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t value,
                      unsigned size);

/*
 * Configuration mechanism #1 (spec 3.2.2.3.2): the data port access at
 * byte offset port_offset (0-3) of 0xCFC with CONFIG_ADDRESS conf_addr.
 * Without the enable bit, on another bus, or at a devfn with no device,
 * reads are all ones and writes are dropped.
 */
uint32_t pci_conf1_read(PCIBus *bus, uint32_t conf_addr, unsigned port_offset,
                        unsigned size);
void pci_conf1_write(PCIBus *bus, uint32_t conf_addr, unsigned port_offset,
                     uint32_t value, unsigned size);

#endif
