"""Transfers: one task at a time (If-Match), and a whole district office's tasks in bulk."""

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.tasks.models import ownership_table
from haicap_org_structure.transfers.models import TaskLevel, transfer_table
from haicap_shared.codes import UnitLevel
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .task_helpers import AFTER, add_agency, cao_bang_agencies, create_task, findings, stats

LAW = "Luật Tổ chức chính quyền địa phương 72/2025/QH15"


def _transfer(to: uuid.UUID, effective_date: str = "2025-07-01", mode: str = "taken_over_from_district") -> dict[str, Any]:
    return {"to_agency_id": str(to), "mode": mode, "effective_date": effective_date, "legal_basis": LAW}


def test_a_transfer_level_is_a_unit_level_or_central() -> None:
    assert {level.value for level in TaskLevel} == {level.value for level in UnitLevel} | {"central"}


async def _rows(session: AsyncSession) -> tuple[int, int]:
    owners = await session.scalar(select(func.count()).select_from(ownership_table))
    transfers = await session.scalar(select(func.count()).select_from(transfer_table))
    return int(owners or 0), int(transfers or 0)


async def test_a_transfer_closes_the_old_owner_and_opens_the_new(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    task = await create_task(client, ag.hoa_an_office, title="Quản lý đất đai", sector="Đất đai")
    url = f"/tasks/{task['id']}/transfers"
    response = await client.post(url, json=_transfer(ag.hoa_an_commune), headers={"If-Match": '"1"'})
    assert response.status_code == 201, response.text
    transfer = response.json()
    assert response.headers["etag"] == '"2"'
    assert (transfer["from_level"], transfer["to_level"], transfer["from_agency_name"], transfer["to_agency_name"]) == (
        "district",
        "commune",
        "Phòng Kinh tế và Hạ tầng huyện Hòa An",
        "Phòng Kinh tế xã Hòa An",
    )
    history = (await client.get(f"/tasks/{task['id']}/ownership")).json()
    assert [(h["agency_name"], h["level"], h["valid_from"], h["valid_to"], h["transfer_id"]) for h in history] == [
        ("Phòng Kinh tế và Hạ tầng huyện Hòa An", "district", "2020-01-01", "2025-06-30", None),
        ("Phòng Kinh tế xã Hòa An", "commune", "2025-07-01", None, transfer["id"]),
    ]
    assert (await client.get(f"/tasks/{task['id']}", params={"as_of": "2025-06-30"})).json()["level"] == "district"
    current = (await client.get(f"/tasks/{task['id']}")).json()
    assert (current["level"], current["owner_agency_name"], current["version"]) == ("commune", "Phòng Kinh tế xã Hòa An", 2)
    events = (await client.get("/audit-events", params={"entity_id": task["id"]})).json()["items"]
    assert [e["action"] for e in events] == ["create", "transfer"]
    assert events[1]["after"]["closed"]["valid_to"] == "2025-06-30"
    assert events[1]["after"]["transfer"]["id"] == transfer["id"]


async def test_bad_transfers_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    task = await create_task(client, ag.hoa_an_office, valid_from="2024-01-01")
    url = f"/tasks/{task['id']}/transfers"
    v1 = {"If-Match": '"1"'}
    before = await _rows(session)
    body = assert_problem(
        await client.post(url, json=_transfer(ag.health, "2023-12-31", "reassigned"), headers=v1), 409, "transfer_before_start"
    )
    assert "2024-01-01" in body["detail"]
    assert_problem(
        await client.post(url, json=_transfer(ag.health, "2024-01-01", "reassigned"), headers=v1), 409, "transfer_before_start"
    )
    # The commune office is not in force before 2025-07-01.
    body = assert_problem(
        await client.post(url, json=_transfer(ag.hoa_an_commune, "2025-06-01"), headers=v1), 409, "owner_not_in_force"
    )
    assert "Phòng Kinh tế xã Hòa An" in body["detail"]
    assert_problem(await client.post(url, json=_transfer(uuid.uuid4()), headers=v1), 409, "owner_not_found")
    assert_problem(
        await client.post(url, json=_transfer(ag.hoa_an_office, "2025-01-01", "reassigned"), headers=v1),
        409,
        "transfer_to_same_owner",
    )
    assert_problem(await client.post(url, json=_transfer(ag.hoa_an_commune)), 428, "if_match_required")
    assert_problem(await client.post(url, json=_transfer(ag.hoa_an_commune), headers={"If-Match": '"7"'}), 412, "stale_version")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    # A commune officer cannot take a task away from the district office (outside their area)...
    assert_problem(await client.post(url, json=_transfer(ag.hoa_an_commune), headers=commune | v1), 403, "outside_area")
    # ... and an officer of another province cannot move it at all.
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert_problem(await client.post(url, json=_transfer(ag.hoa_an_commune), headers=elsewhere | v1), 403, "outside_area")
    assert_problem(
        await client.post(url, json=_transfer(ag.hoa_an_commune) | {"mode": "sideways"}, headers=v1), 422, "validation_error"
    )
    assert await _rows(session) == before
    assert (await client.get(f"/tasks/{task['id']}")).json()["version"] == 1


async def test_a_second_transfer_must_follow_the_first(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    task = await create_task(client, ag.hoa_an_office)
    url = f"/tasks/{task['id']}/transfers"
    assert (await client.post(url, json=_transfer(ag.hoa_an_commune), headers={"If-Match": '"1"'})).status_code == 201
    assert_problem(
        await client.post(url, json=_transfer(ag.health, "2025-07-01", "returned"), headers={"If-Match": '"2"'}),
        409,
        "transfer_before_start",
    )
    response = await client.post(url, json=_transfer(ag.health, "2026-01-01", "returned"), headers={"If-Match": '"2"'})
    assert response.status_code == 201, response.text
    history = (await client.get(f"/tasks/{task['id']}/ownership")).json()
    assert [(h["level"], h["valid_from"], h["valid_to"]) for h in history] == [
        ("district", "2020-01-01", "2025-06-30"),
        ("commune", "2025-07-01", "2025-12-31"),
        ("province", "2026-01-01", None),
    ]
    listed = (await client.get("/task-transfers", params={"task_id": task["id"]})).json()["items"]
    assert [(t["mode"], t["effective_date"]) for t in listed] == [
        ("taken_over_from_district", "2025-07-01"),
        ("returned", "2026-01-01"),
    ]


async def _district_with_tasks(client: httpx.AsyncClient, session: AsyncSession, count: int) -> tuple[Any, list[dict[str, Any]]]:
    ag = await cao_bang_agencies(session)
    tasks = [
        await create_task(client, ag.hoa_an_office, f"HA-{n:03d}", title=f"Nhiệm vụ cấp huyện số {n}", sector="Kinh tế")
        for n in range(1, count + 1)
    ]
    return ag, tasks


async def test_a_whole_district_office_is_transferred_in_bulk(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag, tasks = await _district_with_tasks(client, session, 12)
    await create_task(client, ag.health, "YT-001")
    before = await stats(client, "2025-06-30", province="04")
    assert (before["by_level"], before["total"]) == ({"province": 1, "district": 12, "commune": 0}, 13)
    # Before the transfer, from 2025-07-01 the ended district office still holds its 12 tasks: a gap.
    gap = await findings(client, "2025-07-01", kind="ended_owner")
    assert gap["counts"]["ended_owner"] == 12
    assert gap["items"][0]["agencies"][0]["name"] == "Phòng Kinh tế và Hạ tầng huyện Hòa An"

    # 5 tasks to Xã Hòa An, 4 to Xã Nam Tuấn (by code), the rest (3) to the province's department.
    rows = [{"task_id": t["id"], "to_agency_id": str(ag.hoa_an_commune)} for t in tasks[:5]] + [
        {"task_code": t["code"], "to_agency_id": str(ag.nam_tuan_commune)} for t in tasks[5:9]
    ]
    payload = {
        "from_agency_id": str(ag.hoa_an_office),
        "effective_date": "2025-07-01",
        "mode": "taken_over_from_district",
        "legal_basis": LAW,
        "rows": rows,
        "default_to_agency_id": str(ag.home_affairs),
    }
    response = await client.post("/task-transfers/bulk", json=payload)
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (12, 12, 0, 12)
    assert report["remaining_with_from_agency"] == 0
    assert {t["batch_id"] for t in report["transfers"]} == {report["batch_id"]}

    after = await stats(client, "2025-07-01", province="04", by=["level", "sector", "agency", "unit"])
    assert (after["by_level"], after["total"]) == ({"province": 4, "district": 0, "commune": 9}, 13)
    assert {a["agency_name"]: a["count"] for a in after["by_agency"]} == {
        "Phòng Kinh tế xã Hòa An": 5,
        "Phòng Kinh tế xã Nam Tuấn": 4,
        "Sở Nội vụ": 3,
        "Sở Y tế": 1,
    }
    assert {u["unit_code"]: u["count"] for u in after["by_unit"]} == {"04": 4, "01654": 5, "01660": 4}
    assert after["by_sector"] == [{"sector": "Kinh tế", "count": 12}, {"sector": "Y tế", "count": 1}]
    # The same records still answer for the day before.
    assert (await stats(client, "2025-06-30", province="04"))["by_level"] == before["by_level"]
    assert (await findings(client, "2025-07-01"))["counts"]["ended_owner"] == 0

    moved = await client.get("/task-transfers/stats", params={"province": "04", "from": "2025-07-01", "to": "2025-07-31"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["by_mode"]["taken_over_from_district"] == 12
    assert {(r["from_level"], r["to_level"], r["count"]) for r in moved.json()["by_route"]} == {
        ("district", "commune", 9),
        ("district", "province", 3),
    }
    assert (await client.get("/task-transfers/stats", params={"from": "2025-08-01"})).json()["total"] == 0
    versions = {(await client.get(f"/tasks/{t['id']}")).json()["version"] for t in tasks}
    assert versions == {2}
    events = (await client.get("/audit-events", params={"entity_id": tasks[0]["id"]})).json()["items"]
    assert [e["action"] for e in events] == ["create", "transfer"]


async def test_a_bulk_transfer_with_a_bad_row_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag, tasks = await _district_with_tasks(client, session, 4)
    provincial = await create_task(client, ag.health, "YT-001")
    ended = await add_agency(session, "Phòng cũ", AgencyKind.COMMUNE_OFFICE, "01654", valid_from=AFTER, valid_to=AFTER)
    await session.commit()
    before = await _rows(session)
    payload = {
        "from_agency_id": str(ag.hoa_an_office),
        "effective_date": "2025-07-01",
        "mode": "taken_over_from_district",
        "legal_basis": LAW,
        "rows": [
            {"task_id": tasks[0]["id"], "to_agency_id": str(ag.hoa_an_commune)},
            {"task_code": "HA-999", "to_agency_id": str(ag.hoa_an_commune)},  # no such task
            {"task_id": provincial["id"], "to_agency_id": str(ag.hoa_an_commune)},  # not the district office's
            {"task_id": tasks[1]["id"], "to_agency_id": str(uuid.uuid4())},  # no such agency
            {"task_id": tasks[2]["id"]},  # no owner given and no default
            {"task_id": tasks[3]["id"], "to_agency_id": str(ended)},  # fine on 2025-07-01 ...
            {"task_id": tasks[3]["id"], "to_agency_id": str(ag.hoa_an_commune)},  # ... but listed twice
        ],
    }
    body = assert_problem(await client.post("/task-transfers/bulk", json=payload), 409, "bulk_transfer_rejected")
    report = body["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"], report["batch_id"]) == (7, 2, 5, 0, None)
    problems = {p["row"]: p["errors"] for p in report["problems"]}
    assert set(problems) == {2, 3, 4, 5, 7}
    assert "no task HA-999" in problems[2][0]
    assert "does not lead" in problems[3][0]
    assert problems[4][0].startswith("owner_not_found")
    assert problems[5] == ["no to_agency_id and no default_to_agency_id"]
    assert problems[7] == ["the task is listed twice"]
    assert report["remaining_with_from_agency"] == 4
    assert await _rows(session) == before

    # An owner outside the caller's area is a row problem too, and so is a date before the owner's start.
    district_officer = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(ag.hoa_an_office))
    payload = payload | {
        "rows": [{"task_id": tasks[0]["id"], "to_agency_id": str(ag.hoa_an_commune)}],
        "effective_date": "2020-01-01",
    }
    response = await client.post("/task-transfers/bulk", json=payload, headers=district_officer)
    [errors] = [p["errors"] for p in assert_problem(response, 409, "bulk_transfer_rejected")["report"]["problems"]]
    assert [e.split(":")[0] for e in errors] == ["transfer_before_start", "outside_area", "owner_not_in_force"]
    assert await _rows(session) == before


async def test_a_bulk_transfer_from_an_agency_outside_the_area_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag, _tasks = await _district_with_tasks(client, session, 1)
    payload = {
        "from_agency_id": str(ag.hoa_an_office),
        "effective_date": "2025-07-01",
        "mode": "taken_over_from_district",
        "legal_basis": LAW,
        "default_to_agency_id": str(ag.hoa_an_commune),
    }
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    assert_problem(await client.post("/task-transfers/bulk", json=payload, headers=commune), 403, "outside_area")
    assert_problem(
        await client.post("/task-transfers/bulk", json=payload | {"default_to_agency_id": None}), 422, "validation_error"
    )
    assert_problem(
        await client.post("/task-transfers/bulk", json=payload | {"from_agency_id": str(uuid.uuid4())}), 409, "owner_not_found"
    )
    response = await client.post("/task-transfers/bulk", json=payload, headers={"Idempotency-Key": "bulk-1"})
    again = await client.post("/task-transfers/bulk", json=payload, headers={"Idempotency-Key": "bulk-1"})
    assert (response.status_code, again.status_code, again.headers.get("idempotent-replayed")) == (201, 201, "true")
    assert (await _rows(session)) == (2, 1)
