/*
 * The x86 front end: decodes guest instructions and emits IR.
 *
 * Decoding is generic and done first: prefixes, REX, the opcode, and, as
 * the opcode-map table below says, ModRM/SIB/displacement and immediates.
 * Then one gen_* function per mnemonic emits the instruction's semantics
 * with IR generators; no host code is written here.
 */
#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "softmmu/cputlb.h"
#include "softmmu/disas.h"
#include "softmmu/log.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"
#include "target-x86/msr.h"
#include "target-x86/translate.h"
#include "tcg/tcg.h"
#include "tcg/tuning.h"

#include <glib.h>

/* IR globals for guest state */
TCGv cpu_regs[16];
TCGv cpu_cc_dst, cpu_cc_src, cpu_cc_src2, cpu_cc_op;
TCGv cpu_env;

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

void x86_translate_init(TCGContext *s)
{
    cpu_env = s->env;
    for (int i = 0; i < 16; i++) {
        cpu_regs[i] = tcg_global_mem_new(s, ENV_OFF(regs[i]), reg_names[i]);
    }
    cpu_cc_dst = tcg_global_mem_new(s, ENV_OFF(cc_dst), "cc_dst");
    cpu_cc_src = tcg_global_mem_new(s, ENV_OFF(cc_src), "cc_src");
    cpu_cc_src2 = tcg_global_mem_new(s, ENV_OFF(cc_src2), "cc_src2");
    cpu_cc_op = tcg_global_mem_new(s, ENV_OFF(cc_op), "cc_op");
}

/* ---- opcode map attributes ---- */

static uint8_t op1_attr[256], op2_attr[256];

static void set_attr(uint8_t *map, int lo, int hi, uint8_t attr)
{
    for (int i = lo; i <= hi; i++) {
        map[i] = attr;
    }
}

static void opcode_maps_init(void)
{
    static bool done;
    if (done) {
        return;
    }
    done = true;
    /* one-byte map */
    for (int op = 0; op < 0x40; op += 8) {       /* ALU rows */
        set_attr(op1_attr, op, op + 3, OPF_MODRM);
        op1_attr[op + 4] = IMM_B;
        op1_attr[op + 5] = IMM_Z;
    }
    set_attr(op1_attr, 0x62, 0x63, OPF_MODRM);
    op1_attr[0x68] = IMM_Z;
    op1_attr[0x69] = OPF_MODRM | IMM_Z;
    op1_attr[0x6a] = IMM_B;
    op1_attr[0x6b] = OPF_MODRM | IMM_B;
    set_attr(op1_attr, 0x70, 0x7f, IMM_B);
    op1_attr[0x80] = OPF_MODRM | IMM_B;
    op1_attr[0x81] = OPF_MODRM | IMM_Z;
    op1_attr[0x82] = OPF_MODRM | IMM_B;
    op1_attr[0x83] = OPF_MODRM | IMM_B;
    set_attr(op1_attr, 0x84, 0x8f, OPF_MODRM);
    op1_attr[0x9a] = IMM_AP;
    set_attr(op1_attr, 0xa0, 0xa3, IMM_O);
    op1_attr[0xa8] = IMM_B;
    op1_attr[0xa9] = IMM_Z;
    set_attr(op1_attr, 0xb0, 0xb7, IMM_B);
    set_attr(op1_attr, 0xb8, 0xbf, IMM_V);
    op1_attr[0xc0] = OPF_MODRM | IMM_B;
    op1_attr[0xc1] = OPF_MODRM | IMM_B;
    op1_attr[0xc2] = IMM_W;
    set_attr(op1_attr, 0xc4, 0xc5, OPF_MODRM);
    op1_attr[0xc6] = OPF_MODRM | IMM_B;
    op1_attr[0xc7] = OPF_MODRM | IMM_Z;
    op1_attr[0xc8] = IMM_WB;
    op1_attr[0xca] = IMM_W;
    op1_attr[0xcd] = IMM_B;
    set_attr(op1_attr, 0xd0, 0xd3, OPF_MODRM);
    op1_attr[0xd4] = IMM_B;
    op1_attr[0xd5] = IMM_B;
    set_attr(op1_attr, 0xd8, 0xdf, OPF_MODRM);
    set_attr(op1_attr, 0xe0, 0xe7, IMM_B);
    op1_attr[0xe8] = IMM_Z;
    op1_attr[0xe9] = IMM_Z;
    op1_attr[0xea] = IMM_AP;
    op1_attr[0xeb] = IMM_B;
    op1_attr[0xf6] = OPF_MODRM | IMM_GRP3;
    op1_attr[0xf7] = OPF_MODRM | IMM_GRP3;
    set_attr(op1_attr, 0xfe, 0xff, OPF_MODRM);
    /* two-byte map (0F xx) */
    set_attr(op2_attr, 0x00, 0x03, OPF_MODRM);
    op2_attr[0x0d] = OPF_MODRM;
    set_attr(op2_attr, 0x10, 0x17, OPF_MODRM);
    set_attr(op2_attr, 0x18, 0x1f, OPF_MODRM);
    set_attr(op2_attr, 0x20, 0x23, OPF_MODRM);
    set_attr(op2_attr, 0x28, 0x2f, OPF_MODRM);
    set_attr(op2_attr, 0x40, 0x7f, OPF_MODRM);
    set_attr(op2_attr, 0x70, 0x73, OPF_MODRM | IMM_B);  /* PSHUF*, shifts */
    op2_attr[0x77] = IMM_NONE;                          /* EMMS */
    set_attr(op2_attr, 0x80, 0x8f, IMM_Z);
    set_attr(op2_attr, 0x90, 0x9f, OPF_MODRM);
    op2_attr[0xa3] = OPF_MODRM;
    op2_attr[0xa4] = OPF_MODRM | IMM_B;
    op2_attr[0xa5] = OPF_MODRM;
    op2_attr[0xab] = OPF_MODRM;
    op2_attr[0xac] = OPF_MODRM | IMM_B;
    set_attr(op2_attr, 0xad, 0xaf, OPF_MODRM);
    set_attr(op2_attr, 0xb0, 0xb7, OPF_MODRM);
    op2_attr[0xb8] = OPF_MODRM;
    op2_attr[0xba] = OPF_MODRM | IMM_B;
    set_attr(op2_attr, 0xbb, 0xc1, OPF_MODRM);
    op2_attr[0xc2] = OPF_MODRM | IMM_B;
    set_attr(op2_attr, 0xc3, 0xc7, OPF_MODRM);
    op2_attr[0xc4] = OPF_MODRM | IMM_B;
    op2_attr[0xc5] = OPF_MODRM | IMM_B;
    op2_attr[0xc6] = OPF_MODRM | IMM_B;
    set_attr(op2_attr, 0xd0, 0xff, OPF_MODRM);
}

/* ---- fetching instruction bytes ---- */

uint8_t fetch_byte(DisasContext *dc)
{
    uint8_t v;
    uint64_t addr = dc->cs_base + dc->pc;
    if (!dc->code64) {
        addr &= 0xffffffffull;
    }
    /* Only the first instruction of a block may fault here: a later one
     * ends the block before itself, and faults when it runs first. */
    if (!cpu_fetch_code_byte(dc->env, addr, &v, dc->nb_insns > 0)) {
        siglongjmp(dc->fetch_fail, 1);
    }
    dc->pc++;
    if (dc->pc - dc->pc_start > 15) {
        /* over-long instruction: #GP(0) (SDM Vol. 2A 2.3.11) */
        siglongjmp(dc->fetch_fail, 2);
    }
    return v;
}

static uint64_t fetch_le(DisasContext *dc, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v |= (uint64_t)fetch_byte(dc) << (8 * i);
    }
    return v;
}

static int64_t sext(uint64_t v, int bits)
{
    return bits >= 64 ? (int64_t)v : ((int64_t)(v << (64 - bits))) >> (64 - bits);
}

static int memop_bits(MemOp ot)
{
    return 8 << ot;
}

/* Decodes ModRM, SIB and displacement (SDM Vol. 2A 2.1.5). */
void decode_modrm(DisasContext *dc)
{
    int modrm = fetch_byte(dc);
    dc->modrm = modrm;
    dc->mod = modrm >> 6;
    dc->reg = ((modrm >> 3) & 7) | dc->rex_r;
    dc->rm = (modrm & 7) | dc->rex_b;
    dc->ea_base = -1;
    dc->ea_index = -1;
    dc->ea_scale = 0;
    dc->ea_disp = 0;
    dc->ea_riprel = false;
    if (dc->mod == 3) {
        return;
    }
    int rm = modrm & 7;
    if (dc->aflag == MO_16) {
        static const int8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP,
                                          R_ESI, R_EDI, R_EBP, R_EBX };
        static const int8_t index16[8] = { R_ESI, R_EDI, R_ESI, R_EDI,
                                           -1, -1, -1, -1 };
        if (dc->mod == 0 && rm == 6) {
            dc->ea_disp = (int64_t)fetch_le(dc, 2);
        } else {
            dc->ea_base = base16[rm];
            dc->ea_index = index16[rm];
            if (dc->mod == 1) {
                dc->ea_disp = sext(fetch_le(dc, 1), 8);
            } else if (dc->mod == 2) {
                dc->ea_disp = (int64_t)fetch_le(dc, 2);
            }
        }
        return;
    }
    int base = rm;
    if (rm == 4) {
        int sib = fetch_byte(dc);
        dc->ea_scale = sib >> 6;
        int index = ((sib >> 3) & 7) | dc->rex_x;
        dc->ea_index = index == 4 ? -1 : index;
        base = sib & 7;
        if (base == 5 && dc->mod == 0) {
            dc->ea_disp = sext(fetch_le(dc, 4), 32);
            return;
        }
        dc->ea_base = base | dc->rex_b;
    } else if (rm == 5 && dc->mod == 0) {
        dc->ea_disp = sext(fetch_le(dc, 4), 32);
        dc->ea_riprel = dc->code64;
        return;
    } else {
        dc->ea_base = base | dc->rex_b;
    }
    if (dc->mod == 1) {
        dc->ea_disp = sext(fetch_le(dc, 1), 8);
    } else if (dc->mod == 2) {
        dc->ea_disp = sext(fetch_le(dc, 4), 32);
    }
}

void decode_immediates(DisasContext *dc, int kind)
{
    switch (kind) {
    case IMM_B:
        dc->imm = fetch_le(dc, 1);
        break;
    case IMM_W:
        dc->imm = fetch_le(dc, 2);
        break;
    case IMM_Z:
        dc->imm = dc->dflag == MO_16 ? fetch_le(dc, 2) : fetch_le(dc, 4);
        break;
    case IMM_V:
        dc->imm = fetch_le(dc, 2 << dc->dflag >> 1);
        break;
    case IMM_WB:
        dc->imm = fetch_le(dc, 2);
        dc->imm2 = fetch_le(dc, 1);
        break;
    case IMM_AP:
        dc->imm = fetch_le(dc, dc->dflag == MO_16 ? 2 : 4);
        dc->imm2 = fetch_le(dc, 2);
        break;
    case IMM_O:
        dc->imm = fetch_le(dc, 1 << dc->aflag);
        break;
    case IMM_GRP3:
        if ((dc->modrm & 0x38) <= 0x08) {
            dc->imm = (dc->b & 1) ? (dc->dflag == MO_16 ? fetch_le(dc, 2)
                                                        : fetch_le(dc, 4))
                                  : fetch_le(dc, 1);
        }
        break;
    default:
        break;
    }
}

/* ---- IR helpers for guest state ---- */

TCGv tmp(DisasContext *dc)
{
    return tcg_temp_new(S);
}

TCGv cst(DisasContext *dc, int64_t v)
{
    return tcg_constant(S, v);
}

static void gen_ext(DisasContext *dc, MemOp ot, TCGv r, TCGv a)
{
    switch (ot) {
    case MO_8:
        tcg_gen_ext8u(S, r, a);
        break;
    case MO_16:
        tcg_gen_ext16u(S, r, a);
        break;
    case MO_32:
        tcg_gen_ext32u(S, r, a);
        break;
    default:
        tcg_gen_mov(S, r, a);
    }
}

static void gen_exts(DisasContext *dc, MemOp ot, TCGv r, TCGv a)
{
    switch (ot) {
    case MO_8:
        tcg_gen_ext8s(S, r, a);
        break;
    case MO_16:
        tcg_gen_ext16s(S, r, a);
        break;
    case MO_32:
        tcg_gen_ext32s(S, r, a);
        break;
    default:
        tcg_gen_mov(S, r, a);
    }
}

/* AH, CH, DH, BH: byte registers 4-7 without a REX prefix. */
static bool byte_reg_is_high(DisasContext *dc, MemOp ot, int reg)
{
    return ot == MO_8 && reg >= 4 && reg < 8 && !dc->rex_present;
}

/* t = register value, zero-extended from the operand size */
void gen_op_mov_v_reg(DisasContext *dc, MemOp ot, TCGv t, int reg)
{
    if (byte_reg_is_high(dc, ot, reg)) {
        tcg_gen_shri(S, t, cpu_regs[reg - 4], 8);
        tcg_gen_ext8u(S, t, t);
    } else {
        gen_ext(dc, ot, t, cpu_regs[reg]);
    }
}

/* Writes a register: 8/16-bit writes merge, 32-bit writes zero-extend. */
void gen_op_mov_reg_v(DisasContext *dc, MemOp ot, int reg, TCGv t)
{
    switch (ot) {
    case MO_8:
        if (byte_reg_is_high(dc, ot, reg)) {
            tcg_gen_deposit(S, cpu_regs[reg - 4], cpu_regs[reg - 4], t, 8, 8);
        } else {
            tcg_gen_deposit(S, cpu_regs[reg], cpu_regs[reg], t, 0, 8);
        }
        break;
    case MO_16:
        tcg_gen_deposit(S, cpu_regs[reg], cpu_regs[reg], t, 0, 16);
        break;
    case MO_32:
        tcg_gen_ext32u(S, cpu_regs[reg], t);
        break;
    default:
        tcg_gen_mov(S, cpu_regs[reg], t);
    }
}

/* Accesses through the address last computed by gen_lea_*: dc->ea_ss says
 * whether it is stack-relative (#SS rather than #GP when non-canonical). */
MemOp ea_flags(DisasContext *dc)
{
    return dc->ea_ss ? MO_STACK : 0;
}

void gen_update_rip(DisasContext *dc, uint64_t rip)
{
    tcg_gen_st(S, INDEX_op_st, cst(dc, (int64_t)rip), cpu_env, ENV_OFF(rip));
}

/*
 * Outside 64-bit mode, an access through a segment that is not flat checks
 * limit, type and presence (SDM Vol. 3A 5.3, 5.4): #GP(0), #SS(0) for SS.
 */
static void gen_seg_check(DisasContext *dc, MemOp ot, bool write)
{
    if (dc->ea_check_seg < 0) {
        return;
    }
    gen_update_rip(dc, dc->pc_start);
    tcg_gen_callN(S, helper_check_seg, 0, NULL, cpu_env,
                  tcg_constant(S, dc->ea_check_seg |
                               ((1 << (ot & MO_SIZE)) << 4) |
                               (write ? 1 << 12 : 0)),
                  dc->ea_off);
}

/*
 * Alignment checking (SDM Vol. 3A 6.15, #AC): at CPL 3 with CR0.AM and
 * RFLAGS.AC, a data access of 2, 4 or 8 bytes must be naturally aligned.
 * Blocks are translated for it only while it is on (HF_AC). The SDM does
 * not order #AC and #PF for one access; the check comes first, as on the
 * CPUs the differential tests ran on.
 */
static void gen_align_check(DisasContext *dc, MemOp ot, TCGv a0)
{
    if (!(dc->flags & HF_AC) || (ot & MO_SIZE) == MO_8) {
        return;
    }
    gen_update_rip(dc, dc->pc_start);
    tcg_gen_callN(S, helper_check_align, 0, NULL, cpu_env, a0,
                  tcg_constant(S, (1 << (ot & MO_SIZE)) - 1));
}

void gen_op_ld_v(DisasContext *dc, MemOp ot, TCGv t, TCGv a0)
{
    gen_seg_check(dc, ot, false);
    gen_align_check(dc, ot, a0);
    tcg_gen_qemu_ld(S, t, a0, ot | ea_flags(dc), dc->mem_index);
}

/* The load of a read-modify-write: it faults as a write would. Under
 * LOCK (or XCHG, always locked) the value read is kept for the store. */
void gen_op_ld_rmw(DisasContext *dc, MemOp ot, TCGv t, TCGv a0)
{
    gen_seg_check(dc, ot, true);
    gen_align_check(dc, ot, a0);
    tcg_gen_qemu_ld(S, t, a0, ot | ea_flags(dc) | MO_WRITE_INTENT,
                    dc->mem_index);
    if (dc->locked) {
        dc->lock_old = tcg_temp_new(S);
        tcg_gen_mov(S, dc->lock_old, t);
    }
}

void gen_op_st_v(DisasContext *dc, MemOp ot, TCGv t, TCGv a0)
{
    gen_seg_check(dc, ot, true);
    gen_align_check(dc, ot, a0);
    if (dc->locked && dc->lock_old) {
        /* atomic against other writers: compare-and-swap on the host */
        tcg_gen_callN(S, helper_lock_cas, 0, NULL, cpu_env, a0, dc->lock_old,
                      t, tcg_constant(S, (ot | ea_flags(dc)) |
                                         (dc->mem_index << 8)));
        dc->lock_old = NULL;
        return;
    }
    tcg_gen_qemu_st(S, t, a0, ot | ea_flags(dc), dc->mem_index);
}

/* Adds the segment base and wraps to the address size. */
void gen_lea_v_seg(DisasContext *dc, MemOp aflag, TCGv a0, int def_seg,
                          int ovr_seg)
{
    int seg = ovr_seg >= 0 ? ovr_seg : def_seg;
    /* 64-bit mode ignores CS/DS/ES/SS overrides (SDM Vol. 1 3.3.7.1) */
    dc->ea_check_seg = -1;
    if (!dc->code64 && seg >= 0 &&
        (!(dc->flags & HF_SEGS_FLAT) || seg >= R_FS || seg == R_CS)) {
        /* checked at the access, which knows its size and direction */
        dc->ea_check_seg = seg;
        dc->ea_off = tcg_temp_new(S);
        gen_ext(dc, aflag, dc->ea_off, a0);
    }
    dc->ea_ss = (dc->code64 && ovr_seg != R_FS && ovr_seg != R_GS
                 ? def_seg : seg) == R_SS;
    if (aflag == MO_32 || aflag == MO_16) {
        gen_ext(dc, aflag, a0, a0);
    }
    bool add_base;
    if (dc->code64) {
        add_base = ovr_seg == R_FS || ovr_seg == R_GS;
    } else {
        add_base = seg >= 0 && (dc->addseg || ovr_seg >= 0 || seg == R_FS ||
                                seg == R_GS);
    }
    if (add_base) {
        TCGv base = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld, base, cpu_env, ENV_OFF(segs[seg].base));
        tcg_gen_add(S, a0, a0, base);
        if (!dc->code64) {
            tcg_gen_ext32u(S, a0, a0);
        }
    }
}

/* The effective (linear) address of the ModRM memory operand. */
TCGv gen_lea_modrm(DisasContext *dc)
{
    TCGv a0 = tmp(dc);
    int def_seg = R_DS;
    if (dc->ea_riprel) {
        tcg_gen_movi(S, a0, (int64_t)(dc->pc + (uint64_t)dc->ea_disp));
        gen_lea_v_seg(dc, dc->aflag, a0, -1, dc->override);
        return a0;
    }
    if (dc->ea_base == R_ESP || dc->ea_base == R_EBP) {
        def_seg = R_SS;
    }
    if (dc->ea_base >= 0 && dc->ea_index >= 0) {
        TCGv idx = tmp(dc);
        tcg_gen_shli(S, idx, cpu_regs[dc->ea_index], dc->ea_scale);
        tcg_gen_add(S, a0, cpu_regs[dc->ea_base], idx);
        tcg_gen_addi(S, a0, a0, dc->ea_disp);
    } else if (dc->ea_base >= 0) {
        tcg_gen_addi(S, a0, cpu_regs[dc->ea_base], dc->ea_disp);
    } else if (dc->ea_index >= 0) {
        tcg_gen_shli(S, a0, cpu_regs[dc->ea_index], dc->ea_scale);
        tcg_gen_addi(S, a0, a0, dc->ea_disp);
    } else {
        tcg_gen_movi(S, a0, dc->ea_disp);
    }
    gen_lea_v_seg(dc, dc->aflag, a0, def_seg, dc->override);
    return a0;
}

/* The address of [seg:reg] for string operands and stack accesses. */
static TCGv gen_lea_reg(DisasContext *dc, MemOp aflag, int reg, int def_seg,
                        int ovr_seg)
{
    TCGv a0 = tmp(dc);
    tcg_gen_mov(S, a0, cpu_regs[reg]);
    gen_lea_v_seg(dc, aflag, a0, def_seg, ovr_seg);
    return a0;
}

/*
 * Ev/Eb source: a register or memory. With a0_out, the operand is also the
 * destination (read-modify-write): the load needs write permission, and
 * *a0_out is the address for gen_store_rm.
 */
TCGv gen_load_rm(DisasContext *dc, MemOp ot, TCGv *a0_out)
{
    TCGv t = tmp(dc);
    if (dc->mod == 3) {
        gen_op_mov_v_reg(dc, ot, t, dc->rm);
        if (a0_out) {
            *a0_out = NULL;
        }
    } else {
        TCGv a0 = gen_lea_modrm(dc);
        if (a0_out) {
            gen_op_ld_rmw(dc, ot, t, a0);
        } else {
            gen_op_ld_v(dc, ot, t, a0);
        }
        if (a0_out) {
            *a0_out = a0;
        }
    }
    return t;
}

/* Writes an Ev/Eb destination; a0 is the address from gen_load_rm or NULL. */
void gen_store_rm(DisasContext *dc, MemOp ot, TCGv t, TCGv a0)
{
    if (dc->mod == 3) {
        gen_op_mov_reg_v(dc, ot, dc->rm, t);
    } else {
        if (!a0) {
            a0 = gen_lea_modrm(dc);
        }
        gen_op_st_v(dc, ot, t, a0);
    }
}


static uint64_t next_rip_mask(DisasContext *dc, uint64_t rip)
{
    if (dc->code64) {
        return rip;
    }
    return dc->dflag == MO_16 ? (rip & 0xffff) : (rip & 0xffffffffull);
}

/* ---- lazy flags ---- */

/* Which of cc_dst, cc_src, cc_src2 each CC_OP reads (cc_helper.c, and
 * gen_prepare_cc: SUB keeps its first operand in cc_src2 for fused
 * compares). */
static unsigned cc_op_reads(int op)
{
    enum { DST = 1, SRC = 2, SRC2 = 4 };
    if (op == CC_OP_EFLAGS) {
        return SRC;
    } else if (op == CC_OP_CLR) {
        return 0;
    } else if (op >= CC_OP_LOGICB && op <= CC_OP_LOGICQ) {
        return DST;
    } else if ((op >= CC_OP_ADCB && op <= CC_OP_SBBQ) ||
               (op >= CC_OP_SARB && op <= CC_OP_SARQ)) {
        return DST | SRC | SRC2;        /* ADC, SUB, SBB, SAR */
    } else if (op >= CC_OP_ADDB && op < CC_OP_NB) {
        return DST | SRC;
    }
    return DST | SRC | SRC2;            /* dynamic: any */
}

/*
 * The values the new CC_OP does not read are discarded, so that liveness
 * drops their computations when nothing else reads them (a ROL's CF/OF
 * before an XOR). Instructions store their results before their flags,
 * so a fault later in one still sees the flags before it.
 */
void set_cc_op(DisasContext *dc, int op)
{
    if (dc->cc_op != op) {
        tcg_gen_movi(S, cpu_cc_op, op);
        unsigned reads = cc_op_reads(op);
        if (!(reads & 1)) {
            tcg_gen_discard(S, cpu_cc_dst);
        }
        if (!(reads & 2)) {
            tcg_gen_discard(S, cpu_cc_src);
        }
        if (!(reads & 4)) {
            tcg_gen_discard(S, cpu_cc_src2);
        }
    }
    dc->cc_op = op;
}

/* All six flags, in EFLAGS layout, into a new temp. */
static TCGv gen_compute_eflags_all(DisasContext *dc)
{
    TCGv t = tmp(dc);
    if (dc->cc_op == CC_OP_EFLAGS) {
        tcg_gen_mov(S, t, cpu_cc_src);
        return t;
    }
    tcg_gen_callN(S, helper_cc_compute_all, TCG_CALL_PURE, t, cpu_cc_dst,
                  cpu_cc_src, cpu_cc_src2, cpu_cc_op);
    return t;
}

/* Materialises the flags: cc_op becomes EFLAGS. */
void gen_compute_eflags(DisasContext *dc)
{
    if (dc->cc_op == CC_OP_EFLAGS) {
        return;
    }
    TCGv t = gen_compute_eflags_all(dc);
    tcg_gen_mov(S, cpu_cc_src, t);
    set_cc_op(dc, CC_OP_EFLAGS);
}

static MemOp cc_op_size(int op, int base)
{
    return (MemOp)(op - base);
}

static bool cc_op_in(int op, int base)
{
    return op >= base && op <= base + 3;
}

/* CF as 0/1 in a new temp. */
static TCGv gen_compute_c(DisasContext *dc)
{
    TCGv t = tmp(dc);
    int op = dc->cc_op;
    if (cc_op_in(op, CC_OP_SUBB)) {
        tcg_gen_setcond(S, TCG_COND_LTU, t, cpu_cc_src2, cpu_cc_src);
    } else if (cc_op_in(op, CC_OP_ADDB)) {
        MemOp ot = cc_op_size(op, CC_OP_ADDB);
        TCGv r = tmp(dc);
        gen_ext(dc, ot, r, cpu_cc_dst);
        tcg_gen_setcond(S, TCG_COND_LTU, t, r, cpu_cc_src);
    } else if (cc_op_in(op, CC_OP_LOGICB) || op == CC_OP_CLR) {
        tcg_gen_movi(S, t, 0);
    } else if (cc_op_in(op, CC_OP_INCB) || cc_op_in(op, CC_OP_DECB)) {
        tcg_gen_andi(S, t, cpu_cc_src, 1);
    } else if (op == CC_OP_EFLAGS) {
        tcg_gen_andi(S, t, cpu_cc_src, CC_C);
    } else {
        tcg_gen_callN(S, helper_cc_compute_c, TCG_CALL_PURE, t, cpu_cc_dst,
                      cpu_cc_src, cpu_cc_src2, cpu_cc_op);
    }
    return t;
}

typedef struct CCPrepare {
    TCGCond cond;
    TCGv a, b;
} CCPrepare;

/*
 * The condition of Jcc/SETcc/CMOVcc number b (SDM Vol. 2 App. B) as a
 * comparison of two temps. After CMP, SUB, TEST, AND... this is a direct
 * compare of the operands: compare-and-branch fusion.
 */
static CCPrepare gen_prepare_cc(DisasContext *dc, int b)
{
    int jcc = (b >> 1) & 7;
    bool inv = b & 1;
    /* -accel tcg,flag-fusion=off: only the general case below */
    int op = tcg_tuning.flag_fusion ? dc->cc_op : CC_OP_DYNAMIC;
    CCPrepare p = { TCG_COND_NEVER, NULL, NULL };

    if (cc_op_in(op, CC_OP_SUBB)) {
        MemOp ot = cc_op_size(op, CC_OP_SUBB);
        switch (jcc) {
        case 1: /* B */
            p = (CCPrepare){ TCG_COND_LTU, cpu_cc_src2, cpu_cc_src };
            break;
        case 2: /* Z */
            p = (CCPrepare){ TCG_COND_EQ, cpu_cc_dst, cst(dc, 0) };
            break;
        case 3: /* BE */
            p = (CCPrepare){ TCG_COND_LEU, cpu_cc_src2, cpu_cc_src };
            break;
        case 4: /* S */
            p = (CCPrepare){ TCG_COND_TSTNE, cpu_cc_dst,
                             cst(dc, (int64_t)(1ull << (memop_bits(ot) - 1))) };
            break;
        case 6: /* L */
        case 7: { /* LE */
            TCGv a = tmp(dc), c = tmp(dc);
            gen_exts(dc, ot, a, cpu_cc_src2);
            gen_exts(dc, ot, c, cpu_cc_src);
            p = (CCPrepare){ jcc == 6 ? TCG_COND_LT : TCG_COND_LE, a, c };
            break;
        }
        default:
            break;
        }
    } else if (cc_op_in(op, CC_OP_LOGICB)) {
        MemOp ot = cc_op_size(op, CC_OP_LOGICB);
        TCGv sign = cst(dc, (int64_t)(1ull << (memop_bits(ot) - 1)));
        switch (jcc) {
        case 0: /* O */
        case 1: /* B */
            p = (CCPrepare){ TCG_COND_NEVER, cpu_cc_dst, cpu_cc_dst };
            break;
        case 2: /* Z */
        case 3: /* BE */
            p = (CCPrepare){ TCG_COND_EQ, cpu_cc_dst, cst(dc, 0) };
            break;
        case 4: /* S */
        case 6: /* L: SF != OF, OF = 0 */
            p = (CCPrepare){ TCG_COND_TSTNE, cpu_cc_dst, sign };
            break;
        case 7: { /* LE */
            TCGv a = tmp(dc);
            gen_exts(dc, ot, a, cpu_cc_dst);
            p = (CCPrepare){ TCG_COND_LE, a, cst(dc, 0) };
            break;
        }
        default:
            break;
        }
    } else if (op != CC_OP_DYNAMIC && op != CC_OP_EFLAGS && op != CC_OP_CLR &&
               (jcc == 2 || jcc == 4)) {
        /* every other operation keeps the result in cc_dst */
        MemOp ot = (MemOp)((op - CC_OP_ADDB) & 3);
        if (jcc == 2) {
            TCGv r = tmp(dc);
            gen_ext(dc, ot, r, cpu_cc_dst);
            p = (CCPrepare){ TCG_COND_EQ, r, cst(dc, 0) };
        } else {
            p = (CCPrepare){ TCG_COND_TSTNE, cpu_cc_dst,
                             cst(dc, (int64_t)(1ull << (memop_bits(ot) - 1))) };
        }
    } else if (jcc == 1 && op != CC_OP_DYNAMIC) {
        p = (CCPrepare){ TCG_COND_NE, gen_compute_c(dc), cst(dc, 0) };
    }
    if (p.cond == TCG_COND_NEVER && p.a == NULL) {
        /* the general case: compute EFLAGS and test bits */
        TCGv f = gen_compute_eflags_all(dc);
        switch (jcc) {
        case 0:
            p = (CCPrepare){ TCG_COND_TSTNE, f, cst(dc, CC_O) };
            break;
        case 1:
            p = (CCPrepare){ TCG_COND_TSTNE, f, cst(dc, CC_C) };
            break;
        case 2:
            p = (CCPrepare){ TCG_COND_TSTNE, f, cst(dc, CC_Z) };
            break;
        case 3:
            p = (CCPrepare){ TCG_COND_TSTNE, f, cst(dc, CC_C | CC_Z) };
            break;
        case 4:
            p = (CCPrepare){ TCG_COND_TSTNE, f, cst(dc, CC_S) };
            break;
        case 5:
            p = (CCPrepare){ TCG_COND_TSTNE, f, cst(dc, CC_P) };
            break;
        case 6:
        case 7: {
            /* SF != OF (and ZF for LE): shift OF (bit 11) onto SF (bit 7) */
            TCGv t = tmp(dc);
            tcg_gen_shri(S, t, f, 4);
            tcg_gen_xor(S, t, t, f);
            p = (CCPrepare){ TCG_COND_TSTNE, t,
                             cst(dc, jcc == 6 ? CC_S : 0) };
            if (jcc == 7) {
                TCGv u = tmp(dc);
                tcg_gen_andi(S, u, t, CC_S);
                tcg_gen_andi(S, t, f, CC_Z);
                tcg_gen_or(S, u, u, t);
                p = (CCPrepare){ TCG_COND_NE, u, cst(dc, 0) };
            }
            break;
        }
        }
    }
    if (inv) {
        p.cond = tcg_invert_cond(p.cond);
    }
    return p;
}

static void gen_setcc(DisasContext *dc, int b, TCGv r)
{
    CCPrepare p = gen_prepare_cc(dc, b);
    if (p.cond == TCG_COND_NEVER) {
        tcg_gen_movi(S, r, 0);
    } else if (p.cond == TCG_COND_ALWAYS) {
        tcg_gen_movi(S, r, 1);
    } else {
        tcg_gen_setcond(S, p.cond, r, p.a, p.b);
    }
}

static void gen_brcc(DisasContext *dc, int b, TCGLabel *l)
{
    CCPrepare p = gen_prepare_cc(dc, b);
    if (p.cond == TCG_COND_ALWAYS) {
        tcg_gen_br(S, l);
    } else if (p.cond != TCG_COND_NEVER) {
        tcg_gen_brcond(S, p.cond, p.a, p.b, l);
    }
}

/* ---- block exits ---- */

static void gen_lookup_and_goto(DisasContext *dc)
{
    if (!tcg_tuning.indirect) {
        tcg_gen_exit_tb(S, 0);   /* -accel tcg,indirect=off: the run loop */
    } else if (tcg_tuning.jmp_cache && tcg_tuning.inline_lookup) {
        tcg_gen_lookup_goto(S);
    } else {
        /* inline-lookup=off: the same lookup in C; jmp-cache=off: the
         * helper searches the hash table (the inline lookup reads only
         * the jump cache) */
        TCGv ptr = tmp(dc);
        tcg_gen_callN(S, helper_lookup_tb_ptr, 0, ptr, cpu_env);
        tcg_gen_goto_ptr(S, ptr);
    }
}

static bool use_goto_tb(DisasContext *dc, uint64_t dest)
{
    if (dc->flags & HF_ONE_INSN) {
        return false;
    }
    return ((dc->cs_base + dest) & TARGET_PAGE_MASK) == dc->first_page;
}

/* Ends the block with a jump to a known RIP, chained when possible. */
static void gen_jmp_tb(DisasContext *dc, uint64_t dest, int slot)
{
    if (use_goto_tb(dc, dest)) {
        tcg_gen_goto_tb(S, slot);
        gen_update_rip(dc, dest);
        tcg_gen_exit_tb(S, (uintptr_t)dc->tb | (uintptr_t)slot);
    } else {
        gen_update_rip(dc, dest);
        if (dc->flags & HF_ONE_INSN) {
            tcg_gen_exit_tb(S, 0);
        } else {
            gen_lookup_and_goto(dc);
        }
    }
    dc->is_jmp = true;
}

/* Ends the block after a jump whose target is already in env->rip. */
static void gen_jmp_indirect_end(DisasContext *dc)
{
    if (dc->flags & HF_ONE_INSN) {
        tcg_gen_exit_tb(S, 0);
    } else {
        gen_lookup_and_goto(dc);
    }
    dc->is_jmp = true;
}

/*
 * A near branch to a non-canonical address faults on the branch itself
 * (#GP(0), RIP of the branch, nothing pushed or popped yet).
 */
static void gen_check_branch_target(DisasContext *dc, TCGv target)
{
    TCGv t = tcg_temp_new(S);
    TCGLabel *ok = gen_new_label(S);
    if (dc->code64) {
        tcg_gen_shli(S, t, target, 16);
        tcg_gen_sari(S, t, t, 16);
        tcg_gen_brcond(S, TCG_COND_EQ, t, target, ok);
    } else if (!(dc->flags & HF_SEGS_FLAT)) {
        /* beyond the CS limit (SDM JMP/CALL/RET: #GP(0)) */
        tcg_gen_ld(S, INDEX_op_ld32u, t, cpu_env, ENV_OFF(segs[R_CS].limit));
        tcg_gen_brcond(S, TCG_COND_LEU, target, t, ok);
    } else {
        return;
    }
    tcg_gen_callN(S, helper_raise_exception_err, 0, NULL, cpu_env,
                  tcg_constant(S, EXCP0D_GPF), tcg_constant(S, 0),
                  tcg_constant(S, (int64_t)dc->pc_start));
    tcg_gen_set_label(S, ok);
    dc->cc_op = CC_OP_DYNAMIC;
}

/* Ends the block and returns to the run loop (mode changes, interrupts). */
void gen_end_block_exit(DisasContext *dc, uint64_t next)
{
    gen_update_rip(dc, next);
    tcg_gen_exit_tb(S, 0);
    dc->is_jmp = true;
}

void gen_exception(DisasContext *dc, int vec)
{
    tcg_gen_callN(S, helper_raise_exception, 0, NULL, cpu_env,
                  cst(dc, vec), cst(dc, (int64_t)dc->pc_start));
    dc->is_jmp = true;
}

void gen_exception_err(DisasContext *dc, int vec, int err)
{
    tcg_gen_callN(S, helper_raise_exception_err, 0, NULL, cpu_env,
                  cst(dc, vec), cst(dc, err), cst(dc, (int64_t)dc->pc_start));
    dc->is_jmp = true;
}

void gen_illegal_opcode(DisasContext *dc)
{
    gen_exception(dc, EXCP06_ILLOP);
}

/* An opcode bt86 does not implement yet: #UD, and a line under -d unimp. */
void gen_unimplemented(DisasContext *dc)
{
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < 8 && dc->pc_start + i < dc->pc; i++) {
        uint8_t v = 0;
        cpu_fetch_code_byte(dc->env, dc->cs_base + dc->pc_start + i, &v, true);
        bytes |= (uint64_t)v << (8 * i);
    }
    tcg_gen_callN(S, helper_log_unimp, TCG_CALL_NO_RWG, NULL, cpu_env,
                  cst(dc, (int64_t)dc->pc_start), cst(dc, (int64_t)bytes));
    gen_illegal_opcode(dc);
}

/* Privileged instruction at CPL > 0: #GP(0). Returns true if it faulted. */
bool check_cpl0(DisasContext *dc)
{
    if (dc->cpl != 0) {
        gen_exception_err(dc, EXCP0D_GPF, 0);
        return true;
    }
    return false;
}

/* Helpers that may raise exceptions read RIP from env. */
void gen_sync_rip(DisasContext *dc)
{
    gen_update_rip(dc, dc->pc_start);
}

/* ---- stack ---- */

static MemOp stack_addr_size(DisasContext *dc)
{
    return dc->code64 ? MO_64 : dc->ss32 ? MO_32 : MO_16;
}

/* Push/pop operand size: 64-bit mode pushes 64 (or 16 with 66h). */
static MemOp push_size(DisasContext *dc)
{
    if (dc->code64) {
        return dc->dflag == MO_16 ? MO_16 : MO_64;
    }
    return dc->dflag;
}

static void gen_stack_update(DisasContext *dc, int64_t delta)
{
    TCGv t = tmp(dc);
    tcg_gen_addi(S, t, cpu_regs[R_ESP], delta);
    gen_op_mov_reg_v(dc, stack_addr_size(dc), R_ESP, t);
}

static void gen_push_v(DisasContext *dc, MemOp ot, TCGv val)
{
    MemOp sa = stack_addr_size(dc);
    TCGv sp = tmp(dc);
    tcg_gen_addi(S, sp, cpu_regs[R_ESP], -(1 << ot));
    TCGv a0 = tmp(dc);
    tcg_gen_mov(S, a0, sp);
    gen_lea_v_seg(dc, sa, a0, R_SS, -1);
    gen_op_st_v(dc, ot, val, a0);
    gen_op_mov_reg_v(dc, sa, R_ESP, sp);
}

/* Loads the top of the stack; the caller then does gen_pop_update. */
static TCGv gen_pop_load(DisasContext *dc, MemOp ot)
{
    TCGv a0 = gen_lea_reg(dc, stack_addr_size(dc), R_ESP, R_SS, -1);
    TCGv t = tmp(dc);
    gen_op_ld_v(dc, ot, t, a0);
    return t;
}

static void gen_pop_update(DisasContext *dc, MemOp ot)
{
    gen_stack_update(dc, 1 << ot);
}

/* ---- ALU ---- */

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

/*
 * d = s1 OP s2 with the flags. With a0, the result is also stored to guest
 * memory there, before any guest register or flag changes: an instruction
 * rolled back at its store (a fault, or a write to its own code) must
 * re-run from unchanged inputs.
 */
static void gen_alu_st(DisasContext *dc, int op, MemOp ot, TCGv d, TCGv s1,
                       TCGv s2, TCGv a0)
{
    TCGv r = tmp(dc);
    TCGv c = NULL;
    switch (op) {
    case OP_ADD:
        tcg_gen_add(S, r, s1, s2);
        break;
    case OP_ADC:
        c = gen_compute_c(dc);
        tcg_gen_add(S, r, s1, s2);
        tcg_gen_add(S, r, r, c);
        break;
    case OP_SBB:
        c = gen_compute_c(dc);
        tcg_gen_sub(S, r, s1, s2);
        tcg_gen_sub(S, r, r, c);
        break;
    case OP_SUB:
    case OP_CMP:
        tcg_gen_sub(S, r, s1, s2);
        break;
    case OP_AND:
        tcg_gen_and(S, r, s1, s2);
        break;
    case OP_OR:
        tcg_gen_or(S, r, s1, s2);
        break;
    case OP_XOR:
        tcg_gen_xor(S, r, s1, s2);
        break;
    }
    if (ot == MO_32 && op != OP_AND && op != OP_OR && op != OP_XOR) {
        /* once, for the flags and the register alike: the optimiser
         * then makes add + ext32u one host 32-bit add */
        tcg_gen_ext32u(S, r, r);
    }
    if (a0) {
        gen_op_st_v(dc, ot, r, a0);
    }
    switch (op) {
    case OP_ADD:
        gen_ext(dc, ot, cpu_cc_dst, r);
        tcg_gen_mov(S, cpu_cc_src, s2);
        set_cc_op(dc, CC_OP_ADDB + ot);
        break;
    case OP_ADC:
    case OP_SBB:
        gen_ext(dc, ot, cpu_cc_dst, r);
        tcg_gen_mov(S, cpu_cc_src, s2);
        tcg_gen_mov(S, cpu_cc_src2, c);
        set_cc_op(dc, (op == OP_ADC ? CC_OP_ADCB : CC_OP_SBBB) + ot);
        break;
    case OP_SUB:
    case OP_CMP:
        gen_ext(dc, ot, cpu_cc_dst, r);
        tcg_gen_mov(S, cpu_cc_src, s2);
        tcg_gen_mov(S, cpu_cc_src2, s1);
        set_cc_op(dc, CC_OP_SUBB + ot);
        break;
    default:
        tcg_gen_mov(S, cpu_cc_dst, r);
        set_cc_op(dc, CC_OP_LOGICB + ot);
        break;
    }
    if (op != OP_CMP && d) {
        tcg_gen_mov(S, d, r);
    }
}

static void gen_alu(DisasContext *dc, int op, MemOp ot, TCGv d, TCGv s1,
                    TCGv s2)
{
    gen_alu_st(dc, op, ot, d, s1, s2, NULL);
}

/* ALU op with operands as ModRM/immediate forms give them. */
static void gen_alu_modrm(DisasContext *dc, int op, MemOp ot, int form)
{
    /* form 0: Ev,Gv  1: Gv,Ev  2: Ev,imm */
    TCGv a0 = NULL, d, s2;
    if (op == OP_XOR && form < 2 && dc->mod == 3 && dc->rm == dc->reg &&
        !byte_reg_is_high(dc, ot, dc->reg)) {
        /* xor r, r: the zeroing idiom */
        gen_op_mov_reg_v(dc, ot, dc->reg, cst(dc, 0));
        tcg_gen_movi(S, cpu_cc_dst, 0);
        set_cc_op(dc, CC_OP_LOGICB + ot);
        return;
    }
    if (form == 1) {
        d = tmp(dc);
        gen_op_mov_v_reg(dc, ot, d, dc->reg);
        s2 = gen_load_rm(dc, ot, NULL);
        gen_alu(dc, op, ot, d, d, s2);
        if (op != OP_CMP) {
            gen_op_mov_reg_v(dc, ot, dc->reg, d);
        }
        return;
    }
    d = gen_load_rm(dc, ot, op == OP_CMP ? NULL : &a0);
    if (form == 0) {
        s2 = tmp(dc);
        gen_op_mov_v_reg(dc, ot, s2, dc->reg);
    } else {
        s2 = cst(dc, (int64_t)((uint64_t)dc->imm & (ot == MO_64 ? ~0ull
                               : (1ull << memop_bits(ot)) - 1)));
    }
    if (a0) {
        gen_alu_st(dc, op, ot, NULL, d, s2, a0);
    } else {
        gen_alu(dc, op, ot, d, d, s2);
        if (op != OP_CMP) {
            gen_store_rm(dc, ot, d, NULL);
        }
    }
}

/* INC/DEC keep CF; a memory result is stored before the flags change. */
static void gen_inc_dec(DisasContext *dc, MemOp ot, TCGv v, int delta,
                        TCGv a0)
{
    TCGv c = gen_compute_c(dc);
    tcg_gen_addi(S, v, v, delta);
    if (a0) {
        gen_op_st_v(dc, ot, v, a0);
    }
    tcg_gen_mov(S, cpu_cc_src, c);
    gen_ext(dc, ot, cpu_cc_dst, v);
    set_cc_op(dc, (delta > 0 ? CC_OP_INCB : CC_OP_DECB) + ot);
}

/*
 * ROL/ROR by a constant, inline: only CF and OF change (SDM Vol. 2B), so the
 * other flags are computed by a pure call that liveness drops when the next
 * flag-setting instruction makes them dead.
 */
static void gen_rotate_const(DisasContext *dc, bool right, MemOp ot, int c)
{
    TCGv a0 = NULL;
    int bits = memop_bits(ot);
    TCGv v = gen_load_rm(dc, ot, &a0);
    if (c == 0) {
        if (dc->mod == 3 && ot == MO_32) {
            gen_store_rm(dc, ot, v, a0);   /* still zero-extends */
        }
        return;
    }
    int n = c % bits;
    TCGv r = tmp(dc);
    if (ot == MO_64) {
        tcg_gen_op3(S, right ? INDEX_op_rotr : INDEX_op_rotl, TA(r), TA(v),
                    TA(cst(dc, n)));
    } else if (ot == MO_32) {
        tcg_gen_op3(S, right ? INDEX_op_rotr32 : INDEX_op_rotl32, TA(r),
                    TA(v), TA(cst(dc, n)));
    } else if (n == 0) {
        tcg_gen_mov(S, r, v);
    } else {
        TCGv hi = tmp(dc);
        int l = right ? bits - n : n;
        tcg_gen_shli(S, r, v, l);
        tcg_gen_shri(S, hi, v, bits - l);
        tcg_gen_or(S, r, r, hi);
        gen_ext(dc, ot, r, r);
    }
    gen_store_rm(dc, ot, r, a0);

    TCGv cf = tmp(dc), of = tmp(dc), msb = tmp(dc);
    tcg_gen_shri(S, msb, r, bits - 1);
    tcg_gen_andi(S, msb, msb, 1);
    if (right) {
        tcg_gen_mov(S, cf, msb);                  /* CF = MSB(result) */
        tcg_gen_shri(S, of, r, bits - 2);         /* OF = MSB ^ MSB-1 */
        tcg_gen_xor(S, of, of, msb);
        tcg_gen_andi(S, of, of, 1);
    } else {
        tcg_gen_andi(S, cf, r, 1);                /* CF = LSB(result) */
        tcg_gen_xor(S, of, msb, cf);              /* OF = MSB ^ CF */
    }
    tcg_gen_shli(S, of, of, 11);
    tcg_gen_or(S, cf, cf, of);
    if (cc_op_in(dc->cc_op, CC_OP_LOGICB) || cc_op_in(dc->cc_op,
                                                       CC_OP_LOGICCOB)) {
        /* after a logic op the other flags follow from cc_dst alone */
        MemOp lot = (MemOp)((dc->cc_op - CC_OP_ADDB) & 3);
        tcg_gen_mov(S, cpu_cc_src, cf);
        set_cc_op(dc, CC_OP_LOGICCOB + lot);
        return;
    }
    TCGv f = gen_compute_eflags_all(dc);
    tcg_gen_andi(S, f, f, ~(int64_t)(CC_C | CC_O));
    tcg_gen_or(S, cpu_cc_src, f, cf);
    set_cc_op(dc, CC_OP_EFLAGS);
}

/* SHL/SHR/SAR; ROL/ROR/RCL/RCR go through a helper. op = ModRM reg field. */
static void gen_shift(DisasContext *dc, int op, MemOp ot, TCGv count_in,
                      bool count_is_const, int64_t count_const)
{
    TCGv a0 = NULL;
    int bits = memop_bits(ot);
    int mask = ot == MO_64 ? 63 : 31;

    if ((op == 0 || op == 1) && count_is_const) {
        gen_rotate_const(dc, op == 1, ot, (int)(count_const & mask));
        return;
    }
    if (op == 0 || op == 1 || op == 2 || op == 3) {
        TCGv v = gen_load_rm(dc, ot, &a0);
        TCGv cnt = tmp(dc);
        if (count_is_const) {
            tcg_gen_movi(S, cnt, count_const & mask);
        } else {
            tcg_gen_andi(S, cnt, count_in, mask);
        }
        gen_compute_eflags(dc);
        TCGv r = tmp(dc), f = tmp(dc), opot = cst(dc, op | (ot << 4));
        tcg_gen_callN(S, helper_rotate, TCG_CALL_PURE, r, v, cnt, opot,
                      cpu_cc_src);
        gen_store_rm(dc, ot, r, a0);   /* before the flags: see gen_alu_st */
        tcg_gen_callN(S, helper_rotate_flags, TCG_CALL_PURE, f, v, cnt, opot,
                      cpu_cc_src);
        tcg_gen_mov(S, cpu_cc_src, f);
        return;
    }
    bool is_sar = op == 7;
    TCGv v = gen_load_rm(dc, ot, &a0);
    if (is_sar) {
        gen_exts(dc, ot, v, v);
    }
    if (count_is_const) {
        int c = (int)(count_const & mask);
        if (c == 0) {
            if (dc->mod == 3 && ot == MO_32) {
                gen_store_rm(dc, ot, v, a0);   /* still zero-extends */
            }
            return;
        }
        TCGv r = tmp(dc), t1 = tmp(dc);
        if (op == 4 || op == 6) {
            tcg_gen_shli(S, r, v, c);
            tcg_gen_shli(S, t1, v, c - 1);
        } else if (is_sar) {
            tcg_gen_sari(S, r, v, c);
            tcg_gen_sari(S, t1, v, c - 1);
        } else {
            tcg_gen_shri(S, r, v, c);
            tcg_gen_shri(S, t1, v, c - 1);
        }
        gen_store_rm(dc, ot, r, a0);   /* before the flags: see gen_alu_st */
        if (op == 4 || op == 6) {
            gen_ext(dc, ot, cpu_cc_src, t1);
            set_cc_op(dc, CC_OP_SHLB + ot);
        } else {
            if (is_sar) {
                tcg_gen_movi(S, cpu_cc_src2, 0);
            } else {
                tcg_gen_shri(S, cpu_cc_src2, v, bits - 1);
            }
            tcg_gen_mov(S, cpu_cc_src, t1);
            set_cc_op(dc, CC_OP_SARB + ot);
        }
        gen_ext(dc, ot, cpu_cc_dst, r);
        return;
    }
    /* variable count: a zero count leaves the flags alone */
    TCGv cnt = tcg_temp_new_local(S);
    TCGv r = tcg_temp_new_local(S);
    TCGv t1 = tcg_temp_new_local(S);
    TCGv s2 = tcg_temp_new_local(S);
    tcg_gen_andi(S, cnt, count_in, mask);
    TCGv cm1 = tmp(dc);
    tcg_gen_addi(S, cm1, cnt, -1);
    if (op == 4 || op == 6) {
        tcg_gen_shl(S, r, v, cnt);
        tcg_gen_shl(S, t1, v, cm1);
        gen_ext(dc, ot, t1, t1);
        tcg_gen_movi(S, s2, 0);
    } else if (is_sar) {
        tcg_gen_sar(S, r, v, cnt);
        tcg_gen_sar(S, t1, v, cm1);
        tcg_gen_movi(S, s2, 0);
    } else {
        tcg_gen_shr(S, r, v, cnt);
        tcg_gen_shr(S, t1, v, cm1);
        tcg_gen_shri(S, s2, v, bits - 1);
    }
    gen_store_rm(dc, ot, r, a0);
    TCGLabel *skip = gen_new_label(S);
    tcg_gen_brcondi(S, TCG_COND_EQ, cnt, 0, skip);
    tcg_gen_mov(S, cpu_cc_src, t1);
    tcg_gen_mov(S, cpu_cc_src2, s2);
    gen_ext(dc, ot, cpu_cc_dst, r);
    tcg_gen_movi(S, cpu_cc_op, ((op == 4 || op == 6) ? CC_OP_SHLB : CC_OP_SARB)
                 + ot);
    tcg_gen_set_label(S, skip);
    dc->cc_op = CC_OP_DYNAMIC;
}

/* ---- multiply and divide ---- */

static void gen_mul_group(DisasContext *dc, int op, MemOp ot)
{
    /* F6/F7 /4 MUL, /5 IMUL, /6 DIV, /7 IDIV */
    TCGv v = gen_load_rm(dc, ot, NULL);
    if (op >= 6) {
        static void (*const div_helpers[2][4])(CPUX86State *, uint64_t) = {
            { helper_divb, helper_divw, helper_divl, helper_divq },
            { helper_idivb, helper_idivw, helper_idivl, helper_idivq },
        };
        gen_sync_rip(dc);
        tcg_gen_callN(S, (void *)div_helpers[op - 6][ot], 0, NULL, cpu_env, v);
        return;
    }
    bool is_signed = op == 5;
    TCGv a = tmp(dc), lo = tmp(dc), hi = tmp(dc), chk = tmp(dc);
    if (ot == MO_64) {
        tcg_gen_callN(S, is_signed ? helper_imulq : helper_mulq, 0, lo,
                      cpu_env, cpu_regs[R_EAX], v);
        tcg_gen_ld(S, INDEX_op_ld, hi, cpu_env, ENV_OFF(mul_hi));
        tcg_gen_mov(S, cpu_regs[R_EAX], lo);
        tcg_gen_mov(S, cpu_regs[R_EDX], hi);
        tcg_gen_mov(S, cpu_cc_dst, lo);
        if (is_signed) {
            tcg_gen_sari(S, chk, lo, 63);
            tcg_gen_setcond(S, TCG_COND_NE, cpu_cc_src, hi, chk);
        } else {
            tcg_gen_setcond(S, TCG_COND_NE, cpu_cc_src, hi, cst(dc, 0));
        }
        set_cc_op(dc, CC_OP_MULQ);
        return;
    }
    int bits = memop_bits(ot);
    TCGv full = tmp(dc);
    if (is_signed) {
        gen_exts(dc, ot, a, cpu_regs[R_EAX]);
        gen_exts(dc, ot, v, v);
    } else {
        gen_ext(dc, ot, a, cpu_regs[R_EAX]);
    }
    tcg_gen_mul(S, full, a, v);
    gen_ext(dc, ot, lo, full);
    tcg_gen_shri(S, hi, full, bits);
    gen_ext(dc, ot, hi, hi);
    if (ot == MO_8) {
        TCGv ax = tmp(dc);
        tcg_gen_ext16u(S, ax, full);
        gen_op_mov_reg_v(dc, MO_16, R_EAX, ax);
    } else {
        gen_op_mov_reg_v(dc, ot, R_EAX, lo);
        gen_op_mov_reg_v(dc, ot, R_EDX, hi);
    }
    tcg_gen_mov(S, cpu_cc_dst, lo);
    if (is_signed) {
        gen_exts(dc, ot, chk, full);
        tcg_gen_setcond(S, TCG_COND_NE, cpu_cc_src, chk, full);
    } else {
        tcg_gen_setcond(S, TCG_COND_NE, cpu_cc_src, hi, cst(dc, 0));
    }
    set_cc_op(dc, CC_OP_MULB + ot);
}

/* IMUL Gv, Ev[, imm]: the truncated signed product. The 64-bit one is the
 * host's multiply; its CF/OF come from a pure helper that liveness drops
 * when the next flag-setting instruction makes them dead. */
static void gen_imul_reg(DisasContext *dc, MemOp ot, TCGv a, TCGv b)
{
    TCGv lo = tmp(dc);
    if (ot == MO_64) {
        tcg_gen_mul(S, lo, a, b);
        tcg_gen_callN(S, helper_imulq_overflow, TCG_CALL_PURE, cpu_cc_src,
                      a, b);
        tcg_gen_mov(S, cpu_cc_dst, lo);
    } else {
        TCGv sa = tmp(dc), sb = tmp(dc), full = tmp(dc), chk = tmp(dc);
        gen_exts(dc, ot, sa, a);
        gen_exts(dc, ot, sb, b);
        tcg_gen_mul(S, full, sa, sb);
        gen_exts(dc, ot, chk, full);
        tcg_gen_setcond(S, TCG_COND_NE, cpu_cc_src, chk, full);
        gen_ext(dc, ot, lo, full);
        tcg_gen_mov(S, cpu_cc_dst, lo);
    }
    gen_op_mov_reg_v(dc, ot, dc->reg, lo);
    set_cc_op(dc, CC_OP_MULB + ot);
}

/* ---- string instructions ---- */

static TCGv gen_string_delta(DisasContext *dc, MemOp ot)
{
    TCGv d = tmp(dc);
    tcg_gen_ld(S, INDEX_op_ld32s, d, cpu_env, ENV_OFF(df));
    tcg_gen_shli(S, d, d, ot);
    return d;
}

static void gen_string_advance(DisasContext *dc, MemOp ot, int reg)
{
    TCGv d = gen_string_delta(dc, ot);
    TCGv t = tmp(dc);
    tcg_gen_add(S, t, cpu_regs[reg], d);
    gen_op_mov_reg_v(dc, dc->aflag, reg, t);
}

enum { STR_MOVS, STR_STOS, STR_LODS, STR_CMPS, STR_SCAS, STR_INS, STR_OUTS };

/* One iteration of a string instruction. */
static void gen_string_body(DisasContext *dc, int kind, MemOp ot)
{
    TCGv v = tmp(dc), a0;
    switch (kind) {
    case STR_MOVS:
        a0 = gen_lea_reg(dc, dc->aflag, R_ESI, R_DS, dc->override);
        gen_op_ld_v(dc, ot, v, a0);
        a0 = gen_lea_reg(dc, dc->aflag, R_EDI, R_ES, -1);
        gen_op_st_v(dc, ot, v, a0);
        gen_string_advance(dc, ot, R_ESI);
        gen_string_advance(dc, ot, R_EDI);
        break;
    case STR_STOS:
        a0 = gen_lea_reg(dc, dc->aflag, R_EDI, R_ES, -1);
        gen_op_st_v(dc, ot, cpu_regs[R_EAX], a0);
        gen_string_advance(dc, ot, R_EDI);
        break;
    case STR_LODS:
        a0 = gen_lea_reg(dc, dc->aflag, R_ESI, R_DS, dc->override);
        gen_op_ld_v(dc, ot, v, a0);
        gen_op_mov_reg_v(dc, ot, R_EAX, v);
        gen_string_advance(dc, ot, R_ESI);
        break;
    case STR_CMPS: {
        TCGv w = tmp(dc);
        /* ES:rDI is read first: when both operands fault, the hardware
         * reports the second one (seen on the host CPU; the SDM is silent) */
        a0 = gen_lea_reg(dc, dc->aflag, R_EDI, R_ES, -1);
        gen_op_ld_v(dc, ot, w, a0);
        a0 = gen_lea_reg(dc, dc->aflag, R_ESI, R_DS, dc->override);
        gen_op_ld_v(dc, ot, v, a0);
        gen_alu(dc, OP_CMP, ot, v, v, w);
        gen_string_advance(dc, ot, R_ESI);
        gen_string_advance(dc, ot, R_EDI);
        break;
    }
    case STR_SCAS: {
        TCGv acc = tmp(dc);
        a0 = gen_lea_reg(dc, dc->aflag, R_EDI, R_ES, -1);
        gen_op_ld_v(dc, ot, v, a0);
        gen_ext(dc, ot, acc, cpu_regs[R_EAX]);
        gen_alu(dc, OP_CMP, ot, acc, acc, v);
        gen_string_advance(dc, ot, R_EDI);
        break;
    }
    case STR_INS: {
        TCGv port = tmp(dc), probe = tmp(dc);
        /* probe the destination (write intent, nothing written) first:
         * no port read happens if it faults */
        a0 = gen_lea_reg(dc, dc->aflag, R_EDI, R_ES, -1);
        gen_op_ld_rmw(dc, ot, probe, a0);
        tcg_gen_ext16u(S, port, cpu_regs[R_EDX]);
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_in, 0, v, cpu_env, port, cst(dc, 1 << ot));
        a0 = gen_lea_reg(dc, dc->aflag, R_EDI, R_ES, -1);
        gen_op_st_v(dc, ot, v, a0);
        gen_string_advance(dc, ot, R_EDI);
        break;
    }
    case STR_OUTS: {
        TCGv port = tmp(dc);
        a0 = gen_lea_reg(dc, dc->aflag, R_ESI, R_DS, dc->override);
        gen_op_ld_v(dc, ot, v, a0);
        tcg_gen_ext16u(S, port, cpu_regs[R_EDX]);
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_out, 0, NULL, cpu_env, port, v,
                      cst(dc, 1 << ot));
        gen_string_advance(dc, ot, R_ESI);
        break;
    }
    }
}

/*
 * A string instruction with or without REP. The REP loop runs inside the
 * block; a fault in the middle leaves RCX/RSI/RDI as the SDM says, since
 * registers are in memory at every guest memory access.
 */
static void gen_string(DisasContext *dc, int kind, MemOp ot)
{
    bool rep = dc->prefix & (PREFIX_REPZ | PREFIX_REPNZ);
    if (kind == STR_INS || kind == STR_OUTS) {
        /* I/O permission comes first, before any memory access and even
         * for a zero count (SDM INS/OUTS) */
        TCGv port = tmp(dc);
        tcg_gen_ext16u(S, port, cpu_regs[R_EDX]);
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_check_io, 0, NULL, cpu_env, port,
                      cst(dc, 1 << ot));
    }
    if (!rep) {
        gen_string_body(dc, kind, ot);
        return;
    }
    TCGLabel *loop = gen_new_label(S);
    TCGLabel *done = gen_new_label(S);
    tcg_gen_set_label(S, loop);
    dc->cc_op = CC_OP_DYNAMIC;
    TCGv cnt = tmp(dc);
    gen_ext(dc, dc->aflag, cnt, cpu_regs[R_ECX]);
    tcg_gen_brcondi(S, TCG_COND_EQ, cnt, 0, done);
    gen_string_body(dc, kind, ot);
    TCGv c2 = tmp(dc);
    tcg_gen_addi(S, c2, cpu_regs[R_ECX], -1);
    gen_op_mov_reg_v(dc, dc->aflag, R_ECX, c2);
    if (kind == STR_CMPS || kind == STR_SCAS) {
        /* REPE stops when ZF = 0, REPNE when ZF = 1 */
        bool repz = dc->prefix & PREFIX_REPZ;
        tcg_gen_brcondi(S, repz ? TCG_COND_NE : TCG_COND_EQ, cpu_cc_dst, 0,
                        done);
    }
    tcg_gen_br(S, loop);
    tcg_gen_set_label(S, done);
    dc->cc_op = CC_OP_DYNAMIC;
}

/* ---- control transfer ---- */

static void gen_jcc(DisasContext *dc, int b, uint64_t target)
{
    TCGLabel *taken = gen_new_label(S);
    gen_brcc(dc, b, taken);
    gen_jmp_tb(dc, dc->pc, 0);
    tcg_gen_set_label(S, taken);
    gen_jmp_tb(dc, target, 1);
}

static uint64_t rel_target(DisasContext *dc, int64_t rel)
{
    return next_rip_mask(dc, dc->pc + (uint64_t)rel);
}

/* ---- I/O ---- */

static void gen_in(DisasContext *dc, MemOp ot, TCGv port)
{
    TCGv v = tmp(dc);
    gen_sync_rip(dc);
    tcg_gen_callN(S, helper_in, 0, v, cpu_env, port, cst(dc, 1 << ot));
    gen_op_mov_reg_v(dc, ot, R_EAX, v);
}

static void gen_out(DisasContext *dc, MemOp ot, TCGv port)
{
    TCGv v = tmp(dc);
    gen_ext(dc, ot, v, cpu_regs[R_EAX]);
    gen_sync_rip(dc);
    tcg_gen_callN(S, helper_out, 0, NULL, cpu_env, port, v, cst(dc, 1 << ot));
}

/* Operand size of the byte/word-or-bigger pair (opcode bit 0). */
static MemOp ot_of(DisasContext *dc)
{
    return (dc->b & 1) ? dc->dflag : MO_8;
}

/*
 * ENTER imm16, level (SDM Vol. 2A): push RBP, copy level-1 frame pointers
 * from the old frame, push the new frame pointer, then reserve imm16 bytes.
 * Registers change only after every access has succeeded.
 */
static void gen_enter(DisasContext *dc, int size, int level)
{
    MemOp ot = push_size(dc);
    MemOp sa = stack_addr_size(dc);
    int d = 1 << ot;
    TCGv frame = tmp(dc), v = tmp(dc), a0;

    tcg_gen_addi(S, frame, cpu_regs[R_ESP], -d);    /* new RBP */
    gen_op_mov_v_reg(dc, ot, v, R_EBP);
    a0 = tmp(dc);
    tcg_gen_mov(S, a0, frame);
    gen_lea_v_seg(dc, sa, a0, R_SS, -1);
    gen_op_st_v(dc, ot, v, a0);
    for (int i = 1; i < level; i++) {
        TCGv src = tmp(dc), dst = tmp(dc), w = tmp(dc);
        tcg_gen_addi(S, src, cpu_regs[R_EBP], -d * i);
        gen_lea_v_seg(dc, sa, src, R_SS, -1);
        gen_op_ld_v(dc, ot, w, src);
        tcg_gen_addi(S, dst, frame, -d * i);
        gen_lea_v_seg(dc, sa, dst, R_SS, -1);
        gen_op_st_v(dc, ot, w, dst);
    }
    if (level > 0) {
        a0 = tmp(dc);
        tcg_gen_addi(S, a0, frame, -d * level);
        gen_lea_v_seg(dc, sa, a0, R_SS, -1);
        gen_op_st_v(dc, ot, frame, a0);
    }
    TCGv sp = tmp(dc);
    tcg_gen_addi(S, sp, frame, -d * level - size);
    gen_op_mov_reg_v(dc, ot, R_EBP, frame);
    gen_op_mov_reg_v(dc, sa, R_ESP, sp);
}

static void gen_movseg(DisasContext *dc, int seg, TCGv sel)
{
    gen_sync_rip(dc);
    TCGv s32 = tmp(dc);
    tcg_gen_ext16u(S, s32, sel);
    tcg_gen_callN(S, helper_load_seg, 0, NULL, cpu_env, cst(dc, seg), s32);
}

/* ---- legacy instructions: BCD, BOUND, ARPL, far pointers, far CALL ---- */

/* DAA DAS AAA AAS AAM AAD: in C on AL/AH and the flags. */
static void gen_bcd(DisasContext *dc, int b)
{
    gen_compute_eflags(dc);
    gen_sync_rip(dc);                            /* AAM 0 raises #DE */
    tcg_gen_callN(S, helper_bcd, 0, NULL, cpu_env, cst(dc, b),
                  cst(dc, (int64_t)(dc->imm & 0xff)));
    dc->cc_op = CC_OP_EFLAGS;
}

/* BOUND r, m: #BR when the signed index is outside [m, m + size]. */
static void gen_bound(DisasContext *dc)
{
    MemOp ot = dc->dflag;
    TCGv a0 = gen_lea_modrm(dc), lo = tmp(dc), hi = tmp(dc), a1 = tmp(dc);
    TCGv idx = tmp(dc);
    gen_op_ld_v(dc, ot | MO_SIGN, lo, a0);
    tcg_gen_addi(S, a1, a0, 1 << ot);
    gen_ext(dc, dc->aflag, a1, a1);
    gen_op_ld_v(dc, ot | MO_SIGN, hi, a1);
    gen_exts(dc, ot, idx, cpu_regs[dc->reg]);
    gen_sync_rip(dc);
    tcg_gen_callN(S, helper_bound, 0, NULL, cpu_env, idx, lo, hi);
}

/* ARPL r/m16, r16: raise the destination selector's RPL; ZF says so. */
static void gen_arpl(DisasContext *dc)
{
    if (!dc->pe || dc->vm86) {
        gen_illegal_opcode(dc);
        return;
    }
    TCGv a0 = NULL;
    TCGv d = gen_load_rm(dc, MO_16, &a0);
    TCGv src = tmp(dc), drpl = tmp(dc), srpl = tmp(dc), lt = tmp(dc);
    TCGv nd = tmp(dc), z = tmp(dc);
    gen_op_mov_v_reg(dc, MO_16, src, dc->reg);
    tcg_gen_andi(S, drpl, d, 3);
    tcg_gen_andi(S, srpl, src, 3);
    tcg_gen_setcond(S, TCG_COND_LTU, lt, drpl, srpl);
    tcg_gen_andi(S, nd, d, ~(int64_t)3);
    tcg_gen_or(S, nd, nd, srpl);
    tcg_gen_movcond(S, TCG_COND_NE, nd, lt, cst(dc, 0), nd, d);
    gen_store_rm(dc, MO_16, nd, a0);
    gen_compute_eflags(dc);
    tcg_gen_andi(S, cpu_cc_src, cpu_cc_src, ~(int64_t)CC_Z);
    tcg_gen_shli(S, z, lt, 6);
    tcg_gen_or(S, cpu_cc_src, cpu_cc_src, z);
}

/* LDS LES LSS LFS LGS r, m16:16/32/64 */
static void gen_load_far_ptr(DisasContext *dc, int seg)
{
    MemOp ot = dc->dflag;
    if (dc->mod == 3) {
        gen_illegal_opcode(dc);
        return;
    }
    TCGv a0 = gen_lea_modrm(dc), off = tmp(dc), sel = tmp(dc), a1 = tmp(dc);
    gen_op_ld_v(dc, ot, off, a0);
    tcg_gen_addi(S, a1, a0, 1 << ot);
    if (!dc->code64) {
        gen_ext(dc, dc->aflag, a1, a1);
    }
    gen_op_ld_v(dc, MO_16, sel, a1);
    gen_movseg(dc, seg, sel);
    gen_op_mov_reg_v(dc, ot, dc->reg, off);
    if (seg == R_SS) {
        tcg_gen_st(S, INDEX_op_st8, cst(dc, 1), cpu_env, ENV_OFF(inhibit_irq));
    }
    gen_end_block_exit(dc, dc->pc);
}

/* Far CALL to sel:offset at the same privilege level (no call gates). */
static void gen_lcall(DisasContext *dc, TCGv sel, TCGv offset)
{
    gen_sync_rip(dc);
    gen_compute_eflags(dc);
    tcg_gen_callN(S, helper_lcall, 0, NULL, cpu_env, sel, offset,
                  cst(dc, dc->dflag == MO_64 ? 2 : dc->dflag == MO_32),
                  cst(dc, (int64_t)next_rip_mask(dc, dc->pc)));
    dc->cc_op = CC_OP_DYNAMIC;
    tcg_gen_exit_tb(S, 0);
    dc->is_jmp = true;
}

/* ---- the one-byte opcode map ---- */


static void disas_one_byte(DisasContext *dc)
{
    int b = dc->b;
    MemOp ot;
    TCGv t, t2, a0;

    switch (b) {
    case 0x00 ... 0x05: case 0x08 ... 0x0d: case 0x10 ... 0x15:
    case 0x18 ... 0x1d: case 0x20 ... 0x25: case 0x28 ... 0x2d:
    case 0x30 ... 0x35: case 0x38 ... 0x3d: {
        int op = (b >> 3) & 7;
        ot = ot_of(dc);
        switch (b & 7) {
        case 0: case 1:
            gen_alu_modrm(dc, op, ot, 0);
            break;
        case 2: case 3:
            gen_alu_modrm(dc, op, ot, 1);
            break;
        default: { /* AL/rAX, imm */
            t = tmp(dc);
            gen_op_mov_v_reg(dc, ot, t, R_EAX);
            uint64_t imm = ot == MO_64 ? (uint64_t)sext(dc->imm, 32)
                         : dc->imm & ((1ull << memop_bits(ot)) - 1);
            gen_alu(dc, op, ot, t, t, cst(dc, (int64_t)imm));
            if (op != OP_CMP) {
                gen_op_mov_reg_v(dc, ot, R_EAX, t);
            }
        }
        }
        break;
    }
    case 0x06: case 0x0e: case 0x16: case 0x1e: /* push es/cs/ss/ds */
        if (dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        t = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld16u, t, cpu_env,
                   ENV_OFF(segs[b >> 3].selector));
        gen_push_v(dc, push_size(dc), t);
        break;
    case 0x07: case 0x17: case 0x1f: /* pop es/ss/ds */
        if (dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        ot = push_size(dc);
        t = gen_pop_load(dc, ot);
        gen_movseg(dc, b >> 3, t);
        gen_pop_update(dc, ot);
        gen_end_block_exit(dc, dc->pc);
        break;
    case 0x40 ... 0x4f: /* inc/dec r (REX prefixes in 64-bit mode) */
        ot = dc->dflag;
        t = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t, b & 7);
        gen_inc_dec(dc, ot, t, b < 0x48 ? 1 : -1, NULL);
        gen_op_mov_reg_v(dc, ot, b & 7, t);
        break;
    case 0x50 ... 0x57: /* push r */
        ot = push_size(dc);
        t = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t, (b & 7) | dc->rex_b);
        gen_push_v(dc, ot, t);
        break;
    case 0x58 ... 0x5f: { /* pop r */
        ot = push_size(dc);
        int reg = (b & 7) | dc->rex_b;
        t = gen_pop_load(dc, ot);
        gen_pop_update(dc, ot);   /* pop rsp: the loaded value wins */
        gen_op_mov_reg_v(dc, ot, reg, t);
        break;
    }
    case 0x60: /* pusha */
    case 0x61: /* popa */
        if (dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        ot = dc->dflag;
        if (b == 0x60) {
            TCGv sp0 = tmp(dc);
            tcg_gen_mov(S, sp0, cpu_regs[R_ESP]);
            for (int i = 0; i < 8; i++) {
                t = tmp(dc);
                gen_ext(dc, ot, t, i == R_ESP ? sp0 : cpu_regs[i]);
                gen_push_v(dc, ot, t);
            }
        } else {
            for (int i = 7; i >= 0; i--) {
                t = gen_pop_load(dc, ot);
                gen_pop_update(dc, ot);
                if (i != R_ESP) {
                    gen_op_mov_reg_v(dc, ot, i, t);
                }
            }
        }
        break;
    case 0x63: /* movsxd (64-bit); arpl elsewhere */
        if (!dc->code64) {
            gen_arpl(dc);
            break;
        }
        t = gen_load_rm(dc, MO_32, NULL);
        if (dc->dflag == MO_64) {
            tcg_gen_ext32s(S, t, t);
        }
        gen_op_mov_reg_v(dc, dc->dflag, dc->reg, t);
        break;
    case 0x68: /* push imm */
    case 0x6a:
        ot = push_size(dc);
        gen_push_v(dc, ot, cst(dc, b == 0x68
                                       ? sext(dc->imm, dc->dflag == MO_16 ? 16 : 32)
                                       : sext(dc->imm, 8)));
        break;
    case 0x69: /* imul Gv, Ev, imm */
    case 0x6b:
        ot = dc->dflag;
        t = gen_load_rm(dc, ot, NULL);
        gen_imul_reg(dc, ot, t,
                     cst(dc, b == 0x69 ? sext(dc->imm, ot == MO_16 ? 16 : 32)
                                       : sext(dc->imm, 8)));
        break;
    case 0x6c: case 0x6d: /* ins */
        gen_string(dc, STR_INS, b == 0x6c ? MO_8 : (dc->dflag == MO_64 ? MO_32 : dc->dflag));
        break;
    case 0x6e: case 0x6f: /* outs */
        gen_string(dc, STR_OUTS, b == 0x6e ? MO_8 : (dc->dflag == MO_64 ? MO_32 : dc->dflag));
        break;
    case 0x70 ... 0x7f:
        gen_jcc(dc, b & 15, rel_target(dc, sext(dc->imm, 8)));
        break;
    case 0x80: case 0x81: case 0x82: case 0x83: {
        if (b == 0x82 && dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        ot = ot_of(dc);
        if (b == 0x83) {
            dc->imm = (uint64_t)sext(dc->imm, 8);
        } else if (b == 0x81 && ot == MO_64) {
            dc->imm = (uint64_t)sext(dc->imm, 32);
        }
        gen_alu_modrm(dc, (dc->modrm >> 3) & 7, ot, 2);
        break;
    }
    case 0x84: case 0x85: /* test Ev, Gv */
        ot = ot_of(dc);
        t = gen_load_rm(dc, ot, NULL);
        t2 = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t2, dc->reg);
        gen_alu(dc, OP_AND, ot, t, t, t2);
        break;
    case 0x86: case 0x87: /* xchg Ev, Gv */
        ot = ot_of(dc);
        t2 = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t2, dc->reg);
        t = gen_load_rm(dc, ot, &a0);
        gen_store_rm(dc, ot, t2, a0);
        gen_op_mov_reg_v(dc, ot, dc->reg, t);
        break;
    case 0x88: case 0x89: /* mov Ev, Gv */
        ot = ot_of(dc);
        t = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t, dc->reg);
        gen_store_rm(dc, ot, t, NULL);
        break;
    case 0x8a: case 0x8b: /* mov Gv, Ev */
        ot = ot_of(dc);
        t = gen_load_rm(dc, ot, NULL);
        gen_op_mov_reg_v(dc, ot, dc->reg, t);
        break;
    case 0x8c: { /* mov Ev, Sreg */
        int seg = (dc->modrm >> 3) & 7;
        if (seg > R_GS) {
            gen_illegal_opcode(dc);
            break;
        }
        t = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld16u, t, cpu_env, ENV_OFF(segs[seg].selector));
        gen_store_rm(dc, dc->mod == 3 ? dc->dflag : MO_16, t, NULL);
        break;
    }
    case 0x8d: /* lea */
        if (dc->mod == 3) {
            gen_illegal_opcode(dc);
            break;
        }
        {
            /* the offset alone: no segment base */
            int ovr = dc->override;
            bool addseg = dc->addseg;
            dc->override = -1;
            dc->addseg = false;
            a0 = gen_lea_modrm(dc);
            dc->override = ovr;
            dc->addseg = addseg;
            gen_op_mov_reg_v(dc, dc->dflag, dc->reg, a0);
        }
        break;
    case 0x8e: { /* mov Sreg, Ev */
        int seg = (dc->modrm >> 3) & 7;
        if (seg == R_CS || seg > R_GS) {
            gen_illegal_opcode(dc);
            break;
        }
        t = gen_load_rm(dc, MO_16, NULL);
        gen_movseg(dc, seg, t);
        if (seg == R_SS) {
            /* MOV SS blocks interrupts for one instruction */
            tcg_gen_st(S, INDEX_op_st8, cst(dc, 1), cpu_env,
                       ENV_OFF(inhibit_irq));
        }
        gen_end_block_exit(dc, dc->pc);
        break;
    }
    case 0x8f: { /* pop Ev */
        ot = push_size(dc);
        t = gen_pop_load(dc, ot);
        if (dc->mod == 3) {
            gen_pop_update(dc, ot);
            gen_op_mov_reg_v(dc, ot, dc->rm, t);
            break;
        }
        /* the address uses RSP as already incremented (SDM POP), and RSP
         * changes only once the store has succeeded */
        a0 = gen_lea_modrm(dc);
        if (dc->ea_base == R_ESP) {
            tcg_gen_addi(S, a0, a0, 1 << ot);
            if (!dc->code64) {
                gen_ext(dc, dc->aflag, a0, a0);
            }
        }
        gen_op_st_v(dc, ot, t, a0);
        gen_pop_update(dc, ot);
        break;
    }
    case 0x90: /* nop, pause, xchg r8, rax */
        if (dc->rex_b) {
            goto xchg_ax;
        }
        break;
    case 0x91 ... 0x97:
    xchg_ax: {
        int reg = (b & 7) | dc->rex_b;
        ot = dc->dflag;
        t = tmp(dc);
        t2 = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t, reg);
        gen_op_mov_v_reg(dc, ot, t2, R_EAX);
        gen_op_mov_reg_v(dc, ot, R_EAX, t);
        gen_op_mov_reg_v(dc, ot, reg, t2);
        break;
    }
    case 0x98: /* cbw/cwde/cdqe */
        t = tmp(dc);
        gen_exts(dc, (MemOp)(dc->dflag - 1), t, cpu_regs[R_EAX]);
        gen_op_mov_reg_v(dc, dc->dflag, R_EAX, t);
        break;
    case 0x99: /* cwd/cdq/cqo */
        ot = dc->dflag;
        t = tmp(dc);
        gen_exts(dc, ot, t, cpu_regs[R_EAX]);
        tcg_gen_sari(S, t, t, 63);
        gen_op_mov_reg_v(dc, ot, R_EDX, t);
        break;
    case 0x27: case 0x2f: case 0x37: case 0x3f: /* daa das aaa aas */
    case 0xd4: case 0xd5:                        /* aam aad */
        if (dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        gen_bcd(dc, b);
        break;
    case 0x62: /* bound (invalid in 64-bit mode) */
        if (dc->code64 || dc->mod == 3) {
            gen_illegal_opcode(dc);
            break;
        }
        gen_bound(dc);
        break;
    case 0xce: { /* into */
        if (dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        TCGLabel *no = gen_new_label(S);
        gen_brcc(dc, 1, no);                     /* OF clear: nothing */
        tcg_gen_callN(S, helper_raise_interrupt, 0, NULL, cpu_env,
                      cst(dc, EXCP04_INTO), cst(dc, (int64_t)dc->pc_start),
                      cst(dc, (int64_t)dc->pc));
        tcg_gen_set_label(S, no);
        break;
    }
    case 0xc4: case 0xc5: /* les, lds (outside 64-bit mode; else VEX) */
        gen_load_far_ptr(dc, b == 0xc4 ? R_ES : R_DS);
        break;
    case 0x9a: /* lcall ptr16:16/32 */
        if (dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        gen_lcall(dc, cst(dc, (int64_t)dc->imm2), cst(dc, (int64_t)dc->imm));
        break;
    case 0x9b: /* fwait */
    case 0xd8 ... 0xdf:
        disas_x87(dc);
        break;
    case 0x9c: /* pushf */
        if ((dc->flags & HF_PE) && (dc->env->eflags & VM_MASK)) {
            gen_unimplemented(dc);
            break;
        }
        gen_compute_eflags(dc);
        t = tmp(dc);
        tcg_gen_callN(S, helper_read_eflags, 0, t, cpu_env);
        gen_push_v(dc, push_size(dc), t);
        break;
    case 0x9d: { /* popf */
        ot = push_size(dc);
        t = gen_pop_load(dc, ot);
        gen_pop_update(dc, ot);
        uint32_t mask = TF_MASK | AC_MASK | ID_MASK | NT_MASK | CC_ALL |
                        DF_MASK;
        int iopl = (int)((dc->env->eflags & IOPL_MASK) >> 12);
        if (dc->cpl == 0) {
            mask |= IF_MASK | IOPL_MASK;
        } else if (dc->cpl <= iopl) {
            mask |= IF_MASK;
        }
        if (ot == MO_16) {
            mask &= 0xffff;
        }
        tcg_gen_callN(S, helper_write_eflags, 0, NULL, cpu_env, t,
                      cst(dc, mask));
        dc->cc_op = CC_OP_EFLAGS;
        gen_end_block_exit(dc, dc->pc);
        break;
    }
    case 0x9e: /* sahf */
        gen_compute_eflags(dc);
        t = tmp(dc);
        tcg_gen_shri(S, t, cpu_regs[R_EAX], 8);
        tcg_gen_andi(S, t, t, CC_S | CC_Z | CC_A | CC_P | CC_C);
        tcg_gen_andi(S, cpu_cc_src, cpu_cc_src, CC_O);
        tcg_gen_or(S, cpu_cc_src, cpu_cc_src, t);
        break;
    case 0x9f: /* lahf */
        t = gen_compute_eflags_all(dc);
        tcg_gen_ori(S, t, t, 0x2);
        tcg_gen_andi(S, t, t, 0xff);
        tcg_gen_deposit(S, cpu_regs[R_EAX], cpu_regs[R_EAX], t, 8, 8);
        break;
    case 0xa0 ... 0xa3: { /* mov AL/rAX, moffs and back */
        ot = ot_of(dc);
        a0 = tmp(dc);
        tcg_gen_movi(S, a0, (int64_t)dc->imm);
        gen_lea_v_seg(dc, dc->aflag, a0, R_DS, dc->override);
        t = tmp(dc);
        if (b < 0xa2) {
            gen_op_ld_v(dc, ot, t, a0);
            gen_op_mov_reg_v(dc, ot, R_EAX, t);
        } else {
            gen_op_mov_v_reg(dc, ot, t, R_EAX);
            gen_op_st_v(dc, ot, t, a0);
        }
        break;
    }
    case 0xa4: case 0xa5:
        gen_string(dc, STR_MOVS, ot_of(dc));
        break;
    case 0xa6: case 0xa7:
        gen_string(dc, STR_CMPS, ot_of(dc));
        break;
    case 0xa8: case 0xa9: { /* test AL/rAX, imm */
        ot = ot_of(dc);
        t = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t, R_EAX);
        uint64_t imm = ot == MO_64 ? (uint64_t)sext(dc->imm, 32) : dc->imm;
        gen_alu(dc, OP_AND, ot, t, t, cst(dc, (int64_t)imm));
        break;
    }
    case 0xaa: case 0xab:
        gen_string(dc, STR_STOS, ot_of(dc));
        break;
    case 0xac: case 0xad:
        gen_string(dc, STR_LODS, ot_of(dc));
        break;
    case 0xae: case 0xaf:
        gen_string(dc, STR_SCAS, ot_of(dc));
        break;
    case 0xb0 ... 0xb7: /* mov r8, imm8 */
        gen_op_mov_reg_v(dc, MO_8, (b & 7) | dc->rex_b, cst(dc, (int64_t)dc->imm));
        break;
    case 0xb8 ... 0xbf: /* mov r, imm */
        gen_op_mov_reg_v(dc, dc->dflag, (b & 7) | dc->rex_b,
                         cst(dc, (int64_t)dc->imm));
        break;
    case 0xc0: case 0xc1:
        gen_shift(dc, (dc->modrm >> 3) & 7, ot_of(dc), NULL, true,
                  (int64_t)dc->imm);
        break;
    case 0xd0: case 0xd1:
        gen_shift(dc, (dc->modrm >> 3) & 7, ot_of(dc), NULL, true, 1);
        break;
    case 0xd2: case 0xd3:
        gen_shift(dc, (dc->modrm >> 3) & 7, ot_of(dc), cpu_regs[R_ECX], false,
                  0);
        break;
    case 0xc2: case 0xc3: { /* ret near */
        ot = push_size(dc);
        t = gen_pop_load(dc, ot);
        if (!dc->code64) {
            gen_ext(dc, dc->dflag, t, t);
        }
        gen_check_branch_target(dc, t);
        gen_stack_update(dc, (1 << ot) + (b == 0xc2 ? (int64_t)dc->imm : 0));
        tcg_gen_st(S, INDEX_op_st, t, cpu_env, ENV_OFF(rip));
        gen_jmp_indirect_end(dc);
        break;
    }
    case 0xd7: /* xlat: AL = [seg:rBX + AL] */
        a0 = tmp(dc);
        t = tmp(dc);
        tcg_gen_ext8u(S, t, cpu_regs[R_EAX]);
        tcg_gen_add(S, a0, cpu_regs[R_EBX], t);
        gen_lea_v_seg(dc, dc->aflag, a0, R_DS, dc->override);
        gen_op_ld_v(dc, MO_8, t, a0);
        gen_op_mov_reg_v(dc, MO_8, R_EAX, t);
        break;
    case 0xc6: case 0xc7: /* mov Ev, imm */
        ot = ot_of(dc);
        if ((dc->modrm & 0x38) != 0) {
            gen_unimplemented(dc);
            break;
        }
        gen_store_rm(dc, ot, cst(dc, ot == MO_64 ? sext(dc->imm, 32)
                                                 : (int64_t)dc->imm), NULL);
        break;
    case 0xc8: /* enter */
        gen_enter(dc, (int)dc->imm, (int)(dc->imm2 & 31));
        break;
    case 0xc9: { /* leave: load first, so that a fault changes nothing */
        MemOp sa = stack_addr_size(dc);
        ot = push_size(dc);
        a0 = gen_lea_reg(dc, sa, R_EBP, R_SS, -1);
        t = tmp(dc);
        gen_op_ld_v(dc, ot, t, a0);
        t2 = tmp(dc);
        tcg_gen_addi(S, t2, cpu_regs[R_EBP], 1 << ot);
        gen_op_mov_reg_v(dc, sa, R_ESP, t2);
        gen_op_mov_reg_v(dc, ot, R_EBP, t);
        break;
    }
    case 0xca: case 0xcb: /* retf */
        gen_sync_rip(dc);
        gen_compute_eflags(dc);
        tcg_gen_callN(S, helper_lret, 0, NULL, cpu_env,
                      cst(dc, dc->dflag == MO_64 ? 2 : dc->dflag == MO_32),
                      cst(dc, b == 0xca ? (int64_t)dc->imm : 0));
        dc->cc_op = CC_OP_DYNAMIC;
        tcg_gen_exit_tb(S, 0);
        dc->is_jmp = true;
        break;
    case 0xcc: /* int3 */
        tcg_gen_callN(S, helper_raise_interrupt, 0, NULL, cpu_env,
                      cst(dc, EXCP03_INT3), cst(dc, (int64_t)dc->pc_start),
                      cst(dc, (int64_t)dc->pc));
        dc->is_jmp = true;
        break;
    case 0xcd: /* int n */
        tcg_gen_callN(S, helper_raise_interrupt, 0, NULL, cpu_env,
                      cst(dc, (int64_t)dc->imm), cst(dc, (int64_t)dc->pc_start),
                      cst(dc, (int64_t)dc->pc));
        dc->is_jmp = true;
        break;
    case 0xcf: /* iret */
        gen_sync_rip(dc);
        gen_compute_eflags(dc);
        tcg_gen_callN(S, helper_iret, 0, NULL, cpu_env,
                      cst(dc, dc->dflag == MO_64 ? 2 : dc->dflag == MO_32),
                      cst(dc, (int64_t)dc->pc));
        dc->cc_op = CC_OP_DYNAMIC;
        tcg_gen_exit_tb(S, 0);
        dc->is_jmp = true;
        break;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: { /* loopnz/loopz/loop/jrcxz */
        uint64_t target = rel_target(dc, sext(dc->imm, 8));
        TCGLabel *taken = gen_new_label(S);
        TCGLabel *not_taken = gen_new_label(S);
        t = tmp(dc);
        if (b == 0xe3) {
            gen_ext(dc, dc->aflag, t, cpu_regs[R_ECX]);
            tcg_gen_brcondi(S, TCG_COND_EQ, t, 0, taken);
        } else {
            tcg_gen_addi(S, t, cpu_regs[R_ECX], -1);
            gen_op_mov_reg_v(dc, dc->aflag, R_ECX, t);
            gen_ext(dc, dc->aflag, t, t);
            if (b == 0xe2) {
                tcg_gen_brcondi(S, TCG_COND_NE, t, 0, taken);
            } else {
                tcg_gen_brcondi(S, TCG_COND_EQ, t, 0, not_taken);
                gen_brcc(dc, b == 0xe1 ? 4 : 5, taken);   /* ZF=1 / ZF=0 */
            }
        }
        tcg_gen_set_label(S, not_taken);
        gen_jmp_tb(dc, dc->pc, 0);
        tcg_gen_set_label(S, taken);
        gen_jmp_tb(dc, target, 1);
        break;
    }
    case 0xe4: case 0xe5: /* in al/eax, imm8 */
        gen_in(dc, b == 0xe4 ? MO_8 : (dc->dflag == MO_16 ? MO_16 : MO_32),
               cst(dc, (int64_t)dc->imm));
        break;
    case 0xe6: case 0xe7:
        gen_out(dc, b == 0xe6 ? MO_8 : (dc->dflag == MO_16 ? MO_16 : MO_32),
                cst(dc, (int64_t)dc->imm));
        break;
    case 0xec: case 0xed: /* in al/eax, dx */
        t = tmp(dc);
        tcg_gen_ext16u(S, t, cpu_regs[R_EDX]);
        gen_in(dc, b == 0xec ? MO_8 : (dc->dflag == MO_16 ? MO_16 : MO_32), t);
        break;
    case 0xee: case 0xef:
        t = tmp(dc);
        tcg_gen_ext16u(S, t, cpu_regs[R_EDX]);
        gen_out(dc, b == 0xee ? MO_8 : (dc->dflag == MO_16 ? MO_16 : MO_32), t);
        break;
    case 0xe8: { /* call rel */
        int64_t rel = dc->dflag == MO_16 ? sext(dc->imm, 16) : sext(dc->imm, 32);
        uint64_t target = rel_target(dc, rel);
        if (!dc->code64) {
            gen_check_branch_target(dc, cst(dc, (int64_t)target));
        }
        gen_push_v(dc, push_size(dc), cst(dc, (int64_t)next_rip_mask(dc, dc->pc)));
        gen_jmp_tb(dc, target, 0);
        break;
    }
    case 0xe9: { /* jmp rel */
        int64_t rel = dc->dflag == MO_16 ? sext(dc->imm, 16) : sext(dc->imm, 32);
        if (!dc->code64) {
            gen_check_branch_target(dc, cst(dc, (int64_t)rel_target(dc, rel)));
        }
        gen_jmp_tb(dc, rel_target(dc, rel), 0);
        break;
    }
    case 0xeb:
        gen_jmp_tb(dc, rel_target(dc, sext(dc->imm, 8)), 0);
        break;
    case 0xea: /* ljmp ptr16:16/32 */
        if (dc->code64) {
            gen_illegal_opcode(dc);
            break;
        }
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_ljmp, 0, NULL, cpu_env,
                      cst(dc, (int64_t)dc->imm2), cst(dc, (int64_t)dc->imm),
                      cst(dc, (int64_t)dc->pc));
        tcg_gen_exit_tb(S, 0);
        dc->is_jmp = true;
        break;
    case 0xf1: /* int1 (ICEBP): #DB as a trap, no gate DPL check */
        tcg_gen_callN(S, helper_raise_exception, 0, NULL, cpu_env,
                      cst(dc, EXCP01_DB), cst(dc, (int64_t)dc->pc));
        dc->is_jmp = true;
        break;
    case 0xf4: /* hlt */
        if (check_cpl0(dc)) {
            break;
        }
        tcg_gen_callN(S, helper_hlt, 0, NULL, cpu_env, cst(dc, (int64_t)dc->pc));
        dc->is_jmp = true;
        break;
    case 0xf5: /* cmc */
        gen_compute_eflags(dc);
        tcg_gen_xori(S, cpu_cc_src, cpu_cc_src, CC_C);
        break;
    case 0xf6: case 0xf7: { /* group 3 */
        int op = (dc->modrm >> 3) & 7;
        ot = ot_of(dc);
        switch (op) {
        case 0: case 1: { /* test */
            t = gen_load_rm(dc, ot, NULL);
            uint64_t imm = ot == MO_64 ? (uint64_t)sext(dc->imm, 32) : dc->imm;
            gen_alu(dc, OP_AND, ot, t, t, cst(dc, (int64_t)imm));
            break;
        }
        case 2: /* not */
            t = gen_load_rm(dc, ot, &a0);
            tcg_gen_not(S, t, t);
            gen_store_rm(dc, ot, t, a0);
            break;
        case 3: /* neg */
            t = gen_load_rm(dc, ot, &a0);
            t2 = tmp(dc);
            gen_alu_st(dc, OP_SUB, ot, t2, cst(dc, 0), t, a0);
            if (!a0) {
                gen_store_rm(dc, ot, t2, NULL);
            }
            break;
        default:
            gen_mul_group(dc, op, ot);
            break;
        }
        break;
    }
    case 0xf8: case 0xf9: /* clc/stc */
        gen_compute_eflags(dc);
        if (b == 0xf8) {
            tcg_gen_andi(S, cpu_cc_src, cpu_cc_src, ~(int64_t)CC_C);
        } else {
            tcg_gen_ori(S, cpu_cc_src, cpu_cc_src, CC_C);
        }
        break;
    case 0xfa: /* cli */
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_cli_sti, 0, NULL, cpu_env, cst(dc, 0));
        break;
    case 0xfb: { /* sti */
        TCGLabel *go_on = gen_new_label(S);
        gen_sync_rip(dc);
        t = tmp(dc);
        tcg_gen_callN(S, helper_sti, 0, t, cpu_env);
        tcg_gen_brcond(S, TCG_COND_EQ, t, cst(dc, 0), go_on);
        gen_end_block_exit(dc, dc->pc);
        tcg_gen_set_label(S, go_on);
        dc->is_jmp = false;
        dc->sti_shadow = true;
        break;
    }
    case 0xfc: case 0xfd: { /* cld/std */
        TCGv fl = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld, fl, cpu_env, ENV_OFF(eflags));
        if (b == 0xfc) {
            tcg_gen_andi(S, fl, fl, ~(int64_t)DF_MASK);
        } else {
            tcg_gen_ori(S, fl, fl, DF_MASK);
        }
        tcg_gen_st(S, INDEX_op_st, fl, cpu_env, ENV_OFF(eflags));
        tcg_gen_st(S, INDEX_op_st32, cst(dc, b == 0xfc ? 1 : -1), cpu_env,
                   ENV_OFF(df));
        break;
    }
    case 0xfe: case 0xff: { /* group 4/5 */
        int op = (dc->modrm >> 3) & 7;
        ot = ot_of(dc);
        if (b == 0xfe && op > 1) {
            gen_illegal_opcode(dc);
            break;
        }
        switch (op) {
        case 0: case 1: /* inc/dec */
            t = gen_load_rm(dc, ot, &a0);
            gen_inc_dec(dc, ot, t, op == 0 ? 1 : -1, a0);
            if (!a0) {
                gen_store_rm(dc, ot, t, NULL);
            }
            break;
        case 2: /* call near indirect */
            ot = dc->code64 ? MO_64 : dc->dflag;
            t = gen_load_rm(dc, ot, NULL);
            gen_check_branch_target(dc, t);
            gen_push_v(dc, push_size(dc),
                       cst(dc, (int64_t)next_rip_mask(dc, dc->pc)));
            tcg_gen_st(S, INDEX_op_st, t, cpu_env, ENV_OFF(rip));
            gen_jmp_indirect_end(dc);
            break;
        case 4: /* jmp near indirect */
            ot = dc->code64 ? MO_64 : dc->dflag;
            t = gen_load_rm(dc, ot, NULL);
            gen_check_branch_target(dc, t);
            tcg_gen_st(S, INDEX_op_st, t, cpu_env, ENV_OFF(rip));
            gen_jmp_indirect_end(dc);
            break;
        case 5: { /* ljmp m16:16/32/64 */
            if (dc->mod == 3) {
                gen_illegal_opcode(dc);
                break;
            }
            MemOp oot = dc->dflag;
            a0 = gen_lea_modrm(dc);
            t = tmp(dc);
            gen_op_ld_v(dc, oot, t, a0);
            t2 = tmp(dc);
            TCGv a1 = tmp(dc);
            tcg_gen_addi(S, a1, a0, 1 << oot);
            gen_op_ld_v(dc, MO_16, t2, a1);
            gen_sync_rip(dc);
            tcg_gen_callN(S, helper_ljmp, 0, NULL, cpu_env, t2, t,
                          cst(dc, (int64_t)dc->pc));
            tcg_gen_exit_tb(S, 0);
            dc->is_jmp = true;
            break;
        }
        case 6: /* push Ev */
            ot = push_size(dc);
            t = gen_load_rm(dc, ot, NULL);
            gen_push_v(dc, ot, t);
            break;
        case 3: { /* lcall m16:16/32/64 */
            if (dc->mod == 3) {
                gen_illegal_opcode(dc);
                break;
            }
            MemOp oot = dc->dflag;
            a0 = gen_lea_modrm(dc);
            t = tmp(dc);
            gen_op_ld_v(dc, oot, t, a0);
            t2 = tmp(dc);
            TCGv a1 = tmp(dc);
            tcg_gen_addi(S, a1, a0, 1 << oot);
            gen_op_ld_v(dc, MO_16, t2, a1);
            gen_lcall(dc, t2, t);
            break;
        }
        default:
            gen_illegal_opcode(dc);   /* FF /7 */
            break;
        }
        break;
    }
    default:
        gen_unimplemented(dc);
        break;
    }
}

/* ---- SYSCALL, SYSRET and the syscall MSRs, inline ---- */

static void gen_count_stat(DisasContext *dc, int offset)
{
    TCGv t = tmp(dc);
    tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, offset);
    tcg_gen_addi(S, t, t, 1);
    tcg_gen_st(S, INDEX_op_st, t, cpu_env, offset);
}

/* Loads a flat segment into the segment cache (what SYSCALL/SYSRET do). */
static void gen_load_flat_seg(DisasContext *dc, int seg, TCGv selector,
                              uint32_t flags)
{
    tcg_gen_st(S, INDEX_op_st16, selector, cpu_env, ENV_OFF(segs[seg].selector));
    tcg_gen_st(S, INDEX_op_st, cst(dc, 0), cpu_env, ENV_OFF(segs[seg].base));
    tcg_gen_st(S, INDEX_op_st32, cst(dc, 0xffffffff), cpu_env,
               ENV_OFF(segs[seg].limit));
    tcg_gen_st(S, INDEX_op_st32, cst(dc, flags), cpu_env,
               ENV_OFF(segs[seg].flags));
}

/*
 * Sets RFLAGS to `fl` (arithmetic flags become the lazy state CC_OP_EFLAGS)
 * and hflags to what x86_update_hflags() computes for 64-bit code at `cpl`:
 * the mode bits that SYSCALL/SYSRET keep are known from the block's flags.
 */
static void gen_set_rflags_hflags64(DisasContext *dc, TCGv fl, int cpl)
{
    TCGv t = tmp(dc), u = tmp(dc);
    tcg_gen_andi(S, cpu_cc_src, fl, CC_ALL);
    set_cc_op(dc, CC_OP_EFLAGS);
    tcg_gen_andi(S, t, fl, ~(int64_t)CC_ALL);
    tcg_gen_ori(S, t, t, 0x2);
    tcg_gen_st(S, INDEX_op_st, t, cpu_env, ENV_OFF(eflags));
    /* df = DF ? -1 : 1 */
    tcg_gen_shri(S, t, fl, 10);
    tcg_gen_andi(S, t, t, 1);
    tcg_gen_shli(S, t, t, 1);
    tcg_gen_sub(S, t, cst(dc, 1), t);
    tcg_gen_st(S, INDEX_op_st32, t, cpu_env, ENV_OFF(df));

    uint32_t keep = dc->flags & (HF_PE | HF_LMA | HF_PG | HF_OSFXSR | HF_SCE |
                                 HF_MP | HF_EM | HF_TS | HF_OSXMMEXCPT |
                                 HF_OSXSAVE);
    TCGv hf = tmp(dc);
    /* HF_SMAP = CR4.SMAP && !RFLAGS.AC */
    tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(cr[4]));
    tcg_gen_shri(S, t, t, 21);
    tcg_gen_shri(S, u, fl, 18);
    tcg_gen_not(S, u, u);
    tcg_gen_and(S, t, t, u);
    tcg_gen_andi(S, t, t, 1);
    tcg_gen_shli(S, hf, t, 9);
    /* HF_TF = RFLAGS.TF */
    tcg_gen_andi(S, u, fl, TF_MASK);
    tcg_gen_shli(S, u, u, 3);
    tcg_gen_or(S, hf, hf, u);
    if (cpl == 3) {
        /* HF_AC = CR0.AM && RFLAGS.AC (at CPL 3) */
        tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(cr[0]));
        tcg_gen_and(S, t, t, fl);
        tcg_gen_andi(S, t, t, AC_MASK);
        tcg_gen_shli(S, t, t, 21 - 18);
        tcg_gen_or(S, hf, hf, t);
    }
    tcg_gen_ori(S, hf, hf, keep | HF_CS64 | HF_CS32 | HF_SS32 | (uint32_t)cpl);
    tcg_gen_st(S, INDEX_op_st32, hf, cpu_env, ENV_OFF(hflags));
}

/* SYSCALL (SDM Vol. 2B): valid only in 64-bit mode with EFER.SCE. */
static void gen_syscall(DisasContext *dc)
{
    if (!dc->code64 || !(dc->flags & HF_SCE)) {
        gen_illegal_opcode(dc);
        return;
    }
    TCGv star = tmp(dc), sel = tmp(dc), fl = tmp(dc), t = tmp(dc);
    gen_count_stat(dc, ENV_OFF(stat_syscall));
    /* R11 = RFLAGS with RF clear, RCX = next RIP */
    TCGv arith = gen_compute_eflags_all(dc);
    tcg_gen_ld(S, INDEX_op_ld, fl, cpu_env, ENV_OFF(eflags));
    tcg_gen_andi(S, fl, fl, ~(int64_t)(CC_ALL | RF_MASK));
    tcg_gen_or(S, fl, fl, arith);
    tcg_gen_mov(S, cpu_regs[R_R11], fl);
    tcg_gen_movi(S, cpu_regs[R_ECX], (int64_t)dc->pc);
    /* CS = STAR[47:32] & ~3, SS = that + 8: flat, ring 0 */
    tcg_gen_ld(S, INDEX_op_ld, star, cpu_env, ENV_OFF(star));
    tcg_gen_shri(S, sel, star, 32);
    tcg_gen_andi(S, sel, sel, 0xfffc);
    gen_load_flat_seg(dc, R_CS, sel, DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                      DESC_R_MASK | DESC_A_MASK | DESC_G_MASK | DESC_L_MASK);
    tcg_gen_addi(S, sel, sel, 8);
    gen_load_flat_seg(dc, R_SS, sel, DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                      DESC_A_MASK | DESC_G_MASK | DESC_B_MASK);
    /* RFLAGS &= ~SFMASK (and RF) */
    tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(fmask));
    tcg_gen_not(S, t, t);
    tcg_gen_and(S, fl, fl, t);
    gen_set_rflags_hflags64(dc, fl, 0);
    tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(lstar));
    tcg_gen_st(S, INDEX_op_st, t, cpu_env, ENV_OFF(rip));
    gen_jmp_indirect_end(dc);
}

/* SYSRET (SDM Vol. 2B): back to ring 3; 64-bit form inline. */
static void gen_sysret(DisasContext *dc)
{
    if (!dc->code64 || !(dc->flags & HF_SCE)) {
        gen_illegal_opcode(dc);
        return;
    }
    if (check_cpl0(dc)) {
        return;
    }
    if (dc->dflag != MO_64) {
        /* SYSRETL to compatibility mode: rare, in C */
        gen_sync_rip(dc);
        gen_compute_eflags(dc);
        tcg_gen_callN(S, helper_sysret, 0, NULL, cpu_env, cst(dc, 1));
        dc->cc_op = CC_OP_DYNAMIC;
        tcg_gen_exit_tb(S, 0);
        dc->is_jmp = true;
        return;
    }
    /* a non-canonical RCX faults in ring 0 (Intel) */
    TCGv t = tmp(dc);
    TCGLabel *ok = gen_new_label(S);
    tcg_gen_shli(S, t, cpu_regs[R_ECX], 16);
    tcg_gen_sari(S, t, t, 16);
    tcg_gen_brcond(S, TCG_COND_EQ, t, cpu_regs[R_ECX], ok);
    gen_exception_err(dc, EXCP0D_GPF, 0);
    tcg_gen_set_label(S, ok);
    dc->is_jmp = false;
    dc->cc_op = CC_OP_DYNAMIC;

    TCGv star = tmp(dc), sel = tmp(dc), fl = tmp(dc);
    gen_count_stat(dc, ENV_OFF(stat_sysret));
    tcg_gen_ld(S, INDEX_op_ld, star, cpu_env, ENV_OFF(star));
    tcg_gen_shri(S, sel, star, 48);
    tcg_gen_addi(S, sel, sel, 16);
    tcg_gen_ori(S, sel, sel, 3);
    tcg_gen_andi(S, sel, sel, 0xffff);
    gen_load_flat_seg(dc, R_CS, sel, DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                      DESC_R_MASK | DESC_A_MASK | DESC_G_MASK | DESC_L_MASK |
                      (3u << DESC_DPL_SHIFT));
    tcg_gen_shri(S, sel, star, 48);
    tcg_gen_addi(S, sel, sel, 8);
    tcg_gen_ori(S, sel, sel, 3);
    tcg_gen_andi(S, sel, sel, 0xffff);
    gen_load_flat_seg(dc, R_SS, sel, DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                      DESC_A_MASK | DESC_G_MASK | DESC_B_MASK |
                      (3u << DESC_DPL_SHIFT));
    /* RFLAGS = (R11 & 3C7FD7H) | 2: reserved bits, RF and VM clear */
    tcg_gen_andi(S, fl, cpu_regs[R_R11], 0x3c7fd7);
    gen_set_rflags_hflags64(dc, fl, 3);
    tcg_gen_st(S, INDEX_op_st, cpu_regs[R_ECX], cpu_env, ENV_OFF(rip));
    gen_jmp_indirect_end(dc);
}

/* The MSRs the kernel touches on every context switch, handled inline;
 * every other index (and any #GP) goes to helper_rdmsr/helper_wrmsr. */
/* Where -d stats counts RDMSR (rw 0) or WRMSR (rw 1) of an MSR */
static int msr_stat_offset(uint32_t index, int rw)
{
    return ENV_OFF(stat_msr) +
           (int)sizeof(uint64_t) * (2 * msr_stat_slot(index) + rw);
}

static const struct {
    uint32_t index;
    int offset;
    bool canonical;
} inline_msrs[] = {
    { 0xc0000081, ENV_OFF(star), false },
    { 0xc0000082, ENV_OFF(lstar), true },
    { 0xc0000083, ENV_OFF(cstar), true },
    { 0xc0000100, ENV_OFF(segs[R_FS].base), true },
    { 0xc0000101, ENV_OFF(segs[R_GS].base), true },
    { 0xc0000102, ENV_OFF(kernel_gs_base), true },
};

static void gen_wrmsr(DisasContext *dc)
{
    TCGv idx = tcg_temp_new_local(S), v = tcg_temp_new_local(S);
    TCGv t = tmp(dc);
    TCGLabel *slow = gen_new_label(S), *done = gen_new_label(S);
    tcg_gen_ext32u(S, idx, cpu_regs[R_ECX]);
    tcg_gen_shli(S, v, cpu_regs[R_EDX], 32);
    tcg_gen_ext32u(S, t, cpu_regs[R_EAX]);
    tcg_gen_or(S, v, v, t);
    for (size_t i = 0; i < sizeof(inline_msrs) / sizeof(inline_msrs[0]); i++) {
        TCGLabel *next = gen_new_label(S);
        tcg_gen_brcondi(S, TCG_COND_NE, idx, inline_msrs[i].index, next);
        if (inline_msrs[i].canonical) {
            TCGv c = tmp(dc);
            tcg_gen_shli(S, c, v, 16);
            tcg_gen_sari(S, c, c, 16);
            tcg_gen_brcond(S, TCG_COND_NE, c, v, slow);
        }
        tcg_gen_st(S, INDEX_op_st, v, cpu_env, inline_msrs[i].offset);
        gen_count_stat(dc, ENV_OFF(stat_wrmsr));
        gen_count_stat(dc, msr_stat_offset(inline_msrs[i].index, 1));
        tcg_gen_br(S, done);
        tcg_gen_set_label(S, next);
    }
    tcg_gen_set_label(S, slow);
    gen_sync_rip(dc);
    tcg_gen_callN(S, helper_wrmsr, 0, NULL, cpu_env);
    /* EFER and others may change the mode: leave to the loop */
    gen_end_block_exit(dc, dc->pc);
    tcg_gen_set_label(S, done);
    dc->is_jmp = false;
    dc->cc_op = CC_OP_DYNAMIC;
}

static void gen_rdmsr(DisasContext *dc)
{
    TCGv idx = tcg_temp_new_local(S);
    TCGLabel *slow = gen_new_label(S), *done = gen_new_label(S);
    tcg_gen_ext32u(S, idx, cpu_regs[R_ECX]);
    for (size_t i = 0; i < sizeof(inline_msrs) / sizeof(inline_msrs[0]); i++) {
        TCGLabel *next = gen_new_label(S);
        tcg_gen_brcondi(S, TCG_COND_NE, idx, inline_msrs[i].index, next);
        TCGv v = tmp(dc), hi = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld, v, cpu_env, inline_msrs[i].offset);
        tcg_gen_shri(S, hi, v, 32);
        tcg_gen_ext32u(S, cpu_regs[R_EAX], v);
        tcg_gen_mov(S, cpu_regs[R_EDX], hi);
        gen_count_stat(dc, ENV_OFF(stat_rdmsr));
        gen_count_stat(dc, msr_stat_offset(inline_msrs[i].index, 0));
        tcg_gen_br(S, done);
        tcg_gen_set_label(S, next);
    }
    tcg_gen_set_label(S, slow);
    gen_sync_rip(dc);
    tcg_gen_callN(S, helper_rdmsr, 0, NULL, cpu_env);
    tcg_gen_set_label(S, done);
    dc->cc_op = CC_OP_DYNAMIC;
}

static void gen_bswap_v(DisasContext *dc, MemOp ot, TCGv t)
{
    switch (ot) {
    case MO_16:
        tcg_gen_bswap16(S, t, t);
        break;
    case MO_32:
        tcg_gen_bswap32(S, t, t);
        break;
    default:
        tcg_gen_bswap64(S, t, t);
    }
}

/* ---- bit-manipulation extensions: ABM/LZCNT, POPCNT, MOVBE, ADX, BMI1/2 ---- */

static void gen_lzcnt_tzcnt(DisasContext *dc, bool lz, MemOp ot)
{
    TCGv v = gen_load_rm(dc, ot, NULL);
    TCGv r = tmp(dc);
    tcg_gen_callN(S, lz ? helper_lzcnt : helper_tzcnt, TCG_CALL_PURE, r, v,
                  cst(dc, memop_bits(ot)));
    gen_op_mov_reg_v(dc, ot, dc->reg, r);
    /* CF = source is zero, ZF = result is zero (SDM LZCNT/TZCNT) */
    tcg_gen_mov(S, cpu_cc_dst, r);
    tcg_gen_setcond(S, TCG_COND_EQ, cpu_cc_src, v, cst(dc, 0));
    set_cc_op(dc, CC_OP_BMIB + ot);
}

static void gen_popcnt(DisasContext *dc, MemOp ot)
{
    TCGv v = gen_load_rm(dc, ot, NULL);
    TCGv r = tmp(dc), z = tmp(dc);
    tcg_gen_callN(S, helper_popcnt, TCG_CALL_PURE, r, v);
    gen_op_mov_reg_v(dc, ot, dc->reg, r);
    /* ZF = source is zero, every other flag clear */
    tcg_gen_setcond(S, TCG_COND_EQ, z, v, cst(dc, 0));
    tcg_gen_shli(S, cpu_cc_src, z, 6);
    set_cc_op(dc, CC_OP_EFLAGS);
}

/*
 * INVPCID Gy, Mdq (66 0F 38 82, SDM Vol. 2A): the type in a register (64
 * bits in 64-bit mode, 32 otherwise, whatever the operand size), a 16-byte
 * descriptor in memory. The type is checked before the descriptor is read;
 * helper_invpcid checks the descriptor and invalidates.
 */
static void gen_invpcid(DisasContext *dc)
{
    if (!(dc->prefix & PREFIX_DATA) ||
        (dc->prefix & (PREFIX_REPZ | PREFIX_REPNZ)) || dc->mod == 3 ||
        dc->vm86) {
        gen_illegal_opcode(dc);
        return;
    }
    if (check_cpl0(dc)) {
        return;
    }
    TCGv type = tmp(dc), lo = tmp(dc), hi = tmp(dc);
    gen_op_mov_v_reg(dc, dc->code64 ? MO_64 : MO_32, type, dc->reg);
    TCGLabel *valid = gen_new_label(S);
    tcg_gen_brcondi(S, TCG_COND_LEU, type, 3, valid);
    gen_exception_err(dc, EXCP0D_GPF, 0);
    tcg_gen_set_label(S, valid);
    dc->is_jmp = false;
    gen_op_ld_v(dc, MO_64, lo, gen_lea_modrm(dc));
    dc->ea_disp += 8;
    TCGv a1 = gen_lea_modrm(dc);
    dc->ea_disp -= 8;
    gen_op_ld_v(dc, MO_64, hi, a1);
    gen_sync_rip(dc);
    tcg_gen_callN(S, helper_invpcid, 0, NULL, cpu_env, type, lo, hi);
    gen_end_block_exit(dc, dc->pc);
}

/* 0F 38 xx without VEX: MOVBE, ADCX, ADOX, INVPCID */
static void disas_three_byte(DisasContext *dc)
{
    MemOp ot = dc->dflag;
    TCGv t, a0;
    switch (dc->b & 0xff) {
    case 0x82:
        gen_invpcid(dc);
        break;
    case 0xf0: case 0xf1: /* movbe Gv, Mv / Mv, Gv (F2: crc32, SSE4.2) */
        if (dc->mod == 3 || (dc->prefix & (PREFIX_REPNZ | PREFIX_REPZ))) {
            gen_unimplemented(dc);
            break;
        }
        a0 = gen_lea_modrm(dc);
        t = tmp(dc);
        if ((dc->b & 0xff) == 0xf0) {
            gen_op_ld_v(dc, ot, t, a0);
            gen_bswap_v(dc, ot, t);
            gen_op_mov_reg_v(dc, ot, dc->reg, t);
        } else {
            gen_op_mov_v_reg(dc, ot, t, dc->reg);
            gen_bswap_v(dc, ot, t);
            gen_op_st_v(dc, ot, t, a0);
        }
        break;
    case 0xf6: { /* 66: adcx (CF), F3: adox (OF) */
        bool ox = dc->prefix & PREFIX_REPZ;
        if (!(dc->prefix & (PREFIX_DATA | PREFIX_REPZ)) ||
            (dc->prefix & PREFIX_REPNZ)) {
            gen_unimplemented(dc);
            break;
        }
        ot = dc->rex_w ? MO_64 : MO_32;
        TCGv v = gen_load_rm(dc, ot, NULL);
        TCGv d = tmp(dc), c = tmp(dc), r = tmp(dc), co = tmp(dc);
        gen_op_mov_v_reg(dc, ot, d, dc->reg);
        gen_compute_eflags(dc);
        tcg_gen_shri(S, c, cpu_cc_src, ox ? 11 : 0);
        tcg_gen_andi(S, c, c, 1);
        tcg_gen_add(S, r, d, v);
        tcg_gen_add(S, r, r, c);
        gen_ext(dc, ot, r, r);
        /* carry out: r < d, or r == d with a carry in */
        TCGv lt = tmp(dc), eq = tmp(dc);
        tcg_gen_setcond(S, TCG_COND_LTU, lt, r, d);
        tcg_gen_setcond(S, TCG_COND_EQ, eq, r, d);
        tcg_gen_and(S, eq, eq, c);
        tcg_gen_or(S, co, lt, eq);
        tcg_gen_andi(S, cpu_cc_src, cpu_cc_src, ~(int64_t)(ox ? CC_O : CC_C));
        if (ox) {
            tcg_gen_shli(S, co, co, 11);
        }
        tcg_gen_or(S, cpu_cc_src, cpu_cc_src, co);
        gen_op_mov_reg_v(dc, ot, dc->reg, r);
        break;
    }
    default:
        gen_unimplemented(dc);
    }
}

/* A VEX prefix: always in 64-bit mode, else only when the next byte's
 * ModRM.mod is 3 (otherwise C4/C5 are LES/LDS). */
static bool vex_follows(DisasContext *dc)
{
    if (dc->code64) {
        return true;
    }
    if (!dc->pe || dc->vm86) {
        return false;
    }
    uint8_t next = fetch_byte(dc);
    dc->pc--;
    return (next & 0xc0) == 0xc0;
}

static void gen_vex_bmi(DisasContext *dc);

static void decode_vex(DisasContext *dc, int b)
{
    int b1 = fetch_byte(dc), map = 1, w = 0, b2;
    if (dc->prefix & (PREFIX_DATA | PREFIX_REPZ | PREFIX_REPNZ | PREFIX_LOCK) ||
        dc->rex_present) {
        gen_illegal_opcode(dc);
        return;
    }
    if (b == 0xc4) {
        map = b1 & 31;
        b2 = fetch_byte(dc);
        w = b2 >> 7;
        if (dc->code64) {
            dc->rex_x = (~b1 & 0x40) >> 3;
            dc->rex_b = (~b1 & 0x20) >> 2;
        }
    } else {
        b2 = b1;
    }
    if (dc->code64) {
        dc->rex_r = (~b1 & 0x80) >> 4;
    }
    dc->vex = true;
    dc->vex_v = (~b2 >> 3) & (dc->code64 ? 15 : 7);
    dc->vex_l = (b2 >> 2) & 1;
    dc->vex_pp = b2 & 3;
    dc->rex_w = w;
    dc->dflag = (dc->code64 && w) ? MO_64 : MO_32;
    int op = fetch_byte(dc);
    if (map < 1 || map > 3) {
        gen_illegal_opcode(dc);
        return;
    }
    dc->b = (map << 8) | op;
    decode_modrm(dc);
    if (dc->b == 0x3f0) {
        dc->imm = fetch_le(dc, 1);
    }
    gen_vex_bmi(dc);
}

static bool vex_bmi_valid(DisasContext *dc)
{
    int pp = dc->vex_pp, op = (dc->modrm >> 3) & 7;
    switch (dc->b) {
    case 0x2f2:
        return pp == 0;                          /* andn */
    case 0x2f3:
        return pp == 0 && op >= 1 && op <= 3;    /* blsr, blsmsk, blsi */
    case 0x2f5:
        return pp != 1;                          /* bzhi, pext, pdep */
    case 0x2f6:
        return pp == 3;                          /* mulx */
    case 0x2f7:
        return true;                             /* bextr, shlx, sarx, shrx */
    case 0x3f0:
        return pp == 3 && dc->vex_v == 0;        /* rorx */
    default:
        return false;
    }
}

/* BMI1/BMI2: VEX.LZ 0F38 F2/F3/F5/F6/F7 and 0F3A F0 (SDM Vol. 2). */
static void gen_vex_bmi(DisasContext *dc)
{
    MemOp ot = dc->dflag;
    int bits = memop_bits(ot);
    int pp = dc->vex_pp;
    if (dc->vex_l || !vex_bmi_valid(dc)) {
        /* #UD is decided by the encoding, before any memory access */
        gen_illegal_opcode(dc);
        return;
    }
    TCGv src = gen_load_rm(dc, ot, NULL);
    TCGv vv = tmp(dc), r = tmp(dc), t = tmp(dc);
    gen_op_mov_v_reg(dc, ot, vv, dc->vex_v);
    switch (dc->b) {
    case 0x2f2: /* andn Gy, By, Ey */
        if (pp != 0) {
            goto illegal;
        }
        tcg_gen_not(S, t, vv);
        tcg_gen_and(S, r, t, src);
        gen_ext(dc, ot, r, r);
        gen_op_mov_reg_v(dc, ot, dc->reg, r);
        tcg_gen_mov(S, cpu_cc_dst, r);
        set_cc_op(dc, CC_OP_LOGICB + ot);
        return;
    case 0x2f3: { /* group 17: blsr /1, blsmsk /2, blsi /3 -> By */
        int op = (dc->modrm >> 3) & 7;
        if (pp != 0 || op < 1 || op > 3) {
            goto illegal;
        }
        tcg_gen_addi(S, t, src, -1);
        if (op == 1) {
            tcg_gen_and(S, r, src, t);                 /* blsr */
            tcg_gen_setcond(S, TCG_COND_EQ, cpu_cc_src, src, cst(dc, 0));
        } else if (op == 2) {
            tcg_gen_xor(S, r, src, t);                 /* blsmsk */
            tcg_gen_setcond(S, TCG_COND_EQ, cpu_cc_src, src, cst(dc, 0));
        } else {
            tcg_gen_neg(S, t, src);                    /* blsi */
            tcg_gen_and(S, r, src, t);
            tcg_gen_setcond(S, TCG_COND_NE, cpu_cc_src, src, cst(dc, 0));
        }
        gen_ext(dc, ot, r, r);
        gen_op_mov_reg_v(dc, ot, dc->vex_v, r);
        tcg_gen_mov(S, cpu_cc_dst, r);
        set_cc_op(dc, CC_OP_BMIB + ot);
        return;
    }
    case 0x2f5:
        if (pp == 0) { /* bzhi Gy, Ey, By */
            TCGv n = tmp(dc);
            tcg_gen_andi(S, n, vv, 0xff);
            tcg_gen_callN(S, helper_bzhi, TCG_CALL_PURE, r, src, n,
                          cst(dc, bits));
            gen_op_mov_reg_v(dc, ot, dc->reg, r);
            /* CF = index beyond the operand; ZF, SF from the result */
            tcg_gen_setcond(S, TCG_COND_GTU, cpu_cc_src, n, cst(dc, bits - 1));
            tcg_gen_mov(S, cpu_cc_dst, r);
            set_cc_op(dc, CC_OP_BMIB + ot);
        } else if (pp == 2 || pp == 3) { /* pext (F3), pdep (F2) Gy, By, Ey */
            tcg_gen_callN(S, pp == 2 ? helper_pext : helper_pdep,
                          TCG_CALL_PURE, r, vv, src);
            gen_ext(dc, ot, r, r);
            gen_op_mov_reg_v(dc, ot, dc->reg, r);
        } else {
            goto illegal;
        }
        return;
    case 0x2f6: { /* mulx Gy(hi), By(lo), Ey: RDX * src, no flags */
        if (pp != 3) {
            goto illegal;
        }
        TCGv a = tmp(dc), hi = tmp(dc);
        gen_op_mov_v_reg(dc, ot, a, R_EDX);
        if (ot == MO_64) {
            tcg_gen_callN(S, helper_mulq, 0, r, cpu_env, a, src);
            tcg_gen_ld(S, INDEX_op_ld, hi, cpu_env, ENV_OFF(mul_hi));
        } else {
            tcg_gen_mul(S, t, a, src);
            tcg_gen_ext32u(S, r, t);
            tcg_gen_shri(S, hi, t, 32);
        }
        /* the low half first: if both are one register, it gets the high */
        gen_op_mov_reg_v(dc, ot, dc->vex_v, r);
        gen_op_mov_reg_v(dc, ot, dc->reg, hi);
        return;
    }
    case 0x2f7: { /* bextr (none), shlx (66), sarx (F3), shrx (F2) */
        TCGv cnt = tmp(dc);
        tcg_gen_andi(S, cnt, vv, bits - 1);
        switch (pp) {
        case 0:
            tcg_gen_callN(S, helper_bextr, TCG_CALL_PURE, r, src, vv,
                          cst(dc, bits));
            gen_op_mov_reg_v(dc, ot, dc->reg, r);
            tcg_gen_mov(S, cpu_cc_dst, r);
            set_cc_op(dc, CC_OP_LOGICB + ot);
            return;
        case 1:
            tcg_gen_shl(S, r, src, cnt);
            break;
        case 2:
            gen_exts(dc, ot, t, src);
            tcg_gen_sar(S, r, t, cnt);
            break;
        default:
            tcg_gen_shr(S, r, src, cnt);
            break;
        }
        gen_ext(dc, ot, r, r);
        gen_op_mov_reg_v(dc, ot, dc->reg, r);
        return;
    }
    case 0x3f0: /* rorx Gy, Ey, Ib: VEX.vvvv must be 1111b */
        if (pp != 3 || dc->vex_v != 0) {
            goto illegal;
        }
        if (ot == MO_64) {
            tcg_gen_op3(S, INDEX_op_rotr, TA(r), TA(src),
                        TA(cst(dc, (int64_t)(dc->imm & 63))));
        } else {
            tcg_gen_op3(S, INDEX_op_rotr32, TA(r), TA(src),
                        TA(cst(dc, (int64_t)(dc->imm & 31))));
        }
        gen_op_mov_reg_v(dc, ot, dc->reg, r);
        return;
    default:
        break;
    }
illegal:
    gen_unimplemented(dc);
}

/* ---- the two-byte opcode map (0F xx) ---- */

/* BT/BTS/BTR/BTC: op 0..3; bit offset from a register or an immediate. */
static void gen_bt(DisasContext *dc, int op, MemOp ot, TCGv off, bool imm)
{
    int bits = memop_bits(ot);
    TCGv a0 = NULL, v, bit = tmp(dc), mask = tmp(dc), cf = tmp(dc);
    if (dc->mod == 3 || imm) {
        v = gen_load_rm(dc, ot, op == 0 ? NULL : &a0);
        tcg_gen_andi(S, bit, off, bits - 1);
    } else {
        /* a register offset can reach outside the operand (SDM BT) */
        TCGv soff = tmp(dc), disp = tmp(dc);
        gen_exts(dc, ot, soff, off);
        tcg_gen_sari(S, disp, soff, 3 + ot);
        tcg_gen_shli(S, disp, disp, ot);
        a0 = gen_lea_modrm(dc);
        tcg_gen_add(S, a0, a0, disp);
        if (!dc->code64) {
            tcg_gen_ext32u(S, a0, a0);
        }
        v = tmp(dc);
        if (op == 0) {
            gen_op_ld_v(dc, ot, v, a0);
        } else {
            gen_op_ld_rmw(dc, ot, v, a0);
        }
        tcg_gen_andi(S, bit, off, bits - 1);
    }
    tcg_gen_shr(S, cf, v, bit);
    tcg_gen_andi(S, cf, cf, 1);
    if (op != 0) {
        tcg_gen_shl(S, mask, cst(dc, 1), bit);
        if (op == 1) {
            tcg_gen_or(S, v, v, mask);
        } else if (op == 2) {
            tcg_gen_not(S, mask, mask);
            tcg_gen_and(S, v, v, mask);
        } else {
            tcg_gen_xor(S, v, v, mask);
        }
        gen_store_rm(dc, ot, v, a0);
    }
    /* CF = the bit; the other flags are undefined: keep them as they were */
    gen_compute_eflags(dc);
    tcg_gen_andi(S, cpu_cc_src, cpu_cc_src, ~(int64_t)CC_C);
    tcg_gen_or(S, cpu_cc_src, cpu_cc_src, cf);
}

static void gen_bsf_bsr(DisasContext *dc, bool is_bsr, MemOp ot)
{
    TCGv v = gen_load_rm(dc, ot, NULL);
    TCGv r = tmp(dc);
    tcg_gen_callN(S, is_bsr ? helper_bsr : helper_bsf, TCG_CALL_PURE, r, v);
    /* source zero: ZF=1 and the destination is left unchanged */
    TCGv old = tmp(dc);
    gen_op_mov_v_reg(dc, ot, old, dc->reg);
    tcg_gen_movcond(S, TCG_COND_EQ, r, v, cst(dc, 0), old, r);
    gen_op_mov_reg_v(dc, ot, dc->reg, r);
    tcg_gen_mov(S, cpu_cc_dst, v);
    set_cc_op(dc, CC_OP_LOGICB + ot);
}

static void gen_cmpxchg(DisasContext *dc, MemOp ot)
{
    TCGv a0 = NULL;
    TCGv old = gen_load_rm(dc, ot, &a0);
    TCGv acc = tmp(dc), newv = tmp(dc);
    gen_op_mov_v_reg(dc, ot, acc, R_EAX);
    gen_op_mov_v_reg(dc, ot, newv, dc->reg);
    if (dc->mod != 3) {
        /* a memory destination is always written (SDM CMPXCHG) */
        TCGv res = tmp(dc);
        tcg_gen_movcond(S, TCG_COND_EQ, res, old, acc, newv, old);
        gen_store_rm(dc, ot, res, a0);
    }
    gen_alu(dc, OP_CMP, ot, acc, acc, old);
    TCGLabel *ne = gen_new_label(S), *done = gen_new_label(S);
    tcg_gen_brcond(S, TCG_COND_NE, acc, old, ne);
    if (dc->mod == 3) {
        /* a register destination is written only on success */
        gen_op_mov_reg_v(dc, ot, dc->rm, newv);
    }
    tcg_gen_br(S, done);
    tcg_gen_set_label(S, ne);
    gen_op_mov_reg_v(dc, ot, R_EAX, old);
    tcg_gen_set_label(S, done);
    dc->cc_op = CC_OP_SUBB + ot;
}

/* CMPXCHG8B/16B m64/m128 (0F C7 /1). */
static void gen_cmpxchg8b16b(DisasContext *dc)
{
    bool q = dc->dflag == MO_64;
    MemOp half = q ? MO_64 : MO_32;
    if (dc->mod == 3) {
        gen_illegal_opcode(dc);
        return;
    }
    TCGv a0 = gen_lea_modrm(dc);
    if (q) {
        /* CMPXCHG16B needs a 16-byte aligned operand: #GP(0) */
        TCGLabel *aligned = gen_new_label(S);
        tcg_gen_brcondi(S, TCG_COND_TSTEQ, a0, 15, aligned);
        gen_exception_err(dc, EXCP0D_GPF, 0);
        tcg_gen_set_label(S, aligned);
        dc->is_jmp = false;
        a0 = gen_lea_modrm(dc);
    }
    if (dc->locked) {
        /* one host atomic operation */
        gen_seg_check(dc, MO_64, true);
        gen_compute_eflags(dc);
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_lock_cmpxchg8b16b, 0, NULL, cpu_env, a0,
                      cst(dc, q), cst(dc, dc->mem_index));
        dc->cc_op = CC_OP_EFLAGS;
        return;
    }
    TCGv a1 = tmp(dc), lo = tmp(dc), hi = tmp(dc);
    tcg_gen_addi(S, a1, a0, q ? 8 : 4);
    if (!dc->code64) {
        tcg_gen_ext32u(S, a1, a1);
    }
    /* both halves must be writable before anything changes */
    tcg_gen_op3(S, INDEX_op_qemu_ld, TA(lo), TA(a0),
                (uint64_t)(half | MO_WRITE_INTENT | (dc->mem_index << 8)));
    tcg_gen_op3(S, INDEX_op_qemu_ld, TA(hi), TA(a1),
                (uint64_t)(half | MO_WRITE_INTENT | (dc->mem_index << 8)));
    TCGv ea = tmp(dc), ed = tmp(dc), eq = tmp(dc), t = tmp(dc);
    gen_ext(dc, half, ea, cpu_regs[R_EAX]);
    gen_ext(dc, half, ed, cpu_regs[R_EDX]);
    tcg_gen_setcond(S, TCG_COND_EQ, eq, lo, ea);
    tcg_gen_setcond(S, TCG_COND_EQ, t, hi, ed);
    tcg_gen_and(S, eq, eq, t);
    TCGv nlo = tmp(dc), nhi = tmp(dc);
    gen_ext(dc, half, nlo, cpu_regs[R_EBX]);
    gen_ext(dc, half, nhi, cpu_regs[R_ECX]);
    tcg_gen_movcond(S, TCG_COND_NE, nlo, eq, cst(dc, 0), nlo, lo);
    tcg_gen_movcond(S, TCG_COND_NE, nhi, eq, cst(dc, 0), nhi, hi);
    gen_op_st_v(dc, half, nlo, a0);
    gen_op_st_v(dc, half, nhi, a1);
    /* ZF = equal; the other flags are unchanged */
    gen_compute_eflags(dc);
    tcg_gen_andi(S, cpu_cc_src, cpu_cc_src, ~(int64_t)CC_Z);
    tcg_gen_shli(S, t, eq, 6);
    tcg_gen_or(S, cpu_cc_src, cpu_cc_src, t);
    /* on failure EDX:EAX (RDX:RAX) get the memory value */
    TCGLabel *done = gen_new_label(S);
    tcg_gen_brcondi(S, TCG_COND_NE, eq, 0, done);
    gen_op_mov_reg_v(dc, half, R_EAX, lo);
    gen_op_mov_reg_v(dc, half, R_EDX, hi);
    tcg_gen_set_label(S, done);
    dc->cc_op = CC_OP_EFLAGS;
}

static void gen_lmsw(DisasContext *dc, TCGv src)
{
    TCGv cr0 = tmp(dc), t = tmp(dc);
    tcg_gen_ld(S, INDEX_op_ld, cr0, cpu_env, ENV_OFF(cr[0]));
    tcg_gen_andi(S, t, src, 0xf);
    tcg_gen_andi(S, cr0, cr0, ~(int64_t)0xe);
    tcg_gen_or(S, t, t, cr0);
    gen_sync_rip(dc);
    tcg_gen_callN(S, helper_write_crN, 0, NULL, cpu_env, cst(dc, 0), t);
    gen_end_block_exit(dc, dc->pc);
}

static void disas_two_byte(DisasContext *dc)
{
    int b = dc->b & 0xff;
    MemOp ot;
    TCGv t, t2, a0;

    switch (b) {
    case 0x00: { /* group 6: sldt, str, lldt, ltr, verr, verw */
        int op = (dc->modrm >> 3) & 7;
        if (!dc->pe || dc->vm86) {
            gen_illegal_opcode(dc);
            break;
        }
        switch (op) {
        case 0: case 1:
            t = tmp(dc);
            tcg_gen_ld(S, INDEX_op_ld16u, t, cpu_env,
                       op == 0 ? ENV_OFF(ldt.selector) : ENV_OFF(tr.selector));
            gen_store_rm(dc, dc->mod == 3 ? dc->dflag : MO_16, t, NULL);
            break;
        case 2: case 3:
            if (check_cpl0(dc)) {
                break;
            }
            t = gen_load_rm(dc, MO_16, NULL);
            gen_sync_rip(dc);
            tcg_gen_callN(S, op == 2 ? helper_lldt : helper_ltr, 0, NULL,
                          cpu_env, t);
            break;
        default:
            gen_unimplemented(dc);
        }
        break;
    }
    case 0x01: { /* group 7 */
        int op = (dc->modrm >> 3) & 7;
        if (dc->mod == 3) {
            switch (dc->modrm) {
            case 0xf8: /* swapgs */
                if (!dc->code64) {
                    gen_illegal_opcode(dc);
                    break;
                }
                if (check_cpl0(dc)) {
                    break;
                }
                t = tmp(dc);
                t2 = tmp(dc);
                tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(segs[R_GS].base));
                tcg_gen_ld(S, INDEX_op_ld, t2, cpu_env, ENV_OFF(kernel_gs_base));
                tcg_gen_st(S, INDEX_op_st, t2, cpu_env, ENV_OFF(segs[R_GS].base));
                tcg_gen_st(S, INDEX_op_st, t, cpu_env, ENV_OFF(kernel_gs_base));
                break;
            case 0xf9: /* rdtscp */
                gen_sync_rip(dc);
                tcg_gen_callN(S, helper_rdtsc, 0, NULL, cpu_env);
                t = tmp(dc);
                tcg_gen_ld(S, INDEX_op_ld32u, t, cpu_env, ENV_OFF(tsc_aux));
                tcg_gen_mov(S, cpu_regs[R_ECX], t);
                break;
            case 0xd0: case 0xd1: /* xgetbv, xsetbv */
                if (!disas_sse(dc)) {
                    gen_unimplemented(dc);
                }
                break;
            case 0xca: case 0xcb: /* clac, stac: ring 0 only (SDM) */
                if (dc->cpl != 0) {
                    gen_illegal_opcode(dc);
                    break;
                }
                tcg_gen_callN(S, helper_set_ac, 0, NULL, cpu_env,
                              cst(dc, dc->modrm == 0xcb));
                gen_end_block_exit(dc, dc->pc);
                break;
            default:
                if (op == 4) {             /* smsw r */
                    t = tmp(dc);
                    tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(cr[0]));
                    gen_op_mov_reg_v(dc, dc->dflag, dc->rm, t);
                } else if (op == 6) {      /* lmsw r */
                    if (check_cpl0(dc)) {
                        break;
                    }
                    t = gen_load_rm(dc, MO_16, NULL);
                    gen_lmsw(dc, t);
                } else {
                    gen_unimplemented(dc);  /* clac/stac, monitor, ... */
                }
            }
            break;
        }
        switch (op) {
        case 0: case 1: /* sgdt, sidt */
            a0 = gen_lea_modrm(dc);
            gen_sync_rip(dc);
            tcg_gen_callN(S, helper_sgdt, 0, NULL, cpu_env, a0, cst(dc, op));
            break;
        case 2: case 3: /* lgdt, lidt */
            if (check_cpl0(dc)) {
                break;
            }
            a0 = gen_lea_modrm(dc);
            gen_sync_rip(dc);
            tcg_gen_callN(S, helper_lgdt, 0, NULL, cpu_env, a0,
                          cst(dc, dc->dflag == MO_16 ? 0 : 1), cst(dc, op == 3));
            break;
        case 4: /* smsw */
            t = tmp(dc);
            tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(cr[0]));
            gen_store_rm(dc, dc->mod == 3 ? dc->dflag : MO_16, t, NULL);
            break;
        case 6: /* lmsw: CR0[3:0]; PE can be set, not cleared */
            if (check_cpl0(dc)) {
                break;
            }
            t = gen_load_rm(dc, MO_16, NULL);
            gen_lmsw(dc, t);
            break;
        case 7: /* invlpg */
            if (check_cpl0(dc)) {
                break;
            }
            a0 = gen_lea_modrm(dc);
            tcg_gen_callN(S, helper_invlpg, 0, NULL, cpu_env, a0);
            gen_end_block_exit(dc, dc->pc);
            break;
        default:
            gen_unimplemented(dc);
        }
        break;
    }
    case 0x05: /* syscall */
        gen_syscall(dc);
        break;
    case 0x07: /* sysret */
        gen_sysret(dc);
        break;
    case 0x34: /* sysenter */
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_sysenter, 0, NULL, cpu_env);
        tcg_gen_exit_tb(S, 0);
        dc->is_jmp = true;
        break;
    case 0x35: /* sysexit */
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_sysexit, 0, NULL, cpu_env,
                      cst(dc, dc->dflag == MO_64 ? 2 : 1));
        tcg_gen_exit_tb(S, 0);
        dc->is_jmp = true;
        break;
    case 0x06: /* clts */
        if (check_cpl0(dc)) {
            break;
        }
        t = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(cr[0]));
        tcg_gen_andi(S, t, t, ~(int64_t)CR0_TS);
        tcg_gen_st(S, INDEX_op_st, t, cpu_env, ENV_OFF(cr[0]));
        /* HF_TS is part of the block key: later code is translated anew */
        tcg_gen_ld(S, INDEX_op_ld32u, t, cpu_env, ENV_OFF(hflags));
        tcg_gen_andi(S, t, t, ~(int64_t)HF_TS);
        tcg_gen_st(S, INDEX_op_st32, t, cpu_env, ENV_OFF(hflags));
        gen_end_block_exit(dc, dc->pc);
        break;
    case 0x08: case 0x09: /* invd, wbinvd: no caches to write back */
        check_cpl0(dc);
        break;
    case 0x0b: /* ud2 */
        gen_illegal_opcode(dc);
        break;
    case 0x0d: /* prefetch hints */
    case 0x18 ... 0x1f: /* hint nops, nop Ev */
        break;
    case 0x20: case 0x22: { /* mov r, crN / mov crN, r */
        int cr = dc->reg;
        /* a register that does not exist is #UD before the CPL check */
        if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8) {
            gen_illegal_opcode(dc);
            break;
        }
        if (check_cpl0(dc)) {
            break;
        }
        gen_sync_rip(dc);
        if (b == 0x20) {
            t = tmp(dc);
            tcg_gen_callN(S, helper_read_crN, 0, t, cpu_env, cst(dc, cr));
            gen_op_mov_reg_v(dc, dc->code64 ? MO_64 : MO_32, dc->rm, t);
        } else {
            t = tmp(dc);
            gen_ext(dc, dc->code64 ? MO_64 : MO_32, t, cpu_regs[dc->rm]);
            tcg_gen_callN(S, helper_write_crN, 0, NULL, cpu_env, cst(dc, cr), t);
            gen_end_block_exit(dc, dc->pc);
        }
        break;
    }
    case 0x21: case 0x23: { /* mov r, drN / mov drN, r */
        int dr = dc->reg;
        if (check_cpl0(dc)) {
            break;
        }
        if (dr > 7 || dr == 4 || dr == 5) {
            gen_illegal_opcode(dc);
            break;
        }
        if (b == 0x21) {
            t = tmp(dc);
            tcg_gen_ld(S, INDEX_op_ld, t, cpu_env, ENV_OFF(dr[0]) + 8 * dr);
            gen_op_mov_reg_v(dc, dc->code64 ? MO_64 : MO_32, dc->rm, t);
        } else {
            gen_sync_rip(dc);
            tcg_gen_callN(S, helper_write_drN, 0, NULL, cpu_env, cst(dc, dr),
                          cpu_regs[dc->rm]);
        }
        break;
    }
    case 0x30: /* wrmsr */
        if (check_cpl0(dc)) {
            break;
        }
        gen_wrmsr(dc);
        break;
    case 0x31: /* rdtsc */
        gen_sync_rip(dc);
        tcg_gen_callN(S, helper_rdtsc, 0, NULL, cpu_env);
        break;
    case 0x32: /* rdmsr */
        if (check_cpl0(dc)) {
            break;
        }
        gen_rdmsr(dc);
        break;
    case 0x40 ... 0x4f: { /* cmovcc */
        ot = dc->dflag;
        t = gen_load_rm(dc, ot, NULL);
        t2 = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t2, dc->reg);
        CCPrepare p = gen_prepare_cc(dc, b & 15);
        TCGv r = tmp(dc);
        if (p.cond == TCG_COND_NEVER) {
            tcg_gen_mov(S, r, t2);
        } else if (p.cond == TCG_COND_ALWAYS) {
            tcg_gen_mov(S, r, t);
        } else {
            tcg_gen_movcond(S, p.cond, r, p.a, p.b, t, t2);
        }
        /* 32-bit CMOV zero-extends even when the condition is false */
        gen_op_mov_reg_v(dc, ot, dc->reg, r);
        break;
    }
    case 0x80 ... 0x8f: {
        int64_t rel = dc->dflag == MO_16 ? sext(dc->imm, 16) : sext(dc->imm, 32);
        gen_jcc(dc, b & 15, rel_target(dc, rel));
        break;
    }
    case 0x90 ... 0x9f: /* setcc */
        t = tmp(dc);
        gen_setcc(dc, b & 15, t);
        gen_store_rm(dc, MO_8, t, NULL);
        break;
    case 0xa0: case 0xa8: /* push fs/gs */
        t = tmp(dc);
        tcg_gen_ld(S, INDEX_op_ld16u, t, cpu_env,
                   ENV_OFF(segs[b == 0xa0 ? R_FS : R_GS].selector));
        gen_push_v(dc, push_size(dc), t);
        break;
    case 0xa1: case 0xa9: /* pop fs/gs */
        ot = push_size(dc);
        t = gen_pop_load(dc, ot);
        gen_movseg(dc, b == 0xa1 ? R_FS : R_GS, t);
        gen_pop_update(dc, ot);
        gen_end_block_exit(dc, dc->pc);
        break;
    case 0xa2: /* cpuid */
        tcg_gen_callN(S, helper_cpuid, 0, NULL, cpu_env);
        break;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: /* bt/bts/btr/btc Ev, Gv */
        ot = dc->dflag;
        t = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t, dc->reg);
        gen_bt(dc, (b >> 3) & 3, ot, t, false);
        break;
    case 0xba: { /* bt/bts/btr/btc Ev, Ib */
        int op = (dc->modrm >> 3) & 7;
        if (op < 4) {
            gen_illegal_opcode(dc);
            break;
        }
        gen_bt(dc, op - 4, dc->dflag, cst(dc, (int64_t)dc->imm), true);
        break;
    }
    case 0xa4: case 0xa5: case 0xac: case 0xad: { /* shld/shrd */
        ot = dc->dflag;
        TCGv a0p = NULL;
        TCGv v = gen_load_rm(dc, ot, &a0p);
        TCGv src = tmp(dc);
        gen_op_mov_v_reg(dc, ot, src, dc->reg);
        TCGv cnt = tmp(dc);
        if (b & 1) {
            tcg_gen_mov(S, cnt, cpu_regs[R_ECX]);
        } else {
            tcg_gen_movi(S, cnt, (int64_t)dc->imm);
        }
        tcg_gen_andi(S, cnt, cnt, ot == MO_64 ? 63 : 31);
        gen_compute_eflags(dc);
        TCGv r = tmp(dc), f = tmp(dc);
        TCGv rot = cst(dc, (b >= 0xac ? 1 : 0) | (ot << 4));
        tcg_gen_callN(S, helper_shld_shrd, TCG_CALL_PURE, r, v, src, cnt, rot,
                      cpu_cc_src);
        gen_store_rm(dc, ot, r, a0p);   /* before the flags */
        tcg_gen_callN(S, helper_shld_shrd_flags, TCG_CALL_PURE, f, v, src,
                      cnt, rot, cpu_cc_src);
        tcg_gen_mov(S, cpu_cc_src, f);
        break;
    }
    case 0xaf: /* imul Gv, Ev */
        ot = dc->dflag;
        t = gen_load_rm(dc, ot, NULL);
        t2 = tmp(dc);
        gen_op_mov_v_reg(dc, ot, t2, dc->reg);
        gen_imul_reg(dc, ot, t2, t);
        break;
    case 0xb0: case 0xb1: /* cmpxchg */
        gen_cmpxchg(dc, ot_of(dc));
        break;
    case 0xb2: case 0xb4: case 0xb5: /* lss, lfs, lgs */
        gen_load_far_ptr(dc, b == 0xb2 ? R_SS : b == 0xb4 ? R_FS : R_GS);
        break;
    case 0xb6: case 0xb7: /* movzx */
        t = gen_load_rm(dc, b == 0xb6 ? MO_8 : MO_16, NULL);
        gen_op_mov_reg_v(dc, dc->dflag, dc->reg, t);
        break;
    case 0xbe: case 0xbf: /* movsx */
        t = gen_load_rm(dc, b == 0xbe ? MO_8 : MO_16, NULL);
        gen_exts(dc, b == 0xbe ? MO_8 : MO_16, t, t);
        gen_op_mov_reg_v(dc, dc->dflag, dc->reg, t);
        break;
    case 0xbc: case 0xbd: /* bsf/bsr; with F3: tzcnt/lzcnt */
        if (dc->prefix & PREFIX_REPZ) {
            gen_lzcnt_tzcnt(dc, b == 0xbd, dc->dflag);
        } else {
            gen_bsf_bsr(dc, b == 0xbd, dc->dflag);
        }
        break;
    case 0xb8: /* popcnt (F3 only; JMPE otherwise) */
        if (!(dc->prefix & PREFIX_REPZ)) {
            gen_illegal_opcode(dc);
            break;
        }
        gen_popcnt(dc, dc->dflag);
        break;
    case 0xc0: case 0xc1: { /* xadd */
        ot = ot_of(dc);
        TCGv a0p = NULL;
        TCGv d = gen_load_rm(dc, ot, &a0p);
        TCGv s2 = tmp(dc), sum = tmp(dc);
        gen_op_mov_v_reg(dc, ot, s2, dc->reg);
        gen_alu_st(dc, OP_ADD, ot, sum, d, s2, a0p);
        gen_op_mov_reg_v(dc, ot, dc->reg, d);
        if (!a0p) {
            gen_store_rm(dc, ot, sum, NULL);
        }
        break;
    }
    case 0xc7: /* group 9 */
        if (((dc->modrm >> 3) & 7) == 1) {
            gen_cmpxchg8b16b(dc);
        } else if (((dc->modrm >> 3) & 7) == 7 && dc->mod == 3 &&
                   (dc->prefix & PREFIX_REPZ)) {
            /* rdpid: IA32_TSC_AUX into a 64-bit (32-bit outside) register */
            t = tmp(dc);
            tcg_gen_ld(S, INDEX_op_ld32u, t, cpu_env, ENV_OFF(tsc_aux));
            gen_op_mov_reg_v(dc, dc->code64 ? MO_64 : MO_32, dc->rm, t);
        } else if (!disas_sse(dc)) {    /* xsavec */
            gen_unimplemented(dc);
        }
        break;
    case 0xc8 ... 0xcf: { /* bswap */
        int reg = (b & 7) | dc->rex_b;
        t = tmp(dc);
        if (dc->dflag == MO_64) {
            tcg_gen_bswap64(S, t, cpu_regs[reg]);
        } else {
            tcg_gen_bswap32(S, t, cpu_regs[reg]);
        }
        gen_op_mov_reg_v(dc, dc->dflag == MO_64 ? MO_64 : MO_32, reg, t);
        break;
    }
    default:
        if (!disas_sse(dc)) {
            gen_unimplemented(dc);
        }
        break;
    }
}

/* LOCK is valid only on these read-modify-write forms with a memory
 * destination; anywhere else it raises #UD (SDM Vol. 2B LOCK). */
static bool lock_allowed(DisasContext *dc)
{
    int reg = (dc->modrm >> 3) & 7;
    if (dc->mod == 3) {
        return false;
    }
    switch (dc->b) {
    case 0x00: case 0x01: case 0x08: case 0x09: case 0x10: case 0x11:
    case 0x18: case 0x19: case 0x20: case 0x21: case 0x28: case 0x29:
    case 0x30: case 0x31: case 0x86: case 0x87:
        return true;
    case 0x80: case 0x81: case 0x82: case 0x83:
        return reg != 7;
    case 0xf6: case 0xf7:
        return reg == 2 || reg == 3;
    case 0xfe: case 0xff:
        return reg == 0 || reg == 1;
    case 0x1ab: case 0x1b3: case 0x1bb: case 0x1b0: case 0x1b1:
    case 0x1c0: case 0x1c1:
        return true;
    case 0x1ba:
        return reg >= 5;
    case 0x1c7:
        return reg == 1;
    default:
        return false;
    }
}

/* ---- one instruction ---- */

static void disas_insn(DisasContext *dc)
{
    int b;

    dc->prefix = 0;
    dc->override = -1;
    dc->locked = false;
    dc->lock_old = NULL;
    dc->rex_w = dc->rex_r = dc->rex_x = dc->rex_b = 0;
    dc->rex_present = false;
    dc->imm = dc->imm2 = 0;
    dc->mod = 3;

    for (;;) {
        b = fetch_byte(dc);
        switch (b) {
        case 0xf3:
            dc->prefix = (dc->prefix & ~PREFIX_REPNZ) | PREFIX_REPZ;
            break;
        case 0xf2:
            dc->prefix = (dc->prefix & ~PREFIX_REPZ) | PREFIX_REPNZ;
            break;
        case 0xf0:
            dc->prefix |= PREFIX_LOCK;
            break;
        case 0x2e: dc->override = R_CS; break;
        case 0x36: dc->override = R_SS; break;
        case 0x3e: dc->override = R_DS; break;
        case 0x26: dc->override = R_ES; break;
        case 0x64: dc->override = R_FS; break;
        case 0x65: dc->override = R_GS; break;
        case 0x66:
            dc->prefix |= PREFIX_DATA;
            break;
        case 0x67:
            dc->prefix |= PREFIX_ADR;
            break;
        default:
            goto prefixes_done;
        }
        /* a REX prefix only counts directly before the opcode */
        dc->rex_w = dc->rex_r = dc->rex_x = dc->rex_b = 0;
        dc->rex_present = false;
        continue;
    prefixes_done:
        if (dc->code64 && b >= 0x40 && b <= 0x4f) {
            dc->rex_present = true;
            dc->rex_w = (b >> 3) & 1;
            dc->rex_r = (b & 4) << 1;
            dc->rex_x = (b & 2) << 2;
            dc->rex_b = (b & 1) << 3;
            b = fetch_byte(dc);
            if ((b >= 0x40 && b <= 0x4f) || b == 0x66 || b == 0x67 ||
                b == 0xf2 || b == 0xf3 || b == 0xf0 || b == 0x2e || b == 0x36 ||
                b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65) {
                /* REX followed by another prefix: the REX is ignored */
                dc->pc--;
                dc->rex_present = false;
                dc->rex_w = dc->rex_r = dc->rex_x = dc->rex_b = 0;
                continue;
            }
        }
        break;
    }

    /* operand and address sizes (SDM Vol. 1 3.6, Vol. 2A 2.2.1.2) */
    if (dc->code64) {
        dc->dflag = dc->rex_w ? MO_64 : (dc->prefix & PREFIX_DATA) ? MO_16
                                                                   : MO_32;
        dc->aflag = (dc->prefix & PREFIX_ADR) ? MO_32 : MO_64;
    } else {
        bool d32 = dc->code32 ^ ((dc->prefix & PREFIX_DATA) != 0);
        bool a32 = dc->code32 ^ ((dc->prefix & PREFIX_ADR) != 0);
        dc->dflag = d32 ? MO_32 : MO_16;
        dc->aflag = a32 ? MO_32 : MO_16;
    }

    uint8_t attr;
    dc->vex = false;
    if ((b == 0xc4 || b == 0xc5) && vex_follows(dc)) {
        decode_vex(dc, b);
        return;
    }
    if (b == 0x0f) {
        b = fetch_byte(dc);
        if (b == 0x38) {
            b = fetch_byte(dc);
            dc->b = 0x200 | b;
            /* F2 0F 38 F0/F1 is CRC32 (translate-sse.c) */
            if (b == 0x82 || ((b == 0xf0 || b == 0xf1 || b == 0xf6) &&
                              !(dc->prefix & PREFIX_REPNZ))) {
                decode_modrm(dc);
                if (dc->prefix & PREFIX_LOCK) {
                    gen_illegal_opcode(dc);   /* none of these is lockable */
                    return;
                }
                disas_three_byte(dc);
            } else if (!disas_sse(dc)) {
                gen_unimplemented(dc);
            }
            return;
        }
        if (b == 0x3a) {
            dc->b = 0x300 | fetch_byte(dc);
            if (!disas_sse(dc)) {
                gen_unimplemented(dc);
            }
            return;
        }
        dc->b = 0x100 | b;
        attr = op2_attr[b];
    } else {
        dc->b = b;
        attr = op1_attr[b];
    }
    if (attr & OPF_MODRM) {
        decode_modrm(dc);
    }
    /* Immediates are fetched before any semantics, so dc->pc is the end of
     * the instruction when RIP-relative addresses are computed. */
    decode_immediates(dc, attr & 0x7f);
    if ((dc->prefix & PREFIX_LOCK) && !lock_allowed(dc)) {
        gen_illegal_opcode(dc);
        return;
    }
    dc->locked = ((dc->prefix & PREFIX_LOCK) ||
                  ((dc->b == 0x86 || dc->b == 0x87) && dc->mod != 3));
    dc->lock_old = NULL;
    if (dc->b < 0x100) {
        disas_one_byte(dc);
    } else {
        disas_two_byte(dc);
    }
}

/* ---- the block ---- */

/* The block ends between an STI and the instruction in its shadow: the
 * loop runs that one alone before it takes interrupts (as after MOV SS). */
static void gen_end_in_sti_shadow(DisasContext *dc)
{
    tcg_gen_st(S, INDEX_op_st8, cst(dc, 1), cpu_env, ENV_OFF(inhibit_irq));
    gen_end_block_exit(dc, dc->pc);
}

static void init_disas_context(DisasContext *dc, CPUX86State *env,
                               TCGContext *s, TranslationBlock *tb)
{
    memset(dc, 0, sizeof(*dc));
    dc->env = env;
    dc->s = s;
    dc->tb = tb;
    dc->flags = tb->flags;
    dc->cs_base = tb->cs_base;
    dc->pc = tb->pc;
    dc->code64 = (tb->flags & HF_CS64) != 0;
    dc->code32 = (tb->flags & HF_CS32) != 0;
    dc->ss32 = (tb->flags & HF_SS32) != 0;
    dc->addseg = (tb->flags & HF_ADDSEG) != 0;
    dc->pe = (tb->flags & HF_PE) != 0;
    dc->vm86 = (env->eflags & VM_MASK) != 0;
    dc->cpl = (int)(tb->flags & HF_CPL_MASK);
    dc->mem_index = dc->cpl == 3 ? MMU_USER_IDX
                    : (tb->flags & HF_SMAP) ? MMU_KSMAP_IDX : MMU_KNOSMAP_IDX;
    dc->cc_op = CC_OP_DYNAMIC;
    dc->first_page = (tb->cs_base + tb->pc) & TARGET_PAGE_MASK;
}

#define TB_MAX_INSNS 256

void gen_intermediate_code(CPUX86State *env, TCGContext *s,
                           TranslationBlock *tb)
{
    static DisasContext dcs;
    DisasContext *dc = &dcs;
    int max_insns = (tb->flags & HF_ONE_INSN) ? 1 : TB_MAX_INSNS;

    opcode_maps_init();
    init_disas_context(dc, env, s, tb);

    for (;;) {
        int saved_nb_ops = s->nb_ops;
        int saved_nb_labels = s->nb_labels;
        int saved_nb_temps = s->nb_temps;
        bool after_sti = dc->sti_shadow;
        dc->sti_shadow = false;
        dc->pc_start = dc->pc;
        tcg_temp_reset(s);
        tcg_gen_insn_start(s, dc->pc_start);
        int r = sigsetjmp(dc->fetch_fail, 0);
        if (r == 0) {
            disas_insn(dc);
        } else if (r == 1) {
            /* the rest of the instruction is not fetchable: end the block
             * before it; it faults when it runs first in a block */
            assert(dc->nb_insns > 0);
            s->nb_ops = saved_nb_ops;
            s->nb_labels = saved_nb_labels;
            s->nb_temps = saved_nb_temps;
            dc->pc = dc->pc_start;
            if (after_sti) {
                gen_end_in_sti_shadow(dc);
            } else {
                gen_jmp_tb(dc, dc->pc, 0);
            }
            break;
        } else {
            /* longer than 15 bytes */
            s->nb_ops = saved_nb_ops;
            s->nb_labels = saved_nb_labels;
            s->nb_temps = saved_nb_temps;
            tcg_gen_insn_start(s, dc->pc_start);
            gen_exception_err(dc, EXCP0D_GPF, 0);
            dc->nb_insns++;
            break;
        }
        dc->nb_insns++;
        if (dc->is_jmp) {
            break;
        }
        uint64_t next_page = (dc->cs_base + dc->pc) & TARGET_PAGE_MASK;
        if (dc->nb_insns >= max_insns || next_page != dc->first_page ||
            s->nb_ops > TCG_MAX_OPS - 400 ||
            s->nb_temps > TCG_MAX_TEMPS - 64 ||
            s->nb_labels > TCG_MAX_LABELS - 16) {
            if (dc->sti_shadow) {
                gen_end_in_sti_shadow(dc);
            } else if (max_insns == 1) {
                gen_end_block_exit(dc, dc->pc);
            } else {
                gen_jmp_tb(dc, dc->pc, 0);
            }
            break;
        }
    }
    tb->size = (uint32_t)(dc->pc - tb->pc);
    uint64_t last = dc->cs_base + dc->pc - 1;
    if (tb->size && (last & TARGET_PAGE_MASK) != dc->first_page) {
        tb->page_addr[1] = get_page_addr_code(env, last) & TARGET_PAGE_MASK;
    }
    if (log_enabled(LOG_IN_ASM)) {
        uint8_t buf[4096];
        size_t n = MIN((size_t)tb->size, sizeof(buf));
        for (size_t i = 0; i < n; i++) {
            cpu_fetch_code_byte(env, dc->cs_base + tb->pc + i, &buf[i], true);
        }
        log_printf("IN: [size=%u]\n", tb->size);
        disas_guest(log_file(), buf, n, tb->pc,
                    dc->code64 ? 64 : dc->code32 ? 32 : 16);
        log_printf("\n");
    }
}
