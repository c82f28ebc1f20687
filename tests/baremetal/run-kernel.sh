#!/usr/bin/env bash
# Runs a kit kernel and compares its serial output with the expected text.
#
# usage: run-kernel.sh EMULATOR KERNEL EXPECTED [STATUS]
#   EMULATOR  bt86 or qemu-system-x86_64: a path, or a name looked up on
#             PATH (if the name is not found, the test is skipped)
#   KERNEL    the ELF32 multiboot kernel
#   EXPECTED  a program that prints the expected output, or a file with it
#   STATUS    the expected exit status instead of 1 (kit_exit(0)): used for
#             QEMU's known departures from the SDM (NAME.qemu.expected),
#             where "FAIL (details)" lines are compared without details
#
# Passes when the kernel exits through isa-debug-exit with kit_exit(0),
# i.e. the emulator's status is 1, and the output matches exactly.
# KIT_TIMEOUT (seconds, default 60) bounds the run. KIT_REBOOT=1 runs
# without -no-reboot, for kernels that reset the machine.
set -u

if [ $# -ne 3 ] && [ $# -ne 4 ]; then
    echo "usage: $0 EMULATOR KERNEL EXPECTED [STATUS]" >&2
    exit 2
fi
emu=$1
kernel=$2
expected=$3
want_status=${4:-1}
limit=${KIT_TIMEOUT:-60}

case $emu in
*/*)
    if [ ! -x "$emu" ]; then
        echo "FAIL: $emu is not an executable" >&2
        exit 1
    fi
    ;;
*)
    if ! command -v "$emu" >/dev/null 2>&1; then
        echo "SKIP: $emu not installed"
        exit 77
    fi
    ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -f "$expected" ] && [ -x "$expected" ]; then
    if ! "$expected" >"$tmp/expected"; then
        echo "FAIL: $expected did not run" >&2
        exit 1
    fi
elif ! cp "$expected" "$tmp/expected"; then
    exit 1
fi
first=$(head -n 1 "$tmp/expected")
if [ -z "$first" ]; then
    echo "FAIL: the expected output's first line is empty" >&2
    exit 1
fi

reboot=(-no-reboot)
if [ "${KIT_REBOOT:-0}" = 1 ]; then
    reboot=()
fi
cmd=("$emu" -nographic "${reboot[@]}" -m 128
     -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$kernel")
echo "${cmd[*]}"
timeout --kill-after=5 "$limit" "${cmd[@]}" </dev/null \
    >"$tmp/raw" 2>"$tmp/stderr"
status=$?

# QEMU boots the kernel through SeaBIOS, whose banner (with terminal
# escapes and CRs) shares the serial port: the output starts at the
# first occurrence of the expected first line.
tr -d '\r' <"$tmp/raw" | awk -v first="$first" '
    started { print; next }
    (i = index($0, first)) { started = 1; print substr($0, i) }
' >"$tmp/output"

if [ $# -eq 4 ]; then
    sed -i 's/: FAIL (.*)$/: FAIL/' "$tmp/expected" "$tmp/output"
fi

ok=1
case $status in
"$want_status")
    ;;
124|137)
    echo "FAIL: no exit within $limit s"
    ok=0
    ;;
0)
    # QEMU exits 0 on a triple fault with -no-reboot.
    echo "FAIL: exit status 0: the kernel never wrote isa-debug-exit"
    ok=0
    ;;
*)
    if [ $((status % 2)) -eq 1 ]; then
        echo "FAIL: kernel exited with kit_exit($((status >> 1)))"
    else
        echo "FAIL: exit status $status"
    fi
    ok=0
    ;;
esac

if ! diff -u --label expected --label output "$tmp/expected" \
        "$tmp/output" >"$tmp/diff"; then
    echo "FAIL: output differs from the expected output"
    cat "$tmp/diff"
    ok=0
fi

if [ $ok -eq 0 ]; then
    echo "--- raw output ---"
    cat -v "$tmp/raw"
    echo "--- stderr ---"
    cat "$tmp/stderr"
    exit 1
fi
echo "PASS"
