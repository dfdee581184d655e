# SPDX-License-Identifier: BSD-3-Clause
"""Unit tests of the Python reference (sluice_ref) that the golden pcaps are computed with.

Run with /usr/bin/python3 (scapy is only used to cross-check frames). run.py runs it first.
"""

import ipaddress
import struct
import unittest
from collections import Counter

import sluice_ref as ref

VECTOR_KEY = bytes(range(16))
SECRET = bytes.fromhex("000102030405060708090a0b0c0d0e0f")


def ipv4(src, dst, proto, l4):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                      ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return hdr + l4


def ipv6(src, dst, proto, l4):
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64,
                       ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed) + l4


def tcp(sport, dport):
    return struct.pack("!HHIIBBHHH", sport, dport, 0, 0, 0x50, 2, 8192, 0, 0)


def echo(icmp_type, ident, seq=1):
    return struct.pack("!BBHHH", icmp_type, 0, 0, ident, seq)


class SipHashTest(unittest.TestCase):
    def test_published_vectors(self):
        vectors = {0: 0x726FDB47DD0E0E31, 1: 0x74F839C593DC67FD, 63: 0x958A324CEB064572}
        for n, want in vectors.items():
            self.assertEqual(ref.siphash24(VECTOR_KEY, bytes(range(n))), want, "n=%d" % n)

    def test_all_lengths_distinct(self):
        values = {ref.siphash24(VECTOR_KEY, bytes(range(n))) for n in range(64)}
        self.assertEqual(len(values), 64)

    def test_key_must_be_16_bytes(self):
        with self.assertRaises(ValueError):
            ref.siphash24(b"short", b"")


class FlowKeyTest(unittest.TestCase):
    def test_layout_ipv4_tcp(self):
        key = ref.flow_key(ipv4("10.0.0.2", "10.0.0.1", 6, tcp(1000, 80)))
        self.assertEqual(len(key), 40)
        self.assertEqual(key[:4], bytes([10, 0, 0, 1]))
        self.assertEqual(key[4:16], bytes(12))
        self.assertEqual(key[16:20], bytes([10, 0, 0, 2]))
        self.assertEqual(key[32:36], struct.pack("<HH", 80, 1000))
        self.assertEqual(key[36:], bytes([6, 4, 0, 0]))

    def test_symmetric_all_stickiness(self):
        fwd = ipv4("10.0.1.101", "198.51.100.10", 17, tcp(40000, 53))
        rev = ipv4("198.51.100.10", "10.0.1.101", 17, tcp(53, 40000))
        for stick in (ref.STICK_5, ref.STICK_3, ref.STICK_2):
            self.assertEqual(ref.flow_key(fwd, stick), ref.flow_key(rev, stick))

    def test_symmetric_ipv6(self):
        fwd = ipv6("2001:db8:a::101", "2001:db8:ff::10", 6, tcp(40000, 443))
        rev = ipv6("2001:db8:ff::10", "2001:db8:a::101", 6, tcp(443, 40000))
        self.assertEqual(ref.flow_key(fwd), ref.flow_key(rev))
        self.assertEqual(ref.flow_key(fwd)[37], 6)

    def test_same_address_orders_by_port(self):
        key = ref.flow_key(ipv4("10.0.0.1", "10.0.0.1", 6, tcp(2000, 1000)))
        self.assertEqual(struct.unpack("<HH", key[32:36]), (1000, 2000))

    def test_stickiness_fields(self):
        pkt = ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1000, 80))
        self.assertEqual(ref.flow_key(pkt, ref.STICK_3)[32:38], bytes([0, 0, 0, 0, 6, 4]))
        self.assertEqual(ref.flow_key(pkt, ref.STICK_2)[32:38], bytes([0, 0, 0, 0, 0, 4]))

    def test_icmp_echo_identifier_in_both_ports(self):
        req = ref.flow_key(ipv4("10.0.0.1", "10.0.0.2", 1, echo(8, 0x1234)))
        rep = ref.flow_key(ipv4("10.0.0.2", "10.0.0.1", 1, echo(0, 0x1234)))
        self.assertEqual(req, rep)
        self.assertEqual(struct.unpack("<HH", req[32:36]), (0x1234, 0x1234))

    def test_icmp_error_uses_embedded_flow(self):
        orig = ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1000, 80))
        err = ipv4("10.0.0.9", "10.0.0.1", 1, struct.pack("!BBHI", 3, 4, 0, 1400) + orig[:28])
        self.assertEqual(ref.flow_key(err), ref.flow_key(orig))

    def test_hash_and_sport(self):
        key = ref.flow_key(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1000, 80)))
        fhash = ref.flow_hash(key)
        self.assertEqual(fhash, ref.siphash24(b"sluice-flowhash!", key) & 0xFFFFFFFF)
        self.assertTrue(49152 <= ref.geneve_sport(fhash) <= 65535)

    def test_cookie_depends_on_appliance_and_endpoint(self):
        key = ref.flow_key(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1000, 80)))
        c1 = ref.cookie(SECRET, key, "192.168.50.11", 1)
        self.assertNotEqual(c1, ref.cookie(SECRET, key, "192.168.50.12", 1))
        self.assertNotEqual(c1, ref.cookie(SECRET, key, "192.168.50.11", 2))
        msg = key + bytes([192, 168, 50, 11]) + (1).to_bytes(8, "big")
        self.assertEqual(c1, ref.siphash24(SECRET, msg) & 0xFFFFFFFF)


class MaglevTest(unittest.TestCase):
    SIZE = ref.MAGLEV_DEFAULT_SIZE
    IDS = ["fw-a", "fw-b", "fw-c", "fw-d"]

    def test_full_and_even(self):
        table = ref.maglev_table(self.IDS)
        self.assertNotIn(None, table)
        for n in Counter(table).values():
            self.assertLessEqual(abs(n - self.SIZE / 4), self.SIZE / 4 * 0.01)

    def test_order_independent(self):
        a = [self.IDS[i] for i in ref.maglev_table(self.IDS)]
        rev = list(reversed(self.IDS))
        b = [rev[i] for i in ref._maglev_build(rev, (1,) * 4, self.SIZE)]
        self.assertEqual(a, b)

    def test_deterministic(self):
        table = ref._maglev_build(self.IDS, (1,) * 4, self.SIZE)
        self.assertEqual(table, ref._maglev_build(self.IDS, (1,) * 4, self.SIZE))

    def test_weights(self):
        counts = Counter(ref.maglev_table(["a", "b", "c"], [1, 2, 3]))
        for idx, weight in enumerate([1, 2, 3]):
            self.assertAlmostEqual(counts[idx] / self.SIZE, weight / 6, delta=0.01)

    def test_weight_zero_gets_nothing(self):
        counts = Counter(ref.maglev_table(["a", "b"], [0, 1]))
        self.assertEqual(counts, {1: self.SIZE})

    def test_no_target(self):
        self.assertIsNone(ref.maglev_pick(["a"], [0], 5))

    def test_removal_moves_little(self):
        full = [self.IDS[i] for i in ref.maglev_table(self.IDS)]
        less = self.IDS[:3]
        part = [less[i] for i in ref.maglev_table(less)]
        moved = sum(1 for x, y in zip(full, part) if x != y and x != "fw-d")
        self.assertLess(moved / self.SIZE, 0.05)

    def test_spread_of_flows(self):
        counts = Counter()
        for i in range(20000):
            key = ref.flow_key(ipv4("10.0.1.%d" % (i % 200), "198.51.100.1", 6,
                                    tcp(1024 + i, 443)))
            counts[ref.maglev_pick(self.IDS, None, ref.flow_hash(key))] += 1
        for n in counts.values():
            self.assertLess(abs(n - 5000), 5000 * 0.05)


class EncapTest(unittest.TestCase):
    def build(self, inner):
        return ref.encap_frame(inner, "02:00:00:00:00:02", "02:00:00:00:50:11", "192.168.50.1",
                               "192.168.50.11", 64, 50000, 0x0A0B0C0D01020304, 7, 0xDEADBEEF)

    def test_layout(self):
        inner = ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1000, 80))
        data = self.build(inner)
        self.assertEqual(len(data), 14 + ref.GWLB_OVERHEAD + len(inner))
        self.assertEqual(data[12:14], b"\x08\x00")
        self.assertEqual(data[20:22], b"\x40\x00")   # DF, fragment offset 0
        self.assertEqual(data[18:20], b"\x00\x00")   # ID 0
        self.assertEqual(ref.inet_checksum(data[14:34]), 0)
        self.assertEqual(struct.unpack("!HHHH", data[34:42]), (50000, 6081, 8 + 40 + 40, 0))
        geneve = data[42:82]
        self.assertEqual(geneve[0], 8)      # version 0, opt len 8 words
        self.assertEqual(geneve[1], 0)      # O=0, C=0
        self.assertEqual(geneve[2:4], b"\x08\x00")
        self.assertEqual(geneve[4:8], bytes(4))
        self.assertEqual(geneve[8:12], b"\x01\x08\x01\x02")
        self.assertEqual(geneve[12:20], bytes.fromhex("0a0b0c0d01020304"))
        self.assertEqual(geneve[20:24], b"\x01\x08\x02\x02")
        self.assertEqual(geneve[24:32], (7).to_bytes(8, "big"))
        self.assertEqual(geneve[32:36], b"\x01\x08\x03\x01")
        self.assertEqual(geneve[36:40], bytes.fromhex("deadbeef"))
        self.assertEqual(data[82:], inner)

    def test_ipv6_protocol_type(self):
        inner = ipv6("2001:db8::1", "2001:db8::2", 6, tcp(1, 2))
        self.assertEqual(self.build(inner)[44:46], b"\x86\xdd")

    def test_scapy_agrees_on_checksums(self):
        from scapy.all import Ether, IP, UDP
        inner = ipv4("10.0.0.1", "10.0.0.2", 6, tcp(1000, 80))
        data = ref.udp4_frame("02:00:00:00:00:02", "02:00:00:00:50:11", "192.168.50.1",
                              "192.168.50.11", 50000, 6081, inner, with_checksum=True)
        pkt = Ether(data)
        ip_sum, udp_sum = pkt[IP].chksum, pkt[UDP].chksum
        del pkt[IP].chksum
        del pkt[UDP].chksum
        rebuilt = Ether(bytes(pkt))
        self.assertEqual((rebuilt[IP].chksum, rebuilt[UDP].chksum), (ip_sum, udp_sum))


if __name__ == "__main__":
    unittest.main()
