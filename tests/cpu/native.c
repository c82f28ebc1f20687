/*
 * The native side: a forked child that maps the test pages at their fixed
 * addresses and runs test cases on the host CPU.
 *
 * The parent and the child share one mapping holding a batch of test cases
 * and their results; a byte through a pipe each way says "run" and "done".
 * In the child, a trampoline loads all 16 GPRs and RFLAGS and jumps to the
 * snippet; the snippet ends in int3 (or faults earlier), and the signal
 * handler, running on an alternate stack, copies the registers, RIP, RFLAGS,
 * CS and SS, the vector (REG_TRAPNO), the error code and CR2 from the
 * ucontext, then siglongjmps back to the loop. If a test kills the child or never stops,
 * the parent records that, starts a new child and carries on with the next.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <asm/ldt.h>
#include <ucontext.h>
#include <unistd.h>

#include "cputest.h"

#define BATCH_TIMEOUT_MS 20000

typedef struct Shared {
    volatile int32_t start;     /* first test the child runs */
    volatile int32_t n;         /* tests in the batch */
    volatile int32_t current;   /* the test the child is running */
    TestCase in[NATIVE_BATCH];
    TestResult out[NATIVE_BATCH];
} Shared;

static Shared *sh;
static pid_t child = -1;
static int cmd_wr = -1, rsp_rd = -1;

/* ----- the child ----- */

/* Read by the trampoline: regs[16], then rflags, then the entry point. */
struct NativeIn {
    uint64_t regs[16];
    uint64_t rflags;
};
__attribute__((visibility("hidden"), aligned(16)))
struct NativeIn cputest_nin;
__attribute__((visibility("hidden")))
uint64_t cputest_target = CODE_BASE;
/* The test's x87/SSE state, loaded by the trampolines with FXRSTOR */
__attribute__((visibility("hidden")))
FxImage cputest_fx;

void cputest_native_enter(void) __attribute__((noreturn));

__asm__(
    ".text\n"
    ".p2align 4\n"
    ".type cputest_native_enter, @function\n"
    "cputest_native_enter:\n"
    "    fxrstor64 cputest_fx(%rip)\n"
    "    lea cputest_nin+128(%rip), %rsp\n"
    "    popfq\n"
    "    mov cputest_nin+0(%rip), %rax\n"
    "    mov cputest_nin+8(%rip), %rcx\n"
    "    mov cputest_nin+16(%rip), %rdx\n"
    "    mov cputest_nin+24(%rip), %rbx\n"
    "    mov cputest_nin+40(%rip), %rbp\n"
    "    mov cputest_nin+48(%rip), %rsi\n"
    "    mov cputest_nin+56(%rip), %rdi\n"
    "    mov cputest_nin+64(%rip), %r8\n"
    "    mov cputest_nin+72(%rip), %r9\n"
    "    mov cputest_nin+80(%rip), %r10\n"
    "    mov cputest_nin+88(%rip), %r11\n"
    "    mov cputest_nin+96(%rip), %r12\n"
    "    mov cputest_nin+104(%rip), %r13\n"
    "    mov cputest_nin+112(%rip), %r14\n"
    "    mov cputest_nin+120(%rip), %r15\n"
    "    mov cputest_nin+32(%rip), %rsp\n"
    "    jmp *cputest_target(%rip)\n"
    ".size cputest_native_enter, .-cputest_native_enter\n");

/*
 * 32-bit tests (compat32.c): load DS, ES, GS, the registers and RFLAGS, then
 * far-jump (m16:32, which AMD and Intel both take in 64-bit mode) to the
 * snippet through the user 32-bit code segment 0x23. The snippet's int3
 * comes back through the signal handler, which Linux runs in 64-bit mode.
 */
struct NativeFar {
    uint32_t off;
    uint16_t sel;
} __attribute__((packed));
__attribute__((visibility("hidden")))
struct NativeFar cputest_far = { (uint32_t)CODE_BASE, SEL_CODE32 };
__attribute__((visibility("hidden")))
uint16_t cputest_seg_ds = SEL_FLAT_DATA, cputest_seg_es = SEL_FLAT_DATA,
         cputest_seg_gs = SEL_LDT_DATA, cputest_seg_ss = SEL_FLAT_DATA;

void cputest_native_enter32(void) __attribute__((noreturn));

__asm__(
    ".text\n"
    ".p2align 4\n"
    ".type cputest_native_enter32, @function\n"
    "cputest_native_enter32:\n"
    "    fxrstor64 cputest_fx(%rip)\n"
    "    mov cputest_seg_ss(%rip), %ss\n"
    "    mov cputest_seg_ds(%rip), %ds\n"
    "    mov cputest_seg_es(%rip), %es\n"
    "    mov cputest_seg_gs(%rip), %gs\n"
    "    lea cputest_nin+128(%rip), %rsp\n"
    "    popfq\n"
    "    mov cputest_nin+0(%rip), %rax\n"
    "    mov cputest_nin+8(%rip), %rcx\n"
    "    mov cputest_nin+16(%rip), %rdx\n"
    "    mov cputest_nin+24(%rip), %rbx\n"
    "    mov cputest_nin+40(%rip), %rbp\n"
    "    mov cputest_nin+48(%rip), %rsi\n"
    "    mov cputest_nin+56(%rip), %rdi\n"
    "    mov cputest_nin+64(%rip), %r8\n"
    "    mov cputest_nin+72(%rip), %r9\n"
    "    mov cputest_nin+80(%rip), %r10\n"
    "    mov cputest_nin+88(%rip), %r11\n"
    "    mov cputest_nin+96(%rip), %r12\n"
    "    mov cputest_nin+104(%rip), %r13\n"
    "    mov cputest_nin+112(%rip), %r14\n"
    "    mov cputest_nin+120(%rip), %r15\n"
    "    mov cputest_nin+32(%rip), %rsp\n"
    "    ljmpl *cputest_far(%rip)\n"
    ".size cputest_native_enter32, .-cputest_native_enter32\n");

static void child_die(const char *what)
{
    fprintf(stderr, "cputest: native child: %s: %s\n", what, strerror(errno));
    _exit(2);
}

/* The LDT segments of the 32- and 16-bit tests, installed on first use:
 * data (32-bit, base DATA_BASE), 16-bit code (base CODE_BASE), 16-bit
 * stack (base STACK_BASE); all DPL 3, limit 0xffff */
static bool child_ldt_done;

static void child_ldt_entry(unsigned sel, uint64_t base, int bits32,
                            int contents)
{
    struct user_desc ud;
    memset(&ud, 0, sizeof(ud));
    ud.entry_number = sel >> 3;
    ud.base_addr = (unsigned)base;
    ud.limit = LDT_DATA_LIMIT;
    ud.seg_32bit = (unsigned)bits32;
    ud.contents = (unsigned)contents;   /* 0 data, 2 code */
    ud.read_exec_only = 0;              /* writable data, readable code */
    ud.limit_in_pages = 0;
    ud.seg_not_present = 0;
    ud.useable = 1;
    if (syscall(SYS_modify_ldt, 1, &ud, sizeof(ud)) != 0) {
        child_die("modify_ldt (needed by the 32- and 16-bit tests)");
    }
}

static void child_setup_ldt(void)
{
    child_ldt_entry(SEL_LDT_DATA, DATA_BASE, 1, 0);
    child_ldt_entry(SEL_LDT_CODE16, CODE_BASE, 0, 2);
    child_ldt_entry(SEL_LDT_STACK16, STACK_BASE, 0, 0);
    child_ldt_done = true;
}

static sigjmp_buf child_jb;
static TestResult *volatile child_cur;
static uint8_t *code_rw;

static void child_handler(int sig, siginfo_t *si, void *ucv)
{
    /* Linux keeps RFLAGS.AC for the handler: a test that set it would
     * have this code fault on its first misaligned access */
    __asm__ volatile("pushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq"
                     ::: "memory", "cc");
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    TestResult *r = child_cur;

    if (!r) {
        /* not in a test: the harness itself is broken */
        static const char msg[] = "cputest: native child: unexpected signal\n";
        if (write(2, msg, sizeof(msg) - 1) < 0) {
            /* nothing else to do */
        }
        _exit(3);
    }
    r->regs[RAX] = (uint64_t)g[REG_RAX];
    r->regs[RCX] = (uint64_t)g[REG_RCX];
    r->regs[RDX] = (uint64_t)g[REG_RDX];
    r->regs[RBX] = (uint64_t)g[REG_RBX];
    r->regs[RSP] = (uint64_t)g[REG_RSP];
    r->regs[RBP] = (uint64_t)g[REG_RBP];
    r->regs[RSI] = (uint64_t)g[REG_RSI];
    r->regs[RDI] = (uint64_t)g[REG_RDI];
    r->regs[R8] = (uint64_t)g[REG_R8];
    r->regs[R9] = (uint64_t)g[REG_R9];
    r->regs[R10] = (uint64_t)g[REG_R10];
    r->regs[R11] = (uint64_t)g[REG_R11];
    r->regs[R12] = (uint64_t)g[REG_R12];
    r->regs[R13] = (uint64_t)g[REG_R13];
    r->regs[R14] = (uint64_t)g[REG_R14];
    r->regs[R15] = (uint64_t)g[REG_R15];
    r->rip = (uint64_t)g[REG_RIP];
    r->rflags = (uint64_t)g[REG_EFL];
    r->vector = (int32_t)g[REG_TRAPNO];
    r->err = (uint32_t)g[REG_ERR];
    r->cr2 = r->vector == 14 ? (uint64_t)g[REG_CR2] : 0;
    /* the kernel saved the test's FP state in the signal frame */
    if (uc->uc_mcontext.fpregs) {
        memcpy(&r->fx, uc->uc_mcontext.fpregs, sizeof(r->fx));
    }
    /* cs, gs, fs, ss; ss only with UC_SIGCONTEXT_SS (Linux 4.6+) */
    r->cs = (uint16_t)g[REG_CSGSFS];
    r->ss = (uc->uc_flags & 0x2) ? (uint16_t)((uint64_t)g[REG_CSGSFS] >> 48)
                                 : 0xffff;
    (void)sig;
    (void)si;
    siglongjmp(child_jb, 1);
}


static void child_setup(void)
{
    int fd = memfd_create("cputest-code", 0);
    if (fd < 0 || ftruncate(fd, CODE_SIZE) < 0) {
        child_die("memfd");
    }
    code_rw = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *x = mmap((void *)CODE_BASE, CODE_SIZE,
                   PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
    void *d = mmap((void *)DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    void *s = mmap((void *)STACK_BASE, STACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code_rw == MAP_FAILED || x != (void *)CODE_BASE ||
        d != (void *)DATA_BASE || s != (void *)STACK_BASE) {
        child_die("mapping the test pages");
    }
    close(fd);
    memset(code_rw, 0xcc, CODE_SIZE);

    stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
    if (!ss.ss_sp || sigaltstack(&ss, NULL) < 0) {
        child_die("sigaltstack");
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = child_handler;
    /* NODEFER: the handler leaves by siglongjmp without restoring the mask */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = { SIGTRAP, SIGILL, SIGFPE, SIGSEGV, SIGBUS };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        if (sigaction(sigs[i], &sa, NULL) < 0) {
            child_die("sigaction");
        }
    }
}

/* state across the siglongjmp lives in statics */
static uint64_t child_seed = ~0ull;

static uint8_t child_pat_data[DATA_SIZE], child_pat_stack[STACK_SIZE];

static void child_run_one(const TestCase *tc, TestResult *out)
{
    if (tc->mem_seed != child_seed) {
        mem_pattern(tc->mem_seed, child_pat_data, child_pat_stack);
        child_seed = tc->mem_seed;
    }
    memcpy((void *)DATA_BASE, child_pat_data, DATA_SIZE);
    memcpy((void *)STACK_BASE, child_pat_stack, STACK_SIZE);
    mem_apply_patches(tc, (uint8_t *)DATA_BASE, (uint8_t *)STACK_BASE);

    /* the whole page: a test may have written anywhere in it */
    memset(code_rw, 0xcc, CODE_SIZE);
    memcpy(code_rw + tc->code_at, tc->code, tc_code_fit(tc));
    cputest_target = tc_entry(tc);

    memcpy(cputest_nin.regs, tc->regs, sizeof(tc->regs));
    cputest_nin.rflags = (tc->rflags & F_CMP) | F_FIXED;
    tc_fx_input(tc, &cputest_fx);

    memset(out, 0, offsetof(TestResult, data));
    out->status = ST_OK;
    child_cur = out;
    if (tc->cmode != TC_MODE64) {
        bool m16 = tc->cmode == TC_MODE16;
        if (!child_ldt_done) {
            child_setup_ldt();
        }
        cputest_far.off = (uint32_t)tc_entry(tc);
        cputest_far.sel = m16 ? SEL_LDT_CODE16 : SEL_CODE32;
        cputest_seg_es = tc->es_ldt || m16 ? SEL_LDT_DATA : SEL_FLAT_DATA;
        cputest_seg_ds = m16 ? SEL_LDT_DATA : SEL_FLAT_DATA;
        cputest_seg_ss = m16 ? SEL_LDT_STACK16 : SEL_FLAT_DATA;
    }
    if (sigsetjmp(child_jb, 0) == 0) {
        if (tc->cmode != TC_MODE64) {
            cputest_native_enter32();
        }
        cputest_native_enter();
    }
    child_cur = NULL;
    memcpy(out->data, (void *)DATA_BASE, DATA_SIZE);
    memcpy(out->stack, (void *)STACK_BASE, STACK_SIZE);
    memcpy(out->code, code_rw, CODE_SIZE);
}

static void child_main(int cmd_rd, int rsp_wr)
{
    child_setup();
    for (;;) {
        uint8_t c;
        ssize_t r = read(cmd_rd, &c, 1);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) {
                continue;
            }
            _exit(0);
        }
        for (int i = sh->start; i < sh->n; i++) {
            sh->current = i;
            child_run_one(&sh->in[i], &sh->out[i]);
        }
        sh->current = sh->n;
        if (write(rsp_wr, &c, 1) != 1) {
            _exit(0);
        }
    }
}

/* ----- the parent ----- */

static bool spawn(void)
{
    int cmd[2], rsp[2];
    if (pipe(cmd) < 0 || pipe(rsp) < 0) {
        perror("cputest: pipe");
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("cputest: fork");
        return false;
    }
    if (pid == 0) {
        close(cmd[1]);
        close(rsp[0]);
        child_main(cmd[0], rsp[1]);
        _exit(0);
    }
    close(cmd[0]);
    close(rsp[1]);
    child = pid;
    cmd_wr = cmd[1];
    rsp_rd = rsp[0];
    return true;
}

static void reap(void)
{
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        child = -1;
    }
    if (cmd_wr >= 0) {
        close(cmd_wr);
        cmd_wr = -1;
    }
    if (rsp_rd >= 0) {
        close(rsp_rd);
        rsp_rd = -1;
    }
}

bool native_start(void)
{
    sh = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("cputest: mmap");
        return false;
    }
    signal(SIGPIPE, SIG_IGN);
    return spawn();
}

void native_stop(void)
{
    reap();
}

static bool kick(void)
{
    uint8_t c = 1;
    return write(cmd_wr, &c, 1) == 1;
}

/* Waits for the batch; false if the child died or hung. */
static bool wait_done(bool *timed_out)
{
    struct pollfd p = { .fd = rsp_rd, .events = POLLIN };
    *timed_out = false;
    for (;;) {
        int r = poll(&p, 1, BATCH_TIMEOUT_MS);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r == 0) {
            *timed_out = true;
            return false;
        }
        uint8_t c;
        return read(rsp_rd, &c, 1) == 1;
    }
}

void native_submit(const TestCase *tests, int n)
{
    memcpy(sh->in, tests, sizeof(TestCase) * (size_t)n);
    sh->n = n;
    sh->start = 0;
    sh->current = 0;
    if (child < 0 && !spawn()) {
        exit(2);
    }
    if (!kick()) {
        sh->current = 0;   /* the child is gone: wait_done sees it */
    }
}

const TestResult *native_collect(void)
{
    for (;;) {
        bool timed_out;
        if (wait_done(&timed_out)) {
            return sh->out;
        }
        /* the child died or hung on test `current` */
        int bad = sh->current;
        reap();
        if (bad < sh->n) {
            memset(&sh->out[bad], 0, sizeof(sh->out[bad]));
            sh->out[bad].status = timed_out ? ST_TIMEOUT : ST_CRASH;
        }
        if (!spawn()) {
            exit(2);
        }
        if (bad + 1 >= sh->n) {
            return sh->out;
        }
        sh->start = bad + 1;
        if (!kick()) {
            continue;
        }
    }
}

void native_run(const TestCase *tests, TestResult *out, int n)
{
    native_submit(tests, n);
    const TestResult *r = native_collect();
    memcpy(out, r, sizeof(TestResult) * (size_t)n);
}
