/*
 * Model-specific registers, in one table: index, name, where the value
 * lives, which bits are reserved (a write with one set raises #GP), and what
 * a write must do besides storing. RDMSR/WRMSR at CPL > 0 or of an unknown
 * MSR raise #GP(0) (SDM Vol. 2B RDMSR/WRMSR).
 */
#include <stddef.h>

#include <glib.h>

#include "softmmu/bql.h"
#include "softmmu/cputlb.h"
#include "softmmu/log.h"
#include "target-x86/helper.h"
#include "target-x86/msr.h"

typedef enum MSRCheck {
    MSR_CHECK_NONE,
    MSR_CHECK_CANONICAL,  /* an address: must be canonical */
} MSRCheck;

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
    { MSR_IA32_PAT, "PAT", ENV(pat), 0xf8f8f8f8f8f8f8f8ull, MSR_CHECK_NONE },
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

const char *msr_name(uint32_t index)
{
    const MSRDef *d = msr_find(index);
    return d ? d->name : "unknown";
}

static bool is_canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* Each PAT entry must be a defined memory type: 0, 1, 4, 5, 6 or 7. */
static bool pat_valid(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        unsigned t = (v >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7) {
            return false;
        }
    }
    return true;
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
        /* TSC = ns + offset. A deadline before virtual time 1 fires at
         * once; one beyond INT64_MAX ns is as good as never. */
        uint64_t ns = v > env->tsc_offset ? v - env->tsc_offset : 1;
        v = MIN(ns, (uint64_t)INT64_MAX);
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
    default:
        v = *msr_field(env, d);
        break;
    }
    env->stat_rdmsr++;
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
}

void helper_wrmsr(CPUX86State *env)
{
    uint32_t index = (uint32_t)env->regs[R_ECX];
    uint64_t v = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    const MSRDef *d = msr_find(index);

    if ((env->hflags & HF_CPL_MASK) != 0 || !d || (v & d->reserved) ||
        (d->check == MSR_CHECK_CANONICAL && !is_canonical(v)) ||
        (index == MSR_IA32_PAT && !pat_valid(v)) ||
        (msr_is_apic(index) && !msr_apic_write(env, index, v))) {
        log_mask_printf(LOG_GUEST_ERROR, "wrmsr 0x%x <- 0x%llx: #GP\n", index,
                        (unsigned long long)v);
        raise_exception_err(env, EXCP0D_GPF, 0);
    }
    env->stat_wrmsr++;
    switch (index) {
    case MSR_IA32_TSC: {
        /* An armed TSC deadline stays a TSC value (SDM 10.5.4.1): it moves
         * in virtual time with the offset. */
        uint64_t deadline = 0;
        msr_apic_read(env, MSR_IA32_TSC_DEADLINE, &deadline);
        env->tsc_offset = v - (cpu_get_tsc(env) - env->tsc_offset);
        if (deadline) {
            msr_apic_write(env, MSR_IA32_TSC_DEADLINE, deadline);
        }
        break;
    }
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
    case MSR_IA32_APICBASE:
    case MSR_IA32_TSC_DEADLINE:
    case MSR_X2APIC_FIRST ... MSR_X2APIC_LAST:
        break;      /* written above */
    default:
        *msr_field(env, d) = v;
        break;
    }
}
