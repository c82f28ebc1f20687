/*
 * Segmentation: descriptor tables, segment register loads with their checks
 * (SDM Vol. 3A ch. 3 and 5), far jumps and returns, IRET, LGDT/LIDT, LTR/LLDT.
 * The translator stores RIP before calling these, so faults need no unwind.
 */
#include "softmmu/cputlb.h"
#include "tcg/tcg.h"   /* MO_STACK */
#include "target-x86/helper.h"

static uint64_t sys_ld(CPUX86State *env, uint64_t addr, int size)
{
    return cpu_ld_mmu(env, addr, size, MMU_KNOSMAP_IDX, 0);
}

static void sys_st(CPUX86State *env, uint64_t addr, uint64_t val, int size)
{
    cpu_st_mmu(env, addr, val, size, MMU_KNOSMAP_IDX, 0);
}

static int cur_mmu_idx(CPUX86State *env)
{
    if ((env->hflags & HF_CPL_MASK) == 3) {
        return MMU_USER_IDX;
    }
    return (env->hflags & HF_SMAP) ? MMU_KSMAP_IDX : MMU_KNOSMAP_IDX;
}

static uint32_t desc_flags(uint32_t hi)
{
    return hi & 0x00f0ff00u;
}

static uint64_t desc_base(uint32_t lo, uint32_t hi)
{
    return (lo >> 16) | ((hi & 0xffu) << 16) | (hi & 0xff000000u);
}

static uint32_t desc_limit(uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffffu) | (hi & 0x000f0000u);
    return (hi & DESC_G_MASK) ? (limit << 12) | 0xfffu : limit;
}

static uint64_t desc_addr(CPUX86State *env, uint16_t selector)
{
    const DescriptorTable *dt = (selector & 4)
        ? &(DescriptorTable){ env->ldt.base, env->ldt.limit } : &env->gdt;
    return dt->base + (selector & ~7u);
}

bool x86_load_descriptor(CPUX86State *env, uint16_t selector, uint32_t *lo,
                         uint32_t *hi)
{
    uint32_t limit = (selector & 4) ? env->ldt.limit : env->gdt.limit;
    if ((uint32_t)(selector | 7) > limit) {
        return false;
    }
    uint64_t a = desc_addr(env, selector);
    *lo = (uint32_t)sys_ld(env, a, 4);
    *hi = (uint32_t)sys_ld(env, a + 4, 4);
    return true;
}

static void set_accessed(CPUX86State *env, uint16_t selector, uint32_t *hi)
{
    if (!(*hi & DESC_A_MASK)) {
        *hi |= DESC_A_MASK;
        sys_st(env, desc_addr(env, selector) + 4, *hi, 4);
    }
}

static void load_seg_from_desc(CPUX86State *env, int seg, uint16_t selector,
                               uint32_t lo, uint32_t hi)
{
    x86_load_seg_cache(env, seg, selector, desc_base(lo, hi),
                       desc_limit(lo, hi), desc_flags(hi));
}

static bool in_real_or_vm86(CPUX86State *env)
{
    return !(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK);
}

void helper_load_seg(CPUX86State *env, uint32_t seg, uint32_t selector_in)
{
    uint16_t selector = (uint16_t)selector_in;
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    int rpl = selector & 3;
    uint32_t lo, hi;

    if (in_real_or_vm86(env)) {
        x86_load_seg_cache(env, (int)seg, selector, (uint64_t)selector << 4,
                           0xffff, DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                           DESC_A_MASK | ((in_real_or_vm86(env) &&
                                           (env->eflags & VM_MASK)) ? 3u << DESC_DPL_SHIFT : 0));
        return;
    }
    if ((selector & 0xfffc) == 0) {
        /* a null SS is allowed only in 64-bit mode below ring 3 */
        if (seg == R_SS && (!(env->hflags & HF_CS64) || cpl == 3 ||
                            rpl != cpl)) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        x86_load_seg_cache(env, (int)seg, selector, 0, 0,
                           seg == R_SS ? (uint32_t)cpl << DESC_DPL_SHIFT : 0);
        return;
    }
    if (!x86_load_descriptor(env, selector, &lo, &hi)) {
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    int dpl = (hi >> DESC_DPL_SHIFT) & 3;
    if (!(hi & DESC_S_MASK)) {
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    if (seg == R_SS) {
        if (rpl != cpl || dpl != cpl || (hi & DESC_CS_MASK) ||
            !(hi & DESC_W_MASK)) {
            raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
        }
        if (!(hi & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0C_STACK, selector & 0xfffc);
        }
    } else {
        if ((hi & DESC_CS_MASK) && !(hi & DESC_R_MASK)) {
            raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
        }
        if ((!(hi & DESC_CS_MASK) || !(hi & DESC_C_MASK)) &&
            (dpl < cpl || dpl < rpl)) {
            raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
        }
        if (!(hi & DESC_P_MASK)) {
            raise_exception_err(env, EXCP0B_NOSEG, selector & 0xfffc);
        }
    }
    set_accessed(env, selector, &hi);
    load_seg_from_desc(env, (int)seg, selector, lo, hi);
}

/* Checks a code segment for a far transfer at the same privilege. */
static void check_code_seg(CPUX86State *env, uint16_t selector, uint32_t *lo,
                           uint32_t *hi)
{
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    if ((selector & 0xfffc) == 0) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    if (!x86_load_descriptor(env, selector, lo, hi)) {
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    int dpl = (*hi >> DESC_DPL_SHIFT) & 3;
    if (!(*hi & DESC_S_MASK) || !(*hi & DESC_CS_MASK)) {
        /* call gates, task gates and TSS targets are not supported */
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    if (*hi & DESC_C_MASK) {
        if (dpl > cpl) {
            raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
        }
    } else if ((selector & 3) > cpl || dpl != cpl) {
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NOSEG, selector & 0xfffc);
    }
}

void helper_ljmp(CPUX86State *env, uint32_t selector_in, uint64_t offset,
                 uint64_t next_rip)
{
    uint16_t selector = (uint16_t)selector_in;
    uint32_t lo, hi;
    if (in_real_or_vm86(env)) {
        x86_load_seg_cache(env, R_CS, selector, (uint64_t)selector << 4,
                           0xffff, env->segs[R_CS].flags);
        env->rip = offset & 0xffff;
        return;
    }
    check_code_seg(env, selector, &lo, &hi);
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    set_accessed(env, selector, &hi);
    load_seg_from_desc(env, R_CS, (uint16_t)((selector & 0xfffc) | cpl), lo,
                       hi);
    env->rip = (env->hflags & HF_CS64) ? offset : (offset & 0xffffffffull);
}

static unsigned opsize_bytes(uint32_t dflag)
{
    return 2u << dflag;   /* dflag: 0 = 16, 1 = 32, 2 = 64 bit */
}

/* Far CALL: push CS and the return address, then jump (same privilege). */
void helper_lcall(CPUX86State *env, uint32_t selector_in, uint64_t offset,
                  uint32_t dflag, uint64_t next_rip)
{
    uint16_t selector = (uint16_t)selector_in;
    unsigned n = opsize_bytes(dflag);
    bool long64 = (env->hflags & HF_CS64) != 0;
    uint64_t ss_base = long64 ? 0 : env->segs[R_SS].base;
    uint64_t sp_mask = long64 ? ~0ull
                       : (env->hflags & HF_SS32) ? 0xffffffffull : 0xffffull;
    uint64_t sp = env->regs[R_ESP];
    int mmu = cur_mmu_idx(env);
    uint32_t lo = 0, hi = 0;

    if (!in_real_or_vm86(env)) {
        check_code_seg(env, selector, &lo, &hi);
    }
    /* both pushes before any register changes */
    cpu_st_mmu_flags(env, ss_base + ((sp - n) & sp_mask),
                     env->segs[R_CS].selector, (int)n, mmu, MO_STACK, 0);
    cpu_st_mmu_flags(env, ss_base + ((sp - 2 * n) & sp_mask), next_rip,
                     (int)n, mmu, MO_STACK, 0);
    sp -= 2 * n;
    x86_set_sp(env, sp, sp_mask);
    if (in_real_or_vm86(env)) {
        x86_load_seg_cache(env, R_CS, selector, (uint64_t)selector << 4,
                           0xffff, env->segs[R_CS].flags);
        env->rip = offset & 0xffff;
        return;
    }
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    set_accessed(env, selector, &hi);
    load_seg_from_desc(env, R_CS, (uint16_t)((selector & 0xfffc) | cpl), lo,
                       hi);
    env->rip = (env->hflags & HF_CS64) ? offset
               : (env->hflags & HF_CS32) ? (offset & 0xffffffffull)
                                         : (offset & 0xffff);
}

/* Far return: same privilege, or to an outer level (pops SS:RSP too). */
void helper_lret(CPUX86State *env, uint32_t dflag, uint32_t addend)
{
    unsigned n = opsize_bytes(dflag);
    uint64_t ss_base = (env->hflags & HF_CS64) ? 0 : env->segs[R_SS].base;
    uint64_t sp_mask = (env->hflags & HF_CS64) ? ~0ull
                       : (env->hflags & HF_SS32) ? 0xffffffffull : 0xffffull;
    uint64_t sp = env->regs[R_ESP];
    int mmu = cur_mmu_idx(env);
    uint64_t new_ip = cpu_ld_mmu(env, ss_base + (sp & sp_mask), (int)n, mmu, 0);
    uint16_t sel = (uint16_t)cpu_ld_mmu(env, ss_base + ((sp + n) & sp_mask),
                                        2, mmu, 0);
    sp += 2 * n;
    if (in_real_or_vm86(env)) {
        x86_load_seg_cache(env, R_CS, sel, (uint64_t)sel << 4, 0xffff,
                           env->segs[R_CS].flags);
        env->rip = new_ip & 0xffff;
        sp += addend;
        x86_set_sp(env, sp, sp_mask);
        return;
    }
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    int rpl = sel & 3;
    uint32_t lo, hi;
    if (rpl < cpl || (sel & 0xfffc) == 0 ||
        !x86_load_descriptor(env, sel, &lo, &hi) ||
        !(hi & DESC_S_MASK) || !(hi & DESC_CS_MASK)) {
        raise_exception_err(env, EXCP0D_GPF, sel & 0xfffc);
    }
    /* non-conforming: DPL = RPL; conforming: DPL <= RPL (SDM RET) */
    int dpl = (hi >> DESC_DPL_SHIFT) & 3;
    if ((hi & DESC_C_MASK) ? dpl > rpl : dpl != rpl) {
        raise_exception_err(env, EXCP0D_GPF, sel & 0xfffc);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NOSEG, sel & 0xfffc);
    }
    sp += addend;
    if (rpl == cpl) {
        load_seg_from_desc(env, R_CS, sel, lo, hi);
        x86_set_sp(env, sp, sp_mask);
    } else {
        uint64_t new_sp = cpu_ld_mmu(env, ss_base + (sp & sp_mask), (int)n,
                                     mmu, 0);
        uint16_t new_ss = (uint16_t)cpu_ld_mmu(
            env, ss_base + ((sp + n) & sp_mask), 2, mmu, 0);
        load_seg_from_desc(env, R_CS, sel, lo, hi);
        helper_load_seg(env, R_SS, new_ss);
        env->regs[R_ESP] = new_sp + addend;
    }
    env->rip = new_ip;
    x86_update_hflags(env);
}

/* After a return to an outer level, data segments the new CPL may not use
 * become null (SDM Vol. 2A IRET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). */
static void validate_data_segs(CPUX86State *env)
{
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    for (int i = 0; i < 4; i++) {
        SegmentCache *sc = &env->segs[segs[i]];
        int dpl = (sc->flags >> DESC_DPL_SHIFT) & 3;
        bool conforming_code = (sc->flags & DESC_CS_MASK) &&
                               (sc->flags & DESC_C_MASK);
        if ((sc->selector & 0xfffc) && !conforming_code && dpl < cpl) {
            x86_load_seg_cache(env, segs[i], 0, 0, 0, 0);
        }
    }
}

void helper_iret(CPUX86State *env, uint32_t dflag, uint64_t next_rip)
{
    unsigned n = opsize_bytes(dflag);
    bool long64 = (env->hflags & HF_CS64) != 0;
    uint64_t ss_base = long64 ? 0 : env->segs[R_SS].base;
    uint64_t sp_mask = long64 ? ~0ull
                       : (env->hflags & HF_SS32) ? 0xffffffffull : 0xffffull;
    uint64_t sp = env->regs[R_ESP];
    int mmu = cur_mmu_idx(env);
    int cpl = (int)(env->hflags & HF_CPL_MASK);

    /* IRET ends NMI blocking, even when it faults (SDM Vol. 3A 6.7.1) */
    env->nmi_blocked = false;

    uint64_t new_ip = cpu_ld_mmu(env, ss_base + (sp & sp_mask), (int)n, mmu, 0);
    uint16_t sel = (uint16_t)cpu_ld_mmu(env, ss_base + ((sp + n) & sp_mask), 2,
                                        mmu, 0);
    uint64_t new_flags = cpu_ld_mmu(env, ss_base + ((sp + 2 * n) & sp_mask),
                                    (int)n, mmu, 0);
    sp += 3 * n;

    uint64_t mask = CC_ALL | TF_MASK | DF_MASK | NT_MASK | RF_MASK | AC_MASK |
                    ID_MASK;
    if (in_real_or_vm86(env)) {
        if (env->eflags & VM_MASK) {
            raise_exception_err(env, EXCP0D_GPF, 0);  /* no VME support */
        }
        x86_load_seg_cache(env, R_CS, sel, (uint64_t)sel << 4, 0xffff,
                           env->segs[R_CS].flags);
        env->rip = new_ip;
        x86_set_sp(env, sp, sp_mask);
        mask |= IF_MASK | IOPL_MASK;
        if (dflag == 0) {
            mask &= 0xffff;
        }
        cpu_load_eflags(env, new_flags, mask);
        x86_update_hflags(env);
        return;
    }
    if (env->eflags & NT_MASK) {
        raise_exception_err(env, EXCP0D_GPF, 0);   /* task return */
    }
    int rpl = sel & 3;
    uint32_t lo, hi;
    if (rpl < cpl || (sel & 0xfffc) == 0 ||
        !x86_load_descriptor(env, sel, &lo, &hi) ||
        !(hi & DESC_S_MASK) || !(hi & DESC_CS_MASK)) {
        raise_exception_err(env, EXCP0D_GPF, sel & 0xfffc);
    }
    int dpl = (hi >> DESC_DPL_SHIFT) & 3;
    if ((hi & DESC_C_MASK) ? dpl > rpl : dpl != rpl) {
        raise_exception_err(env, EXCP0D_GPF, sel & 0xfffc);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NOSEG, sel & 0xfffc);
    }
    if (cpl == 0) {
        mask |= IOPL_MASK;
    }
    if (cpl <= (int)((env->eflags & IOPL_MASK) >> 12)) {
        mask |= IF_MASK;
    }
    if (dflag == 0) {
        mask &= 0xffff;
    }
    if (long64 || rpl != cpl) {
        uint64_t new_sp = cpu_ld_mmu(env, ss_base + (sp & sp_mask), (int)n,
                                     mmu, 0);
        uint16_t new_ss = (uint16_t)cpu_ld_mmu(
            env, ss_base + ((sp + n) & sp_mask), 2, mmu, 0);
        load_seg_from_desc(env, R_CS, sel, lo, hi);
        x86_update_hflags(env);   /* new CPL for the SS checks */
        helper_load_seg(env, R_SS, new_ss);
        env->regs[R_ESP] = new_sp;
        if (!long64 || !(hi & DESC_L_MASK)) {
            env->regs[R_ESP] &= (env->segs[R_SS].flags & DESC_B_MASK)
                                    ? 0xffffffffull : ~0ull;
        }
    } else {
        load_seg_from_desc(env, R_CS, sel, lo, hi);
        x86_set_sp(env, sp, sp_mask);
    }
    env->rip = new_ip;
    cpu_load_eflags(env, new_flags, mask);
    x86_update_hflags(env);
    if (rpl > cpl) {
        validate_data_segs(env);
    }
    env->inhibit_irq = false;
    (void)next_rip;
}

/* LGDT/LIDT: 16-bit limit then base (24/32 bits outside 64-bit mode). */
void helper_lgdt(CPUX86State *env, uint64_t addr, uint32_t dflag, uint32_t idt)
{
    if (env->hflags & HF_CPL_MASK) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    int mmu = cur_mmu_idx(env);
    uint32_t limit = (uint32_t)cpu_ld_mmu(env, addr, 2, mmu, 0);
    uint64_t base;
    if (env->hflags & HF_CS64) {
        base = cpu_ld_mmu(env, addr + 2, 8, mmu, 0);
    } else {
        base = cpu_ld_mmu(env, addr + 2, 4, mmu, 0);
        if (dflag == 0) {
            base &= 0xffffff;
        }
    }
    DescriptorTable *dt = idt ? &env->idt : &env->gdt;
    dt->base = base;
    dt->limit = limit;
}

void helper_sgdt(CPUX86State *env, uint64_t addr, uint32_t idt)
{
    int mmu = cur_mmu_idx(env);
    DescriptorTable *dt = idt ? &env->idt : &env->gdt;
    cpu_st_mmu(env, addr, dt->limit, 2, mmu, 0);
    cpu_st_mmu(env, addr + 2, dt->base, (env->hflags & HF_CS64) ? 8 : 4, mmu,
               0);
}

static void load_system_seg(CPUX86State *env, uint16_t selector,
                            SegmentCache *sc, int want_type, bool busy)
{
    if (env->hflags & HF_CPL_MASK) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    if ((selector & 0xfffc) == 0) {
        if (want_type == 2) {     /* a null LDT selector is valid */
            sc->selector = selector;
            sc->base = 0;
            sc->limit = 0;
            sc->flags = 0;
            return;
        }
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    if (selector & 4) {
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    uint32_t entry = (env->hflags & HF_LMA) ? 15 : 7;
    if ((uint32_t)(selector & ~7u) + entry > env->gdt.limit) {
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    uint64_t a = env->gdt.base + (selector & ~7u);
    uint32_t lo = (uint32_t)sys_ld(env, a, 4);
    uint32_t hi = (uint32_t)sys_ld(env, a + 4, 4);
    int type = (hi >> 8) & 0xf;
    bool ok = want_type == 2 ? type == 2 : (type == 9 || type == 1);
    if ((hi & DESC_S_MASK) || !ok) {
        raise_exception_err(env, EXCP0D_GPF, selector & 0xfffc);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NOSEG, selector & 0xfffc);
    }
    uint64_t base = desc_base(lo, hi);
    if (env->hflags & HF_LMA) {
        base |= sys_ld(env, a + 8, 4) << 32;
    }
    if (busy) {
        hi |= 2u << 8;   /* the TSS becomes busy */
        sys_st(env, a + 4, hi, 4);
    }
    sc->selector = selector;
    sc->base = base;
    sc->limit = desc_limit(lo, hi);
    sc->flags = desc_flags(hi);
}

void helper_ltr(CPUX86State *env, uint32_t selector)
{
    load_system_seg(env, (uint16_t)selector, &env->tr, 9, true);
}

void helper_lldt(CPUX86State *env, uint32_t selector)
{
    load_system_seg(env, (uint16_t)selector, &env->ldt, 2, false);
}

/*
 * A data access through a segment outside 64-bit mode (SDM Vol. 3A 5.3,
 * 5.4): the segment must be usable (not null, present), readable or
 * writable as needed, and [off, off + size) inside its limit; expand-down
 * data segments hold the offsets above the limit. #GP(0), or #SS(0) for SS.
 * info: segment | size << 4 | write << 12.
 */
/* #AC(0) for a misaligned access while alignment checking is on (the
 * translator calls this only then, with RIP at the instruction) */
void helper_check_align(CPUX86State *env, uint64_t addr, uint64_t mask)
{
    if (addr & mask) {
        raise_exception_err(env, EXCP11_ALGN, 0);
    }
}

void helper_check_seg(CPUX86State *env, uint32_t info, uint64_t off)
{
    int seg = info & 7;
    uint32_t size = (info >> 4) & 0xff;
    bool write = (info >> 12) & 1;
    const SegmentCache *sc = &env->segs[seg];
    int vec = seg == R_SS ? EXCP0C_STACK : EXCP0D_GPF;
    uint64_t last = off + size - 1;

    if (in_real_or_vm86(env)) {
        if (last > sc->limit) {
            raise_exception_err(env, vec, 0);
        }
        return;
    }
    if (!(sc->flags & DESC_P_MASK) || !(sc->flags & DESC_S_MASK)) {
        raise_exception_err(env, vec, 0);       /* null or unusable */
    }
    if (sc->flags & DESC_CS_MASK) {
        if (write || !(sc->flags & DESC_R_MASK)) {
            raise_exception_err(env, vec, 0);
        }
    } else if (write && !(sc->flags & DESC_W_MASK)) {
        raise_exception_err(env, vec, 0);
    }
    bool expand_down = !(sc->flags & DESC_CS_MASK) && (sc->flags & DESC_C_MASK);
    if (expand_down) {
        uint64_t top = (sc->flags & DESC_B_MASK) ? 0xffffffffull : 0xffffull;
        if (off <= sc->limit || last > top) {
            raise_exception_err(env, vec, 0);
        }
    } else if (last > sc->limit) {
        raise_exception_err(env, vec, 0);
    }
}
