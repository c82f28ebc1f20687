/*
 * The softmmu TLB: guest virtual page -> host address, per MMU mode.
 * Generated code reads it inline; misses and special pages come here.
 */
#ifndef SOFTMMU_CPUTLB_H
#define SOFTMMU_CPUTLB_H

#include <stdint.h>

#include "target-x86/cpu.h"

enum { MMU_DATA_LOAD, MMU_DATA_STORE, MMU_INST_FETCH };

void tlb_init_layout(void);
/* Every translation, global ones included. */
void tlb_flush(CPUX86State *env);
/* Every translation but the global ones (MOV to CR3, INVPCID types 1, 3). */
void tlb_flush_nonglobal(CPUX86State *env);
/* The translations of one page, global ones included (INVLPG). */
void tlb_flush_page(CPUX86State *env, uint64_t vaddr);
/* The non-global translations of one page (INVPCID type 0). */
void tlb_flush_page_nonglobal(CPUX86State *env, uint64_t vaddr);
/* Is the code TLB entry for addr there, and a global translation? */
bool tlb_code_is_global(CPUX86State *env, uint64_t addr);
/* Installs a translation for one 4 KiB page (called by the page walker);
 * PAGE_GLOBAL in prot marks it global. */
void tlb_set_page(CPUX86State *env, uint64_t vaddr, uint64_t paddr,
                  int prot, int mmu_idx, bool large);
/* Marks every entry mapping physical `page` write-slow (it now holds code). */
void tlb_protect_code_page(CPUX86State *env, uint64_t page);
void tlb_unprotect_code_page(CPUX86State *env, uint64_t page);

#define PAGE_READ  1
#define PAGE_WRITE 2
#define PAGE_EXEC  4
#define PAGE_GLOBAL 8   /* a global translation: see tlb_flush_nonglobal */

/* Accesses from C (helpers, the translator): through the TLB with faults
 * raised as guest exceptions; retaddr is the host return address inside
 * generated code (0 when not called from generated code). */
uint64_t cpu_ld_mmu(CPUX86State *env, uint64_t addr, int size, int mmu_idx,
                    uintptr_t retaddr);
void cpu_st_mmu(CPUX86State *env, uint64_t addr, uint64_t val, int size,
                int mmu_idx, uintptr_t retaddr);
/* The same with MemOp flags (MO_WRITE_INTENT, MO_STACK). */
uint64_t cpu_ld_mmu_flags(CPUX86State *env, uint64_t addr, int size,
                          int mmu_idx, unsigned mo_flags, uintptr_t retaddr);
void cpu_st_mmu_flags(CPUX86State *env, uint64_t addr, uint64_t val,
                      int size, int mmu_idx, unsigned mo_flags,
                      uintptr_t retaddr);
/* Code fetch for the translator; returns false (no exception) when the page
 * is not executable/mapped and nofault is set. */
bool cpu_fetch_code_byte(CPUX86State *env, uint64_t addr, uint8_t *out,
                         bool nofault);
/* Physical address of the code at addr (fills the TLB; may raise #PF). */
uint64_t get_page_addr_code(CPUX86State *env, uint64_t addr);
/* The same from the TLB alone: -1 when it does not hold the page. */
uint64_t get_page_addr_code_nofill(CPUX86State *env, uint64_t addr);

#endif
