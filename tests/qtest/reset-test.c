/*
 * The PIIX3's reset registers over qtest: the reset control register at
 * 0xCF9 (shared with the host bridge's CONFIG_ADDRESS dword at 0xCF8)
 * and System Control Port A at 0x92. A reset ends bt86 (status 0) under
 * -no-reboot.
 */
#include <string.h>

#include "tests/qtest/libqtest.h"

#define RCR         0xcf9
#define PORT92      0x92

static int run_until_exit(const char *cmds)
{
    QTestState *s = qtest_init("-no-reboot");

    qtest_send_raw(s, cmds, strlen(cmds));
    return qtest_wait_exit(s);
}

static void test_rcr_register(void)
{
    QTestState *s = qtest_init("-no-reboot");

    g_assert_cmphex(qtest_inb(s, RCR), ==, 0);
    /* SRST alone only chooses the kind of reset */
    qtest_outb(s, RCR, 0x02);
    g_assert_cmphex(qtest_inb(s, RCR), ==, 0x02);
    qtest_outb(s, RCR, 0xf9);               /* other bits not stored */
    g_assert_cmphex(qtest_inb(s, RCR), ==, 0x00);
    /* CONFIG_ADDRESS around it is untouched, and still works */
    qtest_outl(s, 0xcf8, 0x80000000);
    qtest_outb(s, RCR, 0x02);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x80000000);
    g_assert_cmphex(qtest_inl(s, 0xcfc), ==, 0x12378086);
    /* word accesses in 0xCF8-0xCFB are neither: all ones, ignored */
    g_assert_cmphex(qtest_inw(s, 0xcf8), ==, 0xffff);
    qtest_outw(s, 0xcfa, 0x1234);
    g_assert_cmphex(qtest_inl(s, 0xcf8), ==, 0x80000000);
    qtest_quit(s);
}

static void test_rcr_reset(void)
{
    /* the FADT's reset register value */
    g_assert_cmpint(run_until_exit("outb 0xcf9 0x06\n"), ==, 0);
    /* RCPU alone (soft reset) resets as well */
    g_assert_cmpint(run_until_exit("outb 0xcf9 0x04\n"), ==, 0);
    /* SRST first, then RCPU, as some guests do */
    g_assert_cmpint(run_until_exit("outb 0xcf9 0x02\noutb 0xcf9 0x06\n"),
                    ==, 0);
}

static void test_port92(void)
{
    QTestState *s = qtest_init("-no-reboot");

    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    qtest_outb(s, PORT92, 0x02);            /* A20 on */
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x02);
    qtest_outb(s, PORT92, 0x00);
    g_assert_cmphex(qtest_inb(s, PORT92), ==, 0x00);
    qtest_quit(s);

    /* bit 0 is the fast reset */
    g_assert_cmpint(run_until_exit("outb 0x92 0x03\n"), ==, 0);
    g_assert_cmpint(run_until_exit("outb 0x92 0x01\n"), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reset/rcr-register", test_rcr_register);
    g_test_add_func("/reset/rcr-reset", test_rcr_reset);
    g_test_add_func("/reset/port92", test_port92);
    return g_test_run();
}
