/*
 * ACPI tables of the pc machine (ACPI 6.x chapter 5), built by bt86 since
 * no firmware runs before a directly booted kernel:
 *
 *   RSDP -> XSDT -> FADT -> FACS, DSDT
 *                -> MADT (local APIC, IOAPIC, interrupt source overrides,
 *                         LINT1 as NMI)
 *
 * The DSDT describes the PCI root bridge (its windows and the _PRT that
 * says which IOAPIC input each slot's INTx reaches), the keyboard
 * controller, and \_S5 for poweroff through PM1a_CNT.
 */
#include <string.h>

#include <glib.h>

#include "hw/acpi/aml.h"
#include "hw/acpi/piix4_pm.h"
#include "hw/i386/acpi-build.h"
#include "hw/i386/pc.h"
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "hw/pci/pci.h"
#include "hw/timer/mc146818.h"

/* Lengths of the PM blocks (hw/acpi/piix4_pm.h has their addresses) */
#define PM1_EVT_LEN     4
#define PM1_CNT_LEN     2
#define PM_TMR_LEN      4
#define IOAPIC_ID       0

/* ---- table bytes ---- */

typedef struct Tables {
    GByteArray *b;
    uint64_t base;      /* guest-physical address of b->data[0] */
} Tables;

static void put(Tables *t, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        g_byte_array_append(t->b, &c, 1);
    }
}

static void put_str(Tables *t, const char *s, int len)
{
    for (int i = 0; i < len; i++) {
        put(t, *s ? (uint8_t)*s++ : ' ', 1);
    }
}

static void patch(Tables *t, unsigned off, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        t->b->data[off + i] = (uint8_t)(v >> (8 * i));
    }
}

static void align(Tables *t, unsigned a)
{
    while (t->b->len % a) {
        put(t, 0, 1);
    }
}

static uint8_t checksum(const uint8_t *p, unsigned len)
{
    uint8_t sum = 0;
    for (unsigned i = 0; i < len; i++) {
        sum += p[i];
    }
    return (uint8_t)-sum;
}

/* The standard header (5.2.6); length and checksum come at the end. */
static unsigned table_begin(Tables *t, const char *sig, uint8_t rev)
{
    align(t, 16);
    unsigned off = t->b->len;
    put_str(t, sig, 4);
    put(t, 0, 4);                       /* length */
    put(t, rev, 1);
    put(t, 0, 1);                       /* checksum */
    put_str(t, "BT86", 6);              /* OEM ID */
    put_str(t, "BT86PC", 8);            /* OEM table ID */
    put(t, 1, 4);                       /* OEM revision */
    put_str(t, "BT86", 4);              /* creator ID */
    put(t, 1, 4);                       /* creator revision */
    return off;
}

static uint64_t table_end(Tables *t, unsigned off)
{
    unsigned len = t->b->len - off;
    patch(t, off + 4, len, 4);
    t->b->data[off + 9] = checksum(t->b->data + off, len);
    return t->base + off;
}

/* Generic Address Structure (5.2.3.2) for a system I/O block */
static void put_gas_io(Tables *t, uint16_t port, uint8_t bytes)
{
    put(t, 1, 1);                       /* system I/O space */
    put(t, bytes * 8u, 1);              /* register bit width */
    put(t, 0, 1);                       /* bit offset */
    put(t, port ? (bytes == 4 ? 3 : bytes == 2 ? 2 : 1) : 0, 1);
    put(t, port, 8);
}

/* ---- DSDT ---- */

static Aml *dsdt_pci_crs(void)
{
    Aml *rt = aml_resource_template();
    aml_res_bus_numbers(rt, 0, 0xff);
    aml_res_io(rt, 0xcf8, 8);
    aml_res_word_io(rt, 0x0000, 0x0cf7);
    aml_res_word_io(rt, 0x0d00, 0xffff);
    aml_res_dword_memory(rt, 0x000a0000, 0x000bffff);
    aml_res_dword_memory(rt, PC_PCI_HOLE, IOAPIC_DEFAULT_BASE - 1);
    return rt;
}

/* _PRT: { slot address 0xSSSSFFFF, pin, Zero, GSI } for every slot. */
static Aml *dsdt_pci_prt(void)
{
    Aml *prt = aml_package(32 * 4 - 4);

    for (unsigned slot = 1; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            Aml *e = aml_package(4);
            aml_append(e, aml_int(((uint64_t)slot << 16) | 0xffff));
            aml_append(e, aml_int(pin));
            aml_append(e, aml_int(0));
            /* pins here count from 0 (INTA), the PCI core's from 1 */
            aml_append(e, aml_int(PC_PIRQ_GSI_BASE +
                                  pci_swizzle_pirq(slot, pin + 1)));
            aml_append(prt, e);
        }
    }
    return prt;
}

static Aml *dsdt_keyboard(void)
{
    Aml *dev = aml_device("KBD");
    Aml *rt = aml_resource_template();

    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0303")));
    aml_res_io(rt, 0x60, 1);
    aml_res_io(rt, 0x64, 1);
    aml_res_irq(rt, 1);
    aml_append(dev, aml_name_decl("_CRS", rt));
    return dev;
}

static Aml *dsdt_body(void)
{
    Aml *body = aml_new();
    Aml *sb = aml_scope("\\_SB");
    Aml *pci = aml_device("PCI0");
    Aml *isa = aml_device("ISA");

    aml_append(pci, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci, aml_name_decl("_ADR", aml_int(0)));
    aml_append(pci, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci, aml_name_decl("_CRS", dsdt_pci_crs()));
    aml_append(pci, aml_name_decl("_PRT", dsdt_pci_prt()));
    aml_append(isa, aml_name_decl("_ADR", aml_int(0x00010000)));  /* 01.0 */
    aml_append(isa, dsdt_keyboard());
    aml_append(pci, isa);
    aml_append(sb, pci);
    aml_append(body, sb);

    Aml *s5 = aml_package(4);
    aml_append(s5, aml_int(ACPI_SLP_TYP_S5));
    aml_append(s5, aml_int(ACPI_SLP_TYP_S5));
    aml_append(s5, aml_int(0));
    aml_append(s5, aml_int(0));
    aml_append(body, aml_name_decl("\\_S5", s5));
    return body;
}

static uint64_t build_dsdt(Tables *t)
{
    unsigned off = table_begin(t, "DSDT", 2);
    Aml *body = dsdt_body();
    g_byte_array_append(t->b, aml_data(body), aml_len(body));
    aml_free(body);
    return table_end(t, off);
}

/* ---- FACS, FADT, MADT, XSDT, RSDP ---- */

static uint64_t build_facs(Tables *t)
{
    align(t, 64);
    unsigned off = t->b->len;
    put_str(t, "FACS", 4);
    put(t, 64, 4);                      /* length */
    put(t, 0, 4);                       /* hardware signature */
    put(t, 0, 4);                       /* firmware waking vector */
    put(t, 0, 4);                       /* global lock */
    put(t, 0, 4);                       /* flags */
    put(t, 0, 8);                       /* X firmware waking vector */
    put(t, 2, 1);                       /* version */
    while (t->b->len - off < 64) {
        put(t, 0, 1);
    }
    return t->base + off;
}

/* FADT revision 3 (5.2.9): the PM1a blocks, PM timer, GPE0, SCI, the
 * reset register; SMI_CMD 0 says the machine is always in ACPI mode. */
static uint64_t build_fadt(Tables *t, uint64_t facs, uint64_t dsdt)
{
    enum {
        FADT_WBINVD = 1u << 0, FADT_PROC_C1 = 1u << 2,
        FADT_SLP_BUTTON = 1u << 5, FADT_FIX_RTC = 1u << 6,
        FADT_RESET_REG_SUP = 1u << 10,
    };
    enum { BOOT_LEGACY_DEVICES = 1u << 0, BOOT_8042 = 1u << 1,
           BOOT_NO_VGA = 1u << 2 };
    unsigned off = table_begin(t, "FACP", 3);

    put(t, facs, 4);
    put(t, dsdt, 4);
    put(t, 0, 1);                       /* reserved */
    put(t, 0, 1);                       /* preferred PM profile */
    put(t, ACPI_SCI_IRQ, 2);
    put(t, 0, 4);                       /* SMI_CMD */
    put(t, 0, 4);                       /* ACPI_ENABLE .. PSTATE_CNT */
    put(t, ACPI_PM1_EVT_BLK, 4);              /* PM1a_EVT_BLK */
    put(t, 0, 4);
    put(t, ACPI_PM1_CNT_BLK, 4);          /* PM1a_CNT_BLK */
    put(t, 0, 4);
    put(t, 0, 4);                       /* PM2_CNT_BLK */
    put(t, ACPI_PM_TMR_BLK, 4);          /* PM_TMR_BLK */
    put(t, ACPI_GPE0_BLK, 4);
    put(t, 0, 4);                       /* GPE1_BLK */
    put(t, PM1_EVT_LEN, 1);
    put(t, PM1_CNT_LEN, 1);
    put(t, 0, 1);
    put(t, PM_TMR_LEN, 1);
    put(t, ACPI_GPE0_BLK_LEN, 1);
    put(t, 0, 1);
    put(t, 0, 1);                       /* GPE1_BASE */
    put(t, 0, 1);                       /* CST_CNT */
    put(t, 0xfff, 2);                   /* P_LVL2_LAT: no C2 */
    put(t, 0xfff, 2);                   /* P_LVL3_LAT: no C3 */
    put(t, 0, 4);                       /* FLUSH_SIZE, FLUSH_STRIDE */
    put(t, 0, 2);                       /* DUTY_OFFSET, DUTY_WIDTH */
    put(t, 0, 2);                       /* DAY_ALRM, MON_ALRM */
    put(t, RTC_CENTURY, 1);
    put(t, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_NO_VGA, 2);   /* no VGA yet */
    put(t, 0, 1);
    put(t, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC |
           FADT_RESET_REG_SUP, 4);
    put_gas_io(t, ACPI_RESET_PORT, 1);
    put(t, ACPI_RESET_VALUE, 1);
    put(t, 0, 3);
    put(t, facs, 8);                    /* X_FIRMWARE_CTRL */
    put(t, dsdt, 8);                    /* X_DSDT */
    put_gas_io(t, ACPI_PM1_EVT_BLK, PM1_EVT_LEN);
    put_gas_io(t, 0, 0);
    put_gas_io(t, ACPI_PM1_CNT_BLK, PM1_CNT_LEN);
    put_gas_io(t, 0, 0);
    put_gas_io(t, 0, 0);                /* X_PM2_CNT_BLK */
    put_gas_io(t, ACPI_PM_TMR_BLK, PM_TMR_LEN);
    put_gas_io(t, ACPI_GPE0_BLK, ACPI_GPE0_BLK_LEN);
    put_gas_io(t, 0, 0);
    return table_end(t, off);
}

/* MADT (5.2.12): one CPU, the IOAPIC, IRQ 0 on GSI 2, the SCI level
 * triggered, LINT1 as NMI. PCAT_COMPAT: there are 8259s to mask. */
static uint64_t build_madt(Tables *t)
{
    enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_LAPIC_NMI = 4 };
    enum { MPS_ACTIVE_HIGH = 1, MPS_LEVEL = 3 << 2 };
    unsigned off = table_begin(t, "APIC", 3);

    put(t, APIC_DEFAULT_BASE, 4);
    put(t, 1, 4);                       /* PCAT_COMPAT */

    put(t, MADT_LAPIC, 1);
    put(t, 8, 1);
    put(t, 0, 1);                       /* ACPI processor UID */
    put(t, 0, 1);                       /* APIC ID */
    put(t, 1, 4);                       /* enabled */

    put(t, MADT_IOAPIC, 1);
    put(t, 12, 1);
    put(t, IOAPIC_ID, 1);
    put(t, 0, 1);
    put(t, IOAPIC_DEFAULT_BASE, 4);
    put(t, 0, 4);                       /* GSI base */

    put(t, MADT_ISO, 1);
    put(t, 10, 1);
    put(t, 0, 1);                       /* ISA */
    put(t, 0, 1);                       /* IRQ 0 (the PIT) */
    put(t, 2, 4);                       /* on GSI 2 */
    put(t, 0, 2);                       /* bus-conforming: edge, high */

    put(t, MADT_ISO, 1);
    put(t, 10, 1);
    put(t, 0, 1);
    put(t, ACPI_SCI_IRQ, 1);
    put(t, ACPI_SCI_IRQ, 4);
    put(t, MPS_ACTIVE_HIGH | MPS_LEVEL, 2);

    put(t, MADT_LAPIC_NMI, 1);
    put(t, 6, 1);
    put(t, 0xff, 1);                    /* all processors */
    put(t, 0, 2);
    put(t, 1, 1);                       /* LINT1 */
    return table_end(t, off);
}

static uint64_t build_xsdt(Tables *t, const uint64_t *tables, int n)
{
    unsigned off = table_begin(t, "XSDT", 1);
    for (int i = 0; i < n; i++) {
        put(t, tables[i], 8);
    }
    return table_end(t, off);
}

/* RSDP revision 2 (5.2.5.3): first in the block, 16-byte aligned. */
static unsigned rsdp_reserve(Tables *t)
{
    unsigned off = t->b->len;
    for (int i = 0; i < 36; i++) {
        put(t, 0, 1);
    }
    return off;
}

static void rsdp_fill(Tables *t, unsigned off, uint64_t xsdt)
{
    uint8_t *p = t->b->data + off;
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "BT86  ", 6);
    p[15] = 2;                          /* revision */
    patch(t, off + 16, 0, 4);           /* no RSDT: XSDT only */
    patch(t, off + 20, 36, 4);
    patch(t, off + 24, xsdt, 8);
    p[8] = checksum(p, 20);
    p[32] = checksum(p, 36);
}

uint64_t acpi_build_tables(AddressSpace *as)
{
    Tables t = { g_byte_array_new(), ACPI_TABLES_BASE };

    unsigned rsdp = rsdp_reserve(&t);
    uint64_t facs = build_facs(&t);
    uint64_t dsdt = build_dsdt(&t);
    uint64_t tables[2];
    tables[0] = build_fadt(&t, facs, dsdt);
    tables[1] = build_madt(&t);
    uint64_t xsdt = build_xsdt(&t, tables, 2);
    rsdp_fill(&t, rsdp, xsdt);

    g_assert(t.b->len <= ACPI_TABLES_SIZE);
    uint8_t *rom = mem_host_ptr(as, ACPI_TABLES_BASE, t.b->len, false);
    g_assert(rom);
    memcpy(rom, t.b->data, t.b->len);
    g_byte_array_free(t.b, TRUE);
    return ACPI_TABLES_BASE + rsdp;
}
