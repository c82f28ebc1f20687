/*
 * MMX, SSE to SSE4.2: the operations generated code calls through
 * helper_sse(). Guest and host are both x86, so nearly every operation
 * is the host's own instruction run on copies of the guest registers:
 * results, rounding, NaN propagation and MXCSR flags come out exactly as
 * the hardware's. Floating-point ones run with the guest's MXCSR (rounding,
 * DAZ, FTZ) and every exception masked; the flags they raise decide #XM
 * before anything is committed. Only SSE2 and SSE4.2-level host
 * instructions are used (no AVX).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <ucontext.h>

#include "softmmu/cputlb.h"
#include "tcg/tcg.h"

#include "target-x86/helper.h"
#include "target-x86/sse_helper.h"

typedef long long V2 __attribute__((vector_size(16)));

/* Two 8-byte loads: generated code writes registers 8 bytes at a time,
 * and a 16-byte load of two 8-byte stores would stall (no store-to-load
 * forwarding) */
static inline V2 vld(const XMMReg *p)
{
    V2 v;
    asm("movq %1, %0\n\tmovhps %2, %0" : "=&x"(v) : "m"(p->q[0]),
        "m"(p->q[1]));
    return v;
}

static inline void vst(XMMReg *p, V2 v)
{
    memcpy(p, &v, 16);
}

/* A two-operand host instruction: insn s, d. */
#define SSE_OP(name, insn)                                                    \
    void name(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)     \
    {                                                                         \
        V2 a = vld(d), b = vld(s);                                            \
        asm volatile(insn " %1, %0" : "+x"(a) : "x"(b));                      \
        vst(d, a);                                                            \
    }

/* integer (SSE2, SSSE3, SSE4.1, SSE4.2) */
SSE_OP(sse_punpcklbw, "punpcklbw")
SSE_OP(sse_punpcklwd, "punpcklwd")
SSE_OP(sse_punpckldq, "punpckldq")
SSE_OP(sse_punpcklqdq, "punpcklqdq")
SSE_OP(sse_punpckhbw, "punpckhbw")
SSE_OP(sse_punpckhwd, "punpckhwd")
SSE_OP(sse_punpckhdq, "punpckhdq")
SSE_OP(sse_punpckhqdq, "punpckhqdq")
SSE_OP(sse_packsswb, "packsswb")
SSE_OP(sse_packuswb, "packuswb")
SSE_OP(sse_packssdw, "packssdw")
SSE_OP(sse_packusdw, "packusdw")
SSE_OP(sse_pcmpgtb, "pcmpgtb")
SSE_OP(sse_pcmpgtw, "pcmpgtw")
SSE_OP(sse_pcmpgtd, "pcmpgtd")
SSE_OP(sse_pcmpgtq, "pcmpgtq")
SSE_OP(sse_pcmpeqb, "pcmpeqb")
SSE_OP(sse_pcmpeqw, "pcmpeqw")
SSE_OP(sse_pcmpeqd, "pcmpeqd")
SSE_OP(sse_pcmpeqq, "pcmpeqq")
SSE_OP(sse_psrlw, "psrlw")
SSE_OP(sse_psrld, "psrld")
SSE_OP(sse_psrlq, "psrlq")
SSE_OP(sse_psraw, "psraw")
SSE_OP(sse_psrad, "psrad")
SSE_OP(sse_psllw, "psllw")
SSE_OP(sse_pslld, "pslld")
SSE_OP(sse_psllq, "psllq")
SSE_OP(sse_paddb, "paddb")
SSE_OP(sse_paddw, "paddw")
SSE_OP(sse_paddd, "paddd")
SSE_OP(sse_paddq, "paddq")
SSE_OP(sse_psubb, "psubb")
SSE_OP(sse_psubw, "psubw")
SSE_OP(sse_psubd, "psubd")
SSE_OP(sse_psubq, "psubq")
SSE_OP(sse_paddusb, "paddusb")
SSE_OP(sse_paddusw, "paddusw")
SSE_OP(sse_paddsb, "paddsb")
SSE_OP(sse_paddsw, "paddsw")
SSE_OP(sse_psubusb, "psubusb")
SSE_OP(sse_psubusw, "psubusw")
SSE_OP(sse_psubsb, "psubsb")
SSE_OP(sse_psubsw, "psubsw")
SSE_OP(sse_pmullw, "pmullw")
SSE_OP(sse_pmulhw, "pmulhw")
SSE_OP(sse_pmulhuw, "pmulhuw")
SSE_OP(sse_pmuludq, "pmuludq")
SSE_OP(sse_pmaddwd, "pmaddwd")
SSE_OP(sse_psadbw, "psadbw")
SSE_OP(sse_pavgb, "pavgb")
SSE_OP(sse_pavgw, "pavgw")
SSE_OP(sse_pminub, "pminub")
SSE_OP(sse_pmaxub, "pmaxub")
SSE_OP(sse_pminsw, "pminsw")
SSE_OP(sse_pmaxsw, "pmaxsw")
SSE_OP(sse_pand, "pand")
SSE_OP(sse_pandn, "pandn")
SSE_OP(sse_por, "por")
SSE_OP(sse_pxor, "pxor")
SSE_OP(sse_pshufb, "pshufb")
SSE_OP(sse_phaddw, "phaddw")
SSE_OP(sse_phaddd, "phaddd")
SSE_OP(sse_phaddsw, "phaddsw")
SSE_OP(sse_phsubw, "phsubw")
SSE_OP(sse_phsubd, "phsubd")
SSE_OP(sse_phsubsw, "phsubsw")
SSE_OP(sse_pmaddubsw, "pmaddubsw")
SSE_OP(sse_psignb, "psignb")
SSE_OP(sse_psignw, "psignw")
SSE_OP(sse_psignd, "psignd")
SSE_OP(sse_pmulhrsw, "pmulhrsw")
SSE_OP(sse_pabsb, "pabsb")
SSE_OP(sse_pabsw, "pabsw")
SSE_OP(sse_pabsd, "pabsd")
SSE_OP(sse_pmuldq, "pmuldq")
SSE_OP(sse_pmulld, "pmulld")
SSE_OP(sse_pminsb, "pminsb")
SSE_OP(sse_pminsd, "pminsd")
SSE_OP(sse_pminuw, "pminuw")
SSE_OP(sse_pminud, "pminud")
SSE_OP(sse_pmaxsb, "pmaxsb")
SSE_OP(sse_pmaxsd, "pmaxsd")
SSE_OP(sse_pmaxuw, "pmaxuw")
SSE_OP(sse_pmaxud, "pmaxud")
SSE_OP(sse_phminposuw, "phminposuw")
SSE_OP(sse_pmovsxbw, "pmovsxbw")
SSE_OP(sse_pmovsxbd, "pmovsxbd")
SSE_OP(sse_pmovsxbq, "pmovsxbq")
SSE_OP(sse_pmovsxwd, "pmovsxwd")
SSE_OP(sse_pmovsxwq, "pmovsxwq")
SSE_OP(sse_pmovsxdq, "pmovsxdq")
SSE_OP(sse_pmovzxbw, "pmovzxbw")
SSE_OP(sse_pmovzxbd, "pmovzxbd")
SSE_OP(sse_pmovzxbq, "pmovzxbq")
SSE_OP(sse_pmovzxwd, "pmovzxwd")
SSE_OP(sse_pmovzxwq, "pmovzxwq")
SSE_OP(sse_pmovzxdq, "pmovzxdq")
/* bitwise and shuffles of floats: no exceptions */
SSE_OP(sse_andps, "andps")
SSE_OP(sse_andnps, "andnps")
SSE_OP(sse_orps, "orps")
SSE_OP(sse_xorps, "xorps")
SSE_OP(sse_unpcklps, "unpcklps")
SSE_OP(sse_unpckhps, "unpckhps")
SSE_OP(sse_unpcklpd, "unpcklpd")
SSE_OP(sse_unpckhpd, "unpckhpd")
SSE_OP(sse_movsldup, "movsldup")
SSE_OP(sse_movshdup, "movshdup")
SSE_OP(sse_movddup, "movddup")
/* floating point (SSE_FP) */
SSE_OP(sse_addps, "addps")
SSE_OP(sse_addpd, "addpd")
SSE_OP(sse_addss, "addss")
SSE_OP(sse_addsd, "addsd")
SSE_OP(sse_subps, "subps")
SSE_OP(sse_subpd, "subpd")
SSE_OP(sse_subss, "subss")
SSE_OP(sse_subsd, "subsd")
SSE_OP(sse_mulps, "mulps")
SSE_OP(sse_mulpd, "mulpd")
SSE_OP(sse_mulss, "mulss")
SSE_OP(sse_mulsd, "mulsd")
SSE_OP(sse_divps, "divps")
SSE_OP(sse_divpd, "divpd")
SSE_OP(sse_divss, "divss")
SSE_OP(sse_divsd, "divsd")
SSE_OP(sse_minps, "minps")
SSE_OP(sse_minpd, "minpd")
SSE_OP(sse_minss, "minss")
SSE_OP(sse_minsd, "minsd")
SSE_OP(sse_maxps, "maxps")
SSE_OP(sse_maxpd, "maxpd")
SSE_OP(sse_maxss, "maxss")
SSE_OP(sse_maxsd, "maxsd")
SSE_OP(sse_sqrtps, "sqrtps")
SSE_OP(sse_sqrtpd, "sqrtpd")
SSE_OP(sse_sqrtss, "sqrtss")
SSE_OP(sse_sqrtsd, "sqrtsd")
SSE_OP(sse_rsqrtps, "rsqrtps")
SSE_OP(sse_rsqrtss, "rsqrtss")
SSE_OP(sse_rcpps, "rcpps")
SSE_OP(sse_rcpss, "rcpss")
SSE_OP(sse_cvtps2pd, "cvtps2pd")
SSE_OP(sse_cvtpd2ps, "cvtpd2ps")
SSE_OP(sse_cvtss2sd, "cvtss2sd")
SSE_OP(sse_cvtsd2ss, "cvtsd2ss")
SSE_OP(sse_cvtdq2ps, "cvtdq2ps")
SSE_OP(sse_cvtps2dq, "cvtps2dq")
SSE_OP(sse_cvttps2dq, "cvttps2dq")
SSE_OP(sse_cvtdq2pd, "cvtdq2pd")
SSE_OP(sse_cvtpd2dq, "cvtpd2dq")
SSE_OP(sse_cvttpd2dq, "cvttpd2dq")
SSE_OP(sse_haddps, "haddps")
SSE_OP(sse_haddpd, "haddpd")
SSE_OP(sse_hsubps, "hsubps")
SSE_OP(sse_hsubpd, "hsubpd")
SSE_OP(sse_addsubps, "addsubps")
SSE_OP(sse_addsubpd, "addsubpd")

/* BLENDV*: XMM0 is the implicit mask */
#define SSE_OP_XMM0(name, insn)                                               \
    void name(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)     \
    {                                                                         \
        V2 a = vld(d), b = vld(s), m = vld(&env->fx.xmm[0]);                  \
        asm volatile(insn " %%xmm0, %1, %0" : "+x"(a) : "x"(b), "Yz"(m));     \
        vst(d, a);                                                            \
    }
SSE_OP_XMM0(sse_pblendvb, "pblendvb")
SSE_OP_XMM0(sse_blendvps, "blendvps")
SSE_OP_XMM0(sse_blendvpd, "blendvpd")

/*
 * Instructions with an imm8 run the host instruction with the same imm8:
 * a switch over the values the instruction looks at.
 */
#define REP2(M, n) M(n) M((n) + 1)
#define REP4(M, n) REP2(M, n) REP2(M, (n) + 2)
#define REP8(M, n) REP4(M, n) REP4(M, (n) + 4)
#define REP16(M, n) REP8(M, n) REP8(M, (n) + 8)
#define REP64(M, n) REP16(M, n) REP16(M, (n) + 16) REP16(M, (n) + 32)          \
                    REP16(M, (n) + 48)
#define REP128(M, n) REP64(M, n) REP64(M, (n) + 64)
#define REP256(M, n) REP128(M, n) REP128(M, (n) + 128)

#define SSE_IMM_CASE(i, insn)                                                 \
    case (i):                                                                 \
        asm volatile(insn " %2, %1, %0" : "+x"(a) : "x"(b), "i"(i));          \
        break;

/* One switch body per mnemonic (the REP macros take one argument). */
#define CMPPS_CASE(i) SSE_IMM_CASE(i, "cmpps")
#define CMPPD_CASE(i) SSE_IMM_CASE(i, "cmppd")
#define CMPSS_CASE(i) SSE_IMM_CASE(i, "cmpss")
#define CMPSD_CASE(i) SSE_IMM_CASE(i, "cmpsd")
#define ROUNDPS_CASE(i) SSE_IMM_CASE(i, "roundps")
#define ROUNDPD_CASE(i) SSE_IMM_CASE(i, "roundpd")
#define ROUNDSS_CASE(i) SSE_IMM_CASE(i, "roundss")
#define ROUNDSD_CASE(i) SSE_IMM_CASE(i, "roundsd")
#define DPPS_CASE(i) SSE_IMM_CASE(i, "dpps")
#define DPPD_CASE(i) SSE_IMM_CASE(i, "dppd")
#define MPSADBW_CASE(i) SSE_IMM_CASE(i, "mpsadbw")
#define PCLMUL_CASE(i) SSE_IMM_CASE(i, "pclmulqdq")

#define IMM_FN(name, REP, CASE, mask)                                         \
    void name(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)     \
    {                                                                         \
        V2 a = vld(d), b = vld(s);                                            \
        switch (imm & (mask)) {                                               \
            REP(CASE, 0)                                                      \
        }                                                                     \
        vst(d, a);                                                            \
    }

/* CMPPS & co. use imm8[2:0]; ROUND* imm8[3:0]; DPPD imm8[5:4,1:0]. */
IMM_FN(sse_cmpps, REP8, CMPPS_CASE, 7)
IMM_FN(sse_cmppd, REP8, CMPPD_CASE, 7)
IMM_FN(sse_cmpss, REP8, CMPSS_CASE, 7)
IMM_FN(sse_cmpsd, REP8, CMPSD_CASE, 7)
IMM_FN(sse_roundps, REP16, ROUNDPS_CASE, 15)
IMM_FN(sse_roundpd, REP16, ROUNDPD_CASE, 15)
IMM_FN(sse_roundss, REP16, ROUNDSS_CASE, 15)
IMM_FN(sse_roundsd, REP16, ROUNDSD_CASE, 15)
IMM_FN(sse_dpps, REP256, DPPS_CASE, 255)
IMM_FN(sse_dppd, REP64, DPPD_CASE, 63)
IMM_FN(sse_mpsadbw, REP8, MPSADBW_CASE, 7)

/* PCLMULQDQ looks at imm8 bits 0 and 4 */
void sse_pclmulqdq(XMMReg *d, const XMMReg *s, uint32_t imm,
                   CPUX86State *env)
{
    V2 a = vld(d), b = vld(s);
    switch (imm & 0x11) {
        PCLMUL_CASE(0x00)
        PCLMUL_CASE(0x01)
        PCLMUL_CASE(0x10)
        PCLMUL_CASE(0x11)
    }
    vst(d, a);
}

/* ---- conversions with a general register or an MMX operand ---- */

/* CVTSI2SS/SD: s->l[0] or s->q[0] holds the integer (the translator put
 * it there) */
#define SSE_FROM_INT(name, insn, field)                                       \
    void name(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)     \
    {                                                                         \
        V2 a = vld(d);                                                        \
        asm volatile(insn " %1, %0" : "+x"(a) : "r"(s->field[0]));            \
        vst(d, a);                                                            \
    }

SSE_FROM_INT(sse_cvtsi2ss_l, "cvtsi2ssl", l)
SSE_FROM_INT(sse_cvtsi2ss_q, "cvtsi2ssq", q)
SSE_FROM_INT(sse_cvtsi2sd_l, "cvtsi2sdl", l)
SSE_FROM_INT(sse_cvtsi2sd_q, "cvtsi2sdq", q)

/* Float to integer: the result goes to d->q[0] (returned to a GPR). */
#define SSE_TO_INT(name, insn, type)                                          \
    void name(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)     \
    {                                                                         \
        type r;                                                               \
        asm volatile(insn " %1, %0" : "=r"(r) : "x"(vld(s)));                 \
        d->q[0] = (uint64_t)r;                                                \
    }
SSE_TO_INT(sse_cvtss2si_l, "cvtss2si", uint32_t)
SSE_TO_INT(sse_cvtss2si_q, "cvtss2si", uint64_t)
SSE_TO_INT(sse_cvttss2si_l, "cvttss2si", uint32_t)
SSE_TO_INT(sse_cvttss2si_q, "cvttss2si", uint64_t)
SSE_TO_INT(sse_cvtsd2si_l, "cvtsd2si", uint32_t)
SSE_TO_INT(sse_cvtsd2si_q, "cvtsd2si", uint64_t)
SSE_TO_INT(sse_cvttsd2si_l, "cvttsd2si", uint32_t)
SSE_TO_INT(sse_cvttsd2si_q, "cvttsd2si", uint64_t)
SSE_TO_INT(sse_movmskps, "movmskps", uint32_t)
SSE_TO_INT(sse_movmskpd, "movmskpd", uint32_t)
SSE_TO_INT(sse_pmovmskb, "pmovmskb", uint32_t)

/* CVTPI2PS converts two dwords into the low half; the upper two lanes
 * convert zeros, which is exact and raises nothing. */
void sse_cvtpi2ps(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg t = { .q = { s->q[0], 0 } };
    V2 r = vld(&t);
    asm volatile("cvtdq2ps %0, %0" : "+x"(r));
    vst(&t, r);
    d->q[0] = t.q[0];
}

/* CVT(T)PS2PI: the upper two lanes are zeroed first so they raise
 * nothing. */
void sse_cvtps2pi(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg t = { .q = { s->q[0], 0 } };
    V2 r = vld(&t);
    asm volatile("cvtps2dq %0, %0" : "+x"(r));
    vst(&t, r);
    d->q[0] = t.q[0];
}

void sse_cvttps2pi(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg t = { .q = { s->q[0], 0 } };
    V2 r = vld(&t);
    asm volatile("cvttps2dq %0, %0" : "+x"(r));
    vst(&t, r);
    d->q[0] = t.q[0];
}

/* ---- instructions that set EFLAGS: the flags go to d->q[0] ---- */

#define SSE_COMI(name, insn)                                                  \
    void name(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)     \
    {                                                                         \
        bool z, p, c;                                                         \
        asm volatile(insn " %4, %3"                                           \
                     : "=@ccz"(z), "=@ccp"(p), "=@ccc"(c)                     \
                     : "x"(vld(d)), "x"(vld(s)));                             \
        d->q[0] = (z ? CC_Z : 0) | (p ? CC_P : 0) | (c ? CC_C : 0);           \
    }
SSE_COMI(sse_comiss, "comiss")
SSE_COMI(sse_ucomiss, "ucomiss")
SSE_COMI(sse_comisd, "comisd")
SSE_COMI(sse_ucomisd, "ucomisd")

void sse_ptest(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    bool z, c;
    asm volatile("ptest %3, %2" : "=@ccz"(z), "=@ccc"(c)
                 : "x"(vld(d)), "x"(vld(s)));
    d->q[0] = (z ? CC_Z : 0) | (c ? CC_C : 0);
}

/* ---- shuffles and blends by imm8: plain C ---- */

void sse_pshufd(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg r;
    for (int i = 0; i < 4; i++) {
        r.l[i] = s->l[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

void sse_pshufhw(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg r = *s;
    for (int i = 0; i < 4; i++) {
        r.w[4 + i] = s->w[4 + ((imm >> (2 * i)) & 3)];
    }
    *d = r;
}

void sse_pshuflw(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg r = *s;
    for (int i = 0; i < 4; i++) {
        r.w[i] = s->w[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

/* PSHUFW mm: the low quadword only */
void sse_pshufw(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg r = { .q = { 0, 0 } };
    for (int i = 0; i < 4; i++) {
        r.w[i] = s->w[(imm >> (2 * i)) & 3];
    }
    *d = r;
}

void sse_shufps(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg r;
    r.l[0] = d->l[imm & 3];
    r.l[1] = d->l[(imm >> 2) & 3];
    r.l[2] = s->l[(imm >> 4) & 3];
    r.l[3] = s->l[(imm >> 6) & 3];
    *d = r;
}

void sse_shufpd(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    XMMReg r;
    r.q[0] = d->q[imm & 1];
    r.q[1] = s->q[(imm >> 1) & 1];
    *d = r;
}

/* PALIGNR: (d:s) shifted right by imm8 bytes; 16 bytes for XMM ... */
void sse_palignr(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    uint8_t cat[48] = { 0 };
    memcpy(cat, s, 16);
    memcpy(cat + 16, d, 16);
    memcpy(d, cat + (imm < 32 ? imm : 32), 16);
}

/* ... 8 for MMX */
void sse_palignr_mmx(XMMReg *d, const XMMReg *s, uint32_t imm,
                     CPUX86State *env)
{
    uint8_t cat[24] = { 0 };
    memcpy(cat, s, 8);
    memcpy(cat + 8, d, 8);
    d->q[1] = 0;
    memcpy(d, cat + (imm < 16 ? imm : 16), 8);
}

void sse_psrldq(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    uint8_t cat[32] = { 0 };
    memcpy(cat, d, 16);
    memcpy(d, cat + (imm < 16 ? imm : 16), 16);
}

void sse_pslldq(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    uint8_t cat[32] = { 0 };
    memcpy(cat + 16, d, 16);
    memcpy(d, cat + 16 - (imm < 16 ? imm : 16), 16);
}

void sse_blendps(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    for (int i = 0; i < 4; i++) {
        if (imm & (1u << i)) {
            d->l[i] = s->l[i];
        }
    }
}

void sse_blendpd(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    for (int i = 0; i < 2; i++) {
        if (imm & (1u << i)) {
            d->q[i] = s->q[i];
        }
    }
}

void sse_pblendw(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    for (int i = 0; i < 8; i++) {
        if (imm & (1u << i)) {
            d->w[i] = s->w[i];
        }
    }
}

/* INSERTPS: the translator clears imm8[7:6] for a memory source, whose
 * dword is then s->l[0] */
void sse_insertps(XMMReg *d, const XMMReg *s, uint32_t imm, CPUX86State *env)
{
    d->l[(imm >> 4) & 3] = s->l[(imm >> 6) & 3];
    for (int i = 0; i < 4; i++) {
        if (imm & (1u << i)) {
            d->l[i] = 0;
        }
    }
}

/* ---- the dispatcher ---- */

static XMMReg *env_reg(CPUX86State *env, uint32_t off)
{
    return (XMMReg *)((char *)env + off);
}

/* The x87-to-MMX transition (SDM Vol. 1 9.5.1): TOP = 0, every tag valid.
 * st[] is relative to TOP, so it turns with it: MMi is then st[i]. */
static void mmx_enter(CPUX86State *env)
{
    X86FxState *fx = &env->fx;
    int top = (fx->fsw >> 11) & 7;
    if (top) {
        typeof(fx->st) old;
        memcpy(old, fx->st, sizeof(old));
        for (int i = 0; i < 8; i++) {
            fx->st[i] = old[(i - top) & 7];
        }
        fx->fsw &= ~0x3800;
    }
    fx->ftw = 0xff;
}

void helper_mmx_enter(CPUX86State *env)
{
    mmx_enter(env);
}

/* EMMS: TOP = 0 as for any MMX instruction, then every tag empty
 * (SDM Vol. 1 table 9-2) */
void helper_emms(CPUX86State *env)
{
    mmx_enter(env);
    env->fx.ftw = 0;
}

/*
 * Runs fn with the guest's rounding, DAZ and FTZ and every exception
 * masked; returns the exception flags it raised (and maybe some the guest
 * has already). LDMXCSR and STMXCSR are slow, so the host's MXCSR is
 * reloaded only when needed: while its control bits are the guest's, the
 * instruction runs on whatever flags the host holds, and when that shows
 * a flag the guest does not have yet (raised by this instruction, or by
 * host code since), it runs again from clear flags to tell.
 */
static __thread uint32_t host_ctl_now, host_ctl_orig;

static uint32_t fp_run_masked(CPUX86State *env, SSEFunc *fn, XMMReg *a,
                              const XMMReg *b, uint32_t imm)
{
    uint32_t out, ctl = (env->fx.mxcsr | 0x1f80) & ~0x3fu;
    if (!host_ctl_orig) {
        asm volatile("stmxcsr %0" : "=m"(host_ctl_orig) : : "memory");
        host_ctl_orig &= ~0x3fu;
        host_ctl_now = host_ctl_orig;
    }
    if (host_ctl_now == ctl) {
        XMMReg orig = *a;
        fn(a, b, imm, env);
        asm volatile("stmxcsr %0" : "=m"(out) : : "memory");
        if (!(out & 0x3f & ~env->fx.mxcsr)) {
            return out & 0x3f;
        }
        *a = orig;
    }
    asm volatile("ldmxcsr %0" : : "m"(ctl) : "memory");
    fn(a, b, imm, env);
    asm volatile("stmxcsr %0" : "=m"(out) : : "memory");
    host_ctl_now = ctl;
    if (ctl != host_ctl_orig) {
        /* host code keeps its own rounding, DAZ and FTZ */
        asm volatile("ldmxcsr %0" : : "m"(host_ctl_orig) : "memory");
        host_ctl_now = host_ctl_orig;
    }
    return out & 0x3f;
}

/*
 * With some exception unmasked, which flags an instruction sets when it
 * faults is subtle (pre- and post-computation exceptions, underflow of
 * exact results, precision after an overflow). So it runs on the host
 * with the guest's masks: when the host raises #XM, the kernel hands the
 * MXCSR as the hardware left it to this SIGFPE handler.
 */
static __thread sigjmp_buf *fpe_jmp;
static __thread uint32_t fpe_mxcsr;
static struct sigaction fpe_old;

static void fpe_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    if (!fpe_jmp) {
        /* not from a guest instruction: what was there before */
        sigaction(SIGFPE, &fpe_old, NULL);
        return;
    }
    fpe_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    siglongjmp(*fpe_jmp, 1);
}

static void fpe_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fpe_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, &fpe_old);
}

/* Returns the flags; *trapped when an unmasked exception occurred (the
 * result in *a is then meaningless). */
static uint32_t fp_run_unmasked(CPUX86State *env, SSEFunc *fn, XMMReg *a,
                                const XMMReg *b, uint32_t imm, bool *trapped)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    sigjmp_buf jb;
    uint32_t host, guest = env->fx.mxcsr & ~0x3fu;
    volatile uint32_t out = 0;
    pthread_once(&once, fpe_install);
    asm volatile("stmxcsr %0" : "=m"(host));
    if (sigsetjmp(jb, 1) == 0) {
        fpe_jmp = &jb;
        asm volatile("ldmxcsr %0" : : "m"(guest) : "memory");
        fn(a, b, imm, env);
        uint32_t o;
        asm volatile("stmxcsr %0" : "=m"(o) : : "memory");
        out = o;
        *trapped = false;
    } else {
        out = fpe_mxcsr;
        *trapped = true;
    }
    fpe_jmp = NULL;
    asm volatile("ldmxcsr %0" : : "m"(host) : "memory");
    host_ctl_now = host & ~0x3fu;
    return out & 0x3f;
}

/* Accumulates the flags; an unmasked exception raises #XM (#UD without
 * CR4.OSXMMEXCPT) and leaves the destination unchanged. */
static void fp_exec(CPUX86State *env, SSEFunc *fn, XMMReg *a,
                    const XMMReg *b, uint32_t imm, uintptr_t ra)
{
    if ((env->fx.mxcsr & 0x1f80) == 0x1f80) {
        env->fx.mxcsr |= fp_run_masked(env, fn, a, b, imm);
        return;
    }
    bool trapped;
    env->fx.mxcsr |= fp_run_unmasked(env, fn, a, b, imm, &trapped);
    if (trapped) {
        raise_exception_ra(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP13_XMM
                                                              : EXCP06_ILLOP,
                           ra);
    }
}

uint64_t helper_sse(CPUX86State *env, void *fn, uint32_t d, uint32_t s,
                    uint32_t ctl)
{
    uintptr_t ra = GETPC();
    XMMReg a, b;
    if (ctl & SSE_MMX) {
        mmx_enter(env);
    }
    XMMReg *dp = env_reg(env, d);
    vst(&a, vld(dp));
    vst(&b, vld(env_reg(env, s)));
    if (ctl & SSE_MMXD) {
        a.q[1] = 0;
    }
    if (ctl & SSE_CAT) {
        a.q[1] = b.q[0];
        b = a;
    } else if (ctl & SSE_HI) {
        a.q[0] >>= 32;
        b.q[0] >>= 32;
    } else if (ctl & SSE_SHUFB) {
        b.q[0] &= 0x8787878787878787ull;
    }
    if (ctl & SSE_FP) {
        fp_exec(env, (SSEFunc *)fn, &a, &b, ctl & 0xff, ra);
    } else {
        ((SSEFunc *)fn)(&a, &b, ctl & 0xff, env);
    }
    if (!(ctl & SSE_NOWRITE)) {
        if (ctl & SSE_MMXD) {
            dp->q[0] = a.q[0];
            dp->w[4] = 0xffff;  /* an MMX write sets the x87 exponent bits */
        } else {
            *dp = a;
        }
    }
    return a.q[0];
}

void helper_ldmxcsr(CPUX86State *env, uint64_t val)
{
    if (val & ~(uint64_t)MXCSR_MASK) {
        raise_exception_ra(env, EXCP0D_GPF, GETPC());
    }
    env->fx.mxcsr = (uint32_t)val;
}

/* ---- SSE4.2 string compares and CRC32 ---- */

#define PCMP_CASE(i, insn)                                                    \
    case (i):                                                                 \
        asm volatile(insn " %[imm], %[b], %[a]"                               \
                     : "=c"(idx), "=Yz"(mask), "=@ccc"(c), "=@ccz"(z),        \
                       "=@ccs"(sf), "=@cco"(o)                                \
                     : [a] "x"(a), [b] "x"(b), "a"(la), "d"(ld),              \
                       [imm] "i"(i));                                         \
        break;
#define PCMPESTRI_CASE(i) PCMP_CASE(i, "pcmpestri")
#define PCMPESTRM_CASE(i) PCMP_CASE(i, "pcmpestrm")
#define PCMPISTRI_CASE(i) PCMP_CASE(i, "pcmpistri")
#define PCMPISTRM_CASE(i) PCMP_CASE(i, "pcmpistrm")

/* An explicit length: |value| of the operand size, at most 16 (the
 * instruction saturates it the same way). */
static uint32_t pcmp_len(uint64_t v, bool w)
{
    int64_t x = w ? (int64_t)v : (int32_t)v;
    uint64_t mag = x < 0 ? -(uint64_t)x : (uint64_t)x;
    return mag > 16 ? 16 : (uint32_t)mag;
}

uint64_t helper_pcmpstr(CPUX86State *env, uint32_t op, uint32_t d, uint32_t s,
                        uint32_t imm)
{
    V2 a = vld(env_reg(env, d)), b = vld(env_reg(env, s)), mask;
    bool w = op & 0x100;
    uint32_t la = pcmp_len(env->regs[R_EAX], w);
    uint32_t ld = pcmp_len(env->regs[R_EDX], w);
    uint32_t idx = 0;
    bool c = false, z = false, sf = false, o = false;
    imm &= 0xff;
    switch (op & 0xff) {
    case 0x60:
        switch (imm) {
            REP256(PCMPESTRM_CASE, 0)
        }
        break;
    case 0x61:
        switch (imm) {
            REP256(PCMPESTRI_CASE, 0)
        }
        break;
    case 0x62:
        switch (imm) {
            REP256(PCMPISTRM_CASE, 0)
        }
        break;
    default:
        switch (imm) {
            REP256(PCMPISTRI_CASE, 0)
        }
        break;
    }
    if (op & 1) {
        env->regs[R_ECX] = idx;
    } else {
        vst(&env->fx.xmm[0], mask);
    }
    return (c ? CC_C : 0) | (z ? CC_Z : 0) | (sf ? CC_S : 0) | (o ? CC_O : 0);
}

uint64_t helper_crc32(uint64_t crc, uint64_t v, uint32_t bytes)
{
    uint32_t c = (uint32_t)crc;
    uint64_t c64 = c;
    switch (bytes) {
    case 1:
        asm("crc32b %1, %0" : "+r"(c) : "r"((uint8_t)v));
        break;
    case 2:
        asm("crc32w %1, %0" : "+r"(c) : "r"((uint16_t)v));
        break;
    case 4:
        asm("crc32l %1, %0" : "+r"(c) : "r"((uint32_t)v));
        break;
    default:
        asm("crc32q %1, %0" : "+r"(c64) : "r"(v));
        c = (uint32_t)c64;
        break;
    }
    return c;
}

/* ---- MASKMOVQ / MASKMOVDQU ---- */

static void probe_write(CPUX86State *env, uint64_t addr, int len, int idx,
                        uintptr_t ra);

/* Stores the bytes of d whose mask byte in s has bit 7 set, at addr.
 * The whole range is checked writable first, as AMD does (Intel may skip
 * unselected bytes: the SDM leaves it open).
 * mmu_idx_len: mmu index | length (8 or 16) << 8 | MMX << 16. */
void helper_maskmov(CPUX86State *env, uint64_t addr, uint32_t d, uint32_t s,
                    uint32_t mmu_idx_len)
{
    uintptr_t ra = GETPC();
    int idx = mmu_idx_len & 0xff, len = (mmu_idx_len >> 8) & 0xff;
    if (mmu_idx_len & 0x10000) {
        mmx_enter(env);
    }
    XMMReg v = *env_reg(env, d), m = *env_reg(env, s);
    probe_write(env, addr, len, idx, ra);
    for (int i = 0; i < len; i++) {
        if (m.b[i] & 0x80) {
            cpu_st_mmu_flags(env, addr + i, v.b[i], 1, idx, 0, ra);
        }
    }
}

/* ---- FXSAVE, FXRSTOR, XSAVE family (SDM Vol. 1 10.5, 13) ---- */

#define XSTATE_X87 1u
#define XSTATE_SSE 2u
#define XSTATE_SUPPORTED (XSTATE_X87 | XSTATE_SSE)
#define XSAVE_HDR 512

static bool code64(CPUX86State *env)
{
    return env->hflags & HF_CS64;
}

/* Checks that [addr, addr + len) is writable (a fault reports the first
 * byte of the page that faults), so that a save is all or nothing. */
static void probe_write(CPUX86State *env, uint64_t addr, int len, int idx,
                        uintptr_t ra)
{
    cpu_ld_mmu_flags(env, addr, 1, idx, MO_WRITE_INTENT, ra);
    uint64_t last = addr + (uint64_t)len - 1;
    if ((last ^ addr) & TARGET_PAGE_MASK) {
        cpu_ld_mmu_flags(env, last & TARGET_PAGE_MASK, 1, idx,
                         MO_WRITE_INTENT, ra);
    }
}

/* The same for FXSAVE and XSAVE*, whose fault on the second page names
 * the area's last byte (as AMD CPUs do) */
static void probe_write_area(CPUX86State *env, uint64_t addr, int len,
                             int idx, uintptr_t ra)
{
    cpu_ld_mmu_flags(env, addr, 1, idx, MO_WRITE_INTENT, ra);
    cpu_ld_mmu_flags(env, addr + (uint64_t)len - 1, 1, idx, MO_WRITE_INTENT,
                     ra);
}

static void st_bytes(CPUX86State *env, uint64_t addr, const void *p, int len,
                     int idx, uintptr_t ra)
{
    const uint8_t *b = p;
    for (int i = 0; i < len; i += 8) {
        uint64_t v;
        memcpy(&v, b + i, 8);
        cpu_st_mmu_flags(env, addr + i, v, len - i < 8 ? len - i : 8, idx, 0,
                         ra);
    }
}

static void ld_bytes(CPUX86State *env, uint64_t addr, void *p, int len,
                     int idx, uintptr_t ra)
{
    uint8_t *b = p;
    for (int i = 0; i < len; i += 8) {
        int n = len - i < 8 ? len - i : 8;
        uint64_t v = cpu_ld_mmu(env, addr + i, n, idx, ra);
        memcpy(b + i, &v, (size_t)n);
    }
}

/* The image as FXSAVE writes it: the 32-bit format (rex_w clear) has
 * FIP/FDP as offset and selector halves; XMM8-15 only in 64-bit mode. */
static void fx_save_x87(CPUX86State *env, uint64_t addr, bool rex_w, int idx,
                        uintptr_t ra)
{
    X86FxState *fx = &env->fx;
    uint8_t hdr[24];
    memcpy(hdr, fx, 24);
    if (!rex_w) {
        memset(hdr + 12, 0, 4);     /* FCS, reserved */
        memset(hdr + 20, 0, 4);     /* FDS, reserved */
    }
    st_bytes(env, addr, hdr, 24, idx, ra);
    /* 16 bytes per register: the 6 after the 80-bit value are zero */
    st_bytes(env, addr + 32, fx->st, sizeof(fx->st), idx, ra);
}

static void fx_save_sse(CPUX86State *env, uint64_t addr, int idx, uintptr_t ra)
{
    st_bytes(env, addr + 160, env->fx.xmm, code64(env) ? 256 : 128, idx, ra);
}

static void fx_save_mxcsr(CPUX86State *env, uint64_t addr, int idx,
                          uintptr_t ra)
{
    st_bytes(env, addr + 24, &env->fx.mxcsr, 8, idx, ra);
}

static void fx_load_x87(CPUX86State *env, const uint8_t *img, bool rex_w)
{
    X86FxState *fx = &env->fx;
    memcpy(fx, img, 24);
    fx->reserved1 = 0;
    /* reserved FCW bits read 0 but bit 6, which reads 1; B mirrors ES;
     * the opcode is 11 bits */
    fx->fcw = (fx->fcw & 0x1f3f) | 0x40;
    fx->fsw = (fx->fsw & 0x7fff) | ((fx->fsw & 0x80) << 8);
    fx->fop &= 0x7ff;
    if (!rex_w) {
        fx->fip &= 0xffffffffu;
        fx->fdp &= 0xffffffffu;
    }
    for (int i = 0; i < 8; i++) {
        memcpy(&fx->st[i], img + 32 + 16 * i, 10);
        memset(fx->st[i].pad, 0, sizeof(fx->st[i].pad));
    }
}

static void fx_load_sse(CPUX86State *env, const uint8_t *img)
{
    memcpy(env->fx.xmm, img + 160, code64(env) ? 256 : 128);
}

/* MXCSR from an image: reserved bits set are #GP(0) */
static uint32_t image_mxcsr(CPUX86State *env, const uint8_t *img, uintptr_t ra)
{
    uint32_t m;
    memcpy(&m, img + 24, 4);
    if (m & ~MXCSR_MASK) {
        raise_exception_ra(env, EXCP0D_GPF, ra);
    }
    return m;
}

static void check_align(CPUX86State *env, uint64_t addr, uint64_t align,
                        uintptr_t ra)
{
    if (addr & (align - 1)) {
        raise_exception_ra(env, EXCP0D_GPF, ra);
    }
}

/* mmu_idx carries REX.W in bit 8 */
void helper_fxsave(CPUX86State *env, uint64_t addr, uint32_t mmu_idx)
{
    uintptr_t ra = GETPC();
    int idx = mmu_idx & 0xff;
    check_align(env, addr, 16, ra);
    probe_write_area(env, addr, 512, idx, ra);
    fx_save_x87(env, addr, mmu_idx & 0x100, idx, ra);
    fx_save_mxcsr(env, addr, idx, ra);
    fx_save_sse(env, addr, idx, ra);
}

void helper_fxrstor(CPUX86State *env, uint64_t addr, uint32_t mmu_idx)
{
    uintptr_t ra = GETPC();
    int idx = mmu_idx & 0xff;
    uint8_t img[512];
    check_align(env, addr, 16, ra);
    ld_bytes(env, addr, img, 416, idx, ra);
    uint32_t mxcsr = image_mxcsr(env, img, ra);
    fx_load_x87(env, img, mmu_idx & 0x100);
    env->fx.mxcsr = mxcsr;
    fx_load_sse(env, img);
}

/* XSAVE*, XRSTOR, XGETBV, XSETBV: #UD without CR4.OSXSAVE; the XSAVE
 * area instructions are #NM with CR0.TS */
static void xsave_check(CPUX86State *env, bool ts, uintptr_t ra)
{
    if (!(env->cr[4] & CR4_OSXSAVE)) {
        raise_exception_ra(env, EXCP06_ILLOP, ra);
    }
    if (ts && (env->cr[0] & CR0_TS)) {
        raise_exception_ra(env, EXCP07_PREX, ra);
    }
}

/* kind: 0 XSAVE, 1 XSAVEOPT, 2 XSAVEC; REX.W in bit 8 of mmu_idx.
 * Every requested component counts as in use (XINUSE = 1): the init
 * optimisation is optional, and without it XSAVEOPT is XSAVE. */
void helper_xsave(CPUX86State *env, uint64_t addr, uint32_t mmu_idx,
                  uint32_t kind)
{
    uintptr_t ra = GETPC();
    int idx = mmu_idx & 0xff;
    bool rex_w = mmu_idx & 0x100;
    uint64_t rfbm = ((env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX]) &
                    env->xcr0;
    xsave_check(env, true, ra);
    check_align(env, addr, 64, ra);
    probe_write_area(env, addr, XSAVE_HDR + 64, idx, ra);
    if (rfbm & XSTATE_X87) {
        fx_save_x87(env, addr, rex_w, idx, ra);
    }
    if (rfbm & XSTATE_SSE) {
        fx_save_mxcsr(env, addr, idx, ra);
        fx_save_sse(env, addr, idx, ra);
    }
    uint64_t bv = cpu_ld_mmu(env, addr + XSAVE_HDR, 8, idx, ra);
    if (kind == 2) {
        bv = rfbm;
        cpu_st_mmu_flags(env, addr + XSAVE_HDR + 8, rfbm | (1ull << 63), 8,
                         idx, 0, ra);
    } else {
        bv = (bv & ~rfbm) | rfbm;
    }
    cpu_st_mmu_flags(env, addr + XSAVE_HDR, bv, 8, idx, 0, ra);
}

static void x87_init(CPUX86State *env)
{
    X86FxState *fx = &env->fx;
    fx->fcw = 0x37f;
    fx->fsw = 0;
    fx->ftw = 0;
    fx->fop = 0;
    fx->fip = fx->fdp = 0;
    memset(fx->st, 0, sizeof(fx->st));
}

/* XRSTOR, standard and compacted forms (SDM Vol. 1 13.8) */
void helper_xrstor(CPUX86State *env, uint64_t addr, uint32_t mmu_idx)
{
    uintptr_t ra = GETPC();
    int idx = mmu_idx & 0xff;
    uint64_t rfbm = ((env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX]) &
                    env->xcr0;
    uint8_t img[XSAVE_HDR + 64];
    xsave_check(env, true, ra);
    check_align(env, addr, 64, ra);
    ld_bytes(env, addr, img, sizeof(img), idx, ra);
    uint64_t bv, comp, q2, rest = 0;
    memcpy(&bv, img + XSAVE_HDR, 8);
    memcpy(&comp, img + XSAVE_HDR + 8, 8);
    memcpy(&q2, img + XSAVE_HDR + 16, 8);
    for (int i = 24; i < 64; i += 8) {
        uint64_t q;
        memcpy(&q, img + XSAVE_HDR + i, 8);
        rest |= q;
    }
    /* the standard form checks header bytes 23:8, the compacted form
     * bytes 63:16 (SDM Vol. 1 13.8) */
    if (comp & (1ull << 63)) {
        if ((comp & ~(1ull << 63) & ~env->xcr0) || (bv & ~comp) || q2 ||
            rest) {
            raise_exception_ra(env, EXCP0D_GPF, ra);
        }
    } else if (comp || q2 || (bv & ~env->xcr0)) {
        raise_exception_ra(env, EXCP0D_GPF, ra);
    }
    /* MXCSR is read whenever SSE state is requested, even when its
     * XSTATE_BV bit asks for the init state */
    uint32_t mxcsr = env->fx.mxcsr;
    if (rfbm & XSTATE_SSE) {
        mxcsr = image_mxcsr(env, img, ra);
    }
    if (rfbm & XSTATE_X87) {
        if (bv & XSTATE_X87) {
            fx_load_x87(env, img, mmu_idx & 0x100);
        } else {
            x87_init(env);
        }
    }
    if (rfbm & XSTATE_SSE) {
        env->fx.mxcsr = mxcsr;
        if (bv & XSTATE_SSE) {
            fx_load_sse(env, img);
        } else {
            memset(env->fx.xmm, 0, code64(env) ? 256 : 128);
        }
    }
}

/* XSETBV (CPL 0, ECX = 0): x87 must stay on; only x87 and SSE exist */
void helper_xsetbv(CPUX86State *env)
{
    uint64_t v = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    xsave_check(env, false, GETPC());
    if ((env->hflags & HF_CPL_MASK) || (uint32_t)env->regs[R_ECX] != 0 ||
        !(v & XSTATE_X87) || (v & ~(uint64_t)XSTATE_SUPPORTED)) {
        raise_exception_ra(env, EXCP0D_GPF, GETPC());
    }
    env->xcr0 = v;
}

void helper_xgetbv(CPUX86State *env)
{
    xsave_check(env, false, GETPC());
    if ((uint32_t)env->regs[R_ECX] != 0) {
        raise_exception_ra(env, EXCP0D_GPF, GETPC());
    }
    env->regs[R_EAX] = (uint32_t)env->xcr0;
    env->regs[R_EDX] = env->xcr0 >> 32;
}
