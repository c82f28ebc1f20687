#!/usr/bin/env python3
"""Boots bt86's reference guest (tests/guest) and checks it through the
serial console.

usage: guest.py BT86 GUESTDIR TEST
TEST: shell      boot to the shell, run commands, check the kernel log,
                 `poweroff -f` ends bt86 with status 0
      guesttest  run the static test program (syscalls, signals,
                 fork/exec, mmap, threads, floating point), all checks pass
      e1000      the e1000 on -netdev loopback: Linux's driver loads, the
                 link comes up, frames go out and broadcast ones come back
      reboot     `reboot -f` boots the guest again to the shell, then
                 `poweroff -f` ends bt86 with status 0; under -no-reboot
                 `reboot -f` ends bt86 with status 0; an initrd gone by
                 the reboot ends bt86 with one line and status 1
"""
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BOOT_TIMEOUT = 240
CMD_TIMEOUT = 60

# What must never be in the kernel log (issue: a clean boot)
BAD_LOG = [
    r"Oops", r"WARNING:", r"BUG:", r"unchecked MSR access",
    r"TSC calibration failed", r"[Cc]locksource .* unstable",
    r"Kernel panic", r"general protection fault", r"invalid opcode",
]


# Guests started and not yet waited for: a failing test kills them, so no
# bt86 outlives it.
_live = []


class Guest:
    def __init__(self, bt86, guest_dir, append, extra=(), no_reboot=True,
                 initrd=None):
        self.out = b""
        self.pos = 0
        args = [bt86, "-m", "512", "-display", "none", "-serial", "stdio"]
        if no_reboot:
            args.append("-no-reboot")
        args += list(extra) + [
                "-kernel", os.path.join(guest_dir, "vmlinuz"),
                "-initrd", initrd or os.path.join(guest_dir,
                                                  "initramfs.cpio.gz"),
                "-append", "console=ttyS0 " + append]
        print("+ " + " ".join(args), flush=True)
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        _live.append(self.p)
        self.t0 = time.monotonic()

    def _read(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return False
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            return None
        sys.stdout.write(data.decode("utf-8", "replace"))
        sys.stdout.flush()
        self.out += data
        return True

    def expect(self, pattern, timeout):
        """Waits for a regex after what was already matched; its match."""
        rx = re.compile(pattern.encode())
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = end - time.monotonic()
            if left <= 0:
                fail("timed out after %d s waiting for %r" % (timeout,
                                                             pattern))
            if self._read(min(left, 1.0)) is None:
                fail("bt86 ended (status %s) while waiting for %r" %
                     (self.p.wait(), pattern))

    def wait_for_shell(self):
        """Waits for /init, then for the shell's prompt."""
        self.expect(r"bt86-guest: init ready", BOOT_TIMEOUT)
        self.send("")
        self.expect(r"bt86-guest:[^#]*# ", CMD_TIMEOUT)

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Runs a shell command; its output (between echo and prompt)."""
        marker = "__done_%d__" % int(time.monotonic() * 1000)
        start = len(self.out)
        self.send("%s; echo %s $?" % (cmd, marker))
        m = self.expect(r"%s (\d+)" % marker + r"\r?\n", timeout)
        # from the end of the echoed command line to the marker's output
        text = self.out[start:m.start()].decode("utf-8", "replace")
        echo_end = text.find("\n", text.find(marker))
        return int(m.group(1)), text[echo_end + 1:]

    def wait_exit(self, timeout):
        end = time.monotonic() + timeout
        while self.p.poll() is None and time.monotonic() < end:
            self._read(0.5)
        while self._read(0):
            pass
        if self.p.poll() is None:
            self.p.kill()
            fail("bt86 did not exit within %d s" % timeout)
        return self.p.returncode

    def log_text(self):
        return self.out.decode("utf-8", "replace")


def fail(msg):
    print("\nFAIL: " + msg, flush=True)
    for p in _live:
        if p.poll() is None:
            p.kill()
    sys.exit(1)


def wait_carrier(g):
    """Waits (10 s at most) for the guest's eth0 to have its link up."""
    c = "$(cat /sys/class/net/eth0/carrier)"
    st, out = g.run('i=0; while [ "%s" != 1 ] && [ $i -lt 100 ]; do '
                    'i=$((i+1)); usleep 100000; done; [ "%s" = 1 ]' % (c, c),
                    30)
    if st != 0:
        fail("eth0: no carrier after 10 s: %s" % out)


def free_port():
    """A TCP port on 127.0.0.1 free just now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_log(g):
    text = g.log_text()
    for bad in BAD_LOG:
        m = re.search(bad, text)
        if m:
            line = text[text.rfind("\n", 0, m.start()) + 1:
                        text.find("\n", m.end())]
            fail("kernel log has %r: %s" % (bad, line.strip()))


def interrupt_count(text, pattern):
    """Sum of the per-CPU counts on the /proc/interrupts line matching."""
    for line in text.splitlines():
        if re.search(pattern, line):
            fields = line.split()[1:]
            return sum(int(f) for f in fields if f.isdigit())
    return None


def check_interrupts(g):
    """Timer and serial interrupts are counted, and keep being counted."""
    _, before = g.run("cat /proc/interrupts")
    time.sleep(0.5)
    _, after = g.run("cat /proc/interrupts")
    for name, pattern in (("local APIC timer", r"^\s*LOC:"),
                          ("serial", r"ttyS0")):
        a = interrupt_count(before, pattern)
        b = interrupt_count(after, pattern)
        if a is None or b is None or b <= a:
            fail("/proc/interrupts: %s interrupts not counted (%s -> %s)" %
                 (name, a, b))


def check_time(g):
    """The guest's date is the host's; sleep 5 takes 5 s of wall time."""
    before = time.time()
    _, out = g.run("date +%s")
    after = time.time()
    guest_now = int(re.findall(r"^(\d{9,})\s*$", out, re.M)[-1])
    # whole seconds, and the RTC the kernel set its clock from counts
    # whole seconds too: within a second of the host's on either side
    if not int(before) - 1 <= guest_now <= int(after) + 1:
        fail("guest date %d, host between %.1f and %.1f" %
             (guest_now, before, after))
    t0 = time.monotonic()
    g.run("true")
    overhead = time.monotonic() - t0
    t0 = time.monotonic()
    g.run("sleep 5")
    dt = time.monotonic() - t0 - overhead
    print("\n[sleep 5: %.3f s of wall time]" % dt, flush=True)
    if not 4.75 <= dt <= 5.25:
        fail("sleep 5 took %.3f s of wall time" % dt)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_idle(g):
    """An idle guest at the prompt uses under 5% of a host core."""
    time.sleep(1)
    c0, t0 = cpu_seconds(g.p.pid), time.monotonic()
    time.sleep(5)
    c1, t1 = cpu_seconds(g.p.pid), time.monotonic()
    load = (c1 - c0) / (t1 - t0)
    print("\n[idle guest: %.1f%% of a host core]" % (100 * load), flush=True)
    if load >= 0.05:
        fail("idle guest uses %.1f%% of a host core" % (100 * load))


def test_shell(bt86, guest_dir):
    g = Guest(bt86, guest_dir, "")
    g.wait_for_shell()
    print("\n[boot to shell: %.1f s]" % (time.monotonic() - g.t0),
          flush=True)
    st, out = g.run("echo $((6 * 7))")
    if st != 0 or "42" not in out:
        fail("shell arithmetic: status %d, output %r" % (st, out))
    check_interrupts(g)
    st, out = g.run("lspci")
    if st != 0 or "8086:1237" not in out or "8086:7000" not in out:
        fail("lspci does not list the host bridge and the ISA bridge")
    check_time(g)
    check_idle(g)
    st, out = g.run("dmesg")
    check_log(g)
    g.send("poweroff -f")
    status = g.wait_exit(CMD_TIMEOUT)
    if status != 0:
        fail("poweroff -f: bt86 exited with status %d" % status)


def test_guesttest(bt86, guest_dir):
    g = Guest(bt86, guest_dir, "bt86.run=guesttest")
    m = g.expect(r"guesttest: (\d+) passed, (\d+) failed", BOOT_TIMEOUT)
    status = g.wait_exit(CMD_TIMEOUT)
    check_log(g)
    if int(m.group(2)) != 0 or int(m.group(1)) == 0:
        fail("guesttest: %s passed, %s failed" % (m.group(1), m.group(2)))
    if status != 0:
        fail("bt86 exited with status %d after poweroff" % status)


def test_e1000(bt86, guest_dir):
    g = Guest(bt86, guest_dir, "", ["-netdev", "loopback,id=n0",
                                    "-device", "e1000,netdev=n0"])
    g.wait_for_shell()
    st, out = g.run("net-up")
    if st != 0:
        fail("net-up: status %d, output %r" % (st, out))
    # ARP requests for a missing host are broadcasts: the loopback
    # backend sends them back, so they are also received
    g.run("ping -c 2 -W 1 10.0.2.99")
    g.run("cd /sys/class/net/eth0/statistics")
    st, out = g.run("cat tx_packets rx_packets rx_errors")
    counts = [int(x) for x in re.findall(r"^(\d+)\s*$", out, re.M)]
    if st != 0 or len(counts) != 3 or counts[0] < 2 or counts[1] < 2 or \
            counts[2] != 0:
        fail("eth0 statistics (tx, rx, rx errors): %r" % counts)
    _, out = g.run("cat /proc/interrupts")
    if not interrupt_count(out, r"eth0"):
        fail("/proc/interrupts: no eth0 interrupts")
    st, out = g.run("dmesg")
    if not re.search(r"eth0 NIC Link is Up 1000 Mbps Full Duplex", out):
        fail("the kernel log does not show eth0's link up")
    for bad in (r"nobody cared", r"e1000.*(?:[Ee]rror|[Ff]ail)",
                r"Hardware Error"):
        if re.search(bad, out):
            fail("kernel log has %r" % bad)
    g.send("poweroff -f")
    status = g.wait_exit(CMD_TIMEOUT)
    if status != 0:
        fail("poweroff -f: bt86 exited with status %d" % status)


def boot_to_shell(g):
    g.expect(r"Linux version ", BOOT_TIMEOUT)
    g.wait_for_shell()


def test_reboot(bt86, guest_dir):
    g = Guest(bt86, guest_dir, "", no_reboot=False)
    boot_to_shell(g)
    print("\n[first boot: %.1f s]" % (time.monotonic() - g.t0), flush=True)
    t0 = time.monotonic()
    g.send("reboot -f")
    # the kernel's banner again: the machine was reset, not ended
    boot_to_shell(g)
    print("\n[reboot to shell: %.1f s]" % (time.monotonic() - t0),
          flush=True)
    if g.log_text().count("Linux version ") != 2:
        fail("expected the boot banner twice")
    st, out = g.run("echo $((6 * 7))")
    if st != 0 or "42" not in out:
        fail("shell after reboot: status %d, output %r" % (st, out))
    check_log(g)
    g.send("poweroff -f")
    status = g.wait_exit(CMD_TIMEOUT)
    if status != 0:
        fail("poweroff -f after reboot: bt86 exited with status %d" % status)

    g = Guest(bt86, guest_dir, "")
    boot_to_shell(g)
    g.send("reboot -f")
    status = g.wait_exit(CMD_TIMEOUT)
    if status != 0:
        fail("reboot -f under -no-reboot: bt86 exited with status %d" %
             status)
    if g.log_text().count("Linux version ") != 1:
        fail("-no-reboot: the guest booted again")

    # The initrd is read again at reset: gone, it ends bt86.
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, "initrd")
        shutil.copy(os.path.join(guest_dir, "initramfs.cpio.gz"), initrd)
        g = Guest(bt86, guest_dir, "", no_reboot=False, initrd=initrd)
        boot_to_shell(g)
        os.unlink(initrd)
        g.send("reboot -f")
        status = g.wait_exit(CMD_TIMEOUT)
        want = "bt86: reset: -initrd: could not open initrd '%s'" % initrd
        if status != 1 or want not in g.log_text():
            fail("initrd gone at reset: status %d, expected 1 and %r" %
                 (status, want))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    bt86, guest_dir, test = sys.argv[1:]
    for f in ("vmlinuz", "initramfs.cpio.gz"):
        if not os.path.exists(os.path.join(guest_dir, f)):
            fail("no %s in %s: run tests/guest/build.sh %s" %
                 (f, guest_dir, guest_dir))
    tests = {"shell": test_shell, "guesttest": test_guesttest,
             "e1000": test_e1000, "reboot": test_reboot}
    tests[test](bt86, guest_dir)
    print("\nPASS", flush=True)


if __name__ == "__main__":
    main()
