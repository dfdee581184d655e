#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The fleet lab: several sluice nodes per zone behind a router that spreads flows over them
by ECMP, each node announcing what it serves over BGP through its own BIRD 2.

Topology (every namespace and link name carries this process's PID; all of it is deleted at
teardown, also when a check fails or the process gets SIGTERM/SIGINT/SIGHUP):

  netns flc: client 10.0.0.2 --- netns flr: router (BIRD 2, AS 65000)
                                  10.0.0.1 | bridge bro 10.0.1.1/24: BGP + BFD to every node,
                                           | ECMP (merge paths, fib_multipath_hash_policy=1)
              +----------------------------+-------------------------+----------------------+
              | 10.0.1.11               | 10.0.1.12              | 10.0.1.13           | 10.0.1.14
     netns fln1: node 1        fln2: node 2             fln3: node 3          fln4: node 4
     zone az1 (10.0.10.1)      zone az1                 zone az1              zone az2
     sluice-dp | sluice-xdp, sluiced, BIRD 2 (AS 65010)                        (10.0.20.1, no
     ports outside / appliances / inside / targets                             cross-zone)
     netns fla: bridge bra: sluice-appliance fw-1..3 192.168.50.11-13 (az1), fw-4 .14 (az2);
                the nodes' appliances ports 192.168.50.N
     netns flv: bridge brv (inside, inspected transit): srv-1 10.0.2.21, srv-2 .22, the
                nodes' inside ports 10.0.2.1N; bridge brt (targets, no inspection
                attachment): NLB targets web-1 10.0.3.21, web-2 .22 (az1), web-3 .23 (az2),
                the nodes' targets ports 10.0.3.1N. BIRD 2 (AS 65020) at 10.0.2.2 and
                10.0.3.2: BGP + BFD to the az1 nodes on both segments; the 0.0.0.0/0 they send
                (each node's BIRD originates it while the node announces its zone IP)
                becomes the ECMP default route of the inside hosts (main table) and of the
                targets (table 300, ip rule from 10.0.3.0/24); web-3 (zone az2) routes
                through node 4 only (policy rule, no BGP).

Each node announces through its BIRD what is in its kernel table 100 (`protocol kernel` with
`learn`): its zone IP /32 to the router, for az1 also the servers' network 10.0.2.0/24 (the
inspected transit); an az1 node's BIRD also sends 0.0.0.0/0 to the servers' BIRD, a recursive
static route through the zone IP: there only while the zone IP is. Who writes table 100:
sluiced (`daemon.announce`, routes with protocol 250) when announce="sluiced"; the lab itself
with `ip route` (the same routes) when announce="manual" (Node.announce / Node.withdraw).

Forwarding: the router hashes a flow (L4) to one node; the servers' kernel hashes the reply
to one node, which may be another: the inspection return is stateless (the cookie) and every
node picks the same appliance for a flow (Maglev over the same targets), so any node carries
any packet of an inspected flow. Health checks and BGP leave each node's kernel through its
data ports: sluice-xdp passes what is not its own to the kernel (XDP_PASS); sluice-dp through
the TAP of `ports[].kernel_interface` (the exception path; the kernel has the port's
addresses on the TAP, none on the veth that af_packet reads).

Names: namespaces fl{c,r,a,v}-PID, fln{1..}-PID; links n{N}{o,a,i}PID (node side),
b{N}{o,a,i}PID (bridge side), bridges br{o,a,v}PID, c0PID/r0PID (client).

API (run.py, demo/fleet.py):
    lab = FleetLab(kinds=["xdp", "xdp", "xdp"], zone2=True, announce="manual")
    lab.setup(); lab.start_all(); lab.wait_ready()
    lab.router_nexthops(prefix) -> {node address}; lab.birdc("r", "show route")
    lab.node_for(sport, dport, dst) -> the node the router sends that client flow to
    lab.streams(host, port, count, rate_kbps) -> Job; lab.udpstream(...) -> Job
    node = lab.nodes[0]; node.dp_stats(); node.ctl("node"); node.withdraw(); node.announce()
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import lab as E  # noqa: E402  the e2e lab: its binaries, agent, Job, dataplane command
from lab import lk, Abort, Report, main_guard  # noqa: E402,F401

PYTHON, AGENT = E.PYTHON, E.AGENT
SECRET_HEX = lk.SECRET_HEX
ZONES = {"az1": "10.0.10.1", "az2": "10.0.20.1"}
CLIENT_IP, ROUTER_CL_IP = "10.0.0.2", "10.0.0.1"
ROUTER_IP, SRV_BGP_IP, TGT_BGP_IP = "10.0.1.1", "10.0.2.2", "10.0.3.2"
SERVER_NET, TARGET_NET, CLIENT_NET = "10.0.2.0/24", "10.0.3.0/24", "10.0.0.0/24"
TARGETS_TABLE = 300  # the servers' namespace: the targets' default route (ip rule from TARGET_NET)
APPLIANCES = {"fw-1": ("192.168.50.11", "az1"), "fw-2": ("192.168.50.12", "az1"),
              "fw-3": ("192.168.50.13", "az1"), "fw-4": ("192.168.50.14", "az2")}
# NLB targets, on their own segment behind the nodes' `targets` port, which has no
# inspection attachment: a node adopts a target's reply it has no session for only there
# (docs/nlb.md "In a fleet")
SERVERS = {"web-1": ("10.0.3.21", "az1"), "web-2": ("10.0.3.22", "az1"),
           "web-3": ("10.0.3.23", "az2")}
# hosts reached through inspection (transit both ways), behind the `inside` port
TRANSIT = {"srv-1": "10.0.2.21", "srv-2": "10.0.2.22"}
FW_GROUP, WEB_GROUP = "firewalls", "web"
WEB_PORT, INSPECTED_PORT = 8080, 9090   # listeners `web` (DNAT) and `inspected`
# the port of the inspected transit hosts
TRANSIT_PORT = 8080
APP_HEALTH_PORT = 80
HC = {"interval": 2, "timeout": 1, "healthy_threshold": 2, "unhealthy_threshold": 2}
AS_ROUTER, AS_NODE, AS_SRV = 65000, 65010, 65020
ANNOUNCE_TABLE = 100
RTPROT_SLUICE = 250
# BGP timers: BFD 200 ms x 5 detects a dead peer in 1 s; the hold timer (3 s) is the backstop
# when BFD is not answered at all. (100 ms x 3 detects in 0.3 s, but on these 2 shared CPUs
# under load a BIRD or a dataplane starved for 0.3 s dropped healthy nodes.)
BFD_INTERVAL_MS, BFD_MULT = 200, 5
HOLD_S, KEEPALIVE_S = 3, 1
BLOB_SIZE = 1 << 20
HOST_MTU = 1400
MAC_BR = {"o": "02:5f:00:00:01:fe", "a": "02:5f:00:00:02:fe", "v": "02:5f:00:00:03:fe",
          "t": "02:5f:00:00:04:fe"}
MAC_CLIENT, MAC_ROUTER_CL = "02:5f:00:00:00:02", "02:5f:00:00:00:01"
PORTS = (("o", "outside"), ("a", "appliances"), ("i", "inside"), ("t", "targets"))
# what run.py, the meson suite and the demo run by default: the az1 nodes' dataplanes, and who
# writes the nodes' table 100 ("manual": the lab, "sluiced": daemon.announce)
DEFAULT_KINDS = ("dp", "xdp", "dp")
DEFAULT_ANNOUNCE = "sluiced"
# the long-lived connections of a disruption go through the DNAT listener too (the nodes
# adopt NLB flows and replies they have no session for)
DEFAULT_DNAT = True


def node_mac(idx, p):
    return "02:5f:%02x:00:%02x:01" % (idx, {"o": 1, "a": 2, "i": 3, "t": 4}[p])


def node_addr(idx, p):
    """Node idx's own address on port p (o, a, i, t)."""
    return {"o": "10.0.1.%d" % (10 + idx), "a": "192.168.50.%d" % idx,
            "i": "10.0.2.%d" % (10 + idx), "t": "10.0.3.%d" % (10 + idx)}[p]


def preflight(name, kinds, build):
    b = E.binaries(build)
    need = [(k, b[k]) for k in ("sluiced", "sluicectl", "sluice-appliance")]
    need += [(("sluice-dp" if k == "dp" else "sluice-xdp"), b["sluice-dp" if k == "dp"
                                                               else "sluice-xdp"])
             for k in sorted(set(kinds))]
    lk.preflight(name, need, tools=("ip", "ethtool", "bird", "birdc", "clang"))


# --- BIRD 2 configs (docs/scale-out.md shows these) ---------------------------------------------

def bird_router_conf(router_id, local_as, sides, log):
    """A router's BIRD: an eBGP session with BFD to every peer, everything learned exported to
    the kernel, equal routes merged into one ECMP route. sides: [(BIRD table, kernel table
    (None: main), local address, [(name, peer address, peer as)])], one per segment whose
    routes go to their own kernel table."""
    out = [
        "# learns the nodes' routes, installs them as ECMP routes",
        'log "%s" all;' % log,
        "router id %s;" % router_id,
        "protocol device { scan time 10; }",
        "protocol bfd {",
        '    interface "*" { min rx interval %d ms; min tx interval %d ms; multiplier %d; };'
        % (BFD_INTERVAL_MS, BFD_INTERVAL_MS, BFD_MULT),
        "}",
        "template bgp node {",
        "    hold time %d; keepalive time %d; connect retry time 1; error wait time 1, 5;"
        % (HOLD_S, KEEPALIVE_S),
        "    bfd on;",
        "    debug { states, events };",
        "}",
    ]
    for table, ktable, local, peers in sides:
        if table != "master4":
            out.append("ipv4 table %s;" % table)
        out += [
            "protocol kernel {",
            "    merge paths on limit 16;     # ECMP: one kernel route, a next hop per node",
        ] + (["    kernel table %d;" % ktable] if ktable else []) + [
            "    ipv4 { table %s; import none; export all; };" % table,
            "}",
        ]
        out += ["protocol bgp %s from node { local %s as %d; neighbor %s as %d; "
                "ipv4 { table %s; import all; export none; }; }"
                % (name, local, local_as, addr, asn, table) for name, addr, asn in peers]
    return "\n".join(out) + "\n"


def bird_node_conf(router_id, sessions, log, table=ANNOUNCE_TABLE, default_while=None):
    """A node's BIRD, as docs/scale-out.md "Announcement" has it: learns the routes in kernel
    table `table` (sluiced writes them there, blackhole, protocol 250, while the node can
    serve) into its own table sluice4 and exports them over eBGP with BFD. sessions: [(name,
    local address, peer address, peer as, export filter body)]. default_while: an address
    (the zone IP): BIRD also originates 0.0.0.0/0 (protocol serving_default), resolved
    through that address's route in sluice4, so reachable only while sluiced announces the
    zone IP (a recursive static route), for the servers' side."""
    out = [
        "# a sluice node: announces what sluiced writes into kernel table %d" % table,
        'log "%s" all;' % log,
        "router id %s;" % router_id,
        "ipv4 table sluice4;",
        "protocol device { scan time 10; }",
        "protocol kernel sluice_kernel4 {",
        "    kernel table %d;" % table,
        "    learn;                       # routes other programs (sluiced) put there",
        "    scan time 10;                # netlink notifications bring changes at once",
        "    ipv4 { table sluice4; import all; export none; };",
        "}",
        "protocol bfd {",
        '    interface "*" { min rx interval %d ms; min tx interval %d ms; multiplier %d; };'
        % (BFD_INTERVAL_MS, BFD_INTERVAL_MS, BFD_MULT),
        "}",
    ]
    if default_while:
        out += [
            "# the servers' default route through this node, only while it serves its zone IP",
            "protocol static serving_default {",
            "    ipv4 { table sluice4; };",
            "    igp table sluice4;",
            "    route 0.0.0.0/0 recursive %s;" % default_while,
            "}",
        ]
    for name, local, peer, peer_as, flt in sessions:
        out += [
            "protocol bgp %s {" % name,
            "    local %s as %d;" % (local, AS_NODE),
            "    neighbor %s as %d;" % (peer, peer_as),
            "    hold time %d; keepalive time %d; connect retry time 1; error wait time 1, 5;"
            % (HOLD_S, KEEPALIVE_S),
            "    bfd on;",
            "    debug { states, events };    # the lab's logs say why a session went down",
            "    ipv4 { table sluice4; import none; export where %s; };" % flt,
            "}",
        ]
    return "\n".join(out) + "\n"


def bird_cmd(conf, sock, pidfile):
    # -f: foreground, so the lab owns the process by PID
    return ["bird", "-f", "-c", conf, "-s", sock, "-P", pidfile]


# --- a node -------------------------------------------------------------------------------------

class Node(lk.ProcLab):
    """One sluice node: its namespace (made by the lab), config, dataplane, sluiced, BIRD.
    Its processes and logs are its own (work dir lab.work/nN)."""

    def __init__(self, lab, idx, kind, zone):
        super().__init__("node%d" % idx, lab.keep, work=os.path.join(lab.work, "n%d" % idx))
        pid = lab.pid
        self.lab, self.idx, self.kind, self.zone = lab, idx, kind, zone
        self.label = "n%d/%s" % (idx, "sluice-dp" if kind == "dp" else "sluice-xdp")
        self.ns = self.ns_daemon = "fln%d-%d" % (idx, pid)
        self.ifn = {p: "n%d%s%d" % (idx, p, pid) for p, _ in PORTS}
        self.peer = {p: "b%d%s%d" % (idx, p, pid) for p, _ in PORTS}
        self.tap = {p: "t%d%s%d" % (idx, p, pid) for p, _ in PORTS}
        self.addr = {p: node_addr(idx, p) for p, _ in PORTS}
        self.group = FW_GROUP
        self.bin = lab.bin
        self.sluiced, self.sluicectl_bin = self.bin["sluiced"], self.bin["sluicectl"]
        self.dp_sock = os.path.join(self.work, "dp.sock")
        self.api_sock = os.path.join(self.work, "sluiced.sock")
        self.state_log = os.path.join(self.work, "state.log")
        self.config = os.path.join(self.work, "sluice.yaml")
        self.bird_sock = os.path.join(self.work, "bird.ctl")
        self.prefix = "sluicefl%d-%d" % (idx, pid)
        self.dp_runs = 0
        # az1 nodes announce the zone IP and the inspected servers' network to the router (and
        # their BIRD a default route to the servers' BIRD while the zone IP is announced); the
        # az2 node only its zone IP
        self.az1 = zone == "az1"
        self.prefixes = [ZONES[zone] + "/32"] + ([SERVER_NET] if self.az1 else [])

    def cmd_ns(self, *cmd):
        return self.nsexec(self.ns, *cmd)

    def ip(self, *args, check=True):
        return self.run(["ip", "-n", self.ns] + list(args), check=check)

    # config
    def config_text(self, announce=None, extra=()):
        lab = self.lab
        if self.kind == "dp":
            dev = {p: "net_af_packet%d,iface=%s,%s" % (i, self.ifn[p], E.AF_PACKET_ARGS % 1)
                   for i, (p, _) in enumerate(PORTS)}
        else:
            dev = {p: self.ifn[p] for p, _ in PORTS}
        zip_ = ZONES[self.zone]
        lines = [
            "# generated by tests/fleet/fleetlab.py: node %d (%s, zone %s)"
            % (self.idx, self.kind, self.zone),
            'node: { zone: %s, cookie_secret: "%s" }' % (self.zone, SECRET_HEX),
            "zones: { %s }" % ", ".join("%s: %s" % kv for kv in ZONES.items()),
            "ports:",
        ]
        for p, name in PORTS:
            addrs = ["%s/24" % self.addr[p]] + (["%s/32" % zip_] if p == "o" else [])
            kif = ", kernel_interface: %s" % self.tap[p] if self.kind == "dp" else ""
            lines.append('  - { name: %s, device: "%s", addresses: [%s], mac: "%s"%s }'
                         % (name, dev[p], ", ".join(addrs), node_mac(self.idx, p), kif))
        lines += ["routes:", "  - { prefix: 0.0.0.0/0, via: %s }" % ROUTER_IP, "neighbors:",
                  '  - { address: %s, mac: "%s" }' % (ROUTER_IP, MAC_BR["o"])]
        lines += ['  - { address: %s, mac: "%s" }' % (ip, MAC_BR["a"])
                  for ip, _ in APPLIANCES.values()]
        lines += ['  - { address: %s, mac: "%s" }' % (ip, MAC_BR["v"]) for ip in TRANSIT.values()]
        lines += ['  - { address: %s, mac: "%s" }' % (ip, MAC_BR["t"])
                  for ip, _ in SERVERS.values()]
        hc = "{ protocol: http, port: %%d, path: /healthz, %s }" % ", ".join(
            "%s: %d" % kv for kv in HC.items())
        lines += ["target_groups:", "  - name: %s" % FW_GROUP, "    protocol: geneve",
                  "    deregistration_delay: 5", "    health_check: " + hc % APP_HEALTH_PORT,
                  "    targets:"]
        lines += ["      - { id: %s, address: %s, zone: %s }" % (k, ip, z)
                  for k, (ip, z) in APPLIANCES.items()]
        lines += ["  - name: %s" % WEB_GROUP, "    protocol: tcp_udp",
                  "    deregistration_delay: 5", "    health_check: " + hc % WEB_PORT]
        lines += list(lab.web_group_extra)
        lines += ["    targets:"]
        lines += ["      - { id: %s, address: %s, zone: %s }" % (k, ip, z)
                  for k, (ip, z) in SERVERS.items()]
        lines += [
            "inspection:",
            "  - { name: ingress, endpoint_id: 0x%016x, attachment_id: 0x%016x, "
            "from: [outside, inside], chain: [%s] }" % (lk.ENDPOINT_ID, lk.ATTACHMENT_ID,
                                                        FW_GROUP),
            "listeners:",
            "  - { name: web, protocol: tcp_udp, port: %d, target_group: %s }"
            % (WEB_PORT, WEB_GROUP),
            "  - { name: inspected, protocol: tcp_udp, port: %d, target_group: %s, "
            "inspect: ingress }" % (INSPECTED_PORT, WEB_GROUP),
        ]
        lines += list(extra)
        lines += ["daemon:", "  api_socket: %s" % self.api_sock, '  metrics_address: "off"',
                  "  dataplanes: [%s]" % self.dp_sock, "  log_level: debug"]
        if announce:
            lines += ["  announce:"] + ["    %s" % line for line in announce]
        return "\n".join(lines) + "\n"

    def announce_config(self):
        """The daemon.announce mapping of this node (sluiced writes table 100)."""
        extra = [p for p in self.prefixes if p != ZONES[self.zone] + "/32"]
        return ["table: %d" % ANNOUNCE_TABLE, "zone_ip: true",
                "prefixes: [%s]" % ", ".join(extra), "min_healthy_targets: 1",
                "liveness_timeout_ms: %d" % self.lab.liveness_ms,
                "drain_time: %d" % self.lab.drain_s]

    def write_config(self):
        announce = self.announce_config() if self.lab.announce == "sluiced" else None
        with open(self.config, "w") as f:
            f.write(self.config_text(announce, self.lab.node_extra))

    def bird_conf(self):
        sessions = [("to_router", self.addr["o"], ROUTER_IP, AS_ROUTER,
                     'proto = "sluice_kernel4"')]
        if self.az1:
            # the static default is `unreachable` while the zone IP is not announced: not sent
            for name, p, peer in (("to_servers", "i", SRV_BGP_IP),
                                  ("to_targets", "t", TGT_BGP_IP)):
                sessions.append((name, self.addr[p], peer, AS_SRV,
                                 'proto = "serving_default" && dest != RTD_UNREACHABLE'))
        return bird_node_conf(self.addr["o"], sessions, os.path.join(self.work, "bird.log"),
                              default_while=ZONES[self.zone] if self.az1 else None)

    # kernel side: where BGP, BFD and health checks live
    def kernel_dev(self, p):
        """The interface that holds the port's addresses in the node's kernel: the veth
        itself under sluice-xdp (XDP_PASS), the TAP of kernel_interface under sluice-dp."""
        return self.tap[p] if self.kind == "dp" else self.ifn[p]

    def kernel_setup(self):
        """Addresses, static neighbours on the kernel side (sluice-dp: once its TAPs
        exist)."""
        for p, _ in PORTS:
            dev = self.kernel_dev(p)
            self.ip("addr", "replace", self.addr[p] + "/24", "dev", dev)
            self.ip("link", "set", dev, "up")
        neigh = [(ROUTER_IP, MAC_BR["o"], "o"), (SRV_BGP_IP, MAC_BR["v"], "i"),
                 (TGT_BGP_IP, MAC_BR["t"], "t")]
        neigh += [(ip, MAC_BR["a"], "a") for ip, _ in APPLIANCES.values()]
        neigh += [(ip, MAC_BR["v"], "i") for ip in TRANSIT.values()]
        neigh += [(ip, MAC_BR["t"], "t") for ip, _ in SERVERS.values()]
        for ip, mac, p in neigh:
            self.ip("neigh", "replace", ip, "lladdr", mac, "nud", "permanent", "dev",
                    self.kernel_dev(p))

    # processes
    def start_dataplane(self, timeout=60):
        self.dp_runs += 1
        n = self.dp_runs
        log = self.dp_log = "dataplane.%d.log" % n
        common = ["--config", self.config, "--control", self.dp_sock, "--state-log",
                  self.state_log, "--stats-json", os.path.join(self.work, "stats.%d.json" % n)]
        dp_args = ["--idle-sleep", str(self.lab.idle_sleep_us)] if self.lab.idle_sleep_us \
            else []
        cmd, word = E.dataplane_cmd(self.kind, self.bin, self.lab.lcores, self.prefix, common,
                                    dp_args)
        if n == 1 and self.idx == 1:
            print("INFO: %s" % " ".join(cmd), flush=True)
        t0 = time.monotonic()
        self.start("dataplane", self.cmd_ns(*cmd), log)
        took = self.wait_dp("dataplane", log, t0, timeout, word=word)
        if self.kind == "xdp" and "generic" in self.log(log):
            raise Abort("%s: sluice-xdp fell back to generic XDP on a veth:\n%s"
                        % (self.label, self.log(log)))
        if self.kind == "dp":
            self.kernel_setup()  # the TAPs are new: addresses and neighbours again
        return took

    def kill_dataplane(self, sig=signal.SIGKILL):
        # a sluice-xdp killed with SIGKILL leaves its program attached (still forwarding with
        # the state it had); the next sluice-xdp takes it over (docs/xdp.md)
        return self.stop("dataplane", sig, timeout=30)

    def start_bird(self):
        conf = os.path.join(self.work, "bird.conf")
        with open(conf, "w") as f:
            f.write(self.bird_conf())
        self.start("bird", self.cmd_ns(*bird_cmd(conf, self.bird_sock,
                                                 os.path.join(self.work, "bird.pid"))),
                   "bird.out")

    def birdc(self, *args):
        return self.lab.birdc_sock(self.bird_sock, *args)

    # the manual announcement (before sluiced announces itself)
    def announce(self):
        """Write this node's routes into table 100 as sluiced does: blackhole routes (the
        node's kernel forwards nothing; BGP announces them with itself as next hop),
        protocol 250."""
        for p in self.prefixes:
            self.ip("route", "replace", "blackhole", p, "table", str(ANNOUNCE_TABLE), "proto",
                    str(RTPROT_SLUICE))

    def withdraw(self):
        for p in self.prefixes:
            self.ip("route", "del", p, "table", str(ANNOUNCE_TABLE), check=False)

    def table_routes(self):
        """The prefixes in table 100 (what the node's BIRD exports)."""
        res = self.ip("-j", "route", "show", "table", str(ANNOUNCE_TABLE), check=False)
        try:
            return sorted(r["dst"] if "/" in r["dst"] or r["dst"] == "default" else
                          r["dst"] + "/32" for r in json.loads(res.stdout or "[]"))
        except ValueError:
            return []

    def prefixes_table(self):
        """What table_routes() shows when the node announces."""
        return sorted(self.prefixes)

    def stats(self):
        try:
            return self.dp_stats()
        except (OSError, ValueError, Abort):
            return None

    def cleanup(self):
        super().cleanup()
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix), ignore_errors=True)


# --- the lab ------------------------------------------------------------------------------------

class FleetLab(lk.ProcLab):
    def __init__(self, kinds=DEFAULT_KINDS, zone2=True, announce=DEFAULT_ANNOUNCE,
                 dnat=DEFAULT_DNAT, build=None, keep=False, name="fleet", idle_sleep_us=100,
                 liveness_ms=1000, drain_s=3, web_group_extra=(), node_extra=()):
        super().__init__(name, keep)
        pid = self.pid
        self.bin = E.binaries(build or os.path.join(ROOT, "build"))
        self.announce = announce
        # DNAT connections under disruption: the nodes must adopt NLB flows and replies they
        # have no session for (a DNAT connection may cross any node both ways)
        self.dnat = dnat
        self.idle_sleep_us = idle_sleep_us
        self.liveness_ms, self.drain_s = liveness_ms, drain_s
        self.web_group_extra, self.node_extra = list(web_group_extra), list(node_extra)
        self.ns = {k: "fl%s-%d" % (k, pid) for k in ("c", "r", "a", "v")}
        self.br = {k: "br%s%d" % (k, pid) for k in ("o", "a", "v", "t")}
        self.ifc, self.ifr = "c0%d" % pid, "r0%d" % pid
        kinds = list(kinds) + (["xdp"] if zone2 else [])
        self.nodes = [Node(self, i + 1, k, "az2" if zone2 and i == len(kinds) - 1 else "az1")
                      for i, k in enumerate(kinds)]
        self.az1 = [n for n in self.nodes if n.zone == "az1"]
        self.blob = os.path.join(self.work, "blob.bin")
        self.blob_sha256 = None
        self.jobs = 0
        self.next_sport = 20000  # fixed client ports, never reused (TIME_WAIT, pinned flows)
        self.router_sock = os.path.join(self.work, "bird-router.ctl")
        self.srv_sock = os.path.join(self.work, "bird-servers.ctl")
        cpus = sorted(os.sched_getaffinity(0))
        self.lcores = "0@%d,1@%d" % (cpus[0], cpus[1 % len(cpus)])

    def ipn(self, k, *args, check=True):
        return self.run(["ip", "-n", self.ns[k]] + list(args), check=check)

    # --- topology ---------------------------------------------------------------------------

    def setup(self):
        """Namespaces, bridges, links, addresses, routes; the blob; appliances, servers."""
        for n in self.nodes:
            self.add_netns(n.ns, quiet=True)
        for k in ("c", "r", "a", "v"):
            self.add_netns(self.ns[k], quiet=True)
        self.sysctl(self.ns["c"], "net.ipv4.ip_local_port_range=43000 60999")
        self.sysctl(self.ns["r"], "net.ipv4.ip_forward=1",
                    "net.ipv4.fib_multipath_hash_policy=1", "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0")
        # the servers' replies are spread over the nodes by the same L4 hash
        self.sysctl(self.ns["v"], "net.ipv4.fib_multipath_hash_policy=1")
        # bridges: the router's segment with the nodes, the appliances', the servers'
        for k, bk, ip in (("r", "o", ROUTER_IP), ("a", "a", None), ("v", "v", SRV_BGP_IP),
                          ("v", "t", TGT_BGP_IP)):
            br = self.br[bk]
            self.ipn(k, "link", "add", br, "address", MAC_BR[bk], "type", "bridge",
                     "stp_state", "0", "forward_delay", "0")
            if ip:
                self.ipn(k, "addr", "add", ip + "/24", "dev", br)
            self.no_offload(self.ns[k], br)
        for ip, _ in APPLIANCES.values():
            self.ipn("a", "addr", "add", ip + "/24", "dev", self.br["a"])
        for ip in TRANSIT.values():
            self.ipn("v", "addr", "add", ip + "/24", "dev", self.br["v"])
        for ip, _ in SERVERS.values():
            self.ipn("v", "addr", "add", ip + "/24", "dev", self.br["t"])
        for bk in ("v", "t"):
            self.ipn("v", "link", "set", self.br[bk], "mtu", str(HOST_MTU))
        # client <-> router
        self.run(["ip", "link", "add", self.ifc, "netns", self.ns["c"], "address", MAC_CLIENT,
                  "mtu", str(HOST_MTU), "type", "veth", "peer", "name", self.ifr, "netns",
                  self.ns["r"], "address", MAC_ROUTER_CL, "mtu", str(HOST_MTU)])
        self.ipn("c", "addr", "add", CLIENT_IP + "/24", "dev", self.ifc)
        self.ipn("r", "addr", "add", ROUTER_CL_IP + "/24", "dev", self.ifr)
        for k, dev in (("c", self.ifc), ("r", self.ifr)):
            self.no_offload(self.ns[k], dev)
            self.ipn(k, "link", "set", dev, "up")
        self.ipn("c", "route", "add", "default", "via", ROUTER_CL_IP)
        self.ipn("c", "neigh", "replace", ROUTER_CL_IP, "lladdr", MAC_ROUTER_CL, "nud",
                 "permanent", "dev", self.ifc)
        self.ipn("r", "neigh", "replace", CLIENT_IP, "lladdr", MAC_CLIENT, "nud", "permanent",
                 "dev", self.ifr)
        # nodes: three ports each, their peers on the bridges
        pass_obj = E.pass_xdp_object(self)
        side = {"o": "r", "a": "a", "i": "v", "t": "v"}
        brk = {"o": "o", "a": "a", "i": "v", "t": "t"}
        for n in self.nodes:
            for p, _ in PORTS:
                k = side[p]
                self.run(["ip", "link", "add", n.ifn[p], "netns", n.ns, "address",
                          node_mac(n.idx, p), "type", "veth", "peer", "name", n.peer[p],
                          "netns", self.ns[k]])
                self.no_offload(n.ns, n.ifn[p])
                self.no_offload(self.ns[k], n.peer[p])
                self.ipn(k, "link", "set", n.peer[p], "master", self.br[brk[p]])
                if p in ("i", "t"):
                    self.ipn(k, "link", "set", n.peer[p], "mtu", str(HOST_MTU))
                # native XDP_TX / XDP_REDIRECT into a veth delivers only when its peer has an
                # XDP program (also for sluice-dp: harmless, and one topology for both)
                self.ipn(k, "link", "set", "dev", n.peer[p], "xdpdrv", "obj", pass_obj,
                         "sec", "xdp")
                self.ipn(k, "link", "set", n.peer[p], "up")
                n.ip("link", "set", n.ifn[p], "up")
                # the other side's neighbour entry for the node's address: static
                self.ipn(k, "neigh", "replace", n.addr[p], "lladdr", node_mac(n.idx, p),
                         "nud", "permanent", "dev", self.br[brk[p]])
            # the node's kernel forwards nothing: sluice does
            self.sysctl(n.ns, "net.ipv4.ip_forward=0")
            if n.kind == "xdp":
                n.kernel_setup()
        for k, bk in (("r", "o"), ("a", "a"), ("v", "v"), ("v", "t")):
            self.ipn(k, "link", "set", self.br[bk], "up")
        # the targets' replies: the default route of table 300 (ECMP over the az1 nodes'
        # targets ports, from BGP); their own segment stays on-link there
        self.ipn("v", "route", "add", TARGET_NET, "dev", self.br["t"], "table",
                 str(TARGETS_TABLE))
        self.ipn("v", "rule", "add", "from", TARGET_NET, "lookup", str(TARGETS_TABLE), "pref",
                 "200")
        # zone az2's server routes through the az2 node only (its own zone's gateway); the
        # az1 servers' default route comes from BGP (ECMP over the az1 nodes)
        z2 = [n for n in self.nodes if n.zone == "az2"]
        if z2:
            self.ipn("v", "route", "add", TARGET_NET, "dev", self.br["t"], "table", "200")
            self.ipn("v", "route", "add", "default", "via", z2[0].addr["t"], "table", "200")
            self.ipn("v", "rule", "add", "from", SERVERS["web-3"][0], "lookup", "200", "pref",
                     "100")
        with open(self.blob, "wb") as f:
            f.write(os.urandom(BLOB_SIZE))
        import hashlib
        with open(self.blob, "rb") as f:
            self.blob_sha256 = hashlib.sha256(f.read()).hexdigest()
        for n in self.nodes:
            n.write_config()
        for sid in list(SERVERS) + list(TRANSIT):
            self.start_server(sid)
        for aid in APPLIANCES:
            self.start_appliance(aid)

    # --- routers ------------------------------------------------------------------------------

    def start_routers(self):
        """The router's BIRD (sessions with every node's outside address) and the servers'
        (with the az1 nodes' inside addresses, into the main table, and their targets
        addresses, into table 300)."""
        def peers(nodes, p, tag):
            return [("%snode%d" % (tag, n.idx), n.addr[p], AS_NODE) for n in nodes]
        for who, k, router_id, asn, sock, sides in (
                ("router", "r", ROUTER_IP, AS_ROUTER, self.router_sock,
                 [("master4", None, ROUTER_IP, peers(self.nodes, "o", ""))]),
                ("servers", "v", SRV_BGP_IP, AS_SRV, self.srv_sock,
                 [("master4", None, SRV_BGP_IP, peers(self.az1, "i", "")),
                  ("targets4", TARGETS_TABLE, TGT_BGP_IP, peers(self.az1, "t", "t"))])):
            conf = os.path.join(self.work, "bird-%s.conf" % who)
            with open(conf, "w") as f:
                f.write(bird_router_conf(router_id, asn, sides,
                                         os.path.join(self.work, "bird-%s.log" % who)))
            self.start("bird-" + who, self.nsexec(self.ns[k], *bird_cmd(
                conf, sock, os.path.join(self.work, "bird-%s.pid" % who))),
                "bird-%s.out" % who)

    def birdc_sock(self, sock, *args):
        res = self.run(["birdc", "-s", sock] + list(args), check=False, timeout=10)
        return res.stdout

    def birdc(self, who, *args):
        """birdc of the router ("r") or the servers' BIRD ("v")."""
        return self.birdc_sock(self.router_sock if who == "r" else self.srv_sock, *args)

    def nexthops(self, k, prefix):
        """{gateway} of the kernel route for prefix in namespace k ("r" router, "v" servers;
        exact match); empty when there is none."""
        if k == "t":  # the targets' routes: the servers' namespace, table 300
            res = self.ipn("v", "-j", "route", "show", "table", str(TARGETS_TABLE), "exact",
                           prefix, check=False)
        else:
            res = self.ipn(k, "-j", "route", "show", "exact", prefix, check=False)
        try:
            routes = json.loads(res.stdout or "[]")
        except ValueError:
            return set()
        out = set()
        for r in routes:
            if r.get("gateway"):
                out.add(r["gateway"])
            for nh in r.get("nexthops", []):
                if nh.get("gateway"):
                    out.add(nh["gateway"])
        return out

    def router_nexthops(self, prefix):
        return self.nexthops("r", prefix)

    def wait_nexthops(self, k, prefix, want, timeout, poll=0.01):
        """Wait until namespace k's route for prefix has exactly the next hops `want` (a
        set of addresses); (ok, seconds, last seen)."""
        t0 = time.monotonic()
        seen = None
        while True:
            seen = self.nexthops(k, prefix)
            if seen == set(want):
                return True, time.monotonic() - t0, seen
            if time.monotonic() - t0 > timeout:
                return False, time.monotonic() - t0, seen
            time.sleep(poll)

    def node_for(self, sport, dport, dst, proto="tcp"):
        """The node the router sends the client's flow (CLIENT_IP:sport -> dst:dport) to now:
        the kernel's own ECMP choice (`ip route get` with the flow's ports)."""
        res = self.ipn("r", "route", "get", dst, "from", CLIENT_IP, "iif", self.ifr,
                       "ipproto", proto, "sport", str(sport), "dport", str(dport), check=False)
        m = re.search(r" via (\S+)", res.stdout)
        if not m:
            return None
        for n in self.nodes:
            if n.addr["o"] == m.group(1):
                return n
        return None

    # --- processes ------------------------------------------------------------------------------

    def start_server(self, sid):
        ip = SERVERS[sid][0] if sid in SERVERS else TRANSIT[sid]
        cmd = self.nsexec(self.ns["v"], PYTHON, AGENT, "serve", "--name", sid, "--address", ip,
                          "--blob", self.blob)
        for port in sorted({WEB_PORT, INSPECTED_PORT, TRANSIT_PORT}):
            cmd += ["--tcp-port", str(port), "--udp-port", str(port)]
        self.start("server-" + sid, cmd, "server-%s.log" % sid)
        self.wait_word("server-" + sid, "server-%s.log" % sid, "ready")

    def start_appliance(self, aid):
        ip = APPLIANCES[aid][0]
        log = "appl-%s.log" % aid
        cmd = [self.bin["sluice-appliance"], "--name", aid, "--address", ip, "--health-port",
               str(APP_HEALTH_PORT), "--quiet"]
        self.start("appl-" + aid, self.nsexec(self.ns["a"], *cmd), log)
        self.wait_word("appl-" + aid, log, "ready on")

    def start_all(self):
        """Routers, then per node: BIRD, dataplane, sluiced (and the manual announcement)."""
        self.start_routers()
        for n in self.nodes:
            n.start_bird()
            n.start_dataplane()
            n.start_sluiced()
            if self.announce == "manual":
                n.announce()

    def wait_healthy(self, timeout=30):
        """Every node has its zone's appliances and servers healthy (sluiced and dataplane;
        the other zone's targets are `unused` without cross-zone)."""
        for n in self.nodes:
            for group, ids in ((FW_GROUP, APPLIANCES), (WEB_GROUP, SERVERS)):
                want = {i: "healthy" for i, (_, z) in ids.items() if z == n.zone}
                ok, secs, seen = n.wait_states(want, timeout, group=group)
                if not ok:
                    raise Abort("%s: group %s not healthy within %d s: %s"
                                % (n.label, group, timeout, seen))

    def expected_routes(self):
        """{(namespace key, prefix): {next hop}} when every node serves."""
        z1 = {n.addr["o"] for n in self.az1}
        want = {("r", ZONES["az1"] + "/32"): z1, ("r", SERVER_NET): z1,
                ("v", "default"): {n.addr["i"] for n in self.az1},
                ("t", "default"): {n.addr["t"] for n in self.az1}}
        for n in self.nodes:
            if n.zone == "az2":
                want[("r", ZONES["az2"] + "/32")] = {n.addr["o"]}
        return want

    def wait_routes(self, timeout=30, without=()):
        """Wait until the router and the servers' kernel have every expected ECMP route
        (without: nodes left out); (ok, seconds, {(ns, prefix): seen})."""
        t0 = time.monotonic()
        skip_o = {n.addr["o"] for n in without}
        skip_i = {n.addr[p] for n in without for p in ("i", "t")}
        want = {k: v - skip_o - skip_i for k, v in self.expected_routes().items()}
        seen = {}
        while True:
            seen = {k: self.nexthops(*k) for k in want}
            if seen == want:
                return True, time.monotonic() - t0, seen
            if time.monotonic() - t0 > timeout:
                return False, time.monotonic() - t0, seen
            time.sleep(0.05)

    # --- clients --------------------------------------------------------------------------------

    def _client(self, args, name=None):
        self.jobs += 1
        name = name or "client%d" % self.jobs
        log = "%s.log" % name
        self.start(name, self.nsexec(self.ns["c"], PYTHON, AGENT, *args), log)
        return E.Job(self, name, log)

    def sports(self, n):
        """n fixed client source ports no earlier flow of this lab used: (first, last)."""
        first = self.next_sport
        self.next_sport += n
        if self.next_sport > 42999:  # the client's ephemeral ports start at 43000
            raise Abort("out of fixed client ports")
        return first, self.next_sport - 1

    def streams(self, host, port, count, rate_kbps, sports=None, timeout=90):
        """count concurrent paced downloads of the blob (long-lived TCP connections); a Job
        whose result is {ok, failed, conns}. Waits until every connection is established."""
        args = ["streams", "http://%s:%d/blob?rate=%d" % (host, port, rate_kbps), "--count",
                str(count), "--timeout", str(timeout)]
        if sports:
            args += ["--sports", sports]
        job = self._client(args)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "started" not in self.log(job.log):
            if not job.running():
                break
            time.sleep(0.05)
        return job

    def udpstream(self, host, port, flows, pps, seconds, sports=None):
        args = ["udpstream", host, str(port), "--flows", str(flows), "--pps", str(pps),
                "--seconds", str(seconds)]
        if sports:
            args += ["--sports", sports]
        return self._client(args)

    def udp(self, host, port, count=10, new_flows=True, timeout=1):
        args = ["udp", host, str(port), "--count", str(count), "--timeout", str(timeout),
                "--burst"]
        if new_flows:
            args.append("--new-flows")
        return self._client(args).result(count * timeout + 30)

    def intact(self, res):
        """The connections of a streams result whose body is not the blob (lost ones)."""
        return [c for c in res.get("conns", []) if not (c["ok"] and
                                                         c["sha256"] == self.blob_sha256)]

    # --- teardown -------------------------------------------------------------------------------

    def cleanup(self):
        for n in self.nodes:
            try:
                n.cleanup()
            except Exception as exc:  # keep cleaning up
                print("WARN: %s cleanup: %s" % (n.label, exc))
        super().cleanup()

    def teardown(self):
        self.cleanup()


def remnants(pid, work=None):
    """What a fleet lab of process pid left behind: namespaces, links, processes, DPDK
    runtime dirs (every list empty when it cleaned up)."""
    nss = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    cpid = str(pid)
    dpdk = [d for d in (os.listdir("/var/run/dpdk") if os.path.isdir("/var/run/dpdk") else [])
            if re.fullmatch(r"sluicefl\d+-" + cpid, d)]
    return {
        "namespaces": [n.split()[0] for n in nss.splitlines()
                       if re.fullmatch(r"fl[a-z0-9]+-" + cpid, n.split()[0])],
        "links": [m for m in re.findall(r"^\d+: ([^:@]+)", links, re.M)
                  if re.fullmatch("[a-z0-9]+" + cpid, m) and m[:2] in ("c0", "r0", "br")
                  or re.fullmatch(r"[nbt]\d[oait]" + cpid, m)],
        "processes": E.processes_naming(work) if work else [],
        "DPDK runtime dir": dpdk,
    }
