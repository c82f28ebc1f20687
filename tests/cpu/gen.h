/*
 * Building test cases: a small x86-64 encoder and one emitter per
 * instruction form. Each emitter records the instruction's boundary and what
 * it does to the arithmetic flags (which it reads, which it leaves defined,
 * which it leaves undefined), so that generated sequences never depend on an
 * undefined flag and the final comparison ignores the undefined ones.
 */
#ifndef TESTS_CPU_GEN_H
#define TESTS_CPU_GEN_H

#include "cputest.h"

/* Byte registers AH, CH, DH, BH: encodings 4-7 with no REX prefix. */
#define REG_AH 20
#define REG_CH 21
#define REG_DH 22
#define REG_BH 23
#define BASE_NONE (-1)
#define BASE_RIP  16

typedef struct Opnd {
    bool mem;
    int8_t reg;         /* register operand */
    int8_t base;        /* BASE_NONE, 0-15, BASE_RIP */
    int8_t index;       /* -1: none */
    uint8_t scale;      /* 1, 2, 4, 8 */
    bool addr32;        /* 0x67 prefix */
    uint8_t dispsz;     /* 0: smallest; 1 or 4: forced */
    int32_t disp;
    uint64_t target;    /* BASE_RIP: the address meant */
} Opnd;

static inline Opnd R(int r)
{
    Opnd o = { .mem = false, .reg = (int8_t)r };
    return o;
}

static inline Opnd M(int base, int index, int scale, int32_t disp)
{
    Opnd o = { .mem = true, .base = (int8_t)base, .index = (int8_t)index,
               .scale = (uint8_t)scale, .disp = disp };
    return o;
}

static inline Opnd MRIP(uint64_t target)
{
    Opnd o = { .mem = true, .base = BASE_RIP, .index = -1, .scale = 1,
               .target = target };
    return o;
}

typedef struct Insn {
    uint8_t pfx[3];     /* legacy prefixes (F0, F2, F3, segment) */
    uint8_t npfx;
    uint8_t mpfx;       /* mandatory prefix (66, F2, F3), 0: none; emitted
                           last, after 0x67 and the operand-size 0x66 */
    uint8_t osize;      /* 16: 0x66; 64: REX.W unless d64 */
    bool d64;           /* 64-bit by default (push, pop, ...) */
    bool byteop;        /* reg and rm name byte registers */
    bool reg_is_gpr;    /* the reg field names a register (not /digit) */
    uint8_t opc[3];
    uint8_t nopc;
    int8_t plusr;       /* register in the opcode's low bits, or -1 */
    bool modrm;
    int8_t reg;         /* reg field: register or /digit */
    Opnd rm;
    uint8_t immsz;      /* bytes */
    uint64_t imm;
    uint8_t imm2sz;
    uint64_t imm2;
    /* VEX (always the 3-byte C4 form): replaces the 0x66 and REX prefixes;
     * opc[0] is the opcode byte in map vmap (1: 0F, 2: 0F38, 3: 0F3A),
     * vpp the implied prefix (0 none, 1 66, 2 F3, 3 F2), vvvv a register
     * (encoded inverted: 0 gives 1111b) */
    bool vex;
    bool vw, vl;
    uint8_t vmap, vpp;
    int8_t vvvv;
} Insn;

typedef struct Builder {
    TestCase *tc;
    uint16_t undef;     /* flags undefined at this point */
    bool bad;           /* an impossible encoding or no room */
    bool lock;          /* next instruction gets a LOCK prefix */
    uint8_t seg;        /* next instruction gets this segment prefix */
    uint16_t reads;     /* flags read by the instructions since b_mark */
} Builder;

void b_init(Builder *b, TestCase *tc);
/* Emits one instruction; false (and b->bad) if it cannot be encoded. */
bool b_emit(Builder *b, const Insn *in);
void b_bytes(Builder *b, const uint8_t *p, int n);
/* Marks the start of an instruction (done by the emitters). */
void b_start(Builder *b);
/* Closes the current instruction: flags it reads, leaves defined, leaves
 * undefined. */
void b_flags(Builder *b, uint16_t reads, uint16_t wdef, uint16_t wundef);
/* Appends int3 and closes the test. */
void b_finish(Builder *b);
/* Current code offset */
static inline int b_pos(Builder *b)
{
    return (int)b->tc->code_len;
}

/* ----- emitters (sz in bits: 8, 16, 32, 64) ----- */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
extern const char *const alu_names[8];

void g_alu_rm_r(Builder *b, int op, int sz, Opnd rm, int reg);
void g_alu_r_rm(Builder *b, int op, int sz, int reg, Opnd rm);
void g_alu_acc_imm(Builder *b, int op, int sz, uint64_t imm);
void g_alu_rm_imm(Builder *b, int op, int sz, Opnd rm, uint64_t imm);
void g_alu_rm_imm8(Builder *b, int op, int sz, Opnd rm, uint64_t imm);
void g_test_rm_r(Builder *b, int sz, Opnd rm, int reg);
void g_test_acc_imm(Builder *b, int sz, uint64_t imm);
void g_test_rm_imm(Builder *b, int sz, Opnd rm, uint64_t imm);

/* group 3: 2 not, 3 neg, 4 mul, 5 imul, 6 div, 7 idiv */
void g_grp3(Builder *b, int ext, int sz, Opnd rm);
void g_incdec(Builder *b, bool dec, int sz, Opnd rm);
void g_imul_r_rm(Builder *b, int sz, int reg, Opnd rm);
void g_imul_r_rm_imm(Builder *b, int sz, int reg, Opnd rm, uint64_t imm,
                     bool imm8);

/* shifts: ext 0 rol 1 ror 2 rcl 3 rcr 4 shl 5 shr 7 sar;
 * form 0: by 1 (D0/D1), 1: by imm8 (C0/C1), 2: by CL (D2/D3).
 * known: the count when the generator knows it (CL), else -1. */
enum { SH_BY1, SH_IMM, SH_CL };
extern const char *const shift_names[8];
void g_shift(Builder *b, int ext, int sz, Opnd rm, int form, uint8_t imm,
             int known);
void g_shxd(Builder *b, bool right, int sz, Opnd rm, int reg, bool cl,
            uint8_t imm, int known);
/* op 0 bt 1 bts 2 btr 3 btc */
extern const char *const bt_names[4];
void g_bt_r(Builder *b, int op, int sz, Opnd rm, int reg);
void g_bt_imm(Builder *b, int op, int sz, Opnd rm, uint8_t imm);
void g_bsx(Builder *b, bool bsr, int sz, int reg, Opnd rm);
void g_bswap(Builder *b, int sz, int reg);
/* F3 0F B8/BC/BD: op 0 popcnt, 1 tzcnt, 2 lzcnt (sz 16, 32, 64) */
enum { BC_POPCNT, BC_TZCNT, BC_LZCNT };
extern const char *const bitcnt_names[3];
void g_bitcnt(Builder *b, int op, int sz, int reg, Opnd rm);
/* 0F 38 F0 (load: movbe reg, m) / F1 (store: movbe m, reg) */
void g_movbe(Builder *b, bool store, int sz, int reg, Opnd rm);
/* 66 0F 38 F6 adcx / F3 0F 38 F6 adox reg, r/m (sz 32, 64) */
void g_adx(Builder *b, bool adox, int sz, int reg, Opnd rm);

/*
 * BMI1/BMI2 (VEX, sz 32: W0, 64: W1). Operands in Intel's order:
 *   andn   r, v, rm     r = ~v & rm
 *   blsr/blsmsk/blsi    v, rm (r unused: the /digit)
 *   bextr  r, rm, v     v: start (7:0), length (15:8)
 *   bzhi   r, rm, v     v: index (7:0)
 *   pdep/pext r, v, rm  rm: the mask
 *   mulx   r, v, rm     r:v = rDX * rm (r the high half)
 *   sarx/shlx/shrx r, rm, v
 *   rorx   r, rm, imm   (v unused: 1111b)
 */
enum { BMI_ANDN, BMI_BLSR, BMI_BLSMSK, BMI_BLSI, BMI_BEXTR, BMI_BZHI,
       BMI_PDEP, BMI_PEXT, BMI_MULX, BMI_SARX, BMI_SHLX, BMI_SHRX, BMI_RORX,
       BMI_NB };
extern const char *const bmi_names[BMI_NB];
void g_bmi(Builder *b, int op, int sz, int r, int v, Opnd rm, uint8_t imm);
/* Any VEX instruction (g_bmi goes through it); reg: the ModRM.reg field
 * (a register or /digit), vvvv: a register (0 encodes 1111b) */
void g_vex(Builder *b, int map, int pp, bool w, bool l, int vvvv,
           uint8_t opc, int reg, Opnd rm, int immsz, uint8_t imm,
           uint16_t reads, uint16_t wdef, uint16_t wundef);

void g_xchg(Builder *b, int sz, Opnd rm, int reg);
void g_xchg_acc(Builder *b, int sz, int reg);   /* 90+r */
void g_xadd(Builder *b, int sz, Opnd rm, int reg);
void g_cmpxchg(Builder *b, int sz, Opnd rm, int reg);
void g_cmpxchg8b(Builder *b, bool is16b, Opnd m);

void g_movx(Builder *b, bool sign, int dsz, int ssz, int reg, Opnd rm);
void g_movsxd(Builder *b, int sz, int reg, Opnd rm);
void g_mov_rm_r(Builder *b, int sz, Opnd rm, int reg);
void g_mov_r_rm(Builder *b, int sz, int reg, Opnd rm);
void g_mov_rm_imm(Builder *b, int sz, Opnd rm, uint64_t imm);
void g_mov_r_imm(Builder *b, int sz, int reg, uint64_t imm); /* B0/B8 */
void g_mov_moffs(Builder *b, int sz, bool store, uint64_t addr);
void g_cbw(Builder *b, int sz);   /* 98: cbw/cwde/cdqe by sz 16/32/64 */
void g_cwd(Builder *b, int sz);   /* 99: cwd/cdq/cqo */
void g_lea(Builder *b, int sz, int reg, Opnd m);

extern const char *const cc_names[16];
/* Flags condition cc reads */
uint16_t cc_reads(int cc);
void g_setcc(Builder *b, int cc, Opnd rm);
void g_cmovcc(Builder *b, int cc, int sz, int reg, Opnd rm);
/* rel from the end of the jump; long: 0F 8x rel32 */
void g_jcc(Builder *b, int cc, int32_t rel, bool islong);
void g_jmp(Builder *b, int32_t rel, bool islong);
void g_jmp_rm(Builder *b, Opnd rm);
/* E0 loopne, E1 loope, E2 loop, E3 jrcxz; addr32: ECX */
void g_loop(Builder *b, int kind, int8_t rel, bool addr32);

void g_push_r(Builder *b, int sz, int reg);     /* 50+r (sz 16/64) */
void g_pop_r(Builder *b, int sz, int reg);
void g_push_rm(Builder *b, int sz, Opnd rm);    /* FF /6 */
void g_pop_rm(Builder *b, int sz, Opnd rm);     /* 8F /0 */
void g_push_imm(Builder *b, int sz, uint64_t imm, bool imm8);
void g_call_rel(Builder *b, int32_t rel);
void g_call_rm(Builder *b, Opnd rm);
void g_ret(Builder *b, int imm16);              /* -1: plain C3 */
void g_enter(Builder *b, int sz, uint16_t size, uint8_t level);
void g_leave(Builder *b, int sz);

/* string ops: kind 0 movs 1 cmps 2 stos 3 lods 4 scas;
 * rep 0 none, 0xF3, 0xF2. known_rcx: -1 when not known */
enum { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };
extern const char *const str_names[5];
void g_string(Builder *b, int kind, int sz, int rep, bool addr32,
              int64_t known_rcx);

/* one-byte flag instructions: F8 clc F9 stc F5 cmc FC cld FD std
 * 9E sahf 9F lahf 9C pushf 9D popf (sz 16 adds 0x66) */
void g_flagop(Builder *b, uint8_t opc, int sz);
void g_xlat(Builder *b);
void g_nop(Builder *b, int kind);
void g_int3(Builder *b);

/* Register operand names for reports */
const char *reg_name(int reg, int sz);

#endif
