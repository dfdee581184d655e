#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The end hosts of the e2e lab (tests/e2e/lab.py runs them inside its namespaces with
`ip netns exec NS /usr/bin/python3 agent.py ...`). Standard library only.

    agent.py serve --name ID --address IP --tcp-port P... --udp-port P... --blob FILE
        One NLB target: HTTP on every --tcp-port (GET /healthz -> 200 "ok"; GET /blob -> FILE,
        header X-Served-By: ID; /blob?rate=KBPS paces the body to KBPS kilobytes per second so
        that a transfer lasts long enough to restart or kill something under it) and a UDP
        echo on every --udp-port (the reply is "ID " + the request). Prints "ready" once every
        socket is bound.

    agent.py get URL [--sport N] [--timeout S]
        One HTTP GET (a kernel TCP connection, from source port N if given): prints one JSON
        line {ok, status, bytes, sha256, served_by, seconds, error}.

    agent.py udp HOST PORT [--count N] [--size B] [--sport N | --sports A-B | --new-flows]
                 [--burst] [--interval S] [--timeout S]
        N request/response exchanges: on one socket (one flow), on the fixed source ports of
        --sports in turn, or each on a new socket (--new-flows); one after the other, or with
        --burst all requests first and then the replies. A reply must echo the request.
        Prints one JSON line {sent, ok, lost, served_by: {ID: n}, rtt_ms: [min, median, max],
        sports, ok_sports, lost_sports}.
"""

import argparse
import hashlib
import http.client
import http.server
import json
import os
import socket
import socketserver
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit, parse_qs


def serve(a):
    with open(a.blob, "rb") as f:
        blob = f.read()
    name = a.name

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # keep the logs for problems
            pass

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/healthz":
                body = b"ok\n"
            elif url.path == "/blob":
                body = blob
            else:
                self.send_error(404)
                return
            rate = float(parse_qs(url.query).get("rate", ["0"])[0]) * 1000
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Served-By", name)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = 16384
            t0 = time.monotonic()
            try:
                for off in range(0, len(body), chunk):
                    self.wfile.write(body[off:off + chunk])
                    if rate > 0:
                        delay = t0 + (off + chunk) / rate - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
            except OSError:
                pass
            self.close_connection = True

    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True

        def server_bind(self):
            # HTTPServer.server_bind asks the resolver for the address's name (getfqdn):
            # in a namespace without DNS that waits for the resolver's timeouts
            socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = self.server_address[:2]

    servers = [Server((a.address, p), Handler) for p in a.tcp_port]
    udps = []
    for p in a.udp_port:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((a.address, p))
        udps.append(u)

    def echo(u):
        prefix = name.encode() + b" "
        while True:
            d, peer = u.recvfrom(65535)
            u.sendto(prefix + d, peer)

    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    for u in udps:
        threading.Thread(target=echo, args=(u,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def get(a):
    url = urlsplit(a.url)
    res = {"ok": False, "status": None, "bytes": 0, "sha256": None, "served_by": None,
           "seconds": None, "error": None, "sport": a.sport}
    t0 = time.monotonic()
    try:
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=a.timeout,
                                          source_address=("", a.sport) if a.sport else None)
        conn.request("GET", url.path + ("?" + url.query if url.query else ""))
        r = conn.getresponse()
        res["status"] = r.status
        res["served_by"] = r.getheader("X-Served-By")
        h = hashlib.sha256()
        while True:
            d = r.read(65536)
            if not d:
                break
            h.update(d)
            res["bytes"] += len(d)
        res["sha256"] = h.hexdigest()
        want = r.getheader("Content-Length")
        res["ok"] = r.status == 200 and want is not None and int(want) == res["bytes"]
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        res["error"] = "%s: %s" % (type(exc).__name__, exc)
    res["seconds"] = round(time.monotonic() - t0, 3)
    print(json.dumps(res), flush=True)


def _ports(spec):
    """'A-B' or 'A,B,C' -> [ports]."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def udp(a):
    """Request/response over UDP; each request on its own flow (--new-flows), on the fixed
    flows of --sports in turn, or on one socket. Sequential (wait for each reply) or, with
    --burst, every request first and then the replies."""
    import selectors
    n_sock = a.count if a.new_flows else len(_ports(a.sports)) if a.sports else 1
    fixed = _ports(a.sports) if a.sports else [a.sport] * n_sock
    socks = []
    for i in range(n_sock):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        port = fixed[i] if i < len(fixed) else 0
        # SO_REUSEADDR only for a fixed port: on an ephemeral bind it lets the kernel hand two
        # sockets of one burst the same port, i.e. one flow, and one of them never gets its reply
        if port:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", port))
        s.connect((a.host, a.port))
        socks.append(s)
    res = {"sent": 0, "ok": 0, "lost": 0, "served_by": {},
           "sports": [s.getsockname()[1] for s in socks], "lost_sports": [], "ok_sports": []}
    rtts = []
    pending = {}  # socket -> (message, sent at)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)

    def collect(deadline):
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(max(0.01, deadline - time.monotonic())):
                s = key.fileobj
                try:
                    d = s.recv(65535)
                except OSError:  # an ICMP error queued on the connected socket
                    continue
                sid, _, echo = d.partition(b" ")
                if s not in pending or echo != pending[s][0]:
                    continue  # a late reply to an earlier request
                rtts.append((time.monotonic() - pending.pop(s)[1]) * 1000)
                res["ok"] += 1
                res["ok_sports"].append(s.getsockname()[1])
                sid = sid.decode(errors="replace")
                res["served_by"][sid] = res["served_by"].get(sid, 0) + 1

    def give_up():
        for s in list(pending):
            res["lost"] += 1
            res["lost_sports"].append(s.getsockname()[1])
        pending.clear()

    for i in range(a.count):
        s = socks[i % n_sock]
        msg = (b"e2e %d %d " % (os.getpid(), i) + os.urandom(a.size).hex().encode())[:a.size]
        if s in pending:  # still waiting on this flow (burst mode with count > flows)
            collect(pending[s][1] + a.timeout)
            give_up()
        pending[s] = (msg, time.monotonic())
        s.send(msg)
        res["sent"] += 1
        if not a.burst:
            collect(time.monotonic() + a.timeout)
            give_up()
            if a.interval:
                time.sleep(a.interval)
    collect(time.monotonic() + a.timeout)
    give_up()
    if rtts:
        res["rtt_ms"] = [round(min(rtts), 2), round(statistics.median(rtts), 2),
                         round(max(rtts), 2)]
    print(json.dumps(res), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--name", required=True)
    p.add_argument("--address", required=True)
    p.add_argument("--tcp-port", type=int, action="append", default=[])
    p.add_argument("--udp-port", type=int, action="append", default=[])
    p.add_argument("--blob", required=True)
    p = sub.add_parser("get")
    p.add_argument("url")
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--timeout", type=float, default=20)
    p = sub.add_parser("udp")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--size", type=int, default=200)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--sports", help="fixed source ports, one flow each: A-B or A,B,...")
    p.add_argument("--new-flows", action="store_true")
    p.add_argument("--burst", action="store_true")
    p.add_argument("--interval", type=float, default=0)
    p.add_argument("--timeout", type=float, default=2)
    a = ap.parse_args()
    {"serve": serve, "get": get, "udp": udp}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
