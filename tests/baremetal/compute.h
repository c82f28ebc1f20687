/*
 * Integer workloads for the hello kernel. compute.c uses only freestanding
 * headers, so the same file builds into the kernel and into
 * compute-native, whose output is the kernel's expected output.
 */
#ifndef TESTS_BAREMETAL_COMPUTE_H
#define TESTS_BAREMETAL_COMPUTE_H

#define COMPUTE_GREETING    "bt86 bare-metal kit: hello\n"
#define COMPUTE_DONE        "hello: done\n"

/* printf(3) on the host, kit_printf in the kernel. */
typedef int (*compute_printf_fn)(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Runs every workload and prints one "name: value" line for each. */
void compute_report(compute_printf_fn print);

#endif
