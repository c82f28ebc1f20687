/*
 * Direct Linux boot through the real binary: a bad -kernel (or -initrd,
 * or -m) ends bt86 with status 1 and one line on stderr that names the
 * problem; the synthetic bzImage (bzimage.h) boots to its 64-bit entry and
 * reports through isa-debug-exit.
 *
 * usage: test-linuxboot-cli BT86 [GTest options]
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "bzimage.h"

static const char *bt86;
static char *tmpdir;

static char *write_file(const char *name, const uint8_t *data, size_t len)
{
    GError *gerr = NULL;
    char *path = g_build_filename(tmpdir, name, NULL);

    g_assert_true(g_file_set_contents(path, (const char *)data, len, &gerr));
    g_assert_no_error(gerr);
    return path;
}

/* Runs bt86 with args (NULL-terminated); its exit status and stderr. */
static int run_bt86(char **err_out, ...)
{
    GPtrArray *argv = g_ptr_array_new();
    va_list ap;
    const char *a;

    g_ptr_array_add(argv, (gpointer)bt86);
    va_start(ap, err_out);
    while ((a = va_arg(ap, const char *))) {
        g_ptr_array_add(argv, (gpointer)a);
    }
    va_end(ap);
    g_ptr_array_add(argv, NULL);

    GError *gerr = NULL;
    char *out = NULL;
    int wait_status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_DEFAULT, NULL, NULL, &out, err_out,
                               &wait_status, &gerr));
    g_assert_no_error(gerr);
    g_ptr_array_free(argv, TRUE);
    /* Nothing on stdout: there is no guest output in these runs. */
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    g_assert_true(WIFEXITED(wait_status));
    return WEXITSTATUS(wait_status);
}

/* Status 1 and exactly one line "bt86: ..." that mentions each needle. */
static void assert_fails(const char *what, const char *needle1,
                         const char *needle2, char *err, int status)
{
    if (status != 1) {
        g_error("%s: bt86 exited with %d, not 1 (stderr: %s)", what, status,
                err);
    }
    g_assert_true(g_str_has_prefix(err, "bt86: "));
    g_assert_true(g_str_has_suffix(err, "\n"));
    g_assert_true(strchr(err, '\n') == err + strlen(err) - 1);
    if (!strstr(err, needle1) || (needle2 && !strstr(err, needle2))) {
        g_error("%s: '%s' does not mention '%s'%s%s", what, err, needle1,
                needle2 ? " and " : "", needle2 ? needle2 : "");
    }
    g_free(err);
}

static void test_truncated(void)
{
    g_autofree uint8_t *img = bz_make();
    char *err = NULL;

    /* Cut inside the setup: "HdrS" is there, the rest is not. */
    g_autofree char *cut = write_file("cut", img, 0xe00);
    int st = run_bt86(&err, "-kernel", cut, "-display", "none", NULL);
    assert_fails("bzImage cut at 3.5 KiB", "-kernel", "truncated", err, st);

    /* Cut after the header, but the setup says it is 32 KiB long. */
    img[BZ_SETUP_SECTS_OFF] = 0x3f;
    g_autofree char *cut2 = write_file("cut2", img, 0x2000);
    st = run_bt86(&err, "-kernel", cut2, "-display", "none", NULL);
    assert_fails("bzImage cut inside its setup", "-kernel", "corrupt", err,
                 st);
    g_unlink(cut);
    g_unlink(cut2);
}

static void test_not_a_kernel(void)
{
    uint8_t junk[0x2000];
    char *err = NULL;

    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = "not a kernel\n"[i % 13];
    }
    g_autofree char *path = write_file("junk", junk, sizeof(junk));
    int st = run_bt86(&err, "-kernel", path, "-display", "none", NULL);
    assert_fails("junk", "neither", path, err, st);

    g_autofree char *missing = g_build_filename(tmpdir, "missing", NULL);
    st = run_bt86(&err, "-kernel", missing, "-display", "none", NULL);
    assert_fails("missing kernel", "could not open", missing, err, st);
    g_unlink(path);
}

static void test_bad_initrd_and_ram(void)
{
    g_autofree uint8_t *img = bz_make();
    char *err = NULL;
    g_autofree char *kernel = write_file("bzImage", img, BZ_SIZE);
    g_autofree char *missing = g_build_filename(tmpdir, "no-initrd", NULL);

    int st = run_bt86(&err, "-kernel", kernel, "-initrd", missing,
                      "-display", "none", NULL);
    assert_fails("missing initrd", "-initrd", missing, err, st);

    /* The kernel wants [16 MiB, 20 MiB). */
    st = run_bt86(&err, "-m", "16", "-kernel", kernel, "-display", "none",
                  NULL);
    assert_fails("-m 16", "-m", "20 MiB", err, st);
    g_unlink(kernel);
}

static void test_boots(void)
{
    g_autofree uint8_t *img = bz_make();
    uint8_t initrd[5000];
    char *err = NULL;

    memset(initrd, 0x5a, sizeof(initrd));
    g_autofree char *kernel = write_file("bzImage", img, BZ_SIZE);
    g_autofree char *rd = write_file("initrd", initrd, sizeof(initrd));
    int st = run_bt86(&err, "-m", "64", "-kernel", kernel, "-initrd", rd,
                      "-append", "console=ttyS0", "-display", "none",
                      "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                      NULL);
    if (st != (BZ_EXIT_OK << 1 | 1)) {
        g_error("the kernel's entry code exited with %d, not %d (stderr: "
                "%s)", st, BZ_EXIT_OK << 1 | 1, err);
    }
    g_assert_cmpstr(err, ==, "");
    g_free(err);
    g_unlink(kernel);
    g_unlink(rd);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        g_printerr("usage: %s BT86 [GTest options]\n", argv[0]);
        return 2;
    }
    bt86 = argv[1];
    argv[1] = argv[0];
    argc--;
    argv++;
    g_test_init(&argc, &argv, NULL);

    GError *gerr = NULL;
    tmpdir = g_dir_make_tmp("bt86-linuxboot-XXXXXX", &gerr);
    g_assert_no_error(gerr);

    g_test_add_func("/linuxboot-cli/truncated", test_truncated);
    g_test_add_func("/linuxboot-cli/not-a-kernel", test_not_a_kernel);
    g_test_add_func("/linuxboot-cli/bad-initrd-and-ram",
                    test_bad_initrd_and_ram);
    g_test_add_func("/linuxboot-cli/boots", test_boots);

    int ret = g_test_run();
    g_rmdir(tmpdir);
    g_free(tmpdir);
    return ret;
}
