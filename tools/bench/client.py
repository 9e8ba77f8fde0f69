#!/usr/bin/env python3
"""tools/bench/client.py - host-side helpers of the benchmark (run inside the
harness's network namespace; the same code drives both guests).

  client.py wait-http ADDR PORT SECS   poll GET / (Connection: close) every
      50 ms until the answer is a 200 with body "pika"; prints the wall-clock
      time of that first answer (seconds since the epoch). Exit 1 after SECS.
  client.py bulk ADDR PORT SECS        one TCP connection: send 64 KiB writes
      for SECS seconds, shut down the sending side, wait for the server to
      close (it does at our EOF). Prints "bytes=N seconds=S" where S runs from
      connect to the server's close, so every byte sent has been received.
      Exit 1 with the error on stderr.
  client.py get-bytes ADDR PORT N SECS  GET /bytes/N (Connection: close) and
      check every byte of the body (byte i = i mod 251) and its length.
      Prints "bytes=N seconds=S", S from before connect to the last byte.
      Exit 1 with the error on stderr: a wrong byte (its offset), a short
      body, no 200, no progress for 60 s or no end in SECS seconds.
"""
import re
import socket
import sys
import time


def wait_http(addr, port, secs):
    end = time.time() + secs
    req = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    while time.time() < end:
        try:
            with socket.create_connection((addr, port), timeout=0.5) as s:
                s.settimeout(2)
                s.sendall(req)
                data = b""
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    data += b
            if data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\npika"):
                print("%.6f" % time.time())
                return 0
        except OSError:
            pass
        time.sleep(0.05)
    print("no answer from %s:%d in %d s" % (addr, port, secs), file=sys.stderr)
    return 1


def bulk(addr, port, secs):
    buf = b"\x5a" * 65536
    try:
        s = socket.create_connection((addr, port), timeout=10)
        t0 = time.time()
        s.settimeout(30)
        sent = 0
        while time.time() - t0 < secs:
            s.sendall(buf)
            sent += len(buf)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(120)
        while s.recv(4096):
            pass
        t = time.time() - t0
        s.close()
    except OSError as e:
        print("bulk to %s:%d: %s" % (addr, port, e), file=sys.stderr)
        return 1
    print("bytes=%d seconds=%.6f" % (sent, t))
    return 0


def get_bytes(addr, port, n, secs):
    buf = bytearray(1 << 18)
    pattern = bytes(i % 251 for i in range(251 + len(buf)))
    got = 0
    t0 = time.time()
    try:
        s = socket.create_connection((addr, port), timeout=10)
        s.settimeout(60)  # no progress for a minute: failed
        s.sendall(b"GET /bytes/%d HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n" % n)
        head = b""
        while b"\r\n\r\n" not in head:
            b = s.recv(4096)
            if not b or len(head) > 8192:
                raise OSError("no complete answer header (%d bytes)" % len(head))
            head += b
        head, _, rest = head.partition(b"\r\n\r\n")
        m = re.search(rb"^content-length: *(\d+)\r?$", head, re.M | re.I)
        if not head.startswith(b"HTTP/1.1 200 ") or not m or int(m.group(1)) != n:
            raise OSError("answer not 200 with Content-Length %d: %r" % (n, head[:200]))
        view = memoryview(buf)
        buf[:len(rest)] = rest
        k = len(rest)
        while True:
            k = min(k, n - got)
            if k and buf[:k] != pattern[got % 251:got % 251 + k]:
                i = next(i for i in range(k) if buf[i] != (got + i) % 251)
                raise OSError("byte %d is 0x%02x, not 0x%02x" % (got + i, buf[i], (got + i) % 251))
            got += k
            if got == n:
                break
            if time.time() - t0 > secs:
                raise OSError("not done in %g s" % secs)
            k = s.recv_into(view, min(len(buf), n - got))
            if not k:
                raise OSError("the server closed the connection")
        t = time.time() - t0
        s.close()
    except OSError as e:
        print("get-bytes from %s:%d: %s (%d of %d body bytes checked before)" % (addr, port, e, got, n),
              file=sys.stderr)
        return 1
    print("bytes=%d seconds=%.6f" % (got, t))
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] in ("wait-http", "bulk"):
        return (wait_http if a[0] == "wait-http" else bulk)(a[1], int(a[2]), float(a[3]))
    if len(a) == 5 and a[0] == "get-bytes":
        return get_bytes(a[1], int(a[2]), int(a[3]), float(a[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
