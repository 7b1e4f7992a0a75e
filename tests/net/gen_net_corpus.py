#!/usr/bin/env python3
"""gen_net_corpus.py — writes the seed corpus of the net_input fuzz target
(tests/fuzz/corpus/net_input/): records [flags u8][len u16][Ethernet frame], see fuzz_net_input.c.
Our stack is 10.0.0.2 / 02:00:00:00:00:02, the peer 10.0.0.1 / 02:00:00:00:00:01."""
import os
import struct
import sys

US = bytes([2, 0, 0, 0, 0, 2])
PEER = bytes([2, 0, 0, 0, 0, 1])
BCAST = b"\xff" * 6
IP_US = bytes([10, 0, 0, 2])
IP_PEER = bytes([10, 0, 0, 1])


def rec(frame: bytes, flags: int = 1) -> bytes:
    return struct.pack("!BH", flags, len(frame)) + frame


def eth(dst: bytes, typ: int, payload: bytes) -> bytes:
    return dst + PEER + struct.pack("!H", typ) + payload


def arp(op: int, tha: bytes) -> bytes:
    return eth(BCAST if op == 1 else US, 0x0806,
               struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + PEER + IP_PEER + tha + IP_US)


def ipv4(proto: int, payload: bytes, frag: int = 0x4000) -> bytes:
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0, IP_PEER, IP_US)
    return eth(US, 0x0800, hdr + payload)


def tcp(sport, dport, seq, ack, flags, opts=b"", data=b"", wnd=65535) -> bytes:
    while len(opts) % 4:
        opts += b"\x01"
    off = (20 + len(opts)) // 4
    return ipv4(6, struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, wnd, 0, 0) + opts + data)


SYN_OPTS = (b"\x02\x04\x05\xb4" + b"\x01\x03\x03\x07" + b"\x01\x01\x04\x02" +
            b"\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00")


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../fuzz/corpus/net_input")
    os.makedirs(out, exist_ok=True)
    seeds = {
        "arp_request": rec(arp(1, b"\0" * 6)),
        "arp_reply_then_synack": rec(arp(2, US)) + rec(tcp(5555, 40000, 1000, 0, 0x12, SYN_OPTS)),
        "syn_listen": rec(arp(1, b"\0" * 6)) + rec(tcp(40000, 80, 1000, 0, 0x02, SYN_OPTS)) +
        rec(tcp(40000, 80, 1001, 1, 0x10), 5) + rec(tcp(40000, 80, 1001, 1, 0x18, data=b"hello"), 5) +
        rec(tcp(40000, 80, 1006, 1, 0x11), 7),
        "syn_closed_port": rec(tcp(40001, 81, 7, 0, 0x02)),
        "rst_and_sack": rec(tcp(40000, 80, 1, 1, 0x04)) +
        rec(tcp(40000, 80, 1, 1, 0x10, b"\x01\x01\x05\x0a\x00\x00\x00\x10\x00\x00\x00\x20")),
        "icmp_echo": rec(ipv4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01" + b"x" * 32)),
        "ip_fragment": rec(ipv4(6, b"\0" * 24, frag=0x2000)),
        "bad_ip_version": rec(eth(US, 0x0800, b"\x65" + b"\0" * 40), 0),
        "short_frame": rec(b"\x02\x00", 0),
        "timers": rec(arp(2, US), 1) + rec(b"", 2) + rec(b"", 2) + rec(b"", 2),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
