/*
 * The loopback backend (see loopback.h): a port whose receive sends the
 * frame back to its peer. Sent at once, under the global lock like every
 * port; net_send queues it (bounded) while the NIC cannot take it.
 */
#include <string.h>

#include <glib.h>

#include "net/loopback.h"
#include "net/net.h"
#include "net/netdev.h"

typedef struct NetLoopback {
    NetPort *port;
} NetLoopback;

static bool loopback_can_receive(void *opaque)
{
    return true;
}

static bool loopback_receive(void *opaque, const uint8_t *frame, size_t len)
{
    NetLoopback *l = opaque;

    return net_send(l->port, frame, len);
}

static const NetPortOps loopback_ops = {
    .can_receive = loopback_can_receive,
    .receive = loopback_receive,
};

NetPort *net_loopback_create(const char *id, const NetdevProp *props,
                             size_t n, char **err)
{
    NetLoopback *l;

    if (n) {
        *err = g_strdup_printf("loopback has no property '%s'", props[0].key);
        return NULL;
    }
    l = g_new0(NetLoopback, 1);
    l->port = net_backend_new(id, &loopback_ops, l);
    return l->port;
}
