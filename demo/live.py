#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The live demo, what `scripts/demo.sh` runs: sluice in a small lab of network namespaces
(the e2e lab, tests/e2e/lab.py), with real TCP and UDP, real firewalls and sluiced, narrated
for an operator. About a minute per dataplane; needs root and network namespaces.

    live.py [--xdp | --both] [--target-failover no_rebalance|rebalance] [--build DIR]
            [--clean]

Steps (each a heading, its checks PASS/FAIL, sluicectl's own tables in between):
  1. the lab: namespaces, links, three sluice-appliance firewalls, two web servers, the
     dataplane (sluice-dp on af_packet, or sluice-xdp with --xdp) and sluiced; all healthy;
  2. traffic: two paced 4 MiB downloads (through inspection, through the inspect-then-balance
     listener) and a UDP stream to the NLB listener run while `sluicectl flows` / `counters`
     and the firewalls' own /stats are shown; then 20 UDP flows per path: who served them and
     how many datagrams the firewalls inspected;
  3. a firewall rule drops one UDP and one TCP flow, their neighbours pass (run.py's `rules`);
  4. failover: the firewall holding most of 24 pinned flows is SIGKILLed; sluicectl shows it
     unhealthy, new flows go to the survivors, existing ones follow the failover mode; it is
     restarted and takes flows again (run.py's `failover`);
  then a summary per step, and teardown (also on Ctrl-C, SIGTERM or a failure), verified.

Logs, config and counters stay in the printed work dir (--clean removes it on success).
Exit 0 when every check passed, 1 when one failed, 77 when it cannot run (not root, ...).
"""

import argparse
import os
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import lab as L  # noqa: E402
import run as R  # noqa: E402  the e2e checks the demo shares

WEB1 = L.SERVERS["web-1"]
NAMES = {"dp": "sluice-dp", "xdp": "sluice-xdp", "fleet": "fleet"}  # fleet: demo/fleet.py
RATE_KBPS = 1000  # the downloads of step 2 last BLOB_SIZE / RATE_KBPS: about 4 s

DIAGRAM = r"""
                       +------------------- sluice (%(dp)s) -------------------+
  client 10.0.1.2 -----| outside 10.0.1.10                  inside 10.0.2.10 |----- web-1 10.0.2.21
                       |  listeners :8080 (NLB), :9090 (inspect, then NLB)   |      web-2 10.0.2.22
                       |                 appliances 192.168.50.1             |
                       +---------------------------+-------------------------+
                                                   |  GENEVE, UDP 6081
                        fw-1 192.168.50.11   fw-2 192.168.50.12   fw-3 192.168.50.13
"""


class Narrator(L.Report):
    """A Report that reads as a story: numbered steps with headings, short sentences, checks
    as PASS/FAIL lines, command output indented; it remembers each step's results."""

    def __init__(self, kind, color):
        super().__init__()
        self.kind, self.color = kind, color
        self.steps = []  # [title, key, passed, failed, start, end]
        self.interrupted = False

    def _style(self, code, text):
        return "\033[%sm%s\033[0m" % (code, text) if self.color else text

    def step(self, title, key):
        now = time.monotonic()
        if self.steps:
            self.steps[-1][5] = now
        self.steps.append([title, key, 0, 0, now, None])
        print("\n" + self._style("1", "== %s (%s) ==" % (title, NAMES[self.kind])), flush=True)

    def say(self, text):
        print(textwrap.fill(" ".join(text.split()), 96), flush=True)

    def check(self, ok, what, detail=""):
        if not self.steps:
            self.step("Start", "start")
        st = self.steps[-1]
        for sep in (": ", "/"):  # run.py's checks name their check: the heading does here
            if what.startswith(st[1] + sep):
                what = what[len(st[1]) + len(sep):]
        if what.startswith("aborted: KeyboardInterrupt"):
            what = "interrupted (Ctrl-C)"
        st[2 if ok else 3] += 1
        if ok:
            self.passed += 1
            print("  %s  %s" % (self._style("32", "PASS"), what), flush=True)
        else:
            self.failed += 1
            self.failures.append("%s: %s" % (st[0], what))
            if what.startswith(("interrupted", "aborted: SystemExit")):
                self.interrupted = True
            detail = str(detail)
            if len(detail) > 800:
                detail = detail[:800] + " ..."
            print("  %s  %s%s" % (self._style("31", "FAIL"), what,
                                  ("\n        " + detail.replace("\n", "\n        "))
                                  if detail else ""), flush=True)
        return ok

    def info(self, msg):
        print("  " + msg, flush=True)

    def timed(self, fn, what):
        """Run fn(); then a PASS line: `what` with the seconds fn took put in its %.1f."""
        t0 = time.monotonic()
        out = fn()
        self.check(True, what % (time.monotonic() - t0))
        return out

    def ctl(self, lab, *args):
        """Run sluicectl ARGS against the lab and print its table under the command line."""
        print("\n  $ sluicectl %s" % " ".join(args), flush=True)
        rc, out, err = lab.sluicectl(*args)
        if rc != 0:
            self.check(False, "sluicectl %s: exit %d" % (" ".join(args), rc), err)
            return
        print(textwrap.indent(out.rstrip("\n"), "    ") + "\n", flush=True)


def appliance_table(lab):
    """The firewalls' own counters (their /stats, over the management network)."""
    print("  the firewalls' own counters (GET /stats on each sluice-appliance):")
    print("    %-6s %-8s %10s %10s %16s" % ("NAME", "HEALTHY", "RECEIVED", "RETURNED",
                                             "DROPPED-BY-RULE"))
    for aid, st in R.appl_stats(lab).items():
        if not st:
            print("    %-6s %-8s" % (aid, "(not answering)"))
            continue
        print("    %-6s %-8s %10d %10d %16d" % (aid, "yes" if st.get("healthy") else "no",
                                                st.get("received", 0), st.get("returned", 0),
                                                st.get("dropped_by_rule", 0)))
    print(flush=True)


def step_lab(rep, lab):
    rep.step("1. The lab", "lab")
    rep.say("""Five network namespaces on this machine: a client, sluice, three firewalls
            (sluice-appliance: they inspect what sluice sends them in GENEVE and return it),
            two web servers, and a management network where sluiced health-checks the
            firewalls and the servers (never through sluice).""")
    print(DIAGRAM % {"dp": NAMES[lab.kind]})
    rep.say("""Traffic from the client to 10.0.2.0/24 is inspected: sluice sends every packet
            of a flow, both ways, to one healthy firewall and forwards it when the firewall
            returns it. The zone IP 10.0.1.10 has two listeners that balance flows over web-1
            and web-2: :8080 plain (NLB), :9090 inspected first. Health checks: HTTP /healthz
            every %d s, %d failures make a target unhealthy, %d passes healthy again. Every
            firewall also runs a rule file that drops two test flows (step 3). Failover mode
            of the firewalls: %s.""" % (L.HC_INTERVAL, L.HC_UNHEALTHY, L.HC_HEALTHY,
                                        lab.target_failover))
    print("  work dir (config, every process's log): %s" % lab.work, flush=True)
    t0 = time.monotonic()
    lab.setup()
    rep.check(True, "namespaces, links, 3 firewalls and 2 web servers up in %.1f s"
              % (time.monotonic() - t0))
    took = lab.start_dataplane()
    rep.check(True, "%s up in %.1f s (%s)" % (NAMES[lab.kind], took, {
        "dp": "DPDK on net_af_packet, %d workers" % lab.workers,
        "xdp": "native XDP on the three veths"}[lab.kind]))
    rep.check(True, "sluiced up in %.1f s, driving %s through its control socket"
              % (lab.start_daemon(), NAMES[lab.kind]))
    t0 = time.monotonic()
    lab.wait_healthy(30)
    rep.check(True, "every firewall and web server healthy in sluiced and the dataplane "
              "after %.1f s" % (time.monotonic() - t0))
    rep.ctl(lab, "targets")


def step_traffic(rep, lab):
    rep.step("2. Traffic through sluice", "traffic")
    rep.say("""Starting now, for about %d s: a 4 MiB download from web-1 (10.0.2.21:8080,
            through a firewall), one from the inspect-then-balance listener (10.0.1.10:9090)
            and 30 UDP requests, each its own flow, to the NLB listener (10.0.1.10:8080).
            While they run, sluice's view:""" % (L.BLOB_SIZE // (RATE_KBPS * 1000)))
    jobs = [("HTTP download through inspection",
             lab.http_get(WEB1, L.WEB_PORT, rate_kbps=RATE_KBPS, background=True)),
            ("HTTP download through listener inspected",
             lab.http_get(L.ZONE_IP, L.INSPECTED_PORT, rate_kbps=RATE_KBPS, background=True))]
    udp = lab.udp(L.ZONE_IP, L.WEB_PORT, count=30, new_flows=True, interval=0.1,
                  background=True)
    # show the tables once all three have begun (a loaded machine starts them slowly), not
    # after a fixed time: flows of both downloads and some UDP sessions
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15:
        flows, sessions = lab.flows()
        if len(flows) >= 2 and len(sessions) >= 3:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    rep.ctl(lab, "flows", "--limit", "8")
    rep.ctl(lab, "counters")
    appliance_table(lab)
    for what, job in jobs:
        r = lab.check_download(job.result(60))
        rep.check(r["intact"], "%s: %d bytes in %.1f s, sha256 verified, served by %s"
                  % (what, r.get("bytes", 0), r.get("seconds") or 0, r.get("served_by")), r)
    u = udp.result(60)
    rep.check(u.get("ok") == 30 and set(u.get("served_by", {})) == set(L.SERVERS),
              "UDP to listener web: %s of 30 flows answered, balanced %s"
              % (u.get("ok"), u.get("served_by")), u)
    rep.say("""Now 20 UDP request/response flows on each path, one after the other, counting
            the GENEVE datagrams the firewalls receive meanwhile (their /stats):""")
    for what, host, port, listener, inspected in R.PATHS:
        a0 = R.appl_sum(R.appl_stats(lab), "received")
        u = lab.udp(host, port, count=20, new_flows=True, burst=True, timeout=3)
        da = R.appl_sum(R.appl_stats(lab), "received") - a0
        seen = ("the firewalls inspected %d datagrams (>= 40: request and reply)" % da
                if inspected else "the firewalls saw %d datagrams (not inspected)" % da)
        rep.check(u["ok"] == 20 and (da >= 40 if inspected else da == 0) and
                  (not listener or set(u["served_by"]) == set(L.SERVERS)),
                  "%s:%d (%s): %d of 20 answered, served by %s; %s"
                  % (host, port, what, u["ok"], u["served_by"], seen), u)
    drops = {k: v for k, v in lab.dp_counters().get("drops", {}).items() if v}
    rep.check(not drops, "the dataplane dropped nothing", drops)


def step_rules(rep, lab):
    rep.step("3. A firewall rule drops a flow", "rules")
    rep.say("""Every firewall runs with: %s. Flows from those client ports get no answer
            (the firewall does not return their packets); their neighbours pass. A dropped
            TCP connection takes a few seconds to time out."""
            % "; ".join(ln for ln in R.RULES.splitlines() if ln.startswith("drop")))
    R.check_rules(lab, rep)
    appliance_table(lab)
    rep.say("sluiced's copy of the listener counters (polled from the dataplane every 2 s):")
    rep.ctl(lab, "listeners")


def step_failover(rep, lab):
    rep.step("4. Failover", "failover")
    rep.say("""24 UDP flows from fixed client ports (42000-42023) to web-1 are pinned to
            firewalls. The firewall holding most of them is then killed (SIGKILL: no
            goodbye). sluiced should see it unhealthy within %d s (interval x threshold +
            timeout + 1 s); new flows must avoid it. Existing flows follow the group's
            failover mode, %s: %s"""
            % (R.DOWN_BOUND, lab.target_failover, {
                "no_rebalance": "they stay pinned to the dead firewall (and go unanswered) "
                                "until it is back.",
                "rebalance": "they move to a survivor and keep working."}
               [lab.target_failover]))

    def show(moment, victim):
        rep.ctl(lab, "targets", L.FW_GROUP)
        if moment == "down":
            rep.say("""%s is unhealthy (REASON: the last failed check). Now 30 new flows, then
                    the 24 pinned flows again:""" % victim)
        else:
            rep.say("""%s is back (LAST-FAILURE keeps the failed check for reference). The 24
                    pinned flows again, then 40 new flows:""" % victim)

    R.check_failover(lab, rep, show=show)
    rep.ctl(lab, "counters")


STEPS = [step_lab, step_traffic, step_rules, step_failover]


def run_kind(kind, args, color):
    """The whole demo on one dataplane kind: (exit code, Narrator, work dir, leftovers)."""
    rep = Narrator(kind, color)
    lab_ref = []
    print("\n" + rep._style("1;4", "sluice live demo on %s" % NAMES[kind]), flush=True)

    def body(rep):
        lab = L.Lab(kind=kind, build=args.build, keep=not args.clean, name="demo-" + kind,
                    target_failover=args.target_failover, appliance_rules=R.RULES)
        lab_ref.append(lab)
        for fn in STEPS:
            fn(rep, lab)
        rep.step("5. Clean up", "cleanup")
        rep.say("Stopping every process and deleting the namespaces.")

    rc = L.main_guard(lab_ref, body, "demo (%s)" % NAMES[kind], rep=rep, log_tails=False)
    work = None
    if lab_ref:
        lab = lab_ref[0]
        if not rep.steps or rep.steps[-1][1] != "cleanup":
            rep.step("5. Clean up", "cleanup")
        left = lab.leftovers() + [x for v in L.remnants(os.getpid(), lab.work).values()
                                  for x in v]
        rc |= not rep.check(not left, "nothing of the lab is left: no namespace, link or "
                            "process", left)
        work = lab.work if os.path.isdir(lab.work) else None
        if work and os.path.exists(lab.blob):
            os.unlink(lab.blob)  # 4 MiB of random bytes: not worth keeping
    if rep.steps:
        rep.steps[-1][5] = time.monotonic()
    return rc, rep, work


def summary(runs, color):
    print("\n" + ("\033[1m== Summary ==\033[0m" if color else "== Summary =="))
    ok_all = True
    for kind, rc, rep, work in runs:
        print("  %s:" % NAMES[kind])
        for title, _, passed, failed, start, end in rep.steps:
            print("    %s  %-32s %2d passed, %d failed  %5.1f s"
                  % (rep._style("32", "PASS") if failed == 0 else rep._style("31", "FAIL"),
                     title, passed, failed, (end or start) - start))
        ok_all &= rc == 0 and rep.failed == 0
        if work:
            print("    logs: %s" % work)
    print("RESULT: %s" % ("PASS" if ok_all else "FAIL"), flush=True)
    return 0 if ok_all else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--xdp", action="store_true", help="run sluice-xdp instead of sluice-dp")
    g.add_argument("--both", action="store_true", help="sluice-dp, then sluice-xdp")
    ap.add_argument("--target-failover", choices=("no_rebalance", "rebalance"),
                    default="no_rebalance", help="the firewalls' failover mode (step 4)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--clean", action="store_true",
                    help="remove the work dir (logs) when every check passed")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    kinds = ["dp", "xdp"] if args.both else ["xdp"] if args.xdp else ["dp"]
    for kind in kinds:
        L.preflight("demo", kind, args.build)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    t0 = time.monotonic()
    runs = []
    for kind in kinds:
        rc, rep, work = run_kind(kind, args, color)
        runs.append((kind, rc, rep, work))
        if rep.interrupted:
            break
    rc = summary(runs, color)
    print("%.0f s in all" % (time.monotonic() - t0))
    return rc


if __name__ == "__main__":
    sys.exit(main())
