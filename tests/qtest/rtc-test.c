/*
 * The MC146818 RTC and CMOS through the qtest protocol. The clock starts
 * from the host's time (or -rtc base=DATE) and then moves only with
 * clock_step, so everything after the start is exact.
 */
#include <time.h>

#include "tests/qtest/libqtest.h"

#define RTC_INDEX 0x70
#define RTC_DATA  0x71

#define SECONDS   0x00
#define SEC_ALARM 0x01
#define MINUTES   0x02
#define MIN_ALARM 0x03
#define HOURS     0x04
#define HOUR_ALARM 0x05
#define WDAY      0x06
#define MDAY      0x07
#define MONTH     0x08
#define YEAR      0x09
#define REG_A     0x0a
#define REG_B     0x0b
#define REG_C     0x0c
#define REG_D     0x0d
#define CENTURY   0x32

#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM  0x04
#define B_24H 0x02

#define C_IRQF 0x80
#define C_PF   0x40
#define C_AF   0x20
#define C_UF   0x10

#define RTC_IRQ 8
#define SEC     1000000000ll

static uint8_t rd(QTestState *s, uint8_t reg)
{
    qtest_outb(s, RTC_INDEX, reg);
    return qtest_inb(s, RTC_DATA);
}

static void wr(QTestState *s, uint8_t reg, uint8_t v)
{
    qtest_outb(s, RTC_INDEX, reg);
    qtest_outb(s, RTC_DATA, v);
}

static int bcd(uint8_t v)
{
    return (v >> 4) * 10 + (v & 0xf);
}

/* Sets the date and time (BCD, 24 h) with SET, as a BIOS does. */
static void set_time_bcd(QTestState *s, uint8_t cent, uint8_t year,
                         uint8_t mon, uint8_t day, uint8_t h, uint8_t m,
                         uint8_t sec)
{
    wr(s, REG_B, B_SET | B_24H);
    wr(s, SECONDS, sec);
    wr(s, MINUTES, m);
    wr(s, HOURS, h);
    wr(s, MDAY, day);
    wr(s, MONTH, mon);
    wr(s, YEAR, year);
    wr(s, CENTURY, cent);
    wr(s, REG_B, B_24H);
}

/* The start time is the host's, in UTC (within a couple of seconds). */
static void test_host_time(void)
{
    time_t before = time(NULL);
    QTestState *s = qtest_init(NULL);
    time_t after = time(NULL);
    struct tm tm = { 0 };

    g_assert_cmphex(rd(s, REG_B), ==, B_24H);       /* BCD, 24 h */
    tm.tm_sec = bcd(rd(s, SECONDS));
    tm.tm_min = bcd(rd(s, MINUTES));
    tm.tm_hour = bcd(rd(s, HOURS));
    tm.tm_mday = bcd(rd(s, MDAY));
    tm.tm_mon = bcd(rd(s, MONTH)) - 1;
    tm.tm_year = bcd(rd(s, CENTURY)) * 100 + bcd(rd(s, YEAR)) - 1900;
    time_t t = timegm(&tm);
    g_assert_cmpint(t, >=, before - 2);
    g_assert_cmpint(t, <=, after + 2);
    struct tm now;
    gmtime_r(&t, &now);
    g_assert_cmpint(rd(s, WDAY), ==, now.tm_wday + 1);
    g_assert_cmphex(rd(s, REG_D), ==, 0x80);
    g_assert_cmphex(rd(s, REG_A), ==, 0x26);
    qtest_quit(s);
}

static void test_base_date_and_modes(void)
{
    QTestState *s = qtest_init("-rtc base=2024-02-29T13:05:09");

    g_assert_cmphex(rd(s, SECONDS), ==, 0x09);
    g_assert_cmphex(rd(s, MINUTES), ==, 0x05);
    g_assert_cmphex(rd(s, HOURS), ==, 0x13);
    g_assert_cmphex(rd(s, MDAY), ==, 0x29);
    g_assert_cmphex(rd(s, MONTH), ==, 0x02);
    g_assert_cmphex(rd(s, YEAR), ==, 0x24);
    g_assert_cmphex(rd(s, CENTURY), ==, 0x20);
    g_assert_cmphex(rd(s, WDAY), ==, 5);            /* a Thursday */
    /* binary */
    wr(s, REG_B, B_24H | B_DM);
    g_assert_cmphex(rd(s, HOURS), ==, 13);
    g_assert_cmphex(rd(s, YEAR), ==, 24);
    g_assert_cmphex(rd(s, CENTURY), ==, 20);
    /* 12 hour, binary: 1 PM */
    wr(s, REG_B, B_DM);
    g_assert_cmphex(rd(s, HOURS), ==, 0x80 | 1);
    /* 12 hour, BCD */
    wr(s, REG_B, 0);
    g_assert_cmphex(rd(s, HOURS), ==, 0x81);
    /* setting 12 AM (midnight) in 12 hour mode */
    wr(s, REG_B, B_SET);
    wr(s, HOURS, 0x12);
    wr(s, REG_B, B_24H);
    g_assert_cmphex(rd(s, HOURS), ==, 0x00);
    qtest_quit(s);
}

/* SET freezes the registers; time moves on from what was written. */
static void test_set_and_step(void)
{
    QTestState *s = qtest_init(NULL);

    wr(s, REG_B, B_SET | B_24H);
    wr(s, SECONDS, 0x30);
    wr(s, MINUTES, 0x59);
    wr(s, HOURS, 0x23);
    qtest_clock_step(s, 5 * SEC);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x30);      /* frozen */
    g_assert_cmphex(rd(s, MINUTES), ==, 0x59);
    wr(s, REG_B, B_24H);
    qtest_clock_step(s, 29 * SEC);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x59);
    g_assert_cmphex(rd(s, MINUTES), ==, 0x59);
    g_assert_cmphex(rd(s, HOURS), ==, 0x23);
    qtest_clock_step(s, 3 * 60 * SEC);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x59);
    g_assert_cmphex(rd(s, MINUTES), ==, 0x02);
    g_assert_cmphex(rd(s, HOURS), ==, 0x00);
    /* a write with SET clear takes effect at once */
    wr(s, MINUTES, 0x40);
    g_assert_cmphex(rd(s, MINUTES), ==, 0x40);
    qtest_clock_step(s, SEC);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x00);
    g_assert_cmphex(rd(s, MINUTES), ==, 0x41);
    qtest_quit(s);
}

/* Holding the divider in reset stops the clock; the first update comes
 * half a second after it is released. */
static void test_divider_reset(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_clock_step(s, SEC / 4);
    set_time_bcd(s, 0x20, 0x24, 0x01, 0x01, 0x08, 0x00, 0x00);
    wr(s, REG_A, 0x76);
    rd(s, REG_C);
    qtest_clock_step(s, 10 * SEC);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x00);
    g_assert_cmphex(rd(s, REG_C), ==, 0);           /* no updates, no PF */
    wr(s, REG_A, 0x26);
    qtest_clock_step(s, SEC / 2 - 1);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x00);
    g_assert_cmphex(rd(s, REG_A), ==, 0xa6);        /* UIP */
    qtest_clock_step(s, 1);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x01);
    qtest_clock_step(s, SEC);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x02);
    qtest_quit(s);
}

/* BCD rollovers: end of year, and 28 February of a leap year. */
static void test_rollover(void)
{
    QTestState *s = qtest_init(NULL);

    set_time_bcd(s, 0x20, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59);
    qtest_clock_step(s, SEC);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x00);
    g_assert_cmphex(rd(s, MINUTES), ==, 0x00);
    g_assert_cmphex(rd(s, HOURS), ==, 0x00);
    g_assert_cmphex(rd(s, MDAY), ==, 0x01);
    g_assert_cmphex(rd(s, MONTH), ==, 0x01);
    g_assert_cmphex(rd(s, YEAR), ==, 0x00);
    g_assert_cmphex(rd(s, CENTURY), ==, 0x21);
    set_time_bcd(s, 0x20, 0x28, 0x02, 0x28, 0x23, 0x59, 0x58);
    qtest_clock_step(s, 2 * SEC);
    g_assert_cmphex(rd(s, MDAY), ==, 0x29);
    g_assert_cmphex(rd(s, MONTH), ==, 0x02);
    qtest_clock_step(s, 24 * 3600 * SEC);
    g_assert_cmphex(rd(s, MDAY), ==, 0x01);
    g_assert_cmphex(rd(s, MONTH), ==, 0x03);
    qtest_quit(s);
}

/* UIP is set for the last 244 us before each update. */
static void test_uip(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(rd(s, REG_A) & 0x80, ==, 0);
    qtest_clock_step(s, SEC - 244000 - 1);
    g_assert_cmphex(rd(s, REG_A) & 0x80, ==, 0);
    qtest_clock_step(s, 1);
    g_assert_cmphex(rd(s, REG_A) & 0x80, ==, 0x80);
    uint8_t sec = rd(s, SECONDS);
    qtest_clock_step(s, 243999);
    g_assert_cmphex(rd(s, REG_A) & 0x80, ==, 0x80);
    g_assert_cmphex(rd(s, SECONDS), ==, sec);
    qtest_clock_step(s, 1);
    g_assert_cmphex(rd(s, REG_A) & 0x80, ==, 0);
    g_assert_cmphex(rd(s, SECONDS), !=, sec);
    /* no updates while SET */
    wr(s, REG_B, B_SET | B_24H);
    qtest_clock_step(s, SEC - 100000);
    g_assert_cmphex(rd(s, REG_A) & 0x80, ==, 0);
    qtest_quit(s);
}

/* Periodic interrupt: 1024 Hz (rate 6) on IRQ 8; C is read-to-clear. */
static void test_periodic(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    rd(s, REG_C);
    /* PF is set even with PIE clear, and raises nothing */
    qtest_clock_step(s, 977000);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(rd(s, REG_C), ==, C_PF);
    g_assert_cmphex(rd(s, REG_C), ==, 0);
    wr(s, REG_B, B_24H | B_PIE);
    /* 1/1024 s = 976562.5 ns: the second edge is at 1953125 ns */
    qtest_clock_step(s, 1953125 - 977000 - 1);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmpuint(qtest_irq_raises(s, RTC_IRQ), ==, 1);
    g_assert_cmphex(rd(s, REG_C), ==, C_IRQF | C_PF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(rd(s, REG_C), ==, 0);
    /* rate 15: 2 Hz; one interrupt per period while C is read */
    wr(s, REG_A, 0x2f);
    for (int i = 0; i < 4; i++) {
        qtest_clock_step(s, SEC / 2);
        g_assert_true(qtest_get_irq(s, RTC_IRQ));
        g_assert_cmphex(rd(s, REG_C) & (C_IRQF | C_PF), ==, C_IRQF | C_PF);
    }
    g_assert_cmpuint(qtest_irq_raises(s, RTC_IRQ), ==, 5);
    /* rate 0: none */
    wr(s, REG_A, 0x20);
    qtest_clock_step(s, SEC / 3);
    g_assert_cmphex(rd(s, REG_C) & C_PF, ==, 0);
    qtest_quit(s);
}

/* Update-ended interrupt once a second. */
static void test_update_irq(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    wr(s, REG_A, 0x20);                     /* no periodic flag */
    rd(s, REG_C);
    wr(s, REG_B, B_24H | B_UIE);
    qtest_clock_step(s, SEC - 1);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(rd(s, REG_C), ==, C_IRQF | C_UF);
    qtest_clock_step(s, SEC);
    g_assert_cmphex(rd(s, REG_C), ==, C_IRQF | C_UF);
    g_assert_cmpuint(qtest_irq_raises(s, RTC_IRQ), ==, 2);
    /* SET clears UIE */
    wr(s, REG_B, B_24H | B_UIE | B_SET);
    g_assert_cmphex(rd(s, REG_B), ==, B_24H | B_SET);
    qtest_quit(s);
}

/* Alarm at an exact time, then with don't-care hours and minutes. */
static void test_alarm(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "i8259");
    wr(s, REG_A, 0x20);
    set_time_bcd(s, 0x20, 0x24, 0x05, 0x17, 0x10, 0x20, 0x00);
    wr(s, HOUR_ALARM, 0x10);
    wr(s, MIN_ALARM, 0x21);
    wr(s, SEC_ALARM, 0x05);
    rd(s, REG_C);
    wr(s, REG_B, B_24H | B_AIE);
    qtest_clock_step(s, 65 * SEC - 1);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, 1);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(rd(s, MINUTES), ==, 0x21);
    g_assert_cmphex(rd(s, SECONDS), ==, 0x05);
    g_assert_cmphex(rd(s, REG_C), ==, C_IRQF | C_AF | C_UF);
    /* every minute at :30 */
    wr(s, HOUR_ALARM, 0xff);
    wr(s, MIN_ALARM, 0xc0);
    wr(s, SEC_ALARM, 0x30);
    qtest_clock_step(s, 25 * SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(rd(s, SECONDS), ==, 0x30);
    g_assert_cmphex(rd(s, REG_C) & C_AF, ==, C_AF);
    qtest_clock_step(s, 59 * SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmpuint(qtest_irq_raises(s, RTC_IRQ), ==, 3);
    /* AF is set with AIE clear too, without an interrupt */
    rd(s, REG_C);
    wr(s, REG_B, B_24H);
    qtest_clock_step(s, 60 * SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(rd(s, REG_C), ==, C_AF | C_UF);
    qtest_quit(s);
}

static uint16_t rd16(QTestState *s, uint8_t reg)
{
    return rd(s, reg) | rd(s, reg + 1) << 8;
}

static void check_checksum(QTestState *s)
{
    uint16_t sum = 0;

    for (int i = 0x10; i <= 0x2d; i++) {
        sum += rd(s, i);
    }
    g_assert_cmphex(rd(s, 0x2e) << 8 | rd(s, 0x2f), ==, sum);
}

static void test_cmos_memory(void)
{
    QTestState *s = qtest_init("-m 128M");

    g_assert_cmphex(rd(s, 0x10), ==, 0);
    g_assert_cmphex(rd(s, 0x14), ==, 0x06);
    g_assert_cmpuint(rd16(s, 0x15), ==, 640);
    g_assert_cmpuint(rd16(s, 0x17), ==, 0xffff);   /* capped */
    g_assert_cmpuint(rd16(s, 0x30), ==, 0xffff);
    g_assert_cmpuint(rd16(s, 0x34), ==, (128 - 16) * 16);
    g_assert_cmpuint(rd(s, 0x5b) | rd16(s, 0x5c) << 8, ==, 0);
    check_checksum(s);
    /* ordinary bytes are RAM; the NMI mask bit is not part of the index */
    qtest_outb(s, RTC_INDEX, 0x80 | 0x40);
    qtest_outb(s, RTC_DATA, 0x5a);
    g_assert_cmphex(rd(s, 0x40), ==, 0x5a);
    qtest_quit(s);

    s = qtest_init("-m 32M");
    g_assert_cmpuint(rd16(s, 0x17), ==, 31 * 1024);
    g_assert_cmpuint(rd16(s, 0x30), ==, 31 * 1024);
    g_assert_cmpuint(rd16(s, 0x34), ==, 16 * 16);
    check_checksum(s);
    qtest_quit(s);

    s = qtest_init("-m 5G");
    g_assert_cmpuint(rd16(s, 0x17), ==, 0xffff);
    g_assert_cmpuint(rd16(s, 0x34), ==, (0xe0000000u - (16u << 20)) >> 16);
    g_assert_cmpuint(rd(s, 0x5b) | rd16(s, 0x5c) << 8, ==,
                     ((5ull << 30) - 0xe0000000u) >> 16);
    check_checksum(s);
    qtest_quit(s);
}

/* Every index and value written leaves the device working. */
static void test_write_anything(void)
{
    QTestState *s = qtest_init(NULL);

    for (int reg = 0; reg < 0x80; reg++) {
        if (reg == REG_B) {
            continue;
        }
        wr(s, reg, 0xff);
        rd(s, reg);
    }
    wr(s, REG_B, 0xff);
    wr(s, REG_B, 0x7f);
    qtest_clock_step(s, 3 * SEC);
    for (int reg = 0; reg < 0x80; reg++) {
        rd(s, reg);
    }
    g_assert_cmphex(rd(s, REG_D), ==, 0x80);
    /* C and D are read-only; A's UIP bit too */
    rd(s, REG_C);
    wr(s, REG_C, 0xff);
    g_assert_cmphex(rd(s, REG_C) & 0x0f, ==, 0);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rtc/host-time", test_host_time);
    g_test_add_func("/rtc/base-date-modes", test_base_date_and_modes);
    g_test_add_func("/rtc/set-and-step", test_set_and_step);
    g_test_add_func("/rtc/rollover", test_rollover);
    g_test_add_func("/rtc/divider-reset", test_divider_reset);
    g_test_add_func("/rtc/uip", test_uip);
    g_test_add_func("/rtc/periodic", test_periodic);
    g_test_add_func("/rtc/update-irq", test_update_irq);
    g_test_add_func("/rtc/alarm", test_alarm);
    g_test_add_func("/rtc/cmos-memory", test_cmos_memory);
    g_test_add_func("/rtc/write-anything", test_write_anything);
    return g_test_run();
}
