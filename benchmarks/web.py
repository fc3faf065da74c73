"""Latency of the web API: POST /api/v1/check with the four-stars factory example, on loopback only.

    python benchmarks/web.py [--requests 200] [--concurrency 20] [--baseline DIR]

Starts `carbon-check serve` on free loopback ports in child processes: with one worker, and as it starts by
default (two workers on a computer with two cores or more); with --baseline, also the server of another
checkout of carbon-check (an older version, to compare in the same run). Each is asked for the result as the
API gives it by default and with `?gap=true` (the CLI's full result, with the gap to the next grade), from
CONCURRENCY client threads with keep-alive connections, REQUESTS requests each time. Every answer is checked
to be the four-stars result. The servers run side by side and take turns, so a machine busy with other work
slows them alike. Bounded on purpose: the machine is shared.
Targets: p50 <= 20 ms, p99 <= 100 ms at 20 concurrent. A run at concurrency 1 is printed beside it, so the
time of one check is separated from the time spent waiting behind the others.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"


def start_server(checkout: Path, args: list[str]) -> tuple[subprocess.Popen, int]:
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    server = subprocess.Popen([sys.executable, "-m", "checker.interfaces.cli", "serve", "--host", "127.0.0.1",
                               "--port", "0", *args], stdout=subprocess.PIPE, text=True, cwd=checkout,
                              env=environment)
    line = server.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        server.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return server, int(found.group(1))


def run(port: int, path: str, requests: int, concurrency: int, body: bytes, expected: bytes) -> list[float]:
    """Latencies of REQUESTS requests from CONCURRENCY keep-alive connections. The client is kept lean (asyncio,
    the request encoded once, each answer compared with the expected bytes: results are byte-identical) because
    it shares the machine's cores with the server it measures."""
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    latencies: list[float] = []
    left = [requests]

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while left[0] > 0:
            left[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
            answer = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200 ") or answer != expected:
                raise SystemExit(f"unexpected answer: {head[:40]!r} {answer[:200]!r}")
        writer.close()

    async def clients():
        await asyncio.gather(*(client() for _ in range(concurrency)))
    asyncio.run(clients())
    return latencies


def expected_answer(port: int, path: str, body: bytes) -> bytes:
    """The result the server gives, checked once to be the four-stars one."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    answer = connection.getresponse().read()
    connection.close()
    if json.loads(answer)["grade"]["id"] != "four_stars":
        raise SystemExit(f"unexpected answer: {answer[:200]!r}")
    return answer


def cpu_seconds(server: subprocess.Popen) -> float | None:
    """CPU time used so far by the server and its worker processes (Linux /proc; None elsewhere): unlike
    latencies, it does not grow when other work on the machine takes the cores."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        total = 0
        for pid in [str(server.pid), *children]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])   # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--baseline", type=Path, help="another checkout of carbon-check, served as it starts")
    args = parser.parse_args()
    requests, concurrency = min(args.requests, 1000), min(args.concurrency, 50)   # bounded: a shared machine
    body = EXAMPLE.read_bytes()
    servers = ([("baseline", args.baseline.resolve(), [])] if args.baseline else []) + [
        ("1 worker", ROOT, ["--workers", "1"]), ("default", ROOT, [])]
    started = []
    try:
        for label, checkout, extra in servers:
            started.append((label, *start_server(checkout, extra)))
        expected = {}
        for label, _, port in started:   # the first requests also wait for the workers to load the rulesets
            for query in ("", "?gap=true"):
                expected[label, query] = expected_answer(port, "/api/v1/check" + query, body)
                run(port, "/api/v1/check" + query, 20, 4, body, expected[label, query])
        for level in (1, concurrency):
            for query in ("", "?gap=true"):
                for label, server, port in started:
                    began, cpu, client = time.perf_counter(), cpu_seconds(server), time.process_time()
                    latencies = run(port, "/api/v1/check" + query, requests, level, body, expected[label, query])
                    wall, used = time.perf_counter() - began, cpu_seconds(server)
                    client = (time.process_time() - client) / requests * 1000
                    per_request = f"{(used - cpu) / requests * 1000:5.2f}" if cpu is not None and used else "  ?  "
                    print(f"{label:9s} {query or '(default)':10s} {requests} requests, {level:2d} concurrent: "
                          f"p50 {percentile(latencies, 50) * 1000:6.1f} ms, p99 {percentile(latencies, 99) * 1000:6.1f} ms, "
                          f"mean {statistics.mean(latencies) * 1000:6.1f} ms, {requests / wall:5.1f} requests/s, "
                          f"CPU a request: server {per_request} ms, client {client:4.2f} ms", flush=True)
    finally:
        for _, server, _ in started:
            server.terminate()
            server.wait(15)


if __name__ == "__main__":
    main()
