/*
 * Bare-metal test kit: what a test kernel gets after boot.S has put the CPU
 * in 64-bit mode. A kernel defines kmain(); output goes to COM1, and the
 * verdict leaves through isa-debug-exit (port 0xF4).
 */
#ifndef TESTS_BAREMETAL_KIT_H
#define TESTS_BAREMETAL_KIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Exit codes for kit_exit(). isa-debug-exit turns code into the emulator's
 * exit status (code << 1) | 1, so a passing kernel makes it exit with 1.
 */
#define KIT_EXIT_PASS       0
#define KIT_EXIT_FAIL       1   /* a KIT_CHECK failed */
#define KIT_EXIT_RETURNED   2   /* kmain returned */
#define KIT_EXIT_EXCEPTION  3   /* an exception nobody handled */

#define KIT_DEBUG_EXIT_PORT 0xF4
#define KIT_COM1            0x3F8

/* What the loader leaves in EAX (multiboot spec 3.2). */
#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002
#define MULTIBOOT_INFO_MEMORY       (1u << 0)   /* mem_lower/mem_upper valid */
#define MULTIBOOT_INFO_CMDLINE      (1u << 2)
#define MULTIBOOT_INFO_MEM_MAP      (1u << 6)

/* The start of the multiboot information structure (spec 3.3). */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;         /* KiB below 1 MiB */
    uint32_t mem_upper;         /* KiB from 1 MiB to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;           /* physical address of a C string */
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
};

/* The stack as boot.S leaves it for kit_exception(), lowest address first. */
struct kit_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vec, err;              /* err is 0 for vectors without one */
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Each test kernel defines this; the first 1 GiB is identity mapped. */
void kmain(uint32_t mb_magic, uint64_t mb_info);

static inline void outb(uint16_t port, uint8_t val)
{
    __asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t val)
{
    __asm__ volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t val)
{
    __asm__ volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t val;
    __asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t val;
    __asm__ volatile("inw %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t val;
    __asm__ volatile("inl %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

/* PCI configuration space through mechanism #1 (ports 0xCF8/0xCFC);
 * devfn = slot << 3 | function */
static inline uint32_t kit_pci_config_addr(int devfn, int reg)
{
    return 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(reg & 0xfc);
}

static inline uint32_t kit_pci_readl(int devfn, int reg)
{
    outl(0xCF8, kit_pci_config_addr(devfn, reg));
    return inl(0xCFC);
}

static inline uint16_t kit_pci_readw(int devfn, int reg)
{
    outl(0xCF8, kit_pci_config_addr(devfn, reg));
    return inw(0xCFC + (reg & 2));
}

static inline uint8_t kit_pci_readb(int devfn, int reg)
{
    outl(0xCF8, kit_pci_config_addr(devfn, reg));
    return inb(0xCFC + (reg & 3));
}

static inline void kit_pci_writeb(int devfn, int reg, uint8_t v)
{
    outl(0xCF8, kit_pci_config_addr(devfn, reg));
    outb(0xCFC + (reg & 3), v);
}

static inline void kit_pci_writel(int devfn, int reg, uint32_t v)
{
    outl(0xCF8, kit_pci_config_addr(devfn, reg));
    outl(0xCFC, v);
}

static inline uint64_t read_cr2(void)
{
    uint64_t val;
    __asm__ volatile("mov %%cr2, %0" : "=r"(val));
    return val;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
                     "d"((uint32_t)(val >> 32)));
}

/* Serial output on COM1, bytes as given ('\n' is not turned into "\r\n"). */
void kit_putc(char c);
/* Like puts(3): the string, then '\n'. */
void kit_puts(const char *s);
/*
 * A printf(3) subset: %d %i %u %x %X %c %s %p %%, with the l, ll and z
 * length modifiers, the '-' and '0' flags and a field width (or '*').
 * Output matches glibc's for these, so a host build can print the
 * expected text with printf.
 */
int kit_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kit_vprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* Writes code to isa-debug-exit; halts if the device is not there. */
_Noreturn void kit_exit(unsigned code);

/* The 8259 pair programmed as a PC BIOS does (vectors 0x20-0x2F, the
 * slave on IRQ 2), with these masks. */
#define KIT_PIC_VEC_BASE 0x20
void kit_pic_init(uint8_t master_mask, uint8_t slave_mask);

/* Counts failed KIT_CHECKs; kit_finish() turns the count into the verdict. */
extern unsigned kit_check_failures;
void kit_check_failed(const char *file, int line, const char *expr);
/* Exits with KIT_EXIT_PASS, or KIT_EXIT_FAIL if any KIT_CHECK failed. */
_Noreturn void kit_finish(void);

/*
 * One line per check: "name: ok", or "name: FAIL (details)" with the
 * details from fmt, which then counts as a failed check. Returns ok.
 */
bool kit_result(const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define KIT_CHECK(cond)                                        \
    do {                                                       \
        if (!(cond)) {                                         \
            kit_check_failed(__FILE__, __LINE__, #cond);       \
        }                                                      \
    } while (0)

/*
 * A handler for one exception vector. When it returns, execution resumes
 * at frame->rip with the frame's registers, so a handler that expects a
 * fault moves rip past the faulting instruction. Vectors without a
 * handler print "EXCEPTION vec=N err=E rip=R" and exit with
 * KIT_EXIT_EXCEPTION.
 */
typedef void (*kit_exception_fn)(struct kit_frame *frame);
void kit_set_exception_handler(unsigned vec, kit_exception_fn fn);

/*
 * System-programming helpers, for kernels that need more than boot.S sets
 * up: ring 3, a TSS, IDT gate attributes. Nothing here runs unless the
 * kernel calls kit_sys_init().
 */

/* The GDT that kit_sys_init() loads. boot.S's selectors keep their values. */
#define KIT_SEL_CS64        0x08    /* 64-bit code, DPL 0 */
#define KIT_SEL_DS          0x10    /* flat data, DPL 0 */
#define KIT_SEL_CS32        0x18    /* 32-bit code, DPL 0 */
/*
 * The three user segments are in the order SYSRET needs (SDM Vol. 2B
 * SYSRET): with IA32_STAR[63:48] = KIT_SEL_UCS32, SYSRET to 64-bit mode
 * loads CS = KIT_SEL_UCS64 | 3 and SS = KIT_SEL_UDS | 3, and SYSRET to
 * compatibility mode loads CS = KIT_SEL_UCS32 | 3.
 */
#define KIT_SEL_UCS32       0x20    /* 32-bit code, DPL 3 */
#define KIT_SEL_UDS         0x28    /* flat data, DPL 3 */
#define KIT_SEL_UCS64       0x30    /* 64-bit code, DPL 3 */
#define KIT_SEL_TSS         0x38    /* 64-bit TSS: two GDT slots */
#define KIT_GDT_FIRST_FREE  10      /* slots 10.. (0x50..) are the kernel's */
#define KIT_GDT_ENTRIES     16

/* The 64-bit TSS (SDM Vol. 3A 9.7). ist[1]..ist[7] are IST1..IST7. */
struct kit_tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t ist[8];        /* ist[0] is the reserved quadword at 0x1C */
    uint64_t reserved1;
    uint16_t reserved2;
    uint16_t iomap_base;
} __attribute__((packed));

extern struct kit_tss kit_tss;
extern uint64_t kit_gdt[KIT_GDT_ENTRIES];
/* boot.S's IDT: 256 16-byte gates, each pointing at the vector's stub. */
extern uint64_t kit_idt[256 * 2];
/* The top of the stack kit_run_user's code runs on. */
extern char *const kit_user_stack_top;

/*
 * Loads the GDT above and TR, sets RSP0 (kit_tss.rsp[0]: a 16 KiB kit
 * stack, which a kernel may change), makes the identity map
 * user-accessible (U/S = 1 at every level) and installs the DPL-3 gate
 * that kit_run_user() returns through.
 */
void kit_sys_init(void);

/* A code or data descriptor: access byte (P, DPL, S, type), flags nibble. */
static inline uint64_t kit_seg_desc(uint32_t base, uint32_t limit,
                                    unsigned access, unsigned flags)
{
    return (limit & 0xFFFFull) | ((uint64_t)(base & 0xFFFFFF) << 16) |
           ((uint64_t)(access & 0xFF) << 40) |
           ((uint64_t)((limit >> 16) & 0xF) << 48) |
           ((uint64_t)(flags & 0xF) << 52) | ((uint64_t)(base >> 24) << 56);
}
#define KIT_SEG_FLAGS_4K32  0xC     /* G = 1, D/B = 1 */
#define KIT_SEG_FLAGS_4K64  0xA     /* G = 1, L = 1 */

void kit_gdt_set(unsigned index, uint64_t desc);

/*
 * Sets a gate's type/attribute byte (P, DPL, type) and IST index; the
 * handler stays the kit's stub, so kit_set_exception_handler() still
 * applies. boot.S installs every vector as KIT_GATE_INTR with IST 0.
 */
#define KIT_GATE_INTR       0x8E    /* present, DPL 0, 64-bit interrupt gate */
#define KIT_GATE_TRAP       0x8F    /* present, DPL 0, 64-bit trap gate */
#define KIT_GATE_DPL3       0x60
#define KIT_GATE_P          0x80
void kit_set_gate(unsigned vec, unsigned attr, unsigned ist);

/*
 * Runs fn(arg) at CPL 3 in 64-bit mode (CS = KIT_SEL_UCS64 | 3, SS =
 * KIT_SEL_UDS | 3, RFLAGS = 0x2, a kit stack) and returns its result.
 * The data segment registers are left as they are, so IRETQ nulls any
 * that hold a DPL-0 selector. When fn returns, the user side executes
 * INT KIT_VEC_USER_EXIT, whose frame is saved in kit_user_exit_frame;
 * DS, ES and SS are then reloaded with KIT_SEL_DS.
 */
#define KIT_VEC_USER_EXIT   0xF0
uint64_t kit_run_user(uint64_t (*fn)(uint64_t), uint64_t arg);
extern struct kit_frame kit_user_exit_frame;
/*
 * From an exception handler (or any ring-0 code reached from the user
 * side of kit_run_user): abandon the user code; kit_run_user returns value.
 */
_Noreturn void kit_user_abort(uint64_t value);

/*
 * Expected exceptions. KIT_TRY(insn) is a string for extended asm that
 * runs insn with a catch armed: if insn raises a vector passed to
 * kit_catch(), the kit's handler copies the frame into kit_caught (and
 * CR2 into kit_caught_cr2), counts it in kit_caught_count and resumes
 * right after insn, at the privilege level insn ran at. The catch is
 * disarmed after insn: a caught vector raised anywhere else is reported
 * like an unhandled exception. It clobbers r11 (name "r11" in the
 * clobbers). Works in ring 3 code too (kit_run_user).
 */
#define KIT_TRY(insn)                                   \
    "leaq 88801f(%%rip), %%r11\n\t"                    \
    "movq %%r11, kit_try_insn(%%rip)\n\t"              \
    "leaq 88802f(%%rip), %%r11\n\t"                    \
    "movq %%r11, kit_try_resume(%%rip)\n\t"            \
    "88801: " insn "\n\t"                             \
    "88802: movq $0, kit_try_resume(%%rip)\n\t"

extern uint64_t kit_try_insn, kit_try_resume;
extern volatile uint64_t kit_caught_count;
extern struct kit_frame kit_caught;
extern uint64_t kit_caught_cr2;
/* Where the last caught exception resumed: the end of its KIT_TRY insn. */
extern uint64_t kit_caught_resume;
/* Routes vec to the catching handler. */
void kit_catch(unsigned vec);
/* Clears kit_caught_count and kit_caught. */
void kit_catch_reset(void);
/*
 * Reports (kit_result) whether the last KIT_TRY raised exactly one
 * exception, vector vec with error code err, with the saved CS = cs and
 * the saved RIP at the instruction (a fault); then kit_catch_reset().
 */
bool kit_expect_fault(const char *name, unsigned vec, uint64_t err,
                      uint64_t cs);
/* Reports that no exception was caught since kit_catch_reset(); resets. */
bool kit_expect_no_fault(const char *name);

/*
 * RDMSR/WRMSR under KIT_TRY, after kit_catch(13): true if no exception
 * (kit_caught has it otherwise).
 */
bool kit_try_rdmsr(uint32_t msr, uint64_t *val);
bool kit_try_wrmsr(uint32_t msr, uint64_t val);

static inline void kit_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(subleaf));
}

/* The CPUID leaves the kit kernels look at, read once; a leaf above the
 * maximum the CPU reports is left zero. */
struct kit_cpuid_leaves {
    uint32_t c0[4], c1[4], c7[4];           /* 0, 1, (7, 0) */
    uint32_t e0[4], e1[4], e7[4], e8[4];    /* 0x80000000, -01, -07, -08 */
};
void kit_cpuid_leaves(struct kit_cpuid_leaves *id);

static inline uint64_t read_cr0(void)
{
    uint64_t val;
    __asm__ volatile("mov %%cr0, %0" : "=r"(val));
    return val;
}

static inline void write_cr0(uint64_t val)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(val) : "memory");
}

static inline uint64_t read_cr3(void)
{
    uint64_t val;
    __asm__ volatile("mov %%cr3, %0" : "=r"(val));
    return val;
}

static inline void write_cr3(uint64_t val)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(val) : "memory");
}

static inline uint64_t read_cr4(void)
{
    uint64_t val;
    __asm__ volatile("mov %%cr4, %0" : "=r"(val));
    return val;
}

static inline void write_cr4(uint64_t val)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(val) : "memory");
}

static inline void invlpg(const volatile void *p)
{
    __asm__ volatile("invlpg (%0)" : : "r"(p) : "memory");
}

/* Called by boot.S only. */
_Noreturn void kit_start(uint32_t mb_magic, uint64_t mb_info);
void kit_exception(struct kit_frame *frame);

#endif
