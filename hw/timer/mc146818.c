/*
 * MC146818 real-time clock (Motorola MC146818A datasheet; the PC's CMOS
 * layout as the IBM AT BIOS and QEMU's pc board define it).
 *
 * The clock does not tick. The time is kept as "base_sec" (seconds since
 * 1970 of the guest's wall clock, whatever zone it means) at virtual time
 * "base_ns", which is always a second boundary of the divider chain; the
 * time registers are rendered from it when read. Register C's flags are
 * settled lazily from the events (updates, alarm matches, periodic edges)
 * that fell between the last settle and now, and a timer is armed only
 * for the next event that would raise IRQF.
 *
 * An update cycle is taken as instantaneous at the second boundary; UIP
 * reads 1 for the 244 us before it (datasheet "Update Cycle", tBUC).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "hw/timer/mc146818.h"
#include "softmmu/clock.h"
#include "softmmu/log.h"
#include "softmmu/reset.h"

#define NS_PER_SEC      1000000000ll
#define SECS_PER_DAY    86400ll
#define RTC_CMOS_SIZE   128
#define RTC_UIP_NS      244000ll
/* 32.768 kHz time base: one tick is 1e9/32768 = 1953125/64 ns. */
#define RTC_TICK_NUM    1953125ll
#define RTC_TICK_DEN    64ll

/* Register indices */
#define RTC_SECONDS         0x00
#define RTC_SECONDS_ALARM   0x01
#define RTC_MINUTES         0x02
#define RTC_MINUTES_ALARM   0x03
#define RTC_HOURS           0x04
#define RTC_HOURS_ALARM     0x05
#define RTC_DAY_OF_WEEK     0x06
#define RTC_DAY_OF_MONTH    0x07
#define RTC_MONTH           0x08
#define RTC_YEAR            0x09
#define RTC_REG_A           0x0a
#define RTC_REG_B           0x0b
#define RTC_REG_C           0x0c
#define RTC_REG_D           0x0d

/* CMOS RAM bytes of the PC BIOS */
#define CMOS_FLOPPY         0x10
#define CMOS_EQUIPMENT      0x14
#define CMOS_BASE_MEM_LO    0x15
#define CMOS_EXT_MEM_LO     0x17
#define CMOS_CHECKSUM_HI    0x2e
#define CMOS_CHECKSUM_LO    0x2f
#define CMOS_EXT_MEM2_LO    0x30
#define CMOS_MEM_16M_LO     0x34
#define CMOS_MEM_4G_LO      0x5b
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST  0x2d

/* Register A */
#define REG_A_UIP       0x80
#define REG_A_DV_MASK   0x70
#define REG_A_RS_MASK   0x0f
#define REG_A_DV_32KHZ  0x20
/* Register B */
#define REG_B_SET       0x80
#define REG_B_PIE       0x40
#define REG_B_AIE       0x20
#define REG_B_UIE       0x10
#define REG_B_SQWE      0x08
#define REG_B_DM        0x04    /* 1: binary, 0: BCD */
#define REG_B_24H       0x02
#define REG_B_DSE       0x01
/* Register C */
#define REG_C_IRQF      0x80
#define REG_C_PF        0x40
#define REG_C_AF        0x20
#define REG_C_UF        0x10
/* Register D */
#define REG_D_VRT       0x80

#define RTC_HOURS_PM    0x80
#define RTC_ALARM_DONT_CARE 0xc0
#define RTC_INDEX_MASK  0x7f
#define RTC_NMI_MASK    0x80

/* Power-on values: 32.768 kHz divider, 1024 Hz periodic rate; BCD, 24 h */
#define REG_A_RESET     0x26
#define REG_B_RESET     REG_B_24H

/* The broken-down wall-clock time the registers show. */
typedef struct RTCTime {
    int year, month, day;       /* month 1-12, day 1-31 */
    int hour, min, sec;
    int wday;                   /* 0 = Sunday */
} RTCTime;

struct RTCState {
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    uint8_t nmi_mask;           /* bit 7 of the last index write */
    IRQLine *irq;
    bool irq_level;
    Timer *timer;
    int64_t base_sec;           /* the time at base_ns */
    int64_t base_ns;            /* a second boundary */
    int wday_offset;            /* guest day of week minus the computed one */
    int64_t settled_ns;         /* register C holds every event up to here */
};

/* ---- Calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t rtc_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void rtc_civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = mp < 10 ? mp + 3 : mp - 9;

    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = m;
    *year = yoe + era * 400 + (m <= 2);
}

static void rtc_time_from_secs(int64_t t, RTCTime *tm)
{
    int64_t days = t >= 0 ? t / SECS_PER_DAY
                          : -((-t + SECS_PER_DAY - 1) / SECS_PER_DAY);
    int64_t sod = t - days * SECS_PER_DAY;

    rtc_civil_from_days(days, &tm->year, &tm->month, &tm->day);
    tm->hour = sod / 3600;
    tm->min = sod / 60 % 60;
    tm->sec = sod % 60;
    tm->wday = ((days % 7) + 7 + 4) % 7;    /* 1970-01-01 was a Thursday */
}

static int64_t rtc_secs_from_time(const RTCTime *tm)
{
    return rtc_days_from_civil(tm->year, tm->month, tm->day) * SECS_PER_DAY +
           tm->hour * 3600ll + tm->min * 60ll + tm->sec;
}

bool rtc_parse_base(const char *s, RTCBase *out)
{
    RTCTime tm = { 0 };
    char tail;

    if (strcmp(s, "utc") == 0) {
        *out = (RTCBase) { .kind = RTC_BASE_UTC };
        return true;
    }
    if (strcmp(s, "localtime") == 0) {
        *out = (RTCBase) { .kind = RTC_BASE_LOCALTIME };
        return true;
    }
    if (strlen(s) != 19 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.year, &tm.month, &tm.day,
               &tm.hour, &tm.min, &tm.sec, &tail) != 6) {
        return false;
    }
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                 31 };
    if (tm.year < 1 || tm.month < 1 || tm.month > 12 || tm.day < 1 ||
        tm.day > mdays[tm.month - 1] || tm.hour > 23 || tm.min > 59 ||
        tm.sec > 59) {
        return false;
    }
    bool leap = (tm.year % 4 == 0 && tm.year % 100 != 0) ||
                tm.year % 400 == 0;
    if (tm.month == 2 && tm.day == 29 && !leap) {
        return false;
    }
    *out = (RTCBase) { .kind = RTC_BASE_DATE,
                       .date = rtc_secs_from_time(&tm) };
    return true;
}

static int64_t rtc_base_seconds(const RTCBase *base)
{
    time_t now = time(NULL);
    struct tm lt;

    if (!base || base->kind == RTC_BASE_UTC) {
        return now;
    }
    if (base->kind == RTC_BASE_DATE) {
        return base->date;
    }
    localtime_r(&now, &lt);
    RTCTime tm = {
        .year = lt.tm_year + 1900, .month = lt.tm_mon + 1, .day = lt.tm_mday,
        .hour = lt.tm_hour, .min = lt.tm_min, .sec = lt.tm_sec,
    };
    return rtc_secs_from_time(&tm);
}

/* ---- Register formats (DM, 24/12) ---- */

static bool rtc_binary(const RTCState *s)
{
    return s->cmos[RTC_REG_B] & REG_B_DM;
}

static uint8_t rtc_to_reg(const RTCState *s, int v)
{
    return rtc_binary(s) ? v : (v / 10) << 4 | v % 10;
}

/* Invalid BCD digits are taken at face value, as the counters would. */
static int rtc_from_reg(const RTCState *s, uint8_t v)
{
    return rtc_binary(s) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t rtc_hour_to_reg(const RTCState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_to_reg(s, hour);
    }
    int h12 = hour % 12 ? hour % 12 : 12;
    return rtc_to_reg(s, h12) | (hour >= 12 ? RTC_HOURS_PM : 0);
}

static int rtc_hour_from_reg(const RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_from_reg(s, v);
    }
    return rtc_from_reg(s, v & ~RTC_HOURS_PM) % 12 +
           (v & RTC_HOURS_PM ? 12 : 0);
}

/* ---- The time base ---- */

/*
 * DV2-0 (register A) select the time base; 11x hold the divider chain in
 * reset. As QEMU does, the three time-base settings all count (the
 * crystal is taken to be the one selected) and the others stop the chain.
 */
static bool rtc_divider_running(uint8_t reg_a)
{
    return (reg_a & REG_A_DV_MASK) <= REG_A_DV_32KHZ;
}

/* Updates happen: the divider runs and SET does not hold them. */
static bool rtc_updating(const RTCState *s)
{
    return rtc_divider_running(s->cmos[RTC_REG_A]) &&
           !(s->cmos[RTC_REG_B] & REG_B_SET);
}

/* Whole seconds since base_ns (base_ns is never in the future). */
static int64_t rtc_elapsed_secs(const RTCState *s, int64_t now)
{
    return (now - s->base_ns) / NS_PER_SEC;
}

static void rtc_render_time(RTCState *s, int64_t t)
{
    RTCTime tm;

    rtc_time_from_secs(t, &tm);
    s->cmos[RTC_SECONDS] = rtc_to_reg(s, tm.sec);
    s->cmos[RTC_MINUTES] = rtc_to_reg(s, tm.min);
    s->cmos[RTC_HOURS] = rtc_hour_to_reg(s, tm.hour);
    s->cmos[RTC_DAY_OF_WEEK] = (tm.wday + s->wday_offset) % 7 + 1;
    s->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(s, tm.day);
    s->cmos[RTC_MONTH] = rtc_to_reg(s, tm.month);
    s->cmos[RTC_YEAR] = rtc_to_reg(s, tm.year % 100);
    s->cmos[RTC_CENTURY] = rtc_to_reg(s, tm.year / 100 % 100);
}

/* The time registers follow the clock unless SET holds them. */
static void rtc_sync_regs(RTCState *s, int64_t now)
{
    if (rtc_updating(s)) {
        rtc_render_time(s, s->base_sec + rtc_elapsed_secs(s, now));
    }
}

/*
 * The guest has written the time registers: the clock goes on from what
 * they hold, keeping the divider's phase (the next update comes at the
 * next second boundary). Out-of-range values are carried into the next
 * field, which is where the counters would take them eventually.
 */
static void rtc_commit_regs(RTCState *s, int64_t now)
{
    RTCTime tm = {
        .sec = rtc_from_reg(s, s->cmos[RTC_SECONDS]),
        .min = rtc_from_reg(s, s->cmos[RTC_MINUTES]),
        .hour = rtc_hour_from_reg(s, s->cmos[RTC_HOURS]),
        .day = rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]),
        .month = rtc_from_reg(s, s->cmos[RTC_MONTH]),
        .year = rtc_from_reg(s, s->cmos[RTC_CENTURY]) * 100 +
                rtc_from_reg(s, s->cmos[RTC_YEAR]),
    };
    RTCTime check;

    if (tm.month < 1 || tm.month > 12) {
        log_mask_printf(LOG_GUEST_ERROR, "mc146818: month %d set\n",
                        tm.month);
        tm.month = tm.month < 1 ? 1 : 12;
    }
    s->base_ns += rtc_elapsed_secs(s, now) * NS_PER_SEC;
    s->base_sec = rtc_secs_from_time(&tm);
    rtc_time_from_secs(s->base_sec, &check);
    s->wday_offset = ((s->cmos[RTC_DAY_OF_WEEK] - 1 - check.wday) % 7 + 7) % 7;
}

/* ---- Events: updates, alarm, periodic interrupt ---- */

/* Periodic rate in 32.768 kHz ticks per period; 0 for none. Rates 1 and
 * 2 give 256 and 128 Hz with the 32.768 kHz time base (datasheet Table
 * "Periodic Interrupt Rate"), as rates 8 and 9 do. */
static int64_t rtc_periodic_ticks(const RTCState *s)
{
    int rs = s->cmos[RTC_REG_A] & REG_A_RS_MASK;

    if (rs == 0 || !rtc_divider_running(s->cmos[RTC_REG_A])) {
        return 0;
    }
    if (rs <= 2) {
        rs += 7;
    }
    return 1ll << (rs - 1);
}

static int64_t rtc_ticks_at(const RTCState *s, int64_t now)
{
    return (now - s->base_ns) * RTC_TICK_DEN / RTC_TICK_NUM;
}

/* The first nanosecond at which `ticks` ticks have elapsed. */
static int64_t rtc_ticks_to_ns(const RTCState *s, int64_t ticks)
{
    return s->base_ns + (ticks * RTC_TICK_NUM + RTC_TICK_DEN - 1) /
                        RTC_TICK_DEN;
}

static bool rtc_alarm_field_matches(uint8_t alarm, uint8_t value)
{
    return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE ||
           alarm == value;
}

/*
 * The first time after t whose hours, minutes and seconds registers
 * equal the alarm bytes (or -1 if none can): a byte-wise compare, so an
 * alarm in the wrong format never matches, as on the chip.
 */
static int64_t rtc_next_alarm(const RTCState *s, int64_t t)
{
    bool hour_ok[24], min_ok[60], sec_ok[60];
    bool any_h = false, any_m = false, any_s = false;

    for (int i = 0; i < 60; i++) {
        if (i < 24) {
            hour_ok[i] = rtc_alarm_field_matches(s->cmos[RTC_HOURS_ALARM],
                                                 rtc_hour_to_reg(s, i));
            any_h |= hour_ok[i];
        }
        min_ok[i] = rtc_alarm_field_matches(s->cmos[RTC_MINUTES_ALARM],
                                            rtc_to_reg(s, i));
        sec_ok[i] = rtc_alarm_field_matches(s->cmos[RTC_SECONDS_ALARM],
                                            rtc_to_reg(s, i));
        any_m |= min_ok[i];
        any_s |= sec_ok[i];
    }
    if (!any_h || !any_m || !any_s) {
        return -1;
    }
    int64_t from = t + 1;
    int64_t day = from - (((from % SECS_PER_DAY) + SECS_PER_DAY) %
                          SECS_PER_DAY);
    int64_t sod0 = from - day;
    for (int d = 0; d < 2; d++, day += SECS_PER_DAY, sod0 = 0) {
        for (int h = 0; h < 24; h++) {
            if (!hour_ok[h] || (h + 1) * 3600 <= sod0) {
                continue;
            }
            for (int m = 0; m < 60; m++) {
                if (!min_ok[m] || h * 3600 + (m + 1) * 60 <= sod0) {
                    continue;
                }
                for (int sec = 0; sec < 60; sec++) {
                    int64_t sod = h * 3600 + m * 60 + sec;
                    if (sec_ok[sec] && sod >= sod0) {
                        return day + sod;
                    }
                }
            }
        }
    }
    return -1;
}

/*
 * Register C collects the events in (settled_ns, now]: PF is set whatever
 * PIE says, AF and UF whatever AIE and UIE say (datasheet "Register C").
 */
static void rtc_settle(RTCState *s, int64_t now)
{
    uint8_t *c = &s->cmos[RTC_REG_C];
    int64_t last = s->settled_ns;
    int64_t period = rtc_periodic_ticks(s);

    if (now <= last) {
        return;
    }
    s->settled_ns = now;
    if (period && rtc_ticks_at(s, now) / period >
                  rtc_ticks_at(s, last) / period) {
        *c |= REG_C_PF;
    }
    if (!rtc_updating(s)) {
        return;
    }
    int64_t first = rtc_elapsed_secs(s, last) + 1;
    int64_t upto = rtc_elapsed_secs(s, now);
    if (upto < first) {
        return;
    }
    *c |= REG_C_UF;
    int64_t alarm = rtc_next_alarm(s, s->base_sec + first - 1);
    if (alarm >= 0 && alarm <= s->base_sec + upto) {
        *c |= REG_C_AF;
    }
}

/* The virtual time of the next event that would set IRQF, or -1. */
static int64_t rtc_next_irq_ns(const RTCState *s, int64_t now)
{
    uint8_t b = s->cmos[RTC_REG_B];
    int64_t next = -1;
    int64_t period = rtc_periodic_ticks(s);

    if ((b & REG_B_PIE) && period) {
        int64_t k = rtc_ticks_at(s, now) / period + 1;
        next = rtc_ticks_to_ns(s, k * period);
    }
    if (!rtc_updating(s)) {
        return next;
    }
    int64_t secs = rtc_elapsed_secs(s, now);
    if (b & REG_B_UIE) {
        int64_t t = s->base_ns + (secs + 1) * NS_PER_SEC;
        next = next < 0 ? t : MIN(next, t);
    }
    if (b & REG_B_AIE) {
        int64_t alarm = rtc_next_alarm(s, s->base_sec + secs);
        if (alarm >= 0) {
            int64_t t = s->base_ns + (alarm - s->base_sec) * NS_PER_SEC;
            next = next < 0 ? t : MIN(next, t);
        }
    }
    return next;
}

/* IRQF and the IRQ output follow the flags and enables; while IRQF is
 * clear the timer waits for the next event that would set it. */
static void rtc_irq_update(RTCState *s, int64_t now)
{
    uint8_t *c = &s->cmos[RTC_REG_C];
    uint8_t enabled = s->cmos[RTC_REG_B] & (REG_B_PIE | REG_B_AIE |
                                            REG_B_UIE);

    /* PF/AF/UF sit at the same bit positions as PIE/AIE/UIE. */
    if (*c & enabled) {
        *c |= REG_C_IRQF;
    }
    bool level = *c & REG_C_IRQF;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
    int64_t next = level ? -1 : rtc_next_irq_ns(s, now);
    if (next >= 0) {
        timer_mod(s->timer, next);
    } else {
        timer_del(s->timer);
    }
}

static void rtc_timer_cb(void *opaque)
{
    RTCState *s = opaque;
    int64_t now = clock_get_ns();

    rtc_settle(s, now);
    rtc_irq_update(s, now);
}

/* ---- Port I/O ---- */

static uint8_t rtc_read_reg(RTCState *s, int index, int64_t now)
{
    uint8_t v;

    switch (index) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        rtc_sync_regs(s, now);
        return s->cmos[index];
    case RTC_REG_A:
        v = s->cmos[RTC_REG_A] & ~REG_A_UIP;
        if (rtc_updating(s) &&
            (now - s->base_ns) % NS_PER_SEC >= NS_PER_SEC - RTC_UIP_NS) {
            v |= REG_A_UIP;
        }
        return v;
    case RTC_REG_C:
        v = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        rtc_irq_update(s, now);
        return v;
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        return s->cmos[index];
    }
}

static bool rtc_is_time_reg(int index)
{
    return index == RTC_SECONDS || index == RTC_MINUTES ||
           index == RTC_HOURS || index == RTC_DAY_OF_WEEK ||
           index == RTC_DAY_OF_MONTH || index == RTC_MONTH ||
           index == RTC_YEAR || index == RTC_CENTURY;
}

static void rtc_write_reg_a(RTCState *s, uint8_t v, int64_t now)
{
    bool was_running = rtc_divider_running(s->cmos[RTC_REG_A]);
    bool running = rtc_divider_running(v);

    if (was_running && !running) {
        rtc_sync_regs(s, now);          /* the time stops where it is */
    }
    s->cmos[RTC_REG_A] = v & ~REG_A_UIP;
    if (!was_running && running) {
        /* Out of reset the first update comes half a second later
         * (datasheet "Divider Control"). */
        rtc_commit_regs(s, now);
        s->base_ns = now - NS_PER_SEC / 2;
    }
}

static void rtc_write_reg_b(RTCState *s, uint8_t v, int64_t now)
{
    uint8_t old = s->cmos[RTC_REG_B];

    if ((v & REG_B_SET) && !(old & REG_B_SET)) {
        /* The registers hold the time SET stopped at; SET clears UIE
         * (datasheet "Register B"). */
        rtc_sync_regs(s, now);
        v &= ~REG_B_UIE;
    }
    if (!(v & REG_B_SET) && (old & REG_B_SET)) {
        /* Read in the format in which the guest wrote them; from here on
         * they are shown in the new one. */
        rtc_commit_regs(s, now);
    }
    s->cmos[RTC_REG_B] = v;
    if (v & REG_B_DSE) {
        log_mask_printf(LOG_UNIMP, "mc146818: daylight saving (DSE) is not "
                        "applied\n");
    }
}

static void rtc_write_reg(RTCState *s, int index, uint8_t v, int64_t now)
{
    if (rtc_is_time_reg(index)) {
        rtc_sync_regs(s, now);
        s->cmos[index] = v;
        if (rtc_updating(s)) {
            rtc_commit_regs(s, now);
        }
        return;
    }
    switch (index) {
    case RTC_REG_A:
        rtc_write_reg_a(s, v, now);
        break;
    case RTC_REG_B:
        rtc_write_reg_b(s, v, now);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        log_mask_printf(LOG_GUEST_ERROR, "mc146818: write of read-only "
                        "register %s\n", index == RTC_REG_C ? "C" : "D");
        break;
    default:
        s->cmos[index] = v;
        break;
    }
}

static uint64_t rtc_ioport_read(void *opaque, uint64_t offset, unsigned size)
{
    RTCState *s = opaque;
    int64_t now = clock_get_ns();

    if (offset == 0) {
        return 0xff;        /* the index port is write-only */
    }
    rtc_settle(s, now);
    return rtc_read_reg(s, s->index, now);
}

static void rtc_ioport_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    RTCState *s = opaque;
    int64_t now = clock_get_ns();

    if (offset == 0) {
        s->index = value & RTC_INDEX_MASK;
        s->nmi_mask = value & RTC_NMI_MASK;
        return;
    }
    /* Events before the write count under the old settings. */
    rtc_settle(s, now);
    rtc_write_reg(s, s->index, value, now);
    rtc_irq_update(s, now);
}

static const MemOps rtc_ops = {
    .read = rtc_ioport_read, .write = rtc_ioport_write,
    .min_size = 1, .max_size = 1,
};

/* ---- CMOS RAM ---- */

void rtc_cmos_write(RTCState *s, int addr, uint8_t v)
{
    s->cmos[addr & RTC_INDEX_MASK] = v;
}

uint8_t rtc_cmos_read(RTCState *s, int addr)
{
    return s->cmos[addr & RTC_INDEX_MASK];
}

bool rtc_nmi_masked(RTCState *s)
{
    return s->nmi_mask;
}

static void rtc_cmos_write16(RTCState *s, int addr, uint16_t v)
{
    s->cmos[addr] = v;
    s->cmos[addr + 1] = v >> 8;
}

#define CMOS_KIB 1024ull
#define CMOS_MIB (1024 * CMOS_KIB)

void rtc_set_pc_config(RTCState *s, uint64_t below_4g, uint64_t above_4g)
{
    uint64_t ext_kib = below_4g > CMOS_MIB ? (below_4g - CMOS_MIB) / CMOS_KIB
                                           : 0;
    uint64_t above_16m = below_4g > 16 * CMOS_MIB
                         ? (below_4g - 16 * CMOS_MIB) / (64 * CMOS_KIB) : 0;
    uint64_t above_4g_64k = above_4g / (64 * CMOS_KIB);

    s->cmos[CMOS_FLOPPY] = 0;               /* no drives */
    s->cmos[CMOS_EQUIPMENT] = 0x06;         /* FPU, PS/2 mouse; no floppy */
    rtc_cmos_write16(s, CMOS_BASE_MEM_LO, MIN(below_4g / CMOS_KIB, 640));
    rtc_cmos_write16(s, CMOS_EXT_MEM_LO, MIN(ext_kib, 0xffff));
    rtc_cmos_write16(s, CMOS_EXT_MEM2_LO, MIN(ext_kib, 0xffff));
    rtc_cmos_write16(s, CMOS_MEM_16M_LO, MIN(above_16m, 0xffff));
    s->cmos[CMOS_MEM_4G_LO] = above_4g_64k;
    s->cmos[CMOS_MEM_4G_LO + 1] = above_4g_64k >> 8;
    s->cmos[CMOS_MEM_4G_LO + 2] = above_4g_64k >> 16;

    uint16_t sum = 0;
    for (int i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++) {
        sum += s->cmos[i];
    }
    s->cmos[CMOS_CHECKSUM_HI] = sum >> 8;
    s->cmos[CMOS_CHECKSUM_LO] = sum;
}

/*
 * The RESET pin (datasheet "RESET"): PIE, AIE, UIE and SQWE cleared,
 * register C's flags cleared, IRQ released. The clock, the calendar,
 * register A and the CMOS RAM are untouched: the time keeps running
 * across a reset, and so does what firmware stored.
 */
static void rtc_reset(void *opaque)
{
    RTCState *s = opaque;
    int64_t now = clock_get_ns();

    rtc_settle(s, now);
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_irq_update(s, now);
}

RTCState *rtc_create(IOSpace *io, uint32_t iobase, IRQLine *irq,
                     const RTCBase *base)
{
    RTCState *s = g_new0(RTCState, 1);
    int64_t now = clock_get_ns();

    s->irq = irq;
    s->timer = timer_new(rtc_timer_cb, s);
    s->cmos[RTC_REG_A] = REG_A_RESET;
    s->cmos[RTC_REG_B] = REG_B_RESET;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    s->base_sec = rtc_base_seconds(base);
    s->base_ns = now;
    s->settled_ns = now;
    rtc_sync_regs(s, now);
    io_map(io, "mc146818", iobase, 2, &rtc_ops, s);
    reset_register(rtc_reset, s);
    return s;
}
