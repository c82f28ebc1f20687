/*
 * Random mode: sequences of 1-8 instructions drawn from the directed forms,
 * with random operands and random initial registers.
 *
 * Registers have roles so that memory operands stay useful:
 *   RBX, RSI, RDI  point into the data pages (string ops move RSI/RDI a bit)
 *   RBP            points into the stack page
 *   R12            a small signed index
 *   RSP            the stack
 *   the others     free: any value, and the only registers instructions
 *                  write (besides the implicit ones: string ops, push/pop,
 *                  enter)
 * Sources may be any register. The builder tracks which flags are undefined;
 * an instruction that would read one is replaced by another draw.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "gen.h"

static const int FREE[] = { RAX, RCX, RDX, R8, R9, R10, R11, R13, R14, R15 };
#define NFREE 10
static const int PTRS[] = { RBX, RSI, RDI };

typedef struct G {
    Rng *r;
    Builder *b;
    TestCase *tc;
} G;

static uint64_t rb(G *g, uint64_t n)
{
    return rng_below(g->r, n);
}

static uint64_t maskof(int sz)
{
    return sz == 64 ? ~0ull : (1ull << sz) - 1;
}

/* An interesting value */
static uint64_t rval(G *g)
{
    static const uint64_t edge[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
        0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0xffffffffffffffffull, 0xfffffffffffffffeull,
        0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull, 0x8000000000000001ull,
    };
    switch (rb(g, 8)) {
    case 0:
    case 1:
        return edge[rb(g, sizeof(edge) / sizeof(edge[0]))];
    case 2:
        return rb(g, 33) - 16;
    case 3:
        return 1ull << rb(g, 64);
    case 4: {
        int sz = 8 << rb(g, 3);
        uint64_t h = 1ull << (sz - 1);
        uint64_t v[4] = { h - 1, h, h | (h - 1), h + 1 };
        return v[rb(g, 4)] | (rb(g, 2) ? rng_next(g->r) & ~maskof(sz) : 0);
    }
    default:
        return rng_next(g->r);
    }
}

static int rsize(G *g)
{
    return 8 << rb(g, 4);
}

static int rdst(G *g, int sz)
{
    if (sz == 8 && rb(g, 5) == 0) {
        return REG_AH + (int)rb(g, 3);   /* AH, CH, DH */
    }
    return FREE[rb(g, NFREE)];
}

static int rsrc(G *g, int sz)
{
    if (sz == 8 && rb(g, 5) == 0) {
        return REG_AH + (int)rb(g, 4);
    }
    int r = (int)rb(g, 16);
    return r == RSP && rb(g, 4) ? RAX : r;
}

static Opnd rmem(G *g, int bytes)
{
    Opnd o;
    int32_t d8 = (int32_t)rb(g, 128) - 64;
    if (rb(g, 40) == 0) {
        /* through a free register: most likely a fault, which must be
         * precise wherever it happens in the block */
        return M(FREE[rb(g, NFREE)], -1, 1, d8);
    }
    switch (rb(g, 10)) {
    case 0: case 1: case 2: case 3:
        o = M(PTRS[rb(g, 3)], rb(g, 3) ? -1 : R12, 1 << rb(g, 4), d8);
        break;
    case 4:
        o = M(RBP, -1, 1, d8);
        break;
    case 5:
        o = M(RSP, rb(g, 4) ? -1 : R12, 1 << rb(g, 4), d8 & ~7);
        break;
    case 6:
        o = MRIP(DATA_BASE + rb(g, DATA_SIZE - (unsigned)bytes + 1));
        break;
    case 7:
        o = M(BASE_NONE, -1, 1,
              (int32_t)(DATA_BASE + rb(g, DATA_SIZE - (unsigned)bytes + 1)));
        break;
    default:
        o = M(PTRS[rb(g, 3)], -1, 1, d8);
        o.addr32 = true;
        break;
    }
    if (o.base >= 0 && o.base < 16 && rb(g, 4) == 0) {
        o.dispsz = 4;
    }
    return o;
}

static Opnd rrm(G *g, int sz, bool dst)
{
    if (rb(g, 2)) {
        return rmem(g, sz / 8);
    }
    return R(dst ? rdst(g, sz) : rsrc(g, sz));
}

static uint64_t rimm(G *g)
{
    return rb(g, 2) ? rval(g) : rng_next(g->r);
}

static void maybe_prefix(G *g, Opnd rm)
{
    if (rb(g, 20) == 0) {
        static const uint8_t segs[4] = { 0x26, 0x2e, 0x36, 0x3e };
        g->b->seg = segs[rb(g, 4)];
    }
    (void)rm;
}

/* ----- one instruction (or a short composite) per group ----- */

static void r_alu(G *g)
{
    int op = (int)rb(g, 8), sz = rsize(g);
    Opnd rm = rrm(g, sz, op != ALU_CMP);
    maybe_prefix(g, rm);
    if (rm.mem && op != ALU_CMP && rb(g, 8) == 0) {
        g->b->lock = true;
    }
    switch (rb(g, 5)) {
    case 0:
        g_alu_rm_r(g->b, op, sz, rm, rsrc(g, sz));
        break;
    case 1:
        g->b->lock = false;
        g_alu_r_rm(g->b, op, sz, rdst(g, sz), rb(g, 2) ? rmem(g, sz / 8)
                                                       : R(rsrc(g, sz)));
        break;
    case 2:
        g->b->lock = false;
        g_alu_acc_imm(g->b, op, sz, rimm(g));
        break;
    case 3:
        g_alu_rm_imm(g->b, op, sz, rm, rimm(g));
        break;
    default:
        if (sz == 8) {
            g_alu_rm_imm(g->b, op, sz, rm, rimm(g));
        } else {
            g_alu_rm_imm8(g->b, op, sz, rm, rimm(g));
        }
        break;
    }
}

static void r_test(G *g)
{
    int sz = rsize(g);
    switch (rb(g, 3)) {
    case 0:
        g_test_rm_r(g->b, sz, rrm(g, sz, false), rsrc(g, sz));
        break;
    case 1:
        g_test_acc_imm(g->b, sz, rimm(g));
        break;
    default:
        g_test_rm_imm(g->b, sz, rrm(g, sz, false), rimm(g));
        break;
    }
}

static void r_unary(G *g)
{
    int sz = rsize(g);
    Opnd rm = rrm(g, sz, true);
    if (rm.mem && rb(g, 8) == 0) {
        g->b->lock = true;
    }
    int k = (int)rb(g, 4);
    if (k < 2) {
        g_incdec(g->b, k, sz, rm);
    } else {
        g_grp3(g->b, k, sz, rm);
    }
}

static void r_muldiv(G *g)
{
    int sz = rsize(g), ext = 4 + (int)rb(g, 4);
    Opnd rm = rrm(g, sz, false);
    if (ext >= 6 && rb(g, 2)) {
        /* a dividend that often fits: clear or sign-extend the high half */
        if (ext == 7) {
            if (sz == 8) {
                g_cbw(g->b, 16);
            } else {
                g_cwd(g->b, sz);
            }
        } else if (sz == 8) {
            g_mov_r_imm(g->b, 8, REG_AH, 0);
        } else {
            g_alu_rm_r(g->b, ALU_XOR, 32, R(RDX), RDX);
        }
    }
    g_grp3(g->b, ext, sz, rm);
}

static void r_imul(G *g)
{
    int sz = 16 << rb(g, 3);
    int d = rdst(g, 64);
    switch (rb(g, 3)) {
    case 0:
        g_imul_r_rm(g->b, sz, d, rrm(g, sz, false));
        break;
    case 1:
        g_imul_r_rm_imm(g->b, sz, d, rrm(g, sz, false), rimm(g), false);
        break;
    default:
        g_imul_r_rm_imm(g->b, sz, d, rrm(g, sz, false), rimm(g), true);
        break;
    }
}

static void r_shift(G *g)
{
    static const int exts[7] = { 0, 1, 2, 3, 4, 5, 7 };
    int sz = rsize(g), form = (int)rb(g, 3);
    uint8_t imm = (uint8_t)(rb(g, 3) ? rb(g, sz + 2) : rng_next(g->r));
    g_shift(g->b, exts[rb(g, 7)], sz, rrm(g, sz, true), form, imm, -1);
}

static void r_shxd(G *g)
{
    int sz = 16 << rb(g, 3);
    bool cl = sz != 16 && rb(g, 2);
    uint8_t imm = (uint8_t)rb(g, sz == 16 ? 17 : 256);
    int src = rsrc(g, sz);
    if (src >= REG_AH) {
        src = RDX;
    }
    g_shxd(g->b, rb(g, 2), sz, rrm(g, sz, true), src, cl, imm, -1);
}

static void r_bt(G *g)
{
    int sz = 16 << rb(g, 3), op = (int)rb(g, 4);
    Opnd rm = rrm(g, sz, op != 0);
    if (rm.mem && op && rb(g, 8) == 0) {
        g->b->lock = true;
    }
    if (rb(g, 2)) {
        g_bt_imm(g->b, op, sz, rm, (uint8_t)rng_next(g->r));
    } else {
        /* a memory bit string is addressed by the offset: keep it small */
        int src = rm.mem ? R12 : rsrc(g, sz);
        if (src >= REG_AH) {
            src = RCX;
        }
        g_bt_r(g->b, op, sz, rm, src);
    }
}

static void r_bsx(G *g)
{
    int sz = 16 << rb(g, 3);
    int d = rdst(g, 64);
    g_bsx(g->b, rb(g, 2), sz, d, rrm(g, sz, false));
    if (sz == 32) {
        /* a zero source leaves bits 63:32 host-dependent: normalise */
        g_mov_rm_r(g->b, 32, R(d), d);
    }
}

static void r_xchg(G *g)
{
    int sz = rsize(g);
    int s = rdst(g, sz);
    Opnd rm = rrm(g, sz, true);
    if (s >= REG_AH && rm.mem && rm.base >= 8) {
        s = RCX;
    }
    switch (rb(g, 4)) {
    case 0:
        if (sz != 8) {
            g_xchg_acc(g->b, sz, rdst(g, 64));
            break;
        }
        /* fall through */
    case 1:
        if (rm.mem && rb(g, 4) == 0) {
            g->b->lock = true;
        }
        g_xchg(g->b, sz, rm, s);
        break;
    case 2:
        if (rm.mem && rb(g, 4) == 0) {
            g->b->lock = true;
        }
        g_xadd(g->b, sz, rm, s);
        break;
    default:
        if (rm.mem && rb(g, 4) == 0) {
            g->b->lock = true;
        }
        g_cmpxchg(g->b, sz, rm, rsrc(g, sz));
        break;
    }
}

static void r_cmpxchg8b(G *g)
{
    bool w = rb(g, 2);
    Opnd m = rmem(g, w ? 16 : 8);
    if (rb(g, 2)) {
        /* make it likely to succeed: load rDX:rAX from the operand */
        g_mov_r_rm(g->b, w ? 64 : 32, RAX, m);
        Opnd hi = m;
        if (hi.base == BASE_RIP) {
            hi.target += w ? 8 : 4;
        } else {
            hi.disp += w ? 8 : 4;
        }
        g_mov_r_rm(g->b, w ? 64 : 32, RDX, hi);
    }
    if (rb(g, 2)) {
        g->b->lock = true;
    }
    g_cmpxchg8b(g->b, w, m);
}

static void r_movx(G *g)
{
    int d = rdst(g, 64);
    switch (rb(g, 3)) {
    case 0: {
        int ssz = rb(g, 2) ? 8 : 16;
        int dsz = ssz == 8 ? 16 << rb(g, 3) : 32 << rb(g, 2);
        if (rb(g, 6) == 0) {
            dsz = 16;
            ssz = 16;
        }
        Opnd rm = rrm(g, ssz, false);
        if (!rm.mem && rm.reg >= REG_AH && (dsz == 64 || d >= 8)) {
            rm.reg = RBX;
        }
        g_movx(g->b, rb(g, 2), dsz, ssz, d, rm);
        break;
    }
    case 1:
        g_movsxd(g->b, 16 << rb(g, 3), d, rrm(g, 32, false));
        break;
    default:
        if (rb(g, 2)) {
            g_cbw(g->b, 16 << rb(g, 3));
        } else {
            g_cwd(g->b, 16 << rb(g, 3));
        }
        break;
    }
}

static void r_mov(G *g)
{
    int sz = rsize(g);
    switch (rb(g, 5)) {
    case 0: {
        Opnd rm = rrm(g, sz, true);
        int s = rsrc(g, sz);
        if (s >= REG_AH && rm.mem) {
            s = RBX;
        }
        maybe_prefix(g, rm);
        g_mov_rm_r(g->b, sz, rm, s);
        break;
    }
    case 1: {
        Opnd rm = rrm(g, sz, false);
        int dd = rdst(g, sz);
        if (dd >= REG_AH && rm.mem) {
            dd = RDX;
        }
        g_mov_r_rm(g->b, sz, dd, rm);
        break;
    }
    case 2:
        g_mov_rm_imm(g->b, sz, rrm(g, sz, true), rimm(g));
        break;
    case 3:
        g_mov_r_imm(g->b, sz, rdst(g, sz), rimm(g));
        break;
    default:
        g_mov_moffs(g->b, sz, rb(g, 2),
                    DATA_BASE + rb(g, DATA_SIZE - (unsigned)sz / 8 + 1));
        break;
    }
}

static void r_lea(G *g)
{
    int sz = 16 << rb(g, 3);
    Opnd m;
    int base = (int)rb(g, 18) - 1;        /* -1 none, 16 rip */
    int index = rb(g, 2) ? (int)rb(g, 16) : -1;
    if (index == RSP) {
        index = -1;
    }
    int32_t disp = rb(g, 2) ? (int32_t)rb(g, 256) - 128 : (int32_t)rng_next(g->r);
    if (base == BASE_RIP) {
        m = MRIP(CODE_BASE + (uint64_t)(int64_t)disp);
    } else {
        m = M(base, index, 1 << rb(g, 4), disp);
    }
    m.addr32 = rb(g, 4) == 0;
    g_lea(g->b, sz, rdst(g, 64), m);
}

static void r_setcc(G *g)
{
    int cc = (int)rb(g, 16);
    if (rb(g, 2)) {
        g_setcc(g->b, cc, rrm(g, 8, true));
    } else {
        int sz = 16 << rb(g, 3);
        g_cmovcc(g->b, cc, sz, rdst(g, 64), rrm(g, sz, false));
    }
}

static void r_stack(G *g)
{
    int sz = rb(g, 5) ? 64 : 16;
    switch (rb(g, 8)) {
    case 0:
        g_push_r(g->b, sz, (int)rb(g, 16));
        break;
    case 1:
        g_pop_r(g->b, sz, rdst(g, 64));
        break;
    case 2:
        g_push_imm(g->b, sz, rimm(g), rb(g, 2));
        break;
    case 3:
        g_push_rm(g->b, sz, rmem(g, sz / 8));
        break;
    case 4:
        g_pop_rm(g->b, sz, rmem(g, sz / 8));
        break;
    case 5:
        /* call next; pop */
        g_call_rel(g->b, 0);
        g_pop_r(g->b, 64, rdst(g, 64));
        break;
    case 6:
        /* call f; jmp over; f: ret [imm] */
        if (rb(g, 2)) {
            g_call_rel(g->b, 2);
            g_jmp(g->b, 1, false);
            g_ret(g->b, -1);
        } else {
            g_call_rel(g->b, 2);
            g_jmp(g->b, 3, false);
            g_ret(g->b, (int)(rb(g, 8) * 8));
        }
        break;
    default: {
        /* enter [.. leave] */
        uint8_t level = (uint8_t)(rb(g, 3) ? rb(g, 3) : rb(g, 40));
        g_enter(g->b, sz, (uint16_t)rb(g, 64), level);
        if (rb(g, 2)) {
            g_leave(g->b, sz);
        }
        break;
    }
    }
}

static void r_string(G *g)
{
    int kind = (int)rb(g, 5), sz = rsize(g);
    bool cmp = kind == STR_CMPS || kind == STR_SCAS;
    bool a32 = rb(g, 8) == 0;
    if (rb(g, 3)) {
        int64_t n = (int64_t)rb(g, 13);
        g_mov_r_imm(g->b, 32, RCX, (uint64_t)n);
        g_string(g->b, kind, sz, cmp && rb(g, 2) ? 0xf2 : 0xf3, a32, n);
    } else {
        g_string(g->b, kind, sz, 0, a32, 1);
    }
}

static void r_flags(G *g)
{
    static const uint8_t ops[7] = { 0xf8, 0xf9, 0xf5, 0xfc, 0xfd, 0x9e, 0x9f };
    switch (rb(g, 4)) {
    case 0:
        g_flagop(g->b, 0x9c, rb(g, 5) ? 64 : 16);
        break;
    case 1: {
        uint64_t f = (rng_next(g->r) & F_CMP) | F_FIXED;
        if (rb(g, 2)) {
            f &= ~(uint64_t)F_DF;
        }
        g_push_imm(g->b, 64, f, false);
        g_flagop(g->b, 0x9d, 64);
        break;
    }
    default:
        g_flagop(g->b, ops[rb(g, 7)], 32);
        break;
    }
}

static void r_misc(G *g)
{
    switch (rb(g, 3)) {
    case 0:
        g_xlat(g->b);
        break;
    case 1:
        g_nop(g->b, (int)rb(g, 11));
        break;
    default:
        g_bswap(g->b, rb(g, 2) ? 32 : 64, rdst(g, 64));
        break;
    }
}

/* POPCNT, LZCNT, TZCNT */
static void r_bitcnt(G *g)
{
    int sz = 16 << rb(g, 3);
    g_bitcnt(g->b, (int)rb(g, 3), sz, rdst(g, 64), rrm(g, sz, false));
}

static void r_movbe(G *g)
{
    int sz = 16 << rb(g, 3);
    Opnd m = rmem(g, sz / 8);
    maybe_prefix(g, m);
    if (rb(g, 2)) {
        g_movbe(g->b, true, sz, rsrc(g, sz), m);
    } else {
        g_movbe(g->b, false, sz, rdst(g, sz), m);
    }
}

/* ADCX, ADOX: sometimes a short chain of both */
static void r_adx(G *g)
{
    int sz = rb(g, 2) ? 32 : 64;
    int n = rb(g, 3) ? 1 : 2 + (int)rb(g, 3);
    for (int i = 0; i < n; i++) {
        g_adx(g->b, rb(g, 2), sz, rdst(g, 64), rrm(g, sz, false));
    }
}

/* BMI1, BMI2. Controls and counts in a register: often a fresh interesting
 * value (BEXTR start/length, BZHI index) */
static void r_bmi(G *g)
{
    int op = (int)rb(g, BMI_NB), sz = rb(g, 2) ? 32 : 64;
    int r = rdst(g, 64), v;
    switch (op) {
    case BMI_BLSR: case BMI_BLSMSK: case BMI_BLSI: case BMI_MULX:
        v = rdst(g, 64);        /* written */
        break;
    case BMI_BEXTR: case BMI_BZHI: case BMI_SARX: case BMI_SHLX:
    case BMI_SHRX:
        if (rb(g, 2)) {
            v = rdst(g, 64);
            uint64_t c = rb(g, 72);
            if (op == BMI_BEXTR) {
                c |= rb(g, 72) << 8;    /* length */
            }
            if (rb(g, 4) == 0) {
                c |= rng_next(g->r) << 16;
            }
            g_mov_r_imm(g->b, 64, v, c);
            break;
        }
        v = rsrc(g, 64);
        break;
    default:
        v = rsrc(g, 64);
        break;
    }
    Opnd rm = rrm(g, sz, false);
    maybe_prefix(g, rm);
    g_bmi(g->b, op, sz, r, v, rm, (uint8_t)rng_next(g->r));
}

typedef void (*RFn)(G *g);
static const struct {
    RFn fn;
    int weight;
    bool simple;    /* one instruction: may be skipped by a branch */
} groups[] = {
    { r_alu, 24, false },
    { r_test, 4, true },
    { r_unary, 6, false },
    { r_muldiv, 5, false },
    { r_imul, 4, true },
    { r_shift, 10, true },
    { r_shxd, 4, true },
    { r_bt, 5, false },
    { r_bsx, 3, false },
    { r_xchg, 6, false },
    { r_cmpxchg8b, 1, false },
    { r_movx, 5, true },
    { r_mov, 6, false },
    { r_lea, 5, true },
    { r_setcc, 6, true },
    { r_stack, 5, false },
    { r_string, 5, false },
    { r_flags, 5, false },
    { r_misc, 2, true },
    { r_bitcnt, 3, true },
    { r_movbe, 2, true },
    { r_adx, 3, false },
    { r_bmi, 8, false },
};
#define NGROUPS (int)(sizeof(groups) / sizeof(groups[0]))

static int pick_group(G *g, bool simple_only)
{
    int total = 0;
    for (int i = 0; i < NGROUPS; i++) {
        if (!simple_only || groups[i].simple) {
            total += groups[i].weight;
        }
    }
    int x = (int)rb(g, (uint64_t)total);
    for (int i = 0; i < NGROUPS; i++) {
        if (!simple_only || groups[i].simple) {
            if (x < groups[i].weight) {
                return i;
            }
            x -= groups[i].weight;
        }
    }
    return 0;
}

typedef struct Saved {
    uint32_t code_len;
    uint16_t nb_insns, nb_patch, undef;
    bool lock;
    uint8_t seg;
} Saved;

static Saved save(G *g)
{
    return (Saved){ g->tc->code_len, g->tc->nb_insns, g->tc->nb_patch,
                    g->b->undef, false, 0 };
}

static void restore(G *g, const Saved *s)
{
    g->tc->code_len = s->code_len;
    g->tc->nb_insns = s->nb_insns;
    g->tc->nb_patch = s->nb_patch;
    g->b->undef = s->undef;
    g->b->bad = false;
    g->b->reads = 0;
    g->b->lock = false;
    g->b->seg = 0;
}

/* One group's output; false (and nothing emitted) if it could not be
 * encoded or would read an undefined flag. */
static bool try_group(G *g, int grp)
{
    Saved s = save(g);
    g->b->reads = 0;
    groups[grp].fn(g);
    if (g->b->bad || g->b->reads || g->tc->nb_insns > MAX_INSNS - 4 ||
        g->tc->code_len > MAX_CODE - 64) {
        restore(g, &s);
        return false;
    }
    return true;
}

/* A conditional branch (or loop) over one simple instruction */
static bool try_branch(G *g)
{
    Saved s = save(g);
    g->b->reads = 0;
    int kind = (int)rb(g, 6);
    int at = b_pos(g->b);
    if (kind < 4) {
        g_jcc(g->b, (int)rb(g, 16), 0, kind == 3);
    } else if (kind == 4) {
        g_loop(g->b, (int)rb(g, 4), 0, rb(g, 4) == 0);
    } else {
        g_jmp(g->b, 0, rb(g, 2));
    }
    int after = b_pos(g->b);
    uint16_t u = g->b->undef;
    if (g->b->bad || g->b->reads) {
        restore(g, &s);
        return false;
    }
    bool ok = false;
    for (int tries = 0; tries < 8 && !ok; tries++) {
        ok = try_group(g, pick_group(g, true));
    }
    if (!ok || g->b->bad || g->b->reads) {
        restore(g, &s);
        return false;
    }
    /* the skipped instruction may or may not have run */
    g->b->undef |= u;
    g->tc->undef[g->tc->nb_insns - 1] = g->b->undef;
    int len = b_pos(g->b) - after;
    int32_t rel = len;
    int immsz = after - at - (g->tc->code[at] == 0x0f ? 2 :
                              g->tc->code[at] == 0x67 ? 2 : 1);
    for (int i = 0; i < immsz; i++) {
        g->tc->code[after - immsz + i] = (uint8_t)((uint32_t)rel >> (8 * i));
    }
    return true;
}

void random_generate_one(Rng *rng, TestCase *tc)
{
    Builder b;
    G g = { rng, &b, tc };

    if (rng_below(rng, 8) == 0) {
        x87_random_generate_one(rng, tc);
        return;
    }
    memset(tc, 0, offsetof(TestCase, code));
    snprintf(tc->name, sizeof(tc->name), "random");
    for (int i = 0; i < 16; i++) {
        tc->regs[i] = rval(&g);
    }
    for (int i = 0; i < 3; i++) {
        tc->regs[PTRS[i]] = DATA_BASE + 0x200 + rb(&g, DATA_SIZE - 0x400);
        if (rb(&g, 10) == 0) {
            /* near an edge of the data pages: accesses run off them */
            tc->regs[PTRS[i]] = rb(&g, 2) ? DATA_BASE + rb(&g, 0x60)
                                          : DATA_BASE + DATA_SIZE - rb(&g, 0x60);
        }
    }
    tc->regs[RBP] = STACK_BASE + 0x900 + rb(&g, 0x600);
    tc->regs[R12] = rb(&g, 17) - 8;
    tc->regs[RSP] = STACK_INIT;
    tc->rflags = (rng_next(rng) & F_ARITH) | (rb(&g, 5) == 0 ? F_DF : 0);
    tc->mem_seed = rng_next(rng);
    b_init(&b, tc);

    int n = 1 + (int)rb(&g, 8);
    for (int i = 0; i < n; i++) {
        bool ok = false;
        for (int tries = 0; tries < 16 && !ok; tries++) {
            if (rb(&g, 12) == 0) {
                ok = try_branch(&g);
            } else {
                ok = try_group(&g, pick_group(&g, false));
            }
        }
    }
    if (tc->nb_insns == 0) {
        g_nop(&b, 0);
    }
    b_finish(&b);
}
