#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_drained_later: nlb_draining_terminate, then at t=1072 every connection sends once more
(client data, then the target's reply). docs/nlb.md: with connection_termination "each later
TCP packet of such a flow is answered with a RST to both ends (nlb_terminated)": so X's
connections get RSTs both ways again for both packets (and are not balanced anew as unknown
flows); the other connections go on. Writes the case files into argv[1]."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402

draining = ck.case_gen(HERE, "nlb_draining")

if __name__ == "__main__":
    ck.main(lambda: draining.build(termination=True, later=True))
