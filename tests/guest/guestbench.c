/*
 * Workloads for bench/run, timed by the guest's own clock
 * (CLOCK_MONOTONIC) so that boot and start-up do not count:
 *
 *   guestbench sha256    SHA-256 of 64 MiB (a fixed pattern), digest shown
 *   guestbench syscall   one million getppid() system calls
 *   guestbench forkexec  300 times fork + exec /bin/true + wait
 *
 * Each prints "guestbench: NAME MS ms RESULT".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sha256-block.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- SHA-256: the compression function of bench-sha256 ---- */

/* Whole 64-byte blocks only: the length is a multiple of 64 here. */
static void sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    uint32_t h[8] = SHA256_H0;
    uint8_t pad[64] = { 0x80 };
    for (size_t off = 0; off < len; off += 64) {
        sha256_block(h, data + off);
    }
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) {
        pad[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    }
    sha256_block(h, pad);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

static void bench_sha256(void)
{
    size_t len = 64u << 20;
    uint8_t *buf = malloc(len), digest[32];
    if (!buf) {
        perror("guestbench: malloc");
        exit(1);
    }
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    }
    double t0 = now_ms();
    sha256(buf, len, digest);
    double dt = now_ms() - t0;
    printf("guestbench: sha256 %.1f ms ", dt);
    for (int i = 0; i < 32; i++) {
        printf("%02x", digest[i]);
    }
    printf("\n");
}

static void bench_syscall(void)
{
    long sum = 0;
    double t0 = now_ms();
    for (int i = 0; i < 1000000; i++) {
        sum += syscall(SYS_getppid);
    }
    double dt = now_ms() - t0;
    printf("guestbench: syscall %.1f ms %ld\n", dt, sum / 1000000);
}

static void bench_forkexec(void)
{
    int ok = 0;
    double t0 = now_ms();
    for (int i = 0; i < 300; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        int status;
        if (pid > 0 && waitpid(pid, &status, 0) == pid &&
            WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ok++;
        }
    }
    double dt = now_ms() - t0;
    printf("guestbench: forkexec %.1f ms %d/300\n", dt, ok);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "sha256")) {
            bench_sha256();
        } else if (!strcmp(argv[i], "syscall")) {
            bench_syscall();
        } else if (!strcmp(argv[i], "forkexec")) {
            bench_forkexec();
        } else {
            fprintf(stderr, "guestbench: unknown workload '%s'\n", argv[i]);
            return 2;
        }
    }
    return 0;
}
