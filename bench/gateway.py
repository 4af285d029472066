#!/usr/bin/env python3
"""Benchmark the gateway's hot path: direct vs nginx vs the gateway on httpx vs on aiohttp.

Needs wrk and nginx (Debian: ``apt-get update && apt-get install -y wrk nginx-light``) and the
installed repository (``make install``). Everything runs on 127.0.0.1, one uvicorn worker per
process. The upstream is the tiny ``haicap_gateway.echo`` app (FastAPI, a small JSON record at
``/units/by-code/04``, like org-structure's unit by code), so the figures show what the proxy
adds rather than what a database costs.

    .venv/bin/python bench/gateway.py                  # 3 runs of 10 s per cell, 60 s idle-gap check
    .venv/bin/python bench/gateway.py --runs 1 --duration 5 --idle-check 20
    .venv/bin/python bench/gateway.py --token "$TOKEN"  # adds Authorization: Bearer <token>
    .venv/bin/python bench/gateway.py --signed          # the gateways sign with a new key; every request
                                                        # carries a valid token (checked at the gateway)

Prints: requests per second and p50/p99 latency at 1 and 32 connections for each path, the
ratios vs direct, connection errors over a run with idle gaps of about 5 s (the keep-alive
race), and the gateway's peak RSS while streaming a large response.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PATH = "/units/by-code/04?as_of=2025-08-01"
GATEWAY_PATH = "/api/v1/org" + PATH
NGINX_CONF = """
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream echo {{
        server {host}:{upstream_port};
        keepalive 64;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://echo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{url}: the process exited with {process.returncode}")
            try:
                client.get(url)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


@contextmanager
def running(command: list[str], url: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_up(url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Cell:
    rps: float
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"wrk printed a latency of {text!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, connections: int, duration: int, token: str | None) -> Cell:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in out or "Socket errors" in out:
        print(f"warning: {url} at {connections} connections:\n{out}", file=sys.stderr)
    try:
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
        p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    except (AttributeError, ValueError) as exc:
        raise SystemExit(f"cannot read wrk's output for {url} at {connections} connections:\n{out}") from exc
    return Cell(rps, p50, p99)


def idle_gap_check(url: str, seconds: float, token: str | None, errors: dict[str, list[str]], name: str) -> None:
    """Bursts of requests on kept-alive connections, separated by idle gaps of about 5 s."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[str] = []
    count = 0
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=10, trust_env=False, headers=headers, limits=httpx.Limits(keepalive_expiry=120)) as client:
        while time.monotonic() < deadline:
            for _ in range(20):
                count += 1
                try:
                    response = client.get(url)
                    if response.status_code != 200:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
            time.sleep(random.uniform(4.5, 5.5))
    errors[name] = [f"{count} requests", *failures]


def stream_peak_rss(url: str, pid: int, size: int, token: str | None) -> float:
    """MB the process's RSS peak grew by while ``size`` bytes streamed through it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status = Path(f"/proc/{pid}/status")

    def rss(field: str) -> int:
        line = next(line for line in status.read_text().splitlines() if line.startswith(field + ":"))
        return int(line.split()[1])

    with httpx.Client(timeout=120, trust_env=False, headers=headers) as client:
        client.get(f"{url}/api/v1/org/stream?size=1048576")
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        before = rss("VmRSS")
        received = 0
        with client.stream("GET", f"{url}/api/v1/org/stream?size={size}") as response:
            for chunk in response.iter_raw():
                received += len(chunk)
        assert received == size, (received, size)
        return (rss("VmHWM") - before) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk cell (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are printed (default 3)")
    parser.add_argument("--idle-check", type=float, default=60.0, help="seconds of the idle-gap check (0: skip)")
    parser.add_argument("--stream-mb", type=int, default=200, help="size of the streamed response (default 200 MB)")
    parser.add_argument(
        "--log-level", default="WARNING", help="the gateways' log level (INFO: one access-log line per request; default WARNING)"
    )
    parser.add_argument("--token", default=None, help="a bearer token sent with every request")
    parser.add_argument(
        "--signed", action="store_true", help="give the gateways a new signing key and send a token it signed (like real callers)"
    )
    args = parser.parse_args(argv)
    signing_pem = ""
    if args.signed:
        from haicap_shared.roles import Area, Role
        from haicap_shared.tokens import TokenIssuer, generate_private_key, private_key_pem

        key = generate_private_key()
        signing_pem = private_key_pem(key)
        args.token, _ = TokenIssuer(key).issue(subject="bench", username="bench", role=Role.VIEWER, area=Area(), ttl_seconds=3600)
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get update && apt-get install -y wrk nginx-light")

    tmp = Path(tempfile.mkdtemp(prefix="haicap-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAICAP_")}
    ports = {name: free_port() for name in ("direct", "nginx", "httpx", "aiohttp")}
    upstream = f"http://{HOST}:{ports['direct']}"
    urls = {name: f"http://{HOST}:{port}" for name, port in ports.items()}
    gateway_cli = str(BIN / "haicap-gateway")

    def gateway_env(client: str) -> dict[str, str]:
        return (
            env
            | {
                "HAICAP_GATEWAY_PORT": str(ports[client]),
                "HAICAP_GATEWAY_VAR_DIR": str(tmp / client),
                "HAICAP_GATEWAY_UPSTREAM_CLIENT": client,
                "HAICAP_GATEWAY_ORG_URL": upstream,
                "HAICAP_GATEWAY_LOG_LEVEL": args.log_level,
            }
            | ({"HAICAP_GATEWAY_JWT_PRIVATE_KEY": signing_pem} if signing_pem else {})
        )

    for client in ("httpx", "aiohttp"):
        help_text = subprocess.run([gateway_cli, "--help"], capture_output=True, text=True, check=False).stdout  # noqa: S603
        if "migrate" in help_text:
            subprocess.run([gateway_cli, "migrate"], env=gateway_env(client), check=True, capture_output=True)  # noqa: S603
    conf = tmp / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(user=user, tmp=tmp, host=HOST, port=ports["nginx"], upstream_port=ports["direct"]))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"

    with ExitStack() as stack:
        echo = [sys.executable, "-m", "haicap_gateway.echo", "--port", str(ports["direct"])]
        stack.enter_context(running(echo, upstream + "/healthz", env, tmp / "echo.log"))
        stack.enter_context(running([nginx, "-p", str(tmp), "-c", str(conf)], urls["nginx"] + "/healthz", env, tmp / "nginx.log"))
        gateways = {
            client: stack.enter_context(
                running([gateway_cli, "serve"], urls[client] + "/healthz", gateway_env(client), tmp / f"gateway-{client}.log")
            )
            for client in ("httpx", "aiohttp")
        }
        targets = {
            "direct": urls["direct"] + PATH,
            "nginx (keepalive)": urls["nginx"] + PATH,
            "gateway, httpx": urls["httpx"] + GATEWAY_PATH,
            "gateway, aiohttp": urls["aiohttp"] + GATEWAY_PATH,
        }
        for url in targets.values():
            wrk(url, 8, 1, args.token)  # warm-up
        results: dict[tuple[str, int], list[Cell]] = {}
        loads: list[float] = []
        for run in range(args.runs):
            for name, url in targets.items():
                for connections in (1, 32):
                    cell = wrk(url, connections, args.duration, args.token)
                    results.setdefault((name, connections), []).append(cell)
                    # NOTE: the 1-minute load average right after the cell: the machine is
                    # shared, and other work changes every figure.
                    loads.append(os.getloadavg()[0])
                    print(
                        f"run {run + 1}: {name:<18} c={connections:<2} {cell.rps:>9.0f} rps"
                        f"  p50 {cell.p50_ms:.2f} ms  p99 {cell.p99_ms:.2f} ms  load {loads[-1]:.2f}",
                        flush=True,
                    )

        def median(name: str, connections: int, field: str) -> float:
            return float(statistics.median(getattr(cell, field) for cell in results[(name, connections)]))

        token = "a token the gateway signed" if args.signed else ("the token given" if args.token else "no token")
        print(
            f"\nmedians of {args.runs} run(s) of {args.duration} s, GET {PATH}, 1 uvicorn worker per process,"
            f" {token}, gateway log level {args.log_level}"
        )
        print(
            f"1-minute load average after each cell: median {statistics.median(loads):.2f},"
            f" min {min(loads):.2f}, max {max(loads):.2f} (2 cores: above 2, other work shares them)\n"
        )
        print(
            "| path | rps c=1 | p50 c=1 | p99 c=1 | rps c=32 | p50 c=32 | p99 c=32"
            " | throughput vs direct (c=32) | vs nginx (c=32) | added p50 (c=1) |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        direct_rps = median("direct", 32, "rps")
        nginx_rps = median("nginx (keepalive)", 32, "rps")
        direct_p50 = median("direct", 1, "p50_ms")
        for name in targets:
            one = f"{median(name, 1, 'rps'):.0f} | {median(name, 1, 'p50_ms'):.2f} ms | {median(name, 1, 'p99_ms'):.2f} ms"
            many = f"{median(name, 32, 'rps'):.0f} | {median(name, 32, 'p50_ms'):.2f} ms | {median(name, 32, 'p99_ms'):.2f} ms"
            rps = median(name, 32, "rps")
            ratios = f"{rps / direct_rps:.2f} | {rps / nginx_rps:.2f} | {median(name, 1, 'p50_ms') - direct_p50:+.2f} ms"
            print(f"| {name} | {one} | {many} | {ratios} |")
        # NOTE: each run's ratio against direct in the same run: other work on a shared machine
        # moves whole runs up and down together, which a ratio of medians does not cancel.
        print("\nper-run ratios (each run against direct in the same run): c=32 throughput, added p50 at c=1")
        for name in targets:
            if name == "direct":
                continue
            many_pairs = zip(results[(name, 32)], results[("direct", 32)], strict=True)
            one_pairs = zip(results[(name, 1)], results[("direct", 1)], strict=True)
            throughput = [mine.rps / direct.rps for mine, direct in many_pairs]
            added = [mine.p50_ms - direct.p50_ms for mine, direct in one_pairs]
            print(
                f"  {name}: {' '.join(f'{r:.2f}' for r in throughput)} (median {statistics.median(throughput):.2f});"
                f" {' '.join(f'{a:+.2f}' for a in added)} ms (median {statistics.median(added):+.2f} ms)"
            )

        if args.idle_check > 0:
            print(f"\nidle-gap check: {args.idle_check:.0f} s of 20-request bursts with ~5 s idle gaps, per path", flush=True)
            errors: dict[str, list[str]] = {}
            threads = [
                threading.Thread(target=idle_gap_check, args=(url, args.idle_check, args.token, errors, name))
                for name, url in targets.items()
                if name != "direct"
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for name, outcome in errors.items():
                print(f"  {name}: {outcome[0]}, {len(outcome) - 1} errors {outcome[1:4] if len(outcome) > 1 else ''}")

        size = args.stream_mb * 1024 * 1024
        print(f"\npeak RSS growth while streaming {args.stream_mb} MB through the gateway:")
        for client, process in gateways.items():
            print(f"  gateway, {client}: {stream_peak_rss(urls[client], process.pid, size, args.token):.1f} MB")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
