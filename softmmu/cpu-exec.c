/*
 * The vCPU run loop: deliver pending exceptions and interrupts, find the
 * next translation block, chain it to the previous one, run it.
 */
#include <inttypes.h>

#include "softmmu/bql.h"
#include "softmmu/log.h"
#include "softmmu/tb.h"
#include "target-x86/helper.h"
#include "tcg/tuning.h"

static bool cpu_handle_interrupt(CPUX86State *env)
{
    uint32_t req = __atomic_load_n(&env->interrupt_request, __ATOMIC_ACQUIRE);

    /* NMI: above INTR, regardless of IF; not in a MOV SS/STI shadow */
    if ((req & CPU_INTERRUPT_NMI) && !env->nmi_blocked && !env->inhibit_irq) {
        cpu_reset_interrupt(env, CPU_INTERRUPT_NMI);
        env->nmi_blocked = true;
        env->halted = false;
        x86_do_hw_interrupt(env, EXCP02_NMI);
        return true;
    }
    if ((req & CPU_INTERRUPT_HARD) && (env->eflags & IF_MASK) &&
        !env->inhibit_irq && env->get_interrupt_vector) {
        bql_lock();
        int vec = env->get_interrupt_vector(env->irq_opaque);
        bql_unlock();
        if (vec >= 0) {
            env->halted = false;
            x86_do_hw_interrupt(env, vec);
            return true;
        }
    }
    return false;
}

int cpu_exec(CPUX86State *env)
{
    /* volatile: they live across the sigsetjmp below */
    TranslationBlock *volatile last_tb = NULL;
    volatile int last_slot = 0;
    volatile uint64_t flush_count = env->tbc->flush_count;

    if (sigsetjmp(env->jmp_env, 0) != 0) {
        /* an exception left generated code or a helper */
        last_tb = NULL;
    }
    for (;;) {
        if (env->exception_index >= 0) {
            int excp = env->exception_index;
            if (excp >= EXCP_INTERRUPT) {
                env->exception_index = -1;
                return excp;
            }
            /* a fault during delivery longjmps back with a new index */
            x86_do_interrupt(env);
            env->exception_index = -1;
            env->inhibit_irq = false;
            last_tb = NULL;
        }
        if (env->exit_request) {
            __atomic_store_n(&env->exit_request, 0, __ATOMIC_SEQ_CST);
            uint32_t req = __atomic_load_n(&env->interrupt_request,
                                           __ATOMIC_ACQUIRE);
            if (req & CPU_INTERRUPT_EXIT) {
                cpu_reset_interrupt(env, CPU_INTERRUPT_EXIT);
                return EXCP_INTERRUPT;
            }
        }
        /* Cheap here: only reached when a block did not chain. */
        if (env->interrupt_request && cpu_handle_interrupt(env)) {
            last_tb = NULL;
        }
        if (env->halted) {
            return EXCP_HLT;
        }
        /* In an interrupt shadow, run one instruction alone (see translate) */
        bool inhibited = env->inhibit_irq;
        bool single = env->single_insn;
        uint32_t flags = env->hflags | (inhibited ? HF_INHIBIT_IRQ : 0) |
                         (single ? HF_SINGLE_INSN : 0);

        if (log_enabled(LOG_CPU)) {
            x86_cpu_dump_state(env, log_file());
        }
        TranslationBlock *tb = tb_find(env, env->rip, env->segs[R_CS].base,
                                       flags);
        if (env->tbc->flush_count != flush_count) {
            flush_count = env->tbc->flush_count;
            last_tb = NULL;
        }
        if (last_tb && !inhibited && !single && tcg_tuning.chain) {
            tb_add_jump(last_tb, last_slot, tb);
        }
        if (log_enabled(LOG_EXEC)) {
            log_printf("Trace %p [%016" PRIx64 "/%08x]\n", (void *)tb->tc_ptr,
                       tb->pc, tb->flags);
        }
        uintptr_t ret = tcg_qemu_tb_exec(&env->tbc->tcg, env, tb->tc_ptr);
        if (inhibited) {
            env->inhibit_irq = false;
        }
        env->single_insn = false;
        last_tb = (TranslationBlock *)(ret & ~(uintptr_t)3);
        last_slot = (int)(ret & 3);
        if (last_slot == TB_EXIT_REQUESTED) {
            /* left at a block's entry: that block has not run */
            env->rip = last_tb->pc;
            last_tb = NULL;
        }
    }
}

/*
 * For indirect jumps inside generated code: the host code of the block at
 * the current state if it is in the jump cache, else the stub that returns
 * to the loop. Interrupt checks happen at the target block's entry.
 */
const void *helper_lookup_tb_ptr(CPUX86State *env)
{
    if (!tcg_tuning.jmp_cache) {
        /* -accel tcg,jmp-cache=off: the hash table, if the code TLB
         * holds the page (a page walk here could fault) */
        TranslationBlock *tb = env->inhibit_irq ? NULL
            : tb_lookup_nofill(env, env->rip, env->segs[R_CS].base,
                               env->hflags);
        return tb ? tb->tc_ptr : env->tbc->tcg.code_gen_exit0;
    }
    TranslationBlock *tb = env->tb_jmp_cache[tb_jmp_cache_hash(env->rip)];
    if (tb && tb->pc == env->rip && tb->cs_base == env->segs[R_CS].base &&
        tb->flags == env->hflags && !env->inhibit_irq && !tb->invalid) {
        return tb->tc_ptr;
    }
    return env->tbc->tcg.code_gen_exit0;
}
