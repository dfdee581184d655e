#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""geneve_icmp_gw: geneve_icmp on a gateway without listeners (no load balancer): the errors
about our own GENEVE are still counted geneve_icmp_error; the controls, ICMP errors to us that
are about nothing of sluice's, are dropped local_unhandled by sluice-dp (on the XDP path they
go to the kernel: xdp.json). Writes the case files into argv[1]."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/pcap"))

import casekit as ck  # noqa: E402

base = ck.case_gen(HERE, "geneve_icmp")

if __name__ == "__main__":
    ck.main(lambda: base.build(listeners=False))
