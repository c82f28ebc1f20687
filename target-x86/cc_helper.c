/*
 * Lazy condition codes: the translator records the last flag-setting
 * operation (cc_op) and its operands (cc_dst, cc_src, cc_src2); the flags
 * are computed here only when something reads them. Operands are kept
 * zero-extended to the operation's size.
 */
#include "target-x86/helper.h"

static const uint8_t parity_table[256] = {
#define P2(n) n, n ^ CC_P, n ^ CC_P, n
#define P4(n) P2(n), P2(n ^ CC_P), P2(n ^ CC_P), P2(n)
#define P6(n) P4(n), P4(n ^ CC_P), P4(n ^ CC_P), P4(n)
    P6(CC_P), P6(0), P6(0), P6(CC_P)
#undef P2
#undef P4
#undef P6
};

static inline uint32_t parity(uint64_t v)
{
    return parity_table[v & 0xff];
}

/* size index 0..3 -> bits */
static inline int op_bits(int sz)
{
    return 8 << sz;
}

static inline uint64_t size_mask(int sz)
{
    return sz == 3 ? ~0ull : (1ull << op_bits(sz)) - 1;
}

static inline uint64_t sign_bit(int sz)
{
    return 1ull << (op_bits(sz) - 1);
}

static inline __attribute__((always_inline)) uint32_t zs_flags(uint64_t res,
                                                               int sz)
{
    res &= size_mask(sz);
    return (res == 0 ? CC_Z : 0) | ((res & sign_bit(sz)) ? CC_S : 0) |
           parity(res);
}

static int cc_size(uint32_t op, uint32_t base)
{
    return (int)(op - base);
}

uint64_t helper_cc_compute_all(uint64_t dst, uint64_t src, uint64_t src2,
                               uint32_t op)
{
    uint32_t f;
    int sz;
    uint64_t m, a, b, res;

    switch (op) {
    case CC_OP_EFLAGS:
        return src & CC_ALL;
    case CC_OP_CLR:
        return CC_Z | CC_P;
    case CC_OP_ADDB: case CC_OP_ADDW: case CC_OP_ADDL: case CC_OP_ADDQ:
        sz = cc_size(op, CC_OP_ADDB);
        m = size_mask(sz);
        res = dst & m;
        b = src & m;
        a = (res - b) & m;
        f = zs_flags(res, sz);
        f |= res < a ? CC_C : 0;
        f |= ((a ^ b ^ res) & 0x10) ? CC_A : 0;
        f |= (((a ^ res) & (b ^ res)) & sign_bit(sz)) ? CC_O : 0;
        return f;
    case CC_OP_ADCB: case CC_OP_ADCW: case CC_OP_ADCL: case CC_OP_ADCQ:
        sz = cc_size(op, CC_OP_ADCB);
        m = size_mask(sz);
        res = dst & m;
        b = src & m;
        a = (res - b - (src2 & 1)) & m;
        f = zs_flags(res, sz);
        f |= (src2 & 1) ? (res <= a ? CC_C : 0) : (res < a ? CC_C : 0);
        f |= ((a ^ b ^ res) & 0x10) ? CC_A : 0;
        f |= (((a ^ res) & (b ^ res)) & sign_bit(sz)) ? CC_O : 0;
        return f;
    case CC_OP_SUBB: case CC_OP_SUBW: case CC_OP_SUBL: case CC_OP_SUBQ:
        sz = cc_size(op, CC_OP_SUBB);
        m = size_mask(sz);
        res = dst & m;
        b = src & m;
        a = src2 & m;
        f = zs_flags(res, sz);
        f |= a < b ? CC_C : 0;
        f |= ((a ^ b ^ res) & 0x10) ? CC_A : 0;
        f |= (((a ^ b) & (a ^ res)) & sign_bit(sz)) ? CC_O : 0;
        return f;
    case CC_OP_SBBB: case CC_OP_SBBW: case CC_OP_SBBL: case CC_OP_SBBQ:
        sz = cc_size(op, CC_OP_SBBB);
        m = size_mask(sz);
        res = dst & m;
        b = src & m;
        a = (res + b + (src2 & 1)) & m;
        f = zs_flags(res, sz);
        f |= (src2 & 1) ? (a <= b ? CC_C : 0) : (a < b ? CC_C : 0);
        f |= ((a ^ b ^ res) & 0x10) ? CC_A : 0;
        f |= (((a ^ b) & (a ^ res)) & sign_bit(sz)) ? CC_O : 0;
        return f;
    case CC_OP_LOGICB: case CC_OP_LOGICW: case CC_OP_LOGICL: case CC_OP_LOGICQ:
        return zs_flags(dst, cc_size(op, CC_OP_LOGICB));
    case CC_OP_INCB: case CC_OP_INCW: case CC_OP_INCL: case CC_OP_INCQ:
        sz = cc_size(op, CC_OP_INCB);
        res = dst & size_mask(sz);
        a = (res - 1) & size_mask(sz);
        f = zs_flags(res, sz) | (uint32_t)(src & CC_C);
        f |= ((a ^ 1 ^ res) & 0x10) ? CC_A : 0;
        f |= res == sign_bit(sz) ? CC_O : 0;
        return f;
    case CC_OP_DECB: case CC_OP_DECW: case CC_OP_DECL: case CC_OP_DECQ:
        sz = cc_size(op, CC_OP_DECB);
        res = dst & size_mask(sz);
        a = (res + 1) & size_mask(sz);
        f = zs_flags(res, sz) | (uint32_t)(src & CC_C);
        f |= ((a ^ 1 ^ res) & 0x10) ? CC_A : 0;
        f |= res == sign_bit(sz) - 1 ? CC_O : 0;
        return f;
    case CC_OP_SHLB: case CC_OP_SHLW: case CC_OP_SHLL: case CC_OP_SHLQ:
        /* src = value shifted left by count-1: CF is its top bit */
        sz = cc_size(op, CC_OP_SHLB);
        f = zs_flags(dst, sz);
        f |= (src & sign_bit(sz)) ? CC_C : 0;
        /* OF (defined for count 1) = CF xor top bit of the result */
        f |= ((((src ^ dst) & sign_bit(sz)) != 0)) ? CC_O : 0;
        return f;
    case CC_OP_SARB: case CC_OP_SARW: case CC_OP_SARL: case CC_OP_SARQ:
        /* src = value shifted right by count-1: CF is its low bit;
         * OF (count 1) = top bit of the original for SHR, 0 for SAR:
         * both equal result-top xor original-top... kept in src2 */
        sz = cc_size(op, CC_OP_SARB);
        f = zs_flags(dst, sz);
        f |= (src & 1) ? CC_C : 0;
        f |= (src2 & 1) ? CC_O : 0;
        return f;
    case CC_OP_MULB: case CC_OP_MULW: case CC_OP_MULL: case CC_OP_MULQ:
        sz = cc_size(op, CC_OP_MULB);
        f = zs_flags(dst, sz);
        f |= src ? (CC_C | CC_O) : 0;
        return f;
    case CC_OP_LOGICCOB: case CC_OP_LOGICCOW: case CC_OP_LOGICCOL:
    case CC_OP_LOGICCOQ:
        return zs_flags(dst, cc_size(op, CC_OP_LOGICCOB)) |
               (uint32_t)(src & (CC_C | CC_O));
    case CC_OP_BMIB: case CC_OP_BMIW: case CC_OP_BMIL: case CC_OP_BMIQ:
        sz = cc_size(op, CC_OP_BMIB);
        f = zs_flags(dst, sz);
        f |= src ? CC_C : 0;
        return f;
    default:
        return 0;
    }
}

uint64_t helper_cc_compute_c(uint64_t dst, uint64_t src, uint64_t src2,
                             uint32_t op)
{
    return helper_cc_compute_all(dst, src, src2, op) & CC_C;
}

uint64_t cpu_compute_eflags(CPUX86State *env)
{
    return (env->eflags & ~(uint64_t)CC_ALL) |
           helper_cc_compute_all(env->cc_dst, env->cc_src, env->cc_src2,
                                 env->cc_op) | 0x2;
}

void cpu_load_eflags(CPUX86State *env, uint64_t val, uint64_t mask)
{
    uint64_t cur = cpu_compute_eflags(env);
    uint64_t nv = (cur & ~mask) | (val & mask);
    env->cc_src = nv & CC_ALL;
    env->cc_op = CC_OP_EFLAGS;
    env->eflags = (nv & ~(uint64_t)CC_ALL) | 0x2;
    env->df = (nv & DF_MASK) ? -1 : 1;
}

uint64_t helper_read_eflags(CPUX86State *env)
{
    /* VM and RF read as 0 through PUSHF (SDM Vol. 2B PUSHF) */
    return cpu_compute_eflags(env) & ~(uint64_t)(VM_MASK | RF_MASK);
}

void helper_write_eflags(CPUX86State *env, uint64_t val, uint32_t mask)
{
    cpu_load_eflags(env, val, mask);
    x86_update_hflags(env);
}
