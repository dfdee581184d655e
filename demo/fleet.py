#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The fleet demo, what `scripts/demo.sh --fleet` runs: several sluice nodes per zone behind a
router running BIRD 2, each node announcing its zone IP over BGP (with BFD) through its own
BIRD, the router spreading flows over them by ECMP (the lab of tests/fleet/fleetlab.py). A node
fails under load and no connection notices. About a minute; needs root and network namespaces.

    fleet.py [--kinds dp,xdp,dp] [--announce sluiced|manual] [--[no-]dnat] [--build DIR]
             [--clean]

Steps (each a heading, its checks PASS/FAIL, the nodes' and the router's own views between):
  1. the fleet: namespaces, the router's and the servers' BIRD, the firewalls and web servers,
     per node its BIRD, dataplane and sluiced; `sluicectl node` on every node;
  2. the routes: what the router learned (`birdc show route`, `ip route`: one ECMP route per
     prefix with a next hop per node) and the servers' default route;
  3. traffic over the fleet: long-lived TCP connections and UDP flows spread over every node
     (the router's ECMP choice per flow, and every node's own counters);
  4. a node fails under load: kill -9 of its dataplane (with sluiced's announcement; with the
     manual one, its links go down); the router drops it; what happened to the connections
     (none lost) and to UDP (the loss window, measured); it comes back and takes new flows;
  then a summary, and teardown (also on Ctrl-C, SIGTERM or a failure), verified.

Exit 0 when every check passed, 1 when one failed, 77 when it cannot run (not root, ...).
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fleet"))
import live  # noqa: E402  the narrator and the summary of the single-node demo
import fleetlab as F  # noqa: E402


def _fleet_checks():
    """tests/fleet/run.py, the checks the demo shares (loaded by path: `run` is the e2e
    checks' module name, which live.py has imported)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "fleet_run", os.path.join(ROOT, "tests", "fleet", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


R = _fleet_checks()

DIAGRAM = r"""
  client 10.0.0.2 --- router (BIRD 2, AS 65000): ECMP over the nodes, BGP + BFD to each
                            |
        +-------------------+-------------------+---------------------+
   node 1 %-12s    node 2 %-12s    node 3 %-12s      node 4 %-12s
   zone az1: 10.0.10.1 (each node: its own BIRD + sluiced)   zone az2: 10.0.20.1
        |  GENEVE                                               |
   fw-1 fw-2 fw-3 (az1), fw-4 (az2): sluice-appliance firewalls  |
        |                                                       |
   srv-1 srv-2: hosts behind inspection (transit both ways)     |
   web-1 web-2 (az1), web-3 (az2): the listeners' NLB targets, on their own segment
   (every server's default route: ECMP over the az1 nodes, from their BGP; web-3: node 4)
"""


def step_fleet(rep, lab):
    rep.step("1. The fleet", "fleet")
    rep.say("""%d sluice nodes in network namespaces on this machine, %d in zone az1 and one in
            az2. Each runs a dataplane, sluiced and its own BIRD 2, which announces over BGP
            what is in the node's kernel table %d: %s. The router (BIRD 2 too) installs what
            it learns as ECMP routes and hashes each flow (L4) to one node; BFD (%d ms x %d)
            tells it within %.1f s when a node is gone."""
            % (len(lab.nodes), len(lab.az1), F.ANNOUNCE_TABLE,
               "sluiced writes it while the node can serve" if lab.announce == "sluiced"
               else "the lab fills it by hand here (--announce manual)",
               F.BFD_INTERVAL_MS, F.BFD_MULT, R.BFD_DETECT_S))
    labels = [n.label.split("/")[1] for n in lab.nodes] + [""] * 4
    print(DIAGRAM % tuple(labels[:4]))
    print("  work dir (config, every process's log): %s" % lab.work, flush=True)
    rep.timed(lab.setup, "namespaces, bridges, 4 firewalls, 2 inspected hosts and 3 NLB targets "
              "up in %.1f s")
    rep.timed(lab.start_all, "the router's and the servers' BIRD, and on every node BIRD, %s "
              "and sluiced, up in %%.1f s" % "/".join(sorted({n.label.split("/")[1]
                                                              for n in lab.nodes})))
    rep.timed(lambda: lab.wait_healthy(40), "every node sees its zone's firewalls and servers "
              "healthy after %.1f s")
    for n in lab.nodes:
        show_node(rep, n)


def show_node(rep, n):
    """`sluicectl node` on node n (its own view: serving, draining, withdrawn and why)."""
    args = ("node",) if n.lab.announce == "sluiced" else ("status",)
    print("\n  [%s] $ sluicectl %s" % (n.label, " ".join(args)), flush=True)
    rc, out, err = n.ctl(*args, as_json=False)
    if rc != 0:
        print("    (exit %d: %s)" % (rc, err.strip()), flush=True)
        return
    print("    " + out.rstrip("\n").replace("\n", "\n    "), flush=True)


def step_routes(rep, lab):
    rep.step("2. The routes", "routes")
    rep.say("""The router learns the az1 zone IP and the inspected servers' network from every
            az1 node and merges them into one route with a next hop per node; the az2 zone IP
            only from the az2 node. The servers learn their default route from the az1 nodes
            the same way, so replies are spread too.""")
    R.check_routes(lab, rep)
    for what, args in (("ip route show default", ()),
                       ("ip route show default table %d   (the NLB targets')" % F.TARGETS_TABLE,
                        ("table", str(F.TARGETS_TABLE)))):
        print("  [servers] $ %s\n    " % what +
              lab.ipn("v", "route", "show", "default", *args).stdout.strip().replace(
                  "\n", "\n    "), flush=True)


def step_traffic(rep, lab):
    rep.step("3. Traffic over the fleet", "spread")
    rep.say("""%d long-lived TCP connections and %d UDP flows per path (%s), from fixed client
            ports: the router's ECMP hash sends each to one node; the servers' replies may
            come back through another, which needs no state for it: the inspection return
            carries its cookie and every node picks the same firewall for a flow; a node that
            gets an NLB target's reply it has no session for adopts it (the same target, the
            same rewrites)."""
            % (R.TCP_CONNS, R.UDP_FLOWS, ", ".join(w for w, _, _ in R.tcp_paths(lab))))
    R.check_spread(lab, rep)


def step_failure(rep, lab):
    kill = lab.announce == "sluiced"
    rep.step("4. A node fails", "kill" if kill else "node_down")
    rep.say("""Under the same load, %s. The router must drop it from its ECMP routes within
            %.1f s; the connections it carried move to the other nodes and must all complete
            intact; a UDP flow on it may lose what was sent before the router knew (measured
            below). Then it comes back and takes new flows."""
            % ("one node's dataplane is killed (kill -9): sluiced sees it gone and takes the "
               "node's routes out of table %d, its BIRD withdraws them" % F.ANNOUNCE_TABLE
               if kill else "one node disappears from the network (its links go down): the "
               "router's BFD notices", R.WITHDRAW_BOUND_S if kill else R.BFD_DETECT_S + 0.5))

    def show(moment, victim):
        print("\n  [router] $ ip route show %s   (%s)" % (R.ZIP1, "after the failure"
                                                        if moment == "down" else "it is back"))
        print("    " + lab.ipn("r", "route", "show", R.ZIP1).stdout.strip().replace(
            "\n", "\n    "), flush=True)
        if kill:
            show_node(rep, victim)

    (R.check_kill if kill else R.check_node_down)(lab, rep, show=show)


STEPS = [step_fleet, step_routes, step_traffic, step_failure]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kinds", default=",".join(F.DEFAULT_KINDS),
                    help="the az1 nodes' dataplanes, dp or xdp (default %(default)s)")
    ap.add_argument("--announce", choices=("sluiced", "manual"), default=F.DEFAULT_ANNOUNCE)
    ap.add_argument("--dnat", action=argparse.BooleanOptionalAction, default=F.DEFAULT_DNAT,
                    help="long-lived connections through the DNAT listener too")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--clean", action="store_true",
                    help="remove the work dir (logs) when every check passed")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    kinds = args.kinds.split(",")
    F.preflight("demo", kinds + ["xdp"], args.build)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    rep = live.Narrator("fleet", color)
    lab_ref = []
    t0 = time.monotonic()
    print("\n" + rep._style("1;4", "sluice fleet demo"), flush=True)

    def body(rep):
        lab = F.FleetLab(kinds=kinds, announce=args.announce, dnat=args.dnat,
                         build=args.build, keep=not args.clean, name="demo-fleet")
        lab_ref.append(lab)
        for fn in STEPS:
            fn(rep, lab)
        rep.step("5. Clean up", "cleanup")
        rep.say("Stopping every process and deleting the namespaces.")

    rc = F.main_guard(lab_ref, body, "fleet demo", rep=rep, log_tails=False)
    work = None
    if lab_ref:
        lab = lab_ref[0]
        if not rep.steps or rep.steps[-1][1] != "cleanup":
            rep.step("5. Clean up", "cleanup")
        left = {k: v for k, v in F.remnants(os.getpid(), lab.work).items() if v}
        rc |= not rep.check(not left, "nothing of the lab is left: no namespace, link, "
                            "process or DPDK dir", left)
        work = lab.work if os.path.isdir(lab.work) else None
    if rep.steps:
        rep.steps[-1][5] = time.monotonic()
    rc = live.summary([("fleet", rc, rep, work)], color)
    print("%.0f s in all" % (time.monotonic() - t0))
    return rc


if __name__ == "__main__":
    sys.exit(main())
