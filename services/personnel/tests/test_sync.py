"""The national sync in-process: a change per dossier event, its due date, verification, sending through the adapters."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from haicap_personnel.sync import service as sync_service
from haicap_personnel.sync.adapters import FILE_PREFIX, ID_KEY
from haicap_personnel.sync.national_record import schema
from haicap_personnel.sync.settings import LgspHeaders, SyncSettings
from haicap_personnel.sync.worker import SyncWorker
from haicap_shared.exchange.adapters import FileAdapter, HttpAdapter
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem
from haicap_shared.workdays import add_working_days, local_date

from .conftest import World
from .helpers import create_person

pytestmark = pytest.mark.asyncio


def sessions_on(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


class FakePlatform:
    """An LGSP stand-in: a token endpoint and a record endpoint, answers chosen by the test."""

    def __init__(self) -> None:
        self.tokens = 0
        self.posts: list[httpx.Request] = []
        self.records: dict[str, dict[str, Any]] = {}
        self.reject: dict[str, str] = {}
        self.fail_with: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            self.tokens += 1
            assert b"grant_type=client_credentials" in request.content
            return httpx.Response(200, json={"access_token": f"token-{self.tokens}", "token_type": "Bearer", "expires_in": 3600})
        self.posts.append(request)
        if self.fail_with is not None:
            return httpx.Response(self.fail_with, json={"error_code": "1", "message": "down"})
        assert request.headers["Authorization"] == f"Bearer token-{self.tokens}"
        body = json.loads(request.content)
        records = body.get("records", [body])
        results = []
        for record in records:
            jsonschema.validate(record, schema())
            change_id = record["change_id"]
            if change_id in self.reject:
                results.append({"change_id": change_id, "error_code": "1", "message": self.reject[change_id]})
            else:
                self.records[change_id] = record
                results.append({"change_id": change_id, "error_code": "0", "reference": f"NAT-{change_id[:8]}"})
        return httpx.Response(200, json={"error_code": "0", "message": "ok", "results": results})


def lgsp_settings(**changes: Any) -> SyncSettings:
    values: dict[str, Any] = {
        "adapter": "lgsp",
        "token_url": "http://lgsp.test/token",
        "record_url": "http://lgsp.test/records",
        "client_id": "haicap-04",
        "client_secret": "s3cret",
        "lgsp_provinces": {
            "04": LgspHeaders(
                access_key="ak",
                secret_key="sk",
                app_name="haicap",
                partner_code="CBG",
                sender_code="000.00.00.H41",
                receiver_code="BNV",
                tran_code="CSDLCBCCVC_UPDATE",
            )
        },
        "retry_base_seconds": 60,
    }
    return SyncSettings(**(values | changes))


def lgsp_worker(connection: AsyncConnection, platform: FakePlatform, **changes: Any) -> SyncWorker:
    settings = lgsp_settings(**changes)
    adapter = HttpAdapter(settings, id_key=ID_KEY, http=httpx.AsyncClient(transport=httpx.MockTransport(platform)))
    return SyncWorker(sessions_on(connection), settings, adapter, replica="test")


async def changes_of(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/dossier-changes", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def verify(client: httpx.AsyncClient, change: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post(
        f"/dossier-changes/{change['id']}/verify", headers=(headers or {}) | {"If-Match": f'"{change["version"]}"'}
    )


async def test_a_new_person_is_one_change_pending_verification_due_in_three_working_days(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.new_office.id)
    worker = lgsp_worker(db_connection, FakePlatform())
    assert await worker.intake() >= 1
    assert await worker.intake() == 0

    changes = await changes_of(client)
    assert len(changes) == 1
    change = changes[0]
    assert change["person_id"] == person["id"]
    assert change["record_id"] == person["id"]
    assert change["status"] == "pending_verification"
    assert change["event_type"] == "vn.gov.haicap.personnel.person.created"
    assert "identity" in change["groups"]
    assert "education_and_training" in change["groups"]
    assert change["changed_fields"] is None
    assert change["province_code"] == "04"
    assert change["commune_code"] == "01010"
    arose = date.fromisoformat(change["arose_on"])
    assert date.fromisoformat(change["due_date"]) == add_working_days(arose, 3)

    # Its area: the commune's officer sees it, another commune's and another province's do not.
    mine = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    other = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01001")
    assert len((await client.get("/dossier-changes", headers=mine)).json()["items"]) == 1
    assert (await client.get("/dossier-changes", headers=other)).json()["items"] == []
    assert_problem(await client.get(f"/dossier-changes/{change['id']}", headers=other), 403, "outside_area")
    single = await client.get(f"/dossier-changes/{change['id']}", headers=mine)
    assert single.status_code == 200
    assert single.headers["ETag"] == f'"{change["version"]}"'
    assert_problem(
        await client.get("/dossier-changes", headers=test_tokens.headers(Role.VIEWER, province="04")), 403, "role_not_allowed"
    )

    # An update of one field is a change of that field's group only.
    patched = await client.patch(
        f"/people/{person['id']}", json={"field_of_study": "Hành chính công"}, headers={"If-Match": f'"{person["version"]}"'}
    )
    assert patched.status_code == 200, patched.text
    assert await worker.intake() == 1
    updates = sorted(
        await changes_of(client, person_id=person["id"], status="pending_verification"), key=lambda c: c["event_sequence"]
    )
    assert [c["changed_fields"] for c in updates] == [None, ["field_of_study"]]
    assert updates[1]["groups"] == ["education_and_training"]


async def test_verification_is_for_the_province_with_if_match_and_bulk_is_all_or_nothing(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    for _ in range(3):
        await create_person(client, world.new_office.id)
    await lgsp_worker(db_connection, FakePlatform()).intake()
    first, second, third = await changes_of(client)
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")

    assert_problem(await client.post(f"/dossier-changes/{first['id']}/verify", headers=province), 428, "if_match_required")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert_problem(await verify(client, first, commune), 403, "role_not_allowed")
    assert_problem(await verify(client, first, test_tokens.headers(Role.PROVINCE_OFFICER, province="06")), 403, "outside_area")
    verified = await verify(client, first, province)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "queued"
    assert verified.json()["verified_by"] == "test-province_officer"
    assert_problem(await verify(client, verified.json(), province), 409, "dossier_change_not_verifiable")

    returned = await client.post(
        f"/dossier-changes/{second['id']}/return", json={"reason": ""}, headers=province | {"If-Match": f'"{second["version"]}"'}
    )
    assert returned.status_code == 422
    returned = await client.post(
        f"/dossier-changes/{second['id']}/return",
        json={"reason": "Sai ngày sinh, đề nghị kiểm tra lại"},
        headers=province | {"If-Match": f'"{second["version"]}"'},
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert returned.json()["status_reason"] == "Sai ngày sinh, đề nghị kiểm tra lại"

    # One not verifiable (returned) refuses the whole bulk; without it, all go.
    refused = await client.post("/dossier-changes/verify", json={"ids": [second["id"], third["id"]]}, headers=province)
    body = assert_problem(refused, 409, "dossier_change_not_verifiable")
    assert body["not_verifiable"] == [{"id": second["id"], "status": "returned"}]
    assert [c["status"] for c in await changes_of(client, person_id=third["person_id"])] == ["pending_verification"]
    missing = await client.post("/dossier-changes/verify", json={"ids": [third["id"], str(uuid.uuid4())]}, headers=province)
    assert_problem(missing, 404, "dossier_change_not_found")
    bulk = await client.post("/dossier-changes/verify", json={"ids": [third["id"]]}, headers=province)
    assert bulk.status_code == 200, bulk.text
    assert bulk.json()["verified"] == 1
    too_many = await client.post("/dossier-changes/verify", json={"ids": [str(uuid.uuid4()) for _ in range(501)]})
    assert too_many.status_code == 422

    audit = await client.get("/audit-events", params={"entity_type": "dossier_change", "limit": 50})
    assert [(e["action"], e["actor"]) for e in audit.json()["items"]] == [
        ("verify", "test-province_officer"),
        ("return", "test-province_officer"),
        ("verify", "test-province_officer"),
    ]


async def test_lgsp_sends_with_the_province_headers_acknowledges_rejects_and_retries(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    people = [await create_person(client, world.new_office.id) for _ in range(3)]
    platform = FakePlatform()
    worker = lgsp_worker(db_connection, platform, batch_size=2)
    await worker.intake()
    # NOTE: the worker sends the earliest due first, then in the order they arose: the first two, then the third.
    changes = sorted(await changes_of(client), key=lambda c: c["event_sequence"])
    bulk = await client.post("/dossier-changes/verify", json={"ids": [c["id"] for c in changes]})
    assert bulk.status_code == 200
    platform.reject[changes[1]["id"]] = "Số định danh không khớp với CSDL quốc gia về dân cư"

    assert await worker.send() == 2
    assert await worker.send() == 1
    assert await worker.send() == 0
    assert platform.tokens == 1  # NOTE: kept until it expires
    sent = platform.posts[0]
    lgsp_token = json.loads(base64.b64decode(sent.headers["lgspaccesstoken"]))
    assert lgsp_token == {"AccessKey": "ak", "SecretKey": "sk", "AppName": "haicap", "PartnerCode": "CBG"}
    assert (sent.headers["SENDER_CODE"], sent.headers["RECEIVER_CODE"], sent.headers["TRAN_CODE"]) == (
        "000.00.00.H41",
        "BNV",
        "CSDLCBCCVC_UPDATE",
    )
    record = platform.records[changes[0]["id"]]
    person = next(p for p in people if p["id"] == changes[0]["person_id"])
    # NOTE: the API shows the number masked; the national record carries it in full.
    assert person["national_id"].startswith("*********")
    assert record["personal_identification_number"].isdigit()
    assert record["personal_identification_number"][-3:] == person["national_id"][-3:]
    assert record["record_kind"] == "person"
    assert record["metadata"]["event_id"] == changes[0]["event_id"]

    after = {c["id"]: c for c in await changes_of(client)}
    assert after[changes[0]["id"]]["status"] == "acknowledged"
    assert after[changes[0]["id"]]["national_reference"] == f"NAT-{changes[0]['id'][:8]}"
    assert after[changes[1]["id"]]["status"] == "rejected"
    assert after[changes[1]["id"]]["status_reason"] == "Số định danh không khớp với CSDL quốc gia về dân cư"
    assert after[changes[2]["id"]]["status"] == "acknowledged"

    # A rejected change verified again is sent again; the platform down: it waits, counted, with the reason.
    del platform.reject[changes[1]["id"]]
    assert (await verify(client, after[changes[1]["id"]])).status_code == 200
    platform.fail_with = 503
    assert await worker.send() == 1
    waiting = (await client.get(f"/dossier-changes/{changes[1]['id']}")).json()
    assert (waiting["status"], waiting["attempts"], waiting["last_error"]) == ("queued", 2, "HTTP 503")
    assert waiting["next_attempt_at"] > waiting["verified_at"]
    assert await worker.send() == 0  # NOTE: not before its next attempt

    exchanges = (await client.get("/sync-exchanges", params={"limit": 500})).json()["items"]
    assert [(e["operation"], e["outcome"], len(e["change_ids"])) for e in exchanges] == [
        ("token", "ok", 0),
        ("send", "partly_rejected", 2),
        ("send", "ok", 1),
        ("send", "failed", 1),
    ]
    assert exchanges[1]["transaction_code"] == "CSDLCBCCVC_UPDATE"
    logged = json.dumps(exchanges)
    assert all(p["national_id"] not in logged for p in people)
    auditor = test_tokens.headers(Role.AUDITOR)
    assert (await client.get("/sync-exchanges", headers=auditor)).status_code == 200
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert_problem(await client.get("/sync-exchanges", headers=province), 403, "role_not_allowed")
    queue = (await client.get("/sync-exchanges/queue")).json()
    assert queue["by_status"]["acknowledged"] == 2
    assert queue["queued"] == 1
    assert queue["oldest_queued_age_seconds"] >= 0
    # NOTE: the verifications were events too, after the intake's last turn; one more turn reads them all.
    assert 0 < queue["intake_through"] < queue["latest_sequence"]
    await worker.intake()
    queue = (await client.get("/sync-exchanges/queue")).json()
    assert queue["intake_through"] == queue["latest_sequence"]


def written_batch(folder: Path) -> tuple[Path, bytes, str]:
    """The one batch file in ``folder``, its bytes and its signature."""
    (batch,) = sorted(folder.glob("*.jsonl"))
    return batch, batch.read_bytes(), batch.with_suffix(".jsonl.sig").read_text().strip()


async def test_the_file_adapter_writes_a_signed_batch(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, tmp_path: Path
) -> None:
    await create_person(client, world.new_office.id)
    settings = SyncSettings(adapter="file", file_dir=tmp_path, file_hmac_key="k3y")
    worker = SyncWorker(
        sessions_on(db_connection), settings, FileAdapter(settings, tmp_path, id_key=ID_KEY, prefix=FILE_PREFIX), replica="test"
    )
    await worker.intake()
    (change,) = await changes_of(client)
    assert (await verify(client, change)).status_code == 200
    assert await worker.send() == 1

    batch, content, signature = written_batch(tmp_path)
    (line,) = content.splitlines()
    record = json.loads(line)
    jsonschema.validate(record, schema())
    assert record["change_id"] == change["id"]
    assert signature == "hmac-sha256:" + hmac.new(b"k3y", content, hashlib.sha256).hexdigest()
    done = (await client.get(f"/dossier-changes/{change['id']}")).json()
    assert (done["status"], done["national_reference"]) == ("sent", batch.name)


async def test_a_discrepancy_reopens_the_changes_of_its_groups_not_yet_sent(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, service_app: FastAPI
) -> None:
    person = await create_person(client, world.new_office.id)
    await lgsp_worker(db_connection, FakePlatform()).intake()
    (change,) = await changes_of(client)
    assert (await verify(client, change)).status_code == 200
    async with sessions_on(db_connection)() as session:
        assert await sync_service.reopen_for_review(session, uuid.UUID(person["id"]), ["family"], "wrong group") == []
        reopened = await sync_service.reopen_for_review(
            session, uuid.UUID(person["id"]), ["identity"], "Người này báo sai quê quán"
        )
        await session.commit()
    assert [c.id for c in reopened] == [uuid.UUID(change["id"])]
    after = (await client.get(f"/dossier-changes/{change['id']}")).json()
    assert (after["status"], after["status_reason"], after["verified_by"]) == (
        "pending_verification",
        "Người này báo sai quê quán",
        None,
    )


async def test_the_calendar_an_admin_keeps_moves_due_dates(
    client: httpx.AsyncClient, db_connection: AsyncConnection, test_tokens: TestTokens
) -> None:
    year = (await client.get("/calendar-days", params={"year": 2026})).json()
    sources = {d["day"]: (d["source"], d["working"]) for d in year["days"]}
    assert sources["2026-04-27"] == ("holiday", False)
    assert sources["2026-08-22"] == ("swap", True)
    assert (await client.get("/calendar-days", params={"year": 1999})).status_code == 422

    async with sessions_on(db_connection)() as session:
        assert await sync_service.due_date(session, date(2026, 4, 24)) == date(2026, 5, 4)

    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    body = {"working": True, "note": "Làm bù thứ Bảy 02/5/2026"}
    assert_problem(await client.put("/calendar-days/2026-05-02", json=body, headers=province), 403, "role_not_allowed")
    made = await client.put("/calendar-days/2026-05-02", json=body)
    assert made.status_code == 201, made.text
    assert made.headers["ETag"] == '"1"'
    assert_problem(await client.put("/calendar-days/2026-05-02", json=body), 428, "if_match_required")
    async with sessions_on(db_connection)() as session:
        assert await sync_service.due_date(session, date(2026, 4, 24)) == date(2026, 5, 2)
    year = (await client.get("/calendar-days", params={"year": 2026}, headers=province)).json()
    assert {"day": "2026-05-02", "working": True, "source": "admin", "note": body["note"], "id": made.json()["id"]} in year[
        "days"
    ]

    changed = await client.put("/calendar-days/2026-05-02", json=body | {"working": False}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    deleted = await client.delete("/calendar-days/2026-05-02", headers={"If-Match": '"2"'})
    assert deleted.status_code == 204
    assert_problem(await client.get("/calendar-days/2026-05-02"), 404, "calendar_day_not_found")
    audit = await client.get("/audit-events", params={"entity_type": "calendar_day"})
    assert [e["action"] for e in audit.json()["items"]] == ["create", "update", "delete"]


async def test_local_dates_are_vietnamese(client: httpx.AsyncClient) -> None:
    from datetime import UTC, datetime

    assert local_date(datetime(2026, 4, 30, 18, 0, tzinfo=UTC)) == date(2026, 5, 1)
