/*
 * A synthetic bzImage for the direct Linux boot tests, built byte by byte:
 * a setup header as the x86 boot protocol (2.15) lays it out, and a
 * protected-mode part with a byte pattern and, at its 64-bit entry (+0x200),
 * a few instructions that report on isa-debug-exit (port 0xf4): 0x10
 * (status 33) if RSI is the zero page at 0x8000 and its type_of_loader is
 * 0xff, 0x01 (status 3) otherwise.
 */
#ifndef TESTS_UNIT_BZIMAGE_H
#define TESTS_UNIT_BZIMAGE_H

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "hw/loader.h"      /* st16_le, st32_le, st64_le */

#define BZ_SETUP_SECTS   5
#define BZ_SETUP_SIZE    ((BZ_SETUP_SECTS + 1) * 512)   /* 0xc00 */
#define BZ_PAYLOAD_SIZE  0x3000
#define BZ_SIZE          (BZ_SETUP_SIZE + BZ_PAYLOAD_SIZE)
#define BZ_PREF_ADDRESS  0x1000000u        /* 16 MiB */
#define BZ_ALIGN         0x200000u
#define BZ_INIT_SIZE     0x400000u         /* 4 MiB */
#define BZ_HDR_END       0x268             /* 0x202 + the jump's offset */
#define BZ_CMDLINE_SIZE  2047u
#define BZ_EXIT_OK       0x10              /* bt86 exits with 33 */

/* Setup header offsets (boot.rst, "The Real-Mode Kernel Header"). */
enum {
    BZ_SETUP_SECTS_OFF = 0x1f1, BZ_BOOT_FLAG = 0x1fe, BZ_JUMP = 0x200,
    BZ_MAGIC = 0x202, BZ_VERSION = 0x206, BZ_TYPE_OF_LOADER = 0x210,
    BZ_LOADFLAGS = 0x211, BZ_CODE32_START = 0x214, BZ_RAMDISK_IMAGE = 0x218,
    BZ_RAMDISK_SIZE = 0x21c, BZ_HEAP_END_PTR = 0x224, BZ_CMD_LINE_PTR = 0x228,
    BZ_INITRD_ADDR_MAX = 0x22c, BZ_KERNEL_ALIGNMENT = 0x230,
    BZ_RELOCATABLE = 0x234, BZ_MIN_ALIGNMENT = 0x235, BZ_XLOADFLAGS = 0x236,
    BZ_CMDLINE_SIZE_OFF = 0x238, BZ_PAYLOAD_OFFSET = 0x248,
    BZ_PAYLOAD_LENGTH = 0x24c, BZ_SETUP_DATA = 0x250, BZ_PREF_ADDRESS_OFF = 0x258,
    BZ_INIT_SIZE_OFF = 0x260, BZ_HANDOVER_OFFSET = 0x264,
};

/* The pattern of the image's bytes that no field claims. */
static inline uint8_t bz_pattern(size_t i)
{
    return (uint8_t)(i * 7 + 1);
}

/* The 64-bit entry's code (see the top of this file). */
static const uint8_t bz_entry_code[] = {
    0x48, 0x81, 0xfe, 0x00, 0x80, 0x00, 0x00,  /*  0: cmp rsi, 0x8000 */
    0x75, 0x0d,                                /*  7: jne fail */
    0x80, 0xbe, 0x10, 0x02, 0x00, 0x00, 0xff,  /*  9: cmp byte [rsi+0x210], 0xff */
    0x75, 0x04,                                /* 16: jne fail */
    0xb0, BZ_EXIT_OK,                          /* 18: mov al, 0x10 */
    0xeb, 0x02,                                /* 20: jmp out */
    0xb0, 0x01,                                /* 22: fail: mov al, 1 */
    0x66, 0xba, 0xf4, 0x00,                    /* 24: out: mov dx, 0xf4 */
    0xee,                                      /* 28: out dx, al */
    0xf4,                                      /* 29: hlt */
    0xeb, 0xfd,                                /* 30: jmp 29 */
};

/* A valid bzImage of BZ_SIZE bytes (g_free it). */
static inline uint8_t *bz_make(void)
{
    uint8_t *img = g_malloc(BZ_SIZE);

    for (size_t i = 0; i < BZ_SIZE; i++) {
        img[i] = bz_pattern(i);
    }
    img[BZ_SETUP_SECTS_OFF] = BZ_SETUP_SECTS;
    st16_le(img + BZ_BOOT_FLAG, 0xAA55);
    img[BZ_JUMP] = 0xeb;
    img[BZ_JUMP + 1] = BZ_HDR_END - (BZ_JUMP + 2);
    memcpy(img + BZ_MAGIC, "HdrS", 4);
    st16_le(img + BZ_VERSION, 0x020f);
    img[BZ_TYPE_OF_LOADER] = 0;
    img[BZ_LOADFLAGS] = 0x80;                 /* CAN_USE_HEAP, not LOADED_HIGH */
    st32_le(img + BZ_CODE32_START, 0x100000);
    st32_le(img + BZ_RAMDISK_IMAGE, 0);
    st32_le(img + BZ_RAMDISK_SIZE, 0);
    st32_le(img + 0x220, 0);                 /* bootsect_kludge */
    img[0x226] = 0;                           /* ext_loader_ver */
    img[0x227] = 0;                           /* ext_loader_type */
    st32_le(img + BZ_CMD_LINE_PTR, 0);
    st32_le(img + BZ_INITRD_ADDR_MAX, 0x7fffffff);
    st32_le(img + BZ_KERNEL_ALIGNMENT, BZ_ALIGN);
    img[BZ_RELOCATABLE] = 1;
    img[BZ_MIN_ALIGNMENT] = 21;
    st16_le(img + BZ_XLOADFLAGS, 0x0003);    /* KERNEL_64, CAN_BE_LOADED_ABOVE_4G */
    st32_le(img + BZ_CMDLINE_SIZE_OFF, BZ_CMDLINE_SIZE);
    st32_le(img + 0x23c, 0);                 /* hardware_subarch */
    st64_le(img + 0x240, 0);                 /* hardware_subarch_data */
    st64_le(img + BZ_SETUP_DATA, 0);
    st64_le(img + BZ_PREF_ADDRESS_OFF, BZ_PREF_ADDRESS);
    st32_le(img + BZ_INIT_SIZE_OFF, BZ_INIT_SIZE);
    /* payload_offset/length, handover_offset, heap_end_ptr keep the
     * pattern: they are only copied. */

    /* The protected-mode part: a recognisable start, the entry code. */
    memcpy(img + BZ_SETUP_SIZE, "PMKERNEL", 8);
    memcpy(img + BZ_SETUP_SIZE + 0x200, bz_entry_code,
           sizeof(bz_entry_code));
    return img;
}

#endif
