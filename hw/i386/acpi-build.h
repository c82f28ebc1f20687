/* ACPI tables of the pc machine, for a guest booted without firmware. */
#ifndef HW_I386_ACPI_BUILD_H
#define HW_I386_ACPI_BUILD_H

#include <stdint.h>

#include "softmmu/memory.h"

/* Where the tables go: the BIOS area, reserved in the E820 map. */
#define ACPI_TABLES_BASE 0xE0000ull
#define ACPI_TABLES_SIZE 0x10000ull

/*
 * Writes RSDP, XSDT, FADT (with FACS and DSDT) and MADT into the ROM at
 * ACPI_TABLES_BASE, describing the machine's chipset: the PIIX4 PM block,
 * the local APIC and IOAPIC, the PCI root bridge and its INTx routing.
 * Returns the RSDP's guest-physical address.
 */
uint64_t acpi_build_tables(AddressSpace *as);

#endif
