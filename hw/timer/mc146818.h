/*
 * MC146818 real-time clock and CMOS RAM at ports 0x70 (index; bit 7 is
 * the NMI mask) and 0x71 (data), interrupting on ISA IRQ 8.
 */
#ifndef HW_TIMER_MC146818_H
#define HW_TIMER_MC146818_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define RTC_IOBASE   0x70
#define RTC_ISA_IRQ  8
#define RTC_CENTURY  0x32   /* CMOS byte of the century (IBM AT BIOS
                               convention; the FADT names it) */

typedef struct RTCState RTCState;

/* Where the clock starts (-rtc base=): the host's time in UTC or in its
 * local zone, or a fixed date and time. */
typedef enum RTCBaseKind {
    RTC_BASE_UTC,
    RTC_BASE_LOCALTIME,
    RTC_BASE_DATE,
} RTCBaseKind;

typedef struct RTCBase {
    RTCBaseKind kind;
    int64_t date;           /* RTC_BASE_DATE: seconds since 1970, as UTC */
} RTCBase;

/* Parses "utc", "localtime" or "YYYY-MM-DDTHH:MM:SS"; false on junk. */
bool rtc_parse_base(const char *s, RTCBase *out);

/* irq receives the IRQ output (active high here); base may be NULL (UTC). */
RTCState *rtc_create(IOSpace *io, uint32_t iobase, IRQLine *irq,
                     const RTCBase *base);

/* Raw CMOS bytes, for the board (no side effects, no checksum update). */
void rtc_cmos_write(RTCState *s, int addr, uint8_t v);
uint8_t rtc_cmos_read(RTCState *s, int addr);

/* Bit 7 of the last index write: the PC's NMI mask (1 = NMIs blocked). */
bool rtc_nmi_masked(RTCState *s);

/* The PC BIOS memory-size bytes (base, extended, above 16 MiB, above
 * 4 GiB), equipment and floppy bytes, and the checksum at 0x2e/0x2f. */
void rtc_set_pc_config(RTCState *s, uint64_t below_4g, uint64_t above_4g);

#endif
