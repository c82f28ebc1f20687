/*
 * Integer compute benchmark: sieve, recursion, sorting and table-driven
 * CRC, sized to run for about a second under a fast translator. Prints a
 * checksum so that a wrong result cannot pass as a fast one.
 */
#include "kit.h"

#define SIEVE_N 2000000
#define SORT_N 65536

static uint8_t composite[SIEVE_N];
static uint32_t sort_buf[SORT_N];
static uint32_t crc_table[256];

static uint32_t sieve(void)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < SIEVE_N; i++) {
        composite[i] = 0;
    }
    for (uint32_t i = 2; i < SIEVE_N; i++) {
        if (!composite[i]) {
            count++;
            for (uint32_t j = i * 2; j < SIEVE_N; j += i) {
                composite[j] = 1;
            }
        }
    }
    return count;
}

static uint64_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Shell sort: data-dependent branches and memory traffic. */
static uint64_t sort(uint32_t seed)
{
    for (uint32_t i = 0; i < SORT_N; i++) {
        seed = seed * 1103515245u + 12345u;
        sort_buf[i] = seed;
    }
    for (uint32_t gap = SORT_N / 2; gap > 0; gap /= 2) {
        for (uint32_t i = gap; i < SORT_N; i++) {
            uint32_t v = sort_buf[i];
            uint32_t j = i;
            while (j >= gap && sort_buf[j - gap] > v) {
                sort_buf[j] = sort_buf[j - gap];
                j -= gap;
            }
            sort_buf[j] = v;
        }
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < SORT_N; i++) {
        sum = sum * 31 + sort_buf[i];
    }
    return sum;
}

static uint32_t crc32_buf(const uint8_t *p, uint32_t len, uint32_t crc)
{
    crc = ~crc;
    for (uint32_t i = 0; i < len; i++) {
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
    }
    uint32_t primes = sieve();
    uint64_t f = fib(30);
    uint64_t s = sort(42);
    uint32_t crc = 0;
    for (int r = 0; r < 8; r++) {
        crc = crc32_buf(composite, SIEVE_N, crc);
    }
    kit_printf("bench-int: primes %u fib %lu sort %016lx crc %08x\n", primes,
               f, s, crc);
    kit_exit(0);
}
