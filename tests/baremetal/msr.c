/*
 * RDMSR and WRMSR with valid MSRs and values (SDM Vol. 2B RDMSR, WRMSR;
 * Vol. 4 chapter 2): CPL 0 only, which register halves they use,
 * read-back of the MSRs a 64-bit kernel programs, the TSC, and the FS/GS
 * bases as fs:/gs: loads, MOV to FS and SWAPGS see them. msr-gp.c has the
 * MSRs and values that must raise #GP(0).
 *
 * The model's identity (CPUID vendor, family and model, the TSC leaves
 * 0x15 and 0x16, feature bits) and the identification MSRs
 * (PLATFORM_ID, BIOS_SIGN_ID, ARCH_CAPABILITIES, MTRRcap) are printed as
 * "name: value" lines: they say which CPU the emulator models, which the
 * SDM leaves to the model. The MTRRs (Vol. 3A 11.11) are written with
 * valid values and read back.
 *
 * QEMU 7.2 (TCG) fails "wrmsr TSC sets the counter rdtsc reads": a write
 * to IA32_TSC does not move the counter RDTSC reads. Its default CPU
 * (qemu64) is another model, so the value lines differ there.
 */
#include "kit.h"

#define MSR_TSC             0x10
#define MSR_PLATFORM_ID     0x17
#define MSR_BIOS_SIGN_ID    0x8B
#define MSR_MTRRCAP         0xFE
#define MSR_ARCH_CAPABILITIES 0x10A
#define MSR_MTRR_PHYSBASE0  0x200   /* PhysBase n at 0x200 + 2n, PhysMask + 1 */
#define MSR_MTRR_DEF_TYPE   0x2FF
#define MSR_SYSENTER_CS     0x174
#define MSR_SYSENTER_ESP    0x175
#define MSR_SYSENTER_EIP    0x176
#define MSR_PAT             0x277
#define MSR_EFER            0xC0000080
#define MSR_STAR            0xC0000081
#define MSR_LSTAR           0xC0000082
#define MSR_CSTAR           0xC0000083
#define MSR_FMASK           0xC0000084
#define MSR_FS_BASE         0xC0000100
#define MSR_GS_BASE         0xC0000101
#define MSR_KERNEL_GS_BASE  0xC0000102
#define MSR_TSC_AUX         0xC0000103

#define EFER_NXE            (1ull << 11)
#define PAT_POWER_UP        ((uint64_t)0x0007040600070406)

#define CPUID1_EDX_TSC      (1u << 4)
#define CPUID1_EDX_MSR      (1u << 5)
#define CPUID1_EDX_SEP      (1u << 11)
#define CPUID1_EDX_MTRR     (1u << 12)
#define CPUID1_EDX_PAT      (1u << 16)
#define EXT1_EDX_NX         (1u << 20)
#define EXT1_EDX_RDTSCP     (1u << 27)
#define CPUID7_ECX_RDPID    (1u << 22)
#define CPUID7_EDX_ARCH_CAP (1u << 29)
#define CPUID7_EBX_TSC_ADJUST (1u << 1)
#define MSR_TSC_ADJUST      0x3b

static uint64_t rdtsc_now(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#define EXT7_EDX_INVTSC     (1u << 8)

/* The fixed-range MTRRs (Vol. 3A 11.11.2.2). */
static const uint32_t mtrr_fixed[] = {
    0x250, 0x258, 0x259, 0x268, 0x269, 0x26A, 0x26B, 0x26C, 0x26D, 0x26E,
    0x26F,
};

/* Writes val and reads it back. */
static void read_back(const char *name, uint32_t msr, uint64_t val)
{
    uint64_t got = ~val;
    bool wr = kit_try_wrmsr(msr, val);
    bool rd = wr && kit_try_rdmsr(msr, &got);

    kit_result(name, wr && rd && got == val, "%s; got 0x%lx want 0x%lx",
               !wr ? "wrmsr faulted" : !rd ? "rdmsr faulted" : "read back",
               got, val);
    kit_catch_reset();
}

/*
 * Writes each value to each MSR and reads it back, then puts the MSR's
 * value back: one line for the lot, naming the first miss.
 */
static void read_back_each(const char *name, const uint32_t *msrs,
                           unsigned nmsrs, const uint64_t *vals,
                           unsigned nvals)
{
    for (unsigned m = 0; m < nmsrs; m++) {
        uint64_t old = 0;
        if (!kit_try_rdmsr(msrs[m], &old)) {
            kit_result(name, false, "rdmsr 0x%x faulted", msrs[m]);
            kit_catch_reset();
            return;
        }
        for (unsigned v = 0; v < nvals; v++) {
            uint64_t got = ~vals[v];
            bool wr = kit_try_wrmsr(msrs[m], vals[v]);
            bool rd = wr && kit_try_rdmsr(msrs[m], &got);
            if (!wr || !rd || got != vals[v]) {
                kit_try_wrmsr(msrs[m], old);
                kit_result(name, false, "MSR 0x%x: %s; got 0x%lx want 0x%lx",
                           msrs[m],
                           !wr ? "wrmsr faulted" : !rd ? "rdmsr faulted"
                                                       : "read back",
                           got, vals[v]);
                kit_catch_reset();
                return;
            }
        }
        kit_try_wrmsr(msrs[m], old);
    }
    kit_result(name, true, "-");
    kit_catch_reset();
}

/* What a check prints when CPUID says the MSR is not there. */
static void absent(const char *name)
{
    kit_printf("%s: ok\n", name);
}

/* ---- The model: CPUID and the identification MSRs ---- */

/* CPUID.0 and .1 as the SDM defines them (Vol. 2A CPUID, figure 3-6). */
static void print_identity(const uint32_t c0[4], const uint32_t c1[4])
{
    static const int order[3] = { 1, 3, 2 };     /* EBX, EDX, ECX */
    char vendor[13];
    unsigned family = (c1[0] >> 8) & 0xF, model = (c1[0] >> 4) & 0xF;

    for (int i = 0; i < 12; i++) {
        vendor[i] = (char)(c0[order[i / 4]] >> (8 * (i % 4)));
    }
    vendor[12] = 0;
    if (family == 0x6 || family == 0xF) {
        model += ((c1[0] >> 16) & 0xF) << 4;
    }
    if (family == 0xF) {
        family += (c1[0] >> 20) & 0xFF;
    }
    kit_printf("cpuid vendor: %s\n", vendor);
    kit_printf("cpuid max basic leaf: 0x%x\n", c0[0]);
    kit_printf("cpuid family %u model %u\n", family, model);
}

/*
 * Leaf 0x15: TSC = crystal (ECX Hz) * EBX / EAX; leaf 0x16: base, maximum
 * and bus frequencies in MHz (Vol. 2A CPUID; Vol. 3B 19.7.3).
 */
static void print_tsc_leaves(uint32_t max_leaf)
{
    uint32_t r[4];

    if (max_leaf >= 0x15) {
        kit_cpuid(0x15, 0, r);
        kit_printf("cpuid 0x15: ratio %u/%u, crystal %u Hz\n", r[1], r[0],
                   r[2]);
        if (r[0] && r[1] && r[2]) {
            kit_printf("cpuid 0x15 TSC frequency: %lu Hz\n",
                       (uint64_t)r[2] * r[1] / r[0]);
        }
    } else {
        kit_puts("cpuid 0x15: not enumerated");
    }
    if (max_leaf >= 0x16) {
        kit_cpuid(0x16, 0, r);
        kit_printf("cpuid 0x16: base %u MHz, max %u MHz, bus %u MHz\n",
                   r[0] & 0xFFFF, r[1] & 0xFFFF, r[2] & 0xFFFF);
    } else {
        kit_puts("cpuid 0x16: not enumerated");
    }
}

static bool same_regs(const uint32_t a[4], const uint32_t b[4])
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/*
 * A leaf above the maximum returns the highest basic leaf's data (Vol. 2A
 * CPUID: "If a value entered for CPUID.EAX is higher than the maximum
 * input value for basic or extended function ...").
 */
static void check_leaf_above_max(uint32_t max_leaf, uint32_t max_ext)
{
    uint32_t top[4], r[4];

    kit_cpuid(max_leaf, 0, top);
    kit_cpuid(max_leaf + 1, 0, r);
    kit_result("cpuid basic leaf above the maximum: highest basic leaf",
               same_regs(r, top), "eax 0x%x ebx 0x%x", r[0], r[1]);
    kit_cpuid(max_ext + 1, 0, r);
    kit_result("cpuid extended leaf above the maximum: highest basic leaf",
               same_regs(r, top), "eax 0x%x ebx 0x%x", r[0], r[1]);
}

/* IA32_BIOS_SIGN_ID (Vol. 3A 10.11.7.1): write 0, CPUID(1), read EDX. */
static void check_microcode_revision(void)
{
    uint32_t r[4];
    uint64_t sig = 0;

    kit_result("BIOS_SIGN_ID write of 0", kit_try_wrmsr(MSR_BIOS_SIGN_ID, 0),
               "wrmsr faulted");
    kit_cpuid(1, 0, r);
    bool rd = kit_try_rdmsr(MSR_BIOS_SIGN_ID, &sig);
    kit_result("BIOS_SIGN_ID read", rd, "rdmsr faulted");
    kit_printf("microcode revision: 0x%lx\n", sig >> 32);
    kit_catch_reset();
}

static void print_id_msrs(const uint32_t c7[4], const uint32_t e7[4])
{
    uint64_t v = 0;

    bool rd = kit_try_rdmsr(MSR_PLATFORM_ID, &v);
    kit_result("PLATFORM_ID read", rd, "rdmsr faulted");
    kit_printf("PLATFORM_ID: 0x%lx\n", v);
    kit_catch_reset();
    check_microcode_revision();

    kit_printf("cpuid ARCH_CAPABILITIES: %u\n",
               !!(c7[3] & CPUID7_EDX_ARCH_CAP));
    if (c7[3] & CPUID7_EDX_ARCH_CAP) {
        v = 0;
        rd = kit_try_rdmsr(MSR_ARCH_CAPABILITIES, &v);
        kit_result("ARCH_CAPABILITIES read", rd, "rdmsr faulted");
        kit_printf("ARCH_CAPABILITIES: 0x%lx\n", v);
        kit_catch_reset();
    }
    kit_printf("cpuid invariant TSC: %u\n", !!(e7[3] & EXT7_EDX_INVTSC));
}

/* The x86-64-v2 level (psABI): CMPXCHG16B, LAHF/SAHF in 64-bit mode,
 * POPCNT, SSE3, SSSE3, SSE4.1, SSE4.2 */
static void print_isa_level(const uint32_t c1[4])
{
    uint32_t e1[4];
    const uint32_t v2_ecx = (1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) |
                            (1u << 20) | (1u << 23);

    kit_cpuid(0x80000001, 0, e1);
    kit_printf("cpuid x86-64-v2: %u\n",
               (c1[2] & v2_ecx) == v2_ecx && (e1[2] & 1u));
}

/* ---- MTRRs (Vol. 3A 11.11) ---- */

static void check_mtrrs(const uint32_t c1[4], unsigned maxphy)
{
    kit_printf("cpuid MTRR: %u\n", !!(c1[3] & CPUID1_EDX_MTRR));
    if (!(c1[3] & CPUID1_EDX_MTRR)) {
        return;
    }
    uint64_t cap = rdmsr(MSR_MTRRCAP);
    kit_printf("MTRRcap: 0x%lx\n", cap);

    /* E, FE and each MTRR memory type: UC 0, WC 1, WT 4, WP 5, WB 6. */
    static const uint32_t def[] = { MSR_MTRR_DEF_TYPE };
    static const uint64_t def_vals[] = { 0xC06, 0x800, 0x401, 0x804, 0x005 };
    read_back_each("MTRRdefType read back", def, 1, def_vals, 5);

    if (cap & (1u << 8)) {
        static const uint64_t fixed_vals[] = {
            0x0606060606060606ull, 0x0001040506000104ull,
            0x0000000000000000ull,
        };
        read_back_each("fixed-range MTRRs read back", mtrr_fixed,
                       sizeof(mtrr_fixed) / sizeof(mtrr_fixed[0]),
                       fixed_vals, 3);
    } else {
        absent("fixed-range MTRRs read back");
    }

    /* PhysBase: type 7:0, base 12..MAXPHYADDR-1; PhysMask: V 11, mask. */
    uint64_t addr_bits = ((1ull << maxphy) - 1) & ~0xFFFull;
    uint64_t base_vals[] = { 0x12345000u | 6, addr_bits | 5, 0x80000000u, 0 };
    uint64_t mask_vals[] = { addr_bits | 0x800, (addr_bits & ~0x7FFFFFFull) |
                             0x800, addr_bits, 0 };
    uint32_t bases[8], masks[8];
    unsigned vcnt = cap & 0xFF;
    if (vcnt > 8) {
        vcnt = 8;
    }
    for (unsigned n = 0; n < vcnt; n++) {
        bases[n] = MSR_MTRR_PHYSBASE0 + 2 * n;
        masks[n] = MSR_MTRR_PHYSBASE0 + 2 * n + 1;
    }
    read_back_each("MTRRphysBase read back", bases, vcnt, base_vals, 4);
    read_back_each("MTRRphysMask read back", masks, vcnt, mask_vals, 4);
}

/* ---- Ring 3 ---- */

static uint64_t user_rdmsr(uint64_t msr)
{
    uint64_t lo = 0, hi = 0;

    __asm__ volatile(KIT_TRY("rdmsr")
                     : "+a"(lo), "+d"(hi)
                     : "c"(msr)
                     : "r11", "memory");
    return lo;
}

static uint64_t user_wrmsr(uint64_t msr)
{
    __asm__ volatile(KIT_TRY("wrmsr")
                     :
                     : "c"(msr), "a"(0), "d"(0)
                     : "r11", "memory");
    return 0;
}

/* ---- FS and GS ---- */

static uint64_t fs_load(uint64_t off)
{
    uint64_t v;
    __asm__ volatile("movq %%fs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
    return v;
}

static uint64_t gs_load(uint64_t off)
{
    uint64_t v;
    __asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
    return v;
}

static unsigned read_fs(void)
{
    uint16_t v;
    __asm__ volatile("movw %%fs, %0" : "=r"(v));
    return v;
}

static uint64_t fs_area[4] = {
    0x1111111111111111, 0x2222222222222222,
    0x3333333333333333, 0x4444444444444444,
};
static uint64_t gs_area[2] = { 0x5555555555555555, 0x6666666666666666 };

#define SEL_BASED_DATA  (KIT_GDT_FIRST_FREE * 8)
#define BASED_DATA_BASE 0x00345000u

static void check_segment_bases(void)
{
    __asm__ volatile("movl $0, %%eax; movl %%eax, %%fs; movl %%eax, %%gs"
                     : : : "rax");
    wrmsr(MSR_FS_BASE, (uintptr_t)fs_area);
    wrmsr(MSR_GS_BASE, (uintptr_t)gs_area);
    kit_result("fs: load uses FS_BASE", fs_load(8) == fs_area[1],
               "got 0x%lx", fs_load(8));
    kit_result("gs: load uses GS_BASE", gs_load(8) == gs_area[1],
               "got 0x%lx", gs_load(8));

    /* SWAPGS exchanges GS_BASE and KERNEL_GS_BASE. */
    wrmsr(MSR_KERNEL_GS_BASE, (uintptr_t)&fs_area[2]);
    __asm__ volatile("swapgs" : : : "memory");
    uint64_t swapped = gs_load(0);
    uint64_t gsb = rdmsr(MSR_GS_BASE), kgsb = rdmsr(MSR_KERNEL_GS_BASE);
    __asm__ volatile("swapgs" : : : "memory");
    kit_result("swapgs exchanges GS_BASE and KERNEL_GS_BASE",
               swapped == fs_area[2] && gsb == (uintptr_t)&fs_area[2] &&
               kgsb == (uintptr_t)gs_area,
               "gs:0 0x%lx, GS_BASE 0x%lx, KERNEL_GS_BASE 0x%lx", swapped,
               gsb, kgsb);

    /* The 64-bit base + offset wraps modulo 2^64. */
    wrmsr(MSR_FS_BASE, 0xFFFFFFFFFFFFF000ull);
    uint64_t wrapped = fs_load((uintptr_t)&fs_area[3] + 0x1000);
    kit_result("fs base + offset wraps at 2^64", wrapped == fs_area[3],
               "got 0x%lx", wrapped);

    /* MOV to FS loads the base from the descriptor; FS_BASE shows it. */
    kit_gdt_set(KIT_GDT_FIRST_FREE,
                kit_seg_desc(BASED_DATA_BASE, 0xFFFFF, 0x93,
                             KIT_SEG_FLAGS_4K32));
    __asm__ volatile("movl %0, %%fs" : : "r"(SEL_BASED_DATA));
    uint64_t fsb = rdmsr(MSR_FS_BASE);
    kit_result("mov to fs loads FS_BASE from the descriptor",
               fsb == BASED_DATA_BASE, "FS_BASE 0x%lx", fsb);
    wrmsr(MSR_FS_BASE, (uintptr_t)fs_area);
    kit_result("wrmsr FS_BASE keeps the fs selector",
               read_fs() == SEL_BASED_DATA && fs_load(0) == fs_area[0],
               "fs 0x%x, fs:0 0x%lx", read_fs(), fs_load(0));
    __asm__ volatile("movl $0, %%eax; movl %%eax, %%fs" : : : "rax");
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    struct kit_cpuid_leaves id;
    uint32_t *c0 = id.c0, *c1 = id.c1, *c7 = id.c7, *e0 = id.e0, *e1 = id.e1,
             *e7 = id.e7, *e8 = id.e8;

    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: msr");
    kit_sys_init();
    kit_catch(13);
    kit_catch_reset();

    kit_cpuid_leaves(&id);
    /* MAXPHYADDR: CPUID.80000008H:EAX[7:0], else 36 (Vol. 3A 4.1.4). */
    unsigned maxphy = (e8[0] & 0xFF) ? (e8[0] & 0xFF) : 36;
    kit_result("cpuid: MSR feature", c1[3] & CPUID1_EDX_MSR, "edx 0x%x",
               c1[3]);

    /* RDMSR and WRMSR are CPL-0 instructions. */
    kit_run_user(user_rdmsr, MSR_EFER);
    kit_expect_fault("rdmsr at CPL 3: #GP(0)", 13, 0, 0x33);
    kit_run_user(user_wrmsr, MSR_STAR);
    kit_expect_fault("wrmsr at CPL 3: #GP(0)", 13, 0, 0x33);

    /* Only ECX, EAX and EDX count; RDMSR clears RAX[63:32], RDX[63:32]. */
    uint64_t lo = 0xFFFFFFFF00000000ull, hi = 0xFFFFFFFF00000000ull;
    __asm__ volatile("rdmsr"
                     : "+a"(lo), "+d"(hi)
                     : "c"(0xABCD0000C0000080ull));
    uint64_t efer = rdmsr(MSR_EFER);
    kit_result("rdmsr ignores rcx[63:32]", (uint32_t)lo == (uint32_t)efer,
               "eax 0x%lx", lo);
    kit_result("rdmsr zero-extends into rax and rdx",
               lo >> 32 == 0 && hi >> 32 == 0, "rax 0x%lx rdx 0x%lx", lo, hi);
    __asm__ volatile("wrmsr"
                     :
                     : "c"(0xFFFFFFFFC0000081ull), "a"(0xAAAAAAAA11111111ull),
                       "d"(0xBBBBBBBB00232222ull));
    uint64_t star = rdmsr(MSR_STAR);
    kit_result("wrmsr ignores rcx, rax and rdx [63:32]",
               star == 0x0023222211111111ull, "STAR 0x%lx", star);

    /* EFER: LME and LMA on in long mode; NXE writable with CPUID NX. */
    kit_result("EFER.LME and EFER.LMA set", (efer & 0x500) == 0x500,
               "EFER 0x%lx", efer);
    if (e1[3] & EXT1_EDX_NX) {
        read_back("EFER.NXE read back", MSR_EFER, efer | EFER_NXE);
        read_back("EFER.NXE cleared", MSR_EFER, efer & ~EFER_NXE);
        wrmsr(MSR_EFER, efer);
    } else {
        absent("EFER.NXE read back");
        absent("EFER.NXE cleared");
    }

    /* The SYSCALL MSRs and the segment bases. */
    read_back("STAR read back", MSR_STAR, 0x0023001000000000ull | 0xdeadbeef);
    read_back("LSTAR read back", MSR_LSTAR, 0xFFFFFFFF81000000ull);
    read_back("CSTAR read back", MSR_CSTAR, 0x00007FFFFFFFF000ull);
    read_back("SFMASK read back", MSR_FMASK, 0x47700);
    read_back("FS_BASE read back", MSR_FS_BASE, 0xFFFF800000001234ull);
    read_back("GS_BASE read back", MSR_GS_BASE, 0x00007FFF12345678ull);
    read_back("KERNEL_GS_BASE read back", MSR_KERNEL_GS_BASE,
              0xFFFFFFFFFFFFFFF0ull);
    check_segment_bases();

    /* PAT: CPUID.1:EDX.PAT. */
    if (c1[3] & CPUID1_EDX_PAT) {
        uint64_t pat = rdmsr(MSR_PAT);
        kit_result("PAT power-up value", pat == PAT_POWER_UP,
                   "got 0x%lx want 0x%lx", pat, PAT_POWER_UP);
        read_back("PAT read back", MSR_PAT, 0x0007010600070106ull);
        wrmsr(MSR_PAT, pat);
    } else {
        absent("PAT power-up value");
        absent("PAT read back");
    }

    /* SYSENTER: CPUID.1:EDX.SEP. */
    if (c1[3] & CPUID1_EDX_SEP) {
        read_back("SYSENTER_CS read back", MSR_SYSENTER_CS, 0x10);
        read_back("SYSENTER_ESP read back", MSR_SYSENTER_ESP,
                  0xFFFF800000010000ull);
        read_back("SYSENTER_EIP read back", MSR_SYSENTER_EIP,
                  0x0000000000101000ull);
    } else {
        absent("SYSENTER_CS read back");
        absent("SYSENTER_ESP read back");
        absent("SYSENTER_EIP read back");
    }

    /* TSC_AUX: CPUID.80000001H:EDX.RDTSCP or CPUID.(7,0):ECX.RDPID. */
    if ((e1[3] & EXT1_EDX_RDTSCP) || (c7[2] & CPUID7_ECX_RDPID)) {
        read_back("TSC_AUX read back", MSR_TSC_AUX, 0x12345678);
    } else {
        absent("TSC_AUX read back");
    }

    /* IA32_TSC: WRMSR sets the counter that RDTSC reads (Vol. 3B 19.17). */
    if (c1[3] & CPUID1_EDX_TSC) {
        uint32_t tlo, thi;
        wrmsr(MSR_TSC, 1ull << 40);
        __asm__ volatile("rdtsc" : "=a"(tlo), "=d"(thi));
        uint64_t tsc = ((uint64_t)thi << 32) | tlo;
        kit_result("wrmsr TSC sets the counter rdtsc reads",
                   tsc >= (1ull << 40) && tsc < (1ull << 40) + (1ull << 36),
                   "rdtsc 0x%lx after writing 0x%lx", tsc,
                   (uint64_t)1 << 40);
    } else {
        absent("wrmsr TSC sets the counter rdtsc reads");
    }

    /* IA32_TSC_ADJUST: moves with WRMSR to the TSC, and moves the TSC by
     * what is added to it (Vol. 3B 18.17.3) */
    if (c7[1] & CPUID7_EBX_TSC_ADJUST) {
        uint64_t adj = rdmsr(MSR_TSC_ADJUST), t0 = rdtsc_now();
        wrmsr(MSR_TSC_ADJUST, adj + (1ull << 36));
        uint64_t t1 = rdtsc_now();
        kit_result("wrmsr TSC_ADJUST moves the TSC",
                   t1 - t0 >= (1ull << 36) && t1 - t0 < (1ull << 36) +
                   (1ull << 32), "moved by 0x%lx", t1 - t0);
        wrmsr(MSR_TSC, t1);
        uint64_t adj2 = rdmsr(MSR_TSC_ADJUST);
        /* TSC set back to t1: TSC_ADJUST loses what passed since t1 */
        int64_t off = (int64_t)(adj2 - adj - (1ull << 36));
        kit_result("wrmsr TSC moves TSC_ADJUST",
                   off <= 0 && off > -(int64_t)(1ull << 32),
                   "TSC_ADJUST 0x%lx then 0x%lx", adj, adj2);
    } else {
        absent("wrmsr TSC_ADJUST moves the TSC");
        absent("wrmsr TSC moves TSC_ADJUST");
    }

    print_identity(c0, c1);
    print_tsc_leaves(c0[0]);
    check_leaf_above_max(c0[0], e0[0]);
    print_id_msrs(c7, e7);
    print_isa_level(c1);
    check_mtrrs(c1, maxphy);

    kit_puts("msr: done");
    kit_finish();
}
