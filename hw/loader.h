/* Reading image files for the loaders (kernel, modules, initrd). */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "softmmu/memory.h"

/*
 * The whole file at path (at most 4 GiB), or NULL with *err set to one line
 * in the form the command line promises: "<prefix>could not open <noun>
 * 'PATH': reason" (GLib's own messages are not in that form).
 */
uint8_t *loader_read_file(const char *path, const char *prefix,
                          const char *noun, size_t *len, char **err);

/* Guest RAM for [addr, addr + len), writable and below 4 GiB, where the
 * loaders put what they load; NULL if it is not all one RAM region. */
uint8_t *loader_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len);

/*
 * *err = the formatted one-line message (nothing when err is NULL): how the
 * board and the loaders report a refused image or option.
 */
void loader_set_err(char **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Little-endian fields of an image or of a structure built in guest RAM,
 * at any alignment. */
static inline uint16_t ld16_le(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ld32_le(const uint8_t *p)
{
    return ld16_le(p) | (uint32_t)ld16_le(p + 2) << 16;
}

static inline uint64_t ld64_le(const uint8_t *p)
{
    return ld32_le(p) | (uint64_t)ld32_le(p + 4) << 32;
}

static inline void st16_le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void st32_le(uint8_t *p, uint32_t v)
{
    st16_le(p, (uint16_t)v);
    st16_le(p + 2, (uint16_t)(v >> 16));
}

static inline void st64_le(uint8_t *p, uint64_t v)
{
    st32_le(p, (uint32_t)v);
    st32_le(p + 4, (uint32_t)(v >> 32));
}

#endif
