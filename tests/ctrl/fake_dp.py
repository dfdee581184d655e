#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A fake dataplane: the server side of the control protocol (docs/protocol.md), no DPDK.

It keeps the target sets like sluice-dp does (hello, sync, update, state, stats, flows, with the
same validation and error texts for the common cases), records every message it receives, and
can be told to misbehave, so that sluiced (ctrl/dpconn.c) can be tested without a dataplane.

    fake_dp.py --socket /tmp/dp.sock --config sluice.yaml --record /tmp/dp.jsonl
    fake_dp.py --socket /tmp/dp.sock --group firewalls:geneve --group web:tcp \\
               --fail sync='sync: groups: group "web" missing (every group must be listed)'

Groups come from the config's target_groups (the config's targets are the initial set, all
healthy, as sluice-dp without a daemon) or from --group NAME[:PROTOCOL] (empty sets).

--record FILE appends one JSON line per message received:
    {"t": UNIX_TIME, "conn": N, "msg": {...}}       ("raw": "..." when the line is not JSON)
and one per connection event: {"t": ..., "conn": N, "event": "connect" | "close"}.

Misbehaviour, from the command line or at run time through --admin PATH (a Unix socket taking
one JSON command per line, answering one JSON line):
    --fail OP[=MESSAGE]   {"fail": {"OP": "MESSAGE"}}   reply ok:false to OP
    --unfail OP           {"unfail": "OP"}
    --hang OP             {"hang": "OP"}    on OP, stop answering on that connection (wedged)
    --delay OP=SECONDS    {"delay": {"OP": S}} answer OP (and what follows it) S seconds late
    --protocol N          {"protocol": N}   the protocol version hello reports
                          {"disconnect": true}  close every client connection
                          {"state": true}   answer the current generation, target sets, counts
                          {"quit": true}
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import stat
import sys
import time

MAX_LINE = 4 << 20
MAX_CLIENTS = 8
MAX_TARGETS = 256
STATES = ("healthy", "unhealthy", "initial", "draining", "unused")
TARGET_KEYS = ("id", "address", "port", "zone", "weight", "state", "draining_for_s")
OPS = ("hello", "sync", "update", "state", "stats", "flows")
OP_MEMBERS = {"hello": ("client",), "sync": ("groups",), "update": ("set", "remove"),
              "state": (), "stats": (), "flows": ("limit", "group", "target")}


class ReqError(Exception):
    pass


def check_address(where, a):
    parts = a.split(".") if isinstance(a, str) else []
    if len(parts) != 4 or not all(p.isdigit() and int(p) <= 255 for p in parts):
        raise ReqError(f'{where}.address: not an IPv4 address {json.dumps(a)}')


def check_target(where, t, full, extra=None):
    if not isinstance(t, dict):
        raise ReqError(f"{where}: not an object")
    for k in t:
        if k not in TARGET_KEYS and k != extra:
            raise ReqError(f'{where}: unknown member "{k}"')
    if "id" not in t:
        raise ReqError(f"{where}.id: missing")
    if not isinstance(t["id"], str) or not 1 <= len(t["id"]) <= 63:
        raise ReqError(f"{where}.id: not a target id (a string of 1-63 of A-Za-z0-9-_.:)")
    if full:
        for k in ("address", "zone", "state"):
            if k not in t:
                raise ReqError(f"{where}.{k}: missing")
    if "address" in t:
        check_address(where, t["address"])
    if "state" in t and t["state"] not in STATES:
        raise ReqError(f'{where}.state: unknown state {json.dumps(t["state"])} '
                       f'(expected {", ".join(STATES)})')
    if "weight" in t and not (isinstance(t["weight"], int) and 0 <= t["weight"] <= 1000):
        raise ReqError(f"{where}.weight: not an integer 0-1000")
    if "port" in t and not (isinstance(t["port"], int) and 0 <= t["port"] <= 65535):
        raise ReqError(f"{where}.port: not a port number (0-65535)")


def no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f"duplicate member {k}")
        d[k] = v
    return d


def norm_target(t):
    out = {"id": t["id"], "address": t["address"], "port": t.get("port", 0),
           "zone": t["zone"], "weight": t.get("weight", 1), "state": t["state"]}
    if "draining_for_s" in t:
        out["draining_for_s"] = t["draining_for_s"]
    return out


class FakeDP:
    def __init__(self, args):
        self.args = args
        self.zone = args.zone
        self.groups = {}  # name -> {"protocol": p, "targets": {id: target}}
        self.generation = 1
        self.synced = False
        self.fail = {}
        self.hang = set()
        self.delay = {}
        self.protocol = args.protocol
        self.clients = {}  # conn number -> writer
        self.nconn = 0
        self.polls = 0
        self.record = open(args.record, "a", buffering=1) if args.record else None
        self.load_groups()
        for f in args.fail or []:
            op, _, msg = f.partition("=")
            self.fail[op] = msg or f"{op}: refused by fake_dp"
        for op in args.hang or []:
            self.hang.add(op)
        for d in args.delay or []:
            op, _, s = d.partition("=")
            self.delay[op] = float(s)

    def load_groups(self):
        if self.args.config:
            import yaml
            with open(self.args.config) as f:
                cfg = yaml.safe_load(f) or {}
            self.zone = self.zone or (cfg.get("node") or {}).get("zone", "az1")
            for g in cfg.get("target_groups") or []:
                targets = {}
                for t in g.get("targets") or []:
                    targets[t["id"]] = {
                        "id": t["id"], "address": t["address"], "port": t.get("port", 0),
                        "zone": t.get("zone", self.zone), "weight": t.get("weight", 1),
                        "state": t.get("state", "healthy")}
                self.groups[g["name"]] = {"protocol": g.get("protocol", "geneve"),
                                          "targets": targets}
        for spec in self.args.group or []:
            name, _, proto = spec.partition(":")
            self.groups[name] = {"protocol": proto or "geneve", "targets": {}}
        self.zone = self.zone or "az1"

    def log(self, obj):
        if self.record:
            obj = {"t": time.time(), **obj}
            self.record.write(json.dumps(obj, separators=(",", ":")) + "\n")

    # --- the protocol ------------------------------------------------------------------

    def op_hello(self, req):
        return {"protocol": self.protocol, "dataplane": "fake-dp", "version": "0.1.0",
                "node": {"zone": self.zone}, "generation": self.generation,
                "synced": self.synced,
                "groups": [{"name": n, "protocol": g["protocol"], "max_targets": MAX_TARGETS}
                           for n, g in self.groups.items()]}

    def op_sync(self, req):
        groups = req.get("groups")
        if not isinstance(groups, list):
            raise ReqError('sync: "groups" missing or not a list')
        new = {}
        for i, g in enumerate(groups):
            name = g.get("name") if isinstance(g, dict) else None
            if name not in self.groups:
                raise ReqError(f'sync: groups[{i}]: group {json.dumps(name)} '
                               "is not in this dataplane's config")
            if name in new:
                raise ReqError(f'sync: groups[{i}]: group "{name}" listed twice')
            targets, first = {}, {}
            for j, t in enumerate(g.get("targets") or []):
                where = f"sync: groups[{i}].targets[{j}]"
                check_target(where, t, True)
                if t["id"] in targets:
                    raise ReqError(f'{where}.id: duplicate id "{t["id"]}" '
                                   f"(also targets[{first[t['id']]}])")
                first[t["id"]] = j
                targets[t["id"]] = norm_target(t)
            if len(targets) > MAX_TARGETS:
                raise ReqError(f'sync: groups[{i}]: group "{name}" is full ({MAX_TARGETS} targets)')
            new[name] = targets
        for name in self.groups:
            if name not in new:
                raise ReqError(f'sync: groups: group "{name}" missing (every group must be listed)')
        for name, targets in new.items():
            self.groups[name]["targets"] = targets
        self.synced = True
        self.generation += 1
        return {"generation": self.generation}

    def op_update(self, req):
        staged = {n: dict(g["targets"]) for n, g in self.groups.items()}
        seen = set()
        # Removals first, then set: all in one generation (docs/protocol.md).
        for i, t in enumerate(req.get("remove") or []):
            where = f"update: remove[{i}]"
            g = t.get("group") if isinstance(t, dict) else None
            if g not in staged:
                raise ReqError(f"{where}: group {json.dumps(g)} is not in this dataplane's config")
            if (g, t.get("id")) in seen:
                raise ReqError(f'{where}: target "{g}/{t.get("id")}" listed twice')
            seen.add((g, t.get("id")))
            if staged[g].pop(t.get("id"), None) is None:
                raise ReqError(f'{where}: no target {json.dumps(t.get("id"))} in group "{g}"')
        for i, t in enumerate(req.get("set") or []):
            where = f"update: set[{i}]"
            g = t.get("group") if isinstance(t, dict) else None
            if g not in staged:
                raise ReqError(f"{where}: group {json.dumps(g)} is not in this dataplane's config")
            old = staged[g].get(t.get("id"))
            check_target(where, t, old is None, extra="group")
            if (g, t["id"]) in seen:
                raise ReqError(f'{where}: target "{g}/{t["id"]}" listed twice')
            seen.add((g, t["id"]))
            merged = dict(old or {})
            merged.update({k: v for k, v in t.items() if k != "group"})
            if "draining_for_s" in t and merged["state"] != "draining":
                raise ReqError(f"{where}.draining_for_s: only with state draining "
                               f'(the target is {merged["state"]})')
            if merged["state"] != "draining":
                merged.pop("draining_for_s", None)
            staged[g][t["id"]] = norm_target(merged)
            if len(staged[g]) > MAX_TARGETS:
                raise ReqError(f'{where}: group "{g}" is full ({MAX_TARGETS} targets)')
        for n, targets in staged.items():
            self.groups[n]["targets"] = targets
        self.generation += 1
        return {"generation": self.generation}

    def op_state(self, req):
        out = []
        for n, g in self.groups.items():
            ts = [dict(t, in_zone=t["zone"] == self.zone) for t in g["targets"].values()]
            for t in ts:
                if t["state"] == "draining":
                    t.setdefault("draining_for_s", 0)
            mode = "normal" if any(t["state"] == "healthy" for t in ts) else (
                "fail_open" if ts else "no_target")
            out.append({"name": n, "protocol": g["protocol"], "mode": mode, "targets": ts})
        return {"generation": self.generation, "groups": out}

    def op_stats(self, req):
        self.polls += 1
        targets = {}
        for n, g in self.groups.items():
            targets[n] = {t["id"]: {"packets": self.polls * 10 if t["state"] == "healthy" else 0,
                                    "bytes": self.polls * 1000 if t["state"] == "healthy" else 0,
                                    "new_flows": self.polls if t["state"] == "healthy" else 0,
                                    "state": t["state"]}
                          for t in g["targets"].values()}
        return {"stats": {"ports": {"outside": {"rx_packets": self.polls, "rx_bytes": 0,
                                                "tx_packets": 0, "tx_bytes": 0}},
                          "drops": {"parse_l2": 0}, "events": {"flow_new": self.polls},
                          "targets": targets, "flows_active": 0, "nlb_sessions": 0,
                          "workers": 1, "elapsed_s": 0}}

    def op_flows(self, req):
        return {"total": 0, "truncated": False, "flows": [], "sessions": []}

    def handle(self, req):
        """The reply to one parsed request (a dict), and whether the connection hangs after."""
        rid = req.get("id")
        op = req.get("op")
        try:
            v = req.get("v")
            if not isinstance(v, int):
                raise ReqError(f"v: {'missing' if v is None else 'not an integer'} "
                               "(this dataplane speaks protocol 1)")
            if v != 1:
                raise ReqError(f"unsupported protocol version {v} (this dataplane speaks 1)")
            if "id" not in req:
                raise ReqError("id: missing")
            if not isinstance(op, str):
                raise ReqError(f"op: {'missing' if op is None else 'not a string'}")
            if op not in OPS:
                raise ReqError(f"unknown op {json.dumps(op)} (expected {', '.join(OPS)})")
            for k in req:
                if k not in ("v", "id", "op") and k not in OP_MEMBERS[op]:
                    raise ReqError(f'{op}: unknown member "{k}"')
            if op in self.fail:
                raise ReqError(self.fail[op])
            body = getattr(self, "op_" + op)(req)
            return {"v": 1, "id": rid, "ok": True, **body}
        except ReqError as e:
            return {"v": 1, "id": rid, "ok": False, "error": str(e)}

    async def serve_client(self, reader, writer):
        self.nconn += 1
        n = self.nconn
        if len(self.clients) >= MAX_CLIENTS:
            writer.write(b'{"v":1,"id":null,"ok":false,'
                         b'"error":"too many clients (at most 8): closing"}\n')
            writer.close()
            return
        self.clients[n] = writer
        self.log({"conn": n, "event": "connect"})
        hung = False
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError:
                    break
                except asyncio.LimitOverrunError:
                    writer.write(b'{"v":1,"id":null,"ok":false,"error":"line longer than 4 MiB"}\n')
                    break
                if not line.strip(b"\r\n"):
                    continue  # empty lines are ignored
                try:
                    req = json.loads(line, object_pairs_hook=no_duplicates)
                except ValueError:
                    req = None
                if not isinstance(req, dict):
                    self.log({"conn": n, "raw": line.decode("utf-8", "replace")})
                    writer.write(b'{"v":1,"id":null,"ok":false,'
                                 b'"error":"a request must be a JSON object: closing"}\n')
                    await writer.drain()
                    break
                self.log({"conn": n, "msg": req})
                op = req.get("op")
                if op in self.hang:
                    hung = True
                if hung:
                    continue
                if op in self.delay:
                    await asyncio.sleep(self.delay[op])
                reply = self.handle(req)
                writer.write(json.dumps(reply, separators=(",", ":")).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, BrokenPipeError):
            pass
        finally:
            self.clients.pop(n, None)
            self.log({"conn": n, "event": "close"})
            try:
                writer.close()
            except Exception:
                pass

    # --- the admin socket ---------------------------------------------------------------

    def admin(self, cmd):
        if "fail" in cmd:
            self.fail.update(cmd["fail"])
        if "unfail" in cmd:
            self.fail.pop(cmd["unfail"], None)
        if "hang" in cmd:
            self.hang.add(cmd["hang"])
        if "unhang" in cmd:
            self.hang.discard(cmd["unhang"])
        if "delay" in cmd:
            self.delay.update(cmd["delay"])
        if "protocol" in cmd:
            self.protocol = cmd["protocol"]
        if cmd.get("disconnect"):
            for w in list(self.clients.values()):
                w.close()
        if cmd.get("quit"):
            asyncio.get_event_loop().call_soon(self.stop.set)
        return {"ok": True, "generation": self.generation, "synced": self.synced,
                "clients": len(self.clients),
                "groups": {n: sorted(g["targets"].values(), key=lambda t: t["id"])
                           for n, g in self.groups.items()}}

    async def serve_admin(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                try:
                    reply = self.admin(json.loads(line))
                except (ValueError, TypeError, AttributeError) as e:
                    reply = {"ok": False, "error": str(e)}
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()


def bind_unix(path):
    """A listening socket at path (mode 0600): a stale file is replaced, a live one refused."""
    if os.path.exists(path):
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            sys.exit(f"fake_dp: {path} exists and is not a socket")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            sys.exit(f"fake_dp: {path}: a server is already listening there")
        except OSError:
            os.unlink(path)
        finally:
            probe.close()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        s.bind(path)
    finally:
        os.umask(old)
    s.listen(16)
    return s


async def main_async(args):
    dp = FakeDP(args)
    dp.stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, dp.stop.set)
    srv = await asyncio.start_unix_server(dp.serve_client, sock=bind_unix(args.socket),
                                          limit=MAX_LINE)
    adm = None
    if args.admin:
        adm = await asyncio.start_unix_server(dp.serve_admin, sock=bind_unix(args.admin))
    print(f"fake_dp: listening on {args.socket}", flush=True)
    await dp.stop.wait()
    srv.close()
    if adm:
        adm.close()
    for w in list(dp.clients.values()):
        w.close()
    for p in (args.socket, args.admin):
        if p and os.path.exists(p):
            os.unlink(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socket", required=True, help="the control socket to listen on")
    ap.add_argument("--config", help="take the groups (and initial targets) from this config")
    ap.add_argument("--group", action="append", help="NAME[:PROTOCOL], an empty group")
    ap.add_argument("--zone", help="the node's zone (default: the config's, or az1)")
    ap.add_argument("--record", help="append every message received to this JSON-lines file")
    ap.add_argument("--admin", help="a Unix socket taking run-time commands")
    ap.add_argument("--fail", action="append", metavar="OP[=MESSAGE]")
    ap.add_argument("--hang", action="append", metavar="OP")
    ap.add_argument("--delay", action="append", metavar="OP=SECONDS")
    ap.add_argument("--protocol", type=int, default=1)
    args = ap.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
