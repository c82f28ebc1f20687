/*
 * -perfmap: /tmp/perf-PID.map names each translated block, so that Linux
 * perf attributes time in generated code to guest code (as QEMU's -perfmap).
 */
#ifndef SOFTMMU_PERFMAP_H
#define SOFTMMU_PERFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* False (errno set) if the map file cannot be created. */
bool perfmap_open(void);
bool perfmap_enabled(void);
void perfmap_add(const void *code, size_t size, uint64_t guest_pc,
                 unsigned guest_insns);

#endif
