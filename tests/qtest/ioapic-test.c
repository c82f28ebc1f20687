/*
 * The I/O APIC through the qtest protocol: its registers through IOREGSEL
 * and IOWIN at 0xFEC00000 (82093AA datasheet), its pins driven with
 * set_irq_in "ioapic" (or by the PIT, through the board's wiring), and
 * what it delivers seen in the local APIC's IRR/TMR at 0xFEE00000.
 *
 * The CPU does not run here, so no interrupt ever becomes in service and
 * the EOI that clears remote IRR is checked by the apic-timer bare-metal
 * kernel instead.
 */
#include "tests/qtest/libqtest.h"

#define IOAPIC_BASE 0xFEC00000ull
#define IOREGSEL    (IOAPIC_BASE + 0x00)
#define IOWIN       (IOAPIC_BASE + 0x10)
#define REDTBL(pin) (0x10 + 2 * (pin))

#define REDIR_LOGICAL    (1u << 11)
#define REDIR_POL_LOW    (1u << 13)
#define REDIR_REMOTE_IRR (1u << 14)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_MASKED     (1u << 16)
#define REDIR_EXTINT     (7u << 8)

#define APIC_BASE 0xFEE00000ull
#define APIC_LDR  0x0D0
#define APIC_SVR  0x0F0
#define APIC_TMR  0x180
#define APIC_IRR  0x200
#define APIC_ESR  0x280
#define APIC_EOI  0x0B0

static uint32_t io_rd(QTestState *s, uint8_t reg)
{
    qtest_writel(s, IOREGSEL, reg);
    return qtest_readl(s, IOWIN);
}

static void io_wr(QTestState *s, uint8_t reg, uint32_t v)
{
    qtest_writel(s, IOREGSEL, reg);
    qtest_writel(s, IOWIN, v);
}

static void redir(QTestState *s, int pin, uint32_t low, uint8_t dest)
{
    io_wr(s, REDTBL(pin) + 1, (uint32_t)dest << 24);
    io_wr(s, REDTBL(pin), low);
}

static bool apic_vec(QTestState *s, uint32_t reg, int v)
{
    return qtest_readl(s, APIC_BASE + reg + 0x10 * (v / 32)) &
           (1u << (v % 32));
}

static void pin(QTestState *s, int n, int level)
{
    qtest_set_irq_in(s, "ioapic", n, level);
}

/* A local APIC that accepts fixed interrupts */
static QTestState *ioapic_start(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_writel(s, APIC_BASE + APIC_SVR, 0x1FF);
    return s;
}

static void test_id_version(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(io_rd(s, 0x00), ==, 0);
    /* 24 entries (max redirection entry 23), version 0x11 */
    g_assert_cmphex(io_rd(s, 0x01), ==, 0x00170011);
    io_wr(s, 0x00, 0xFFFFFFFF);
    g_assert_cmphex(io_rd(s, 0x00), ==, 0x0F000000);
    /* the arbitration ID follows the ID */
    g_assert_cmphex(io_rd(s, 0x02), ==, 0x0F000000);
    io_wr(s, 0x01, 0);
    g_assert_cmphex(io_rd(s, 0x01), ==, 0x00170011);
    /* IOREGSEL reads back; registers past the table read 0 */
    qtest_writel(s, IOREGSEL, 0x3F);
    g_assert_cmphex(qtest_readl(s, IOREGSEL), ==, 0x3F);
    g_assert_cmphex(io_rd(s, 0x40), ==, 0);
    g_assert_cmphex(io_rd(s, 0xFF), ==, 0);
    qtest_quit(s);
}

static void test_redir_reset_readback(void)
{
    QTestState *s = qtest_init(NULL);

    for (int i = 0; i < 24; i++) {
        g_assert_cmphex(io_rd(s, REDTBL(i)), ==, REDIR_MASKED);
        g_assert_cmphex(io_rd(s, REDTBL(i) + 1), ==, 0);
    }
    /* delivery status and remote IRR are read-only, bits 17-55 unused */
    io_wr(s, REDTBL(7), 0xFFFFFFFF);
    io_wr(s, REDTBL(7) + 1, 0xFFFFFFFF);
    g_assert_cmphex(io_rd(s, REDTBL(7)), ==, 0x1AFFF);
    g_assert_cmphex(io_rd(s, REDTBL(7) + 1), ==, 0xFF000000);
    /* neighbours untouched */
    g_assert_cmphex(io_rd(s, REDTBL(6)), ==, REDIR_MASKED);
    g_assert_cmphex(io_rd(s, REDTBL(8)), ==, REDIR_MASKED);
    qtest_quit(s);
}

static void test_edge_delivery(void)
{
    QTestState *s = ioapic_start();

    redir(s, 4, 0x44, 0);
    pin(s, 4, 1);
    g_assert_true(apic_vec(s, APIC_IRR, 0x44));
    g_assert_false(apic_vec(s, APIC_TMR, 0x44));
    /* edge: no remote IRR */
    g_assert_cmphex(io_rd(s, REDTBL(4)), ==, 0x44);
    qtest_quit(s);
}

static void test_masked_edge_lost(void)
{
    QTestState *s = ioapic_start();

    redir(s, 5, REDIR_MASKED | 0x45, 0);
    pin(s, 5, 1);
    g_assert_false(apic_vec(s, APIC_IRR, 0x45));
    redir(s, 5, 0x45, 0);
    g_assert_false(apic_vec(s, APIC_IRR, 0x45));
    /* the next edge gets through */
    pin(s, 5, 0);
    pin(s, 5, 1);
    g_assert_true(apic_vec(s, APIC_IRR, 0x45));
    qtest_quit(s);
}

static void test_level_remote_irr(void)
{
    QTestState *s = ioapic_start();

    redir(s, 9, REDIR_LEVEL | 0x59, 0);
    pin(s, 9, 1);
    g_assert_true(apic_vec(s, APIC_IRR, 0x59));
    g_assert_true(apic_vec(s, APIC_TMR, 0x59));
    g_assert_cmphex(io_rd(s, REDTBL(9)), ==,
                    REDIR_REMOTE_IRR | REDIR_LEVEL | 0x59);
    /* an EOI with nothing in service broadcasts nothing */
    qtest_writel(s, APIC_BASE + APIC_EOI, 0);
    g_assert_cmphex(io_rd(s, REDTBL(9)) & REDIR_REMOTE_IRR, ==,
                    REDIR_REMOTE_IRR);
    /* rewriting the entry keeps remote IRR; switching to edge clears it */
    redir(s, 9, REDIR_LEVEL | 0x59, 0);
    g_assert_cmphex(io_rd(s, REDTBL(9)) & REDIR_REMOTE_IRR, ==,
                    REDIR_REMOTE_IRR);
    redir(s, 9, 0x59, 0);
    g_assert_cmphex(io_rd(s, REDTBL(9)), ==, 0x59);
    qtest_quit(s);
}

static void test_level_unmask(void)
{
    QTestState *s = ioapic_start();

    redir(s, 10, REDIR_MASKED | REDIR_LEVEL | 0x5A, 0);
    pin(s, 10, 1);
    g_assert_false(apic_vec(s, APIC_IRR, 0x5A));
    g_assert_cmphex(io_rd(s, REDTBL(10)) & REDIR_REMOTE_IRR, ==, 0);
    /* a level still asserted is delivered when unmasked */
    redir(s, 10, REDIR_LEVEL | 0x5A, 0);
    g_assert_true(apic_vec(s, APIC_IRR, 0x5A));
    g_assert_cmphex(io_rd(s, REDTBL(10)) & REDIR_REMOTE_IRR, ==,
                    REDIR_REMOTE_IRR);
    qtest_quit(s);
}

static void test_polarity_low(void)
{
    QTestState *s = ioapic_start();

    /* active low: a line at 0 is asserted */
    redir(s, 11, REDIR_POL_LOW | REDIR_LEVEL | 0x5B, 0);
    g_assert_true(apic_vec(s, APIC_IRR, 0x5B));
    /* edge, active low: the falling edge interrupts */
    redir(s, 12, REDIR_POL_LOW | 0x5C, 0);
    pin(s, 12, 1);
    g_assert_false(apic_vec(s, APIC_IRR, 0x5C));
    pin(s, 12, 0);
    g_assert_true(apic_vec(s, APIC_IRR, 0x5C));
    qtest_quit(s);
}

static void test_destinations(void)
{
    QTestState *s = ioapic_start();

    /* physical: APIC ID 0 and broadcast 0xFF reach it, 1 does not */
    redir(s, 13, 0x61, 1);
    pin(s, 13, 1);
    g_assert_false(apic_vec(s, APIC_IRR, 0x61));
    redir(s, 14, 0x62, 0xFF);
    pin(s, 14, 1);
    g_assert_true(apic_vec(s, APIC_IRR, 0x62));
    /* logical, flat model: LDR bit 1 */
    qtest_writel(s, APIC_BASE + APIC_LDR, 0x02000000);
    redir(s, 15, REDIR_LOGICAL | 0x63, 0x01);
    pin(s, 15, 1);
    g_assert_false(apic_vec(s, APIC_IRR, 0x63));
    redir(s, 20, REDIR_LOGICAL | 0x64, 0x06);
    pin(s, 20, 1);
    g_assert_true(apic_vec(s, APIC_IRR, 0x64));
    qtest_quit(s);
}

static void test_illegal_vector(void)
{
    QTestState *s = ioapic_start();

    redir(s, 21, 0x05, 0);
    pin(s, 21, 1);
    qtest_writel(s, APIC_BASE + APIC_ESR, 0);
    /* receive illegal vector */
    g_assert_cmphex(qtest_readl(s, APIC_BASE + APIC_ESR), ==, 0x40);
    qtest_quit(s);
}

/* A software-disabled local APIC refuses fixed interrupts: no remote IRR. */
static void test_apic_disabled(void)
{
    QTestState *s = qtest_init(NULL);

    redir(s, 22, REDIR_LEVEL | 0x68, 0);
    pin(s, 22, 1);
    g_assert_false(apic_vec(s, APIC_IRR, 0x68));
    g_assert_cmphex(io_rd(s, REDTBL(22)) & REDIR_REMOTE_IRR, ==, 0);
    /* enabling the APIC does not replay it; re-arming the entry does */
    qtest_writel(s, APIC_BASE + APIC_SVR, 0x1FF);
    g_assert_false(apic_vec(s, APIC_IRR, 0x68));
    redir(s, 22, REDIR_LEVEL | 0x68, 0);
    g_assert_true(apic_vec(s, APIC_IRR, 0x68));
    qtest_quit(s);
}

/* The board: ISA IRQ 0 (the PIT) reaches pin 2, not pin 0. */
static void test_pit_on_pin2(void)
{
    QTestState *s = ioapic_start();

    redir(s, 0, 0x70, 0);
    redir(s, 2, 0x72, 0);
    /* counter 0, mode 0: OUT rises at the terminal count */
    qtest_outb(s, 0x43, 0x30);
    qtest_outb(s, 0x40, 100);
    qtest_outb(s, 0x40, 0);
    g_assert_false(apic_vec(s, APIC_IRR, 0x72));
    qtest_clock_step(s, 1000000);
    g_assert_true(apic_vec(s, APIC_IRR, 0x72));
    g_assert_false(apic_vec(s, APIC_IRR, 0x70));
    qtest_quit(s);
}

/* ExtINT from a pin: the CPU is told to ask the 8259. */
static void test_extint(void)
{
    QTestState *s = ioapic_start();

    qtest_irq_intercept_out(s, "apic");
    qtest_writel(s, APIC_BASE + 0x350, 0x10700);   /* LINT0 masked */
    redir(s, 0, REDIR_EXTINT, 0);
    g_assert_false(qtest_get_irq(s, 0));
    pin(s, 0, 1);
    g_assert_true(qtest_get_irq(s, 0));
    qtest_quit(s);
}

/* Any value in any register, pins toggling: bt86 survives. */
static void test_write_everything(void)
{
    QTestState *s = ioapic_start();
    static const uint32_t values[] = { 0xFFFFFFFF, 0, 0x0000A055 };

    for (size_t v = 0; v < G_N_ELEMENTS(values); v++) {
        for (int reg = 0; reg < 256; reg++) {
            io_wr(s, reg, values[v]);
            io_rd(s, reg);
        }
        for (int p = 0; p < 24; p++) {
            pin(s, p, 1);
            pin(s, p, 0);
        }
        qtest_writel(s, APIC_BASE + APIC_EOI, 0);
        for (uint32_t off = 0; off < 0x1000; off += 4) {
            qtest_writel(s, IOAPIC_BASE + off, values[v]);
            qtest_readl(s, IOAPIC_BASE + off);
        }
    }
    g_assert_cmphex(io_rd(s, 0x01), ==, 0x00170011);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/id-version", test_id_version);
    g_test_add_func("/ioapic/redir-reset-readback",
                    test_redir_reset_readback);
    g_test_add_func("/ioapic/edge-delivery", test_edge_delivery);
    g_test_add_func("/ioapic/masked-edge-lost", test_masked_edge_lost);
    g_test_add_func("/ioapic/level-remote-irr", test_level_remote_irr);
    g_test_add_func("/ioapic/level-unmask", test_level_unmask);
    g_test_add_func("/ioapic/polarity-low", test_polarity_low);
    g_test_add_func("/ioapic/destinations", test_destinations);
    g_test_add_func("/ioapic/illegal-vector", test_illegal_vector);
    g_test_add_func("/ioapic/apic-disabled", test_apic_disabled);
    g_test_add_func("/ioapic/pit-on-pin2", test_pit_on_pin2);
    g_test_add_func("/ioapic/extint", test_extint);
    g_test_add_func("/ioapic/write-everything", test_write_everything);
    return g_test_run();
}
