/*
 * The IR optimiser: a forward pass that tracks which temps hold known
 * constants within a basic block, folds operations on constants, and
 * simplifies identities (x + 0, x & -1, shifts by 0, ...). Branches whose
 * condition is known become unconditional or disappear.
 */
#include <string.h>

#include "tcg/tcg.h"

typedef struct OptState {
    bool is_const[TCG_MAX_TEMPS];
    int64_t val[TCG_MAX_TEMPS];
    /* bits that may be non-zero (TCG's "z_mask"): lets zero-extensions of
     * values that are already zero-extended become plain moves */
    uint64_t z[TCG_MAX_TEMPS];
    /* copy propagation: a normal temp that holds a copy of another temp
     * (-1: none); uses are rewritten to the source. The copy holds while
     * the source's write count is the one noted with it, so a write ends
     * all copies of a temp at once. */
    int16_t copy_of[TCG_MAX_TEMPS];
    uint32_t copy_gen[TCG_MAX_TEMPS];
    uint32_t writes[TCG_MAX_TEMPS];
} OptState;

static int copy_source(const OptState *st, int t)
{
    int src = st->copy_of[t];
    return src >= 0 && st->copy_gen[t] == st->writes[src] ? src : -1;
}

static TCGTemp *temp_of(uint64_t a)
{
    return (TCGTemp *)(uintptr_t)a;
}

static bool arg_const(TCGContext *s, OptState *st, uint64_t a, int64_t *v)
{
    TCGTemp *t = temp_of(a);
    if (t->kind == TEMP_CONST) {
        *v = t->val;
        return true;
    }
    int i = temp_idx(s, t);
    if (st->is_const[i]) {
        *v = st->val[i];
        return true;
    }
    return false;
}

static void forget_all(TCGContext *s, OptState *st)
{
    memset(st->is_const, 0, sizeof(bool) * (size_t)s->nb_temps);
    memset(st->z, 0xff, sizeof(uint64_t) * (size_t)s->nb_temps);
    memset(st->copy_of, 0xff, sizeof(int16_t) * (size_t)s->nb_temps);
}

/* Temp i is (re)written: copies of it, and its own copy link, end. */
static void forget_copies_of(TCGContext *s, OptState *st, int i)
{
    st->copy_of[i] = -1;
    st->writes[i]++;
}

static void forget_globals(TCGContext *s, OptState *st)
{
    memset(st->is_const, 0, sizeof(bool) * (size_t)s->nb_globals);
    memset(st->z, 0xff, sizeof(uint64_t) * (size_t)s->nb_globals);
    for (int g = 0; g < s->nb_globals; g++) {
        st->writes[g]++;        /* copies of globals end */
    }
}

/* Rewrites the op's inputs that are copies to their sources. */
static void propagate_copies(TCGContext *s, OptState *st, TCGOp *op)
{
    for (int k = op->nb_oargs; k < op->nb_oargs + op->nb_iargs; k++) {
        TCGTemp *t = (TCGTemp *)(uintptr_t)op->args[k];
        if (t->kind == TEMP_NORMAL && copy_source(st, temp_idx(s, t)) >= 0) {
            op->args[k] = (uint64_t)(uintptr_t)
                          &s->temps[copy_source(st, temp_idx(s, t))];
        }
    }
}

/* After an op wrote temp i: a mov into a normal temp starts a copy. */
static void note_write(TCGContext *s, OptState *st, TCGOp *op, int i)
{
    forget_copies_of(s, st, i);
    if (op->opc == INDEX_op_mov && s->temps[i].kind == TEMP_NORMAL) {
        TCGTemp *src = (TCGTemp *)(uintptr_t)op->args[1];
        if (src->kind != TEMP_CONST && src->kind != TEMP_FIXED &&
            src != &s->temps[i]) {
            st->copy_of[i] = (int16_t)temp_idx(s, src);
            st->copy_gen[i] = st->writes[temp_idx(s, src)];
        }
    }
}

static uint64_t z_of(TCGContext *s, OptState *st, uint64_t a)
{
    TCGTemp *t = (TCGTemp *)(uintptr_t)a;
    if (t->kind == TEMP_CONST) {
        return (uint64_t)t->val;
    }
    return st->z[temp_idx(s, t)];
}

/* All bits up to the highest that may be set. */
static uint64_t z_fill(uint64_t z)
{
    return z ? ~0ull >> __builtin_clzll(z) : 0;
}

/* The possibly-non-zero bits of an op's result. */
static uint64_t z_result(TCGContext *s, OptState *st, TCGOp *op)
{
    const uint64_t *a = op->args;
    uint64_t za = op->nb_iargs >= 1 ? z_of(s, st, a[1]) : ~0ull;
    uint64_t zb = op->nb_iargs >= 2 ? z_of(s, st, a[2]) : ~0ull;
    int64_t c;
    switch (op->opc) {
    case INDEX_op_mov:
        return za;
    case INDEX_op_and:
        return za & zb;
    case INDEX_op_or:
    case INDEX_op_xor:
        return za | zb;
    case INDEX_op_add:
        if ((za | zb) >> 62) {
            return ~0ull;
        }
        return z_fill((za | zb) << 1);
    case INDEX_op_shl:
        return arg_const(s, st, a[2], &c) ? za << (c & 63) : ~0ull;
    case INDEX_op_shr:
        return arg_const(s, st, a[2], &c) ? za >> (c & 63) : z_fill(za);
    case INDEX_op_sar:
        if (!(za >> 63)) {
            return arg_const(s, st, a[2], &c) ? za >> (c & 63) : z_fill(za);
        }
        return ~0ull;
    case INDEX_op_ext8u:
    case INDEX_op_ld8u:
        return za & 0xff;
    case INDEX_op_ext16u:
    case INDEX_op_ld16u:
        return za & 0xffff;
    case INDEX_op_ext32u:
    case INDEX_op_ld32u:
        return za & 0xffffffff;
    case INDEX_op_ext8s:
        return (za & 0x80) ? ~0ull : za & 0x7f;
    case INDEX_op_ext16s:
        return (za & 0x8000) ? ~0ull : za & 0x7fff;
    case INDEX_op_ext32s:
        return (za & 0x80000000) ? ~0ull : za & 0x7fffffff;
    case INDEX_op_bswap16:
        return 0xffff;
    case INDEX_op_add32: case INDEX_op_sub32: case INDEX_op_and32:
    case INDEX_op_or32: case INDEX_op_xor32:
    case INDEX_op_bswap32:
    case INDEX_op_rotl32:
    case INDEX_op_rotr32:
        return 0xffffffff;
    case INDEX_op_setcond:
        return 1;
    case INDEX_op_movcond:
        return z_of(s, st, a[3]) | z_of(s, st, a[4]);
    case INDEX_op_deposit: {
        int pos = (int)a[3], len = (int)a[4];
        uint64_t field = len == 64 ? ~0ull : (1ull << len) - 1;
        return (za & ~(field << pos)) | ((zb & field) << pos);
    }
    case INDEX_op_qemu_ld: {
        MemOp mop = (MemOp)(a[2] & 0xff);
        if (mop & MO_SIGN) {
            return ~0ull;
        }
        return (mop & MO_SIZE) == MO_64 ? ~0ull
               : (1ull << (8 << (mop & MO_SIZE))) - 1;
    }
    default:
        return ~0ull;
    }
}

/* ext*u / and-with-mask of a value that has no bits outside the mask */
static bool is_redundant_ext(TCGContext *s, OptState *st, TCGOp *op)
{
    uint64_t mask;
    int64_t c;
    switch (op->opc) {
    case INDEX_op_ext8u: mask = 0xff; break;
    case INDEX_op_ext16u: mask = 0xffff; break;
    case INDEX_op_ext32u: mask = 0xffffffff; break;
    case INDEX_op_and:
        if (!arg_const(s, st, op->args[2], &c)) {
            return false;
        }
        mask = (uint64_t)c;
        break;
    default:
        return false;
    }
    return (z_of(s, st, op->args[1]) & ~mask) == 0;
}

static bool eval_cond(TCGCond c, uint64_t a, uint64_t b)
{
    switch (c) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (int64_t)a < (int64_t)b;
    case TCG_COND_GE: return (int64_t)a >= (int64_t)b;
    case TCG_COND_LE: return (int64_t)a <= (int64_t)b;
    case TCG_COND_GT: return (int64_t)a > (int64_t)b;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    case TCG_COND_TSTNE: return (a & b) != 0;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_NEVER: return false;
    }
    return false;
}

/* Folds op on constants; false if the op is not foldable. */
static bool eval_op(TCGOpcode opc, uint64_t a, uint64_t b, const uint64_t *c,
                    uint64_t *r)
{
    switch (opc) {
    case INDEX_op_add: *r = a + b; return true;
    case INDEX_op_sub: *r = a - b; return true;
    case INDEX_op_and: *r = a & b; return true;
    case INDEX_op_or: *r = a | b; return true;
    case INDEX_op_xor: *r = a ^ b; return true;
    case INDEX_op_mul: *r = a * b; return true;
    case INDEX_op_add32: *r = (uint32_t)(a + b); return true;
    case INDEX_op_sub32: *r = (uint32_t)(a - b); return true;
    case INDEX_op_and32: *r = (uint32_t)(a & b); return true;
    case INDEX_op_or32: *r = (uint32_t)(a | b); return true;
    case INDEX_op_xor32: *r = (uint32_t)(a ^ b); return true;
    case INDEX_op_shl: *r = a << (b & 63); return true;
    case INDEX_op_shr: *r = a >> (b & 63); return true;
    case INDEX_op_sar: *r = (uint64_t)((int64_t)a >> (b & 63)); return true;
    case INDEX_op_rotl:
        b &= 63;
        *r = b ? (a << b) | (a >> (64 - b)) : a;
        return true;
    case INDEX_op_rotr:
        b &= 63;
        *r = b ? (a >> b) | (a << (64 - b)) : a;
        return true;
    case INDEX_op_rotl32:
    case INDEX_op_rotr32: {
        uint32_t x = (uint32_t)a;
        int n = (int)(b & 31);
        if (opc == INDEX_op_rotr32) {
            n = (32 - n) & 31;
        }
        *r = n ? (uint32_t)((x << n) | (x >> (32 - n))) : x;
        return true;
    }
    case INDEX_op_neg: *r = -a; return true;
    case INDEX_op_not: *r = ~a; return true;
    case INDEX_op_ext8s: *r = (uint64_t)(int64_t)(int8_t)a; return true;
    case INDEX_op_ext8u: *r = (uint8_t)a; return true;
    case INDEX_op_ext16s: *r = (uint64_t)(int64_t)(int16_t)a; return true;
    case INDEX_op_ext16u: *r = (uint16_t)a; return true;
    case INDEX_op_ext32s: *r = (uint64_t)(int64_t)(int32_t)a; return true;
    case INDEX_op_ext32u: *r = (uint32_t)a; return true;
    case INDEX_op_bswap16: *r = __builtin_bswap16((uint16_t)a); return true;
    case INDEX_op_bswap32: *r = __builtin_bswap32((uint32_t)a); return true;
    case INDEX_op_bswap64: *r = __builtin_bswap64(a); return true;
    case INDEX_op_deposit: {
        int pos = (int)c[0], len = (int)c[1];
        uint64_t field = len == 64 ? ~0ull : (1ull << len) - 1;
        *r = (a & ~(field << pos)) | ((b & field) << pos);
        return true;
    }
    case INDEX_op_setcond:
        *r = eval_cond((TCGCond)c[0], a, b);
        return true;
    default:
        return false;
    }
}

static bool is_commutative(TCGOpcode opc)
{
    return opc == INDEX_op_add || opc == INDEX_op_and || opc == INDEX_op_or ||
           opc == INDEX_op_xor || opc == INDEX_op_mul;
}

static void make_mov(TCGContext *s, TCGOp *op, uint64_t dst, TCGTemp *src)
{
    op->opc = INDEX_op_mov;
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->args[0] = dst;
    op->args[1] = (uint64_t)(uintptr_t)src;
}

/*
 * 32-bit guest arithmetic comes as the 64-bit op and an ext32u of its
 * result: ext32u(d, add(a, b)) becomes add32(d, a, b), a host 32-bit add
 * that zero-extends itself (the 64-bit add usually dies), and an op32's
 * input that is ext32u(x) reads x (only its low half counts). A def is
 * used while neither it nor its inputs were written again since.
 */
static TCGOpcode op32_of(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_add: return INDEX_op_add32;
    case INDEX_op_sub: return INDEX_op_sub32;
    case INDEX_op_and: return INDEX_op_and32;
    case INDEX_op_or: return INDEX_op_or32;
    case INDEX_op_xor: return INDEX_op_xor32;
    default: return INDEX_op_insn_start;    /* none */
    }
}

static bool is_op32(TCGOpcode opc)
{
    return opc >= INDEX_op_add32 && opc <= INDEX_op_xor32;
}

typedef struct NarrowState {
    int def[TCG_MAX_TEMPS];         /* op that last wrote the temp, -1 */
    uint32_t writes[TCG_MAX_TEMPS];
    uint32_t in_writes[TCG_MAX_TEMPS][2];  /* its inputs' then */
} NarrowState;

/* The op that defined temp t (a normal or global one), if its inputs are
 * unchanged since; else NULL. */
static TCGOp *narrow_def(TCGContext *s, NarrowState *ns, TCGTemp *t)
{
    if (t->kind == TEMP_CONST || t->kind == TEMP_FIXED) {
        return NULL;
    }
    int i = temp_idx(s, t);
    if (ns->def[i] < 0) {
        return NULL;
    }
    TCGOp *d = &s->ops[ns->def[i]];
    for (int k = 0; k < d->nb_iargs && k < 2; k++) {
        TCGTemp *in = temp_of(d->args[d->nb_oargs + k]);
        if (in->kind != TEMP_CONST && in->kind != TEMP_FIXED &&
            ns->writes[temp_idx(s, in)] != ns->in_writes[i][k]) {
            return NULL;
        }
    }
    return d;
}

static void narrow_ext32(TCGContext *s)
{
    static NarrowState ns;

    memset(ns.def, 0xff, sizeof(int) * (size_t)s->nb_temps);
    for (int oi = 0; oi < s->nb_ops; oi++) {
        TCGOp *op = &s->ops[oi];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nb_o = op->nb_oargs;

        if (op->opc == INDEX_op_ext32u) {
            TCGOp *d = narrow_def(s, &ns, temp_of(op->args[1]));
            if (d && op32_of(d->opc) != INDEX_op_insn_start) {
                op->opc = op32_of(d->opc);
                op->nb_iargs = 2;
                op->args[1] = d->args[1];
                op->args[2] = d->args[2];
            }
        }
        if (is_op32(op->opc)) {
            for (int k = 1; k <= 2; k++) {
                TCGOp *d = narrow_def(s, &ns, temp_of(op->args[k]));
                if (d && d->opc == INDEX_op_ext32u) {
                    op->args[k] = d->args[1];
                }
            }
        }
        if (def->flags & TCG_OPF_BB_END) {
            memset(ns.def, 0xff, sizeof(int) * (size_t)s->nb_temps);
            continue;
        }
        if (op->opc == INDEX_op_call) {
            unsigned flags = (unsigned)op->args[nb_o + op->nb_iargs + 1];
            if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
                for (int g = 0; g < s->nb_globals; g++) {
                    ns.writes[g]++;
                    ns.def[g] = -1;
                }
            }
        }
        /* the inputs' write counts before this op's own writes (an
         * output may be an input too) */
        uint32_t in_w[2] = { 0, 0 };
        for (int k = 0; k < op->nb_iargs && k < 2; k++) {
            TCGTemp *in = temp_of(op->args[nb_o + k]);
            if (in->kind != TEMP_CONST && in->kind != TEMP_FIXED) {
                in_w[k] = ns.writes[temp_idx(s, in)];
            }
        }
        for (int k = 0; k < nb_o; k++) {
            int i = temp_idx(s, temp_of(op->args[k]));
            ns.writes[i]++;
            ns.def[i] = -1;
        }
        if (nb_o == 1 && op->opc != INDEX_op_call && op->nb_iargs <= 2) {
            int i = temp_idx(s, temp_of(op->args[0]));
            ns.def[i] = oi;
            ns.in_writes[i][0] = in_w[0];
            ns.in_writes[i][1] = in_w[1];
        }
    }
}

void tcg_optimize(TCGContext *s)
{
    static OptState st;
    forget_all(s, &st);

    for (int oi = 0; oi < s->nb_ops; oi++) {
        TCGOp *op = &s->ops[oi];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        int nb_o = op->nb_oargs, nb_i = op->nb_iargs;
        int64_t a = 0, b = 0;

        if (op->opc != INDEX_op_insn_start && op->opc != INDEX_op_set_label) {
            propagate_copies(s, &st, op);
        }
        if (op->opc == INDEX_op_call) {
            unsigned flags = (unsigned)op->args[nb_o + nb_i + 1];
            if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
                forget_globals(s, &st);
            }
            if (nb_o) {
                int i = temp_idx(s, temp_of(op->args[0]));
                st.is_const[i] = false;
                st.z[i] = ~0ull;
                forget_copies_of(s, &st, i);
            }
            continue;
        }
        if (op->opc == INDEX_op_set_label) {
            forget_all(s, &st);
            continue;
        }
        if (op->opc == INDEX_op_brcond) {
            bool ka = arg_const(s, &st, op->args[0], &a);
            bool kb = arg_const(s, &st, op->args[1], &b);
            if (ka && kb) {
                if (eval_cond((TCGCond)op->args[2], (uint64_t)a, (uint64_t)b)) {
                    uint64_t label = op->args[3];
                    op->opc = INDEX_op_br;
                    op->nb_oargs = op->nb_iargs = 0;
                    op->args[0] = label;
                } else {
                    op->opc = INDEX_op_insn_start;   /* no-op */
                    op->nb_oargs = op->nb_iargs = 0;
                    op->args[0] = UINT64_MAX;
                }
            }
            continue;
        }
        if (def->flags & TCG_OPF_BB_END) {
            memset(st.copy_of, 0xff, sizeof(int16_t) * (size_t)s->nb_temps);
            continue;
        }
        if (nb_o != 1) {
            continue;
        }
        note_write(s, &st, op, temp_idx(s, temp_of(op->args[0])));
        if (op->opc == INDEX_op_discard) {
            int i = temp_idx(s, temp_of(op->args[0]));
            st.is_const[i] = false;
            st.z[i] = ~0ull;
            continue;
        }
        int oidx = temp_idx(s, temp_of(op->args[0]));
        if (is_redundant_ext(s, &st, op)) {
            make_mov(s, op, op->args[0], temp_of(op->args[1]));
        }
        if (op->opc == INDEX_op_mov) {
            st.z[oidx] = z_of(s, &st, op->args[1]);
            if (arg_const(s, &st, op->args[1], &a)) {
                op->args[1] = (uint64_t)(uintptr_t)tcg_constant(s, a);
                st.is_const[oidx] = true;
                st.val[oidx] = a;
            } else {
                st.is_const[oidx] = false;
            }
            continue;
        }
        st.is_const[oidx] = false;
        st.z[oidx] = z_result(s, &st, op);
        if (op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_movcond ||
            (op->opc >= INDEX_op_ld8u && op->opc <= INDEX_op_ld)) {
            continue;
        }
        bool ka = nb_i >= 1 && arg_const(s, &st, op->args[1], &a);
        bool kb = nb_i >= 2 && arg_const(s, &st, op->args[2], &b);
        uint64_t r;
        if (ka && (nb_i == 1 || kb) &&
            eval_op(op->opc, (uint64_t)a, (uint64_t)b, &op->args[1 + nb_i],
                    &r)) {
            make_mov(s, op, op->args[0], tcg_constant(s, (int64_t)r));
            st.z[oidx] = r;
            st.is_const[oidx] = true;
            st.val[oidx] = (int64_t)r;
            continue;
        }
        if (nb_i != 2) {
            continue;
        }
        if (ka && !kb && is_commutative(op->opc)) {
            uint64_t x = op->args[1];
            op->args[1] = op->args[2];
            op->args[2] = x;
            b = a;
            kb = true;
        }
        if (kb) {
            /* make the constant a shared constant temp for the back end */
            op->args[2] = (uint64_t)(uintptr_t)tcg_constant(s, b);
            TCGTemp *x = temp_of(op->args[1]);
            switch (op->opc) {
            case INDEX_op_add: case INDEX_op_sub: case INDEX_op_or:
            case INDEX_op_xor: case INDEX_op_shl: case INDEX_op_shr:
            case INDEX_op_sar: case INDEX_op_rotl: case INDEX_op_rotr:
                if (b == 0) {
                    make_mov(s, op, op->args[0], x);
                }
                break;
            case INDEX_op_and:
                if (b == -1) {
                    make_mov(s, op, op->args[0], x);
                }
                break;
            case INDEX_op_mul:
                if (b == 1) {
                    make_mov(s, op, op->args[0], x);
                }
                break;
            default:
                break;
            }
        }
    }
    narrow_ext32(s);
}
