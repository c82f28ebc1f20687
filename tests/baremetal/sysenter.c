/*
 * SYSENTER/SYSEXIT in IA-32e mode (SDM Vol. 2B): from ring 3 to a flat
 * ring-0 CS/SS at IA32_SYSENTER_CS and +8, RSP/RIP from SYSENTER_ESP/EIP,
 * IF cleared; SYSEXITQ back to CS = SYSENTER_CS + 32 | 3, SS = + 40 | 3,
 * RIP = RDX, RSP = RCX. #GP(0) for SYSEXIT at CPL 3 and SYSENTER with a
 * null SYSENTER_CS.
 */
#include "kit.h"

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define SEL_BASE         0x50    /* GDT slots 10..15: the order SYSEXIT needs */

static char sysenter_stack[8192] __attribute__((aligned(16)));
uint64_t k_cs, k_ss, k_rsp, k_rflags, u_cs, u_ss, u_rsp_before, u_rsp_after;

/* ring-0 entry: record what SYSENTER set up, return with SYSEXITQ */
__asm__(
    ".pushsection .text\n"
    ".globl sysenter_entry\n"
    "sysenter_entry:\n"
    "    movw %cs, k_cs(%rip)\n"
    "    movw %ss, k_ss(%rip)\n"
    "    movq %rsp, k_rsp(%rip)\n"
    "    pushfq\n"
    "    popq k_rflags(%rip)\n"
    "    sysexitq\n"
    ".globl user_sysenter\n"
    "user_sysenter:\n"
    "    movq %rsp, u_rsp_before(%rip)\n"
    "    leaq 1f(%rip), %rdx\n"
    "    movq %rsp, %rcx\n"
    "    sysenter\n"
    "1:  movw %cs, u_cs(%rip)\n"
    "    movw %ss, u_ss(%rip)\n"
    "    movq %rsp, u_rsp_after(%rip)\n"
    "    movq $42, %rax\n"
    "    ret\n"
    ".globl user_sysexit\n"
    "user_sysexit:\n"
    "    sysexitq\n"
    "    ret\n"
    ".popsection\n");
void sysenter_entry(void);
uint64_t user_sysenter(uint64_t), user_sysexit(uint64_t);

static uint64_t user_try_sysexit(uint64_t arg)
{
    (void)arg;
    __asm__ volatile(KIT_TRY("sysexitq") : : : "r11", "memory");
    return 0;
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    kit_puts("bt86 bare-metal kit: sysenter");
    kit_sys_init();
    /* kernel CS, kernel SS, user CS32, user SS32, user CS64, user SS64 */
    kit_gdt_set(10, kit_seg_desc(0, 0xfffff, 0x9b, KIT_SEG_FLAGS_4K64));
    kit_gdt_set(11, kit_seg_desc(0, 0xfffff, 0x93, KIT_SEG_FLAGS_4K32));
    kit_gdt_set(12, kit_seg_desc(0, 0xfffff, 0xfb, KIT_SEG_FLAGS_4K32));
    kit_gdt_set(13, kit_seg_desc(0, 0xfffff, 0xf3, KIT_SEG_FLAGS_4K32));
    kit_gdt_set(14, kit_seg_desc(0, 0xfffff, 0xfb, KIT_SEG_FLAGS_4K64));
    kit_gdt_set(15, kit_seg_desc(0, 0xfffff, 0xf3, KIT_SEG_FLAGS_4K32));

    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1));
    kit_result("cpuid: SEP", (d >> 11) & 1, "edx 0x%x", d);

    uint64_t esp = (uintptr_t)(sysenter_stack + sizeof(sysenter_stack));
    wrmsr(MSR_SYSENTER_CS, SEL_BASE);
    wrmsr(MSR_SYSENTER_ESP, esp);
    wrmsr(MSR_SYSENTER_EIP, (uintptr_t)sysenter_entry);
    kit_result("SYSENTER MSRs read back",
               rdmsr(MSR_SYSENTER_CS) == SEL_BASE &&
               rdmsr(MSR_SYSENTER_ESP) == esp &&
               rdmsr(MSR_SYSENTER_EIP) == (uintptr_t)sysenter_entry,
               "cs 0x%lx", rdmsr(MSR_SYSENTER_CS));

    uint64_t r = kit_run_user(user_sysenter, 0);
    kit_result("sysenter: cs = SYSENTER_CS", k_cs == SEL_BASE,
               "cs 0x%lx", k_cs);
    kit_result("sysenter: ss = SYSENTER_CS + 8", k_ss == SEL_BASE + 8,
               "ss 0x%lx", k_ss);
    kit_result("sysenter: rsp = SYSENTER_ESP", k_rsp == esp, "rsp 0x%lx",
               k_rsp);
    kit_result("sysenter: IF cleared", !(k_rflags & 0x200), "rflags 0x%lx",
               k_rflags);
    kit_result("sysexitq: cs = SYSENTER_CS + 32 | 3",
               u_cs == ((SEL_BASE + 32) | 3), "cs 0x%lx", u_cs);
    kit_result("sysexitq: ss = SYSENTER_CS + 40 | 3",
               u_ss == ((SEL_BASE + 40) | 3), "ss 0x%lx", u_ss);
    kit_result("sysexitq: rsp = rcx, rip = rdx",
               u_rsp_after == u_rsp_before && r == 42,
               "rsp 0x%lx before 0x%lx ret %lu", u_rsp_after, u_rsp_before, r);

    kit_catch(13);
    kit_catch_reset();
    kit_run_user(user_try_sysexit, 0);
    kit_expect_fault("sysexit at CPL 3: #GP(0)", 13, 0, KIT_SEL_UCS64 | 3);

    wrmsr(MSR_SYSENTER_CS, 0);
    kit_catch_reset();
    __asm__ volatile(KIT_TRY("sysexitq") : : : "r11", "memory");
    kit_expect_fault("sysexit with null SYSENTER_CS: #GP(0)", 13, 0,
                     KIT_SEL_CS64);
    kit_puts("sysenter: done");
    kit_finish();
}
