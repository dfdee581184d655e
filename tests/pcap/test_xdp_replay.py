#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sluice-xdp --replay's limits: frame lengths, and the sizes of the config's tables.

    test_xdp_replay.py SLUICE_XDP [SLUICE_DP]

Frames: the test run puts what does not fit one page (about 3.5 KB of a frame) into XDP
fragments, which the program does not read: replaying such a frame would replay a shorter one.
sluice-xdp must refuse it loudly (exit status non-zero, the frame and both lengths named), and
still replay a 3000-byte frame whole (dropped rx_oversize on the case's 1500-byte port: the
program saw all of it).

Tables (docs/xdp.md "Limits"): one config past the XDP path's old fixed limits (16 groups, 64
listeners, Maglev size 65537): 21 target groups, the inspected one the last, 70 listeners,
node.maglev_size 131071. Its transit flows must go to the appliance the reference's Maglev of
131071 entries picks (for at least one of them not the one a table of 65537 would), and a SYN
to the last listener to a target of its group; with SLUICE_DP, both dataplanes must send the
same frames. A config whose Maglev map would pass 2^32 rows is refused with that reason.
(Attachments stay at most 16 on both dataplanes: each needs a `from` port of its own, and a
node has at most 16 ports.) Exit 0 when all hold."""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

sys.path.insert(0, os.path.dirname(HERE))
from pylib import pcapio  # noqa: E402
import run  # noqa: E402
import sluice_ref as ref  # noqa: E402

MAGLEV = 131071  # prime, twice the default: node.maglev_size's first non-default size
GROUPS = 20  # inspection groups g00..g19, then the NLB group web (21 in all)
LISTENERS = 70
FLOWS = 24


def frame(length):
    """An Ethernet + IPv4 frame of length bytes to a server behind the router (casekit MACs)."""
    from scapy.all import IP, UDP, Ether
    pkt = Ether(src="02:00:00:00:10:01", dst="02:00:00:00:00:01") / IP(
        src="10.0.1.101", dst="198.51.100.10", flags="DF") / UDP(sport=40000, dport=53)
    return bytes(pkt) + bytes(length - len(pkt))


def replay(binary, tmp, length):
    case_dir = os.path.join(ROOT, "pcaps", "rx_oversize")
    config = run.write_config(case_dir, tmp)
    pcap = os.path.join(tmp, "in-%d.pcap" % length)
    pcapio.write_pcap(pcap, [(1000.0, frame(length))])
    stats = os.path.join(tmp, "stats-%d.json" % length)
    cmd = [binary, "--config", config, "--stats-json", stats, "--quiet", "--replay", pcap,
           "--port", "outside", "--out-port", "outside=" + os.path.join(tmp, "out.pcap")]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return res, stats


def limits_config():
    """The config past the old limits (ports as pcaps/encap_ipv4_tcp's; web on appliances)."""
    with open(os.path.join(ROOT, "pcaps", "encap_ipv4_tcp", "config.yaml")) as f:
        base = f.read()
    head = base[:base.index("target_groups:")]
    head = head.replace('node: { zone: "az1",', 'node: { zone: "az1", maglev_size: %d,' % MAGLEV)
    assert "maglev_size" in head
    lines = [head.rstrip("\n")]
    for i in range(4):
        lines += ['  - address: "192.168.50.%d"' % (21 + i),
                  '    mac: "02:00:00:00:50:%d"' % (21 + i)]
    lines.append("target_groups:")
    for g in range(GROUPS):
        lines += ['  - name: "g%02d"' % g, '    protocol: "geneve"', "    targets:"]
        for t in range(4):
            lines += ['      - id: "g%02d-%s"' % (g, "abcd"[t]),
                      '        address: "192.168.50.%d"' % (11 + t), '        zone: "az1"']
    lines += ['  - name: "web"', '    protocol: "tcp"', "    targets:"]
    for t in range(4):
        lines += ['      - id: "web-%d"' % t, '        address: "192.168.50.%d"' % (21 + t),
                  "        port: 8443", '        zone: "az1"']
    lines += ["inspection:", '  - name: "ingress"', "    endpoint_id: 0x0a0b0c0d01020304",
              "    attachment_id: 0x1122334455667788", '    from: "outside"',
              '    chain: ["g%02d"]' % (GROUPS - 1), "listeners:"]
    for i in range(LISTENERS):
        lines += ['  - name: "l%02d"' % i, '    protocol: "tcp"', "    port: %d" % (1000 + i),
                  '    target_group: "web"']
    return "\n".join(lines) + "\n"


def limits_frames():
    """FLOWS transit SYNs (client 1 -> servers behind the router), then a SYN to the last
    listener (port 1000 + LISTENERS - 1 on the zone IP)."""
    from scapy.all import IP, TCP, Ether
    mac = dict(src="02:00:00:00:10:01", dst="02:00:00:00:00:01")
    frames = [bytes(Ether(**mac) / IP(src="10.0.1.101", dst="198.51.100.%d" % (10 + i)) /
                    TCP(sport=41000 + i, dport=443, flags="S")) for i in range(FLOWS)]
    frames.append(bytes(Ether(**mac) / IP(src="10.0.1.101", dst="10.0.1.10") /
                        TCP(sport=42000, dport=1000 + LISTENERS - 1, flags="S")))
    return frames


class Report:
    def __init__(self, failures, who):
        self.failures, self.who = failures, who

    def fail(self, msg, detail=""):
        self.failures.append("%s: %s %s" % (self.who, msg, detail))


def limits_run(binary, dp, tmp, failures):
    """Each dataplane's frames out of `appliances` (None when it failed)."""
    case = os.path.join(tmp, "case-%s" % dp)
    work = os.path.join(tmp, "run-%s" % dp)
    os.makedirs(case)
    os.makedirs(work)
    with open(os.path.join(case, "config.yaml"), "w") as f:
        f.write(limits_config())
    pcapio.write_frames(os.path.join(case, "in-outside.pcap"), limits_frames())
    rep = Report(failures, "limits (%s)" % dp)
    stats = (run.run_sluice_xdp if dp == "sluice-xdp" else run.run_sluice)(binary, case, work,
                                                                            rep)
    if not stats:
        return None
    return pcapio.read_frames(os.path.join(work, "out", "out-appliances.pcap"))


def limits_check(frames, who, failures):
    """The transit flows' appliances (outer IPv4 destination) as the reference's Maglev of
    MAGLEV entries picks them; the listener's SYN to a web target, port 8443."""
    ids = ["g%02d-%s" % (GROUPS - 1, c) for c in "abcd"]
    geneve = [f for f in frames if f[23] == 17 and f[36:38] == b"\x17\xc1"]  # UDP 6081
    if len(geneve) != FLOWS:
        failures.append("%s: %d GENEVE frames out of appliances, expected %d"
                        % (who, len(geneve), FLOWS))
        return
    differ = 0
    for f in geneve:
        inner = f[14 + 20 + 8 + 8 + 4 * 8:]  # the IPv4 inner packet after 3 GWLB options
        key = ref.flow_key(inner)
        fhash = ref.flow_hash(key)
        want = ids.index(ref.maglev_pick(ids, [1] * 4, fhash, size=MAGLEV))
        got = f[33] - 11  # 192.168.50.(11 + target)
        differ += ids.index(ref.maglev_pick(ids, [1] * 4, fhash)) != want
        if got != want:
            failures.append("%s: flow %s to appliance %d, the Maglev of %d entries says %d"
                            % (who, inner[12:20].hex(), got, MAGLEV, want))
    if not differ:
        failures.append("%s: no flow whose pick differs between Maglev sizes 65537 and %d: "
                        "the test shows nothing" % (who, MAGLEV))
    nlb = [f for f in frames if f[23] == 6 and f[36:38] == (8443).to_bytes(2, "big")]
    if len(nlb) != 1 or not 21 <= nlb[0][33] <= 24:
        failures.append("%s: listener l%02d: %d frames to a web target on port 8443, expected 1"
                        % (who, LISTENERS - 1, len(nlb)))


def limits_refused(binary, tmp, failures):
    """513 groups of node.maglev_size 16777259: sl_maglev would need more than 2^32 rows."""
    text = limits_config().replace("maglev_size: %d" % MAGLEV, "maglev_size: 16777259")
    text = text[:text.index("target_groups:")] + "target_groups:\n" + "".join(
        '  - name: "x%03d"\n    protocol: "geneve"\n    targets:\n      - id: "x%03d"\n'
        '        address: "192.168.50.11"\n        zone: "az1"\n' % (g, g) for g in range(513))
    path = os.path.join(tmp, "refused.yaml")
    with open(path, "w") as f:
        f.write(text)
    res = subprocess.run([binary, "--config", path, "--quiet", "--replay",
                          os.path.join(tmp, "empty.pcap"), "--port", "outside"],
                         capture_output=True, text=True, timeout=60)
    want = "the XDP path's Maglev map"
    if res.returncode == 0 or want not in res.stderr:
        failures.append("513 groups of Maglev size 16777259: exit %d without %r: %s"
                        % (res.returncode, want, res.stderr.strip()))


def limits(binary, dp_binary, tmp, failures):
    pcapio.write_pcap(os.path.join(tmp, "empty.pcap"), [])
    out = {"sluice-xdp": limits_run(binary, "sluice-xdp", tmp, failures)}
    if dp_binary:
        out["sluice-dp"] = limits_run(dp_binary, "sluice-dp", tmp, failures)
    for who, frames in out.items():
        if frames is not None:
            limits_check(frames, "limits (%s)" % who, failures)
    if all(f is not None for f in out.values()) and len(out) == 2 and \
            sorted(out["sluice-xdp"]) != sorted(out["sluice-dp"]):
        failures.append("limits: sluice-xdp and sluice-dp sent different frames")
    limits_refused(binary, tmp, failures)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    dp_binary = os.path.abspath(sys.argv[2]) if len(sys.argv) == 3 else None
    failures = []
    with tempfile.TemporaryDirectory(prefix="sluice-xdp-replay-") as tmp:
        res, stats = replay(binary, tmp, 3000)
        if res.returncode != 0:
            failures.append("3000-byte frame: exit %d: %s" % (res.returncode, res.stderr))
        else:
            with open(stats) as f:
                drops = json.load(f)["drops"]
            if drops.get("rx_oversize") != 1:
                failures.append("3000-byte frame: rx_oversize %r, expected 1 (seen whole)"
                                % drops.get("rx_oversize"))
        res, _ = replay(binary, tmp, 5000)
        want = "frame 1 (5000 bytes): BPF_PROG_TEST_RUN showed the program only"
        if res.returncode == 0:
            failures.append("5000-byte frame: replayed (exit 0); it must be refused")
        elif want not in res.stderr:
            failures.append("5000-byte frame: exit %d without %r: %s"
                            % (res.returncode, want, res.stderr.strip()))
        limits(binary, dp_binary, tmp, failures)
    for f in failures:
        print("FAIL " + f)
    if not failures:
        print("PASS sluice-xdp --replay: 3000-byte frame replayed whole, 5000-byte frame "
              "refused; %d groups, %d listeners, Maglev size %d%s; a Maglev map past 2^32 rows "
              "refused" % (GROUPS + 1, LISTENERS, MAGLEV,
                           ", the same frames as sluice-dp" if dp_binary else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
