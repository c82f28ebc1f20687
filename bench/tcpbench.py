"""TCP throughput through -netdev user's hostfwd and an e1000, host to guest
and guest to host, with the reference guest (tests/guest). Used by
bench/net-throughput (MiB/s) and bench/run (the linux-tcp-* rows).

An emulator boots once; the guest sets up eth0 (net-up), then per run:
  host -> guest: the host sends N bytes to `nc -l -p 8082 | wc -c` in the
                 guest; timed until the guest prints the count
  guest -> host: `dd if=/dev/zero bs=64k count=N/64k | nc -l -p 8081` in
                 the guest; timed until the host has read N bytes (dd, not
                 head -c, which copies a byte at a time through stdio and
                 measured that rather than the network)
"""
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))
import guest as guestlib  # noqa: E402


class BenchError(Exception):
    pass


def fail(msg):
    raise BenchError(msg)


guestlib.fail = fail        # a failed emulator must not end the others


def connect_retry(port, timeout=30):
    """Connects to a hostfwd port whose guest listener may not be up yet:
    slirp accepts at once, then closes when the guest refuses."""
    end = time.monotonic() + timeout
    while True:
        c = socket.create_connection(("127.0.0.1", port), timeout=120)
        c.settimeout(0.3)
        try:
            if c.recv(1, socket.MSG_PEEK) == b"":
                c.close()       # refused by the guest: not listening yet
                if time.monotonic() > end:
                    fail("nothing listens on guest port behind %d" % port)
                time.sleep(0.2)
                continue
        except socket.timeout:
            pass                # open and quiet: a listener took it
        c.settimeout(120)
        return c


def host_to_guest(g, port, nbytes):
    g.send("nc -l -p 8082 | wc -c")
    time.sleep(0.5)
    c = connect_retry(port)
    chunk = b"\xa5" * (1 << 20)
    t0 = time.monotonic()
    left = nbytes
    while left:
        n = min(left, len(chunk))
        c.sendall(chunk[:n])
        left -= n
    c.close()
    g.expect(r"\n\s*%d\s*\r?\n" % nbytes, 600)
    return time.monotonic() - t0


def guest_to_host(g, port, nbytes):
    block = 64 << 10
    if nbytes % block:
        fail("guest -> host: %d bytes is not a whole number of 64 KiB" %
             nbytes)
    g.send("dd if=/dev/zero bs=%d count=%d 2>/dev/null | nc -l -p 8081" %
           (block, nbytes // block))
    time.sleep(0.5)
    c = connect_retry(port)
    t0 = time.monotonic()
    got = 0
    while got < nbytes:
        r = c.recv(1 << 20)
        if not r:
            break
        got += len(r)
    dt = time.monotonic() - t0
    c.close()
    if got != nbytes:
        fail("guest -> host: %d of %d bytes" % (got, nbytes))
    g.expect(r"# ", 60)
    return dt


def bench(emu, guest_dir, runs, nbytes):
    """Seconds of each run: ([host -> guest], [guest -> host])."""
    p_in, p_out = guestlib.free_port(), guestlib.free_port()
    # the guest's console is not shown: only the results are
    saved = sys.stdout
    sys.stdout = open(os.devnull, "w")
    g = guestlib.Guest(emu, guest_dir, "", [
        "-accel", "tcg",
        "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8082,"
        "hostfwd=tcp:127.0.0.1:%d-:8081" % (p_in, p_out),
        "-device", "e1000,netdev=n0"])
    try:
        g.wait_for_shell()
        g.run("stty cols 1000")
        st, out = g.run("net-up")
        if st != 0:
            fail("net-up: %s" % out)
        # the e1000's link comes up ~2 s after ifup; until then the
        # guest drops what it sends, and TCP backs off
        guestlib.wait_carrier(g)
        h2g, g2h = [], []
        for _ in range(runs):
            h2g.append(host_to_guest(g, p_in, nbytes))
            g2h.append(guest_to_host(g, p_out, nbytes))
        return h2g, g2h
    finally:
        sys.stdout.close()
        sys.stdout = saved
        if g.p.poll() is None:
            g.p.kill()
            g.p.wait()


def why_bt86_failed(bt86):
    """The one-line error of a command line bt86 refuses, or ''."""
    p = subprocess.run(
        [bt86, "-accel", "tcg", "-netdev", "user,id=n0",
         "-device", "e1000,netdev=n0", "-kernel", "/dev/null"],
        capture_output=True, text=True, timeout=30)
    if p.returncode == 1 and p.stderr:
        return p.stderr.strip()
    return ""
