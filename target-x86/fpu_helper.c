/*
 * x87 instructions, run on the host's own x87 unit (bt86 runs on x86-64).
 *
 * The guest's x87 state goes into the host FPU with FXRSTOR, the very same
 * instruction runs there, and FXSAVE brings the state back. Results,
 * condition codes, tags and exception flags are then the hardware's, bit
 * for bit, with the guest's own FCW: an unmasked exception only sets
 * FSW.ES on the host (it would fault at the next waiting x87 instruction,
 * SDM Vol. 1 8.6), and FNINIT drops it before any of bt86's code runs. The
 * translator raises #MF for the guest at its next waiting instruction.
 *
 * The instructions run from a table of stubs: every D8-DF register form,
 * and every memory form with its operand at [rdi] (env->fp_t0, which the
 * generated code loads from and stores to guest memory). The translator
 * only calls stubs of encodings the SDM defines.
 */
#include <assert.h>
#include <string.h>

#include "target-x86/helper.h"

/* Each stub: ENDBR64 (a call target under CET), the instruction, RET */
__asm__(".pushsection .text\n"
        ".balign 8\n"
        "bt86_fpu_reg_stubs:\n"     /* (op & 7) * 64 + (modrm & 63) */
        ".set bt86_fpu_i, 0\n"
        ".rept 512\n"
        ".byte 0xf3, 0x0f, 0x1e, 0xfa\n"
        ".byte 0xd8 + (bt86_fpu_i >> 6), 0xc0 + (bt86_fpu_i & 63), 0xc3, 0xcc\n"
        ".set bt86_fpu_i, bt86_fpu_i + 1\n"
        ".endr\n"
        "bt86_fpu_mem_stubs:\n"     /* (op & 7) * 8 + reg: op [rdi] */
        ".set bt86_fpu_i, 0\n"
        ".rept 64\n"
        ".byte 0xf3, 0x0f, 0x1e, 0xfa\n"
        ".byte 0xd8 + (bt86_fpu_i >> 3), ((bt86_fpu_i & 7) << 3) | 7, 0xc3, 0xcc\n"
        ".set bt86_fpu_i, bt86_fpu_i + 1\n"
        ".endr\n"
        ".popsection\n");

extern const uint8_t bt86_fpu_reg_stubs[] __attribute__((visibility("hidden")));
extern const uint8_t bt86_fpu_mem_stubs[] __attribute__((visibility("hidden")));

#define FSW_ES 0x0080u
#define FSW_B  0x8000u
#define FSW_TOP_MASK 0x3800u

/* The host image, per thread; only the x87 part and MXCSR are set. */
static __thread X86FxState host_img;

static const void *fpu_stub(uint32_t fop)
{
    if ((fop & 0xc0) == 0xc0) {
        return bt86_fpu_reg_stubs + 8 * (((fop >> 8) & 7) * 64 + (fop & 63));
    }
    return bt86_fpu_mem_stubs + 8 * (((fop >> 8) & 7) * 8 + ((fop >> 3) & 7));
}

/* The memory forms whose operand is larger than env->fp_t0: FNSTENV,
 * FNSAVE and FRSTOR never run as stubs, FLDENV only from
 * helper_fpu_ldenv */
static bool fpu_stub_fits_scratch(uint32_t fop)
{
    uint32_t form = fop & 0x738;
    return (fop & 0xc0) == 0xc0 ||
           (form != 0x120 && form != 0x130 && form != 0x520 && form != 0x530);
}

/*
 * Runs stub with the x87 state of img and the arithmetic flags of eflags
 * (FCMOVcc reads them), operand at mem; returns the flags after (FCOMI
 * sets them). The call goes below the red zone.
 */
static uint64_t fpu_host_run(X86FxState *img, const void *stub, void *mem,
                             uint64_t eflags)
{
    uint64_t fl = 0x202 | (eflags & CC_ALL);
    uint32_t mxcsr;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    img->mxcsr = mxcsr;     /* the host's MXCSR stays as it is */
    __asm__ volatile("fxrstor64 %[img]\n\t"
                     "lea -128(%%rsp), %%rsp\n\t"
                     "push %[fl]\n\t"
                     "popfq\n\t"
                     "call *%[stub]\n\t"
                     "pushfq\n\t"
                     "pop %[fl]\n\t"
                     "lea 128(%%rsp), %%rsp\n\t"
                     "fxsave64 %[img]\n\t"
                     "fninit"
                     : [img] "+m"(*img), [fl] "+r"(fl)
                     : [stub] "r"(stub), "D"(mem)
                     : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
                       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                       "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "st",
                       "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)",
                       "st(7)");
    return fl & CC_ALL;
}

/* The guest state into the host image. The host derives FSW.ES from the
 * flags FCW leaves unmasked: the translator raised #MF before any waiting
 * instruction that would find one, and the no-wait ones that run here
 * (FNCLEX, FNINIT) do not look. The masking below only keeps the host
 * from faulting should that ever not hold. */
static X86FxState *fpu_img_load(CPUX86State *env, bool wait)
{
    X86FxState *img = &host_img;
    img->fcw = env->fx.fcw;
    img->fsw = env->fx.fsw & ~(FSW_ES | FSW_B);
    if (wait) {
        img->fcw |= img->fsw & 0x3f;
    }
    img->ftw = env->fx.ftw;
    img->fop = 0;
    img->fip = 0;
    img->fdp = 0;
    memcpy(img->st, env->fx.st, sizeof(img->st));
    return img;
}

static void fpu_img_store(CPUX86State *env, const X86FxState *img)
{
    env->fx.fcw = img->fcw;
    env->fx.fsw = img->fsw;
    env->fx.ftw = img->ftw;
    for (int i = 0; i < 8; i++) {
        env->fx.st[i].mant = img->st[i].mant;
        env->fx.st[i].exp = img->st[i].exp;
    }
}

/* ---- register moves without the host ----
 * The stack moves compilers emit most (FLD ST(i), FXCH, FST(P) ST(i),
 * FLD1, FLDZ, FCHS, FABS, FINCSTP, FDECSTP, FFREE, FNOP), done here when
 * no stack fault can occur: they raise nothing else and round nothing
 * (SDM Vol. 2A). C1 = 0; C0, C2, C3 (undefined) are kept, as hardware
 * keeps them (FFREE too; FNOP keeps all four). Stack faults take the host
 * path. */

#define FSW_C1 0x0200u

static int fpu_top(CPUX86State *env)
{
    return (env->fx.fsw & FSW_TOP_MASK) >> 11;
}

static bool fpu_valid(CPUX86State *env, int i)
{
    return (env->fx.ftw >> ((fpu_top(env) + i) & 7)) & 1;
}

static void fpu_set_top(CPUX86State *env, int top)
{
    env->fx.fsw = (uint16_t)((env->fx.fsw & ~FSW_TOP_MASK) | (top & 7) << 11);
}

static void fpu_set_valid(CPUX86State *env, int i, bool valid)
{
    uint8_t bit = (uint8_t)(1u << ((fpu_top(env) + i) & 7));
    env->fx.ftw = valid ? env->fx.ftw | bit : env->fx.ftw & ~bit;
}

/* TOP - 1; st[] follows (the old ST(7) register becomes ST(0)) */
static void fpu_push(CPUX86State *env)
{
    typeof(env->fx.st[0]) last = env->fx.st[7];
    memmove(&env->fx.st[1], &env->fx.st[0], 7 * sizeof(env->fx.st[0]));
    env->fx.st[0] = last;
    fpu_set_top(env, fpu_top(env) - 1);
}

static void fpu_pop(CPUX86State *env)
{
    typeof(env->fx.st[0]) first = env->fx.st[0];
    fpu_set_valid(env, 0, false);
    memmove(&env->fx.st[0], &env->fx.st[1], 7 * sizeof(env->fx.st[0]));
    env->fx.st[7] = first;
    fpu_set_top(env, fpu_top(env) + 1);
}

static void fpu_load(CPUX86State *env, uint16_t exp, uint64_t mant)
{
    fpu_push(env);
    env->fx.st[0].exp = exp;
    env->fx.st[0].mant = mant;
    fpu_set_valid(env, 0, true);
}

/* Returns false to leave the instruction to the host */
static bool fpu_fast(CPUX86State *env, uint32_t fop)
{
    int i = fop & 7;
    switch (fop & 0x7f8) {
    case 0x1c0:                                     /* FLD ST(i) */
        if (!fpu_valid(env, i) || fpu_valid(env, 7)) {
            return false;
        }
        fpu_load(env, env->fx.st[i].exp, env->fx.st[i].mant);
        break;
    case 0x1c8:                                     /* FXCH ST(i) */
        if (!fpu_valid(env, 0) || !fpu_valid(env, i)) {
            return false;
        }
        typeof(env->fx.st[0]) t = env->fx.st[0];
        env->fx.st[0] = env->fx.st[i];
        env->fx.st[i] = t;
        break;
    case 0x5d0:                                     /* FST ST(i) */
    case 0x5d8:                                     /* FSTP ST(i) */
        if (!fpu_valid(env, 0)) {
            return false;
        }
        env->fx.st[i] = env->fx.st[0];
        fpu_set_valid(env, i, true);
        if (fop & 8) {
            fpu_pop(env);
        }
        break;
    case 0x5c0:                                     /* FFREE ST(i) */
        fpu_set_valid(env, i, false);
        break;
    case 0x1d0:
        return i == 0;                              /* FNOP: C0-C3 kept */
    default:
        switch (fop) {
        case 0x1e0:                                 /* FCHS */
        case 0x1e1:                                 /* FABS */
            if (!fpu_valid(env, 0)) {
                return false;
            }
            env->fx.st[0].exp = i ? env->fx.st[0].exp & 0x7fff
                                  : env->fx.st[0].exp ^ 0x8000;
            break;
        case 0x1e8:                                 /* FLD1 */
        case 0x1ee:                                 /* FLDZ */
            if (fpu_valid(env, 7)) {
                return false;
            }
            fpu_load(env, fop == 0x1e8 ? 0x3fff : 0,
                     fop == 0x1e8 ? 1ull << 63 : 0);
            break;
        case 0x1f6:                                 /* FDECSTP */
        case 0x1f7:                                 /* FINCSTP */
            if (fop == 0x1f6) {
                fpu_push(env);
            } else {
                typeof(env->fx.st[0]) first = env->fx.st[0];
                memmove(&env->fx.st[0], &env->fx.st[1],
                        7 * sizeof(env->fx.st[0]));
                env->fx.st[7] = first;
                fpu_set_top(env, fpu_top(env) + 1);
            }
            break;
        default:
            return false;
        }
    }
    env->fx.fsw &= ~FSW_C1;
    return true;
}

uint64_t helper_fpu_exec(CPUX86State *env, uint32_t op, uint64_t fip,
                         uint64_t fdp, uint64_t eflags)
{
    uint32_t fop = op & 0x7ff;
    uint64_t fl = eflags & CC_ALL;
    assert(fpu_stub_fits_scratch(fop));
    if ((op & FPU_OP_CONTROL) || !fpu_fast(env, fop)) {
        /* all but FNCLEX and FNINIT wait on the host */
        X86FxState *img = fpu_img_load(env, fop != 0x3e2 && fop != 0x3e3);
        fl = fpu_host_run(img, fpu_stub(fop), env->fp_t0, eflags);
        fpu_img_store(env, img);
    }
    if (fop == 0x3e3) {
        /* FNINIT clears the pointers too */
        env->fx.fop = 0;
        env->fx.fip = 0;
        env->fx.fdp = 0;
    } else if (!(op & FPU_OP_CONTROL)) {
        /* SDM Vol. 1 8.1.8-8.1.10: the last non-control instruction */
        env->fx.fop = (uint16_t)fop;
        env->fx.fip = fip;
        if ((fop & 0xc0) != 0xc0) {
            env->fx.fdp = fdp;
        }
    }
    return fl;
}

/* ---- FNSTENV, FNSAVE, FLDENV, FRSTOR (SDM Vol. 1 8.1.10, figs. 8-9
 * to 8-12) ---- */

/* The 2-bit tag of physical register phys, from its contents. */
static unsigned fpu_full_tag(CPUX86State *env, int phys)
{
    if (!(env->fx.ftw & (1u << phys))) {
        return 3;                           /* empty */
    }
    int top = (env->fx.fsw & FSW_TOP_MASK) >> 11;
    int i = (phys - top) & 7;
    uint16_t exp = env->fx.st[i].exp & 0x7fff;
    uint64_t mant = env->fx.st[i].mant;
    if (exp == 0 && mant == 0) {
        return 1;                           /* zero */
    }
    if (exp == 0 || exp == 0x7fff || !(mant >> 63)) {
        return 2;                           /* special */
    }
    return 0;                               /* valid */
}

static uint16_t fpu_full_tag_word(CPUX86State *env)
{
    uint16_t w = 0;
    for (int p = 0; p < 8; p++) {
        w |= (uint16_t)(fpu_full_tag(env, p) << (2 * p));
    }
    return w;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static uint32_t get16(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | get16(p + 2) << 16;
}

/*
 * The environment image into env->xmm_t0/xmm_t1 (14 or 28 bytes). FCS and
 * FDS are stored as 0, as CPUs that deprecate them do (CPUID.7.0:EBX[13]);
 * the reserved halves of the 32-bit format read as FFFFh, as on hardware.
 */
void helper_fpu_stenv(CPUX86State *env, uint32_t fmt)
{
    uint8_t b[32];
    uint32_t fip = (uint32_t)env->fx.fip, fdp = (uint32_t)env->fx.fdp;
    uint32_t fop = env->fx.fop & 0x7ff;
    uint16_t ftw = fpu_full_tag_word(env);
    env->fx.fsw = x87_fsw_normalize(env->fx.fcw, env->fx.fsw);
    memset(b, 0, sizeof(b));
    if (fmt & FPU_ENV_32) {
        memset(b, 0xff, 12);
        put16(b, env->fx.fcw);
        put16(b + 4, env->fx.fsw);
        put16(b + 8, ftw);
        if (fmt & FPU_ENV_REAL) {
            put32(b + 12, fip & 0xffff);
            put32(b + 16, fop | (fip >> 16) << 12);
            put32(b + 20, fdp & 0xffff);
            put32(b + 24, (fdp >> 16) << 12);
        } else {
            put32(b + 12, fip);
            put32(b + 16, fop << 16);
            put32(b + 20, fdp);
            put32(b + 24, 0xffff0000u);
        }
    } else {
        put16(b, env->fx.fcw);
        put16(b + 2, env->fx.fsw);
        put16(b + 4, ftw);
        put16(b + 6, fip);
        put16(b + 10, fdp);
        if (fmt & FPU_ENV_REAL) {
            put16(b + 8, fop | ((fip >> 16) & 0xf) << 12);
            put16(b + 12, ((fdp >> 16) & 0xf) << 12);
        }
    }
    memcpy(env->xmm_t0.b, b, 16);
    memcpy(env->xmm_t1.b, b + 16, 16);
    if (fmt & FPU_ENV_SAVE) {
        /* FNSAVE then initialises the FPU, as FNINIT: TOP becomes 0, and
         * st[] is relative to TOP */
        int top = (env->fx.fsw & FSW_TOP_MASK) >> 11;
        typeof(env->fx.st) old;
        memcpy(old, env->fx.st, sizeof(old));
        for (int i = 0; i < 8; i++) {
            env->fx.st[i] = old[(i - top) & 7];
        }
        env->fx.fcw = 0x37f;
        env->fx.fsw = 0;
        env->fx.ftw = 0;
        env->fx.fop = 0;
        env->fx.fip = 0;
        env->fx.fdp = 0;
    } else {
        /* FNSTENV masks all exceptions; ES (and B) summarise the
         * unmasked ones, so they clear */
        env->fx.fcw |= 0x3f;
        env->fx.fsw = x87_fsw_normalize(env->fx.fcw, env->fx.fsw);
    }
}

/*
 * Loads the environment image in env->xmm_t0/xmm_t1. The host's FLDENV
 * loads FCW, FSW and the tags (so reserved bits and ES behave as on
 * hardware); the pointers are the guest's. For FRSTOR, the generated code
 * has already put the registers in env->fx.st, relative to the new TOP.
 */
void helper_fpu_ldenv(CPUX86State *env, uint32_t fmt)
{
    uint8_t b[32], canon[28];
    uint32_t fcw, fsw, ftw, fip, fdp, fop;
    memcpy(b, env->xmm_t0.b, 16);
    memcpy(b + 16, env->xmm_t1.b, 16);
    if (fmt & FPU_ENV_32) {
        fcw = get16(b);
        fsw = get16(b + 4);
        ftw = get16(b + 8);
        if (fmt & FPU_ENV_REAL) {
            fip = (get32(b + 12) & 0xffff) | ((get32(b + 16) >> 12) << 16);
            fop = get32(b + 16) & 0x7ff;
            fdp = (get32(b + 20) & 0xffff) | ((get32(b + 24) >> 12) << 16);
        } else {
            fip = get32(b + 12);
            fop = (get32(b + 16) >> 16) & 0x7ff;
            fdp = get32(b + 20);
        }
    } else {
        fcw = get16(b);
        fsw = get16(b + 2);
        ftw = get16(b + 4);
        fip = get16(b + 6);
        fdp = get16(b + 10);
        fop = 0;
        if (fmt & FPU_ENV_REAL) {
            fop = get16(b + 8) & 0x7ff;
            fip |= (get16(b + 8) >> 12) << 16;
            fdp |= (get16(b + 12) >> 12) << 16;
        }
    }
    /* the host's FLDENV reads the 32-bit protected-mode format */
    memset(canon, 0, sizeof(canon));
    put16(canon, fcw);
    put16(canon + 4, fsw);
    put16(canon + 8, ftw);

    X86FxState *img = fpu_img_load(env, true);
    if (fmt & FPU_ENV_SAVE) {
        /* FRSTOR: env->fx.st is relative to the new TOP */
        img->fsw = (uint16_t)(fsw & FSW_TOP_MASK);
    }
    fpu_host_run(img, fpu_stub(0x100 | (4 << 3)), canon, 0);
    fpu_img_store(env, img);
    env->fx.fip = fip;
    env->fx.fdp = fdp;
    env->fx.fop = (uint16_t)fop;
}
