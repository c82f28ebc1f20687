/*
 * The page walker: 32-bit, PAE and 4-level long-mode paging (SDM Vol. 3A
 * ch. 4), with accessed/dirty updates and the #PF error code.
 */
#include <string.h>

#include "softmmu/cputlb.h"
#include "target-x86/helper.h"

#define PG_PRESENT (1ull << 0)
#define PG_RW      (1ull << 1)
#define PG_USER    (1ull << 2)
#define PG_ACCESSED (1ull << 5)
#define PG_DIRTY   (1ull << 6)
#define PG_PSE     (1ull << 7)
#define PG_GLOBAL  (1ull << 8)
#define PG_NX      (1ull << 63)
#define PG_ADDR_MASK 0x000ffffffffff000ull

#define PF_ERR_P    (1u << 0)
#define PF_ERR_W    (1u << 1)
#define PF_ERR_U    (1u << 2)
#define PF_ERR_RSVD (1u << 3)
#define PF_ERR_I    (1u << 4)

/* Page-table entries are read and updated in guest RAM only; an entry
 * outside RAM reads as all ones (hence reserved bits set). */
static uint64_t pte_load(CPUX86State *env, uint64_t pa, int size)
{
    uint8_t *p = mem_host_ptr(env->as, pa, (uint64_t)size, false);
    uint64_t v = 0;
    if (!p) {
        return ~0ull;
    }
    memcpy(&v, p, (size_t)size);
    return v;
}

/* Sets A/D bits in an entry; returns the entry as it now is. */
static uint64_t pte_set_bits(CPUX86State *env, uint64_t pa, uint64_t old,
                             uint64_t bits, int size)
{
    if ((old & bits) == bits) {
        return old;
    }
    uint8_t *p = mem_host_ptr(env->as, pa, (uint64_t)size, true);
    if (p) {
        uint64_t v = old | bits;
        memcpy(p, &v, (size_t)size);
    }
    return old | bits;
}

typedef struct PageWalk {
    uint64_t paddr;
    int prot;
    bool large;
    uint32_t error_code;
} PageWalk;

static bool mmu_translate(CPUX86State *env, uint64_t addr, int access,
                          int mmu_idx, bool set_ad, PageWalk *w)
{
    bool is_user = mmu_idx == MMU_USER_IDX;
    bool is_write = access == MMU_DATA_STORE;
    bool nxe = (env->efer & EFER_NXE) != 0;
    uint64_t rsvd_nx = nxe ? 0 : PG_NX;
    uint32_t err = 0;
    uint64_t pte, pte_addr, page_size;
    uint64_t allow_user = PG_USER, allow_rw = PG_RW, nx = 0;
    int esize = 8;
    uint64_t pse36_base = UINT64_MAX;

    if (!(env->cr[0] & CR0_PG)) {
        w->paddr = (env->hflags & HF_LMA) ? addr : (addr & 0xffffffffull);
        w->prot = PAGE_READ | PAGE_WRITE | PAGE_EXEC;
        w->large = false;
        return true;
    }

    if (env->efer & EFER_LMA) {
        uint64_t table = env->cr[3] & PG_ADDR_MASK;
        int shift = 39;
        for (int level = 4;; level--, shift -= 9) {
            pte_addr = table + ((addr >> shift) & 511) * 8;
            pte = pte_load(env, pte_addr, 8);
            if (!(pte & PG_PRESENT)) {
                goto not_present;
            }
            /* bits above MAXPHYADDR (we advertise 40) and a disabled NX */
            if (pte & (rsvd_nx | 0x000fff0000000000ull)) {
                goto rsvd;
            }
            if (level == 4 && (pte & PG_PSE)) {
                goto rsvd;
            }
            allow_user &= pte;
            allow_rw &= pte;
            nx |= pte & PG_NX;
            if (set_ad) {
                pte = pte_set_bits(env, pte_addr, pte, PG_ACCESSED, 8);
            }
            if (level == 1 || ((level == 2 || level == 3) && (pte & PG_PSE))) {
                page_size = 1ull << shift;
                /* the frame's low bits above PAT (bit 12) are reserved */
                if (level > 1 && (pte & (page_size - 1) & ~0x1fffull)) {
                    goto rsvd;
                }
                break;
            }
            table = pte & PG_ADDR_MASK;
        }
    } else if (env->cr[4] & CR4_PAE) {
        uint64_t pdpte_addr = (env->cr[3] & 0xffffffe0ull) + ((addr >> 30) & 3) * 8;
        uint64_t pdpte = pte_load(env, pdpte_addr, 8);
        if (!(pdpte & PG_PRESENT)) {
            goto not_present;
        }
        uint64_t table = pdpte & PG_ADDR_MASK;
        int shift = 21;
        for (int level = 2;; level--, shift -= 9) {
            pte_addr = table + ((addr >> shift) & 511) * 8;
            pte = pte_load(env, pte_addr, 8);
            if (!(pte & PG_PRESENT)) {
                goto not_present;
            }
            if (pte & (rsvd_nx | 0x000fff0000000000ull)) {
                goto rsvd;
            }
            allow_user &= pte;
            allow_rw &= pte;
            nx |= pte & PG_NX;
            if (set_ad) {
                pte = pte_set_bits(env, pte_addr, pte, PG_ACCESSED, 8);
            }
            if (level == 1 || (pte & PG_PSE)) {
                page_size = 1ull << shift;
                break;
            }
            table = pte & PG_ADDR_MASK;
        }
    } else {
        uint64_t table = env->cr[3] & 0xfffff000ull;
        esize = 4;
        addr &= 0xffffffffull;
        pte_addr = table + ((addr >> 22) & 1023) * 4;
        pte = pte_load(env, pte_addr, 4);
        if (!(pte & PG_PRESENT)) {
            goto not_present;
        }
        allow_user &= pte;
        allow_rw &= pte;
        if (set_ad) {
            pte = pte_set_bits(env, pte_addr, pte, PG_ACCESSED, 4);
        }
        if ((pte & PG_PSE) && (env->cr[4] & CR4_PSE)) {
            /* 4 MiB page: bits 20:13 hold physical address bits 39:32 */
            page_size = 1ull << 22;
            pse36_base = (pte & 0xffc00000ull) | ((pte & 0x1fe000ull) << 19);
        } else {
            table = pte & 0xfffff000ull;
            pte_addr = table + ((addr >> 12) & 1023) * 4;
            pte = pte_load(env, pte_addr, 4);
            if (!(pte & PG_PRESENT)) {
                goto not_present;
            }
            allow_user &= pte;
            allow_rw &= pte;
            if (set_ad) {
                pte = pte_set_bits(env, pte_addr, pte, PG_ACCESSED, 4);
            }
            page_size = 1ull << 12;
        }
    }

    /* permissions, SDM Vol. 3A 4.6 */
    bool wp = (env->cr[0] & CR0_WP) != 0;
    int prot = PAGE_READ;
    if (is_user) {
        if (!allow_user) {
            goto protection;
        }
        if (allow_rw) {
            prot |= PAGE_WRITE;
        }
        if (!nx) {
            prot |= PAGE_EXEC;
        }
    } else {
        if (allow_rw || !wp) {
            prot |= PAGE_WRITE;
        }
        if (!nx && !(allow_user && (env->cr[4] & CR4_SMEP))) {
            prot |= PAGE_EXEC;
        }
        if (allow_user && (env->cr[4] & CR4_SMAP) && mmu_idx == MMU_KSMAP_IDX) {
            prot &= ~(PAGE_READ | PAGE_WRITE);
        }
    }
    if ((access == MMU_DATA_LOAD && !(prot & PAGE_READ)) ||
        (is_write && !(prot & PAGE_WRITE)) ||
        (access == MMU_INST_FETCH && !(prot & PAGE_EXEC))) {
        goto protection;
    }
    /* The dirty bit must be set by the first write: until then, writes
     * take the TLB miss path. */
    if (is_write) {
        if (set_ad) {
            pte_set_bits(env, pte_addr, pte, PG_DIRTY, esize);
        }
    } else if (!(pte & PG_DIRTY)) {
        prot &= ~PAGE_WRITE;
    }
    uint64_t pbase = pse36_base != UINT64_MAX
                         ? pse36_base
                         : (pte & PG_ADDR_MASK) & ~(page_size - 1);
    w->paddr = pbase | (addr & (page_size - 1));
    /* the G flag counts in the leaf entry only, and only under CR4.PGE
     * (SDM Vol. 3A 4.10.2.4) */
    if ((env->cr[4] & CR4_PGE) && (pte & PG_GLOBAL)) {
        prot |= PAGE_GLOBAL;
    }
    w->prot = prot;
    w->large = page_size > TARGET_PAGE_SIZE;
    return true;

rsvd:
    err |= PF_ERR_RSVD;
protection:
    err |= PF_ERR_P;
not_present:
    if (is_write) {
        err |= PF_ERR_W;
    }
    if (is_user) {
        err |= PF_ERR_U;
    }
    if (access == MMU_INST_FETCH &&
        (nxe || (env->cr[4] & CR4_SMEP))) {
        err |= PF_ERR_I;
    }
    w->error_code = err;
    return false;
}

static bool addr_canonical(CPUX86State *env, uint64_t addr)
{
    if (!(env->hflags & HF_LMA)) {
        return true;
    }
    return x86_is_canonical(addr);
}

void x86_check_canonical(CPUX86State *env, uint64_t addr, bool stack,
                         uintptr_t retaddr)
{
    if (!addr_canonical(env, addr)) {
        raise_exception_err_ra(env, stack ? EXCP0C_STACK : EXCP0D_GPF, 0,
                               retaddr);
    }
}

void x86_tlb_fill(CPUX86State *env, uint64_t addr, int access, int mmu_idx,
                  bool stack, uintptr_t retaddr)
{
    PageWalk w;
    x86_check_canonical(env, addr, stack, retaddr);
    if (!mmu_translate(env, addr, access, mmu_idx, true, &w)) {
        env->cr[2] = addr;
        raise_exception_err_ra(env, EXCP0E_PAGE, (int)w.error_code, retaddr);
    }
    tlb_set_page(env, addr, w.paddr, w.prot, mmu_idx, w.large);
}

bool x86_tlb_probe(CPUX86State *env, uint64_t addr, int access, int mmu_idx)
{
    PageWalk w;
    if (!addr_canonical(env, addr) ||
        !mmu_translate(env, addr, access, mmu_idx, false, &w)) {
        return false;
    }
    tlb_set_page(env, addr, w.paddr, w.prot & ~PAGE_WRITE, mmu_idx, w.large);
    return true;
}

void helper_invlpg(CPUX86State *env, uint64_t addr)
{
    tlb_flush_page(env, addr);
}

/*
 * INVPCID (SDM Vol. 2A; Vol. 3A 4.10.4.1). bt86's TLB is not tagged by
 * PCID: every MOV to CR3 that changes CR3 drops the non-global entries
 * (sys_helper.c), so those it holds are all for the current PCID, and
 * global ones are for every PCID. Each type drops the fewest entries that
 * cover what it must invalidate. The translator has checked CPL 0 and
 * type <= 3 and read the descriptor: PCID in bits 11:0, bits 63:12
 * reserved, the linear address in bits 127:64.
 */
void helper_invpcid(CPUX86State *env, uint64_t type, uint64_t desc_lo,
                    uint64_t desc_hi)
{
    uint64_t pcid = desc_lo & CR3_PCID_MASK;
    bool pcide = (env->cr[4] & CR4_PCIDE) != 0;
    uint64_t current = pcide ? env->cr[3] & CR3_PCID_MASK : 0;

    if (desc_lo & ~(uint64_t)CR3_PCID_MASK) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    if (type <= 1 && pcid != 0 && !pcide) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    switch (type) {
    case 0:     /* individual address, except global translations */
        if (!x86_is_canonical(desc_hi)) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        if (pcid == current) {
            tlb_flush_page_nonglobal(env, desc_hi);
        }
        break;
    case 1:     /* single context, except global translations */
        if (pcid == current) {
            tlb_flush_nonglobal(env);
        }
        break;
    case 2:     /* all contexts, global translations included */
        tlb_flush(env);
        break;
    default:    /* 3: all contexts, except global translations */
        tlb_flush_nonglobal(env);
        break;
    }
}
