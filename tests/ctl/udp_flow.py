#!/usr/bin/env python3
"""A steady numbered UDP flow, and its receiver, to see what a commit does to traffic.

  udp_flow.py send DST PORT COUNT PPS     COUNT datagrams, numbered from 0, at PPS a second
  udp_flow.py recv PORT OUT IDLE_S        writes the numbers received to OUT (one a line),
                                          until IDLE_S seconds pass without one (after the first)
"""
import socket
import struct
import sys
import time

if sys.argv[1] == "send":
    dst, port, count, pps = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    t0 = time.monotonic()
    for i in range(count):
        due = t0 + i / pps
        while True:
            now = time.monotonic()
            if now >= due:
                break
            time.sleep(min(due - now, 0.001))
        s.sendto(struct.pack("!Q", i) + b"x" * 56, (dst, port))
    print("sent %d" % count, flush=True)
else:
    port, out, idle = int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("0.0.0.0", port))
    seen = []
    s.settimeout(120)
    with open(out + ".ready", "w") as f:
        f.write("ready\n")
    while True:
        try:
            d = s.recv(2048)
        except socket.timeout:
            break
        if len(d) >= 8:
            if not seen:
                with open(out + ".first", "w") as f:    # the flow is under way
                    f.write("first\n")
            seen.append(struct.unpack("!Q", d[:8])[0])
            s.settimeout(idle)
    with open(out, "w") as f:
        f.write("".join("%d\n" % n for n in seen))
