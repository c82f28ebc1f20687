/*
 * The x87 as the system sees it (SDM Vol. 3A 2.5, 9.2, table 2-2 and
 * 12.2; Vol. 1 8.6-8.7): CPUID.1:EDX.FPU; #NM for x87 instructions under
 * CR0.EM or CR0.TS, and for WAIT/FWAIT only under CR0.TS with CR0.MP;
 * with CR0.NE = 1, an unmasked exception is held (ES) until the next
 * waiting x87 instruction (FLDCW too), which raises #MF before it
 * executes and before its operand is read, while the no-wait forms
 * (FNSTSW, FNCLEX, FNINIT, FNSTENV) do not fault; the state an unmasked
 * zero divide leaves; FNINIT's state.
 */
#include "kit.h"

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)

static void set_cr0_bits(uint64_t set, uint64_t clear)
{
    write_cr0((read_cr0() | set) & ~clear);
}

#define TRY(asmstr) __asm__ volatile(KIT_TRY(asmstr) : : : "r11", "memory")

/* Translated once with CR0.TS clear, run again with it set: the
 * translation must not be reused (CR0.TS is part of the block's key). */
static __attribute__((noinline)) void fld1_once(void)
{
    TRY("fld1");
}

static uint16_t fnstsw(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    return sw;
}

static uint16_t fnstcw(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static void nm_checks(void)
{
    set_cr0_bits(CR0_EM, CR0_TS | CR0_MP);
    TRY("fld1");
    kit_expect_fault("CR0.EM: fld1 raises #NM", 7, 0, KIT_SEL_CS64);
    TRY("fnstsw %%ax");
    kit_expect_fault("CR0.EM: fnstsw raises #NM", 7, 0, KIT_SEL_CS64);
    TRY("fwait");
    kit_expect_no_fault("CR0.EM: fwait runs");

    set_cr0_bits(CR0_TS, CR0_EM | CR0_MP);
    TRY("fninit");
    kit_expect_fault("CR0.TS: fninit raises #NM", 7, 0, KIT_SEL_CS64);
    TRY("fwait");
    kit_expect_no_fault("CR0.TS, MP clear: fwait runs");
    set_cr0_bits(CR0_TS | CR0_MP, 0);
    TRY("fwait");
    kit_expect_fault("CR0.TS and MP: fwait raises #NM", 7, 0, KIT_SEL_CS64);
    set_cr0_bits(CR0_EM, CR0_TS);
    TRY("fwait");
    kit_expect_no_fault("CR0.EM and MP: fwait runs");

    set_cr0_bits(0, CR0_EM);
    __asm__ volatile("fninit");
    fld1_once();
    kit_expect_no_fault("x87 on: fld1 runs");
    set_cr0_bits(CR0_TS, 0);
    fld1_once();
    kit_expect_fault("CR0.TS after a run without: #NM", 7, 0, KIT_SEL_CS64);
    __asm__ volatile("clts");
    fld1_once();
    kit_expect_no_fault("after CLTS: fld1 runs");
}

/* 1 / 0 with ZM unmasked: ST(0) = 0, ST(1) = 1, FDIVP ST(1), ST(0) */
static void pending_zero_divide(void)
{
    uint16_t cw = 0x037b;
    __asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfldz\n\t"
                     ".byte 0xde, 0xf9" : : "m"(cw) : "memory");
}

static void mf_checks(void)
{
    set_cr0_bits(CR0_NE | CR0_MP, CR0_EM | CR0_TS);
    __asm__ volatile("fninit");
    pending_zero_divide();
    /* a pre-computation exception: ST(1) and TOP stay (SDM Vol. 1
     * 8.5.3), ZE, ES and B set */
    uint16_t sw = fnstsw();
    kit_result("unmasked 1/0: fsw", sw == 0xb084, "fsw 0x%04x", sw);
    TRY("fnstsw %%ax");
    kit_expect_no_fault("pending: fnstsw runs");
    TRY("fwait");
    kit_expect_fault("pending: fwait raises #MF", 16, 0, KIT_SEL_CS64);
    TRY("fld1");
    kit_expect_fault("pending: fld1 raises #MF", 16, 0, KIT_SEL_CS64);
    /* #MF comes before the operand's access (not mapped: #PF) */
    TRY("fildl 0x7ffff000");
    kit_expect_fault("pending: fild m32 raises #MF", 16, 0, KIT_SEL_CS64);
    __asm__ volatile("fnclex");
    TRY("fwait");
    kit_expect_no_fault("after fnclex: fwait runs");
    sw = fnstsw();
    kit_result("after fnclex: fsw", sw == 0x3000, "fsw 0x%04x", sw);

    /* FLDCW waits too: it cannot mask what is pending */
    pending_zero_divide();
    uint16_t cw = 0x037f;
    __asm__ volatile(KIT_TRY("fldcw %0") : : "m"(cw) : "r11", "memory");
    kit_expect_fault("pending: fldcw raises #MF", 16, 0, KIT_SEL_CS64);

    pending_zero_divide();
    uint8_t env[28];
    __asm__ volatile("fnstenv %0" : "=m"(env));
    kit_result("fnstenv: masks all", fnstcw() == 0x037f, "fcw 0x%04x",
               fnstcw());
    TRY("fwait");
    kit_expect_no_fault("after fnstenv: fwait runs");
    kit_result("fnstenv: image", env[0] == 0x7b && env[1] == 0x03 &&
               env[4] == 0x84 && env[5] == 0xb0 && env[8] == 0xff &&
               env[9] == 0x1f, "%02x%02x %02x%02x %02x%02x", env[1], env[0],
               env[5], env[4], env[9], env[8]);

    pending_zero_divide();
    __asm__ volatile("fninit");
    __asm__ volatile("fnstenv %0" : "=m"(env));
    kit_result("fninit: fcw fsw ftw", env[0] == 0x7f && env[1] == 0x03 &&
               env[4] == 0 && env[5] == 0 && env[8] == 0xff &&
               env[9] == 0xff, "%02x%02x %02x%02x %02x%02x", env[1], env[0],
               env[5], env[4], env[9], env[8]);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    uint32_t r[4];
    kit_printf("bt86 bare-metal kit: fpu-exc\n");
    kit_cpuid(1, 0, r);
    kit_result("cpuid: FPU", r[3] & 1, "edx 0x%x", r[3]);
    kit_catch(7);
    kit_catch(16);
    kit_catch(14);      /* should #MF not come first */
    nm_checks();
    mf_checks();
    kit_finish();
}
