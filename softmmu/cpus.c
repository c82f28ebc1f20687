/*
 * The global lock, the vCPU thread and the cross-thread CPU requests.
 *
 * Any thread may ask the vCPU to leave generated code (cpu_exit) or raise an
 * interrupt on it (cpu_interrupt); the vCPU sees the request at its next
 * block entry, or is woken if it sleeps in HLT.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "softmmu/bql.h"
#include "softmmu/cpus.h"
#include "softmmu/log.h"

/* Static GMutex/GCond need no init. Not recursive: whoever holds it knows. */
static GMutex bql;

/*
 * A halted vCPU sleeps on halt_cond. The waker sets its request bit first,
 * then broadcasts under halt_lock; the sleeper checks the bits under
 * halt_lock, so a wake-up between its check and its sleep cannot be lost.
 * One condition serves every vCPU: each rechecks its own requests.
 */
static GMutex halt_lock;
static GCond halt_cond;

void bql_lock(void)
{
    g_mutex_lock(&bql);
}

void bql_unlock(void)
{
    g_mutex_unlock(&bql);
}

void cpu_exit(CPUX86State *env)
{
    __atomic_store_n(&env->exit_request, 1, __ATOMIC_SEQ_CST);
}

void cpu_interrupt(CPUX86State *env, uint32_t mask)
{
    __atomic_fetch_or(&env->interrupt_request, mask, __ATOMIC_SEQ_CST);
    cpu_exit(env);

    g_mutex_lock(&halt_lock);
    g_cond_broadcast(&halt_cond);
    g_mutex_unlock(&halt_lock);
}

void cpu_reset_interrupt(CPUX86State *env, uint32_t mask)
{
    __atomic_fetch_and(&env->interrupt_request, ~mask, __ATOMIC_SEQ_CST);
}

/*
 * What ends HLT (SDM Vol. 2A HLT): an NMI (unless one is being handled),
 * or an external interrupt the CPU accepts, i.e. with IF set; with IF
 * clear a pending INTR leaves the CPU halted, as on hardware. EXIT is
 * bt86's own: someone wants the vCPU back in its loop.
 */
static bool vcpu_has_work(CPUX86State *env)
{
    uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_SEQ_CST);

    if ((req & CPU_INTERRUPT_EXIT) ||
        ((req & CPU_INTERRUPT_NMI) && !env->nmi_blocked)) {
        return true;
    }
    return (req & CPU_INTERRUPT_HARD) && (env->eflags & IF_MASK);
}

static void vcpu_wait_halted(CPUX86State *env)
{
    env->halted = true;
    g_mutex_lock(&halt_lock);
    while (!vcpu_has_work(env)) {
        g_cond_wait(&halt_cond, &halt_lock);
    }
    g_mutex_unlock(&halt_lock);
    env->halted = false;
    /* EXIT only meant "stop sleeping"; left set, the next HLT would spin. */
    cpu_reset_interrupt(env, CPU_INTERRUPT_EXIT);
}

/*
 * Machine reset. A request from the vCPU thread (an I/O write inside
 * cpu_exec) or any other thread only sets reset_pending and makes the
 * vCPU leave cpu_exec; the vCPU thread performs the reset back in its
 * loop, where no translated code is running. Under -accel qtest there is
 * no vCPU thread: the request resets at once, on the main thread.
 */
static PCMachine *current_pc;
static bool vcpu_running;
static int reset_pending;
static uint64_t reset_count;

void system_set_machine(PCMachine *pc)
{
    current_pc = pc;
}

/* Under the global lock. */
static void system_reset(PCMachine *pc)
{
    char *err = NULL;

    reset_count++;
    if (log_enabled(LOG_INT | LOG_CPU)) {
        log_printf("reset: machine reset %" PRIu64 "\n", reset_count);
    }
    if (!pc_reset(pc, &err)) {
        fprintf(stderr, "bt86: reset: %s\n", err);
        exit(1);
    }
}

void system_reset_request(void)
{
    PCMachine *pc = current_pc;

    if (!pc || pc->cfg.no_reboot) {
        exit(0);
    }
    if (!vcpu_running) {
        system_reset(pc);
        return;
    }
    __atomic_store_n(&reset_pending, 1, __ATOMIC_SEQ_CST);
    cpu_interrupt(pc->cpu, CPU_INTERRUPT_EXIT);
}

void system_poweroff_request(void)
{
    exit(0);
}

/* A triple fault resets a PC. */
static void vcpu_shutdown(PCMachine *pc)
{
    if (log_enabled(LOG_INT | LOG_CPU)) {
        log_printf("triple fault\n");
        x86_cpu_dump_state(pc->cpu, log_file());
    }
    system_reset_request();
}

static gpointer vcpu_thread(gpointer opaque)
{
    PCMachine *pc = opaque;
    CPUX86State *env = pc->cpu;

    for (;;) {
        if (__atomic_exchange_n(&reset_pending, 0, __ATOMIC_SEQ_CST)) {
            bql_lock();
            system_reset(pc);
            bql_unlock();
        }
        switch (cpu_exec(env)) {
        case EXCP_HLT:
            vcpu_wait_halted(env);
            break;
        case EXCP_SHUTDOWN:
            vcpu_shutdown(pc);
            break;
        case EXCP_INTERRUPT:
        default:
            break;
        }
    }
    return NULL;
}

/* -d stats: counts kept by the CPU, printed when bt86 exits. */
static CPUX86State *stats_cpu;

static void vcpu_print_stats(void)
{
    if (stats_cpu && log_enabled(LOG_STATS)) {
        x86_cpu_dump_stats(stats_cpu, log_file());
        fprintf(log_file(), "stats: machine resets %" PRIu64 "\n",
                reset_count);
        log_flush();
    }
}

void vcpu_start(PCMachine *pc)
{
    stats_cpu = pc->cpu;
    current_pc = pc;
    vcpu_running = true;
    atexit(vcpu_print_stats);
    /* Never joined: the process ends by exit() from whichever thread. */
    g_thread_unref(g_thread_new("vcpu0", vcpu_thread, pc));
}
