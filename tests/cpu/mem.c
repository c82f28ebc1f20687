/*
 * The initial contents of the data and stack pages: pseudo-random bytes
 * from the test's seed, then the test's patches. Both sides build them the
 * same way.
 */
#include <string.h>

#include "cputest.h"

void mem_pattern(uint64_t seed, uint8_t *data, uint8_t *stack)
{
    Rng r = { seed };
    for (unsigned i = 0; i < DATA_SIZE; i += 8) {
        uint64_t v = rng_next(&r);
        memcpy(data + i, &v, 8);
    }
    for (unsigned i = 0; i < STACK_SIZE; i += 8) {
        uint64_t v = rng_next(&r);
        memcpy(stack + i, &v, 8);
    }
}

void mem_apply_patches(const TestCase *tc, uint8_t *data, uint8_t *stack)
{
    for (unsigned i = 0; i < tc->nb_patch; i++) {
        const MemPatch *p = &tc->patch[i];
        uint8_t *base = p->region ? stack : data;
        unsigned size = p->region ? STACK_SIZE : DATA_SIZE;
        unsigned len = p->len > 8 ? 8 : p->len;
        if (p->off + len <= size) {
            memcpy(base + p->off, &p->val, len);
        }
    }
}
