/*
 * -netdev loopback,id=ID: a backend of bt86's own, for tests. Every frame
 * a NIC sends to it comes straight back to that NIC.
 */
#ifndef NET_LOOPBACK_H
#define NET_LOOPBACK_H

#include <stdbool.h>

/* props: what follows id= (none are known); false with *err. */
#include <stddef.h>

#include "net/netdev.h"

NetPort *net_loopback_create(const char *id, const NetdevProp *props,
                             size_t n, char **err);

#endif
