#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Shared lab for the sluiced + sluice-dp tests (test_daemon_dp.py, test_churn.py).

Topology (every name carries the test's PID; all of it is deleted at the end, also on failure
or SIGTERM):

    netns slcc<pid>: client          netns sld<pid>: sluice-dp          netns sla<pid>: appliances
    cc<pid> 10.0.1.2  <-veth->  dso<pid> outside   appliances dsa<pid>  <-veth->  ca<pid>
                                 net_af_packet0     net_af_packet1        192.168.50.11..20
                                                                           health servers
                                                                           sluiced

sluice-dp runs as in tests/live/run_live.py (af_packet vdevs, --no-huge -m 512 --no-pci
--no-shconf, the main lcore on the first CPU and the workers on the second) with --control
and --state-log. sluiced runs inside the appliance namespace, so its health checks reach the
appliance addresses locally; the health servers are sockets of this process created inside that
namespace (a thread that setns()es there). The Unix sockets (the dataplane's control socket,
sluiced's API) live in the work dir and work across namespaces. The appliances' static
neighbours point at MACs no kernel owns, so the appliance kernel never answers the GENEVE frames
(it drops them as PACKET_OTHERHOST); a dumpcap on its veth records them.

Also a helper entry point: `labkit.py --helper-send IFACE PCAP PPS` sends a pcap's frames on
IFACE through a raw socket, paced to PPS (run inside the client namespace).
"""

import json
import os
import queue
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib.csum import csum  # noqa: E402,F401
from pylib import frames  # noqa: E402
from pylib.frames import mac_b  # noqa: E402,F401
from pylib.netns import NetnsLab, enter_netns, helper_send, preflight  # noqa: E402,F401
from pylib.pcapio import read_capture as read_pcap, write_frames as write_pcap  # noqa: E402,F401
from pylib.report import SKIP, Abort, Report, skip  # noqa: E402,F401

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

GENEVE_PORT = 6081
GWLB_CLASS = 0x0108
ENDPOINT_ID = 0x0A0B0C0D01020304
ATTACHMENT_ID = 0x1122334455667788
SECRET_HEX = "000102030405060708090a0b0c0d0e0f"
GROUP = "firewalls"
ZONE = "az1"

SL_OUT_IP, SL_APP_IP, CL_IP, NH_IP = "10.0.1.10", "192.168.50.1", "10.0.1.2", "10.0.1.1"
SL_OUT_MAC, SL_APP_MAC = "02:5c:00:00:01:0a", "02:5c:00:00:02:01"
CL_MAC, AP_MAC = "02:5c:00:00:01:02", "02:5c:00:00:02:fe"
NH_MAC = "02:5c:00:00:01:01"
# appliance addresses (all on the appliance veth) and the MACs the static neighbours give them
APP_IPS = ["192.168.50.%d" % i for i in range(11, 21)]
APP_MAC = {ip: "02:5c:00:00:02:%02x" % int(ip.split(".")[3]) for ip in APP_IPS}
AF_PACKET_ARGS = "qpairs=%d,blocksz=102400,framesz=1600,framecnt=2048"
HEALTH_PORT = 8080
MAGIC = b"SLCTL"  # payload marker of our inner packets: MAGIC + u32 id + u8 tag
INNER_OFF = 14 + 20 + 8 + 8 + 32  # Ethernet + outer IPv4 + UDP + GENEVE + options



# --- frames -----------------------------------------------------------------------------------

def udp_frame(pid, tag, src, dst, sport, dport):
    """An Ethernet/IPv4/UDP frame from the client to sluice's outside port whose payload
    carries MAGIC, the packet id pid (u32) and a tag byte; padded to 60 bytes."""
    payload = MAGIC + struct.pack("!IB", pid, tag) + b"sluice-ctrl-test"
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = frames.ipv4(socket.inet_aton(src), socket.inet_aton(dst), 17, udp, pid, ttl=61)
    fr = mac_b(SL_OUT_MAC) + mac_b(CL_MAC) + b"\x08\x00" + ip
    if len(fr) < 60:
        fr += b"\0" * (60 - len(fr))
    return fr


def unique_src(i):
    """A distinct client address for packet index i (0 <= i < 4M): 10.64.0.0/10."""
    return "10.%d.%d.%d" % (64 + (i >> 16), (i >> 8) & 255, i & 255)


def decode_geneve(fr):
    """(appliance IPv4, inner L3 bytes, packet id, tag, problem) of one of sluice's GENEVE
    frames to an appliance; problem is None when it is well formed and one of ours."""
    if len(fr) < INNER_OFF + 20 or fr[12:14] != b"\x08\x00" or fr[23] != 17:
        return None, None, None, None, "not IPv4/UDP"
    if struct.unpack("!H", fr[36:38])[0] != GENEVE_PORT:
        return None, None, None, None, "not to UDP 6081"
    g = fr[42:]
    optlen = (g[0] & 0x3F) * 4
    if optlen != 32 or g[0] >> 6 != 0:
        return None, None, None, None, "GENEVE options length %d" % optlen
    opts = g[8:40]
    if (struct.unpack("!HB", opts[0:3]) != (GWLB_CLASS, 1) or
            int.from_bytes(opts[4:12], "big") != ENDPOINT_ID or
            int.from_bytes(opts[16:24], "big") != ATTACHMENT_ID):
        return None, None, None, None, "GENEVE options not endpoint/attachment"
    app = socket.inet_ntoa(fr[30:34])
    inner = fr[INNER_OFF:]
    if inner[0] >> 4 != 4:
        return app, inner, None, None, "inner not IPv4"
    ihl = (inner[0] & 15) * 4
    pl = inner[ihl + 8:]
    if not pl.startswith(MAGIC):
        return app, inner, None, None, "inner payload not ours"
    pid, tag = struct.unpack("!IB", pl[len(MAGIC):len(MAGIC) + 5])
    return app, inner, pid, tag, None


class HealthServers:
    """TCP/HTTP health endpoints on (address, port) inside a namespace, switched up and down.

    Modes: "up" (accepts; answers an HTTP request with 200), "503" (accepts; HTTP 503), "down"
    (nothing listens: connections are refused). A plain TCP connect check passes in "up" and
    "503"; an HTTP check only in "up". Every socket lives in one thread that entered the
    namespace; set() waits until the change is in place and returns the time it took effect.
    """

    def __init__(self, netns):
        self.netns = netns
        self.cmds = queue.Queue()
        self.rd, self.wr = os.pipe()
        self.listeners = {}  # (ip, port) -> [socket, mode]
        self.conns = {}      # socket -> (key, deadline)
        self.accepts = {}    # (ip, port) -> connections accepted
        self.error = None
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="health", daemon=True)
        ready = threading.Event()
        self._ready = ready
        self.thread.start()
        ready.wait(10)
        if self.error:
            raise Abort("health servers: %s" % self.error)

    def _run(self):
        try:
            enter_netns(self.netns)
        except OSError as exc:
            self.error = str(exc)
            self._ready.set()
            return
        sel = selectors.DefaultSelector()
        sel.register(self.rd, selectors.EVENT_READ, "cmd")
        self._ready.set()
        while not self.stopping:
            for key, _ in sel.select(timeout=0.5):
                if key.data == "cmd":
                    os.read(self.rd, 4096)
                    while True:
                        try:
                            cmd, done = self.cmds.get_nowait()
                        except queue.Empty:
                            break
                        try:
                            self._apply(sel, *cmd)
                            done.append(time.time())
                        except Exception as exc:  # reported to the caller
                            done.append(exc)
                        done_ev = done[0]
                        done_ev.set()
                elif key.data[0] == "listen":
                    lkey = key.data[1]
                    try:
                        c, _ = key.fileobj.accept()
                    except OSError:
                        continue
                    c.setblocking(False)
                    self.accepts[lkey] = self.accepts.get(lkey, 0) + 1
                    self.conns[c] = (lkey, time.monotonic() + 5)
                    sel.register(c, selectors.EVENT_READ, ("conn", lkey))
                else:
                    self._serve(sel, key.fileobj, key.data[1])
            now = time.monotonic()
            for c, (_, deadline) in list(self.conns.items()):
                if deadline < now:
                    self._close(sel, c)
        for c in list(self.conns):
            self._close(sel, c)
        for s, _ in self.listeners.values():
            s.close()

    def _close(self, sel, c):
        try:
            sel.unregister(c)
        except (KeyError, ValueError):
            pass
        self.conns.pop(c, None)
        c.close()

    def _serve(self, sel, c, lkey):
        try:
            data = c.recv(4096)
        except OSError:
            data = b""
        if data:
            ent = self.listeners.get(lkey)
            mode = ent[1] if ent else "down"
            if b"HTTP/" in data:
                code = b"200 OK" if mode == "up" else b"503 Service Unavailable"
                body = b"ok\n" if mode == "up" else b"down\n"
                try:
                    c.send(b"HTTP/1.1 " + code + b"\r\nContent-Type: text/plain\r\n"
                           b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
                except OSError:
                    pass
            else:
                return  # wait for the rest of the request (or EOF)
        self._close(sel, c)

    def _apply(self, sel, ip, port, mode):
        key = (ip, port)
        ent = self.listeners.get(key)
        if mode == "down":
            if ent:
                sel.unregister(ent[0])
                ent[0].close()
                del self.listeners[key]
                for c, (k, _) in list(self.conns.items()):
                    if k == key:
                        self._close(sel, c)
            return
        if mode not in ("up", "503"):
            raise ValueError("mode %r" % mode)
        if ent:
            ent[1] = mode
            return
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, port))
        s.listen(128)
        s.setblocking(False)
        self.listeners[key] = [s, mode]
        sel.register(s, selectors.EVENT_READ, ("listen", key))

    def set(self, ip, mode, port=HEALTH_PORT):
        ev = threading.Event()
        done = [ev]
        self.cmds.put(((ip, port, mode), done))
        os.write(self.wr, b"x")
        if not ev.wait(10):
            raise Abort("health server thread did not answer")
        if isinstance(done[1], Exception):
            raise Abort("health server %s:%d %s: %s" % (ip, port, mode, done[1]))
        return done[1]

    def stop(self):
        self.stopping = True
        try:
            os.write(self.wr, b"x")
        except OSError:
            pass
        self.thread.join(5)


# --- the lab ----------------------------------------------------------------------------------

class ProcLab(NetnsLab):
    """What every namespace lab shares (this file's Lab, tests/e2e/lab.py): a work dir, the
    processes it started (by name; stopped by PID), the namespaces it created (deleted at
    cleanup) (pylib.netns.NetnsLab), a dataplane's control socket and sluiced's API through
    sluicectl.

    Subclasses set dp_sock, api_sock, config, sluiced, sluicectl_bin, ns_daemon (where sluiced runs) and
    group (the default target group of ctl_targets / dp_state / wait_states)."""

    def __init__(self, name, keep=False, work=None):
        """work: the work dir (created if missing; a lab of several nodes gives each its own
        under the lab's); None: a new temporary one."""
        if work:
            os.makedirs(work, exist_ok=True)
        super().__init__(work or tempfile.mkdtemp(prefix="sluice-%s-" % name))
        self.name = name
        self.pid = os.getpid()
        self.keep = keep
        self.sd_runs = 0

    def keep_kernel_off(self, ns, *ifnames):
        """The kernel of ns leaves the frames of these af_packet interfaces to sluice-dp: with a
        kernel_interface (the exception path) it holds the port's addresses on the TAP and would
        otherwise answer ARP and ping on the interface too (af_packet only copies frames).
        Strict reverse path (every source routes via the TAP or nowhere), no ARP replies, no
        IPv6 on them."""
        for ifname in ifnames:
            self.run(self.nsexec(ns, "sysctl", "-qw", "net.ipv4.conf.%s.rp_filter=1" % ifname,
                                 "net.ipv4.conf.%s.arp_ignore=8" % ifname,
                                 "net.ipv6.conf.%s.disable_ipv6=1" % ifname))

    # the dataplane's control socket
    def wait_dp(self, what, log, t0, timeout, word=None):
        """Wait until the dataplane started at t0 has printed `word` (if given) to its log and
        answers `state` on dp_sock; the seconds since t0."""
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.dp_sock) and (word is None or word in self.log(log)):
                try:
                    if self.dp_request("state", timeout=2).get("ok"):
                        return time.monotonic() - t0
                except (OSError, ValueError):
                    pass
            if not self.alive(what):
                break
            time.sleep(0.1)
        raise Abort("%s did not come up with its control socket %s:\n%s"
                    % (what, self.dp_sock, self.log(log)[-3000:]))

    def dp_request(self, op, timeout=5, **members):
        """One request on the dataplane's control socket (docs/protocol.md); the reply."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.dp_sock)
            req = dict(v=1, id=1, op=op)
            req.update(members)
            s.sendall(json.dumps(req).encode() + b"\n")
            buf = b""
            while b"\n" not in buf:
                d = s.recv(1 << 20)
                if not d:
                    raise OSError("control socket closed without a reply")
                buf += d
        finally:
            s.close()
        return json.loads(buf.split(b"\n")[0])

    def dp_state(self, group=None):
        """{generation, targets: {id: {state, address, weight, in_zone}}, mode} of a group."""
        group = group or self.group
        r = self.dp_request("state")
        if not r.get("ok"):
            raise Abort("dataplane state: %s" % r)
        for g in r.get("groups", []):
            if g.get("name") == group:
                return {"generation": r.get("generation"), "mode": g.get("mode"),
                        "targets": {t["id"]: t for t in g.get("targets", [])}}
        raise Abort("dataplane state has no group %s: %s" % (group, r))

    def flows(self, group=None, limit=10000):
        """(flows, sessions) the dataplane lists (protocol `flows`)."""
        members = {"limit": limit}
        if group:
            members["group"] = group
        r = self.dp_request("flows", **members)
        if not r.get("ok"):
            raise Abort("flows: %s" % r)
        return r.get("flows", []), r.get("sessions", [])

    def dp_stats(self):
        r = self.dp_request("stats")
        if not r.get("ok"):
            raise Abort("dataplane stats: %s" % r)
        return r.get("stats", {})

    # sluiced / sluicectl
    def start_sluiced(self, timeout=20):
        """Start sluiced --config in ns_daemon; wait until `sluicectl status` answers."""
        self.sd_runs += 1
        log = "sluiced.%d.log" % self.sd_runs
        self.sd_log = log
        cmd = self.nsexec(self.ns_daemon, self.sluiced, "--config", self.config,
                          "--log-level", "debug")
        if self.sd_runs == 1:
            print("INFO: sluiced: %s" % " ".join(cmd[4:]), flush=True)
        t0 = time.monotonic()
        self.start("sluiced", cmd, log)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.api_sock):
                rc, _, _ = self.ctl("status", timeout=3)
                if rc == 0:
                    return time.monotonic() - t0
            if not self.alive("sluiced"):
                break
            time.sleep(0.1)
        raise Abort("sluiced did not come up (API socket %s):\n%s"
                    % (self.api_sock, self.log(log)[-3000:]))

    def ctl(self, *args, timeout=10, as_json=True):
        """sluicectl --socket API [--json] ARGS: (exit code, parsed JSON or text, stderr)."""
        cmd = [self.sluicectl_bin, "--socket", self.api_sock] + (["--json"] if as_json else []) + \
            list(args)
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return 124, None, "timed out: %s" % " ".join(cmd)
        out = res.stdout
        if as_json and res.returncode == 0:
            try:
                out = json.loads(out)
            except ValueError:
                return 99, None, "not JSON: %r" % res.stdout[:500]
        return res.returncode, out, res.stderr.strip()

    def ctl_targets(self, group=None):
        """{id: target object} from `sluicectl --json targets GROUP`."""
        group = group or self.group
        rc, out, err = self.ctl("targets", group)
        if rc != 0 or not isinstance(out, dict):
            raise Abort("sluicectl targets: exit %d: %s" % (rc, err))
        return {t["id"]: t for t in out.get("targets", []) if t.get("group", group) == group}

    def wait_states(self, want, timeout, dp_too=True, group=None):
        """Wait until sluicectl targets (and the dataplane's state when dp_too) show every
        target of `want` ({id: state, or None = absent}). (ok, seconds, last seen)."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        seen = {}
        while True:
            try:
                tg = self.ctl_targets(group)
                seen = {"sluiced": {k: v.get("state") for k, v in tg.items()}}
                ok = all(seen["sluiced"].get(k) == v for k, v in want.items())
                if ok and dp_too:
                    st = self.dp_state(group)
                    seen["dp"] = {k: v.get("state") for k, v in st["targets"].items()}
                    ok = all(seen["dp"].get(k) == v for k, v in want.items())
                if ok:
                    return True, time.monotonic() - t0, seen
            except (Abort, OSError, ValueError) as exc:
                seen = {"error": str(exc)}
            if time.monotonic() >= deadline:
                return False, time.monotonic() - t0, seen
            time.sleep(0.1)


class Lab(ProcLab):
    def __init__(self, name, sluice_dp, sluiced, sluicectl, workers=2, keep=False):
        super().__init__(name, keep)
        pid = self.pid
        self.group = GROUP
        self.sluice_dp, self.sluiced, self.sluicectl_bin = sluice_dp, sluiced, sluicectl
        self.workers = workers
        self.ns_dp, self.ns_cl, self.ns_ap = "sld%d" % pid, "slcc%d" % pid, "sla%d" % pid
        self.ns_daemon = self.ns_ap
        self.if_so, self.if_co = "dso%d" % pid, "cc%d" % pid
        self.if_sa, self.if_ap = "dsa%d" % pid, "ca%d" % pid
        self.prefix = "sluicectl%d" % pid
        self.health = None
        self.dp_sock = os.path.join(self.work, "dp.sock")
        self.api_sock = os.path.join(self.work, "sluiced.sock")
        self.state_log = os.path.join(self.work, "state.log")
        self.config = os.path.join(self.work, "sluice.yaml")
        cpus = sorted(os.sched_getaffinity(0))
        wcpu = cpus[1 % len(cpus)]
        self.lcores = ",".join(["0@%d" % cpus[0]] +
                               ["%d@%d" % (w, wcpu) for w in range(1, workers + 1)])
        self.dp_runs = 0

    def cleanup(self):
        if self.health:
            self.health.stop()
            self.health = None
        super().cleanup()
        self.remove_links(self.if_so, self.if_co, self.if_sa, self.if_ap)
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix), ignore_errors=True)

    # network
    def setup_net(self):
        for ns in (self.ns_dp, self.ns_cl, self.ns_ap):
            self.add_netns(ns, quiet=True)
        self.add_veth(self.if_so, self.ns_dp, SL_OUT_MAC, self.if_co, self.ns_cl, CL_MAC,
                      up=True)
        self.add_veth(self.if_sa, self.ns_dp, SL_APP_MAC, self.if_ap, self.ns_ap, AP_MAC,
                      up=True)
        self.add_addrs(self.ns_cl, self.if_co, CL_IP + "/24")
        self.add_addrs(self.ns_ap, self.if_ap, *[ip + "/24" for ip in APP_IPS])
        self.health = HealthServers(self.ns_ap)

    def config_text(self, targets, dereg_delay, hc, extra_daemon=""):
        """The one config file sluice-dp and sluiced read. targets: [(id, address)]."""
        lines = [
            "# generated by tests/ctrl/labkit.py",
            'node: { zone: %s, cookie_secret: "%s" }' % (ZONE, SECRET_HEX),
            "ports:",
            '  - { name: outside, device: "net_af_packet0,iface=%s,%s", addresses: [%s/24] }'
            % (self.if_so, AF_PACKET_ARGS % self.workers, SL_OUT_IP),
            '  - { name: appliances, device: "net_af_packet1,iface=%s,%s", addresses: [%s/24] }'
            % (self.if_sa, AF_PACKET_ARGS % self.workers, SL_APP_IP),
            "routes:",
            "  - { prefix: 0.0.0.0/0, via: %s }" % NH_IP,
            "neighbors:",
            '  - { address: %s, mac: "%s" }' % (NH_IP, NH_MAC),
        ]
        lines += ['  - { address: %s, mac: "%s" }' % (ip, APP_MAC[ip]) for ip in APP_IPS]
        lines += [
            "target_groups:",
            "  - name: %s" % GROUP,
            "    protocol: geneve",
            "    deregistration_delay: %d" % dereg_delay,
            "    health_check: { %s }" % ", ".join("%s: %s" % kv for kv in hc.items()),
        ]
        if targets:
            lines.append("    targets:")
            lines += ["      - { id: %s, address: %s, zone: %s }" % (t, ip, ZONE)
                      for t, ip in targets]
        else:
            lines.append("    targets: []")
        lines += [
            "inspection:",
            "  - { name: ingress, endpoint_id: 0x%016x, attachment_id: 0x%016x, from: outside, "
            "chain: [%s] }" % (ENDPOINT_ID, ATTACHMENT_ID, GROUP),
            "daemon:",
            "  api_socket: %s" % self.api_sock,
            '  api_socket_mode: "0600"',
            "  metrics_address: 127.0.0.1:9469",
            "  dataplanes: [%s]" % self.dp_sock,
            "  log_level: debug",
        ]
        if extra_daemon:
            lines.append(extra_daemon)
        return "\n".join(lines) + "\n"

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    # sluice-dp
    def start_dp(self, timeout=40, dp_args=()):
        """Start sluice-dp (extra sluice-dp options: dp_args) and wait for its control socket."""
        self.dp_runs += 1
        log = "sluice-dp.%d.log" % self.dp_runs
        self.dp_log = log
        cmd = self.nsexec(self.ns_dp, self.sluice_dp, "--lcores", self.lcores, "--no-huge",
                          "-m", "512", "--no-pci", "--no-shconf", "--file-prefix", self.prefix,
                          "--", "--config", self.config, "--control", self.dp_sock,
                          "--state-log", self.state_log, "--stats-json",
                          os.path.join(self.work, "stats.%d.json" % self.dp_runs)) + \
            list(dp_args)
        if self.dp_runs == 1:
            print("INFO: sluice-dp: %s" % " ".join(cmd[4:]), flush=True)
        t0 = time.monotonic()
        self.start("sluice-dp", cmd, log)
        return self.wait_dp("sluice-dp", log, t0, timeout, word="running")

    def stop_dp(self, sig=signal.SIGINT):
        return self.stop("sluice-dp", sig, timeout=15)

    def wait_encap(self, want, timeout=10):
        """Poll the dataplane's geneve_encap until it reaches want; its last value."""
        deadline = time.monotonic() + timeout
        v = None
        while time.monotonic() < deadline:
            try:
                v = self.dp_stats().get("events", {}).get("geneve_encap", 0)
            except (OSError, ValueError, Abort):
                v = None
            if v is not None and v >= want:
                return v
            time.sleep(0.1)
        return v

    # traffic
    def send(self, frames, pps=5000, timeout=120, background=False):
        """Send frames from the client namespace (raw socket, paced). Blocking: the helper's
        JSON result; background: the Popen (stdout in the work dir)."""
        self.sends = getattr(self, "sends", 0) + 1
        path = os.path.join(self.work, "send%d.pcap" % self.sends)
        write_pcap(path, frames)
        cmd = self.nsexec(self.ns_cl, PYTHON, os.path.abspath(__file__), "--helper-send",
                          self.if_co, path, str(pps))
        if background:
            return self.start("sender%d" % self.sends, cmd, "send%d.log" % self.sends)
        res = self.run(cmd, timeout=timeout)
        return json.loads(res.stdout.strip().splitlines()[-1])

    def start_capture(self, name="appl"):
        # -B: a 64 MiB kernel buffer
        return self.start_dumpcap("cap-" + name, name, self.ns_ap, self.if_ap, 64)

    def stop_capture(self, name="appl"):
        """Stop the capture; (frames [(ts, bytes)], packets dumpcap says it dropped)."""
        self.stop("cap-" + name, signal.SIGINT)
        text = self.log(name + ".capture.log")
        dropped = 0
        for line in text.splitlines():
            if "dropped" in line and "/" in line:
                try:
                    dropped += int(line.split(":")[-1].split("(")[0].split("/")[1])
                except (ValueError, IndexError):
                    pass
        return read_pcap(os.path.join(self.work, name + ".pcap")), dropped

    def captured(self, name="appl"):
        """Our GENEVE frames captured so far: {pid: [(ts, appliance, inner, tag)]}, problems."""
        frames = read_pcap(os.path.join(self.work, name + ".pcap"))
        return decode_frames(frames)

    def read_state_log(self):
        gens = []
        with open(self.state_log) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    gens.append(json.loads(line))
                except ValueError as exc:
                    raise Abort("%s:%d: not JSON (%s): %r" % (self.state_log, n, exc, line[:200]))
        return gens


def decode_frames(frames):
    """{pid: [(ts, appliance, inner, tag)]} of sluice's GENEVE frames, and the problems."""
    sl = mac_b(SL_APP_MAC)
    out, problems = {}, []
    for ts, fr in frames:
        if fr[6:12] != sl:
            continue
        app, inner, pid, tag, problem = decode_geneve(fr)
        if problem:
            problems.append(problem)
            continue
        if fr[0:6] != mac_b(APP_MAC.get(app, "00:00:00:00:00:00")):
            problems.append("frame to %s with dst MAC %s" % (app, fr[0:6].hex()))
        out.setdefault(pid, []).append((ts, app, inner, tag))
    return out, problems


def lab_args(ap):
    """--sluice-dp, --sluiced, --sluicectl (default: this tree's build/) and --keep."""
    ap.add_argument("--sluice-dp", default=os.path.join(ROOT, "build", "dataplane", "sluice-dp"))
    ap.add_argument("--sluiced", default=os.path.join(ROOT, "build", "ctrl", "sluiced"))
    ap.add_argument("--sluicectl", default=os.path.join(ROOT, "build", "ctrl", "sluicectl"))
    ap.add_argument("--keep", action="store_true", help="keep the work dir (kept on failure)")


def lab_main(ap, name, body):
    """main() of a lab test of sluice-dp, sluiced and sluicectl: ap (with the test's own
    options) gets lab_args; skip without the binaries (made absolute) or network namespaces;
    body(rep, args, lab_ref) under main_guard. The exit code."""
    lab_args(ap)
    args = ap.parse_args()
    for k in ("sluice_dp", "sluiced", "sluicectl"):
        setattr(args, k, os.path.abspath(getattr(args, k)))
    preflight(name, [("sluice-dp", args.sluice_dp), ("sluiced", args.sluiced),
                     ("sluicectl", args.sluicectl)])
    lab_ref = []
    return main_guard(lab_ref, lambda rep: body(rep, args, lab_ref), name)


def main_guard(lab_ref, body, name, rep=None, log_tails=True):
    """Run body(rep) with SIGTERM/SIGHUP turned into an exception and lab cleanup at the end.
    lab_ref: a one-element list the body puts its Lab in; rep: the Report to use (a new one
    when None); log_tails: print the tail of the sluice logs when a check failed. Returns the
    exit code."""
    t0 = time.monotonic()
    rep = rep if rep is not None else Report()

    def on_term(sig, frame):
        raise SystemExit("terminated by signal %d" % sig)

    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    try:
        body(rep)
    except Abort as exc:
        rep.check(False, "aborted: %s" % exc)
    except BaseException as exc:
        rep.check(False, "aborted: %r" % exc)
        if not isinstance(exc, (SystemExit, KeyboardInterrupt)):
            import traceback
            traceback.print_exc()
    finally:
        # a second signal must not cut the cleanup short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        lab = lab_ref[0] if lab_ref else None
        if lab is not None:
            if rep.failed and log_tails:
                for log in sorted(os.listdir(lab.work)):
                    if log.endswith(".log") and ("sluice" in log):
                        print("--- %s (tail) ---\n%s" % (log, lab.log(log)[-2500:]))
            lab.cleanup()
            if rep.failed or lab.keep:
                print("INFO: work dir kept: %s" % lab.work)
            else:
                shutil.rmtree(lab.work, ignore_errors=True)
        for sig, handler in saved.items():  # a caller may run another lab after this one
            signal.signal(sig, handler)
    verdict = "PASS" if rep.failed == 0 else "FAIL"
    print("%s: %s, %d checks passed, %d failed, %.1f s" % (verdict, name, rep.passed,
                                                          rep.failed, time.monotonic() - t0))
    if rep.failed:
        print("failed checks:\n  " + "\n  ".join(rep.failures))
    return 0 if rep.failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--helper-send":
        helper_send(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        print(__doc__)
        sys.exit(2)
