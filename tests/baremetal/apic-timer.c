/*
 * The local APIC and the I/O APIC with the CPU taking the interrupts
 * (SDM Vol. 3A chapter 10; 82093AA datasheet):
 *   - IA32_APIC_BASE after reset, the xAPIC window, SVR software enable;
 *   - the timer in periodic, one-shot and TSC-deadline modes, EOI;
 *   - fixed self IPIs: priority order, TPR/CR8 holding them off, ISR;
 *   - an NMI sent to self;
 *   - x2APIC through MSRs 0x800-0x8FF and its #GP rules;
 *   - moving the xAPIC window with IA32_APIC_BASE;
 *   - an I/O APIC level-triggered pin (the PIT's OUT on pin 2, IRQ 0 by
 *     the MADT override): remote IRR set on delivery, cleared by the
 *     local APIC's EOI, and the pin re-delivered while still asserted.
 * The 8259 pair is programmed and fully masked first, so that nothing
 * arrives through LINT0.
 */
#include "kit.h"

#define MSR_APIC_BASE     0x1B
#define MSR_TSC_DEADLINE  0x6E0
#define MSR_IA32_TSC      0x10
#define MSR_X2APIC(reg)   (0x800 + ((reg) >> 4))
#define APIC_BASE_BSP     (1u << 8)
#define APIC_BASE_EXTD    (1u << 10)
#define APIC_BASE_EN      (1u << 11)

#define APIC_PHYS   0xFEE00000ull
#define IOAPIC_PHYS 0xFEC00000ull

#define APIC_ID     0x020
#define APIC_VER    0x030
#define APIC_TPR    0x080
#define APIC_PPR    0x0A0
#define APIC_EOI    0x0B0
#define APIC_LDR    0x0D0
#define APIC_DFR    0x0E0
#define APIC_SVR    0x0F0
#define APIC_ISR    0x100
#define APIC_IRR    0x200
#define APIC_ESR    0x280
#define APIC_ICR    0x300
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3E0
#define APIC_SELF_IPI  0x3F0

#define LVT_MASKED        0x10000
#define LVT_PERIODIC      0x20000
#define LVT_TSC_DEADLINE  0x40000
#define ICR_SELF          (1u << 18)
#define ICR_NMI           (4u << 8)

#define CPUID1_EDX_APIC         (1u << 9)
#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

#define VEC_TIMER    0x40
#define VEC_ONESHOT  0x41
#define VEC_DEADLINE 0x42
#define VEC_LOW      0x45
#define VEC_A        0x50
#define VEC_B        0x60
#define VEC_X2       0x66
#define VEC_IOAPIC   0x70
#define VEC_SPURIOUS 0xFF

#define PTE_P   0x1ull
#define PTE_W   0x2ull
#define PTE_PWT 0x8ull
#define PTE_PCD 0x10ull
#define PTE_PS  0x80ull

static volatile uint32_t *const apic = (volatile uint32_t *)APIC_PHYS;
static volatile uint32_t *const ioapic = (volatile uint32_t *)IOAPIC_PHYS;

static volatile unsigned count[256];
static volatile unsigned order[8], norder;
static volatile uint32_t isr_in_handler;
static volatile uint32_t remote_irr_in_handler;
static volatile unsigned nmis;
static uint32_t apic_ver_saved;

/* The top 1 GiB (the APICs' windows): uncached 2 MiB pages. */
static uint64_t top_pd[512] __attribute__((aligned(4096)));

static void map_apics(void)
{
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xFFFull);
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xFFFFFFFFF000ull);

    for (unsigned i = 0; i < 512; i++) {
        top_pd[i] = (0xC0000000ull + ((uint64_t)i << 21)) | PTE_P | PTE_W |
                    PTE_PS | PTE_PCD | PTE_PWT;
    }
    pdpt[3] = (uint64_t)(uintptr_t)top_pd | PTE_P | PTE_W;
    write_cr3(read_cr3());
}

static uint32_t apic_rd(uint32_t reg)
{
    return apic[reg / 4];
}

static void apic_wr(uint32_t reg, uint32_t v)
{
    apic[reg / 4] = v;
}

static bool apic_vec_set(uint32_t reg, unsigned v)
{
    return apic_rd(reg + 0x10 * (v / 32)) & (1u << (v % 32));
}

static uint32_t ioapic_rd(uint8_t reg)
{
    ioapic[0] = reg;
    return ioapic[4];
}

static void ioapic_wr(uint8_t reg, uint32_t v)
{
    ioapic[0] = reg;
    ioapic[4] = v;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t read_cr8(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr8, %0" : "=r"(v));
    return v;
}

static void write_cr8(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

/* Opens the interrupt window for a moment: pending interrupts are taken. */
static void irq_window(void)
{
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
}

static void delay(void)
{
    for (volatile int i = 0; i < 200000; i++) {
    }
}

static void on_irq(struct kit_frame *frame)
{
    unsigned v = (unsigned)frame->vec;

    count[v]++;
    if (norder < 8) {
        order[norder++] = v;
    }
    if (apic_vec_set(APIC_ISR, v)) {
        isr_in_handler |= 1u << (v & 31);
    }
    apic_wr(APIC_EOI, 0);
}

static void on_spurious(struct kit_frame *frame)
{
    (void)frame;
    count[VEC_SPURIOUS]++;          /* no EOI for the spurious vector */
}

static void on_nmi(struct kit_frame *frame)
{
    (void)frame;
    nmis++;
}

static void on_x2apic_irq(struct kit_frame *frame)
{
    count[frame->vec]++;
    wrmsr(MSR_X2APIC(APIC_EOI), 0);
}

/* Pin 2: the first time, reports remote IRR; the second, masks the pin
 * before the EOI (the EOI still clears remote IRR). */
static void on_ioapic_irq(struct kit_frame *frame)
{
    count[frame->vec]++;
    if (count[frame->vec] == 1) {
        remote_irr_in_handler = ioapic_rd(0x10 + 2 * 2) & (1u << 14);
    } else {
        ioapic_wr(0x10 + 2 * 2, (1u << 16) | (1u << 15) | VEC_IOAPIC);
    }
    apic_wr(APIC_EOI, 0);
}

static void check_base(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    kit_result("APIC_BASE: BSP, enabled, at 0xFEE00000",
               (base & ~0xFFull & ~(uint64_t)APIC_BASE_EXTD) ==
               (APIC_PHYS | APIC_BASE_EN | APIC_BASE_BSP),
               "0x%llx", (unsigned long long)base);
    uint32_t ver = apic_rd(APIC_VER);
    apic_ver_saved = ver;
    kit_result("version 0x14 class, max LVT entry 5",
               (ver & 0xF0) == 0x10 && ((ver >> 16) & 0xFF) == 5,
               "0x%x", ver);
    kit_result("APIC ID is CPUID's initial APIC ID",
               (apic_rd(APIC_ID) >> 24) == 0, "0x%x", apic_rd(APIC_ID));
    apic_wr(APIC_SVR, 0x100 | VEC_SPURIOUS);
    kit_result("SVR reads back", (apic_rd(APIC_SVR) & 0x1FF) ==
               (0x100 | VEC_SPURIOUS), "0x%x", apic_rd(APIC_SVR));
}

static void check_periodic(void)
{
    /* divide by 16 at a 1 GHz bus: 62500 counts a millisecond */
    apic_wr(APIC_TIMER_DCR, 0x3);
    apic_wr(APIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
    apic_wr(APIC_TIMER_ICR, 62500);
    uint32_t ccr = apic_rd(APIC_TIMER_CCR);
    kit_result("current count within the initial count",
               ccr > 0 && ccr <= 62500, "%u", ccr);
    while (count[VEC_TIMER] < 20) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    kit_result("20 periodic timer interrupts", count[VEC_TIMER] >= 20, "%u",
               count[VEC_TIMER]);
    kit_result("the vector was in service in its handler",
               isr_in_handler & (1u << (VEC_TIMER & 31)), "ISR 0x%x",
               isr_in_handler);
    kit_result("ISR clear after EOI", !apic_vec_set(APIC_ISR, VEC_TIMER),
               "set");
    apic_wr(APIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | VEC_TIMER);
    /* a tick that came after the last HLT is already in IRR, which the
     * mask does not take back: let it in first */
    __asm__ volatile("sti; nop; cli" ::: "memory");
    unsigned seen = count[VEC_TIMER];
    __asm__ volatile("sti" ::: "memory");
    delay();
    __asm__ volatile("cli" ::: "memory");
    apic_wr(APIC_TIMER_ICR, 0);
    kit_result("masked timer sends nothing", count[VEC_TIMER] == seen,
               "%u more", count[VEC_TIMER] - seen);
}

static void check_oneshot(void)
{
    apic_wr(APIC_LVT_TIMER, VEC_ONESHOT);
    apic_wr(APIC_TIMER_ICR, 6250);          /* 100 us */
    while (count[VEC_ONESHOT] < 1) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    __asm__ volatile("sti" ::: "memory");
    delay();
    __asm__ volatile("cli" ::: "memory");
    kit_result("one-shot fires once", count[VEC_ONESHOT] == 1, "%u",
               count[VEC_ONESHOT]);
    kit_result("one-shot count stays 0", apic_rd(APIC_TIMER_CCR) == 0, "%u",
               apic_rd(APIC_TIMER_CCR));
}

static void check_tsc_deadline(void)
{
    apic_wr(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_DEADLINE);
    uint64_t deadline = rdtsc() + 1000000;
    wrmsr(MSR_TSC_DEADLINE, deadline);
    uint64_t armed = rdmsr(MSR_TSC_DEADLINE);
    /* (unless the host was slow and it already fired: then it reads 0) */
    kit_result("TSC_DEADLINE reads back while armed",
               armed == deadline ||
               (armed == 0 && apic_vec_set(APIC_IRR, VEC_DEADLINE)),
               "0x%llx", (unsigned long long)armed);
    while (count[VEC_DEADLINE] < 1) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    kit_result("TSC-deadline interrupt not before the deadline",
               rdtsc() >= deadline, "early");
    kit_result("TSC_DEADLINE reads 0 after it fired",
               rdmsr(MSR_TSC_DEADLINE) == 0, "0x%llx",
               (unsigned long long)rdmsr(MSR_TSC_DEADLINE));
    /* a deadline in the past fires at once */
    wrmsr(MSR_TSC_DEADLINE, 1);
    irq_window();
    kit_result("a past deadline fires at once", count[VEC_DEADLINE] == 2,
               "%u", count[VEC_DEADLINE]);

    /* The deadline is a TSC value: moving the TSC moves it in time. */
    uint64_t far = rdtsc() + 10000000000ull;           /* 10 s */
    wrmsr(MSR_TSC_DEADLINE, far);
    wrmsr(MSR_IA32_TSC, far - 100000);                  /* 100 us before */
    while (count[VEC_DEADLINE] < 3) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    uint64_t late = rdtsc() - far;
    kit_result("writing the TSC moves an armed deadline",
               late < 1000000000ull, "%llu ns late", (unsigned long long)late);
    apic_wr(APIC_LVT_TIMER, LVT_MASKED);
}

static void check_priority(void)
{
    norder = 0;
    apic_wr(APIC_ICR, ICR_SELF | VEC_A);
    apic_wr(APIC_ICR, ICR_SELF | VEC_B);
    kit_result("self IPIs wait in IRR with IF=0",
               apic_vec_set(APIC_IRR, VEC_A) && apic_vec_set(APIC_IRR, VEC_B),
               "IRR");
    irq_window();
    kit_result("higher vector first",
               norder == 2 && order[0] == VEC_B && order[1] == VEC_A,
               "%u: 0x%x 0x%x", norder, order[0], order[1]);

    /* TPR class 5 holds off class 4 */
    apic_wr(APIC_TPR, 0x50);
    kit_result("CR8 is TPR[7:4]", read_cr8() == 5, "%llu",
               (unsigned long long)read_cr8());
    apic_wr(APIC_ICR, ICR_SELF | VEC_LOW);
    irq_window();
    kit_result("TPR holds off a lower class", count[VEC_LOW] == 0, "taken");
    kit_result("PPR follows TPR", apic_rd(APIC_PPR) == 0x50, "0x%x",
               apic_rd(APIC_PPR));
    write_cr8(3);
    kit_result("CR8 writes TPR", apic_rd(APIC_TPR) == 0x30, "0x%x",
               apic_rd(APIC_TPR));
    irq_window();
    kit_result("lowering TPR delivers it", count[VEC_LOW] == 1, "%u",
               count[VEC_LOW]);
    write_cr8(0);
    kit_result("no spurious interrupt", count[VEC_SPURIOUS] == 0, "%u",
               count[VEC_SPURIOUS]);
}

static void check_nmi(void)
{
    apic_wr(APIC_ICR, ICR_SELF | ICR_NMI);
    delay();
    kit_result("NMI by self IPI, with IF=0", nmis == 1, "%u", nmis);
}

static void check_ioapic(void)
{
    uint32_t ver = ioapic_rd(1);

    kit_result("IOAPIC has 24 redirection entries",
               ((ver >> 16) & 0xFF) == 23, "0x%x", ver);
    /* pin 2 (ISA IRQ 0), level, active high, physical destination 0 */
    ioapic_wr(0x10 + 2 * 2 + 1, 0);
    ioapic_wr(0x10 + 2 * 2, (1u << 15) | VEC_IOAPIC);
    /* PIT counter 0, mode 0: OUT goes high after 1000 counts, stays high */
    outb(0x43, 0x30);
    outb(0x40, 1000 & 0xFF);
    outb(0x40, 1000 >> 8);
    while (count[VEC_IOAPIC] < 2) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    __asm__ volatile("sti" ::: "memory");
    delay();
    __asm__ volatile("cli" ::: "memory");
    kit_result("level pin: remote IRR set while in service",
               remote_irr_in_handler != 0, "clear");
    kit_result("level pin still asserted at EOI is delivered again",
               count[VEC_IOAPIC] == 2, "%u", count[VEC_IOAPIC]);
    kit_result("remote IRR clear after the last EOI",
               !(ioapic_rd(0x10 + 2 * 2) & (1u << 14)), "0x%x",
               ioapic_rd(0x10 + 2 * 2));
    ioapic_wr(0x10 + 2 * 2, (1u << 16) | VEC_IOAPIC);
}

static void check_x2apic(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    kit_catch(13);
    kit_result("x2APIC MSRs #GP in xAPIC mode",
               !kit_try_rdmsr(MSR_X2APIC(APIC_VER), &(uint64_t){ 0 }),
               "no #GP");
    kit_catch_reset();
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
    kit_result("x2APIC ID is 32 bits, 0",
               rdmsr(MSR_X2APIC(APIC_ID)) == 0, "0x%llx",
               (unsigned long long)rdmsr(MSR_X2APIC(APIC_ID)));
    kit_result("x2APIC version as xAPIC's",
               rdmsr(MSR_X2APIC(APIC_VER)) == apic_ver_saved, "0x%llx",
               (unsigned long long)rdmsr(MSR_X2APIC(APIC_VER)));
    kit_result("x2APIC LDR derived from the ID",
               rdmsr(MSR_X2APIC(APIC_LDR)) == 1, "0x%llx",
               (unsigned long long)rdmsr(MSR_X2APIC(APIC_LDR)));
    uint64_t v;
    kit_result("x2APIC has no DFR (#GP)",
               !kit_try_rdmsr(MSR_X2APIC(APIC_DFR), &v), "read 0x%llx",
               (unsigned long long)v);
    kit_catch_reset();
    kit_result("x2APIC EOI with a non-zero value: #GP",
               !kit_try_wrmsr(MSR_X2APIC(APIC_EOI), 1), "no #GP");
    kit_catch_reset();
    kit_result("x2APIC ID is read-only (#GP)",
               !kit_try_wrmsr(MSR_X2APIC(APIC_ID), 0), "no #GP");
    kit_catch_reset();

    kit_set_exception_handler(VEC_X2, on_x2apic_irq);
    wrmsr(MSR_X2APIC(APIC_SELF_IPI), VEC_X2);
    irq_window();
    kit_result("SELF IPI register delivers", count[VEC_X2] == 1, "%u",
               count[VEC_X2]);
    wrmsr(MSR_X2APIC(APIC_ICR), ICR_SELF | VEC_X2);
    irq_window();
    kit_result("64-bit ICR self IPI delivers", count[VEC_X2] == 2, "%u",
               count[VEC_X2]);
    wrmsr(MSR_X2APIC(APIC_TPR), 0x70);
    kit_result("TPR through its MSR is CR8", read_cr8() == 7, "%llu",
               (unsigned long long)read_cr8());
    wrmsr(MSR_X2APIC(APIC_TPR), 0);

    /* back to xAPIC only through disabled (SDM 10.12.5) */
    kit_result("x2APIC -> xAPIC directly: #GP",
               !kit_try_wrmsr(MSR_APIC_BASE, base & ~(uint64_t)APIC_BASE_EXTD),
               "no #GP");
    kit_catch_reset();
    wrmsr(MSR_APIC_BASE, base & ~(uint64_t)(APIC_BASE_EXTD | APIC_BASE_EN));
    uint32_t c1[4];
    kit_cpuid(1, 0, c1);
    kit_result("CPUID APIC clear while disabled (SDM 10.4.3)",
               !(c1[3] & CPUID1_EDX_APIC), "set");
    wrmsr(MSR_APIC_BASE, base & ~(uint64_t)APIC_BASE_EXTD);
    kit_cpuid(1, 0, c1);
    kit_result("CPUID APIC back when enabled", c1[3] & CPUID1_EDX_APIC,
               "clear");
    kit_result("xAPIC again after disable: SVR at reset",
               (apic_rd(APIC_SVR) & 0x1FF) == 0xFF, "0x%x",
               apic_rd(APIC_SVR));
}

/* IA32_APIC_BASE moves the xAPIC window (SDM 10.4.5). */
static void check_relocation(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    volatile uint32_t *moved = (volatile uint32_t *)0xFEF00000ull;

    apic_wr(APIC_TPR, 0x20);
    wrmsr(MSR_APIC_BASE, (base & 0xFFF) | 0xFEF00000ull);
    kit_result("relocated window answers", moved[APIC_TPR / 4] == 0x20,
               "TPR 0x%x", moved[APIC_TPR / 4]);
    kit_result("old window is gone", apic_rd(APIC_VER) != moved[APIC_VER / 4],
               "still there");
    wrmsr(MSR_APIC_BASE, base);
    kit_result("moved back", apic_rd(APIC_TPR) == 0x20, "TPR 0x%x",
               apic_rd(APIC_TPR));
    apic_wr(APIC_TPR, 0);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    uint32_t c1[4];

    (void)mb_magic;
    (void)mb_info;
    kit_puts("bt86 bare-metal kit: apic-timer");
    kit_cpuid(1, 0, c1);
    if (!kit_result("CPUID: APIC", c1[3] & CPUID1_EDX_APIC, "absent")) {
        kit_finish();
    }
    for (unsigned v = 0x40; v < 0x80; v++) {
        kit_set_exception_handler(v, on_irq);
    }
    kit_set_exception_handler(VEC_IOAPIC, on_ioapic_irq);
    kit_set_exception_handler(VEC_SPURIOUS, on_spurious);
    kit_set_exception_handler(2, on_nmi);
    kit_pic_init(0xFF, 0xFF);
    map_apics();

    check_base();
    check_periodic();
    check_oneshot();
    if (c1[2] & CPUID1_ECX_TSC_DEADLINE) {
        check_tsc_deadline();
    } else {
        kit_puts("TSC-deadline: not offered");
    }
    check_priority();
    check_nmi();
    check_ioapic();
    if (c1[2] & CPUID1_ECX_X2APIC) {
        check_x2apic();
    } else {
        kit_puts("x2APIC: not offered");
    }
    check_relocation();
    kit_puts("apic-timer: done");
    kit_finish();
}
