/*
 * The translation-block cache: one code buffer filled front to back and
 * flushed whole when full, a hash table by physical PC, per-page lists for
 * invalidation on writes to code, and direct jump chaining.
 */
#include <assert.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include <glib.h>

#include "softmmu/cputlb.h"
#include "softmmu/disas.h"
#include "softmmu/log.h"
#include "softmmu/perfmap.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"
#include "tcg/tuning.h"

TBCache *tb_cache_new(size_t code_size)
{
    TBCache *tbc = g_malloc0(sizeof(*tbc));
    tbc->code_gen_buffer = mmap(NULL, code_size,
                                PROT_READ | PROT_WRITE | PROT_EXEC,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (tbc->code_gen_buffer == MAP_FAILED) {
        g_error("could not allocate %zu bytes for the code buffer", code_size);
    }
    tbc->code_gen_size = code_size;
    tbc->tbs = g_new0(TranslationBlock, TB_MAX_BLOCKS);
    tbc->pages = (struct GHashTable *)g_hash_table_new(g_int64_hash,
                                                       g_int64_equal);
    tcg_context_init(&tbc->tcg);
    tlb_init_layout();
    x86_translate_init(&tbc->tcg);
    tcg_prologue_init(&tbc->tcg, tbc->code_gen_buffer, 256);
    tbc->code_gen_ptr = tbc->code_gen_buffer + 256;
    return tbc;
}

static unsigned tb_hash(uint64_t phys_pc, uint32_t flags)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ull ^ flags;
    return (unsigned)(h >> (64 - TB_HASH_BITS));
}

void tb_jmp_cache_clear(CPUX86State *env)
{
    memset(env->tb_jmp_cache, 0, sizeof(env->tb_jmp_cache));
    memset(env->tb_jmp_global, 0, sizeof(env->tb_jmp_global));
    memset(env->tb_jmp_used, 0, sizeof(env->tb_jmp_used));
}

void tb_jmp_cache_clear_nonglobal(CPUX86State *env)
{
    for (unsigned w = 0; w < TB_JMP_CACHE_SIZE / 64; w++) {
        uint64_t drop = env->tb_jmp_used[w] & ~env->tb_jmp_global[w];
        for (; drop; drop &= drop - 1) {
            env->tb_jmp_cache[w * 64 + __builtin_ctzll(drop)] = NULL;
        }
        env->tb_jmp_used[w] = env->tb_jmp_global[w];
    }
}

void tb_jmp_cache_clear_page(CPUX86State *env, uint64_t vaddr)
{
    const unsigned group = 1u << TB_JMP_PAGE_BITS;
    _Static_assert(TB_JMP_PAGE_BITS >= 6, "a group is whole words of bits");
    for (int k = 0; k < 2; k++) {
        unsigned first = tb_jmp_cache_hash(vaddr - k * TARGET_PAGE_SIZE) &
                         ~(group - 1);
        memset(&env->tb_jmp_cache[first], 0,
               group * sizeof(TranslationBlock *));
        memset(&env->tb_jmp_global[first / 64], 0, group / 8);
        memset(&env->tb_jmp_used[first / 64], 0, group / 8);
    }
}

static GHashTable *pages_of(TBCache *tbc)
{
    return (GHashTable *)tbc->pages;
}

static void free_page_key(gpointer key, gpointer value, gpointer data)
{
    g_free(key);
}

void tb_flush(CPUX86State *env)
{
    TBCache *tbc = env->tbc;
    for (int i = 0; i < tbc->nb_tbs; i++) {
        g_free(tbc->tbs[i].insn_pc);
        g_free(tbc->tbs[i].insn_end);
        g_free(tbc->tbs[i].ldst_sites);
        g_free(tbc->tbs[i].ldst_map);
    }
    tbc->nb_tbs = 0;
    memset(tbc->hash, 0, sizeof(tbc->hash));
    g_hash_table_foreach(pages_of(tbc), free_page_key, NULL);
    g_hash_table_remove_all(pages_of(tbc));
    tbc->code_gen_ptr = tbc->code_gen_buffer + 256;
    tbc->flush_count++;
    tb_jmp_cache_clear(env);
    /* no page holds code any more: writes may take the fast path */
    for (int m = 0; m < NB_MMU_MODES; m++) {
        for (unsigned i = 0; i < CPU_TLB_SIZE; i++) {
            env->tlb[m][i].addr_write &= ~TLB_NOTDIRTY;
        }
    }
}

static uintptr_t *page_head(TBCache *tbc, uint64_t page, bool create)
{
    uintptr_t *head = g_hash_table_lookup(pages_of(tbc), &page);
    if (!head && create) {
        /* the key and the list head share one allocation */
        uint64_t *key = g_new0(uint64_t, 2);
        key[0] = page;
        head = (uintptr_t *)&key[1];
        g_hash_table_insert(pages_of(tbc), key, head);
    }
    return head;
}

bool tb_page_has_code(TBCache *tbc, uint64_t page)
{
    return page_head(tbc, page, false) != NULL;
}

static void tb_set_jmp_target(TranslationBlock *tb, int n, const uint8_t *addr)
{
    uint8_t *field = tb->tc_ptr + tb->jmp_insn_offset[n];
    int32_t rel = (int32_t)(addr - (field + 4));
    __atomic_store_n((int32_t *)field, rel, __ATOMIC_RELAXED);
}

void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *next)
{
    if (tb->jmp_dest[n] || tb->invalid || next->invalid ||
        tb->jmp_insn_offset[n] == 0xffff) {
        return;
    }
    tb->jmp_dest[n] = next;
    tb->jmp_next[n] = next->jmp_first;
    next->jmp_first = (uintptr_t)tb | (uintptr_t)n;
    tb_set_jmp_target(tb, n, next->tc_ptr);
}

static void tb_invalidate(CPUX86State *env, TranslationBlock *tb)
{
    TBCache *tbc = env->tbc;
    tb->invalid = true;
    /* out of the hash chain */
    TranslationBlock **pp = &tbc->hash[tb_hash(tb->phys_pc, tb->flags)];
    while (*pp) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
        pp = &(*pp)->hash_next;
    }
    unsigned h = tb_jmp_cache_hash(tb->pc);
    if (env->tb_jmp_cache[h] == tb) {
        env->tb_jmp_cache[h] = NULL;
    }
    /* blocks that jump here go back to their exit stubs */
    uintptr_t p = tb->jmp_first;
    while (p) {
        TranslationBlock *src = (TranslationBlock *)(p & ~(uintptr_t)3);
        int n = (int)(p & 3);
        if (src->jmp_dest[n] == tb) {
            tb_set_jmp_target(src, n, src->tc_ptr + src->jmp_reset_offset[n]);
            src->jmp_dest[n] = NULL;
        }
        p = src->jmp_next[n];
    }
    tb->jmp_first = 0;
}

/* Does [paddr, paddr+len) on `page` touch the code of tb's part n? */
static bool tb_part_overlaps(TranslationBlock *tb, int n, uint64_t page,
                             uint64_t paddr, uint64_t len)
{
    uint64_t start = n == 0 ? tb->phys_pc : page;
    uint64_t end = n == 0
        ? MIN(tb->phys_pc + tb->size, page + TARGET_PAGE_SIZE)
        : tb->page_addr[1] + ((tb->cs_base + tb->pc + tb->size - 1) &
                              ~TARGET_PAGE_MASK) + 1;
    return paddr < end && paddr + len > start;
}

bool tb_invalidate_phys_range(CPUX86State *env, uint64_t paddr, uint64_t len)
{
    TBCache *tbc = env->tbc;
    uint64_t page = paddr & TARGET_PAGE_MASK;
    uintptr_t *head = page_head(tbc, page, false);
    bool any_valid = false;
    if (!head) {
        return false;
    }
    for (uintptr_t p = *head; p;) {
        TranslationBlock *tb = (TranslationBlock *)(p & ~(uintptr_t)3);
        int n = (int)(p & 3);
        if (!tb->invalid) {
            if (tb_part_overlaps(tb, n, page, paddr, len)) {
                tb_invalidate(env, tb);
            } else {
                any_valid = true;
            }
        }
        p = tb->page_next[n];
    }
    if (!any_valid) {
        g_hash_table_remove(pages_of(tbc), &page);
        g_free((uint64_t *)head - 1);
    }
    return any_valid;
}

/*
 * A guest store is about to write [paddr, paddr+len) of a page that holds
 * translated code. If it changes the block that is running (and that block
 * has more than this one instruction), the store must not happen from
 * here: the instruction is rolled back and re-run alone in a block of its
 * own, after which the next instruction is translated from the new bytes
 * (x86 sees self-modification at the very next instruction).
 */
void tb_write_to_code_page(CPUX86State *env, uint64_t paddr, uint64_t len,
                           uintptr_t retaddr)
{
    TranslationBlock *cur = retaddr ? tb_find_by_host_pc(env->tbc, retaddr - 1)
                                    : NULL;
    uint64_t page = paddr & TARGET_PAGE_MASK;
    bool cur_modified = false;
    if (cur && !cur->invalid && cur->nb_insns > 1) {
        for (int n = 0; n < 2; n++) {
            if (cur->page_addr[n] == page &&
                tb_part_overlaps(cur, n, page, paddr, len)) {
                cur_modified = true;
            }
        }
    }
    if (!tb_invalidate_phys_range(env, paddr, len)) {
        tlb_unprotect_code_page(env, page);
    }
    if (cur_modified) {
        cpu_restore_state(env, retaddr);
        env->single_insn = true;
        env->exception_index = -1;
        cpu_loop_exit(env);
    }
}

static void tb_link_page(CPUX86State *env, TranslationBlock *tb, int n,
                         uint64_t page)
{
    bool had_code = tb_page_has_code(env->tbc, page);
    uintptr_t *head = page_head(env->tbc, page, true);
    tb->page_next[n] = *head;
    *head = (uintptr_t)tb | (uintptr_t)n;
    if (!had_code) {
        tlb_protect_code_page(env, page);
    }
}

TranslationBlock *tb_find_by_host_pc(TBCache *tbc, uintptr_t host_pc)
{
    int lo = 0, hi = tbc->nb_tbs - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        TranslationBlock *tb = &tbc->tbs[mid];
        uintptr_t start = (uintptr_t)tb->tc_ptr;
        if (host_pc < start) {
            hi = mid - 1;
        } else if (host_pc >= start + tb->tc_size) {
            lo = mid + 1;
        } else {
            return tb;
        }
    }
    return NULL;
}

bool cpu_restore_state(CPUX86State *env, uintptr_t host_pc)
{
    TranslationBlock *tb = tb_find_by_host_pc(env->tbc, host_pc - 1);
    if (!tb) {
        return false;
    }
    uint32_t off = (uint32_t)(host_pc - 1 - (uintptr_t)tb->tc_ptr);
    /* a faulting guest memory access: finish the register write-back */
    for (int i = 0; i < tb->nb_ldst; i++) {
        TBLdstSite *site = &tb->ldst_sites[i];
        if (site->ret_offset != off + 1) {
            continue;
        }
        for (int k = 0; k < site->map_count; k++) {
            TCGGlobalLoc *g = &tb->ldst_map[site->map_first + k];
            uint64_t v = g->reg >= 0 ? env->tcg_spill[g->reg] : (uint64_t)g->val;
            memcpy((char *)env + g->env_offset, &v, sizeof(v));
        }
        break;
    }
    for (int i = 0; i < tb->nb_insns; i++) {
        if (off < tb->insn_end[i] || i == tb->nb_insns - 1) {
            env->rip = tb->insn_pc[i];
            return true;
        }
    }
    return false;
}

static TranslationBlock *tb_gen_code(CPUX86State *env, uint64_t pc,
                                     uint64_t cs_base, uint32_t flags,
                                     uint64_t phys_pc)
{
    TBCache *tbc = env->tbc;
    TCGContext *s = &tbc->tcg;

    for (int attempt = 0;; attempt++) {
        if (tbc->nb_tbs >= TB_MAX_BLOCKS ||
            tbc->code_gen_ptr + 64 * 1024 >
                tbc->code_gen_buffer + tbc->code_gen_size) {
            tb_flush(env);
        }
        TranslationBlock *tb = &tbc->tbs[tbc->nb_tbs];
        memset(tb, 0, sizeof(*tb));
        tb->pc = pc;
        tb->cs_base = cs_base;
        tb->flags = flags;
        tb->phys_pc = phys_pc;
        tb->page_addr[0] = phys_pc & TARGET_PAGE_MASK;
        tb->page_addr[1] = (uint64_t)-1;

        tcg_func_start(s);
        gen_intermediate_code(env, s, tb);
        if (log_enabled(LOG_OP)) {
            log_printf("OP:\n");
            tcg_dump_ops(s, log_file());
            log_printf("\n");
        }
        if (tcg_tuning.optimize) {
            tcg_optimize(s);
        }
        tcg_liveness(s);
        if (log_enabled(LOG_OP_OPT)) {
            log_printf("OP after optimization and liveness analysis:\n");
            tcg_dump_ops(s, log_file());
            log_printf("\n");
        }
        s->code_buf = tbc->code_gen_ptr;
        s->tb_ptr = (uintptr_t)tb;
        s->code_end = tbc->code_gen_buffer + tbc->code_gen_size;
        int size = tcg_gen_code(s);
        if (size < 0) {
            assert(attempt == 0);
            tb_flush(env);
            continue;
        }
        tb->tc_ptr = s->code_buf;
        tb->tc_size = (uint32_t)size;
        tb->jmp_insn_offset[0] = s->jmp_insn_offset[0];
        tb->jmp_insn_offset[1] = s->jmp_insn_offset[1];
        tb->jmp_reset_offset[0] = s->jmp_reset_offset[0];
        tb->jmp_reset_offset[1] = s->jmp_reset_offset[1];
        tb->nb_insns = s->nb_insns;
        tb->insn_pc = g_memdup2(s->insn_pc, sizeof(uint64_t) * s->nb_insns);
        tb->insn_end = g_memdup2(s->insn_end_off,
                                 sizeof(uint32_t) * s->nb_insns);
        tb->nb_ldst = s->nb_ldst;
        tb->ldst_sites = g_new(TBLdstSite, s->nb_ldst);
        for (int i = 0; i < s->nb_ldst; i++) {
            tb->ldst_sites[i] = (TBLdstSite){ (uint32_t)s->ldst[i].ret_offset,
                                              s->ldst[i].map_first,
                                              s->ldst[i].map_count };
        }
        tb->ldst_map = g_memdup2(s->ldst_map,
                                 sizeof(TCGGlobalLoc) * s->nb_ldst_map);
        tbc->code_gen_ptr = (uint8_t *)(((uintptr_t)s->code_buf + size + 15) &
                                        ~(uintptr_t)15);
        tbc->nb_tbs++;
        env->stat_tbs_translated++;

        perfmap_add(tb->tc_ptr, (size_t)size, pc, (unsigned)tb->nb_insns);
        if (log_enabled(LOG_OUT_ASM)) {
            log_printf("OUT: [size=%d]\n", size);
            disas_host(log_file(), tb->tc_ptr, (size_t)size);
            log_printf("\n");
        }
        unsigned h = tb_hash(phys_pc, flags);
        tb->hash_next = tbc->hash[h];
        tbc->hash[h] = tb;
        tb_link_page(env, tb, 0, tb->page_addr[0]);
        if (tb->page_addr[1] != (uint64_t)-1) {
            tb_link_page(env, tb, 1, tb->page_addr[1]);
        }
        return tb;
    }
}

/*
 * The block in the hash table, or NULL. With `nofill`, a code page the
 * TLB does not hold is a miss rather than a page walk (which may fault).
 */
static TranslationBlock *tb_hash_lookup(CPUX86State *env, uint64_t pc,
                                        uint64_t cs_base, uint32_t flags,
                                        uint64_t phys_pc, bool nofill)
{
    TranslationBlock *tb;
    for (tb = env->tbc->hash[tb_hash(phys_pc, flags)]; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
            tb->flags == flags && !tb->invalid) {
            /* a block spanning two pages must still see the same second
             * page through the current mapping */
            if (tb->page_addr[1] == (uint64_t)-1) {
                return tb;
            }
            uint64_t page = (cs_base + pc + tb->size - 1) & TARGET_PAGE_MASK;
            uint64_t paddr = nofill ? get_page_addr_code_nofill(env, page)
                                    : get_page_addr_code(env, page);
            if (paddr == tb->page_addr[1]) {
                return tb;
            }
        }
    }
    return NULL;
}

TranslationBlock *tb_lookup_nofill(CPUX86State *env, uint64_t pc,
                                   uint64_t cs_base, uint32_t flags)
{
    uint64_t phys_pc = get_page_addr_code_nofill(env, cs_base + pc);
    if (phys_pc == (uint64_t)-1) {
        return NULL;
    }
    return tb_hash_lookup(env, pc, cs_base, flags, phys_pc, true);
}

TranslationBlock *tb_find(CPUX86State *env, uint64_t pc, uint64_t cs_base,
                          uint32_t flags)
{
    unsigned h = tb_jmp_cache_hash(pc);
    TranslationBlock *tb = env->tb_jmp_cache[h];
    if (tb && tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags &&
        !tb->invalid) {
        return tb;
    }
    uint64_t phys_pc = get_page_addr_code(env, cs_base + pc);
    tb = tb_hash_lookup(env, pc, cs_base, flags, phys_pc, false);
    if (!tb) {
        tb = tb_gen_code(env, pc, cs_base, flags, phys_pc);
    }
    /* -accel tcg,jmp-cache=off: the cache stays empty */
    if (!tcg_tuning.jmp_cache) {
        return tb;
    }
    env->tb_jmp_cache[h] = tb;
    env->tb_jmp_used[h / 64] |= 1ull << (h % 64);
    if (tb->page_addr[1] == (uint64_t)-1 &&
        tlb_code_is_global(env, cs_base + pc)) {
        env->tb_jmp_global[h / 64] |= 1ull << (h % 64);
    } else {
        env->tb_jmp_global[h / 64] &= ~(1ull << (h % 64));
    }
    return tb;
}
