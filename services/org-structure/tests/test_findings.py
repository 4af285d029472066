"""The checks: overlaps, tasks without owner or legal basis, owners no longer in force, duplicates,
tasks their holders cannot carry out and difficulties left open."""

import uuid
from datetime import date

import httpx
from sqlalchemy import delete, insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import AgencyKind
from haicap_org_structure.tasks.models import ownership_table, task_table
from haicap_shared.codes import UnitLevel
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

from .task_helpers import BEFORE, add_agency, cao_bang_agencies, create_task, findings, stats

NONE = {
    "overlap": 0,
    "no_owner": 0,
    "no_legal_basis": 0,
    "ended_owner": 0,
    "duplicate": 0,
    "cannot_carry_out": 0,
    "difficulty_open": 0,
}


async def _own(
    session: AsyncSession, task_id: str, agency_id: uuid.UUID, level: UnitLevel, valid_from: date, *, lead: bool = True
) -> None:
    await session.execute(
        insert(ownership_table).values(
            id=uuid.uuid4(), task_id=uuid.UUID(task_id), agency_id=agency_id, level=level, is_lead=lead, valid_from=valid_from
        )
    )
    await session.commit()


async def test_a_clean_catalogue_has_no_findings(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    await create_task(client, ag.health)
    report = await findings(client, "2025-07-01")
    assert (report["counts"], report["total"], report["items"], report["truncated"]) == (NONE, 0, [], False)


async def test_a_task_held_twice_on_a_date_is_an_overlap(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    task = await create_task(client, ag.health)
    shared = await create_task(
        client, ag.health, "NV-002", title="Phòng, chống dịch bệnh", shared=True, co_owner_agency_ids=[str(ag.home_affairs)]
    )
    assert (await findings(client, "2024-01-01"))["counts"] == NONE  # a co-owner of a shared task is no overlap
    await _own(session, task["id"], ag.home_affairs, UnitLevel.PROVINCE, date(2024, 1, 1))
    await _own(session, shared["id"], ag.home_affairs, UnitLevel.PROVINCE, date(2024, 6, 1))  # a second lead
    assert (await findings(client, "2023-12-31"))["counts"] == NONE
    report = await findings(client, "2024-01-01")
    assert report["counts"] == NONE | {"overlap": 1}
    [item] = report["items"]
    assert (item["kind"], item["task_code"]) == ("overlap", "NV-001")
    assert {a["name"] for a in item["agencies"]} == {"Sở Y tế", "Sở Nội vụ"}
    assert "not a shared task" in item["reason"]
    report = await findings(client, "2024-06-01", kind="overlap")
    assert [(i["task_code"], "two leads" in i["reason"]) for i in report["items"]] == [("NV-001", False), ("NV-002", True)]
    # A task counts once in the statistics even while it is (wrongly) held twice.
    assert (await stats(client, "2024-06-01"))["total"] == 2


async def test_tasks_without_owner_or_legal_basis(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    ended = await create_task(client, ag.health, "NV-001")
    await create_task(client, ag.health, "NV-002", legal_basis=None)
    await create_task(client, ag.health, "NV-003", legal_basis="  ", valid_from="2026-01-01")
    orphan = await create_task(client, ag.health, "NV-004")
    await session.execute(
        update(ownership_table).where(ownership_table.c.task_id == uuid.UUID(ended["id"])).values(valid_to=BEFORE)
    )
    await session.execute(delete(ownership_table).where(ownership_table.c.task_id == uuid.UUID(orphan["id"])))
    await session.commit()
    report = await findings(client, "2025-07-01")
    assert report["counts"] == NONE | {"no_owner": 2, "no_legal_basis": 1}
    by_code = {(i["kind"], i["task_code"]): i for i in report["items"]}
    assert set(by_code) == {("no_owner", "NV-001"), ("no_owner", "NV-004"), ("no_legal_basis", "NV-002")}
    assert by_code["no_owner", "NV-001"]["reason"] == "No lead owner on 2025-07-01; the last was Sở Y tế"
    assert by_code["no_owner", "NV-004"]["agencies"] == []
    # NV-003 enters the catalogue in 2026 with a blank legal basis.
    assert (await findings(client, "2026-01-01"))["counts"]["no_legal_basis"] == 2
    # Before NV-001 ended it had an owner.
    assert (await findings(client, "2025-06-30"))["counts"]["no_owner"] == 1


async def test_an_owner_that_ended_or_whose_unit_was_abolished_is_a_gap(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    # A district agency recorded without an end date: its unit (Huyện Hòa An) ended on 2025-06-30.
    undated = await add_agency(session, "Phòng Nội vụ huyện Hòa An", AgencyKind.DISTRICT_OFFICE, "051", unit_on_day=BEFORE)
    await session.commit()
    await create_task(client, ag.hoa_an_office, "NV-001")
    await create_task(client, undated, "NV-002", title="Quản lý công chức cấp huyện")
    assert (await findings(client, "2025-06-30"))["counts"] == NONE
    report = await findings(client, "2025-07-01", kind="ended_owner")
    assert report["counts"]["ended_owner"] == 2
    reasons = {i["task_code"]: i["reason"] for i in report["items"]}
    assert (
        reasons["NV-001"]
        == "Phòng Kinh tế và Hạ tầng huyện Hòa An is in force from the beginning to 2025-06-30, not on 2025-07-01"
    )
    assert (
        reasons["NV-002"]
        == "Phòng Nội vụ huyện Hòa An belongs to Huyện Hòa An, which is in force to 2025-06-30, not on 2025-07-01"
    )


async def test_likely_duplicates_are_found_without_regard_to_diacritics(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    first = await create_task(client, ag.health, "NV-001", title="Quản lý nhà nước về y tế cơ sở", sector="Y tế")
    second = await create_task(client, ag.home_affairs, "NV-002", title="Quản lý Nhà nước về Y tế cơ sở.", sector="Y  TẾ")
    await create_task(client, ag.health, "NV-003", title="Quản lý nhà nước về y tế cơ sở", sector="Dân số")  # another sector
    await create_task(client, ag.health, "NV-004", title="Hòa giải ở cơ sở", sector="Tư pháp")
    await create_task(client, ag.health, "NV-005", title="Hoà giải ở cơ sở", sector="Tư pháp", valid_from="2026-01-01")
    report = await findings(client, "2025-07-01")
    assert report["counts"] == NONE | {"duplicate": 2}
    items = {i["task_code"]: i for i in report["items"]}
    assert items["NV-001"]["related_task_ids"] == [second["id"]]
    assert items["NV-002"]["related_task_ids"] == [first["id"]]
    assert items["NV-001"]["agencies"][0]["name"] == "Sở Y tế"
    # From 2026 the two spellings of "hòa giải" meet.
    later = await findings(client, "2026-01-01", kind="duplicate", sector="Tư pháp")
    assert [i["task_code"] for i in later["items"]] == ["NV-004", "NV-005"]


async def test_findings_are_bounded_filtered_and_in_the_callers_area(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    for n in range(5):
        await create_task(client, ag.hoa_an_office, f"HA-{n}", title=f"Nhiệm vụ {n}", legal_basis=None)
    await create_task(client, ag.nam_tuan_commune, "NT-1", legal_basis=None, valid_from="2025-07-01")
    report = await findings(client, "2025-07-01", limit=3)
    assert report["counts"] == NONE | {"no_legal_basis": 6, "ended_owner": 5}
    assert (len(report["items"]), report["truncated"], report["total"]) == (3, True, 11)
    only = await findings(client, "2025-07-01", kind="ended_owner", limit=5)
    assert (len(only["items"]), only["truncated"]) == (5, False)
    assert (await findings(client, "2025-07-01", province="08"))["total"] == 0
    nam_tuan = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01660")
    response = await client.get("/tasks/findings", params={"as_of": "2025-07-01"}, headers=nam_tuan)
    assert response.json()["counts"] == NONE | {"no_legal_basis": 1}
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    response = await client.get("/tasks/findings", params={"as_of": "2025-07-01"}, headers=province)
    assert response.json()["total"] == 11
    bad = await client.get("/tasks/findings", params={"as_of": "2025-07-01", "kind": "nonsense"})
    assert bad.status_code == 422


async def _status(client: httpx.AsyncClient, task_id: str, agency_id: uuid.UUID, valid_from: str, **body: object) -> dict:
    payload = {"agency_id": str(agency_id), "valid_from": valid_from, "status": "with_difficulties", "reasons": ["workload"]}
    response = await client.post(f"/tasks/{task_id}/feasibility", json=payload | body)
    assert response.status_code == 201, response.text
    record: dict = response.json()
    return record


async def test_tasks_that_cannot_be_carried_out_and_difficulties_left_open(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    hoa_an = await create_task(client, ag.hoa_an_commune, "HA-1", valid_from="2025-07-01")
    nam_tuan = await create_task(client, ag.nam_tuan_commune, "NT-1", valid_from="2025-07-01", sector="Giáo dục")
    health = await create_task(client, ag.health, "SYT-1")
    await _status(client, hoa_an["id"], ag.hoa_an_commune, "2025-08-01")
    cannot = await _status(
        client, nam_tuan["id"], ag.nam_tuan_commune, "2025-12-01", status="cannot_carry_out", proposal="return_to_province"
    )
    await _status(client, health["id"], ag.health, "2025-08-01", status="normal", reasons=[])

    report = await findings(client, "2025-12-31")
    # Hòa An's difficulty is open for 152 days; Nam Tuấn's cannot-yet for 30 days (not more than 30).
    assert report["counts"] == NONE | {"cannot_carry_out": 1, "difficulty_open": 1}
    assert report["open_days"] == 30
    assert report["by_commune"] == {
        "01654": {"cannot_carry_out": 0, "difficulty_open": 1},
        "01660": {"cannot_carry_out": 1, "difficulty_open": 0},
    }
    assert report["by_sector"] == {
        "Giáo dục": {"cannot_carry_out": 1, "difficulty_open": 0},
        "Y tế": {"cannot_carry_out": 0, "difficulty_open": 1},
    }
    [item] = [i for i in report["items"] if i["kind"] == "cannot_carry_out"]
    assert (item["task_id"], item["feasibility_id"], item["agencies"][0]["name"]) == (
        nam_tuan["id"],
        cannot["id"],
        "Phòng Kinh tế xã Nam Tuấn",
    )
    assert "return_to_province" in item["reason"]
    assert (await findings(client, "2025-12-31", open_days=29))["counts"]["difficulty_open"] == 2
    assert (await findings(client, "2025-12-31", province="04", sector="Giáo dục"))["total"] == 1

    # Accepted, the proposal is no finding of `cannot_carry_out`; resolved, no open difficulty either.
    answer = {"state": "accepted", "answered_on": "2025-12-20", "decision": "12/QĐ-UBND"}
    accepted = await client.post(f"/task-feasibility/{cannot['id']}/answer", json=answer, headers={"If-Match": '"1"'})
    assert accepted.status_code == 200, accepted.text
    assert (await findings(client, "2025-12-31", open_days=29))["counts"] == NONE | {"difficulty_open": 2}
    resolved = answer | {"state": "resolved", "answered_on": "2025-12-30"}
    await client.post(f"/task-feasibility/{cannot['id']}/answer", json=resolved, headers={"If-Match": '"2"'})
    report = await findings(client, "2025-12-31", open_days=29)
    assert report["counts"] == NONE | {"difficulty_open": 1}
    assert report["by_commune"] == {"01654": {"cannot_carry_out": 0, "difficulty_open": 1}}

    nam_tuan_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01660")
    theirs = await client.get("/tasks/findings", params={"as_of": "2025-12-31"}, headers=nam_tuan_officer)
    assert (theirs.json()["counts"], theirs.json()["by_commune"]) == (NONE, {})
    too_long = await client.get("/tasks/findings", params={"as_of": "2025-12-31", "open_days": 3651})
    assert too_long.status_code == 422


OWNERSHIP_COPIES = """SELECT count(*), sum(CASE WHEN o.province_code = t.province_code THEN 1 ELSE 0 END)
FROM task_ownership o JOIN task t ON t.id = o.task_id"""


async def test_a_provinces_findings_read_its_ownerships_by_their_copy_of_the_province(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    """Migration 0012: each ownership carries its task's province, and a province's checks read only those."""
    ag = await cao_bang_agencies(session)
    held_twice = await create_task(client, ag.health, "NV-001")
    await _own(session, held_twice["id"], ag.home_affairs, UnitLevel.PROVINCE, date(2024, 1, 1))  # NOTE: written without it
    ended = await create_task(client, ag.health, "NV-002")
    await session.execute(
        update(ownership_table).where(ownership_table.c.task_id == uuid.UUID(ended["id"])).values(valid_to=BEFORE)
    )
    await create_task(client, ag.health, "NV-003", legal_basis=None)
    await create_task(client, ag.hoa_an_office, "NV-004", title="Nhiệm vụ của huyện")
    await create_task(client, ag.health, "NV-005", title="Quản lý nhà nước về y tế cơ sở")
    await create_task(client, ag.home_affairs, "NV-006", title="Quản lý Nhà nước về Y tế cơ sở.")
    await session.commit()
    every = await findings(client, "2025-07-01")
    assert every["counts"] == NONE | {"overlap": 1, "no_owner": 1, "no_legal_basis": 1, "ended_owner": 1, "duplicate": 2}
    in_cao_bang = await findings(client, "2025-07-01", province="04")
    assert in_cao_bang | {"province": None} == every
    assert (await findings(client, "2025-07-01", province="08"))["total"] == 0
    assert tuple((await session.execute(text(OWNERSHIP_COPIES))).one()) == (7, 7)
    # NOTE: a task's province never changes through the API; changed by a statement, its ownerships follow
    await session.execute(update(task_table).where(task_table.c.id == uuid.UUID(held_twice["id"])).values(province_code="08"))
    await session.commit()
    assert tuple((await session.execute(text(OWNERSHIP_COPIES))).one()) == (7, 7)
    assert (await findings(client, "2025-07-01", province="08"))["counts"]["overlap"] == 1
