/*
 * -netdev parsing (see netdev.h): TYPE and id= are taken here, the other
 * properties go to the type's create function.
 */
#include <string.h>

#include <glib.h>

#include "net/loopback.h"
#include "net/net.h"
#include "net/netdev.h"

static const struct {
    const char *type;
    bool (*create)(const char *id, const char *props, char **err);
    const char *help;
} netdev_types[] = {
    { "loopback", net_loopback_create,
      "every frame a NIC sends comes back to it (for tests)" },
};

void net_backend_print_help(FILE *out)
{
    fprintf(out, "Available netdev backend types:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(netdev_types); i++) {
        fprintf(out, "%-10s %s\n", netdev_types[i].type,
                netdev_types[i].help);
    }
}

bool net_backend_create(const char *spec, char **err)
{
    g_autofree char *copy = g_strdup(spec);
    char *rest = copy;
    char *type = strsep(&rest, ",");
    const char *id = NULL;
    GString *props = g_string_new(NULL);
    bool ok = false;

    for (char *item; rest && (item = strsep(&rest, ","));) {
        if (g_str_has_prefix(item, "id=")) {
            id = item + 3;
        } else if (*item) {
            g_string_append_printf(props, "%s%s", props->len ? "," : "",
                                   item);
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(netdev_types); i++) {
        if (strcmp(type, netdev_types[i].type) != 0) {
            continue;
        }
        if (!id || !*id) {
            *err = g_strdup_printf("%s: needs id=ID", type);
        } else if (net_backend_find(id)) {
            *err = g_strdup_printf("duplicate id '%s'", id);
        } else {
            ok = netdev_types[i].create(id, props->str, err);
        }
        g_string_free(props, TRUE);
        return ok;
    }
    *err = g_strdup_printf("backend type '%s' is not supported", type);
    g_string_free(props, TRUE);
    return false;
}
