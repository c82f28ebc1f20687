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

/* Counts failed KIT_CHECKs; kit_finish() turns the count into the verdict. */
extern unsigned kit_check_failures;
void kit_check_failed(const char *file, int line, const char *expr);
/* Exits with KIT_EXIT_PASS, or KIT_EXIT_FAIL if any KIT_CHECK failed. */
_Noreturn void kit_finish(void);

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

/* Called by boot.S only. */
_Noreturn void kit_start(uint32_t mb_magic, uint64_t mb_info);
void kit_exception(struct kit_frame *frame);

#endif
