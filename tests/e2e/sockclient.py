#!/usr/bin/env python3
"""Host-side clients for tests/e2e/sock.sh.

  sockclient.py raw HOST PORT REQUEST     send REQUEST (backslash escapes allowed), print the answer
  sockclient.py udp HOST PORT TEXT        one datagram, print the reply
  sockclient.py many HOST PORT N          N connections open at once, then a GET on each;
                                          prints "served K of N, refused R, ..."
  sockclient.py refused HOST PORT         prints "refused" when the connection is refused (RST)
  sockclient.py udpcheck HOST PORT N SIZE N datagrams of SIZE random bytes to an echo server, each
                                          compared byte for byte; prints "intact K of N, corrupted C"
  sockclient.py hold HOST PORT N OTHER    N connections held open at once, then more until refused;
                                          an echo on port OTHER meanwhile; then a GET on every held one
  sockclient.py latency HOST PORT SECS    GET / one after another for SECS seconds; prints one
                                          "START_S LATENCY_S ok|failed" line per request
  sockclient.py resetter ADDR PORT        listen; reset the first connection after 64 KiB
"""
import socket
import struct
import sys
import time


def raw(host, port, request):
    data = request.encode().decode("unicode_escape").encode("latin-1")
    s = socket.create_connection((host, port), timeout=20)
    s.sendall(data)
    s.settimeout(5)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    sys.stdout.write(out.decode("latin-1"))


def udp(host, port, text):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    for _ in range(5):  # a datagram may be lost while ARP resolves
        s.sendto(text.encode(), (host, port))
        try:
            print(s.recv(2048).decode())
            return
        except socket.timeout:
            continue
    print("no reply")


def many(host, port, n):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 100)), hard))
    socks, refused, failed = [], 0, 0
    t0 = time.time()
    for _ in range(n):
        for attempt in range(20):
            s = socket.socket()
            s.settimeout(30)
            try:
                s.connect((host, port))
                socks.append(s)
                break
            except ConnectionRefusedError:
                refused += 1  # beyond the backlog: refused, try again shortly
                s.close()
                time.sleep(0.05)
            except OSError:
                failed += 1
                s.close()
                break
    opened = time.time() - t0
    served = 0
    for s in socks:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
    # every answer within one deadline (a lost one must not cost a time-out each)
    import selectors
    sel = selectors.DefaultSelector()
    outs = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        outs[s] = b""
    deadline = time.time() + 120
    while outs and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                b = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if b:
                outs[s] += b
                continue
            out = outs.pop(s)
            if out.startswith(b"HTTP/1.1 200") and out.endswith(b"pika"):
                served += 1
            sel.unregister(s)
            s.close()
    for s in outs:
        s.close()
    print("served %d of %d, refused %d (retried), failed %d, unanswered %d, opened in %.1f s" %
          (served, n, refused, failed, len(outs), opened))


def udpcheck(host, port, n, size):
    import os
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    intact = corrupted = 0
    for _ in range(n):
        data = os.urandom(size)
        for _ in range(5):  # a datagram may be lost (ARP, a full queue): send it again
            s.sendto(data, (host, port))
            try:
                back = s.recv(65536)
            except socket.timeout:
                continue
            if back == data:
                intact += 1
            else:
                corrupted += 1
            break
    print("intact %d of %d, corrupted %d" % (intact, n, corrupted))


def udpports(host, port, n):
    """One datagram from each of n sockets (n source ports, so RSS spreads
    them over the queues); prints how many were echoed."""
    answered = 0
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1)
        data = b"port %d" % i
        for _ in range(3):
            s.sendto(data, (host, port))
            try:
                if s.recv(2048) == data:
                    answered += 1
                break
            except socket.timeout:
                continue
        s.close()
    print("answered %d of %d" % (answered, n))


def open_many(host, port, n, stop_after_refusals=0, inflight=128):
    """Opens up to n connections, at most `inflight` handshakes at a time.
    Returns (sockets, refused, timeouts, slowest refusal in s). With
    stop_after_refusals, stops once that many were refused."""
    import errno
    import selectors
    sel = selectors.DefaultSelector()
    socks, refused, timeouts, slowest = [], 0, 0, 0.0
    started = 0
    pending = {}
    while (started < n or pending) and not (stop_after_refusals and refused >= stop_after_refusals):
        while started < n and len(pending) < inflight:
            c = socket.socket()
            c.setblocking(False)
            e = c.connect_ex((host, port))
            if e not in (0, errno.EINPROGRESS):
                c.close()
                raise OSError(e, "connect")
            pending[c] = time.time()
            sel.register(c, selectors.EVENT_WRITE)
            started += 1
        for key, _ in sel.select(timeout=0.5):
            c = key.fileobj
            sel.unregister(c)
            took = time.time() - pending.pop(c)
            e = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e == 0:
                socks.append(c)
            elif e == errno.ECONNREFUSED:
                refused += 1
                slowest = max(slowest, took)
                c.close()
            else:
                timeouts += 1
                c.close()
        now = time.time()
        for c, t in list(pending.items()):
            if now - t > 30:
                sel.unregister(c)
                del pending[c]
                timeouts += 1
                c.close()
    for c in pending:
        c.close()
    return socks, refused, timeouts, slowest


def get_all(socks, deadline_s):
    """A GET on each socket; how many answered 200 + "pika" within the deadline."""
    import selectors
    for c in socks:
        c.setblocking(True)
        c.settimeout(5)
        try:
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        c.setblocking(False)
    sel = selectors.DefaultSelector()
    outs = {}
    for c in socks:
        sel.register(c, selectors.EVENT_READ)
        outs[c] = b""
    served = 0
    deadline = time.time() + deadline_s
    while outs and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            c = key.fileobj
            try:
                b = c.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if b:
                outs[c] += b
                continue
            out = outs.pop(c)
            served += out.startswith(b"HTTP/1.1 200") and out.endswith(b"pika")
            sel.unregister(c)
            c.close()
    for c in outs:
        c.close()
    return served


def hold(host, port, n, other):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    t0 = time.time()
    socks, refused, timeouts, _ = open_many(host, port, n)
    opened = time.time() - t0
    held = len(socks)
    # beyond: until 50 are refused (the server's limit), or 30,000 more
    more, refused2, timeouts2, slowest = open_many(host, port, 30000, stop_after_refusals=50)
    socks += more
    echo = "failed"
    try:
        e = socket.create_connection((host, other), timeout=10)
        e.sendall(b"still here")
        e.settimeout(10)
        if e.recv(64) == b"still here":
            echo = "ok"
        e.close()
    except OSError:
        pass
    served = get_all(socks, 300)
    print("held %d of %d (opened in %.1f s, refused %d, timeouts %d), then %d more until %d refused "
          "(slowest refusal %.2f s, timeouts %d), echo %s, served %d of %d" %
          (held, n, opened, refused, timeouts, len(more), refused2, slowest, timeouts2, echo, served,
           len(socks)))


def latency(host, port, secs):
    t0 = time.time()
    while time.time() - t0 < secs:
        start = time.time()
        ok = False
        try:
            c = socket.create_connection((host, port), timeout=5)
            c.settimeout(5)
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            out = b""
            while True:
                b = c.recv(4096)
                if not b:
                    break
                out += b
            c.close()
            ok = out.startswith(b"HTTP/1.1 200") and out.endswith(b"pika")
        except OSError:
            pass
        print("%.3f %.3f %s" % (start - t0, time.time() - start, "ok" if ok else "failed"), flush=True)
        time.sleep(0.02)


def refused(host, port):
    s = socket.socket()
    s.settimeout(10)
    try:
        s.connect((host, port))
        print("connected")
    except ConnectionRefusedError:
        print("refused")
    except OSError as e:
        print("error", e)


def resetter(addr, port):
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((addr, port))
    l.listen(1)
    c, _ = l.accept()
    got = 0
    while got < 65536:
        b = c.recv(65536)
        if not b:
            break
        got += len(b)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()  # linger 0: RST
    print("reset after", got)


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if cmd == "raw":
        raw(host, port, sys.argv[4])
    elif cmd == "udp":
        udp(host, port, sys.argv[4])
    elif cmd == "many":
        many(host, port, int(sys.argv[4]))
    elif cmd == "udpports":
        udpports(host, port, int(sys.argv[4]))
    elif cmd == "udpcheck":
        udpcheck(host, port, int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "hold":
        hold(host, port, int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "latency":
        latency(host, port, float(sys.argv[4]))
    elif cmd == "refused":
        refused(host, port)
    elif cmd == "resetter":
        resetter(host, port)


if __name__ == "__main__":
    main()
