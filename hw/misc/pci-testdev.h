/*
 * pci-testdev: a PCI device that exists for tests (-device pci-testdev),
 * to check BAR sizing and mapping and INTx routing over qtest. Not a
 * model of any hardware; no guest driver knows it.
 */
#ifndef HW_MISC_PCI_TESTDEV_H
#define HW_MISC_PCI_TESTDEV_H

#include "hw/pci/pci.h"

#define PCI_TESTDEV_VENDOR_ID   0x1234
#define PCI_TESTDEV_DEVICE_ID   0x7e57

/*
 * BAR0: 32-bit memory, 4 KiB. BAR1: I/O, 64 ports. BAR2 (+BAR3): 64-bit
 * prefetchable memory, 1 MiB. Each shows the same registers:
 */
#define PCI_TESTDEV_BAR0_SIZE   0x1000
#define PCI_TESTDEV_BAR1_SIZE   0x40
#define PCI_TESTDEV_BAR2_SIZE   0x100000
#define PCI_TESTDEV_MAGIC       0x00    /* read-only: PCI_TESTDEV_MAGIC_VALUE */
#define PCI_TESTDEV_SCRATCH     0x04    /* read/write, 32 bits */
#define PCI_TESTDEV_INTX        0x08    /* bit 0: the level of INTx */
#define PCI_TESTDEV_BAR_INDEX   0x0c    /* read-only: which BAR this is */
#define PCI_TESTDEV_STATUS_SET  0x10    /* write: set these PCI status error
                                           bits (as a bus error would) */
#define PCI_TESTDEV_DMA_ADDR    0x14    /* guest-physical address, 32 bits */
#define PCI_TESTDEV_DMA_CMD     0x18    /* write 1: DMA SCRATCH to DMA_ADDR;
                                           2: DMA from DMA_ADDR to SCRATCH;
                                           reads 1 if the last one worked */
#define PCI_TESTDEV_MAGIC_VALUE 0x54534554  /* "TEST" */

/* It has no properties: props must be NULL or "". */
bool pci_testdev_check_props(const char *props, char **err);
/* NULL with *err on failure (bad props, devfn taken). */
PCIDevice *pci_testdev_create(PCIBus *bus, int devfn, const char *props,
                              char **err);

#endif
