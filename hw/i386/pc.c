/*
 * The pc machine: RAM and the legacy holes, the ISA devices, the CPU, and
 * the guest kernel. All wiring is here; devices know nothing of each other.
 *
 * Physical memory (as QEMU's pc for RAM up to 3.5 GiB):
 *   [0, 640K)               RAM
 *   [640K, 768K)            unassigned (VGA window, later)
 *   [768K, 1M)              ROM, zero-filled (option ROMs and BIOS, later)
 *   [1M, min(RAM, 3.5G))    RAM
 *   [3.5G, 4G)              PCI hole: BARs the guest places there, the
 *                           IOAPIC at 0xFEC00000, the local APIC at
 *                           0xFEE00000
 *   [4G, 4G + RAM - 3.5G)   the rest of RAM, if any
 * RAM is one anonymous mapping, so guest-physical RAM is contiguous in host
 * memory apart from the hole; the bytes behind [640K, 1M) are unused.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "hw/char/serial.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/linuxboot.h"
#include "hw/i386/multiboot.h"
#include "hw/i386/pc.h"
#include "hw/loader.h"
#include "hw/misc/debugexit.h"
#include "hw/misc/pci-testdev.h"
#include "hw/net/e1000.h"
#include "softmmu/chardev.h"
#include "softmmu/clock.h"
#include "softmmu/qtest.h"
#include "softmmu/reset.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"

#define PC_LOW_RAM_END   0xA0000ull     /* 640 KiB */
#define PC_BIOS_AREA     0xC0000ull
#define PC_HIGH_RAM      0x100000ull    /* 1 MiB */
#define PC_4G            0x100000000ull
#define PC_RAM_MIN       (2ull << 20)


#define PC_PIT_IOBASE    0x40
#define PC_PIT_IRQ       0
#define PC_PORT61        0x61
#define PC_PORT80        0x80
/* Port 0x61 (PIIX "NMI Status and Control", the AT's port B) */
#define PORT61_TIM2_GATE   0x01
#define PORT61_SPKR_DATA   0x02
#define PORT61_RW_MASK     0x0f
#define PORT61_REFRESH     0x10
#define PORT61_TIM2_OUT    0x20
/* The refresh request bit toggles every 15.085 us (PIIX datasheet). */
#define PORT61_REFRESH_NS  15085

/* Level-triggered sources that may share an ISA IRQ; each ISA IRQ line
 * is the OR of those asserting it (bits of isa_level_src). */
enum {
    PC_LEVEL_SRC_PIIX3 = 1 << 0,    /* PCI INTx routed by PIRQRC */
    PC_LEVEL_SRC_SCI = 1 << 1,      /* the ACPI SCI */
};

/* The PCI devices -device can add: one line each. */
static const PCPCIModel pc_pci_model_table[] = {
    { "pci-testdev", "a device for tests: memory and I/O BARs, INTx, DMA",
      pci_testdev_check_props, pci_testdev_create },
    { "e1000", "netdev=ID,mac=MAC: Intel 82540EM Gigabit Ethernet",
      e1000_check_props, e1000_create },
};

/* The board's own PCI functions (their names as the devices give them). */
static const struct {
    int devfn;
    const char *name;
} pc_pci_board_functions[] = {
    { I440FX_DEVFN, "i440fx" },
    { PIIX3_DEVFN, "piix3" },
    { PIIX4_PM_DEVFN, "piix4-pm" },
};

/*
 * The ports the board's own ISA-side devices decode (serial ports apart):
 * -device isa-debug-exit is checked against them before any device
 * exists, and pc_devices_init asserts that they are what got mapped.
 */
static const struct {
    uint32_t base, size;
} pc_fixed_ports[] = {
    { 0x20, 2 }, { 0xa0, 2 }, { 0x4d0, 2 },     /* i8259 pair, ELCR */
    { PC_PIT_IOBASE, 4 },
    { PC_PORT61, 1 },
    { RTC_IOBASE, 2 },
    { I8042_DATA_PORT, 1 }, { I8042_CMD_PORT, 1 },
    { PIIX3_PORT92, 1 },
    { I440FX_CONF_ADDR_PORT, 8 },               /* with 0xCF9 */
    { ACPI_PM_BASE, PIIX4_PM_IO_SIZE },         /* as the board programs it */
};

/* The ISA serial ports, in -serial order (COM1..COM4). */
static const struct {
    uint32_t iobase;
    int irq;
} pc_serial_ports[] = {
    { 0x3F8, 4 },
    { 0x2F8, 3 },
    { 0x3E8, 4 },
    { 0x2E8, 3 },
};

static bool pc_memory_init(PCMachine *pc, char **err)
{
    uint64_t ram_size = pc->cfg.ram_size;

    if (ram_size < PC_RAM_MIN) {
        loader_set_err(err, "-m: at least 2 MiB of RAM is needed");
        return false;
    }
    /* NORESERVE: a 4 GiB guest that touches 100 MiB costs 100 MiB. */
    void *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        loader_set_err(err, "could not allocate %" PRIu64 " MiB of guest RAM: %s",
                ram_size >> 20, g_strerror(errno));
        return false;
    }
    pc->ram = ram;

    uint64_t below_hole = MIN(ram_size, PC_PCI_HOLE);
    mem_map_ram(&pc->as, "pc.ram.low", 0, PC_LOW_RAM_END, pc->ram);
    /* Reads of the BIOS area see zeros, not all-ones, until firmware is
     * loaded there; guest writes to it are dropped. */
    mem_map_rom(&pc->as, "pc.bios", PC_BIOS_AREA, PC_HIGH_RAM - PC_BIOS_AREA,
                g_malloc0(PC_HIGH_RAM - PC_BIOS_AREA));
    mem_map_ram(&pc->as, "pc.ram", PC_HIGH_RAM, below_hole - PC_HIGH_RAM,
                pc->ram + PC_HIGH_RAM);
    if (ram_size > PC_PCI_HOLE) {
        mem_map_ram(&pc->as, "pc.ram.above-4g", PC_4G,
                    ram_size - PC_PCI_HOLE, pc->ram + PC_PCI_HOLE);
    }
    return true;
}

/*
 * "-serial none" (or no spec) means no UART at that address, as in QEMU,
 * where a port without a backend is not created; "null" is a UART whose
 * output goes nowhere.
 */
static bool pc_serial_present(const char *spec)
{
    return spec && strcmp(spec, "none") != 0;
}

/*
 * Interrupt wiring (MP spec 1.4 "virtual wire" PC):
 *   device -> pc->gsi[n] -> 8259 input n (n < 16) and IOAPIC pin n
 *             (ISA IRQ 0 -> pin 2, the MADT's interrupt source override)
 *   8259 INT -> LAPIC LINT0 (ExtINT after reset) and IOAPIC pin 0 (ExtINT,
 *             for virtual wire through the IOAPIC)
 *   IOAPIC messages -> LAPIC; LAPIC EOI of a level vector -> IOAPIC
 *   LAPIC -> the CPU's INTR and NMI; the CPU acknowledges through the
 *             LAPIC, which hands ExtINT acknowledges on to the 8259.
 */
static void pc_gsi_set(void *opaque, int n, int level)
{
    PCMachine *pc = opaque;

    if (n < PIC_NR_IRQS) {
        irq_set(pic_irq_line(pc->pic, n), level);
    }
    irq_set(ioapic_irq_line(pc->ioapic, n == 0 ? 2 : n), level);
}

static void pc_pic_intr(void *opaque, int n, int level)
{
    PCMachine *pc = opaque;

    irq_set(apic_lint_line(pc->apic, 0), level);
    irq_set(ioapic_irq_line(pc->ioapic, 0), level);
}

static void pc_cpu_intr(void *opaque, int n, int level)
{
    PCMachine *pc = opaque;

    if (!pc->cpu) {
        return;
    }
    if (level) {
        cpu_interrupt(pc->cpu, CPU_INTERRUPT_HARD);
    } else {
        cpu_reset_interrupt(pc->cpu, CPU_INTERRUPT_HARD);
    }
}

/* NMI is an edge: the APIC pulses the line. */
static void pc_cpu_nmi(void *opaque, int n, int level)
{
    PCMachine *pc = opaque;

    if (pc->cpu && level) {
        cpu_interrupt(pc->cpu, CPU_INTERRUPT_NMI);
    }
}

static bool pc_ioapic_deliver(void *opaque, const APICMessage *msg)
{
    PCMachine *pc = opaque;

    return apic_deliver(pc->apic, msg);
}

static void pc_apic_eoi(void *opaque, int vector)
{
    PCMachine *pc = opaque;

    ioapic_eoi(pc->ioapic, vector);
}

static int pc_get_interrupt_vector(void *opaque)
{
    PCMachine *pc = opaque;
    int vec = apic_get_interrupt(pc->apic);

    return vec == APIC_EXTINT ? pic_get_interrupt(pc->pic) : vec;
}

static const X86APICOps pc_apic_ops = {
    .msr_read = apic_msr_read,
    .msr_write = apic_msr_write,
    .get_cr8 = apic_get_cr8,
    .set_cr8 = apic_set_cr8,
};

/*
 * Port 0x61: bit 0 gates PIT counter 2, bit 1 enables the speaker (not
 * modelled: there is no audio), bits 2-3 are stored; bit 4 reads the
 * refresh toggle and bit 5 counter 2's OUT.
 */
static uint64_t pc_port61_read(void *opaque, uint64_t offset, unsigned size)
{
    PCMachine *pc = opaque;
    uint8_t v = pc->port61 & PORT61_RW_MASK;

    if ((clock_get_ns() / PORT61_REFRESH_NS) & 1) {
        v |= PORT61_REFRESH;
    }
    if (pit_get_out(pc->pit, 2)) {
        v |= PORT61_TIM2_OUT;
    }
    return v;
}

static void pc_port61_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    PCMachine *pc = opaque;

    pc->port61 = value & PORT61_RW_MASK;
    pit_set_gate(pc->pit, 2, value & PORT61_TIM2_GATE);
}

/* Reset: speaker off and counter 2's gate low (PIIX NMISC defaults). */
static void pc_port61_reset(void *opaque)
{
    PCMachine *pc = opaque;

    pc->port61 = 0;
    pit_set_gate(pc->pit, 2, false);
}

static const MemOps pc_port61_ops = {
    .read = pc_port61_read, .write = pc_port61_write,
    .min_size = 1, .max_size = 1,
};

/* Port 0x80, the POST-code port: Linux writes it for I/O delays. On a PC
 * nothing answers reads (all ones); writes are taken and dropped. */
static uint64_t pc_port80_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0xff;
}

static void pc_port80_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
}

static const MemOps pc_port80_ops = {
    .read = pc_port80_read, .write = pc_port80_write,
    .min_size = 1, .max_size = 1,
};

const PCPCIModel *pc_pci_model_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(pc_pci_model_table); i++) {
        if (strcmp(pc_pci_model_table[i].name, name) == 0) {
            return &pc_pci_model_table[i];
        }
    }
    return NULL;
}

const PCPCIModel *pc_pci_models(size_t *count)
{
    *count = G_N_ELEMENTS(pc_pci_model_table);
    return pc_pci_model_table;
}

static void pc_shared_irq_set(PCMachine *pc, int src, int irq, int level)
{
    if (level) {
        pc->isa_level_src[irq] |= src;
    } else {
        pc->isa_level_src[irq] &= ~src;
    }
    irq_set(&pc->gsi[irq], pc->isa_level_src[irq] != 0);
}

static void pc_piix3_irq(void *opaque, int irq, int level)
{
    pc_shared_irq_set(opaque, PC_LEVEL_SRC_PIIX3, irq, level);
}

static void pc_sci(void *opaque, int irq, int level)
{
    pc_shared_irq_set(opaque, PC_LEVEL_SRC_SCI, irq, level);
}

/* A PCI bus PIRQ: to the PIIX3's router and to its own GSI. */
static void pc_pirq(void *opaque, int n, int level)
{
    PCMachine *pc = opaque;

    irq_set(piix3_pirq_in(pc->piix3, n), level);
    /* PCI INTx# is active low, and so is the IOAPIC input the DSDT's _PRT
     * names for it: a _PRT entry with a GSI and no link device is level,
     * active low (ACPI 6.2.13), and Linux programs the pin so. The line
     * stays high while no device asserts it. */
    irq_set(&pc->gsi[PC_PIRQ_GSI_BASE + n], !level);
}

/*
 * What a BIOS would have done before Linux starts (bt86 boots it with
 * none): the PM I/O block at ACPI_PM_BASE, decoded, in ACPI mode, with
 * the SCI's IRQ level-triggered in the ELCR. The PIRQ routes are left
 * disabled, as at reset: the OS routes them (ACPI _SRS of the LNKx
 * devices, or its PIRQ router).
 */
static void pc_firmware_init(PCMachine *pc)
{
    PCIDevice *pm = piix4_pm_pci(pc->pm);
    uint32_t elcr = 0x4d0 + ACPI_SCI_IRQ / 8;

    pci_config_write(pm, PIIX4_PM_PMBA, ACPI_PM_BASE | 1, 4);
    pci_config_write(pm, PIIX4_PM_PMREGMISC, 1, 1);
    io_write(&pc->io, ACPI_PM1_CNT_BLK, ACPI_PM1_CNT_SCI_EN, 2);
    io_write(&pc->io, elcr, io_read(&pc->io, elcr, 1) |
             1u << (ACPI_SCI_IRQ % 8), 1);
}

/* The chipset's PCI functions and the board's legacy devices on it. */
static void pc_pci_init(PCMachine *pc)
{
    for (int n = 0; n < PCI_NUM_PIRQS; n++) {
        irq_init(&pc->pirq[n], pc_pirq, pc, n);
    }
    for (int i = 0; i < PIC_NR_IRQS; i++) {
        irq_init(&pc->piix3_irq[i], pc_piix3_irq, pc, i);
    }
    irq_init(&pc->sci, pc_sci, pc, ACPI_SCI_IRQ);

    for (int n = 0; n < PCI_NUM_PIRQS; n++) {
        irq_set(&pc->gsi[PC_PIRQ_GSI_BASE + n], 1);     /* idle: high */
    }
    pc->pci = pci_bus_create(&pc->as, &pc->io, pc->pirq);
    pc->piix3 = piix3_create(pc->pci, &pc->io, pc->piix3_irq);
    pc->i440fx = i440fx_create(pc->pci, &pc->io, &piix3_rcr_ops, pc->piix3);
    pc->pm = piix4_pm_create(pc->pci, &pc->io, &pc->sci);
    pc->i8042 = i8042_create(&pc->io, &pc->gsi[I8042_KBD_IRQ],
                             &pc->gsi[I8042_AUX_IRQ]);
    pc_firmware_init(pc);
}

/*
 * Where each -device PCI device goes (the first free slot when no addr=
 * was given), and whether its properties are right: all checked before
 * any device exists, since devices cannot be taken back.
 */
static bool pc_pci_devices_plan(const PCConfig *cfg, int *devfns, char **err)
{
    const char *owner[PCI_DEVFN_MAX] = { NULL };

    for (size_t i = 0; i < G_N_ELEMENTS(pc_pci_board_functions); i++) {
        owner[pc_pci_board_functions[i].devfn] =
            pc_pci_board_functions[i].name;
    }
    for (int i = 0; i < cfg->nr_pci_devices; i++) {
        const PCPCIDeviceOpt *o = &cfg->pci_devices[i];
        const PCPCIModel *model = pc_pci_model_find(o->model);
        int devfn = o->devfn;
        char *dev_err = NULL;

        if (!model) {
            loader_set_err(err, "-device: device '%s' is not supported", o->model);
            return false;
        }
        if (!model->check_props(o->props, &dev_err)) {
            loader_set_err(err, "-device %s", dev_err);
            g_free(dev_err);
            return false;
        }
        for (int slot = 0; devfn < 0 && slot < PCI_SLOT_MAX; slot++) {
            bool used = false;
            for (int fn = 0; fn < PCI_FUNC_MAX; fn++) {
                used |= owner[PCI_DEVFN(slot, fn)] != NULL;
            }
            devfn = used ? -1 : PCI_DEVFN(slot, 0);
        }
        if (devfn < 0) {
            loader_set_err(err, "-device %s: no free PCI slot", o->model);
            return false;
        }
        if (owner[devfn]) {
            loader_set_err(err, "-device %s: PCI address %02x.%x is taken by %s",
                    o->model, PCI_SLOT(devfn), PCI_FUNC(devfn),
                    owner[devfn]);
            return false;
        }
        owner[devfn] = o->model;
        devfns[i] = devfn;
    }
    return true;
}

/* -device's PCI devices, in command-line order, after the board's own;
 * pc_pci_devices_plan has checked them. */
static void pc_pci_devices_init(PCMachine *pc, const int *devfns)
{
    const PCConfig *cfg = &pc->cfg;

    for (int i = 0; i < cfg->nr_pci_devices; i++) {
        const PCPCIDeviceOpt *o = &cfg->pci_devices[i];
        char *dev_err = NULL;

        if (!pc_pci_model_find(o->model)->create(pc->pci, devfns[i],
                                                 o->props, &dev_err)) {
            g_error("-device %s", dev_err);     /* the plan was wrong */
        }
    }
}

static bool pc_ranges_overlap(uint64_t b1, uint64_t s1, uint64_t b2,
                              uint64_t s2)
{
    return b1 < b2 + s2 && b2 < b1 + s1;
}

/* isa-debug-exit ports must not overlap the board's or each other. */
static bool pc_debugexit_check(const PCConfig *cfg, char **err)
{
    for (int i = 0; i < cfg->nr_debugexit; i++) {
        const PCDebugExit *d = &cfg->debugexit[i];
        bool clash = false;

        for (size_t k = 0; k < G_N_ELEMENTS(pc_fixed_ports); k++) {
            clash |= pc_ranges_overlap(d->iobase, d->iosize,
                                       pc_fixed_ports[k].base,
                                       pc_fixed_ports[k].size);
        }
        for (int k = 0; k < cfg->nr_serial; k++) {
            clash |= pc_serial_present(cfg->serial[k]) &&
                     pc_ranges_overlap(d->iobase, d->iosize,
                                       pc_serial_ports[k].iobase, 8);
        }
        for (int k = 0; k < i; k++) {
            clash |= pc_ranges_overlap(d->iobase, d->iosize,
                                       cfg->debugexit[k].iobase,
                                       cfg->debugexit[k].iosize);
        }
        if (clash) {
            loader_set_err(err, "-device isa-debug-exit: ports 0x%" PRIx32 "+0x%"
                    PRIx32 " overlap another device", d->iobase, d->iosize);
            return false;
        }
    }
    return true;
}

static bool pc_devices_init(PCMachine *pc, char **err)
{
    const PCConfig *cfg = &pc->cfg;
    Chardev *chr[G_N_ELEMENTS(pc_serial_ports)] = { NULL };
    int devfns[PC_MAX_PCI_DEVICES];

    if (cfg->nr_serial > (int)G_N_ELEMENTS(pc_serial_ports)) {
        loader_set_err(err, "-serial: at most %zu serial ports are supported",
                G_N_ELEMENTS(pc_serial_ports));
        return false;
    }
    if (cfg->nr_debugexit > (int)G_N_ELEMENTS(cfg->debugexit)) {
        loader_set_err(err, "-device: at most %zu isa-debug-exit devices are "
                "supported", G_N_ELEMENTS(cfg->debugexit));
        return false;
    }
    if (!pc_pci_devices_plan(cfg, devfns, err) ||
        !pc_debugexit_check(cfg, err)) {
        return false;
    }
    /* Backends first: they can fail, and devices cannot be taken back. */
    for (int i = 0; i < cfg->nr_serial; i++) {
        char *chr_err = NULL;

        if (!pc_serial_present(cfg->serial[i])) {
            continue;
        }
        chr[i] = chardev_new(cfg->serial[i], &chr_err);
        if (!chr[i] && chr_err) {
            loader_set_err(err, "-serial: %s", chr_err);
            g_free(chr_err);
            return false;
        }
    }
    irq_init(&pc->cpu_irq[0], pc_cpu_intr, pc, 0);
    irq_init(&pc->cpu_irq[1], pc_cpu_nmi, pc, 1);
    pc->apic = apic_create(&pc->as, &pc->cpu_irq[0], &pc->cpu_irq[1],
                           pc_apic_eoi, pc);
    pc->ioapic = ioapic_create(&pc->as, IOAPIC_DEFAULT_BASE,
                               pc_ioapic_deliver, pc);
    irq_init(&pc->pic_intr, pc_pic_intr, pc, 0);
    pc->pic = pic_create(&pc->io, &pc->pic_intr);
    for (int i = 0; i < PC_NR_GSI; i++) {
        irq_init(&pc->gsi[i], pc_gsi_set, pc, i);
    }
    qtest_register_irqs("i8259", pic_irq_lines(pc->pic), PIC_NR_IRQS,
                        &pc->pic_intr, 1);
    qtest_register_irqs("ioapic", ioapic_irq_lines(pc->ioapic),
                        IOAPIC_NR_PINS, NULL, 0);
    /* inputs LINT0, LINT1; outputs the CPU's INTR and NMI */
    qtest_register_irqs("apic", apic_lint_lines(pc->apic), 2, pc->cpu_irq,
                        2);
    pc->pit = pit_create(&pc->io, PC_PIT_IOBASE, &pc->gsi[PC_PIT_IRQ]);
    io_map(&pc->io, "port61", PC_PORT61, 1, &pc_port61_ops, pc);
    reset_register(pc_port61_reset, pc);
    io_map(&pc->io, "port80", PC_PORT80, 1, &pc_port80_ops, pc);
    pc->rtc = rtc_create(&pc->io, RTC_IOBASE, &pc->gsi[RTC_ISA_IRQ],
                         &cfg->rtc_base);
    rtc_set_pc_config(pc->rtc, MIN(cfg->ram_size, PC_PCI_HOLE),
                      cfg->ram_size > PC_PCI_HOLE
                      ? cfg->ram_size - PC_PCI_HOLE : 0);

    for (int i = 0; i < cfg->nr_serial; i++) {
        if (!pc_serial_present(cfg->serial[i])) {
            continue;
        }
        serial_create(&pc->io, pc_serial_ports[i].iobase,
                      &pc->gsi[pc_serial_ports[i].irq], chr[i]);
    }

    pc_pci_init(pc);
    for (size_t k = 0; k < G_N_ELEMENTS(pc_fixed_ports); k++) {
        for (uint32_t p = 0; p < pc_fixed_ports[k].size; p++) {
            g_assert(!io_can_map(&pc->io, pc_fixed_ports[k].base + p, 1));
        }
    }

    for (int i = 0; i < cfg->nr_debugexit; i++) {
        debugexit_create(&pc->io, cfg->debugexit[i].iobase,
                         cfg->debugexit[i].iosize);
    }
    pc_pci_devices_init(pc, devfns);
    return true;
}

static void pc_free(PCMachine *pc)
{
    MemRegion *bios = mem_find(&pc->as, PC_BIOS_AREA);

    g_free(pc->kernel_image);
    if (bios) {
        g_free(bios->host);
    }
    if (pc->ram) {
        munmap(pc->ram, pc->cfg.ram_size);
    }
    g_free(pc);
}

static void pc_cpu_init(PCMachine *pc)
{
    pc->cpu = x86_cpu_create(&pc->as, &pc->io);
    pc->cpu->get_interrupt_vector = pc_get_interrupt_vector;
    pc->cpu->irq_opaque = pc;
    pc->cpu->apic_ops = &pc_apic_ops;
    pc->cpu->apic = pc->apic;
}

/*
 * Puts the guest in RAM and the CPU at its entry: the ACPI tables and
 * the Linux boot protocol, or Multiboot. The kernel image is the one
 * pc_create read; the initrd or modules are read from their files each
 * time. At creation and at every reset.
 */
static bool pc_load_guest(PCMachine *pc, char **err)
{
    const PCConfig *cfg = &pc->cfg;

    if (!pc->kernel_is_multiboot) {
        uint64_t rsdp = acpi_build_tables(&pc->as);
        return linux_load(pc->cpu, &pc->as, pc->kernel_image,
                          pc->kernel_size, cfg->append, cfg->initrd, rsdp,
                          !cfg->kernel_no_unpack, err);
    }
    /* QEMU hands a multiboot kernel "PATH APPEND" (a trailing space when
     * there is no -append); kernels that print it then agree with QEMU. */
    char *cmdline = g_strdup_printf("%s %s", cfg->kernel,
                                    cfg->append ? cfg->append : "");
    bool ok = multiboot_load(pc->cpu, &pc->as, cfg->ram_size,
                             pc->kernel_image, pc->kernel_size, cmdline,
                             cfg->initrd, err);
    g_free(cmdline);
    return ok;
}

bool pc_reset(PCMachine *pc, char **err)
{
    CPUX86State *env = pc->cpu;

    reset_run_all();
    x86_cpu_reset(env);
    /* The loaders write RAM through host pointers, which the translated
     * code's write protection does not see: start from an empty cache. */
    tb_flush(env);
    /* RESET clears the time-stamp counter (SDM Vol. 3B, "Time-Stamp
     * Counter"). */
    env->tsc_offset -= cpu_get_tsc(env);
    pc_firmware_init(pc);
    return pc->cfg.qtest || pc_load_guest(pc, err);
}

PCMachine *pc_create(const PCConfig *cfg, char **err)
{
    PCMachine *pc = g_new0(PCMachine, 1);

    pc->cfg = *cfg;

    /*
     * The kernel is read and recognised first: a bad -kernel should fail
     * before -serial stdio has put the terminal in raw mode.
     */
    if (cfg->qtest) {
        /* A device test: the machine without a guest. */
        if (!pc_memory_init(pc, err) || !pc_devices_init(pc, err)) {
            goto fail;
        }
        pc_cpu_init(pc);
        return pc;
    }
    if (!cfg->kernel) {
        loader_set_err(err, "no -kernel given (disk boot is not supported yet)");
        goto fail;
    }
    pc->kernel_image = loader_read_file(cfg->kernel, "", "kernel",
                                        &pc->kernel_size, err);
    if (!pc->kernel_image) {
        goto fail;
    }
    pc->kernel_is_multiboot = multiboot_probe(pc->kernel_image,
                                              pc->kernel_size);
    if (!pc->kernel_is_multiboot &&
        !linux_probe(pc->kernel_image, pc->kernel_size)) {
        loader_set_err(err, "-kernel: '%s' is neither a Linux bzImage nor a "
                "multiboot kernel", cfg->kernel);
        goto fail;
    }

    if (!pc_memory_init(pc, err) || !pc_devices_init(pc, err)) {
        goto fail;
    }
    pc_cpu_init(pc);
    if (!pc_load_guest(pc, err)) {
        goto fail;
    }
    return pc;

fail:
    /* The CPU and the devices have no destroy function yet (the caller
     * exits on failure): what pc_create allocated itself is given back. */
    pc_free(pc);
    return NULL;
}
