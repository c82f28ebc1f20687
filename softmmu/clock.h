/*
 * The virtual clock and its timers.
 *
 * Virtual time is in nanoseconds from machine start. Normally it follows the
 * host's monotonic clock; in qtest mode it stands still and moves only when
 * the test steps it (clock_step_to), so device tests are deterministic.
 * Devices compute their counts from clock_get_ns() rather than ticking, and
 * ask for a callback at a deadline with a Timer.
 *
 * Timers are used under the global lock; callbacks run under it, on the
 * main thread (from the GLib main loop, or from the qtest command that
 * moved the clock).
 */
#ifndef SOFTMMU_CLOCK_H
#define SOFTMMU_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*TimerCallback)(void *opaque);

typedef struct Timer Timer;

/*
 * Starts the clock. With manual (qtest), time stands at 0 until stepped;
 * otherwise it follows the host and due timers are run by a source on the
 * default GLib main context.
 */
void clock_init(bool manual);

int64_t clock_get_ns(void);

Timer *timer_new(TimerCallback cb, void *opaque);
void timer_free(Timer *t);
/* Arms (or re-arms) t to run once when the clock reaches deadline_ns. */
void timer_mod(Timer *t, int64_t deadline_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);

/* The earliest armed deadline, or -1 when no timer is armed. */
int64_t clock_deadline_ns(void);

/*
 * Manual clock only: moves time forward to ns, running every timer due on
 * the way at its own deadline, in deadline order. ns earlier than the
 * current time is ignored.
 */
void clock_step_to(int64_t ns);

#endif
