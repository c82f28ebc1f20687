/*
 * x87 arithmetic from fpucalc.c, whose expected output comes from running
 * the same file natively (fpucalc-native.c).
 */
#include "fpucalc.h"
#include "kit.h"

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    kit_printf("%s", FPUCALC_GREETING);
    /* x87 on, native exception reporting (#MF): SDM Vol. 3A 9.2 */
    uint64_t cr0 = read_cr0();
    cr0 &= ~(uint64_t)((1u << 2) | (1u << 3));     /* EM, TS */
    cr0 |= (1u << 1) | (1u << 5);                  /* MP, NE */
    write_cr0(cr0);
    __asm__ volatile("fninit");
    fpucalc_report(kit_printf);
    kit_printf("%s", FPUCALC_DONE);
    kit_finish();
}
