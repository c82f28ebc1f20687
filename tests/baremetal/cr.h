/*
 * Control-register bits and MOV-to-CR under a catch, shared by the CR
 * kernels (cr.c, cr-gp.c).
 */
#ifndef TESTS_BAREMETAL_CR_H
#define TESTS_BAREMETAL_CR_H

#include "kit.h"

#define CR0_PE      (1ull << 0)
#define CR0_MP      (1ull << 1)
#define CR0_EM      (1ull << 2)
#define CR0_TS      (1ull << 3)
#define CR0_ET      (1ull << 4)
#define CR0_NE      (1ull << 5)
#define CR0_WP      (1ull << 16)
#define CR0_AM      (1ull << 18)
#define CR0_NW      (1ull << 29)
#define CR0_CD      (1ull << 30)
#define CR0_PG      (1ull << 31)
#define CR4_PSE     (1ull << 4)
#define CR4_PAE     (1ull << 5)
#define CR4_PGE     (1ull << 7)
#define CR4_PCE     (1ull << 8)
#define CR4_UMIP    (1ull << 11)
#define CR4_LA57    (1ull << 12)
#define CR4_VMXE    (1ull << 13)
#define CR4_SMXE    (1ull << 14)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE   (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP    (1ull << 20)
#define CR4_SMAP    (1ull << 21)
#define CR4_PKE     (1ull << 22)

static inline void try_write_cr0(uint64_t v)
{
    __asm__ volatile(KIT_TRY("movq %0, %%cr0") : : "r"(v) : "r11", "memory");
}

static inline void try_write_cr3(uint64_t v)
{
    __asm__ volatile(KIT_TRY("movq %0, %%cr3") : : "r"(v) : "r11", "memory");
}

static inline void try_write_cr4(uint64_t v)
{
    __asm__ volatile(KIT_TRY("movq %0, %%cr4") : : "r"(v) : "r11", "memory");
}

static inline void try_write_cr8(uint64_t v)
{
    __asm__ volatile(KIT_TRY("movq %0, %%cr8") : : "r"(v) : "r11", "memory");
}

#endif
