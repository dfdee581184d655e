#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live test of sluice-dp's exception path (docs/dataplane.md "Exception path").

    run_excp.py --sluice-dp PATH [--keep]

The lab of tests/ctrl/labkit.py (sluice-dp on af_packet vdevs over veths, two workers, client
namespace on `outside`, appliance namespace on `appliances`), with `kernel_interface: slk<pid>`
on `outside` (mtu 1400, 10.0.1.10/24 and 2001:db8:a::10/64), node.exception_rate 1000, a zone
IP 10.0.1.100 with a TCP listener, and sluice-dp run with --idle-sleep. The sluice namespace's
kernel must not take the af_packet veths' frames itself (af_packet copies them, the kernel
would answer ARP and ping a second time): rp_filter and arp_ignore on the veths, IPv6 off on
them; IPv6 on for the TAP.

Checks:
  0. the TAP exists with the port's MAC, MTU, addresses (IPv6 nodad, not tentative), up.
  a. TCP: a client connects to a server listening on 10.0.1.10:179 in the sluice namespace's
     kernel, data both ways; then that kernel (neighbours flushed) connects to a server of the
     client: it must ARP through the TAP (the reply reaches it only as sluice-dp's copy). The
     same over IPv6 to [2001:db8:a::10]:179: the kernel's neighbour solicitation for the
     client goes out through the TAP, the advertisement comes back as sluice-dp's copy.
  b. UDP to 10.0.1.10:3784 reaches a kernel socket, its replies come back.
  c. ping is answered by sluice-dp (icmp_echo_reply; the kernel's InEchos stays 0); GENEVE to
     the node, transit (inspection) and listener traffic are not handed to the kernel; an ICMP
     error about the host's own flow is (the kernel counts it).
  d. kernel_in / kernel_out equal the frames a capture on the TAP saw in each direction.
  e. a flood of UDP to the node above exception_rate, with transit traffic at the same time:
     kernel_ratelimit counts the excess, kernel_in stays within the rate, the transit traffic
     all gets through, and rx = kernel_in + kernel drops + every other outcome for the frames.
  f. at SIGINT sluice-dp exits 0 and the TAP is gone; a config whose kernel_interface names an
     existing interface is refused with a clear message, leaving no TAP behind.

Exit 0 pass, 1 fail, 77 skip (not root).
"""

import argparse
import json
import os
import re
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "ctrl"))
import labkit as lk  # noqa: E402
from pylib import frames as pyframes  # noqa: E402  (labkit puts tests/ on sys.path)

RATE = 1000  # node.exception_rate
WORKERS = 2
IDLE_SLEEP_US = 20
MTU = 1400
SL_OUT6, CL6 = "2001:db8:a::10", "2001:db8:a::2"
ZONE_IP, LISTEN_PORT, WEB_TARGET = "10.0.1.100", 8443, "192.168.50.20"
BGP_PORT, BFD_PORT, CL_PORT = 179, 3784, 1790
N_UDP, N_PING, N_TRANSIT = 50, 5, 200
N_FLOOD, FLOOD_PPS, N_FWD, FWD_PPS = 30000, 15000, 3000, 1500
HC = {"protocol": "tcp", "port": lk.HEALTH_PORT, "interval": 2, "timeout": 1}
TARGETS = [("fw-a", "192.168.50.11"), ("fw-b", "192.168.50.12")]


# --- sockets inside a namespace -----------------------------------------------------------

def ns_socket(ns, family=socket.AF_INET, kind=socket.SOCK_STREAM):
    """A socket created in netns ns (a thread setns()es there; the socket stays in it)."""
    out = []

    def body():
        try:
            lk.enter_netns(ns)
            out.append(socket.socket(family, kind))
        except OSError as exc:
            out.append(exc)

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if isinstance(out[0], Exception):
        raise lk.Abort("socket in %s: %s" % (ns, out[0]))
    return out[0]


def tcp_exchange(srv, cli, dst, size=100000):
    """Connect cli to dst (srv listens there); size bytes each way. (ok, detail)."""
    data = os.urandom(size)
    got = {}

    def serve():
        try:
            srv.settimeout(15)
            conn, peer = srv.accept()
            conn.settimeout(15)
            buf = b""
            while len(buf) < size:
                d = conn.recv(65536)
                if not d:
                    break
                buf += d
            conn.sendall(buf[::-1])
            got["server"] = (buf, peer[0])
            conn.close()
        except OSError as exc:
            got["server_error"] = str(exc)

    t = threading.Thread(target=serve)
    t.start()
    back = b""
    try:
        cli.settimeout(15)
        cli.connect(dst)
        cli.sendall(data)
        while len(back) < size:
            d = cli.recv(65536)
            if not d:
                break
            back += d
    except OSError as exc:
        got["client_error"] = str(exc)
    finally:
        cli.close()
    t.join(20)
    srv.close()
    buf, peer = got.get("server", (b"", None))
    ok = buf == data and back == data[::-1]
    return ok, "server got %d/%d bytes from %s, client got %d/%d back; %s" % (
        len(buf), size, peer, len(back), size,
        {k: v for k, v in got.items() if k.endswith("error")})


# --- frames (client -> sluice's outside port) -------------------------------------------------

def ipv4(proto, src, dst, payload, ident=1, ttl=64):
    return pyframes.ipv4(socket.inet_aton(src), socket.inet_aton(dst), proto, payload, ident, ttl)


def eth(l3, src_mac=lk.CL_MAC):
    fr = lk.mac_b(lk.SL_OUT_MAC) + lk.mac_b(src_mac) + b"\x08\x00" + l3
    return fr + b"\0" * max(0, 60 - len(fr))


def tcp_syn(src, dst, sport, dport):
    tcp = pyframes.tcp(socket.inet_aton(src), socket.inet_aton(dst), sport, dport, 1000)
    return eth(ipv4(6, src, dst, tcp))


def icmp_frag_needed(src, dst, quoted):
    """ICMP fragmentation-needed from src to dst quoting the IPv4 packet `quoted`."""
    body = struct.pack("!BBHHH", 3, 4, 0, 0, 1200) + quoted[:28]
    body = body[:2] + struct.pack("!H", lk.csum(body)) + body[4:]
    return eth(ipv4(1, src, dst, body))


# --- the lab ----------------------------------------------------------------------------------

class ExcpLab(lk.Lab):
    def __init__(self, sluice_dp, keep):
        super().__init__("excp", sluice_dp, None, None, workers=WORKERS, keep=keep)
        self.kif = "slk%d" % self.pid
        self.dumpcap = 0

    def setup_net(self):
        super().setup_net()
        self.keep_kernel_off(self.ns_dp, self.if_so, self.if_sa)
        # IPv6 on for the TAP only, without router solicitations (less chatter to count)
        self.run(self.nsexec(self.ns_dp, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=0",
                             "net.ipv6.conf.default.router_solicitations=0"))
        # the client's kernel computes its checksums: a CHECKSUM_PARTIAL frame would reach
        # af_packet, and through the TAP the sluice namespace's kernel, unfinished
        self.run(self.nsexec(self.ns_cl, "ethtool", "-K", self.if_co, "tx", "off", "tso", "off",
                             "gso", "off"))
        # the client speaks IPv6 too (quietly: no router solicitations, no DAD)
        self.run(self.nsexec(self.ns_cl, "sysctl", "-qw",
                             "net.ipv6.conf.%s.router_solicitations=0" % self.if_co,
                             "net.ipv6.conf.%s.disable_ipv6=0" % self.if_co))
        self.run(["ip", "-n", self.ns_cl, "addr", "add", CL6 + "/64", "dev", self.if_co,
                  "nodad"])

    def excp_config(self, kif=None):
        text = self.config_text(TARGETS, 0, HC)
        kif = kif or self.kif
        out = []
        for line in text.splitlines():
            if line.startswith("node:"):
                line = line.replace(" }", ", exception_rate: %d }" % RATE)
            elif "name: outside" in line:
                line = line.replace("addresses: [%s/24]" % lk.SL_OUT_IP,
                                    'addresses: [%s/24, "%s/64"], mtu: %d, kernel_interface: %s'
                                    % (lk.SL_OUT_IP, SL_OUT6, MTU, kif))
            elif line.startswith("inspection:"):
                out += ["  - name: web", "    protocol: tcp",
                        "    health_check: { protocol: tcp, port: %d }" % lk.HEALTH_PORT,
                        "    targets: [{ id: w1, address: %s, port: 80, zone: %s }]"
                        % (WEB_TARGET, lk.ZONE)]
            out.append(line)
        out += ["zones: { %s: %s }" % (lk.ZONE, ZONE_IP),
                "listeners:",
                "  - { name: web, protocol: tcp, port: %d, target_group: web }" % LISTEN_PORT]
        return "\n".join(out) + "\n"

    def start_tap_capture(self):
        self.dumpcap += 1
        name = "tap%d" % self.dumpcap
        self.start_dumpcap("cap-" + name, name, self.ns_dp, self.kif, 16)
        return name

    def stats(self):
        st = self.dp_stats()
        return st.get("events", {}), st.get("drops", {}), st.get("ports", {})

    def quiet_stats(self, settle=1, timeout=20):
        """Counters once outside's rx, kernel_in and kernel_out have not moved for `settle`
        polls 0.5 s apart."""
        last, same = None, 0
        deadline = time.monotonic() + timeout
        while True:
            cur = self.stats()
            key = (cur[2].get("outside", {}).get("rx_packets"), cur[0].get("kernel_in"),
                   cur[0].get("kernel_out"))
            same = same + 1 if key == last else 0
            if same >= settle or time.monotonic() > deadline:
                return cur
            last = key
            time.sleep(0.5)

    def kernel_snmp(self, proto, field):
        text = self.run(self.nsexec(self.ns_dp, "cat", "/proc/net/snmp")).stdout
        rows = [l.split() for l in text.splitlines() if l.startswith(proto + ":")]
        return int(rows[1][rows[0].index(field)])


def delta(a, b, key):
    return b.get(key, 0) - a.get(key, 0)


def phase_setup(lab, rep):
    link = lab.run(["ip", "-n", lab.ns_dp, "-d", "link", "show", lab.kif]).stdout
    addrs = lab.run(["ip", "-n", lab.ns_dp, "addr", "show", "dev", lab.kif]).stdout
    mac = re.search(r"link/ether (\S+)", link)
    mtu = re.search(r" mtu (\d+)", link)
    rep.check(mac and mac.group(1) == lk.SL_OUT_MAC and mtu and int(mtu.group(1)) == MTU and
              ",UP" in link and "tun type tap" in link and "multi_queue" in link,
              "kernel interface %s: a multi-queue TAP with the port's MAC %s, mtu %d, up"
              % (lab.kif, lk.SL_OUT_MAC, MTU), link)
    v6 = [l for l in addrs.splitlines() if SL_OUT6 + "/64" in l]
    rep.check(("inet %s/24" % lk.SL_OUT_IP) in addrs and len(v6) == 1 and "nodad" in v6[0] and
              "tentative" not in v6[0],
              "its addresses: %s/24 and %s/64 (nodad, not tentative)" % (lk.SL_OUT_IP, SL_OUT6),
              addrs)


def phase_tcp(lab, rep):
    ev0, _, _ = lab.stats()
    srv = ns_socket(lab.ns_dp)
    srv.bind((lk.SL_OUT_IP, BGP_PORT))
    srv.listen(1)
    ok, detail = tcp_exchange(srv, ns_socket(lab.ns_cl), (lk.SL_OUT_IP, BGP_PORT))
    rep.check(ok, "TCP client -> %s:%d (a server in the sluice namespace's kernel): 100000 "
              "bytes each way" % (lk.SL_OUT_IP, BGP_PORT), detail)
    # the kernel connects out: it has to resolve the client by ARP through the TAP
    lab.run(["ip", "-n", lab.ns_dp, "neigh", "flush", "dev", lab.kif])
    srv = ns_socket(lab.ns_cl)
    srv.bind((lk.CL_IP, CL_PORT))
    srv.listen(1)
    ok, detail = tcp_exchange(srv, ns_socket(lab.ns_dp), (lk.CL_IP, CL_PORT))
    neigh = lab.run(["ip", "-n", lab.ns_dp, "neigh", "show", lk.CL_IP, "dev", lab.kif]).stdout
    ev1, _, _ = lab.stats()
    # sluice-dp itself has no entry for the client (it never forwards to it): it does not
    # learn it (docs/dataplane.md "Neighbours"), it only hands the reply on
    rep.check(ok and lk.CL_MAC in neigh,
              "TCP from the kernel -> %s:%d: 100000 bytes each way; the kernel learned the "
              "client's MAC from the ARP reply sluice-dp handed it (%s; arp_learned +%d)"
              % (lk.CL_IP, CL_PORT, neigh.strip(), delta(ev0, ev1, "arp_learned")), detail)


def phase_tcp6(lab, rep):
    """IPv6: sluice-dp answers the client's solicitation for its address; the kernel's own
    solicitation for the client goes out through the TAP and the advertisement comes back to
    it only as sluice-dp's copy."""
    ev0, _, _ = lab.stats()
    lab.run(["ip", "-n", lab.ns_dp, "-6", "neigh", "flush", "dev", lab.kif])
    srv = ns_socket(lab.ns_dp, socket.AF_INET6)
    srv.bind((SL_OUT6, BGP_PORT))
    srv.listen(1)
    ok, detail = tcp_exchange(srv, ns_socket(lab.ns_cl, socket.AF_INET6), (SL_OUT6, BGP_PORT))
    neigh = lab.run(["ip", "-n", lab.ns_dp, "-6", "neigh", "show", CL6, "dev", lab.kif]).stdout
    ev1, _, _ = lab.stats()
    rep.check(ok and lk.CL_MAC in neigh and delta(ev0, ev1, "nd_advert") >= 1,
              "TCP over IPv6 client -> [%s]:%d: 100000 bytes each way; sluice-dp answered the "
              "client's solicitation (nd_advert +%d), the kernel resolved the client through "
              "the TAP (%s; nd_learned +%d)" % (SL_OUT6, BGP_PORT, delta(ev0, ev1, "nd_advert"),
                                               neigh.strip(), delta(ev0, ev1, "nd_learned")),
              detail)


def phase_udp(lab, rep):
    ev0, _, _ = lab.stats()
    usrv = ns_socket(lab.ns_dp, kind=socket.SOCK_DGRAM)
    usrv.bind((lk.SL_OUT_IP, BFD_PORT))
    usrv.settimeout(3)
    ucli = ns_socket(lab.ns_cl, kind=socket.SOCK_DGRAM)
    ucli.bind((lk.CL_IP, BFD_PORT + 1))
    ucli.settimeout(3)
    want = [b"sluice-excp-%04d" % i for i in range(N_UDP)]
    got, back = [], []
    for p in want:
        ucli.sendto(p, (lk.SL_OUT_IP, BFD_PORT))
        time.sleep(0.002)
    try:
        while len(got) < N_UDP:
            d, peer = usrv.recvfrom(2048)
            got.append(d)
            usrv.sendto(d.upper(), peer)
        while len(back) < N_UDP:
            back.append(ucli.recvfrom(2048)[0])
    except socket.timeout:
        pass
    ev1, _, _ = lab.stats()
    rep.check(sorted(got) == want and sorted(back) == [p.upper() for p in want],
              "UDP: %d/%d datagrams to %s:%d reached the kernel's socket, %d/%d replies came "
              "back (kernel_in +%d, kernel_out +%d)" % (
                  len(got), N_UDP, lk.SL_OUT_IP, BFD_PORT, len(back), N_UDP,
                  delta(ev0, ev1, "kernel_in"), delta(ev0, ev1, "kernel_out")))
    rep.check(delta(ev0, ev1, "kernel_in") >= N_UDP and delta(ev0, ev1, "kernel_out") >= N_UDP,
              "kernel_in and kernel_out grew by at least the %d datagrams each way" % N_UDP)
    usrv.close()
    ucli.close()


def phase_not_kernel(lab, rep):
    """What sluice-dp keeps: ping, GENEVE to the node, transit, listener traffic."""
    echos0 = lab.kernel_snmp("Icmp", "InEchos")
    ev0, dr0, _ = lab.quiet_stats()
    res = lab.run(lab.nsexec(lab.ns_cl, lk.PYTHON, os.path.join(HERE, "run_live.py"),
                             "--helper-ping", lk.SL_OUT_IP, str(N_PING)), timeout=60)
    ping = json.loads(res.stdout.strip().splitlines()[-1])
    frames = [lk.udp_frame(i, 1, lk.CL_IP, lk.SL_OUT_IP, 40000, lk.GENEVE_PORT)
              for i in range(3)]  # too short for GENEVE: geneve_truncated
    frames += [lk.udp_frame(i, 2, lk.unique_src(i), "198.51.100.%d" % (1 + i % 200), 5000 + i,
                            53) for i in range(N_TRANSIT)]
    frames += [tcp_syn(lk.unique_src(1000 + i), ZONE_IP, 20000 + i, LISTEN_PORT)
               for i in range(4)]
    lab.send(frames, pps=2000)
    ev1, dr1, _ = lab.quiet_stats()
    echos1 = lab.kernel_snmp("Icmp", "InEchos")
    rep.check(ping["replies"] == N_PING and delta(ev0, ev1, "icmp_echo_reply") == N_PING and
              echos1 == echos0,
              "ping %s: %d/%d replies from sluice-dp (icmp_echo_reply +%d); the kernel saw "
              "no echo request (InEchos %d -> %d)" % (lk.SL_OUT_IP, ping["replies"], N_PING,
                                                     delta(ev0, ev1, "icmp_echo_reply"),
                                                     echos0, echos1), ping)
    geneve_drops = sum(delta(dr0, dr1, k) for k in dr1 if k.startswith("geneve_"))
    rep.check(geneve_drops == 3 and
              delta(ev0, ev1, "geneve_encap") == N_TRANSIT and
              delta(ev0, ev1, "nlb_new_flow") == 4 and delta(ev0, ev1, "kernel_in") == 0 and
              delta(dr0, dr1, "kernel_ratelimit") == 0,
              "3 bad GENEVE to the node (geneve_* drops +%d), %d transit frames (geneve_encap "
              "+%d), 4 SYNs to the listener (nlb_new_flow +%d): kernel_in +%d" % (
                  geneve_drops, N_TRANSIT,
                  delta(ev0, ev1, "geneve_encap"), delta(ev0, ev1, "nlb_new_flow"),
                  delta(ev0, ev1, "kernel_in")))
    # an error about the host's own flow (10.0.1.10:40000 -> client): the kernel's
    unreach0 = lab.kernel_snmp("Icmp", "InDestUnreachs")
    quoted = ipv4(17, lk.SL_OUT_IP, lk.CL_IP, struct.pack("!HHHH", 40000, 50000, 16, 0) +
                  b"x" * 8)
    lab.send([icmp_frag_needed(lk.CL_IP, lk.SL_OUT_IP, quoted)], pps=100)
    ev2, dr2, _ = lab.quiet_stats()
    unreach1 = lab.kernel_snmp("Icmp", "InDestUnreachs")
    rep.check(delta(ev1, ev2, "kernel_in") == 1 and delta(dr1, dr2, "nlb_icmp_unknown") == 0 and
              unreach1 == unreach0 + 1,
              "an ICMP fragmentation-needed about the host's own flow went to the kernel "
              "(kernel_in +%d, nlb_icmp_unknown +%d, kernel InDestUnreachs %d -> %d)" % (
                  delta(ev1, ev2, "kernel_in"), delta(dr1, dr2, "nlb_icmp_unknown"),
                  unreach0, unreach1))


def start_counted_capture(lab):
    """Start the TAP capture while nothing crosses the TAP (the kernel's start-up MLD reports
    are over): (capture name, the counters it starts from)."""
    for _ in range(5):
        base, _, _ = lab.quiet_stats(settle=4)
        cap = lab.start_tap_capture()
        now, _, _ = lab.stats()
        if all(now.get(k) == base.get(k) for k in ("kernel_in", "kernel_out")):
            return cap, base
        lab.stop("cap-" + cap, timeout=10)
    raise lk.Abort("the kernel interface never went quiet for the capture to start")


def phase_capture_counts(lab, rep, cap, base):
    """kernel_in / kernel_out since `base` against the TAP capture `cap` (started before)."""
    ev, _, _ = lab.quiet_stats()
    lab.stop("cap-" + cap, timeout=10)
    ev2, _, _ = lab.stats()  # a frame may slip in before dumpcap stops: either must match
    frames = lk.read_pcap(os.path.join(lab.work, cap + ".pcap"))
    sl = lk.mac_b(lk.SL_OUT_MAC)
    from_kernel = sum(1 for _, f in frames if f[6:12] == sl)
    to_kernel = len(frames) - from_kernel
    match = [e for e in (ev, ev2) if delta(base, e, "kernel_in") == to_kernel and
             delta(base, e, "kernel_out") == from_kernel]
    rep.check(match and to_kernel > N_UDP,
              "kernel_in %d = frames the TAP capture saw going to the kernel (%d), kernel_out "
              "%d = frames the kernel wrote (%d)" % (
                  delta(base, ev, "kernel_in"), to_kernel, delta(base, ev, "kernel_out"),
                  from_kernel))


def phase_flood(lab, rep):
    ev0, dr0, pt0 = lab.quiet_stats()
    flood = [lk.udp_frame(i, 3, lk.CL_IP, lk.SL_OUT_IP, 10000 + i % 4096, BFD_PORT + 2)
             for i in range(N_FLOOD)]
    fwd = [lk.udp_frame(i, 4, lk.unique_src(5000 + i), "198.51.100.%d" % (1 + i % 200),
                        6000 + i % 3000, 53) for i in range(N_FWD)]
    t0 = time.monotonic()
    bg = lab.send(fwd, pps=FWD_PPS, background=True)
    res = lab.send(flood, pps=FLOOD_PPS, timeout=300)
    bg.wait(120)
    elapsed = time.monotonic() - t0
    ev1, dr1, pt1 = lab.quiet_stats()
    kin, klim = delta(ev0, ev1, "kernel_in"), delta(dr0, dr1, "kernel_ratelimit")
    kfull = delta(dr0, dr1, "kernel_tx_full")
    burst = max(RATE // 10, 32)
    bound = WORKERS * (RATE * (elapsed + 1) + burst)
    rep.info("flood: %d frames in %.1f s (helper %s), with %d transit frames at %d pps" % (
        N_FLOOD, elapsed, res, N_FWD, FWD_PPS))
    floor = int(RATE * res["seconds"] * 0.8)  # one worker's rate over the flood at least
    rep.check(klim > 0 and floor <= kin <= bound and kin + klim + kfull >= N_FLOOD * 0.95,
              "flood above exception_rate %d/s per worker: kernel_in +%d (between %d and %d "
              "for %d workers over %.1f s), kernel_ratelimit +%d, kernel_tx_full +%d" % (
                  RATE, kin, floor, bound, WORKERS, elapsed, klim, kfull))
    encap = delta(ev0, ev1, "geneve_encap")
    rep.check(encap == N_FWD, "transit traffic sent during the flood: %d/%d encapsulated"
              % (encap, N_FWD))
    rx = delta(pt0.get("outside", {}), pt1.get("outside", {}), "rx_packets")
    outcomes = {k: delta(ev0, ev1, k) for k in ("kernel_in", "geneve_encap", "arp_reply",
                                                "icmp_echo_reply", "nd_advert", "nlb_forward",
                                                "nlb_reply")}
    drops = {k: delta(dr0, dr1, k) for k in dr1 if k != "tx_full" and delta(dr0, dr1, k)}
    total = sum(outcomes.values()) + sum(drops.values())
    rep.check(rx == total and rx >= N_FLOOD * 0.95 + N_FWD,
              "every frame received on outside (%d) was sent, handed on or dropped once: %s "
              "+ drops %s = %d" % (rx, {k: v for k, v in outcomes.items() if v}, drops, total))


def phase_exit(lab, rep):
    rc = lab.stop_dp()
    gone = lab.run(["ip", "-n", lab.ns_dp, "link", "show", lab.kif], check=False)
    rep.check(rc == 0 and gone.returncode != 0,
              "sluice-dp exited %s on SIGINT and %s is gone" % (rc, lab.kif))
    # a kernel_interface that exists already (the appliance veth): refused, nothing left behind
    lab.write_config(lab.excp_config(kif=lab.if_sa))
    res = lab.run(lab.nsexec(lab.ns_dp, lab.sluice_dp, "--lcores", lab.lcores, "--no-huge",
                             "-m", "512", "--no-pci", "--no-shconf", "--file-prefix",
                             lab.prefix, "--", "--config", lab.config), check=False, timeout=60)
    links = lab.run(["ip", "-n", lab.ns_dp, "-o", "link", "show"]).stdout
    want = "kernel_interface %s: an interface of that name exists already" % lab.if_sa
    rep.check(res.returncode == 1 and want in res.stderr + res.stdout and "tun" not in
              lab.run(["ip", "-n", lab.ns_dp, "-d", "-o", "link", "show"]).stdout,
              "kernel_interface naming an existing interface: exit %d, \"%s\"; no TAP left (%d "
              "links)" % (res.returncode, want, len(links.splitlines())),
              (res.stderr + res.stdout)[-1500:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sluice-dp", default=os.path.join(lk.ROOT, "build", "dataplane",
                                                        "sluice-dp"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.sluice_dp = os.path.abspath(args.sluice_dp)
    lk.preflight("exception path live test", [("sluice-dp", args.sluice_dp)],
                 tools=("ip", "dumpcap", "ethtool"))
    ref = []

    def body(rep):
        lab = ExcpLab(args.sluice_dp, args.keep)
        ref.append(lab)
        lab.setup_net()
        lab.write_config(lab.excp_config())
        t = lab.start_dp(dp_args=["--idle-sleep", str(IDLE_SLEEP_US)])
        rep.info("sluice-dp up in %.1f s (work dir %s)" % (t, lab.work))
        cap, base = start_counted_capture(lab)
        phase_setup(lab, rep)
        phase_tcp(lab, rep)
        phase_tcp6(lab, rep)
        phase_udp(lab, rep)
        phase_not_kernel(lab, rep)
        phase_capture_counts(lab, rep, cap, base)
        phase_flood(lab, rep)
        phase_exit(lab, rep)

    return lk.main_guard(ref, body, "exception path live test")


if __name__ == "__main__":
    sys.exit(main())
