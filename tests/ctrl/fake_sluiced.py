#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""fake_sluiced.py - a stand-in for sluiced's API socket (docs/daemon.md), for sluicectl's tests.

Answers the API ops with canned replies shaped as docs/daemon.md and docs/protocol.md say, checks
requests as the daemon does (version, id, op, no unknown or missing members, member types) and
keeps a little state: register / deregister / drain / undrain change the target list. Their
target is named by the "target" member ("id" is the request's own id). Every request line it
reads is appended to --log as received, so a test can check what was sent.

--mode makes it misbehave: silent (never replies), close (closes without a reply), garbage (a
line that is not JSON), huge (a reply line over 4 MiB), badid (a reply with another id).

    fake_sluiced.py --socket PATH [--log FILE] [--mode MODE]
"""
import argparse
import copy
import json
import os
import signal
import socketserver
import sys
import threading

LINE_MAX = 4 << 20


def target(group, tid, address, zone, state, port=0, weight=1, reason=None, source="config",
           result=None, latency=None, ago=None, passes=0, failures=0, protocol="tcp",
           check_port=80, path=None, drain=None, last_failure=""):
    t = {
        "group": group, "id": tid, "address": address, "port": port, "zone": zone,
        "weight": weight, "state": state, "reason": reason, "last_failure": last_failure,
        "source": source, "check": {"protocol": protocol, "port": check_port, "path": path,
                  "last_result": result, "last_latency_ms": latency, "last_check_s": ago,
                  "passes": passes, "failures": failures},
    }
    if drain is not None:
        t["drain_remaining_s"] = drain
    return t


TARGETS = [
    target("firewalls", "fw-a", "192.168.50.11", "az1", "healthy", result="pass", latency=3.2,
           ago=4.1, passes=12, last_failure="connect: Connection refused"),
    target("firewalls", "fw-b", "192.168.50.12", "az1", "unhealthy", weight=2,
           reason="timeout after 5 s", result="fail", latency=5000, ago=2, failures=3,
           last_failure="timeout after 5 s"),
    target("firewalls", "fw-c", "192.168.50.13", "az2", "unused", reason="zone az2 not served"),
    target("web", "web-a", "10.0.2.21", "az1", "draining", port=8443, reason="deregistered",
           source="api", result="pass", latency=0.4, ago=61, passes=30, protocol="http",
           check_port=8080, path="/healthz", drain=245),
    target("web", "web-b", "10.0.2.22", "az1", "initial", port=8443, reason="",
           last_failure="http: status 503 (expected 200-399)", result="fail", latency=12, ago=3725,
           failures=1, protocol="http", check_port=8080, path="/healthz"),
]
GROUPS = {"firewalls": 300, "web": 30}  # group: deregistration delay

DATAPLANES = [
    {"socket": "/run/sluice/dp.sock", "connected": True, "state": "synced", "synced": True,
     "generation": 7, "last_error": None, "last_sync": 12.5, "dataplane": "sluice-dp",
     "version": "0.1.0"},
    {"socket": "/run/sluice/dp-xdp.sock", "connected": False, "state": "disconnected",
     "synced": False, "generation": None, "last_error": "connect: No such file or directory",
     "last_sync": None, "dataplane": None, "version": None},
]

FLOWS = {
    "total": 3, "truncated": False,
    "flows": [
        {"group": "firewalls", "target": "fw-a", "proto": "udp", "src": "10.0.1.2",
         "sport": 4000, "dst": "198.51.100.7", "dport": 53, "idle_s": 1.2},
        {"group": "firewalls", "target": "fw-b", "proto": "tcp", "src": "2001:db8:a::2",
         "sport": 51234, "dst": "2001:db8:b::80", "dport": 443, "idle_s": 312.0},
    ],
    "sessions": [
        {"listener": "web", "group": "web", "target": "web-a", "proto": "tcp",
         "client": "203.0.113.9", "cport": 40000, "vip": "10.0.1.10", "vport": 443,
         "target_address": "10.0.2.21", "tport": 8443, "idle_s": 0.4},
    ],
}

STATS = {
    "ports": {
        "outside": {"rx_packets": 1234567, "rx_bytes": 987654321, "tx_packets": 1200000,
                    "tx_bytes": 900000000},
        "appliances": {"rx_packets": 5, "rx_bytes": 300, "tx_packets": 0, "tx_bytes": 0},
    },
    "drops": {"parse_l2": 0, "no_route": 17, "geneve_bad_cookie": 2, "tx_full": 0},
    "events": {"geneve_encap": 1200000, "geneve_decap": 1199990, "bypass": 0,
               "arp_reply": 4},
    "targets": {
        "firewalls": {
            "fw-a": {"packets": 800000, "bytes": 640000000, "new_flows": 1000,
                     "returns": 799990, "state": "healthy"},
            "fw-b": {"packets": 0, "bytes": 0, "new_flows": 0, "returns": 0,
                     "state": "unhealthy"},
        },
        "web": {"web-a": {"packets": 10, "bytes": 1000, "new_flows": 2, "state": "draining",
                          "active_flows": 1}},
    },
    "listeners": {"web": {"packets": 10, "bytes": 1000, "new_flows": 2, "active_flows": 1,
                          "drops": 3, "drop_reasons": {"nlb_drained": 3}}},
    "flows_active": 2,
    "nlb_sessions": 1,
    "workers": 2,
}

LISTENERS = [
    {"name": "web", "protocol": "tcp", "port": 443, "group": "web", "inspect": "ingress",
     "counters": STATS["listeners"]["web"]},
    {"name": "dns", "protocol": "udp", "port": 53, "group": "dns", "inspect": None,
     "counters": None},
]

# counters: per group of the chain, the sums over the group's targets (null: no dataplane)
ATTACHMENTS = [
    {"name": "ingress", "endpoint_id": "0x0a0b0c0d01020304",
     "attachment_id": "0x0000000000000001", "from": ["outside", "outside2"],
     "chain": ["firewalls", "ids"],
     "counters": {"firewalls": {"packets": 800000, "bytes": 640000000, "new_flows": 1000},
                  "ids": {"packets": 0, "bytes": 0, "new_flows": 0}}},
    {"name": "egress", "endpoint_id": "0x0a0b0c0d01020305",
     "attachment_id": "0x0000000000000002", "from": ["appliances"], "chain": ["firewalls"],
     "counters": None},
]

RELOAD = {"added": ["firewalls/fw-d"], "removed": ["firewalls/fw-c"],
          "changed": ["web/web-b", "web/web-c"]}

STATUS = {"version": "0.1.0", "config": "/etc/sluice/sluice.yaml", "uptime_s": 3725,
          "zone": "az1"}

# op: (required members, optional members)
OPS = {
    "status": ((), ()),
    "targets": ((), ("group",)),
    "register": (("group", "target", "address"), ("zone", "port", "weight")),
    "deregister": (("group", "target"), ()),
    "drain": (("group", "target"), ()),
    "undrain": (("group", "target"), ()),
    "reload": ((), ()),
    "flows": ((), ("limit", "group", "target", "dataplane")),
    "counters": ((), ("dataplane",)),
    "listeners": ((), ()),
    "attachments": ((), ()),
    "dataplanes": ((), ()),
}
INTS = {"port", "weight", "limit"}


class Refused(Exception):
    pass


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.targets = copy.deepcopy(TARGETS)
        self.reloads = 0

    def find(self, op, group, tid):
        if group not in GROUPS:
            raise Refused(f'{op}: unknown group "{group}"')
        for t in self.targets:
            if t["group"] == group and t["id"] == tid:
                return t
        raise Refused(f'{op}: no target "{tid}" in group "{group}"')

    def dataplane(self, op, req):
        dp = req.get("dataplane")
        if dp is None:
            return DATAPLANES[0]["socket"]
        for d in DATAPLANES:
            if d["socket"] == dp:
                if not d["connected"]:
                    raise Refused(f'{op}: dataplane {dp} is not connected')
                return dp
        raise Refused(f'{op}: dataplane: no dataplane "{dp}"')

    def handle(self, req):
        op = req["op"]
        if op == "status":
            return dict(STATUS, dataplanes=DATAPLANES)
        if op == "targets":
            g = req.get("group")
            if g is not None and g not in GROUPS:
                raise Refused(f'targets: unknown group "{g}"')
            return {"targets": [t for t in self.targets if g is None or t["group"] == g]}
        if op == "register":
            if req["group"] not in GROUPS:
                raise Refused(f'register: unknown group "{req["group"]}"')
            if any(t["group"] == req["group"] and t["id"] == req["target"] for t in self.targets):
                raise Refused(f'register: target "{req["target"]}" is already in group '
                              f'"{req["group"]}"')
            if not 0 <= req.get("weight", 1) <= 1000:
                raise Refused("register: weight: out of range")
            t = target(req["group"], req["target"], req["address"], req.get("zone", "az1"),
                       "initial", port=req.get("port", 0), weight=req.get("weight", 1),
                       source="api")
            self.targets.append(t)
            return {"target": t}
        if op in ("deregister", "drain"):
            t = self.find(op, req["group"], req["target"])
            t["state"] = "draining"
            t["reason"] = "deregistered" if op == "deregister" else "drained"
            t["drain_remaining_s"] = GROUPS[req["group"]]
            return {"target": t}
        if op == "undrain":
            t = self.find(op, req["group"], req["target"])
            if t["state"] != "draining" or t["reason"] != "drained":
                raise Refused(f'undrain: target "{req["target"]}" is not drained')
            t["state"] = "initial"
            t["reason"] = None
            t.pop("drain_remaining_s", None)
            return {"target": t}
        if op == "reload":
            self.reloads += 1
            if self.reloads == 1:
                return copy.deepcopy(RELOAD)
            return {"added": [], "removed": [], "changed": []}
        if op == "flows":
            dp = self.dataplane(op, req)
            r = copy.deepcopy(FLOWS)
            g, t = req.get("group"), req.get("target")
            for k in ("flows", "sessions"):
                r[k] = [f for f in r[k] if (g is None or f["group"] == g) and
                        (t is None or f["target"] == t)]
            limit = req.get("limit", 100)
            r["total"] = len(r["flows"]) + len(r["sessions"])
            r["flows"] = r["flows"][:limit]
            r["sessions"] = r["sessions"][:max(0, limit - len(r["flows"]))]
            r["truncated"] = len(r["flows"]) + len(r["sessions"]) < r["total"]
            r["dataplane"] = dp
            return r
        if op == "counters":
            return {"dataplane": self.dataplane(op, req), "stats": STATS}
        if op == "listeners":
            return {"listeners": LISTENERS, "dataplane": DATAPLANES[0]["socket"]}
        if op == "attachments":
            return {"attachments": ATTACHMENTS, "dataplane": DATAPLANES[0]["socket"]}
        if op == "dataplanes":
            return {"dataplanes": DATAPLANES}
        raise AssertionError(op)


def check(req):
    """Refuse what the daemon would refuse, by name."""
    if not isinstance(req, dict):
        raise Refused("request is not a JSON object")
    if req.get("v") != 1:
        raise Refused(f'unsupported protocol version {req.get("v")} (this daemon speaks 1)')
    if "id" not in req:
        raise Refused('missing member "id"')
    op = req.get("op")
    if op not in OPS:
        raise Refused(f'unknown op "{op}"')
    required, optional = OPS[op]
    for k in req:
        if k not in ("v", "id", "op") + required + optional:
            raise Refused(f'{op}: unknown member "{k}"')
    for k in required:
        if k not in req:
            raise Refused(f'{op}: missing member "{k}"')
    for k in required + optional:
        if k not in req:
            continue
        if k in INTS and (not isinstance(req[k], int) or isinstance(req[k], bool)):
            raise Refused(f"{op}: {k}: not an integer")
        if k not in INTS and not isinstance(req[k], str):
            raise Refused(f"{op}: {k}: not a string")


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        srv = self.server
        while True:
            line = self.rfile.readline(LINE_MAX + 1)
            if not line:
                return
            if srv.log:
                with srv.state.lock, open(srv.log, "ab") as f:
                    f.write(line if line.endswith(b"\n") else line + b"\n")
            mode = srv.mode
            if mode == "silent":
                self.rfile.read()  # until the client goes away
                return
            if mode == "close":
                return
            if mode == "garbage":
                self.wfile.write(b"this is not JSON\n")
                continue
            if mode == "huge":
                self.wfile.write(b'{"v":1,"id":1,"ok":true,"pad":"' + b"x" * LINE_MAX +
                                 b'"}\n')
                continue
            rid = None
            try:
                req = json.loads(line)
                rid = req.get("id") if isinstance(req, dict) else None
                check(req)
                with srv.state.lock:
                    body = srv.state.handle(req)
                rep = {"v": 1, "id": rid, "ok": True}
                rep.update(body)
            except ValueError:
                rep = {"v": 1, "id": None, "ok": False, "error": "request is not JSON"}
            except Refused as e:
                rep = {"v": 1, "id": rid, "ok": False, "error": str(e)}
            if mode == "badid":
                rep["id"] = 99
            self.wfile.write(json.dumps(rep, separators=(",", ":")).encode() + b"\n")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--log")
    ap.add_argument("--mode", default="normal",
                    choices=["normal", "silent", "close", "garbage", "huge", "badid"])
    a = ap.parse_args()
    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    srv = Server(a.socket, Handler)
    srv.state = State()
    srv.mode = a.mode
    srv.log = a.log
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        srv.serve_forever()
    finally:
        try:
            os.unlink(a.socket)
        except OSError:
            pass


if __name__ == "__main__":
    main()
