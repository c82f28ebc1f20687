/*
 * Softmmu TLB management and the slow paths of guest memory accesses:
 * misses (page walk), MMIO, pages holding translated code, accesses that
 * cross a page.
 */
#include <stddef.h>
#include <string.h>

#include "softmmu/bql.h"
#include "softmmu/cputlb.h"
#include "softmmu/log.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"
#include "tcg/tcg.h"

void tlb_init_layout(void)
{
    TCGTLBLayout *L = &tcg_tlb_layout;
    L->tlb_offset = (int)offsetof(CPUX86State, tlb);
    L->mode_stride = (int)sizeof(((CPUX86State *)0)->tlb[0]);
    L->entry_bits = 5;
    _Static_assert(sizeof(CPUTLBEntry) == 32, "TLB entry is 32 bytes");
    L->index_bits = CPU_TLB_BITS;
    L->page_bits = TARGET_PAGE_BITS;
    L->read_off = (int)offsetof(CPUTLBEntry, addr_read);
    L->write_off = (int)offsetof(CPUTLBEntry, addr_write);
    L->addend_off = (int)offsetof(CPUTLBEntry, addend);
    L->exit_request_off = (int)offsetof(CPUX86State, exit_request);
    L->spill_off = (int)offsetof(CPUX86State, tcg_spill);
    L->jmp_cache_off = (int)offsetof(CPUX86State, tb_jmp_cache);
    L->jmp_cache_bits = TB_JMP_CACHE_BITS;
    L->jmp_page_bits = TB_JMP_PAGE_BITS;
    L->rip_off = (int)offsetof(CPUX86State, rip);
    L->hflags_off = (int)offsetof(CPUX86State, hflags);
    L->cs_base_off = (int)offsetof(CPUX86State, segs[R_CS].base);
    L->inhibit_irq_off = (int)offsetof(CPUX86State, inhibit_irq);
    _Static_assert(sizeof(bool) == 1, "inhibit_irq, invalid are bytes");
    L->tb_pc_off = (int)offsetof(TranslationBlock, pc);
    L->tb_cs_base_off = (int)offsetof(TranslationBlock, cs_base);
    L->tb_flags_off = (int)offsetof(TranslationBlock, flags);
    L->tb_invalid_off = (int)offsetof(TranslationBlock, invalid);
    L->tb_tc_ptr_off = (int)offsetof(TranslationBlock, tc_ptr);
}

static inline unsigned tlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> TARGET_PAGE_BITS) & (CPU_TLB_SIZE - 1);
}

void tlb_flush(CPUX86State *env)
{
    memset(env->tlb, 0xff, sizeof(env->tlb));   /* TLB_INVALID everywhere */
    memset(env->tlb_global, 0, sizeof(env->tlb_global));
    memset(env->tlb_large, 0, sizeof(env->tlb_large));
    env->tlb_has_large_pages = false;
    env->tlb_has_global = false;
    tb_jmp_cache_clear(env);
}

/*
 * A MOV to CR3 comes here on every address-space switch, so the entries go
 * 64 at a time where none of them is global. tlb_has_large_pages stays as
 * it is: a global large page may remain.
 */
void tlb_flush_nonglobal(CPUX86State *env)
{
    if (!env->tlb_has_global) {
        tlb_flush(env);
        return;
    }
    for (int m = 0; m < NB_MMU_MODES; m++) {
        for (unsigned w = 0; w < CPU_TLB_SIZE / 64; w++) {
            uint64_t keep = env->tlb_global[m][w];
            CPUTLBEntry *e = &env->tlb[m][w * 64];
            if (!keep) {
                memset(e, 0xff, 64 * sizeof(*e));
                continue;
            }
            for (unsigned i = 0; i < 64; i++) {
                if (!(keep & (1ull << i))) {
                    memset(&e[i], 0xff, sizeof(*e));
                }
            }
        }
    }
    tb_jmp_cache_clear_nonglobal(env);
}

static inline bool tlb_entry_is_global(CPUX86State *env, int mmu_idx,
                                       unsigned idx)
{
    return (env->tlb_global[mmu_idx][idx / 64] >> (idx % 64)) & 1;
}

/* Entry idx of mode m invalid, and neither global nor large any more. */
static void tlb_entry_drop(CPUX86State *env, int m, unsigned idx)
{
    uint64_t bit = 1ull << (idx % 64);

    memset(&env->tlb[m][idx], 0xff, sizeof(CPUTLBEntry));
    env->tlb_global[m][idx / 64] &= ~bit;
    env->tlb_large[m][idx / 64] &= ~bit;
}

static void tlb_flush_page_entries(CPUX86State *env, uint64_t vaddr,
                                   bool keep_global)
{
    uint64_t page = vaddr & TARGET_PAGE_MASK;
    unsigned idx = tlb_index(vaddr);
    for (int m = 0; m < NB_MMU_MODES; m++) {
        CPUTLBEntry *e = &env->tlb[m][idx];
        if (keep_global && tlb_entry_is_global(env, m, idx)) {
            continue;
        }
        if ((e->addr_read & TARGET_PAGE_MASK) == page ||
            (e->addr_write & TARGET_PAGE_MASK) == page ||
            (e->addr_code & TARGET_PAGE_MASK) == page) {
            tlb_entry_drop(env, m, idx);
        }
    }
}

/* The page an entry maps, or TLB_INVALID. */
static uint64_t tlb_entry_page(const CPUTLBEntry *e)
{
    uint64_t a = !(e->addr_read & TLB_INVALID) ? e->addr_read
               : !(e->addr_code & TLB_INVALID) ? e->addr_code : e->addr_write;
    return (a & TLB_INVALID) ? TLB_INVALID : a & TARGET_PAGE_MASK;
}

/*
 * A large page is held as 4 KiB entries, one per 4 KiB page used: INVLPG
 * of any address in it must drop them all. Those in vaddr's 1 GiB go (a
 * superset of its 2 MiB or 1 GiB page). True if there were any.
 */
static bool tlb_flush_large_entries(CPUX86State *env, uint64_t vaddr,
                                    bool keep_global)
{
    bool any = false;

    for (int m = 0; m < NB_MMU_MODES; m++) {
        for (unsigned w = 0; w < CPU_TLB_SIZE / 64; w++) {
            uint64_t large = env->tlb_large[m][w];
            if (keep_global) {
                large &= ~env->tlb_global[m][w];
            }
            for (; large; large &= large - 1) {
                unsigned idx = w * 64 + (unsigned)__builtin_ctzll(large);
                uint64_t page = tlb_entry_page(&env->tlb[m][idx]);
                if (page != TLB_INVALID && !((page ^ vaddr) >> 30)) {
                    tlb_entry_drop(env, m, idx);
                    any = true;
                }
            }
        }
    }
    return any;
}

static void tlb_flush_page_common(CPUX86State *env, uint64_t vaddr,
                                  bool keep_global)
{
    tlb_flush_page_entries(env, vaddr, keep_global);
    if (env->tlb_has_large_pages &&
        tlb_flush_large_entries(env, vaddr, keep_global)) {
        tb_jmp_cache_clear(env);    /* blocks of any page of the large one */
    } else {
        tb_jmp_cache_clear_page(env, vaddr);
    }
}

void tlb_flush_page(CPUX86State *env, uint64_t vaddr)
{
    tlb_flush_page_common(env, vaddr, false);
}

void tlb_flush_page_nonglobal(CPUX86State *env, uint64_t vaddr)
{
    tlb_flush_page_common(env, vaddr, true);
}

void tlb_set_page(CPUX86State *env, uint64_t vaddr, uint64_t paddr, int prot,
                  int mmu_idx, bool large)
{
    uint64_t page = vaddr & TARGET_PAGE_MASK;
    uint64_t ppage = paddr & TARGET_PAGE_MASK;
    unsigned idx = tlb_index(vaddr);
    uint64_t gbit = 1ull << (idx % 64);
    CPUTLBEntry *e = &env->tlb[mmu_idx][idx];
    MemRegion *r = mem_find(env->as, ppage);
    uint64_t flags = 0;

    if (large) {
        env->tlb_has_large_pages = true;
        env->tlb_large[mmu_idx][idx / 64] |= gbit;
    } else {
        env->tlb_large[mmu_idx][idx / 64] &= ~gbit;
    }
    if (prot & PAGE_GLOBAL) {
        env->tlb_global[mmu_idx][idx / 64] |= gbit;
        env->tlb_has_global = true;
    } else {
        env->tlb_global[mmu_idx][idx / 64] &= ~gbit;
    }
    if (!r || r->kind == MEM_REGION_MMIO ||
        ppage + TARGET_PAGE_SIZE > r->base + r->size) {
        flags = TLB_MMIO;   /* dispatched by physical address */
        e->addend = 0;
    } else {
        e->addend = (uintptr_t)(r->host + (ppage - r->base)) - (uintptr_t)page;
    }
    e->addr_read = (prot & PAGE_READ) ? page | flags : TLB_INVALID;
    e->addr_code = (prot & PAGE_EXEC) ? page | flags : TLB_INVALID;
    if (!(prot & PAGE_WRITE)) {
        e->addr_write = TLB_INVALID;
    } else {
        uint64_t wflags = flags;
        if (r && r->kind == MEM_REGION_ROM) {
            wflags |= TLB_MMIO;   /* the write is dropped by the dispatcher */
        }
        if (env->tbc && tb_page_has_code(env->tbc, ppage)) {
            wflags |= TLB_NOTDIRTY;
        }
        e->addr_write = page | wflags;
    }
    env->tlb_paddr[mmu_idx][idx] = ppage;
}

static void tlb_set_notdirty(CPUX86State *env, uint64_t page, bool on)
{
    for (int m = 0; m < NB_MMU_MODES; m++) {
        for (unsigned i = 0; i < CPU_TLB_SIZE; i++) {
            CPUTLBEntry *e = &env->tlb[m][i];
            if (env->tlb_paddr[m][i] != page || (e->addr_write & TLB_INVALID)) {
                continue;
            }
            if (on) {
                e->addr_write |= TLB_NOTDIRTY;
            } else {
                e->addr_write &= ~TLB_NOTDIRTY;
            }
        }
    }
}

void tlb_protect_code_page(CPUX86State *env, uint64_t page)
{
    tlb_set_notdirty(env, page, true);
}

void tlb_unprotect_code_page(CPUX86State *env, uint64_t page)
{
    tlb_set_notdirty(env, page, false);
}

static uint64_t entry_tag(CPUTLBEntry *e, int access)
{
    switch (access) {
    case MMU_DATA_LOAD:
        return e->addr_read;
    case MMU_DATA_STORE:
        return e->addr_write;
    default:
        return e->addr_code;
    }
}

/* The entry for addr, filled by a page walk if it misses (may raise). */
static CPUTLBEntry *tlb_lookup(CPUX86State *env, uint64_t addr, int access,
                               int mmu_idx, bool stack, uintptr_t retaddr)
{
    CPUTLBEntry *e = &env->tlb[mmu_idx][tlb_index(addr)];
    uint64_t tag = entry_tag(e, access);
    if ((tag & (TARGET_PAGE_MASK | TLB_INVALID)) != (addr & TARGET_PAGE_MASK)) {
        x86_tlb_fill(env, addr, access, mmu_idx, stack, retaddr);
    }
    return e;
}

static uint64_t sign_extend(uint64_t v, MemOp mop)
{
    switch (mop & (MO_SIZE | MO_SIGN)) {
    case MO_SB:
        return (uint64_t)(int64_t)(int8_t)v;
    case MO_SW:
        return (uint64_t)(int64_t)(int16_t)v;
    case MO_SL:
        return (uint64_t)(int64_t)(int32_t)v;
    default:
        return v;
    }
}

uint64_t cpu_ld_mmu_flags(CPUX86State *env, uint64_t addr, int size,
                          int mmu_idx, unsigned mo_flags, uintptr_t retaddr)
{
    bool stack = mo_flags & MO_STACK;
    int access = (mo_flags & MO_WRITE_INTENT) ? MMU_DATA_STORE : MMU_DATA_LOAD;
    if ((addr & ~TARGET_PAGE_MASK) + (uint64_t)size > TARGET_PAGE_SIZE) {
        /* crosses a page: the whole access must be canonical, then both
         * pages accessible, the low one first */
        x86_check_canonical(env, addr + (uint64_t)size - 1, stack, retaddr);
        uint64_t v = 0;
        for (int i = 0; i < size; i++) {
            v |= cpu_ld_mmu_flags(env, addr + (uint64_t)i, 1, mmu_idx,
                                  mo_flags, retaddr) << (8 * i);
        }
        return v;
    }
    CPUTLBEntry *e = tlb_lookup(env, addr, access, mmu_idx, stack, retaddr);
    uint64_t tag = access == MMU_DATA_STORE ? e->addr_write : e->addr_read;
    if (tag & TLB_MMIO) {
        uint64_t pa = env->tlb_paddr[mmu_idx][tlb_index(addr)] |
                      (addr & ~TARGET_PAGE_MASK);
        bql_lock();
        uint64_t v = mem_read(env->as, pa, (unsigned)size);
        bql_unlock();
        return v;
    }
    uint64_t v = 0;
    memcpy(&v, (void *)(uintptr_t)(addr + e->addend), (size_t)size);
    return v;
}

uint64_t cpu_ld_mmu(CPUX86State *env, uint64_t addr, int size, int mmu_idx,
                    uintptr_t retaddr)
{
    return cpu_ld_mmu_flags(env, addr, size, mmu_idx, 0, retaddr);
}

void cpu_st_mmu_flags(CPUX86State *env, uint64_t addr, uint64_t val,
                      int size, int mmu_idx, unsigned mo_flags,
                      uintptr_t retaddr)
{
    bool stack = mo_flags & MO_STACK;
    if ((addr & ~TARGET_PAGE_MASK) + (uint64_t)size > TARGET_PAGE_SIZE) {
        /* canonical, then both pages writable before anything is written;
         * a fault on the second page reports its first byte in CR2 */
        uint64_t last = addr + (uint64_t)size - 1;
        x86_check_canonical(env, last, stack, retaddr);
        tlb_lookup(env, addr, MMU_DATA_STORE, mmu_idx, stack, retaddr);
        tlb_lookup(env, last & TARGET_PAGE_MASK, MMU_DATA_STORE, mmu_idx,
                   stack, retaddr);
        for (int i = 0; i < size; i++) {
            cpu_st_mmu_flags(env, addr + (uint64_t)i, (val >> (8 * i)) & 0xff,
                             1, mmu_idx, mo_flags, retaddr);
        }
        return;
    }
    CPUTLBEntry *e = tlb_lookup(env, addr, MMU_DATA_STORE, mmu_idx, stack,
                                retaddr);
    uint64_t pa = env->tlb_paddr[mmu_idx][tlb_index(addr)] |
                  (addr & ~TARGET_PAGE_MASK);
    if (e->addr_write & TLB_MMIO) {
        bql_lock();
        mem_write(env->as, pa, val, (unsigned)size);
        bql_unlock();
        return;
    }
    if (e->addr_write & TLB_NOTDIRTY) {
        tb_write_to_code_page(env, pa, (uint64_t)size, retaddr);
    }
    memcpy((void *)(uintptr_t)(addr + e->addend), &val, (size_t)size);
}

void cpu_st_mmu(CPUX86State *env, uint64_t addr, uint64_t val, int size,
                int mmu_idx, uintptr_t retaddr)
{
    cpu_st_mmu_flags(env, addr, val, size, mmu_idx, 0, retaddr);
}

uint64_t tcg_slow_ld(void *opaque, uint64_t addr, uint32_t memop_idx,
                     uintptr_t retaddr)
{
    CPUX86State *env = opaque;
    MemOp mop = (MemOp)(memop_idx & 0xff);
    uint64_t v = cpu_ld_mmu_flags(env, addr, 1 << (mop & MO_SIZE),
                                  (int)(memop_idx >> 8),
                                  mop & (MO_WRITE_INTENT | MO_STACK), retaddr);
    return sign_extend(v, mop);
}

void tcg_slow_st(void *opaque, uint64_t addr, uint64_t val, uint32_t memop_idx,
                 uintptr_t retaddr)
{
    CPUX86State *env = opaque;
    MemOp mop = (MemOp)(memop_idx & 0xff);
    cpu_st_mmu_flags(env, addr, val, 1 << (mop & MO_SIZE),
                     (int)(memop_idx >> 8), mop & MO_STACK, retaddr);
}

static int code_mmu_idx(CPUX86State *env)
{
    return (env->hflags & HF_CPL_MASK) == 3 ? MMU_USER_IDX : MMU_KSMAP_IDX;
}

bool tlb_code_is_global(CPUX86State *env, uint64_t addr)
{
    int mmu_idx = code_mmu_idx(env);
    unsigned idx = tlb_index(addr);

    return tlb_entry_is_global(env, mmu_idx, idx) &&
           (env->tlb[mmu_idx][idx].addr_code &
            (TARGET_PAGE_MASK | TLB_INVALID)) == (addr & TARGET_PAGE_MASK);
}

uint64_t get_page_addr_code(CPUX86State *env, uint64_t addr)
{
    int mmu_idx = code_mmu_idx(env);
    tlb_lookup(env, addr, MMU_INST_FETCH, mmu_idx, false, 0);
    return env->tlb_paddr[mmu_idx][tlb_index(addr)] | (addr & ~TARGET_PAGE_MASK);
}

uint64_t get_page_addr_code_nofill(CPUX86State *env, uint64_t addr)
{
    int mmu_idx = code_mmu_idx(env);
    CPUTLBEntry *e = &env->tlb[mmu_idx][tlb_index(addr)];
    if ((e->addr_code & (TARGET_PAGE_MASK | TLB_INVALID)) !=
        (addr & TARGET_PAGE_MASK)) {
        return (uint64_t)-1;
    }
    return env->tlb_paddr[mmu_idx][tlb_index(addr)] | (addr & ~TARGET_PAGE_MASK);
}

bool cpu_fetch_code_byte(CPUX86State *env, uint64_t addr, uint8_t *out,
                         bool nofault)
{
    int mmu_idx = code_mmu_idx(env);
    CPUTLBEntry *e = &env->tlb[mmu_idx][tlb_index(addr)];
    if ((e->addr_code & (TARGET_PAGE_MASK | TLB_INVALID)) !=
        (addr & TARGET_PAGE_MASK)) {
        if (nofault) {
            if (!x86_tlb_probe(env, addr, MMU_INST_FETCH, mmu_idx)) {
                return false;
            }
        } else {
            x86_tlb_fill(env, addr, MMU_INST_FETCH, mmu_idx, false, 0);
        }
    }
    uint64_t pa = env->tlb_paddr[mmu_idx][tlb_index(addr)] |
                  (addr & ~TARGET_PAGE_MASK);
    if (e->addr_code & TLB_MMIO) {
        /* executing from ROM or MMIO: read through the dispatcher */
        bql_lock();
        *out = (uint8_t)mem_read(env->as, pa, 1);
        bql_unlock();
    } else {
        *out = *(uint8_t *)(uintptr_t)(addr + e->addend);
    }
    return true;
}

/*
 * Host address for an atomic read-modify-write of guest RAM at addr (write
 * permission checked, faults raised), or NULL when the operand is MMIO,
 * ROM, on a page holding code, or crosses a page: those take the ordinary
 * non-atomic path.
 */
static void *tlb_host_ptr_rmw(CPUX86State *env, uint64_t addr, int size,
                              int mmu_idx, bool stack, uintptr_t ra)
{
    if ((addr & ~TARGET_PAGE_MASK) + (uint64_t)size > TARGET_PAGE_SIZE) {
        return NULL;
    }
    CPUTLBEntry *e = tlb_lookup(env, addr, MMU_DATA_STORE, mmu_idx, stack, ra);
    if (e->addr_write & (TLB_MMIO | TLB_NOTDIRTY)) {
        return NULL;
    }
    return (void *)(uintptr_t)(addr + e->addend);
}

/*
 * A LOCKed read-modify-write's store: compare-and-swap on the host, so
 * that it is atomic against device threads writing guest memory. The value
 * in memory must still be `expected` (what the instruction read); if not,
 * the instruction is rolled back and runs again. MMIO, ROM, pages holding
 * code and page-crossing operands take the ordinary (non-atomic) path.
 */
void helper_lock_cas(CPUX86State *env, uint64_t addr, uint64_t expected,
                     uint64_t val, uint32_t memop_idx)
{
    uintptr_t ra = GETPC();
    MemOp mop = (MemOp)(memop_idx & 0xff);
    int size = 1 << (mop & MO_SIZE);
    int mmu_idx = (int)(memop_idx >> 8);
    bool stack = mop & MO_STACK;
    bool ok;

    void *p = tlb_host_ptr_rmw(env, addr, size, mmu_idx, stack, ra);
    if (p) {
        {
            switch (size) {
            case 1: {
                uint8_t x = (uint8_t)expected;
                ok = __atomic_compare_exchange_n((uint8_t *)p, &x, (uint8_t)val,
                                                 false, __ATOMIC_SEQ_CST,
                                                 __ATOMIC_SEQ_CST);
                break;
            }
            case 2: {
                uint16_t x = (uint16_t)expected;
                ok = __atomic_compare_exchange_n((uint16_t *)p, &x,
                                                 (uint16_t)val, false,
                                                 __ATOMIC_SEQ_CST,
                                                 __ATOMIC_SEQ_CST);
                break;
            }
            case 4: {
                uint32_t x = (uint32_t)expected;
                ok = __atomic_compare_exchange_n((uint32_t *)p, &x,
                                                 (uint32_t)val, false,
                                                 __ATOMIC_SEQ_CST,
                                                 __ATOMIC_SEQ_CST);
                break;
            }
            default: {
                uint64_t x = expected;
                ok = __atomic_compare_exchange_n((uint64_t *)p, &x, val, false,
                                                 __ATOMIC_SEQ_CST,
                                                 __ATOMIC_SEQ_CST);
                break;
            }
            }
            goto done;
        }
    }
    {
        uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
        uint64_t cur = cpu_ld_mmu_flags(env, addr, size, mmu_idx,
                                        MO_WRITE_INTENT | (mop & MO_STACK), ra);
        ok = cur == (expected & mask);
        if (ok) {
            cpu_st_mmu_flags(env, addr, val, size, mmu_idx, mop & MO_STACK, ra);
        }
    }
done:
    if (!ok) {
        cpu_restore_state(env, ra);
        env->exception_index = -1;
        cpu_loop_exit(env);
    }
}

/*
 * LOCK CMPXCHG8B/16B in one host atomic operation (the translator has put
 * the flags in cc_src and checked CMPXCHG16B's alignment). q: 16 bytes.
 */
void helper_lock_cmpxchg8b16b(CPUX86State *env, uint64_t addr, uint32_t q,
                              uint32_t mmu_idx)
{
    uintptr_t ra = GETPC();
    int size = q ? 16 : 8;
    void *p = tlb_host_ptr_rmw(env, addr, size, (int)mmu_idx, false, ra);
    bool eq;

    if (!q) {
        uint64_t expected = (uint32_t)env->regs[R_EAX] |
                            (env->regs[R_EDX] << 32);
        uint64_t newv = (uint32_t)env->regs[R_EBX] | (env->regs[R_ECX] << 32);
        uint64_t cur;
        if (p) {
            cur = expected;
            eq = __atomic_compare_exchange_n((uint64_t *)p, &cur, newv, false,
                                             __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST);
        } else {
            cur = cpu_ld_mmu_flags(env, addr, 8, (int)mmu_idx,
                                   MO_WRITE_INTENT, ra);
            eq = cur == expected;
            cpu_st_mmu_flags(env, addr, eq ? newv : cur, 8, (int)mmu_idx, 0,
                             ra);
        }
        if (!eq) {
            env->regs[R_EAX] = (uint32_t)cur;
            env->regs[R_EDX] = cur >> 32;
        }
    } else {
        uint64_t lo = env->regs[R_EAX], hi = env->regs[R_EDX];
        if (p) {
            /* lock cmpxchg16b: RDX:RAX compared, RCX:RBX stored */
            __asm__ volatile("lock cmpxchg16b %[m]\n\tsete %[eq]"
                             : [m] "+m"(*(__int128 *)p), [eq] "=q"(eq),
                               "+a"(lo), "+d"(hi)
                             : "b"(env->regs[R_EBX]), "c"(env->regs[R_ECX])
                             : "memory", "cc");
        } else {
            uint64_t clo = cpu_ld_mmu_flags(env, addr, 8, (int)mmu_idx,
                                            MO_WRITE_INTENT, ra);
            uint64_t chi = cpu_ld_mmu_flags(env, addr + 8, 8, (int)mmu_idx,
                                            MO_WRITE_INTENT, ra);
            eq = clo == lo && chi == hi;
            cpu_st_mmu_flags(env, addr, eq ? env->regs[R_EBX] : clo, 8,
                             (int)mmu_idx, 0, ra);
            cpu_st_mmu_flags(env, addr + 8, eq ? env->regs[R_ECX] : chi, 8,
                             (int)mmu_idx, 0, ra);
            lo = clo;
            hi = chi;
        }
        if (!eq) {
            env->regs[R_EAX] = lo;
            env->regs[R_EDX] = hi;
        }
    }
    env->cc_src = (env->cc_src & ~(uint64_t)CC_Z) | (eq ? CC_Z : 0);
    env->cc_op = CC_OP_EFLAGS;
}
