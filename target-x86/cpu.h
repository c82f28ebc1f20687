/*
 * The guest CPU state: everything an x86-64 CPU holds, plus the softmmu TLB
 * and the bookkeeping the translator and the run loop need.
 */
#ifndef TARGET_X86_CPU_H
#define TARGET_X86_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "softmmu/memory.h"

enum {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

/* EFLAGS bits (SDM Vol. 1 3.4.3) */
#define CC_C    0x0001u
#define CC_P    0x0004u
#define CC_A    0x0010u
#define CC_Z    0x0040u
#define CC_S    0x0080u
#define TF_MASK 0x0100u
#define IF_MASK 0x0200u
#define DF_MASK 0x0400u
#define CC_O    0x0800u
#define IOPL_MASK 0x3000u
#define NT_MASK 0x4000u
#define RF_MASK 0x10000u
#define VM_MASK 0x20000u
#define AC_MASK 0x40000u
#define VIF_MASK 0x80000u
#define VIP_MASK 0x100000u
#define ID_MASK 0x200000u
#define CC_ALL (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)

/* Control registers */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)

/* CR3 with CR4.PCIDE = 1 (SDM Vol. 3A 4.5): the PCID in bits 11:0; bit 63
 * of a MOV to CR3's source asks for no invalidation and is not stored */
#define CR3_PCID_MASK 0xfffu
#define CR3_PCID_NOFLUSH (1ull << 63)

#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP (1u << 11)
#define CR4_FSGSBASE (1u << 16)
#define CR4_PCIDE (1u << 17)
#define CR4_OSXSAVE (1u << 18)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* Segment descriptor attribute bits, kept as in the descriptor's high dword. */
#define DESC_TYPE_SHIFT 8
#define DESC_A_MASK (1u << 8)
#define DESC_W_MASK (1u << 9)   /* data: writable */
#define DESC_R_MASK (1u << 9)   /* code: readable */
#define DESC_C_MASK (1u << 10)  /* code: conforming */
#define DESC_CS_MASK (1u << 11) /* code, not data */
#define DESC_S_MASK (1u << 12)  /* code/data, not system */
#define DESC_DPL_SHIFT 13
#define DESC_P_MASK (1u << 15)
#define DESC_L_MASK (1u << 21)  /* 64-bit code */
#define DESC_B_MASK (1u << 22)  /* 32-bit default size */
#define DESC_G_MASK (1u << 23)

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;
    uint32_t flags;
} SegmentCache;

typedef struct DescriptorTable {
    uint64_t base;
    uint32_t limit;
} DescriptorTable;

/*
 * hflags: the mode bits a translation depends on. They are part of a
 * translation block's key, so code translated for one mode never runs in
 * another.
 */
#define HF_CPL_MASK    0x3u
#define HF_CS32        (1u << 2)   /* 32-bit default operand size */
#define HF_SS32        (1u << 3)
#define HF_CS64        (1u << 4)   /* 64-bit code segment (long mode) */
#define HF_LMA         (1u << 5)
#define HF_PE          (1u << 6)
#define HF_ADDSEG      (1u << 7)   /* DS/ES/SS base may be non-zero */
#define HF_PG          (1u << 8)
#define HF_SMAP        (1u << 9)
#define HF_OSFXSR      (1u << 10)
#define HF_TF          (1u << 11)
#define HF_INHIBIT_IRQ (1u << 12)  /* STI / MOV SS shadow */
#define HF_SCE         (1u << 13)  /* EFER.SCE: SYSCALL/SYSRET enabled */
#define HF_SEGS_FLAT   (1u << 15)  /* ES CS SS DS: base 0, 4 GiB, usable:
                                      no segment checks outside 64-bit mode */
#define HF_MP          (1u << 16)  /* CR0.MP */
#define HF_EM          (1u << 17)  /* CR0.EM */
#define HF_TS          (1u << 18)  /* CR0.TS */
#define HF_OSXMMEXCPT  (1u << 19)  /* CR4.OSXMMEXCPT */
#define HF_OSXSAVE     (1u << 20)  /* CR4.OSXSAVE */
#define HF_AC          (1u << 21)  /* CPL 3, CR0.AM and RFLAGS.AC: #AC on
                                      misaligned data accesses */
/* (SYSCALL/SYSRET in translate.c set hflags inline: a new bit that they
 * keep must be listed in gen_set_rflags_hflags64 too) */
/* Only in a block's key, never in env->hflags: */
#define HF_SINGLE_INSN (1u << 14)  /* translate one instruction (SMC) */

/* Lazy condition codes: which operation last set the flags (see cc_helper.c). */
typedef enum CCOp {
    CC_OP_EFLAGS,     /* flags are in cc_src, in EFLAGS layout */
#define CC_OP_SIZED(name) CC_OP_##name##B, CC_OP_##name##W, CC_OP_##name##L, CC_OP_##name##Q
    CC_OP_SIZED(ADD),  /* dst = result, src = second operand */
    CC_OP_SIZED(ADC),  /* dst = result, src = second operand, src2 = carry in */
    CC_OP_SIZED(SUB),  /* dst = result, src = second operand */
    CC_OP_SBBB, CC_OP_SBBW, CC_OP_SBBL, CC_OP_SBBQ,
    CC_OP_SIZED(LOGIC),/* dst = result */
    CC_OP_SIZED(INC),  /* dst = result, src = carry flag before */
    CC_OP_SIZED(DEC),  /* dst = result, src = carry flag before */
    CC_OP_SIZED(SHL),  /* dst = result, src = value shifted by count-1 */
    CC_OP_SIZED(SAR),  /* dst = result, src = value shifted by count-1 (sar or shr) */
    CC_OP_SIZED(MUL),  /* dst = low result, src = non-zero if high part significant */
    CC_OP_SIZED(BMI),  /* dst = result (ZF, SF), src = CF; OF=0 */
    CC_OP_SIZED(LOGICCO), /* dst = result (ZF, SF, PF), src = CF|OF bits:
                             a rotate after a logic op */
    CC_OP_CLR,         /* Z and P set, rest clear (xor r,r) */
    CC_OP_NB,
#undef CC_OP_SIZED
} CCOp;

/* The TSC, the core crystal clock of CPUID 0x15 (and so the local APIC
 * timer, which Linux clocks from it) tick at 1 GHz: one per virtual ns. */
#define BT86_TSC_HZ 1000000000u

/* An XMM register (also the low half of an MMX/x87 register slot). */
typedef union XMMReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
    float s[4];
    double d[2];
} XMMReg;

/*
 * x87, MMX and SSE state, kept in the 64-bit FXSAVE layout (SDM Vol. 1
 * 10.5.1, table 10-2) so that FXSAVE/FXRSTOR are copies and helpers may
 * hand it to the host's FXRSTOR/FXSAVE as it is. st[i] is ST(i) relative
 * to TOP, as FXSAVE stores it; MMi is physical register Ri.
 * Invariant: mxcsr never has bits outside MXCSR_MASK set (a host FXRSTOR
 * of it cannot fault).
 */
typedef struct X86FxState {
    uint16_t fcw, fsw;
    uint8_t ftw;        /* abridged tag word: 1 = valid/zero/special */
    uint8_t reserved1;
    uint16_t fop;
    uint64_t fip, fdp;
    uint32_t mxcsr, mxcsr_mask;
    struct {
        uint64_t mant;
        uint16_t exp;   /* sign in bit 15 */
        uint16_t pad[3];
    } st[8];
    XMMReg xmm[16];
    uint8_t reserved2[96];
} __attribute__((aligned(16))) X86FxState;

_Static_assert(sizeof(X86FxState) == 512, "FXSAVE image is 512 bytes");

#define MXCSR_MASK 0xffffu

/* Softmmu TLB */
#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ull << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))
#define CPU_TLB_BITS 10
#define CPU_TLB_SIZE (1u << CPU_TLB_BITS)
/* Tag bits below the page number: an entry with one of these set never
 * matches the fast path and the access takes the slow path. */
#define TLB_INVALID  (1ull << 0)
#define TLB_MMIO     (1ull << 1)
#define TLB_NOTDIRTY (1ull << 2)   /* page holds translated code */

enum { MMU_KSMAP_IDX, MMU_USER_IDX, MMU_KNOSMAP_IDX, NB_MMU_MODES };

typedef struct CPUTLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;   /* host address = guest virtual + addend */
} CPUTLBEntry;

/* Exception vectors */
enum {
    EXCP00_DIVZ = 0, EXCP01_DB, EXCP02_NMI, EXCP03_INT3, EXCP04_INTO,
    EXCP05_BOUND, EXCP06_ILLOP, EXCP07_PREX, EXCP08_DBLE, EXCP09_XERR,
    EXCP0A_TSS, EXCP0B_NOSEG, EXCP0C_STACK, EXCP0D_GPF, EXCP0E_PAGE,
    EXCP10_COPR = 0x10, EXCP11_ALGN, EXCP12_MCHK, EXCP13_XMM,
};
/* Reasons to leave cpu_exec that are not guest vectors */
#define EXCP_INTERRUPT 0x10000 /* exit request: look at interrupts / stop */
#define EXCP_HLT       0x10001
#define EXCP_SHUTDOWN  0x10002 /* triple fault */

/* interrupt_request bits */
#define CPU_INTERRUPT_HARD 0x1u
#define CPU_INTERRUPT_EXIT 0x2u
#define CPU_INTERRUPT_NMI  0x4u

struct TranslationBlock;

/*
 * The local APIC as the CPU reaches it: IA32_APIC_BASE, IA32_TSC_DEADLINE
 * (in virtual-clock ns: the caller converts from TSC units) and the x2APIC
 * MSRs, and CR8 (TPR[7:4]). Set by the board; called under the global
 * lock. A false return from an MSR access is #GP(0).
 */
typedef struct X86APICOps {
    bool (*msr_read)(void *opaque, uint32_t index, uint64_t *val);
    bool (*msr_write)(void *opaque, uint32_t index, uint64_t val);
    uint8_t (*get_cr8)(void *opaque);
    void (*set_cr8)(void *opaque, uint8_t val);
} X86APICOps;

/* The jump cache: groups of 64 entries, a group per guest page (mod the
 * number of groups), so that the entries of one page can be dropped
 * alone. */
#define TB_JMP_CACHE_BITS 16
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)
#define TB_JMP_PAGE_BITS 8

typedef struct CPUX86State {
    /* Fields generated code touches often come first (short displacements). */
    uint64_t regs[16];
    uint64_t rip;
    uint64_t cc_dst, cc_src, cc_src2;
    uint64_t cc_op;      /* CCOp; 64 bits wide because it is an IR global */
    /* Read at every block entry: non-zero means leave generated code. */
    volatile int32_t exit_request;
    uint64_t eflags;     /* all bits but the six arithmetic flags (lazy) */
    uint32_t hflags;
    int32_t df;          /* +1 or -1, from EFLAGS.DF */

    X86FxState fx;       /* x87, MMX, SSE */

    SegmentCache segs[6];
    SegmentCache ldt, tr;
    DescriptorTable gdt, idt;
    uint64_t cr[9];
    uint64_t dr[8];
    uint64_t xcr0;

    /* MSRs */
    uint64_t efer, star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t tsc_aux, pat, misc_enable, tsc_offset, tsc_adjust;
    uint64_t mtrr_deftype, mtrr_fixed[11], mtrr_var[8][2];  /* base, mask */

    /* Exception being delivered */
    int exception_index;
    int error_code;
    bool exception_is_int;   /* INT n / INT3 / INTO: software interrupt */
    uint64_t exception_next_rip;
    int old_exception;       /* for double fault detection, -1 if none */
    bool ext_delivery;       /* delivering an exception or external IRQ */

    volatile uint32_t interrupt_request;
    bool halted;
    /* STI / MOV SS shadow: no external interrupt before the instruction at
     * this RIP has run (SDM Vol. 2B STI). */
    bool inhibit_irq;
    /* an NMI is being handled: the next waits for IRET (SDM Vol. 3A 6.7.1) */
    bool nmi_blocked;
    /* the next block is one instruction, after self-modifying code */
    bool single_insn;

    CPUTLBEntry tlb[NB_MMU_MODES][CPU_TLB_SIZE];
    /* guest-physical page of each entry (for MMIO and code-page writes) */
    uint64_t tlb_paddr[NB_MMU_MODES][CPU_TLB_SIZE];
    /* Entries made from a 2 MiB or 1 GiB page, one bit each: INVLPG of
     * any address in that page drops them all. */
    uint64_t tlb_large[NB_MMU_MODES][CPU_TLB_SIZE / 64];
    bool tlb_has_large_pages;
    /* Entries that hold global translations (CR4.PGE and the G bit), one
     * bit each: tlb_flush_nonglobal() keeps them. */
    uint64_t tlb_global[NB_MMU_MODES][CPU_TLB_SIZE / 64];
    bool tlb_has_global;

    struct TranslationBlock *tb_jmp_cache[TB_JMP_CACHE_SIZE];
    /* entries whose code page was reached through a global translation:
     * a CR3 load keeps them (it keeps global translations) */
    uint64_t tb_jmp_global[TB_JMP_CACHE_SIZE / 64];
    uint64_t tb_jmp_used[TB_JMP_CACHE_SIZE / 64];  /* entries set since a clear */

    uint64_t mul_hi;     /* high half from helper_mulq/imulq */
    /* scratch operands of x87/MMX/SSE helpers (memory operands) */
    XMMReg xmm_t0, xmm_t1;
    uint64_t fp_t0[2];
    /* host registers saved by a guest-memory slow path, for faults */
    uint64_t tcg_spill[16];

    struct TBCache *tbc;
    sigjmp_buf jmp_env;
    AddressSpace *as;
    IOSpace *io;
    /* Called (under the global lock) to acknowledge an external interrupt:
     * returns the vector. Set by the board. */
    int (*get_interrupt_vector)(void *opaque);
    void *irq_opaque;
    /* The local APIC (NULL: none; its MSRs #GP and CR8 is plain storage) */
    const X86APICOps *apic_ops;
    void *apic;

    /* -d stats */
    uint64_t stat_tbs_translated;
    uint64_t stat_exceptions[256];
    uint64_t stat_rdmsr, stat_wrmsr, stat_syscall, stat_sysret;
#define MSR_STAT_SLOTS 128
    uint64_t stat_msr[MSR_STAT_SLOTS][2];   /* per MSR: rdmsr, wrmsr */
} CPUX86State;

/* A 48-bit canonical address: bits 63:47 all equal (SDM Vol. 1 3.3.7.1) */
static inline bool x86_is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* Board-facing interface */
CPUX86State *x86_cpu_create(AddressSpace *as, IOSpace *io);
void x86_cpu_reset(CPUX86State *env);
/* Recompute hflags from CR0/CR4/EFER/segments. */
void x86_update_hflags(CPUX86State *env);
void x86_load_seg_cache(CPUX86State *env, int seg, uint16_t selector,
                        uint64_t base, uint32_t limit, uint32_t flags);
/* Runs guest code until an exit request, HLT or shutdown; returns EXCP_*. */
int cpu_exec(CPUX86State *env);
/* Asks the vCPU to leave generated code soon (any thread). */
void cpu_exit(CPUX86State *env);
void cpu_interrupt(CPUX86State *env, uint32_t mask);
void cpu_reset_interrupt(CPUX86State *env, uint32_t mask);
void x86_cpu_dump_state(CPUX86State *env, FILE *f);
void x86_cpu_dump_stats(CPUX86State *env, FILE *f);

#endif
