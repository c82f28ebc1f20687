/*
 * The x86-64 host back end, as seen by the register allocator.
 */
#ifndef TCG_X86_64_TCG_TARGET_H
#define TCG_X86_64_TCG_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "tcg/tcg.h"

enum {
    TCG_REG_RAX, TCG_REG_RCX, TCG_REG_RDX, TCG_REG_RBX,
    TCG_REG_RSP, TCG_REG_RBP, TCG_REG_RSI, TCG_REG_RDI,
    TCG_REG_R8, TCG_REG_R9, TCG_REG_R10, TCG_REG_R11,
    TCG_REG_R12, TCG_REG_R13, TCG_REG_R14, TCG_REG_R15,
    TCG_NB_REGS,
};

#define TCG_AREG0 TCG_REG_RBP      /* env */
/* rcx (shift counts) and r11 are the back end's scratch registers. */
#define TCG_REG_TMP0 TCG_REG_RCX
#define TCG_REG_TMP1 TCG_REG_R11
#define TCG_CALL_CLOBBERED                                                    \
    ((1u << TCG_REG_RAX) | (1u << TCG_REG_RCX) | (1u << TCG_REG_RDX) |        \
     (1u << TCG_REG_RSI) | (1u << TCG_REG_RDI) | (1u << TCG_REG_R8) |         \
     (1u << TCG_REG_R9) | (1u << TCG_REG_R10) | (1u << TCG_REG_R11))
#define TCG_ALLOCATABLE                                                       \
    (0xffffu & ~((1u << TCG_REG_RSP) | (1u << TCG_REG_RBP) |                  \
                 (1u << TCG_REG_TMP0) | (1u << TCG_REG_TMP1)))

/* Stack frame for temps spilled across labels: slots at [rsp + 8*i]. */
#define TCG_FRAME_SLOTS TCG_MAX_TEMPS   /* one per temp at most */
#define TCG_FRAME_SIZE (TCG_FRAME_SLOTS * 8 + 8)   /* keeps rsp 16-aligned */

extern const int tcg_call_arg_regs[6];

/* An input operand as the allocator hands it to the emitter. */
typedef struct TCGArgLoc {
    bool is_const;
    int reg;
    int64_t val;
} TCGArgLoc;

bool tcg_target_const_ok(TCGOpcode opc, int arg_index, int64_t val);
void tcg_out_mov(TCGContext *s, int dst, int src);
void tcg_out_movi(TCGContext *s, int dst, int64_t val);
/* 64-bit load/store between a register and [base + offset] */
void tcg_out_ld64(TCGContext *s, int dst, int base, int32_t offset);
void tcg_out_st64(TCGContext *s, int src, int base, int32_t offset);
void tcg_out_st64_imm(TCGContext *s, int64_t val, int base, int32_t offset);
void tcg_out_call(TCGContext *s, const void *func);
void tcg_out_label(TCGContext *s, TCGLabel *l);
void tcg_out_br(TCGContext *s, TCGLabel *l);
void tcg_out_brcond(TCGContext *s, TCGCond cond, int a, TCGArgLoc b,
                    TCGLabel *l);
/* All other ops: out registers, then input locations, then constant args. */
void tcg_out_op(TCGContext *s, TCGOp *op, const int *oregs,
                const TCGArgLoc *in, const uint64_t *cargs);
void tcg_out_qemu_ldst(TCGContext *s, bool is_ld, int data_reg, int addr_reg,
                       uint32_t memop_idx, uint16_t saved_regs);
void tcg_out_tb_start(TCGContext *s);
void tcg_out_tb_finalize(TCGContext *s);
void tcg_out_goto_tb(TCGContext *s, int n);
void tcg_out_exit_tb(TCGContext *s, uintptr_t val);
void tcg_out_goto_ptr(TCGContext *s, int reg);
void tcg_out_lookup_goto(TCGContext *s);
/* The XMM registers hold no copies of env slots any more (vec_op). */
void tcg_out_vec_forget(TCGContext *s);

#endif
