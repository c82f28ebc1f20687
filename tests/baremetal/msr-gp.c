/*
 * The MSR accesses that must raise #GP(0) (SDM Vol. 2B RDMSR, WRMSR): an
 * MSR that is not implemented, a value with reserved bits set, and a
 * non-canonical address in an MSR that holds one; in each case the MSR
 * keeps its value. Architectural MSRs exist exactly when CPUID enumerates
 * their feature (Vol. 4 table 2-2), so those checks read CPUID first and
 * print the same line either way.
 *
 * QEMU 7.2 (TCG) raises none of these #GPs: it reads unknown MSRs as 0,
 * ignores writes to them and to reserved EFER bits, and takes any value
 * for the base, PAT and SYSENTER MSRs.
 */
#include "kit.h"

#define MSR_TSC             0x10
#define MSR_APIC_BASE       0x1B
#define MSR_MTRRCAP         0xFE
#define MSR_SYSENTER_CS     0x174
#define MSR_SYSENTER_ESP    0x175
#define MSR_SYSENTER_EIP    0x176
#define MSR_PAT             0x277
#define MSR_EFER            0xC0000080
#define MSR_LSTAR           0xC0000082
#define MSR_FS_BASE         0xC0000100
#define MSR_GS_BASE         0xC0000101
#define MSR_KERNEL_GS_BASE  0xC0000102
#define MSR_TSC_AUX         0xC0000103
#define MSR_BOGUS           0x12345678

#define EFER_LME            (1ull << 8)
#define EFER_NXE            (1ull << 11)

/* Bit 47 set with 63:48 clear, and the reverse: both non-canonical. */
#define NONCANON_LOW        0x0000800000000000ull
#define NONCANON_HIGH       0xFFFF7FFFFFFFF000ull

#define CPUID1_EDX_APIC     (1u << 9)
#define CPUID1_EDX_SEP      (1u << 11)
#define CPUID1_EDX_MTRR     (1u << 12)
#define CPUID1_EDX_PAT      (1u << 16)
#define EXT1_EDX_NX         (1u << 20)
#define EXT1_EDX_RDTSCP     (1u << 27)
#define CPUID7_ECX_RDPID    (1u << 22)

static const char *outcome(bool no_fault)
{
    if (no_fault) {
        return "no exception";
    }
    if (kit_caught.vec == 13 && kit_caught.err == 0) {
        return "#GP(0)";
    }
    return "another exception";
}

/* WRMSR of each value must raise #GP(0) and leave the MSR as it was. */
static void expect_wrmsr_gp(const char *name, uint32_t msr,
                            const uint64_t *vals, unsigned n)
{
    uint64_t old = rdmsr(msr);

    for (unsigned i = 0; i < n; i++) {
        kit_catch_reset();
        bool wr = kit_try_wrmsr(msr, vals[i]);
        bool gp = !wr && kit_caught.vec == 13 && kit_caught.err == 0;
        uint64_t now = rdmsr(msr);
        if (now != old) {
            wrmsr(msr, old);
        }
        if (!gp || now != old) {
            kit_result(name, false, "wrmsr 0x%lx: %s, MSR 0x%lx -> 0x%lx",
                       vals[i], outcome(wr), old, now);
            kit_catch_reset();
            return;
        }
    }
    kit_result(name, true, "-");
    kit_catch_reset();
}

static void expect_wrmsr_gp1(const char *name, uint32_t msr, uint64_t val)
{
    expect_wrmsr_gp(name, msr, &val, 1);
}

/*
 * An MSR whose CPUID feature is absent is not implemented: RDMSR and
 * WRMSR (of 0) raise #GP(0). With the feature, RDMSR works.
 */
static void exists_iff(const char *name, uint32_t msr, bool present)
{
    uint64_t val = 0;

    kit_catch_reset();
    bool rd = kit_try_rdmsr(msr, &val);
    const char *rd_what = outcome(rd);
    if (present) {
        kit_result(name, rd, "CPUID has it, yet rdmsr: %s", rd_what);
        kit_catch_reset();
        return;
    }
    kit_catch_reset();
    bool wr = kit_try_wrmsr(msr, 0);
    const char *wr_what = outcome(wr);
    kit_catch_reset();
    kit_result(name, !rd && !wr && rd_what[0] == '#' && wr_what[0] == '#',
               "not in CPUID, yet rdmsr: %s, wrmsr: %s", rd_what, wr_what);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    uint32_t c0[4], c1[4], c7[4] = { 0 }, e0[4], e1[4] = { 0 };

    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: msr-gp");
    kit_sys_init();
    kit_catch(13);
    kit_catch_reset();

    kit_cpuid(0, 0, c0);
    kit_cpuid(1, 0, c1);
    if (c0[0] >= 7) {
        kit_cpuid(7, 0, c7);
    }
    kit_cpuid(0x80000000u, 0, e0);
    if (e0[0] >= 0x80000001u) {
        kit_cpuid(0x80000001u, 0, e1);
    }

    /* "a reserved or unimplemented MSR address in ECX". */
    kit_try_rdmsr(MSR_BOGUS, NULL);
    kit_expect_fault("rdmsr of unimplemented MSR 0x12345678: #GP(0)", 13, 0,
                     KIT_SEL_CS64);
    kit_try_wrmsr(MSR_BOGUS, 0);
    kit_expect_fault("wrmsr of unimplemented MSR 0x12345678: #GP(0)", 13, 0,
                     KIT_SEL_CS64);

    /* EFER: reserved bits, and LME may not change while CR0.PG = 1. */
    uint64_t efer = rdmsr(MSR_EFER);
    expect_wrmsr_gp1("EFER reserved bit 1: #GP(0)", MSR_EFER, efer | 2);
    expect_wrmsr_gp1("EFER reserved bit 9: #GP(0)", MSR_EFER,
                     efer | (1ull << 9));
    expect_wrmsr_gp1("EFER reserved bit 63: #GP(0)", MSR_EFER,
                     efer | (1ull << 63));
    expect_wrmsr_gp1("EFER.LME cleared with CR0.PG=1: #GP(0)", MSR_EFER,
                     efer & ~EFER_LME);
    if (e1[3] & EXT1_EDX_NX) {
        kit_puts("EFER.NXE without CPUID NX: #GP(0): ok");
    } else {
        expect_wrmsr_gp1("EFER.NXE without CPUID NX: #GP(0)", MSR_EFER,
                         efer | EFER_NXE);
    }

    /* Addresses must be canonical (WRMSR, 64-bit mode exceptions). */
    static const uint64_t noncanon[] = { NONCANON_LOW, NONCANON_HIGH };
    expect_wrmsr_gp("LSTAR non-canonical: #GP(0)", MSR_LSTAR, noncanon, 2);
    expect_wrmsr_gp("FS_BASE non-canonical: #GP(0)", MSR_FS_BASE, noncanon,
                    2);
    expect_wrmsr_gp("GS_BASE non-canonical: #GP(0)", MSR_GS_BASE, noncanon,
                    2);
    expect_wrmsr_gp("KERNEL_GS_BASE non-canonical: #GP(0)",
                    MSR_KERNEL_GS_BASE, noncanon, 2);

    /* PAT entries: memory types 2 and 3 are reserved, so are bits 7:3. */
    if (c1[3] & CPUID1_EDX_PAT) {
        expect_wrmsr_gp1("PAT memory type 2: #GP(0)", MSR_PAT,
                         0x0007040600070402ull);
        expect_wrmsr_gp1("PAT memory type 3: #GP(0)", MSR_PAT,
                         0x0307040600070406ull);
        expect_wrmsr_gp1("PAT reserved bit 3: #GP(0)", MSR_PAT,
                         0x0007040600070406ull | 8);
    } else {
        exists_iff("PAT memory type 2: #GP(0)", MSR_PAT, false);
        exists_iff("PAT memory type 3: #GP(0)", MSR_PAT, false);
        exists_iff("PAT reserved bit 3: #GP(0)", MSR_PAT, false);
    }

    /* SYSENTER MSRs: with SEP, ESP and EIP hold canonical addresses. */
    if (c1[3] & CPUID1_EDX_SEP) {
        kit_puts("SYSENTER_CS exists iff CPUID SEP: ok");
        expect_wrmsr_gp("SYSENTER_ESP non-canonical: #GP(0)",
                        MSR_SYSENTER_ESP, noncanon, 2);
        expect_wrmsr_gp("SYSENTER_EIP non-canonical: #GP(0)",
                        MSR_SYSENTER_EIP, noncanon, 2);
    } else {
        exists_iff("SYSENTER_CS exists iff CPUID SEP", MSR_SYSENTER_CS,
                   false);
        exists_iff("SYSENTER_ESP non-canonical: #GP(0)", MSR_SYSENTER_ESP,
                   false);
        exists_iff("SYSENTER_EIP non-canonical: #GP(0)", MSR_SYSENTER_EIP,
                   false);
    }

    exists_iff("TSC_AUX exists iff CPUID RDTSCP or RDPID", MSR_TSC_AUX,
               (e1[3] & EXT1_EDX_RDTSCP) || (c7[2] & CPUID7_ECX_RDPID));
    exists_iff("APIC_BASE exists iff CPUID APIC", MSR_APIC_BASE,
               c1[3] & CPUID1_EDX_APIC);
    exists_iff("MTRRCAP exists iff CPUID MTRR", MSR_MTRRCAP,
               c1[3] & CPUID1_EDX_MTRR);

    kit_puts("msr-gp: done");
    kit_finish();
}
