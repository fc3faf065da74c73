"""Latency of the web API: POST /api/v1/check with the four-stars factory example, on loopback only.

    python benchmarks/web.py [--requests 200] [--concurrency 20]

Starts `carbon-check serve` on a free loopback port in a child process, sends REQUESTS requests from
CONCURRENCY client threads (each with its own keep-alive connection), checks every answer is the CLI's
result, prints p50/p99 and stops the server. Bounded on purpose: the machine is shared.
Targets: p50 <= 20 ms, p99 <= 100 ms (at 20 concurrent). A run at concurrency 1 is printed beside it,
so the time of one check is separated from the time spent waiting behind the others.
"""
from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"


def start_server() -> tuple[subprocess.Popen, int]:
    server = subprocess.Popen([sys.executable, "-m", "checker.interfaces.cli", "serve", "--host", "127.0.0.1",
                               "--port", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = server.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        server.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return server, int(found.group(1))


def run(port: int, requests: int, concurrency: int, body: bytes, expected_grade: str) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            started = time.perf_counter()
            connection.request("POST", "/api/v1/check", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200 or json.loads(answer)["grade"]["id"] != expected_grade:
                raise SystemExit(f"unexpected answer: {response.status} {answer[:200]!r}")
            with lock:
                latencies.append(elapsed)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    requests, concurrency = min(args.requests, 1000), min(args.concurrency, 50)   # bounded: a shared machine
    body = EXAMPLE.read_bytes()
    server, port = start_server()
    try:
        run(port, 5, 1, body, "four_stars")   # warm up: the ruleset loads on first use
        for level in (1, concurrency):
            started = time.perf_counter()
            latencies = run(port, requests, level, body, "four_stars")
            wall = time.perf_counter() - started
            print(f"POST /api/v1/check, {requests} requests, {level:2d} concurrent: "
                  f"p50 {percentile(latencies, 50) * 1000:6.1f} ms, p99 {percentile(latencies, 99) * 1000:6.1f} ms, "
                  f"mean {statistics.mean(latencies) * 1000:6.1f} ms, {requests / wall:5.1f} requests/s")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
