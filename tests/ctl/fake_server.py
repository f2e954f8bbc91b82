#!/usr/bin/env python3
"""A stand-in for an appliance's control socket (apps/ctl.h), for sluice-ctl's tests.

TLS 1.2 only, the client's certificate required and checked against --ca (Python's ssl
module: OpenSSL). It speaks enough of the protocol to exercise a client: every line is
numbered from 1, blank lines and comments get no answer, each answer is a status line,
body lines and an empty line.

  ping            ok pong                     (--json ping: a JSON body)
  stats           ok, and two body lines
  load [NAME]     its text up to a line ".", then "ok loaded NAME: N lines", or
                  "error NAME:L:1: ..." at the first text line that holds "bad";
                  refused at once inside a transaction or with two names, as the server
  begin/commit/abort   a transaction (begin inside one is refused)
  hang            no answer, ever (the client's timeout)
  quit, exit      ok bye, then the connection ends
  anything else   error ctl:LINE:COL: unknown command 'WORD'

--mode silent accepts TCP connections and never says anything (a handshake timeout).
The listening port (chosen by the kernel) is written to --port-file once it listens.
"""
import argparse
import os
import socket
import ssl
import sys
import threading


def log(*a):
    print("fake_server:", *a, file=sys.stderr, flush=True)


def words(line):
    """(word, column) pairs, cut as the server cuts them: spaces, tabs, '"' quoting."""
    out, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        start, quoted = i, False
        while i < n and (quoted or line[i] not in " \t"):
            if line[i] == '"':
                quoted = not quoted
            i += 1
        out.append((line[start:i], start + 1))
    return out


class Session:
    def __init__(self, conn):
        self.conn = conn
        self.line_no = 0
        self.load = None  # [name, first line, text lines, json]
        self.txn = False
        self.quit = False
        self.hang = False

    def send(self, status, body=(), json=False):
        if json and not body:
            kind = "error" if status.startswith("error") else "ok"
            body = ['{"%s":"%s"}' % (kind, status.partition(" ")[2])]
        text = status + "\n" + "".join(b + "\n" for b in body) + "\n"
        self.conn.sendall(text.encode())

    def line(self, line):
        self.line_no += 1
        if self.load is not None:
            if line == ".":
                name, first, text, json = self.load
                self.load = None
                for k, t in enumerate(text):
                    if "bad" in t:
                        return self.send("error %s:%d:1: a bad line" % (name, k + 1), json=json)
                return self.send("ok loaded %s: %d lines" % (name, len(text)), json=json)
            self.load[2].append(line)
            return
        w = words(line)
        if not w or w[0][0].startswith("#"):
            return
        json = w[0][0] == "--json"
        if json:
            w = w[1:]
            if not w:
                return self.send("error ctl:%d:1: --json of what?" % self.line_no)
        v, col = w[0]
        if v == "ping":
            self.send("ok pong", ['{"pong":true}'] if json else [])
        elif v == "stats":
            self.send("ok", ["rx 1", "tx 2"], json=json)
        elif v == "load":
            if self.txn:
                self.send("error ctl:%d:%d: load inside the transaction open: commit or abort it first"
                          % (self.line_no, col), json=json)
            elif len(w) > 2:
                self.send("error ctl:%d:%d: load takes one name at most" % (self.line_no, w[2][1]), json=json)
            else:
                self.load = [w[1][0] if len(w) > 1 else "load", self.line_no + 1, [], json]
        elif v == "begin":
            if self.txn:
                self.send("error ctl:%d:1: a transaction is open" % self.line_no, json=json)
            else:
                self.txn = True
                self.send("ok transaction ctl open", json=json)
        elif v in ("commit", "abort"):
            if not self.txn:
                self.send("error ctl:%d:%d: no transaction to %s" % (self.line_no, col, v), json=json)
            else:
                self.txn = False
                self.send("ok %s" % ("committed" if v == "commit" else "aborted"), json=json)
        elif v == "hang":
            self.hang = True
        elif v in ("quit", "exit"):
            self.send("ok bye", json=json)
            self.quit = True
        else:
            self.send("error ctl:%d:%d: unknown command '%s' (help lists them)" % (self.line_no, col, v), json=json)


def serve_tls(conn, ctx):
    try:
        conn.settimeout(30)
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        log("handshake failed:", e)
        conn.close()
        return
    peer = dict(x[0] for x in tls.getpeercert().get("subject", ()))
    log("client", peer.get("commonName"), tls.version(), tls.cipher()[0])
    s, buf = Session(tls), b""
    try:
        tls.settimeout(None)
        while not s.quit:
            data = tls.recv(65536)
            if not data:
                break
            buf += data
            while b"\n" in buf and not s.quit and not s.hang:
                line, buf = buf.split(b"\n", 1)
                s.line(line.decode(errors="replace").rstrip("\r"))
    except (ssl.SSLError, OSError) as e:
        log("session:", e)
    finally:
        try:
            tls.close()
        except OSError:
            pass


def serve_silent(conn):
    try:
        conn.settimeout(120)
        while conn.recv(65536):
            pass
    except OSError:
        pass
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ca")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--mode", choices=("tls", "silent"), default="tls")
    a = ap.parse_args()
    ctx = None
    if a.mode == "tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(a.cert, a.key)
        ctx.load_verify_locations(a.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, a.port_file)
    while True:
        conn, _ = srv.accept()
        fn = (lambda c=conn: serve_tls(c, ctx)) if ctx else (lambda c=conn: serve_silent(c))
        threading.Thread(target=fn, daemon=True).start()


if __name__ == "__main__":
    main()
