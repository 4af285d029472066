"""The change feed of personnel: one event per changed record, in the changing transaction, masked, area-filtered.

Each change made through the API is read back twice: from the outbox (what the relay sends)
and from ``GET /events`` (what a follower reads); the event's record is what ``GET`` of the
record answers, and a write that fails leaves no event behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_personnel.db import event_tables
from haicap_shared.events.catalogue import CloudEvent
from haicap_shared.events.repository import cloud_event
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import approved_position, create_person, national_id, person_body, place

PREFIX = "vn.gov.haicap.personnel"
BOOKKEEPING = {"version", "updated_at"}


async def _mark(db_connection: AsyncConnection) -> int:
    """The newest sequence now: the events of a test are those after it."""
    outbox = event_tables.outbox
    return int((await db_connection.execute(select(func.coalesce(func.max(outbox.c.sequence), 0)))).scalar_one())


async def _events(db_connection: AsyncConnection, after: int) -> list[dict[str, Any]]:
    """The CloudEvents written after ``after``, in sequence order, as the outbox holds them."""
    outbox = event_tables.outbox
    rows = (await db_connection.execute(select(outbox).where(outbox.c.sequence > after).order_by(outbox.c.sequence))).all()
    return [_as_served(cloud_event(row)) for row in rows]


def _as_served(event_: dict[str, Any]) -> dict[str, Any]:
    """An event as the feed serves it (the CloudEvent model's JSON)."""
    served: dict[str, Any] = CloudEvent.model_validate(event_).model_dump(mode="json")
    return served


async def _feed(client: httpx.AsyncClient, after: int, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = await client.get("/events", params={"after": after, "limit": 1000}, headers=headers)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


async def _get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"].removeprefix(PREFIX + ".") for e in events]


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a user sees changed between two reads of a record."""
    return sorted(k for k in after if k not in BOOKKEEPING and before.get(k) != after[k])


def _contiguous(events: list[dict[str, Any]]) -> None:
    """One transaction's events: consecutive sequences, in order, from one request."""
    sequences = [int(e["sequence"]) for e in events]
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    assert len({e["requestid"] for e in events}) == 1


def _no_national_ids(events: list[dict[str, Any]], *numbers: str) -> None:
    text = json.dumps(events)
    for number in numbers:
        assert number not in text


async def _one_event(db_connection: AsyncConnection, after: int, kind_action: str) -> dict[str, Any]:
    events = await _events(db_connection, after)
    assert _types(events) == [kind_action]
    return events[0]


async def test_a_person_created_and_changed_has_one_event_each_masked(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World
) -> None:
    mark = await _mark(db_connection)
    body = person_body(world.new_office.id, certificates=["Tin học cơ bản"], salary_coefficient="2.67")
    person = await create_person(
        client, world.new_office.id, **{k: body[k] for k in ("national_id", "certificates", "salary_coefficient")}
    )
    created = await _one_event(db_connection, mark, "person.created")
    shown = await _get(client, f"/people/{person['id']}")
    assert created["data"] == {"record": shown, "changed_fields": None}
    assert created["data"]["record"]["national_id"] == "*********" + body["national_id"][-3:]
    assert created["subject"] == f"/api/v1/personnel/people/{person['id']}"
    assert (created["provincecode"], created["communecode"], created["partitionkey"]) == ("04", "01010", person["id"])
    assert created["dataschema"].endswith(f"/api/v1/personnel/events/schemas/{PREFIX}.person.created")

    mark = await _mark(db_connection)
    second = national_id(1985)
    changes = {"full_name": "Nông Thị Bình", "national_id": second, "certificates": ["B1"]}
    changed = await client.patch(f"/people/{person['id']}", json=changes, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    updated = await _one_event(db_connection, mark, "person.updated")
    after = await _get(client, f"/people/{person['id']}")
    assert updated["data"]["record"] == after
    # NOTE: the national id is named as changed, never shown: both numbers end in different digits here.
    assert updated["data"]["changed_fields"] == ["certificates", "full_name", "national_id"]
    assert set(_changed(shown, after)) <= set(updated["data"]["changed_fields"])
    _no_national_ids([created, updated], body["national_id"], second)
    assert await _feed(client, mark) == [updated]


async def test_a_position_through_its_approval_has_an_event_per_step(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    mark = await _mark(db_connection)
    position = await approved_position(client, test_tokens, world.department.id)
    events = await _events(db_connection, mark)
    assert _types(events) == ["job_position.created", "job_position.submitted", "job_position.appraised", "job_position.approved"]
    assert [e["data"]["changed_fields"] for e in events] == [None, ["status"], ["status"], ["status"]]
    assert [e["data"]["record"]["status"] for e in events] == ["drafting", "submitted", "appraised", "approved"]
    assert events[-1]["data"]["record"] == await _get(client, f"/positions/{position['id']}")
    assert {e["actorrole"] for e in events[1:]} == {"admin", "province_officer"}


async def test_quotas_training_and_cases_have_their_events(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World
) -> None:
    mark = await _mark(db_connection)
    quota = (await client.post("/quotas", json={"agency_id": str(world.department.id), "year": 2026, "posts": 40})).json()
    assert (await _one_event(db_connection, mark, "staffing_quota.created"))["data"]["record"] == await _get(
        client, f"/quotas/{quota['id']}"
    )
    mark = await _mark(db_connection)
    raised = await client.patch(f"/quotas/{quota['id']}", json={"posts": 42}, headers={"If-Match": '"1"'})
    assert raised.status_code == 200, raised.text
    event_ = await _one_event(db_connection, mark, "staffing_quota.updated")
    assert (event_["data"]["changed_fields"], event_["data"]["record"]) == (
        ["posts"],
        await _get(client, f"/quotas/{quota['id']}"),
    )

    person = await create_person(
        client, world.department.id, birth_date="1966-01-15", salary_coefficient="4.65", social_insurance_start_date="2003-05-01"
    )
    mark = await _mark(db_connection)
    training = {
        "person_id": person["id"],
        "course": "Kỹ năng số",
        "topic": "it_skills",
        "start_date": "2025-09-01",
        "hours": "40",
    }
    record = (await client.post("/training-records", json=training)).json()
    assert (await _one_event(db_connection, mark, "training_record.created"))["data"]["record"] == await _get(
        client, f"/training-records/{record['id']}"
    )

    mark = await _mark(db_connection)
    case_body = {
        "person_id": person["id"],
        "policy": "early_retirement",
        "leave_date": "2025-05-01",
        "decision_date": "2025-03-01",
    }
    case = (await client.post("/streamlining-cases", json=case_body)).json()
    changed = await client.patch(f"/streamlining-cases/{case['id']}", json={"reason": "Dôi dư"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    approved = await client.post(
        f"/streamlining-cases/{case['id']}/transitions", json={"action": "approve", "note": "QĐ 12"}, headers={"If-Match": '"2"'}
    )
    assert approved.status_code == 200, approved.text
    events = await _events(db_connection, mark)
    assert _types(events) == ["streamlining_case.created", "streamlining_case.updated", "streamlining_case.approved"]
    assert [e["data"]["changed_fields"] for e in events] == [None, ["reason"], ["status"]]
    assert events[-1]["data"]["record"] == await _get(client, f"/streamlining-cases/{case['id']}")


async def test_a_placement_moves_its_person_and_both_are_published(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    position = await approved_position(client, test_tokens, world.new_office.id)
    person = await create_person(client, world.department.id)
    before = await _get(client, f"/people/{person['id']}")
    mark = await _mark(db_connection)
    placed = await place(client, person["id"], position["id"], "2025-07-01")
    assert placed.status_code == 201, placed.text
    events = await _events(db_connection, mark)
    assert _types(events) == ["placement.created", "person.updated"]
    _contiguous(events)
    after = await _get(client, f"/people/{person['id']}")
    assert events[0]["data"]["record"] == await _get(client, f"/placements/{placed.json()['id']}")
    assert events[1]["data"] == {"record": after, "changed_fields": _changed(before, after)}
    assert events[1]["data"]["changed_fields"] == ["agency_id", "agency_level", "commune_code", "unit_id"]

    mark = await _mark(db_connection)
    ended = await client.patch(f"/placements/{placed.json()['id']}", json={"valid_to": "2025-12-31"}, headers={"If-Match": '"1"'})
    assert ended.status_code == 200, ended.text
    event_ = await _one_event(db_connection, mark, "placement.updated")
    assert event_["data"] == {"record": await _get(client, f"/placements/{placed.json()['id']}"), "changed_fields": ["valid_to"]}


async def test_a_recruitment_publishes_the_ended_and_new_placements_and_the_person(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    old = await approved_position(client, test_tokens, world.former_offices[0].id)
    new = await approved_position(client, test_tokens, world.new_office.id)
    worker = await create_person(client, world.former_offices[0].id, category="non_specialised")
    first = (await place(client, worker["id"], old["id"], "2020-01-01")).json()
    before = await _get(client, f"/people/{worker['id']}")
    mark = await _mark(db_connection)
    body = {"position_id": new["id"], "effective_date": "2025-08-01", "decision_number": "15/QĐ-UBND"}
    recruited = await client.post(
        f"/people/{worker['id']}/recruitment", json=body, headers={"If-Match": f'"{before["version"]}"'}
    )
    assert recruited.status_code == 201, recruited.text
    events = await _events(db_connection, mark)
    assert _types(events) == ["placement.updated", "placement.created", "person.recruited"]
    _contiguous(events)
    assert events[0]["data"] == {"record": await _get(client, f"/placements/{first['id']}"), "changed_fields": ["valid_to"]}
    assert events[1]["data"]["record"] == await _get(client, f"/placements/{recruited.json()['placement']['id']}")
    after = await _get(client, f"/people/{worker['id']}")
    assert events[2]["data"] == {"record": after, "changed_fields": _changed(before, after)}
    assert "category" in events[2]["data"]["changed_fields"]


@contextmanager
def _failing_at_the_outbox(connection: AsyncConnection) -> Iterator[list[str]]:
    """The outbox INSERT fails: a database error at commit, after the person and its audit record were written."""
    seen: list[str] = []

    def before_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.lstrip().upper()
        for table in ("PERSON", "AUDIT_EVENT", "IDEMPOTENCY_KEY"):
            if words.startswith(f"INSERT INTO {table} "):
                seen.append(table.lower())
        if words.startswith("INSERT INTO EVENT_OUTBOX"):
            seen.append("event_outbox")
            raise RuntimeError("injected failure writing the outbox")

    target = connection.sync_connection
    assert target is not None
    event.listen(target, "before_cursor_execute", before_execute)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", before_execute)


async def test_a_write_that_fails_leaves_no_event(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.department.id)
    taken = person_body(world.department.id)
    taken_id = (await create_person(client, world.department.id, national_id=taken["national_id"]))["id"]
    draft = (
        await client.post("/positions", json={"agency_id": str(world.department.id), "title": "Nháp", "group": "support"})
    ).json()
    mark = await _mark(db_connection)
    # A stale If-Match (412), a rule (409), a malformed change (422), a refused batch (409).
    assert_problem(
        await client.patch(f"/people/{person['id']}", json={"full_name": "X Y"}, headers={"If-Match": '"7"'}),
        412,
        "stale_version",
    )
    assert_problem(await client.post("/people", json=taken | {"full_name": "Người Khác"}), 409, "national_id_taken")
    assert_problem(
        await client.post("/people", json=person_body(world.department.id, national_id="12345")), 422, "validation_error"
    )
    rows = [{"person_id": person["id"], "position_id": draft["id"], "valid_from": "2025-01-01"}]
    assert_problem(await client.post("/placements/batch", json={"rows": rows}), 409, "placement_batch_rejected")
    assert await _events(db_connection, mark) == []

    # A database error at commit, once the person, its audit record and the idempotent answer were written: all rolled back.
    body = person_body(world.department.id)
    with _failing_at_the_outbox(db_connection) as seen:
        failed = await client.post("/people", json=body, headers={"Idempotency-Key": "fails-late"})
    assert seen == ["person", "audit_event", "idempotency_key", "event_outbox"]
    assert failed.status_code == 500
    assert await _events(db_connection, mark) == []
    listed = (await client.get("/people", params={"limit": 500})).json()["items"]
    assert {p["id"] for p in listed} == {person["id"], taken_id}


async def test_a_batch_publishes_each_placement_and_each_person_moved_in_one_commit(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    position = await approved_position(client, test_tokens, world.new_office.id)
    numbers = [national_id(1985) for _ in range(3)]
    people = [await create_person(client, world.department.id, national_id=n) for n in numbers]
    mark = await _mark(db_connection)
    rows = [{"person_id": p["id"], "position_id": position["id"], "valid_from": "2025-07-01"} for p in people[:2]]
    rows.append({"person_id": people[2]["id"], "position_id": position["id"], "valid_from": "2025-07-01", "is_primary": False})
    done = await client.post("/placements/batch", json={"rows": rows})
    assert done.status_code == 201, done.text
    events = await _events(db_connection, mark)
    assert _types(events) == ["placement.created"] * 3 + ["person.updated"] * 2
    _contiguous(events)
    placements = (await client.get("/placements", params={"position_id": position["id"]})).json()["items"]
    assert sorted((e["data"]["record"] for e in events[:3]), key=lambda r: r["id"]) == sorted(placements, key=lambda r: r["id"])
    for event_ in events[3:]:
        assert event_["data"]["record"] == await _get(client, f"/people/{event_['partitionkey']}")
        assert event_["data"]["changed_fields"] == ["agency_id", "agency_level", "commune_code", "unit_id"]
    assert {e["partitionkey"] for e in events[3:]} == {people[0]["id"], people[1]["id"]}
    _no_national_ids(events, *numbers)
    assert await _feed(client, mark) == events


async def test_a_bulk_replacement_publishes_every_placement_ended_and_made_every_person_moved_and_itself(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    former = [await approved_position(client, test_tokens, o.id) for o in world.former_offices[:2]]
    new = await approved_position(client, test_tokens, world.new_office.id)
    numbers = [national_id(1985) for _ in range(2)]
    people = [await create_person(client, o.id, national_id=n) for o, n in zip(world.former_offices[:2], numbers, strict=True)]
    first = [(await place(client, p["id"], pos["id"], "2020-01-01")).json() for p, pos in zip(people, former, strict=True)]
    before = [await _get(client, f"/people/{p['id']}") for p in people]
    bulk = {
        "effective_date": "2025-07-01",
        "from_agency_ids": [str(o.id) for o in world.former_offices[:2]],
        "rows": [{"person_id": p["id"], "position_id": new["id"]} for p in people],
    }
    # Refused (someone listed twice): nothing written, no event.
    mark = await _mark(db_connection)
    twice = bulk | {"rows": bulk["rows"] + bulk["rows"][:1]}
    assert_problem(await client.post("/placements/bulk", json=twice), 409, "replacement_rejected")
    assert await _events(db_connection, mark) == []

    done = await client.post("/placements/bulk", json=bulk)
    assert done.status_code == 200, done.text
    events = await _events(db_connection, mark)
    assert _types(events) == ["placement.updated"] * 2 + ["placement.created"] * 2 + ["person.updated"] * 2 + [
        "bulk_replacement.created"
    ]
    _contiguous(events)
    for event_ in events[:2]:
        assert event_["data"] == {
            "record": await _get(client, f"/placements/{event_['partitionkey']}"),
            "changed_fields": ["valid_to"],
        }
        assert event_["data"]["record"]["valid_to"] == "2025-06-30"
    assert {e["partitionkey"] for e in events[:2]} == {p["id"] for p in first}
    for event_ in events[2:4]:
        assert event_["data"]["record"] == await _get(client, f"/placements/{event_['partitionkey']}")
        assert (event_["data"]["record"]["valid_from"], event_["data"]["record"]["agency_id"]) == (
            "2025-07-01",
            str(world.new_office.id),
        )
    for event_ in events[4:6]:
        assert event_["data"]["record"] == await _get(client, f"/people/{event_['partitionkey']}")
        previous = next(p for p in before if p["id"] == event_["partitionkey"])
        assert (
            event_["data"]["changed_fields"]
            == _changed(previous, event_["data"]["record"])
            == ["agency_id", "commune_code", "unit_id"]
        )
    summary = events[-1]
    assert summary["subject"] == "/api/v1/personnel/placements/bulk/2025-07-01"
    assert summary["data"]["record"] == {
        "effective_date": "2025-07-01",
        "rows": 2,
        "placed": 2,
        "ended": 2,
        "from_agency_ids": bulk["from_agency_ids"],
        "ended_placement_ids": summary["data"]["record"]["ended_placement_ids"],
        "placement_ids": [e["partitionkey"] for e in events[2:4]],
        "career_events": 0,
        "province_code": "04",
        "commune_code": "01010",
    }
    assert sorted(summary["data"]["record"]["ended_placement_ids"]) == sorted(p["id"] for p in first)
    assert (summary["provincecode"], summary["communecode"]) == ("04", "01010")
    _no_national_ids(events, *numbers)


HEADER = "Họ và tên,Ngày sinh,Giới tính,Số định danh,Đối tượng,Trình độ chuyên môn,Mã cơ quan"


def _csv(world: World, numbers: list[str]) -> bytes:
    lines = [HEADER] + [f"Hoàng Thị Lan,12/05/1990,Nữ,{n},Công chức,Đại học,{world.new_office.id}" for n in numbers]
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


async def test_an_import_publishes_every_person_then_itself_masked(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    numbers = [national_id(1990, "female") for _ in range(3)]
    mark = await _mark(db_connection)
    refused = await client.post("/people/imports", files={"file": ("can-bo.csv", _csv(world, [*numbers, "12345"]))})
    assert_problem(refused, 409, "import_rejected")
    assert await _events(db_connection, mark) == []

    partial = await client.post(
        "/people/imports", files={"file": ("can-bo.csv", _csv(world, [*numbers, "12345"]))}, params={"partial": "true"}
    )
    assert partial.status_code == 201, partial.text
    events = await _events(db_connection, mark)
    assert _types(events) == ["person.created"] * 3 + ["person_import.imported"]
    _contiguous(events)
    for event_ in events[:3]:
        assert event_["data"]["record"] == await _get(client, f"/people/{event_['partitionkey']}")
    assert sorted(e["data"]["record"]["national_id"] for e in events[:3]) == sorted("*********" + n[-3:] for n in numbers)
    _no_national_ids(events, *numbers)
    assert events[-1]["data"]["record"] == {
        "filename": "can-bo.csv",
        "rows": 4,
        "accepted": 3,
        "rejected": 1,
        "written": 3,
        "partial": True,
        "province_code": "04",
        "commune_code": "01010",
    }
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert await _feed(client, mark, commune) == events


async def test_a_large_import_writes_its_events_in_batches(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World
) -> None:
    numbers = [national_id(1990, "female") for _ in range(2500)]
    mark = await _mark(db_connection)
    done = await client.post("/people/imports", files={"file": ("lon.csv", _csv(world, numbers))})
    assert done.status_code == 201, done.text
    assert done.json()["written"] == 2500
    events = await _events(db_connection, mark)
    assert len(events) == 2501
    assert _types(events[-1:]) == ["person_import.imported"]
    assert len({e["partitionkey"] for e in events[:-1]}) == 2500
    _contiguous(events)
    _no_national_ids(events, numbers[0], numbers[-1])


async def test_a_commune_officer_follows_only_their_communes_events(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    mark = await _mark(db_connection)
    here = await create_person(client, world.new_office.id)
    await create_person(client, world.department.id)
    await create_person(client, world.former_offices[0].id)
    everything = await _events(db_connection, mark)
    assert [e["communecode"] for e in everything] == ["01010", None, "01001"]
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert [e["partitionkey"] for e in await _feed(client, mark, commune)] == [here["id"]]
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert await _feed(client, mark, province) == everything
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="06")
    assert await _feed(client, mark, elsewhere) == []


async def test_training_a_person_reassesses_their_placement_and_publishes_both(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World, test_tokens: TestTokens
) -> None:
    position = await approved_position(client, test_tokens, world.department.id)
    person = await create_person(client, world.department.id, education_level="college")
    placed = (await place(client, person["id"], position["id"], "2024-01-01")).json()
    assert placed["suitability"] == "unsuitable"
    mark = await _mark(db_connection)
    trained = await client.patch(f"/people/{person['id']}", json={"education_level": "university"}, headers={"If-Match": '"1"'})
    assert trained.status_code == 200, trained.text
    events = await _events(db_connection, mark)
    assert _types(events) == ["placement.reassessed", "person.updated"]
    _contiguous(events)
    assert events[0]["data"] == {
        "record": await _get(client, f"/placements/{placed['id']}"),
        "changed_fields": ["suitability", "suitability_reasons"],
    }
    assert events[1]["data"] == {"record": await _get(client, f"/people/{person['id']}"), "changed_fields": ["education_level"]}


async def test_every_type_is_listed_with_its_schema(client: httpx.AsyncClient) -> None:
    listed = (await _get(client, "/events/types"))["types"]
    kinds = {t["type"].removeprefix(PREFIX + ".") for t in listed}
    assert {"person.created", "person.recruited", "placement.reassessed", "bulk_replacement.created"} <= kinds
    assert {"person_import.imported", "streamlining_case.withdrawn", "job_position.returned", "training_record.created"} <= kinds
    for described in listed:
        schema = await client.get(f"/events/schemas/{described['type']}")
        assert schema.status_code == 200, (described["type"], schema.text)
    person = (await client.get(f"/events/schemas/{PREFIX}.person.updated")).text
    assert "national_id" in person
