#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live test of sluice-xdp: native XDP on veths in network namespaces, a GENEVE reflector as
the appliance, real kernel TCP and UDP through the inspection path.

    run_xdp.py --sluice-xdp PATH [--generic] [--keep]

Topology (names carry this process's PID; everything is deleted at the end, also on failure):

    netns xc<pid> (client)   netns xs<pid>: sluice-xdp (native XDP on xo, xa, xi)   netns xv<pid>
    cX 10.0.1.2 <-veth-> xo outside 10.0.1.10   inside 10.0.2.10 xi <-veth-> vX 10.0.2.2 (server)
                          xa appliances 192.168.50.1
                          ^ veth
                          v
                          aX 192.168.50.11, netns xa<pid>: GENEVE reflector (python UDP socket
                          on 6081: each datagram sent back to its source, outer addresses
                          swapped by the kernel; GENEVE header, options, inner packet unchanged;
                          SO_RCVBUFFORCE 32 MB: with the default buffer, bursts of the TCP
                          transfer lost GENEVE frames at the socket and the counts differed)

One attachment `from: [outside, inside]`, chain [appliances] (one target, the reflector).
sluice-xdp's routes are the connected subnets; its neighbours are static (config) except the
server's: the first packet to it finds no neighbour (bpf_fib_lookup on xi, forwarding on there
only), sluice-xdp has the kernel resolve it (sl_resolve, netlink NTF_USE) and TCP's retransmit
goes through. The client learns sluice's MAC by ARP (answered by the kernel behind XDP_PASS);
the other hosts have static neighbours for sluice's MACs. The peers of sluice's
veths get a trivial XDP_PASS program (clang-built here) so that native XDP_TX/XDP_REDIRECT into
them delivers (veth needs an XDP program, or NAPI, on the receiving peer). TX checksum offload
and TSO/GSO are off on the hosts' veths (a CHECKSUM_PARTIAL skb would reach the server with an
unfinished checksum); hosts' MTU 1400 leaves room for the 68 bytes of GENEVE.

Checks: a kernel TCP connection client -> server (SYN, SYN-ACK, 200 KB each way, FIN) and UDP
request/replies arrive byte-identical (echo compared); at exit (SIGINT, --stats-json):
geneve_encap == geneve_decap == forwarded == datagrams the reflector returned, > 0, no drops.
Then a takeover after kill -9 (takeover()), and the server's MAC changing under a UDP stream
without a gratuitous ARP: replies must come back within REFRESH_LIMIT_S (neigh_refresh()).

--generic attaches sluice-xdp in generic (skb) mode instead (no peer programs needed).
Exit 0 pass, 1 fail, 77 skip (not root, no netns/veth, clang or ethtool missing, no XDP).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pylib.netns import NetnsLab, preflight  # noqa: E402
from pylib.report import SKIP  # noqa: E402
import time

PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
PID = os.getpid()
NS_CL, NS_SL, NS_AP, NS_SV = ("xc%d" % PID, "xs%d" % PID, "xa%d" % PID, "xv%d" % PID)
# veth ends: (name in sluice's ns, name in the host's ns, host ns, sluice addr, host addr, MACs)
LINKS = [
    ("xo%d" % PID, "c%d" % PID, NS_CL, "10.0.1.10/24", "10.0.1.2/24", "02:5d:00:00:01:0a",
     "02:5d:00:00:01:02"),
    ("xa%d" % PID, "a%d" % PID, NS_AP, "192.168.50.1/24", "192.168.50.11/24",
     "02:5d:00:00:02:01", "02:5d:00:00:02:11"),
    ("xi%d" % PID, "v%d" % PID, NS_SV, "10.0.2.10/24", "10.0.2.2/24", "02:5d:00:00:03:0a",
     "02:5d:00:00:03:02"),
]
SERVER, TCP_PORT, UDP_PORT = "10.0.2.2", 5000, 5001

# No system headers: <linux/bpf.h> pulls <asm/types.h>, which clang -target bpf does not find
# on Debian without the multiarch include path. 2 = XDP_PASS.
TRIVIAL_C = """
__attribute__((section("xdp"), used)) int sl_pass(void *ctx) { return 2; }
char _license[] __attribute__((section("license"), used)) = "GPL";
"""

REFLECTOR = r"""
import socket, sys, signal
n = 0
def bye(*a):
    snmp = [l.split() for l in open("/proc/net/snmp") if l.startswith("Udp:")]
    udp = dict(zip(snmp[0][1:], snmp[1][1:]))
    open(sys.argv[2], "w").write("%d %s %s\n" % (n, udp.get("RcvbufErrors", "?"),
                                                   udp.get("InErrors", "?")))
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE: TCP bursts of 1.4 KB frames
s.bind((sys.argv[1], 6081))
print("ready", flush=True)
while True:
    d, (ip, port) = s.recvfrom(65535)
    s.sendto(d, (ip, 6081)); n += 1
"""

SERVER_PY = r"""
import socket, sys, threading
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((sys.argv[1], int(sys.argv[2]))); t.listen(4)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[1], int(sys.argv[3])))
def udp():
    while True:
        d, a = u.recvfrom(65535); u.sendto(d, a)
threading.Thread(target=udp, daemon=True).start()
print("ready", flush=True)
while True:
    c, _ = t.accept()
    with c:
        while True:
            d = c.recv(65536)
            if not d: break
            c.sendall(d)
"""

# UDP to the server's echo port every 50 ms for argv[3] seconds; prints the CLOCK_MONOTONIC
# time of every reply (comparable with the test's own time.monotonic()), one a line.
PROBER_PY = r"""
import socket, sys, time
srv, up, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(0.05)
print("start", time.monotonic(), flush=True)
end = time.monotonic() + secs
while time.monotonic() < end:
    u.sendto(b"probe", (srv, up))
    try:
        while True:
            u.recvfrom(100)
            print(time.monotonic(), flush=True)
    except socket.timeout:
        pass
"""
NEW_SERVER_MAC = "02:5d:00:00:03:99"
REFRESH_LIMIT_S = 12.0  # see neigh_refresh()

CLIENT_PY = r"""
import socket, sys, os
srv, tp, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = bytes((i * 7 + (i >> 8)) & 0xff for i in range(200000))
c = socket.create_connection((srv, tp), timeout=10)
c.sendall(data); c.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = c.recv(65536)
    if not d: break
    got += d
c.close()
print("tcp", "ok" if got == data else "MISMATCH %d of %d bytes" % (len(got), len(data)))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
ok = 0
for i in range(20):
    m = os.urandom(64 + 50 * i)
    u.sendto(m, (srv, up))
    try:
        r, _ = u.recvfrom(65535)
        ok += r == m
    except socket.timeout:
        pass
print("udp", ok, "of 20")
"""


def run(*cmd, check=True, ns=None, **kw):
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if check and r.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stdout.strip()))
    return r


class Test(NetnsLab):
    def __init__(self, a):
        super().__init__(tempfile.mkdtemp(prefix="sluice-xdp-live."))
        self.a = a
        self.tmp = self.work
        self.names = {}  # Popen -> its name in self.procs
        self.fails = []

    def fail(self, msg):
        print("FAIL:", msg)
        self.fails.append(msg)

    def spawn(self, ns, *cmd, log):
        """cmd in ns, output to the file log; stopped by PID at cleanup."""
        name = "p%d" % len(self.names)
        p = self.start(name, self.nsexec(ns, *cmd), log)
        self.names[p] = name
        return p

    def wait_line(self, p, log, word, secs=10):
        return self.wait_log(self.names[p], log, word, secs)

    def cleanup(self):
        super().cleanup()
        if self.a.keep:
            print("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def setup(self):
        for ns in (NS_CL, NS_SL, NS_AP, NS_SV):
            self.add_netns(ns)
            run("ip", "link", "set", "lo", "up", ns=ns)
        trivial = os.path.join(self.tmp, "trivial.o")
        with open(trivial + ".c", "w") as f:
            f.write(TRIVIAL_C)
        r = run("clang", "-O2", "-target", "bpf", "-c", trivial + ".c", "-o", trivial,
                check=False)
        if r.returncode:
            raise SkipTest("clang cannot build a BPF object: " + r.stdout.strip()[:200])
        for sl, host, hns, sl_ip, host_ip, sl_mac, host_mac in LINKS:
            run("ip", "link", "add", sl, "netns", NS_SL, "address", sl_mac, "type", "veth",
                "peer", "name", host, "netns", hns, "address", host_mac)
            run("ip", "addr", "add", sl_ip, "dev", sl, ns=NS_SL)
            run("ip", "addr", "add", host_ip, "dev", host, ns=hns)
            for ns, dev in ((NS_SL, sl), (hns, host)):
                run("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev, ns=ns)
                run("ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", ns=ns,
                    check=False)
            if hns != NS_AP:
                run("ip", "link", "set", host, "mtu", "1400", ns=hns)
            run("ip", "link", "set", sl, "up", ns=NS_SL)
            run("ip", "link", "set", host, "up", ns=hns)
            if hns != NS_CL:  # the client resolves sluice's MAC by ARP, which the kernel answers
                run("ip", "neigh", "replace", sl_ip.split("/")[0], "lladdr", sl_mac, "nud",
                    "permanent", "dev", host, ns=hns)
            if not self.a.generic:
                r = run("ip", "link", "set", "dev", host, "xdpdrv", "obj", trivial, "sec",
                        "xdp", ns=hns, check=False)
                if r.returncode:
                    raise SkipTest("cannot attach a native XDP program to a veth: "
                                   + r.stdout.strip()[:200])
        run("ip", "route", "add", "10.0.2.0/24", "via", "10.0.1.10", ns=NS_CL)
        run("ip", "route", "add", "10.0.1.0/24", "via", "10.0.2.10", ns=NS_SV)
        # sluice's own kernel must not forward what XDP passes; but bpf_fib_lookup answers
        # only for interfaces with forwarding on: the server's side (xi), whose neighbour is
        # not in the config, so sluice-xdp has the kernel resolve it (sl_resolve)
        run("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=NS_SL)
        run("sysctl", "-qw", "net.ipv4.conf.%s.forwarding=1" % LINKS[2][0], ns=NS_SL)

    def config(self):
        c = os.path.join(self.tmp, "xdp.yaml")
        with open(c, "w") as f:
            f.write("""# run_xdp.py
node: { zone: az1, cookie_secret: "000102030405060708090a0b0c0d0e0f" }
ports:
  - { name: outside, device: "%s", addresses: [10.0.1.10/24] }
  - { name: appliances, device: "%s", addresses: [192.168.50.1/24] }
  - { name: inside, device: "%s", addresses: [10.0.2.10/24] }
neighbors:
  - { address: 10.0.1.2, mac: "%s" }
  - { address: 192.168.50.11, mac: "%s" }
target_groups:
  - name: appliances
    protocol: geneve
    targets:
      - { id: reflector, address: 192.168.50.11, zone: az1 }
inspection:
  - { name: both, endpoint_id: 0x0a0b0c0d01020304, from: [outside, inside], chain: [appliances] }
""" % (LINKS[0][0], LINKS[1][0], LINKS[2][0], LINKS[0][6], LINKS[1][6]))
        return c

    def main(self):
        self.setup()
        cfg = self.config()
        stats = os.path.join(self.tmp, "stats.json")
        refl_n = os.path.join(self.tmp, "reflected")
        logs = {k: os.path.join(self.tmp, k + ".log") for k in ("sl", "ap", "sv", "cl")}
        cmd = [self.a.sluice_xdp, "--config", cfg, "--stats-json", stats]
        if self.a.generic:
            cmd.append("--generic")
        sl = self.spawn(NS_SL, *cmd, log=logs["sl"])
        if not self.wait_line(sl, logs["sl"], "attached to"):
            out = open(logs["sl"]).read()
            if "loading the BPF program" in out or "Operation not permitted" in out:
                raise SkipTest("sluice-xdp cannot load: " + out.strip()[-300:])
            raise RuntimeError("sluice-xdp did not attach: " + out.strip()[-500:])
        print(open(logs["sl"]).read().strip())
        if "generic" in open(logs["sl"]).read() and not self.a.generic:
            self.fail("sluice-xdp fell back to generic mode on a veth")
        ap = self.spawn(NS_AP, PY, "-c", REFLECTOR, "192.168.50.11", refl_n, log=logs["ap"])
        sv = self.spawn(NS_SV, PY, "-c", SERVER_PY, SERVER, str(TCP_PORT), str(UDP_PORT),
                        log=logs["sv"])
        if not self.wait_line(ap, logs["ap"], "ready") or \
                not self.wait_line(sv, logs["sv"], "ready"):
            raise RuntimeError("reflector or server did not start")
        # What sluice-dp answers itself is the kernel's here (XDP_PASS): ARP (the client has
        # no static entry for sluice's MAC) and ping to sluice's address.
        r = run("ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.1.10", ns=NS_CL, check=False)
        if r.returncode != 0:
            self.fail("ping 10.0.1.10 (answered by the kernel behind XDP_PASS): "
                      + r.stdout.strip()[-300:])
        r = run("ip", "neigh", "show", "10.0.1.10", ns=NS_CL, check=False)
        if LINKS[0][5] not in r.stdout:
            self.fail("the client did not learn sluice's MAC by ARP: " + r.stdout.strip())
        else:
            print("ARP and ping through XDP_PASS: ok (%s)" % r.stdout.strip())
        r = run(PY, "-c", CLIENT_PY, SERVER, str(TCP_PORT), str(UDP_PORT), ns=NS_CL,
                check=False, timeout=60)
        print(r.stdout.strip())
        if "tcp ok" not in r.stdout:
            self.fail("TCP through sluice-xdp: " + r.stdout.strip()[-300:])
        if "udp 20 of 20" not in r.stdout:
            self.fail("UDP through sluice-xdp: " + r.stdout.strip()[-300:])
        self.server_neigh = run("ip", "neigh", "show", SERVER, ns=NS_SL, check=False).stdout
        ap.send_signal(signal.SIGTERM)
        ap.wait(5)
        sl.send_signal(signal.SIGINT)
        sl.wait(15)
        print(open(logs["sl"]).read().strip().split("attached to")[-1][:2000])
        try:
            st = json.load(open(stats))
            reflected, rcvbuf_err, in_err = open(refl_n).read().split()
            reflected = int(reflected)
            print("reflector: %d returned; UDP RcvbufErrors %s, InErrors %s in its namespace"
                  % (reflected, rcvbuf_err, in_err))
        except (OSError, ValueError) as e:
            self.fail("no stats or reflector count: %s" % e)
            return
        ev = st["events"]
        enc, dec, fwd = ev.get("geneve_encap", 0), ev.get("geneve_decap", 0), \
            ev.get("forwarded", 0)
        print("geneve_encap %d, reflected %d, geneve_decap %d, forwarded %d" %
              (enc, reflected, dec, fwd))
        drops = {k: v for k, v in st["drops"].items() if v}
        unres = drops.pop("neigh_unresolved", 0)
        if not (enc > 0 and enc == reflected == dec == fwd + unres):
            self.fail("counters: geneve_encap %d, reflected %d, geneve_decap %d, forwarded %d"
                      " + neigh_unresolved %d" % (enc, reflected, dec, fwd, unres))
        if drops:
            self.fail("drops: %s" % drops)
        # The server's MAC is in no config: the first packets to it found no neighbour
        # (dropped neigh_unresolved, TCP retransmitted), sluice-xdp had the kernel resolve it.
        print("server's next hop: %d packet(s) neigh_unresolved before the kernel resolved it;"
              " sluice's kernel: %s" % (unres, self.server_neigh.strip()))
        if not 1 <= unres <= 5:
            self.fail("neigh_unresolved %d: expected the first packet(s) only" % unres)
        if LINKS[2][6] not in self.server_neigh:
            self.fail("sluice's kernel has no neighbour entry for the server: %r"
                      % self.server_neigh)
        self.takeover(cmd[:3], logs)
        self.neigh_refresh(cmd[:3], logs)

    def takeover(self, cmd, logs):
        """kill -9 leaves the program attached (forwarding with its last state); the next
        sluice-xdp must take the interfaces over (atomic replace), not refuse them."""
        ifn = LINKS[0][0]
        ap = self.spawn(NS_AP, PY, "-c", REFLECTOR, "192.168.50.11", logs["ap"] + ".n",
                        log=logs["ap"] + ".2")
        if not self.wait_line(ap, logs["ap"] + ".2", "ready"):
            self.fail("takeover: the reflector did not start again")
            return
        first = self.spawn(NS_SL, *cmd, log=logs["sl"] + ".2")
        if not self.wait_line(first, logs["sl"] + ".2", "attached to"):
            self.fail("takeover: a second sluice-xdp did not attach after a clean stop")
            return
        first.kill()
        first.wait(5)
        left = run("ip", "-d", "link", "show", ifn, ns=NS_SL, check=False).stdout
        if "prog/xdp" not in left:
            self.fail("takeover: after kill -9 no program is attached to %s (expected the "
                      "orphan to stay): %s" % (ifn, left.strip()))
        log3 = logs["sl"] + ".3"
        nxt = self.spawn(NS_SL, *cmd, log=log3)
        ok = self.wait_line(nxt, log3, "attached to")
        out = open(log3).read()
        if not ok or "took over" not in out:
            self.fail("takeover: sluice-xdp after a kill -9 did not take over: "
                      + out.strip()[-400:])
        else:
            print("takeover: the orphaned program replaced on every port (%d ports)"
                  % out.count("took over"))
        r = run(PY, "-c", CLIENT_PY, SERVER, str(TCP_PORT), str(UDP_PORT), ns=NS_CL,
                check=False, timeout=60)
        if "tcp ok" not in r.stdout:
            self.fail("takeover: TCP through the new sluice-xdp: " + r.stdout.strip()[-300:])
        nxt.send_signal(signal.SIGINT)
        nxt.wait(15)
        ap.send_signal(signal.SIGTERM)
        ap.wait(5)
        left = run("ip", "-d", "link", "show", ifn, ns=NS_SL, check=False).stdout
        if "prog/xdp" in left:
            self.fail("takeover: a program is still attached to %s after a clean stop" % ifn)


    def neigh_refresh(self, cmd, logs):
        """The server's MAC changes without a gratuitous ARP (Linux sends none by default):
        traffic must follow within REFRESH_LIMIT_S. The kernel's entry for the server, which
        bpf_fib_lookup reads, sees none of the traffic sluice-xdp forwards; unrefreshed it goes
        STALE and stays so with the old MAC (the bug: traffic black-holed for ever). sluice-xdp
        "uses" next hops in use for the kernel (xdp_neigh.h), which then re-validates them by its
        own timers; here shortened on xi (reachable 2 s, i.e. 1..3 s; first probe after 1 s;
        3 unicast probes 0.5 s apart; then FAILED, sl_resolve, a broadcast request): about 3 +
        1 + 1.5 + 1 (sluice-xdp's refresh period) s at worst."""
        xi, v = LINKS[2][0], LINKS[2][1]
        for key, val in (("base_reachable_time_ms", 2000), ("delay_first_probe_time", 1),
                         ("retrans_time_ms", 500)):
            run("sysctl", "-qw", "net.ipv4.neigh.%s.%s=%d" % (xi, key, val), ns=NS_SL)
        run("ip", "neigh", "flush", "dev", xi, ns=NS_SL, check=False)
        ap = self.spawn(NS_AP, PY, "-c", REFLECTOR, "192.168.50.11", logs["ap"] + ".r",
                        log=logs["ap"] + ".4")
        sl = self.spawn(NS_SL, *cmd, log=logs["sl"] + ".4")
        if not self.wait_line(ap, logs["ap"] + ".4", "ready") or \
                not self.wait_line(sl, logs["sl"] + ".4", "attached to"):
            self.fail("neigh refresh: sluice-xdp or the reflector did not start")
            return
        plog = os.path.join(self.tmp, "prober.log")
        secs = 4 + REFRESH_LIMIT_S + 4
        pr = self.spawn(NS_CL, PY, "-c", PROBER_PY, SERVER, str(UDP_PORT), str(secs), log=plog)
        time.sleep(4)
        changed = time.monotonic()
        run("ip", "link", "set", "dev", v, "address", NEW_SERVER_MAC, ns=NS_SV)
        pr.wait(secs + 10)
        lines = open(plog).read().split()
        times = [float(t) for t in lines[2:]]  # "start" and its time first
        before = [t for t in times if t < changed]
        after = [t for t in times if t > changed + 0.2]
        neigh = run("ip", "neigh", "show", SERVER, ns=NS_SL, check=False).stdout.strip()
        sl.send_signal(signal.SIGINT)
        sl.wait(15)
        ap.send_signal(signal.SIGTERM)
        ap.wait(5)
        if not before:
            self.fail("neigh refresh: no UDP reply before the server's MAC changed")
        elif not after:
            self.fail("neigh refresh: no UDP reply in the %.0f s after the server's MAC "
                      "changed (sluice's kernel: %s)" % (secs - 4, neigh))
        elif after[0] - changed > REFRESH_LIMIT_S or after[-1] < changed + secs - 4 - 1.5:
            self.fail("neigh refresh: traffic came back %.1f s after the MAC change (limit "
                      "%.0f s), last reply %.1f s after it" % (after[0] - changed,
                                                              REFRESH_LIMIT_S,
                                                              after[-1] - changed))
        else:
            print("neigh refresh: the server's MAC changed; replies again after %.1f s "
                  "(limit %.0f s); sluice's kernel: %s" % (after[0] - changed,
                                                           REFRESH_LIMIT_S, neigh))
        if NEW_SERVER_MAC not in neigh:
            self.fail("neigh refresh: sluice's kernel does not have the new MAC: %s" % neigh)


class SkipTest(Exception):
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice-xdp", required=True)
    ap.add_argument("--generic", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    preflight("live-xdp test", [("sluice-xdp", a.sluice_xdp)], ("ip", "clang", "ethtool"))
    t = Test(a)
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(1))
    try:
        t.main()
    except SkipTest as e:
        print("SKIP:", e)
        return SKIP
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        t.fail(str(e))
    finally:
        t.cleanup()
    print("PASS" if not t.fails else "FAILED: %d check(s)" % len(t.fails))
    return 0 if not t.fails else 1


if __name__ == "__main__":
    sys.exit(main())
