/*
 * Machine reset, run without -no-reboot: the kernel boots four times. A
 * CMOS RAM byte, which a reset does not touch (MC146818A datasheet,
 * "RESET"), counts the boots. Boots 1 and 2 reset through the PIIX3's
 * reset control register (0xCF9), boot 3 by a triple fault (SDM Vol. 3A
 * 6.15, "Interrupt 8": a fault while delivering #DF shuts the processor
 * down, and a PC's chipset turns the shutdown cycle into a reset). Each
 * leaves registers in non-reset states and RAM marked first; the later
 * boots check what the datasheets say a reset restores, and that RAM
 * outside what the loader writes is kept.
 *
 * bt86 only: under QEMU, SeaBIOS runs again at each reset and prints its
 * banner amid the kernel's output.
 */
#include "kit.h"

#define CMOS_INDEX  0x70
#define CMOS_DATA   0x71
#define RTC_REG_B   0x0B
#define RTC_REG_C   0x0C
#define CMOS_BOOTS  0x50        /* a byte no PC BIOS convention uses */
#define RCR         0xCF9
#define RCR_SRST    0x02
#define RCR_RCPU    0x04

#define PIIX3       0x08        /* devfn 01.0 */
#define PIIX3_PIRQRC 0x60
#define I440FX      0x00
#define I440FX_PAM1 0x5A

/* 32 MiB: above the kernel and what the loader writes after it. */
#define RAM_MARK    ((volatile uint64_t *)0x2000000)
#define MARK        0x7465736572206b6full

#define BOOTS       4

/* In .data: the loader writes it again at each boot. */
static volatile int loaded_value = 7;

static uint8_t cmos_read(uint8_t index)
{
    outb(CMOS_INDEX, index);
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t index, uint8_t v)
{
    outb(CMOS_INDEX, index);
    outb(CMOS_DATA, v);
}

/* What a reset must have put back (or kept). */
static void check_after_reset(void)
{
    uint8_t b = cmos_read(RTC_REG_B), c = cmos_read(RTC_REG_C);

    /* We left B at 0x72 (PIE, AIE, UIE, 24 h): RESET clears PIE, AIE,
     * UIE and SQWE and leaves the format bits. */
    kit_result("RTC register B interrupt enables cleared", b == 0x02,
               "0x%02x", b);
    kit_result("RTC IRQF clear", !(c & 0x80), "C 0x%02x", c);
    kit_result("PIIX3 PIRQRC[A] back to 80h",
               kit_pci_readb(PIIX3, PIIX3_PIRQRC) == 0x80, "0x%02x",
               kit_pci_readb(PIIX3, PIIX3_PIRQRC));
    kit_result("i440FX PAM1 back to 00h",
               kit_pci_readb(I440FX, I440FX_PAM1) == 0x00, "0x%02x",
               kit_pci_readb(I440FX, I440FX_PAM1));
    kit_result("RAM kept across the reset", *RAM_MARK == MARK, "0x%llx",
               (unsigned long long)*RAM_MARK);
}

/* Everything check_after_reset looks at, away from its reset value. */
static void leave_state(void)
{
    cmos_write(RTC_REG_B, 0x72);
    kit_pci_writeb(PIIX3, PIIX3_PIRQRC, 0x0B);
    kit_pci_writeb(I440FX, I440FX_PAM1, 0x33);
    *RAM_MARK = MARK;
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    unsigned boot = cmos_read(CMOS_BOOTS) + 1u;

    cmos_write(CMOS_BOOTS, boot);
    kit_printf("bt86 bare-metal kit: reset, boot %u\n", boot);
    kit_result("multiboot entry", mb_magic == MULTIBOOT_BOOTLOADER_MAGIC,
               "eax 0x%x", mb_magic);
    kit_result(".data loaded again", loaded_value == 7, "%d", loaded_value);
    loaded_value = 100 + boot;
    if (boot > 1) {
        check_after_reset();
    }
    if (boot >= BOOTS) {
        kit_finish();
    }
    leave_state();
    if (boot == BOOTS - 1) {
        /* An empty IDT: INT3 raises #GP, #GP raises #DF, #DF shuts down. */
        static const struct {
            uint16_t limit;
            uint64_t base;
        } __attribute__((packed)) no_idt = { 0, 0 };

        kit_puts("resetting by a triple fault");
        __asm__ volatile("lidt %0\n\tint3" : : "m"(no_idt));
    } else {
        kit_puts("resetting through 0xCF9");
        outb(RCR, RCR_SRST);
        outb(RCR, RCR_SRST | RCR_RCPU);
    }
    /* The reset takes effect within a few instructions. */
    for (volatile unsigned long i = 0; i < 100000000ul; i++) {
        __asm__ volatile("pause");
    }
    kit_puts("no reset happened");
    kit_exit(KIT_EXIT_FAIL);
}
