/*
 * The command line's -device errors: each bad spelling ends bt86 with
 * status 1 and one line on stderr naming what is wrong. The machine is
 * the qtest one with -qtest stdio on an empty stdin, so a command line
 * that is accepted ends with status 0 as soon as stdin closes.
 */
#include <string.h>
#include <sys/wait.h>

#include "tests/qtest/libqtest.h"


static void test_device_unknown(void)
{
    qtest_expect_cmdline_error("-device nosuch", "device 'nosuch' is not supported");
    qtest_expect_cmdline_error("-device e1001,addr=3", "device 'e1001' is not supported");
}

static void test_device_bad_addr(void)
{
    qtest_expect_cmdline_error("-device pci-testdev,addr=20", "invalid addr '20'");
    qtest_expect_cmdline_error("-device pci-testdev,addr=3.8", "invalid addr '3.8'");
    qtest_expect_cmdline_error("-device pci-testdev,addr=zz", "invalid addr 'zz'");
    qtest_expect_cmdline_error("-device pci-testdev,addr=", "invalid addr ''");
    qtest_expect_cmdline_error("-device pci-testdev,addr=3.", "invalid addr '3.'");
    qtest_expect_cmdline_error("-device pci-testdev,addr=-1", "invalid addr '-1'");
    qtest_expect_cmdline_error("-device pci-testdev,addr=0x", "invalid addr '0x'");
}

static void test_device_taken(void)
{
    qtest_expect_cmdline_error("-device pci-testdev,addr=0",
                 "PCI address 00.0 is taken by i440fx");
    qtest_expect_cmdline_error("-device pci-testdev,addr=1",
                 "PCI address 01.0 is taken by piix3");
    qtest_expect_cmdline_error("-device pci-testdev,addr=01.3",
                 "PCI address 01.3 is taken by piix4-pm");
    qtest_expect_cmdline_error("-device pci-testdev,addr=5 -device pci-testdev,addr=0x5",
                 "PCI address 05.0 is taken by pci-testdev");
}

static void test_device_props(void)
{
    qtest_expect_cmdline_error("-device pci-testdev,bogus=1",
                 "pci-testdev has no property 'bogus'");
    qtest_expect_cmdline_error("-device isa-debug-exit,iobase=0x60",
                 "overlap another device");
    qtest_expect_cmdline_error("-device isa-debug-exit,iobase=0xcf8,iosize=1",
                 "overlap another device");
    qtest_expect_cmdline_error("-device isa-debug-exit,iobase=0x3fc",     /* COM1 */
                 "overlap another device");
    qtest_expect_cmdline_error("-device isa-debug-exit,iobase=0x500,iosize=4 "
                 "-device isa-debug-exit,iobase=0x503",
                 "ports 0x503+0x2 overlap another device");
}

static void test_device_ok(void)
{
    qtest_expect_cmdline_ok("-device pci-testdev,addr=0x3");
    qtest_expect_cmdline_ok("-device pci-testdev,addr=03.0 -device pci-testdev,addr=1f.7");
    qtest_expect_cmdline_ok("-device driver=pci-testdev -device pci-testdev");
    qtest_expect_cmdline_ok("-serial none -device isa-debug-exit,iobase=0x3f8");
}

static void test_device_help(void)
{
    g_autofree char *err = NULL, *out = NULL;

    g_assert_cmpint(qtest_run_bt86("-device help", &err, &out), ==, 0);
    g_assert_nonnull(strstr(out, "pci-testdev"));
    g_assert_nonnull(strstr(out, "isa-debug-exit"));
}

static void test_machine_props(void)
{
    qtest_expect_cmdline_error("-machine pc,kernel-unpack=maybe",
                 "kernel-unpack: 'on' or 'off', not 'maybe'");
    qtest_expect_cmdline_error("-machine pc,bogus=1",
                 "property 'bogus' is not supported");
    qtest_expect_cmdline_ok("-machine pc,kernel-unpack=off");
    qtest_expect_cmdline_ok("-machine kernel-unpack=on");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cmdline/device-unknown", test_device_unknown);
    g_test_add_func("/cmdline/device-bad-addr", test_device_bad_addr);
    g_test_add_func("/cmdline/device-taken", test_device_taken);
    g_test_add_func("/cmdline/device-props", test_device_props);
    g_test_add_func("/cmdline/device-ok", test_device_ok);
    g_test_add_func("/cmdline/device-help", test_device_help);
    g_test_add_func("/cmdline/machine-props", test_machine_props);
    return g_test_run();
}
