/*
 * MMX and SSE to SSE4.2 instructions of the 0F, 0F 38 and 0F 3A maps.
 *
 * Register moves, loads and stores are IR on the env slots of the
 * registers. Everything else calls helper_sse() with the operation
 * (sse_helper.c), the env offsets of its operands, and control bits; a
 * memory source is first loaded through the softmmu into env->xmm_t0.
 * Most operations are described by one row of sse_table: opcode,
 * mandatory prefix, operand form, operation.
 */
#include "target-x86/helper.h"
#include "target-x86/sse_helper.h"
#include "target-x86/translate.h"

/* Mandatory prefix */
enum { P_NP, P_66, P_F3, P_F2, P_NB };

/* Operand forms: destination (ModRM.reg), source (ModRM.rm) */
enum {
    F_XX,       /* xmm, xmm/m128 (aligned) */
    F_XXU,      /* xmm, xmm/m128 (any alignment) */
    F_X64,      /* xmm, xmm/m64 */
    F_X32,      /* xmm, xmm/m32 */
    F_X16,      /* xmm, xmm/m16 */
    F_MM,       /* mm, mm/m64 */
    F_MM32,     /* mm, mm/m32 (MMX PUNPCKL*) */
    F_X_MM,     /* xmm, mm/m64 */
    F_MM_X64,   /* mm, xmm/m64 */
    F_MM_X128,  /* mm, xmm/m128 (aligned) */
    F_X_G,      /* xmm, r/m32 or r/m64 (REX.W: fn_w) */
    F_G_X32,    /* r32/r64, xmm/m32 (REX.W: fn_w) */
    F_G_X64,    /* r32/r64, xmm/m64 */
    F_G_XR,     /* r32, xmm (register only) */
    F_G_MMR,    /* r32, mm (register only) */
    F_FL_X32,   /* EFLAGS from xmm, xmm/m32 */
    F_FL_X64,   /* EFLAGS from xmm, xmm/m64 */
    F_FL_XX,    /* EFLAGS from xmm, xmm/m128 (aligned) */
};

typedef struct SSEInsn {
    uint16_t op;        /* 0x1xx, 0x2xx (0F 38), 0x3xx (0F 3A) */
    uint8_t pfx;
    uint8_t form;
    uint32_t ctl;       /* SSE_* bits for helper_sse */
    SSEFunc *fn, *fn_w;
} SSEInsn;

#define MMXOP (SSE_MMX | SSE_MMXD)
/* an integer op in its MMX (no prefix) and SSE2 (66) forms */
#define MX(op, fn) { op, P_NP, F_MM, MMXOP, fn, 0 }, { op, P_66, F_XX, 0, fn, 0 }
/* the same with the MMX form built differently */
#define MX2(op, mmx_fn, mmx_ctl, fn)                                          \
    { op, P_NP, F_MM, MMXOP | (mmx_ctl), mmx_fn, 0 },                         \
    { op, P_66, F_XX, 0, fn, 0 }
#define X66(op, form, fn) { op, P_66, form, 0, fn, 0 }
/* packed single, packed double, scalar single, scalar double */
#define FP4(op, ps, pd, ss, sd)                                               \
    { op, P_NP, F_XX, SSE_FP, ps, 0 }, { op, P_66, F_XX, SSE_FP, pd, 0 },     \
    { op, P_F3, F_X32, SSE_FP, ss, 0 }, { op, P_F2, F_X64, SSE_FP, sd, 0 }

static const SSEInsn sse_table[] = {
    /* 0F: SSE, SSE2, SSE3 */
    { 0x112, P_F3, F_XX, 0, sse_movsldup, 0 },
    { 0x112, P_F2, F_X64, 0, sse_movddup, 0 },
    { 0x116, P_F3, F_XX, 0, sse_movshdup, 0 },
    { 0x114, P_NP, F_XX, 0, sse_unpcklps, 0 },
    { 0x114, P_66, F_XX, 0, sse_unpcklpd, 0 },
    { 0x115, P_NP, F_XX, 0, sse_unpckhps, 0 },
    { 0x115, P_66, F_XX, 0, sse_unpckhpd, 0 },
    { 0x12a, P_NP, F_X_MM, SSE_FP, sse_cvtpi2ps, 0 },
    { 0x12a, P_66, F_X_MM, SSE_FP, sse_cvtdq2pd, 0 },
    { 0x12a, P_F3, F_X_G, SSE_FP, sse_cvtsi2ss_l, sse_cvtsi2ss_q },
    { 0x12a, P_F2, F_X_G, SSE_FP, sse_cvtsi2sd_l, sse_cvtsi2sd_q },
    { 0x12c, P_NP, F_MM_X64, SSE_FP | MMXOP, sse_cvttps2pi, 0 },
    { 0x12c, P_66, F_MM_X128, SSE_FP | MMXOP, sse_cvttpd2dq, 0 },
    { 0x12c, P_F3, F_G_X32, SSE_FP, sse_cvttss2si_l, sse_cvttss2si_q },
    { 0x12c, P_F2, F_G_X64, SSE_FP, sse_cvttsd2si_l, sse_cvttsd2si_q },
    { 0x12d, P_NP, F_MM_X64, SSE_FP | MMXOP, sse_cvtps2pi, 0 },
    { 0x12d, P_66, F_MM_X128, SSE_FP | MMXOP, sse_cvtpd2dq, 0 },
    { 0x12d, P_F3, F_G_X32, SSE_FP, sse_cvtss2si_l, sse_cvtss2si_q },
    { 0x12d, P_F2, F_G_X64, SSE_FP, sse_cvtsd2si_l, sse_cvtsd2si_q },
    { 0x12e, P_NP, F_FL_X32, SSE_FP, sse_ucomiss, 0 },
    { 0x12e, P_66, F_FL_X64, SSE_FP, sse_ucomisd, 0 },
    { 0x12f, P_NP, F_FL_X32, SSE_FP, sse_comiss, 0 },
    { 0x12f, P_66, F_FL_X64, SSE_FP, sse_comisd, 0 },
    { 0x150, P_NP, F_G_XR, 0, sse_movmskps, 0 },
    { 0x150, P_66, F_G_XR, 0, sse_movmskpd, 0 },
    FP4(0x151, sse_sqrtps, sse_sqrtpd, sse_sqrtss, sse_sqrtsd),
    { 0x152, P_NP, F_XX, SSE_FP, sse_rsqrtps, 0 },
    { 0x152, P_F3, F_X32, SSE_FP, sse_rsqrtss, 0 },
    { 0x153, P_NP, F_XX, SSE_FP, sse_rcpps, 0 },
    { 0x153, P_F3, F_X32, SSE_FP, sse_rcpss, 0 },
    { 0x154, P_NP, F_XX, 0, sse_andps, 0 },
    { 0x154, P_66, F_XX, 0, sse_andps, 0 },
    { 0x155, P_NP, F_XX, 0, sse_andnps, 0 },
    { 0x155, P_66, F_XX, 0, sse_andnps, 0 },
    { 0x156, P_NP, F_XX, 0, sse_orps, 0 },
    { 0x156, P_66, F_XX, 0, sse_orps, 0 },
    { 0x157, P_NP, F_XX, 0, sse_xorps, 0 },
    { 0x157, P_66, F_XX, 0, sse_xorps, 0 },
    FP4(0x158, sse_addps, sse_addpd, sse_addss, sse_addsd),
    FP4(0x159, sse_mulps, sse_mulpd, sse_mulss, sse_mulsd),
    { 0x15a, P_NP, F_X64, SSE_FP, sse_cvtps2pd, 0 },
    { 0x15a, P_66, F_XX, SSE_FP, sse_cvtpd2ps, 0 },
    { 0x15a, P_F3, F_X32, SSE_FP, sse_cvtss2sd, 0 },
    { 0x15a, P_F2, F_X64, SSE_FP, sse_cvtsd2ss, 0 },
    { 0x15b, P_NP, F_XX, SSE_FP, sse_cvtdq2ps, 0 },
    { 0x15b, P_66, F_XX, SSE_FP, sse_cvtps2dq, 0 },
    { 0x15b, P_F3, F_XX, SSE_FP, sse_cvttps2dq, 0 },
    FP4(0x15c, sse_subps, sse_subpd, sse_subss, sse_subsd),
    FP4(0x15d, sse_minps, sse_minpd, sse_minss, sse_minsd),
    FP4(0x15e, sse_divps, sse_divpd, sse_divss, sse_divsd),
    FP4(0x15f, sse_maxps, sse_maxpd, sse_maxss, sse_maxsd),
    /* the MMX forms read only 32 bits of memory */
    { 0x160, P_NP, F_MM32, MMXOP, sse_punpcklbw, 0 },
    { 0x160, P_66, F_XX, 0, sse_punpcklbw, 0 },
    { 0x161, P_NP, F_MM32, MMXOP, sse_punpcklwd, 0 },
    { 0x161, P_66, F_XX, 0, sse_punpcklwd, 0 },
    { 0x162, P_NP, F_MM32, MMXOP, sse_punpckldq, 0 },
    { 0x162, P_66, F_XX, 0, sse_punpckldq, 0 },
    MX2(0x163, sse_packsswb, SSE_CAT, sse_packsswb),
    MX(0x164, sse_pcmpgtb),
    MX(0x165, sse_pcmpgtw),
    MX(0x166, sse_pcmpgtd),
    MX2(0x167, sse_packuswb, SSE_CAT, sse_packuswb),
    MX2(0x168, sse_punpcklbw, SSE_HI, sse_punpckhbw),
    MX2(0x169, sse_punpcklwd, SSE_HI, sse_punpckhwd),
    MX2(0x16a, sse_punpckldq, SSE_HI, sse_punpckhdq),
    MX2(0x16b, sse_packssdw, SSE_CAT, sse_packssdw),
    X66(0x16c, F_XX, sse_punpcklqdq),
    X66(0x16d, F_XX, sse_punpckhqdq),
    { 0x170, P_NP, F_MM, MMXOP, sse_pshufw, 0 },
    { 0x170, P_66, F_XX, 0, sse_pshufd, 0 },
    { 0x170, P_F3, F_XX, 0, sse_pshufhw, 0 },
    { 0x170, P_F2, F_XX, 0, sse_pshuflw, 0 },
    MX(0x174, sse_pcmpeqb),
    MX(0x175, sse_pcmpeqw),
    MX(0x176, sse_pcmpeqd),
    { 0x17c, P_66, F_XX, SSE_FP, sse_haddpd, 0 },
    { 0x17c, P_F2, F_XX, SSE_FP, sse_haddps, 0 },
    { 0x17d, P_66, F_XX, SSE_FP, sse_hsubpd, 0 },
    { 0x17d, P_F2, F_XX, SSE_FP, sse_hsubps, 0 },
    FP4(0x1c2, sse_cmpps, sse_cmppd, sse_cmpss, sse_cmpsd),
    { 0x1c6, P_NP, F_XX, 0, sse_shufps, 0 },
    { 0x1c6, P_66, F_XX, 0, sse_shufpd, 0 },
    { 0x1d0, P_66, F_XX, SSE_FP, sse_addsubpd, 0 },
    { 0x1d0, P_F2, F_XX, SSE_FP, sse_addsubps, 0 },
    MX(0x1d1, sse_psrlw),
    MX(0x1d2, sse_psrld),
    MX(0x1d3, sse_psrlq),
    MX(0x1d4, sse_paddq),
    MX(0x1d5, sse_pmullw),
    { 0x1d7, P_NP, F_G_MMR, SSE_MMX | SSE_NOWRITE, sse_pmovmskb, 0 },
    { 0x1d7, P_66, F_G_XR, 0, sse_pmovmskb, 0 },
    MX(0x1d8, sse_psubusb),
    MX(0x1d9, sse_psubusw),
    MX(0x1da, sse_pminub),
    MX(0x1db, sse_pand),
    MX(0x1dc, sse_paddusb),
    MX(0x1dd, sse_paddusw),
    MX(0x1de, sse_pmaxub),
    MX(0x1df, sse_pandn),
    MX(0x1e0, sse_pavgb),
    MX(0x1e1, sse_psraw),
    MX(0x1e2, sse_psrad),
    MX(0x1e3, sse_pavgw),
    MX(0x1e4, sse_pmulhuw),
    MX(0x1e5, sse_pmulhw),
    { 0x1e6, P_66, F_XX, SSE_FP, sse_cvttpd2dq, 0 },
    { 0x1e6, P_F3, F_X64, SSE_FP, sse_cvtdq2pd, 0 },
    { 0x1e6, P_F2, F_XX, SSE_FP, sse_cvtpd2dq, 0 },
    MX(0x1e8, sse_psubsb),
    MX(0x1e9, sse_psubsw),
    MX(0x1ea, sse_pminsw),
    MX(0x1eb, sse_por),
    MX(0x1ec, sse_paddsb),
    MX(0x1ed, sse_paddsw),
    MX(0x1ee, sse_pmaxsw),
    MX(0x1ef, sse_pxor),
    MX(0x1f1, sse_psllw),
    MX(0x1f2, sse_pslld),
    MX(0x1f3, sse_psllq),
    MX(0x1f4, sse_pmuludq),
    MX(0x1f5, sse_pmaddwd),
    MX(0x1f6, sse_psadbw),
    MX(0x1f8, sse_psubb),
    MX(0x1f9, sse_psubw),
    MX(0x1fa, sse_psubd),
    MX(0x1fb, sse_psubq),
    MX(0x1fc, sse_paddb),
    MX(0x1fd, sse_paddw),
    MX(0x1fe, sse_paddd),
    /* 0F 38: SSSE3 (MMX and XMM), SSE4.1, SSE4.2 */
    MX2(0x200, sse_pshufb, SSE_SHUFB, sse_pshufb),
    MX2(0x201, sse_phaddw, SSE_CAT, sse_phaddw),
    MX2(0x202, sse_phaddd, SSE_CAT, sse_phaddd),
    MX2(0x203, sse_phaddsw, SSE_CAT, sse_phaddsw),
    MX(0x204, sse_pmaddubsw),
    MX2(0x205, sse_phsubw, SSE_CAT, sse_phsubw),
    MX2(0x206, sse_phsubd, SSE_CAT, sse_phsubd),
    MX2(0x207, sse_phsubsw, SSE_CAT, sse_phsubsw),
    MX(0x208, sse_psignb),
    MX(0x209, sse_psignw),
    MX(0x20a, sse_psignd),
    MX(0x20b, sse_pmulhrsw),
    X66(0x210, F_XX, sse_pblendvb),
    X66(0x214, F_XX, sse_blendvps),
    X66(0x215, F_XX, sse_blendvpd),
    X66(0x217, F_FL_XX, sse_ptest),
    MX(0x21c, sse_pabsb),
    MX(0x21d, sse_pabsw),
    MX(0x21e, sse_pabsd),
    X66(0x220, F_X64, sse_pmovsxbw),
    X66(0x221, F_X32, sse_pmovsxbd),
    X66(0x222, F_X16, sse_pmovsxbq),
    X66(0x223, F_X64, sse_pmovsxwd),
    X66(0x224, F_X32, sse_pmovsxwq),
    X66(0x225, F_X64, sse_pmovsxdq),
    X66(0x228, F_XX, sse_pmuldq),
    X66(0x229, F_XX, sse_pcmpeqq),
    X66(0x22b, F_XX, sse_packusdw),
    X66(0x230, F_X64, sse_pmovzxbw),
    X66(0x231, F_X32, sse_pmovzxbd),
    X66(0x232, F_X16, sse_pmovzxbq),
    X66(0x233, F_X64, sse_pmovzxwd),
    X66(0x234, F_X32, sse_pmovzxwq),
    X66(0x235, F_X64, sse_pmovzxdq),
    X66(0x237, F_XX, sse_pcmpgtq),
    X66(0x238, F_XX, sse_pminsb),
    X66(0x239, F_XX, sse_pminsd),
    X66(0x23a, F_XX, sse_pminuw),
    X66(0x23b, F_XX, sse_pminud),
    X66(0x23c, F_XX, sse_pmaxsb),
    X66(0x23d, F_XX, sse_pmaxsd),
    X66(0x23e, F_XX, sse_pmaxuw),
    X66(0x23f, F_XX, sse_pmaxud),
    X66(0x240, F_XX, sse_pmulld),
    X66(0x241, F_XX, sse_phminposuw),
    /* 0F 3A: SSSE3, SSE4.1, PCLMULQDQ (imm8) */
    { 0x308, P_66, F_XX, SSE_FP, sse_roundps, 0 },
    { 0x309, P_66, F_XX, SSE_FP, sse_roundpd, 0 },
    { 0x30a, P_66, F_X32, SSE_FP, sse_roundss, 0 },
    { 0x30b, P_66, F_X64, SSE_FP, sse_roundsd, 0 },
    X66(0x30c, F_XX, sse_blendps),
    X66(0x30d, F_XX, sse_blendpd),
    X66(0x30e, F_XX, sse_pblendw),
    MX2(0x30f, sse_palignr_mmx, 0, sse_palignr),
    X66(0x321, F_X32, sse_insertps),
    { 0x340, P_66, F_XX, SSE_FP, sse_dpps, 0 },
    { 0x341, P_66, F_XX, SSE_FP, sse_dppd, 0 },
    X66(0x342, F_XX, sse_mpsadbw),
    X66(0x344, F_XX, sse_pclmulqdq),
};

/* sse_table row + 1 by [prefix][opcode], 0 for none */
static uint16_t sse_index[P_NB][0x400];

static void sse_index_init(void)
{
    static bool done;
    if (done) {
        return;
    }
    done = true;
    for (unsigned i = 0; i < sizeof(sse_table) / sizeof(sse_table[0]); i++) {
        sse_index[sse_table[i].pfx][sse_table[i].op] = (uint16_t)(i + 1);
    }
}

/* ---- operands ---- */

static int mprefix(DisasContext *dc)
{
    if (dc->prefix & PREFIX_REPNZ) {
        return P_F2;
    }
    if (dc->prefix & PREFIX_REPZ) {
        return P_F3;
    }
    return (dc->prefix & PREFIX_DATA) ? P_66 : P_NP;
}

static int xmm_off(int r)
{
    return ENV_OFF(fx.xmm[0]) + 16 * r;
}

/* MMi once the MMX transition has made TOP 0 */
static int mmx_off(int r)
{
    return ENV_OFF(fx.st[0]) + 16 * (r & 7);
}

/* #UD if ud, else #NM with CR0.TS; true if it raised. */
static bool gen_unavailable(DisasContext *dc, bool ud)
{
    if (ud) {
        gen_illegal_opcode(dc);
        return true;
    }
    if (dc->flags & HF_TS) {
        gen_exception(dc, EXCP07_PREX);
        return true;
    }
    return false;
}

/* SSE: CR0.EM or no CR4.OSFXSR is #UD, CR0.TS #NM (SDM Vol. 3A 13.1) */
static bool sse_unavailable(DisasContext *dc)
{
    return gen_unavailable(dc, (dc->flags & HF_EM) ||
                               !(dc->flags & HF_OSFXSR));
}

/* MMX: CR0.EM is #UD, CR0.TS #NM */
static bool mmx_unavailable(DisasContext *dc)
{
    return gen_unavailable(dc, dc->flags & HF_EM);
}

/* The address of the memory operand plus off bytes */
static TCGv gen_lea_off(DisasContext *dc, int off)
{
    dc->ea_disp += off;
    TCGv a0 = gen_lea_modrm(dc);
    dc->ea_disp -= off;
    return a0;
}

/* A memory operand not aligned to align bytes: #GP(0) */
static void gen_check_align(DisasContext *dc, int align)
{
    TCGv a0 = gen_lea_modrm(dc);
    TCGLabel *ok = gen_new_label(S);
    tcg_gen_brcondi(S, TCG_COND_TSTEQ, a0, align - 1, ok);
    gen_exception_err(dc, EXCP0D_GPF, 0);
    tcg_gen_set_label(S, ok);
    dc->is_jmp = false;
}

static void gen_check_align16(DisasContext *dc)
{
    gen_check_align(dc, 16);
}

/* The FXSAVE/XSAVE area (len bytes, aligned to align): alignment, then
 * its first and last byte through the softmmu, which checks segment
 * limits and pages before the helper touches it. Returns its address. */
static TCGv gen_check_area(DisasContext *dc, int len, int align, bool write)
{
    TCGv t = tmp(dc);
    gen_check_align(dc, align);
    for (int off = 0; off < len; off += len - 1) {
        TCGv a = gen_lea_off(dc, off);
        if (write) {
            gen_op_ld_rmw(dc, MO_8, t, a);
        } else {
            gen_op_ld_v(dc, MO_8, t, a);
        }
    }
    return gen_lea_modrm(dc);
}

static const TCGOpcode st_op[4] = {
    INDEX_op_st8, INDEX_op_st16, INDEX_op_st32, INDEX_op_st
};
static const TCGOpcode ld_op[4] = {
    INDEX_op_ld8u, INDEX_op_ld16u, INDEX_op_ld32u, INDEX_op_ld
};

/* Loads bytes (2, 4, 8, 16) of the memory operand into env at off; all
 * loads happen before any store, so a fault changes nothing. */
static void gen_ld_mem(DisasContext *dc, int off, int bytes, bool align)
{
    TCGv t[2];
    MemOp ot = bytes >= 8 ? MO_64 : bytes == 4 ? MO_32 : MO_16;
    if (align && bytes == 16) {
        gen_check_align16(dc);
    }
    for (int i = 0; i * 8 < bytes; i++) {
        t[i] = tmp(dc);
        gen_op_ld_v(dc, ot, t[i], gen_lea_off(dc, 8 * i));
    }
    for (int i = 0; i * 8 < bytes; i++) {
        tcg_gen_st(S, st_op[ot], t[i], cpu_env, off + 8 * i);
    }
}

/* Stores bytes (4, 8, 16) from env at off to the memory operand. An
 * unaligned 16-byte store checks both halves writable first, so that it
 * is all or nothing across a page boundary. */
static void gen_st_mem(DisasContext *dc, int off, int bytes, bool align)
{
    MemOp ot = bytes >= 8 ? MO_64 : MO_32;
    if (bytes == 16) {
        if (align) {
            gen_check_align16(dc);
        } else {
            TCGv p = tmp(dc);
            gen_op_ld_rmw(dc, MO_64, p, gen_lea_off(dc, 0));
            gen_op_ld_rmw(dc, MO_64, p, gen_lea_off(dc, 8));
        }
    }
    for (int i = 0; i * 8 < bytes; i++) {
        TCGv t = tmp(dc);
        tcg_gen_ld(S, ld_op[ot], t, cpu_env, off + 8 * i);
        gen_op_st_v(dc, ot, t, gen_lea_off(dc, 8 * i));
    }
}

/* env-to-env copy of bytes (4, 8, 16) */
static void gen_mov_env(DisasContext *dc, int d, int s, int bytes)
{
    MemOp ot = bytes >= 8 ? MO_64 : MO_32;
    for (int i = 0; i * 8 < bytes; i++) {
        TCGv t = tmp(dc);
        tcg_gen_ld(S, ld_op[ot], t, cpu_env, s + 8 * i);
        tcg_gen_st(S, st_op[ot], t, cpu_env, d + 8 * i);
    }
}

static void gen_st_env_imm(DisasContext *dc, int off, MemOp ot, int64_t v)
{
    tcg_gen_st(S, st_op[ot], cst(dc, v), cpu_env, off);
}

static TCGv gen_helper_sse(DisasContext *dc, SSEFunc *fn, int d, int s,
                           uint32_t ctl)
{
    TCGv r = tmp(dc);
    if (ctl == SSE_NOWRITE && d == ENV_OFF(xmm_t1)) {
        /* MOVMSKPS/PD, PMOVMSKB: the result through the scratch slot */
        TCGv dp = tmp(dc), sp = tmp(dc);
        tcg_gen_addi(S, dp, cpu_env, d);
        tcg_gen_addi(S, sp, cpu_env, s);
        tcg_gen_callN(S, fn, TCG_CALL_NO_RWG, NULL, dp, sp, cst(dc, 0),
                      cpu_env);
        tcg_gen_ld(S, INDEX_op_ld, r, cpu_env, d);
        return r;
    }
    if (ctl <= 0xff) {
        /* an integer operation on XMM registers, which raises nothing:
         * the operation itself, on pointers into env */
        TCGv dp = tmp(dc), sp = tmp(dc);
        tcg_gen_addi(S, dp, cpu_env, d);
        tcg_gen_addi(S, sp, cpu_env, s);
        tcg_gen_callN(S, fn, TCG_CALL_NO_RWG, NULL, dp, sp, cst(dc, ctl),
                      cpu_env);
        tcg_gen_movi(S, r, 0);
        return r;
    }
    tcg_gen_callN(S, helper_sse, TCG_CALL_NO_WRITE_GLOBALS, r, cpu_env,
                  cst(dc, (int64_t)(uintptr_t)fn), cst(dc, d), cst(dc, s),
                  cst(dc, ctl));
    return r;
}

/* PAND, PANDN, POR, PXOR and their PS/PD twins: the host's PAND, PANDN,
 * POR, PXOR (the same bits). PXOR/XORPS of a register with itself, the
 * usual way to zero it, is two stores of 0. */
static bool gen_logic_inline(DisasContext *dc, SSEFunc *fn, int d, int s)
{
    uint32_t host_op;
    if (fn == sse_pand || fn == sse_andps) {
        host_op = 0xdb;
    } else if (fn == sse_pandn || fn == sse_andnps) {
        host_op = 0xdf;
    } else if (fn == sse_por || fn == sse_orps) {
        host_op = 0xeb;
    } else if (fn == sse_pxor || fn == sse_xorps) {
        host_op = 0xef;
    } else {
        return false;
    }
    if (d == s && host_op == 0xef) {
        gen_st_env_imm(dc, d, MO_64, 0);
        gen_st_env_imm(dc, d + 8, MO_64, 0);
    } else {
        tcg_gen_vec_op(S, host_op, d, s);
    }
    return true;
}

static void gen_mmx_enter(DisasContext *dc)
{
    tcg_gen_callN(S, helper_mmx_enter, TCG_CALL_NO_RWG, NULL, cpu_env);
}

/* After a write of MMi: bits 79:64 of the x87 register are all ones */
static void gen_mmx_written(DisasContext *dc, int r)
{
    gen_st_env_imm(dc, mmx_off(r) + 8, MO_16, 0xffff);
}

/*
 * The 66-prefixed integer operations of the 0F and 0F 38 maps whose
 * helper is the host's same instruction on the two registers: generated
 * code runs that instruction itself (tcg_gen_vec_op). Not PBLENDVB and
 * BLENDVPS/PD (XMM0 is an implicit operand), nor moves and conversions.
 */
static bool sse_host_op(unsigned op)
{
    unsigned b = op & 0xff;
    if (op >> 8 == 1) {
        return (b >= 0x60 && b <= 0x6d) || (b >= 0x74 && b <= 0x76) ||
               (b >= 0xd1 && b <= 0xd5) || (b >= 0xd8 && b <= 0xdf) ||
               (b >= 0xe0 && b <= 0xe5) || (b >= 0xe8 && b <= 0xef) ||
               (b >= 0xf1 && b <= 0xf6) || (b >= 0xf8 && b <= 0xfe);
    }
    return op >> 8 == 2 &&
           (b <= 0x0b || (b >= 0x1c && b <= 0x1e) || b == 0x28 ||
            b == 0x29 || b == 0x2b || (b >= 0x37 && b <= 0x41));
}

/* ---- one table row ---- */

static void gen_sse_row(DisasContext *dc, const SSEInsn *in)
{
    int f = in->form;
    uint32_t ctl = in->ctl | (uint32_t)(dc->imm & 0xff);
    SSEFunc *fn = (dc->rex_w && in->fn_w) ? in->fn_w : in->fn;
    bool mmx_src = f == F_MM || f == F_MM32 || f == F_X_MM || f == F_G_MMR;
    int d, s;
    static const int8_t src_bytes[] = {
        [F_XX] = 16, [F_XXU] = 16, [F_X64] = 8, [F_X32] = 4, [F_X16] = 2,
        [F_MM] = 8, [F_MM32] = 4, [F_X_MM] = 8, [F_MM_X64] = 8, [F_MM_X128] = 16,
        [F_G_X32] = 4, [F_G_X64] = 8, [F_FL_X32] = 4, [F_FL_X64] = 8,
        [F_FL_XX] = 16,
    };

    if (f == F_MM || f == F_MM32 || f == F_G_MMR ? mmx_unavailable(dc)
                                                 : sse_unavailable(dc)) {
        return;
    }
    if ((f == F_G_XR || f == F_G_MMR) && dc->mod != 3) {
        gen_illegal_opcode(dc);
        return;
    }
    if (in->op == 0x321 && dc->mod != 3) {
        ctl &= ~0xc0u;      /* INSERTPS m32: the dword loaded */
    }
    /* the source */
    if (f == F_X_G) {
        TCGv v = gen_load_rm(dc, dc->rex_w ? MO_64 : MO_32, NULL);
        tcg_gen_st(S, INDEX_op_st, v, cpu_env, ENV_OFF(xmm_t0));
        s = ENV_OFF(xmm_t0);
    } else if (dc->mod != 3) {
        s = ENV_OFF(xmm_t0);
        gen_ld_mem(dc, s, src_bytes[f], f == F_XX || f == F_MM_X128 ||
                                        f == F_FL_XX);
    } else if (mmx_src) {
        s = mmx_off(dc->rm);
        if (f == F_X_MM) {
            ctl |= SSE_MMX;
        }
    } else {
        s = xmm_off(dc->rm);
    }
    /* the destination */
    switch (f) {
    case F_MM: case F_MM32: case F_MM_X64: case F_MM_X128:
        d = mmx_off(dc->reg);
        break;
    case F_G_X32: case F_G_X64: case F_G_XR: case F_G_MMR:
        d = ENV_OFF(xmm_t1);
        ctl |= SSE_NOWRITE;
        break;
    case F_FL_X32: case F_FL_X64: case F_FL_XX:
        d = xmm_off(dc->reg);
        ctl |= SSE_NOWRITE;
        break;
    default:
        d = xmm_off(dc->reg);
    }
    if (ctl == 0 && f == F_XX && gen_logic_inline(dc, fn, d, s)) {
        return;
    }
    if (ctl == 0 && f == F_XX && in->pfx == P_66 && sse_host_op(in->op)) {
        tcg_gen_vec_op(S, (in->op & 0xff) |
                          (in->op >> 8 == 2 ? TCG_VEC_MAP38 : 0), d, s);
        return;
    }
    TCGv r = gen_helper_sse(dc, fn, d, s, ctl);
    if (f == F_G_X32 || f == F_G_X64) {
        gen_op_mov_reg_v(dc, dc->rex_w ? MO_64 : MO_32, dc->reg, r);
    } else if (f == F_G_XR || f == F_G_MMR) {
        if (f == F_G_MMR) {
            tcg_gen_andi(S, r, r, 0xff);
        }
        gen_op_mov_reg_v(dc, MO_32, dc->reg, r);
    } else if (f >= F_FL_X32) {
        /* ZF PF CF from the compare, OF SF AF clear */
        tcg_gen_mov(S, cpu_cc_src, r);
        set_cc_op(dc, CC_OP_EFLAGS);
    }
}

/* ---- moves ---- */

/* 16 bytes: MOVAPS/MOVUPS/MOVAPD/MOVUPD/MOVDQA/MOVDQU/LDDQU/MOVNT* */
static void gen_movo(DisasContext *dc, bool store, bool align)
{
    int r = xmm_off(dc->reg);
    if (sse_unavailable(dc)) {
        return;
    }
    if (dc->mod == 3) {
        int rm = xmm_off(dc->rm);
        tcg_gen_vec_op(S, TCG_VEC_MOV, store ? rm : r, store ? r : rm);
    } else if (store) {
        gen_st_mem(dc, r, 16, align);
    } else {
        gen_ld_mem(dc, r, 16, align);
    }
}

/* MOVSS/MOVSD (bytes 4, 8): a load from memory zeroes the rest of the
 * register, a register move keeps it */
static void gen_movs(DisasContext *dc, bool store, int bytes)
{
    int r = xmm_off(dc->reg);
    if (sse_unavailable(dc)) {
        return;
    }
    if (dc->mod == 3) {
        if (store) {
            gen_mov_env(dc, xmm_off(dc->rm), r, bytes);
        } else {
            gen_mov_env(dc, r, xmm_off(dc->rm), bytes);
        }
    } else if (store) {
        gen_st_mem(dc, r, bytes, false);
    } else {
        gen_ld_mem(dc, r, bytes, false);
        if (bytes == 4) {
            gen_st_env_imm(dc, r + 4, MO_32, 0);
        }
        gen_st_env_imm(dc, r + 8, MO_64, 0);
    }
}

/* MOVLPS/MOVHPS/MOVLPD/MOVHPD (half 0 or 1 of the register) and the
 * register forms MOVHLPS/MOVLHPS (no 66 prefix) */
static bool gen_movhl(DisasContext *dc, bool store, int half, int p)
{
    int r = xmm_off(dc->reg) + 8 * half;
    if (p != P_NP && p != P_66) {
        return false;
    }
    if (dc->mod == 3 && (store || p == P_66)) {
        return false;
    }
    if (sse_unavailable(dc)) {
        return true;
    }
    if (dc->mod == 3) {
        /* MOVHLPS: low = source high; MOVLHPS: high = source low */
        gen_mov_env(dc, r, xmm_off(dc->rm) + 8 * (1 - half), 8);
    } else if (store) {
        gen_st_mem(dc, r, 8, false);
    } else {
        gen_ld_mem(dc, r, 8, false);
    }
    return true;
}

/* MOVD/MOVQ between a GPR or memory and MMX/XMM (0F 6E, 0F 7E) */
static void gen_movd(DisasContext *dc, bool to_gpr, bool xmm)
{
    MemOp ot = dc->rex_w ? MO_64 : MO_32;
    if (xmm ? sse_unavailable(dc) : mmx_unavailable(dc)) {
        return;
    }
    int r = xmm ? xmm_off(dc->reg) : mmx_off(dc->reg);
    if (to_gpr) {
        TCGv a0 = NULL, t = tmp(dc);
        if (dc->mod != 3) {
            /* the store must not fault after the MMX transition */
            a0 = gen_lea_modrm(dc);
            gen_op_ld_rmw(dc, ot, t, a0);
        }
        if (!xmm) {
            gen_mmx_enter(dc);
        }
        tcg_gen_ld(S, ld_op[ot], t, cpu_env, r);
        gen_store_rm(dc, ot, t, a0);
        return;
    }
    TCGv v = gen_load_rm(dc, ot, NULL);
    if (ot == MO_32) {
        tcg_gen_ext32u(S, v, v);
    }
    if (!xmm) {
        gen_mmx_enter(dc);
        tcg_gen_st(S, INDEX_op_st, v, cpu_env, r);
        gen_mmx_written(dc, dc->reg);
        return;
    }
    tcg_gen_st(S, INDEX_op_st, v, cpu_env, r);
    gen_st_env_imm(dc, r + 8, MO_64, 0);
}

/* MOVQ mm, mm/m64 (load) and MOVQ mm/m64, mm (store), MOVNTQ */
static void gen_movq_mmx(DisasContext *dc, bool store)
{
    TCGv t = tmp(dc);
    if (mmx_unavailable(dc)) {
        return;
    }
    if (dc->mod == 3) {
        int d = store ? dc->rm : dc->reg, s = store ? dc->reg : dc->rm;
        gen_mmx_enter(dc);
        gen_mov_env(dc, mmx_off(d), mmx_off(s), 8);
        gen_mmx_written(dc, d);
    } else if (store) {
        TCGv a0 = gen_lea_modrm(dc);
        gen_op_ld_rmw(dc, MO_64, t, a0);
        gen_mmx_enter(dc);
        tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, mmx_off(dc->reg));
        gen_op_st_v(dc, MO_64, t, a0);
    } else {
        gen_op_ld_v(dc, MO_64, t, gen_lea_modrm(dc));
        gen_mmx_enter(dc);
        tcg_gen_st(S, INDEX_op_st, t, cpu_env, mmx_off(dc->reg));
        gen_mmx_written(dc, dc->reg);
    }
}

/* MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): the
 * destination register's high half is zeroed */
static void gen_movq_xmm(DisasContext *dc, bool store)
{
    if (sse_unavailable(dc)) {
        return;
    }
    int d = xmm_off(store ? dc->rm : dc->reg);
    if (store && dc->mod != 3) {
        gen_st_mem(dc, xmm_off(dc->reg), 8, false);
        return;
    }
    if (dc->mod != 3) {
        gen_ld_mem(dc, d, 8, false);
    } else {
        gen_mov_env(dc, d, xmm_off(store ? dc->reg : dc->rm), 8);
    }
    gen_st_env_imm(dc, d + 8, MO_64, 0);
}

/* MOVQ2DQ xmm, mm (F3 0F D6) and MOVDQ2Q mm, xmm (F2 0F D6) */
static bool gen_movq2dq(DisasContext *dc, bool to_xmm)
{
    if (dc->mod != 3) {
        return false;
    }
    if (sse_unavailable(dc)) {
        return true;
    }
    gen_mmx_enter(dc);
    if (to_xmm) {
        gen_mov_env(dc, xmm_off(dc->reg), mmx_off(dc->rm), 8);
        gen_st_env_imm(dc, xmm_off(dc->reg) + 8, MO_64, 0);
    } else {
        gen_mov_env(dc, mmx_off(dc->reg), xmm_off(dc->rm), 8);
        gen_mmx_written(dc, dc->reg);
    }
    return true;
}

/* ---- element inserts and extracts ---- */

/* PINSRW (0F C4), PINSRB/D/Q (0F 3A 20/22): bytes 1, 2, 4, 8 */
static void gen_pinsr(DisasContext *dc, int bytes, bool mmx)
{
    static const MemOp ots[9] = { [1] = MO_8, [2] = MO_16, [4] = MO_32,
                                  [8] = MO_64 };
    MemOp ot = ots[bytes];
    if (mmx ? mmx_unavailable(dc) : sse_unavailable(dc)) {
        return;
    }
    /* a register source is r32 (r64 for PINSRQ), not a byte register */
    TCGv v = gen_load_rm(dc, dc->mod == 3 && ot < MO_32 ? MO_32 : ot, NULL);
    int lanes = (mmx ? 8 : 16) / bytes;
    int off = bytes * (int)(dc->imm & (lanes - 1));
    if (mmx) {
        gen_mmx_enter(dc);
        tcg_gen_st(S, st_op[ot], v, cpu_env, mmx_off(dc->reg) + off);
        gen_mmx_written(dc, dc->reg);
    } else {
        tcg_gen_st(S, st_op[ot], v, cpu_env, xmm_off(dc->reg) + off);
    }
}

/* PEXTRW r, mm/xmm (0F C5; register only, the GPR in ModRM.reg) */
static bool gen_pextrw_reg(DisasContext *dc, bool mmx)
{
    if (dc->mod != 3) {
        return false;
    }
    if (mmx ? mmx_unavailable(dc) : sse_unavailable(dc)) {
        return true;
    }
    TCGv t = tmp(dc);
    if (mmx) {
        gen_mmx_enter(dc);
        tcg_gen_ld(S, INDEX_op_ld16u, t, cpu_env,
                   mmx_off(dc->rm) + 2 * (int)(dc->imm & 3));
    } else {
        tcg_gen_ld(S, INDEX_op_ld16u, t, cpu_env,
                   xmm_off(dc->rm) + 2 * (int)(dc->imm & 7));
    }
    gen_op_mov_reg_v(dc, MO_32, dc->reg, t);
    return true;
}

/* PEXTRB/W/D/Q, EXTRACTPS r/m, xmm, imm8 (0F 3A 14-17): a register
 * destination gets the element zero-extended */
static void gen_pextr(DisasContext *dc, int bytes)
{
    static const MemOp ots[9] = { [1] = MO_8, [2] = MO_16, [4] = MO_32,
                                  [8] = MO_64 };
    MemOp ot = ots[bytes];
    if (sse_unavailable(dc)) {
        return;
    }
    TCGv t = tmp(dc);
    int off = bytes * (int)(dc->imm & (16 / bytes - 1));
    tcg_gen_ld(S, ld_op[ot], t, cpu_env, xmm_off(dc->reg) + off);
    if (dc->mod == 3) {
        gen_op_mov_reg_v(dc, ot == MO_64 ? MO_64 : MO_32, dc->rm, t);
    } else {
        gen_op_st_v(dc, ot, t, gen_lea_modrm(dc));
    }
}

/* ---- shifts by imm8 (0F 71-73) ---- */

static bool gen_shift_imm(DisasContext *dc, int p)
{
    int op = (dc->modrm >> 3) & 7;
    bool mmx = p == P_NP;
    SSEFunc *fn = NULL;
    if (dc->mod != 3 || (p != P_NP && p != P_66)) {
        return false;
    }
    switch ((dc->b & 3) << 3 | op) {
    case 1 << 3 | 2: fn = sse_psrlw; break;
    case 1 << 3 | 4: fn = sse_psraw; break;
    case 1 << 3 | 6: fn = sse_psllw; break;
    case 2 << 3 | 2: fn = sse_psrld; break;
    case 2 << 3 | 4: fn = sse_psrad; break;
    case 2 << 3 | 6: fn = sse_pslld; break;
    case 3 << 3 | 2: fn = sse_psrlq; break;
    case 3 << 3 | 6: fn = sse_psllq; break;
    case 3 << 3 | 3: fn = mmx ? NULL : sse_psrldq; break;
    case 3 << 3 | 7: fn = mmx ? NULL : sse_pslldq; break;
    }
    if (!fn) {
        return false;
    }
    if (mmx ? mmx_unavailable(dc) : sse_unavailable(dc)) {
        return true;
    }
    int d = mmx ? mmx_off(dc->rm) : xmm_off(dc->rm);
    if (!mmx) {
        tcg_gen_vec_op(S, dc->b | TCG_VEC_IMM(op, dc->imm & 0xff), d, d);
        return true;
    }
    uint32_t ctl = (uint32_t)(dc->imm & 0xff) | (mmx ? MMXOP : 0);
    /* the count goes where the register-count form reads it */
    gen_st_env_imm(dc, ENV_OFF(xmm_t0), MO_64, (int64_t)(dc->imm & 0xff));
    gen_helper_sse(dc, fn, d, ENV_OFF(xmm_t0), ctl);
    return true;
}

/* ---- group 15 (0F AE), XSAVEC (0F C7 /4), XGETBV/XSETBV ---- */

/* the legacy region and the header: x87 and SSE are all bt86 has */
#define XSAVE_AREA_BYTES 576

/* XSAVE*, XRSTOR: #UD without CR4.OSXSAVE, #NM with CR0.TS */
static bool xsave_unavailable(DisasContext *dc)
{
    return gen_unavailable(dc, !(dc->flags & HF_OSXSAVE));
}

static bool gen_grp15(DisasContext *dc, int p)
{
    int op = (dc->modrm >> 3) & 7;
    uint32_t idx = (uint32_t)dc->mem_index | (dc->rex_w ? 0x100 : 0);
    TCGv a0, t;
    if (dc->mod == 3) {
        /* LFENCE, MFENCE, SFENCE: a single vCPU sees its own order */
        return p == P_NP && op >= 5;
    }
    if (p == P_66 && op >= 6) {
        /* CLWB, CLFLUSHOPT: checked as a byte load, no effect */
        t = tmp(dc);
        gen_op_ld_v(dc, MO_8, t, gen_lea_modrm(dc));
        return true;
    }
    if (p != P_NP) {
        return false;
    }
    switch (op) {
    case 0: case 1: /* FXSAVE, FXRSTOR: CR0.EM or CR0.TS is #NM */
        if (dc->flags & (HF_EM | HF_TS)) {
            gen_exception(dc, EXCP07_PREX);
            break;
        }
        a0 = gen_check_area(dc, 512, 16, op == 0);
        tcg_gen_callN(S, op ? helper_fxrstor : helper_fxsave, 0, NULL,
                      cpu_env, a0, cst(dc, idx));
        break;
    case 2: /* LDMXCSR */
        if (sse_unavailable(dc)) {
            break;
        }
        t = tmp(dc);
        gen_op_ld_v(dc, MO_32, t, gen_lea_modrm(dc));
        tcg_gen_callN(S, helper_ldmxcsr, TCG_CALL_NO_WRITE_GLOBALS, NULL,
                      cpu_env, t);
        break;
    case 3: /* STMXCSR */
        if (sse_unavailable(dc)) {
            break;
        }
        t = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld32u, t, cpu_env, ENV_OFF(fx.mxcsr));
        gen_op_st_v(dc, MO_32, t, gen_lea_modrm(dc));
        break;
    case 4: case 6: /* XSAVE, XSAVEOPT */
        if (!xsave_unavailable(dc)) {
            a0 = gen_check_area(dc, XSAVE_AREA_BYTES, 64, true);
            tcg_gen_callN(S, helper_xsave, 0, NULL, cpu_env, a0,
                          cst(dc, idx), cst(dc, op == 6));
        }
        break;
    case 5: /* XRSTOR */
        if (!xsave_unavailable(dc)) {
            a0 = gen_check_area(dc, XSAVE_AREA_BYTES, 64, false);
            tcg_gen_callN(S, helper_xrstor, 0, NULL, cpu_env, a0,
                          cst(dc, idx));
        }
        break;
    case 7: /* CLFLUSH: checked as a byte load */
        t = tmp(dc);
        gen_op_ld_v(dc, MO_8, t, gen_lea_modrm(dc));
        break;
    }
    return true;
}

/* 0F 01 D0 (XGETBV), D1 (XSETBV); 0F C7 /4 (XSAVEC) */
static bool gen_xsave_misc(DisasContext *dc, int p)
{
    if (dc->b == 0x1c7) {
        if (dc->mod == 3 || ((dc->modrm >> 3) & 7) != 4 || p != P_NP) {
            return false;
        }
        uint32_t idx = (uint32_t)dc->mem_index | (dc->rex_w ? 0x100 : 0);
        if (!xsave_unavailable(dc)) {
            TCGv a0 = gen_check_area(dc, XSAVE_AREA_BYTES, 64, true);
            tcg_gen_callN(S, helper_xsave, 0, NULL, cpu_env, a0,
                          cst(dc, idx), cst(dc, 2));
        }
        return true;
    }
    if (p != P_NP) {
        return false;
    }
    gen_sync_rip(dc);
    tcg_gen_callN(S, dc->modrm == 0xd0 ? helper_xgetbv : helper_xsetbv, 0,
                  NULL, cpu_env);
    return true;
}

/* ---- the rest ---- */

/* MASKMOVQ / MASKMOVDQU: to DS:rDI */
static bool gen_maskmov(DisasContext *dc, int p)
{
    bool mmx = p == P_NP;
    if (dc->mod != 3 || (p != P_NP && p != P_66)) {
        return false;
    }
    if (mmx ? mmx_unavailable(dc) : sse_unavailable(dc)) {
        return true;
    }
    TCGv a0 = tmp(dc);
    tcg_gen_mov(S, a0, cpu_regs[R_EDI]);
    gen_lea_v_seg(dc, dc->aflag, a0, R_DS, dc->override);
    int d = mmx ? mmx_off(dc->reg) : xmm_off(dc->reg);
    int s = mmx ? mmx_off(dc->rm) : xmm_off(dc->rm);
    uint32_t ctl = (uint32_t)dc->mem_index | (mmx ? 0x10800 : 0x1000);
    tcg_gen_callN(S, helper_maskmov, TCG_CALL_NO_WRITE_GLOBALS, NULL, cpu_env,
                  a0, cst(dc, d), cst(dc, s), cst(dc, ctl));
    return true;
}

/* CRC32 r32/r64, r/m8 (F2 0F 38 F0) or r/m16/32/64 (F2 0F 38 F1) */
static void gen_crc32(DisasContext *dc)
{
    MemOp ot = (dc->b & 1) == 0 ? MO_8 : dc->rex_w ? MO_64
               : (dc->prefix & PREFIX_DATA) ? MO_16 : MO_32;
    TCGv v = gen_load_rm(dc, ot, NULL);
    TCGv c = tmp(dc), r = tmp(dc);
    tcg_gen_ext32u(S, c, cpu_regs[dc->reg]);
    tcg_gen_callN(S, helper_crc32, TCG_CALL_PURE, r, c, v,
                  cst(dc, 1 << ot));
    gen_op_mov_reg_v(dc, dc->rex_w ? MO_64 : MO_32, dc->reg, r);
}

/* PCMPESTRM/ESTRI/ISTRM/ISTRI (66 0F 3A 60-63): no alignment needed */
static void gen_pcmpstr(DisasContext *dc)
{
    int s = xmm_off(dc->rm);
    if (sse_unavailable(dc)) {
        return;
    }
    if (dc->mod != 3) {
        s = ENV_OFF(xmm_t0);
        gen_ld_mem(dc, s, 16, false);
    }
    TCGv r = tmp(dc);
    tcg_gen_callN(S, helper_pcmpstr, 0, r, cpu_env,
                  cst(dc, (dc->b & 0xff) | (dc->rex_w ? 0x100 : 0)),
                  cst(dc, xmm_off(dc->reg)), cst(dc, s),
                  cst(dc, (int64_t)(dc->imm & 0xff)));
    tcg_gen_mov(S, cpu_cc_src, r);
    set_cc_op(dc, CC_OP_EFLAGS);
}

/* Instructions not in sse_table. False: not an opcode of this file. */
static bool gen_sse_special(DisasContext *dc)
{
    int p = mprefix(dc);
    bool np = p == P_NP, x66 = p == P_66;
    switch (dc->b) {
    case 0x110: case 0x111: /* MOVUPS/MOVUPD, MOVSS, MOVSD */
        if (p == P_F3 || p == P_F2) {
            gen_movs(dc, dc->b & 1, p == P_F3 ? 4 : 8);
        } else {
            gen_movo(dc, dc->b & 1, false);
        }
        return true;
    case 0x112: case 0x113: /* MOVLPS/MOVLPD, MOVHLPS */
        return gen_movhl(dc, dc->b & 1, 0, p);
    case 0x116: case 0x117: /* MOVHPS/MOVHPD, MOVLHPS */
        return gen_movhl(dc, dc->b & 1, 1, p);
    case 0x128: case 0x129: /* MOVAPS/MOVAPD */
        if (!np && !x66) {
            return false;
        }
        gen_movo(dc, dc->b & 1, true);
        return true;
    case 0x12b: case 0x1e7: /* MOVNTPS/MOVNTPD, MOVNTDQ; MOVNTQ */
        if (dc->mod == 3 || (!np && !x66)) {
            return false;
        }
        if (dc->b == 0x1e7 && np) {
            gen_movq_mmx(dc, true);
        } else {
            gen_movo(dc, true, true);
        }
        return true;
    case 0x16e: case 0x17e: /* MOVD/MOVQ; F3 0F 7E: MOVQ xmm, xmm/m64 */
        if (p == P_F3 && dc->b == 0x17e) {
            gen_movq_xmm(dc, false);
            return true;
        }
        if (!np && !x66) {
            return false;
        }
        gen_movd(dc, dc->b == 0x17e, x66);
        return true;
    case 0x16f: case 0x17f: /* MOVQ mm; MOVDQA; MOVDQU */
        if (np) {
            gen_movq_mmx(dc, dc->b == 0x17f);
        } else if (p == P_F2) {
            return false;
        } else {
            gen_movo(dc, dc->b == 0x17f, x66);
        }
        return true;
    case 0x171: case 0x172: case 0x173:
        return gen_shift_imm(dc, p);
    case 0x177: /* EMMS */
        if (!np) {
            return false;
        }
        if (!mmx_unavailable(dc)) {
            tcg_gen_callN(S, helper_emms, TCG_CALL_NO_RWG, NULL, cpu_env);
        }
        return true;
    case 0x1ae:
        return gen_grp15(dc, p);
    case 0x101: case 0x1c7:
        return gen_xsave_misc(dc, p);
    case 0x1c3: /* MOVNTI m32/m64, r */
        if (!np || dc->mod == 3) {
            return false;
        }
        {
            MemOp ot = dc->rex_w ? MO_64 : MO_32;
            TCGv t = tmp(dc);
            gen_op_mov_v_reg(dc, ot, t, dc->reg);
            gen_op_st_v(dc, ot, t, gen_lea_modrm(dc));
        }
        return true;
    case 0x1c4: /* PINSRW */
        if (!np && !x66) {
            return false;
        }
        gen_pinsr(dc, 2, np);
        return true;
    case 0x1c5: /* PEXTRW r, mm/xmm */
        return (np || x66) && gen_pextrw_reg(dc, np);
    case 0x1d6: /* MOVQ xmm/m64, xmm; MOVQ2DQ; MOVDQ2Q */
        if (x66) {
            gen_movq_xmm(dc, true);
            return true;
        }
        return !np && gen_movq2dq(dc, p == P_F3);
    case 0x1f0: /* LDDQU */
        if (p != P_F2 || dc->mod == 3) {
            return false;
        }
        gen_movo(dc, false, false);
        return true;
    case 0x1f7:
        return gen_maskmov(dc, p);
    case 0x22a: /* MOVNTDQA */
        if (!x66 || dc->mod == 3) {
            return false;
        }
        gen_movo(dc, false, true);
        return true;
    case 0x2f0: case 0x2f1:
        if (p != P_F2) {
            return false;
        }
        gen_crc32(dc);
        return true;
    case 0x314: case 0x315: case 0x316: case 0x317: /* PEXTRx, EXTRACTPS */
        if (!x66) {
            return false;
        }
        gen_pextr(dc, dc->b == 0x314 ? 1 : dc->b == 0x315 ? 2
                      : (dc->b == 0x316 && dc->rex_w) ? 8 : 4);
        return true;
    case 0x320: case 0x322: /* PINSRB, PINSRD/Q */
        if (!x66) {
            return false;
        }
        gen_pinsr(dc, dc->b == 0x320 ? 1 : dc->rex_w ? 8 : 4, false);
        return true;
    case 0x360: case 0x361: case 0x362: case 0x363:
        if (!x66) {
            return false;
        }
        gen_pcmpstr(dc);
        return true;
    default:
        return false;
    }
}

bool disas_sse(DisasContext *dc)
{
    int map = dc->b >> 8;
    sse_index_init();
    if (map >= 2) {
        decode_modrm(dc);
        if (map == 3) {
            dc->imm = fetch_byte(dc);
        }
        if (dc->prefix & PREFIX_LOCK) {
            gen_illegal_opcode(dc);
            return true;
        }
    }
    int row = sse_index[mprefix(dc)][dc->b];
    if (row) {
        gen_sse_row(dc, &sse_table[row - 1]);
        return true;
    }
    return gen_sse_special(dc);
}
