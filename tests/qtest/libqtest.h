/*
 * libqtest: runs bt86 under -accel qtest and speaks the qtest protocol to
 * it (see softmmu/qtest.h). Every call waits for bt86's reply with a
 * timeout, so a hung bt86 fails the test instead of hanging it.
 *
 * The bt86 binary is $BT86_BINARY (meson sets it).
 */
#ifndef TESTS_QTEST_LIBQTEST_H
#define TESTS_QTEST_LIBQTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

typedef struct QTestState QTestState;

/* Starts "bt86 -machine pc,accel=qtest -qtest unix:... -display none
 * EXTRA" (extra_args split as a shell would; may be NULL). */
QTestState *qtest_init(const char *extra_args);
/* Ends the session: closes the socket, waits for bt86, and asserts that
 * it exited with status 0 (not killed by a signal). */
void qtest_quit(QTestState *s);

/*
 * For a command that ends bt86 (poweroff, reset under -no-reboot): waits
 * until bt86 exits without closing the socket first, and returns its exit
 * status (asserting it was not killed by a signal). Frees s.
 */
int qtest_wait_exit(QTestState *s);

/* Sends one command line and returns the reply line without its newline
 * (g_free it). Asynchronous "IRQ" lines before it are recorded. */
char *qtest_cmd(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Sends bytes as they are (no newline added); replies are read with
 * qtest_recv_line. For protocol tests. */
void qtest_send_raw(QTestState *s, const void *data, size_t len);
/* The next line that is not an IRQ line, without its newline; NULL if
 * bt86 closed the connection. */
char *qtest_recv_line(QTestState *s);

/* Asserts "OK" and returns the value after it (0 when there is none). */
uint64_t qtest_cmd_ok(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

void qtest_outb(QTestState *s, uint16_t port, uint8_t v);
void qtest_outw(QTestState *s, uint16_t port, uint16_t v);
void qtest_outl(QTestState *s, uint16_t port, uint32_t v);
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t v);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t v);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v);
void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t len);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf,
                    size_t len);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t v, size_t len);

/* Virtual clock; each returns the clock after the command, in ns. */
int64_t qtest_clock_step(QTestState *s, int64_t ns);
int64_t qtest_clock_step_next(QTestState *s);
int64_t qtest_clock_set(QTestState *s, int64_t ns);

void qtest_irq_intercept_in(QTestState *s, const char *name);
void qtest_irq_intercept_out(QTestState *s, const char *name);
void qtest_set_irq_in(QTestState *s, const char *name, int n, int level);
/* The level of intercepted line n, from the IRQ lines seen so far. */
bool qtest_get_irq(QTestState *s, int n);
/* How many IRQ raise lines line n has had. */
unsigned qtest_irq_raises(QTestState *s, int n);

/* PCI configuration space through mechanism #1 (0xCF8/0xCFC), bus 0. */
uint8_t qtest_pci_cfg_readb(QTestState *s, int devfn, uint8_t reg);
uint16_t qtest_pci_cfg_readw(QTestState *s, int devfn, uint8_t reg);
uint32_t qtest_pci_cfg_readl(QTestState *s, int devfn, uint8_t reg);
void qtest_pci_cfg_writeb(QTestState *s, int devfn, uint8_t reg, uint8_t v);
void qtest_pci_cfg_writew(QTestState *s, int devfn, uint8_t reg,
                          uint16_t v);
void qtest_pci_cfg_writel(QTestState *s, int devfn, uint8_t reg,
                          uint32_t v);


/*
 * Command-line checks: runs bt86 -machine pc,accel=qtest -qtest stdio
 * -display none ARGS (split as a shell would) to its end; its exit status,
 * with its stderr and stdout in *err and *out (g_free them).
 */
int qtest_run_bt86(const char *args, char **err, char **out);
/* bt86 must refuse args: status 1 and one stderr line "bt86: ..." that
 * holds want. */
void qtest_expect_cmdline_error(const char *args, const char *want);
/* bt86 must accept args and end with status 0, nothing on stderr. */
void qtest_expect_cmdline_ok(const char *args);

#endif
