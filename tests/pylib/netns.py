# SPDX-License-Identifier: BSD-3-Clause
"""Network namespaces and veths for the labs (tests/live, tests/ctrl, tests/e2e, tests/fleet):
every name a lab creates carries its PID, and everything is deleted at cleanup, also on
failure or SIGTERM. Traffic is sent only inside these namespaces."""

import ctypes
import json
import os
import shutil
import socket
import subprocess
import time

from pylib.proc import Procs
from pylib.pcapio import read_pcap
from pylib.report import Abort, skip

CLONE_NEWNET = 0x40000000


def nsexec(ns, *cmd):
    """cmd run in namespace ns."""
    return ["ip", "netns", "exec", ns] + list(cmd)


def preflight(name, binaries, tools=("ip", "dumpcap")):
    """Skip test `name` (exit 77) unless we are root, the tools are on PATH, the binaries
    ([(what, path)]) are there and a network namespace can be made."""
    if os.geteuid() != 0:
        skip(name, "needs root (network namespaces, veths, raw sockets)")
    for tool in tools:
        if not shutil.which(tool):
            skip(name, "%s not found" % tool)
    for what, path in binaries:
        if not path or not os.access(path, os.X_OK):
            skip(name, "no %s binary at %s (build it first)" % (what, path))
    probe = "slprobe%d" % os.getpid()
    res = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if res.returncode != 0:
        skip(name, "network namespaces unavailable: %s" % res.stderr.strip())
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)


class NetnsLab(Procs):
    """A work dir, the processes started in it (pylib.proc) and the namespaces created
    (self.netns; deleted at cleanup, their veth ends with them)."""

    def __init__(self, work):
        super().__init__(work)
        self.netns = []

    @staticmethod
    def nsexec(ns, *cmd):
        return nsexec(ns, *cmd)

    def add_netns(self, ns, quiet=False):
        """Namespace ns (deleted at cleanup); quiet: with lo up and no kernel IPv6 (no DAD, RS,
        MLD chatter on its links: every frame on them is the test's)."""
        self.run(["ip", "netns", "add", ns])
        self.netns.append(ns)
        if quiet:
            self.sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1")
            self.run(["ip", "-n", ns, "link", "set", "lo", "up"])

    def sysctl(self, ns, *kv):
        self.run(nsexec(ns, "sysctl", "-qw", *kv))

    def no_offload(self, ns, dev):
        """No TX checksum offload nor segmentation on veth dev: frames leave it whole and with
        their checksums (af_packet and XDP see what the wire would carry)."""
        self.run(nsexec(ns, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off"),
                 check=False)

    def link_up(self, ns, *ifnames):
        for ifname in ifnames:
            self.run(["ip", "-n", ns, "link", "set", ifname, "up"])

    def add_addrs(self, ns, ifname, *cidrs):
        for cidr in cidrs:
            self.run(["ip", "-n", ns, "addr", "add", cidr, "dev", ifname])

    def add_veth(self, name, ns, mac, peer, peer_ns, peer_mac, up=False):
        """A veth pair: name (MAC mac) in ns, peer (peer_mac) in peer_ns; up: both ends up."""
        self.run(["ip", "link", "add", name, "netns", ns, "address", mac, "type", "veth",
                  "peer", "name", peer, "netns", peer_ns, "address", peer_mac])
        if up:
            self.link_up(ns, name)
            self.link_up(peer_ns, peer)

    def cleanup(self):
        """Stop every process (SIGTERM, then SIGKILL), delete every namespace. Safe to call
        twice."""
        self.stop_all()
        for ns in reversed(self.netns):
            res = subprocess.run(["ip", "netns", "del", ns], capture_output=True, text=True)
            if res.returncode != 0:
                print("WARN: ip netns del %s: %s" % (ns, res.stderr.strip()))
        self.netns = []

    def start_dumpcap(self, proc, stem, ns, iface, buffer_mb=None):
        """dumpcap on iface in ns into WORK/stem.pcap (libpcap format: flushed as it goes,
        readable with pcapio.read_capture while it runs; buffer_mb: the kernel buffer), as
        our process `proc` logging to stem.capture.log. The path, once it captures."""
        path = os.path.join(self.work, stem + ".pcap")
        log = stem + ".capture.log"
        buf = ["-B", str(buffer_mb)] if buffer_mb else []
        self.start(proc, nsexec(ns, "dumpcap", "-q", "-P", *buf, "-i", iface, "-w", path), log)
        if not self.wait_log(proc, log, "Capturing on", 15):
            raise Abort("dumpcap on %s did not start: %s" % (iface, self.log(log)))
        time.sleep(0.3)  # "Capturing on" is printed just before the capture loop starts
        return path

    @staticmethod
    def remove_links(*ifnames):
        """Delete those of ifnames still in the root namespace (a veth end a failed move left
        behind; deleting a namespace deletes the ends in it)."""
        leftover = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                                  text=True).stdout
        for ifname in ifnames:
            if (" %s@" % ifname) in leftover or (" %s:" % ifname) in leftover:
                subprocess.run(["ip", "link", "del", ifname], capture_output=True)


_libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name):
    """Move the calling thread into netns `name` (only this thread: setns on a thread)."""
    fd = os.open("/run/netns/%s" % name, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (name, os.strerror(e)))
    finally:
        os.close(fd)


def helper_send(iface, pcap, pps):
    """Send every frame of pcap on iface through a raw packet socket, paced to pps (run
    inside a namespace); prints one JSON line: sent, start, end, seconds, max_late_s."""
    frames = [f for _, f in read_pcap(pcap)]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((iface, 0))
    burst = max(1, min(32, int(pps // 500)))
    t0 = time.monotonic()
    w0 = time.time()
    late = 0.0
    for i in range(0, len(frames), burst):
        for fr in frames[i:i + burst]:
            for _ in range(1000):
                try:
                    s.send(fr)
                    break
                except OSError:  # ENOBUFS: the qdisc is full, give it a moment
                    time.sleep(0.0005)
            else:
                raise SystemExit("send on %s kept failing" % iface)
        delay = t0 + (i // burst + 1) * burst / pps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            late = max(late, -delay)
    print(json.dumps({"sent": len(frames), "start": w0, "end": time.time(),
                      "seconds": time.monotonic() - t0, "max_late_s": round(late, 4)}),
          flush=True)
