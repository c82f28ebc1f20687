/*
 * Switches that turn the JIT's speed techniques off one at a time, to
 * measure what each buys (-accel tcg,PROP=off; bench/run --techniques).
 * All on by default. Each one off keeps the emulator correct, only slower.
 * Set once before the first block is translated; read by the translator,
 * the passes, the back end and the run loop.
 */
#ifndef TCG_TUNING_H
#define TCG_TUNING_H

#include <stdbool.h>
#include <stdio.h>

typedef struct TCGTuning {
    bool chain;            /* direct jumps between blocks are patched */
    bool indirect;         /* indirect branches find their target in code */
    bool jmp_cache;        /* per-vCPU jump cache in front of the hash table */
    bool inline_lookup;    /* indirect branches read the jump cache inline */
    bool inline_tlb;       /* guest memory accesses probe the TLB inline */
    bool flag_fusion;      /* Jcc/SETcc/CMOVcc compare the lazy operands */
    bool regcache;         /* guest registers stay in host registers across
                              the guest instructions of a block */
    bool optimize;         /* IR optimiser and removal of dead ops */
    bool inline_irq_check; /* block-entry exit check inline, not a call */
} TCGTuning;

#define TCG_TUNING_DEFAULT                                                    \
    ((TCGTuning){ .chain = true, .indirect = true, .jmp_cache = true,        \
                  .inline_lookup = true, .inline_tlb = true,                 \
                  .flag_fusion = true, .regcache = true, .optimize = true,   \
                  .inline_irq_check = true })

extern TCGTuning tcg_tuning;

/*
 * Sets property `name` ("chain", "inline-tlb"...) of *t from "on" or
 * "off". On an unknown name or a bad value returns false and points *err
 * at a message to free with g_free().
 */
bool tcg_tuning_set(TCGTuning *t, const char *name, const char *value,
                    char **err);
/* One line per property: name and what turning it off does. */
void tcg_tuning_help(FILE *f);

#endif
