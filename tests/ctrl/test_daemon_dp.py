#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sluiced driving a running sluice-dp: health, registration, draining, restarts.

    test_daemon_dp.py --sluice-dp PATH --sluiced PATH --sluicectl PATH [--keep]

The lab of labkit.py: sluice-dp on af_packet vdevs between a client and an appliance namespace
(2 workers), sluiced in the appliance namespace health-checking HTTP servers on the appliance
addresses (http :8080 /healthz, interval 2 s, timeout 1 s, thresholds 2/2, deregistration delay
4 s), one dumpcap on the appliance link for the whole run. Every inner packet is a UDP packet
whose payload carries a unique id, so each one is found on the appliance side and the appliance
it went to is read from the outer destination.

  a. sluiced syncs the dataplane: fw-a/b/c healthy in `sluicectl targets` and in the
     dataplane's `state`, which agree member by member; new flows spread over the three (and go
     where Maglev over them says, tests/pcap/sluice_ref.py); `sluicectl flows` lists them with
     their targets, `sluicectl counters` counts geneve_encap.
  b. fw-b's health endpoint answers 503: within interval x threshold + 1 s it is unhealthy
     (the reason names the status); new flows sent after that avoid it, existing flows
     (no_rebalance) keep their appliance, fw-b's too.
  c. `sluicectl register` fw-d (its health server up): initial, then healthy; new flows reach
     it.
  d. `sluicectl deregister` fw-d (delay 4 s): draining; during the delay fw-d's flows still go
     to it and new flows do not; after the delay it is gone from both and its flows move.
  e. sluiced SIGKILLed: sluice-dp keeps forwarding with the last state; restarted, sluiced
     reconnects and re-syncs (generation up, the same state once the checks settle).
  f. sluice-dp restarted under a running sluiced (it comes back with the config's states, fw-b
     healthy): sluiced reconnects and syncs within a few seconds (`sluicectl dataplanes`
     connected), and new flows avoid fw-b again.

Exit 0 pass, 1 fail, 77 skip (not root, no netns, a tool or binary missing).
"""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as lk  # noqa: E402
from pylib.ref import sluice_ref as ref_module  # noqa: E402  (labkit puts tests/ on sys.path)

INTERVAL, TIMEOUT, HEALTHY_N, UNHEALTHY_N = 2, 1, 2, 2
DEREG_DELAY = 4
N_FLOWS = 240
CONFIG_TARGETS = [("fw-a", "192.168.50.11"), ("fw-b", "192.168.50.12"),
                  ("fw-c", "192.168.50.13")]
FW_D = ("fw-d", "192.168.50.14")
ID_OF = {ip: tid for tid, ip in CONFIG_TARGETS + [FW_D]}
ADDR = {tid: ip for tid, ip in CONFIG_TARGETS + [FW_D]}
# state changes must show within interval x threshold + 1 s (the bound)
DOWN_BOUND = INTERVAL * UNHEALTHY_N + 1
# a new target: the first check at a random offset within the interval, then the threshold
UP_BOUND = INTERVAL + INTERVAL * HEALTHY_N + 1


class Traffic:
    """Packets with unique ids; flows are (src, sport, dst, dport)."""

    def __init__(self, lab, rep):
        self.lab, self.rep = lab, rep
        self.next_pid = 1
        self.next_flow = 0
        self.flow_of_pid = {}
        self.sent_total = 0

    def new_flows(self, n):
        out = []
        for _ in range(n):
            i = self.next_flow
            self.next_flow += 1
            out.append((lk.unique_src(i), 1024 + (i * 7) % 60000, "198.51.100.%d" % (1 + i % 200),
                        (53, 123, 443, 4500)[i % 4]))
        return out

    def send(self, flows, tag, what):
        """Send one packet of each flow; wait until every one was captured. {flow: (ts, app)}"""
        return self.send_many([(flows, tag, what)])[0]

    def send_many(self, batches):
        """send() of several (flows, tag, what) in one go (one sender run); a result each."""
        frames, pids, flows = [], [], []
        for fls, tag, _ in batches:
            for fl in fls:
                pid = self.next_pid
                self.next_pid += 1
                frames.append(lk.udp_frame(pid, tag, fl[0], fl[2], fl[1], fl[3]))
                pids.append(pid)
                flows.append(fl)
                self.flow_of_pid[pid] = fl
        what = " + ".join(w for _, _, w in batches)
        res = self.lab.send(frames, pps=4000)
        self.sent_total += len(frames)
        deadline = time.monotonic() + 8
        got, problems = {}, []
        while time.monotonic() < deadline:
            got, problems = self.lab.captured()
            if all(p in got for p in pids):
                break
            time.sleep(0.2)
        time.sleep(0.1)
        got, problems = self.lab.captured()
        missing = [p for p in pids if p not in got]
        dup = [p for p in pids if len(got.get(p, [])) > 1]
        self.rep.check(not missing and not dup and not problems,
                       "%s: %d packets sent (in %.2f s), each captured once on the appliance "
                       "side" % (what, len(pids), res.get("seconds", 0)),
                       "missing %d (ids %s), duplicated %d; %s" % (
                           len(missing), missing[:8], len(dup), problems[:5]))
        outs, k = [], 0
        for fls, _, _ in batches:
            out = {}
            for fl in fls:
                p = pids[k]
                k += 1
                if p in got:
                    ts, app, _, _ = got[p][0]
                    out[fl] = (ts, app)
            outs.append(out)
        return outs


def maglev_check(rep, ref, placed, ids, what):
    """Every flow went where Maglev over `ids` sends it (sluice_ref); skipped without ref."""
    if ref is None:
        return
    bad = []
    for fl, (_, app) in placed.items():
        l3 = lk.udp_frame(0, 0, fl[0], fl[2], fl[1], fl[3])[14:]  # 68 bytes: no padding
        key = ref.flow_key(l3, ref.STICK_5)
        want = ref.maglev_pick(sorted(ids), [1] * len(ids), ref.flow_hash(key))
        if ID_OF.get(app) != want:
            bad.append("%s:%d -> %s:%d went to %s, Maglev over %s says %s" % (
                fl[0], fl[1], fl[2], fl[3], ID_OF.get(app, app), sorted(ids), want))
    rep.check(not bad, "%s: all %d flows on the target Maglev over %s gives (sluice_ref)"
              % (what, len(placed), sorted(ids)), "\n".join(bad[:8]))


def per_app(placed):
    c = {}
    for _, app in placed.values():
        tid = ID_OF.get(app, app)
        c[tid] = c.get(tid, 0) + 1
    return dict(sorted(c.items()))


def compare_state(rep, lab, what):
    """sluicectl targets and the dataplane's state agree, member by member."""
    tg = lab.ctl_targets()
    st = lab.dp_state()
    bad = []
    for tid, t in tg.items():
        d = st["targets"].get(tid)
        if d is None:
            bad.append("%s: in sluicectl targets (%s), not in the dataplane" % (tid,
                                                                              t.get("state")))
            continue
        for k in ("address", "state", "weight", "zone"):
            if t.get(k) != d.get(k):
                bad.append("%s.%s: sluicectl %r, dataplane %r" % (tid, k, t.get(k), d.get(k)))
    for tid in st["targets"]:
        if tid not in tg:
            bad.append("%s: in the dataplane, not in sluicectl targets" % tid)
    rep.check(not bad, "%s: sluicectl targets and the dataplane's state agree (generation %s, "
              "mode %s): %s" % (what, st["generation"], st["mode"],
                                {k: v.get("state") for k, v in sorted(tg.items())}),
              "\n".join(bad))
    return tg, st


def dataplanes(lab):
    rc, out, err = lab.ctl("dataplanes")
    if rc != 0 or not isinstance(out, dict):
        return None, "exit %d: %s" % (rc, err)
    dps = out.get("dataplanes", [])
    for d in dps:
        if d.get("socket") == lab.dp_sock:
            return d, ""
    return None, "no entry for %s in %s" % (lab.dp_sock, dps)


def wait_connected(lab, min_gen=None, timeout=10):
    t0 = time.monotonic()
    d = None
    while time.monotonic() - t0 < timeout:
        d, _ = dataplanes(lab)
        if d and d.get("connected") and (min_gen is None or (d.get("generation") or 0) >= min_gen):
            return d, time.monotonic() - t0
        time.sleep(0.1)
    return d, None


def body(rep, args, lab_ref):
    lab = lk.Lab("daemon_dp", args.sluice_dp, args.sluiced, args.sluicectl, keep=args.keep)
    lab_ref.append(lab)
    ref = ref_module()
    lab.setup_net()
    rep.info("namespaces %s (client) %s (sluice-dp) %s (appliances, sluiced), work dir %s"
             % (lab.ns_cl, lab.ns_dp, lab.ns_ap, lab.work))
    for _, ip in CONFIG_TARGETS + [FW_D]:
        lab.health.set(ip, "up")
    hc = {"protocol": "http", "port": lk.HEALTH_PORT, "path": "/healthz", "interval": INTERVAL,
          "timeout": TIMEOUT, "healthy_threshold": HEALTHY_N,
          "unhealthy_threshold": UNHEALTHY_N}
    lab.write_config(lab.config_text(CONFIG_TARGETS, DEREG_DELAY, hc))
    lab.start_capture()
    t = lab.start_dp()
    rep.check(True, "sluice-dp up with --control %s in %.1f s" % (lab.dp_sock, t))
    t = lab.start_sluiced()
    rep.check(True, "sluiced up in %.1f s (API %s)" % (t, lab.api_sock))
    tr = Traffic(lab, rep)

    # --- a. sync, spread ---------------------------------------------------------------------
    want = {tid: "healthy" for tid, _ in CONFIG_TARGETS}
    ok, secs, seen = lab.wait_states(want, 15)
    if not rep.check(ok, "a: fw-a, fw-b, fw-c healthy in sluicectl and in the dataplane after "
                     "%.1f s" % secs, str(seen)):
        raise lk.Abort("targets never became healthy")
    tg, st = compare_state(rep, lab, "a")
    rep.check(all(t.get("source") == "config" for t in tg.values()) and
              all(t.get("check", {}).get("protocol") == "http" for t in tg.values()),
              "a: the targets come from the config, checked over http",
              str({k: (v.get("source"), v.get("check")) for k, v in tg.items()}))
    d, secs = wait_connected(lab, st["generation"])
    rep.check(d is not None and secs is not None and d.get("generation") == st["generation"],
              "a: sluicectl dataplanes: %s connected, generation %s (the dataplane says %s)"
              % (lab.dp_sock, d and d.get("generation"), st["generation"]), str(d))
    flows_a = tr.new_flows(N_FLOWS)
    placed_a = tr.send(flows_a, 1, "a: new flows")
    spread = per_app(placed_a)
    rep.check(set(spread) == {"fw-a", "fw-b", "fw-c"} and min(spread.values()) >= N_FLOWS // 8,
              "a: %d new flows spread over the healthy appliances: %s" % (len(placed_a), spread))
    maglev_check(rep, ref, placed_a, ["fw-a", "fw-b", "fw-c"], "a")
    rc, out, err = lab.ctl("flows", "--limit", "10000")
    listed = {}
    if rc == 0 and isinstance(out, dict):
        for f in out.get("flows", []):
            a = (f.get("src"), f.get("sport"), f.get("dst"), f.get("dport"))
            b = (f.get("dst"), f.get("dport"), f.get("src"), f.get("sport"))
            listed[a] = listed[b] = f.get("target")
    bad = ["%s:%d -> %s:%d: listed on %s, captured on %s" % (fl + (listed.get(fl),
                                                                   ID_OF.get(app)))
           for fl, (_, app) in placed_a.items() if listed.get(fl) != ID_OF.get(app)]
    rep.check(rc == 0 and not bad, "a: sluicectl flows lists the %d flows (total %s) with the "
              "targets they went to" % (len(placed_a), out.get("total") if isinstance(out, dict)
                                        else None),
              ("exit %d: %s\n" % (rc, err) if rc else "") + "\n".join(bad[:8]))
    rc, out, err = lab.ctl("counters")
    stats = out.get("stats", {}) if isinstance(out, dict) else {}
    encap = stats.get("events", {}).get("geneve_encap")
    rep.check(rc == 0 and encap == tr.sent_total, "a: sluicectl counters: geneve_encap = %s "
              "(sent %d)" % (encap, tr.sent_total), "exit %d: %s %s" % (rc, err, str(out)[:300]))
    rc, out, err = lab.ctl("targets", as_json=False)
    rep.check(rc == 0 and all(tid in out for tid, _ in CONFIG_TARGETS),
              "a: sluicectl targets (human table) lists the targets",
              "exit %d: %s\n%s" % (rc, err, out))
    if rc == 0:
        print("      " + out.rstrip().replace("\n", "\n      "))

    # --- b. fw-b's health endpoint answers 503 ------------------------------------------------
    t_down = lab.health.set(ADDR["fw-b"], "503")
    ok, _, seen = lab.wait_states({"fw-b": "unhealthy"}, DOWN_BOUND + 3, dp_too=False)
    secs = time.time() - t_down
    rep.check(ok and secs <= DOWN_BOUND,
              "b: fw-b (HTTP 503) unhealthy in sluicectl %.1f s after its endpoint went down "
              "(bound interval x threshold + 1 = %d s)" % (secs, DOWN_BOUND), str(seen))
    ok, _, seen = lab.wait_states({"fw-b": "unhealthy", "fw-a": "healthy", "fw-c": "healthy"},
                                  2)
    rep.check(ok, "b: the dataplane has fw-b unhealthy %.1f s after the endpoint went down"
              % (time.time() - t_down), str(seen))
    tg = lab.ctl_targets()
    reason = tg.get("fw-b", {}).get("reason") or ""
    rep.check("503" in reason, "b: fw-b's reason names the status: %r" % reason,
              str(tg.get("fw-b")))
    compare_state(rep, lab, "b")
    flows_b = tr.new_flows(N_FLOWS)
    placed_b = tr.send(flows_b, 2, "b: new flows")
    spread = per_app(placed_b)
    rep.check("fw-b" not in spread and set(spread) == {"fw-a", "fw-c"},
              "b: new flows avoid unhealthy fw-b: %s" % spread)
    maglev_check(rep, ref, placed_b, ["fw-a", "fw-c"], "b")
    again = tr.send(flows_a, 3, "b: the flows of a again")
    moved = [fl for fl in flows_a if fl in again and again[fl][1] != placed_a[fl][1]]
    on_b = sum(1 for fl in flows_a if placed_a[fl][1] == ADDR["fw-b"])
    rep.check(not moved and len(again) == len(flows_a),
              "b: existing flows keep their appliance (no_rebalance), the %d on fw-b too" % on_b,
              "\n".join("%s moved %s -> %s" % (fl, placed_a[fl][1], again[fl][1])
                        for fl in moved[:8]))

    # --- c. register fw-d ------------------------------------------------------------------------
    rc, out, err = lab.ctl("register", lk.GROUP, FW_D[0], FW_D[1])
    tobj = out.get("target", {}) if isinstance(out, dict) else {}
    rep.check(rc == 0 and tobj.get("id") == FW_D[0] and tobj.get("state") == "initial" and
              tobj.get("source") == "api",
              "c: sluicectl register %s %s %s: %s, source %s" % (lk.GROUP, FW_D[0], FW_D[1],
                                                              tobj.get("state"),
                                                              tobj.get("source")),
              "exit %d: %s %s" % (rc, err, out))
    t_reg = time.monotonic()
    ok, _, seen = lab.wait_states({"fw-d": "healthy"}, UP_BOUND + 3)
    secs = time.monotonic() - t_reg
    rep.check(ok and secs <= UP_BOUND + 0.5, "c: fw-d healthy in sluicectl and the dataplane "
              "%.1f s after registering (bound %d s)" % (secs, UP_BOUND), str(seen))
    compare_state(rep, lab, "c")
    flows_c = tr.new_flows(N_FLOWS)
    placed_c = tr.send(flows_c, 4, "c: new flows")
    spread = per_app(placed_c)
    rep.check(spread.get("fw-d", 0) >= N_FLOWS // 8 and "fw-b" not in spread,
              "c: new flows reach the registered fw-d (and still avoid fw-b): %s" % spread)
    maglev_check(rep, ref, placed_c, ["fw-a", "fw-c", "fw-d"], "c")

    # --- d. deregister fw-d, delay 4 s ---------------------------------------------------------
    d_flows = [fl for fl in flows_c if placed_c.get(fl, (0, ""))[1] == FW_D[1]]
    rc, out, err = lab.ctl("deregister", lk.GROUP, FW_D[0])
    t_dereg = time.time()
    tobj = out.get("target", {}) if isinstance(out, dict) else {}
    rep.check(rc == 0 and tobj.get("state") == "draining",
              "c: sluicectl deregister %s %s: %s, drain_remaining_s %s" % (
                  lk.GROUP, FW_D[0], tobj.get("state"), tobj.get("drain_remaining_s")),
              "exit %d: %s %s" % (rc, err, out))
    ok, _, seen = lab.wait_states({"fw-d": "draining"}, 1.5)
    rep.check(ok, "d: fw-d draining in the dataplane too", str(seen))
    tg = lab.ctl_targets()
    rem = tg.get("fw-d", {}).get("drain_remaining_s")
    rep.check(isinstance(rem, (int, float)) and 0 < rem <= DEREG_DELAY,
              "d: sluicectl targets shows drain_remaining_s %s" % rem, str(tg.get("fw-d")))
    held, newd = tr.send_many([(d_flows, 5, "d: fw-d's flows during the delay"),
                               (tr.new_flows(N_FLOWS), 6, "new flows during the delay")])
    late = max([ts for ts, _ in list(held.values()) + list(newd.values())] + [0]) - t_dereg
    rep.check(late < DEREG_DELAY, "d: both sent and captured within the delay (last %.2f s "
              "after deregister)" % late)
    not_d = [fl for fl in d_flows if held.get(fl, (0, FW_D[1]))[1] != FW_D[1]]
    rep.check(d_flows and not not_d, "d: during the delay fw-d's %d existing flows still go to "
              "it" % len(d_flows), "%d moved: %s" % (len(not_d), not_d[:5]))
    spread = per_app(newd)
    rep.check("fw-d" not in spread and "fw-b" not in spread,
              "d: new flows during the delay avoid draining fw-d (and fw-b): %s" % spread)
    maglev_check(rep, ref, newd, ["fw-a", "fw-c"], "d (delay)")
    ok, _, seen = lab.wait_states({"fw-d": None}, DEREG_DELAY + 3)
    gone = time.time() - t_dereg
    rep.check(ok and DEREG_DELAY - 0.5 <= gone <= DEREG_DELAY + 2,
              "d: fw-d gone from sluicectl and the dataplane %.1f s after deregister (delay %d)"
              % (gone, DEREG_DELAY), str(seen))
    after = tr.send(d_flows, 7, "d: fw-d's flows after the delay")
    stuck = [fl for fl in d_flows if after.get(fl, (0, FW_D[1]))[1] in (FW_D[1], ADDR["fw-b"])]
    rep.check(not stuck, "d: after the delay fw-d's %d flows moved to healthy appliances: %s"
              % (len(d_flows), per_app(after)), "%d not moved: %s" % (len(stuck), stuck[:5]))
    maglev_check(rep, ref, after, ["fw-a", "fw-c"], "d (after)")

    # --- e. kill sluiced ----------------------------------------------------------------------
    tg1, st1 = compare_state(rep, lab, "e (before)")
    rc = lab.stop("sluiced", signal.SIGKILL)
    rep.info("sluiced SIGKILLed (exit %s)" % rc)
    time.sleep(1.0)
    st = lab.dp_state()
    rep.check(lab.alive("sluice-dp") and st["generation"] == st1["generation"] and
              {k: v.get("state") for k, v in st["targets"].items()} ==
              {k: v.get("state") for k, v in st1["targets"].items()},
              "e: with sluiced dead the dataplane runs on, same generation %s and states"
              % st["generation"], "%s vs %s" % (st, st1))
    rc, _, err = lab.ctl("status")
    rep.check(rc == 3, "e: sluicectl status without a daemon exits 3 (cannot reach it): %s" % err,
              "exit %d" % rc)
    newe = tr.send(tr.new_flows(N_FLOWS), 8, "e: new flows without sluiced")
    spread = per_app(newe)
    rep.check(set(spread) == {"fw-a", "fw-c"}, "e: new flows follow the last state: %s" % spread)
    again = tr.send(flows_a, 9, "e: the flows of a again without sluiced")
    moved = [fl for fl in flows_a if fl in again and again[fl][1] != placed_a[fl][1]]
    rep.check(not moved, "e: existing flows keep their appliance without sluiced",
              "%d moved" % len(moved))
    t = lab.start_sluiced()
    d, secs = wait_connected(lab, st1["generation"] + 1)
    rep.check(d is not None and secs is not None,
              "e: restarted sluiced (up in %.1f s) reconnected and re-synced: dataplane "
              "generation %s -> %s" % (t, st1["generation"], d and d.get("generation")), str(d))
    want = {k: v.get("state") for k, v in st1["targets"].items()}
    ok, secs, seen = lab.wait_states(want, UP_BOUND + 4)
    st2 = lab.dp_state()
    same = {k: (v.get("address"), v.get("weight"), v.get("zone"), v.get("state"))
            for k, v in st2["targets"].items()} == \
        {k: (v.get("address"), v.get("weight"), v.get("zone"), v.get("state"))
         for k, v in st1["targets"].items()}
    rep.check(ok and same and st2["generation"] > st1["generation"],
              "e: after the checks settle (%.1f s) the dataplane's state equals the one before "
              "the kill, generation %s > %s" % (secs, st2["generation"], st1["generation"]),
              "%s\nnow %s\nbefore %s" % (seen, st2, st1))
    compare_state(rep, lab, "e (after)")

    # --- f. restart sluice-dp under sluiced ------------------------------------------------------
    rc = lab.stop_dp()
    rep.check(rc == 0, "f: sluice-dp exited %s on SIGINT" % rc, lab.log(lab.dp_log)[-1500:])
    t = lab.start_dp()
    t_up = time.monotonic()
    st = lab.dp_state()
    rep.info("f: sluice-dp restarted in %.1f s; its first state: generation %s, %s" % (
        t, st["generation"], {k: v.get("state") for k, v in st["targets"].items()}))
    d, secs = wait_connected(lab, None, 8)
    ok, _, seen = lab.wait_states(want, 8)
    synced = time.monotonic() - t_up
    rep.check(d is not None and secs is not None and ok and synced <= 5,
              "f: sluiced reconnected (sluicectl dataplanes: connected %s, generation %s) and "
              "synced the restarted dataplane %.1f s after it came up" % (
                  d and d.get("connected"), d and d.get("generation"), synced),
              "%s\n%s" % (d, seen))
    compare_state(rep, lab, "f")
    n0 = tr.sent_total
    newf = tr.send(tr.new_flows(N_FLOWS), 10, "f: new flows")
    spread = per_app(newf)
    rep.check(set(spread) == {"fw-a", "fw-c"}, "f: new flows avoid fw-b again: %s" % spread)
    rc, out, err = lab.ctl("counters")
    stats = out.get("stats", {}) if isinstance(out, dict) else {}
    encap = stats.get("events", {}).get("geneve_encap")
    rep.check(rc == 0 and encap == tr.sent_total - n0,
              "f: sluicectl counters of the new dataplane: geneve_encap = %s (sent %d to it)"
              % (encap, tr.sent_total - n0), "exit %d: %s" % (rc, err))
    rc, out, err = lab.ctl("flows", "--limit", "10000")
    total = out.get("total") if isinstance(out, dict) else None
    rep.check(rc == 0 and total == len(newf), "f: sluicectl flows: total %s (the %d new flows "
              "since the restart)" % (total, len(newf)), "exit %d: %s" % (rc, err))

    # --- the end -----------------------------------------------------------------------------
    rc = lab.stop("sluiced", signal.SIGTERM)
    rep.check(rc == 0, "sluiced exited %s on SIGTERM" % rc, lab.log(lab.sd_log)[-1500:])
    rc = lab.stop_dp()
    rep.check(rc == 0, "sluice-dp exited %s on SIGINT" % rc, lab.log(lab.dp_log)[-1500:])
    frames, dropped = lab.stop_capture()
    got, problems = lk.decode_frames(frames)
    n = sum(len(v) for v in got.values())
    rep.check(n == tr.sent_total and not problems and not dropped,
              "the whole capture: %d GENEVE frames for %d packets sent, dumpcap dropped %d"
              % (n, tr.sent_total, dropped), str(problems[:5]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    return lk.lab_main(ap, "daemon_dp test", body)


if __name__ == "__main__":
    sys.exit(main())
