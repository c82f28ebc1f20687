/*
 * Network plumbing between a NIC model (hw/net/) and a backend (net/):
 * each side is a NetPort; a packet sent from one is delivered to its peer.
 *
 * Backends are created from -netdev (or -nic) with an id; a NIC created
 * with netdev=ID connects to that backend. Everything runs under the global
 * lock (backends on the main loop, NICs from guest register writes).
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ethernet frames without the FCS, 14-byte header included */
#define NET_MAX_FRAME 65536

typedef struct NetPort NetPort;

typedef struct NetPortOps {
    /* May a frame be delivered now? (false: the sender queues it and
     * retries when net_port_flush() is called on this port) */
    bool (*can_receive)(void *opaque);
    /* A frame for this port; returns false if it was dropped. */
    bool (*receive)(void *opaque, const uint8_t *frame, size_t len);
} NetPortOps;

/* A backend's port, registered under id (-netdev ...,id=ID). */
NetPort *net_backend_new(const char *id, const NetPortOps *ops,
                         void *opaque);
/* The backend with that id, or NULL; and whether a NIC took it already. */
NetPort *net_backend_find(const char *id);
/* A NIC's port, connected to backend (NULL: a NIC with no network, whose
 * frames go nowhere). */
NetPort *net_nic_new(NetPort *backend, const NetPortOps *ops, void *opaque);

/* Sends a frame to the port's peer: delivered now, or queued (bounded)
 * while the peer cannot receive. Returns false if it was dropped. */
bool net_send(NetPort *from, const uint8_t *frame, size_t len);
/* The port can receive again: deliver what its peer queued for it. */
void net_port_flush(NetPort *to);

/* Packet capture (-object filter-dump): every frame through the backend
 * port, both directions, appended to a pcap file. */
bool net_port_set_dump(NetPort *backend, const char *path, char **err);

#endif
