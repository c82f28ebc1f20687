/* The PC memory map as a BIOS reports it (INT 15h E820): for the loaders. */
#ifndef HW_I386_E820_H
#define HW_I386_E820_H

#include "softmmu/memory.h"

#define E820_RAM      1u
#define E820_RESERVED 2u

typedef struct E820Entry {
    uint64_t base, length;
    uint32_t type;
} E820Entry;

/*
 * The address space's RAM regions, plus the legacy 640K-1M hole as
 * reserved, sorted by address: the board's layout is read, not repeated.
 * Returns the number of entries (at most max).
 */
unsigned e820_build(AddressSpace *as, E820Entry *e, unsigned max);

#endif
