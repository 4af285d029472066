#!/usr/bin/env python3
"""Benchmark the change feed on PostgreSQL: the outbox's cost on a write, the relay, commit to receipt.

Needs PostgreSQL (``HAICAP_TEST_POSTGRES_URL``, default postgres on 127.0.0.1:5432), NATS with
JetStream on 127.0.0.1:4222 (``--nats``), and the installed repository (``make install``). It
creates a database of its own, migrates it with personnel's migrations, and drops it at the
end; the JetStream stream it publishes to is deleted at the end as well. All traffic is to
127.0.0.1, and every part is bounded in time (a few minutes in all with the defaults).

    .venv/bin/python bench/events.py
    .venv/bin/python bench/events.py --writes 400 --relay-events 5000 --steady-seconds 10

In one run it measures:

- **(a) the outbox's cost on a write**: ``POST /placements`` (personnel's app in process,
  with a token, a new person each time) with its events written and without (the same app
  and code path, its audit trail's outbox taken away, ``app.state.audit.outbox = None``),
  in alternating rounds: the p50 latency one at a time, and the throughput of
  ``--concurrency`` writers at once. Goal: with events at most 15% slower.
- **(b) relay throughput**: ``--relay-events`` events already in the outbox delivered by one
  ``haicap-personnel relay`` process to JetStream, and (fewer, ``--webhook-events``) to a
  webhook receiver on loopback, in events per second from the relay's start to the last one
  delivered. Goal: at least 2,000 events/s to JetStream.
- **(c) commit to receipt**: ``--rate`` transactions per second for ``--steady-seconds``, each
  writing one placement's event through the outbox (``Outbox.write``, as the audit trail does
  in a write's transaction), the relay running, a JetStream subscriber receiving; latency is the
  receipt time minus the time the commit returned: p50 and p99 (and from the event's ``time``,
  taken before the transaction waited for the outbox's lock). Goal: p99 at most 1 s. The relay polls when idle every
  ``HAICAP_EVENTS_RELAY_IDLE_SECONDS`` (default 0.5 s), which bounds the p50 from below.

Everything shares the machine (PostgreSQL, NATS, the relay, this process): the load average is
printed at the start and the end; the figures mean little when it is above the CPU count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

# NOTE: run as a script, this file's folder comes first on sys.path and its name would hide
# the events package of haicap_shared's users; the folder holds nothing else to import.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import nats  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from nats.js.api import DeliverPolicy  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from haicap_personnel.app import create_app  # noqa: E402
from haicap_personnel.cli import MIGRATIONS  # noqa: E402
from haicap_personnel.settings import PersonnelSettings  # noqa: E402
from haicap_shared.auth import system_principal  # noqa: E402
from haicap_shared.db import create_engine  # noqa: E402
from haicap_shared.events.outbox import Outbox  # noqa: E402
from haicap_shared.migrations import upgrade_to_head  # noqa: E402
from haicap_shared.roles import Area, Role  # noqa: E402
from haicap_shared.testing import create_postgres_database, drop_postgres_database, postgres_admin_url  # noqa: E402
from haicap_shared.tokens import TokenIssuer, generate_private_key, jwks  # noqa: E402

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
POSITIONS = 20
"""Approved positions the placements are spread over (10,000 posts each)."""

SEED = """
INSERT INTO job_position (id, created_at, updated_at, version, title, search_key, "group", required_education,
    required_fields, posts, status, agency_id, province_code, commune_code, agency_level, unit_id)
SELECT ('00000000-0000-0000-0001-' || lpad(n::text, 12, '0'))::uuid, now(), now(), 1, 'Chuyên viên', 'chuyen vien',
    'professional', 'university', '[]', 10000, 'approved',
    ('00000000-0000-0000-0002-' || lpad(n::text, 12, '0'))::uuid, '04', '01' || lpad((300 + n)::text, 3, '0'),
    'commune', ('00000000-0000-0000-0003-' || lpad(n::text, 12, '0'))::uuid
FROM generate_series(1, {positions}) AS n;
INSERT INTO person (id, created_at, updated_at, version, category, full_name, search_key, birth_date, sex,
    national_id, education_level, political_theory, state_management,
    agency_id, province_code, commune_code, agency_level, unit_id)
SELECT gen_random_uuid(), now(), now(), 1, 'civil_servant', 'Người ' || n, 'nguoi ' || n, DATE '1985-01-01', 'male',
    '004085' || lpad(n::text, 6, '0'), 'university', 'none', 'none',
    ('00000000-0000-0000-0002-' || lpad((1 + n % {positions})::text, 12, '0'))::uuid, '04',
    '01' || lpad((301 + n % {positions})::text, 3, '0'), 'commune',
    ('00000000-0000-0000-0003-' || lpad((1 + n % {positions})::text, 12, '0'))::uuid
FROM generate_series(1, {people}) AS n;
ANALYZE person; ANALYZE job_position;
"""

COPY_EVENTS = """
INSERT INTO event_outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, province_code, commune_code, agency_id)
SELECT g.id, o.aggregatetype, o.aggregateid, o.type,
    jsonb_set(o.payload::jsonb, '{id}', to_jsonb(g.id::text))::json, now(), o.province_code, o.commune_code, o.agency_id
FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1::int) AS n) AS g
JOIN (SELECT *, row_number() OVER (ORDER BY sequence) - 1 AS k, count(*) OVER () AS total FROM event_outbox) AS o
  ON o.k = g.n % o.total
ORDER BY g.n
"""
"""``$1`` more events, copies of those already written (each with an id of its own), in one statement."""


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class People:
    """The seeded people's ids, handed out once each: a person gets one primary placement."""

    def __init__(self, ids: list[uuid.UUID], positions: list[uuid.UUID]) -> None:
        self.ids = ids
        self.positions = positions
        self.taken = 0

    def next_body(self) -> dict[str, str]:
        if self.taken >= len(self.ids):
            raise RuntimeError("not enough seeded people: raise --people")
        person = self.ids[self.taken]
        position = self.positions[self.taken % len(self.positions)]
        self.taken += 1
        return {"person_id": str(person), "position_id": str(position), "valid_from": "2025-07-01"}


async def place(client: httpx.AsyncClient, people: People) -> float:
    """One placement through the app; its latency in seconds."""
    body = people.next_body()
    started = time.perf_counter()
    response = await client.post("/placements", json=body)
    took = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"POST /placements: {response.status_code} {response.text}")
    return took


async def sequential(client: httpx.AsyncClient, people: People, count: int) -> list[float]:
    return [await place(client, people) for _ in range(count)]


async def concurrent(client: httpx.AsyncClient, people: People, count: int, workers: int) -> float:
    """Placements per second of ``workers`` writers making ``count`` placements between them."""
    left = count

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await place(client, people)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return count / (time.perf_counter() - started)


async def outbox_overhead(
    app: FastAPI, client: httpx.AsyncClient, people: People, args: argparse.Namespace
) -> dict[str, tuple[float, float]]:
    """(a): mode -> (median of the rounds' p50 latency in ms, median of their throughput per s)."""
    trail = app.state.audit
    outbox = trail.outbox
    if outbox is None:
        raise RuntimeError("personnel's app has no outbox: its catalogue is not wired (create_service_app(events=...))")
    # NOTE: one warm-up round of each, not counted (connections, caches, JIT-less but import-heavy first calls).
    for on in (True, False):
        trail.outbox = outbox if on else None
        await sequential(client, people, 50)
    p50s: dict[str, list[float]] = {"with events": [], "without": []}
    rates: dict[str, list[float]] = {"with events": [], "without": []}
    per_round = max(1, args.writes // args.rounds)
    for n in range(args.rounds):
        # NOTE: alternating which mode goes first, so a drift of the machine during the run
        # (autovacuum, a growing table) weighs on both alike.
        for on in (True, False) if n % 2 == 0 else (False, True):
            trail.outbox = outbox if on else None
            mode = "with events" if on else "without"
            latencies = await sequential(client, people, per_round)
            p50s[mode].append(statistics.median(latencies) * 1000)
            rates[mode].append(await concurrent(client, people, per_round, args.concurrency))
    trail.outbox = outbox
    return {mode: (statistics.median(p50s[mode]), statistics.median(rates[mode])) for mode in p50s}


async def bench(args: argparse.Namespace) -> None:
    url = await create_postgres_database("haicap_bench_events")
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    results: list[tuple[str, str]] = []
    try:
        await upgrade_to_head(MIGRATIONS, url)
        raw = await asyncpg.connect(plain)
        needed = args.writes * 2 + 200 + int(args.rate * args.steady_seconds) + 100
        await raw.execute(SEED.format(people=needed, positions=POSITIONS))
        people = People(
            [row[0] for row in await raw.fetch("SELECT id FROM person ORDER BY national_id")],
            [row[0] for row in await raw.fetch("SELECT id FROM job_position ORDER BY id")],
        )
        print(f"PostgreSQL at {postgres_admin_url()}; {len(people.ids):,} people seeded; load {load_average()}", flush=True)

        key = generate_private_key()
        settings = PersonnelSettings(database_url=url, jwks=json.dumps(jwks(key.public_key())))
        token, _ = TokenIssuer(key).issue(subject="bench", username="bench", role=Role.ADMIN, area=Area(), ttl_seconds=3600)
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as client,
        ):
            print(f"(a) {args.writes:,} placements per mode in {args.rounds} rounds...", flush=True)
            overhead = await outbox_overhead(app, client, people, args)
            (on_p50, on_rate), (off_p50, off_rate) = overhead["with events"], overhead["without"]
            results += [
                ("(a) POST /placements p50, one at a time: with events / without", f"{on_p50:.2f} ms / {off_p50:.2f} ms"),
                ("(a) p50 with / without", f"**{on_p50 / off_p50:.2f}** (goal <= 1.15)"),
                (
                    f"(a) placements/s, {args.concurrency} writers: with events / without",
                    f"{on_rate:,.0f} / {off_rate:,.0f}",
                ),
                ("(a) throughput without / with", f"**{off_rate / on_rate:.2f}** (goal <= 1.15)"),
            ]
            await relay_figures(args, url, raw, client, app.state.audit.outbox, results)
        await raw.close()
    finally:
        await drop_postgres_database(url)
        # NOTE: what was measured is printed even when a later part failed.
        print(f"\nload average at the end: {load_average()}")
        print("\n| measure | value |\n| --- | ---: |")
        for name, value in results:
            print(f"| {name} | {value} |")


def relay_env(args: argparse.Namespace, *, nats_url: str, stream_prefix: str) -> dict[str, str]:
    """This environment without any HAICAP_* setting, and the relay's NATS settings (none: webhooks only)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    env["HAICAP_EVENTS_NATS_STREAM_PREFIX"] = stream_prefix
    if nats_url:
        env["HAICAP_EVENTS_NATS_URL"] = nats_url
    return env


class Process:
    """A process of the bench (a relay, the webhook receiver), its output in a log file; stopped by SIGTERM."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path, *, first_line: bool = False) -> None:
        """``first_line``: standard output is a pipe for :meth:`first_line` (only one line is ever written there)."""
        self.log = log
        self._file = log.open("ab")
        stdout = subprocess.PIPE if first_line else self._file
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=stdout, stderr=self._file)  # noqa: S603

    def first_line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().decode()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._file.close()

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])


def start_relay(url: str, service: str, env: dict[str, str], log: Path) -> Process:
    command = [str(BIN / "python"), "-m", "haicap_shared.events.relay", "--database-url", url, "--service", service]
    return Process(command, env, log)


async def latest_sequence(raw: asyncpg.Connection) -> int:
    return int(await raw.fetchval("SELECT coalesce(max(sequence), 0) FROM event_outbox"))


async def caught_up(raw: asyncpg.Connection, destination: str, target: int, within_seconds: float, relay: Process) -> float:
    """Seconds until ``destination`` has delivered through ``target``; raises past ``within_seconds`` or if the relay exits."""
    started = time.perf_counter()
    while True:
        through = await raw.fetchval("SELECT delivered_through FROM event_destination WHERE name = $1", destination)
        if through is not None and through >= target:
            return time.perf_counter() - started
        if relay.process.poll() is not None:
            raise RuntimeError(f"the relay exited ({relay.process.returncode}):\n{relay.tail()}")
        if time.perf_counter() - started > within_seconds:
            raise TimeoutError(f"{destination} at {through} of {target} after {within_seconds:.0f} s:\n{relay.tail()}")
        await asyncio.sleep(0.02)


async def copy_events(raw: asyncpg.Connection, count: int) -> int:
    """``count`` more events in the outbox, committed at once; the latest sequence after them."""
    await raw.execute(COPY_EVENTS, count)
    return await latest_sequence(raw)


async def steady_writes(
    outbox: Outbox, url: str, record: dict[str, Any], rate: float, seconds: float, committed: dict[str, float]
) -> float:
    """(c)'s writer: a transaction writing one placement's event every 1/rate s; the writes/s achieved.

    ``committed`` gets each placement id's commit time (Unix seconds, when the commit returned).

    NOTE: through :meth:`Outbox.write`, as the audit trail calls it in a write's transaction, and
    not through ``POST /placements``: one Python process serving the whole API route cannot write
    200 placements a second on a small machine, and what is measured here is the way from a
    commit to a subscriber, which is the same whatever else the transaction wrote.
    """
    engine = create_engine(url, pool_size=20)
    principal = system_principal("bench")
    count = int(rate * seconds)

    async def write() -> None:
        placement_id = uuid.uuid4()
        async with AsyncSession(engine) as session:
            await outbox.write(
                session,
                principal,
                entity_type="placement",
                action="create",
                changes=[(placement_id, None, record | {"id": str(placement_id)})],
            )
            await session.commit()
        committed[str(placement_id)] = time.time()

    try:
        started = time.perf_counter()
        tasks: list[asyncio.Task[None]] = []
        for n in range(count):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(write()))
        await asyncio.gather(*tasks)
        return count / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def relay_figures(
    args: argparse.Namespace,
    url: str,
    raw: asyncpg.Connection,
    client: httpx.AsyncClient,
    outbox: Outbox,
    results: list[tuple[str, str]],
) -> None:
    """(b) to JetStream, (c) commit to receipt through JetStream, (b) to a webhook; their rows added to ``results``."""
    work = Path(tempfile.mkdtemp(prefix="haicap-bench-events-"))
    # NOTE: a service name and stream of the bench's own: subjects haicap.<name>.> cannot overlap
    # another stream's on the same server (a running stack's personnel).
    service = f"bench{uuid.uuid4().hex[:8]}"
    prefix = "BENCH"
    nc = await nats.connect(args.nats, connect_timeout=5)
    js = nc.jetstream()
    relay = start_relay(url, service, relay_env(args, nats_url=args.nats, stream_prefix=prefix), work / "relay-nats.log")
    try:
        backlog = await latest_sequence(raw)
        seconds = await caught_up(raw, "nats", backlog, 120, relay)
        print(f"(b) the relay published the {backlog:,} events of (a) in {seconds:.1f} s (its start included)", flush=True)
        target = await copy_events(raw, args.relay_events)
        seconds = await caught_up(raw, "nats", target, 300, relay)
        stream = await js.stream_info(f"{prefix}_{service.upper()}")
        assert stream.state.messages == target, (stream.state.messages, target)
        results.append(
            (
                f"(b) relay to JetStream, {args.relay_events:,} events from their commit",
                f"**{args.relay_events / seconds:,.0f} events/s** ({seconds:.1f} s; goal >= 2,000/s)",
            )
        )

        print(f"(c) {args.rate:.0f} placement events/s for {args.steady_seconds:.0f} s, a JetStream subscriber...", flush=True)
        received: list[tuple[float, dict[str, Any]]] = []
        last_written = [0]
        all_received = asyncio.Event()

        async def on_message(message: Any) -> None:
            event = json.loads(message.data)
            received.append((time.time(), event))
            if last_written[0] and int(event["sequence"]) >= last_written[0]:
                all_received.set()

        subscription = await js.subscribe(
            f"haicap.{service}.>", cb=on_message, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
        )
        payload = await raw.fetchval(
            "SELECT payload FROM event_outbox WHERE type = 'vn.gov.haicap.personnel.placement.created' LIMIT 1"
        )
        record = json.loads(payload)["data"]["record"]
        committed: dict[str, float] = {}
        achieved = await steady_writes(outbox, url, record, args.rate, args.steady_seconds, committed)
        last_written[0] = await latest_sequence(raw)
        await caught_up(raw, "nats", last_written[0], 60, relay)
        if received and int(received[-1][1]["sequence"]) >= last_written[0]:
            all_received.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_received.wait(), timeout=10)
        await subscription.unsubscribe()
        lags = [at - committed[event["partitionkey"]] for at, event in received if event["partitionkey"] in committed]
        # NOTE: the event's time is when it was written, before the transaction waited for the
        # outbox's lock and committed: from it, a backlog of writers would count as the relay's lag.
        written_to_receipt = [
            at - datetime.fromisoformat(event["time"]).timestamp() for at, event in received if event["partitionkey"] in committed
        ]
        results += [
            (f"(c) placement events written, {args.rate:.0f}/s asked for {args.steady_seconds:.0f} s", f"{achieved:,.0f}/s"),
            (
                f"(c) commit to receipt at a JetStream subscriber, {len(lags):,} of {len(committed):,} events",
                f"p50 **{percentile(lags, 0.5) * 1000:.0f} ms**, p99 **{percentile(lags, 0.99) * 1000:.0f} ms** "
                "(goal p99 <= 1,000 ms)",
            ),
            (
                "(c) from the event's time (before the commit) to receipt",
                f"p50 {percentile(written_to_receipt, 0.5) * 1000:.0f} ms, "
                f"p99 {percentile(written_to_receipt, 0.99) * 1000:.0f} ms",
            ),
        ]
    finally:
        relay.stop()
        with contextlib.suppress(Exception):
            await js.delete_stream(f"{prefix}_{service.upper()}")
        await nc.close()

    receiver = Process(
        [str(BIN / "python"), str(ROOT / "tests" / "webhook_receiver.py"), "--out", str(work / "received.jsonl")],
        dict(os.environ),
        work / "receiver.log",
        first_line=True,
    )
    relay = start_relay(url, service, relay_env(args, nats_url="", stream_prefix=prefix), work / "relay-webhook.log")
    try:
        port = int(receiver.first_line().split()[1])
        response = await client.post("/webhook-subscriptions", json={"url": f"http://{HOST}:{port}/hook"})
        if response.status_code != 201:
            raise RuntimeError(f"POST /webhook-subscriptions: {response.status_code} {response.text}")
        destination = f"webhook:{response.json()['id']}"
        target = await copy_events(raw, args.webhook_events)
        seconds = await caught_up(raw, destination, target, 300, relay)
        received_count = sum(1 for _ in (work / "received.jsonl").open())
        results.append(
            (
                f"(b) relay to a webhook on loopback, {args.webhook_events:,} events from their commit",
                f"**{args.webhook_events / seconds:,.0f} events/s** ({seconds:.1f} s; {received_count:,} POSTs received)",
            )
        )
    finally:
        relay.stop()
        receiver.stop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=600, help="placements per mode for (a) (default 600)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of (a) (default 4)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent writers for (a)'s throughput")
    parser.add_argument("--relay-events", type=int, default=50_000, help="events for (b) to JetStream (default 50,000)")
    parser.add_argument("--webhook-events", type=int, default=2_000, help="events for (b) to a webhook (default 2,000)")
    parser.add_argument("--rate", type=float, default=200.0, help="writes per second for (c) (default 200)")
    parser.add_argument("--steady-seconds", type=float, default=30.0, help="how long (c) writes (default 30 s)")
    parser.add_argument("--nats", default=f"nats://{HOST}:4222", help="NATS with JetStream (default 127.0.0.1:4222)")
    args = parser.parse_args(argv)
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
