/*
 * Whole-file reads for the loaders, with one-line errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "hw/loader.h"

#define LOADER_FILE_MAX (4ull << 30)

uint8_t *loader_read_file(const char *path, const char *prefix,
                          const char *noun, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int e = 0;

    if (fd < 0) {
        *err = g_strdup_printf("%scould not open %s '%s': %s", prefix, noun,
                               path, g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        e = errno;
    } else if (S_ISDIR(st.st_mode)) {
        e = EISDIR;
    }
    if (e) {
        *err = g_strdup_printf("%scould not open %s '%s': %s", prefix, noun,
                               path, g_strerror(e));
        close(fd);
        return NULL;
    }

    GByteArray *buf = g_byte_array_new();
    uint8_t chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            *err = g_strdup_printf("%scould not read %s '%s': %s", prefix,
                                   noun, path, g_strerror(errno));
            goto fail;
        }
        if (n == 0) {
            break;
        }
        if (buf->len + (uint64_t)n > LOADER_FILE_MAX) {
            *err = g_strdup_printf("%s%s '%s' is larger than 4 GiB", prefix,
                                   noun, path);
            goto fail;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    close(fd);
    *len = buf->len;
    return g_byte_array_free(buf, FALSE);

fail:
    close(fd);
    g_byte_array_free(buf, TRUE);
    return NULL;
}

void loader_set_err(char **err, const char *fmt, ...)
{
    va_list ap;

    if (!err) {
        return;
    }
    va_start(ap, fmt);
    *err = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

uint8_t *loader_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len)
{
    const uint64_t four_gib = 1ull << 32;

    if (addr >= four_gib || len > four_gib - addr) {
        return NULL;
    }
    return mem_host_ptr(as, addr, len, true);
}
