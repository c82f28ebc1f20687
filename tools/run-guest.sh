#!/usr/bin/env bash
# The first thing to run: installs what is missing, builds bt86 and the
# reference guest (Debian's kernel and busybox, tests/guest), and boots it
# to a shell on this terminal. Ctrl-A x quits; `poweroff -f` too.
# Extra arguments go to bt86 (e.g. -m 1G, -d int -D log).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
if [[ ! -f build/build.ninja ]]; then
    meson setup build
fi
ninja -C build
sh tests/guest/build.sh build/guest
exec build/bt86 -nographic -m 512 \
    -kernel build/guest/vmlinuz -initrd build/guest/initramfs.cpio.gz \
    -append "console=ttyS0" "$@"
