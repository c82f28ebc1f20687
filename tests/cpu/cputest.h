/*
 * Differential CPU test harness: the same instruction sequence runs natively
 * (in a forked child) and in bt86's CPU, and the results are compared.
 *
 * Guest/native virtual memory seen by a test:
 *   CODE_BASE   the snippet (at the start of the page unless the test says
 *               otherwise), int3 (0xCC) everywhere else; read, write,
 *               execute (so that self-modifying code can be tested)
 *   DATA_BASE   two pages of read/write data (not executable), filled from
 *               a per-test seed
 *   STACK_BASE  one page of read/write stack (not executable), RSP starts
 *               in its middle
 * Nothing else is mapped (natively: nothing the generators ever point at).
 */
#ifndef TESTS_CPU_CPUTEST_H
#define TESTS_CPU_CPUTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CODE_BASE   UINT64_C(0x10000000)
#define CODE_SIZE   0x1000u
#define DATA_BASE   UINT64_C(0x20000000)
#define DATA_SIZE   0x2000u
#define STACK_BASE  UINT64_C(0x30000000)
#define STACK_SIZE  0x1000u
#define STACK_INIT  (STACK_BASE + 0x800)

#define MAX_CODE    768
#define MAX_PATCH   8
#define MAX_INSNS   64

/* Register numbers (as in the ModRM encoding) */
enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
};

/* RFLAGS bits the harness sets and compares */
#define F_CF 0x0001u
#define F_PF 0x0004u
#define F_AF 0x0010u
#define F_ZF 0x0040u
#define F_SF 0x0080u
#define F_DF 0x0400u
#define F_OF 0x0800u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_CMP   (F_ARITH | F_DF)
/* Always set in the flags the test starts with (bit 1, IF) */
#define F_FIXED 0x0202u

/* Code segment kinds (TestCase.cmode) */
#define TC_MODE64 0     /* CS = 0x33, 64-bit */
#define TC_MODE32 1     /* CS = 0x23, 32-bit compatibility mode: DS = ES =
                           SS = 0x2b (flat), GS = SEL_LDT_DATA */
#define TC_MODE16 2     /* CS = SEL_LDT_CODE16 (16-bit, base CODE_BASE),
                           SS = SEL_LDT_STACK16 (16-bit, base STACK_BASE),
                           DS = ES = GS = SEL_LDT_DATA: offsets, not
                           addresses, in registers and RIP */
/* compat32 tests: an LDT data segment (DPL 3, 32-bit, writable, limit
 * 0xffff, base DATA_BASE), the target of 16-bit addresses via a GS
 * override (and ES when es_ldt is set) */
#define SEL_LDT_DATA 0x07
#define SEL_LDT_CODE16 0x0f     /* limit 0xffff, base CODE_BASE */
#define SEL_LDT_STACK16 0x17    /* limit 0xffff, base STACK_BASE */
#define LDT_DATA_LIMIT 0xffffu
#define SEL_FLAT_DATA 0x2b
#define SEL_CODE32 0x23

/* A byte range of the data or stack region set before the test runs. */
typedef struct MemPatch {
    uint8_t region;     /* 0: data, 1: stack */
    uint8_t len;        /* 1..8 */
    uint16_t off;
    uint64_t val;       /* little-endian */
} MemPatch;

/* The x87/MMX/SSE state, in the 64-bit FXSAVE layout (SDM Vol. 1 10.5.1):
 * what a test starts with and what both sides end with. st[i] is ST(i). */
typedef struct FxImage {
    uint16_t fcw, fsw;
    uint8_t ftw;        /* abridged: bit i set = physical register i in use */
    uint8_t reserved1;
    uint16_t fop;
    uint64_t fip, fdp;
    uint32_t mxcsr, mxcsr_mask;
    struct {
        uint64_t mant;
        uint16_t exp;   /* sign in bit 15 */
        uint16_t pad[3];
    } st[8];
    uint8_t xmm[16][16];
    uint8_t reserved2[96];
} __attribute__((aligned(16))) FxImage;

/* FNINIT's control word and MXCSR's reset value: a test's FP state when
 * it sets none */
#define FX_DEFAULT_FCW   0x037fu
#define FX_DEFAULT_MXCSR 0x1f80u

typedef struct TestCase {
    uint64_t regs[16];
    uint64_t rflags;        /* arithmetic flags and DF */
    uint64_t mem_seed;      /* initial contents of the data and stack pages */
    uint32_t code_len;      /* the bytes, including the final int3 */
    uint16_t nb_patch;
    uint16_t nb_insns;      /* instructions, not counting the final int3 */
    uint16_t code_at;       /* where in the code page the code starts */
    MemPatch patch[MAX_PATCH];
    /* insn_off[i]: where instruction i starts; insn_off[nb_insns] is the
     * final int3 */
    uint16_t insn_off[MAX_INSNS + 1];
    /* flags architecturally undefined after instruction i has run: the
     * comparison ignores them. undef[nb_insns - 1] is the end state. */
    uint16_t undef[MAX_INSNS];
    /* registers whose bits 63:32 are undefined at the end (BSF/BSR r32
     * with a zero source: Intel clears them, AMD keeps them) */
    uint16_t hi32_undef;
    /* compat32.c: the code segment (TC_MODE64 = 0, the default) and, in
     * 32-bit mode, whether ES is the LDT data segment (base DATA_BASE) */
    uint8_t cmode;
    uint8_t es_ldt;
    /* The FP state the test starts with, when fx_set (else all zero but
     * FCW and MXCSR at their defaults; see tc_fx_input). The MXCSR must
     * have no reserved bit set. fx_ptrs: also compare FOP, FIP and FDP,
     * which AMD CPUs save only while an x87 exception is pending. */
    bool fx_set;
    bool fx_ptrs;
    FxImage fx;
    uint8_t code[MAX_CODE];
    char name[64];          /* the form, for reports and deduplication */
} TestCase;

enum {
    ST_OK = 0,          /* stopped at an exception (int3 = the normal end) */
    ST_TIMEOUT,         /* did not stop in time */
    ST_CRASH,           /* native child died; or bt86 left cpu_exec oddly */
    ST_SHUTDOWN,        /* bt86: triple fault */
};

typedef struct TestResult {
    int32_t status;
    int32_t vector;     /* exception vector: 3 for the final int3 */
    uint32_t err;       /* error code, when the vector has one */
    uint16_t cs, ss;    /* selectors in the exception frame (ss: 0xffff
                           when the host does not say) */
    uint64_t regs[16];
    uint64_t rip;       /* as in the exception frame: after int3, at faults */
    uint64_t rflags;
    uint64_t cr2;
    FxImage fx;         /* at the end (FXSAVE image) */
    uint8_t data[DATA_SIZE];
    uint8_t stack[STACK_SIZE];
    uint8_t code[CODE_SIZE];
} TestResult;

/* The test's first instruction */
static inline uint64_t tc_entry(const TestCase *tc)
{
    if (tc->cmode == TC_MODE16) {
        return tc->code_at;     /* IP, in a segment based at CODE_BASE */
    }
    return CODE_BASE + tc->code_at;
}

/* The FXSAVE image a test starts with */
static inline void tc_fx_input(const TestCase *tc, FxImage *fx)
{
    if (tc->fx_set) {
        *fx = tc->fx;
        return;
    }
    *fx = (FxImage){ .fcw = FX_DEFAULT_FCW, .mxcsr = FX_DEFAULT_MXCSR };
}

/* Code bytes that fit in the code page (the rest would be on the next,
 * unmapped page) */
static inline unsigned tc_code_fit(const TestCase *tc)
{
    unsigned room = CODE_SIZE - tc->code_at;
    return tc->code_len < room ? tc->code_len : room;
}

/* Vectors that push an error code */
static inline bool vector_has_err(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* mem.c: the initial data and stack page contents */
void mem_pattern(uint64_t seed, uint8_t *data, uint8_t *stack);
void mem_apply_patches(const TestCase *tc, uint8_t *data, uint8_t *stack);

/* native.c: the forked child that runs tests on the host CPU */
bool native_start(void);
void native_stop(void);
/* Starts tests[0..n) on the host (n <= NATIVE_BATCH) ... */
void native_submit(const TestCase *tests, int n);
/* ... and waits for their results (valid until the next submit). */
const TestResult *native_collect(void);
/* Both at once; results copied to out[]. */
void native_run(const TestCase *tests, TestResult *out, int n);
/* Batch size native_run accepts at once */
#define NATIVE_BATCH 64

/* bt86run.c: the same on bt86's CPU, in process */
void bt86_init(void);
/* Flush the whole translation cache before each test, instead of
 * invalidating the test pages (slower; to rule out invalidation bugs) */
extern bool bt86_full_flush;
void bt86_run(const TestCase *tc, TestResult *out);
void *bt86_data_host(uint32_t off);
bool bt86_running(void);
/* atomic.c: --atomic */
int atomic_main(void);

/* encode.c / gen.c: building test cases */
typedef struct Rng {
    uint64_t s;
} Rng;
static inline uint64_t rng_next(Rng *r)
{
    /* splitmix64 */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline uint64_t rng_below(Rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* A sink for generated tests: returns false to stop generating. */
typedef bool (*TestSink)(TestCase *tc, void *opaque);

/* directed.c */
void directed_generate(TestSink sink, void *opaque, const char *filter);
/* random.c */
void random_generate_one(Rng *rng, TestCase *tc);
/* x87.c: the x87 directed forms (also run by directed_generate) and
 * random x87 sequences */
void x87_directed_generate(TestSink sink, void *opaque, const char *filter);
void x87_random_generate_one(Rng *rng, TestCase *tc);
/* sse.c: MMX and SSE instructions */
void sse_directed_generate(TestSink sink, void *opaque, const char *filter);
void sse_random_generate_one(Rng *rng, TestCase *tc);
/* compat32.c: the same in 32-bit (bits 32, TC_MODE32) or 16-bit (bits 16,
 * TC_MODE16) code segments */
void compat32_directed_generate(TestSink sink, void *opaque,
                                const char *filter, int bits);
void compat32_random_generate_one(Rng *rng, TestCase *tc, int bits);

#endif
