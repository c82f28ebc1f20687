/*
 * DIV and IDIV (SDM Vol. 2A: #DE on a zero divisor or a quotient that does
 * not fit), and the 64x64->128 multiplies. RIP is stored by the translator
 * before these calls, so #DE needs no unwinding.
 */
#include "target-x86/helper.h"

static void set_reg_part(CPUX86State *env, int reg, uint64_t v, int bits)
{
    if (bits == 32) {
        env->regs[reg] = (uint32_t)v;
    } else {
        uint64_t m = (1ull << bits) - 1;
        env->regs[reg] = (env->regs[reg] & ~m) | (v & m);
    }
}

void helper_divb(CPUX86State *env, uint64_t divisor)
{
    uint8_t d = (uint8_t)divisor;
    uint16_t num = (uint16_t)env->regs[R_EAX];
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    unsigned q = num / d, r = num % d;
    if (q > 0xff) {
        raise_exception(env, EXCP00_DIVZ);
    }
    set_reg_part(env, R_EAX, (uint64_t)(q | (r << 8)), 16);
}

void helper_idivb(CPUX86State *env, uint64_t divisor)
{
    int8_t d = (int8_t)divisor;
    int16_t num = (int16_t)env->regs[R_EAX];
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    int q = num / d, r = num % d;
    if (q != (int8_t)q) {
        raise_exception(env, EXCP00_DIVZ);
    }
    set_reg_part(env, R_EAX, (uint64_t)((q & 0xff) | ((r & 0xff) << 8)), 16);
}

void helper_divw(CPUX86State *env, uint64_t divisor)
{
    uint16_t d = (uint16_t)divisor;
    uint32_t num = (uint32_t)((env->regs[R_EDX] & 0xffff) << 16) |
                   (uint32_t)(env->regs[R_EAX] & 0xffff);
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    uint32_t q = num / d, r = num % d;
    if (q > 0xffff) {
        raise_exception(env, EXCP00_DIVZ);
    }
    set_reg_part(env, R_EAX, q, 16);
    set_reg_part(env, R_EDX, r, 16);
}

void helper_idivw(CPUX86State *env, uint64_t divisor)
{
    int16_t d = (int16_t)divisor;
    int32_t num = (int32_t)(((uint32_t)(env->regs[R_EDX] & 0xffff) << 16) |
                            (uint32_t)(env->regs[R_EAX] & 0xffff));
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    /* in 64 bits: INT32_MIN / -1 would trap on the host */
    int64_t q = (int64_t)num / d, r = (int64_t)num % d;
    if (q != (int16_t)q) {
        raise_exception(env, EXCP00_DIVZ);
    }
    set_reg_part(env, R_EAX, (uint64_t)q, 16);
    set_reg_part(env, R_EDX, (uint64_t)r, 16);
}

void helper_divl(CPUX86State *env, uint64_t divisor)
{
    uint32_t d = (uint32_t)divisor;
    uint64_t num = ((env->regs[R_EDX] & 0xffffffffull) << 32) |
                   (env->regs[R_EAX] & 0xffffffffull);
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    uint64_t q = num / d, r = num % d;
    if (q > 0xffffffffull) {
        raise_exception(env, EXCP00_DIVZ);
    }
    set_reg_part(env, R_EAX, q, 32);
    set_reg_part(env, R_EDX, r, 32);
}

void helper_idivl(CPUX86State *env, uint64_t divisor)
{
    int32_t d = (int32_t)divisor;
    int64_t num = (int64_t)(((env->regs[R_EDX] & 0xffffffffull) << 32) |
                            (env->regs[R_EAX] & 0xffffffffull));
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    if (num == INT64_MIN && d == -1) {
        raise_exception(env, EXCP00_DIVZ);
    }
    int64_t q = num / d, r = num % d;
    if (q != (int32_t)q) {
        raise_exception(env, EXCP00_DIVZ);
    }
    set_reg_part(env, R_EAX, (uint64_t)q, 32);
    set_reg_part(env, R_EDX, (uint64_t)r, 32);
}

void helper_divq(CPUX86State *env, uint64_t d)
{
    unsigned __int128 num = ((unsigned __int128)env->regs[R_EDX] << 64) |
                            env->regs[R_EAX];
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    unsigned __int128 q = num / d;
    if (q >> 64) {
        raise_exception(env, EXCP00_DIVZ);
    }
    env->regs[R_EAX] = (uint64_t)q;
    env->regs[R_EDX] = (uint64_t)(num % d);
}

void helper_idivq(CPUX86State *env, uint64_t divisor)
{
    int64_t d = (int64_t)divisor;
    __int128 num = (__int128)(((unsigned __int128)env->regs[R_EDX] << 64) |
                              env->regs[R_EAX]);
    if (d == 0) {
        raise_exception(env, EXCP00_DIVZ);
    }
    /* the only overflow of the 128-bit division itself */
    if (d == -1 && num == (__int128)((unsigned __int128)1 << 127)) {
        raise_exception(env, EXCP00_DIVZ);
    }
    __int128 q = num / d;
    if (q != (int64_t)q) {
        raise_exception(env, EXCP00_DIVZ);
    }
    env->regs[R_EAX] = (uint64_t)(int64_t)q;
    env->regs[R_EDX] = (uint64_t)(int64_t)(num % d);
}

uint64_t helper_mulq(CPUX86State *env, uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    env->mul_hi = (uint64_t)(r >> 64);
    return (uint64_t)r;
}

uint64_t helper_imulq_overflow(uint64_t a, uint64_t b)
{
    int64_t r;
    return __builtin_mul_overflow((int64_t)a, (int64_t)b, &r);
}

uint64_t helper_imulq(CPUX86State *env, uint64_t a, uint64_t b)
{
    __int128 r = (__int128)(int64_t)a * (int64_t)b;
    env->mul_hi = (uint64_t)((unsigned __int128)r >> 64);
    return (uint64_t)r;
}

/*
 * ROL/ROR/RCL/RCR on a value of 8 << (opsz >> 4) bits; count already masked
 * to 5 or 6 bits; flags in EFLAGS layout. Only CF and OF change, and not at
 * all for a zero count (SDM Vol. 2B RCL/RCR/ROL/ROR). Two pure helpers, the
 * result and the new flags, so that the translator stores the result before
 * any flag changes.
 */
static uint64_t rotate(uint64_t val, uint64_t count, uint32_t op_ot,
                       uint64_t flags, uint64_t *flags_out)
{
    int op = (int)(op_ot & 7);
    int bits = 8 << (op_ot >> 4);
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t cf = flags & CC_C;
    uint64_t res;
    int c;

    val &= mask;
    if (op <= 1) {           /* ROL, ROR */
        if (count == 0) {
            *flags_out = flags;
            return val;
        }
        c = (int)(count % (uint64_t)bits);
        if (op == 0) {
            res = c ? ((val << c) | (val >> (bits - c))) & mask : val;
            cf = res & 1;
            flags = (flags & ~(uint64_t)(CC_C | CC_O)) | cf |
                    ((((res >> (bits - 1)) & 1) ^ cf) ? CC_O : 0);
        } else {
            res = c ? ((val >> c) | (val << (bits - c))) & mask : val;
            cf = (res >> (bits - 1)) & 1;
            flags = (flags & ~(uint64_t)(CC_C | CC_O)) | cf |
                    ((((res >> (bits - 1)) ^ (res >> (bits - 2))) & 1) ? CC_O
                                                                         : 0);
        }
    } else {                 /* RCL, RCR: rotate through CF */
        c = (int)(count % (uint64_t)(bits + 1));
        if (c == 0) {
            *flags_out = flags;
            return val;
        }
        res = val;
        for (int i = 0; i < c; i++) {
            if (op == 2) {
                uint64_t out = (res >> (bits - 1)) & 1;
                res = ((res << 1) | cf) & mask;
                cf = out;
            } else {
                uint64_t out = res & 1;
                res = (res >> 1) | (cf << (bits - 1));
                cf = out;
            }
        }
        uint64_t of;
        if (op == 2) {
            of = ((res >> (bits - 1)) & 1) ^ cf;
        } else {
            of = ((res >> (bits - 1)) ^ (res >> (bits - 2))) & 1;
        }
        flags = (flags & ~(uint64_t)(CC_C | CC_O)) | cf | (of ? CC_O : 0);
    }
    *flags_out = flags;
    return res;
}

uint64_t helper_rotate(uint64_t val, uint64_t count, uint32_t op_ot,
                       uint64_t flags)
{
    uint64_t f;
    return rotate(val, count, op_ot, flags, &f);
}

uint64_t helper_rotate_flags(uint64_t val, uint64_t count, uint32_t op_ot,
                             uint64_t flags)
{
    uint64_t f;
    rotate(val, count, op_ot, flags, &f);
    return f;
}

uint64_t helper_bsf(uint64_t v)
{
    return v ? (uint64_t)__builtin_ctzll(v) : 0;
}

uint64_t helper_bsr(uint64_t v)
{
    return v ? (uint64_t)(63 - __builtin_clzll(v)) : 0;
}

/*
 * SHLD/SHRD (SDM Vol. 2B): shift `val` by count (already masked to 5/6
 * bits), filling from `src`. CF is the last bit shifted out; OF is defined
 * for a count of 1. A count above the operand size leaves an undefined
 * result; for 16-bit operands we shift through the 32-bit concatenation
 * as hardware does. A zero count changes nothing.
 */
static uint64_t shld_shrd(uint64_t val, uint64_t src, uint64_t count,
                          uint32_t right_ot, uint64_t flags_in,
                          uint64_t *flags_out)
{
    int bits = 8 << (right_ot >> 4);
    bool right = right_ot & 1;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    int c = (int)count;
    uint64_t res, cf;

    val &= mask;
    src &= mask;
    if (c == 0) {
        *flags_out = flags_in;
        return val;
    }
    if (bits == 64) {
        if (right) {
            res = (val >> c) | (src << (64 - c));
            cf = (val >> (c - 1)) & 1;
        } else {
            res = (val << c) | (src >> (64 - c));
            cf = (val >> (64 - c)) & 1;
        }
    } else {
        /* the concatenation fits in 64 bits for 16 and 32-bit operands */
        unsigned __int128 cat;
        if (right) {
            cat = ((unsigned __int128)src << bits) | val;
            if (bits == 16) {
                cat |= (unsigned __int128)val << 32;   /* 16-bit: val:src:val */
            }
            res = (uint64_t)(cat >> c) & mask;
            cf = (uint64_t)(cat >> (c - 1)) & 1;
        } else {
            cat = ((unsigned __int128)val << bits) | src;
            if (bits == 16) {
                cat = (cat << 16) | val;
                res = (uint64_t)(cat >> (32 - c)) & mask;
                cf = (uint64_t)(cat >> (48 - c)) & 1;
            } else {
                res = (uint64_t)(cat >> (bits - c)) & mask;
                cf = (uint64_t)(cat >> (2 * bits - c)) & 1;
            }
        }
    }
    uint64_t of = ((res ^ val) >> (bits - 1)) & 1;
    uint64_t flags = helper_cc_compute_all(res, 0, 0, CC_OP_LOGICB +
                                           (uint32_t)(right_ot >> 4));
    *flags_out = (flags_in & CC_A) | (flags & (CC_Z | CC_S | CC_P)) | cf |
                 (of ? CC_O : 0);
    return res;
}

uint64_t helper_popcnt(uint64_t v)
{
    return (uint64_t)__builtin_popcountll(v);
}

/* v is zero-extended from `bits`; a zero source gives the operand size */
uint64_t helper_lzcnt(uint64_t v, uint64_t bits)
{
    return v ? (uint64_t)(__builtin_clzll(v) - (64 - (int)bits)) : bits;
}

uint64_t helper_tzcnt(uint64_t v, uint64_t bits)
{
    return v ? (uint64_t)__builtin_ctzll(v) : bits;
}

/* BZHI: clear the bits from index n up (n >= operand size: keep all) */
uint64_t helper_bzhi(uint64_t v, uint64_t n, uint64_t bits)
{
    return n >= bits ? v : v & ((1ull << n) - 1);
}

/* BEXTR: start in ctl[7:0], length in ctl[15:8] */
uint64_t helper_bextr(uint64_t v, uint64_t ctl, uint64_t bits)
{
    unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff;
    if (start >= bits) {
        return 0;
    }
    v >>= start;
    if (len < 64) {
        v &= (1ull << len) - 1;
    }
    return bits == 64 ? v : v & ((1ull << bits) - 1);
}

uint64_t helper_pdep(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & -mask;
        if (src & bit) {
            r |= low;
        }
        mask &= mask - 1;
    }
    return r;
}

uint64_t helper_pext(uint64_t src, uint64_t mask)
{
    uint64_t r = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & -mask;
        if (src & low) {
            r |= bit;
        }
        mask &= mask - 1;
    }
    return r;
}

uint64_t helper_shld_shrd(uint64_t val, uint64_t src, uint64_t count,
                          uint32_t right_ot, uint64_t flags)
{
    uint64_t f;
    return shld_shrd(val, src, count, right_ot, flags, &f);
}

uint64_t helper_shld_shrd_flags(uint64_t val, uint64_t src, uint64_t count,
                                uint32_t right_ot, uint64_t flags)
{
    uint64_t f;
    shld_shrd(val, src, count, right_ot, flags, &f);
    return f;
}

static uint64_t szp_flags(uint8_t v)
{
    return helper_cc_compute_all(v, 0, 0, CC_OP_LOGICB) & (CC_S | CC_Z | CC_P);
}

/*
 * DAA, DAS, AAA, AAS, AAM, AAD (SDM Vol. 2A), on AL/AH with the flags in
 * cc_src (the translator materialised them). Flags the SDM leaves
 * undefined are computed as by the pseudo-code's last step or cleared.
 */
void helper_bcd(CPUX86State *env, uint32_t opcode, uint32_t imm)
{
    uint64_t f = env->cc_src;
    uint8_t al = (uint8_t)env->regs[R_EAX];
    uint8_t ah = (uint8_t)(env->regs[R_EAX] >> 8);
    bool af = f & CC_A, cf = f & CC_C;

    switch (opcode) {
    case 0x27:   /* DAA */
    case 0x2f: { /* DAS */
        bool sub = opcode == 0x2f;
        uint8_t old_al = al;
        bool old_cf = cf;
        cf = false;
        if ((al & 0xf) > 9 || af) {
            cf = old_cf || (sub ? al < 6 : al > 0xf9);
            al = (uint8_t)(sub ? al - 6 : al + 6);
            af = true;
        } else {
            af = false;
        }
        if (old_al > 0x99 || old_cf) {
            al = (uint8_t)(sub ? al - 0x60 : al + 0x60);
            cf = true;
        }
        f = szp_flags(al) | (af ? CC_A : 0) | (cf ? CC_C : 0);
        env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffull) | al;
        break;
    }
    case 0x37:   /* AAA */
    case 0x3f: { /* AAS */
        uint16_t ax = (uint16_t)env->regs[R_EAX];
        if ((al & 0xf) > 9 || af) {
            ax = (uint16_t)(opcode == 0x37 ? ax + 0x106 : ax - 6);
            if (opcode == 0x3f) {
                ax = (uint16_t)(ax - 0x100);
            }
            af = cf = true;
        } else {
            af = cf = false;
        }
        ax &= 0xff0f;
        f = szp_flags((uint8_t)ax) | (af ? CC_A : 0) | (cf ? CC_C : 0);
        env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffffull) | ax;
        break;
    }
    case 0xd4:   /* AAM imm8 */
        if (imm == 0) {
            raise_exception(env, EXCP00_DIVZ);
        }
        ah = (uint8_t)(al / imm);
        al = (uint8_t)(al % imm);
        f = szp_flags(al);
        env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffffull) | al |
                           ((uint64_t)ah << 8);
        break;
    case 0xd5:   /* AAD imm8 */
        al = (uint8_t)(al + ah * imm);
        f = szp_flags(al);
        env->regs[R_EAX] = (env->regs[R_EAX] & ~0xffffull) | al;
        break;
    }
    env->cc_src = f;
    env->cc_op = CC_OP_EFLAGS;
}

void helper_bound(CPUX86State *env, uint64_t idx, uint64_t lo, uint64_t hi)
{
    if ((int64_t)idx < (int64_t)lo || (int64_t)idx > (int64_t)hi) {
        raise_exception(env, EXCP05_BOUND);
    }
}
