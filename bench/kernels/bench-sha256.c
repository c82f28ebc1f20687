/*
 * SHA-256 of 16 MiB (FIPS 180-4), the hash workload: rotates, adds and
 * logic in long dependency chains, little memory traffic.
 */
#include "kit.h"
#include "sha256-block.h"

#define DATA_BYTES (16u << 20)
#define CHUNK 4096

static uint8_t chunk[CHUNK];

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    uint32_t h[8] = SHA256_H0;
    uint32_t seed = 1;
    /* The message is DATA_BYTES of a repeating LCG pattern, no padding
     * block: a fixed workload, not a standard digest. */
    for (uint32_t i = 0; i < CHUNK; i++) {
        seed = seed * 1664525u + 1013904223u;
        chunk[i] = (uint8_t)(seed >> 24);
    }
    for (uint32_t off = 0; off < DATA_BYTES; off += CHUNK) {
        chunk[0] = (uint8_t)(off >> 12);
        for (uint32_t i = 0; i < CHUNK; i += 64) {
            sha256_block(h, chunk + i);
        }
    }
    kit_printf("bench-sha256: %08x%08x%08x%08x%08x%08x%08x%08x\n", h[0], h[1],
               h[2], h[3], h[4], h[5], h[6], h[7]);
    kit_exit(0);
}
