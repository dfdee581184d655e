#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end test of sluice-appliance on loopback in a network namespace of its own
(slap<pid>, deleted at the end).

Real GENEVE datagrams (scapy) go from a UDP socket on 127.0.0.1:50001 to the appliance on
127.0.0.2:6081; the returns are read with a raw IPPROTO_UDP socket (the whole IPv4 packet, to
check the headers and checksums the appliance wrote) and by a UDP socket on 127.0.0.1:6081 (the
kernel delivers them). Checks: outer IPs swapped, ports kept, GENEVE + options + inner byte for
byte, checksums valid; a rule drops only its flow (IPv4 and IPv6); malformed datagrams are
counted by reason and never returned; /healthz 200, 503 after SIGUSR2, 200 after another;
/stats and --stats-json (SIGUSR1 and exit) agree with what was sent; --delay holds datagrams
and its queue overflows into a counter; --blackhole returns nothing (counted, /healthz still
200) until SIGRTMIN; SIGTERM exits 0; bad options and rules exit 2.
Needs root (netns, raw socket); exits 77 (skip) without it.
"""

import argparse
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ctrl"))
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
from labkit import Report, preflight  # noqa: E402
from sluice_ref import inet_checksum, udp_checksum4  # noqa: E402

ME, APP, APP2 = "127.0.0.1", "127.0.0.2", "127.0.0.3"
SPORT, GENEVE_PORT, HEALTH, HEALTH2 = 50001, 6081, 8080, 8081
ENDPOINT, ATTACHMENT, COOKIE = 0x0A0B0C0D01020304, 0x1122334455667788, 0xDEADBEEF
RULES = """# drop ssh, and one IPv6 /48
drop proto tcp dport 22
drop src 2001:db8:bad::/48   # whole prefix
pass proto udp
"""


def geneve(inner, proto=None, opts=None, extra_opts=()):
    from scapy.contrib.geneve import GENEVE, GeneveOptions
    GeneveOptions.extract_padding = lambda self, s: (b"", s)
    if opts is None:
        opts = [(1, ENDPOINT.to_bytes(8, "big")), (2, ATTACHMENT.to_bytes(8, "big")),
                (3, COOKIE.to_bytes(4, "big"))]
    options = [GeneveOptions(classid=c, type=t, data=d)
               for c, t, d in [(0x0108, t, d) for t, d in opts] + list(extra_opts)]
    raw = bytes(inner)
    if proto is None:
        proto = 0x0800 if raw[0] >> 4 == 4 else 0x86DD
    return bytes(GENEVE(proto=proto, options=options)) + raw


def inner4(dport, proto="udp", src="10.0.1.2", payload=b"sluice-appliance-test"):
    from scapy.all import IP, TCP, UDP, Raw
    l4 = UDP(sport=40000, dport=dport) if proto == "udp" else TCP(sport=40000, dport=dport)
    return IP(src=src, dst="10.0.2.2") / l4 / Raw(payload)


def inner6(src, dport, payload=b"v6-inner"):
    from scapy.all import IPv6, TCP, Raw
    return IPv6(src=src, dst="2001:db8:2::2") / TCP(sport=40001, dport=dport) / Raw(payload)


class Lab:
    def __init__(self, binary, rep):
        self.bin = binary
        self.rep = rep
        self.tmp = tempfile.mkdtemp(prefix="slap")
        self.procs = []
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.tx.bind((ME, SPORT))
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind((ME, GENEVE_PORT))
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)

    def start(self, *args, name, addr):
        err = open(os.path.join(self.tmp, name + ".err"), "w+")
        p = subprocess.Popen([self.bin, *args], stdout=subprocess.PIPE, stderr=err, text=True)
        p.errf = err
        self.procs.append(p)
        r, _, _ = select.select([p.stdout], [], [], 10)
        line = p.stdout.readline() if r else ""
        want = ("sluice-appliance %s: ready on %s:6081, health on %s:" % (name, addr, addr))
        if not self.rep.check(line.startswith(want), "%s: ready line" % name, repr(line)):
            raise RuntimeError("appliance did not start")
        return p

    def drain(self):
        for s in (self.raw, self.sink):
            s.setblocking(False)
            try:
                while True:
                    s.recv(70000)
            except BlockingIOError:
                pass
            s.setblocking(True)

    def send(self, data, to=APP):
        self.tx.sendto(data, (to, GENEVE_PORT))

    def returns(self, src=APP, secs=1.0, count=1):
        """The IPv4 packets from src to us:6081 with source port SPORT seen within secs."""
        out, deadline = [], time.time() + secs
        while len(out) < count:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.raw], [], [], left)[0]:
                break
            pkt = self.raw.recv(70000)
            ihl = (pkt[0] & 15) * 4
            if socket.inet_ntoa(pkt[12:16]) != src:
                continue
            sp, dp = struct.unpack("!HH", pkt[ihl:ihl + 4])
            if sp == SPORT and dp == GENEVE_PORT:
                out.append(pkt)
        return out

    def http(self, port, path, addr=APP):
        try:
            with urllib.request.urlopen("http://%s:%d%s" % (addr, port, path), timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.errf.close()
        for s in (self.tx, self.sink, self.raw):
            s.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def check_return(rep, what, pkt, sent, src=APP):
    """The return must be: IPv4 src -> us, valid header checksum, TTL 64, UDP SPORT -> 6081,
    a valid non-zero UDP checksum, and exactly the GENEVE datagram we sent."""
    problems = []
    ihl = (pkt[0] & 15) * 4
    if ihl != 20 or inet_checksum(pkt[:20]) != 0:
        problems.append("IPv4 header length %d or checksum bad" % ihl)
    if socket.inet_ntoa(pkt[12:16]) != src or socket.inet_ntoa(pkt[16:20]) != ME:
        problems.append("outer %s -> %s" % (socket.inet_ntoa(pkt[12:16]),
                                             socket.inet_ntoa(pkt[16:20])))
    if pkt[8] != 64 or struct.unpack("!H", pkt[2:4])[0] != len(pkt):
        problems.append("TTL %d, total length %d" % (pkt[8], struct.unpack("!H", pkt[2:4])[0]))
    sp, dp, ulen, ucs = struct.unpack("!HHHH", pkt[20:28])
    if (sp, dp, ulen) != (SPORT, GENEVE_PORT, 8 + len(sent)):
        problems.append("UDP %d -> %d len %d" % (sp, dp, ulen))
    udp = pkt[20:]
    if ucs == 0 or udp_checksum4(src, ME, udp[:6] + b"\0\0" + udp[8:]) != ucs:
        problems.append("UDP checksum 0x%04x invalid" % ucs)
    if pkt[28:] != sent:
        problems.append("payload differs from what was sent")
    rep.check(not problems, what, "; ".join(problems))


def bad_input(rep, binary, tmp):
    rules = os.path.join(tmp, "bad.rules")
    with open(rules, "w") as f:
        f.write("pass proto udp\n\ndrop proto tcp dport 99999\n")
    cases = [
        ([], "--address is required"),
        (["--address", "127.0.0.300"], "--address: not an IPv4 address"),
        (["--address", "224.0.0.1"], "not a unicast address"),
        (["--address", APP, "--geneve-port", "0"], "--geneve-port: expected a port"),
        (["--address", APP, "--health-port", "x"], "--health-port: expected a port"),
        (["--address", APP, "--delay", "-1"], "--delay: expected milliseconds"),
        (["--address", APP, "--bogus"], "unknown option \"--bogus\""),
        (["--address", APP, "extra"], "unexpected argument \"extra\""),
        (["--address", APP, "--rules"], "--rules needs a value"),
        (["--address", APP, "--rules", rules], "%s:3: dport: expected a port" % rules),
        (["--address", APP, "--rules", os.path.join(tmp, "none")], "No such file"),
    ]
    for args, want in cases:
        r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=10)
        rep.check(r.returncode == 2 and want in r.stderr and not r.stdout,
                  "bad input %s: exit 2, \"%s\"" % (" ".join(args) or "(none)", want),
                  "exit %d, stderr %r" % (r.returncode, r.stderr))


def main_inner(binary):
    rep = Report()
    lab = Lab(binary, rep)
    try:
        bad_input(rep, binary, lab.tmp)
        rules = os.path.join(lab.tmp, "t.rules")
        stats = os.path.join(lab.tmp, "t1.json")
        with open(rules, "w") as f:
            f.write(RULES)
        p = lab.start("--address", APP, "--health-port", str(HEALTH), "--rules", rules,
                      "--stats-json", stats, "--name", "t1", "--verbose", name="t1", addr=APP)

        # Accepted datagrams come back exactly.
        ok = {
            "IPv4/UDP inner": geneve(inner4(5001)),
            "IPv4/TCP inner, another port": geneve(inner4(23, "tcp")),
            "IPv6/TCP inner": geneve(inner6("2001:db8:1::5", 443)),
            "IPv6 just outside the dropped /48": geneve(inner6("2001:db8:bad1::5", 22 + 1)),
            "extra non-critical option kept": geneve(inner4(5002), extra_opts=[
                (0x0109, 5, b"abcdefgh")]),
            "large (8000-byte) inner": geneve(inner4(5003, payload=bytes(range(256)) * 31)),
        }
        for what, data in ok.items():
            lab.drain()
            lab.send(data)
            got = lab.returns()
            if rep.check(len(got) == 1, "returned: %s" % what, "no return within 1 s"):
                check_return(rep, "return bytes: %s" % what, got[0], data)
            lab.sink.settimeout(1)
            try:
                d, frm = lab.sink.recvfrom(70000)
                rep.check(d == data and frm == (APP, SPORT),
                          "kernel delivers the return to %s:6081: %s" % (ME, what),
                          "from %s, %d bytes" % (frm, len(d)))
            except socket.timeout:
                rep.check(False, "kernel delivers the return: %s" % what, "nothing on the sink")

        # Rules: only the matching flows are dropped.
        dropped = {
            "rule 1: IPv4 TCP dport 22": geneve(inner4(22, "tcp")),
            "rule 2: IPv6 src in 2001:db8:bad::/48": geneve(inner6("2001:db8:bad:ffff::1", 80)),
            "rule 2 again": geneve(inner6("2001:db8:bad::2", 80)),
        }
        # Malformed: never returned, counted by reason.
        good = geneve(inner4(5001))
        missing_cookie = geneve(inner4(5001), opts=[(1, bytes(8)), (2, bytes(8))])
        malformed = {
            "geneve_bad_version": bytes([good[0] | 0x40]) + good[1:],
            "geneve_oam": good[:1] + bytes([0x80]) + good[2:],
            "geneve_option_missing": missing_cookie,
            "geneve_bad_protocol": geneve(inner4(5001), proto=0x6558),
            "geneve_truncated": good[:6],
            "geneve_bad_inner": good + b"\0",
        }
        lab.drain()
        for what, data in list(dropped.items()) + list(malformed.items()):
            lab.send(data)
        got = lab.returns(secs=1.0, count=1)
        rep.check(not got, "dropped and malformed datagrams are not returned",
                  "%d returned" % len(got))

        # Health and counters.
        code, body = lab.http(HEALTH, "/healthz")
        rep.check((code, body) == (200, "ok\n"), "/healthz 200 ok", (code, body))
        p.send_signal(signal.SIGUSR2)
        time.sleep(0.3)
        code, body = lab.http(HEALTH, "/healthz")
        rep.check(code == 503, "/healthz 503 after SIGUSR2", (code, body))
        p.send_signal(signal.SIGUSR2)
        time.sleep(0.3)
        code, _ = lab.http(HEALTH, "/healthz")
        rep.check(code == 200, "/healthz 200 after a second SIGUSR2", code)
        code, _ = lab.http(HEALTH, "/nope")
        rep.check(code == 404, "/nope 404", code)
        code, body = lab.http(HEALTH, "/stats")
        st = json.loads(body) if code == 200 else {}
        n_all = len(ok) + len(dropped) + len(malformed)
        rep.check(st.get("received") == n_all and st.get("returned") == len(ok) and
                  st.get("dropped_by_rule") == len(dropped) and
                  st.get("malformed_total") == len(malformed),
                  "/stats: received %d, returned %d, dropped by rule %d, malformed %d"
                  % (n_all, len(ok), len(dropped), len(malformed)), body)
        mal = st.get("malformed", {})
        rep.check(all(mal.get(k) == 1 for k in malformed) and
                  sum(mal.values()) == len(malformed), "/stats: malformed by reason", mal)
        hits = [r.get("hits") for r in st.get("rules", [])]
        # rule 3 (pass proto udp) decided the UDP returns: the three IPv4/UDP ones
        rep.check(hits == [1, 2, 3], "/stats: per-rule hits [1, 2, 3]", st.get("rules"))
        rep.check([r.get("line") for r in st.get("rules", [])] == [2, 3, 4],
                  "/stats: rules carry their file lines", st.get("rules"))

        p.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        try:
            on_usr1 = json.load(open(stats))
        except (OSError, ValueError) as e:
            on_usr1 = {"error": str(e)}
        rep.check(on_usr1.get("received") == n_all and on_usr1.get("malformed") == mal,
                  "--stats-json written on SIGUSR1", on_usr1)
        os.unlink(stats)

        lab.send(good)
        lab.returns()
        p.send_signal(signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            out = ""
        rep.check(p.returncode == 0, "SIGTERM: exit 0", p.returncode)
        rep.check("received %d, returned %d" % (n_all + 1, len(ok) + 1) in out,
                  "exit summary on stdout", out)
        try:
            final = json.load(open(stats))
        except (OSError, ValueError) as e:
            final = {"error": str(e)}
        rep.check(final.get("received") == n_all + 1 and final.get("returned") == len(ok) + 1,
                  "--stats-json written at exit", final)
        p.errf.seek(0)
        err = p.errf.read()
        rep.check("geneve_bad_version" in err and "drop proto tcp dport 22" in err,
                  "--verbose names malformed reasons and rules on stderr", err)

        # --delay: held, then returned; a full queue drops and counts.
        stats2 = os.path.join(lab.tmp, "t2.json")
        p2 = lab.start("--address", APP2, "--health-port", str(HEALTH2), "--delay", "600",
                       "--delay-queue", "3", "--stats-json", stats2, "--name", "t2", "--quiet",
                       name="t2", addr=APP2)
        lab.drain()
        t0 = time.time()
        lab.send(good, to=APP2)
        early = lab.returns(src=APP2, secs=0.4)
        rep.check(not early, "--delay 600: nothing back within 400 ms", len(early))
        got = lab.returns(src=APP2, secs=2.0)
        dt = time.time() - t0
        if rep.check(len(got) == 1 and 0.55 <= dt <= 2.0,
                     "--delay 600: returned after %.0f ms" % (dt * 1000), len(got)):
            check_return(rep, "delayed return bytes", got[0], good, src=APP2)
        for i in range(5):
            lab.send(geneve(inner4(6000 + i)), to=APP2)
        got = lab.returns(src=APP2, secs=2.5, count=5)
        rep.check(len(got) == 3, "--delay-queue 3: 3 of 5 returned", len(got))
        code, body = lab.http(HEALTH2, "/stats", addr=APP2)
        st = json.loads(body) if code == 200 else {}
        rep.check(st.get("delay_overflow") == 2 and st.get("returned") == 4 and
                  st.get("received") == 6 and st.get("delay_queued") == 0,
                  "/stats: delay_overflow 2, returned 4, received 6", body)
        # A packet still held at exit is reported, not sent.
        lab.send(good, to=APP2)
        time.sleep(0.1)
        p2.send_signal(signal.SIGTERM)
        try:
            out, _ = p2.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            out = None
        rep.check(p2.returncode == 0 and out == "", "--quiet, SIGTERM: exit 0, no summary",
                  (p2.returncode, out))
        try:
            final = json.load(open(stats2))
        except (OSError, ValueError) as e:
            final = {"error": str(e)}
        rep.check(final.get("delay_queued") == 1 and final.get("received") == 7,
                  "--stats-json at exit: 1 still delayed", final)

        # --blackhole: nothing returned, counted, health unchanged; SIGRTMIN toggles it.
        p3 = lab.start("--address", APP2, "--health-port", str(HEALTH2), "--blackhole",
                       "--name", "t3", "--quiet", name="t3", addr=APP2)
        lab.drain()
        lab.send(good, to=APP2)
        lab.send(geneve(inner4(5009)), to=APP2)
        got = lab.returns(src=APP2, secs=1.0)
        code, _ = lab.http(HEALTH2, "/healthz", addr=APP2)
        rep.check(not got and code == 200, "--blackhole: nothing returned, /healthz still 200",
                  (len(got), code))
        p3.send_signal(signal.SIGRTMIN)
        time.sleep(0.3)
        lab.send(good, to=APP2)
        got = lab.returns(src=APP2, secs=1.0)
        if rep.check(len(got) == 1, "SIGRTMIN: returning again", len(got)):
            check_return(rep, "return bytes after the blackhole", got[0], good, src=APP2)
        code, body = lab.http(HEALTH2, "/stats", addr=APP2)
        st = json.loads(body) if code == 200 else {}
        rep.check(st.get("received") == 3 and st.get("blackholed") == 2 and
                  st.get("returned") == 1 and st.get("blackhole") is False,
                  "/stats: received 3, blackholed 2, returned 1, blackhole false", body)
        p3.send_signal(signal.SIGTERM)
        p3.communicate(timeout=5)
    except RuntimeError as e:
        rep.check(False, str(e))
    finally:
        lab.cleanup()
    print("%d passed, %d failed" % (rep.passed, rep.failed))
    return 1 if rep.failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--appliance", required=True)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    binary = os.path.abspath(a.appliance)
    if a.inner:
        sys.exit(main_inner(binary))
    preflight("appliance", [("sluice-appliance", binary)], tools=("ip",))
    ns = "slap%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                            "--appliance", binary, "--inner"])
        rc = r.returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()
