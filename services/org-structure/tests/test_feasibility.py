"""Task feasibility: dated statuses of held tasks, their rules, who records and answers, history, statistics, events."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.feasibility.models import feasibility_table
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .task_helpers import Agencies, cao_bang_agencies, create_task

TYPE = "vn.gov.haicap.org"
HOA_AN, NAM_TUAN = "01654", "01660"


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(feasibility_table)) or 0)


async def _tasks(client: httpx.AsyncClient, ag: Agencies) -> dict[str, dict[str, Any]]:
    """A task of Xã Hòa An's office, one of Xã Nam Tuấn's (another sector), and one of the Sở Y tế."""
    return {
        "hoa_an": await create_task(client, ag.hoa_an_commune, "NV-HA", valid_from="2025-07-01"),
        "nam_tuan": await create_task(
            client, ag.nam_tuan_commune, "NV-NT", valid_from="2025-07-01", sector="Nông nghiệp và Môi trường"
        ),
        "health": await create_task(client, ag.health, "NV-SYT"),
    }


def _status(agency: uuid.UUID, valid_from: str = "2025-08-01", **overrides: Any) -> dict[str, Any]:
    return {
        "agency_id": str(agency),
        "valid_from": valid_from,
        "status": "with_difficulties",
        "reasons": ["no_skilled_staff", "no_equipment_or_software"],
        "reason_text": "Chưa có công chức chuyên ngành y tế",
    } | overrides


async def _record(client: httpx.AsyncClient, task_id: str, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = await client.post(f"/tasks/{task_id}/feasibility", json=body, **kwargs)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


async def _stats(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/task-feasibility/stats", params={"province": "04", "as_of": "2025-12-31"} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_new_status_ends_the_one_in_force_the_day_before(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    task = (await _tasks(client, ag))["hoa_an"]
    response = await client.post(f"/tasks/{task['id']}/feasibility", json=_status(ag.hoa_an_commune))
    assert response.status_code == 201, response.text
    first = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"task-feasibility/{first['id']}"
    assert (first["task_code"], first["agency_name"], first["province_code"], first["commune_code"]) == (
        "NV-HA",
        "Phòng Kinh tế xã Hòa An",
        "04",
        HOA_AN,
    )
    assert (first["status"], first["proposal"], first["answer_state"], first["valid_to"]) == (
        "with_difficulties",
        None,
        None,
        None,
    )

    later = _status(ag.hoa_an_commune, "2025-09-15", status="cannot_carry_out", proposal="return_to_province")
    second = await _record(client, task["id"], later)
    assert (second["answer_state"], second["valid_from"]) == ("open", "2025-09-15")

    history = (await client.get(f"/tasks/{task['id']}/feasibility")).json()
    assert [(h["status"], h["valid_from"], h["valid_to"]) for h in history] == [
        ("cannot_carry_out", "2025-09-15", None),
        ("with_difficulties", "2025-08-01", "2025-09-14"),
    ]
    ended = await client.get(f"/task-feasibility/{first['id']}")
    assert (ended.headers["etag"], ended.json()["valid_to"]) == ('"2"', "2025-09-14")

    audit = (await client.get("/audit-events", params={"entity_type": "task_feasibility"})).json()["items"]
    assert sorted((e["action"], e["entity_id"]) for e in audit) == sorted(
        [("create", first["id"]), ("update", first["id"]), ("create", second["id"])]
    )
    # A status starting on or before the latest's first day is a correction, not a new status.
    assert_problem(
        await client.post(f"/tasks/{task['id']}/feasibility", json=_status(ag.hoa_an_commune, "2025-09-15")),
        409,
        "feasibility_not_latest",
    )
    assert await _count(session) == 2


async def test_reasons_and_proposals_follow_the_rules(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    task = (await _tasks(client, ag))["hoa_an"]
    url = f"/tasks/{task['id']}/feasibility"
    cases = [
        (_status(ag.hoa_an_commune, reasons=[]), 422, "reason_required"),
        (_status(ag.hoa_an_commune, reasons=["other"], reason_text=None), 422, "reason_text_required"),
        (_status(ag.hoa_an_commune, status="cannot_carry_out"), 422, "proposal_required"),
        (_status(ag.hoa_an_commune, status="normal"), 422, "reasons_not_expected"),
        (_status(ag.hoa_an_commune, reasons=["bad_weather"]), 422, "validation_error"),
        (_status(ag.hoa_an_commune, reasons=["funding", "funding"]), 422, "validation_error"),
        (_status(ag.hoa_an_commune, proposal="abolish"), 422, "validation_error"),
        (_status(ag.hoa_an_commune, reason_text="x" * 2001), 422, "validation_error"),
        (_status(ag.hoa_an_commune, extra="field"), 422, "validation_error"),
        (_status(uuid.uuid4()), 409, "agency_not_found"),
        # The Nam Tuấn office does not hold this task; the Hòa An office holds it only from 2025-07-01.
        (_status(ag.nam_tuan_commune), 409, "not_task_holder"),
        (_status(ag.hoa_an_commune, "2025-06-30"), 409, "not_task_holder"),
    ]
    for body, status, code in cases:
        assert_problem(await client.post(url, json=body), status, code)
    assert await _count(session) == 0
    normal = await _record(client, task["id"], _status(ag.hoa_an_commune, status="normal", reasons=[], reason_text=None))
    assert (normal["reasons"], normal["answer_state"]) == ([], None)
    other = _status(ag.hoa_an_commune, "2025-10-01", reasons=["other"], reason_text="Địa bàn rộng, đi lại khó khăn")
    assert (await _record(client, task["id"], other))["reasons"] == ["other"]
    assert await _count(session) == 2
    assert_problem(await client.post(f"/tasks/{uuid.uuid4()}/feasibility", json=other), 404, "task_not_found")


async def test_a_commune_officer_records_only_for_their_communes_agencies(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    tasks = await _tasks(client, ag)
    hoa_an = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=HOA_AN)
    mine = await _record(client, tasks["hoa_an"]["id"], _status(ag.hoa_an_commune), headers=hoa_an)
    assert mine["commune_code"] == HOA_AN
    theirs = _status(ag.nam_tuan_commune)
    assert_problem(
        await client.post(f"/tasks/{tasks['nam_tuan']['id']}/feasibility", json=theirs, headers=hoa_an), 403, "outside_area"
    )
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert_problem(
        await client.post(f"/tasks/{tasks['hoa_an']['id']}/feasibility", json=_status(ag.hoa_an_commune), headers=other_province),
        403,
        "outside_area",
    )
    viewer = test_tokens.headers(Role.VIEWER, province="04")
    assert_problem(
        await client.post(f"/tasks/{tasks['hoa_an']['id']}/feasibility", json=_status(ag.hoa_an_commune), headers=viewer),
        403,
        "role_not_allowed",
    )
    assert await _count(session) == 1

    # Reads follow the area too: Nam Tuấn's officer neither reads nor corrects Hòa An's status.
    nam_tuan = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=NAM_TUAN)
    assert_problem(await client.get(f"/task-feasibility/{mine['id']}", headers=nam_tuan), 403, "outside_area")
    patch = await client.patch(
        f"/task-feasibility/{mine['id']}", json={"reasons": ["workload"]}, headers=nam_tuan | {"If-Match": '"1"'}
    )
    assert_problem(patch, 403, "outside_area")
    listed = (await client.get("/task-feasibility", params={"as_of": "2025-12-31"}, headers=nam_tuan)).json()
    assert listed == {"items": [], "next": None}
    assert_problem(await client.get("/task-feasibility/stats", params={"commune": HOA_AN}, headers=nam_tuan), 403, "outside_area")
    seen = (await client.get("/task-feasibility", params={"as_of": "2025-12-31"}, headers=hoa_an)).json()
    assert [item["id"] for item in seen["items"]] == [mine["id"]]
    corrected = await client.patch(
        f"/task-feasibility/{mine['id']}", json={"reasons": ["workload"]}, headers=hoa_an | {"If-Match": '"1"'}
    )
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["reasons"], corrected.headers["etag"]) == (["workload"], '"2"')


async def test_only_the_province_answers_a_proposal(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    task = (await _tasks(client, ag))["hoa_an"]
    hoa_an = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=HOA_AN)
    body = _status(ag.hoa_an_commune, status="cannot_carry_out", proposal="train", proposal_text="Tập huấn 2 công chức")
    record = await _record(client, task["id"], body, headers=hoa_an)
    url = f"/task-feasibility/{record['id']}/answer"
    answer = {"state": "accepted", "answered_on": "2025-08-20", "decision": "123/QĐ-UBND", "note": "Sở Y tế tập huấn"}
    assert_problem(await client.post(url, json=answer, headers=hoa_an | {"If-Match": '"1"'}), 403, "role_not_allowed")
    other = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert_problem(await client.post(url, json=answer, headers=other | {"If-Match": '"1"'}), 403, "outside_area")
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert_problem(await client.post(url, json=answer, headers=province), 428, "if_match_required")
    assert_problem(await client.post(url, json=answer, headers=province | {"If-Match": '"7"'}), 412, "stale_version")
    assert_problem(
        await client.post(url, json=answer | {"state": "open"}, headers=province | {"If-Match": '"1"'}), 422, "validation_error"
    )
    assert_problem(
        await client.post(url, json=answer | {"decision": "x" * 201}, headers=province | {"If-Match": '"1"'}),
        422,
        "validation_error",
    )
    assert_problem(
        await client.post(url, json=answer | {"answered_on": "2025-07-31"}, headers=province | {"If-Match": '"1"'}),
        409,
        "answer_before_status",
    )
    answered = await client.post(url, json=answer, headers=province | {"If-Match": '"1"'})
    assert answered.status_code == 200, answered.text
    assert answered.headers["etag"] == '"2"'
    got = answered.json()
    assert (got["answer_state"], got["answered_on"], got["answer_decision"], got["answer_note"]) == (
        "accepted",
        "2025-08-20",
        "123/QĐ-UBND",
        "Sở Y tế tập huấn",
    )
    # Answered: the reporter corrects no more; the province may follow up (resolved).
    assert_problem(
        await client.patch(
            f"/task-feasibility/{record['id']}", json={"proposal_text": "x"}, headers=hoa_an | {"If-Match": '"2"'}
        ),
        409,
        "already_answered",
    )
    resolved = await client.post(
        url, json=answer | {"state": "resolved", "answered_on": "2025-10-01"}, headers={"If-Match": '"2"'}
    )
    assert resolved.json()["answer_state"] == "resolved"

    plain = await _record(client, task["id"], _status(ag.hoa_an_commune, "2025-11-01"))
    assert_problem(
        await client.post(
            f"/task-feasibility/{plain['id']}/answer", json=answer | {"answered_on": "2025-11-02"}, headers={"If-Match": '"1"'}
        ),
        409,
        "no_proposal",
    )
    actions = [e["action"] for e in (await client.get("/audit-events", params={"entity_id": record["id"]})).json()["items"]]
    assert sorted(actions) == ["answer", "answer", "create", "update"]


async def test_corrections_keep_the_rules_and_need_if_match(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    task = (await _tasks(client, ag))["hoa_an"]
    record = await _record(client, task["id"], _status(ag.hoa_an_commune))
    url = f"/task-feasibility/{record['id']}"
    assert_problem(await client.patch(url, json={"reasons": ["funding"]}), 428, "if_match_required")
    assert_problem(await client.patch(url, json={"reasons": ["funding"]}, headers={"If-Match": '"2"'}), 412, "stale_version")
    assert_problem(await client.patch(url, json={"reasons": []}, headers={"If-Match": '"1"'}), 422, "reason_required")
    assert_problem(await client.patch(url, json={"status": "normal"}, headers={"If-Match": '"1"'}), 422, "validation_error")
    proposed = await client.patch(url, json={"proposal": "reassign"}, headers={"If-Match": '"1"'})
    assert (proposed.json()["proposal"], proposed.json()["answer_state"]) == ("reassign", "open")
    withdrawn = await client.patch(url, json={"proposal": None}, headers={"If-Match": '"2"'})
    assert (withdrawn.json()["proposal"], withdrawn.json()["answer_state"], withdrawn.headers["etag"]) == (None, None, '"3"')
    assert_problem(await client.get(f"/task-feasibility/{uuid.uuid4()}"), 404, "task_feasibility_not_found")


async def test_stats_count_the_statuses_in_force(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    tasks = await _tasks(client, ag)
    empty = await _stats(client)
    assert (empty["tasks_reported"], empty["by_status"], empty["by_commune"], empty["by_sector"]) == (
        0,
        {"normal": 0, "with_difficulties": 0, "cannot_carry_out": 0},
        [],
        [],
    )
    await _record(client, tasks["hoa_an"]["id"], _status(ag.hoa_an_commune, "2025-08-01"))
    cannot = _status(ag.nam_tuan_commune, "2025-12-15", status="cannot_carry_out", reasons=["funding"], proposal="reassign")
    await _record(client, tasks["nam_tuan"]["id"], cannot)
    await _record(client, tasks["health"]["id"], _status(ag.health, status="normal", reasons=[], reason_text=None))

    stats = await _stats(client)
    assert stats["tasks_reported"] == 3
    assert stats["by_status"] == {"normal": 1, "with_difficulties": 1, "cannot_carry_out": 1}
    assert stats["by_reason"] == {
        "no_skilled_staff": 1,
        "no_equipment_or_software": 1,
        "unclear_legal_basis": 0,
        "overlap_with_other_agency": 0,
        "workload": 0,
        "funding": 1,
        "other": 0,
    }
    assert stats["proposals"]["reassign"] == {"open": 1, "accepted": 0, "rejected": 0, "resolved": 0}
    assert stats["proposals"]["train"] == {"open": 0, "accepted": 0, "rejected": 0, "resolved": 0}
    # Open for more than 30 days on 2025-12-31: Hòa An's (since 2025-08-01), not Nam Tuấn's (since 2025-12-15).
    assert stats["open_over_days"] == 1
    assert stats["by_commune"] == [
        {"commune_code": HOA_AN, "normal": 0, "with_difficulties": 1, "cannot_carry_out": 0, "open_over_days": 1},
        {"commune_code": NAM_TUAN, "normal": 0, "with_difficulties": 0, "cannot_carry_out": 1, "open_over_days": 0},
        {"commune_code": None, "normal": 1, "with_difficulties": 0, "cannot_carry_out": 0, "open_over_days": 0},
    ]
    assert stats["by_sector"] == [
        {"sector": "Nông nghiệp và Môi trường", "with_difficulties": 0, "cannot_carry_out": 1},
        {"sector": "Y tế", "with_difficulties": 1, "cannot_carry_out": 0},
    ]
    assert (await _stats(client, open_days=10))["open_over_days"] == 2
    assert (await _stats(client, as_of="2025-09-01"))["by_status"] == {"normal": 1, "with_difficulties": 1, "cannot_carry_out": 0}
    assert (await _stats(client, commune=HOA_AN))["tasks_reported"] == 1
    assert_problem(await client.get("/task-feasibility/stats", params={"open_days": 0}), 422, "validation_error")

    # One more record moves the counts by exactly one; the next status of the same pair replaces it.
    await _record(client, tasks["hoa_an"]["id"], _status(ag.hoa_an_commune, "2025-12-01", status="normal", reasons=[]))
    after = await _stats(client)
    assert after["tasks_reported"] == 3
    assert after["by_status"] == {"normal": 2, "with_difficulties": 0, "cannot_carry_out": 1}
    assert after["open_over_days"] == 0
    extra = await create_task(client, ag.hoa_an_commune, "NV-HA-2", valid_from="2025-07-01")
    await _record(client, extra["id"], _status(ag.hoa_an_commune, "2025-10-01", reasons=["workload"]))
    more = await _stats(client)
    assert (more["tasks_reported"], more["by_status"]["with_difficulties"], more["by_reason"]["workload"]) == (4, 1, 1)


async def test_the_list_filters_the_statuses_in_force(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    tasks = await _tasks(client, ag)
    difficult = await _record(client, tasks["hoa_an"]["id"], _status(ag.hoa_an_commune, "2025-08-01"))
    cannot = _status(ag.nam_tuan_commune, "2025-12-15", status="cannot_carry_out", reasons=["funding"], proposal="reassign")
    blocked = await _record(client, tasks["nam_tuan"]["id"], cannot)

    async def ids(**params: Any) -> set[str]:
        response = await client.get("/task-feasibility", params={"as_of": "2025-12-31"} | params)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert await ids() == {difficult["id"], blocked["id"]}
    assert await ids(status="cannot_carry_out") == {blocked["id"]}
    assert await ids(commune=HOA_AN) == {difficult["id"]}
    assert await ids(sector="Y tế") == {difficult["id"]}
    assert await ids(answer_state="open") == {blocked["id"]}
    assert await ids(open_days_over=30) == {difficult["id"]}
    assert await ids(as_of="2025-09-01") == {difficult["id"]}
    first = (await client.get("/task-feasibility", params={"as_of": "2025-12-31", "limit": 1})).json()
    second = (await client.get("/task-feasibility", params={"as_of": "2025-12-31", "cursor": first["next"]})).json()
    assert {i["id"] for i in first["items"] + second["items"]} == {difficult["id"], blocked["id"]}
    assert_problem(await client.get("/task-feasibility", params={"status": "bad"}), 422, "validation_error")


async def test_every_change_is_an_event_in_the_agencys_commune(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    task = (await _tasks(client, ag))["hoa_an"]
    start = int((await client.get("/events/latest")).json()["latest_sequence"])
    first = await _record(client, task["id"], _status(ag.hoa_an_commune))
    body = _status(ag.hoa_an_commune, "2025-09-01", status="cannot_carry_out", proposal="return_to_province")
    second = await _record(client, task["id"], body)
    await client.post(
        f"/task-feasibility/{second['id']}/answer",
        json={"state": "rejected", "answered_on": "2025-09-10"},
        headers={"If-Match": '"1"'},
    )
    hoa_an = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=HOA_AN)
    events = (await client.get("/events", params={"after": start, "limit": 100}, headers=hoa_an)).json()["events"]
    assert [(e["type"], e["data"]["record"]["id"]) for e in events] == [
        (f"{TYPE}.task_feasibility.created", first["id"]),
        (f"{TYPE}.task_feasibility.updated", first["id"]),
        (f"{TYPE}.task_feasibility.created", second["id"]),
        (f"{TYPE}.task_feasibility.answered", second["id"]),
    ]
    assert {(e["provincecode"], e["communecode"]) for e in events} == {("04", HOA_AN)}
    assert events[1]["data"]["record"]["valid_to"] == "2025-08-31"
    assert events[3]["data"]["record"]["answer_state"] == "rejected"
    nam_tuan = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=NAM_TUAN)
    assert (await client.get("/events", params={"after": start}, headers=nam_tuan)).json()["events"] == []


async def test_on_postgresql_two_statuses_of_one_pair_never_share_a_day(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, db_backend: str
) -> None:
    ag = await cao_bang_agencies(session)
    task = (await _tasks(client, ag))["hoa_an"]
    first = await _record(client, task["id"], _status(ag.hoa_an_commune))
    row = {
        "id": uuid.uuid4(),
        "task_id": uuid.UUID(task["id"]),
        "agency_id": ag.hoa_an_commune,
        "province_code": "04",
        "commune_code": HOA_AN,
        "status": "normal",
        "reasons": [],
        "valid_from": date(2025, 10, 1),
        "version": 1,
    }
    if db_backend != "postgresql":
        return  # NOTE: SQLite has no exclusion constraint; the service's own rule is tested above
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(insert(feasibility_table).values(**row))
    # Ended the day before, the same row fits.
    await session.execute(
        update(feasibility_table).where(feasibility_table.c.id == uuid.UUID(first["id"])).values(valid_to=date(2025, 9, 30))
    )
    await session.execute(insert(feasibility_table).values(**row))
    assert await _count(session) == 2


async def test_a_retried_status_with_its_idempotency_key_is_recorded_once(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    task = (await _tasks(client, ag))["hoa_an"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await _record(client, task["id"], _status(ag.hoa_an_commune), headers=key)
    again = await client.post(f"/tasks/{task['id']}/feasibility", json=_status(ag.hoa_an_commune), headers=key)
    assert (again.status_code, again.json()["id"], again.headers["idempotent-replayed"]) == (201, first["id"], "true")
    assert await _count(session) == 1
