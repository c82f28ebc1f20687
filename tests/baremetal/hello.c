/*
 * The first kit kernel: integer workloads from compute.c, whose expected
 * output comes from running the same file natively (compute-native.c).
 */
#include "compute.h"
#include "kit.h"

extern char __kernel_end[];     /* from kernel.ld */

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    const struct multiboot_info *mbi =
        (const struct multiboot_info *)(uintptr_t)mb_info;

    kit_printf("%s", COMPUTE_GREETING);

    /* Silent unless the loader got something wrong. */
    KIT_CHECK(mb_magic == MULTIBOOT_BOOTLOADER_MAGIC);
    if (mb_magic == MULTIBOOT_BOOTLOADER_MAGIC) {
        KIT_CHECK(mbi->flags & MULTIBOOT_INFO_MEMORY);
        /* mem_upper counts KiB from 1 MiB, where we are loaded. */
        KIT_CHECK(0x100000 + (uint64_t)mbi->mem_upper * 1024 >=
                  (uintptr_t)__kernel_end);
    }

    compute_report(kit_printf);
    kit_printf("%s", COMPUTE_DONE);
    kit_finish();
}
