#!/usr/bin/env python3
"""Networking through -netdev user and an e1000, in bt86's reference guest
(tests/guest), checked from both ends.

usage: net.py EMULATOR GUESTDIR [static|dhcp]

EMULATOR is bt86, or qemu-system-x86_64 (same command line) to check the
test itself. The guest gets its address by DHCP (udhcpc, default) or the
static net-up, then:
  - sockserv 8080 in the guest, reached through hostfwd from 127.0.0.1:
    16 MiB of random bytes, whose count and checksum sockserv reports
    back must be the host's; then 20 clients at once, each checked;
  - ping 10.0.2.2 (libslirp answers for the gateway);
  - wget from a python http.server on the host's 127.0.0.1, through
    10.0.2.2, with the file's md5 checked.
"""
import functools
import hashlib
import http.server
import os
import random
import re
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402
from guest import (Guest, fail, check_log, CMD_TIMEOUT,  # noqa: E402
                   wait_carrier, free_port)

BIG = 16 << 20
CLIENTS = 20
CLIENT_BYTES = 256 << 10
IO_TIMEOUT = 300


def sockserv_sum(data):
    """sockserv's checksum: sum = (sum * 31 + byte) % 1000000007."""
    s = 0
    for b in data:
        s = (s * 31 + b) % 1000000007
    return s


def exchange(port, data):
    """Sends data to sockserv through the forwarded port, closes the write
    side, returns the reply line's (bytes, sum)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        r = c.recv(4096)
        if not r:
            break
        reply += r
    c.close()
    m = re.match(rb"sockserv: connection \d+: (\d+) bytes, sum (\d+)\n",
                 reply)
    if not m:
        raise RuntimeError("sockserv replied %r" % reply)
    return int(m.group(1)), int(m.group(2))


def check_exchange(port, data, what):
    t0 = time.monotonic()
    got = exchange(port, data)
    dt = time.monotonic() - t0
    want = (len(data), sockserv_sum(data))
    if got != want:
        fail("%s: sockserv got %d bytes, sum %d; sent %d bytes, sum %d" %
             (what, got[0], got[1], want[0], want[1]))
    return dt


def net_up(g, mode):
    if mode == "static":
        st, out = g.run("net-up")
    else:
        st, out = g.run("insmod /lib/modules/e1000.ko && ip link set lo up "
                        "&& ip link set eth0 up && "
                        "udhcpc -i eth0 -n -q -t 10 -T 1")
    if st != 0:
        fail("%s network setup failed (status %d): %s" % (mode, st, out))
    # the e1000's link comes up ~2 s after ifup; until then the
    # guest drops what it sends, and TCP backs off
    wait_carrier(g)
    st, out = g.run("ip -4 addr show eth0; ip route")
    if "inet 10.0.2.15/24" not in out or "default via 10.0.2.2" not in out:
        fail("eth0 is not 10.0.2.15/24 with a route via 10.0.2.2: %s" % out)


def start_sockserv(g, port):
    g.send("sockserv %d &" % port)
    g.expect(r"sockserv: listening on port %d" % port, CMD_TIMEOUT)


def test_transfer(g, port):
    data = random.Random(1).randbytes(BIG)
    dt = check_exchange(port, data, "16 MiB")
    print("\n[16 MiB host -> guest: %.2f s, %.1f MiB/s]" %
          (dt, BIG / dt / (1 << 20)), flush=True)


def test_concurrent(port):
    errors = []

    def client(i):
        data = random.Random(100 + i).randbytes(CLIENT_BYTES + i)
        # libslirp listens for hostfwd with a backlog of 1: connections
        # that arrive together overflow the host's accept queue, and one
        # may be reset (QEMU alike). Connect 50 ms apart; the transfers
        # still overlap, since sockserv serves one at a time.
        time.sleep(0.05 * i)
        try:
            got = exchange(port, data)
            want = (len(data), sockserv_sum(data))
            if got != want:
                errors.append("client %d: got %s, want %s" % (i, got, want))
        except (OSError, RuntimeError) as e:
            errors.append("client %d: %s" % (i, e))

    threads = [threading.Thread(target=client, args=(i,))
               for i in range(CLIENTS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(IO_TIMEOUT)
    if any(t.is_alive() for t in threads):
        fail("concurrent clients did not finish in %d s" % IO_TIMEOUT)
    if errors:
        fail("; ".join(errors))
    print("\n[%d concurrent clients: %.2f s]" %
          (CLIENTS, time.monotonic() - t0), flush=True)


def test_ping(g):
    st, out = g.run("ping -c 3 -W 5 10.0.2.2")
    if st != 0 or not re.search(r"3 packets transmitted, 3 packets received",
                                out):
        fail("ping 10.0.2.2 (status %d): %s" % (st, out))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_wget(g):
    with tempfile.TemporaryDirectory() as d:
        blob = random.Random(2).randbytes(3 << 20)
        with open(os.path.join(d, "blob"), "wb") as f:
            f.write(blob)
        handler = functools.partial(QuietHandler, directory=d)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            port = httpd.server_address[1]
            st, out = g.run("wget -q -O - http://10.0.2.2:%d/blob | md5sum"
                            % port, IO_TIMEOUT)
        finally:
            httpd.shutdown()
    want = hashlib.md5(blob).hexdigest()
    if st != 0 or want not in out:
        fail("wget through 10.0.2.2 (status %d): %r, md5 %s wanted" %
             (st, out, want))


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    emu, guest_dir = sys.argv[1:3]
    mode = sys.argv[3] if len(sys.argv) == 4 else "dhcp"
    if mode not in ("static", "dhcp"):
        sys.exit(__doc__)
    for f in ("vmlinuz", "initramfs.cpio.gz"):
        if not os.path.exists(os.path.join(guest_dir, f)):
            fail("no %s in %s: run tests/guest/build.sh %s" %
                 (f, guest_dir, guest_dir))
    port = free_port()
    g = Guest(emu, guest_dir, "", [
        "-accel", "tcg",
        "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080" % port,
        "-device", "e1000,netdev=n0"])
    try:
        g.wait_for_shell()
        # long command lines must not wrap: run() finds its marker in them
        g.run("stty cols 1000")
        net_up(g, mode)
        start_sockserv(g, 8080)
        test_transfer(g, port)
        test_concurrent(port)
        test_ping(g)
        test_wget(g)
        g.run("dmesg")
        if "qemu" in os.path.basename(emu):
            # QEMU's TCG cannot calibrate the TSC fast: not ours to check
            guest.BAD_LOG = [b for b in guest.BAD_LOG if "TSC" not in b]
        check_log(g)
        g.send("poweroff -f")
        status = g.wait_exit(CMD_TIMEOUT)
        if status != 0:
            fail("poweroff -f: exit status %d" % status)
    finally:
        if g.p.poll() is None:
            g.p.kill()
    print("\nPASS", flush=True)


if __name__ == "__main__":
    main()
