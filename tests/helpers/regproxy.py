#!/usr/bin/env python3
"""A small HTTP proxy in front of a test registry, for what the registry
itself cannot be made to do: ask for Bearer tokens from a token endpoint of
its own (--token USER:PASSWORD), hold blob downloads back (--delay SECONDS)
stop half-way through those above 1 MiB (--stall; --stall-above BYTES
for another size), or send them 64 KiB every 20 ms (--trickle). It logs one line per request.

usage: regproxy.py --upstream HOST:PORT --port-file FILE --log FILE [options]
"""
import argparse
import base64
import http.client
import http.server
import json
import secrets
import sys
import threading
import time
import urllib.parse

ARGS = None
TOKENS = set()
LOCK = threading.Lock()


def log(line):
    with LOCK, open(ARGS.log, "a") as f:
        f.write(line + "\n")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_plain(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def token_endpoint(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        want = "Basic " + base64.b64encode(ARGS.token.encode()).decode()
        if self.headers.get("Authorization") != want:
            log("token refused")
            return self.send_plain(401, '{"details":"bad credentials"}')
        token = secrets.token_hex(16)
        TOKENS.add(token)
        log("token issued service=%s scope=%s" % (q.get("service", [""])[0], q.get("scope", [""])[0]))
        self.send_plain(200, json.dumps({"token": token}), [("Content-Type", "application/json")])

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in TOKENS:
            return True
        parts = self.path.split("/")
        repo = "/".join(parts[2:-2]) if len(parts) > 4 else ""
        challenge = 'Bearer realm="http://%s/token",service="regproxy"' % self.headers["Host"]
        if repo:
            challenge += ',scope="repository:%s:pull"' % repo
        self.send_plain(401, '{"errors":[{"code":"UNAUTHORIZED","message":"token required"}]}',
                        [("WWW-Authenticate", challenge), ("Content-Type", "application/json")])
        return False

    def forward(self):
        log("%s %s" % (self.command, self.path))
        if self.path.startswith("/token"):
            return self.token_endpoint()
        if ARGS.token and not self.authorized():
            return
        body = None
        if "Content-Length" in self.headers:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        up = http.client.HTTPConnection(ARGS.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization")}
        up.request(self.command, self.path, body=body, headers=headers)
        r = up.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            if k.lower() == "location":
                v = v.replace(ARGS.upstream, self.headers["Host"])
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        blob = "/blobs/sha256:" in self.path and self.command == "GET"
        if blob and ARGS.delay:
            time.sleep(ARGS.delay)
        if blob and ARGS.stall and len(data) > ARGS.stall_above:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            log("stalled %s" % self.path)
            time.sleep(3600)
        if blob and ARGS.trickle:
            for i in range(0, len(data), 1 << 16):
                self.wfile.write(data[i:i + (1 << 16)])
                self.wfile.flush()
                time.sleep(0.02)
            return
        self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--token")
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--stall", action="store_true")
    p.add_argument("--stall-above", type=int, default=1 << 20)
    p.add_argument("--trickle", action="store_true")
    ARGS = p.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    srv.daemon_threads = True
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
