/* 16550A UART (hw/char/serial.c), driven through the port space. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "hw/char/serial.h"
#include "softmmu/clock.h"

#define BASE 0x3f8

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define THR RBR
#define FCR IIR
#define DLL RBR
#define DLM IER

typedef struct Fixture {
    IOSpace io;
    IRQLine irq;
    int level;
    int irq_calls;
    char *path;
    Chardev *chr;
    SerialState *s;
} Fixture;

static void record_irq(void *opaque, int n, int level)
{
    Fixture *f = opaque;

    g_assert_cmpint(n, ==, 4);
    f->level = level;
    f->irq_calls++;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    char *err = NULL;
    char *spec;
    int fd;

    memset(f, 0, sizeof(*f));
    fd = g_file_open_tmp("bt86-serial-XXXXXX", &f->path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    spec = g_strdup_printf("file:%s", f->path);
    f->chr = chardev_new(spec, &err);
    g_assert_null(err);
    g_assert_nonnull(f->chr);
    g_free(spec);

    irq_init(&f->irq, record_irq, f, 4);
    f->s = serial_create(&f->io, BASE, &f->irq, f->chr);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    unlink(f->path);
    g_free(f->path);
}

static uint8_t rd(Fixture *f, int reg)
{
    return io_read(&f->io, BASE + reg, 1);
}

static void wr(Fixture *f, int reg, uint8_t val)
{
    io_write(&f->io, BASE + reg, val, 1);
}

static char *output(Fixture *f)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(f->path, &text, NULL, NULL));
    return text;
}

static void test_reset(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(rd(f, LSR), ==, 0x60);      /* THRE | TEMT */
    g_assert_cmphex(rd(f, IIR), ==, 0x01);      /* nothing pending */
    g_assert_cmphex(rd(f, IER), ==, 0x00);
    g_assert_cmphex(rd(f, LCR), ==, 0x00);
    g_assert_cmphex(rd(f, MCR), ==, 0x00);
    g_assert_cmphex(rd(f, MSR), ==, 0xb0);      /* DCD | DSR | CTS */
    g_assert_cmpint(f->level, ==, 0);
    g_assert_cmpint(f->irq_calls, ==, 0);
}

static void test_transmit(Fixture *f, gconstpointer data)
{
    const char *msg = "Hello, bt86\n";
    char *text;

    for (const char *p = msg; *p; p++) {
        /* a polling driver's loop: wait for THRE, then write */
        g_assert_true(rd(f, LSR) & 0x20);
        wr(f, THR, *p);
    }
    text = output(f);
    g_assert_cmpstr(text, ==, msg);
    g_free(text);
    g_assert_cmphex(rd(f, LSR), ==, 0x60);
}

static void test_wide_access(Fixture *f, gconstpointer data)
{
    char *text;

    /* outw to THR: byte to THR, then byte to IER */
    io_write(&f->io, BASE + THR, 0x0041, 2);
    g_assert_cmphex(rd(f, IER), ==, 0x00);
    /* outw straddling SCR and the unmapped port after it */
    io_write(&f->io, BASE + SCR, 0xeecd, 2);
    g_assert_cmphex(rd(f, SCR), ==, 0xcd);
    g_assert_cmphex(io_read(&f->io, BASE + LSR, 2), ==, 0xb060);
    text = output(f);
    g_assert_cmpstr(text, ==, "A");
    g_free(text);
}

static void test_scratch(Fixture *f, gconstpointer data)
{
    for (int v = 0; v < 256; v += 0x55) {
        wr(f, SCR, v);
        g_assert_cmphex(rd(f, SCR), ==, v);
    }
}

static void test_divisor_latch(Fixture *f, gconstpointer data)
{
    char *text;

    wr(f, IER, 0x05);
    wr(f, LCR, 0x83);                           /* DLAB, 8N1 */
    wr(f, DLL, 0x01);
    wr(f, DLM, 0x02);
    g_assert_cmphex(rd(f, DLL), ==, 0x01);
    g_assert_cmphex(rd(f, DLM), ==, 0x02);
    g_assert_cmphex(rd(f, LCR), ==, 0x83);
    wr(f, LCR, 0x03);
    /* with DLAB clear the same offsets are IER and THR again */
    g_assert_cmphex(rd(f, IER), ==, 0x05);
    wr(f, LCR, 0x83);
    g_assert_cmphex(rd(f, DLL), ==, 0x01);
    g_assert_cmphex(rd(f, DLM), ==, 0x02);
    /* divisor writes never reach the line */
    text = output(f);
    g_assert_cmpstr(text, ==, "");
    g_free(text);
}

static void test_thre_irq(Fixture *f, gconstpointer data)
{
    wr(f, IER, 0x02);                           /* ETBEI */
    g_assert_cmpint(f->level, ==, 0);           /* OUT2 gates INTR */
    g_assert_cmphex(rd(f, IIR), ==, 0x02);
    g_assert_cmphex(rd(f, IIR), ==, 0x01);
    wr(f, IER, 0x00);
    wr(f, MCR, 0x08);
    wr(f, IER, 0x02);
    g_assert_cmpint(f->level, ==, 1);
    g_assert_cmphex(rd(f, IIR), ==, 0x02);      /* THRE, and that clears it */
    g_assert_cmpint(f->level, ==, 0);
    g_assert_cmphex(rd(f, IIR), ==, 0x01);

    wr(f, THR, 'x');                            /* sent at once: THRE again */
    g_assert_cmpint(f->level, ==, 1);
    wr(f, IER, 0x00);                           /* masked */
    g_assert_cmpint(f->level, ==, 0);
    g_assert_cmphex(rd(f, IIR), ==, 0x01);

    wr(f, IER, 0x02);
    g_assert_cmpint(f->level, ==, 1);
    wr(f, FCR, 0x01);                           /* FIFO bits in IIR */
    g_assert_cmphex(rd(f, IIR), ==, 0xc2);
    g_assert_cmphex(rd(f, IIR), ==, 0xc1);
    g_assert_cmpint(f->level, ==, 0);
}

static void test_loopback(Fixture *f, gconstpointer data)
{
    char *text;

    wr(f, MCR, 0x10);
    g_assert_cmphex(rd(f, MSR) & 0xf0, ==, 0x00);
    wr(f, THR, 'L');
    g_assert_cmphex(rd(f, LSR), ==, 0x61);      /* DR */
    g_assert_cmphex(rd(f, RBR), ==, 'L');
    g_assert_cmphex(rd(f, LSR), ==, 0x60);

    /* holding register only (FIFOs off): a second byte overruns */
    wr(f, THR, '1');
    wr(f, THR, '2');
    g_assert_cmphex(rd(f, LSR), ==, 0x63);      /* DR | OE */
    g_assert_cmphex(rd(f, LSR), ==, 0x61);      /* OE clears on read */
    g_assert_cmphex(rd(f, RBR), ==, '2');

    /* with FIFOs on, 16 bytes fit, in order */
    wr(f, FCR, 0x07);
    for (int i = 0; i < 16; i++) {
        wr(f, THR, 'a' + i);
    }
    g_assert_cmphex(rd(f, LSR), ==, 0x61);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(rd(f, RBR), ==, 'a' + i);
    }
    g_assert_cmphex(rd(f, LSR), ==, 0x60);

    /* modem outputs looped to inputs: RTS->CTS DTR->DSR OUT1->RI OUT2->DCD */
    wr(f, MCR, 0x1f);
    /* inputs, and deltas for all but RI (TERI is for its falling edge) */
    g_assert_cmphex(rd(f, MSR), ==, 0xfb);
    g_assert_cmphex(rd(f, MSR), ==, 0xf0);      /* deltas clear on read */
    wr(f, MCR, 0x11);
    g_assert_cmphex(rd(f, MSR), ==, 0x2d);      /* DSR; DCTS TERI DDCD */
    wr(f, MCR, 0x00);
    g_assert_cmphex(rd(f, MSR) & 0xf0, ==, 0xb0);

    /* nothing went to the backend */
    text = output(f);
    g_assert_cmpstr(text, ==, "");
    g_free(text);
}

static void test_receive(Fixture *f, gconstpointer data)
{
    const uint8_t in[] = "xyz";

    wr(f, MCR, 0x08);                           /* OUT2: IRQ to the PIC */
    wr(f, IER, 0x01);                           /* ERBFI */
    chardev_receive(f->chr, in, 1);
    g_assert_cmpint(f->level, ==, 1);
    g_assert_cmphex(rd(f, IIR), ==, 0x04);
    g_assert_cmphex(rd(f, RBR), ==, 'x');
    g_assert_cmpint(f->level, ==, 0);
    /* the holding register takes one byte; a second one overruns it */
    chardev_receive(f->chr, in + 1, 2);
    g_assert_cmphex(rd(f, LSR), ==, 0x63);
    g_assert_cmphex(rd(f, RBR), ==, 'z');
    g_assert_cmphex(rd(f, LSR), ==, 0x60);
    g_assert_cmphex(rd(f, IIR), ==, 0x01);
}

static void test_receive_fifo(Fixture *f, gconstpointer data)
{
    uint8_t in[16];

    for (int i = 0; i < 16; i++) {
        in[i] = i;
    }
    wr(f, LCR, 0x03);                           /* 8N1 at 9600: 10 bits */
    wr(f, MCR, 0x08);
    wr(f, FCR, 0x81);                           /* FIFO, trigger level 8 */
    wr(f, IER, 0x01);
    chardev_receive(f->chr, in, 3);
    /* below the trigger level: nothing until the character timeout */
    g_assert_cmphex(rd(f, IIR), ==, 0xc1);
    g_assert_cmpint(f->level, ==, 0);
    /* 4 characters of 10 bits at 9600 baud */
    clock_step_to(clock_get_ns() + 4 * 10 * 12 * 1000000000ll / 115200);
    g_assert_cmphex(rd(f, IIR), ==, 0xcc);
    g_assert_cmpint(f->level, ==, 1);
    chardev_receive(f->chr, in + 3, 13);
    g_assert_cmphex(rd(f, IIR), ==, 0xc4);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(rd(f, LSR), ==, 0x61);
        g_assert_cmphex(rd(f, RBR), ==, i);
    }
    g_assert_cmphex(rd(f, LSR), ==, 0x60);
    g_assert_cmpint(f->level, ==, 0);

    /* FCR bit 1 empties the receive FIFO */
    chardev_receive(f->chr, in, 4);
    wr(f, FCR, 0x83);
    g_assert_cmphex(rd(f, LSR), ==, 0x60);
    g_assert_cmpint(f->level, ==, 0);
}

static void test_no_chardev_no_irq(void)
{
    /* Devices live as long as the machine: static keeps LeakSanitizer calm. */
    static IOSpace io;
    static SerialState *s;
    char *err = NULL;

    s = serial_create(&io, 0x2f8, NULL, NULL);
    g_assert_nonnull(s);
    io_write(&io, 0x2f8 + IER, 0x0f, 1);
    io_write(&io, 0x2f8 + THR, 'q', 1);
    g_assert_cmphex(io_read(&io, 0x2f8 + IIR, 1), ==, 0x02);
    g_assert_cmphex(io_read(&io, 0x2f8 + LSR, 1), ==, 0x60);

    /* chardev specs the user can get wrong */
    g_assert_null(chardev_new("tcp:1234", &err));
    g_assert_cmpstr(err, ==, "'tcp:1234': expected tcp:HOST:PORT");
    g_free(err);
    err = NULL;
    g_assert_null(chardev_new("bogus", &err));
    g_assert_true(g_str_has_prefix(err, "unsupported backend 'bogus'"));
    g_free(err);
    err = NULL;
    g_assert_null(chardev_new("tcp:127.0.0.1:1,wait=off", &err));
    g_assert_cmpstr(err, ==, "'wait' is only for a server socket");
    g_free(err);
    err = NULL;
    g_assert_null(chardev_new("unix:/x,telnet", &err));
    g_assert_cmpstr(err, ==, "socket option 'telnet' is not supported");
    g_free(err);
    err = NULL;
    g_assert_null(chardev_new("file:/nonexistent-dir/x", &err));
    g_assert_cmpstr(err, ==, "could not open file "
                    "'/nonexistent-dir/x': No such file or directory");
    g_free(err);
    g_assert_nonnull(chardev_new("none", NULL));
    chardev_write(NULL, (const uint8_t *)"x", 1);
}

/* Dispatches what is ready, then again each millisecond for ms. */
static void run_main_loop_for(int ms)
{
    for (int i = 0;; i++) {
        while (g_main_context_iteration(NULL, FALSE)) {
            continue;
        }
        if (i >= ms) {
            break;
        }
        g_usleep(1000);
    }
}

/*
 * A socket peer that does not read: once the kernel's buffers are full,
 * THR stays full (THRE clear) instead of output being lost; when the peer
 * reads, everything arrives and THRE comes back with its interrupt.
 */
static void test_tx_backpressure(void)
{
    static IOSpace io;
    static IRQLine irq;
    static Fixture f;
    g_autofree char *dir = g_dir_make_tmp("bt86-serial-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "tx.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server,wait=off", path);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    const size_t limit = 64u << 20;
    char *err = NULL;

    Chardev *chr = chardev_new(spec, &err);
    g_assert_null(err);
    irq_init(&irq, record_irq, &f, 4);
    serial_create(&io, BASE, &irq, chr);

    g_assert_cmpuint(strlen(path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    /* Until bt86 has accepted, output is dropped: probe for it. */
    for (int i = 0;; i++) {
        uint8_t probe;

        g_assert_cmpint(i, <, 5000);
        io_write(&io, BASE + THR, '!', 1);
        run_main_loop_for(1);
        if (recv(fd, &probe, 1, MSG_DONTWAIT) == 1) {
            break;
        }
    }
    run_main_loop_for(10);
    while (recv(fd, (uint8_t[64]){ 0 }, 64, MSG_DONTWAIT) > 0) {
        continue;                               /* later probes */
    }

    io_write(&io, BASE + FCR, 0x07, 1);
    io_write(&io, BASE + MCR, 0x08, 1);
    io_write(&io, BASE + IER, 0x02, 1);
    g_assert_cmphex(io_read(&io, BASE + IIR, 1), ==, 0xc2);
    size_t sent = 0;
    while (sent < limit && (io_read(&io, BASE + LSR, 1) & 0x20)) {
        io_write(&io, BASE + THR, (uint8_t)(sent * 13), 1);
        sent++;
    }
    g_assert_cmpuint(sent, <, limit);
    g_test_message("THRE stayed clear after %zu bytes", sent);
    g_assert_cmphex(io_read(&io, BASE + LSR, 1) & 0x60, ==, 0);
    g_assert_cmpint(f.level, ==, 0);

    size_t got = 0;
    for (int idle = 0; got < sent && idle < 2000;) {
        uint8_t buf[65536];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0) {
            for (ssize_t i = 0; i < n; i++) {
                g_assert_cmphex(buf[i], ==, (uint8_t)((got + i) * 13));
            }
            got += n;
            idle = 0;
        } else {
            g_assert_true(n < 0 && errno == EAGAIN);
            idle++;
        }
        run_main_loop_for(n > 0 ? 0 : 1);
    }
    g_assert_cmpuint(got, ==, sent);
    g_assert_cmphex(io_read(&io, BASE + LSR, 1), ==, 0x60);
    g_assert_cmpint(f.level, ==, 1);            /* THRE interrupt */
    close(fd);
    chardev_close_all();
    rmdir(dir);
}

/*
 * mon:null in front of a UART without FIFOs: escapes are taken out, and
 * bytes the one-byte holding register cannot take wait in the mux until
 * the guest reads, then come in order.
 */
static void test_mux_hold(void)
{
    static IOSpace io;
    char *err = NULL;
    Chardev *mux = chardev_new("mon:null", &err);

    g_assert_null(err);
    serial_create(&io, BASE, NULL, mux);
    chardev_receive(mux, (const uint8_t *)"a\x01\x01" "b\x01?c", 7);
    g_assert_cmphex(io_read(&io, BASE + LSR, 1), ==, 0x61);
    g_assert_cmphex(io_read(&io, BASE + RBR, 1), ==, 'a');
    /* the rest comes from the main loop once there is room */
    g_assert_cmphex(io_read(&io, BASE + LSR, 1), ==, 0x60);
    const char want[] = { 0x01, 'b', 'c' };
    for (size_t i = 0; i < sizeof(want); i++) {
        run_main_loop_for(0);
        g_assert_cmphex(io_read(&io, BASE + LSR, 1), ==, 0x61);
        g_assert_cmphex(io_read(&io, BASE + RBR, 1), ==, want[i]);
    }
    run_main_loop_for(0);
    g_assert_cmphex(io_read(&io, BASE + LSR, 1), ==, 0x60);
    /* C-a b: a break, a zero character with BI */
    chardev_receive(mux, (const uint8_t *)"\x01" "b", 2);
    g_assert_cmphex(io_read(&io, BASE + LSR, 1), ==, 0x71);
    g_assert_cmphex(io_read(&io, BASE + RBR, 1), ==, 0);
}

#define ADD(name, fn) \
    g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    clock_init(true);

    ADD("/serial/reset", test_reset);
    ADD("/serial/transmit", test_transmit);
    ADD("/serial/wide-access", test_wide_access);
    ADD("/serial/scratch", test_scratch);
    ADD("/serial/divisor-latch", test_divisor_latch);
    ADD("/serial/thre-irq", test_thre_irq);
    ADD("/serial/loopback", test_loopback);
    ADD("/serial/receive", test_receive);
    ADD("/serial/receive-fifo", test_receive_fifo);
    g_test_add_func("/serial/no-chardev", test_no_chardev_no_irq);
    g_test_add_func("/serial/mux-hold", test_mux_hold);
    g_test_add_func("/serial/tx-backpressure", test_tx_backpressure);

    return g_test_run();
}
