/*
 * SYSCALL and SYSRET in 64-bit mode (SDM Vol. 2B SYSCALL, SYSRET, SWAPGS;
 * Vol. 3A 5.8.8): the MSRs that configure them, the state each one loads,
 * a few hundred ring 3 -> ring 0 -> ring 3 round trips, SYSRET to
 * compatibility mode, and the #UD/#GP cases.
 *
 * QEMU 7.2 (TCG, qemu64) fails four checks, where it departs from the SDM
 * or follows AMD: SYSCALL clears the arithmetic flags that SFMASK keeps,
 * SYSRET does not load VIF/VIP from R11, SYSCALL in compatibility mode
 * goes through CSTAR (AMD) instead of #UD, and SYSRETQ with a
 * non-canonical RCX returns to ring 3 and faults there (AMD) instead of
 * #GP(0) in ring 0.
 *
 * The GDT is kit_sys_init()'s: with STAR[47:32] = 0x08 and STAR[63:48] =
 * 0x20 (RPL 0, so SYSRET must force RPL 3 itself), SYSCALL loads CS 0x08
 * and SS 0x10, SYSRETQ loads CS 0x33 and SS 0x2b, SYSRETL loads CS 0x23.
 */
#include "kit.h"

#define MSR_EFER            0xC0000080
#define MSR_STAR            0xC0000081
#define MSR_LSTAR           0xC0000082
#define MSR_CSTAR           0xC0000083
#define MSR_FMASK           0xC0000084
#define MSR_GS_BASE         0xC0000101
#define MSR_KERNEL_GS_BASE  0xC0000102
#define EFER_SCE            (1ull << 0)

#define STAR_VALUE      ((0x20ull << 48) | (0x08ull << 32))
/* TF, IF, DF, IOPL, NT, AC, and CF to see an arithmetic flag go too. */
#define FMASK_VALUE     0x47701ull
/* CF PF ZF SF DF OF and the always-one bit 1: what user code runs with. */
#define USER_FLAGS      0xCC7ull
/* SYSRET loads RFLAGS = (R11 & 3C7FD7H) | 2 (SDM Vol. 2B SYSRET). */
#define SYSRET_FLAGS_MASK   0x3C7FD7ull
/* Every bit but TF, IF and AC: reserved bits, RF, VM, IOPL, NT, ID... */
#define WILD_R11        (~0ull & ~0x40300ull)
#define USER_GS_MAGIC   0x5553455247534d47ull     /* "GMSGRESU" */
#define KERNEL_GS_MAGIC 0x4b45524e454c4753ull

#define ROUND_TRIPS     500

enum { SYS_CHECK, SYS_REDIRECT, SYS_COMPAT };

/* What the entry stub saves, lowest address first. */
struct sc_regs {
    uint64_t rflags;        /* PUSHFQ before any instruction changes flags */
    uint64_t cs, ss;
    uint64_t rax, rdi, rsi, rdx;
    uint64_t rcx, r11;      /* SYSRET's RIP and RFLAGS: the handler may edit */
    uint64_t mode;          /* 0: SYSRETQ, 1: SYSRETL */
};

/* What KERNEL_GS_BASE points at: the entry stub uses the first two. */
struct percpu {
    uint64_t kstack_top;
    uint64_t user_rsp;
    uint64_t magic;
};

static char syscall_stack[16384] __attribute__((aligned(16)));
static struct percpu percpu;
static uint64_t user_gs_area[2] = { USER_GS_MAGIC, 0 };

/*
 * The LSTAR target: SWAPGS to find the per-CPU area, switch to the kernel
 * stack, save what SYSCALL left and call syscall_c. MOV and PUSH do not
 * change flags, so PUSHFQ sees RFLAGS exactly as SYSCALL set it.
 */
__asm__(
    ".pushsection .text\n"
    ".globl syscall_entry\n"
    "syscall_entry:\n"
    "    swapgs\n"
    "    movq %rsp, %gs:8\n"
    "    movq %gs:0, %rsp\n"
    "    pushq $0\n"                    /* mode */
    "    pushq %r11\n"
    "    pushq %rcx\n"
    "    pushq %rdx\n"
    "    pushq %rsi\n"
    "    pushq %rdi\n"
    "    pushq %rax\n"
    "    movl $0, %eax\n"
    "    movw %ss, %ax\n"
    "    pushq %rax\n"
    "    movw %cs, %ax\n"
    "    pushq %rax\n"
    "    pushfq\n"
    "    movq %rsp, %rdi\n"
    "    cld\n"
    "    call syscall_c\n"
    "    addq $32, %rsp\n"              /* rflags, cs, ss, rax */
    "    popq %rdi\n"
    "    popq %rsi\n"
    "    popq %rdx\n"
    "    popq %rcx\n"
    "    popq %r11\n"
    "    popq %r8\n"
    "    movq %gs:8, %rsp\n"
    "    swapgs\n"
    "    testq %r8, %r8\n"
    "    jnz 1f\n"
    "    sysretq\n"
    "1:  sysretl\n"

    /*
     * Compatibility-mode targets of SYSRETL. compat_probe records CS, SS,
     * EFLAGS and whether 0x4F decodes as DEC EDI (it is a REX prefix in
     * 64-bit mode), then leaves through the kit's DPL-3 gate.
     */
    ".code32\n"
    ".globl compat_probe\n"
    "compat_probe:\n"
    "    pushfl\n"
    "    popl %edx\n"
    "    movl $0, %eax\n"
    "    movw %cs, %ax\n"
    "    movl $0, %ebx\n"
    "    movw %ss, %bx\n"
    "    movl $1, %edi\n"
    "    .byte 0x4f\n"                  /* DEC EDI here; REX.WRXB in 64-bit */
    "    movl %edi, %edi\n"
    "    int $0xf0\n"
    ".globl compat_probe_end\n"
    "compat_probe_end:\n"
    /* SYSCALL is invalid in compatibility mode on Intel: #UD. */
    ".globl compat_syscall, compat_syscall_at\n"
    "compat_syscall:\n"
    "    movl $0, %eax\n"
    "compat_syscall_at:\n"
    "    syscall\n"
    "    movl $0x5ca11, %eax\n"
    "    int $0xf0\n"
    ".code64\n"

    /* If SYSCALL in compatibility mode goes through CSTAR instead. */
    ".globl cstar_entry\n"
    "cstar_entry:\n"
    "    movl $0xc57a, %edi\n"
    "    jmp kit_user_abort\n"
    ".popsection\n");

void syscall_entry(void), cstar_entry(void);
extern const char compat_probe[], compat_probe_end[];
extern const char compat_syscall[], compat_syscall_at[];

/* ---- Kernel-side checks, tallied over all round trips ---- */

struct tally {
    const char *name;
    unsigned fails;
    uint64_t got, want;     /* the first failure */
};

static void tally(struct tally *t, uint64_t got, uint64_t want)
{
    if (got != want && t->fails++ == 0) {
        t->got = got;
        t->want = want;
    }
}

static void report(const struct tally *t)
{
    kit_result(t->name, t->fails == 0, "%u times; first got 0x%lx want 0x%lx",
               t->fails, t->got, t->want);
}

static struct tally k_cs = { "syscall: cs = STAR[47:32]" };
static struct tally k_ss = { "syscall: ss = STAR[47:32] + 8" };
static struct tally k_rcx = { "syscall: rcx = next rip" };
static struct tally k_r11 = { "syscall: r11 = rflags" };
static struct tally k_rflags = { "syscall: rflags masked by SFMASK" };
static struct tally k_rsp = { "syscall: rsp unchanged" };
static struct tally k_gs = { "syscall: swapgs loads KERNEL_GS_BASE" };
static struct tally k_kgs = { "syscall: swapgs saves GS_BASE" };
static struct tally k_gs_load = { "syscall: gs: load after swapgs" };
static uint64_t kernel_calls;

uint64_t syscall_c(struct sc_regs *r);
uint64_t syscall_c(struct sc_regs *r)
{
    switch (r->rax) {
    case SYS_CHECK:
        /* rdi: the user's return label, rsi: its RFLAGS, rdx: its RSP. */
        tally(&k_cs, r->cs, 0x08);
        tally(&k_ss, r->ss, 0x10);
        tally(&k_rcx, r->rcx, r->rdi);
        tally(&k_r11, r->r11, r->rsi);
        tally(&k_rflags, r->rflags, (r->rsi & ~FMASK_VALUE) | 2);
        tally(&k_rsp, percpu.user_rsp, r->rdx);
        tally(&k_gs, rdmsr(MSR_GS_BASE), (uintptr_t)&percpu);
        tally(&k_kgs, rdmsr(MSR_KERNEL_GS_BASE), (uintptr_t)user_gs_area);
        {
            uint64_t v;
            __asm__ volatile("movq %%gs:16, %0" : "=r"(v));
            tally(&k_gs_load, v, KERNEL_GS_MAGIC);
        }
        return ++kernel_calls;
    case SYS_REDIRECT:
        /* Return to rdi with R11 = rsi. */
        r->rcx = r->rdi;
        r->r11 = r->rsi;
        return 0;
    case SYS_COMPAT:
        /* SYSRETL to rdi; only ECX counts, so junk in RCX[63:32]. */
        r->rcx = (r->rdi & 0xFFFFFFFF) | 0xDEAD000000000000ull;
        r->r11 = 0x47;          /* CF PF ZF */
        r->mode = 1;
        return 0;
    }
    return ~0ull;
}

/* ---- User side ---- */

static struct tally u_cs = { "sysretq: cs = STAR[63:48] + 16 | 3" };
static struct tally u_ss = { "sysretq: ss = STAR[63:48] + 8 | 3" };
static struct tally u_rip = { "sysretq: rip = rcx" };
static struct tally u_rflags = { "sysretq: rflags = r11" };
static struct tally u_rsp = { "sysretq: rsp preserved" };
static struct tally u_gs = { "sysretq: user gs base back after swapgs" };
static struct tally u_rax = { "sysretq: rax = kernel's return value" };

struct trip {
    uint64_t label, rcx, r11, rflags, cs, ss, gs, rsp_before, rsp_after, rax;
};

/* One SYS_CHECK round trip with RFLAGS = USER_FLAGS. */
static void trip_check(struct trip *t)
{
    uint64_t nr = SYS_CHECK, rdi, rsi = USER_FLAGS;

    __asm__ volatile(
        "pushq %[flags]\n"
        "popfq\n"
        "leaq 1f(%%rip), %%rdi\n"
        "movq %%rsp, %%rdx\n"
        "syscall\n"
        "1: pushfq\n"
        "popq 24(%[t])\n"
        "cld\n"
        "movq %%rcx, 8(%[t])\n"
        "movq %%r11, 16(%[t])\n"
        "leaq 1b(%%rip), %%rcx\n"
        "movq %%rcx, 0(%[t])\n"
        "movl $0, %%ecx\n"
        "movw %%cs, %%cx\n"
        "movq %%rcx, 32(%[t])\n"
        "movw %%ss, %%cx\n"
        "movq %%rcx, 40(%[t])\n"
        "movq %%gs:0, %%rcx\n"
        "movq %%rcx, 48(%[t])\n"
        "movq %%rdx, 56(%[t])\n"
        "movq %%rsp, 64(%[t])\n"
        "movq %%rax, 72(%[t])\n"
        : "+a"(nr), "=&D"(rdi), "+S"(rsi)
        : [flags] "r"(USER_FLAGS), [t] "r"(t)
        : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
}

static uint64_t user_round_trips(uint64_t n)
{
    struct trip t;

    for (uint64_t i = 1; i <= n; i++) {
        trip_check(&t);
        tally(&u_cs, t.cs, 0x33);
        tally(&u_ss, t.ss, 0x2b);
        tally(&u_rip, t.rcx, t.label);
        tally(&u_rflags, t.rflags, (t.r11 & SYSRET_FLAGS_MASK) | 2);
        tally(&u_rsp, t.rsp_after, t.rsp_before);
        tally(&u_gs, t.gs, USER_GS_MAGIC);
        tally(&u_rax, t.rax, i);
    }
    return n;
}

/* SYS_REDIRECT: the kernel returns to 2f with R11 = WILD_R11. */
struct redirect {
    uint64_t wrong_place, rcx, label, r11, rflags;
};

static uint64_t user_redirect(uint64_t arg)
{
    struct redirect *d = (struct redirect *)arg;
    uint64_t nr = SYS_REDIRECT, rdi, rsi = WILD_R11;

    __asm__ volatile(
        "leaq 2f(%%rip), %%rdi\n"
        "syscall\n"
        "movq $1, 0(%[d])\n"            /* SYSRET ignored RCX */
        "jmp 3f\n"
        "2: pushfq\n"
        "popq 32(%[d])\n"
        "movq $0, 0(%[d])\n"
        "3: pushq $2\n"
        "popfq\n"
        "movq %%rcx, 8(%[d])\n"
        "leaq 2b(%%rip), %%rcx\n"
        "movq %%rcx, 16(%[d])\n"
        "movq %%r11, 24(%[d])\n"
        : "+a"(nr), "=&D"(rdi), "+S"(rsi)
        : [d] "r"(d)
        : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
    return 0;
}

/* SYS_COMPAT: SYSRETL to the 32-bit code at arg, which never comes back. */
static uint64_t user_to_compat(uint64_t arg)
{
    uint64_t nr = SYS_COMPAT, rdi = arg;

    __asm__ volatile("syscall"
                     : "+a"(nr), "+D"(rdi)
                     :
                     : "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11",
                       "memory", "cc");
    return 0xbad;                       /* not reached */
}

/* ---- Faults ---- */

static bool fault_seen;
static struct kit_frame fault;
static uint64_t fault_skip;         /* bytes to step over, if resuming */
static const void *fault_resume;    /* or where to resume (ring 0) */

static void on_fault(struct kit_frame *f)
{
    fault_seen = true;
    fault = *f;
    if (fault_resume) {
        /* Back to ring 0 at fault_resume on the stack the fault had. */
        f->rip = (uintptr_t)fault_resume;
        f->cs = KIT_SEL_CS64;
        f->ss = KIT_SEL_DS;
    } else {
        f->rip += fault_skip;
    }
}

/* For the compat SYSCALL case: note the fault, then leave the user side. */
static void on_ud_abort(struct kit_frame *f)
{
    fault_seen = true;
    fault = *f;
    kit_user_abort(0x600d);
}

static void expect_fault(unsigned vec, uint64_t skip)
{
    fault_seen = false;
    fault_skip = skip;
    fault_resume = NULL;
    kit_set_exception_handler(vec, on_fault);
}

static void report_fault(const char *name, unsigned vec, uint64_t err,
                         uint64_t cs, const void *at)
{
    if (!fault_seen) {
        kit_result(name, false, "no exception");
        return;
    }
    kit_result(name, fault.vec == vec && fault.err == err &&
               fault.cs == cs && fault.rip == (uintptr_t)at,
               "vec %lu err 0x%lx cs 0x%lx rip 0x%lx; want vec %u err 0x%lx "
               "cs 0x%lx rip 0x%lx", fault.vec, fault.err, fault.cs,
               fault.rip, vec, err, cs, (uint64_t)(uintptr_t)at);
}

__asm__(
    ".pushsection .text\n"
    "user_syscall: nop\n"
    "user_syscall_at: syscall\n"
    "    ret\n"
    "user_sysret: nop\n"
    "user_sysret_at: sysretq\n"
    "    ret\n"
    "user_swapgs: nop\n"
    "user_swapgs_at: swapgs\n"
    "    ret\n"
    "kernel_sysret: movq $0x2, %r11\n"
    "    movq $0x100000, %rcx\n"
    "kernel_sysret_at: sysretq\n"
    "    ret\n"
    "noncanon_sysret: movq $0x2, %r11\n"
    "    movabsq $0x0000800000000000, %rcx\n"
    "noncanon_sysret_at: sysretq\n"
    "noncanon_sysret_next: ret\n"
    ".popsection\n");

uint64_t user_syscall(uint64_t), user_sysret(uint64_t);
uint64_t user_swapgs(uint64_t);
void kernel_sysret(void), noncanon_sysret(void);
extern const char user_syscall_at[], user_sysret_at[], user_swapgs_at[];
extern const char kernel_sysret_at[], noncanon_sysret_at[];
extern const char noncanon_sysret_next[];

static void check_msr(const char *name, uint32_t msr, uint64_t want)
{
    uint64_t got = rdmsr(msr);
    kit_result(name, got == want, "got 0x%lx want 0x%lx", got, want);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: syscall");
    kit_sys_init();

    /* Null FS/GS selectors, so IRETQ to ring 3 leaves the bases alone. */
    __asm__ volatile("movl $0, %%eax; movl %%eax, %%fs; movl %%eax, %%gs"
                     : : : "rax");
    percpu.kstack_top = (uintptr_t)(syscall_stack + sizeof(syscall_stack));
    percpu.magic = KERNEL_GS_MAGIC;

    wrmsr(MSR_STAR, STAR_VALUE);
    wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
    wrmsr(MSR_CSTAR, (uintptr_t)cstar_entry);
    wrmsr(MSR_FMASK, FMASK_VALUE);
    wrmsr(MSR_GS_BASE, (uintptr_t)user_gs_area);
    wrmsr(MSR_KERNEL_GS_BASE, (uintptr_t)&percpu);
    check_msr("STAR read back", MSR_STAR, STAR_VALUE);
    check_msr("LSTAR read back", MSR_LSTAR, (uintptr_t)syscall_entry);
    check_msr("SFMASK read back", MSR_FMASK, FMASK_VALUE);

    /* SCE = 0: SYSCALL and SYSRET are #UD, wherever they run. */
    uint64_t efer = rdmsr(MSR_EFER) & ~EFER_SCE;
    wrmsr(MSR_EFER, efer);
    expect_fault(6, 2);
    kit_run_user(user_syscall, 0);
    report_fault("syscall at CPL 3 with EFER.SCE=0: #UD", 6, 0, 0x33,
                 user_syscall_at);
    expect_fault(6, 3);
    kernel_sysret();
    report_fault("sysretq at CPL 0 with EFER.SCE=0: #UD", 6, 0, 0x08,
                 kernel_sysret_at);
    kit_set_exception_handler(6, NULL);

    wrmsr(MSR_EFER, efer | EFER_SCE);
    check_msr("EFER.SCE set", MSR_EFER, efer | EFER_SCE);

    /* The round trips. */
    kernel_calls = 0;
    uint64_t n = kit_run_user(user_round_trips, ROUND_TRIPS);
    kit_printf("round trips: %lu, kernel saw %lu\n", n, kernel_calls);
    report(&k_cs);
    report(&k_ss);
    report(&k_rcx);
    report(&k_r11);
    report(&k_rflags);
    report(&k_rsp);
    report(&k_gs);
    report(&k_kgs);
    report(&k_gs_load);
    report(&u_cs);
    report(&u_ss);
    report(&u_rip);
    report(&u_rflags);
    report(&u_rsp);
    report(&u_gs);
    report(&u_rax);
    check_msr("GS_BASE after the round trips", MSR_GS_BASE,
              (uintptr_t)user_gs_area);
    check_msr("KERNEL_GS_BASE after the round trips", MSR_KERNEL_GS_BASE,
              (uintptr_t)&percpu);

    /* SYSRETQ goes where RCX says, with RFLAGS from R11 filtered. */
    struct redirect d = { 0 };
    kit_run_user(user_redirect, (uintptr_t)&d);
    kit_result("sysretq: returns to rcx set by the kernel",
               d.wrong_place == 0 && d.rcx == d.label,
               "returned after the syscall");
    kit_result("sysretq: rflags = (r11 & 0x3c7fd7) | 2",
               d.rflags == ((WILD_R11 & SYSRET_FLAGS_MASK) | 2) &&
               d.r11 == WILD_R11, "rflags 0x%lx r11 0x%lx; want 0x%lx",
               d.rflags, d.r11,
               (uint64_t)((WILD_R11 & SYSRET_FLAGS_MASK) | 2));

    /* SYSRETL: compatibility mode, CS = STAR[63:48] | 3, RIP = ECX. */
    kit_run_user(user_to_compat, (uintptr_t)compat_probe);
    const struct kit_frame *x = &kit_user_exit_frame;
    kit_result("sysretl: cs = STAR[63:48] | 3",
               (x->rax & 0xffff) == 0x23 && x->cs == 0x23,
               "cs 0x%lx, frame cs 0x%lx", x->rax & 0xffff, x->cs);
    kit_result("sysretl: ss = STAR[63:48] + 8 | 3",
               (x->rbx & 0xffff) == 0x2b && x->ss == 0x2b,
               "ss 0x%lx, frame ss 0x%lx", x->rbx & 0xffff, x->ss);
    kit_result("sysretl: runs 32-bit code", x->rdi == 0,
               "0x4f was not DEC EDI");
    kit_result("sysretl: rip = ecx", x->rip == (uintptr_t)compat_probe_end,
               "left through int $0xf0 at rip 0x%lx, want 0x%lx", x->rip,
               (uint64_t)(uintptr_t)compat_probe_end);
    kit_result("sysretl: eflags = r11", (x->rdx & 0xffffffff) == 0x47,
               "got 0x%lx want 0x47", x->rdx & 0xffffffff);

    /* SYSCALL in compatibility mode: #UD (Intel: invalid outside 64-bit). */
    fault_seen = false;
    kit_set_exception_handler(6, on_ud_abort);
    uint64_t r = kit_run_user(user_to_compat, (uintptr_t)compat_syscall);
    kit_set_exception_handler(6, NULL);
    if (r == 0x600d) {
        report_fault("syscall in compatibility mode: #UD", 6, 0, 0x23,
                     compat_syscall_at);
    } else {
        kit_result("syscall in compatibility mode: #UD", false, "%s",
                   r == 0xc57a ? "went to CSTAR" : "no exception");
    }

    /* SYSRET and SWAPGS are CPL-0 only: #GP(0) at CPL 3. */
    expect_fault(13, 3);
    kit_run_user(user_sysret, 0);
    report_fault("sysretq at CPL 3: #GP(0)", 13, 0, 0x33, user_sysret_at);
    expect_fault(13, 3);
    kit_run_user(user_swapgs, 0);
    report_fault("swapgs at CPL 3: #GP(0)", 13, 0, 0x33, user_swapgs_at);

    /*
     * SYSRETQ with a non-canonical RCX: #GP(0) before leaving ring 0 (SDM
     * Vol. 2B SYSRET: "IF (RCX is not canonical) THEN #GP(0)" precedes
     * the state changes). If it returns to ring 3 instead, the fetch
     * faults there; either handler brings us back to ring 0.
     */
    expect_fault(13, 0);
    fault_resume = noncanon_sysret_next;
    kit_set_exception_handler(14, on_fault);
    noncanon_sysret();
    kit_set_exception_handler(13, NULL);
    kit_set_exception_handler(14, NULL);
    report_fault("sysretq with non-canonical rcx: #GP(0) at CPL 0", 13, 0,
                 0x08, noncanon_sysret_at);
    check_msr("GS_BASE unchanged", MSR_GS_BASE, (uintptr_t)user_gs_area);

    kit_puts("syscall: done");
    kit_finish();
}
