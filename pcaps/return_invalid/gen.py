#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""return_invalid: one broken GENEVE return per drop reason (each broken in exactly one way),
plus returns that must be accepted: an unknown non-critical option, options in another order,
and a plain valid one. expect.json holds the exact per-reason drop counts.
Writes the case files into argv[1] (default: this directory)."""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402
import sluice_ref as ref  # noqa: E402

FW = ck.Target("fw-a", "192.168.50.11")
STRANGER = "192.168.50.99"  # on the appliance subnet, not a target


class Flow:
    """The valid return of one inner packet from FW, and the parts to break it with."""

    def __init__(self, sport):
        self.inner = ck.l3_of(sc.tcp4(1, 10, sport, 443, flags="PA", seq=1, ack=1,
                                      load=b"inspected"))
        self.key = ref.flow_key(self.inner)
        self.sport = ref.geneve_sport(ref.flow_hash(self.key))
        self.cookie = ref.cookie(ck.SECRET, self.key, FW.address, ck.ENDPOINT_ID)

    def opt(self, opt_type, value=None, length=None):
        sizes = {1: 8, 2: 8, 3: 4}
        if value is None:
            value = {1: ck.ENDPOINT_ID, 2: ck.ATTACHMENT_ID, 3: self.cookie}[opt_type]
        data = value.to_bytes(sizes[opt_type], "big")
        if length is not None:
            data = (data + bytes(8))[:length * 4]
        return ref.gwlb_option(opt_type, data)

    def options(self, types=(1, 2, 3)):
        return b"".join(self.opt(t) for t in types)

    def geneve(self, options=None, proto=ref.ETH_IPV4, **flags):
        return ref.geneve_header(proto, self.options() if options is None else options, **flags)

    def frame(self, payload, src=FW.address, checksum=False):
        return ref.udp4_frame(ck.appliance_mac(src), ck.APPL_MAC, src, ck.NODE_APPL,
                              self.sport, ref.GENEVE_PORT, payload, with_checksum=checksum)

    def valid(self, options=None, **flags):
        return self.frame(self.geneve(options, **flags) + self.inner)


def bad_checksum(flow):
    data = bytearray(flow.frame(flow.geneve() + flow.inner, checksum=True))
    data[40] ^= 0x5A
    return bytes(data)


def opt_len_beyond_packet(flow):
    """Opt Len says 32 bytes of options, the datagram ends after 20 (UDP/IP lengths agree)."""
    return flow.frame(flow.geneve()[:8 + 20])


def base_header_truncated(flow):
    return flow.frame(flow.geneve()[:4])


def unknown_endpoint(flow):
    endpoint = ck.ENDPOINT_ID + 1
    cookie = ref.cookie(ck.SECRET, flow.key, FW.address, endpoint)
    return flow.valid(flow.opt(1, endpoint) + flow.opt(2) + flow.opt(3, cookie))


def stranger(flow):
    cookie = ref.cookie(ck.SECRET, flow.key, STRANGER, ck.ENDPOINT_ID)
    payload = flow.geneve(flow.opt(1) + flow.opt(2) + flow.opt(3, cookie)) + flow.inner
    return flow.frame(payload, src=STRANGER)


def bad_inner(flow):
    inner = bytearray(flow.inner)
    inner[0] = 0x44  # IHL 4
    return flow.frame(flow.geneve() + bytes(inner))


def broken(flow):
    """(drop reason, frame) for every way to break a return."""
    critical = ref.gwlb_option(0x81, b"\0\0\0\1", opt_class=0x0109)
    return [
        ("geneve_bad_cookie", flow.valid(flow.opt(1) + flow.opt(2) + flow.opt(3, flow.cookie ^ 1))),
        ("geneve_bad_version", flow.valid(version=1)),
        ("geneve_option_missing", flow.valid(flow.options((2, 3)))),
        ("geneve_option_missing", flow.valid(flow.options((1, 3)))),
        ("geneve_option_missing", flow.valid(flow.options((1, 2)))),
        ("geneve_option_length", flow.valid(flow.opt(1) + flow.opt(2) + flow.opt(3, length=2))),
        ("geneve_option_length", flow.valid(flow.opt(1, length=3) + flow.opt(2) + flow.opt(3))),
        ("geneve_option_duplicate", flow.valid(flow.options((1, 2, 3, 3)))),
        ("geneve_unknown_critical", flow.valid(flow.options() + critical, critical=True)),
        ("geneve_oam", flow.valid(oam=True)),
        ("geneve_truncated", opt_len_beyond_packet(flow)),
        ("geneve_truncated", base_header_truncated(flow)),
        ("geneve_bad_protocol", flow.frame(flow.geneve(proto=0x6558) + flow.inner)),
        ("geneve_udp_checksum", bad_checksum(flow)),
        ("geneve_unknown_endpoint", unknown_endpoint(flow)),
        ("geneve_unknown_appliance", stranger(flow)),
        ("geneve_bad_inner", bad_inner(flow)),
    ]


def accepted(flow):
    non_critical = ref.gwlb_option(0x01, struct.pack("!I", 0xC0FFEE), opt_class=0x0109)
    return [flow.valid(flow.options() + non_critical),
            flow.valid(flow.options((3, 1, 2))),
            flow.valid()]


def build():
    gw = sc.gateway(ck.Group("firewalls", [FW]))
    case = ck.Case(gw, "return_invalid: broken GENEVE returns are dropped by reason")
    drops = dict.fromkeys(sc.GENEVE_DROPS, 0)
    for reason, data in broken(Flow(40000)):
        case.rx("appliances", data)
        drops[reason] += 1
    for i, data in enumerate(accepted(Flow(40001))):
        t = case.rx("appliances", data)
        case.tx(gw.geneve_return(data, t))
    case.expect_stats({"drops": drops})
    case.expect_stats(gw.stats_subset(events=["geneve_decap", "forwarded", "geneve_encap"]))
    return case


ck.main(build)
