#!/usr/bin/env python3
"""mgmt_hostile.py - clients the appliance's metrics server should survive (hosted_mgmt.sh).

Run inside the management host's network namespace (ip netns exec); Python 3 standard
library only. Every mode prints "ok: ..." and "FAIL: ..." lines and exits 1 after a FAIL.

  mgmt_hostile.py head HOST PORT
      HEAD /metrics: 200 and not one byte after the response head.
  mgmt_hostile.py requests HOST PORT
      malformed request line (400), a 3,000-byte head without its end (431), a head that
      never ends (408 in about 5 s), binary garbage (400 or a reset, never a hang).
  mgmt_hostile.py conns HOST PORT N HOLD [SRC,SRC...]
      N non-blocking connects as fast as they go, held HOLD seconds without a byte sent,
      then all closed; counts what became of them (RESULT line). Extra source addresses
      are used only once the first runs out of ports.
  mgmt_hostile.py stall HOST PORT N HOLD
      N clients with a small receive buffer ask for the page, read 8,000 bytes of it and
      then stop reading, connections open, for HOLD seconds (RESULT line: how many the
      server cut, which it must: a reader that stops may not pin lwIP's memory).
  mgmt_hostile.py synflood HOST PORT SECONDS RATE SRCNET EXCLUDE,EXCLUDE...
      SYNs with random source addresses in SRCNET (but the excluded ones) and random
      source ports, from a raw socket, at RATE a second for SECONDS (RESULT line).
"""
import errno
import ipaddress
import os
import random
import resource
import select
import socket
import struct
import sys
import threading
import time

failures = 0


def ok(msg):
    print("ok: " + msg, flush=True)


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, flush=True)


def status_of(data):
    """The status code of a response (an int), None when there is no status line."""
    if not data.startswith(b"HTTP/1.1 ") or len(data) < 12:
        return None
    try:
        return int(data[9:12])
    except ValueError:
        return None


def exchange(host, port, payload, limit):
    """Sends payload, reads until the server closes; gives (status, how, seconds, data):
    how is 'closed' (FIN), 'reset', 'hang' (nothing final within limit s) or 'connect: ...'."""
    t0 = time.monotonic()
    data, how = b"", None
    try:
        s = socket.create_connection((host, port), timeout=limit)
    except OSError as e:
        return None, "connect: %s" % e, time.monotonic() - t0, b""
    try:
        if payload:
            s.sendall(payload)
        while True:
            left = limit - (time.monotonic() - t0)
            if left <= 0:
                how = "hang"
                break
            s.settimeout(left)
            b = s.recv(65536)
            if not b:
                how = "closed"
                break
            data += b
    except socket.timeout:
        how = "hang"
    except (ConnectionResetError, BrokenPipeError):
        how = "reset"
    except OSError as e:
        how = "error %s" % e
    finally:
        s.close()
    return status_of(data), how, time.monotonic() - t0, data


def describe(r):
    status, how, dt, data = r
    return "status %s, %s after %.2f s, %d bytes" % (status, how, dt, len(data))


def mode_head(host, port):
    r = exchange(host, port, b"HEAD /metrics HTTP/1.1\r\nHost: sluice\r\n\r\n", 10)
    status, how, _, data = r
    head, sep, body = data.partition(b"\r\n\r\n")
    if status == 200 and how == "closed" and sep and not body:
        ok("HEAD /metrics: 200, a head of %d bytes and no body (%s)" % (len(head) + 4, describe(r)))
    else:
        fail("HEAD /metrics: %s, %d bytes after the head: %r" % (describe(r), len(body), data[:200]))


def mode_requests(host, port):
    rnd = random.Random(4711)
    # the slow one takes 5 s: in a thread, beside the others
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=exchange(host, port, b"GET /metrics HTTP/1.1\r\n", 12)))
    t.start()

    r = exchange(host, port, b"GARBAGE\r\n\r\n", 10)
    if r[0] == 400 and r[1] in ("closed", "reset"):
        ok("malformed request line: 400 (%s)" % describe(r))
    else:
        fail("malformed request line: want 400, got %s: %r" % (describe(r), r[3][:200]))

    r = exchange(host, port, b"GET /metrics\r\n\r\n", 10)
    if r[0] == 400:
        ok("request line without a version: 400 (%s)" % describe(r))
    else:
        fail("request line without a version: want 400, got %s: %r" % (describe(r), r[3][:200]))

    big = b"GET /metrics HTTP/1.1\r\nHost: sluice\r\nX-Padding: "
    big += b"a" * (3000 - len(big))         # 3,000 bytes, no end of head
    r = exchange(host, port, big, 10)
    if r[0] == 431 and r[1] in ("closed", "reset"):
        ok("3,000-byte head without its end: 431 (%s)" % describe(r))
    else:
        fail("3,000-byte head without its end: want 431, got %s: %r" % (describe(r), r[3][:200]))

    garbage = bytes(rnd.randrange(256) for _ in range(1000)).replace(b"\n", b"\0") + b"\r\n\r\n"
    r = exchange(host, port, garbage, 10)
    if (r[0] == 400 and r[1] in ("closed", "reset")) or (r[1] == "reset" and not r[3]):
        ok("1,000 bytes of binary garbage and an end of head: 400 or reset (%s)" % describe(r))
    else:
        fail("binary garbage with an end of head: want 400 or a reset within 10 s, got %s: %r" % (describe(r), r[3][:200]))

    garbage = bytes(rnd.randrange(256) for _ in range(4000))
    r = exchange(host, port, garbage, 10)
    if (r[0] in (400, 431) and r[1] in ("closed", "reset")) or (r[1] == "reset" and not r[3]):
        ok("4,000 bytes of binary garbage: %s" % describe(r))
    else:
        fail("4,000 bytes of binary garbage: want 400/431 or a reset within 10 s, got %s: %r" % (describe(r), r[3][:200]))

    t.join()
    r = slow["r"]
    # the head timeout is 5 s, checked on lwIP's 500 ms poll; a little slack for sanitizers
    if r[0] == 408 and r[1] in ("closed", "reset") and 4.5 <= r[2] <= 8.0:
        ok("a head that never ends: 408 after %.2f s (%s)" % (r[2], describe(r)))
    else:
        fail("a head that never ends: want 408 after 5-8 s, got %s: %r" % (describe(r), r[3][:200]))


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(need, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


PENDING, CONNECTED, DONE = 0, 1, 2


def mode_conns(host, port, n, hold, srcs):
    limit = raise_nofile(n + 64)
    if limit < n + 64:
        fail("RLIMIT_NOFILE is %d, %d needed" % (limit, n + 64))
        return
    ep = select.epoll(sizehint=n)
    socks = {}                  # fd -> [socket, state, ever connected, what became of it]
    count = dict(refused=0, reset=0, answered=0, answered408=0, closed=0, other_error=0, connect_error=0)
    src_i = 0
    ev_in = select.EPOLLIN | select.EPOLLRDHUP

    def settle(fd, ev):
        e = socks[fd]
        s = e[0]
        if e[1] == PENDING:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0 and ev & select.EPOLLOUT:
                e[1], e[2] = CONNECTED, True
                ep.modify(fd, ev_in)
                ev &= ~select.EPOLLOUT
                if not ev & (ev_in | select.EPOLLERR | select.EPOLLHUP):
                    return
            elif err == errno.ECONNREFUSED:   # a RST answered the SYN
                e[1], e[3] = DONE, "refused"
            elif err == errno.ECONNRESET:     # established, then reset
                e[1], e[2], e[3] = DONE, True, "reset"
            elif err:
                e[1], e[3] = DONE, "error %s" % errno.errorcode.get(err, err)
            else:
                return
            if e[1] == DONE:
                ep.unregister(fd)
                return
        if e[1] == CONNECTED:
            while True:
                try:
                    b = s.recv(65536)
                except BlockingIOError:
                    return
                except ConnectionResetError:
                    e[1] = DONE
                    e[3] = e[3] or "reset"
                    break
                except OSError as x:
                    e[1], e[3] = DONE, "error %s" % x
                    break
                if not b:
                    e[1] = DONE
                    e[3] = e[3] or "closed"
                    break
                if not e[3]:
                    e[3] = "answered408" if b.startswith(b"HTTP/1.1 408") else "answered"
            ep.unregister(fd)

    def drain(timeout):
        for fd, ev in ep.poll(timeout, 4096):
            if fd in socks and socks[fd][1] != DONE:
                settle(fd, ev)

    t0 = time.monotonic()
    issued = 0
    first_error = None
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        while True:
            if src_i:
                s.bind((srcs[src_i - 1], 0))
            err = s.connect_ex((host, port))
            if err == errno.EADDRNOTAVAIL and src_i < len(srcs):
                src_i += 1             # out of ports on this address: the next one
                s.close()
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                continue
            break
        if err not in (0, errno.EINPROGRESS):
            count["connect_error"] += 1
            first_error = first_error or errno.errorcode.get(err, str(err))
            s.close()
            continue
        issued += 1
        socks[s.fileno()] = [s, PENDING, False, None]
        ep.register(s.fileno(), select.EPOLLOUT | ev_in)
        if i % 256 == 255:
            drain(0)
    t_issued = time.monotonic() - t0
    end = time.monotonic() + hold
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        drain(min(left, 0.2))
    connected = pending = still_open = 0
    for fd, e in socks.items():
        connected += e[2]
        if e[1] == PENDING:
            pending += 1
        elif e[1] == CONNECTED:
            still_open += 1 if not e[3] else 0
            if e[3]:
                count[e[3]] += 1
        elif e[3] in count:
            count[e[3]] += 1
        else:
            count["other_error"] += 1
    t1 = time.monotonic()
    for e in socks.values():
        e[0].close()
    ep.close()
    print("conns: %d connects issued in %.2f s (%d could not start%s), held %.1f s, closed in %.2f s" %
          (issued, t_issued, count["connect_error"], ": " + first_error if first_error else "", hold,
           time.monotonic() - t1))
    print("conns: %d connected: %d reset, %d answered 408 and closed, %d answered otherwise, %d closed silently, "
          "%d still open; %d refused at SYN; %d never answered (still connecting); %d other errors" %
          (connected, count["reset"], count["answered408"], count["answered"], count["closed"], still_open,
           count["refused"], pending, count["other_error"]))
    print("RESULT issued=%d connected=%d reset=%d answered408=%d open=%d refused=%d pending=%d errors=%d" %
          (issued, connected, count["reset"], count["answered408"], still_open, count["refused"], pending,
           count["other_error"] + count["connect_error"]))
    if issued != n:
        fail("only %d of %d connects could be started (%s)" % (issued, n, first_error))
    else:
        ok("%d connections opened at once and closed again" % n)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, seq, ipid):
    opts = b"\x02\x04\x05\xb4"                           # MSS 1460
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + 1) << 4, 0x02, 64240, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid, 0, 64, socket.IPPROTO_TCP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def mode_synflood(host, port, seconds, rate, srcnet, exclude):
    rnd = random.Random()
    ex = {ipaddress.ip_address(a) for a in exclude if a}
    srcs = [a.packed for a in ipaddress.ip_network(srcnet).hosts() if a not in ex]
    dst = socket.inet_aton(host)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    sent = errors = 0
    t0 = time.monotonic()
    while True:
        el = time.monotonic() - t0
        if el >= seconds:
            break
        due = int(rate * el) + 1
        while sent + errors < due:
            pkt = syn(rnd.choice(srcs), dst, rnd.randrange(1024, 65536), port, rnd.getrandbits(32),
                      rnd.getrandbits(16))
            try:
                s.sendto(pkt, (host, 0))
                sent += 1
            except OSError:
                errors += 1             # a full queue: counted, not fatal
        time.sleep(0.001)
    dt = time.monotonic() - t0
    s.close()
    print("synflood: %d SYNs from %d addresses in %.2f s (%.0f/s), %d not sent" % (sent, len(srcs), dt, sent / dt, errors))
    print("RESULT sent=%d seconds=%.2f errors=%d" % (sent, dt, errors))
    if sent >= rate * seconds * 0.5:
        ok("SYN flood of %d SYNs sent" % sent)
    else:
        fail("SYN flood: only %d of %d SYNs sent" % (sent, int(rate * seconds)))


def mode_stall(host, port, n, hold):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        s.settimeout(5)
        s.connect((host, port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        got = 0
        while got < 8000:
            d = s.recv(8000 - got)
            if not d:
                break
            got += len(d)
        socks.append(s)
    ok("%d readers stalled after 8,000 bytes each" % len(socks))
    time.sleep(hold)
    cut = 0
    for s in socks:
        s.settimeout(2)
        try:
            while s.recv(65536):
                pass
        except (ConnectionResetError, socket.timeout, OSError) as e:
            cut += isinstance(e, ConnectionResetError)
        s.close()
    print("RESULT stalled=%d cut=%d" % (len(socks), cut))


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    mode, host, port = argv[1], argv[2], int(argv[3])
    if mode == "head":
        mode_head(host, port)
    elif mode == "requests":
        mode_requests(host, port)
    elif mode == "conns":
        mode_conns(host, port, int(argv[4]), float(argv[5]), argv[6].split(",") if len(argv) > 6 else [])
    elif mode == "stall":
        mode_stall(host, port, int(argv[4]), float(argv[5]))
    elif mode == "synflood":
        mode_synflood(host, port, float(argv[4]), float(argv[5]), argv[6], argv[7].split(",") if len(argv) > 7 else [])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
