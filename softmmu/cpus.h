/* The vCPU thread: runs the guest CPU of a machine off the main thread. */
#ifndef SOFTMMU_CPUS_H
#define SOFTMMU_CPUS_H

#include "hw/i386/pc.h"

/*
 * Starts the thread that runs pc->cpu until the process exits. It calls
 * cpu_exec() without the global lock (the CPU takes it around I/O), sleeps
 * while the guest is halted, and performs the machine resets requested.
 */
void vcpu_start(PCMachine *pc);

/* The machine system_reset_request resets: set by main once it exists. */
void system_set_machine(PCMachine *pc);

/*
 * What the guest asks of the machine (a reset register, the keyboard
 * controller's pulse, a triple fault; ACPI S5). Any thread, under the
 * global lock. A reset resets the whole machine and boots the guest
 * again (see pc_reset): the vCPU thread does it once it is out of
 * cpu_exec, or, with no vCPU thread (-accel qtest), the caller at once.
 * Under -no-reboot a reset ends bt86 with status 0, as poweroff does.
 */
void system_reset_request(void);
void system_poweroff_request(void);

#endif
