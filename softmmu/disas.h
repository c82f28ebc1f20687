/* Disassembly for the -d in_asm and out_asm logs (capstone). */
#ifndef SOFTMMU_DISAS_H
#define SOFTMMU_DISAS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Guest code: bytes at guest address `pc`, in 16/32/64-bit mode. */
void disas_guest(FILE *f, const uint8_t *code, size_t size, uint64_t pc,
                 int mode_bits);
/* Host code at its own address. */
void disas_host(FILE *f, const uint8_t *code, size_t size);

#endif
