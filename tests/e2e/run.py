#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end checks: real kernel TCP/UDP through sluice and real sluice-appliance processes,
driven by sluiced, in the lab of lab.py (topology there and in README.md).

    run.py --kind dp|xdp [--build DIR] [--only CHECK[,CHECK...]] [--workers N]
           [--target-failover no_rebalance|rebalance] [--keep]

Checks, in this order (each prints PASS/FAIL lines with its numbers):
  traffic         HTTP GET of a 4 MiB blob (sha256 verified) and 20 UDP request/response flows
                  through inspection (client -> server, transit), through the NLB listener
                  `web` (:8080, not inspected: the appliances see none of it) and through
                  `inspected` (:9090, inspect then balance); both targets serve the listeners;
                  the dataplane's listener and appliance counters move accordingly.
  rules           every appliance drops UDP from client port 40001 and TCP from port 40002
                  (--rules): exactly those flows fail (transit and inspect-then-balance), their
                  neighbours pass, the rule hit counters count them.
  failover        24 UDP flows pinned; the appliance holding most of them is SIGKILLed: it is
                  unhealthy within interval x unhealthy_threshold + timeout + 1 s, new flows
                  (fresh source ports, lab.py FRESH_PORTS) all go to (and are answered by) the
                  survivors, the existing flows follow no_rebalance (the dead appliance's flows stay
                  pinned to it and go unanswered, the others are answered); restarted, it is
                  healthy within interval x (healthy_threshold + 1) + timeout + 1 s, its
                  pinned flows are answered again and it takes new flows.
  passive         the appliance holding most of 24 pinned flows blackholes GENEVE while its
                  health check passes: with the passive check off it stays healthy; reloaded
                  with passive_min_packets 20 and passive_window 8 it is unhealthy "no
                  returns" within window + 7 s, the others stay healthy, new flows avoid it;
                  returning GENEVE again, it is healthy within 6 s and takes new flows;
                  registered again under another id at its address (a new slot), its
                  returns count for the new target, not the removed one's slot.
  daemon_restart  sluiced is restarted while three paced 4 MiB downloads and two UDP streams
                  run (transit, listener, inspect-then-balance): every transfer completes
                  intact, no UDP request is lost, sluiced re-syncs the dataplane.
  dp_restart      the appliances hold packets for DELAY ms (--delay); 30 UDP requests are sent
                  (transit and inspect-then-balance) and, while the appliances hold them, the
                  dataplane is restarted: the new process (no flow state) accepts every held
                  packet on return (stateless cookie): all 30 answered, geneve_decap counts
                  them, no GENEVE drop.
  cleanup         after teardown no namespace, link or process of the lab is left.

Exit 0 pass, 1 fail, 77 skip (not root, no netns, a tool or binary missing).
"""

import argparse
import os
import signal
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab as L  # noqa: E402

RULES = """# tests/e2e/run.py: drop one UDP and one TCP flow of the client, by source port
drop proto udp src 10.0.1.2/32 sport 40001
drop proto tcp src 10.0.1.2/32 sport 40002
"""
SERVER = L.SERVERS["web-1"]
PATHS = [  # (name, host, port, listener or None, inspected)
    ("inspection", SERVER, L.WEB_PORT, None, True),
    ("NLB listener web", L.ZONE_IP, L.WEB_PORT, "web", False),
    ("inspect-then-balance listener inspected", L.ZONE_IP, L.INSPECTED_PORT, "inspected", True),
]
DOWN_BOUND = L.HC_INTERVAL * L.HC_UNHEALTHY + L.HC_TIMEOUT + 1
# the first check after a restart comes within one interval, then healthy_threshold passes
UP_BOUND = L.HC_INTERVAL * (L.HC_HEALTHY + 1) + L.HC_TIMEOUT + 1
DELAY_MS = 5000
# passive check (check_passive): a window of 8 s, 20 packets in it at least; the stream sends
# 40 requests/s over 24 flows. Marked within the first poll after the reload (2 s), a window,
# and the poll that ends it (2 s), plus 3 s of slack for a loaded machine; back at the second
# poll after returns (2 x 2 s, plus slack).
PASSIVE_MIN, PASSIVE_WINDOW, PASSIVE_PPS = 20, 8, 40
PASSIVE_BOUND = PASSIVE_WINDOW + 7
PASSIVE_BACK_BOUND = 6
GENEVE_DROPS = ("geneve_truncated", "geneve_bad_version", "geneve_oam",
                "geneve_unknown_critical", "geneve_option_missing", "geneve_option_length",
                "geneve_option_duplicate", "geneve_bad_protocol", "geneve_udp_checksum",
                "geneve_unknown_appliance", "geneve_unknown_endpoint", "geneve_bad_cookie",
                "geneve_bad_inner")


def appl_stats(lab):
    """{id: /stats} of the running appliances."""
    return {a: lab.appliance_stats(a) or {} for a in L.APPLIANCES}


def appl_sum(stats, key):
    return sum(s.get(key, 0) for s in stats.values())


def listener_stats(lab, name):
    return lab.dp_counters().get("listeners", {}).get(name, {})


def ensure_up(lab):
    """Every appliance and server running and healthy (a failed check may leave one down)."""
    for aid in L.APPLIANCES:
        if not lab.alive("appl-" + aid):
            lab.start_appliance(aid)
    for sid in L.SERVERS:
        if not lab.alive("server-" + sid):
            lab.start_server(sid)
    if not lab.alive("dataplane"):
        lab.start_dataplane()
    if not lab.alive("sluiced"):
        lab.start_daemon()
    lab.wait_healthy(30)


# --- checks -----------------------------------------------------------------------------------

def check_traffic(lab, rep):
    for what, host, port, listener, inspected in PATHS:
        a0 = appl_sum(appl_stats(lab), "received")
        l0 = listener_stats(lab, listener) if listener else {}
        r = lab.http_get(host, port)
        rep.check(r["intact"], "traffic/%s: HTTP GET %s:%d of %d bytes, sha256 verified "
                  "(%.2f s, served by %s)" % (what, host, port, r["bytes"], r["seconds"] or 0,
                                              r["served_by"]), r)
        u = lab.udp(host, port, count=20, new_flows=True)
        rep.check(u["ok"] == 20, "traffic/%s: UDP %d of 20 request/response flows answered "
                  "(rtt ms min/median/max %s, served by %s)" % (what, u["ok"], u.get("rtt_ms"),
                                                                u["served_by"]), u)
        if listener:
            rep.check(set(u["served_by"]) == set(L.SERVERS),
                      "traffic/%s: 20 UDP flows balanced over both targets %s"
                      % (what, u["served_by"]), u)
            l1 = listener_stats(lab, listener)
            dnew = l1.get("new_flows", 0) - l0.get("new_flows", 0)
            rep.check(dnew >= 21, "traffic/%s: listener counts %d new flows (>= 21: 1 TCP + "
                      "20 UDP), %d packets" % (what, dnew, l1.get("packets", 0)), l1)
        da = appl_sum(appl_stats(lab), "received") - a0
        if inspected:
            # 40 UDP (request and reply), the blob's data segments (MSS 1360) and more: the
            # client's ACKs and handshake (both directions inspected)
            want = 40 + L.BLOB_SIZE // (L.HOST_MTU - 40) + 1
            rep.check(da >= want, "traffic/%s: the appliances received %d GENEVE datagrams "
                      "(> %d: UDP both ways, every data segment, and ACKs)"
                      % (what, da, want - 1))
        else:
            rep.check(da == 0, "traffic/%s: not inspected: the appliances received %d "
                      "datagrams meanwhile" % (what, da))
    st = lab.dp_counters()
    drops = {k: v for k, v in st.get("drops", {}).items() if v}
    rep.check(not drops, "traffic: no dataplane drops (%d geneve_encap, %d geneve_decap, "
              "%d nlb_forward, %d nlb_reply)" % tuple(st.get("events", {}).get(k, 0) for k in (
                  "geneve_encap", "geneve_decap", "nlb_forward", "nlb_reply")), drops)
    for cmd in (["listeners"], ["attachments"], ["targets"]):
        rc, out, err = lab.sluicectl(*cmd)
        rep.check(rc == 0, "traffic: sluicectl %s" % " ".join(cmd), err)
        print(out, flush=True)


def rule_hits(lab):
    """{rule text: hits summed over the appliances}."""
    out = Counter()
    for s in appl_stats(lab).values():
        for r in s.get("rules", []):
            out[r["rule"]] += r["hits"]
    return out


def check_rules(lab, rep):
    h0 = rule_hits(lab)
    d0 = appl_sum(appl_stats(lab), "dropped_by_rule")
    for what, host, port in (("inspection", SERVER, L.WEB_PORT),
                             ("inspect-then-balance", L.ZONE_IP, L.INSPECTED_PORT)):
        u = lab.udp(host, port, count=3, sport=40001, timeout=1)
        rep.check(u["ok"] == 0, "rules/%s: UDP flow from port 40001 (rule drop) got %d of 3 "
                  "replies" % (what, u["ok"]), u)
        u = lab.udp(host, port, count=3, sport=40003, timeout=2)
        rep.check(u["ok"] == 3, "rules/%s: UDP flow from port 40003 (no rule) got %d of 3 "
                  "replies" % (what, u["ok"]), u)
    t = lab.http_get(SERVER, L.WEB_PORT, sport=40002, timeout=4)
    rep.check(not t["ok"] and t["bytes"] == 0, "rules/inspection: TCP from port 40002 "
              "(rule drop) fails: %s" % t.get("error"), t)
    t = lab.http_get(SERVER, L.WEB_PORT, sport=40004)
    rep.check(t["intact"], "rules/inspection: TCP from port 40004 (no rule): %d bytes intact"
              % t["bytes"], t)
    h1 = rule_hits(lab)
    d1 = appl_sum(appl_stats(lab), "dropped_by_rule")
    rules = [ln for ln in RULES.splitlines() if ln.startswith("drop")]
    dh = {r: h1[r] - h0[r] for r in rules}
    rep.check(dh[rules[0]] >= 6 and dh[rules[1]] >= 1 and d1 - d0 == sum(dh.values()),
              "rules: hit counters: %s, dropped_by_rule +%d (UDP >= 6, TCP SYN and its "
              "retransmits >= 1, nothing else dropped)" % (dh, d1 - d0), h1)


def loss_detail(lab, r, pinned):
    """The detail of a check of new UDP flows to SERVER (r: lab.udp's result, pinned: Counter
    of their targets): r, and for lost flows where they went: their pins, NLB sessions on
    their client ports (a reply translated as a listener's: see lab.py FRESH_PORTS),
    dataplane drops, the namespaces' UDP/veth drop counters, the appliances' stats."""
    if not r.get("lost_sports"):
        return dict(r, pinned=dict(pinned))
    lost = lab.pins(r["lost_sports"], SERVER)
    sessions = [s for s in lab.flows()[1] if s.get("cport") in r["lost_sports"]]
    return dict(r, pinned=dict(pinned), lost_pins={p: lost.get(p) for p in r["lost_sports"]},
                sessions_on_lost_ports=sessions,
                drops={k: v for k, v in lab.dp_counters().get("drops", {}).items() if v},
                kernel=lab.kernel_losses(),
                appliances={a: lab.appliance_stats(a) for a in sorted(pinned)})


def check_failover(lab, rep, show=None):
    """show(moment, victim): called once the victim is seen unhealthy ("down") and once it is
    healthy again ("back"), for the demo (demo/live.py) to print sluicectl's view."""
    show = show or (lambda moment, victim: None)
    sports = list(range(42000, 42024))
    r0 = lab.udp(SERVER, L.WEB_PORT, count=len(sports), sports=sports, burst=True, timeout=3)
    rep.check(r0["ok"] == len(sports), "failover: %d of %d pinned UDP flows answered before"
              % (r0["ok"], len(sports)), r0)
    pins0 = lab.pins(sports, SERVER)
    if not rep.check(len(pins0) == len(sports), "failover: %d of %d flows in `flows` (%s)"
                     % (len(pins0), len(sports), dict(Counter(pins0.values()))), pins0):
        return
    victim = Counter(pins0.values()).most_common(1)[0][0]
    mine = sorted(p for p, t in pins0.items() if t == victim)
    rep.info("killing %s (SIGKILL), which holds %d of the %d flows" % (victim, len(mine),
                                                                       len(sports)))
    lab.kill_appliance(victim)
    ok, secs, seen = lab.wait_states({victim: "unhealthy"}, DOWN_BOUND + 10)
    rep.check(ok and secs <= DOWN_BOUND, "failover: %s unhealthy in sluiced and the dataplane "
              "%.1f s after SIGKILL (bound %d s)" % (victim, secs, DOWN_BOUND), seen)
    show("down", victim)
    r1 = lab.udp(SERVER, L.WEB_PORT, count=30, new_flows=True, burst=True, timeout=3)
    p1 = lab.pins(r1["sports"], SERVER)
    on = Counter(p1.values())
    rep.check(r1["ok"] == 30 and victim not in on and len(p1) == 30,
              "failover: 30 new flows after the failure: %d answered, pinned to %s (none to %s)"
              % (r1["ok"], dict(on), victim), loss_detail(lab, r1, on))
    r2 = lab.udp(SERVER, L.WEB_PORT, count=len(sports), sports=sports, burst=True, timeout=2)
    pins2 = lab.pins(sports, SERVER)
    if lab.target_failover == "no_rebalance":
        rep.check(sorted(r2["lost_sports"]) == mine and pins2 == pins0,
                  "failover: existing flows follow no_rebalance: the %d on %s stay pinned to it "
                  "and go unanswered (%d lost), the other %d are answered (%d)"
                  % (len(mine), victim, r2["lost"], len(sports) - len(mine), r2["ok"]),
                  {"lost": r2["lost_sports"], "victim's": mine, "pins": pins2})
    else:
        rep.check(r2["ok"] == len(sports) and victim not in pins2.values(),
                  "failover: existing flows follow rebalance: all %d answered (%d), none "
                  "pinned to %s" % (len(sports), r2["ok"], victim), pins2)
    s0 = (lab.dp_counters().get("targets", {}).get(L.FW_GROUP, {}).get(victim, {})
          .get("new_flows", 0))
    t0 = time.monotonic()
    lab.start_appliance(victim)
    ok, secs, seen = lab.wait_states({victim: "healthy"}, UP_BOUND + 10)
    rep.check(ok and secs <= UP_BOUND, "failover: %s restarted, healthy again after %.1f s "
              "(bound %d s)" % (victim, secs, UP_BOUND), seen)
    show("back", victim)
    a0 = (lab.appliance_stats(victim) or {}).get("received", 0)
    r3 = lab.udp(SERVER, L.WEB_PORT, count=len(sports), sports=sports, burst=True, timeout=3)
    a1 = (lab.appliance_stats(victim) or {}).get("received", 0)
    if lab.target_failover == "no_rebalance":
        rep.check(r3["ok"] == len(sports) and a1 - a0 >= 2 * len(mine),
                  "failover: back: all %d pinned flows answered (%d), %s inspected %d datagrams "
                  "of them (>= %d: its own flows came back to it)"
                  % (len(sports), r3["ok"], victim, a1 - a0, 2 * len(mine)), r3)
    else:
        pins3 = lab.pins(sports, SERVER)
        rep.check(r3["ok"] == len(sports) and a1 == a0 and pins3 == pins2,
                  "failover: back: all %d flows answered (%d) where rebalance moved them, %s "
                  "inspected %d of them" % (len(sports), r3["ok"], victim, a1 - a0), pins3)
    r4 = lab.udp(SERVER, L.WEB_PORT, count=40, new_flows=True, burst=True, timeout=3)
    on4 = Counter(lab.pins(r4["sports"], SERVER).values())
    s1 = (lab.dp_counters().get("targets", {}).get(L.FW_GROUP, {}).get(victim, {})
          .get("new_flows", 0))
    rep.check(r4["ok"] == 40 and on4.get(victim, 0) > 0,
              "failover: back: %s takes new flows again: %d of 40 new flows (all %d answered), "
              "its new_flows counter +%d, %.1f s after the restart"
              % (victim, on4.get(victim, 0), r4["ok"], s1 - s0, time.monotonic() - t0),
              loss_detail(lab, r4, on4))


def passive_targets(lab):
    """{id: target object} of the firewalls group in sluiced."""
    return lab.ctl_targets(L.FW_GROUP)


def check_passive(lab, rep):
    """The passive data-path check (docs/daemon.md): an appliance whose health check passes
    but which returns no GENEVE is marked unhealthy "no returns" when its group has the check
    on, never when it is off; new flows avoid it; returns bring it back."""
    sports = list(range(42200, 42224))
    r0 = lab.udp(SERVER, L.WEB_PORT, count=len(sports), sports=sports, burst=True, timeout=3)
    pins = lab.pins(sports, SERVER)
    if not rep.check(r0["ok"] == len(sports) and len(pins) == len(sports),
                     "passive: %d of %d pinned UDP flows answered, %d in `flows` (%s)"
                     % (r0["ok"], len(sports), len(pins), dict(Counter(pins.values()))), r0):
        return
    victim = Counter(pins.values()).most_common(1)[0][0]
    mine = sorted(p for p, t in pins.items() if t == victim)
    others = sorted(a for a in L.APPLIANCES if a != victim)

    def dp_target(aid):
        return lab.dp_counters().get("targets", {}).get(L.FW_GROUP, {}).get(aid, {})

    blackholed, streams, renamed = [], [], []

    def blackhole(on):
        lab.blackhole_appliance(victim)  # a toggle
        if on:
            blackholed.append(victim)
        else:
            blackholed.remove(victim)

    try:
        # 1. The check off (the lab's config): a blackholing appliance stays healthy.
        blackhole(True)
        rep.info("%s blackholes GENEVE (health check still passing); it holds %d of the %d flows"
                 % (victim, len(mine), len(sports)))
        c0 = dp_target(victim)
        b0 = (lab.appliance_stats(victim) or {}).get("blackholed", 0)
        seconds = PASSIVE_WINDOW + 6
        j = lab.udpstream(SERVER, L.WEB_PORT, sports, PASSIVE_PPS, seconds)
        states = set()
        t_end = time.monotonic() + seconds
        while time.monotonic() < t_end:
            states.add(passive_targets(lab)[victim]["state"])
            time.sleep(0.5)
        u = j.result(seconds + 30)
        c1 = dp_target(victim)
        b1 = (lab.appliance_stats(victim) or {}).get("blackholed", 0)
        tv = passive_targets(lab)[victim]
        sent, ret = c1.get("packets", 0) - c0.get("packets", 0), c1.get("returns", 0) - c0.get(
            "returns", 0)
        lost = sum(u.get("lost_by_flow", {}).get(str(p), 0) for p in mine)
        rep.check(states == {"healthy"} and tv["check"]["last_result"] == "pass" and
                  sent >= 2 * PASSIVE_MIN and ret == 0 and b1 - b0 >= sent and lost > 0,
                  "passive: off (no passive_min_packets): %s stays healthy (states seen %s) for "
                  "%d s while the dataplane sent it %d packets and got %d back (it blackholed %d; "
                  "%d requests on its flows lost), health check %s"
                  % (victim, sorted(states), seconds, sent, ret, b1 - b0, lost,
                     tv["check"]["last_result"]), {"dp": c1, "target": tv, "stream": u})

        # 2. The check on (reload: health_check settings apply at once).
        j = lab.udpstream(SERVER, L.WEB_PORT, sports, PASSIVE_PPS, 60)  # stopped below
        streams.append(j)
        lab.passive = (PASSIVE_MIN, PASSIVE_WINDOW)
        t0 = time.monotonic()
        lab.reload_config()
        ok, secs, seen = False, 0.0, {}
        while time.monotonic() - t0 < PASSIVE_BOUND + 10:
            tg = passive_targets(lab)
            seen = {k: (v["state"], v["reason"]) for k, v in tg.items()}
            if tg[victim]["state"] == "unhealthy":
                secs = time.monotonic() - t0
                ok = tg[victim]["reason"] == "no returns"
                break
            time.sleep(0.2)
        tv = tg[victim]
        rep.check(ok and secs <= PASSIVE_BOUND and tv["check"]["last_result"] == "pass" and
                  tv["last_failure"] == "no returns" and
                  (tv.get("passive") or {}).get("failures") == 1,
                  "passive: on (passive_min_packets %d, passive_window %d s): %s unhealthy with "
                  "reason %r %.1f s after the reload (bound %d s) while its health check passes "
                  "(last result %s, %d passes in a row)"
                  % (PASSIVE_MIN, PASSIVE_WINDOW, victim, tv["reason"], secs, PASSIVE_BOUND,
                     tv["check"]["last_result"], tv["check"]["passes"]), seen)
        okd, _, seend = lab.wait_states({victim: "unhealthy"}, 5)
        rep.check(okd, "passive: the dataplane has %s unhealthy too" % victim, seend)
        rc, out, err = lab.sluicectl("targets", L.FW_GROUP)
        row = [ln for ln in out.splitlines() if ln.split()[:2] == [L.FW_GROUP, victim]]
        rep.check(rc == 0 and len(row) == 1 and "no returns" in row[0],
                  "passive: sluicectl targets shows it: %s" % (row[0].strip() if row else out), out)
        print(out, flush=True)
        still = {a: (tg[a]["state"], tg[a].get("passive")) for a in others}
        rep.check(all(tg[a]["state"] == "healthy" and
                      ((tg[a].get("passive") or {}).get("returned") or 0) > 0 for a in others),
                  "passive: the appliances that return stay healthy, their last window counted "
                  "returns: %s" % still, still)
        # new flows avoid it
        r1 = lab.udp(SERVER, L.WEB_PORT, count=30, new_flows=True, burst=True, timeout=2)
        on = Counter(lab.pins(r1["sports"], SERVER).values())
        rep.check(victim not in on and sum(on.values()) == 30 and r1["ok"] == 30,
                  "passive: %d new flows go to the others %s, %d answered, none to %s"
                  % (sum(on.values()), dict(on), r1["ok"], victim), loss_detail(lab, r1, on))

        # 3. It returns traffic again: its pinned flows (no_rebalance) bring returns, it is back.
        t1 = time.monotonic()
        blackhole(False)
        ok, secs, seen = lab.wait_states({victim: "healthy"}, PASSIVE_BACK_BOUND + 10)
        secs = time.monotonic() - t1
        why = "target %s/%s: returns seen again" % (L.FW_GROUP, victim)
        rep.check(ok and secs <= PASSIVE_BACK_BOUND and why in lab.log(lab.sd_log),
                  "passive: %s returns GENEVE again: healthy %.1f s later (bound %d s), sluiced "
                  "logged %r" % (victim, secs, PASSIVE_BACK_BOUND, why), seen)
        lab.stop(j.name, signal.SIGTERM)
        r3 = lab.udp(SERVER, L.WEB_PORT, count=len(sports), sports=sports, burst=True, timeout=3)
        r4 = lab.udp(SERVER, L.WEB_PORT, count=40, new_flows=True, burst=True, timeout=3)
        on4 = Counter(lab.pins(r4["sports"], SERVER).values())
        tv = passive_targets(lab)[victim]
        rep.check(r3["ok"] == len(sports) and r4["ok"] == 40 and on4.get(victim, 0) > 0 and
                  tv["state"] == "healthy" and (tv.get("passive") or {}).get("failures") == 1,
                  "passive: back: all %d pinned flows answered (%d), %s takes new flows again (%d "
                  "of 40), marked %d time(s) in all"
                  % (len(sports), r3["ok"], victim, on4.get(victim, 0),
                     (tv.get("passive") or {}).get("failures")),
                  {"pinned": r3, "new": loss_detail(lab, r4, on4), "target": tv})

        # 4. Registered again under another id at the same address: the new target takes a
        # never used slot while the removed one's slot still holds the address (its returns
        # may be in flight); the returns count for the present target, not the removed one.
        again = victim + "-again"
        addr = L.APPLIANCES[victim]
        rc, _, err = lab.sluicectl("deregister", L.FW_GROUP, victim)
        ok, secs, seen = lab.wait_states({victim: None}, L.HC_INTERVAL + 15)
        rep.check(rc == 0 and ok, "passive: %s deregistered and gone after its delay (%.1f s)"
                  % (victim, secs), (err, seen))
        renamed.append(again)
        rc, _, err = lab.sluicectl("register", L.FW_GROUP, again, addr)
        ok, secs, seen = lab.wait_states({again: "healthy"}, UP_BOUND + 10)
        rep.check(rc == 0 and ok, "passive: %s registered at %s, healthy after %.1f s"
                  % (again, addr, secs), (err, seen))
        r5 = lab.udp(SERVER, L.WEB_PORT, count=40, new_flows=True, burst=True, timeout=3)
        n5 = Counter(lab.pins(r5["sports"], SERVER).values()).get(again, 0)
        c5 = dp_target(again)
        rep.check(r5["ok"] == 40 and n5 > 0 and c5.get("packets", 0) >= 2 * n5 and
                  c5.get("returns") == c5.get("packets"),
                  "passive: %s (a new slot, %s's old one still holding %s) takes %d of 40 new "
                  "flows, all answered; its returns count for it: %s of %s packets"
                  % (again, victim, addr, n5, c5.get("returns"), c5.get("packets")), c5)
    finally:  # the next checks run with the lab as it was
        if renamed:  # the victim back under its own id (the address frees after the delay)
            lab.sluicectl("deregister", L.FW_GROUP, renamed[0])
            lab.wait_states({renamed[0]: None}, L.HC_INTERVAL + 15)
            lab.sluicectl("register", L.FW_GROUP, victim, L.APPLIANCES[victim])
        for j in streams:
            if j.running():
                lab.stop(j.name, signal.SIGTERM)
        if blackholed and lab.alive("appl-" + victim):
            blackhole(False)
        if lab.passive:
            lab.passive = None
            lab.reload_config()


def check_daemon_restart(lab, rep):
    jobs = []
    for what, host, port, _, _ in PATHS:
        jobs.append(("HTTP " + what, lab.http_get(host, port, rate_kbps=700, background=True)))
    for what, host, port in (("inspection", SERVER, L.WEB_PORT),
                             ("inspect-then-balance", L.ZONE_IP, L.INSPECTED_PORT)):
        jobs.append(("UDP " + what, lab.udp(host, port, count=40, new_flows=True,
                                            interval=0.1, timeout=2, background=True)))
    time.sleep(2)
    running = [w for w, j in jobs if j.running()]
    t0 = time.monotonic()
    took = lab.restart_daemon()
    rep.check(len(running) == len(jobs), "daemon_restart: sluiced restarted (%.2f s) while %d of "
              "%d transfers ran" % (time.monotonic() - t0, len(running), len(jobs)), running)
    for what, j in jobs:
        r = j.result(120)
        if what.startswith("HTTP"):
            r = lab.check_download(r)
            rep.check(r["intact"], "daemon_restart: %s: %d bytes in %.1f s, sha256 verified"
                      % (what, r.get("bytes", 0), r.get("seconds") or 0), r)
        else:
            rep.check(r.get("ok") == 40, "daemon_restart: %s: %s of 40 requests answered"
                      % (what, r.get("ok")), r)
    deadline = time.monotonic() + 10
    dps = None
    while time.monotonic() < deadline:
        rc, out, _ = lab.ctl("dataplanes")
        dps = out.get("dataplanes") if rc == 0 and isinstance(out, dict) else None
        if dps and all(d.get("state") == "synced" for d in dps):
            break
        time.sleep(0.2)
    rep.check(bool(dps) and all(d.get("state") == "synced" for d in dps),
              "daemon_restart: the new sluiced (up in %.2f s) synced the dataplane" % took, dps)


def check_dp_restart(lab, rep):
    for aid in L.APPLIANCES:
        lab.start_appliance(aid, delay_ms=DELAY_MS)
    lab.wait_healthy(30)
    q0 = appl_sum(appl_stats(lab), "received")
    j1 = lab.udp(SERVER, L.WEB_PORT, count=20, new_flows=True, burst=True, timeout=4 * DELAY_MS
                 / 1000, background=True)
    j2 = lab.udp(L.ZONE_IP, L.INSPECTED_PORT, count=10, new_flows=True, burst=True,
                 timeout=4 * DELAY_MS / 1000, background=True)
    deadline = time.monotonic() + 5
    held = 0
    while time.monotonic() < deadline:
        st = appl_stats(lab)
        held = appl_sum(st, "delay_queued")
        if appl_sum(st, "received") - q0 >= 30 and held >= 30:
            break
        time.sleep(0.05)
    gone, took = lab.restart_dataplane()
    st = appl_stats(lab)
    still = appl_sum(st, "delay_queued")
    rep.check(held >= 30 and still >= 30, "dp_restart: %d requests held in the appliances "
              "(--delay %d ms) when the dataplane was stopped; restarted in %.2f s (down %.2f "
              "s), %d still held then" % (held, DELAY_MS, took, gone, still))
    r1, r2 = j1.result(60), j2.result(60)
    rep.check(r1.get("ok") == 20 and r2.get("ok") == 10,
              "dp_restart: held requests accepted on return by the new process: %s of 20 "
              "(inspection) and %s of 10 (inspect-then-balance) answered"
              % (r1.get("ok"), r2.get("ok")), [r1, r2])
    c = lab.dp_counters()
    ev, dr = c.get("events", {}), c.get("drops", {})
    bad = {k: dr.get(k, 0) for k in GENEVE_DROPS if dr.get(k, 0)}
    rep.check(ev.get("geneve_decap", 0) >= 60 and not bad,
              "dp_restart: the new process counts geneve_decap %d (>= 60: the 30 held requests "
              "and their 30 replies), GENEVE drops %s" % (ev.get("geneve_decap", 0), bad or 0),
              c)
    for aid in L.APPLIANCES:
        lab.start_appliance(aid)
    lab.wait_healthy(30)


CHECKS = [("traffic", check_traffic), ("rules", check_rules), ("failover", check_failover),
          ("passive", check_passive), ("daemon_restart", check_daemon_restart),
          ("dp_restart", check_dp_restart)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=("dp", "xdp"), required=True)
    ap.add_argument("--build", default=os.path.join(L.ROOT, "build"))
    ap.add_argument("--only", default="", help="comma-separated checks (default: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--target-failover", choices=("no_rebalance", "rebalance"),
                    default="no_rebalance", help="the firewalls group's failover mode")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (logs, config)")
    args = ap.parse_args()
    names = [n for n, _ in CHECKS]
    only = [n for n in args.only.split(",") if n]
    for n in only:
        if n not in names:
            ap.error("unknown check %r (expected one of %s)" % (n, ", ".join(names)))
    name = "e2e-%s" % args.kind
    L.preflight(name, args.kind, os.path.abspath(args.build))
    lab_ref = []

    def body(rep):
        lab = L.Lab(kind=args.kind, build=os.path.abspath(args.build), workers=args.workers,
                    keep=args.keep, appliance_rules=RULES,
                    target_failover=args.target_failover)
        lab_ref.append(lab)
        lab.setup()
        rep.info("%s up in %.2f s" % ("sluice-dp" if args.kind == "dp" else "sluice-xdp",
                                      lab.start_dataplane()))
        rep.info("sluiced up in %.2f s" % lab.start_daemon())
        t0 = time.monotonic()
        lab.wait_healthy(30)
        rep.info("appliances and servers healthy after %.1f s" % (time.monotonic() - t0))
        for n, fn in CHECKS:
            if only and n not in only:
                continue
            print("=== %s (%s) ===" % (n, args.kind), flush=True)
            t = time.monotonic()
            try:
                ensure_up(lab)
                fn(lab, rep)
            except L.Abort as exc:
                rep.check(False, "%s aborted: %s" % (n, exc))
            rep.info("%s: %.1f s" % (n, time.monotonic() - t))

    rc = L.main_guard(lab_ref, body, name)
    if lab_ref:
        left = lab_ref[0].leftovers()
        if left:
            print("FAIL: cleanup: left behind: %s" % left)
            rc = 1
        else:
            print("PASS: cleanup: no namespace, link or process of the lab left")
    return rc


if __name__ == "__main__":
    sys.exit(main())
