/*
 * x86-64 host code emitter. Instructions are encoded from named opcode
 * constants with their prefixes folded in (OPC_ADD_GvEv | P_REXW), so each
 * emitted instruction can be checked against the SDM's opcode tables by eye.
 */
#include <assert.h>
#include <string.h>
#include <sys/mman.h>

#include "tcg/tuning.h"
#include "tcg/x86_64/tcg-target.h"

/* prefix bits above the opcode byte(s) */
#define P_EXT    0x100    /* 0x0f escape */
#define P_DATA16 0x400    /* 0x66 */
#define P_REXW   0x1000   /* REX.W */
#define P_REXB   0x2000   /* byte register operand: force a REX so that
                             4..7 mean spl/bpl/sil/dil, not ah..bh */
#define P_SIMDF3 0x4000   /* 0xf3 */
#define P_EXT38  0x8000   /* 0x0f 0x38 escape */

#define OPC_ARITH_EbIb 0x80
#define OPC_ARITH_EvIz 0x81
#define OPC_ARITH_EvIb 0x83
#define OPC_ARITH_GvEv 0x03   /* | ARITH_x << 3 */
#define OPC_ARITH_EvGv 0x01   /* | ARITH_x << 3 */
#define OPC_BSWAP (0xc8 | P_EXT)
#define OPC_CALL_Jz 0xe8
#define OPC_CMOVCC (0x40 | P_EXT)
#define OPC_GRP3_Ev 0xf7
#define OPC_GRP5 0xff
#define OPC_IMUL_GvEv (0xaf | P_EXT)
#define OPC_IMUL_GvEvIz 0x69
#define OPC_JCC_long (0x80 | P_EXT)
#define OPC_JMP_long 0xe9
#define OPC_LEA 0x8d
#define OPC_MOVB_EvGv 0x88
#define OPC_MOVL_EvGv 0x89
#define OPC_MOVL_GvEv 0x8b
#define OPC_MOVL_Iv 0xb8
#define OPC_MOVL_EvIz 0xc7
#define OPC_MOVSBL (0xbe | P_EXT)
#define OPC_MOVSWL (0xbf | P_EXT)
#define OPC_MOVSLQ (0x63 | P_REXW)
#define OPC_MOVZBL (0xb6 | P_EXT)
#define OPC_MOVZWL (0xb7 | P_EXT)
#define OPC_NOP 0x90
#define OPC_POP_r32 0x58
#define OPC_PUSH_r32 0x50
#define OPC_RET 0xc3
#define OPC_SETCC (0x90 | P_EXT)
#define OPC_SHIFT_Ib 0xc1
#define OPC_SHIFT_cl 0xd3
#define OPC_TESTL 0x85

enum { ARITH_ADD, ARITH_OR, ARITH_ADC, ARITH_SBB, ARITH_AND, ARITH_SUB,
       ARITH_XOR, ARITH_CMP };
enum { SHIFT_ROL = 0, SHIFT_ROR = 1, SHIFT_SHL = 4, SHIFT_SHR = 5,
       SHIFT_SAR = 7 };
enum { EXT3_NOT = 2, EXT3_NEG = 3 };
enum { EXT5_CALLN_Ev = 2, EXT5_JMPN_Ev = 4 };
enum { JCC_JE = 0x4, JCC_JNE = 0x5 };

const int tcg_call_arg_regs[6] = {
    TCG_REG_RDI, TCG_REG_RSI, TCG_REG_RDX, TCG_REG_RCX, TCG_REG_R8, TCG_REG_R9,
};

static void tcg_out8(TCGContext *s, uint8_t v)
{
    *s->code_ptr++ = v;
}

static void tcg_out32(TCGContext *s, uint32_t v)
{
    memcpy(s->code_ptr, &v, 4);
    s->code_ptr += 4;
}

static void tcg_out64(TCGContext *s, uint64_t v)
{
    memcpy(s->code_ptr, &v, 8);
    s->code_ptr += 8;
}

static void patch_rel32(uint8_t *field, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (field + 4));
    memcpy(field, &rel, 4);
}

/* Prefixes, REX and opcode bytes; r, x, rm are register numbers or 0. */
static void tcg_out_opc(TCGContext *s, int opc, int r, int rm, int x)
{
    int rex = 0;
    if (opc & P_DATA16) {
        tcg_out8(s, 0x66);
    }
    if (opc & P_SIMDF3) {
        tcg_out8(s, 0xf3);
    }
    rex |= (opc & P_REXW) ? 0x8 : 0;
    rex |= (r & 8) >> 1;
    rex |= (x & 8) >> 2;
    rex |= (rm & 8) >> 3;
    if (rex || ((opc & P_REXB) && ((r >= 4 && r < 8) || (rm >= 4 && rm < 8)))) {
        tcg_out8(s, (uint8_t)(0x40 | rex));
    }
    if (opc & (P_EXT | P_EXT38)) {
        tcg_out8(s, 0x0f);
    }
    if (opc & P_EXT38) {
        tcg_out8(s, 0x38);
    }
    tcg_out8(s, (uint8_t)opc);
}

/* register-direct ModRM */
static void tcg_out_modrm(TCGContext *s, int opc, int r, int rm)
{
    tcg_out_opc(s, opc, r, rm, 0);
    tcg_out8(s, (uint8_t)(0xc0 | ((r & 7) << 3) | (rm & 7)));
}

/* [base + index << shift + offset]; index < 0 for none */
static void tcg_out_modrm_sib_offset(TCGContext *s, int opc, int r, int base,
                                     int index, int shift, int32_t offset)
{
    int mod;
    if (offset == 0 && (base & 7) != TCG_REG_RBP) {
        mod = 0x00;
    } else if (offset == (int8_t)offset) {
        mod = 0x40;
    } else {
        mod = 0x80;
    }
    if (index < 0 && (base & 7) != TCG_REG_RSP) {
        tcg_out_opc(s, opc, r, base, 0);
        tcg_out8(s, (uint8_t)(mod | ((r & 7) << 3) | (base & 7)));
    } else {
        int ix = index < 0 ? TCG_REG_RSP : index;  /* rsp index = none */
        tcg_out_opc(s, opc, r, base, index < 0 ? 0 : index);
        tcg_out8(s, (uint8_t)(mod | ((r & 7) << 3) | 4));
        tcg_out8(s, (uint8_t)((shift << 6) | ((ix & 7) << 3) | (base & 7)));
    }
    if (mod == 0x40) {
        tcg_out8(s, (uint8_t)offset);
    } else if (mod == 0x80) {
        tcg_out32(s, (uint32_t)offset);
    }
}

static void tcg_out_modrm_offset(TCGContext *s, int opc, int r, int base,
                                 int32_t offset)
{
    tcg_out_modrm_sib_offset(s, opc, r, base, -1, 0, offset);
}

void tcg_out_mov(TCGContext *s, int dst, int src)
{
    if (dst != src) {
        tcg_out_modrm(s, OPC_MOVL_GvEv | P_REXW, dst, src);
    }
}

void tcg_out_movi(TCGContext *s, int dst, int64_t val)
{
    if (val == 0) {
        tcg_out_modrm(s, OPC_ARITH_GvEv | (ARITH_XOR << 3), dst, dst);
    } else if ((uint64_t)val == (uint32_t)val) {
        tcg_out_opc(s, OPC_MOVL_Iv + (dst & 7), 0, dst, 0);
        tcg_out32(s, (uint32_t)val);
    } else if (val == (int32_t)val) {
        tcg_out_modrm(s, OPC_MOVL_EvIz | P_REXW, 0, dst);
        tcg_out32(s, (uint32_t)val);
    } else {
        tcg_out_opc(s, (OPC_MOVL_Iv + (dst & 7)) | P_REXW, 0, dst, 0);
        tcg_out64(s, (uint64_t)val);
    }
}

void tcg_out_ld64(TCGContext *s, int dst, int base, int32_t offset)
{
    tcg_out_modrm_offset(s, OPC_MOVL_GvEv | P_REXW, dst, base, offset);
}

void tcg_out_st64(TCGContext *s, int src, int base, int32_t offset)
{
    tcg_out_modrm_offset(s, OPC_MOVL_EvGv | P_REXW, src, base, offset);
}

void tcg_out_st64_imm(TCGContext *s, int64_t val, int base, int32_t offset)
{
    if (val == (int32_t)val) {
        tcg_out_modrm_offset(s, OPC_MOVL_EvIz | P_REXW, 0, base, offset);
        tcg_out32(s, (uint32_t)val);
    } else {
        tcg_out_movi(s, TCG_REG_TMP1, val);
        tcg_out_st64(s, TCG_REG_TMP1, base, offset);
    }
}

void tcg_out_call(TCGContext *s, const void *func)
{
    intptr_t rel = (const uint8_t *)func - (s->code_ptr + 5);
    if (rel == (int32_t)rel) {
        tcg_out8(s, OPC_CALL_Jz);
        tcg_out32(s, (uint32_t)rel);
    } else {
        tcg_out_movi(s, TCG_REG_TMP1, (int64_t)(uintptr_t)func);
        tcg_out_modrm(s, OPC_GRP5, EXT5_CALLN_Ev, TCG_REG_TMP1);
    }
}

static void tcg_out_jmp_abs(TCGContext *s, const uint8_t *target)
{
    tcg_out8(s, OPC_JMP_long);
    tcg_out32(s, 0);
    patch_rel32(s->code_ptr - 4, target);
}

/* A rel32 field that refers to a label, patched when the label is bound. */
static void tcg_out_label_ref(TCGContext *s, TCGLabel *l)
{
    if (l->value >= 0) {
        tcg_out32(s, 0);
        patch_rel32(s->code_ptr - 4, s->code_buf + l->value);
    } else {
        assert(l->nb_refs < (int)(sizeof(l->refs) / sizeof(l->refs[0])));
        l->refs[l->nb_refs++] = (int)(s->code_ptr - s->code_buf);
        tcg_out32(s, 0);
    }
}

void tcg_out_label(TCGContext *s, TCGLabel *l)
{
    l->value = (int)(s->code_ptr - s->code_buf);
    for (int i = 0; i < l->nb_refs; i++) {
        patch_rel32(s->code_buf + l->refs[i], s->code_ptr);
    }
    l->nb_refs = 0;
}

void tcg_out_br(TCGContext *s, TCGLabel *l)
{
    tcg_out8(s, OPC_JMP_long);
    tcg_out_label_ref(s, l);
}

/* reg OP= val; rexw is P_REXW or 0 (a 32-bit op, zero-extending) */
static void tcg_out_arith_imm_w(TCGContext *s, int sub, int rexw, int reg,
                                int64_t val)
{
    if (val == (int8_t)val) {
        tcg_out_modrm(s, OPC_ARITH_EvIb | rexw, sub, reg);
        tcg_out8(s, (uint8_t)val);
    } else {
        tcg_out_modrm(s, OPC_ARITH_EvIz | rexw, sub, reg);
        tcg_out32(s, (uint32_t)val);
    }
}

static void tcg_out_arith_imm(TCGContext *s, int sub, int reg, int64_t val)
{
    tcg_out_arith_imm_w(s, sub, P_REXW, reg, val);
}

/* Sets the host flags for `cond` applied to (a, b); returns the jcc code. */
static int tcg_out_cmp(TCGContext *s, TCGCond cond, int a, TCGArgLoc b)
{
    if (cond == TCG_COND_TSTEQ || cond == TCG_COND_TSTNE) {
        if (b.is_const) {
            if ((uint64_t)b.val == (uint32_t)b.val) {
                tcg_out_opc(s, 0xf7, 0, a, 0);         /* test r32, imm32 */
                tcg_out8(s, (uint8_t)(0xc0 | (a & 7)));
                tcg_out32(s, (uint32_t)b.val);
            } else {
                tcg_out_modrm(s, 0xf7 | P_REXW, 0, a);  /* test r64, simm32 */
                tcg_out32(s, (uint32_t)b.val);
            }
        } else {
            tcg_out_modrm(s, OPC_TESTL | P_REXW, b.reg, a);
        }
        return cond == TCG_COND_TSTEQ ? JCC_JE : JCC_JNE;
    }
    if (b.is_const) {
        if (b.val == 0 && (cond == TCG_COND_EQ || cond == TCG_COND_NE)) {
            tcg_out_modrm(s, OPC_TESTL | P_REXW, a, a);
        } else {
            tcg_out_arith_imm(s, ARITH_CMP, a, b.val);
        }
    } else {
        tcg_out_modrm(s, OPC_ARITH_GvEv | (ARITH_CMP << 3) | P_REXW, a, b.reg);
    }
    return (int)cond;
}

void tcg_out_brcond(TCGContext *s, TCGCond cond, int a, TCGArgLoc b,
                    TCGLabel *l)
{
    if (cond == TCG_COND_ALWAYS) {
        tcg_out_br(s, l);
        return;
    }
    if (cond == TCG_COND_NEVER) {
        return;
    }
    int jcc = tcg_out_cmp(s, cond, a, b);
    tcg_out_opc(s, OPC_JCC_long + jcc, 0, 0, 0);
    tcg_out_label_ref(s, l);
}

bool tcg_target_const_ok(TCGOpcode opc, int k, int64_t val)
{
    switch (opc) {
    case INDEX_op_add:
    case INDEX_op_sub:
    case INDEX_op_and:
    case INDEX_op_or:
    case INDEX_op_xor:
    case INDEX_op_mul:
    case INDEX_op_add32:
    case INDEX_op_sub32:
    case INDEX_op_and32:
    case INDEX_op_or32:
    case INDEX_op_xor32:
        return k == 1 && val == (int32_t)val;
    case INDEX_op_setcond:
    case INDEX_op_brcond:
    case INDEX_op_movcond:
        return k == 1 && val == (int32_t)val;
    case INDEX_op_shl:
    case INDEX_op_shr:
    case INDEX_op_sar:
    case INDEX_op_rotl:
    case INDEX_op_rotr:
    case INDEX_op_rotl32:
    case INDEX_op_rotr32:
        return k == 1;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st:
        return k == 0 && val == (int32_t)val;
    default:
        return false;
    }
}

/* o = a OP b for the two-operand x86 forms, whatever registers alias;
 * rexw is P_REXW, or 0 for the 32-bit op (which zero-extends). */
static void tcg_out_binop_w(TCGContext *s, int sub, int rexw,
                            bool commutative, int o, int a, TCGArgLoc b)
{
    if (b.is_const) {
        tcg_out_mov(s, o, a);
        tcg_out_arith_imm_w(s, sub, rexw, o, b.val);
    } else if (o == a) {
        tcg_out_modrm(s, OPC_ARITH_GvEv | (sub << 3) | rexw, o, b.reg);
    } else if (o == b.reg) {
        if (commutative) {
            tcg_out_modrm(s, OPC_ARITH_GvEv | (sub << 3) | rexw, o, a);
        } else {
            tcg_out_mov(s, TCG_REG_TMP1, a);
            tcg_out_modrm(s, OPC_ARITH_GvEv | (sub << 3) | rexw,
                          TCG_REG_TMP1, b.reg);
            tcg_out_mov(s, o, TCG_REG_TMP1);
        }
    } else {
        tcg_out_mov(s, o, a);
        tcg_out_modrm(s, OPC_ARITH_GvEv | (sub << 3) | rexw, o, b.reg);
    }
}

static void tcg_out_binop(TCGContext *s, int sub, bool commutative, int o,
                          int a, TCGArgLoc b)
{
    tcg_out_binop_w(s, sub, P_REXW, commutative, o, a, b);
}

/* o = a + b, by LEA when o is a third register (64- or 32-bit, rexw) */
static void tcg_out_add_w(TCGContext *s, int rexw, int o, int a, TCGArgLoc b)
{
    if (!b.is_const && o != a && o != b.reg) {
        tcg_out_modrm_sib_offset(s, OPC_LEA | rexw, o, a, b.reg, 0, 0);
    } else if (b.is_const && o != a) {
        tcg_out_modrm_offset(s, OPC_LEA | rexw, o, a, (int32_t)b.val);
    } else {
        tcg_out_binop_w(s, ARITH_ADD, rexw, true, o, a, b);
    }
}

/* 64-bit shifts and rotates; with w32, 32-bit ones (zero-extending). */
static void tcg_out_shift_w(TCGContext *s, int sub, bool w32, int o, int a,
                            TCGArgLoc b)
{
    int rexw = w32 ? 0 : P_REXW;
    if (!b.is_const) {
        tcg_out_mov(s, TCG_REG_RCX, b.reg);   /* before o may overwrite it */
    }
    if (w32) {
        if (o != a) {       /* the 32-bit op ignores, then clears, 63:32 */
            tcg_out_modrm(s, OPC_MOVL_GvEv, o, a);
        }
    } else {
        tcg_out_mov(s, o, a);
    }
    if (b.is_const) {
        tcg_out_modrm(s, OPC_SHIFT_Ib | rexw, sub, o);
        tcg_out8(s, (uint8_t)(b.val & (w32 ? 31 : 63)));
    } else {
        tcg_out_modrm(s, OPC_SHIFT_cl | rexw, sub, o);
    }
}

static void tcg_out_shift(TCGContext *s, int sub, int o, int a, TCGArgLoc b)
{
    tcg_out_shift_w(s, sub, false, o, a, b);
}

static void tcg_out_deposit(TCGContext *s, int o, int a, int b, int pos,
                            int len)
{
    if (o == a && pos == 0 && len == 8) {
        tcg_out_modrm(s, OPC_MOVB_EvGv | P_REXB, b, o);
        return;
    }
    if (o == a && pos == 0 && len == 16) {
        tcg_out_modrm(s, OPC_MOVL_EvGv | P_DATA16, b, o);
        return;
    }
    uint64_t field = len == 64 ? ~0ull : (1ull << len) - 1;
    uint64_t mask = field << pos;
    tcg_out_mov(s, TCG_REG_TMP1, b);
    if (len < 64) {
        tcg_out_movi(s, TCG_REG_RCX, (int64_t)field);
        tcg_out_modrm(s, OPC_ARITH_GvEv | (ARITH_AND << 3) | P_REXW,
                      TCG_REG_TMP1, TCG_REG_RCX);
    }
    if (pos) {
        tcg_out_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_SHL, TCG_REG_TMP1);
        tcg_out8(s, (uint8_t)pos);
    }
    tcg_out_movi(s, TCG_REG_RCX, (int64_t)~mask);
    tcg_out_modrm(s, OPC_ARITH_GvEv | (ARITH_AND << 3) | P_REXW, TCG_REG_RCX, a);
    tcg_out_modrm(s, OPC_ARITH_GvEv | (ARITH_OR << 3) | P_REXW, TCG_REG_RCX,
                  TCG_REG_TMP1);
    tcg_out_mov(s, o, TCG_REG_RCX);
}

#define OPC_MOVQ_VqWq (0x7e | P_EXT | P_SIMDF3)
#define OPC_MOVHPS_VqMq (0x16 | P_EXT)
#define OPC_MOVDQU_WdqVdq (0x7f | P_EXT | P_SIMDF3)
#define OPC_MOVDQA_VdqWdq (0x6f | P_EXT | P_DATA16)

/*
 * vec_op (tcg_gen_vec_op): the host instruction on XMM registers, the
 * result stored back to the guest register's env slot. Within a run of
 * vec_ops the registers keep copies of the slots they loaded or wrote
 * (xmm2-xmm15, taken in turn), so a chain of SSE instructions reads its
 * operands from registers, not through store-to-load forwarding; env
 * stays up to date all along, and any other op forgets the copies.
 * Operands not held are loaded in 8-byte halves, as the rest of
 * generated code writes registers (a 16-byte load of two 8-byte stores
 * would not be forwarded).
 */
#define VEC_FIRST_REG 2

void tcg_out_vec_forget(TCGContext *s)
{
    for (int r = 0; r < 16; r++) {
        s->vec_reg_slot[r] = -1;
    }
    s->vec_next_reg = VEC_FIRST_REG;
    s->vec_held = false;
}

static int vec_reg_of(TCGContext *s, int32_t slot)
{
    for (int r = VEC_FIRST_REG; r < 16; r++) {
        if (s->vec_reg_slot[r] == slot) {
            return r;
        }
    }
    return -1;
}

/* A register for a new value, not holding `keep` (the source operand). */
static int vec_new_reg(TCGContext *s, int keep)
{
    int r = s->vec_next_reg;
    if (r == keep) {
        r = r + 1 < 16 ? r + 1 : VEC_FIRST_REG;
    }
    s->vec_next_reg = r + 1 < 16 ? r + 1 : VEC_FIRST_REG;
    return r;
}

static void tcg_out_vec_load(TCGContext *s, int reg, int32_t slot)
{
    tcg_out_modrm_offset(s, OPC_MOVQ_VqWq, reg, TCG_AREG0, slot);
    tcg_out_modrm_offset(s, OPC_MOVHPS_VqMq, reg, TCG_AREG0, slot + 8);
}

static void tcg_out_vec_op(TCGContext *s, uint32_t insn, int32_t d,
                           int32_t src)
{
    int opc = (int)(insn & 0xff) | P_DATA16 |
              ((insn & TCG_VEC_MAP38) ? P_EXT38 : P_EXT);
    bool imm_form = insn & 0x2000u, mov = insn & TCG_VEC_MOV;
    int rs = -1, rd;

    if (!imm_form) {
        rs = vec_reg_of(s, src);
        if (rs < 0) {
            rs = vec_new_reg(s, -1);
            tcg_out_vec_load(s, rs, src);
            s->vec_reg_slot[rs] = src;
        }
    }
    if (mov) {
        rd = rs;
    } else {
        int held = vec_reg_of(s, d);
        rd = vec_new_reg(s, rs);
        if (held >= 0) {
            tcg_out_modrm(s, OPC_MOVDQA_VdqWdq, rd, held);
        } else {
            tcg_out_vec_load(s, rd, d);
        }
        if (imm_form) {
            tcg_out_modrm(s, opc, (insn >> 16) & 7, rd);
            tcg_out8(s, (uint8_t)(insn >> 24));
        } else {
            tcg_out_modrm(s, opc, rd, rs);
        }
    }
    tcg_out_modrm_offset(s, OPC_MOVDQU_WdqVdq, rd, TCG_AREG0, d);
    for (int r = VEC_FIRST_REG; r < 16; r++) {
        if (s->vec_reg_slot[r] == d) {
            s->vec_reg_slot[r] = -1;
        }
    }
    s->vec_reg_slot[rd] = d;
    s->vec_held = true;
}

void tcg_out_op(TCGContext *s, TCGOp *op, const int *oregs,
                const TCGArgLoc *in, const uint64_t *cargs)
{
    if (op->opc == INDEX_op_vec_op) {
        tcg_out_vec_op(s, (uint32_t)cargs[0], (int32_t)cargs[1],
                       (int32_t)cargs[2]);
        return;
    }
    int o = oregs[0];
    int a = in[0].reg;

    switch (op->opc) {
    case INDEX_op_add:
        tcg_out_add_w(s, P_REXW, o, a, in[1]);
        break;
    case INDEX_op_sub:
        tcg_out_binop(s, ARITH_SUB, false, o, a, in[1]);
        break;
    case INDEX_op_add32:
        tcg_out_add_w(s, 0, o, a, in[1]);
        break;
    case INDEX_op_sub32:
        tcg_out_binop_w(s, ARITH_SUB, 0, false, o, a, in[1]);
        break;
    case INDEX_op_and32:
        tcg_out_binop_w(s, ARITH_AND, 0, true, o, a, in[1]);
        break;
    case INDEX_op_or32:
        tcg_out_binop_w(s, ARITH_OR, 0, true, o, a, in[1]);
        break;
    case INDEX_op_xor32:
        tcg_out_binop_w(s, ARITH_XOR, 0, true, o, a, in[1]);
        break;
    case INDEX_op_and:
        if (in[1].is_const && in[1].val == 0xff) {
            tcg_out_modrm(s, OPC_MOVZBL | P_REXB, o, a);
        } else if (in[1].is_const && in[1].val == 0xffff) {
            tcg_out_modrm(s, OPC_MOVZWL, o, a);
        } else {
            tcg_out_binop(s, ARITH_AND, true, o, a, in[1]);
        }
        break;
    case INDEX_op_or:
        tcg_out_binop(s, ARITH_OR, true, o, a, in[1]);
        break;
    case INDEX_op_xor:
        tcg_out_binop(s, ARITH_XOR, true, o, a, in[1]);
        break;
    case INDEX_op_mul:
        if (in[1].is_const) {
            tcg_out_modrm(s, OPC_IMUL_GvEvIz | P_REXW, o, a);
            tcg_out32(s, (uint32_t)in[1].val);
        } else if (o == in[1].reg) {
            tcg_out_modrm(s, OPC_IMUL_GvEv | P_REXW, o, a);
        } else {
            tcg_out_mov(s, o, a);
            tcg_out_modrm(s, OPC_IMUL_GvEv | P_REXW, o, in[1].reg);
        }
        break;
    case INDEX_op_shl:
        tcg_out_shift(s, SHIFT_SHL, o, a, in[1]);
        break;
    case INDEX_op_shr:
        tcg_out_shift(s, SHIFT_SHR, o, a, in[1]);
        break;
    case INDEX_op_sar:
        tcg_out_shift(s, SHIFT_SAR, o, a, in[1]);
        break;
    case INDEX_op_rotl:
        tcg_out_shift(s, SHIFT_ROL, o, a, in[1]);
        break;
    case INDEX_op_rotr:
        tcg_out_shift(s, SHIFT_ROR, o, a, in[1]);
        break;
    case INDEX_op_rotl32:
        tcg_out_shift_w(s, SHIFT_ROL, true, o, a, in[1]);
        break;
    case INDEX_op_rotr32:
        tcg_out_shift_w(s, SHIFT_ROR, true, o, a, in[1]);
        break;
    case INDEX_op_neg:
        tcg_out_mov(s, o, a);
        tcg_out_modrm(s, OPC_GRP3_Ev | P_REXW, EXT3_NEG, o);
        break;
    case INDEX_op_not:
        tcg_out_mov(s, o, a);
        tcg_out_modrm(s, OPC_GRP3_Ev | P_REXW, EXT3_NOT, o);
        break;
    case INDEX_op_ext8s:
        tcg_out_modrm(s, OPC_MOVSBL | P_REXB | P_REXW, o, a);
        break;
    case INDEX_op_ext8u:
        tcg_out_modrm(s, OPC_MOVZBL | P_REXB, o, a);
        break;
    case INDEX_op_ext16s:
        tcg_out_modrm(s, OPC_MOVSWL | P_REXW, o, a);
        break;
    case INDEX_op_ext16u:
        tcg_out_modrm(s, OPC_MOVZWL, o, a);
        break;
    case INDEX_op_ext32s:
        tcg_out_modrm(s, OPC_MOVSLQ, o, a);
        break;
    case INDEX_op_ext32u:
        tcg_out_modrm(s, OPC_MOVL_GvEv, o, a);
        break;
    case INDEX_op_bswap16:
        tcg_out_mov(s, o, a);
        tcg_out_modrm(s, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, o);
        tcg_out8(s, 8);
        tcg_out_modrm(s, OPC_MOVZWL, o, o);
        break;
    case INDEX_op_bswap32:
        tcg_out_modrm(s, OPC_MOVL_GvEv, o, a);
        tcg_out_opc(s, OPC_BSWAP + (o & 7), 0, o, 0);
        break;
    case INDEX_op_bswap64:
        tcg_out_mov(s, o, a);
        tcg_out_opc(s, (OPC_BSWAP + (o & 7)) | P_REXW, 0, o, 0);
        break;
    case INDEX_op_deposit:
        tcg_out_deposit(s, o, a, in[1].reg, (int)cargs[0], (int)cargs[1]);
        break;
    case INDEX_op_setcond: {
        if ((TCGCond)cargs[0] == TCG_COND_ALWAYS ||
            (TCGCond)cargs[0] == TCG_COND_NEVER) {
            tcg_out_movi(s, o, (TCGCond)cargs[0] == TCG_COND_ALWAYS);
            break;
        }
        int jcc = tcg_out_cmp(s, (TCGCond)cargs[0], a, in[1]);
        tcg_out_modrm(s, (OPC_SETCC + jcc) | P_REXB, 0, o);
        tcg_out_modrm(s, OPC_MOVZBL | P_REXB, o, o);
        break;
    }
    case INDEX_op_movcond: {
        int v1 = in[2].reg, v2 = in[3].reg;
        if ((TCGCond)cargs[0] == TCG_COND_ALWAYS ||
            (TCGCond)cargs[0] == TCG_COND_NEVER) {
            tcg_out_mov(s, o, (TCGCond)cargs[0] == TCG_COND_ALWAYS ? v1 : v2);
            break;
        }
        int jcc = tcg_out_cmp(s, (TCGCond)cargs[0], a, in[1]);
        if (o == v1) {
            tcg_out_modrm(s, (OPC_CMOVCC + (jcc ^ 1)) | P_REXW, o, v2);
        } else {
            tcg_out_mov(s, o, v2);   /* mov leaves the flags alone */
            tcg_out_modrm(s, (OPC_CMOVCC + jcc) | P_REXW, o, v1);
        }
        break;
    }
    case INDEX_op_ld8u:
        tcg_out_modrm_offset(s, OPC_MOVZBL, o, a, (int32_t)cargs[0]);
        break;
    case INDEX_op_ld8s:
        tcg_out_modrm_offset(s, OPC_MOVSBL | P_REXW, o, a, (int32_t)cargs[0]);
        break;
    case INDEX_op_ld16u:
        tcg_out_modrm_offset(s, OPC_MOVZWL, o, a, (int32_t)cargs[0]);
        break;
    case INDEX_op_ld16s:
        tcg_out_modrm_offset(s, OPC_MOVSWL | P_REXW, o, a, (int32_t)cargs[0]);
        break;
    case INDEX_op_ld32u:
        tcg_out_modrm_offset(s, OPC_MOVL_GvEv, o, a, (int32_t)cargs[0]);
        break;
    case INDEX_op_ld32s:
        tcg_out_modrm_offset(s, OPC_MOVSLQ, o, a, (int32_t)cargs[0]);
        break;
    case INDEX_op_ld:
        tcg_out_ld64(s, o, a, (int32_t)cargs[0]);
        break;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st: {
        static const int st_opc[4] = {
            OPC_MOVB_EvGv | P_REXB, OPC_MOVL_EvGv | P_DATA16, OPC_MOVL_EvGv,
            OPC_MOVL_EvGv | P_REXW,
        };
        int sz = op->opc - INDEX_op_st8;
        int base = in[1].reg;
        int32_t off = (int32_t)cargs[0];
        if (in[0].is_const) {
            int64_t v = in[0].val;
            int opc = sz == 0 ? 0xc6 : (OPC_MOVL_EvIz |
                                        (sz == 1 ? P_DATA16 : 0) |
                                        (sz == 3 ? P_REXW : 0));
            tcg_out_modrm_offset(s, opc, 0, base, off);
            if (sz == 0) {
                tcg_out8(s, (uint8_t)v);
            } else if (sz == 1) {
                tcg_out8(s, (uint8_t)v);
                tcg_out8(s, (uint8_t)(v >> 8));
            } else {
                tcg_out32(s, (uint32_t)v);
            }
        } else {
            tcg_out_modrm_offset(s, st_opc[sz], in[0].reg, base, off);
        }
        break;
    }
    default:
        assert(!"unhandled op in the x86-64 back end");
    }
}

/*
 * Guest memory access: the inline softmmu TLB fast path. rcx gets the TLB
 * entry's offset, r11 the page tag to compare and then the host addend.
 */
void tcg_out_qemu_ldst(TCGContext *s, bool is_ld, int data_reg, int addr_reg,
                       uint32_t memop_idx, uint16_t saved_regs)
{
    const TCGTLBLayout *L = &tcg_tlb_layout;
    MemOp mop = (MemOp)(memop_idx & 0xff);
    int mmu_idx = (int)(memop_idx >> 8);
    int size = 1 << (mop & MO_SIZE);
    int32_t ent = L->tlb_offset + mmu_idx * L->mode_stride;
    int jne_off;

    if (!tcg_tuning.inline_tlb) {
        /* -accel tcg,inline-tlb=off: straight to the slow path */
        tcg_out8(s, OPC_JMP_long);
        jne_off = (int)(s->code_ptr - s->code_buf);
        tcg_out32(s, 0);
        goto slow_path;
    }
    tcg_out_mov(s, TCG_REG_RCX, addr_reg);
    tcg_out_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_SHR, TCG_REG_RCX);
    tcg_out8(s, (uint8_t)(L->page_bits - L->entry_bits));
    tcg_out_modrm(s, OPC_ARITH_EvIz, ARITH_AND, TCG_REG_RCX);
    tcg_out32(s, ((1u << L->index_bits) - 1) << L->entry_bits);
    /* an access that crosses a page compares unequal: slow path */
    tcg_out_modrm_offset(s, OPC_LEA | P_REXW, TCG_REG_R11, addr_reg, size - 1);
    tcg_out_modrm(s, OPC_ARITH_EvIz | P_REXW, ARITH_AND, TCG_REG_R11);
    tcg_out32(s, (uint32_t)(-(1 << L->page_bits)));
    tcg_out_modrm_sib_offset(s, OPC_ARITH_GvEv | (ARITH_CMP << 3) | P_REXW,
                             TCG_REG_R11, TCG_AREG0, TCG_REG_RCX, 0,
                             ent + (is_ld && !(mop & MO_WRITE_INTENT)
                                    ? L->read_off : L->write_off));
    tcg_out_opc(s, OPC_JCC_long + JCC_JNE, 0, 0, 0);
    jne_off = (int)(s->code_ptr - s->code_buf);
    tcg_out32(s, 0);
    tcg_out_modrm_sib_offset(s, OPC_MOVL_GvEv | P_REXW, TCG_REG_R11,
                             TCG_AREG0, TCG_REG_RCX, 0, ent + L->addend_off);
    if (is_ld) {
        static const int ld_opc[8] = {
            OPC_MOVZBL, OPC_MOVZWL, OPC_MOVL_GvEv, OPC_MOVL_GvEv | P_REXW,
            OPC_MOVSBL | P_REXW, OPC_MOVSWL | P_REXW, OPC_MOVSLQ,
            OPC_MOVL_GvEv | P_REXW,
        };
        tcg_out_modrm_sib_offset(s, ld_opc[mop & 7], data_reg, addr_reg,
                                 TCG_REG_R11, 0, 0);
    } else {
        static const int st_opc[4] = {
            OPC_MOVB_EvGv | P_REXB, OPC_MOVL_EvGv | P_DATA16, OPC_MOVL_EvGv,
            OPC_MOVL_EvGv | P_REXW,
        };
        tcg_out_modrm_sib_offset(s, st_opc[mop & MO_SIZE], data_reg, addr_reg,
                                 TCG_REG_R11, 0, 0);
    }
slow_path:
    /* the register allocator filled in the unsynced-globals part */
    assert(s->nb_ldst < TCG_MAX_LDST);
    TCGLdstSlow *l = &s->ldst[s->nb_ldst++];
    l->is_ld = is_ld;
    l->memop_idx = (int)memop_idx;
    l->addr_reg = addr_reg;
    l->data_reg = data_reg;
    l->jne_offset = jne_off;
    l->ret_offset = (int)(s->code_ptr - s->code_buf);
    l->saved_regs = saved_regs;
}

static void tcg_out_ldst_slow_path(TCGContext *s, TCGLdstSlow *l)
{
    int regs[16], n = 0;

    patch_rel32(s->code_buf + l->jne_offset, s->code_ptr);
    /* for a fault: guest registers that live only in host registers */
    for (int r = 0; r < 16; r++) {
        if (l->dirty_regs & (1u << r)) {
            tcg_out_st64(s, r, TCG_AREG0, tcg_tlb_layout.spill_off + 8 * r);
        }
    }
    for (int r = 0; r < 16; r++) {
        if (l->saved_regs & (1u << r)) {
            regs[n++] = r;
            tcg_out_opc(s, OPC_PUSH_r32 + (r & 7), 0, r, 0);
        }
    }
    if (n & 1) {   /* keep rsp 16-aligned at the call */
        tcg_out_arith_imm(s, ARITH_SUB, TCG_REG_RSP, 8);
    }
    if (!l->is_ld) {
        tcg_out_mov(s, TCG_REG_R11, l->data_reg);
    }
    tcg_out_mov(s, TCG_REG_RSI, l->addr_reg);
    tcg_out_mov(s, TCG_REG_RDI, TCG_AREG0);
    uintptr_t ret = (uintptr_t)(s->code_buf + l->ret_offset);
    if (l->is_ld) {
        tcg_out_movi(s, TCG_REG_RDX, l->memop_idx);
        tcg_out_movi(s, TCG_REG_RCX, (int64_t)ret);
        tcg_out_call(s, (const void *)tcg_slow_ld);
        tcg_out_mov(s, l->data_reg, TCG_REG_RAX);
    } else {
        tcg_out_mov(s, TCG_REG_RDX, TCG_REG_R11);
        tcg_out_movi(s, TCG_REG_RCX, l->memop_idx);
        tcg_out_movi(s, TCG_REG_R8, (int64_t)ret);
        tcg_out_call(s, (const void *)tcg_slow_st);
    }
    if (n & 1) {
        tcg_out_arith_imm(s, ARITH_ADD, TCG_REG_RSP, 8);
    }
    while (n > 0) {
        int r = regs[--n];
        tcg_out_opc(s, OPC_POP_r32 + (r & 7), 0, r, 0);
    }
    tcg_out_jmp_abs(s, s->code_buf + l->ret_offset);
}

/* Every block starts by checking for an exit request (interrupts, stop). */

/* The check as a call, for -accel tcg,inline-irq-check=off. */
static int32_t tcg_exit_requested(void *env)
{
    return __atomic_load_n((int32_t *)((char *)env +
                                       tcg_tlb_layout.exit_request_off),
                           __ATOMIC_ACQUIRE);
}

void tcg_out_tb_start(TCGContext *s)
{
    if (tcg_tuning.inline_irq_check) {
        tcg_out_modrm_offset(s, 0x83, ARITH_CMP, TCG_AREG0,
                             tcg_tlb_layout.exit_request_off);
        tcg_out8(s, 0);
    } else {
        /* nothing is live in registers at a block's entry */
        tcg_out_mov(s, TCG_REG_RDI, TCG_AREG0);
        tcg_out_call(s, (const void *)tcg_exit_requested);
        tcg_out_modrm(s, OPC_TESTL, TCG_REG_RAX, TCG_REG_RAX);
    }
    tcg_out_opc(s, OPC_JCC_long + JCC_JNE, 0, 0, 0);
    s->exit_check_off = (int)(s->code_ptr - s->code_buf);
    tcg_out32(s, 0);
}

void tcg_out_tb_finalize(TCGContext *s)
{
    patch_rel32(s->code_buf + s->exit_check_off, s->code_ptr);
    tcg_out_exit_tb(s, s->tb_ptr | TB_EXIT_REQUESTED);
    for (int i = 0; i < s->nb_ldst; i++) {
        tcg_out_ldst_slow_path(s, &s->ldst[i]);
    }
}

void tcg_out_goto_tb(TCGContext *s, int n)
{
    /* the rel32 is 4-aligned so that it can be patched in one store */
    while (((uintptr_t)s->code_ptr + 1) & 3) {
        tcg_out8(s, OPC_NOP);
    }
    tcg_out8(s, OPC_JMP_long);
    s->jmp_insn_offset[n] = (uint16_t)(s->code_ptr - s->code_buf);
    tcg_out32(s, 0);
    s->jmp_reset_offset[n] = (uint16_t)(s->code_ptr - s->code_buf);
}

void tcg_out_exit_tb(TCGContext *s, uintptr_t val)
{
    tcg_out_movi(s, TCG_REG_RAX, (int64_t)val);
    tcg_out_jmp_abs(s, s->code_gen_epilogue);
}

void tcg_out_goto_ptr(TCGContext *s, int reg)
{
    tcg_out_modrm(s, OPC_GRP5, EXT5_JMPN_Ev, reg);
}

static void tcg_out_jcc_abs(TCGContext *s, int jcc, const uint8_t *target)
{
    tcg_out_opc(s, OPC_JCC_long + jcc, 0, 0, 0);
    tcg_out32(s, 0);
    patch_rel32(s->code_ptr - 4, target);
}

/*
 * helper_lookup_tb_ptr inline, for indirect jumps and jumps to another
 * page: the jump cache entry for env->rip, if it is the block for the
 * current state, is jumped to without leaving generated code; else back to
 * the loop, which finds or translates the block. All registers are free
 * here (the globals are synced), rax/rcx/rdx are scratch.
 */
void tcg_out_lookup_goto(TCGContext *s)
{
    const TCGTLBLayout *L = &tcg_tlb_layout;

    uint32_t in_page = (1u << L->jmp_page_bits) - 1;

    /* rcx = tb_jmp_cache_hash(rax): the group from the page, the entry in
     * it from the offset */
    tcg_out_ld64(s, TCG_REG_RAX, TCG_AREG0, L->rip_off);
    tcg_out_mov(s, TCG_REG_RCX, TCG_REG_RAX);
    tcg_out_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_SHR, TCG_REG_RCX);
    tcg_out8(s, (uint8_t)(L->page_bits - L->jmp_page_bits));
    tcg_out_modrm(s, OPC_ARITH_EvIz, ARITH_AND, TCG_REG_RCX);
    tcg_out32(s, ((1u << L->jmp_cache_bits) - 1) & ~in_page);
    tcg_out_mov(s, TCG_REG_RDX, TCG_REG_RAX);
    tcg_out_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_SHR, TCG_REG_RDX);
    tcg_out8(s, (uint8_t)L->jmp_page_bits);
    tcg_out_modrm(s, OPC_ARITH_GvEv | (ARITH_XOR << 3), TCG_REG_RDX,
                  TCG_REG_RAX);
    tcg_out_modrm(s, OPC_ARITH_EvIz, ARITH_AND, TCG_REG_RDX);
    tcg_out32(s, in_page);
    tcg_out_modrm(s, OPC_ARITH_GvEv | (ARITH_OR << 3), TCG_REG_RCX,
                  TCG_REG_RDX);
    tcg_out_modrm_sib_offset(s, OPC_MOVL_GvEv | P_REXW, TCG_REG_RCX,
                             TCG_AREG0, TCG_REG_RCX, 3, L->jmp_cache_off);
    tcg_out_modrm(s, OPC_TESTL | P_REXW, TCG_REG_RCX, TCG_REG_RCX);
    tcg_out_jcc_abs(s, JCC_JE, s->code_gen_exit0);
    tcg_out_modrm_offset(s, OPC_ARITH_GvEv | (ARITH_CMP << 3) | P_REXW,
                         TCG_REG_RAX, TCG_REG_RCX, L->tb_pc_off);
    tcg_out_jcc_abs(s, JCC_JNE, s->code_gen_exit0);
    tcg_out_modrm_offset(s, OPC_MOVL_GvEv, TCG_REG_RDX, TCG_AREG0,
                         L->hflags_off);
    tcg_out_modrm_offset(s, OPC_ARITH_GvEv | (ARITH_CMP << 3), TCG_REG_RDX,
                         TCG_REG_RCX, L->tb_flags_off);
    tcg_out_jcc_abs(s, JCC_JNE, s->code_gen_exit0);
    tcg_out_ld64(s, TCG_REG_RDX, TCG_AREG0, L->cs_base_off);
    tcg_out_modrm_offset(s, OPC_ARITH_GvEv | (ARITH_CMP << 3) | P_REXW,
                         TCG_REG_RDX, TCG_REG_RCX, L->tb_cs_base_off);
    tcg_out_jcc_abs(s, JCC_JNE, s->code_gen_exit0);
    /* cmp byte [rcx + invalid], 0; cmp byte [env + inhibit_irq], 0 */
    tcg_out_modrm_offset(s, OPC_ARITH_EbIb, ARITH_CMP, TCG_REG_RCX,
                         L->tb_invalid_off);
    tcg_out8(s, 0);
    tcg_out_jcc_abs(s, JCC_JNE, s->code_gen_exit0);
    tcg_out_modrm_offset(s, OPC_ARITH_EbIb, ARITH_CMP, TCG_AREG0,
                         L->inhibit_irq_off);
    tcg_out8(s, 0);
    tcg_out_jcc_abs(s, JCC_JNE, s->code_gen_exit0);
    tcg_out_modrm_offset(s, OPC_GRP5, EXT5_JMPN_Ev, TCG_REG_RCX,
                         L->tb_tc_ptr_off);
}

static const int callee_saved[] = {
    TCG_REG_RBP, TCG_REG_RBX, TCG_REG_R12, TCG_REG_R13, TCG_REG_R14,
    TCG_REG_R15,
};

/*
 * prologue(env, code): save callee-saved registers, env -> rbp, reserve the
 * spill frame, jump to the block. The epilogue undoes it and returns rax.
 */
void tcg_prologue_init(TCGContext *s, uint8_t *buf, size_t size)
{
    s->code_buf = s->code_ptr = buf;
    s->code_end = buf + size;
    s->code_gen_prologue = buf;
    for (int i = 0; i < 6; i++) {
        int r = callee_saved[i];
        tcg_out_opc(s, OPC_PUSH_r32 + (r & 7), 0, r, 0);
    }
    tcg_out_mov(s, TCG_AREG0, TCG_REG_RDI);
    tcg_out_modrm(s, OPC_ARITH_EvIz | P_REXW, ARITH_SUB, TCG_REG_RSP);
    tcg_out32(s, TCG_FRAME_SIZE);
    tcg_out_modrm(s, OPC_GRP5, EXT5_JMPN_Ev, TCG_REG_RSI);
    s->code_gen_exit0 = s->code_ptr;
    tcg_out_movi(s, TCG_REG_RAX, 0);
    s->code_gen_epilogue = s->code_ptr;
    tcg_out_modrm(s, OPC_ARITH_EvIz | P_REXW, ARITH_ADD, TCG_REG_RSP);
    tcg_out32(s, TCG_FRAME_SIZE);
    for (int i = 5; i >= 0; i--) {
        int r = callee_saved[i];
        tcg_out_opc(s, OPC_POP_r32 + (r & 7), 0, r, 0);
    }
    tcg_out8(s, OPC_RET);
}

uintptr_t tcg_qemu_tb_exec(TCGContext *s, void *env, const void *code)
{
    uintptr_t (*fn)(void *, const void *) =
        (uintptr_t (*)(void *, const void *))(void *)s->code_gen_prologue;
    return fn(env, code);
}
