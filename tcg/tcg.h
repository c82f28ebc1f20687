/*
 * The intermediate representation between the guest decoder and the host
 * code emitter: a list of ops on 64-bit temps. Guest registers are globals
 * (backed by fields of the CPU state); the rest are temps that live within one
 * guest instruction. Nothing here knows about x86 guests.
 */
#ifndef TCG_TCG_H
#define TCG_TCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    TCG_OPF_BB_END = 1 << 0,       /* ends a basic block: temps go to memory */
    TCG_OPF_BB_EXIT = 1 << 1,      /* leaves the block: globals must be saved */
    TCG_OPF_SIDE_EFFECTS = 1 << 2, /* never removed even if outputs are dead */
    TCG_OPF_SYNC_GLOBALS = 1 << 3, /* may raise a guest exception: globals
                                      must be recoverable (see TCGGlobalLoc) */
    TCG_OPF_CALL = 1 << 4,
    TCG_OPF_NOT_CODE = 1 << 5,
};

typedef enum TCGOpcode {
#define DEF(name, oargs, iargs, cargs, flags) INDEX_op_##name,
#include "tcg/tcg-opc.h"
#undef DEF
    NB_OPS,
} TCGOpcode;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    uint8_t flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_OPS];

/* Conditions; the values are x86's condition-code encoding. */
typedef enum TCGCond {
    TCG_COND_NEVER = -1,
    TCG_COND_ALWAYS = -2,
    TCG_COND_EQ = 0x4,
    TCG_COND_NE = 0x5,
    TCG_COND_LTU = 0x2,
    TCG_COND_GEU = 0x3,
    TCG_COND_LEU = 0x6,
    TCG_COND_GTU = 0x7,
    TCG_COND_LT = 0xc,
    TCG_COND_GE = 0xd,
    TCG_COND_LE = 0xe,
    TCG_COND_GT = 0xf,
    /* (a & b) == 0, != 0 */
    TCG_COND_TSTEQ = 0x14,
    TCG_COND_TSTNE = 0x15,
} TCGCond;

static inline TCGCond tcg_invert_cond(TCGCond c)
{
    if (c == TCG_COND_NEVER) {
        return TCG_COND_ALWAYS;
    }
    if (c == TCG_COND_ALWAYS) {
        return TCG_COND_NEVER;
    }
    return (TCGCond)(c ^ 1);
}

/* Guest memory operation: size and sign. */
typedef enum MemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,
    /* a load that a store to the same address follows (read-modify-write):
     * it needs write permission, and a fault reports a write */
    MO_WRITE_INTENT = 8,
    /* the access is stack-relative (x86: #SS instead of #GP) */
    MO_STACK = 16,
    MO_SB = MO_8 | MO_SIGN, MO_SW = MO_16 | MO_SIGN, MO_SL = MO_32 | MO_SIGN,
} MemOp;

/* Call flags */
enum {
    TCG_CALL_NO_READ_GLOBALS = 1 << 0,   /* helper reads no guest register */
    TCG_CALL_NO_WRITE_GLOBALS = 1 << 1,  /* helper changes no guest register */
    TCG_CALL_NO_RWG = TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS,
    /* no side effects at all: removed when its result is unused */
    TCG_CALL_PURE = 1 << 2 | TCG_CALL_NO_RWG,
};

typedef enum TCGTempKind {
    TEMP_NORMAL,   /* lives within one basic block of one guest instruction */
    TEMP_LOCAL,    /* lives within one guest instruction, across labels */
    TEMP_GLOBAL,   /* backed by env + mem_offset */
    TEMP_FIXED,    /* pinned in a host register (env) */
    TEMP_CONST,
} TCGTempKind;

typedef enum TCGTempVal {
    TEMP_VAL_DEAD,
    TEMP_VAL_REG,
    TEMP_VAL_MEM,
    TEMP_VAL_CONST,
} TCGTempVal;

typedef struct TCGTemp {
    TCGTempKind kind;
    const char *name;
    int64_t val;          /* TEMP_CONST */
    int mem_offset;       /* TEMP_GLOBAL: offset in env; others: frame slot */
    bool mem_allocated;
    /* register allocator state */
    TCGTempVal val_type;
    int reg;
    bool mem_coherent;
} TCGTemp;

typedef TCGTemp *TCGv;

#define TCG_MAX_TEMPS 512
#define TCG_MAX_OPS 4096
#define TCG_MAX_LABELS 256
#define TCG_MAX_OP_ARGS 10
#define TCG_MAX_INSNS 512

typedef struct TCGOp {
    TCGOpcode opc;
    uint8_t nb_oargs, nb_iargs;  /* copied from the def, except for calls */
    uint16_t life;               /* bit i: argument i dies here */
    uint64_t args[TCG_MAX_OP_ARGS]; /* temps (as TCGTemp *) then constants */
} TCGOp;

typedef struct TCGLabel {
    int id;
    int value;            /* host code offset once emitted, -1 before */
    /* forward references to patch: offsets of rel32 fields */
    int nb_refs;
    int refs[128];
} TCGLabel;

/* A slow path for a guest memory access, emitted after the block's code. */
/*
 * A guest register not yet written back to env at a guest memory access.
 * The fast path stores nothing; if the access faults, the slow path has
 * saved the registers to env's spill area and cpu_restore_state() writes
 * these values back, so the exception sees exact guest state.
 */
typedef struct TCGGlobalLoc {
    int32_t env_offset;
    int8_t reg;           /* host register, or -1: the value is `val` */
    int64_t val;
} TCGGlobalLoc;

typedef struct TCGLdstSlow {
    bool is_ld;
    int memop_idx;        /* memop | mmu_idx << 8 */
    int addr_reg, data_reg;
    int jne_offset;       /* rel32 of the fast path's jne to patch */
    int ret_offset;       /* where the slow path returns to */
    uint16_t saved_regs;  /* caller-saved registers live across the access */
    uint16_t dirty_regs;  /* registers holding unsynced globals */
    uint16_t map_first, map_count;  /* its TCGGlobalLoc entries */
} TCGLdstSlow;

#define TCG_MAX_LDST_MAP 16384

#define TCG_MAX_LDST 1024

typedef struct TCGContext {
    TCGTemp temps[TCG_MAX_TEMPS];
    /* the block's constant temps by value: index + 1, 0 for free;
     * open addressing (a block has far fewer than TCG_CONST_SLOTS) */
#define TCG_CONST_SLOTS 1024
    int16_t const_slot[TCG_CONST_SLOTS];
    int nb_globals;       /* globals (and fixed) come first */
    int nb_temps;
    int first_free_temp;  /* reset at each guest instruction */

    TCGOp ops[TCG_MAX_OPS];
    int nb_ops;
    TCGLabel labels[TCG_MAX_LABELS];
    int nb_labels;

    TCGv env;             /* fixed: the CPU state pointer */

    /* code generation */
    uint8_t *code_buf;    /* start of this block's code */
    uint8_t *code_ptr;
    uint8_t *code_end;    /* may not emit past this */
    int reg_to_temp[16];  /* temp index, -1 if free */
    int frame_slots_used;
    TCGLdstSlow ldst[TCG_MAX_LDST];
    int nb_ldst;
    TCGGlobalLoc ldst_map[TCG_MAX_LDST_MAP];
    int nb_ldst_map;
    int exit_check_off;   /* rel32 of the block-entry exit check */
    /* vec_op: which env slot each host XMM register holds a copy of (-1:
     * none). Valid only across consecutive vec_ops: any other op may
     * write those slots or clobber the registers. */
    int32_t vec_reg_slot[16];
    int vec_next_reg;
    bool vec_held;          /* some register holds a copy */

    /* results for the translation block */
    uint16_t jmp_insn_offset[2];   /* offset of each goto_tb's rel32 */
    uint16_t jmp_reset_offset[2];  /* code after each goto_tb's jump */
    int nb_insns;
    uint64_t insn_pc[TCG_MAX_INSNS];
    uint32_t insn_end_off[TCG_MAX_INSNS]; /* host offset where insn i's code ends */

    uintptr_t tb_ptr;     /* the block being generated, for exit values */

    /* the prologue/epilogue, shared by all blocks */
    uint8_t *code_gen_prologue;
    uint8_t *code_gen_epilogue;    /* returns the value in rax */
    uint8_t *code_gen_exit0;       /* returns 0: "look the next block up" */
} TCGContext;

/* Setup: globals are created once, then each block starts with tcg_func_start. */
void tcg_context_init(TCGContext *s);
TCGv tcg_global_mem_new(TCGContext *s, int offset, const char *name);
void tcg_func_start(TCGContext *s);
/* Returns all non-global temps to the pool (call between guest instructions). */
void tcg_temp_reset(TCGContext *s);
TCGv tcg_temp_new(TCGContext *s);
TCGv tcg_temp_new_local(TCGContext *s);
TCGv tcg_constant(TCGContext *s, int64_t val);
TCGLabel *gen_new_label(TCGContext *s);

static inline int temp_idx(TCGContext *s, TCGv t)
{
    return (int)(t - s->temps);
}

/* Op emission (builders) */
TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc);
void tcg_gen_op1(TCGContext *s, TCGOpcode opc, uint64_t a1);
void tcg_gen_op2(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2);
void tcg_gen_op3(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3);
void tcg_gen_op4(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4);
void tcg_gen_op5(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4, uint64_t a5);
void tcg_gen_op6(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);

#define TA(t) ((uint64_t)(uintptr_t)(t))

static inline void tcg_gen_mov(TCGContext *s, TCGv ret, TCGv a)
{
    if (ret != a) {
        tcg_gen_op2(s, INDEX_op_mov, TA(ret), TA(a));
    }
}
static inline void tcg_gen_movi(TCGContext *s, TCGv ret, int64_t v)
{
    tcg_gen_mov(s, ret, tcg_constant(s, v));
}

static inline void tcg_gen_add(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_add, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_sub(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_sub, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_and(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_and, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_or(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_or, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_xor(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_xor, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_mul(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_mul, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_shl(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_shl, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_shr(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_shr, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_sar(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_sar, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_rotl(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_rotl, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_rotr(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_rotr, TA(r), TA(a), TA(b));
}

static inline void tcg_gen_rotl32(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_rotl32, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_rotr32(TCGContext *s, TCGv r, TCGv a, TCGv b)
{
    tcg_gen_op3(s, INDEX_op_rotr32, TA(r), TA(a), TA(b));
}
static inline void tcg_gen_neg(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_neg, TA(r), TA(a));
}
static inline void tcg_gen_not(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_not, TA(r), TA(a));
}
static inline void tcg_gen_ext8s(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_ext8s, TA(r), TA(a));
}
static inline void tcg_gen_ext8u(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_ext8u, TA(r), TA(a));
}
static inline void tcg_gen_ext16s(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_ext16s, TA(r), TA(a));
}
static inline void tcg_gen_ext16u(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_ext16u, TA(r), TA(a));
}
static inline void tcg_gen_ext32s(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_ext32s, TA(r), TA(a));
}
static inline void tcg_gen_ext32u(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_ext32u, TA(r), TA(a));
}
static inline void tcg_gen_bswap16(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_bswap16, TA(r), TA(a));
}
static inline void tcg_gen_bswap32(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_bswap32, TA(r), TA(a));
}
static inline void tcg_gen_bswap64(TCGContext *s, TCGv r, TCGv a)
{
    tcg_gen_op2(s, INDEX_op_bswap64, TA(r), TA(a));
}

static inline void tcg_gen_addi(TCGContext *s, TCGv r, TCGv a, int64_t v)
{
    if (v == 0) {
        tcg_gen_mov(s, r, a);
    } else {
        tcg_gen_add(s, r, a, tcg_constant(s, v));
    }
}
static inline void tcg_gen_andi(TCGContext *s, TCGv r, TCGv a, int64_t v)
{
    tcg_gen_and(s, r, a, tcg_constant(s, v));
}
static inline void tcg_gen_ori(TCGContext *s, TCGv r, TCGv a, int64_t v)
{
    tcg_gen_or(s, r, a, tcg_constant(s, v));
}
static inline void tcg_gen_xori(TCGContext *s, TCGv r, TCGv a, int64_t v)
{
    tcg_gen_xor(s, r, a, tcg_constant(s, v));
}
static inline void tcg_gen_shli(TCGContext *s, TCGv r, TCGv a, int v)
{
    tcg_gen_shl(s, r, a, tcg_constant(s, v));
}
static inline void tcg_gen_shri(TCGContext *s, TCGv r, TCGv a, int v)
{
    tcg_gen_shr(s, r, a, tcg_constant(s, v));
}
static inline void tcg_gen_sari(TCGContext *s, TCGv r, TCGv a, int v)
{
    tcg_gen_sar(s, r, a, tcg_constant(s, v));
}
static inline void tcg_gen_deposit(TCGContext *s, TCGv r, TCGv a, TCGv b,
                                   int pos, int len)
{
    tcg_gen_op5(s, INDEX_op_deposit, TA(r), TA(a), TA(b), pos, len);
}
static inline void tcg_gen_setcond(TCGContext *s, TCGCond c, TCGv r, TCGv a,
                                   TCGv b)
{
    tcg_gen_op4(s, INDEX_op_setcond, TA(r), TA(a), TA(b), (uint64_t)c);
}
static inline void tcg_gen_movcond(TCGContext *s, TCGCond c, TCGv r, TCGv a,
                                   TCGv b, TCGv v1, TCGv v2)
{
    tcg_gen_op6(s, INDEX_op_movcond, TA(r), TA(a), TA(b), TA(v1), TA(v2),
                (uint64_t)c);
}
static inline void tcg_gen_brcond(TCGContext *s, TCGCond c, TCGv a, TCGv b,
                                  TCGLabel *l)
{
    tcg_gen_op4(s, INDEX_op_brcond, TA(a), TA(b), (uint64_t)c, (uint64_t)l->id);
}
static inline void tcg_gen_brcondi(TCGContext *s, TCGCond c, TCGv a, int64_t v,
                                   TCGLabel *l)
{
    tcg_gen_brcond(s, c, a, tcg_constant(s, v), l);
}
static inline void tcg_gen_br(TCGContext *s, TCGLabel *l)
{
    tcg_gen_op1(s, INDEX_op_br, (uint64_t)l->id);
}
static inline void tcg_gen_set_label(TCGContext *s, TCGLabel *l)
{
    tcg_gen_op1(s, INDEX_op_set_label, (uint64_t)l->id);
}
/* host memory at base + offset */
static inline void tcg_gen_ld(TCGContext *s, TCGOpcode opc, TCGv r, TCGv base,
                              int offset)
{
    tcg_gen_op3(s, opc, TA(r), TA(base), (uint64_t)(int64_t)offset);
}
static inline void tcg_gen_st(TCGContext *s, TCGOpcode opc, TCGv v, TCGv base,
                              int offset)
{
    tcg_gen_op3(s, opc, TA(v), TA(base), (uint64_t)(int64_t)offset);
}
static inline void tcg_gen_qemu_ld(TCGContext *s, TCGv r, TCGv addr,
                                   MemOp mop, int mmu_idx)
{
    tcg_gen_op3(s, INDEX_op_qemu_ld, TA(r), TA(addr),
                (uint64_t)(mop | (mmu_idx << 8)));
}
static inline void tcg_gen_qemu_st(TCGContext *s, TCGv v, TCGv addr,
                                   MemOp mop, int mmu_idx)
{
    tcg_gen_op3(s, INDEX_op_qemu_st, TA(v), TA(addr),
                (uint64_t)(mop | (mmu_idx << 8)));
}
static inline void tcg_gen_insn_start(TCGContext *s, uint64_t pc)
{
    tcg_gen_op1(s, INDEX_op_insn_start, pc);
}
static inline void tcg_gen_goto_tb(TCGContext *s, int n)
{
    tcg_gen_op1(s, INDEX_op_goto_tb, (uint64_t)n);
}
static inline void tcg_gen_exit_tb(TCGContext *s, uintptr_t val)
{
    tcg_gen_op1(s, INDEX_op_exit_tb, val);
}
/*
 * vec_op: env[d, d+16) = the host's own SSE instruction 66 0F op (0F 38 op
 * with TCG_VEC_MAP38) on env[d, d+16) and env[src, src+16); with
 * TCG_VEC_IMM(ext, imm), its immediate form 66 0F op /ext ib on env[d]
 * alone. For integer operations, which neither read MXCSR nor raise
 * anything: guest and host are the same ISA.
 */
#define TCG_VEC_MAP38 0x1000u
#define TCG_VEC_MOV 0x4000u     /* env[d] = env[src]: a register move */
#define TCG_VEC_IMM(ext, imm) (0x2000u | (uint32_t)(ext) << 16 | \
                               (uint32_t)(imm) << 24)

static inline void tcg_gen_vec_op(TCGContext *s, uint32_t insn, int d, int src)
{
    tcg_gen_op3(s, INDEX_op_vec_op, insn, (uint64_t)d, (uint64_t)src);
}

static inline void tcg_gen_discard(TCGContext *s, TCGv t)
{
    tcg_gen_op1(s, INDEX_op_discard, TA(t));
}

static inline void tcg_gen_lookup_goto(TCGContext *s)
{
    tcg_emit_op(s, INDEX_op_lookup_goto);
}

static inline void tcg_gen_goto_ptr(TCGContext *s, TCGv ptr)
{
    tcg_gen_op1(s, INDEX_op_goto_ptr, TA(ptr));
}
/* Call func(args...) -> ret (ret may be NULL); at most 6 arguments. */
void tcg_gen_call(TCGContext *s, void *func, const char *name, unsigned flags,
                  TCGv ret, int nargs, TCGv *args);
#define tcg_gen_callN(s, func, flags, ret, ...)                               \
    do {                                                                      \
        TCGv args_[] = { __VA_ARGS__ };                                       \
        tcg_gen_call(s, (void *)(func), #func, flags, ret,                    \
                     (int)(sizeof(args_) / sizeof(args_[0])), args_);         \
    } while (0)

/* Passes */
void tcg_optimize(TCGContext *s);
void tcg_liveness(TCGContext *s);
/* Generates host code for the op list at s->code_ptr; returns the code size,
 * or -1 if the buffer (up to code_end) is too small. */
int tcg_gen_code(TCGContext *s);
void tcg_dump_ops(TCGContext *s, FILE *f);

/* Code buffer and prologue */
void tcg_prologue_init(TCGContext *s, uint8_t *buf, size_t size);
/* Exit values of a block: (tb | slot) for a jump slot that may be chained,
 * (tb | TB_EXIT_REQUESTED) when the block at tb was left at its entry
 * check before running, 0 otherwise. */
#define TB_EXIT_REQUESTED 3
/* Enters generated code; returns the exit value of the last block. */
uintptr_t tcg_qemu_tb_exec(TCGContext *s, void *env, const void *code);

/* Softmmu slow-path helpers the back end calls (provided by the softmmu). */
uint64_t tcg_slow_ld(void *env, uint64_t addr, uint32_t memop_idx,
                     uintptr_t retaddr);
void tcg_slow_st(void *env, uint64_t addr, uint64_t val, uint32_t memop_idx,
                 uintptr_t retaddr);
/* Layout of the softmmu TLB the fast path reads (set by the front end). */
typedef struct TCGTLBLayout {
    int tlb_offset;        /* offset of tlb[0][0] in env */
    int mode_stride;       /* bytes between tlb[i] and tlb[i+1] */
    int entry_bits;        /* log2 of an entry's size */
    int index_bits;        /* log2 of entries per mode */
    int page_bits;
    int read_off, write_off, addend_off;
    int exit_request_off;  /* int32 checked at every block entry */
    int spill_off;         /* 16 x 64-bit register save area for faults */
    /* lookup_goto: the jump cache, indexed as tb_jmp_cache_hash(), and
     * what a cached block must match: rip, hflags, CS base, no pending
     * interrupt shadow; the block's fields for those and its code */
    int jmp_cache_off, jmp_cache_bits, jmp_page_bits;
    int rip_off, hflags_off, cs_base_off, inhibit_irq_off;
    int tb_pc_off, tb_cs_base_off, tb_flags_off, tb_invalid_off;
    int tb_tc_ptr_off;
} TCGTLBLayout;
extern TCGTLBLayout tcg_tlb_layout;

#endif
