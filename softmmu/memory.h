/*
 * Physical address space and port I/O space.
 *
 * A device describes itself with a MemOps (read/write callbacks and the access
 * sizes it accepts) and is mapped with mem_map_mmio()/io_map(); the dispatch
 * code splits accesses the device does not accept and never lets a guest
 * access reach host memory outside a RAM or ROM region.
 */
#ifndef SOFTMMU_MEMORY_H
#define SOFTMMU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t (*MemReadFn)(void *opaque, uint64_t offset, unsigned size);
typedef void (*MemWriteFn)(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size);

typedef struct MemOps {
    MemReadFn read;
    MemWriteFn write;
    /* Access sizes in bytes the callbacks accept (1, 2, 4, 8); 0 means 1..8. */
    unsigned min_size, max_size;
} MemOps;

typedef enum MemRegionKind {
    MEM_REGION_RAM,
    MEM_REGION_ROM,   /* readable host memory; guest writes are ignored */
    MEM_REGION_MMIO,
} MemRegionKind;

typedef struct MemRegion {
    const char *name;
    MemRegionKind kind;
    uint64_t base, size;
    uint8_t *host;          /* RAM/ROM: host address of byte 0 */
    const MemOps *ops;      /* MMIO */
    void *opaque;
} MemRegion;

#define MEM_MAX_REGIONS 64

/* Guest-physical address space: non-overlapping regions sorted by base. */
typedef struct AddressSpace {
    MemRegion regions[MEM_MAX_REGIONS];
    int nr_regions;
    /* Bumped on every (un)mapping; TLBs compare it to know they are stale. */
    uint32_t generation;
} AddressSpace;

typedef struct IORegion {
    const char *name;
    uint32_t base, size;
    const MemOps *ops;
    void *opaque;
} IORegion;

#define IO_MAX_REGIONS 128

typedef struct IOSpace {
    IORegion regions[IO_MAX_REGIONS];
    int nr_regions;
} IOSpace;

void mem_map_ram(AddressSpace *as, const char *name, uint64_t base,
                 uint64_t size, uint8_t *host);
void mem_map_rom(AddressSpace *as, const char *name, uint64_t base,
                 uint64_t size, uint8_t *host);
void mem_map_mmio(AddressSpace *as, const char *name, uint64_t base,
                  uint64_t size, const MemOps *ops, void *opaque);
void mem_unmap(AddressSpace *as, uint64_t base);

/*
 * True when [base, base + size) could be mapped now: it is not empty, does
 * not wrap, overlaps no region, and the table has room. Mappings a guest
 * chooses (PCI BARs) are checked with this first, since the map calls
 * assert that the board got its own layout right.
 */
bool mem_can_map(const AddressSpace *as, uint64_t base, uint64_t size);

/* The region containing paddr, or NULL (unassigned). */
MemRegion *mem_find(AddressSpace *as, uint64_t paddr);

/*
 * Host pointer to guest-physical [paddr, paddr+len) when all of it lies in
 * one RAM (or, when !write, ROM) region; NULL otherwise. This is how DMA and
 * loaders reach guest memory.
 */
uint8_t *mem_host_ptr(AddressSpace *as, uint64_t paddr, uint64_t len,
                      bool write);

/* Sized accesses (1/2/4/8 bytes, little-endian) to anything mapped. Reads of
 * unassigned addresses return all ones; both are logged under -d unimp. */
uint64_t mem_read(AddressSpace *as, uint64_t paddr, unsigned size);
void mem_write(AddressSpace *as, uint64_t paddr, uint64_t value,
               unsigned size);

/* Byte-buffer copies, split across regions; false if any byte was unassigned. */
bool mem_read_buf(AddressSpace *as, uint64_t paddr, void *buf, uint64_t len);
bool mem_write_buf(AddressSpace *as, uint64_t paddr, const void *buf,
                   uint64_t len);

void io_map(IOSpace *io, const char *name, uint32_t base, uint32_t size,
            const MemOps *ops, void *opaque);
/* As mem_unmap: unmapping a base where nothing starts does nothing. */
void io_unmap(IOSpace *io, uint32_t base);
/* As mem_can_map, for the 64 KiB port space. */
bool io_can_map(const IOSpace *io, uint64_t base, uint64_t size);
uint64_t io_read(IOSpace *io, uint32_t port, unsigned size);
void io_write(IOSpace *io, uint32_t port, uint64_t value, unsigned size);

#endif
