#!/usr/bin/env python3
"""One patched moto server per region behind one loopback port, for the
live benchmark.

A single moto process answers every region from one Python interpreter, so
requests to two regions queue behind each other and "two regions take about
as long as one" cannot show. AWS serves each region from its own endpoint.
This starts tests/moto/launcher.py once per region and a small TCP router in
front: each request goes to the server of the region in its SigV4 credential
scope (`Credential=AKID/DATE/REGION/SERVICE/...`). Global calls (STS, IAM) go
to the first region's server.

On SIGUSR1 (send it once seeding is done) each region's server forks a copy
of itself (launcher.py's FORK) and the router sends everything but Lambda to
the copy: AWS serves Lambda, EC2, STS and Service Quotas from separate
endpoints, while one moto process would run their requests one at a time.
It prints "SPLIT" when the copies are up. One asyncio router still carries
every request, for both regions and all services.

With --latency-ms N it also listens on a second port that holds each
response for N ms before passing it on, as a network round trip to AWS would
(the servers' CPU time is unchanged). Seed through the first port, measure
through the second.

Usage: regions.py --region us-east-1 --region eu-west-1 [--port N] [--latency-ms N]
Prints "READY <port>" (or "READY <port> <latency port>") once every server is
up; exits when stdin closes.
"""

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "moto", "launcher.py")
SCOPE = re.compile(rb"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


def start_server(region):
    p = subprocess.Popen([sys.executable, LAUNCHER, "--port", "0", "--watch-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return p, port_line(p, "READY", region)


def port_line(p, word, region):
    for line in p.stdout:
        if line.startswith(word):
            return int(line.split()[1])
    sys.exit(f"moto for {region} did not print {word}")


def split(servers, others):
    """Fork each region's server; the copies serve everything but Lambda."""
    for region, (p, _) in servers.items():
        p.stdin.write("FORK\n")
        p.stdin.flush()
        others[region] = port_line(p, "FORKED", region)
    print("SPLIT", flush=True)


async def message(reader, response=False):
    """One HTTP/1.1 message, raw, as (head, body): the body by Content-Length or chunked (or, for a response with neither, to EOF)."""
    head = await reader.readuntil(b"\r\n\r\n")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    if b"content-length" in fields:
        return head, await reader.readexactly(int(fields[b"content-length"]))
    if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            body += size_line + await reader.readexactly(size + 2)
            if size == 0:
                return head, body
    return head, (await reader.read() if response else b"")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", action="append", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    args = parser.parse_args()
    servers = {r: start_server(r) for r in args.region}
    ports = {r: port for r, (_, port) in servers.items()}
    others = {}  # region -> port of the copy serving every service but Lambda, once split
    home = args.region[0]

    def upstream_port(head):
        m = SCOPE.search(head)
        region = m.group(1).decode() if m else home
        region = region if region in ports else home
        if m and m.group(2) != b"lambda" and region in others:
            return others[region]
        return ports[region]

    async def route(reader, writer, delay=0.0):
        # Requests on one connection may be for different regions (SDK clients
        # can share a connection pool), so each request is routed on its own.
        upstream = {}
        try:
            while True:
                head, body = await message(reader)
                port = upstream_port(head)
                if port not in upstream:
                    upstream[port] = await asyncio.open_connection("127.0.0.1", port)
                up_reader, up_writer = upstream[port]
                up_writer.write(head + body)
                await up_writer.drain()
                head, body = await message(up_reader, response=True)
                if b"\r\nconnection: close" in head.lower():
                    up_writer.close()
                    del upstream[port]
                if delay:
                    await asyncio.sleep(delay)
                writer.write(head + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            for _, w in upstream.values():
                w.close()

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: loop.run_in_executor(None, split, servers, others))
    server = await asyncio.start_server(route, "127.0.0.1", args.port)
    ready = f"READY {server.sockets[0].getsockname()[1]}"
    if args.latency_ms:
        slow = await asyncio.start_server(lambda r, w: route(r, w, args.latency_ms / 1000), "127.0.0.1", 0)
        ready += f" {slow.sockets[0].getsockname()[1]}"
    print(ready, flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    for p, _ in servers.values():
        p.stdin.close()
        p.terminate()


if __name__ == "__main__":
    asyncio.run(main())
