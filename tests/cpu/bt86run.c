/*
 * The bt86 side: an in-process CPU in 64-bit long mode, with no boot code,
 * set up the way Linux runs a 64-bit process, so that the snippet runs at
 * CPL 3 like the native side:
 *
 *   - 4-level page tables map the test pages at the same virtual addresses
 *     as the native side, user-accessible (U/S = 1 at every level), the
 *     code page writable and executable, the data and stack pages
 *     no-execute (EFER.NXE = 1, as under Linux); nothing else in the user
 *     half of the address space.
 *   - A Linux-like GDT: kernel code 0x10 and data 0x18 (DPL 0), user
 *     32-bit code 0x23, user data 0x2b and user 64-bit code 0x33 (DPL 3),
 *     a 64-bit TSS at 0x40. The snippet runs with CS = 0x33, SS = 0x2b,
 *     DS = ES = FS = GS = 0 (null, as in a 64-bit Linux process) and
 *     RFLAGS.IOPL = 0.
 *   - The TSS has RSP0 and IST1 pointing at a kernel stack (supervisor
 *     pages) and no I/O permission bitmap (its offset is past the TSS
 *     limit): every IN/OUT/INS/OUTS at CPL 3 raises #GP(0), as natively.
 *   - The IDT's gate for vector v (a 64-bit interrupt gate to the kernel
 *     code segment, on IST1) points to `hlt` at STUB_VA + 16 * v. Gates
 *     are DPL 0 except vectors 3 and 4, which are DPL 3 as on Linux, so
 *     that the final `int3` works from ring 3 and any other `int n` raises
 *     #GP(n * 8 + 2).
 *   - EFER.SCE = 1 as on Linux (SYSCALL/SYSRET are never generated:
 *     natively they would enter Linux).
 *
 * An exception switches to ring 0 on the IST1 stack (so the test's stack
 * page only holds what the test wrote) and cpu_exec() returns EXCP_HLT in
 * the stub; the vector comes from RIP, the faulting CS:RIP, RFLAGS and
 * SS:RSP (and the error code) from the frame on the kernel stack.
 *
 * Guest-physical layout (RAM from 0 to 1 MiB):
 *   0x00000  PML4          0x01000  PDPT (VA 0-512G)   0x02000  PD (VA 0-1G)
 *   0x03000  PT for code   0x04000  PT for data        0x05000  PT for stack
 *   0x06000  PDPT, PD and PT for the system area at SYS_VA (0x06000-0x08fff)
 *   0x10000  code page     0x11000  data (2 pages)     0x13000  stack page
 *   0x20000  GDT  0x21000 IDT  0x22000 TSS  0x23000 stubs  0x24000 kernel
 *   stack (2 pages)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "softmmu/cputlb.h"
#include "softmmu/tb.h"
#include "target-x86/cpu.h"
#include "target-x86/helper.h"

#include "cputest.h"

#define RAM_SIZE   0x100000u
#define P_PML4     0x00000u
#define P_PDPT     0x01000u
#define P_PD       0x02000u
#define P_PT_CODE  0x03000u
#define P_PT_DATA  0x04000u
#define P_PT_STACK 0x05000u
#define P_SYS_PDPT 0x06000u
#define P_SYS_PD   0x07000u
#define P_SYS_PT   0x08000u
#define P_CODE     0x10000u
#define P_DATA     0x11000u
#define P_STACK    0x13000u
#define P_SYS      0x20000u

/* in the kernel half, where the host has its own supervisor pages */
#define SYS_VA     0xfffffe0000000000ull
#define GDT_VA     (SYS_VA + 0x0000)
#define IDT_VA     (SYS_VA + 0x1000)
#define TSS_VA     (SYS_VA + 0x2000)
#define STUB_VA    (SYS_VA + 0x3000)
#define IST_VA     (SYS_VA + 0x4000)
#define IST_TOP    (SYS_VA + 0x6000)
#define SYS_PAGES  6

#define PTE_P  0x001ull
#define PTE_W  0x002ull
#define PTE_U  0x004ull
#define PTE_A  0x020ull
#define PTE_D  0x040ull
#define PTE_NX (1ull << 63)

/* Linux's selectors (arch/x86/include/asm/segment.h) */
#define SEL_KCS    0x10
#define SEL_KDS    0x18
#define SEL_UCS32  0x23
#define SEL_UDS    0x2b
#define SEL_UCS    0x33
#define SEL_TSS    0x40
#define GDT_LIMIT  0x4f
#define TSS_LIMIT  0x67

bool bt86_full_flush;

static AddressSpace as;
static IOSpace io;
static CPUX86State *env;
static uint8_t *ram;

static uint64_t cur_seed = ~0ull;
static uint8_t pat_data[DATA_SIZE], pat_stack[STACK_SIZE];


/* for the watchdog and the crash report */
static volatile uint64_t run_seq;
static volatile int running;
static const TestCase *volatile current_test;

static void st64(uint32_t pa, uint64_t v)
{
    memcpy(ram + pa, &v, 8);
}

static void st16(uint32_t pa, uint16_t v)
{
    memcpy(ram + pa, &v, 2);
}

static uint64_t ld64(uint64_t pa)
{
    uint64_t v;
    memcpy(&v, ram + pa, 8);
    return v;
}

/* The snippet's segments: ring-3 64-bit code, ring-3 stack, null data
 * segments (a 64-bit Linux process has DS = ES = FS = GS = 0). */
static void load_segments(void)
{
    x86_load_seg_cache(env, R_CS, SEL_UCS, 0, 0xffffffff,
                       DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                       DESC_R_MASK | DESC_A_MASK | DESC_L_MASK |
                       DESC_G_MASK | 3u << DESC_DPL_SHIFT);
    x86_load_seg_cache(env, R_SS, SEL_UDS, 0, 0xffffffff,
                       DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                       DESC_A_MASK | DESC_G_MASK | DESC_B_MASK |
                       3u << DESC_DPL_SHIFT);
    x86_load_seg_cache(env, R_DS, 0, 0, 0, 0);
    x86_load_seg_cache(env, R_ES, 0, 0, 0, 0);
    x86_load_seg_cache(env, R_FS, 0, 0, 0, 0);
    x86_load_seg_cache(env, R_GS, 0, 0, 0, 0);
}

/* 32-bit tests (compat32.c), as the native side sets them up: CS = 0x23
 * (32-bit, DPL 3; EFER.LMA stays 1: compatibility mode), SS = DS = ES =
 * 0x2b (flat), GS (and ES when tc->es_ldt) = the LDT data segment with
 * base DATA_BASE, FS null. */
#define LDT_VA (SYS_VA + 0x800)     /* in the GDT's page */
static void load_segments32(const TestCase *tc)
{
    uint32_t flat = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                    DESC_G_MASK | DESC_B_MASK | 3u << DESC_DPL_SHIFT;
    uint32_t ldtd = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
                    DESC_B_MASK | 3u << DESC_DPL_SHIFT;
    x86_load_seg_cache(env, R_CS, SEL_UCS32, 0, 0xffffffff,
                       DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                       DESC_R_MASK | DESC_A_MASK | DESC_B_MASK |
                       DESC_G_MASK | 3u << DESC_DPL_SHIFT);
    x86_load_seg_cache(env, R_SS, SEL_UDS, 0, 0xffffffff, flat);
    x86_load_seg_cache(env, R_DS, SEL_UDS, 0, 0xffffffff, flat);
    if (tc->es_ldt) {
        x86_load_seg_cache(env, R_ES, SEL_LDT_DATA, DATA_BASE,
                           LDT_DATA_LIMIT, ldtd);
    } else {
        x86_load_seg_cache(env, R_ES, SEL_UDS, 0, 0xffffffff, flat);
    }
    x86_load_seg_cache(env, R_FS, 0, 0, 0, 0);
    x86_load_seg_cache(env, R_GS, SEL_LDT_DATA, DATA_BASE, LDT_DATA_LIMIT,
                       ldtd);
    if (tc->cmode == TC_MODE16) {
        /* 16-bit code and stack segments from the LDT; DS = ES = GS =
         * the data segment */
        x86_load_seg_cache(env, R_CS, SEL_LDT_CODE16, CODE_BASE,
                           LDT_DATA_LIMIT,
                           DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK |
                           DESC_R_MASK | DESC_A_MASK | 3u << DESC_DPL_SHIFT);
        x86_load_seg_cache(env, R_SS, SEL_LDT_STACK16, STACK_BASE,
                           LDT_DATA_LIMIT,
                           DESC_P_MASK | DESC_S_MASK | DESC_W_MASK |
                           DESC_A_MASK | 3u << DESC_DPL_SHIFT);
        x86_load_seg_cache(env, R_DS, SEL_LDT_DATA, DATA_BASE,
                           LDT_DATA_LIMIT, ldtd);
        x86_load_seg_cache(env, R_ES, SEL_LDT_DATA, DATA_BASE,
                           LDT_DATA_LIMIT, ldtd);
    }
}

static void build_tables(void)
{
    /* user-accessible page-table entries for the test pages ... */
    uint64_t utbl = PTE_P | PTE_W | PTE_U | PTE_A;
    /* ... supervisor-only ones for the system area */
    uint64_t ktbl = PTE_P | PTE_W | PTE_A;

    /* low half: code, data, stack */
    st64(P_PML4 + 0 * 8, P_PDPT | utbl);
    st64(P_PDPT + 0 * 8, P_PD | utbl);
    st64(P_PD + ((CODE_BASE >> 21) & 511) * 8, P_PT_CODE | utbl);
    st64(P_PD + ((DATA_BASE >> 21) & 511) * 8, P_PT_DATA | utbl);
    st64(P_PD + ((STACK_BASE >> 21) & 511) * 8, P_PT_STACK | utbl);
    /* code: writable, as natively (self-modifying code) */
    st64(P_PT_CODE + ((CODE_BASE >> 12) & 511) * 8,
         P_CODE | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D);
    /* data and stack: no-execute, as natively (mapped without PROT_EXEC) */
    for (unsigned i = 0; i < DATA_SIZE / 4096; i++) {
        st64(P_PT_DATA + (((DATA_BASE >> 12) + i) & 511) * 8,
             (P_DATA + i * 4096) | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D |
             PTE_NX);
    }
    st64(P_PT_STACK + ((STACK_BASE >> 12) & 511) * 8,
         P_STACK | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D | PTE_NX);

    /* system area (kernel half): supervisor only */
    st64(P_PML4 + ((SYS_VA >> 39) & 511) * 8, P_SYS_PDPT | ktbl);
    st64(P_SYS_PDPT + ((SYS_VA >> 30) & 511) * 8, P_SYS_PD | ktbl);
    st64(P_SYS_PD + ((SYS_VA >> 21) & 511) * 8, P_SYS_PT | ktbl);
    for (unsigned i = 0; i < SYS_PAGES; i++) {
        st64(P_SYS_PT + (((SYS_VA >> 12) + i) & 511) * 8,
             (P_SYS + i * 4096) | PTE_P | PTE_W | PTE_A | PTE_D);
    }

    /* GDT, as Linux's: null, kernel 32-bit code (unused), kernel 64-bit
     * code, kernel data, user 32-bit code, user data, user 64-bit code,
     * unused, 64-bit TSS (busy) */
    uint32_t g = P_SYS + (uint32_t)(GDT_VA - SYS_VA);
    st64(g + 0x00, 0);
    st64(g + 0x08, 0x00cf9b000000ffffull);
    st64(g + SEL_KCS, 0x00af9b000000ffffull);
    st64(g + SEL_KDS, 0x00cf93000000ffffull);
    st64(g + (SEL_UCS32 & ~3), 0x00cffb000000ffffull);
    st64(g + (SEL_UDS & ~3), 0x00cff3000000ffffull);
    st64(g + (SEL_UCS & ~3), 0x00affb000000ffffull);
    st64(g + 0x38, 0);
    /* the LDT of the 32-bit tests: one data segment, base DATA_BASE,
     * limit 0xffff, 32-bit, writable, DPL 3 (as compat32 installs with
     * modify_ldt natively) */
    st64(P_SYS + (uint32_t)(LDT_VA - SYS_VA) + (SEL_LDT_DATA & ~7),
         0x0040f3000000ffffull | (DATA_BASE & 0xffffff) << 16 |
         (DATA_BASE >> 24 & 0xff) << 56);
    /* and the 16-bit tests' code and stack segments */
    st64(P_SYS + (uint32_t)(LDT_VA - SYS_VA) + (SEL_LDT_CODE16 & ~7),
         0x0000fb000000ffffull | (CODE_BASE & 0xffffff) << 16 |
         (CODE_BASE >> 24 & 0xff) << 56);
    st64(P_SYS + (uint32_t)(LDT_VA - SYS_VA) + (SEL_LDT_STACK16 & ~7),
         0x0000f3000000ffffull | (STACK_BASE & 0xffffff) << 16 |
         (STACK_BASE >> 24 & 0xff) << 56);
    uint64_t tss = TSS_VA;
    uint64_t lo = TSS_LIMIT | (tss & 0xffffff) << 16 | 0x8bull << 40 |
                  ((tss >> 24) & 0xff) << 56;
    st64(g + SEL_TSS, lo);
    st64(g + SEL_TSS + 8, tss >> 32);

    /* TSS: RSP0 and IST1 on the kernel stack; the I/O bitmap offset past
     * the limit (no I/O permission at all) */
    uint32_t t = P_SYS + (uint32_t)(TSS_VA - SYS_VA);
    st64(t + 0x04, IST_TOP);
    st64(t + 0x24, IST_TOP);
    st16(t + 0x66, TSS_LIMIT + 1);

    /* IDT: 64-bit interrupt gates to the kernel code segment, IST 1, to
     * the hlt stubs; DPL 0 except #BP and #OF (DPL 3, as on Linux) */
    uint32_t idt = P_SYS + (uint32_t)(IDT_VA - SYS_VA);
    for (int v = 0; v < 256; v++) {
        uint64_t off = STUB_VA + 16ull * (unsigned)v;
        uint64_t dpl = v == 3 || v == 4 ? 3 : 0;
        uint64_t e1 = (off & 0xffff) | (uint64_t)SEL_KCS << 16 |
                      1ull << 32 |                    /* IST 1 */
                      (0x8eull | dpl << 5) << 40 |    /* P, DPL, type E */
                      ((off >> 16) & 0xffff) << 48;
        st64(idt + 16 * (unsigned)v, e1);
        st64(idt + 16 * (unsigned)v + 8, off >> 32);
    }
    memset(ram + P_SYS + (STUB_VA - SYS_VA), 0xf4, 4096);   /* hlt */
}

static gpointer watchdog(gpointer opaque)
{
    uint64_t seen = ~0ull;
    int stuck = 0;
    (void)opaque;
    for (;;) {
        g_usleep(500 * 1000);
        uint64_t s = run_seq;
        if (running && s == seen) {
            if (++stuck >= 20) {    /* 10 s in one test */
                cpu_interrupt(env, CPU_INTERRUPT_EXIT);
                stuck = 0;
            }
        } else {
            stuck = 0;
        }
        seen = s;
    }
    return NULL;
}

static void crash_handler(int sig)
{
    const TestCase *tc = current_test;
    fprintf(stderr, "\ncputest: signal %d in the harness (bt86 crashed?)",
            sig);
    if (tc) {
        fprintf(stderr, " while running bt86 on [%s]:", tc->name);
        for (unsigned i = 0; i < tc->code_len; i++) {
            fprintf(stderr, " %02x", tc->code[i]);
        }
    }
    fprintf(stderr, "\n");
    signal(sig, SIG_DFL);
    raise(sig);
}

void bt86_init(void)
{
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) {
        perror("cputest: mmap");
        exit(2);
    }
    mem_map_ram(&as, "ram", 0, RAM_SIZE, ram);
    env = x86_cpu_create(&as, &io);
    build_tables();
    memset(ram + P_CODE, 0xcc, CODE_SIZE);

    env->gdt.base = GDT_VA;
    env->gdt.limit = GDT_LIMIT;
    env->idt.base = IDT_VA;
    env->idt.limit = 0xfff;
    env->tr = (SegmentCache){ SEL_TSS, TSS_VA, TSS_LIMIT,
                              DESC_P_MASK | (0xbu << DESC_TYPE_SHIFT) };
    env->ldt = (SegmentCache){ 0, LDT_VA, 0x17,
                               DESC_P_MASK | (0x2u << DESC_TYPE_SHIFT) };
    env->cr[3] = P_PML4;
    /* SSE enabled with #XM for unmasked exceptions, XSAVE with x87 and
     * SSE state, as Linux sets them */
    env->cr[4] = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    env->xcr0 = 3;
    /* AM as under Linux: a snippet that sets RFLAGS.AC gets #AC */
    env->cr[0] = CR0_PE | CR0_PG | CR0_ET | CR0_WP | CR0_NE | CR0_MP |
                 CR0_AM;
    /* SCE and NXE as under Linux */
    env->efer = EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE;
    /* as Linux sets them (SYSCALL is never generated: LSTAR would lead
     * nowhere, and the run would be reported as not finished) */
    env->star = (uint64_t)SEL_UCS32 << 48 | (uint64_t)SEL_KCS << 32;
    load_segments();
    x86_update_hflags(env);
    tlb_flush(env);

    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        signal(sigs[i], crash_handler);
    }
    g_thread_unref(g_thread_new("cputest-watchdog", watchdog, NULL));
}

void bt86_run(const TestCase *tc, TestResult *out)
{
    current_test = tc;

    /* memory */
    if (tc->mem_seed != cur_seed) {
        mem_pattern(tc->mem_seed, pat_data, pat_stack);
        cur_seed = tc->mem_seed;
    }
    memcpy(ram + P_DATA, pat_data, DATA_SIZE);
    memcpy(ram + P_STACK, pat_stack, STACK_SIZE);
    mem_apply_patches(tc, ram + P_DATA, ram + P_STACK);
    /* the whole page: a test may have written anywhere in it */
    memset(ram + P_CODE, 0xcc, CODE_SIZE);
    memcpy(ram + P_CODE + tc->code_at, tc->code, tc_code_fit(tc));
    /* written behind bt86's back: drop what was translated from there */
    if (bt86_full_flush) {
        tb_flush(env);
    }
    tb_invalidate_phys_range(env, P_CODE, CODE_SIZE);
    tb_invalidate_phys_range(env, P_DATA, 4096);
    tb_invalidate_phys_range(env, P_DATA + 4096, 4096);
    tb_invalidate_phys_range(env, P_STACK, STACK_SIZE);

    /* CPU state */
    if (tc->cmode != TC_MODE64) {
        load_segments32(tc);
    } else {
        load_segments();
    }
    memcpy(env->regs, tc->regs, sizeof(env->regs));
    cpu_load_eflags(env, (tc->rflags & F_CMP) | F_FIXED, ~0ull);
    x86_update_hflags(env);
    env->rip = tc_entry(tc);
    env->cr[2] = 0;
    env->halted = false;
    env->exception_index = -1;
    env->old_exception = -1;
    env->inhibit_irq = false;
    env->interrupt_request = 0;
    env->exit_request = 0;
    FxImage fx;
    tc_fx_input(tc, &fx);
    _Static_assert(sizeof(fx) == sizeof(env->fx), "FXSAVE image");
    memcpy(&env->fx, &fx, sizeof(fx));
    env->fx.mxcsr_mask = MXCSR_MASK;

    memset(out, 0, offsetof(TestResult, data));
    __atomic_store_n(&running, 1, __ATOMIC_SEQ_CST);
    int r = cpu_exec(env);
    running = 0;
    run_seq++;

    uint64_t stub = env->rip - 1 - STUB_VA;
    if (r == EXCP_HLT && env->rip > STUB_VA && stub < 4096 &&
        stub % 16 == 0) {
        /* the kernel stack: [error code], RIP, CS, RFLAGS, RSP, SS */
        uint64_t sp = env->regs[R_ESP];
        bool has_err = sp == IST_TOP - 48;
        uint64_t f = P_SYS + (sp - SYS_VA) + (has_err ? 8 : 0);
        if (sp < IST_VA || sp > IST_TOP - 40) {
            out->status = ST_CRASH;
        } else {
            out->status = ST_OK;
            out->vector = (int32_t)(stub / 16);
            if (has_err) {
                out->err = (uint32_t)ld64(f - 8);
            }
            memcpy(out->regs, env->regs, sizeof(out->regs));
            out->rip = ld64(f);
            /* 0x33 and 0x2b unless the snippet changed them (or ran into
             * ring 0: a SYSCALL) */
            out->cs = (uint16_t)ld64(f + 8);
            out->rflags = ld64(f + 16);
            out->ss = (uint16_t)ld64(f + 32);
            out->regs[RSP] = ld64(f + 24);
            out->cr2 = out->vector == 14 ? env->cr[2] : 0;
        }
    } else {
        out->status = r == EXCP_SHUTDOWN ? ST_SHUTDOWN :
                      r == EXCP_INTERRUPT ? ST_TIMEOUT : ST_CRASH;
        memcpy(out->regs, env->regs, sizeof(out->regs));
        out->rip = env->rip;
        out->rflags = cpu_compute_eflags(env);
    }
    memcpy(&out->fx, &env->fx, sizeof(out->fx));
    memcpy(out->data, ram + P_DATA, DATA_SIZE);
    memcpy(out->stack, ram + P_STACK, STACK_SIZE);
    memcpy(out->code, ram + P_CODE, CODE_SIZE);
    current_test = NULL;
}

/* In cpu_exec, with the test's memory and registers in place (for tests
 * that race a host thread against the guest) */
bool bt86_running(void)
{
    return __atomic_load_n(&running, __ATOMIC_SEQ_CST) != 0;
}

/* Host address of a byte of the data page (tests that share it with a
 * host thread). */
void *bt86_data_host(uint32_t off)
{
    return ram + P_DATA + off;
}
