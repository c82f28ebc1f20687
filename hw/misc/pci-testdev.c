/*
 * pci-testdev (see pci-testdev.h): exists only so that the PCI core's
 * BAR handling and INTx routing can be tested through the qtest protocol.
 * Every BAR shows the same registers; which BAR an access came
 * through is readable, so a test can tell the mappings apart.
 */
#include <string.h>

#include <glib.h>

#include "hw/misc/pci-testdev.h"
#include "softmmu/log.h"

#define PCI_TESTDEV_NR_BARS 3       /* BAR0, BAR1, BAR2 (64-bit) */

typedef struct PCITestdevState PCITestdevState;

typedef struct PCITestdevBar {
    PCITestdevState *s;
    int index;
} PCITestdevBar;

struct PCITestdevState {
    PCIDevice pci;          /* first: the core hands back a PCIDevice * */
    PCITestdevBar bars[PCI_TESTDEV_NR_BARS];
    uint32_t scratch;
    uint32_t intx;
    uint32_t dma_addr;
    bool dma_ok;
};

#define PCI_TESTDEV_DMA_TO_MEMORY   1
#define PCI_TESTDEV_DMA_FROM_MEMORY 2

static uint32_t testdev_reg(PCITestdevBar *b, uint64_t reg)
{
    PCITestdevState *s = b->s;

    switch (reg) {
    case PCI_TESTDEV_MAGIC:
        return PCI_TESTDEV_MAGIC_VALUE;
    case PCI_TESTDEV_SCRATCH:
        return s->scratch;
    case PCI_TESTDEV_INTX:
        return s->intx;
    case PCI_TESTDEV_BAR_INDEX:
        return b->index;
    case PCI_TESTDEV_DMA_ADDR:
        return s->dma_addr;
    case PCI_TESTDEV_DMA_CMD:
        return s->dma_ok;
    default:
        return 0;
    }
}

/* The scratch register to or from guest memory, little-endian. */
static void testdev_dma(PCITestdevState *s, uint32_t cmd)
{
    uint8_t buf[4];

    if (cmd == PCI_TESTDEV_DMA_TO_MEMORY) {
        for (int i = 0; i < 4; i++) {
            buf[i] = s->scratch >> (8 * i);
        }
        s->dma_ok = pci_dma_write(&s->pci, s->dma_addr, buf, 4);
    } else if (cmd == PCI_TESTDEV_DMA_FROM_MEMORY) {
        s->dma_ok = pci_dma_read(&s->pci, s->dma_addr, buf, 4);
        if (s->dma_ok) {
            s->scratch = buf[0] | buf[1] << 8 | buf[2] << 16 |
                         (uint32_t)buf[3] << 24;
        }
    }
}

/* Accesses of 1-4 bytes within a register (the dispatcher splits the
 * rest): the bytes of the register they cover. */
static uint64_t testdev_read(void *opaque, uint64_t offset, unsigned size)
{
    uint32_t v = testdev_reg(opaque, offset & ~3ull);

    return v >> ((offset & 3) * 8);
}

static void testdev_write(void *opaque, uint64_t offset, uint64_t value,
                          unsigned size)
{
    PCITestdevBar *b = opaque;
    PCITestdevState *s = b->s;
    unsigned shift = (offset & 3) * 8;
    uint32_t mask = (size >= 4 ? UINT32_MAX : (1u << (size * 8)) - 1)
                    << shift;
    uint32_t v = (uint32_t)(value << shift) & mask;

    switch (offset & ~3ull) {
    case PCI_TESTDEV_SCRATCH:
        s->scratch = (s->scratch & ~mask) | v;
        break;
    case PCI_TESTDEV_INTX:
        s->intx = (s->intx & ~mask) | v;
        s->intx &= 1;
        pci_set_irq(&s->pci, s->intx);
        break;
    case PCI_TESTDEV_DMA_ADDR:
        s->dma_addr = (s->dma_addr & ~mask) | v;
        break;
    case PCI_TESTDEV_DMA_CMD:
        testdev_dma(s, v);
        break;
    case PCI_TESTDEV_STATUS_SET:
        pci_set_word(s->pci.config + PCI_STATUS,
                     pci_get_word(s->pci.config + PCI_STATUS) |
                     (v & PCI_STATUS_W1C));
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "pci-testdev: write to read-only "
                        "offset 0x%x\n", (unsigned)offset);
        break;
    }
}

static void testdev_reset(PCIDevice *d)
{
    PCITestdevState *s = (PCITestdevState *)d;

    s->scratch = 0;
    s->intx = 0;
    s->dma_addr = 0;
    s->dma_ok = false;
}

static const PCIDeviceOps testdev_pci_ops = {
    .reset = testdev_reset,
};

static const MemOps testdev_ops = {
    .read = testdev_read, .write = testdev_write,
    .min_size = 1, .max_size = 4,
};

bool pci_testdev_check_props(const char *props, char **err)
{
    if (props && *props) {
        *err = g_strdup_printf("pci-testdev has no property '%.*s'",
                               (int)strcspn(props, "=,"), props);
        return false;
    }
    return true;
}

PCIDevice *pci_testdev_create(PCIBus *bus, int devfn, const char *props,
                              char **err)
{
    PCITestdevState *s;

    if (!pci_testdev_check_props(props, err)) {
        return NULL;
    }
    s = g_new0(PCITestdevState, 1);
    if (!pci_device_init(&s->pci, bus, devfn, "pci-testdev",
                         PCI_TESTDEV_VENDOR_ID, PCI_TESTDEV_DEVICE_ID, 0,
                         0xff0000, &testdev_pci_ops, err)) {
        g_free(s);
        return NULL;
    }
    for (int i = 0; i < PCI_TESTDEV_NR_BARS; i++) {
        s->bars[i] = (PCITestdevBar) { .s = s, .index = i };
    }
    pci_register_bar(&s->pci, 0, 0, PCI_TESTDEV_BAR0_SIZE, &testdev_ops,
                     &s->bars[0]);
    pci_register_bar(&s->pci, 1, PCI_BASE_ADDRESS_SPACE_IO,
                     PCI_TESTDEV_BAR1_SIZE, &testdev_ops, &s->bars[1]);
    pci_register_bar(&s->pci, 2, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, PCI_TESTDEV_BAR2_SIZE,
                     &testdev_ops, &s->bars[2]);
    pci_set_interrupt_pin(&s->pci, PCI_INTX_PIN_A);
    return &s->pci;
}
