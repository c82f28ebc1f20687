/*
 * The qtest protocol itself: every command's reply, the errors, and a
 * bounded fuzz of random and malformed lines that bt86 must survive.
 */
#include <string.h>

#include "tests/qtest/libqtest.h"

static void assert_reply(QTestState *s, const char *cmd, const char *want)
{
    g_autofree char *reply = qtest_cmd(s, "%s", cmd);

    g_assert_cmpstr(reply, ==, want);
}

static void assert_fail(QTestState *s, const char *cmd)
{
    g_autofree char *reply = qtest_cmd(s, "%s", cmd);

    if (!g_str_has_prefix(reply, "FAIL ")) {
        g_error("'%s' got '%s', expected FAIL", cmd, reply);
    }
}

static void test_memory_commands(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_writeb(s, 0x1000, 0x12);
    qtest_writew(s, 0x1002, 0x3456);
    qtest_writel(s, 0x1004, 0x789abcde);
    qtest_writeq(s, 0x1008, 0x0123456789abcdefull);
    g_assert_cmphex(qtest_readb(s, 0x1000), ==, 0x12);
    g_assert_cmphex(qtest_readw(s, 0x1002), ==, 0x3456);
    g_assert_cmphex(qtest_readl(s, 0x1004), ==, 0x789abcde);
    g_assert_cmphex(qtest_readq(s, 0x1008), ==, 0x0123456789abcdefull);
    /* little-endian view across sizes */
    g_assert_cmphex(qtest_readq(s, 0x1000), ==, 0x789abcde34560012ull);
    assert_reply(s, "readb 0x1000", "OK 0x12");
    assert_reply(s, "readw 4098", "OK 0x3456");
    assert_reply(s, "readl 0x1004", "OK 0x789abcde");
    assert_reply(s, "readq 0x1008", "OK 0x0123456789abcdef");

    uint8_t buf[64], back[64];
    for (unsigned i = 0; i < sizeof(buf); i++) {
        buf[i] = i * 7 + 1;
    }
    qtest_memwrite(s, 0x2000, buf, sizeof(buf));
    qtest_memread(s, 0x2000, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    assert_reply(s, "read 0x2000 4", "OK 0x01080f16");

    /* short data is zero-filled, as QEMU does */
    assert_reply(s, "write 0x3000 4 0xaabb", "OK");
    assert_reply(s, "read 0x3000 4", "OK 0xaabb0000");

    qtest_memset(s, 0x4000, 0x5a, 300);
    qtest_memread(s, 0x4000 + 44, back, 64);
    for (unsigned i = 0; i < 64; i++) {
        g_assert_cmphex(back[i], ==, 0x5a);
    }
    /* the byte after the range is untouched */
    g_assert_cmphex(qtest_readb(s, 0x4000 + 300), ==, 0);

    /* unassigned memory (the PCI hole) reads as all ones */
    assert_reply(s, "readl 0xf0000000", "OK 0xffffffff");
    assert_reply(s, "writel 0xf0000000 0x1", "OK");
    qtest_quit(s);
}

static void test_port_commands(void)
{
    QTestState *s = qtest_init(NULL);

    /* The 8259 mask register is a plain read/write register. */
    qtest_outb(s, 0x21, 0xa5);
    g_assert_cmphex(qtest_inb(s, 0x21), ==, 0xa5);
    assert_reply(s, "inb 0x21", "OK 0x00a5");
    /* COM1's scratch register */
    assert_reply(s, "outb 0x3ff 66", "OK");
    g_assert_cmphex(qtest_inb(s, 0x3ff), ==, 66);
    /* unassigned ports read as all ones, at every size */
    g_assert_cmphex(qtest_inb(s, 0x300), ==, 0xff);
    g_assert_cmphex(qtest_inw(s, 0x300), ==, 0xffff);
    g_assert_cmphex(qtest_inl(s, 0x300), ==, 0xffffffff);
    qtest_outw(s, 0x300, 0x1234);
    qtest_outl(s, 0x300, 0x12345678);
    qtest_quit(s);
}

static void test_clock_commands(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmpint(qtest_clock_step(s, 0), ==, 0);
    g_assert_cmpint(qtest_clock_step(s, 1000), ==, 1000);
    g_assert_cmpint(qtest_clock_set(s, 5000), ==, 5000);
    /* the clock never goes back */
    g_assert_cmpint(qtest_clock_set(s, 10), ==, 5000);
    /* no timer armed: stepping to the next deadline stays put */
    g_assert_cmpint(qtest_clock_step_next(s), ==, 5000);
    /* PIT counter 0, mode 0, count 1000: OUT rises at 1000 cycles */
    qtest_outb(s, 0x43, 0x30);
    qtest_outb(s, 0x40, 1000 & 0xff);
    qtest_outb(s, 0x40, 1000 >> 8);
    int64_t t = qtest_clock_step_next(s);
    g_assert_cmpint(t, ==, 5000 + (1000ll * 1000000000 + 1193181) / 1193182);
    assert_reply(s, "endianness", "OK little");
    qtest_quit(s);
}

static void test_irq_intercept(void)
{
    QTestState *s = qtest_init(NULL);

    assert_fail(s, "irq_intercept_in nosuchdevice");
    qtest_irq_intercept_out(s, "i8259");
    /* asking again for the same thing is fine, anything else is not */
    qtest_irq_intercept_out(s, "i8259");
    assert_fail(s, "irq_intercept_in i8259");
    g_assert_false(qtest_get_irq(s, 0));
    qtest_outb(s, 0x21, 0xf7);             /* unmask IRQ 3 */
    qtest_set_irq_in(s, "i8259", 3, 1);
    g_assert_true(qtest_get_irq(s, 0));
    qtest_outb(s, 0x21, 0xff);
    g_assert_false(qtest_get_irq(s, 0));
    assert_fail(s, "set_irq_in i8259 16 1");
    assert_fail(s, "set_irq_in i8259 3 2");
    qtest_quit(s);
}

static void test_errors(void)
{
    QTestState *s = qtest_init(NULL);
    static const char *const bad[] = {
        "", "   ", "nosuchcommand", "OUTB 0x80 1", "outb", "outb 0x80",
        "outb 0x80 1 2", "outb 0x10000 1", "outb 0x80 0x100", "outw 0 0x10000",
        "outl 0 0x100000000", "outb -1 1", "outb +1 1", "outb 0x 1",
        "outb 0x80 1z", "outb 99999999999999999999999 1", "inb",
        "inb 0x80 0x80", "inb zz", "readb", "readq 0xffffffffffffffff",
        "readl 0xfffffffffffffffe", "writeb 0 0x100", "writew 0 -1",
        "writeq 0 0x10000000000000000", "read 0", "read 0 0", "read 0 -1",
        "read 0 0x100001", "read 0 0xffffffffffffffff",
        "read 0xffffffffffffffff 2", "write 0 4", "write 0 4 aabb",
        "write 0 2 0xaabbcc", "write 0 2 0xaab", "write 0 2 0xzz",
        "write 0 0 0x", "memset 0 1", "memset 0 1 0x100",
        "memset 0 0xffffffffffff 0", "memset 0 0 0", "clock_step x",
        "clock_step -5", "clock_step 1 2", "clock_step 0x8000000000000000",
        "clock_set", "clock_set -1", "clock_set 0x8000000000000000",
        "irq_intercept_in", "irq_intercept_out a b", "set_irq_in i8259 1",
        "endianness x", "a b c d e f g h i j k",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_fail(s, bad[i]);
    }
    /* a NUL inside a line */
    qtest_send_raw(s, "inb 0x21\0junk\n", 14);
    g_autofree char *r = qtest_recv_line(s);
    g_assert_true(g_str_has_prefix(r, "FAIL"));
    /* a line longer than any command may be */
    size_t big = 4u << 20;
    char *huge = g_malloc(big + 1);
    memset(huge, 'a', big);
    huge[big] = '\n';
    qtest_send_raw(s, huge, big + 1);
    g_free(huge);
    g_autofree char *r2 = qtest_recv_line(s);
    g_assert_cmpstr(r2, ==, "FAIL line too long");
    /* still serving, state intact */
    assert_reply(s, "outb 0x21 0x42", "OK");
    assert_reply(s, "inb 0x21", "OK 0x0042");
    /* blanks and a CR are tolerated */
    assert_reply(s, "  inb   0x21 \r", "OK 0x0042");
    qtest_quit(s);
}

static const char *const fuzz_words[] = {
    "outb", "outw", "outl", "inb", "inw", "inl", "readb", "readw", "readl",
    "readq", "writeb", "writew", "writel", "writeq", "read", "write",
    "memset", "clock_step", "clock_set", "irq_intercept_in",
    "irq_intercept_out", "set_irq_in", "endianness", "i8259", "0x", "-1",
    "0xffffffffffffffff", "18446744073709551616", "0x10000", "0xf0000000",
    "0x100000", "0x20", "0x21", "0xa0", "0xa1", "0x40", "0x43", "0x61",
    "0x3f8", "0x4d0", "0xff", "0", "1", "7", "16", "0xaabbccdd", "%s%n",
};

static char *fuzz_number(GRand *r)
{
    switch (g_rand_int_range(r, 0, 4)) {
    case 0:
        return g_strdup_printf("%u", g_rand_int_range(r, 0, 256));
    case 1:
        return g_strdup_printf("0x%x", g_rand_int(r) & 0xffff);
    case 2:
        return g_strdup_printf("0x%" G_GINT64_MODIFIER "x",
                               (guint64)g_rand_int(r) << 32 | g_rand_int(r));
    default:
        return g_strdup_printf("%u", g_rand_int_range(r, 0, 0x2000000));
    }
}

static char *fuzz_line(GRand *r)
{
    GString *line = g_string_new(NULL);
    int kind = g_rand_int_range(r, 0, 4);

    if (kind == 0) {
        /* random bytes, any value but the newline */
        int len = g_rand_int_range(r, 0, 80);
        for (int i = 0; i < len; i++) {
            char c = g_rand_int_range(r, 0, 256);
            g_string_append_c(line, c == '\n' ? ' ' : c);
        }
        return g_string_free(line, FALSE);
    }
    int words = g_rand_int_range(r, 1, 6);
    for (int i = 0; i < words; i++) {
        if (i) {
            g_string_append_c(line, ' ');
        }
        if (i > 0 && g_rand_boolean(r)) {
            g_autofree char *num = fuzz_number(r);
            g_string_append(line, num);
        } else {
            g_string_append(line, fuzz_words[g_rand_int_range(
                r, 0, G_N_ELEMENTS(fuzz_words))]);
        }
    }
    return g_string_free(line, FALSE);
}

/* Lines that would take long legitimately (stepping the clock by years
 * through a fast periodic timer) are left out: this is about crashes. */
static bool fuzz_line_slow(const char *line)
{
    return g_str_has_prefix(line, "clock_");
}

static void test_fuzz(void)
{
    QTestState *s = qtest_init(NULL);
    guint32 seed = g_test_rand_int();
    GRand *r = g_rand_new_with_seed(seed);
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    unsigned lines = 0;

    g_test_message("fuzz seed %u", seed);
    while (g_get_monotonic_time() < end && lines < 200000) {
        g_autofree char *line = fuzz_line(r);
        if (fuzz_line_slow(line)) {
            continue;
        }
        /* random bytes end at their first NUL, if any */
        g_autofree char *wire = g_strconcat(line, "\n", NULL);
        qtest_send_raw(s, wire, strlen(wire));
        g_autofree char *reply = qtest_recv_line(s);
        if (!reply && g_str_has_prefix(line, "out")) {
            /* A port write may hit a reset or poweroff register (0x92,
             * 0xCF9, the i8042, PM1_CNT): bt86 ends, with status 0. */
            g_assert_cmpint(qtest_wait_exit(s), ==, 0);
            g_test_message("'%s' ended bt86; starting again", line);
            s = qtest_init(NULL);
            continue;
        }
        if (!reply) {
            g_error("bt86 went away after '%s' (seed %u)", line, seed);
        }
        g_assert_true(g_str_has_prefix(reply, "OK") ||
                      g_str_has_prefix(reply, "FAIL"));
        lines++;
    }
    g_test_message("fuzz: %u lines", lines);
    /* small clock steps are fine to fuzz too */
    for (int i = 0; i < 50; i++) {
        qtest_clock_step(s, g_rand_int_range(r, 0, 1000000));
    }
    g_rand_free(r);
    assert_reply(s, "endianness", "OK little");
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/proto/memory", test_memory_commands);
    g_test_add_func("/qtest/proto/ports", test_port_commands);
    g_test_add_func("/qtest/proto/clock", test_clock_commands);
    g_test_add_func("/qtest/proto/irq-intercept", test_irq_intercept);
    g_test_add_func("/qtest/proto/errors", test_errors);
    g_test_add_func("/qtest/proto/fuzz", test_fuzz);
    return g_test_run();
}
