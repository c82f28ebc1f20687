/*
 * -netdev user: user-mode networking through libslirp. The guest sees a
 * router (10.0.2.2 by default) with DHCP and DNS, and its connections
 * leave as ordinary host sockets; hostfwd= and guestfwd= open ports
 * between host and guest.
 */
#ifndef NET_SLIRP_H
#define NET_SLIRP_H

#include <stddef.h>

#include "net/net.h"
#include "net/netdev.h"

/* The "user" entry of netdev.c's table: the backend's port, or NULL with
 * *err. Global lock held. */
NetPort *slirp_backend_create(const char *id, const NetdevProp *props,
                              size_t n, char **err);

#endif
