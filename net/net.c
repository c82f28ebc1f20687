/*
 * Network plumbing: ports, peers, a bounded queue per direction, and
 * pcap capture. See net.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "net/net.h"
#include "softmmu/clock.h"

/* Frames held for a peer that cannot receive; beyond that they drop, as a
 * full NIC ring does on a real wire. */
#define NET_QUEUE_MAX 256

struct NetPort {
    char *id;               /* backends only */
    const NetPortOps *ops;
    void *opaque;
    NetPort *peer;
    bool is_backend;
    GQueue queue;           /* GBytes frames waiting for this port */
    FILE *dump;             /* pcap file, backends only */
};

static GHashTable *backends;    /* id -> NetPort */

static NetPort *port_new(const NetPortOps *ops, void *opaque)
{
    NetPort *p = g_new0(NetPort, 1);
    p->ops = ops;
    p->opaque = opaque;
    g_queue_init(&p->queue);
    return p;
}

NetPort *net_backend_new(const char *id, const NetPortOps *ops, void *opaque)
{
    if (!backends) {
        backends = g_hash_table_new(g_str_hash, g_str_equal);
    }
    NetPort *p = port_new(ops, opaque);
    p->id = g_strdup(id);
    p->is_backend = true;
    g_hash_table_insert(backends, p->id, p);
    return p;
}

NetPort *net_backend_find(const char *id)
{
    return backends ? g_hash_table_lookup(backends, id) : NULL;
}

NetPort *net_nic_new(NetPort *backend, const NetPortOps *ops, void *opaque)
{
    NetPort *p = port_new(ops, opaque);
    if (backend) {
        p->peer = backend;
        backend->peer = p;
    }
    return p;
}

/* pcap: global header once, then a record header and the frame */
static void dump_frame(FILE *f, const uint8_t *frame, size_t len)
{
    int64_t ns = clock_get_ns();
    uint32_t rec[4] = { (uint32_t)(ns / 1000000000), (uint32_t)(ns % 1000000000 / 1000),
                        (uint32_t)len, (uint32_t)len };
    fwrite(rec, sizeof(rec), 1, f);
    fwrite(frame, 1, len, f);
    fflush(f);
}

static void port_dump(NetPort *from, const uint8_t *frame, size_t len)
{
    NetPort *backend = from->is_backend ? from : from->peer;
    if (backend && backend->dump) {
        dump_frame(backend->dump, frame, len);
    }
}

bool net_send(NetPort *from, const uint8_t *frame, size_t len)
{
    NetPort *to = from->peer;

    if (!to || len == 0 || len > NET_MAX_FRAME) {
        return false;
    }
    port_dump(from, frame, len);
    if (g_queue_is_empty(&to->queue) && to->ops->can_receive(to->opaque)) {
        return to->ops->receive(to->opaque, frame, len);
    }
    if (g_queue_get_length(&to->queue) >= NET_QUEUE_MAX) {
        return false;
    }
    g_queue_push_tail(&to->queue, g_bytes_new(frame, len));
    return true;
}

void net_port_flush(NetPort *to)
{
    while (!g_queue_is_empty(&to->queue) && to->ops->can_receive(to->opaque)) {
        GBytes *b = g_queue_pop_head(&to->queue);
        gsize len;
        const uint8_t *data = g_bytes_get_data(b, &len);
        to->ops->receive(to->opaque, data, len);
        g_bytes_unref(b);
    }
}

bool net_port_set_dump(NetPort *backend, const char *path, char **err)
{
    /* pcap global header: magic, version 2.4, UTC, accuracy, snaplen,
     * link type 1 (Ethernet) */
    static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0,
                                     NET_MAX_FRAME, 1 };
    FILE *f = fopen(path, "wb");

    if (!f) {
        *err = g_strdup_printf("filter-dump: cannot create '%s': %s", path,
                               g_strerror(errno));
        return false;
    }
    fwrite(hdr, sizeof(hdr), 1, f);
    fflush(f);
    if (backend->dump) {
        fclose(backend->dump);
    }
    backend->dump = f;
    return true;
}
