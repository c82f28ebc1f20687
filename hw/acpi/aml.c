/*
 * A small AML writer (ACPI 6.x chapter 20, "ACPI Machine Language
 * Specification"; resource descriptors: chapter 6.4).
 */
#include <string.h>

#include "hw/acpi/aml.h"

enum {
    AML_ZERO_OP = 0x00,
    AML_ONE_OP = 0x01,
    AML_NAME_OP = 0x08,
    AML_BYTE_PREFIX = 0x0a,
    AML_WORD_PREFIX = 0x0b,
    AML_DWORD_PREFIX = 0x0c,
    AML_STRING_PREFIX = 0x0d,
    AML_QWORD_PREFIX = 0x0e,
    AML_SCOPE_OP = 0x10,
    AML_BUFFER_OP = 0x11,
    AML_PACKAGE_OP = 0x12,
    AML_DUAL_NAME_PREFIX = 0x2e,
    AML_MULTI_NAME_PREFIX = 0x2f,
    AML_EXT_OP_PREFIX = 0x5b,
    AML_DEVICE_OP = 0x82,       /* after the ExtOpPrefix */
    AML_ROOT_CHAR = 0x5c,       /* '\' */
    AML_PARENT_PREFIX = 0x5e,   /* '^' */
};

/* Resource descriptor tags */
enum {
    RES_IRQ_NO_FLAGS = 0x22,
    RES_IO = 0x47,
    RES_END_TAG = 0x79,
    RES_DWORD_ADDRESS = 0x87,
    RES_WORD_ADDRESS = 0x88,
};

Aml *aml_new(void)
{
    Aml *a = g_new0(Aml, 1);
    a->buf = g_byte_array_new();
    return a;
}

void aml_free(Aml *a)
{
    if (a) {
        g_byte_array_free(a->buf, TRUE);
        g_free(a);
    }
}

static void put8(Aml *a, uint8_t b)
{
    g_byte_array_append(a->buf, &b, 1);
}

static void put_le(Aml *a, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        put8(a, (uint8_t)(v >> (8 * i)));
    }
}

static Aml *aml_block(uint8_t op0, int oplen, uint8_t op1)
{
    Aml *a = aml_new();
    a->op[0] = op0;
    a->op[1] = op1;
    a->oplen = oplen;
    return a;
}

/* PkgLength (20.2.4): counts itself; 1 to 4 bytes. */
static void put_pkg_length(GByteArray *out, unsigned body_len)
{
    uint8_t b[4];
    unsigned total = body_len + 1;
    int extra = 0;

    if (total > 0x3f) {
        for (extra = 1; extra < 3; extra++) {
            total = body_len + 1 + (unsigned)extra;
            if (total < (1u << (4 + 8 * extra))) {
                break;
            }
        }
        total = body_len + 1 + (unsigned)extra;
        b[0] = (uint8_t)((extra << 6) | (total & 0xf));
        for (int i = 1; i <= extra; i++) {
            b[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
        }
    } else {
        b[0] = (uint8_t)total;
    }
    g_byte_array_append(out, b, (guint)extra + 1);
}

/* A resource template's bytes: BufferSize, descriptors, End Tag. */
static void finish_buffer(Aml *a)
{
    Aml *body = aml_new();
    uint8_t end[2] = { RES_END_TAG, 0 };  /* checksum 0: "treat as valid" */

    g_byte_array_append(a->buf, end, 2);
    Aml *size = aml_int(a->buf->len);
    g_byte_array_append(body->buf, size->buf->data, size->buf->len);
    aml_free(size);
    g_byte_array_append(body->buf, a->buf->data, a->buf->len);
    GByteArray *t = a->buf;
    a->buf = body->buf;
    body->buf = t;
    aml_free(body);
}

void aml_append(Aml *parent, Aml *child)
{
    if (child->oplen) {
        if (child->op[0] == AML_BUFFER_OP) {
            finish_buffer(child);
        }
        g_byte_array_append(parent->buf, child->op, (guint)child->oplen);
        put_pkg_length(parent->buf, child->buf->len);
    }
    g_byte_array_append(parent->buf, child->buf->data, child->buf->len);
    aml_free(child);
}

Aml *aml_int(uint64_t v)
{
    Aml *a = aml_new();

    if (v == 0) {
        put8(a, AML_ZERO_OP);
    } else if (v == 1) {
        put8(a, AML_ONE_OP);
    } else if (v <= 0xff) {
        put8(a, AML_BYTE_PREFIX);
        put_le(a, v, 1);
    } else if (v <= 0xffff) {
        put8(a, AML_WORD_PREFIX);
        put_le(a, v, 2);
    } else if (v <= 0xffffffff) {
        put8(a, AML_DWORD_PREFIX);
        put_le(a, v, 4);
    } else {
        put8(a, AML_QWORD_PREFIX);
        put_le(a, v, 8);
    }
    return a;
}

Aml *aml_string(const char *s)
{
    Aml *a = aml_new();

    put8(a, AML_STRING_PREFIX);
    g_byte_array_append(a->buf, (const uint8_t *)s, (guint)strlen(s) + 1);
    return a;
}

static unsigned hex_digit(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Three letters of five bits and four hex digits, stored big-endian. */
Aml *aml_eisaid(const char *id)
{
    uint32_t v = (uint32_t)(id[0] - 0x40) << 26 |
                 (uint32_t)(id[1] - 0x40) << 21 |
                 (uint32_t)(id[2] - 0x40) << 16 |
                 hex_digit(id[3]) << 12 | hex_digit(id[4]) << 8 |
                 hex_digit(id[5]) << 4 | hex_digit(id[6]);
    Aml *a = aml_new();

    put8(a, AML_DWORD_PREFIX);
    put_le(a, GUINT32_SWAP_LE_BE(v), 4);
    return a;
}

/* NameString (20.2.2): "\_SB.PCI0", "^FOO", "_HID"; segments padded
 * with '_' to four characters. */
static void put_name_string(Aml *a, const char *path)
{
    while (*path == '\\' || *path == '^') {
        put8(a, *path == '\\' ? AML_ROOT_CHAR : AML_PARENT_PREFIX);
        path++;
    }
    gchar **segs = g_strsplit(path, ".", -1);
    guint n = g_strv_length(segs);
    if (n == 2) {
        put8(a, AML_DUAL_NAME_PREFIX);
    } else if (n > 2) {
        put8(a, AML_MULTI_NAME_PREFIX);
        put8(a, (uint8_t)n);
    } else if (n == 0) {
        put8(a, 0);     /* NullName */
    }
    for (guint i = 0; i < n; i++) {
        char seg[4] = { '_', '_', '_', '_' };
        memcpy(seg, segs[i], MIN(strlen(segs[i]), 4));
        g_byte_array_append(a->buf, (const uint8_t *)seg, 4);
    }
    g_strfreev(segs);
}

Aml *aml_name(const char *path)
{
    Aml *a = aml_new();
    put_name_string(a, path);
    return a;
}

Aml *aml_name_decl(const char *path, Aml *value)
{
    Aml *a = aml_new();

    put8(a, AML_NAME_OP);
    put_name_string(a, path);
    aml_append(a, value);
    return a;
}

Aml *aml_scope(const char *path)
{
    Aml *a = aml_block(AML_SCOPE_OP, 1, 0);
    put_name_string(a, path);
    return a;
}

Aml *aml_device(const char *path)
{
    Aml *a = aml_block(AML_EXT_OP_PREFIX, 2, AML_DEVICE_OP);
    put_name_string(a, path);
    return a;
}

Aml *aml_package(uint8_t nr_elements)
{
    Aml *a = aml_block(AML_PACKAGE_OP, 1, 0);
    put8(a, nr_elements);
    return a;
}

Aml *aml_resource_template(void)
{
    return aml_block(AML_BUFFER_OP, 1, 0);
}

/* I/O port descriptor, 16-bit decode, fixed base (6.4.2.5) */
void aml_res_io(Aml *rt, uint16_t base, uint8_t len)
{
    put8(rt, RES_IO);
    put8(rt, 1);
    put_le(rt, base, 2);
    put_le(rt, base, 2);
    put8(rt, 1);
    put8(rt, len);
}

/* IRQ descriptor without flags: edge, active high (6.4.2.1) */
void aml_res_irq(Aml *rt, uint8_t irq)
{
    put8(rt, RES_IRQ_NO_FLAGS);
    put_le(rt, 1u << irq, 2);
}

/* Word/DWord address space descriptors (6.4.3.5): a producer window of
 * fixed size (MIF, MAF set), no translation. */
enum { ADDR_MEMORY = 0, ADDR_IO = 1, ADDR_BUS = 2 };

static void put_word_address(Aml *rt, uint8_t type, uint8_t type_flags,
                             uint16_t min, uint16_t max)
{
    put8(rt, RES_WORD_ADDRESS);
    put_le(rt, 13, 2);
    put8(rt, type);
    put8(rt, 0x0c);             /* MIF | MAF, producer */
    put8(rt, type_flags);
    put_le(rt, 0, 2);           /* granularity */
    put_le(rt, min, 2);
    put_le(rt, max, 2);
    put_le(rt, 0, 2);           /* translation */
    put_le(rt, (uint32_t)max - min + 1, 2);
}

void aml_res_bus_numbers(Aml *rt, uint16_t min, uint16_t max)
{
    put_word_address(rt, ADDR_BUS, 0, min, max);
}

void aml_res_word_io(Aml *rt, uint16_t min, uint16_t max)
{
    put_word_address(rt, ADDR_IO, 3 /* ISA and non-ISA ranges */, min, max);
}

void aml_res_dword_memory(Aml *rt, uint32_t min, uint32_t max)
{
    put8(rt, RES_DWORD_ADDRESS);
    put_le(rt, 23, 2);
    put8(rt, ADDR_MEMORY);
    put8(rt, 0x0c);
    put8(rt, 0x01);             /* read/write, non-cacheable */
    put_le(rt, 0, 4);
    put_le(rt, min, 4);
    put_le(rt, max, 4);
    put_le(rt, 0, 4);
    put_le(rt, (uint64_t)max - min + 1, 4);
}

const uint8_t *aml_data(const Aml *a)
{
    return a->buf->data;
}

unsigned aml_len(const Aml *a)
{
    return a->buf->len;
}
