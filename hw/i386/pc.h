/* The pc machine: RAM, devices, wiring, and how the guest is loaded. */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/acpi/piix4_pm.h"
#include "hw/input/i8042.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/irq.h"
#include "hw/isa/piix3.h"
#include "hw/pci-host/i440fx.h"
#include "hw/pci/pci.h"
#include "hw/timer/i8254.h"
#include "hw/timer/mc146818.h"
#include "softmmu/memory.h"
#include "target-x86/cpu.h"

/*
 * Interrupt lines by GSI (global system interrupt, the IOAPIC's pin
 * numbering). GSI n < 16 is ISA IRQ n and reaches both the 8259 (input n)
 * and the IOAPIC (pin n, but IRQ 0 goes to pin 2: the MADT's interrupt
 * source override, as on QEMU's pc); GSIs 16-23 reach the IOAPIC only
 * (PCI interrupts in APIC mode).
 */
#define PC_NR_GSI IOAPIC_NR_PINS

/* RAM above this moves to 4 GiB; the PCI hole is from here to the IOAPIC */
#define PC_PCI_HOLE      0xE0000000ull
/* PIRQA-D also reach IOAPIC inputs 16-19 (as on QEMU's pc). */
#define PC_PIRQ_GSI_BASE 16

typedef struct PCDebugExit {
    uint32_t iobase, iosize;
} PCDebugExit;

/* A PCI device from -device: the model, where (PCI_DEVFN, or -1 for
 * the first free slot), and its other properties ("k=v,..." or NULL),
 * which the model's create function checks. */
typedef struct PCPCIDeviceOpt {
    const char *model;
    int devfn;
    const char *props;
} PCPCIDeviceOpt;

/* The PCI device models -device can add to the pc board. */
typedef struct PCPCIModel {
    const char *name;
    const char *help;
    /* Whether props ("k=v,...", or NULL) are right for create; false with
     * *err (one line) if not. Called before any device exists. */
    bool (*check_props)(const char *props, char **err);
    PCIDevice *(*create)(PCIBus *bus, int devfn, const char *props,
                         char **err);
} PCPCIModel;

#define PC_MAX_PCI_DEVICES 16

/* What the command line asked for. */
typedef struct PCConfig {
    uint64_t ram_size;
    const char *kernel, *initrd, *append;
    const char *serial[4];      /* chardev specs for COM1..COM4, NULL = none */
    int nr_serial;
    PCDebugExit debugexit[4];
    int nr_debugexit;
    PCPCIDeviceOpt pci_devices[PC_MAX_PCI_DEVICES];
    int nr_pci_devices;
    bool no_reboot;
    /* -machine kernel-unpack=off: the bzImage decompresses itself */
    bool kernel_no_unpack;
    RTCBase rtc_base;           /* -rtc base= (UTC by default) */
    /* accel=qtest: no guest is loaded and the CPU never runs */
    bool qtest;
} PCConfig;

typedef struct PCMachine {
    PCConfig cfg;
    AddressSpace as;
    IOSpace io;
    uint8_t *ram;
    CPUX86State *cpu;
    PICState *pic;
    PITState *pit;
    RTCState *rtc;
    APICState *apic;
    IOAPICState *ioapic;
    IRQLine gsi[PC_NR_GSI]; /* what devices raise: see PC_NR_GSI */
    IRQLine pic_intr;       /* the master 8259's INT: LINT0 and IOAPIC pin 0 */
    IRQLine cpu_irq[2];     /* the CPU's INTR and NMI, driven by the APIC */
    uint8_t port61;         /* system control port B, writable bits */
    PCIBus *pci;
    I440FXState *i440fx;
    PIIX3State *piix3;
    PIIX4PMState *pm;
    I8042State *i8042;
    IRQLine pirq[PCI_NUM_PIRQS];    /* PCI bus PIRQA-D outputs */
    IRQLine piix3_irq[PIC_NR_IRQS]; /* PIRQs as routed to ISA IRQs */
    IRQLine sci;                    /* the ACPI SCI */
    uint8_t isa_level_src[PIC_NR_IRQS]; /* shared level sources asserting */
    /* -kernel as read at creation, loaded again at each reset */
    uint8_t *kernel_image;
    size_t kernel_size;
    bool kernel_is_multiboot;
} PCMachine;

/* The PCI model named name, or NULL; and the whole list, for -device help. */
const PCPCIModel *pc_pci_model_find(const char *name);
const PCPCIModel *pc_pci_models(size_t *count);

/* Builds the machine and loads the guest (none with cfg->qtest); NULL
 * with *err (one line) on failure (bad image, too little RAM, ...). */
PCMachine *pc_create(const PCConfig *cfg, char **err);

/*
 * A machine reset, under the global lock, from the thread that runs the
 * CPU (outside cpu_exec): every device's reset handler, the CPU's power-up
 * state, the board's firmware settings, then the guest loaded again as
 * pc_create did (not with cfg->qtest). RAM keeps what the loaders do not
 * overwrite. False with *err (one line) when the guest cannot be loaded.
 */
bool pc_reset(PCMachine *pc, char **err);

#endif
