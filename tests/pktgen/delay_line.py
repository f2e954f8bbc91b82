#!/usr/bin/env python3
"""A delay line between UDP sockets on the loopback: every frame that arrives on IN leaves
OUT for OUT_PEER DELAY_MS later, in order. The known delay pktgen must measure (the kernel
here has no netem). Runs until SIGTERM; prints how many frames it carried.

usage: delay_line.py HOST:PORT(IN) HOST:PORT(OUT) HOST:PORT(OUT_PEER) DELAY_MS
"""
import collections
import select
import signal
import socket
import sys
import time



def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


src, out, peer, delay_ms = addr(sys.argv[1]), addr(sys.argv[2]), addr(sys.argv[3]), float(sys.argv[4])
delay = delay_ms / 1000.0
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
rx.bind(src)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.bind(out)
held = collections.deque()
carried = 0
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
while running:
    now = time.monotonic()
    while held and held[0][0] <= now:
        try:
            tx.sendto(held[0][1], peer)
            carried += 1
        except OSError:
            pass                      # pktgen not there yet, or gone: the frame is lost
        held.popleft()
    timeout = max(0.0, held[0][0] - now) if held else 0.05
    try:
        ready, _, _ = select.select([rx], [], [], timeout)
    except InterruptedError:
        continue
    if ready:
        while True:
            try:
                data = rx.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            held.append((time.monotonic() + delay, data))
print(f"delay_line: carried {carried} frames {delay_ms} ms late", flush=True)
