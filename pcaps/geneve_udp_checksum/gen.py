#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""geneve_udp_checksum: tolerant receive per target group. Chain [firewalls, ids]; firewalls
keep the default `geneve_udp_checksum: verify`, ids say `ignore`. A firewall's return with a
garbage outer UDP checksum is dropped `geneve_udp_checksum`; with a right one, or none (0), it
goes on to an IDS. An IDS's return is forwarded whatever its checksum, and its other checks
stand (a bad cookie is still `geneve_bad_cookie`). The group is found before the checksum is
looked at: a return of an unknown endpoint is `geneve_unknown_endpoint`, checksum or not.
Writes the case files into argv[1] (default: this directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import IP, UDP  # noqa: E402

import casekit as ck  # noqa: E402


def groups():
    return [ck.Group("firewalls", ck.targets("fw", 11, 2)),
            ck.Group("ids", ck.targets("ids", 21, 2), geneve_udp_checksum="ignore")]


def inner(i):
    return bytes(IP(src=ck.client4(1 + i % 4), dst=ck.server4(30 + i)) /
                 UDP(sport=48000 + i, dport=5000) / b"inspect me")


def garbage(back):
    """The UDP checksum (Ethernet 14 + IPv4 20 + 6) made wrong, the rest intact."""
    data = bytearray(back)
    data[40] ^= 0x5A
    data[41] ^= 0xA5
    return bytes(data)


def patch_cookie(back):
    """The cookie option's value (its last 4 GENEVE bytes) off by one; checksum left as is."""
    data = bytearray(back)
    off = 14 + 20 + 8 + 8 + 32 - 4
    data[off + 3] ^= 1
    return bytes(data)


def patch_endpoint(back):
    """The endpoint ID (option 1's value) changed; checksum left as is."""
    data = bytearray(back)
    data[14 + 20 + 8 + 8 + 4 + 7] ^= 1
    return bytes(data)


def build():
    gw = ck.Gateway(groups(), ["firewalls", "ids"])
    sender = ck.Gateway(groups(), ["firewalls", "ids"])
    case = ck.Case(gw, "geneve_udp_checksum: verify on firewalls, ignore on ids")
    drops = {"geneve_udp_checksum": 0, "geneve_bad_cookie": 0, "geneve_unknown_endpoint": 0}

    def back_from(group, i, checksum):
        (_, encap), = sender.encap(group, inner(i), ck.START)
        return ck.appliance_return(encap, with_checksum=checksum, ident=0x300 + i)

    def accepted(data):
        case.tx(gw.geneve_return(data, case.rx("appliances", data)))

    def dropped(data, reason):
        case.rx("appliances", data)
        drops[reason] += 1

    # firewalls (verify)
    dropped(garbage(back_from("firewalls", 0, True)), "geneve_udp_checksum")
    accepted(back_from("firewalls", 1, True))
    accepted(back_from("firewalls", 2, False))
    dropped(garbage(back_from("firewalls", 3, False)), "geneve_udp_checksum")  # 0 made wrong
    dropped(patch_endpoint(garbage(back_from("firewalls", 4, True))), "geneve_unknown_endpoint")
    # ids (ignore)
    accepted(garbage(back_from("ids", 5, True)))
    accepted(garbage(back_from("ids", 6, False)))
    accepted(back_from("ids", 7, True))
    accepted(back_from("ids", 8, False))
    dropped(patch_cookie(garbage(back_from("ids", 9, True))), "geneve_bad_cookie")
    case.expect_stats(gw.stats_subset(events=["geneve_encap", "geneve_decap", "forwarded"]))
    case.expect_stats({"drops": drops})
    return case


ck.main(build)
