/* Multiboot (v1) loader: ELF32 kernels and the a.out kludge. */
#ifndef HW_I386_MULTIBOOT_H
#define HW_I386_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/memory.h"
#include "target-x86/cpu.h"

/* True if the image carries a multiboot header in its first 8 KiB. */
bool multiboot_probe(const uint8_t *image, size_t size);

/*
 * Loads the kernel (and modules: initrd is a comma-separated list of files,
 * each optionally followed by arguments, as QEMU's -initrd for multiboot),
 * builds the info structure, and sets the CPU for the multiboot entry:
 * 32-bit flat protected mode, EAX=0x2BADB002, EBX=info. False with *err.
 */
bool multiboot_load(CPUX86State *env, AddressSpace *as, uint64_t ram_size,
                    const uint8_t *image, size_t size, const char *cmdline,
                    const char *initrd, char **err);

#endif
