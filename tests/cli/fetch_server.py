#!/usr/bin/env python3
"""A small HTTP server for the `dlab fetch` tests, on 127.0.0.1.

Serves the files of a directory, with Range requests (206 Partial Content),
and can cut a transfer off half way: the first GET of each file named with
--cut sends the headers of the whole file but only half of its bytes, then
closes the connection. Each request is logged to --log as `PATH RANGE`.
The port it listens on is written to --port-file once it is ready.

Hostile answers, for the tests of what `dlab fetch` refuses: a path named
with --endless gets a body of zeros without end (no Content-Length; the
server writes until the client hangs up), and --redirect PATH=URL answers
PATH with a 302 to URL (e.g. file:///etc/hostname).

    fetch_server.py --root DIR --port-file FILE --log FILE [--cut NAME]...
                    [--endless NAME]... [--redirect NAME=URL]...
"""
import argparse
import http.server
import os
import re
import sys


def make_handler(root, log_path, cut, endless, redirects):
    cut_done = set()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # keep the test's output clean
            pass

        def do_GET(self):
            name = self.path.lstrip("/")
            rng = self.headers.get("Range", "-")
            with open(log_path, "a") as log:
                log.write(f"{self.path} {rng}\n")
            if name in redirects:
                self.send_response(302)
                self.send_header("Location", redirects[name])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if name in endless:
                self.send_endless()
                return
            path = os.path.join(root, name)
            if ".." in name.split("/") or not os.path.isfile(path):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = open(path, "rb").read()
            start = 0
            m = re.fullmatch(r"bytes=(\d+)-", rng) if rng != "-" else None
            if m:
                start = int(m.group(1))
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if name in cut and name not in cut_done:
                cut_done.add(name)
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

        def send_endless(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = bytes(1 << 16)
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:  # the client stopped reading: what the test wants
                pass

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cut", action="append", default=[])
    p.add_argument("--endless", action="append", default=[])
    p.add_argument("--redirect", action="append", default=[])
    a = p.parse_args()
    redirects = dict(r.split("=", 1) for r in a.redirect)
    handler = make_handler(a.root, a.log, set(a.cut), set(a.endless), redirects)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, a.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
