/*
 * x87 workloads for the fpu kernel. fpucalc.c is compiled for the x87
 * alone (-mno-sse -mfpmath=387) with the same flags into the kernel and
 * into fpucalc-native, whose output is the kernel's expected output.
 */
#ifndef TESTS_BAREMETAL_FPUCALC_H
#define TESTS_BAREMETAL_FPUCALC_H

#define FPUCALC_GREETING "bt86 bare-metal kit: fpu\n"
#define FPUCALC_DONE     "fpu: done\n"

/* printf(3) on the host, kit_printf in the kernel; only integer
 * conversions are used. */
typedef int (*fpucalc_printf_fn)(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Runs every workload (with the FPU as FNINIT leaves it) and prints one
 * "name: value" line for each. */
void fpucalc_report(fpucalc_printf_fn print);

#endif
