/*
 * The guest side of bt86's headline test: a TCP server that does socket,
 * bind, listen, accept and read in a loop and reports, for each
 * connection, how many bytes it read and a checksum of them; the reply
 * to the client is the same line.
 *
 * usage: sockserv [PORT [CONNECTIONS]]   (default 8080, forever)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    long max_conns = argc > 2 ? atol(argv[2]) : -1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in addr;

    if (s < 0) {
        perror("sockserv: socket");
        return 1;
    }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        perror("sockserv: bind");
        return 1;
    }
    /* room for every client of the concurrent test: a connection beyond
     * the accept queue is left to SYN retransmission and cookies */
    if (listen(s, 64) < 0) {
        perror("sockserv: listen");
        return 1;
    }
    printf("sockserv: listening on port %d\n", port);
    fflush(stdout);
    for (long n = 1; max_conns < 0 || n <= max_conns; n++) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            perror("sockserv: accept");
            return 1;
        }
        unsigned long long bytes = 0;
        unsigned long sum = 0;
        char buf[65536];
        ssize_t r;
        while ((r = read(c, buf, sizeof(buf))) > 0) {
            for (ssize_t i = 0; i < r; i++) {
                sum = (sum * 31 + (unsigned char)buf[i]) % 1000000007ul;
            }
            bytes += (unsigned long long)r;
        }
        char line[128];
        int len = snprintf(line, sizeof(line),
                           "sockserv: connection %ld: %llu bytes, sum %lu\n",
                           n, bytes, sum);
        fputs(line, stdout);
        fflush(stdout);
        if (write(c, line, (size_t)len) < 0) {
            perror("sockserv: write");
        }
        close(c);
    }
    close(s);
    return 0;
}
