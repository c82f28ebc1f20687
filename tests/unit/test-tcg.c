/*
 * The TCG IR (tcg/): the builder and its -d op dump, the optimiser, liveness,
 * and the x86-64 back end end to end. Generated code runs on a small env of
 * our own and its results are compared with C: directed cases for every op
 * and operand shape, then a seeded random differential test against a
 * reference interpreter. Guest memory ops (qemu_ld/st) need the CPU's TLB and
 * are left to the CPU tests.
 *
 * The random test takes BT86_TCG_SEED and BT86_TCG_BLOCKS from the
 * environment, so a failure can be replayed or the search widened.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

#include <glib.h>

#include "softmmu/disas.h"
#include "tcg/tcg.h"
#include "tcg/tuning.h"

#define NG 20            /* more globals than the 12 allocatable registers */
#define SCRATCH 64
#define NOUT 512

typedef struct TestEnv {
    int32_t exit_request;
    uint32_t pad;
    uint64_t g[NG];
    uint8_t scratch[SCRATCH];
    uint64_t out[NOUT];
} TestEnv;

#define G_OFF(i) ((int)(offsetof(TestEnv, g) + 8 * (size_t)(i)))
#define OUT_OFF(k) ((int)(offsetof(TestEnv, out) + 8 * (size_t)(k)))
#define SCR_OFF ((int)offsetof(TestEnv, scratch))

/* Exit values carry tb | 3 for an exit request: keep the low bits clear. */
#define FAKE_TB ((uintptr_t)0x7f1234560000ull)
#define CODE_SIZE (1u << 20)

static const char *const gnames[NG] = {
    "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9",
    "g10", "g11", "g12", "g13", "g14", "g15", "g16", "g17", "g18", "g19",
};

static uint8_t *code_buf;
static TCGContext *ctx;
static TCGv G[NG];
static TestEnv *env;

/* A fresh context per test, so that no test depends on another's state. */
static TCGContext *ctx_init(void)
{
    tcg_context_init(ctx);
    for (int i = 0; i < NG; i++) {
        G[i] = tcg_global_mem_new(ctx, G_OFF(i), gnames[i]);
    }
    memset(&tcg_tlb_layout, 0, sizeof(tcg_tlb_layout));
    tcg_tlb_layout.exit_request_off = (int)offsetof(TestEnv, exit_request);
    tcg_prologue_init(ctx, code_buf, 256);
    memset(env, 0, sizeof(*env));
    return ctx;
}

static int gen_block(TCGContext *s, bool optimize)
{
    if (optimize) {
        tcg_optimize(s);
    }
    tcg_liveness(s);
    s->code_buf = code_buf + 256;
    s->code_end = code_buf + CODE_SIZE;
    s->tb_ptr = FAKE_TB;
    return tcg_gen_code(s);
}

/*
 * Generated code that loops forever (a lost loop counter, a bad branch) is
 * stopped by a timer and reported like any other wrong result.
 */
static sigjmp_buf exec_jmp;
static volatile sig_atomic_t exec_armed;

static void on_alarm(int sig)
{
    if (exec_armed) {
        exec_armed = 0;
        siglongjmp(exec_jmp, 1);
    }
}

static bool exec_guarded(TCGContext *s, const void *code, uintptr_t *ret)
{
    /* CPU time, not wall time, so that a loaded machine does not trip it */
    struct itimerval on = { .it_value = { .tv_sec = 0, .tv_usec = 20000 } };
    struct itimerval off = { { 0, 0 }, { 0, 0 } };

    if (sigsetjmp(exec_jmp, 1)) {
        return false;
    }
    exec_armed = 1;
    setitimer(ITIMER_VIRTUAL, &on, NULL);
    *ret = tcg_qemu_tb_exec(s, env, code);
    exec_armed = 0;
    setitimer(ITIMER_VIRTUAL, &off, NULL);
    return true;
}

static uintptr_t gen_run(TCGContext *s, bool optimize)
{
    uintptr_t ret = 0;
    int size = gen_block(s, optimize);
    g_assert_cmpint(size, >, 0);
    if (!exec_guarded(s, s->code_buf, &ret)) {
        g_test_message("generated code did not finish");
        g_assert_not_reached();
    }
    return ret;
}

/* The op dump with runs of spaces squeezed, so checks ignore column widths. */
static char *dump_string(TCGContext *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tcg_dump_ops(s, f);
    fclose(f);
    char *w = buf;
    for (const char *r = buf; *r; r++) {
        if (*r == ' ' && (w == buf || w[-1] == ' ' || w[-1] == '\n')) {
            continue;
        }
        *w++ = *r;
    }
    *w = 0;
    return buf;
}

static bool op_removed(const TCGOp *op)
{
    return op->opc == INDEX_op_insn_start && op->args[0] == UINT64_MAX;
}

static TCGTemp *arg_temp(uint64_t a)
{
    return (TCGTemp *)(uintptr_t)a;
}

/* Reference semantics, written from tcg-opc.h's comments. */

static const TCGCond cmp_conds[] = {
    TCG_COND_EQ, TCG_COND_NE, TCG_COND_LT, TCG_COND_GE, TCG_COND_LE,
    TCG_COND_GT, TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,
    TCG_COND_TSTEQ, TCG_COND_TSTNE,
};
#define NCMP ((int)G_N_ELEMENTS(cmp_conds))

static const char *cname(TCGCond c)
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

static bool ref_cond(TCGCond c, uint64_t a, uint64_t b)
{
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    switch (c) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    case TCG_COND_TSTNE: return (a & b) != 0;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_NEVER: return false;
    }
    g_assert_not_reached();
}

static uint64_t ref_bswap(uint64_t v, int bytes)
{
    uint64_t r = 0;
    for (int i = 0; i < bytes; i++) {
        r = r << 8 | ((v >> (8 * i)) & 0xff);
    }
    return r;
}

/* v: inputs in order; k: constant args (cond, or deposit's pos and len). */
static uint64_t ref_alu(TCGOpcode opc, const uint64_t *v, int64_t k0,
                        int64_t k1)
{
    uint64_t a = v[0], b = v[1];
    unsigned n = (unsigned)(b & 63);
    switch (opc) {
    case INDEX_op_mov: return a;
    case INDEX_op_add: return a + b;
    case INDEX_op_sub: return a - b;
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_mul: return a * b;
    case INDEX_op_add32: return (uint32_t)(a + b);
    case INDEX_op_sub32: return (uint32_t)(a - b);
    case INDEX_op_and32: return (uint32_t)(a & b);
    case INDEX_op_or32: return (uint32_t)(a | b);
    case INDEX_op_xor32: return (uint32_t)(a ^ b);
    case INDEX_op_shl: return a << n;
    case INDEX_op_shr: return a >> n;
    case INDEX_op_sar: return (uint64_t)((int64_t)a >> n);
    case INDEX_op_rotl: return n ? (a << n) | (a >> (64 - n)) : a;
    case INDEX_op_rotr: return n ? (a >> n) | (a << (64 - n)) : a;
    case INDEX_op_neg: return 0 - a;
    case INDEX_op_not: return ~a;
    case INDEX_op_ext8s: return (uint64_t)(int64_t)(int8_t)a;
    case INDEX_op_ext8u: return a & 0xff;
    case INDEX_op_ext16s: return (uint64_t)(int64_t)(int16_t)a;
    case INDEX_op_ext16u: return a & 0xffff;
    case INDEX_op_ext32s: return (uint64_t)(int64_t)(int32_t)a;
    case INDEX_op_ext32u: return a & 0xffffffffu;
    case INDEX_op_bswap16: return ref_bswap(a, 2);
    case INDEX_op_bswap32: return ref_bswap(a, 4);
    case INDEX_op_bswap64: return ref_bswap(a, 8);
    case INDEX_op_deposit: {
        uint64_t field = k1 == 64 ? ~0ull : (1ull << k1) - 1;
        return (a & ~(field << k0)) | ((b & field) << k0);
    }
    case INDEX_op_setcond: return ref_cond((TCGCond)k0, a, b);
    case INDEX_op_movcond: return ref_cond((TCGCond)k0, a, b) ? v[2] : v[3];
    default:
        g_assert_not_reached();
    }
}

/* The reference itself, against values worked out by hand. */
static void test_reference(void)
{
    uint64_t v[4] = { 0x1234567890abcdefull, 0 };
    g_assert_cmphex(ref_alu(INDEX_op_bswap16, v, 0, 0), ==, 0xefcd);
    g_assert_cmphex(ref_alu(INDEX_op_bswap32, v, 0, 0), ==, 0xefcdab90);
    g_assert_cmphex(ref_alu(INDEX_op_bswap64, v, 0, 0), ==,
                    0xefcdab9078563412ull);
    v[0] = 0x180;
    g_assert_cmphex(ref_alu(INDEX_op_ext8s, v, 0, 0), ==,
                    0xffffffffffffff80ull);
    g_assert_cmphex(ref_alu(INDEX_op_ext8u, v, 0, 0), ==, 0x80);
    v[0] = 0x8000;
    g_assert_cmphex(ref_alu(INDEX_op_ext16s, v, 0, 0), ==,
                    0xffffffffffff8000ull);
    v[0] = 0x180000000ull;
    g_assert_cmphex(ref_alu(INDEX_op_ext32s, v, 0, 0), ==,
                    0xffffffff80000000ull);
    g_assert_cmphex(ref_alu(INDEX_op_ext32u, v, 0, 0), ==, 0x80000000);
    v[0] = 0x8000000000000001ull, v[1] = 65;
    g_assert_cmphex(ref_alu(INDEX_op_rotl, v, 0, 0), ==, 3);
    g_assert_cmphex(ref_alu(INDEX_op_rotr, v, 0, 0), ==, 0xc000000000000000ull);
    g_assert_cmphex(ref_alu(INDEX_op_shl, v, 0, 0), ==, 2);
    g_assert_cmphex(ref_alu(INDEX_op_sar, v, 0, 0), ==, 0xc000000000000000ull);
    v[1] = 64;   /* counts are taken mod 64 */
    g_assert_cmphex(ref_alu(INDEX_op_shr, v, 0, 0), ==, 0x8000000000000001ull);
    v[0] = 0xffffffff, v[1] = 0xffffffff;
    g_assert_cmphex(ref_alu(INDEX_op_mul, v, 0, 0), ==, 0xfffffffe00000001ull);
    v[0] = 0x1111111111111111ull, v[1] = 0xabcd;
    g_assert_cmphex(ref_alu(INDEX_op_deposit, v, 8, 12), ==,
                    0x11111111111bcd11ull);
    g_assert_cmphex(ref_alu(INDEX_op_deposit, v, 0, 64), ==, 0xabcd);
    g_assert_true(ref_cond(TCG_COND_LT, (uint64_t)-1, 0));
    g_assert_false(ref_cond(TCG_COND_LTU, (uint64_t)-1, 0));
    g_assert_true(ref_cond(TCG_COND_TSTNE, 0x30, 0x10));
    g_assert_true(ref_cond(TCG_COND_TSTEQ, 0x30, 0x0f));
}

/* Helpers called from generated code */

/* Counts helper calls made with rsp+8 not 16-aligned, against the ABI. */
static int misaligned_calls;

/*
 * A macro, not a function: GCC may call a static function with a misaligned
 * stack when it can see the callee does not care, so the check must look at
 * the helper's own frame (rbp = entry rsp - 8, 16-aligned under the ABI).
 */
#define check_call_frame()                                                    \
    do {                                                                      \
        if ((uintptr_t)__builtin_frame_address(0) & 15) {                     \
            misaligned_calls++;                                               \
        }                                                                     \
    } while (0)

/* Trash every caller-saved register, as any C callee may. */
static inline void clobber_caller_saved(void)
{
    __asm__ volatile("movabs $0xdead0000dead0001, %%rax\n\t"
                     "mov %%rax, %%rcx\n\t"
                     "mov %%rax, %%rdx\n\t"
                     "mov %%rax, %%rsi\n\t"
                     "mov %%rax, %%rdi\n\t"
                     "mov %%rax, %%r8\n\t"
                     "mov %%rax, %%r9\n\t"
                     "mov %%rax, %%r10\n\t"
                     "mov %%rax, %%r11\n\t"
                     ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
                     "r11", "cc", "memory");
}

static uint64_t model_pure4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return (a * 0x9e3779b97f4a7c15ull) ^ (b + 0x1234567) ^
           ((c << 13) | (c >> 51)) ^ ~d;
}

static uint64_t model_pure6(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                            uint64_t e, uint64_t f)
{
    return model_pure4(a, b, c, d) * 3 + (e ^ (f >> 7)) - f;
}

/* Reads g[ENV_HR] and writes g[ENV_HW]: needs globals synced and reloaded. */
enum { ENV_HR = 3, ENV_HW = 17 };

static uint64_t model_env3(uint64_t *g, uint64_t a, uint64_t b)
{
    uint64_t r = g[ENV_HR] * 3 + a;
    g[ENV_HW] = b ^ 0x5555;
    return r;
}

static __attribute__((noinline)) uint64_t helper_pure4(uint64_t a, uint64_t b,
                                                      uint64_t c, uint64_t d)
{
    check_call_frame();
    clobber_caller_saved();
    return model_pure4(a, b, c, d);
}

static __attribute__((noinline)) uint64_t helper_pure6(uint64_t a, uint64_t b,
                                                      uint64_t c, uint64_t d,
                                                      uint64_t e, uint64_t f)
{
    check_call_frame();
    clobber_caller_saved();
    return model_pure6(a, b, c, d, e, f);
}

static __attribute__((noinline)) uint64_t helper_env3(TestEnv *e, uint64_t a,
                                                     uint64_t b)
{
    check_call_frame();
    clobber_caller_saved();
    return model_env3(e->g, a, b);
}

/* 1. Builder and dump */

static void test_builder_dump(void)
{
    TCGContext *s = ctx_init();
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x1000);
    TCGv t = tcg_temp_new(s);
    tcg_gen_add(s, t, G[0], G[1]);
    tcg_gen_xori(s, G[2], t, 0x1234);
    TCGLabel *l = gen_new_label(s);
    tcg_gen_brcondi(s, TCG_COND_LTU, G[3], -1, l);
    TCGv u = tcg_temp_new(s);
    tcg_gen_ld(s, INDEX_op_ld32s, u, s->env, 0x18);
    tcg_gen_st(s, INDEX_op_st16, u, s->env, 0x20);
    tcg_gen_set_label(s, l);
    tcg_gen_setcond(s, TCG_COND_TSTNE, G[4], G[5], G[6]);
    tcg_gen_movcond(s, TCG_COND_GE, G[7], G[8], G[9], G[10], G[11]);
    tcg_gen_deposit(s, G[12], G[12], G[13], 8, 16);
    tcg_gen_mov(s, G[14], G[14]);      /* a self-move emits nothing */
    tcg_gen_addi(s, G[15], G[16], 0);  /* nor does adding 0: just a mov */
    tcg_gen_exit_tb(s, 0x40);

    g_assert_cmpint(s->nb_ops, ==, 12);
    TCGOp *op = &s->ops[1];
    g_assert_cmpint(op->opc, ==, INDEX_op_add);
    g_assert_cmpint(op->nb_oargs, ==, 1);
    g_assert_cmpint(op->nb_iargs, ==, 2);
    g_assert_true(arg_temp(op->args[0]) == t);
    g_assert_true(arg_temp(op->args[1]) == G[0]);
    g_assert_cmpint(s->ops[10].opc, ==, INDEX_op_mov);
    g_assert_cmpint(t->kind, ==, TEMP_NORMAL);
    g_assert_cmpint(G[0]->kind, ==, TEMP_GLOBAL);
    g_assert_cmpint(G[0]->mem_offset, ==, G_OFF(0));

    int tn = temp_idx(s, t) - s->nb_globals;
    int un = temp_idx(s, u) - s->nb_globals;
    char *d = dump_string(s);
    char *want[] = {
        g_strdup("---- 0000000000001000\n"),
        g_strdup_printf("add tmp%d,g0,g1\n", tn),
        g_strdup_printf("xor g2,tmp%d,$0x1234\n", tn),
        g_strdup("brcond g3,$0xffffffffffffffff,ltu,$L0\n"),
        g_strdup_printf("ld32s tmp%d,env,$0x18\n", un),
        g_strdup_printf("st16 tmp%d,env,$0x20\n", un),
        g_strdup("set_label $L0\n"),
        g_strdup("setcond g4,g5,g6,tstne\n"),
        g_strdup("movcond g7,g8,g9,g10,g11,ge\n"),
        g_strdup("deposit g12,g12,g13,$0x8,$0x10\n"),
        g_strdup("mov g15,g16\n"),
        g_strdup("exit_tb $0x40\n"),
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        if (!strstr(d, want[i])) {
            g_test_message("dump lacks \"%s\":\n%s", want[i], d);
            g_test_fail();
        }
        g_free(want[i]);
    }
    free(d);

    /* After liveness the dump marks where arguments die. */
    tcg_liveness(s);
    d = dump_string(s);
    char *xor_dead = g_strdup_printf("xor g2,tmp%d,$0x1234 dead: 1 2\n", tn);
    g_assert_nonnull(strstr(d, xor_dead));
    g_free(xor_dead);
    free(d);

    /* Constants are shared, never handed out as temps, and survive a reset. */
    tcg_func_start(s);
    TCGv a = tcg_temp_new(s);
    TCGv b = tcg_temp_new(s);
    g_assert_true(a != b);
    tcg_temp_reset(s);
    /* nothing in the way: reused (keeps nb_temps bounded in long blocks) */
    g_assert_true(tcg_temp_new(s) == a);
    TCGv k7 = tcg_constant(s, 7);
    g_assert_true(tcg_constant(s, 7) == k7);
    g_assert_true(tcg_constant(s, -7) != k7);
    g_assert_cmpint(k7->kind, ==, TEMP_CONST);
    g_assert_cmpint(k7->val, ==, 7);
    tcg_temp_reset(s);
    for (int i = 0; i < 8; i++) {
        TCGv x = tcg_temp_new(s);
        g_assert_true(x != k7);
        g_assert_cmpint(x->kind, ==, TEMP_NORMAL);
        TCGv c = tcg_constant(s, 100 + i);
        g_assert_true(c != x);
        g_assert_cmpint(c->kind, ==, TEMP_CONST);
    }
    g_assert_cmpint(k7->kind, ==, TEMP_CONST);
    g_assert_cmpint(k7->val, ==, 7);
    TCGv lt = tcg_temp_new_local(s);
    g_assert_cmpint(lt->kind, ==, TEMP_LOCAL);
}

/* 2. Optimiser */

static void check_mov_const(TCGContext *s, int oi, TCGv dst, int64_t val)
{
    TCGOp *op = &s->ops[oi];
    g_assert_cmpstr(tcg_op_defs[op->opc].name, ==, "mov");
    g_assert_true(arg_temp(op->args[0]) == dst);
    TCGTemp *src = arg_temp(op->args[1]);
    g_assert_cmpint(src->kind, ==, TEMP_CONST);
    g_assert_cmphex((uint64_t)src->val, ==, (uint64_t)val);
}

static void check_mov(TCGContext *s, int oi, TCGv dst, TCGv src)
{
    TCGOp *op = &s->ops[oi];
    g_assert_cmpstr(tcg_op_defs[op->opc].name, ==, "mov");
    g_assert_true(arg_temp(op->args[0]) == dst);
    g_assert_true(arg_temp(op->args[1]) == src);
}

static void check_opc(TCGContext *s, int oi, TCGOpcode opc)
{
    g_assert_cmpstr(tcg_op_defs[s->ops[oi].opc].name, ==,
                    tcg_op_defs[opc].name);
}

static void test_optimize(void)
{
    static const uint64_t init[NG] = {
        [2] = 0x1234, [4] = 0x5678, [6] = 0xabcd, [8] = 100, [10] = 0x77,
    };
    uint64_t res[2][NG];

    for (int pass = 0; pass < 2; pass++) {
        TCGContext *s = ctx_init();
        memcpy(env->g, init, sizeof(init));
        int o[32], n = 0;
        tcg_func_start(s);
        tcg_gen_insn_start(s, 0);
        TCGv t = tcg_temp_new(s);
        o[n++] = s->nb_ops;  /* 0 */
        tcg_gen_add(s, t, tcg_constant(s, 3), tcg_constant(s, 4));
        o[n++] = s->nb_ops;  /* 1: t is known to be 7 */
        tcg_gen_mul(s, G[0], t, tcg_constant(s, 6));
        o[n++] = s->nb_ops;  /* 2 */
        tcg_gen_add(s, G[1], G[2], tcg_constant(s, 0));
        o[n++] = s->nb_ops;  /* 3: commuted first */
        tcg_gen_add(s, G[3], tcg_constant(s, 0), G[4]);
        o[n++] = s->nb_ops;  /* 4 */
        tcg_gen_and(s, G[5], G[6], tcg_constant(s, -1));
        o[n++] = s->nb_ops;  /* 5: stays */
        tcg_gen_sub(s, G[7], G[8], tcg_constant(s, 5));
        o[n++] = s->nb_ops;  /* 6 */
        tcg_gen_shl(s, G[9], G[10], tcg_constant(s, 0));
        o[n++] = s->nb_ops;  /* 7: 1 * x */
        tcg_gen_mul(s, G[11], tcg_constant(s, 1), G[10]);
        TCGLabel *l1 = gen_new_label(s), *l2 = gen_new_label(s);
        o[n++] = s->nb_ops;  /* 8: 7 <u 8 */
        tcg_gen_brcond(s, TCG_COND_LTU, t, tcg_constant(s, 8), l1);
        o[n++] = s->nb_ops;  /* 9: 1 >s 2 is false */
        tcg_gen_brcond(s, TCG_COND_GT, tcg_constant(s, 1), tcg_constant(s, 2),
                       l2);
        o[n++] = s->nb_ops;  /* 10: g0 is known to be 42 */
        tcg_gen_brcondi(s, TCG_COND_EQ, G[0], 0, l2);
        tcg_gen_movi(s, G[12], 0x999);       /* skipped by the br */
        tcg_gen_set_label(s, l1);
        tcg_gen_set_label(s, l2);
        o[n++] = s->nb_ops;  /* 11: after a label nothing is known */
        tcg_gen_addi(s, G[13], G[0], 1);
        tcg_gen_movi(s, G[14], 5);
        tcg_gen_callN(s, helper_pure4, TCG_CALL_NO_RWG, NULL, G[2], G[4], G[6],
                      G[8]);
        o[n++] = s->nb_ops;  /* 12: a call that leaves globals alone */
        tcg_gen_addi(s, G[15], G[14], 1);
        tcg_gen_movi(s, G[16], 5);
        tcg_gen_callN(s, helper_pure4, 0, NULL, G[2], G[4], G[6], G[8]);
        o[n++] = s->nb_ops;  /* 13: a call that may change them */
        tcg_gen_addi(s, G[17], G[16], 1);
        TCGv u = tcg_temp_new(s);
        tcg_gen_movi(s, u, 0x10);
        o[n++] = s->nb_ops;  /* 14: a temp's constant folds through */
        tcg_gen_shl(s, G[18], u, tcg_constant(s, 4));
        o[n++] = s->nb_ops;  /* 15: setcond on constants */
        tcg_gen_setcond(s, TCG_COND_TSTNE, G[19], u, tcg_constant(s, 0x30));
        tcg_gen_exit_tb(s, 0);

        if (pass == 1) {
            tcg_optimize(s);
            check_mov_const(s, o[0], t, 7);
            check_mov_const(s, o[1], G[0], 42);
            check_mov(s, o[2], G[1], G[2]);
            check_mov(s, o[3], G[3], G[4]);
            check_mov(s, o[4], G[5], G[6]);
            check_opc(s, o[5], INDEX_op_sub);
            check_mov(s, o[6], G[9], G[10]);
            check_mov(s, o[7], G[11], G[10]);
            check_opc(s, o[8], INDEX_op_br);
            g_assert_cmpint(s->ops[o[8]].args[0], ==, l1->id);
            g_assert_true(op_removed(&s->ops[o[9]]));
            g_assert_true(op_removed(&s->ops[o[10]]));
            check_opc(s, o[11], INDEX_op_add);
            check_mov_const(s, o[12], G[15], 6);
            check_opc(s, o[13], INDEX_op_add);
            check_mov_const(s, o[14], G[18], 0x100);
            check_mov_const(s, o[15], G[19], 1);
        }
        /* the folded block must compute what the unfolded one does */
        gen_run(s, false);
        memcpy(res[pass], env->g, sizeof(env->g));
    }
    for (int i = 0; i < NG; i++) {
        g_assert_cmphex(res[0][i], ==, res[1][i]);
    }
    g_assert_cmphex(res[1][0], ==, 42);
    g_assert_cmphex(res[1][1], ==, 0x1234);
    g_assert_cmphex(res[1][12], ==, 0);
    g_assert_cmphex(res[1][13], ==, 43);
    g_assert_cmphex(res[1][17], ==, 6);
}

/* 3. Liveness */

static void test_liveness(void)
{
    TCGContext *s = ctx_init();
    for (int i = 0; i < NG; i++) {
        env->g[i] = 0x100 + i;
    }
    int o[16], n = 0;
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0);
    TCGv t = tcg_temp_new(s);
    o[n++] = s->nb_ops;  /* 0: result never used */
    tcg_gen_add(s, t, G[0], G[1]);
    o[n++] = s->nb_ops;  /* 1: overwritten before any read */
    tcg_gen_add(s, G[2], G[0], G[1]);
    o[n++] = s->nb_ops;  /* 2 */
    tcg_gen_mov(s, G[2], G[3]);
    TCGv u = tcg_temp_new(s);
    o[n++] = s->nb_ops;  /* 3 */
    tcg_gen_mul(s, u, G[4], G[5]);
    o[n++] = s->nb_ops;  /* 4: u dies here */
    tcg_gen_st(s, INDEX_op_st, u, s->env, SCR_OFF);
    TCGv w = tcg_temp_new(s);
    o[n++] = s->nb_ops;  /* 5: a call is kept though its result is unused */
    tcg_gen_callN(s, helper_pure4, TCG_CALL_NO_RWG, w, G[6], G[7], G[8], G[9]);
    o[n++] = s->nb_ops;  /* 6: the next call may read g10 */
    tcg_gen_movi(s, G[10], 1);
    tcg_gen_callN(s, helper_pure4, 0, NULL, G[6], G[7], G[8], G[9]);
    tcg_gen_movi(s, G[10], 2);
    o[n++] = s->nb_ops;  /* 7: this one does not read g11 */
    tcg_gen_movi(s, G[11], 1);
    tcg_gen_callN(s, helper_pure4, TCG_CALL_NO_RWG, NULL, G[6], G[7], G[8],
                  G[9]);
    tcg_gen_movi(s, G[11], 2);
    o[n++] = s->nb_ops;  /* 8: a global is live at the exit */
    tcg_gen_sub(s, G[12], G[0], G[1]);
    TCGv x = tcg_temp_new(s);
    o[n++] = s->nb_ops;  /* 9: a chain whose end is dead is dead */
    tcg_gen_xor(s, x, G[0], G[1]);
    o[n++] = s->nb_ops;  /* 10 */
    tcg_gen_not(s, x, x);
    tcg_gen_exit_tb(s, 0);

    tcg_liveness(s);
    g_assert_true(op_removed(&s->ops[o[0]]));
    g_assert_true(op_removed(&s->ops[o[1]]));
    g_assert_false(op_removed(&s->ops[o[2]]));
    g_assert_cmphex(s->ops[o[2]].life, ==, 0);     /* g3 stays live */
    g_assert_false(op_removed(&s->ops[o[3]]));
    g_assert_cmphex(s->ops[o[3]].life, ==, 0);
    g_assert_cmphex(s->ops[o[4]].life & 1, ==, 1); /* u's last use */
    g_assert_cmpint(s->ops[o[5]].opc, ==, INDEX_op_call);
    g_assert_cmphex(s->ops[o[5]].life & 1, ==, 1); /* its result is dead */
    g_assert_false(op_removed(&s->ops[o[6]]));
    g_assert_true(op_removed(&s->ops[o[7]]));
    g_assert_false(op_removed(&s->ops[o[8]]));
    g_assert_true(op_removed(&s->ops[o[9]]));
    g_assert_true(op_removed(&s->ops[o[10]]));
    int kept = 0;
    for (int i = 0; i < s->nb_ops; i++) {
        kept += !op_removed(&s->ops[i]);
    }
    g_assert_cmpint(kept, ==, s->nb_ops - 5);

    s->code_buf = code_buf + 256;
    s->code_end = code_buf + CODE_SIZE;
    s->tb_ptr = FAKE_TB;
    g_assert_cmpint(tcg_gen_code(s), >, 0);
    g_assert_cmphex(tcg_qemu_tb_exec(s, env, s->code_buf), ==, 0);
    uint64_t v;
    memcpy(&v, env->scratch, 8);
    g_assert_cmphex(v, ==, (uint64_t)0x104 * 0x105);
    g_assert_cmphex(env->g[2], ==, 0x103);
    g_assert_cmphex(env->g[10], ==, 2);
    g_assert_cmphex(env->g[11], ==, 2);
    g_assert_cmphex(env->g[12], ==, (uint64_t)-1);
    g_assert_cmphex(env->g[0], ==, 0x100);
}

/* 4. End to end, directed */

/*
 * Blocks of one op per guest instruction over pairs of values held in
 * g0..g11, under several operand shapes (registers, immediates, the output
 * aliasing an input, temps that die). With "pressure", five more dirty
 * globals compete for registers in every instruction so that inputs and
 * outputs get spilled. g12/g13 hold movcond's values, g19 is a scratch output.
 */
#define NV 12
static const uint64_t pair_vals[NV] = {
    0, 1, 63, 65, 0xffffffffull, 0x80000000ull, 0x8000000000000000ull,
    0x123456789abcdef0ull, (uint64_t)-1, 0xffffffff80000000ull,
    0x7fffffffffffffffull, 0x7f,
};
#define MC_V1 0x1111111111111111ull
#define MC_V2 0x2222222222222222ull
#define P_FIRST 14
#define P_LAST 18
#define G_OUT 19

typedef struct OpSpec {
    TCGOpcode opc;
    int64_t k0, k1;     /* cond; or deposit's pos and len */
} OpSpec;

static void gen_spec(TCGContext *s, const OpSpec *sp, TCGv o, TCGv a, TCGv b)
{
    switch (sp->opc) {
    case INDEX_op_add: tcg_gen_add(s, o, a, b); break;
    case INDEX_op_sub: tcg_gen_sub(s, o, a, b); break;
    case INDEX_op_and: tcg_gen_and(s, o, a, b); break;
    case INDEX_op_or: tcg_gen_or(s, o, a, b); break;
    case INDEX_op_xor: tcg_gen_xor(s, o, a, b); break;
    case INDEX_op_mul: tcg_gen_mul(s, o, a, b); break;
    case INDEX_op_add32: case INDEX_op_sub32: case INDEX_op_and32:
    case INDEX_op_or32: case INDEX_op_xor32:
        tcg_gen_op3(s, sp->opc, TA(o), TA(a), TA(b));
        break;
    case INDEX_op_shl: tcg_gen_shl(s, o, a, b); break;
    case INDEX_op_shr: tcg_gen_shr(s, o, a, b); break;
    case INDEX_op_sar: tcg_gen_sar(s, o, a, b); break;
    case INDEX_op_rotl: tcg_gen_rotl(s, o, a, b); break;
    case INDEX_op_rotr: tcg_gen_rotr(s, o, a, b); break;
    case INDEX_op_neg: tcg_gen_neg(s, o, a); break;
    case INDEX_op_not: tcg_gen_not(s, o, a); break;
    case INDEX_op_ext8s: tcg_gen_ext8s(s, o, a); break;
    case INDEX_op_ext8u: tcg_gen_ext8u(s, o, a); break;
    case INDEX_op_ext16s: tcg_gen_ext16s(s, o, a); break;
    case INDEX_op_ext16u: tcg_gen_ext16u(s, o, a); break;
    case INDEX_op_ext32s: tcg_gen_ext32s(s, o, a); break;
    case INDEX_op_ext32u: tcg_gen_ext32u(s, o, a); break;
    case INDEX_op_bswap16: tcg_gen_bswap16(s, o, a); break;
    case INDEX_op_bswap32: tcg_gen_bswap32(s, o, a); break;
    case INDEX_op_bswap64: tcg_gen_bswap64(s, o, a); break;
    case INDEX_op_deposit:
        tcg_gen_deposit(s, o, a, b, (int)sp->k0, (int)sp->k1);
        break;
    case INDEX_op_setcond: tcg_gen_setcond(s, (TCGCond)sp->k0, o, a, b); break;
    default:
        g_assert_not_reached();
    }
}

static uint64_t ref_spec(const OpSpec *sp, uint64_t a, uint64_t b)
{
    uint64_t v[4] = { a, b, 0, 0 };
    return ref_alu(sp->opc, v, sp->k0, sp->k1);
}

static char *spec_name(const OpSpec *sp)
{
    if (sp->opc == INDEX_op_setcond || sp->opc == INDEX_op_movcond ||
        sp->opc == INDEX_op_brcond) {
        return g_strdup_printf("%s %s", tcg_op_defs[sp->opc].name,
                               cname((TCGCond)sp->k0));
    }
    if (sp->opc == INDEX_op_deposit) {
        return g_strdup_printf("deposit pos %d len %d", (int)sp->k0,
                               (int)sp->k1);
    }
    return g_strdup(tcg_op_defs[sp->opc].name);
}

enum {
    F_RR,       /* t = op(gi, gj) */
    F_RI,       /* t = op(gi, $j) */
    F_IR,       /* t = op($i, gj) */
    F_CC,       /* t = op($i, $j): folded, or constants in registers */
    F_SAME,     /* t = op(gi, gi) */
    F_OUT_A,    /* g19 = gi; g19 = op(g19, gj) */
    F_OUT_B,    /* g19 = gj; g19 = op(gi, g19) */
    F_TEMPS,    /* t = gi; u = gj; u = op(t, u): both inputs die */
    NFORMS,
};
static const char *const form_names[NFORMS] = {
    "reg,reg", "reg,imm", "imm,reg", "imm,imm", "same reg", "out=a", "out=b",
    "dying temps",
};

typedef TCGv (*PairEmitFn)(TCGContext *s, const OpSpec *sp, int form, int i,
                           int j, uint64_t *expect);

static TCGv emit_alu_form(TCGContext *s, const OpSpec *sp, int form, int i,
                          int j, uint64_t *expect)
{
    uint64_t a = pair_vals[i], b = pair_vals[j];
    TCGv t = tcg_temp_new(s);

    switch (form) {
    case F_RR:
        gen_spec(s, sp, t, G[i], G[j]);
        break;
    case F_RI:
        gen_spec(s, sp, t, G[i], tcg_constant(s, (int64_t)b));
        break;
    case F_IR:
        gen_spec(s, sp, t, tcg_constant(s, (int64_t)a), G[j]);
        break;
    case F_CC:
        gen_spec(s, sp, t, tcg_constant(s, (int64_t)a),
                 tcg_constant(s, (int64_t)b));
        break;
    case F_SAME:
        b = a;
        gen_spec(s, sp, t, G[i], G[i]);
        break;
    case F_OUT_A:
        tcg_gen_mov(s, G[G_OUT], G[i]);
        gen_spec(s, sp, G[G_OUT], G[G_OUT], G[j]);
        t = G[G_OUT];
        break;
    case F_OUT_B:
        tcg_gen_mov(s, G[G_OUT], G[j]);
        gen_spec(s, sp, G[G_OUT], G[i], G[G_OUT]);
        t = G[G_OUT];
        break;
    case F_TEMPS: {
        TCGv u = tcg_temp_new(s);
        tcg_gen_mov(s, t, G[i]);
        tcg_gen_mov(s, u, G[j]);
        gen_spec(s, sp, u, t, u);
        t = u;
        break;
    }
    }
    *expect = ref_spec(sp, a, b);
    return t;
}

static int report_budget = 40;

static void report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void report(const char *fmt, ...)
{
    if (report_budget-- > 0) {
        va_list ap;
        va_start(ap, fmt);
        char *m = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_test_message("%s", m);
        g_free(m);
    }
    g_test_fail();
}

static void run_pair_blocks(const OpSpec *sp, const int *forms, int nforms,
                            PairEmitFn fn, bool unary)
{
    int nj = unary ? 1 : NV;
    uint64_t expect[NV * NV];

    for (int f = 0; f < nforms; f++) {
        int form = forms[f];
        for (int variant = 0; variant < 4; variant++) {
            bool optimize = variant & 1, pressure = variant & 2;
            TCGContext *s = ctx_init();
            memcpy(env->g, pair_vals, sizeof(pair_vals));
            env->g[12] = MC_V1;
            env->g[13] = MC_V2;
            uint64_t pexp[NG];
            for (int p = P_FIRST; p <= P_LAST; p++) {
                env->g[p] = pexp[p] = 0x1000ull * (uint64_t)p;
            }
            tcg_func_start(s);
            int k = 0;
            for (int i = 0; i < NV; i++) {
                for (int j = 0; j < nj; j++, k++) {
                    if (k) {
                        tcg_temp_reset(s);
                    }
                    tcg_gen_insn_start(s, 0x1000 + (uint64_t)k);
                    if (pressure) {
                        for (int p = P_FIRST; p <= P_LAST; p++) {
                            tcg_gen_add(s, G[p], G[p], G[(p + k) % NV]);
                            pexp[p] += pair_vals[(p + k) % NV];
                        }
                    }
                    TCGv o = fn(s, sp, form, i, unary ? i : j, &expect[k]);
                    tcg_gen_st(s, INDEX_op_st, o, s->env, OUT_OFF(k));
                }
            }
            tcg_gen_exit_tb(s, 0x40);
            uintptr_t ret = gen_run(s, optimize);

            char *name = spec_name(sp);
            if (ret != 0x40) {
                report("%s [%s]: block returned %#" PRIxPTR, name,
                       form_names[form], ret);
            }
            k = 0;
            for (int i = 0; i < NV; i++) {
                for (int j = 0; j < nj; j++, k++) {
                    if (env->out[k] != expect[k]) {
                        report("%s [%s%s%s] a=%#" PRIx64 " b=%#" PRIx64
                               ": expected %#" PRIx64 ", got %#" PRIx64,
                               name, form_names[form],
                               optimize ? ", optimised" : "",
                               pressure ? ", register pressure" : "",
                               pair_vals[i], pair_vals[unary ? i : j],
                               expect[k], env->out[k]);
                    }
                }
            }
            /* inputs must survive, whatever registers the op borrowed */
            for (int i = 0; i < NV; i++) {
                if (env->g[i] != pair_vals[i]) {
                    report("%s [%s%s%s]: input g%d clobbered: %#" PRIx64
                           " became %#" PRIx64, name, form_names[form],
                           optimize ? ", optimised" : "",
                           pressure ? ", register pressure" : "", i,
                           pair_vals[i], env->g[i]);
                }
            }
            if (env->g[12] != MC_V1 || env->g[13] != MC_V2) {
                report("%s [%s]: g12/g13 clobbered", name, form_names[form]);
            }
            for (int p = P_FIRST; p <= P_LAST && pressure; p++) {
                if (env->g[p] != pexp[p]) {
                    report("%s [%s%s, register pressure]: g%d expected %#"
                           PRIx64 ", got %#" PRIx64, name, form_names[form],
                           optimize ? ", optimised" : "", p, pexp[p],
                           env->g[p]);
                }
            }
            g_free(name);
        }
    }
}

static const int all_forms[] = {
    F_RR, F_RI, F_IR, F_CC, F_SAME, F_OUT_A, F_OUT_B, F_TEMPS,
};
static const int unary_forms[] = { F_RR, F_CC, F_OUT_A, F_TEMPS };

static void test_e2e_binops(void)
{
    static const TCGOpcode ops[] = {
        INDEX_op_add, INDEX_op_sub, INDEX_op_and, INDEX_op_or, INDEX_op_xor,
        INDEX_op_mul, INDEX_op_shl, INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl,
        INDEX_op_rotr, INDEX_op_add32, INDEX_op_sub32, INDEX_op_and32,
        INDEX_op_or32, INDEX_op_xor32,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        OpSpec sp = { ops[i], 0, 0 };
        run_pair_blocks(&sp, all_forms, G_N_ELEMENTS(all_forms), emit_alu_form,
                        false);
    }
    /* the immediates the back end treats specially */
    static const int64_t imms[] = { 0xff, 0xffff, 0x7f, -128, 0x80, INT32_MAX,
                                    INT32_MIN, 0x80000000ll };
    static const TCGOpcode iops[] = { INDEX_op_and, INDEX_op_add, INDEX_op_sub,
                                      INDEX_op_mul, INDEX_op_or, INDEX_op_xor,
                                      INDEX_op_add32, INDEX_op_sub32,
                                      INDEX_op_and32, INDEX_op_xor32 };
    for (size_t o = 0; o < G_N_ELEMENTS(iops); o++) {
        for (int opt = 0; opt < 2; opt++) {
            TCGContext *s = ctx_init();
            memcpy(env->g, pair_vals, sizeof(pair_vals));
            tcg_func_start(s);
            int k = 0;
            for (int i = 0; i < NV; i++) {
                for (size_t m = 0; m < G_N_ELEMENTS(imms); m++, k++) {
                    TCGv t = tcg_temp_new(s);
                    OpSpec sp = { iops[o], 0, 0 };
                    gen_spec(s, &sp, t, G[i], tcg_constant(s, imms[m]));
                    tcg_gen_st(s, INDEX_op_st, t, s->env, OUT_OFF(k));
                    /* and with the output on its input */
                    tcg_gen_mov(s, G[G_OUT], G[i]);
                    gen_spec(s, &sp, G[G_OUT], G[G_OUT],
                             tcg_constant(s, imms[m]));
                    tcg_gen_st(s, INDEX_op_st, G[G_OUT], s->env,
                               OUT_OFF(k + 200));
                    tcg_temp_reset(s);
                }
            }
            tcg_gen_exit_tb(s, 0);
            gen_run(s, opt);
            k = 0;
            for (int i = 0; i < NV; i++) {
                for (size_t m = 0; m < G_N_ELEMENTS(imms); m++, k++) {
                    OpSpec sp = { iops[o], 0, 0 };
                    uint64_t e = ref_spec(&sp, pair_vals[i], (uint64_t)imms[m]);
                    if (env->out[k] != e || env->out[k + 200] != e) {
                        report("%s %#" PRIx64 ", $%#" PRIx64 ": expected %#"
                               PRIx64 ", got %#" PRIx64 " / %#" PRIx64,
                               tcg_op_defs[iops[o]].name, pair_vals[i],
                               (uint64_t)imms[m], e, env->out[k],
                               env->out[k + 200]);
                    }
                }
            }
        }
    }
}

static void test_e2e_unops(void)
{
    static const TCGOpcode ops[] = {
        INDEX_op_neg, INDEX_op_not, INDEX_op_ext8s, INDEX_op_ext8u,
        INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_ext32s, INDEX_op_ext32u,
        INDEX_op_bswap16, INDEX_op_bswap32, INDEX_op_bswap64,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        OpSpec sp = { ops[i], 0, 0 };
        run_pair_blocks(&sp, unary_forms, G_N_ELEMENTS(unary_forms),
                        emit_alu_form, true);
    }
}

static void test_e2e_deposit(void)
{
    static const int pl[][2] = {
        { 0, 8 }, { 0, 16 }, { 8, 8 }, { 0, 32 }, { 32, 32 }, { 5, 13 },
        { 0, 64 }, { 63, 1 }, { 1, 63 }, { 16, 16 }, { 24, 40 }, { 0, 1 },
        { 56, 8 }, { 31, 2 },
    };
    static const int forms[] = { F_RR, F_RI, F_SAME, F_OUT_A, F_OUT_B,
                                 F_TEMPS };
    for (size_t i = 0; i < G_N_ELEMENTS(pl); i++) {
        OpSpec sp = { INDEX_op_deposit, pl[i][0], pl[i][1] };
        run_pair_blocks(&sp, forms, G_N_ELEMENTS(forms), emit_alu_form, false);
    }
}

static void test_e2e_setcond(void)
{
    for (int c = 0; c < NCMP; c++) {
        OpSpec sp = { INDEX_op_setcond, cmp_conds[c], 0 };
        run_pair_blocks(&sp, all_forms, G_N_ELEMENTS(all_forms), emit_alu_form,
                        false);
    }
}

enum {
    M_RR, M_RI, M_OUT_V1, M_OUT_V2, M_OUT_A, M_VCONST, M_SAMEV, M_CC, NMFORMS,
};

static TCGv emit_movcond_form(TCGContext *s, const OpSpec *sp, int form, int i,
                              int j, uint64_t *expect)
{
    TCGCond c = (TCGCond)sp->k0;
    uint64_t a = pair_vals[i], b = pair_vals[j];
    uint64_t v[4] = { a, b, MC_V1, MC_V2 };
    TCGv t = tcg_temp_new(s);
    TCGv g12 = G[12], g13 = G[13], go = G[G_OUT];

    switch (form) {
    case M_RR:
        tcg_gen_movcond(s, c, t, G[i], G[j], g12, g13);
        break;
    case M_RI:
        tcg_gen_movcond(s, c, t, G[i], tcg_constant(s, (int64_t)b), g12, g13);
        break;
    case M_OUT_V1:
        tcg_gen_mov(s, go, g12);
        tcg_gen_movcond(s, c, go, G[i], G[j], go, g13);
        t = go;
        break;
    case M_OUT_V2:
        tcg_gen_mov(s, go, g13);
        tcg_gen_movcond(s, c, go, G[i], G[j], g12, go);
        t = go;
        break;
    case M_OUT_A:
        tcg_gen_mov(s, go, G[i]);
        tcg_gen_movcond(s, c, go, go, G[j], g12, g13);
        t = go;
        break;
    case M_VCONST:
        v[2] = 5, v[3] = (uint64_t)-7;
        tcg_gen_movcond(s, c, t, G[i], G[j], tcg_constant(s, 5),
                        tcg_constant(s, -7));
        break;
    case M_SAMEV:
        v[2] = a, v[3] = b;
        tcg_gen_movcond(s, c, t, G[i], G[j], G[i], G[j]);
        break;
    case M_CC:
        tcg_gen_movcond(s, c, t, tcg_constant(s, (int64_t)a),
                        tcg_constant(s, (int64_t)b), g12, g13);
        break;
    }
    *expect = ref_alu(INDEX_op_movcond, v, c, 0);
    return t;
}

static void test_e2e_movcond(void)
{
    static const int forms[NMFORMS] = {
        M_RR, M_RI, M_OUT_V1, M_OUT_V2, M_OUT_A, M_VCONST, M_SAMEV, M_CC,
    };
    for (int c = 0; c < NCMP; c++) {
        OpSpec sp = { INDEX_op_movcond, cmp_conds[c], 0 };
        run_pair_blocks(&sp, forms, NMFORMS, emit_movcond_form, false);
    }
}

/* g19 = 1; brcond a, b -> L; g19 = 0; L: (stored) */
static TCGv emit_brcond_form(TCGContext *s, const OpSpec *sp, int form, int i,
                             int j, uint64_t *expect)
{
    TCGCond c = (TCGCond)sp->k0;
    uint64_t a = pair_vals[i], b = pair_vals[j];
    TCGLabel *l = gen_new_label(s);
    TCGv go = G[G_OUT];

    tcg_gen_movi(s, go, 1);
    switch (form) {
    case F_RR:
        tcg_gen_brcond(s, c, G[i], G[j], l);
        break;
    case F_RI:
        tcg_gen_brcondi(s, c, G[i], (int64_t)b, l);
        break;
    case F_IR:
        tcg_gen_brcond(s, c, tcg_constant(s, (int64_t)a), G[j], l);
        break;
    case F_CC:
        tcg_gen_brcond(s, c, tcg_constant(s, (int64_t)a),
                       tcg_constant(s, (int64_t)b), l);
        break;
    case F_SAME:
        b = a;
        tcg_gen_brcond(s, c, G[i], G[i], l);
        break;
    case F_TEMPS: {
        /* temps that die at the branch */
        TCGv t = tcg_temp_new(s), u = tcg_temp_new(s);
        tcg_gen_mov(s, t, G[i]);
        tcg_gen_mov(s, u, G[j]);
        tcg_gen_brcond(s, c, t, u, l);
        break;
    }
    default:
        g_assert_not_reached();
    }
    tcg_gen_movi(s, go, 0);
    tcg_gen_set_label(s, l);
    *expect = ref_cond(c, a, b);
    return go;
}

static void test_e2e_brcond(void)
{
    static const int forms[] = { F_RR, F_RI, F_IR, F_CC, F_SAME, F_TEMPS };
    static const TCGCond extra[] = { TCG_COND_ALWAYS, TCG_COND_NEVER };
    for (int c = 0; c < NCMP + 2; c++) {
        TCGCond cond = c < NCMP ? cmp_conds[c] : extra[c - NCMP];
        OpSpec sp = { INDEX_op_brcond, cond, 0 };
        run_pair_blocks(&sp, forms, G_N_ELEMENTS(forms), emit_brcond_form,
                        false);
    }
}

/* Backward branches: loops with local counters, and a branch inside one. */
static void test_e2e_loops(void)
{
    for (int opt = 0; opt < 2; opt++) {
        TCGContext *s = ctx_init();
        env->g[0] = 1000;
        env->g[2] = 7;
        for (int i = 4; i < NG; i++) {
            env->g[i] = (uint64_t)i * 0x10001;
        }
        tcg_func_start(s);
        tcg_gen_insn_start(s, 0x100);
        TCGv cnt = tcg_temp_new_local(s);
        TCGv sum = tcg_temp_new_local(s);
        TCGLabel *head = gen_new_label(s), *skip = gen_new_label(s);
        tcg_gen_movi(s, cnt, 0);
        tcg_gen_movi(s, sum, 0);
        tcg_gen_set_label(s, head);
        TCGv t = tcg_temp_new(s);                 /* lives within the body */
        tcg_gen_mul(s, t, cnt, tcg_constant(s, 3));
        tcg_gen_add(s, sum, sum, t);
        tcg_gen_add(s, G[0], G[0], cnt);          /* a global in the loop */
        for (int i = 4; i < NG; i++) {   /* more than fit in registers */
            tcg_gen_add(s, G[i], G[i], G[(i + 1) % NG == 0 ? 4 : i + 1]);
        }
        tcg_gen_brcondi(s, TCG_COND_TSTNE, cnt, 1, skip);
        tcg_gen_add(s, G[1], G[1], cnt);          /* even counts only */
        tcg_gen_set_label(s, skip);
        tcg_gen_addi(s, cnt, cnt, 1);
        tcg_gen_brcondi(s, TCG_COND_LT, cnt, 10, head);
        tcg_gen_mov(s, G[2], sum);
        tcg_gen_st(s, INDEX_op_st, cnt, s->env, OUT_OFF(0));

        /* a second instruction whose temps reuse the first one's */
        tcg_temp_reset(s);
        tcg_gen_insn_start(s, 0x104);
        TCGv c2 = tcg_temp_new_local(s);
        TCGv x = tcg_temp_new(s);
        TCGLabel *l2 = gen_new_label(s);
        tcg_gen_movi(s, c2, 5);
        tcg_gen_set_label(s, l2);
        tcg_gen_shli(s, x, G[3], 1);
        tcg_gen_ori(s, G[3], x, 1);
        tcg_gen_addi(s, c2, c2, -1);
        tcg_gen_brcondi(s, TCG_COND_NE, c2, 0, l2);
        tcg_gen_exit_tb(s, 0x80);

        g_assert_cmphex(gen_run(s, opt), ==, 0x80);
        uint64_t g[NG];
        for (int i = 0; i < NG; i++) {
            g[i] = (uint64_t)i * 0x10001;
        }
        for (int it = 0; it < 10; it++) {
            for (int i = 4; i < NG; i++) {
                g[i] += g[(i + 1) % NG == 0 ? 4 : i + 1];
            }
        }
        g_assert_cmphex(env->g[0], ==, 1000 + 45);
        g_assert_cmphex(env->g[1], ==, 0 + 2 + 4 + 6 + 8);
        g_assert_cmphex(env->g[2], ==, 135);
        g_assert_cmphex(env->g[3], ==, 0x1f);
        g_assert_cmphex(env->out[0], ==, 10);
        for (int i = 4; i < NG; i++) {
            g_assert_cmphex(env->g[i], ==, g[i]);
        }
    }
}

/* Host loads and stores of every width, at odd offsets too. */
static void test_e2e_ldst(void)
{
    static const TCGOpcode lds[] = {
        INDEX_op_ld8u, INDEX_op_ld8s, INDEX_op_ld16u, INDEX_op_ld16s,
        INDEX_op_ld32u, INDEX_op_ld32s, INDEX_op_ld,
    };
    static const int ld_size[] = { 1, 1, 2, 2, 4, 4, 8 };
    static const bool ld_sign[] = { false, true, false, true, false, true,
                                    false };
    static const TCGOpcode sts[] = {
        INDEX_op_st8, INDEX_op_st16, INDEX_op_st32, INDEX_op_st,
    };
    static const int offs[] = { 0, 1, 3, 8, 13, 31 };
    static const int64_t stvals[] = {
        0, 0x7f, -2, 0x1234, INT32_MIN, INT32_MAX, 0x123456789ll,
        (int64_t)0x8877665544332211ull,
    };

    for (int opt = 0; opt < 2; opt++) {
        TCGContext *s = ctx_init();
        for (int i = 0; i < SCRATCH; i++) {
            env->scratch[i] = (uint8_t)(0xf1 - i * 7);
        }
        env->g[0] = (uint64_t)stvals[7];
        memset(env->out, 0xa5, sizeof(env->out));
        uint8_t want_out[sizeof(env->out)];
        memcpy(want_out, env->out, sizeof(want_out));
        tcg_func_start(s);

        int k = 0;
        uint64_t want[64];
        for (size_t l = 0; l < G_N_ELEMENTS(lds); l++) {
            for (size_t o = 0; o < G_N_ELEMENTS(offs); o++, k++) {
                /* alternately into a temp and into a global */
                TCGv t = k & 1 ? G[1 + k % 10] : tcg_temp_new(s);
                tcg_gen_ld(s, lds[l], t, s->env, SCR_OFF + offs[o]);
                tcg_gen_st(s, INDEX_op_st, t, s->env, OUT_OFF(k));
                tcg_temp_reset(s);
                uint64_t v = 0;
                memcpy(&v, env->scratch + offs[o], (size_t)ld_size[l]);
                if (ld_sign[l]) {
                    int sh = 64 - 8 * ld_size[l];
                    v = (uint64_t)((int64_t)(v << sh) >> sh);
                }
                want[k] = v;
                memcpy(want_out + 8 * k, &v, 8);
            }
        }
        /* stores: from a register and from immediates, each to 16 bytes */
        int base = 8 * k;
        for (size_t st = 0; st < G_N_ELEMENTS(sts); st++) {
            int size = 1 << st;
            for (size_t v = 0; v < G_N_ELEMENTS(stvals); v++) {
                int off = base + 3 + (int)(st * 7 + v) % 5;
                if (v == 7) {
                    tcg_gen_st(s, sts[st], G[0], s->env,
                               (int)offsetof(TestEnv, out) + off);
                } else {
                    tcg_gen_st(s, sts[st], tcg_constant(s, stvals[v]), s->env,
                               (int)offsetof(TestEnv, out) + off);
                }
                memcpy(want_out + off, &stvals[v], (size_t)size);
                base += 16;
            }
        }
        g_assert_cmpint(base, <=, (int)sizeof(env->out));
        tcg_gen_exit_tb(s, 0);
        gen_run(s, opt);

        for (int i = 0; i < k; i++) {
            if (env->out[i] != want[i]) {
                report("%s at +%d: expected %#" PRIx64 ", got %#" PRIx64,
                       tcg_op_defs[lds[i / G_N_ELEMENTS(offs)]].name,
                       offs[i % G_N_ELEMENTS(offs)], want[i], env->out[i]);
            }
        }
        const uint8_t *got = (const uint8_t *)env->out;
        for (size_t i = 8 * (size_t)k; i < sizeof(env->out); i++) {
            if (got[i] != want_out[i]) {
                report("store area byte %zu: expected %#x, got %#x", i,
                       want_out[i], got[i]);
            }
        }
    }
}

/*
 * Byte-register encodings: with all twelve allocatable registers holding
 * dirty globals, values land in sil/dil (which need a REX prefix, or they
 * would be dh/bh) and in r8b..r15b.
 */
static uint64_t byte_reg_init(int i)
{
    return 0x0123456789abcd7full + (uint64_t)i * 0x1111111111111121ull;
}

static void test_e2e_byte_regs(void)
{
    for (int opt = 0; opt < 2; opt++) {
        TCGContext *s = ctx_init();
        uint64_t g[12];
        for (int i = 0; i < 12; i++) {
            env->g[i] = g[i] = byte_reg_init(i);
        }
        tcg_func_start(s);
        for (int i = 0; i < 12; i++) {
            tcg_gen_addi(s, G[i], G[i], 1);
            g[i] += 1;
        }
        for (int i = 0; i < 12; i++) {
            tcg_gen_st(s, INDEX_op_st8, G[i], s->env, SCR_OFF + i);
            tcg_gen_st(s, INDEX_op_st16, G[i], s->env, SCR_OFF + 16 + 2 * i);
        }
        for (int i = 0; i < 12; i++) {
            int j = (i + 7) % 12;
            if (i & 1) {
                tcg_gen_ext8s(s, G[i], G[j]);
                g[i] = (uint64_t)(int64_t)(int8_t)g[j];
            } else {
                tcg_gen_ext8u(s, G[i], G[j]);
                g[i] = (uint8_t)g[j];
            }
        }
        for (int i = 0; i < 12; i++) {
            int j = (i + 1) % 12;
            tcg_gen_deposit(s, G[j], G[j], G[i], 0, 8);
            g[j] = (g[j] & ~0xffull) | (g[i] & 0xff);
        }
        for (int i = 0; i < 12; i++) {
            int j = (i + 5) % 12;
            tcg_gen_setcond(s, TCG_COND_LT, G[i], G[i], G[j]);
            g[i] = (int64_t)g[i] < (int64_t)g[j];
        }
        tcg_gen_exit_tb(s, 0);
        gen_run(s, opt);
        for (int i = 0; i < 12; i++) {
            uint64_t orig = byte_reg_init(i) + 1;
            uint16_t h;
            memcpy(&h, env->scratch + 16 + 2 * i, 2);
            g_assert_cmphex(env->scratch[i], ==, (uint8_t)orig);
            g_assert_cmphex(h, ==, (uint16_t)orig);
            g_assert_cmphex(env->g[i], ==, g[i]);
        }
    }
}

/* An exit request leaves the block before it changes anything. */
static void test_exit_request(void)
{
    TCGContext *s = ctx_init();
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0);
    tcg_gen_movi(s, G[0], 5);
    tcg_gen_exit_tb(s, 0x40);
    g_assert_cmpint(gen_block(s, true), >, 0);
    env->exit_request = 1;
    g_assert_cmphex(tcg_qemu_tb_exec(s, env, s->code_buf), ==,
                    FAKE_TB | TB_EXIT_REQUESTED);
    g_assert_cmphex(env->g[0], ==, 0);
    env->exit_request = 0;
    g_assert_cmphex(tcg_qemu_tb_exec(s, env, s->code_buf), ==, 0x40);
    g_assert_cmphex(env->g[0], ==, 5);

    /* too small a buffer is reported, not overrun */
    tcg_func_start(s);
    for (int i = 0; i < 20; i++) {
        tcg_gen_addi(s, G[i], G[i], 0x12345678);
    }
    tcg_gen_exit_tb(s, 0);
    tcg_optimize(s);
    tcg_liveness(s);
    s->code_buf = code_buf + 256;
    s->code_end = code_buf + 256 + 64;
    g_assert_cmpint(tcg_gen_code(s), ==, -1);
}

/* goto_tb falls through until patched; goto_ptr jumps to any block. */
static void test_chaining(void)
{
    TCGContext *s = ctx_init();
    uint8_t *b = code_buf + 0x8000;

    /* block B: g0 = g1 + 77 */
    tcg_func_start(s);
    tcg_gen_addi(s, G[0], G[1], 77);
    tcg_gen_exit_tb(s, 0x50);
    tcg_optimize(s);
    tcg_liveness(s);
    s->code_buf = b;
    s->code_end = code_buf + CODE_SIZE;
    g_assert_cmpint(tcg_gen_code(s), >, 0);

    /* block A: g2 = 9; goto_tb 0; exit_tb A|0 */
    tcg_func_start(s);
    tcg_gen_movi(s, G[2], 9);
    tcg_gen_goto_tb(s, 0);
    tcg_gen_exit_tb(s, FAKE_TB | 0);
    uintptr_t ret = gen_run(s, true);
    g_assert_cmphex(ret, ==, FAKE_TB);
    g_assert_cmphex(env->g[2], ==, 9);
    g_assert_cmpint(s->jmp_insn_offset[0], !=, 0xffff);
    uint8_t *field = s->code_buf + s->jmp_insn_offset[0];
    g_assert_cmphex((uintptr_t)field & 3, ==, 0);
    g_assert_true(s->code_buf + s->jmp_reset_offset[0] == field + 4);
    int32_t rel = (int32_t)(b - (field + 4));
    memcpy(field, &rel, 4);
    env->g[1] = 1000;
    g_assert_cmphex(tcg_qemu_tb_exec(s, env, s->code_buf), ==, 0x50);
    g_assert_cmphex(env->g[0], ==, 1077);

    /* block C: goto_ptr to B's address held in a temp */
    tcg_func_start(s);
    TCGv t = tcg_temp_new(s);
    tcg_gen_movi(s, G[3], 3);
    tcg_gen_movi(s, t, (int64_t)(uintptr_t)b);
    tcg_gen_goto_ptr(s, t);
    env->g[1] = 1;
    g_assert_cmphex(gen_run(s, true), ==, 0x50);
    g_assert_cmphex(env->g[0], ==, 78);
    g_assert_cmphex(env->g[3], ==, 3);
}

/* 6. Helper calls */

static void calls_test_body(void)
{
    static const unsigned flag_sets[] = { TCG_CALL_NO_RWG, 0,
                                          TCG_CALL_NO_READ_GLOBALS,
                                          TCG_CALL_NO_WRITE_GLOBALS };
    for (size_t fi = 0; fi < G_N_ELEMENTS(flag_sets); fi++) {
        for (int opt = 0; opt < 2; opt++) {
            unsigned flags = flag_sets[fi];
            TCGContext *s = ctx_init();
            uint64_t g[NG];
            for (int i = 0; i < NG; i++) {
                env->g[i] = g[i] = 0x1000000000ull * (uint64_t)i + 0x55;
            }
            misaligned_calls = 0;
            tcg_func_start(s);
            tcg_gen_insn_start(s, 0);
            /* every global dirty, most of them in registers */
            for (int i = 0; i < NG; i++) {
                tcg_gen_addi(s, G[i], G[i], i + 1);
                g[i] += (uint64_t)i + 1;
            }
            TCGv t = tcg_temp_new(s);
            TCGv live = tcg_temp_new(s);   /* a temp live across the call */
            tcg_gen_xori(s, live, G[7], 0x77);
            uint64_t live_v = g[7] ^ 0x77;
            tcg_gen_callN(s, helper_pure4, flags, t, G[0], G[1],
                          tcg_constant(s, 5), G[19]);
            uint64_t r = model_pure4(g[0], g[1], 5, g[19]);
            for (int i = 0; i < NG; i++) {
                tcg_gen_xor(s, G[i], G[i], t);
                g[i] ^= r;
            }
            tcg_gen_add(s, G[5], G[5], live);
            g[5] += live_v;

            /* six arguments: rcx, r8 and r9 too; a constant 0 and env */
            tcg_temp_reset(s);
            tcg_gen_insn_start(s, 4);
            TCGv t6 = tcg_temp_new(s);
            tcg_gen_callN(s, helper_pure6, flags, t6, G[2], tcg_constant(s, 0),
                          G[4], G[17], tcg_constant(s, -1), G[8]);
            r = model_pure6(g[2], 0, g[4], g[17], (uint64_t)-1, g[8]);
            tcg_gen_mov(s, G[9], t6);
            g[9] = r;

            /* no result, and a global as the result */
            tcg_gen_callN(s, helper_pure4, flags, NULL, G[1], G[2], G[3],
                          G[4]);
            tcg_gen_callN(s, helper_pure4, flags, G[11], G[11], G[12], G[13],
                          G[14]);
            g[11] = model_pure4(g[11], g[12], g[13], g[14]);
            tcg_gen_addi(s, G[11], G[11], 1);
            g[11] += 1;
            tcg_gen_exit_tb(s, 0x44);

            g_assert_cmphex(gen_run(s, opt), ==, 0x44);
            for (int i = 0; i < NG; i++) {
                if (env->g[i] != g[i]) {
                    report("call flags %#x%s: g%d expected %#" PRIx64
                           ", got %#" PRIx64, flags, opt ? " (optimised)" : "",
                           i, g[i], env->g[i]);
                }
            }
            g_assert_cmpint(misaligned_calls, ==, 0);
        }
    }

    /* A helper that reads and writes globals in env (flags 0). */
    for (int opt = 0; opt < 2; opt++) {
        TCGContext *s = ctx_init();
        uint64_t g[NG];
        for (int i = 0; i < NG; i++) {
            env->g[i] = g[i] = 0x300 + (uint64_t)i;
        }
        tcg_func_start(s);
        tcg_gen_addi(s, G[ENV_HR], G[ENV_HR], 100);  /* must reach memory */
        g[ENV_HR] += 100;
        tcg_gen_addi(s, G[ENV_HW], G[ENV_HW], 1);    /* stale after the call */
        g[ENV_HW] += 1;
        tcg_gen_add(s, G[8], G[ENV_HW], G[ENV_HW]);
        g[8] = 2 * g[ENV_HW];
        tcg_gen_callN(s, helper_env3, 0, G[7], s->env, G[5], G[6]);
        g[7] = model_env3(g, g[5], g[6]);
        tcg_gen_addi(s, G[9], G[ENV_HW], 1);         /* the helper's value */
        g[9] = g[ENV_HW] + 1;
        tcg_gen_exit_tb(s, 0);
        gen_run(s, opt);
        for (int i = 0; i < NG; i++) {
            g_assert_cmphex(env->g[i], ==, g[i]);
        }
    }
}

/*
 * Helpers within rel32 reach of the code are called directly, others through
 * a register: run the calls from a buffer far away (mmap's usual choice) and,
 * if the kernel grants one, from a buffer next to this program's text.
 */
static void test_calls(void)
{
    uint8_t *far = code_buf;
    calls_test_body();
    uintptr_t text = (uintptr_t)helper_pure4 & ~(uintptr_t)0xffff;
    uint8_t *near = mmap((void *)(text + 0x10000000), CODE_SIZE,
                         PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (near == MAP_FAILED) {
        g_test_message("no buffer near the helpers: direct calls not tried");
        return;
    }
    intptr_t dist = (intptr_t)near - (intptr_t)text;
    if (dist > 0x40000000 || dist < -0x40000000) {
        g_test_message("no buffer near the helpers: direct calls not tried");
    } else {
        code_buf = near;
        calls_test_body();
        code_buf = far;
    }
    munmap(near, CODE_SIZE);
    ctx_init();
}

/*
 * A long block where every instruction keeps a local live across a branch,
 * with a fresh constant per instruction (the guest pc, say): each local needs
 * a spill slot. The block is well within TCG_MAX_INSNS.
 */
static void many_spilled_locals(void)
{
    enum { N = 200 };
    TCGContext *s = ctx_init();
    env->g[0] = 5;
    tcg_func_start(s);
    for (int i = 0; i < N; i++) {
        if (i) {
            tcg_temp_reset(s);
        }
        tcg_gen_insn_start(s, 0x1000 + 4 * (uint64_t)i);
        TCGv t = tcg_temp_new_local(s);
        TCGLabel *l = gen_new_label(s);
        tcg_gen_addi(s, t, G[0], 0x1000 + 4 * i);
        tcg_gen_brcondi(s, TCG_COND_EQ, G[1], 0, l);
        tcg_gen_movi(s, t, 0);
        tcg_gen_set_label(s, l);
        tcg_gen_add(s, G[2], G[2], t);
    }
    g_assert_cmpint(s->nb_labels, <=, TCG_MAX_LABELS);
    tcg_gen_exit_tb(s, 0);
    gen_run(s, true);
    uint64_t want = 0;
    for (int i = 0; i < N; i++) {
        want += 5 + 0x1000 + 4 * (uint64_t)i;
    }
    g_assert_cmphex(env->g[2], ==, want);
}

/*
 * Run in a child: running out of spill slots is an assertion failure, which
 * must not take the other cases down with it.
 */
static void test_many_spilled_locals(void)
{
    if (g_test_subprocess()) {
        many_spilled_locals();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    if (!g_test_trap_has_passed()) {
        report("a block of 200 instructions, each with a local live across a "
               "branch, failed to generate or run (see its stderr above)");
    }
}

/*
 * A local temp is a loop counter in one guest instruction; after
 * tcg_temp_reset the next instruction gets the same temp from tcg_temp_new.
 * The counter must still behave as a local in its own instruction.
 */
static void test_local_reuse(void)
{
    for (int opt = 0; opt < 2; opt++) {
        TCGContext *s = ctx_init();
        env->g[0] = 100;
        env->g[1] = 21;
        tcg_func_start(s);
        tcg_gen_insn_start(s, 0x1000);
        TCGv c0 = tcg_constant(s, 0), c1 = tcg_constant(s, 1);
        TCGv c4 = tcg_constant(s, 4);
        TCGv cnt = tcg_temp_new_local(s);
        TCGLabel *l = gen_new_label(s);
        tcg_gen_mov(s, cnt, c0);
        tcg_gen_set_label(s, l);
        tcg_gen_add(s, cnt, cnt, c1);
        tcg_gen_add(s, G[0], G[0], c1);
        tcg_gen_brcond(s, TCG_COND_LTU, cnt, c4, l);

        tcg_temp_reset(s);
        tcg_gen_insn_start(s, 0x1004);
        TCGv x = tcg_temp_new(s);         /* today: the counter's temp */
        if (x != cnt) {
            g_test_message("temps are no longer reused after a reset");
        }
        tcg_gen_mov(s, x, G[1]);
        tcg_gen_add(s, G[2], x, x);
        tcg_gen_exit_tb(s, 0x40);

        uintptr_t ret = 0;
        int size = gen_block(s, opt);
        g_assert_cmpint(size, >, 0);
        if (!exec_guarded(s, s->code_buf, &ret)) {
            char *d = dump_string(s);
            report("%s: the loop never ended (g0 = %" PRIu64 "); ops:\n%s",
                   opt ? "optimised" : "not optimised", env->g[0], d);
            free(d);
            continue;
        }
        g_assert_cmphex(ret, ==, 0x40);
        g_assert_cmpint(env->g[0], ==, 104);
        g_assert_cmpint(env->g[2], ==, 42);
    }
}

/* 5. Random differential test */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rnd(Rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

static int rnd_n(Rng *r, int n)
{
    return (int)(rnd(r) % (uint64_t)n);
}

static const uint64_t interesting[] = {
    0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
    0xffff, 0x7fffffff, 0x80000000ull, 0xffffffffull, 0x100000000ull,
    0xffffffff80000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    (uint64_t)-1, (uint64_t)-2, (uint64_t)-128, 0x8000000000000001ull,
    0x123456789abcdef0ull, 0xfedcba9876543210ull,
};

static uint64_t rand_value(Rng *r)
{
    switch (rnd_n(r, 4)) {
    case 0:
    case 1:
        return interesting[rnd_n(r, (int)G_N_ELEMENTS(interesting))];
    case 2:
        return rnd(r);
    default:
        return (uint64_t)(int64_t)(rnd_n(r, 600) - 300);
    }
}

#define MAXT 6          /* temp slots per instruction */
#define MAXROPS 384
#define MAXRLABELS 64

enum { K_NONE, K_GLOBAL, K_TEMP, K_CONST, K_ENV };

typedef struct RArg {
    uint8_t kind;
    uint8_t idx;
    uint64_t val;
} RArg;

enum { R_INSN, R_NEWTEMP, R_OP, R_LABEL, R_BR, R_BRCOND, R_CALL, R_EXIT };

/*
 * The random program, kept apart from the IR so that it can be both emitted
 * as IR and interpreted, and shrunk when it finds a mismatch.
 */
typedef struct ROp {
    uint8_t type;
    uint8_t nin;
    bool local;         /* R_NEWTEMP */
    int group;          /* a loop's skeleton, deleted only as a whole */
    TCGOpcode opc;      /* R_OP */
    RArg out;           /* kind K_NONE if none; R_NEWTEMP: the slot */
    RArg in[6];
    int64_t k[2];       /* cond/pos/offset/helper, label/len/flags */
} ROp;

typedef struct RProg {
    int n;
    ROp ops[MAXROPS];
    uint64_t init_g[NG];
    uint8_t init_scratch[SCRATCH];
} RProg;

typedef struct RState {
    uint64_t g[NG];
    uint8_t scratch[SCRATCH];
    uint64_t ret;
    bool hung;
} RState;

typedef struct RHelper {
    void *fn;
    int nargs;
    bool uses_env;
} RHelper;

static const RHelper rhelpers[] = {
    { (void *)helper_pure4, 4, false },
    { (void *)helper_pure6, 6, false },
    { (void *)helper_env3, 3, true },
};

static const TCGOpcode rand_ops[] = {
    INDEX_op_mov, INDEX_op_add, INDEX_op_sub, INDEX_op_and, INDEX_op_or,
    INDEX_op_xor, INDEX_op_mul, INDEX_op_shl, INDEX_op_shr, INDEX_op_sar,
    INDEX_op_rotl, INDEX_op_rotr, INDEX_op_neg, INDEX_op_not, INDEX_op_ext8s,
    INDEX_op_ext8u, INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_ext32s,
    INDEX_op_ext32u, INDEX_op_bswap16, INDEX_op_bswap32, INDEX_op_bswap64,
    INDEX_op_deposit, INDEX_op_setcond, INDEX_op_movcond, INDEX_op_ld8u,
    INDEX_op_ld8s, INDEX_op_ld16u, INDEX_op_ld16s, INDEX_op_ld32u,
    INDEX_op_ld32s, INDEX_op_ld, INDEX_op_st8, INDEX_op_st16, INDEX_op_st32,
    INDEX_op_st,
};

static bool is_ld(TCGOpcode opc)
{
    return opc >= INDEX_op_ld8u && opc <= INDEX_op_ld;
}

static bool is_st(TCGOpcode opc)
{
    return opc >= INDEX_op_st8 && opc <= INDEX_op_st;
}

static int ldst_size(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_ld8u: case INDEX_op_ld8s: case INDEX_op_st8: return 1;
    case INDEX_op_ld16u: case INDEX_op_ld16s: case INDEX_op_st16: return 2;
    case INDEX_op_ld32u: case INDEX_op_ld32s: case INDEX_op_st32: return 4;
    default: return 8;
    }
}

typedef struct GenState {
    Rng *r;
    RProg *p;
    bool alloc[MAXT], valid[MAXT], local[MAXT];
    int no_write_slot;  /* a loop's counter, -1 */
    int nlabels, ngroups;
    int budget;
} GenState;

static ROp *add_rop(RProg *p, const ROp *op)
{
    g_assert_cmpint(p->n, <, MAXROPS);
    p->ops[p->n] = *op;
    return &p->ops[p->n++];
}

static RArg rconst(uint64_t v)
{
    return (RArg){ K_CONST, 0, v };
}

static RArg pick_in(GenState *g)
{
    int x = rnd_n(g->r, 100);
    if (x < 30) {
        return rconst(rand_value(g->r));
    }
    if (x < 60) {
        int slots[MAXT], n = 0;
        for (int i = 0; i < MAXT; i++) {
            if (g->valid[i]) {
                slots[n++] = i;
            }
        }
        if (n) {
            return (RArg){ K_TEMP, (uint8_t)slots[rnd_n(g->r, n)], 0 };
        }
    }
    return (RArg){ K_GLOBAL, (uint8_t)rnd_n(g->r, NG), 0 };
}

static RArg pick_out(GenState *g)
{
    if (rnd_n(g->r, 100) < 55) {
        return (RArg){ K_GLOBAL, (uint8_t)rnd_n(g->r, NG), 0 };
    }
    int slot = rnd_n(g->r, MAXT);
    if (slot == g->no_write_slot) {
        return (RArg){ K_GLOBAL, (uint8_t)rnd_n(g->r, NG), 0 };
    }
    if (!g->alloc[slot]) {
        ROp nt = { .type = R_NEWTEMP, .local = rnd_n(g->r, 3) == 0 };
        nt.out = (RArg){ K_TEMP, (uint8_t)slot, 0 };
        add_rop(g->p, &nt);
        g->alloc[slot] = true;
        g->valid[slot] = false;
        g->local[slot] = nt.local;
    }
    return (RArg){ K_TEMP, (uint8_t)slot, 0 };
}

static void set_out_valid(GenState *g, const RArg *o)
{
    if (o->kind == K_TEMP) {
        g->valid[o->idx] = true;
    }
}

static void gen_call(GenState *g)
{
    int h = rnd_n(g->r, (int)G_N_ELEMENTS(rhelpers));
    static const unsigned pure_flags[] = { 0, TCG_CALL_NO_RWG,
                                           TCG_CALL_NO_READ_GLOBALS,
                                           TCG_CALL_NO_WRITE_GLOBALS };
    ROp op = { .type = R_CALL };
    op.k[0] = h;
    op.k[1] = rhelpers[h].uses_env ? 0 : pure_flags[rnd_n(g->r, 4)];
    op.nin = (uint8_t)rhelpers[h].nargs;
    for (int i = 0; i < op.nin; i++) {
        op.in[i] = pick_in(g);
    }
    if (rhelpers[h].uses_env) {
        op.in[0] = (RArg){ K_ENV, 0, 0 };
    }
    if (rnd_n(g->r, 5)) {
        op.out = pick_out(g);
    }
    add_rop(g->p, &op);
    set_out_valid(g, &op.out);
    g->budget--;
}

static void gen_simple(GenState *g)
{
    if (rnd_n(g->r, 100) < 6) {
        gen_call(g);
        return;
    }
    TCGOpcode opc = rand_ops[rnd_n(g->r, (int)G_N_ELEMENTS(rand_ops))];
    const TCGOpDef *def = &tcg_op_defs[opc];
    ROp op = { .type = R_OP, .opc = opc };

    if (is_ld(opc)) {
        op.nin = 0;
        op.k[0] = rnd_n(g->r, SCRATCH - ldst_size(opc) + 1);
    } else {
        op.nin = def->nb_iargs;
        for (int i = 0; i < op.nin; i++) {
            op.in[i] = pick_in(g);
        }
        if (is_st(opc)) {
            op.k[0] = rnd_n(g->r, SCRATCH - ldst_size(opc) + 1);
        }
    }
    switch (opc) {
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar:
    case INDEX_op_rotl: case INDEX_op_rotr:
        if (rnd_n(g->r, 2)) {
            op.in[1] = rconst((uint64_t)rnd_n(g->r, 70));
        }
        break;
    case INDEX_op_deposit: {
        static const int common[][2] = { { 0, 8 }, { 0, 16 }, { 8, 8 },
                                         { 0, 32 }, { 32, 32 }, { 0, 64 } };
        if (rnd_n(g->r, 2)) {
            int c = rnd_n(g->r, (int)G_N_ELEMENTS(common));
            op.k[0] = common[c][0];
            op.k[1] = common[c][1];
        } else {
            op.k[0] = rnd_n(g->r, 64);
            op.k[1] = 1 + rnd_n(g->r, 64 - (int)op.k[0]);
        }
        break;
    }
    case INDEX_op_setcond:
    case INDEX_op_movcond:
        op.k[0] = cmp_conds[rnd_n(g->r, NCMP)];
        break;
    default:
        break;
    }
    if (def->nb_oargs) {
        op.out = pick_out(g);
    }
    add_rop(g->p, &op);
    set_out_valid(g, &op.out);
    g->budget--;
}

static void gen_fwd_branch(GenState *g)
{
    int l = g->nlabels++;
    ROp b = { .type = R_BRCOND };
    if (rnd_n(g->r, 10) == 0) {
        b.type = R_BR;
    } else {
        b.nin = 2;
        b.in[0] = pick_in(g);
        b.in[1] = pick_in(g);
        int c = rnd_n(g->r, NCMP + 2);
        b.k[0] = c < NCMP ? cmp_conds[c]
                          : (c == NCMP ? TCG_COND_ALWAYS : TCG_COND_NEVER);
    }
    b.k[1] = l;
    add_rop(g->p, &b);
    g->budget--;
    bool snap[MAXT];
    for (int i = 0; i < MAXT; i++) {
        snap[i] = g->valid[i] && g->local[i];
        g->valid[i] = snap[i];
    }
    int n = 1 + rnd_n(g->r, 4);
    for (int i = 0; i < n; i++) {
        gen_simple(g);
    }
    ROp lab = { .type = R_LABEL };
    lab.k[1] = l;
    add_rop(g->p, &lab);
    for (int i = 0; i < MAXT; i++) {
        g->valid[i] = g->valid[i] && snap[i];
    }
}

static void gen_loop(GenState *g)
{
    int slot = -1;
    for (int i = 0; i < MAXT; i++) {
        if (!g->alloc[i]) {
            slot = i;
            break;
        }
    }
    if (slot < 0 || g->nlabels >= MAXRLABELS) {
        gen_simple(g);
        return;
    }
    int grp = ++g->ngroups;
    RArg cnt = { K_TEMP, (uint8_t)slot, 0 };
    ROp op = { .type = R_NEWTEMP, .local = true, .group = grp, .out = cnt };
    add_rop(g->p, &op);
    g->alloc[slot] = g->valid[slot] = g->local[slot] = true;
    op = (ROp){ .type = R_OP, .opc = INDEX_op_mov, .group = grp, .nin = 1,
                .out = cnt };
    op.in[0] = rconst(0);
    add_rop(g->p, &op);
    int l = g->nlabels++;
    op = (ROp){ .type = R_LABEL, .group = grp };
    op.k[1] = l;
    add_rop(g->p, &op);
    for (int i = 0; i < MAXT; i++) {
        g->valid[i] = g->valid[i] && g->local[i];
    }
    g->no_write_slot = slot;
    int n = 1 + rnd_n(g->r, 4);
    for (int i = 0; i < n; i++) {
        gen_simple(g);
    }
    g->no_write_slot = -1;
    op = (ROp){ .type = R_OP, .opc = INDEX_op_add, .group = grp, .nin = 2,
                .out = cnt };
    op.in[0] = cnt;
    op.in[1] = rconst(1);
    add_rop(g->p, &op);
    op = (ROp){ .type = R_BRCOND, .group = grp, .nin = 2 };
    op.in[0] = cnt;
    op.in[1] = rconst((uint64_t)(1 + rnd_n(g->r, 4)));
    op.k[0] = TCG_COND_LTU;
    op.k[1] = l;
    add_rop(g->p, &op);
    for (int i = 0; i < MAXT; i++) {
        g->valid[i] = g->valid[i] && g->local[i];
    }
    g->budget -= 2;
}

static void gen_prog(Rng *r, RProg *p)
{
    GenState g = { .r = r, .p = p, .no_write_slot = -1 };
    p->n = 0;
    for (int i = 0; i < NG; i++) {
        p->init_g[i] = rand_value(r);
    }
    for (int i = 0; i < SCRATCH; i++) {
        p->init_scratch[i] = (uint8_t)rnd(r);
    }
    g.budget = 10 + rnd_n(r, 31);
    uint64_t pc = 0x1000;
    while (g.budget > 0) {
        ROp in = { .type = R_INSN };
        in.k[0] = (int64_t)pc;
        pc += 4;
        add_rop(p, &in);
        memset(g.alloc, 0, sizeof(g.alloc));
        memset(g.valid, 0, sizeof(g.valid));
        memset(g.local, 0, sizeof(g.local));
        int n = 1 + rnd_n(r, 6);
        for (int j = 0; j < n && g.budget > 0; j++) {
            int x = rnd_n(r, 100);
            if (x < 8 && g.nlabels < MAXRLABELS) {
                gen_fwd_branch(&g);
            } else if (x < 13) {
                gen_loop(&g);
            } else {
                gen_simple(&g);
            }
        }
    }
    ROp ex = { .type = R_EXIT };
    ex.k[0] = (int64_t)(rnd(r) & ~3ull);
    add_rop(p, &ex);
}

/*
 * The rules the generator follows, checked again for the shrinker's
 * candidates: temps are written before they are read within an instruction;
 * only locals survive a label or a branch (and only if valid on every path);
 * branches stay within their instruction.
 */
static bool prog_valid(const RProg *p)
{
    bool alloc[MAXT] = { 0 }, valid[MAXT] = { 0 }, local[MAXT] = { 0 };
    bool seen[MAXRLABELS] = { 0 }, pending[MAXRLABELS] = { 0 };
    bool snap[MAXRLABELS][MAXT];

    for (int i = 0; i < p->n; i++) {
        const ROp *op = &p->ops[i];
        for (int k = 0; k < op->nin; k++) {
            const RArg *a = &op->in[k];
            if (a->kind == K_TEMP && !(alloc[a->idx] && valid[a->idx])) {
                return false;
            }
        }
        switch (op->type) {
        case R_INSN:
            for (int l = 0; l < MAXRLABELS; l++) {
                if (pending[l] && !seen[l]) {
                    return false;
                }
            }
            memset(alloc, 0, sizeof(alloc));
            memset(valid, 0, sizeof(valid));
            break;
        case R_NEWTEMP:
            alloc[op->out.idx] = true;
            valid[op->out.idx] = false;
            local[op->out.idx] = op->local;
            break;
        case R_OP:
        case R_CALL:
            if (op->out.kind == K_TEMP) {
                if (!alloc[op->out.idx]) {
                    return false;
                }
                valid[op->out.idx] = true;
            }
            break;
        case R_BR:
        case R_BRCOND: {
            int l = (int)op->k[1];
            if (!seen[l]) {
                if (!pending[l]) {
                    pending[l] = true;
                    memset(snap[l], 1, sizeof(snap[l]));
                }
                for (int t = 0; t < MAXT; t++) {
                    snap[l][t] = snap[l][t] && valid[t] && local[t];
                }
            }
            for (int t = 0; t < MAXT; t++) {
                valid[t] = valid[t] && local[t];
            }
            break;
        }
        case R_LABEL: {
            int l = (int)op->k[1];
            seen[l] = true;
            for (int t = 0; t < MAXT; t++) {
                valid[t] = valid[t] && local[t] && (!pending[l] || snap[l][t]);
            }
            break;
        }
        case R_EXIT:
            break;
        }
    }
    for (int l = 0; l < MAXRLABELS; l++) {
        if (pending[l] && !seen[l]) {
            return false;
        }
    }
    return true;
}

static uint64_t call_helper_model(const ROp *op, const uint64_t *v, uint64_t *g)
{
    switch (op->k[0]) {
    case 0:
        return model_pure4(v[0], v[1], v[2], v[3]);
    case 1:
        return model_pure6(v[0], v[1], v[2], v[3], v[4], v[5]);
    default:
        return model_env3(g, v[1], v[2]);
    }
}

static bool interp(const RProg *p, RState *st)
{
    int label_pos[MAXRLABELS];
    uint64_t tv[MAXT] = { 0 };

    for (int i = 0; i < MAXRLABELS; i++) {
        label_pos[i] = -1;
    }
    for (int i = 0; i < p->n; i++) {
        if (p->ops[i].type == R_LABEL) {
            label_pos[p->ops[i].k[1]] = i;
        }
    }
    memcpy(st->g, p->init_g, sizeof(st->g));
    memcpy(st->scratch, p->init_scratch, sizeof(st->scratch));
    st->ret = 0;
    st->hung = false;
    int steps = 0;
    for (int pc = 0; pc < p->n;) {
        const ROp *op = &p->ops[pc++];
        uint64_t v[6] = { 0 };
        if (++steps > 100000) {
            return false;
        }
        for (int k = 0; k < op->nin; k++) {
            const RArg *a = &op->in[k];
            switch (a->kind) {
            case K_GLOBAL: v[k] = st->g[a->idx]; break;
            case K_TEMP: v[k] = tv[a->idx]; break;
            case K_CONST: v[k] = a->val; break;
            default: v[k] = 0; break;
            }
        }
        uint64_t res = 0;
        switch (op->type) {
        case R_OP:
            if (is_ld(op->opc)) {
                int size = ldst_size(op->opc);
                memcpy(&res, st->scratch + op->k[0], (size_t)size);
                if (op->opc == INDEX_op_ld8s || op->opc == INDEX_op_ld16s ||
                    op->opc == INDEX_op_ld32s) {
                    int sh = 64 - 8 * size;
                    res = (uint64_t)((int64_t)(res << sh) >> sh);
                }
            } else if (is_st(op->opc)) {
                memcpy(st->scratch + op->k[0], &v[0],
                       (size_t)ldst_size(op->opc));
            } else {
                res = ref_alu(op->opc, v, op->k[0], op->k[1]);
            }
            break;
        case R_CALL:
            res = call_helper_model(op, v, st->g);
            break;
        case R_BR:
            pc = label_pos[op->k[1]];
            break;
        case R_BRCOND:
            if (ref_cond((TCGCond)op->k[0], v[0], v[1])) {
                pc = label_pos[op->k[1]];
            }
            break;
        case R_EXIT:
            st->ret = (uint64_t)op->k[0];
            return true;
        default:
            break;
        }
        if ((op->type == R_OP || op->type == R_CALL) && op->out.kind) {
            if (op->out.kind == K_GLOBAL) {
                st->g[op->out.idx] = res;
            } else {
                tv[op->out.idx] = res;
            }
        }
    }
    return true;
}

static TCGv rarg_tcgv(TCGContext *s, const RArg *a, TCGv *slot)
{
    switch (a->kind) {
    case K_GLOBAL: return G[a->idx];
    case K_TEMP: return slot[a->idx];
    case K_CONST: return tcg_constant(s, (int64_t)a->val);
    case K_ENV: return s->env;
    default: return NULL;
    }
}

/* which temp each R_NEWTEMP got, for the report (temp kinds are not dumped) */
static int newtemp_idx[MAXROPS];

static void emit_prog(TCGContext *s, const RProg *p)
{
    TCGv slot[MAXT] = { 0 };
    TCGLabel *labels[MAXRLABELS];
    bool first = true;

    tcg_func_start(s);
    for (int i = 0; i < MAXRLABELS; i++) {
        labels[i] = gen_new_label(s);
    }
    for (int i = 0; i < p->n; i++) {
        const ROp *op = &p->ops[i];
        TCGv in[6] = { 0 };
        for (int k = 0; k < op->nin; k++) {
            in[k] = rarg_tcgv(s, &op->in[k], slot);
        }
        TCGv out = op->out.kind && op->type != R_NEWTEMP
                   ? rarg_tcgv(s, &op->out, slot) : NULL;
        switch (op->type) {
        case R_INSN:
            if (!first) {
                tcg_temp_reset(s);
            }
            first = false;
            memset(slot, 0, sizeof(slot));
            tcg_gen_insn_start(s, (uint64_t)op->k[0]);
            break;
        case R_NEWTEMP:
            slot[op->out.idx] = op->local ? tcg_temp_new_local(s)
                                          : tcg_temp_new(s);
            newtemp_idx[i] = temp_idx(s, slot[op->out.idx]) - s->nb_globals;
            break;
        case R_OP: {
            TCGOpcode opc = op->opc;
            if (is_ld(opc)) {
                tcg_gen_ld(s, opc, out, s->env, SCR_OFF + (int)op->k[0]);
            } else if (is_st(opc)) {
                tcg_gen_st(s, opc, in[0], s->env, SCR_OFF + (int)op->k[0]);
            } else if (opc == INDEX_op_mov) {
                tcg_gen_mov(s, out, in[0]);
            } else if (opc == INDEX_op_movcond) {
                tcg_gen_movcond(s, (TCGCond)op->k[0], out, in[0], in[1], in[2],
                                in[3]);
            } else {
                OpSpec sp = { opc, op->k[0], op->k[1] };
                gen_spec(s, &sp, out, in[0], in[1]);
            }
            break;
        }
        case R_LABEL:
            tcg_gen_set_label(s, labels[op->k[1]]);
            break;
        case R_BR:
            tcg_gen_br(s, labels[op->k[1]]);
            break;
        case R_BRCOND:
            tcg_gen_brcond(s, (TCGCond)op->k[0], in[0], in[1],
                           labels[op->k[1]]);
            break;
        case R_CALL:
            tcg_gen_call(s, rhelpers[op->k[0]].fn, "rhelper", (unsigned)op->k[1], out,
                         op->nin, in);
            break;
        case R_EXIT:
            tcg_gen_exit_tb(s, (uintptr_t)op->k[0]);
            break;
        }
    }
}

typedef struct RunOut {
    RState st;
    int size;
} RunOut;

static void jit_run(const RProg *p, bool optimize, RunOut *o)
{
    TCGContext *s = ctx;
    emit_prog(s, p);
    memset(env, 0, sizeof(*env));
    memcpy(env->g, p->init_g, sizeof(env->g));
    memcpy(env->scratch, p->init_scratch, sizeof(env->scratch));
    o->size = gen_block(s, optimize);
    g_assert_cmpint(o->size, >, 0);
    uintptr_t ret = 0;
    o->st.hung = !exec_guarded(s, s->code_buf, &ret);
    o->st.ret = ret;
    memcpy(o->st.g, env->g, sizeof(env->g));
    memcpy(o->st.scratch, env->scratch, sizeof(env->scratch));
}

static bool states_equal(const RState *a, const RState *b)
{
    return !a->hung && !b->hung && !memcmp(a->g, b->g, sizeof(a->g)) &&
           !memcmp(a->scratch, b->scratch, sizeof(a->scratch)) &&
           a->ret == b->ret;
}

/* true if p is a valid program on which the JIT and the reference differ */
static bool mismatches(const RProg *p, bool optimize)
{
    RState ref;
    RunOut jit;
    if (!prog_valid(p) || !interp(p, &ref)) {
        return false;
    }
    jit_run(p, optimize, &jit);
    return !states_equal(&ref, &jit.st);
}

static void delete_ops(RProg *p, int from, int n)
{
    memmove(&p->ops[from], &p->ops[from + n],
            sizeof(p->ops[0]) * (size_t)(p->n - from - n));
    p->n -= n;
}

/* Greedy shrinking: drop ops (a loop's skeleton as a whole), zero inputs. */
static void shrink(RProg *p, bool optimize)
{
    static RProg cand;
    bool progress = true;
    while (progress) {
        progress = false;
        for (int i = p->n - 1; i >= 0; i--) {
            if (i >= p->n || p->ops[i].type == R_EXIT) {
                continue;
            }
            cand = *p;
            int grp = p->ops[i].group;
            if (grp) {
                for (int j = cand.n - 1; j >= 0; j--) {
                    if (cand.ops[j].group == grp) {
                        delete_ops(&cand, j, 1);
                    }
                }
            } else {
                delete_ops(&cand, i, 1);
            }
            if (mismatches(&cand, optimize)) {
                *p = cand;
                progress = true;
            }
        }
        for (int i = 0; i < NG; i++) {
            if (p->init_g[i]) {
                cand = *p;
                cand.init_g[i] = 0;
                if (mismatches(&cand, optimize)) {
                    *p = cand;
                    progress = true;
                }
            }
        }
    }
}

static void report_prog(const RProg *p, bool optimize, uint64_t seed, int block)
{
    RState ref;
    RunOut jit;
    TCGContext *s = ctx;

    interp(p, &ref);
    emit_prog(s, p);
    char *before = dump_string(s);
    jit_run(p, optimize, &jit);
    char *after = dump_string(s);
    GString *m = g_string_new(NULL);
    g_string_append_printf(m, "random block mismatch: seed %#" PRIx64
                           ", block %d, %s\n", seed, block,
                           optimize ? "optimised" : "not optimised");
    g_string_append_printf(m, "shrunk op list:\n%s", before);
    g_string_append(m, "temps as allocated:\n");
    uint64_t pc = 0;
    for (int i = 0; i < p->n; i++) {
        if (p->ops[i].type == R_INSN) {
            pc = (uint64_t)p->ops[i].k[0];
        } else if (p->ops[i].type == R_NEWTEMP) {
            g_string_append_printf(m, "  insn %#" PRIx64 ": tmp%d = %s\n", pc,
                                   newtemp_idx[i], p->ops[i].local
                                   ? "tcg_temp_new_local()" : "tcg_temp_new()");
        }
    }
    g_string_append_printf(m, "after optimisation and liveness:\n%s", after);
    g_string_append(m, "initial globals (others 0):");
    for (int i = 0; i < NG; i++) {
        if (p->init_g[i]) {
            g_string_append_printf(m, " g%d=%#" PRIx64, i, p->init_g[i]);
        }
    }
    g_string_append(m, "\n");
    for (int i = 0; i < NG; i++) {
        if (ref.g[i] != jit.st.g[i]) {
            g_string_append_printf(m, "g%d: expected %#" PRIx64 ", got %#"
                                   PRIx64 "\n", i, ref.g[i], jit.st.g[i]);
        }
    }
    for (int i = 0; i < SCRATCH; i++) {
        if (ref.scratch[i] != jit.st.scratch[i]) {
            g_string_append_printf(m, "scratch[%d]: expected %#x, got %#x\n",
                                   i, ref.scratch[i], jit.st.scratch[i]);
        }
    }
    if (jit.st.hung) {
        g_string_append(m, "the generated code did not finish\n");
    } else if (ref.ret != jit.st.ret) {
        g_string_append_printf(m, "exit value: expected %#" PRIx64 ", got %#"
                               PRIx64 "\n", ref.ret, jit.st.ret);
    }
    char *code = NULL;
    size_t code_len = 0;
    FILE *f = open_memstream(&code, &code_len);
    disas_host(f, s->code_buf, (size_t)jit.size);
    fclose(f);
    g_string_append_printf(m, "host code:\n%s", code);
    free(code);
    g_test_message("%s", m->str);
    g_string_free(m, TRUE);
    free(before);
    free(after);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? g_ascii_strtoull(v, NULL, 0) : dflt;
}

static void test_random(void)
{
    static RProg p;
    uint64_t seed = env_u64("BT86_TCG_SEED", 0x5eed0001);
    int nblocks = (int)env_u64("BT86_TCG_BLOCKS", 2000);
    int failures = 0, reported = 0;
    Rng r = { seed ? seed : 1 };

    ctx_init();
    misaligned_calls = 0;
    for (int b = 0; b < nblocks; b++) {
        gen_prog(&r, &p);
        g_assert_true(prog_valid(&p));
        RState ref;
        g_assert_true(interp(&p, &ref));
        for (int opt = 0; opt < 2; opt++) {
            RunOut jit;
            jit_run(&p, opt, &jit);
            if (!states_equal(&ref, &jit.st)) {
                failures++;
                if (reported++ < 2) {
                    static RProg small;
                    small = p;
                    shrink(&small, opt);
                    report_prog(&small, opt, seed, b);
                }
            }
        }
    }
    g_assert_cmpint(misaligned_calls, ==, 0);
    if (failures) {
        g_test_message("%d of %d runs mismatched (%d random blocks, each "
                       "with and without the optimiser; seed %#" PRIx64 ")",
                       failures, 2 * nblocks, nblocks, seed);
        g_test_fail();
    }
}

/*
 * The technique switches that act in tcg/ (tcg/tuning.h): with each one
 * off, random blocks still compute what the reference does, and an exit
 * request still leaves a block before it changes anything.
 */
static void test_tuning(void)
{
    static RProg p;
    static const struct {
        const char *name;
        size_t offset;
    } sw[] = {
        { "regcache", offsetof(TCGTuning, regcache) },
        { "optimize", offsetof(TCGTuning, optimize) },
        { "inline-irq-check", offsetof(TCGTuning, inline_irq_check) },
    };
    uint64_t seed = env_u64("BT86_TCG_SEED", 0x5eed0002);
    int nblocks = (int)env_u64("BT86_TCG_BLOCKS", 2000) / 4;
    Rng r = { seed ? seed : 1 };

    for (size_t k = 0; k < G_N_ELEMENTS(sw); k++) {
        tcg_tuning = TCG_TUNING_DEFAULT;
        *(bool *)((char *)&tcg_tuning + sw[k].offset) = false;
        test_exit_request();
    }
    ctx_init();
    int failures = 0;
    for (int b = 0; b < nblocks; b++) {
        gen_prog(&r, &p);
        RState ref;
        g_assert_true(interp(&p, &ref));
        for (size_t k = 0; k < G_N_ELEMENTS(sw); k++) {
            tcg_tuning = TCG_TUNING_DEFAULT;
            *(bool *)((char *)&tcg_tuning + sw[k].offset) = false;
            RunOut jit;
            jit_run(&p, tcg_tuning.optimize, &jit);
            if (!states_equal(&ref, &jit.st) && failures++ < 5) {
                g_test_message("%s=off: block %d of seed %#" PRIx64
                               " mismatched", sw[k].name, b, seed);
            }
        }
    }
    tcg_tuning = TCG_TUNING_DEFAULT;
    if (failures) {
        g_test_message("%d mismatches", failures);
        g_test_fail();
    }
}

typedef struct TestCase {
    const char *path;
    void (*fn)(void);
} TestCase;

static const TestCase tests[] = {
    { "/tcg/ir/reference", test_reference },
    { "/tcg/ir/builder-dump", test_builder_dump },
    { "/tcg/ir/optimize", test_optimize },
    { "/tcg/ir/liveness", test_liveness },
    { "/tcg/e2e/binops", test_e2e_binops },
    { "/tcg/e2e/unops", test_e2e_unops },
    { "/tcg/e2e/deposit", test_e2e_deposit },
    { "/tcg/e2e/setcond", test_e2e_setcond },
    { "/tcg/e2e/movcond", test_e2e_movcond },
    { "/tcg/e2e/brcond", test_e2e_brcond },
    { "/tcg/e2e/loops", test_e2e_loops },
    { "/tcg/e2e/ldst", test_e2e_ldst },
    { "/tcg/e2e/byte-regs", test_e2e_byte_regs },
    { "/tcg/e2e/exit-request", test_exit_request },
    { "/tcg/e2e/chaining", test_chaining },
    { "/tcg/e2e/calls", test_calls },
    { "/tcg/e2e/local-reuse", test_local_reuse },
    { "/tcg/e2e/many-spilled-locals", test_many_spilled_locals },
    { "/tcg/random/differential", test_random },
    { "/tcg/random/tuning", test_tuning },
};

/* Each case gets its own budget of printed mismatches. */
static void run_test(gconstpointer data)
{
    report_budget = 40;
    ((const TestCase *)data)->fn();
}

int main(int argc, char **argv)
{
    /* one failing case must not hide the others: keep going by default */
    char **args = g_new0(char *, (size_t)argc + 2);
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        args[nargs++] = argv[i];
    }
    args[nargs++] = (char *)"--keep-going";
    g_test_init(&nargs, &args, NULL);
    struct sigaction sa = { .sa_handler = on_alarm };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGVTALRM, &sa, NULL);
    code_buf = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(code_buf != MAP_FAILED);
    ctx = g_new0(TCGContext, 1);
    env = g_new0(TestEnv, 1);

    for (size_t i = 0; i < G_N_ELEMENTS(tests); i++) {
        g_test_add_data_func(tests[i].path, &tests[i], run_test);
    }
    return g_test_run();
}
