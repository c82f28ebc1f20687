/*
 * MMX and SSE to SSE4.2 tests (cputest --sse). Each test sets MXCSR and
 * XMM0, XMM1, XMM2, XMM9, XMM12 (or MM1, MM2) from values it first stores
 * into the data page, runs one instruction, and stores the registers and
 * MXCSR back to the data page, where the harness compares them. Values
 * are the edges of each type: zeros of both signs, denormals, the largest
 * and smallest normals, infinities, quiet and signalling NaNs, integers at
 * the conversion boundaries; MXCSR goes through every rounding mode,
 * DAZ/FTZ, and unmasked exceptions (#XM).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* Data page layout (RBX = DATA_BASE) */
#define OFF_MXCSR_IN  0x80
#define OFF_MXCSR_OUT 0x90
#define OFF_IN        0x100   /* 16 bytes per register slot */
#define OFF_MEM       0x200   /* the memory operand (aligned) */
#define OFF_OUT       0x400
#define OFF_FX        0x600   /* FXSAVE area */

/* Operand kinds: destination, source */
enum {
    K_X,        /* xmm, xmm/m128 aligned */
    K_XU,       /* xmm, xmm/m128 any alignment */
    K_S64,      /* xmm, xmm/m64 */
    K_S32,      /* xmm, xmm/m32 */
    K_S16,      /* xmm, xmm/m16 */
    K_M,        /* mm, mm/m64 */
    K_M32,      /* mm, mm/m32 */
    K_XM,       /* xmm, mm/m64 */
    K_MX64,     /* mm, xmm/m64 */
    K_MX128,    /* mm, xmm/m128 aligned */
    K_XG,       /* xmm, r/m32 (W: r/m64) */
    K_GX32,     /* r32 (W: r64), xmm/m32 */
    K_GX64,     /* r32 (W: r64), xmm/m64 */
    K_GXR,      /* r32, xmm (register only) */
    K_GMR,      /* r32, mm (register only) */
};

/* Value pools */
enum { V_INT, V_PS, V_PD, V_STR };

typedef struct SseOp {
    const char *name;
    uint8_t pfx;        /* 0, 0x66, 0xf3, 0xf2 */
    uint8_t map;        /* 1: 0F, 2: 0F 38, 3: 0F 3A */
    uint8_t op;
    uint8_t kind;
    uint8_t vals;
    bool imm;
    bool flags;         /* sets EFLAGS */
    bool rexw;          /* also with REX.W */
} SseOp;

#define XI(n, p, m, o) { n, p, m, o, K_X, V_INT, false, false, false }
#define MI(n, m, o) { n, 0, m, o, K_M, V_INT, false, false, false }
#define PS(n, p, o) { n, p, 1, o, K_X, V_PS, false, false, false }
#define PD(n, p, o) { n, p, 1, o, K_X, V_PD, false, false, false }
#define SS(n, o) { n, 0xf3, 1, o, K_S32, V_PS, false, false, false }
#define SD(n, o) { n, 0xf2, 1, o, K_S64, V_PD, false, false, false }
#define FP4(n, o) PS(n "ps", 0, o), PD(n "pd", 0x66, o), SS(n "ss", o),        \
                  SD(n "sd", o)

static const SseOp ops[] = {
    /* SSE2 integer (66) and MMX (no prefix) */
#define INT2(n, m, o) XI(n, 0x66, m, o), MI(n " mm", m, o)
    XI("punpcklbw", 0x66, 1, 0x60), XI("punpcklwd", 0x66, 1, 0x61),
    XI("punpckldq", 0x66, 1, 0x62),
    /* the MMX forms read 32 bits of memory: near the page end too */
    { "punpcklbw mm", 0, 1, 0x60, K_M32, V_INT, false, false, false },
    { "punpcklwd mm", 0, 1, 0x61, K_M32, V_INT, false, false, false },
    { "punpckldq mm", 0, 1, 0x62, K_M32, V_INT, false, false, false },
    INT2("packsswb", 1, 0x63),
    INT2("pcmpgtb", 1, 0x64), INT2("pcmpgtw", 1, 0x65),
    INT2("pcmpgtd", 1, 0x66), INT2("packuswb", 1, 0x67),
    INT2("punpckhbw", 1, 0x68), INT2("punpckhwd", 1, 0x69),
    INT2("punpckhdq", 1, 0x6a), INT2("packssdw", 1, 0x6b),
    XI("punpcklqdq", 0x66, 1, 0x6c), XI("punpckhqdq", 0x66, 1, 0x6d),
    INT2("pcmpeqb", 1, 0x74), INT2("pcmpeqw", 1, 0x75),
    INT2("pcmpeqd", 1, 0x76), INT2("psrlw", 1, 0xd1), INT2("psrld", 1, 0xd2),
    INT2("psrlq", 1, 0xd3), INT2("paddq", 1, 0xd4), INT2("pmullw", 1, 0xd5),
    INT2("psubusb", 1, 0xd8), INT2("psubusw", 1, 0xd9),
    INT2("pminub", 1, 0xda), INT2("pand", 1, 0xdb), INT2("paddusb", 1, 0xdc),
    INT2("paddusw", 1, 0xdd), INT2("pmaxub", 1, 0xde), INT2("pandn", 1, 0xdf),
    INT2("pavgb", 1, 0xe0), INT2("psraw", 1, 0xe1), INT2("psrad", 1, 0xe2),
    INT2("pavgw", 1, 0xe3), INT2("pmulhuw", 1, 0xe4), INT2("pmulhw", 1, 0xe5),
    INT2("psubsb", 1, 0xe8), INT2("psubsw", 1, 0xe9), INT2("pminsw", 1, 0xea),
    INT2("por", 1, 0xeb), INT2("paddsb", 1, 0xec), INT2("paddsw", 1, 0xed),
    INT2("pmaxsw", 1, 0xee), INT2("pxor", 1, 0xef), INT2("psllw", 1, 0xf1),
    INT2("pslld", 1, 0xf2), INT2("psllq", 1, 0xf3), INT2("pmuludq", 1, 0xf4),
    INT2("pmaddwd", 1, 0xf5), INT2("psadbw", 1, 0xf6), INT2("psubb", 1, 0xf8),
    INT2("psubw", 1, 0xf9), INT2("psubd", 1, 0xfa), INT2("psubq", 1, 0xfb),
    INT2("paddb", 1, 0xfc), INT2("paddw", 1, 0xfd), INT2("paddd", 1, 0xfe),
    /* SSSE3 */
    INT2("pshufb", 2, 0x00), INT2("phaddw", 2, 0x01), INT2("phaddd", 2, 0x02),
    INT2("phaddsw", 2, 0x03), INT2("pmaddubsw", 2, 0x04),
    INT2("phsubw", 2, 0x05), INT2("phsubd", 2, 0x06),
    INT2("phsubsw", 2, 0x07), INT2("psignb", 2, 0x08),
    INT2("psignw", 2, 0x09), INT2("psignd", 2, 0x0a),
    INT2("pmulhrsw", 2, 0x0b), INT2("pabsb", 2, 0x1c), INT2("pabsw", 2, 0x1d),
    INT2("pabsd", 2, 0x1e),
    { "palignr", 0x66, 3, 0x0f, K_X, V_INT, true, false, false },
    { "palignr mm", 0, 3, 0x0f, K_M, V_INT, true, false, false },
    /* SSE4.1, SSE4.2 integer */
    XI("pblendvb", 0x66, 2, 0x10), XI("pmuldq", 0x66, 2, 0x28),
    XI("pcmpeqq", 0x66, 2, 0x29), XI("packusdw", 0x66, 2, 0x2b),
    XI("pcmpgtq", 0x66, 2, 0x37), XI("pminsb", 0x66, 2, 0x38),
    XI("pminsd", 0x66, 2, 0x39), XI("pminuw", 0x66, 2, 0x3a),
    XI("pminud", 0x66, 2, 0x3b), XI("pmaxsb", 0x66, 2, 0x3c),
    XI("pmaxsd", 0x66, 2, 0x3d), XI("pmaxuw", 0x66, 2, 0x3e),
    XI("pmaxud", 0x66, 2, 0x3f), XI("pmulld", 0x66, 2, 0x40),
    XI("phminposuw", 0x66, 2, 0x41),
    { "ptest", 0x66, 2, 0x17, K_X, V_INT, false, true, false },
    { "pmovsxbw", 0x66, 2, 0x20, K_S64, V_INT, false, false, false },
    { "pmovsxbd", 0x66, 2, 0x21, K_S32, V_INT, false, false, false },
    { "pmovsxbq", 0x66, 2, 0x22, K_S16, V_INT, false, false, false },
    { "pmovsxwd", 0x66, 2, 0x23, K_S64, V_INT, false, false, false },
    { "pmovsxwq", 0x66, 2, 0x24, K_S32, V_INT, false, false, false },
    { "pmovsxdq", 0x66, 2, 0x25, K_S64, V_INT, false, false, false },
    { "pmovzxbw", 0x66, 2, 0x30, K_S64, V_INT, false, false, false },
    { "pmovzxbd", 0x66, 2, 0x31, K_S32, V_INT, false, false, false },
    { "pmovzxbq", 0x66, 2, 0x32, K_S16, V_INT, false, false, false },
    { "pmovzxwd", 0x66, 2, 0x33, K_S64, V_INT, false, false, false },
    { "pmovzxwq", 0x66, 2, 0x34, K_S32, V_INT, false, false, false },
    { "pmovzxdq", 0x66, 2, 0x35, K_S64, V_INT, false, false, false },
    { "pblendw", 0x66, 3, 0x0e, K_X, V_INT, true, false, false },
    { "mpsadbw", 0x66, 3, 0x42, K_X, V_INT, true, false, false },
    { "pclmulqdq", 0x66, 3, 0x44, K_X, V_INT, true, false, false },
    { "pshufd", 0x66, 1, 0x70, K_X, V_INT, true, false, false },
    { "pshufhw", 0xf3, 1, 0x70, K_X, V_INT, true, false, false },
    { "pshuflw", 0xf2, 1, 0x70, K_X, V_INT, true, false, false },
    { "pshufw", 0, 1, 0x70, K_M, V_INT, true, false, false },
    { "pcmpestrm", 0x66, 3, 0x60, K_XU, V_STR, true, true, true },
    { "pcmpestri", 0x66, 3, 0x61, K_XU, V_STR, true, true, true },
    { "pcmpistrm", 0x66, 3, 0x62, K_XU, V_STR, true, true, false },
    { "pcmpistri", 0x66, 3, 0x63, K_XU, V_STR, true, true, false },
    /* floating point */
    FP4("sqrt", 0x51), FP4("add", 0x58), FP4("mul", 0x59), FP4("sub", 0x5c),
    FP4("min", 0x5d), FP4("div", 0x5e), FP4("max", 0x5f),
    PS("rsqrtps", 0, 0x52), SS("rsqrtss", 0x52), PS("rcpps", 0, 0x53),
    SS("rcpss", 0x53),
    PS("andps", 0, 0x54), PD("andpd", 0x66, 0x54), PS("andnps", 0, 0x55),
    PD("andnpd", 0x66, 0x55), PS("orps", 0, 0x56), PD("orpd", 0x66, 0x56),
    PS("xorps", 0, 0x57), PD("xorpd", 0x66, 0x57),
    PS("unpcklps", 0, 0x14), PD("unpcklpd", 0x66, 0x14),
    PS("unpckhps", 0, 0x15), PD("unpckhpd", 0x66, 0x15),
    { "cvtps2pd", 0, 1, 0x5a, K_S64, V_PS, false, false, false },
    PD("cvtpd2ps", 0x66, 0x5a),
    { "cvtss2sd", 0xf3, 1, 0x5a, K_S32, V_PS, false, false, false },
    { "cvtsd2ss", 0xf2, 1, 0x5a, K_S64, V_PD, false, false, false },
    XI("cvtdq2ps", 0, 1, 0x5b), PS("cvtps2dq", 0x66, 0x5b),
    PS("cvttps2dq", 0xf3, 0x5b), PD("cvttpd2dq", 0x66, 0xe6),
    { "cvtdq2pd", 0xf3, 1, 0xe6, K_S64, V_INT, false, false, false },
    PD("cvtpd2dq", 0xf2, 0xe6),
    PD("haddpd", 0x66, 0x7c), PS("haddps", 0xf2, 0x7c),
    PD("hsubpd", 0x66, 0x7d), PS("hsubps", 0xf2, 0x7d),
    PD("addsubpd", 0x66, 0xd0), PS("addsubps", 0xf2, 0xd0),
    PS("movsldup", 0xf3, 0x12), PS("movshdup", 0xf3, 0x16),
    { "movddup", 0xf2, 1, 0x12, K_S64, V_PD, false, false, false },
    { "cmpps", 0, 1, 0xc2, K_X, V_PS, true, false, false },
    { "cmppd", 0x66, 1, 0xc2, K_X, V_PD, true, false, false },
    { "cmpss", 0xf3, 1, 0xc2, K_S32, V_PS, true, false, false },
    { "cmpsd", 0xf2, 1, 0xc2, K_S64, V_PD, true, false, false },
    { "shufps", 0, 1, 0xc6, K_X, V_PS, true, false, false },
    { "shufpd", 0x66, 1, 0xc6, K_X, V_PD, true, false, false },
    { "ucomiss", 0, 1, 0x2e, K_S32, V_PS, false, true, false },
    { "ucomisd", 0x66, 1, 0x2e, K_S64, V_PD, false, true, false },
    { "comiss", 0, 1, 0x2f, K_S32, V_PS, false, true, false },
    { "comisd", 0x66, 1, 0x2f, K_S64, V_PD, false, true, false },
    { "roundps", 0x66, 3, 0x08, K_X, V_PS, true, false, false },
    { "roundpd", 0x66, 3, 0x09, K_X, V_PD, true, false, false },
    { "roundss", 0x66, 3, 0x0a, K_S32, V_PS, true, false, false },
    { "roundsd", 0x66, 3, 0x0b, K_S64, V_PD, true, false, false },
    { "blendps", 0x66, 3, 0x0c, K_X, V_PS, true, false, false },
    { "blendpd", 0x66, 3, 0x0d, K_X, V_PD, true, false, false },
    { "insertps", 0x66, 3, 0x21, K_S32, V_PS, true, false, false },
    { "dpps", 0x66, 3, 0x40, K_X, V_PS, true, false, false },
    { "dppd", 0x66, 3, 0x41, K_X, V_PD, true, false, false },
    { "blendvps", 0x66, 2, 0x14, K_X, V_PS, false, false, false },
    { "blendvpd", 0x66, 2, 0x15, K_X, V_PD, false, false, false },
    /* conversions with GPRs and MMX registers */
    { "cvtsi2ss", 0xf3, 1, 0x2a, K_XG, V_INT, false, false, true },
    { "cvtsi2sd", 0xf2, 1, 0x2a, K_XG, V_INT, false, false, true },
    { "cvttss2si", 0xf3, 1, 0x2c, K_GX32, V_PS, false, false, true },
    { "cvttsd2si", 0xf2, 1, 0x2c, K_GX64, V_PD, false, false, true },
    { "cvtss2si", 0xf3, 1, 0x2d, K_GX32, V_PS, false, false, true },
    { "cvtsd2si", 0xf2, 1, 0x2d, K_GX64, V_PD, false, false, true },
    { "cvtpi2ps", 0, 1, 0x2a, K_XM, V_INT, false, false, false },
    { "cvtpi2pd", 0x66, 1, 0x2a, K_XM, V_INT, false, false, false },
    { "cvttps2pi", 0, 1, 0x2c, K_MX64, V_PS, false, false, false },
    { "cvtps2pi", 0, 1, 0x2d, K_MX64, V_PS, false, false, false },
    { "cvttpd2pi", 0x66, 1, 0x2c, K_MX128, V_PD, false, false, false },
    { "cvtpd2pi", 0x66, 1, 0x2d, K_MX128, V_PD, false, false, false },
    { "movmskps", 0, 1, 0x50, K_GXR, V_PS, false, false, false },
    { "movmskpd", 0x66, 1, 0x50, K_GXR, V_PD, false, false, false },
    { "pmovmskb", 0x66, 1, 0xd7, K_GXR, V_INT, false, false, false },
    { "pmovmskb mm", 0, 1, 0xd7, K_GMR, V_INT, false, false, false },
    /* moves */
    { "movups", 0, 1, 0x10, K_XU, V_INT, false, false, false },
    { "movupd", 0x66, 1, 0x10, K_XU, V_INT, false, false, false },
    { "movss", 0xf3, 1, 0x10, K_S32, V_INT, false, false, false },
    { "movsd", 0xf2, 1, 0x10, K_S64, V_INT, false, false, false },
    { "movaps", 0, 1, 0x28, K_X, V_INT, false, false, false },
    { "movapd", 0x66, 1, 0x28, K_X, V_INT, false, false, false },
    { "movdqa", 0x66, 1, 0x6f, K_X, V_INT, false, false, false },
    { "movdqu", 0xf3, 1, 0x6f, K_XU, V_INT, false, false, false },
    { "movq mm", 0, 1, 0x6f, K_M, V_INT, false, false, false },
    { "movq xmm", 0xf3, 1, 0x7e, K_S64, V_INT, false, false, false },
    { "movd xmm", 0x66, 1, 0x6e, K_XG, V_INT, false, false, true },
};

#define NB_OPS ((int)(sizeof(ops) / sizeof(ops[0])))

typedef struct S {
    TestSink sink;
    void *opaque;
    const char *filter;
    Rng rng;
    TestCase tc;
    Builder b;
    uint64_t dropped;
} S;

/* ---- encoding ---- */

/* mov rax, imm64; mov [rbx + off], rax */
static void put64(S *s, int off, uint64_t v)
{
    uint8_t c[17] = { 0x48, 0xb8 };
    memcpy(c + 2, &v, 8);
    c[10] = 0x48;
    c[11] = 0x89;
    c[12] = 0x83;
    memcpy(c + 13, &off, 4);
    b_start(&s->b);
    b_bytes(&s->b, c, 17);
    b_flags(&s->b, 0, 0, 0);
}

/* mov dword [rbx + off], 0 */
static void zero32(S *s, int off)
{
    uint8_t c[10] = { 0xc7, 0x83 };
    memcpy(c + 2, &off, 4);
    memset(c + 6, 0, 4);
    b_start(&s->b);
    b_bytes(&s->b, c, 10);
    b_flags(&s->b, 0, 0, 0);
}

/*
 * One instruction: [pfx] [REX] 0F [38|3A] op ModRM [disp32] [imm8].
 * rm >= 0: a register; rm < 0: the memory operand [rbx + disp].
 */
static void emit(S *s, uint8_t pfx, bool w, int map, uint8_t op, int reg,
                 int rm, int32_t disp, int imm, uint16_t wdef)
{
    uint8_t c[16];
    int n = 0;
    if (pfx) {
        c[n++] = pfx;
    }
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) |
                            (rm >= 8 ? 1 : 0));
    if (rex != 0x40) {
        c[n++] = rex;
    }
    c[n++] = 0x0f;
    if (map == 2) {
        c[n++] = 0x38;
    } else if (map == 3) {
        c[n++] = 0x3a;
    }
    c[n++] = op;
    if (rm >= 0) {
        c[n++] = (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7));
    } else {
        c[n++] = (uint8_t)(0x80 | (reg & 7) << 3 | 3);   /* [rbx + disp32] */
        memcpy(c + n, &disp, 4);
        n += 4;
    }
    if (imm >= 0) {
        c[n++] = (uint8_t)imm;
    }
    b_start(&s->b);
    b_bytes(&s->b, c, n);
    b_flags(&s->b, 0, wdef, 0);
}

/* mov r64, imm64 (after the prologue, which uses RAX) */
static void set_reg(S *s, int r, uint64_t v)
{
    uint8_t c[10] = { (uint8_t)(0x48 | (r >= 8 ? 1 : 0)),
                      (uint8_t)(0xb8 | (r & 7)) };
    memcpy(c + 2, &v, 8);
    b_start(&s->b);
    b_bytes(&s->b, c, 10);
    b_flags(&s->b, 0, 0, 0);
}

/* movdqu xmm, [rbx + off] / movdqu [rbx + off], xmm */
static void ld_xmm(S *s, int r, int off)
{
    emit(s, 0xf3, false, 1, 0x6f, r, -1, off, -1, 0);
}

static void st_xmm(S *s, int r, int off)
{
    emit(s, 0xf3, false, 1, 0x7f, r, -1, off, -1, 0);
}

/* movq mm, [rbx + off] / movq [rbx + off], mm */
static void ld_mm(S *s, int r, int off)
{
    emit(s, 0, false, 1, 0x6f, r, -1, off, -1, 0);
}

static void st_mm(S *s, int r, int off)
{
    emit(s, 0, false, 1, 0x7f, r, -1, off, -1, 0);
}

static void ldmxcsr(S *s, int off)
{
    emit(s, 0, false, 1, 0xae, 2, -1, off, -1, 0);
}

static void stmxcsr(S *s, int off)
{
    emit(s, 0, false, 1, 0xae, 3, -1, off, -1, 0);
}

/* ---- values ---- */

static const uint32_t f32_edges[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f7fffff, 0xff7fffff,
    0x00800000, 0x80800000, 0x00000001, 0x807fffff, 0x00400000, 0x7f800000,
    0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0xff8abcde, 0x4f000000,
    0xcf000000, 0xcf000001, 0x4effffff, 0x5f000000, 0xdf000000, 0x3f000000,
    0x3fc00000, 0x40200000, 0xbf000000, 0x3dcccccd, 0x501502f9, 0x0c000000,
    0x1f800000, 0x60000000, 0x4b7fffff, 0xcb000001, 0x3effffff, 0x40490fdb,
};

static const uint64_t f64_edges[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull,
    0xbff8000000000000ull, 0x7fefffffffffffffull, 0xffefffffffffffffull,
    0x0010000000000000ull, 0x8010000000000000ull, 0x0000000000000001ull,
    0x800fffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
    0x7ff8000000000000ull, 0xfff8000000000001ull, 0x7ff0000000000001ull,
    0xfff4000000abcdefull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
    0xc1e0000000200000ull, 0x41dfffffffc00000ull, 0x43e0000000000000ull,
    0xc3e0000000000000ull, 0x3fe0000000000000ull, 0x3ff8000000000000ull,
    0x4004000000000000ull, 0xbfe0000000000000ull, 0x3fb999999999999aull,
    0x36a0000000000000ull, 0x47efffffe0000000ull, 0x3810000000000000ull,
    0x369fffffffffffffull, 0x400921fb54442d18ull, 0x4330000000000001ull,
    0xc3dfffffffffffffull, 0x3fdfffffffffffffull, 0x41efffffffe00000ull,
};

static const uint64_t int_edges[] = {
    0, 1, ~0ull, 0x7f7f7f7f7f7f7f7full, 0x8080808080808080ull,
    0x7fff7fff7fff7fffull, 0x8000800080008000ull, 0x7fffffff7fffffffull,
    0x8000000080000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0x00ff00ff00ff00ffull, 0xff00ff00ff00ff00ull, 0x5555555555555555ull,
    0xaaaaaaaaaaaaaaaaull, 0x0123456789abcdefull, 0x000000000000000full,
    0x0000000000000010ull, 0x0000000000000020ull, 0x000000000000003full,
    0x0000000000000040ull, 0x00000000000000ffull, 0xfffffffffffffff0ull,
    0x8080000000000000ull, 0x0102030405060708ull, 0x8f0e0d0c0b0a0908ull,
};

static uint64_t rv(S *s, uint64_t n)
{
    return rng_below(&s->rng, n);
}

static uint32_t pick_f32(S *s)
{
    if (rv(s, 5) == 0) {
        return (uint32_t)rng_next(&s->rng);
    }
    return f32_edges[rv(s, sizeof(f32_edges) / 4)];
}

static uint64_t pick_f64(S *s)
{
    if (rv(s, 5) == 0) {
        return rng_next(&s->rng);
    }
    return f64_edges[rv(s, sizeof(f64_edges) / 8)];
}

static uint64_t pick_q(S *s, int vals)
{
    switch (vals) {
    case V_PS:
        return pick_f32(s) | (uint64_t)pick_f32(s) << 32;
    case V_PD:
        return pick_f64(s);
    case V_STR: {
        /* short strings of few letters, sometimes a zero byte */
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
            uint64_t c = rv(s, 12) == 0 ? 0 : "abcAZ09 "[rv(s, 8)];
            v |= c << (8 * i);
        }
        return v;
    }
    default:
        if (rv(s, 3) == 0) {
            return rng_next(&s->rng);
        }
        if (rv(s, 2) == 0) {
            return int_edges[rv(s, sizeof(int_edges) / 8)];
        }
        /* mixed edges per lane */
        uint64_t v = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t e = int_edges[rv(s, sizeof(int_edges) / 8)];
            v |= (e & 0xffff) << (16 * i);
        }
        return v;
    }
}

static const uint32_t mxcsr_vals[] = {
    0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0x1fc0, 0x9f80, 0x1f80, 0x1fbf,
    0x0000, 0x1d80, 0x1f00, 0x1e80, 0x1b80, 0x1780, 0x0f80, 0x7f80 & ~0x1000,
};

/* ---- tests ---- */

static void random_fx(S *s, FxImage *fx);

static bool begin(S *s, const char *fmt, const char *a, const char *b)
{
    char name[sizeof(s->tc.name)];
    snprintf(name, sizeof(name), fmt, a, b);
    if (s->filter && !strstr(name, s->filter)) {
        return false;
    }
    TestCase *tc = &s->tc;
    memset(tc, 0, offsetof(TestCase, code));
    memcpy(tc->name, name, sizeof(name));
    for (int i = 0; i < 16; i++) {
        tc->regs[i] = rng_next(&s->rng);
    }
    tc->regs[RBX] = DATA_BASE;
    tc->regs[RSP] = STACK_INIT;
    tc->rflags = rng_next(&s->rng) & F_ARITH;
    tc->mem_seed = rng_next(&s->rng);
    b_init(&s->b, tc);
    return true;
}

static void end(S *s)
{
    b_finish(&s->b);
    if (s->b.bad) {
        if (++s->dropped <= 10) {
            fprintf(stderr, "cputest: sse: cannot encode [%s]\n",
                    s->tc.name);
        }
        return;
    }
    s->sink(&s->tc, s->opaque);
}

static const int xregs[] = { 0, 1, 2, 9, 12 };

/* Sets MXCSR and the five XMM registers (or MM1, MM2) and the memory
 * operand from the pools. */
static void prologue(S *s, int vals, uint32_t mxcsr, bool mmx)
{
    put64(s, OFF_MXCSR_IN, mxcsr);
    ldmxcsr(s, OFF_MXCSR_IN);
    for (int i = 0; i < 5; i++) {
        put64(s, OFF_IN + 16 * i, pick_q(s, vals));
        put64(s, OFF_IN + 16 * i + 8, pick_q(s, vals));
        ld_xmm(s, xregs[i], OFF_IN + 16 * i);
    }
    put64(s, OFF_MEM, pick_q(s, vals));
    put64(s, OFF_MEM + 8, pick_q(s, vals));
    put64(s, OFF_MEM + 16, pick_q(s, vals));
    if (mmx) {
        ld_mm(s, 1, OFF_IN + 16);
        ld_mm(s, 2, OFF_IN + 32);
    }
}

static void epilogue(S *s, bool mmx)
{
    for (int i = 0; i < 5; i++) {
        st_xmm(s, xregs[i], OFF_OUT + 16 * i);
    }
    if (mmx) {
        st_mm(s, 1, OFF_OUT + 0x80);
        st_mm(s, 2, OFF_OUT + 0x88);
        static const uint8_t emms[] = { 0x0f, 0x77 };
        b_start(&s->b);
        b_bytes(&s->b, emms, 2);
        b_flags(&s->b, 0, 0, 0);
    }
    stmxcsr(s, OFF_MXCSR_OUT);
}

static bool kind_mmx(int k)
{
    return k == K_M || k == K_M32 || k == K_XM || k == K_MX64 ||
           k == K_MX128 || k == K_GMR;
}

/* register numbers of the destination and the source for a variant */
static void regs_for(const SseOp *o, int var, int *d, int *src)
{
    bool mmx_d = o->kind == K_M || o->kind == K_M32 || o->kind == K_MX64 ||
                 o->kind == K_MX128;
    bool mmx_s = o->kind == K_M || o->kind == K_M32 || o->kind == K_XM ||
                 o->kind == K_GMR;
    bool gpr_d = o->kind == K_GX32 || o->kind == K_GX64 || o->kind == K_GXR ||
                 o->kind == K_GMR;
    bool gpr_s = o->kind == K_XG;
    *d = mmx_d ? 1 : gpr_d ? (var & 1 ? R10 : RDX) : (var & 1 ? 9 : 1);
    *src = mmx_s ? 2 : gpr_s ? (var & 1 ? R11 : RCX) : (var & 1 ? 12 : 2);
}

/* The memory operand's size */
static int mem_size(int kind, bool w)
{
    switch (kind) {
    case K_X: case K_XU: case K_MX128:
        return 16;
    case K_S32: case K_M32: case K_GX32:
        return 4;
    case K_S16:
        return 2;
    case K_XG:
        return w ? 8 : 4;
    default:
        return 8;
    }
}

/* Forms: 0 register; memory 1 aligned, 2 misaligned by 8 (#GP for the
 * aligned kinds), 3 misaligned by 4, 4 ending at the end of the data
 * pages */
static void gen_one(S *s, const SseOp *o, int form, bool w, uint32_t mxcsr,
                    int var)
{
    static const char *const forms[] = { "r", "m", "m+8", "m+4", "m end" };
    char nm[48];
    snprintf(nm, sizeof(nm), "%s%s", o->name, w ? " W" : "");
    if (!begin(s, "sse: %s %s", nm, forms[form])) {
        return;
    }
    bool mmx = kind_mmx(o->kind);
    prologue(s, o->vals, mxcsr, mmx);
    int d, src;
    regs_for(o, var, &d, &src);
    int imm = -1;
    if (o->imm) {
        imm = (int)rv(s, 256);
        if (rv(s, 2) == 0) {
            imm &= 0x1f;
        }
    }
    if (o->map == 3 && (o->op & 0xf0) == 0x60) {
        /* explicit lengths for PCMPESTR*: small, negative, large */
        static const uint64_t lens[] = { 0, 1, 5, 8, 15, 16, 17, 100,
                                         ~0ull, ~4ull, 0x80000000ull,
                                         0xffffffff00000003ull };
        set_reg(s, RAX, lens[rv(s, 12)]);
        set_reg(s, RDX, lens[rv(s, 12)]);
    }
    if (o->kind == K_XG) {
        s->tc.regs[src] = pick_q(s, V_INT);
        if (rv(s, 3) == 0) {
            s->tc.regs[src] = rv(s, 2) ? 0x80000000ull : 0x8000000000000000ull;
        }
    }
    /* form 4: the operand ends exactly at the end of the data pages, so
     * reading one byte too many faults */
    int disp[] = { 0, OFF_MEM, OFF_MEM + 8, OFF_MEM + 4,
                   DATA_SIZE - mem_size(o->kind, w) };
    emit(s, o->pfx, w, o->map, o->op, d, form ? -1 : src, disp[form], imm,
         o->flags ? F_ARITH : 0);
    epilogue(s, mmx);
    end(s);
}

static int nb_mem_forms(int kind)
{
    switch (kind) {
    case K_GXR: case K_GMR:
        return 0;
    case K_X: case K_MX128:
        return 2;       /* aligned, and misaligned: #GP */
    default:
        return 3;
    }
}

static void gen_ops(S *s)
{
    for (int i = 0; i < NB_OPS; i++) {
        const SseOp *o = &ops[i];
        bool fp = o->vals == V_PS || o->vals == V_PD;
        int reps = fp ? 60 : o->imm ? 40 : 16;
        int nm = nb_mem_forms(o->kind);
        for (int w = 0; w <= (int)o->rexw; w++) {
            for (int r = 0; r < reps; r++) {
                uint32_t mx = fp ? mxcsr_vals[r % (sizeof(mxcsr_vals) / 4)]
                                 : 0x1f80;
                gen_one(s, o, 0, w, mx, r);
                for (int f = 1; f <= nm; f++) {
                    if (r % 2 == 0 || f == 1) {
                        gen_one(s, o, f, w, mx, r);
                    }
                }
                if (nm && r < 2) {
                    gen_one(s, o, 4, w, mx, r);
                }
            }
        }
    }
}

/* ---- forms outside the op table: moves, inserts, extracts, shifts by
 * imm8, CRC32, MXCSR, FXSAVE and XSAVE ---- */

enum { RL_X, RL_M, RL_G, RL_DIGIT };

typedef struct Special {
    const char *name;
    uint8_t pfx, map, op;
    uint8_t reg;        /* role of ModRM.reg (RL_DIGIT: digit) */
    uint8_t rm;         /* role of ModRM.rm when a register */
    uint8_t digit;
    bool mem, regform;  /* memory and register forms exist */
    bool imm, rexw;
} Special;

static const Special specials[] = {
    { "movups st", 0, 1, 0x11, RL_X, RL_X, 0, true, true, false, false },
    { "movupd st", 0x66, 1, 0x11, RL_X, RL_X, 0, true, true, false, false },
    { "movss st", 0xf3, 1, 0x11, RL_X, RL_X, 0, true, true, false, false },
    { "movsd st", 0xf2, 1, 0x11, RL_X, RL_X, 0, true, true, false, false },
    { "movlps ld", 0, 1, 0x12, RL_X, RL_X, 0, true, true, false, false },
    { "movlpd ld", 0x66, 1, 0x12, RL_X, RL_X, 0, true, false, false, false },
    { "movlps st", 0, 1, 0x13, RL_X, RL_X, 0, true, false, false, false },
    { "movlpd st", 0x66, 1, 0x13, RL_X, RL_X, 0, true, false, false, false },
    { "movhps ld", 0, 1, 0x16, RL_X, RL_X, 0, true, true, false, false },
    { "movhpd ld", 0x66, 1, 0x16, RL_X, RL_X, 0, true, false, false, false },
    { "movhps st", 0, 1, 0x17, RL_X, RL_X, 0, true, false, false, false },
    { "movhpd st", 0x66, 1, 0x17, RL_X, RL_X, 0, true, false, false, false },
    { "movaps st", 0, 1, 0x29, RL_X, RL_X, 0, true, true, false, false },
    { "movapd st", 0x66, 1, 0x29, RL_X, RL_X, 0, true, true, false, false },
    { "movntps", 0, 1, 0x2b, RL_X, RL_X, 0, true, false, false, false },
    { "movntpd", 0x66, 1, 0x2b, RL_X, RL_X, 0, true, false, false, false },
    { "movd mm ld", 0, 1, 0x6e, RL_M, RL_G, 0, true, true, false, true },
    { "movd mm st", 0, 1, 0x7e, RL_M, RL_G, 0, true, true, false, true },
    { "movd xmm st", 0x66, 1, 0x7e, RL_X, RL_G, 0, true, true, false, true },
    { "movq mm st", 0, 1, 0x7f, RL_M, RL_M, 0, true, true, false, false },
    { "movdqa st", 0x66, 1, 0x7f, RL_X, RL_X, 0, true, true, false, false },
    { "movdqu st", 0xf3, 1, 0x7f, RL_X, RL_X, 0, true, true, false, false },
    { "movq st", 0x66, 1, 0xd6, RL_X, RL_X, 0, true, true, false, false },
    { "movq2dq", 0xf3, 1, 0xd6, RL_X, RL_M, 0, false, true, false, false },
    { "movdq2q", 0xf2, 1, 0xd6, RL_M, RL_X, 0, false, true, false, false },
    { "movntq", 0, 1, 0xe7, RL_M, RL_M, 0, true, false, false, false },
    { "movntdq", 0x66, 1, 0xe7, RL_X, RL_X, 0, true, false, false, false },
    { "lddqu", 0xf2, 1, 0xf0, RL_X, RL_X, 0, true, false, false, false },
    { "movntdqa", 0x66, 2, 0x2a, RL_X, RL_X, 0, true, false, false, false },
    { "movnti", 0, 1, 0xc3, RL_G, RL_G, 0, true, false, false, true },
    { "pinsrw mm", 0, 1, 0xc4, RL_M, RL_G, 0, true, true, true, false },
    { "pinsrw", 0x66, 1, 0xc4, RL_X, RL_G, 0, true, true, true, false },
    { "pextrw mm", 0, 1, 0xc5, RL_G, RL_M, 0, false, true, true, false },
    { "pextrw", 0x66, 1, 0xc5, RL_G, RL_X, 0, false, true, true, false },
    { "pextrb", 0x66, 3, 0x14, RL_X, RL_G, 0, true, true, true, false },
    { "pextrw 3a", 0x66, 3, 0x15, RL_X, RL_G, 0, true, true, true, false },
    { "pextrd", 0x66, 3, 0x16, RL_X, RL_G, 0, true, true, true, true },
    { "extractps", 0x66, 3, 0x17, RL_X, RL_G, 0, true, true, true, false },
    { "pinsrb", 0x66, 3, 0x20, RL_X, RL_G, 0, true, true, true, false },
    { "pinsrd", 0x66, 3, 0x22, RL_X, RL_G, 0, true, true, true, true },
    { "psrlw imm mm", 0, 1, 0x71, RL_DIGIT, RL_M, 2, false, true, true, false },
    { "psraw imm mm", 0, 1, 0x71, RL_DIGIT, RL_M, 4, false, true, true, false },
    { "psllw imm mm", 0, 1, 0x71, RL_DIGIT, RL_M, 6, false, true, true, false },
    { "psrld imm mm", 0, 1, 0x72, RL_DIGIT, RL_M, 2, false, true, true, false },
    { "psrad imm mm", 0, 1, 0x72, RL_DIGIT, RL_M, 4, false, true, true, false },
    { "pslld imm mm", 0, 1, 0x72, RL_DIGIT, RL_M, 6, false, true, true, false },
    { "psrlq imm mm", 0, 1, 0x73, RL_DIGIT, RL_M, 2, false, true, true, false },
    { "psllq imm mm", 0, 1, 0x73, RL_DIGIT, RL_M, 6, false, true, true, false },
    { "psrlw imm", 0x66, 1, 0x71, RL_DIGIT, RL_X, 2, false, true, true, false },
    { "psraw imm", 0x66, 1, 0x71, RL_DIGIT, RL_X, 4, false, true, true, false },
    { "psllw imm", 0x66, 1, 0x71, RL_DIGIT, RL_X, 6, false, true, true, false },
    { "psrld imm", 0x66, 1, 0x72, RL_DIGIT, RL_X, 2, false, true, true, false },
    { "psrad imm", 0x66, 1, 0x72, RL_DIGIT, RL_X, 4, false, true, true, false },
    { "pslld imm", 0x66, 1, 0x72, RL_DIGIT, RL_X, 6, false, true, true, false },
    { "psrlq imm", 0x66, 1, 0x73, RL_DIGIT, RL_X, 2, false, true, true, false },
    { "psrldq", 0x66, 1, 0x73, RL_DIGIT, RL_X, 3, false, true, true, false },
    { "psllq imm", 0x66, 1, 0x73, RL_DIGIT, RL_X, 6, false, true, true, false },
    { "pslldq", 0x66, 1, 0x73, RL_DIGIT, RL_X, 7, false, true, true, false },
    { "maskmovq", 0, 1, 0xf7, RL_M, RL_M, 0, false, true, false, false },
    { "maskmovdqu", 0x66, 1, 0xf7, RL_X, RL_X, 0, false, true, false, false },
    { "crc32b", 0xf2, 2, 0xf0, RL_G, RL_G, 0, true, true, false, true },
    { "crc32", 0xf2, 2, 0xf1, RL_G, RL_G, 0, true, true, false, true },
    { "ldmxcsr", 0, 1, 0xae, RL_DIGIT, RL_G, 2, true, false, false, false },
    { "stmxcsr", 0, 1, 0xae, RL_DIGIT, RL_G, 3, true, false, false, false },
    { "emms", 0, 1, 0x77, RL_DIGIT, RL_G, 0, false, false, false, false },
};

/* memory operands: aligned, misaligned, crossing into the second data
 * page, and running off the end of the data pages (#PF) */
static const int32_t sp_disp[] = {
    OFF_MEM, OFF_MEM + 8, OFF_MEM + 3, 0xff8, 0xffc, DATA_SIZE - 8,
    DATA_SIZE - 4, DATA_SIZE - 16, DATA_SIZE - 2, DATA_SIZE - 1,
};

static int role_reg(int role, bool second, int var)
{
    switch (role) {
    case RL_X:
        return second ? (var & 1 ? 12 : 2) : (var & 1 ? 9 : 1);
    case RL_M:
        return second ? 2 : 1;
    default:
        return second ? (var & 1 ? R11 : RCX) : (var & 1 ? R10 : RDX);
    }
}

static void gen_special_one(S *s, const Special *o, bool w, int mem, int var)
{
    char nm[48];
    snprintf(nm, sizeof(nm), "%s%s", o->name, w ? " W" : "");
    if (!begin(s, "sse: %s %s", nm, mem >= 0 ? "m" : "r")) {
        return;
    }
    bool mmx = o->reg == RL_M || o->rm == RL_M;
    uint32_t mx = 0x1f80;
    if (o->op == 0xae && o->digit == 2 && rv(s, 2)) {
        mx = (uint32_t)rng_next(&s->rng) & (rv(s, 2) ? 0xffff : 0x3ffff);
    }
    prologue(s, V_INT, 0x1f80, mmx);
    if (o->op == 0xae) {
        put64(s, OFF_MEM, mx | (uint64_t)mx << 32);
    }
    int reg = o->reg == RL_DIGIT ? o->digit : role_reg(o->reg, false, var);
    int rm = role_reg(o->rm, true, var);
    int imm = o->imm ? (int)rv(s, 256) : -1;
    if (o->imm && rv(s, 2)) {
        imm &= 0x1f;
    }
    if (o->op == 0xf7) {
        /* MASKMOV*: the destination is DS:RDI, near the page ends too */
        static const int32_t dst[] = { 0x300, 0x301, 0xff9, DATA_SIZE - 9,
                                       DATA_SIZE - 16 };
        s->tc.regs[RDI] = DATA_BASE + dst[rv(s, 5)];
    }
    if (o->op == 0x77) {
        static const uint8_t emms[] = { 0x0f, 0x77 };
        b_start(&s->b);
        b_bytes(&s->b, emms, 2);
        b_flags(&s->b, 0, 0, 0);
    } else {
        emit(s, o->pfx, w, o->map, o->op, reg, mem >= 0 ? -1 : rm,
             mem >= 0 ? sp_disp[mem] : 0, imm, 0);
    }
    epilogue(s, mmx);
    end(s);
}

static void gen_specials(S *s)
{
    int n = (int)(sizeof(specials) / sizeof(specials[0]));
    for (int i = 0; i < n; i++) {
        const Special *o = &specials[i];
        for (int w = 0; w <= (int)o->rexw; w++) {
            for (int r = 0; r < 24; r++) {
                if (o->regform || (!o->mem && r < 4)) {
                    gen_special_one(s, o, w, -1, r);
                }
                if (o->mem) {
                    int nd = (int)(sizeof(sp_disp) / sizeof(sp_disp[0]));
                    gen_special_one(s, o, w, r < nd ? r : (int)rv(s, 3), r);
                }
            }
        }
    }
}

/*
 * FXRSTOR an image (random x87 state, a valid or invalid MXCSR), then
 * FXSAVE or XSAVE* it elsewhere; or XRSTOR an XSAVE area with a valid or
 * invalid header and FXSAVE what it loaded.
 */
#define OFF_FX_SRC 0xa00
static void gen_fxsave(S *s)
{
    static const char *const names[] = {
        "fxrstor+fxsave", "fxrstor64+fxsave64", "fxrstor+xsave",
        "fxrstor+xsaveopt", "fxrstor+xsavec", "xrstor", "xrstor64",
        "fxsave misaligned", "xsave misaligned", "xrstor bad header",
        "xsavec+xrstor", "xsave+xrstor",
    };
    /* the save after the FXRSTOR: map, opcode, /digit */
    static const uint8_t sv[][3] = {
        { 1, 0xae, 0 }, { 1, 0xae, 0 }, { 1, 0xae, 4 }, { 1, 0xae, 6 },
        { 1, 0xc7, 4 }, { 0 }, { 0 }, { 1, 0xae, 0 }, { 1, 0xae, 4 },
    };
    for (int k = 0; k < 12; k++) {
        for (int r = 0; r < 40; r++) {
            if (!begin(s, "sse: %s%s", names[k], "")) {
                continue;
            }
            bool w = k == 1 || k == 6;
            bool xr = k == 5 || k == 6 || k == 9;
            int img = xr ? OFF_FX : OFF_FX_SRC;
            prologue(s, V_INT, 0x1f80, false);
            for (int i = 0; i < 16; i++) {
                if (i != 0 && i != 1 && i != 2 && i != 9 && i != 12) {
                    /* pxor xmmi, xmmi: all of them are saved */
                    emit(s, 0x66, false, 1, 0xef, i, i, 0, -1, 0);
                }
            }
            uint32_t mx = (uint32_t)rng_next(&s->rng) & 0xffbf;
            if (r % 8 == 7) {
                /* reserved: #GP (bit 17 is AMD's misaligned-SSE mode) */
                mx |= 1u << (18 + rv(s, 14));
            }
            /* FCW, FSW, FTW, FOP. An unmasked invalid-operation flag, so
             * that ES and B are set in every vendor's view (AMD saves
             * FIP/FDP/FOP only then, and recomputes ES) */
            put64(s, img, (rng_next(&s->rng) & ~1ull) | 0x80810000ull);
            put64(s, img + 24, mx | (uint64_t)0xffff << 32);
            /* FIP and FDP canonical (and FCS/FDS zero in the 32-bit
             * format): vendors differ in what they keep of the rest */
            uint64_t ipmask = w ? 0x7fffffffffffull : 0xffffffffull;
            put64(s, img + 8, rng_next(&s->rng) & ipmask);
            put64(s, img + 16, rng_next(&s->rng) & ipmask);
            if (xr) {
                /* XSTATE_BV, XCOMP_BV, zeros (junk for a bad header) */
                for (int i = 0; i < 8; i++) {
                    uint64_t v = i == 0 ? rv(s, 4)
                                 : (k == 9 && rv(s, 2)) ? rng_next(&s->rng)
                                 : 0;
                    put64(s, OFF_FX + 512 + 8 * i, v);
                }
            }
            /* RFBM: x87 and SSE only (the host has more components) */
            set_reg(s, RAX, rv(s, 2) ? 3 : rv(s, 4));
            set_reg(s, RDX, 0);
            int dst = xr ? OFF_FX_SRC
                      : k == 7 ? OFF_FX + 16 + 8 * (int)rv(s, 2)
                      : k == 8 ? OFF_FX + 16 * (1 + (int)rv(s, 3)) : OFF_FX;
            if (k >= 10) {
                /* save (compacted or standard) over a clean header, change
                 * the registers, restore, and look */
                for (int i = 0; i < 8; i++) {
                    put64(s, OFF_FX + 512 + 8 * i, 0);
                }
                set_reg(s, RAX, rv(s, 2) ? 3 : rv(s, 4));   /* RFBM */
                emit(s, 0, false, 1, 0xae, 1, -1, OFF_FX_SRC, -1, 0);
                emit(s, 0, false, 1, k == 10 ? 0xc7 : 0xae, 4, -1, OFF_FX,
                     -1, 0);
                for (int i = 0; i < 16; i += 5) {
                    emit(s, 0x66, false, 1, 0xfe, i, (i + 5) & 15, 0, -1, 0);
                }
                emit(s, 0, false, 1, 0xae, 2, -1, OFF_MXCSR_IN, -1, 0);
                emit(s, 0, false, 1, 0xae, 5, -1, OFF_FX, -1, 0);
                emit(s, 0, false, 1, 0xae, 0, -1, OFF_FX_SRC + 512, -1, 0);
                zero32(s, OFF_FX_SRC + 512 + 28);
                zero32(s, OFF_FX + 28);
            } else if (xr) {
                /* everything XRSTOR may leave alone is first loaded */
                emit(s, 0, w, 1, 0xae, 1, -1, OFF_FX, -1, 0);
                emit(s, 0, w, 1, 0xae, 5, -1, OFF_FX, -1, 0);
                emit(s, 0, w, 1, 0xae, 0, -1, dst, -1, 0);
            } else {
                emit(s, 0, w, 1, 0xae, 1, -1, OFF_FX_SRC, -1, 0);
                emit(s, 0, w, sv[k][0], sv[k][1], sv[k][2], -1, dst, -1, 0);
            }
            /* MXCSR_MASK is the host's (AMD adds bit 17): not compared */
            if (k < 10) {
                zero32(s, dst + 28);
            }
            epilogue(s, false);
            end(s);
        }
    }
}

/* MMX instructions from an x87 state with TOP != 0: the transition turns
 * the register file; also when the instruction faults (#XM from CVTPS2PI,
 * #PF from a memory operand) */
static void gen_mmx_transition(S *s)
{
    static const struct { const char *name; uint8_t n, b[8]; } seq[] = {
        { "paddb mm1, mm2", 3, { 0x0f, 0xfc, 0xca } },
        { "movq mm3, [rbx+0x200]", 7, { 0x0f, 0x6f, 0x9b, 0, 2, 0, 0 } },
        { "movq mm3, [rbx+0x1ffc]", 7, { 0x0f, 0x6f, 0x9b, 0xfc, 0x1f, 0, 0 } },
        { "movq [rbx+0x1ffc], mm3", 7, { 0x0f, 0x7f, 0x9b, 0xfc, 0x1f, 0, 0 } },
        { "movd eax, mm4", 3, { 0x0f, 0x7e, 0xe0 } },
        { "emms", 2, { 0x0f, 0x77 } },
        { "cvtps2pi mm1, xmm2", 3, { 0x0f, 0x2d, 0xca } },
        { "cvtpi2ps xmm1, mm2", 3, { 0x0f, 0x2a, 0xca } },
        { "cvtpi2ps xmm1, [rbx+0x200]", 7, { 0x0f, 0x2a, 0x8b, 0, 2, 0, 0 } },
        { "pextrw eax, mm5, 1", 4, { 0x0f, 0xc5, 0xc5, 1 } },
        { "pmovmskb eax, mm6", 3, { 0x0f, 0xd7, 0xc6 } },
        { "maskmovq mm1, mm2", 3, { 0x0f, 0xf7, 0xca } },
    };
    for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        for (int r = 0; r < 16; r++) {
            if (!begin(s, "sse: mmx transition: %s%s", seq[i].name, "")) {
                continue;
            }
            TestCase *tc = &s->tc;
            tc->fx_set = true;
            random_fx(s, &tc->fx);
            tc->fx.fsw = (uint16_t)((1 + r % 7) << 11);
            tc->fx.ftw = (uint8_t)rng_next(&s->rng);
            tc->fx.mxcsr = r & 1 ? 0x1f00 : 0x1f80;    /* IM clear */
            if (r & 2) {
                /* signalling NaNs: invalid for CVTPS2PI */
                static const uint32_t snan[4] = { 0x7f800001, 0xff800002,
                                                  0x7f800001, 0x7f800001 };
                memcpy(tc->fx.xmm[2], snan, 16);
            }
            tc->regs[RDI] = DATA_BASE + 0x300;
            b_start(&s->b);
            b_bytes(&s->b, seq[i].b, seq[i].n);
            b_flags(&s->b, 0, 0, 0);
            end(s);
        }
    }
}

/* Encodings that must raise #UD on every vendor (none that AMD gives to
 * SSE4a or that other extensions use) */
static void gen_invalid(S *s)
{
    static const struct { const char *name; uint8_t n, b[8]; } bad[] = {
        { "lock paddd", 5, { 0xf0, 0x66, 0x0f, 0xfe, 0xc1 } },
        { "lock paddd m", 5, { 0xf0, 0x66, 0x0f, 0xfe, 0x03 } },
        { "lock movaps", 4, { 0xf0, 0x0f, 0x28, 0xc1 } },
        { "lock pshufb", 6, { 0xf0, 0x66, 0x0f, 0x38, 0x00, 0xc1 } },
        { "lock roundps", 7, { 0xf0, 0x66, 0x0f, 0x3a, 0x08, 0xc1, 0 } },
        { "lock movdqu st", 5, { 0xf0, 0xf3, 0x0f, 0x7f, 0x03 } },
        { "psrlw imm /0", 5, { 0x66, 0x0f, 0x71, 0xc1, 3 } },
        { "psrldq mm", 4, { 0x0f, 0x73, 0xd9, 3 } },
        { "pextrw m", 5, { 0x66, 0x0f, 0xc5, 0x03, 1 } },
        { "movmskps m", 3, { 0x0f, 0x50, 0x03 } },
        { "pmovmskb m", 4, { 0x66, 0x0f, 0xd7, 0x03 } },
        { "movlpd r", 4, { 0x66, 0x0f, 0x12, 0xc1 } },
        { "movlps st r", 3, { 0x0f, 0x13, 0xc1 } },
        { "movhps st r", 3, { 0x0f, 0x17, 0xc1 } },
        { "movntps r", 3, { 0x0f, 0x2b, 0xc1 } },
        { "movntdq r", 4, { 0x66, 0x0f, 0xe7, 0xc1 } },
        { "maskmovdqu m", 4, { 0x66, 0x0f, 0xf7, 0x03 } },
        { "lddqu r", 4, { 0xf2, 0x0f, 0xf0, 0xc1 } },
        { "movntdqa r", 5, { 0x66, 0x0f, 0x38, 0x2a, 0xc1 } },
        { "movdq2q m", 4, { 0xf2, 0x0f, 0xd6, 0x03 } },
        { "movq2dq m", 4, { 0xf3, 0x0f, 0xd6, 0x03 } },
        { "ldmxcsr r", 3, { 0x0f, 0xae, 0xd1 } },
        { "fxsave r", 3, { 0x0f, 0xae, 0xc1 } },
        { "xsavec r", 3, { 0x0f, 0xc7, 0xe1 } },
        { "movnti r", 3, { 0x0f, 0xc3, 0xc1 } },
        { "punpcklqdq mm", 3, { 0x0f, 0x6c, 0xc1 } },
        { "pblendvb mm", 4, { 0x0f, 0x38, 0x10, 0xc1 } },
        { "pcmpestri mm", 5, { 0x0f, 0x3a, 0x61, 0xc1, 0 } },
        { "f3 pshufb", 5, { 0xf3, 0x0f, 0x38, 0x00, 0xc1 } },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (!begin(s, "sse: #UD %s%s", bad[i].name, "")) {
            continue;
        }
        prologue(s, V_INT, 0x1f80, false);
        b_start(&s->b);
        b_bytes(&s->b, bad[i].b, bad[i].n);
        b_flags(&s->b, 0, 0, 0);
        epilogue(s, false);
        end(s);
    }
}

/*
 * Long register-only chains of integer SSE instructions over all sixteen
 * XMM registers (the table's 66-prefixed ones, MOVDQA, shifts by imm8):
 * bt86 keeps copies of guest registers in host ones across such a run,
 * with more registers in play than it has for them.
 */
static void gen_chains(S *s)
{
    for (int k = 0; k < 400; k++) {
        if (!begin(s, "sse: integer chain%s%s", "", "")) {
            return;
        }
        s->tc.fx_set = true;
        random_fx(s, &s->tc.fx);
        for (int n = 0; n < 40; n++) {
            int d = (int)rv(s, 16), src = (int)rv(s, 16);
            int pick = (int)rv(s, 8);
            if (pick == 0) {
                emit(s, 0x66, false, 1, 0x6f, d, src, 0, -1, 0);  /* movdqa */
            } else if (pick == 1) {
                static const uint8_t sh[][2] = { { 0x71, 2 }, { 0x72, 4 },
                    { 0x72, 6 }, { 0x73, 2 }, { 0x73, 3 }, { 0x73, 7 } };
                int i = (int)rv(s, 6);
                emit(s, 0x66, false, 1, sh[i][0], sh[i][1], d, 0,
                     (int)rv(s, 40), 0);
            } else {
                const SseOp *o = &ops[rv(s, NB_OPS)];
                if (o->pfx != 0x66 || o->kind != K_X || o->vals != V_INT ||
                    o->imm || o->flags || o->map == 3) {
                    n--;
                    continue;
                }
                emit(s, 0x66, false, o->map, o->op, d, src, 0, -1, 0);
            }
        }
        end(s);
    }
}

void sse_directed_generate(TestSink sink, void *opaque, const char *filter)
{
    S *s = calloc(1, sizeof(*s));
    s->sink = sink;
    s->opaque = opaque;
    s->filter = filter;
    s->rng.s = 0x55e55e;
    gen_ops(s);
    gen_specials(s);
    gen_fxsave(s);
    gen_invalid(s);
    gen_mmx_transition(s);
    gen_chains(s);
    free(s);
}

/* ---- random sequences (cputest --random --sse) ---- */

/* GPR operands: never RBX (the data pointer) or RSP */
static const int gpr_pool[] = { RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11,
                                R13, R14, R15 };

static int pick_reg(S *s, int role)
{
    switch (role) {
    case RL_X:
        return (int)rv(s, 16);
    case RL_M:
        return (int)rv(s, 8);
    default:
        return gpr_pool[rv(s, sizeof(gpr_pool) / sizeof(gpr_pool[0]))];
    }
}

/* The starting FP state: XMM registers from the pools, MXCSR mostly
 * masked (every rounding mode, DAZ/FTZ), x87 TOP and registers random
 * (for the MMX transition) */
static void random_fx(S *s, FxImage *fx)
{
    static const uint32_t mx[] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0,
                                   0x1fc0, 0x9f80, 0x1fbf, 0x1d80, 0x1b80,
                                   0x1780, 0x1e80, 0x1f00, 0x0f80, 0x0000 };
    memset(fx, 0, sizeof(*fx));
    fx->fcw = 0x37f;
    fx->mxcsr = rv(s, 3) ? 0x1f80 : mx[rv(s, sizeof(mx) / 4)];
    if (rv(s, 4) == 0) {
        fx->fsw = (uint16_t)(rv(s, 8) << 11);
        fx->ftw = (uint8_t)rng_next(&s->rng);
        for (int i = 0; i < 8; i++) {
            fx->st[i].mant = rng_next(&s->rng);
            fx->st[i].exp = (uint16_t)rng_next(&s->rng);
        }
    }
    for (int i = 0; i < 16; i++) {
        int vals = (int)rv(s, 4);
        uint64_t q[2] = { pick_q(s, vals), pick_q(s, vals) };
        memcpy(fx->xmm[i], q, 16);
    }
}

static bool random_table_op(S *s)
{
    const SseOp *o = &ops[rv(s, NB_OPS)];
    bool mmx_d = o->kind == K_M || o->kind == K_M32 || o->kind == K_MX64 ||
                 o->kind == K_MX128;
    bool mmx_s = o->kind == K_M || o->kind == K_M32 || o->kind == K_XM ||
                 o->kind == K_GMR;
    bool gpr_d = o->kind == K_GX32 || o->kind == K_GX64 ||
                 o->kind == K_GXR || o->kind == K_GMR;
    bool w = o->rexw && rv(s, 2);
    int d = pick_reg(s, mmx_d ? RL_M : gpr_d ? RL_G : RL_X);
    int src = pick_reg(s, mmx_s ? RL_M : o->kind == K_XG ? RL_G : RL_X);
    bool mem = o->kind != K_GXR && o->kind != K_GMR && rv(s, 3) == 0;
    int32_t disp = (int32_t)(rv(s, 32) * 16) - 0x100;
    if (rv(s, 8) == 0) {
        disp += 4 * (int)rv(s, 4);      /* misaligned */
    }
    int imm = o->imm ? (int)rv(s, 256) : -1;
    emit(s, o->pfx, w, o->map, o->op, d, mem ? -1 : src, disp, imm,
         o->flags ? F_ARITH : 0);
    return true;
}

static bool random_special(S *s)
{
    int n = (int)(sizeof(specials) / sizeof(specials[0]));
    const Special *o = &specials[rv(s, n)];
    if (o->op == 0xf7 || (o->op == 0xae && o->digit == 2)) {
        return false;   /* MASKMOV* (RDI), LDMXCSR: in the directed tests */
    }
    if (o->op == 0x77) {
        static const uint8_t emms[] = { 0x0f, 0x77 };
        b_start(&s->b);
        b_bytes(&s->b, emms, 2);
        b_flags(&s->b, 0, 0, 0);
        return true;
    }
    bool mem = o->mem && (!o->regform || rv(s, 2));
    int reg = o->reg == RL_DIGIT ? o->digit : pick_reg(s, o->reg);
    int rm = pick_reg(s, o->rm);
    int32_t disp = (int32_t)(rv(s, 32) * 16) - 0x100 +
                   (rv(s, 4) == 0 ? (int)rv(s, 16) : 0);
    emit(s, o->pfx, o->rexw && rv(s, 2), o->map, o->op, reg, mem ? -1 : rm,
         disp, o->imm ? (int)rv(s, 256) : -1, 0);
    return true;
}

/* A few x87 instructions between MMX ones: the two share the register
 * file (TOP, tags, the exponent bits an MMX write sets) */
static bool random_x87(S *s)
{
    static const uint8_t x87[][2] = {
        { 0xd9, 0xe8 },     /* fld1 */
        { 0xd9, 0xee },     /* fldz */
        { 0xd8, 0xc1 },     /* fadd st0, st1 */
        { 0xdd, 0xd9 },     /* fstp st1 */
        { 0xd9, 0xc9 },     /* fxch st1 */
        { 0xdb, 0xe3 },     /* fninit */
        { 0xd9, 0xe1 },     /* fabs */
        { 0xdd, 0xc3 },     /* ffree st3 */
    };
    b_start(&s->b);
    b_bytes(&s->b, x87[rv(s, 8)], 2);
    b_flags(&s->b, 0, 0, 0);
    return true;
}

void sse_random_generate_one(Rng *rng, TestCase *tc)
{
    S s;
    memset(&s, 0, sizeof(s));
    s.rng.s = rng_next(rng);
    memset(tc, 0, offsetof(TestCase, code));
    snprintf(tc->name, sizeof(tc->name), "random sse");
    for (int i = 0; i < 16; i++) {
        tc->regs[i] = pick_q(&s, V_INT);
    }
    tc->regs[RBX] = DATA_BASE + 0x200 + 16 * rv(&s, 0x1a0);
    if (rv(&s, 16) == 0) {
        tc->regs[RBX] = DATA_BASE + DATA_SIZE - 0x100 + 8 * rv(&s, 32);
    }
    tc->regs[RSP] = STACK_INIT;
    tc->rflags = rng_next(rng) & F_ARITH;
    tc->mem_seed = rng_next(rng);
    tc->fx_set = true;
    random_fx(&s, &tc->fx);
    s.tc = *tc;
    b_init(&s.b, &s.tc);
    int n = 1 + (int)rv(&s, 8);
    for (int i = 0; i < n; i++) {
        int k = (int)rv(&s, 16);
        while (!(k < 12 ? random_table_op(&s)
                 : k < 15 ? random_special(&s) : random_x87(&s))) {
        }
    }
    b_finish(&s.b);
    *tc = s.tc;
}
