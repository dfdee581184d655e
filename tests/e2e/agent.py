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
        --sports in turn, or each on a new socket (--new-flows: from the N ports of --sports if
        given, else from an ephemeral one); one after the other, or with
        --burst all requests first and then the replies. A reply must echo the request.
        Prints one JSON line {sent, ok, lost, served_by: {ID: n}, rtt_ms: [min, median, max],
        sports, ok_sports, lost_sports}.

    agent.py streams URL --count N [--sports A-B] [--timeout S]
        N HTTP GETs at once (one thread each, kernel TCP connections: long-lived when URL
        paces the body with ?rate=), each from its own source port (--sports, else
        ephemeral). Prints "started" once every connection is established, then one JSON line
        {ok, failed, conns: [{sport, ok, bytes, sha256, served_by, error, max_gap_s}]}
        (max_gap_s: the longest wait for data once the body started: a stall).

    agent.py udpstream HOST PORT --flows F --pps P --seconds S [--sports A-B]
        F UDP flows (one socket each) sending sequence-numbered requests round robin, P per
        second in all, for S seconds; a reply must echo its request. Prints one JSON line
        {sent, ok, lost, served_by, lost_by_flow: {sport: n}, lost_at: [s since start of each
        lost request], t0: wall clock of the start}.
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


def read_body(r, rec):
    """Read response r's body into rec: served_by, bytes, sha256, ok (status 200 and all of
    Content-Length), max_gap_s (the longest wait for data: a stall)."""
    rec["served_by"] = r.getheader("X-Served-By")
    rec.setdefault("max_gap_s", 0.0)
    h = hashlib.sha256()
    last = time.monotonic()
    while True:
        d = r.read(16384)
        now = time.monotonic()
        rec["max_gap_s"] = round(max(rec["max_gap_s"], now - last), 3)
        last = now
        if not d:
            break
        h.update(d)
        rec["bytes"] += len(d)
    rec["sha256"] = h.hexdigest()
    want = r.getheader("Content-Length")
    rec["ok"] = r.status == 200 and want is not None and int(want) == rec["bytes"]


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
        read_body(r, res)
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


def streams(a):
    """Concurrent HTTP GETs, one thread each; a record per connection."""
    url = urlsplit(a.url)
    path = url.path + ("?" + url.query if url.query else "")
    sports = _ports(a.sports) if a.sports else [0] * a.count
    conns = [{"sport": sports[i], "ok": False, "bytes": 0, "sha256": None, "served_by": None,
              "error": None, "max_gap_s": 0.0} for i in range(a.count)]
    established = threading.Barrier(a.count + 1, timeout=a.timeout)

    def one(rec):
        arrived = False
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=a.timeout,
                                              source_address=("", rec["sport"]))
            conn.connect()
            rec["sport"] = conn.sock.getsockname()[1]
            arrived = True
            established.wait()
            conn.request("GET", path)
            read_body(conn.getresponse(), rec)
            conn.close()
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
            rec["error"] = "%s: %s" % (type(exc).__name__, exc)
            if not arrived:
                established.abort()

    threads = [threading.Thread(target=one, args=(rec,), daemon=True) for rec in conns]
    for t in threads:
        t.start()
    try:
        established.wait()
        print("started", flush=True)
    except threading.BrokenBarrierError:
        pass
    for t in threads:
        t.join()
    print(json.dumps({"ok": sum(c["ok"] for c in conns),
                      "failed": sum(not c["ok"] for c in conns), "conns": conns}), flush=True)


def udpstream(a):
    """Round-robin paced requests over F flows; which ones got no reply, and when they left."""
    import selectors
    sports = _ports(a.sports) if a.sports else [0] * a.flows
    socks = []
    sel = selectors.DefaultSelector()
    for i in range(a.flows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if sports[i]:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", sports[i]))
        s.connect((a.host, a.port))
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, i)
    total = int(a.pps * a.seconds)
    sent_at = {}  # seq -> (flow, seconds since start)
    served = {}
    t0w, t0 = time.time(), time.monotonic()

    def drain(until):
        while True:
            left = until - time.monotonic()
            for key, _ in sel.select(max(0.0, left)):
                while True:
                    try:
                        d = key.fileobj.recv(2048)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:  # an ICMP error queued on the connected socket
                        continue
                    sid, _, rest = d.partition(b" ")  # "ID stream PID SEQ xxx..."
                    try:
                        seq = int(rest.split(b" ")[2])
                    except (IndexError, ValueError):
                        continue
                    if sent_at.pop(seq, None) is not None:
                        sid = sid.decode(errors="replace")
                        served[sid] = served.get(sid, 0) + 1
            if left <= 0:
                return

    for seq in range(total):
        drain(t0 + seq / a.pps)
        flow = seq % a.flows
        sent_at[seq] = (flow, time.monotonic() - t0)
        try:
            socks[flow].send(b"stream %d %d " % (os.getpid(), seq) + b"x" * 64)
        except OSError:
            pass  # counted lost: no reply comes
    drain(time.monotonic() + a.timeout)
    lost_by = {}
    for flow, _ in sent_at.values():
        sp = socks[flow].getsockname()[1]
        lost_by[sp] = lost_by.get(sp, 0) + 1
    print(json.dumps({"sent": total, "ok": total - len(sent_at), "lost": len(sent_at),
                      "served_by": served, "lost_by_flow": lost_by, "t0": t0w,
                      "lost_at": sorted(round(t, 3) for _, t in sent_at.values())}), flush=True)


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
    p = sub.add_parser("streams")
    p.add_argument("url")
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--sports", help="fixed source ports, one per connection: A-B or A,B,...")
    p.add_argument("--timeout", type=float, default=60)
    p = sub.add_parser("udpstream")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--flows", type=int, default=10)
    p.add_argument("--pps", type=float, default=100)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--sports", help="fixed source ports, one per flow: A-B or A,B,...")
    p.add_argument("--timeout", type=float, default=1)
    a = ap.parse_args()
    {"serve": serve, "get": get, "udp": udp, "streams": streams,
     "udpstream": udpstream}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
