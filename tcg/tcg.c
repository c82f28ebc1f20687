/*
 * IR construction, the -d op dump, liveness analysis and the register
 * allocator that drives the host back end.
 */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "tcg/tcg.h"
#include "tcg/tuning.h"
#include "tcg/x86_64/tcg-target.h"

const TCGOpDef tcg_op_defs[NB_OPS] = {
#define DEF(name, oargs, iargs, cargs, flags)                                 \
    [INDEX_op_##name] = { #name, oargs, iargs, cargs, flags },
#include "tcg/tcg-opc.h"
#undef DEF
};

TCGTLBLayout tcg_tlb_layout;

void tcg_context_init(TCGContext *s)
{
    memset(s, 0, sizeof(*s));
    TCGTemp *t = &s->temps[s->nb_globals++];
    t->kind = TEMP_FIXED;
    t->name = "env";
    t->reg = TCG_AREG0;
    s->env = t;
    s->nb_temps = s->nb_globals;
}

TCGv tcg_global_mem_new(TCGContext *s, int offset, const char *name)
{
    assert(s->nb_temps == s->nb_globals);
    TCGTemp *t = &s->temps[s->nb_globals++];
    t->kind = TEMP_GLOBAL;
    t->name = name;
    t->mem_offset = offset;
    t->mem_allocated = true;
    s->nb_temps = s->nb_globals;
    return t;
}

void tcg_func_start(TCGContext *s)
{
    memset(s->const_slot, 0, sizeof(s->const_slot));
    s->nb_temps = s->nb_globals;
    s->first_free_temp = s->nb_globals;
    s->nb_ops = 0;
    s->nb_labels = 0;
    s->nb_insns = 0;
    s->nb_ldst = 0;
    s->frame_slots_used = 0;
}

/*
 * Temps of a block: normal temps are recycled from one guest instruction to
 * the next; constants and locals never are ("sticky"), because liveness
 * reads a temp's kind for the whole block and a local must stay a local.
 */
static bool temp_is_sticky(const TCGTemp *t)
{
    return t->kind == TEMP_CONST || t->kind == TEMP_LOCAL;
}

void tcg_temp_reset(TCGContext *s)
{
    int j = s->nb_globals;
    for (int i = s->nb_globals; i < s->nb_temps; i++) {
        if (temp_is_sticky(&s->temps[i])) {
            j = i + 1;
        }
    }
    s->first_free_temp = j;
}

static TCGTemp *tcg_temp_append(TCGContext *s)
{
    assert(s->nb_temps < TCG_MAX_TEMPS);
    TCGTemp *t = &s->temps[s->nb_temps++];
    memset(t, 0, sizeof(*t));
    if (s->first_free_temp == s->nb_temps - 1) {
        s->first_free_temp = s->nb_temps;
    }
    return t;
}

static TCGTemp *tcg_temp_alloc(TCGContext *s)
{
    int i = s->first_free_temp;
    while (i < s->nb_temps && temp_is_sticky(&s->temps[i])) {
        i++;
    }
    if (i == s->nb_temps) {
        assert(s->nb_temps < TCG_MAX_TEMPS);
        s->nb_temps++;
    }
    s->first_free_temp = i + 1;
    memset(&s->temps[i], 0, sizeof(s->temps[i]));
    return &s->temps[i];
}

TCGv tcg_temp_new(TCGContext *s)
{
    TCGTemp *t = tcg_temp_alloc(s);
    t->kind = TEMP_NORMAL;
    return t;
}

TCGv tcg_temp_new_local(TCGContext *s)
{
    TCGTemp *t = tcg_temp_append(s);
    t->kind = TEMP_LOCAL;
    return t;
}

TCGv tcg_constant(TCGContext *s, int64_t val)
{
    unsigned h = (unsigned)(((uint64_t)val * 0x9e3779b97f4a7c15ull) >> 54);
    for (;; h = (h + 1) % TCG_CONST_SLOTS) {
        int i = s->const_slot[h] - 1;
        if (i < 0) {
            break;
        }
        if (s->temps[i].val == val) {
            return &s->temps[i];
        }
    }
    TCGTemp *t = tcg_temp_append(s);
    t->kind = TEMP_CONST;
    t->val = val;
    s->const_slot[h] = (int16_t)(temp_idx(s, t) + 1);
    return t;
}

TCGLabel *gen_new_label(TCGContext *s)
{
    assert(s->nb_labels < TCG_MAX_LABELS);
    TCGLabel *l = &s->labels[s->nb_labels];
    l->id = s->nb_labels++;
    l->value = -1;
    l->nb_refs = 0;
    return l;
}

TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc)
{
    assert(s->nb_ops < TCG_MAX_OPS);
    TCGOp *op = &s->ops[s->nb_ops++];
    op->opc = opc;
    op->nb_oargs = tcg_op_defs[opc].nb_oargs;
    op->nb_iargs = tcg_op_defs[opc].nb_iargs;
    op->life = 0;
    return op;
}

void tcg_gen_op1(TCGContext *s, TCGOpcode opc, uint64_t a1)
{
    tcg_emit_op(s, opc)->args[0] = a1;
}

void tcg_gen_op2(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
}

void tcg_gen_op3(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
}

void tcg_gen_op4(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
    op->args[3] = a4;
}

void tcg_gen_op5(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4, uint64_t a5)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
    op->args[3] = a4;
    op->args[4] = a5;
}

void tcg_gen_op6(TCGContext *s, TCGOpcode opc, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
    TCGOp *op = tcg_emit_op(s, opc);
    op->args[0] = a1;
    op->args[1] = a2;
    op->args[2] = a3;
    op->args[3] = a4;
    op->args[4] = a5;
    op->args[5] = a6;
}

void tcg_gen_call(TCGContext *s, void *func, const char *name, unsigned flags,
                  TCGv ret, int nargs, TCGv *args)
{
    assert(nargs <= 6);
    TCGOp *op = tcg_emit_op(s, INDEX_op_call);
    int k = 0;
    op->nb_oargs = ret ? 1 : 0;
    op->nb_iargs = (uint8_t)nargs;
    if (ret) {
        op->args[k++] = TA(ret);
    }
    for (int i = 0; i < nargs; i++) {
        op->args[k++] = TA(args[i]);
    }
    op->args[k++] = (uint64_t)(uintptr_t)func;
    op->args[k++] = flags;
    op->args[k++] = (uint64_t)(uintptr_t)name;   /* for -d op */
}

static inline TCGTemp *arg_temp(uint64_t a)
{
    return (TCGTemp *)(uintptr_t)a;
}

/* -d op / -d op_opt */

static const char *cond_name(TCGCond c)
{
    switch (c) {
    case TCG_COND_EQ: return "eq";
    case TCG_COND_NE: return "ne";
    case TCG_COND_LT: return "lt";
    case TCG_COND_GE: return "ge";
    case TCG_COND_LE: return "le";
    case TCG_COND_GT: return "gt";
    case TCG_COND_LTU: return "ltu";
    case TCG_COND_GEU: return "geu";
    case TCG_COND_LEU: return "leu";
    case TCG_COND_GTU: return "gtu";
    case TCG_COND_TSTEQ: return "tsteq";
    case TCG_COND_TSTNE: return "tstne";
    case TCG_COND_ALWAYS: return "always";
    case TCG_COND_NEVER: return "never";
    }
    return "?";
}

static void dump_temp(TCGContext *s, FILE *f, TCGTemp *t)
{
    switch (t->kind) {
    case TEMP_GLOBAL:
    case TEMP_FIXED:
        fputs(t->name, f);
        break;
    case TEMP_CONST:
        fprintf(f, "$0x%" PRIx64, (uint64_t)t->val);
        break;
    default:
        fprintf(f, "tmp%d", temp_idx(s, t) - s->nb_globals);
        break;
    }
}

void tcg_dump_ops(TCGContext *s, FILE *f)
{
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp *op = &s->ops[i];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nargs = op->nb_oargs + op->nb_iargs;
        if (op->opc == INDEX_op_insn_start) {
            fprintf(f, " ---- %016" PRIx64 "\n", op->args[0]);
            continue;
        }
        fprintf(f, " %-10s ", def->name);
        for (int k = 0; k < nargs; k++) {
            if (k) {
                fputc(',', f);
            }
            dump_temp(s, f, arg_temp(op->args[k]));
        }
        const uint64_t *c = &op->args[nargs];
        switch (op->opc) {
        case INDEX_op_brcond:
            fprintf(f, ",%s,$L%d", cond_name((TCGCond)c[0]), (int)c[1]);
            break;
        case INDEX_op_setcond:
        case INDEX_op_movcond:
            fprintf(f, ",%s", cond_name((TCGCond)c[0]));
            break;
        case INDEX_op_set_label:
        case INDEX_op_br:
            fprintf(f, "$L%d", (int)c[0]);
            break;
        case INDEX_op_call:
            fprintf(f, "%s%s,$0x%x", nargs ? "," : "",
                    c[2] ? (const char *)(uintptr_t)c[2] : "?",
                    (unsigned)c[1]);
            break;
        default:
            for (int k = 0; k < def->nb_cargs; k++) {
                fprintf(f, "%s$0x%" PRIx64, (nargs || k) ? "," : "", c[k]);
            }
        }
        if (op->life) {
            fprintf(f, "  dead:");
            for (int k = 0; k < nargs; k++) {
                if (op->life & (1u << k)) {
                    fprintf(f, " %d", k);
                }
            }
        }
        fputc('\n', f);
    }
}

/*
 * Liveness, backwards over the op list. Globals are live wherever they must be
 * in memory: at block ends, before helper calls that may read them, and
 * before ops that may raise a guest exception. An op whose outputs are all
 * dead and which has no side effects is removed. op->life records which
 * arguments die at the op.
 */
void tcg_liveness(TCGContext *s)
{
    static bool live[TCG_MAX_TEMPS];
    int nb_temps = s->nb_temps;

    for (int i = 0; i < nb_temps; i++) {
        live[i] = s->temps[i].kind == TEMP_GLOBAL;
    }
    for (int oi = s->nb_ops - 1; oi >= 0; oi--) {
        TCGOp *op = &s->ops[oi];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nb_o = op->nb_oargs, nb_i = op->nb_iargs;
        uint16_t life = 0;

        if (op->opc == INDEX_op_insn_start) {
            continue;
        }
        if (def->flags & TCG_OPF_BB_EXIT) {
            for (int i = 0; i < nb_temps; i++) {
                live[i] = s->temps[i].kind == TEMP_GLOBAL;
            }
        } else if (def->flags & TCG_OPF_BB_END) {
            /* locals may be read after any label, e.g. around a loop */
            for (int i = 0; i < nb_temps; i++) {
                TCGTempKind k = s->temps[i].kind;
                if (k == TEMP_GLOBAL || k == TEMP_LOCAL) {
                    live[i] = true;
                }
            }
        }
        bool side_effects = (def->flags & TCG_OPF_SIDE_EFFECTS) != 0;
        if (op->opc == INDEX_op_call) {
            unsigned cflags = (unsigned)op->args[nb_o + nb_i + 1];
            side_effects = (cflags & TCG_CALL_PURE) != TCG_CALL_PURE;
        }
        /* -accel tcg,optimize=off: dead ops stay (liveness is still
         * computed: it drives the register allocator) */
        if (!side_effects && nb_o > 0 && tcg_tuning.optimize) {
            bool any_live = false;
            for (int k = 0; k < nb_o; k++) {
                any_live |= live[temp_idx(s, arg_temp(op->args[k]))];
            }
            if (!any_live) {
                op->opc = INDEX_op_insn_start;   /* becomes a no-op marker */
                op->nb_oargs = op->nb_iargs = 0;
                op->args[0] = UINT64_MAX;
                continue;
            }
        }
        for (int k = 0; k < nb_o; k++) {
            int t = temp_idx(s, arg_temp(op->args[k]));
            if (!live[t]) {
                life |= 1u << k;
            }
            live[t] = false;
        }
        if (def->flags & TCG_OPF_SYNC_GLOBALS) {
            for (int i = 0; i < s->nb_globals; i++) {
                if (s->temps[i].kind == TEMP_GLOBAL) {
                    live[i] = true;
                }
            }
        }
        if (op->opc == INDEX_op_call) {
            unsigned flags = (unsigned)op->args[nb_o + nb_i + 1];
            if ((flags & TCG_CALL_NO_RWG) != TCG_CALL_NO_RWG) {
                for (int i = 0; i < s->nb_globals; i++) {
                    if (s->temps[i].kind == TEMP_GLOBAL) {
                        live[i] = true;
                    }
                }
            }
        }
        for (int k = nb_o; k < nb_o + nb_i; k++) {
            int t = temp_idx(s, arg_temp(op->args[k]));
            if (!live[t]) {
                life |= 1u << k;
                live[t] = true;
            }
        }
        op->life = life;
    }
}

/* Register allocation and code generation */

static int temp_slot_offset(TCGContext *s, TCGTemp *t)
{
    if (!t->mem_allocated) {
        assert(s->frame_slots_used < TCG_FRAME_SLOTS);
        t->mem_offset = 8 * s->frame_slots_used++;
        t->mem_allocated = true;
    }
    return t->mem_offset;
}

static int temp_mem_base(TCGTemp *t)
{
    return t->kind == TEMP_GLOBAL ? TCG_AREG0 : TCG_REG_RSP;
}

/* Make memory hold the temp's value; it may stay in its register. */
static void temp_sync(TCGContext *s, TCGTemp *t)
{
    if (t->kind == TEMP_FIXED || t->kind == TEMP_CONST || t->mem_coherent) {
        return;
    }
    int off = temp_slot_offset(s, t);
    if (t->val_type == TEMP_VAL_REG) {
        tcg_out_st64(s, t->reg, temp_mem_base(t), off);
    } else if (t->val_type == TEMP_VAL_CONST) {
        tcg_out_st64_imm(s, t->val, temp_mem_base(t), off);
    } else {
        return;
    }
    t->mem_coherent = true;
}

static void temp_free_reg(TCGContext *s, TCGTemp *t)
{
    if (t->val_type == TEMP_VAL_REG) {
        s->reg_to_temp[t->reg] = -1;
    }
}

/* The temp's value now lives in memory only. */
static void temp_save(TCGContext *s, TCGTemp *t)
{
    if (t->kind == TEMP_FIXED || t->kind == TEMP_CONST) {
        return;
    }
    temp_sync(s, t);
    temp_free_reg(s, t);
    t->val_type = t->mem_coherent || t->kind == TEMP_GLOBAL ? TEMP_VAL_MEM
                                                              : TEMP_VAL_DEAD;
}

static void temp_dead(TCGContext *s, TCGTemp *t)
{
    if (t->kind == TEMP_FIXED || t->kind == TEMP_CONST) {
        return;
    }
    temp_free_reg(s, t);
    /* A dead global is overwritten before anyone reads it again. */
    t->val_type = t->kind == TEMP_GLOBAL ? TEMP_VAL_MEM : TEMP_VAL_DEAD;
}

static void reg_free(TCGContext *s, int reg)
{
    int ti = s->reg_to_temp[reg];
    if (ti >= 0) {
        TCGTemp *t = &s->temps[ti];
        if (t->kind == TEMP_CONST) {
            s->reg_to_temp[reg] = -1;
        } else {
            temp_save(s, t);
        }
    }
}

static const int reg_alloc_order[] = {
    TCG_REG_RBX, TCG_REG_R12, TCG_REG_R13, TCG_REG_R14, TCG_REG_R15,
    TCG_REG_RSI, TCG_REG_RDI, TCG_REG_R8, TCG_REG_R9, TCG_REG_R10,
    TCG_REG_RAX, TCG_REG_RDX,
};

static int reg_alloc(TCGContext *s, uint32_t allowed)
{
    int n = (int)(sizeof(reg_alloc_order) / sizeof(reg_alloc_order[0]));
    for (int i = 0; i < n; i++) {
        int r = reg_alloc_order[i];
        if ((allowed & (1u << r)) && s->reg_to_temp[r] < 0) {
            return r;
        }
    }
    /* Spill: prefer a register whose value is already in memory. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            int r = reg_alloc_order[i];
            if (!(allowed & (1u << r))) {
                continue;
            }
            TCGTemp *t = &s->temps[s->reg_to_temp[r]];
            if (pass == 1 || t->mem_coherent || t->kind == TEMP_CONST) {
                reg_free(s, r);
                return r;
            }
        }
    }
    assert(!"no register to allocate");
    return -1;
}

static void temp_assign_reg(TCGContext *s, TCGTemp *t, int reg)
{
    s->reg_to_temp[reg] = temp_idx(s, t);
    t->val_type = TEMP_VAL_REG;
    t->reg = reg;
}

/* Load a temp into some register of `allowed`. */
static int temp_load(TCGContext *s, TCGTemp *t, uint32_t allowed)
{
    if (t->kind == TEMP_FIXED) {
        return t->reg;
    }
    if (t->val_type == TEMP_VAL_REG) {
        return t->reg;
    }
    int reg = reg_alloc(s, allowed);
    if (t->kind == TEMP_CONST) {
        tcg_out_movi(s, reg, t->val);
        s->reg_to_temp[reg] = temp_idx(s, t);  /* freed after the op */
        return reg;
    }
    if (t->val_type == TEMP_VAL_CONST) {
        tcg_out_movi(s, reg, t->val);
    } else {
        assert(t->val_type == TEMP_VAL_MEM);
        tcg_out_ld64(s, reg, temp_mem_base(t), temp_slot_offset(s, t));
        t->mem_coherent = true;
    }
    temp_assign_reg(s, t, reg);
    return reg;
}

static bool temp_is_const(TCGTemp *t, int64_t *val)
{
    if (t->kind == TEMP_CONST || (t->kind != TEMP_FIXED &&
                                  t->val_type == TEMP_VAL_CONST)) {
        *val = t->val;
        return true;
    }
    return false;
}

static void free_const_regs(TCGContext *s)
{
    for (int r = 0; r < TCG_NB_REGS; r++) {
        int ti = s->reg_to_temp[r];
        if (ti >= 0 && s->temps[ti].kind == TEMP_CONST) {
            s->reg_to_temp[r] = -1;
        }
    }
}

static void sync_globals(TCGContext *s)
{
    for (int i = 0; i < s->nb_globals; i++) {
        temp_sync(s, &s->temps[i]);
    }
}

/* At a basic-block boundary every value goes to memory. */
static void save_all(TCGContext *s)
{
    for (int i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];
        if (t->kind == TEMP_GLOBAL || ((t->kind == TEMP_NORMAL ||
                                        t->kind == TEMP_LOCAL) &&
                                       t->val_type != TEMP_VAL_DEAD)) {
            temp_save(s, t);
        }
    }
    free_const_regs(s);
}

/*
 * Instead of storing dirty globals before a guest memory access (which may
 * fault), note where each one is; the access's slow path saves those
 * registers and cpu_restore_state() completes the write-back on a fault.
 * Called just before the access is emitted: s->ldst[s->nb_ldst] is its
 * slow-path record.
 */
static void record_unsynced_globals(TCGContext *s)
{
    assert(s->nb_ldst < TCG_MAX_LDST);
    TCGLdstSlow *l = &s->ldst[s->nb_ldst];
    l->dirty_regs = 0;
    l->map_first = (uint16_t)s->nb_ldst_map;
    for (int i = 0; i < s->nb_globals; i++) {
        TCGTemp *t = &s->temps[i];
        if (t->kind != TEMP_GLOBAL || t->mem_coherent ||
            (t->val_type != TEMP_VAL_REG && t->val_type != TEMP_VAL_CONST)) {
            continue;
        }
        if (s->nb_ldst_map >= TCG_MAX_LDST_MAP) {
            temp_sync(s, t);     /* out of map space: store it after all */
            continue;
        }
        TCGGlobalLoc *g = &s->ldst_map[s->nb_ldst_map++];
        g->env_offset = t->mem_offset;
        if (t->val_type == TEMP_VAL_REG) {
            g->reg = (int8_t)t->reg;
            g->val = 0;
            l->dirty_regs |= (uint16_t)(1u << t->reg);
        } else {
            g->reg = -1;
            g->val = t->val;
        }
    }
    l->map_count = (uint16_t)(s->nb_ldst_map - l->map_first);
}

static void kill_dead_inputs(TCGContext *s, TCGOp *op)
{
    for (int k = op->nb_oargs; k < op->nb_oargs + op->nb_iargs; k++) {
        if (op->life & (1u << k)) {
            temp_dead(s, arg_temp(op->args[k]));
        }
    }
}

static void reg_alloc_mov(TCGContext *s, TCGOp *op)
{
    TCGTemp *ot = arg_temp(op->args[0]);
    TCGTemp *it = arg_temp(op->args[1]);
    int64_t cval;

    if (temp_is_const(it, &cval)) {
        temp_free_reg(s, ot);
        ot->val_type = TEMP_VAL_CONST;
        ot->val = cval;
        ot->mem_coherent = false;
    } else if (it->val_type == TEMP_VAL_REG && (op->life & 2) &&
               it->kind != TEMP_FIXED) {
        /* the input dies: its register changes hands */
        int reg = it->reg;
        temp_dead(s, it);
        temp_free_reg(s, ot);
        temp_assign_reg(s, ot, reg);
        ot->mem_coherent = false;
    } else {
        int ireg = temp_load(s, it, TCG_ALLOCATABLE);
        int oreg;
        kill_dead_inputs(s, op);
        if (ot->val_type == TEMP_VAL_REG) {
            oreg = ot->reg;
        } else {
            oreg = reg_alloc(s, TCG_ALLOCATABLE & ~(1u << ireg));
            temp_assign_reg(s, ot, oreg);
        }
        tcg_out_mov(s, oreg, ireg);
        ot->mem_coherent = false;
    }
    if (op->life & 1) {
        temp_dead(s, ot);
    }
    free_const_regs(s);
}

static void reg_alloc_op(TCGContext *s, TCGOp *op)
{
    int nb_o = op->nb_oargs, nb_i = op->nb_iargs;
    TCGArgLoc in[TCG_MAX_OP_ARGS];
    int oregs[2];
    uint32_t locked = 0;

    for (int k = 0; k < nb_i; k++) {
        TCGTemp *t = arg_temp(op->args[nb_o + k]);
        int64_t cval;
        if (temp_is_const(t, &cval) && tcg_target_const_ok(op->opc, k, cval)) {
            in[k].is_const = true;
            in[k].val = cval;
            in[k].reg = -1;
        } else {
            in[k].is_const = false;
            in[k].reg = temp_load(s, t, TCG_ALLOCATABLE & ~locked);
            locked |= 1u << in[k].reg;
        }
    }
    kill_dead_inputs(s, op);
    /* Outputs may reuse a register whose input died (the emitter copes). */
    uint32_t busy = 0;
    for (int k = 0; k < nb_i; k++) {
        if (!in[k].is_const && s->reg_to_temp[in[k].reg] >= 0) {
            busy |= 1u << in[k].reg;
        }
    }
    for (int k = 0; k < nb_o; k++) {
        TCGTemp *t = arg_temp(op->args[k]);
        int reg;
        if (t->val_type == TEMP_VAL_REG) {
            reg = t->reg;
        } else {
            reg = reg_alloc(s, TCG_ALLOCATABLE & ~busy);
            temp_assign_reg(s, t, reg);
        }
        busy |= 1u << reg;
        oregs[k] = reg;
    }
    if (op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_qemu_st) {
        record_unsynced_globals(s);
        /* caller-saved registers holding values must survive the slow path */
        uint16_t saved = 0;
        for (int r = 0; r < TCG_NB_REGS; r++) {
            if (s->reg_to_temp[r] >= 0 && (TCG_CALL_CLOBBERED & (1u << r))) {
                saved |= 1u << r;
            }
        }
        if (op->opc == INDEX_op_qemu_ld) {
            saved &= ~(1u << oregs[0]);
            tcg_out_qemu_ldst(s, true, oregs[0], in[0].reg,
                              (uint32_t)op->args[2], saved);
        } else {
            tcg_out_qemu_ldst(s, false, in[0].reg, in[1].reg,
                              (uint32_t)op->args[2], saved);
        }
    } else {
        tcg_out_op(s, op, oregs, in, &op->args[nb_o + nb_i]);
    }
    for (int k = 0; k < nb_o; k++) {
        TCGTemp *t = arg_temp(op->args[k]);
        t->mem_coherent = false;
        if (op->life & (1u << k)) {
            temp_dead(s, t);
        }
    }
    free_const_regs(s);
}

static void reg_alloc_call(TCGContext *s, TCGOp *op)
{
    int nb_o = op->nb_oargs, nb_i = op->nb_iargs;
    const void *func = (const void *)(uintptr_t)op->args[nb_o + nb_i];
    unsigned flags = (unsigned)op->args[nb_o + nb_i + 1];

    if ((flags & TCG_CALL_NO_RWG) != TCG_CALL_NO_RWG) {
        sync_globals(s);
    }
    for (int r = 0; r < TCG_NB_REGS; r++) {
        if (TCG_CALL_CLOBBERED & (1u << r)) {
            reg_free(s, r);
        }
    }
    for (int k = 0; k < nb_i; k++) {
        TCGTemp *t = arg_temp(op->args[nb_o + k]);
        int dst = tcg_call_arg_regs[k];
        int64_t cval;
        if (temp_is_const(t, &cval)) {
            tcg_out_movi(s, dst, cval);
        } else if (t->kind == TEMP_FIXED || t->val_type == TEMP_VAL_REG) {
            tcg_out_mov(s, dst, t->reg);
        } else {
            assert(t->val_type == TEMP_VAL_MEM);
            tcg_out_ld64(s, dst, temp_mem_base(t), temp_slot_offset(s, t));
        }
    }
    kill_dead_inputs(s, op);
    tcg_out_call(s, func);
    if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        /* the helper may have changed any guest register in memory */
        for (int i = 0; i < s->nb_globals; i++) {
            TCGTemp *t = &s->temps[i];
            if (t->kind == TEMP_GLOBAL) {
                temp_free_reg(s, t);
                t->val_type = TEMP_VAL_MEM;
                t->mem_coherent = true;
            }
        }
    }
    if (nb_o) {
        TCGTemp *t = arg_temp(op->args[0]);
        temp_free_reg(s, t);
        temp_assign_reg(s, t, TCG_REG_RAX);
        t->mem_coherent = false;
        if (op->life & 1) {
            temp_dead(s, t);
        }
    }
}

static void reg_alloc_brcond(TCGContext *s, TCGOp *op)
{
    TCGTemp *ta = arg_temp(op->args[0]);
    TCGTemp *tb = arg_temp(op->args[1]);
    TCGCond cond = (TCGCond)op->args[2];
    TCGLabel *l = &s->labels[op->args[3]];
    TCGArgLoc b;
    int64_t cval;

    int ra = temp_load(s, ta, TCG_ALLOCATABLE);
    if (temp_is_const(tb, &cval) && tcg_target_const_ok(op->opc, 1, cval)) {
        b.is_const = true;
        b.val = cval;
    } else {
        b.is_const = false;
        b.reg = temp_load(s, tb, TCG_ALLOCATABLE & ~(1u << ra));
    }
    kill_dead_inputs(s, op);
    save_all(s);   /* stores do not disturb the comparison below */
    tcg_out_brcond(s, cond, ra, b, l);
}

static void record_insn_end(TCGContext *s)
{
    if (s->nb_insns > 0) {
        s->insn_end_off[s->nb_insns - 1] =
            (uint32_t)(s->code_ptr - s->code_buf);
    }
}

int tcg_gen_code(TCGContext *s)
{
    for (int r = 0; r < TCG_NB_REGS; r++) {
        s->reg_to_temp[r] = -1;
    }
    for (int i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];
        if (t->kind == TEMP_GLOBAL) {
            t->val_type = TEMP_VAL_MEM;
            t->mem_coherent = true;
        } else if (t->kind == TEMP_NORMAL || t->kind == TEMP_LOCAL) {
            t->val_type = TEMP_VAL_DEAD;
            t->mem_allocated = false;
            t->mem_coherent = false;
        }
    }
    s->reg_to_temp[TCG_AREG0] = temp_idx(s, s->env);
    s->frame_slots_used = 0;
    s->nb_ldst = 0;
    s->nb_ldst_map = 0;
    s->jmp_insn_offset[0] = s->jmp_insn_offset[1] = 0xffff;
    s->code_ptr = s->code_buf;

    tcg_out_tb_start(s);
    tcg_out_vec_forget(s);
    for (int oi = 0; oi < s->nb_ops; oi++) {
        TCGOp *op = &s->ops[oi];
        /* leave room for the longest single op plus the slow paths */
        if (s->code_ptr + 256 + s->nb_ldst * 96 > s->code_end) {
            return -1;
        }
        if (s->vec_held && op->opc != INDEX_op_vec_op &&
            op->opc != INDEX_op_insn_start) {
            tcg_out_vec_forget(s);
        }
        switch (op->opc) {
        case INDEX_op_insn_start:
            if (op->args[0] == UINT64_MAX) {
                break;          /* an op liveness removed */
            }
            if (!tcg_tuning.regcache) {
                /* -accel tcg,regcache=off: each guest instruction starts
                 * with its guest registers in memory */
                for (int i = 0; i < s->nb_globals; i++) {
                    temp_save(s, &s->temps[i]);
                }
            }
            record_insn_end(s);
            assert(s->nb_insns < TCG_MAX_INSNS);
            s->insn_pc[s->nb_insns++] = op->args[0];
            break;
        case INDEX_op_set_label:
            save_all(s);
            tcg_out_label(s, &s->labels[op->args[0]]);
            break;
        case INDEX_op_br:
            save_all(s);
            tcg_out_br(s, &s->labels[op->args[0]]);
            break;
        case INDEX_op_brcond:
            reg_alloc_brcond(s, op);
            break;
        case INDEX_op_mov:
            reg_alloc_mov(s, op);
            break;
        case INDEX_op_discard:
            temp_dead(s, arg_temp(op->args[0]));
            break;
        case INDEX_op_call:
            reg_alloc_call(s, op);
            break;
        case INDEX_op_goto_tb:
            save_all(s);
            tcg_out_goto_tb(s, (int)op->args[0]);
            break;
        case INDEX_op_exit_tb:
            save_all(s);
            tcg_out_exit_tb(s, (uintptr_t)op->args[0]);
            break;
        case INDEX_op_lookup_goto:
            save_all(s);
            tcg_out_lookup_goto(s);
            break;
        case INDEX_op_goto_ptr: {
            int r = temp_load(s, arg_temp(op->args[0]), TCG_ALLOCATABLE);
            save_all(s);
            tcg_out_goto_ptr(s, r);
            break;
        }
        default:
            reg_alloc_op(s, op);
            break;
        }
    }
    record_insn_end(s);
    tcg_out_tb_finalize(s);
    if (s->code_ptr > s->code_end) {
        return -1;
    }
    return (int)(s->code_ptr - s->code_buf);
}
