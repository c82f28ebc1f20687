/* Prints the hello kernel's expected output: same workloads, host printf. */
#include <stdio.h>

#include "compute.h"

int main(void)
{
    printf("%s", COMPUTE_GREETING);
    compute_report(printf);
    printf("%s", COMPUTE_DONE);
    return 0;
}
