/*
 * A small AML writer: enough of the ACPI Machine Language (ACPI 6.x
 * chapter 20) for the DSDT of the pc machine: scopes, devices, names,
 * integers, strings, packages and resource templates.
 *
 * Every function returns a new Aml node; aml_append(parent, child) moves
 * the child's bytes into the parent and frees the child. Blocks (scope,
 * device, package, buffer) get their PkgLength when they are appended.
 */
#ifndef HW_ACPI_AML_H
#define HW_ACPI_AML_H

#include <stdint.h>

#include <glib.h>

typedef struct Aml {
    uint8_t op[2];      /* the block's opcode (0 bytes for plain data) */
    int oplen;
    GByteArray *buf;    /* for a block: what follows its PkgLength */
} Aml;

Aml *aml_new(void);
void aml_free(Aml *a);
void aml_append(Aml *parent, Aml *child);

/* Data */
Aml *aml_int(uint64_t v);
Aml *aml_string(const char *s);
Aml *aml_eisaid(const char *id);      /* "PNP0A03" -> compressed DWord */
Aml *aml_name(const char *path);      /* a NameString reference */

/* Named objects and blocks */
Aml *aml_name_decl(const char *path, Aml *value);  /* Name(path, value) */
Aml *aml_scope(const char *path);
Aml *aml_device(const char *path);
Aml *aml_package(uint8_t nr_elements);

/* Resource templates: a Buffer of descriptors closed by an End Tag. */
Aml *aml_resource_template(void);
void aml_res_io(Aml *rt, uint16_t base, uint8_t len);     /* fixed I/O */
void aml_res_irq(Aml *rt, uint8_t irq);                   /* IRQNoFlags */
void aml_res_bus_numbers(Aml *rt, uint16_t min, uint16_t max);
void aml_res_word_io(Aml *rt, uint16_t min, uint16_t max);
void aml_res_dword_memory(Aml *rt, uint32_t min, uint32_t max);

/* The serialised bytes of a node (a top-level term list). */
const uint8_t *aml_data(const Aml *a);
unsigned aml_len(const Aml *a);

#endif
