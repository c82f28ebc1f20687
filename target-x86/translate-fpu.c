/*
 * x87 instructions: the D8-DF escapes and FWAIT (SDM Vol. 1 ch. 8, Vol. 2
 * opcode map A.4). The arithmetic runs in fpu_helper.c on the host's x87;
 * this file decodes, moves memory operands through the softmmu, keeps the
 * x87 pointers (FIP, FDP, FOP) and raises #NM, #MF and #UD.
 */
#include "target-x86/helper.h"
#include "target-x86/translate.h"

#define FSW_ES 0x0080
#define FSW_B  0x8000

/* Memory forms, by (opcode & 7) * 8 + ModRM.reg */
enum {
    M_UD,
    M_LD16, M_LD32, M_LD64, M_LD80,     /* load, then operate */
    M_ST16, M_ST32, M_ST64, M_ST80,     /* operate, then store */
    M_LDCW, M_STCW, M_STSW,
    M_LDENV, M_STENV, M_RSTOR, M_SAVE,
};

static const uint8_t mem_kind[64] = {
    /* D8: FADD FMUL FCOM FCOMP FSUB FSUBR FDIV FDIVR m32fp */
    M_LD32, M_LD32, M_LD32, M_LD32, M_LD32, M_LD32, M_LD32, M_LD32,
    /* D9: FLD m32, -, FST m32, FSTP m32, FLDENV, FLDCW, FNSTENV, FNSTCW */
    M_LD32, M_UD, M_ST32, M_ST32, M_LDENV, M_LDCW, M_STENV, M_STCW,
    /* DA: FIADD ... FIDIVR m32int */
    M_LD32, M_LD32, M_LD32, M_LD32, M_LD32, M_LD32, M_LD32, M_LD32,
    /* DB: FILD, FISTTP, FIST, FISTP m32int, -, FLD m80, -, FSTP m80 */
    M_LD32, M_ST32, M_ST32, M_ST32, M_UD, M_LD80, M_UD, M_ST80,
    /* DC: arithmetic m64fp */
    M_LD64, M_LD64, M_LD64, M_LD64, M_LD64, M_LD64, M_LD64, M_LD64,
    /* DD: FLD m64, FISTTP m64int, FST m64, FSTP m64, FRSTOR, -, FNSAVE,
     * FNSTSW m16 */
    M_LD64, M_ST64, M_ST64, M_ST64, M_RSTOR, M_UD, M_SAVE, M_STSW,
    /* DE: arithmetic m16int */
    M_LD16, M_LD16, M_LD16, M_LD16, M_LD16, M_LD16, M_LD16, M_LD16,
    /* DF: FILD m16, FISTTP m16, FIST m16, FISTP m16, FBLD, FILD m64,
     * FBSTP, FISTP m64 */
    M_LD16, M_ST16, M_ST16, M_ST16, M_LD80, M_LD64, M_ST80, M_ST64,
};

/* Register forms */
enum {
    R_UD,
    R_OP,       /* an ordinary (waiting, non-control) instruction */
    R_FCMOV,    /* reads CF, ZF, PF */
    R_FCOMI,    /* writes ZF, PF, CF; clears OF, SF, AF */
    R_CTRL,     /* FNCLEX, FNINIT: no wait, pointers kept */
    R_NOP,      /* FNENI, FNDISI, FNSETPM: no-ops since the 387 */
    R_STSW_AX,  /* FNSTSW AX */
};

/* The register form op (opcode & 7), ModRM m (C0-FF); the undocumented
 * aliases (FSTP1 D9 D8, FCOM2 DC D0, FCOMP3 DC D8, FXCH4 DD C8, FCOMP5
 * DE D0, FFREEP DF C0, FXCH7 DF C8, FSTP8/9 DF D0/D8) run as on Intel and
 * AMD processors. */
static int reg_kind(int op, int m)
{
    switch (op) {
    case 1:
        if ((m >= 0xd1 && m <= 0xd7) || m == 0xe2 || m == 0xe3 ||
            m == 0xe6 || m == 0xe7 || m == 0xef) {
            return R_UD;
        }
        return R_OP;
    case 2:
        return m < 0xe0 ? R_FCMOV : m == 0xe9 ? R_OP : R_UD;
    case 3:
        if (m < 0xe0) {
            return R_FCMOV;
        }
        if (m == 0xe0 || m == 0xe1 || m == 0xe4) {
            return R_NOP;
        }
        if (m == 0xe2 || m == 0xe3) {
            return R_CTRL;
        }
        return m >= 0xe8 && m < 0xf8 ? R_FCOMI : R_UD;
    case 5:
        return m < 0xf0 ? R_OP : R_UD;
    case 6:
        return m >= 0xd8 && m <= 0xdf && m != 0xd9 ? R_UD : R_OP;
    case 7:
        if (m == 0xe0) {
            return R_STSW_AX;
        }
        if (m >= 0xe8 && m < 0xf8) {
            return R_FCOMI;
        }
        return m < 0xe0 ? R_OP : R_UD;
    default:
        return R_OP;
    }
}

/* The unmasked exception flags: FSW.ES as hardware derives it (see
 * x87_fsw_normalize), whatever the stored bit says */
static TCGv gen_fpu_unmasked(DisasContext *dc, TCGv fsw)
{
    TCGv fcw = tmp(dc), t = tmp(dc);
    tcg_gen_ld(S, INDEX_op_ld16u, fcw, cpu_env, ENV_OFF(fx.fcw));
    tcg_gen_not(S, fcw, fcw);
    tcg_gen_and(S, t, fsw, fcw);
    tcg_gen_andi(S, t, t, 0x3f);
    return t;
}

static TCGv gen_fpu_fsw(DisasContext *dc)
{
    TCGv fsw = tmp(dc);
    tcg_gen_ld(S, INDEX_op_ld16u, fsw, cpu_env, ENV_OFF(fx.fsw));
    return fsw;
}

/* FNSTSW: FSW with ES and B derived */
static TCGv gen_fpu_fnstsw(DisasContext *dc)
{
    TCGv fsw = gen_fpu_fsw(dc), es = tmp(dc), r = tmp(dc);
    tcg_gen_setcond(S, TCG_COND_NE, es, gen_fpu_unmasked(dc, fsw), cst(dc, 0));
    tcg_gen_mul(S, es, es, cst(dc, FSW_ES | FSW_B));
    tcg_gen_andi(S, r, fsw, ~(FSW_ES | FSW_B));
    tcg_gen_or(S, r, r, es);
    return r;
}

/* #MF before a waiting instruction while an unmasked exception is pending
 * (SDM Vol. 1 8.6). With CR0.NE = 0 a PC would signal FERR# to the
 * interrupt controller (IRQ 13) instead; bt86 raises #MF in both cases. */
static void gen_fpu_check_pending(DisasContext *dc)
{
    TCGLabel *ok = gen_new_label(S);
    TCGv t = gen_fpu_unmasked(dc, gen_fpu_fsw(dc));
    tcg_gen_brcondi(S, TCG_COND_EQ, t, 0, ok);
    tcg_gen_callN(S, helper_raise_exception, 0, NULL, cpu_env,
                  cst(dc, EXCP10_COPR), cst(dc, (int64_t)dc->pc_start));
    tcg_gen_set_label(S, ok);
}

/* FOP: the low 3 bits of the opcode and the ModRM byte (SDM Vol. 1 8.1.10) */
static uint32_t fpu_fop(DisasContext *dc)
{
    return (uint32_t)((dc->b & 7) << 8 | dc->modrm);
}

/* Real and virtual-8086 mode keep 20-bit linear addresses in FIP and FDP
 * (the FNSTENV/FNSAVE real-mode formats, SDM Vol. 1 figs. 8-10, 8-12) */
static bool fpu_ptrs_linear(DisasContext *dc)
{
    return !dc->pe || dc->vm86;
}

/* FDP: the operand's offset in its segment */
static TCGv gen_fpu_ea_offset(DisasContext *dc, TCGv a0)
{
    if ((dc->code64 && dc->override != R_FS && dc->override != R_GS) ||
        fpu_ptrs_linear(dc)) {
        return a0;
    }
    TCGv off = tmp(dc);
    if (dc->ea_riprel) {
        tcg_gen_movi(S, off, (int64_t)(dc->pc + (uint64_t)dc->ea_disp));
        return off;
    }
    tcg_gen_movi(S, off, dc->ea_disp);
    if (dc->ea_base >= 0) {
        tcg_gen_add(S, off, off, cpu_regs[dc->ea_base]);
    }
    if (dc->ea_index >= 0) {
        TCGv idx = tmp(dc);
        tcg_gen_shli(S, idx, cpu_regs[dc->ea_index], dc->ea_scale);
        tcg_gen_add(S, off, off, idx);
    }
    if (dc->aflag == MO_32) {
        tcg_gen_ext32u(S, off, off);
    } else if (dc->aflag == MO_16) {
        tcg_gen_ext16u(S, off, off);
    }
    return off;
}

/* Accesses to the operand's bytes at +off: the segment check, when there
 * is one, sees the offset of those bytes. */
typedef struct FpuMem {
    TCGv a0, seg_off;
} FpuMem;

static TCGv fpu_mem_at(DisasContext *dc, FpuMem *m, int off)
{
    if (off == 0) {
        dc->ea_off = m->seg_off;
        return m->a0;
    }
    TCGv a = tmp(dc);
    tcg_gen_addi(S, a, m->a0, off);
    if (!dc->code64) {
        tcg_gen_ext32u(S, a, a);
    }
    if (dc->ea_check_seg >= 0) {
        dc->ea_off = tmp(dc);
        tcg_gen_addi(S, dc->ea_off, m->seg_off, off);
    }
    return a;
}

static TCGv gen_fpu_ld(DisasContext *dc, FpuMem *m, MemOp ot, int off)
{
    TCGv t = tmp(dc);
    gen_op_ld_v(dc, ot, t, fpu_mem_at(dc, m, off));
    return t;
}

static void gen_fpu_st(DisasContext *dc, FpuMem *m, MemOp ot, int off, TCGv t)
{
    gen_op_st_v(dc, ot, t, fpu_mem_at(dc, m, off));
}

/* A load that faults as a store would: nothing changes before all the
 * instruction's stores are known to succeed. */
static TCGv gen_fpu_probe(DisasContext *dc, FpuMem *m, MemOp ot, int off)
{
    TCGv t = tmp(dc);
    gen_op_ld_rmw(dc, ot, t, fpu_mem_at(dc, m, off));
    return t;
}

static void gen_st_env(DisasContext *dc, TCGOpcode opc, TCGv t, int off)
{
    tcg_gen_st(S, opc, t, cpu_env, off);
}

static TCGv gen_ld_env(DisasContext *dc, TCGOpcode opc, int off)
{
    TCGv t = tmp(dc);
    tcg_gen_ld(S, opc, t, cpu_env, off);
    return t;
}

static TCGv gen_fpu_exec(DisasContext *dc, uint32_t op, TCGv fdp, TCGv fl)
{
    TCGv r = tmp(dc);
    uint64_t fip = dc->pc_start + (fpu_ptrs_linear(dc) ? dc->cs_base : 0);
    tcg_gen_callN(S, helper_fpu_exec, TCG_CALL_NO_RWG, r, cpu_env,
                  cst(dc, op), cst(dc, (int64_t)fip),
                  fdp ? fdp : cst(dc, 0), fl ? fl : cst(dc, 0));
    return r;
}

/* The operand sizes of the value forms */
static MemOp mem_kind_size(int kind)
{
    switch (kind) {
    case M_LD16: case M_ST16: return MO_16;
    case M_LD32: case M_ST32: return MO_32;
    default: return MO_64;
    }
}

/* FLD/FILD/arithmetic with a memory source, FST/FIST/FISTTP/FBSTP to
 * memory, FLDCW */
static void gen_fpu_mem_value(DisasContext *dc, FpuMem *m, int kind, TCGv fdp)
{
    uint32_t op = fpu_fop(dc);
    int t0 = ENV_OFF(fp_t0[0]), t1 = ENV_OFF(fp_t0[1]);
    bool store = kind >= M_ST16 && kind <= M_ST80;
    bool m80 = kind == M_LD80 || kind == M_ST80;
    TCGv lo, hi = NULL;

    if (kind == M_LDCW) {
        op |= FPU_OP_CONTROL;
        lo = gen_fpu_ld(dc, m, MO_16, 0);
    } else if (store) {
        /* the old contents: the host stores nothing when an unmasked
         * exception stops the store, and they are written back as they
         * were */
        lo = gen_fpu_probe(dc, m, mem_kind_size(kind), 0);
        if (m80) {
            hi = gen_fpu_probe(dc, m, MO_16, 8);
        }
    } else {
        lo = gen_fpu_ld(dc, m, mem_kind_size(kind), 0);
        if (m80) {
            hi = gen_fpu_ld(dc, m, MO_16, 8);
        }
    }
    gen_st_env(dc, INDEX_op_st, lo, t0);
    if (hi) {
        gen_st_env(dc, INDEX_op_st, hi, t1);
    }
    gen_fpu_exec(dc, op, fdp, NULL);
    if (store) {
        gen_fpu_st(dc, m, mem_kind_size(kind), 0,
                   gen_ld_env(dc, INDEX_op_ld, t0));
        if (m80) {
            gen_fpu_st(dc, m, MO_16, 8, gen_ld_env(dc, INDEX_op_ld, t1));
        }
    }
}

/* The environment format: 14 or 28 bytes, protected or real mode */
static uint32_t fpu_env_fmt(DisasContext *dc)
{
    uint32_t fmt = dc->dflag == MO_16 ? 0 : FPU_ENV_32;
    if (!dc->pe || dc->vm86) {
        fmt |= FPU_ENV_REAL;
    }
    return fmt;
}

static int fpu_env_size(uint32_t fmt)
{
    return (fmt & FPU_ENV_32) ? 28 : 14;
}

/* FNSTENV, FNSAVE: the image goes through xmm_t0/xmm_t1 */
static void gen_fpu_stenv(DisasContext *dc, FpuMem *m, bool save)
{
    uint32_t fmt = fpu_env_fmt(dc) | (save ? FPU_ENV_SAVE : 0);
    int size = fpu_env_size(fmt) + (save ? 80 : 0);

    /* the last 8 bytes: a fault there reports what a store would */
    gen_fpu_probe(dc, m, MO_8, 0);
    gen_fpu_probe(dc, m, MO_64, size - 8);
    if (save) {
        /* ST(0)..ST(7), as env->fx.st holds them */
        for (int i = 0; i < 8; i++) {
            int off = fpu_env_size(fmt) + 10 * i;
            gen_fpu_st(dc, m, MO_64, off,
                       gen_ld_env(dc, INDEX_op_ld, ENV_OFF(fx.st[i].mant)));
            gen_fpu_st(dc, m, MO_16, off + 8,
                       gen_ld_env(dc, INDEX_op_ld16u, ENV_OFF(fx.st[i].exp)));
        }
    }
    tcg_gen_callN(S, helper_fpu_stenv, TCG_CALL_NO_RWG, NULL, cpu_env,
                  cst(dc, fmt));
    int x0 = ENV_OFF(xmm_t0), x1 = ENV_OFF(xmm_t1);
    if (fmt & FPU_ENV_32) {
        gen_fpu_st(dc, m, MO_64, 0, gen_ld_env(dc, INDEX_op_ld, x0));
        gen_fpu_st(dc, m, MO_64, 8, gen_ld_env(dc, INDEX_op_ld, x0 + 8));
        gen_fpu_st(dc, m, MO_64, 16, gen_ld_env(dc, INDEX_op_ld, x1));
        gen_fpu_st(dc, m, MO_32, 24, gen_ld_env(dc, INDEX_op_ld32u, x1 + 8));
    } else {
        gen_fpu_st(dc, m, MO_64, 0, gen_ld_env(dc, INDEX_op_ld, x0));
        gen_fpu_st(dc, m, MO_32, 8, gen_ld_env(dc, INDEX_op_ld32u, x0 + 8));
        gen_fpu_st(dc, m, MO_16, 12, gen_ld_env(dc, INDEX_op_ld16u, x0 + 12));
    }
}

/* FLDENV, FRSTOR: everything is read before anything changes */
static void gen_fpu_ldenv(DisasContext *dc, FpuMem *m, bool rstor)
{
    uint32_t fmt = fpu_env_fmt(dc) | (rstor ? FPU_ENV_SAVE : 0);
    int x0 = ENV_OFF(xmm_t0), x1 = ENV_OFF(xmm_t1);
    int base = fpu_env_size(fmt);
    TCGv mant[8], exp[8];

    if (fmt & FPU_ENV_32) {
        gen_st_env(dc, INDEX_op_st, gen_fpu_ld(dc, m, MO_64, 0), x0);
        gen_st_env(dc, INDEX_op_st, gen_fpu_ld(dc, m, MO_64, 8), x0 + 8);
        gen_st_env(dc, INDEX_op_st, gen_fpu_ld(dc, m, MO_64, 16), x1);
        gen_st_env(dc, INDEX_op_st32, gen_fpu_ld(dc, m, MO_32, 24), x1 + 8);
    } else {
        gen_st_env(dc, INDEX_op_st, gen_fpu_ld(dc, m, MO_64, 0), x0);
        gen_st_env(dc, INDEX_op_st32, gen_fpu_ld(dc, m, MO_32, 8), x0 + 8);
        gen_st_env(dc, INDEX_op_st16, gen_fpu_ld(dc, m, MO_16, 12), x0 + 12);
    }
    if (rstor) {
        for (int i = 0; i < 8; i++) {
            mant[i] = gen_fpu_ld(dc, m, MO_64, base + 10 * i);
            exp[i] = gen_fpu_ld(dc, m, MO_16, base + 10 * i + 8);
        }
        for (int i = 0; i < 8; i++) {
            gen_st_env(dc, INDEX_op_st, mant[i], ENV_OFF(fx.st[i].mant));
            gen_st_env(dc, INDEX_op_st16, exp[i], ENV_OFF(fx.st[i].exp));
        }
    }
    tcg_gen_callN(S, helper_fpu_ldenv, TCG_CALL_NO_RWG, NULL, cpu_env,
                  cst(dc, fmt));
}

static void gen_fpu_mem(DisasContext *dc)
{
    /* ModRM.reg as it is: REX.R does not extend an opcode extension */
    int kind = mem_kind[(dc->b & 7) * 8 + ((dc->modrm >> 3) & 7)];
    if (kind == M_UD) {
        gen_illegal_opcode(dc);
        return;
    }
    if (kind != M_STCW && kind != M_STSW && kind != M_STENV &&
        kind != M_SAVE) {
        gen_fpu_check_pending(dc);
    }
    FpuMem m;
    m.a0 = gen_lea_modrm(dc);
    m.seg_off = dc->ea_off;
    switch (kind) {
    case M_STCW:
        gen_fpu_st(dc, &m, MO_16, 0,
                   gen_ld_env(dc, INDEX_op_ld16u, ENV_OFF(fx.fcw)));
        break;
    case M_STSW:
        gen_fpu_st(dc, &m, MO_16, 0, gen_fpu_fnstsw(dc));
        break;
    case M_STENV:
    case M_SAVE:
        gen_fpu_stenv(dc, &m, kind == M_SAVE);
        break;
    case M_LDENV:
    case M_RSTOR:
        gen_fpu_ldenv(dc, &m, kind == M_RSTOR);
        break;
    default:
        gen_fpu_mem_value(dc, &m, kind, gen_fpu_ea_offset(dc, m.a0));
        break;
    }
}

static void gen_fpu_reg(DisasContext *dc)
{
    uint32_t op = fpu_fop(dc);
    int kind = reg_kind(dc->b & 7, dc->modrm);
    TCGv r;

    switch (kind) {
    case R_UD:
        gen_illegal_opcode(dc);
        return;
    case R_NOP:
        return;
    case R_STSW_AX:
        gen_op_mov_reg_v(dc, MO_16, R_EAX, gen_fpu_fnstsw(dc));
        return;
    case R_CTRL:
        gen_fpu_exec(dc, op | FPU_OP_CONTROL, NULL, NULL);
        return;
    }
    gen_fpu_check_pending(dc);
    if (kind == R_OP) {
        gen_fpu_exec(dc, op, NULL, NULL);
        return;
    }
    gen_compute_eflags(dc);
    r = gen_fpu_exec(dc, op, NULL, cpu_cc_src);
    if (kind == R_FCOMI) {
        tcg_gen_mov(S, cpu_cc_src, r);
    }
}

void disas_x87(DisasContext *dc)
{
    if (dc->b == 0x9b) {
        /* WAIT/FWAIT: #NM only when CR0.TS and CR0.MP (SDM Vol. 3A 2.5) */
        if ((dc->flags & (HF_TS | HF_MP)) == (HF_TS | HF_MP)) {
            gen_exception(dc, EXCP07_PREX);
            return;
        }
        gen_fpu_check_pending(dc);
        return;
    }
    if (dc->flags & (HF_EM | HF_TS)) {
        gen_exception(dc, EXCP07_PREX);
        return;
    }
    if (dc->mod == 3) {
        gen_fpu_reg(dc);
    } else {
        gen_fpu_mem(dc);
    }
}
