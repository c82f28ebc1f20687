/*
 * Physical address space and port I/O space dispatch.
 *
 * Regions are kept sorted by base and never overlap, so a lookup is a binary
 * search. A device states the access sizes it accepts (MemOps min/max); the
 * code here splits or widens everything else, so device callbacks only ever
 * see sizes they asked for. Nothing here takes the global lock: the caller
 * (the vCPU, or the main thread for DMA) already holds it.
 */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "softmmu/log.h"
#include "softmmu/memory.h"

/* The port space is 64 KiB; a port beyond it is never decoded. */
#define IO_SPACE_SIZE 0x10000u

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static bool size_is_pow2(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Largest power of two <= n (n in 1..8). */
static unsigned pow2_floor(unsigned n)
{
    return n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
}

static uint64_t host_load_le(const uint8_t *p, unsigned size)
{
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;

    switch (size) {
    case 1:
        return p[0];
    case 2:
        memcpy(&v16, p, 2);
        return GUINT16_FROM_LE(v16);
    case 4:
        memcpy(&v32, p, 4);
        return GUINT32_FROM_LE(v32);
    case 8:
        memcpy(&v64, p, 8);
        return GUINT64_FROM_LE(v64);
    default:
        v64 = 0;
        for (unsigned i = 0; i < size; i++) {
            v64 |= (uint64_t)p[i] << (i * 8);
        }
        return v64;
    }
}

static void host_store_le(uint8_t *p, uint64_t value, unsigned size)
{
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;

    switch (size) {
    case 1:
        p[0] = value;
        break;
    case 2:
        v16 = GUINT16_TO_LE((uint16_t)value);
        memcpy(p, &v16, 2);
        break;
    case 4:
        v32 = GUINT32_TO_LE((uint32_t)value);
        memcpy(p, &v32, 4);
        break;
    case 8:
        v64 = GUINT64_TO_LE(value);
        memcpy(p, &v64, 8);
        break;
    default:
        for (unsigned i = 0; i < size; i++) {
            p[i] = value >> (i * 8);
        }
        break;
    }
}

/* ---- Device callbacks: size adjustment shared by MMIO and ports ---- */

static unsigned ops_min_size(const MemOps *ops)
{
    return ops->min_size ? ops->min_size : 1;
}

static unsigned ops_max_size(const MemOps *ops)
{
    return ops->max_size ? ops->max_size : 8;
}

static void ops_check(const MemOps *ops)
{
    assert(ops);
    assert(ops->min_size == 0 || size_is_pow2(ops->min_size));
    assert(ops->max_size == 0 || size_is_pow2(ops->max_size));
    assert(ops_min_size(ops) <= ops_max_size(ops));
}

/*
 * Read size bytes (1..8) at offset from a device, in accesses it accepts.
 * Wider than max_size: several max_size reads assembled little-endian.
 * Narrower than min_size: one min_size read of the naturally aligned unit
 * holding the bytes, from which they are extracted, as a bus with byte
 * enables presents it to a device that ignores them.
 */
static uint64_t ops_read(const MemOps *ops, void *opaque, const char *name,
                         uint64_t offset, unsigned size)
{
    unsigned min = ops_min_size(ops), max = ops_max_size(ops);

    if (!ops->read) {
        log_mask_printf(LOG_UNIMP, "%s: read of write-only device at +0x%"
                        PRIx64 " size %u\n", name, offset, size);
        return size_mask(size);
    }
    if (size >= min && size <= max && size_is_pow2(size)) {
        return ops->read(opaque, offset, size) & size_mask(size);
    }
    if (size < min) {
        uint64_t unit = offset & ~(uint64_t)(min - 1);
        unsigned shift = offset - unit;

        if (shift + size <= min) {
            uint64_t v = ops->read(opaque, unit, min) & size_mask(min);
            return (v >> (shift * 8)) & size_mask(size);
        }
        /* Straddles two units: take it a byte at a time. */
    }

    uint64_t value = 0;
    unsigned done = 0;
    while (done < size) {
        unsigned piece = pow2_floor(size - done);
        if (piece > max) {
            piece = max;
        }
        if (piece < min) {
            piece = 1;
        }
        value |= ops_read(ops, opaque, name, offset + done, piece)
                 << (done * 8);
        done += piece;
    }
    return value;
}

/*
 * The write counterpart of ops_read. A write narrower than min_size becomes
 * a min_size write with the other byte lanes zero: the device sees what a
 * device that ignores byte enables would latch. Reading the unit first to
 * merge would trigger read side effects the guest never asked for.
 */
static void ops_write(const MemOps *ops, void *opaque, const char *name,
                      uint64_t offset, uint64_t value, unsigned size)
{
    unsigned min = ops_min_size(ops), max = ops_max_size(ops);

    value &= size_mask(size);
    if (!ops->write) {
        log_mask_printf(LOG_UNIMP, "%s: write to read-only device at +0x%"
                        PRIx64 " size %u value 0x%" PRIx64 "\n",
                        name, offset, size, value);
        return;
    }
    if (size >= min && size <= max && size_is_pow2(size)) {
        ops->write(opaque, offset, value, size);
        return;
    }
    if (size < min) {
        uint64_t unit = offset & ~(uint64_t)(min - 1);
        unsigned shift = offset - unit;

        if (shift + size <= min) {
            log_mask_printf(LOG_GUEST_ERROR, "%s: %u-byte write at +0x%"
                            PRIx64 " widened to %u bytes\n",
                            name, size, offset, min);
            ops->write(opaque, unit, value << (shift * 8), min);
            return;
        }
    }

    unsigned done = 0;
    while (done < size) {
        unsigned piece = pow2_floor(size - done);
        if (piece > max) {
            piece = max;
        }
        if (piece < min) {
            piece = 1;
        }
        ops_write(ops, opaque, name, offset + done,
                  value >> (done * 8), piece);
        done += piece;
    }
}

/* ---- Address space: region table ---- */

/* Index of the last region whose base is <= paddr, or -1. */
static int mem_find_index(const AddressSpace *as, uint64_t paddr)
{
    int lo = 0, hi = as->nr_regions;

    /* regions[< lo].base <= paddr and regions[>= hi].base > paddr */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (as->regions[mid].base <= paddr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo - 1;
}

MemRegion *mem_find(AddressSpace *as, uint64_t paddr)
{
    int i = mem_find_index(as, paddr);

    if (i < 0) {
        return NULL;
    }
    MemRegion *r = &as->regions[i];
    return paddr - r->base < r->size ? r : NULL;
}

static void mem_insert(AddressSpace *as, const MemRegion *nr)
{
    assert(nr->size > 0);
    assert(nr->size - 1 <= UINT64_MAX - nr->base);  /* ends by 2^64 */
    assert(as->nr_regions < MEM_MAX_REGIONS);

    /* Neither the region before nor the one after may overlap. */
    int i = mem_find_index(as, nr->base);
    assert(i < 0 ||
           nr->base - as->regions[i].base >= as->regions[i].size);
    assert(i + 1 >= as->nr_regions ||
           as->regions[i + 1].base - nr->base >= nr->size);

    memmove(&as->regions[i + 2], &as->regions[i + 1],
            (as->nr_regions - (i + 1)) * sizeof(MemRegion));
    as->regions[i + 1] = *nr;
    as->nr_regions++;
    as->generation++;
}

void mem_map_ram(AddressSpace *as, const char *name, uint64_t base,
                 uint64_t size, uint8_t *host)
{
    assert(host);
    mem_insert(as, &(MemRegion){ .name = name, .kind = MEM_REGION_RAM,
                                 .base = base, .size = size, .host = host });
}

void mem_map_rom(AddressSpace *as, const char *name, uint64_t base,
                 uint64_t size, uint8_t *host)
{
    assert(host);
    mem_insert(as, &(MemRegion){ .name = name, .kind = MEM_REGION_ROM,
                                 .base = base, .size = size, .host = host });
}

void mem_map_mmio(AddressSpace *as, const char *name, uint64_t base,
                  uint64_t size, const MemOps *ops, void *opaque)
{
    ops_check(ops);
    mem_insert(as, &(MemRegion){ .name = name, .kind = MEM_REGION_MMIO,
                                 .base = base, .size = size, .ops = ops,
                                 .opaque = opaque });
}

/*
 * Unmapping a base where nothing is mapped does nothing: a device moving a
 * BAR it never mapped need not track that separately.
 */
void mem_unmap(AddressSpace *as, uint64_t base)
{
    int i = mem_find_index(as, base);

    if (i < 0 || as->regions[i].base != base) {
        return;
    }
    memmove(&as->regions[i], &as->regions[i + 1],
            (as->nr_regions - (i + 1)) * sizeof(MemRegion));
    as->nr_regions--;
    as->generation++;
}

bool mem_can_map(const AddressSpace *as, uint64_t base, uint64_t size)
{
    if (size == 0 || size - 1 > UINT64_MAX - base ||
        as->nr_regions >= MEM_MAX_REGIONS) {
        return false;
    }
    int i = mem_find_index(as, base);
    if (i >= 0 && base - as->regions[i].base < as->regions[i].size) {
        return false;
    }
    return i + 1 >= as->nr_regions ||
           as->regions[i + 1].base - base >= size;
}

uint8_t *mem_host_ptr(AddressSpace *as, uint64_t paddr, uint64_t len,
                      bool write)
{
    MemRegion *r = mem_find(as, paddr);

    if (!r || r->kind == MEM_REGION_MMIO ||
        (write && r->kind == MEM_REGION_ROM)) {
        return NULL;
    }
    /* Compare lengths, never paddr + len: that sum may wrap. */
    uint64_t off = paddr - r->base;
    if (len > r->size - off) {
        return NULL;
    }
    return r->host + off;
}

/* ---- Address space: sized accesses ---- */

/* An access wholly inside region r. */
static uint64_t region_read(MemRegion *r, uint64_t off, unsigned size)
{
    if (r->kind == MEM_REGION_MMIO) {
        return ops_read(r->ops, r->opaque, r->name, off, size);
    }
    return host_load_le(r->host + off, size);
}

static void region_write(MemRegion *r, uint64_t off, uint64_t value,
                         unsigned size)
{
    switch (r->kind) {
    case MEM_REGION_RAM:
        host_store_le(r->host + off, value, size);
        break;
    case MEM_REGION_ROM:
        log_mask_printf(LOG_GUEST_ERROR, "write to ROM '%s' at 0x%" PRIx64
                        " size %u value 0x%" PRIx64 " ignored\n", r->name,
                        r->base + off, size, value & size_mask(size));
        break;
    case MEM_REGION_MMIO:
        ops_write(r->ops, r->opaque, r->name, off, value, size);
        break;
    }
}

/* The region holding all of [paddr, paddr + size), or NULL. */
static MemRegion *mem_find_whole(AddressSpace *as, uint64_t paddr,
                                 unsigned size)
{
    MemRegion *r = mem_find(as, paddr);

    if (r && size - 1 <= r->size - 1 - (paddr - r->base)) {
        return r;
    }
    return NULL;
}

static bool mem_any_mapped(AddressSpace *as, uint64_t paddr, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        if (mem_find(as, paddr + i)) {
            return true;
        }
    }
    return false;
}

uint64_t mem_read(AddressSpace *as, uint64_t paddr, unsigned size)
{
    assert(size >= 1 && size <= 8);

    MemRegion *r = mem_find_whole(as, paddr, size);
    if (r) {
        return region_read(r, paddr - r->base, size);
    }
    if (!mem_any_mapped(as, paddr, size)) {
        log_mask_printf(LOG_UNIMP, "unassigned memory read at 0x%" PRIx64
                        " size %u\n", paddr, size);
        return size_mask(size);
    }

    /* Straddles a region boundary: byte by byte, each from its own region. */
    uint64_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        value |= mem_read(as, paddr + i, 1) << (i * 8);
    }
    return value;
}

void mem_write(AddressSpace *as, uint64_t paddr, uint64_t value,
               unsigned size)
{
    assert(size >= 1 && size <= 8);

    MemRegion *r = mem_find_whole(as, paddr, size);
    if (r) {
        region_write(r, paddr - r->base, value, size);
        return;
    }
    if (!mem_any_mapped(as, paddr, size)) {
        log_mask_printf(LOG_UNIMP, "unassigned memory write at 0x%" PRIx64
                        " size %u value 0x%" PRIx64 "\n", paddr, size,
                        value & size_mask(size));
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        mem_write(as, paddr + i, value >> (i * 8), 1);
    }
}

/* ---- Address space: buffers ---- */

/* The largest naturally aligned access (<= 8) at off within len bytes. */
static unsigned mmio_chunk_size(uint64_t off, uint64_t len)
{
    unsigned size = len >= 8 ? 8 : pow2_floor(len);

    while (off & (size - 1)) {
        size /= 2;
    }
    return size;
}

/*
 * How many bytes from paddr (unassigned) until the next region, at most len.
 * The top of the 64-bit space ends a run too, so paddr never wraps silently
 * into a region at 0 within one chunk.
 */
static uint64_t mem_unassigned_run(AddressSpace *as, uint64_t paddr,
                                   uint64_t len)
{
    int i = mem_find_index(as, paddr);
    uint64_t run = len;

    if (i + 1 < as->nr_regions) {
        run = MIN(run, as->regions[i + 1].base - paddr);
    }
    if (paddr != 0) {
        run = MIN(run, -paddr);
    }
    return run;
}

bool mem_read_buf(AddressSpace *as, uint64_t paddr, void *buf, uint64_t len)
{
    uint8_t *p = buf;
    bool ok = true;

    while (len > 0) {
        MemRegion *r = mem_find(as, paddr);
        uint64_t chunk;

        if (r) {
            uint64_t off = paddr - r->base;
            chunk = MIN(len, r->size - off);
            if (r->kind == MEM_REGION_MMIO) {
                for (uint64_t done = 0; done < chunk;) {
                    unsigned sz = mmio_chunk_size(off + done, chunk - done);
                    host_store_le(p + done,
                                  region_read(r, off + done, sz), sz);
                    done += sz;
                }
            } else {
                memcpy(p, r->host + off, chunk);
            }
        } else {
            chunk = mem_unassigned_run(as, paddr, len);
            log_mask_printf(LOG_UNIMP, "unassigned memory read at 0x%" PRIx64
                            " length 0x%" PRIx64 "\n", paddr, chunk);
            memset(p, 0xff, chunk);
            ok = false;
        }
        p += chunk;
        paddr += chunk;
        len -= chunk;
    }
    return ok;
}

bool mem_write_buf(AddressSpace *as, uint64_t paddr, const void *buf,
                   uint64_t len)
{
    const uint8_t *p = buf;
    bool ok = true;

    while (len > 0) {
        MemRegion *r = mem_find(as, paddr);
        uint64_t chunk;

        if (r) {
            uint64_t off = paddr - r->base;
            chunk = MIN(len, r->size - off);
            switch (r->kind) {
            case MEM_REGION_RAM:
                memcpy(r->host + off, p, chunk);
                break;
            case MEM_REGION_ROM:
                log_mask_printf(LOG_GUEST_ERROR, "write to ROM '%s' at 0x%"
                                PRIx64 " length 0x%" PRIx64 " ignored\n",
                                r->name, paddr, chunk);
                break;
            case MEM_REGION_MMIO:
                for (uint64_t done = 0; done < chunk;) {
                    unsigned sz = mmio_chunk_size(off + done, chunk - done);
                    region_write(r, off + done, host_load_le(p + done, sz),
                                 sz);
                    done += sz;
                }
                break;
            }
        } else {
            chunk = mem_unassigned_run(as, paddr, len);
            log_mask_printf(LOG_UNIMP, "unassigned memory write at 0x%"
                            PRIx64 " length 0x%" PRIx64 "\n", paddr, chunk);
            ok = false;
        }
        p += chunk;
        paddr += chunk;
        len -= chunk;
    }
    return ok;
}

/* ---- Port I/O space ---- */

static int io_find_index(const IOSpace *io, uint32_t port)
{
    int lo = 0, hi = io->nr_regions;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (io->regions[mid].base <= port) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo - 1;
}

/* Takes a 64-bit port so that port + i of a wide access cannot wrap. */
static IORegion *io_find(IOSpace *io, uint64_t port)
{
    if (port >= IO_SPACE_SIZE) {
        return NULL;
    }
    int i = io_find_index(io, port);
    if (i < 0) {
        return NULL;
    }
    IORegion *r = &io->regions[i];
    return port - r->base < r->size ? r : NULL;
}

void io_map(IOSpace *io, const char *name, uint32_t base, uint32_t size,
            const MemOps *ops, void *opaque)
{
    ops_check(ops);
    assert(size > 0);
    assert(base < IO_SPACE_SIZE && size <= IO_SPACE_SIZE - base);
    assert(io->nr_regions < IO_MAX_REGIONS);

    /* Neither the region before nor the one after may overlap. */
    int i = io_find_index(io, base);
    assert(i < 0 || base - io->regions[i].base >= io->regions[i].size);
    assert(i + 1 >= io->nr_regions || io->regions[i + 1].base - base >= size);

    memmove(&io->regions[i + 2], &io->regions[i + 1],
            (io->nr_regions - (i + 1)) * sizeof(IORegion));
    io->regions[i + 1] = (IORegion){ .name = name, .base = base,
                                     .size = size, .ops = ops,
                                     .opaque = opaque };
    io->nr_regions++;
}

void io_unmap(IOSpace *io, uint32_t base)
{
    int i = io_find_index(io, base);

    if (i < 0 || io->regions[i].base != base) {
        return;
    }
    memmove(&io->regions[i], &io->regions[i + 1],
            (io->nr_regions - (i + 1)) * sizeof(IORegion));
    io->nr_regions--;
}

bool io_can_map(const IOSpace *io, uint64_t base, uint64_t size)
{
    if (size == 0 || base >= IO_SPACE_SIZE || size > IO_SPACE_SIZE - base ||
        io->nr_regions >= IO_MAX_REGIONS) {
        return false;
    }
    int i = io_find_index(io, base);
    if (i >= 0 && base - io->regions[i].base < io->regions[i].size) {
        return false;
    }
    return i + 1 >= io->nr_regions ||
           io->regions[i + 1].base - base >= size;
}

/* The region holding all of [port, port + size), or NULL. */
static IORegion *io_find_whole(IOSpace *io, uint32_t port, unsigned size)
{
    IORegion *r = io_find(io, port);

    if (r && size <= r->size - (port - r->base)) {
        return r;
    }
    return NULL;
}

static bool io_any_mapped(IOSpace *io, uint32_t port, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        if (io_find(io, (uint64_t)port + i)) {
            return true;
        }
    }
    return false;
}

uint64_t io_read(IOSpace *io, uint32_t port, unsigned size)
{
    assert(size >= 1 && size <= 8);

    IORegion *r = io_find_whole(io, port, size);
    if (r) {
        return ops_read(r->ops, r->opaque, r->name, port - r->base, size);
    }
    if (!io_any_mapped(io, port, size)) {
        log_mask_printf(LOG_UNIMP, "unassigned port read 0x%04" PRIx32
                        " size %u\n", port, size);
        return size_mask(size);
    }

    /* Straddles two devices: each byte goes to its own. */
    uint64_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t p = (uint64_t)port + i;
        IORegion *b = io_find(io, p);
        uint64_t byte = 0xff;
        if (b) {
            byte = ops_read(b->ops, b->opaque, b->name, p - b->base, 1);
        } else {
            log_mask_printf(LOG_UNIMP, "unassigned port read 0x%04" PRIx64
                            " size 1\n", p);
        }
        value |= byte << (i * 8);
    }
    return value;
}

void io_write(IOSpace *io, uint32_t port, uint64_t value, unsigned size)
{
    assert(size >= 1 && size <= 8);

    IORegion *r = io_find_whole(io, port, size);
    if (r) {
        ops_write(r->ops, r->opaque, r->name, port - r->base, value, size);
        return;
    }
    if (!io_any_mapped(io, port, size)) {
        log_mask_printf(LOG_UNIMP, "unassigned port write 0x%04" PRIx32
                        " size %u value 0x%" PRIx64 "\n", port, size,
                        value & size_mask(size));
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint64_t p = (uint64_t)port + i;
        IORegion *b = io_find(io, p);
        uint64_t byte = (value >> (i * 8)) & 0xff;
        if (b) {
            ops_write(b->ops, b->opaque, b->name, p - b->base, byte, 1);
        } else {
            log_mask_printf(LOG_UNIMP, "unassigned port write 0x%04" PRIx64
                            " size 1 value 0x%02" PRIx64 "\n", p, byte);
        }
    }
}
