/*
 * The 8254 PIT through the qtest protocol. Time is the qtest clock, so
 * counts are exact: n cycles of 1.193182 MHz are PIT_NS(n) nanoseconds.
 */
#include "tests/qtest/libqtest.h"

#define PIT_FREQ 1193182ll
/* The first nanosecond at which n cycles have elapsed */
#define PIT_NS(n) (((n) * 1000000000ll + PIT_FREQ - 1) / PIT_FREQ)

#define PIT_CH(n) (0x40 + (n))
#define PIT_CW    0x43
#define PORT61    0x61

static uint16_t latch_read(QTestState *s, int ch)
{
    qtest_outb(s, PIT_CW, ch << 6);         /* counter latch */
    uint8_t lo = qtest_inb(s, PIT_CH(ch));
    return lo | qtest_inb(s, PIT_CH(ch)) << 8;
}

static void load(QTestState *s, int ch, int mode, uint16_t count)
{
    qtest_outb(s, PIT_CW, ch << 6 | 0x30 | mode << 1);
    qtest_outb(s, PIT_CH(ch), count & 0xff);
    qtest_outb(s, PIT_CH(ch), count >> 8);
}

static uint8_t status(QTestState *s, int ch)
{
    qtest_outb(s, PIT_CW, 0xe0 | 2 << ch);  /* read-back: status only */
    return qtest_inb(s, PIT_CH(ch));
}

static void test_mode2_count(void)
{
    QTestState *s = qtest_init(NULL);

    load(s, 0, 2, 1000);
    g_assert_cmpuint(latch_read(s, 0), ==, 1000);
    qtest_clock_step(s, PIT_NS(300));
    g_assert_cmpuint(latch_read(s, 0), ==, 700);
    /* reloads every 1000 cycles */
    qtest_clock_step(s, PIT_NS(1300) - PIT_NS(300));
    g_assert_cmpuint(latch_read(s, 0), ==, 700);
    qtest_quit(s);
}

static void test_latch_holds(void)
{
    QTestState *s = qtest_init(NULL);

    load(s, 0, 2, 0);                       /* 0 = 65536 */
    qtest_clock_step(s, PIT_NS(16));
    qtest_outb(s, PIT_CW, 0x00);
    qtest_clock_step(s, PIT_NS(500));
    /* a second latch before the first is read is ignored */
    qtest_outb(s, PIT_CW, 0x00);
    uint8_t lo = qtest_inb(s, PIT_CH(0));
    uint8_t hi = qtest_inb(s, PIT_CH(0));
    g_assert_cmpuint(lo | hi << 8, ==, 65536 - 16);
    /* unlatched reads follow the live count */
    lo = qtest_inb(s, PIT_CH(0));
    hi = qtest_inb(s, PIT_CH(0));
    g_assert_cmpuint(lo | hi << 8, ==, 65536 - 516);
    qtest_quit(s);
}

static void test_access_modes(void)
{
    QTestState *s = qtest_init(NULL);

    /* LSB only: the MSB is 0 */
    qtest_outb(s, PIT_CW, 0x10 | 2 << 1);
    qtest_outb(s, PIT_CH(0), 200);
    qtest_clock_step(s, PIT_NS(50));
    qtest_outb(s, PIT_CW, 0x00);
    g_assert_cmpuint(qtest_inb(s, PIT_CH(0)), ==, 150);
    /* MSB only: the LSB is 0 */
    qtest_outb(s, PIT_CW, 0x40 | 0x20 | 2 << 1);
    qtest_outb(s, PIT_CH(1), 0x12);
    qtest_clock_step(s, PIT_NS(0x100));
    qtest_outb(s, PIT_CW, 0x40);
    g_assert_cmphex(qtest_inb(s, PIT_CH(1)), ==, 0x11);
    qtest_quit(s);
}

static void test_bcd(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_outb(s, PIT_CW, 0x30 | 2 << 1 | 1);
    qtest_outb(s, PIT_CH(0), 0x00);
    qtest_outb(s, PIT_CH(0), 0x10);         /* BCD 1000 */
    qtest_clock_step(s, PIT_NS(1));
    g_assert_cmphex(latch_read(s, 0), ==, 0x0999);
    qtest_clock_step(s, PIT_NS(124) - PIT_NS(1));
    g_assert_cmphex(latch_read(s, 0), ==, 0x0876);
    qtest_quit(s);
}

static void test_readback_status(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_outb(s, PIT_CW, 0x30 | 0 << 1);   /* mode 0, LSB/MSB */
    /* null count until a count is written; OUT low in mode 0 */
    g_assert_cmphex(status(s, 0), ==, 0x40 | 0x30);
    qtest_outb(s, PIT_CH(0), 10);
    qtest_outb(s, PIT_CH(0), 0);
    g_assert_cmphex(status(s, 0), ==, 0x30);
    qtest_clock_step(s, PIT_NS(10));
    g_assert_cmphex(status(s, 0), ==, 0x80 | 0x30);
    /* status and count together: status first, then the count */
    qtest_outb(s, PIT_CW, 0xc0 | 2);
    g_assert_cmphex(qtest_inb(s, PIT_CH(0)), ==, 0xb0);
    g_assert_cmphex(qtest_inb(s, PIT_CH(0)), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, PIT_CH(0)), ==, 0x00);
    /* mode 3 BCD on counter 1 */
    qtest_outb(s, PIT_CW, 0x40 | 0x30 | 3 << 1 | 1);
    g_assert_cmphex(status(s, 1) & 0x3f, ==, 0x37);
    qtest_quit(s);
}

static void test_mode0_irq(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    load(s, 0, 0, 500);
    g_assert_false(qtest_get_irq(s, 0));
    int64_t t = qtest_clock_step_next(s);
    g_assert_cmpint(t, ==, PIT_NS(500));
    g_assert_true(qtest_get_irq(s, 0));
    /* one shot: no further deadline from the PIT */
    g_assert_cmpint(qtest_clock_step_next(s), ==, t);
    g_assert_true(qtest_get_irq(s, 0));
    /* the counter wraps past 0 and keeps counting */
    qtest_clock_step(s, PIT_NS(600) - t);
    g_assert_cmpuint(latch_read(s, 0), ==, 65536 - 100);
    qtest_quit(s);
}

static void test_mode2_irq(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    load(s, 0, 2, 1193);                    /* ~1 kHz */
    g_assert_true(qtest_get_irq(s, 0));
    /* low for the one cycle where the count is 1 */
    g_assert_cmpint(qtest_clock_step_next(s), ==, PIT_NS(1192));
    g_assert_false(qtest_get_irq(s, 0));
    g_assert_cmpint(qtest_clock_step_next(s), ==, PIT_NS(1193));
    g_assert_true(qtest_get_irq(s, 0));
    unsigned n = qtest_irq_raises(s, 0);
    qtest_clock_step(s, 100000000 - PIT_NS(1193));  /* to 100 ms */
    g_assert_cmpuint(qtest_irq_raises(s, 0) - n, ==, 99);
    qtest_quit(s);
}

static void test_mode3_square(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    load(s, 0, 3, 101);                     /* odd: 51 high, 50 low */
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmpint(qtest_clock_step_next(s), ==, PIT_NS(51));
    g_assert_false(qtest_get_irq(s, 0));
    g_assert_cmpint(qtest_clock_step_next(s), ==, PIT_NS(101));
    g_assert_true(qtest_get_irq(s, 0));
    qtest_quit(s);
}

static void test_counter2_gate(void)
{
    QTestState *s = qtest_init(NULL);

    /* gate low: mode 0 does not count */
    qtest_outb(s, PORT61, 0x00);
    load(s, 2, 0, 100);
    qtest_clock_step(s, PIT_NS(1000));
    g_assert_cmpuint(latch_read(s, 2), ==, 100);
    g_assert_cmphex(qtest_inb(s, PORT61) & 0x20, ==, 0);
    /* gate high: counts, OUT (port 0x61 bit 5) rises at terminal count */
    qtest_outb(s, PORT61, 0x01);
    g_assert_cmphex(qtest_inb(s, PORT61) & 0x03, ==, 0x01);
    qtest_clock_step(s, PIT_NS(40));
    g_assert_cmpuint(latch_read(s, 2), ==, 60);
    /* gate low again: frozen */
    qtest_outb(s, PORT61, 0x00);
    qtest_clock_step(s, PIT_NS(1000));
    g_assert_cmpuint(latch_read(s, 2), ==, 60);
    qtest_outb(s, PORT61, 0x01);
    qtest_clock_step(s, PIT_NS(61));
    g_assert_cmphex(qtest_inb(s, PORT61) & 0x20, ==, 0x20);
    qtest_quit(s);
}

static void test_mode1_trigger(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_outb(s, PORT61, 0x00);
    load(s, 2, 1, 50);
    /* OUT high, waiting for the gate's rising edge */
    g_assert_cmphex(qtest_inb(s, PORT61) & 0x20, ==, 0x20);
    qtest_outb(s, PORT61, 0x01);
    g_assert_cmphex(qtest_inb(s, PORT61) & 0x20, ==, 0x00);
    qtest_clock_step(s, PIT_NS(50));
    g_assert_cmphex(qtest_inb(s, PORT61) & 0x20, ==, 0x20);
    /* retrigger */
    qtest_outb(s, PORT61, 0x00);
    qtest_outb(s, PORT61, 0x01);
    g_assert_cmphex(qtest_inb(s, PORT61) & 0x20, ==, 0x00);
    qtest_quit(s);
}

static void test_mode4_strobe(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    load(s, 0, 4, 20);
    g_assert_true(qtest_get_irq(s, 0));
    g_assert_cmpint(qtest_clock_step_next(s), ==, PIT_NS(20));
    g_assert_false(qtest_get_irq(s, 0));
    g_assert_cmpint(qtest_clock_step_next(s), ==, PIT_NS(21));
    g_assert_true(qtest_get_irq(s, 0));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8254/mode2-count", test_mode2_count);
    g_test_add_func("/i8254/latch-holds", test_latch_holds);
    g_test_add_func("/i8254/access-modes", test_access_modes);
    g_test_add_func("/i8254/bcd", test_bcd);
    g_test_add_func("/i8254/readback-status", test_readback_status);
    g_test_add_func("/i8254/mode0-irq", test_mode0_irq);
    g_test_add_func("/i8254/mode2-irq", test_mode2_irq);
    g_test_add_func("/i8254/mode3-square", test_mode3_square);
    g_test_add_func("/i8254/counter2-gate", test_counter2_gate);
    g_test_add_func("/i8254/mode1-trigger", test_mode1_trigger);
    g_test_add_func("/i8254/mode4-strobe", test_mode4_strobe);
    return g_test_run();
}
