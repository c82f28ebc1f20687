/*
 * The 8042 keyboard controller over qtest: status and command byte,
 * self-test and interface tests, port enables, the keyboard's answers,
 * IRQ 1 and IRQ 12 on a full output buffer, the output port, and the
 * reset pulse ending bt86 under -no-reboot.
 */
#include <string.h>

#include "tests/qtest/libqtest.h"

#define DATA        0x60
#define CMD         0x64

#define STAT_OBF    0x01
#define STAT_SYS    0x04
#define STAT_CMD    0x08
#define STAT_AUXB   0x20

#define CTR_KBDINT  0x01
#define CTR_AUXINT  0x02
#define CTR_KBDDIS  0x10
#define CTR_AUXDIS  0x20

static uint8_t command(QTestState *s, uint8_t cmd)
{
    qtest_outb(s, CMD, cmd);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_OBF, ==, STAT_OBF);
    return qtest_inb(s, DATA);
}

static uint8_t read_ctr(QTestState *s)
{
    return command(s, 0x20);
}

static void write_ctr(QTestState *s, uint8_t v)
{
    qtest_outb(s, CMD, 0x60);
    qtest_outb(s, DATA, v);
}

static void test_status_and_self_test(void)
{
    QTestState *s = qtest_init(NULL);

    /* as a BIOS leaves it: system flag set, output buffer empty */
    g_assert_cmphex(qtest_inb(s, CMD), ==, 0x14);
    qtest_outb(s, CMD, 0xaa);
    g_assert_cmphex(qtest_inb(s, CMD), ==, 0x1d);   /* OBF, last was cmd */
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x55);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_OBF, ==, 0);
    /* interface tests: keyboard, then aux */
    g_assert_cmphex(command(s, 0xab), ==, 0x00);
    g_assert_cmphex(command(s, 0xa9), ==, 0x00);
    /* a data write clears the command flag */
    qtest_outb(s, DATA, 0xf4);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_CMD, ==, 0);
    qtest_quit(s);
}

static void test_command_byte(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(read_ctr(s), ==, 0x47);
    write_ctr(s, 0x44);
    g_assert_cmphex(read_ctr(s), ==, 0x44);
    /* the status's system flag follows the command byte's */
    write_ctr(s, 0x40);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_SYS, ==, 0);
    /* port disables and enables */
    qtest_outb(s, CMD, 0xad);
    qtest_outb(s, CMD, 0xa7);
    g_assert_cmphex(read_ctr(s), ==, 0x40 | CTR_KBDDIS | CTR_AUXDIS);
    qtest_outb(s, CMD, 0xae);
    g_assert_cmphex(read_ctr(s), ==, 0x40 | CTR_AUXDIS);
    qtest_outb(s, CMD, 0xa8);
    g_assert_cmphex(read_ctr(s), ==, 0x40);
    /* controller RAM */
    qtest_outb(s, CMD, 0x65);
    qtest_outb(s, DATA, 0x5a);
    g_assert_cmphex(command(s, 0x25), ==, 0x5a);
    qtest_quit(s);
}

static void test_keyboard_commands(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_outb(s, DATA, 0xff);                  /* reset */
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_OBF, ==, STAT_OBF);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xaa);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_OBF, ==, 0);
    qtest_outb(s, DATA, 0xf2);                  /* identify */
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xab);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x41);  /* translated */
    write_ctr(s, 0x07);                         /* translation off */
    qtest_outb(s, DATA, 0xf2);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xab);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x83);
    qtest_outb(s, DATA, 0xed);                  /* LEDs, with argument */
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    qtest_outb(s, DATA, 0x07);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    qtest_outb(s, DATA, 0xf0);                  /* get scancode set */
    qtest_outb(s, DATA, 0x00);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x02);
    qtest_outb(s, DATA, 0xee);                  /* echo */
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xee);
    qtest_quit(s);
}

static void test_kbd_irq(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    qtest_outb(s, DATA, 0xff);
    g_assert_true(qtest_get_irq(s, 1));
    qtest_inb(s, DATA);                         /* 0xfa; 0xaa moves in */
    g_assert_true(qtest_get_irq(s, 1));
    g_assert_cmpuint(qtest_irq_raises(s, 1), ==, 2);
    qtest_inb(s, DATA);
    g_assert_false(qtest_get_irq(s, 1));
    /* controller replies interrupt too */
    qtest_outb(s, CMD, 0xaa);
    g_assert_true(qtest_get_irq(s, 1));
    qtest_inb(s, DATA);
    /* not when the command byte disables it */
    write_ctr(s, 0x44);
    qtest_outb(s, CMD, 0xaa);
    g_assert_false(qtest_get_irq(s, 1));
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x55);
    /* a disabled keyboard port holds its bytes back */
    write_ctr(s, 0x45);
    qtest_outb(s, DATA, 0xff);
    qtest_outb(s, CMD, 0xad);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    g_assert_cmphex(qtest_inb(s, CMD) & STAT_OBF, ==, 0);
    g_assert_false(qtest_get_irq(s, 1));
    qtest_outb(s, CMD, 0xae);
    g_assert_true(qtest_get_irq(s, 1));
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xaa);
    /* writing to the keyboard enables its port again */
    qtest_outb(s, CMD, 0xad);
    qtest_outb(s, DATA, 0xf4);
    g_assert_true(qtest_get_irq(s, 1));
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfa);
    g_assert_cmphex(read_ctr(s) & CTR_KBDDIS, ==, 0);
    g_assert_false(qtest_get_irq(s, 12));
    qtest_quit(s);
}

static void test_aux_irq(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    /* the aux loopback Linux probes with */
    qtest_outb(s, CMD, 0xd3);
    qtest_outb(s, DATA, 0x5a);
    g_assert_cmphex(qtest_inb(s, CMD) & (STAT_OBF | STAT_AUXB), ==,
                    STAT_OBF | STAT_AUXB);
    g_assert_true(qtest_get_irq(s, 12));
    g_assert_false(qtest_get_irq(s, 1));
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0x5a);
    g_assert_false(qtest_get_irq(s, 12));
    /* nothing on the aux port: a command to it is answered 0xfe */
    qtest_outb(s, CMD, 0xd4);
    qtest_outb(s, DATA, 0xf2);
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xfe);
    /* no IRQ 12 without AUXINT */
    write_ctr(s, 0x45);
    qtest_outb(s, CMD, 0xd3);
    qtest_outb(s, DATA, 0xa5);
    g_assert_false(qtest_get_irq(s, 12));
    g_assert_cmphex(qtest_inb(s, DATA), ==, 0xa5);
    qtest_quit(s);
}

static void test_output_port(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(command(s, 0xd0) & 0x03, ==, 0x03);  /* A20, !reset */
    qtest_outb(s, CMD, 0xd1);
    qtest_outb(s, DATA, 0x01);              /* A20 off */
    g_assert_cmphex(command(s, 0xd0) & 0x03, ==, 0x01);
    qtest_outb(s, CMD, 0xdf);               /* A20 on */
    g_assert_cmphex(command(s, 0xd0) & 0x03, ==, 0x03);
    g_assert_cmphex(command(s, 0xc0), ==, 0x80);
    qtest_quit(s);
}

static int run_until_exit(const char *args, const char *cmds)
{
    QTestState *s = qtest_init(args);

    qtest_send_raw(s, cmds, strlen(cmds));
    return qtest_wait_exit(s);
}

static void test_reset_pulse(void)
{
    g_assert_cmpint(run_until_exit("-no-reboot", "outb 0x64 0xfe\n"),
                    ==, 0);
    /* the output port's reset line written low does it too */
    g_assert_cmpint(run_until_exit("-no-reboot",
                                   "outb 0x64 0xd1\noutb 0x60 0x02\n"), ==, 0);
}

/* Pulses that leave bit 0 alone do nothing. */
static void test_pulse_no_reset(void)
{
    QTestState *s = qtest_init("-no-reboot");

    qtest_outb(s, CMD, 0xff);
    qtest_outb(s, CMD, 0xfd);
    g_assert_cmphex(command(s, 0xaa), ==, 0x55);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8042/status-self-test", test_status_and_self_test);
    g_test_add_func("/i8042/command-byte", test_command_byte);
    g_test_add_func("/i8042/keyboard-commands", test_keyboard_commands);
    g_test_add_func("/i8042/kbd-irq", test_kbd_irq);
    g_test_add_func("/i8042/aux-irq", test_aux_irq);
    g_test_add_func("/i8042/output-port", test_output_port);
    g_test_add_func("/i8042/reset-pulse", test_reset_pulse);
    g_test_add_func("/i8042/pulse-no-reset", test_pulse_no_reset);
    return g_test_run();
}
