#!/usr/bin/env python3
"""Writes a newc cpio archive (the initramfs format) from a list of entries,
without needing root for device nodes.

usage: mkcpio.py OUT.cpio SPEC
SPEC lines (paths inside the archive, no leading slash):
  dir   PATH MODE
  file  PATH MODE HOSTFILE
  slink PATH TARGET
  nod   PATH MODE c|b MAJOR MINOR
"""
import os
import stat
import sys


def header(ino, mode, nlink, size, rmaj, rmin, name):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin,
              len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad4(n):
    return (4 - n % 4) % 4


def main():
    out_path, spec_path = sys.argv[1], sys.argv[2]
    out = bytearray()
    ino = 1
    for line in open(spec_path):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        kind, path = parts[0], parts[1].encode()
        data, rmaj, rmin = b"", 0, 0
        if kind == "dir":
            mode = stat.S_IFDIR | int(parts[2], 8)
        elif kind == "file":
            mode = stat.S_IFREG | int(parts[2], 8)
            with open(parts[3], "rb") as f:
                data = f.read()
        elif kind == "slink":
            mode = stat.S_IFLNK | 0o777
            data = parts[2].encode()
        elif kind == "nod":
            mode = (stat.S_IFCHR if parts[3] == "c" else stat.S_IFBLK) | \
                int(parts[2], 8)
            rmaj, rmin = int(parts[4]), int(parts[5])
        else:
            sys.exit("mkcpio: unknown entry kind '%s'" % kind)
        h = header(ino, mode, 2 if kind == "dir" else 1, len(data), rmaj,
                   rmin, path)
        out += h + path + b"\0"
        out += b"\0" * pad4(len(h) + len(path) + 1)
        out += data + b"\0" * pad4(len(data))
        ino += 1
    name = b"TRAILER!!!"
    h = header(0, 0, 1, 0, 0, 0, name)
    out += h + name + b"\0" + b"\0" * pad4(len(h) + len(name) + 1)
    with open(out_path + ".tmp", "wb") as f:
        f.write(out)
    os.replace(out_path + ".tmp", out_path)


if __name__ == "__main__":
    main()
