/*
 * Intel 82441FX PCI and Memory Controller (the i440FX host bridge), PCI
 * 00:00.0, and PCI configuration mechanism #1 at ports 0xCF8 (address)
 * and 0xCFC-0xCFF (data).
 */
#ifndef HW_PCI_HOST_I440FX_H
#define HW_PCI_HOST_I440FX_H

#include "hw/pci/pci.h"
#include "softmmu/memory.h"

#define I440FX_DEVFN        PCI_DEVFN(0, 0)
#define I440FX_DEVICE_ID    0x1237
#define I440FX_REVISION     0x02

#define I440FX_CONF_ADDR_PORT 0xcf8
#define I440FX_CONF_DATA_PORT 0xcfc

/* Config registers (82441FX datasheet, 3.2) */
#define I440FX_PAM0         0x59    /* PAM0-PAM6: 0x59-0x5f */
#define I440FX_PAM_COUNT    7
#define I440FX_SMRAM        0x72

typedef struct I440FXState I440FXState;

/*
 * Puts the bridge on bus and maps the configuration ports. The chip
 * claims only dword accesses at 0xCF8; byte and word accesses to
 * 0xCF8-0xCFB go on to the ISA side, which the board gives as other_ops
 * (the PIIX3's reset control register at 0xCF9), called with the offset
 * from 0xCF8.
 */
I440FXState *i440fx_create(PCIBus *bus, IOSpace *io, const MemOps *other_ops,
                           void *other_opaque);

PCIDevice *i440fx_pci(I440FXState *s);

#endif
