"""Scale-out for real: two replicas of org-structure and of personnel on one PostgreSQL, one killed mid-run.

Every process of the stack runs on loopback (tools/run_stack.py's Stack), each on its own
fresh PostgreSQL database (created here, dropped at the end): org-structure and personnel
twice each, on the same database per service; the gateway is given both replicas of each
(comma-separated URLs). Four clients send a bounded load through the gateway: 200 writes,
half of them agency creations at org-structure and half people recorded at personnel, each
with an Idempotency-Key and retried with the same key after a failure, one in ten sent once
more on purpose after it succeeded; and reads of org-structure and of personnel. When a
third of the writes are acknowledged, the second org-structure replica is killed (SIGKILL:
a crash) and the second personnel replica stopped (SIGTERM: what a rolling update does).
Then, in the database and through the API: every acknowledged write is there exactly once,
with one audit event; every repeat was replayed, not doubled; every read succeeded.
"""

import asyncio
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest

from haicap_shared import testing as shared_testing

from .stack_support import GATEWAY, ONE_STOP_PORT_SETTING, RECEIVER_PORT_SETTING, SERVICES, Stack, free_ports, sign_in

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif("postgresql" not in shared_testing.test_backends(), reason="HAICAP_TEST_BACKENDS leaves PostgreSQL out"),
]

WRITES = 200
CLIENTS = 4
READS_PER_WRITE = 2
REPEAT_EVERY = 10
KILL_AFTER = WRITES // 3
TIME_LIMIT_SECONDS = 180.0
WRITE_ATTEMPTS = 6
NAME_PREFIX = "Scale-out agency"
PERSON_PREFIX = "Người thử"


def plain_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass
class Replicated:
    stack: Stack
    databases: dict[str, str]


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicated]:
    """The whole stack on PostgreSQL, with a second replica of org-structure and of personnel."""
    names = [spec.name for spec in (*SERVICES, GATEWAY) if spec.database]
    databases = {
        name: asyncio.run(shared_testing.create_postgres_database(f"haicap_scale_{name.replace('-', '_')}")) for name in names
    }
    try:
        env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
        ports = free_ports(len(SERVICES) + 1 + 4)
        for spec, port in zip((*SERVICES, GATEWAY), ports, strict=False):
            env[f"{spec.env_prefix}PORT"] = str(port)
            if spec.database:
                env[f"{spec.env_prefix}DATABASE_URL"] = plain_url(databases[spec.name])
        # NOTE: the stand-ins of the national platforms on free ports too (their defaults may be taken).
        env[RECEIVER_PORT_SETTING], env[ONE_STOP_PORT_SETTING] = str(ports[-4]), str(ports[-3])
        with Stack(env, tmp_path_factory.mktemp("scale-out"), startup_timeout_seconds=90) as stack:
            stack.prepare(province="04")
            stack.start(replicas={"org-structure": [ports[-2]], "personnel": [ports[-1]]})
            yield Replicated(stack, databases)
    finally:
        for url in databases.values():
            asyncio.run(shared_testing.drop_postgres_database(url))


@dataclass
class Tally:
    """What the clients saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> agency id
    replays: list[tuple[str, str, str]] = field(default_factory=list)  # key, first id, replayed id
    retried_writes: int = 0
    write_failures: Counter[str] = field(default_factory=Counter)
    reads: Counter[str] = field(default_factory=Counter)
    failed_reads: list[str] = field(default_factory=list)
    unacknowledged: list[str] = field(default_factory=list)


def person(number: int, agency_id: str) -> dict[str, str]:
    """A valid person: born in Cao Bằng (004) in 1985, a man (century/sex digit 0)."""
    return {
        "full_name": f"{PERSON_PREFIX} {number:03d}",
        "category": "civil_servant",
        "birth_date": "1985-03-01",
        "sex": "male",
        "education_level": "university",
        "national_id": f"004085{number:06d}",
        "agency_id": agency_id,
    }


def create(client: httpx.Client, path: str, key: str, body: dict[str, str], tally: Tally) -> httpx.Response | None:
    """POST with the Idempotency-Key, retried with the same key while the stack answers 5xx or not at all."""
    for attempt in range(WRITE_ATTEMPTS):
        if attempt:
            with tally.lock:
                tally.retried_writes += 1
            time.sleep(0.1 * attempt)
        try:
            response = client.post(path, json=body, headers={"Idempotency-Key": key})
        except httpx.TransportError as exc:
            with tally.lock:
                tally.write_failures[type(exc).__name__] += 1
            continue
        if response.status_code < 500:
            return response
        with tally.lock:
            tally.write_failures[str(response.status_code)] += 1
    return None


def client_loop(
    base_url: str,
    headers: dict[str, str],
    targets: tuple[str, str],
    jobs: list[int],
    tally: Tally,
    deadline: float,
    reads: list[str],
) -> None:
    unit_id, agency_id = targets
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            with tally.lock:
                if not jobs:
                    return
                number = jobs.pop()
            key = f"scale-out-{number:03d}-{uuid.uuid4().hex}"
            if number % 2:
                path, body = (
                    "/api/v1/org/agencies",
                    {"name": f"{NAME_PREFIX} {number:03d}", "kind": "provincial_department", "unit_id": unit_id},
                )
            else:
                path, body = "/api/v1/personnel/people", person(number, agency_id)
            response = create(client, path, key, body, tally)
            if response is None or response.status_code != 201:
                with tally.lock:
                    tally.unacknowledged.append(f"{number}: {response.status_code if response else 'no answer'}")
                continue
            with tally.lock:
                tally.acknowledged[key] = response.json()["id"]
            if number % REPEAT_EVERY == 0:
                # NOTE: a client that never saw the answer sends the same request again.
                again = create(client, path, key, body, tally)
                assert again is not None
                with tally.lock:
                    tally.replays.append((key, response.json()["id"], again.json()["id"] if again.status_code == 201 else ""))
                    if again.headers.get("idempotent-replayed") != "true":
                        tally.unacknowledged.append(f"{number}: the repeat was not a replay")
            for index in range(READS_PER_WRITE):
                path = reads[(number + index) % len(reads)]
                # NOTE: reads are not retried by the client: the gateway must make them succeed.
                try:
                    status = str(client.get(path).status_code)
                except httpx.TransportError as exc:
                    status = type(exc).__name__
                with tally.lock:
                    tally.reads[status] += 1
                    if status != "200":
                        tally.failed_reads.append(f"{path}: {status}")


def replica_states(client: httpx.Client) -> dict[str, list[str]]:
    body = client.get("/readyz").json()
    return {u["service"]: [r["state"] for r in u["replicas"]] for u in body["upstreams"]}


async def people_rows(url: str) -> tuple[list[tuple[str, int]], int, int]:
    connection = await asyncpg.connect(plain_url(url))
    try:
        names = await connection.fetch(
            "SELECT full_name, count(*) AS n FROM person WHERE full_name LIKE $1 GROUP BY full_name", f"{PERSON_PREFIX} %"
        )
        audits = await connection.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'create' AND entity_id IN "
            "(SELECT CAST(id AS varchar) FROM person WHERE full_name LIKE $1)",
            f"{PERSON_PREFIX} %",
        )
        keys = await connection.fetchval("SELECT count(*) FROM idempotency_key WHERE key LIKE 'scale-out-%'")
    finally:
        await connection.close()
    return [(r["full_name"], r["n"]) for r in names], int(audits), int(keys)


async def agency_rows(url: str) -> tuple[list[tuple[str, int]], int, int]:
    connection = await asyncpg.connect(plain_url(url))
    try:
        names = await connection.fetch(
            "SELECT name, count(*) AS n FROM agency WHERE name LIKE $1 GROUP BY name ORDER BY name", f"{NAME_PREFIX} %"
        )
        audits = await connection.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'create' AND entity_id IN "
            "(SELECT CAST(id AS varchar) FROM agency WHERE name LIKE $1)",
            f"{NAME_PREFIX} %",
        )
        keys = await connection.fetchval("SELECT count(*) FROM idempotency_key WHERE key LIKE 'scale-out-%'")
    finally:
        await connection.close()
    return [(r["name"], r["n"]) for r in names], int(audits), int(keys)


def test_two_replicas_one_lost_mid_run_lose_no_write_and_fail_no_read(replicated: Replicated) -> None:
    stack = replicated.stack
    gateway = stack.url("gateway")
    with httpx.Client(base_url=gateway, timeout=15.0, trust_env=False) as client:
        headers = sign_in(client, stack, "admin")
        client.headers.update(headers)
        assert replica_states(client) == {
            "org-structure": ["ready", "ready"],
            "personnel": ["ready", "ready"],
            "assets": ["ready"],
            "reporting": ["ready"],
        }
        province = client.get("/api/v1/org/units/by-code/04", params={"as_of": "2025-07-01"})
        assert province.status_code == 200, province.text
        unit_id = province.json()["id"]
        home = client.post(
            "/api/v1/org/agencies", json={"name": "Sở Nội vụ tỉnh Cao Bằng", "kind": "provincial_department", "unit_id": unit_id}
        )
        assert home.status_code == 201, home.text

        reads = [
            "/api/v1/org/agencies?province=04&limit=20",
            "/api/v1/personnel/audit-events?limit=5",
            "/api/v1/org/units/by-code/01273?as_of=2025-08-01",
            "/api/v1/personnel/readyz",
        ]
        tally = Tally()
        jobs = list(range(WRITES, 0, -1))
        started = time.monotonic()
        deadline = started + TIME_LIMIT_SECONDS
        threads = [
            threading.Thread(
                target=client_loop,
                args=(gateway, headers, (unit_id, home.json()["id"]), jobs, tally, deadline, reads),
                daemon=True,
            )
            for _ in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()

        while len(tally.acknowledged) < KILL_AFTER and time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        acknowledged_at_kill = len(tally.acknowledged)
        stack.processes["org-structure-2"].kill()
        stack.stop("org-structure-2")
        stack.stop("personnel-2")
        stopped_at = time.monotonic()

        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + 5)
        elapsed = time.monotonic() - started
        assert not any(t.is_alive() for t in threads), f"the load did not finish within {TIME_LIMIT_SECONDS:.0f} s"

        states = replica_states(client)
        listed = client.get("/api/v1/org/agencies", params={"province": "04", "limit": 500})

    rows, audits, keys = asyncio.run(agency_rows(replicated.databases["org-structure"]))
    people, people_audits, people_keys = asyncio.run(people_rows(replicated.databases["personnel"]))
    print(
        f"\nscale-out: {WRITES} writes by {CLIENTS} clients in {elapsed:.1f} s; replicas lost after "
        f"{acknowledged_at_kill} acknowledged ({stopped_at - started:.1f} s in); {tally.retried_writes} write retries "
        f"(failures seen: {dict(tally.write_failures)}); {len(tally.replays)} deliberate repeats; "
        f"reads: {dict(tally.reads)}; agencies {len(rows)} (audit {audits}, keys {keys}), "
        f"people {len(people)} (audit {people_audits}, keys {people_keys})"
    )

    assert 0 < acknowledged_at_kill < WRITES, "the replicas must be lost in the middle of the load"
    assert not tally.unacknowledged, tally.unacknowledged
    assert len(tally.acknowledged) == WRITES
    # NOTE: exactly once: one row per write, no name twice, the ids the clients were given.
    assert len(rows) == len(people) == WRITES // 2
    assert all(count == 1 for _, count in rows + people), [r for r in rows + people if r[1] != 1]
    assert audits == people_audits == WRITES // 2
    assert keys == people_keys == WRITES // 2
    assert listed.status_code == 200, listed.text
    assert listed.json()["next"] is None
    ids = [item["id"] for item in listed.json()["items"] if item["name"].startswith(NAME_PREFIX)]
    agency_ids = {agency_id for key, agency_id in tally.acknowledged.items() if int(key.split("-")[2]) % 2}
    assert sorted(ids) == sorted(agency_ids)
    assert len(tally.replays) == WRITES // REPEAT_EVERY
    assert all(first == again for _, first, again in tally.replays), tally.replays
    # NOTE: every read succeeded, the first time, while a replica of each service went away.
    assert not tally.failed_reads, tally.failed_reads[:10]
    assert sum(tally.reads.values()) == WRITES * READS_PER_WRITE
    assert states["org-structure"] == ["ready", "unreachable"]
    assert states["personnel"] == ["ready", "unreachable"]
