/*
 * Multiboot (v1) loader, after the Multiboot Specification 0.6.96.
 *
 * The image is either an ELF32 executable, loaded by its PT_LOAD program
 * headers at their physical addresses, or anything at all with the "a.out
 * kludge" (header flag 16), loaded by the addresses in the header. The kludge
 * wins when both apply, so ELF64 kernels boot through it, as with GRUB and
 * QEMU.
 *
 * Guest memory after loading:
 *   kernel     where its header or program headers say (must be RAM)
 *   modules    page-aligned, one after another, from the first page after the
 *              kernel's end (and at least 1 MiB, so that a kernel loaded low
 *              does not push modules into the 640K-1M hole)
 *   boot info  the page after the last module: the info structure, the
 *              module list, the memory map, then the strings
 * All of it must fit in RAM below 4 GiB (the info structure holds 32-bit
 * addresses). The image comes from the user, so every offset and size in it
 * is checked against the file and against RAM before anything is copied.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "hw/i386/e820.h"
#include "hw/i386/multiboot.h"
#include "hw/loader.h"

#define MULTIBOOT_HEADER_MAGIC     0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
/* The header must lie wholly in the first 8192 bytes, 32-bit aligned. */
#define MULTIBOOT_SEARCH           8192u

/* Header flags (spec 3.1.2). Bits 0-15 are requirements: a loader that does
 * not understand one that is set must refuse the image. */
#define MULTIBOOT_PAGE_ALIGN  (1u << 0)   /* modules page-aligned: always */
#define MULTIBOOT_MEMORY_INFO (1u << 1)   /* mem_* and mmap: always given */
#define MULTIBOOT_VIDEO_MODE  (1u << 2)   /* a wish: ignored, as QEMU does */
#define MULTIBOOT_AOUT_KLUDGE (1u << 16)
#define MULTIBOOT_REQUIRED    0xFFFFu
#define MULTIBOOT_HONOURED \
    (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE)

/* Header sizes: magic, flags, checksum; then the five address fields. */
#define MB_HEADER_BASE_SIZE 12u
#define MB_HEADER_AOUT_SIZE 32u

/* Boot information flags (spec 3.3) */
#define MBI_FLAG_MEM              (1u << 0)
#define MBI_FLAG_CMDLINE          (1u << 2)
#define MBI_FLAG_MODS             (1u << 3)
#define MBI_FLAG_MMAP             (1u << 6)
#define MBI_FLAG_BOOT_LOADER_NAME (1u << 9)

/* Boot information field offsets (spec 3.3) */
enum {
    MBI_FLAGS = 0,
    MBI_MEM_LOWER = 4,
    MBI_MEM_UPPER = 8,
    MBI_CMDLINE = 16,
    MBI_MODS_COUNT = 20,
    MBI_MODS_ADDR = 24,
    MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48,
    MBI_BOOT_LOADER_NAME = 64,
    MBI_SIZE = 116,            /* through the framebuffer fields, left 0 */
};
/* Room kept for the structure before the module list that follows it. */
#define MBI_SPACE 128u
G_STATIC_ASSERT(MBI_SIZE <= MBI_SPACE);

#define MB_MOD_SIZE        16u  /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_SIZE 24u  /* size (= 20, not counting itself), base,
                                   length, type */

#define MB_LOW_MEM_END  0xA0000ull   /* 640 KiB: the legacy hole starts */
#define MB_HIGH_MEM     0x100000ull  /* 1 MiB */
#define MB_4G           0x100000000ull
#define MB_MODULES_MAX  64

#define MB_PAGE_SIZE 4096ull
#define MB_PAGE_ALIGN(x) (((x) + MB_PAGE_SIZE - 1) & ~(MB_PAGE_SIZE - 1))

/* Modules and kernels past this are refused before being read: nothing
 * above 4 GiB can be described to the guest anyway. */

#define MB_LOADER_NAME "bt86"

typedef struct MultibootHeader {
    size_t offset;          /* of the magic, in the file */
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} MultibootHeader;

typedef enum HeaderSearch {
    HEADER_NONE,
    HEADER_BAD_CHECKSUM,
    HEADER_FOUND,
} HeaderSearch;

/* The image as placed in guest memory. */
typedef struct LoadedKernel {
    uint64_t end;           /* first byte after the kernel (incl. bss) */
    uint32_t entry;
} LoadedKernel;

typedef struct LoadedModule {
    uint32_t start, end;    /* end is exclusive, as GRUB and QEMU give it */
    char *string;           /* the whole -initrd item: "FILE args" */
} LoadedModule;


/*
 * The first 32-bit aligned magic whose checksum is right, as QEMU searches:
 * a stray magic with a wrong checksum does not make a file multiboot.
 */
static HeaderSearch header_find(const uint8_t *image, size_t size,
                                MultibootHeader *h)
{
    size_t limit = MIN(size, (size_t)MULTIBOOT_SEARCH);
    HeaderSearch result = HEADER_NONE;

    if (!image) {
        return HEADER_NONE;
    }
    for (size_t off = 0; limit >= MB_HEADER_BASE_SIZE &&
                         off <= limit - MB_HEADER_BASE_SIZE; off += 4) {
        if (ld32_le(image + off) != MULTIBOOT_HEADER_MAGIC) {
            continue;
        }
        uint32_t flags = ld32_le(image + off + 4);
        uint32_t checksum = ld32_le(image + off + 8);
        if ((uint32_t)(MULTIBOOT_HEADER_MAGIC + flags + checksum) != 0) {
            result = HEADER_BAD_CHECKSUM;
            continue;
        }
        memset(h, 0, sizeof(*h));
        h->offset = off;
        h->flags = flags;
        return HEADER_FOUND;
    }
    return result;
}

bool multiboot_probe(const uint8_t *image, size_t size)
{
    MultibootHeader h;

    return header_find(image, size, &h) == HEADER_FOUND;
}

/* ---- Kernel: a.out kludge ---- */

static bool aout_load(AddressSpace *as, uint64_t ram_size,
                      const uint8_t *image, size_t size,
                      const MultibootHeader *h, LoadedKernel *k, char **err)
{
    /* header_addr is where the header's magic lands; the load starts
     * (header_addr - load_addr) bytes before it in the file. */
    if (h->load_addr > h->header_addr) {
        loader_set_err(err, "multiboot: load_addr 0x%" PRIx32 " is above "
                "header_addr 0x%" PRIx32, h->load_addr, h->header_addr);
        return false;
    }
    uint64_t before = (uint64_t)h->header_addr - h->load_addr;
    if (before > h->offset) {
        loader_set_err(err, "multiboot: load_addr 0x%" PRIx32 " starts before the "
                "beginning of the file", h->load_addr);
        return false;
    }
    uint64_t file_off = h->offset - before;

    uint64_t load_size;
    if (h->load_end_addr == 0) {
        load_size = size - file_off;    /* to the end of the file */
    } else {
        if (h->load_end_addr < h->load_addr) {
            loader_set_err(err, "multiboot: load_end_addr 0x%" PRIx32 " is below "
                    "load_addr 0x%" PRIx32, h->load_end_addr, h->load_addr);
            return false;
        }
        load_size = (uint64_t)h->load_end_addr - h->load_addr;
        if (load_size > size - file_off) {
            loader_set_err(err, "multiboot: load_end_addr 0x%" PRIx32 " is past "
                    "the end of the file (truncated image?)",
                    h->load_end_addr);
            return false;
        }
    }

    uint64_t mem_end = (uint64_t)h->load_addr + load_size;
    if (h->bss_end_addr != 0) {
        if (h->bss_end_addr < mem_end) {
            loader_set_err(err, "multiboot: bss_end_addr 0x%" PRIx32 " is below "
                    "the end of the loaded image 0x%" PRIx64,
                    h->bss_end_addr, mem_end);
            return false;
        }
        mem_end = h->bss_end_addr;
    }
    uint64_t mem_size = mem_end - h->load_addr;
    if (mem_size == 0) {
        loader_set_err(err, "multiboot: the a.out kludge loads nothing");
        return false;
    }

    uint8_t *dst = loader_ram_ptr(as, h->load_addr, mem_size);
    if (!dst) {
        loader_set_err(err, "multiboot: kernel [0x%" PRIx32 ", 0x%" PRIx64 ") is "
                "not in RAM (%" PRIu64 " MiB)", h->load_addr, mem_end,
                ram_size >> 20);
        return false;
    }
    memcpy(dst, image + file_off, load_size);
    memset(dst + load_size, 0, mem_size - load_size);

    k->end = mem_end;
    k->entry = h->entry_addr;
    return true;
}

/* ---- Kernel: ELF32 ---- */

static bool elf_check_header(const uint8_t *image, size_t size,
                             Elf32_Ehdr *eh, char **err)
{
    if (size < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG) != 0) {
        loader_set_err(err, "multiboot: the kernel is not ELF and its header "
                "has no a.out kludge (flag 16)");
        return false;
    }
    if (image[EI_CLASS] == ELFCLASS64) {
        loader_set_err(err, "multiboot: ELF64 kernels need the a.out kludge "
                "(header flag 16)");
        return false;
    }
    if (image[EI_CLASS] != ELFCLASS32) {
        loader_set_err(err, "multiboot: unknown ELF class %u", image[EI_CLASS]);
        return false;
    }
    if (size < sizeof(*eh)) {
        loader_set_err(err, "multiboot: ELF header is truncated");
        return false;
    }
    memcpy(eh, image, sizeof(*eh));   /* host and image are little-endian */
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
        loader_set_err(err, "multiboot: ELF kernel is not little-endian");
        return false;
    }
    if (eh->e_type != ET_EXEC) {
        loader_set_err(err, "multiboot: ELF kernel is not an executable (type %u)",
                eh->e_type);
        return false;
    }
    if (eh->e_machine != EM_386 && eh->e_machine != EM_X86_64) {
        loader_set_err(err, "multiboot: ELF kernel is not for x86 (machine %u)",
                eh->e_machine);
        return false;
    }
    if (eh->e_phnum == 0) {
        loader_set_err(err, "multiboot: ELF kernel has no program headers");
        return false;
    }
    if (eh->e_phentsize < sizeof(Elf32_Phdr)) {
        loader_set_err(err, "multiboot: ELF program header size %u is too small",
                eh->e_phentsize);
        return false;
    }
    if (eh->e_phoff > size ||
        (uint64_t)eh->e_phnum * eh->e_phentsize > size - eh->e_phoff) {
        loader_set_err(err, "multiboot: ELF program headers are past the end of "
                "the file (truncated image?)");
        return false;
    }
    return true;
}

static void elf_phdr(const uint8_t *image, const Elf32_Ehdr *eh, unsigned i,
                     Elf32_Phdr *ph)
{
    memcpy(ph, image + eh->e_phoff + (size_t)i * eh->e_phentsize,
           sizeof(*ph));
}

static bool elf_load(AddressSpace *as, uint64_t ram_size,
                     const uint8_t *image, size_t size, LoadedKernel *k,
                     char **err)
{
    Elf32_Ehdr eh;
    Elf32_Phdr ph;
    uint64_t end = 0;
    bool any = false;

    if (!elf_check_header(image, size, &eh, err)) {
        return false;
    }

    /* Check every segment before copying any. */
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        elf_phdr(image, &eh, i, &ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) {
            continue;
        }
        if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
            loader_set_err(err, "multiboot: ELF segment %u is past the end of the "
                    "file (truncated image?)", i);
            return false;
        }
        if (ph.p_filesz > ph.p_memsz) {
            loader_set_err(err, "multiboot: ELF segment %u has a file size above "
                    "its memory size", i);
            return false;
        }
        uint64_t seg_end = (uint64_t)ph.p_paddr + ph.p_memsz;
        if (!loader_ram_ptr(as, ph.p_paddr, ph.p_memsz)) {
            loader_set_err(err, "multiboot: ELF segment %u [0x%" PRIx32 ", 0x%"
                    PRIx64 ") is not in RAM (%" PRIu64 " MiB)", i,
                    ph.p_paddr, seg_end, ram_size >> 20);
            return false;
        }
        end = MAX(end, seg_end);
        any = true;
    }
    if (!any) {
        loader_set_err(err, "multiboot: ELF kernel has no loadable segment");
        return false;
    }

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        elf_phdr(image, &eh, i, &ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) {
            continue;
        }
        uint8_t *dst = loader_ram_ptr(as, ph.p_paddr, ph.p_memsz);
        memcpy(dst, image + ph.p_offset, ph.p_filesz);
        memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
    }

    k->end = end;
    k->entry = eh.e_entry;
    return true;
}

/* ---- Modules ---- */

/*
 * Splits QEMU's multiboot -initrd list: items separated by ',', ",," a
 * literal comma. Returns a NULL-terminated vector.
 */
static char **module_list_split(const char *list)
{
    GPtrArray *items = g_ptr_array_new();
    GString *cur = g_string_new(NULL);

    for (const char *p = list;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == '\0') {
            g_ptr_array_add(items, g_string_free(cur, FALSE));
            if (*p == '\0') {
                break;
            }
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_ptr_array_add(items, NULL);
    return (char **)g_ptr_array_free(items, FALSE);
}

/* Loads each module page-aligned from *next on; advances *next. */
static bool modules_load(AddressSpace *as, const char *list, uint64_t *next,
                         LoadedModule *mods, unsigned *nr_mods, char **err)
{
    char **items = module_list_split(list);
    bool ok = false;

    *nr_mods = 0;
    for (char **item = items; *item; item++) {
        if (*nr_mods == MB_MODULES_MAX) {
            loader_set_err(err, "multiboot: more than %d modules in -initrd",
                    MB_MODULES_MAX);
            goto out;
        }
        /* The file name ends at the first space; the guest gets the whole
         * item as the module's string, as QEMU gives it. */
        char *path = g_strndup(*item, strcspn(*item, " "));
        if (path[0] == '\0') {
            loader_set_err(err, "multiboot: empty module name in -initrd '%s'",
                    list);
            g_free(path);
            goto out;
        }
        size_t len;
        uint8_t *data = loader_read_file(path, "multiboot: ", "module", &len,
                                         err);
        if (!data) {
            g_free(path);
            goto out;
        }
        uint64_t start = *next;
        uint8_t *dst = loader_ram_ptr(as, start, len);
        if (!dst) {
            loader_set_err(err, "multiboot: module '%s' (%zu bytes) does not fit "
                    "in RAM below 4 GiB at 0x%" PRIx64, path, len, start);
            g_free(data);
            g_free(path);
            goto out;
        }
        memcpy(dst, data, len);
        g_free(data);
        g_free(path);

        LoadedModule *m = &mods[(*nr_mods)++];
        m->start = (uint32_t)start;
        m->end = (uint32_t)(start + len);
        m->string = g_strdup(*item);
        *next = MB_PAGE_ALIGN(start + len);
    }
    ok = true;
out:
    g_strfreev(items);
    return ok;
}

/* ---- Boot information ---- */

/* KiB of RAM from addr up to the end of the region holding it. */
static uint64_t ram_kib_from(AddressSpace *as, uint64_t addr, uint64_t cap)
{
    MemRegion *r = mem_find(as, addr);

    if (!r || r->kind != MEM_REGION_RAM) {
        return 0;
    }
    return MIN(r->base + r->size, cap) > addr
               ? (MIN(r->base + r->size, cap) - addr) / 1024
               : 0;
}

/* Appends a NUL-terminated string to the info block; returns its address. */
static uint32_t info_add_string(GByteArray *info, uint64_t base,
                                const char *s)
{
    uint32_t addr = (uint32_t)(base + info->len);

    g_byte_array_append(info, (const uint8_t *)s, strlen(s) + 1);
    return addr;
}

static bool info_build(AddressSpace *as, uint64_t base, const char *cmdline,
                       const LoadedModule *mods, unsigned nr_mods,
                       uint32_t *info_addr, char **err)
{
    E820Entry mmap[MEM_MAX_REGIONS + 1];
    unsigned nr_mmap = e820_build(as, mmap, G_N_ELEMENTS(mmap));
    uint64_t mods_off = MBI_SPACE;
    uint64_t mmap_off = mods_off + (uint64_t)nr_mods * MB_MOD_SIZE;
    uint64_t strings_off = mmap_off + (uint64_t)nr_mmap * MB_MMAP_ENTRY_SIZE;

    GByteArray *info = g_byte_array_sized_new(strings_off + 256);
    g_byte_array_set_size(info, strings_off);
    memset(info->data, 0, strings_off);

    uint8_t *p = info->data;
    st32_le(p + MBI_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
                        MBI_FLAG_MMAP | MBI_FLAG_BOOT_LOADER_NAME);
    st32_le(p + MBI_MEM_LOWER, ram_kib_from(as, 0, MB_LOW_MEM_END));
    st32_le(p + MBI_MEM_UPPER, MIN(ram_kib_from(as, MB_HIGH_MEM, MB_4G),
                                (uint64_t)UINT32_MAX));
    st32_le(p + MBI_MODS_COUNT, nr_mods);
    st32_le(p + MBI_MODS_ADDR, (uint32_t)(base + mods_off));
    st32_le(p + MBI_MMAP_LENGTH, nr_mmap * MB_MMAP_ENTRY_SIZE);
    st32_le(p + MBI_MMAP_ADDR, (uint32_t)(base + mmap_off));

    for (unsigned i = 0; i < nr_mmap; i++) {
        uint8_t *e = p + mmap_off + i * MB_MMAP_ENTRY_SIZE;
        st32_le(e, MB_MMAP_ENTRY_SIZE - 4);
        st64_le(e + 4, mmap[i].base);
        st64_le(e + 12, mmap[i].length);
        st32_le(e + 20, mmap[i].type);
    }

    /* Strings last: appending may move info->data. */
    uint32_t cmdline_addr = info_add_string(info, base, cmdline);
    uint32_t name_addr = info_add_string(info, base, MB_LOADER_NAME);
    st32_le(info->data + MBI_CMDLINE, cmdline_addr);
    st32_le(info->data + MBI_BOOT_LOADER_NAME, name_addr);
    for (unsigned i = 0; i < nr_mods; i++) {
        uint32_t s = info_add_string(info, base, mods[i].string);
        uint8_t *m = info->data + mods_off + i * MB_MOD_SIZE;
        st32_le(m, mods[i].start);
        st32_le(m + 4, mods[i].end);
        st32_le(m + 8, s);
    }

    bool ok = loader_ram_ptr(as, base, info->len) != NULL;
    if (ok) {
        ok = mem_write_buf(as, base, info->data, info->len);
    }
    if (!ok) {
        loader_set_err(err, "multiboot: no room in RAM below 4 GiB for the boot "
                "information (%u bytes at 0x%" PRIx64 ")", info->len, base);
    }
    g_byte_array_free(info, TRUE);
    *info_addr = (uint32_t)base;
    return ok;
}

/* ---- CPU ---- */

/* Spec 3.2: 32-bit flat protected mode, paging off, IF and VM clear. The
 * selectors are those of QEMU's multiboot stub, for kernels that print them. */
static void multiboot_cpu_setup(CPUX86State *env, uint32_t entry,
                                uint32_t info_addr)
{
    const uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                          DESC_R_MASK | DESC_A_MASK | DESC_B_MASK |
                          DESC_G_MASK;
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                          DESC_A_MASK | DESC_B_MASK | DESC_G_MASK;
    static const int data_segs[] = { R_ES, R_SS, R_DS, R_FS, R_GS };

    /* CR0 first: loading a segment may look at PE. */
    env->cr[0] = CR0_PE | CR0_ET;
    x86_load_seg_cache(env, R_CS, 0x10, 0, 0xFFFFFFFF, code);
    for (size_t i = 0; i < G_N_ELEMENTS(data_segs); i++) {
        x86_load_seg_cache(env, data_segs[i], 0x18, 0, 0xFFFFFFFF, data);
    }
    env->eflags = 0x2;
    env->rip = entry;
    env->regs[R_EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
    env->regs[R_EBX] = info_addr;
    x86_update_hflags(env);
}

bool multiboot_load(CPUX86State *env, AddressSpace *as, uint64_t ram_size,
                    const uint8_t *image, size_t size, const char *cmdline,
                    const char *initrd, char **err)
{
    MultibootHeader h;
    LoadedKernel k = { 0 };
    LoadedModule mods[MB_MODULES_MAX];
    unsigned nr_mods = 0;
    uint32_t info_addr;
    bool ok = false;

    switch (header_find(image, size, &h)) {
    case HEADER_NONE:
        loader_set_err(err, "multiboot: no multiboot header in the first %u bytes",
                MULTIBOOT_SEARCH);
        return false;
    case HEADER_BAD_CHECKSUM:
        loader_set_err(err, "multiboot: the multiboot header has a bad checksum");
        return false;
    case HEADER_FOUND:
        break;
    }

    uint32_t unknown = h.flags & MULTIBOOT_REQUIRED & ~MULTIBOOT_HONOURED;
    if (unknown) {
        loader_set_err(err, "multiboot: the kernel requires features bt86 does not "
                "provide (header flags 0x%" PRIx32 ")", unknown);
        return false;
    }

    if (h.flags & MULTIBOOT_AOUT_KLUDGE) {
        size_t limit = MIN(size, (size_t)MULTIBOOT_SEARCH);
        if (limit - h.offset < MB_HEADER_AOUT_SIZE) {
            loader_set_err(err, "multiboot: the header's address fields are past "
                    "the first %u bytes or the end of the file",
                    MULTIBOOT_SEARCH);
            return false;
        }
        const uint8_t *f = image + h.offset + MB_HEADER_BASE_SIZE;
        h.header_addr = ld32_le(f);
        h.load_addr = ld32_le(f + 4);
        h.load_end_addr = ld32_le(f + 8);
        h.bss_end_addr = ld32_le(f + 12);
        h.entry_addr = ld32_le(f + 16);
        ok = aout_load(as, ram_size, image, size, &h, &k, err);
    } else {
        ok = elf_load(as, ram_size, image, size, &k, err);
    }
    if (!ok) {
        return false;
    }

    uint64_t next = MB_PAGE_ALIGN(MAX(k.end, MB_HIGH_MEM));
    if (initrd && initrd[0]) {
        ok = modules_load(as, initrd, &next, mods, &nr_mods, err);
    }
    if (ok) {
        ok = info_build(as, next, cmdline ? cmdline : "", mods, nr_mods,
                        &info_addr, err);
    }
    if (ok) {
        multiboot_cpu_setup(env, k.entry, info_addr);
    }
    for (unsigned i = 0; i < nr_mods; i++) {
        g_free(mods[i].string);
    }
    return ok;
}
