"""The electronic dossier and the national sync through the real processes, on the Cao Bằng demo.

The demo's stack of each backend (``demo_stack``, shared with the change feed's module): the
scenario recorded the re-placement's career events, the evaluations of 2024 and 2025, a few
commendations and disciplines, and verified every dossier change; the stack's sync worker sends
them through ``lgsp`` to the stand-in national receiver (a real process). Here: everything verified
is acknowledged and held by the receiver, nothing is overdue; then an outage of the national side
leaves a new change queued, overdue a week later with its due date, and sent once it is back; a
rejection shows the national side's reason. The records written here are two commendations.
"""

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from .stack_support import DemoStack, Stack, every, signed_in, working_days_after

pytestmark = pytest.mark.processes

PERSONNEL = "/api/v1/personnel"
RECEIVER = "national-receiver"
SYNC_WAIT_SECONDS = 240.0


@pytest.fixture(scope="module")
def stack(demo_stack: DemoStack) -> Stack:
    return demo_stack.stack


@pytest.fixture(scope="module")
def province(stack: Stack) -> Iterator[httpx.Client]:
    with signed_in(stack, "province_officer") as client:
        yield client


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Iterator[httpx.Client]:
    with signed_in(stack, "admin") as client:
        yield client


@pytest.fixture
def receiver(stack: Stack) -> Iterator[httpx.Client]:
    """The stand-in national receiver's own routes; left as it was found (up, nothing to reject)."""
    with httpx.Client(base_url=stack.url(RECEIVER), timeout=30.0, trust_env=False) as client:
        yield client
        client.post("/control/reset", json={})


def queue(admin: httpx.Client) -> dict[str, Any]:
    response = admin.get(f"{PERSONNEL}/sync-exchanges/queue")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_until_sent(admin: httpx.Client) -> dict[str, Any]:
    """The queue once the intake has read every event and nothing verified waits to be sent."""
    deadline = time.monotonic() + SYNC_WAIT_SECONDS
    while True:
        state = queue(admin)
        if state["intake_through"] == state["latest_sequence"] and state["queued"] == 0:
            return state
        assert time.monotonic() < deadline, f"the sync did not finish: {state}"
        time.sleep(0.5)


def wait_for_change(client: httpx.Client, record: dict[str, Any], **wanted: Any) -> dict[str, Any]:
    """The dossier change made from ``record``'s event, once it has the ``wanted`` values (or passes them)."""
    deadline = time.monotonic() + SYNC_WAIT_SECONDS
    while True:
        changes = every(client, f"{PERSONNEL}/dossier-changes", person_id=record["person_id"])
        found = [c for c in changes if c["record_id"] == record["id"]]
        if found and all(v(found[0][k]) if callable(v) else found[0][k] == v for k, v in wanted.items()):
            return found[0]
        assert time.monotonic() < deadline, f"no change of {record['id']} with {wanted}: {found}"
        time.sleep(0.5)


def vietnam_today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def one_person(client: httpx.Client) -> dict[str, Any]:
    response = client.get(f"{PERSONNEL}/people", params={"limit": 1})
    assert response.status_code == 200, response.text
    person: dict[str, Any] = response.json()["items"][0]
    return person


def commend(client: httpx.Client, person_id: str, number: str) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "form_code": "giay-khen",
        "decision": {"number": number, "date": date.today().isoformat(), "signer": "Chủ tịch UBND tỉnh", "issuer": "UBND tỉnh"},
        "reason": "Hoàn thành xuất sắc nhiệm vụ được giao",
    }
    response = client.post(f"{PERSONNEL}/commendations", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def verify(client: httpx.Client, change: dict[str, Any]) -> None:
    response = client.get(f"{PERSONNEL}/dossier-changes/{change['id']}")
    verified = client.post(f"{PERSONNEL}/dossier-changes/{change['id']}/verify", headers={"If-Match": response.headers["ETag"]})
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "queued"


def test_every_verified_change_of_the_demo_is_acknowledged_and_held_nationally(
    demo_stack: DemoStack, admin: httpx.Client, province: httpx.Client, receiver: httpx.Client
) -> None:
    state = wait_until_sent(admin)
    by_status = state["by_status"]
    people: Any = demo_stack.loaded["parts"]
    verified = people["people"]["dossier"]["verification"]["verified"]
    assert by_status["acknowledged"] >= verified > 10_000
    assert (by_status["queued"], by_status["rejected"], by_status["returned"], by_status["sent"]) == (0, 0, 0, 0)
    # NOTE: the national side holds one record per acknowledged change, no more.
    assert receiver.get("/control/state").json()["records"] == by_status["acknowledged"]
    overdue = province.get(f"{PERSONNEL}/national-sync/reports/overdue").json()
    assert (overdue["total"], overdue["items"]) == (0, [])
    # NOTE: what the scenario recorded: a transfer for each person the re-placement moved, two years
    # of evaluations, the people who failed both.
    moved = people["people"]["re_placed"]
    assert len(every(province, f"{PERSONNEL}/career-events", type="transfer")) == moved
    staying = people["people"]["people"] - people["people"]["by_group"]["leaving"]
    assert len(every(province, f"{PERSONNEL}/evaluations", year=2025)) == staying
    assert len(every(province, f"{PERSONNEL}/evaluations", year=2024)) == people["people"]["people"]
    twice = province.get(f"{PERSONNEL}/stats/tasks-not-completed", params={"year": 2025}).json()
    assert twice["total"] == 9, twice


def test_an_outage_leaves_a_change_overdue_with_its_due_date_until_the_national_side_is_back(
    admin: httpx.Client, province: httpx.Client, receiver: httpx.Client
) -> None:
    person = one_person(province)
    assert receiver.post("/control/outage", json={"down": True}).json()["down"] is True
    today = vietnam_today()
    commendation = commend(province, person["id"], "501/QĐ-KT")
    change = wait_for_change(province, commendation, status="pending_verification")
    arose = date.fromisoformat(change["arose_on"])
    assert arose in (today, today + timedelta(days=1))
    assert change["due_date"] == working_days_after(arose, 3).isoformat()
    verify(province, change)
    waiting = wait_for_change(province, commendation, attempts=lambda n: n >= 1)
    assert waiting["status"] == "queued"
    # NOTE: a week later, still not acknowledged: overdue, listed with its due date; not today.
    week_later = (arose + timedelta(days=7)).isoformat()
    report = province.get(f"{PERSONNEL}/national-sync/reports/overdue", params={"as_of": week_later}).json()
    listed = {item["change_id"]: item for item in report["items"]}
    assert change["id"] in listed, report
    assert listed[change["id"]]["due_date"] == change["due_date"]
    assert report["total"] >= 1
    today_report = province.get(f"{PERSONNEL}/national-sync/reports/overdue", params={"as_of": arose.isoformat()}).json()
    assert change["id"] not in {item["change_id"] for item in today_report["items"]}
    # NOTE: the national side back: the change is acknowledged, and a week later nothing is overdue.
    receiver.post("/control/outage", json={"down": False})
    done = wait_for_change(province, commendation, status="acknowledged")
    assert done["national_reference"]
    after = province.get(f"{PERSONNEL}/national-sync/reports/overdue", params={"as_of": week_later}).json()
    assert change["id"] not in {item["change_id"] for item in after["items"]}


def test_a_rejected_change_shows_the_national_sides_reason(province: httpx.Client, receiver: httpx.Client) -> None:
    reason = "Số quyết định không khớp với cơ sở dữ liệu quốc gia"
    person = one_person(province)
    commendation = commend(province, person["id"], "502/QĐ-KT")
    change = wait_for_change(province, commendation, status="pending_verification")
    assert receiver.post("/control/reject-next", json={"count": 1, "reason": reason}).status_code == 200
    verify(province, change)
    rejected = wait_for_change(province, commendation, status="rejected")
    assert rejected["status_reason"] == reason
    report = province.get(f"{PERSONNEL}/national-sync/reports/rejected").json()
    assert reason in {r["reason"] for r in report["by_reason"]}, report
