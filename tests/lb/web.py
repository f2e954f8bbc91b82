#!/usr/bin/env python3
"""A backend for the load balancer's tests: HTTP/1.1 with keep-alive on PORT, answering
every GET with its NAME and the client's address ("s1 10.0.0.10\n"), and /health with 200
(or the status in the file HEALTH_FILE, when it exists: the tests fail a backend's checks
without stopping it).

usage: web.py NAME PORT [HEALTH_FILE]
"""
import http.server
import os
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
        body = ("%s %s\n" % (name, self.client_address[0])).encode()
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


Server(("0.0.0.0", port), Handler).serve_forever()
