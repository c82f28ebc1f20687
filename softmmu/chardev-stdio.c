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
 * (tcsetattr is async-signal-safe), then let the handler that was there
 * before (a sanitizer's, say) or the default action take its course.
 * SIGINT/SIGTERM/SIGHUP get main.c's handlers later, which exit() and so
 * go through chardev_close_all; until then, and for the fatal ones, this.
 */
static const int stdio_fatal_signals[] = {
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
    SIGABRT,
};
static struct sigaction stdio_old_actions[G_N_ELEMENTS(stdio_fatal_signals)];

static void stdio_fatal_signal(int sig, siginfo_t *info, void *ctx)
{
    stdio_restore();
    for (size_t i = 0; i < G_N_ELEMENTS(stdio_fatal_signals); i++) {
        const struct sigaction *old = &stdio_old_actions[i];

        if (stdio_fatal_signals[i] != sig) {
            continue;
        }
        if (old->sa_flags & SA_SIGINFO) {
            old->sa_sigaction(sig, info, ctx);
            return;
        }
        if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
            old->sa_handler(sig);
            return;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void stdio_catch_fatal_signals(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(stdio_fatal_signals); i++) {
        struct sigaction sa = {
            .sa_sigaction = stdio_fatal_signal,
            .sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK,
        };

        /* An ignored signal stays ignored. */
        if (sigaction(stdio_fatal_signals[i], NULL, &stdio_old_actions[i])
            < 0 || (!(stdio_old_actions[i].sa_flags & SA_SIGINFO) &&
                    stdio_old_actions[i].sa_handler == SIG_IGN)) {
            continue;
        }
        sigemptyset(&sa.sa_mask);
        sigaction(stdio_fatal_signals[i], &sa, NULL);
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
