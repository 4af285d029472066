#!/usr/bin/env python3
"""Benchmark the server stack and the gateway's hot path: direct vs nginx vs the gateway, per server stack.

Needs wrk and nginx (Debian: ``apt-get update && apt-get install -y wrk nginx-light``) and the
installed repository (``make install``). Everything runs on 127.0.0.1, one worker per process.
The upstream is the tiny ``haicap_gateway.echo`` app (FastAPI, a small JSON record at
``/units/by-code/04``, like org-structure's unit by code), so the figures show what the proxy
adds rather than what a database costs; ``--org`` adds org-structure itself on that route
(SQLite, Cao Bằng's units imported into a throwaway directory), the database-backed figure.

Each server stack serves its own echo, gateway (on aiohttp) and org-structure, with an nginx in
front of its echo: ``h11`` (uvicorn with h11 and asyncio's loop), ``httptools`` (uvicorn with
httptools and uvloop, what ``serve`` uses by default) and ``granian`` (granian's Rust HTTP
server, ASGI interface, uvloop), all measured one after the other in every run.

    .venv/bin/python bench/gateway.py --signed --org     # 3 runs of 10 s per cell, 60 s idle-gap check
    .venv/bin/python bench/gateway.py --signed --org --runs 3 --duration 5 --idle-check 20 --stream-mb 50
    .venv/bin/python bench/gateway.py --stacks httptools --signed --httpx   # one stack, and the gateway on httpx
    .venv/bin/python bench/gateway.py --token "$TOKEN"  # adds Authorization: Bearer <token>

``--signed``: the gateways sign with a new key and every request carries a token it signed
(checked at the gateway, and by org-structure, which trusts that key), like real callers.

Prints: requests per second and p50/p99 latency at 1 and 32 connections for each path and
stack, the ratios vs the first stack, vs direct and vs nginx (medians, and each run against
its peer in the same run), the load average, what encoding a response's JSON costs with the
standard library and with orjson (``--org``), connection errors over a run with idle gaps of
about 5 s (the keep-alive race), and each gateway's peak RSS while streaming a large response.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
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
{servers}}}
"""
# NOTE: one server per stack, in front of that stack's direct upstream, with upstream keep-alive
# (all three settings are needed: without HTTP/1.1 and an empty Connection header, nginx closes each
# upstream connection after one request whatever ``keepalive`` says).
NGINX_SERVER = """
    upstream echo_{name} {{
        server {host}:{upstream_port};
        keepalive 64;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://echo_{name};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }}
    }}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
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
    requests: int = 0
    cpu_us: float = 0.0
    """CPU time (user and system) the serving process spent per request: what load on a shared machine changes least."""


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    except (AttributeError, ValueError) as exc:
        raise SystemExit(f"cannot read wrk's output for {url} at {connections} connections:\n{out}") from exc
    return Cell(rps, p50, p99, requests)


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


@dataclass(frozen=True)
class Stack:
    """How a process is served: uvicorn with a parser and a loop, or granian."""

    name: str
    label: str
    http: str = ""
    loop: str = ""
    granian: bool = False

    def command(self, port: int, *, uvicorn: list[str], factory: str) -> list[str]:
        """The command serving ``factory`` (``module:function``) on ``port``; ``uvicorn`` is the project's own command."""
        if not self.granian:
            return [*uvicorn, "--port", str(port), "--http", self.http, "--loop", self.loop]
        return [
            str(BIN / "granian"),
            "--interface",
            "asgi",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--no-access-log",
            "--log-level",
            "warning",
            "--factory",
            factory,
        ]


STACKS = {
    "h11": Stack("h11", "uvicorn, h11 + asyncio", "h11", "asyncio"),
    "uvloop": Stack("uvloop", "uvicorn, h11 + uvloop", "h11", "uvloop"),
    "httptools": Stack("httptools", "uvicorn, httptools + uvloop (what serve runs)", "httptools", "uvloop"),
    "granian": Stack("granian", "granian 2.8 (ASGI, uvloop)", granian=True),
}


def served_pid(process: subprocess.Popen[bytes]) -> int:
    """The process that serves requests: granian's worker (its only child), else the process itself."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return int(kids[0]) if kids else process.pid


def encode_figures(body: bytes, repeat: int = 200) -> str:
    """What encoding ``body``'s JSON costs: the standard library as Starlette's JSONResponse renders it, and orjson."""
    try:
        import orjson
    except ImportError:
        return f"{len(body) / 1024:.0f} KB: orjson is not installed (.venv/bin/pip install orjson==3.13.0)"

    value = json.loads(body)

    def stdlib() -> bytes:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()

    def fast() -> bytes:
        return orjson.dumps(value)

    same = json.loads(stdlib()) == json.loads(fast())
    timings = {}
    for name, encode in (("json (stdlib)", stdlib), ("orjson", fast)):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(repeat):
                encode()
            times.append((time.perf_counter() - started) / repeat * 1000)
        timings[name] = statistics.median(times)
    ratio = timings["json (stdlib)"] / timings["orjson"]
    return (
        f"{len(body) / 1024:.0f} KB: json (stdlib) {timings['json (stdlib)']:.3f} ms, orjson {timings['orjson']:.3f} ms"
        f" ({ratio:.1f}x), same JSON values: {same}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk cell (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are printed (default 3)")
    parser.add_argument(
        "--stacks",
        default="h11,uvloop,httptools,granian",
        help=f"server stacks to compare, of {', '.join(STACKS)} (default: all; httptools and granian when installed)",
    )
    parser.add_argument("--idle-check", type=float, default=60.0, help="seconds of the idle-gap check (0: skip)")
    parser.add_argument("--stream-mb", type=int, default=200, help="size of the streamed response (default 200 MB; 0: skip)")
    parser.add_argument(
        "--log-level", default="WARNING", help="the gateways' log level (INFO: one access-log line per request; default WARNING)"
    )
    parser.add_argument("--token", default=None, help="a bearer token sent with every request")
    parser.add_argument(
        "--signed", action="store_true", help="give the gateways a new signing key and send a token it signed (like real callers)"
    )
    parser.add_argument("--httpx", action="store_true", help="also the gateway on httpx (first stack only)")
    parser.add_argument(
        "--org",
        action="store_true",
        help="also org-structure itself (SQLite, Cao Bằng's units) on a database-backed route, per stack (needs --signed)",
    )
    args = parser.parse_args(argv)
    stacks = [STACKS[name.strip()] for name in args.stacks.split(",") if name.strip()]
    # NOTE: granian is not haicap's dependency: measured only when installed (.venv/bin/pip
    # install granian==2.8.9). httptools is (haicap-shared's), but an environment may lack it.
    missing = {"httptools": importlib.util.find_spec("httptools") is None, "granian": not (BIN / "granian").exists()}
    for name in [stack.name for stack in stacks if missing.get(stack.name)]:
        print(f"{name} is not installed: left out (.venv/bin/pip install {name})", file=sys.stderr)
    stacks = [stack for stack in stacks if not missing.get(stack.name)]
    signing_pem = ""
    org_jwks = ""
    if args.signed:
        from haicap_shared.roles import Area, Role
        from haicap_shared.tokens import TokenIssuer, generate_private_key, jwks, private_key_pem

        key = generate_private_key()
        signing_pem = private_key_pem(key)
        org_jwks = json.dumps(jwks(key.public_key()))
        # NOTE: an auditor: it reads units (org-structure refuses a viewer) and changes nothing.
        args.token, _ = TokenIssuer(key).issue(
            subject="bench", username="bench", role=Role.AUDITOR, area=Area(), ttl_seconds=3600
        )
    if args.org and not args.signed:
        raise SystemExit("--org needs --signed (org-structure answers 401 without a token it trusts)")
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get update && apt-get install -y wrk nginx-light")

    tmp = Path(tempfile.mkdtemp(prefix="haicap-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAICAP_")}
    gateway_cli = str(BIN / "haicap-gateway")
    org_cli = str(BIN / "haicap-org")
    ports = {(role, stack.name): free_port() for stack in stacks for role in ("direct", "nginx", "gateway", "org")}
    httpx_port = free_port()

    def url(role: str, stack: Stack) -> str:
        return f"http://{HOST}:{ports[(role, stack.name)]}"

    def gateway_env(name: str, port: int, upstream: str, client: str) -> dict[str, str]:
        return (
            env
            | {
                "HAICAP_GATEWAY_PORT": str(port),
                "HAICAP_GATEWAY_VAR_DIR": str(tmp / name),
                "HAICAP_GATEWAY_UPSTREAM_CLIENT": client,
                "HAICAP_GATEWAY_ORG_URL": upstream,
                "HAICAP_GATEWAY_LOG_LEVEL": args.log_level,
            }
            | ({"HAICAP_GATEWAY_JWT_PRIVATE_KEY": signing_pem} if signing_pem else {})
        )

    org_env = env | {"HAICAP_ORG_VAR_DIR": str(tmp / "org"), "HAICAP_ORG_JWKS": org_jwks, "HAICAP_ORG_LOG_LEVEL": "WARNING"}
    if args.org:
        subprocess.run([org_cli, "migrate"], env=org_env, check=True, capture_output=True)  # noqa: S603
        subprocess.run([org_cli, "import-units", "--province", "04"], env=org_env, check=True, capture_output=True)  # noqa: S603

    conf = tmp / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    servers = "".join(
        NGINX_SERVER.format(
            name=stack.name, host=HOST, port=ports[("nginx", stack.name)], upstream_port=ports[("direct", stack.name)]
        )
        for stack in stacks
    )
    conf.write_text(NGINX_CONF.format(user=user, tmp=tmp, servers=servers))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"

    with ExitStack() as stack_of_processes:

        def start(command: list[str], health: str, process_env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
            return stack_of_processes.enter_context(running(command, health, process_env, tmp / log))

        targets: dict[str, tuple[Stack, str, str]] = {}
        gateways: dict[str, subprocess.Popen[bytes]] = {}
        serving: dict[str, subprocess.Popen[bytes]] = {}
        for stack in stacks:
            echo = stack.command(
                ports[("direct", stack.name)],
                uvicorn=[sys.executable, "-m", "haicap_gateway.echo"],
                factory="haicap_gateway.echo:create_echo_app",
            )
            serving[f"direct, {stack.name}"] = start(echo, url("direct", stack) + "/healthz", env, f"echo-{stack.name}.log")
            name = f"gateway-{stack.name}"
            gateway_port = ports[("gateway", stack.name)]
            process_env = gateway_env(name, gateway_port, url("direct", stack), "aiohttp")
            subprocess.run([gateway_cli, "migrate"], env=process_env, check=True, capture_output=True)  # noqa: S603
            command = stack.command(gateway_port, uvicorn=[gateway_cli, "serve"], factory="haicap_gateway.app:create_app")
            gateways[stack.name] = start(command, url("gateway", stack) + "/healthz", process_env, f"{name}.log")
            serving[f"gateway, {stack.name}"] = gateways[stack.name]
            targets[f"direct, {stack.name}"] = (stack, "direct", url("direct", stack) + PATH)
            targets[f"nginx, {stack.name}"] = (stack, "nginx", url("nginx", stack) + PATH)
            targets[f"gateway, {stack.name}"] = (stack, "gateway", url("gateway", stack) + GATEWAY_PATH)
            if args.org:
                command = stack.command(
                    ports[("org", stack.name)], uvicorn=[org_cli, "serve"], factory="haicap_org_structure.app:create_app"
                )
                serving[f"org-structure, {stack.name}"] = start(
                    command, url("org", stack) + "/healthz", org_env, f"org-{stack.name}.log"
                )
                targets[f"org-structure, {stack.name}"] = (stack, "org-structure", url("org", stack) + PATH)
        start([nginx, "-p", str(tmp), "-c", str(conf)], url("nginx", stacks[0]) + "/healthz", env, "nginx.log")
        if args.httpx:
            first = stacks[0]
            process_env = gateway_env("gateway-httpx", httpx_port, url("direct", first), "httpx")
            subprocess.run([gateway_cli, "migrate"], env=process_env, check=True, capture_output=True)  # noqa: S603
            command = first.command(httpx_port, uvicorn=[gateway_cli, "serve"], factory="haicap_gateway.app:create_app")
            serving[f"gateway httpx, {first.name}"] = start(
                command, f"http://{HOST}:{httpx_port}/healthz", process_env, "gateway-httpx.log"
            )
            targets[f"gateway httpx, {first.name}"] = (first, "gateway httpx", f"http://{HOST}:{httpx_port}{GATEWAY_PATH}")

        for _, _, target in targets.values():
            wrk(target, 8, 1, args.token)  # warm-up
        results: dict[tuple[str, int], list[Cell]] = {}
        loads: list[float] = []
        for run in range(args.runs):
            for name, (_, _, target) in targets.items():
                for connections in (1, 32):
                    # NOTE: nginx's CPU is not counted (its worker is not ours to find reliably).
                    pid = served_pid(serving[name]) if name in serving else None
                    before = cpu_seconds(pid) if pid else 0.0
                    cell = wrk(target, connections, args.duration, args.token)
                    if pid and cell.requests:
                        cell.cpu_us = (cpu_seconds(pid) - before) * 1e6 / cell.requests
                    results.setdefault((name, connections), []).append(cell)
                    # NOTE: the 1-minute load average right after the cell: the machine is
                    # shared, and other work changes every figure.
                    loads.append(os.getloadavg()[0])
                    print(
                        f"run {run + 1}: {name:<24} c={connections:<2} {cell.rps:>9.0f} rps"
                        f"  p50 {cell.p50_ms:.2f} ms  p99 {cell.p99_ms:.2f} ms  CPU {cell.cpu_us:.0f} µs/request"
                        f"  load {loads[-1]:.2f}",
                        flush=True,
                    )

        def median(name: str, connections: int, field: str) -> float:
            return float(statistics.median(getattr(cell, field) for cell in results[(name, connections)]))

        def baseline(name: str) -> str | None:
            """The same role under the first stack (the stacks' comparison), if this is another stack's."""
            stack, role, _ = targets[name]
            other = f"{role}, {stacks[0].name}"
            return other if stack != stacks[0] and other in targets and role != "gateway httpx" else None

        token = "a token the gateway signed" if args.signed else ("the token given" if args.token else "no token")
        print(
            f"\nmedians of {args.runs} run(s) of {args.duration} s, GET {PATH}, 1 worker per process, {token},"
            f" gateway log level {args.log_level}, gateways on aiohttp unless named"
        )
        print("stacks: " + "; ".join(f"{s.name} = {s.label}" for s in stacks))
        print(
            f"1-minute load average after each cell: median {statistics.median(loads):.2f},"
            f" min {min(loads):.2f}, max {max(loads):.2f} (2 cores: above 2, other work shares them)\n"
        )
        print(
            "| path, stack | rps c=1 | p50 c=1 | p99 c=1 | rps c=32 | p50 c=32 | p99 c=32"
            f" | c=32 vs the same under {stacks[0].name} | throughput vs direct (c=32) | vs nginx (c=32) | added p50 (c=1)"
            " | CPU per request (c=32) |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, (stack, role, _) in targets.items():
            one = f"{median(name, 1, 'rps'):.0f} | {median(name, 1, 'p50_ms'):.2f} ms | {median(name, 1, 'p99_ms'):.2f} ms"
            many = f"{median(name, 32, 'rps'):.0f} | {median(name, 32, 'p50_ms'):.2f} ms | {median(name, 32, 'p99_ms'):.2f} ms"
            rps = median(name, 32, "rps")
            other_stack = baseline(name)
            versus_first = f"{rps / median(other_stack, 32, 'rps'):.2f}" if other_stack else "-"
            if role in ("nginx", "gateway", "gateway httpx"):
                direct = f"direct, {stack.name}"
                added = median(name, 1, "p50_ms") - median(direct, 1, "p50_ms")
                nginx_rps = median(f"nginx, {stack.name}", 32, "rps")
                ratios = f"{rps / median(direct, 32, 'rps'):.2f} | {rps / nginx_rps:.2f} | {added:+.2f} ms"
            else:
                ratios = "- | - | -"
            cpu = f"{median(name, 32, 'cpu_us'):.0f} µs" if name in serving else "-"
            print(f"| {name} | {one} | {many} | {versus_first} | {ratios} | {cpu} |")
        # NOTE: each run's ratio against its peer in the same run: other work on a shared
        # machine moves whole runs up and down together, which a ratio of medians does not cancel.
        print("\nper-run ratios (each against its peer in the same run): c=32 throughput; added p50 at c=1")
        for name, (stack, role, _) in targets.items():
            pairs: list[tuple[str, str]] = []
            if role in ("nginx", "gateway", "gateway httpx"):
                pairs.append((f"direct, {stack.name}", "direct"))
            if (other_stack := baseline(name)) is not None:
                pairs.append((other_stack, stacks[0].name))
            for other, label in pairs:
                many_pairs = zip(results[(name, 32)], results[(other, 32)], strict=True)
                one_pairs = zip(results[(name, 1)], results[(other, 1)], strict=True)
                throughput = [mine.rps / theirs.rps for mine, theirs in many_pairs]
                added_ms = [mine.p50_ms - theirs.p50_ms for mine, theirs in one_pairs]
                print(
                    f"  {name} vs {label}: {' '.join(f'{r:.2f}' for r in throughput)}"
                    f" (median {statistics.median(throughput):.2f});"
                    f" {' '.join(f'{a:+.2f}' for a in added_ms)} ms (median {statistics.median(added_ms):+.2f} ms)"
                )

        if args.org:
            headers = {"Authorization": f"Bearer {args.token}"}
            with httpx.Client(timeout=30, trust_env=False, headers=headers) as client:
                unit_body = client.get(url("org", stacks[0]) + PATH).content
                page = client.get(url("org", stacks[0]) + "/units?province=04&limit=500&as_of=2025-08-01").content
            print("\nencoding a response's JSON (the body re-encoded in process, median of 5 x 200):")
            print(f"  one unit (GET {PATH}), {encode_figures(unit_body)}")
            print(f"  a page of 500 units (GET /units?province=04&limit=500), {encode_figures(page)}")

        if args.idle_check > 0:
            print(f"\nidle-gap check: {args.idle_check:.0f} s of 20-request bursts with ~5 s idle gaps, per path", flush=True)
            errors: dict[str, list[str]] = {}
            threads = [
                threading.Thread(target=idle_gap_check, args=(target, args.idle_check, args.token, errors, name))
                for name, (_, role, target) in targets.items()
                if role in ("nginx", "gateway", "gateway httpx")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for name, outcome in errors.items():
                print(f"  {name}: {outcome[0]}, {len(outcome) - 1} errors {outcome[1:4] if len(outcome) > 1 else ''}")

        if args.stream_mb > 0:
            size = args.stream_mb * 1024 * 1024
            print(f"\npeak RSS growth while streaming {args.stream_mb} MB through the gateway:")
            for stack in stacks:
                pid = served_pid(gateways[stack.name])
                print(f"  gateway, {stack.name}: {stream_peak_rss(url('gateway', stack), pid, size, args.token):.1f} MB")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
