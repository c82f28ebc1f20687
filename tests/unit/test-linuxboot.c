/*
 * The direct Linux boot loader on a synthetic bzImage (bzimage.h): where
 * the kernel, the command line and the initrd land, the zero page with its
 * E820 map, the CPU at the 64-bit entry (long mode, the page tables walked
 * here, the GDT), and refusal (one error string, no crash, CPU untouched)
 * of broken or hostile images, also under random corruption.
 */
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <lzma.h>

#include "hw/i386/linuxboot.h"
#include "bzimage.h"

#define MIB           (1024ull * 1024)
#define RAM_SIZE      (32 * MIB)
#define LOW_RAM_END   0xA0000ull
#define BIOS_BASE     0xC0000ull
#define HIGH_RAM      0x100000ull
#define ZERO_PAGE     0x8000ull
#define KERNEL_END    ((uint64_t)BZ_PREF_ADDRESS + BZ_INIT_SIZE)   /* 20 MiB */
#define RSDP          0xF5A20ull

/* The zero page (struct boot_params) outside the setup header. */
enum {
    BP_ACPI_RSDP_ADDR = 0x070, BP_EXT_RAMDISK_IMAGE = 0x0c0,
    BP_EXT_RAMDISK_SIZE = 0x0c4, BP_EXT_CMD_LINE_PTR = 0x0c8,
    BP_E820_ENTRIES = 0x1e8, BP_HDR = 0x1f1, BP_E820_TABLE = 0x2d0,
};

/* The CPU outlives the tests (it has no destroy function), as in
 * test-multiboot.c; each test maps a fresh address space for it. */
static AddressSpace test_as;
static IOSpace test_io;
static CPUX86State *test_env;

#define RIP_POISON 0xfeedf00dull

/*
 * A pc-like guest: [0, 640K) RAM, [768K, 1M) ROM, [1M, ram_size) RAM, and
 * with "high" 1 MiB of RAM at 4 GiB. The test data is the RAM size
 * (NULL: RAM_SIZE).
 */
typedef struct Fixture {
    AddressSpace *as;
    uint64_t ram_size;
    uint8_t *ram;
    uint8_t *rom;
    uint8_t *high;
    CPUX86State *env;
    bool unpack;                /* decompress an xz payload on the host */
    char *err;
} Fixture;

static void fixture_init(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    memset(&test_as, 0, sizeof(test_as));
    f->as = &test_as;
    f->ram_size = data ? *(const uint64_t *)data : RAM_SIZE;
    f->ram = g_malloc(f->ram_size);
    memset(f->ram, 0xAA, f->ram_size);   /* so zero fill can be seen */
    f->rom = g_malloc0(HIGH_RAM - BIOS_BASE);
    mem_map_ram(f->as, "ram.low", 0, LOW_RAM_END, f->ram);
    mem_map_rom(f->as, "bios", BIOS_BASE, HIGH_RAM - BIOS_BASE, f->rom);
    mem_map_ram(f->as, "ram", HIGH_RAM, f->ram_size - HIGH_RAM,
                f->ram + HIGH_RAM);
    if (!test_env) {
        test_env = x86_cpu_create(&test_as, &test_io);
    }
    f->env = test_env;
}

static void fixture_fini(Fixture *f, gconstpointer data)
{
    g_free(f->err);
    g_free(f->ram);
    g_free(f->rom);
    g_free(f->high);
}

/* Guest RAM below the end of RAM, as the test sees it. */
static uint8_t *guest(Fixture *f, uint64_t addr)
{
    g_assert_cmpuint(addr, <, f->ram_size);
    g_assert_true(addr < LOW_RAM_END || addr >= HIGH_RAM);
    return f->ram + addr;
}

/* g_memdup2 is GLib 2.68; meson.build asks for 2.66. */
static uint8_t *dup_bytes(const uint8_t *src, size_t len)
{
    uint8_t *p = g_malloc(len ? len : 1);

    memcpy(p, src, len);
    return p;
}

static char *write_temp(const uint8_t *contents, size_t len)
{
    GError *gerr = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("bt86-initrd-XXXXXX", &path, &gerr);

    g_assert_no_error(gerr);
    close(fd);
    g_assert_true(g_file_set_contents(path, (const char *)contents, len,
                                      &gerr));
    g_assert_no_error(gerr);
    return path;
}

/* An initrd of len bytes with a pattern of its own. */
static char *make_initrd(size_t len, uint8_t **contents)
{
    uint8_t *data = g_malloc(len ? len : 1);

    for (size_t i = 0; i < len; i++) {
        data[i] = (uint8_t)(i * 31 + 3 + (i >> 12));
    }
    char *path = write_temp(data, len);
    if (contents) {
        *contents = data;
    } else {
        g_free(data);
    }
    return path;
}

static bool load_full(Fixture *f, const uint8_t *img, size_t size,
                      const char *cmdline, const char *initrd,
                      uint64_t rsdp)
{
    g_clear_pointer(&f->err, g_free);
    f->env->rip = RIP_POISON;
    bool ok = linux_load(f->env, f->as, img, size, cmdline, initrd, rsdp,
                         f->unpack, &f->err);
    if (ok) {
        g_assert_null(f->err);
    } else {
        /* One line, and the CPU is left alone. */
        g_assert_nonnull(f->err);
        g_assert_cmpuint(strlen(f->err), >, 0);
        g_assert_null(strchr(f->err, '\n'));
        g_assert_cmphex(f->env->rip, ==, RIP_POISON);
    }
    return ok;
}

static bool load(Fixture *f, const uint8_t *img, size_t size,
                 const char *cmdline, const char *initrd)
{
    return load_full(f, img, size, cmdline, initrd, RSDP);
}

static void assert_rejected(Fixture *f, const uint8_t *img, size_t size,
                            const char *cmdline, const char *initrd,
                            const char *needle)
{
    if (load(f, img, size, cmdline, initrd)) {
        g_error("the loader took an image it should refuse (wanted an "
                "error about '%s')", needle ? needle : "anything");
    }
    if (needle && !strstr(f->err, needle)) {
        g_error("error '%s' does not mention '%s'", f->err, needle);
    }
}

/* ---- What the zero page holds ---- */

typedef struct E820Want {
    uint64_t base, len;
    uint32_t type;
} E820Want;

/* [0,640K) RAM, [640K,1M) reserved, [1M,end) RAM */
static unsigned e820_default(Fixture *f, E820Want *w)
{
    w[0] = (E820Want){ 0, LOW_RAM_END, 1 };
    w[1] = (E820Want){ LOW_RAM_END, HIGH_RAM - LOW_RAM_END, 2 };
    w[2] = (E820Want){ HIGH_RAM, f->ram_size - HIGH_RAM, 1 };
    return 3;
}

typedef struct ZeroPageWant {
    const uint8_t *img;
    const char *cmdline;
    uint32_t ramdisk_image, ramdisk_size;
    uint64_t rsdp;
    const E820Want *e820;
    unsigned e820_n;
} ZeroPageWant;

/*
 * Every byte of the zero page: the setup header copied from the image
 * (0x1f1 to the header's end) with the fields a loader writes, the E820
 * map, the RSDP, zeros elsewhere.
 */
static void check_zero_page(Fixture *f, const ZeroPageWant *w)
{
    const uint8_t *bp = guest(f, ZERO_PAGE);
    uint8_t want[0x1000] = { 0 };

    memcpy(want + BP_HDR, w->img + BP_HDR, BZ_HDR_END - BP_HDR);
    want[BZ_TYPE_OF_LOADER] = 0xff;
    want[BZ_LOADFLAGS] = w->img[BZ_LOADFLAGS] | 0x01;     /* LOADED_HIGH */
    st32_le(want + BZ_CODE32_START, BZ_PREF_ADDRESS);
    st32_le(want + BZ_RAMDISK_IMAGE, w->ramdisk_image);
    st32_le(want + BZ_RAMDISK_SIZE, w->ramdisk_size);
    st64_le(want + BP_ACPI_RSDP_ADDR, w->rsdp);
    want[BP_E820_ENTRIES] = (uint8_t)w->e820_n;
    for (unsigned i = 0; i < w->e820_n; i++) {
        uint8_t *e = want + BP_E820_TABLE + 20 * i;
        st64_le(e, w->e820[i].base);
        st64_le(e + 8, w->e820[i].len);
        st32_le(e + 16, w->e820[i].type);
    }

    /* The command line: anywhere in low RAM, intact after the load. */
    uint32_t cmd = ld32_le(bp + BZ_CMD_LINE_PTR);
    g_assert_cmphex(ld32_le(bp + BP_EXT_CMD_LINE_PTR), ==, 0);
    g_assert_cmphex(cmd, !=, 0);
    g_assert_cmphex(cmd + strlen(w->cmdline) + 1, <=, LOW_RAM_END);
    g_assert_cmpstr((const char *)guest(f, cmd), ==, w->cmdline);
    g_assert_false(cmd + strlen(w->cmdline) >= ZERO_PAGE &&
                   cmd < ZERO_PAGE + 0x1000);
    st32_le(want + BZ_CMD_LINE_PTR, cmd);

    for (unsigned i = 0; i < sizeof(want); i++) {
        if (bp[i] != want[i]) {
            g_error("zero page byte %#x is %#04x, not %#04x", i, bp[i],
                    want[i]);
        }
    }
}

/* The physical address that va maps to through CR3's 4-level tables. */
static uint64_t walk(Fixture *f, uint64_t va)
{
    const uint64_t addr_mask = 0x000ffffffffff000ull;
    uint64_t table = f->env->cr[3] & addr_mask;

    for (int level = 4; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t e = ld64_le(guest(f, table + 8 * ((va >> shift) & 511)));
        if (!(e & 1) || !(e & 2)) {
            g_error("va %#" G_GINT64_MODIFIER "x: level-%d entry %#"
                    G_GINT64_MODIFIER "x is not present and writable",
                    va, level, e);
        }
        g_assert_false(e & (1ull << 63));          /* not NX */
        if (level == 1 || ((level == 2 || level == 3) && (e & 0x80))) {
            uint64_t page = 1ull << shift;
            return ((e & addr_mask) & ~(page - 1)) | (va & (page - 1));
        }
        g_assert_false(e & 0x80);                  /* no 512 GiB pages */
        table = e & addr_mask;
    }
    g_assert_not_reached();
}

static uint64_t desc_base(uint64_t d)
{
    return ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24;
}

static uint32_t desc_limit(uint64_t d)
{
    return (uint32_t)((d & 0xffff) | ((d >> 48) & 0xf) << 16);
}

static void check_cpu(Fixture *f, uint64_t load_addr)
{
    CPUX86State *env = f->env;

    /* Long mode with paging. */
    g_assert_cmphex(env->efer & (EFER_LME | EFER_LMA), ==,
                    EFER_LME | EFER_LMA);
    g_assert_cmphex(env->cr[0] & (CR0_PG | CR0_PE), ==, CR0_PG | CR0_PE);
    g_assert_true(env->cr[4] & CR4_PAE);
    g_assert_true(env->hflags & HF_LMA);
    g_assert_true(env->hflags & HF_CS64);

    /* __BOOT_CS, __BOOT_DS */
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x10);
    g_assert_true(env->segs[R_CS].flags & DESC_L_MASK);
    g_assert_false(env->segs[R_CS].flags & DESC_B_MASK);
    g_assert_true(env->segs[R_CS].flags & DESC_CS_MASK);
    g_assert_true(env->segs[R_CS].flags & DESC_P_MASK);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0);
    static const int data_segs[] = { R_DS, R_SS, R_ES };
    for (size_t i = 0; i < G_N_ELEMENTS(data_segs); i++) {
        const SegmentCache *sc = &env->segs[data_segs[i]];
        g_assert_cmphex(sc->selector, ==, 0x18);
        g_assert_cmphex(sc->base, ==, 0);
        g_assert_false(sc->flags & DESC_CS_MASK);
        g_assert_true(sc->flags & DESC_W_MASK);
        g_assert_true(sc->flags & DESC_P_MASK);
    }

    g_assert_cmphex(env->rip, ==, load_addr + 0x200);
    g_assert_cmphex(env->regs[R_ESI], ==, ZERO_PAGE);
    g_assert_false(env->eflags & IF_MASK);

    /* Identity map of what the kernel touches first, and beyond. */
    static const uint64_t vas[] = {
        0, 0x8000, 0x9abc, BZ_PREF_ADDRESS + 0x200, 0x3fe00000, 0x3fffffff,
        0x40000000, 0x7fe01234, 0xfffff000,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(vas); i++) {
        uint64_t pa = walk(f, vas[i]);
        if (pa != vas[i]) {
            g_error("va %#" G_GINT64_MODIFIER "x maps to %#"
                    G_GINT64_MODIFIER "x", vas[i], pa);
        }
    }

    /* The GDT in guest memory agrees with the segment caches. */
    g_assert_cmpuint(env->gdt.limit, >=, 0x1f);
    uint64_t cs = ld64_le(guest(f, env->gdt.base + 0x10));
    uint64_t ds = ld64_le(guest(f, env->gdt.base + 0x18));
    g_assert_cmphex(desc_base(cs), ==, 0);
    g_assert_cmphex(desc_limit(cs), ==, 0xfffff);
    g_assert_cmphex((cs >> 40) & 0xfe, ==, 0x9a);   /* P, DPL 0, code, R */
    g_assert_cmphex((cs >> 52) & 0xe, ==, 0xa);     /* G, L, not D */
    g_assert_cmphex(desc_base(ds), ==, 0);
    g_assert_cmphex(desc_limit(ds), ==, 0xfffff);
    g_assert_cmphex((ds >> 40) & 0xfe, ==, 0x92);   /* P, DPL 0, data, W */
    g_assert_cmphex((ds >> 52) & 0xc, ==, 0xc);     /* G, B */
}

/* ---- The kernel proper decompressed by the loader (vmlinux.c) ---- */

/*
 * A vmlinux-like ELF: two PT_LOAD segments in the kernel's room (the first
 * with 0x1f00 bytes of bss), a PT_NOTE, entry 0x40 into the first.
 */
#define VM_SEG0      BZ_PREF_ADDRESS
#define VM_SEG1      (BZ_PREF_ADDRESS + 0x200000u)
#define VM_ENTRY     (VM_SEG0 + 0x40)
#define VM_ELF_SIZE  0x1200

static uint8_t *vm_make_elf(void)
{
    uint8_t *e = g_malloc0(VM_ELF_SIZE);
    static const struct { uint32_t type; uint64_t off, paddr, filesz, memsz; }
    ph[] = {
        { 1, 0x1000, VM_SEG0, 0x100, 0x2000 },
        { 4, 0x1100, 0, 0x10, 0x10 },
        { 1, 0x1110, VM_SEG1, 0xf0, 0xf0 },
    };

    memcpy(e, "\x7f" "ELF", 4);
    e[4] = 2;                                   /* 64-bit */
    e[5] = 1;                                   /* little endian */
    e[6] = 1;
    st16_le(e + 16, 2);                        /* ET_EXEC */
    st16_le(e + 18, 62);                       /* x86-64 */
    st64_le(e + 24, VM_ENTRY);
    st64_le(e + 32, 64);                       /* phoff */
    st16_le(e + 54, 56);
    st16_le(e + 56, G_N_ELEMENTS(ph));
    for (size_t i = 0; i < G_N_ELEMENTS(ph); i++) {
        uint8_t *p = e + 64 + 56 * i;
        st32_le(p, ph[i].type);
        st64_le(p + 8, ph[i].off);
        st64_le(p + 16, 0xffffffff81000000ull + ph[i].paddr);   /* vaddr */
        st64_le(p + 24, ph[i].paddr);
        st64_le(p + 32, ph[i].filesz);
        st64_le(p + 40, ph[i].memsz);
    }
    for (size_t i = 0x1000; i < VM_ELF_SIZE; i++) {
        e[i] = (uint8_t)(i * 13 + 5);
    }
    return e;
}

/* A bzImage whose payload (at 0x300 in the protected-mode part) is the
 * ELF as the kernel build stores it: xz, then its size as le32. */
static uint8_t *vm_make_image(const uint8_t *elf, size_t elf_len,
                              size_t *size)
{
    size_t cap = elf_len + 1024, xz_len = 0;
    uint8_t *xz = g_malloc(cap);
    g_assert_cmpint(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, elf,
                                            elf_len, xz, &xz_len, cap),
                    ==, LZMA_OK);
    g_autofree uint8_t *bz = bz_make();
    *size = BZ_SETUP_SIZE + 0x300 + xz_len + 4;
    uint8_t *img = g_malloc0(*size);
    memcpy(img, bz, BZ_SETUP_SIZE + 0x300);
    memcpy(img + BZ_SETUP_SIZE + 0x300, xz, xz_len);
    st32_le(img + *size - 4, (uint32_t)elf_len);
    st32_le(img + BZ_PAYLOAD_OFFSET, 0x300);
    st32_le(img + BZ_PAYLOAD_LENGTH, (uint32_t)(xz_len + 4));
    g_free(xz);
    return img;
}

static void test_unpack(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *elf = vm_make_elf();
    size_t size;
    g_autofree uint8_t *img = vm_make_image(elf, VM_ELF_SIZE, &size);

    f->unpack = true;
    g_assert_true(load(f, img, size, "quiet", NULL));
    g_assert_cmphex(f->env->rip, ==, VM_ENTRY);
    g_assert_cmphex(f->env->regs[R_ESI], ==, ZERO_PAGE);
    g_assert_cmpmem(guest(f, VM_SEG0), 0x100, elf + 0x1000, 0x100);
    for (unsigned i = 0x100; i < 0x2000; i++) {
        g_assert_cmpuint(*guest(f, VM_SEG0 + i), ==, 0);      /* bss */
    }
    g_assert_cmpuint(*guest(f, VM_SEG0 + 0x2000), ==, 0xAA);
    g_assert_cmpmem(guest(f, VM_SEG1), 0xf0, elf + 0x1110, 0xf0);
    g_assert_cmpuint(*guest(f, VM_SEG1 + 0xf0), ==, 0xAA);
    g_assert_cmphex(walk(f, VM_ENTRY), ==, VM_ENTRY);

    /* Loaded again (a machine reset): the same. */
    memset(guest(f, VM_SEG0), 0x55, 0x2000);
    g_assert_true(load(f, img, size, "quiet", NULL));
    g_assert_cmphex(f->env->rip, ==, VM_ENTRY);
    g_assert_cmpmem(guest(f, VM_SEG0), 0x100, elf + 0x1000, 0x100);
    g_assert_cmpuint(*guest(f, VM_SEG0 + 0x1fff), ==, 0);

    /* kernel-unpack=off: the compressed kernel, entered at +0x200. */
    f->unpack = false;
    g_assert_true(load(f, img, size, "quiet", NULL));
    g_assert_cmphex(f->env->rip, ==, BZ_PREF_ADDRESS + 0x200);
    g_assert_cmpmem(guest(f, BZ_PREF_ADDRESS), size - BZ_SETUP_SIZE,
                    img + BZ_SETUP_SIZE, size - BZ_SETUP_SIZE);
}

/* A payload that is not xz (or out of range) is left to the kernel. */
static void test_unpack_other_format(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    f->unpack = true;
    st32_le(img + BZ_PAYLOAD_OFFSET, 0x400);
    st32_le(img + BZ_PAYLOAD_LENGTH, 0x1000);
    memcpy(img + BZ_SETUP_SIZE + 0x400, "\x1f\x8b\x08", 3);    /* gzip */
    g_assert_true(load(f, img, BZ_SIZE, NULL, NULL));
    check_cpu(f, BZ_PREF_ADDRESS);
    st32_le(img + BZ_PAYLOAD_LENGTH, BZ_PAYLOAD_SIZE);       /* past the end */
    memcpy(img + BZ_SETUP_SIZE + 0x400, "\xfd" "7zXZ", 6);
    g_assert_true(load(f, img, BZ_SIZE, NULL, NULL));
    check_cpu(f, BZ_PREF_ADDRESS);
}

static void assert_unpack_rejected(Fixture *f, uint8_t *img, size_t size,
                                   const char *what)
{
    f->unpack = true;
    g_assert_false(load(f, img, size, NULL, NULL));
    if (!strstr(f->err, what)) {
        g_error("error '%s' does not mention '%s'", f->err, what);
    }
}

static void test_unpack_reject(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *elf = vm_make_elf();
    size_t size;
    uint8_t *img;

    /* A damaged stream, a wrong announced size, an absurd one */
    img = vm_make_image(elf, VM_ELF_SIZE, &size);
    img[BZ_SETUP_SIZE + 0x300 + 40] ^= 0x55;
    assert_unpack_rejected(f, img, size, "xz payload");
    g_free(img);
    img = vm_make_image(elf, VM_ELF_SIZE, &size);
    st32_le(img + size - 4, VM_ELF_SIZE + 1);
    assert_unpack_rejected(f, img, size, "xz payload");
    st32_le(img + size - 4, 0xfffffff0u);
    assert_unpack_rejected(f, img, size, "MiB kernel");
    g_free(img);

    /* Not an x86-64 ELF */
    elf[18] = 3;
    img = vm_make_image(elf, VM_ELF_SIZE, &size);
    assert_unpack_rejected(f, img, size, "not an x86-64 ELF");
    g_free(img);
    elf[18] = 62;

    /* Program headers past the end */
    st16_le(elf + 56, 0x4000);
    img = vm_make_image(elf, VM_ELF_SIZE, &size);
    assert_unpack_rejected(f, img, size, "program headers");
    g_free(img);
    st16_le(elf + 56, 3);

    /* Segments outside [pref_address, + init_size), or past the file */
    static const struct { unsigned field; uint64_t v; } bad[] = {
        { 24, BZ_PREF_ADDRESS - 0x1000 },               /* paddr below */
        { 24, BZ_PREF_ADDRESS + BZ_INIT_SIZE - 0x1000 }, /* memsz overruns */
        { 24, UINT64_MAX - 0xfff },                     /* wraps */
        { 40, BZ_INIT_SIZE + 1 },                       /* memsz too big */
        { 32, 0x3000 },                                 /* filesz > memsz */
        { 8, VM_ELF_SIZE - 0x80 },                      /* file overrun */
        { 8, UINT64_MAX },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree uint8_t *e = dup_bytes(elf, VM_ELF_SIZE);
        st64_le(e + 64 + bad[i].field, bad[i].v);
        img = vm_make_image(e, VM_ELF_SIZE, &size);
        assert_unpack_rejected(f, img, size, "payload segment");
        g_free(img);
    }

    /* The entry point in no loaded segment (in the bss) */
    st64_le(elf + 24, VM_SEG0 + 0x180);
    img = vm_make_image(elf, VM_ELF_SIZE, &size);
    assert_unpack_rejected(f, img, size, "entry point");
    g_free(img);
}

/* ---- Probe ---- */

static void test_probe(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    g_assert_true(linux_probe(img, BZ_SIZE));
    g_assert_true(linux_probe(img, BZ_MAGIC + 4));
    g_assert_false(linux_probe(img, BZ_MAGIC + 3));
    g_assert_false(linux_probe(NULL, 0));
    img[BZ_MAGIC + 3] = 's';
    g_assert_false(linux_probe(img, BZ_SIZE));
}

/* ---- Loading ---- */

static void test_load(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();
    const char *cmdline = "console=ttyS0 root=/dev/ram0 quiet";
    E820Want e820[3];

    g_assert_true(load(f, img, BZ_SIZE, cmdline, NULL));

    /* The protected-mode part at pref_address, and nothing before it. */
    g_assert_cmpmem(guest(f, BZ_PREF_ADDRESS), BZ_PAYLOAD_SIZE,
                    img + BZ_SETUP_SIZE, BZ_PAYLOAD_SIZE);
    g_assert_cmpuint(*guest(f, BZ_PREF_ADDRESS - 1), ==, 0xAA);

    ZeroPageWant w = {
        .img = img, .cmdline = cmdline, .rsdp = RSDP,
        .e820 = e820, .e820_n = e820_default(f, e820),
    };
    check_zero_page(f, &w);
    check_cpu(f, BZ_PREF_ADDRESS);
}

static void test_load_no_cmdline(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();
    E820Want e820[3];

    g_assert_true(load_full(f, img, BZ_SIZE, NULL, NULL, 0));
    ZeroPageWant w = {
        .img = img, .cmdline = "", .e820 = e820,
        .e820_n = e820_default(f, e820),
    };
    check_zero_page(f, &w);
}

static void test_load_protocol_2_12(Fixture *f, gconstpointer data)
{
    /* 2.12 is the oldest with xloadflags; acpi_rsdp_addr is 2.14. */
    g_autofree uint8_t *img = bz_make();
    E820Want e820[3];

    st16_le(img + BZ_VERSION, 0x020c);
    g_assert_true(load(f, img, BZ_SIZE, "x", NULL));
    ZeroPageWant w = {
        .img = img, .cmdline = "x", .rsdp = 0, .e820 = e820,
        .e820_n = e820_default(f, e820),
    };
    check_zero_page(f, &w);
    check_cpu(f, BZ_PREF_ADDRESS);
}

static void test_load_setup_sects_zero(Fixture *f, gconstpointer data)
{
    /* setup_sects 0 means 4: the protected-mode part starts at 0xa00. */
    g_autofree uint8_t *img = bz_make();

    img[BZ_SETUP_SECTS_OFF] = 0;
    g_assert_true(load(f, img, BZ_SIZE, "", NULL));
    g_assert_cmpmem(guest(f, BZ_PREF_ADDRESS), BZ_SIZE - 0xa00,
                    img + 0xa00, BZ_SIZE - 0xa00);
}

static void test_load_other_address(Fixture *f, gconstpointer data)
{
    /* A kernel built for 2 MiB, without a kernel_alignment. */
    g_autofree uint8_t *img = bz_make();

    st64_le(img + BZ_PREF_ADDRESS_OFF, 0x200000);
    st32_le(img + BZ_KERNEL_ALIGNMENT, 0);
    g_assert_true(load(f, img, BZ_SIZE, "", NULL));
    g_assert_cmpmem(guest(f, 0x200000), BZ_PAYLOAD_SIZE,
                    img + BZ_SETUP_SIZE, BZ_PAYLOAD_SIZE);
    g_assert_cmphex(f->env->rip, ==, 0x200200);
    g_assert_cmphex(ld32_le(guest(f, ZERO_PAGE + BZ_CODE32_START)), ==,
                    0x200000);
}

static void test_e820_high_ram(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();
    E820Want e820[4];

    f->high = g_malloc0(MIB);
    mem_map_ram(f->as, "ram.high", 4ull << 30, MIB, f->high);
    g_assert_true(load(f, img, BZ_SIZE, "", NULL));
    unsigned n = e820_default(f, e820);
    e820[n++] = (E820Want){ 4ull << 30, MIB, 1 };
    ZeroPageWant w = {
        .img = img, .cmdline = "", .rsdp = RSDP, .e820 = e820, .e820_n = n,
    };
    check_zero_page(f, &w);
}

static void check_initrd(Fixture *f, const uint8_t *img, size_t len,
                         uint64_t top)
{
    g_autofree uint8_t *contents = NULL;
    g_autofree char *path = make_initrd(len, &contents);
    uint32_t want = (uint32_t)((top - len) & ~0xfffull);
    E820Want e820[3];

    g_assert_true(load(f, img, BZ_SIZE, "initrd=x", path));
    const uint8_t *bp = guest(f, ZERO_PAGE);
    g_assert_cmphex(ld32_le(bp + BZ_RAMDISK_IMAGE), ==, want);
    g_assert_cmphex(ld32_le(bp + BZ_RAMDISK_SIZE), ==, len);
    g_assert_cmphex(ld32_le(bp + BP_EXT_RAMDISK_IMAGE), ==, 0);
    g_assert_cmphex(ld32_le(bp + BP_EXT_RAMDISK_SIZE), ==, 0);
    g_assert_cmpmem(guest(f, want), len, contents, len);
    g_assert_cmphex(want + len, <=, top);
    g_assert_cmphex(want, >=, KERNEL_END);

    ZeroPageWant w = {
        .img = img, .cmdline = "initrd=x", .rsdp = RSDP,
        .ramdisk_image = want, .ramdisk_size = (uint32_t)len,
        .e820 = e820, .e820_n = e820_default(f, e820),
    };
    check_zero_page(f, &w);
    check_cpu(f, BZ_PREF_ADDRESS);
    g_unlink(path);
}

static void test_initrd(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    /* initrd_addr_max above RAM: the top of RAM. */
    check_initrd(f, img, 0x2345, RAM_SIZE);
    st32_le(img + BZ_INITRD_ADDR_MAX, 0xffffffff);
    check_initrd(f, img, 0x2345, RAM_SIZE);
    /* Exactly the room between the kernel and the end of RAM. */
    check_initrd(f, img, RAM_SIZE - KERNEL_END, RAM_SIZE);
}

static void test_initrd_addr_max(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    /* initrd_addr_max is the last byte the initrd may take. */
    st32_le(img + BZ_INITRD_ADDR_MAX, 24 * MIB - 1);
    check_initrd(f, img, 0x2345, 24 * MIB);
    check_initrd(f, img, 0x3000, 24 * MIB);
    st32_le(img + BZ_INITRD_ADDR_MAX, 0x17ffabc);
    check_initrd(f, img, 0x2345, 0x17ffabd);
    check_initrd(f, img, 0x1000, 0x17ffabd);
}

static void test_cmdline_limits(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();
    E820Want e820[3];

    /* cmdline_size excludes the terminating zero. */
    st32_le(img + BZ_CMDLINE_SIZE_OFF, 16);
    g_assert_true(load(f, img, BZ_SIZE, "0123456789abcdef", NULL));
    ZeroPageWant w = {
        .img = img, .cmdline = "0123456789abcdef", .rsdp = RSDP,
        .e820 = e820, .e820_n = e820_default(f, e820),
    };
    check_zero_page(f, &w);
    assert_rejected(f, img, BZ_SIZE, "0123456789abcdefg", NULL, "-append");

    /* A kernel that takes anything: the longest the loader has room for
     * loads whole; a line of 64 KiB is refused, not written over RAM. */
    st32_le(img + BZ_CMDLINE_SIZE_OFF, 0xffffffff);
    g_autofree char *longest = g_strnfill(0x6fff, 'L');
    g_assert_true(load(f, img, BZ_SIZE, longest, NULL));
    w.img = img;
    w.cmdline = longest;
    check_zero_page(f, &w);
    g_autofree char *huge = g_strnfill(0x10000, 'H');
    assert_rejected(f, img, BZ_SIZE, huge, NULL, "-append");
}

/* ---- Refusals ---- */

static void test_reject_short(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *good = bz_make();
    static const size_t lens[] = { 0, 1, 0x200, 0x205, 0x206, 0x800, 0xfff };

    for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
        /* An exact-size copy, so that an overread could be seen. */
        g_autofree uint8_t *cut = dup_bytes(good, lens[i]);
        assert_rejected(f, cut, lens[i], "", NULL, NULL);
    }
    g_autofree uint8_t *cut = dup_bytes(good, 0xfff);
    assert_rejected(f, cut, 0xfff, "", NULL, "truncated");
    /* Nothing was written: the kernel's place is untouched. */
    g_assert_cmpuint(*guest(f, BZ_PREF_ADDRESS), ==, 0xAA);
}

static void test_reject_boot_flag(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    st16_le(img + BZ_BOOT_FLAG, 0x55AA);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "boot flag");
}

static void test_reject_magic(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    memcpy(img + BZ_MAGIC, "HdrZ", 4);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "HdrS");
}

static void test_reject_version(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    st16_le(img + BZ_VERSION, 0x020b);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "2.11");
    st16_le(img + BZ_VERSION, 0x0100);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "2.12");
}

static void test_reject_no_64bit(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    st16_le(img + BZ_XLOADFLAGS, 0x0002);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "64-bit");
}

static void test_reject_setup_sects(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    /* The setup alone is longer than the file (32 sectors = 16 KiB). */
    img[BZ_SETUP_SECTS_OFF] = 0x1f;
    assert_rejected(f, img, BZ_SIZE, "", NULL, "corrupt");
    /* The largest: 256 sectors. */
    img[BZ_SETUP_SECTS_OFF] = 0xff;
    assert_rejected(f, img, BZ_SIZE, "", NULL, "corrupt");
    /* The setup is the whole file: no protected-mode part. */
    img[BZ_SETUP_SECTS_OFF] = BZ_SIZE / 512 - 1;
    assert_rejected(f, img, BZ_SIZE, "", NULL, "corrupt");
}

static void test_reject_pref_address(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    /* Not a multiple of kernel_alignment */
    st64_le(img + BZ_PREF_ADDRESS_OFF, BZ_PREF_ADDRESS + 0x1000);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "load address");
    /* Below 1 MiB: over the loader's own structures */
    st64_le(img + BZ_PREF_ADDRESS_OFF, 0);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "load address");
    st32_le(img + BZ_KERNEL_ALIGNMENT, 0x1000);
    st64_le(img + BZ_PREF_ADDRESS_OFF, 0x9000);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "load address");
    /* Addresses at and past 4 GiB, where the loader maps nothing; at the
     * very top, address + init_size wraps to a small number. */
    static const uint64_t high[] = {
        1ull << 32, 1ull << 40, 0x8000000000000000ull,
        0xffffffffffe00000ull, 0xfffffffffff00000ull,
    };
    st32_le(img + BZ_KERNEL_ALIGNMENT, 0x100000);
    for (size_t i = 0; i < G_N_ELEMENTS(high); i++) {
        st64_le(img + BZ_PREF_ADDRESS_OFF, high[i]);
        assert_rejected(f, img, BZ_SIZE, "", NULL, NULL);
    }
    g_assert_cmpuint(*guest(f, BZ_PREF_ADDRESS), ==, 0xAA);
}

static void test_reject_ram(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    /* init_size to the last byte of RAM is fine, one more is not. */
    st32_le(img + BZ_INIT_SIZE_OFF, RAM_SIZE - BZ_PREF_ADDRESS);
    g_assert_true(load(f, img, BZ_SIZE, "", NULL));
    st32_le(img + BZ_INIT_SIZE_OFF, RAM_SIZE - BZ_PREF_ADDRESS + 1);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "-m");
    st32_le(img + BZ_INIT_SIZE_OFF, 0xffffffff);
    assert_rejected(f, img, BZ_SIZE, "", NULL, "-m");
}

static const uint64_t small_ram = 8 * MIB;

static void test_reject_ram_small(Fixture *f, gconstpointer data)
{
    /* 8 MiB of RAM; the kernel wants [16 MiB, 20 MiB). */
    g_autofree uint8_t *img = bz_make();

    assert_rejected(f, img, BZ_SIZE, "", NULL, "-m");
    if (!strstr(f->err, "20 MiB")) {
        g_error("error '%s' does not say 20 MiB", f->err);
    }
}

static void test_reject_initrd_too_big(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    /* One byte more than the room between the kernel and the end of RAM
     * (the exact fit is in test_initrd). */
    g_autofree char *big = make_initrd(RAM_SIZE - KERNEL_END + 1, NULL);
    assert_rejected(f, img, BZ_SIZE, "", big, "-initrd");

    /* The initrd may not take even the last byte of the kernel's
     * init_size (here not a multiple of a page). */
    g_autofree char *fit = make_initrd(RAM_SIZE - KERNEL_END, NULL);
    st32_le(img + BZ_INIT_SIZE_OFF, BZ_INIT_SIZE + 1);
    assert_rejected(f, img, BZ_SIZE, "", fit, "-initrd");
    st32_le(img + BZ_INIT_SIZE_OFF, BZ_INIT_SIZE);
    g_assert_true(load(f, img, BZ_SIZE, "", fit));

    /* initrd_addr_max leaves less room than RAM would. */
    g_autofree char *two = make_initrd(2 * MIB, NULL);
    st32_le(img + BZ_INITRD_ADDR_MAX, KERNEL_END + 2 * MIB - 1);
    g_assert_true(load(f, img, BZ_SIZE, "", two));         /* just fits */
    st32_le(img + BZ_INITRD_ADDR_MAX, KERNEL_END + 2 * MIB - 2);
    assert_rejected(f, img, BZ_SIZE, "", two, "-initrd");
    st32_le(img + BZ_INITRD_ADDR_MAX, KERNEL_END + MIB);
    assert_rejected(f, img, BZ_SIZE, "", two, "-initrd");
    /* initrd_addr_max below the kernel: not even a byte fits. */
    g_autofree char *one = make_initrd(1, NULL);
    st32_le(img + BZ_INITRD_ADDR_MAX, 0xfffff);
    assert_rejected(f, img, BZ_SIZE, "", one, "-initrd");
    st32_le(img + BZ_INITRD_ADDR_MAX, 0);
    assert_rejected(f, img, BZ_SIZE, "", one, "-initrd");

    g_unlink(big);
    g_unlink(fit);
    g_unlink(two);
    g_unlink(one);
}

static void test_reject_initrd_missing(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = bz_make();

    assert_rejected(f, img, BZ_SIZE, "", "/nonexistent/bt86-initrd",
                    "/nonexistent/bt86-initrd");
    g_assert_true(g_str_has_prefix(f->err, "-initrd"));
    assert_rejected(f, img, BZ_SIZE, "", g_get_tmp_dir(), "-initrd");
}

/* ---- Random corruption ---- */

/* The header fields the loader reads, and values that find edges. */
static const struct { unsigned off, width; } fuzz_fields[] = {
    { BZ_SETUP_SECTS_OFF, 1 }, { BZ_JUMP + 1, 1 }, { BZ_BOOT_FLAG, 2 },
    { BZ_VERSION, 2 }, { BZ_LOADFLAGS, 1 }, { BZ_XLOADFLAGS, 2 },
    { BZ_INITRD_ADDR_MAX, 4 }, { BZ_KERNEL_ALIGNMENT, 4 },
    { BZ_CMDLINE_SIZE_OFF, 4 }, { BZ_PREF_ADDRESS_OFF, 8 },
    { BZ_INIT_SIZE_OFF, 4 }, { BZ_RAMDISK_IMAGE, 4 }, { BZ_RAMDISK_SIZE, 4 },
    { BZ_PAYLOAD_OFFSET, 4 }, { BZ_PAYLOAD_LENGTH, 4 },
};

static const uint64_t fuzz_values[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x1ff, 0x200, 0x1000, 0xfff,
    0x20b, 0x20c, 0x20e, 0x7fff, 0x8000, 0xffff, 0x100000, 0x1000000,
    0x1400000, 0x1800000, RAM_SIZE - 1, RAM_SIZE, RAM_SIZE + 1,
    0x7fffffff, 0x80000000, 0xfff00000, 0xfffff000, 0xffffffff,
    1ull << 32, 0x8000000000000000ull, 0xffffffffffe00000ull,
    0xfffffffffff00000ull, 0xfffffffffffff000ull, UINT64_MAX,
};

static void test_fuzz(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *good = bz_make();
    g_autofree char *initrd = make_initrd(0x1234, NULL);
    g_autofree char *cmdline = g_strnfill(3000, 'c');
    GRand *rng = g_rand_new_with_seed(86);
    unsigned loaded = 0;

    f->unpack = true;       /* the payload fields are read too */
    for (int iter = 0; iter < 4000; iter++) {
        g_autofree uint8_t *img = dup_bytes(good, BZ_SIZE);
        int changes = g_rand_int_range(rng, 1, 6);
        for (int i = 0; i < changes; i++) {
            if (g_rand_boolean(rng)) {
                /* A field set to an edge value, or a random one */
                unsigned k = g_rand_int_range(rng, 0,
                                              G_N_ELEMENTS(fuzz_fields));
                uint64_t v = g_rand_int_range(rng, 0, 4)
                    ? fuzz_values[g_rand_int_range(rng, 0,
                                                   G_N_ELEMENTS(fuzz_values))]
                    : (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
                for (unsigned b = 0; b < fuzz_fields[k].width; b++) {
                    img[fuzz_fields[k].off + b] = (uint8_t)(v >> (8 * b));
                }
            } else {
                /* A byte of the setup header, or anywhere in the setup */
                int at = g_rand_int_range(rng, 0, 4)
                    ? g_rand_int_range(rng, BP_HDR, BZ_HDR_END)
                    : g_rand_int_range(rng, 0, BZ_SETUP_SIZE);
                static const uint8_t bytes[] = { 0, 0xff, 0x80, 0x01 };
                img[at] = g_rand_boolean(rng)
                    ? bytes[g_rand_int_range(rng, 0, 4)]
                    : (uint8_t)g_rand_int_range(rng, 0, 256);
            }
        }
        size_t size = BZ_SIZE;
        if (g_rand_int_range(rng, 0, 8) == 0) {
            size = g_rand_int_range(rng, 0, BZ_SIZE + 1);
        }
        g_autofree uint8_t *exact = dup_bytes(img, size);
        const char *cl = cmdline + g_rand_int_range(rng, 0, 3001);
        const char *rd = g_rand_boolean(rng) ? initrd : NULL;

        if (load(f, exact, size, cl, rd)) {
            loaded++;
            uint64_t pref = ld64_le(img + BZ_PREF_ADDRESS_OFF);
            g_assert_cmphex(f->env->rip, ==, pref + 0x200);
            g_assert_cmphex(pref + ld32_le(img + BZ_INIT_SIZE_OFF), <=,
                            RAM_SIZE);
            g_assert_cmpuint(*guest(f, ZERO_PAGE + BZ_TYPE_OF_LOADER), ==,
                             0xff);
            g_assert_cmpstr((const char *)guest(f,
                            ld32_le(guest(f, ZERO_PAGE + BZ_CMD_LINE_PTR))),
                            ==, cl);
        }
    }
    g_test_message("%u of 4000 corrupted images loaded", loaded);
    /* Both outcomes were exercised. */
    g_assert_cmpuint(loaded, >, 100);
    g_assert_cmpuint(loaded, <, 3900);
    g_rand_free(rng);
    g_unlink(initrd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_init, fn, fixture_fini)
    ADD("/linuxboot/probe", test_probe);
    ADD("/linuxboot/load/bzimage", test_load);
    ADD("/linuxboot/load/no-cmdline", test_load_no_cmdline);
    ADD("/linuxboot/load/protocol-2.12", test_load_protocol_2_12);
    ADD("/linuxboot/load/setup-sects-zero", test_load_setup_sects_zero);
    ADD("/linuxboot/load/other-address", test_load_other_address);
    ADD("/linuxboot/load/e820-high-ram", test_e820_high_ram);
    ADD("/linuxboot/load/initrd", test_initrd);
    ADD("/linuxboot/load/initrd-addr-max", test_initrd_addr_max);
    ADD("/linuxboot/load/cmdline-limits", test_cmdline_limits);
    ADD("/linuxboot/reject/short", test_reject_short);
    ADD("/linuxboot/reject/boot-flag", test_reject_boot_flag);
    ADD("/linuxboot/reject/magic", test_reject_magic);
    ADD("/linuxboot/reject/version", test_reject_version);
    ADD("/linuxboot/reject/no-64bit", test_reject_no_64bit);
    ADD("/linuxboot/reject/setup-sects", test_reject_setup_sects);
    ADD("/linuxboot/reject/pref-address", test_reject_pref_address);
    ADD("/linuxboot/reject/ram", test_reject_ram);
    ADD("/linuxboot/reject/initrd-too-big", test_reject_initrd_too_big);
    ADD("/linuxboot/reject/initrd-missing", test_reject_initrd_missing);
    ADD("/linuxboot/reject/fuzz", test_fuzz);
    ADD("/linuxboot/unpack/xz", test_unpack);
    ADD("/linuxboot/unpack/other-format", test_unpack_other_format);
    ADD("/linuxboot/unpack/reject", test_unpack_reject);
#undef ADD
    g_test_add("/linuxboot/reject/ram-small", Fixture, &small_ram,
               fixture_init, test_reject_ram_small, fixture_fini);

    return g_test_run();
}
