/*
 * Raising exceptions and delivering exceptions and interrupts through the
 * IDT (SDM Vol. 3A ch. 6): real mode, protected mode and long mode gates,
 * the privilege-level stack switch, IST, and double/triple fault.
 */
#include <inttypes.h>

#include "softmmu/cputlb.h"
#include "softmmu/log.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"

_Noreturn void cpu_loop_exit(CPUX86State *env)
{
    siglongjmp(env->jmp_env, 1);
}

static bool excp_is_contributory(int vec)
{
    return vec == EXCP00_DIVZ || (vec >= EXCP0A_TSS && vec <= EXCP0D_GPF);
}

/* SDM Vol. 3A Table 6-5: which second exception becomes a double fault. */
static int check_exception(CPUX86State *env, int vec, int *err)
{
    int first = env->old_exception;
    if (first < 0) {
        return vec;
    }
    if (first == EXCP08_DBLE &&
        (excp_is_contributory(vec) || vec == EXCP0E_PAGE)) {
        log_mask_printf(LOG_INT, "triple fault\n");
        return EXCP_SHUTDOWN;
    }
    if ((excp_is_contributory(first) && excp_is_contributory(vec)) ||
        (first == EXCP0E_PAGE &&
         (excp_is_contributory(vec) || vec == EXCP0E_PAGE))) {
        *err = 0;
        return EXCP08_DBLE;
    }
    return vec;
}

_Noreturn void raise_exception_err_ra(CPUX86State *env, int vec, int err,
                                      uintptr_t ra)
{
    if (ra) {
        cpu_restore_state(env, ra);
    }
    /* EXT: a fault while delivering an exception or an external interrupt
     * (not INT n) says so in its error code (SDM Vol. 3A 6.13) */
    if (env->ext_delivery && vec >= EXCP0A_TSS && vec <= EXCP0D_GPF) {
        err |= 1;
    }
    vec = check_exception(env, vec, &err);
    env->exception_index = vec;
    env->error_code = err;
    env->exception_is_int = false;
    env->exception_next_rip = env->rip;
    cpu_loop_exit(env);
}

_Noreturn void raise_exception_err(CPUX86State *env, int vec, int err)
{
    raise_exception_err_ra(env, vec, err, 0);
}

_Noreturn void raise_exception(CPUX86State *env, int vec)
{
    raise_exception_err_ra(env, vec, 0, 0);
}

_Noreturn void raise_exception_ra(CPUX86State *env, int vec, uintptr_t ra)
{
    raise_exception_err_ra(env, vec, 0, ra);
}

/* From generated code, which stored nothing of the instruction yet. */
void helper_raise_exception(CPUX86State *env, uint32_t vec, uint64_t rip)
{
    env->rip = rip;
    raise_exception_err(env, (int)vec, 0);
}

void helper_raise_exception_err(CPUX86State *env, uint32_t vec, uint32_t err,
                                uint64_t rip)
{
    env->rip = rip;
    raise_exception_err(env, (int)vec, (int)err);
}

/* INT n, INT3, INTO: a software interrupt returns to next_rip. */
void helper_raise_interrupt(CPUX86State *env, uint32_t vec, uint64_t rip,
                            uint64_t next_rip)
{
    env->rip = rip;
    env->exception_index = (int)vec;
    env->error_code = 0;
    env->exception_is_int = true;
    env->exception_next_rip = next_rip;
    cpu_loop_exit(env);
}

void helper_hlt(CPUX86State *env, uint64_t next_rip)
{
    if ((env->hflags & HF_CPL_MASK) != 0) {
        helper_raise_exception_err(env, EXCP0D_GPF, 0, next_rip - 1);
    }
    env->rip = next_rip;
    env->halted = true;
    env->inhibit_irq = false;
    env->exception_index = EXCP_HLT;
    cpu_loop_exit(env);
}

void helper_log_unimp(CPUX86State *env, uint64_t rip, uint64_t insn_bytes)
{
    log_mask_printf(LOG_UNIMP,
                    "unimplemented instruction at %016" PRIx64
                    " (bytes %016" PRIx64 ", little-endian): #UD\n",
                    rip, insn_bytes);
}

/* Implicit supervisor accesses of delivery (IDT, TSS, new stack). */
static uint64_t sys_ld(CPUX86State *env, uint64_t addr, int size)
{
    return cpu_ld_mmu(env, addr, size, MMU_KNOSMAP_IDX, 0);
}

static void sys_st(CPUX86State *env, uint64_t addr, uint64_t val, int size)
{
    cpu_st_mmu(env, addr, val, size, MMU_KNOSMAP_IDX, 0);
}

static bool excp_has_error_code(int vec)
{
    switch (vec) {
    case EXCP08_DBLE: case EXCP0A_TSS: case EXCP0B_NOSEG: case EXCP0C_STACK:
    case EXCP0D_GPF: case EXCP0E_PAGE: case EXCP11_ALGN:
        return true;
    default:
        return false;
    }
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

static void do_interrupt_real(CPUX86State *env, int vec, uint64_t ret_ip)
{
    if ((uint32_t)vec * 4 + 3 > env->idt.limit) {
        raise_exception_err(env, EXCP0D_GPF, vec * 8 + 2);
    }
    uint64_t ent = env->idt.base + (uint64_t)vec * 4;
    uint16_t off = (uint16_t)sys_ld(env, ent, 2);
    uint16_t sel = (uint16_t)sys_ld(env, ent + 2, 2);
    uint64_t ss = env->segs[R_SS].base;
    uint16_t sp = (uint16_t)env->regs[R_ESP];
    sp -= 2;
    sys_st(env, ss + sp, cpu_compute_eflags(env), 2);
    sp -= 2;
    sys_st(env, ss + sp, env->segs[R_CS].selector, 2);
    sp -= 2;
    sys_st(env, ss + sp, ret_ip, 2);
    env->regs[R_ESP] = (env->regs[R_ESP] & ~0xffffull) | sp;
    x86_load_seg_cache(env, R_CS, sel, (uint64_t)sel << 4, 0xffff,
                       env->segs[R_CS].flags);
    env->rip = off;
    env->eflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
}

/* Loads the gate's code segment; returns its DPL. */
static int load_gate_cs(CPUX86State *env, uint16_t sel, bool want64,
                        uint32_t *lo, uint32_t *hi)
{
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    if ((sel & 0xfffc) == 0) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    if (!x86_load_descriptor(env, sel, lo, hi)) {
        raise_exception_err(env, EXCP0D_GPF, sel & 0xfffc);
    }
    int dpl = (int)((*hi >> DESC_DPL_SHIFT) & 3);
    if (!(*hi & DESC_S_MASK) || !(*hi & DESC_CS_MASK) || dpl > cpl ||
        (want64 && (!(*hi & DESC_L_MASK) || (*hi & DESC_B_MASK)))) {
        raise_exception_err(env, EXCP0D_GPF, sel & 0xfffc);
    }
    if (!(*hi & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NOSEG, sel & 0xfffc);
    }
    return (*hi & DESC_C_MASK) ? cpl : dpl;
}


/* RSPn or ISTn from the 64-bit TSS (SDM Vol. 3A 6.14.4, 6.14.5): past the
 * TSS limit is #TS(TSS selector), a non-canonical value #SS(0). */
static uint64_t tss_stack_pointer(CPUX86State *env, unsigned off)
{
    if (off + 7 > env->tr.limit) {
        raise_exception_err(env, EXCP0A_TSS, env->tr.selector & 0xfffc);
    }
    uint64_t rsp = sys_ld(env, env->tr.base + off, 8);
    if (!x86_is_canonical(rsp)) {
        raise_exception_err(env, EXCP0C_STACK, 0);
    }
    return rsp;
}

static void do_interrupt64(CPUX86State *env, int vec, bool is_int,
                           int error_code, bool has_error, uint64_t ret_ip)
{
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    if ((uint32_t)vec * 16 + 15 > env->idt.limit) {
        raise_exception_err(env, EXCP0D_GPF, vec * 8 + 2);
    }
    uint64_t ent = env->idt.base + (uint64_t)vec * 16;
    uint32_t e1 = (uint32_t)sys_ld(env, ent, 4);
    uint32_t e2 = (uint32_t)sys_ld(env, ent + 4, 4);
    uint32_t e3 = (uint32_t)sys_ld(env, ent + 8, 4);
    int type = (e2 >> 8) & 0x1f;
    int gate_dpl = (e2 >> DESC_DPL_SHIFT) & 3;
    if (type != 0xe && type != 0xf) {
        raise_exception_err(env, EXCP0D_GPF, vec * 8 + 2);
    }
    if (is_int && gate_dpl < cpl) {
        raise_exception_err(env, EXCP0D_GPF, vec * 8 + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NOSEG, vec * 8 + 2);
    }
    uint16_t sel = (uint16_t)(e1 >> 16);
    uint64_t offset = (e1 & 0xffffu) | (e2 & 0xffff0000u) | ((uint64_t)e3 << 32);
    int ist = e2 & 7;
    uint32_t lo, hi;
    int new_cpl = load_gate_cs(env, sel, true, &lo, &hi);

    uint64_t rsp;
    if (ist) {
        rsp = tss_stack_pointer(env, 0x24 + 8 * (ist - 1));
    } else if (new_cpl < cpl) {
        rsp = tss_stack_pointer(env, 4 + 8 * new_cpl);
    } else {
        rsp = env->regs[R_ESP];
    }
    rsp &= ~0xfull;
    uint64_t old_ss = env->segs[R_SS].selector;
    uint64_t old_rsp = env->regs[R_ESP];
    uint64_t rflags = cpu_compute_eflags(env);

    sys_st(env, rsp - 8, old_ss, 8);
    sys_st(env, rsp - 16, old_rsp, 8);
    sys_st(env, rsp - 24, rflags, 8);
    sys_st(env, rsp - 32, env->segs[R_CS].selector, 8);
    sys_st(env, rsp - 40, ret_ip, 8);
    rsp -= 40;
    if (has_error) {
        rsp -= 8;
        sys_st(env, rsp, (uint32_t)error_code, 8);
    }
    if (new_cpl < cpl) {
        /* SS becomes a null selector with RPL = new CPL (SDM 6.14.4) */
        x86_load_seg_cache(env, R_SS, (uint16_t)new_cpl, 0, 0,
                           (uint32_t)new_cpl << DESC_DPL_SHIFT);
    }
    env->regs[R_ESP] = rsp;
    x86_load_seg_cache(env, R_CS, (uint16_t)((sel & 0xfffc) | new_cpl),
                       desc_base(lo, hi), desc_limit(lo, hi), desc_flags(hi));
    env->rip = offset;
    env->eflags &= ~(uint64_t)(TF_MASK | NT_MASK | RF_MASK | VM_MASK);
    if (type == 0xe) {
        env->eflags &= ~(uint64_t)IF_MASK;
    }
    x86_update_hflags(env);
}

static void do_interrupt_prot(CPUX86State *env, int vec, bool is_int,
                              int error_code, bool has_error, uint64_t ret_ip)
{
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    if ((uint32_t)vec * 8 + 7 > env->idt.limit) {
        raise_exception_err(env, EXCP0D_GPF, vec * 8 + 2);
    }
    uint64_t ent = env->idt.base + (uint64_t)vec * 8;
    uint32_t e1 = (uint32_t)sys_ld(env, ent, 4);
    uint32_t e2 = (uint32_t)sys_ld(env, ent + 4, 4);
    int type = (e2 >> 8) & 0x1f;
    int gate_dpl = (e2 >> DESC_DPL_SHIFT) & 3;
    if (type != 0xe && type != 0xf && type != 0x6 && type != 0x7) {
        /* task gates are not supported */
        raise_exception_err(env, EXCP0D_GPF, vec * 8 + 2);
    }
    if (is_int && gate_dpl < cpl) {
        raise_exception_err(env, EXCP0D_GPF, vec * 8 + 2);
    }
    if (!(e2 & DESC_P_MASK)) {
        raise_exception_err(env, EXCP0B_NOSEG, vec * 8 + 2);
    }
    int shift = (type & 8) ? 1 : 0;   /* 32-bit gate: 4-byte pushes */
    int psize = 2 << shift;
    uint16_t sel = (uint16_t)(e1 >> 16);
    uint32_t offset = (e1 & 0xffffu) | (e2 & 0xffff0000u);
    uint32_t lo, hi;
    int new_cpl = load_gate_cs(env, sel, false, &lo, &hi);

    uint64_t ss_base, sp, sp_mask;
    uint16_t new_ss = 0;
    uint32_t ss_lo = 0, ss_hi = 0;
    if (new_cpl < cpl) {
        uint64_t tss = env->tr.base;
        sp = sys_ld(env, tss + 4 + 8 * (uint64_t)new_cpl, 4);
        new_ss = (uint16_t)sys_ld(env, tss + 8 + 8 * (uint64_t)new_cpl, 2);
        if (!x86_load_descriptor(env, new_ss, &ss_lo, &ss_hi)) {
            raise_exception_err(env, EXCP0A_TSS, new_ss & 0xfffc);
        }
        ss_base = desc_base(ss_lo, ss_hi);
        sp_mask = (ss_hi & DESC_B_MASK) ? 0xffffffffull : 0xffffull;
    } else {
        ss_base = env->segs[R_SS].base;
        sp = env->regs[R_ESP];
        sp_mask = (env->hflags & HF_SS32) ? 0xffffffffull : 0xffffull;
    }
#define PUSH(v)                                                               \
    do {                                                                      \
        sp -= (uint64_t)psize;                                                \
        sys_st(env, ss_base + (sp & sp_mask), (v), psize);                    \
    } while (0)
    if (new_cpl < cpl) {
        PUSH(env->segs[R_SS].selector);
        PUSH(env->regs[R_ESP]);
    }
    PUSH(cpu_compute_eflags(env));
    PUSH(env->segs[R_CS].selector);
    PUSH(ret_ip);
    if (has_error) {
        PUSH((uint32_t)error_code);
    }
#undef PUSH
    if (new_cpl < cpl) {
        x86_load_seg_cache(env, R_SS, (uint16_t)((new_ss & 0xfffc) | new_cpl),
                           ss_base, desc_limit(ss_lo, ss_hi),
                           desc_flags(ss_hi));
    }
    x86_set_sp(env, sp, sp_mask);
    x86_load_seg_cache(env, R_CS, (uint16_t)((sel & 0xfffc) | new_cpl),
                       desc_base(lo, hi), desc_limit(lo, hi), desc_flags(hi));
    env->rip = offset;
    env->eflags &= ~(uint64_t)(TF_MASK | NT_MASK | RF_MASK | VM_MASK);
    if ((type & 7) == 6) {
        env->eflags &= ~(uint64_t)IF_MASK;
    }
    x86_update_hflags(env);
}

static void do_interrupt_all(CPUX86State *env, int vec, bool is_int,
                             bool is_hw, int error_code, uint64_t next_rip)
{
    bool has_error = !is_int && !is_hw && excp_has_error_code(vec);
    uint64_t ret_ip = is_int ? next_rip : env->rip;

    if (log_enabled(LOG_INT)) {
        log_printf("%s v=%02x e=%04x cpl=%d rip=%016" PRIx64
                   " rsp=%016" PRIx64 " cr2=%016" PRIx64 "\n",
                   is_hw ? "irq" : is_int ? "int" : "exception", vec,
                   has_error ? error_code : 0,
                   (int)(env->hflags & HF_CPL_MASK), env->rip,
                   env->regs[R_ESP], env->cr[2]);
    }
    env->stat_exceptions[vec & 0xff]++;
    if (!is_int && !is_hw) {
        env->old_exception = vec;
    }
    env->ext_delivery = !is_int;
    if (env->hflags & HF_LMA) {
        do_interrupt64(env, vec, is_int, error_code, has_error, ret_ip);
    } else if (env->cr[0] & CR0_PE) {
        do_interrupt_prot(env, vec, is_int, error_code, has_error, ret_ip);
    } else {
        do_interrupt_real(env, vec, ret_ip);
    }
    env->old_exception = -1;
    env->ext_delivery = false;
}

void x86_do_interrupt(CPUX86State *env)
{
    do_interrupt_all(env, env->exception_index, env->exception_is_int, false,
                     env->error_code, env->exception_next_rip);
}

void x86_do_hw_interrupt(CPUX86State *env, int vec)
{
    do_interrupt_all(env, vec, false, true, 0, env->rip);
}
