/* One logging facility: -d selects what is logged, -D where to. */
#ifndef SOFTMMU_LOG_H
#define SOFTMMU_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum {
    LOG_IN_ASM       = 1u << 0,
    LOG_OP           = 1u << 1,
    LOG_OP_OPT       = 1u << 2,
    LOG_OUT_ASM      = 1u << 3,
    LOG_INT          = 1u << 4,
    LOG_CPU          = 1u << 5,
    LOG_EXEC         = 1u << 6,
    LOG_UNIMP        = 1u << 7,
    LOG_GUEST_ERROR  = 1u << 8,
    LOG_STATS        = 1u << 9,
};

extern unsigned log_mask;

static inline bool log_enabled(unsigned mask)
{
    return (log_mask & mask) != 0;
}

/* Parse "in_asm,op,..." into a mask; on an unknown item returns false and
 * points *bad at a NUL-terminated copy of that item (valid until the next
 * call). Empty items are skipped. "help" is handled by the caller. */
bool log_parse_mask(const char *list, unsigned *mask, const char **bad);
void log_print_help(FILE *out);
/* -D FILE; returns false (errno set) if it cannot be opened. */
bool log_set_file(const char *path);
FILE *log_file(void);
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_flush(void);

#define log_mask_printf(mask, ...)                                            \
    do {                                                                      \
        if (log_enabled(mask)) {                                              \
            log_printf(__VA_ARGS__);                                          \
        }                                                                     \
    } while (0)

#endif
