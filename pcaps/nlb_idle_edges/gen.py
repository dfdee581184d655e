#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_idle_edges: two edges of the idle timeout (nlb_idle's group dns: SNAT,
other_idle_timeout 60; one port).
- E1: queries at t=1000.0 and t=1000.5, then t=1060.3: idle 59.8 s since the last packet, not
  past 60 s: the same session (the same source-NAT port, 1024);
- E2: a query at t=1000.2 (port 1025); the target's reply arrives at t=1061.0, 60.8 s later:
  the session has expired, so the reply belongs to no session: dropped local_unhandled like
  any other packet to 172.16.0.1 (docs/dataplane.md), not nlb_drained (the target is not
  draining); the client's next query at t=1062 starts a new session with a new port.
Writes the case files into argv[1] (default: this directory)."""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402
import nlbkit as nk  # noqa: E402

SPEC = importlib.util.spec_from_file_location("nlb_idle_gen",
                                              os.path.join(HERE, "../nlb_idle/gen.py"))
idle = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(idle)


def build():
    gw = idle.model()
    case = ck.Case(gw, "nlb_idle_edges: 59.8 s idle; a reply after expiry")
    send = lambda data: nk.send(case, "outside", data)  # noqa: E731
    e1, e2 = (1, 52001), (2, 52002)
    send(idle.query(*e1, 1))
    case.at(1000.2)
    send(idle.query(*e2, 1))
    s2 = idle.session(gw, 17, *e2, 53)
    case.at(1000.5)
    send(idle.query(*e1, 2))
    case.at(1060.3)
    send(idle.query(*e1, 3))
    assert idle.session(gw, 17, *e1, 53).nport == 1024
    case.at(1061.0)
    assert not send(idle.reply(gw, s2, 1))
    case.at(1062.0)
    send(idle.query(*e2, 2))
    assert idle.session(gw, 17, *e2, 53).nport == 1026
    case.expect_stats(gw.stats(events=["nlb_new_flow", "nlb_forward", "nlb_reply"],
                               drops=["local_unhandled", "nlb_drained"]))
    return case


if __name__ == "__main__":
    ck.main(build)
