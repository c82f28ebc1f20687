/*
 * A static test program run inside the reference guest: system calls,
 * signals, fork/exec, mmap and page faults, threads and floating point.
 * Prints one line per check and a last line "guesttest: N passed, M
 * failed". Results are computed, then compared with values computed a
 * second way (or known constants), so a broken CPU or kernel path shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

static void check(const char *what, int ok)
{
    printf("guesttest: %-40s %s\n", what, ok ? "ok" : "FAILED");
    if (ok) {
        passed++;
    } else {
        failed++;
    }
}

static void test_files(void)
{
    const char msg[] = "bt86 guest file test\n";
    int fd = open("/tmp/guesttest.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
    check("open", fd >= 0);
    check("write", write(fd, msg, sizeof(msg)) == (ssize_t)sizeof(msg));
    char buf[64] = "";
    check("lseek+read", lseek(fd, 0, SEEK_SET) == 0 &&
          read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(msg) &&
          !memcmp(buf, msg, sizeof(msg)));
    struct stat st;
    check("fstat", fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof(msg));
    close(fd);
    check("unlink", unlink("/tmp/guesttest.txt") == 0 &&
          open("/tmp/guesttest.txt", O_RDONLY) < 0 && errno == ENOENT);
    int p[2];
    check("pipe", pipe(p) == 0 && write(p[1], "x", 1) == 1 &&
          read(p[0], buf, 1) == 1 && buf[0] == 'x');
    close(p[0]);
    close(p[1]);
}

static volatile sig_atomic_t got_usr1;
static sigjmp_buf segv_jb;

static void on_usr1(int sig)
{
    got_usr1 = sig;
}

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(segv_jb, 1);
}

static void test_signals(void)
{
    signal(SIGUSR1, on_usr1);
    kill(getpid(), SIGUSR1);
    check("signal delivery (kill SIGUSR1)", got_usr1 == SIGUSR1);

    signal(SIGSEGV, on_segv);
    volatile int faulted = 0;
    if (sigsetjmp(segv_jb, 1) == 0) {
        volatile int *volatile bad = (volatile int *)8;
        *bad = 1;                   /* unmapped: SIGSEGV */
    } else {
        faulted = 1;
    }
    check("SIGSEGV on a bad pointer", faulted);

    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    int sig = 0;
    check("setitimer + sigwait (SIGALRM)", sigwait(&set, &sig) == 0 &&
          sig == SIGALRM);
}

static void test_processes(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        _exit(42);
    }
    int status;
    check("fork + waitpid exit status", pid > 0 &&
          waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
          WEXITSTATUS(status) == 42);

    int p[2];
    if (pipe(p) != 0) {
        check("pipe for exec", 0);
        return;
    }
    pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        execl("/bin/echo", "echo", "exec works", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[64] = "";
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    waitpid(pid, &status, 0);
    check("fork + exec + pipe", n > 0 && !strcmp(buf, "exec works\n") &&
          WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_memory(void)
{
    size_t len = 16u << 20;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap 16 MiB", m != MAP_FAILED);
    if (m == MAP_FAILED) {
        return;
    }
    unsigned long sum = 0, expect = 0;
    for (size_t i = 0; i < len; i += 4096) {
        m[i] = (unsigned char)(i >> 12);       /* a page fault each */
    }
    for (size_t i = 0; i < len; i += 4096) {
        sum += m[i];
        expect += (unsigned char)(i >> 12);
    }
    check("demand paging (4096 faults)", sum == expect);
    check("mprotect read-only", mprotect(m, 4096, PROT_READ) == 0);
    signal(SIGSEGV, on_segv);
    volatile int faulted = 0;
    if (sigsetjmp(segv_jb, 1) == 0) {
        m[0] = 1;
    } else {
        faulted = 1;
    }
    check("write to a read-only page faults", faulted);
    check("munmap", munmap(m, len) == 0);

    /* copy-on-write across fork */
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *shared = 1;
    pid_t pid = fork();
    if (pid == 0) {
        *shared = 2;
        _exit(*shared == 2 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    check("copy-on-write after fork", *shared == 1 && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0);
}

#define NTHREADS 4
#define NITER 100000
static long counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long atomic_counter;

static void *worker(void *arg)
{
    for (int i = 0; i < NITER; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
    }
    return arg;
}

static void test_threads(void)
{
    pthread_t t[NTHREADS];
    int ok = 1;
    for (int i = 0; i < NTHREADS; i++) {
        ok &= pthread_create(&t[i], NULL, worker, NULL) == 0;
    }
    for (int i = 0; i < NTHREADS; i++) {
        ok &= pthread_join(t[i], NULL) == 0;
    }
    check("threads: mutex counter", ok && counter == NTHREADS * NITER);
    check("threads: atomic counter", atomic_counter == NTHREADS * NITER);
}

static void test_float(void)
{
    volatile double x = 2.0;
    check("sqrt(2) (SSE2)", fabs(sqrt(x) * sqrt(x) - 2.0) < 1e-15);
    /* sum of 1/n^2 -> pi^2/6 */
    double s = 0;
    for (int n = 1; n <= 100000; n++) {
        s += 1.0 / ((double)n * n);
    }
    check("series (double)", fabs(s - M_PI * M_PI / 6) < 1e-4);
    volatile long double l = 1.0L / 3.0L;
    check("long double (x87) 1/3*3", 3.0L * l == 1.0L ||
          fabsl(3.0L * l - 1.0L) < 1e-18L);
    char buf[64];
    snprintf(buf, sizeof(buf), "%.6f %.3Lf %g", M_PI, (long double)M_E,
             1e-300 * 1e-10);
    check("printf of floats", !strcmp(buf, "3.141593 2.718 1e-310"));
    check("sin/cos identity", fabs(sin(x) * sin(x) + cos(x) * cos(x) - 1) <
          1e-15);
    check("float to int conversion", (int)(x * 1.75) == 3 &&
          (long)-2.5 == -2);
}

static void test_time(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec d = { 0, 50 * 1000 * 1000 };
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double dt = (double)(b.tv_sec - a.tv_sec) +
                (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    check("nanosleep 50 ms", dt >= 0.05 && dt < 1.0);
    check("time() after 2020", time(NULL) > 1577836800);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_files();
    test_signals();
    test_processes();
    test_memory();
    test_threads();
    test_float();
    test_time();
    printf("guesttest: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
