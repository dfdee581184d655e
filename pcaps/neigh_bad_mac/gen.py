#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""neigh_bad_mac: one-arm (a single port, the appliance fw-a at 10.0.1.14 on the client subnet,
no static entry; an IPv6 host 2001:db8:a::88 on-link). ARP and ND whose sender MAC no
neighbour can have (broadcast, multicast, zero: in the ARP sender field, the ND link-layer
option or the Ethernet source) are refused whole, counted neigh_bad_mac: nothing is learned and
nothing answered, so the traffic waiting for those neighbours stays neigh_unresolved (it went
to ff:ff:ff:ff:ff:ff before the fix), until a valid reply or advertisement teaches the real MAC.
One input pcap, so the order is exact. Writes the case files into argv[1] (default: this
directory)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/pcap"))

from scapy.all import ARP, Ether, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6, TCP  # noqa: E402

import casekit as ck  # noqa: E402
import scenarios as sc  # noqa: E402

FW = ck.Target("fw-a", "10.0.1.14", static=False)
HOST, HOST_MAC = "2001:db8:a::88", "02:00:00:00:10:88"
MCAST4, MCAST6, ZERO = "01:00:5e:00:00:01", "33:33:00:00:00:01", "00:00:00:00:00:00"


def one_arm():
    return ck.Gateway([ck.Group("firewalls", [FW])], ["firewalls"], ports=[ck.outside_port()])


def arp_reply_claiming(sha, eth_src=FW.mac):
    """fw-a's reply to sluice's who-has, with sender hardware address sha."""
    return ck.frame_raw(Ether(src=eth_src, dst=ck.OUTSIDE_MAC) / ARP(
        op=2, hwsrc=sha, psrc=FW.address, hwdst=ck.OUTSIDE_MAC, pdst=ck.NODE4), 60)


def advert_claiming(lladdr, eth_src=HOST_MAC):
    """HOST's solicited advertisement with target link-layer address lladdr."""
    return bytes(Ether(src=eth_src, dst=ck.OUTSIDE_MAC) /
                 IPv6(src=HOST, dst=ck.NODE6, hlim=255) / ICMPv6ND_NA(S=1, O=1, tgt=HOST) /
                 ICMPv6NDOptDstLLAddr(lladdr=lladdr))


def appliance_return(gw):
    """What fw-a sends back for a server's packet to HOST (its MAC learned by then)."""
    inner = IPv6(src=ck.server6(10), dst=HOST) / TCP(sport=443, dport=40000, flags="SA")
    model = one_arm()
    model.learned[FW.address] = FW.mac
    (_, encap), = model.transit(ck.frame(inner, ck.ROUTER_MAC), ck.START)
    return ck.appliance_return(encap)


def build():
    gw = one_arm()
    case = ck.Case(gw, "neigh_bad_mac: broadcast, multicast and zero sender MACs are not learned")
    # IPv4: the next hop fw-a is asked for; bogus replies teach nothing
    case.rx("outside", sc.tcp4(1, 10, 40000, 443))
    case.tx([("outside", ck.arp_request(ck.OUTSIDE_MAC, ck.NODE4, FW.address, pad_to=0))])
    case.rx("outside", arp_reply_claiming(ck.BROADCAST))
    case.rx("outside", arp_reply_claiming(ZERO))
    case.rx("outside", arp_reply_claiming(FW.mac, eth_src=MCAST4))
    case.rx("outside", ck.arp_request(MCAST4, FW.address, FW.address))  # gratuitous
    case.rx("outside", sc.tcp4(1, 10, 40000, 443, flags="S", seq=1000))  # still unresolved
    case.rx("outside", ck.arp_reply(FW.mac, FW.address, ck.OUTSIDE_MAC, ck.NODE4, pad_to=60))
    gw.learned[FW.address] = FW.mac
    case.transit(sc.tcp4(2, 11, 40001, 443))
    # IPv6: a return to HOST makes sluice solicit it; bogus advertisements teach nothing
    back = appliance_return(gw)
    case.rx("outside", back)
    case.tx([("outside", ck.nd_solicit(ck.OUTSIDE_MAC, ck.NODE6, HOST))])
    case.rx("outside", advert_claiming(ck.BROADCAST))
    case.rx("outside", advert_claiming(HOST_MAC, eth_src=ZERO))
    case.rx("outside", ck.nd_solicit(MCAST6, HOST, ck.NODE6))  # would get an advertisement
    case.rx("outside", back)  # still unresolved
    case.rx("outside", advert_claiming(HOST_MAC))
    gw.learned[HOST] = HOST_MAC
    t = case.rx("outside", back)
    case.tx(gw.geneve_return(back, t))
    case.expect_stats({"events": {"arp_request": 1, "arp_learned": 1, "arp_consumed": 1,
                                  "arp_reply": 0, "geneve_encap": 1, "nd_solicit": 1,
                                  "nd_learned": 1, "nd_consumed": 1, "nd_advert": 0,
                                  "geneve_decap": 3, "forwarded": 1},
                       "drops": {"neigh_bad_mac": 7, "neigh_unresolved": 4}})
    return case


ck.main(build)
