/*
 * The 8259 pair's interrupt acknowledge (pic_get_interrupt), which the
 * qtest protocol cannot reach: vectors, cascade, spurious IRQ 7/15.
 */
#include <glib.h>

#include "hw/intc/i8259.h"

typedef struct Fixture {
    IOSpace io;
    IRQLine intr;
    int intr_level;
    PICState *pic;
} Fixture;

static void on_intr(void *opaque, int n, int level)
{
    Fixture *f = opaque;

    f->intr_level = level;
}

static Fixture *fixture_new(uint8_t icw4)
{
    Fixture *f = g_new0(Fixture, 1);

    irq_init(&f->intr, on_intr, f, 0);
    f->pic = pic_create(&f->io, &f->intr);
    static const uint8_t master[] = { 0x11, 0x20, 0x04 };
    static const uint8_t slave[] = { 0x11, 0x28, 0x02 };
    for (int i = 0; i < 3; i++) {
        io_write(&f->io, 0x20 + (i > 0), master[i], 1);
    }
    io_write(&f->io, 0x21, icw4, 1);
    for (int i = 0; i < 3; i++) {
        io_write(&f->io, 0xa0 + (i > 0), slave[i], 1);
    }
    io_write(&f->io, 0xa1, icw4, 1);
    return f;
}

static void test_vectors(void)
{
    Fixture *f = fixture_new(0x01);

    irq_set(pic_irq_line(f->pic, 1), 1);
    g_assert_cmpint(f->intr_level, ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x21);
    g_assert_cmpint(f->intr_level, ==, 0);
    io_write(&f->io, 0x20, 0x20, 1);        /* EOI */

    irq_set(pic_irq_line(f->pic, 12), 1);
    g_assert_cmpint(f->intr_level, ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x2c);
    /* both chips have it in service */
    io_write(&f->io, 0xa0, 0x0b, 1);
    g_assert_cmphex(io_read(&f->io, 0xa0, 1), ==, 0x10);
    io_write(&f->io, 0x20, 0x0b, 1);
    g_assert_cmphex(io_read(&f->io, 0x20, 1), ==, 0x04);
    g_free(f);
}

static void test_spurious(void)
{
    Fixture *f = fixture_new(0x01);

    /* nothing pending at INTA: IR7 of the master, and no ISR bit */
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x27);
    io_write(&f->io, 0x20, 0x0b, 1);
    g_assert_cmphex(io_read(&f->io, 0x20, 1), ==, 0x00);

    /* a level request withdrawn before INTA, through the cascade:
     * the slave answers its IR7 (IRQ 15) while the master's IR2 is
     * in service. Simulated by masking the slave's request after the
     * master latched the cascade edge. */
    irq_set(pic_irq_line(f->pic, 9), 1);
    io_write(&f->io, 0xa1, 0x02, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x2f);
    io_write(&f->io, 0xa0, 0x0b, 1);
    g_assert_cmphex(io_read(&f->io, 0xa0, 1), ==, 0x00);
    g_free(f);
}

static void test_auto_eoi_vectors(void)
{
    Fixture *f = fixture_new(0x03);

    irq_set(pic_irq_line(f->pic, 0), 1);
    irq_set(pic_irq_line(f->pic, 5), 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x20);
    g_assert_cmpint(f->intr_level, ==, 1);
    g_assert_cmpint(pic_get_interrupt(f->pic), ==, 0x25);
    g_assert_cmpint(f->intr_level, ==, 0);
    g_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8259/vectors", test_vectors);
    g_test_add_func("/i8259/spurious", test_spurious);
    g_test_add_func("/i8259/auto-eoi-vectors", test_auto_eoi_vectors);
    return g_test_run();
}
