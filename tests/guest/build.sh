#!/bin/sh
# usage: build.sh [OUTDIR [STAMP]]
# Builds bt86's reference guest from Debian packages only, into OUTDIR
# (default build/guest), and keeps what it downloaded there (STAMP, if
# given, is touched when the guest is ready: for meson):
#   vmlinuz          the kernel that linux-image-amd64 depends on
#   initramfs.cpio.gz  busybox-static, /init, the e1000 module of the same
#                    kernel, sockserv, guesttest and guestbench (built
#                    here, static), udhcpc's default script
# Needs: apt-get (with package lists), dpkg-deb, gcc with static libc,
# python3, gzip. Run again: only what changed is rebuilt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/guest}
stamp_out=${2:-}
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)
cc=${CC:-gcc}

die() { echo "tests/guest/build.sh: $*" >&2; exit 1; }

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
       sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -n1)
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 (run apt-get update)"

fetch() {   # package -> path of its .deb in the cache
    deb=$(ls "$out/debs/$1"_*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$deb" ]; then
        (cd "$out/debs" && apt-get download "$1" >/dev/null 2>&1) ||
            die "apt-get download $1 failed"
        deb=$(ls "$out/debs/$1"_*.deb | head -n1)
    fi
    echo "$deb"
}
kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)

stamp="$kdeb $bdeb $(cat "$here/init" "$here/net-up" "$here/lspci" \
        "$here/sockserv.c" "$here/guestbench.c" \
        "$here/../../bench/kernels/sha256-block.h" "$here/udhcpc.script" \
        "$here/guesttest.c" "$here/mkcpio.py" "$here/build.sh" | cksum)"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] &&
   [ -f "$out/vmlinuz" ] && [ -f "$out/initramfs.cpio.gz" ]; then
    echo "guest: up to date in $out"
    [ -z "$stamp_out" ] || touch "$stamp_out"
    exit 0
fi

work="$out/work"
rm -rf "$work"
mkdir -p "$work/kernel" "$work/busybox"
# only the kernel image and the e1000 module, not the 400 MB of modules
dpkg-deb --fsys-tarfile "$kdeb" |
    tar -x -C "$work/kernel" --wildcards './boot/vmlinuz-*' \
        '*/drivers/net/ethernet/intel/e1000/e1000.ko'
dpkg-deb -x "$bdeb" "$work/busybox"
cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
e1000=$(find "$work/kernel" -name e1000.ko | head -n1)
[ -n "$e1000" ] || die "no e1000.ko in $kdeb"

"$cc" -static -O2 -o "$work/sockserv" "$here/sockserv.c"
"$cc" -static -O2 -pthread -o "$work/guesttest" "$here/guesttest.c" -lm
"$cc" -static -O2 -I "$here/../../bench/kernels" -o "$work/guestbench" \
    "$here/guestbench.c"

cat > "$work/spec" <<SPEC
dir bin 755
dir sbin 755
dir usr 755
dir usr/bin 755
dir usr/sbin 755
dir dev 755
dir proc 555
dir sys 555
dir tmp 1777
dir root 700
dir etc 755
dir lib 755
dir lib/modules 755
nod dev/console 600 c 5 1
nod dev/null 666 c 1 3
file init 755 $here/init
file bin/busybox 755 $work/busybox/bin/busybox
slink bin/sh busybox
file bin/net-up 755 $here/net-up
file bin/lspci 755 $here/lspci
dir etc/udhcpc 755
file etc/udhcpc/default.script 755 $here/udhcpc.script
file bin/sockserv 755 $work/sockserv
file bin/guesttest 755 $work/guesttest
file bin/guestbench 755 $work/guestbench
file lib/modules/e1000.ko 644 $e1000
SPEC
python3 "$here/mkcpio.py" "$work/initramfs.cpio" "$work/spec"
gzip -9n < "$work/initramfs.cpio" > "$out/initramfs.cpio.gz"
rm -rf "$work"
echo "$stamp" > "$out/stamp"
[ -z "$stamp_out" ] || touch "$stamp_out"
echo "guest: $kpkg, $(basename "$bdeb") -> $out/vmlinuz, $out/initramfs.cpio.gz"
