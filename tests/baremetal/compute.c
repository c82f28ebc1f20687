/*
 * Integer workloads shared by the hello kernel and compute-native. Only
 * freestanding headers and no library calls: the results must not depend
 * on where this runs. Workloads are noinline so the kernel really makes
 * the calls, and their inputs come from an LCG so the compiler cannot
 * fold them away.
 */
#include <stdbool.h>
#include <stdint.h>

#include "compute.h"

#define NOINLINE __attribute__((noinline))

#define SIEVE_LIMIT     100000
#define CRC_BUF_SIZE    4096
#define SORT_COUNT      512

static uint64_t lcg_state;

/* Knuth's MMIX constants; the high half has the better bits. */
static uint64_t lcg_next64(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lcg_state;
}

static uint32_t lcg_next(void)
{
    return (uint32_t)(lcg_next64() >> 32);
}

static uint8_t sieve[SIEVE_LIMIT];

static NOINLINE unsigned primes_below(unsigned limit)
{
    unsigned count = 0;

    for (unsigned i = 0; i < limit; i++) {
        sieve[i] = i >= 2;
    }
    for (unsigned i = 2; i * i < limit; i++) {
        if (sieve[i]) {
            for (unsigned j = i * i; j < limit; j += i) {
                sieve[j] = 0;
            }
        }
    }
    for (unsigned i = 0; i < limit; i++) {
        count += sieve[i];
    }
    return count;
}

static NOINLINE uint64_t fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint32_t crc_table[256];

/* The reflected CRC-32 of zlib and Ethernet, polynomial 0xEDB88320. */
static NOINLINE void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        }
        crc_table[i] = c;
    }
}

static NOINLINE uint32_t crc32(const uint8_t *buf, uint32_t len)
{
    uint32_t c = 0xFFFFFFFFu;

    for (uint32_t i = 0; i < len; i++) {
        c = crc_table[(c ^ buf[i]) & 0xFF] ^ (c >> 8);
    }
    return c ^ 0xFFFFFFFFu;
}

static uint8_t crc_buf[CRC_BUF_SIZE];

static NOINLINE void insertion_sort(uint32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static uint32_t sort_buf[SORT_COUNT];

/* Dense enough that gcc -O2 emits an indirect jump through a table. */
static NOINLINE uint64_t dispatch(unsigned op, uint64_t x)
{
    switch (op) {
    case 0:
        return x + 1;
    case 1:
        return x * 3;
    case 2:
        return x ^ 0x5555;
    case 3:
        return x >> 3;
    case 4:
        return x << 5;
    case 5:
        return ~x;
    case 6:
        return x - 77;
    case 7:
        return x * x;
    case 8:
        return x | 0x1000;
    case 9:
        return x & 0xFFFFFF00u;
    case 10:
        return (x << 7) | (x >> 57);
    case 11:
        return x / 7;
    case 12:
        return x % 1000003;
    case 13:
        return (uint64_t)((int64_t)x >> 9);
    default:
        return x + op;
    }
}

static NOINLINE uint64_t op_add(uint64_t a, uint64_t b)
{
    return a + b;
}

static NOINLINE uint64_t op_sub(uint64_t a, uint64_t b)
{
    return a - b;
}

static NOINLINE uint64_t op_xor(uint64_t a, uint64_t b)
{
    return a ^ b;
}

static NOINLINE uint64_t op_mul(uint64_t a, uint64_t b)
{
    return a * (b | 1);
}

static NOINLINE uint64_t op_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static NOINLINE uint64_t op_rotr(uint64_t a, uint64_t b)
{
    unsigned n = b & 63;
    return n ? (a >> n) | (a << (64 - n)) : a;
}

static uint64_t (*const binops[])(uint64_t, uint64_t) = {
    op_add, op_sub, op_xor, op_mul, op_min, op_rotr,
};

#define NUM_BINOPS (sizeof(binops) / sizeof(binops[0]))

static void report_arith(compute_printf_fn print)
{
    uint64_t a = lcg_next64();
    uint64_t b = (lcg_next64() >> 20) | 1;
    int64_t sa = (int64_t)(lcg_next64() | (1ull << 63));    /* negative */
    int64_t sb = (int64_t)(lcg_next64() >> 40) + 3;
    uint32_t x = lcg_next();
    uint32_t y = (lcg_next() >> 12) | 1;
    int32_t sx = -(int32_t)(lcg_next() >> 2);

    print("mul64: %016lx\n", a * b);
    print("mulhi64: %016llx\n",
          (unsigned long long)(((unsigned __int128)a * b) >> 64));
    print("div64: %lu\n", a / b);
    print("mod64: %lu\n", a % b);
    print("sdiv64: %ld\n", sa / sb);
    print("smod64: %ld\n", sa % sb);
    print("mul32: %08x\n", x * y);
    print("div32: %u rem %u\n", x / y, x % y);
    print("sdiv32: %d rem %d\n", sx / (int32_t)y, sx % (int32_t)y);
    print("sar64: %ld\n", sa >> 13);
    print("shr64: %lu\n", (uint64_t)sa >> 13);
    print("sext8: %ld\n", (int64_t)(int8_t)(x | 0x80));
    print("zext8: %lu\n", (uint64_t)(uint8_t)(x | 0x80));

    /* The same bit patterns compare differently signed and unsigned. */
    unsigned slt = 0, ult = 0;
    for (int i = 0; i < 256; i++) {
        uint64_t p = lcg_next64(), q = lcg_next64();
        slt += (int64_t)p < (int64_t)q;
        ult += p < q;
    }
    print("cmp64: signed-less %u unsigned-less %u\n", slt, ult);
    print("cmp32: %d %d\n", sx < (int32_t)y, (uint32_t)sx < y);
}

/*
 * Big-number arithmetic: 300! in 32-bit limbs (schoolbook multiply with
 * 64-bit carries), then its digit sum in base 10 by repeated division.
 */
#define BIG_LIMBS 80
static NOINLINE int big_factorial(uint32_t *limb, unsigned n)
{
    int len = 1;
    limb[0] = 1;
    for (unsigned k = 2; k <= n; k++) {
        uint64_t carry = 0;
        for (int i = 0; i < len; i++) {
            uint64_t v = (uint64_t)limb[i] * k + carry;
            limb[i] = (uint32_t)v;
            carry = v >> 32;
        }
        if (carry && len < BIG_LIMBS) {
            limb[len++] = (uint32_t)carry;
        }
    }
    return len;
}

static NOINLINE unsigned big_digit_sum(uint32_t *limb, int len)
{
    unsigned sum = 0;
    while (len > 0) {
        uint64_t rem = 0;
        for (int i = len - 1; i >= 0; i--) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 10);
            rem = cur % 10;
        }
        sum += (unsigned)rem;
        while (len > 0 && limb[len - 1] == 0) {
            len--;
        }
    }
    return sum;
}

/* FNV-1a and a 64-bit mixing hash (splitmix-style finaliser) of a buffer. */
static NOINLINE uint64_t hash64(const uint8_t *p, unsigned len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < len; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

void compute_report(compute_printf_fn print)
{
    lcg_state = 0x62743836;     /* "bt86" */

    print("primes below %d: %u\n", SIEVE_LIMIT, primes_below(SIEVE_LIMIT));
    print("fib(24): %lu\n", fib(24));

    crc32_init();
    print("crc32(\"123456789\"): %08x\n",
          crc32((const uint8_t *)"123456789", 9));
    for (int i = 0; i < CRC_BUF_SIZE; i++) {
        crc_buf[i] = (uint8_t)lcg_next();
    }
    print("crc32 of 4 KiB: %08x\n", crc32(crc_buf, CRC_BUF_SIZE));

    for (int i = 0; i < SORT_COUNT; i++) {
        sort_buf[i] = lcg_next();
    }
    insertion_sort(sort_buf, SORT_COUNT);
    bool sorted = true;
    uint64_t sum = 0;
    for (int i = 0; i < SORT_COUNT; i++) {
        sorted = sorted && (i == 0 || sort_buf[i - 1] <= sort_buf[i]);
        sum += (uint64_t)sort_buf[i] * (uint64_t)(i + 1);
    }
    print("sort 512: sorted %d min %08x max %08x checksum %016lx\n",
          sorted, sort_buf[0], sort_buf[SORT_COUNT - 1], sum);

    report_arith(print);

    static uint32_t big[BIG_LIMBS];
    int limbs = big_factorial(big, 300);
    uint32_t top = big[limbs - 1];
    print("300!: %d limbs, top %08x, low %08x\n", limbs, top, big[0]);
    print("300! digit sum: %u\n", big_digit_sum(big, limbs));
    print("hash64 of 4 KiB: %016llx\n",
          (unsigned long long)hash64(crc_buf, CRC_BUF_SIZE));

    uint64_t acc = 1;
    for (int i = 0; i < 1000; i++) {
        acc = dispatch(lcg_next() % 16, acc);
    }
    print("switch: %016lx\n", acc);

    acc = 0;
    for (int i = 0; i < 1000; i++) {
        acc = binops[lcg_next() % NUM_BINOPS](acc, lcg_next64());
    }
    print("fnptr: %016lx\n", acc);

    /* Formatting the kernel's kit_printf must do exactly as glibc. */
    print("format: [%5d] [%-5d] [%05d] [%x] [%X] [%c] [%s] [%8s] [%-8s] "
          "[%*u] [%zu] [%lld] [%i] [%%]\n",
          -42, 42, -42, 0xBEEFu, 0xBEEFu, 'k', "kit", "right", "left",
          6, 77u, sizeof(uint64_t), -9000000000ll, 0);
}
