/*
 * The 8259A pair through the qtest protocol: inputs are driven with
 * set_irq_in, the master's INT output is watched with irq_intercept_out,
 * and interrupts are acknowledged with the poll command (OCW3 P), which
 * the datasheet defines as an INTA.
 */
#include "tests/qtest/libqtest.h"

#define MASTER 0x20
#define SLAVE  0xa0
#define ELCR0  0x4d0
#define ELCR1  0x4d1

#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define OCW3_POLL     0x0c
#define OCW2_EOI      0x20

/* The PC BIOS's programming: vectors 0x08/0x70, cascade on IR2. */
static void pic_init(QTestState *s, uint8_t icw4)
{
    qtest_outb(s, MASTER, 0x11);
    qtest_outb(s, MASTER + 1, 0x08);
    qtest_outb(s, MASTER + 1, 0x04);
    qtest_outb(s, MASTER + 1, icw4);
    qtest_outb(s, SLAVE, 0x11);
    qtest_outb(s, SLAVE + 1, 0x70);
    qtest_outb(s, SLAVE + 1, 0x02);
    qtest_outb(s, SLAVE + 1, icw4);
}

static QTestState *pic_start(uint8_t icw4)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_out(s, "i8259");
    pic_init(s, icw4);
    return s;
}

static void irq(QTestState *s, int n, int level)
{
    qtest_set_irq_in(s, "i8259", n, level);
}

static uint8_t reg(QTestState *s, uint16_t base, uint8_t ocw3)
{
    qtest_outb(s, base, ocw3);
    return qtest_inb(s, base);
}

static uint8_t poll_ack(QTestState *s, uint16_t base)
{
    qtest_outb(s, base, OCW3_POLL);
    return qtest_inb(s, base);
}

static void test_init_imr(void)
{
    QTestState *s = qtest_init(NULL);

    /* power-on: all masked */
    g_assert_cmphex(qtest_inb(s, MASTER + 1), ==, 0xff);
    g_assert_cmphex(qtest_inb(s, SLAVE + 1), ==, 0xff);
    pic_init(s, 0x01);
    /* ICW1 clears the IMR */
    g_assert_cmphex(qtest_inb(s, MASTER + 1), ==, 0x00);
    qtest_outb(s, MASTER + 1, 0xb8);
    qtest_outb(s, SLAVE + 1, 0x3c);
    g_assert_cmphex(qtest_inb(s, MASTER + 1), ==, 0xb8);
    g_assert_cmphex(qtest_inb(s, SLAVE + 1), ==, 0x3c);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_IRR), ==, 0);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0);
    qtest_quit(s);
}

static void test_edge_ack_eoi(void)
{
    QTestState *s = pic_start(0x01);

    g_assert_false(qtest_get_irq(s, 0));
    irq(s, 3, 1);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_IRR), ==, 0x08);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x83);
    g_assert_false(qtest_get_irq(s, 0));
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0x08);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_IRR), ==, 0x00);
    /* edge: the line still high after EOI requests nothing new */
    qtest_outb(s, MASTER, OCW2_EOI);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0x00);
    g_assert_false(qtest_get_irq(s, 0));
    /* a new edge does */
    irq(s, 3, 0);
    irq(s, 3, 1);
    g_assert_true(qtest_get_irq(s, 0));
    /* poll with nothing else pending after the ack: no interrupt */
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x83);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x00);
    qtest_quit(s);
}

static void test_mask(void)
{
    QTestState *s = pic_start(0x01);

    qtest_outb(s, MASTER + 1, 0x10);       /* mask IRQ 4 */
    irq(s, 4, 1);
    g_assert_false(qtest_get_irq(s, 0));
    /* the request is latched in IRR while masked */
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_IRR), ==, 0x10);
    qtest_outb(s, MASTER + 1, 0x00);
    g_assert_true(qtest_get_irq(s, 0));
    qtest_outb(s, MASTER + 1, 0x10);
    g_assert_false(qtest_get_irq(s, 0));
    qtest_quit(s);
}

static void test_priority_nesting(void)
{
    QTestState *s = pic_start(0x01);

    irq(s, 5, 1);
    irq(s, 3, 1);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x83);
    /* IRQ 5 is lower priority than 3 in service: held off */
    g_assert_false(qtest_get_irq(s, 0));
    /* IRQ 1 is higher: nests */
    irq(s, 1, 1);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x81);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0x0a);
    /* non-specific EOI ends the highest in service (1), then 3 */
    qtest_outb(s, MASTER, OCW2_EOI);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0x08);
    g_assert_false(qtest_get_irq(s, 0));
    qtest_outb(s, MASTER, OCW2_EOI);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x85);
    qtest_quit(s);
}

static void test_specific_eoi_rotate(void)
{
    QTestState *s = pic_start(0x01);

    irq(s, 6, 1);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x86);
    qtest_outb(s, MASTER, 0x60 | 6);        /* specific EOI, level 6 */
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0);
    /* set priority: IR4 lowest, so IR5 is now the highest */
    qtest_outb(s, MASTER, 0xc0 | 4);
    irq(s, 1, 1);
    irq(s, 5, 1);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x85);
    /* rotate on non-specific EOI: 5 becomes lowest, 6 highest */
    qtest_outb(s, MASTER, 0xa0);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x81);
    qtest_outb(s, MASTER, OCW2_EOI);
    irq(s, 5, 0);
    irq(s, 5, 1);
    irq(s, 7, 1);
    /* order after rotation: 6 7 0 1 2 3 4 5 */
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x87);
    qtest_quit(s);
}

static void test_cascade(void)
{
    QTestState *s = pic_start(0x01);

    irq(s, 10, 1);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmphex(reg(s, SLAVE, OCW3_READ_IRR), ==, 0x04);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_IRR), ==, 0x04);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x82);
    g_assert_cmphex(poll_ack(s, SLAVE), ==, 0x82);
    g_assert_cmphex(reg(s, SLAVE, OCW3_READ_ISR), ==, 0x04);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0x04);
    /* the slave masked: nothing reaches the master */
    qtest_outb(s, SLAVE, OCW2_EOI);
    qtest_outb(s, MASTER, OCW2_EOI);
    qtest_outb(s, SLAVE + 1, 0x80);
    irq(s, 15, 1);
    g_assert_false(qtest_get_irq(s, 0));
    qtest_outb(s, SLAVE + 1, 0x00);
    g_assert_true(qtest_get_irq(s, 0));
    qtest_quit(s);
}

static void test_level_elcr(void)
{
    QTestState *s = pic_start(0x01);

    /* IRQ 0, 1, 2, 8 and 13 are always edge */
    qtest_outb(s, ELCR0, 0xff);
    qtest_outb(s, ELCR1, 0xff);
    g_assert_cmphex(qtest_inb(s, ELCR0), ==, 0xf8);
    g_assert_cmphex(qtest_inb(s, ELCR1), ==, 0xde);
    qtest_outb(s, ELCR0, 0x20);             /* IRQ 5 level */
    qtest_outb(s, ELCR1, 0x00);
    irq(s, 5, 1);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x85);
    /* still asserted: requested again once EOI lets it through */
    g_assert_false(qtest_get_irq(s, 0));
    qtest_outb(s, MASTER, OCW2_EOI);
    g_assert_true(qtest_get_irq(s, 0));
    /* the device lowers the line: the request goes away */
    irq(s, 5, 0);
    g_assert_false(qtest_get_irq(s, 0));
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_IRR), ==, 0x00);
    qtest_quit(s);
}

static void test_auto_eoi(void)
{
    QTestState *s = pic_start(0x03);        /* 8086 mode, AEOI */

    irq(s, 4, 1);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x84);
    g_assert_cmphex(reg(s, MASTER, OCW3_READ_ISR), ==, 0x00);
    /* nothing in service: a lower request goes straight through */
    irq(s, 6, 1);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x86);
    qtest_quit(s);
}

static void test_special_mask(void)
{
    QTestState *s = pic_start(0x01);

    irq(s, 3, 1);
    g_assert_cmphex(poll_ack(s, MASTER), ==, 0x83);
    irq(s, 6, 1);
    g_assert_false(qtest_get_irq(s, 0));
    /* special mask mode + IR3 masked: lower levels are enabled */
    qtest_outb(s, MASTER + 1, 0x08);
    qtest_outb(s, MASTER, 0x68);
    g_assert_true(qtest_get_irq(s, 0));
    qtest_outb(s, MASTER, 0x48);            /* reset special mask */
    g_assert_false(qtest_get_irq(s, 0));
    qtest_quit(s);
}

static void test_pit_to_irq0(void)
{
    QTestState *s = qtest_init(NULL);

    /* Intercept the inputs instead: the PIT's OUT 0 shows as IRQ 0. */
    qtest_irq_intercept_in(s, "i8259");
    qtest_outb(s, 0x43, 0x34);              /* counter 0, mode 2 */
    qtest_outb(s, 0x40, 100);
    qtest_outb(s, 0x40, 0);
    g_assert_true(qtest_get_irq(s, 0));
    unsigned before = qtest_irq_raises(s, 0);
    qtest_clock_step(s, 1000000);           /* 1 ms: ~11.9 periods */
    g_assert_cmpuint(qtest_irq_raises(s, 0) - before, ==, 11);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8259/init-imr", test_init_imr);
    g_test_add_func("/i8259/edge-ack-eoi", test_edge_ack_eoi);
    g_test_add_func("/i8259/mask", test_mask);
    g_test_add_func("/i8259/priority-nesting", test_priority_nesting);
    g_test_add_func("/i8259/specific-eoi-rotate", test_specific_eoi_rotate);
    g_test_add_func("/i8259/cascade", test_cascade);
    g_test_add_func("/i8259/level-elcr", test_level_elcr);
    g_test_add_func("/i8259/auto-eoi", test_auto_eoi);
    g_test_add_func("/i8259/special-mask", test_special_mask);
    g_test_add_func("/i8259/pit-to-irq0", test_pit_to_irq0);
    return g_test_run();
}
