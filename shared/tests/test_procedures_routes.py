"""The /procedure-dossiers routes through HTTP on a sample service: area rules, If-Match, the steps, stats, problems."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.procedures import service
from haicap_shared.procedures.schemas import ProcedureIntake
from haicap_shared.roles import Area, Role
from haicap_shared.testing import (
    ServiceMigrations,
    TestTokens,
    assert_openapi_contract,
    assert_openapi_documented,
    assert_problem,
)
from haicap_shared.workdays import VIETNAM, WorkingCalendar

from .procedures_sample import (
    APPRAISAL,
    CALENDAR,
    COMMENDATION,
    MIGRATIONS,
    SERVICE,
    FakeCatalogue,
    create_procedures_app,
    procedure_tables,
    trail,
)

RECEIVED = datetime(2026, 4, 24, 9, 0, tzinfo=VIETNAM)
PATHS = {
    "/procedure-dossiers",
    "/procedure-dossiers/stats",
    "/procedure-dossiers/{dossier_id}",
    "/procedure-dossiers/{dossier_id}/steps",
    "/procedure-exchanges",
}


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest.fixture
def catalogue() -> FakeCatalogue:
    return FakeCatalogue()


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, catalogue: FakeCatalogue) -> FastAPI:
    return create_procedures_app(db_url, test_tokens.jwks_json, catalogue)


@pytest.fixture(autouse=True)
def clear_calendar() -> Iterator[None]:
    yield
    CALENDAR.clear()


def _province(tokens: TestTokens, province: str = "04") -> dict[str, str]:
    return tokens.headers(Role.PROVINCE_OFFICER, province=province)


def _proposal(code: str = "H12-260424-0001", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": COMMENDATION.code,
        "dossier_code": code,
        "received_at": RECEIVED.isoformat(),
        "subject_kind": "commendation_proposal",
        "province_code": "04",
        "commune_code": "01273",
    }
    return body | changes


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> httpx.Response:
    return await client.post("/procedure-dossiers", json=_proposal(**changes), headers=headers)


async def _step(
    client: httpx.AsyncClient, created: httpx.Response, status: str, at: datetime, headers: dict[str, str]
) -> httpx.Response:
    url = f"/procedure-dossiers/{created.json()['id']}"
    etag = (await client.get(url, headers=headers)).headers["etag"]
    return await client.post(f"{url}/steps", json={"status": status, "at": at.isoformat()}, headers=headers | {"If-Match": etag})


async def test_a_proposal_is_received_with_its_due_date_and_read_back(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    officer = _province(test_tokens)
    created = await _create(client, officer, applicant="UBND xã Một")
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"procedure-dossiers/{body['id']}"
    assert created.headers["etag"] == '"1"'
    expected_due = WorkingCalendar().add_working_days(RECEIVED.date(), COMMENDATION.processing_days)
    assert (body["due_date"], body["processing_days"], body["subject_id"]) == (expected_due.isoformat(), 20, None)
    read = await client.get(f"/procedure-dossiers/{body['id']}", headers=officer)
    assert read.headers["etag"] == '"1"'
    assert read.json() == body
    assert [(s["position"], s["status"], s["push_status"]) for s in body["steps"]] == [(1, "received", "queued")]
    # An Idempotency-Key replays; the same dossier code again is a conflict.
    key = officer | {"Idempotency-Key": "proposal-2"}
    first = await client.post("/procedure-dossiers", json=_proposal("H12-2"), headers=key)
    again = await client.post("/procedure-dossiers", json=_proposal("H12-2"), headers=key)
    assert (again.headers["idempotent-replayed"], again.json()["id"]) == ("true", first.json()["id"])
    assert_problem(await _create(client, officer, code="H12-2"), 409, "dossier_code_taken")


async def test_an_administrators_working_saturday_moves_the_due_date(client: httpx.AsyncClient) -> None:
    saturday = date(2026, 5, 2)
    CALENDAR[saturday] = True
    created = await client.post("/procedure-dossiers", json=_proposal(procedure_code=APPRAISAL.code))
    assert created.json()["due_date"] == WorkingCalendar({saturday: True}).add_working_days(RECEIVED.date(), 3).isoformat()
    assert created.json()["due_date"] == saturday.isoformat()


async def test_problems_of_a_new_dossier(client: httpx.AsyncClient, test_tokens: TestTokens, catalogue: FakeCatalogue) -> None:
    officer = _province(test_tokens)
    assert_problem(await _create(client, officer, subject_kind="position"), 422, "procedure_subject_kind_not_allowed")
    assert_problem(await _create(client, officer, procedure_code="1.999999"), 409, "procedure_not_found")
    catalogue.valid_from = date(2026, 5, 1)
    assert_problem(await _create(client, officer), 409, "procedure_not_found")
    catalogue.valid_from = date(2025, 7, 1)
    tomorrow = (datetime.now(VIETNAM) + timedelta(days=1)).isoformat()
    assert_problem(await _create(client, officer, received_at=tomorrow), 422, "procedure_moment_in_future")
    assert_problem(await _create(client, officer, dossier_code="no spaces"), 422, "validation_error")
    assert_problem(await _create(client, officer, unknown="x"), 422, "validation_error")
    assert_problem(await _create(client, _province(test_tokens, "06")), 403, "outside_area")
    assert_problem(await _create(client, test_tokens.headers(Role.AUDITOR)), 403, "role_not_allowed")


async def test_steps_need_if_match_and_follow_the_moves(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    officer = _province(test_tokens)
    created = await _create(client, officer)
    url = f"/procedure-dossiers/{created.json()['id']}/steps"
    asked = {"status": "supplement_requested", "note": "Thiếu biên bản họp", "at": (RECEIVED + timedelta(days=4)).isoformat()}
    assert_problem(await client.post(url, json=asked, headers=officer), 428, "if_match_required")
    assert_problem(await client.post(url, json=asked, headers=officer | {"If-Match": '"7"'}), 412, "stale_version")
    stepped = await client.post(url, json=asked, headers=officer | {"If-Match": '"1"'})
    assert stepped.status_code == 200, stepped.text
    assert (stepped.headers["etag"], stepped.json()["status"]) == ('"2"', "supplement_requested")
    assert_problem(await _step(client, created, "done", RECEIVED + timedelta(days=5), officer), 409, "procedure_step_not_allowed")
    supplied = RECEIVED + timedelta(days=10)
    resumed = await _step(client, created, "in_process", supplied, officer)
    restarted = WorkingCalendar().add_working_days(supplied.date(), COMMENDATION.processing_days)
    assert resumed.json()["due_date"] == restarted.isoformat()
    done = await _step(client, created, "done", supplied + timedelta(days=1), officer)
    assert (done.json()["status"], done.json()["overdue"]) == ("done", False)
    assert [s["status"] for s in done.json()["steps"]] == ["received", "supplement_requested", "in_process", "done"]
    assert_problem(
        await _step(client, created, "in_process", supplied + timedelta(days=2), officer), 409, "procedure_step_not_allowed"
    )
    other_province = _province(test_tokens, "06")
    assert_problem(await client.get(f"/procedure-dossiers/{created.json()['id']}", headers=other_province), 403, "outside_area")
    assert_problem(await client.get(f"/procedure-dossiers/{uuid.uuid4()}", headers=officer), 404, "procedure_dossier_not_found")


async def test_a_workflow_records_dossier_ends_with_its_record(
    client: httpx.AsyncClient, db_connection: AsyncConnection, test_tokens: TestTokens
) -> None:
    principal = Principal(subject="w", username="workflow", role=Role.PROVINCE_OFFICER, area=Area(province="04"))
    async with AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        opened = await service.open_dossier(
            session,
            procedure_tables,
            intake=ProcedureIntake(procedure_code=APPRAISAL.code, dossier_code="H12-position-1", received_at=RECEIVED),
            subject_kind="position",
            subject_id=uuid.uuid4(),
            province_code="04",
            commune_code=None,
            agency_id=None,
            trail=trail,
            principal=principal,
            catalogue=FakeCatalogue(),
        )
        await session.commit()
    officer = _province(test_tokens)
    created = await client.get(f"/procedure-dossiers/{opened.id}", headers=officer)
    problem = assert_problem(
        await _step(client, created, "done", RECEIVED + timedelta(days=1), officer), 409, "procedure_step_driven_by_workflow"
    )
    assert problem["subject_kind"] == "position"
    assert (await _step(client, created, "supplement_requested", RECEIVED + timedelta(days=1), officer)).status_code == 200


async def test_lists_keep_to_the_callers_area_and_filters(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    officer = _province(test_tokens)
    minutes = [(RECEIVED + timedelta(minutes=n)).isoformat() for n in range(3)]
    here = await _create(client, officer, code="H12-here", received_at=minutes[0])
    await _create(client, officer, code="H12-other-commune", commune_code="01274", received_at=minutes[1])
    await _create(
        client,
        _province(test_tokens, "06"),
        code="H12-elsewhere",
        province_code="06",
        commune_code="02000",
        received_at=minutes[2],
    )
    await _step(client, here, "done", RECEIVED + timedelta(days=1), officer)

    async def codes(headers: dict[str, str], **params: str) -> list[str]:
        response = await client.get("/procedure-dossiers", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["dossier_code"] for item in response.json()["items"]]

    assert await codes(officer) == ["H12-here", "H12-other-commune"]
    assert await codes(test_tokens.headers(Role.COMMUNE_OFFICER, commune="01273")) == ["H12-here"]
    assert await codes(test_tokens.headers(Role.AUDITOR)) == ["H12-here", "H12-other-commune", "H12-elsewhere"]
    assert await codes(officer, status="done") == ["H12-here"]
    assert await codes(officer, overdue="true") == ["H12-other-commune"]
    assert await codes(officer, received_from="2026-04-25") == []
    assert await codes(officer, received_to="2026-04-24", limit="1") == ["H12-here"]
    assert await codes(officer, procedure_code=APPRAISAL.code) == []
    first = (await client.get("/procedure-dossiers", params={"limit": 1}, headers=officer)).json()
    rest = await client.get("/procedure-dossiers", params={"limit": 1, "cursor": first["next"]}, headers=officer)
    assert [item["dossier_code"] for item in first["items"] + rest.json()["items"]] == ["H12-here", "H12-other-commune"]
    assert rest.json()["next"] is None
    assert_problem(await client.get("/procedure-dossiers", headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")
    period = {"received_from": "2026-05-01", "received_to": "2026-04-01"}
    assert_problem(await client.get("/procedure-dossiers", params=period, headers=officer), 422, "invalid_period")


async def test_stats_move_by_one_with_a_late_dossier(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    officer = _province(test_tokens)
    due = WorkingCalendar().add_working_days(RECEIVED.date(), COMMENDATION.processing_days)
    on_time = await _create(client, officer, code="H12-on-time")
    await _step(client, on_time, "done", datetime.combine(due, datetime.min.time(), VIETNAM), officer)
    await _create(client, officer, code="H12-open")
    as_of = due + timedelta(days=3)

    async def row(headers: dict[str, str] = officer) -> dict[str, Any]:
        response = await client.get("/procedure-dossiers/stats", params={"as_of": as_of.isoformat()}, headers=headers)
        assert response.status_code == 200, response.text
        rows = response.json()["rows"]
        assert [(r["procedure_code"], r["commune_code"]) for r in rows] == [(COMMENDATION.code, "01273")]
        return dict(rows[0])

    before = await row()
    assert before | {"procedure_name": None} == {
        "procedure_code": COMMENDATION.code,
        "procedure_name": None,
        "sector": COMMENDATION.sector,
        "commune_code": "01273",
        "received": 2,
        "finished": 1,
        "finished_on_time": 1,
        "finished_late": 0,
        "open": 1,
        "open_overdue": 1,
        "supplement_requested": 0,
    }
    late = await _create(client, officer, code="H12-late")
    await _step(client, late, "refused", datetime.combine(due + timedelta(days=1), datetime.min.time(), VIETNAM), officer)
    after = await row()
    assert after["finished_late"] == before["finished_late"] + 1
    assert (after["received"], after["finished"], after["open"]) == (3, 2, 1)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, commune="01274")
    elsewhere = await client.get("/procedure-dossiers/stats", params={"as_of": as_of.isoformat()}, headers=commune)
    assert elsewhere.json() == {"as_of": as_of.isoformat(), "rows": [], "truncated": False}


async def test_the_exchange_log_is_for_admins_and_auditors(
    client: httpx.AsyncClient, db_connection: AsyncConnection, test_tokens: TestTokens
) -> None:
    started = datetime(2026, 5, 4, 8, tzinfo=VIETNAM)
    await db_connection.execute(
        insert(procedure_tables.exchange).values(
            id=uuid.uuid4(),
            adapter="http",
            destination="https://motcua.example.gov.vn",
            operation="push",
            step_ids=[str(uuid.uuid4())],
            started_at=started,
            duration_ms=120,
            outcome="ok",
            http_status=200,
        )
    )
    log = await client.get("/procedure-exchanges", headers=test_tokens.headers(Role.AUDITOR))
    assert [(e["operation"], e["outcome"], e["http_status"]) for e in log.json()["items"]] == [("push", "ok", 200)]
    later = await client.get("/procedure-exchanges", params={"started_from": "2026-05-05"})
    assert later.json()["items"] == []
    assert_problem(await client.get("/procedure-exchanges", headers=_province(test_tokens)), 403, "role_not_allowed")


async def test_the_routes_keep_the_openapi_contract(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, "sharedProcedures", service_app)
    assert_openapi_documented(service_app, paths=PATHS, exact_paths=False)
    step = spec["paths"]["/procedure-dossiers/{dossier_id}/steps"]["post"]
    assert set(step["responses"]["409"]["x-problem-codes"]) >= {
        "procedure_step_not_allowed",
        "procedure_step_driven_by_workflow",
    }
