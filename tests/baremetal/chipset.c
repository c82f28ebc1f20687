/*
 * The PC chipset as a guest sees it, from guest code with real port I/O
 * and interrupts: PCI configuration mechanism #1 and the i440FX, PIIX3
 * and PIIX4 PM functions, the ACPI PM timer's rate against the PIT, the
 * SCI on IRQ 9, the i8042 (self-test, keyboard replies, IRQ 1) and the
 * reset-control and port 0x92 registers (without resetting).
 *
 * Only what a PC with QEMU's pc machine shows after SeaBIOS is checked,
 * so that the same output is expected from QEMU: bt86's board programs
 * the PM base as SeaBIOS does; anything a BIOS leaves differently (PIRQ
 * routes, SCI_EN, the command byte) is set here first.
 */
#include "kit.h"

#define PIC1        0x20
#define PIC2        0xA0
#define ELCR2       0x4D1
#define VEC_BASE    KIT_PIC_VEC_BASE
#define PIT_CH2     0x42
#define PIT_CW      0x43
#define PORT61      0x61
#define KBD_DATA    0x60
#define KBD_STATUS  0x64
#define CONF_ADDR   0xCF8
#define RCR         0xCF9
#define PORT92      0x92

#define PM_BASE     0x600
#define PM1_STS     (PM_BASE + 0)
#define PM1_EN      (PM_BASE + 2)
#define PM1_CNT     (PM_BASE + 4)
#define PM_TMR      (PM_BASE + 8)

static void pci_checks(void)
{
    outl(CONF_ADDR, 0x80000000u);
    kit_result("CONFIG_ADDRESS reads back", inl(CONF_ADDR) == 0x80000000u,
               "0x%x", inl(CONF_ADDR));
    kit_result("00.0 is the i440FX", kit_pci_readl(0x00, 0) == 0x12378086,
               "0x%x", kit_pci_readl(0x00, 0));
    kit_result("00.0 class host bridge, rev 02",
               kit_pci_readl(0x00, 8) == 0x06000002, "0x%x",
               kit_pci_readl(0x00, 8));
    kit_result("01.0 is the PIIX3", kit_pci_readl(0x08, 0) == 0x70008086,
               "0x%x", kit_pci_readl(0x08, 0));
    kit_result("01.0 class ISA bridge, multi-function",
               kit_pci_readw(0x08, 0x0a) == 0x0601 &&
               (kit_pci_readb(0x08, 0x0e) & 0x80), "class 0x%x header 0x%x",
               kit_pci_readw(0x08, 0x0a), kit_pci_readb(0x08, 0x0e));
    kit_result("01.3 is the PIIX4 PM", kit_pci_readl(0x0b, 0) == 0x71138086,
               "0x%x", kit_pci_readl(0x0b, 0));
    kit_result("01.3 class 0680", kit_pci_readw(0x0b, 0x0a) == 0x0680, "0x%x",
               kit_pci_readw(0x0b, 0x0a));
    kit_result("no device at 1f.0", kit_pci_readl(0xf8, 0) == 0xffffffff &&
               kit_pci_readw(0xf8, 2) == 0xffff, "0x%x",
               kit_pci_readl(0xf8, 0));
    kit_pci_writel(0x00, 0, 0);
    kit_result("vendor ID is read-only", kit_pci_readl(0x00, 0) == 0x12378086,
               "0x%x", kit_pci_readl(0x00, 0));
    kit_result("PM base 0x600, decoded",
               (kit_pci_readl(0x0b, 0x40) & 0xffc1) == 0x601 &&
               (kit_pci_readb(0x0b, 0x80) & 1), "PMBA 0x%x PMREGMISC 0x%x",
               kit_pci_readl(0x0b, 0x40), kit_pci_readb(0x0b, 0x80));
    kit_pci_writeb(0x08, 0x63, 0x0b);
    kit_result("PIRQD route reads back", kit_pci_readb(0x08, 0x63) == 0x0b,
               "0x%x", kit_pci_readb(0x08, 0x63));
    kit_pci_writeb(0x08, 0x63, 0x80);
}

/*
 * One (PM timer, PIT counter 2) pair read close together: the PM timer
 * is read on both sides of the PIT latch, and the pair is kept only when
 * little time passed, so that a host preempting the emulator in between
 * cannot skew it.
 */
static bool pm_pit_sample(uint32_t *pm, uint16_t *pit)
{
    for (int i = 0; i < 1000; i++) {
        uint32_t a = inl(PM_TMR);
        outb(PIT_CW, 0x80);             /* latch counter 2 */
        uint16_t c = inb(PIT_CH2);
        c |= inb(PIT_CH2) << 8;
        uint32_t b = inl(PM_TMR);
        if (((b - a) & 0xffffff) < 100) {
            *pm = a;
            *pit = c;
            return true;
        }
    }
    return false;
}

/*
 * The PM timer against PIT counter 2 (mode 2, period 65536 cycles of
 * 1.193182 MHz): 3.579545 MHz is exactly 3 PIT cycles a tick. The
 * counts are summed over consecutive samples; an interval where the host
 * kept the emulator away long enough (over 25 ms) for the 16-bit count
 * to alias is left out.
 */
static void pm_timer_rate(void)
{
    uint8_t p61 = inb(PORT61) & 0x0c;
    uint32_t pm_prev = 0, pm = 0, dpm = 0, dpit = 0;
    uint16_t pit_prev = 0, pit = 0;
    bool ok;

    outb(PORT61, p61);                  /* gate low, speaker off */
    outb(PIT_CW, 0xb4);                 /* counter 2, lo/hi, mode 2 */
    outb(PIT_CH2, 0);
    outb(PIT_CH2, 0);
    outb(PORT61, p61 | 0x01);           /* gate high: count */
    ok = pm_pit_sample(&pm_prev, &pit_prev);
    while (ok && dpit < 100000) {
        ok = pm_pit_sample(&pm, &pit);
        uint32_t d = (pm - pm_prev) & 0xffffff;
        if (ok && d < 90000) {
            dpm += d;
            dpit += (uint16_t)(pit_prev - pit);
        }
        pm_prev = pm;
        pit_prev = pit;
    }
    outb(PORT61, p61);

    kit_result("PM timer is 24 bits", pm_prev < 0x1000000, "0x%x",
               pm_prev);
    kit_result("PM timer runs at 3.58 MHz (3 PIT cycles a tick)",
               ok && dpm * 100 > dpit * 297 && dpm * 100 < dpit * 303,
               "%u ticks in %u PIT cycles", dpm, dpit);
}

static volatile unsigned kbd_irqs, sci_irqs;
static volatile uint8_t kbd_bytes[8];
static volatile uint16_t sci_status;

static void on_kbd(struct kit_frame *frame)
{
    (void)frame;
    uint8_t v = inb(KBD_DATA);
    if (kbd_irqs < 8) {
        kbd_bytes[kbd_irqs] = v;
    }
    kbd_irqs++;
    outb(PIC1, 0x20);
}

static void on_sci(struct kit_frame *frame)
{
    (void)frame;
    uint16_t sts = inw(PM1_STS);
    sci_status = sts;
    sci_irqs++;
    outw(PM1_STS, sts);                 /* write 1 to clear */
    outb(PIC2, 0x20);
    outb(PIC1, 0x20);
}

static void kbd_wait_write(void)
{
    while (inb(KBD_STATUS) & 0x02) {
    }
}

static int kbd_read(void)
{
    for (int i = 0; i < 1000000; i++) {
        if (inb(KBD_STATUS) & 0x01) {
            return inb(KBD_DATA);
        }
    }
    return -1;
}

static void kbd_command(uint8_t cmd)
{
    kbd_wait_write();
    outb(KBD_STATUS, cmd);
}

static void kbd_write(uint8_t v)
{
    kbd_wait_write();
    outb(KBD_DATA, v);
}

static void i8042_checks(void)
{
    while (inb(KBD_STATUS) & 0x01) {
        inb(KBD_DATA);
    }
    kbd_command(0x60);
    kbd_write(0x44);                    /* no interrupts, translation */
    kbd_command(0x20);
    int ctr = kbd_read();
    kit_result("i8042 command byte reads back", ctr == 0x44, "0x%x", ctr);
    kbd_command(0xaa);
    int r = kbd_read();
    kit_result("i8042 self-test", r == 0x55, "0x%x", r);
    kbd_command(0xab);
    r = kbd_read();
    kit_result("i8042 keyboard interface test", r == 0x00, "0x%x", r);
    kbd_command(0xa9);
    r = kbd_read();
    kit_result("i8042 aux interface test", r == 0x00, "0x%x", r);
    kbd_command(0xd3);
    kbd_write(0x5a);
    uint8_t st = inb(KBD_STATUS);
    r = kbd_read();
    kit_result("i8042 aux loopback", r == 0x5a && (st & 0x21) == 0x21,
               "0x%x status 0x%x", r, st);
    kbd_write(0xff);
    int a = kbd_read(), b = kbd_read();
    kit_result("keyboard reset: ACK, BAT passed", a == 0xfa && b == 0xaa,
               "0x%x 0x%x", a, b);

    /* Identify, read by the IRQ 1 handler */
    kit_set_exception_handler(VEC_BASE + 1, on_kbd);
    outb(PIC1 + 1, 0xfd);
    kbd_command(0x60);
    kbd_write(0x45);                    /* keyboard interrupt on */
    kbd_write(0xf2);
    for (int i = 0; i < 100 && kbd_irqs < 3; i++) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    kit_result("identify through IRQ 1: FA AB 41",
               kbd_irqs == 3 && kbd_bytes[0] == 0xfa &&
               kbd_bytes[1] == 0xab && kbd_bytes[2] == 0x41,
               "%u IRQs: %x %x %x", kbd_irqs, kbd_bytes[0], kbd_bytes[1],
               kbd_bytes[2]);
    outb(PIC1 + 1, 0xff);
    kbd_command(0x60);
    kbd_write(0x44);
}

/* The SCI: TMR_EN raises it on IRQ 9 when bit 23 of the PM timer flips
 * (within 2.35 s). */
static void sci_check(void)
{
    kit_set_exception_handler(VEC_BASE + 9, on_sci);
    outb(ELCR2, inb(ELCR2) | 0x02);     /* IRQ 9 level-triggered */
    outw(PM1_CNT, inw(PM1_CNT) | 0x0001);   /* SCI_EN */
    outw(PM1_STS, 0xffff);
    outb(PIC1 + 1, 0xfb);               /* cascade */
    outb(PIC2 + 1, 0xfd);               /* IRQ 9 */
    outw(PM1_EN, 0x0001);               /* TMR_EN */
    while (sci_irqs == 0) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    outw(PM1_EN, 0);
    outb(PIC2 + 1, 0xff);
    outb(PIC1 + 1, 0xff);
    kit_result("SCI on IRQ 9 for the PM timer's overflow",
               sci_irqs == 1 && (sci_status & 0x0001), "%u SCIs, status 0x%x",
               sci_irqs, sci_status);
    kit_result("TMR_STS cleared by writing 1", !(inw(PM1_STS) & 1), "0x%x",
               inw(PM1_STS));
}

static void reset_registers(void)
{
    outb(RCR, 0x02);                    /* SRST without RCPU: no reset */
    kit_result("0xCF9 keeps SRST", (inb(RCR) & 0x02) == 0x02, "0x%x",
               inb(RCR));
    outb(RCR, 0x00);
    outb(PORT92, inb(PORT92) | 0x02);
    kit_result("port 0x92 A20 bit reads back", (inb(PORT92) & 0x03) == 0x02,
               "0x%x", inb(PORT92));
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: chipset");
    kit_pic_init(0xff, 0xff);
    pci_checks();
    pm_timer_rate();
    i8042_checks();
    sci_check();
    reset_registers();
    kit_puts("chipset: done");
    kit_finish();
}
