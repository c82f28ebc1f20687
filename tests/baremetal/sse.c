/*
 * When SSE, MMX, FXSAVE and XSAVE may run (SDM Vol. 3A 13.1, 13.3,
 * table 2-2; Vol. 1 13.3): CR4.OSFXSR clear makes SSE #UD but not MMX or
 * FXSAVE; CR0.EM makes SSE and MMX #UD and FXSAVE #NM; CR0.TS makes all
 * of them #NM; an unmasked SIMD exception is #XM with CR4.OSXMMEXCPT and
 * #UD without; misaligned MOVAPS is #GP(0). XGETBV/XSETBV/XSAVE need
 * CR4.OSXSAVE (else #UD), which CPUID.1:ECX.OSXSAVE reflects; XCR0 keeps
 * x87, takes SSE, and refuses what is not supported.
 *
 * No QEMU half: QEMU's default CPU has neither SSSE3/SSE4 nor XSAVE.
 */
#include "cr.h"
#include "kit.h"

#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

static uint8_t area[1024] __attribute__((aligned(64)));
static uint32_t mxcsr_val;

static void try_addps(void)
{
    __asm__ volatile(KIT_TRY("addps %%xmm1, %%xmm0") : : : "r11", "memory");
}

static void try_paddb_mm(void)
{
    __asm__ volatile(KIT_TRY("paddb %%mm1, %%mm0") : : : "r11", "memory");
}

static void try_fxsave(void)
{
    __asm__ volatile(KIT_TRY("fxsave (%0)") : : "r"(area) : "r11", "memory");
}

static void try_ldmxcsr(uint32_t v)
{
    mxcsr_val = v;
    __asm__ volatile(KIT_TRY("ldmxcsr (%0)") : : "r"(&mxcsr_val) : "r11",
                     "memory");
}

static void try_movaps_load(const void *p)
{
    __asm__ volatile(KIT_TRY("movaps (%0), %%xmm2") : : "r"(p) : "r11",
                     "memory");
}

static void try_divps_zero(void)
{
    /* 1.0 / 0.0 in every lane */
    static const uint32_t one[4] __attribute__((aligned(16))) = {
        0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000 };
    __asm__ volatile("movaps (%0), %%xmm3\n\txorps %%xmm4, %%xmm4"
                     : : "r"(one) : "memory");
    __asm__ volatile(KIT_TRY("divps %%xmm4, %%xmm3") : : : "r11", "memory");
}

static uint64_t try_xgetbv(uint32_t ecx)
{
    uint32_t lo = 0, hi = 0;
    __asm__ volatile(KIT_TRY("xgetbv") : "+a"(lo), "+d"(hi) : "c"(ecx)
                     : "r11", "memory");
    return (uint64_t)hi << 32 | lo;
}

static void try_xsetbv(uint32_t ecx, uint64_t v)
{
    __asm__ volatile(KIT_TRY("xsetbv")
                     : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(ecx)
                     : "r11", "memory");
}

static void try_xsave(void *p)
{
    __asm__ volatile(KIT_TRY("xsave (%0)") : : "r"(p), "a"(3), "d"(0)
                     : "r11", "memory");
}

static void check(const char *name, unsigned vec, uint64_t err)
{
    if (vec) {
        kit_expect_fault(name, vec, err, KIT_SEL_CS64);
    } else {
        kit_expect_no_fault(name);
    }
}

static void cpuid_bits(void)
{
    uint32_t c1[4], d0[4], d1[4];
    kit_cpuid(1, 0, c1);
    kit_result("CPUID.1:EDX MMX FXSR SSE SSE2",
               (c1[3] & 0x07800000u) == 0x07800000u, "edx=%08x", c1[3]);
    kit_result("CPUID.1:ECX SSE3 SSSE3 SSE4.1 SSE4.2 XSAVE",
               (c1[2] & 0x04180201u) == 0x04180201u, "ecx=%08x", c1[2]);
    kit_result("CPUID.1:ECX.OSXSAVE clear with CR4.OSXSAVE clear",
               !(c1[2] & (1u << 27)), "ecx=%08x", c1[2]);
    kit_cpuid(0xd, 0, d0);
    kit_result("CPUID.0DH.0: x87 and SSE, 576 bytes",
               d0[0] == 3 && d0[1] == 576 && d0[2] == 576 && d0[3] == 0,
               "%08x %08x %08x %08x", d0[0], d0[1], d0[2], d0[3]);
    kit_cpuid(0xd, 1, d1);
    kit_result("CPUID.0DH.1: XSAVEOPT, XSAVEC", (d1[0] & 3) == 3,
               "eax=%08x", d1[0]);
}

static void control_bits(uint64_t cr0, uint64_t cr4)
{
    /* CR4.OSFXSR clear: SSE #UD; MMX and FXSAVE run */
    write_cr4(cr4 & ~(CR4_OSFXSR | CR4_OSXMMEXCPT));
    try_addps();
    check("addps without CR4.OSFXSR: #UD", 6, 0);
    try_ldmxcsr(0x1f80);
    check("ldmxcsr without CR4.OSFXSR: #UD", 6, 0);
    try_paddb_mm();
    check("paddb mm without CR4.OSFXSR: runs", 0, 0);
    try_fxsave();
    check("fxsave without CR4.OSFXSR: runs", 0, 0);
    write_cr4(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT);
    try_addps();
    check("addps with CR4.OSFXSR: runs", 0, 0);

    /* CR0.EM: SSE and MMX #UD, FXSAVE #NM */
    write_cr0(cr0 | CR0_EM);
    try_addps();
    check("addps with CR0.EM: #UD", 6, 0);
    try_paddb_mm();
    check("paddb mm with CR0.EM: #UD", 6, 0);
    try_fxsave();
    check("fxsave with CR0.EM: #NM", 7, 0);
    write_cr0(cr0);

    /* CR0.TS: #NM for all, until CLTS */
    write_cr0(cr0 | CR0_TS);
    try_addps();
    check("addps with CR0.TS: #NM", 7, 0);
    try_paddb_mm();
    check("paddb mm with CR0.TS: #NM", 7, 0);
    try_fxsave();
    check("fxsave with CR0.TS: #NM", 7, 0);
    __asm__ volatile("clts" ::: "memory");
    try_addps();
    check("addps after CLTS: runs", 0, 0);

    /* alignment and unmasked exceptions */
    try_movaps_load(area + 8);
    check("movaps from a misaligned address: #GP(0)", 13, 0);
    try_ldmxcsr(0x1f80 & ~(1u << 9));       /* ZM clear */
    check("ldmxcsr with ZM clear: runs", 0, 0);
    try_divps_zero();
    check("divps by zero, ZM clear: #XM", 19, 0);
    write_cr4((cr4 | CR4_OSFXSR) & ~CR4_OSXMMEXCPT);
    try_divps_zero();
    check("divps by zero without CR4.OSXMMEXCPT: #UD", 6, 0);
    write_cr4(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT);
    try_ldmxcsr(0x10000);
    check("ldmxcsr with a reserved bit: #GP(0)", 13, 0);
    try_ldmxcsr(0x1f80);
    check("ldmxcsr 0x1f80: runs", 0, 0);
}

static void xsave_bits(uint64_t cr0, uint64_t cr4)
{
    uint32_t c1[4];
    write_cr4(cr4 & ~CR4_OSXSAVE);
    try_xgetbv(0);
    check("xgetbv without CR4.OSXSAVE: #UD", 6, 0);
    try_xsave(area);
    check("xsave without CR4.OSXSAVE: #UD", 6, 0);
    write_cr4(cr4 | CR4_OSXSAVE);
    kit_cpuid(1, 0, c1);
    kit_result("CPUID.1:ECX.OSXSAVE set with CR4.OSXSAVE",
               c1[2] & (1u << 27), "ecx=%08x", c1[2]);
    uint64_t x = try_xgetbv(0);
    check("xgetbv 0: runs", 0, 0);
    kit_result("XCR0 after reset is x87 only", x == 1, "xcr0=%lx", x);
    try_xgetbv(1);
    check("xgetbv 1 (not enumerated): #GP(0)", 13, 0);
    try_xsetbv(0, 3);
    check("xsetbv x87|SSE: runs", 0, 0);
    x = try_xgetbv(0);
    kit_result("XCR0 reads back x87|SSE", x == 3, "xcr0=%lx", x);
    try_xsetbv(0, 2);
    check("xsetbv without x87: #GP(0)", 13, 0);
    try_xsetbv(0, 7);
    check("xsetbv AVX (not supported): #GP(0)", 13, 0);
    try_xsetbv(1, 3);
    check("xsetbv ECX=1: #GP(0)", 13, 0);
    try_xsave(area + 16);
    check("xsave to a misaligned area: #GP(0)", 13, 0);
    try_xsave(area);
    check("xsave: runs", 0, 0);
    write_cr0(cr0 | CR0_TS);
    try_xsave(area);
    check("xsave with CR0.TS: #NM", 7, 0);
    write_cr0(cr0);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    kit_puts("bt86 bare-metal kit: sse");
    kit_catch(6);
    kit_catch(7);
    kit_catch(13);
    kit_catch(19);
    kit_catch_reset();
    uint64_t cr0 = (read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP;
    uint64_t cr4 = read_cr4();
    write_cr0(cr0);
    cpuid_bits();
    control_bits(cr0, cr4);
    xsave_bits(cr0, cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT);
    kit_finish();
}
