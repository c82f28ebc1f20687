/* The kernel proper, decompressed on the host from a bzImage's payload. */
#ifndef HW_I386_VMLINUX_H
#define HW_I386_VMLINUX_H

#include <stddef.h>
#include <stdint.h>

#include "softmmu/memory.h"

/*
 * If the payload (the compressed kernel of a bzImage) is xz, decompresses
 * it and loads the vmlinux ELF's segments at their physical addresses,
 * which must lie in [load, load + init_size). 1: loaded, *entry is the
 * 64-bit entry (startup_64); 0: another format, nothing done (the kernel's
 * own decompressor is to run); -1: corrupt, *err says why in one line.
 */
int vmlinux_load(AddressSpace *as, const uint8_t *payload, size_t len,
                 uint64_t load, uint64_t init_size, uint64_t *entry,
                 char **err);

#endif
