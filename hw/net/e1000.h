/*
 * Intel 82540EM Gigabit Ethernet controller (e1000), as QEMU's "e1000":
 * PCI 8086:100E, subsystem 8086:001E. BAR0 the 128 KiB of registers,
 * BAR1 64 ports of indirect access (IOADDR/IODATA), INTA.
 *
 * -device e1000[,netdev=ID][,mac=52:54:00:12:34:56][,id=NAME]
 */
#ifndef HW_NET_E1000_H
#define HW_NET_E1000_H

#include "hw/pci/pci.h"

#define E1000_VENDOR_ID     0x8086
#define E1000_DEVICE_ID     0x100E
#define E1000_SUBSYS_ID     0x001E
#define E1000_MMIO_SIZE     0x20000
#define E1000_IO_SIZE       0x40

/* Properties: netdev= (an existing -netdev id), mac=, id= (ignored). */
bool e1000_check_props(const char *props, char **err);
PCIDevice *e1000_create(PCIBus *bus, int devfn, const char *props,
                        char **err);

#endif
