/* Bare-metal test kit: serial output, printf, exit, checks, exceptions. */
#include "kit.h"

#define KIT_NUM_VECTORS 32

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

_Noreturn void kit_finish(void)
{
    if (kit_check_failures) {
        kit_printf("%u check(s) failed\n", kit_check_failures);
        kit_exit(KIT_EXIT_FAIL);
    }
    kit_exit(KIT_EXIT_PASS);
}

void kit_set_exception_handler(unsigned vec, kit_exception_fn fn)
{
    if (vec < KIT_NUM_VECTORS) {
        kit_exception_handlers[vec] = fn;
    }
}

void kit_exception(struct kit_frame *frame)
{
    kit_exception_fn fn = frame->vec < KIT_NUM_VECTORS
                          ? kit_exception_handlers[frame->vec] : NULL;
    if (fn) {
        fn(frame);
        return;
    }
    kit_printf("EXCEPTION vec=%lu err=0x%lx rip=0x%016lx", frame->vec,
               frame->err, frame->rip);
    if (frame->vec == 14) {
        kit_printf(" cr2=0x%016lx", read_cr2());
    }
    kit_putc('\n');
    kit_exit(KIT_EXIT_EXCEPTION);
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
