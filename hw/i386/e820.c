/* The PC memory map as a BIOS reports it, from the board's RAM regions. */
#include <stdlib.h>

#include "hw/i386/e820.h"

#define E820_LOW_MEM_END 0xA0000ull    /* 640 KiB: the legacy hole starts */
#define E820_HIGH_MEM    0x100000ull   /* 1 MiB */

static int e820_entry_cmp(const void *a, const void *b)
{
    const E820Entry *x = a, *y = b;

    return x->base < y->base ? -1 : x->base > y->base;
}

unsigned e820_build(AddressSpace *as, E820Entry *e, unsigned max)
{
    unsigned n = 0;
    bool legacy_is_ram = false;

    for (int i = 0; i < as->nr_regions && n < max - 1; i++) {
        const MemRegion *r = &as->regions[i];
        if (r->kind != MEM_REGION_RAM) {
            continue;
        }
        if (r->base < E820_HIGH_MEM && r->base + r->size > E820_LOW_MEM_END) {
            legacy_is_ram = true;
        }
        e[n++] = (E820Entry){ r->base, r->size, E820_RAM };
    }
    if (!legacy_is_ram) {
        e[n++] = (E820Entry){ E820_LOW_MEM_END,
                              E820_HIGH_MEM - E820_LOW_MEM_END,
                              E820_RESERVED };
    }
    qsort(e, n, sizeof(*e), e820_entry_cmp);
    return n;
}
