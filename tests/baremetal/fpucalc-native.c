/* Prints the fpu kernel's expected output: same workloads, host printf. */
#include <stdio.h>

#include "fpucalc.h"

int main(void)
{
    printf("%s", FPUCALC_GREETING);
    __asm__ volatile("fninit");     /* as the kernel starts */
    fpucalc_report(printf);
    printf("%s", FPUCALC_DONE);
    return 0;
}
