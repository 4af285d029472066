"""The national sync as real processes: ``haicap-personnel sync`` sending to the stand-in national receiver.

personnel's records are made through its API (in this process, on a database file or a
PostgreSQL database of the test's own); the sync worker and the receiver
(``python -m haicap_scenario.national_receiver``) run as processes on loopback. Every verified
change reaches ``acknowledged``; the receiver stopped for a while loses nothing (acknowledged
after it is back, each change held once); a rejection shows the national side's reason; a
receiver too slow for the worker's timeout is tried again; SIGTERM ends the worker with 0.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from haicap_personnel.app import create_app
from haicap_personnel.cli import MIGRATIONS
from haicap_personnel.org_client import OrgAgency, OrgLineage, OrgUnit
from haicap_personnel.settings import PersonnelSettings
from haicap_shared import testing as shared_testing
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.testing import TestTokens, create_postgres_database, drop_postgres_database
from haicap_shared.tokens import TokenIssuer, generate_private_key, jwks

from .stack_support import free_ports, isolated_env

pytestmark = [pytest.mark.processes, pytest.mark.asyncio]

PEOPLE = 24
AGENCY = OrgAgency(
    id=uuid.UUID(int=501),
    name="Văn phòng HĐND và UBND xã Quảng Lâm",
    kind="commune_office",
    unit_id=uuid.UUID(int=502),
    level="commune",
    province_code="04",
    commune_code="01304",
)


class Org:
    """org-structure as personnel reads it: one commune office."""

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency | None:
        return AGENCY if agency_id == AGENCY.id else None

    async def lineage(self, unit_id: uuid.UUID) -> OrgLineage | None:
        return None

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit | None:
        return None


def national_id(n: int) -> str:
    return f"004085{n:06d}"


class Receiver:
    def __init__(self, tmp_path: Path, port: int) -> None:
        self.port, self.state_dir, self.tmp_path = port, tmp_path / "receiver", tmp_path
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        log = (self.tmp_path / "receiver.log").open("ab")
        command = [sys.executable, "-m", "haicap_scenario.national_receiver", "--port", str(self.port)]
        command += ["--state-dir", str(self.state_dir), "--client-id", "haicap-04", "--client-secret", "s3cret"]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the receiver did not start")

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=20) == 0
        self.process = None

    def control(self, action: str, **body: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/control/{action}", json=body, timeout=5)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def state(self) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{self.url}/control/state", timeout=5).json()
        return answer

    def export(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in httpx.get(f"{self.url}/export", timeout=10).text.splitlines()]


def start_worker(database_url: str, receiver: Receiver, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = isolated_env(
        {
            "HAICAP_PERSONNEL_DATABASE_URL": database_url,
            "HAICAP_PERSONNEL_VAR_DIR": str(tmp_path / "var"),
            "HAICAP_PERSONNEL_SYNC_ADAPTER": "lgsp",
            "HAICAP_PERSONNEL_SYNC_TOKEN_URL": f"{receiver.url}/token",
            "HAICAP_PERSONNEL_SYNC_RECORD_URL": f"{receiver.url}/records",
            "HAICAP_PERSONNEL_SYNC_CLIENT_ID": "haicap-04",
            "HAICAP_PERSONNEL_SYNC_CLIENT_SECRET": "s3cret",
            "HAICAP_PERSONNEL_SYNC_LGSP_PROVINCES": json.dumps({"04": {"sender_code": "000.00.00.H41", "tran_code": "CBCCVC"}}),
            "HAICAP_PERSONNEL_SYNC_TIMEOUT_SECONDS": "1",
            "HAICAP_PERSONNEL_SYNC_CONNECT_TIMEOUT_SECONDS": "1",
            "HAICAP_PERSONNEL_SYNC_RETRY_BASE_SECONDS": "0.2",
            "HAICAP_PERSONNEL_SYNC_RETRY_CAP_SECONDS": "1",
            "HAICAP_PERSONNEL_SYNC_BATCH_SIZE": "10",
            "HAICAP_PERSONNEL_SYNC_IDLE_SECONDS": "0.1",
        }
    )
    log = (tmp_path / "worker.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "haicap_personnel", "sync"], env=env, stdout=log, stderr=subprocess.STDOUT)


@asynccontextmanager
async def personnel_api(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, TestTokens]]:
    key = generate_private_key()
    tokens = TestTokens(TokenIssuer(key), json.dumps(jwks(key.public_key())))
    app = create_app(PersonnelSettings(database_url=database_url, jwks=tokens.jwks_json), org_client_factory=lambda _app: Org())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://personnel", headers=tokens.headers()) as client:
            yield client, tokens


async def wait_for(what: str, done: Callable[[], Any], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not await done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.2)


async def changes(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = (
            await client.get("/dossier-changes", params={"limit": 500, **params} | ({"cursor": cursor} if cursor else {}))
        ).json()
        found += page["items"]
        if not (cursor := page["next"]):
            return found


@pytest.mark.parametrize("backend", shared_testing.test_backends())
async def test_the_worker_brings_every_verified_change_to_the_receiver(backend: str, tmp_path: Path) -> None:
    url = (
        await create_postgres_database("nationalsync")
        if backend == "postgresql"
        else f"sqlite+aiosqlite:///{tmp_path / 'personnel.db'}"
    )
    await upgrade_to_head(MIGRATIONS, url)
    receiver = Receiver(tmp_path, free_ports(1)[0])
    receiver.start()
    worker = start_worker(url, receiver, tmp_path)
    try:
        async with personnel_api(url) as (client, _tokens):
            people = []
            for n in range(PEOPLE):
                body = {
                    "full_name": f"Nông Văn {n}",
                    "category": "civil_servant",
                    "birth_date": "1985-03-10",
                    "sex": "male",
                    "ethnicity_code": "02",
                    "national_id": national_id(n),
                    "education_level": "university",
                    "political_theory": "intermediate",
                    "agency_id": str(AGENCY.id),
                }
                made = await client.post("/people", json=body)
                assert made.status_code == 201, made.text
                people.append(made.json())

            async def all_taken_in() -> bool:
                return len(await changes(client, status="pending_verification")) == PEOPLE

            await wait_for("every person's change taken in", all_taken_in)

            # The receiver down while the province verifies: the worker tries, fails, keeps them queued.
            receiver.stop()
            pending = await changes(client)
            verified = await client.post("/dossier-changes/verify", json={"ids": [c["id"] for c in pending]})
            assert verified.status_code == 200, verified.text

            async def all_tried() -> bool:
                found = await changes(client, status="queued")
                return len(found) == PEOPLE and all(c["attempts"] >= 1 and c["last_error"] for c in found)

            await wait_for("every change tried while the receiver is down", all_tried)
            assert {c["last_error"].split(" ")[0] for c in await changes(client, status="queued")} <= {"unreachable", "no"}

            receiver.start()

            async def all_acknowledged() -> bool:
                return len(await changes(client, status="acknowledged")) == PEOPLE

            await wait_for("every change acknowledged once the receiver is back", all_acknowledged)
            held = receiver.export()
            assert sorted(r["change_id"] for r in held) == sorted(c["id"] for c in pending)
            assert sorted(r["personal_identification_number"] for r in held) == sorted(national_id(n) for n in range(PEOPLE))
            done = {c["id"]: c for c in await changes(client)}
            assert {done[r["change_id"]]["national_reference"] for r in held} == {r["national_reference"] for r in held}

            # A rejection: the national side's reason is on the change.
            reason = "Số định danh cá nhân không khớp CSDL quốc gia về dân cư"
            receiver.control("reject-pin", pin=national_id(0), reason=reason)
            person = people[0]
            patched = await client.patch(
                f"/people/{person['id']}", json={"field_of_study": "Luật"}, headers={"If-Match": f'"{person["version"]}"'}
            )
            assert patched.status_code == 200, patched.text

            async def update_taken_in() -> bool:
                return len(await changes(client, status="pending_verification")) == 1

            await wait_for("the update taken in", update_taken_in)
            (update,) = await changes(client, status="pending_verification")
            assert (await client.post("/dossier-changes/verify", json={"ids": [update["id"]]})).status_code == 200

            async def rejected() -> bool:
                return len(await changes(client, status="rejected")) == 1

            await wait_for("the update rejected", rejected)
            (refused,) = await changes(client, status="rejected")
            assert refused["status_reason"] == reason

            # Too slow for the worker's 1 s timeout: tried again until it answers in time.
            receiver.control("reset")
            receiver.control("delay", seconds=3)
            assert (
                await client.post(f"/dossier-changes/{refused['id']}/verify", headers={"If-Match": f'"{refused["version"]}"'})
            ).status_code == 200

            async def timed_out() -> bool:
                found = (await client.get(f"/dossier-changes/{refused['id']}")).json()
                return bool(found["last_error"] and found["last_error"].startswith("timeout"))

            await wait_for("a timeout recorded", timed_out)
            receiver.control("delay", seconds=0)

            async def resent() -> bool:
                return (await client.get(f"/dossier-changes/{refused['id']}")).json()["status"] == "acknowledged"

            await wait_for("acknowledged after the timeouts", resent)
            assert receiver.state()["records"] == PEOPLE + 1

            exchanges = (await client.get("/sync-exchanges", params={"limit": 500})).json()["items"]
            outcomes = {e["outcome"] for e in exchanges}
            # NOTE: while the receiver was down, no token could be had: the token requests failed, nothing was posted.
            assert {"ok", "failed", "timeout", "rejected"} <= outcomes
            assert {e["operation"] for e in exchanges if e["outcome"] == "failed"} == {"token"}
            assert all(p["national_id"] not in json.dumps(exchanges) for p in people)
            assert all(national_id(n) not in json.dumps(exchanges) for n in range(PEOPLE))
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            assert worker.wait(timeout=30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
            if receiver.process is not None:
                receiver.stop()
            if backend == "postgresql":
                await drop_postgres_database(url)
