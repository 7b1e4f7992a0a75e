#!/usr/bin/env python3
"""icmp_ping.py — minimal ICMP echo client over a raw socket (no iputils needed).
Usage: icmp_ping.py DST COUNT SIZE TIMEOUT_S. Sends COUNT echo requests of SIZE payload bytes and
checks each reply's identifier, sequence number and payload; exit 0 only if all came back."""
import os
import select
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main() -> int:
    dst, count, size, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    ok = 0
    for seq in range(1, count + 1):
        payload = bytes((seq + i) & 0xFF for i in range(size))
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq) + payload
        sock.sendto(pkt, (dst, 0))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            data = sock.recv(65535)
            ihl = (data[0] & 0xF) * 4
            icmp = data[ihl:]
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if typ == 0 and rid == ident and rseq == seq and icmp[8:] == payload and checksum(icmp) == 0:
                ok += 1
                break
    print("%d/%d replies" % (ok, count))
    return 0 if ok == count else 1


if __name__ == "__main__":
    sys.exit(main())
