/*
 * x87 workloads shared by the fpu kernel and fpucalc-native: long double
 * arithmetic, the transcendental instructions, rounding and precision
 * control, conversions, comparisons, exception flags, FNSAVE/FRSTOR.
 * Results are printed as raw bits (80-bit: exponent.mantissa), so that the
 * native run and bt86 must agree to the last bit. Inputs go through
 * volatile variables so that nothing is folded at compile time.
 */
#include <stdint.h>

#include "fpucalc.h"

#define NOINLINE __attribute__((noinline))

typedef long double f80;

static fpucalc_printf_fn pr;

static void put80(const char *name, f80 x)
{
    union {
        f80 x;
        struct {
            uint64_t m;
            uint16_t se;
        } b;
    } u = { .x = x };
    pr("%s: %04x.%016llx\n", name, u.b.se, (unsigned long long)u.b.m);
}

static void set_cw(uint16_t cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw));
}

static uint16_t get_sw(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    return sw;
}

static void clear_ex(void)
{
    __asm__ volatile("fnclex");
}

/* ---- the instructions, one by one ---- */

#define UNARY(name, insn)                                                     \
    static NOINLINE f80 name(f80 x)                                           \
    {                                                                         \
        __asm__ volatile(insn : "+t"(x));                                     \
        return x;                                                             \
    }
UNARY(x_sin, "fsin")
UNARY(x_cos, "fcos")
UNARY(x_sqrt, "fsqrt")
UNARY(x_f2xm1, "f2xm1")
UNARY(x_rndint, "frndint")
UNARY(x_ptan, "fptan\n\tfstp %%st(0)")

/* ST(1) op ST(0), popped: fpatan, fyl2x, fyl2xp1 */
#define BINARY_POP(name, insn)                                                \
    static NOINLINE f80 name(f80 st1, f80 st0)                               \
    {                                                                         \
        f80 r;                                                                \
        __asm__ volatile(insn : "=t"(r) : "0"(st0), "u"(st1) : "st(1)");     \
        return r;                                                             \
    }
BINARY_POP(x_patan, "fpatan")
BINARY_POP(x_yl2x, "fyl2x")
BINARY_POP(x_yl2xp1, "fyl2xp1")

/* ST(0) op ST(1), ST(1) kept: fscale, fprem, fprem1 */
static NOINLINE f80 x_scale(f80 x, f80 n)
{
    __asm__ volatile("fscale" : "+t"(x) : "u"(n));
    return x;
}

static NOINLINE f80 x_prem(f80 x, f80 y, int one)
{
    if (one) {
        __asm__ volatile("1: fprem1\n\tfnstsw %%ax\n\ttestw $0x400, %%ax\n\t"
                         "jnz 1b" : "+t"(x) : "u"(y) : "ax");
    } else {
        __asm__ volatile("1: fprem\n\tfnstsw %%ax\n\ttestw $0x400, %%ax\n\t"
                         "jnz 1b" : "+t"(x) : "u"(y) : "ax");
    }
    return x;
}

static NOINLINE void x_sincos(f80 x, f80 *s, f80 *c)
{
    f80 sv, cv;
    __asm__ volatile("fsincos" : "=t"(cv), "=u"(sv) : "0"(x));
    *s = sv;
    *c = cv;
}

static NOINLINE void x_xtract(f80 x, f80 *sig, f80 *ex)
{
    f80 s, e;
    __asm__ volatile("fxtract" : "=t"(s), "=u"(e) : "0"(x));
    *sig = s;
    *ex = e;
}

/* FXAM's C3 C2 C1 C0 */
static NOINLINE unsigned x_xam(f80 x)
{
    uint16_t sw;
    __asm__ volatile("fxam\n\tfnstsw %0" : "=m"(sw) : "t"(x));
    return sw & 0x4700u;
}

static NOINLINE unsigned x_fcom_sw(f80 a, f80 b)
{
    uint16_t sw;
    __asm__ volatile("fucom %%st(1)\n\tfnstsw %0" : "=m"(sw) : "t"(a), "u"(b));
    return sw & 0x4500u;
}

static volatile f80 vin[] = {
    0.5L, 1.0L, 2.0L, 3.0L, 10.0L, 100.0L, 1e5L, -0.75L, 0x1p62L, 1e-5L,
    -3.14159L, 7e18L, 0x1p-16440L, 1e4000L,
};
#define NIN ((int)(sizeof(vin) / sizeof(vin[0])))

static volatile f80 vzero = 0.0L, vone = 1.0L, vthree = 3.0L;

/* ---- workloads ---- */

static NOINLINE void w_sums(void)
{
    f80 h = 0, p = 1;
    for (int k = 1; k <= 100000; k++) {
        h += vone / k;
    }
    put80("harmonic 1e5", h);
    pr("harmonic 1e5 x1e15: %lld\n", (long long)(h * 1e15L));
    for (int k = 1; k <= 25; k++) {
        p *= k;
        if (k % 5 == 0) {
            pr("fact %d: ", k);
            put80("", p);
        }
    }
    /* Machin: pi = 16 atan(1/5) - 4 atan(1/239) */
    f80 a5 = 0, a239 = 0, t5 = vone / 5, t239 = vone / 239;
    for (int k = 0; k < 30; k++) {
        f80 s = (k & 1) ? -1 : 1;
        a5 += s * t5 / (2 * k + 1);
        a239 += s * t239 / (2 * k + 1);
        t5 /= 25;
        t239 /= 239 * 239;
    }
    f80 pi = 16 * a5 - 4 * a239, fldpi;
    __asm__ volatile("fldpi" : "=t"(fldpi));
    put80("machin pi", pi);
    put80("fldpi", fldpi);
    pr("pi digits: 3.%llu\n", (unsigned long long)((pi - 3) * 1e18L));
    f80 c[7];
    __asm__ volatile("fld1" : "=t"(c[0]));
    __asm__ volatile("fldl2t" : "=t"(c[1]));
    __asm__ volatile("fldl2e" : "=t"(c[2]));
    __asm__ volatile("fldlg2" : "=t"(c[3]));
    __asm__ volatile("fldln2" : "=t"(c[4]));
    __asm__ volatile("fldz" : "=t"(c[5]));
    c[6] = -c[5];
    for (int i = 0; i < 7; i++) {
        pr("const %d: ", i);
        put80("", c[i]);
    }
}

static NOINLINE void w_transcendental(void)
{
    for (int i = 0; i < NIN; i++) {
        f80 x = vin[i], s, c;
        pr("x%d ", i);
        put80("in", x);
        clear_ex();
        put80("  sin", x_sin(x));
        put80("  cos", x_cos(x));
        x_sincos(x, &s, &c);
        put80("  sincos.s", s);
        put80("  sincos.c", c);
        put80("  tan", x_ptan(x));
        put80("  atan2(x,1.5)", x_patan(x, 1.5L));
        put80("  sqrt", x_sqrt(x));
        put80("  1.5*log2", x_yl2x(1.5L, x));
        put80("  2^x-1", x_f2xm1(x / 16));
        put80("  log2(1+x/64)", x_yl2xp1(1.0L, x / 64));
        put80("  scale 7", x_scale(x, 7.0L));
        put80("  prem pi", x_prem(x, 3.14159265358979323846L, 0));
        put80("  prem1 pi", x_prem(x, 3.14159265358979323846L, 1));
        x_xtract(x, &s, &c);
        put80("  xtract.sig", s);
        put80("  xtract.exp", c);
        pr("  fsw %04x xam %04x\n", get_sw() & 0x47ffu, x_xam(x));
    }
}

static NOINLINE void w_rounding(void)
{
    static const f80 r[] = { 2.5L, -2.5L, 3.5L, -0.5L, 1e10L + 0.5L };
    for (int rc = 0; rc < 4; rc++) {
        for (int pc = 0; pc < 4; pc++) {
            set_cw((uint16_t)(0x7f | pc << 8 | rc << 10));
            pr("rc %d pc %d ", rc, pc);
            put80("1/3", vone / vthree);
            put80("  sqrt3", x_sqrt(vthree));
            put80("  3*1/3-1", vthree * (vone / vthree) - vone);
        }
        set_cw((uint16_t)(0x37f | rc << 10));
        for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
            f80 x = r[i] * vone;
            int64_t q;
            int32_t l;
            int16_t w;
            __asm__ volatile("fistpll %0" : "=m"(q) : "t"(x) : "st");
            __asm__ volatile("fistpl %0" : "=m"(l) : "t"(x) : "st");
            __asm__ volatile("fistps %0" : "=m"(w) : "t"(x) : "st");
            pr("rc %d fist %d: %lld %d %d", rc, i, (long long)q, l, w);
            put80(" rnd", x_rndint(x));
        }
    }
    set_cw(0x37f);
}

static NOINLINE void w_conversions(void)
{
    static const f80 v[] = { 1.0L / 3, -2.5L, 1e10L, -1e19L, 32767.5L,
                             3e38L, 1e-40L, 1e300L, 123456789012345678.0L,
                             -0.0L };
    for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        f80 x = v[i] * vone;
        volatile float f = (float)x;
        volatile double d = (double)x;
        union { float f; uint32_t u; } uf = { .f = f };
        union { double d; uint64_t u; } ud = { .d = d };
        uint8_t bcd[10];
        __asm__ volatile("fbstp %0" : "=m"(bcd) : "t"(x) : "st");
        clear_ex();
        int64_t q = (int64_t)x;
        pr("conv %u: float %08x double %016llx int %lld bcd ", i,
           (unsigned)uf.u, (unsigned long long)ud.u, (long long)q);
        for (int k = 9; k >= 0; k--) {
            pr("%02x", bcd[k]);
        }
        put80(" back", (f80)f + (f80)d);
    }
    static const int64_t ints[] = { 0, -1, 32767, -32768, 2147483647,
                                    INT64_MIN, INT64_MAX, 1000000007 };
    for (unsigned i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        volatile int64_t q = ints[i];
        volatile int32_t l = (int32_t)q;
        volatile int16_t w = (int16_t)q;
        pr("fild %u: ", i);
        put80("", (f80)q + (f80)l * 2 + (f80)w * 4);
    }
}

static NOINLINE void w_compare(void)
{
    volatile f80 nan = vzero / vzero, inf = vone / vzero;
    f80 v[] = { 0.0L, -0.0L, 1.0L, -1.0L, nan, inf, -inf };
    clear_ex();
    for (int i = 0; i < 7; i++) {
        for (int j = 0; j < 7; j++) {
            f80 a = v[i], b = v[j];
            pr("cmp %d %d: %d%d%d%d%d %04x\n", i, j, a < b, a <= b, a == b,
               a != b, a > b, x_fcom_sw(a, b));
        }
        pr("xam %d: %04x\n", i, x_xam(v[i]));
    }
    pr("cmp fsw %04x\n", get_sw() & 0x3fu);
}

static NOINLINE void w_exceptions(void)
{
    static const char *const name[] = { "1/0", "0/0", "sqrt(-1)",
                                         "max*2", "min*min", "1/3",
                                         "denormal+1" };
    for (int i = 0; i < 7; i++) {
        f80 r = 0;
        clear_ex();
        switch (i) {
        case 0: r = vone / vzero; break;
        case 1: r = vzero / vzero; break;
        case 2: r = x_sqrt(-vone); break;
        case 3: r = 1.18e4932L * vone * 2; break;
        case 4: r = 3.4e-4932L * vone * 3.4e-4932L; break;
        case 5: r = vone / vthree; break;
        default: r = vin[12] + vone; break;
        }
        pr("flags %s: %02x ", name[i], get_sw() & 0x3fu);
        put80("result", r);
    }
    clear_ex();
}

static NOINLINE void w_save_restore(void)
{
    uint8_t img[108];
    f80 a = vone / vthree, b = -vthree, c, d;
    __asm__ volatile("fldt %2\n\tfldt %3\n\tfnsave %0\n\t"
                     "fld1\n\tfldz\n\tfstp %%st(0)\n\tfstp %%st(0)\n\t"
                     "frstor %0\n\tfstpt %1"
                     : "+m"(img), "=m"(c) : "m"(a), "m"(b));
    __asm__ volatile("fstpt %0" : "=m"(d));
    pr("fnsave cw %02x%02x sw %02x%02x tw %02x%02x\n", img[1], img[0],
       img[5], img[4], img[9], img[8]);
    put80("frstor st0", c);
    put80("frstor st1", d);
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    pr("fcw after: %04x sw %04x\n", cw, get_sw());
}

/* A loop of mixed operations: many blocks, chained */
static NOINLINE void w_loop(void)
{
    f80 x = vone / 7, y = vthree;
    for (int i = 0; i < 20000; i++) {
        x = x * 1.0000001L + x_sin(y) * 1e-9L;
        y = x_sqrt(y * y + x) - x / (i + 1);
        if (x > 10) {
            x /= 3;
        }
    }
    put80("loop x", x);
    put80("loop y", y);
}

void fpucalc_report(fpucalc_printf_fn print)
{
    pr = print;
    w_sums();
    w_transcendental();
    w_rounding();
    w_conversions();
    w_compare();
    w_exceptions();
    w_save_restore();
    w_loop();
}
