#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The README's demo keeps working: runs it the way an operator would and checks what it says.

    test_demo.py live [--xdp] [--build DIR]   demo/live.py: exit 0, every step PASS, the
                                               sluicectl tables, sha256-verified downloads, the
                                               failover lines, RESULT: PASS; nothing of its lab
                                               left, its work dir removed (--clean)
    test_demo.py interrupt [--build DIR]      Ctrl-C (SIGINT to the demo's whole process group,
                                               as a terminal sends it) during the failover
                                               step: exit non-zero, RESULT: FAIL, nothing left
    test_demo.py fleet [--build DIR]          demo/fleet.py (`scripts/demo.sh --fleet`): exit
                                               0, every step PASS, each node's sluicectl
                                               view, the router's ECMP routes, a node failure
                                               with every connection intact, RESULT: PASS;
                                               nothing of its lab left, work dir removed
    test_demo.py pcap [--build DIR]           demo/pcap.sh (`scripts/demo.sh --pcap`): exit 0,
                                               every GENEVE packet carries options 1,2,3

Exit 0 pass, 1 fail, 77 skip (as the demo: not root, no netns, a tool or binary missing).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab as L  # noqa: E402

LIVE = os.path.join(L.ROOT, "demo", "live.py")
FLEET = os.path.join(L.ROOT, "demo", "fleet.py")
PCAP = os.path.join(L.ROOT, "demo", "pcap.sh")
STEPS = ["1. The lab", "2. Traffic through sluice", "3. A firewall rule drops a flow",
         "4. Failover", "5. Clean up"]


class Checks:
    def __init__(self):
        self.failed = 0

    def __call__(self, ok, what):
        print("%s: %s" % ("PASS" if ok else "FAIL", what), flush=True)
        self.failed += not ok
        return ok


def work_dir(text, kind):
    m = re.search(r"work dir \(config, every process's log\): (/tmp/sluice-demo-%s-\S+)"
                  % kind, text)
    return m.group(1) if m else None


def left_behind(check, pid, work):
    left = {k: v for k, v in L.remnants(pid, work).items() if v}
    check(not left, "nothing of the demo's lab (pid %d) is left: %s" % (pid, left or "none"))


def run_live(a, check):
    kind = "xdp" if a.xdp else "dp"
    cmd = [L.PYTHON, LIVE, "--clean", "--build", a.build] + (["--xdp"] if a.xdp else [])
    env = dict(os.environ, NO_COLOR="1")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=env)
    text, _ = p.communicate(timeout=280)
    print(text, flush=True)
    if p.returncode == 77:
        return 77
    print("--- test_demo.py live %s: the demo took %.0f s ---" % (kind, time.monotonic() - t0))
    check(p.returncode == 0, "the demo exited %d" % p.returncode)
    name = "sluice-xdp" if a.xdp else "sluice-dp"
    for st in STEPS:
        check("== %s (%s) ==" % (st, name) in text, "heading %r" % st)
        check(re.search(r"^    PASS  %s\s+\d+ passed, 0 failed" % re.escape(st), text, re.M),
              "summary: %s passed" % st)
    check(not re.search(r"^  FAIL  ", text, re.M), "no FAIL line")
    for table in ("$ sluicectl targets\n    GROUP      ID     ADDRESS",
                  "$ sluicectl flows --limit 8\n    GROUP      TARGET  PROTO",
                  "$ sluicectl counters\n    dataplane ",
                  "$ sluicectl targets firewalls\n    GROUP      ID    ADDRESS",
                  "$ sluicectl listeners\n    NAME       PROTOCOL"):
        check(table in text, "sluicectl's table: %r" % table.split("\n")[0])
    check(len(re.findall(r"4194304 bytes in [\d.]+ s, sha256 verified", text)) == 2,
          "two downloads through sluice, sha256 verified")
    check(re.search(r"the firewalls inspected \d+ datagrams", text) and
          "the firewalls saw 0 datagrams (not inspected)" in text,
          "inspected paths reach the firewalls, the plain NLB listener does not")
    check(re.search(r"^    fw-\d +yes +[1-9]\d* +[1-9]\d* ", text, re.M),
          "the firewalls' own /stats table shows inspected datagrams")
    m = re.search(r"(fw-\d) unhealthy in sluiced and the dataplane ([\d.]+) s after SIGKILL",
                  text)
    check(m, "failover: the killed firewall turned unhealthy (%s)" % (m and m.group(0)))
    if m:
        check(re.search(r"^    firewalls  %s .* unhealthy " % m.group(1), text, re.M),
              "failover: sluicectl targets shows %s unhealthy" % m.group(1))
        check(re.search(r"pinned to \{[^}]*\} \(none to %s\)" % m.group(1), text),
              "failover: new flows went to the survivors only")
    check("nothing of the lab is left" in text and "\nRESULT: PASS\n" in text,
          "the demo's own cleanup check and RESULT: PASS")
    work = work_dir(text, kind)
    check(work and not os.path.exists(work), "--clean removed the work dir %s" % work)
    left_behind(check, p.pid, work)
    return None


def run_fleet(a, check):
    sys.path.insert(0, os.path.join(L.ROOT, "tests", "fleet"))
    import fleetlab as F
    p = subprocess.Popen([L.PYTHON, FLEET, "--clean", "--build", a.build],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=dict(os.environ, NO_COLOR="1"))
    text, _ = p.communicate(timeout=280)
    print(text, flush=True)
    if p.returncode == 77:
        return 77
    check(p.returncode == 0, "the fleet demo exited %d" % p.returncode)
    for st in ("1. The fleet", "2. The routes", "3. Traffic over the fleet", "4. A node fails",
               "5. Clean up"):
        check("== %s (fleet) ==" % st in text, "heading %r" % st)
        check(re.search(r"^    PASS  %s\s+\d+ passed, 0 failed" % re.escape(st), text, re.M),
              "summary: %s passed" % st)
    check(not re.search(r"^  FAIL  ", text, re.M), "no FAIL line")
    views = re.findall(r"^  \[(n\d)/sluice-\w+\] \$ sluicectl (node|status)\n    \S", text,
                       re.M)
    check(len({n for n, _ in views}) == 4, "each node's own view (sluicectl node/status): %s"
          % sorted({n for n, _ in views}))
    block = re.search(r"^10\.0\.10\.1/32 +unicast .*\n(?:[ \t].*\n)*", text, re.M)
    hops = sorted(re.findall(r"^\tvia (10\.0\.1\.\d+) ", block.group(0), re.M)) if block else []
    check(hops == ["10.0.1.11", "10.0.1.12", "10.0.1.13"],
          "birdc show route: the zone IP learned from the three az1 nodes %s" % hops)
    check(re.search(r"^10\.0\.10\.1 proto bird .*\n\tnexthop via 10\.0\.1\.11 .*\n\tnexthop "
                    r"via 10\.0\.1\.12 .*\n\tnexthop via 10\.0\.1\.13 ", text, re.M),
          "ip route: one ECMP route with a next hop per node")
    m = re.findall(r"^  PASS  .*: (\d+) long-lived TCP connections .*: all (\d+) intact, none "
                   r"reset or lost", text[text.find("== 4. A node fails"):], re.M)
    check(m and all(x == y for x, y in m), "the node failure: every connection intact %s" % m)
    check(re.search(r"the router dropped n\d/\S+ from 10\.0\.10\.1 after [\d.]+ s", text),
          "the node failure: the router dropped the node")
    check("nothing of the lab is left" in text and "\nRESULT: PASS\n" in text,
          "the demo's own cleanup check and RESULT: PASS")
    work = work_dir(text, "fleet")
    check(work and not os.path.exists(work), "--clean removed the work dir %s" % work)
    left = {k: v for k, v in F.remnants(p.pid, work).items() if v}
    check(not left, "nothing of the demo's lab (pid %d) is left: %s" % (p.pid, left or "none"))
    return None


def run_interrupt(a, check):
    log_path = "/tmp/sluice-demo-interrupt-%d.log" % os.getpid()
    log = open(log_path, "w+")
    # a session of its own: the SIGINT below reaches the demo and everything it started, as
    # Ctrl-C in a terminal does
    p = subprocess.Popen([L.PYTHON, LIVE, "--build", a.build], stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True,
                         env=dict(os.environ, NO_COLOR="1"))
    text = L.wait_log(p, log_path, "killing fw-", 150)
    if p.poll() is not None and p.returncode == 77:
        print(open(log_path).read())
        return 77
    if not check(p.poll() is None and "killing fw-" in text,
                 "the demo reached the failover step (exit %s)" % p.poll()):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        print(open(log_path).read()[-3000:])
        return None
    work = work_dir(text, "dp")
    t0 = time.monotonic()
    os.killpg(p.pid, signal.SIGINT)
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        rc = p.wait()
        check(False, "the demo did not exit within 60 s of Ctrl-C")
    text = open(log_path).read()
    print(text[text.find("== 4. Failover"):], flush=True)
    check(rc not in (0, 77), "the demo exited %d, %.1f s after Ctrl-C" % (rc, time.monotonic()
                                                                          - t0))
    check("  FAIL  interrupted (Ctrl-C)" in text and "\nRESULT: FAIL\n" in text,
          "it says it was interrupted and RESULT: FAIL")
    check(re.search(r"^    FAIL  4\. Failover ", text, re.M), "summary: step 4 failed")
    left_behind(check, p.pid, work)
    if work:
        shutil.rmtree(work, ignore_errors=True)  # kept for the logs, as after any failure
    os.unlink(log_path)
    return None


def run_pcap(a, check):
    res = subprocess.run([PCAP, a.build], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, NO_COLOR="1"))
    print(res.stdout + res.stderr, flush=True)
    check(res.returncode == 0, "demo/pcap.sh exited %d" % res.returncode)
    m = re.search(r"^(\d+) of (\d+) GENEVE packets carry options 1,2,3 in order$", res.stdout,
                  re.M)
    check(m and m.group(1) == m.group(2) and int(m.group(2)) > 0,
          "every GENEVE packet to the appliances decodes (%s)" % (m and m.group(0)))
    check(re.search(r"^to \S+ +HTTP +198\.51\.100\.10 +-> ", res.stdout, re.M),
          "the HTTP response is forwarded after inspection")
    out = re.search(r"^config: (/tmp/sluice-demo\.\w+)/config\.yaml", res.stdout, re.M)
    if out:
        shutil.rmtree(out.group(1), ignore_errors=True)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("live", "interrupt", "pcap", "fleet"))
    ap.add_argument("--xdp", action="store_true")
    ap.add_argument("--build", default=os.path.join(L.ROOT, "build"))
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    if a.mode == "pcap":
        if not shutil.which("tshark"):
            L.skip("demo-pcap", "tshark not found")
    elif a.mode != "fleet":  # the fleet demo's own preflight says what it lacks (77)
        L.preflight("demo-" + a.mode, "xdp" if a.xdp else "dp", a.build)
    check = Checks()
    rc = {"live": run_live, "interrupt": run_interrupt, "pcap": run_pcap,
          "fleet": run_fleet}[a.mode](a, check)
    if rc is not None:
        return rc
    print("%s: demo %s%s" % ("FAIL" if check.failed else "PASS", a.mode,
                             " --xdp" if a.xdp else ""))
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
