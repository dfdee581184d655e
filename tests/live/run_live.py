#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live test: sluice-dp on kernel veths in network namespaces, with several worker lcores.

    run_live.py --sluice-dp PATH [--workers N] [--qpairs N] [--lcores SPEC] [--keep]

Topology (every name carries this process's PID; all of it is deleted at the end, also on
failure or SIGTERM):

    netns slcl<pid>                 netns sl<pid>: sluice-dp                 netns slap<pid>
    co<pid> 10.0.1.2, .3  <-veth->  so<pid> outside  appliances sa<pid>  <-veth->  ap<pid> .11-.14
                                    net_af_packet0   net_af_packet1         192.168.50.0/24
                                    (qpairs = workers; the kernel spreads frames over the
                                     queues with PACKET_FANOUT, one queue per worker)

sluice-dp runs with `--lcores 0@0,1@1,2@1` (two workers by default), --no-huge --no-shconf. The
config has no `mac:` keys: sluice-dp uses the MACs af_packet reads from the veths. Static
neighbours point the client hosts, the default next hop and the appliances at MACs no kernel
owns, so the namespaces' kernels never answer sluice's output (no port-unreachable, no RST);
kernel IPv6 is off on the links. Two dumpcaps record both links for the whole run.

Phases:
  A. ARP + ping: the client kernel resolves sluice's outside address (neighbour table
     flushed) and pings it through a raw ICMP socket.
  B. Inspection: 345 flows (UDP, TCP SYN / SYN-ACK, IPv6 UDP, one ICMP echo) sent into the
     outside port in rounds: forward, reverse (swapped addresses, as returning traffic), forward
     again, then ICMP errors quoting some flows (they hash to either queue, so many are handled
     by the other worker than their flow and must still follow it). The appliance side must see
     one GENEVE frame per packet (RFC 8926 + options 0x0108 1/2/3, also decoded by tshark), inner
     L3 byte-identical, each flow (both directions, its ICMP errors) on one appliance with one
     UDP source port and one cookie, all appliances used, every af_packet queue (= every worker)
     busy (ethdev telemetry); the /sluice/stats telemetry command (tiny client and
     dpdk-telemetry.py) reports geneve_encap while sluice-dp runs. Hashes, cookies and Maglev
     choices are compared with tests/pcap/sluice_ref.py when it is there.
  C. Return path: the captured GENEVE frames go back from the appliance side (outer IPs/MACs
     swapped, UDP checksum zero or valid), plus a wrong cookie and a wrong UDP checksum. Every
     valid inner packet must leave `outside` byte-identical at L3 to its next hop's MAC; the
     first one to 10.0.1.3 (no static neighbour) makes sluice ARP for it and is dropped, the
     second one goes to the MAC the client kernel answered with.
  At the end (SIGINT, --stats-json): per-port rx/tx packets and bytes equal what the captures
  saw, every event and drop counter equals what was sent, per-target counters equal the capture.

Exit 0 pass, 1 fail, 77 skip (not root, no netns, tools missing).
"""

import argparse
import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from pylib.csum import csum  # noqa: E402
from pylib.frames import mac_b, mac_s  # noqa: E402
from pylib.netns import NetnsLab, helper_send, preflight as netns_preflight  # noqa: E402
from pylib.pcapio import read_capture, write_frames as write_pcap  # noqa: E402
from pylib.ref import sluice_ref as ref_module  # noqa: E402
from pylib.report import Abort, Report, skip as skip_test  # noqa: E402

GENEVE_PORT = 6081
GWLB_CLASS = 0x0108
ENDPOINT_ID = 0x0A0B0C0D01020304
ATTACHMENT_ID = 0x1122334455667788
SECRET_HEX = "000102030405060708090a0b0c0d0e0f"

# addresses and MACs (02:5c:... locally administered)
SL_OUT_IP, SL_APP_IP, CL_IP, NH_IP = "10.0.1.10", "192.168.50.1", "10.0.1.2", "10.0.1.1"
SL_OUT6, NH6, CLIENT6 = "2001:db8:a::10", "2001:db8:a::1", "2001:db8:a::100"
SL_OUT_MAC, SL_APP_MAC = "02:5c:00:00:01:0a", "02:5c:00:00:02:01"
CL_MAC, AP_MAC = "02:5c:00:00:01:02", "02:5c:00:00:02:fe"
NH_MAC = "02:5c:00:00:01:01"  # the default route's next hop: nobody's kernel
CLIENTS = {"10.0.1.%d" % (100 + i): "02:5c:00:00:01:%02x" % (0x64 + i) for i in range(4)}
CLIENT6_MAC = "02:5c:00:00:01:6a"
APPLIANCES = [("fw-a", "192.168.50.11", "02:5c:00:00:02:11"),
              ("fw-b", "192.168.50.12", "02:5c:00:00:02:12"),
              ("fw-c", "192.168.50.13", "02:5c:00:00:02:13"),
              ("fw-d", "192.168.50.14", "02:5c:00:00:02:14")]
APP_BY_IP = {ip: (tid, mac) for tid, ip, mac in APPLIANCES}

# af_packet ring: frames of 1600 bytes (a 1500-MTU frame + VLAN fits: the kernel leaves 1534
# after its header) because sluice-dp's mbufs hold 1590 data bytes and af_packet's default 2048
# needs 2016; blocks a multiple of the frame size, as DPDK 22.11's af_packet assumes frames are
# contiguous (frame i at i * framesz) and stalls after the first block otherwise. 2048 frames per
# queue: a worker descheduled for a while (busy machine, two workers on one CPU) loses nothing.
AF_PACKET_ARGS = "qpairs=%d,blocksz=102400,framesz=1600,framecnt=2048"
N_UDP4, N_TCP4, N_UDP6 = 160, 160, 24
N_ERR_UDP4, N_ERR_TCP4, N_ERR_UDP6 = 24, 16, 8
CL_IP2, ECHO_SERVER = "10.0.1.3", "198.51.100.200"
PINGS = 3
DPDK_TELEMETRY = "/usr/bin/dpdk-telemetry.py"
SEND_PPS = 20000


# --- helpers run inside a namespace (ip netns exec NS run_live.py --helper-...) ---------------

def helper_ping(dst, count):
    """Ping dst through the kernel (raw ICMP socket: the kernel resolves ARP first)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    res = {"sent": 0, "replies": 0, "bad": [], "rtt_ms": []}
    for seq in range(1, count + 1):
        payload = b"sluice-live-ping-%04d" % seq + bytes(range(16))
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq) + payload
        t0 = time.monotonic()
        s.sendto(pkt, (dst, 0))
        res["sent"] += 1
        deadline = t0 + 2.0
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, addr = s.recvfrom(2048)
            except socket.timeout:
                break
            ihl = (data[0] & 15) * 4
            icmp = data[ihl:]
            if addr[0] != dst or len(icmp) < 8 or icmp[0] != 0:
                continue
            _, _, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if rid != ident or rseq != seq:
                continue
            if csum(icmp) != 0:
                res["bad"].append("seq %d: bad ICMP checksum" % seq)
            elif icmp[8:] != payload:
                res["bad"].append("seq %d: payload not echoed" % seq)
            else:
                res["replies"] += 1
                res["rtt_ms"].append(round((time.monotonic() - t0) * 1000, 2))
            break
    print(json.dumps(res))


# --- the environment: namespaces, veths, processes; everything torn down in cleanup() --------

class Env(NetnsLab):
    def __init__(self, work, keep):
        super().__init__(work)
        pid = os.getpid()
        self.pid = pid
        self.keep = keep
        self.ns_sl, self.ns_cl, self.ns_ap = "sl%d" % pid, "slcl%d" % pid, "slap%d" % pid
        self.if_so, self.if_co = "so%d" % pid, "co%d" % pid
        self.if_sa, self.if_ap = "sa%d" % pid, "ap%d" % pid
        self.prefix = "sluicelive%d" % pid

    def cleanup(self):
        super().cleanup()
        self.remove_links(self.if_so, self.if_co, self.if_sa, self.if_ap)
        shutil.rmtree(os.path.join("/var/run/dpdk", self.prefix), ignore_errors=True)


# --- DPDK telemetry (a tiny v2 client) ------------------------------------------------------

def telemetry(sock_path, cmd, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        json.loads(s.recv(16384).decode())  # the greeting: version, pid, max_output_len
        s.send(cmd.encode())
        reply = json.loads(s.recv(1 << 20).decode())
    finally:
        s.close()
    return reply.get(cmd.split(",")[0])


# --- frames ---------------------------------------------------------------------------------

def parse_inner(l3):
    """(family, proto, src, dst, sport, dport) of an IPv4/IPv6 packet without extensions."""
    if l3[0] >> 4 == 4:
        ihl = (l3[0] & 15) * 4
        proto, src, dst, l4 = l3[9], l3[12:16], l3[16:20], l3[ihl:]
        fam = 4
    else:
        proto, src, dst, l4 = l3[6], l3[8:24], l3[24:40], l3[40:]
        fam = 6
    sport, dport = struct.unpack("!HH", l4[:4]) if proto in (6, 17) else (0, 0)
    return fam, proto, src, dst, sport, dport


def flow_id(l3):
    fam, proto, src, dst, sport, dport = parse_inner(l3)
    a, b = sorted([(src, sport), (dst, dport)])
    return (fam, proto, a, b)


def flow_name(fid):
    fam, proto, (a, pa), (b, pb) = fid
    ip = ipaddress.ip_address
    return "%s %s:%d <-> %s:%d" % ({6: "tcp", 17: "udp"}.get(proto, proto), ip(a), pa, ip(b), pb)


def build_traffic():
    """Frames into sluice's outside port, round by round: [(frame, l3, kind, flow index)].

    Round 0: every flow forward; round 1: every flow reversed (as returning traffic would
    arrive on outside); round 2: forward again (the echo flow: a second reply). Round 3: ICMP
    errors quoting a forward packet of some flows: their own 5-tuple hashes them to either
    af_packet queue, so about half are handled by the other worker than their flow, and must
    still follow the flow (shared flow table: no new flow, same appliance, cookie, port).
    """
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import ICMPv6DestUnreach, IPv6
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    rnd = random.Random(20240607)
    clients = sorted(CLIENTS)
    flows = []  # (kind, client, server, client port / icmp id, server port)
    for i in range(N_UDP4):
        flows.append(("udp4", clients[i % 4], "198.51.100.%d" % (1 + i % 50), 20000 + i,
                      rnd.choice([53, 123, 443, 4789, 5060])))
    for i in range(N_TCP4):
        flows.append(("tcp4", clients[(i + 1) % 4], "203.0.113.%d" % (1 + i % 60), 30000 + i,
                      rnd.choice([22, 80, 443, 8080])))
    for i in range(N_UDP6):
        flows.append(("udp6", CLIENT6, "2001:db8:ff::%x" % (1 + i), 40000 + i, 443))
    # the client kernel's own second address, no static neighbour: sluice must ARP for it
    flows.append(("echo4", CL_IP2, ECHO_SERVER, 0x4242, 0))
    seq = [0]

    def frame(kind, src, dst, sp, dp, rev, rnd_no):
        seq[0] += 1
        n = seq[0]
        smac = NH_MAC if rev else CLIENTS.get(src, CLIENT6_MAC if kind == "udp6" else CL_MAC)
        eth = Ether(src=smac, dst=SL_OUT_MAC)
        payload = Raw(b"sluice-live %s %05d r%d" % (kind.encode(), n, rnd_no))
        if kind == "udp4":
            pkt = eth / IP(src=src, dst=dst, id=n, flags="DF", ttl=61) / UDP(sport=sp, dport=dp) \
                / payload
        elif kind == "tcp4":
            flags = "SA" if rev else "S"
            pkt = eth / IP(src=src, dst=dst, id=n, flags="DF", ttl=62) / \
                TCP(sport=sp, dport=dp, flags=flags, seq=1000000 + n, ack=2000000 + n if rev
                    else 0, window=64240, options=[("MSS", 1460)])
        elif kind == "udp6":
            pkt = eth / IPv6(src=src, dst=dst, hlim=63, fl=n) / UDP(sport=sp, dport=dp) / payload
        else:  # echo4: request forward, reply reverse; the id is the "port" of both ends
            pkt = eth / IP(src=src, dst=dst, id=n, ttl=60) / \
                ICMP(type=0 if rev else 8, id=sp if not rev else dp, seq=n) / payload
        return pkt

    def wire(pkt):
        raw = bytes(pkt)
        l3 = raw[14:]
        if len(raw) < 60:  # pad like a real wire: sluice must strip it from the inner packet
            raw += b"\0" * (60 - len(raw))
        return raw, l3

    out, first_fwd = [], {}
    order = list(range(len(flows)))
    for rnd_no in range(3):
        rnd.shuffle(order)
        for i in order:
            kind, c, s, cp, sp = flows[i]
            rev = rnd_no == 1 or (rnd_no == 2 and kind == "echo4")
            if kind == "echo4" and rev:
                pkt = frame(kind, s, c, 0, cp, True, rnd_no)
            elif rev:
                pkt = frame(kind, s, c, sp, cp, True, rnd_no)
            else:
                pkt = frame(kind, c, s, cp, sp, False, rnd_no)
            raw, l3 = wire(pkt)
            if rnd_no == 0:
                first_fwd[i] = l3
            out.append((raw, l3, ("rev" if rev else "fwd") + "-" + kind, i))
    # round 3: ICMP errors about some flows, from the server (or a router) to the client
    errs = [i for i in range(len(flows)) if flows[i][0] == "udp4"][:N_ERR_UDP4] + \
        [i for i in range(len(flows)) if flows[i][0] == "tcp4"][:N_ERR_TCP4] + \
        [i for i in range(len(flows)) if flows[i][0] == "udp6"][:N_ERR_UDP6]
    rnd.shuffle(errs)
    for i in errs:
        kind, c, s, cp, sp = flows[i]
        seq[0] += 1
        eth = Ether(src=NH_MAC, dst=SL_OUT_MAC)
        if kind == "udp4":  # port unreachable from the server
            pkt = eth / IP(src=s, dst=c, id=seq[0], ttl=59) / ICMP(type=3, code=3) / \
                Raw(first_fwd[i])
        elif kind == "tcp4":  # host unreachable from a router on the way
            pkt = eth / IP(src="192.0.2.254", dst=c, id=seq[0], ttl=59) / \
                ICMP(type=3, code=1) / Raw(first_fwd[i])
        else:
            pkt = eth / IPv6(src=s, dst=c, hlim=59) / ICMPv6DestUnreach(code=4) / \
                Raw(first_fwd[i])
        raw, l3 = wire(pkt)
        out.append((raw, l3, "icmperr-" + kind, i))
    return out, flows


def parse_geneve_frame(fr):
    """Decode sluice's GENEVE frame; a dict, with 'problems' listing what is off."""
    pr = []
    d = {"problems": pr}
    if len(fr) < 14 + 20 + 8 + 8:
        pr.append("short frame %d" % len(fr))
        return d
    d["dst_mac"], d["src_mac"] = mac_s(fr[0:6]), mac_s(fr[6:12])
    etype = struct.unpack("!H", fr[12:14])[0]
    if etype != 0x0800:
        pr.append("ethertype 0x%04x" % etype)
        return d
    ip = fr[14:34]
    vihl, _, tot, ident, frag, ttl, proto, _ = struct.unpack("!BBHHHBBH", ip[:12])
    d["src"], d["dst"] = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    if vihl != 0x45:
        pr.append("outer IPv4 version/ihl 0x%02x" % vihl)
    if csum(ip) != 0:
        pr.append("outer IPv4 checksum wrong")
    if tot != len(fr) - 14:
        pr.append("outer IPv4 total length %d, frame carries %d" % (tot, len(fr) - 14))
    if ident != 0 or frag != 0x4000:
        pr.append("outer id %d / flags-frag 0x%04x (want 0, DF)" % (ident, frag))
    if ttl != 64 or proto != 17:
        pr.append("outer ttl %d proto %d" % (ttl, proto))
    udp = fr[34:42]
    sport, dport, ulen, ucsum = struct.unpack("!HHHH", udp)
    d["sport"] = sport
    if dport != GENEVE_PORT or ulen != tot - 20 or ucsum != 0:
        pr.append("udp dport %d len %d csum 0x%04x" % (dport, ulen, ucsum))
    g = fr[42:]
    ver, optlen = g[0] >> 6, (g[0] & 0x3F) * 4
    oc, gproto = g[1], struct.unpack("!H", g[2:4])[0]
    vni = int.from_bytes(g[4:7], "big")
    if ver != 0 or oc != 0 or vni != 0 or g[7] != 0 or optlen != 32:
        pr.append("geneve ver %d flags 0x%02x vni %d opt len %d" % (ver, oc, vni, optlen))
    opts, off = [], 8
    while off < 8 + optlen and off + 4 <= len(g):
        cls, typ, ln = struct.unpack("!HBB", g[off:off + 4])
        ln = (ln & 0x1F) * 4
        opts.append((cls, typ, g[off + 4:off + 4 + ln]))
        off += 4 + ln
    if [(c, t, len(v)) for c, t, v in opts] != [(GWLB_CLASS, 1, 8), (GWLB_CLASS, 2, 8),
                                                (GWLB_CLASS, 3, 4)]:
        pr.append("options %s" % [(hex(c), t, len(v)) for c, t, v in opts])
        return d
    d["endpoint"] = int.from_bytes(opts[0][2], "big")
    d["attachment"] = int.from_bytes(opts[1][2], "big")
    d["cookie"] = int.from_bytes(opts[2][2], "big")
    if d["endpoint"] != ENDPOINT_ID or d["attachment"] != ATTACHMENT_ID:
        pr.append("endpoint 0x%x attachment 0x%x" % (d["endpoint"], d["attachment"]))
    d["inner"] = g[8 + optlen:]
    want = 0x0800 if d["inner"][:1] and d["inner"][0] >> 4 == 4 else 0x86DD
    if gproto != want:
        pr.append("geneve protocol 0x%04x, inner wants 0x%04x" % (gproto, want))
    d["hdr"] = fr[:42 + 8 + optlen]
    return d


def make_return(fr, udp_checksum, cookie_xor=0):
    """The appliance's return of sluice's GENEVE frame fr: MACs and IPs swapped, ports kept."""
    ip = bytearray(fr[14:34])
    ip[12:16], ip[16:20] = fr[30:34], fr[26:30]
    ip[10:12] = b"\0\0"
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    rest = bytearray(fr[34:])
    if cookie_xor:
        # the cookie is the last 4 option bytes: udp 8 + geneve 8 + 32 - 4
        off = 8 + 8 + 32 - 4
        rest[off:off + 4] = struct.pack("!I", struct.unpack("!I", rest[off:off + 4])[0]
                                        ^ cookie_xor)
    rest[6:8] = b"\0\0"
    if udp_checksum:
        pseudo = bytes(ip[12:20]) + struct.pack("!BBH", 0, 17, len(rest))
        c = csum(pseudo + bytes(rest)) or 0xFFFF
        if udp_checksum == "bad":
            c ^= 0x5A5A
        rest[6:8] = struct.pack("!H", c)
    src_mac = APP_BY_IP[socket.inet_ntoa(fr[30:34])][1]
    return mac_b(SL_APP_MAC) + mac_b(src_mac) + b"\x08\x00" + bytes(ip) + bytes(rest)


def config_text(env):
    lines = [
        "# generated by tests/live/run_live.py",
        'node: { zone: az1, cookie_secret: "%s" }' % SECRET_HEX,
        "ports:",
        '  - { name: outside, device: "net_af_packet0,iface=%s,%s", addresses: [%s/24, "%s/64"] }'
        % (env.if_so, AF_PACKET_ARGS % env.qpairs, SL_OUT_IP, SL_OUT6),
        '  - { name: appliances, device: "net_af_packet1,iface=%s,%s", addresses: [%s/24] }'
        % (env.if_sa, AF_PACKET_ARGS % env.qpairs, SL_APP_IP),
        "routes:",
        "  - { prefix: 0.0.0.0/0, via: %s }" % NH_IP,
        '  - { prefix: "::/0", via: "%s" }' % NH6,
        "neighbors:",
        '  - { address: %s, mac: "%s" }' % (NH_IP, NH_MAC),
        '  - { address: "%s", mac: "%s" }' % (NH6, NH_MAC),
        '  - { address: "%s", mac: "%s" }' % (CLIENT6, CLIENT6_MAC),
    ]
    lines += ['  - { address: %s, mac: "%s" }' % (ip, mac) for ip, mac in sorted(CLIENTS.items())]
    lines += ['  - { address: %s, mac: "%s" }' % (ip, mac) for _, ip, mac in APPLIANCES]
    lines += ["target_groups:", "  - name: firewalls", "    protocol: geneve", "    targets:"]
    lines += ["      - { id: %s, address: %s, zone: az1 }" % (t, ip) for t, ip, _ in APPLIANCES]
    lines += ["inspection:",
              "  - { name: ingress, endpoint_id: 0x%016x, attachment_id: 0x%016x, from: outside, "
              "chain: [firewalls] }" % (ENDPOINT_ID, ATTACHMENT_ID)]
    return "\n".join(lines) + "\n"


# --- the test -------------------------------------------------------------------------------

def skip(reason):
    skip_test("live test", reason)


def preflight(args):
    netns_preflight("live test", [("sluice-dp", args.sluice_dp)], ("ip", "dumpcap", "tshark"))
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        skip("scapy is not importable by %s" % sys.executable)


def setup_net(env):
    for ns in (env.ns_sl, env.ns_cl, env.ns_ap):
        env.add_netns(ns, quiet=True)
    env.add_veth(env.if_so, env.ns_sl, SL_OUT_MAC, env.if_co, env.ns_cl, CL_MAC, up=True)
    env.add_veth(env.if_sa, env.ns_sl, SL_APP_MAC, env.if_ap, env.ns_ap, AP_MAC, up=True)
    env.add_addrs(env.ns_cl, env.if_co, CL_IP + "/24", CL_IP2 + "/24")
    env.run(["ip", "-n", env.ns_cl, "route", "add", "default", "via", SL_OUT_IP])
    env.add_addrs(env.ns_ap, env.if_ap, *[ip + "/24" for _, ip, _ in APPLIANCES])


def start_capture(env, name, ns, iface):
    return env.start_dumpcap(name, name, ns, iface)


def stop_capture(env, name):
    env.stop(name, signal.SIGINT)
    return [f for _, f in read_capture(os.path.join(env.work, name + ".pcap"))]


def helper(env, ns, *args, timeout=60):
    res = env.run(env.nsexec(ns, PYTHON, os.path.abspath(__file__), *args), timeout=timeout)
    return json.loads(res.stdout.strip().splitlines()[-1])


def wait_counter(sock, key, want, timeout=10):
    """Poll /sluice/stats until counter key reaches want; the last dict seen."""
    deadline = time.monotonic() + timeout
    st = {}
    while time.monotonic() < deadline:
        st = telemetry(sock, "/sluice/stats") or {}
        if st.get(key, 0) >= want:
            time.sleep(0.2)  # let stragglers land, then read once more
            return telemetry(sock, "/sluice/stats") or st
        time.sleep(0.1)
    return st


def phase_arp_ping(env, rep):
    env.run(["ip", "-n", env.ns_cl, "neigh", "flush", "dev", env.if_co], check=False)
    res = helper(env, env.ns_cl, "--helper-ping", SL_OUT_IP, str(PINGS))
    rep.check(res["replies"] == PINGS and not res["bad"],
              "ping %s from the client netns (kernel ARP + ICMP echo): %d/%d replies%s"
              % (SL_OUT_IP, res["replies"], PINGS, " rtt ms %s" % res["rtt_ms"]),
              "; ".join(res["bad"]))
    neigh = json.loads(env.run(["ip", "-j", "-n", env.ns_cl, "neigh", "show", SL_OUT_IP,
                                "dev", env.if_co]).stdout or "[]")
    ll = neigh[0].get("lladdr") if neigh else None
    rep.check(ll == SL_OUT_MAC,
              "client kernel resolved %s by ARP to sluice's outside MAC %s (af_packet's MAC, "
              "no mac: key in the config): got %s %s" % (SL_OUT_IP, SL_OUT_MAC, ll,
                                                         neigh[0].get("state") if neigh else ""))


def telemetry_tool(env, rep):
    """DPDK's own client: dpdk-telemetry.py -f PREFIX, command /sluice/stats on stdin."""
    try:
        tool = subprocess.run([PYTHON, DPDK_TELEMETRY, "-f", env.prefix],
                              input="/sluice/stats\nquit\n", capture_output=True, text=True,
                              timeout=20)
        text = tool.stdout
        start = text.find('{"/sluice/stats"')
        tj = json.JSONDecoder().raw_decode(text[start:])[0]["/sluice/stats"] if start >= 0 \
            else {}
        rep.check(tj.get("geneve_encap", 0) > 0,
                  "dpdk-telemetry.py -f %s, /sluice/stats: geneve_encap = %s"
                  % (env.prefix, tj.get("geneve_encap")), text[-500:] + tool.stderr[-500:])
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        rep.check(False, "dpdk-telemetry.py -f %s" % env.prefix, str(exc))


def phase_inspection(env, rep, sock, traffic, flows):
    n_tx = len(traffic)
    cap = start_capture(env, "appl_phase1", env.ns_ap, env.if_ap)
    fwd_pcap = os.path.join(env.work, "client-send.pcap")
    write_pcap(fwd_pcap, [raw for raw, _, _, _ in traffic])
    t0 = time.monotonic()
    sent = helper(env, env.ns_cl, "--helper-send", env.if_co, fwd_pcap, str(SEND_PPS))["sent"]
    t1 = time.monotonic()
    st = wait_counter(sock, "geneve_encap", n_tx)
    kinds = Counter(kind for _, _, kind, _ in traffic)
    rep.info("sent %d frames of %d flows in %.2f s (counters settled %.2f s later): %s" % (
        sent, len(flows), t1 - t0, time.monotonic() - t1,
        ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
    time.sleep(0.2)
    frames = stop_capture(env, "appl_phase1")

    # telemetry while running
    rep.check(st.get("geneve_encap") == n_tx,
              "telemetry /sluice/stats while running: geneve_encap = %s (sent %d transit packets)"
              % (st.get("geneve_encap"), n_tx))
    if not os.path.exists(DPDK_TELEMETRY):
        rep.info("%s not installed: only the built-in telemetry client was used"
                 % DPDK_TELEMETRY)
    else:
        telemetry_tool(env, rep)
    queues = {}
    for pid, pname in ((0, "outside"), (1, "appliances")):
        es = telemetry(sock, "/ethdev/stats,%d" % pid) or {}
        nq = env.qpairs
        queues[pname] = (es.get("q_ipackets", [])[:nq], es.get("q_opackets", [])[:nq])
        rep.info("ethdev %d (%s): ipackets %s imissed %s ierrors %s rx_nombuf %s opackets %s "
                 "oerrors %s" % (pid, pname, es.get("ipackets"), es.get("imissed"),
                                 es.get("ierrors"), es.get("rx_nombuf"), es.get("opackets"),
                                 es.get("oerrors")))
    qi, qo = queues["outside"][0], queues["appliances"][1]
    rep.check(len(qi) == env.qpairs and all(qi) and sum(qi) >= n_tx,
              "all %d workers received: outside af_packet rx queues %s (ethdev telemetry; one "
              "queue per worker)" % (env.qpairs, qi))
    rep.check(len(qo) == env.qpairs and all(qo) and sum(qo) == n_tx,
              "all %d workers encapsulated: appliances af_packet tx queues %s"
              % (env.qpairs, qo))

    # the capture
    ours = [f for f in frames if f[6:12] == mac_b(SL_APP_MAC)]
    by_l3 = {l3: k for k, (_, l3, _, _) in enumerate(traffic)}
    seen = Counter()
    problems, per_flow = [], defaultdict(lambda: {"app": set(), "sport": set(), "cookie": set()})
    per_app = Counter()
    per_app_bytes = Counter()
    captured = []
    for fr in ours:
        d = parse_geneve_frame(fr)
        if not d["problems"]:
            app = APP_BY_IP.get(d["dst"])
            if app is None:
                d["problems"].append("outer dst %s is not an appliance" % d["dst"])
            elif d["dst_mac"] != app[1]:
                d["problems"].append("dst MAC %s, appliance %s has %s" % (d["dst_mac"], d["dst"],
                                                                          app[1]))
            if d["src"] != SL_APP_IP:
                d["problems"].append("outer src %s" % d["src"])
            k = by_l3.get(d["inner"])
            if k is None:
                d["problems"].append("inner packet is not one we sent byte for byte")
            else:
                seen[k] += 1
                f = per_flow[traffic[k][3]]
                f["app"].add(d["dst"])
                f["sport"].add(d["sport"])
                f["cookie"].add(d["cookie"])
                per_app[d["dst"]] += 1
                per_app_bytes[d["dst"]] += len(d["inner"])
                captured.append((fr, d, k))
        if d["problems"]:
            problems.append("; ".join(d["problems"]))
    others = len(frames) - len(ours)
    rep.check(not problems and len(ours) == n_tx,
              "appliance side got %d GENEVE frames from sluice for %d packets sent: outer "
              "Ether/IPv4/UDP 6081/GENEVE + options 0x0108 1,2,3 well formed" % (len(ours), n_tx),
              "\n".join(problems[:10]))
    missing = [k for k in range(n_tx) if seen[k] == 0]
    dup = [k for k in seen if seen[k] > 1]
    rep.check(not missing and not dup,
              "every packet sent was encapsulated exactly once, inner L3 byte-identical "
              "(VLAN-free, Ethernet padding stripped)",
              "missing %d (e.g. %s), duplicated %d" % (len(missing), missing[:5], len(dup)))
    split = {i: f for i, f in per_flow.items() if len(f["app"]) != 1}
    rep.check(len(per_flow) == len(flows) and not split,
              "every flow (%d, both directions) stayed on one appliance" % len(per_flow),
              "\n".join("%s: %s" % (flows[i][:3], sorted(f["app"])) for i, f in
                        list(split.items())[:10]))
    multi = {i: f for i, f in per_flow.items() if len(f["sport"]) != 1 or len(f["cookie"]) != 1}
    rep.check(not multi, "every flow kept one outer UDP source port and one cookie, both "
              "directions", "\n".join("%s: sports %s cookies %s" % (flows[i][:3], f["sport"],
                                                                   f["cookie"])
                                     for i, f in list(multi.items())[:10]))
    rep.check(len(per_app) >= 2,
              "flows spread over %d appliances: %s" % (len(per_app), dict(sorted(per_app.items()))))
    if others:
        rep.info("appliance side also saw %d frames not from sluice" % others)

    # an independent reference of the hashes, if the golden-test engineer's module is there
    ref = ref_module()
    if ref is None:
        rep.info("tests/pcap/sluice_ref.py not importable: no cross-check of cookie/sport/target")
    else:
        ids = [t for t, _, _ in APPLIANCES]
        secret = bytes.fromhex(SECRET_HEX)
        bad = []
        for fr, d, _ in captured:
            key = ref.flow_key(d["inner"], ref.STICK_5)
            h = ref.flow_hash(key)
            want = (ref.geneve_sport(h), ref.cookie(secret, key, d["dst"], ENDPOINT_ID),
                    ref.maglev_pick(ids, [1] * len(ids), h))
            got = (d["sport"], d["cookie"], APP_BY_IP[d["dst"]][0])
            if want != got:
                bad.append("%s: sluice %s, reference %s" % (flow_name(flow_id(d["inner"])), got,
                                                           want))
        rep.check(not bad, "UDP source port, cookie and Maglev target of all %d frames agree "
                  "with tests/pcap/sluice_ref.py" % len(captured), "\n".join(bad[:10]))

    # tshark's own decode of the GENEVE options
    res = subprocess.run(["tshark", "-n", "-r", cap, "-Y", "udp.dstport==6081 && eth.src==%s"
                          % SL_APP_MAC, "-T", "fields", "-E", "occurrence=a", "-E",
                          "aggregator=,", "-e", "geneve.option.class", "-e",
                          "geneve.option.type", "-e", "frame.protocols"],
                         capture_output=True, text=True, timeout=60)
    rows = [line.split("\t") for line in res.stdout.splitlines()]
    def decoded(r):
        if len(r) != 3 or ":geneve:" not in r[2]:
            return False
        inner = r[2].split(":geneve:")[1].split(":")
        return ([int(t, 0) for t in r[1].split(",")] == [1, 2, 3] and
                [int(c, 0) for c in r[0].split(",")] == [GWLB_CLASS] * 3 and
                len(inner) >= 2 and inner[0] in ("ip", "ipv6") and
                inner[1] in ("tcp", "udp", "icmp", "icmpv6"))

    good = [r for r in rows if decoded(r)]
    good6 = [r for r in good if ":geneve:ipv6:" in r[2]]
    rep.check(res.returncode == 0 and len(rows) == n_tx and len(good) == n_tx,
              "tshark decodes %d/%d GENEVE frames with options class 0x0108 types 1,2,3 and the "
              "inner IPv4/IPv6 + TCP/UDP (%d inner IPv6)" % (len(good), n_tx, len(good6)),
              ("\n".join(l for l in res.stderr.splitlines() if "Running as user" not in l) +
               "\n" + "\n".join("\t".join(r) for r in rows
                                                      if r not in good)[:1500]))
    return captured, per_app, per_app_bytes, per_flow


def phase_return(env, rep, sock, traffic, captured):
    """Send the appliance's returns; the inner packets that must come out of `outside`."""
    rets, valid, first, last = [], [], [], []
    for i, (fr, d, k) in enumerate(captured):
        ret = make_return(fr, udp_checksum=(i % 2 == 1))
        valid.append(d["inner"])
        if traffic[k][2] == "rev-echo4":  # to CL_IP2: the first one waits for sluice's ARP
            (first if not first else last).append((ret, d["inner"]))
        else:
            rets.append(ret)
    if len(first) != 1 or len(last) != 1:
        raise Abort("the two echo replies to %s were not both encapsulated" % CL_IP2)
    # two that must be refused: a cookie sluice did not issue, a broken UDP checksum
    rets.append(make_return(captured[0][0], udp_checksum=False, cookie_xor=0x00010000))
    rets.append(make_return(captured[1][0], udp_checksum="bad"))
    rets = [first[0][0]] + rets + [last[0][0]]
    path = os.path.join(env.work, "appl-send.pcap")
    write_pcap(path, rets)
    helper(env, env.ns_ap, "--helper-send", env.if_ap, path, str(SEND_PPS))
    st = wait_counter(sock, "geneve_decap", len(valid))
    rep.check(st.get("geneve_decap") == len(valid) and st.get("forwarded") == len(valid) - 1,
              "telemetry: geneve_decap = %s, forwarded = %s after %d valid returns (the first "
              "to %s waits for ARP)" % (st.get("geneve_decap"), st.get("forwarded"), len(valid),
                                       CL_IP2))
    return valid, first[0][1]


def is_arp(f, op):
    return f[12:14] == b"\x08\x06" and f[20:22] == struct.pack("!H", op)


def analyse_end(env, rep, stats, cl_frames, ap_frames, traffic, flows, valid, unresolved,
                per_app, per_app_bytes):
    sl_out, sl_app = mac_b(SL_OUT_MAC), mac_b(SL_APP_MAC)
    # client side: what sluice sent out of `outside`, and what it received there
    from_sl = [f for f in cl_frames if f[6:12] == sl_out]
    to_sl = [f for f in cl_frames if f[6:12] != sl_out]
    subnet = ipaddress.ip_network(SL_OUT_IP + "/24", strict=False)
    arp_in = [f for f in to_sl if is_arp(f, 1) or is_arp(f, 2)]
    arp_req = [f for f in arp_in if is_arp(f, 1) and f[38:42] == socket.inet_aton(SL_OUT_IP)]
    arp_rep = [f for f in from_sl if is_arp(f, 2)]
    sl_arp_req = [f for f in from_sl if is_arp(f, 1)]
    # learned: an on-link sender sluice has an entry for (a static neighbour, a configured next
    # hop, one it asked for), not any sender (docs/dataplane.md "Neighbours")
    known = {socket.inet_aton(a) for a in [NH_IP] + list(CLIENTS)}
    known |= {f[38:42] for f in sl_arp_req}
    arp_learn = [f for f in arp_in if ipaddress.ip_address(f[28:32]) in subnet and
                 f[28:32] != socket.inet_aton(SL_OUT_IP) and f[28:32] in known]
    echo_rep = [f for f in from_sl if f[12:14] == b"\x08\x00" and f[23] == 1 and
                f[26:30] == socket.inet_aton(SL_OUT_IP) and f[14 + (f[14] & 15) * 4] == 0]
    fwd = [f for f in from_sl if not is_arp(f, 1) and not is_arp(f, 2) and f not in echo_rep]
    rep.check(len(arp_rep) == len(arp_req) >= 1 and
              all(f[22:28] == sl_out and f[28:32] == socket.inet_aton(SL_OUT_IP) and
                  f[0:6] == mac_b(CL_MAC) for f in arp_rep),
              "sluice answered the client kernel's %d ARP request(s) for %s: %d ARP reply(s) "
              "with its MAC" % (len(arp_req), SL_OUT_IP, len(arp_rep)))
    rep.check(len(echo_rep) == PINGS, "%d ICMP echo replies on the wire" % len(echo_rep))
    kernel_arp_rep = [f for f in arp_in if is_arp(f, 2) and f[28:32] == socket.inet_aton(CL_IP2)]
    rep.check(len(sl_arp_req) == 1 and sl_arp_req[0][38:42] == socket.inet_aton(CL_IP2) and
              sl_arp_req[0][0:6] == b"\xff" * 6 and len(kernel_arp_rep) >= 1,
              "sluice resolved next hop %s (no static neighbour) with %d ARP request(s); the "
              "client kernel answered %d time(s)" % (CL_IP2, len(sl_arp_req),
                                                    len(kernel_arp_rep)))
    # forwarded inner packets: byte-identical at L3, to the right next hop
    want = Counter(valid)
    want[unresolved] -= 1  # dropped while sluice waited for the ARP reply
    want = +want
    got = Counter()
    bad = []
    for f in fwd:
        et = f[12:14]
        l3 = f[14:]
        fam = l3[0] >> 4
        if (fam == 4 and et != b"\x08\x00") or (fam == 6 and et != b"\x86\xdd"):
            bad.append("ethertype %s for IPv%d" % (et.hex(), fam))
            continue
        _, _, _, dst, _, _ = parse_inner(l3)
        dst_s = str(ipaddress.ip_address(dst))
        nh_mac = CLIENTS.get(dst_s, {CLIENT6: CLIENT6_MAC, CL_IP2: CL_MAC}.get(dst_s, NH_MAC))
        if f[0:6] != mac_b(nh_mac):
            bad.append("to %s with dst MAC %s, want %s" % (dst_s, mac_s(f[0:6]), nh_mac))
        got[l3] += 1
    lost = want - got
    extra = got - want
    rep.check(not bad and not lost and not extra and len(fwd) == len(valid) - 1,
              "return path: %d inner packets left `outside` byte-identical at L3 (TTL kept) "
              "to the right next-hop MAC (%s learned by ARP); not the 2 bad returns nor the "
              "one that met the unresolved neighbour" % (len(fwd), CL_IP2),
              "\n".join(bad[:5] + ["lost %d, unexpected %d" % (sum(lost.values()),
                                                               sum(extra.values()))]))

    ports = stats.get("ports", {})
    ev, dr = stats.get("events", {}), stats.get("drops", {})
    o, a = ports.get("outside", {}), ports.get("appliances", {})
    ap_to_sl = [f for f in ap_frames if f[6:12] != sl_app]
    ap_from_sl = [f for f in ap_frames if f[6:12] == sl_app]
    checks = [
        ("outside rx_packets", o.get("rx_packets"), len(to_sl)),
        ("outside tx_packets", o.get("tx_packets"), len(from_sl)),
        ("appliances rx_packets", a.get("rx_packets"), len(ap_to_sl)),
        ("appliances tx_packets", a.get("tx_packets"), len(ap_from_sl)),
        ("outside rx_bytes", o.get("rx_bytes"), sum(map(len, to_sl))),
        ("outside tx_bytes", o.get("tx_bytes"), sum(map(len, from_sl))),
        ("appliances rx_bytes", a.get("rx_bytes"), sum(map(len, ap_to_sl))),
        ("appliances tx_bytes", a.get("tx_bytes"), sum(map(len, ap_from_sl))),
    ]
    bad = ["%s = %s, captures say %d" % c for c in checks if c[1] != c[2]]
    rep.check(not bad, "per-port rx/tx packets and bytes equal the frames both captures saw "
              "(outside rx %s, tx %s; appliances rx %s, tx %s)" % (
                  o.get("rx_packets"), o.get("tx_packets"), a.get("rx_packets"),
                  a.get("tx_packets")), "\n".join(bad))
    n_tx = len(traffic)
    expect_ev = {"geneve_encap": n_tx, "geneve_decap": len(valid),
                 "forwarded": len(valid) - 1, "flow_new": len(flows), "icmp_echo_reply": PINGS,
                 "arp_reply": len(arp_req), "arp_learned": len(arp_learn),
                 "arp_request": len(sl_arp_req), "bypass": 0, "fail_open": 0,
                 "flow_expired": 0, "flow_rebalanced": 0, "flow_unpinned": 0,
                 "icmp_frag_needed": 0, "icmp6_packet_too_big": 0, "nd_solicit": 0}
    bad = ["%s = %s, want %s" % (k, ev.get(k), v) for k, v in expect_ev.items()
           if v is not None and ev.get(k) != v]
    rep.check(not bad, "events: " + ", ".join("%s %s" % (k, ev.get(k)) for k in
                                              ("geneve_encap", "geneve_decap", "forwarded",
                                               "flow_new", "arp_reply", "arp_learned",
                                               "icmp_echo_reply")), "\n".join(bad))
    expect_dr = {"geneve_bad_cookie": 1, "geneve_udp_checksum": 1, "neigh_unresolved": 1}
    bad = ["%s = %s, want %d" % (k, v, expect_dr.get(k, 0)) for k, v in sorted(dr.items())
           if v != expect_dr.get(k, 0)]
    rep.check(not bad and len(dr) > 10, "drops: only the 2 deliberate bad returns "
              "(geneve_bad_cookie 1, geneve_udp_checksum 1) and the return that waited for ARP "
              "(neigh_unresolved 1), everything else 0",
              "\n".join(bad))
    tg = stats.get("targets", {}).get("firewalls", {})
    bad = []
    flows_per = Counter()
    for tid, ip, _ in APPLIANCES:
        t = tg.get(tid, {})
        if t.get("packets") != per_app.get(ip, 0) or t.get("bytes") != per_app_bytes.get(ip, 0):
            bad.append("%s: packets %s bytes %s, capture %d / %d" % (
                tid, t.get("packets"), t.get("bytes"), per_app.get(ip, 0),
                per_app_bytes.get(ip, 0)))
        flows_per[tid] = t.get("new_flows")
    nf = sum(v or 0 for v in flows_per.values())
    rep.check(not bad and nf == len(flows) and stats.get("flows_active") == len(flows),
              "per-target packets/bytes equal the capture; new_flows %s (sum %d), flows_active "
              "%s, workers %s" % (dict(flows_per), nf, stats.get("flows_active"),
                                  stats.get("workers")), "\n".join(bad))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sluice-dp", default=os.path.join(ROOT, "build", "dataplane", "sluice-dp"))
    ap.add_argument("--workers", type=int, default=2, choices=(1, 2, 3, 4),
                    help="worker lcores = af_packet queue pairs per port (default %(default)s)")
    ap.add_argument("--qpairs", type=int, help="af_packet queue pairs per port (default: "
                    "--workers; more than the workers loses frames, see the report)")
    ap.add_argument("--lcores", help="EAL --lcores (default: main lcore on the first CPU, "
                    "the workers on the second: 0@0,1@1,2@1 for two workers)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (kept on failure)")
    args = ap.parse_args()
    args.sluice_dp = os.path.abspath(args.sluice_dp)
    preflight(args)

    t_start = time.monotonic()
    rep = Report()
    work = tempfile.mkdtemp(prefix="sluice-live-")
    env = Env(work, args.keep)
    env.qpairs = args.qpairs or args.workers
    if not args.lcores:  # main lcore on the first CPU, the workers on the second
        cpus = sorted(os.sched_getaffinity(0))
        wcpu = cpus[1 % len(cpus)]
        args.lcores = ",".join(["0@%d" % cpus[0]] +
                               ["%d@%d" % (w, wcpu) for w in range(1, args.workers + 1)])

    def on_term(sig, frame):
        raise SystemExit("terminated by signal %d" % sig)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    aborted = None
    try:
        setup_net(env)
        rep.info("namespaces %s (sluice-dp) %s (client) %s (appliances), work dir %s"
                 % (env.ns_sl, env.ns_cl, env.ns_ap, work))
        start_capture(env, "client_all", env.ns_cl, env.if_co)
        start_capture(env, "appl_all", env.ns_ap, env.if_ap)
        cfg = os.path.join(work, "config.yaml")
        with open(cfg, "w") as f:
            f.write(config_text(env))
        stats_path = os.path.join(work, "stats.json")
        cmd = env.nsexec(env.ns_sl, args.sluice_dp, "--lcores", args.lcores, "--no-huge",
                         "-m", "512", "--no-pci", "--no-shconf", "--file-prefix", env.prefix,
                         "--", "--config", cfg, "--stats-json", stats_path)
        rep.info("sluice-dp: %s" % " ".join(cmd[4:]))
        t_sl = time.monotonic()
        env.start("sluice-dp", cmd, "sluice-dp.log")
        if not env.wait_log("sluice-dp", "sluice-dp.log", "running", 30):
            raise Abort("sluice-dp did not come up:\n" + env.log("sluice-dp.log")[-3000:])
        rep.check(True, "sluice-dp up in %.1f s: %s" % (
            time.monotonic() - t_sl, [l for l in env.log("sluice-dp.log").splitlines()
                                      if "running" in l][0].strip()))
        sock = os.path.join("/var/run/dpdk", env.prefix, "dpdk_telemetry.v2")
        deadline = time.monotonic() + 5
        while not os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not rep.check(os.path.exists(sock), "telemetry socket %s exists (with --no-shconf)"
                         % sock):
            raise Abort("no telemetry socket")

        phase_arp_ping(env, rep)
        traffic, flows = build_traffic()
        captured, per_app, per_app_bytes, _ = phase_inspection(env, rep, sock, traffic, flows)
        if len(captured) < 2:
            raise Abort("nothing to send back")
        valid, unresolved = phase_return(env, rep, sock, traffic, captured)

        time.sleep(0.2)
        rc = env.stop("sluice-dp", signal.SIGINT, timeout=15)
        rep.check(rc == 0, "sluice-dp exited %s on SIGINT" % rc, env.log("sluice-dp.log")[-2000:])
        time.sleep(0.3)
        cl_frames = stop_capture(env, "client_all")
        ap_frames = stop_capture(env, "appl_all")
        try:
            with open(stats_path) as f:
                stats = json.load(f)
        except (OSError, ValueError) as exc:
            raise Abort("no --stats-json output: %s" % exc)
        analyse_end(env, rep, stats, cl_frames, ap_frames, traffic, flows, valid, unresolved,
                    per_app, per_app_bytes)
    except Abort as exc:
        aborted = str(exc)
        rep.check(False, "aborted: %s" % aborted)
    except BaseException as exc:
        aborted = repr(exc)
        rep.check(False, "aborted: %s" % aborted)
        if not isinstance(exc, (SystemExit, KeyboardInterrupt)):
            import traceback
            traceback.print_exc()
    finally:
        if rep.failed and "sluice-dp.log" in os.listdir(work):
            print("--- sluice-dp output (tail) ---\n" + env.log("sluice-dp.log")[-2500:])
        env.cleanup()
        if rep.failed or args.keep:
            print("INFO: work dir kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - t_start
    verdict = "PASS" if rep.failed == 0 else "FAIL"
    print("%s: live test, %d checks passed, %d failed, %.1f s" % (verdict, rep.passed,
                                                                   rep.failed, elapsed))
    return 0 if rep.failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--helper-send":
        helper_send(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--helper-ping":
        helper_ping(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
