#!/usr/bin/env python3
"""nat_peer.py - the hosts on either side of a NAT under test (tests/nat/nat_e2e.sh).

Real Linux sockets in network namespaces; each command prints what it saw, one fact a
line, and exits 0 when the exchange worked.

  serve [--tcp ADDR:PORT] [--udp ADDR:PORT]... --log FILE
        a TCP echo server (any number of connections at once) and UDP echo servers; every
        peer is logged ("tcp from IP:PORT open=N", "udp ADDR:PORT from IP:PORT") so the test
        sees which source address the NAT gave; FILE.ready appears once bound. Runs until
        killed.
  udp-req ADDR:PORT MSG [--bind ADDR:PORT]
        one datagram, the answer within 2 s (three tries): prints "reply: ..."
  tcp-many ADDR:PORT N [--timeout S]
        N connections to the echo server at once: all connected, one byte echoed on each
        while every one is still open, then all closed
  tcp-idle ADDR:PORT IDLE [WAIT]
        a connection that exchanges a line, idles IDLE seconds, then another: exit 0 when
        the second is echoed, 2 when the connection was reset, 3 when nothing came back
        within WAIT seconds (15)
  probe CLIENT_NS SERVER_NS OUTSIDE_ADDR
        the mapping and filtering behaviour of the NAT between the namespaces (RFC 4787),
        UDP, one JSON object on stdout; the client ns must hold 10.77.1.2 and 10.77.1.3,
        the server ns 10.77.2.2 and 10.77.2.3
  compare NAME=FILE...
        probes side by side (NAME linux, sluice-eif, sluice-adf, sluice-apdf), sluice's
        checked against RFC 4787 for its filtering, Linux's against what it is known to do
"""
import ctypes
import errno
import json
import os
import resource
import selectors
import socket
import struct
import sys
import time


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def more_files(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n)) if hard != resource.RLIM_INFINITY else max(soft, n)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


# ---- serve ---------------------------------------------------------------------------------

def serve(args):
    tcp, udp, log = [], [], None
    i = 0
    while i < len(args):
        if args[i] == "--tcp":
            tcp.append(hostport(args[i + 1]))
        elif args[i] == "--udp":
            udp.append(hostport(args[i + 1]))
        elif args[i] == "--log":
            log = args[i + 1]
        else:
            sys.exit(f"serve: unknown argument {args[i]}")
        i += 2
    if not log:
        sys.exit("serve: --log FILE")
    more_files(8192)
    out = open(log, "a", buffering=1)
    sel = selectors.DefaultSelector()
    for a in tcp:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(a)
        s.listen(4096)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("listen", a))
    for a in udp:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(a)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("udp", a))
    open(log + ".ready", "w").close()
    n_open = max_open = 0
    while True:
        for key, _ in sel.select():
            kind, a = key.data
            s = key.fileobj
            if kind == "listen":
                while True:
                    try:
                        c, peer = s.accept()
                    except BlockingIOError:
                        break
                    c.setblocking(False)
                    n_open += 1
                    max_open = max(max_open, n_open)
                    sel.register(c, selectors.EVENT_READ, ("conn", peer))
                    out.write(f"tcp from {peer[0]}:{peer[1]} open={n_open} max={max_open}\n")
            elif kind == "conn":
                try:
                    d = s.recv(4096)
                except (ConnectionResetError, TimeoutError) as e:
                    d = b""
                    out.write(f"tcp {a[0]}:{a[1]} {e.__class__.__name__}\n")
                if d:
                    try:
                        s.sendall(d)
                    except OSError:
                        pass
                else:
                    sel.unregister(s)
                    s.close()
                    n_open -= 1
            else:
                try:
                    d, peer = s.recvfrom(4096)
                except OSError:
                    continue
                out.write(f"udp {a[0]}:{a[1]} from {peer[0]}:{peer[1]} {d[:60]!r}\n")
                s.sendto(b"pong " + d + f" seen-from {peer[0]}:{peer[1]}".encode(), peer)


# ---- clients -----------------------------------------------------------------------------------

def udp_req(args):
    dst = hostport(args[0])
    msg = args[1].encode()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if len(args) > 3 and args[2] == "--bind":
        s.bind(hostport(args[3]))
    s.settimeout(2)
    for attempt in range(3):
        s.sendto(msg, dst)
        try:
            d, peer = s.recvfrom(4096)
        except (socket.timeout, ConnectionRefusedError) as e:
            print(f"try {attempt + 1}: no answer ({e.__class__.__name__})")
            continue
        print(f"local {s.getsockname()[0]}:{s.getsockname()[1]}")
        print(f"reply from {peer[0]}:{peer[1]}: {d.decode(errors='replace')}")
        return 0
    return 1


def tcp_many(args):
    dst = hostport(args[0])
    n = int(args[1])
    timeout = float(args[3]) if len(args) > 3 and args[2] == "--timeout" else 60.0
    more_files(n + 64)
    sel = selectors.DefaultSelector()
    socks = []
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(dst)
        if err not in (0, errno.EINPROGRESS):
            print(f"connect: {os.strerror(err)}")
            return 1
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, "connecting")
    connected = failed = echoed = 0
    deadline = t0 + timeout
    # all connect, then each sends one byte and waits for it back; none is closed before
    # every one has been echoed, so all N are open at once
    t_conn = None
    while echoed + failed < n and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            sel.unregister(s)
            if key.data == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    failed += 1
                    print(f"connect failed: {os.strerror(err)}")
                    continue
                connected += 1
                if connected == n:
                    t_conn = time.monotonic() - t0
                s.send(b"x")
                sel.register(s, selectors.EVENT_READ, "echo")
                continue
            try:
                d = s.recv(16)
            except OSError:
                d = b""
            if d == b"x":
                echoed += 1
            else:
                failed += 1
                print(f"no echo: {d!r}")
    t_conn = t_conn if t_conn is not None else time.monotonic() - t0
    open_now = sum(1 for s in socks if s.fileno() >= 0)
    print(f"connected {connected} of {n} in {t_conn:.2f} s, echoed {echoed}, failed {failed}, "
          f"open at once {open_now}")
    for s in socks:
        s.close()
    return 0 if connected == n and echoed == n else 1


def tcp_idle(args):
    dst = hostport(args[0])
    idle = float(args[1])
    wait = float(args[2]) if len(args) > 2 else 15.0
    s = socket.create_connection(dst, timeout=10)
    print(f"local {s.getsockname()[0]}:{s.getsockname()[1]}", flush=True)
    s.sendall(b"before\n")
    if s.recv(64) != b"before\n":
        print("no echo before the idle time")
        return 1
    print(f"echoed before; idle {idle:g} s", flush=True)
    time.sleep(idle)
    t = time.monotonic()
    try:
        s.sendall(b"after\n")
        s.settimeout(wait)
        d = s.recv(64)
    except ConnectionResetError:
        print(f"after the idle time: reset after {time.monotonic() - t:.1f} s")
        return 2
    except socket.timeout:
        print(f"after the idle time: no answer in {time.monotonic() - t:.1f} s")
        return 3
    if d == b"after\n":
        print(f"after the idle time: echoed in {time.monotonic() - t:.3f} s")
        s.close()
        return 0
    if d == b"":
        print("after the idle time: closed by the peer")
        return 2
    print(f"after the idle time: unexpected {d!r}")
    return 1


# ---- probe: RFC 4787 mapping and filtering, observed ---------------------------------------------

CLONE_NEWNET = 0x40000000
IP_RECVERR = 11
libc = ctypes.CDLL(None, use_errno=True)


def enter(ns):
    fd = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if hasattr(os, "setns"):
            os.setns(fd, CLONE_NEWNET)
        elif libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns {ns}: {os.strerror(e)}")
    finally:
        os.close(fd)


def udp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)   # ICMP errors queued, unconnected too
    s.bind((addr, port))
    return s


def errors(s):
    """The ICMP errors s got: ["icmp TYPE/CODE from ADDR", ...]"""
    got = []
    s.settimeout(0)
    while True:
        try:
            _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return got
        for level, kind, data in anc:
            if level == socket.IPPROTO_IP and kind == IP_RECVERR and len(data) >= 16:
                _, origin, typ, code = struct.unpack_from("=IBBB", data, 0)
                off = socket.inet_ntoa(data[16 + 4:16 + 8]) if len(data) >= 24 else "?"
                got.append(f"icmp {typ}/{code} from {off}" if origin == 2 else f"error origin {origin}")


def recv(s, wait):
    """(payload, (addr, port)) or None within wait seconds; ICMP errors are skipped."""
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            d, peer = s.recvfrom(2048)
            return d, peer
        except socket.timeout:
            return None
        except OSError:   # a queued ICMP error surfaces here once
            continue


def probe(args):
    cns, sns, outside = args
    A, B = "10.77.1.2", "10.77.1.3"
    S1, S2 = "10.77.2.2", "10.77.2.3"
    enter(sns)
    srv = {(a, p): udp(a, p) for a in (S1, S2) for p in (7001, 7002)}
    enter(cns)
    socks = []

    def client(addr, port):
        s = udp(addr, port)
        socks.append(s)
        return s

    def out_port(c, dst, tag):
        """c sends to server socket dst; the outside (address, port) the server saw"""
        c.sendto(tag.encode(), dst)
        got = recv(srv[dst], 2)
        if not got:
            return None
        return got[1]

    r = {"outside": outside}
    # (a) port preservation: several sockets of host A, one of host B on a port A uses
    pres = []
    for port in (40001, 40002, 40003, 999, 0, 0):
        c = client(A, port)
        o = out_port(c, (S1, 7001), "a")
        pres.append({"in": f"{A}:{c.getsockname()[1]}", "out": f"{o[0]}:{o[1]}" if o else None})
    c = client(B, 40001)
    o = out_port(c, (S1, 7001), "a")
    pres.append({"in": f"{B}:40001", "out": f"{o[0]}:{o[1]}" if o else None})
    r["preservation"] = pres
    # (b) mapping: one socket to three endpoints
    c = client(A, 40010)
    r["mapping"] = [{"to": f"{d[0]}:{d[1]}", "out": (lambda o: o and f"{o[0]}:{o[1]}")(out_port(c, d, "b"))}
                    for d in ((S1, 7001), (S1, 7002), (S2, 7001))]
    # (b2) contention: A:40030 -> S1:7001, then B:40030 -> S1:7002, then A:40030 -> S1:7002
    ca, cb = client(A, 40030), client(B, 40030)
    seq = [("A", ca, (S1, 7001)), ("B", cb, (S1, 7002)), ("A", ca, (S1, 7002))]
    r["contention"] = [{"from": f"{who}:40030", "to": f"{d[0]}:{d[1]}",
                        "out": (lambda o: o and f"{o[0]}:{o[1]}")(out_port(s, d, "c"))} for who, s, d in seq]
    # (c) filtering: a fresh socket of A opens its mapping towards S1:7001; then one server
    # endpoint sends to that mapping: does it arrive, and what does the sender get back?
    filt = []
    for port, src, what in ((40040, (S1, 7001), "the same endpoint"),
                            (40041, (S1, 7002), "the same address, another port"),
                            (40042, (S2, 7001), "another address")):
        c = client(A, port)
        o = out_port(c, (S1, 7001), "f")
        if not o:
            filt.append({"from": what, "delivered": None})
            continue
        s = srv[src]
        errors(s)
        s.sendto(b"unsolicited", o)
        got = recv(c, 1.5)
        time.sleep(0.2)
        filt.append({"from": what, "sender": f"{src[0]}:{src[1]}", "to": f"{o[0]}:{o[1]}",
                     "delivered": bool(got), "seen_as": got and f"{got[1][0]}:{got[1][1]}",
                     "sender_got": errors(s)})
    r["filtering"] = filt
    # (d) hairpinning: B and A each map towards S1:7001; A sends to B's outside endpoint
    # (B's filter has not seen the outside address), then B to A's (A's has, now)
    ca, cb = client(A, 40050), client(B, 40051)
    ob = out_port(cb, (S1, 7001), "h")
    oa = out_port(ca, (S1, 7001), "h")
    hp = []
    if oa and ob:
        for who, s, dst, rcv in (("A", ca, ob, cb), ("B", cb, oa, ca)):
            errors(s)
            s.sendto(b"hairpin", dst)
            got = recv(rcv, 1.5)
            time.sleep(0.2)
            hp.append({"from": who, "to": f"{dst[0]}:{dst[1]}", "delivered": bool(got),
                       "seen_as": got and f"{got[1][0]}:{got[1][1]}", "sender_got": errors(s)})
    r["hairpin"] = hp
    print(json.dumps(r))
    return 0


# ---- compare: the probes side by side, sluice's checked against RFC 4787 -----------------------

def port(ep):
    return int(ep.rsplit(":", 1)[1]) if ep else None


def compare(args):
    """compare NAME=FILE...: NAME linux (nft masquerade) or sluice-eif, sluice-adf,
    sluice-apdf (hosted sluice nat with that filtering). Prints the table, then one line
    per check: "ok   ...", "FAIL ..." or "xfail ..." (a known, reported deviation)."""
    runs = {}
    for a in args:
        name, f = a.split("=", 1)
        with open(f) as fh:
            runs[name] = json.load(fh)
    names = list(runs)

    def cell(v):
        return "-" if v is None else str(v)

    rows = []

    def row(label, fn):
        rows.append([label] + [cell(fn(runs[n])) for n in names])

    def got(d):
        if d.get("delivered") is None:
            return None
        if d["delivered"]:
            return "delivered" + (f" as {d['seen_as']}" if d.get("seen_as") else "")
        return "dropped" + ("; sender got " + ", ".join(d["sender_got"]) if d.get("sender_got") else " silently")

    labels = ["A:40001", "A:40002", "A:40003", "A:999", "A:ephemeral", "A:ephemeral", "B:40001 (A holds 40001)"]
    for i, lab in enumerate(labels):
        row(f"(a) outside port of {lab}",
            lambda r, i=i: (lambda x: x["out"] and f"{port(x['out'])}"
                            + (f" (in {port(x['in'])})" if "ephemeral" in labels[i] else ""))(r["preservation"][i]))
    for i, to in enumerate(("S1:7001", "S1:7002", "S2:7001")):
        row(f"(b) A:40010 to {to}: outside port", lambda r, i=i: port(r["mapping"][i]["out"]))
    for i, lab in enumerate(("A:40030 to S1:7001", "B:40030 to S1:7002", "A:40030 to S1:7002")):
        row(f"(b) {lab}: outside port", lambda r, i=i: port(r["contention"][i]["out"]))
    for i, lab in enumerate(("S1:7001 (the same endpoint)", "S1:7002 (same address, other port)",
                             "S2:7001 (another address)")):
        row(f"(c) from {lab}", lambda r, i=i: got(r["filtering"][i]))
    for i, lab in enumerate(("A to B's outside endpoint", "then B to A's")):
        row(f"(d) hairpin: {lab}", lambda r, i=i: got(r["hairpin"][i]) if len(r["hairpin"]) > i else None)
    w0 = max(len(x[0]) for x in rows)
    ws = [max(len(n), *(len(x[k + 1]) for x in rows)) for k, n in enumerate(names)]
    print("  ".join([" " * w0] + [n.ljust(w) for n, w in zip(names, ws)]))
    for x in rows:
        print("  ".join([x[0].ljust(w0)] + [v.ljust(w) for v, w in zip(x[1:], ws)]))
    print("(A 10.77.1.2 and B 10.77.1.3 inside; S1 10.77.2.2 and S2 10.77.2.3 outside)")

    fails = 0

    def check(name, cond, what, xfail=None):
        nonlocal fails
        if cond:
            print(f"ok   {name}: {what}")
        elif xfail:
            print(f"xfail {name}: {what}: not so ({xfail})")
        else:
            fails += 1
            print(f"FAIL {name}: {what}")

    for n, r in runs.items():
        pres, mp, ct, fl, hp = r["preservation"], r["mapping"], r["contention"], r["filtering"], r["hairpin"]
        outs = [port(x["out"]) for x in pres]
        ins = [port(x["in"]) for x in pres]
        kept = all(outs[i] == ins[i] for i in (0, 1, 2, 4, 5))
        if n == "linux":
            # what Linux is known to do: ports kept where free, address-and-port-dependent filtering
            check(n, kept, "ports of 1024 and above kept (port preservation)")
            check(n, fl[0]["delivered"] and not fl[1]["delivered"] and not fl[2]["delivered"],
                  "address-and-port-dependent filtering (conntrack: only the endpoint sent to answers)")
            continue
        mode = n.split("-", 1)[1]
        check(n, kept, "ports of 1024 and above kept when free (port preservation)")
        check(n, outs[6] is not None and outs[6] != 40001,
              "B:40001 while A holds outside port 40001: another port (REQ-3: no port overloading)")
        check(n, outs[3] is not None and 1024 <= outs[3] <= 65535,
              "A:999: a port of the configured range 1024-65535")
        check(n, all(o is not None and o % 2 == i % 2 for o, i in ((outs[3], 999), (outs[6], 40001),
                                                                    (port(ct[1]["out"]), 40030))),
              "remapped ports keep their parity (REQ-3 parity, RECOMMENDED)")
        m = [port(x["out"]) for x in mp]
        check(n, None not in m and len(set(m)) == 1, "one socket, three endpoints: one outside port "
              "(REQ-1: endpoint-independent mapping)")
        c = [port(x["out"]) for x in ct]
        check(n, None not in c and c[0] == c[2] == 40030 and c[1] != 40030,
              "A:40030 keeps outside port 40030 for a second destination, B:40030 gets another (REQ-1, REQ-3)")
        want = {"eif": (True, True, True), "adf": (True, True, False), "apdf": (True, False, False)}[mode]
        have = tuple(bool(x["delivered"]) for x in fl)
        check(n, have == want, f"filtering {mode}: inbound from the same endpoint, same address and another "
              f"port, another address delivered {want} (REQ-8), got {have}")
        check(n, all(x["seen_as"] == x["sender"] for x in fl if x["delivered"]),
              "inbound packets keep their outside source")
        # hairpinning (REQ-9): A sent to B's outside endpoint first (B's filter has not seen
        # the NAT's address, A's now has), then B to A's: with the external source (9a)
        if len(hp) == 2:
            want1 = mode == "eif"
            check(n, bool(hp[0]["delivered"]) == want1 and (not want1 or hp[0]["seen_as"] == hp[1]["to"]),
                  "hairpin A to B's outside endpoint: " + ("delivered with A's outside address and port as "
                  "its source" if want1 else "filtered (B never sent to the outside address)"))
            ok2 = bool(hp[1]["delivered"]) and hp[1]["seen_as"] == hp[0]["to"]
            known = None
            if mode == "apdf" and not hp[1]["delivered"]:
                known = ("documented: under address-and-port-dependent filtering a mapping keeps no permit "
                         "for the endpoint its host tried to reach by hairpin (docs/NAT.md)")
            check(n, ok2, "hairpin B to A's outside endpoint after A sent to B's: delivered with B's outside "
                  "address and port as its source (REQ-9, 9a)", known)
        else:
            check(n, False, "hairpin probe ran")
    return 1 if fails else 0


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    f = {"serve": serve, "udp-req": udp_req, "tcp-many": tcp_many, "tcp-idle": tcp_idle, "probe": probe,
         "compare": compare}.get(cmd)
    if not f:
        sys.exit(__doc__)
    sys.exit(f(args))


if __name__ == "__main__":
    main()
