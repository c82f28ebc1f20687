/*
 * CPU creation, reset (SDM Vol. 3A 9.1.1 power-up state), mode flags, and
 * the register dump of -d cpu.
 */
#include <inttypes.h>
#include <string.h>

#include <glib.h>

#include "softmmu/cputlb.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"
#include "target-x86/msr.h"

CPUX86State *x86_cpu_create(AddressSpace *as, IOSpace *io)
{
    CPUX86State *env = g_malloc0(sizeof(*env));
    env->as = as;
    env->io = io;
    env->tbc = tb_cache_new(64 * 1024 * 1024);
    x86_cpu_reset(env);
    return env;
}

void x86_cpu_reset(CPUX86State *env)
{
    memset(env->regs, 0, sizeof(env->regs));
    env->regs[R_EDX] = 0x600;   /* family/model/stepping signature */
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = 0;
    env->eflags = 0x2;
    env->df = 1;
    env->cr[0] = CR0_ET | CR0_CD | CR0_NW;
    env->cr[2] = env->cr[3] = env->cr[4] = env->cr[8] = 0;
    env->efer = 0;
    env->xcr0 = 1;
    /* x87 and SSE at power-up (SDM Vol. 3A table 10-1) */
    memset(&env->fx, 0, sizeof(env->fx));
    env->fx.fcw = 0x40;
    env->fx.ftw = 0xff;     /* tag word 5555H: all registers zero */
    env->fx.mxcsr = 0x1f80;
    env->fx.mxcsr_mask = MXCSR_MASK;
    env->pat = 0x0007040600070406ull;
    env->tsc_adjust = 0;
    /* Fast strings on; BTS and PEBS unavailable (read-only bits) */
    env->misc_enable = 1u | (1u << 11) | (1u << 12);
    /* MTRRs off until firmware (or the Linux loader) sets them */
    env->mtrr_deftype = 0;
    memset(env->mtrr_fixed, 0, sizeof(env->mtrr_fixed));
    memset(env->mtrr_var, 0, sizeof(env->mtrr_var));
    env->star = env->lstar = env->cstar = env->fmask = 0;
    env->kernel_gs_base = 0;
    env->sysenter_cs = env->sysenter_esp = env->sysenter_eip = 0;
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->gdt.base = 0;
    env->gdt.limit = 0xffff;
    env->idt.base = 0;
    env->idt.limit = 0xffff;
    uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK;
    for (int i = 0; i < 6; i++) {
        x86_load_seg_cache(env, i, 0, 0, 0xffff, data);
    }
    x86_load_seg_cache(env, R_CS, 0xf000, 0xffff0000, 0xffff,
                       data | DESC_CS_MASK);
    env->ldt = (SegmentCache){ 0, 0, 0xffff, DESC_P_MASK | (2u << 8) };
    env->tr = (SegmentCache){ 0, 0, 0xffff, DESC_P_MASK | (11u << 8) };
    env->rip = 0xfff0;
    env->exception_index = -1;
    env->old_exception = -1;
    env->halted = false;
    env->inhibit_irq = false;
    env->nmi_blocked = false;
    env->single_insn = false;
    env->ext_delivery = false;
    env->interrupt_request = 0;
    x86_update_hflags(env);
    tlb_flush(env);
}

/* ES, CS, SS, DS all flat 4 GiB, present, data writable and expand-up,
 * code readable: then their accesses need no limit or type checks. */
static bool segs_flat(CPUX86State *env)
{
    static const int segs[] = { R_ES, R_CS, R_SS, R_DS };
    for (int i = 0; i < 4; i++) {
        const SegmentCache *sc = &env->segs[segs[i]];
        uint32_t need = DESC_P_MASK | DESC_S_MASK |
                        (segs[i] == R_CS ? DESC_R_MASK : DESC_W_MASK);
        if (sc->base != 0 || sc->limit != 0xffffffff ||
            (sc->flags & need) != need ||
            (segs[i] != R_CS && (sc->flags & (DESC_CS_MASK | DESC_C_MASK)))) {
            return false;
        }
    }
    return true;
}

void x86_update_hflags(CPUX86State *env)
{
    uint32_t hf = 0;
    SegmentCache *cs = &env->segs[R_CS];

    if (env->cr[0] & CR0_PE) {
        hf |= HF_PE;
        hf |= (env->eflags & VM_MASK) ? 3u : (cs->selector & 3u);
    }
    if (env->efer & EFER_LMA) {
        hf |= HF_LMA;
    }
    if (env->efer & EFER_SCE) {
        hf |= HF_SCE;
    }
    if ((hf & HF_LMA) && (cs->flags & DESC_L_MASK)) {
        hf |= HF_CS64 | HF_CS32 | HF_SS32;
    } else {
        if (cs->flags & DESC_B_MASK) {
            hf |= HF_CS32;
        }
        if (env->segs[R_SS].flags & DESC_B_MASK) {
            hf |= HF_SS32;
        }
        if (!(hf & HF_PE) || (env->segs[R_DS].base | env->segs[R_ES].base |
                              env->segs[R_SS].base) != 0) {
            hf |= HF_ADDSEG;
        }
    }
    if (env->cr[0] & CR0_PG) {
        hf |= HF_PG;
    }
    if (!(hf & HF_CS64) && (hf & HF_PE) && segs_flat(env)) {
        hf |= HF_SEGS_FLAT;
    }
    if ((env->cr[4] & CR4_SMAP) && !(env->eflags & AC_MASK)) {
        hf |= HF_SMAP;
    }
    if (env->cr[4] & CR4_OSFXSR) {
        hf |= HF_OSFXSR;
    }
    if (env->cr[4] & CR4_OSXMMEXCPT) {
        hf |= HF_OSXMMEXCPT;
    }
    if (env->cr[4] & CR4_OSXSAVE) {
        hf |= HF_OSXSAVE;
    }
    if ((hf & HF_CPL_MASK) == 3 && (env->cr[0] & CR0_AM) &&
        (env->eflags & AC_MASK)) {
        hf |= HF_AC;
    }
    hf |= (env->cr[0] & CR0_MP) ? HF_MP : 0;
    hf |= (env->cr[0] & CR0_EM) ? HF_EM : 0;
    hf |= (env->cr[0] & CR0_TS) ? HF_TS : 0;
    if (env->eflags & TF_MASK) {
        hf |= HF_TF;
    }
    env->hflags = hf;
}

void x86_load_seg_cache(CPUX86State *env, int seg, uint16_t selector,
                        uint64_t base, uint32_t limit, uint32_t flags)
{
    SegmentCache *sc = &env->segs[seg];
    sc->selector = selector;
    sc->base = base;
    sc->limit = limit;
    sc->flags = flags;
    x86_update_hflags(env);
}

void x86_cpu_dump_state(CPUX86State *env, FILE *f)
{
    static const char *const names[16] = {
        "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15",
    };
    static const char *const segnames[6] = { "ES", "CS", "SS", "DS", "FS",
                                             "GS" };
    uint64_t fl = cpu_compute_eflags(env);
    for (int i = 0; i < 16; i++) {
        fprintf(f, "%s=%016" PRIx64 "%s", names[i], env->regs[i],
                (i & 3) == 3 ? "\n" : " ");
    }
    fprintf(f, "RIP=%016" PRIx64 " RFL=%08" PRIx64 " [%c%c%c%c%c%c] CPL=%d"
            " HF=%08x\n", env->rip, fl, fl & CC_O ? 'O' : '-',
            fl & CC_S ? 'S' : '-', fl & CC_Z ? 'Z' : '-',
            fl & CC_A ? 'A' : '-', fl & CC_P ? 'P' : '-',
            fl & CC_C ? 'C' : '-', (int)(env->hflags & HF_CPL_MASK),
            env->hflags);
    for (int i = 0; i < 6; i++) {
        SegmentCache *sc = &env->segs[i];
        fprintf(f, "%s =%04x %016" PRIx64 " %08x %08x\n", segnames[i],
                sc->selector, sc->base, sc->limit, sc->flags);
    }
    fprintf(f, "GDT=%016" PRIx64 " %08x IDT=%016" PRIx64 " %08x TR=%04x\n",
            env->gdt.base, env->gdt.limit, env->idt.base, env->idt.limit,
            env->tr.selector);
    fprintf(f, "CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64
            " CR4=%08" PRIx64 " EFER=%08" PRIx64 "\n", env->cr[0], env->cr[2],
            env->cr[3], env->cr[4], env->efer);
}

void x86_cpu_dump_stats(CPUX86State *env, FILE *f)
{
    fprintf(f, "stats: blocks translated %" PRIu64 ", code buffer flushes %"
            PRIu64 "\n", env->stat_tbs_translated, env->tbc->flush_count);
    fprintf(f, "stats: syscall %" PRIu64 " sysret %" PRIu64 " rdmsr %" PRIu64
            " wrmsr %" PRIu64 "\n", env->stat_syscall, env->stat_sysret,
            env->stat_rdmsr, env->stat_wrmsr);
    msr_dump_stats(env, f);
    for (int v = 0; v < 256; v++) {
        if (env->stat_exceptions[v]) {
            fprintf(f, "stats: vector 0x%02x delivered %" PRIu64 " times\n", v,
                    env->stat_exceptions[v]);
        }
    }
}
