"""org-structure's change feed: every change through the API is one event carrying the record as GET shows it.

The events are read as a subscriber reads them: through ``GET /events`` (the outbox's feed),
with the area rules of the caller. The Cao Bằng fixture imports its units without an outbox
(no events), so each test sees only the events of what it does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_org_structure.db import metadata
from haicap_org_structure.units.importer import apply_plan
from haicap_org_structure.units.models import change_table, correction_table, link_table, unit_table
from haicap_org_structure.units.reference import ImportPlan, province_plan
from haicap_shared.auth import system_principal
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .task_helpers import cao_bang_agencies, create_task, csv_file

TYPE = "vn.gov.haicap.org"
ORG = "/api/v1/org"
LAW = "Nghị quyết 1657/NQ-UBTVQH15"


async def _latest(client: httpx.AsyncClient) -> int:
    response = await client.get("/events/latest")
    assert response.status_code == 200, response.text
    return int(response.json()["latest_sequence"])


async def _events(client: httpx.AsyncClient, after: int, headers: dict[str, str] | None = None, **params: Any) -> list[dict]:
    """Every event after ``after`` the caller may see, following ``next_after`` page by page."""
    found: list[dict] = []
    while True:
        response = await client.get("/events", params={"after": after, "limit": 1000} | params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["events"]
        if not page["events"] or page["next_after"] == after:
            return found
        after = page["next_after"]


async def _one_event(client: httpx.AsyncClient, after: int) -> dict:
    events = await _events(client, after)
    assert len(events) == 1, [e["type"] for e in events]
    return events[0]


async def _get(client: httpx.AsyncClient, url: str) -> dict:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def _sequences(events: list[dict]) -> list[int]:
    return [int(e["sequence"]) for e in events]


def _contiguous(events: list[dict]) -> bool:
    numbers = _sequences(events)
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


async def _outbox_rows(session: AsyncSession) -> int:
    outbox = metadata.tables["event_outbox"]
    return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


async def _audit_rows(session: AsyncSession) -> int:
    audit = metadata.tables["audit_event"]
    return int(await session.scalar(select(func.count()).select_from(audit)) or 0)


async def _province(client: httpx.AsyncClient) -> dict:
    return await _get(client, "/units/by-code/04?as_of=2026-01-01")


def _commune(parent_id: str, **overrides: object) -> dict:
    return {
        "code": "01999",
        "name": "Xã Thử Nghiệm",
        "kind": "xa",
        "level": "commune",
        "parent_id": parent_id,
        "valid_from": "2027-01-01",
    } | overrides


# --- one record at a time -------------------------------------------------------------------


async def test_a_unit_created_changed_and_deleted_is_three_events(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _province(client)
    start = await _latest(client)
    created = (await client.post("/units", json=_commune(province["id"]))).json()
    url = f"/units/{created['id']}"

    event = await _one_event(client, start)
    assert event["type"] == f"{TYPE}.unit.created"
    assert event["data"] == {"record": await _get(client, url), "changed_fields": None}
    assert (event["subject"], event["partitionkey"]) == (f"{ORG}/units/{created['id']}", created["id"])
    assert (event["provincecode"], event["communecode"], event["source"]) == ("04", "01999", "/haicap/04/org")
    assert (event["actor"], event["actorrole"], event["specversion"]) == ("test-admin", "admin", "1.0")
    assert event["dataschema"].endswith(f"{ORG}/events/schemas/{TYPE}.unit.created")

    renamed = await client.patch(url, json={"name": "Xã Thử Nghiệm Mới"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text
    event = await _one_event(client, int(event["sequence"]))
    assert event["type"] == f"{TYPE}.unit.updated"
    # The short name follows the name; the internal search key is never named.
    assert event["data"] == {"record": await _get(client, url), "changed_fields": ["name", "short_name"]}

    last = await _get(client, url)
    assert (await client.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    event = await _one_event(client, int(event["sequence"]))
    assert (event["type"], event["data"]["record"]) == (f"{TYPE}.unit.deleted", last)


async def test_a_unit_change_is_published_with_its_units(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _province(client)
    former = (await client.post("/units", json=_commune(province["id"], valid_from="2027-01-01", valid_to="2027-12-31"))).json()
    result = (
        await client.post("/units", json=_commune(province["id"], code="01998", name="Xã Kế Tiếp", valid_from="2028-01-01"))
    ).json()
    start = await _latest(client)
    body = {
        "kind": "rename",
        "effective_date": "2028-01-01",
        "legal_basis": LAW,
        "source_unit_ids": [former["id"]],
        "result_unit_ids": [result["id"]],
    }
    response = await client.post("/unit-changes", json=body)
    assert response.status_code == 201, response.text
    event = await _one_event(client, start)
    assert event["type"] == f"{TYPE}.unit_change.created"
    assert event["data"]["record"] == await _get(client, f"/unit-changes/{response.json()['id']}")
    assert (event["subject"], event["provincecode"], event["communecode"]) == (
        f"{ORG}/unit-changes/{response.json()['id']}",
        "04",
        "01998",
    )


async def test_agencies_and_decisions_publish_each_transition(client: httpx.AsyncClient, cao_bang) -> None:
    commune = await _get(client, "/units/by-code/01654?as_of=2026-01-01")  # Xã Hòa An
    start = await _latest(client)
    agency = (
        await client.post("/agencies", json={"name": "Văn phòng xã Hòa An", "kind": "commune_office", "unit_id": commune["id"]})
    ).json()
    event = await _one_event(client, start)
    assert event["type"] == f"{TYPE}.agency.created"
    assert event["data"]["record"] == await _get(client, f"/agencies/{agency['id']}")
    assert (event["provincecode"], event["communecode"]) == ("04", "01654")

    renamed = await client.patch(
        f"/agencies/{agency['id']}", json={"name": "Văn phòng HĐND và UBND xã Hòa An"}, headers={"If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.text
    event = await _one_event(client, int(event["sequence"]))
    assert event["type"] == f"{TYPE}.agency.updated"
    assert event["data"] == {"record": await _get(client, f"/agencies/{agency['id']}"), "changed_fields": ["name"]}

    decision_body = {"agency_id": agency["id"], "number": "1/2025/QĐ-UBND", "issuer": "UBND xã Hòa An"}
    first = (await client.post("/function-decisions", json=decision_body)).json()
    event = await _one_event(client, int(event["sequence"]))
    assert (event["type"], event["communecode"]) == (f"{TYPE}.function_decision.created", "01654")
    assert event["data"]["record"] == await _get(client, f"/function-decisions/{first['id']}")

    changed = await client.patch(f"/function-decisions/{first['id']}", json={"note": "Dự thảo 2"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    event = await _one_event(client, int(event["sequence"]))
    assert (event["type"], event["data"]["changed_fields"]) == (f"{TYPE}.function_decision.updated", ["note"])

    issued = await client.post(
        f"/function-decisions/{first['id']}/issue", json={"issued_on": "2025-07-15"}, headers={"If-Match": '"2"'}
    )
    assert issued.status_code == 200, issued.text
    event = await _one_event(client, int(event["sequence"]))
    assert event["type"] == f"{TYPE}.function_decision.issued"
    assert event["data"]["record"] == await _get(client, f"/function-decisions/{first['id']}")

    # Issuing the next decision supersedes the first: two events of one transaction, in order.
    second = (await client.post("/function-decisions", json=decision_body | {"number": "2/2026/QĐ-UBND"})).json()
    mark = await _latest(client)
    response = await client.post(
        f"/function-decisions/{second['id']}/issue", json={"issued_on": "2026-01-01"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    events = await _events(client, mark)
    assert [(e["type"], e["partitionkey"]) for e in events] == [
        (f"{TYPE}.function_decision.superseded", first["id"]),
        (f"{TYPE}.function_decision.issued", second["id"]),
    ]
    assert events[0]["data"]["record"] == await _get(client, f"/function-decisions/{first['id']}")
    assert events[1]["data"]["record"] == await _get(client, f"/function-decisions/{second['id']}")
    assert _contiguous(events)


async def test_a_task_created_changed_and_transferred(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    start = await _latest(client)
    task = await create_task(client, ag.hoa_an_office, valid_from="2024-01-01")
    url = f"/tasks/{task['id']}"
    event = await _one_event(client, start)
    assert event["type"] == f"{TYPE}.task.created"
    assert event["data"]["record"] == await _get(client, url)
    assert event["subject"] == f"{ORG}/tasks/{task['id']}"

    changed = await client.patch(url, json={"legal_basis": "Luật 15/2023/QH15"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    event = await _one_event(client, int(event["sequence"]))
    assert event["data"] == {"record": await _get(client, url), "changed_fields": ["legal_basis"]}

    transfer = {"to_agency_id": str(ag.hoa_an_commune), "mode": "taken_over_from_district", "effective_date": "2025-07-01"}
    moved = await client.post(f"{url}/transfers", json=transfer | {"legal_basis": LAW}, headers={"If-Match": '"2"'})
    assert moved.status_code == 201, moved.text
    event = await _one_event(client, int(event["sequence"]))
    assert event["type"] == f"{TYPE}.task.transferred"
    record = await _get(client, url)
    assert event["data"]["record"] == record
    assert record["owner_agency_id"] == str(ag.hoa_an_commune)
    # Published with its new owner: Xã Hòa An's officers see it.
    assert (event["provincecode"], event["communecode"]) == ("04", "01654")


async def test_a_deleted_task_and_a_replayed_create(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    start = await _latest(client)
    body = {
        "code": "NV-009",
        "title": "Nhiệm vụ",
        "sector": "Y tế",
        "owner_agency_id": str(ag.health),
        "valid_from": "2020-01-01",
    }
    key = {"Idempotency-Key": "create-nv-009"}
    first = await client.post("/tasks", json=body, headers=key)
    assert first.status_code == 201, first.text
    replayed = await client.post("/tasks", json=body, headers=key)
    assert replayed.json() == first.json()
    [created] = await _events(client, start)  # the replay changed nothing, so published nothing
    url = f"/tasks/{first.json()['id']}"
    last = await _get(client, url)
    assert (await client.delete(url, headers={"If-Match": '"1"'})).status_code == 204
    deleted = await _one_event(client, int(created["sequence"]))
    assert (deleted["type"], deleted["data"]["record"], deleted["communecode"]) == (f"{TYPE}.task.deleted", last, None)


# --- what fails publishes nothing -------------------------------------------------------------


async def test_refused_writes_publish_nothing(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    province = await _province(client)
    created = (await client.post("/units", json=_commune(province["id"]))).json()
    url = f"/units/{created['id']}"
    start = await _latest(client)
    # A stale version, a rule broken (a code held on those dates), a malformed body.
    assert_problem(await client.patch(url, json={"name": "Xã Khác"}, headers={"If-Match": '"9"'}), 412, "stale_version")
    assert_problem(await client.post("/units", json=_commune(province["id"])), 409, "unit_code_overlap")
    assert_problem(await client.post("/units", json=_commune(province["id"], level="district")), 422, "validation_error")
    ag = await cao_bang_agencies(session)
    assert_problem(await client.post("/tasks", json={"code": "X"} | _task_of(ag.hoa_an_commune)), 409, "owner_not_in_force")
    assert await _events(client, start) == []
    assert await _latest(client) == start


def _task_of(owner: uuid.UUID) -> dict:
    return {"title": "Nhiệm vụ", "sector": "Y tế", "owner_agency_id": str(owner), "valid_from": "2020-01-01"}


@contextmanager
def _failing_after_the_outbox(connection: AsyncConnection) -> Iterator[list[str]]:
    """The database connection fails the statement after a change's audit record and events were inserted."""
    seen: list[str] = []

    def fail(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split("(")[0].strip())
        if statement.lstrip().upper().startswith("INSERT INTO EVENT_OUTBOX"):
            raise RuntimeError("injected: the database failed after the events were written")

    sync = connection.sync_connection
    assert sync is not None
    event.listen(sync, "after_cursor_execute", fail)
    try:
        yield seen
    finally:
        event.remove(sync, "after_cursor_execute", fail)


async def test_a_database_error_after_the_events_rolls_them_back(
    client: httpx.AsyncClient, session: AsyncSession, db_connection: AsyncConnection, cao_bang
) -> None:
    province = await _province(client)
    start, rows, audited = await _latest(client), await _outbox_rows(session), await _audit_rows(session)
    with _failing_after_the_outbox(db_connection) as seen:
        response = await client.post("/units", json=_commune(province["id"]))
        assert_problem(response, 500, "internal_error")
    assert any("audit_event" in statement for statement in seen)
    assert await _latest(client) == start
    assert await _outbox_rows(session) == rows
    # Nothing of the unit stays: no unit with the code on those dates, no audit record.
    assert (await client.get("/units/by-code/01999", params={"as_of": "2027-06-01"})).status_code == 404
    assert await _audit_rows(session) == audited
    # The next change publishes as usual, right after the last event committed.
    created = await client.post("/units", json=_commune(province["id"]))
    assert created.status_code == 201, created.text
    [event] = await _events(client, start)
    assert event["partitionkey"] == created.json()["id"]


# --- bulk writes: one event per record and one for the run, in one commit ----------------------


async def test_a_bulk_transfer_publishes_each_task_and_the_batch(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    tasks = [await create_task(client, ag.hoa_an_office, f"KT-{n:03}", sector="Kinh tế") for n in range(1, 7)]
    start = await _latest(client)
    payload = {
        "from_agency_id": str(ag.hoa_an_office),
        "effective_date": "2025-07-01",
        "mode": "taken_over_from_district",
        "legal_basis": LAW,
        "rows": [{"task_id": t["id"], "to_agency_id": str(ag.hoa_an_commune)} for t in tasks[:4]],
        "default_to_agency_id": str(ag.home_affairs),
    }
    response = await client.post("/task-transfers/bulk", json=payload)
    assert response.status_code == 201, response.text
    batch_id = response.json()["batch_id"]
    events = await _events(client, start)
    assert [e["type"] for e in events] == [f"{TYPE}.task.transferred"] * 6 + [f"{TYPE}.task_transfer_batch.created"]
    assert _contiguous(events)
    assert len({e["requestid"] for e in events}) == 1
    assert sorted(e["partitionkey"] for e in events[:6]) == sorted(t["id"] for t in tasks)
    for published in events[:6]:
        assert published["data"]["record"] == await _get(client, f"/tasks/{published['partitionkey']}")
    assert {e["communecode"] for e in events[:6]} == {"01654", None}  # to Xã Hòa An, or to the province's department
    summary = events[-1]
    assert summary["data"]["record"] == {
        "id": batch_id,
        "from_agency_id": str(ag.hoa_an_office),
        "effective_date": "2025-07-01",
        "mode": "taken_over_from_district",
        "legal_basis": LAW,
        "province_code": "04",
        "transfers": 6,
    }
    assert summary["subject"] == f"{ORG}/task-transfers?batch_id={batch_id}"


async def test_a_refused_bulk_transfer_publishes_nothing(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    task = await create_task(client, ag.hoa_an_office)
    start = await _latest(client)
    payload = {
        "from_agency_id": str(ag.hoa_an_office),
        "effective_date": "2025-07-01",
        "mode": "taken_over_from_district",
        "legal_basis": LAW,
        "rows": [{"task_id": task["id"], "to_agency_id": str(ag.hoa_an_commune)}, {"task_code": "NO-SUCH"}],
    }
    assert_problem(await client.post("/task-transfers/bulk", json=payload), 409, "bulk_transfer_rejected")
    assert await _events(client, start) == []


async def test_the_standard_setup_publishes_each_agency_and_the_run(client: httpx.AsyncClient, cao_bang) -> None:
    start = await _latest(client)
    response = await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"})
    assert response.status_code == 200, response.text
    created = response.json()["created"]
    assert created == 56 * 4
    events = await _events(client, start)
    assert [e["type"] for e in events] == [f"{TYPE}.agency.created"] * created + [f"{TYPE}.agency_standard_setup.created"]
    assert _contiguous(events)
    sample = events[100]
    assert sample["data"]["record"] == await _get(client, f"/agencies/{sample['partitionkey']}")
    assert events[-1]["data"]["record"] == {
        "communes": 56,
        "created": created,
        "already_present": 0,
        "province_code": "04",
        "as_of": "2025-07-01",
    }
    # Running it again creates nothing and publishes nothing.
    assert (await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"})).status_code == 200
    assert await _latest(client) == int(events[-1]["sequence"])


async def test_an_agency_import_publishes_each_agency_and_the_run(client: httpx.AsyncClient, cao_bang) -> None:
    content = (
        "Tên cơ quan,Loại,Mã đơn vị hành chính,Từ ngày\n"
        "Sở Y tế tỉnh Cao Bằng,provincial_department,04,\n"
        "Trạm Y tế xã Quảng Lâm,Đơn vị sự nghiệp công lập,01304,01/07/2025\n"
        "Sở X,provincial_department,99,\n"
    ).encode()
    start = await _latest(client)
    rejected = await client.post("/agencies/imports", files={"file": ("agencies.csv", content, "text/csv")})
    assert_problem(rejected, 409, "import_rejected")
    assert await _events(client, start) == []

    partial = await client.post(
        "/agencies/imports", params={"partial": "true"}, files={"file": ("agencies.csv", content, "text/csv")}
    )
    assert partial.status_code == 201, partial.text
    events = await _events(client, start)
    assert [e["type"] for e in events] == [f"{TYPE}.agency.created"] * 2 + [f"{TYPE}.agency_import.imported"]
    assert _contiguous(events)
    for published in events[:2]:
        assert published["data"]["record"] == await _get(client, f"/agencies/{published['partitionkey']}")
    assert [e["communecode"] for e in events[:2]] == [None, "01304"]
    assert events[-1]["data"]["record"] == {
        "filename": "agencies.csv",
        "rows": 3,
        "accepted": 2,
        "rejected": 1,
        "written": 2,
        "partial": True,
    }
    assert events[-1]["provincecode"] == "04"


async def test_a_task_import_publishes_each_task_and_the_run(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    start = await _latest(client)
    rows = [
        {"Mã nhiệm vụ": f"YT-{n:03}", "Tên nhiệm vụ": f"Nhiệm vụ {n}", "Lĩnh vực": "Y tế", "Cơ quan chủ trì": str(ag.health)}
        | {"Từ ngày": "01/01/2020"}
        for n in range(1, 6)
    ]
    response = await client.post("/tasks/imports", params={"province": "04"}, files={"file": ("tasks.csv", csv_file(rows))})
    assert response.status_code == 200, response.text
    assert response.json()["written"] == 5
    events = await _events(client, start)
    assert [e["type"] for e in events] == [f"{TYPE}.task.created"] * 5 + [f"{TYPE}.task_import.imported"]
    assert _contiguous(events)
    for published in events[:5]:
        assert published["data"]["record"] == await _get(client, f"/tasks/{published['partitionkey']}")
    assert events[-1]["data"]["record"] == {
        "filename": "tasks.csv",
        "province_code": "04",
        "rows": 5,
        "accepted": 5,
        "rejected": 0,
        "written": 5,
        "partial": False,
    }


async def test_the_units_import_publishes_every_unit_and_change_once(
    client: httpx.AsyncClient, session: AsyncSession, service_app: FastAPI, country_plan: ImportPlan
) -> None:
    plan = province_plan(country_plan, "04")
    trail = service_app.state.audit
    summary = await apply_plan(session, trail, system_principal("test-import"), plan, "province:04")
    await session.commit()
    events = await _events(client, 0)
    kinds = [e["type"] for e in events]
    assert kinds == (
        [f"{TYPE}.unit.created"] * summary.units_created
        + [f"{TYPE}.unit_change.created"] * summary.changes_created
        + [f"{TYPE}.unit_import.imported"]
    )
    assert (summary.units_created, summary.changes_created) == (228, 66)
    assert _contiguous(events)
    assert {e["actor"] for e in events} == {"system:test-import"}
    thuc_phan = await _get(client, "/units/by-code/01273?as_of=2026-01-01")
    [unit_event] = [e for e in events if e["partitionkey"] == thuc_phan["id"]]
    assert (unit_event["data"]["record"], unit_event["communecode"]) == (thuc_phan, "01273")
    change_event = next(e for e in events if e["type"] == f"{TYPE}.unit_change.created")
    assert change_event["data"]["record"] == await _get(client, f"/unit-changes/{change_event['partitionkey']}")
    assert events[-1]["data"]["record"]["scope"] == "province:04"
    assert events[-1]["provincecode"] == "04"
    # Importing again changes nothing, so it publishes nothing.
    await apply_plan(session, trail, system_principal("test-import"), plan, "province:04")
    await session.commit()
    assert await _latest(client) == int(events[-1]["sequence"])


async def _import_with_events(session: AsyncSession, service_app: FastAPI, plan: ImportPlan, scope: str) -> None:
    await apply_plan(session, service_app.state.audit, system_principal("test-import"), plan, scope)
    await session.commit()


async def test_the_units_import_publishes_what_it_corrects_and_ends(
    client: httpx.AsyncClient, session: AsyncSession, service_app: FastAPI, country_plan: ImportPlan
) -> None:
    quang_ninh, dong_nai = province_plan(country_plan, "22"), province_plan(country_plan, "75")
    await _import_with_events(session, service_app, quang_ninh, "province:22")
    await _import_with_events(session, service_app, dong_nai, "province:75")
    # As an import before the official list and the later changes would have left them.
    await session.execute(update(unit_table).where(unit_table.c.code == "06978").values(code="06970"))
    await session.execute(correction_table.delete())
    loc_ninh = await _get(client, "/units/by-code/25270?as_of=2026-04-29")
    phuong = uuid.UUID((await _get(client, "/units/by-code/25270?as_of=2026-05-01"))["id"])
    renames = select(link_table.c.change_id).where(link_table.c.unit_id == phuong).scalar_subquery()
    await session.execute(delete(link_table).where(link_table.c.change_id.in_(renames)))
    await session.execute(delete(change_table).where(change_table.c.id.not_in(select(link_table.c.change_id))))
    await session.execute(delete(unit_table).where(unit_table.c.id == phuong))
    await session.execute(update(unit_table).where(unit_table.c.id == uuid.UUID(loc_ninh["id"])).values(valid_to=None))
    await session.commit()
    start = await _latest(client)

    await _import_with_events(session, service_app, quang_ninh, "province:22")
    events = await _events(client, start)
    assert [e["type"] for e in events] == [
        f"{TYPE}.unit.updated",
        f"{TYPE}.unit_correction.created",
        f"{TYPE}.unit_import.imported",
    ]
    corrected, correction = events[0], events[1]
    assert corrected["data"] == {"record": await _get(client, f"/units/{corrected['partitionkey']}"), "changed_fields": ["code"]}
    assert corrected["data"]["record"]["code"] == "06978"
    assert correction["data"]["record"] == await _get(client, f"/unit-corrections/{correction['partitionkey']}")
    assert (correction["subject"], correction["provincecode"]) == (f"{ORG}/unit-corrections/{correction['partitionkey']}", "22")

    start = int(events[-1]["sequence"])
    await _import_with_events(session, service_app, dong_nai, "province:75")
    events = await _events(client, start)
    # Xã Lộc Ninh ends the day before Phường Lộc Ninh begins, by the rename that follows it.
    assert [(e["type"], e["data"]["record"].get("code")) for e in events] == [
        (f"{TYPE}.unit.updated", "25270"),
        (f"{TYPE}.unit.created", "25270"),
        (f"{TYPE}.unit_change.created", None),
        (f"{TYPE}.unit_import.imported", None),
    ]
    assert events[0]["partitionkey"] == loc_ninh["id"]
    assert events[2]["data"]["record"]["sources"][0]["id"] == loc_ninh["id"]
    ended = await _get(client, f"/units/{loc_ninh['id']}")
    assert events[0]["data"] == {"record": ended, "changed_fields": ["valid_to"]}
    assert events[0]["data"]["record"]["valid_to"] == "2026-04-29"


async def test_the_units_import_publishes_the_changes_it_retracts(
    client: httpx.AsyncClient, session: AsyncSession, service_app: FastAPI, country_plan: ImportPlan
) -> None:
    plan = province_plan(country_plan, "82")
    await _import_with_events(session, service_app, plan, "province:82")
    # As an import before the same-name rule left it: a change built from a dropped link.
    stale = next(iter(plan.superseded_change_ids))
    await session.execute(
        insert(change_table).values(
            id=stale, kind="split", effective_date=date(2025, 7, 1), legal_basis="x", province_code="82", version=1
        )
    )
    await session.execute(insert(link_table).values(change_id=stale, unit_id=plan.units[0].id, role="source"))
    await session.commit()
    before = await _get(client, f"/unit-changes/{stale}")
    start = await _latest(client)
    await _import_with_events(session, service_app, plan, "province:82")
    events = await _events(client, start)
    assert [(e["type"], e["partitionkey"]) for e in events[:-1]] == [(f"{TYPE}.unit_change.retracted", str(stale))]
    assert events[0]["data"]["record"] == before
    assert (await client.get(f"/unit-changes/{stale}")).status_code == 404


# --- who sees what ----------------------------------------------------------------------------


async def test_the_feed_shows_each_caller_their_area(
    client: httpx.AsyncClient, session: AsyncSession, test_tokens: TestTokens, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    start = await _latest(client)
    hoa_an = await create_task(client, ag.hoa_an_commune, "KT-001", valid_from="2025-07-01")
    nam_tuan = await create_task(client, ag.nam_tuan_commune, "KT-002", valid_from="2025-07-01")
    provincial = await create_task(client, ag.health, "YT-001")
    everything = [e["partitionkey"] for e in await _events(client, start)]
    assert everything == [hoa_an["id"], nam_tuan["id"], provincial["id"]]

    commune_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    assert [e["partitionkey"] for e in await _events(client, start, commune_officer)] == [hoa_an["id"]]
    province_officer = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert [e["partitionkey"] for e in await _events(client, start, province_officer)] == everything
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert await _events(client, start, elsewhere) == []
    agency_officer = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(ag.health))
    assert [e["partitionkey"] for e in await _events(client, start, agency_officer)] == [provincial["id"]]
    assert [e["partitionkey"] for e in await _events(client, start, commune="01660")] == [nam_tuan["id"]]
    assert [e["partitionkey"] for e in await _events(client, start, type=f"{TYPE}.task")] == everything
    assert await _events(client, start, type=f"{TYPE}.agency") == []
    viewer = test_tokens.headers(Role.VIEWER)
    assert (await client.get("/events", headers=viewer)).status_code == 403


async def test_every_event_type_has_a_schema_and_a_description(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/events/types")).json()["types"]
    types = {t["type"] for t in listed}
    assert {
        f"{TYPE}.unit.created",
        f"{TYPE}.unit.updated",
        f"{TYPE}.unit.deleted",
        f"{TYPE}.unit_change.retracted",
        f"{TYPE}.unit_correction.created",
        f"{TYPE}.unit_import.imported",
        f"{TYPE}.agency.created",
        f"{TYPE}.agency_standard_setup.created",
        f"{TYPE}.agency_import.imported",
        f"{TYPE}.function_decision.issued",
        f"{TYPE}.function_decision.superseded",
        f"{TYPE}.task.transferred",
        f"{TYPE}.task_import.imported",
        f"{TYPE}.task_transfer_batch.created",
    } <= types
    assert all(t["description"] for t in listed)
    for event_type in sorted(types):
        assert (await client.get(f"/events/schemas/{event_type}")).status_code == 200, event_type


async def test_an_unknown_unit_correction_is_a_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"/unit-corrections/{uuid.uuid4()}"), 404, "unit_correction_not_found")
