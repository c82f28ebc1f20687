/*
 * Functions of the x86 front end: called from generated code (helper_*) or
 * from the softmmu. Those that raise a guest exception do not return.
 */
#ifndef TARGET_X86_HELPER_H
#define TARGET_X86_HELPER_H

#include <stdbool.h>
#include <stdint.h>

#include "target-x86/cpu.h"

#define GETPC() ((uintptr_t)__builtin_return_address(0))

/* A 16-bit stack keeps RSP's upper bits; a 32-bit one zero-extends, as a
 * 32-bit register write does (and as the host does in compatibility mode). */
static inline void x86_set_sp(CPUX86State *env, uint64_t sp, uint64_t sp_mask)
{
    if (sp_mask == 0xffff) {
        env->regs[R_ESP] = (env->regs[R_ESP] & ~sp_mask) | (sp & sp_mask);
    } else {
        env->regs[R_ESP] = sp & sp_mask;
    }
}

/* excp_helper.c */
_Noreturn void raise_exception(CPUX86State *env, int vec);
_Noreturn void raise_exception_err(CPUX86State *env, int vec, int err);
_Noreturn void raise_exception_ra(CPUX86State *env, int vec, uintptr_t ra);
_Noreturn void raise_exception_err_ra(CPUX86State *env, int vec, int err,
                                      uintptr_t ra);
/* Leave generated code to the run loop (state already consistent). */
_Noreturn void cpu_loop_exit(CPUX86State *env);
/* Deliver env->exception_index through the IDT. */
void x86_do_interrupt(CPUX86State *env);
/* Deliver an external interrupt `vec` (IF already checked). */
void x86_do_hw_interrupt(CPUX86State *env, int vec);
void helper_raise_exception(CPUX86State *env, uint32_t vec, uint64_t rip);
void helper_raise_exception_err(CPUX86State *env, uint32_t vec, uint32_t err,
                                uint64_t rip);
void helper_raise_interrupt(CPUX86State *env, uint32_t vec, uint64_t rip,
                            uint64_t next_rip);
void helper_hlt(CPUX86State *env, uint64_t next_rip);
void helper_log_unimp(CPUX86State *env, uint64_t rip, uint64_t insn_bytes);

/* cputlb.c: the store of a LOCKed read-modify-write (may restart it) */
void helper_lock_cas(CPUX86State *env, uint64_t addr, uint64_t expected,
                     uint64_t val, uint32_t memop_idx);
void helper_lock_cmpxchg8b16b(CPUX86State *env, uint64_t addr, uint32_t q,
                              uint32_t mmu_idx);

/* mmu.c */
/* stack: a non-canonical address raises #SS(0) rather than #GP(0) */
void x86_tlb_fill(CPUX86State *env, uint64_t addr, int access, int mmu_idx,
                  bool stack, uintptr_t retaddr);
void x86_check_canonical(CPUX86State *env, uint64_t addr, bool stack,
                         uintptr_t retaddr);
bool x86_tlb_probe(CPUX86State *env, uint64_t addr, int access, int mmu_idx);
void helper_invlpg(CPUX86State *env, uint64_t addr);
void helper_invpcid(CPUX86State *env, uint64_t type, uint64_t desc_lo,
                    uint64_t desc_hi);

/* cc_helper.c: lazy flags */
uint64_t helper_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2,
                               uint32_t op);
uint64_t helper_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                             uint32_t op);
uint64_t cpu_compute_eflags(CPUX86State *env);
/* Sets EFLAGS from val, changing only the bits in mask. */
void cpu_load_eflags(CPUX86State *env, uint64_t val, uint64_t mask);
uint64_t helper_read_eflags(CPUX86State *env);
void helper_write_eflags(CPUX86State *env, uint64_t val, uint32_t mask);

/* int_helper.c: multiply and divide */
void helper_divb(CPUX86State *env, uint64_t divisor);
void helper_idivb(CPUX86State *env, uint64_t divisor);
void helper_divw(CPUX86State *env, uint64_t divisor);
void helper_idivw(CPUX86State *env, uint64_t divisor);
void helper_divl(CPUX86State *env, uint64_t divisor);
void helper_idivl(CPUX86State *env, uint64_t divisor);
void helper_divq(CPUX86State *env, uint64_t divisor);
void helper_idivq(CPUX86State *env, uint64_t divisor);
/* 64x64 -> 128: returns the low half, stores the high half in env->mul_hi
 * (read by the translator right after). */
uint64_t helper_mulq(CPUX86State *env, uint64_t a, uint64_t b);
uint64_t helper_imulq(CPUX86State *env, uint64_t a, uint64_t b);
/* 1 if the signed 128-bit product a * b does not fit in 64 bits (pure) */
uint64_t helper_imulq_overflow(uint64_t a, uint64_t b);

uint64_t helper_rotate(uint64_t val, uint64_t count, uint32_t op_ot,
                       uint64_t flags);
uint64_t helper_rotate_flags(uint64_t val, uint64_t count, uint32_t op_ot,
                             uint64_t flags);

uint64_t helper_bsf(uint64_t v);
void helper_bcd(CPUX86State *env, uint32_t opcode, uint32_t imm);
void helper_bound(CPUX86State *env, uint64_t idx, uint64_t lo, uint64_t hi);
uint64_t helper_popcnt(uint64_t v);
uint64_t helper_lzcnt(uint64_t v, uint64_t bits);
uint64_t helper_tzcnt(uint64_t v, uint64_t bits);
uint64_t helper_bzhi(uint64_t v, uint64_t n, uint64_t bits);
uint64_t helper_bextr(uint64_t v, uint64_t ctl, uint64_t bits);
uint64_t helper_pdep(uint64_t src, uint64_t mask);
uint64_t helper_pext(uint64_t src, uint64_t mask);
uint64_t helper_bsr(uint64_t v);
uint64_t helper_shld_shrd(uint64_t val, uint64_t src, uint64_t count,
                          uint32_t right_ot, uint64_t flags);
uint64_t helper_shld_shrd_flags(uint64_t val, uint64_t src, uint64_t count,
                                uint32_t right_ot, uint64_t flags);

/* seg_helper.c */
void helper_load_seg(CPUX86State *env, uint32_t seg, uint32_t selector);
void helper_ljmp(CPUX86State *env, uint32_t selector, uint64_t offset,
                 uint64_t next_rip);
void helper_lret(CPUX86State *env, uint32_t dflag, uint32_t addend);
void helper_lcall(CPUX86State *env, uint32_t selector, uint64_t offset,
                  uint32_t dflag, uint64_t next_rip);
void helper_lgdt(CPUX86State *env, uint64_t addr, uint32_t dflag, uint32_t idt);
void helper_sgdt(CPUX86State *env, uint64_t addr, uint32_t idt);
void helper_iret(CPUX86State *env, uint32_t dflag, uint64_t next_rip);
void helper_ltr(CPUX86State *env, uint32_t selector);
void helper_lldt(CPUX86State *env, uint32_t selector);
void helper_check_seg(CPUX86State *env, uint32_t info, uint64_t off);
void helper_check_align(CPUX86State *env, uint64_t addr, uint64_t mask);
bool x86_load_descriptor(CPUX86State *env, uint16_t selector, uint32_t *lo,
                         uint32_t *hi);

/* sys_helper.c: control registers, I/O, CPUID, TSC */
void helper_write_crN(CPUX86State *env, uint32_t reg, uint64_t val);
uint64_t helper_read_crN(CPUX86State *env, uint32_t reg);
void helper_write_drN(CPUX86State *env, uint32_t reg, uint64_t val);
uint64_t helper_in(CPUX86State *env, uint32_t port, uint32_t size);
void helper_out(CPUX86State *env, uint32_t port, uint64_t val, uint32_t size);
void helper_check_io(CPUX86State *env, uint32_t port, uint32_t size);
void helper_cpuid(CPUX86State *env);
void helper_rdtsc(CPUX86State *env);
uint64_t cpu_get_tsc(CPUX86State *env);
void helper_cli_sti(CPUX86State *env, uint32_t set);
/* STI: 1 if it opened an interrupt shadow with an interrupt waiting (the
 * block must then end and let the loop deliver it after one instruction) */
uint64_t helper_sti(CPUX86State *env);
void helper_set_ac(CPUX86State *env, uint32_t on);
void helper_sysret(CPUX86State *env, uint32_t dflag);
void helper_sysenter(CPUX86State *env);
void helper_sysexit(CPUX86State *env, uint32_t dflag);

/* fpu_helper.c: x87. helper_fpu_exec runs the instruction whose FOP (low
 * 3 bits of the opcode << 8 | ModRM) is in op's low 11 bits, memory operand
 * in env->fp_t0; returns the arithmetic flags after it (FCOMI), given
 * those before (FCMOVcc). */
#define FPU_OP_CONTROL 0x800u   /* FIP, FDP and FOP stay as they are */
uint64_t helper_fpu_exec(CPUX86State *env, uint32_t op, uint64_t fip,
                         uint64_t fdp, uint64_t eflags);
/* FNSTENV/FNSAVE and FLDENV/FRSTOR environments, in env->xmm_t0/xmm_t1 */
#define FPU_ENV_32   1u     /* 28-byte format (else 14 bytes) */
#define FPU_ENV_REAL 2u     /* real-mode/virtual-8086 layout */
#define FPU_ENV_SAVE 4u     /* FNSAVE (then FNINIT) / FRSTOR */
void helper_fpu_stenv(CPUX86State *env, uint32_t fmt);
/* FSW.ES and B are not state of their own: hardware derives them from the
 * exception flags FCW leaves unmasked (SF aside), as FXRSTOR shows. Code
 * that loads a guest FSW (FXRSTOR, XRSTOR) passes it through this. */
static inline uint16_t x87_fsw_normalize(uint16_t fcw, uint16_t fsw)
{
    fsw &= 0x7f7f;
    return (fsw & ~fcw & 0x3f) ? (uint16_t)(fsw | 0x8080) : fsw;
}
void helper_fpu_ldenv(CPUX86State *env, uint32_t fmt);

/* tb.c side: the host code of the block at the current state, or the
 * exit stub (cpu-exec.c) */
const void *helper_lookup_tb_ptr(CPUX86State *env);

/* msr.c */
void helper_rdmsr(CPUX86State *env);
void helper_wrmsr(CPUX86State *env);

/* cpuid.c */
void x86_cpuid(CPUX86State *env, uint32_t leaf, uint32_t subleaf,
               uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

#endif
