/*
 * The stdio chardev: stdin and stdout, with the terminal (when stdin is
 * one) in raw mode while bt86 runs and put back on every way out: exit()
 * through chardev_close_all, and the signals that kill.
 */
#include <signal.h>
#include <stdbool.h>
#include <termios.h>
#include <unistd.h>

#include "softmmu/chardev-internal.h"

static bool stdio_taken;

/* The terminal settings stdin had before it was put in raw mode. */
static struct termios stdio_saved_tios;
static volatile sig_atomic_t stdio_tios_changed;

static void stdio_restore(void)
{
    if (stdio_tios_changed) {
        tcsetattr(STDIN_FILENO, TCSANOW, &stdio_saved_tios);
        stdio_tios_changed = 0;
    }
}

/*
 * A signal that kills bt86 must not leave the terminal raw: put it back
 * (tcsetattr is async-signal-safe) and die of the signal as before.
 * SIGINT/SIGTERM/SIGHUP get main.c's handlers later, which exit() and so
 * go through chardev_close_all; until then, and for the fatal ones, this.
 */
static void stdio_fatal_signal(int sig)
{
    stdio_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void stdio_catch_fatal_signals(void)
{
    static const int sigs[] = {
        SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
        SIGABRT,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        struct sigaction old, sa = { .sa_handler = stdio_fatal_signal };

        /* Leave handlers that others (sanitizers, GLib) installed alone. */
        if (sigaction(sigs[i], NULL, &old) == 0 &&
            old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO)) {
            sa.sa_flags = SA_RESETHAND | SA_NODEFER;
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, NULL);
        }
    }
}

/*
 * Raw input so that every key (Ctrl-D, arrows, ...) reaches the guest as it
 * is typed, without local echo or line editing. Output processing (OPOST,
 * ONLCR) stays on, as in QEMU, so that host-side messages printed while the
 * guest runs still start at column 0. With allow_signals (plain "stdio")
 * Ctrl-C still kills bt86; "mon:stdio" passes it to the guest, as QEMU
 * does, and C-a x is the way out.
 */
static void stdio_make_raw(bool allow_signals)
{
    struct termios tios;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tios) < 0) {
        return;
    }
    stdio_saved_tios = tios;

    tios.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                      ICRNL | IXON);
    tios.c_oflag |= OPOST | ONLCR;
    tios.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals) {
        tios.c_lflag &= ~ISIG;
    }
    tios.c_cflag &= ~(CSIZE | PARENB);
    tios.c_cflag |= CS8;
    tios.c_cc[VMIN] = 1;
    tios.c_cc[VTIME] = 0;

    stdio_catch_fatal_signals();
    if (tcsetattr(STDIN_FILENO, TCSANOW, &tios) == 0) {
        stdio_tios_changed = 1;
    }
}

static void stdio_close(Chardev *chr)
{
    stdio_restore();
}

static const ChardevClass stdio_class = {
    .name = "stdio",
    .close = stdio_close,
};

Chardev *chardev_stdio_new(const char *label, bool allow_signals,
                           char **err)
{
    if (stdio_taken) {
        chardev_set_error(err, g_strdup("stdio is already in use"));
        return NULL;
    }
    stdio_taken = true;
    /* Registered (by chardev_alloc) before the terminal changes. */
    Chardev *chr = chardev_alloc(&stdio_class, sizeof(Chardev), label,
                                 STDOUT_FILENO, STDIN_FILENO);
    stdio_make_raw(allow_signals);
    return chr;
}
