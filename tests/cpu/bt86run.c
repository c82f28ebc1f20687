/*
 * The bt86 side: an in-process CPU in 64-bit long mode at CPL 0, with no
 * boot code. Guest RAM holds 4-level page tables that map the test pages at
 * the same virtual addresses as the native side (and nothing else there),
 * a GDT, a TSS and an IDT whose gate for vector v points to `hlt` at
 * STUB_VA + 16 * v. Exceptions are delivered on IST1, a stack of their own,
 * so the test's stack page only holds what the test wrote. cpu_exec()
 * returns EXCP_HLT in the stub; the vector comes from RIP, the faulting
 * RIP/RFLAGS/RSP (and error code) from the frame on the IST stack.
 *
 * Guest-physical layout (RAM from 0 to 1 MiB):
 *   0x00000  PML4          0x01000  PDPT (VA 0-512G)   0x02000  PD (VA 0-1G)
 *   0x03000  PT for code   0x04000  PT for data        0x05000  PT for stack
 *   0x06000  PDPT, PD and PT for the system area at SYS_VA (0x06000-0x08fff)
 *   0x10000  code page     0x11000  data (2 pages)     0x13000  stack page
 *   0x20000  GDT  0x21000 IDT  0x22000 TSS  0x23000 stubs  0x24000 IST stack
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

#define SYS_VA     0x00007f0000000000ull
#define GDT_VA     (SYS_VA + 0x0000)
#define IDT_VA     (SYS_VA + 0x1000)
#define TSS_VA     (SYS_VA + 0x2000)
#define STUB_VA    (SYS_VA + 0x3000)
#define IST_VA     (SYS_VA + 0x4000)
#define IST_TOP    (SYS_VA + 0x6000)
#define SYS_PAGES  6

#define PTE_P  0x001ull
#define PTE_W  0x002ull
#define PTE_A  0x020ull
#define PTE_D  0x040ull

#define SEL_CS   0x08
#define SEL_DS   0x10
#define SEL_TSS  0x18

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

static uint64_t ld64(uint64_t pa)
{
    uint64_t v;
    memcpy(&v, ram + pa, 8);
    return v;
}

static uint32_t code_flags(void)
{
    return DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK |
           DESC_A_MASK | DESC_L_MASK | DESC_G_MASK;
}

static uint32_t data_flags(void)
{
    return DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK |
           DESC_G_MASK | DESC_B_MASK;
}

static void load_segments(void)
{
    x86_load_seg_cache(env, R_CS, SEL_CS, 0, 0xffffffff, code_flags());
    for (int s = 0; s < 6; s++) {
        if (s != R_CS) {
            x86_load_seg_cache(env, s, SEL_DS, 0, 0xffffffff, data_flags());
        }
    }
}

static void build_tables(void)
{
    uint64_t tbl = PTE_P | PTE_W | PTE_A;

    /* low half: code, data, stack */
    st64(P_PML4 + 0 * 8, P_PDPT | tbl);
    st64(P_PDPT + 0 * 8, P_PD | tbl);
    st64(P_PD + ((CODE_BASE >> 21) & 511) * 8, P_PT_CODE | tbl);
    st64(P_PD + ((DATA_BASE >> 21) & 511) * 8, P_PT_DATA | tbl);
    st64(P_PD + ((STACK_BASE >> 21) & 511) * 8, P_PT_STACK | tbl);
    /* code: writable, as natively (self-modifying code) */
    st64(P_PT_CODE + ((CODE_BASE >> 12) & 511) * 8,
         P_CODE | PTE_P | PTE_W | PTE_A | PTE_D);
    for (unsigned i = 0; i < DATA_SIZE / 4096; i++) {
        st64(P_PT_DATA + (((DATA_BASE >> 12) + i) & 511) * 8,
             (P_DATA + i * 4096) | PTE_P | PTE_W | PTE_A | PTE_D);
    }
    st64(P_PT_STACK + ((STACK_BASE >> 12) & 511) * 8,
         P_STACK | PTE_P | PTE_W | PTE_A | PTE_D);

    /* system area */
    st64(P_PML4 + ((SYS_VA >> 39) & 511) * 8, P_SYS_PDPT | tbl);
    st64(P_SYS_PDPT + ((SYS_VA >> 30) & 511) * 8, P_SYS_PD | tbl);
    st64(P_SYS_PD + ((SYS_VA >> 21) & 511) * 8, P_SYS_PT | tbl);
    for (unsigned i = 0; i < SYS_PAGES; i++) {
        st64(P_SYS_PT + (((SYS_VA >> 12) + i) & 511) * 8,
             (P_SYS + i * 4096) | PTE_P | PTE_W | PTE_A | PTE_D);
    }

    /* GDT: null, 64-bit code, flat data, 64-bit TSS (busy) */
    uint32_t g = P_SYS + (uint32_t)(GDT_VA - SYS_VA);
    st64(g + 0x00, 0);
    st64(g + SEL_CS, 0x00af9b000000ffffull);
    st64(g + SEL_DS, 0x00cf93000000ffffull);
    uint64_t tss = TSS_VA;
    uint64_t lo = 0x67 | (tss & 0xffffff) << 16 | 0x8bull << 40 |
                  ((tss >> 24) & 0xff) << 56;
    st64(g + SEL_TSS, lo);
    st64(g + SEL_TSS + 8, tss >> 32);

    /* TSS: IST1 */
    uint32_t t = P_SYS + (uint32_t)(TSS_VA - SYS_VA);
    st64(t + 0x24, IST_TOP);

    /* IDT: 64-bit interrupt gates, IST 1, DPL 3, to the hlt stubs */
    uint32_t idt = P_SYS + (uint32_t)(IDT_VA - SYS_VA);
    for (int v = 0; v < 256; v++) {
        uint64_t off = STUB_VA + 16ull * (unsigned)v;
        uint64_t e1 = (off & 0xffff) | (uint64_t)SEL_CS << 16 |
                      1ull << 32 |                    /* IST 1 */
                      0xeeull << 40 |                 /* P, DPL 3, type E */
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
    env->gdt.limit = 0x27;
    env->idt.base = IDT_VA;
    env->idt.limit = 0xfff;
    env->tr = (SegmentCache){ SEL_TSS, TSS_VA, 0x67,
                              DESC_P_MASK | (0xbu << DESC_TYPE_SHIFT) };
    env->cr[3] = P_PML4;
    env->cr[4] = CR4_PAE;
    env->cr[0] = CR0_PE | CR0_PG | CR0_ET | CR0_WP | CR0_NE | CR0_MP;
    env->efer = EFER_LME | EFER_LMA;
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
    load_segments();
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

    memset(out, 0, offsetof(TestResult, data));
    running = 1;
    int r = cpu_exec(env);
    running = 0;
    run_seq++;

    uint64_t stub = env->rip - 1 - STUB_VA;
    if (r == EXCP_HLT && env->rip > STUB_VA && stub < 4096 &&
        stub % 16 == 0) {
        uint64_t sp = env->regs[R_ESP];
        bool has_err = sp == IST_TOP - 48;
        uint64_t f = P_SYS + (sp - SYS_VA);
        if (sp < IST_VA || sp > IST_TOP - 40) {
            out->status = ST_CRASH;
        } else {
            out->status = ST_OK;
            out->vector = (int32_t)(stub / 16);
            if (has_err) {
                out->err = (uint32_t)ld64(f);
                f += 8;
            }
            memcpy(out->regs, env->regs, sizeof(out->regs));
            out->rip = ld64(f);
            out->rflags = ld64(f + 16);
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
    memcpy(out->data, ram + P_DATA, DATA_SIZE);
    memcpy(out->stack, ram + P_STACK, STACK_SIZE);
    memcpy(out->code, ram + P_CODE, CODE_SIZE);
    current_test = NULL;
}
