#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fleet checks: several sluice nodes behind an ECMP router, announced over BGP by BIRD 2,
in the lab of fleetlab.py (topology there and in README.md).

    run.py [--kinds dp,xdp,dp] [--no-zone2] [--announce sluiced|manual] [--[no-]dnat]
           [--only CHECK,...] [--build DIR] [--keep]

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
  node_down       a whole node disappears (its links down) under load: BFD makes the router
                  and the servers drop it within BFD's detection time (measured); no TCP
                  connection through inspection lost; UDP loss only in that window (measured);
                  links up: BGP back, the node back in the ECMP routes.
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
  docs            docs/scale-out.md's BIRD configs parse (bird -p), its sluice config passes
                  sluiced --check (with --announce sluiced).
  cleanup         after teardown no namespace, link, process or DPDK dir of the lab is left.

Exit 0 pass, 1 fail, 77 skip (not root).
"""

import argparse
import datetime
import os
import re
import signal
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetlab as F  # noqa: E402

ZIP1 = F.ZONES["az1"]
WEB1, WEB2 = F.TRANSIT["srv-1"], F.TRANSIT["srv-2"]  # inspected transit
# the router withdraws a dead node when BFD (100 ms x 3) or its BGP session says so; sluiced
# withdraws within liveness_timeout_ms; a second for BIRD and the kernel on a loaded machine
WITHDRAW_BOUND_S = 2.0
BFD_DETECT_S = F.BFD_INTERVAL_MS * F.BFD_MULT / 1000.0
# what a flow on the failed node may lose: the withdrawal and the retransmission after it
LOSS_WINDOW_BOUND_S = 3.0
# when a node comes back, the router and the servers move some flows back to it: a datagram
# of such a flow may be lost while that settles (the race seen here, both directions' first
# packets of a flow creating its session at once on a sluice-xdp node, is fixed: sl_nlb_new)
COMEBACK_S = 1.0
TCP_CONNS = 24
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

    def events(self, prefix, table=None):
        """[(wall time, {next hop})] of prefix in the main table (or kernel table `table`)
        (an empty set: deleted)."""
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
            if not m or m.group(3) != want:
                continue
            if ("table %d " % table not in m.group(4) + " ") if table else ("table" in
                                                                          m.group(4)):
                continue
            ts = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").timestamp()
            hops = set() if m.group(2) else set(re.findall(r"via (\S+)", m.group(4)))
            cur = (ts, hops)
        return out

    def first(self, prefix, after, pred, table=None):
        """Seconds from `after` (wall time) to the first change of prefix (in `table`)
        satisfying pred(next hops); None if none."""
        for ts, hops in self.events(prefix, table):
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
        # each connection downloads the blob paced to last about `seconds`
        rate_kbps = max(1, int(F.BLOB_SIZE / 1000 / seconds))
        for what, host, port in paths:
            a, b = self.sports[what] = lab.sports(TCP_CONNS)
            self.routes[what] = Counter(lab.node_for(p, port, host).label
                                        for p in range(a, b + 1))
            self.jobs.append((what, lab.streams(host, port, TCP_CONNS, rate_kbps,
                                                "%d-%d" % (a, b), timeout=seconds + 15)))
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
                      "lost (%s)" % (tag, what, UDP_FLOWS, dict(self.routes[what]),
                                     r.get("sent", 0), r.get("ok", 0), r.get("lost", 0),
                                     loss_what),
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
                  % ({"r": "the router", "v": "the servers' BIRD",
                      "t": "the servers' BIRD (table %d, the targets')" % F.TARGETS_TABLE}[k],
                     prefix, sorted(hops), sorted(want)))
    rep.info("all routes in place %.1f s after the last node started" % secs)
    text = lab.birdc("r", "show", "protocols")
    up = re.findall(r"^(node\d+)\s+BGP\s+\S+\s+up\s+\S+\s+Established", text, re.M)
    rep.check(len(up) == len(lab.nodes), "routes: the router's BGP sessions Established: %s"
              % ", ".join(up), text)
    print(text + lab.birdc("r", "show", "route"), flush=True)
    print(lab.ipn("r", "route", "show").stdout, flush=True)
    for n in lab.nodes:
        rep.info("%s table %d: %s" % (n.label, F.ANNOUNCE_TABLE, n.table_routes()))
        if n.kind == "dp":
            ev = (n.stats() or {}).get("events", {})
            rep.check(ev.get("kernel_in", 0) > 0 and ev.get("kernel_out", 0) > 0,
                      "routes: %s's BGP, BFD and health checks go through its exception path "
                      "(TAPs %s): kernel_in %d, kernel_out %d"
                      % (n.label, ", ".join(n.tap.values()), ev.get("kernel_in", 0),
                         ev.get("kernel_out", 0)))


def check_spread(lab, rep):
    s0 = all_stats(lab)
    load = Load(lab, tcp_paths(lab), udp_paths(lab), seconds=4)
    time.sleep(2)
    flows = {n.label: len([f for f in n.flows()[0] if F.CLIENT_IP in (f.get("src"),
                                                                      f.get("dst"))])
             for n in lab.az1}
    load.finish(rep, "spread")
    s1 = all_stats(lab)
    d = node_table(lab, rep, s0, s1, "per-node counters while the load ran:")
    for what in load.routes:
        on = load.routes[what]
        rep.check(all(on.get(n.label, 0) > 0 for n in lab.az1) and
                  not any(on.get(n.label) for n in lab.nodes if n.zone != "az1"),
                  "spread: the router spreads the %s flows over every az1 node: %s"
                  % (what, dict(on)))
    for n in lab.az1:
        rep.check(d[n.label]["outside"] > 100 and d[n.label]["encap"] > 100 and
                  flows[n.label] > 0 and (d[n.label]["nlb"] > 0 or not lab.dnat),
                  "spread: %s carried traffic: %d packets in from the router, %d from the "
                  "servers, %d GENEVE encapsulations, %d NLB forwards, %d client flows pinned"
                  % (n.label, d[n.label]["outside"], d[n.label]["inside"], d[n.label]["encap"],
                     d[n.label]["nlb"], flows[n.label]))
    for n in lab.nodes:
        if n.zone != "az1":
            rep.check(d[n.label]["encap"] == 0 and d[n.label]["nlb"] == 0,
                      "spread: %s (zone az2) carried none of it (%d GENEVE encapsulations, %d "
                      "NLB forwards)" % (n.label, d[n.label]["encap"], d[n.label]["nlb"]))


def tcp_paths(lab):
    """The long-lived TCP connections of a disruption: through inspection, and through the
    DNAT listener when the nodes adopt unknown flows and replies (lab.dnat)."""
    out = [("inspection TCP", WEB1, F.TRANSIT_PORT)]
    if lab.dnat:
        out.append(("DNAT listener TCP", ZIP1, F.WEB_PORT))
    return out


def udp_paths(lab):
    out = [("inspection UDP", WEB2, F.TRANSIT_PORT)]
    if lab.dnat:
        out.append(("DNAT listener UDP", ZIP1, F.WEB_PORT))
    return out


def under_load(lab, rep, tag, seconds, event, loss="none"):
    """Long-lived TCP connections and UDP streams through the fleet for about `seconds`,
    with event() run 1.5 s into them; every connection must stay intact, and UDP lose nothing
    (loss="none") or only in the window after the event (loss="window": the time of the event
    is event()'s result "t"). The router's and the servers' route changes are recorded.
    (event()'s result, the load's results, router monitor, servers' monitor)."""
    mon_r, mon_v = RouteMonitor(lab, "r"), RouteMonitor(lab, "v")
    try:
        load = Load(lab, tcp_paths(lab), udp_paths(lab), seconds)
        time.sleep(1.5)
        marks = event(load)
        if loss == "window":
            res = load.finish(rep, tag, loss_ok=lambda r: loss_in_windows(r, marks),
                              loss_what="only in the %.1f s after the failure or the %.1f s "
                              "after the node is back" % (LOSS_WINDOW_BOUND_S, COMEBACK_S))
        else:
            res = load.finish(rep, tag)
    finally:
        mon_r.stop()
        mon_v.stop()
    return marks, res, mon_r, mon_v


def check_withdrawn(rep, tag, what, node, t, mon_r, mon_v, bound):
    """The router dropped node from the az1 zone IP's and the servers' network's routes,
    and (az1) the servers from their default route, within bound after t; the times."""
    gone_o = lambda hops: node.addr["o"] not in hops  # noqa: E731
    d_r = mon_r.first(ZIP1 + "/32", t, gone_o)
    d_n = mon_r.first(F.SERVER_NET, t, gone_o)
    d_v = mon_v.first("default", t, lambda h: node.addr["i"] not in h)
    d_t = mon_v.first("default", t, lambda h: node.addr["t"] not in h, F.TARGETS_TABLE)
    rep.check(all(d is not None and d < bound for d in (d_r, d_n, d_v, d_t)),
              "%s: %s: the router dropped %s from %s after %s s and from %s after %s s, the "
              "servers from their default route after %s s, the targets after %s s (bound "
              "%.1f s)" % (tag, what, node.label, ZIP1, fmt(d_r), F.SERVER_NET, fmt(d_n),
                           fmt(d_v), fmt(d_t), bound))
    return d_r, d_n, d_v


def check_back(lab, rep, tag, what, node, t, mon_r, timeout=30):
    """node is in every expected route again; the seconds since t at the router."""
    ok, _, seen = lab.wait_routes(timeout)
    d_b = mon_r.first(ZIP1 + "/32", t, lambda h: node.addr["o"] in h)
    rep.check(ok and d_b is not None, "%s: %s: %s back in the router's and the servers' ECMP "
              "routes, at the router %s s later" % (tag, what, node.label, fmt(d_b)), seen)
    # without BFD the next failure of this node would wait for the hold timer
    bfd = wait_bfd_up(lab, node, 10)
    rep.check(bfd == "Up", "%s: the router's BFD session with %s is %s again"
              % (tag, node.label, bfd))
    return d_b


def wait_bfd_up(lab, node, timeout):
    """The state of the router's BFD session with node (`birdc show bfd sessions`), once it
    is Up or after timeout."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        m = re.search(r"^%s\s+\S+\s+(\S+)" % re.escape(node.addr["o"]),
                      lab.birdc("r", "show", "bfd", "sessions"), re.M)
        state = m.group(1) if m else None
        if state == "Up":
            break
        time.sleep(0.2)
    return state


def moved_off(lab, load, node):
    """The router's choice now for the load's client flows: {node label: count}."""
    out = Counter()
    for what, host, port in tcp_paths(lab) + udp_paths(lab):
        a, b = load.sports[what]
        proto = "udp" if what.endswith("UDP") else "tcp"
        out.update(lab.node_for(p, port, host, proto).label for p in range(a, b + 1))
    return out


def check_withdraw(lab, rep):
    """--announce manual: the node's routes taken out of its table 100 by hand."""
    victim = lab.az1[0]
    others = {n.addr["o"] for n in lab.az1 if n is not victim}

    def event(load):
        t = time.time()
        victim.withdraw()
        lab.wait_nexthops("r", ZIP1 + "/32", others, 10)
        lab.wait_nexthops("v", "default", {n.addr["i"] for n in lab.az1 if n is not victim}, 10)
        s0 = all_stats(lab)  # from the moment the router and the servers left it
        time.sleep(1.5)
        s1 = all_stats(lab)
        moved = moved_off(lab, load, victim)
        t_a = time.time()
        victim.announce()
        lab.wait_routes(10)
        return {"t": t, "t_a": t_a, "s0": s0, "s1": s1, "moved": moved}

    m, _, mon_r, mon_v = under_load(lab, rep, "withdraw", 6, event)
    check_withdrawn(rep, "withdraw", "its routes deleted from its table %d" % F.ANNOUNCE_TABLE,
                    victim, m["t"], mon_r, mon_v, WITHDRAW_BOUND_S)
    d = node_table(lab, rep, m["s0"], m["s1"], "per-node counters in the 1.5 s after the "
                   "router and the servers left it:")
    rep.check(victim.label not in m["moved"] and d[victim.label]["outside"] < 50,
              "withdraw: its client flows moved to %s; %s got %d packets from the router "
              "meanwhile (BGP/BFD only)" % (dict(m["moved"]), victim.label,
                                            d[victim.label]["outside"]))
    d_b = mon_r.first(ZIP1 + "/32", m["t_a"], lambda h: victim.addr["o"] in h)
    rep.check(d_b is not None and d_b < WITHDRAW_BOUND_S,
              "withdraw: announced again: back in the router's ECMP route after %s s"
              % fmt(d_b))
    check_takes_new_flows(lab, rep, victim, "withdraw")


def check_node_down(lab, rep, show=None):
    """A whole node gone from the network (its three links down: power, cable, kernel) under
    load: the router and the servers' BIRD detect it by BFD and drop it; TCP through
    inspection survives (any node carries any packet), UDP loses only the convergence window.
    Links up again: BGP re-established, the node back in the ECMP routes."""
    victim = lab.az1[-1]
    others = {n.addr["o"] for n in lab.az1 if n is not victim}

    def event(load):
        t = time.time()
        for p, _ in F.PORTS:
            victim.ip("link", "set", victim.ifn[p], "down")
        lab.wait_nexthops("r", ZIP1 + "/32", others, 10)
        if show:
            show("down", victim)
        time.sleep(1.0)
        t_u = time.time()
        for p, _ in F.PORTS:
            victim.ip("link", "set", victim.ifn[p], "up")
        victim.kernel_setup()  # the neighbours of a link that was down are gone
        lab.wait_routes(20)
        return {"t": t, "t_u": t_u, "t_s": t_u, "t_back": time.time()}

    m, res, mon_r, mon_v = under_load(lab, rep, "node_down", 7, event, loss="window")
    check_withdrawn(rep, "node_down", "its links down, BFD (%d ms x %d)"
                    % (F.BFD_INTERVAL_MS, F.BFD_MULT), victim, m["t"], mon_r, mon_v,
                    BFD_DETECT_S + 0.5)
    for what, _, _ in udp_paths(lab):
        report_loss(rep, "node_down: " + what, res[what], m)
    check_back(lab, rep, "node_down", "links up, BGP up again", victim, m["t_u"], mon_r)
    if show:
        show("back", victim)


def check_kill(lab, rep, show=None):
    """kill -9 of a node's dataplane (a sluice-dp one when there is one: its TAPs, hence its
    BGP and BFD, go with it) under load: sluiced sees the dataplane gone and withdraws, the
    router drops the node; no connection lost; UDP loss only in the window. Restarted: the
    node serves again and takes new flows."""
    dps = [n for n in lab.az1 if n.kind == "dp"]
    victim = (dps or lab.az1)[0]
    others = {n.addr["o"] for n in lab.az1 if n is not victim}

    def event(load):
        t = time.time()
        victim.kill_dataplane(signal.SIGKILL)
        lab.wait_nexthops("r", ZIP1 + "/32", others, 10)
        if show:
            show("down", victim)
        st = node_state(victim)
        time.sleep(1.0)
        t_s = time.time()
        victim.start_dataplane()
        lab.wait_routes(30)
        return {"t": t, "t_s": t_s, "t_back": time.time(), "state": st}

    m, res, mon_r, mon_v = under_load(lab, rep, "kill", 8, event, loss="window")
    check_withdrawn(rep, "kill", "kill -9 of its dataplane", victim, m["t"], mon_r, mon_v,
                    WITHDRAW_BOUND_S)
    rep.check(m["state"].get("state") == "withdrawn",
              "kill: sluicectl node on %s: %s (%s)" % (victim.label, m["state"].get("state"),
                                                      m["state"].get("reason")), m["state"])
    for what, _, _ in udp_paths(lab):
        report_loss(rep, "kill: " + what, res[what], m)
    check_back(lab, rep, "kill", "dataplane started again", victim, m["t_s"], mon_r)
    if show:
        show("back", victim)
    check_takes_new_flows(lab, rep, victim, "kill")


def node_state(node):
    """`sluicectl --json node` of node: {state, reason, ...} ({} when it does not answer)."""
    rc, out, err = node.ctl("node")
    if rc == 0 and isinstance(out, dict) and isinstance(out.get("node"), dict):
        return out["node"]
    return {"error": err, "rc": rc, "out": out}


def check_drain(lab, rep):
    """`sluicectl node drain` under load: withdrawn while forwarding; undrain: back; drain
    again, then stop the node (dataplane and sluiced): zero connections, zero datagrams lost;
    started again it serves."""
    victim = ([n for n in lab.az1 if n.kind == "xdp"] or lab.az1)[-1]
    others = {n.addr["o"] for n in lab.az1 if n is not victim}
    everyone = others | {victim.addr["o"]}

    def event(load):
        m = {"t": time.time()}
        m["drain_rc"] = victim.ctl("node", "drain")[0]
        lab.wait_nexthops("r", ZIP1 + "/32", others, 10)
        m["drained"] = node_state(victim)
        m["t_u"] = time.time()
        m["undrain_rc"] = victim.ctl("node", "undrain")[0]
        m["undrained"] = lab.wait_nexthops("r", ZIP1 + "/32", everyone, 10)[0]
        m["t2"] = time.time()
        victim.ctl("node", "drain")
        lab.wait_nexthops("r", ZIP1 + "/32", others, 10)
        time.sleep(0.5)  # packets in flight reach it before it goes
        m["t_stop"] = time.time()
        victim.stop("sluiced", signal.SIGTERM, timeout=lab.drain_s + 10)
        victim.stop("dataplane", signal.SIGTERM, timeout=lab.drain_s + 10)
        m["stopped_s"] = time.time() - m["t_stop"]
        time.sleep(1.0)
        m["t_s"] = time.time()
        victim.start_dataplane()
        victim.start_sluiced()
        lab.wait_routes(30)
        return m

    m, _, mon_r, mon_v = under_load(lab, rep, "drain", 9, event)
    rep.check(m["drain_rc"] == 0 and m["drained"].get("state") == "draining",
              "drain: sluicectl node drain on %s: exit %d, state %s (%s)"
              % (victim.label, m["drain_rc"], m["drained"].get("state"),
                 m["drained"].get("reason")), m["drained"])
    check_withdrawn(rep, "drain", "drained", victim, m["t"], mon_r, mon_v, WITHDRAW_BOUND_S)
    d_u = mon_r.first(ZIP1 + "/32", m["t_u"], lambda h: victim.addr["o"] in h)
    rep.check(m["undrain_rc"] == 0 and m["undrained"],
              "drain: sluicectl node undrain: back in the router's ECMP route after %s s"
              % fmt(d_u))
    rep.info("drain: drained again, then sluiced and the dataplane stopped (SIGTERM) in %.1f s"
             % m["stopped_s"])
    check_back(lab, rep, "drain", "dataplane and sluiced started again", victim, m["t_s"], mon_r)
    check_takes_new_flows(lab, rep, victim, "drain")


def check_sluiced_restart(lab, rep):
    """sluiced killed (-9) and started again, then stopped (SIGTERM: withdrawn for its
    drain time, then it exits) and started again, under load: nothing lost; after kill -9 the
    node's route never left the router (its routes stay in table 100 and the new sluiced
    keeps them)."""
    victim = lab.az1[1 % len(lab.az1)]

    def event(load):
        m = {"t": time.time()}
        victim.stop("sluiced", signal.SIGKILL)
        m["table_after_kill"] = victim.table_routes()
        victim.start_sluiced()
        m["state1"] = wait_node_state(victim, "serving", 10)
        m["t_k_end"] = time.time()
        time.sleep(0.5)
        m["t_term"] = time.time()
        victim.stop("sluiced", signal.SIGTERM, timeout=lab.drain_s + 10)
        m["term_s"] = time.time() - m["t_term"]
        victim.start_sluiced()
        m["state2"] = wait_node_state(victim, "serving", 10)
        lab.wait_routes(20)
        return m

    m, _, mon_r, _ = under_load(lab, rep, "sluiced_restart", 10, event)
    left = [ev for ev in mon_r.events(ZIP1 + "/32")
            if m["t"] <= ev[0] <= m["t_k_end"] and victim.addr["o"] not in ev[1]]
    rep.check(not left and sorted(m["table_after_kill"]) == sorted(victim.prefixes_table()),
              "sluiced_restart: kill -9 of sluiced on %s: its routes stayed in table %d (%s), "
              "the router never dropped it (%d changes), new sluiced: %s"
              % (victim.label, F.ANNOUNCE_TABLE, m["table_after_kill"], len(left),
                 m["state1"].get("state")), left)
    d_t = mon_r.first(ZIP1 + "/32", m["t_term"], lambda h: victim.addr["o"] not in h)
    d_b = mon_r.first(ZIP1 + "/32", m["t_term"] + m["term_s"],
                      lambda h: victim.addr["o"] in h)
    rep.check(m["state2"].get("state") == "serving" and d_t is not None and d_b is not None,
              "sluiced_restart: SIGTERM: withdrawn after %s s, sluiced exited after %.1f s "
              "(drain_time %d s), started again: serving, announced after %s s"
              % (fmt(d_t), m["term_s"], lab.drain_s, fmt(d_b)), m["state2"])


def wait_node_state(node, want, timeout):
    deadline = time.monotonic() + timeout
    st = {}
    while time.monotonic() < deadline:
        st = node_state(node)
        if st.get("state") == want:
            break
        time.sleep(0.1)
    return st




def split_loss(res, marks):
    """The lost datagrams of a udpstream result by when they were sent (seconds relative to
    the failure at marks["t"]): (in the failure window, in the comeback window (from
    marks["t_s"], the restart, to COMEBACK_S after marks["t_back"], the node back in the
    routes), elsewhere)."""
    fail, back, other = [], [], []
    for x in res.get("lost_at") or []:
        ts = res["t0"] + x
        if marks["t"] - 0.05 <= ts <= marks["t"] + LOSS_WINDOW_BOUND_S:
            fail.append(ts - marks["t"])
        elif "t_s" in marks and marks["t_s"] <= ts <= marks.get("t_back", 0) + COMEBACK_S:
            back.append(ts - marks["t"])
        else:
            other.append(ts - marks["t"])
    return fail, back, other


def loss_in_windows(res, marks):
    return not split_loss(res, marks)[2]


def report_loss(rep, tag, res, marks):
    fail, back, other = split_loss(res, marks)
    if not (fail or back or other):
        rep.info("%s: no datagram lost" % tag)
        return
    msg = "%s: %d datagrams of %d lost" % (tag, res["lost"], res["sent"])
    if fail:
        msg += "; at the failure: %d, sent from %+.3f s to %+.3f s after it (%.3f s of the " \
            "flows on the failed node)" % (len(fail), fail[0], fail[-1], fail[-1] - fail[0])
    if back:
        msg += "; when it came back (%+.1f s): %d" % (marks["t_back"] - marks["t"], len(back))
    if other:
        msg += "; at other times: %d (%+.3f s .. %+.3f s)" % (len(other), other[0], other[-1])
    rep.info(msg)


def fmt(x):
    return "%.3f" % x if x is not None else "never"


def check_takes_new_flows(lab, rep, node, tag):
    """New UDP flows through inspection: the router sends some to node, all answered, and
    node's GENEVE counter moves."""
    a, b = lab.sports(40)
    on = Counter(lab.node_for(p, F.TRANSIT_PORT, WEB2, "udp").label for p in range(a, b + 1))
    e0 = (node.stats() or {}).get("events", {}).get("geneve_encap", 0)
    r = lab._client(["udp", WEB2, str(F.TRANSIT_PORT), "--count", "40", "--sports",
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


def check_docs(lab, rep):
    """docs/scale-out.md's BIRD configs parse (`bird -p`); its sluice config is valid
    (`sluiced --check`, with sluiced's announcement: the keys a fleet needs)."""
    import subprocess
    text = open(os.path.join(F.ROOT, "docs", "scale-out.md")).read()
    blocks = re.findall(r"```bird\n(.*?)```", text, re.S)
    for i, b in enumerate(blocks):
        path = os.path.join(lab.work, "doc-bird-%d.conf" % i)
        with open(path, "w") as f:
            f.write(b)
        r = subprocess.run(["bird", "-p", "-c", path], capture_output=True, text=True)
        rep.check(r.returncode == 0, "docs: scale-out.md's BIRD config %d of %d (%s) parses"
                  % (i + 1, len(blocks), b.splitlines()[1] if len(b.splitlines()) > 1 else ""),
                  r.stderr)
    rep.check(len(blocks) >= 2, "docs: scale-out.md has the router's and a node's BIRD config "
              "(%d)" % len(blocks))
    if lab.announce != "sluiced":
        return
    # the complete configurations (a snippet of the Announcement section has no ports)
    ymls = [y for y in re.findall(r"```yaml\n(.*?)```", text, re.S) if "\nports:" in y]
    secret = os.path.join(lab.work, "doc-secret")
    with open(secret, "w") as f:
        f.write(F.SECRET_HEX + "\n")
    rep.check(ymls, "docs: scale-out.md has a complete node config (%d)" % len(ymls))
    for i, y in enumerate(ymls):
        path = os.path.join(lab.work, "doc-sluice-%d.yaml" % i)
        with open(path, "w") as f:
            f.write(y.replace("/etc/sluice/secret", secret))
        r = subprocess.run([lab.bin["sluiced"], "--config", path, "--check"],
                           capture_output=True, text=True)
        rep.check(r.returncode == 0, "docs: scale-out.md's sluice config %d is valid "
                  "(sluiced --check)" % (i + 1), r.stderr)


def check_cleanup(lab, rep):
    lab.teardown()
    left = {k: v for k, v in F.remnants(lab.pid, lab.work).items() if v}
    rep.check(not left, "cleanup: nothing of the lab left: %s" % (left or "none"))


CHECKS = [("routes", check_routes), ("spread", check_spread), ("withdraw", check_withdraw),
          ("node_down", check_node_down), ("kill", check_kill), ("drain", check_drain),
          ("sluiced_restart", check_sluiced_restart), ("zone2", check_zone2),
          ("docs", check_docs), ("cleanup", check_cleanup)]
# what each needs: sluiced's announcement (the node helper's daemon.announce and sluicectl node)
# or the lab's manual one
NEEDS = {"withdraw": "manual", "kill": "sluiced", "drain": "sluiced",
         "sluiced_restart": "sluiced"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kinds", default=",".join(F.DEFAULT_KINDS),
                    help="the az1 nodes' dataplanes, dp or xdp, comma separated")
    ap.add_argument("--no-zone2", action="store_true", help="no az2 node")
    ap.add_argument("--announce", choices=("manual", "sluiced"), default=F.DEFAULT_ANNOUNCE)
    ap.add_argument("--dnat", action=argparse.BooleanOptionalAction, default=F.DEFAULT_DNAT,
                    help="long-lived connections and UDP through the DNAT listener too")
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
                         dnat=a.dnat, build=a.build, keep=a.keep)
        lab_ref.append(lab)
        t0 = time.monotonic()
        lab.setup()
        lab.start_all()
        lab.wait_healthy(40)
        rep.info("lab up in %.1f s: %s" % (time.monotonic() - t0,
                                          ", ".join(n.label for n in lab.nodes)))
        for name, fn in CHECKS:
            if NEEDS.get(name, a.announce) != a.announce:
                continue
            if only and name not in only and name not in ("routes", "cleanup"):
                continue
            t1 = time.monotonic()
            fn(lab, rep)
            rep.info("%s took %.1f s" % (name, time.monotonic() - t1))

    return F.main_guard(lab_ref, body, "fleet")


if __name__ == "__main__":
    sys.exit(main())
