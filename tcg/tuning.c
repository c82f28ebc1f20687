/*
 * The JIT's technique switches (tuning.h): the table of property names.
 */
#include <stddef.h>
#include <string.h>

#include <glib.h>

#include "tcg/tuning.h"

TCGTuning tcg_tuning = TCG_TUNING_DEFAULT;

static const struct {
    const char *name;
    size_t offset;
    const char *off_help;
} props[] = {
    { "chain", offsetof(TCGTuning, chain),
      "direct jumps between blocks go through the run loop" },
    { "indirect", offsetof(TCGTuning, indirect),
      "indirect branches go through the run loop" },
    { "jmp-cache", offsetof(TCGTuning, jmp_cache),
      "block lookups search the hash table, no jump cache" },
    { "inline-lookup", offsetof(TCGTuning, inline_lookup),
      "indirect branches call a helper to read the jump cache" },
    { "inline-tlb", offsetof(TCGTuning, inline_tlb),
      "every guest memory access calls the slow path" },
    { "flag-fusion", offsetof(TCGTuning, flag_fusion),
      "Jcc/SETcc/CMOVcc test EFLAGS computed by a helper" },
    { "regcache", offsetof(TCGTuning, regcache),
      "guest registers go to memory at every instruction" },
    { "optimize", offsetof(TCGTuning, optimize),
      "no constant folding, copy propagation, dead-op removal" },
    { "inline-irq-check", offsetof(TCGTuning, inline_irq_check),
      "blocks check for interrupts with a helper call" },
};

bool tcg_tuning_set(TCGTuning *t, const char *name, const char *value,
                    char **err)
{
    for (size_t i = 0; i < G_N_ELEMENTS(props); i++) {
        if (strcmp(name, props[i].name) != 0) {
            continue;
        }
        bool *field = (bool *)((char *)t + props[i].offset);
        if (!value) {
            *err = g_strdup_printf("property '%s' needs a value: on or off",
                                   name);
            return false;
        } else if (strcmp(value, "on") == 0) {
            *field = true;
        } else if (strcmp(value, "off") == 0) {
            *field = false;
        } else {
            *err = g_strdup_printf("property '%s' takes on or off, not '%s'",
                                   name, value);
            return false;
        }
        return true;
    }
    *err = g_strdup_printf("property '%s' is not supported", name);
    return false;
}

void tcg_tuning_help(FILE *f)
{
    fprintf(f, "tcg properties, PROP=on|off (all on; off only to measure "
               "what each buys):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(props); i++) {
        fprintf(f, "  %-16s off: %s\n", props[i].name, props[i].off_help);
    }
}
