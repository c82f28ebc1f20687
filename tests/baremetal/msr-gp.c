/*
 * The MSR accesses that must raise #GP(0) (SDM Vol. 2B RDMSR, WRMSR): an
 * MSR that is not implemented, a value with reserved bits set, and a
 * non-canonical address in an MSR that holds one; in each case the MSR
 * keeps its value. Architectural MSRs exist exactly when CPUID enumerates
 * their feature (Vol. 4 table 2-2), so those checks read CPUID first and
 * print the same line either way.
 *
 * The read-only MSRs (PLATFORM_ID, MTRRcap, ARCH_CAPABILITIES) take no
 * write at all, and the MTRRs (Vol. 3A 11.11) refuse reserved bits and
 * the memory types they do not define (2, 3 and 7 and up).
 *
 * QEMU 7.2 (TCG) raises none of these #GPs: it reads unknown MSRs as 0,
 * ignores writes to them and to reserved EFER bits, and takes any value
 * for the base, PAT, SYSENTER and MTRR MSRs.
 */
#include "kit.h"

#define MSR_TSC             0x10
#define MSR_APIC_BASE       0x1B
#define MSR_PLATFORM_ID     0x17
#define MSR_MTRRCAP         0xFE
#define MSR_ARCH_CAPABILITIES 0x10A
#define MSR_MTRR_PHYSBASE0  0x200   /* PhysBase n at 0x200 + 2n, PhysMask + 1 */
#define MSR_MTRR_DEF_TYPE   0x2FF
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
#define CPUID7_EDX_ARCH_CAP (1u << 29)

#define MTRRCAP_FIX         (1u << 8)

/* The fixed-range MTRRs (Vol. 3A 11.11.2.2). */
static const uint32_t mtrr_fixed[] = {
    0x250, 0x258, 0x259, 0x268, 0x269, 0x26A, 0x26B, 0x26C, 0x26D, 0x26E,
    0x26F,
};

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

/*
 * WRMSR of each value must raise #GP(0) and leave the MSR as it was. On
 * the first miss, reports it under name and returns false.
 */
static bool wrmsr_gp_each(const char *name, uint32_t msr,
                          const uint64_t *vals, unsigned n)
{
    uint64_t old = 0;

    kit_catch_reset();
    if (!kit_try_rdmsr(msr, &old)) {
        kit_result(name, false, "rdmsr 0x%x: %s", msr, outcome(false));
        kit_catch_reset();
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        kit_catch_reset();
        bool wr = kit_try_wrmsr(msr, vals[i]);
        bool gp = !wr && kit_caught.vec == 13 && kit_caught.err == 0;
        const char *what = outcome(wr);
        uint64_t now = rdmsr(msr);
        if (now != old) {
            wrmsr(msr, old);
        }
        if (!gp || now != old) {
            kit_result(name, false, "MSR 0x%x wrmsr 0x%lx: %s, MSR 0x%lx -> "
                       "0x%lx", msr, vals[i], what, old, now);
            kit_catch_reset();
            return false;
        }
    }
    kit_catch_reset();
    return true;
}

static void expect_wrmsr_gp(const char *name, uint32_t msr,
                            const uint64_t *vals, unsigned n)
{
    if (wrmsr_gp_each(name, msr, vals, n)) {
        kit_result(name, true, "-");
    }
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
               "not enumerated, yet rdmsr: %s, wrmsr: %s", rd_what, wr_what);
}

/* ---- Read-only MSRs and the MTRRs ---- */

/* Any write to a read-only MSR: 0, what it reads, all ones. */
static void expect_read_only(const char *name, uint32_t msr)
{
    uint64_t v = 0;

    kit_try_rdmsr(msr, &v);
    kit_catch_reset();
    uint64_t vals[] = { 0, v, ~0ull };
    expect_wrmsr_gp(name, msr, vals, 3);
}

/* Byte b of v replaced by t. */
static uint64_t with_byte(uint64_t v, unsigned b, uint8_t t)
{
    return (v & ~(0xFFull << (8 * b))) | ((uint64_t)t << (8 * b));
}

/*
 * Each MSR in msrs, written with its value changed by each rule: bits set,
 * or the memory type in byte `type_byte` replaced. One line for the lot.
 */
typedef struct BadWrite {
    uint64_t set;           /* bits to set */
    int type_byte;          /* -1, or the byte that gets type */
    uint8_t type;
} BadWrite;

static void expect_mtrr_gp(const char *name, const uint32_t *msrs,
                           unsigned nmsrs, const BadWrite *bad, unsigned n)
{
    for (unsigned m = 0; m < nmsrs; m++) {
        uint64_t old = 0, vals[8];
        kit_try_rdmsr(msrs[m], &old);
        kit_catch_reset();
        for (unsigned i = 0; i < n && i < 8; i++) {
            vals[i] = old | bad[i].set;
            if (bad[i].type_byte >= 0) {
                vals[i] = with_byte(vals[i], (unsigned)bad[i].type_byte,
                                    bad[i].type);
            }
        }
        if (!wrmsr_gp_each(name, msrs[m], vals, n < 8 ? n : 8)) {
            return;
        }
    }
    kit_result(name, true, "-");
}

static void check_mtrrs(bool present, unsigned maxphy)
{
    static const char *const names[] = {
        "MTRRcap is read-only: #GP(0)",
        "MTRRdefType reserved bits 8, 9, 12-63: #GP(0)",
        "MTRRdefType memory types 2, 3, 7, 8, 0xFF: #GP(0)",
        "fixed-range MTRRs memory types 2, 3, 7, 0x16: #GP(0)",
        "MTRRphysBase memory types 2, 3, 7: #GP(0)",
        "MTRRphysBase reserved bits 8-11, MAXPHYADDR-63: #GP(0)",
        "MTRRphysMask reserved bits 0-10, MAXPHYADDR-63: #GP(0)",
        "MTRRphysBase beyond MTRRcap.VCNT: #GP(0)",
    };

    if (!present) {
        static const uint32_t msrs[] = {
            MSR_MTRRCAP, MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, 0x250,
            MSR_MTRR_PHYSBASE0, MSR_MTRR_PHYSBASE0, MSR_MTRR_PHYSBASE0 + 1,
            MSR_MTRR_PHYSBASE0,
        };
        for (unsigned i = 0; i < 8; i++) {
            exists_iff(names[i], msrs[i], false);
        }
        return;
    }

    expect_read_only(names[0], MSR_MTRRCAP);
    uint64_t cap = rdmsr(MSR_MTRRCAP);

    static const uint32_t def[] = { MSR_MTRR_DEF_TYPE };
    static const BadWrite def_rsvd[] = {
        { 1ull << 8, -1, 0 }, { 1ull << 9, -1, 0 }, { 1ull << 12, -1, 0 },
        { 1ull << 40, -1, 0 }, { 1ull << 63, -1, 0 },
    };
    expect_mtrr_gp(names[1], def, 1, def_rsvd, 5);
    static const BadWrite def_type[] = {
        { 0, 0, 2 }, { 0, 0, 3 }, { 0, 0, 7 }, { 0, 0, 8 }, { 0, 0, 0xFF },
    };
    expect_mtrr_gp(names[2], def, 1, def_type, 5);

    /* Every byte of a fixed-range MTRR is a memory type. */
    static const BadWrite fixed_type[] = {
        { 0, 0, 2 }, { 0, 7, 3 }, { 0, 3, 7 }, { 0, 5, 0x16 },
    };
    if (cap & MTRRCAP_FIX) {
        expect_mtrr_gp(names[3], mtrr_fixed,
                       sizeof(mtrr_fixed) / sizeof(mtrr_fixed[0]),
                       fixed_type, 4);
    } else {
        exists_iff(names[3], mtrr_fixed[0], false);
    }

    /* PhysBase: type 7:0, 11:8 reserved; PhysMask: 10:0 reserved; both
     * reserved from MAXPHYADDR up (Vol. 3A 11.11.2.3). */
    uint32_t bases[8], masks[8];
    unsigned vcnt = cap & 0xFF;
    if (vcnt > 8) {
        vcnt = 8;
    }
    for (unsigned n = 0; n < vcnt; n++) {
        bases[n] = MSR_MTRR_PHYSBASE0 + 2 * n;
        masks[n] = MSR_MTRR_PHYSBASE0 + 2 * n + 1;
    }
    static const BadWrite base_type[] = {
        { 0, 0, 2 }, { 0, 0, 3 }, { 0, 0, 7 },
    };
    expect_mtrr_gp(names[4], bases, vcnt, base_type, 3);
    const BadWrite base_rsvd[] = {
        { 1ull << 8, -1, 0 }, { 1ull << 11, -1, 0 },
        { 1ull << maxphy, -1, 0 }, { 1ull << 63, -1, 0 },
    };
    expect_mtrr_gp(names[5], bases, vcnt, base_rsvd, 4);
    const BadWrite mask_rsvd[] = {
        { 1ull << 0, -1, 0 }, { 1ull << 10, -1, 0 },
        { 1ull << maxphy, -1, 0 }, { 1ull << 63, -1, 0 },
    };
    expect_mtrr_gp(names[6], masks, vcnt, mask_rsvd, 4);
    exists_iff(names[7], MSR_MTRR_PHYSBASE0 + 2 * (cap & 0xFF), false);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    struct kit_cpuid_leaves id;
    uint32_t *c1 = id.c1, *c7 = id.c7, *e1 = id.e1, *e8 = id.e8;

    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: msr-gp");
    kit_sys_init();
    kit_catch(13);
    kit_catch_reset();

    kit_cpuid_leaves(&id);
    /* MAXPHYADDR: CPUID.80000008H:EAX[7:0], else 36 (Vol. 3A 4.1.4). */
    unsigned maxphy = (e8[0] & 0xFF) ? (e8[0] & 0xFF) : 36;

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

    /* Read-only MSRs. PLATFORM_ID is there on family 6 (Vol. 4 table 2-2). */
    expect_read_only("PLATFORM_ID is read-only: #GP(0)", MSR_PLATFORM_ID);
    if (c7[3] & CPUID7_EDX_ARCH_CAP) {
        expect_read_only("ARCH_CAPABILITIES is read-only: #GP(0)",
                         MSR_ARCH_CAPABILITIES);
    } else {
        exists_iff("ARCH_CAPABILITIES is read-only: #GP(0)",
                   MSR_ARCH_CAPABILITIES, false);
    }
    check_mtrrs(c1[3] & CPUID1_EDX_MTRR, maxphy);

    kit_puts("msr-gp: done");
    kit_finish();
}
