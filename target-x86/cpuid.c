/*
 * CPUID: what bt86 advertises. Only implemented features are listed; each
 * new feature's bit is added here in the same change that implements it.
 */
#include <string.h>

#include "softmmu/bql.h"
#include "target-x86/helper.h"
#include "target-x86/msr.h"

/* CPUID.1:EDX */
#define CPUID_FPU (1u << 0)
#define CPUID_PSE (1u << 3)
#define CPUID_TSC (1u << 4)
#define CPUID_MSR (1u << 5)
#define CPUID_PAE (1u << 6)
#define CPUID_CMOV (1u << 15)
#define CPUID_PAT (1u << 16)
#define CPUID_PGE (1u << 13)
#define CPUID_MTRR (1u << 12)
#define CPUID_CX8 (1u << 8)
#define CPUID_SEP (1u << 11)
#define CPUID_CLFSH (1u << 19)
#define CPUID_MMX (1u << 23)
#define CPUID_FXSR (1u << 24)
#define CPUID_SSE (1u << 25)
#define CPUID_SSE2 (1u << 26)
#define CPUID_APIC (1u << 9)
/* CPUID.1:ECX */
#define CPUID_EXT_SSE3 (1u << 0)
#define CPUID_EXT_PCLMULQDQ (1u << 1)
#define CPUID_EXT_SSSE3 (1u << 9)
#define CPUID_EXT_SSE41 (1u << 19)
#define CPUID_EXT_SSE42 (1u << 20)
#define CPUID_EXT_XSAVE (1u << 26)
#define CPUID_EXT_OSXSAVE (1u << 27)
#define CPUID_EXT_CX16 (1u << 13)
#define CPUID_EXT_PCID (1u << 17)
#define CPUID_EXT_X2APIC (1u << 21)
#define CPUID_EXT_TSC_DEADLINE (1u << 24)
#define CPUID_EXT_MOVBE (1u << 22)
#define CPUID_EXT_POPCNT (1u << 23)
#define CPUID_EXT_HYPERVISOR (1u << 31)
/* CPUID.80000001:EDX */
/* CPUID.80000001:ECX */
#define CPUID_EXT3_LAHF_LM (1u << 0)   /* LAHF/SAHF in 64-bit mode */
#define CPUID_EXT3_ABM (1u << 5)   /* LZCNT */
#define CPUID_EXT2_SYSCALL (1u << 11)
#define CPUID_EXT2_NX (1u << 20)
#define CPUID_EXT2_PDPE1GB (1u << 26)
#define CPUID_EXT2_RDTSCP (1u << 27)
#define CPUID_EXT2_LM (1u << 29)

/* CPUID.(EAX=7,ECX=0):EBX / ECX */
#define CPUID_7_0_EBX_TSC_ADJUST (1u << 1)
#define CPUID_7_0_EBX_BMI1 (1u << 3)
#define CPUID_7_0_EBX_SMEP (1u << 7)
#define CPUID_7_0_EBX_BMI2 (1u << 8)
#define CPUID_7_0_EBX_INVPCID (1u << 10)
#define CPUID_7_0_EBX_ADX (1u << 19)
#define CPUID_7_0_EBX_SMAP (1u << 20)
#define CPUID_7_0_ECX_RDPID (1u << 22)
#define CPUID_7_0_EDX_ARCH_CAPABILITIES (1u << 29)
/* CPUID.80000007:EDX */
#define CPUID_APM_INVTSC (1u << 8)

/* CPUID.(EAX=0DH,ECX=1):EAX */
#define CPUID_XSAVE_XSAVEOPT (1u << 0)
#define CPUID_XSAVE_XSAVEC (1u << 1)
/* XCR0 bits bt86 supports: x87 and SSE; their XSAVE area is the legacy
 * region plus the header */
#define XSTATE_SUPPORTED 3u
#define XSAVE_AREA_SIZE 576u

/* 0x15 and 0x16 give the TSC frequency: no calibration against timers */
#define CPUID_MAX_LEAF 0x16
#define CPUID_MAX_EXT_LEAF 0x80000008u

static void vendor_regs(uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    /* The SDM is the reference, so bt86 is an Intel CPU to its guests. */
    static const char vendor[12] = "GenuineIntel";
    memcpy(ebx, vendor, 4);
    memcpy(edx, vendor + 4, 4);
    memcpy(ecx, vendor + 8, 4);
}

/* The processor brand string, 16 bytes a leaf (0x80000002-4) */
static void brand_regs(uint32_t part, uint32_t *eax, uint32_t *ebx,
                       uint32_t *ecx, uint32_t *edx)
{
    static const char brand[48] = "bt86 x86-64 CPU @ 1.00GHz";
    const char *p = brand + 16 * part;
    memcpy(eax, p, 4);
    memcpy(ebx, p + 4, 4);
    memcpy(ecx, p + 8, 4);
    memcpy(edx, p + 12, 4);
}

static bool cpuid_apic_enabled(CPUX86State *env)
{
    uint64_t base = 0;

    bql_lock();
    env->apic_ops->msr_read(env->apic, MSR_IA32_APICBASE, &base);
    bql_unlock();
    return base & APIC_BASE_ENABLE;
}

void x86_cpuid(CPUX86State *env, uint32_t leaf, uint32_t subleaf,
               uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    *eax = *ebx = *ecx = *edx = 0;
    /* Above the maximum basic or extended leaf: the highest basic leaf
     * (SDM Vol. 2A CPUID, "INPUT EAX = 0: Returns CPUID's Highest Value") */
    if ((leaf > CPUID_MAX_LEAF && leaf < 0x80000000u) ||
        leaf > CPUID_MAX_EXT_LEAF) {
        leaf = CPUID_MAX_LEAF;
    }
    switch (leaf) {
    case 0:
        *eax = CPUID_MAX_LEAF;
        vendor_regs(ebx, ecx, edx);
        break;
    case 1:
        /*
         * Family 6 model 0x1C (the first Atom), stepping 10: an in-order
         * core, which is what Linux knows as a CPU that does not speculate
         * (cpu_vuln_whitelist, NO_SPECULATION). The emulated CPU does not,
         * so Linux rightly runs without retpolines, return thunks, BHB
         * clearing or swapgs fences, each a block exit or more here.
         */
        *eax = 0x000106ca;
        /* initial APIC ID 0 in 31:24, 1 logical processor, CLFLUSH 64 */
        *ebx = 0x00010800;
        *ecx = CPUID_EXT_CX16 | CPUID_EXT_MOVBE | CPUID_EXT_POPCNT |
               CPUID_EXT_HYPERVISOR | CPUID_EXT_SSE3 | CPUID_EXT_PCLMULQDQ |
               CPUID_EXT_SSSE3 | CPUID_EXT_SSE41 | CPUID_EXT_SSE42 |
               CPUID_EXT_XSAVE | CPUID_EXT_PCID;
        if (env->cr[4] & CR4_OSXSAVE) {
            *ecx |= CPUID_EXT_OSXSAVE;
        }
        *edx = CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_CX8 |
               CPUID_SEP | CPUID_MTRR | CPUID_PGE | CPUID_CMOV | CPUID_PAT |
               CPUID_FPU | CPUID_CLFSH | CPUID_MMX | CPUID_FXSR | CPUID_SSE |
               CPUID_SSE2;
        if (env->apic_ops) {
            *ecx |= CPUID_EXT_X2APIC | CPUID_EXT_TSC_DEADLINE;
            /* a globally disabled APIC is not reported (SDM Vol. 3A
             * 10.4.3) */
            if (cpuid_apic_enabled(env)) {
                *edx |= CPUID_APIC;
            }
        }
        break;
    case 0xd:   /* XSAVE components and area sizes */
        if (subleaf == 0) {
            *eax = XSTATE_SUPPORTED;
            *ebx = XSAVE_AREA_SIZE;     /* for the components XCR0 enables */
            *ecx = XSAVE_AREA_SIZE;     /* for all supported components */
        } else if (subleaf == 1) {
            *eax = CPUID_XSAVE_XSAVEOPT | CPUID_XSAVE_XSAVEC;
            *ebx = XSAVE_AREA_SIZE;     /* compacted, XCR0 | IA32_XSS */
        }
        break;
    case 7:
        if (subleaf == 0) {
            *ebx = CPUID_7_0_EBX_TSC_ADJUST | CPUID_7_0_EBX_BMI1 |
                   CPUID_7_0_EBX_SMEP |
                   CPUID_7_0_EBX_BMI2 | CPUID_7_0_EBX_INVPCID |
                   CPUID_7_0_EBX_ADX | CPUID_7_0_EBX_SMAP;
            *ecx = CPUID_7_0_ECX_RDPID;
            *edx = CPUID_7_0_EDX_ARCH_CAPABILITIES;
        }
        break;
    case 0x15:              /* TSC = crystal * EBX / EAX */
        *eax = 1;
        *ebx = 1;
        *ecx = BT86_TSC_HZ;
        break;
    case 0x16:              /* base, maximum and bus frequencies, MHz */
        *eax = BT86_TSC_HZ / 1000000;
        *ebx = BT86_TSC_HZ / 1000000;
        *ecx = BT86_TSC_HZ / 1000000;
        break;
    case 0x80000000u:
        *eax = CPUID_MAX_EXT_LEAF;
        break;
    case 0x80000001u:
        *ecx = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM;
        *edx = CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_PDPE1GB |
               CPUID_EXT2_RDTSCP | CPUID_EXT2_LM;
        break;
    case 0x80000002u: case 0x80000003u: case 0x80000004u:
        brand_regs(leaf - 0x80000002u, eax, ebx, ecx, edx);
        break;
    case 0x80000007u:
        *edx = CPUID_APM_INVTSC;
        break;
    case 0x80000008u:
        *eax = 0x3028;       /* 48 linear, 40 physical address bits */
        break;
    default:
        break;
    }
}
