/* The -d mask and -D file (softmmu/log.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "softmmu/log.h"

static void test_parse_mask(void)
{
    unsigned mask = 0x1234;
    const char *bad = NULL;

    g_assert_true(log_parse_mask("in_asm", &mask, &bad));
    g_assert_cmphex(mask, ==, LOG_IN_ASM);
    g_assert_true(log_parse_mask("unimp,guest_errors,op_opt,stats", &mask,
                                 &bad));
    g_assert_cmphex(mask, ==, LOG_UNIMP | LOG_GUEST_ERROR | LOG_OP_OPT |
                    LOG_STATS);
    /* "op" is not mistaken for a prefix of "op_opt", nor the reverse */
    g_assert_true(log_parse_mask("op", &mask, &bad));
    g_assert_cmphex(mask, ==, LOG_OP);
    g_assert_true(log_parse_mask("int,,cpu,", &mask, &bad));
    g_assert_cmphex(mask, ==, LOG_INT | LOG_CPU);
    g_assert_true(log_parse_mask("", &mask, &bad));
    g_assert_cmphex(mask, ==, 0);

    mask = 0x55;
    g_assert_false(log_parse_mask("in_asm,bogus,cpu", &mask, &bad));
    g_assert_cmpstr(bad, ==, "bogus");
    g_assert_cmphex(mask, ==, 0x55);            /* untouched on error */
    g_assert_false(log_parse_mask("in_as", &mask, &bad));
    g_assert_cmpstr(bad, ==, "in_as");
    g_assert_false(log_parse_mask("all", &mask, &bad));
}

static void test_help_lists_every_item(void)
{
    static const char *const names[] = {
        "in_asm", "op", "op_opt", "out_asm", "int", "cpu", "exec", "unimp",
        "guest_errors", "stats",
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    unsigned mask;

    log_print_help(out);
    fclose(out);
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *line = g_strdup_printf("\n%s ", names[i]);
        g_assert_nonnull(strstr(buf, line));
        g_assert_true(log_parse_mask(names[i], &mask, NULL));
        g_free(line);
    }
    free(buf);
}

static void test_file(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("bt86-log-XXXXXX", &path, NULL);
    char *text = NULL;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "stale\n", 6), ==, 6);
    close(fd);

    g_assert_true(log_file() == stderr);
    g_assert_true(log_set_file(path));
    g_assert_true(log_file() != stderr);
    log_mask = LOG_INT;
    log_printf("line %d\n", 1);
    log_mask_printf(LOG_INT, "line %d\n", 2);
    log_mask_printf(LOG_CPU, "not shown\n");
    log_mask = 0;
    log_flush();

    /* the file is truncated, like QEMU's -D */
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "line 1\nline 2\n");
    g_free(text);
    unlink(path);
    g_free(path);

    g_assert_false(log_set_file("/nonexistent-dir/log"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/log/parse-mask", test_parse_mask);
    g_test_add_func("/log/help", test_help_lists_every_item);
    g_test_add_func("/log/file", test_file);

    return g_test_run();
}
