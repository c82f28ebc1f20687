/*
 * The -d mask and the -D file.
 *
 * The vCPU thread and the main thread both log, so every write to the log
 * file goes through log_lock; a line from one thread is never cut into by
 * the other.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <glib.h>

#include "softmmu/log.h"

unsigned log_mask;

typedef struct LogItem {
    unsigned mask;
    const char *name;
    const char *help;
} LogItem;

/* The one list of -d items: parsing and `-d help` both read it. */
static const LogItem log_items[] = {
    { LOG_IN_ASM, "in_asm", "show the guest code of each block translated" },
    { LOG_OP, "op", "show the IR generated for each block" },
    { LOG_OP_OPT, "op_opt", "show the IR of each block after optimisation" },
    { LOG_OUT_ASM, "out_asm", "show the host code generated for each block" },
    { LOG_INT, "int",
      "show interrupts and exceptions as they are delivered, and resets" },
    { LOG_CPU, "cpu", "show the CPU state before each block is executed" },
    { LOG_EXEC, "exec", "show each block as it is executed" },
    { LOG_UNIMP, "unimp",
      "log unimplemented features and accesses to unassigned memory or ports" },
    { LOG_GUEST_ERROR, "guest_errors",
      "log invalid operations by the guest (e.g. writes to ROM)" },
    { LOG_STATS, "stats",
      "print translation, exception and reset counts at exit" },
};

static GMutex log_lock;
/* NULL means stderr: stderr is not a constant, so it cannot initialise this. */
static FILE *log_fp;
/* The unknown item last reported by log_parse_mask, NUL-terminated. */
static char *log_bad_item;

FILE *log_file(void)
{
    return log_fp ? log_fp : stderr;
}

bool log_parse_mask(const char *list, unsigned *mask, const char **bad)
{
    unsigned result = 0;
    const char *p = list;

    while (*p) {
        size_t len = strcspn(p, ",");
        size_t i;

        /* "in_asm,,op" and a trailing comma are harmless: skip empty items. */
        if (len > 0) {
            for (i = 0; i < G_N_ELEMENTS(log_items); i++) {
                if (strlen(log_items[i].name) == len &&
                    memcmp(log_items[i].name, p, len) == 0) {
                    result |= log_items[i].mask;
                    break;
                }
            }
            if (i == G_N_ELEMENTS(log_items)) {
                g_free(log_bad_item);
                log_bad_item = g_strndup(p, len);
                if (bad) {
                    *bad = log_bad_item;
                }
                return false;
            }
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    *mask = result;
    return true;
}

void log_print_help(FILE *out)
{
    fprintf(out, "Log items (comma separated):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(log_items); i++) {
        fprintf(out, "%-12s %s\n", log_items[i].name, log_items[i].help);
    }
}

bool log_set_file(const char *path)
{
    /* Truncate, as QEMU does: a log file holds one run. */
    FILE *fp = fopen(path, "w");

    if (!fp) {
        return false;
    }
    /* Line-buffered so a crash or a kill loses at most a partial line. */
    setvbuf(fp, NULL, _IOLBF, 0);

    g_mutex_lock(&log_lock);
    FILE *old = log_fp;
    log_fp = fp;
    g_mutex_unlock(&log_lock);

    if (old) {
        int saved = errno;
        fclose(old);
        errno = saved;
    }
    return true;
}

void log_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_mutex_lock(&log_lock);
    vfprintf(log_file(), fmt, ap);
    g_mutex_unlock(&log_lock);
    va_end(ap);
}

void log_flush(void)
{
    g_mutex_lock(&log_lock);
    fflush(log_file());
    g_mutex_unlock(&log_lock);
}
