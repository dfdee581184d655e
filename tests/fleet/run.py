#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fleet checks: several sluice nodes behind an ECMP router, announced over BGP by BIRD 2,
in the lab of fleetlab.py (topology there and in README.md).

    run.py [--kinds dp,xdp,xdp] [--no-zone2] [--announce sluiced|manual] [--only CHECK,...]
           [--build DIR] [--keep]

Checks, in this order (each prints PASS/FAIL lines with what it measured):
  routes          the router learns the az1 zone IP and the servers' network from every az1
                  node as one ECMP route, the az2 zone IP from the az2 node only; the servers'
                  BIRD learns the default route from every az1 node; every BGP session is up.
  spread          long-lived TCP connections (inspection) and UDP flows are spread over every
                  az1 node (the router's own ECMP choice per connection, and each node's
                  counters); every download intact, every datagram answered.
  withdraw        (--announce manual) a node's routes are taken out of its table 100 under
                  load: the router and the servers drop it (time measured), no connection
                  lost, no datagram lost, its flows move to the others; announced again, it
                  is back (time measured) and takes new flows.
  kill            kill -9 of a node's dataplane under long-lived TCP through inspection and
                  through the DNAT listener and two UDP streams: withdrawn at the router within
                  the bound (measured), no connection reset or lost, UDP loss confined to the
                  convergence window (measured); restarted, the node serves and takes new flows.
  drain           `sluicectl node drain` under load: withdrawn (measured), then the node's
                  dataplane and sluiced stopped: zero connections lost, zero datagrams lost;
                  started again (undrained): back in the ECMP routes, takes new flows.
  sluiced_restart sluiced killed (-9) and started, then SIGTERMed and started, under load: no
                  connection lost, no datagram lost; after kill -9 the route never left.
  zone2           the az2 node announces only its zone IP; TCP and UDP to it are served by
                  the az2 server only; the az1 zone IP never reaches it.
  cleanup         after teardown no namespace, link, process or DPDK dir of the lab is left.

Exit 0 pass, 1 fail, 77 skip (not root).
"""

import argparse
import datetime
import os
import re
import signal
import sys
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetlab as F  # noqa: E402

ZIP1 = F.ZONES["az1"]
WEB1, WEB2 = F.SERVERS["web-1"][0], F.SERVERS["web-2"][0]
# the router withdraws a dead node when BFD (100 ms x 3) or its BGP session says so; sluiced
# withdraws within liveness_timeout_ms; a second for BIRD and the kernel on a loaded machine
WITHDRAW_BOUND_S = 2.0
# what a flow on the failed node may lose: the withdrawal and the retransmission after it
LOSS_WINDOW_BOUND_S = 3.0
TCP_CONNS = 24
RATE_KBPS = 120           # 1 MiB paced: each connection lives about 9 s
UDP_FLOWS, UDP_PPS = 24, 240


# --- what the router's kernel did, and when -----------------------------------------------------

class RouteMonitor:
    """`ip -ts monitor route` in a namespace, from start to stop: every change of the routes
    with its wall-clock time, to tell when a next hop left or came back."""

    LINE = re.compile(r"^\[(\S+)\] (Deleted )?(\S+) (.*)$")

    def __init__(self, lab, k):
        self.lab, self.k = lab, k
        self.name = "monitor-%s%d" % (k, time.monotonic_ns())
        self.logname = self.name + ".log"
        lab.start(self.name, ["ip", "-n", lab.ns[k], "-ts", "monitor", "route"], self.logname)
        time.sleep(0.2)

    def stop(self):
        self.lab.stop(self.name, signal.SIGTERM)

    def events(self, prefix):
        """[(wall time, {next hop})] of prefix (an empty set: deleted)."""
        want = prefix[:-3] if prefix.endswith("/32") else prefix
        out, cur = [], None
        for line in self.lab.log(self.logname).splitlines() + ["[x] end"]:
            if line.startswith("\t") and cur is not None:
                m = re.search(r"via (\S+)", line)
                if m:
                    cur[1].add(m.group(1))
                continue
            if cur is not None:
                out.append(cur)
                cur = None
            m = self.LINE.match(line)
            if not m or m.group(3) != want or "table" in m.group(4):
                continue
            ts = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").timestamp()
            hops = set() if m.group(2) else set(re.findall(r"via (\S+)", m.group(4)))
            cur = (ts, hops)
        return out

    def first(self, prefix, after, pred):
        """Seconds from `after` (wall time) to the first change of prefix satisfying
        pred(next hops); None if none."""
        for ts, hops in self.events(prefix):
            if ts >= after - 0.005 and pred(hops):
                return ts - after
        return None


# --- load: long-lived TCP and UDP streams over the fleet ------------------------------------------

class Load:
    """TCP connections (paced downloads) and UDP streams through the fleet, with the node each
    client flow goes through (the router's ECMP choice, asked before anything changes)."""

    def __init__(self, lab, paths, udp_paths, seconds):
        self.lab = lab
        self.jobs, self.udp_jobs, self.routes = [], [], {}
        self.sports = {}
        for what, host, port in paths:
            a, b = self.sports[what] = lab.sports(TCP_CONNS)
            self.routes[what] = Counter(lab.node_for(p, port, host).label
                                        for p in range(a, b + 1))
            self.jobs.append((what, lab.streams(host, port, TCP_CONNS, RATE_KBPS,
                                                "%d-%d" % (a, b))))
        for what, host, port in udp_paths:
            a, b = self.sports[what] = lab.sports(UDP_FLOWS)
            self.routes[what] = Counter(lab.node_for(p, port, host, "udp").label
                                        for p in range(a, b + 1))
            self.udp_jobs.append((what, lab.udpstream(host, port, UDP_FLOWS, UDP_PPS, seconds,
                                                      "%d-%d" % (a, b))))

    def finish(self, rep, tag, loss_ok=lambda r: r["lost"] == 0, loss_what="none lost"):
        """Wait for every job; check every connection intact and the UDP loss; the results."""
        out = {}
        for what, job in self.jobs:
            r = job.result(120)
            bad = self.lab.intact(r)
            stall = max((c["max_gap_s"] for c in r.get("conns", [])), default=0)
            rep.check(not bad and len(r.get("conns", [])) == TCP_CONNS,
                      "%s: %s: %d long-lived TCP connections (on %s): all %d intact, none "
                      "reset or lost; longest stall %.2f s"
                      % (tag, what, TCP_CONNS, dict(self.routes[what]), r.get("ok", 0), stall),
                      [{k: c[k] for k in ("sport", "error", "bytes", "max_gap_s")}
                       for c in bad][:8] or r.get("error"))
            out[what] = r
        for what, job in self.udp_jobs:
            r = job.result(120)
            rep.check(loss_ok(r), "%s: %s: %d UDP flows (on %s), %d datagrams: %d answered, %d "
                      "lost (%s)" % (tag, what, UDP_FLOWS, dict(self.routes[what]), r.get("sent", 0),
                                     r.get("ok", 0), r.get("lost", 0), loss_what),
                      {k: r.get(k) for k in ("lost_by_flow", "error")})
            out[what] = r
        return out


def node_table(lab, rep, before, after, title):
    """Print per-node counter deltas (packets in on outside and inside, GENEVE encapsulated,
    NLB forwarded); {label: delta dict}."""
    rep.info(title)
    rep.info("  %-14s %10s %10s %12s %12s" % ("NODE", "OUTSIDE-RX", "INSIDE-RX",
                                              "GENEVE-ENCAP", "NLB-FORWARD"))
    out = {}
    for n in lab.nodes:
        b, a = before.get(n.label) or {}, after.get(n.label) or {}

        def d(*path):
            x, y = b, a
            for k in path:
                x, y = (x or {}).get(k, 0) if isinstance(x, dict) else 0, \
                    (y or {}).get(k, 0) if isinstance(y, dict) else 0
            return (y or 0) - (x or 0)
        row = {"outside": d("ports", "outside", "rx_packets"),
               "inside": d("ports", "inside", "rx_packets"),
               "encap": d("events", "geneve_encap"), "nlb": d("events", "nlb_forward")}
        out[n.label] = row
        rep.info("  %-14s %10d %10d %12d %12d" % (n.label, row["outside"], row["inside"],
                                                  row["encap"], row["nlb"]))
    return out


def all_stats(lab):
    return {n.label: n.stats() for n in lab.nodes}


# --- checks ---------------------------------------------------------------------------------------

def check_routes(lab, rep):
    ok, secs, seen = lab.wait_routes(40)
    for (k, prefix), hops in sorted(seen.items()):
        want = lab.expected_routes()[(k, prefix)]
        rep.check(hops == want, "routes: %s learned %s with next hops %s (want %s)"
                  % ({"r": "the router", "v": "the servers' BIRD"}[k], prefix, sorted(hops),
                     sorted(want)))
    rep.info("all routes in place %.1f s after the last node started" % secs)
    text = lab.birdc("r", "show", "protocols")
    up = re.findall(r"^(node\d+)\s+BGP\s+\S+\s+up\s+\S+\s+Established", text, re.M)
    rep.check(len(up) == len(lab.nodes), "routes: the router's BGP sessions Established: %s"
              % ", ".join(up), text)
    print(text + lab.birdc("r", "show", "route"), flush=True)
    print(lab.ipn("r", "route", "show").stdout, flush=True)
    for n in lab.nodes:
        rep.info("%s table %d: %s" % (n.label, F.ANNOUNCE_TABLE, n.table_routes()))


def check_spread(lab, rep):
    s0 = all_stats(lab)
    load = Load(lab, [("inspection TCP", WEB1, F.WEB_PORT)],
                [("inspection UDP", WEB2, F.WEB_PORT)], seconds=4)
    time.sleep(2)
    flows = {n.label: len([f for f in n.flows()[0] if F.CLIENT_IP in (f.get("src"),
                                                                      f.get("dst"))])
             for n in lab.az1}
    load.finish(rep, "spread")
    s1 = all_stats(lab)
    d = node_table(lab, rep, s0, s1, "per-node counters while the load ran:")
    for what in ("inspection TCP", "inspection UDP"):
        on = load.routes[what]
        rep.check(all(on.get(n.label, 0) > 0 for n in lab.az1) and
                  not any(on.get(n.label) for n in lab.nodes if n.zone != "az1"),
                  "spread: the router spreads the %s flows over every az1 node: %s"
                  % (what, dict(on)))
    for n in lab.az1:
        rep.check(d[n.label]["outside"] > 100 and d[n.label]["encap"] > 100 and
                  flows[n.label] > 0,
                  "spread: %s carried traffic: %d packets in from the router, %d from the "
                  "servers, %d GENEVE encapsulations, %d client flows pinned"
                  % (n.label, d[n.label]["outside"], d[n.label]["inside"], d[n.label]["encap"],
                     flows[n.label]))
    for n in lab.nodes:
        if n.zone != "az1":
            rep.check(d[n.label]["encap"] == 0, "spread: %s (zone az2) carried none of it (%d "
                      "GENEVE encapsulations)" % (n.label, d[n.label]["encap"]))


def check_withdraw(lab, rep):
    victim = lab.az1[0]
    others = {n.addr["o"] for n in lab.az1 if n is not victim}
    mon_r, mon_v = RouteMonitor(lab, "r"), RouteMonitor(lab, "v")
    try:
        load = Load(lab, [("inspection TCP", WEB1, F.WEB_PORT)],
                    [("inspection UDP", WEB2, F.WEB_PORT)], seconds=6)
        time.sleep(1.5)
        s0 = all_stats(lab)
        t_w = time.time()
        victim.withdraw()
        ok, secs, seen = lab.wait_nexthops("r", ZIP1 + "/32", others, 10)
        time.sleep(1.5)
        s1 = all_stats(lab)
        a, b = load.sports["inspection TCP"]
        moved = Counter(lab.node_for(p, F.WEB_PORT, WEB1).label for p in range(a, b + 1))
        t_a = time.time()
        victim.announce()
        ok2, _, _ = lab.wait_nexthops("r", ZIP1 + "/32", others | {victim.addr["o"]}, 10)
        load.finish(rep, "withdraw")
    finally:
        mon_r.stop()
        mon_v.stop()
    gone = lambda hops: victim.addr["o"] not in hops  # noqa: E731
    back = lambda hops: victim.addr["o"] in hops  # noqa: E731
    d_r = mon_r.first(ZIP1 + "/32", t_w, gone)
    d_n = mon_r.first(F.SERVER_NET, t_w, gone)
    d_v = mon_v.first("default", t_w, lambda h: victim.addr["i"] not in h)
    rep.check(ok and d_r is not None and d_r < WITHDRAW_BOUND_S and d_n is not None and
              d_v is not None,
              "withdraw: %s's routes deleted from its table %d: the router dropped it from "
              "%s after %s s and from %s after %s s, the servers from their default route "
              "after %s s (bound %.1f s)" % (victim.label, F.ANNOUNCE_TABLE, ZIP1, fmt(d_r),
                                             F.SERVER_NET, fmt(d_n), fmt(d_v),
                                             WITHDRAW_BOUND_S), seen)
    d = node_table(lab, rep, s0, s1, "per-node counters in the 1.5 s after the withdrawal:")
    rep.check(victim.label not in moved and d[victim.label]["outside"] < 50,
              "withdraw: its connections moved to %s; %s got %d packets from the router "
              "meanwhile (BGP/BFD only)" % (dict(moved), victim.label, d[victim.label]["outside"]))
    d_b = mon_r.first(ZIP1 + "/32", t_a, back)
    rep.check(ok2 and d_b is not None and d_b < WITHDRAW_BOUND_S,
              "withdraw: announced again: back in the router's ECMP route after %s s"
              % fmt(d_b))
    check_takes_new_flows(lab, rep, victim, "withdraw")


def fmt(x):
    return "%.3f" % x if x is not None else "never"


def check_takes_new_flows(lab, rep, node, tag):
    """New UDP flows through inspection: the router sends some to node, all answered, and
    node's GENEVE counter moves."""
    a, b = lab.sports(40)
    on = Counter(lab.node_for(p, F.WEB_PORT, WEB2, "udp").label for p in range(a, b + 1))
    e0 = (node.stats() or {}).get("events", {}).get("geneve_encap", 0)
    r = lab._client(["udp", WEB2, str(F.WEB_PORT), "--count", "40", "--sports",
                     "%d-%d" % (a, b), "--burst", "--timeout", "2"]).result(60)
    e1 = (node.stats() or {}).get("events", {}).get("geneve_encap", 0)
    rep.check(r.get("ok") == 40 and on.get(node.label, 0) > 0 and e1 - e0 >= on[node.label],
              "%s: %s takes new flows: %d of 40 new UDP flows routed to it, all %d answered, "
              "its geneve_encap +%d" % (tag, node.label, on.get(node.label, 0), r.get("ok", 0),
                                        e1 - e0), r)


def check_zone2(lab, rep):
    z2 = [n for n in lab.nodes if n.zone == "az2"]
    if not z2:
        rep.info("zone2: no az2 node in this lab (--no-zone2)")
        return
    z2 = z2[0]
    zip2 = F.ZONES["az2"]
    hops1, hops2 = lab.router_nexthops(ZIP1 + "/32"), lab.router_nexthops(zip2 + "/32")
    rep.check(hops2 == {z2.addr["o"]} and z2.addr["o"] not in hops1 and
              z2.addr["o"] not in lab.router_nexthops(F.SERVER_NET),
              "zone2: %s announces only its zone IP: the router has %s via %s, %s via %s"
              % (z2.label, zip2, sorted(hops2), ZIP1, sorted(hops1)))
    rep.check(z2.table_routes() == [zip2 + "/32"], "zone2: %s's table %d holds %s"
              % (z2.label, F.ANNOUNCE_TABLE, z2.table_routes()))
    e0 = (z2.stats() or {}).get("events", {}).get("nlb_forward", 0)
    r = lab._client(["get", "http://%s:%d/blob" % (zip2, F.WEB_PORT)]).result(60)
    intact = r.get("ok") and r.get("sha256") == lab.blob_sha256
    u = lab.udp(zip2, F.WEB_PORT, count=20)
    e1 = (z2.stats() or {}).get("events", {}).get("nlb_forward", 0)
    rep.check(intact and r.get("served_by") == "web-3" and u.get("ok") == 20 and
              set(u.get("served_by", {})) == {"web-3"} and e1 - e0 > 20,
              "zone2: TCP and UDP to %s:%d (DNAT listener) served by the az2 server only "
              "(TCP: %s, intact %s; UDP %d/20 by %s); %s forwarded %d" %
              (zip2, F.WEB_PORT, r.get("served_by"), bool(intact), u.get("ok", 0),
               u.get("served_by"), z2.label, e1 - e0), {"tcp": r, "udp": u})


def check_cleanup(lab, rep):
    lab.teardown()
    left = {k: v for k, v in F.remnants(lab.pid, lab.work).items() if v}
    rep.check(not left, "cleanup: nothing of the lab left: %s" % (left or "none"))


CHECKS = [("routes", check_routes), ("spread", check_spread), ("withdraw", check_withdraw),
          ("zone2", check_zone2), ("cleanup", check_cleanup)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kinds", default="xdp,xdp,xdp",
                    help="the az1 nodes' dataplanes, dp or xdp, comma separated")
    ap.add_argument("--no-zone2", action="store_true", help="no az2 node")
    ap.add_argument("--announce", choices=("manual", "sluiced"), default="manual")
    ap.add_argument("--only", help="comma separated checks (routes runs first anyway)")
    ap.add_argument("--build", default=os.path.join(F.ROOT, "build"))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    kinds = a.kinds.split(",")
    F.preflight("fleet", kinds + ["xdp"], a.build)
    only = set(a.only.split(",")) if a.only else None
    lab_ref = []

    def body(rep):
        lab = F.FleetLab(kinds=kinds, zone2=not a.no_zone2, announce=a.announce,
                         build=a.build, keep=a.keep)
        lab_ref.append(lab)
        t0 = time.monotonic()
        lab.setup()
        lab.start_all()
        lab.wait_healthy(40)
        rep.info("lab up in %.1f s: %s" % (time.monotonic() - t0,
                                          ", ".join(n.label for n in lab.nodes)))
        for name, fn in CHECKS:
            if name == "withdraw" and a.announce != "manual":
                continue
            if only and name not in only and name not in ("routes", "cleanup"):
                continue
            t1 = time.monotonic()
            fn(lab, rep)
            rep.info("%s took %.1f s" % (name, time.monotonic() - t1))

    return F.main_guard(lab_ref, body, "fleet")


if __name__ == "__main__":
    sys.exit(main())
