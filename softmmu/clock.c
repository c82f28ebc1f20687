/*
 * The virtual clock and its timers (see clock.h).
 *
 * Armed timers sit on one list sorted by deadline. In host-clock mode a
 * GSource's ready time is kept at or before the earliest deadline, so the
 * main loop wakes when something is due; a timer armed from the vCPU
 * thread earlier than that moves the ready time, which wakes the main loop
 * (GLib does that for g_source_set_ready_time on an attached source, from
 * any thread). A later deadline or a deleted timer leaves it: the loop
 * wakes early, finds nothing due, and sets the next one. (A guest re-arms
 * its timer thousands of times a second; each wake-up is a syscall.)
 */
#include <time.h>

#include <glib.h>

#include "softmmu/bql.h"
#include "softmmu/clock.h"

struct Timer {
    TimerCallback cb;
    void *opaque;
    int64_t deadline;
    bool armed;
    Timer *next;
};

static bool clock_manual;
static int64_t clock_manual_ns;
/* Host monotonic time (µs, as GLib counts it) of virtual time 0. */
static gsize clock_origin_ns;
static Timer *timer_list;
static GSource *timer_source;
static int64_t timer_source_us = -1;    /* its ready time, -1 for none */

static int64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Host time at machine start: virtual time 0. */
static int64_t clock_origin(void)
{
    if (g_once_init_enter(&clock_origin_ns)) {
        /* +1: 0 is how g_once_init says "not set yet" */
        g_once_init_leave(&clock_origin_ns, (gsize)host_monotonic_ns() + 1);
    }
    return (int64_t)clock_origin_ns - 1;
}

int64_t clock_get_ns(void)
{
    if (clock_manual) {
        return clock_manual_ns;
    }
    return host_monotonic_ns() - clock_origin();
}

int64_t clock_deadline_ns(void)
{
    return timer_list ? timer_list->deadline : -1;
}

static void timer_source_update(void)
{
    if (!timer_source || !timer_list) {
        return;
    }
    /* GLib's ready time is CLOCK_MONOTONIC in microseconds (as
     * g_get_monotonic_time); round up: waking early would find nothing
     * due. */
    int64_t us = (clock_origin() + timer_list->deadline + 999) / 1000;
    if (timer_source_us < 0 || us < timer_source_us) {
        timer_source_us = us;
        g_source_set_ready_time(timer_source, us);
    }
}

static void timer_unlink(Timer *t)
{
    for (Timer **p = &timer_list; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

Timer *timer_new(TimerCallback cb, void *opaque)
{
    Timer *t = g_new0(Timer, 1);

    t->cb = cb;
    t->opaque = opaque;
    return t;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

void timer_mod(Timer *t, int64_t deadline_ns)
{
    Timer **p;

    if (t->armed) {
        timer_unlink(t);
    }
    t->deadline = deadline_ns;
    t->armed = true;
    /* After timers with the same deadline: they run in arming order. */
    for (p = &timer_list; *p && (*p)->deadline <= deadline_ns;
         p = &(*p)->next) {
    }
    t->next = *p;
    *p = t;
    if (timer_list == t) {
        timer_source_update();
    }
}

void timer_del(Timer *t)
{
    if (t->armed) {
        bool first = timer_list == t;
        timer_unlink(t);
        if (first) {
            timer_source_update();
        }
    }
}

bool timer_pending(const Timer *t)
{
    return t->armed;
}

/* Runs every timer due at now; a callback may re-arm itself or others. */
static void timers_run_due(int64_t now)
{
    while (timer_list && timer_list->deadline <= now) {
        Timer *t = timer_list;

        timer_unlink(t);
        t->cb(t->opaque);
    }
}

void clock_step_to(int64_t ns)
{
    if (!clock_manual) {
        return;
    }
    while (timer_list && timer_list->deadline <= ns) {
        if (timer_list->deadline > clock_manual_ns) {
            clock_manual_ns = timer_list->deadline;
        }
        timers_run_due(clock_manual_ns);
    }
    if (ns > clock_manual_ns) {
        clock_manual_ns = ns;
    }
}

static gboolean timer_source_dispatch(GSource *source, GSourceFunc cb,
                                      gpointer data)
{
    bql_lock();
    g_source_set_ready_time(source, -1);
    timer_source_us = -1;
    timers_run_due(clock_get_ns());
    timer_source_update();
    bql_unlock();
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .dispatch = timer_source_dispatch,
};

void clock_init(bool manual)
{
    clock_manual = manual;
    clock_manual_ns = 0;
    clock_origin();
    if (!manual && !timer_source) {
        timer_source = g_source_new(&timer_source_funcs, sizeof(GSource));
        g_source_set_name(timer_source, "bt86-timers");
        g_source_attach(timer_source, NULL);
        bql_lock();
        timer_source_update();
        bql_unlock();
    }
}
