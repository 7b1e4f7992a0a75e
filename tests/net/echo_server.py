#!/usr/bin/env python3
"""echo_server.py — asyncio TCP echo server for the many-connections test (one process, no fork).
Usage: echo_server.py ADDR PORT SECONDS. Echoes every connection until EOF, then closes it; exits
after SECONDS. Prints "LISTENING" once bound and "SERVED n" at exit."""
import asyncio
import sys

served = 0


async def handle(reader, writer):
    global served
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    finally:
        served += 1
        writer.close()


async def main():
    server = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]), backlog=4096)
    print("LISTENING", flush=True)
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), timeout=float(sys.argv[3]))
        except asyncio.TimeoutError:
            pass
    print("SERVED %d" % served, flush=True)


asyncio.run(main())
