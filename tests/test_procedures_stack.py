"""Administrative-procedure dossiers through the real processes, on the Cao Bằng demo.

The demo's stack of each backend (``demo_stack``): the scenario imported the Home Affairs
procedures, linked the tasks and moved 48 commendation proposals through their steps; the push
workers of personnel and assets send every step to the stand-in one-stop receiver (a real
process). Here, as a province's desk would: a job-position appraisal received on the Friday before
Hùng Kings' day is pushed at each step with its statutory due date; the receiver down for a while
loses nothing and the order holds; the province summary counts the dossiers as their records say,
and moves by exactly the new dossier. The records written here are three job positions of their own.
And the organisation as linked open data: the JSON-LD export of Cao Bằng, parsed with rdflib,
answers "which former units became this commune" as the lineage API does, for all 56 communes.
"""

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from .linked_data_checks import assert_export_answers_lineage
from .stack_support import DemoStack, Stack, every, signed_in, working_days_after

pytestmark = pytest.mark.processes

ORG, PERSONNEL, ASSETS, REPORTS = "/api/v1/org", "/api/v1/personnel", "/api/v1/assets", "/api/v1/reports"
RECEIVER = "one-stop-receiver"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
PUSH_WAIT_SECONDS = 120.0
RECEIVED = datetime(2026, 4, 24, 9, 30, tzinfo=VIETNAM)
"""A Friday; the Monday after is the observed Hùng Kings' day (10/3 lunar: Sunday 26 April 2026), then 30 April and 1 May."""


@pytest.fixture(scope="module")
def stack(demo_stack: DemoStack) -> Stack:
    return demo_stack.stack


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Iterator[httpx.Client]:
    with signed_in(stack, "admin") as client:
        yield client


@pytest.fixture(scope="module")
def province(stack: Stack) -> Iterator[httpx.Client]:
    with signed_in(stack, "province_officer") as client:
        yield client


@pytest.fixture
def receiver(stack: Stack) -> Iterator[httpx.Client]:
    """The stand-in one-stop receiver's own routes; left up as it was found."""
    with httpx.Client(base_url=stack.url(RECEIVER), timeout=30.0, trust_env=False) as client:
        yield client
        client.post("/control/outage", json={"down": False})


def portal_day(day: date) -> str:
    """A due date as the one-stop system gets it: the end of that day, ``yyyyMMddHHmmss``."""
    return f"{day:%Y%m%d}235959"


def appraisal_procedure(client: httpx.Client) -> dict[str, Any]:
    """The catalogue's appraisal of the job positions of a provincial administrative body, in force on the day received."""
    found = client.get(
        f"{ORG}/procedures", params={"q": "vi tri viec lam", "level": "province", "as_of": RECEIVED.date().isoformat()}
    )
    assert found.status_code == 200, found.text
    items = [p for p in found.json()["items"] if p["name"].startswith("Thẩm định đề án vị trí việc làm")]
    assert items, found.json()
    procedure: dict[str, Any] = items[0]
    return procedure


def a_department(client: httpx.Client) -> dict[str, Any]:
    found = client.get(f"{ORG}/agencies", params={"province": "04", "level": "province", "kind": "provincial_department"})
    assert found.status_code == 200, found.text
    department: dict[str, Any] = found.json()["items"][0]
    return department


def step(client: httpx.Client, position: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    path = f"{PERSONNEL}/positions/{position['id']}/transitions"
    response = client.post(path, json=body, headers={"If-Match": f'"{position["version"]}"'})
    assert response.status_code == 200, response.text
    moved: dict[str, Any] = response.json()
    return moved


def propose_position(client: httpx.Client, agency: dict[str, Any], title: str) -> dict[str, Any]:
    body = {
        "agency_id": agency["id"],
        "title": title,
        "group": "professional",
        "grade_code": "01.003",
        "required_education": "university",
        "required_fields": ["Quản lý nhà nước"],
        "posts": 1,
    }
    response = client.post(f"{PERSONNEL}/positions", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def pushed(receiver: httpx.Client, dossier_code: str, count: int) -> list[dict[str, Any]]:
    """The updates the receiver holds for the dossier, once it holds ``count`` of them."""
    deadline = time.monotonic() + PUSH_WAIT_SECONDS
    while True:
        response = receiver.get(f"/control/dossiers/{dossier_code}")
        updates: list[dict[str, Any]] = response.json()["updates"] if response.status_code == 200 else []
        if len(updates) >= count:
            return updates
        assert time.monotonic() < deadline, f"{dossier_code}: {len(updates)} of {count} updates pushed"
        time.sleep(0.5)


def dossier_of(client: httpx.Client, dossier_id: str) -> dict[str, Any]:
    response = client.get(f"{PERSONNEL}/procedure-dossiers/{dossier_id}")
    assert response.status_code == 200, response.text
    dossier: dict[str, Any] = response.json()
    return dossier


def wait_all_acknowledged(client: httpx.Client, dossier_id: str, steps: int) -> None:
    """Until each of the dossier's ``steps`` pushes is acknowledged.

    NOTE: the receiver holds the last update a moment before the worker records its acknowledgement.
    """
    deadline = time.monotonic() + PUSH_WAIT_SECONDS
    while (statuses := [s["push_status"] for s in dossier_of(client, dossier_id)["steps"]]) != ["acknowledged"] * steps:
        assert time.monotonic() < deadline, statuses
        time.sleep(0.5)


def test_an_appraisal_received_before_a_holiday_is_pushed_at_each_step_with_its_due_date(
    admin: httpx.Client, province: httpx.Client, receiver: httpx.Client
) -> None:
    procedure = appraisal_procedure(province)
    due = working_days_after(RECEIVED.date(), procedure["processing_days"])
    # NOTE: the holidays are really in the way: the due date is later than the days counted as weekdays alone.
    assert due > RECEIVED.date() + timedelta(days=procedure["processing_days"] * 7 // 5)
    position = propose_position(admin, a_department(province), "Chuyên viên quản lý tổ chức bộ máy (thẩm định)")
    code = "000.00.00.H14-260424-9001"
    intake = {"procedure_code": procedure["code"], "dossier_code": code, "received_at": RECEIVED.isoformat()}
    position = step(admin, position, {"action": "submit", "procedure": intake})
    summary = position["procedure_dossier"]
    assert (summary["status"], summary["due_date"], summary["procedure_code"]) == ("received", due.isoformat(), procedure["code"])
    position = step(province, position, {"action": "appraise"})
    assert position["procedure_dossier"]["status"] == "in_process"
    position = step(admin, position, {"action": "approve"})
    assert position["procedure_dossier"]["status"] == "done"
    # NOTE: approved today, months after its due date: late, and the push says so.
    assert position["procedure_dossier"]["overdue"] is True

    updates = pushed(receiver, intake["dossier_code"], 3)
    assert [u["service"] for u in updates] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC", "CapNhatTienDoHoSoMC"]
    assert [u["position"] for u in updates] == [1, 2, 3]
    first, *later = (u["data"] for u in updates)
    assert first["MaTTHC"] == procedure["code"]
    assert first["NgayTiepNhan"] == RECEIVED.strftime("%Y%m%d%H%M%S")
    assert first["NgayHenTra"] == portal_day(due)
    assert all(u["NgayKetThucTheoQuyDinh"] == portal_day(due) for u in later)
    assert [u["QuaHan"] for u in later] == ["1", "1"]
    wait_all_acknowledged(province, summary["id"], 3)
    assert receiver.get("/control/stats").json()["out_of_order"] == 0


def test_the_receiver_down_for_a_while_loses_nothing_and_keeps_the_order(
    admin: httpx.Client, province: httpx.Client, receiver: httpx.Client
) -> None:
    procedure = appraisal_procedure(province)
    position = propose_position(admin, a_department(province), "Chuyên viên tổng hợp (thẩm định khi mất kết nối)")
    assert receiver.post("/control/outage", json={"down": True}).status_code == 200
    code = "000.00.00.H14-261127-9002"
    received = datetime.now(UTC) - timedelta(hours=2)
    intake = {"procedure_code": procedure["code"], "dossier_code": code, "received_at": received.isoformat()}
    position = step(admin, position, {"action": "submit", "procedure": intake})
    position = step(province, position, {"action": "appraise"})
    dossier_id = position["procedure_dossier"]["id"]
    deadline = time.monotonic() + PUSH_WAIT_SECONDS
    while (first := dossier_of(province, dossier_id)["steps"][0])["attempts"] < 1:
        assert time.monotonic() < deadline, first
        time.sleep(0.5)
    assert first["push_status"] == "queued"
    assert first["last_error"]
    assert receiver.get(f"/control/dossiers/{code}").status_code in (200, 404)
    assert pushed_count(receiver, code) == 0
    # NOTE: a step made while the receiver is down waits behind the first one.
    position = step(admin, position, {"action": "return", "reason": "Thiếu bản mô tả công việc của vị trí"})
    receiver.post("/control/outage", json={"down": False})
    updates = pushed(receiver, code, 3)
    assert [u["position"] for u in updates] == [1, 2, 3]
    assert [u["status"] for u in updates] == ["2", "4", "7"]
    wait_all_acknowledged(province, dossier_id, 3)
    assert receiver.get("/control/stats").json()["out_of_order"] == 0


def pushed_count(receiver: httpx.Client, code: str) -> int:
    response = receiver.get(f"/control/dossiers/{code}")
    return len(response.json()["updates"]) if response.status_code == 200 else 0


def expected_totals(dossiers: list[dict[str, Any]], as_of: date) -> dict[str, int]:
    """The summary's totals counted here from the dossiers as their routes list them."""
    counts = dict.fromkeys(("received", "finished", "finished_on_time", "finished_late", "open", "open_overdue"), 0)
    counts["supplement_requested"] = 0
    for dossier in dossiers:
        if datetime.fromisoformat(dossier["received_at"]).astimezone(VIETNAM).date() > as_of:
            continue
        counts["received"] += 1
        due = date.fromisoformat(dossier["due_date"])
        finished = dossier["finished_at"] and datetime.fromisoformat(dossier["finished_at"]).astimezone(VIETNAM).date()
        if finished and finished <= as_of:
            counts["finished"] += 1
            counts["finished_on_time" if finished <= due else "finished_late"] += 1
        else:
            counts["open"] += 1
            counts["open_overdue"] += as_of > due
            counts["supplement_requested"] += dossier["status"] == "supplement_requested"
    return counts


def summary_totals(client: httpx.Client, as_of: date) -> dict[str, Any]:
    response = client.get(f"{REPORTS}/provinces/04/summary", params={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text
    section = response.json()["procedure_dossiers"]
    assert section is not None, response.json().get("missing")
    totals: dict[str, Any] = section["totals"]
    return totals


def test_the_province_summary_counts_the_dossiers_as_their_records_say(
    demo_stack: DemoStack, admin: httpx.Client, province: httpx.Client
) -> None:
    today = datetime.now(VIETNAM).date()
    parts: Any = demo_stack.loaded["parts"]
    assert sum(parts["procedures"]["proposals"].values()) == 48
    dossiers = every(province, f"{PERSONNEL}/procedure-dossiers", province="04")
    dossiers += every(province, f"{ASSETS}/procedure-dossiers", province="04")
    expected = expected_totals(dossiers, today)
    assert min(expected["finished_late"], expected["finished_on_time"], expected["open"]) > 0, expected
    deadline = time.monotonic() + PUSH_WAIT_SECONDS
    while (totals := summary_totals(province, today)) and {k: totals[k] for k in expected} != expected:
        assert time.monotonic() < deadline, (totals, expected)
        time.sleep(1.0)
    assert totals["on_time_share"] == round(expected["finished_on_time"] / expected["finished"], 4)
    # NOTE: one more dossier, received today and approved today: the totals move by exactly it.
    procedure = appraisal_procedure(province)
    position = propose_position(admin, a_department(province), "Chuyên viên cải cách hành chính (thẩm định)")
    intake = {"procedure_code": procedure["code"], "dossier_code": "000.00.00.H14-261130-9003"}
    position = step(admin, position, {"action": "submit", "procedure": intake})
    position = step(province, position, {"action": "appraise"})
    step(admin, position, {"action": "approve"})
    moved = dict(expected, received=expected["received"] + 1, finished=expected["finished"] + 1)
    moved["finished_on_time"] += 1
    deadline = time.monotonic() + PUSH_WAIT_SECONDS
    while {k: (totals := summary_totals(province, today))[k] for k in moved} != moved:
        assert time.monotonic() < deadline, (totals, moved)
        time.sleep(1.0)


def test_the_linked_data_export_of_cao_bang_answers_the_lineage_of_all_56_communes(stack: Stack, province: httpx.Client) -> None:
    token = province.headers["Authorization"].removeprefix("Bearer ")

    async def check() -> dict[str, set[str]]:
        async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=300.0, trust_env=False) as client:
            return await assert_export_answers_lineage(client, token, province="04", prefix=ORG, communes=56)

    answers = asyncio.run(check())
    # NOTE: Phường Thục Phán (01273 from 2025-07-01) was formed from former communes and wards.
    assert len(answers["01273"]) >= 5, answers["01273"]
