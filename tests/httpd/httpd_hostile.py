#!/usr/bin/env python3
"""httpd_hostile.py HOST PORT - clients the static server (apps/httpd) must survive.

Run in the clients' network namespace (hosted_httpd.sh); Python 3 standard library only.
Prints "ok: ..." and "FAIL: ..." lines, then a summary line; exits 1 after any FAIL.

  - refusals: an overlong request line (414), an oversized head (431), NUL bytes and a
    bare CR (400), obs-fold (400), a body (413), an unknown method (501), HTTP/2.0 (505),
    a missing Host (400): each answered with its code, then the connection closed;
  - escapes: the encodings of ".." (%2e, %2E, %2f, %5c, backslashes, doubled
    encodings) never reach outside the site: 400, or 404 for what decodes to a path
    inside it; never a 200;
  - 10,000 pipelined requests in one write: 10,000 responses, in order;
  - a client that pipelines 10,000 and never reads: the server holds it by TCP's window
    (no growth), and another client is served meanwhile;
  - slowloris: 40 connections that send half a head a byte at a time; other clients are
    served meanwhile; each slow one gets 408 (or is cut) within the head's limit (10 s).
"""
import socket
import sys
import threading
import time

failures = 0
HOST, PORT = sys.argv[1], int(sys.argv[2])


def ok(msg):
    print("ok: " + msg, flush=True)


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, flush=True)


def connect(timeout=20):
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def exchange(payload, timeout=20):
    """Sends payload, reads until the server closes: (status, bytes, closed)."""
    s = connect(timeout)
    data = b""
    closed = False
    try:
        s.sendall(payload)
        while True:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            data += b
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    except socket.timeout:
        pass
    s.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/1.1 ") and len(data) >= 12 else None
    return status, data, closed


def simple_ok():
    st, data, _ = exchange(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10)
    return st == 200


def refusals():
    cases = [
        ("a 9,000-byte request line", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {414}),
        ("a 20,000-byte head", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"p" * 20000 + b"\r\n\r\n", {431}),
        ("a NUL in a header", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", {400}),
        ("a NUL in the path", b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", {400}),
        ("%00 in the path", b"GET /index.html%00.txt HTTP/1.1\r\nHost: x\r\n\r\n", {400}),
        ("a bare CR", b"GET / HTTP/1.1\rHost: x\r\n\r\n", {400}),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", {400}),
        ("a body", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", {413}),
        ("an unknown method", b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", {501}),
        ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", {505}),
        ("no Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", {400}),
        ("binary garbage", bytes(range(256)) * 4 + b"\r\n\r\n", {400, 501}),
    ]
    for name, payload, want in cases:
        st, data, closed = exchange(payload)
        if st in want and closed:
            ok("%s: %d, closed" % (name, st))
        else:
            fail("%s: status %s closed %s (%r)" % (name, st, closed, data[:80]))


def escapes():
    paths = ["/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2Fetc/passwd",
             "/..%5c..%5cetc/passwd", "/..\\..\\etc\\passwd", "/docs/..%2f..%2f..%2fetc/passwd",
             "/%252e%252e/etc/passwd", "/./../etc/passwd", "/docs/%2e%2e/%2e%2e/x", "//../etc/passwd",
             "/docs/deep/../../../etc/passwd", "/%c0%ae%c0%ae/etc/passwd"]
    for p in paths:
        st, data, _ = exchange(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % p).encode())
        if st in (400, 404):
            ok("%s: %d" % (p, st))
        else:
            fail("%s: %s (%r)" % (p, st, data[:120]))


def count_responses(data):
    return data.count(b"HTTP/1.1 200 OK\r\n")


def pipelined(n=10000):
    s = connect(60)
    reqs = b"".join(b"GET /data.json?n=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(n))
    got = bytearray()
    done = threading.Event()

    def reader():
        try:
            while count_responses(got) < n:
                b = s.recv(1 << 20)
                if not b:
                    break
                got.extend(b)
        except OSError:
            pass
        done.set()

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(reqs)
    done.wait(120)
    s.close()
    t.join(5)
    c = count_responses(got)
    if c == n and got.count(b'{"ok":true}\n') == n:
        ok("%d pipelined requests: %d responses, each with its body" % (n, c))
    else:
        fail("%d pipelined requests: %d responses" % (n, c))


def pipelined_no_read(n=10000):
    s = connect(30)
    s.setblocking(False)
    reqs = b"".join(b"GET /one.kb HTTP/1.1\r\nHost: x\r\n\r\n" for _ in range(n))
    sent = 0
    t0 = time.time()
    while sent < len(reqs) and time.time() - t0 < 5:
        try:
            sent += s.send(reqs[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.05)
    served = simple_ok()
    if sent < len(reqs):
        ok("a client that pipelines and never reads: held by the window after %d of %d bytes" % (sent, len(reqs)))
    else:
        fail("a client that never reads sent all %d bytes: nothing held it back" % len(reqs))
    if served:
        ok("another client served meanwhile")
    else:
        fail("another client not served while one pipelines without reading")
    s.close()


def slowloris(n=40):
    socks = []
    for _ in range(n):
        try:
            s = connect(20)
            s.sendall(b"GET / HTTP/1.1\r\n")
            socks.append(s)
        except OSError as e:
            fail("slowloris connect: %s" % e)
    t0 = time.time()
    served = 0
    results = {}
    while time.time() - t0 < 14 and len(results) < len(socks):
        for i, s in enumerate(socks):
            if i in results:
                continue
            try:
                s.setblocking(False)
                try:
                    b = s.recv(4096)
                    results[i] = int(b[9:12]) if b.startswith(b"HTTP/1.1 ") else "closed"
                    continue
                except BlockingIOError:
                    pass
                s.send(b"X")
            except OSError:
                results[i] = "reset"
        if simple_ok():
            served += 1
        time.sleep(0.5)
    took = time.time() - t0
    cut = sum(1 for v in results.values() if v in (408, "closed", "reset"))
    if cut == len(socks):
        ok("slowloris: %d slow heads cut within %.1f s (%d x 408), %d requests served meanwhile"
           % (cut, took, sum(1 for v in results.values() if v == 408), served))
    else:
        fail("slowloris: %d of %d cut in %.1f s" % (cut, len(socks), took))
    if served < 5:
        fail("slowloris: other clients served only %d times" % served)
    for s in socks:
        s.close()


def main():
    if not simple_ok():
        fail("GET / before anything")
    refusals()
    escapes()
    pipelined()
    pipelined_no_read()
    slowloris()
    if not simple_ok():
        fail("GET / after everything")
    print("%d failed" % failures)
    sys.exit(1 if failures else 0)


main()
