/*
 * The pc machine's ACPI tables and the AML writer behind its DSDT, checked
 * against the ACPI 6.x specification: the RSDP and table headers (5.2.5,
 * 5.2.6), the FADT's fields at their offsets (5.2.9), the MADT's entries
 * (5.2.12), the FACS (5.2.10), and AML encodings (chapter 20: PkgLength
 * 20.2.4, integers and strings 20.2.3, NameString 20.2.2) and resource
 * descriptors (6.4).
 *
 * The offsets below are the specification's; nothing here calls back into
 * acpi-build.c to learn where a field is.
 */
#include <string.h>

#include <glib.h>

#include "hw/acpi/aml.h"
#include "hw/i386/acpi-build.h"
#include "hw/loader.h"

#define BIOS_BASE   0xC0000ull
#define BIOS_END    0x100000ull

/* Table header (5.2.6) */
enum {
    HDR_SIGNATURE = 0, HDR_LENGTH = 4, HDR_REVISION = 8, HDR_CHECKSUM = 9,
    HDR_SIZE = 36,
};

/* RSDP (5.2.5.3) */
enum {
    RSDP_CHECKSUM = 8, RSDP_OEMID = 9, RSDP_REVISION = 15, RSDP_RSDT = 16,
    RSDP_LENGTH = 20, RSDP_XSDT = 24, RSDP_EXT_CHECKSUM = 32, RSDP_SIZE = 36,
    RSDP_V1_SIZE = 20,
};

/* FADT (5.2.9, table 5.9) */
enum {
    FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40, FADT_SCI_INT = 46,
    FADT_SMI_CMD = 48, FADT_PM1A_EVT_BLK = 56, FADT_PM1B_EVT_BLK = 60,
    FADT_PM1A_CNT_BLK = 64, FADT_PM1B_CNT_BLK = 68, FADT_PM2_CNT_BLK = 72,
    FADT_PM_TMR_BLK = 76, FADT_GPE0_BLK = 80, FADT_GPE1_BLK = 84,
    FADT_PM1_EVT_LEN = 88, FADT_PM1_CNT_LEN = 89, FADT_PM2_CNT_LEN = 90,
    FADT_PM_TMR_LEN = 91, FADT_GPE0_BLK_LEN = 92, FADT_GPE1_BLK_LEN = 93,
    FADT_IAPC_BOOT_ARCH = 109, FADT_FLAGS = 112, FADT_RESET_REG = 116,
    FADT_RESET_VALUE = 128, FADT_X_FIRMWARE_CTRL = 132, FADT_X_DSDT = 140,
    FADT_X_PM1A_EVT_BLK = 148, FADT_X_PM1A_CNT_BLK = 172,
    FADT_X_PM_TMR_BLK = 208, FADT_X_GPE0_BLK = 220,
    FADT_REV3_SIZE = 244,
};
#define FADT_FLAG_RESET_REG_SUP  (1u << 10)
#define IAPC_BOOT_ARCH_8042      (1u << 1)

/* Generic Address Structure (5.2.3.2) */
enum { GAS_SPACE = 0, GAS_BIT_WIDTH = 1, GAS_BIT_OFFSET = 2,
       GAS_ACCESS_SIZE = 3, GAS_ADDRESS = 4 };
#define GAS_SYSTEM_IO 1

/* FACS (5.2.10) */
enum { FACS_SIGNATURE = 0, FACS_LENGTH = 4, FACS_VERSION = 32 };

/* MADT (5.2.12) */
enum {
    MADT_LAPIC_ADDR = 36, MADT_FLAGS = 40, MADT_ENTRIES = 44,
    MADT_TYPE_LAPIC = 0, MADT_TYPE_IOAPIC = 1, MADT_TYPE_ISO = 2,
    MADT_TYPE_LAPIC_NMI = 4,
};
#define MADT_PCAT_COMPAT 1u

static AddressSpace test_as;
static uint8_t *test_rom;
static uint64_t rsdp_addr;

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    for (size_t i = 0; i < len; i++) {
        s += p[i];
    }
    return s;
}

/* The bytes of guest-physical [addr, addr + len), all inside the block. */
static const uint8_t *acpi_ptr(uint64_t addr, uint64_t len)
{
    g_assert_cmpuint(addr, >=, ACPI_TABLES_BASE);
    g_assert_cmpuint(len, <=, ACPI_TABLES_SIZE);
    g_assert_cmpuint(addr + len, <=, ACPI_TABLES_BASE + ACPI_TABLES_SIZE);
    return test_rom + (addr - BIOS_BASE);
}

/* Checks a table's header and checksum; returns its bytes. */
static const uint8_t *acpi_table(uint64_t addr, const char *sig)
{
    const uint8_t *t = acpi_ptr(addr, HDR_SIZE);
    uint32_t len = ld32_le(t + HDR_LENGTH);

    g_assert_cmpmem(t + HDR_SIGNATURE, 4, sig, 4);
    g_assert_cmpuint(len, >=, HDR_SIZE);
    t = acpi_ptr(addr, len);
    g_assert_cmpuint(sum8(t, len), ==, 0);
    return t;
}

static uint64_t rsdp_xsdt(void)
{
    return ld64_le(acpi_ptr(rsdp_addr, RSDP_SIZE) + RSDP_XSDT);
}

/* The one table the XSDT lists with this signature. */
static uint64_t xsdt_find(const char *sig)
{
    const uint8_t *x = acpi_table(rsdp_xsdt(), "XSDT");
    uint32_t n = (ld32_le(x + HDR_LENGTH) - HDR_SIZE) / 8;
    uint64_t found = 0;

    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = ld64_le(x + HDR_SIZE + 8 * i);
        if (!memcmp(acpi_ptr(a, 4), sig, 4)) {
            g_assert_cmpuint(found, ==, 0);
            found = a;
        }
    }
    g_assert_cmpuint(found, !=, 0);
    return found;
}

static const uint8_t *fadt(void)
{
    return acpi_table(xsdt_find("FACP"), "FACP");
}

static const uint8_t *dsdt(uint32_t *len)
{
    const uint8_t *t = acpi_table(ld64_le(fadt() + FADT_X_DSDT), "DSDT");

    *len = ld32_le(t + HDR_LENGTH);
    return t;
}

/* Offset of the first occurrence of needle in hay, or -1. */
static long find_bytes(const uint8_t *hay, size_t hlen, const uint8_t *needle,
                       size_t nlen)
{
    for (size_t i = 0; i + nlen <= hlen; i++) {
        if (!memcmp(hay + i, needle, nlen)) {
            return (long)i;
        }
    }
    return -1;
}

static unsigned count_bytes(const uint8_t *hay, size_t hlen,
                            const uint8_t *needle, size_t nlen)
{
    unsigned n = 0;

    for (size_t i = 0; i + nlen <= hlen; i++) {
        n += !memcmp(hay + i, needle, nlen);
    }
    return n;
}

/* ---- an AML reader, written from chapter 20, for the checks ---- */

/*
 * PkgLength (20.2.4): bits 7:6 of the lead byte count the bytes that
 * follow. With none, bits 5:0 are the length; otherwise bits 5:4 are 0,
 * bits 3:0 the low nibble, and each following byte the next 8 bits. The
 * length counts the PkgLength bytes themselves. Returns the length and
 * advances *p past the encoding (its size in *nbytes).
 */
static uint32_t aml_get_pkg_length(const uint8_t **p, unsigned *nbytes)
{
    const uint8_t *b = *p;
    unsigned follow = b[0] >> 6;
    uint32_t len;

    if (follow == 0) {
        len = b[0] & 0x3f;
    } else {
        g_assert_cmpuint(b[0] & 0x30, ==, 0);
        len = b[0] & 0x0f;
        for (unsigned i = 1; i <= follow; i++) {
            len |= (uint32_t)b[i] << (4 + 8 * (i - 1));
        }
    }
    *nbytes = follow + 1;
    *p += follow + 1;
    return len;
}

/* ComputationalData integer (20.2.3): ZeroOp, OneOp or a prefixed one. */
static uint64_t aml_get_int(const uint8_t **p)
{
    const uint8_t *b = *p;
    unsigned size;

    switch (b[0]) {
    case 0x00:
        *p += 1;
        return 0;
    case 0x01:
        *p += 1;
        return 1;
    case 0x0a:
        size = 1;
        break;
    case 0x0b:
        size = 2;
        break;
    case 0x0c:
        size = 4;
        break;
    case 0x0e:
        size = 8;
        break;
    default:
        g_assert_not_reached();
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b[1 + i] << (8 * i);
    }
    *p += 1 + size;
    return v;
}

/*
 * A DefPackage at *p: PackageOp PkgLength NumElements. Returns the number
 * of elements, leaves *p at the first one and *end after the package.
 */
static unsigned aml_get_package(const uint8_t **p, const uint8_t **end)
{
    const uint8_t *start;
    unsigned nbytes;

    g_assert_cmphex(**p, ==, 0x12);
    (*p)++;
    start = *p;
    *end = start + aml_get_pkg_length(p, &nbytes);
    return *(*p)++;
}

/* ---- RSDP and the tables it leads to ---- */

static void test_rsdp(void)
{
    const uint8_t *r = acpi_ptr(rsdp_addr, RSDP_SIZE);

    g_assert_cmpuint(rsdp_addr % 16, ==, 0);
    g_assert_cmpmem(r, 8, "RSD PTR ", 8);
    g_assert_cmpuint(r[RSDP_REVISION], ==, 2);
    g_assert_cmpuint(sum8(r, RSDP_V1_SIZE), ==, 0);
    g_assert_cmpuint(ld32_le(r + RSDP_LENGTH), ==, RSDP_SIZE);
    g_assert_cmpuint(sum8(r, RSDP_SIZE), ==, 0);
    uint64_t xsdt = ld64_le(r + RSDP_XSDT);
    g_assert_cmpuint(xsdt, >=, ACPI_TABLES_BASE);
    g_assert_cmpuint(xsdt + HDR_SIZE, <=, ACPI_TABLES_BASE + ACPI_TABLES_SIZE);
    /* An OS finds the RSDP by scanning 0xE0000-0xFFFFF (5.2.5.1). */
    g_assert_cmpuint(rsdp_addr, >=, 0xE0000);
    g_assert_cmpuint(rsdp_addr + RSDP_SIZE, <=, 0x100000);
    /* The tables are in the ROM the guest reads, not only in a buffer. */
    uint8_t sig[8];
    g_assert_true(mem_read_buf(&test_as, rsdp_addr, sig, sizeof(sig)));
    g_assert_cmpmem(sig, 8, "RSD PTR ", 8);
}

typedef struct Span {
    uint64_t addr, len;
} Span;

static void spans_disjoint(const Span *s, int n)
{
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
            g_assert_true(s[i].addr + s[i].len <= s[j].addr ||
                          s[j].addr + s[j].len <= s[i].addr);
        }
    }
}

static void test_tables(void)
{
    uint64_t xsdt_addr = rsdp_xsdt();
    const uint8_t *x = acpi_table(xsdt_addr, "XSDT");
    uint32_t xlen = ld32_le(x + HDR_LENGTH);
    Span spans[8];
    int nspans = 0;

    g_assert_cmpuint((xlen - HDR_SIZE) % 8, ==, 0);
    spans[nspans++] = (Span){ rsdp_addr, RSDP_SIZE };
    spans[nspans++] = (Span){ xsdt_addr, xlen };

    /* Every entry is a valid table; the FADT and MADT are there. */
    uint32_t n = (xlen - HDR_SIZE) / 8;
    bool have_facp = false, have_apic = false;
    g_assert_cmpuint(n, ==, 2);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = ld64_le(x + HDR_SIZE + 8 * i);
        const uint8_t *t = acpi_ptr(a, HDR_SIZE);
        char sig[5] = { 0 };
        memcpy(sig, t, 4);
        acpi_table(a, sig);
        have_facp |= !strcmp(sig, "FACP");
        have_apic |= !strcmp(sig, "APIC");
        spans[nspans++] = (Span){ a, ld32_le(t + HDR_LENGTH) };
    }
    g_assert_true(have_facp && have_apic);

    /* The DSDT and FACS come from the FADT, not the XSDT (5.2.8). */
    const uint8_t *f = fadt();
    uint64_t dsdt_addr = ld64_le(f + FADT_X_DSDT);
    const uint8_t *d = acpi_table(dsdt_addr, "DSDT");
    g_assert_cmpuint(d[HDR_REVISION], >=, 2);     /* 64-bit integers */
    spans[nspans++] = (Span){ dsdt_addr, ld32_le(d + HDR_LENGTH) };

    /* The FACS has no checksum (table 5.12). */
    uint64_t facs_addr = ld64_le(f + FADT_X_FIRMWARE_CTRL);
    const uint8_t *facs = acpi_ptr(facs_addr, 64);
    g_assert_cmpmem(facs + FACS_SIGNATURE, 4, "FACS", 4);
    g_assert_cmpuint(ld32_le(facs + FACS_LENGTH), ==, 64);
    g_assert_cmpuint(facs_addr % 64, ==, 0);
    g_assert_cmpuint(facs[FACS_VERSION], >=, 1);
    spans[nspans++] = (Span){ facs_addr, 64 };

    spans_disjoint(spans, nspans);
}

static void test_fadt(void)
{
    const uint8_t *f = fadt();
    uint32_t dlen;
    uint64_t dsdt_addr = (uint64_t)(dsdt(&dlen) - test_rom) + BIOS_BASE;

    g_assert_cmpuint(f[HDR_REVISION], ==, 3);
    g_assert_cmpuint(ld32_le(f + HDR_LENGTH), >=, FADT_REV3_SIZE);

    g_assert_cmpuint(ld16_le(f + FADT_SCI_INT), ==, 9);
    g_assert_cmpuint(ld32_le(f + FADT_SMI_CMD), ==, 0);
    g_assert_cmphex(ld32_le(f + FADT_PM1A_EVT_BLK), ==, 0x600);
    g_assert_cmpuint(f[FADT_PM1_EVT_LEN], ==, 4);
    g_assert_cmphex(ld32_le(f + FADT_PM1A_CNT_BLK), ==, 0x604);
    g_assert_cmpuint(f[FADT_PM1_CNT_LEN], ==, 2);
    g_assert_cmphex(ld32_le(f + FADT_PM_TMR_BLK), ==, 0x608);
    g_assert_cmpuint(f[FADT_PM_TMR_LEN], ==, 4);
    g_assert_cmphex(ld32_le(f + FADT_GPE0_BLK), ==, 0x60C);
    g_assert_cmpuint(f[FADT_GPE0_BLK_LEN], ==, 4);
    /* Blocks the machine does not have are 0, lengths with them. */
    g_assert_cmpuint(ld32_le(f + FADT_PM1B_EVT_BLK), ==, 0);
    g_assert_cmpuint(ld32_le(f + FADT_PM1B_CNT_BLK), ==, 0);
    g_assert_cmpuint(ld32_le(f + FADT_PM2_CNT_BLK), ==, 0);
    g_assert_cmpuint(f[FADT_PM2_CNT_LEN], ==, 0);
    g_assert_cmpuint(ld32_le(f + FADT_GPE1_BLK), ==, 0);
    g_assert_cmpuint(f[FADT_GPE1_BLK_LEN], ==, 0);

    const uint8_t *rr = f + FADT_RESET_REG;
    g_assert_cmpuint(rr[GAS_SPACE], ==, GAS_SYSTEM_IO);
    g_assert_cmpuint(rr[GAS_BIT_WIDTH], ==, 8);
    g_assert_cmpuint(rr[GAS_BIT_OFFSET], ==, 0);
    g_assert_cmphex(ld64_le(rr + GAS_ADDRESS), ==, 0xCF9);
    g_assert_cmphex(f[FADT_RESET_VALUE], ==, 6);
    g_assert_true(ld32_le(f + FADT_FLAGS) & FADT_FLAG_RESET_REG_SUP);
    g_assert_true(ld16_le(f + FADT_IAPC_BOOT_ARCH) & IAPC_BOOT_ARCH_8042);

    g_assert_cmphex(ld64_le(f + FADT_X_DSDT), ==, dsdt_addr);
    /* Where both are set they must agree (5.2.9). */
    g_assert_cmphex(ld32_le(f + FADT_DSDT), ==, dsdt_addr);
    g_assert_cmphex(ld32_le(f + FADT_FIRMWARE_CTRL), ==,
                    ld64_le(f + FADT_X_FIRMWARE_CTRL));

    /* The extended blocks say the same as the 32-bit ones. */
    static const struct {
        int x, blk, len;
    } xblk[] = {
        { FADT_X_PM1A_EVT_BLK, FADT_PM1A_EVT_BLK, FADT_PM1_EVT_LEN },
        { FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK, FADT_PM1_CNT_LEN },
        { FADT_X_PM_TMR_BLK, FADT_PM_TMR_BLK, FADT_PM_TMR_LEN },
        { FADT_X_GPE0_BLK, FADT_GPE0_BLK, FADT_GPE0_BLK_LEN },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(xblk); i++) {
        const uint8_t *g = f + xblk[i].x;
        g_assert_cmpuint(g[GAS_SPACE], ==, GAS_SYSTEM_IO);
        g_assert_cmpuint(g[GAS_BIT_WIDTH], ==, f[xblk[i].len] * 8);
        g_assert_cmphex(ld64_le(g + GAS_ADDRESS), ==, ld32_le(f + xblk[i].blk));
    }
}

static void test_madt(void)
{
    const uint8_t *m = acpi_table(xsdt_find("APIC"), "APIC");
    uint32_t len = ld32_le(m + HDR_LENGTH);
    unsigned lapics = 0, ioapics = 0, nmis = 0;
    bool irq0 = false, irq9 = false;

    g_assert_cmphex(ld32_le(m + MADT_LAPIC_ADDR), ==, 0xFEE00000);
    g_assert_true(ld32_le(m + MADT_FLAGS) & MADT_PCAT_COMPAT);

    uint32_t off = MADT_ENTRIES;
    while (off < len) {
        const uint8_t *e = m + off;
        g_assert_cmpuint(off + 2, <=, len);
        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(off + e[1], <=, len);
        switch (e[0]) {
        case MADT_TYPE_LAPIC:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[3], ==, 0);              /* APIC ID */
            g_assert_true(ld32_le(e + 4) & 1);            /* enabled */
            lapics++;
            break;
        case MADT_TYPE_IOAPIC:
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmphex(ld32_le(e + 4), ==, 0xFEC00000);
            g_assert_cmpuint(ld32_le(e + 8), ==, 0);      /* GSI base */
            ioapics++;
            break;
        case MADT_TYPE_ISO:
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0);              /* bus: ISA */
            if (e[3] == 0) {
                g_assert_cmpuint(ld32_le(e + 4), ==, 2);
                g_assert_false(irq0);
                irq0 = true;
            } else if (e[3] == 9) {
                g_assert_cmpuint(ld32_le(e + 4), ==, 9);
                /* polarity 01 active high, trigger 11 level */
                g_assert_cmphex(ld16_le(e + 8), ==, 0xD);
                g_assert_false(irq9);
                irq9 = true;
            } else {
                g_assert_not_reached();
            }
            break;
        case MADT_TYPE_LAPIC_NMI:
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmpuint(e[5], ==, 1);              /* LINT1 */
            g_assert_true(e[2] == 0 || e[2] == 0xFF);   /* UID 0 or all */
            nmis++;
            break;
        default:
            g_assert_not_reached();
        }
        off += e[1];
    }
    g_assert_cmpuint(off, ==, len);
    g_assert_cmpuint(lapics, ==, 1);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_true(irq0 && irq9);
    g_assert_cmpuint(nmis, ==, 1);
}

/* ---- DSDT ---- */

/* The top level: Scope(\_SB) then Name(\_S5, ...), nothing after. */
static void test_dsdt_structure(void)
{
    uint32_t len;
    const uint8_t *d = dsdt(&len);
    const uint8_t *p = d + HDR_SIZE, *end = d + len;
    static const uint8_t sb[] = { 0x5C, '_', 'S', 'B', '_' };
    unsigned nb;

    g_assert_cmphex(*p++, ==, 0x10);                    /* ScopeOp */
    const uint8_t *scope_end = p + aml_get_pkg_length(&p, &nb);
    g_assert_cmpmem(p, sizeof(sb), sb, sizeof(sb));
    p += sizeof(sb);
    g_assert_true(scope_end < end);

    /* Device(PCI0) is the scope's only term: ExtOpPrefix DeviceOp. */
    g_assert_cmphex(p[0], ==, 0x5B);
    g_assert_cmphex(p[1], ==, 0x82);
    p += 2;
    const uint8_t *pci_end = p + aml_get_pkg_length(&p, &nb);
    g_assert_cmpmem(p, 4, "PCI0", 4);
    g_assert_true(pci_end == scope_end);

    /* PCI0's _HID, _PRT and Device(ISA) lie inside it. */
    static const uint8_t hid[] = { 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C,
                                   0x41, 0xD0, 0x0A, 0x03 };
    long h = find_bytes(p, (size_t)(pci_end - p), hid, sizeof(hid));
    g_assert_cmpint(h, >=, 0);
    g_assert_cmpint(find_bytes(p, (size_t)(pci_end - p),
                               (const uint8_t *)"\x08_PRT\x12", 6), >=, 0);
    g_assert_cmpint(find_bytes(p, (size_t)(pci_end - p),
                               (const uint8_t *)"\x08_CRS\x11", 6), >=, 0);
    g_assert_cmpint(find_bytes(p, (size_t)(pci_end - p),
                               (const uint8_t *)"\x5B\x82", 2), >=, 0);

    /* Then \_S5, ending the table exactly. */
    static const uint8_t s5[] = { 0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x06,
                                  0x04, 0x00, 0x00, 0x00, 0x00 };
    g_assert_cmpuint(end - scope_end, ==, sizeof(s5));
    g_assert_cmpmem(scope_end, sizeof(s5), s5, sizeof(s5));
}

static void test_dsdt_bytes(void)
{
    uint32_t len;
    const uint8_t *d = dsdt(&len);
    static const uint8_t pnp0a03[] = { 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C,
                                       0x41, 0xD0, 0x0A, 0x03 };
    static const uint8_t pnp0303[] = { 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C,
                                       0x41, 0xD0, 0x03, 0x03 };
    static const uint8_t s5[] = { 0x08, 0x5C, 0x5F, 0x53, 0x35, 0x5F, 0x12 };
    /* The keyboard's resources: I/O 0x60 and 0x64, IRQ 1 (6.4.2). */
    static const uint8_t kbd_crs[] = {
        0x08, '_', 'C', 'R', 'S', 0x11, 0x18, 0x0A, 0x15,
        0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
        0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01,
        0x22, 0x02, 0x00,
        0x79, 0x00,
    };

    g_assert_cmpuint(count_bytes(d, len, pnp0a03, sizeof(pnp0a03)), ==, 1);
    g_assert_cmpuint(count_bytes(d, len, pnp0303, sizeof(pnp0303)), ==, 1);
    g_assert_cmpuint(count_bytes(d, len, s5, sizeof(s5)), ==, 1);
    g_assert_cmpuint(count_bytes(d, len, kbd_crs, sizeof(kbd_crs)), ==, 1);
    g_assert_cmpint(find_bytes(d, len, (const uint8_t *)"\x5B\x82", 2), >=,
                    HDR_SIZE);
}

/* _PRT (6.2.13): { Address 0xSSSSFFFF, Pin, Source 0, GSI } per slot/pin. */
static void test_dsdt_prt(void)
{
    uint32_t len;
    const uint8_t *d = dsdt(&len);
    long at = find_bytes(d, len, (const uint8_t *)"\x08_PRT", 5);
    bool seen[32][4] = { { false } };

    g_assert_cmpint(at, >, 0);
    const uint8_t *p = d + at + 5, *end;
    unsigned n = aml_get_package(&p, &end);
    g_assert_cmpuint(n, ==, 124);
    g_assert_true(end <= d + len);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *eend;
        g_assert_cmpuint(aml_get_package(&p, &eend), ==, 4);
        uint64_t addr = aml_get_int(&p);
        uint64_t pin = aml_get_int(&p);
        uint64_t source = aml_get_int(&p);
        uint64_t gsi = aml_get_int(&p);
        g_assert_true(p == eend);

        g_assert_cmphex(addr & 0xFFFF, ==, 0xFFFF);
        uint64_t slot = addr >> 16;
        g_assert_cmpuint(slot, >=, 1);
        g_assert_cmpuint(slot, <, 32);
        g_assert_cmpuint(pin, <, 4);
        g_assert_false(seen[slot][pin]);
        seen[slot][pin] = true;
        g_assert_cmpuint(source, ==, 0);
        /* PIIX: slot s pin p is on PIRQ (s + p - 1) mod 4, GSI 16-19. */
        g_assert_cmpuint(gsi, ==, 16 + ((slot + pin - 1) & 3));
    }
    g_assert_true(p == end);

    /* Slot 3 INTA, byte for byte: Package(4){0x0003FFFF, 0, 0, 18}. */
    static const uint8_t slot3a[] = { 0x12, 0x0B, 0x04, 0x0C, 0xFF, 0xFF,
                                      0x03, 0x00, 0x00, 0x00, 0x0A, 0x12 };
    g_assert_cmpuint(count_bytes(d, len, slot3a, sizeof(slot3a)), ==, 1);
    /* Slot 1 INTD: Package(4){0x0001FFFF, 3, 0, 19}. */
    static const uint8_t slot1d[] = { 0x12, 0x0C, 0x04, 0x0C, 0xFF, 0xFF,
                                      0x01, 0x00, 0x0A, 0x03, 0x00, 0x0A,
                                      0x13 };
    g_assert_cmpuint(count_bytes(d, len, slot1d, sizeof(slot1d)), ==, 1);
}

/* ---- the AML writer ---- */

static void assert_aml(Aml *a, const void *want, size_t len)
{
    g_assert_cmpmem(aml_data(a), aml_len(a), want, len);
    aml_free(a);
}

/* The serialised bytes of one appended term. */
static Aml *aml_term(Aml *term)
{
    Aml *top = aml_new();

    aml_append(top, term);
    return top;
}

/*
 * A Package whose body (what follows its PkgLength: NumElements and one
 * String) is body_len bytes, and the PkgLength bytes it must get.
 */
static void check_pkg_length(unsigned body_len, const uint8_t *want,
                             unsigned want_len)
{
    unsigned slen = body_len - 3;   /* NumElements, StringPrefix, NUL */
    char *s = g_malloc(slen + 1);
    Aml *pkg = aml_package(1);
    unsigned nb;

    memset(s, 'x', slen);
    s[slen] = 0;
    aml_append(pkg, aml_string(s));
    g_free(s);
    Aml *top = aml_term(pkg);
    const uint8_t *p = aml_data(top);

    g_assert_cmpuint(aml_len(top), ==, 1 + want_len + body_len);
    g_assert_cmphex(p[0], ==, 0x12);
    g_assert_cmpmem(p + 1, want_len, want, want_len);
    /* Decoded, it covers itself and the body, in the fewest bytes. */
    const uint8_t *q = p + 1;
    uint32_t v = aml_get_pkg_length(&q, &nb);
    g_assert_cmpuint(nb, ==, want_len);
    g_assert_cmpuint(v, ==, want_len + body_len);
    g_assert_cmphex(q[0], ==, 1);
    g_assert_cmphex(q[1], ==, 0x0D);
    aml_free(top);
}

static void test_aml_pkg_length(void)
{
    static const struct {
        unsigned body;
        uint8_t enc[4];
        unsigned n;
    } cases[] = {
        { 3, { 0x04 }, 1 },
        { 62, { 0x3F }, 1 },                        /* 63: the 1-byte max */
        { 63, { 0x41, 0x04 }, 2 },                  /* 65 */
        { 64, { 0x42, 0x04 }, 2 },                  /* 66 */
        { 4093, { 0x4F, 0xFF }, 2 },                /* 4095: the 2-byte max */
        { 4094, { 0x81, 0x00, 0x01 }, 3 },          /* 4097 */
        { 4095, { 0x82, 0x00, 0x01 }, 3 },          /* 4098 */
        { 4096, { 0x83, 0x00, 0x01 }, 3 },          /* 4099 */
        { 0xFFFFC, { 0x8F, 0xFF, 0xFF }, 3 },       /* 2^20 - 1 */
        { 0xFFFFD, { 0xC1, 0x00, 0x00, 0x01 }, 4 }, /* 2^20 + 1 */
        { 0x100000, { 0xC4, 0x00, 0x00, 0x01 }, 4 },
        { 0x123456, { 0xCA, 0x45, 0x23, 0x01 }, 4 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check_pkg_length(cases[i].body, cases[i].enc, cases[i].n);
    }
}

static void test_aml_int(void)
{
    assert_aml(aml_int(0), "\x00", 1);
    assert_aml(aml_int(1), "\x01", 1);
    assert_aml(aml_int(2), "\x0A\x02", 2);
    assert_aml(aml_int(0xff), "\x0A\xFF", 2);
    assert_aml(aml_int(0x100), "\x0B\x00\x01", 3);
    assert_aml(aml_int(0xffff), "\x0B\xFF\xFF", 3);
    assert_aml(aml_int(0x10000), "\x0C\x00\x00\x01\x00", 5);
    assert_aml(aml_int(0xffffffff), "\x0C\xFF\xFF\xFF\xFF", 5);
    assert_aml(aml_int(0x100000000ull),
               "\x0E\x00\x00\x00\x00\x01\x00\x00\x00", 9);
    assert_aml(aml_int(0x0123456789ABCDEFull),
               "\x0E\xEF\xCD\xAB\x89\x67\x45\x23\x01", 9);
}

static void test_aml_string(void)
{
    assert_aml(aml_string(""), "\x0D\x00", 2);
    assert_aml(aml_string("PNP"), "\x0D" "PNP\x00", 5);
}

static void test_aml_name(void)
{
    assert_aml(aml_name("\\_SB.PCI0"),
               "\x5C\x2E\x5F\x53\x42\x5F\x50\x43\x49\x30", 10);
    assert_aml(aml_name("A.B.C"), "\x2F\x03" "A___" "B___" "C___", 14);
    assert_aml(aml_name("\\_SB.PCI0.ISA.KBD"),
               "\x5C\x2F\x04" "_SB_" "PCI0" "ISA_" "KBD_", 19);
    assert_aml(aml_name("KBD"), "KBD_", 4);
    assert_aml(aml_name("_HID"), "_HID", 4);
    assert_aml(aml_name("^PCI0"), "\x5E" "PCI0", 5);
    assert_aml(aml_name("\\_S5"), "\x5C" "_S5_", 5);
    assert_aml(aml_name_decl("_ADR", aml_int(0x10000)),
               "\x08" "_ADR" "\x0C\x00\x00\x01\x00", 10);
}

static void test_aml_eisaid(void)
{
    assert_aml(aml_eisaid("PNP0501"), "\x0C\x41\xD0\x05\x01", 5);
    assert_aml(aml_eisaid("PNP0A03"), "\x0C\x41\xD0\x0A\x03", 5);
    assert_aml(aml_eisaid("PNP0303"), "\x0C\x41\xD0\x03\x03", 5);
}

static void test_aml_blocks(void)
{
    /* Device(KBD) { } and Scope(\_SB) { } */
    assert_aml(aml_term(aml_device("KBD")), "\x5B\x82\x05" "KBD_", 7);
    assert_aml(aml_term(aml_scope("\\_SB")), "\x10\x06\x5C" "_SB_", 7);

    /* Package(2) { 1, 0x1234 } */
    Aml *pkg = aml_package(2);
    aml_append(pkg, aml_int(1));
    aml_append(pkg, aml_int(0x1234));
    assert_aml(aml_term(pkg), "\x12\x06\x02\x01\x0B\x34\x12", 7);

    /* ResourceTemplate { WordBusNumber 0-0xFF; DWordMemory; IO } */
    Aml *rt = aml_resource_template();
    aml_res_bus_numbers(rt, 0, 0xff);
    aml_res_dword_memory(rt, 0xE0000000u, 0xFEBFFFFFu);
    static const uint8_t want[] = {
        0x11, 0x2F, 0x0A, 0x2C,
        0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00,
        0x00, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x87, 0x17, 0x00, 0x00, 0x0C, 0x01,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0xE0,
        0xFF, 0xFF, 0xBF, 0xFE,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0xC0, 0x1E,
        0x79, 0x00,
    };
    assert_aml(aml_term(rt), want, sizeof(want));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    test_rom = g_malloc0(BIOS_END - BIOS_BASE);
    mem_map_rom(&test_as, "bios", BIOS_BASE, BIOS_END - BIOS_BASE, test_rom);
    rsdp_addr = acpi_build_tables(&test_as);

    g_test_add_func("/acpi/rsdp", test_rsdp);
    g_test_add_func("/acpi/tables", test_tables);
    g_test_add_func("/acpi/fadt", test_fadt);
    g_test_add_func("/acpi/madt", test_madt);
    g_test_add_func("/acpi/dsdt/structure", test_dsdt_structure);
    g_test_add_func("/acpi/dsdt/bytes", test_dsdt_bytes);
    g_test_add_func("/acpi/dsdt/prt", test_dsdt_prt);
    g_test_add_func("/acpi/aml/pkg-length", test_aml_pkg_length);
    g_test_add_func("/acpi/aml/int", test_aml_int);
    g_test_add_func("/acpi/aml/string", test_aml_string);
    g_test_add_func("/acpi/aml/name", test_aml_name);
    g_test_add_func("/acpi/aml/eisaid", test_aml_eisaid);
    g_test_add_func("/acpi/aml/blocks", test_aml_blocks);

    int ret = g_test_run();
    g_free(test_rom);
    return ret;
}
