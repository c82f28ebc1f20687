/*
 * Interrupt and exception delivery in IA-32e mode (SDM Vol. 3A 6.12-6.15,
 * 6.14 in particular): the 64-bit frame and its 16-byte alignment, the
 * stack switch to TSS.RSP0 from ring 3 and the NULL SS that comes with it,
 * IST stacks, gate DPL checks for INT n/INT3 (and none for INT1), gate
 * types and presence, the IDT limit, the EXT and IDT bits of the error
 * code, double faults (contributory + contributory, Table 6-5), opcodes
 * that are invalid in 64-bit mode, and the error codes of segment loads.
 *
 * QEMU 7.2 (TCG) fails ten checks: in IA-32e mode it puts vector * 16 + 2
 * in the error code instead of the IDT index (vector << 3 | IDT | EXT)
 * and never sets EXT, raises #GP instead of #SS for a non-canonical
 * SS-relative address, decodes INT1 (0xF1) as #UD, and lets MOV SS load a
 * null selector whose RPL differs from CPL 0.
 */
#include "kit.h"

#define STUB_PUSH   176         /* sizeof(struct kit_frame) */

/* Error code for a fault that names an IDT vector (Vol. 3A 6.13). */
#define ERR_IDT(v)  (((uint64_t)(v) << 3) | 2)
#define ERR_EXT     1

#define SEL_DATA_NP     ((KIT_GDT_FIRST_FREE + 0) * 8)  /* not present */
#define SEL_CODE_XO     ((KIT_GDT_FIRST_FREE + 1) * 8)  /* execute-only */
#define SEL_DATA_RO     ((KIT_GDT_FIRST_FREE + 2) * 8)  /* read-only */
#define SEL_BEYOND      0x200                           /* past the limit */

static const char *vec_name(uint64_t vec)
{
    static const char *const names[] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
        "#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF",
    };
    return vec < 15 ? names[vec] : "vector>14";
}

/*
 * One caught event: vector, error code, saved CS and RIP (at the
 * instruction for a fault, after it for a trap or INT n).
 */
static void expect_event(const char *name, unsigned vec, uint64_t err,
                         uint64_t cs, bool trap)
{
    uint64_t rip = trap ? kit_caught_resume : kit_try_insn;

    if (kit_caught_count == 0) {
        kit_result(name, false, "no exception");
    } else {
        kit_result(name, kit_caught_count == 1 && kit_caught.vec == vec &&
                   kit_caught.err == err && kit_caught.cs == cs &&
                   kit_caught.rip == rip,
                   "%lu event(s), last %s (vec %lu) err 0x%lx cs 0x%lx rip "
                   "0x%lx; want vec %u err 0x%lx cs 0x%lx rip 0x%lx",
                   kit_caught_count, vec_name(kit_caught.vec),
                   kit_caught.vec, kit_caught.err, kit_caught.cs,
                   kit_caught.rip, vec, err, cs, rip);
    }
    kit_catch_reset();
}

/* ---- Ring 3 -> ring 0: the frame on TSS.RSP0 ---- */

static struct {
    uint64_t frame_addr, ss_in_handler, user_rsp;
    struct kit_frame f;
} seen;

static void record_frame(struct kit_frame *f)
{
    uint16_t ss;
    __asm__ volatile("movw %%ss, %0" : "=r"(ss));
    seen.frame_addr = (uintptr_t)f;
    seen.ss_in_handler = ss;
    seen.f = *f;
    f->rip = kit_try_resume;
}

static uint64_t user_ud2(uint64_t arg)
{
    (void)arg;
    __asm__ volatile("movq %%rsp, %0\n\t" KIT_TRY("ud2")
                     : "=m"(seen.user_rsp) : : "r11", "memory");
    return 0;
}

static void check_ring3_frame(void)
{
    uint64_t rsp0 = kit_tss.rsp[0];

    kit_set_exception_handler(6, record_frame);
    kit_run_user(user_ud2, 0);
    kit_result("ud2 at CPL 3: #UD frame cs/ss/rip/rsp",
               seen.f.vec == 6 && seen.f.cs == 0x33 && seen.f.ss == 0x2b &&
               seen.f.rip == kit_try_insn && seen.f.rsp == seen.user_rsp,
               "vec %lu cs 0x%lx ss 0x%lx rip 0x%lx rsp 0x%lx, user rsp "
               "0x%lx", seen.f.vec, seen.f.cs, seen.f.ss, seen.f.rip,
               seen.f.rsp, seen.user_rsp);
    kit_result("ring 3 -> 0: frame pushed on TSS.RSP0",
               seen.frame_addr == rsp0 - STUB_PUSH,
               "frame at 0x%lx, RSP0 0x%lx", seen.frame_addr, rsp0);
    kit_result("ring 3 -> 0: SS is a NULL selector", seen.ss_in_handler == 0,
               "ss 0x%lx", seen.ss_in_handler);

    /* A misaligned RSP0 is aligned down to 16 before the pushes. */
    kit_tss.rsp[0] = rsp0 - 8;
    kit_run_user(user_ud2, 0);
    kit_tss.rsp[0] = rsp0;
    kit_result("ring 3 -> 0: RSP0 aligned down to 16",
               seen.frame_addr == rsp0 - 16 - STUB_PUSH,
               "frame at 0x%lx, RSP0 0x%lx", seen.frame_addr, rsp0 - 8);
    kit_set_exception_handler(6, NULL);
}

/* ---- Same privilege: the frame and its alignment ---- */

__asm__(
    ".pushsection .text\n"
    /* Called with RSP = 8 mod 16; the second one pushes once more. */
    "ud_misaligned:\n"
    "    movq %rsp, seen+16(%rip)\n"
    "    leaq 1f(%rip), %rax\n"
    "    movq %rax, kit_try_resume(%rip)\n"
    "    ud2\n"
    "1:  ret\n"
    "ud_aligned:\n"
    "    pushq $0\n"
    "    movq %rsp, seen+16(%rip)\n"
    "    leaq 1f(%rip), %rax\n"
    "    movq %rax, kit_try_resume(%rip)\n"
    "    ud2\n"
    "1:  popq %rax\n"
    "    ret\n"
    ".popsection\n");
void ud_misaligned(void), ud_aligned(void);

static void check_ring0_frame(void)
{
    kit_set_exception_handler(6, record_frame);
    ud_misaligned();
    uint64_t rsp = seen.user_rsp;
    kit_result("CPL 0 #UD: frame below RSP aligned down to 16 (RSP=8 mod 16)",
               seen.frame_addr == (rsp & ~15ull) - STUB_PUSH &&
               seen.f.rsp == rsp && seen.f.ss == KIT_SEL_DS &&
               seen.f.cs == KIT_SEL_CS64,
               "frame at 0x%lx, rsp 0x%lx, saved rsp 0x%lx ss 0x%lx",
               seen.frame_addr, rsp, seen.f.rsp, seen.f.ss);
    ud_aligned();
    rsp = seen.user_rsp;
    kit_result("CPL 0 #UD: frame right below RSP (RSP=0 mod 16)",
               seen.frame_addr == rsp - STUB_PUSH && seen.f.rsp == rsp,
               "frame at 0x%lx, rsp 0x%lx, saved rsp 0x%lx",
               seen.frame_addr, rsp, seen.f.rsp);
    kit_set_exception_handler(6, NULL);
}

/* ---- IST and the double fault ---- */

static char ist1_stack[4096] __attribute__((aligned(16)));
static char ist2_stack[4096] __attribute__((aligned(16)));
uint64_t df_saved_rsp;
static unsigned np_count, gp_count;

__asm__(
    ".pushsection .text\n"
    "df_run:\n"
    "    movq %rsp, df_saved_rsp(%rip)\n"
    "    movabsq $0x8000000000000000, %rax\n"
    "    movq (%rax), %rax\n"           /* #GP, through a not-present gate */
    "df_next:\n"
    "    ret\n"
    ".popsection\n");
void df_run(void);
extern const char df_next[];

static void on_df(struct kit_frame *f)
{
    seen.frame_addr = (uintptr_t)f;
    seen.f = *f;
    /* The state after #DF is undefined (abort): resume by hand. */
    f->rip = (uintptr_t)df_next;
    f->rsp = df_saved_rsp;
    f->cs = KIT_SEL_CS64;
    f->ss = KIT_SEL_DS;
}

static void count_np(struct kit_frame *f)
{
    np_count++;
    f->rip = (uintptr_t)df_next;
}

static void count_gp(struct kit_frame *f)
{
    gp_count++;
    f->rip = (uintptr_t)df_next;
}

/* The SS segment for RSP/RBP-based addresses: #SS(0), not #GP(0). */
static void check_ss_fault(void)
{
    kit_tss.ist[2] = (uintptr_t)(ist2_stack + sizeof(ist2_stack));
    kit_set_gate(12, KIT_GATE_INTR, 2);
    kit_catch(12);
    kit_catch(13);
    kit_catch_reset();
    __asm__ volatile("pushq %%rbp\n\t"
                     "movabsq $0x8000000000000000, %%rbp\n\t"
                     KIT_TRY("movq (%%rbp), %%rax")
                     "popq %%rbp"
                     : : : "rax", "r11", "memory");
    expect_event("non-canonical address with base rbp: #SS(0)", 12, 0,
                 KIT_SEL_CS64, false);
    kit_set_gate(12, KIT_GATE_INTR, 0);
}

static void check_double_fault(void)
{
    kit_tss.ist[1] = (uintptr_t)(ist1_stack + sizeof(ist1_stack));
    kit_set_gate(8, KIT_GATE_INTR, 1);
    kit_set_exception_handler(8, on_df);
    kit_set_exception_handler(11, count_np);
    kit_set_exception_handler(13, count_gp);
    seen.f.vec = ~0ull;
    np_count = gp_count = 0;

    kit_set_gate(13, KIT_GATE_INTR & ~KIT_GATE_P, 0);
    df_run();
    kit_set_gate(13, KIT_GATE_INTR, 0);

    kit_result("#GP through a not-present gate -> #NP -> #DF(0)",
               seen.f.vec == 8 && seen.f.err == 0 && np_count == 0 &&
               gp_count == 0, "vec %lu err 0x%lx; #NP handler ran %u "
               "times, #GP %u times", seen.f.vec, seen.f.err, np_count,
               gp_count);
    kit_result("#DF on its IST1 stack",
               seen.frame_addr ==
               (uintptr_t)(ist1_stack + sizeof(ist1_stack)) - STUB_PUSH,
               "frame at 0x%lx, IST1 top 0x%lx", seen.frame_addr,
               (uint64_t)(uintptr_t)(ist1_stack + sizeof(ist1_stack)));
    kit_set_exception_handler(8, NULL);
    kit_set_exception_handler(11, NULL);
    kit_set_exception_handler(13, NULL);
    kit_set_gate(8, KIT_GATE_INTR, 0);
}

/* ---- Gates ---- */

#define VEC_NP      0x40        /* not present */
#define VEC_DPL0    0x41        /* DPL 0 */
#define VEC_DPL3    0x80        /* DPL 3 */
#define VEC_CALLG   0x43        /* a call gate: not allowed in the IDT */
#define VEC_INT16   0x44        /* 16-bit interrupt gate: invalid here */
#define VEC_TRAP    0x45        /* trap gate */
#define VEC_INTR    0x46        /* interrupt gate */
#define VEC_BEYOND  0x50        /* past a shortened IDT limit */

static uint64_t user_int_dpl3(uint64_t arg)
{
    (void)arg;
    __asm__ volatile(KIT_TRY("int $0x80") : : : "r11", "memory");
    return 0;
}

static uint64_t user_int_dpl0(uint64_t arg)
{
    (void)arg;
    __asm__ volatile(KIT_TRY("int $0x41") : : : "r11", "memory");
    return 0;
}

static uint64_t user_int3(uint64_t arg)
{
    (void)arg;
    __asm__ volatile(KIT_TRY("int3") : : : "r11", "memory");
    return 0;
}

static uint64_t user_int1(uint64_t arg)
{
    (void)arg;
    __asm__ volatile(KIT_TRY(".byte 0xf1") : : : "r11", "memory");
    return 0;
}

static uint64_t handler_rflags;

static void record_rflags(struct kit_frame *f)
{
    uint64_t fl;
    __asm__ volatile("pushfq; popq %0" : "=r"(fl));
    handler_rflags = fl;
    kit_caught = *f;
    kit_caught_count++;
}

static void check_gates(void)
{
    kit_catch(1);
    kit_catch(3);
    kit_catch(6);
    kit_catch(11);
    kit_catch(13);
    kit_catch_reset();

    /* INT n through a DPL-3 gate from ring 3: a trap-like event. */
    kit_set_gate(VEC_DPL3, KIT_GATE_INTR | KIT_GATE_DPL3, 0);
    kit_catch(VEC_DPL3);
    kit_run_user(user_int_dpl3, 0);
    expect_event("int $0x80 at CPL 3, DPL-3 gate: delivered", VEC_DPL3, 0,
                 0x33, true);

    /* ... and through a DPL-0 gate: #GP(vector << 3 | IDT). */
    kit_run_user(user_int_dpl0, 0);
    expect_event("int $0x41 at CPL 3, DPL-0 gate: #GP(0x20a)", 13,
                 ERR_IDT(VEC_DPL0), 0x33, false);

    /* INT3 is checked like INT n; INT1 (ICEBP) is not (6.12.1.1). */
    kit_run_user(user_int3, 0);
    expect_event("int3 at CPL 3, DPL-0 gate: #GP(0x1a)", 13, ERR_IDT(3),
                 0x33, false);
    kit_set_gate(3, KIT_GATE_INTR | KIT_GATE_DPL3, 0);
    kit_run_user(user_int3, 0);
    expect_event("int3 at CPL 3, DPL-3 gate: #BP after int3", 3, 0, 0x33,
                 true);
    kit_set_gate(3, KIT_GATE_INTR, 0);
    kit_run_user(user_int1, 0);
    expect_event("int1 at CPL 3, DPL-0 gate: #DB after int1", 1, 0, 0x33,
                 true);

    /* INT n at CPL 0: same-privilege frame. */
    __asm__ volatile(KIT_TRY("int $0x80") : : : "r11", "memory");
    expect_event("int $0x80 at CPL 0: delivered", VEC_DPL3, 0, KIT_SEL_CS64,
                 true);

    /* A not-present gate: #NP with the IDT bit; EXT for an exception. */
    kit_set_gate(VEC_NP, KIT_GATE_INTR & ~KIT_GATE_P, 0);
    __asm__ volatile(KIT_TRY("int $0x40") : : : "r11", "memory");
    expect_event("int $0x40, not-present gate: #NP(0x202)", 11,
                 ERR_IDT(VEC_NP), KIT_SEL_CS64, false);
    kit_set_gate(6, KIT_GATE_INTR & ~KIT_GATE_P, 0);
    __asm__ volatile(KIT_TRY("ud2") : : : "r11", "memory");
    kit_set_gate(6, KIT_GATE_INTR, 0);
    expect_event("ud2, not-present #UD gate: #NP(0x33), EXT set", 11,
                 ERR_IDT(6) | ERR_EXT, KIT_SEL_CS64, false);

    /* Gate types the IDT may not hold in IA-32e mode: #GP. */
    kit_set_gate(VEC_CALLG, 0x8C, 0);
    __asm__ volatile(KIT_TRY("int $0x43") : : : "r11", "memory");
    expect_event("int $0x43, call gate in the IDT: #GP(0x21a)", 13,
                 ERR_IDT(VEC_CALLG), KIT_SEL_CS64, false);
    kit_set_gate(VEC_INT16, 0x86, 0);
    __asm__ volatile(KIT_TRY("int $0x44") : : : "r11", "memory");
    expect_event("int $0x44, 16-bit interrupt gate: #GP(0x222)", 13,
                 ERR_IDT(VEC_INT16), KIT_SEL_CS64, false);

    /* A vector past the IDT limit: #GP. */
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } idtr, small;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    small = idtr;
    small.limit = VEC_BEYOND * 16 - 1;
    __asm__ volatile("lidt %0" : : "m"(small));
    __asm__ volatile(KIT_TRY("int $0x50") : : : "r11", "memory");
    __asm__ volatile("lidt %0" : : "m"(idtr));
    expect_event("int $0x50 past the IDT limit: #GP(0x282)", 13,
                 ERR_IDT(VEC_BEYOND), KIT_SEL_CS64, false);

    /*
     * An interrupt gate clears IF, a trap gate leaves it. The PICs are
     * masked so that nothing arrives while IF = 1.
     */
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
    kit_set_gate(VEC_TRAP, KIT_GATE_TRAP, 0);
    kit_set_gate(VEC_INTR, KIT_GATE_INTR, 0);
    kit_set_exception_handler(VEC_TRAP, record_rflags);
    kit_set_exception_handler(VEC_INTR, record_rflags);
    kit_catch_reset();
    __asm__ volatile("sti\n\tint $0x45\n\tcli" : : : "memory");
    uint64_t trap_fl = handler_rflags, trap_frame_fl = kit_caught.rflags;
    __asm__ volatile("sti\n\tint $0x46\n\tcli" : : : "memory");
    uint64_t intr_fl = handler_rflags, intr_frame_fl = kit_caught.rflags;
    kit_result("trap gate leaves IF set", (trap_fl & 0x200) &&
               (trap_frame_fl & 0x200), "handler rflags 0x%lx, frame 0x%lx",
               trap_fl, trap_frame_fl);
    kit_result("interrupt gate clears IF", !(intr_fl & 0x200) &&
               (intr_frame_fl & 0x200), "handler rflags 0x%lx, frame 0x%lx",
               intr_fl, intr_frame_fl);
    kit_set_exception_handler(VEC_TRAP, NULL);
    kit_set_exception_handler(VEC_INTR, NULL);
    kit_catch_reset();
}

/* ---- Opcodes that are invalid in 64-bit mode: #UD ---- */

static void check_invalid_opcodes(void)
{
    kit_catch(6);
    kit_catch_reset();
#define UD64(bytes, what)                                              \
    do {                                                               \
        __asm__ volatile(KIT_TRY(".byte " bytes) : : : "r11", "memory"); \
        expect_event(what " in 64-bit mode: #UD", 6, 0, KIT_SEL_CS64,  \
                     false);                                           \
    } while (0)
    UD64("0xce", "into (0xce)");
    UD64("0x06", "push es (0x06)");
    UD64("0x1f", "pop ds (0x1f)");
    UD64("0x27", "daa (0x27)");
    UD64("0x37", "aaa (0x37)");
    UD64("0x60", "pusha (0x60)");
    UD64("0xd4, 0x0a", "aam (0xd4)");
    UD64("0x9a, 0, 0, 0, 0, 0x08, 0", "call far ptr (0x9a)");
    UD64("0xea, 0, 0, 0, 0, 0x08, 0", "jmp far ptr (0xea)");
#undef UD64
}

/* ---- #AC: CPL 3, CR0.AM and RFLAGS.AC (SDM Vol. 3A 6.15) ---- */

static uint8_t ac_buf[16] __attribute__((aligned(16)));

/* Sets RFLAGS.AC, loads 4 bytes at p, clears AC */
static uint64_t ac_load(uint64_t p)
{
    uint32_t v;
    __asm__ volatile("pushfq\n\torq $0x40000, (%%rsp)\n\tpopfq\n\t"
                     KIT_TRY("movl (%1), %0")
                     "\n\tpushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq"
                     : "=r"(v) : "r"(p) : "r11", "memory", "cc");
    return v;
}

static void set_cr0_am(bool on)
{
    uint64_t cr0;
    __asm__ volatile("movq %%cr0, %0" : "=r"(cr0));
    cr0 = on ? cr0 | (1u << 18) : cr0 & ~(uint64_t)(1u << 18);
    __asm__ volatile("movq %0, %%cr0" : : "r"(cr0) : "memory");
}

static void check_alignment_check(void)
{
    kit_catch(17);
    kit_catch_reset();
    set_cr0_am(true);
    kit_run_user(ac_load, (uint64_t)(ac_buf + 1));
    expect_event("CPL 3, AM, AC: misaligned load: #AC(0)", 17, 0,
                 KIT_SEL_UCS64 | 3, false);
    kit_run_user(ac_load, (uint64_t)(ac_buf + 4));
    kit_result("CPL 3, AM, AC: aligned load: no #AC", kit_caught_count == 0,
               "%lu event(s)", kit_caught_count);
    kit_catch_reset();
    ac_load((uint64_t)(ac_buf + 1));
    kit_result("CPL 0, AM, AC: misaligned load: no #AC",
               kit_caught_count == 0, "%lu event(s)", kit_caught_count);
    kit_catch_reset();
    set_cr0_am(false);
    kit_run_user(ac_load, (uint64_t)(ac_buf + 1));
    kit_result("CPL 3, AC without CR0.AM: no #AC", kit_caught_count == 0,
               "%lu event(s)", kit_caught_count);
    kit_catch_reset();
}

/* ---- The stack pointers in the TSS (SDM Vol. 3A 6.14.4, 6.14.5) ---- */

/* Reloads TR with the kit's TSS at the given limit */
static void load_tss_limit(uint32_t limit)
{
    uint64_t base = (uintptr_t)&kit_tss;
    kit_gdt_set(KIT_SEL_TSS / 8, kit_seg_desc((uint32_t)base, limit, 0x89,
                                              0));
    kit_gdt_set(KIT_SEL_TSS / 8 + 1, base >> 32);
    __asm__ volatile("ltr %w0" : : "r"(KIT_SEL_TSS) : "memory");
}

static void check_tss_stack_pointers(void)
{
    uint64_t ist3 = kit_tss.ist[3];

    kit_set_gate(0x41, KIT_GATE_INTR, 3);
    kit_catch(10);
    kit_catch(12);
    kit_catch_reset();
    /* IST3 is at 0x34-0x3b: a limit of 0x37 cuts it */
    load_tss_limit(0x37);
    __asm__ volatile(KIT_TRY("int $0x41") : : : "r11", "memory");
    expect_event("int through IST3 past the TSS limit: #TS(0x38)", 10,
                 KIT_SEL_TSS, KIT_SEL_CS64, false);
    load_tss_limit(sizeof(kit_tss) - 1);
    kit_tss.ist[3] = 0x8000000000001000ull;
    __asm__ volatile(KIT_TRY("int $0x41") : : : "r11", "memory");
    expect_event("int through a non-canonical IST3: #SS(0)", 12, 0,
                 KIT_SEL_CS64, false);
    kit_tss.ist[3] = ist3;
    kit_set_gate(0x41, KIT_GATE_INTR, 0);
}

/* ---- Segment loads: the selector in the error code ---- */

static uint64_t user_load_ds(uint64_t sel)
{
    __asm__ volatile(KIT_TRY("movl %k0, %%ds") : : "r"(sel) : "r11", "memory");
    return 0;
}

static uint64_t user_load_ss(uint64_t sel)
{
    __asm__ volatile(KIT_TRY("movl %k0, %%ss") : : "r"(sel) : "r11", "memory");
    return 0;
}

struct seg_regs {
    uint16_t ds, es, fs, gs;
};

static uint64_t user_read_segs(uint64_t arg)
{
    struct seg_regs *r = (struct seg_regs *)arg;
    __asm__ volatile("movw %%ds, %0\n\tmovw %%es, %1\n\t"
                     "movw %%fs, %2\n\tmovw %%gs, %3"
                     : "=m"(r->ds), "=m"(r->es), "=m"(r->fs), "=m"(r->gs));
    return 0;
}

static void load_ds(unsigned sel)
{
    __asm__ volatile(KIT_TRY("movl %k0, %%ds") : : "r"(sel) : "r11", "memory");
}

static void load_ss(unsigned sel)
{
    __asm__ volatile(KIT_TRY("movl %k0, %%ss") : : "r"(sel) : "r11", "memory");
}

static void check_segment_loads(void)
{
    kit_gdt_set(SEL_DATA_NP / 8, kit_seg_desc(0, 0xFFFFF, 0x13,
                                              KIT_SEG_FLAGS_4K32));
    kit_gdt_set(SEL_CODE_XO / 8, kit_seg_desc(0, 0xFFFFF, 0x99,
                                              KIT_SEG_FLAGS_4K32));
    kit_gdt_set(SEL_DATA_RO / 8, kit_seg_desc(0, 0xFFFFF, 0x91,
                                              KIT_SEG_FLAGS_4K32));
    kit_catch(11);
    kit_catch(12);
    kit_catch(13);
    kit_catch_reset();

    load_ds(SEL_BEYOND);
    expect_event("mov ds, selector past the GDT limit: #GP(0x200)", 13,
                 SEL_BEYOND, KIT_SEL_CS64, false);
    load_ds(SEL_BEYOND | 3);
    expect_event("mov ds, same with RPL 3: #GP(0x200)", 13, SEL_BEYOND,
                 KIT_SEL_CS64, false);
    /* LLDT of a null selector marks the LDTR invalid (SDM Vol. 2A LLDT). */
    __asm__ volatile("lldt %w0" : : "r"(0));
    load_ds(0x0C);
    expect_event("mov ds, LDT selector after lldt 0: #GP(0xc)", 13, 0x0C,
                 KIT_SEL_CS64, false);
    load_ds(KIT_SEL_TSS);
    expect_event("mov ds, TSS descriptor: #GP(0x38)", 13, KIT_SEL_TSS,
                 KIT_SEL_CS64, false);
    load_ds(SEL_CODE_XO);
    expect_event("mov ds, execute-only code: #GP(0x58)", 13, SEL_CODE_XO,
                 KIT_SEL_CS64, false);
    load_ds(SEL_DATA_NP);
    expect_event("mov ds, not-present data: #NP(0x50)", 11, SEL_DATA_NP,
                 KIT_SEL_CS64, false);
    load_ds(0);
    kit_expect_no_fault("mov ds, null selector at CPL 0: no fault");

    load_ss(SEL_DATA_NP);
    expect_event("mov ss, not-present data: #SS(0x50)", 12, SEL_DATA_NP,
                 KIT_SEL_CS64, false);
    load_ss(SEL_DATA_RO);
    expect_event("mov ss, read-only data: #GP(0x60)", 13, SEL_DATA_RO,
                 KIT_SEL_CS64, false);
    load_ss(KIT_SEL_UDS | 3);
    expect_event("mov ss, RPL 3 at CPL 0: #GP(0x28)", 13, KIT_SEL_UDS,
                 KIT_SEL_CS64, false);
    load_ss(KIT_SEL_UDS);
    expect_event("mov ss, DPL 3 data at CPL 0: #GP(0x28)", 13, KIT_SEL_UDS,
                 KIT_SEL_CS64, false);
    load_ss(1);
    expect_event("mov ss, null with RPL 1 at CPL 0: #GP(0)", 13, 0,
                 KIT_SEL_CS64, false);
    load_ss(0);
    kit_expect_no_fault("mov ss, null at CPL 0 in 64-bit mode: no fault");
    __asm__ volatile("movl %0, %%ss" : : "r"(KIT_SEL_DS));

    kit_run_user(user_load_ds, KIT_SEL_DS);
    expect_event("mov ds at CPL 3, DPL-0 data: #GP(0x10)", 13, KIT_SEL_DS,
                 0x33, false);
    kit_run_user(user_load_ss, 3);
    expect_event("mov ss at CPL 3, null selector: #GP(0)", 13, 0, 0x33,
                 false);
    kit_run_user(user_load_ds, KIT_SEL_UDS | 3);
    kit_expect_no_fault("mov ds at CPL 3, DPL-3 data: no fault");

    /* LTR of the TSS that is already loaded, hence busy. */
    __asm__ volatile(KIT_TRY("ltr %w0")
                     : : "r"(KIT_SEL_TSS) : "r11", "memory");
    expect_event("ltr of a busy TSS: #GP(0x38)", 13, KIT_SEL_TSS,
                 KIT_SEL_CS64, false);

    /* IRETQ to ring 3 nulls DS, ES, FS and GS holding DPL-0 selectors. */
    struct seg_regs r = { 1, 1, 1, 1 };
    __asm__ volatile("movl %0, %%ds\n\tmovl %0, %%es\n\t"
                     "movl %0, %%fs\n\tmovl %0, %%gs"
                     : : "r"(KIT_SEL_DS));
    kit_run_user(user_read_segs, (uintptr_t)&r);
    kit_result("iretq to CPL 3 nulls DS/ES/FS/GS with DPL 0",
               r.ds == 0 && r.es == 0 && r.fs == 0 && r.gs == 0,
               "ds 0x%x es 0x%x fs 0x%x gs 0x%x", r.ds, r.es, r.fs, r.gs);
    __asm__ volatile("movl %0, %%fs\n\tmovl %0, %%gs" : : "r"(KIT_SEL_DS));
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: exceptions2");
    kit_sys_init();

    check_ring3_frame();
    check_ring0_frame();
    check_ss_fault();
    check_double_fault();
    check_gates();
    check_invalid_opcodes();
    check_alignment_check();
    check_tss_stack_pointers();
    check_segment_loads();

    kit_puts("exceptions2: done");
    kit_finish();
}
