/*
 * Translation blocks: the cache of translated guest code, keyed by physical
 * PC and CPU mode, with direct chaining between blocks and invalidation when
 * guest code is written.
 */
#ifndef SOFTMMU_TB_H
#define SOFTMMU_TB_H

#include <stdbool.h>
#include <stdint.h>

#include "target-x86/cpu.h"
#include "tcg/tcg.h"

typedef struct TBLdstSite {
    uint32_t ret_offset;    /* host return address of its slow path */
    uint16_t map_first, map_count;
} TBLdstSite;

typedef struct TranslationBlock {
    uint64_t pc;            /* RIP of the first instruction */
    uint64_t cs_base;
    uint32_t flags;         /* hflags the block was translated for */
    uint32_t size;          /* guest bytes */
    uint64_t page_addr[2];  /* physical pages the code spans; [1] = -1 if one */
    uint64_t phys_pc;
    bool invalid;

    uint8_t *tc_ptr;        /* host code */
    uint32_t tc_size;
    uint16_t jmp_insn_offset[2];
    uint16_t jmp_reset_offset[2];
    /* outgoing chain: the block each jump slot goes to */
    struct TranslationBlock *jmp_dest[2];
    /* incoming chains: tagged pointers (tb | slot), linked through
     * jmp_next[slot] of each source block */
    uintptr_t jmp_first;
    uintptr_t jmp_next[2];

    struct TranslationBlock *hash_next;
    uintptr_t page_next[2];  /* tagged (tb | which page) list per page */

    /* host code offset where each guest instruction's code ends */
    int nb_insns;
    uint64_t *insn_pc;
    uint32_t *insn_end;
    /* per guest memory access: where unsynced guest registers are */
    int nb_ldst;
    struct TBLdstSite *ldst_sites;
    TCGGlobalLoc *ldst_map;
} TranslationBlock;

#define TB_HASH_BITS 17
#define TB_MAX_BLOCKS (1 << 17)

typedef struct TBCache {
    TCGContext tcg;
    uint8_t *code_gen_buffer;
    size_t code_gen_size;
    uint8_t *code_gen_ptr;   /* next free byte */
    TranslationBlock *tbs;
    int nb_tbs;
    TranslationBlock *hash[1 << TB_HASH_BITS];
    struct GHashTable *pages;    /* physical page -> first tagged tb */
    uint64_t flush_count;
} TBCache;

/* The page picks the group, the offset in the page the entry in it. */
static inline unsigned tb_jmp_cache_hash(uint64_t pc)
{
    const unsigned in_page = (1u << TB_JMP_PAGE_BITS) - 1;
    return (unsigned)(((pc >> (TARGET_PAGE_BITS - TB_JMP_PAGE_BITS)) &
                       (TB_JMP_CACHE_SIZE - 1 - in_page)) |
                      ((pc ^ (pc >> TB_JMP_PAGE_BITS)) & in_page));
}

TBCache *tb_cache_new(size_t code_size);
/* Finds or translates the block at the CPU's current state (may raise a
 * guest exception while fetching code). */
TranslationBlock *tb_find(CPUX86State *env, uint64_t pc, uint64_t cs_base,
                          uint32_t flags);
/* The translated block at that state in the hash table, or NULL; never
 * translates and never walks the page tables (for generated code). */
TranslationBlock *tb_lookup_nofill(CPUX86State *env, uint64_t pc,
                                   uint64_t cs_base, uint32_t flags);
void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *next);
/* Invalidates blocks whose code overlaps guest-physical [paddr, paddr+len).
 * Returns true if the page still holds code. */
bool tb_invalidate_phys_range(CPUX86State *env, uint64_t paddr, uint64_t len);
bool tb_page_has_code(TBCache *tbc, uint64_t page);
/* Before a guest store into a page holding code (may not return). */
void tb_write_to_code_page(CPUX86State *env, uint64_t paddr, uint64_t len,
                           uintptr_t retaddr);
void tb_flush(CPUX86State *env);
/* The block containing host code address `host_pc`, or NULL. */
TranslationBlock *tb_find_by_host_pc(TBCache *tbc, uintptr_t host_pc);
/* Sets env->rip to the guest instruction whose code contains host_pc. */
bool cpu_restore_state(CPUX86State *env, uintptr_t host_pc);
void tb_jmp_cache_clear(CPUX86State *env);
/* After a CR3 load: the entries found through global translations stay. */
void tb_jmp_cache_clear_nonglobal(CPUX86State *env);
/* After INVLPG of vaddr: the entries of its page and of the page before
 * it (whose blocks may run into it). */
void tb_jmp_cache_clear_page(CPUX86State *env, uint64_t vaddr);

/* Front end: translate guest code at tb->pc into s's op list. */
void gen_intermediate_code(CPUX86State *env, TCGContext *s,
                           TranslationBlock *tb);
void x86_translate_init(TCGContext *s);

#endif
