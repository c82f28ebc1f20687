#!/usr/bin/env python3
"""Boots bt86's reference guest (tests/guest) and checks it through the
serial console.

usage: guest.py BT86 GUESTDIR TEST
TEST: shell      boot to the shell, run commands, check the kernel log,
                 `poweroff -f` ends bt86 with status 0
      guesttest  run the static test program (syscalls, signals,
                 fork/exec, mmap, threads, floating point), all checks pass
"""
import os
import re
import select
import subprocess
import sys
import time

BOOT_TIMEOUT = 240
CMD_TIMEOUT = 60

# What must never be in the kernel log (issue: a clean boot)
BAD_LOG = [
    r"Oops", r"WARNING:", r"BUG:", r"unchecked MSR access",
    r"TSC calibration failed", r"[Cc]locksource .* unstable",
    r"Kernel panic", r"general protection fault", r"invalid opcode",
]


class Guest:
    def __init__(self, bt86, guest_dir, append, extra=()):
        self.out = b""
        self.pos = 0
        args = [bt86, "-m", "512", "-display", "none", "-serial", "stdio",
                "-no-reboot",
                "-kernel", os.path.join(guest_dir, "vmlinuz"),
                "-initrd", os.path.join(guest_dir, "initramfs.cpio.gz"),
                "-append", "console=ttyS0 " + append] + list(extra)
        print("+ " + " ".join(args), flush=True)
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
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
    sys.exit(1)


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
    # whole seconds: the guest's reading lies in [before - 1, after]
    if not int(before) - 1 <= guest_now <= after:
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
    g.expect(r"bt86-guest: init ready", BOOT_TIMEOUT)
    g.send("")
    g.expect(r"bt86-guest:[^#]*# ", CMD_TIMEOUT)
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


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    bt86, guest_dir, test = sys.argv[1:]
    for f in ("vmlinuz", "initramfs.cpio.gz"):
        if not os.path.exists(os.path.join(guest_dir, f)):
            fail("no %s in %s: run tests/guest/build.sh %s" %
                 (f, guest_dir, guest_dir))
    {"shell": test_shell, "guesttest": test_guesttest}[test](bt86,
                                                            guest_dir)
    print("\nPASS", flush=True)


if __name__ == "__main__":
    main()
