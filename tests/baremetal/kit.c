/* Bare-metal test kit: serial output, printf, exit, checks, exceptions. */
#include "kit.h"

#define KIT_NUM_VECTORS 256     /* boot.S installs a stub for each */

/* 16550 registers, as offsets from the base port. */
#define UART_THR    0   /* transmit holding (DLAB = 0) */
#define UART_DLL    0   /* divisor low (DLAB = 1) */
#define UART_IER    1
#define UART_DLM    1
#define UART_FCR    2
#define UART_LCR    3
#define UART_MCR    4
#define UART_LSR    5
#define UART_LCR_DLAB   0x80
#define UART_LCR_8N1    0x03
#define UART_LSR_THRE   0x20

unsigned kit_check_failures;
static kit_exception_fn kit_exception_handlers[KIT_NUM_VECTORS];

/* Emulators ignore most of this, but a real 16550 needs a line setup. */
static void kit_serial_init(void)
{
    outb(KIT_COM1 + UART_IER, 0x00);            /* we poll: no interrupts */
    outb(KIT_COM1 + UART_LCR, UART_LCR_DLAB);
    outb(KIT_COM1 + UART_DLL, 0x01);            /* 115200 baud */
    outb(KIT_COM1 + UART_DLM, 0x00);
    outb(KIT_COM1 + UART_LCR, UART_LCR_8N1);
    outb(KIT_COM1 + UART_FCR, 0xC7);            /* FIFOs on and cleared */
    outb(KIT_COM1 + UART_MCR, 0x03);            /* DTR, RTS; OUT2 off: no IRQ */
}

void kit_putc(char c)
{
    while (!(inb(KIT_COM1 + UART_LSR) & UART_LSR_THRE)) {
    }
    outb(KIT_COM1 + UART_THR, (uint8_t)c);
}

void kit_puts(const char *s)
{
    while (*s) {
        kit_putc(*s++);
    }
    kit_putc('\n');
}

static void kit_put_repeated(char c, int n)
{
    for (; n > 0; n--) {
        kit_putc(c);
    }
}

/* 2^64 - 1 has 20 decimal digits; one more for the terminator. */
#define KIT_NUM_BUF_SIZE 21

/* Writes v's digits, terminated, to the end of buf; returns the first. */
static char *kit_format_unsigned(char buf[KIT_NUM_BUF_SIZE], uint64_t v,
                                 unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = buf + KIT_NUM_BUF_SIZE - 1;

    *p = '\0';

    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    return p;
}

int kit_vprintf(const char *fmt, va_list ap)
{
    int count = 0;

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            kit_putc(*fmt);
            count++;
            continue;
        }
        fmt++;

        bool left = false, zero = false;
        for (;; fmt++) {
            if (*fmt == '-') {
                left = true;
            } else if (*fmt == '0') {
                zero = true;
            } else {
                break;
            }
        }
        int width = 0;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = true;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') {
                width = width * 10 + (*fmt++ - '0');
            }
        }
        /* 0: int, 1: long or size_t, 2: long long (all 64-bit but int). */
        int size = 0;
        if (*fmt == 'z') {
            size = 1;
            fmt++;
        } else {
            while (*fmt == 'l' && size < 2) {
                size++;
                fmt++;
            }
        }

        char buf[KIT_NUM_BUF_SIZE];
        const char *body;
        const char *prefix = "";
        int len;
        bool numeric = true;
        uint64_t u;

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = size == 0 ? va_arg(ap, int)
                      : size == 1 ? va_arg(ap, long)
                      : va_arg(ap, long long);
            if (v < 0) {
                prefix = "-";
                u = -(uint64_t)v;   /* right for INT64_MIN too */
            } else {
                u = (uint64_t)v;
            }
            body = kit_format_unsigned(buf, u, 10, false);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
            u = size == 0 ? va_arg(ap, unsigned)
              : size == 1 ? va_arg(ap, unsigned long)
              : va_arg(ap, unsigned long long);
            body = kit_format_unsigned(buf, u, *fmt == 'u' ? 10 : 16,
                                       *fmt == 'X');
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            if (u) {
                prefix = "0x";
                body = kit_format_unsigned(buf, u, 16, false);
            } else {
                body = "(nil)";     /* as glibc */
                numeric = false;
            }
            break;
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            buf[1] = '\0';
            body = buf;
            numeric = false;
            break;
        case 's':
            body = va_arg(ap, const char *);
            if (!body) {
                body = "(null)";
            }
            numeric = false;
            break;
        case '%':
            kit_putc('%');
            count++;
            continue;
        case '\0':
            /* A lone '%' at the end: stop at the terminator. */
            return count;
        default:
            /* Unsupported: show it rather than guess at its arguments. */
            kit_putc('%');
            kit_putc(*fmt);
            count += 2;
            continue;
        }

        if (*fmt == 'c') {
            len = 1;                /* %c of '\0' still prints one byte */
        } else {
            for (len = 0; body[len]; len++) {
            }
        }
        int prefix_len = prefix[0] ? (prefix[1] ? 2 : 1) : 0;
        int pad = width - prefix_len - len;
        if (pad < 0) {
            pad = 0;
        }
        /* As in C: '0' pads numbers after the sign; '-' overrides it. */
        bool zero_pad = zero && numeric && !left;

        if (!left && !zero_pad) {
            kit_put_repeated(' ', pad);
        }
        for (int i = 0; i < prefix_len; i++) {
            kit_putc(prefix[i]);
        }
        if (zero_pad) {
            kit_put_repeated('0', pad);
        }
        for (int i = 0; i < len; i++) {
            kit_putc(body[i]);
        }
        if (left) {
            kit_put_repeated(' ', pad);
        }
        count += pad + prefix_len + len;
    }
    return count;
}

int kit_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int count = kit_vprintf(fmt, ap);
    va_end(ap);
    return count;
}

_Noreturn void kit_exit(unsigned code)
{
    outl(KIT_DEBUG_EXIT_PORT, code);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void kit_check_failed(const char *file, int line, const char *expr)
{
    kit_check_failures++;
    kit_printf("FAIL %s:%d: %s\n", file, line, expr);
}

bool kit_result(const char *name, bool ok, const char *fmt, ...)
{
    if (ok) {
        kit_printf("%s: ok\n", name);
        return true;
    }
    kit_check_failures++;
    kit_printf("%s: FAIL (", name);
    va_list ap;
    va_start(ap, fmt);
    kit_vprintf(fmt, ap);
    va_end(ap);
    kit_puts(")");
    return false;
}

_Noreturn void kit_finish(void)
{
    if (kit_check_failures) {
        kit_printf("%u check(s) failed\n", kit_check_failures);
        kit_exit(KIT_EXIT_FAIL);
    }
    kit_exit(KIT_EXIT_PASS);
}

void kit_pic_init(uint8_t master_mask, uint8_t slave_mask)
{
    outb(0x20, 0x11);                   /* ICW1: edge, cascade, ICW4 */
    outb(0x21, KIT_PIC_VEC_BASE);
    outb(0x21, 0x04);                   /* slave on IRQ 2 */
    outb(0x21, 0x01);                   /* 8086 mode */
    outb(0xA0, 0x11);
    outb(0xA1, KIT_PIC_VEC_BASE + 8);
    outb(0xA1, 0x02);
    outb(0xA1, 0x01);
    outb(0x21, master_mask);
    outb(0xA1, slave_mask);
}

void kit_set_exception_handler(unsigned vec, kit_exception_fn fn)
{
    if (vec < KIT_NUM_VECTORS) {
        kit_exception_handlers[vec] = fn;
    }
}

static _Noreturn void kit_unhandled(struct kit_frame *frame)
{
    kit_printf("EXCEPTION vec=%lu err=0x%lx rip=0x%016lx", frame->vec,
               frame->err, frame->rip);
    if (frame->vec == 14) {
        kit_printf(" cr2=0x%016lx", read_cr2());
    }
    kit_putc('\n');
    kit_exit(KIT_EXIT_EXCEPTION);
}

void kit_exception(struct kit_frame *frame)
{
    kit_exception_fn fn = frame->vec < KIT_NUM_VECTORS
                          ? kit_exception_handlers[frame->vec] : NULL;
    if (!fn) {
        kit_unhandled(frame);
    }
    fn(frame);
}

_Noreturn void kit_start(uint32_t mb_magic, uint64_t mb_info)
{
    kit_serial_init();
    kmain(mb_magic, mb_info);
    kit_puts("kit: kmain returned");
    kit_exit(KIT_EXIT_RETURNED);
}

/*
 * GCC may emit calls to these four even in freestanding code (struct
 * copies, large initialisers). The kernels are built with
 * -fno-tree-loop-distribute-patterns so these loops stay loops.
 */
void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) {
            return *x - *y;
        }
    }
    return 0;
}

/* ---- System-programming helpers (kit.h, kit_sys_init) ---- */

#define KIT_STACK_SIZE_SYS  (16 * 1024)
#define PTE_U               (1ull << 2)
#define PTE_PS              (1ull << 7)
#define PTE_ADDR_MASK       0x000FFFFFFFFFF000ull

/* Accessed bits preset, as in boot.S; slots 7-8 get the TSS at run time. */
uint64_t kit_gdt[KIT_GDT_ENTRIES] __attribute__((aligned(16))) = {
    0,
    0x00AF9B000000FFFF,     /* 0x08: 64-bit code, DPL 0 */
    0x00CF93000000FFFF,     /* 0x10: flat data, DPL 0 */
    0x00CF9B000000FFFF,     /* 0x18: 32-bit code, DPL 0 */
    0x00CFFB000000FFFF,     /* 0x20: 32-bit code, DPL 3 */
    0x00CFF3000000FFFF,     /* 0x28: flat data, DPL 3 */
    0x00AFFB000000FFFF,     /* 0x30: 64-bit code, DPL 3 */
};

struct kit_tss kit_tss __attribute__((aligned(16)));
struct kit_frame kit_user_exit_frame;

/* The stacks: RSP0 for traps from ring 3, and the stack user code runs on. */
static char kit_rsp0_stack[KIT_STACK_SIZE_SYS] __attribute__((aligned(16)));
static char kit_user_stack[KIT_STACK_SIZE_SYS] __attribute__((aligned(16)));
char *const kit_user_stack_top = kit_user_stack + KIT_STACK_SIZE_SYS;
/* kit_run_user's saved kernel RSP (callee-saved registers above it). */
uint64_t kit_user_saved_rsp;

/*
 * kit_run_user: save the callee-saved registers and RSP, then IRETQ to
 * the trampoline at CPL 3. kit_user_abort: back to that RSP, with value
 * as kit_run_user's result.
 */
__asm__(
    ".pushsection .text\n"
    ".globl kit_run_user\n"
    ".type kit_run_user, @function\n"
    "kit_run_user:\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    movq %rsp, kit_user_saved_rsp(%rip)\n"
    "    pushq $0x2b\n"                     /* SS = KIT_SEL_UDS | 3 */
    "    pushq kit_user_stack_top(%rip)\n"  /* RSP */
    "    pushq $0x2\n"                      /* RFLAGS: IF = 0 */
    "    pushq $0x33\n"                     /* CS = KIT_SEL_UCS64 | 3 */
    "    leaq kit_user_trampoline(%rip), %rax\n"
    "    pushq %rax\n"
    "    movq %rdi, %rax\n"
    "    movq %rsi, %rdi\n"
    "    iretq\n"
    ".size kit_run_user, . - kit_run_user\n"
    "kit_user_trampoline:\n"            /* CPL 3 */
    "    call *%rax\n"
    "    int $0xf0\n"                   /* KIT_VEC_USER_EXIT */
    "    ud2\n"
    ".globl kit_user_abort\n"
    ".type kit_user_abort, @function\n"
    "kit_user_abort:\n"
    "    movq kit_user_saved_rsp(%rip), %rsp\n"
    "    movl $0x10, %eax\n"            /* KIT_SEL_DS */
    "    movl %eax, %ds\n"
    "    movl %eax, %es\n"
    "    movl %eax, %ss\n"
    "    movq %rdi, %rax\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    ".size kit_user_abort, . - kit_user_abort\n"
    ".popsection\n");

_Static_assert(sizeof(struct kit_tss) == 104, "64-bit TSS is 104 bytes");
_Static_assert(KIT_SEL_UDS == 0x28 && KIT_SEL_UCS64 == 0x30,
               "kit_run_user's selectors");

void kit_gdt_set(unsigned index, uint64_t desc)
{
    if (index < KIT_GDT_ENTRIES) {
        kit_gdt[index] = desc;
    }
}

void kit_set_gate(unsigned vec, unsigned attr, unsigned ist)
{
    if (vec < KIT_NUM_VECTORS) {
        uint8_t *gate = (uint8_t *)&kit_idt[vec * 2];
        gate[4] = (uint8_t)(ist & 7);
        gate[5] = (uint8_t)attr;
    }
}

static void kit_user_exit(struct kit_frame *frame)
{
    kit_user_exit_frame = *frame;
    kit_user_abort(frame->rax);
}

void kit_sys_init(void)
{
    uint64_t base = (uintptr_t)&kit_tss;
    uint64_t limit = sizeof(kit_tss) - 1;

    kit_tss.rsp[0] = (uintptr_t)(kit_rsp0_stack + KIT_STACK_SIZE_SYS);
    kit_tss.iomap_base = sizeof(kit_tss);       /* no I/O bitmap */
    /* Available 64-bit TSS (type 9), DPL 0, present. */
    kit_gdt[KIT_SEL_TSS / 8] = kit_seg_desc((uint32_t)base, (uint32_t)limit,
                                            0x89, 0);
    kit_gdt[KIT_SEL_TSS / 8 + 1] = base >> 32;

    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } gdtr = { sizeof(kit_gdt) - 1, (uintptr_t)kit_gdt };
    __asm__ volatile(
        "lgdt %0\n"
        "pushq $0x08\n"                 /* reload CS from the new table */
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1: movl $0x10, %%eax\n"
        "movl %%eax, %%ds\n"
        "movl %%eax, %%es\n"
        "movl %%eax, %%ss\n"
        "movw %1, %%ax\n"
        "ltr %%ax\n"
        : : "m"(gdtr), "i"(KIT_SEL_TSS) : "rax", "memory");

    /* User code runs in the identity map: U/S = 1 at every level. */
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR_MASK);
    pml4[0] |= PTE_U;
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & PTE_ADDR_MASK);
    pdpt[0] |= PTE_U;
    uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[0] & PTE_ADDR_MASK);
    for (int i = 0; i < 512; i++) {
        pd[i] |= PTE_U;
    }
    write_cr3(read_cr3());

    kit_set_gate(KIT_VEC_USER_EXIT, KIT_GATE_INTR | KIT_GATE_DPL3, 0);
    kit_set_exception_handler(KIT_VEC_USER_EXIT, kit_user_exit);
}

/* ---- Expected exceptions (KIT_TRY) ---- */

uint64_t kit_try_insn, kit_try_resume;
volatile uint64_t kit_caught_count;
struct kit_frame kit_caught;
uint64_t kit_caught_cr2;
uint64_t kit_caught_resume;

static void kit_catcher(struct kit_frame *frame)
{
    if (!kit_try_resume) {
        kit_puts("kit: exception outside KIT_TRY");
        kit_unhandled(frame);
    }
    kit_caught = *frame;
    kit_caught_cr2 = read_cr2();
    kit_caught_count++;
    kit_caught_resume = kit_try_resume;
    frame->rip = kit_try_resume;
    kit_try_resume = 0;
}

void kit_catch(unsigned vec)
{
    kit_set_exception_handler(vec, kit_catcher);
}

void kit_catch_reset(void)
{
    kit_caught_count = 0;
    memset(&kit_caught, 0, sizeof(kit_caught));
    kit_caught_cr2 = 0;
}

bool kit_expect_fault(const char *name, unsigned vec, uint64_t err,
                      uint64_t cs)
{
    bool ok;

    if (kit_caught_count == 0) {
        ok = kit_result(name, false, "no exception");
    } else {
        ok = kit_result(name, kit_caught_count == 1 && kit_caught.vec == vec &&
                        kit_caught.err == err && kit_caught.cs == cs &&
                        kit_caught.rip == kit_try_insn,
                        "%lu exception(s), last vec %lu err 0x%lx cs 0x%lx "
                        "rip 0x%lx; want vec %u err 0x%lx cs 0x%lx rip 0x%lx",
                        kit_caught_count, kit_caught.vec, kit_caught.err,
                        kit_caught.cs, kit_caught.rip, vec, err, cs,
                        kit_try_insn);
    }
    kit_catch_reset();
    return ok;
}

bool kit_expect_no_fault(const char *name)
{
    bool ok = kit_result(name, kit_caught_count == 0,
                         "vec %lu err 0x%lx cs 0x%lx", kit_caught.vec,
                         kit_caught.err, kit_caught.cs);
    kit_catch_reset();
    return ok;
}

bool kit_try_rdmsr(uint32_t msr, uint64_t *val)
{
    uint64_t lo = 0xDEAD, hi = 0xBEEF;
    uint64_t before = kit_caught_count;

    kit_catch(13);
    __asm__ volatile(KIT_TRY("rdmsr")
                     : "+a"(lo), "+d"(hi)
                     : "c"(msr)
                     : "r11", "memory");
    if (val) {
        *val = (hi << 32) | (uint32_t)lo;
    }
    return kit_caught_count == before;
}

bool kit_try_wrmsr(uint32_t msr, uint64_t val)
{
    uint64_t before = kit_caught_count;

    kit_catch(13);
    __asm__ volatile(KIT_TRY("wrmsr")
                     :
                     : "c"(msr), "a"((uint32_t)val), "d"(val >> 32)
                     : "r11", "memory");
    return kit_caught_count == before;
}

void kit_cpuid_leaves(struct kit_cpuid_leaves *id)
{
    *id = (struct kit_cpuid_leaves){ 0 };
    kit_cpuid(0, 0, id->c0);
    kit_cpuid(1, 0, id->c1);
    if (id->c0[0] >= 7) {
        kit_cpuid(7, 0, id->c7);
    }
    kit_cpuid(0x80000000u, 0, id->e0);
    if (id->e0[0] >= 0x80000001u) {
        kit_cpuid(0x80000001u, 0, id->e1);
    }
    if (id->e0[0] >= 0x80000007u) {
        kit_cpuid(0x80000007u, 0, id->e7);
    }
    if (id->e0[0] >= 0x80000008u) {
        kit_cpuid(0x80000008u, 0, id->e8);
    }
}
