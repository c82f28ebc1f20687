/*
 * External interrupts end to end: the 8254's counter 0 in mode 2 drives
 * IRQ 0 through the 8259 pair (programmed as a PC BIOS does, vectors
 * 0x20/0x28) to the CPU, which sleeps in HLT between ticks.
 */
#include "kit.h"

#define PIC1 0x20
#define PIC2 0xA0
#define PIT_CH0 0x40
#define PIT_CW 0x43
#define VEC_IRQ0 KIT_PIC_VEC_BASE

static volatile unsigned ticks;
static volatile unsigned spurious;
static volatile uint64_t irq_rflags;
static volatile uint32_t marker, marker_at_irq;

static void on_irq0(struct kit_frame *frame)
{
    ticks++;
    irq_rflags = frame->rflags;
    marker_at_irq = marker;
    outb(PIC1, 0x20);                   /* non-specific EOI */
}

static void on_spurious(struct kit_frame *frame)
{
    (void)frame;
    spurious++;
}

/* With IF clear, until the 8259 has IRQ 0 waiting (IRR bit 0). */
static void wait_irq0_pending(void)
{
    do {
        outb(PIC1, 0x0A);
    } while (!(inb(PIC1) & 1));
}

/*
 * STI's interrupt shadow (SDM Vol. 2B STI): with IRQ 0 waiting, the
 * instruction after STI runs before the interrupt is taken, the next one
 * does not; and a window of STI; NOP; CLI lets a waiting interrupt in.
 */
static void check_sti_shadow(void)
{
    wait_irq0_pending();
    marker = 0;
    marker_at_irq = 99;
    __asm__ volatile("sti; movl $1, %0; movl $2, %0; cli"
                     : "+m"(marker) : : "memory");
    kit_result("the instruction after STI runs before the interrupt",
               marker_at_irq == 1, "marker %u at the interrupt",
               marker_at_irq);

    unsigned taken = 0;
    for (int i = 0; i < 10; i++) {
        wait_irq0_pending();
        unsigned before = ticks;
        __asm__ volatile("sti; nop; cli" ::: "memory");
        taken += ticks - before;
    }
    kit_result("STI; NOP; CLI lets a waiting interrupt in", taken == 10,
               "%u of 10", taken);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: pit-irq");
    kit_set_exception_handler(VEC_IRQ0, on_irq0);
    kit_set_exception_handler(VEC_IRQ0 + 7, on_spurious);
    kit_pic_init(0xFE, 0xFF);           /* IRQ 0 only */

    outb(PIC1, 0x0B);
    kit_result("8259 ISR reads 0 after init", inb(PIC1) == 0, "ISR set");
    kit_result("8259 IMR reads back", inb(PIC1 + 1) == 0xFE, "IMR 0x%x",
               inb(PIC1 + 1));

    /* 1193 cycles: about 1 kHz */
    outb(PIT_CW, 0x34);
    outb(PIT_CH0, 1193 & 0xFF);
    outb(PIT_CH0, 1193 >> 8);

    /* Nothing is delivered with IF clear. */
    for (volatile int i = 0; i < 100000; i++) {
    }
    kit_result("no interrupt with IF=0", ticks == 0, "%u ticks", ticks);

    while (ticks < 20) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    kit_result("20 timer interrupts through the 8259", ticks >= 20,
               "%u ticks", ticks);
    kit_result("IF was set in the interrupted context",
               (irq_rflags & 0x200) != 0, "rflags 0x%lx",
               (unsigned long)irq_rflags);
    outb(PIC1, 0x0B);
    kit_result("ISR clear after EOI", inb(PIC1) == 0, "ISR 0x%x",
               inb(PIC1));
    kit_result("no spurious IRQ 7", spurious == 0, "%u", spurious);
    check_sti_shadow();

    /* Masked: no more ticks even with IF set. */
    outb(PIC1 + 1, 0xFF);
    unsigned seen = ticks;
    __asm__ volatile("sti" ::: "memory");
    for (volatile int i = 0; i < 200000; i++) {
    }
    __asm__ volatile("cli" ::: "memory");
    kit_result("masked IRQ 0 is not delivered", ticks == seen,
               "%u more", ticks - seen);
    kit_puts("pit-irq: done");
    kit_finish();
}
