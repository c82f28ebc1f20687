/*
 * The perf map file: one line per block, "START SIZE NAME" in hex, the
 * format perf reads for JIT code (tools/perf/Documentation/jit-interface).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "softmmu/perfmap.h"

static FILE *perfmap_file;

static void perfmap_close(void)
{
    if (perfmap_file) {
        fclose(perfmap_file);
        perfmap_file = NULL;
    }
}

bool perfmap_open(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
    perfmap_file = fopen(path, "w");
    if (!perfmap_file) {
        return false;
    }
    atexit(perfmap_close);
    return true;
}

bool perfmap_enabled(void)
{
    return perfmap_file != NULL;
}

void perfmap_add(const void *code, size_t size, uint64_t guest_pc,
                 unsigned guest_insns)
{
    if (perfmap_file) {
        fprintf(perfmap_file, "%lx %zx guest-0x%llx-%u\n",
                (unsigned long)(uintptr_t)code, size,
                (unsigned long long)guest_pc, guest_insns);
    }
}
