"""Operating the two-tier model through the real processes, on the Cao Bằng demo.

The demo's stack of each backend (``demo_stack``): the scenario loaded Cao Bằng's implementation
plan (an item per department, five measured province-wide items, three items per commune, some
done, some late) and reported about 5% of the commune tasks with difficulties. Here, as the
province and a commune would: the reports count the plan's overdue items, the difficulties and the
workload as their records say; the demo's commune officer (Xã Quảng Lâm) records a status and
progress for their own commune only; and each report moves by exactly the record written. The
records written here are a status of a task of Xã Quảng Lâm, and an item given to it, reported done.
"""

import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from .stack_support import DemoStack, Stack, every, signed_in

pytestmark = pytest.mark.processes

ORG, REPORTS = "/api/v1/org", "/api/v1/reports"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_COMMUNE = "01304"
"""The demo commune officer's commune (Xã Quảng Lâm)."""
CACHE_WAIT_SECONDS = 120.0


@pytest.fixture(scope="module")
def stack(demo_stack: DemoStack) -> Stack:
    return demo_stack.stack


@pytest.fixture(scope="module")
def province(stack: Stack) -> Iterator[httpx.Client]:
    with signed_in(stack, "province_officer") as client:
        yield client


@pytest.fixture(scope="module")
def commune(stack: Stack) -> Iterator[httpx.Client]:
    with signed_in(stack, "commune_officer") as client:
        yield client


def today() -> date:
    return datetime.now(VIETNAM).date()


def summary(client: httpx.Client, as_of: date) -> dict[str, Any]:
    response = client.get(f"{REPORTS}/provinces/04/summary", params={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["complete"], body["missing"]
    return body


def eventually(read: Any, expected: Any) -> Any:
    """``read()`` until it equals ``expected`` (the reports cache a current report for a while)."""
    deadline = time.monotonic() + CACHE_WAIT_SECONDS
    while (value := read()) != expected:
        assert time.monotonic() < deadline, (value, expected)
        time.sleep(1.0)
    return value


def the_plan(client: httpx.Client) -> dict[str, Any]:
    plans = every(client, f"{ORG}/plans", province="04")
    assert len(plans) == 1, plans
    response = client.get(f"{ORG}/plans/{plans[0]['id']}")
    assert response.status_code == 200, response.text
    plan: dict[str, Any] = response.json()
    return plan


def test_the_demo_plan_covers_the_departments_and_communes_and_the_summary_counts_its_overdue_items(
    demo_stack: DemoStack, province: httpx.Client
) -> None:
    day = today()
    plan = the_plan(province)
    items = plan["items"]
    departments = every(province, f"{ORG}/agencies", province="04", level="province", kind="provincial_department")
    communes = every(province, f"{ORG}/units", province="04", level="commune", as_of=day.isoformat())
    assert len(communes) == 56
    assignees = Counter(item["assignee_agency_id"] for item in items)
    assert {d["id"] for d in departments} <= set(assignees), "every department has an item"
    assert len({item["commune_code"] for item in items if item["commune_code"]}) == 56, "every commune has items"
    statuses = Counter(item["status"] for item in items)
    assert statuses["done"] > 0, statuses
    assert statuses["in_progress"] > 0, statuses
    overdue = [
        item for item in items if item["status"] not in ("done", "cancelled") and date.fromisoformat(item["deadline"]) < day
    ]
    late = [item for item in items if item["status"] == "done" and item["on_time"] is False]
    assert overdue, "the demo has items open past their deadline"
    assert late, "the demo has items done after their deadline"
    listed = every(province, f"{ORG}/plans/overdue", province="04", as_of=day.isoformat())
    assert sorted(i["item_id"] for i in listed) == sorted(i["id"] for i in overdue)
    by_commune = Counter(item["commune_code"] for item in overdue if item["commune_code"])
    section = eventually(lambda: summary(province, day)["plans"]["overdue"], len(overdue))
    assert section == len(overdue)
    rows = summary(province, day)["plans"]["overdue_by_commune"]
    assert {row["commune_code"]: row["overdue"] for row in rows} == dict(by_commune)


def test_the_reminders_worker_escalates_the_long_overdue_items_to_the_superior_agency(province: httpx.Client) -> None:
    # NOTE: make run's worker looks every minute; the demo's plan was loaded after its first turn.
    day = today()
    late = [i for i in every(province, f"{ORG}/plans/overdue", province="04", as_of=day.isoformat()) if i["days_overdue"] > 7]
    assert late, "the demo has items late by more than a week"
    item = late[0]

    def reminders() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = province.get(f"{ORG}/plan-items/{item['item_id']}").json()["reminders"]
        return found

    deadline = time.monotonic() + CACHE_WAIT_SECONDS
    recorded = reminders()
    while not {"overdue", "escalated"} <= {r["kind"] for r in recorded}:
        assert time.monotonic() < deadline, recorded
        time.sleep(2.0)
        recorded = reminders()
    escalated = next(r for r in recorded if r["kind"] == "escalated")
    assert escalated["superior_agency_id"] == item["superior_agency_id"]


def test_the_difficulties_and_the_workload_are_counted_from_the_records(province: httpx.Client) -> None:
    day = today()
    statuses = every(province, f"{ORG}/task-feasibility", province="04", as_of=day.isoformat())
    commune_tasks = every(province, f"{ORG}/tasks", province="04", level="commune", as_of=day.isoformat())
    # NOTE: about 5% of the commune tasks, a few of them cannot be carried out yet, each with a proposal.
    assert round(len(commune_tasks) * 0.05) - 2 <= len(statuses) <= round(len(commune_tasks) * 0.05) + 2
    cannot = [s for s in statuses if s["status"] == "cannot_carry_out"]
    assert cannot
    assert all(s["proposal"] for s in cannot)
    assert {s["answer_state"] for s in cannot} >= {"open", "resolved"}
    section = summary(province, day)["task_difficulties"]
    assert section["by_status"].get("cannot_carry_out", 0) == len(cannot)
    workload = summary(province, day)["workload"]
    rows = {row["commune_code"]: row for row in workload["communes"]}
    assert len(rows) == 56
    agencies = every(province, f"{ORG}/agencies", province="04", level="commune", as_of=day.isoformat())
    commune_of = {agency["id"]: agency["commune_code"] for agency in agencies}
    lead_by_commune = Counter(commune_of[task["owner_agency_id"]] for task in commune_tasks)
    assert {code: row["tasks_lead"] for code, row in rows.items() if row["tasks_lead"]} == dict(lead_by_commune)
    ratios = sorted(Decimal(row["tasks_per_person"]) for row in rows.values() if row["tasks_per_person"] is not None)
    assert ratios, "the communes have people placed"
    middle = len(ratios) // 2
    median = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    assert Decimal(workload["median_tasks_per_person"]) == median.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_a_commune_officer_records_for_their_own_commune_only_and_the_reports_move_by_exactly_that(
    province: httpx.Client, commune: httpx.Client
) -> None:
    day = today()
    tasks = every(province, f"{ORG}/tasks", province="04", level="commune", as_of=day.isoformat())
    reported = {s["task_id"] for s in every(province, f"{ORG}/task-feasibility", province="04", as_of=day.isoformat())}
    own = every(commune, f"{ORG}/tasks", province="04", level="commune", as_of=day.isoformat())
    assert own, "a commune officer sees their own commune's tasks"
    assert len(own) < len(tasks), "and no other commune's"
    mine = next(t for t in own if t["id"] not in reported)
    theirs = next(t for t in tasks if t["id"] not in {o["id"] for o in own})
    body = {
        "valid_from": day.isoformat(),
        "status": "cannot_carry_out",
        "reasons": ["no_equipment_or_software"],
        "proposal": "return_to_province",
        "proposal_text": "Xã chưa có phần mềm chuyên ngành",
    }
    outside = commune.post(f"{ORG}/tasks/{theirs['id']}/feasibility", json={**body, "agency_id": theirs["owner_agency_id"]})
    assert outside.status_code == 403, outside.text
    assert outside.json()["code"] == "outside_area"
    before = summary(province, day)
    cannot_before = before["task_difficulties"]["by_status"].get("cannot_carry_out", 0)
    recorded = commune.post(f"{ORG}/tasks/{mine['id']}/feasibility", json={**body, "agency_id": mine["owner_agency_id"]})
    assert recorded.status_code == 201, recorded.text
    status = recorded.json()
    answer = {"state": "accepted", "answered_on": day.isoformat(), "decision": "01/UBND-NV", "note": "Tỉnh tiếp nhận"}
    refused = commune.post(
        f"{ORG}/task-feasibility/{status['id']}/answer", json=answer, headers={"If-Match": recorded.headers["ETag"]}
    )
    assert refused.status_code == 403, refused.text
    eventually(lambda: summary(province, day)["task_difficulties"]["by_status"].get("cannot_carry_out", 0), cannot_before + 1)
    # NOTE: an item the province gives the commune, due yesterday: one more overdue item until the
    # commune reports it done; another commune's items are not the commune officer's to report on.
    plan = the_plan(province)
    agency = next(
        a
        for a in every(province, f"{ORG}/agencies", province="04", level="commune", as_of=day.isoformat())
        if a["commune_code"] == DEMO_COMMUNE
    )
    overdue_before = summary(province, day)["plans"]["overdue"]
    given = province.post(
        f"{ORG}/plans/{plan['id']}/items",
        json={
            "code": "9.1",
            "title": "Báo cáo kết quả rà soát nhiệm vụ chưa thực hiện được",
            "assignee_agency_id": agency["id"],
            "starts_on": (day - timedelta(days=10)).isoformat(),
            "deadline": (day - timedelta(days=1)).isoformat(),
        },
    )
    assert given.status_code == 201, given.text
    item = given.json()
    eventually(lambda: summary(province, day)["plans"]["overdue"], overdue_before + 1)
    other = next(i for i in plan["items"] if i["commune_code"] not in (None, DEMO_COMMUNE))
    progress = {"reported_on": day.isoformat(), "percent": 100, "narrative": "Đã hoàn thành", "done": True}
    elsewhere = commune.post(
        f"{ORG}/plan-items/{other['id']}/progress", json=progress, headers={"If-Match": f'"{other["version"]}"'}
    )
    assert elsewhere.status_code == 403, elsewhere.text
    reported = commune.post(f"{ORG}/plan-items/{item['id']}/progress", json=progress, headers={"If-Match": given.headers["ETag"]})
    assert reported.status_code == 201, reported.text
    item = province.get(f"{ORG}/plan-items/{item['id']}").json()
    assert (item["status"], item["progress_percent"], item["completed_on"], item["on_time"]) == (
        "done",
        100,
        day.isoformat(),
        False,
    )
    eventually(lambda: summary(province, day)["plans"]["overdue"], overdue_before)
