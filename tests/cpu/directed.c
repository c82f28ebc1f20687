/*
 * The directed table: every form of the general-purpose instructions the
 * harness covers, with edge operands (0, 1, the sign boundaries, all ones,
 * alternating bits) and edge counts, in registers and in memory through the
 * different addressing forms. Each test is one instruction (or a short fixed
 * sequence) followed by int3; its name is the form, and failures are
 * grouped by name.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

typedef struct D {
    TestSink sink;
    void *opaque;
    const char *filter;
    Rng rng;
    uint64_t idx;
    uint64_t dropped;
    TestCase tc;
    Builder b;
} D;

static uint64_t maskof(int sz)
{
    return sz == 64 ? ~0ull : (1ull << sz) - 1;
}

static bool begin(D *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool begin(D *d, const char *fmt, ...)
{
    char name[sizeof(d->tc.name)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    if (d->filter && !strstr(name, d->filter)) {
        return false;
    }
    TestCase *tc = &d->tc;
    memset(tc, 0, offsetof(TestCase, code));
    memcpy(tc->name, name, sizeof(name));
    for (int i = 0; i < 16; i++) {
        tc->regs[i] = rng_next(&d->rng);
    }
    tc->regs[RSP] = STACK_INIT;
    tc->rflags = (d->idx & 1) ? F_ARITH : 0;
    tc->mem_seed = 0x5eed0001;
    b_init(&d->b, tc);
    d->idx++;
    return true;
}

static void end(D *d)
{
    b_finish(&d->b);
    if (d->b.bad || d->b.reads) {
        d->dropped++;
        if (d->dropped <= 10) {
            fprintf(stderr, "cputest: directed: %s [%s] (generator bug)\n",
                    d->b.bad ? "cannot encode" : "reads undefined flags",
                    d->tc.name);
        }
        return;
    }
    d->sink(&d->tc, d->opaque);
}

static int ureg(int r)
{
    return r >= REG_AH ? r - REG_AH : r;
}

static unsigned rbit(int r)
{
    return 1u << ureg(r);
}

static void setr(D *d, int reg, int sz, uint64_t v)
{
    if (reg >= REG_AH) {
        uint64_t *r = &d->tc.regs[reg - REG_AH];
        *r = (*r & ~0xff00ull) | (v & 0xff) << 8;
        return;
    }
    uint64_t m = maskof(sz);
    d->tc.regs[reg] = (d->tc.regs[reg] & ~m) | (v & m);
}

static void setf(D *d, uint64_t f)
{
    d->tc.rflags = f;
}

static void poke(D *d, int region, unsigned off, int len, uint64_t v)
{
    TestCase *tc = &d->tc;
    if (tc->nb_patch >= MAX_PATCH) {
        d->b.bad = true;
        return;
    }
    tc->patch[tc->nb_patch++] = (MemPatch){ (uint8_t)region, (uint8_t)len,
                                            (uint16_t)off, v };
}

/* ----- operands ----- */

static const int P64[][2] = {
    { RAX, RCX }, { RDX, RBX }, { RSI, RDI }, { R8, R15 }, { R14, R9 },
    { RBP, R12 }, { R11, RAX }, { RDI, R13 }, { R10, RSI }, { RCX, R8 },
};
static const int P8[][2] = {
    { RAX, RCX }, { REG_AH, RBX }, { REG_CH, REG_DH }, { REG_BH, REG_AH },
    { RSI, RDI }, { R8, RSP }, { RBP, R15 }, { RDX, R11 }, { RAX, REG_CH },
    { R12, R9 },
};
#define NPAIRS 10

static void pick_pair(D *d, int sz, int *a, int *b)
{
    unsigned k = (unsigned)(d->idx % NPAIRS);
    *a = sz == 8 ? P8[k][0] : P64[k][0];
    *b = sz == 8 ? P8[k][1] : P64[k][1];
}

/* One register (not RSP), rotating; for 8-bit also AH..BH. */
static int pick_reg(D *d, int sz, unsigned avoid)
{
    static const int r64[] = { RAX, RCX, RDX, RBX, RBP, RSI, RDI, R8, R9,
                               R10, R11, R12, R13, R14, R15 };
    static const int r8[] = { RAX, RCX, RDX, RBX, REG_AH, REG_CH, REG_DH,
                              REG_BH, RBP, RSI, RDI, R8, R12, R15, RSP };
    const int *t = sz == 8 ? r8 : r64;
    for (unsigned i = 0; i < 15; i++) {
        int r = t[(d->idx + i) % 15];
        if (!(avoid & rbit(r))) {
            return r;
        }
    }
    return RAX;
}

static const unsigned mem_offs[] = {
    0x100, 0x7ff, 0xffd, 0xffe, 0x1001, 0x1ff8, 0x123, 0x800, 0xfff, 0x1ffc,
};

/* Data offset for an access of `bytes` at rotating places (some cross the
 * boundary between the two data pages). */
static unsigned pick_off(D *d, int bytes)
{
    unsigned off = mem_offs[d->idx % 10];
    if (off + (unsigned)bytes > DATA_SIZE) {
        off = DATA_SIZE - (unsigned)bytes;
    }
    return off;
}

/*
 * A memory operand addressing DATA_BASE + off through registers not in
 * `avoid`, in one of several addressing forms (chosen by `variant`); with
 * `legacy`, only registers that need no REX prefix.
 */
static Opnd memop(D *d, unsigned variant, unsigned off, unsigned avoid,
                  bool legacy)
{
    static const int bases[] = { RBX, RSI, RDI, R9, RBP, R13, R12, R10, R14,
                                 RDX, R11, R8, RCX, R15, RAX };
    static const int lbases[] = { RBX, RSI, RDI, RBP, RDX, RCX, RAX };
    const int *t = legacy ? lbases : bases;
    unsigned nt = legacy ? 7 : 15;
    int base = -1, index = -1;
    uint64_t addr = DATA_BASE + off;
    avoid |= 1u << RSP;
    for (unsigned i = 0; i < nt && base < 0; i++) {
        int r = t[(d->idx / 3 + i) % nt];
        if (!(avoid & (1u << r))) {
            base = r;
        }
    }
    for (unsigned i = 0; i < nt && index < 0; i++) {
        int r = t[(d->idx / 5 + 3 + i) % nt];
        if (!(avoid & (1u << r)) && r != base) {
            index = r;
        }
    }
    if (base < 0 || index < 0) {
        d->b.bad = true;
        return M(RBX, -1, 1, 0);
    }
    uint64_t *regs = d->tc.regs;
    int scale = 1 << (d->idx % 4);
    int64_t iv = (int64_t)(d->idx % 41) - 20;
    int32_t d8 = (int32_t)(d->idx * 37 % 256) - 128;
    int32_t d32 = (int32_t)(d->idx * 7919 % 0x20000) - 0x10000;
    Opnd o;
    switch (variant % 8) {
    case 0:
        regs[base] = addr;
        return M(base, -1, 1, 0);
    case 1:
        regs[base] = addr - (uint64_t)(int64_t)d8;
        return M(base, -1, 1, d8);
    case 2:
        regs[base] = addr - (uint64_t)(int64_t)d32;
        o = M(base, -1, 1, d32);
        o.dispsz = 4;
        return o;
    case 3:
        regs[index] = (uint64_t)iv;
        regs[base] = addr - (uint64_t)(iv * scale) - (uint64_t)(int64_t)d8;
        return M(base, index, scale, d8);
    case 4:
        regs[index] = (uint64_t)iv;
        return M(BASE_NONE, index, scale,
                 (int32_t)(addr - (uint64_t)(iv * scale)));
    case 5:
        return M(BASE_NONE, -1, 1, (int32_t)addr);
    case 6:
        return MRIP(addr);
    default:
        /* 32-bit addressing: the upper halves must not matter */
        regs[base] = (regs[base] & ~0xffffffffull) |
                     (uint32_t)(addr - (uint64_t)(int64_t)d8);
        if (!(regs[base] >> 32)) {
            regs[base] |= 0xdead0000ull << 32;
        }
        o = M(base, -1, 1, d8);
        o.addr32 = true;
        return o;
    }
}

static int edges(int sz, uint64_t *v)
{
    uint64_t m = maskof(sz), h = 1ull << (sz - 1);
    int n = 0;
    v[n++] = 0;
    v[n++] = 1;
    v[n++] = 2;
    v[n++] = h - 1;
    v[n++] = h;
    v[n++] = h + 1;
    v[n++] = m - 1;
    v[n++] = m;
    v[n++] = 0x5555555555555555ull & m;
    v[n++] = 0xaaaaaaaaaaaaaaaaull & m;
    v[n++] = 0x0123456789abcdefull & m;
    return n;
}

static int edges_small(int sz, uint64_t *v)
{
    uint64_t m = maskof(sz), h = 1ull << (sz - 1);
    int n = 0;
    v[n++] = 0;
    v[n++] = 1;
    v[n++] = h - 1;
    v[n++] = h;
    v[n++] = m;
    v[n++] = 0x0123456789abcdefull & m;
    return n;
}

/* immediates of the operand's immediate size */
static int imm_edges(int sz, uint64_t *v)
{
    int n = 0;
    v[n++] = 0;
    v[n++] = 1;
    v[n++] = 0x80;
    if (sz == 8) {
        v[n++] = 0x7f;
        v[n++] = 0xff;
    } else if (sz == 16) {
        v[n++] = 0x7fff;
        v[n++] = 0x8000;
        v[n++] = 0xffff;
    } else {
        v[n++] = 0x7fffffff;
        v[n++] = 0x80000000;
        v[n++] = 0xffffffff;
    }
    return n;
}

static const uint64_t imm8_edges[] = { 0, 1, 0x7f, 0x80, 0xff, 0x55 };

static const int sizes[4] = { 8, 16, 32, 64 };

static const char *rm_kind(bool mem)
{
    return mem ? "mem" : "reg";
}

/* ----- ALU ----- */

static void gen_alu(D *d)
{
    uint64_t ev[16], iv[8];
    for (int op = 0; op < 8; op++) {
        bool carry = op == ALU_ADC || op == ALU_SBB;
        for (int si = 0; si < 4; si++) {
            int sz = sizes[si];
            int n = edges(sz, ev);
            for (int cf = 0; cf < (carry ? 2 : 1); cf++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        for (int form = 0; form < 4; form++) {
                            bool mem = form & 1, rev = form & 2;
                            if (!begin(d, "%s %s, %s (%s)", alu_names[op],
                                       rev ? "r" : "r/m", rev ? "r/m" : "r",
                                       rm_kind(mem))) {
                                continue;
                            }
                            int a, b;
                            pick_pair(d, sz, &a, &b);
                            if (carry) {
                                setf(d, cf ? F_CF | (d->tc.rflags & ~F_CF)
                                           : d->tc.rflags & ~F_CF);
                            }
                            Opnd rm = R(a);
                            if (mem) {
                                unsigned off = pick_off(d, sz / 8);
                                rm = memop(d, (unsigned)d->idx, off,
                                           rbit(a) | rbit(b), b >= REG_AH);
                                poke(d, 0, off, sz / 8, ev[i]);
                            } else {
                                setr(d, a, sz, ev[i]);
                            }
                            setr(d, b, sz, ev[j]);
                            if (rev) {
                                g_alu_r_rm(&d->b, op, sz, b, rm);
                            } else {
                                g_alu_rm_r(&d->b, op, sz, rm, b);
                            }
                            end(d);
                        }
                    }
                }
                /* same register on both sides (xor r,r; sub r,r; sbb r,r) */
                for (int i = 0; i < n; i++) {
                    if (!begin(d, "%s r, r (same)", alu_names[op])) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    if (carry) {
                        setf(d, cf ? F_CF : 0);
                    }
                    setr(d, a, sz, ev[i]);
                    if (i & 1) {
                        g_alu_r_rm(&d->b, op, sz, a, R(a));
                    } else {
                        g_alu_rm_r(&d->b, op, sz, R(a), a);
                    }
                    end(d);
                }
                /* immediates */
                int ni = imm_edges(sz, iv);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < ni; j++) {
                        if (begin(d, "%s acc, imm", alu_names[op])) {
                            if (carry) {
                                setf(d, cf ? F_CF : 0);
                            }
                            setr(d, RAX, sz, ev[i]);
                            g_alu_acc_imm(&d->b, op, sz, iv[j]);
                            end(d);
                        }
                        for (int mem = 0; mem < 2; mem++) {
                            if (!begin(d, "%s r/m, imm (%s)", alu_names[op],
                                       rm_kind(mem))) {
                                continue;
                            }
                            if (carry) {
                                setf(d, cf ? F_CF : 0);
                            }
                            int a = pick_reg(d, sz, 0);
                            Opnd rm = R(a);
                            if (mem) {
                                unsigned off = pick_off(d, sz / 8);
                                rm = memop(d, (unsigned)d->idx, off, 0, false);
                                poke(d, 0, off, sz / 8, ev[i]);
                            } else {
                                setr(d, a, sz, ev[i]);
                            }
                            g_alu_rm_imm(&d->b, op, sz, rm, iv[j]);
                            end(d);
                        }
                    }
                    if (sz == 8) {
                        continue;
                    }
                    for (int j = 0; j < 6; j++) {
                        for (int mem = 0; mem < 2; mem++) {
                            if (!begin(d, "%s r/m, imm8 (%s)", alu_names[op],
                                       rm_kind(mem))) {
                                continue;
                            }
                            if (carry) {
                                setf(d, cf ? F_CF : 0);
                            }
                            int a = pick_reg(d, sz, 0);
                            Opnd rm = R(a);
                            if (mem) {
                                unsigned off = pick_off(d, sz / 8);
                                rm = memop(d, (unsigned)d->idx, off, 0, false);
                                poke(d, 0, off, sz / 8, ev[i]);
                            } else {
                                setr(d, a, sz, ev[i]);
                            }
                            g_alu_rm_imm8(&d->b, op, sz, rm, imm8_edges[j]);
                            end(d);
                        }
                    }
                }
            }
        }
        /* LOCK with a memory destination */
        if (op != ALU_CMP) {
            for (int si = 0; si < 4; si++) {
                int sz = sizes[si];
                int n = edges_small(sz, ev);
                for (int i = 0; i < n; i++) {
                    if (!begin(d, "lock %s m, r", alu_names[op])) {
                        continue;
                    }
                    unsigned off = pick_off(d, sz / 8);
                    Opnd rm = memop(d, (unsigned)d->idx, off, rbit(RCX), false);
                    poke(d, 0, off, sz / 8, ev[i]);
                    setr(d, RCX, sz, ev[n - 1 - i]);
                    d->b.lock = true;
                    g_alu_rm_r(&d->b, op, sz, rm, RCX);
                    end(d);
                }
            }
        }
    }
    /* LOCK with a register destination: #UD */
    if (begin(d, "lock add r, r (#UD)")) {
        d->b.lock = true;
        g_alu_rm_r(&d->b, ALU_ADD, 32, R(RAX), RCX);
        end(d);
    }
}

static void gen_test(D *d)
{
    uint64_t ev[16], iv[8];
    for (int si = 0; si < 4; si++) {
        int sz = sizes[si];
        int n = edges(sz, ev);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "test r/m, r (%s)", rm_kind(mem))) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    Opnd rm = R(a);
                    if (mem) {
                        unsigned off = pick_off(d, sz / 8);
                        rm = memop(d, (unsigned)d->idx, off, rbit(a) | rbit(b),
                                   b >= REG_AH);
                        poke(d, 0, off, sz / 8, ev[i]);
                    } else {
                        setr(d, a, sz, ev[i]);
                    }
                    setr(d, b, sz, ev[j]);
                    g_test_rm_r(&d->b, sz, rm, b);
                    end(d);
                }
            }
            if (begin(d, "test r, r (same)")) {
                int a = pick_reg(d, sz, 0);
                setr(d, a, sz, ev[i]);
                g_test_rm_r(&d->b, sz, R(a), a);
                end(d);
            }
            int ni = imm_edges(sz, iv);
            for (int j = 0; j < ni; j++) {
                if (begin(d, "test acc, imm")) {
                    setr(d, RAX, sz, ev[i]);
                    g_test_acc_imm(&d->b, sz, iv[j]);
                    end(d);
                }
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "test r/m, imm (%s)", rm_kind(mem))) {
                        continue;
                    }
                    int a = pick_reg(d, sz, 0);
                    Opnd rm = R(a);
                    if (mem) {
                        unsigned off = pick_off(d, sz / 8);
                        rm = memop(d, (unsigned)d->idx, off, 0, false);
                        poke(d, 0, off, sz / 8, ev[i]);
                    } else {
                        setr(d, a, sz, ev[i]);
                    }
                    g_test_rm_imm(&d->b, sz, rm, iv[j]);
                    end(d);
                }
            }
        }
    }
}

/* ----- inc, dec, neg, not ----- */

static void gen_unary(D *d)
{
    static const char *const names[4] = { "inc", "dec", "not", "neg" };
    uint64_t ev[16];
    for (int k = 0; k < 4; k++) {
        for (int si = 0; si < 4; si++) {
            int sz = sizes[si];
            int n = edges(sz, ev);
            for (int i = 0; i < n; i++) {
                for (int f = 0; f < 2; f++) {
                    for (int mem = 0; mem < 2; mem++) {
                        for (int lock = 0; lock < 1 + mem; lock++) {
                            if (!begin(d, "%s%s r/m (%s)", lock ? "lock " : "",
                                       names[k], rm_kind(mem))) {
                                continue;
                            }
                            setf(d, f ? F_ARITH : 0);
                            int a = pick_reg(d, sz, 0);
                            Opnd rm = R(a);
                            if (mem) {
                                unsigned off = pick_off(d, sz / 8);
                                rm = memop(d, (unsigned)d->idx, off, 0, false);
                                poke(d, 0, off, sz / 8, ev[i]);
                            } else {
                                setr(d, a, sz, ev[i]);
                            }
                            d->b.lock = lock;
                            if (k < 2) {
                                g_incdec(&d->b, k == 1, sz, rm);
                            } else {
                                g_grp3(&d->b, k, sz, rm);
                            }
                            end(d);
                        }
                    }
                }
            }
        }
    }
}

/* ----- mul, imul, div, idiv ----- */

static void gen_muldiv(D *d)
{
    static const char *const names[4] = { "mul", "imul", "div", "idiv" };
    static const int dregs[] = { RCX, RBX, RSI, R9, R15, RBP };
    static const int dregs8[] = { RCX, REG_BH, RSI, R9, REG_CH, RBX };
    uint64_t ev[16], hv[8];
    for (int k = 0; k < 4; k++) {
        for (int si = 0; si < 4; si++) {
            int sz = sizes[si];
            int n = edges(sz, ev);
            uint64_t m = maskof(sz), h = 1ull << (sz - 1);
            for (int i = 0; i < n; i++) {          /* the operand */
                int nh = 1;
                hv[0] = 0;
                if (k >= 2) {
                    /* high half of the dividend */
                    hv[nh++] = 1;
                    hv[nh++] = m;
                    hv[nh++] = h - 1;
                    hv[nh++] = (ev[i] - 1) & m;
                }
                for (int hi = 0; hi < nh; hi++) {
                    for (int j = 0; j < n; j++) {  /* rAX / the low half */
                        for (int mem = 0; mem < 2; mem++) {
                            if (!begin(d, "%s r/m (%s)", names[k],
                                       rm_kind(mem))) {
                                continue;
                            }
                            int r = sz == 8 ? dregs8[d->idx % 6]
                                            : dregs[d->idx % 6];
                            Opnd rm = R(r);
                            if (sz == 8) {
                                setr(d, RAX, 8, ev[j]);
                                setr(d, REG_AH, 8, hv[hi]);
                            } else {
                                setr(d, RAX, sz, ev[j]);
                                setr(d, RDX, sz, hv[hi]);
                            }
                            if (mem) {
                                unsigned off = pick_off(d, sz / 8);
                                rm = memop(d, (unsigned)d->idx, off,
                                           rbit(RAX) | rbit(RDX), false);
                                poke(d, 0, off, sz / 8, ev[i]);
                            } else {
                                setr(d, r, sz, ev[i]);
                            }
                            g_grp3(&d->b, 4 + k, sz, rm);
                            end(d);
                        }
                    }
                }
            }
        }
    }
    /* imul r, r/m; imul r, r/m, imm */
    for (int si = 1; si < 4; si++) {
        int sz = sizes[si];
        int n = edges(sz, ev);
        uint64_t iv[8];
        int ni = imm_edges(sz, iv);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "imul r, r/m (%s)", rm_kind(mem))) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    Opnd rm = R(b);
                    if (mem) {
                        unsigned off = pick_off(d, sz / 8);
                        rm = memop(d, (unsigned)d->idx, off, rbit(a), false);
                        poke(d, 0, off, sz / 8, ev[j]);
                    } else {
                        setr(d, b, sz, ev[j]);
                    }
                    setr(d, a, sz, ev[i]);
                    g_imul_r_rm(&d->b, sz, a, rm);
                    end(d);
                }
            }
            for (int j = 0; j < ni + 6; j++) {
                bool imm8 = j >= ni;
                uint64_t imm = imm8 ? imm8_edges[j - ni] : iv[j];
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "imul r, r/m, %s (%s)", imm8 ? "imm8" : "imm",
                               rm_kind(mem))) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    Opnd rm = R(b);
                    if (mem) {
                        unsigned off = pick_off(d, sz / 8);
                        rm = memop(d, (unsigned)d->idx, off, rbit(a), false);
                        poke(d, 0, off, sz / 8, ev[i]);
                    } else {
                        setr(d, b, sz, ev[i]);
                    }
                    g_imul_r_rm_imm(&d->b, sz, a, rm, imm, imm8);
                    end(d);
                }
            }
        }
        /* the same register as source and destination */
        for (int i = 0; i < n; i++) {
            if (!begin(d, "imul r, r (same)")) {
                continue;
            }
            int a = pick_reg(d, sz, 0);
            setr(d, a, sz, ev[i]);
            g_imul_r_rm(&d->b, sz, a, R(a));
            end(d);
        }
    }
}

/* ----- shifts and rotates ----- */

static const int counts[] = { 0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33,
                              63, 64, 65, 255 };
#define NCOUNTS 18

static void gen_shift(D *d)
{
    static const int exts[7] = { 0, 1, 2, 3, 4, 5, 7 };
    uint64_t ev[16];
    for (int e = 0; e < 7; e++) {
        int ext = exts[e];
        bool rc = ext == 2 || ext == 3;
        for (int si = 0; si < 4; si++) {
            int sz = sizes[si];
            int n = edges(sz, ev);
            for (int form = 0; form < 3; form++) {
                int nc = form == SH_BY1 ? 1 : NCOUNTS;
                for (int c = 0; c < nc; c++) {
                    int count = form == SH_BY1 ? 1 : counts[c];
                    for (int i = 0; i < n; i++) {
                        for (int f = 0; f < 2; f++) {
                            for (int mem = 0; mem < 2; mem++) {
                                if (mem && (i + c) % 3) {
                                    continue;   /* fewer memory cases */
                                }
                                if (!begin(d, "%s r/m, %s (%s)",
                                           shift_names[ext],
                                           form == SH_BY1 ? "1" :
                                           form == SH_IMM ? "imm8" : "cl",
                                           rm_kind(mem))) {
                                    continue;
                                }
                                setf(d, f ? (rc ? F_CF : F_ARITH)
                                          : (rc ? 0 : F_OF | F_ZF));
                                int a = pick_reg(d, sz, rbit(RCX));
                                Opnd rm = R(a);
                                if (mem) {
                                    unsigned off = pick_off(d, sz / 8);
                                    rm = memop(d, (unsigned)d->idx, off,
                                               rbit(RCX), false);
                                    poke(d, 0, off, sz / 8, ev[i]);
                                } else {
                                    setr(d, a, sz, ev[i]);
                                }
                                if (form == SH_CL) {
                                    setr(d, RCX, 8, (uint64_t)count);
                                }
                                g_shift(&d->b, ext, sz, rm, form,
                                        (uint8_t)count, count);
                                end(d);
                            }
                        }
                    }
                }
            }
        }
    }
    /* shift by CL of CL itself */
    for (int c = 0; c < NCOUNTS; c++) {
        for (int e = 0; e < 7; e++) {
            if (!begin(d, "%s cl, cl", shift_names[exts[e]])) {
                continue;
            }
            setr(d, RCX, 8, (uint64_t)counts[c]);
            g_shift(&d->b, exts[e], 8, R(RCX), SH_CL, 0, counts[c]);
            end(d);
        }
    }
}

static void gen_shxd(D *d)
{
    uint64_t ev[8];
    for (int right = 0; right < 2; right++) {
        for (int si = 1; si < 4; si++) {
            int sz = sizes[si];
            int n = edges_small(sz, ev);
            for (int cl = 0; cl < 2; cl++) {
                for (int c = 0; c < NCOUNTS; c++) {
                    int count = counts[c];
                    int masked = count & (sz == 64 ? 63 : 31);
                    if (sz == 16 && masked > 16) {
                        continue;   /* undefined result */
                    }
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            for (int mem = 0; mem < 2; mem++) {
                                if (mem && (i + j) % 3) {
                                    continue;
                                }
                                if (!begin(d, "%s r/m, r, %s (%s)",
                                           right ? "shrd" : "shld",
                                           cl ? "cl" : "imm8", rm_kind(mem))) {
                                    continue;
                                }
                                int a = pick_reg(d, sz, rbit(RCX));
                                int b = pick_reg(d, sz, rbit(RCX) | rbit(a));
                                Opnd rm = R(a);
                                if (mem) {
                                    unsigned off = pick_off(d, sz / 8);
                                    rm = memop(d, (unsigned)d->idx, off,
                                               rbit(RCX) | rbit(b), false);
                                    poke(d, 0, off, sz / 8, ev[i]);
                                } else {
                                    setr(d, a, sz, ev[i]);
                                }
                                setr(d, b, sz, ev[n - 1 - j]);
                                if (cl) {
                                    setr(d, RCX, 8, (uint64_t)count);
                                }
                                g_shxd(&d->b, right, sz, rm, b, cl,
                                       (uint8_t)count, count);
                                end(d);
                            }
                        }
                    }
                }
            }
        }
    }
}

/* ----- bit tests and scans ----- */

static void gen_bt(D *d)
{
    static const int64_t offs[] = {
        0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, -1, -2, -8, -9,
        -16, -17, -32, -33, -64, -65, -128, 1000, -1000, 0x3fff, -0x4000,
    };
    static const uint8_t imms[] = { 0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63,
                                    64, 127, 255 };
    uint64_t ev[8];
    for (int op = 0; op < 4; op++) {
        for (int si = 1; si < 4; si++) {
            int sz = sizes[si];
            int n = edges_small(sz, ev);
            /* register destination, register offset */
            for (unsigned o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
                for (int i = 0; i < n; i++) {
                    if (!begin(d, "%s r, r", bt_names[op])) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    setr(d, a, sz, ev[i]);
                    setr(d, b, sz, (uint64_t)offs[o]);
                    g_bt_r(&d->b, op, sz, R(a), b);
                    end(d);
                }
                /* memory: the offset reaches outside the operand */
                for (int lock = 0; lock < (op ? 2 : 1); lock++) {
                    if (!begin(d, "%s%s m, r", lock ? "lock " : "",
                               bt_names[op])) {
                        continue;
                    }
                    int b = pick_reg(d, sz, 0);
                    Opnd rm = memop(d, (unsigned)d->idx % 7, 0x1000, rbit(b),
                                    false);
                    setr(d, b, sz, (uint64_t)offs[o]);
                    d->b.lock = lock;
                    g_bt_r(&d->b, op, sz, rm, b);
                    end(d);
                }
            }
            /* immediate offsets */
            for (unsigned o = 0; o < sizeof(imms); o++) {
                for (int i = 0; i < n; i++) {
                    for (int mem = 0; mem < 2; mem++) {
                        if (!begin(d, "%s r/m, imm8 (%s)", bt_names[op],
                                   rm_kind(mem))) {
                            continue;
                        }
                        int a = pick_reg(d, sz, 0);
                        Opnd rm = R(a);
                        if (mem) {
                            unsigned off = pick_off(d, sz / 8);
                            rm = memop(d, (unsigned)d->idx, off, 0, false);
                            poke(d, 0, off, sz / 8, ev[i]);
                        } else {
                            setr(d, a, sz, ev[i]);
                        }
                        g_bt_imm(&d->b, op, sz, rm, imms[o]);
                        end(d);
                    }
                }
            }
        }
    }
    /* a bit offset far outside the data: #PF */
    if (begin(d, "bt m, r (far: #PF)")) {
        Opnd rm = memop(d, 0, 0x800, rbit(RCX), false);
        setr(d, RCX, 64, 0x7fffffffull);
        g_bt_r(&d->b, 0, 64, rm, RCX);
        end(d);
    }
}

static void gen_bsx(D *d)
{
    for (int bsr = 0; bsr < 2; bsr++) {
        for (int si = 1; si < 4; si++) {
            int sz = sizes[si];
            uint64_t m = maskof(sz);
            uint64_t vals[24];
            int n = 0;
            vals[n++] = 0;
            vals[n++] = 1;
            vals[n++] = 2;
            vals[n++] = 3;
            vals[n++] = m;
            vals[n++] = 0x0123456789abcdefull & m;
            vals[n++] = 0x8000000000000000ull & m;
            vals[n++] = (1ull << (sz - 1));
            vals[n++] = (1ull << (sz / 2));
            vals[n++] = (1ull << (sz / 2)) | 1;
            vals[n++] = 0x100;
            vals[n++] = (0x100000001ull << 4) & m;
            for (int i = 0; i < n; i++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "%s r, r/m (%s)", bsr ? "bsr" : "bsf",
                               rm_kind(mem))) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    Opnd rm = R(b);
                    if (mem) {
                        unsigned off = pick_off(d, sz / 8);
                        rm = memop(d, (unsigned)d->idx, off, rbit(a), false);
                        poke(d, 0, off, sz / 8, vals[i]);
                    } else {
                        setr(d, b, sz, vals[i]);
                    }
                    if (vals[i] == 0 && sz == 32) {
                        /* Intel zeroes bits 63:32, AMD keeps them */
                        d->tc.hi32_undef = (uint16_t)rbit(a);
                    }
                    g_bsx(&d->b, bsr, sz, a, rm);
                    end(d);
                }
            }
        }
    }
}

static void gen_bswap(D *d)
{
    for (int si = 2; si < 4; si++) {
        for (int r = 0; r < 16; r++) {
            for (int v = 0; v < 3; v++) {
                if (!begin(d, "bswap r%d", sizes[si])) {
                    continue;
                }
                static const uint64_t vals[3] = {
                    0x0123456789abcdefull, 0xff00000000000080ull, 0
                };
                d->tc.regs[r] = vals[v] ^ (v == 2 ? d->tc.regs[r] : 0);
                g_bswap(&d->b, sizes[si], r);
                end(d);
            }
        }
    }
}

/* ----- exchange and compare-exchange ----- */

static void gen_xchg(D *d)
{
    uint64_t ev[8];
    for (int si = 0; si < 4; si++) {
        int sz = sizes[si];
        int n = edges_small(sz, ev);
        for (int i = 0; i < n; i++) {
            for (int mem = 0; mem < 2; mem++) {
                for (int lock = 0; lock < 1 + mem; lock++) {
                    if (!begin(d, "%sxchg r/m, r (%s)", lock ? "lock " : "",
                               rm_kind(mem))) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    Opnd rm = R(a);
                    if (mem) {
                        unsigned off = pick_off(d, sz / 8);
                        rm = memop(d, (unsigned)d->idx, off, rbit(a) | rbit(b),
                                   b >= REG_AH);
                        poke(d, 0, off, sz / 8, ev[i]);
                    } else {
                        setr(d, a, sz, ev[i]);
                    }
                    setr(d, b, sz, ev[n - 1 - i]);
                    d->b.lock = lock;
                    g_xchg(&d->b, sz, rm, b);
                    end(d);
                }
            }
            if (begin(d, "xchg r, r (same)")) {
                int a = pick_reg(d, sz, 0);
                g_xchg(&d->b, sz, R(a), a);
                end(d);
            }
            /* xadd */
            for (int j = 0; j < n; j++) {
                for (int mem = 0; mem < 2; mem++) {
                    for (int lock = 0; lock < 1 + mem; lock++) {
                        if (!begin(d, "%sxadd r/m, r (%s)",
                                   lock ? "lock " : "", rm_kind(mem))) {
                            continue;
                        }
                        int a, b;
                        pick_pair(d, sz, &a, &b);
                        Opnd rm = R(a);
                        if (mem) {
                            unsigned off = pick_off(d, sz / 8);
                            rm = memop(d, (unsigned)d->idx, off,
                                       rbit(a) | rbit(b), b >= REG_AH);
                            poke(d, 0, off, sz / 8, ev[i]);
                        } else {
                            setr(d, a, sz, ev[i]);
                        }
                        setr(d, b, sz, ev[j]);
                        d->b.lock = lock;
                        g_xadd(&d->b, sz, rm, b);
                        end(d);
                    }
                }
            }
            if (begin(d, "xadd r, r (same)")) {
                int a = pick_reg(d, sz, 0);
                setr(d, a, sz, ev[i]);
                g_xadd(&d->b, sz, R(a), a);
                end(d);
            }
            /* cmpxchg: equal and not equal */
            for (int j = 0; j < n; j++) {
                for (int eq = 0; eq < 2; eq++) {
                    for (int mem = 0; mem < 2; mem++) {
                        for (int lock = 0; lock < 1 + mem; lock++) {
                            if (!begin(d, "%scmpxchg r/m, r (%s, %s)",
                                       lock ? "lock " : "", rm_kind(mem),
                                       eq ? "equal" : "different")) {
                                continue;
                            }
                            static const int dst[] = { RCX, RBX, RSI, R9, R14 };
                            static const int src[] = { RDX, R8, RDI, R15, RBP };
                            int a = dst[d->idx % 5], b = src[d->idx % 5];
                            if (sz == 8 && d->idx % 3 == 0) {
                                a = REG_CH;
                                b = REG_DH;
                            }
                            uint64_t dv = ev[i];
                            uint64_t av = eq ? dv : ev[j] ^ 1;
                            Opnd rm = R(a);
                            if (mem) {
                                unsigned off = pick_off(d, sz / 8);
                                rm = memop(d, (unsigned)d->idx, off,
                                           rbit(RAX) | rbit(b), b >= REG_AH);
                                poke(d, 0, off, sz / 8, dv);
                            } else {
                                setr(d, a, sz, dv);
                            }
                            setr(d, RAX, sz, av);
                            setr(d, b, sz, ev[j]);
                            d->b.lock = lock;
                            g_cmpxchg(&d->b, sz, rm, b);
                            end(d);
                        }
                    }
                }
            }
            /* the accumulator as the destination or the source */
            for (int k = 0; k < 2; k++) {
                if (!begin(d, "cmpxchg %s", k ? "r, rax" : "rax, r")) {
                    continue;
                }
                setr(d, RAX, sz, ev[i]);
                setr(d, RCX, sz, ev[n - 1 - i]);
                if (k) {
                    g_cmpxchg(&d->b, sz, R(RCX), RAX);
                } else {
                    g_cmpxchg(&d->b, sz, R(RAX), RCX);
                }
                end(d);
            }
        }
    }
    /* 90+r: xchg with the accumulator (90 itself is NOP) */
    for (int si = 1; si < 4; si++) {
        for (int r = 0; r < 16; r++) {
            if (!begin(d, "xchg acc, r (90+r)")) {
                continue;
            }
            g_xchg_acc(&d->b, sizes[si], r);
            end(d);
        }
    }
    /* cmpxchg8b / cmpxchg16b */
    for (int w = 0; w < 2; w++) {
        for (int eq = 0; eq < 4; eq++) {
            for (int lock = 0; lock < 2; lock++) {
                if (!begin(d, "%scmpxchg%s m (%s)", lock ? "lock " : "",
                           w ? "16b" : "8b",
                           eq == 0 ? "equal" : eq == 1 ? "low differs" :
                           eq == 2 ? "high differs" : "misaligned")) {
                    continue;
                }
                unsigned off = w ? 0x400 : 0x404;
                if (eq == 3) {
                    off += 8;   /* 16b: #GP; 8b: allowed */
                    if (!w) {
                        off = 0x403;
                    }
                }
                Opnd m = memop(d, (unsigned)d->idx % 7, off,
                               rbit(RAX) | rbit(RDX) | rbit(RBX) | rbit(RCX),
                               false);
                uint64_t lo = 0x1111222233334444ull, hi = 0x5555666677778888ull;
                if (!w) {
                    lo = 0x33334444;
                    hi = 0x77778888;
                }
                int bytes = w ? 8 : 4;
                poke(d, 0, off, bytes, lo);
                poke(d, 0, off + (unsigned)bytes, bytes, hi);
                setr(d, RAX, w ? 64 : 32, lo ^ (eq == 1));
                setr(d, RDX, w ? 64 : 32, hi ^ (eq == 2 ? 0x100 : 0));
                d->b.lock = lock;
                g_cmpxchg8b(&d->b, w, m);
                end(d);
            }
        }
    }
}

/* ----- moves, extensions, conversions ----- */

static void gen_mov(D *d)
{
    static const int ext[][2] = {
        { 16, 8 }, { 32, 8 }, { 64, 8 }, { 16, 16 }, { 32, 16 }, { 64, 16 },
    };
    uint64_t ev[16];
    for (int sign = 0; sign < 2; sign++) {
        for (int e = 0; e < 6; e++) {
            int dsz = ext[e][0], ssz = ext[e][1];
            int n = edges(ssz, ev);
            for (int i = 0; i < n; i++) {
                for (int mem = 0; mem < 2; mem++) {
                    for (int k = 0; k < 2; k++) {
                        if (!begin(d, "%s r%d, r/m%d (%s)",
                                   sign ? "movsx" : "movzx", dsz, ssz,
                                   rm_kind(mem))) {
                            continue;
                        }
                        static const int srcs[] = { RCX, REG_AH, REG_BH, RSI,
                                                    R9, RSP, RAX };
                        int b = ssz == 8 ? srcs[(d->idx + (unsigned)k) % 7]
                                         : pick_reg(d, ssz, 0);
                        if (b >= REG_AH && dsz == 64) {
                            b = RCX;   /* AH..BH cannot go with REX.W */
                        }
                        int a = k ? ureg(b) : pick_reg(d, 64, rbit(b));
                        if (b >= REG_AH && a >= 8) {
                            a = RDX;
                        }
                        Opnd rm = R(b);
                        if (mem) {
                            unsigned off = pick_off(d, ssz / 8);
                            rm = memop(d, (unsigned)d->idx, off, rbit(a),
                                       false);
                            poke(d, 0, off, ssz / 8, ev[i]);
                        } else {
                            setr(d, b, ssz, ev[i]);
                        }
                        g_movx(&d->b, sign, dsz, ssz, a, rm);
                        end(d);
                    }
                }
            }
        }
    }
    for (int si = 1; si < 4; si++) {
        int n = edges(32, ev);
        for (int i = 0; i < n; i++) {
            for (int mem = 0; mem < 2; mem++) {
                if (!begin(d, "movsxd r%d, r/m (%s)", sizes[si],
                           rm_kind(mem))) {
                    continue;
                }
                int a, b;
                pick_pair(d, 64, &a, &b);
                Opnd rm = R(b);
                if (mem) {
                    unsigned off = pick_off(d, 4);
                    rm = memop(d, (unsigned)d->idx, off, rbit(a), false);
                    poke(d, 0, off, 4, ev[i]);
                } else {
                    setr(d, b, 32, ev[i]);
                }
                g_movsxd(&d->b, sizes[si], a, rm);
                end(d);
            }
        }
    }
    /* cbw/cwde/cdqe, cwd/cdq/cqo */
    for (int si = 1; si < 4; si++) {
        for (int k = 0; k < 2; k++) {
            uint64_t vals[16];
            int n = edges(sizes[si], vals);
            vals[n++] = 0x80;
            vals[n++] = 0x7f;
            vals[n++] = 0x8000;
            vals[n++] = 0x80000000;
            for (int i = 0; i < n; i++) {
                static const char *const nm[2][3] = {
                    { "cbw", "cwde", "cdqe" }, { "cwd", "cdq", "cqo" },
                };
                if (!begin(d, "%s", nm[k][si - 1])) {
                    continue;
                }
                setr(d, RAX, 64, vals[i] | (d->tc.regs[RAX] &
                                            ~maskof(sizes[si])));
                if (k) {
                    g_cwd(&d->b, sizes[si]);
                } else {
                    g_cbw(&d->b, sizes[si]);
                }
                end(d);
            }
        }
    }
    /* plain moves */
    for (int si = 0; si < 4; si++) {
        int sz = sizes[si];
        int n = edges_small(sz, ev);
        for (int i = 0; i < n; i++) {
            for (int form = 0; form < 4; form++) {
                bool mem = form & 1, rev = form & 2;
                if (!begin(d, "mov %s, %s (%s)", rev ? "r" : "r/m",
                           rev ? "r/m" : "r", rm_kind(mem))) {
                    continue;
                }
                int a, b;
                pick_pair(d, sz, &a, &b);
                Opnd rm = R(a);
                if (mem) {
                    unsigned off = pick_off(d, sz / 8);
                    rm = memop(d, (unsigned)d->idx, off, rbit(a) | rbit(b),
                               b >= REG_AH);
                    poke(d, 0, off, sz / 8, ev[i]);
                } else {
                    setr(d, a, sz, ev[i]);
                }
                setr(d, b, sz, ev[n - 1 - i]);
                if (rev) {
                    g_mov_r_rm(&d->b, sz, b, rm);
                } else {
                    g_mov_rm_r(&d->b, sz, rm, b);
                }
                end(d);
            }
            uint64_t iv[8];
            int ni = imm_edges(sz, iv);
            for (int j = 0; j < ni; j++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "mov r/m, imm (%s)", rm_kind(mem))) {
                        continue;
                    }
                    int a = pick_reg(d, sz, 0);
                    Opnd rm = R(a);
                    if (mem) {
                        rm = memop(d, (unsigned)d->idx, pick_off(d, sz / 8), 0,
                                   false);
                    }
                    g_mov_rm_imm(&d->b, sz, rm, iv[j]);
                    end(d);
                }
            }
        }
        /* B0+r / B8+r for every register */
        for (int r = 0; r < 16 + (sz == 8 ? 4 : 0); r++) {
            int reg = r < 16 ? r : REG_AH + (r - 16);
            for (int v = 0; v < 3; v++) {
                static const uint64_t vals[3] = {
                    0, 0xfedcba9876543210ull, 0x0000000080000001ull,
                };
                if (!begin(d, "mov r, imm (B0/B8+r)")) {
                    continue;
                }
                g_mov_r_imm(&d->b, sz, reg, vals[v]);
                end(d);
            }
        }
        /* moffs */
        for (int store = 0; store < 2; store++) {
            if (!begin(d, "mov %s (moffs64)", store ? "moffs, acc" : "acc, moffs")) {
                continue;
            }
            g_mov_moffs(&d->b, sz, store, DATA_BASE + pick_off(d, sz / 8));
            end(d);
        }
    }
}

/* ----- addresses ----- */

static void gen_lea(D *d)
{
    static const int32_t disps[] = { 0, 1, -1, 0x7f, -0x80, 0x80, -0x81,
                                     0x12345678, -0x7fffffff - 1, 0x7fffffff };
    static const uint64_t vals[] = {
        0, 1, 0xffffffffffffffffull, 0x7fffffffffffffffull,
        0x00000000fffffff0ull, 0x123456789abcdef0ull,
    };
    for (int a32 = 0; a32 < 2; a32++) {
        for (int si = 1; si < 4; si++) {
            int sz = sizes[si];
            /* [base + disp] for every base */
            for (int base = 0; base < 16; base++) {
                for (unsigned k = 0; k < 10; k++) {
                    if (!begin(d, "lea r%d, [base+disp]%s", sz,
                               a32 ? " addr32" : "")) {
                        continue;
                    }
                    if (base != RSP) {
                        d->tc.regs[base] = vals[(d->idx + k) % 6];
                    }
                    Opnd m = M(base, -1, 1, disps[k]);
                    m.addr32 = a32;
                    if (k == 0 && d->idx % 2) {
                        m.dispsz = 1;
                    }
                    if (k == 1 && d->idx % 2) {
                        m.dispsz = 4;
                    }
                    g_lea(&d->b, sz, pick_reg(d, 64, 0), m);
                    end(d);
                }
            }
            /* [base + index * scale + disp] for every index */
            for (int index = 0; index < 16; index++) {
                if (index == RSP) {
                    continue;
                }
                for (int sc = 0; sc < 4; sc++) {
                    for (unsigned k = 0; k < 4; k++) {
                        if (!begin(d, "lea r%d, [base+index*scale+disp]%s", sz,
                                   a32 ? " addr32" : "")) {
                            continue;
                        }
                        int base = (int)((d->idx + (unsigned)index) % 16);
                        d->tc.regs[index] = vals[(d->idx + k) % 6];
                        if (base != RSP && base != index) {
                            d->tc.regs[base] = vals[(d->idx + k + 3) % 6];
                        }
                        Opnd m = M(base, index, 1 << sc, disps[(k * 3) % 10]);
                        m.addr32 = a32;
                        g_lea(&d->b, sz, pick_reg(d, 64, 0), m);
                        end(d);
                    }
                    /* no base */
                    if (!begin(d, "lea r%d, [index*scale+disp32]%s", sz,
                               a32 ? " addr32" : "")) {
                        continue;
                    }
                    d->tc.regs[index] = vals[(d->idx + (unsigned)sc) % 6];
                    Opnd m = M(BASE_NONE, index, 1 << sc,
                               disps[d->idx % 10]);
                    m.addr32 = a32;
                    g_lea(&d->b, sz, pick_reg(d, 64, 0), m);
                    end(d);
                }
            }
            for (unsigned k = 0; k < 10; k++) {
                if (begin(d, "lea r%d, [disp32]%s", sz, a32 ? " addr32" : "")) {
                    Opnd m = M(BASE_NONE, -1, 1, disps[k]);
                    m.addr32 = a32;
                    g_lea(&d->b, sz, pick_reg(d, 64, 0), m);
                    end(d);
                }
                if (begin(d, "lea r%d, [rip+disp32]%s", sz,
                          a32 ? " addr32" : "")) {
                    Opnd m = MRIP(CODE_BASE + 7 + (uint64_t)(int64_t)disps[k]);
                    m.addr32 = a32;
                    g_lea(&d->b, sz, pick_reg(d, 64, 0), m);
                    end(d);
                }
            }
        }
    }
    /* every addressing form reaching memory */
    for (int v = 0; v < 8; v++) {
        static const char *const forms[8] = {
            "[base]", "[base+disp8]", "[base+disp32]",
            "[base+index*scale+disp8]", "[index*scale+disp32]", "[disp32]",
            "[rip+disp32]", "[base+disp8] addr32",
        };
        for (int k = 0; k < 60; k++) {
            for (int store = 0; store < 2; store++) {
                if (!begin(d, "mov %s %s", store ? "m64, r" : "r, m64",
                           forms[v])) {
                    continue;
                }
                int r = pick_reg(d, 64, 0);
                unsigned off = pick_off(d, 8);
                poke(d, 0, off, 8, 0x1122334455667788ull * (unsigned)(k + 1));
                Opnd m = memop(d, (unsigned)v, off, rbit(r), false);
                if (store) {
                    g_mov_rm_r(&d->b, 64, m, r);
                } else {
                    g_mov_r_rm(&d->b, 64, r, m);
                }
                end(d);
            }
        }
    }
    /* RSP and R12 as bases (SIB), RBP and R13 (disp) */
    static const int sbases[4] = { RSP, R12, RBP, R13 };
    for (int k = 0; k < 4; k++) {
        for (int disp = -16; disp <= 16; disp += 8) {
            if (!begin(d, "mov r, m64 [%s+disp]", reg_name(sbases[k], 64))) {
                continue;
            }
            if (sbases[k] != RSP) {
                d->tc.regs[sbases[k]] = DATA_BASE + 0x800;
            }
            g_mov_r_rm(&d->b, 64, RAX, M(sbases[k], -1, 1, disp));
            end(d);
        }
    }
    /* faults: unmapped, non-canonical, write to code */
    static const uint64_t bad[] = {
        0, 0x1000, DATA_BASE - 8, DATA_BASE + DATA_SIZE - 4,
        0x0000800000000000ull, 0xffff7fffffffffffull, 0x8000000000000000ull,
        CODE_BASE + 0x10,
    };
    for (unsigned k = 0; k < 8; k++) {
        for (int store = 0; store < 2; store++) {
            for (int base = 0; base < 2; base++) {
                if (!begin(d, "mov %s (fault)", store ? "m64, r" : "r, m64")) {
                    continue;
                }
                int b = base ? RSP : RBX;
                if (base) {
                    d->tc.regs[RSP] = bad[k];
                } else {
                    d->tc.regs[RBX] = bad[k];
                }
                if (store) {
                    g_mov_rm_r(&d->b, 64, M(b, -1, 1, 0), RCX);
                } else {
                    g_mov_r_rm(&d->b, 64, RCX, M(b, -1, 1, 0));
                }
                end(d);
            }
        }
    }
}

/* ----- conditions ----- */

enum {
    PR_CMP, PR_SUB, PR_ADD, PR_ADC, PR_SBB, PR_AND, PR_OR, PR_XOR, PR_TEST,
    PR_INC, PR_DEC, PR_NEG, PR_SHL1, PR_SHR1, PR_SAR1, PR_SHLCL, PR_IMUL,
    PR_BT, PR_NB,
};
static const char *const pr_names[PR_NB] = {
    "cmp", "sub", "add", "adc", "sbb", "and", "or", "xor", "test", "inc",
    "dec", "neg", "shl 1", "shr 1", "sar 1", "shl cl", "imul", "bt",
};

static void producer(D *d, int pr, int sz, uint64_t a, uint64_t b)
{
    setr(d, RAX, sz, a);
    setr(d, RCX, sz, b);
    switch (pr) {
    case PR_CMP: g_alu_rm_r(&d->b, ALU_CMP, sz, R(RAX), RCX); break;
    case PR_SUB: g_alu_rm_r(&d->b, ALU_SUB, sz, R(RAX), RCX); break;
    case PR_ADD: g_alu_rm_r(&d->b, ALU_ADD, sz, R(RAX), RCX); break;
    case PR_ADC: g_alu_rm_r(&d->b, ALU_ADC, sz, R(RAX), RCX); break;
    case PR_SBB: g_alu_rm_r(&d->b, ALU_SBB, sz, R(RAX), RCX); break;
    case PR_AND: g_alu_rm_r(&d->b, ALU_AND, sz, R(RAX), RCX); break;
    case PR_OR: g_alu_rm_r(&d->b, ALU_OR, sz, R(RAX), RCX); break;
    case PR_XOR: g_alu_rm_r(&d->b, ALU_XOR, sz, R(RAX), RCX); break;
    case PR_TEST: g_test_rm_r(&d->b, sz, R(RAX), RCX); break;
    case PR_INC: g_incdec(&d->b, false, sz, R(RAX)); break;
    case PR_DEC: g_incdec(&d->b, true, sz, R(RAX)); break;
    case PR_NEG: g_grp3(&d->b, 3, sz, R(RAX)); break;
    case PR_SHL1: g_shift(&d->b, 4, sz, R(RAX), SH_BY1, 1, 1); break;
    case PR_SHR1: g_shift(&d->b, 5, sz, R(RAX), SH_BY1, 1, 1); break;
    case PR_SAR1: g_shift(&d->b, 7, sz, R(RAX), SH_BY1, 1, 1); break;
    case PR_SHLCL:
        setr(d, RCX, 8, b % 5);
        g_shift(&d->b, 4, sz, R(RAX), SH_CL, 0, (int)(b % 5));
        break;
    case PR_IMUL:
        g_imul_r_rm(&d->b, sz == 8 ? 16 : sz, RAX, R(RCX));
        break;
    default:
        g_bt_r(&d->b, 0, sz == 8 ? 16 : sz, R(RAX), RCX);
        break;
    }
}

static void gen_cond(D *d)
{
    uint64_t ev[8];
    for (int pr = 0; pr <= PR_NB; pr++) {     /* PR_NB: from RFLAGS */
        for (int si = 0; si < 4; si++) {
            int sz = sizes[si];
            int n = edges_small(sz, ev);
            int na = pr == PR_NB ? 64 : n, nb = pr == PR_NB ? 1 : n;
            if (pr == PR_NB && si) {
                break;
            }
            for (int i = 0; i < na; i++) {
                for (int j = 0; j < nb; j++) {
                    for (int kind = 0; kind < 5; kind++) {
                        static const char *const kinds[5] = {
                            "setcc r/m8", "jcc rel8", "jcc rel32",
                            "cmovcc r, r", "cmovcc r32, m32",
                        };
                        if (pr == PR_NB) {
                            if (!begin(d, "%s (flags from input)",
                                       kinds[kind])) {
                                continue;
                            }
                            uint64_t f = 0;
                            static const uint16_t bits[6] = {
                                F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF,
                            };
                            for (int k = 0; k < 6; k++) {
                                if (i & (1 << k)) {
                                    f |= bits[k];
                                }
                            }
                            setf(d, f);
                        } else {
                            if (!begin(d, "%s after %s r%d", kinds[kind],
                                       pr_names[pr], sz)) {
                                continue;
                            }
                            setf(d, (i + j) & 1 ? F_CF : 0);
                            producer(d, pr, sz, ev[i], ev[j]);
                        }
                        d->tc.regs[RBX] = DATA_BASE + 0x200;
                        d->tc.regs[RDX] = 0x1111111111111111ull;
                        d->tc.regs[RSI] = 0x2222222222222222ull;
                        uint16_t undef = d->b.undef;
                        for (int cc = 0; cc < 16; cc++) {
                            if (cc_reads(cc) & undef) {
                                continue;
                            }
                            switch (kind) {
                            case 0:
                                if (cc & 1) {
                                    g_setcc(&d->b, cc, M(RBX, -1, 1, cc));
                                } else {
                                    static const int r8[4] = {
                                        REG_DH, R9, RDI, REG_AH,
                                    };
                                    int r = r8[(cc / 2) % 4];
                                    g_setcc(&d->b, cc, R(r));
                                    if (r >= REG_AH) {
                                        g_mov_rm_r(&d->b, 64,
                                                   M(RBX, -1, 1, 16 + 8 * cc),
                                                   ureg(r));
                                    }
                                }
                                break;
                            case 1:
                            case 2: {
                                /* taken: skip the store */
                                g_jcc(&d->b, cc, 4, kind == 2);
                                Opnd m = M(RBX, -1, 1, 0x10 + cc);
                                m.dispsz = 1;   /* c6 43 dd ii: 4 bytes */
                                g_mov_rm_imm(&d->b, 8, m, 0x40 + (unsigned)cc);
                                break;
                            }
                            case 3: {
                                int r = R8 + cc % 8;
                                g_mov_r_rm(&d->b, 64, r, R(RDX));
                                g_cmovcc(&d->b, cc, cc < 8 ? 64 : 16, r,
                                         R(RSI));
                                break;
                            }
                            default:
                                g_mov_r_rm(&d->b, 64, R9, R(RDX));
                                g_cmovcc(&d->b, cc, 32, R9,
                                         M(RBX, -1, 1, 0x100 + 4 * cc));
                                g_mov_rm_r(&d->b, 64,
                                           M(RBX, -1, 1, 0x200 + 8 * cc), R9);
                                break;
                            }
                        }
                        end(d);
                    }
                }
            }
        }
    }
    /* a CMOV whose condition is false still reads its memory operand */
    for (int cc = 0; cc < 2; cc++) {
        if (!begin(d, "cmovcc r, m (unmapped, %s)", cc ? "true" : "false")) {
            continue;
        }
        setf(d, F_OF);
        d->tc.regs[RBX] = 0x1000;
        g_cmovcc(&d->b, cc, 64, RAX, M(RBX, -1, 1, 0));
        end(d);
    }
    /* loop, loope, loopne, jrcxz */
    static const uint64_t rcx[] = { 0, 1, 2, 0x100000000ull, 0x100000001ull,
                                    ~0ull };
    for (int kind = 0; kind < 4; kind++) {
        static const char *const nm[4] = { "loopne", "loope", "loop", "jrcxz" };
        for (int a32 = 0; a32 < 2; a32++) {
            for (unsigned k = 0; k < 6; k++) {
                for (int zf = 0; zf < 2; zf++) {
                    if (!begin(d, "%s%s", nm[kind], a32 ? " addr32" : "")) {
                        continue;
                    }
                    setf(d, zf ? F_ZF : 0);
                    d->tc.regs[RCX] = rcx[k];
                    g_loop(&d->b, kind, 2, a32);
                    g_incdec(&d->b, false, 32, R(RAX));
                    end(d);
                }
            }
        }
    }
}

/* ----- stack ----- */

static void gen_stack(D *d)
{
    for (int r = 0; r < 16; r++) {
        for (int sz = 16; sz <= 64; sz += 48) {
            if (begin(d, "push r%d", sz)) {
                g_push_r(&d->b, sz, r);
                end(d);
            }
            if (begin(d, "pop r%d", sz)) {
                poke(d, 1, 0x800, 8, 0x8877665544332211ull);
                g_pop_r(&d->b, sz, r);
                end(d);
            }
        }
    }
    static const uint64_t imms[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fffffff,
                                     0x80000000, 0xffffffff, 0x8000, 0xffff };
    for (unsigned k = 0; k < 10; k++) {
        for (int form = 0; form < 4; form++) {
            bool imm8 = form & 1;
            int sz = form & 2 ? 16 : 64;
            if (!begin(d, "push imm%s%s", imm8 ? "8" : "",
                       sz == 16 ? " (16-bit)" : "")) {
                continue;
            }
            g_push_imm(&d->b, sz, imm8 ? imms[k] & 0xff : imms[k], imm8);
            end(d);
        }
    }
    for (int sz = 16; sz <= 64; sz += 48) {
        for (int v = 0; v < 8; v++) {
            if (begin(d, "push m%d", sz)) {
                unsigned off = pick_off(d, sz / 8);
                poke(d, 0, off, 8, 0x0102030405060708ull);
                g_push_rm(&d->b, sz, memop(d, (unsigned)v, off, 0, false));
                end(d);
            }
            if (begin(d, "pop m%d", sz)) {
                g_pop_rm(&d->b, sz, memop(d, (unsigned)v, pick_off(d, sz / 8),
                                          0, false));
                end(d);
            }
        }
        /* RSP-relative operands: pop computes the address after the pop */
        for (int disp = -8; disp <= 16; disp += 8) {
            if (begin(d, "push m%d [rsp+disp]", sz)) {
                g_push_rm(&d->b, sz, M(RSP, -1, 1, disp));
                end(d);
            }
            if (begin(d, "pop m%d [rsp+disp]", sz)) {
                g_pop_rm(&d->b, sz, M(RSP, -1, 1, disp));
                end(d);
            }
        }
        if (begin(d, "push/pop r%d pair", sz)) {
            g_push_r(&d->b, sz, RAX);
            g_push_r(&d->b, sz, R12);
            g_pop_r(&d->b, sz, RCX);
            g_pop_r(&d->b, sz, R13);
            end(d);
        }
    }
    /* near call and return: call f; jmp end; f: ret; end: */
    for (int k = 0; k < 6; k++) {
        static const int rets[6] = { -1, 0, 8, 16, 0x100, 0xfff8 };
        if (!begin(d, "call rel32 / ret%s", rets[k] < 0 ? "" : " imm16")) {
            continue;
        }
        g_call_rel(&d->b, 2);
        g_jmp(&d->b, rets[k] < 0 ? 1 : 3, false);
        g_ret(&d->b, rets[k]);
        end(d);
    }
    if (begin(d, "call rel32 (next)")) {
        g_call_rel(&d->b, 0);
        end(d);
    }
    /* indirect: through a register and through memory */
    for (int r = 0; r < 16; r++) {
        if (r == RSP) {
            continue;
        }
        if (!begin(d, "call r64")) {
            continue;
        }
        /* lea r, [rip + to the int3 after the call] (7 + 2 or 3 bytes) */
        int len = 2 + (r >= 8 ? 1 : 0);
        g_lea(&d->b, 64, r, MRIP(CODE_BASE + 7 + (unsigned)len));
        g_call_rm(&d->b, R(r));
        end(d);
    }
    for (int v = 0; v < 7; v++) {
        if (!begin(d, "call m64")) {
            continue;
        }
        unsigned off = pick_off(d, 8);
        Opnd m = memop(d, (unsigned)v, off, 0, false);
        /* the target is the int3 after the call: patched once the call's
         * length is known */
        int start = b_pos(&d->b);
        g_call_rm(&d->b, m);
        poke(d, 0, off, 8, CODE_BASE + (unsigned)b_pos(&d->b));
        (void)start;
        end(d);
    }
    for (int r = 0; r < 16; r += 5) {
        if (!begin(d, "jmp r64")) {
            continue;
        }
        int len = 2 + (r >= 8 ? 1 : 0);
        g_lea(&d->b, 64, r, MRIP(CODE_BASE + 7 + (unsigned)len + 2));
        g_jmp_rm(&d->b, R(r));
        g_incdec(&d->b, false, 8, R(RDX));   /* skipped: fe c2 is 2 bytes */
        end(d);
    }
    for (int k = 0; k < 2; k++) {
        if (begin(d, "jmp rel%s", k ? "32" : "8")) {
            g_jmp(&d->b, 2, k);
            g_incdec(&d->b, false, 32, R(RAX));
            end(d);
        }
    }
    /* return to bad addresses */
    static const uint64_t bad[] = { 0x8000000000000000ull, 0x1000,
                                    0x0000800000000000ull,
                                    CODE_BASE + CODE_SIZE };
    for (int k = 0; k < 4; k++) {
        if (!begin(d, "ret (to a bad address)")) {
            continue;
        }
        poke(d, 1, 0x800, 8, bad[k]);
        g_ret(&d->b, -1);
        end(d);
    }
    /* enter and leave */
    static const uint8_t levels[] = { 0, 1, 2, 3, 31, 32, 33 };
    static const uint16_t frames[] = { 0, 8, 0x18, 0x100 };
    for (int sz = 16; sz <= 64; sz += 48) {
        for (int l = 0; l < 7; l++) {
            for (int f = 0; f < 4; f++) {
                if (!begin(d, "enter imm16, %s%s",
                           levels[l] == 0 ? "0" : levels[l] == 1 ? "1" : ">1",
                           sz == 16 ? " (16-bit)" : "")) {
                    continue;
                }
                d->tc.regs[RBP] = STACK_BASE + 0xc00 + 8 * (d->idx % 4);
                d->tc.regs[RSP] = STACK_BASE + 0xa00;
                g_enter(&d->b, sz, frames[f], levels[l]);
                end(d);
            }
        }
        for (int k = 0; k < 3; k++) {
            if (!begin(d, "leave%s", sz == 16 ? " (16-bit)" : "")) {
                continue;
            }
            /* bits 63:16 of RBP matter: RSP gets all of it */
            d->tc.regs[RBP] = STACK_BASE + 0x900 + 8 * (unsigned)k +
                              (sz == 16 && k == 0 ? 0x10000000000ull : 0);
            g_leave(&d->b, sz);
            end(d);
        }
        if (begin(d, "enter/leave pair%s", sz == 16 ? " (16-bit)" : "")) {
            d->tc.regs[RBP] = STACK_BASE + 0xc00;
            g_enter(&d->b, sz, 0x20, 2);
            g_leave(&d->b, sz);
            end(d);
        }
    }
}

/* ----- strings ----- */

static void gen_string(D *d)
{
    static const int64_t rcxs[] = { 0, 1, 2, 5 };
    for (int kind = 0; kind < 5; kind++) {
        bool cmp = kind == STR_CMPS || kind == STR_SCAS;
        for (int si = 0; si < 4; si++) {
            int sz = sizes[si];
            int bytes = sz / 8;
            for (int rep = 0; rep < (cmp ? 3 : 2); rep++) {
                int pfx = rep == 0 ? 0 : rep == 1 ? 0xf3 : 0xf2;
                for (int df = 0; df < 2; df++) {
                    for (int a32 = 0; a32 < 2; a32++) {
                        for (int c = 0; c < (rep ? 4 : 1); c++) {
                            for (int match = 0; match < (cmp ? 3 : 1);
                                 match++) {
                                if (!begin(d, "%s%s%c%s%s",
                                           rep == 0 ? "" : rep == 1 ?
                                           (cmp ? "repe " : "rep ") : "repne ",
                                           str_names[kind],
                                           "bwdq"[si], df ? " (DF=1)" : "",
                                           a32 ? " addr32" : "")) {
                                    continue;
                                }
                                setf(d, (df ? F_DF : 0) |
                                        (d->idx & 2 ? F_ARITH : 0));
                                unsigned so = df ? 0x600 : 0x400;
                                unsigned dof = df ? 0x1600 : 0x1400;
                                uint64_t hi = a32 ? 0xdead00000000ull : 0;
                                d->tc.regs[RSI] = DATA_BASE + so + hi;
                                d->tc.regs[RDI] = DATA_BASE + dof + hi;
                                d->tc.regs[RCX] = (uint64_t)rcxs[c] +
                                                  (a32 ? 0x100000000ull : 0);
                                int step = df ? -bytes : bytes;
                                /* the first `match` elements compare equal */
                                for (int e = 0; e < match; e++) {
                                    uint64_t v = 0x0101010101010101ull *
                                                 (unsigned)(e + 1);
                                    poke(d, 0, so + (unsigned)(e * step),
                                         bytes, v);
                                    poke(d, 0, dof + (unsigned)(e * step),
                                         bytes, v);
                                }
                                if (kind == STR_SCAS && match) {
                                    /* scas compares rAX with [rdi] */
                                    setr(d, RAX, sz, 0x0101010101010101ull *
                                                     (unsigned)match);
                                    poke(d, 0, dof + (unsigned)((match - 1) *
                                                                step),
                                         bytes, 0x0101010101010101ull *
                                                (unsigned)match);
                                }
                                g_string(&d->b, kind, sz, pfx, a32,
                                         rep ? rcxs[c] : 1);
                                end(d);
                            }
                        }
                    }
                }
            }
            /* a fault partway: the registers show the iterations done */
            for (int df = 0; df < 2; df++) {
                if (!begin(d, "rep %s%c (#PF partway)%s", str_names[kind],
                           "bwdq"[si], df ? " (DF=1)" : "")) {
                    continue;
                }
                setf(d, df ? F_DF : 0);
                unsigned n = 4;
                /* the destination (or source) runs off the data pages */
                uint64_t edge = df ? DATA_BASE + (unsigned)bytes
                                   : DATA_BASE + DATA_SIZE - 2u * (unsigned)bytes;
                d->tc.regs[RSI] = kind == STR_LODS || kind == STR_CMPS
                                      ? edge : DATA_BASE + 0x800;
                d->tc.regs[RDI] = kind == STR_LODS ? DATA_BASE + 0x800 : edge;
                d->tc.regs[RCX] = n;
                g_string(&d->b, kind, sz, cmp ? 0xf2 : 0xf3, false, n);
                end(d);
            }
        }
    }
    /* overlapping rep movsb forwards: a byte-by-byte copy */
    for (int k = 1; k <= 8; k++) {
        if (!begin(d, "rep movsb (overlapping)")) {
            continue;
        }
        d->tc.regs[RSI] = DATA_BASE + 0x300;
        d->tc.regs[RDI] = DATA_BASE + 0x300 + (unsigned)k;
        d->tc.regs[RCX] = 40;
        g_string(&d->b, STR_MOVS, 8, 0xf3, false, 40);
        end(d);
    }
    for (int k = 0; k < 8; k++) {
        if (!begin(d, "rep movsq (long)")) {
            continue;
        }
        d->tc.regs[RSI] = DATA_BASE + 0x100 + (unsigned)k;
        d->tc.regs[RDI] = DATA_BASE + 0x1000 - (unsigned)k;
        d->tc.regs[RCX] = 300 + (unsigned)k;
        g_string(&d->b, STR_MOVS, 64, 0xf3, false, 300 + k);
        end(d);
    }
    /* xlat */
    for (int k = 0; k < 8; k++) {
        if (!begin(d, "xlat")) {
            continue;
        }
        d->tc.regs[RBX] = DATA_BASE + 0x100;
        setr(d, RAX, 8, (uint64_t)(k * 37));
        g_xlat(&d->b);
        end(d);
    }
}

/* ----- flags ----- */

static void gen_flags(D *d)
{
    static const uint8_t ops[5] = { 0xf8, 0xf9, 0xf5, 0xfc, 0xfd };
    static const char *const nm[5] = { "clc", "stc", "cmc", "cld", "std" };
    static const uint16_t bits[7] = { F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF, F_DF };
    for (int f = 0; f < 128; f++) {
        uint64_t fl = 0;
        for (int k = 0; k < 7; k++) {
            if (f & (1 << k)) {
                fl |= bits[k];
            }
        }
        for (int k = 0; k < 5; k++) {
            if (begin(d, "%s", nm[k])) {
                setf(d, fl);
                g_flagop(&d->b, ops[k], 32);
                /* and observe everything through pushf */
                g_flagop(&d->b, 0x9c, 64);
                end(d);
            }
        }
        if (begin(d, "lahf")) {
            setf(d, fl);
            g_flagop(&d->b, 0x9f, 32);
            end(d);
        }
        for (int sz = 16; sz <= 64; sz += 48) {
            if (begin(d, "pushf%s", sz == 16 ? " (16-bit)" : "")) {
                setf(d, fl);
                g_flagop(&d->b, 0x9c, sz);
                end(d);
            }
        }
    }
    for (int v = 0; v < 256; v++) {
        for (int f = 0; f < 2; f++) {
            if (!begin(d, "sahf")) {
                continue;
            }
            setf(d, f ? F_ARITH : 0);
            setr(d, REG_AH, 8, (uint64_t)v);
            g_flagop(&d->b, 0x9e, 32);
            g_flagop(&d->b, 0x9c, 64);
            end(d);
        }
    }
    /* popf: arithmetic flags, DF, and bits that must stay 0 or 1 */
    for (int f = 0; f < 128 + 6; f++) {
        for (int sz = 16; sz <= 64; sz += 48) {
            uint64_t fl = F_FIXED;
            if (f < 128) {
                for (int k = 0; k < 7; k++) {
                    if (f & (1 << k)) {
                        fl |= bits[k];
                    }
                }
            } else {
                /* reserved bits (3, 5, 15, 22+), NT, ID, RF, VM, bit 1 off */
                static const uint64_t odd[6] = {
                    0x8028, 0x4000, 0x200000, 0x10000, 0xffc00000, 0x20000,
                };
                fl = (F_FIXED | odd[f - 128]) & (f == 128 + 4 ? ~2ull : ~0ull);
            }
            if (!begin(d, "popf%s%s", sz == 16 ? " (16-bit)" : "",
                       f >= 128 ? " (system bits)" : "")) {
                continue;
            }
            setf(d, f & 1 ? F_ARITH : 0);
            g_push_imm(&d->b, 64, (uint32_t)fl, false);
            if (sz == 16) {
                /* pop the low word as flags, then drop the rest */
                g_flagop(&d->b, 0x9d, 16);
                g_alu_rm_imm8(&d->b, ALU_ADD, 64, R(RSP), 6);
            } else {
                g_flagop(&d->b, 0x9d, 64);
            }
            g_flagop(&d->b, 0x9c, 64);
            g_pop_r(&d->b, 64, RAX);
            end(d);
        }
    }
}


/* ----- raw encodings, self-modifying code, page edges, precise faults ----- */

/* One instruction given as hex bytes ("48 66 01 c8") */
static void raw(D *d, const char *hex, uint16_t wdef, uint16_t wundef)
{
    uint8_t bytes[32];
    int n = 0;
    while (*hex && n < 32) {
        char *endp;
        unsigned long v = strtoul(hex, &endp, 16);
        if (endp == hex) {
            break;
        }
        bytes[n++] = (uint8_t)v;
        hex = endp;
    }
    b_start(&d->b);
    b_bytes(&d->b, bytes, n);
    b_flags(&d->b, 0, wdef, wundef);
}

static void gen_prefixes(D *d)
{
    static const struct {
        const char *hex;
        const char *what;
        bool arith;
    } t[] = {
        { "48 66 01 c8", "REX then 66: REX ignored", true },
        { "66 48 01 c8", "66 then REX.W: 64-bit", true },
        { "66 66 01 c8", "66 66", true },
        { "41 48 01 c8", "two REX: the first ignored", true },
        { "48 41 01 c8", "two REX: the last counts", true },
        { "40 40 00 e0", "two empty REX", true },
        { "f3 01 c8", "F3 on add: ignored", true },
        { "f2 48 01 c8", "F2 on add: ignored", true },
        { "2e 48 8b 03", "CS override: ignored", false },
        { "26 8b 03", "ES override: ignored", false },
        { "36 8b 03", "SS override: ignored", false },
        { "3e 48 03 03", "DS override: ignored", true },
        { "66 f3 ab", "66 F3: rep stosw", false },
        { "f3 66 ab", "F3 66: rep stosw", false },
        { "67 66 8d 04 08", "67 66 lea", false },
        { "40 88 e0", "REX 40: mov al, spl", false },
        { "88 e0", "no REX: mov al, ah", false },
        { "40 00 e0", "REX 40: add al, spl", true },
        { "00 e0", "no REX: add al, ah", true },
        { "48 66 98", "REX then 66 on cbw", false },
        { "66 48 98", "66 then REX.W on cbw", false },
        { "f0 f0 01 03", "two LOCK prefixes", true },
        { "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90",
          "15 bytes: nop", false },
        { "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90",
          "16 bytes: #GP", false },
        { "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 48 8b 03",
          "16 bytes with a memory operand: #GP", false },
        { "f0 89 03", "lock mov: #UD", false },
        { "f0 39 03", "lock cmp: #UD", false },
        { "f0 85 03", "lock test: #UD", false },
        { "f0 0f a3 03", "lock bt: #UD", false },
        { "f0 ff c0", "lock inc r: #UD", false },
        { "f0 87 c8", "lock xchg r, r: #UD", false },
        { "f0 0f c1 c8", "lock xadd r, r: #UD", false },
        { "f0 0f b1 c8", "lock cmpxchg r, r: #UD", false },
        { "f0 90", "lock nop: #UD", false },
        { "f0 8d 03", "lock lea: #UD", false },
    };
    for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        for (int v = 0; v < 4; v++) {
            if (!begin(d, "prefixes: %s", t[k].what)) {
                continue;
            }
            d->tc.regs[RBX] = DATA_BASE + 0x100 + 8 * (unsigned)v;
            d->tc.regs[RDI] = DATA_BASE + 0x300;
            d->tc.regs[RCX] = (uint64_t)v;
            raw(d, t[k].hex, t[k].arith ? F_ARITH : 0, 0);
            end(d);
        }
    }
}

static void gen_smc(D *d)
{
    /* store to the immediate of the next instruction */
    for (int v = 0; v < 2; v++) {
        if (begin(d, "smc: store into the next instruction")) {
            /* mov dword [rip + X], imm32 (10 bytes); X: the imm32 of the
             * mov eax, imm32 that follows (its byte 1) */
            g_mov_rm_imm(&d->b, 32, MRIP(tc_entry(&d->tc) + 10 + 1),
                         0x55667788);
            g_mov_r_imm(&d->b, 32, RAX, 0x11223344);
            end(d);
        }
        if (begin(d, "smc: store three instructions ahead")) {
            g_mov_rm_imm(&d->b, 32, MRIP(tc_entry(&d->tc) + 10 + 4 + 1),
                         0x55667788);
            g_incdec(&d->b, false, 32, R(RCX));     /* 2 bytes */
            g_incdec(&d->b, false, 32, R(RDX));     /* 2 bytes */
            g_mov_r_imm(&d->b, 32, RAX, 0x11223344);
            end(d);
        }
        if (begin(d, "smc: opcode byte of the next instruction")) {
            /* mov byte [rip+X], 0x48 turns "nop; add eax, ecx" into
             * "add rax, rcx" */
            g_mov_rm_imm(&d->b, 8, MRIP(tc_entry(&d->tc) + 7), 0x48);
            g_nop(&d->b, 0);
            g_alu_rm_r(&d->b, ALU_ADD, 32, R(RAX), RCX);
            end(d);
        }
        if (begin(d, "smc: rep stosb over the following code")) {
            /* lea rdi, [rip+X] (7); mov ecx, 8 (5); mov al, 0x90 (2);
             * rep stosb (2); then 8 bytes of code that become NOPs */
            g_lea(&d->b, 64, RDI, MRIP(tc_entry(&d->tc) + 16));
            g_mov_r_imm(&d->b, 32, RCX, 8);
            g_mov_r_imm(&d->b, 8, RAX, 0x90);
            g_string(&d->b, STR_STOS, 8, 0xf3, false, 8);
            g_mov_r_imm(&d->b, 32, RDX, 0x12345678);   /* 5 bytes */
            g_incdec(&d->b, false, 32, R(RSI));        /* 2 bytes */
            g_nop(&d->b, 0);                           /* 1 byte */
            end(d);
        }
        if (begin(d, "smc: the second pass of a loop runs modified code")) {
            /* L: mov eax, imm32; add ecx, eax; mov dword [L+1], 5;
             *    dec edx; jnz L */
            d->tc.regs[RCX] = 0;
            d->tc.regs[RDX] = 2 + (unsigned)v;
            g_mov_r_imm(&d->b, 32, RAX, 1);                       /* 5 */
            g_alu_rm_r(&d->b, ALU_ADD, 32, R(RCX), RAX);          /* 2 */
            g_mov_rm_imm(&d->b, 32, MRIP(tc_entry(&d->tc) + 1), 5); /* 10 */
            g_incdec(&d->b, true, 32, R(RDX));                    /* 2 */
            g_jcc(&d->b, 5, -(5 + 2 + 10 + 2 + 2), false);
            end(d);
        }
        if (begin(d, "smc: store through a register into this block")) {
            g_lea(&d->b, 64, RBX, MRIP(tc_entry(&d->tc) + 7 + 4 + 1));
            g_mov_rm_r(&d->b, 32, M(RBX, -1, 1, 0), RSI);         /* 2 */
            g_incdec(&d->b, false, 32, R(RDX));                   /* 2 */
            g_mov_r_imm(&d->b, 32, RAX, 0x11223344);
            end(d);
        }
    }
}

static void gen_edges(D *d)
{
    /* an instruction straddling the end of the code page */
    for (int k = 1; k <= 4; k++) {
        if (!begin(d, "fetch: instruction crossing into an unmapped page")) {
            continue;
        }
        d->tc.code_at = (uint16_t)(CODE_SIZE - (unsigned)k);
        g_mov_r_imm(&d->b, 32, RAX, 0x11223344);
        end(d);
    }
    if (begin(d, "fetch: int3 in the last byte of the page")) {
        d->tc.code_at = CODE_SIZE - 6;
        g_mov_r_imm(&d->b, 32, RAX, 0x11223344);
        end(d);
    }
    if (begin(d, "fetch: a block running into the unmapped page")) {
        d->tc.code_at = CODE_SIZE - 6;
        g_mov_r_imm(&d->b, 32, RAX, 0x11223344);
        g_incdec(&d->b, false, 32, R(RCX));
        end(d);
    }
    /* branches to bad places */
    /* (not the kernel half, mapped for the host's kernel; the data and
     * stack pages are no-execute on both sides) */
    static const uint64_t bad[] = {
        CODE_BASE + CODE_SIZE + 0x10, 0x8000000000000000ull,
        0x0000800000000000ull, 0x1000, DATA_BASE + 0x40,
        DATA_BASE + DATA_SIZE - 1, STACK_INIT,
    };
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        for (int how = 0; how < 3; how++) {
            static const char *const hn[3] = { "jmp r", "call r", "jmp m" };
            if (!begin(d, "branch to a bad address: %s", hn[how])) {
                continue;
            }
            d->tc.regs[RAX] = bad[k];
            d->tc.regs[RBX] = DATA_BASE + 0x80;
            poke(d, 0, 0x80, 8, bad[k]);
            if (how == 0) {
                g_jmp_rm(&d->b, R(RAX));
            } else if (how == 1) {
                g_call_rm(&d->b, R(RAX));
            } else {
                g_jmp_rm(&d->b, M(RBX, -1, 1, 0));
            }
            end(d);
        }
    }
    if (begin(d, "branch to a bad address: jmp rel32")) {
        g_jmp(&d->b, CODE_SIZE, true);
        end(d);
    }
}

/* A fault must leave everything as before the instruction. */
static void gen_precise(D *d)
{
    static const uint64_t badp[] = { 0x1000, 0x8000000000000000ull };
    for (int k = 0; k < 2; k++) {
        uint64_t bp = badp[k];
        const char *kind = k ? "non-canonical" : "unmapped";
        if (begin(d, "fault atomicity: leave (%s rbp)", kind)) {
            d->tc.regs[RBP] = bp;
            g_leave(&d->b, 64);
            end(d);
        }
        if (begin(d, "fault atomicity: pop m64 (%s destination)", kind)) {
            d->tc.regs[RBX] = bp;
            g_pop_rm(&d->b, 64, M(RBX, -1, 1, 0));
            end(d);
        }
        if (begin(d, "fault atomicity: push m64 (%s source)", kind)) {
            d->tc.regs[RBX] = bp;
            g_push_rm(&d->b, 64, M(RBX, -1, 1, 0));
            end(d);
        }
        if (begin(d, "fault atomicity: call m64 (%s pointer)", kind)) {
            d->tc.regs[RBX] = bp;
            g_call_rm(&d->b, M(RBX, -1, 1, 0));
            end(d);
        }
        for (int sz = 16; sz <= 64; sz += 48) {
            if (begin(d, "fault atomicity: push r%d (%s stack)", sz, kind)) {
                d->tc.regs[RSP] = bp + 8;
                g_push_r(&d->b, sz, RAX);
                end(d);
            }
            if (begin(d, "fault atomicity: pop r%d (%s stack)", sz, kind)) {
                d->tc.regs[RSP] = bp;
                g_pop_r(&d->b, sz, RAX);
                end(d);
            }
        }
        if (begin(d, "fault atomicity: call rel32 (%s stack)", kind)) {
            d->tc.regs[RSP] = bp + 8;
            g_call_rel(&d->b, 0);
            end(d);
        }
        if (begin(d, "fault atomicity: ret (%s stack)", kind)) {
            d->tc.regs[RSP] = bp;
            g_ret(&d->b, -1);
            end(d);
        }
        if (begin(d, "fault atomicity: enter (%s stack)", kind)) {
            d->tc.regs[RSP] = bp + 8;
            g_enter(&d->b, 64, 0x10, 0);
            end(d);
        }
        if (begin(d, "fault atomicity: pushf (%s stack)", kind)) {
            d->tc.regs[RSP] = bp + 8;
            g_flagop(&d->b, 0x9c, 64);
            end(d);
        }
        if (begin(d, "fault atomicity: popf (%s stack)", kind)) {
            d->tc.regs[RSP] = bp;
            g_flagop(&d->b, 0x9d, 64);
            end(d);
        }
        for (int si = 0; si < 4; si++) {
            int sz = sizes[si];
            if (begin(d, "fault atomicity: xchg m, r (%s)", kind)) {
                d->tc.regs[RBX] = bp;
                g_xchg(&d->b, sz, M(RBX, -1, 1, 0), RCX);
                end(d);
            }
            if (begin(d, "fault atomicity: cmpxchg m, r (%s)", kind)) {
                d->tc.regs[RBX] = bp;
                g_cmpxchg(&d->b, sz, M(RBX, -1, 1, 0), RCX);
                end(d);
            }
            if (begin(d, "fault atomicity: xadd m, r (%s)", kind)) {
                d->tc.regs[RBX] = bp;
                g_xadd(&d->b, sz, M(RBX, -1, 1, 0), RCX);
                end(d);
            }
            for (int op = 0; op < 8; op++) {
                if (begin(d, "fault atomicity: %s m, r (%s)", alu_names[op],
                          kind)) {
                    d->tc.regs[RBX] = bp;
                    g_alu_rm_r(&d->b, op, sz, M(RBX, -1, 1, 0), RCX);
                    end(d);
                }
            }
            static const char *const un[4] = { "inc", "dec", "not", "neg" };
            for (int k2 = 0; k2 < 4; k2++) {
                if (begin(d, "fault atomicity: %s m (%s)", un[k2], kind)) {
                    d->tc.regs[RBX] = bp;
                    if (k2 < 2) {
                        g_incdec(&d->b, k2 == 1, sz, M(RBX, -1, 1, 0));
                    } else {
                        g_grp3(&d->b, k2, sz, M(RBX, -1, 1, 0));
                    }
                    end(d);
                }
            }
            if (begin(d, "fault atomicity: shl m, 1 (%s)", kind)) {
                d->tc.regs[RBX] = bp;
                g_shift(&d->b, 4, sz, M(RBX, -1, 1, 0), SH_BY1, 1, 1);
                end(d);
            }
            if (sz > 8 && begin(d, "fault atomicity: bts m, r (%s)", kind)) {
                d->tc.regs[RBX] = bp;
                d->tc.regs[RCX] = 3;
                g_bt_r(&d->b, 1, sz, M(RBX, -1, 1, 0), RCX);
                end(d);
            }
            if (begin(d, "fault atomicity: setcc m (%s)", kind)) {
                d->tc.regs[RBX] = bp;
                g_setcc(&d->b, 4, M(RBX, -1, 1, 0));
                end(d);
            }
            if (begin(d, "fault atomicity: div m (%s)", kind)) {
                d->tc.regs[RBX] = bp;
                g_grp3(&d->b, 6, sz, M(RBX, -1, 1, 0));
                end(d);
            }
            for (int kd = 0; kd < 5; kd++) {
                if (!begin(d, "fault atomicity: %s (%s)", str_names[kd],
                           kind)) {
                    continue;
                }
                d->tc.regs[RSI] = kd == STR_LODS || kd == STR_CMPS
                                      ? bp : DATA_BASE + 0x100;
                d->tc.regs[RDI] = kd == STR_LODS ? DATA_BASE + 0x100 : bp;
                d->tc.regs[RCX] = 3;
                g_string(&d->b, kd, sz, si & 1 ? 0xf3 : 0, false, 3);
                end(d);
            }
        }
    }
    /* page-crossing stores: nothing is written unless all of it can be */
    for (int si = 1; si < 4; si++) {
        int sz = sizes[si];
        for (int k = 1; k < sz / 8; k++) {
            if (!begin(d, "fault atomicity: page-crossing store m%d", sz)) {
                continue;
            }
            d->tc.regs[RBX] = DATA_BASE + DATA_SIZE - (unsigned)k;
            g_mov_rm_r(&d->b, sz, M(RBX, -1, 1, 0), RCX);
            end(d);
        }
        for (int k = 1; k < sz / 8; k++) {
            if (!begin(d, "fault atomicity: page-crossing load m%d", sz)) {
                continue;
            }
            d->tc.regs[RBX] = DATA_BASE + DATA_SIZE - (unsigned)k;
            g_mov_r_rm(&d->b, sz, RCX, M(RBX, -1, 1, 0));
            end(d);
        }
        if (begin(d, "fault atomicity: page-crossing push m%d", sz)) {
            d->tc.regs[RSP] = STACK_BASE + 4;
            g_push_r(&d->b, sz == 32 ? 64 : sz, RCX);
            end(d);
        }
    }
    /* an access whose last bytes are non-canonical: #GP, not #PF */
    for (int store = 0; store < 2; store++) {
        for (int k = 1; k < 8; k += 3) {
            if (!begin(d, "fault: %s crossing into non-canonical (#GP)",
                       store ? "store" : "load")) {
                continue;
            }
            d->tc.regs[RBX] = 0x0000800000000000ull - (unsigned)k;
            if (store) {
                g_mov_rm_r(&d->b, 64, M(RBX, -1, 1, 0), RCX);
            } else {
                g_mov_r_rm(&d->b, 64, RCX, M(RBX, -1, 1, 0));
            }
            end(d);
        }
    }
    /* the flags of earlier instructions in the block survive the fault */
    static const int prods[] = { PR_CMP, PR_ADD, PR_SUB, PR_ADC, PR_SBB,
                                 PR_AND, PR_XOR, PR_INC, PR_DEC, PR_NEG,
                                 PR_SHL1, PR_SAR1, PR_SHLCL, PR_IMUL, PR_BT };
    uint64_t ev[8];
    int n = edges_small(32, ev);
    for (unsigned p = 0; p < sizeof(prods) / sizeof(prods[0]); p++) {
        for (int i = 0; i < n; i++) {
            for (int how = 0; how < 4; how++) {
                static const char *const hn[4] = {
                    "load fault", "store fault", "#DE", "#UD",
                };
                if (!begin(d, "flags at a %s after %s", hn[how],
                           pr_names[prods[p]])) {
                    continue;
                }
                setf(d, i & 1 ? F_ARITH : 0);
                producer(d, prods[p], 32, ev[i], ev[n - 1 - i]);
                d->tc.regs[RBX] = 0x1000;
                d->tc.regs[RSI] = 0;
                g_incdec(&d->b, false, 64, R(RDI));   /* keeps CF */
                switch (how) {
                case 0:
                    g_mov_r_rm(&d->b, 64, RDX, M(RBX, -1, 1, 0));
                    break;
                case 1:
                    g_mov_rm_r(&d->b, 64, M(RBX, -1, 1, 0), RDX);
                    break;
                case 2:
                    g_grp3(&d->b, 6, 32, R(RSI));
                    break;
                default:
                    raw(d, "0f 0b", 0, 0);
                    break;
                }
                end(d);
            }
        }
    }
}

/* ----- POPCNT, LZCNT, TZCNT, MOVBE, ADX, BMI1, BMI2 ----- */

/* Register triples for three-operand forms (ModRM.reg, VEX.vvvv, ModRM.rm):
 * every field gets low and high (r8-r15) registers. */
static const int T3[][3] = {
    { RAX, RCX, RDX }, { R8, R9, R10 }, { RBX, R15, RSI }, { R11, RDI, R12 },
    { R14, RAX, R13 }, { RDX, R13, R8 }, { RBP, R10, R15 }, { R12, RBX, RCX },
    { R9, R14, RBP }, { RSI, R11, RDI }, { R15, RDX, R11 }, { R13, R8, RAX },
};
/* The same without RDX (MULX's implicit source) */
static const int T3M[][3] = {
    { RAX, RCX, RBX }, { R8, R9, R10 }, { RBX, R15, RSI }, { R11, RDI, R12 },
    { R14, RAX, R13 }, { RCX, R13, R8 }, { RBP, R10, R15 }, { R12, RBX, RCX },
    { R9, R14, RBP }, { RSI, R11, RDI }, { R15, RAX, R11 }, { R13, R8, RAX },
};
#define NT3 12

static const int *pick3(D *d, bool mulx)
{
    return mulx ? T3M[d->idx % NT3] : T3[d->idx % NT3];
}

/* The r/m source holding v: register m, or memory through registers not in
 * `avoid` (rotating addressing forms) */
static Opnd src_rm(D *d, bool mem, int sz, int m, uint64_t v, unsigned avoid)
{
    if (!mem) {
        setr(d, m, sz, v);
        return R(m);
    }
    unsigned off = pick_off(d, sz / 8);
    Opnd o = memop(d, (unsigned)d->idx, off, avoid, false);
    poke(d, 0, off, sz / 8, v);
    return o;
}

static void gen_bitcnt(D *d)
{
    for (int op = 0; op < 3; op++) {
        for (int si = 1; si < 4; si++) {
            int sz = sizes[si];
            uint64_t m = maskof(sz), h = 1ull << (sz - 1);
            const uint64_t vals[] = {
                0, 1, 2, 3, m, m - 1, h, h - 1, h + 1,
                0x5555555555555555ull & m, 0xaaaaaaaaaaaaaaaaull & m,
                0x0123456789abcdefull & m, 1ull << (sz / 2),
                (1ull << (sz / 2)) | 1, 0x100, (1ull << (sz / 2)) - 1,
            };
            for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "%s r, r/m (%s)", bitcnt_names[op],
                               rm_kind(mem))) {
                        continue;
                    }
                    int a, b;
                    pick_pair(d, sz, &a, &b);
                    Opnd rm = src_rm(d, mem, sz, b, vals[i], rbit(a));
                    g_bitcnt(&d->b, op, sz, a, rm);
                    end(d);
                }
                if (begin(d, "%s r, r (same)", bitcnt_names[op])) {
                    int a = pick_reg(d, sz, 0);
                    setr(d, a, sz, vals[i]);
                    g_bitcnt(&d->b, op, sz, a, R(a));
                    end(d);
                }
            }
        }
    }
}

static void gen_movbe(D *d)
{
    for (int store = 0; store < 2; store++) {
        for (int si = 1; si < 4; si++) {
            int sz = sizes[si];
            uint64_t ev[16];
            int n = edges(sz, ev);
            for (int i = 0; i < n; i++) {
                for (unsigned v = 0; v < 8; v++) {
                    if (!begin(d, "movbe %s", store ? "m, r" : "r, m")) {
                        continue;
                    }
                    int a = pick_reg(d, sz, 0);
                    unsigned off = pick_off(d, sz / 8);
                    Opnd rm = memop(d, v, off, rbit(a), false);
                    if (store) {
                        setr(d, a, sz, ev[i]);
                    } else {
                        poke(d, 0, off, sz / 8, ev[i]);
                    }
                    g_movbe(&d->b, store, sz, a, rm);
                    end(d);
                }
            }
            /* the destination is the base register */
            if (!store && begin(d, "movbe r, m (base = destination)")) {
                int a = pick_reg(d, sz, 0);
                d->tc.regs[a] = DATA_BASE + 0x321;
                g_movbe(&d->b, false, sz, a, M(a, -1, 1, 0));
                end(d);
            }
            /* store of the base register itself */
            if (store && begin(d, "movbe m, r (base = source)")) {
                int a = pick_reg(d, sz, 0);
                d->tc.regs[a] = DATA_BASE + 0x321;
                g_movbe(&d->b, true, sz, a, M(a, -1, 1, 0));
                end(d);
            }
        }
    }
}

static void gen_adx(D *d)
{
    for (int ox = 0; ox < 2; ox++) {
        const char *nm = ox ? "adox" : "adcx";
        uint16_t fin = ox ? F_OF : F_CF, fother = ox ? F_CF : F_OF;
        for (int sz = 32; sz <= 64; sz += 32) {
            uint64_t ev[16];
            int n = edges(sz, ev);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    for (int f = 0; f < 4; f++) {
                        for (int mem = 0; mem < 2; mem++) {
                            if (!begin(d, "%s r, r/m (%s)", nm,
                                       rm_kind(mem))) {
                                continue;
                            }
                            /* the flag in, the other one, and the rest */
                            setf(d, (f & 1 ? fin : 0) | (f & 2 ? fother : 0) |
                                    ((d->idx >> 1) & 1 ? F_SF | F_ZF | F_AF |
                                     F_PF : 0));
                            int a, b;
                            pick_pair(d, sz, &a, &b);
                            setr(d, a, sz, ev[i]);
                            Opnd rm = src_rm(d, mem, sz, b, ev[j], rbit(a));
                            g_adx(&d->b, ox, sz, a, rm);
                            end(d);
                        }
                    }
                }
                for (int f = 0; f < 2; f++) {
                    if (!begin(d, "%s r, r (same)", nm)) {
                        continue;
                    }
                    setf(d, f ? F_ARITH : 0);
                    int a = pick_reg(d, sz, 0);
                    setr(d, a, sz, ev[i]);
                    g_adx(&d->b, ox, sz, a, R(a));
                    end(d);
                }
            }
        }
    }
    /* two interleaved carry chains (a multi-precision add of two 4-limb
     * numbers twice): CF through ADCX, OF through ADOX */
    static const uint64_t limbs[] = {
        0, 1, ~0ull, ~0ull - 1, 0x8000000000000000ull, 0x7fffffffffffffffull,
        0xffffffff, 0x100000000ull,
    };
    for (int sz = 32; sz <= 64; sz += 32) {
        uint64_t m = maskof(sz);
        for (int k = 0; k < 64; k++) {
            for (int f = 0; f < 4; f++) {
                if (!begin(d, "adcx/adox chain (%d-bit)", sz)) {
                    continue;
                }
                setf(d, (f & 1 ? F_CF : 0) | (f & 2 ? F_OF : 0) |
                        (k & 1 ? F_ZF | F_SF | F_PF | F_AF : 0));
                d->tc.regs[RSI] = DATA_BASE + 0x400;
                for (int l = 0; l < 8; l++) {
                    uint64_t a = k < 8 ? limbs[(k + l) % 8] & m
                                       : rng_next(&d->rng) & m;
                    uint64_t b = k < 16 ? m : limbs[rng_below(&d->rng, 8)] & m;
                    if (k >= 32) {
                        b = rng_next(&d->rng) & m;
                    }
                    setr(d, R8 + l, sz, a);
                    poke(d, 0, 0x400 + (unsigned)l * 8, 8, b);
                }
                for (int l = 0; l < 4; l++) {
                    g_adx(&d->b, false, sz, R8 + l, M(RSI, -1, 1, l * 8));
                    g_adx(&d->b, true, sz, R12 + l, M(RSI, -1, 1, 32 + l * 8));
                }
                /* the carries out, into registers */
                g_adx(&d->b, false, sz, RAX, R(RCX));
                g_adx(&d->b, true, sz, RDX, R(RBX));
                end(d);
            }
        }
    }
    /* a row of a multi-precision multiply: MULX, then the low halves into
     * the CF chain and the high halves into the OF chain */
    for (int k = 0; k < 48; k++) {
        if (!begin(d, "mulx/adcx/adox row")) {
            continue;
        }
        setf(d, (k & 1 ? F_CF : 0) | (k & 2 ? F_OF : 0));
        d->tc.regs[RSI] = DATA_BASE + 0x600;
        d->tc.regs[RDX] = k < 8 ? limbs[k] : rng_next(&d->rng);
        for (int l = 0; l < 4; l++) {
            poke(d, 0, 0x600 + (unsigned)l * 8, 8,
                 k < 16 ? limbs[(k + l) % 8] : rng_next(&d->rng));
            if (k >= 8 && k < 16) {
                d->tc.regs[R10 + l] = ~0ull;
            }
        }
        for (int l = 0; l < 4; l++) {
            g_bmi(&d->b, BMI_MULX, 64, R9, R8, M(RSI, -1, 1, l * 8), 0);
            g_adx(&d->b, false, 64, R10 + l, R(R8));
            g_adx(&d->b, true, 64, R11 + l, R(R9));
        }
        end(d);
    }
}

static void gen_bmi(D *d)
{
    for (int sz = 32; sz <= 64; sz += 32) {
        uint64_t m = maskof(sz), h = 1ull << (sz - 1);
        uint64_t ev[16], es[8];
        int n = edges(sz, ev);
        int ns = edges_small(sz, es);

        /* andn */
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "andn r, v, r/m (%s)", rm_kind(mem))) {
                        continue;
                    }
                    const int *t = pick3(d, false);
                    setr(d, t[1], sz, ev[i]);
                    Opnd rm = src_rm(d, mem, sz, t[2], ev[j],
                                     rbit(t[0]) | rbit(t[1]));
                    g_bmi(&d->b, BMI_ANDN, sz, t[0], t[1], rm, 0);
                    end(d);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                static const char *const sn[3] = {
                    "r = v = r/m", "r = r/m", "r = v",
                };
                if (!begin(d, "andn (same: %s)", sn[k])) {
                    continue;
                }
                const int *t = pick3(d, false);
                setr(d, t[0], sz, ev[i]);
                setr(d, t[1], sz, ev[n - 1 - i]);
                setr(d, t[2], sz, ev[(i + 3) % n]);
                g_bmi(&d->b, BMI_ANDN, sz, t[0], k == 1 ? t[1] : t[0],
                      R(k == 2 ? t[2] : t[0]), 0);
                end(d);
            }
        }

        /* blsr, blsmsk, blsi */
        const uint64_t bv[] = {
            0, 1, 2, 3, h - 1, h, h + 1, m - 1, m,
            0x5555555555555555ull & m, 0xaaaaaaaaaaaaaaaaull & m,
            0x0123456789abcdefull & m, 0x100, (h | 0x100),
            1ull << (sz / 2),
        };
        for (int op = BMI_BLSR; op <= BMI_BLSI; op++) {
            for (unsigned i = 0; i < sizeof(bv) / sizeof(bv[0]); i++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "%s v, r/m (%s)", bmi_names[op],
                               rm_kind(mem))) {
                        continue;
                    }
                    const int *t = pick3(d, false);
                    Opnd rm = src_rm(d, mem, sz, t[2], bv[i], rbit(t[1]));
                    g_bmi(&d->b, op, sz, 0, t[1], rm, 0);
                    end(d);
                }
                if (begin(d, "%s v, r (same)", bmi_names[op])) {
                    int a = pick_reg(d, sz, 0);
                    setr(d, a, sz, bv[i]);
                    g_bmi(&d->b, op, sz, 0, a, R(a), 0);
                    end(d);
                }
            }
        }

        /* bextr: start and length 0, 1, ..., operand size - 1, size,
         * beyond, 255; bits 63:16 of the control ignored */
        static const unsigned bstart[] = { 0, 1, 4, 7, 8, 31, 32, 33, 63, 64,
                                           255 };
        static const unsigned blen[] = { 0, 1, 4, 8, 31, 32, 33, 63, 64, 65,
                                         255 };
        const uint64_t xv[] = {
            m, 0x0123456789abcdefull & m, h, 1, 0x8000000000000001ull & m,
        };
        for (unsigned i = 0; i < sizeof(xv) / sizeof(xv[0]); i++) {
            for (unsigned s = 0; s < sizeof(bstart) / sizeof(bstart[0]); s++) {
                for (unsigned l = 0; l < sizeof(blen) / sizeof(blen[0]); l++) {
                    for (int mem = 0; mem < 2; mem++) {
                        if (!begin(d, "bextr r, r/m, v (%s)", rm_kind(mem))) {
                            continue;
                        }
                        const int *t = pick3(d, false);
                        uint64_t ctl = bstart[s] | blen[l] << 8;
                        if (d->idx & 1) {
                            ctl |= 0xfedcba98abcd0000ull;
                        }
                        setr(d, t[1], sz, ctl);
                        Opnd rm = src_rm(d, mem, sz, t[2], xv[i],
                                         rbit(t[0]) | rbit(t[1]));
                        g_bmi(&d->b, BMI_BEXTR, sz, t[0], t[1], rm, 0);
                        end(d);
                    }
                }
            }
        }
        if (begin(d, "bextr (same: r = r/m = v)")) {
            int a = pick_reg(d, sz, 0);
            setr(d, a, sz, 0x0000000000000804ull);
            g_bmi(&d->b, BMI_BEXTR, sz, a, a, R(a), 0);
            end(d);
        }

        /* bzhi: index 0, 1, ..., size - 1, size, beyond, 255; bits 63:8
         * of the index ignored */
        static const uint64_t zidx[] = {
            0, 1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255,
            0x100, 0x101, 0x120, 0xffffffff, 0x8000000000000020ull,
            0xffffffffffffff3full,
        };
        const uint64_t zv[] = {
            m, 0x0123456789abcdefull & m, h, 1, 0, 0x5555555555555555ull & m,
        };
        for (unsigned i = 0; i < sizeof(zv) / sizeof(zv[0]); i++) {
            for (unsigned k = 0; k < sizeof(zidx) / sizeof(zidx[0]); k++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "bzhi r, r/m, v (%s)", rm_kind(mem))) {
                        continue;
                    }
                    const int *t = pick3(d, false);
                    setr(d, t[1], sz, zidx[k]);
                    Opnd rm = src_rm(d, mem, sz, t[2], zv[i],
                                     rbit(t[0]) | rbit(t[1]));
                    g_bmi(&d->b, BMI_BZHI, sz, t[0], t[1], rm, 0);
                    end(d);
                }
            }
        }

        /* pdep, pext: sparse and dense masks */
        const uint64_t pv[] = {
            0, 1, m, 0x0123456789abcdefull & m, h, 0x5555555555555555ull & m,
            0xaaaaaaaaaaaaaaaaull & m, 0xfedcba9876543210ull & m,
        };
        const uint64_t pm[] = {
            0, 1, m, h, h | 1, 0x5555555555555555ull & m,
            0xaaaaaaaaaaaaaaaaull & m, 0x0f0f0f0f0f0f0f0full & m,
            0xff00ff00ff00ff00ull & m, 0x0000000100010001ull & m,
            0x8000000000000001ull & m, m - 1, m & ~0x10000ull,
            0x1248102040810204ull & m, 0x00000000ffff0000ull,
        };
        for (int op = BMI_PDEP; op <= BMI_PEXT; op++) {
            for (unsigned i = 0; i < sizeof(pv) / sizeof(pv[0]); i++) {
                for (unsigned k = 0; k < sizeof(pm) / sizeof(pm[0]); k++) {
                    for (int mem = 0; mem < 2; mem++) {
                        if (!begin(d, "%s r, v, r/m (%s)", bmi_names[op],
                                   rm_kind(mem))) {
                            continue;
                        }
                        const int *t = pick3(d, false);
                        setr(d, t[1], sz, pv[i]);
                        Opnd rm = src_rm(d, mem, sz, t[2], pm[k],
                                         rbit(t[0]) | rbit(t[1]));
                        g_bmi(&d->b, op, sz, t[0], t[1], rm, 0);
                        end(d);
                    }
                }
            }
            if (begin(d, "%s (same: r = v = r/m)", bmi_names[op])) {
                int a = pick_reg(d, sz, 0);
                setr(d, a, sz, 0x0123456789abcdefull);
                g_bmi(&d->b, op, sz, a, a, R(a), 0);
                end(d);
            }
        }

        /* mulx */
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "mulx r, v, r/m (%s)", rm_kind(mem))) {
                        continue;
                    }
                    const int *t = pick3(d, true);
                    setr(d, RDX, sz, ev[i]);
                    Opnd rm = src_rm(d, mem, sz, t[2], ev[j],
                                     rbit(t[0]) | rbit(t[1]) | rbit(RDX));
                    g_bmi(&d->b, BMI_MULX, sz, t[0], t[1], rm, 0);
                    end(d);
                }
            }
        }
        for (int i = 0; i < ns; i++) {
            for (int k = 0; k < 6; k++) {
                static const char *const sn[6] = {
                    "r = v: the high half", "r/m = rdx", "r = rdx",
                    "v = rdx", "r = v = rdx", "r = r/m",
                };
                if (!begin(d, "mulx (same: %s)", sn[k])) {
                    continue;
                }
                const int *t = pick3(d, true);
                int r = t[0], v = t[1], mr = t[2];
                switch (k) {
                case 0: v = r; break;
                case 1: mr = RDX; break;
                case 2: r = RDX; break;
                case 3: v = RDX; break;
                case 4: r = v = RDX; break;
                default: mr = r; break;
                }
                setr(d, RDX, sz, es[i]);
                if (mr != RDX) {
                    setr(d, mr, sz, es[ns - 1 - i] ^ (k & 1 ? 0 : 2));
                }
                g_bmi(&d->b, BMI_MULX, sz, r, v, R(mr), 0);
                end(d);
            }
        }

        /* sarx, shlx, shrx: the count masked to 5 or 6 bits */
        static const uint64_t cnt[] = {
            0, 1, 2, 7, 31, 32, 33, 63, 64, 65, 255, 0x105,
            0xffffffffffffffc1ull,
        };
        const uint64_t sv[] = {
            0, 1, h, m, 0x0123456789abcdefull & m, h - 1, h | 1,
        };
        for (int op = BMI_SARX; op <= BMI_SHRX; op++) {
            for (unsigned i = 0; i < sizeof(sv) / sizeof(sv[0]); i++) {
                for (unsigned k = 0; k < sizeof(cnt) / sizeof(cnt[0]); k++) {
                    for (int mem = 0; mem < 2; mem++) {
                        if (!begin(d, "%s r, r/m, v (%s)", bmi_names[op],
                                   rm_kind(mem))) {
                            continue;
                        }
                        const int *t = pick3(d, false);
                        setr(d, t[1], sz, cnt[k]);
                        Opnd rm = src_rm(d, mem, sz, t[2], sv[i],
                                         rbit(t[0]) | rbit(t[1]));
                        g_bmi(&d->b, op, sz, t[0], t[1], rm, 0);
                        end(d);
                    }
                }
                for (int k = 0; k < 2; k++) {
                    if (!begin(d, "%s (same: %s)", bmi_names[op],
                               k ? "r = r/m" : "r = r/m = v")) {
                        continue;
                    }
                    const int *t = pick3(d, false);
                    setr(d, t[0], sz, sv[i] + 7);
                    setr(d, t[1], sz, cnt[i]);
                    g_bmi(&d->b, op, sz, t[0], k ? t[1] : t[0], R(t[0]), 0);
                    end(d);
                }
            }
        }

        /* rorx */
        static const uint8_t rimm[] = { 0, 1, 7, 8, 15, 16, 31, 32, 33, 63,
                                        64, 127, 255 };
        for (unsigned i = 0; i < sizeof(sv) / sizeof(sv[0]); i++) {
            for (unsigned k = 0; k < sizeof(rimm); k++) {
                for (int mem = 0; mem < 2; mem++) {
                    if (!begin(d, "rorx r, r/m, imm8 (%s)", rm_kind(mem))) {
                        continue;
                    }
                    const int *t = pick3(d, false);
                    Opnd rm = src_rm(d, mem, sz, t[2], sv[i], rbit(t[0]));
                    g_bmi(&d->b, BMI_RORX, sz, t[0], 0, rm, rimm[k]);
                    end(d);
                }
            }
            if (begin(d, "rorx (same: r = r/m)")) {
                int a = pick_reg(d, sz, 0);
                setr(d, a, sz, sv[i]);
                g_bmi(&d->b, BMI_RORX, sz, a, 0, R(a), (uint8_t)(5 + i * 9));
                end(d);
            }
        }
    }
}

/* Conditions and flags read after the new flag producers (in the same
 * block: lazily computed flags must come out right) */
static void gen_newflags(D *d)
{
    enum { NP_POPCNT, NP_TZCNT, NP_LZCNT, NP_ADCX, NP_ADOX, NP_BMI };
    static const char *const sn[] = { "popcnt", "tzcnt", "lzcnt", "adcx",
                                      "adox" };
    static const int bmiops[] = { BMI_ANDN, BMI_BLSR, BMI_BLSMSK, BMI_BLSI,
                                  BMI_BEXTR, BMI_BZHI, BMI_PDEP, BMI_SHLX };
    static const int prods[] = { PR_CMP, PR_ADD, PR_SUB, PR_AND, PR_INC,
                                 PR_NEG, PR_SHL1, PR_IMUL };
    for (int np = 0; np < NP_BMI + 8; np++) {
        const char *name = np < NP_BMI ? sn[np]
                                       : bmi_names[bmiops[np - NP_BMI]];
        for (int sz = 32; sz <= 64; sz += 32) {
            uint64_t ev[8];
            int n = edges_small(sz, ev);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    /* an earlier flag producer in the block, then the new
                     * instruction, then every condition */
                    int pr = prods[(i + j) % 8];
                    if (!begin(d, "setcc/cmovcc after %s (after %s)", name,
                               pr_names[pr])) {
                        continue;
                    }
                    setf(d, (i ^ j) & 1 ? F_ARITH : 0);
                    producer(d, pr, sz, ev[j], ev[i]);
                    setr(d, R8, sz, ev[i]);
                    setr(d, R9, sz, ev[j]);
                    setr(d, R10, sz, np == NP_BMI + 4 ? 0x0804 + (uint64_t)j * 9
                                     : (uint64_t)j * 7);
                    if (np < NP_ADCX) {
                        g_bitcnt(&d->b, np, sz, R11, R(R8));
                    } else if (np < NP_BMI) {
                        g_adx(&d->b, np == NP_ADOX, sz, R8, R(R9));
                    } else {
                        int op = bmiops[np - NP_BMI];
                        int v = op == BMI_BEXTR || op == BMI_BZHI ||
                                op == BMI_SHLX ? R10 : R9;
                        g_bmi(&d->b, op, sz, R11, op >= BMI_BLSR &&
                              op <= BMI_BLSI ? R11 : v, R(R8), 0);
                    }
                    d->tc.regs[RBX] = DATA_BASE + 0x200;
                    d->tc.regs[RSI] = 0x2222222222222222ull;
                    uint16_t undef = d->b.undef;
                    for (int cc = 0; cc < 16; cc++) {
                        if (cc_reads(cc) & undef) {
                            continue;
                        }
                        g_setcc(&d->b, cc, M(RBX, -1, 1, cc));
                    }
                    /* and half of them through cmovcc (64 instructions at
                     * most) */
                    for (int cc = sz == 64; cc < 16; cc += 2) {
                        if (cc_reads(cc) & undef) {
                            continue;
                        }
                        g_mov_r_rm(&d->b, 64, R12, R(RBX));
                        g_cmovcc(&d->b, cc, 64, R12, R(RSI));
                        g_mov_rm_r(&d->b, 64, M(RBX, -1, 1, 0x20 + 8 * cc),
                                   R12);
                    }
                    end(d);
                }
            }
        }
    }
}

/* A read-modify-write (or MOVBE) store into the next instruction of the
 * same block: bt86 restarts the instruction after the store hits
 * translated code, and the restart must see the flags from before it */
static void gen_smc_rmw(D *d)
{
    enum { S_RCL, S_RCR, S_RCR1, S_ADC, S_SBB, S_ADD, S_SHL, S_MOVBE,
           S_ADCX_LOAD, S_NB };
    static const char *const nm[S_NB] = {
        "rcl m64, cl", "rcr m64, cl", "rcr m64, 1", "adc m64, r",
        "sbb m64, r", "add m64, r", "shl m64, cl", "movbe m64, r",
        "adcx r, m64 (no store)",
    };
    for (int k = 0; k < S_NB; k++) {
        for (int v = 0; v < 8; v++) {
            if (!begin(d, "smc: %s into the next instruction", nm[k])) {
                continue;
            }
            setf(d, (v & 1 ? F_CF : 0) | (v & 2 ? F_OF | F_ZF : 0));
            d->tc.regs[RCX] = v < 4 ? 3 + (unsigned)v * 10
                                    : 0x8000000000000001ull;
            int cl = (int)(d->tc.regs[RCX] & 0xff);
            uint64_t entry = tc_entry(&d->tc);
            /* the instruction, its length, then the same again aimed at
             * the imm64 of the mov rax, imm64 that follows */
            for (int pass = 0; pass < 2; pass++) {
                Opnd m = MRIP(pass ? entry + (uint64_t)b_pos(&d->b) + 2
                                   : entry);
                b_init(&d->b, &d->tc);
                switch (k) {
                case S_RCL: g_shift(&d->b, 2, 64, m, SH_CL, 0, cl); break;
                case S_RCR: g_shift(&d->b, 3, 64, m, SH_CL, 0, cl); break;
                case S_RCR1: g_shift(&d->b, 3, 64, m, SH_BY1, 1, 1); break;
                case S_ADC: g_alu_rm_r(&d->b, ALU_ADC, 64, m, RCX); break;
                case S_SBB: g_alu_rm_r(&d->b, ALU_SBB, 64, m, RCX); break;
                case S_ADD: g_alu_rm_r(&d->b, ALU_ADD, 64, m, RCX); break;
                case S_SHL: g_shift(&d->b, 4, 64, m, SH_CL, 0, cl); break;
                case S_MOVBE: g_movbe(&d->b, true, 64, RCX, m); break;
                default: g_adx(&d->b, false, 64, RCX, m); break;
                }
            }
            g_mov_r_imm(&d->b, 64, RAX, 0xfedcba9876543210ull);
            end(d);
        }
    }
}

/* idiv overflow: the most negative dividend divided by -1 (bt86 used to
 * run the host's IDIV on it and die of SIGFPE) */
static void gen_idiv_overflow(D *d)
{
    for (int si = 0; si < 4; si++) {
        int sz = sizes[si];
        uint64_t m = maskof(sz), h = 1ull << (sz - 1);
        /* high:low, divisor */
        const uint64_t t[][3] = {
            { h, 0, m },          /* -2^(2n-1) / -1 */
            { m, h, m },          /* -2^(n-1) / -1 = 2^(n-1): too big */
            { m, h + 1, m },      /* -(2^(n-1) - 1) / -1: fits */
            { h, 0, 1 },          /* -2^(2n-1) / 1 */
            { h, 0, h },          /* / -2^(n-1) = 2^n: too big */
            { m, h, 1 },          /* -2^(n-1) / 1: fits */
        };
        for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
            for (int mem = 0; mem < 2; mem++) {
                if (!begin(d, "idiv r/m%d (%s:%s / %s) (%s)", sz,
                           t[k][0] == h ? "INT_MIN" : "-1",
                           t[k][1] == 0 ? "0" : t[k][1] == h ? "INT_MIN"
                                                             : "INT_MIN+1",
                           t[k][2] == m ? "-1" : t[k][2] == 1 ? "1"
                                                              : "INT_MIN",
                           rm_kind(mem))) {
                    continue;
                }
                if (sz == 8) {
                    setr(d, REG_AH, 8, t[k][0]);
                    setr(d, RAX, 8, t[k][1]);
                } else {
                    setr(d, RDX, sz, t[k][0]);
                    setr(d, RAX, sz, t[k][1]);
                }
                Opnd rm = src_rm(d, mem, sz, RCX, t[k][2],
                                 rbit(RAX) | rbit(RDX));
                g_grp3(&d->b, 7, sz, rm);
                end(d);
            }
        }
    }
}

/* Encodings that must fault, prefix orders, and faults that must change
 * nothing */
static void gen_newext_edges(D *d)
{
    static const struct {
        const char *hex;
        const char *what;
        uint16_t wdef, wundef;
    } t[] = {
        { "66 f3 0f b8 c1", "66 F3: popcnt r16", F_ARITH, 0 },
        { "f3 66 0f b8 c1", "F3 66: popcnt r16", F_ARITH, 0 },
        { "66 f3 0f bd c1", "66 F3: lzcnt r16", F_CF | F_ZF,
          F_OF | F_SF | F_AF | F_PF },
        { "f3 66 48 0f bc c1", "F3 66 REX.W: tzcnt r64", F_CF | F_ZF,
          F_OF | F_SF | F_AF | F_PF },
        { "0f b8 c1", "0F B8 without F3 (jmpe): #UD", 0, 0 },
        { "f0 f3 0f b8 03", "lock popcnt: #UD", 0, 0 },
        { "f0 f3 0f bd 03", "lock lzcnt: #UD", 0, 0 },
        { "0f 38 f0 c1", "movbe r, r: #UD", 0, 0 },
        { "0f 38 f1 c1", "movbe r, r (store form): #UD", 0, 0 },
        { "48 0f 38 f1 c1", "movbe r64, r64: #UD", 0, 0 },
        { "f0 0f 38 f0 03", "lock movbe: #UD", 0, 0 },
        { "f0 66 0f 38 f6 03", "lock adcx: #UD", 0, 0 },
        { "f0 f3 0f 38 f6 03", "lock adox: #UD", 0, 0 },
        { "66 48 0f 38 f6 03", "adcx r64, m64", F_CF, 0 },
        { "f3 48 0f 38 f6 03", "adox r64, m64", F_OF, 0 },
        /* andn eax, ecx, edx = c4 e2 70 f2 c2 */
        { "c4 e2 70 f2 c2", "vex: andn", F_SF | F_ZF | F_CF | F_OF,
          F_AF | F_PF },
        { "c4 a2 70 f2 c2", "vex: VEX.X with a register operand: ignored",
          F_SF | F_ZF | F_CF | F_OF, F_AF | F_PF },
        { "66 c4 e2 70 f2 c2", "vex: 66 before VEX: #UD", 0, 0 },
        { "f3 c4 e2 70 f2 c2", "vex: F3 before VEX: #UD", 0, 0 },
        { "f2 c4 e2 70 f2 c2", "vex: F2 before VEX: #UD", 0, 0 },
        { "f0 c4 e2 70 f2 03", "vex: LOCK before VEX: #UD", 0, 0 },
        { "40 c4 e2 70 f2 c2", "vex: REX before VEX: #UD", 0, 0 },
        { "48 c4 e2 70 f2 c2", "vex: REX.W before VEX: #UD", 0, 0 },
        { "2e c4 e2 70 f2 03", "vex: CS override before VEX: ignored",
          F_SF | F_ZF | F_CF | F_OF, F_AF | F_PF },
        { "c4 e2 74 f2 c2", "vex: andn with VEX.L = 1: #UD", 0, 0 },
        { "c4 e2 71 f2 c2", "vex: andn with pp = 66: #UD", 0, 0 },
        { "c4 e2 f4 f3 ca", "vex: blsr with VEX.L = 1: #UD", 0, 0 },
        { "c4 e2 78 f3 c1", "vex: F3 /0: #UD", 0, 0 },
        { "c4 e2 78 f3 e1", "vex: F3 /4: #UD", 0, 0 },
        { "c4 e2 78 f3 f9", "vex: F3 /7: #UD", 0, 0 },
        { "c4 e2 79 f3 c9", "vex: blsr with pp = 66: #UD", 0, 0 },
        { "c4 e2 71 f5 c2", "vex: 66.0F38 F5: #UD", 0, 0 },
        { "c4 e2 70 f6 c2", "vex: 0F38 F6 with pp = none: #UD", 0, 0 },
        { "c4 e2 71 f6 c2", "vex: 66.0F38 F6: #UD", 0, 0 },
        { "c4 e2 72 f6 c2", "vex: F3.0F38 F6: #UD", 0, 0 },
        { "c4 e2 77 f6 c2", "vex: mulx with VEX.L = 1: #UD", 0, 0 },
        { "c4 e2 74 f7 c2", "vex: bextr with VEX.L = 1: #UD", 0, 0 },
        { "c4 e3 7b f0 c1 05", "vex: rorx", 0, 0 },
        { "c4 e3 73 f0 c1 05", "vex: rorx with vvvv != 1111b: #UD", 0, 0 },
        { "c4 e3 7f f0 c1 05", "vex: rorx with VEX.L = 1: #UD", 0, 0 },
        { "c4 e3 7a f0 c1 05", "vex: F3.0F3A F0: #UD", 0, 0 },
        { "c4 e0 70 f2 c2", "vex: map 0: #UD", 0, 0 },
        { "c4 e4 70 f2 c2", "vex: map 4: #UD", 0, 0 },
        /* the ModRM byte is the int3: andn ecx, ecx, esp, then the int3
         * of the padding */
        { "c4 e2 70 f2", "vex: ends at the int3", F_SF | F_ZF | F_CF | F_OF,
          F_AF | F_PF },
    };
    for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        for (int v = 0; v < 4; v++) {
            if (!begin(d, "new encodings: %s", t[k].what)) {
                continue;
            }
            d->tc.regs[RBX] = DATA_BASE + 0x100 + 8 * (unsigned)v;
            d->tc.regs[RCX] = v == 0   ? 0
                              : v == 1 ? ~0ull
                                       : 0x8000000080000001ull;
            d->tc.regs[RDX] = v == 2 ? 0 : 0x0123456789abcdefull;
            raw(d, t[k].hex, t[k].wdef, t[k].wundef);
            end(d);
        }
    }
    /* the last instruction of the code page, and one crossing into the
     * unmapped page after it */
    for (int k = 0; k <= 5; k++) {
        if (!begin(d, "new encodings: andn %s the code page",
                   k == 0 ? "and int3 at the end of" :
                   k == 1 ? "ending at the end of" : "crossing the end of")) {
            continue;
        }
        d->tc.code_at = (uint16_t)(CODE_SIZE - 6 + (unsigned)k);
        g_bmi(&d->b, BMI_ANDN, 64, RAX, RCX, R(RDX), 0);
        end(d);
    }
    /* faults: nothing changes (no half-written destination, MULX writes
     * neither half) */
    static const uint64_t badp[] = { 0x1000, 0x8000000000000000ull };
    for (int k = 0; k < 2; k++) {
        const char *kind = k ? "non-canonical" : "unmapped";
        for (int sz = 16; sz <= 64; sz *= 2) {
            if (begin(d, "fault atomicity: movbe m, r (%s)", kind)) {
                d->tc.regs[RBX] = badp[k];
                g_movbe(&d->b, true, sz, RCX, M(RBX, -1, 1, 0));
                end(d);
            }
            if (begin(d, "fault atomicity: movbe r, m (%s)", kind)) {
                d->tc.regs[RBX] = badp[k];
                g_movbe(&d->b, false, sz, RCX, M(RBX, -1, 1, 0));
                end(d);
            }
            if (begin(d, "fault atomicity: popcnt r, m (%s)", kind)) {
                setf(d, F_ARITH);
                d->tc.regs[RBX] = badp[k];
                g_bitcnt(&d->b, BC_POPCNT, sz, RCX, M(RBX, -1, 1, 0));
                end(d);
            }
            if (sz == 16) {
                continue;
            }
            if (begin(d, "fault atomicity: adcx r, m (%s)", kind)) {
                setf(d, F_CF);
                d->tc.regs[RBX] = badp[k];
                g_adx(&d->b, false, sz, RCX, M(RBX, -1, 1, 0));
                end(d);
            }
            for (int op = 0; op < BMI_NB; op++) {
                if (!begin(d, "fault atomicity: %s r/m = m (%s)",
                           bmi_names[op], kind)) {
                    continue;
                }
                setf(d, d->idx & 2 ? F_ARITH : 0);
                d->tc.regs[RBX] = badp[k];
                g_bmi(&d->b, op, sz, RCX, RSI, M(RBX, -1, 1, 0), 3);
                end(d);
            }
        }
        /* page-crossing: data page end to the unmapped page */
        for (int sz = 16; sz <= 64; sz *= 2) {
            for (int c = 1; c < sz / 8; c++) {
                if (begin(d, "fault atomicity: page-crossing movbe m%d", sz)) {
                    d->tc.regs[RBX] = DATA_BASE + DATA_SIZE - (unsigned)c;
                    g_movbe(&d->b, true, sz, RCX, M(RBX, -1, 1, 0));
                    end(d);
                }
            }
        }
    }
}

/* ----- CPL 3: what a Linux process may not do ----- */

/*
 * Both sides run the snippet at CPL 3 with IOPL 0 and no I/O permission
 * (see bt86run.c): privileged and IOPL-sensitive instructions fault, with
 * the same vector and error code, and change nothing.
 */
enum { PV_PLAIN, PV_UNMAPPED, PV_NONCANON };

/*
 * Alignment checking: both sides run with CR0.AM set (as Linux does), so
 * a snippet that sets RFLAGS.AC gets #AC(0) for a misaligned 2-, 4- or
 * 8-byte data access. (Whether #AC or #PF wins for a misaligned access to
 * an unmapped page the SDM does not say: not tested.)
 */
static void gen_alignment_check(D *d)
{
    static const struct {
        const char *hex;
        const char *what;
        bool unmapped;  /* RBX, RSI, RDI point at 0x1000 */
    } t[] = {
        { "8b 43 01", "mov eax, [rbx + 1] (#AC)", false },
        { "89 43 02", "mov [rbx + 2], eax (#AC)", false },
        { "48 8b 43 04", "mov rax, [rbx + 4] (#AC)", false },
        { "66 8b 43 02", "mov ax, [rbx + 2]", false },
        { "66 8b 43 03", "mov ax, [rbx + 3] (#AC)", false },
        { "0f b6 43 01", "movzx eax, byte [rbx + 1]", false },
        { "8b 43 04", "mov eax, [rbx + 4]", false },
        { "f0 01 43 01", "lock add [rbx + 1], eax (#AC)", false },
        { "01 43 01", "add [rbx + 1], eax (#AC)", false },
        { "48 83 ec 01 50", "sub rsp, 1; push rax (#AC)", false },
        { "48 ff c6 a5", "inc rsi; movsd (#AC)", false },
        { "48 8b 43 04", "mov rax, [unmapped + 4] (#PF)", true },
        { "f3 0f 7e 43 04", "movq xmm0, [rbx + 4]", false },
        { "0f 10 43 04", "movups xmm0, [rbx + 4]", false },
        { "f3 0f 6f 43 01", "movdqu xmm0, [rbx + 1]", false },
        { "dd 43 04", "fld qword [rbx + 4]", false },
        { "d9 43 02", "fld dword [rbx + 2]", false },
    };
    for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        if (!begin(d, "CPL 3, RFLAGS.AC: %s", t[k].what)) {
            continue;
        }
        d->tc.regs[RBX] = t[k].unmapped ? 0x1000 : DATA_BASE + 0x100;
        d->tc.regs[RSI] = t[k].unmapped ? 0x1000 : DATA_BASE + 0x300;
        d->tc.regs[RDI] = t[k].unmapped ? 0x1000 : DATA_BASE + 0x200;
        raw(d, "9c", 0, 0);                         /* pushf */
        raw(d, "48 81 0c 24 00 00 04 00", 0, 0);    /* or [rsp], AC */
        raw(d, "9d", F_CMP, 0);                     /* popf */
        raw(d, t[k].hex, 0, 0);
        end(d);
    }
}

static void gen_cpl3(D *d)
{
    static const struct {
        const char *hex;
        const char *what;
        uint64_t rcx;
        int how;        /* PV_UNMAPPED: RBX, RSI, RDI point at 0x1000 */
    } t[] = {
        /* #GP(0): CPL > 0 */
        { "f4", "hlt (#GP)", 3, PV_PLAIN },
        { "48 f4", "rex.w hlt (#GP)", 3, PV_PLAIN },
        { "0f 06", "clts (#GP)", 3, PV_PLAIN },
        { "0f 08", "invd (#GP)", 3, PV_PLAIN },
        { "0f 09", "wbinvd (#GP)", 3, PV_PLAIN },
        { "0f 01 f8", "swapgs (#GP)", 3, PV_PLAIN },
        { "0f 07", "sysretl (#GP)", 3, PV_PLAIN },
        { "48 0f 07", "sysretq (#GP)", 3, PV_PLAIN },
        { "48 0f 07", "sysretq, non-canonical rcx (#GP)",
          0x8000000000001000ull, PV_PLAIN },
        { "0f 32", "rdmsr EFER (#GP)", 0xc0000080, PV_PLAIN },
        { "0f 32", "rdmsr TSC (#GP)", 0x10, PV_PLAIN },
        { "0f 32", "rdmsr LSTAR (#GP)", 0xc0000082, PV_PLAIN },
        { "0f 32", "rdmsr FS.base (#GP)", 0xc0000100, PV_PLAIN },
        { "0f 32", "rdmsr, no such MSR (#GP)", 0x12345678, PV_PLAIN },
        { "0f 30", "wrmsr EFER (#GP)", 0xc0000080, PV_PLAIN },
        { "0f 30", "wrmsr LSTAR (#GP)", 0xc0000082, PV_PLAIN },
        { "0f 30", "wrmsr GS.base (#GP)", 0xc0000101, PV_PLAIN },
        { "0f 30", "wrmsr KERNEL_GS_BASE (#GP)", 0xc0000102, PV_PLAIN },
        { "0f 20 c0", "mov rax, cr0 (#GP)", 3, PV_PLAIN },
        { "0f 20 d0", "mov rax, cr2 (#GP)", 3, PV_PLAIN },
        { "0f 20 d8", "mov rax, cr3 (#GP)", 3, PV_PLAIN },
        { "0f 20 e0", "mov rax, cr4 (#GP)", 3, PV_PLAIN },
        { "44 0f 20 c0", "mov rax, cr8 (#GP)", 3, PV_PLAIN },
        { "0f 22 c0", "mov cr0, rax (#GP)", 3, PV_PLAIN },
        { "0f 22 d0", "mov cr2, rax (#GP)", 3, PV_PLAIN },
        { "0f 22 d8", "mov cr3, rax (#GP)", 3, PV_PLAIN },
        { "0f 22 e0", "mov cr4, rax (#GP)", 3, PV_PLAIN },
        { "44 0f 22 c0", "mov cr8, rax (#GP)", 3, PV_PLAIN },
        /* no such control register: #UD comes first */
        { "0f 20 c8", "mov rax, cr1 (#UD)", 3, PV_PLAIN },
        { "0f 22 e8", "mov cr5, rax (#UD)", 3, PV_PLAIN },
        { "44 0f 20 c8", "mov rax, cr9 (#UD)", 3, PV_PLAIN },
        { "0f 21 c0", "mov rax, dr0 (#GP)", 3, PV_PLAIN },
        { "0f 21 f0", "mov rax, dr6 (#GP)", 3, PV_PLAIN },
        { "0f 21 f8", "mov rax, dr7 (#GP)", 3, PV_PLAIN },
        { "0f 23 c0", "mov dr0, rax (#GP)", 3, PV_PLAIN },
        { "0f 23 f8", "mov dr7, rax (#GP)", 3, PV_PLAIN },
        { "0f 01 13", "lgdt [rbx] (#GP)", 3, PV_PLAIN },
        { "0f 01 1b", "lidt [rbx] (#GP)", 3, PV_PLAIN },
        { "0f 01 13", "lgdt [unmapped] (#GP, not #PF)", 3, PV_UNMAPPED },
        { "0f 00 d0", "lldt ax (#GP)", 3, PV_PLAIN },
        { "0f 00 d8", "ltr ax (#GP)", 3, PV_PLAIN },
        { "0f 00 13", "lldt [rbx] (#GP)", 3, PV_PLAIN },
        { "0f 00 1b", "ltr [rbx] (#GP)", 3, PV_PLAIN },
        { "0f 01 3b", "invlpg [rbx] (#GP)", 3, PV_PLAIN },
        { "0f 01 3b", "invlpg [unmapped] (#GP)", 3, PV_UNMAPPED },
        { "0f 01 f0", "lmsw ax (#GP)", 3, PV_PLAIN },
        { "0f 01 33", "lmsw [rbx] (#GP)", 3, PV_PLAIN },
        /* INVPCID (the host needs it: Haswell and later, as for BMI2);
         * LOCK or a register operand is #UD before the CPL check */
        { "66 0f 38 82 03", "invpcid rax, [rbx] (#GP)", 3, PV_PLAIN },
        { "66 0f 38 82 03", "invpcid rax, [unmapped] (#GP, not #PF)", 3,
          PV_UNMAPPED },
        { "f0 66 0f 38 82 03", "lock invpcid (#UD)", 3, PV_PLAIN },
        { "66 0f 38 82 c0", "invpcid rax, rax (#UD)", 3, PV_PLAIN },
        /* #GP(0): CPL > IOPL */
        { "fa", "cli (#GP)", 3, PV_PLAIN },
        { "fb", "sti (#GP)", 3, PV_PLAIN },
        { "46 fb", "rex sti (#GP)", 3, PV_PLAIN },
        /* #GP(0): CPL > IOPL and no I/O permission bitmap */
        { "e4 80", "in al, imm8 (#GP)", 3, PV_PLAIN },
        { "66 e5 80", "in ax, imm8 (#GP)", 3, PV_PLAIN },
        { "e5 80", "in eax, imm8 (#GP)", 3, PV_PLAIN },
        { "e6 80", "out imm8, al (#GP)", 3, PV_PLAIN },
        { "66 e7 80", "out imm8, ax (#GP)", 3, PV_PLAIN },
        { "e7 80", "out imm8, eax (#GP)", 3, PV_PLAIN },
        { "ec", "in al, dx (#GP)", 3, PV_PLAIN },
        { "66 ed", "in ax, dx (#GP)", 3, PV_PLAIN },
        { "ed", "in eax, dx (#GP)", 3, PV_PLAIN },
        { "ee", "out dx, al (#GP)", 3, PV_PLAIN },
        { "66 ef", "out dx, ax (#GP)", 3, PV_PLAIN },
        { "ef", "out dx, eax (#GP)", 3, PV_PLAIN },
        { "6c", "insb (#GP)", 3, PV_PLAIN },
        { "66 6d", "insw (#GP)", 3, PV_PLAIN },
        { "6d", "insd (#GP)", 3, PV_PLAIN },
        { "f3 6c", "rep insb (#GP)", 3, PV_PLAIN },
        { "f3 48 6d", "rep insd, rex.w (#GP)", 3, PV_PLAIN },
        { "6e", "outsb (#GP)", 3, PV_PLAIN },
        { "66 6f", "outsw (#GP)", 3, PV_PLAIN },
        { "6f", "outsd (#GP)", 3, PV_PLAIN },
        { "f3 6e", "rep outsb (#GP)", 3, PV_PLAIN },
        /* the permission check comes before the count check */
        { "f3 6c", "rep insb, rcx = 0 (#GP)", 0, PV_PLAIN },
        { "f3 6e", "rep outsb, rcx = 0 (#GP)", 0, PV_PLAIN },
        { "6c", "insb, unmapped destination (#GP, not #PF)", 3,
          PV_UNMAPPED },
        { "6e", "outsb, unmapped source (#GP, not #PF)", 3, PV_UNMAPPED },
        /* #UD whatever the CPL */
        { "0f 01 ca", "clac (#UD)", 3, PV_PLAIN },
        { "0f 01 cb", "stac (#UD)", 3, PV_PLAIN },
        /* software interrupts: only the DPL 3 gates (3, 4) are allowed,
         * the others raise #GP(vector * 8 + 2) */
        { "cd 03", "int 3", 3, PV_PLAIN },
        { "cd 04", "int 4", 3, PV_PLAIN },
        { "cd 00", "int 0 (#GP)", 3, PV_PLAIN },
        { "cd 01", "int 1 (#GP)", 3, PV_PLAIN },
        { "cd 06", "int 6 (#GP)", 3, PV_PLAIN },
        { "cd 0d", "int 13 (#GP)", 3, PV_PLAIN },
        { "cd 0e", "int 14 (#GP)", 3, PV_PLAIN },
        { "cd 20", "int 0x20 (#GP)", 3, PV_PLAIN },
        { "cd ff", "int 0xff (#GP)", 3, PV_PLAIN },
        /* reading the segment registers: Linux's selectors */
        { "8c c8", "mov eax, cs", 3, PV_PLAIN },
        { "48 8c d0", "mov rax, ss", 3, PV_PLAIN },
        { "8c d8", "mov eax, ds", 3, PV_PLAIN },
        { "8c c0", "mov eax, es", 3, PV_PLAIN },
    };
    for (unsigned k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        for (int v = 0; v < 2; v++) {
            if (!begin(d, "CPL 3: %s", t[k].what)) {
                continue;
            }
            bool bad = t[k].how == PV_UNMAPPED;
            d->tc.regs[RBX] = bad ? 0x1000 : DATA_BASE + 0x100;
            d->tc.regs[RSI] = bad ? 0x1000 : DATA_BASE + 0x300;
            d->tc.regs[RDI] = bad ? 0x1000 : DATA_BASE + 0x200;
            d->tc.regs[RCX] = t[k].rcx;
            /* DX: a port (POST codes, COM1) */
            d->tc.regs[RDX] = (d->tc.regs[RDX] & ~0xffffull) |
                              (v ? 0x3f8 : 0x80);
            raw(d, t[k].hex, 0, 0);
            end(d);
        }
    }

    /*
     * POPF and IRETQ at CPL 3 cannot change IF or IOPL (nor VIF, VIP);
     * IRETQ to the same privilege level works, with the frame's CS:RIP
     * and SS:RSP; a bad selector in the frame is #GP(selector).
     */
    static const uint64_t fl[] = {
        F_FIXED,
        (F_FIXED & ~0x200ull) | 0x3000,         /* IF = 0, IOPL = 3 */
        F_FIXED | 0x3000 | F_ARITH | F_DF,      /* IOPL = 3 */
        0x2 | F_ARITH,                          /* IF = 0 */
        F_FIXED | 0x180000,                     /* VIF, VIP */
        F_FIXED | 0x4000,                       /* NT */
    };
    for (unsigned k = 0; k < sizeof(fl) / sizeof(fl[0]); k++) {
        if (begin(d, "CPL 3: popf (IF, IOPL, VIF, VIP unchanged)")) {
            d->tc.regs[R9] = fl[k];
            raw(d, "41 51", 0, 0);          /* push r9 */
            raw(d, "9d", F_CMP, 0);         /* popf */
            raw(d, "9c", 0, 0);             /* pushf */
            raw(d, "5a", 0, 0);             /* pop rdx */
            end(d);
        }
    }
    static const struct {
        uint16_t cs, ss;
        const char *what;
    } fr[] = {
        { 0x33, 0x2b, "same level" },
        { 0x10, 0x2b, "ring-0 CS (#GP)" },
        { 0x13, 0x2b, "DPL 0 CS, RPL 3 (#GP)" },
        { 0x2b, 0x2b, "data segment as CS (#GP)" },
        { 0x00, 0x2b, "null CS (#GP)" },
        { 0x33, 0x1b, "DPL 0 SS, RPL 3 (#GP)" },
        { 0x33, 0x18, "ring-0 SS (#GP)" },
        { 0x33, 0x33, "code segment as SS (#GP)" },
        { 0x33, 0x03, "null SS (#GP)" },
    };
    for (unsigned k = 0; k < sizeof(fr) / sizeof(fr[0]); k++) {
        for (unsigned f = 0; f < sizeof(fl) / sizeof(fl[0]); f++) {
            if ((k > 0 && f > 1) ||
                !begin(d, "CPL 3: iretq, %s", fr[k].what)) {
                continue;
            }
            d->tc.regs[R8] = fr[k].ss;
            d->tc.regs[R9] = fl[f] & ~0x4000ull;    /* NT: below */
            d->tc.regs[R10] = fr[k].cs;
            raw(d, "48 89 e0", 0, 0);               /* mov rax, rsp */
            raw(d, "41 50", 0, 0);                  /* push r8 (SS) */
            raw(d, "50", 0, 0);                     /* push rax (RSP) */
            raw(d, "41 51", 0, 0);                  /* push r9 (RFLAGS) */
            raw(d, "41 52", 0, 0);                  /* push r10 (CS) */
            raw(d, "48 8d 0d 03 00 00 00", 0, 0);   /* lea rcx, [rip+3] */
            raw(d, "51", 0, 0);                     /* push rcx (RIP) */
            raw(d, "48 cf", F_CMP, 0);              /* iretq */
            raw(d, "9c", 0, 0);                     /* pushf */
            raw(d, "5a", 0, 0);                     /* pop rdx */
            end(d);
        }
    }
    if (begin(d, "CPL 3: iretq with NT set (#GP)")) {
        raw(d, "68 02 42 00 00", 0, 0);         /* push NT | IF | 2 */
        raw(d, "9d", F_CMP, 0);                 /* popf */
        raw(d, "48 cf", F_CMP, 0);              /* iretq */
        end(d);
    }
    static const struct {
        uint16_t cs;
        const char *what;
    } lr[] = {
        { 0x33, "same level" },
        { 0x10, "ring-0 CS (#GP)" },
        { 0x13, "DPL 0 CS, RPL 3 (#GP)" },
    };
    for (unsigned k = 0; k < sizeof(lr) / sizeof(lr[0]); k++) {
        if (!begin(d, "CPL 3: lretq, %s", lr[k].what)) {
            continue;
        }
        d->tc.regs[R10] = lr[k].cs;
        raw(d, "41 52", 0, 0);                  /* push r10 (CS) */
        raw(d, "48 8d 0d 03 00 00 00", 0, 0);   /* lea rcx, [rip+3] */
        raw(d, "51", 0, 0);                     /* push rcx (RIP) */
        raw(d, "48 cb", 0, 0);                  /* lretq */
        raw(d, "ff c0", F_ARITH & ~F_CF, 0);    /* inc eax */
        end(d);
    }
}

/* ----- the rest ----- */

static void gen_misc(D *d)
{
    for (int k = 0; k < 11; k++) {
        if (begin(d, "nop (form %d)", k)) {
            g_nop(&d->b, k);
            end(d);
        }
    }
    /* opcodes that are invalid in 64-bit mode: #UD on both */
    static const uint8_t inval[][3] = {
        { 1, 0x06 }, { 1, 0x07 }, { 1, 0x0e }, { 1, 0x16 }, { 1, 0x17 },
        { 1, 0x1e }, { 1, 0x1f }, { 1, 0x27 }, { 1, 0x2f }, { 1, 0x37 },
        { 1, 0x3f }, { 1, 0x60 }, { 1, 0x61 }, { 2, 0xd4, 0x0a },
        { 2, 0xd5, 0x0a }, { 1, 0xd6 }, { 1, 0xce }, { 2, 0x82, 0xc0 },
        { 2, 0x0f, 0x0b }, { 2, 0x0f, 0xb9 }, { 2, 0x0f, 0xff },
    };
    for (unsigned k = 0; k < sizeof(inval) / sizeof(inval[0]); k++) {
        char hex[8];
        if (inval[k][0] > 1) {
            snprintf(hex, sizeof(hex), "%02x %02x", inval[k][1], inval[k][2]);
        } else {
            snprintf(hex, sizeof(hex), "%02x", inval[k][1]);
        }
        if (!begin(d, "invalid in 64-bit mode: %s (#UD)", hex)) {
            continue;
        }
        b_start(&d->b);
        b_bytes(&d->b, inval[k] + 1, inval[k][0]);
        b_flags(&d->b, 0, 0, 0);
        end(d);
    }
    /* int3 in the middle */
    if (begin(d, "int3")) {
        g_int3(&d->b);
        g_incdec(&d->b, false, 32, R(RAX));
        end(d);
    }
}

void directed_generate(TestSink sink, void *opaque, const char *filter)
{
    D *d = calloc(1, sizeof(*d));
    d->sink = sink;
    d->opaque = opaque;
    d->filter = filter;
    d->rng.s = 0xd1ec7edull;
    gen_alu(d);
    gen_test(d);
    gen_unary(d);
    gen_muldiv(d);
    gen_shift(d);
    gen_shxd(d);
    gen_bt(d);
    gen_bsx(d);
    gen_bswap(d);
    gen_xchg(d);
    gen_mov(d);
    gen_lea(d);
    gen_cond(d);
    gen_stack(d);
    gen_string(d);
    gen_flags(d);
    gen_misc(d);
    gen_prefixes(d);
    gen_smc(d);
    gen_edges(d);
    gen_precise(d);
    gen_cpl3(d);
    gen_alignment_check(d);
    gen_bitcnt(d);
    gen_movbe(d);
    gen_adx(d);
    gen_bmi(d);
    gen_newflags(d);
    gen_idiv_overflow(d);
    gen_newext_edges(d);
    gen_smc_rmw(d);
    x87_directed_generate(sink, opaque, filter);
    if (d->dropped) {
        fprintf(stderr, "cputest: directed: %" PRIu64 " tests could not be "
                "built (generator bug)\n", d->dropped);
    }
    free(d);
}
