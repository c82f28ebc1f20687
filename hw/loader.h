/* Reading image files for the loaders (kernel, modules, initrd). */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include <stddef.h>
#include <stdint.h>

/*
 * The whole file at path (at most 4 GiB), or NULL with *err set to one line
 * in the form the command line promises: "<prefix>could not open <noun>
 * 'PATH': reason" (GLib's own messages are not in that form).
 */
uint8_t *loader_read_file(const char *path, const char *prefix,
                          const char *noun, size_t *len, char **err);

#endif
