/*
 * The multiboot loader on synthetic images built here, byte by byte: where
 * the kernel lands, the CPU state at entry, the info structure, and refusal
 * (one error string, no crash, CPU untouched) of broken or hostile images.
 */
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hw/i386/multiboot.h"
#include "hw/loader.h"

#define MB_MAGIC      0x1BADB002u
#define MB_AOUT       (1u << 16)
#define KIB           1024ull
#define MIB           (1024ull * 1024)
#define RAM_SIZE      (16 * MIB)
#define LOW_RAM_END   0xA0000ull
#define BIOS_BASE     0xC0000ull
#define HIGH_RAM      0x100000ull

/* The info structure's fields (Multiboot spec 3.3). */
enum {
    MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_CMDLINE = 16,
    MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24, MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48, MBI_BOOT_LOADER_NAME = 64,
};

/*
 * One CPU for the whole run, bound to one address space that each test
 * empties and maps afresh: the CPU has no destroy function, and a CPU per
 * test would be a leak for LeakSanitizer.
 */
static AddressSpace test_as;
static IOSpace test_io;
static CPUX86State *test_env;

/* A pc-like guest: [0, 640K) RAM, [768K, 1M) ROM, [1M, 16M) RAM. */
typedef struct Fixture {
    AddressSpace *as;
    uint8_t *ram;
    uint8_t *rom;
    uint8_t *high;          /* optional RAM at 4 GiB */
    CPUX86State *env;
    char *err;
    uint64_t rip_before;
} Fixture;

static void fixture_init(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    memset(&test_as, 0, sizeof(test_as));
    f->as = &test_as;
    f->ram = g_malloc(RAM_SIZE);
    memset(f->ram, 0xAA, RAM_SIZE);   /* so zero fill can be seen */
    f->rom = g_malloc0(HIGH_RAM - BIOS_BASE);
    mem_map_ram(f->as, "ram.low", 0, LOW_RAM_END, f->ram);
    mem_map_rom(f->as, "bios", BIOS_BASE, HIGH_RAM - BIOS_BASE, f->rom);
    mem_map_ram(f->as, "ram", HIGH_RAM, RAM_SIZE - HIGH_RAM,
                f->ram + HIGH_RAM);
    if (!test_env) {
        test_env = x86_cpu_create(&test_as, &test_io);
    }
    f->env = test_env;
    f->rip_before = f->env->rip;
}

static void fixture_fini(Fixture *f, gconstpointer data)
{
    g_free(f->err);
    g_free(f->ram);
    g_free(f->rom);
    g_free(f->high);
}

/* Guest RAM below 16 MiB, as the test sees it. */
static uint8_t *guest(Fixture *f, uint32_t addr)
{
    g_assert_cmpuint(addr, <, RAM_SIZE);
    return f->ram + addr;
}

/* g_memdup2 is GLib 2.68; meson.build asks for 2.66. */
static uint8_t *dup_bytes(const uint8_t *src, size_t len)
{
    uint8_t *p = g_malloc(len);

    memcpy(p, src, len);
    return p;
}

static void put_mb_header(uint8_t *p, uint32_t flags)
{
    st32_le(p, MB_MAGIC);
    st32_le(p + 4, flags);
    st32_le(p + 8, -(MB_MAGIC + flags));
}

/*
 * An a.out-kludge image: the header at hdr_off, loaded from file offset 0
 * at 1 MiB, the rest of the file a byte pattern; bss to bss_end.
 */
typedef struct AoutSpec {
    size_t size, hdr_off;
    uint32_t load_end, bss_end, entry;
} AoutSpec;

static uint8_t *make_aout(const AoutSpec *s)
{
    uint8_t *img = g_malloc(s->size);

    for (size_t i = 0; i < s->size; i++) {
        img[i] = (uint8_t)(i * 7 + 1);
    }
    uint8_t *h = img + s->hdr_off;
    put_mb_header(h, MB_AOUT | 0x3);
    st32_le(h + 12, HIGH_RAM + s->hdr_off);   /* header_addr */
    st32_le(h + 16, HIGH_RAM);                /* load_addr */
    st32_le(h + 20, s->load_end);
    st32_le(h + 24, s->bss_end);
    st32_le(h + 28, s->entry);
    return img;
}

/*
 * An ELF32 image: a PT_NOTE that must be skipped, a text segment at 2 MiB
 * (file 0x1000..0x1100, with the multiboot header in it) and a data segment
 * at 2 MiB + 4 KiB with 16 file bytes and an 8 KiB bss.
 */
#define ELF_SIZE     0x1200
#define ELF_TEXT     0x200000u
#define ELF_DATA     0x201000u
#define ELF_DATA_MEM 0x2000u
#define ELF_ENTRY    0x200010u

static uint8_t *make_elf(unsigned elf_class, uint32_t mb_flags)
{
    uint8_t *img = g_malloc0(ELF_SIZE);

    memcpy(img, "\177ELF", 4);
    img[4] = elf_class;
    img[5] = 1;                     /* little-endian */
    img[6] = 1;                     /* EV_CURRENT */
    st16_le(img + 16, 2);             /* ET_EXEC */
    st16_le(img + 18, 3);             /* EM_386 */
    st32_le(img + 20, 1);
    st32_le(img + 24, ELF_ENTRY);
    st32_le(img + 28, 52);            /* e_phoff */
    st16_le(img + 40, 52);            /* e_ehsize */
    st16_le(img + 42, 32);            /* e_phentsize */
    st16_le(img + 44, 3);             /* e_phnum */

    static const uint32_t ph[3][8] = {
        /* type, offset, vaddr, paddr, filesz, memsz, flags, align */
        { 4, 0x100, 0, 0, 0x10, 0x10, 4, 4 },
        { 1, 0x1000, ELF_TEXT, ELF_TEXT, 0x100, 0x100, 5, 0x1000 },
        { 1, 0x1100, 0xC0000000u + ELF_DATA, ELF_DATA, 0x10, ELF_DATA_MEM, 6,
          0x1000 },
    };
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 8; j++) {
            st32_le(img + 52 + i * 32 + j * 4, ph[i][j]);
        }
    }
    for (int i = 0x1000; i < ELF_SIZE; i++) {
        img[i] = (uint8_t)(i * 13 + 5);
    }
    put_mb_header(img + 0x1000, mb_flags);
    return img;
}

static void set_phdr(uint8_t *img, int i, int field, uint32_t v)
{
    st32_le(img + 52 + i * 32 + field * 4, v);
}

static bool load(Fixture *f, const uint8_t *img, size_t size,
                 const char *cmdline, const char *initrd)
{
    g_clear_pointer(&f->err, g_free);
    bool ok = multiboot_load(f->env, f->as, RAM_SIZE, img, size, cmdline,
                             initrd, &f->err);
    if (ok) {
        g_assert_null(f->err);
    } else {
        /* One line, and the CPU is left alone. */
        g_assert_nonnull(f->err);
        g_assert_null(strchr(f->err, '\n'));
        g_assert_cmpuint(f->env->rip, ==, f->rip_before);
    }
    return ok;
}

static void assert_rejected(Fixture *f, const uint8_t *img, size_t size,
                            const char *initrd, const char *needle)
{
    g_assert_false(load(f, img, size, "k", initrd));
    if (needle && !strstr(f->err, needle)) {
        g_error("error '%s' does not mention '%s'", f->err, needle);
    }
}

/* ---- Probe ---- */

static void test_probe(Fixture *f, gconstpointer data)
{
    AoutSpec s = { .size = 0x2000, .entry = HIGH_RAM };
    g_autofree uint8_t *aout = make_aout(&s);
    g_autofree uint8_t *elf = make_elf(1, 0x3);
    uint8_t junk[9000] = { 0 };

    g_assert_true(multiboot_probe(aout, s.size));
    g_assert_true(multiboot_probe(elf, ELF_SIZE));
    g_assert_false(multiboot_probe(junk, sizeof(junk)));
    g_assert_false(multiboot_probe(NULL, 0));
    g_assert_false(multiboot_probe(aout, 11));   /* cut inside the header */

    /* The last place a header fits: 8180 + 12 = 8192. */
    put_mb_header(junk + 8180, 0);
    g_assert_true(multiboot_probe(junk, sizeof(junk)));
    memset(junk, 0, sizeof(junk));
    put_mb_header(junk + 8184, 0);
    g_assert_false(multiboot_probe(junk, sizeof(junk)));
    /* Not 32-bit aligned. */
    memset(junk, 0, sizeof(junk));
    put_mb_header(junk + 2, 0);
    g_assert_false(multiboot_probe(junk, sizeof(junk)));
    /* A stray magic with a wrong checksum is not a header. */
    st32_le(aout + 8, 0);
    g_assert_false(multiboot_probe(aout, s.size));
}

/* ---- Loading ---- */

static void test_aout(Fixture *f, gconstpointer data)
{
    AoutSpec s = { .size = 0x3000, .hdr_off = 0x40,
                   .bss_end = HIGH_RAM + 0x5000, .entry = HIGH_RAM + 0x123 };
    g_autofree uint8_t *img = make_aout(&s);

    g_assert_true(load(f, img, s.size, "kernel", NULL));

    g_assert_cmpmem(guest(f, HIGH_RAM), s.size, img, s.size);
    for (uint32_t a = HIGH_RAM + s.size; a < s.bss_end; a++) {
        g_assert_cmpuint(*guest(f, a), ==, 0);
    }

    CPUX86State *env = f->env;
    g_assert_cmphex(env->rip, ==, HIGH_RAM + 0x123);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x2BADB002);
    g_assert_cmphex(env->eflags, ==, 0x2);
    g_assert_cmphex(env->cr[0] & (CR0_PE | CR0_ET | CR0_PG), ==,
                    CR0_PE | CR0_ET);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x10);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0);
    g_assert_cmphex(env->segs[R_CS].limit, ==, 0xFFFFFFFF);
    g_assert_true(env->segs[R_CS].flags & DESC_B_MASK);
    g_assert_true(env->segs[R_CS].flags & DESC_CS_MASK);
    static const int data_segs[] = { R_ES, R_SS, R_DS, R_FS, R_GS };
    for (size_t i = 0; i < G_N_ELEMENTS(data_segs); i++) {
        const SegmentCache *sc = &env->segs[data_segs[i]];
        g_assert_cmphex(sc->selector, ==, 0x18);
        g_assert_cmphex(sc->limit, ==, 0xFFFFFFFF);
        g_assert_false(sc->flags & DESC_CS_MASK);
        g_assert_true(sc->flags & DESC_W_MASK);
    }
    /* The info structure takes the first page after the bss. */
    g_assert_cmphex(env->regs[R_EBX], ==, s.bss_end);
}

static void test_aout_load_end(Fixture *f, gconstpointer data)
{
    /* load_end_addr cuts the load short of the file's end. */
    AoutSpec s = { .size = 0x3000, .load_end = HIGH_RAM + 0x1000,
                   .entry = HIGH_RAM };
    g_autofree uint8_t *img = make_aout(&s);

    g_assert_true(load(f, img, s.size, "", NULL));
    g_assert_cmpmem(guest(f, HIGH_RAM), 0x1000, img, 0x1000);
    /* The kernel ends there, so the info structure starts there. */
    g_assert_cmphex(f->env->regs[R_EBX], ==, HIGH_RAM + 0x1000);
}

static void test_elf(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = make_elf(1, 0x3);

    g_assert_true(load(f, img, ELF_SIZE, "kernel", NULL));

    g_assert_cmpmem(guest(f, ELF_TEXT), 0x100, img + 0x1000, 0x100);
    g_assert_cmpuint(*guest(f, ELF_TEXT + 0x100), ==, 0xAA);
    g_assert_cmpmem(guest(f, ELF_DATA), 0x10, img + 0x1100, 0x10);
    for (uint32_t a = ELF_DATA + 0x10; a < ELF_DATA + ELF_DATA_MEM; a++) {
        g_assert_cmpuint(*guest(f, a), ==, 0);
    }
    /* The PT_NOTE went nowhere (it would have hit address 0). */
    g_assert_cmpuint(*guest(f, 0), ==, 0xAA);

    g_assert_cmphex(f->env->rip, ==, ELF_ENTRY);
    g_assert_cmphex(f->env->regs[R_EAX], ==, 0x2BADB002);
    g_assert_cmphex(f->env->regs[R_EBX], ==, ELF_DATA + ELF_DATA_MEM);
}

static void test_info(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = make_elf(1, 0x3);

    g_assert_true(load(f, img, ELF_SIZE, "/boot/k console=ttyS0", NULL));
    const uint8_t *mbi = guest(f, f->env->regs[R_EBX]);

    uint32_t flags = ld32_le(mbi + MBI_FLAGS);
    g_assert_cmphex(flags, ==, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) |
                               (1u << 9));
    g_assert_cmpuint(ld32_le(mbi + MBI_MEM_LOWER), ==, 640);
    g_assert_cmpuint(ld32_le(mbi + MBI_MEM_UPPER), ==,
                     (RAM_SIZE - HIGH_RAM) / KIB);
    g_assert_cmpstr((const char *)guest(f, ld32_le(mbi + MBI_CMDLINE)), ==,
                    "/boot/k console=ttyS0");
    g_assert_cmpstr((const char *)guest(f, ld32_le(mbi + MBI_BOOT_LOADER_NAME)),
                    ==, "bt86");
    g_assert_cmpuint(ld32_le(mbi + MBI_MODS_COUNT), ==, 0);

    /* [0,640K) RAM, [640K,1M) reserved, [1M,16M) RAM */
    static const struct { uint64_t base, len; uint32_t type; } want[] = {
        { 0, LOW_RAM_END, 1 },
        { LOW_RAM_END, HIGH_RAM - LOW_RAM_END, 2 },
        { HIGH_RAM, RAM_SIZE - HIGH_RAM, 1 },
    };
    g_assert_cmpuint(ld32_le(mbi + MBI_MMAP_LENGTH), ==, 3 * 24);
    const uint8_t *e = guest(f, ld32_le(mbi + MBI_MMAP_ADDR));
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++, e += 24) {
        g_assert_cmpuint(ld32_le(e), ==, 20);
        g_assert_cmphex(ld64_le(e + 4), ==, want[i].base);
        g_assert_cmphex(ld64_le(e + 12), ==, want[i].len);
        g_assert_cmpuint(ld32_le(e + 20), ==, want[i].type);
    }
}

static void test_info_high_ram(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = make_elf(1, 0x3);

    f->high = g_malloc0(MIB);
    mem_map_ram(f->as, "ram.high", 4ull << 30, MIB, f->high);
    g_assert_true(load(f, img, ELF_SIZE, "", NULL));

    const uint8_t *mbi = guest(f, f->env->regs[R_EBX]);
    /* mem_upper stops at the first hole; the map has the high RAM. */
    g_assert_cmpuint(ld32_le(mbi + MBI_MEM_UPPER), ==,
                     (RAM_SIZE - HIGH_RAM) / KIB);
    g_assert_cmpuint(ld32_le(mbi + MBI_MMAP_LENGTH), ==, 4 * 24);
    const uint8_t *e = guest(f, ld32_le(mbi + MBI_MMAP_ADDR)) + 3 * 24;
    g_assert_cmphex(ld64_le(e + 4), ==, 4ull << 30);
    g_assert_cmphex(ld64_le(e + 12), ==, MIB);
    g_assert_cmpuint(ld32_le(e + 20), ==, 1);
}

static char *write_temp(const char *contents, size_t len)
{
    GError *gerr = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("bt86-mbmod-XXXXXX", &path, &gerr);

    g_assert_no_error(gerr);
    close(fd);
    g_assert_true(g_file_set_contents(path, contents, len, &gerr));
    g_assert_no_error(gerr);
    return path;
}

static void test_modules(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = make_elf(1, 0x3);
    g_autofree char *m1 = write_temp("first module", 12);
    g_autofree char *m2 = write_temp("2", 1);
    /* ",," is a literal comma inside an item, as in QEMU. */
    g_autofree char *initrd = g_strdup_printf("%s arg1 a,,b,%s", m1, m2);
    g_autofree char *str1 = g_strdup_printf("%s arg1 a,b", m1);

    g_assert_true(load(f, img, ELF_SIZE, "k", initrd));
    const uint8_t *mbi = guest(f, f->env->regs[R_EBX]);
    g_assert_cmpuint(ld32_le(mbi + MBI_MODS_COUNT), ==, 2);
    const uint8_t *mod = guest(f, ld32_le(mbi + MBI_MODS_ADDR));

    uint32_t start1 = ld32_le(mod), end1 = ld32_le(mod + 4);
    uint32_t start2 = ld32_le(mod + 16), end2 = ld32_le(mod + 20);
    /* Page-aligned, after the kernel's bss, one after the other. */
    g_assert_cmphex(start1, ==, ELF_DATA + ELF_DATA_MEM);
    g_assert_cmphex(end1, ==, start1 + 12);
    g_assert_cmphex(start2, ==, start1 + 0x1000);
    g_assert_cmphex(end2, ==, start2 + 1);
    g_assert_cmpmem(guest(f, start1), 12, "first module", 12);
    g_assert_cmpmem(guest(f, start2), 1, "2", 1);
    g_assert_cmpstr((const char *)guest(f, ld32_le(mod + 8)), ==, str1);
    g_assert_cmpstr((const char *)guest(f, ld32_le(mod + 24)), ==, m2);
    /* The info structure comes after the last module. */
    g_assert_cmphex(f->env->regs[R_EBX], ==, start2 + 0x1000);

    g_unlink(m1);
    g_unlink(m2);
}

/* ---- Refusals ---- */

static void test_reject_checksum(Fixture *f, gconstpointer data)
{
    AoutSpec s = { .size = 0x1000, .entry = HIGH_RAM };
    g_autofree uint8_t *img = make_aout(&s);

    st32_le(img + 8, ld32_le(img + 8) + 1);
    assert_rejected(f, img, s.size, NULL, "checksum");
}

static void test_reject_truncated(Fixture *f, gconstpointer data)
{
    /* a.out: load_end_addr past the end of the file */
    AoutSpec s = { .size = 0x1000, .load_end = HIGH_RAM + 0x1001,
                   .entry = HIGH_RAM };
    g_autofree uint8_t *aout = make_aout(&s);
    assert_rejected(f, aout, s.size, NULL, "truncated");

    /* a.out: load_addr asks for bytes before the file's start */
    s = (AoutSpec){ .size = 0x1000, .hdr_off = 0x10, .entry = HIGH_RAM };
    g_autofree uint8_t *aout2 = make_aout(&s);
    st32_le(aout2 + 0x10 + 16, HIGH_RAM - 0x100);
    assert_rejected(f, aout2, s.size, NULL, NULL);

    /* ELF cut inside the data segment's file bytes */
    g_autofree uint8_t *elf = make_elf(1, 0x3);
    assert_rejected(f, elf, 0x1108, NULL, "truncated");

    /* ELF program headers past the end */
    st16_le(elf + 44, 0xFFFF);
    assert_rejected(f, elf, ELF_SIZE, NULL, "truncated");

    /* Every prefix that cuts into the last segment's file bytes is
     * refused; a copy of exactly len bytes lets ASan see any overread. */
    g_autofree uint8_t *good = make_elf(1, 0x3);
    for (size_t len = 0; len < 0x1110; len++) {
        g_autofree uint8_t *cut = dup_bytes(good, len ? len : 1);
        g_assert_false(load(f, cut, len, "k", NULL));
    }
}

static void test_reject_outside_ram(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = make_elf(1, 0x3);

    /* Past the end of RAM */
    set_phdr(img, 2, 3, RAM_SIZE);
    assert_rejected(f, img, ELF_SIZE, NULL, "not in RAM");
    /* Straddling the end of RAM */
    set_phdr(img, 2, 3, RAM_SIZE - 0x1000);
    assert_rejected(f, img, ELF_SIZE, NULL, "not in RAM");
    /* In the legacy hole and the BIOS ROM */
    set_phdr(img, 2, 3, 0xA0000);
    assert_rejected(f, img, ELF_SIZE, NULL, "not in RAM");
    set_phdr(img, 2, 3, 0xF0000);
    assert_rejected(f, img, ELF_SIZE, NULL, "not in RAM");
    /* An address plus size that wraps 32 bits */
    set_phdr(img, 2, 3, 0xFFFFF000u);
    set_phdr(img, 2, 5, 0x2000);
    assert_rejected(f, img, ELF_SIZE, NULL, "not in RAM");
    /* Nothing was copied before the refusal. */
    g_assert_cmpuint(*guest(f, ELF_TEXT), ==, 0xAA);

    /* a.out whose bss runs past RAM */
    AoutSpec s = { .size = 0x1000, .bss_end = RAM_SIZE + 0x1000,
                   .entry = HIGH_RAM };
    g_autofree uint8_t *aout = make_aout(&s);
    assert_rejected(f, aout, s.size, NULL, "not in RAM");
}

static void test_reject_elf64(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = make_elf(2, 0x3);

    assert_rejected(f, img, ELF_SIZE, NULL, "ELF64");

    /* Not ELF at all and no kludge */
    g_autofree uint8_t *raw = make_elf(1, 0x3);
    memset(raw, 0, 4);
    assert_rejected(f, raw, ELF_SIZE, NULL, "not ELF");
}

static void test_reject_beyond_8k(Fixture *f, gconstpointer data)
{
    AoutSpec s = { .size = 0x3000, .hdr_off = 0x2000, .entry = HIGH_RAM };
    g_autofree uint8_t *img = make_aout(&s);

    g_assert_false(multiboot_probe(img, s.size));
    assert_rejected(f, img, s.size, NULL, "8192");

    /* Magic in the window, address fields past it */
    s.hdr_off = 0x2000 - 16;
    g_autofree uint8_t *img2 = make_aout(&s);
    g_assert_true(multiboot_probe(img2, s.size));
    assert_rejected(f, img2, s.size, NULL, "8192");
}

static void test_reject_flags(Fixture *f, gconstpointer data)
{
    /* Bit 3 is a requirement nobody defined: refuse. */
    g_autofree uint8_t *img = make_elf(1, 0x8);
    assert_rejected(f, img, ELF_SIZE, NULL, "0x8");

    /* Video mode (bit 2) is a wish; unknown optional bits are ignored. */
    g_autofree uint8_t *ok = make_elf(1, 0x7 | (1u << 20));
    g_assert_true(load(f, ok, ELF_SIZE, "", NULL));
}

static void test_reject_modules(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *img = make_elf(1, 0x3);
    g_autofree char *m1 = write_temp("x", 1);
    g_autofree char *trailing = g_strdup_printf("%s,", m1);

    assert_rejected(f, img, ELF_SIZE, "/nonexistent/module arg",
                    "/nonexistent/module");
    assert_rejected(f, img, ELF_SIZE, trailing, "empty module");
    assert_rejected(f, img, ELF_SIZE, g_get_tmp_dir(), "directory");

    /* A module that does not fit in RAM */
    g_autofree char *big_data = g_malloc0(RAM_SIZE);
    g_autofree char *big = write_temp(big_data, RAM_SIZE);
    assert_rejected(f, img, ELF_SIZE, big, "RAM");

    g_unlink(m1);
    g_unlink(big);
}

/* Random corruption of a valid image: every outcome is a load or one error. */
static void test_fuzz(Fixture *f, gconstpointer data)
{
    g_autofree uint8_t *good = make_elf(1, 0x3);
    GRand *rng = g_rand_new_with_seed(86);

    for (int iter = 0; iter < 3000; iter++) {
        g_autofree uint8_t *img = dup_bytes(good, ELF_SIZE);
        int flips = g_rand_int_range(rng, 1, 8);
        for (int i = 0; i < flips; i++) {
            /* Mostly the headers, where the numbers are. */
            int at = g_rand_boolean(rng) ? g_rand_int_range(rng, 0, 52 + 96)
                                         : g_rand_int_range(rng, 0, ELF_SIZE);
            img[at] = g_rand_int_range(rng, 0, 256);
        }
        f->rip_before = f->env->rip;
        load(f, img, ELF_SIZE, "k", NULL);
    }
    g_rand_free(rng);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_init, fn, fixture_fini)
    ADD("/multiboot/probe", test_probe);
    ADD("/multiboot/load/aout", test_aout);
    ADD("/multiboot/load/aout-load-end", test_aout_load_end);
    ADD("/multiboot/load/elf32", test_elf);
    ADD("/multiboot/info/fields", test_info);
    ADD("/multiboot/info/high-ram", test_info_high_ram);
    ADD("/multiboot/info/modules", test_modules);
    ADD("/multiboot/reject/checksum", test_reject_checksum);
    ADD("/multiboot/reject/truncated", test_reject_truncated);
    ADD("/multiboot/reject/outside-ram", test_reject_outside_ram);
    ADD("/multiboot/reject/elf64", test_reject_elf64);
    ADD("/multiboot/reject/beyond-8k", test_reject_beyond_8k);
    ADD("/multiboot/reject/flags", test_reject_flags);
    ADD("/multiboot/reject/modules", test_reject_modules);
    ADD("/multiboot/reject/fuzz", test_fuzz);
#undef ADD

    return g_test_run();
}
