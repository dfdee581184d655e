#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Slot reuse never revives a pin (issue 12 item 8), through a live dataplane.

Starts sluice-dp (net_af_packet on a veth in a network namespace) or sluice-xdp (native XDP on
veths there) with --control, fills both groups' 256 slots (two live targets, 254 weight-0
fillers), pins a UDP flow to fw-a (inspection) and opens an NLB session to web-1, then removes
fw-a and web-1 and churns their slots: ROUNDS generations, each removing the slot's occupant and
adding a new weight-0 one (it takes the slot: the only free one), so that the final occupant
has had as many predecessors as 8 bits of incarnation take to come round again. Then the old
flow and the old session send a packet:
  - the flow is re-picked as its target is gone (flow_rebalanced, a new flow to fw-b, the only
    target with weight), never forwarded to the slot's weight-0 occupant;
  - the session is refused like a drained one (nlb_drained), never translated to web-1's
    address again and never counted as the occupant's; an ICMP error about it is one about
    no known flow (sluice-dp: nlb_icmp_unknown; sluice-xdp: to the kernel), not translated
    towards web-1.
With an 8-bit incarnation both went to (or were counted as) the occupant. The control protocol
and the helpers are test_protocol.py's.
Exit 0 pass, 1 fail, 77 skip (no root / no `ip`, or the dataplane missing).
"""
import argparse
import os
import shutil
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_protocol as tp  # noqa: E402
from pylib.csum import csum  # noqa: E402  (test_protocol puts tests/ on sys.path)

ROUNDS = 256  # the occupant after this many reuses had fw-a's tag with 8 bits of incarnation
FILLERS = 254


def icmp_unreach_frame(src, dst, quoted):
    """ICMP host unreachable from src to dst quoting the IPv4 packet `quoted` (header + 8)."""
    body = quoted[:28]
    icmp = struct.pack("!BBHI", 3, 1, 0, 0) + body
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    return tp.mac_b(tp.DP_MAC) + tp.mac_b(tp.CL_MAC) + b"\x08\x00" + tp.ipv4(src, dst, 1, icmp)


class Env(tp.Env):
    """test_protocol's dataplane, its web group without connection termination."""

    def config(self):
        return super().config().replace("    connection_termination: true\n", "")


def fillers(prefix, net, **kw):
    return [tp.tgt("%s%d" % (prefix, i), "%s.%d" % (net, 1 + i), weight=0, **kw)
            for i in range(FILLERS)]


def slot_of(c, group, tid):
    """The target's index in `state` (slot order; every slot is present here)."""
    ids = list(tp.targets_of(c.rq("state"), group))
    return ids.index(tid) if tid in ids else None


def run(env, c):
    check = tp.check
    fw = [tp.tgt("fw-a", "192.168.50.11"), tp.tgt("fw-b", "192.168.50.12")]
    fw += fillers("zf", "192.168.60")
    web = [tp.tgt("web-1", "172.16.0.11", port=8443), tp.tgt("web-2", "172.16.0.12", port=8443)]
    web += fillers("zw", "172.16.1", port=8443)
    rep = c.rq("sync", groups=[{"name": "fw", "targets": fw}, {"name": "web", "targets": web}])
    if not check(rep.get("ok"), "sync: fw and web with 256 targets each: %s" % rep.get("error")):
        return
    env.send([tp.udp_frame("10.0.1.2", "198.51.100.7", 10000 + i, 53) for i in range(24)] +
             [tp.tcp_syn_frame("10.0.1.2", "10.0.1.10", 40000 + i, 443) for i in range(24)])
    flows = c.rq("flows", group="fw", target="fw-a", limit=100)["flows"]
    sess = c.rq("flows", group="web", target="web-1", limit=100).get("sessions", [])
    if not check(flows and sess, "a flow pinned to fw-a (%d) and a session of web-1 (%d)" % (
            len(flows), len(sess))):
        return
    f = flows[0]
    fsport = f["sport"] if f["dport"] == 53 else f["dport"]
    cport = sess[0]["cport"]
    fw_slot, web_slot = slot_of(c, "fw", "fw-a"), slot_of(c, "web", "web-1")

    t0 = time.time()
    prev = ("fw-a", "web-1")
    for k in range(1, ROUNDS + 1):
        occ = ("occ-fw-%d" % k, "occ-web-%d" % k)
        rep = c.rq("update", remove=[{"group": "fw", "id": prev[0]},
                                     {"group": "web", "id": prev[1]}],
                   set=[dict(tp.tgt(occ[0], "192.168.50.20", weight=0), group="fw"),
                        dict(tp.tgt(occ[1], "172.16.0.13", port=8443, weight=0),
                             group="web")])
        if not rep.get("ok"):
            check(False, "churn %d: %s" % (k, rep.get("error")))
            return
        prev = occ
    print("  %d generations in %.1f s" % (ROUNDS, time.time() - t0))
    check(slot_of(c, "fw", prev[0]) == fw_slot and slot_of(c, "web", prev[1]) == web_slot,
          "%s and %s hold fw-a's and web-1's slots (%s, %s)" % (prev[0], prev[1], fw_slot,
                                                                 web_slot))
    old = c.rq("flows", group="fw", limit=10000)["flows"]
    olds = c.rq("flows", group="web", limit=10000).get("sessions", [])
    check(not any(x["target"] == prev[0] for x in old) and
          not any(x["target"] == prev[1] for x in olds),
          "flows: no pin or session shows as the occupants'")

    # the client's network reports the session's reply (VIP:443 -> client) unreachable
    reply = tp.tcp_syn_frame("10.0.1.10", "10.0.1.2", 443, cport, flags=0x12)[14:]
    st0 = c.rq("stats")["stats"]
    env.send([tp.udp_frame("10.0.1.2", "198.51.100.7", fsport, 53),
              tp.tcp_syn_frame("10.0.1.2", "10.0.1.10", cport, 443, flags=0x10, seq=1001,
                               ack=5000),
              icmp_unreach_frame("10.0.1.2", "10.0.1.10", reply)])
    st1 = c.rq("stats")["stats"]

    def d(part, name):
        return st1[part][name] - st0[part][name]

    def dt(group, tid, what):
        return st1["targets"][group][tid][what] - st0["targets"][group][tid][what]

    check(dt("fw", prev[0], "packets") == 0 and dt("fw", prev[0], "new_flows") == 0,
          "inspection: nothing to the slot's new occupant %s (packets %+d)" % (
              prev[0], dt("fw", prev[0], "packets")))
    check(d("events", "flow_rebalanced") == 1 and dt("fw", "fw-b", "new_flows") == 1 and
          dt("fw", "fw-b", "packets") == 1,
          "inspection: fw-a's flow re-picked (flow_rebalanced %+d) onto fw-b (new flows %+d)" % (
              d("events", "flow_rebalanced"), dt("fw", "fw-b", "new_flows")))
    check(dt("web", prev[1], "packets") == 0 and d("events", "nlb_forward") == 0,
          "nlb: web-1's session neither counted as %s's (packets %+d) nor forwarded "
          "(nlb_forward %+d)" % (prev[1], dt("web", prev[1], "packets"),
                                 d("events", "nlb_forward")))
    check(d("drops", "nlb_drained") == 1,
          "nlb: the session is refused as its target is gone (nlb_drained %+d)"
          % d("drops", "nlb_drained"))
    # an error no session claims: sluice-dp drops it, sluice-xdp hands it to the kernel
    unclaimed = d("events", "kernel_in") >= 1 if env.xdp else d("drops", "nlb_icmp_unknown") == 1
    check(d("events", "nlb_icmp_translated") == 0 and unclaimed,
          "nlb: an ICMP error about the session is not translated to web-1's address "
          "(nlb_icmp_translated %+d; nlb_icmp_unknown %+d, kernel_in %+d)" % (
              d("events", "nlb_icmp_translated"), d("drops", "nlb_icmp_unknown"),
              d("events", "kernel_in")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sluice-dp", default="build/dataplane/sluice-dp")
    ap.add_argument("--sluice-xdp", help="test sluice-xdp (live, in a netns) instead")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    xdp = bool(args.sluice_xdp)
    dpath = args.sluice_xdp if xdp else args.sluice_dp
    if not os.access(dpath, os.X_OK):
        print("SKIP: %s is not an executable (build it first)" % dpath)
        return 77
    if os.geteuid() != 0 or not shutil.which("ip"):
        print("SKIP: the traffic runs in a network namespace: needs root and `ip`")
        return 77
    env = Env(dpath, "sltag%d" % os.getpid(), xdp)
    rc = None
    try:
        env.start()
        c = tp.Client(env.sock, timeout=30.0)
        run(env, c)
        c.close()
    except Exception as e:  # a crash of the test or of the dataplane is a failure
        import traceback
        traceback.print_exc()
        tp.FAILS.append("exception: %s" % e)
    finally:
        rc = env.stop()
        err = ""
        if os.path.exists(os.path.join(env.dir, "dp.err")):
            err = open(os.path.join(env.dir, "dp.err")).read()
        if args.keep:
            print("kept", env.dir)
        else:
            shutil.rmtree(env.dir, ignore_errors=True)
    tp.check(rc == 0, "%s exited 0 on SIGTERM (rc %s)" % (env.name, rc))
    if tp.FAILS:
        print("%s stderr (tail):\n" % env.name + "\n".join(err.splitlines()[-20:]))
        print("FAILED: %d check(s)" % len(tp.FAILS))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
