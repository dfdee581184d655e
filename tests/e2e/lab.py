#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The end-to-end lab: real kernel TCP/UDP through sluice (sluice-dp on net_af_packet, or
sluice-xdp natively), real sluice-appliance processes and real servers, driven by sluiced.

Topology (every name carries this process's PID; all of it is deleted at teardown, also when a
check fails or the process gets SIGTERM/SIGINT/SIGHUP):

  netns e2c<pid>: client         netns e2s<pid>: sluice-dp | sluice-xdp     netns e2v<pid>: servers
  c<pid> 10.0.1.2  <--veth-->  so<pid> outside     inside si<pid>  <--veth-->  v<pid> 10.0.2.21 web-1
   route 10.0.2.0/24            10.0.1.10 (zone az1's IP: listeners)                  10.0.2.22 web-2
   via 10.0.1.10                appliances sa<pid> 192.168.50.1            HTTP :8080 :9090 (/blob,
                                    ^ veth                                 /healthz), UDP echo
                                    v                                      :8080 :9090; default
                                a<pid> 192.168.50.11 fw-1                  route via 10.0.2.10
                                       192.168.50.12 fw-2                         ^ vm<pid>
                                       192.168.50.13 fw-3                         | 10.255.2.2
                                netns e2a<pid>: one sluice-appliance per          |
                                address (GENEVE :6081, health :80)                |
                                       ^ am<pid> 10.255.1.2                       |
                                       |                                          |
                                ma<pid> 10.255.1.1   netns e2m<pid>: sluiced   mv<pid> 10.255.2.1
                                (the management network: health checks reach the appliances
                                 and the servers here, never through sluice)

Config (one file for the dataplane and sluiced, see config_text()):
  - group `firewalls` (geneve; fw-1..3; HTTP health check :80 /healthz, interval 2 s, timeout
    1 s, thresholds 2/2; no_rebalance), attachment `ingress` from [outside, inside], chain
    [firewalls]: transit traffic client <-> 10.0.2.21/22 goes through an appliance both ways;
  - group `web` (tcp_udp; web-1, web-2 without a port: the listener's port is kept; HTTP check
    :8080 /healthz), listener `web` tcp_udp :8080 (plain NLB, destination NAT) and listener
    `inspected` tcp_udp :9090 with `inspect: ingress` (inspect, then balance).

Static neighbours everywhere (config and hosts), so nothing depends on who answers ARP. Host
veths have TX checksum offload, TSO and GSO off (a CHECKSUM_PARTIAL skb would leave with an
unfinished checksum) and MTU 1400 (room for the 68 bytes of GENEVE on the 1500-byte appliance
link). For sluice-xdp the hosts' veths get a trivial XDP_PASS program (native XDP_TX/REDIRECT
into a veth delivers only when its peer has one).

API (tests/e2e/run.py, and demo/live.py: what scripts/demo.sh runs):
    lab = Lab(kind="dp" | "xdp", build=BUILD_DIR, keep=False)
    lab.setup(); lab.start_dataplane(); lab.start_daemon()
    lab.wait_healthy()
    lab.http_get(host, port) -> {intact, bytes, sha256, served_by, ...} (background=True: a Job)
    lab.udp(host, port, count=N, new_flows=True | sports=[...], burst=True) -> {ok, lost, ...}
    lab.kill_appliance(name) / lab.start_appliance(name, delay_ms=...) / lab.appliance_stats(name)
    lab.blackhole_appliance(name) (toggle) / lab.passive = (N, W); lab.reload_config()
    lab.udpstream(host, port, sports, pps, seconds) -> Job
    lab.restart_dataplane() / lab.restart_daemon() / lab.sluicectl(...) / lab.teardown()
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "ctrl"))
sys.path.insert(0, os.path.join(ROOT, "tests", "live"))
import labkit as lk  # noqa: E402
from labkit import Abort, Report, skip, main_guard, enter_netns  # noqa: E402,F401

PYTHON = lk.PYTHON
AGENT = os.path.join(HERE, "agent.py")
SECRET_HEX = lk.SECRET_HEX
ENDPOINT_ID, ATTACHMENT_ID = lk.ENDPOINT_ID, lk.ATTACHMENT_ID

ZONE_IP, CLIENT_IP = "10.0.1.10", "10.0.1.2"
SL_APP_IP, SL_IN_IP = "192.168.50.1", "10.0.2.10"
APPLIANCES = {"fw-1": "192.168.50.11", "fw-2": "192.168.50.12", "fw-3": "192.168.50.13"}
SERVERS = {"web-1": "10.0.2.21", "web-2": "10.0.2.22"}
FW_GROUP, WEB_GROUP = "firewalls", "web"
WEB_PORT, INSPECTED_PORT = 8080, 9090      # listeners `web` and `inspected` (tcp_udp both)
APP_HEALTH_PORT = 80
HC_INTERVAL, HC_TIMEOUT, HC_HEALTHY, HC_UNHEALTHY = 2, 1, 2, 2
BLOB_SIZE = 4 << 20
HOST_MTU = 1400
AF_PACKET_ARGS = lk.AF_PACKET_ARGS
# Client source ports of new flows (Lab.fresh_ports): each used once in a lab's life. The
# kernel's ephemeral ports are random and come back, while sluice keeps the pins and NLB
# sessions of closed sockets until their idle timeout: a "new" flow on a reused port is an old
# one (it keeps its pin, dead appliance or not), and a flow to web-1:8080 from the port of a
# listener `web` session to web-1 has that session's 5-tuple on the inside, so sluice
# translates the server's reply as the session's (source VIP:8080: nlb_reply) and the client's
# socket, connected to web-1, never gets it (UdpNoPorts). Below the kernel's ephemeral range
# (43000-60999, setup()) and the checks' fixed ports (40001-40004, 42000-42023, 42200-42223).
FRESH_PORTS = (20000, 39999)
# MACs (02:5e:...: locally administered); the hosts' neighbours and sluice's are static
MAC = {"so": "02:5e:00:00:01:0a", "c": "02:5e:00:00:01:02",
       "sa": "02:5e:00:00:02:01", "a": "02:5e:00:00:02:fe",
       "si": "02:5e:00:00:03:0a", "v": "02:5e:00:00:03:02"}


def wait_log(proc, log_path, word, timeout):
    """Read log_path until it holds `word`, proc exits or timeout: the text read last."""
    text = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        text = open(log_path).read()
        if word in text:
            break
        time.sleep(0.1)
    return text


def pass_xdp_object(lab):
    """Build (once per work dir) the trivial XDP_PASS program of tests/live/run_xdp.py that
    the peers of sluice-xdp's veths need (native XDP_TX/REDIRECT into a veth delivers only
    when its peer has an XDP program); its object's path."""
    from run_xdp import TRIVIAL_C
    obj = os.path.join(lab.work, "pass.o")
    if os.path.exists(obj):
        return obj
    with open(obj + ".c", "w") as f:
        f.write(TRIVIAL_C)
    # <linux/bpf.h> needs <asm/types.h>, which Debian keeps under the multiarch dir
    arch = lab.run(["gcc", "-print-multiarch"], check=False).stdout.strip()
    inc = ["-I/usr/include/" + arch] if arch else []
    res = lab.run(["clang", "-O2", "-target", "bpf"] + inc + ["-c", obj + ".c", "-o", obj],
                  check=False)
    if res.returncode:
        raise Abort("clang cannot build a BPF object: %s" % res.stderr.strip()[:300])
    return obj


def dataplane_cmd(kind, bins, lcores, prefix, common, dp_args=()):
    """(command, word its log prints once it runs) of sluice-dp (af_packet vdevs in the
    config: no hugepages, no PCI, main lcore and workers from `lcores`, EAL file prefix
    `prefix`) or sluice-xdp; common: the options both take (--config, --control, ...);
    dp_args: sluice-dp's own extra options (e.g. --idle-sleep)."""
    if kind == "dp":
        # 1 GiB: with the default tables (flows, NAT sessions, fragments, neighbours) and
        # three af_packet ports of two queue pairs, 512 MiB no longer holds them
        return ([bins["sluice-dp"], "--lcores", lcores, "--no-huge", "-m", "1024", "--no-pci",
                 "--no-shconf", "--file-prefix", prefix, "--"] + list(common) + list(dp_args),
                "running")
    return [bins["sluice-xdp"]] + list(common), "attached to"


def binaries(build):
    """{name: path} of the programs the lab runs, from a meson build dir."""
    return {"sluice-dp": os.path.join(build, "dataplane", "sluice-dp"),
            "sluice-xdp": os.path.join(build, "bpf", "sluice-xdp"),
            "sluiced": os.path.join(build, "ctrl", "sluiced"),
            "sluicectl": os.path.join(build, "ctrl", "sluicectl"),
            "sluice-appliance": os.path.join(build, "appliance", "sluice-appliance")}


def preflight(name, kind, build):
    """Exit 77 unless root, netns, the tools and the binaries this kind needs are there."""
    b = binaries(build)
    need = [(k, b[k]) for k in ("sluiced", "sluicectl", "sluice-appliance")]
    need.append(("sluice-dp", b["sluice-dp"]) if kind == "dp" else ("sluice-xdp", b["sluice-xdp"]))
    tools = ("ip", "ethtool") + (("clang",) if kind == "xdp" else ())
    lk.preflight(name, need, tools=tools)


def in_netns(ns, fn, *args, timeout=30):
    """fn(*args) in a thread that entered netns ns (sockets it makes live there); its result."""
    out = {}

    def body():
        try:
            enter_netns(ns)
            out["v"] = fn(*args)
        except BaseException as exc:  # handed to the caller
            out["e"] = exc

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise Abort("%s in netns %s did not finish within %d s" % (fn.__name__, ns, timeout))
    if "e" in out:
        raise out["e"]
    return out["v"]


def _http_json(host, port, path, timeout=3):
    import http.client
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        return r.status, body
    finally:
        c.close()


def processes_naming(text):
    """['pid: command line'] of the processes (not this one) whose command line has text."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd and int(pid) != os.getpid():
            out.append("%s: %s" % (pid, cmd[:120]))
    return out


def remnants(pid, work=None):
    """What the lab built by process pid left on this machine, seen from outside that process:
    {"namespaces", "links", "processes" (command lines naming its work dir), "DPDK runtime
    dir"}: lists, every one empty when the lab cleaned up after itself."""
    cpid = str(pid)
    nss = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    dpdk = os.path.join("/var/run/dpdk", "sluicee2e%s" % cpid)
    return {
        "namespaces": [n.split()[0] for n in nss.splitlines()
                       if re.fullmatch("e2[a-z]" + cpid, n.split()[0])],
        "links": [m for m in re.findall(r"^\d+: ([^:@]+)", links, re.M)
                  if re.fullmatch("[a-z]+" + cpid, m)],
        "processes": processes_naming(work) if work else [],
        "DPDK runtime dir": [dpdk] if os.path.exists(dpdk) else [],
    }


class Job:
    """A client command running in the background; result() waits and parses its JSON line."""

    def __init__(self, lab, name, log):
        self.lab, self.name, self.log = lab, name, log

    def running(self):
        return self.lab.alive(self.name)

    def result(self, timeout=120):
        p = self.lab.procs.get(self.name)
        if p is not None:
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.lab.stop(self.name, signal.SIGKILL)
                return {"ok": False, "error": "still running after %d s" % timeout}
            self.lab.procs.pop(self.name, None)
        text = self.lab.log(self.log).strip().splitlines()
        try:
            return json.loads(text[-1])
        except (IndexError, ValueError):
            return {"ok": False, "error": "no result: %r" % "\n".join(text)[-500:]}


class Lab(lk.ProcLab):
    def __init__(self, kind="dp", build=None, workers=2, keep=False, name=None,
                 target_failover="no_rebalance", appliance_rules=None):
        if kind not in ("dp", "xdp"):
            raise ValueError("kind must be dp or xdp")
        super().__init__(name or "e2e-%s" % kind, keep)
        pid = self.pid
        self.kind = kind
        self.bin = binaries(build or os.path.join(ROOT, "build"))
        self.sluiced, self.sluicectl_bin = self.bin["sluiced"], self.bin["sluicectl"]
        self.workers = workers
        self.target_failover = target_failover
        self.appliance_rules = appliance_rules  # the text of every appliance's --rules file
        # the firewalls group's passive check: (passive_min_packets, passive_window) or None
        self.passive = None
        self.group = FW_GROUP
        self.ns = {k: "e2%s%d" % (k, pid) for k in ("c", "s", "a", "v", "m")}
        self.ns_daemon = self.ns["m"]
        self.ifn = {k: "%s%d" % (k, pid) for k in ("so", "c", "sa", "a", "si", "v", "ma", "am",
                                                    "mv", "vm")}
        self.prefix = "sluicee2e%d" % pid
        self.dp_sock = os.path.join(self.work, "dp.sock")
        self.api_sock = os.path.join(self.work, "sluiced.sock")
        self.state_log = os.path.join(self.work, "state.log")
        self.config = os.path.join(self.work, "sluice.yaml")
        self.blob = os.path.join(self.work, "blob.bin")
        self.blob_sha256 = None
        self.dp_runs = 0
        self.app_runs = {}
        self.jobs = 0
        self.next_port = FRESH_PORTS[0]
        cpus = sorted(os.sched_getaffinity(0))
        wcpu = cpus[1 % len(cpus)]
        self.lcores = ",".join(["0@%d" % cpus[0]] +
                               ["%d@%d" % (w, wcpu) for w in range(1, workers + 1)])

    # --- topology ------------------------------------------------------------------------

    def _link(self, a, ns_a, b, ns_b):
        args = ["ip", "link", "add", self.ifn[a], "netns", ns_a]
        if a in MAC:
            args += ["address", MAC[a]]
        args += ["type", "veth", "peer", "name", self.ifn[b], "netns", ns_b]
        if b in MAC:
            args += ["address", MAC[b]]
        self.run(args)

    def _ip(self, ns, *args):
        return self.run(["ip", "-n", self.ns[ns]] + list(args))

    def setup(self):
        """Namespaces, links, addresses, the blob, the config; servers and appliances up."""
        for k in ("c", "s", "a", "v", "m"):
            self.add_netns(self.ns[k], quiet=True)
        ns = self.ns
        # The checks use fixed client ports below 43000 (rules: 40001-40004, failover: 42000-
        # 42023), and the appliances' rules drop 40001/40002: ephemeral ports stay above them,
        # so a "new flow" never lands on a port a rule drops or a flow pinned by another check.
        self.sysctl(ns["c"], "net.ipv4.ip_local_port_range=43000 60999")
        self._link("so", ns["s"], "c", ns["c"])
        self._link("sa", ns["s"], "a", ns["a"])
        self._link("si", ns["s"], "v", ns["v"])
        self._link("ma", ns["m"], "am", ns["a"])
        self._link("mv", ns["m"], "vm", ns["v"])
        # sluice's kernel has no addresses: with af_packet it sees every frame too, and must
        # not answer any of them; with XDP nothing is passed to it but ARP, which it ignores
        self.sysctl(ns["s"], "net.ipv4.ip_forward=0")
        for k in ("so", "sa", "si"):
            self._ip("s", "link", "set", self.ifn[k], "up")
        hosts = [("c", "c", CLIENT_IP, [], ZONE_IP, "so"),
                 ("a", "a", None, list(APPLIANCES.values()), SL_APP_IP, "sa"),
                 ("v", "v", None, list(SERVERS.values()), SL_IN_IP, "si")]
        for nsk, ifk, ip, ips, sl_ip, sl_if in hosts:
            dev = self.ifn[ifk]
            for addr in ([ip] if ip else []) + ips:
                self._ip(nsk, "addr", "add", addr + "/24", "dev", dev)
            self.no_offload(ns[nsk], dev)
            if nsk != "a":
                self._ip(nsk, "link", "set", dev, "mtu", str(HOST_MTU))
            self._ip(nsk, "link", "set", dev, "up")
            self._ip(nsk, "neigh", "replace", sl_ip, "lladdr", MAC[sl_if], "nud", "permanent",
                     "dev", dev)
        self._ip("c", "route", "add", "10.0.2.0/24", "via", ZONE_IP)
        self._ip("v", "route", "add", "default", "via", SL_IN_IP)
        # management network: sluiced's health checks
        for mk, hk, hns, net, dst in (("ma", "am", "a", "10.255.1", "192.168.50.0/24"),
                                      ("mv", "vm", "v", "10.255.2", "10.0.2.0/24")):
            self._ip("m", "addr", "add", net + ".1/30", "dev", self.ifn[mk])
            self._ip("m", "link", "set", self.ifn[mk], "up")
            self._ip(hns, "addr", "add", net + ".2/30", "dev", self.ifn[hk])
            self._ip(hns, "link", "set", self.ifn[hk], "up")
            self._ip("m", "route", "add", dst, "via", net + ".2")
        if self.kind == "xdp":
            self._peer_xdp()
        with open(self.blob, "wb") as f:
            f.write(os.urandom(BLOB_SIZE))
        with open(self.blob, "rb") as f:
            self.blob_sha256 = hashlib.sha256(f.read()).hexdigest()
        with open(self.config, "w") as f:
            f.write(self.config_text())
        for sid in SERVERS:
            self.start_server(sid)
        for aid in APPLIANCES:
            self.start_appliance(aid)

    def _peer_xdp(self):
        obj = pass_xdp_object(self)
        for nsk, ifk in (("c", "c"), ("a", "a"), ("v", "v")):
            self._ip(nsk, "link", "set", "dev", self.ifn[ifk], "xdpdrv", "obj", obj,
                     "sec", "xdp")

    def config_text(self):
        if self.kind == "dp":
            dev = {k: "net_af_packet%d,iface=%s,%s" % (i, self.ifn[k],
                                                        AF_PACKET_ARGS % self.workers)
                   for i, k in enumerate(("so", "sa", "si"))}
        else:
            dev = {k: self.ifn[k] for k in ("so", "sa", "si")}
        hc = ("{ protocol: http, port: %%d, path: /healthz, interval: %d, timeout: %d, "
              "healthy_threshold: %d, unhealthy_threshold: %d }"
              % (HC_INTERVAL, HC_TIMEOUT, HC_HEALTHY, HC_UNHEALTHY))
        lines = [
            "# generated by tests/e2e/lab.py (%s)" % self.kind,
            'node: { zone: az1, cookie_secret: "%s" }' % SECRET_HEX,
            "zones: { az1: %s }" % ZONE_IP,
            "ports:",
            '  - { name: outside, device: "%s", addresses: [%s/24] }' % (dev["so"], ZONE_IP),
            '  - { name: appliances, device: "%s", addresses: [%s/24] }' % (dev["sa"],
                                                                           SL_APP_IP),
            '  - { name: inside, device: "%s", addresses: [%s/24] }' % (dev["si"], SL_IN_IP),
            "neighbors:",
            '  - { address: %s, mac: "%s" }' % (CLIENT_IP, MAC["c"]),
        ]
        lines += ['  - { address: %s, mac: "%s" }' % (ip, MAC["a"]) for ip in APPLIANCES.values()]
        lines += ['  - { address: %s, mac: "%s" }' % (ip, MAC["v"]) for ip in SERVERS.values()]
        lines += [
            "target_groups:",
            "  - name: %s" % FW_GROUP,
            "    protocol: geneve",
            "    target_failover: %s" % self.target_failover,
            "    deregistration_delay: 5",
            "    health_check: " + (hc % APP_HEALTH_PORT if not self.passive else
                                    hc[:-2] % APP_HEALTH_PORT +
                                    ", passive_min_packets: %d, passive_window: %d }"
                                    % self.passive),
            "    targets:",
        ]
        lines += ["      - { id: %s, address: %s, zone: az1 }" % kv for kv in APPLIANCES.items()]
        lines += [
            "  - name: %s" % WEB_GROUP,
            "    protocol: tcp_udp",
            "    deregistration_delay: 5",
            "    health_check: " + hc % WEB_PORT,
            "    targets:",
        ]
        lines += ["      - { id: %s, address: %s, zone: az1 }" % kv for kv in SERVERS.items()]
        lines += [
            "inspection:",
            "  - { name: ingress, endpoint_id: 0x%016x, attachment_id: 0x%016x, "
            "from: [outside, inside], chain: [%s] }" % (ENDPOINT_ID, ATTACHMENT_ID, FW_GROUP),
            "listeners:",
            "  - { name: web, protocol: tcp_udp, port: %d, target_group: %s }"
            % (WEB_PORT, WEB_GROUP),
            "  - { name: inspected, protocol: tcp_udp, port: %d, target_group: %s, "
            "inspect: ingress }" % (INSPECTED_PORT, WEB_GROUP),
            "daemon:",
            "  api_socket: %s" % self.api_sock,
            "  metrics_address: \"off\"",
            "  dataplanes: [%s]" % self.dp_sock,
            "  log_level: debug",
        ]
        return "\n".join(lines) + "\n"

    # --- servers and appliances -----------------------------------------------------------

    def start_server(self, sid):
        cmd = self.nsexec(self.ns["v"], PYTHON, AGENT, "serve", "--name", sid, "--address",
                          SERVERS[sid], "--tcp-port", str(WEB_PORT), "--tcp-port",
                          str(INSPECTED_PORT), "--udp-port", str(WEB_PORT), "--udp-port",
                          str(INSPECTED_PORT), "--blob", self.blob)
        log = "server-%s.log" % sid
        self.start("server-" + sid, cmd, log)
        self.wait_word("server-" + sid, log, "ready")

    def start_appliance(self, aid, delay_ms=0, rules=None):
        """Start (or restart: a running one is stopped first) appliance aid; waits for its
        ready line. rules: the text of a --rules file (None: the lab's appliance_rules)."""
        if rules is None:
            rules = self.appliance_rules
        if self.alive("appl-" + aid):
            self.stop("appl-" + aid, signal.SIGTERM)
        n = self.app_runs[aid] = self.app_runs.get(aid, 0) + 1
        cmd = [self.bin["sluice-appliance"], "--name", aid, "--address", APPLIANCES[aid],
               "--health-port", str(APP_HEALTH_PORT),
               "--stats-json", os.path.join(self.work, "appl-%s.%d.json" % (aid, n))]
        if delay_ms:
            cmd += ["--delay", str(delay_ms)]
        if rules is not None:
            path = os.path.join(self.work, "rules-%s.%d.txt" % (aid, n))
            with open(path, "w") as f:
                f.write(rules)
            cmd += ["--rules", path]
        log = "appl-%s.%d.log" % (aid, n)
        self.start("appl-" + aid, self.nsexec(self.ns["a"], *cmd), log)
        self.wait_word("appl-" + aid, log, "ready on")

    def blackhole_appliance(self, aid):
        """Toggle appliance aid's blackhole (SIGRTMIN): it returns no GENEVE while /healthz
        stays as it is."""
        p = self.procs.get("appl-" + aid)
        if p is None or p.poll() is not None:
            raise Abort("appliance %s is not running" % aid)
        os.kill(p.pid, signal.SIGRTMIN)  # `ip netns exec` execs: the appliance's own PID

    def kill_appliance(self, aid, sig=signal.SIGKILL):
        """Stop appliance aid (SIGKILL by default: no goodbye); its exit status."""
        return self.stop("appl-" + aid, sig)

    def appliance_stats(self, aid):
        """The /stats JSON of appliance aid (through the management network); None when it
        does not answer."""
        try:
            status, body = in_netns(self.ns["m"], _http_json, APPLIANCES[aid], APP_HEALTH_PORT,
                                    "/stats")
        except (OSError, Abort):
            return None
        if status != 200:
            return None
        return json.loads(body)

    # --- dataplane and daemon -------------------------------------------------------------

    def start_dataplane(self, timeout=60):
        """Start sluice-dp (af_packet) or sluice-xdp (native) in the sluice namespace with
        --control; wait until it answers on the control socket. Seconds taken."""
        self.dp_runs += 1
        n = self.dp_runs
        log = self.dp_log = "sluice-%s.%d.log" % (self.kind, n)
        common = ["--config", self.config, "--control", self.dp_sock, "--state-log",
                  self.state_log, "--stats-json", os.path.join(self.work, "stats.%d.json" % n)]
        cmd, word = dataplane_cmd(self.kind, self.bin, self.lcores, self.prefix, common)
        if n == 1:
            print("INFO: %s" % " ".join(cmd), flush=True)
        t0 = time.monotonic()
        self.start("dataplane", self.nsexec(self.ns["s"], *cmd), log)
        took = self.wait_dp("dataplane", log, t0, timeout, word=word)
        if self.kind == "xdp" and "generic" in self.log(log):
            raise Abort("sluice-xdp fell back to generic XDP on a veth:\n%s" % self.log(log))
        return took

    def stop_dataplane(self, sig=signal.SIGINT):
        """Stop the dataplane; its last --stats-json (None if it wrote none)."""
        self.stop("dataplane", sig, timeout=15)
        try:
            with open(os.path.join(self.work, "stats.%d.json" % self.dp_runs)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def restart_dataplane(self, sig=signal.SIGINT):
        """Stop and start the dataplane: (seconds it was gone, seconds it took to start)."""
        t0 = time.monotonic()
        self.stop_dataplane(sig)
        took = self.start_dataplane()
        return time.monotonic() - t0, took

    def start_daemon(self):
        return self.start_sluiced()

    def stop_daemon(self, sig=signal.SIGTERM):
        return self.stop("sluiced", sig)

    def restart_daemon(self, sig=signal.SIGTERM):
        self.stop_daemon(sig)
        return self.start_daemon()

    def reload_config(self):
        """Write config_text() again and `sluicectl reload` it (sluiced only: the dataplane
        keeps the file it started with). The reload's reply."""
        with open(self.config, "w") as f:
            f.write(self.config_text())
        rc, out, err = self.ctl("reload")
        if rc != 0:
            raise Abort("sluicectl reload: exit %d: %s" % (rc, err))
        return out

    def sluicectl(self, *args, as_json=False, timeout=10):
        """sluicectl against the lab's daemon: (exit code, output (parsed with as_json),
        stderr)."""
        return self.ctl(*args, as_json=as_json, timeout=timeout)

    def wait_healthy(self, timeout=30):
        """Wait until every appliance and server is healthy in sluiced and the dataplane."""
        for group, ids in ((FW_GROUP, APPLIANCES), (WEB_GROUP, SERVERS)):
            ok, secs, seen = self.wait_states({i: "healthy" for i in ids}, timeout, group=group)
            if not ok:
                raise Abort("group %s not healthy within %d s: %s" % (group, timeout, seen))

    def kernel_losses(self):
        """Where the kernels of the client, sluice, appliance and server namespaces dropped
        datagrams: their UDP counters (nstat: errors, NoPorts) and their veth links' receive
        drops. For the report of a check that lost a datagram sluice says it forwarded."""
        out = {}
        for k, link in (("c", "c"), ("s", "so"), ("a", "a"), ("v", "v")):
            r = subprocess.run(self.nsexec(self.ns[k], "nstat", "-asz"), capture_output=True,
                               text=True)
            out[k + ":udp"] = {ln.split()[0]: int(ln.split()[1]) for ln in r.stdout.splitlines()
                               if ln.startswith("Udp") and len(ln.split()) > 1
                               and ln.split()[1].isdigit() and int(ln.split()[1])}
            r = subprocess.run(["ip", "-n", self.ns[k], "-s", "-j", "link", "show",
                                self.ifn[link]], capture_output=True, text=True)
            try:
                st = json.loads(r.stdout)[0]["stats64"]["rx"]
                out[k + ":rx"] = {"packets": st["packets"], "dropped": st["dropped"]}
            except (ValueError, LookupError):
                out[k + ":rx"] = r.stderr.strip()
            r = subprocess.run(self.nsexec(self.ns[k], "ethtool", "-S", self.ifn[link]),
                               capture_output=True, text=True)
            out[k + ":veth"] = {a.strip(): int(b) for a, _, b in
                                (ln.partition(":") for ln in r.stdout.splitlines()[1:])
                                if b.strip().isdigit() and int(b) and
                                ("drop" in a or "err" in a or "full" in a)}
        return out

    def dp_counters(self):
        """The dataplane's stats through its control socket (events, drops, targets...)."""
        return self.dp_stats()

    def pins(self, sports, peer, group=FW_GROUP):
        """{client source port: target id} of the client's UDP flows with `peer` pinned in
        the dataplane's flow table (keys are in canonical order: either end may be first)."""
        flows, _ = self.flows(group)
        want = set(sports)
        out = {}
        for f in flows:
            if f.get("proto") != "udp":
                continue
            for a, ap, b in (("src", "sport", "dst"), ("dst", "dport", "src")):
                if f.get(a) == CLIENT_IP and f.get(b) == peer and f.get(ap) in want:
                    out[f[ap]] = f.get("target")
        return out

    # --- client -----------------------------------------------------------------------------

    def _client(self, args, background, timeout):
        self.jobs += 1
        name = "client%d" % self.jobs
        log = name + ".log"
        cmd = self.nsexec(self.ns["c"], PYTHON, AGENT, *args)
        self.start(name, cmd, log)
        job = Job(self, name, log)
        return job if background else job.result(timeout)

    def fresh_ports(self, n):
        """n client source ports no flow of this lab has used (FRESH_PORTS): new flows."""
        if self.next_port + n - 1 > FRESH_PORTS[1]:
            raise Abort("the lab has used all %d of its fresh client ports"
                        % (FRESH_PORTS[1] - FRESH_PORTS[0] + 1))
        self.next_port += n
        return list(range(self.next_port - n, self.next_port))

    def http_get(self, host, port, rate_kbps=0, sport=0, background=False, timeout=60):
        """GET /blob from the client, from source port sport (0: a fresh one, fresh_ports):
        {ok, status, bytes, sha256, served_by, seconds, error, intact} (intact: the body's
        sha256 is the blob's) or, background, a Job."""
        path = "/blob" + ("?rate=%d" % rate_kbps if rate_kbps else "")
        args = ["get", "http://%s:%d%s" % (host, port, path), "--timeout", str(timeout),
                "--sport", str(sport or self.fresh_ports(1)[0])]
        job = self._client(args, True, timeout)
        if background:
            return job
        return self.check_download(job.result(timeout + 10))

    def check_download(self, res):
        res["intact"] = bool(res.get("ok")) and res.get("sha256") == self.blob_sha256
        return res

    def udp(self, host, port, count=10, size=200, sport=0, sports=None, new_flows=False,
            burst=False, interval=0, timeout=2, background=False):
        """UDP request/response from the client (agent.py udp): {sent, ok, lost, served_by,
        rtt_ms, sports, ok_sports, lost_sports} or, background, a Job. sports: fixed source
        ports (a list), one flow each; new_flows: each request on a fresh port (fresh_ports)."""
        if new_flows and not sports:
            sports = self.fresh_ports(count)
        args = ["udp", host, str(port), "--count", str(count), "--size", str(size),
                "--timeout", str(timeout), "--interval", str(interval)]
        if sport:
            args += ["--sport", str(sport)]
        if sports:
            args += ["--sports", ",".join(str(p) for p in sports)]
        if new_flows:
            args.append("--new-flows")
        if burst:
            args.append("--burst")
        return self._client(args, background, count * (timeout + interval) + 30)

    def udpstream(self, host, port, sports, pps, seconds, timeout=1):
        """Paced UDP requests round-robin over the fixed flows `sports` (agent.py udpstream),
        in the background: a Job whose result is {sent, ok, lost, served_by, lost_by_flow,
        lost_at}."""
        args = ["udpstream", host, str(port), "--flows", str(len(sports)), "--pps", str(pps),
                "--seconds", str(seconds), "--timeout", str(timeout),
                "--sports", ",".join(str(p) for p in sports)]
        return self._client(args, True, seconds + timeout + 30)

    # --- teardown ---------------------------------------------------------------------------

    def teardown(self):
        """Stop every process and delete every namespace (their links go with them)."""
        self.cleanup()

    def cleanup(self):
        super().cleanup()
        links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                               text=True).stdout
        for ifname in self.ifn.values():
            if (" %s@" % ifname) in links or (" %s:" % ifname) in links:
                subprocess.run(["ip", "link", "del", ifname], capture_output=True)
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix), ignore_errors=True)

    def leftovers(self):
        """Namespaces and links of this lab still present (empty after teardown)."""
        nss = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                               text=True).stdout
        out = [n for n in self.ns.values() if n in nss.split()]
        out += [i for i in self.ifn.values() if (" %s@" % i) in links or (" %s:" % i) in links]
        out += [n for n, p in self.procs.items() if p.poll() is None]
        return out
