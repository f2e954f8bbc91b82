#!/usr/bin/env python3
"""Hostile and careless clients of the control socket (docs/CONTROL.md).

usage: ctl_hostile.py IP PORT KEYS_DIR CASE...

Each case prints "ok: ..." or "FAIL: ..."; the exit status counts the failures.
  longline     a 1 MiB line: answered with the line limit's error, then ping still works
  halfhs       a ClientHello cut in half, held: the server cuts it within its handshake limit
  many         100 connections at once: at most 4 reach a session, the rest are reset or
               refused; once they are gone a session works again
  garbage      bytes that are not TLS: the connection ends, nothing is answered
  uncommitted  begin, a command, then the connection drops: the running rules do not change
  noapp        a command for an app that is not there: a clear error
  pipeline     100 commands in one write: 100 answers, in order
"""
import os
import socket
import ssl
import sys
import time

ip, port, keys = sys.argv[1], int(sys.argv[2]), sys.argv[3]
failures = 0


def ok(msg):
    print("ok: " + msg, flush=True)


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, flush=True)


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.load_verify_locations(os.path.join(keys, "ca.crt"))
    ctx.load_cert_chain(os.path.join(keys, "client.crt"), os.path.join(keys, "client.key"))
    return ctx


def session(timeout=20):
    raw = socket.create_connection((ip, port), timeout=timeout)
    s = context().wrap_socket(raw)
    s.settimeout(timeout)
    return s


class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""

    def answer(self):
        """One answer: its lines, the status first, without the empty line that ends it."""
        while b"\n\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed with %r pending" % self.buf[:80])
            self.buf += d
        i = self.buf.index(b"\n\n")
        text, self.buf = self.buf[:i], self.buf[i + 2:]
        return text.decode(errors="replace").split("\n")


def ask(s, r, line):
    s.sendall(line.encode() + b"\n")
    return r.answer()


def ping_works(what):
    try:
        s = session()
        r = Reader(s)
        a = ask(s, r, "ping")
        s.close()
        if a[0] == "ok pong":
            ok("%s: ping answers 'ok pong'" % what)
            return True
        fail("%s: ping answered %r" % (what, a))
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        fail("%s: ping: %s" % (what, e))
    return False


def case_longline():
    s = session()
    r = Reader(s)
    s.sendall(b"x" * (1 << 20) + b"\nping\n")
    a = r.answer()
    if a[0].startswith("error ctl:1:1: a line over 65536 bytes (CTL_LINE_MAX)"):
        ok("1 MiB line: %s" % a[0])
    else:
        fail("1 MiB line answered %r" % a[:2])
    a = r.answer()
    if a[0] == "ok pong":
        ok("the same session answers ping after it")
    else:
        fail("after the long line: %r" % a)
    s.close()


def case_halfhs():
    # a real ClientHello's first half, from Python's own TLS stack
    inc = ssl.MemoryBIO()
    out = ssl.MemoryBIO()
    obj = context().wrap_bio(inc, out)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    raw = socket.create_connection((ip, port), timeout=30)
    raw.sendall(hello[: len(hello) // 2])
    t0 = time.time()
    try:
        d = raw.recv(100)
        took = time.time() - t0
        if d == b"" and took < 20:
            ok("half a ClientHello held open: the server closed it after %.1f s" % took)
        else:
            fail("half a ClientHello: got %r after %.1f s" % (d[:20], took))
    except ConnectionResetError:
        ok("half a ClientHello held open: reset after %.1f s" % (time.time() - t0))
    except socket.timeout:
        fail("half a ClientHello held open: still open after 30 s")
    raw.close()


def case_many():
    socks, refused = [], 0
    for _ in range(100):
        try:
            socks.append(socket.create_connection((ip, port), timeout=5))
        except OSError:
            refused += 1
    sessions = 0
    ctx = context()
    for raw in socks:
        try:
            raw.settimeout(5)
            s = ctx.wrap_socket(raw)
            s.sendall(b"ping\n")
            if s.recv(100).startswith(b"ok pong"):
                sessions += 1
        except (OSError, ssl.SSLError):
            pass
    if sessions <= 4:
        ok("100 connections at once: %d sessions, %d refused at connect, the rest reset" % (sessions, refused))
    else:
        fail("100 connections at once: %d sessions (the limit is 4)" % sessions)
    for raw in socks:
        try:
            raw.close()
        except OSError:
            pass
    time.sleep(1)                       # past the handshake rate's burst
    for _ in range(10):
        try:
            s = session(5)
            r = Reader(s)
            if ask(s, r, "ping")[0] == "ok pong":
                ok("after the 100 are gone, a session works again")
                s.close()
                return
        except (OSError, ssl.SSLError, EOFError):
            time.sleep(1)
    fail("after the 100 connections, no session within 10 s")


def case_garbage():
    raw = socket.create_connection((ip, port), timeout=15)
    raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 8)
    try:
        d = raw.recv(4096)
        # mbedTLS may answer with an alert record (21 = alert) before it closes
        if d == b"" or d[:1] == b"\x15":
            ok("garbage: the connection ends (%s)" % ("an alert" if d else "closed"))
        else:
            fail("garbage answered %r" % d[:40])
    except ConnectionResetError:
        ok("garbage: reset")
    except socket.timeout:
        fail("garbage: the connection stayed open 15 s")
    raw.close()


def rules_text():
    s = session()
    r = Reader(s)
    a = ask(s, r, "show rules")
    s.close()
    return a


def case_uncommitted():
    before = rules_text()
    s = session()
    r = Reader(s)
    a = ask(s, r, "begin dangling")
    b = ask(s, r, "fw add rule forward udp dport 4242 drop")
    s.close()                           # no commit
    time.sleep(0.5)
    after = rules_text()
    if a[0].startswith("ok") and b[0].startswith("ok") and before == after:
        ok("a transaction never committed: the rules did not change")
    else:
        fail("uncommitted: %r %r, rules before %r after %r" % (a, b, before, after))


def case_noapp():
    s = session()
    r = Reader(s)
    a = ask(s, r, "nat add rule x")
    s.close()
    if a[0] == "error ctl:1:1: no app 'nat' here: this appliance runs fw":
        ok("a command for another app: %s" % a[0])
    else:
        fail("nat command answered %r" % a)


def case_pipeline():
    s = session()
    r = Reader(s)
    s.sendall(b"".join(b"ping\n" for _ in range(100)))
    n = 0
    for _ in range(100):
        if r.answer()[0] == "ok pong":
            n += 1
    s.close()
    if n == 100:
        ok("100 commands in one write: 100 answers")
    else:
        fail("100 commands in one write: %d 'ok pong'" % n)


for case in sys.argv[4:]:
    try:
        globals()["case_" + case]()
    except Exception as e:  # noqa: BLE001
        fail("%s: %s: %s" % (case, type(e).__name__, e))
sys.exit(min(failures, 100))
