/*
 * Self-modifying code, three ways a translator meets it:
 *  - patch: a function's immediate operand is rewritten before each call
 *    (code patching, inline caches);
 *  - jit: a fresh function is generated into a 64 KiB buffer and called,
 *    round after round, reusing the buffer's space as it wraps;
 *  - shared: a loop whose counter lives in the loop's own page, so every
 *    iteration stores next to the code it runs (code and data mixed).
 * Each result is also computed in C and compared, and a checksum over all
 * of them is printed, so code that ran stale cannot pass as fast.
 */
#include "kit.h"

#define PATCH_CALLS     12000
#define JIT_ROUNDS      1000
#define JIT_OPS         24          /* operations per generated function */
#define JIT_CALLS       8           /* calls per generated function */
#define JIT_SLOT        1024        /* bytes per function in the buffer */
#define SHARED_CALLS    64
#define SHARED_ITERS    32768

/*
 * The patched function and the shared-page loop, each in a page of its
 * own (.data: writable, and the kit's identity map is executable).
 */
__asm__(
    ".pushsection .data.smc, \"aw\"\n"
    ".balign 4096\n"
    ".globl smc_patch_fn\n"
    "smc_patch_fn:\n"                  /* rol(x ^ imm, 7) + x */
    "    movl %edi, %eax\n"
    "    .byte 0x35\n"                 /* xorl $imm32, %eax: always */
    ".globl smc_patch_imm\n"          /* 4 bytes, even for small ones */
    "smc_patch_imm:\n"
    "    .long 0\n"
    "    roll $7, %eax\n"
    "    addl %edi, %eax\n"
    "    ret\n"
    ".balign 4096\n"
    ".globl smc_shared_fn\n"
    "smc_shared_fn:\n"                 /* counter += x, n times */
    "    movq %rsi, %rcx\n"
    "1:  addq %rdi, smc_shared_counter(%rip)\n"
    "    decq %rcx\n"
    "    jnz 1b\n"
    "    ret\n"
    ".balign 64\n"
    ".globl smc_shared_counter\n"
    "smc_shared_counter:\n"
    "    .quad 0\n"
    ".balign 4096\n"
    ".popsection\n");

uint32_t smc_patch_fn(uint32_t x);
extern volatile uint32_t smc_patch_imm;
void smc_shared_fn(uint64_t x, uint64_t n);
extern volatile uint64_t smc_shared_counter;

static uint8_t jit_buf[64 * 1024] __attribute__((aligned(4096)));

static uint64_t mismatches;

static uint32_t rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint64_t run_patch(void)
{
    uint64_t sum = 0;

    for (uint32_t i = 0; i < PATCH_CALLS; i++) {
        uint32_t imm = i * 0x9E3779B9u;
        smc_patch_imm = imm;
        uint32_t got = smc_patch_fn(i);
        if (got != rol32(i ^ imm, 7) + i) {
            mismatches++;
        }
        sum += got;
    }
    return sum;
}

/* One generated operation on EAX (EDX is scratch). */
enum { OP_ADD, OP_XOR, OP_IMUL, OP_ROL, OP_XORSHR, OP_COUNT };

struct jit_op {
    unsigned kind;
    uint32_t imm;
};

static uint32_t lcg(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 1;
}

static uint8_t *emit32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++) {
        *p++ = (uint8_t)(v >> (8 * k));
    }
    return p;
}

/* The function's machine code at p: mov %edi,%eax; the ops; ret. */
static void jit_emit(uint8_t *p, const struct jit_op *ops, int n)
{
    *p++ = 0x89;                        /* mov %edi, %eax */
    *p++ = 0xF8;
    for (int j = 0; j < n; j++) {
        switch (ops[j].kind) {
        case OP_ADD:                    /* add $imm, %eax */
            *p++ = 0x05;
            p = emit32(p, ops[j].imm);
            break;
        case OP_XOR:                    /* xor $imm, %eax */
            *p++ = 0x35;
            p = emit32(p, ops[j].imm);
            break;
        case OP_IMUL:                   /* imul $imm, %eax, %eax */
            *p++ = 0x69;
            *p++ = 0xC0;
            p = emit32(p, ops[j].imm);
            break;
        case OP_ROL:                    /* rol $imm, %eax */
            *p++ = 0xC1;
            *p++ = 0xC0;
            *p++ = (uint8_t)ops[j].imm;
            break;
        case OP_XORSHR:                 /* eax ^= eax >> imm */
            *p++ = 0x89;                /* mov %eax, %edx */
            *p++ = 0xC2;
            *p++ = 0xC1;                /* shr $imm, %edx */
            *p++ = 0xEA;
            *p++ = (uint8_t)ops[j].imm;
            *p++ = 0x31;                /* xor %edx, %eax */
            *p++ = 0xD0;
            break;
        }
    }
    *p = 0xC3;                          /* ret */
}

/* What the generated function computes, in C. */
static uint32_t jit_interp(const struct jit_op *ops, int n, uint32_t x)
{
    for (int j = 0; j < n; j++) {
        switch (ops[j].kind) {
        case OP_ADD:
            x += ops[j].imm;
            break;
        case OP_XOR:
            x ^= ops[j].imm;
            break;
        case OP_IMUL:
            x *= ops[j].imm;
            break;
        case OP_ROL:
            x = rol32(x, ops[j].imm);
            break;
        case OP_XORSHR:
            x ^= x >> ops[j].imm;
            break;
        }
    }
    return x;
}

static uint64_t run_jit(void)
{
    struct jit_op ops[JIT_OPS];
    uint32_t seed = 1;
    uint64_t sum = 0;

    for (uint32_t r = 0; r < JIT_ROUNDS; r++) {
        for (int j = 0; j < JIT_OPS; j++) {
            ops[j].kind = lcg(&seed) % OP_COUNT;
            ops[j].imm = ops[j].kind == OP_ROL || ops[j].kind == OP_XORSHR
                         ? 1 + lcg(&seed) % 31 : lcg(&seed);
        }
        uint8_t *code = jit_buf + (r % (sizeof(jit_buf) / JIT_SLOT)) *
                        JIT_SLOT;
        jit_emit(code, ops, JIT_OPS);
        uint32_t (*fn)(uint32_t) = (uint32_t (*)(uint32_t))(uintptr_t)code;
        __asm__ volatile("" ::: "memory");   /* the code is written first */
        uint32_t x = r;
        for (int c = 0; c < JIT_CALLS; c++) {
            uint32_t got = fn(x);
            if (got != jit_interp(ops, JIT_OPS, x)) {
                mismatches++;
            }
            x = got + c;
        }
        sum = sum * 31 + x;
    }
    return sum;
}

static uint64_t run_shared(void)
{
    uint64_t want = 0;

    smc_shared_counter = 0;
    for (uint64_t c = 0; c < SHARED_CALLS; c++) {
        smc_shared_fn(c + 1, SHARED_ITERS);
        want += (c + 1) * SHARED_ITERS;
    }
    if (smc_shared_counter != want) {
        mismatches++;
    }
    return smc_shared_counter;
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    uint64_t patch = run_patch();
    uint64_t jit = run_jit();
    uint64_t shared = run_shared();
    kit_printf("bench-smc: patch %016lx, jit %016lx, shared %lu, "
               "%lu mismatches\n", patch, jit, shared, mismatches);
    kit_exit(mismatches ? 1 : 0);
}
