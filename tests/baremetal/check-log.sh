#!/usr/bin/env bash
# Runs the syscall kit kernel with -d int,stats and checks what the log
# says of the transitions: every exception and interrupt with its vector,
# CPL and RIP; at exit the SYSCALL/SYSRET counts and the MSRs by name.
# With RESET_KERNEL (the reset kit kernel), also runs it without
# -no-reboot and checks that its three machine resets are logged and
# counted.
#
# usage: check-log.sh BT86 KERNEL [RESET_KERNEL]
set -u
bt86=$1
kernel=$2
reset_kernel=${3:-}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

timeout 60 "$bt86" -display none -serial null -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -d int,stats -D "$log" \
    -kernel "$kernel"
status=$?
if [ "$status" -ne 1 ]; then
    echo "FAIL: the kernel ended with status $status, not 1"
    exit 1
fi
fail=0
expect() {      # a regex the log must match
    if ! grep -Eq "$1" "$log"; then
        echo "FAIL: no line in the -d log matches: $1"
        fail=1
    fi
}
expect '^exception v=0d e=[0-9a-f]{4} cpl=3 rip=[0-9a-f]{16} '
expect '^stats: syscall [1-9][0-9]* sysret [1-9][0-9]* rdmsr [0-9]+ wrmsr [0-9]+$'
expect '^stats: msr 0xc0000082 LSTAR: rdmsr [0-9]+ wrmsr [1-9]'
expect '^stats: msr 0xc0000080 EFER: rdmsr [1-9][0-9]* wrmsr [1-9]'
expect '^stats: vector 0x0d delivered [1-9][0-9]* times$'
expect '^stats: blocks translated [1-9]'
expect '^stats: machine resets 0$'
if [ -n "$reset_kernel" ]; then
    timeout 60 "$bt86" -display none -serial null \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -d int,stats -D "$log" \
        -kernel "$reset_kernel"
    status=$?
    if [ "$status" -ne 1 ]; then
        echo "FAIL: the reset kernel ended with status $status, not 1"
        exit 1
    fi
    expect '^reset: machine reset 3$'
    expect '^stats: machine resets 3$'
fi
if [ "$fail" -ne 0 ]; then
    echo "--- log (head)"
    head -n 40 "$log"
    exit 1
fi
echo "ok: -d int and -d stats show the transitions"
