/* The reset handler list: every handler runs, first registered first. */
#include <glib.h>

#include "softmmu/reset.h"

static GString *order;

static void record(void *opaque)
{
    g_string_append(order, opaque);
}

static void test_order(void)
{
    order = g_string_new(NULL);
    reset_run_all();                    /* nothing registered: nothing */
    g_assert_cmpstr(order->str, ==, "");
    reset_register(record, "a");
    reset_register(record, "b");
    reset_register(record, "a");
    reset_run_all();
    g_assert_cmpstr(order->str, ==, "aba");
    reset_run_all();
    g_assert_cmpstr(order->str, ==, "abaaba");
    g_string_free(order, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reset/order", test_order);
    return g_test_run();
}
