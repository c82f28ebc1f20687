/*
 * Control registers in 64-bit mode, valid use (SDM Vol. 3A 2.5; Vol. 2B
 * MOV to/from control registers, CLTS, LMSW, SMSW): what MOV to CR0, CR2,
 * CR4 and CR8 accepts and reads back, CR0.ET hardwired, CLTS and LMSW,
 * #UD for CR1, CR5-CR7 and CR9-CR15, and #GP(0) for MOV CR, CLTS at
 * CPL 3. cr-gp.c has the values MOV to CR must refuse.
 */
#include "cr.h"
#include "kit.h"

static uint64_t read_cr8(void)
{
    uint64_t v;
    __asm__ volatile("movq %%cr8, %0" : "=r"(v));
    return v;
}

static void cr4_read_back(const char *name, uint64_t bit, bool present)
{
    uint64_t cr4 = read_cr4();

    if (!present) {
        kit_printf("%s: ok\n", name);
        return;
    }
    try_write_cr4(cr4 | bit);
    uint64_t set = read_cr4();
    try_write_cr4(cr4 & ~bit);
    uint64_t clear = read_cr4();
    write_cr4(cr4);
    kit_result(name, kit_caught_count == 0 && set == (cr4 | bit) &&
               clear == (cr4 & ~bit), "%lu exception(s); set -> 0x%lx, "
               "clear -> 0x%lx", kit_caught_count, set, clear);
    kit_catch_reset();
}

/* ---- CPL 3 ---- */

static uint64_t user_read_cr0(uint64_t arg)
{
    uint64_t v = 0;
    (void)arg;
    __asm__ volatile(KIT_TRY("movq %%cr0, %0") : "+r"(v) : : "r11", "memory");
    return v;
}

static uint64_t user_write_cr4(uint64_t v)
{
    __asm__ volatile(KIT_TRY("movq %0, %%cr4") : : "r"(v) : "r11", "memory");
    return 0;
}

static uint64_t user_write_cr8(uint64_t v)
{
    __asm__ volatile(KIT_TRY("movq %0, %%cr8") : : "r"(v) : "r11", "memory");
    return 0;
}

static uint64_t user_read_cr3(uint64_t arg)
{
    uint64_t v = 0;
    (void)arg;
    __asm__ volatile(KIT_TRY("movq %%cr3, %0") : "+r"(v) : : "r11", "memory");
    return v;
}

static uint64_t user_smsw(uint64_t arg)
{
    uint16_t v = 0;
    (void)arg;
    __asm__ volatile(KIT_TRY("smsw %0") : "+m"(v) : : "r11", "memory");
    return v;
}

static uint64_t user_clts(uint64_t arg)
{
    (void)arg;
    __asm__ volatile(KIT_TRY("clts") : : : "r11", "memory");
    return 0;
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    struct kit_cpuid_leaves id;
    uint32_t *c1 = id.c1, *c7 = id.c7;

    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: cr");
    kit_sys_init();
    kit_catch(6);
    kit_catch(13);
    kit_catch_reset();

    kit_cpuid_leaves(&id);

    uint64_t cr0 = read_cr0(), cr4 = read_cr4();
    kit_result("CR0.PE and CR0.PG set, CR4.PAE set",
               (cr0 & (CR0_PE | CR0_PG)) == (CR0_PE | CR0_PG) &&
               (cr4 & CR4_PAE), "CR0 0x%lx CR4 0x%lx", cr0, cr4);

    /* ---- CR0 ---- */
    uint64_t want = cr0 | CR0_WP | CR0_AM | CR0_NE | CR0_MP;
    write_cr0(want);
    uint64_t v = read_cr0();
    kit_result("CR0.WP/AM/NE/MP read back", v == want,
               "wrote 0x%lx, read 0x%lx", want, v);
    write_cr0(cr0);
    write_cr0(cr0 & ~CR0_ET);
    v = read_cr0();
    kit_result("CR0.ET is hardwired to 1", v & CR0_ET, "CR0 0x%lx", v);
    write_cr0(cr0);
    write_cr0(cr0 | CR0_CD | CR0_NW);
    v = read_cr0();
    write_cr0(cr0);
    kit_result("CR0.CD=1 NW=1 accepted",
               (v & (CR0_CD | CR0_NW)) == (CR0_CD | CR0_NW), "CR0 0x%lx", v);

    /* CLTS clears TS; LMSW loads MP/EM/TS and can set PE but not clear it. */
    write_cr0(cr0 | CR0_TS);
    v = read_cr0();
    __asm__ volatile(KIT_TRY("clts") : : : "r11", "memory");
    uint64_t v2 = read_cr0();
    kit_result("clts clears CR0.TS",
               kit_caught_count == 0 && (v & CR0_TS) && !(v2 & CR0_TS),
               "%lu exception(s); after set 0x%lx, after clts 0x%lx",
               kit_caught_count, v, v2);
    kit_catch_reset();
    __asm__ volatile(KIT_TRY("lmsw %w0")
                     : : "r"(CR0_MP | CR0_TS) : "r11", "memory");
    v = read_cr0();
    kit_result("lmsw loads MP and TS",
               kit_caught_count == 0 &&
               (v & 0xF) == (CR0_PE | CR0_MP | CR0_TS) &&
               (v >> 16) == (cr0 >> 16), "%lu exception(s) (vec %lu), CR0 "
               "0x%lx", kit_caught_count, kit_caught.vec, v);
    kit_catch_reset();
    __asm__ volatile(KIT_TRY("lmsw %w0") : : "r"(0) : "r11", "memory");
    v2 = read_cr0();
    write_cr0(cr0);
    kit_result("lmsw cannot clear PE",
               kit_caught_count == 0 && (v2 & 0xF) == CR0_PE &&
               (v2 >> 16) == (cr0 >> 16), "%lu exception(s) (vec %lu), CR0 "
               "0x%lx", kit_caught_count, kit_caught.vec, v2);
    kit_catch_reset();

    /* ---- CR4 ---- */
    cr4_read_back("CR4.PGE read back", CR4_PGE, c1[3] & (1u << 13));
    cr4_read_back("CR4.PSE read back", CR4_PSE, c1[3] & (1u << 3));
    cr4_read_back("CR4.PCE read back", CR4_PCE, true);

    /* ---- CR2 and CR8 ---- */
    uint64_t cr2_val = 0xFFFF800012345678ull;
    __asm__ volatile("movq %0, %%cr2" : : "r"(cr2_val));
    v = read_cr2();
    kit_result("CR2 read back", v == cr2_val, "CR2 0x%lx", v);
    try_write_cr8(5);
    v = read_cr8();
    kit_result("CR8 read back", kit_caught_count == 0 && v == 5,
               "%lu exception(s), CR8 %lu", kit_caught_count, v);
    kit_catch_reset();
    try_write_cr8(0);

    /* ---- CR1, CR5-CR7, CR9-CR15: #UD ---- */
    __asm__ volatile(KIT_TRY(".byte 0x0f, 0x20, 0xc8") : : : "rax", "r11");
    kit_expect_fault("mov from cr1: #UD", 6, 0, KIT_SEL_CS64);
    __asm__ volatile(KIT_TRY(".byte 0x0f, 0x22, 0xc8") : : "a"(0) : "r11");
    kit_expect_fault("mov to cr1: #UD", 6, 0, KIT_SEL_CS64);
    __asm__ volatile(KIT_TRY(".byte 0x0f, 0x20, 0xe8") : : : "rax", "r11");
    kit_expect_fault("mov from cr5: #UD", 6, 0, KIT_SEL_CS64);
    __asm__ volatile(KIT_TRY(".byte 0x0f, 0x22, 0xf8") : : "a"(0) : "r11");
    kit_expect_fault("mov to cr7: #UD", 6, 0, KIT_SEL_CS64);
    __asm__ volatile(KIT_TRY(".byte 0x44, 0x0f, 0x20, 0xc8")
                     : : : "rax", "r11");
    kit_expect_fault("mov from cr9: #UD", 6, 0, KIT_SEL_CS64);

    /* ---- CPL 3 ---- */
    kit_run_user(user_read_cr0, 0);
    kit_expect_fault("mov from cr0 at CPL 3: #GP(0)", 13, 0, 0x33);
    kit_run_user(user_read_cr3, 0);
    kit_expect_fault("mov from cr3 at CPL 3: #GP(0)", 13, 0, 0x33);
    kit_run_user(user_write_cr4, cr4);
    kit_expect_fault("mov to cr4 at CPL 3: #GP(0)", 13, 0, 0x33);
    kit_run_user(user_write_cr8, 0);
    kit_expect_fault("mov to cr8 at CPL 3: #GP(0)", 13, 0, 0x33);
    kit_run_user(user_clts, 0);
    kit_expect_fault("clts at CPL 3: #GP(0)", 13, 0, 0x33);
    if (!(c7[2] & (1u << 2)) || !(cr4 & CR4_UMIP)) {
        uint64_t msw = kit_run_user(user_smsw, 0);
        kit_result("smsw at CPL 3 (UMIP off) reads CR0[15:0]",
                   kit_caught_count == 0 && msw == (read_cr0() & 0xFFFF),
                   "%lu exception(s), msw 0x%lx", kit_caught_count, msw);
        kit_catch_reset();
    } else {
        kit_puts("smsw at CPL 3 (UMIP off) reads CR0[15:0]: ok");
    }

    kit_puts("cr: done");
    kit_finish();
}
