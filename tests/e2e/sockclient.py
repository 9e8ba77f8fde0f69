#!/usr/bin/env python3
"""Host-side clients for tests/e2e/sock.sh.

  sockclient.py raw HOST PORT REQUEST     send REQUEST (backslash escapes allowed), print the answer
  sockclient.py udp HOST PORT TEXT        one datagram, print the reply
  sockclient.py many HOST PORT N          N connections open at once, then a GET on each;
                                          prints "served K of N, refused R, ..."
  sockclient.py refused HOST PORT         prints "refused" when the connection is refused (RST)
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
    elif cmd == "refused":
        refused(host, port)
    elif cmd == "resetter":
        resetter(host, port)


if __name__ == "__main__":
    main()
