/*
 * The x86 front end's shared pieces: the decoder state and the IR helpers
 * that the opcode-group files (translate.c, translate-fpu.c,
 * translate-sse.c) all use.
 */
#ifndef TARGET_X86_TRANSLATE_H
#define TARGET_X86_TRANSLATE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/tb.h"
#include "target-x86/cpu.h"
#include "tcg/tcg.h"

#define PREFIX_REPZ  0x01
#define PREFIX_REPNZ 0x02
#define PREFIX_LOCK  0x04
#define PREFIX_DATA  0x08
#define PREFIX_ADR   0x10

#define CC_OP_DYNAMIC (-1)

/* Blocks of one instruction that always return to the run loop: an
 * interrupt shadow, single-stepping, after self-modifying code. */
#define HF_ONE_INSN (HF_INHIBIT_IRQ | HF_TF | HF_SINGLE_INSN)

/* Immediate operand kinds of the opcode maps (SDM Vol. 2 App. A letters). */
enum {
    IMM_NONE,
    IMM_B,      /* Ib, Jb */
    IMM_W,      /* Iw */
    IMM_Z,      /* Iz, Jz: 16 or 32 bits */
    IMM_V,      /* Iv: 16, 32 or 64 bits (MOV r, imm) */
    IMM_WB,     /* Iw, Ib (ENTER) */
    IMM_AP,     /* Ap: far pointer, offset then selector */
    IMM_O,      /* Ob/Ov: address-size offset (MOV moffs) */
    IMM_GRP3,   /* F6/F7: Ib/Iz only for /0 and /1 (TEST) */
};
#define OPF_MODRM 0x80

typedef struct DisasContext {
    CPUX86State *env;
    TCGContext *s;
    TranslationBlock *tb;
    uint64_t cs_base;
    uint64_t pc_start;      /* RIP of the instruction */
    uint64_t pc;            /* RIP of the next byte to fetch */
    uint32_t flags;
    bool code64, code32, ss32, addseg, pe, vm86;
    int cpl;
    int mem_index;

    int prefix;
    int override;           /* segment override, -1 if none */
    int rex_w, rex_r, rex_x, rex_b;
    bool rex_present;
    MemOp dflag, aflag;
    int b;                  /* opcode, 0x100 | x for 0F x */
    int modrm, mod, reg, rm;
    /* memory operand */
    int ea_base, ea_index, ea_scale;
    int64_t ea_disp;
    bool ea_riprel;
    uint64_t imm, imm2;

    int cc_op;              /* known statically, or CC_OP_DYNAMIC */
    bool ea_ss;             /* the last address computed is SS-relative */
    bool locked;            /* LOCK prefix, or XCHG with memory */
    TCGv lock_old;          /* the value a locked RMW read */
    int ea_check_seg;       /* segment whose limit/type the access checks,
                               -1 for none (64-bit mode, flat segments) */
    TCGv ea_off;            /* its offset, for that check */
    bool vex;               /* VEX-encoded: vex_v is the extra register */
    int vex_v, vex_l, vex_pp;
    bool is_jmp;            /* the block ends after this instruction */
    /* the last instruction was an STI that went on in the block: the next
     * must be in it too (its interrupt shadow) */
    bool sti_shadow;
    int nb_insns;
    sigjmp_buf fetch_fail;
    uint64_t first_page;
} DisasContext;

/* IR globals for guest state */
extern TCGv cpu_regs[16];
extern TCGv cpu_cc_dst, cpu_cc_src, cpu_cc_src2, cpu_cc_op;
extern TCGv cpu_env;

#define ENV_OFF(field) ((int)offsetof(CPUX86State, field))
#define S (dc->s)

TCGv tmp(DisasContext *dc);
TCGv cst(DisasContext *dc, int64_t v);
void gen_op_mov_v_reg(DisasContext *dc, MemOp ot, TCGv t, int reg);
void gen_op_mov_reg_v(DisasContext *dc, MemOp ot, int reg, TCGv t);
void gen_update_rip(DisasContext *dc, uint64_t rip);
void gen_op_ld_v(DisasContext *dc, MemOp ot, TCGv t, TCGv a0);
void gen_op_st_v(DisasContext *dc, MemOp ot, TCGv t, TCGv a0);
/* a load that faults as a store would (read-modify-write, or a probe) */
void gen_op_ld_rmw(DisasContext *dc, MemOp ot, TCGv t, TCGv a0);
TCGv gen_lea_modrm(DisasContext *dc);
TCGv gen_load_rm(DisasContext *dc, MemOp ot, TCGv *a0_out);
void gen_store_rm(DisasContext *dc, MemOp ot, TCGv t, TCGv a0);
void set_cc_op(DisasContext *dc, int op);
void gen_compute_eflags(DisasContext *dc);
void gen_exception(DisasContext *dc, int vec);
void gen_exception_err(DisasContext *dc, int vec, int err);
void gen_illegal_opcode(DisasContext *dc);
void gen_unimplemented(DisasContext *dc);
bool check_cpl0(DisasContext *dc);
void gen_sync_rip(DisasContext *dc);
uint8_t fetch_byte(DisasContext *dc);
void decode_modrm(DisasContext *dc);
void decode_immediates(DisasContext *dc, int kind);
void gen_end_block_exit(DisasContext *dc, uint64_t next);
void gen_lea_v_seg(DisasContext *dc, MemOp aflag, TCGv a0, int def_seg,                           int ovr_seg);
MemOp ea_flags(DisasContext *dc);

/* x87 escapes D8-DF (ModRM decoded) and FWAIT: translate-fpu.c */
void disas_x87(DisasContext *dc);
/* MMX/SSE opcodes of the 0F, 0F 38 and 0F 3A maps: translate-sse.c.
 * For 0F xx, dc->b = 0x100 | xx and ModRM and the immediate that op2_attr
 * names are already decoded; for 0F 38 xx / 0F 3A xx, dc->b = 0x200 | xx /
 * 0x300 | xx and nothing after the opcode byte is decoded yet.
 * Returns false if the opcode is not one of its own (then #UD). */
bool disas_sse(DisasContext *dc);

#endif
