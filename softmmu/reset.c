/*
 * The reset handler list (see reset.h). Registration order is creation
 * order, which is the board's wiring order: an interrupt controller is
 * reset before the devices whose lines it sees drop.
 */
#include <glib.h>

#include "softmmu/reset.h"

typedef struct ResetEntry {
    ResetHandler fn;
    void *opaque;
} ResetEntry;

static GArray *reset_entries;

void reset_register(ResetHandler fn, void *opaque)
{
    ResetEntry e = { fn, opaque };

    if (!reset_entries) {
        reset_entries = g_array_new(FALSE, FALSE, sizeof(ResetEntry));
    }
    g_array_append_val(reset_entries, e);
}

void reset_run_all(void)
{
    for (guint i = 0; reset_entries && i < reset_entries->len; i++) {
        ResetEntry *e = &g_array_index(reset_entries, ResetEntry, i);
        e->fn(e->opaque);
    }
}
