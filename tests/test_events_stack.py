"""The change feed through the real processes: the Cao Bằng demo replayed from each service's feed,
areas and masking in the feed, and a webhook delivered, signed, to a real receiver.

The demo's stack of each backend (``demo_stack``, shared with the national sync's module): the
replay is compared with the whole lists, whatever the other module wrote, and the privacy scan
needs the demo people. The only record written here is the webhook test's person.
The relays are started with the stack (tools/run_stack.py); no NATS here.
"""

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from haicap_shared.personal_data import mask
from haicap_shared.testing import assert_problem

from .stack_support import DemoStack, Stack, sign_in

pytestmark = pytest.mark.processes

ORG, PERSONNEL, ASSETS = "/api/v1/org", "/api/v1/personnel", "/api/v1/assets"
FEED_PAGE = 1000
QUANG_LAM = "01304"
"""The demo commune officer's commune (Xã Quảng Lâm)."""
RECEIVER = Path(__file__).with_name("webhook_receiver.py")
WEBHOOK_PERSON = "Người Nhận Sự Kiện"
"""The one record this module writes (the webhook test's)."""
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


@pytest.fixture(scope="module")
def stack(demo_stack: DemoStack) -> Stack:
    """The demo's stack (see the module's docstring), on each backend."""
    return demo_stack.stack


@pytest.fixture(scope="module")
def admin(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=120.0, trust_env=False) as client:
        client.headers.update(sign_in(client, stack, "admin"))
        yield client


def follow(client: httpx.Client, service: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every event of a service's feed the caller may read, from the start, in pages of 1000."""
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        params = {"after": str(after), "limit": str(FEED_PAGE)}
        response = client.get(f"{service}/events", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        events += page["events"]
        assert page["next_after"] >= after
        if not page["events"] and page["next_after"] >= page["latest_sequence"]:
            return events
        after = page["next_after"]


def replay(events: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """kind -> record id -> the record as its last event left it (a deleted record is gone)."""
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for event in events:
        kind, action = event["type"].rsplit(".", 2)[-2:]
        records = state.setdefault(kind, {})
        if action == "deleted":
            records.pop(event["partitionkey"], None)
        else:
            records[event["partitionkey"]] = event["data"]["record"]
    return state


def listed(client: httpx.Client, path: str, **params: str) -> dict[str, dict[str, Any]]:
    """Every item of a list by id, following its cursors."""
    items: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        response = client.get(path, params={"limit": "500"} | params | ({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        for item in body["items"]:
            assert item["id"] not in items, f"{path}: {item['id']} listed twice"
            items[item["id"]] = item
        cursor = body["next"]
        if cursor is None:
            return items


def differing(replayed: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]) -> list[str]:
    """The ids whose replayed record is not the record listed now (or that only one side has)."""
    return sorted(i for i in replayed.keys() | current.keys() if replayed.get(i) != current.get(i))


def test_replaying_each_feed_gives_what_the_lists_hold(admin: httpx.Client) -> None:
    feeds = {service: follow(admin, service) for service in (ORG, PERSONNEL, ASSETS)}
    for service, events in feeds.items():
        sequences = [int(e["sequence"]) for e in events]
        assert sequences == sorted(set(sequences)), f"{service}: the feed is in sequence order, each event once"
    org, personnel, assets = (replay(feeds[service]) for service in (ORG, PERSONNEL, ASSETS))
    # NOTE: a task's list shows those held today, with today's owner; the demo ends none, so the
    # feed's and the list's are the same tasks (the owner shown is the list's, so ids are compared).
    assert set(org["task"]) == set(listed(admin, f"{ORG}/tasks"))
    assert len(org["task"]) == 2214
    # A placement and a person replayed are the record the list shows now, field for field.
    assert differing(personnel["placement"], listed(admin, f"{PERSONNEL}/placements")) == []
    assert differing(personnel["person"], listed(admin, f"{PERSONNEL}/people")) == []
    assert sum(1 for p in personnel["person"].values() if p["full_name"] != WEBHOOK_PERSON) == 3042
    assert set(assets["asset"]) == set(listed(admin, f"{ASSETS}/assets"))
    # The replayed record is the record as the API returns it now.
    for kind, path, state in (("placement", PERSONNEL, personnel), ("asset", ASSETS, assets)):
        some_id = sorted(state[kind])[0]
        current = admin.get(f"{path}/{kind}s/{some_id}").json()
        assert state[kind][some_id] == current


def test_a_commune_officer_follows_only_their_commune(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url("gateway"), timeout=120.0, trust_env=False) as client:
        commune = sign_in(client, stack, "commune_officer")
        for service in (ORG, PERSONNEL, ASSETS):
            events = follow(client, service, commune)
            assert events, f"the demo records {service} in Xã Quảng Lâm"
            assert {event["communecode"] for event in events} == {QUANG_LAM}
        # Narrowed to another commune, the feed is empty: a filter only narrows the caller's area.
        elsewhere = client.get(f"{PERSONNEL}/events", params={"after": "0", "commune": "01005"}, headers=commune)
        assert elsewhere.status_code == 200, elsewhere.text
        assert elsewhere.json()["events"] == []
        viewer = sign_in(client, stack, "viewer")
        assert_problem(client.get(f"{PERSONNEL}/events", headers=viewer), 403, "role_not_allowed")


def _national_ids(stack: Stack) -> set[str]:
    """Every national id personnel holds, read from its database (no API lists them unmasked)."""
    url = stack.env.get("HAICAP_PERSONNEL_DATABASE_URL")
    if url is None:
        with sqlite3.connect(stack.var_dir / "personnel.db") as db:
            return {row[0] for row in db.execute("SELECT national_id FROM person")}

    async def read() -> set[str]:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return {row[0] for row in await connection.fetch("SELECT national_id FROM person")}
        finally:
            await connection.close()

    return asyncio.run(read())


def test_no_national_id_in_the_personnel_feed(stack: Stack, admin: httpx.Client) -> None:
    events = follow(admin, PERSONNEL)
    known = _national_ids(stack)
    shown = set(TWELVE_DIGITS.findall(json.dumps(events, ensure_ascii=False)))
    assert shown & known == set()
    # Every person's creation is in the feed, their national id masked as the API masks it.
    people = [e["data"]["record"] for e in events if e["type"] == "vn.gov.haicap.personnel.person.created"]
    assert len(people) == len(known) >= 3042
    assert sorted(person["national_id"] for person in people) == sorted(str(mask(number)) for number in known)


class Receiver:
    """tests/webhook_receiver.py as a process of its own on a free loopback port."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.process = subprocess.Popen([sys.executable, str(RECEIVER), "--out", str(out)], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("listening "), line
        self.url = f"http://127.0.0.1:{int(line.split()[1])}/hooks/haicap"

    def received(self) -> list[dict[str, Any]]:
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text(encoding="utf-8").splitlines() if line]

    def wait_for(self, subject: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.received():
                if json.loads(request["body"]).get("subject") == subject:
                    return request
            time.sleep(0.2)
        raise AssertionError(f"no delivery of {subject} within {timeout:.0f} s; received {self.received()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    running = Receiver(tmp_path / "received.jsonl")
    try:
        yield running
    finally:
        running.stop()


def test_a_change_reaches_a_webhook_signed(stack: Stack, admin: httpx.Client, receiver: Receiver) -> None:
    hooks = f"{PERSONNEL}/webhook-subscriptions"
    body = {"url": receiver.url, "event_types": ["vn.gov.haicap.personnel.person"], "province_code": "04",
            "description": "the events test's receiver"}  # fmt: skip
    created = admin.post(hooks, json=body)
    assert created.status_code == 201, created.text
    subscription = created.json()
    secret = subscription["secret"]
    assert secret.startswith("whsec_")
    shown = admin.get(f"{hooks}/{subscription['id']}")
    assert shown.status_code == 200, shown.text
    assert "secret" not in shown.json()
    assert secret not in shown.text
    assert secret not in admin.get(hooks).text

    agency = admin.get(f"{ORG}/agencies", params={"province": "04", "limit": "1"}).json()["items"][0]
    national_id = "004195008642"
    person = {"full_name": WEBHOOK_PERSON, "category": "civil_servant", "birth_date": "1995-02-03", "sex": "female",
              "national_id": national_id, "education_level": "university", "agency_id": agency["id"]}  # fmt: skip
    response = admin.post(f"{PERSONNEL}/people", json=person)
    assert response.status_code == 201, response.text
    person_id = response.json()["id"]

    delivery = receiver.wait_for(f"{PERSONNEL}/people/{person_id}")
    event = Webhook(secret).verify(delivery["body"], delivery["headers"])
    assert event["type"] == "vn.gov.haicap.personnel.person.created"
    assert delivery["headers"]["webhook-id"] == event["id"]
    assert delivery["headers"]["content-type"].startswith("application/cloudevents+json")
    assert event["data"]["record"]["national_id"] == mask(national_id)
    assert national_id not in delivery["body"]
    # The same event in the feed, with the same id.
    feed = admin.get(f"{PERSONNEL}/events", params={"after": str(int(event["sequence"]) - 1), "limit": "1"}).json()
    assert [e["id"] for e in feed["events"]] == [event["id"]]

    log_path = f"{hooks}/{subscription['id']}/deliveries"
    deadline = time.monotonic() + 30
    while True:
        log = admin.get(log_path, params={"limit": "100"})
        assert log.status_code == 200, log.text
        delivered = [d for d in log.json()["items"] if d["event_id"] == event["id"]]
        if delivered or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(d["status"], d["response_status"], d["attempt"]) for d in delivered] == [("delivered", 204, 1)]
    assert national_id not in log.text
    assert {json.loads(r["body"])["id"] for r in receiver.received()} == {event["id"]}
    # personnel's /readyz shows the subscription's cursor past the event, nothing waiting.
    with httpx.Client(base_url=stack.url("personnel"), timeout=30.0, trust_env=False) as direct:
        ready = direct.get("/readyz").json()
    lags = {d["destination"]: d for d in ready["events"]["destinations"]}
    mine = lags[f"webhook:{subscription['id']}"]
    assert mine["delivered_through"] >= int(event["sequence"])
    assert mine["status"] == "active"
    assert admin.delete(f"{hooks}/{subscription['id']}").status_code == 204
