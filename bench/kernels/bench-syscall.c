/*
 * SYSCALL/SYSRET round trips from ring 3, the way Linux enters its kernel:
 * SWAPGS, switch to the kernel stack, count, switch back, SWAPGS, SYSRETQ.
 * The count kept by the kernel side is printed, so a run that skipped
 * calls cannot pass as fast.
 */
#include "kit.h"

#define ROUND_TRIPS 10000000ull
#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102

/* per-CPU area: [0] user RSP save slot, [1] kernel stack top, [2] count */
static uint64_t percpu[3];
static char kernel_stack[16384] __attribute__((aligned(16)));

__asm__(
    ".text\n"
    ".globl bench_syscall_entry\n"
    "bench_syscall_entry:\n"
    "    swapgs\n"
    "    movq %rsp, %gs:0\n"
    "    movq %gs:8, %rsp\n"
    "    incq %gs:16\n"
    "    movq %gs:0, %rsp\n"
    "    swapgs\n"
    "    sysretq\n");
void bench_syscall_entry(void);

static uint64_t user_loop(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        __asm__ volatile("syscall" ::: "rcx", "r11", "memory");
    }
    return n;
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    kit_sys_init();
    percpu[1] = (uint64_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);               /* SCE */
    wrmsr(MSR_STAR, ((uint64_t)KIT_SEL_UCS32 << 48) |
                    ((uint64_t)KIT_SEL_CS64 << 32));
    wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)bench_syscall_entry);
    wrmsr(MSR_FMASK, 0x47700);                         /* TF DF IF NT AC */
    wrmsr(MSR_GS_BASE, 0);
    wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)(uintptr_t)percpu);
    uint64_t done = kit_run_user(user_loop, ROUND_TRIPS);
    kit_printf("bench-syscall: %lu round trips, kernel counted %lu\n", done,
               percpu[2]);
    kit_exit(percpu[2] == ROUND_TRIPS ? 0 : 1);
}
