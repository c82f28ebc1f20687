/* Address space and port space dispatch (softmmu/memory.c). */
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "softmmu/log.h"
#include "softmmu/memory.h"

/* A device that records every access it sees and is backed by bytes. */
typedef struct Access {
    bool write;
    uint64_t offset;
    uint64_t value;
    unsigned size;
} Access;

typedef struct FakeDev {
    Access acc[64];
    int n;
    uint8_t regs[64];
} FakeDev;

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
    FakeDev *d = opaque;
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)d->regs[offset + i] << (i * 8);
    }
    g_assert_cmpint(d->n, <, 64);
    d->acc[d->n++] = (Access){ false, offset, v, size };
    return v;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    FakeDev *d = opaque;

    for (unsigned i = 0; i < size; i++) {
        d->regs[offset + i] = value >> (i * 8);
    }
    g_assert_cmpint(d->n, <, 64);
    d->acc[d->n++] = (Access){ true, offset, value, size };
}

static const MemOps ops_any = { fake_read, fake_write, 0, 0 };
static const MemOps ops_byte = { fake_read, fake_write, 1, 1 };
static const MemOps ops_dword = { fake_read, fake_write, 4, 4 };

static void check_access(const FakeDev *d, int i, bool write,
                         uint64_t offset, uint64_t value, unsigned size)
{
    g_assert_cmpint(i, <, d->n);
    g_assert_cmpint(d->acc[i].write, ==, write);
    g_assert_cmphex(d->acc[i].offset, ==, offset);
    g_assert_cmphex(d->acc[i].value, ==, value);
    g_assert_cmpuint(d->acc[i].size, ==, size);
}

static void test_ram_sizes(void)
{
    AddressSpace as = { 0 };
    uint8_t ram[0x100] = { 0 };

    mem_map_ram(&as, "ram", 0x1000, sizeof(ram), ram);
    mem_write(&as, 0x1000, 0x1122334455667788ull, 8);
    /* little-endian in host memory */
    g_assert_cmphex(ram[0], ==, 0x88);
    g_assert_cmphex(ram[7], ==, 0x11);
    g_assert_cmphex(mem_read(&as, 0x1000, 8), ==, 0x1122334455667788ull);
    g_assert_cmphex(mem_read(&as, 0x1000, 4), ==, 0x55667788);
    g_assert_cmphex(mem_read(&as, 0x1004, 4), ==, 0x11223344);
    g_assert_cmphex(mem_read(&as, 0x1001, 2), ==, 0x6677);
    g_assert_cmphex(mem_read(&as, 0x1003, 1), ==, 0x55);

    mem_write(&as, 0x1011, 0xab, 1);
    mem_write(&as, 0x1013, 0xcdef, 2);           /* unaligned */
    mem_write(&as, 0x1017, 0x01020304, 4);
    g_assert_cmphex(ram[0x11], ==, 0xab);
    g_assert_cmphex(ram[0x13], ==, 0xef);
    g_assert_cmphex(ram[0x14], ==, 0xcd);
    g_assert_cmphex(ram[0x17], ==, 0x04);
    g_assert_cmphex(ram[0x1a], ==, 0x01);
    /* the last bytes of the region */
    mem_write(&as, 0x10f8, UINT64_MAX, 8);
    g_assert_cmphex(mem_read(&as, 0x10f8, 8), ==, UINT64_MAX);
    g_assert_cmphex(ram[0xff], ==, 0xff);
}

static void test_rom(void)
{
    AddressSpace as = { 0 };
    uint8_t rom[16] = { 0x11, 0x22, 0x33, 0x44 };

    mem_map_rom(&as, "rom", 0xf0000, sizeof(rom), rom);
    g_assert_cmphex(mem_read(&as, 0xf0000, 4), ==, 0x44332211);
    mem_write(&as, 0xf0000, 0xdeadbeef, 4);
    mem_write(&as, 0xf0002, 0x99, 1);
    g_assert_cmphex(mem_read(&as, 0xf0000, 4), ==, 0x44332211);
    g_assert_cmphex(rom[0], ==, 0x11);
    /* readable through a host pointer, not writable */
    g_assert_true(mem_host_ptr(&as, 0xf0000, 16, false) == rom);
    g_assert_null(mem_host_ptr(&as, 0xf0000, 16, true));
}

static void test_unassigned(void)
{
    AddressSpace as = { 0 };
    uint8_t ram[16];

    g_assert_cmphex(mem_read(&as, 0x1234, 1), ==, 0xff);
    g_assert_cmphex(mem_read(&as, 0x1234, 2), ==, 0xffff);
    g_assert_cmphex(mem_read(&as, 0x1234, 4), ==, 0xffffffff);
    g_assert_cmphex(mem_read(&as, 0x1234, 8), ==, UINT64_MAX);
    g_assert_cmphex(mem_read(&as, UINT64_MAX, 8), ==, UINT64_MAX);
    mem_write(&as, 0x1234, 0, 8);                /* ignored, no crash */
    g_assert_null(mem_find(&as, 0x1234));

    /* holes on both sides of a region */
    memset(ram, 0, sizeof(ram));
    mem_map_ram(&as, "ram", 0x100, sizeof(ram), ram);
    g_assert_cmphex(mem_read(&as, 0xff, 1), ==, 0xff);
    g_assert_cmphex(mem_read(&as, 0x110, 4), ==, 0xffffffff);
    g_assert_null(mem_find(&as, 0x110));
    g_assert_true(mem_find(&as, 0x10f) == &as.regions[0]);
}

static void test_unassigned_logged(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("bt86-log-XXXXXX", &path, NULL);
    AddressSpace as = { 0 };
    IOSpace io = { 0 };
    char *text = NULL;

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(log_set_file(path));
    log_mask = LOG_UNIMP;
    mem_read(&as, 0xabc000, 4);
    io_write(&io, 0x1f0, 0x5a, 1);
    log_mask = 0;
    mem_read(&as, 0xdef000, 4);                  /* not logged */
    log_flush();

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "0xabc000"));
    g_assert_nonnull(strstr(text, "0x01f0"));
    g_assert_null(strstr(text, "0xdef000"));
    g_free(text);
    unlink(path);
    g_free(path);
}

static void test_mmio_dispatch(void)
{
    AddressSpace as = { 0 };
    FakeDev d = { 0 };

    mem_map_mmio(&as, "dev", 0xfee00000, 0x40, &ops_any, &d);
    mem_write(&as, 0xfee00010, 0x12345678, 4);
    check_access(&d, 0, true, 0x10, 0x12345678, 4);
    g_assert_cmphex(mem_read(&as, 0xfee00012, 2), ==, 0x1234);
    check_access(&d, 1, false, 0x12, 0x1234, 2);
    /* a write's value is truncated to the access size */
    mem_write(&as, 0xfee00020, 0xffffffffffffff77ull, 1);
    check_access(&d, 2, true, 0x20, 0x77, 1);
    g_assert_cmpint(d.n, ==, 3);
    /* MMIO never hands out host pointers */
    g_assert_null(mem_host_ptr(&as, 0xfee00000, 4, false));
}

static void test_mmio_split_byte(void)
{
    AddressSpace as = { 0 };
    FakeDev d = { 0 };

    mem_map_mmio(&as, "bytes", 0x2000, 0x40, &ops_byte, &d);
    mem_write(&as, 0x2004, 0xa1b2c3d4, 4);
    g_assert_cmpint(d.n, ==, 4);
    check_access(&d, 0, true, 4, 0xd4, 1);
    check_access(&d, 1, true, 5, 0xc3, 1);
    check_access(&d, 2, true, 6, 0xb2, 1);
    check_access(&d, 3, true, 7, 0xa1, 1);

    d.n = 0;
    g_assert_cmphex(mem_read(&as, 0x2004, 4), ==, 0xa1b2c3d4);
    g_assert_cmpint(d.n, ==, 4);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpuint(d.acc[i].size, ==, 1);
        g_assert_cmphex(d.acc[i].offset, ==, 4 + i);
    }
    d.n = 0;
    g_assert_cmphex(mem_read(&as, 0x2000, 8), ==, 0xa1b2c3d400000000ull);
    g_assert_cmpint(d.n, ==, 8);
}

static void test_mmio_split_dword(void)
{
    AddressSpace as = { 0 };
    FakeDev d = { 0 };

    for (int i = 0; i < 16; i++) {
        d.regs[i] = 0x10 + i;
    }
    mem_map_mmio(&as, "dwords", 0x3000, 0x40, &ops_dword, &d);

    /* wider than max: two dword reads, assembled little-endian */
    g_assert_cmphex(mem_read(&as, 0x3008, 8), ==, 0x1f1e1d1c1b1a1918ull);
    g_assert_cmpint(d.n, ==, 2);
    check_access(&d, 0, false, 8, 0x1b1a1918, 4);
    check_access(&d, 1, false, 12, 0x1f1e1d1c, 4);

    /* narrower than min: the aligned dword is read, the bytes extracted */
    d.n = 0;
    g_assert_cmphex(mem_read(&as, 0x3006, 1), ==, 0x16);
    g_assert_cmphex(mem_read(&as, 0x3002, 2), ==, 0x1312);
    check_access(&d, 0, false, 4, 0x17161514, 4);
    check_access(&d, 1, false, 0, 0x13121110, 4);
    /* a word straddling two dwords: one byte from each */
    d.n = 0;
    g_assert_cmphex(mem_read(&as, 0x3003, 2), ==, 0x1413);
    g_assert_cmpint(d.n, ==, 2);
    check_access(&d, 0, false, 0, 0x13121110, 4);
    check_access(&d, 1, false, 4, 0x17161514, 4);

    /* 8-byte write splits in two */
    d.n = 0;
    mem_write(&as, 0x3010, 0x8877665544332211ull, 8);
    g_assert_cmpint(d.n, ==, 2);
    check_access(&d, 0, true, 0x10, 0x44332211, 4);
    check_access(&d, 1, true, 0x14, 0x88776655, 4);
    /* a narrow write becomes a dword write with the value in its lane */
    d.n = 0;
    mem_write(&as, 0x3022, 0xab, 1);
    g_assert_cmpint(d.n, ==, 1);
    check_access(&d, 0, true, 0x20, 0x00ab0000, 4);
}

static void test_cross_regions(void)
{
    AddressSpace as = { 0 };
    uint8_t a[16] = { 0 }, b[16] = { 0 };
    FakeDev d = { 0 };

    mem_map_ram(&as, "a", 0x1000, 16, a);
    mem_map_ram(&as, "b", 0x1010, 16, b);
    mem_map_mmio(&as, "dev", 0x1020, 16, &ops_any, &d);

    /* RAM|RAM */
    mem_write(&as, 0x100e, 0x44332211, 4);
    g_assert_cmphex(a[14], ==, 0x11);
    g_assert_cmphex(a[15], ==, 0x22);
    g_assert_cmphex(b[0], ==, 0x33);
    g_assert_cmphex(b[1], ==, 0x44);
    g_assert_cmphex(mem_read(&as, 0x100e, 4), ==, 0x44332211);

    /* RAM|MMIO: the device sees byte accesses from its offset 0 */
    mem_write(&as, 0x101e, 0xddccbbaa, 4);
    g_assert_cmphex(b[14], ==, 0xaa);
    g_assert_cmphex(b[15], ==, 0xbb);
    g_assert_cmpint(d.n, ==, 2);
    check_access(&d, 0, true, 0, 0xcc, 1);
    check_access(&d, 1, true, 1, 0xdd, 1);
    g_assert_cmphex(mem_read(&as, 0x101e, 4), ==, 0xddccbbaa);

    /* MMIO|hole: unassigned bytes read as ones */
    d.regs[15] = 0x5a;
    g_assert_cmphex(mem_read(&as, 0x102f, 2), ==, 0xff5a);
    g_assert_cmphex(mem_read(&as, 0x0fff, 2), ==, (uint64_t)a[0] << 8 | 0xff);
}

static void test_host_ptr(void)
{
    AddressSpace as = { 0 };
    static uint8_t ram[0x1000];
    static uint8_t top[0x1000];

    mem_map_ram(&as, "ram", 0x10000, sizeof(ram), ram);
    g_assert_true(mem_host_ptr(&as, 0x10000, 0x1000, true) == ram);
    g_assert_true(mem_host_ptr(&as, 0x10ff0, 0x10, true) == ram + 0xff0);
    g_assert_true(mem_host_ptr(&as, 0x10fff, 1, false) == ram + 0xfff);
    /* straddling the end, beyond the end, before the start */
    g_assert_null(mem_host_ptr(&as, 0x10ff0, 0x11, true));
    g_assert_null(mem_host_ptr(&as, 0x11000, 1, true));
    g_assert_null(mem_host_ptr(&as, 0xffff, 2, true));
    /* paddr + len wraps past 2^64 and would look small */
    g_assert_null(mem_host_ptr(&as, 0x10010, UINT64_MAX - 0x8, true));
    g_assert_null(mem_host_ptr(&as, 0x10010, UINT64_MAX, false));

    /* a region ending exactly at 2^64 */
    mem_map_ram(&as, "top", UINT64_MAX - 0xfff, sizeof(top), top);
    g_assert_true(mem_host_ptr(&as, UINT64_MAX - 0xfff, 0x1000, true) == top);
    g_assert_true(mem_host_ptr(&as, UINT64_MAX, 1, true) == top + 0xfff);
    g_assert_null(mem_host_ptr(&as, UINT64_MAX, 2, true));
    mem_write(&as, UINT64_MAX - 7, 0x0102030405060708ull, 8);
    g_assert_cmphex(mem_read(&as, UINT64_MAX - 7, 8), ==,
                    0x0102030405060708ull);
}

static void test_buf(void)
{
    AddressSpace as = { 0 };
    uint8_t a[8], b[8], rom[4] = { 1, 2, 3, 4 };
    FakeDev d = { 0 };
    uint8_t in[40], out[40];

    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    /* a: 0x0-0x7, dev: 0x8-0xf, hole: 0x10-0x13, b: 0x14-0x1b, rom 0x1c- */
    mem_map_ram(&as, "a", 0x0, 8, a);
    mem_map_mmio(&as, "dev", 0x8, 8, &ops_any, &d);
    mem_map_ram(&as, "b", 0x14, 8, b);
    mem_map_rom(&as, "rom", 0x1c, 4, rom);

    for (int i = 0; i < 40; i++) {
        in[i] = 0x80 + i;
    }
    g_assert_false(mem_write_buf(&as, 0x2, in, 0x20 - 0x2));
    g_assert_cmphex(a[2], ==, 0x80);
    g_assert_cmphex(a[7], ==, 0x85);
    g_assert_cmphex(d.regs[0], ==, 0x86);
    g_assert_cmphex(d.regs[7], ==, 0x8d);
    /* the device got naturally aligned accesses, not 8 single bytes */
    g_assert_cmpint(d.n, ==, 1);
    check_access(&d, 0, true, 0, 0x8d8c8b8a89888786ull, 8);
    g_assert_cmphex(b[0], ==, 0x92);
    g_assert_cmphex(b[7], ==, 0x99);
    g_assert_cmphex(rom[0], ==, 1);               /* ROM unchanged */

    memset(out, 0, sizeof(out));
    g_assert_false(mem_read_buf(&as, 0x2, out, 0x20 - 0x2));
    g_assert_cmpmem(out, 0xe, in, 0xe);           /* a and dev */
    for (int i = 0xe; i < 0x12; i++) {
        g_assert_cmphex(out[i], ==, 0xff);        /* hole */
    }
    g_assert_cmpmem(out + 0x12, 8, in + 0x12, 8); /* b */
    g_assert_cmphex(out[0x1a], ==, 1);            /* rom */
    g_assert_cmphex(out[0x1d], ==, 4);

    /* fully mapped ranges report success */
    g_assert_true(mem_read_buf(&as, 0x0, out, 0x10));
    g_assert_true(mem_write_buf(&as, 0x14, in, 8));
    g_assert_true(mem_read_buf(&as, 0x3, out, 0));
    /* past the top of the address space, addresses wrap to 0 ("a") */
    g_assert_false(mem_read_buf(&as, UINT64_MAX - 1, out, 4));
    g_assert_cmphex(out[2], ==, a[0]);
}

static void test_map_unmap(void)
{
    AddressSpace as = { 0 };
    static uint8_t ram[MEM_MAX_REGIONS][16];
    uint32_t gen = as.generation;

    /* mapped out of order: lookups must still find each one */
    for (int i = 0; i < MEM_MAX_REGIONS; i++) {
        int k = (i * 37) % MEM_MAX_REGIONS;
        mem_map_ram(&as, "r", 0x100 * k, 16, ram[k]);
    }
    g_assert_cmpint(as.nr_regions, ==, MEM_MAX_REGIONS);
    g_assert_cmpuint(as.generation, ==, gen + MEM_MAX_REGIONS);
    for (int k = 0; k < MEM_MAX_REGIONS; k++) {
        MemRegion *r = mem_find(&as, 0x100 * k + 15);
        g_assert_nonnull(r);
        g_assert_true(r->host == ram[k]);
        g_assert_null(mem_find(&as, 0x100 * k + 16));
        if (k > 0) {
            g_assert_cmphex(as.regions[k].base, >, as.regions[k - 1].base);
        }
    }

    mem_unmap(&as, 0x500);
    g_assert_cmpuint(as.generation, ==, gen + MEM_MAX_REGIONS + 1);
    g_assert_null(mem_find(&as, 0x500));
    g_assert_cmphex(mem_read(&as, 0x500, 4), ==, 0xffffffff);
    g_assert_nonnull(mem_find(&as, 0x600));
    mem_unmap(&as, 0x12345);                      /* nothing there */
    g_assert_cmpint(as.nr_regions, ==, MEM_MAX_REGIONS - 1);
}

/* What a guest-placed mapping (a PCI BAR) is checked against first. */
static void test_can_map(void)
{
    AddressSpace as = { 0 };
    IOSpace io = { 0 };
    static uint8_t ram[32];
    FakeDev d = { 0 };

    mem_map_ram(&as, "a", 0x1000, 16, ram);
    g_assert_true(mem_can_map(&as, 0x1010, 16));
    g_assert_true(mem_can_map(&as, 0xff0, 16));
    g_assert_false(mem_can_map(&as, 0xff1, 16));    /* runs into "a" */
    g_assert_false(mem_can_map(&as, 0x100f, 16));   /* starts inside it */
    g_assert_false(mem_can_map(&as, 0x2000, 0));
    g_assert_false(mem_can_map(&as, UINT64_MAX - 7, 16));   /* wraps */
    g_assert_true(mem_can_map(&as, UINT64_MAX - 15, 16));

    io_map(&io, "dev", 0x60, 1, &ops_any, &d);
    g_assert_false(io_can_map(&io, 0x5c, 8));
    g_assert_true(io_can_map(&io, 0x61, 4));
    g_assert_false(io_can_map(&io, 0xfff8, 16));    /* past the port space */
    io_map(&io, "bar", 0xc000, 0x40, &ops_any, &d);
    g_assert_cmphex(io_read(&io, 0xc004, 1), ==, 0);
    io_unmap(&io, 0xc000);
    io_unmap(&io, 0xc000);                          /* nothing there now */
    g_assert_cmphex(io_read(&io, 0xc004, 1), ==, 0xff);
    g_assert_true(io_can_map(&io, 0xc000, 0x40));
    g_assert_cmpint(io.nr_regions, ==, 1);
}

static void test_overlap_asserts(void)
{
#ifdef NDEBUG
    g_test_skip("asserts compiled out");
#else
    if (g_test_subprocess()) {
        AddressSpace as = { 0 };
        static uint8_t ram[32];
        mem_map_ram(&as, "a", 0x1000, 16, ram);
        mem_map_ram(&as, "b", 0x100f, 16, ram + 16);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
#endif
}

static void test_ports(void)
{
    IOSpace io = { 0 };
    FakeDev d = { 0 }, e = { 0 };

    io_map(&io, "byte-dev", 0x3f8, 8, &ops_byte, &d);
    io_map(&io, "any-dev", 0x70, 2, &ops_any, &e);

    io_write(&io, 0x3f9, 0x42, 1);
    check_access(&d, 0, true, 1, 0x42, 1);
    g_assert_cmphex(io_read(&io, 0x3f9, 1), ==, 0x42);
    /* outw to a byte device: two byte writes */
    d.n = 0;
    io_write(&io, 0x3fa, 0xbbaa, 2);
    g_assert_cmpint(d.n, ==, 2);
    check_access(&d, 0, true, 2, 0xaa, 1);
    check_access(&d, 1, true, 3, 0xbb, 1);
    g_assert_cmphex(io_read(&io, 0x3fa, 2), ==, 0xbbaa);

    io_write(&io, 0x70, 0x1234, 2);
    check_access(&e, 0, true, 0, 0x1234, 2);

    /* unassigned */
    g_assert_cmphex(io_read(&io, 0x80, 1), ==, 0xff);
    g_assert_cmphex(io_read(&io, 0x80, 2), ==, 0xffff);
    g_assert_cmphex(io_read(&io, 0x80, 4), ==, 0xffffffff);
    io_write(&io, 0x80, 0, 4);
    /* partly mapped: 0x71 is the device, 0x72.. are not */
    g_assert_cmphex(io_read(&io, 0x71, 4), ==, 0xffffff12);
    /* a dword at 0x3fe: two bytes of the device, two unassigned */
    d.regs[6] = 0x66;
    d.regs[7] = 0x77;
    g_assert_cmphex(io_read(&io, 0x3fe, 4), ==, 0xffff7766);
}

static void test_port_top(void)
{
    IOSpace io = { 0 };
    FakeDev d = { 0 };

    g_assert_cmphex(io_read(&io, 0xffff, 4), ==, 0xffffffff);
    io_write(&io, 0xffff, 0x12345678, 4);

    io_map(&io, "top", 0xfff0, 0x10, &ops_any, &d);
    d.regs[15] = 0x9c;
    g_assert_cmphex(io_read(&io, 0xffff, 4), ==, 0xffffff9c);
    io_write(&io, 0xffff, 0x12345678, 4);
    g_assert_cmphex(d.regs[15], ==, 0x78);
    g_assert_cmphex(io_read(&io, 0xfffe, 2), ==, 0x7800);
    /* ports past the 64 KiB space, even near 2^32, are never decoded */
    g_assert_cmphex(io_read(&io, 0x10000, 1), ==, 0xff);
    g_assert_cmphex(io_read(&io, UINT32_MAX, 4), ==, 0xffffffff);
    io_write(&io, UINT32_MAX - 1, 0, 4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/memory/ram-sizes", test_ram_sizes);
    g_test_add_func("/memory/rom", test_rom);
    g_test_add_func("/memory/unassigned", test_unassigned);
    g_test_add_func("/memory/unassigned-logged", test_unassigned_logged);
    g_test_add_func("/memory/mmio-dispatch", test_mmio_dispatch);
    g_test_add_func("/memory/mmio-split-byte", test_mmio_split_byte);
    g_test_add_func("/memory/mmio-split-dword", test_mmio_split_dword);
    g_test_add_func("/memory/cross-regions", test_cross_regions);
    g_test_add_func("/memory/host-ptr", test_host_ptr);
    g_test_add_func("/memory/buf", test_buf);
    g_test_add_func("/memory/map-unmap", test_map_unmap);
    g_test_add_func("/memory/overlap-asserts", test_overlap_asserts);
    g_test_add_func("/memory/can-map", test_can_map);
    g_test_add_func("/io/ports", test_ports);
    g_test_add_func("/io/port-top", test_port_top);

    return g_test_run();
}
