"""The national sync's reports, on hand-built dossier changes: overdue (in working days), rejected, on time, areas."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_personnel.sync.models import ChangeStatus, calendar_day_table, dossier_change_table
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import create_person

REPORTS = "/national-sync/reports"
_sequence = itertools.count(1)


def change_row(
    person: dict[str, Any], agency: Any, *, arose_on: str, due_date: str, status: ChangeStatus, **extra: Any
) -> dict[str, Any]:
    """A dossier change as the sync would hold it (only the columns a report reads matter)."""
    sequence = next(_sequence)
    return {
        "id": uuid.uuid4(),
        "event_sequence": sequence,
        "event_id": f"event-{sequence}",
        "event_type": "vn.gov.haicap.personnel.person.updated",
        "person_id": uuid.UUID(person["id"]),
        "record_id": uuid.UUID(person["id"]),
        "agency_id": agency.id,
        "province_code": agency.province_code,
        "commune_code": agency.commune_code,
        "groups": ["identity"],
        "changed_fields": ["full_name"],
        "arose_on": date.fromisoformat(arose_on),
        "due_date": date.fromisoformat(due_date),
        "status": status,
        "status_reason": None,
        "attempts": 0,
        "acknowledged_at": None,
    } | extra


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


class Seeded:
    def __init__(self, rows: dict[str, dict[str, Any]], people: dict[str, dict[str, Any]]) -> None:
        self.rows = rows
        self.people = people

    def ids(self, *names: str) -> set[str]:
        return {str(self.rows[name]["id"]) for name in names}


@pytest_asyncio.fixture
async def seeded(client: httpx.AsyncClient, db_connection: AsyncConnection, world: World) -> Seeded:
    """Nine changes, most in December 2026 (Friday the 4th, the weekend, Monday the 7th: no holiday near)."""
    people = {
        "department": await create_person(client, world.department.id, full_name="Hoàng Thị Bích"),
        "commune": await create_person(client, world.new_office.id, full_name="Nông Văn Cường"),
        "elsewhere": await create_person(client, world.elsewhere.id, full_name="Lục Văn Dũng"),
    }
    dept, commune, elsewhere = people["department"], people["commune"], people["elsewhere"]
    ack = ChangeStatus.ACKNOWLEDGED
    rows = {
        # due Monday the 7th, still queued
        "A": change_row(commune, world.new_office, arose_on="2026-12-02", due_date="2026-12-07", status=ChangeStatus.QUEUED),
        # due Friday the 4th, acknowledged on the 9th (late)
        "B": change_row(
            commune,
            world.new_office,
            arose_on="2026-12-01",
            due_date="2026-12-04",
            status=ack,
            acknowledged_at=at("2026-12-09T03:00:00"),
        ),
        # due the 4th, rejected by the national side
        "C": change_row(
            dept,
            world.department,
            arose_on="2026-12-01",
            due_date="2026-12-04",
            status=ChangeStatus.REJECTED,
            status_reason="Số định danh cá nhân không khớp",
        ),
        # another province's, pending verification
        "D": change_row(
            elsewhere, world.elsewhere, arose_on="2026-12-01", due_date="2026-12-04", status=ChangeStatus.PENDING_VERIFICATION
        ),
        # acknowledged the day before it was due
        "E": change_row(
            dept,
            world.department,
            arose_on="2026-12-01",
            due_date="2026-12-04",
            status=ack,
            acknowledged_at=at("2026-12-03T10:00:00"),
        ),
        # acknowledged at 23:59 local time on its due date: on time
        "F": change_row(
            dept,
            world.department,
            arose_on="2026-12-02",
            due_date="2026-12-07",
            status=ack,
            acknowledged_at=at("2026-12-07T16:59:00"),
        ),
        # acknowledged at 00:00 local time the day after: late
        "G": change_row(
            dept,
            world.department,
            arose_on="2026-12-02",
            due_date="2026-12-07",
            status=ack,
            acknowledged_at=at("2026-12-07T17:00:00"),
        ),
        # arose in October: outside the period of the on-time report
        "H": change_row(
            dept,
            world.department,
            arose_on="2026-11-13",
            due_date="2026-11-18",
            status=ack,
            acknowledged_at=at("2026-11-16T02:00:00"),
        ),
        # rejected in the commune, for another reason
        "I": change_row(
            commune,
            world.new_office,
            arose_on="2026-12-08",
            due_date="2026-12-11",
            status=ChangeStatus.REJECTED,
            status_reason="Thiếu số quyết định",
        ),
    }
    await db_connection.execute(dossier_change_table.insert(), list(rows.values()))
    return Seeded(rows, people)


async def _get(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_overdue_changes_by_area_in_working_days(client: httpx.AsyncClient, seeded: Seeded, world: World) -> None:
    report = await _get(client, f"{REPORTS}/overdue", as_of="2026-12-08")
    assert report["total"] == 4
    assert report["days_counted_in"] == "working_days"
    assert {item["change_id"] for item in report["items"]} == seeded.ids("A", "B", "C", "D")
    by_id = {item["change_id"]: item for item in report["items"]}
    days = {name: by_id[str(seeded.rows[name]["id"])]["days_overdue"] for name in "ABCD"}
    # Due Friday the 4th: Monday 7 and Tuesday 8 are the two working days after; due Monday 7: one.
    assert days == {"A": 1, "B": 2, "C": 2, "D": 2}
    assert [item["due_date"] for item in report["items"]] == ["2026-12-04"] * 3 + ["2026-12-07"]
    assert by_id[str(seeded.rows["B"]["id"])]["status"] == "acknowledged"  # acknowledged since, not by the 8th
    areas = {
        (a["province_code"], a["commune_code"], a["agency_id"]): (a["count"], a["oldest_due_date"]) for a in report["by_area"]
    }
    assert areas == {
        ("04", "01010", str(world.new_office.id)): (2, "2026-12-04"),
        ("04", None, str(world.department.id)): (1, "2026-12-04"),
        ("06", None, str(world.elsewhere.id)): (1, "2026-12-04"),
    }
    assert report["by_area_truncated"] is False


async def test_a_change_due_on_a_day_is_overdue_the_day_after(client: httpx.AsyncClient, seeded: Seeded) -> None:
    a = str(seeded.rows["A"]["id"])
    on_the_day = await _get(client, f"{REPORTS}/overdue", as_of="2026-12-07")
    assert a not in {item["change_id"] for item in on_the_day["items"]}
    assert on_the_day["total"] == 3
    next_day = await _get(client, f"{REPORTS}/overdue", as_of="2026-12-08")
    assert a in {item["change_id"] for item in next_day["items"]}
    # Acknowledged on the 9th (local time): overdue on the 8th, no longer on the 9th.
    later = await _get(client, f"{REPORTS}/overdue", as_of="2026-12-09")
    assert {item["change_id"] for item in later["items"]} == seeded.ids("A", "C", "D")
    # Before anything was due, nothing is overdue.
    assert (await _get(client, f"{REPORTS}/overdue", as_of="2026-12-04"))["total"] == 0


async def test_days_overdue_follow_the_calendar_days_an_admin_entered(
    client: httpx.AsyncClient, seeded: Seeded, db_connection: AsyncConnection
) -> None:
    await db_connection.execute(
        calendar_day_table.insert(), [{"id": uuid.uuid4(), "day": date(2026, 12, 7), "working": False, "note": "Nghỉ bù"}]
    )
    report = await _get(client, f"{REPORTS}/overdue", as_of="2026-12-08")
    days = {item["change_id"]: item["days_overdue"] for item in report["items"]}
    assert days[str(seeded.rows["B"]["id"])] == 1
    assert days[str(seeded.rows["A"]["id"])] == 1


async def test_overdue_pages_are_bounded_and_ordered(client: httpx.AsyncClient, seeded: Seeded) -> None:
    first = await _get(client, f"{REPORTS}/overdue", as_of="2026-12-08", limit=3)
    assert len(first["items"]) == 3
    assert first["next"]
    second = await _get(client, f"{REPORTS}/overdue", as_of="2026-12-08", limit=3, cursor=first["next"])
    assert [item["change_id"] for item in second["items"]] == [str(seeded.rows["A"]["id"])]
    assert second["next"] is None
    assert second["total"] == 4
    assert_problem(await client.get(f"{REPORTS}/overdue", params={"limit": 501}), 422, "validation_error")


async def test_each_role_sees_its_area(client: httpx.AsyncClient, test_tokens: TestTokens, seeded: Seeded, world: World) -> None:
    def total(headers: dict[str, str]) -> Any:
        return client.get(f"{REPORTS}/overdue", params={"as_of": "2026-12-08"}, headers=headers)

    expected = {
        Role.ADMIN: 4,
        Role.AUDITOR: 4,
        Role.PROVINCE_OFFICER: 3,
        Role.COMMUNE_OFFICER: 2,
        Role.AGENCY_OFFICER: 1,
    }
    areas = {
        Role.PROVINCE_OFFICER: {"province": "04"},
        Role.COMMUNE_OFFICER: {"province": "04", "commune": "01010"},
        Role.AGENCY_OFFICER: {"province": "04", "agency": str(world.department.id)},
    }
    for role, count in expected.items():
        response = await total(test_tokens.headers(role, **areas.get(role, {})))
        assert response.status_code == 200, (role, response.text)
        assert response.json()["total"] == count, role
    assert_problem(await total(test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")
    for path in ("rejected", "on-time?from=2026-12-01&to=2026-12-31"):
        assert_problem(await client.get(f"{REPORTS}/{path}", headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")
    # A filter narrows within the area, never beyond it.
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert (await _get(client, f"{REPORTS}/overdue", commune, as_of="2026-12-08", province="06"))["total"] == 0


async def test_rejected_changes_with_the_national_reasons(client: httpx.AsyncClient, seeded: Seeded, world: World) -> None:
    report = await _get(client, f"{REPORTS}/rejected")
    assert report["total"] == 2
    assert [item["change_id"] for item in report["items"]] == [str(seeded.rows["C"]["id"]), str(seeded.rows["I"]["id"])]
    assert [item["reason"] for item in report["items"]] == ["Số định danh cá nhân không khớp", "Thiếu số quyết định"]
    assert sorted((r["reason"], r["count"]) for r in report["by_reason"]) == [
        ("Số định danh cá nhân không khớp", 1),
        ("Thiếu số quyết định", 1),
    ]
    assert sorted((a["commune_code"] or "", a["count"]) for a in report["by_area"]) == [("", 1), ("01010", 1)]
    november_17 = await _get(client, f"{REPORTS}/rejected", **{"from": "2026-12-01", "to": "2026-12-01"})
    assert [item["change_id"] for item in november_17["items"]] == [str(seeded.rows["C"]["id"])]
    by_commune = await _get(client, f"{REPORTS}/rejected", commune="01010")
    assert by_commune["total"] == 1


async def test_the_share_on_time_computed_by_hand(client: httpx.AsyncClient, test_tokens: TestTokens, seeded: Seeded) -> None:
    report = await _get(client, f"{REPORTS}/on-time", **{"from": "2026-12-01", "to": "2026-12-31"})
    # Arose in December: A B C D E F G I (H arose in November). On time: E, F (23:59 local on its due date).
    # Late: B, G (00:00 local the next day). Not acknowledged: A, C, D, I. Share: 2 / 8.
    assert {k: report[k] for k in ("arisen", "acknowledged_on_time", "acknowledged_late", "not_acknowledged")} == {
        "arisen": 8,
        "acknowledged_on_time": 2,
        "acknowledged_late": 2,
        "not_acknowledged": 4,
    }
    assert report["share_on_time"] == "0.2500"
    assert (report["from_date"], report["to_date"]) == ("2026-12-01", "2026-12-31")
    department = {a["agency_id"]: a for a in report["by_area"]}[str(seeded.rows["E"]["agency_id"])]
    # The department: C E F G arose in December; E and F on time: 2 / 4.
    assert (department["arisen"], department["acknowledged_on_time"], department["share_on_time"]) == (4, 2, "0.5000")

    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    mine = await _get(client, f"{REPORTS}/on-time", province, **{"from": "2026-12-01", "to": "2026-12-31"})
    assert (mine["arisen"], mine["acknowledged_on_time"], mine["share_on_time"]) == (7, 2, "0.2857")  # 2/7, half up

    empty = await _get(client, f"{REPORTS}/on-time", **{"from": "2027-01-01", "to": "2027-01-31"})
    assert (empty["arisen"], empty["share_on_time"]) == (0, None)


async def test_periods_are_checked_and_bounded(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert_problem(
        await client.get(f"{REPORTS}/on-time", params={"from": "2026-12-31", "to": "2026-12-01"}), 422, "invalid_period"
    )
    assert_problem(
        await client.get(f"{REPORTS}/on-time", params={"from": "2025-01-01", "to": "2026-01-02"}), 422, "period_too_long"
    )
    assert_problem(await client.get(f"{REPORTS}/on-time", params={"from": "2026-12-01"}), 422, "validation_error")
    assert_problem(
        await client.get(f"{REPORTS}/rejected", params={"from": "2026-12-31", "to": "2026-12-01"}), 422, "invalid_period"
    )
    assert_problem(await client.get(f"{REPORTS}/overdue", params={"as_of": "2026-02-30"}), 422, "validation_error")


async def test_vietnamese_culture_day_is_no_working_day(
    client: httpx.AsyncClient, db_connection: AsyncConnection, world: World
) -> None:
    """24 November is a day off since 2026 (the holidays package knows it): a change due on Monday the 23rd is one working day
    overdue on Wednesday the 25th, and none on the 24th although it is overdue then."""
    person = await create_person(client, world.department.id)
    row = change_row(person, world.department, arose_on="2026-11-18", due_date="2026-11-23", status=ChangeStatus.SENT)
    await db_connection.execute(dossier_change_table.insert(), [row])
    on_24th = await _get(client, f"{REPORTS}/overdue", as_of="2026-11-24")
    assert [(i["change_id"], i["days_overdue"]) for i in on_24th["items"]] == [(str(row["id"]), 0)]
    on_25th = await _get(client, f"{REPORTS}/overdue", as_of="2026-11-25")
    assert [(i["change_id"], i["days_overdue"]) for i in on_25th["items"]] == [(str(row["id"]), 1)]
