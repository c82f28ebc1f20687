/*
 * Tests in 32-bit code segments (compatibility mode): `cputest --mode 32`.
 *
 * The snippet runs at CPL 3 with CS = 0x23 (Linux's user 32-bit code
 * segment), SS = DS = ES = 0x2b (flat), FS null and GS = an LDT data
 * segment with base DATA_BASE and limit 0xffff (installed with modify_ldt
 * natively), so that 16-bit addresses (67h) reach the data pages through a
 * GS override: with EBX = DATA_BASE + 0x100, ESI = DATA_BASE + 0x800,
 * EDI = DATA_BASE + 0x1000 and EBP = STACK_BASE + 0x700, gs:[bx+si] is
 * DATA_BASE + 0x900 and so on. A test may also ask for ES = that segment
 * (es_ldt), for 16-bit-addressed string destinations (ES:DI).
 *
 * A small encoder of its own (no REX; 66h = 16-bit operands, 67h = 16-bit
 * addressing with the 16-bit ModRM forms), a directed table and a random
 * generator. Only the low 32 bits of EAX..EDI are compared (main.c).
 */
#include <stdio.h>
#include <string.h>

#include "cputest.h"

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

/* 16-bit ModRM r/m: [bx+si] [bx+di] [bp+si] [bp+di] [si] [di] [bp] [bx];
 * A16_ABS: mod 00 r/m 110, disp16 */
#define A16_ABS 8

/* An operand: register, 32-bit-addressed or 16-bit-addressed memory */
typedef struct Op {
    int kind;           /* 0 reg, 1 mem32, 2 mem16 */
    int reg;
    int base, index, scale;    /* mem32: -1 for none */
    int rm16;           /* mem16 */
    int32_t disp;
    uint8_t seg;        /* segment-override prefix, 0 for none */
} Op;

static Op REG(int r) { return (Op){ .kind = 0, .reg = r }; }
static Op M32(int base, int index, int scale, int32_t disp)
{
    return (Op){ .kind = 1, .base = base, .index = index, .scale = scale,
                 .disp = disp };
}
/* 16-bit addressing, through GS (the LDT data segment) */
static Op M16(int rm16, int32_t disp)
{
    return (Op){ .kind = 2, .rm16 = rm16, .disp = disp, .seg = 0x65 };
}
static Op SEG(Op o, uint8_t seg)
{
    o.seg = seg;
    return o;
}

/* ----- the builder ----- */

/* The code segment's default operand and address size: 32, or 16 for
 * `--mode 16` (a 16-bit code segment: there 66h/67h select 32 bits) */
static int g_bits = 32;

typedef struct CB {
    TestCase *tc;
    int pos, n;
    uint16_t u;         /* flags undefined now */
    bool jumps;         /* control flow: undefined flags stay undefined */
    int start;
} CB;

static void cb_begin(CB *b, TestCase *tc, const char *name)
{
    memset(tc, 0, offsetof(TestCase, code));
    memset(tc->code, 0xcc, MAX_CODE);
    tc->cmode = g_bits == 16 ? TC_MODE16 : TC_MODE32;
    snprintf(tc->name, sizeof(tc->name), "%s", name);
    b->tc = tc;
    b->pos = b->n = 0;
    b->u = 0;
    b->jumps = false;
}

static void e8(CB *b, unsigned v)
{
    if (b->pos < MAX_CODE - 1) {
        b->tc->code[b->pos++] = (uint8_t)v;
    }
}
static void e16(CB *b, unsigned v)
{
    e8(b, v & 0xff);
    e8(b, (v >> 8) & 0xff);
}
static void e32(CB *b, uint32_t v)
{
    e16(b, v & 0xffff);
    e16(b, v >> 16);
}


/* 66h when the operand size sz (8, 16, 32) is not the default */
static void osz(CB *b, int sz)
{
    if (sz != 8 && sz != g_bits) {
        e8(b, 0x66);
    }
}

/* 67h when the address size (16-bit addressing or not) is not the default */
static void asz(CB *b, bool a16)
{
    if ((a16 ? 16 : 32) != g_bits) {
        e8(b, 0x67);
    }
}

static void ins_start(CB *b)
{
    b->start = b->pos;
    if (b->n < MAX_INSNS) {
        b->tc->insn_off[b->n] = (uint16_t)b->pos;
    }
}

/* The instruction writes `writes` (flags it changes, defined or not),
 * of which `undef` are left undefined. */
static void ins_end(CB *b, uint16_t writes, uint16_t undef)
{
    if (b->jumps) {
        b->u |= undef;
    } else {
        b->u = (uint16_t)((b->u & ~writes) | undef);
    }
    if (b->n < MAX_INSNS) {
        b->tc->undef[b->n++] = b->u;
    }
}

static void cb_end(CB *b)
{
    TestCase *tc = b->tc;
    tc->insn_off[b->n] = (uint16_t)b->pos;
    tc->nb_insns = (uint16_t)b->n;
    e8(b, 0xcc);
    tc->code_len = (uint32_t)b->pos;
}

/* prefixes: segment, 66 (sz 16), 67 (16-bit addressing) */
static void prefixes(CB *b, int sz, const Op *rm)
{
    if (rm && rm->kind && rm->seg) {
        e8(b, rm->seg);
    }
    osz(b, sz);
    if (rm && rm->kind) {
        asz(b, rm->kind == 2);
    }
}

static void modrm(CB *b, int regf, const Op *o)
{
    regf &= 7;
    if (o->kind == 0) {
        e8(b, 0xc0 | regf << 3 | (o->reg & 7));
        return;
    }
    int32_t d = o->disp;
    if (o->kind == 2) {
        if (o->rm16 == A16_ABS) {
            e8(b, regf << 3 | 6);
            e16(b, (unsigned)d);
            return;
        }
        int mod = d == 0 && o->rm16 != 6 ? 0 : d >= -128 && d <= 127 ? 1 : 2;
        e8(b, mod << 6 | regf << 3 | o->rm16);
        if (mod == 1) {
            e8(b, (unsigned)d);
        } else if (mod == 2) {
            e16(b, (unsigned)d);
        }
        return;
    }
    if (o->base < 0 && o->index < 0) {
        e8(b, regf << 3 | 5);
        e32(b, (uint32_t)d);
        return;
    }
    bool sib = o->index >= 0 || o->base == ESP || o->base < 0;
    int mod = o->base < 0 ? 0 :
              d == 0 && o->base != EBP ? 0 : d >= -128 && d <= 127 ? 1 : 2;
    e8(b, mod << 6 | regf << 3 | (sib ? 4 : o->base));
    if (sib) {
        int ss = o->scale == 8 ? 3 : o->scale == 4 ? 2 : o->scale == 2 ? 1 : 0;
        e8(b, ss << 6 | (o->index >= 0 ? o->index : 4) << 3 |
                  (o->base >= 0 ? o->base : 5));
    }
    if (o->base < 0 || mod == 2) {
        e32(b, (uint32_t)d);
    } else if (mod == 1) {
        e8(b, (unsigned)d);
    }
}

static void imm(CB *b, int isz, uint32_t v)
{
    if (isz == 8) {
        e8(b, v);
    } else if (isz == 16) {
        e16(b, v);
    } else if (isz == 32) {
        e32(b, v);
    }
}

/* A generic instruction: [rep] [seg] [66] [67] opcode(s) modrm imm */
static void insn(CB *b, int rep, int sz, const uint8_t *opc, int nopc,
                 int regf, Op rm, int isz, uint32_t iv)
{
    ins_start(b);
    if (rep) {
        e8(b, rep);
    }
    prefixes(b, sz, &rm);
    for (int i = 0; i < nopc; i++) {
        e8(b, opc[i]);
    }
    modrm(b, regf, &rm);
    imm(b, isz, iv);
}

/* Bytes as one instruction (no ModRM) */
static void raw(CB *b, const uint8_t *p, int n)
{
    ins_start(b);
    for (int i = 0; i < n; i++) {
        e8(b, p[i]);
    }
}
#define RAW(b, ...) do { \
        const uint8_t r_[] = { __VA_ARGS__ }; \
        raw((b), r_, (int)sizeof(r_)); \
    } while (0)

/* ----- the forms ----- */

static const uint8_t alu_reads[8] = { 0, 0, 1, 1, 0, 0, 0, 0 };

/* op r/m, reg (dir 0) or reg, r/m (dir 1) */
static void f_alu(CB *b, int op, int sz, Op rm, int reg, int dir)
{
    uint8_t o = (uint8_t)(op << 3 | dir << 1 | (sz != 8));
    insn(b, 0, sz, &o, 1, reg, rm, 0, 0);
    ins_end(b, F_ARITH, op == 1 || op == 4 || op == 6 ? F_AF : 0);
}

/* grp1 r/m, imm: 80/81/83 (and 82, the 32-bit-mode alias of 80) */
static void f_alu_imm(CB *b, int op, int sz, Op rm, uint32_t v, int opc)
{
    uint8_t o = (uint8_t)opc;
    int isz = opc == 0x81 ? (sz == 16 ? 16 : 32) : 8;
    insn(b, 0, sz, &o, 1, op, rm, isz, v);
    ins_end(b, F_ARITH, op == 1 || op == 4 || op == 6 ? F_AF : 0);
}

/* 40+r / 48+r: INC/DEC in 32-bit mode */
static void f_incdec_short(CB *b, bool dec, int sz, int r)
{
    ins_start(b);
    osz(b, sz);
    e8(b, (dec ? 0x48 : 0x40) + r);
    ins_end(b, F_ARITH & ~F_CF, 0);
}

static void f_grp3(CB *b, int ext, int sz, Op rm)
{
    uint8_t o = sz == 8 ? 0xf6 : 0xf7;
    insn(b, 0, sz, &o, 1, ext, rm, 0, 0);
    /* 2 not, 3 neg, 4 mul, 5 imul, 6 div, 7 idiv */
    if (ext == 2) {
        ins_end(b, 0, 0);
    } else if (ext == 3) {
        ins_end(b, F_ARITH, 0);
    } else if (ext <= 5) {
        ins_end(b, F_ARITH, F_SF | F_ZF | F_AF | F_PF);
    } else {
        ins_end(b, F_ARITH, F_ARITH);
    }
}

static void f_shift(CB *b, int ext, int sz, Op rm, int form, uint8_t cnt,
                    unsigned cl)
{
    /* form 0: by 1 (d0/d1), 1: by CL (d2/d3), 2: imm8 (c0/c1) */
    uint8_t o = (uint8_t)((form == 0 ? 0xd0 : form == 1 ? 0xd2 : 0xc0) +
                          (sz != 8));
    insn(b, 0, sz, &o, 1, ext, rm, form == 2 ? 8 : 0, cnt);
    unsigned c = (form == 0 ? 1 : form == 1 ? cl : cnt) & 31;
    uint16_t w, u = 0;
    if (ext <= 1) {             /* rol, ror */
        w = c ? F_CF | F_OF : 0;
        u = c > 1 ? F_OF : 0;
        if (c && (c % (unsigned)sz) == 0) {
            u = F_OF;
        }
    } else if (ext <= 3) {      /* rcl, rcr */
        w = c ? F_CF | F_OF : 0;
        u = c > 1 ? F_OF : 0;
    } else {                    /* shl shr sal sar */
        w = c ? F_ARITH : 0;
        u = c ? F_AF : 0;
        if (c > 1) {
            u |= F_OF;
        }
        if (c >= (unsigned)sz && ext != 7) {
            u |= F_CF;      /* SHL/SHR only (SDM) */
        }
    }
    ins_end(b, w, u);
}

/* bt/bts/btr/btc r/m, reg (op 0..3) */
static void f_bt_r(CB *b, int op, int sz, Op rm, int reg)
{
    static const uint8_t oc[4] = { 0xa3, 0xab, 0xb3, 0xbb };
    uint8_t o[2] = { 0x0f, oc[op] };
    insn(b, 0, sz, o, 2, reg, rm, 0, 0);
    ins_end(b, F_ARITH & ~F_ZF, F_OF | F_SF | F_AF | F_PF);   /* ZF kept */
}

static void f_bt_i(CB *b, int op, int sz, Op rm, uint8_t bit)
{
    uint8_t o[2] = { 0x0f, 0xba };
    insn(b, 0, sz, o, 2, 4 + op, rm, 8, bit);
    ins_end(b, F_ARITH & ~F_ZF, F_OF | F_SF | F_AF | F_PF);   /* ZF kept */
}

static void f_movx(CB *b, bool sx, int dsz, int ssz, int reg, Op rm)
{
    uint8_t o[2] = { 0x0f, (uint8_t)((sx ? 0xbe : 0xb6) + (ssz == 16)) };
    insn(b, 0, dsz, o, 2, reg, rm, 0, 0);
    ins_end(b, 0, 0);
}

static void f_imul2(CB *b, int sz, int reg, Op rm)
{
    uint8_t o[2] = { 0x0f, 0xaf };
    insn(b, 0, sz, o, 2, reg, rm, 0, 0);
    ins_end(b, F_ARITH, F_SF | F_ZF | F_AF | F_PF);
}

static void f_imul3(CB *b, int sz, int reg, Op rm, bool i8, uint32_t v)
{
    uint8_t o = i8 ? 0x6b : 0x69;
    insn(b, 0, sz, &o, 1, reg, rm, i8 ? 8 : sz, v);
    ins_end(b, F_ARITH, F_SF | F_ZF | F_AF | F_PF);
}

static void f_xchg(CB *b, int sz, Op rm, int reg)
{
    uint8_t o = sz == 8 ? 0x86 : 0x87;
    insn(b, 0, sz, &o, 1, reg, rm, 0, 0);
    ins_end(b, 0, 0);
}

static void f_cmpxchg(CB *b, int sz, Op rm, int reg)
{
    uint8_t o[2] = { 0x0f, sz == 8 ? 0xb0 : 0xb1 };
    insn(b, 0, sz, o, 2, reg, rm, 0, 0);
    ins_end(b, F_ARITH, 0);
}

static void f_xadd(CB *b, int sz, Op rm, int reg)
{
    uint8_t o[2] = { 0x0f, sz == 8 ? 0xc0 : 0xc1 };
    insn(b, 0, sz, o, 2, reg, rm, 0, 0);
    ins_end(b, F_ARITH, 0);
}

static void f_setcc(CB *b, int cc, Op rm)
{
    uint8_t o[2] = { 0x0f, (uint8_t)(0x90 + cc) };
    insn(b, 0, 8, o, 2, 0, rm, 0, 0);
    ins_end(b, 0, 0);
}

static void f_cmov(CB *b, int cc, int sz, int reg, Op rm)
{
    uint8_t o[2] = { 0x0f, (uint8_t)(0x40 + cc) };
    insn(b, 0, sz, o, 2, reg, rm, 0, 0);
    ins_end(b, 0, 0);
}

static void f_mov(CB *b, int sz, Op rm, int reg, bool load)
{
    uint8_t o = (uint8_t)((load ? 0x8a : 0x88) + (sz != 8));
    insn(b, 0, sz, &o, 1, reg, rm, 0, 0);
    ins_end(b, 0, 0);
}

static void f_lea(CB *b, int sz, int reg, Op m)
{
    uint8_t o = 0x8d;
    m.seg = 0;
    insn(b, 0, sz, &o, 1, reg, m, 0, 0);
    ins_end(b, 0, 0);
}

/* Flags read by condition code cc */
static uint16_t cc_reads(int cc)
{
    static const uint16_t r[8] = {
        F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, F_SF | F_OF,
        F_SF | F_OF | F_ZF,
    };
    return r[(cc >> 1) & 7];
}

/* ----- directed ----- */

typedef struct Dir {
    TestSink sink;
    void *opaque;
    const char *filter;
    bool stop;
    TestCase tc;
    CB b;
    uint64_t seed;
} Dir;

static Dir *D;

/* Offsets of the data, stack and code pages in DS, SS and CS: in 16-bit
 * mode these segments have the pages' addresses as their bases */
#define DBASE (g_bits == 16 ? 0u : (uint32_t)DATA_BASE)
#define SBASE (g_bits == 16 ? 0u : (uint32_t)STACK_BASE)
#define CBASE (g_bits == 16 ? 0u : (uint32_t)CODE_BASE)

static const uint32_t V32[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
    0x80000000, 0x80000001, 0xffffffff, 0x55555555, 0xaaaaaaaa,
};
#define NV32 (sizeof(V32) / sizeof(V32[0]))

/* Starts a test: standard registers (the upper halves junk) */
static bool t_begin(const char *name)
{
    if (D->stop) {
        return false;
    }
    TestCase *tc = &D->tc;
    cb_begin(&D->b, tc, name);
    const uint32_t init[8] = {
        0x11223344, 0x55667788, 0x99aabbcc, DBASE + 0x100,
        SBASE + 0x800, SBASE + 0x700, DBASE + 0x800, DBASE + 0x1000,
    };
    for (int i = 0; i < 16; i++) {
        tc->regs[i] = (0xdead0000ull + (uint64_t)i) << 32 |
                      (i < 8 ? init[i] : 0x01010101u * (unsigned)i);
    }
    tc->mem_seed = 0x5eed3200 + (D->seed++ % 7);
    return true;
}

static void t_reg(int r, uint32_t v)
{
    D->tc.regs[r] = (D->tc.regs[r] & ~0xffffffffull) | v;
}

static void t_patch(int region, unsigned off, int len, uint64_t v)
{
    TestCase *tc = &D->tc;
    if (tc->nb_patch < MAX_PATCH) {
        tc->patch[tc->nb_patch++] =
            (MemPatch){ (uint8_t)region, (uint8_t)len, (uint16_t)off, v };
    }
}

static void t_end(uint16_t flags)
{
    cb_end(&D->b);
    D->tc.rflags = flags;
    if (D->filter && !strstr(D->tc.name, D->filter)) {
        return;
    }
    if (!D->sink(&D->tc, D->opaque)) {
        D->stop = true;
    }
}

/* Memory operands in the data pages, each addressing form */
static Op mem_form(int k)
{
    switch (k) {
    case 0: return M32(EBX, -1, 0, 0);
    case 1: return M32(EBX, -1, 0, 0x40);
    case 2: return M32(ESI, -1, 0, 0x234);
    case 3: return M32(ESI, EBX, 1, -(int32_t)DBASE);   /* +0x900 */
    case 4: return M32(-1, -1, 0, (int32_t)(DBASE + 0x1230));
    case 5:     /* ESI * 4 + disp32 wraps around 4 GiB to DATA + 0x100 */
        return M32(-1, ESI, 4,
                   (int32_t)(DBASE + 0x100u - 4u * (DBASE + 0x800u)));
    case 6: return M32(EBP, -1, 0, -8);               /* the stack */
    case 7: return M16(0, 0);            /* gs:[bx+si] = DATA + 0x900 */
    case 8: return M16(1, 0x10);         /* gs:[bx+di+0x10] */
    case 9: return M16(2, -0x20);        /* gs:[bp+si-0x20] */
    case 10: return M16(3, 0x123);       /* gs:[bp+di+0x123] */
    case 11: return M16(4, 0);           /* gs:[si] */
    case 12: return M16(5, -1);          /* gs:[di-1] */
    case 13: return M16(6, 0x44);        /* gs:[bp+0x44] */
    case 14: return M16(7, 0x7f);        /* gs:[bx+0x7f] */
    default: return M16(A16_ABS, 0x1ff0); /* gs:[0x1ff0] */
    }
}
#define NMEM 16

static const char *const alu_names[8] = {
    "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
};
static const char *const sh_names[8] = {
    "rol", "ror", "rcl", "rcr", "shl", "shr", "sal(/6)", "sar",
};

static void d_alu(void)
{
    char name[64];
    static const int szs[3] = { 8, 16, 32 };
    for (int op = 0; op < 8; op++) {
        for (int si = 0; si < 3; si++) {
            int sz = szs[si];
            /* reg, reg: all value pairs, both flag states */
            snprintf(name, sizeof(name), "%s r%d, r%d", alu_names[op], sz, sz);
            for (unsigned i = 0; i < NV32; i++) {
                for (unsigned j = 0; j < NV32; j++) {
                    for (int f = 0; f < 2; f++) {
                        if (!t_begin(name)) {
                            goto mem;
                        }
                        t_reg(EAX, V32[i]);
                        t_reg(ECX, V32[j]);
                        f_alu(&D->b, op, sz, REG(EAX), ECX, 0);
                        t_end(f ? F_ARITH : 0);
                    }
                }
            }
        mem:
            /* memory, every addressing form, both directions */
            for (int k = 0; k < NMEM; k++) {
                for (int dir = 0; dir < 2; dir++) {
                    snprintf(name, sizeof(name), "%s %s (%s)", alu_names[op],
                             dir ? "r, m" : "m, r",
                             k >= 7 ? "a16" : "a32");
                    for (unsigned j = 0; j < NV32; j += 3) {
                        if (!t_begin(name)) {
                            break;
                        }
                        t_reg(EDX, V32[j]);
                        f_alu(&D->b, op, sz, mem_form(k), EDX, dir);
                        t_end(j & 1 ? F_ARITH : 0);
                    }
                }
            }
            /* immediates: 80/81/83 and 82 */
            static const int opcs[4] = { 0x80, 0x81, 0x83, 0x82 };
            for (int oi = 0; oi < 4; oi++) {
                int opc = opcs[oi];
                if ((opc == 0x80 || opc == 0x82) != (sz == 8)) {
                    continue;
                }
                snprintf(name, sizeof(name), "%s r/m%d, imm (%02x)",
                         alu_names[op], sz, opc);
                for (unsigned i = 0; i < NV32; i += 2) {
                    for (unsigned j = 0; j < NV32; j += 2) {
                        if (!t_begin(name)) {
                            break;
                        }
                        t_reg(EAX, V32[i]);
                        f_alu_imm(&D->b, op, sz,
                                  j % 4 ? REG(EAX) : mem_form((int)(j + i) % NMEM),
                                  V32[j], opc);
                        t_end(i & 2 ? F_ARITH : 0);
                    }
                }
            }
        }
    }
}

static void d_incdec(void)
{
    char name[64];
    for (int dec = 0; dec < 2; dec++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            snprintf(name, sizeof(name), "%s r%d (%02x+r)",
                     dec ? "dec" : "inc", sz, dec ? 0x48 : 0x40);
            for (int r = 0; r < 8; r++) {
                for (unsigned i = 0; i < NV32; i++) {
                    if (!t_begin(name)) {
                        return;
                    }
                    if (r != ESP && r != EBX && r != ESI && r != EDI &&
                        r != EBP) {
                        t_reg(r, V32[i]);
                    }
                    f_incdec_short(&D->b, dec, sz, r);
                    t_end(i & 1 ? F_ARITH : 0);
                }
            }
            /* fe/ff forms on memory, both addressings */
            snprintf(name, sizeof(name), "%s m%d (ff)", dec ? "dec" : "inc",
                     sz);
            for (int k = 0; k < NMEM; k++) {
                if (!t_begin(name)) {
                    return;
                }
                uint8_t o = 0xff;
                insn(&D->b, 0, sz, &o, 1, dec, mem_form(k), 0, 0);
                ins_end(&D->b, F_ARITH & ~F_CF, 0);
                t_end(k & 1 ? F_ARITH : 0);
            }
        }
    }
}

static void d_grp3(void)
{
    char name[64];
    static const char *const nm[8] = {
        "test", "test", "not", "neg", "mul", "imul", "div", "idiv",
    };
    for (int ext = 2; ext < 8; ext++) {
        for (int sz = 8; sz <= 32; sz *= 2) {
            snprintf(name, sizeof(name), "%s r/m%d", nm[ext], sz);
            for (unsigned i = 0; i < NV32; i++) {
                for (unsigned j = 0; j < NV32; j++) {
                    if (!t_begin(name)) {
                        return;
                    }
                    t_reg(EAX, V32[i]);
                    t_reg(EDX, V32[(i + j) % NV32] ^ 0x00010000);
                    t_reg(ECX, V32[j]);
                    f_grp3(&D->b, ext, sz, j % 5 == 4 ?
                           mem_form((int)(i % NMEM)) : REG(ECX));
                    t_end(0);
                }
            }
        }
    }
    for (int sz = 16; sz <= 32; sz += 16) {
        snprintf(name, sizeof(name), "imul r%d, r/m%d [, imm]", sz, sz);
        for (unsigned i = 0; i < NV32; i++) {
            for (unsigned j = 0; j < NV32; j++) {
                if (!t_begin(name)) {
                    return;
                }
                t_reg(EAX, V32[i]);
                t_reg(ECX, V32[j]);
                switch ((i + j) % 3) {
                case 0: f_imul2(&D->b, sz, EAX, REG(ECX)); break;
                case 1: f_imul3(&D->b, sz, EDX, REG(EAX), true, V32[j]); break;
                default: f_imul3(&D->b, sz, EDX, mem_form((int)j % NMEM),
                                 false, V32[i]); break;
                }
                t_end(0);
            }
        }
    }
}

static void d_shift(void)
{
    char name[64];
    static const unsigned counts[] = {
        0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 255,
    };
    for (int ext = 0; ext < 8; ext++) {
        for (int sz = 8; sz <= 32; sz *= 2) {
            snprintf(name, sizeof(name), "%s r/m%d", sh_names[ext], sz);
            for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
                for (unsigned i = 0; i < NV32; i += 2) {
                    for (int form = 0; form < 3; form++) {
                        if (form == 0 && c != 1) {
                            continue;
                        }
                        if (!t_begin(name)) {
                            return;
                        }
                        t_reg(EAX, V32[i]);
                        t_reg(ECX, counts[c] | 0x100);
                        f_shift(&D->b, ext, sz,
                                i % 6 == 4 ? mem_form((int)c % NMEM) : REG(EAX),
                                form, (uint8_t)counts[c], counts[c]);
                        t_end(i & 2 ? F_ARITH : 0);
                    }
                }
            }
        }
    }
}

static void d_bt(void)
{
    char name[64];
    static const char *const nm[4] = { "bt", "bts", "btr", "btc" };
    static const int32_t offs[] = { 0, 1, 15, 16, 31, 32, 100, -1, -33, 0x7fff, -0x800 };
    for (int op = 0; op < 4; op++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            snprintf(name, sizeof(name), "%s r/m%d, r", nm[op], sz);
            for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
                for (int k = -1; k < NMEM; k += 3) {
                    if (!t_begin(name)) {
                        return;
                    }
                    t_reg(EAX, 0x5a5aa5a5);
                    t_reg(EDX, (uint32_t)offs[i]);
                    f_bt_r(&D->b, op, sz, k < 0 ? REG(EAX) : mem_form(k), EDX);
                    t_end(0);
                }
            }
            snprintf(name, sizeof(name), "%s r/m%d, imm8", nm[op], sz);
            for (int bit = 0; bit < 256; bit += 7) {
                if (!t_begin(name)) {
                    return;
                }
                t_reg(EAX, 0x5a5aa5a5);
                f_bt_i(&D->b, op, sz, bit % 2 ? REG(EAX) :
                       mem_form(bit % NMEM), (uint8_t)bit);
                t_end(F_ARITH);
            }
        }
    }
}

static void d_misc_data(void)
{
    char name[64];
    /* movzx / movsx */
    for (int sx = 0; sx < 2; sx++) {
        for (int dsz = 16; dsz <= 32; dsz += 16) {
            for (int ssz = 8; ssz < dsz; ssz *= 2) {
                snprintf(name, sizeof(name), "%s r%d, r/m%d",
                         sx ? "movsx" : "movzx", dsz, ssz);
                for (unsigned i = 0; i < NV32; i++) {
                    for (int k = -1; k < NMEM; k += 2) {
                        if (!t_begin(name)) {
                            return;
                        }
                        t_reg(ECX, V32[i]);
                        f_movx(&D->b, sx, dsz, ssz, EAX,
                               k < 0 ? REG(i & 1 ? 5 /* ch */ : ECX)
                                     : mem_form(k));
                        t_end(0);
                    }
                }
            }
        }
    }
    /* cbw cwde cwd cdq */
    static const struct { const char *n; int sz; uint8_t o; } cv[4] = {
        { "cbw", 16, 0x98 }, { "cwde", 32, 0x98 },
        { "cwd", 16, 0x99 }, { "cdq", 32, 0x99 },
    };
    for (int k = 0; k < 4; k++) {
        for (unsigned i = 0; i < NV32; i++) {
            if (!t_begin(cv[k].n)) {
                return;
            }
            t_reg(EAX, V32[i]);
            t_reg(EDX, 0x12345678);
            ins_start(&D->b);
            osz(&D->b, cv[k].sz);
            e8(&D->b, cv[k].o);
            ins_end(&D->b, 0, 0);
            t_end(0);
        }
    }
    /* xchg, cmpxchg, xadd, mov, in registers and memory */
    for (int sz = 8; sz <= 32; sz *= 2) {
        for (int k = -1; k < NMEM; k++) {
            for (int eq = 0; eq < 2; eq++) {
                snprintf(name, sizeof(name), "cmpxchg r/m%d, r", sz);
                if (!t_begin(name)) {
                    return;
                }
                Op rm = k < 0 ? REG(EDX) : mem_form(k);
                t_reg(EDX, 0xcafe0080);
                t_reg(EAX, eq ? 0xcafe0080 : 0x80);
                t_reg(ECX, 0x87654321);
                if (k >= 0) {
                    /* memory: make it equal to EAX when eq */
                    f_mov(&D->b, sz, rm, EAX, false);
                    if (!eq) {
                        RAW(&D->b, 0x40);   /* inc eax */
                        ins_end(&D->b, F_ARITH & ~F_CF, 0);
                    }
                }
                f_cmpxchg(&D->b, sz, rm, ECX);
                t_end(0);
                snprintf(name, sizeof(name), "xchg/xadd/mov r/m%d, r", sz);
                if (!t_begin(name)) {
                    return;
                }
                t_reg(EDX, 0x8000ffff);
                f_xchg(&D->b, sz, k < 0 ? REG(EBX) : mem_form(k), EDX);
                f_xadd(&D->b, sz, k < 0 ? REG(ECX) : mem_form(k), EDX);
                f_mov(&D->b, sz, k < 0 ? REG(EAX) : mem_form(NMEM - 1 - k),
                      EDX, eq);
                t_end(0);
            }
        }
    }
    for (int r = 0; r < 8; r++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            if (!t_begin("xchg eax, r (90+r)")) {
                return;
            }
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0x90 + r);
            ins_end(&D->b, 0, 0);
            if (r == ESP || r == EBP || r == EBX || r == ESI || r == EDI) {
                /* put it back */
                ins_start(&D->b);
                osz(&D->b, sz);
                e8(&D->b, 0x90 + r);
                ins_end(&D->b, 0, 0);
            }
            t_end(0);
        }
    }
    /* lea: 32- and 16-bit addressing, 32- and 16-bit destinations */
    for (int k = 0; k < NMEM; k++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            if (!t_begin(k >= 7 ? "lea (a16)" : "lea (a32)")) {
                return;
            }
            f_lea(&D->b, sz, EAX, mem_form(k));
            t_end(0);
        }
    }
    /* a16 wraparound: [bx+si+disp] beyond 0xffff wraps */
    for (int k = 0; k < 4; k++) {
        if (!t_begin("lea/mov (a16 wraparound)")) {
            return;
        }
        t_reg(EBX, DBASE + 0xff00u);
        t_reg(ESI, DBASE + 0x0200u + (uint32_t)k);
        f_lea(&D->b, 32, EAX, M16(0, 0x7f));
        f_lea(&D->b, 16, ECX, M16(0, -0x7000));
        f_mov(&D->b, 32, M16(0, 0x10), EDX, true);   /* gs:0x0110+k */
        t_end(0);
    }
}

/* setcc, cmovcc, jcc (8, 16 and 32-bit displacements) */
static void d_cc(void)
{
    char name[64];
    static const uint16_t fl[] = {
        0, F_CF, F_ZF, F_SF, F_OF, F_PF, F_SF | F_OF, F_ZF | F_CF, F_ARITH,
    };
    for (int cc = 0; cc < 16; cc++) {
        for (unsigned f = 0; f < sizeof(fl) / sizeof(fl[0]); f++) {
            snprintf(name, sizeof(name), "setcc/cmovcc %x", cc);
            if (!t_begin(name)) {
                return;
            }
            t_reg(ECX, 0xfedcba98);
            f_setcc(&D->b, cc, f & 1 ? REG(EAX) : mem_form((int)f % NMEM));
            f_cmov(&D->b, cc, 16, EDX, REG(ECX));
            f_cmov(&D->b, cc, 32, EBX, f & 1 ? REG(ECX) :
                   mem_form((int)(f + 3) % NMEM));
            t_end(fl[f]);
            /* jcc rel8 / rel32 over an inc; 66 jcc rel16: truncates EIP
             * to 16 bits when taken (a fault at a low address) */
            for (int form = 0; form < 4; form++) {
                static const char *const fn[4] = {
                    "jcc rel8", "jcc rel", "66 jcc rel", "66 jcc rel8",
                };
                snprintf(name, sizeof(name), "%s %x", fn[form], cc);
                if (!t_begin(name)) {
                    return;
                }
                D->b.jumps = true;
                ins_start(&D->b);
                switch (form) {
                case 0: e8(&D->b, 0x70 + cc); e8(&D->b, 1); break;
                case 1: e8(&D->b, 0x0f); e8(&D->b, 0x80 + cc);
                        imm(&D->b, g_bits, 1);
                        break;
                case 2: osz(&D->b, 48 - g_bits); e8(&D->b, 0x0f);
                        e8(&D->b, 0x80 + cc);
                        imm(&D->b, 48 - g_bits, 0x1234); break;
                default: osz(&D->b, 48 - g_bits); e8(&D->b, 0x70 + cc);
                         e8(&D->b, 1); break;
                }
                ins_end(&D->b, 0, 0);
                RAW(&D->b, 0x40);   /* inc eax */
                ins_end(&D->b, F_ARITH & ~F_CF, 0);
                t_end(fl[f]);
            }
        }
    }
}

static void d_stack(void)
{
    /* push/pop r32, r16 */
    for (int sz = 16; sz <= 32; sz += 16) {
        for (int r = 0; r < 8; r++) {
            if (!t_begin(sz == 16 ? "push/pop r16" : "push/pop r32")) {
                return;
            }
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0x50 + r);
            ins_end(&D->b, 0, 0);
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0x58 + (r == ESP ? EAX : r ^ 1));
            ins_end(&D->b, 0, 0);
            t_end(0);
        }
        /* push imm, push/pop m */
        if (!t_begin(sz == 16 ? "push imm/m, pop m (16)" : "push imm/m, pop m (32)")) {
            return;
        }
        for (int k = 0; k < NMEM; k += 3) {
            uint8_t o = 0xff, p = 0x8f;
            insn(&D->b, 0, sz, &o, 1, 6, mem_form(k), 0, 0);
            ins_end(&D->b, 0, 0);
            insn(&D->b, 0, sz, &p, 1, 0, mem_form(NMEM - 1 - k), 0, 0);
            ins_end(&D->b, 0, 0);
        }
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x6a);
        e8(&D->b, 0x80);
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x68);
        imm(&D->b, sz, sz == 16 ? 0x8765 : 0x87654321);
        ins_end(&D->b, 0, 0);
        t_end(0);
        /* pusha / popa */
        if (!t_begin(sz == 16 ? "pushaw/popaw" : "pushad/popad")) {
            return;
        }
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x60);
        ins_end(&D->b, 0, 0);
        /* change the saved EAX and ESP slots, then popa (which skips ESP) */
        t_reg(ECX, 0x0bad0bad);
        {
            Op slot = M32(ESP, -1, 0, sz == 16 ? 14 : 28);   /* AX/EAX */
            f_mov(&D->b, sz, slot, ECX, false);
            Op sp = M32(ESP, -1, 0, sz == 16 ? 6 : 12);      /* SP/ESP */
            f_mov(&D->b, sz, sp, ECX, false);
        }
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x61);
        ins_end(&D->b, 0, 0);
        t_end(0);
        /* popa with the stack's own contents */
        if (!t_begin(sz == 16 ? "popaw (stack contents)" : "popad (stack contents)")) {
            return;
        }
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x61);
        ins_end(&D->b, 0, 0);
        t_end(0);
        /* enter / leave */
        for (int lvl = 0; lvl < 4; lvl++) {
            if (!t_begin(sz == 16 ? "enter/leave (16)" : "enter/leave (32)")) {
                return;
            }
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0xc8);
            e16(&D->b, 0x10 + (unsigned)lvl * 8);
            e8(&D->b, (unsigned)(lvl == 3 ? 33 : lvl));
            ins_end(&D->b, 0, 0);
            f_mov(&D->b, 32, REG(EDX), EBP, false);   /* mov edx, ebp */
            f_mov(&D->b, 32, REG(ECX), ESP, false);   /* mov ecx, esp */
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0xc9);
            ins_end(&D->b, 0, 0);
            t_end(0);
        }
    }
    /* push/pop segment registers */
    static const uint8_t sp[][2] = {
        { 0x06, 0x07 }, { 0x1e, 0x1f }, { 0x0e, 0x58 }, { 0x16, 0x58 },
    };
    for (int k = 0; k < 4; k++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            if (!t_begin("push sreg / pop es, ds")) {
                return;
            }
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, sp[k][0]);
            ins_end(&D->b, 0, 0);
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, sp[k][1]);
            ins_end(&D->b, 0, 0);
            t_end(0);
        }
    }
}

/* call / ret / jmp, 32- and 16-bit operand size */
static void d_call(void)
{
    for (int v = 0; v < 8; v++) {
        if (!t_begin("call / ret [imm16]")) {
            return;
        }
        D->b.jumps = true;
        /* call L; jmp END; L: inc eax; ret [n]; END: */
        int ret16 = v & 1, retimm = v & 2, ind = v & 4;
        /* call at 0, nops up to 7, jmp END at 7, L at 9 */
        if (ind) {
            /* mov ecx, L; call ecx */
            ins_start(&D->b);
            e8(&D->b, 0xb9);
            imm(&D->b, g_bits, CBASE + 9);
            ins_end(&D->b, 0, 0);
            RAW(&D->b, 0xff, 0xd1);
            ins_end(&D->b, 0, 0);
        } else {
            ins_start(&D->b);
            e8(&D->b, 0xe8);
            imm(&D->b, g_bits, (uint32_t)(9 - (D->b.pos + g_bits / 8)));
            ins_end(&D->b, 0, 0);
        }
        if (D->b.pos < 7) {
            ins_start(&D->b);       /* nops, as one */
            while (D->b.pos < 7) {
                e8(&D->b, 0x90);
            }
            ins_end(&D->b, 0, 0);
        }
        RAW(&D->b, 0xeb, (uint8_t)(retimm ? 4 + ret16 : 2 + ret16));
        ins_end(&D->b, 0, 0);
        RAW(&D->b, 0x40);
        ins_end(&D->b, F_ARITH & ~F_CF, 0);
        ins_start(&D->b);
        osz(&D->b, ret16 ? 16 : 32);
        if (retimm) {
            e8(&D->b, 0xc2);
            e16(&D->b, 0x0c);
        } else {
            e8(&D->b, 0xc3);
        }
        ins_end(&D->b, 0, 0);
        t_end(0);
    }
    /* the other operand size: in 32-bit code, 16 bits, EIP truncated to
     * 16 bits (a fault at a low address) */
    for (int k = 0; k < 6; k++) {
        if (!t_begin(g_bits == 32 ? "call/jmp/ret o16 (eip truncated)"
                                  : "call/jmp/ret o32 (16-bit code)")) {
            return;
        }
        int o = 48 - g_bits;
        t_reg(ECX, 0x10001234);
        ins_start(&D->b);
        osz(&D->b, o);
        switch (k) {
        case 0: e8(&D->b, 0xe8); imm(&D->b, o, 0x10); break;  /* call rel */
        case 1: e8(&D->b, 0xe9); imm(&D->b, o, 0x10); break;  /* jmp rel */
        case 2: e8(&D->b, 0xeb); e8(&D->b, 2); break;         /* jmp rel8 */
        case 3: e8(&D->b, 0xff); e8(&D->b, 0xd1); break;      /* call ecx */
        case 4: e8(&D->b, 0xff); e8(&D->b, 0xe1); break;      /* jmp ecx */
        default: e8(&D->b, 0xc3); break;                      /* ret */
        }
        ins_end(&D->b, 0, 0);
        t_end(0);
    }
}

/* String instructions, 32- and 16-bit addressing */
static void d_string(void)
{
    char name[64];
    static const struct { const char *n; uint8_t op; bool src, dst; } ops[] = {
        { "movs", 0xa4, true, true }, { "cmps", 0xa6, true, true },
        { "stos", 0xaa, false, true }, { "lods", 0xac, true, false },
        { "scas", 0xae, false, true },
    };
    static const uint32_t cnts[] = { 0, 1, 3, 0x10003, 0x10000 };
    for (unsigned o = 0; o < 5; o++) {
        for (int sz = 8; sz <= 32; sz *= 2) {
            for (int a16 = 0; a16 < 2; a16++) {
                for (int rep = 0; rep < 3; rep++) {
                    if (rep == 2 && ops[o].op != 0xa6 && ops[o].op != 0xae) {
                        continue;
                    }
                    snprintf(name, sizeof(name), "%s%s%d (%s)",
                             rep == 0 ? "" : rep == 1 ? "rep " : "repne ",
                             ops[o].n, sz, a16 ? "a16" : "a32");
                    for (unsigned c = 0; c < 5; c++) {
                        for (int df = 0; df < 2; df++) {
                            if ((c && !rep) || !t_begin(name)) {
                                continue;
                            }
                            TestCase *tc = &D->tc;
                            tc->es_ldt = (uint8_t)a16;
                            t_reg(ECX, cnts[c]);
                            t_reg(EAX, 0x12345678);
                            /* equal runs for cmps/scas */
                            t_patch(0, 0x800, 8, 0x1111111111111111ull);
                            t_patch(0, 0x1000, 8, 0x1111111111111111ull);
                            t_patch(0, 0x808, 4, 0x22222222);
                            t_patch(0, 0x1008, 4, 0x33333333);
                            if (ops[o].op == 0xae) {
                                t_reg(EAX, rep == 2 ? 0x78 : 0x11111111);
                            }
                            if (df) {
                                t_reg(ESI, DBASE + 0x80c);
                                t_reg(EDI, DBASE + 0x100c);
                            }
                            ins_start(&D->b);
                            if (rep) {
                                e8(&D->b, rep == 1 ? 0xf3 : 0xf2);
                            }
                            if (a16 && ops[o].src) {
                                e8(&D->b, 0x65);    /* gs: */
                            }
                            osz(&D->b, sz);
                            asz(&D->b, a16);
                            e8(&D->b, ops[o].op + (sz != 8));
                            bool cmp = ops[o].op == 0xa6 || ops[o].op == 0xae;
                            ins_end(&D->b, cmp ? F_ARITH : 0, 0);
                            t_end(df ? F_DF : 0);
                        }
                    }
                }
            }
        }
    }
    /* 16-bit addressing edge cases: SI/DI wrap at 64K; no override (DS
     * base 0: the access is at a low address and faults) */
    static const uint32_t sis[] = { 0xfffe, 0xffff, 0x1fff };
    for (unsigned k = 0; k < 3; k++) {
        for (int df = 0; df < 2; df++) {
            if (!t_begin("movs/stos (a16 wrap)")) {
                return;
            }
            D->tc.es_ldt = 1;
            t_reg(ESI, DBASE + sis[k]);
            t_reg(EDI, DBASE + sis[k] - 0x100);
            t_reg(ECX, 0xabcd0004);
            ins_start(&D->b);                  /* rep movsb gs: (a16) */
            e8(&D->b, 0xf3);
            e8(&D->b, 0x65);
            asz(&D->b, true);
            e8(&D->b, 0xa4);
            ins_end(&D->b, 0, 0);
            ins_start(&D->b);                  /* stosw (a16) */
            osz(&D->b, 16);
            asz(&D->b, true);
            e8(&D->b, 0xab);
            ins_end(&D->b, 0, 0);
            t_end(df ? F_DF : 0);
        }
    }
    if (t_begin("lodsb (a16, ds: base 0)")) {
        ins_start(&D->b);
        asz(&D->b, true);
        e8(&D->b, 0xac);
        ins_end(&D->b, 0, 0);
        t_end(0);
    }
    if (t_begin("xlat (a32, a16)")) {
        t_reg(EAX, 0x1234567f);
        RAW(&D->b, 0xd7);
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        e8(&D->b, 0x65);
        asz(&D->b, true);
        e8(&D->b, 0xd7);
        ins_end(&D->b, 0, 0);
        t_end(0);
    }
}

/* loop / loope / loopne / jecxz / jcxz, with and without 67h */
static void d_loop(void)
{
    static const uint32_t cnts[] = { 0, 1, 5, 0x10000, 0x10003, 0xffff };
    static const char *const nm[4] = { "loopne", "loope", "loop", "jecxz" };
    for (int op = 0; op < 4; op++) {
        for (int a16 = 0; a16 < 2; a16++) {
            for (unsigned c = 0; c < 6; c++) {
                char name[64];
                snprintf(name, sizeof(name), "%s (%s)", nm[op],
                         a16 ? "a16: cx" : "a32: ecx");
                if (!t_begin(name)) {
                    return;
                }
                if (!a16 && (cnts[c] >= 0x10000 || (!cnts[c] && op < 3))) {
                    continue;   /* too long (ECX = 0: 2^32 iterations) */
                }
                D->b.jumps = true;
                t_reg(ECX, cnts[c]);
                t_reg(EAX, 0);
                /* L: inc eax; cmp eax, 3; loopX L / jcxz +1; inc edx */
                RAW(&D->b, 0x40);
                ins_end(&D->b, F_ARITH & ~F_CF, 0);
                RAW(&D->b, 0x83, 0xf8, 0x03);
                ins_end(&D->b, F_ARITH, 0);
                ins_start(&D->b);
                asz(&D->b, a16);
                e8(&D->b, 0xe0 + op);
                e8(&D->b, op == 3 ? 1 : (uint8_t)-(a16 ? 7 : 6));
                ins_end(&D->b, 0, 0);
                RAW(&D->b, 0x42);
                ins_end(&D->b, F_ARITH & ~F_CF, 0);
                t_end(0);
            }
        }
    }
}

/* Segment-override prefixes; FS is null (a 64-bit process's FS selector) */
static void d_segs(void)
{
    static const uint8_t segs[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
    for (unsigned s = 0; s < sizeof(segs); s++) {
        for (int k = 0; k < 2; k++) {
            if (!t_begin("mov r, seg:[m] (overrides)")) {
                return;
            }
            Op m = k ? M32(ESI, -1, 0, 0x10) : M32(-1, -1, 0, 0x100);
            if (segs[s] == 0x2e) {
                m = M32(-1, -1, 0, (int32_t)CBASE);  /* cs: the code */
            }
            f_mov(&D->b, 32, SEG(m, segs[s]), EAX, true);
            t_end(0);
            if (!t_begin("mov seg:[m], r (overrides)")) {
                return;
            }
            f_mov(&D->b, 16, SEG(m, segs[s]), EDX, false);
            t_end(0);
        }
    }
    /* a 16-bit address through SS and DS (base 0): faults low */
    if (t_begin("mov r, [bp+si] (a16, ss: base 0)")) {
        Op m = M16(2, 0);
        m.seg = 0;
        f_mov(&D->b, 32, m, EAX, true);
        t_end(0);
    }
    /* GS limit 0xffff: a 32-bit offset past it, and an access across it */
    if (t_begin("mov r, gs:[m] (past the limit)")) {
        f_mov(&D->b, 32, SEG(M32(-1, -1, 0, 0x10000), 0x65), EAX, true);
        t_end(0);
    }
    if (t_begin("mov r, gs:[m] (across the limit)")) {
        f_mov(&D->b, 32, SEG(M32(-1, -1, 0, 0xfffe), 0x65), EAX, true);
        t_end(0);
    }
}

/* BCD and other instructions only valid outside 64-bit mode */
static void d_legacy(void)
{
    static const struct { const char *n; uint8_t b[2]; int len; uint16_t u; }
    ops[] = {
        { "aaa", { 0x37 }, 1, F_OF | F_SF | F_ZF | F_PF },
        { "aas", { 0x3f }, 1, F_OF | F_SF | F_ZF | F_PF },
        { "daa", { 0x27 }, 1, F_OF },
        { "das", { 0x2f }, 1, F_OF },
        { "aam", { 0xd4, 0x0a }, 2, F_OF | F_AF | F_CF },
        { "aad", { 0xd5, 0x0a }, 2, F_OF | F_AF | F_CF },
        { "aam 7", { 0xd4, 0x07 }, 2, F_OF | F_AF | F_CF },
        { "aad 7", { 0xd5, 0x07 }, 2, F_OF | F_AF | F_CF },
        { "aam 0", { 0xd4, 0x00 }, 2, F_OF | F_AF | F_CF },
    };
    static const uint32_t al[] = {
        0x00, 0x09, 0x0a, 0x0f, 0x19, 0x99, 0x9a, 0xa0, 0xf9, 0xfa, 0xff,
        0x0105, 0xff0f, 0x0980,
    };
    for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        for (unsigned i = 0; i < sizeof(al) / sizeof(al[0]); i++) {
            for (int f = 0; f < 4; f++) {
                if (!t_begin(ops[k].n)) {
                    return;
                }
                t_reg(EAX, 0x12340000 | al[i]);
                raw(&D->b, ops[k].b, ops[k].len);
                ins_end(&D->b, F_ARITH, ops[k].u);
                t_end((f & 1 ? F_CF : 0) | (f & 2 ? F_AF : 0));
            }
        }
    }
    /* bound: #BR when out of range; into: #OF when OF = 1 */
    static const int32_t idx[] = { -1, 0, 5, 10, 11, 0x7fffffff };
    for (unsigned i = 0; i < 6; i++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            if (!t_begin("bound r, m")) {
                return;
            }
            t_patch(0, 0x100, 8, sz == 32 ? 0x0000000a00000000ull : 0x000a0000);
            t_reg(EAX, (uint32_t)idx[i]);
            uint8_t o = 0x62;
            insn(&D->b, 0, sz, &o, 1, EAX, M32(EBX, -1, 0, 0), 0, 0);
            ins_end(&D->b, 0, 0);
            t_end(0);
        }
    }
    for (int f = 0; f < 2; f++) {
        if (!t_begin("into")) {
            return;
        }
        RAW(&D->b, 0xce);
        ins_end(&D->b, 0, 0);
        t_end(f ? F_OF : 0);
    }
    /* arpl r/m16, r16 */
    static const uint32_t sel[] = { 0x2b, 0x28, 0x23, 0x10, 0xffff };
    for (unsigned i = 0; i < 5; i++) {
        for (unsigned j = 0; j < 5; j++) {
            if (!t_begin("arpl")) {
                return;
            }
            t_reg(EAX, 0xabcd0000 | sel[i]);
            t_reg(ECX, sel[j]);
            RAW(&D->b, 0x63, 0xc8);
            ins_end(&D->b, F_ZF, 0);
            t_end(j & 1 ? F_ZF : 0);
        }
    }
    /* lahf/sahf, pushfd (the arithmetic flags and DF only: IF and bit 1
     * are fixed, the rest clear) */
    for (int f = 0; f < 2; f++) {
        if (!t_begin("lahf/sahf/cmc/pushf")) {
            return;
        }
        t_reg(EAX, 0x0000d500);
        RAW(&D->b, 0x9f);
        ins_end(&D->b, 0, 0);
        RAW(&D->b, 0xf5);
        ins_end(&D->b, F_CF, 0);
        RAW(&D->b, 0x9e);
        ins_end(&D->b, F_ARITH & ~F_OF, 0);
        ins_start(&D->b);
        osz(&D->b, 16);
        e8(&D->b, 0x9c);
        ins_end(&D->b, 0, 0);
        RAW(&D->b, 0x5a);
        ins_end(&D->b, 0, 0);
        t_end(f ? F_ARITH : 0);
    }
}

/* shld/shrd, bsf/bsr, bswap */
static void d_bits(void)
{
    char name[64];
    static const unsigned counts[] = { 0, 1, 2, 7, 8, 15, 16, 31, 32, 33 };
    for (int right = 0; right < 2; right++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            for (int cl = 0; cl < 2; cl++) {
                snprintf(name, sizeof(name), "%s r/m%d, r, %s",
                         right ? "shrd" : "shld", sz, cl ? "cl" : "imm8");
                for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]);
                     c++) {
                    unsigned m = counts[c] & 31;
                    if (m > (unsigned)sz) {
                        continue;   /* result undefined (16-bit) */
                    }
                    for (unsigned i = 0; i < NV32; i += 2) {
                        if (!t_begin(name)) {
                            return;
                        }
                        t_reg(EAX, V32[i]);
                        t_reg(EDX, V32[(i + 5) % NV32]);
                        t_reg(ECX, counts[c]);
                        uint8_t o[2] = { 0x0f, (uint8_t)((right ? 0xac : 0xa4) +
                                                         cl) };
                        insn(&D->b, 0, sz, o, 2, EDX,
                             i % 4 == 2 ? mem_form((int)(c + i) % NMEM)
                                        : REG(EAX), cl ? 0 : 8, counts[c]);
                        uint16_t u = m ? F_AF : 0;
                        if (m > 1) {
                            u |= F_OF;
                        }
                        if (m == (unsigned)sz) {
                            u |= F_CF;  /* only defined below the size */
                        }
                        ins_end(&D->b, m ? F_ARITH : 0, u);
                        t_end(i & 2 ? F_ARITH : 0);
                    }
                }
            }
        }
    }
    for (int bsr = 0; bsr < 2; bsr++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            snprintf(name, sizeof(name), "%s r%d, r/m%d", bsr ? "bsr" : "bsf",
                     sz, sz);
            for (unsigned i = 1; i < NV32; i++) {
                if ((sz == 16 && !(V32[i] & 0xffff)) || !t_begin(name)) {
                    continue;   /* a zero source leaves it undefined */
                }
                t_reg(ECX, V32[i]);
                uint8_t o[2] = { 0x0f, (uint8_t)(0xbc + bsr) };
                insn(&D->b, 0, sz, o, 2, EAX, REG(ECX), 0, 0);
                ins_end(&D->b, F_ARITH, F_ARITH & ~F_ZF);
                t_end(0);
            }
        }
    }
    for (int r = 0; r < 8; r++) {
        if (!t_begin("bswap r32")) {
            return;
        }
        /* bswap r, bswap r (back), bswap eax; 32-bit operands (66h in
         * 16-bit code: BSWAP r16 is undefined) */
        for (int k = 0; k < 3; k++) {
            ins_start(&D->b);
            osz(&D->b, 32);
            e8(&D->b, 0x0f);
            e8(&D->b, 0xc8 + (k == 2 ? 0 : r));
            ins_end(&D->b, 0, 0);
        }
        t_end(0);
    }
}

/*
 * Segment loads in protected mode: MOV Sreg, POP Sreg, LDS/LES/LSS/LGS,
 * with selectors valid and not (null, RPL, DPL 0, system, past the GDT
 * limit, LDT), and MOV r/m, Sreg. Only selectors below 0x50, where bt86's
 * GDT is Linux's: Linux has more entries above (LDT, TLS, per-CPU). FS is
 * never loaded (natively glibc's TLS lives there).
 */
static void d_sreg(void)
{
    static const uint16_t sels[] = {
        0x0000, 0x0003, 0x002b, 0x0028, 0x0029, 0x0023, 0x0033, 0x0010,
        0x0018, 0x001b, 0x0040, 0x0048, 0x0007, 0x0004, 0x000f, 0x0017,
        0x001f, 0x1234, 0x004f,
    };
    /* mov es, ax; mov edx, es / mov ss, ax; mov dx, ss / mov gs, ax ... */
    static const struct { const char *n; uint8_t sreg; } regs[] = {
        { "mov es, r", 0 }, { "mov ss, r", 2 }, { "mov ds, r", 3 },
        { "mov gs, r", 5 },
    };
    for (unsigned k = 0; k < 4; k++) {
        for (unsigned i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
            if (!t_begin(regs[k].n)) {
                return;
            }
            t_reg(EAX, 0xabcd0000u | sels[i]);
            RAW(&D->b, 0x8e, (uint8_t)(0xc0 | regs[k].sreg << 3 | EAX));
            ins_end(&D->b, 0, 0);
            /* read it back: mov edx, sreg (32-bit: zero-extended on
             * current CPUs); mov [ebx-ish], sreg (16 bits) */
            ins_start(&D->b);
            osz(&D->b, 32);
            e8(&D->b, 0x8c);
            e8(&D->b, 0xc0 | regs[k].sreg << 3 | EDX);
            ins_end(&D->b, 0, 0);
            t_end(0);
        }
    }
    /* pop es / pop ds, push gs; lds/les/lss/lgs from memory */
    for (unsigned i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
        if (!t_begin("push imm; pop ds/es")) {
            return;
        }
        ins_start(&D->b);
        e8(&D->b, 0x68);
        imm(&D->b, g_bits, sels[i]);
        ins_end(&D->b, 0, 0);
        RAW(&D->b, i & 1 ? 0x07 : 0x1f);
        ins_end(&D->b, 0, 0);
        RAW(&D->b, 0x0f, 0xa8);     /* push gs */
        ins_end(&D->b, 0, 0);
        t_end(0);
        static const uint8_t lx[4][2] = {
            { 0xc5, 0 }, { 0xc4, 0 }, { 0x0f, 0xb2 }, { 0x0f, 0xb5 },
        };
        for (int j = 0; j < 4; j++) {
            for (int sz = 16; sz <= 32; sz += 16) {
                static const char *const ln[4] = { "lds", "les", "lss", "lgs" };
                char name[32];
                snprintf(name, sizeof(name), "%s r%d, m16:%d", ln[j], sz, sz);
                if (!t_begin(name)) {
                    return;
                }
                /* the far pointer at [ebx]: offset, then selector */
                if (sz == 32) {
                    t_patch(0, 0x100, 4, 0x12345678);
                    t_patch(0, 0x104, 2, sels[i]);
                } else {
                    t_patch(0, 0x100, 2, 0x5678);
                    t_patch(0, 0x102, 2, sels[i]);
                }
                insn(&D->b, 0, sz, lx[j], lx[j][0] == 0x0f ? 2 : 1, ECX,
                     M32(EBX, -1, 0, 0), 0, 0);
                ins_end(&D->b, 0, 0);
                t_end(0);
            }
        }
    }
    /* an invalid LDS form: register operand (#UD) */
    if (t_begin("lds r, r (#UD)")) {
        RAW(&D->b, 0xc5, 0xc1);
        ins_end(&D->b, 0, 0);
        t_end(0);
    }
}

/* POP ESP, POP m with an ESP-relative address, CMPXCHG8B, POPF */
static void d_more(void)
{
    for (int sz = 16; sz <= 32; sz += 16) {
        if (!t_begin(sz == 16 ? "pop sp / pop [esp+n] (16)"
                              : "pop esp / pop [esp+n] (32)")) {
            return;
        }
        /* pop [esp+4]: the address uses ESP after the pop */
        uint8_t o = 0x8f;
        insn(&D->b, 0, sz, &o, 1, 0, M32(ESP, -1, 0, 4), 0, 0);
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x68);
        imm(&D->b, sz, SBASE + 0x6f0);
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x5c);    /* pop esp */
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        osz(&D->b, sz);
        e8(&D->b, 0x54);    /* push esp */
        ins_end(&D->b, 0, 0);
        t_end(0);
    }
    for (int k = 0; k < NMEM; k++) {
        for (int eq = 0; eq < 2; eq++) {
            if (!t_begin(k >= 7 ? "cmpxchg8b m64 (a16)" : "cmpxchg8b m64")) {
                return;
            }
            Op m = mem_form(k);
            /* mov [m], eax; mov [m+4], edx; (inc eax); cmpxchg8b [m] */
            f_mov(&D->b, 32, m, EAX, false);
            Op m4 = m;
            m4.disp += 4;
            f_mov(&D->b, 32, m4, EDX, false);
            if (!eq) {
                RAW(&D->b, 0x40);
                ins_end(&D->b, F_ARITH & ~F_CF, 0);
            }
            uint8_t o[2] = { 0x0f, 0xc7 };
            insn(&D->b, 0, 32, o, 2, 1, m, 0, 0);
            ins_end(&D->b, F_ZF, 0);
            t_end(0);
        }
    }
    static const uint32_t fl[] = {
        0x0002, 0x0ed7, 0x08d5, 0x0400, 0x0202, 0x3002, 0x0003,
    };
    for (unsigned i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
        for (int sz = 16; sz <= 32; sz += 16) {
            if (!t_begin(sz == 16 ? "popfw / pushfw" : "popfd / pushfd")) {
                return;
            }
            /* push imm; popf; pushf; pop edx (IOPL bits: ignored at
             * CPL 3) */
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0x68);
            imm(&D->b, sz, fl[i]);
            ins_end(&D->b, 0, 0);
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0x9d);
            ins_end(&D->b, F_CMP, 0);
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0x9c);
            ins_end(&D->b, 0, 0);
            ins_start(&D->b);
            osz(&D->b, sz);
            e8(&D->b, 0x5a);
            ins_end(&D->b, 0, 0);
            t_end(F_ARITH);
        }
    }
}

/*
 * Far transfers: JMP/CALL ptr16:32 and m16:32, RET far, IRETD, to the
 * 32-bit code segment, to the 64-bit one (0x33: back to 64-bit mode), to
 * the LDT's 16-bit code segment (0x0f, base CODE_BASE) and to selectors
 * that must fault. Always with a 32-bit offset (66h in 16-bit code).
 */
static void d_far(void)
{
    static const uint16_t sels[] = {
        0x23, 0x20, 0x33, 0x0f, 0x2b, 0x10, 0x0b, 0x00, 0x17, 0x07, 0x40,
        0x1234,
    };
    for (unsigned i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
        uint32_t base = sels[i] == 0x0f ? 0 : (uint32_t)CODE_BASE;
        int len = 7 + (g_bits == 16);
        /* ljmp sel:next (the final int3) */
        if (!t_begin("ljmp ptr16:32")) {
            return;
        }
        ins_start(&D->b);
        osz(&D->b, 32);
        e8(&D->b, 0xea);
        e32(&D->b, base + (uint32_t)len);
        e16(&D->b, sels[i]);
        ins_end(&D->b, 0, 0);
        t_end(0);
        /* lcall sel:L; int3; L: inc eax (ff c0); lret. Not from 16-bit
         * code into 64-bit code: the AMD host pushes the return address
         * without SS's base there (a vendor quirk the SDM does not
         * describe), so there is nothing to compare against. */
        if (!(g_bits == 16 && sels[i] == 0x33)) {
            if (!t_begin("lcall ptr16:32 / lret")) {
                return;
            }
            ins_start(&D->b);
            osz(&D->b, 32);
            e8(&D->b, 0x9a);
            e32(&D->b, base + (uint32_t)len + 1);
            e16(&D->b, sels[i]);
            ins_end(&D->b, 0, 0);
            RAW(&D->b, 0xcc);
            ins_end(&D->b, 0, 0);
            RAW(&D->b, 0xff, 0xc0);
            ins_end(&D->b, F_ARITH & ~F_CF, 0);
            RAW(&D->b, 0xcb);
            ins_end(&D->b, 0, 0);
            t_end(0);
        }
        /* ljmp far [ebx] */
        if (!t_begin("ljmp m16:32")) {
            return;
        }
        t_patch(0, 0x100, 4, base + 3 + (g_bits == 16));
        t_patch(0, 0x104, 2, sels[i]);
        {
            uint8_t o = 0xff;
            insn(&D->b, 0, 32, &o, 1, 5, M32(EBX, -1, 0, 0), 0, 0);
            ins_end(&D->b, 0, 0);
        }
        t_end(0);
        /* push flags; push sel; push target; iretd */
        if (!t_begin("iretd (same privilege)")) {
            return;
        }
        ins_start(&D->b);
        osz(&D->b, 32);
        e8(&D->b, 0x9c);
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        osz(&D->b, 32);
        e8(&D->b, 0x68);
        e32(&D->b, sels[i]);
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        osz(&D->b, 32);
        e8(&D->b, 0x68);
        /* after this push (5/6 bytes) and the iretd (1/2 bytes) */
        e32(&D->b, base + (uint32_t)(D->b.pos + 4 + 1 + (g_bits == 16)));
        ins_end(&D->b, 0, 0);
        ins_start(&D->b);
        osz(&D->b, 32);
        e8(&D->b, 0xcf);
        ins_end(&D->b, 0, 0);
        t_end(F_ARITH);
    }
}

/* SSE and MMX in 32- and 16-bit code: the addressing forms, alignment
 * (#GP), XMM0-7 only, FXSAVE's 32-bit format. The mandatory prefix goes
 * first, where the generic encoder puts REP. */
static void d_sse(void)
{
    static const struct {
        const char *name;
        uint8_t pfx, nopc, reg;
        uint8_t opc[3];
    } ops[] = {
        { "sse: movdqu xmm1, m128", 0xf3, 2, 1, { 0x0f, 0x6f } },
        { "sse: movdqu m128, xmm7", 0xf3, 2, 7, { 0x0f, 0x7f } },
        { "sse: movaps xmm2, m128", 0, 2, 2, { 0x0f, 0x28 } },
        { "sse: paddb xmm1, m128", 0x66, 2, 1, { 0x0f, 0xfc } },
        { "sse: addps xmm3, m128", 0, 2, 3, { 0x0f, 0x58 } },
        { "sse: pshufb xmm4, m128", 0x66, 3, 4, { 0x0f, 0x38, 0x00 } },
        { "sse: cvtsi2sd xmm5, m32", 0xf2, 2, 5, { 0x0f, 0x2a } },
        { "sse: movq mm1, m64", 0, 2, 1, { 0x0f, 0x6f } },
        { "sse: movq m64, xmm6", 0x66, 2, 6, { 0x0f, 0xd6 } },
        { "sse: fxsave m512", 0, 2, 0, { 0x0f, 0xae } },
    };
    for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        for (int k = 0; k < NMEM; k++) {
            if (!t_begin(ops[i].name)) {
                return;
            }
            TestCase *tc = &D->tc;
            tc->fx_set = true;
            tc->fx.fcw = 0x37f;
            tc->fx.mxcsr = 0x1f80;
            for (int r = 0; r < 16; r++) {
                for (int j = 0; j < 16; j++) {
                    tc->fx.xmm[r][j] = (uint8_t)(0x11 * r + 7 * j + k);
                }
            }
            Op m = mem_form(k);
            if (ops[i].opc[1] == 0xae) {
                /* 512 bytes: from below the operand's address, inside
                 * the data pages (which byte of an area running off them
                 * CR2 names differs between vendors) */
                m.disp -= 0x200;
            }
            insn(&D->b, ops[i].pfx, g_bits, ops[i].opc, ops[i].nopc,
                 ops[i].reg, m, 0, 0);
            ins_end(&D->b, 0, 0);
            if (ops[i].opc[1] == 0xae) {
                /* MXCSR_MASK is the host's: overwrite it */
                static const uint8_t mov_imm[] = { 0xc7 };
                Op mm = m;
                mm.disp += 28;
                insn(&D->b, 0, 32, mov_imm, 1, 0, mm, 32, 0);
                ins_end(&D->b, 0, 0);
            }
            t_end(0);
        }
    }
}

void compat32_directed_generate(TestSink sink, void *opaque,
                                const char *filter, int bits)
{
    g_bits = bits == 16 ? 16 : 32;
    static Dir d;
    memset(&d, 0, offsetof(Dir, tc));
    d.sink = sink;
    d.opaque = opaque;
    d.filter = filter;
    D = &d;
    d_alu();
    d_incdec();
    d_grp3();
    d_shift();
    d_bt();
    d_misc_data();
    d_cc();
    d_stack();
    d_call();
    d_string();
    d_loop();
    d_segs();
    d_legacy();
    d_bits();
    d_sreg();
    d_more();
    d_far();
    d_sse();
}

/* ----- random ----- */

/*
 * 1-8 instructions; EAX, ECX, EDX are the destinations, EBX/ESI/EDI point
 * into the data pages and EBP into the stack page (and so, as 16-bit
 * addresses through GS, into the data pages); a flag-reading instruction is
 * never drawn while the flags it reads are undefined.
 */
static Op r_mem(Rng *r)
{
    static const int bases[4] = { EBX, ESI, EDI, EBP };
    switch (rng_below(r, 4)) {
    case 0:
        return M32(bases[rng_below(r, 4)], -1, 0,
                   (int32_t)rng_below(r, 256) - 128);
    case 1:
        return M32(bases[rng_below(r, 3)], -1, 0,
                   (int32_t)rng_below(r, 0x400));
    case 2:
        return M16((int)rng_below(r, 8), (int32_t)rng_below(r, 256) - 128);
    default:
        return M16((int)rng_below(r, 9), (int32_t)rng_below(r, 0x300));
    }
}

static Op r_rm(Rng *r, bool dst)
{
    if (rng_below(r, 3) == 0) {
        return r_mem(r);
    }
    return REG(dst ? (int)rng_below(r, 3) : (int)rng_below(r, 8));
}

static uint32_t r_val(Rng *r)
{
    switch (rng_below(r, 3)) {
    case 0: return V32[rng_below(r, NV32)];
    case 1: return (uint32_t)rng_below(r, 256);
    default: return (uint32_t)rng_next(r);
    }
}

/* 8-bit registers AL CL DL AH CH DH (not BL/BH: EBX is a pointer) */
static int r_reg8(Rng *r)
{
    static const int rr[6] = { 0, 1, 2, 4, 5, 6 };
    return rr[rng_below(r, 6)];
}

static bool r_one(CB *b, Rng *r)
{
    static const int szs[3] = { 8, 16, 32 };
    int sz = szs[rng_below(r, 3)];
    int dreg = sz == 8 ? r_reg8(r) : (int)rng_below(r, 3);
    Op rm = r_rm(r, true);
    if (rm.kind == 0 && sz == 8) {
        rm = REG(r_reg8(r));
    }
    uint16_t u = b->u;
    switch (rng_below(r, 21)) {
    case 0: case 1: case 2: {
        int op = (int)rng_below(r, 8);
        if (alu_reads[op] && (u & F_CF)) {
            return false;
        }
        f_alu(b, op, sz, rm, dreg, (int)rng_below(r, 2));
        return true;
    }
    case 3: {
        int op = (int)rng_below(r, 8);
        if (alu_reads[op] && (u & F_CF)) {
            return false;
        }
        static const int opcs[4] = { 0x80, 0x81, 0x83, 0x82 };
        int opc = sz == 8 ? opcs[rng_below(r, 2) * 3] : opcs[1 + rng_below(r, 2)];
        f_alu_imm(b, op, sz, rm, r_val(r), opc);
        return true;
    }
    case 4:
        if (sz == 8) {
            return false;
        }
        f_incdec_short(b, rng_below(r, 2), sz, (int)rng_below(r, 3));
        return true;
    case 5: {
        int ext = 2 + (int)rng_below(r, 4);
        if (ext >= 4 && rm.kind == 0 && rm.reg < 3 && rng_below(r, 2)) {
            ext += 2;   /* div/idiv now and then: #DE or not */
        }
        f_grp3(b, ext, sz, rm);
        return true;
    }
    case 6: {
        int ext = (int)rng_below(r, 8);
        if (ext == 6) {
            ext = 4;
        }
        if ((ext == 2 || ext == 3) && (u & F_CF)) {
            return false;
        }
        int form = (int)rng_below(r, 3);
        uint8_t c = (uint8_t)rng_below(r, 40);
        /* the count in CL is not known here: only the imm8 and 1 forms
         * (CL-count shifts would need CL tracked) */
        if (form == 1) {
            form = 2;
        }
        f_shift(b, ext, sz, rm, form, c, 0);
        return true;
    }
    case 7:
        if (sz == 8) {
            return false;
        }
        if (rng_below(r, 2) || rm.kind) {
            f_bt_i(b, (int)rng_below(r, 4), sz, rm, (uint8_t)rng_next(r));
        } else {
            f_bt_r(b, (int)rng_below(r, 4), sz, rm, (int)rng_below(r, 3));
        }
        return true;
    case 8:
        f_movx(b, rng_below(r, 2), sz == 8 ? 16 : 32, sz == 32 ? 16 : sz == 16 ?
               (rng_below(r, 2) ? 8 : 16) : 8, (int)rng_below(r, 3),
               rm.kind ? rm : REG(r_reg8(r)));
        return true;
    case 9: {
        if (sz == 8) {
            return false;
        }
        int k = (int)rng_below(r, 3);
        if (k == 0) {
            f_imul2(b, sz, dreg, r_rm(r, false));
        } else {
            f_imul3(b, sz, dreg, r_rm(r, false), k == 1, r_val(r));
        }
        return true;
    }
    case 10: {
        int k = (int)rng_below(r, 4);
        ins_start(b);
        osz(b, k & 1 ? 32 : 16);
        e8(b, k & 2 ? 0x99 : 0x98);
        ins_end(b, 0, 0);
        return true;
    }
    case 11:
        switch (rng_below(r, 3)) {
        case 0: f_xchg(b, sz, rm, dreg); break;
        case 1: f_cmpxchg(b, sz, rm, dreg); break;
        default: f_xadd(b, sz, rm, dreg); break;
        }
        return true;
    case 12: {
        int cc = (int)rng_below(r, 16);
        if (u & cc_reads(cc)) {
            return false;
        }
        if (rng_below(r, 2)) {
            f_setcc(b, cc, rm.kind ? rm : REG(r_reg8(r)));
        } else {
            f_cmov(b, cc, sz == 8 ? 32 : sz, (int)rng_below(r, 3),
                   r_rm(r, false));
        }
        return true;
    }
    case 13: {
        Op m = r_mem(r);
        f_lea(b, sz == 8 ? 32 : sz, (int)rng_below(r, 3), m);
        return true;
    }
    case 14:
        /* push r/imm; pop into EAX/ECX/EDX */
        ins_start(b);
        osz(b, sz);
        switch (rng_below(r, 4)) {
        case 0: e8(b, 0x50 + (unsigned)rng_below(r, 8)); break;
        case 1: e8(b, 0x58 + (unsigned)rng_below(r, 3)); break;
        case 2: e8(b, 0x6a); e8(b, (unsigned)rng_next(r)); break;
        default:
            e8(b, 0x68);
            imm(b, sz == 8 ? g_bits : sz, (uint32_t)rng_next(r));
            break;
        }
        ins_end(b, 0, 0);
        return true;
    case 15: {
        /* mov */
        f_mov(b, sz, rm, dreg, rng_below(r, 2));
        return true;
    }
    case 16: {
        /* BCD adjust */
        static const struct { uint8_t b[2]; int len; uint16_t rd, u; } ops[] = {
            { { 0x37 }, 1, F_AF, F_OF | F_SF | F_ZF | F_PF },
            { { 0x3f }, 1, F_AF, F_OF | F_SF | F_ZF | F_PF },
            { { 0x27 }, 1, F_AF | F_CF, F_OF },
            { { 0x2f }, 1, F_AF | F_CF, F_OF },
            { { 0xd4, 0x0a }, 2, 0, F_OF | F_AF | F_CF },
            { { 0xd5, 0x0a }, 2, 0, F_OF | F_AF | F_CF },
        };
        int k = (int)rng_below(r, 6);
        if (u & ops[k].rd) {
            return false;
        }
        raw(b, ops[k].b, ops[k].len);
        ins_end(b, F_ARITH, ops[k].u);
        return true;
    }
    case 17: {
        /* lahf / sahf / cmc / clc / stc / salc-free flag ops */
        static const uint8_t fo[5] = { 0x9f, 0x9e, 0xf5, 0xf8, 0xf9 };
        int k = (int)rng_below(r, 5);
        if (k == 0 && (u & (F_ARITH & ~F_OF))) {
            return false;
        }
        if (k == 2 && (u & F_CF)) {
            return false;
        }
        if (k == 1) {
            /* sahf loads AH, a source, not a pointer */
        }
        raw(b, &fo[k], 1);
        ins_end(b, k == 0 ? 0 : k == 1 ? (F_ARITH & ~F_OF) : F_CF, 0);
        return true;
    }
    case 18: {
        /* a short string instruction, 32- or 16-bit addressing, count in
         * CX small: only with ECX forced below by a mov */
        bool a16 = rng_below(r, 2);
        static const uint8_t so[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
        uint8_t op = so[rng_below(r, 5)];
        bool cmp = op == 0xa6 || op == 0xae;
        /* ES:DI: a 16-bit DI needs ES = the LDT segment, a 32-bit EDI
         * a flat ES */
        if (op != 0xac && a16 != (b->tc->es_ldt != 0)) {
            return false;
        }
        if ((cmp && (u & F_CF)) || (!cmp && rng_below(r, 2))) {
            /* a rep prefix: ECX is random, so only with a count set just
             * before (mov ecx/cx, small) */
            ins_start(b);
            osz(b, a16 ? 16 : 32);
            e8(b, 0xb9);
            imm(b, a16 ? 16 : 32, (uint32_t)rng_below(r, 5));
            ins_end(b, 0, 0);
            ins_start(b);
            e8(b, cmp && rng_below(r, 2) ? 0xf2 : 0xf3);
        } else {
            ins_start(b);
        }
        if (a16) {
            e8(b, 0x65);
        }
        osz(b, sz);
        asz(b, a16);
        e8(b, op + (sz != 8));
        /* with a count of 0 the flags stay as they were (maybe undefined) */
        ins_end(b, cmp && b->tc->code[b->start] != 0xf3 &&
                   b->tc->code[b->start] != 0xf2 ? F_ARITH : 0, 0);
        return true;
    }
    case 19:
        switch (rng_below(r, 3)) {
        case 0:
            /* pusha; popa (EBX/ESI/EDI/EBP come back) */
            ins_start(b);
            osz(b, sz);
            e8(b, 0x60);
            ins_end(b, 0, 0);
            ins_start(b);
            osz(b, sz);
            e8(b, 0x61);
            ins_end(b, 0, 0);
            return true;
        case 1:
            /* enter n, lvl; leave */
            ins_start(b);
            osz(b, sz);
            e8(b, 0xc8);
            e16(b, (unsigned)rng_below(r, 0x40));
            e8(b, (unsigned)rng_below(r, 4));
            ins_end(b, 0, 0);
            ins_start(b);
            osz(b, sz);
            e8(b, 0xc9);
            ins_end(b, 0, 0);
            return true;
        default: {
            /* shift by CL, with CL set just before */
            int ext = (int)rng_below(r, 8);
            if (ext == 6 || ((ext == 2 || ext == 3) && (u & F_CF))) {
                return false;
            }
            unsigned c = (unsigned)rng_below(r, 64);
            ins_start(b);
            e8(b, 0xb1);        /* mov cl, imm8 */
            e8(b, c);
            ins_end(b, 0, 0);
            if (rm.kind == 0 && (rm.reg & 3) == ECX) {
                rm = REG(EAX);
            }
            f_shift(b, ext, sz, rm, 1, 0, c);
            return true;
        }
        }
    default: {
        /* a jcc/loop/jcxz over the next instruction */
        int cc = (int)rng_below(r, 16);
        int k = (int)rng_below(r, 4);
        if (k < 2 && (u & cc_reads(cc))) {
            return false;
        }
        b->jumps = true;
        ins_start(b);
        if (k == 3) {
            asz(b, true);
            e8(b, 0xe3);        /* jcxz */
        } else if (k == 2) {
            asz(b, true);
            e8(b, 0xe2);        /* loop (CX) */
        } else {
            e8(b, 0x70 + (unsigned)cc);
        }
        e8(b, 1);
        ins_end(b, 0, 0);
        RAW(b, 0x40 + (unsigned)rng_below(r, 3));   /* inc e[acd]x */
        ins_end(b, F_ARITH & ~F_CF, 0);
        return true;
    }
    }
}

void compat32_random_generate_one(Rng *rng, TestCase *tc, int bits)
{
    g_bits = bits == 16 ? 16 : 32;
    CB b;
    cb_begin(&b, tc, bits == 16 ? "random16" : "random32");
    const uint32_t init[8] = {
        0, 0, 0, DBASE + 0x100, SBASE + 0x800, SBASE + 0x700,
        DBASE + 0x800, DBASE + 0x1000,
    };
    for (int i = 0; i < 16; i++) {
        uint64_t v = i < 8 ? init[i] : (uint32_t)rng_next(rng);
        if (i < 3) {
            v = r_val(rng);
        }
        if (i == EBX || i == ESI || i == EDI || i == EBP) {
            v += rng_below(rng, 0x100);
        }
        tc->regs[i] = (rng_next(rng) & 0xffffffff00000000ull) | v;
    }
    tc->rflags = rng_next(rng) & F_ARITH;
    tc->es_ldt = rng_below(rng, 4) == 0;
    if (rng_below(rng, 4) == 0) {
        tc->rflags |= F_DF;
    }
    tc->mem_seed = rng_next(rng);
    int n = 1 + (int)rng_below(rng, 8);
    for (int i = 0; i < n && b.n < n;) {
        int save_pos = b.pos, save_n = b.n;
        uint16_t save_u = b.u;
        bool save_j = b.jumps;
        if (!r_one(&b, rng)) {
            b.pos = save_pos;
            b.n = save_n;
            b.u = save_u;
            b.jumps = save_j;
            memset(tc->code + b.pos, 0xcc, MAX_CODE - (size_t)b.pos);
            continue;
        }
        i = b.n;
    }
    cb_end(&b);
}
