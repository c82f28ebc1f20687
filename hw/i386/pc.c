/*
 * The pc machine: RAM and the legacy holes, the ISA devices, the CPU, and
 * the guest kernel. All wiring is here; devices know nothing of each other.
 *
 * Physical memory (as QEMU's pc for RAM up to 3.5 GiB):
 *   [0, 640K)               RAM
 *   [640K, 768K)            unassigned (VGA window, later)
 *   [768K, 1M)              ROM, zero-filled (option ROMs and BIOS, later)
 *   [1M, min(RAM, 3.5G))    RAM
 *   [3.5G, 4G)              PCI hole: the IOAPIC at 0xFEC00000 and the
 *                           local APIC at 0xFEE00000
 *   [4G, 4G + RAM - 3.5G)   the rest of RAM, if any
 * RAM is one anonymous mapping, so guest-physical RAM is contiguous in host
 * memory apart from the hole; the bytes behind [640K, 1M) are unused.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "hw/char/serial.h"
#include "hw/i386/multiboot.h"
#include "hw/i386/pc.h"
#include "hw/loader.h"
#include "hw/misc/debugexit.h"
#include "softmmu/chardev.h"
#include "softmmu/clock.h"
#include "softmmu/qtest.h"

#define PC_LOW_RAM_END   0xA0000ull     /* 640 KiB */
#define PC_BIOS_AREA     0xC0000ull
#define PC_HIGH_RAM      0x100000ull    /* 1 MiB */
#define PC_PCI_HOLE      0xE0000000ull  /* RAM above this moves to 4 GiB */
#define PC_4G            0x100000000ull
#define PC_RAM_MIN       (2ull << 20)


#define PC_PIT_IOBASE    0x40
#define PC_PIT_IRQ       0
#define PC_PORT61        0x61
/* Port 0x61 (PIIX "NMI Status and Control", the AT's port B) */
#define PORT61_TIM2_GATE   0x01
#define PORT61_SPKR_DATA   0x02
#define PORT61_RW_MASK     0x0f
#define PORT61_REFRESH     0x10
#define PORT61_TIM2_OUT    0x20
/* The refresh request bit toggles every 15.085 us (PIIX datasheet). */
#define PORT61_REFRESH_NS  15085

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

static void set_err(char **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void set_err(char **err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (err) {
        *err = msg;
    } else {
        g_free(msg);
    }
}

static bool pc_memory_init(PCMachine *pc, char **err)
{
    uint64_t ram_size = pc->cfg.ram_size;

    if (ram_size < PC_RAM_MIN) {
        set_err(err, "-m: at least 2 MiB of RAM is needed");
        return false;
    }
    /* NORESERVE: a 4 GiB guest that touches 100 MiB costs 100 MiB. */
    void *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        set_err(err, "could not allocate %" PRIu64 " MiB of guest RAM: %s",
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

static const MemOps pc_port61_ops = {
    .read = pc_port61_read, .write = pc_port61_write,
    .min_size = 1, .max_size = 1,
};

static bool pc_devices_init(PCMachine *pc, char **err)
{
    const PCConfig *cfg = &pc->cfg;
    Chardev *chr[G_N_ELEMENTS(pc_serial_ports)] = { NULL };

    if (cfg->nr_serial > (int)G_N_ELEMENTS(pc_serial_ports)) {
        set_err(err, "-serial: at most %zu serial ports are supported",
                G_N_ELEMENTS(pc_serial_ports));
        return false;
    }
    if (cfg->nr_debugexit > (int)G_N_ELEMENTS(cfg->debugexit)) {
        set_err(err, "-device: at most %zu isa-debug-exit devices are "
                "supported", G_N_ELEMENTS(cfg->debugexit));
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
            set_err(err, "%s", chr_err);
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

    for (int i = 0; i < cfg->nr_debugexit; i++) {
        debugexit_create(&pc->io, cfg->debugexit[i].iobase,
                         cfg->debugexit[i].iosize);
    }
    return true;
}

static void pc_free(PCMachine *pc)
{
    MemRegion *bios = mem_find(&pc->as, PC_BIOS_AREA);

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

PCMachine *pc_create(const PCConfig *cfg, char **err)
{
    PCMachine *pc = g_new0(PCMachine, 1);
    uint8_t *image = NULL;
    size_t image_size = 0;
    char *cmdline = NULL;

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
        set_err(err, "no -kernel given (disk boot is not supported yet)");
        goto fail;
    }
    image = loader_read_file(cfg->kernel, "", "kernel", &image_size, err);
    if (!image) {
        goto fail;
    }
    if (!multiboot_probe(image, image_size)) {
        set_err(err, "'%s' is not a multiboot kernel (Linux boot is not "
                "supported yet)", cfg->kernel);
        goto fail;
    }

    if (!pc_memory_init(pc, err) || !pc_devices_init(pc, err)) {
        goto fail;
    }
    pc_cpu_init(pc);

    /* QEMU hands a multiboot kernel "PATH APPEND" (a trailing space when
     * there is no -append); kernels that print it then agree with QEMU. */
    cmdline = g_strdup_printf("%s %s", cfg->kernel,
                              cfg->append ? cfg->append : "");
    if (!multiboot_load(pc->cpu, &pc->as, cfg->ram_size, image, image_size,
                        cmdline, cfg->initrd, err)) {
        goto fail;
    }
    g_free(cmdline);
    g_free(image);
    return pc;

fail:
    /* The CPU and the devices have no destroy function yet (the caller
     * exits on failure): what pc_create allocated itself is given back. */
    g_free(cmdline);
    g_free(image);
    pc_free(pc);
    return NULL;
}
