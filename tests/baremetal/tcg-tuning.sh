#!/usr/bin/env bash
# The JIT's technique switches (-accel tcg,PROP=off, tcg/tuning.h) must
# change only the speed: each kernel's serial output and exit status with
# the switch off must be those of a normal run.
#
# usage: tcg-tuning.sh BT86 PROP KERNEL...
#        tcg-tuning.sh BT86 --errors
#   --errors: a bad value or an unknown property ends bt86 with status 1
#   and one line on stderr.
set -u
bt86=$1
prop=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

if [ "$prop" = --errors ]; then
    check_error() {     # ACCEL-ARG MESSAGE
        "$bt86" -display none -accel "$1" -kernel /nonexistent \
            </dev/null >"$tmp/out" 2>"$tmp/err"
        status=$?
        if [ "$status" -ne 1 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
                [ "$(cat "$tmp/err")" != "bt86: -accel: $2" ]; then
            echo "FAIL: -accel $1: status $status, stderr:"
            cat "$tmp/err"
            echo "  (wanted status 1 and: bt86: -accel: $2)"
            fail=1
        fi
    }
    check_error tcg,chain=maybe "property 'chain' takes on or off, not 'maybe'"
    check_error tcg,regcache "property 'regcache' needs a value: on or off"
    check_error tcg,inline-tlb=off,no-such=off \
        "property 'no-such' is not supported"
    check_error qtest,chain=off "property 'chain' is not supported"
    if ! "$bt86" -accel tcg,help | grep -q '^  inline-tlb '; then
        echo "FAIL: -accel tcg,help does not list inline-tlb"
        fail=1
    fi
    [ "$fail" -eq 0 ] && echo "ok: -accel tcg property errors"
    exit "$fail"
fi

run() {     # OUT KERNEL [ARGS...]: serial output, then the exit status
    local out=$1 kernel=$2
    shift 2
    timeout --kill-after=5 120 "$bt86" -nographic -no-reboot -m 128 \
        -device isa-debug-exit,iobase=0xf4,iosize=4 "$@" -kernel "$kernel" \
        </dev/null >"$out" 2>&1
    echo "exit status $?" >>"$out"
}

# One kernel: the normal run must pass (status 1), the run with the switch
# off must match it. A few kit kernels race a timer against the CPU, so a
# mismatch is tried again twice before it counts.
check_kernel() {    # KERNEL -> 0 if it matched
    local kernel=$1
    run "$tmp/normal" "$kernel"
    if [ "$(tail -n 1 "$tmp/normal")" != "exit status 1" ]; then
        echo "$(basename "$kernel"): the normal run ended with" \
             "$(tail -n 1 "$tmp/normal"):" >"$tmp/why"
        cat "$tmp/normal" >>"$tmp/why"
        return 1
    fi
    run "$tmp/off" "$kernel" -accel "tcg,$prop=off"
    if ! diff -u --label normal --label "$prop=off" "$tmp/normal" \
            "$tmp/off" >"$tmp/diff"; then
        echo "$(basename "$kernel"): with $prop=off the output differs:" \
            >"$tmp/why"
        head -n 40 "$tmp/diff" >>"$tmp/why"
        return 1
    fi
}

for kernel in "$@"; do
    name=$(basename "$kernel")
    if [ ! -f "$kernel" ]; then
        echo "FAIL: no kernel $kernel"
        fail=1
        continue
    fi
    for try in 1 2 3; do
        if check_kernel "$kernel"; then
            echo "ok: $name with $prop=off$([ "$try" -gt 1 ] &&
                                           echo " (try $try)")"
            break
        fi
        if [ "$try" -eq 3 ]; then
            echo "FAIL: $(head -n 1 "$tmp/why") (3 tries)"
            tail -n +2 "$tmp/why"
            fail=1
        else
            echo "try again: $(head -n 1 "$tmp/why")"
            tail -n +2 "$tmp/why"
        fi
    done
done
exit "$fail"
