/*
 * Process start: the command line (QEMU's spellings), the machine, the vCPU
 * thread, and the GLib main loop on the main thread.
 *
 * The options are one table below; parsing, the usage text and the error
 * for an unknown option all read it. A bad option or value prints one line,
 * "bt86: <what is wrong>", and exits with status 1; nothing is ignored.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib-unix.h>

#include "config.h"
#include "hw/i386/pc.h"
#include "net/netdev.h"
#include "softmmu/bql.h"
#include "softmmu/chardev.h"
#include "softmmu/clock.h"
#include "softmmu/cpus.h"
#include "softmmu/log.h"
#include "softmmu/perfmap.h"
#include "softmmu/qtest.h"
#include "tcg/tuning.h"

#define RAM_SIZE_DEFAULT (128ull << 20)
#define RAM_SIZE_MAX     (64ull << 30)
/* QEMU rounds -m up to 8 KiB; so do we, so sizes mean the same. */
#define RAM_SIZE_ALIGN   8192ull

#define DEBUGEXIT_IOBASE_DEFAULT 0x501
#define DEBUGEXIT_IOSIZE_DEFAULT 2

/* Everything the command line sets. */
typedef struct Options {
    PCConfig pc;
    bool nographic;
    unsigned log_mask;
    const char *log_path;
    const char *accel;          /* "tcg" or "qtest"; NULL: not given */
    TCGTuning tcg;              /* -accel tcg,PROP=on|off */
    const char *qtest;          /* -qtest chardev */
    const char *objects[8];     /* -object specs, made once all -netdevs are */
    int nr_objects;
} Options;

typedef struct OptionDef {
    const char *name;       /* without the leading dash */
    const char *arg;        /* how usage names the argument; NULL: none */
    void (*handler)(Options *o, const char *name, const char *arg);
    const char *help;
} OptionDef;

static void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("bt86: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- Values ---- */

/*
 * "-m" sizes: a whole number with an optional K/M/G/T suffix (either case);
 * no suffix means MiB, as in QEMU. False on junk or overflow.
 */
static bool parse_ram_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;

    if (!g_ascii_isdigit(*p)) {
        return false;
    }
    for (; g_ascii_isdigit(*p); p++) {
        if (v > (UINT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }

    unsigned shift = 20;
    if (*p) {
        switch (g_ascii_toupper(*p++)) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return false;
        }
    }
    if (*p != '\0' || v > (UINT64_MAX >> shift)) {
        return false;
    }
    *out = v << shift;
    return true;
}

/* A number in C syntax (0x1f, 017, 31), all of s, at most max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
    char *end;

    if (!g_ascii_isdigit(*s)) {
        return false;       /* no sign, no spaces: strtoull would take them */
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* Splits "key=value" in place; value is NULL when there is no '='. */
static void split_prop(char *item, char **key, char **value)
{
    char *eq = strchr(item, '=');

    *key = item;
    *value = NULL;
    if (eq) {
        *eq = '\0';
        *value = eq + 1;
    }
}

/* ---- Handlers ---- */

static void opt_memory(Options *o, const char *name, const char *arg)
{
    const char *size = arg;
    uint64_t v;

    /* QEMU's long form: -m size=512M (slots= and maxmem= are hotplug). */
    if (g_str_has_prefix(size, "size=")) {
        size += 5;
    }
    if (strchr(size, ',')) {
        die("-%s: only a size is supported, not '%s'", name, arg);
    }
    if (!parse_ram_size(size, &v) || v == 0) {
        die("-%s: invalid size '%s'", name, arg);
    }
    if (v > RAM_SIZE_MAX) {
        die("-%s: size '%s' is above the limit of %" PRIu64 " GiB", name,
            arg, (uint64_t)(RAM_SIZE_MAX >> 30));
    }
    o->pc.ram_size = (v + RAM_SIZE_ALIGN - 1) & ~(RAM_SIZE_ALIGN - 1);
}

static void opt_kernel(Options *o, const char *name, const char *arg)
{
    o->pc.kernel = arg;
}

static void opt_append(Options *o, const char *name, const char *arg)
{
    o->pc.append = arg;
}

static void opt_initrd(Options *o, const char *name, const char *arg)
{
    o->pc.initrd = arg;
}

static void opt_nographic(Options *o, const char *name, const char *arg)
{
    o->nographic = true;
}

static void opt_serial(Options *o, const char *name, const char *arg)
{
    if (o->pc.nr_serial == (int)G_N_ELEMENTS(o->pc.serial)) {
        die("-%s: at most %zu serial ports are supported", name,
            G_N_ELEMENTS(o->pc.serial));
    }
    o->pc.serial[o->pc.nr_serial++] = arg;
}

static void opt_chardev(Options *o, const char *name, const char *arg)
{
    char *err = NULL;

    if (!chardev_define(arg, &err)) {
        die("-%s: %s", name, err);
    }
}

static void opt_display(Options *o, const char *name, const char *arg)
{
    if (strcmp(arg, "none") != 0) {
        die("display '%s' is not supported", arg);
    }
}

static void opt_no_reboot(Options *o, const char *name, const char *arg)
{
    o->pc.no_reboot = true;
}

/* -rtc base=utc|localtime|DATE; QEMU's clock= and driftfix= are not
 * supported (the RTC always follows the virtual clock). */
static void opt_rtc(Options *o, const char *name, const char *arg)
{
    g_autofree char *copy = g_strdup(arg);
    char *rest = copy;

    for (char *item; (item = strsep(&rest, ","));) {
        char *key, *value;

        split_prop(item, &key, &value);
        if (strcmp(key, "base") != 0) {
            die("-%s: property '%s' is not supported", name, key);
        }
        if (!value || !rtc_parse_base(value, &o->pc.rtc_base)) {
            die("-%s: invalid base '%s' (utc, localtime or "
                "YYYY-MM-DDTHH:MM:SS)", name, value ? value : "");
        }
    }
}

static void opt_perfmap(Options *o, const char *name, const char *arg)
{
    if (!perfmap_open()) {
        die("-perfmap: could not create /tmp/perf-%d.map: %s", (int)getpid(),
            strerror(errno));
    }
}

static void set_accel(Options *o, const char *name, const char *accel)
{
    if (strcmp(accel, "tcg") == 0) {
        o->accel = "tcg";
    } else if (strcmp(accel, "qtest") == 0) {
        o->accel = "qtest";
    } else {
        die("-%s: accelerator '%s' is not supported", name, accel);
    }
}

static void opt_accel(Options *o, const char *name, const char *arg)
{
    if (strcmp(arg, "help") == 0) {
        printf("Accelerators supported in bt86:\ntcg\nqtest\n");
        exit(0);
    }
    g_autofree char *copy = g_strdup(arg);
    char *rest = copy;
    char *item = strsep(&rest, ",");
    char *key, *value;

    split_prop(item, &key, &value);
    set_accel(o, name, value && strcmp(key, "accel") == 0 ? value : item);
    /* tcg's properties switch the JIT's techniques off, to measure them */
    while ((item = strsep(&rest, ","))) {
        split_prop(item, &key, &value);
        if (strcmp(o->accel, "tcg") != 0) {
            die("-%s: property '%s' is not supported", name, key);
        }
        if (strcmp(key, "help") == 0 && !value) {
            tcg_tuning_help(stdout);
            exit(0);
        }
        g_autofree char *err = NULL;
        if (!tcg_tuning_set(&o->tcg, key, value, &err)) {
            die("-%s: %s", name, err);
        }
    }
}

static void opt_machine(Options *o, const char *name, const char *arg)
{
    if (strcmp(arg, "help") == 0) {
        printf("Supported machines are:\n"
               "pc                   Standard PC (i440FX + PIIX, 1996) "
               "(default)\n");
        exit(0);
    }
    g_autofree char *copy = g_strdup(arg);
    char *rest = copy;
    bool first = true;

    /* "pc", "pc,accel=tcg", "accel=tcg", "type=pc" */
    for (char *item; (item = strsep(&rest, ",")); first = false) {
        char *key, *value;

        split_prop(item, &key, &value);
        if (!value && first) {
            value = key;
            key = "type";
        }
        if (!value) {
            die("-%s: property '%s' needs a value", name, key);
        }
        if (strcmp(key, "type") == 0) {
            if (strcmp(value, "pc") != 0) {
                die("-%s: machine type '%s' is not supported", name, value);
            }
        } else if (strcmp(key, "accel") == 0) {
            set_accel(o, name, value);
        } else if (strcmp(key, "kernel-unpack") == 0) {
            if (strcmp(value, "on") && strcmp(value, "off")) {
                die("-%s: kernel-unpack: 'on' or 'off', not '%s'", name,
                    value);
            }
            o->pc.kernel_no_unpack = strcmp(value, "off") == 0;
        } else {
            die("-%s: property '%s' is not supported", name, key);
        }
    }
}

static void device_debugexit(Options *o, const char *name, char *props)
{
    PCDebugExit d = {
        .iobase = DEBUGEXIT_IOBASE_DEFAULT,
        .iosize = DEBUGEXIT_IOSIZE_DEFAULT,
    };

    if (o->pc.nr_debugexit == (int)G_N_ELEMENTS(o->pc.debugexit)) {
        die("-%s: at most %zu isa-debug-exit devices are supported", name,
            G_N_ELEMENTS(o->pc.debugexit));
    }
    for (char *item; (item = strsep(&props, ","));) {
        char *key, *value;
        uint64_t v;

        split_prop(item, &key, &value);
        if (strcmp(key, "iobase") == 0) {
            if (!value || !parse_number(value, 0xFFFF, &v)) {
                die("-%s: invalid iobase '%s'", name, value ? value : "");
            }
            d.iobase = v;
        } else if (strcmp(key, "iosize") == 0) {
            if (!value || !parse_number(value, 0x10000, &v) || v == 0) {
                die("-%s: invalid iosize '%s'", name, value ? value : "");
            }
            d.iosize = v;
        } else {
            die("-%s: isa-debug-exit has no property '%s'", name, key);
        }
    }
    if ((uint64_t)d.iobase + d.iosize > 0x10000) {
        die("-%s: isa-debug-exit ports 0x%" PRIx32 "+0x%" PRIx32
            " run past port 0xffff", name, d.iobase, d.iosize);
    }
    o->pc.debugexit[o->pc.nr_debugexit++] = d;
}

/*
 * A PCI address as QEMU spells it: SLOT[.FN], both hex (with or without
 * 0x: "addr=10" is slot 0x10), slot 0-1f, function 0-7.
 */
static bool parse_pci_addr(const char *s, int *devfn)
{
    unsigned long slot, fn = 0;
    char *end;

    if (!g_ascii_isxdigit(*s)) {
        return false;
    }
    errno = 0;
    slot = strtoul(s, &end, 16);
    if (errno || slot >= PCI_SLOT_MAX) {
        return false;
    }
    if (*end == '.') {
        if (!g_ascii_isxdigit(end[1])) {
            return false;
        }
        fn = strtoul(end + 1, &end, 16);
        if (errno || fn >= PCI_FUNC_MAX) {
            return false;
        }
    }
    if (*end != '\0') {
        return false;
    }
    *devfn = PCI_DEVFN((int)slot, (int)fn);
    return true;
}

/*
 * Any PCI model: addr= is taken here; the other properties go to the
 * model, which rejects what it does not know. Taken addresses and bad
 * properties are found when the machine is built, before any device is.
 */
static void device_pci(Options *o, const char *name, const char *model,
                       char *props)
{
    PCPCIDeviceOpt d = { .model = model, .devfn = -1 };
    GString *rest = g_string_new(NULL);

    if (o->pc.nr_pci_devices == (int)G_N_ELEMENTS(o->pc.pci_devices)) {
        die("-%s: at most %zu PCI devices are supported", name,
            G_N_ELEMENTS(o->pc.pci_devices));
    }
    for (char *item; props && (item = strsep(&props, ","));) {
        if (g_str_has_prefix(item, "addr=")) {
            if (!parse_pci_addr(item + 5, &d.devfn)) {
                die("-%s %s: invalid addr '%s' (SLOT[.FN] in hex: slot "
                    "0-1f, function 0-7)", name, model, item + 5);
            }
        } else if (*item) {
            g_string_append_printf(rest, "%s%s", rest->len ? "," : "", item);
        }
    }
    d.props = g_string_free(rest, FALSE);
    o->pc.pci_devices[o->pc.nr_pci_devices++] = d;
}

/* ISA -device models: one line each (PCI models come from the board). */
static const struct {
    const char *name;
    void (*create)(Options *o, const char *opt, char *props);
    const char *help;
} device_models[] = {
    { "isa-debug-exit", device_debugexit,
      "iobase=N,iosize=N: a port write of V exits with (V << 1) | 1" },
};

static void opt_device(Options *o, const char *name, const char *arg)
{
    if (strcmp(arg, "help") == 0) {
        size_t n;
        const PCPCIModel *pci = pc_pci_models(&n);

        for (size_t i = 0; i < G_N_ELEMENTS(device_models); i++) {
            printf("%-16s %s\n", device_models[i].name,
                   device_models[i].help);
        }
        for (size_t i = 0; i < n; i++) {
            printf("%-16s addr=SLOT[.FN]: %s\n", pci[i].name, pci[i].help);
        }
        exit(0);
    }
    g_autofree char *copy = g_strdup(arg);
    char *props = copy;
    char *model = strsep(&props, ",");

    /* QEMU also spells the model as a property: driver=isa-debug-exit */
    if (g_str_has_prefix(model, "driver=")) {
        model += 7;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(device_models); i++) {
        if (strcmp(model, device_models[i].name) == 0) {
            device_models[i].create(o, name, props);
            return;
        }
    }
    const PCPCIModel *pci = pc_pci_model_find(model);
    if (pci) {
        device_pci(o, name, pci->name, props);
        return;
    }
    die("-%s: device '%s' is not supported", name, model);
}

/* Backends are made as their option is read, so that an error names the
 * first bad option; libslirp's timers may be armed before clock_init,
 * which keeps them. */
static void opt_netdev(Options *o, const char *name, const char *arg)
{
    char *err = NULL;

    if (strcmp(arg, "help") == 0) {
        net_print_backend_help();
        exit(0);
    }
    bql_lock();
    NetPort *port = net_backend_create(arg, &err);
    bql_unlock();
    if (!port) {
        die("-%s: %s", name, err);
    }
}

/* -nic TYPE,...: a backend, and a -device MODEL,netdev=ID[,mac=MAC]. */
static void opt_nic(Options *o, const char *name, const char *arg)
{
    NetNicRequest req;
    char *err = NULL;

    bql_lock();
    bool ok = net_nic_create(arg, &req, &err);
    bql_unlock();
    if (!ok) {
        die("-%s: %s", name, err);
    }
    if (!req.model) {
        return;     /* -nic none */
    }
    g_autofree char *props = g_strdup_printf("netdev=%s%s%s", req.netdev,
                                             req.mac ? ",mac=" : "",
                                             req.mac ? req.mac : "");
    device_pci(o, name, req.model, props);
}

static void opt_object(Options *o, const char *name, const char *arg)
{
    if (o->nr_objects == (int)G_N_ELEMENTS(o->objects)) {
        die("-%s: at most %zu objects are supported", name,
            G_N_ELEMENTS(o->objects));
    }
    o->objects[o->nr_objects++] = arg;
}

static void opt_qtest(Options *o, const char *name, const char *arg)
{
    if (strcmp(arg, "stdio") != 0 && !g_str_has_prefix(arg, "unix:")) {
        die("-%s: '%s' is not unix:PATH or stdio", name, arg);
    }
    o->qtest = arg;
}

static void opt_log(Options *o, const char *name, const char *arg)
{
    const char *bad = NULL;

    if (strcmp(arg, "help") == 0) {
        log_print_help(stdout);
        exit(0);
    }
    if (!log_parse_mask(arg, &o->log_mask, &bad)) {
        die("-%s: unknown log item '%.*s'", name,
            bad ? (int)strcspn(bad, ",") : 0, bad ? bad : "");
    }
}

static void opt_log_file(Options *o, const char *name, const char *arg)
{
    o->log_path = arg;
}

static void opt_version(Options *o, const char *name, const char *arg)
{
    printf("bt86 version %s\n", BT86_VERSION);
    exit(0);
}

static void opt_help(Options *o, const char *name, const char *arg);

static const OptionDef options[] = {
    { "m", "SIZE", opt_memory,
      "guest RAM in MiB, or with K/M/G/T (default 128M)" },
    { "kernel", "FILE", opt_kernel, "boot this kernel (multiboot)" },
    { "append", "STR", opt_append, "the kernel command line" },
    { "initrd", "FILES", opt_initrd,
      "multiboot modules: 'FILE args,FILE args,...'" },
    { "nographic", NULL, opt_nographic,
      "no display; COM1 on mon:stdio unless -serial is given" },
    { "serial", "DEV", opt_serial,
      "next COM port (max 4): stdio, mon:stdio, file:PATH, pty, null, "
      "none, tcp:HOST:PORT[,server=on,wait=off], unix:PATH[,server...], "
      "chardev:ID" },
    { "chardev", "BACKEND,id=ID[,...]", opt_chardev,
      "a chardev for -serial chardev:ID (null, stdio, file, pty, socket)" },
    { "display", "TYPE", opt_display, "display: none" },
    { "rtc", "base=utc|localtime|DATE", opt_rtc,
      "RTC start: host time in UTC (default) or local, or a date" },
    { "perfmap", NULL, opt_perfmap,
      "write /tmp/perf-PID.map so that perf names translated code" },
    { "no-reboot", NULL, opt_no_reboot,
      "exit instead of rebooting on a guest reset" },
    { "accel", "tcg[,PROP=off]|qtest", opt_accel,
      "accelerator: tcg, or qtest (no guest runs; needs -qtest); "
      "'-accel tcg,help' lists tcg's properties" },
    { "machine", "TYPE[,accel=ACCEL][,kernel-unpack=on|off]", opt_machine,
      "machine: pc; kernel-unpack=off: a bzImage decompresses itself" },
    { "qtest", "DEV", opt_qtest,
      "serve the qtest protocol on unix:PATH (connect) or stdio" },
    { "M", "TYPE", opt_machine, "same as -machine" },
    { "device", "MODEL[,PROP=V...]", opt_device,
      "add a device ('-device help' lists them)" },
    { "netdev", "user,id=ID[,...]", opt_netdev,
      "a network backend ('-netdev help' lists the types)" },
    { "nic", "user[,model=M][,mac=MAC][,...]", opt_nic,
      "a NIC with its own -netdev backend; '-nic none': no NIC" },
    { "object", "filter-dump,id=ID,netdev=ID,file=PATH", opt_object,
      "capture a netdev's frames to a pcap file" },
    { "d", "ITEM,...", opt_log, "log these items ('-d help' lists them)" },
    { "D", "FILE", opt_log_file, "log to FILE instead of stderr" },
    { "version", NULL, opt_version, "print the version and exit" },
    { "help", NULL, opt_help, "print this help and exit" },
    { "h", NULL, opt_help, "same as -help" },
};

static void opt_help(Options *o, const char *name, const char *arg)
{
    printf("usage: bt86 [options]\n"
           "A PC emulator (x86-64) with QEMU's command line.\n\n");
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        const OptionDef *d = &options[i];
        char *left = g_strdup_printf("-%s%s%s", d->name, d->arg ? " " : "",
                                     d->arg ? d->arg : "");
        printf("  %-26s %s\n", left, d->help);
        g_free(left);
    }
    printf("\nDebug exit: a guest write of V to an isa-debug-exit port ends "
           "bt86 with\nstatus (V << 1) | 1.\n");
    exit(0);
}

/* ---- Parsing ---- */

static const OptionDef *option_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        if (strcmp(options[i].name, name) == 0) {
            return &options[i];
        }
    }
    return NULL;
}

static void options_parse(Options *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];

        if (word[0] != '-' || word[1] == '\0') {
            die("unexpected argument '%s' (disk images are not supported "
                "yet)", word);
        }
        /* As QEMU: "--kernel" is "-kernel". */
        const char *name = word + (word[1] == '-' ? 2 : 1);
        const OptionDef *d = option_find(name);
        if (!d) {
            die("unknown option '%s'", word);
        }
        const char *arg = NULL;
        if (d->arg) {
            if (i + 1 >= argc) {
                die("option '%s' needs an argument", word);
            }
            arg = argv[++i];
        }
        d->handler(o, d->name, arg);
    }
}

/*
 * QEMU's defaults, simplified: with -nographic COM1 is on mon:stdio (the
 * Ctrl-A mux; C-a x quits, C-a h lists the keys); otherwise
 * COM1 exists but its output goes nowhere ("null": QEMU would show it on
 * the display, which bt86 does not have yet). "-serial none" removes it.
 */
static void options_finish(Options *o)
{
    for (int i = 0; i < o->nr_objects; i++) {
        char *err = NULL;
        if (!net_object_create(o->objects[i], &err)) {
            die("-object: %s", err);
        }
    }
    if (o->pc.nr_serial == 0) {
        o->pc.serial[0] = o->nographic ? "mon:stdio" : "null";
        o->pc.nr_serial = 1;
    }
    /* As with QEMU under libqtest: -qtest is meant to come with
     * accel=qtest, which it implies; the guest never runs. */
    if (o->qtest && o->accel && strcmp(o->accel, "qtest") != 0) {
        die("-qtest: only -accel qtest is supported with it");
    }
    if (o->accel && strcmp(o->accel, "qtest") == 0 && !o->qtest) {
        die("-accel qtest: needs -qtest unix:PATH or -qtest stdio");
    }
    o->pc.qtest = o->qtest != NULL;
    if (o->pc.qtest) {
        if (o->pc.kernel) {
            die("-kernel: no guest runs under -accel qtest");
        }
    } else if (!o->pc.kernel) {
        die("no -kernel given (disk boot is not supported yet)");
    }
    if (o->log_path && !log_set_file(o->log_path)) {
        die("-D: could not open '%s': %s", o->log_path, g_strerror(errno));
    }
    log_mask = o->log_mask;
    tcg_tuning = o->tcg;
}

/* SIGINT/SIGTERM/SIGHUP end bt86 as QEMU does: a word and status 0, after
 * the atexit handlers have put the terminal back. */
static gboolean on_signal(gpointer opaque)
{
    fprintf(stderr, "bt86: terminating on signal %d\n",
            GPOINTER_TO_INT(opaque));
    exit(0);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    Options o = { .pc.ram_size = RAM_SIZE_DEFAULT,
                  .tcg = TCG_TUNING_DEFAULT };
    char *err = NULL;

    options_parse(&o, argc, argv);
    options_finish(&o);

    /* A guest writing to a closed socket or pipe must not kill us. */
    signal(SIGPIPE, SIG_IGN);
    atexit(log_flush);
    atexit(chardev_close_all);

    /* Before the machine: devices may read the clock as they are made. */
    clock_init(o.pc.qtest);
    PCMachine *pc = pc_create(&o.pc, &err);
    if (!pc) {
        die("%s", err);
    }
    system_set_machine(pc);

    static const int exit_signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < G_N_ELEMENTS(exit_signals); i++) {
        g_unix_signal_add(exit_signals[i], on_signal,
                          GINT_TO_POINTER(exit_signals[i]));
    }

    if (o.pc.qtest) {
        if (!qtest_start(o.qtest, &pc->as, &pc->io, &err)) {
            die("%s", err);
        }
    } else {
        vcpu_start(pc);
    }
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    g_main_loop_run(loop);
    return 0;
}
