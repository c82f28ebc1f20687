/*
 * Direct Linux boot, as QEMU's -kernel/-initrd/-append does it, but
 * without a BIOS: bt86 is the boot loader and enters the kernel's 64-bit
 * entry point (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol").
 *
 * Low memory the loader uses (the kernel copies what it needs early):
 *   0x1000  GDT           0x2000  PML4, 0x3000 PDPT, 0x4000-0x7fff four PDs
 *   0x8000  zero page     0x9000  command line (up to 0x10000)
 * The protected-mode kernel goes to its preferred address (pref_address),
 * the initrd to the top of RAM below initrd_addr_max.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "hw/i386/e820.h"
#include "hw/i386/linuxboot.h"
#include "hw/i386/vmlinux.h"
#include "hw/loader.h"
#include "target-x86/msr.h"

/* Offsets in the zero page (struct boot_params) and its setup header */
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_HDR               0x1f1   /* the setup header starts here */
#define HDR_SETUP_SECTS      0x1f1
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP             0x200   /* its second byte: header length - 2 */
#define HDR_MAGIC            0x202
#define HDR_VERSION          0x206
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_CODE32_START     0x214
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_PAYLOAD_OFFSET   0x248
#define HDR_PAYLOAD_LENGTH   0x24c
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128
#define BP_SIZE              0x1000

#define LOADFLAGS_LOADED_HIGH 0x01
#define XLF_KERNEL_64         0x01
#define LOADER_TYPE_UNKNOWN   0xff
#define BOOT_PROTOCOL_MIN     0x020c  /* 2.12: xloadflags, 64-bit entry */

#define LB_GDT        0x1000ull
#define LB_PML4       0x2000ull
#define LB_PDPT       0x3000ull
#define LB_PD         0x4000ull   /* four, for 0-4 GiB */
#define LB_ZERO_PAGE  0x8000ull
#define LB_CMDLINE    0x9000ull
#define LB_CMDLINE_END 0x10000ull
#define LB_HIGH_MEM   0x100000ull
#define LB_4G         0x100000000ull

#define SEL_BOOT_CS 0x10
#define SEL_BOOT_DS 0x18

bool linux_probe(const uint8_t *image, size_t size)
{
    return size >= HDR_MAGIC + 4 && !memcmp(image + HDR_MAGIC, "HdrS", 4);
}

/* End of the RAM that starts at 1 MiB (the kernel, the initrd go there). */
static uint64_t high_ram_end(AddressSpace *as)
{
    MemRegion *r = mem_find(as, LB_HIGH_MEM);

    if (!r || r->kind != MEM_REGION_RAM) {
        return LB_HIGH_MEM;
    }
    return MIN(r->base + r->size, LB_4G);
}

/* The setup header says what the kernel is and needs. */
typedef struct LinuxHeader {
    uint32_t setup_size;        /* real-mode part, bytes */
    uint16_t version;
    uint32_t initrd_addr_max;
    uint32_t cmdline_size;
    uint64_t pref_address;
    uint32_t init_size;
    uint32_t payload_offset;    /* the compressed kernel, from the */
    uint32_t payload_length;    /* protected-mode part's start */
    uint32_t hdr_end;           /* the setup header's end in the file */
} LinuxHeader;

static bool header_parse(const uint8_t *image, size_t size, LinuxHeader *h,
                         char **err)
{
    if (size < 0x1000 || ld16_le(image + HDR_BOOT_FLAG) != 0xAA55) {
        loader_set_err(err, "-kernel: not a bzImage (truncated, or no boot flag)");
        return false;
    }
    if (memcmp(image + HDR_MAGIC, "HdrS", 4)) {
        loader_set_err(err, "-kernel: not a bzImage (no HdrS setup header)");
        return false;
    }
    h->version = ld16_le(image + HDR_VERSION);
    if (h->version < BOOT_PROTOCOL_MIN) {
        loader_set_err(err, "-kernel: boot protocol %u.%02u is too old (2.12 or "
                "later is needed)", h->version >> 8, h->version & 0xff);
        return false;
    }
    if (!(ld16_le(image + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
        loader_set_err(err, "-kernel: the kernel has no 64-bit entry point");
        return false;
    }
    unsigned sects = image[HDR_SETUP_SECTS] ? image[HDR_SETUP_SECTS] : 4;
    h->setup_size = (sects + 1) * 512;
    h->hdr_end = HDR_JUMP + 2 + image[HDR_JUMP + 1];
    h->initrd_addr_max = ld32_le(image + HDR_INITRD_ADDR_MAX);
    h->cmdline_size = ld32_le(image + HDR_CMDLINE_SIZE);
    h->pref_address = ld64_le(image + HDR_PREF_ADDRESS);
    h->init_size = ld32_le(image + HDR_INIT_SIZE);
    h->payload_offset = ld32_le(image + HDR_PAYLOAD_OFFSET);
    h->payload_length = ld32_le(image + HDR_PAYLOAD_LENGTH);
    if (h->setup_size >= size || h->hdr_end > h->setup_size ||
        h->hdr_end > BP_E820_TABLE) {
        loader_set_err(err, "-kernel: corrupt bzImage (setup of %u bytes in a "
                "%zu-byte file)", h->setup_size, size);
        return false;
    }
    uint32_t align = ld32_le(image + HDR_KERNEL_ALIGNMENT);
    /* Below 4 GiB, where the RAM the loader fills is; also, the end of
     * the kernel (pref_address + init_size) then cannot wrap. */
    if (h->pref_address < LB_HIGH_MEM || h->pref_address >= LB_4G ||
        (align && h->pref_address % align)) {
        loader_set_err(err, "-kernel: corrupt bzImage (load address %#" PRIx64 ")",
                h->pref_address);
        return false;
    }
    return true;
}

/* Identity map of 0-4 GiB with 2 MiB pages. */
static void build_page_tables(AddressSpace *as)
{
    uint8_t *pml4 = loader_ram_ptr(as, LB_PML4, 0x1000);
    uint8_t *pdpt = loader_ram_ptr(as, LB_PDPT, 0x1000);
    uint8_t *pd = loader_ram_ptr(as, LB_PD, 0x4000);

    memset(pml4, 0, 0x1000);
    memset(pdpt, 0, 0x1000);
    st64_le(pml4, LB_PDPT | 0x03);                 /* P, RW */
    for (unsigned i = 0; i < 4; i++) {
        st64_le(pdpt + 8 * i, (LB_PD + 0x1000 * i) | 0x03);
    }
    for (unsigned i = 0; i < 4 * 512; i++) {
        st64_le(pd + 8 * i, ((uint64_t)i << 21) | 0x83);   /* P, RW, PS */
    }
}

static void build_gdt(AddressSpace *as)
{
    uint8_t *gdt = loader_ram_ptr(as, LB_GDT, 32);

    memset(gdt, 0, 32);
    st64_le(gdt + SEL_BOOT_CS, 0x00af9b000000ffffull);    /* 64-bit code */
    st64_le(gdt + SEL_BOOT_DS, 0x00cf93000000ffffull);    /* data */
}

/* The MTRRs as a PC BIOS leaves them: RAM write-back, the VGA window
 * uncached, the BIOS area write-protected, the PCI hole (0xE0000000 up)
 * uncached. */
static void mtrr_setup(CPUX86State *env)
{
    const uint64_t wb = 0x0606060606060606ull, wp = 0x0505050505050505ull;

    env->mtrr_fixed[0] = wb;                    /* 0-512K */
    env->mtrr_fixed[1] = wb;                    /* 512K-640K */
    env->mtrr_fixed[2] = 0;                     /* 640K-768K: UC */
    for (int i = 3; i < MTRR_NR_FIXED; i++) {
        env->mtrr_fixed[i] = wp;                /* 768K-1M */
    }
    env->mtrr_var[0][0] = 0xE0000000ull;        /* type UC */
    env->mtrr_var[0][1] = (0xFFFFFFFFFFull & ~(0x20000000ull - 1)) |
                          (1u << 11);          /* valid */
    env->mtrr_deftype = MTRR_DEF_TYPE_E | (1u << 10) | MTRR_TYPE_WB;
}

/* Long mode, as the 64-bit boot protocol asks: paging on with the
 * identity map, __BOOT_CS/__BOOT_DS, interrupts off, RSI = zero page. */
static void cpu_setup(CPUX86State *env, uint64_t entry)
{
    const uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                          DESC_R_MASK | DESC_A_MASK | DESC_L_MASK |
                          DESC_G_MASK;
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                          DESC_A_MASK | DESC_B_MASK | DESC_G_MASK;
    static const int data_segs[] = { R_ES, R_SS, R_DS, R_FS, R_GS };

    env->cr[3] = LB_PML4;
    env->cr[4] = CR4_PAE;
    env->efer = EFER_LME | EFER_LMA;
    env->cr[0] = CR0_PE | CR0_ET | CR0_PG;
    env->gdt.base = LB_GDT;
    env->gdt.limit = 0x1f;
    x86_load_seg_cache(env, R_CS, SEL_BOOT_CS, 0, 0xFFFFFFFF, code);
    for (size_t i = 0; i < G_N_ELEMENTS(data_segs); i++) {
        x86_load_seg_cache(env, data_segs[i], SEL_BOOT_DS, 0, 0xFFFFFFFF,
                           data);
    }
    env->eflags = 0x2;
    env->rip = entry;
    env->regs[R_ESI] = LB_ZERO_PAGE;
    mtrr_setup(env);
    x86_update_hflags(env);
}

static bool initrd_load(AddressSpace *as, const char *path,
                        const LinuxHeader *h, uint64_t kernel_end,
                        uint8_t *bp, char **err)
{
    size_t size;
    uint8_t *data = loader_read_file(path, "-initrd: ", "initrd", &size, err);
    if (!data) {
        return false;
    }
    uint64_t top = MIN(high_ram_end(as), (uint64_t)h->initrd_addr_max + 1);
    uint64_t addr = top >= size ? (top - size) & ~0xfffull : 0;
    if (addr < kernel_end) {
        loader_set_err(err, "-initrd: '%s' (%zu MiB) does not fit between the "
                "kernel and %#" PRIx64 " (more -m?)", path, size >> 20, top);
        g_free(data);
        return false;
    }
    if (size) {
        memcpy(loader_ram_ptr(as, addr, size), data, size);
    }
    g_free(data);
    st32_le(bp + HDR_RAMDISK_IMAGE, (uint32_t)addr);
    st32_le(bp + HDR_RAMDISK_SIZE, (uint32_t)size);
    st32_le(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(addr >> 32));
    st32_le(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)size >> 32));
    return true;
}

static void e820_fill(AddressSpace *as, uint8_t *bp)
{
    E820Entry map[BP_E820_MAX];
    unsigned n = e820_build(as, map, BP_E820_MAX);

    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = bp + BP_E820_TABLE + 20 * i;
        st64_le(e, map[i].base);
        st64_le(e + 8, map[i].length);
        st32_le(e + 16, map[i].type);
    }
}

bool linux_load(CPUX86State *env, AddressSpace *as, const uint8_t *image,
                size_t size, const char *cmdline, const char *initrd,
                uint64_t rsdp_addr, bool unpack, char **err)
{
    LinuxHeader h;

    if (!header_parse(image, size, &h, err)) {
        return false;
    }
    uint64_t load = h.pref_address;
    uint64_t kernel_size = size - h.setup_size;
    uint64_t kernel_end = load + MAX((uint64_t)h.init_size, kernel_size);
    if (kernel_end > high_ram_end(as)) {
        loader_set_err(err, "-m: the kernel needs at least %" PRIu64 " MiB of RAM",
                (kernel_end + (1 << 20) - 1) >> 20);
        return false;
    }
    cmdline = cmdline ? cmdline : "";
    size_t cmdline_len = strlen(cmdline);
    uint64_t cmdline_max = MIN((uint64_t)h.cmdline_size,
                               LB_CMDLINE_END - LB_CMDLINE - 1);
    if (cmdline_len > cmdline_max) {
        loader_set_err(err, "-append: the command line is %zu bytes; the kernel "
                "takes at most %" PRIu64, cmdline_len, cmdline_max);
        return false;
    }

    uint64_t entry = load + 0x200;      /* the compressed kernel's */
    int unpacked = 0;
    /* The payload fields are for loaders like this one; the kernel's own
     * decompressor does not read them, so one that is out of range only
     * means the kernel decompresses itself. */
    bool payload_ok = h.payload_offset <= kernel_size &&
                      h.payload_length <= kernel_size - h.payload_offset;
    if (unpack && payload_ok) {
        unpacked = vmlinux_load(as, image + h.setup_size + h.payload_offset,
                                h.payload_length, load, h.init_size, &entry,
                                err);
        if (unpacked < 0) {
            return false;
        }
    }
    if (!unpacked) {
        memcpy(loader_ram_ptr(as, load, kernel_size), image + h.setup_size,
               kernel_size);
    }
    memcpy(loader_ram_ptr(as, LB_CMDLINE, cmdline_len + 1), cmdline,
           cmdline_len + 1);

    uint8_t *bp = loader_ram_ptr(as, LB_ZERO_PAGE, BP_SIZE);
    memset(bp, 0, BP_SIZE);
    memcpy(bp + BP_HDR, image + BP_HDR, h.hdr_end - BP_HDR);
    bp[HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNKNOWN;
    bp[HDR_LOADFLAGS] |= LOADFLAGS_LOADED_HIGH;
    st32_le(bp + HDR_CODE32_START, (uint32_t)load);
    st32_le(bp + HDR_CMD_LINE_PTR, (uint32_t)LB_CMDLINE);
    st32_le(bp + BP_EXT_CMD_LINE_PTR, 0);
    st32_le(bp + HDR_RAMDISK_IMAGE, 0);    /* unless an initrd is loaded */
    st32_le(bp + HDR_RAMDISK_SIZE, 0);
    if (h.version >= 0x020e) {
        st64_le(bp + BP_ACPI_RSDP_ADDR, rsdp_addr);
    }
    if (initrd && !initrd_load(as, initrd, &h, kernel_end, bp, err)) {
        return false;
    }
    e820_fill(as, bp);
    build_page_tables(as);
    build_gdt(as);
    cpu_setup(env, entry);
    return true;
}
