/*
 * -netdev, -nic and -object filter-dump (see netdev.h): one spec parser
 * and one table of backend types.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "net/loopback.h"
#include "net/netdev.h"
#include "net/slirp.h"

typedef struct NetdevType {
    const char *name;
    const char *help;
    NetPort *(*create)(const char *id, const NetdevProp *props, size_t n,
                       char **err);
} NetdevType;

static const NetdevType netdev_types[] = {
    { "user", "user-mode network (libslirp): net=,host=,dns=,dhcpstart=,"
      "hostfwd=,guestfwd=,restrict=,hostname=,...", slirp_backend_create },
    { "loopback", "every frame a NIC sends comes back to it (for tests)",
      net_loopback_create },
};

/* The NIC models -nic can ask the board for. */
static const struct {
    const char *name;
    const char *help;
} nic_models[] = {
    { "e1000", "Intel 82540EM Gigabit Ethernet" },
};

static const NetdevType *netdev_type_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(netdev_types); i++) {
        if (strcmp(netdev_types[i].name, name) == 0) {
            return &netdev_types[i];
        }
    }
    return NULL;
}

void net_print_backend_help(void)
{
    printf("Available netdev backend types:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(netdev_types); i++) {
        printf("%-8s %s\n", netdev_types[i].name, netdev_types[i].help);
    }
}

void net_print_nic_models(void)
{
    printf("Available NIC models:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(nic_models); i++) {
        printf("%-8s %s\n", nic_models[i].name, nic_models[i].help);
    }
}

/*
 * Splits "a,k=v,k2=v2" into items; as QEMU, ",," in a value is a literal
 * comma (guestfwd=...-cmd:a,,b). The strings point into the returned
 * copy in spec->buf; spec_free releases both.
 */
typedef struct Spec {
    char *buf;
    GArray *props;      /* NetdevProp */
} Spec;

static void spec_parse(const char *s, Spec *spec)
{
    size_t len = strlen(s);
    char *out = g_malloc(len + 1);
    char *item = out, *w = out;

    spec->buf = out;
    spec->props = g_array_new(FALSE, TRUE, sizeof(NetdevProp));
    for (const char *r = s;; r++) {
        if (*r == ',' && r[1] == ',') {
            *w++ = ',';
            r++;
            continue;
        }
        if (*r == ',' || *r == '\0') {
            *w++ = '\0';
            NetdevProp p = { .key = item };
            char *eq = strchr(item, '=');
            if (eq) {
                *eq = '\0';
                p.value = eq + 1;
            }
            g_array_append_val(spec->props, p);
            item = w;
            if (*r == '\0') {
                break;
            }
            continue;
        }
        *w++ = *r;
    }
}

static void spec_free(Spec *spec)
{
    g_array_free(spec->props, TRUE);
    g_free(spec->buf);
}

/* QEMU's rule for ids: a letter, then letters, digits, '-', '.', '_'. */
static bool id_valid(const char *id)
{
    if (!g_ascii_isalpha(*id)) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

/*
 * The type (first item, or type=), the id, and the rest of the props,
 * which are moved to the front of spec->props; returns their count.
 */
static bool spec_split(Spec *spec, bool need_id, const char **type,
                       const char **id, size_t *nrest, char **err)
{
    NetdevProp *p = (NetdevProp *)spec->props->data;
    size_t n = spec->props->len, k = 0;

    *type = NULL;
    *id = NULL;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 && !p[i].value) {
            *type = p[i].key;
        } else if (strcmp(p[i].key, "type") == 0 && p[i].value) {
            *type = p[i].value;
        } else if (strcmp(p[i].key, "id") == 0 && p[i].value) {
            *id = p[i].value;
        } else {
            p[k++] = p[i];
        }
    }
    *nrest = k;
    if (!*type || !**type) {
        *err = g_strdup("no backend type given");
        return false;
    }
    if (need_id) {
        if (!*id) {
            *err = g_strdup_printf("%s: parameter 'id' is missing", *type);
            return false;
        }
        if (!id_valid(*id)) {
            *err = g_strdup_printf("%s: invalid id '%s' (a letter, then "
                                   "letters, digits, '-', '.', '_')", *type,
                                   *id);
            return false;
        }
    }
    return true;
}

static NetPort *backend_create(const NetdevType *t, const char *id,
                               const NetdevProp *props, size_t n, char **err)
{
    if (net_backend_find(id)) {
        *err = g_strdup_printf("duplicate id '%s'", id);
        return NULL;
    }
    return t->create(id, props, n, err);
}

NetPort *net_backend_create(const char *s, char **err)
{
    Spec spec;
    const char *type, *id;
    size_t n;
    NetPort *port = NULL;

    spec_parse(s, &spec);
    if (spec_split(&spec, true, &type, &id, &n, err)) {
        const NetdevType *t = netdev_type_find(type);
        if (!t) {
            *err = g_strdup_printf("backend type '%s' is not supported "
                                   "('-netdev help' lists them)", type);
        } else {
            port = backend_create(t, id, (NetdevProp *)spec.props->data, n,
                                  err);
        }
    }
    spec_free(&spec);
    return port;
}

bool net_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        if (!g_ascii_isxdigit(s[0]) || !g_ascii_isxdigit(s[1]) ||
            s[2] != (i == 5 ? '\0' : ':')) {
            return false;
        }
        mac[i] = (uint8_t)(g_ascii_xdigit_value(s[0]) << 4 |
                           g_ascii_xdigit_value(s[1]));
        s += 3;
    }
    return !(mac[0] & 1);
}

bool net_nic_create(const char *s, NetNicRequest *req, char **err)
{
    static int nic_count;
    Spec spec;
    const char *type, *id;
    size_t n, k = 0;
    bool ok = false;

    memset(req, 0, sizeof(*req));
    spec_parse(s, &spec);
    if (!spec_split(&spec, false, &type, &id, &n, err)) {
        goto out;
    }
    if (strcmp(type, "none") == 0 && n == 0) {
        ok = true;
        goto out;
    }
    /* model= and mac= are the NIC's; the rest is the backend's. */
    NetdevProp *p = (NetdevProp *)spec.props->data;
    const char *model = NET_NIC_MODEL_DEFAULT, *mac = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p[i].key, "model") == 0 && p[i].value) {
            model = p[i].value;
        } else if (strcmp(p[i].key, "mac") == 0 && p[i].value) {
            mac = p[i].value;
        } else {
            p[k++] = p[i];
        }
    }
    if (strcmp(model, "help") == 0) {
        net_print_nic_models();
        exit(0);
    }
    bool known = false;
    for (size_t i = 0; i < G_N_ELEMENTS(nic_models); i++) {
        known |= strcmp(model, nic_models[i].name) == 0;
    }
    if (!known) {
        *err = g_strdup_printf("NIC model '%s' is not supported "
                               "('-nic model=help' lists them)", model);
        goto out;
    }
    uint8_t bytes[6];
    if (mac && !net_parse_mac(mac, bytes)) {
        *err = g_strdup_printf("invalid mac '%s' (six hex bytes, "
                               "xx:xx:xx:xx:xx:xx, not multicast)", mac);
        goto out;
    }
    const NetdevType *t = netdev_type_find(type);
    if (!t) {
        *err = g_strdup_printf("backend type '%s' is not supported", type);
        goto out;
    }
    /* QEMU's internal id for -nic backends; no user id can clash, since
     * user ids start with a letter. */
    char *nid = id ? g_strdup(id) : g_strdup_printf("__org.qemu.nic%d",
                                                    nic_count++);
    if (!backend_create(t, nid, p, k, err)) {
        g_free(nid);
        goto out;
    }
    req->model = g_strdup(model);
    req->mac = mac ? g_strdup(mac) : NULL;
    req->netdev = nid;
    ok = true;
out:
    spec_free(&spec);
    return ok;
}

bool net_object_create(const char *s, char **err)
{
    Spec spec;
    const char *type, *id, *netdev = NULL, *file = NULL;
    size_t n;
    bool ok = false;

    spec_parse(s, &spec);
    if (!spec_split(&spec, true, &type, &id, &n, err)) {
        goto out;
    }
    if (strcmp(type, "filter-dump") != 0) {
        *err = g_strdup_printf("object type '%s' is not supported (only "
                               "filter-dump)", type);
        goto out;
    }
    NetdevProp *p = (NetdevProp *)spec.props->data;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p[i].key, "netdev") == 0 && p[i].value) {
            netdev = p[i].value;
        } else if (strcmp(p[i].key, "file") == 0 && p[i].value) {
            file = p[i].value;
        } else {
            *err = g_strdup_printf("filter-dump: invalid parameter '%s'",
                                   p[i].key);
            goto out;
        }
    }
    if (!netdev || !file) {
        *err = g_strdup_printf("filter-dump: parameter '%s' is missing",
                               netdev ? "file" : "netdev");
        goto out;
    }
    NetPort *port = net_backend_find(netdev);
    if (!port) {
        *err = g_strdup_printf("filter-dump: no netdev '%s'", netdev);
        goto out;
    }
    ok = net_port_set_dump(port, file, err);
out:
    spec_free(&spec);
    return ok;
}
