/* MSR indices (SDM Vol. 4). */
#ifndef TARGET_X86_MSR_H
#define TARGET_X86_MSR_H

#include <stdint.h>

#define MSR_IA32_TSC          0x10
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

const char *msr_name(uint32_t index);

#endif
