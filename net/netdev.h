/*
 * -netdev TYPE,id=ID[,PROP=V...]: the backend types, one table in
 * netdev.c keyed by TYPE; each type's code lives in its own file.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <stdbool.h>
#include <stdio.h>

/* Creates the backend spec describes; false with *err (one line). */
bool net_backend_create(const char *spec, char **err);
/* The types and what they are, for -netdev help. */
void net_backend_print_help(FILE *out);

#endif
