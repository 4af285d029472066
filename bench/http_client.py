#!/usr/bin/env python3
"""Benchmark the services' HTTP client: CPU per call on httpx's own pool and on aiohttp's, many calls at once.

A service calls another through one pooled ``httpx.AsyncClient`` (``haicap_shared.http``):
reporting makes a province summary's 21 calls at once. This runs the tiny
``haicap_gateway.echo`` upstream (uvicorn, httptools, uvloop, on 127.0.0.1) and, in this
process, rounds of ``--at-once`` GETs of its ``/units/by-code/04`` through:

* ``httpx (httpcore)``: httpx with its own pool, as the services' client was;
* ``httpx (aiohttp)``: httpx on ``haicap_shared.http_transport.AiohttpTransport``, what
  ``new_http_client`` builds now;
* ``aiohttp``: aiohttp's client alone, the floor under any transport of it.

Each figure is this process's CPU per call (``time.process_time``) and the wall time per
round, the median of ``--runs`` runs, the clients taking turns within each run; the ratios
are against ``httpx (httpcore)`` in the same run.

    .venv/bin/python bench/http_client.py
    .venv/bin/python bench/http_client.py --at-once 50 --rounds 200 --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
from national_stack import load_average  # NOTE: first: it puts tools/ (run_stack) on sys.path
from run_stack import free_ports

from haicap_shared.http import new_http_client

HOST = "127.0.0.1"
PATH = "/units/by-code/04?as_of=2025-08-01"
Get = Callable[[], Awaitable[object]]


async def per_call(get: Get, at_once: int, rounds: int) -> tuple[float, float]:
    """This process's CPU-microseconds per call and the wall milliseconds per round of ``at_once`` calls."""
    for _ in range(5):  # NOTE: connections opened and kept before the clock starts
        await asyncio.gather(*(get() for _ in range(at_once)))
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        await asyncio.gather(*(get() for _ in range(at_once)))
    return (time.process_time() - cpu) / (rounds * at_once) * 1e6, (time.perf_counter() - wall) / rounds * 1000


async def one_run(url: str, at_once: int, rounds: int) -> dict[str, tuple[float, float]]:
    figures: dict[str, tuple[float, float]] = {}
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)
    async with httpx.AsyncClient(trust_env=False, limits=limits) as own_pool:
        figures["httpx (httpcore)"] = await per_call(lambda: _json(own_pool, url), at_once, rounds)
    async with new_http_client(30.0) as on_aiohttp:
        figures["httpx (aiohttp)"] = await per_call(lambda: _json(on_aiohttp, url), at_once, rounds)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:

        async def bare() -> object:
            async with session.get(url) as response:
                return await response.json()

        figures["aiohttp"] = await per_call(bare, at_once, rounds)
    return figures


async def _json(client: httpx.AsyncClient, url: str) -> object:
    response = await client.get(url)
    response.raise_for_status()
    return response.json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/http_client.py", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--at-once", type=int, default=21, help="calls made at once (a province summary makes 21)")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    [port] = free_ports(1)
    command = [sys.executable, "-m", "haicap_gateway.echo", "--host", HOST, "--port", str(port)]
    # NOTE: the services' own server stack (uvicorn with httptools and uvloop)
    echo = subprocess.Popen([*command, "--http", "httptools", "--loop", "uvloop"], env={**os.environ, "PYTHONUNBUFFERED": "1"})  # noqa: S603
    try:
        url = f"http://{HOST}:{port}{PATH}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, trust_env=False).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        runs = [asyncio.run(one_run(url, args.at_once, args.rounds)) for _ in range(args.runs)]
    finally:
        echo.terminate()
        echo.wait(10)
    peer = "httpx (httpcore)"
    print(f"\n{args.at_once} calls at once, {args.rounds} rounds a run, median of {args.runs} runs; "
          f"load average {load_average()}\n")  # fmt: skip
    print("| client | CPU per call | wall per round | CPU vs httpx (httpcore), same run |")
    print("| --- | ---: | ---: | ---: |")
    for name in runs[0]:
        cpu = statistics.median(run[name][0] for run in runs)
        wall = statistics.median(run[name][1] for run in runs)
        ratio = statistics.median(run[name][0] / run[peer][0] for run in runs)
        print(f"| {name} | {cpu:.0f} µs | {wall:.1f} ms | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
