/* Exits at once: the start-up cost that the other workloads include. */
#include "kit.h"

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    kit_printf("bench-null\n");
    kit_exit(0);
}
