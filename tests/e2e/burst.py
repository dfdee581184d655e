#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reproducer of a lost reply in a burst of new UDP flows (the failover and passive checks'
`udp --new-flows --burst`), not a test: the e2e lab of lab.py, bursts looped, and for every
lost flow the counters of every hop that moved, its pin and the NLB sessions on its port.

    burst.py --kind dp|xdp [--build DIR] [--iterations N] [--count 40] [--batch 50]
             [--timeout S] [--listener-flows N] [--fresh-ports] [--cycle fw-1] [--kill fw-1]
             [--load N] [--host IP] [--port P]

Bursts run in process (a thread in the client namespace: no interpreter start per burst),
from ephemeral source ports, or with --fresh-ports from lab.fresh_ports as the checks do.
--listener-flows N first sends N new flows to listener `web` (NLB sessions to web-1/web-2
that keep the client's port). --cycle ID kills appliance ID, bursts once it is unhealthy,
restarts it, bursts once it is healthy, and again. --kill ID kills it once first. --load N
starts N busy loops (children, stopped by PID). After a batch with a loss it prints the
drop/error counters that moved since the last such report: nstat of the client, sluice,
appliance and server namespaces, `ip -s link` and `ethtool -S` of every veth, the appliances'
/stats and the dataplane's counters. Ends with one JSON line {iterations, count, lost,
lossy_iterations, lost_with_a_session_on_the_port}. Exit 0.

Found with it (tests/e2e/README.md, "New flows get fresh source ports"): with
--listener-flows 1000, 32 of 1200 new flows to web-1:8080 lost on sluice-xdp and 29 on
sluice-dp, each on a port holding a listener `web` session to web-1 (the reply taken for the
session's); none of 1200 with --fresh-ports on either.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab as L  # noqa: E402

NOISY = re.compile(r"drop|err|full|miss|fail|Discard|overflow|nombuf|busy|Prune|Collapse|"
                   r"Ignored|unres|NoPorts|blackhol|malformed", re.I)
LINKS = {"c": ["c"], "s": ["so", "sa", "si"], "a": ["a", "am"], "v": ["v", "vm"]}


def flatten(prefix, obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten("%s.%s" % (prefix, k) if prefix else str(k), v, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            flatten("%s[%d]" % (prefix, i), v, out)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix] = obj


def snapshot(lab):
    out = {}
    for k, links in LINKS.items():
        ns = lab.ns[k]
        r = subprocess.run(lab.nsexec(ns, "nstat", "-az"), capture_output=True, text=True)
        for ln in r.stdout.splitlines():
            f = ln.split()
            if len(f) >= 2 and f[1].isdigit():
                out["%s:nstat.%s" % (k, f[0])] = int(f[1])
        for ifk in links:
            dev = lab.ifn[ifk]
            r = subprocess.run(["ip", "-n", ns, "-s", "-j", "link", "show", dev],
                               capture_output=True, text=True)
            try:
                flatten("%s:%s.link" % (k, ifk), json.loads(r.stdout)[0]["stats64"], out)
            except (ValueError, LookupError):
                pass
            r = subprocess.run(lab.nsexec(ns, "ethtool", "-S", dev), capture_output=True,
                               text=True)
            for ln in r.stdout.splitlines()[1:]:
                a, _, b = ln.partition(":")
                if b.strip().isdigit():
                    out["%s:%s.ethtool.%s" % (k, ifk, a.strip())] = int(b)
    for aid in L.APPLIANCES:
        st = lab.appliance_stats(aid)
        if st:
            flatten("appl-%s" % aid, st, out)
    try:
        flatten("dp", lab.dp_counters(), out)
    except Exception as exc:  # noqa: BLE001 - a report, not a check
        out["dp.error"] = str(exc)
    return out


def diff(a, b):
    return {k: b[k] - a.get(k, 0) for k in b
            if isinstance(b[k], (int, float)) and b[k] != a.get(k, 0)}


def bursts(host, port, count, n, timeout, ports=None):
    """n bursts of `count` new UDP flows from this thread's namespace (agent.py udp --new-flows
    --burst, in process: no interpreter start per burst), from ephemeral source ports or from
    `ports` (n * count of them). Per burst {lost: [(index, sport)],
    rtt_max}; a burst's sockets are closed before the next (a late reply then meets a closed
    port: UdpNoPorts in the client namespace)."""
    import selectors
    out = []
    for b in range(n):
        socks = []
        for i in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("", ports[b * count + i] if ports else 0))
            s.connect((host, port))
            s.setblocking(False)
            socks.append(s)
        sel = selectors.DefaultSelector()
        pending, rtt_max = {}, 0.0
        for i, s in enumerate(socks):
            sel.register(s, selectors.EVENT_READ, i)
        for i, s in enumerate(socks):
            msg = b"burst %d %d %d " % (os.getpid(), b, i) + b"x" * 180
            pending[i] = (msg, time.monotonic())
            s.send(msg)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(max(0.0, deadline - time.monotonic())):
                try:
                    d = key.fileobj.recv(2048)
                except OSError:
                    continue
                i = key.data
                if i in pending and d.partition(b" ")[2] == pending[i][0]:
                    rtt_max = max(rtt_max, (time.monotonic() - pending.pop(i)[1]) * 1000)
        out.append({"lost": [(i, socks[i].getsockname()[1]) for i in sorted(pending)],
                    "rtt_max": rtt_max})
        sel.close()
        for s in socks:
            s.close()
    return out


def busy():
    while True:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=("dp", "xdp"), required=True)
    ap.add_argument("--build", default=os.path.join(L.ROOT, "build"))
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--load", type=int, default=0)
    ap.add_argument("--host", default=L.SERVERS["web-1"])
    ap.add_argument("--port", type=int, default=L.WEB_PORT)
    ap.add_argument("--kill", default=None)
    ap.add_argument("--cycle", default=None, metavar="ID",
                    help="kill appliance ID, burst once it is unhealthy, restart it, burst "
                    "once it is healthy; again (an iteration is one burst)")
    ap.add_argument("--listener-flows", type=int, default=0, metavar="N",
                    help="first N new UDP flows to listener web (NLB sessions, ephemeral ports)")
    ap.add_argument("--fresh-ports", action="store_true",
                    help="the bursts' source ports from lab.fresh_ports (what the checks use), "
                    "not ephemeral ones")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    L.preflight("burst", a.kind, a.build)
    lab = L.Lab(kind=a.kind, build=a.build, keep=a.keep, name="burst-%s" % a.kind)
    loaders = []
    total_lost, lossy, clashed = 0, 0, 0
    try:
        lab.setup()
        lab.start_dataplane()
        lab.start_daemon()
        lab.wait_healthy(60)
        if a.kill:
            lab.kill_appliance(a.kill)
            ok, secs, seen = lab.wait_states({a.kill: "unhealthy"}, 30, group=L.FW_GROUP)
            print("killed %s: unhealthy=%s after %.1f s" % (a.kill, ok, secs), flush=True)
        for _ in range(a.load):
            pid = os.fork()
            if pid == 0:
                busy()
            loaders.append(pid)
        if a.listener_flows:
            # NLB sessions of listener `web` (ZONE_IP:8080 -> web-1 or web-2:8080, the client's
            # port kept), as the traffic checks leave them, from ephemeral ports
            r = L.in_netns(lab.ns["c"], bursts, L.ZONE_IP, L.WEB_PORT, a.listener_flows, 1, 3,
                           timeout=120)[0]
            print("%d flows to listener web (%d unanswered)" % (a.listener_flows, len(r["lost"])),
                  flush=True)
        print("lab %s, %d busy loops (pids %s), work dir %s"
              % (a.kind, a.load, loaders, lab.work), flush=True)
        base, since, it = snapshot(lab), 0, 0
        while it < a.iterations:
            n = min(a.batch, a.iterations - it)
            if a.cycle:
                # the failover check's moments: a burst right after the victim is seen
                # unhealthy, another right after it is healthy again
                n = 1
                if it % 2 == 0:
                    lab.kill_appliance(a.cycle)
                    ok, secs, _ = lab.wait_states({a.cycle: "unhealthy"}, 30,
                                                  group=L.FW_GROUP)
                else:
                    lab.start_appliance(a.cycle)
                    ok, secs, _ = lab.wait_states({a.cycle: "healthy"}, 30, group=L.FW_GROUP)
                if not ok:
                    print("%s: no state change within 30 s" % a.cycle, flush=True)
            old = lab.pins(range(1, 65536), a.host) if a.cycle else {}
            ports = lab.fresh_ports(n * a.count) if a.fresh_ports else None
            res = L.in_netns(lab.ns["c"], bursts, a.host, a.port, a.count, n, a.timeout, ports,
                             timeout=n * (a.timeout + 5) + 30)
            if a.listener_flows and any(r["lost"] for r in res):
                sessions = lab.flows()[1]
                for r in res:
                    r["sessions"] = {p: [x for x in sessions if x.get("cport") == p]
                                     for _, p in r["lost"]}
                    clashed += sum(1 for v in r["sessions"].values() if v)
            if a.cycle and res[0]["lost"]:
                # a source port still pinned from an earlier burst is no new flow
                after = lab.pins([p for _, p in res[0]["lost"]], a.host)
                res[0]["pins"] = {p: (old.get(p), after.get(p)) for _, p in res[0]["lost"]}
            lost_now = []
            for j, r in enumerate(res):
                total_lost += len(r["lost"])
                if r["lost"]:
                    lossy += 1
                    lost_now.append((it + j, r))
            it += n
            if not lost_now:
                if a.cycle and it % 20:
                    continue
                print("%4d bursts of %d: all answered" % (it, a.count), flush=True)
                continue
            time.sleep(0.2)
            now = snapshot(lab)
            for k, r in lost_now:
                print("%4d LOST %d of %d: index %s, sports %s, rtt ms max %.2f" %
                      (k, len(r["lost"]), a.count, [i for i, _ in r["lost"]],
                       [p for _, p in r["lost"]], r["rtt_max"]), flush=True)
                if "sessions" in r:
                    print("     NLB sessions with the lost flow's client port: %s"
                          % r["sessions"], flush=True)
                if "pins" in r:
                    print("     pins (before the burst, after): %s" % r["pins"], flush=True)
            d = diff(base, now)
            print("counters moved since burst %d (the drop/error ones): %s"
                  % (since, json.dumps({k: v for k, v in sorted(d.items()) if NOISY.search(k)})),
                  flush=True)
            base, since = now, it
        print(json.dumps({"iterations": a.iterations, "count": a.count, "lost": total_lost,
                          "lossy_iterations": lossy,
                          "lost_with_a_session_on_the_port": clashed}), flush=True)
    finally:
        for pid in loaders:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        lab.teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
