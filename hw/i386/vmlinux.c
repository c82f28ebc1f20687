/*
 * The kernel proper out of a bzImage: the payload (an xz-compressed
 * vmlinux ELF, boot protocol 2.08+ payload_offset/payload_length) is
 * decompressed on the host and its segments put where the kernel's own
 * decompressor would put them, so the guest starts at startup_64 of the
 * kernel proper instead of spending seconds of emulated time in its xz
 * decoder. The kernel is then at its link-time address (as with nokaslr):
 * its decompressor is what picks a random one.
 *
 * arch/x86/kernel/head_64.S takes this entry "directly from a 64bit
 * bootloader": long mode, an identity map covering the kernel, RSI = the
 * zero page; the state linuxboot.c sets up for either entry.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>
#include <lzma.h>

#include "hw/i386/vmlinux.h"
#include "hw/loader.h"

#define XZ_MAGIC "\xfd" "7zXZ\0"
#define XZ_MEMLIMIT (256u << 20)
#define VMLINUX_MAX (1u << 30)

#define EI_CLASS      4
#define EI_DATA       5
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EM_X86_64     62
#define PT_LOAD       1
#define EHDR64_SIZE   64
#define PHDR64_SIZE   56

/* The last image decompressed: a machine reset loads the same kernel. */
static struct {
    uint8_t *payload;           /* a copy, to compare */
    size_t payload_len;
    uint8_t *elf;
    size_t elf_len;
} cache;

static uint8_t *xz_decode(const uint8_t *in, size_t in_len, size_t out_len,
                          char **err)
{
    lzma_stream strm = LZMA_STREAM_INIT;
    uint8_t *out = g_try_malloc(out_len ? out_len : 1);

    if (!out) {
        loader_set_err(err, "-kernel: no memory for the %zu MiB kernel",
                       out_len >> 20);
        return NULL;
    }
    if (lzma_stream_decoder(&strm, XZ_MEMLIMIT, 0) != LZMA_OK) {
        loader_set_err(err, "-kernel: cannot start the xz decoder");
        g_free(out);
        return NULL;
    }
    strm.next_in = in;
    strm.avail_in = in_len;
    strm.next_out = out;
    strm.avail_out = out_len;
    lzma_ret ret = lzma_code(&strm, LZMA_FINISH);
    size_t got = strm.total_out;
    lzma_end(&strm);
    if (ret != LZMA_STREAM_END || got != out_len) {
        loader_set_err(err, "-kernel: corrupt bzImage (its xz payload does not "
                       "decompress to the %zu bytes it announces)", out_len);
        g_free(out);
        return NULL;
    }
    return out;
}

/* The ELF's PT_LOAD segments into RAM at their physical addresses, all
 * inside [load, load + init_size) where the boot protocol reserved room. */
static bool elf_load(AddressSpace *as, const uint8_t *elf, size_t len,
                     uint64_t load, uint64_t init_size, uint64_t *entry,
                     char **err)
{
    if (len < EHDR64_SIZE || memcmp(elf, "\x7f" "ELF", 4) ||
        elf[EI_CLASS] != ELFCLASS64 || elf[EI_DATA] != ELFDATA2LSB ||
        ld16_le(elf + 18) != EM_X86_64) {
        loader_set_err(err, "-kernel: corrupt bzImage (its payload is not an "
                       "x86-64 ELF)");
        return false;
    }
    uint64_t phoff = ld64_le(elf + 32);
    unsigned phnum = ld16_le(elf + 56);
    bool entry_loaded = false;

    *entry = ld64_le(elf + 24);
    if (ld16_le(elf + 54) != PHDR64_SIZE || phoff > len ||
        (uint64_t)phnum * PHDR64_SIZE > len - phoff) {
        loader_set_err(err, "-kernel: corrupt bzImage (payload ELF program "
                       "headers)");
        return false;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = elf + phoff + (uint64_t)i * PHDR64_SIZE;
        if (ld32_le(ph) != PT_LOAD) {
            continue;
        }
        uint64_t off = ld64_le(ph + 8), paddr = ld64_le(ph + 24);
        uint64_t filesz = ld64_le(ph + 32), memsz = ld64_le(ph + 40);
        if (off > len || filesz > len - off || filesz > memsz ||
            paddr < load || memsz > init_size ||
            paddr - load > init_size - memsz) {
            loader_set_err(err, "-kernel: corrupt bzImage (payload segment "
                           "%u at %#" PRIx64 " outside the kernel's %#" PRIx64
                           " bytes at %#" PRIx64 ")", i, paddr, init_size, load);
            return false;
        }
        uint8_t *dst = loader_ram_ptr(as, paddr, memsz);
        memcpy(dst, elf + off, filesz);
        memset(dst + filesz, 0, memsz - filesz);
        entry_loaded |= *entry >= paddr && *entry - paddr < filesz;
    }
    if (!entry_loaded) {
        loader_set_err(err, "-kernel: corrupt bzImage (payload entry point %#"
                       PRIx64 " not in a loaded segment)", *entry);
        return false;
    }
    return true;
}

int vmlinux_load(AddressSpace *as, const uint8_t *payload, size_t len,
                 uint64_t load, uint64_t init_size, uint64_t *entry,
                 char **err)
{
    if (len < sizeof(XZ_MAGIC) - 1 + 4 ||
        memcmp(payload, XZ_MAGIC, sizeof(XZ_MAGIC) - 1)) {
        return 0;       /* another format: the kernel decompresses itself */
    }
    if (cache.payload_len != len || memcmp(cache.payload, payload, len)) {
        /* The build appends the decompressed size (le32). */
        size_t elf_len = ld32_le(payload + len - 4);
        if (elf_len > VMLINUX_MAX) {
            loader_set_err(err, "-kernel: corrupt bzImage (a %zu MiB kernel "
                           "in its payload)", elf_len >> 20);
            return -1;
        }
        uint8_t *elf = xz_decode(payload, len - 4, elf_len, err);
        if (!elf) {
            return -1;
        }
        g_free(cache.elf);
        g_free(cache.payload);
        cache.payload = g_memdup2(payload, len);
        cache.payload_len = len;
        cache.elf = elf;
        cache.elf_len = elf_len;
    }
    return elf_load(as, cache.elf, cache.elf_len, load, init_size, entry,
                    err) ? 1 : -1;
}
