/* MSR indices (SDM Vol. 4). */
#ifndef TARGET_X86_MSR_H
#define TARGET_X86_MSR_H

#include <stdint.h>
#include <stdio.h>

#include "target-x86/cpu.h"

#define MSR_IA32_TSC          0x10
#define MSR_IA32_PLATFORM_ID  0x17
#define MSR_IA32_TSC_ADJUST   0x3b
#define MSR_IA32_BIOS_SIGN_ID 0x8b
#define MSR_IA32_MTRRCAP      0xfe
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define MSR_MTRR_PHYSBASE0    0x200     /* PhysBase n at 0x200 + 2n */
#define MSR_MTRR_PHYSMASK7    0x20f
#define MSR_MTRR_FIX64K_00000 0x250
#define MSR_MTRR_FIX16K_80000 0x258
#define MSR_MTRR_FIX16K_A0000 0x259
#define MSR_MTRR_FIX4K_C0000  0x268
#define MSR_MTRR_FIX4K_F8000  0x26f
#define MSR_MTRR_DEF_TYPE     0x2ff
#define MSR_IA32_APICBASE     0x1b
#define APIC_BASE_ENABLE      (1u << 11)
#define MSR_IA32_SYSENTER_CS  0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE  0x1a0
#define MSR_IA32_PAT          0x277
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST      0x800
#define MSR_X2APIC_LAST       0x8ff
#define MSR_EFER              0xc0000080
#define MSR_STAR              0xc0000081
#define MSR_LSTAR             0xc0000082
#define MSR_CSTAR             0xc0000083
#define MSR_FMASK             0xc0000084
#define MSR_FS_BASE           0xc0000100
#define MSR_GS_BASE           0xc0000101
#define MSR_KERNEL_GS_BASE    0xc0000102
#define MSR_TSC_AUX           0xc0000103

/* MTRRcap: 8 variable ranges, fixed ranges, write-combining */
#define MTRR_NR_VAR           8
#define MTRR_NR_FIXED         11
#define MTRRCAP_VALUE         (MTRR_NR_VAR | (1u << 8) | (1u << 10))
#define MTRR_DEF_TYPE_E       (1u << 11)
#define MTRR_TYPE_WB          6

/*
 * IA32_ARCH_CAPABILITIES: the emulated CPU does not speculate, so it has
 * none of the transient-execution weaknesses the kernel would otherwise
 * mitigate (RDCL_NO, SSB_NO, MDS_NO, TAA_NO, the MMIO stale-data and
 * GDS/RFDS/BHI/PBRSB/ITS "not affected" bits; without ITS_NO Linux would
 * route every return through a thunk).
 */
#define ARCH_CAPABILITIES_VALUE ((1ull << 0) | (1ull << 3) | (1ull << 4) | \
                                 (1ull << 5) | (1ull << 6) | (1ull << 8) | \
                                 (1ull << 13) | (1ull << 14) | (1ull << 15) | \
                                 (1ull << 20) | (1ull << 24) | (1ull << 26) | \
                                 (1ull << 27) | (1ull << 62))
/* What IA32_BIOS_SIGN_ID reports as the microcode revision */
#define BT86_MICROCODE_REV    1

const char *msr_name(uint32_t index);

/* -d stats: env->stat_msr[slot][0 = rdmsr, 1 = wrmsr] for a known MSR */
int msr_stat_slot(uint32_t index);
void msr_dump_stats(CPUX86State *env, FILE *f);

#endif
