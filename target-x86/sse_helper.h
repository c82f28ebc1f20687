/*
 * MMX/SSE operations called from generated code (sse_helper.c). Most run
 * the host's own instruction on copies of the guest operands: guest and
 * host are both x86, so the result, the rounding and the MXCSR flags are
 * exactly the hardware's.
 */
#ifndef TARGET_X86_SSE_HELPER_H
#define TARGET_X86_SSE_HELPER_H

#include <stdint.h>

#include "target-x86/cpu.h"

/* d: the destination (and first source), s: the second source; only d is
 * written. imm: the instruction's imm8. */
typedef void SSEFunc(XMMReg *d, const XMMReg *s, uint32_t imm,
                     CPUX86State *env);

/* helper_sse control bits (above the imm8 in its ctl argument) */
#define SSE_FP      (1u << 8)   /* runs under the guest MXCSR, may raise #XM */
#define SSE_MMX     (1u << 9)   /* an MMX instruction: x87 TOP = 0, tags valid */
#define SSE_MMXD    (1u << 10)  /* the destination is an MMX register */
#define SSE_NOWRITE (1u << 11)  /* the result is only returned */
#define SSE_CAT     (1u << 12)  /* MMX: d and s as one 128-bit operand */
#define SSE_HI      (1u << 13)  /* MMX: the high dwords of d and s */
#define SSE_SHUFB   (1u << 14)  /* MMX PSHUFB: indices modulo 8 */

/* Runs fn on the registers at env offsets d and s; returns the low
 * quadword of the result (a GPR value or EFLAGS for some). */
uint64_t helper_sse(CPUX86State *env, void *fn, uint32_t d, uint32_t s,
                    uint32_t ctl);
void helper_mmx_enter(CPUX86State *env);
void helper_emms(CPUX86State *env);
void helper_ldmxcsr(CPUX86State *env, uint64_t val);
void helper_fxsave(CPUX86State *env, uint64_t addr, uint32_t mmu_idx);
void helper_fxrstor(CPUX86State *env, uint64_t addr, uint32_t mmu_idx);
void helper_xsave(CPUX86State *env, uint64_t addr, uint32_t mmu_idx,
                  uint32_t kind);
void helper_xrstor(CPUX86State *env, uint64_t addr, uint32_t mmu_idx);
void helper_xsetbv(CPUX86State *env);
void helper_xgetbv(CPUX86State *env);
/* PCMPESTRI/ESTRM/ISTRI/ISTRM (op: 0x60-0x63): returns EFLAGS */
uint64_t helper_pcmpstr(CPUX86State *env, uint32_t op, uint32_t d, uint32_t s,
                        uint32_t imm);
uint64_t helper_crc32(uint64_t crc, uint64_t v, uint32_t bytes);
void helper_maskmov(CPUX86State *env, uint64_t addr, uint32_t d, uint32_t s,
                    uint32_t mmu_idx_len);

/* The operations, by mnemonic (sse_helper.c); the translator passes them
 * to helper_sse */
SSEFunc sse_punpcklbw, sse_punpcklwd, sse_punpckldq, sse_punpcklqdq,
    sse_punpckhbw, sse_punpckhwd, sse_punpckhdq, sse_punpckhqdq,
    sse_packsswb, sse_packuswb, sse_packssdw, sse_packusdw, sse_pcmpgtb,
    sse_pcmpgtw, sse_pcmpgtd, sse_pcmpgtq, sse_pcmpeqb, sse_pcmpeqw,
    sse_pcmpeqd, sse_pcmpeqq, sse_psrlw, sse_psrld, sse_psrlq, sse_psraw,
    sse_psrad, sse_psllw, sse_pslld, sse_psllq, sse_paddb, sse_paddw,
    sse_paddd, sse_paddq, sse_psubb, sse_psubw, sse_psubd, sse_psubq,
    sse_paddusb, sse_paddusw, sse_paddsb, sse_paddsw, sse_psubusb,
    sse_psubusw, sse_psubsb, sse_psubsw, sse_pmullw, sse_pmulhw, sse_pmulhuw,
    sse_pmuludq, sse_pmaddwd, sse_psadbw, sse_pavgb, sse_pavgw, sse_pminub,
    sse_pmaxub, sse_pminsw, sse_pmaxsw, sse_pand, sse_pandn, sse_por,
    sse_pxor, sse_pshufb, sse_phaddw, sse_phaddd, sse_phaddsw, sse_phsubw,
    sse_phsubd, sse_phsubsw, sse_pmaddubsw, sse_psignb, sse_psignw,
    sse_psignd, sse_pmulhrsw, sse_pabsb, sse_pabsw, sse_pabsd, sse_pmuldq,
    sse_pmulld, sse_pminsb, sse_pminsd, sse_pminuw, sse_pminud, sse_pmaxsb,
    sse_pmaxsd, sse_pmaxuw, sse_pmaxud, sse_phminposuw, sse_pmovsxbw,
    sse_pmovsxbd, sse_pmovsxbq, sse_pmovsxwd, sse_pmovsxwq, sse_pmovsxdq,
    sse_pmovzxbw, sse_pmovzxbd, sse_pmovzxbq, sse_pmovzxwd, sse_pmovzxwq,
    sse_pmovzxdq, sse_andps, sse_andnps, sse_orps, sse_xorps, sse_unpcklps,
    sse_unpckhps, sse_unpcklpd, sse_unpckhpd, sse_movsldup, sse_movshdup,
    sse_movddup, sse_addps, sse_addpd, sse_addss, sse_addsd, sse_subps,
    sse_subpd, sse_subss, sse_subsd, sse_mulps, sse_mulpd, sse_mulss,
    sse_mulsd, sse_divps, sse_divpd, sse_divss, sse_divsd, sse_minps,
    sse_minpd, sse_minss, sse_minsd, sse_maxps, sse_maxpd, sse_maxss,
    sse_maxsd, sse_sqrtps, sse_sqrtpd, sse_sqrtss, sse_sqrtsd, sse_rsqrtps,
    sse_rsqrtss, sse_rcpps, sse_rcpss, sse_cvtps2pd, sse_cvtpd2ps,
    sse_cvtss2sd, sse_cvtsd2ss, sse_cvtdq2ps, sse_cvtps2dq, sse_cvttps2dq,
    sse_cvtdq2pd, sse_cvtpd2dq, sse_cvttpd2dq, sse_haddps, sse_haddpd,
    sse_hsubps, sse_hsubpd, sse_addsubps, sse_addsubpd, sse_pblendvb,
    sse_blendvps, sse_blendvpd, sse_cmpps, sse_cmppd, sse_cmpss, sse_cmpsd,
    sse_roundps, sse_roundpd, sse_roundss, sse_roundsd, sse_dpps, sse_dppd,
    sse_mpsadbw, sse_cvtss2si_l, sse_cvtss2si_q, sse_cvttss2si_l,
    sse_cvttss2si_q, sse_cvtsd2si_l, sse_cvtsd2si_q, sse_cvttsd2si_l,
    sse_cvttsd2si_q, sse_movmskps, sse_movmskpd, sse_pmovmskb, sse_comiss,
    sse_ucomiss, sse_comisd, sse_ucomisd, sse_pclmulqdq, sse_cvtsi2ss_l,
    sse_cvtsi2ss_q, sse_cvtsi2sd_l, sse_cvtsi2sd_q, sse_cvtpi2ps,
    sse_cvtps2pi, sse_cvttps2pi, sse_ptest, sse_pshufd, sse_pshufhw,
    sse_pshuflw, sse_pshufw, sse_shufps, sse_shufpd, sse_palignr,
    sse_palignr_mmx, sse_psrldq, sse_pslldq, sse_blendps, sse_blendpd,
    sse_pblendw, sse_insertps;

#endif
