#!/usr/bin/env python3
"""A backend for the load balancer's tests: HTTP/1.1 with keep-alive on PORT, answering
every GET with its NAME and the client's address ("s1 10.0.0.10\n", "s1 2001:db8:c::10\n"; it
listens on IPv4 and IPv6), and /health with 200
(or the status in the file HEALTH_FILE, when it exists: the tests fail a backend's checks
without stopping it).

usage: web.py NAME PORT [HEALTH_FILE]
"""
import http.server
import os
import socket
import socketserver
import sys

name, port = sys.argv[1], int(sys.argv[2])
health_file = sys.argv[3] if len(sys.argv) > 3 else ""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 200
        if self.path == "/health" and health_file and os.path.exists(health_file):
            with open(health_file) as f:
                status = int(f.read().strip() or "503")
        client = self.client_address[0]
        if client.startswith("::ffff:"):
            client = client[7:]         # an IPv4 client, on the dual-stack socket
        body = ("%s %s\n" % (name, client)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Server6(Server):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


try:
    srv = Server6(("::", port), Handler)
except OSError:                         # no IPv6 here: IPv4 alone
    srv = Server(("0.0.0.0", port), Handler)
srv.serve_forever()
