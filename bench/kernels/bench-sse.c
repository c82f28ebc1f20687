/*
 * SSE2 the way glibc's string functions use it: 16-byte loads and stores
 * (memcpy), PCMPEQB + PMOVMSKB scans (strlen/memchr) and PXOR/PADDD/PAND
 * on whole registers, over 1 MiB buffers; and packed single-precision
 * arithmetic (CVTDQ2PS, MULPS, ADDPS, MAXPS) on the same data.
 */
#include "kit.h"

#define BYTES (1u << 20)
#define REPS 64

static uint8_t src[BYTES] __attribute__((aligned(64)));
static uint8_t dst[BYTES] __attribute__((aligned(64)));

/* CR0.EM clear, CR0.MP and CR4.OSFXSR/OSXMMEXCPT set */
static void sse_enable(void)
{
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    write_cr0((cr0 & ~4ull) | 2);
    write_cr4(read_cr4() | (1u << 9) | (1u << 10));
}

/* 64 bytes per iteration, unaligned loads and stores */
static void copy(uint8_t *d, const uint8_t *s, uint64_t n)
{
    __asm__ volatile(
        "1:\n\t"
        "movdqu (%1), %%xmm0\n\t"
        "movdqu 16(%1), %%xmm1\n\t"
        "movdqu 32(%1), %%xmm2\n\t"
        "movdqu 48(%1), %%xmm3\n\t"
        "movdqu %%xmm0, (%0)\n\t"
        "movdqu %%xmm1, 16(%0)\n\t"
        "movdqu %%xmm2, 32(%0)\n\t"
        "movdqu %%xmm3, 48(%0)\n\t"
        "add $64, %0\n\t"
        "add $64, %1\n\t"
        "sub $64, %2\n\t"
        "jnz 1b\n\t"
        : "+r"(d), "+r"(s), "+r"(n) : : "memory");
}

/* strlen: aligned loads compared with zero */
static uint64_t scan(const uint8_t *p)
{
    uint64_t i = 0;
    uint32_t m;
    __asm__ volatile(
        "pxor %%xmm0, %%xmm0\n\t"
        "1:\n\t"
        "movdqa (%2,%0), %%xmm1\n\t"
        "pcmpeqb %%xmm0, %%xmm1\n\t"
        "pmovmskb %%xmm1, %1\n\t"
        "add $16, %0\n\t"
        "test %1, %1\n\t"
        "jz 1b\n\t"
        : "+r"(i), "=&r"(m) : "r"(p) : "memory");
    return i - 16 + (uint64_t)__builtin_ctz(m);
}

/* a checksum with whole-register integer ops */
static uint64_t sum(const uint8_t *p, uint64_t n)
{
    uint64_t lo, hi;
    __asm__ volatile(
        "pxor %%xmm4, %%xmm4\n\t"
        "pxor %%xmm5, %%xmm5\n\t"
        "1:\n\t"
        "movdqa (%2), %%xmm1\n\t"
        "paddd %%xmm1, %%xmm4\n\t"
        "pxor %%xmm1, %%xmm5\n\t"
        "pand %%xmm4, %%xmm1\n\t"
        "por %%xmm1, %%xmm5\n\t"
        "add $16, %2\n\t"
        "sub $16, %3\n\t"
        "jnz 1b\n\t"
        "pxor %%xmm4, %%xmm5\n\t"
        "movq %%xmm5, %0\n\t"
        "psrldq $8, %%xmm5\n\t"
        "movq %%xmm5, %1\n\t"
        : "=r"(lo), "=r"(hi), "+r"(p), "+r"(n) : : "memory");
    return lo ^ hi;
}

/* floats from the bytes as dwords: a dot product and a maximum */
static uint64_t fp(const uint8_t *p, uint64_t n)
{
    uint64_t lo, hi;
    static const uint32_t scale[4] __attribute__((aligned(16))) = {
        0x2f800000, 0x2f800000, 0x2f800000, 0x2f800000 };  /* 2^-32 */
    __asm__ volatile(
        "xorps %%xmm4, %%xmm4\n\t"
        "xorps %%xmm5, %%xmm5\n\t"
        "movaps (%4), %%xmm6\n\t"
        "1:\n\t"
        "cvtdq2ps (%2), %%xmm1\n\t"
        "mulps %%xmm6, %%xmm1\n\t"
        "movaps %%xmm1, %%xmm2\n\t"
        "mulps %%xmm1, %%xmm2\n\t"
        "addps %%xmm2, %%xmm4\n\t"
        "maxps %%xmm1, %%xmm5\n\t"
        "add $16, %2\n\t"
        "sub $16, %3\n\t"
        "jnz 1b\n\t"
        "cvtps2dq %%xmm4, %%xmm4\n\t"
        "cvttps2dq %%xmm5, %%xmm5\n\t"
        "pxor %%xmm4, %%xmm5\n\t"
        "movq %%xmm5, %0\n\t"
        "psrldq $8, %%xmm5\n\t"
        "movq %%xmm5, %1\n\t"
        : "=r"(lo), "=r"(hi), "+r"(p), "+r"(n) : "r"(scale) : "memory");
    return lo ^ hi;
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    uint32_t seed = 1;
    sse_enable();
    for (uint32_t i = 0; i < BYTES; i++) {
        seed = seed * 1664525u + 1013904223u;
        src[i] = (uint8_t)((seed >> 24) | 1);
    }
    uint64_t acc = 0;
    for (int r = 0; r < REPS; r++) {
        src[BYTES - 1 - r] = 0;
        copy(dst, src, BYTES);
        acc += scan(dst);
        acc ^= sum(dst, BYTES);
        acc += fp(dst, BYTES);
        src[BYTES - 1 - r] = 1;
    }
    kit_printf("bench-sse: %08x%08x\n", (uint32_t)(acc >> 32), (uint32_t)acc);
    kit_exit(0);
}
