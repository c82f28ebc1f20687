/*
 * Exception delivery: each case runs one instruction that must fault or
 * trap, with a handler that records the frame and resumes after it. The
 * expected output states the vector, the error code, and where the saved
 * RIP points: at the instruction for faults, after it for traps (SDM
 * Vol. 3A 6.5), plus CR2 for page faults.
 */
#include "kit.h"

#define MSR_EFER    0xC0000080
#define EFER_SCE    (1u << 0)
#define EFER_LME    (1u << 8)
#define EFER_LMA    (1u << 10)
#define EFER_NXE    (1u << 11)

/*
 * Each snippet is a function: set-up, then the instruction at NAME_at,
 * then NAME_next: ret. Only the first GiB is mapped, so 0x40000000 is a
 * not-present page.
 */
__asm__(
    ".pushsection .text\n"
    "de_run: xorl %ecx, %ecx\n"
    "    movl $1, %eax\n"
    "    xorl %edx, %edx\n"
    "de_at: divl %ecx\n"
    "de_next: ret\n"

    "de_idiv_run: movabsq $0x8000000000000000, %rax\n"
    "    cqto\n"
    "    movq $-1, %rcx\n"
    "de_idiv_at: idivq %rcx\n"      /* INT64_MIN / -1 overflows */
    "de_idiv_next: ret\n"

    "bp_run:\n"
    "bp_at: int3\n"
    "bp_next: ret\n"

    "ud2_run:\n"
    "ud2_at: ud2\n"
    "ud2_next: ret\n"

    "syscall_run:\n"
    "syscall_at: syscall\n"         /* EFER.SCE is 0 */
    "syscall_next: ret\n"

    "gp_run: movabsq $0x8000000000000000, %rax\n"
    "gp_at: movq (%rax), %rax\n"    /* non-canonical */
    "gp_next: ret\n"

    "pf_read_run: movl $0x40000000, %eax\n"
    "pf_read_at: movq (%rax), %rax\n"
    "pf_read_next: ret\n"

    "pf_write_run: movl $0x40000008, %eax\n"
    "pf_write_at: movq %rax, (%rax)\n"
    "pf_write_next: ret\n"
    ".popsection\n");

/* The snippets above. */
void de_run(void), de_idiv_run(void), bp_run(void), ud2_run(void);
void syscall_run(void), gp_run(void), pf_read_run(void), pf_write_run(void);
extern const char de_at[], de_next[], de_idiv_at[], de_idiv_next[];
extern const char bp_at[], bp_next[], ud2_at[], ud2_next[];
extern const char syscall_at[], syscall_next[], gp_at[], gp_next[];
extern const char pf_read_at[], pf_read_next[];
extern const char pf_write_at[], pf_write_next[];

struct fault_case {
    const char *name;
    unsigned vec;               /* where the handler is installed */
    void (*run)(void);
    const char *at, *next;
};

static const struct fault_case fault_cases[] = {
    { "divide by zero", 0, de_run, de_at, de_next },
    { "idiv overflow", 0, de_idiv_run, de_idiv_at, de_idiv_next },
    { "int3", 3, bp_run, bp_at, bp_next },
    { "ud2", 6, ud2_run, ud2_at, ud2_next },
    { "syscall with EFER.SCE=0", 6, syscall_run, syscall_at, syscall_next },
    { "non-canonical load", 13, gp_run, gp_at, gp_next },
    { "page fault read", 14, pf_read_run, pf_read_at, pf_read_next },
    { "page fault write", 14, pf_write_run, pf_write_at, pf_write_next },
};

#define NUM_FAULT_CASES (sizeof(fault_cases) / sizeof(fault_cases[0]))

static const struct fault_case *current_case;
static bool fault_seen;
static struct kit_frame fault_frame;
static uint64_t fault_cr2;

static void record_fault(struct kit_frame *frame)
{
    fault_seen = true;
    fault_frame = *frame;
    fault_cr2 = read_cr2();
    frame->rip = (uintptr_t)current_case->next;
}

static const char *where(uint64_t rip, const struct fault_case *c)
{
    if (rip == (uintptr_t)c->at) {
        return "at";
    }
    if (rip == (uintptr_t)c->next) {
        return "next";
    }
    return "elsewhere";
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: exceptions");
    KIT_CHECK(mb_magic == MULTIBOOT_BOOTLOADER_MAGIC);

    uint64_t efer = rdmsr(MSR_EFER);
    kit_printf("efer: lme %d lma %d nxe %d sce %d\n", !!(efer & EFER_LME),
               !!(efer & EFER_LMA), !!(efer & EFER_NXE),
               !!(efer & EFER_SCE));

    for (unsigned i = 0; i < NUM_FAULT_CASES; i++) {
        const struct fault_case *c = &fault_cases[i];

        current_case = c;
        fault_seen = false;
        kit_set_exception_handler(c->vec, record_fault);
        c->run();
        kit_set_exception_handler(c->vec, NULL);

        if (!fault_seen) {
            kit_printf("%s: no exception\n", c->name);
            continue;
        }
        kit_printf("%s: vec=%lu err=0x%lx rip=%s", c->name, fault_frame.vec,
                   fault_frame.err, where(fault_frame.rip, c));
        if (fault_frame.vec == 14) {
            kit_printf(" cr2=0x%lx", fault_cr2);
        }
        kit_putc('\n');
        /* The CPU pushes the interrupted CS and SS: boot.S's selectors. */
        KIT_CHECK(fault_frame.cs == 0x08);
        KIT_CHECK(fault_frame.ss == 0x10);
    }

    kit_puts("exceptions: done");
    kit_finish();
}
