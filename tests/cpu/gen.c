/*
 * The encoder and the instruction-form emitters (see gen.h).
 */
#include <string.h>

#include "gen.h"

const char *const alu_names[8] = {
    "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
};
const char *const shift_names[8] = {
    "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar",
};
const char *const bt_names[4] = { "bt", "bts", "btr", "btc" };
const char *const cc_names[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a",
    "s", "ns", "p", "np", "l", "ge", "le", "g",
};
const char *const str_names[5] = { "movs", "cmps", "stos", "lods", "scas" };
const char *const bitcnt_names[3] = { "popcnt", "tzcnt", "lzcnt" };
const char *const bmi_names[BMI_NB] = {
    "andn", "blsr", "blsmsk", "blsi", "bextr", "bzhi", "pdep", "pext",
    "mulx", "sarx", "shlx", "shrx", "rorx",
};

void b_init(Builder *b, TestCase *tc)
{
    memset(b, 0, sizeof(*b));
    b->tc = tc;
    tc->code_len = 0;
    tc->nb_insns = 0;
    tc->hi32_undef = 0;
}

void b_bytes(Builder *b, const uint8_t *p, int n)
{
    TestCase *tc = b->tc;
    if (tc->code_len + (unsigned)n + 1 > MAX_CODE) {
        b->bad = true;
        return;
    }
    memcpy(tc->code + tc->code_len, p, (size_t)n);
    tc->code_len += (unsigned)n;
}

void b_start(Builder *b)
{
    TestCase *tc = b->tc;
    if (tc->nb_insns >= MAX_INSNS) {
        b->bad = true;
        return;
    }
    tc->insn_off[tc->nb_insns] = (uint16_t)tc->code_len;
}

void b_flags(Builder *b, uint16_t reads, uint16_t wdef, uint16_t wundef)
{
    TestCase *tc = b->tc;
    if (b->bad || tc->nb_insns >= MAX_INSNS) {
        b->bad = true;
        return;
    }
    b->reads |= reads & b->undef;
    b->undef = (uint16_t)((b->undef & ~wdef) | wundef);
    tc->undef[tc->nb_insns] = b->undef;
    tc->nb_insns++;
}

void b_finish(Builder *b)
{
    TestCase *tc = b->tc;
    tc->insn_off[tc->nb_insns] = (uint16_t)tc->code_len;
    tc->code[tc->code_len++] = 0xcc;
}

static int fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

bool b_emit(Builder *b, const Insn *in)
{
    uint8_t t[32];
    int n = 0;
    int disp_pos = -1;
    uint8_t rex = 0;
    bool need_rex = false, no_rex = false;

    if (b->lock) {
        t[n++] = 0xf0;
        b->lock = false;
    }
    if (b->seg) {
        t[n++] = b->seg;
        b->seg = 0;
    }
    for (int i = 0; i < in->npfx; i++) {
        t[n++] = in->pfx[i];
    }
    if (in->modrm && in->rm.mem && in->rm.addr32) {
        t[n++] = 0x67;
    }
    if (in->osize == 16 && !in->vex) {
        t[n++] = 0x66;
    }
    if (in->mpfx) {
        t[n++] = in->mpfx;
    }
    if (in->osize == 64 && !in->d64 && !in->vex) {
        rex |= 8;
    }

    /* the register encodings */
    int regf = 0, rmf = 0, plus = 0;
    if (in->modrm) {
        int r = in->reg;
        if (in->reg_is_gpr && r >= REG_AH) {
            no_rex = true;
            r -= 16;
        } else if (in->reg_is_gpr && in->byteop && r >= 4 && r < 8) {
            need_rex = true;
        }
        if (r & 8) {
            rex |= 4;
        }
        regf = r & 7;
        if (!in->rm.mem) {
            int rr = in->rm.reg;
            if (rr >= REG_AH) {
                no_rex = true;
                rr -= 16;
            } else if (in->byteop && rr >= 4 && rr < 8) {
                need_rex = true;
            }
            if (rr & 8) {
                rex |= 1;
            }
            rmf = rr & 7;
        } else {
            if (in->rm.index >= 0 && (in->rm.index & 8)) {
                rex |= 2;
            }
            if (in->rm.base >= 0 && in->rm.base < 16 && (in->rm.base & 8)) {
                rex |= 1;
            }
        }
    }
    if (in->plusr >= 0) {
        int rr = in->plusr;
        if (rr >= REG_AH) {
            no_rex = true;
            rr -= 16;
        } else if (in->byteop && rr >= 4 && rr < 8) {
            need_rex = true;
        }
        if (rr & 8) {
            rex |= 1;
        }
        plus = rr & 7;
    }
    if (in->vex) {
        /* C4 [R X B mmmmm] [W vvvv L pp] opcode: R, X, B and vvvv
         * inverted */
        if (no_rex || need_rex || in->plusr >= 0 || in->nopc != 1) {
            b->bad = true;
            return false;
        }
        t[n++] = 0xc4;
        t[n++] = (uint8_t)((rex & 4 ? 0 : 0x80) | (rex & 2 ? 0 : 0x40) |
                           (rex & 1 ? 0 : 0x20) | (in->vmap & 0x1f));
        t[n++] = (uint8_t)((in->vw ? 0x80 : 0) | (~in->vvvv & 15) << 3 |
                           (in->vl ? 4 : 0) | (in->vpp & 3));
        t[n++] = in->opc[0];
    } else {
        if (rex || need_rex) {
            if (no_rex) {
                b->bad = true;
                return false;
            }
            t[n++] = 0x40 | rex;
        }
        for (int i = 0; i < in->nopc; i++) {
            t[n++] = in->opc[i] + (i == in->nopc - 1 ? plus : 0);
        }
    }
    if (in->modrm) {
        const Opnd *m = &in->rm;
        if (!m->mem) {
            t[n++] = (uint8_t)(0xc0 | regf << 3 | rmf);
        } else if (m->base == BASE_RIP) {
            t[n++] = (uint8_t)(regf << 3 | 5);
            disp_pos = n;
            n += 4;
        } else if (m->index == 4) {
            b->bad = true;   /* RSP cannot be an index */
            return false;
        } else {
            int scale_bits = m->scale == 8 ? 3 : m->scale == 4 ? 2 :
                             m->scale == 2 ? 1 : 0;
            int dsz;
            if (m->base < 0) {
                dsz = 4;
            } else if (m->dispsz) {
                dsz = m->dispsz;
            } else if (m->disp == 0 && (m->base & 7) != 5) {
                dsz = 0;
            } else {
                dsz = fits8(m->disp) ? 1 : 4;
            }
            int mod = m->base < 0 ? 0 : dsz == 0 ? 0 : dsz == 1 ? 1 : 2;
            bool sib = m->index >= 0 || m->base < 0 || (m->base & 7) == 4;
            if (sib) {
                t[n++] = (uint8_t)(mod << 6 | regf << 3 | 4);
                t[n++] = (uint8_t)(scale_bits << 6 |
                                   (m->index >= 0 ? m->index & 7 : 4) << 3 |
                                   (m->base < 0 ? 5 : m->base & 7));
            } else {
                t[n++] = (uint8_t)(mod << 6 | regf << 3 | (m->base & 7));
            }
            for (int i = 0; i < dsz; i++) {
                t[n++] = (uint8_t)((uint32_t)m->disp >> (8 * i));
            }
        }
    }
    for (int i = 0; i < in->immsz; i++) {
        t[n++] = (uint8_t)(in->imm >> (8 * i));
    }
    for (int i = 0; i < in->imm2sz; i++) {
        t[n++] = (uint8_t)(in->imm2 >> (8 * i));
    }
    if (disp_pos >= 0) {
        uint64_t next = tc_entry(b->tc) + b->tc->code_len + (unsigned)n;
        uint32_t d = (uint32_t)(in->rm.target - next);
        memcpy(t + disp_pos, &d, 4);
    }
    b_bytes(b, t, n);
    return !b->bad;
}

/* ----- helpers ----- */

#define ALL  F_ARITH
#define LDEF (F_ARITH & ~F_AF)

static Insn base_insn(int sz)
{
    Insn in;
    memset(&in, 0, sizeof(in));
    in.osize = (uint8_t)sz;
    in.byteop = sz == 8;
    in.plusr = -1;
    return in;
}

static void set_opc(Insn *in, int n, uint8_t a, uint8_t b, uint8_t c)
{
    in->nopc = (uint8_t)n;
    in->opc[0] = a;
    in->opc[1] = b;
    in->opc[2] = c;
}

/* modrm with a register in the reg field */
static void emit_rm_reg(Builder *b, int sz, int nopc, uint8_t o0, uint8_t o1,
                        uint8_t o2, int reg, Opnd rm, uint16_t reads,
                        uint16_t wdef, uint16_t wundef)
{
    Insn in = base_insn(sz);
    set_opc(&in, nopc, o0, o1, o2);
    in.modrm = true;
    in.reg_is_gpr = true;
    in.reg = (int8_t)reg;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, reads, wdef, wundef);
}

/* modrm with a /digit */
static void emit_rm_ext(Builder *b, int sz, int nopc, uint8_t o0, uint8_t o1,
                        int ext, Opnd rm, int immsz, uint64_t imm,
                        uint16_t reads, uint16_t wdef, uint16_t wundef)
{
    Insn in = base_insn(sz);
    set_opc(&in, nopc, o0, o1, 0);
    in.modrm = true;
    in.reg = (int8_t)ext;
    in.rm = rm;
    in.immsz = (uint8_t)immsz;
    in.imm = imm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, reads, wdef, wundef);
}

static void emit_simple(Builder *b, int sz, int nopc, uint8_t o0, uint8_t o1,
                        int immsz, uint64_t imm, uint16_t reads,
                        uint16_t wdef, uint16_t wundef)
{
    Insn in = base_insn(sz);
    set_opc(&in, nopc, o0, o1, 0);
    in.immsz = (uint8_t)immsz;
    in.imm = imm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, reads, wdef, wundef);
}

static int immsz_of(int sz)
{
    return sz == 8 ? 1 : sz == 16 ? 2 : 4;
}

static void alu_flags(int op, uint16_t *reads, uint16_t *wdef,
                      uint16_t *wundef)
{
    *reads = (op == ALU_ADC || op == ALU_SBB) ? F_CF : 0;
    if (op == ALU_OR || op == ALU_AND || op == ALU_XOR) {
        *wdef = LDEF;
        *wundef = F_AF;
    } else {
        *wdef = ALL;
        *wundef = 0;
    }
}

/* ----- ALU ----- */

void g_alu_rm_r(Builder *b, int op, int sz, Opnd rm, int reg)
{
    uint16_t r, d, u;
    alu_flags(op, &r, &d, &u);
    emit_rm_reg(b, sz, 1, (uint8_t)(op * 8 + (sz == 8 ? 0 : 1)), 0, 0, reg,
                rm, r, d, u);
}

void g_alu_r_rm(Builder *b, int op, int sz, int reg, Opnd rm)
{
    uint16_t r, d, u;
    alu_flags(op, &r, &d, &u);
    emit_rm_reg(b, sz, 1, (uint8_t)(op * 8 + (sz == 8 ? 2 : 3)), 0, 0, reg,
                rm, r, d, u);
}

void g_alu_acc_imm(Builder *b, int op, int sz, uint64_t imm)
{
    uint16_t r, d, u;
    alu_flags(op, &r, &d, &u);
    emit_simple(b, sz, 1, (uint8_t)(op * 8 + (sz == 8 ? 4 : 5)), 0,
                immsz_of(sz), imm, r, d, u);
}

void g_alu_rm_imm(Builder *b, int op, int sz, Opnd rm, uint64_t imm)
{
    uint16_t r, d, u;
    alu_flags(op, &r, &d, &u);
    emit_rm_ext(b, sz, 1, sz == 8 ? 0x80 : 0x81, 0, op, rm, immsz_of(sz), imm,
                r, d, u);
}

void g_alu_rm_imm8(Builder *b, int op, int sz, Opnd rm, uint64_t imm)
{
    uint16_t r, d, u;
    alu_flags(op, &r, &d, &u);
    emit_rm_ext(b, sz, 1, 0x83, 0, op, rm, 1, imm, r, d, u);
}

void g_test_rm_r(Builder *b, int sz, Opnd rm, int reg)
{
    emit_rm_reg(b, sz, 1, sz == 8 ? 0x84 : 0x85, 0, 0, reg, rm, 0, LDEF,
                F_AF);
}

void g_test_acc_imm(Builder *b, int sz, uint64_t imm)
{
    emit_simple(b, sz, 1, sz == 8 ? 0xa8 : 0xa9, 0, immsz_of(sz), imm, 0,
                LDEF, F_AF);
}

void g_test_rm_imm(Builder *b, int sz, Opnd rm, uint64_t imm)
{
    emit_rm_ext(b, sz, 1, sz == 8 ? 0xf6 : 0xf7, 0, 0, rm, immsz_of(sz), imm,
                0, LDEF, F_AF);
}

void g_grp3(Builder *b, int ext, int sz, Opnd rm)
{
    uint16_t d = 0, u = 0;
    switch (ext) {
    case 2: break;                                   /* not */
    case 3: d = ALL; break;                          /* neg */
    case 4: case 5: d = F_CF | F_OF; u = F_SF | F_ZF | F_AF | F_PF; break;
    default: u = ALL; break;                         /* div, idiv */
    }
    emit_rm_ext(b, sz, 1, sz == 8 ? 0xf6 : 0xf7, 0, ext, rm, 0, 0, 0, d, u);
}

void g_incdec(Builder *b, bool dec, int sz, Opnd rm)
{
    emit_rm_ext(b, sz, 1, sz == 8 ? 0xfe : 0xff, 0, dec ? 1 : 0, rm, 0, 0, 0,
                ALL & ~F_CF, 0);
}

void g_imul_r_rm(Builder *b, int sz, int reg, Opnd rm)
{
    emit_rm_reg(b, sz, 2, 0x0f, 0xaf, 0, reg, rm, 0, F_CF | F_OF,
                F_SF | F_ZF | F_AF | F_PF);
}

void g_imul_r_rm_imm(Builder *b, int sz, int reg, Opnd rm, uint64_t imm,
                     bool imm8)
{
    Insn in = base_insn(sz);
    set_opc(&in, 1, imm8 ? 0x6b : 0x69, 0, 0);
    in.modrm = true;
    in.reg_is_gpr = true;
    in.reg = (int8_t)reg;
    in.rm = rm;
    in.immsz = (uint8_t)(imm8 ? 1 : immsz_of(sz));
    in.imm = imm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, F_CF | F_OF, F_SF | F_ZF | F_AF | F_PF);
}

/* ----- shifts and rotates ----- */

void g_shift(Builder *b, int ext, int sz, Opnd rm, int form, uint8_t imm,
             int known)
{
    int mask = sz == 64 ? 63 : 31;
    int count = form == SH_BY1 ? 1 : form == SH_IMM ? imm : known;
    uint16_t reads = (ext == 2 || ext == 3) ? F_CF : 0, d = 0, u = 0;
    bool rot = ext < 4;

    if (count < 0) {
        /* CL, not known: either no change or the flags below */
        u = rot ? F_OF : (F_CF | F_OF | F_AF);
    } else if ((count & mask) != 0) {
        int c = count & mask;
        if (rot) {
            d = F_CF;
        } else {
            d = F_SF | F_ZF | F_PF;
            u = F_AF;
            if (ext != 7 && c >= sz) {
                u |= F_CF;
            } else {
                d |= F_CF;
            }
        }
        if (c == 1) {
            d |= F_OF;
        } else {
            u |= F_OF;
        }
    }
    uint8_t op = (uint8_t)(form == SH_BY1 ? 0xd0 : form == SH_IMM ? 0xc0 : 0xd2);
    if (sz != 8) {
        op++;
    }
    emit_rm_ext(b, sz, 1, op, 0, ext, rm, form == SH_IMM ? 1 : 0, imm, reads,
                d, u);
}

void g_shxd(Builder *b, bool right, int sz, Opnd rm, int reg, bool cl,
            uint8_t imm, int known)
{
    int mask = sz == 64 ? 63 : 31;
    int count = cl ? known : imm;
    uint16_t d = 0, u = 0;
    if (count < 0) {
        u = F_OF | F_AF;
        if (sz == 16) {
            u = ALL;
        }
    } else if ((count & mask) != 0) {
        int c = count & mask;
        if (c > sz) {
            u = ALL;
        } else {
            d = F_CF | F_SF | F_ZF | F_PF;
            u = F_AF;
            if (c == 1) {
                d |= F_OF;
            } else {
                u |= F_OF;
            }
        }
    }
    Insn in = base_insn(sz);
    set_opc(&in, 2, 0x0f, (uint8_t)((right ? 0xac : 0xa4) + (cl ? 1 : 0)), 0);
    in.modrm = true;
    in.reg_is_gpr = true;
    in.reg = (int8_t)reg;
    in.rm = rm;
    in.immsz = cl ? 0 : 1;
    in.imm = imm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, d, u);
}

void g_bt_r(Builder *b, int op, int sz, Opnd rm, int reg)
{
    emit_rm_reg(b, sz, 2, 0x0f, (uint8_t)(0xa3 + op * 8), 0, reg, rm, 0, F_CF,
                F_OF | F_SF | F_AF | F_PF);
}

void g_bt_imm(Builder *b, int op, int sz, Opnd rm, uint8_t imm)
{
    emit_rm_ext(b, sz, 2, 0x0f, 0xba, 4 + op, rm, 1, imm, 0, F_CF,
                F_OF | F_SF | F_AF | F_PF);
}

void g_bsx(Builder *b, bool bsr, int sz, int reg, Opnd rm)
{
    emit_rm_reg(b, sz, 2, 0x0f, bsr ? 0xbd : 0xbc, 0, reg, rm, 0, F_ZF,
                ALL & ~F_ZF);
}

void g_bswap(Builder *b, int sz, int reg)
{
    Insn in = base_insn(sz);
    set_opc(&in, 2, 0x0f, 0xc8, 0);
    in.plusr = (int8_t)reg;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

/* ----- POPCNT, LZCNT, TZCNT, MOVBE, ADCX, ADOX ----- */

void g_bitcnt(Builder *b, int op, int sz, int reg, Opnd rm)
{
    static const uint8_t opc[3] = { 0xb8, 0xbc, 0xbd };
    Insn in = base_insn(sz);
    in.mpfx = 0xf3;
    set_opc(&in, 2, 0x0f, opc[op], 0);
    in.modrm = true;
    in.reg_is_gpr = true;
    in.reg = (int8_t)reg;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    if (op == BC_POPCNT) {
        /* ZF from the source, the others cleared */
        b_flags(b, 0, ALL, 0);
    } else {
        /* CF: the source is zero; ZF: the result is zero */
        b_flags(b, 0, F_CF | F_ZF, F_OF | F_SF | F_AF | F_PF);
    }
}

void g_movbe(Builder *b, bool store, int sz, int reg, Opnd rm)
{
    emit_rm_reg(b, sz, 3, 0x0f, 0x38, store ? 0xf1 : 0xf0, reg, rm, 0, 0, 0);
}

void g_adx(Builder *b, bool adox, int sz, int reg, Opnd rm)
{
    Insn in = base_insn(sz);
    in.mpfx = adox ? 0xf3 : 0x66;
    set_opc(&in, 3, 0x0f, 0x38, 0xf6);
    in.modrm = true;
    in.reg_is_gpr = true;
    in.reg = (int8_t)reg;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    uint16_t f = adox ? F_OF : F_CF;
    b_flags(b, f, f, 0);
}

/* ----- BMI1, BMI2 (VEX) ----- */

void g_vex(Builder *b, int map, int pp, bool w, bool l, int vvvv,
           uint8_t opc, int reg, Opnd rm, int immsz, uint8_t imm,
           uint16_t reads, uint16_t wdef, uint16_t wundef)
{
    Insn in = base_insn(w ? 64 : 32);
    in.vex = true;
    in.vw = w;
    in.vl = l;
    in.vmap = (uint8_t)map;
    in.vpp = (uint8_t)pp;
    in.vvvv = (int8_t)vvvv;
    set_opc(&in, 1, opc, 0, 0);
    in.modrm = true;
    in.reg = (int8_t)reg;
    in.rm = rm;
    in.immsz = (uint8_t)immsz;
    in.imm = imm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, reads, wdef, wundef);
}

void g_bmi(Builder *b, int op, int sz, int r, int v, Opnd rm, uint8_t imm)
{
    static const struct {
        uint8_t map, pp, opc;
        int8_t ext;         /* /digit, or -1: r in the reg field */
        bool usev;          /* vvvv names a register */
        uint16_t wdef, wundef;
    } t[BMI_NB] = {
        /* andn: SF ZF from the result, CF OF cleared */
        [BMI_ANDN] = { 2, 0, 0xf2, -1, true, F_SF | F_ZF | F_CF | F_OF,
                       F_AF | F_PF },
        /* blsr, blsmsk, blsi: SF ZF CF, OF cleared */
        [BMI_BLSR] = { 2, 0, 0xf3, 1, true, F_SF | F_ZF | F_CF | F_OF,
                       F_AF | F_PF },
        [BMI_BLSMSK] = { 2, 0, 0xf3, 2, true, F_SF | F_ZF | F_CF | F_OF,
                         F_AF | F_PF },
        [BMI_BLSI] = { 2, 0, 0xf3, 3, true, F_SF | F_ZF | F_CF | F_OF,
                       F_AF | F_PF },
        /* bextr: ZF, CF OF cleared */
        [BMI_BEXTR] = { 2, 0, 0xf7, -1, true, F_ZF | F_CF | F_OF,
                        F_AF | F_SF | F_PF },
        /* bzhi: SF ZF CF, OF cleared */
        [BMI_BZHI] = { 2, 0, 0xf5, -1, true, F_SF | F_ZF | F_CF | F_OF,
                       F_AF | F_PF },
        /* no flags */
        [BMI_PDEP] = { 2, 3, 0xf5, -1, true, 0, 0 },
        [BMI_PEXT] = { 2, 2, 0xf5, -1, true, 0, 0 },
        [BMI_MULX] = { 2, 3, 0xf6, -1, true, 0, 0 },
        [BMI_SARX] = { 2, 2, 0xf7, -1, true, 0, 0 },
        [BMI_SHLX] = { 2, 1, 0xf7, -1, true, 0, 0 },
        [BMI_SHRX] = { 2, 3, 0xf7, -1, true, 0, 0 },
        [BMI_RORX] = { 3, 3, 0xf0, -1, false, 0, 0 },
    };
    g_vex(b, t[op].map, t[op].pp, sz == 64, false, t[op].usev ? v : 0,
          t[op].opc, t[op].ext >= 0 ? t[op].ext : r, rm,
          op == BMI_RORX ? 1 : 0, imm, 0, t[op].wdef, t[op].wundef);
}

/* ----- exchange ----- */

void g_xchg(Builder *b, int sz, Opnd rm, int reg)
{
    emit_rm_reg(b, sz, 1, sz == 8 ? 0x86 : 0x87, 0, 0, reg, rm, 0, 0, 0);
}

void g_xchg_acc(Builder *b, int sz, int reg)
{
    Insn in = base_insn(sz);
    in.byteop = false;
    set_opc(&in, 1, 0x90, 0, 0);
    in.plusr = (int8_t)reg;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_xadd(Builder *b, int sz, Opnd rm, int reg)
{
    emit_rm_reg(b, sz, 2, 0x0f, sz == 8 ? 0xc0 : 0xc1, 0, reg, rm, 0, ALL, 0);
}

void g_cmpxchg(Builder *b, int sz, Opnd rm, int reg)
{
    emit_rm_reg(b, sz, 2, 0x0f, sz == 8 ? 0xb0 : 0xb1, 0, reg, rm, 0, ALL, 0);
}

void g_cmpxchg8b(Builder *b, bool is16b, Opnd m)
{
    emit_rm_ext(b, is16b ? 64 : 32, 2, 0x0f, 0xc7, 1, m, 0, 0, 0, F_ZF, 0);
}

/* ----- moves ----- */

void g_movx(Builder *b, bool sign, int dsz, int ssz, int reg, Opnd rm)
{
    Insn in = base_insn(dsz);
    in.byteop = ssz == 8;   /* the rm operand is a byte register */
    set_opc(&in, 2, 0x0f,
            (uint8_t)((sign ? 0xbe : 0xb6) + (ssz == 16 ? 1 : 0)), 0);
    in.modrm = true;
    /* the reg field is a full-size register: no byte-register rules */
    in.reg_is_gpr = false;
    in.reg = (int8_t)reg;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_movsxd(Builder *b, int sz, int reg, Opnd rm)
{
    emit_rm_reg(b, sz, 1, 0x63, 0, 0, reg, rm, 0, 0, 0);
}

void g_mov_rm_r(Builder *b, int sz, Opnd rm, int reg)
{
    emit_rm_reg(b, sz, 1, sz == 8 ? 0x88 : 0x89, 0, 0, reg, rm, 0, 0, 0);
}

void g_mov_r_rm(Builder *b, int sz, int reg, Opnd rm)
{
    emit_rm_reg(b, sz, 1, sz == 8 ? 0x8a : 0x8b, 0, 0, reg, rm, 0, 0, 0);
}

void g_mov_rm_imm(Builder *b, int sz, Opnd rm, uint64_t imm)
{
    emit_rm_ext(b, sz, 1, sz == 8 ? 0xc6 : 0xc7, 0, 0, rm, immsz_of(sz), imm,
                0, 0, 0);
}

void g_mov_r_imm(Builder *b, int sz, int reg, uint64_t imm)
{
    Insn in = base_insn(sz);
    set_opc(&in, 1, sz == 8 ? 0xb0 : 0xb8, 0, 0);
    in.plusr = (int8_t)reg;
    in.immsz = (uint8_t)(sz == 64 ? 8 : sz / 8);
    in.imm = imm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_mov_moffs(Builder *b, int sz, bool store, uint64_t addr)
{
    emit_simple(b, sz, 1, (uint8_t)((store ? 0xa2 : 0xa0) + (sz == 8 ? 0 : 1)),
                0, 8, addr, 0, 0, 0);
}

void g_cbw(Builder *b, int sz)
{
    emit_simple(b, sz, 1, 0x98, 0, 0, 0, 0, 0, 0);
}

void g_cwd(Builder *b, int sz)
{
    emit_simple(b, sz, 1, 0x99, 0, 0, 0, 0, 0, 0);
}

void g_lea(Builder *b, int sz, int reg, Opnd m)
{
    emit_rm_reg(b, sz, 1, 0x8d, 0, 0, reg, m, 0, 0, 0);
}

/* ----- conditions and branches ----- */

uint16_t cc_reads(int cc)
{
    switch (cc >> 1) {
    case 0: return F_OF;
    case 1: return F_CF;
    case 2: return F_ZF;
    case 3: return F_CF | F_ZF;
    case 4: return F_SF;
    case 5: return F_PF;
    case 6: return F_SF | F_OF;
    default: return F_SF | F_OF | F_ZF;
    }
}

void g_setcc(Builder *b, int cc, Opnd rm)
{
    emit_rm_ext(b, 8, 2, 0x0f, (uint8_t)(0x90 + cc), 0, rm, 0, 0,
                cc_reads(cc), 0, 0);
}

void g_cmovcc(Builder *b, int cc, int sz, int reg, Opnd rm)
{
    emit_rm_reg(b, sz, 2, 0x0f, (uint8_t)(0x40 + cc), 0, reg, rm,
                cc_reads(cc), 0, 0);
}

void g_jcc(Builder *b, int cc, int32_t rel, bool islong)
{
    if (islong) {
        emit_simple(b, 32, 2, 0x0f, (uint8_t)(0x80 + cc), 4, (uint32_t)rel,
                    cc_reads(cc), 0, 0);
    } else {
        emit_simple(b, 32, 1, (uint8_t)(0x70 + cc), 0, 1, (uint8_t)rel,
                    cc_reads(cc), 0, 0);
    }
}

void g_jmp(Builder *b, int32_t rel, bool islong)
{
    emit_simple(b, 32, 1, islong ? 0xe9 : 0xeb, 0, islong ? 4 : 1,
                (uint32_t)rel, 0, 0, 0);
}

void g_jmp_rm(Builder *b, Opnd rm)
{
    Insn in = base_insn(64);
    in.d64 = true;
    set_opc(&in, 1, 0xff, 0, 0);
    in.modrm = true;
    in.reg = 4;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_loop(Builder *b, int kind, int8_t rel, bool addr32)
{
    uint16_t reads = kind == 0 || kind == 1 ? F_ZF : 0;
    Insn in = base_insn(32);
    if (addr32) {
        in.pfx[in.npfx++] = 0x67;
    }
    set_opc(&in, 1, (uint8_t)(0xe0 + kind), 0, 0);
    in.immsz = 1;
    in.imm = (uint8_t)rel;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, reads, 0, 0);
}

/* ----- stack ----- */

void g_push_r(Builder *b, int sz, int reg)
{
    Insn in = base_insn(sz);
    in.byteop = false;
    in.d64 = true;
    set_opc(&in, 1, 0x50, 0, 0);
    in.plusr = (int8_t)reg;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_pop_r(Builder *b, int sz, int reg)
{
    Insn in = base_insn(sz);
    in.byteop = false;
    in.d64 = true;
    set_opc(&in, 1, 0x58, 0, 0);
    in.plusr = (int8_t)reg;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_push_rm(Builder *b, int sz, Opnd rm)
{
    Insn in = base_insn(sz);
    in.d64 = true;
    set_opc(&in, 1, 0xff, 0, 0);
    in.modrm = true;
    in.reg = 6;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_pop_rm(Builder *b, int sz, Opnd rm)
{
    Insn in = base_insn(sz);
    in.d64 = true;
    set_opc(&in, 1, 0x8f, 0, 0);
    in.modrm = true;
    in.reg = 0;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_push_imm(Builder *b, int sz, uint64_t imm, bool imm8)
{
    Insn in = base_insn(sz);
    in.d64 = true;
    set_opc(&in, 1, imm8 ? 0x6a : 0x68, 0, 0);
    in.immsz = (uint8_t)(imm8 ? 1 : sz == 16 ? 2 : 4);
    in.imm = imm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_call_rel(Builder *b, int32_t rel)
{
    emit_simple(b, 32, 1, 0xe8, 0, 4, (uint32_t)rel, 0, 0, 0);
}

void g_call_rm(Builder *b, Opnd rm)
{
    Insn in = base_insn(64);
    in.d64 = true;
    set_opc(&in, 1, 0xff, 0, 0);
    in.modrm = true;
    in.reg = 2;
    in.rm = rm;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_ret(Builder *b, int imm16)
{
    if (imm16 < 0) {
        emit_simple(b, 32, 1, 0xc3, 0, 0, 0, 0, 0, 0);
    } else {
        emit_simple(b, 32, 1, 0xc2, 0, 2, (uint16_t)imm16, 0, 0, 0);
    }
}

void g_enter(Builder *b, int sz, uint16_t size, uint8_t level)
{
    Insn in = base_insn(sz);
    in.d64 = true;
    set_opc(&in, 1, 0xc8, 0, 0);
    in.immsz = 2;
    in.imm = size;
    in.imm2sz = 1;
    in.imm2 = level;
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

void g_leave(Builder *b, int sz)
{
    Insn in = base_insn(sz);
    in.d64 = true;
    set_opc(&in, 1, 0xc9, 0, 0);
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, 0, 0);
}

/* ----- strings ----- */

void g_string(Builder *b, int kind, int sz, int rep, bool addr32,
              int64_t known_rcx)
{
    static const uint8_t opc[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
    uint16_t d = 0;
    if (kind == STR_CMPS || kind == STR_SCAS) {
        if (!rep || known_rcx > 0) {
            d = ALL;
        }
    }
    Insn in = base_insn(sz);
    if (rep) {
        in.pfx[in.npfx++] = (uint8_t)rep;
    }
    if (addr32) {
        in.pfx[in.npfx++] = 0x67;
    }
    set_opc(&in, 1, (uint8_t)(opc[kind] + (sz == 8 ? 0 : 1)), 0, 0);
    b_start(b);
    b_emit(b, &in);
    b_flags(b, 0, d, 0);
}

/* ----- flags and the rest ----- */

void g_flagop(Builder *b, uint8_t opc, int sz)
{
    uint16_t r = 0, d = 0;
    switch (opc) {
    case 0xf8: case 0xf9: d = F_CF; break;
    case 0xf5: r = F_CF; d = F_CF; break;
    case 0x9e: d = F_SF | F_ZF | F_AF | F_PF | F_CF; break;
    case 0x9f: r = F_SF | F_ZF | F_AF | F_PF | F_CF; break;
    case 0x9c: r = ALL; break;
    case 0x9d: d = ALL; break;
    default: break;
    }
    Insn in = base_insn(sz);
    in.d64 = true;
    set_opc(&in, 1, opc, 0, 0);
    b_start(b);
    b_emit(b, &in);
    b_flags(b, r, d, 0);
}

void g_xlat(Builder *b)
{
    emit_simple(b, 32, 1, 0xd7, 0, 0, 0, 0, 0, 0);
}

void g_nop(Builder *b, int kind)
{
    static const uint8_t nops[][10] = {
        { 1, 0x90 },
        { 2, 0x66, 0x90 },
        { 3, 0x0f, 0x1f, 0x00 },
        { 4, 0x0f, 0x1f, 0x40, 0x00 },
        { 5, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
        { 6, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
        { 7, 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
        { 8, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
        { 9, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
        { 2, 0xf3, 0x90 },          /* pause */
        { 4, 0x48, 0x0f, 0x1f, 0xc0 },
    };
    int k = kind % (int)(sizeof(nops) / sizeof(nops[0]));
    b_start(b);
    b_bytes(b, nops[k] + 1, nops[k][0]);
    b_flags(b, 0, 0, 0);
}

void g_int3(Builder *b)
{
    emit_simple(b, 32, 1, 0xcc, 0, 0, 0, 0, 0, 0);
}

const char *reg_name(int reg, int sz)
{
    static const char *const n64[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };
    static const char *const n32[16] = {
        "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
    };
    static const char *const n16[16] = {
        "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w",
    };
    static const char *const n8[16] = {
        "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b",
    };
    static const char *const nh[4] = { "ah", "ch", "dh", "bh" };
    if (reg >= REG_AH) {
        return nh[reg - REG_AH];
    }
    switch (sz) {
    case 8: return n8[reg & 15];
    case 16: return n16[reg & 15];
    case 32: return n32[reg & 15];
    default: return n64[reg & 15];
    }
}
