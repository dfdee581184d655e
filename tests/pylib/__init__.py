# SPDX-License-Identifier: BSD-3-Clause
"""The one lab library of sluice's Python test code (standard library only, no scapy):

    csum     Internet checksums (RFC 1071), pseudo headers, RFC 1624 updates
    frames   MAC addresses, IPv4 headers and TCP segments from raw bytes
    pcapio   libpcap files: the byte-stable reader/writer of the golden cases, captures
    report   PASS/FAIL/SKIP reporting and the exit codes the meson tests read
    proc     processes a lab starts: logs, waits, stop by PID
    netns    network namespaces, veths, entering a namespace, raw-socket sending
    ref      the golden cases' reference (tests/pcap/sluice_ref.py) for the labs

A script finds it with `sys.path.insert(0, <the tests folder>)` and `from pylib import ...`.
"""
