/*
 * The virtual clock's host mode: timers run from the GLib main loop at
 * their deadline, in deadline order, and can be re-armed or cancelled.
 */
#include <glib.h>

#include "softmmu/clock.h"

typedef struct Fired {
    int order[8];
    int n;
    int64_t at[8];
} Fired;

static Fired fired;

static void on_timer(void *opaque)
{
    if (fired.n < 8) {
        fired.at[fired.n] = clock_get_ns();
        fired.order[fired.n++] = GPOINTER_TO_INT(opaque);
    }
}

static void run_until(int n, int64_t limit_ns)
{
    int64_t end = clock_get_ns() + limit_ns;

    while (fired.n < n && clock_get_ns() < end) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(100);
    }
}

static void test_host_timers(void)
{
    Timer *a = timer_new(on_timer, GINT_TO_POINTER(1));
    Timer *b = timer_new(on_timer, GINT_TO_POINTER(2));
    Timer *c = timer_new(on_timer, GINT_TO_POINTER(3));
    int64_t now = clock_get_ns();

    g_assert_cmpint(clock_deadline_ns(), ==, -1);
    timer_mod(a, now + 20000000);
    timer_mod(b, now + 5000000);
    timer_mod(c, now + 1000000);
    g_assert_cmpint(clock_deadline_ns(), ==, now + 1000000);
    timer_del(c);
    g_assert_false(timer_pending(c));
    g_assert_cmpint(clock_deadline_ns(), ==, now + 5000000);
    run_until(2, 2000000000);
    g_assert_cmpint(fired.n, ==, 2);
    g_assert_cmpint(fired.order[0], ==, 2);
    g_assert_cmpint(fired.order[1], ==, 1);
    g_assert_cmpint(fired.at[0], >=, now + 5000000);
    g_assert_cmpint(fired.at[1], >=, now + 20000000);
    g_assert_false(timer_pending(a));
    timer_free(a);
    timer_free(b);
    timer_free(c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    clock_init(false);
    g_test_add_func("/clock/host-timers", test_host_timers);
    return g_test_run();
}
