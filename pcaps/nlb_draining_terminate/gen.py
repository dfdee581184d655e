#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""nlb_draining_terminate: nlb_draining with connection_termination: true. After the delay
(t=1071) the first TCP packet of each of X's connections is answered with a RST to both ends
and dropped nlb_terminated (nlb_rst_sent 2 each): a client packet gets the RST its receiver
would send (from 10.0.1.10:443; the shape is core/nat.h's nat_tcp_rst) and X gets the packet
itself translated and turned into a RST (same seq/ack, no payload: dataplane/nlb.c's
nlb_terminate, as docs/nlb.md does not say); a reply of X the same way round (X gets the RST
from client:port, the client the reply turned into a RST from 10.0.1.10:443).
Writes the case files into argv[1]."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402

draining = ck.case_gen(HERE, "nlb_draining")

if __name__ == "__main__":
    ck.main(lambda: draining.build(termination=True))
