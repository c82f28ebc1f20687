/*
 * cputest --atomic: LOCKed instructions must be atomic on the host. The
 * guest runs `lock inc qword [rbx]` (or lock xadd, lock cmpxchg8b) in a loop
 * while a host thread increments the same qword with real atomics; every
 * increment of both must be in the final value. A bt86 whose locked store
 * is a plain load-modify-store loses some of the host thread's increments.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "cputest.h"

#define GUEST_ITERS 20000000u
#define HOST_ITERS 2000000u
#define COUNTER_OFF 0x100

typedef struct {
    volatile uint64_t *counter;
    uint64_t done;
} HostWriter;

static gpointer host_writer(gpointer opaque)
{
    HostWriter *w = opaque;
    /* start once the guest runs: before that the counter holds the last
     * test's total, then the data page's pattern, and bt86's memory setup
     * would overwrite increments made then */
    while (!bt86_running()) {
    }
    for (uint64_t i = 0; i < HOST_ITERS; i++) {
        __atomic_fetch_add(w->counter, 1, __ATOMIC_SEQ_CST);
    }
    w->done = HOST_ITERS;
    return NULL;
}

/* mov ecx, N; L: <locked insn>; dec ecx; jnz L; int3 */
static void make_loop(TestCase *tc, const uint8_t *insn, unsigned len)
{
    unsigned n = 0;
    memset(tc, 0, sizeof(*tc));
    tc->code[n++] = 0xb9;
    uint32_t iters = GUEST_ITERS;
    memcpy(&tc->code[n], &iters, 4);
    n += 4;
    unsigned loop = n;
    memcpy(&tc->code[n], insn, len);
    n += len;
    tc->code[n++] = 0xff;       /* dec ecx */
    tc->code[n++] = 0xc9;
    tc->code[n++] = 0x75;       /* jnz loop */
    tc->code[n] = (uint8_t)(loop - (n + 1));
    n++;
    tc->code[n++] = 0xcc;
    tc->code_len = n;
    tc->nb_insns = 0;
    tc->regs[RBX] = DATA_BASE + COUNTER_OFF;
    tc->regs[RAX] = 1;          /* lock add adds rax */
    tc->rflags = 0x202;
    tc->nb_patch = 1;
    tc->patch[0] = (MemPatch){ 0, 8, COUNTER_OFF, 0 };
}

static bool run_one(const char *name, const uint8_t *insn, unsigned len)
{
    static TestCase tc;
    static TestResult res;
    HostWriter w = { (volatile uint64_t *)bt86_data_host(COUNTER_OFF), 0 };

    make_loop(&tc, insn, len);
    snprintf(tc.name, sizeof(tc.name), "%s", name);
    GThread *t = g_thread_new("host-writer", host_writer, &w);
    bt86_run(&tc, &res);
    g_thread_join(t);
    uint64_t got = *w.counter;
    uint64_t want = (uint64_t)GUEST_ITERS + HOST_ITERS;
    bool ok = res.status == ST_OK && res.vector == 3 && got == want;
    printf("%s: %s (counter %llu, want %llu)\n", name, ok ? "ok" : "FAIL",
           (unsigned long long)got, (unsigned long long)want);
    return ok;
}

int atomic_main(void)
{
    static const uint8_t lock_inc[] = { 0xf0, 0x48, 0xff, 0x03 };
    /* mov eax, 1 each time: xadd hands back the old value in rax */
    static const uint8_t lock_xadd[] = { 0xb8, 0x01, 0x00, 0x00, 0x00,
                                         0xf0, 0x48, 0x0f, 0xc1, 0x03 };
    static const uint8_t lock_add[] = { 0xf0, 0x48, 0x01, 0x03 };
    bool ok = true;

    bt86_init();
    ok &= run_one("lock inc qword [rbx]", lock_inc, sizeof(lock_inc));
    ok &= run_one("lock xadd [rbx], rax", lock_xadd, sizeof(lock_xadd));
    ok &= run_one("lock add [rbx], rax", lock_add, sizeof(lock_add));
    printf("atomic: %s\n", ok ? "0 failed" : "FAILED");
    return ok ? 0 : 1;
}
