#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Route announcement through a real BIRD 2 (docs/scale-out.md "Announcement").

    test_announce.py --sluice-dp PATH --sluiced PATH --sluicectl PATH [--keep]
    test_announce.py --sluice-xdp PATH --sluiced PATH --sluicectl PATH [--keep]

The lab of labkit.py (sluice-dp on af_packet vdevs, sluiced in the appliance namespace with
HTTP health servers) plus BGP: the node's BIRD runs beside sluiced (same namespace, so it reads
the kernel table sluiced writes: table 100, `kernel` protocol with `learn`), and a peer BIRD
(the "router") in its own namespace behind a veth, eBGP, hold 3 s. Each BIRD has its own config
file and control socket (-s) in the work dir, runs in the foreground and is stopped by PID.
"At the peer" means `birdc -s PEER show route` lists the zone IP 10.0.1.10/32; withdrawal
times are measured from the action to the route's disappearance there (polled every 20 ms).

  a. sluiced + sluice-dp, targets healthy: the zone IP appears at the peer; `sluicectl node`
     serving (table and --json), the kernel route is a blackhole of protocol 250 in table 100,
     metrics sluice_node_state{state="serving"} 1, sluice_node_announced_routes 1.
  b. `sluicectl node drain`: withdrawn at the peer < 1.5 s, node draining, then withdrawn
     (drained) after drain_time; undrain announces again; undrain of a node not drained: exit 1.
  c. kill -9 of sluice-dp: withdrawn < 1.5 s (dataplane down); a new sluice-dp: announced.
  d. SIGSTOP of sluice-dp: withdrawn within liveness_timeout_ms + 0.5 s (dataplane stalled);
     SIGCONT: announced.
  e. every target failed (health 503): withdrawn (all groups failed); back: announced.
  f. fw-b unhealthy, then sluiced kill -9 and a new sluiced: the route never leaves the peer,
     stays in the table, and fw-b is unhealthy in every generation the new sluiced publishes
     (the state read back before its first sync); no target state changes.
  g. sluice-dp SIGTERM with node.drain_time 2: withdrawn < 1.5 s (dataplane stopping) while
     sluice-dp still runs; it exits after about 2 s; a new one: announced.
  i. reload: the route stays through a resync; added prefixes are announced at once; a new
     table takes the routes out of the old one; a bad announce key and a changed
     node.drain_time are refused (nothing changes); back to the first config.
  j. the node's BIRD SIGSTOPped (a silent node: nothing sent, TCP still open): the peer drops
     the route within 1 s (BFD 3 x 100 ms, before the 3 s hold timer); SIGCONT: announced.
  h. sluiced SIGTERM: withdrawn < 1.5 s, sluiced still runs (node draining, daemon stopping)
     and exits after drain_time (3 s).

Exit 0 pass, 1 fail, 77 skip (not root, no netns, bird or a binary missing).
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as lk  # noqa: E402
import ctrlkit as ck  # noqa: E402

TABLE = 100
ZONE_IP = lk.SL_OUT_IP  # 10.0.1.10, the zone az1's static IP
ROUTE = ZONE_IP + "/32"
NODE_ASN, PEER_ASN = 65010, 65000
DRAIN_TIME = 3  # daemon.announce.drain_time
DP_DRAIN_TIME = 2  # node.drain_time
LIVENESS_MS = 1000
WITHDRAW_BOUND = 1.5
INTERVAL, HEALTHY_N, UNHEALTHY_N = 2, 2, 2
TARGETS = [("fw-a", "192.168.50.11"), ("fw-b", "192.168.50.12")]

# BFD on both sides: the router drops a silent node after 3 x 100 ms.
BFD = """\
# BFD: the router drops a dead node after 3 x 100 ms
protocol bfd {
	interface "*" {
		min rx interval 100 ms;
		min tx interval 100 ms;
		multiplier 3;
	};
}
"""

# The node's BIRD: what docs/scale-out.md shows (router id, addresses and ASNs aside).
NODE_BIRD = """\
router id {node_ip};
log stderr all;
ipv4 table sluice4;
ipv6 table sluice6;

protocol device {{ }}

# The routes sluiced writes (blackhole, protocol 250) into kernel table {table}, learned into
# BIRD's own tables; nothing is written back to the kernel (export none).
protocol kernel sluice_kernel4 {{
	kernel table {table};
	learn;
	scan time 10;
	ipv4 {{ table sluice4; import all; export none; }};
}}
protocol kernel sluice_kernel6 {{
	kernel table {table};
	learn;
	scan time 10;
	ipv6 {{ table sluice6; import all; export none; }};
}}

{bfd}
protocol bgp uplink {{
	local {node_ip} as {node_asn};
	neighbor {peer_ip} as {peer_asn};
	hold time 3;
	keepalive time 1;
	connect retry time 1;
	bfd on;
	ipv4 {{ table sluice4; import none; export where proto = "sluice_kernel4"; }};
	ipv6 {{ table sluice6; import none; export where proto = "sluice_kernel6"; }};
}}
"""

PEER_BIRD = """\
router id {peer_ip};
log stderr all;
protocol device {{ }}
{bfd}protocol bgp node1 {{
	local {peer_ip} as {peer_asn};
	neighbor {node_ip} as {node_asn};
	hold time 3;
	keepalive time 1;
	connect retry time 1;
	bfd on;
	ipv4 {{ import all; export none; }};
}}
"""


class BgpLab(lk.Lab):
    def __init__(self, args):
        super().__init__("announce", args.sluice_xdp or args.sluice_dp, args.sluiced,
                         args.sluicectl, keep=args.keep)
        self.xdp = bool(args.sluice_xdp)
        self.ns_peer = "slbp%d" % self.pid
        self.if_n, self.if_p = "bgn%d" % self.pid, "bgp%d" % self.pid
        self.node_ip, self.peer_ip = "10.99.0.2", "10.99.0.1"
        self.peer_ctl = os.path.join(self.work, "peer.ctl")
        self.node_ctl = os.path.join(self.work, "node.ctl")

    def setup_bgp(self):
        self.add_netns(self.ns_peer)
        self.run(["ip", "link", "add", self.if_n, "netns", self.ns_daemon, "type", "veth",
                  "peer", "name", self.if_p, "netns", self.ns_peer])
        self.run(["ip", "-n", self.ns_daemon, "addr", "add", self.node_ip + "/30", "dev",
                  self.if_n])
        self.run(["ip", "-n", self.ns_peer, "addr", "add", self.peer_ip + "/30", "dev",
                  self.if_p])
        self.run(["ip", "-n", self.ns_daemon, "link", "set", self.if_n, "up"])
        self.run(["ip", "-n", self.ns_peer, "link", "set", self.if_p, "up"])
        self.run(["ip", "-n", self.ns_peer, "link", "set", "lo", "up"])
        kw = dict(node_ip=self.node_ip, peer_ip=self.peer_ip, node_asn=NODE_ASN,
                  peer_asn=PEER_ASN, table=TABLE, bfd=BFD)
        for name, ns, text, ctl in (("bird-node", self.ns_daemon, NODE_BIRD, self.node_ctl),
                                    ("bird-peer", self.ns_peer, PEER_BIRD, self.peer_ctl)):
            conf = os.path.join(self.work, name + ".conf")
            with open(conf, "w") as f:
                f.write(text.format(**kw))
            self.run(["bird", "-p", "-c", conf])  # parse only: a bad config fails here
            self.start(name, self.nsexec(ns, "bird", "-f", "-c", conf, "-s", ctl, "-P",
                                         os.path.join(self.work, name + ".pid")),
                       name + ".log")

    def config_text(self, *a, **kw):
        text = super().config_text(*a, **kw)
        if self.xdp:  # sluice-xdp: the ports are the veths themselves
            for i, ifc in ((0, self.if_so), (1, self.if_sa)):
                text = text.replace('"net_af_packet%d,iface=%s,%s"' % (i, ifc, lk.AF_PACKET_ARGS
                                                                       % self.workers), ifc)
        return text

    def start_dp(self, timeout=40):
        if not self.xdp:
            return super().start_dp(timeout)
        # a sluice-xdp killed with -9 leaves its program attached: take it off first
        for ifc in (self.if_so, self.if_sa):
            self.run(["ip", "-n", self.ns_dp, "link", "set", ifc, "xdpgeneric", "off"],
                     check=False)
            self.run(["ip", "-n", self.ns_dp, "link", "set", ifc, "xdpdrv", "off"], check=False)
        self.dp_runs += 1
        log = "sluice-dp.%d.log" % self.dp_runs
        self.dp_log = log
        cmd = self.nsexec(self.ns_dp, self.sluice_dp, "--config", self.config, "--control",
                          self.dp_sock, "--state-log", self.state_log)
        t0 = time.monotonic()
        self.start("sluice-dp", cmd, log)
        return self.wait_dp("sluice-dp", log, t0, timeout, word="attached to")

    def birdc(self, ctl, *cmd):
        res = subprocess.run(["birdc", "-s", ctl] + list(cmd), capture_output=True, text=True,
                             timeout=5)
        return res.stdout

    def at_peer(self):
        """Whether the peer BIRD has the zone IP's route."""
        return ROUTE in self.birdc(self.peer_ctl, "show", "route", "for", ROUTE)

    def wait_peer(self, present, timeout, step=0.02):
        """Seconds until the route is (present) or is not at the peer; None on timeout."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.at_peer() == present:
                return time.monotonic() - t0
            time.sleep(step)
        return None

    def kernel_routes(self, table=TABLE):
        """sluiced's routes in table ("" when none, or the table does not exist)."""
        res = self.run(["ip", "-n", self.ns_daemon, "route", "show", "table", str(table),
                        "proto", "250"], check=False)
        return res.stdout.strip()

    def cleanup(self):
        # at once, not after node.drain_time (SIGINT)
        if self.alive("sluice-dp"):
            self.stop("sluice-dp", signal.SIGINT)
        super().cleanup()

    def metrics(self):
        """The metrics samples (sluiced's endpoint is in its namespace: curl there)."""
        res = self.run(self.nsexec(self.ns_daemon, "curl", "-s", "--max-time", "5",
                                   "http://127.0.0.1:9469/metrics"))
        return ck.parse_prom(res.stdout)[0]

    def node(self):
        rc, out, err = self.ctl("node")
        if rc != 0:
            raise lk.Abort("sluicectl node: exit %d: %s" % (rc, err))
        return out["node"]


def config(lab):
    text = lab.config_text(TARGETS, 0, {"protocol": "http", "port": lk.HEALTH_PORT,
                                        "path": "/healthz", "interval": INTERVAL,
                                        "timeout": 1, "healthy_threshold": HEALTHY_N,
                                        "unhealthy_threshold": UNHEALTHY_N},
                           extra_daemon="  announce: { table: %d, min_healthy_targets: 1, "
                           "liveness_timeout_ms: %d, drain_time: %d }"
                           % (TABLE, LIVENESS_MS, DRAIN_TIME))
    text = text.replace("node: { zone: %s," % lk.ZONE,
                        "zones: { %s: %s }\nnode: { zone: %s, drain_time: %d,"
                        % (lk.ZONE, ZONE_IP, lk.ZONE, DP_DRAIN_TIME))
    return text


def timed_withdraw(lab, rep, what, action, bound):
    """Run action(); check the route leaves the peer within bound s. The seconds, or None."""
    if not lab.at_peer():
        rep.check(False, "%s: the route is at the peer before" % what)
        return None
    t0 = time.monotonic()
    action()
    left = lab.wait_peer(False, bound + 5)
    took = None if left is None else time.monotonic() - t0
    rep.check(took is not None and took < bound,
              "%s: withdrawn at the peer in %s (bound %.1f s)"
              % (what, "never" if took is None else "%.2f s" % took, bound))
    return took


def wait_announced(lab, rep, what, timeout=15):
    t = lab.wait_peer(True, timeout)
    rep.check(t is not None, "%s: announced at the peer again (%s)"
              % (what, "never" if t is None else "%.2f s" % t))
    return t


def wait_node(lab, state, reason=None, timeout=5):
    deadline = time.monotonic() + timeout
    n = {}
    while time.monotonic() < deadline:
        n = lab.node()
        if n["state"] == state and (reason is None or n["reason"] == reason):
            return True, n
        time.sleep(0.05)
    return False, n


class PeerWatch:
    """Polls the peer every 20 ms in a thread; records any moment the route was missing."""

    def __init__(self, lab):
        self.lab, self.missing, self.stop_ev = lab, [], threading.Event()
        self.polls = 0
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop_ev.is_set():
            if not self.lab.at_peer():
                self.missing.append(time.monotonic())
            self.polls += 1
            time.sleep(0.02)

    def stop(self):
        self.stop_ev.set()
        self.t.join(5)


def body(rep, args, lab_ref):
    dp = ("sluice-xdp", args.sluice_xdp) if args.sluice_xdp else ("sluice-dp", args.sluice_dp)
    lk.preflight("announce", [dp, ("sluiced", args.sluiced),
                              ("sluicectl", args.sluicectl)], tools=("ip", "bird", "birdc"))
    lab = BgpLab(args)
    lab_ref.append(lab)
    lab.setup_net()
    lab.setup_bgp()
    for _, ip in TARGETS:
        lab.health.set(ip, "up")
    lab.write_config(config(lab))
    times = {}

    # a. announced once the targets are healthy
    lab.start_dp()
    lab.start_sluiced()
    t = lab.wait_peer(True, 30)
    rep.check(t is not None, "a. the zone IP %s is announced at the peer BIRD (%s)"
              % (ROUTE, "never" if t is None else "%.1f s after sluiced started" % t))
    if t is None:
        rep.info("peer: %s\nnode: %s" % (lab.birdc(lab.peer_ctl, "show", "protocols"),
                                          lab.birdc(lab.node_ctl, "show", "route", "all")))
        raise lk.Abort("no announcement")
    bfd = lab.birdc(lab.peer_ctl, "show", "bfd", "sessions")
    rep.check(lab.node_ip in bfd and " Up " in bfd, "a. the BGP session is BFD-protected "
              "(peer: BFD session Up)", bfd)
    n = lab.node()
    rep.check(n["state"] == "serving" and n["reason"] == "" and n["announced"] == [ROUTE]
              and n["routes"] == [ROUTE] and n["table"] == TABLE,
              "a. sluicectl node: serving, announced [%s] in table %d" % (ROUTE, TABLE), n)
    kr = lab.kernel_routes()
    rep.check(kr.startswith("blackhole " + ZONE_IP), "a. kernel: blackhole %s proto 250 in "
              "table %d" % (ZONE_IP, TABLE), kr)
    rc, text, err = lab.ctl("node", as_json=False)
    rep.check(rc == 0 and "state        serving" in text and "dataplane %s" % lab.dp_sock in text,
              "a. sluicectl node (table): state and conditions", text + err)
    prom = lab.metrics()
    rep.check(ck.prom_get(prom, "sluice_node_state", state="serving") == [1] and
              ck.prom_get(prom, "sluice_node_state", state="withdrawn") == [0] and
              ck.prom_get(prom, "sluice_node_announced_routes") == [1],
              "a. metrics: sluice_node_state{state=serving} 1, announced_routes 1",
              [x for x in prom if x[0].startswith("sluice_node")])
    trans0 = (ck.prom_get(prom, "sluice_node_transitions_total") or [None])[0]

    # b. drain / undrain
    out = {}

    def drain():
        out["r"] = lab.ctl("node", "drain")

    times["drain"] = timed_withdraw(lab, rep, "b. sluicectl node drain", drain, WITHDRAW_BOUND)
    rc, o, err = out["r"]
    rep.check(rc == 0 and o["node"]["state"] == "draining" and
              o["node"]["reason"] == "drained" and o["node"]["announced"] == [],
              "b. node drain: draining (drained), nothing announced", out["r"])
    ok, n = wait_node(lab, "withdrawn", "drained", DRAIN_TIME + 2)
    rep.check(ok, "b. withdrawn (drained) after drain_time %d s" % DRAIN_TIME, n)
    t0 = time.monotonic()
    rc, o, err = lab.ctl("node", "undrain")
    rep.check(rc == 0 and o["node"]["state"] == "serving", "b. node undrain: serving", (rc, o))
    times["undrain"] = wait_announced(lab, rep, "b. undrain")
    rc, o, err = lab.ctl("node", "undrain")
    rep.check(rc == 1 and "not drained" in err, "b. undrain when not drained: exit 1", (rc, err))
    rc, o, err = lab.ctl("node", "bogus")
    rep.check(rc == 2, "b. node bogus: usage error (exit 2)", (rc, err))

    # c. kill -9 of the dataplane
    times["kill9"] = timed_withdraw(
        lab, rep, "c. kill -9 sluice-dp",
        lambda: os.kill(lab.procs["sluice-dp"].pid, signal.SIGKILL), WITHDRAW_BOUND)
    ok, n = wait_node(lab, "withdrawn", "dataplane down")
    rep.check(ok, "c. node withdrawn (dataplane down)", n)
    lab.stop("sluice-dp")
    lab.start_dp()
    wait_announced(lab, rep, "c. a new sluice-dp")

    # d. SIGSTOP of the dataplane: the packet loop and the control thread hang
    dp_pid = lab.procs["sluice-dp"].pid
    times["sigstop"] = timed_withdraw(lab, rep, "d. SIGSTOP sluice-dp",
                                      lambda: os.kill(dp_pid, signal.SIGSTOP),
                                      LIVENESS_MS / 1000 + 0.5)
    ok, n = wait_node(lab, "withdrawn", "dataplane stalled")
    rep.check(ok, "d. node withdrawn (dataplane stalled)", n)
    os.kill(dp_pid, signal.SIGCONT)
    wait_announced(lab, rep, "d. SIGCONT")

    # e. every target failed
    for _, ip in TARGETS:
        lab.health.set(ip, "503")
    times["groups"] = timed_withdraw(lab, rep, "e. every target unhealthy", lambda: None,
                                     INTERVAL * (UNHEALTHY_N + 1) + 1.5)
    ok, n = wait_node(lab, "withdrawn", "all groups failed")
    rep.check(ok, "e. node withdrawn (all groups failed)", n)
    lab.health.set(TARGETS[0][1], "up")
    wait_announced(lab, rep, "e. fw-a healthy again", timeout=INTERVAL * (HEALTHY_N + 2) + 3)

    # f. sluiced kill -9 and restart: no flap, target states read back
    ok, _, seen = lab.wait_states({"fw-a": "healthy", "fw-b": "unhealthy"}, 10)
    rep.check(ok, "f. before: fw-a healthy, fw-b unhealthy (sluiced and dataplane)", seen)
    gens_before = len(lab.read_state_log())
    watch = PeerWatch(lab)
    os.kill(lab.procs["sluiced"].pid, signal.SIGKILL)
    lab.stop("sluiced")
    kr = lab.kernel_routes()
    rep.check(kr.startswith("blackhole " + ZONE_IP), "f. sluiced killed: its route stays in "
              "table %d" % TABLE, kr)
    lab.start_sluiced()
    time.sleep(4)  # several liveness periods and health checks after the restart
    watch.stop()
    rep.check(not watch.missing and watch.polls > 20,
              "f. sluiced kill -9 + restart: the route never left the peer (%d polls)"
              % watch.polls, "missing at %d polls" % len(watch.missing))
    n = lab.node()
    rep.check(n["state"] == "serving" and n["announced"] == [ROUTE],
              "f. the new sluiced serves with the route it found", n)
    after = lab.read_state_log()[gens_before:]
    fwb = [g["groups"][lk.GROUP]["targets"].get("fw-b", {}).get("state") for g in after]
    fwa = [g["groups"][lk.GROUP]["targets"].get("fw-a", {}).get("state") for g in after]
    rep.check(after and all(s == "unhealthy" for s in fwb) and all(s == "healthy" for s in fwa),
              "f. every generation after the restart (%d) has fw-a healthy, fw-b unhealthy "
              "(states read back before the first sync)" % len(after), list(zip(fwa, fwb)))
    rep.check("as before the restart (read back from dataplane" in lab.log(lab.sd_log),
              "f. sluiced logs the states it read back")

    # g. dataplane SIGTERM with node.drain_time
    dp = lab.procs["sluice-dp"]
    t0 = time.monotonic()
    times["dp_sigterm"] = timed_withdraw(lab, rep, "g. sluice-dp SIGTERM (drain_time %d)"
                                         % DP_DRAIN_TIME,
                                         lambda: os.kill(dp.pid, signal.SIGTERM), WITHDRAW_BOUND)
    rep.check(dp.poll() is None, "g. sluice-dp still runs after the withdrawal (draining)")
    ok, n = wait_node(lab, "withdrawn", "dataplane stopping", 1)
    rep.check(ok or dp.poll() is not None, "g. node withdrawn (dataplane stopping)", n)
    try:
        dp.wait(DP_DRAIN_TIME + 5)
    except subprocess.TimeoutExpired:
        pass
    took = time.monotonic() - t0
    rep.check(dp.poll() == 0 and DP_DRAIN_TIME - 0.2 <= took < DP_DRAIN_TIME + 8,
              "g. sluice-dp exited (status %s) %.1f s after SIGTERM" % (dp.poll(), took))
    lab.stop("sluice-dp")
    lab.start_dp()
    wait_announced(lab, rep, "g. a new sluice-dp")

    # i. reload: announce changes apply at once
    base = config(lab)
    extra = "198.51.100.0/24"
    watch = PeerWatch(lab)
    rc, o, err = lab.ctl("reload")  # the dataplane is re-synced: it stays announced
    time.sleep(1)
    watch.stop()
    rep.check(rc == 0 and not watch.missing and watch.polls > 10,
              "i. a reload (resync) leaves the route at the peer (%d polls)" % watch.polls,
              (rc, err, len(watch.missing)))
    lab.write_config(base.replace("drain_time: %d }" % DRAIN_TIME,
                                  "drain_time: %d, prefixes: [%s] }" % (DRAIN_TIME, extra)))
    rc, o, err = lab.ctl("reload")
    rep.check(rc == 0, "i. reload adding prefixes: accepted", (rc, err))
    t = ck.wait_for(lambda: extra in lab.birdc(lab.peer_ctl, "show", "route", "for", extra), 5,
                    step=0.05)
    n = lab.node()
    rep.check(t and sorted(n["announced"]) == sorted([ROUTE, extra]),
              "i. the new prefix is announced at the peer at once", n)
    lab.write_config(base.replace("table: %d," % TABLE, "table: %d," % (TABLE + 1)))
    rc, o, err = lab.ctl("reload")
    k101 = ck.wait_for(lambda: lab.kernel_routes(TABLE + 1), 3, step=0.05) or ""
    k100 = lab.kernel_routes()
    rep.check(rc == 0 and k100 == "" and k101.startswith("blackhole " + ZONE_IP) and
              extra.split("/")[0] not in k101,
              "i. reload to table %d: routes moved out of table %d" % (TABLE + 1, TABLE),
              (rc, err, k100, k101))
    lab.write_config(base.replace("table: %d," % TABLE, "table: 254,"))
    rc, o, err = lab.ctl("reload")
    rep.check(rc == 1 and "daemon.announce.table: 254 is a table of the kernel's own" in err and
              lab.node()["table"] == TABLE + 1, "i. a bad announce reload is refused, nothing "
              "changes", (rc, err))
    lab.write_config(base.replace("drain_time: %d," % DP_DRAIN_TIME, "drain_time: 9,"))
    rc, o, err = lab.ctl("reload")
    rep.check(rc == 1 and "node.drain_time changed" in err,
              "i. node.drain_time changed: refused (structural, the dataplanes read it)",
              (rc, err))
    lab.write_config(base)
    rc, o, err = lab.ctl("reload")
    wait_announced(lab, rep, "i. reload back to table %d" % TABLE, timeout=5)
    k101 = lab.kernel_routes(TABLE + 1)
    rep.check(rc == 0 and k101 == "" and lab.node()["announced"] == [ROUTE],
              "i. back: only the zone IP, in table %d" % TABLE, (rc, err, k101))

    # j. the node goes silent (its BIRD stopped: no BFD, no keepalive, the TCP session stays
    # open, as when a node hangs or loses power): BFD drops it at the peer, not the hold timer
    bird = lab.procs["bird-node"]
    times["node_silent_bfd"] = timed_withdraw(lab, rep, "j. node BIRD SIGSTOP (BFD 3 x 100 ms,"
                                              " hold 3 s)",
                                              lambda: os.kill(bird.pid, signal.SIGSTOP), 1.0)
    os.kill(bird.pid, signal.SIGCONT)
    # a session dropped by BFD waits BIRD's `error wait time` (60 s) to reconnect: restart it
    lab.birdc(lab.peer_ctl, "restart", "node1")
    lab.birdc(lab.node_ctl, "restart", "uplink")
    wait_announced(lab, rep, "j. node BIRD SIGCONT, sessions restarted", timeout=20)

    # h. sluiced SIGTERM: graceful stop
    sd = lab.procs["sluiced"]
    t0 = time.monotonic()
    times["sluiced_sigterm"] = timed_withdraw(lab, rep, "h. sluiced SIGTERM",
                                              lambda: os.kill(sd.pid, signal.SIGTERM),
                                              WITHDRAW_BOUND)
    rep.check(sd.poll() is None, "h. sluiced still runs during its drain time")
    try:
        n = lab.node()
        rep.check(n["state"] == "draining" and n["reason"] == "daemon stopping",
                  "h. node draining (daemon stopping)", n)
    except lk.Abort as exc:
        rep.check(False, "h. node during the drain: %s" % exc)
    try:
        sd.wait(DRAIN_TIME + 5)
    except subprocess.TimeoutExpired:
        pass
    took = time.monotonic() - t0
    rep.check(sd.poll() == 0 and DRAIN_TIME - 0.2 <= took < DRAIN_TIME + 2,
              "h. sluiced exited (status %s) %.1f s after SIGTERM (drain_time %d)"
              % (sd.poll(), took, DRAIN_TIME))
    rep.check(lab.kernel_routes() == "", "h. nothing left in table %d" % TABLE,
              lab.kernel_routes())
    del lab.procs["sluiced"]
    prom_ok = trans0 is not None and trans0 >= 1
    rep.check(prom_ok, "metrics: sluice_node_transitions_total counted (%s)" % trans0)
    rep.info("withdrawal times at the peer: " +
             ", ".join("%s %s" % (k, "-" if v is None else "%.2f s" % v)
                       for k, v in times.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sluice-xdp", help="run the lab with sluice-xdp instead")
    lk.lab_args(ap)
    args = ap.parse_args()
    if not shutil.which("bird") or not shutil.which("birdc"):
        lk.skip("announce", "bird2 is not installed (scripts/deps.sh installs it)")
    lab_ref = []
    return lk.main_guard(lab_ref, lambda rep: body(rep, args, lab_ref), "announce test (%s)"
                         % ("sluice-xdp" if args.sluice_xdp else "sluice-dp"))


if __name__ == "__main__":
    sys.exit(main())
