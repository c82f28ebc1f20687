/*
 * The 16550's interrupts end to end: COM1's THRE interrupt through the
 * 8259 (vector 0x24 for IRQ 4) to the CPU, the PC's OUT2 gate in front of
 * it, and the receive FIFO's character timeout (PC16550D datasheet: IIR
 * 0xC after four character times below the trigger level), checked with
 * the UART in loopback, quietly, since the console is COM1 itself.
 */
#include "kit.h"

#define PIC1 0x20
#define PIC2 0xA0
#define VEC_IRQ0 KIT_PIC_VEC_BASE
#define COM1_IRQ 4

#define COM1 KIT_COM1
#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define MCR_DTR_RTS 0x03
#define MCR_OUT2    0x08
#define MCR_LOOP    0x10

static volatile unsigned irqs;
static volatile uint8_t irq_iir;

static void on_com1(struct kit_frame *frame)
{
    (void)frame;
    irqs++;
    irq_iir = inb(COM1 + UART_IIR);     /* reading it clears THRE */
    outb(PIC1, 0x20);
}

/* Lets pending interrupts in for a while. */
static void open_window(void)
{
    __asm__ volatile("sti" ::: "memory");
    for (volatile int i = 0; i < 20000; i++) {
    }
    __asm__ volatile("cli" ::: "memory");
}

static void wait_thre(void)
{
    while (!(inb(COM1 + UART_LSR) & 0x20)) {
    }
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: serial-irq");
    kit_set_exception_handler(VEC_IRQ0 + COM1_IRQ, on_com1);
    kit_pic_init((uint8_t)~(1u << COM1_IRQ), 0xFF);

    /* OUT2 clear: the interrupt is pending in the UART but gated. */
    wait_thre();
    outb(COM1 + UART_IER, 0x02);
    open_window();
    unsigned gated = irqs;
    uint8_t iir = inb(COM1 + UART_IIR);
    outb(COM1 + UART_IER, 0x00);
    kit_result("THRE pending in IIR with OUT2 clear", iir == 0xC2,
               "IIR 0x%x", iir);
    kit_result("no IRQ 4 with OUT2 clear", gated == 0, "%u IRQs", gated);

    /* OUT2 set: the THRE interrupt reaches the CPU once. */
    outb(COM1 + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
    wait_thre();
    outb(COM1 + UART_IER, 0x02);
    while (irqs == 0) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    open_window();
    unsigned once = irqs - gated;
    uint8_t seen = irq_iir;
    outb(COM1 + UART_IER, 0x00);
    kit_result("THRE interrupt on vector 0x24", once == 1, "%u IRQs", once);
    kit_result("IIR in the handler says THRE", seen == 0xC2, "IIR 0x%x",
               seen);
    outb(COM1 + UART_MCR, MCR_DTR_RTS);

    /*
     * Character timeout. 300 baud, so that four characters (133 ms)
     * outlast the first IIR read even on a loaded host (the timeout runs
     * on the host's clock); loopback, so nothing may be printed until it
     * is off again.
     */
    outb(COM1 + UART_LCR, 0x83);
    outb(COM1 + UART_DLL, 384 & 0xff);
    outb(COM1 + UART_DLM, 384 >> 8);
    outb(COM1 + UART_LCR, 0x03);
    outb(COM1 + UART_FCR, 0x47);                /* trigger level 4 */
    outb(COM1 + UART_MCR, MCR_DTR_RTS | MCR_LOOP);
    outb(COM1 + UART_IER, 0x01);
    outb(COM1 + UART_THR, 'T');
    uint8_t at_once = inb(COM1 + UART_IIR);
    uint8_t later = at_once;
    for (long i = 0; i < 20000000 && later != 0xCC; i++) {
        later = inb(COM1 + UART_IIR);
    }
    uint8_t rx = inb(COM1 + UART_RBR);
    uint8_t after_read = inb(COM1 + UART_IIR);
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_MCR, MCR_DTR_RTS);
    outb(COM1 + UART_LCR, 0x83);
    outb(COM1 + UART_DLL, 1);
    outb(COM1 + UART_DLM, 0);
    outb(COM1 + UART_LCR, 0x03);
    outb(COM1 + UART_FCR, 0xC7);
    kit_result("below the trigger level: no interrupt at once",
               at_once == 0xC1, "IIR 0x%x", at_once);
    kit_result("character timeout later", later == 0xCC, "IIR 0x%x", later);
    kit_result("looped-back byte", rx == 'T', "0x%x", rx);
    kit_result("reading the byte ends the timeout", after_read == 0xC1,
               "IIR 0x%x", after_read);
    kit_puts("serial-irq: done");
    kit_finish();
}
