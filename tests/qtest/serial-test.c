/*
 * The 16550A UART through the qtest protocol: registers, interrupts as the
 * 8259 sees them (irq_intercept_in), loopback, FIFOs and the character
 * timeout on the qtest clock, and the four COM ports' addresses and IRQs.
 */
#include "tests/qtest/libqtest.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define COM3 0x3e8
#define COM4 0x2e8

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define THR RBR
#define FCR IIR
#define DLL RBR
#define DLM IER

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

/* One character at 115200 baud, 8N1: 10 bits. */
#define CHAR_NS (10 * 1000000000ll / 115200)

static uint8_t rd(QTestState *s, uint16_t base, int reg)
{
    return qtest_inb(s, base + reg);
}

static void wr(QTestState *s, uint16_t base, int reg, uint8_t v)
{
    qtest_outb(s, base + reg, v);
}

/* 115200 baud, 8N1. */
static void setup_line(QTestState *s, uint16_t base)
{
    wr(s, base, LCR, 0x83);
    wr(s, base, DLL, 1);
    wr(s, base, DLM, 0);
    wr(s, base, LCR, 0x03);
}

static void test_reset_values(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x60);    /* THRE | TEMT */
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x01);    /* no interrupt */
    g_assert_cmphex(rd(s, COM1, IER), ==, 0x00);
    g_assert_cmphex(rd(s, COM1, LCR), ==, 0x00);
    g_assert_cmphex(rd(s, COM1, MCR), ==, 0x00);
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0xb0);    /* DCD DSR CTS */
    qtest_quit(s);
}

static void test_scratch(void)
{
    QTestState *s = qtest_init(NULL);

    for (int v = 0; v < 256; v += 0x33) {
        wr(s, COM1, SCR, v);
        g_assert_cmphex(rd(s, COM1, SCR), ==, v);
    }
    qtest_quit(s);
}

static void test_divisor_latch(void)
{
    QTestState *s = qtest_init(NULL);

    wr(s, COM1, IER, 0x05);
    wr(s, COM1, LCR, 0x80 | 0x1f);                  /* DLAB, 8E2 */
    g_assert_cmphex(rd(s, COM1, DLL), ==, 12);      /* 9600 at reset */
    g_assert_cmphex(rd(s, COM1, DLM), ==, 0);
    wr(s, COM1, DLL, 0x34);
    wr(s, COM1, DLM, 0x12);
    g_assert_cmphex(rd(s, COM1, DLL), ==, 0x34);
    g_assert_cmphex(rd(s, COM1, DLM), ==, 0x12);
    g_assert_cmphex(rd(s, COM1, LCR), ==, 0x9f);
    wr(s, COM1, LCR, 0x1f);
    g_assert_cmphex(rd(s, COM1, IER), ==, 0x05);    /* untouched */
    /* bits 4-7 of IER do not exist on a 16550A */
    wr(s, COM1, IER, 0xf2);
    g_assert_cmphex(rd(s, COM1, IER), ==, 0x02);
    wr(s, COM1, LCR, 0x80);
    g_assert_cmphex(rd(s, COM1, DLL) | rd(s, COM1, DLM) << 8, ==, 0x1234);
    qtest_quit(s);
}

static void test_thre_irq(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    wr(s, COM1, MCR, MCR_OUT2);
    wr(s, COM1, IER, 0x02);                         /* ETBEI: THR is empty */
    g_assert_true(qtest_get_irq(s, 4));
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x02);    /* reading clears it */
    g_assert_false(qtest_get_irq(s, 4));
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x01);
    wr(s, COM1, THR, 'a');                          /* sent: empty again */
    g_assert_true(qtest_get_irq(s, 4));
    wr(s, COM1, THR, 'b');                          /* writing THR clears */
    g_assert_true(qtest_get_irq(s, 4));             /* ...and it empties */
    g_assert_cmpuint(qtest_irq_raises(s, 4), ==, 2);
    wr(s, COM1, IER, 0x00);
    g_assert_false(qtest_get_irq(s, 4));
    /* FIFO mode shows in IIR bits 6-7 */
    wr(s, COM1, FCR, 0x01);
    wr(s, COM1, IER, 0x02);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc2);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc1);
    qtest_quit(s);
}

static void test_out2_gate(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    wr(s, COM1, IER, 0x02);
    /* pending, but OUT2 keeps it off the PIC */
    g_assert_false(qtest_get_irq(s, 4));
    wr(s, COM1, MCR, MCR_OUT2 | MCR_DTR);
    g_assert_true(qtest_get_irq(s, 4));
    wr(s, COM1, MCR, MCR_DTR);
    g_assert_false(qtest_get_irq(s, 4));
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x02);    /* still pending */
    wr(s, COM1, THR, 'x');
    wr(s, COM1, MCR, MCR_OUT2);
    g_assert_true(qtest_get_irq(s, 4));
    /* in loopback the OUT2 pin is inactive: no IRQ */
    wr(s, COM1, MCR, MCR_OUT2 | MCR_LOOP);
    g_assert_false(qtest_get_irq(s, 4));
    g_assert_cmpuint(qtest_irq_raises(s, 4), ==, 2);
    qtest_quit(s);
}

static void test_loopback_rx(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    setup_line(s, COM1);
    wr(s, COM1, MCR, MCR_LOOP | MCR_OUT2);
    wr(s, COM1, IER, 0x01);                         /* ERBFI */
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x01);
    wr(s, COM1, THR, 0x5a);
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x61);    /* DR */
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x04);    /* RX data */
    g_assert_false(qtest_get_irq(s, 4));            /* gated in loopback */
    /* out of loopback, OUT2 on: the pending interrupt reaches the PIC */
    wr(s, COM1, MCR, MCR_OUT2);
    g_assert_true(qtest_get_irq(s, 4));
    g_assert_cmphex(rd(s, COM1, RBR), ==, 0x5a);
    g_assert_false(qtest_get_irq(s, 4));
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x60);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x01);
    qtest_quit(s);
}

/* Loopback with FIFOs at each trigger level: RX data (IIR 4) at the
 * level, character timeout (IIR 0xC) below it after 4 characters. */
static void test_fifo_trigger_timeout(void)
{
    static const struct {
        uint8_t fcr;
        int level;
    } triggers[] = {
        { 0x07, 1 }, { 0x47, 4 }, { 0x87, 8 }, { 0xc7, 14 },
    };
    QTestState *s = qtest_init(NULL);

    setup_line(s, COM1);
    wr(s, COM1, MCR, MCR_LOOP);
    wr(s, COM1, IER, 0x01);
    for (size_t t = 0; t < G_N_ELEMENTS(triggers); t++) {
        int level = triggers[t].level;

        wr(s, COM1, FCR, triggers[t].fcr);
        g_assert_cmphex(rd(s, COM1, LSR), ==, 0x60);
        for (int i = 0; i < level - 1; i++) {
            wr(s, COM1, THR, 'A' + i);
        }
        if (level > 1) {
            g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc1);
            /* not before four character times... */
            qtest_clock_step(s, 4 * CHAR_NS - 1000);
            g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc1);
            /* ...but after them */
            qtest_clock_step(s, 2000);
            g_assert_cmphex(rd(s, COM1, IIR), ==, 0xcc);
        }
        wr(s, COM1, THR, 'A' + level - 1);
        g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc4);
        /* reading below the level, the interrupt goes; the timeout
         * starts again from the read */
        g_assert_cmphex(rd(s, COM1, RBR), ==, 'A');
        if (level > 1) {
            g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc1);
            qtest_clock_step(s, 4 * CHAR_NS + 1000);
            g_assert_cmphex(rd(s, COM1, IIR), ==, 0xcc);
            /* a read clears the timeout */
            g_assert_cmphex(rd(s, COM1, RBR), ==, 'B');
            if (level > 2) {
                g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc1);
            }
        } else {
            g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc1);
        }
    }
    /* FCR bit 1 empties the RX FIFO */
    wr(s, COM1, THR, 'z');
    wr(s, COM1, FCR, 0xc3);
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x60);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0xc1);
    qtest_quit(s);
}

static void test_overrun(void)
{
    QTestState *s = qtest_init(NULL);

    setup_line(s, COM1);
    wr(s, COM1, MCR, MCR_LOOP);
    wr(s, COM1, IER, 0x05);                         /* ERBFI | ELSI */
    /* 16450 mode: the second byte overwrites the first */
    wr(s, COM1, THR, '1');
    wr(s, COM1, THR, '2');
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x06);    /* line status first */
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x63);    /* OE | DR */
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x61);    /* OE clears on read */
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x04);
    g_assert_cmphex(rd(s, COM1, RBR), ==, '2');
    /* FIFO mode: 16 fit, the 17th is lost */
    wr(s, COM1, FCR, 0xc7);
    for (int i = 0; i < 17; i++) {
        wr(s, COM1, THR, 'a' + i);
    }
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x63);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(rd(s, COM1, RBR), ==, 'a' + i);
    }
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x60);
    qtest_quit(s);
}

static void test_break_loopback(void)
{
    QTestState *s = qtest_init(NULL);

    setup_line(s, COM1);
    wr(s, COM1, MCR, MCR_LOOP);
    wr(s, COM1, FCR, 0x07);
    wr(s, COM1, THR, 'k');
    wr(s, COM1, LCR, 0x43);                         /* set break */
    /* 'k' is at the top: no BI yet, but the FIFO holds an error */
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0xe1);
    g_assert_cmphex(rd(s, COM1, RBR), ==, 'k');
    /* the break character (0) reaches the top: BI */
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0xf1);
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0xe1);    /* BI read-cleared */
    g_assert_cmphex(rd(s, COM1, RBR), ==, 0x00);
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x60);
    wr(s, COM1, LCR, 0x03);
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0x60);
    qtest_quit(s);
}

static void test_msr_loopback(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    wr(s, COM1, MCR, MCR_LOOP);
    /* outputs off: inputs go low, all three deltas set (RI was low) */
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0x0b);
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0x00);    /* deltas read-clear */
    wr(s, COM1, IER, 0x08);                         /* EDSSI */
    wr(s, COM1, MCR, MCR_LOOP | MCR_RTS);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x00);    /* modem status */
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0x11);    /* CTS, DCTS */
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x01);
    wr(s, COM1, MCR, MCR_LOOP | MCR_DTR | MCR_OUT1 | MCR_OUT2);
    /* DSR DCD RI; CTS falls; no TERI on RI's rising edge */
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0xeb);
    wr(s, COM1, MCR, MCR_LOOP | MCR_DTR | MCR_OUT2);
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0xa4);    /* TERI */
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0xa0);
    /* the interrupt never left the chip: loopback gates it */
    g_assert_cmpuint(qtest_irq_raises(s, 4), ==, 0);
    wr(s, COM1, MCR, 0);
    g_assert_cmphex(rd(s, COM1, MSR), ==, 0xb1);    /* peer: CTS changed */
    qtest_quit(s);
}

static void test_priorities(void)
{
    QTestState *s = qtest_init(NULL);

    setup_line(s, COM1);
    wr(s, COM1, MCR, MCR_LOOP);
    wr(s, COM1, THR, '1');
    wr(s, COM1, THR, '2');                          /* overrun */
    wr(s, COM1, MCR, MCR_LOOP | MCR_RTS);           /* modem status */
    wr(s, COM1, IER, 0x0f);                         /* THRE pending too */
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x06);
    rd(s, COM1, LSR);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x04);
    rd(s, COM1, RBR);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x02);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x00);
    rd(s, COM1, MSR);
    g_assert_cmphex(rd(s, COM1, IIR), ==, 0x01);
    qtest_quit(s);
}

static void test_com_ports(void)
{
    static const struct {
        uint16_t base;
        int irq;
    } ports[] = { { COM1, 4 }, { COM2, 3 }, { COM3, 4 }, { COM4, 3 } };
    QTestState *s = qtest_init("-serial null -serial null -serial null "
                               "-serial null");

    qtest_irq_intercept_in(s, "i8259");
    for (size_t i = 0; i < G_N_ELEMENTS(ports); i++) {
        wr(s, ports[i].base, SCR, 0x10 + i);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ports); i++) {
        g_assert_cmphex(rd(s, ports[i].base, SCR), ==, 0x10 + i);
        g_assert_cmphex(rd(s, ports[i].base, LSR), ==, 0x60);
    }
    /* COM2 interrupts on IRQ 3, and only there */
    wr(s, COM2, MCR, MCR_OUT2);
    wr(s, COM2, IER, 0x02);
    g_assert_true(qtest_get_irq(s, 3));
    g_assert_false(qtest_get_irq(s, 4));
    rd(s, COM2, IIR);
    g_assert_false(qtest_get_irq(s, 3));
    /* COM4 too */
    wr(s, COM4, MCR, MCR_OUT2);
    wr(s, COM4, IER, 0x02);
    g_assert_true(qtest_get_irq(s, 3));
    rd(s, COM4, IIR);
    /* COM1 on IRQ 4 */
    wr(s, COM1, MCR, MCR_OUT2);
    wr(s, COM1, IER, 0x02);
    g_assert_true(qtest_get_irq(s, 4));
    g_assert_false(qtest_get_irq(s, 3));
    qtest_quit(s);

    /* one -serial: only COM1; "none" leaves a port out */
    s = qtest_init("-serial none -serial null");
    g_assert_cmphex(rd(s, COM1, LSR), ==, 0xff);
    g_assert_cmphex(rd(s, COM2, LSR), ==, 0x60);
    g_assert_cmphex(rd(s, COM3, LSR), ==, 0xff);
    qtest_quit(s);
}

/* Whatever a guest writes, bt86 keeps answering. */
static void test_write_anything(void)
{
    QTestState *s = qtest_init(NULL);

    for (int reg = 0; reg < 8; reg++) {
        for (int v = 0; v < 256; v += 17) {
            wr(s, COM1, reg, v);
            rd(s, COM1, reg);
        }
    }
    wr(s, COM1, LCR, 0x80);
    wr(s, COM1, DLL, 0);
    wr(s, COM1, DLM, 0);                            /* divisor 0 */
    wr(s, COM1, LCR, 0x03);
    wr(s, COM1, FCR, 0x01);
    wr(s, COM1, MCR, MCR_LOOP);
    wr(s, COM1, THR, 1);
    qtest_clock_step_next(s);                       /* the timeout fires */
    qtest_outw(s, COM1 + SCR, 0xabcd);
    qtest_inl(s, COM1 + LSR);
    g_assert_cmphex(rd(s, COM1, SCR), ==, 0xcd);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/reset-values", test_reset_values);
    g_test_add_func("/serial/scratch", test_scratch);
    g_test_add_func("/serial/divisor-latch", test_divisor_latch);
    g_test_add_func("/serial/thre-irq", test_thre_irq);
    g_test_add_func("/serial/out2-gate", test_out2_gate);
    g_test_add_func("/serial/loopback-rx", test_loopback_rx);
    g_test_add_func("/serial/fifo-trigger-timeout", test_fifo_trigger_timeout);
    g_test_add_func("/serial/overrun", test_overrun);
    g_test_add_func("/serial/break-loopback", test_break_loopback);
    g_test_add_func("/serial/msr-loopback", test_msr_loopback);
    g_test_add_func("/serial/priorities", test_priorities);
    g_test_add_func("/serial/com-ports", test_com_ports);
    g_test_add_func("/serial/write-anything", test_write_anything);
    return g_test_run();
}
