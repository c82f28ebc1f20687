/*
 * x87 tests: the directed forms (every instruction form with special
 * operands, rounding and precision control, masked and unmasked
 * exceptions, stack faults, the environment instructions) and a random
 * generator of x87 sequences.
 *
 * Each test starts from an FXSAVE image of its own (fx_set). Most directed
 * tests end with FNSTENV, so that the full tag word and the pointers
 * (FIP, FOP, FDP) are compared through memory: FCS and FDS (deprecated on
 * newer Intel CPUs) are zeroed afterwards, and FOP and FDP too on hosts
 * that keep them only for unmasked exceptions (see host_keeps_ptrs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpuid.h>

#include "gen.h"

typedef struct F80 {
    uint16_t se;        /* sign and exponent */
    uint64_t m;
} F80;

#define ONE 0x8000000000000000ull

/* Special and ordinary extended values */
static const F80 V[] = {
    { 0x0000, 0 }, { 0x8000, 0 },                       /* +-0 */
    { 0x3fff, ONE }, { 0xbfff, ONE },                   /* +-1 */
    { 0x4000, 0xc000000000000000ull },                  /* 3 */
    { 0x3ffe, ONE },                                    /* 0.5 */
    { 0xbfff, 0xc000000000000000ull },                  /* -1.5 */
    { 0x4000, 0xa000000000000000ull },                  /* 2.5 */
    { 0x4000, 0xc90fdaa22168c235ull },                  /* pi */
    { 0x3ffd, 0xaaaaaaaaaaaaaaabull },                  /* 1/3 */
    { 0x3fff, ONE | 1 },                                /* 1 + ulp */
    { 0x3fff, 0x8000008000000000ull },                  /* float tie */
    { 0x3fff, 0x8000000000000400ull },                  /* double tie */
    { 0x400d, 0xffff000000000000ull },                  /* 32767.5 */
    { 0xc00e, 0x8001000000000000ull },                  /* -32768.5 */
    { 0x401e, ONE },                                    /* 2^31 */
    { 0xc03e, ONE },                                    /* -2^63 */
    { 0x403a, 0xde0b6b3a763ffff0ull },                  /* 10^18 - 1 */
    { 0x403a, 0xde0b6b3a76400000ull },                  /* 10^18 */
    { 0x403e, ONE },                                    /* 2^63 */
    { 0x3fdd, 0xdbe6fecebdedd5bfull },                  /* 1e-10 */
    { 0x7ffe, ~0ull }, { 0xfffe, ~0ull },               /* +-max */
    { 0x0001, ONE },                                    /* min normal */
    { 0x3f81, ONE },                                    /* float min normal */
    { 0x3c01, ONE },                                    /* double min */
    { 0x3f6a, ONE },                                    /* float denormal */
    { 0x0000, 1 },                                      /* min denormal */
    { 0x8000, 0x7fffffffffffffffull },                  /* -max denormal */
    { 0x0000, ONE },                                    /* pseudo-denormal */
    { 0x3fff, 0x4000000000000000ull },                  /* unnormal */
    { 0x7fff, ONE }, { 0xffff, ONE },                   /* +-inf */
    { 0x7fff, 0xc000000000000000ull },                  /* QNaN */
    { 0xffff, 0xc000000000000000ull },                  /* indefinite */
    { 0x7fff, 0xa000000000000001ull },                  /* SNaN */
    { 0xffff, 0xc123456789abcdefull },                  /* -QNaN payload */
    { 0x7fff, 0 },                                      /* pseudo-inf */
    { 0x7fff, 0x4000000000000000ull },                  /* pseudo-NaN */
    { 0x4024, 0xe8d4a51000000000ull },                  /* 1e12 */
    { 0x3ffe, 0xb504f333f9de6484ull },                  /* sqrt(2)/2 */
};
#define NV ((int)(sizeof(V) / sizeof(V[0])))

/* A smaller set for pairs */
static const int V2[] = { 0, 1, 2, 3, 4, 6, 8, 10, 12, 16, 21, 23, 26, 27,
                          29, 30, 31, 33, 34, 35 };
#define NV2 ((int)(sizeof(V2) / sizeof(V2[0])))

/* Control words: rounding, precision, masks */
#define FCW_DEF 0x037f

typedef struct X {
    TestSink sink;
    void *opaque;
    const char *filter;
    Rng rng;
    uint64_t idx, dropped;
    bool stop;
    uint8_t cmode;      /* TC_MODE64, or TC_MODE32: compatibility mode */
    TestCase tc;
    Builder b;
} X;

/*
 * Whether FIP, FOP and FDP of a masked instruction survive on the host
 * until FNSTENV reads them. Not on AMD: FXSAVE/XSAVE save them only while
 * an exception is pending, so a context switch in between loses them (and
 * Linux even overwrites them there, against an information leak). Not on
 * newer Intel CPUs either, which update FOP and FDP only for unmasked
 * exceptions. There, only tests whose instruction raises an unmasked
 * exception compare them (x_pointers).
 */
static int host_ptrs = -1;

static bool host_keeps_ptrs(void)
{
    if (host_ptrs < 0) {
        unsigned a, b, c, d;
        __cpuid(0, a, b, c, d);
        bool amd = (b == 0x68747541 && d == 0x69746e65) ||   /* AuthenticAMD */
                   (b == 0x6f677948 && d == 0x6e65476e);     /* HygonGenuine */
        uint8_t env[28];
        float one = 1.0f;
        __asm__ volatile("fninit; fadds %1; fld1; fnstenv %0; fninit"
                         : "=m"(env) : "m"(one));
        uint32_t fop = (env[18] | env[19] << 8) & 0x7ff;
        uint32_t fdp = env[20] | env[21] << 8 | env[22] << 16 |
                       (uint32_t)env[23] << 24;
        host_ptrs = !amd && fop == 0x1e8 &&
                    fdp == (uint32_t)(uintptr_t)&one;
    }
    return host_ptrs;
}

static void set_f80(TestCase *tc, int i, F80 v)
{
    tc->fx.st[i].mant = v.m;
    tc->fx.st[i].exp = v.se;
}

static bool xbegin(X *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool xbegin(X *x, const char *fmt, ...)
{
    char name[sizeof(x->tc.name)];
    va_list ap;
    int n = x->cmode == TC_MODE32 ? snprintf(name, sizeof(name), "32-bit ")
                                  : 0;

    va_start(ap, fmt);
    vsnprintf(name + n, sizeof(name) - (size_t)n, fmt, ap);
    va_end(ap);
    if (x->stop || (x->filter && !strstr(name, x->filter))) {
        return false;
    }
    TestCase *tc = &x->tc;
    memset(tc, 0, offsetof(TestCase, code));
    memcpy(tc->name, name, sizeof(name));
    tc->cmode = x->cmode;
    for (int i = 0; i < 16; i++) {
        tc->regs[i] = rng_next(&x->rng);
    }
    tc->regs[RSP] = STACK_INIT;
    tc->regs[RBX] = DATA_BASE + 0x100;
    tc->regs[RSI] = DATA_BASE + 0x800;
    tc->regs[RDI] = DATA_BASE + 0x400;
    tc->rflags = (x->idx & 1) ? F_ARITH : 0;
    tc->mem_seed = 0x5eed0087 + (x->idx & 7);
    tc->fx_set = true;
    tc->fx.fcw = FCW_DEF;
    tc->fx.mxcsr = 0x1f80;
    /* condition codes in, to see which instructions keep them */
    tc->fx.fsw = (uint16_t)(rng_next(&x->rng) & 0x4700);
    /* empty registers hold junk, which must survive */
    for (int i = 0; i < 8; i++) {
        set_f80(tc, i, V[rng_below(&x->rng, NV)]);
    }
    b_init(&x->b, tc);
    x->idx++;
    return true;
}

static void xend(X *x)
{
    /* as FXRSTOR leaves it: ES and B say whether a flag is unmasked */
    FxImage *fx = &x->tc.fx;
    fx->fsw &= 0x7f7f;
    if (fx->fsw & ~fx->fcw & 0x3f) {
        fx->fsw |= 0x8080;
    }
    b_finish(&x->b);
    if (x->b.bad || x->b.reads) {
        x->dropped++;
        if (x->dropped <= 10) {
            fprintf(stderr, "cputest: x87: %s [%s] (generator bug)\n",
                    x->b.bad ? "cannot encode" : "reads undefined flags",
                    x->tc.name);
        }
        return;
    }
    if (!x->sink(&x->tc, x->opaque)) {
        x->stop = true;
    }
}

/* The stack: ST(0)..ST(n-1) valid, TOP as after n pushes from empty */
static void xstack(X *x, int n, const F80 *vals)
{
    TestCase *tc = &x->tc;
    int top = (8 - n) & 7;
    tc->fx.fsw = (uint16_t)((tc->fx.fsw & ~0x3800) | top << 11);
    tc->fx.ftw = 0;
    for (int i = 0; i < n; i++) {
        set_f80(tc, i, vals[i]);
        tc->fx.ftw |= (uint8_t)(1u << ((top + i) & 7));
    }
}

static void xstack2(X *x, int n, F80 a, F80 b)
{
    F80 v[8];
    for (int i = 0; i < 8; i++) {
        v[i] = V[(i * 7 + 3) % NV];
    }
    v[0] = a;
    v[1] = b;
    xstack(x, n, v);
}

static void xpoke(X *x, unsigned off, int len, uint64_t v)
{
    TestCase *tc = &x->tc;
    if (tc->nb_patch >= MAX_PATCH) {
        x->b.bad = true;
        return;
    }
    tc->patch[tc->nb_patch++] = (MemPatch){ 0, (uint8_t)len, (uint16_t)off,
                                            v };
}

static void xpoke80(X *x, unsigned off, F80 v)
{
    xpoke(x, off, 8, v.m);
    xpoke(x, off + 8, 2, v.se);
}

/* ----- emitters ----- */

static bool is_fcmov(int op, int m)
{
    return (op == 2 || op == 3) && m < 0xe0;
}

static bool is_fcomi(int op, int m)
{
    return (op == 3 || op == 7) && m >= 0xe8 && m < 0xf8;
}

/* D8+op modrm, a register form */
static void xr(Builder *b, int op, int m)
{
    uint8_t t[2] = { (uint8_t)(0xd8 + op), (uint8_t)m };
    b_start(b);
    b_bytes(b, t, 2);
    b_flags(b, is_fcmov(op, m) ? F_CF | F_ZF | F_PF : 0,
            is_fcomi(op, m) ? F_ARITH : 0, 0);
}

/* D8+op /digit with a memory operand; osize 16 adds 0x66, 64 REX.W */
static void xm(Builder *b, int op, int digit, Opnd m, int osize)
{
    Insn in;
    memset(&in, 0, sizeof(in));
    in.osize = (uint8_t)osize;
    in.plusr = -1;
    in.nopc = 1;
    in.opc[0] = (uint8_t)(0xd8 + op);
    in.modrm = true;
    in.reg = (int8_t)digit;
    in.rm = m;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

static void xwait(Builder *b)
{
    uint8_t t = 0x9b;
    b_start(b);
    b_bytes(b, &t, 1);
    b_flags(b, 0, 0, 0);
}

/* FNSTENV [rsi], then the fields the host may not define cleared; with
 * ptrs, FIP, FOP and FDP are kept (the instruction before raised an
 * unmasked exception) */
static void xenv_check_ptrs(Builder *b, bool ptrs)
{
    xm(b, 1, 6, M(RSI, -1, 1, 0), 32);
    g_mov_rm_imm(b, 16, M(RSI, -1, 1, 16), 0);     /* FCS */
    g_mov_rm_imm(b, 16, M(RSI, -1, 1, 24), 0);     /* FDS */
    if (!ptrs && !host_keeps_ptrs()) {
        g_mov_rm_imm(b, 32, M(RSI, -1, 1, 12), 0);  /* FIP */
        g_mov_rm_imm(b, 16, M(RSI, -1, 1, 18), 0);  /* FOP */
        g_mov_rm_imm(b, 32, M(RSI, -1, 1, 20), 0);  /* FDP */
    }
}

static void xenv_check_b(Builder *b)
{
    xenv_check_ptrs(b, false);
}

/* FCS and FDS (and FOP, FDP) of an environment image in memory */
static void xzero_sels(X *x, int base, bool fmt16)
{
    Builder *b = &x->b;
    g_mov_rm_imm(b, 16, M(base, -1, 1, fmt16 ? 8 : 16), 0);
    g_mov_rm_imm(b, 16, M(base, -1, 1, fmt16 ? 12 : 24), 0);
    if (!host_keeps_ptrs()) {
        /* FIP, FDP; FOP (with FIP's bits 19:16 in real mode) */
        g_mov_rm_imm(b, fmt16 ? 16 : 32, M(base, -1, 1, fmt16 ? 6 : 12), 0);
        g_mov_rm_imm(b, fmt16 ? 16 : 32, M(base, -1, 1, fmt16 ? 10 : 20), 0);
        if (!fmt16) {
            g_mov_rm_imm(b, 16, M(base, -1, 1, 18), 0);
        }
    }
}

static void xenv_check(X *x)
{
    xenv_check_b(&x->b);
}

static const Opnd MEMOP_BASE = { .mem = true, .base = RBX, .index = -1,
                                 .scale = 1 };

/* ----- register forms ----- */

static const char *const arith_names[8] = {
    "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr",
};

/* D8/DC/DE register arithmetic on pairs of special values */
static void x_arith_reg(X *x)
{
    static const int ops[3] = { 0, 4, 6 };
    for (int f = 0; f < 3; f++) {
        for (int o = 0; o < 8; o++) {
            for (int i = 0; i < NV2; i++) {
                for (int j = 0; j < NV2; j++) {
                    int m = 0xc0 + o * 8 + 1;
                    if (!xbegin(x, "x87 %02x %s st(1) (reg)", 0xd8 + ops[f],
                                arith_names[o])) {
                        continue;
                    }
                    xstack2(x, 3, V[V2[i]], V[V2[j]]);
                    xr(&x->b, ops[f], m);
                    xenv_check(x);
                    xend(x);
                }
            }
        }
    }
}

/* Rounding and precision control */
static void x_rounding(X *x)
{
    static const uint8_t ops[][2] = {
        { 0, 0xc1 }, { 0, 0xc9 }, { 0, 0xe1 }, { 0, 0xf1 }, { 1, 0xfa },
        { 1, 0xfc }, { 1, 0xfd }, { 1, 0xf8 }, { 1, 0xfe }, { 1, 0xf1 },
    };
    static const int vals[] = { 2, 7, 8, 9, 10, 11, 12, 13, 21, 24, 27, 6 };
    for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (int pc = 0; pc < 4; pc++) {
            for (int rc = 0; rc < 4; rc++) {
                for (int i = 0; i < 12; i++) {
                    for (int j = 0; j < 12; j += 3) {
                        if (!xbegin(x, "x87 rc/pc %02x %02x", 0xd8 + ops[k][0],
                                    ops[k][1])) {
                            continue;
                        }
                        x->tc.fx.fcw = (uint16_t)(0x7f | pc << 8 | rc << 10);
                        xstack2(x, 2, V[vals[i]], V[vals[j]]);
                        xr(&x->b, ops[k][0], ops[k][1]);
                        xenv_check(x);
                        xend(x);
                    }
                }
            }
        }
    }
}

/* Every defined register form of D9-DF on special values, masked */
static bool reg_form_valid(int op, int m)
{
    switch (op) {
    case 1:
        return !((m >= 0xd1 && m <= 0xd7) || m == 0xe2 || m == 0xe3 ||
                 m == 0xe6 || m == 0xe7 || m == 0xef);
    case 2:
        return m < 0xe0 || m == 0xe9;
    case 3:
        return m < 0xe5 || (m >= 0xe8 && m < 0xf8);
    case 5:
        return m < 0xf0;
    case 6:
        return !(m == 0xd8 || (m >= 0xda && m <= 0xdf));
    case 7:
        return m <= 0xe0 || (m >= 0xe8 && m < 0xf8);
    default:
        return true;
    }
}

static void x_reg_forms(X *x)
{
    for (int op = 0; op < 8; op++) {
        for (int m = 0xc0; m < 0x100; m++) {
            /* each form: every value as ST(0), a few as ST(1), depths 0-8 */
            for (int i = 0; i < NV; i++) {
                if (!xbegin(x, "x87 %02x %02x", 0xd8 + op, m)) {
                    continue;
                }
                int depth = (i % 9 == 8) ? 8 : (i % 9 == 0) ? 0 : 2 + i % 3;
                xstack2(x, depth, V[i], V[(i * 5 + 1) % NV]);
                x->tc.fx.fcw = (uint16_t)(0x7f | ((i & 3) << 10) |
                                          ((i & 4) ? 0x200 : 0x300));
                if (!reg_form_valid(op, m)) {
                    xr(&x->b, op, m);   /* #UD */
                    xend(x);
                    continue;
                }
                x->tc.rflags = (i * 0x45) & F_ARITH;
                xr(&x->b, op, m);
                xenv_check(x);
                xend(x);
            }
        }
    }
}

/* Unmasked exceptions: the instruction sets ES, the next waiting one
 * (FWAIT or an x87 instruction) raises #MF; FNSTSW does not */
static void x_unmasked(X *x)
{
    static const uint8_t ops[][2] = {
        { 0, 0xc1 }, { 0, 0xc9 }, { 0, 0xe1 }, { 0, 0xf1 }, { 1, 0xfa },
        { 1, 0xfc }, { 1, 0xfd }, { 1, 0xf8 }, { 1, 0xf5 }, { 1, 0xfe },
        { 1, 0xf1 }, { 1, 0xf4 }, { 1, 0xf0 }, { 3, 0xe9 }, { 5, 0xd9 },
        { 1, 0xc1 }, { 0, 0xd9 }, { 5, 0xe1 }, { 6, 0xd9 }, { 1, 0xf3 },
    };
    static const uint16_t masks[] = { 0x3e, 0x3d, 0x3b, 0x37, 0x2f, 0x1f,
                                      0x00 };
    for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (unsigned mk = 0; mk < sizeof(masks) / sizeof(masks[0]); mk++) {
            for (int i = 0; i < NV2; i++) {
                for (int next = 0; next < 3; next++) {
                    if (!xbegin(x, "x87 unmasked %02x %02x", 0xd8 + ops[k][0],
                                ops[k][1])) {
                        continue;
                    }
                    int j = V2[(i * 7 + mk) % NV2];
                    x->tc.fx.fcw = (uint16_t)(0x340 | masks[mk] |
                                              (i & 3) << 10);
                    xstack2(x, k == 15 ? 8 : 2 + (i & 1), V[V2[i]], V[j]);
                    xr(&x->b, ops[k][0], ops[k][1]);
                    xenv_check(x);      /* no wait: ES stays pending */
                    if (next == 0) {
                        xwait(&x->b);
                    } else if (next == 1) {
                        xr(&x->b, 1, 0xe8);         /* fld1 */
                    } else {
                        xr(&x->b, 7, 0xe0);         /* fnstsw ax */
                        xm(&x->b, 5, 7, M(RSI, -1, 1, 0x40), 32);
                        xm(&x->b, 1, 7, M(RSI, -1, 1, 0x42), 32);
                        xm(&x->b, 3, 0, MEMOP_BASE, 32); /* fild: #MF */
                    }
                    xend(x);
                }
            }
        }
    }
}

/* ----- memory forms ----- */

static const uint32_t M32[] = {
    0, 0x80000000, 0x3f800000, 0xbf800000, 0x00000001, 0x807fffff,
    0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
    0x7f800001, 0x7fa00000, 0x40490fdb, 0x4b000001,
};
static const uint64_t M64[] = {
    0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff8000000000000ull,
    1, 0x800fffffffffffffull, 0x0010000000000000ull, 0x7fefffffffffffffull,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
    0x7ff0000000000001ull, 0x400921fb54442d18ull, 0x4330000000000001ull,
    0x3ca0000000000000ull, 0xc3e0000000000000ull,
};
static const uint64_t MINT[] = {
    0, 1, 0xffffffffffffffffull, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
    0x80000000, 0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull,
    0x123456789abcdef0ull, 0xfffffffffffe7961ull, 0x00000000000186a0ull,
    0x0020000000000001ull, 0x8000000000000001ull,
};
/* packed BCD (low 8 bytes, sign byte) */
static const uint64_t MBCD[][2] = {
    { 0, 0 }, { 0, 0x80 }, { 1, 0 }, { 0x9999999999999999ull, 0x99 },
    { 0x1234567890123456ull, 0x78 }, { 0x0000000000000099ull, 0x80 },
    { 0xa, 0 }, { 0xf0, 0x80 }, { 0x1234, 0x7f }, { 0x99999999ull, 0x01 },
    { 0xffffffffffffffffull, 0xff }, { 0x5, 0x81 },
};

/* Memory loads and memory arithmetic */
static void x_mem_loads(X *x)
{
    static const char *const types[4] = { "m32fp", "m32int", "m64fp",
                                          "m16int" };
    /* D8 DA DC DE: arithmetic with memory; the operand value sets */
    for (int t = 0; t < 4; t++) {
        for (int o = 0; o < 8; o++) {
            for (int mv = 0; mv < 16; mv++) {
                for (int s = 0; s < 6; s++) {
                    if (!xbegin(x, "x87 %s %s", arith_names[o], types[t])) {
                        continue;
                    }
                    uint64_t v = t == 0 ? M32[mv] : t == 2 ? M64[mv]
                                 : MINT[mv];
                    xpoke(x, 0x100, t == 2 ? 8 : t == 3 ? 2 : 4, v);
                    xstack2(x, s == 5 ? 0 : 2, V[V2[(mv + s * 3) % NV2]],
                            V[2]);
                    x->tc.fx.fcw = (uint16_t)(0x37f | (s & 3) << 10);
                    xm(&x->b, t * 2, o, MEMOP_BASE, 32);
                    xenv_check(x);
                    xend(x);
                }
            }
        }
    }
    /* FLD m32/m64/m80, FILD m16/m32/m64, FBLD, at depths 2 and 8 */
    for (int k = 0; k < 7; k++) {
        static const uint8_t op[7] = { 1, 5, 3, 7, 3, 7, 7 };
        static const uint8_t dg[7] = { 0, 0, 5, 0, 0, 5, 4 };
        static const char *const nm[7] = { "fld m32", "fld m64", "fld m80",
                                           "fild m16", "fild m32", "fild m64",
                                           "fbld" };
        int n = k == 2 ? NV : 16;
        if (k == 6) {
            n = 12;
        }
        for (int i = 0; i < n; i++) {
            for (int depth = 2; depth <= 8; depth += 6) {
                for (int unm = 0; unm < 2; unm++) {
                    if (!xbegin(x, "x87 %s", nm[k])) {
                        continue;
                    }
                    switch (k) {
                    case 0: xpoke(x, 0x100, 4, M32[i]); break;
                    case 1: xpoke(x, 0x100, 8, M64[i]); break;
                    case 2: xpoke80(x, 0x100, V[i]); break;
                    case 3: xpoke(x, 0x100, 2, MINT[i]); break;
                    case 4: xpoke(x, 0x100, 4, MINT[i]); break;
                    case 5: xpoke(x, 0x100, 8, MINT[i]); break;
                    default:
                        xpoke(x, 0x100, 8, MBCD[i][0]);
                        xpoke(x, 0x108, 2, MBCD[i][1] | 0x1200);
                        break;
                    }
                    xstack2(x, depth, V[i % NV], V[3]);
                    if (unm) {
                        x->tc.fx.fcw = 0x0340;
                    }
                    xm(&x->b, op[k], dg[k], MEMOP_BASE, 32);
                    xenv_check(x);
                    if (unm) {
                        xwait(&x->b);
                    }
                    xend(x);
                }
            }
        }
    }
}

/* Stores: FST(P) m32/m64/m80, FIST(P) m16/m32/m64, FISTTP, FBSTP, every
 * rounding mode; and with IM/OM/UM/PM unmasked (nothing stored) */
static void x_mem_stores(X *x)
{
    static const uint8_t op[13] = { 1, 1, 5, 5, 3, 7, 7, 3, 3, 7, 7, 5, 7 };
    static const uint8_t dg[13] = { 2, 3, 2, 3, 7, 3, 2, 2, 3, 1, 7, 1, 6 };
    static const char *const nm[13] = {
        "fst m32", "fstp m32", "fst m64", "fstp m64", "fstp m80", "fistp m16",
        "fist m16", "fist m32", "fistp m32", "fisttp m16", "fistp m64",
        "fisttp m64", "fbstp",
    };
    for (int k = 0; k < 13; k++) {
        for (int i = 0; i < NV; i++) {
            for (int mode = 0; mode < 5; mode++) {
                if (!xbegin(x, "x87 %s", nm[k])) {
                    continue;
                }
                bool unm = mode == 4;
                x->tc.fx.fcw = unm ? (uint16_t)(0x340 | (i & 3) << 10)
                                   : (uint16_t)(0x37f | mode << 10);
                xstack2(x, i % 4 == 3 ? 0 : 2, V[i], V[5]);
                xm(&x->b, op[k], dg[k], M(RBX, -1, 1, 0x10), 32);
                xenv_check(x);
                if (unm) {
                    xwait(&x->b);
                }
                xend(x);
            }
        }
    }
    /* FISTTP m32 */
    for (int i = 0; i < NV; i++) {
        if (xbegin(x, "x87 fisttp m32")) {
            xstack2(x, 2, V[i], V[1]);
            xm(&x->b, 3, 1, MEMOP_BASE, 32);
            xenv_check(x);
            xend(x);
        }
    }
}

/* ----- control and environment ----- */

static void x_control(X *x)
{
    static const uint16_t cws[] = { 0x0000, 0xffff, 0x037f, 0x0c7f, 0x1f40,
                                    0x0040, 0x027f, 0x0e3f, 0x8000, 0x1341 };
    for (unsigned i = 0; i < sizeof(cws) / sizeof(cws[0]); i++) {
        if (xbegin(x, "x87 fldcw")) {
            xpoke(x, 0x100, 2, cws[i]);
            xstack2(x, 2, V[8], V[9]);
            xm(&x->b, 1, 5, MEMOP_BASE, 32);
            xm(&x->b, 1, 7, M(RBX, -1, 1, 8), 32);      /* fnstcw */
            xr(&x->b, 0, 0xc1);                          /* fadd: #MF? */
            xenv_check(x);
            xend(x);
        }
        /* unmasking a pending exception: no #MF until the next one */
        if (xbegin(x, "x87 fldcw unmasks pending")) {
            xpoke(x, 0x100, 2, cws[i]);
            x->tc.fx.fsw = 0x3f;
            xstack2(x, 1, V[2], V[2]);
            xm(&x->b, 1, 5, MEMOP_BASE, 32);
            xr(&x->b, 7, 0xe0);
            xwait(&x->b);
            xend(x);
        }
    }
    for (int i = 0; i < 16; i++) {
        uint16_t fsw = (uint16_t)(((i & 1) ? 0x80 : 0) | ((i & 2) ? 0x8000 : 0)
                                  | ((i & 4) ? 0x4701 : 0) |
                                  ((i & 8) ? 0x3f : 0));
        static const char *const nm[5] = { "fnstsw ax", "fnstsw m16",
                                           "fnclex", "fninit", "fwait" };
        for (int k = 0; k < 5; k++) {
            if (!xbegin(x, "x87 %s", nm[k])) {
                continue;
            }
            xstack2(x, i % 9, V[i], V[i + 1]);
            x->tc.fx.fsw = (uint16_t)((x->tc.fx.fsw & 0x3800) | fsw);
            x->tc.fx.fcw = (uint16_t)((i & 8) ? 0x0360 : 0x037f);
            switch (k) {
            case 0: xr(&x->b, 7, 0xe0); break;
            case 1: xm(&x->b, 5, 7, MEMOP_BASE, 32); break;
            case 2: xr(&x->b, 3, 0xe2); break;
            case 3: xr(&x->b, 3, 0xe3); break;
            default: xwait(&x->b); break;
            }
            xenv_check(x);
            xend(x);
        }
        /* FNINIT clears FIP, FDP and FOP */
        if (xbegin(x, "x87 fninit after fadd m32")) {
            xstack2(x, i % 9, V[i], V[i + 1]);
            xm(&x->b, 0, 0, MEMOP_BASE, 32);
            xr(&x->b, 3, 0xe3);
            xenv_check(x);
            xend(x);
        }
        /* FNENI, FNDISI, FNSETPM: no-ops, no wait */
        if (xbegin(x, "x87 db e0/e1/e4")) {
            xstack2(x, i % 9, V[i], V[i + 1]);
            x->tc.fx.fsw = (uint16_t)((x->tc.fx.fsw & 0x3800) | fsw);
            xr(&x->b, 3, 0xe0 + (i % 3 == 2 ? 4 : i % 3));
            xr(&x->b, 7, 0xe0);
            xend(x);
        }
    }
}

/* FNSTENV/FLDENV, FNSAVE/FRSTOR: 32- and 16-bit formats, images from
 * the machine and junk ones */
static void x_env(X *x)
{
    for (int i = 0; i < 64; i++) {
        int osize = (i & 1) ? 16 : (i & 2) ? 64 : 32;
        if (osize == 64 && x->cmode == TC_MODE32) {
            continue;       /* 48h is DEC EAX there */
        }
        bool save = (i & 4) != 0;
        const char *w = osize == 16 ? "16" : osize == 64 ? "rex.w" : "32";
        if (xbegin(x, "x87 %s %s round trip", save ? "fnsave/frstor"
                                                  : "fnstenv/fldenv", w)) {
            xstack2(x, i % 9, V[i % NV], V[(i * 3) % NV]);
            x->tc.fx.fcw = (uint16_t)(0x037f ^ (i & 0xc00));
            xr(&x->b, 0, 0xc1);
            xm(&x->b, save ? 5 : 1, 6, M(RDI, -1, 1, 0), osize);
            xr(&x->b, 1, 0xe8);
            xm(&x->b, save ? 5 : 1, 4, M(RDI, -1, 1, 0), osize);
            xenv_check(x);
            xzero_sels(x, RDI, osize == 16);
            xend(x);
        }
        /* junk images: every field from the data pattern */
        if (xbegin(x, "x87 %s %s junk", save ? "frstor" : "fldenv", w)) {
            x->tc.mem_seed = 0x1000 + (uint64_t)i;
            xpoke(x, 0x100, 2, i & 8 ? 0x037f : 0x1234 * (unsigned)i);
            xm(&x->b, save ? 5 : 1, 4, MEMOP_BASE, osize);
            xenv_check(x);
            xend(x);
        }
        /* then a waiting instruction: #MF if the image has ES or unmasked
         * flags */
        if (xbegin(x, "x87 %s %s then fwait", save ? "frstor" : "fldenv",
                   w)) {
            x->tc.mem_seed = 0x2000 + (uint64_t)i;
            xpoke(x, 0x100, 2, 0x0340 | (i & 0x3f));
            xpoke(x, 0x100 + (osize == 16 ? 2 : 4), 2,
                  (uint64_t)(i * 0x1111) & 0xc7ff);
            xm(&x->b, save ? 5 : 1, 4, MEMOP_BASE, osize);
            xwait(&x->b);
            xend(x);
        }
    }
}

/* Faults: #MF comes before a page fault; a faulting access changes no x87
 * state; undefined encodings */
static void x_faults(X *x)
{
    static const uint8_t op[] = { 1, 5, 3, 7, 1, 5, 3, 7, 5, 5, 1, 1 };
    static const uint8_t dg[] = { 0, 0, 5, 4, 3, 3, 7, 6, 6, 4, 6, 4 };
    static const uint8_t size[] = { 4, 8, 10, 10, 4, 8, 10, 10, 108, 108, 28,
                                    28 };
    for (unsigned k = 0; k < sizeof(op); k++) {
        for (int at = 0; at < 3; at++) {
            if ((at == 0 && size[k] > 10) ||
                !xbegin(x, "x87 fault %02x /%d", 0xd8 + op[k], dg[k])) {
                continue;
            }
            /* the operand runs off the data pages at the end by 2 bytes
             * (in what order the CPU touches the bytes of a large operand
             * is its own, and so is CR2 then), or lies in them */
            x->tc.regs[RBX] = DATA_BASE + DATA_SIZE -
                              (at == 0 ? size[k] - 2u : 0x100u);
            xstack2(x, 3, V[8], V[4]);
            if (at == 2) {
                x->tc.fx.fcw = 0x0340;
                x->tc.fx.fsw = 0x0081;  /* pending: #MF first */
                x->tc.fx_ptrs = true;
            }
            xm(&x->b, op[k], dg[k], MEMOP_BASE, 32);
            xend(x);
        }
    }
    static const uint8_t ud[][2] = {
        { 1, 0xd1 }, { 1, 0xd7 }, { 1, 0xe2 }, { 1, 0xe7 }, { 1, 0xef },
        { 2, 0xe0 }, { 2, 0xe8 }, { 2, 0xf8 }, { 3, 0xe5 }, { 3, 0xe7 },
        { 3, 0xf8 }, { 3, 0xff }, { 5, 0xf0 }, { 5, 0xff }, { 6, 0xd8 },
        { 6, 0xdf }, { 7, 0xe1 }, { 7, 0xe7 }, { 7, 0xf8 }, { 7, 0xff },
    };
    for (unsigned k = 0; k < sizeof(ud) / sizeof(ud[0]); k++) {
        if (xbegin(x, "x87 #UD %02x %02x", 0xd8 + ud[k][0], ud[k][1])) {
            xr(&x->b, ud[k][0], ud[k][1]);
            xend(x);
        }
    }
    static const uint8_t udm[][2] = { { 1, 1 }, { 3, 4 }, { 3, 6 }, { 5, 5 } };
    for (unsigned k = 0; k < 4; k++) {
        if (xbegin(x, "x87 #UD %02x /%d", 0xd8 + udm[k][0], udm[k][1])) {
            xm(&x->b, udm[k][0], udm[k][1], MEMOP_BASE, 32);
            xend(x);
        }
    }
    /* LOCK is #UD */
    if (xbegin(x, "x87 #UD lock fadd m32")) {
        x->b.lock = true;
        xm(&x->b, 0, 0, MEMOP_BASE, 32);
        xend(x);
    }
}

/* Prefixes that change nothing for x87 (REX.R, REX.W on value forms,
 * 66h, F2h/F3h) or the environment format; raw bytes */
static void x_prefixes(X *x)
{
    static const struct {
        uint8_t b[6];
        uint8_t n;
    } seq[] = {
        { { 0x44, 0xd9, 0x03 }, 3 },                     /* rex.r fld m32 [rbx] */
        { { 0x4c, 0xdd, 0x1b }, 3 },                     /* rex.wr fstp m64 */
        { { 0x44, 0xdb, 0x2b }, 3 },                     /* rex.r fld m80 */
        { { 0x41, 0xd8, 0xc1 }, 3 },                     /* rex.b fadd st(1) */
        { { 0x4f, 0xdf, 0x3b }, 3 },                     /* rex.wrxb: [r11] */
        { { 0x44, 0xd9, 0x36 }, 3 },                     /* rex.r fnstenv [rsi] */
        { { 0x66, 0x44, 0xdd, 0x23 }, 4 },               /* 66 rex.r frstor */
        { { 0xf3, 0xd8, 0x03 }, 3 },                     /* rep fadd m32 */
        { { 0xf2, 0xdb, 0x3b }, 3 },                     /* repne fstp m80 */
        { { 0x66, 0xd9, 0x03 }, 3 },                     /* 66 fld m32 */
        { { 0x44, 0xdd, 0x3b }, 3 },                     /* rex.r fnstsw m16 */
        { { 0x45, 0xdf, 0xe0 }, 3 },                     /* rex fnstsw ax */
    };
    for (unsigned k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
        for (int i = 0; i < 4; i++) {
            if (!xbegin(x, "x87 prefixes %u", k)) {
                continue;
            }
            x->tc.regs[R11] = DATA_BASE + 0x180;
            xstack2(x, 2 + i, V[8 + i], V[i]);
            b_start(&x->b);
            b_bytes(&x->b, seq[k].b, seq[k].n);
            b_flags(&x->b, 0, 0, 0);
            xenv_check(x);
            xend(x);
        }
    }
}

/* Addressing forms: FDP is the operand's offset */
static void x_addressing(X *x)
{
    Opnd ms[6] = {
        M(RBX, -1, 1, 0x10), M(RSI, R12, 8, -0x40), M(BASE_NONE, RDI, 2, 0x20),
        MRIP(DATA_BASE + 0x180), M(RBP, -1, 1, -0x20), M(RBX, -1, 1, 0x7f8),
    };
    ms[5].addr32 = true;
    for (int k = 0; k < 6; k++) {
        for (int f = 0; f < 4; f++) {
            if (!xbegin(x, "x87 addressing %d %s", k, f ? "store" : "load")) {
                continue;
            }
            x->tc.regs[R12] = 3;
            x->tc.regs[RBP] = STACK_BASE + 0x900;
            xstack2(x, 2, V[8], V[2]);
            static const uint8_t op[4] = { 5, 5, 7, 3 };
            static const uint8_t dg[4] = { 0, 3, 7, 7 };
            xm(&x->b, op[f], dg[f], ms[k], 32);
            xenv_check(x);
            xend(x);
        }
    }
}

/* FIP, FOP and FDP, compared where every host keeps them: after an
 * instruction that raises an unmasked exception, through every
 * addressing form and prefix */
static void x_pointers(X *x)
{
    static const struct {
        uint8_t op, m;          /* register form, or m = digit for memory */
        bool mem;
        uint8_t len;
        uint64_t val;
        const char *name;
    } ins[] = {
        { 0, 0xf1, false, 0, 0, "fdiv st,st(1)" },
        { 4, 0xf9, false, 0, 0, "fdiv st(1),st" },
        { 1, 0xfa, false, 0, 0, "fsqrt" },
        { 0, 6, true, 4, 0, "fdiv m32" },
        { 4, 6, true, 8, 0, "fdiv m64" },
        { 2, 6, true, 4, 0, "fidiv m32" },
        { 6, 6, true, 2, 0, "fidiv m16" },
        { 1, 0, true, 4, 0x7fa00000, "fld m32 snan" },
        { 4, 2, true, 8, 0x7ff8000000000000ull, "fcom m64 nan" },
        { 7, 3, true, 2, 0, "fistp m16" },
        { 1, 3, true, 4, 0, "fstp m32 snan" },
    };
    Opnd ms[6] = {
        M(RBX, -1, 1, 0), M(RBX, -1, 1, 0x300), M(RSI, R12, 8, -0x40),
        MRIP(DATA_BASE + 0x180), M(RBX, -1, 1, 0x10), M(BASE_NONE, RDI, 2, 0x20),
    };
    ms[4].addr32 = true;
    for (unsigned k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
        for (int a = 0; a < (ins[k].mem ? 6 : 1); a++) {
            if (x->cmode == TC_MODE32 && a >= 2 && a <= 4) {
                continue;   /* no R12, RIP-relative or 67h there */
            }
            for (int v = 0; v < 4; v++) {
                if (!xbegin(x, "x87 pointers %s", ins[k].name)) {
                    continue;
                }
                F80 st[3] = { V[2], V[0], V[3] };    /* 1, 0, -1 */
                if (k == 1) {
                    st[0] = V[0];
                    st[1] = V[2];
                } else if (k == 2) {
                    st[0] = V[3];
                } else if (k == 9 || k == 10) {
                    st[0] = V[35];                   /* SNaN */
                }
                xstack(x, 3, st);
                x->tc.fx.fcw = (uint16_t)(0x0340 | (v & 3) << 10);
                x->tc.regs[R12] = 5;
                Opnd m = ms[a];
                uint32_t off = a == 1 ? 0x400 : a == 2 ? 0x800 + 40 - 0x40
                               : a == 3 ? 0x180 : a == 5 ? 0x420
                               : a == 4 ? 0x110 : 0x100;
                if (ins[k].mem && ins[k].len) {
                    xpoke(x, off, ins[k].len, ins[k].val);
                }
                if (v == 3) {
                    x->b.seg = 0x3e;                 /* ds: */
                }
                if (ins[k].mem) {
                    xm(&x->b, ins[k].op, ins[k].m, m, v == 2 ? 16 : 32);
                } else {
                    xr(&x->b, ins[k].op, ins[k].m);
                }
                if (v & 1) {
                    x->tc.fx_ptrs = true;
                    xr(&x->b, 7, 0xe0);              /* fnstsw ax */
                    xwait(&x->b);                    /* #MF */
                } else {
                    xenv_check_ptrs(&x->b, true);
                }
                xend(x);
            }
        }
    }
}

/* 32-bit code: GS is an LDT data segment with base DATA_BASE and limit
 * 0xffff, beyond the mapped pages. Operands at its end: #GP(0) when one
 * runs past the limit, else #PF. FDP is the offset in the segment, not
 * the address. */
static void x_segments(X *x)
{
    static const uint8_t op[] = { 1, 5, 3, 7, 1, 5, 3, 7, 5, 5, 1, 1, 7 };
    static const uint8_t dg[] = { 0, 0, 5, 4, 3, 3, 7, 6, 6, 4, 6, 4, 3 };
    static const uint8_t size[] = { 4, 8, 10, 10, 4, 8, 10, 10, 108, 108,
                                    28, 28, 2 };
    for (unsigned k = 0; k < sizeof(op); k++) {
        for (int over = 0; over < 3; over++) {
            /* not where vendors differ: which part of an operand larger
             * than 8 bytes the CPU checks or touches first */
            if ((over == 1 && size[k] > 8) || (over == 0 && size[k] > 10) ||
                !xbegin(x, "x87 gs limit %02x /%d", 0xd8 + op[k], dg[k])) {
                continue;
            }
            /* the last byte at the limit, one past it, or in the data
             * pages */
            x->tc.regs[RBX] = over == 2 ? 0x300 : LDT_DATA_LIMIT + 1u -
                                                  size[k] + (unsigned)over;
            xstack2(x, 3, V[8], V[4]);
            x->b.seg = 0x65;
            xm(&x->b, op[k], dg[k], MEMOP_BASE, 32);
            xenv_check(x);
            xend(x);
        }
    }
    /* FDP through GS, with an unmasked exception so every host keeps it */
    for (int v = 0; v < 2; v++) {
        if (!xbegin(x, "x87 pointers gs fdiv m32")) {
            continue;
        }
        F80 st[2] = { V[2], V[3] };
        xstack(x, 2, st);
        x->tc.fx.fcw = 0x0340;
        x->tc.regs[RBX] = 0x300;
        xpoke(x, 0x300, 4, 0);
        x->b.seg = 0x65;
        xm(&x->b, 0, 6, MEMOP_BASE, v ? 16 : 32);
        xenv_check_ptrs(&x->b, true);
        xend(x);
    }
}

/* 16-bit code (CS, SS, DS 16-bit LDT segments, DS based at DATA_BASE,
 * limit 0xffff): 16-bit addressing and its wrap at 64 KiB, the 14-byte
 * environment by default (28 with 66h), limit faults. Raw bytes; the check
 * at the end is FNSTENV [si] in the 14-byte format. */
static void x_mode16(X *x)
{
    static const struct {
        uint8_t b[12];
        uint8_t n;
        int8_t env_at_bx;   /* image at [bx] to clean: 0 none, 1 14-byte,
                               2 28-byte */
    } seq[] = {
        { { 0xd9, 0x07 }, 2, 0 },                        /* fld m32 [bx] */
        { { 0xdd, 0x07 }, 2, 0 },                        /* fld m64 */
        { { 0xdb, 0x2f }, 2, 0 },                        /* fld m80 */
        { { 0xd9, 0x1f }, 2, 0 },                        /* fstp m32 */
        { { 0xdb, 0x3f }, 2, 0 },                        /* fstp m80 */
        { { 0xdf, 0x3f }, 2, 0 },                        /* fistp m64 */
        { { 0xde, 0x07 }, 2, 0 },                        /* fiadd m16 */
        { { 0xd8, 0x47, 0x10 }, 3, 0 },                  /* fadd [bx+16] */
        { { 0xd9, 0x87, 0x00, 0xff }, 4, 0 },            /* wraps to 0 */
        { { 0xd9, 0x87, 0xfe, 0xfe }, 4, 0 },            /* 0xfffe: #GP */
        { { 0x67, 0xd9, 0x03 }, 3, 0 },                  /* fld [ebx] */
        { { 0xd9, 0x37 }, 2, 1 },                        /* fnstenv 14 */
        { { 0x66, 0xd9, 0x37 }, 3, 2 },                  /* fnstenv 28 */
        { { 0xd9, 0x27 }, 2, 0 },                        /* fldenv 14 */
        { { 0x66, 0xd9, 0x27 }, 3, 0 },                  /* fldenv 28 */
        { { 0xdd, 0x37, 0xdd, 0x27 }, 4, 1 },            /* fnsave; frstor */
        { { 0x66, 0xdd, 0x37, 0x66, 0xdd, 0x27 }, 6, 2 },
        { { 0xdd, 0x3f, 0xd9, 0x3f }, 4, 0 },            /* fnstsw, fnstcw */
    };
    bool ptrs = host_keeps_ptrs();
    for (unsigned k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
        for (int i = 0; i < 6; i++) {
            if (!xbegin(x, "x87 16-bit code %u", k)) {
                continue;
            }
            TestCase *tc = &x->tc;
            tc->cmode = TC_MODE16;
            tc->regs[RBX] = 0x100;
            tc->regs[RSI] = 0x800;
            tc->regs[RDI] = 0x1000;
            tc->regs[RSP] = 0x800;
            tc->regs[RBP] = 0x700;
            tc->mem_seed = 0x5eed1600 + (uint64_t)i;
            xstack2(x, 1 + i, V[V2[i * 3]], V[V2[i * 3 + 1]]);
            x->tc.fx.fcw = (uint16_t)(0x037f ^ (i & 3) << 10);
            b_start(&x->b);
            b_bytes(&x->b, seq[k].b, seq[k].n);
            b_flags(&x->b, 0, 0, 0);
            /* FCS and FDS (and the pointers) of images at [bx] and [si] */
            uint8_t zero[][5] = {
                { 0xc7, 0x47, 0x08, 0, 0 }, { 0xc7, 0x47, 0x0c, 0, 0 },
                { 0xc7, 0x47, 0x06, 0, 0 }, { 0xc7, 0x47, 0x0a, 0, 0 },
            };
            uint8_t zero28[][5] = {
                { 0xc7, 0x47, 0x10, 0, 0 }, { 0xc7, 0x47, 0x18, 0, 0 },
                { 0xc7, 0x47, 0x0c, 0, 0 }, { 0xc7, 0x47, 0x12, 0, 0 },
                { 0xc7, 0x47, 0x14, 0, 0 },
            };
            int nz = seq[k].env_at_bx == 1 ? (ptrs ? 2 : 4)
                     : seq[k].env_at_bx == 2 ? (ptrs ? 2 : 5) : 0;
            for (int z = 0; z < nz; z++) {
                b_start(&x->b);
                b_bytes(&x->b, seq[k].env_at_bx == 1 ? zero[z] : zero28[z], 5);
                b_flags(&x->b, 0, 0, 0);
            }
            static const uint8_t fnstenv_si[2] = { 0xd9, 0x34 };
            b_start(&x->b);
            b_bytes(&x->b, fnstenv_si, 2);
            b_flags(&x->b, 0, 0, 0);
            for (int z = 0; z < (ptrs ? 2 : 4); z++) {
                uint8_t t[5];
                memcpy(t, zero[z], 5);
                t[1] = 0x44;                    /* [si + disp8] */
                b_start(&x->b);
                b_bytes(&x->b, t, 5);
                b_flags(&x->b, 0, 0, 0);
            }
            xend(x);
        }
    }
}

void x87_directed_generate(TestSink sink, void *opaque, const char *filter)
{
    X *x = calloc(1, sizeof(*x));
    x->sink = sink;
    x->opaque = opaque;
    x->filter = filter;
    x->rng.s = 0x87870087ull;
    x_arith_reg(x);
    x_rounding(x);
    x_reg_forms(x);
    x_unmasked(x);
    x_mem_loads(x);
    x_mem_stores(x);
    x_control(x);
    x_env(x);
    x_faults(x);
    x_addressing(x);
    x_prefixes(x);
    x_pointers(x);
    /* the same in a 32-bit code segment: FIP is EIP, FDP the offset */
    x->cmode = TC_MODE32;
    x_rounding(x);
    x_unmasked(x);
    x_mem_loads(x);
    x_mem_stores(x);
    x_control(x);
    x_env(x);
    x_faults(x);
    x_pointers(x);
    x_segments(x);
    x->cmode = TC_MODE64;
    x_mode16(x);
    free(x);
}

/* ----- random sequences ----- */

static F80 rand_f80(Rng *r)
{
    F80 v = V[rng_below(r, NV)];
    switch (rng_below(r, 4)) {
    case 0:
        return v;
    case 1:
        v.m ^= rng_next(r) >> rng_below(r, 64);
        return v;
    case 2:
        v.se = (uint16_t)(0x3fff + rng_below(r, 130) - 65) |
               (uint16_t)(rng_below(r, 2) << 15);
        v.m = rng_next(r) | ONE;
        return v;
    default:
        v.se = (uint16_t)rng_next(r);
        v.m = rng_next(r);
        return v;
    }
}

static void rand_mem_insn(Rng *r, Builder *b)
{
    for (;;) {
        int op = (int)rng_below(r, 8), dg = (int)rng_below(r, 8);
        /* not the undefined forms, nor FNSAVE/FRSTOR (108 bytes), nor
         * FNSTENV (FCS and FDS are the host's; the end check has one) */
        if ((op == 1 && (dg == 1 || dg == 6)) || (op == 3 && (dg == 4 || dg == 6)) ||
            (op == 5 && dg >= 4 && dg <= 6)) {
            continue;
        }
        Opnd m = M(RBX, rng_below(r, 3) ? -1 : R12, 8,
                   (int32_t)rng_below(r, 0x100) - 0x40);
        xm(b, op, dg, m, rng_below(r, 16) ? 32 : 16);
        return;
    }
}

static void rand_reg_insn(Rng *r, Builder *b)
{
    for (;;) {
        int op = (int)rng_below(r, 8), m = 0xc0 + (int)rng_below(r, 64);
        if (reg_form_valid(op, m) && !is_fcmov(op, m)) {
            xr(b, op, m);
            return;
        }
    }
}

void x87_random_generate_one(Rng *r, TestCase *tc)
{
    Builder b;

    memset(tc, 0, offsetof(TestCase, code));
    snprintf(tc->name, sizeof(tc->name), "random x87");
    for (int i = 0; i < 16; i++) {
        tc->regs[i] = rng_next(r);
    }
    tc->regs[RSP] = STACK_INIT;
    tc->regs[RBX] = DATA_BASE + 0x200 + rng_below(r, 0x800);
    tc->regs[RSI] = DATA_BASE + 0xc00 + rng_below(r, 0x800);
    tc->regs[R12] = rng_below(r, 17) - 8;
    tc->rflags = rng_next(r) & F_ARITH;
    tc->mem_seed = rng_next(r);
    tc->fx_set = true;
    tc->fx.mxcsr = 0x1f80;
    tc->fx.fcw = (uint16_t)(0x7f | (rng_below(r, 4) << 8) |
                            (rng_below(r, 4) << 10));
    if (rng_below(r, 4) == 0) {
        tc->fx.fcw = (uint16_t)((tc->fx.fcw & ~0x3f) | rng_below(r, 64));
    }
    /* TOP, condition codes, sometimes sticky flags (ES as FXRSTOR
     * derives it). The bits come from mem_seed: drawing more would move
     * every later test of a seed. */
    uint64_t h = tc->mem_seed;
    tc->fx.fsw = (uint16_t)(rng_below(r, 8) << 11 | ((h >> 7) & 0x4700));
    if (((h >> 24) & 3) == 0) {
        tc->fx.fsw |= (uint16_t)((h >> 40) & 0x7f);
    }
    if (tc->fx.fsw & ~tc->fx.fcw & 0x3f) {
        tc->fx.fsw |= 0x8080;
    }
    tc->fx.ftw = (uint8_t)rng_next(r);
    for (int i = 0; i < 8; i++) {
        F80 v = rand_f80(r);
        tc->fx.st[i].mant = v.m;
        tc->fx.st[i].exp = v.se;
    }
    b_init(&b, tc);
    int n = 1 + (int)rng_below(r, 8);
    for (int i = 0; i < n; i++) {
        switch (rng_below(r, 8)) {
        case 0: case 1: case 2:
            rand_mem_insn(r, &b);
            break;
        case 3:
            /* FCMOVcc reads flags the builder knows are defined */
            xr(&b, 2 + (int)rng_below(r, 2), 0xc0 + (int)rng_below(r, 32));
            break;
        case 4:
            if (rng_below(r, 4) == 0) {
                xwait(&b);
                break;
            }
            /* fall through */
        default:
            rand_reg_insn(r, &b);
            break;
        }
    }
    if (rng_below(r, 2)) {
        xenv_check_b(&b);
    }
    b_finish(&b);
}
