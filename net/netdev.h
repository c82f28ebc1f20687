/*
 * Network backends from the command line: -netdev TYPE,id=ID,..., the
 * -nic shorthand (a backend plus a NIC), and -object filter-dump.
 *
 * Each backend type is one line of a table in netdev.c (its name, a help
 * line and a create function); parsing "k=v,..." is done once here.
 * Errors are one line without the option name: the caller prefixes it.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

/* One "key=value" of a spec; value is NULL for a bare "key". */
typedef struct NetdevProp {
    const char *key;
    const char *value;
} NetdevProp;

/* What -nic asked for: a NIC model to put on the board, its MAC (NULL:
 * the model's default) and the backend it connects to. The strings live
 * until exit. */
typedef struct NetNicRequest {
    const char *model;
    const char *mac;
    const char *netdev;
} NetNicRequest;

/* The default model of -nic, as QEMU's pc machine. */
#define NET_NIC_MODEL_DEFAULT "e1000"

/*
 * -netdev TYPE,id=ID[,...]: creates the backend and registers its port
 * under ID. Call with the global lock held. NULL with *err if the spec is
 * wrong or the backend cannot start (e.g. a forwarded port is taken).
 */
NetPort *net_backend_create(const char *spec, char **err);

/*
 * -nic TYPE[,model=M][,mac=MAC][,backend options]: creates the backend
 * under an internal id and fills *req for the board. "-nic none" creates
 * nothing and leaves req->model NULL. False with *err on a bad spec.
 */
bool net_nic_create(const char *spec, NetNicRequest *req, char **err);

/* -object TYPE,id=ID,...: only filter-dump,id=,netdev=,file= exists. */
bool net_object_create(const char *spec, char **err);

/* Prints the backend types and the NIC models (for "-netdev help",
 * "-nic model=help"). */
void net_print_backend_help(void);
void net_print_nic_models(void);

/* "52:54:00:12:34:56" to bytes; false if malformed or multicast. */
bool net_parse_mac(const char *s, uint8_t mac[6]);

#endif
