/*
 * Model-specific registers, in one table: index, name, where the value
 * lives, which bits are reserved (a write with one set raises #GP), and what
 * a write must do besides storing. RDMSR/WRMSR at CPL > 0 or of an unknown
 * MSR raise #GP(0) (SDM Vol. 2B RDMSR/WRMSR).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include <glib.h>

#include "softmmu/bql.h"
#include "softmmu/cputlb.h"
#include "softmmu/log.h"
#include "target-x86/helper.h"
#include "target-x86/msr.h"

typedef enum MSRCheck {
    MSR_CHECK_NONE,
    MSR_CHECK_CANONICAL,  /* an address: must be canonical */
    MSR_CHECK_READONLY,   /* any write raises #GP */
    MSR_CHECK_MEMTYPES,   /* eight bytes, each a memory type (PAT, fixed
                             MTRRs) */
    MSR_CHECK_MTRR_TYPE,  /* bits 7:0 a memory type (PhysBase, DefType) */
} MSRCheck;

/* Physical-address bits beyond MAXPHYADDR (40, CPUID 0x80000008) */
#define MSR_PHYS_RESERVED 0xffffff0000000000ull

typedef struct MSRDef {
    uint32_t index;
    const char *name;
    int offset;               /* in CPUX86State, -1 for special handling */
    uint64_t reserved;        /* bits that must be written as 0 */
    MSRCheck check;
} MSRDef;

#define ENV(field) ((int)offsetof(CPUX86State, field))

/* offset -1: handled in helper_rdmsr/helper_wrmsr. The local APIC's MSRs
 * (APIC_BASE, TSC_DEADLINE, the x2APIC range) go to env->apic_ops, which
 * decides what exists and what is #GP. */
static const MSRDef msr_table[] = {
    { MSR_IA32_TSC, "TSC", -1, 0, MSR_CHECK_NONE },
    { MSR_IA32_APICBASE, "APIC_BASE", -1, 0, MSR_CHECK_NONE },
    { MSR_IA32_TSC_DEADLINE, "TSC_DEADLINE", -1, 0, MSR_CHECK_NONE },
    { MSR_IA32_SYSENTER_CS, "SYSENTER_CS", ENV(sysenter_cs),
      0xffffffff00000000ull, MSR_CHECK_NONE },
    { MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP", ENV(sysenter_esp), 0,
      MSR_CHECK_CANONICAL },
    { MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP", ENV(sysenter_eip), 0,
      MSR_CHECK_CANONICAL },
    { MSR_IA32_MISC_ENABLE, "MISC_ENABLE", ENV(misc_enable), 0,
      MSR_CHECK_NONE },
    { MSR_IA32_PAT, "PAT", ENV(pat), 0, MSR_CHECK_MEMTYPES },
    { MSR_IA32_PLATFORM_ID, "PLATFORM_ID", -1, 0, MSR_CHECK_READONLY },
    { MSR_IA32_TSC_ADJUST, "TSC_ADJUST", ENV(tsc_adjust), 0, MSR_CHECK_NONE },
    { MSR_IA32_BIOS_SIGN_ID, "BIOS_SIGN_ID", -1, 0, MSR_CHECK_NONE },
    { MSR_IA32_ARCH_CAPABILITIES, "ARCH_CAPABILITIES", -1, 0,
      MSR_CHECK_READONLY },
    { MSR_IA32_MTRRCAP, "MTRRcap", -1, 0, MSR_CHECK_READONLY },
    { MSR_MTRR_DEF_TYPE, "MTRRdefType", ENV(mtrr_deftype),
      ~0xcffull, MSR_CHECK_MTRR_TYPE },
    { MSR_MTRR_FIX64K_00000, "MTRRfix64K_00000", ENV(mtrr_fixed[0]), 0,
      MSR_CHECK_MEMTYPES },
    { MSR_MTRR_FIX16K_80000, "MTRRfix16K_80000", ENV(mtrr_fixed[1]), 0,
      MSR_CHECK_MEMTYPES },
    { MSR_MTRR_FIX16K_A0000, "MTRRfix16K_A0000", ENV(mtrr_fixed[2]), 0,
      MSR_CHECK_MEMTYPES },
#define FIX4K(n, name) \
    { MSR_MTRR_FIX4K_C0000 + (n), name, ENV(mtrr_fixed[3 + (n)]), 0, \
      MSR_CHECK_MEMTYPES }
    FIX4K(0, "MTRRfix4K_C0000"), FIX4K(1, "MTRRfix4K_C8000"),
    FIX4K(2, "MTRRfix4K_D0000"), FIX4K(3, "MTRRfix4K_D8000"),
    FIX4K(4, "MTRRfix4K_E0000"), FIX4K(5, "MTRRfix4K_E8000"),
    FIX4K(6, "MTRRfix4K_F0000"), FIX4K(7, "MTRRfix4K_F8000"),
#undef FIX4K
#define VAR_MTRR(n) \
    { MSR_MTRR_PHYSBASE0 + 2 * (n), "MTRRphysBase" #n, ENV(mtrr_var[n][0]), \
      MSR_PHYS_RESERVED | 0xf00, MSR_CHECK_MTRR_TYPE }, \
    { MSR_MTRR_PHYSBASE0 + 2 * (n) + 1, "MTRRphysMask" #n, \
      ENV(mtrr_var[n][1]), MSR_PHYS_RESERVED | 0x7ff, MSR_CHECK_NONE }
    VAR_MTRR(0), VAR_MTRR(1), VAR_MTRR(2), VAR_MTRR(3),
    VAR_MTRR(4), VAR_MTRR(5), VAR_MTRR(6), VAR_MTRR(7),
#undef VAR_MTRR
    { MSR_EFER, "EFER", -1, ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA |
                                         EFER_NXE), MSR_CHECK_NONE },
    { MSR_STAR, "STAR", ENV(star), 0, MSR_CHECK_NONE },
    { MSR_LSTAR, "LSTAR", ENV(lstar), 0, MSR_CHECK_CANONICAL },
    { MSR_CSTAR, "CSTAR", ENV(cstar), 0, MSR_CHECK_CANONICAL },
    { MSR_FMASK, "SFMASK", ENV(fmask), 0xffffffff00000000ull, MSR_CHECK_NONE },
    { MSR_FS_BASE, "FS_BASE", ENV(segs[R_FS].base), 0, MSR_CHECK_CANONICAL },
    { MSR_GS_BASE, "GS_BASE", ENV(segs[R_GS].base), 0, MSR_CHECK_CANONICAL },
    { MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", ENV(kernel_gs_base), 0,
      MSR_CHECK_CANONICAL },
    { MSR_TSC_AUX, "TSC_AUX", ENV(tsc_aux), 0xffffffff00000000ull,
      MSR_CHECK_NONE },
};

static const MSRDef msr_x2apic = {
    MSR_X2APIC_FIRST, "X2APIC", -1, 0, MSR_CHECK_NONE,
};

static bool msr_is_apic(uint32_t index)
{
    return index == MSR_IA32_APICBASE || index == MSR_IA32_TSC_DEADLINE ||
           (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST);
}

static const MSRDef *msr_find(uint32_t index)
{
    if (index >= MSR_X2APIC_FIRST && index <= MSR_X2APIC_LAST) {
        return &msr_x2apic;
    }
    for (size_t i = 0; i < sizeof(msr_table) / sizeof(msr_table[0]); i++) {
        if (msr_table[i].index == index) {
            return &msr_table[i];
        }
    }
    return NULL;
}

#define MSR_TABLE_SIZE (sizeof(msr_table) / sizeof(msr_table[0]))
_Static_assert(MSR_TABLE_SIZE < MSR_STAT_SLOTS, "a stats slot per MSR");

/* -d stats keeps counts per table entry; the x2APIC range is one slot */
int msr_stat_slot(uint32_t index)
{
    const MSRDef *d = msr_find(index);
    return d == &msr_x2apic ? (int)MSR_TABLE_SIZE : (int)(d - msr_table);
}

void msr_dump_stats(CPUX86State *env, FILE *f)
{
    for (size_t i = 0; i <= MSR_TABLE_SIZE; i++) {
        const MSRDef *d = i < MSR_TABLE_SIZE ? &msr_table[i] : &msr_x2apic;
        if (env->stat_msr[i][0] || env->stat_msr[i][1]) {
            fprintf(f, "stats: msr 0x%x %s: rdmsr %" PRIu64 " wrmsr %" PRIu64
                    "\n", d->index, d->name, env->stat_msr[i][0],
                    env->stat_msr[i][1]);
        }
    }
}

const char *msr_name(uint32_t index)
{
    const MSRDef *d = msr_find(index);
    return d ? d->name : "unknown";
}

/* A defined memory type: UC 0, WC 1, WT 4, WP 5, WB 6; PAT also has
 * UC- 7, which the MTRRs do not (SDM Vol. 3A 11.11, 11.12). */
static bool memtype_valid(unsigned t, bool pat)
{
    return t <= 1 || (t >= 4 && t <= 6) || (pat && t == 7);
}

/* Each byte a memory type: PAT entries, fixed-range MTRR fields. */
static bool memtypes_valid(uint64_t v, bool pat)
{
    for (int i = 0; i < 8; i++) {
        if (!memtype_valid((v >> (8 * i)) & 0xff, pat)) {
            return false;
        }
    }
    return true;
}

static bool msr_value_valid(const MSRDef *d, uint64_t v)
{
    if (v & d->reserved) {
        return false;
    }
    switch (d->check) {
    case MSR_CHECK_CANONICAL:
        return x86_is_canonical(v);
    case MSR_CHECK_READONLY:
        return false;
    case MSR_CHECK_MEMTYPES:
        return memtypes_valid(v, d->index == MSR_IA32_PAT);
    case MSR_CHECK_MTRR_TYPE:
        return memtype_valid(v & 0xff, false);
    default:
        return true;
    }
}

static uint64_t *msr_field(CPUX86State *env, const MSRDef *d)
{
    return (uint64_t *)((char *)env + d->offset);
}

/* The APIC's MSRs: false for #GP (no APIC, or the APIC refuses). */
static bool msr_apic_read(CPUX86State *env, uint32_t index, uint64_t *v)
{
    bool ok = false;

    if (env->apic_ops) {
        bql_lock();
        ok = env->apic_ops->msr_read(env->apic, index, v);
        bql_unlock();
    }
    /* TSC_DEADLINE: virtual ns in the APIC, TSC units here */
    if (ok && index == MSR_IA32_TSC_DEADLINE && *v) {
        *v += env->tsc_offset;
    }
    return ok;
}

static bool msr_apic_write(CPUX86State *env, uint32_t index, uint64_t v)
{
    bool ok = false;

    if (index == MSR_IA32_TSC_DEADLINE && v) {
        /* TSC = ns + offset, modulo 2^64 (the offset may be "negative"
         * after a write to IA32_TSC or a reset). The deadline is compared
         * with the TSC as hardware does: one already reached fires at
         * once; one beyond INT64_MAX ns is as good as never. */
        uint64_t tsc = cpu_get_tsc(env);
        uint64_t now = tsc - env->tsc_offset;

        v = v > tsc ? now + MIN(v - tsc, (uint64_t)INT64_MAX - now) : 1;
    }
    if (env->apic_ops) {
        bql_lock();
        ok = env->apic_ops->msr_write(env->apic, index, v);
        bql_unlock();
    }
    if (ok && index == MSR_IA32_APICBASE) {
        /* the xAPIC window may have moved or gone */
        tlb_flush(env);
    }
    return ok;
}

void helper_rdmsr(CPUX86State *env)
{
    uint32_t index = (uint32_t)env->regs[R_ECX];
    const MSRDef *d = msr_find(index);
    uint64_t v = 0;

    if ((env->hflags & HF_CPL_MASK) != 0 || !d ||
        (msr_is_apic(index) && !msr_apic_read(env, index, &v))) {
        log_mask_printf(LOG_GUEST_ERROR, "rdmsr 0x%x: #GP\n", index);
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    switch (index) {
    case MSR_IA32_TSC:
        v = cpu_get_tsc(env);
        break;
    case MSR_IA32_APICBASE:
    case MSR_IA32_TSC_DEADLINE:
    case MSR_X2APIC_FIRST ... MSR_X2APIC_LAST:
        break;      /* read above */
    case MSR_EFER:
        v = env->efer;
        break;
    case MSR_IA32_PLATFORM_ID:
        v = 0;
        break;
    case MSR_IA32_BIOS_SIGN_ID:
        v = (uint64_t)BT86_MICROCODE_REV << 32;
        break;
    case MSR_IA32_ARCH_CAPABILITIES:
        v = ARCH_CAPABILITIES_VALUE;
        break;
    case MSR_IA32_MTRRCAP:
        v = MTRRCAP_VALUE;
        break;
    default:
        v = *msr_field(env, d);
        break;
    }
    env->stat_rdmsr++;
    env->stat_msr[msr_stat_slot(index)][0]++;
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
}

/* Moves the TSC (and TSC_ADJUST with it) by delta. An armed TSC
 * deadline stays a TSC value (SDM 10.5.4.1): it moves in virtual time
 * with the offset. */
static void tsc_move(CPUX86State *env, uint64_t delta)
{
    uint64_t deadline = 0;

    msr_apic_read(env, MSR_IA32_TSC_DEADLINE, &deadline);
    env->tsc_offset += delta;
    env->tsc_adjust += delta;
    if (deadline) {
        msr_apic_write(env, MSR_IA32_TSC_DEADLINE, deadline);
    }
}

void helper_wrmsr(CPUX86State *env)
{
    uint32_t index = (uint32_t)env->regs[R_ECX];
    uint64_t v = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    const MSRDef *d = msr_find(index);

    if ((env->hflags & HF_CPL_MASK) != 0 || !d || !msr_value_valid(d, v) ||
        (msr_is_apic(index) && !msr_apic_write(env, index, v))) {
        log_mask_printf(LOG_GUEST_ERROR, "wrmsr 0x%x <- 0x%llx: #GP\n", index,
                        (unsigned long long)v);
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    env->stat_wrmsr++;
    env->stat_msr[msr_stat_slot(index)][1]++;
    switch (index) {
    case MSR_IA32_TSC:
        /* WRMSR to the TSC adds the same change to TSC_ADJUST (SDM Vol.
         * 3B 18.17.3) */
        tsc_move(env, v - cpu_get_tsc(env));
        break;
    case MSR_IA32_TSC_ADJUST:
        tsc_move(env, v - env->tsc_adjust);
        break;
    case MSR_EFER: {
        /* LMA is read-only; LME may not change while paging is on
         * (SDM Vol. 3A 9.8.5) */
        uint64_t nv = (v & ~(uint64_t)EFER_LMA) | (env->efer & EFER_LMA);
        if ((env->cr[0] & CR0_PG) && ((nv ^ env->efer) & EFER_LME)) {
            raise_exception_err(env, EXCP0D_GPF, 0);
        }
        if ((nv ^ env->efer) & EFER_NXE) {
            tlb_flush(env);
        }
        env->efer = nv;
        x86_update_hflags(env);
        break;
    }
    case MSR_IA32_BIOS_SIGN_ID:
        break;      /* the loader writes 0 before CPUID; nothing to keep */
    case MSR_IA32_APICBASE:
    case MSR_IA32_TSC_DEADLINE:
    case MSR_X2APIC_FIRST ... MSR_X2APIC_LAST:
        break;      /* written above */
    default:
        *msr_field(env, d) = v;
        break;
    }
}
