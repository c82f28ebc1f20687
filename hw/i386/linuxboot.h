/* Direct Linux boot: a bzImage entered at its 64-bit entry point. */
#ifndef HW_I386_LINUXBOOT_H
#define HW_I386_LINUXBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/memory.h"
#include "target-x86/cpu.h"

/* True if the image has the x86 boot protocol's setup header ("HdrS"). */
bool linux_probe(const uint8_t *image, size_t size);

/*
 * Loads a bzImage as the Linux x86 boot protocol (2.12+) says a 64-bit boot
 * loader does: the protected-mode kernel at its preferred address, the
 * initrd (a file path, or NULL) as high as initrd_addr_max allows, the
 * command line, and a zero page with the E820 map and the ACPI RSDP
 * address (0 for none). The CPU is left at the 64-bit entry point in long
 * mode, with identity-mapped page tables for the first 4 GiB and a GDT
 * with __BOOT_CS (0x10) and __BOOT_DS (0x18). With unpack, an xz payload
 * is decompressed here and the entry is the kernel proper's (vmlinux.h);
 * otherwise, or for other formats, the kernel's own decompressor's.
 * False with *err (one line)
 * for a corrupt or truncated image, an initrd that does not fit, or too
 * little RAM.
 */
bool linux_load(CPUX86State *env, AddressSpace *as, const uint8_t *image,
                size_t size, const char *cmdline, const char *initrd,
                uint64_t rsdp_addr, bool unpack, char **err);

#endif
