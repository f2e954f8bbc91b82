#!/usr/bin/env python3
"""A delay line between two Unix datagram sockets: every frame that arrives on IN leaves
OUT_PEER (from OUT) DELAY_MS later, in order. The known delay pktgen must measure (the
kernel here has no netem). Runs until SIGTERM; prints how many frames it carried.

usage: delay_line.py IN OUT OUT_PEER DELAY_MS
"""
import collections
import os
import select
import signal
import socket
import sys
import time

src, out, peer, delay_ms = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
delay = delay_ms / 1000.0
for path in (src, out):
    if os.path.exists(path):
        os.unlink(path)
rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
rx.bind(src)
rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
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
