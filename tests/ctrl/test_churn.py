#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Churn: targets added, removed and flipped many times while traffic streams through.

    test_churn.py --sluice-dp PATH --sluiced PATH --sluicectl PATH
                  [--pps N] [--seconds S] [--every S] [--tolerance-ms MS] [--seed N] [--keep]

The lab of labkit.py (sluice-dp on af_packet vdevs, 2 workers, with --control and --state-log;
sluiced in the appliance namespace, TCP health checks on :8080, interval 2 s, timeout 1 s,
thresholds 2/2, deregistration delay 0). A steady stream (default 4000 packets/s for 20 s) goes
into sluice's outside port: every packet a new UDP flow (its own source address), so each one is
a fresh Maglev pick, plus 16 long-lived flows with a packet every 0.1 s each. Meanwhile, every
0.45 s, one change (seeded random): register a new target (its health server up or down),
deregister one (removed at once), flip a health server up/down, drain or undrain a target;
always at least one target that is not draining stays registered, so with the group failing
open every packet has somewhere to go.

Checks:
  i.   no loss: every packet sent appears encapsulated on the appliance side exactly once
       (matched by the unique id in its payload); dumpcap dropped nothing; the dataplane's
       geneve_encap equals the frames captured.
  ii.  no packet to a target that was not eligible: a new flow's packet captured at kernel time
       T went to an appliance eligible (healthy, weight > 0, in zone; or, with the group in
       fail_open mode, any candidate not draining) in SOME generation of --state-log whose
       validity [published_us, synced_us of the next generation] overlaps [T - tolerance, T].
       Also: it went where Maglev over that generation's eligible targets sends it
       (tests/pcap/sluice_ref.py).
  iii. long-lived flows (no_rebalance): a packet stays on its flow's appliance while that
       target is in the set and not draining (delay 0: a draining target's flows move at
       once), and moves only when it left or drains, to an eligible one.
  iv.  the dataplane's counters agree: flow_new = new flows + long-lived flows + moves,
       flow_rebalanced = moves, fail_open within the fresh picks made in fail_open generations.
Prints how many generations, changes and packets were checked.

Exit 0 pass, 1 fail, 77 skip (not root, no netns, a tool or binary missing).
"""

import argparse
import bisect
import json
import os
import random
import signal
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as lk  # noqa: E402
from pylib.ref import sluice_ref as ref_module  # noqa: E402  (labkit puts tests/ on sys.path)

HC = {"protocol": "tcp", "port": lk.HEALTH_PORT, "interval": 2, "timeout": 1,
      "healthy_threshold": 2, "unhealthy_threshold": 2}
CONFIG_TARGETS = [("fw-a", "192.168.50.11"), ("fw-b", "192.168.50.12")]
N_LONG = 16
LONG_EVERY = 25  # every 25th packet of the stream belongs to a long-lived flow
TAG_NEW, TAG_LONG = 1, 2


# --- traffic ------------------------------------------------------------------------------------

def build_stream(n):
    """[(frame, pid, flow, tag)]: n packets, every LONG_EVERY-th one of a long-lived flow."""
    longs = [("10.9.0.%d" % (10 + i), 40000 + i, "203.0.113.%d" % (10 + i), 443)
             for i in range(N_LONG)]
    out = []
    li = 0
    ni = 0
    for k in range(n):
        pid = k + 1
        if k % LONG_EVERY == LONG_EVERY - 1:
            fl = longs[li % N_LONG]
            li += 1
            tag = TAG_LONG
        else:
            fl = (lk.unique_src(ni), 1024 + (ni * 13) % 60000, "198.51.100.%d" % (1 + ni % 200),
                  (53, 123, 443, 4500)[ni % 4])
            ni += 1
            tag = TAG_NEW
        out.append((lk.udp_frame(pid, tag, fl[0], fl[2], fl[1], fl[3]), pid, fl, tag))
    return out


# --- the changes --------------------------------------------------------------------------------

class Churn:
    """The changes, seeded. Invariant: at least one registered target that is not drained and
    has a weight stays, so the group can always fail open onto it."""

    WEIGHTS = [1] * 6 + [2, 2, 3, 0]

    def __init__(self, lab, rep, rnd):
        self.lab, self.rep, self.rnd = lab, rep, rnd
        self.reg = {tid: {"addr": ip, "drained": False, "server": "up", "weight": 1}
                    for tid, ip in CONFIG_TARGETS}
        self.next_id = 1
        self.log = []  # (wall time, action, target, ok, detail)

    def free_addrs(self):
        used = {t["addr"] for t in self.reg.values()}
        return [ip for ip in lk.APP_IPS if ip not in used]

    def active(self):
        return [tid for tid, t in self.reg.items() if not t["drained"]]

    def removable(self):
        """Targets that may be drained or deregistered without breaking the invariant."""
        keep = [tid for tid in self.active() if self.reg[tid]["weight"] > 0]
        return sorted(tid for tid in self.reg
                      if self.reg[tid]["drained"] or tid not in keep or len(keep) > 1)

    def ctl(self, action, tid, *args):
        t = time.time()
        rc, out, err = self.lab.ctl(action, lk.GROUP, tid, *args)
        ok = rc == 0 and isinstance(out, dict)
        self.log.append((t, action, tid, ok, "" if ok else "exit %d: %s" % (rc, err)))
        return ok

    def step(self):
        r = self.rnd
        choices = ["flip"] * 7
        if self.free_addrs() and len(self.reg) < 7:
            choices += ["register"] * 5
        if self.removable():
            choices += ["deregister"] * 4
        if [tid for tid in self.removable() if not self.reg[tid]["drained"]]:
            choices += ["drain"] * 2
        if any(t["drained"] for t in self.reg.values()):
            choices += ["undrain"] * 3
        action = r.choice(choices)
        if action == "register":
            ip = r.choice(self.free_addrs())
            tid = "fw-r%d" % self.next_id
            self.next_id += 1
            server = "up" if r.random() < 0.8 else "down"
            weight = r.choice(self.WEIGHTS)
            self.lab.health.set(ip, server)
            args = [ip] + (["--weight", str(weight)] if weight != 1 else [])
            if self.ctl("register", tid, *args):
                self.reg[tid] = {"addr": ip, "drained": False, "server": server,
                                 "weight": weight}
            return "register %s %s weight %d (health %s)" % (tid, ip, weight, server)
        if action == "deregister":
            tid = r.choice(self.removable())
            if self.ctl("deregister", tid):
                del self.reg[tid]
            return "deregister %s" % tid
        if action == "drain":
            tid = r.choice([tid for tid in self.removable() if not self.reg[tid]["drained"]])
            if self.ctl("drain", tid):
                self.reg[tid]["drained"] = True
            return "drain %s" % tid
        if action == "undrain":
            tid = r.choice(sorted(t for t in self.reg if self.reg[t]["drained"]))
            if self.ctl("undrain", tid):
                self.reg[tid]["drained"] = False
            return "undrain %s" % tid
        # mostly keep two targets up so that the group runs normally more often than it
        # fails open (both modes are checked)
        up = [tid for tid in self.active() if self.reg[tid]["server"] == "up"]
        down = [tid for tid in self.reg if self.reg[tid]["server"] == "down"]
        if len(up) <= 1 and down and r.random() < 0.8:
            tid = r.choice(sorted(down))
        else:
            tid = r.choice(sorted(self.reg))
        t = self.reg[tid]
        t["server"] = "down" if t["server"] == "up" else "up"
        when = self.lab.health.set(t["addr"], t["server"])
        self.log.append((when, "health-" + t["server"], tid, True, ""))
        return "health %s %s" % (tid, t["server"])


# --- generations --------------------------------------------------------------------------------

def norm_group(gen):
    """(mode, {id: {state, weight, in_zone, address}}) of GROUP in a --state-log line."""
    groups = gen.get("groups", {})
    if isinstance(groups, list):
        groups = {g.get("name"): g for g in groups}
    g = groups.get(lk.GROUP, {})
    targets = g.get("targets", {})
    if isinstance(targets, list):
        targets = {t.get("id"): t for t in targets}
    return g.get("mode"), targets


class Generations:
    def __init__(self, raw):
        self.gens = sorted(raw, key=lambda g: g.get("generation", 0))
        self.pub = []
        self.end = []
        self.elig = []    # fresh picks: set of addresses
        self.elig_ids = []  # fresh picks: sorted ids (Maglev)
        self.weights = []
        self.addr_of = []
        self.present = []  # addresses present and not draining
        self.mode = []
        for i, g in enumerate(self.gens):
            mode, targets = norm_group(g)
            self.mode.append(mode)
            pub = g.get("published_us") / 1e6
            nxt = self.gens[i + 1] if i + 1 < len(self.gens) else None
            end = (nxt.get("synced_us") or nxt.get("published_us")) / 1e6 if nxt else float("inf")
            self.pub.append(pub)
            self.end.append(end)
            if mode == "normal":
                ids = [tid for tid, t in targets.items() if t.get("state") == "healthy" and
                       (t.get("weight", 1) or 0) > 0 and t.get("in_zone", True)]
            elif mode == "fail_open":
                ids = [tid for tid, t in targets.items() if t.get("state") != "draining" and
                       t.get("in_zone", True) and (t.get("weight", 1) or 0) > 0]
            else:
                ids = []
            ids.sort()
            self.elig_ids.append(ids)
            self.weights.append([targets[t].get("weight", 1) for t in ids])
            self.addr_of.append({tid: t.get("address") for tid, t in targets.items()})
            self.elig.append({targets[t].get("address") for t in ids})
            self.present.append({t.get("address") for t in targets.values()
                                 if t.get("state") != "draining"})

    def overlapping(self, t, tol):
        """Indexes of the generations whose [published, next synced] overlaps [t - tol, t]."""
        hi = bisect.bisect_right(self.pub, t)  # published <= t
        out = []
        i = hi - 1
        while i >= 0 and self.end[i] >= t - tol:  # ends grow with the index
            out.append(i)
            i -= 1
        return out

    def describe(self, idx):
        g = self.gens[idx]
        _, targets = norm_group(g)
        return "gen %s [%.6f, %.6f] mode %s: %s" % (
            g.get("generation"), self.pub[idx], self.end[idx], self.mode[idx],
            ", ".join("%s(%s %s w%s)" % (tid, t.get("address"), t.get("state"), t.get("weight"))
                      for tid, t in sorted(targets.items())))


def body(rep, args, lab_ref):
    lab = lk.Lab("churn", args.sluice_dp, args.sluiced, args.sluicectl, keep=args.keep)
    lab_ref.append(lab)
    ref = ref_module()
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    rnd = random.Random(seed)
    rep.info("seed %d (--seed %d repeats this run's changes)" % (seed, seed))
    lab.setup_net()
    rep.info("namespaces %s (client) %s (sluice-dp) %s (appliances, sluiced), work dir %s"
             % (lab.ns_cl, lab.ns_dp, lab.ns_ap, lab.work))
    for _, ip in CONFIG_TARGETS:
        lab.health.set(ip, "up")
    lab.write_config(lab.config_text(CONFIG_TARGETS, 0, HC))
    t = lab.start_dp()
    rep.check(True, "sluice-dp up with --control and --state-log in %.1f s" % t)
    t = lab.start_sluiced()
    rep.check(True, "sluiced up in %.1f s" % t)
    ok, secs, seen = lab.wait_states({tid: "healthy" for tid, _ in CONFIG_TARGETS}, 15)
    if not rep.check(ok, "fw-a, fw-b healthy in sluicectl and the dataplane after %.1f s" % secs,
                     str(seen)):
        raise lk.Abort("targets never became healthy")

    n = int(args.pps * args.seconds)
    stream = build_stream(n)
    lab.start_capture()
    encap0 = lab.dp_stats().get("events", {}).get("geneve_encap", 0)
    sender = lab.send([fr for fr, _, _, _ in stream], pps=args.pps, background=True)
    t_start = time.time()
    churn = Churn(lab, rep, rnd)
    steps = []
    time.sleep(0.5)
    next_t = time.monotonic()
    while sender.poll() is None and time.time() - t_start < args.seconds - 0.5:
        steps.append((time.time(), churn.step()))
        next_t += args.every
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    try:
        sender.wait(timeout=args.seconds + 30)
    except Exception:
        raise lk.Abort("the sender did not finish")
    log = lab.log("send%d.log" % lab.sends)
    try:
        sres = json.loads(log.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise lk.Abort("sender: %s" % log[-1000:])
    rep.info("sent %d packets in %.1f s (%d pps asked; the pacing ran at most %.1f ms late)"
             % (sres["sent"], sres["seconds"], args.pps, sres["max_late_s"] * 1000))
    rep.info("changes (time since the stream started): " + "; ".join(
        "%.2f %s" % (t - t_start, what) for t, what in steps))
    kinds = Counter(a for _, a, _, _, _ in churn.log)
    failed = [c for c in churn.log if not c[3]]
    rep.check(not failed and len(churn.log) >= 30,
              "%d changes while the traffic ran: %s" % (len(churn.log), dict(sorted(
                  kinds.items()))),
              "\n".join("%.3f %s %s: %s" % (c[0], c[1], c[2], c[4]) for c in failed))
    encap = lab.wait_encap(encap0 + n, timeout=10)
    time.sleep(1.0)  # dumpcap flushes every 0.5 s or so
    st_stats = lab.dp_stats()
    rc = lab.stop("sluiced", signal.SIGTERM)
    rep.check(rc == 0, "sluiced exited %s on SIGTERM" % rc)
    rc = lab.stop_dp()
    rep.check(rc == 0, "sluice-dp exited %s on SIGINT" % rc, lab.log(lab.dp_log)[-1500:])
    frames, dropped = lab.stop_capture()

    # --- i. no loss ------------------------------------------------------------------------
    got, problems = lk.decode_frames(frames)
    want = {pid: (fl, tag) for _, pid, fl, tag in stream}
    missing = [p for p in want if p not in got]
    dup = [p for p, v in got.items() if len(v) > 1]
    extra = [p for p in got if p not in want]
    ncap = sum(len(v) for v in got.values())
    rep.check(not missing and not dup and not extra and not problems and not dropped,
              "i: every one of the %d packets sent was encapsulated exactly once (captured %d "
              "GENEVE frames, dumpcap dropped %d)" % (n, ncap, dropped),
              "missing %d (e.g. ids %s), duplicated %d, unknown %d; %s" % (
                  len(missing), missing[:10], len(dup), len(extra), problems[:5]))
    if missing:
        # when were they sent? roughly pid / pps after the start
        rep.info("missing ids spread over %.2f..%.2f s of the stream; drops: %s" % (
            min(missing) / args.pps, max(missing) / args.pps,
            {k: v for k, v in st_stats.get("drops", {}).items() if v}))
    ev = st_stats.get("events", {})
    rep.check(encap is not None and ev.get("geneve_encap", 0) - encap0 == ncap,
              "i: dataplane geneve_encap %s (+%d during the stream) equals the frames captured "
              "(%d); flow_new %s, fail_open %s, flow_rebalanced %s" % (
                  ev.get("geneve_encap"), ev.get("geneve_encap", 0) - encap0, ncap,
                  ev.get("flow_new"), ev.get("fail_open"), ev.get("flow_rebalanced")),
              "drops: %s" % {k: v for k, v in st_stats.get("drops", {}).items() if v})

    # --- ii. eligibility -----------------------------------------------------------------------
    raw = lab.read_state_log()
    gens = Generations(raw)
    in_window = [i for i in range(len(gens.gens)) if gens.pub[i] >= t_start]
    bad_log = []
    nums = [g.get("generation") for g in gens.gens]
    if not nums or nums != list(range(nums[0], nums[0] + len(nums))):
        bad_log.append("generations not consecutive: %s" % nums[:50])
    for i, g in enumerate(gens.gens):
        if g.get("synced_us") is not None and g["synced_us"] < g["published_us"]:
            bad_log.append("gen %s synced before published" % g.get("generation"))
    weights = sorted({w for ws in gens.weights for w in ws} |
                     {t.get("weight") for g in gens.gens for t in norm_group(g)[1].values()})
    rep.check(not bad_log and len(gens.gens) > 1, "--state-log: %d generations, %d of them "
              "published while the traffic ran; weights seen %s" % (
                  len(gens.gens), len(in_window), weights), "\n".join(bad_log))
    tol = args.tolerance_ms / 1000.0
    bad, bad_maglev, checked, worst = [], [], 0, 0.0
    closest = 0.0  # the largest T - (end of the last generation the target was eligible in)
    per_mode = Counter()
    fo_range = [0, 0]  # fresh picks made in fail_open mode: surely, possibly

    def count_fail_open(idx):
        fo = [gens.mode[i] == "fail_open" for i in idx]
        fo_range[0] += bool(fo) and all(fo)
        fo_range[1] += any(fo)

    hcache = {}
    tables_t = 0.0
    long_seq = {}
    for pid, caps in got.items():
        if pid not in want:
            continue
        fl, tag = want[pid]
        ts, app, inner, _ = caps[0]
        if tag == TAG_LONG:
            long_seq.setdefault(fl, []).append((ts, app, pid, inner))
            continue
        checked += 1
        idx = gens.overlapping(ts, tol)
        if not any(app in gens.elig[i] for i in idx):
            # how far back would it have had to look?
            back = [i for i in range(len(gens.gens)) if app in gens.elig[i] and gens.pub[i] <= ts]
            lag = ts - gens.end[back[-1]] if back else None
            if lag is not None:
                worst = max(worst, lag)
            bad.append("id %d at %.6f to %s; overlapping: %s%s" % (
                pid, ts, app, "; ".join(gens.describe(i) for i in idx) or "none",
                "; last eligible %.1f ms earlier" % (lag * 1000) if lag is not None else ""))
            continue
        per_mode[gens.mode[idx[0]]] += 1
        count_fail_open(idx)
        ok_end = max(gens.end[i] for i in idx if app in gens.elig[i])
        closest = max(closest, ts - ok_end)
        if ref is not None:
            t0 = time.monotonic()
            key = ref.flow_key(inner, ref.STICK_5)
            h = ref.flow_hash(key)
            ok = False
            for i in idx:
                ids = gens.elig_ids[i]
                if not ids:
                    continue
                ck = (tuple(ids), tuple(gens.weights[i]))
                if ck not in hcache:
                    hcache[ck] = ref.maglev_table(ids, gens.weights[i])
                slot = hcache[ck][h % ref.MAGLEV_DEFAULT_SIZE]
                if slot is not None and gens.addr_of[i].get(ids[slot]) == app:
                    ok = True
                    break
            tables_t += time.monotonic() - t0
            if not ok:
                bad_maglev.append("id %d at %.6f to %s; overlapping: %s" % (
                    pid, ts, app, "; ".join(gens.describe(i) for i in idx)))
    rep.check(not bad and checked > 0,
              "ii: each of %d new-flow packets went to a target eligible in a generation "
              "overlapping [T - %g ms, T] (%d generations, %d changes)" % (
                  checked, args.tolerance_ms, len(gens.gens), len(churn.log)),
              "%d violations%s:\n%s" % (len(bad), ", worst lag %.1f ms" % (worst * 1000)
                                         if worst else "", "\n".join(bad[:10])))
    if ref is not None:
        rep.check(not bad_maglev, "ii: and each went where Maglev over that generation's "
                  "eligible targets sends it (sluice_ref, %d tables, %.1f s)" % (
                      len(hcache), tables_t), "%d differ:\n%s" % (len(bad_maglev),
                                                                  "\n".join(bad_maglev[:10])))
    else:
        rep.info("tests/pcap/sluice_ref.py not importable: Maglev picks not cross-checked")

    # --- iii. long-lived flows ---------------------------------------------------------------------
    bad_long, moves, stays = [], 0, 0
    for fl, seq in long_seq.items():
        seq.sort()
        prev, prev_ts = None, None
        for ts, app, pid, _ in seq:
            idx = gens.overlapping(ts, tol)
            if prev is None or app != prev:
                fresh_ok = any(app in gens.elig[i] for i in idx)
                # the pin was dropped at some packet since the previous one: its target left
                # (or drained) in a generation of that stretch
                left_ok = prev is None or any(
                    prev not in gens.present[i]
                    for i in gens.overlapping(ts, ts - prev_ts + tol))
                if prev is not None:
                    moves += 1
                count_fail_open(idx)
                if not (fresh_ok and left_ok):
                    bad_long.append("%s:%d id %d at %.6f: %s -> %s (%s%s); overlapping: %s" % (
                        fl[0], fl[1], pid, ts, prev, app,
                        "" if fresh_ok else "new target not eligible",
                        "" if left_ok else " old target still in the set, not draining",
                        "; ".join(gens.describe(i) for i in idx)))
            else:
                stays += 1
                if not any(app in gens.present[i] for i in idx):
                    bad_long.append("%s:%d id %d at %.6f stayed on %s, which had left or was "
                                    "draining; overlapping: %s" % (
                                        fl[0], fl[1], pid, ts, app,
                                        "; ".join(gens.describe(i) for i in idx)))
            prev, prev_ts = app, ts
    nlong = sum(len(s) for s in long_seq.values())
    rep.check(not bad_long and nlong > 0,
              "iii: %d packets of %d long-lived flows: %d stayed on their target, %d moved, each "
              "only when its target left or drained" % (nlong, len(long_seq), stays, moves),
              "%d violations:\n%s" % (len(bad_long), "\n".join(bad_long[:10])))
    fnew, freb, ffo = ev.get("flow_new"), ev.get("flow_rebalanced"), ev.get("fail_open")
    picks = checked + len(long_seq) + moves
    rep.check(fnew == picks and freb == moves and
              isinstance(ffo, int) and fo_range[0] <= ffo <= fo_range[1],
              "counters: flow_new %s = %d new flows + %d long-lived + %d moves; flow_rebalanced "
              "%s = the moves; fail_open %s within the %d..%d fresh picks whose generations "
              "were fail_open" % (fnew, checked, len(long_seq), moves, freb, ffo, fo_range[0],
                                  fo_range[1]))
    rep.info("new-flow packets by the mode of the group's latest generation at their capture: "
             "%s; the closest call: a packet captured %.3f ms after the last generation its "
             "target was eligible in was left (tolerance %g ms)" % (
                 dict(per_mode), max(closest, 0) * 1000, args.tolerance_ms))
    rep.info("checked %d generations (%d during the traffic), %d changes, %d packets "
             "(%d new flows, %d of long-lived flows)" % (len(gens.gens), len(in_window),
                                                         len(churn.log), ncap, checked, nlong))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pps", type=int, default=4000, help="packets/s (default %(default)s)")
    ap.add_argument("--seconds", type=float, default=20, help="stream length (%(default)s)")
    ap.add_argument("--every", type=float, default=0.45, help="seconds between changes")
    ap.add_argument("--tolerance-ms", type=float, default=5.0,
                    help="how long before its capture a packet may have been handled")
    ap.add_argument("--seed", type=int, default=20261125, help="random seed of the changes (default %(default)s)")
    return lk.lab_main(ap, "churn test", body)


if __name__ == "__main__":
    sys.exit(main())
