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
"""
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


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("wait-http", "bulk"):
        print(__doc__, file=sys.stderr)
        return 2
    f = wait_http if sys.argv[1] == "wait-http" else bulk
    return f(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))


if __name__ == "__main__":
    sys.exit(main())
