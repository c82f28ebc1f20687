/* The vCPU thread: runs the guest CPU of a machine off the main thread. */
#ifndef SOFTMMU_CPUS_H
#define SOFTMMU_CPUS_H

#include "hw/i386/pc.h"

/*
 * Starts the thread that runs pc->cpu until the process exits. It calls
 * cpu_exec() without the global lock (the CPU takes it around I/O), sleeps
 * while the guest is halted, and ends the process on a triple fault.
 */
void vcpu_start(PCMachine *pc);

#endif
