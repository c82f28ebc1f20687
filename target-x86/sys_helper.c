/*
 * System instructions that go through C: control and debug registers,
 * port I/O with its permission checks, CPUID, the TSC, SYSCALL/SYSRET.
 * The translator stores RIP before each call, so exceptions need no unwind.
 */
#include <glib.h>

#include "softmmu/bql.h"
#include "softmmu/clock.h"
#include "softmmu/cputlb.h"
#include "softmmu/log.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"


/*
 * The TSC counts virtual nanoseconds (BT86_TSC_HZ is 1 GHz) plus the offset
 * WRMSR to IA32_TSC sets: the APIC timer's TSC-deadline mode compares
 * against the same clock.
 */
uint64_t cpu_get_tsc(CPUX86State *env)
{
    return (uint64_t)clock_get_ns() * (BT86_TSC_HZ / 1000000000u) +
           env->tsc_offset;
}

void helper_rdtsc(CPUX86State *env)
{
    if ((env->cr[4] & CR4_TSD) && (env->hflags & HF_CPL_MASK)) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    uint64_t t = cpu_get_tsc(env);
    env->regs[R_EAX] = (uint32_t)t;
    env->regs[R_EDX] = t >> 32;
}

void helper_cpuid(CPUX86State *env)
{
    uint32_t a, b, c, d;
    x86_cpuid(env, (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_ECX],
              &a, &b, &c, &d);
    env->regs[R_EAX] = a;
    env->regs[R_EBX] = b;
    env->regs[R_ECX] = c;
    env->regs[R_EDX] = d;
}

#define CR0_RESERVED 0xffffffff1ffaffc0ull
/* Bits of features bt86 does not offer (VME, UMIP, FSGSBASE, PKE...) are
 * reserved: setting them is #GP(0). */
#define CR4_KNOWN (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE |   \
                   CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PCIDE |        \
                   CR4_OSXSAVE | CR4_SMEP | CR4_SMAP)

static void check_cpl0(CPUX86State *env)
{
    if (env->hflags & HF_CPL_MASK) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
}

/* MOV to CRn (SDM Vol. 2B MOV—Move to/from Control Registers). */
void helper_write_crN(CPUX86State *env, uint32_t reg, uint64_t val)
{
    check_cpl0(env);
    switch (reg) {
    case 0: {
        if ((val & CR0_RESERVED) || ((val & CR0_PG) && !(val & CR0_PE)) ||
            ((val & CR0_NW) && !(val & CR0_CD))) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        uint64_t old = env->cr[0];
        if (!(old & CR0_PG) && (val & CR0_PG) && (env->efer & EFER_LME)) {
            /* entering long mode (SDM Vol. 3A 9.8.5) */
            if (!(env->cr[4] & CR4_PAE)) {
                raise_exception_err(env, EXCP0D_GPF, 0);
            }
            env->efer |= EFER_LMA;
        }
        if ((old & CR0_PG) && !(val & CR0_PG)) {
            /* paging stays on in 64-bit code and while PCIDs are in use */
            if ((env->hflags & HF_CS64) || (env->cr[4] & CR4_PCIDE)) {
                raise_exception_err(env, EXCP0D_GPF, 0);
            }
            env->efer &= ~(uint64_t)EFER_LMA;
        }
        env->cr[0] = val | CR0_ET;
        if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
            tlb_flush(env);
        }
        break;
    }
    case 2:
        env->cr[2] = val;
        break;
    case 3: {
        bool noflush = false;
        if (env->cr[4] & CR4_PCIDE) {
            noflush = (val & CR3_PCID_NOFLUSH) != 0;
            val &= ~CR3_PCID_NOFLUSH;
        }
        /* bits above MAXPHYADDR (40) are reserved, and so is bit 63 when
         * CR4.PCIDE = 0 */
        if ((env->hflags & HF_LMA) ? (val >> 40) != 0 : (val >> 32) != 0) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        /*
         * SDM Vol. 3A 4.10.4.1: without bit 63 (or with CR4.PCIDE = 0), the
         * non-global translations of the new PCID go; with it, nothing need
         * go. bt86's TLB is not tagged by PCID, so the entries it holds are
         * those of the CR3 they were walked under: when CR3 changes, they
         * must go even with bit 63 set, as they belong to another PCID or
         * another set of tables. Only a reload of the same CR3 with bit 63
         * set keeps them. Global translations stay (they are for every
         * PCID), which keeps a switch between address spaces cheap.
         */
        if (!noflush || val != env->cr[3]) {
            tlb_flush_nonglobal(env);
        }
        env->cr[3] = val;
        break;
    }
    case 4: {
        uint64_t old = env->cr[4];
        if ((val & ~(uint64_t)CR4_KNOWN) ||
            ((env->hflags & HF_LMA) && !(val & CR4_PAE))) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        /* PCIDE goes from 0 to 1 only in IA-32e mode with CR3[11:0] = 0
         * (SDM Vol. 3A 4.10.1) */
        if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
            (!(env->efer & EFER_LMA) || (env->cr[3] & CR3_PCID_MASK))) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        /* clearing PCIDE invalidates every PCID's translations, globals
         * too (SDM Vol. 3A 4.10.4.1); setting it needs nothing, as the
         * entries held are PCID 000H's */
        if (((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP |
                            CR4_SMAP)) ||
            ((old & ~val) & CR4_PCIDE)) {
            tlb_flush(env);
        }
        env->cr[4] = val;
        break;
    }
    case 8:
        if (val & ~0xfull) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        if (env->apic_ops) {
            /* CR8 is the APIC's TPR[7:4] (SDM Vol. 3A 10.8.6.1) */
            bql_lock();
            env->apic_ops->set_cr8(env->apic, val);
            bql_unlock();
        } else {
            env->cr[8] = val;
        }
        break;
    default:
        raise_exception(env, EXCP06_ILLOP);
    }
    x86_update_hflags(env);
}

uint64_t helper_read_crN(CPUX86State *env, uint32_t reg)
{
    check_cpl0(env);
    switch (reg) {
    case 8:
        if (env->apic_ops) {
            bql_lock();
            uint8_t v = env->apic_ops->get_cr8(env->apic);
            bql_unlock();
            return v;
        }
        return env->cr[8];
    case 0: case 2: case 3: case 4:
        return env->cr[reg];
    default:
        raise_exception(env, EXCP06_ILLOP);
    }
}

void helper_write_drN(CPUX86State *env, uint32_t reg, uint64_t val)
{
    check_cpl0(env);
    if ((reg == 6 || reg == 7) && (val >> 32)) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    env->dr[reg & 7] = val;
}

/*
 * IN/OUT permission: at CPL > IOPL (or in virtual-8086 mode) every byte of
 * the access needs a clear bit in the TSS I/O bitmap (SDM Vol. 1 19.5).
 */
void helper_check_io(CPUX86State *env, uint32_t port, uint32_t size)
{
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    int iopl = (int)((env->eflags & IOPL_MASK) >> 12);
    if (!(env->cr[0] & CR0_PE) || (cpl <= iopl && !(env->eflags & VM_MASK))) {
        return;
    }
    if (env->tr.limit < 103) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    uint32_t base = (uint32_t)cpu_ld_mmu(env, env->tr.base + 0x66, 2,
                                         MMU_KNOSMAP_IDX, 0);
    uint32_t off = base + (port >> 3);
    if (off + 1 > env->tr.limit) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    uint32_t bits = (uint32_t)cpu_ld_mmu(env, env->tr.base + off, 2,
                                         MMU_KNOSMAP_IDX, 0);
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
}

uint64_t helper_in(CPUX86State *env, uint32_t port, uint32_t size)
{
    helper_check_io(env, port, size);
    bql_lock();
    uint64_t v = io_read(env->io, port & 0xffff, size);
    bql_unlock();
    return v;
}

void helper_out(CPUX86State *env, uint32_t port, uint64_t val, uint32_t size)
{
    helper_check_io(env, port, size);
    bql_lock();
    io_write(env->io, port & 0xffff, val, size);
    bql_unlock();
}

/*
 * STI setting IF delays interrupts until after the next instruction. With
 * none waiting the shadow needs no bookkeeping: the block goes on through
 * the next instruction (translate.c sees to that) and an interrupt that
 * comes meanwhile is taken at a later block entry.
 */
uint64_t helper_sti(CPUX86State *env)
{
    bool was_set = env->eflags & IF_MASK;
    helper_cli_sti(env, 1);
    if (was_set || !(env->interrupt_request &
                     (CPU_INTERRUPT_HARD | CPU_INTERRUPT_NMI))) {
        env->inhibit_irq = false;
        return 0;
    }
    return 1;
}

/* CLI/STI: IOPL-sensitive in protected mode. STI delays interrupts until
 * after the next instruction. */
void helper_cli_sti(CPUX86State *env, uint32_t set)
{
    int cpl = (int)(env->hflags & HF_CPL_MASK);
    int iopl = (int)((env->eflags & IOPL_MASK) >> 12);
    if ((env->cr[0] & CR0_PE) && cpl > iopl) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    if (set) {
        if (!(env->eflags & IF_MASK)) {
            env->inhibit_irq = true;
        }
        env->eflags |= IF_MASK;
    } else {
        env->eflags &= ~(uint64_t)IF_MASK;
    }
}

/*
 * SYSRET (SDM Vol. 2B): back to CPL 3 with CS/SS from STAR[63:48]. The
 * translator emits the 64-bit form inline and has checked the #UD/#GP
 * conditions; this is the SYSRETL return to compatibility mode.
 */
void helper_sysret(CPUX86State *env, uint32_t dflag)
{
    uint16_t sel = (uint16_t)(env->star >> 48);
    uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK |
                    DESC_A_MASK | DESC_G_MASK | (3u << DESC_DPL_SHIFT);
    uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                    DESC_G_MASK | DESC_B_MASK | (3u << DESC_DPL_SHIFT);

    env->stat_sysret++;
    uint64_t rip = env->regs[R_ECX];
    if (dflag == 2) {
        /* a non-canonical RCX faults in ring 0 (Intel) */
        if (!x86_is_canonical(rip)) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        x86_load_seg_cache(env, R_CS, (uint16_t)((sel + 16) | 3), 0,
                           0xffffffff, code | DESC_L_MASK);
    } else {
        rip = (uint32_t)rip;
        x86_load_seg_cache(env, R_CS, (uint16_t)(sel | 3), 0, 0xffffffff,
                           code | DESC_B_MASK);
    }
    x86_load_seg_cache(env, R_SS, (uint16_t)((sel + 8) | 3), 0, 0xffffffff,
                       data);
    /* RFLAGS = (R11 & 3C7FD7H) | 2: reserved bits, RF and VM clear */
    cpu_load_eflags(env, (env->regs[R_R11] & 0x3c7fd7) | 2, ~(uint64_t)0);
    env->rip = rip;
    x86_update_hflags(env);
}

/* STAC/CLAC: RFLAGS.AC, which decides whether SMAP applies. */
void helper_set_ac(CPUX86State *env, uint32_t on)
{
    if (on) {
        env->eflags |= AC_MASK;
    } else {
        env->eflags &= ~(uint64_t)AC_MASK;
    }
    x86_update_hflags(env);
}

/*
 * SYSENTER (SDM Vol. 2B): flat ring-0 CS/SS from IA32_SYSENTER_CS, RSP and
 * RIP from SYSENTER_ESP/EIP; 64-bit code when IA-32e mode is active.
 */
void helper_sysenter(CPUX86State *env)
{
    uint16_t sel = (uint16_t)env->sysenter_cs;
    if (!(env->cr[0] & CR0_PE) || (sel & 0xfffc) == 0) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    bool lma = (env->efer & EFER_LMA) != 0;
    env->eflags &= ~(uint64_t)(VM_MASK | IF_MASK | RF_MASK);
    x86_load_seg_cache(env, R_CS, sel & 0xfffc, 0, 0xffffffff,
                       DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK |
                       DESC_A_MASK | DESC_G_MASK |
                       (lma ? DESC_L_MASK : DESC_B_MASK));
    x86_load_seg_cache(env, R_SS, (sel + 8) & 0xfffc, 0, 0xffffffff,
                       DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                       DESC_G_MASK | DESC_B_MASK);
    env->regs[R_ESP] = lma ? env->sysenter_esp : (uint32_t)env->sysenter_esp;
    env->rip = lma ? env->sysenter_eip : (uint32_t)env->sysenter_eip;
    x86_update_hflags(env);
}

/* SYSEXIT (SDM Vol. 2B): back to ring 3 at RDX/EDX with RSP = RCX/ECX. */
void helper_sysexit(CPUX86State *env, uint32_t dflag)
{
    uint16_t sel = (uint16_t)env->sysenter_cs;
    if (!(env->cr[0] & CR0_PE) || (sel & 0xfffc) == 0 ||
        (env->hflags & HF_CPL_MASK)) {
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK |
                    DESC_A_MASK | DESC_G_MASK | (3u << DESC_DPL_SHIFT);
    uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                    DESC_G_MASK | DESC_B_MASK | (3u << DESC_DPL_SHIFT);
    if (dflag == 2) {
        uint64_t rip = env->regs[R_EDX], rsp = env->regs[R_ECX];
        if (!x86_is_canonical(rip) || !x86_is_canonical(rsp)) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        x86_load_seg_cache(env, R_CS, (uint16_t)((sel + 32) | 3), 0,
                           0xffffffff, code | DESC_L_MASK);
        x86_load_seg_cache(env, R_SS, (uint16_t)((sel + 40) | 3), 0,
                           0xffffffff, data);
        env->regs[R_ESP] = rsp;
        env->rip = rip;
    } else {
        x86_load_seg_cache(env, R_CS, (uint16_t)((sel + 16) | 3), 0,
                           0xffffffff, code | DESC_B_MASK);
        x86_load_seg_cache(env, R_SS, (uint16_t)((sel + 24) | 3), 0,
                           0xffffffff, data);
        env->regs[R_ESP] = (uint32_t)env->regs[R_ECX];
        env->rip = (uint32_t)env->regs[R_EDX];
    }
    x86_update_hflags(env);
}
