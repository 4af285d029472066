"""Webhook subscriptions and their deliveries, through a small service that publishes its changes.

The relay runs in process on the test's transaction (step by step); the endpoint is a real HTTP
server in its own process (``webhook_receiver.py``), whose paths say how it answers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from haicap_shared.events.relay import Relay
from haicap_shared.events.settings import EventSettings
from haicap_shared.events.subscriptions import MAX_SUBSCRIPTIONS
from haicap_shared.events.webhooks import (
    InvalidDelivery,
    WebhookUrlNotAllowed,
    new_secret,
    public_addresses,
    signed_headers,
    verify_delivery,
)
from haicap_shared.roles import Role
from haicap_shared.testing import ServiceMigrations, TestTokens, assert_openapi_documented, assert_problem

from .events_sample import MIGRATIONS, SERVICE, create_events_app
from .webhook_receiver import Receiver, running_receiver

PARCEL = "vn.gov.haicap.sample.parcel"
QUICK = EventSettings(
    webhook_retry_base_seconds=0.05,
    webhook_retry_cap_seconds=0.1,
    webhook_timeout_seconds=0.5,
    webhook_retry_window_seconds=30,
    relay_idle_seconds=0.01,
)


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens) -> FastAPI:
    return create_events_app(db_url, tmp_path, test_tokens.jwks_json)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with running_receiver(tmp_path) as running:
        yield running


def relay_of(app: FastAPI, settings: EventSettings = QUICK) -> Relay:
    return Relay(app.state.database.sessionmaker, app.state.event_tables, "sample", settings, replica="test-relay")


async def relay_until(relay: Relay, done: Callable[[], bool], within: float = 20.0) -> None:
    """Step the relay until ``done()`` (sleeping a little when it had nothing due)."""
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("the relay did not get there in time")
        if not await relay.step():
            await asyncio.sleep(0.02)


async def subscribe(client: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/webhook-subscriptions", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def parcels(client: httpx.AsyncClient, *names: str, **fields: Any) -> list[dict[str, Any]]:
    created = []
    for name in names:
        response = await client.post("/parcels", json={"name": name, **fields})
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


async def subscription(client: httpx.AsyncClient, subscription_id: str) -> dict[str, Any]:
    response = await client.get(f"/webhook-subscriptions/{subscription_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def log_of(client: httpx.AsyncClient, subscription_id: str, what: str = "deliveries") -> list[dict[str, Any]]:
    response = await client.get(f"/webhook-subscriptions/{subscription_id}/{what}", params={"limit": 500})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_subscription_is_configured_by_admins_and_shows_its_secret_once(
    client: httpx.AsyncClient, test_tokens: TestTokens, receiver: Receiver
) -> None:
    created = await subscribe(client, f"{receiver.url}/ok/a", event_types=[PARCEL], province_code="04", description="GIS")
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) >= len("whsec_") + 32
    assert (created["status"], created["event_types"], created["province_code"]) == ("active", [PARCEL], "04")
    path = f"/webhook-subscriptions/{created['id']}"

    read = await client.get(path)
    assert read.status_code == 200
    assert "secret" not in read.json()
    listed = (await client.get("/webhook-subscriptions")).json()["items"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert all("secret" not in s for s in listed)

    assert_problem(await client.patch(path, json={"description": "x"}), 428, "if_match_required")
    changed = await client.patch(path, json={"description": "GIS team"}, headers={"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["description"], changed.json()["version"]) == ("GIS team", 2)

    rotated = await client.post(f"{path}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]

    for role in (Role.PROVINCE_OFFICER, Role.AUDITOR, Role.VIEWER):
        headers = test_tokens.headers(role, province="04") if role is Role.PROVINCE_OFFICER else test_tokens.headers(role)
        assert_problem(await client.get("/webhook-subscriptions", headers=headers), 403, "role_not_allowed")
        assert_problem(
            await client.post("/webhook-subscriptions", json={"url": f"{receiver.url}/ok"}, headers=headers),
            403,
            "role_not_allowed",
        )

    # NOTE: configuration, audited without its secret, and no event in the feed.
    audit = (await client.get("/audit-events", params={"entity_type": "webhook_subscription"})).json()["items"]
    assert [e["action"] for e in audit] == ["create", "update", "rotate_secret"]
    assert created["secret"] not in json.dumps(audit)
    assert (await client.get("/events")).json()["events"] == []

    assert (await client.delete(path)).status_code == 204
    assert_problem(await client.get(path), 404, "webhook_subscription_not_found")


async def test_bad_subscriptions_are_refused(client: httpx.AsyncClient, receiver: Receiver) -> None:
    assert_problem(
        await client.post(
            "/webhook-subscriptions", json={"url": f"{receiver.url}/ok", "event_types": ["vn.gov.haicap.sample.nope"]}
        ),
        422,
        "unknown_event_type",
    )
    assert_problem(
        await client.post("/webhook-subscriptions", json={"url": "ftp://example.org/x"}), 422, "webhook_url_not_allowed"
    )
    too_many = [f"{PARCEL}.created"] * 51
    assert_problem(
        await client.post("/webhook-subscriptions", json={"url": f"{receiver.url}/ok", "event_types": too_many}),
        422,
        "validation_error",
    )
    long_url = f"{receiver.url}/ok/{'x' * 2000}"
    assert_problem(await client.post("/webhook-subscriptions", json={"url": long_url}), 422, "validation_error")


async def test_a_service_keeps_a_bounded_number_of_subscriptions(client: httpx.AsyncClient, receiver: Receiver) -> None:
    for n in range(MAX_SUBSCRIPTIONS):
        await subscribe(client, f"{receiver.url}/ok/{n}")
    assert_problem(
        await client.post("/webhook-subscriptions", json={"url": f"{receiver.url}/ok/more"}),
        409,
        "too_many_webhook_subscriptions",
    )
    page = await client.get("/webhook-subscriptions", params={"limit": 60})
    rest = await client.get("/webhook-subscriptions", params={"limit": 60, "cursor": page.json()["next"]})
    assert len(page.json()["items"]) + len(rest.json()["items"]) == MAX_SUBSCRIPTIONS
    assert rest.json()["next"] is None


async def test_a_delivery_is_signed_with_the_secret_shown(
    client: httpx.AsyncClient, service_app: FastAPI, receiver: Receiver
) -> None:
    await parcels(client, "before the subscription")
    created = await subscribe(client, f"{receiver.url}/ok/signed")
    [parcel] = await parcels(client, "Thửa 1", province_code="04", commune_code="04001")
    relay = relay_of(service_app)
    await relay_until(relay, lambda: len(receiver.requests()) == 1)
    await relay.run_until_idle()
    await relay.close()

    [request] = receiver.requests()
    headers, body = request["headers"], request["body"]
    assert headers["content-type"] == "application/cloudevents+json"
    event = verify_delivery(created["secret"], headers, body)
    assert (event["type"], event["subject"].rsplit("/", 1)[-1]) == (f"{PARCEL}.created", parcel["id"])
    assert headers["webhook-id"] == event["id"]
    assert event["data"]["record"]["name"] == "Thửa 1"

    with pytest.raises(InvalidDelivery):
        verify_delivery(new_secret(), headers, body)
    with pytest.raises(InvalidDelivery):
        verify_delivery(created["secret"], headers, body.replace("Thửa 1", "Thửa 2"))
    stale = signed_headers(created["secret"], event["id"], body, now=datetime.now(UTC) - timedelta(minutes=10))
    with pytest.raises(InvalidDelivery):
        verify_delivery(created["secret"], stale, body)

    [attempt] = await log_of(client, created["id"])
    assert (attempt["status"], attempt["attempt"], attempt["response_status"]) == ("delivered", 1, 200)
    assert attempt["event_id"] == event["id"]
    assert (await subscription(client, created["id"]))["delivered_through"] == int(event["sequence"])


async def test_only_the_subscribed_types_and_area_are_delivered(
    client: httpx.AsyncClient, service_app: FastAPI, receiver: Receiver
) -> None:
    await subscribe(client, f"{receiver.url}/ok/area", event_types=[PARCEL], commune_code="04001")
    await subscribe(client, f"{receiver.url}/ok/transfers", event_types=[f"{PARCEL}.transferred"])
    [inside] = await parcels(client, "inside", province_code="04", commune_code="04001")
    await parcels(client, "outside", province_code="04", commune_code="04002")
    survey = await client.post("/surveys", json={"parcel_id": inside["id"], "result": "ok"})
    assert survey.status_code == 201
    moved = await client.post(f"/parcels/{inside['id']}/transfer", params={"owner_name": "Lê Văn B"})
    assert moved.status_code == 200
    relay = relay_of(service_app)
    await relay.run_until_idle()
    await relay.close()

    area = [(e["type"], e["data"]["record"]["name"]) for e in receiver.delivered("/ok/area")]
    assert area == [(f"{PARCEL}.created", "inside"), (f"{PARCEL}.transferred", "inside")]
    assert [e["type"] for e in receiver.delivered("/ok/transfers")] == [f"{PARCEL}.transferred"]


async def test_an_endpoint_failing_for_a_while_gets_every_event_later_in_order(
    client: httpx.AsyncClient, service_app: FastAPI, receiver: Receiver
) -> None:
    created = await subscribe(client, f"{receiver.url}/fail/3/x")
    names = [f"parcel {i}" for i in range(5)]
    await parcels(client, *names)
    relay = relay_of(service_app)
    await relay_until(relay, lambda: len(receiver.delivered()) == 5)
    await relay.close()

    delivered = receiver.delivered()
    assert [e["data"]["record"]["name"] for e in delivered] == names
    assert [int(e["sequence"]) for e in delivered] == sorted(int(e["sequence"]) for e in delivered)
    attempts = [(a["status"], a["attempt"], a["response_status"]) for a in await log_of(client, created["id"])]
    assert attempts[:4] == [("failed", 1, 500), ("failed", 2, 500), ("failed", 3, 500), ("delivered", 4, 200)]
    assert attempts[4:] == [("delivered", 1, 200)] * 4
    shown = await subscription(client, created["id"])
    assert (shown["status"], shown["failing_since"], shown["last_error"]) == ("active", None, None)


async def test_a_silent_endpoint_ends_paused_with_its_events_dead_lettered_and_they_can_be_sent_again(
    client: httpx.AsyncClient, service_app: FastAPI, receiver: Receiver
) -> None:
    settings = QUICK.model_copy(
        update={"webhook_timeout_seconds": 0.2, "webhook_retry_window_seconds": 0.3, "webhook_pause_after_dead_letters": 2}
    )
    created = await subscribe(client, f"{receiver.url}/hang/x")
    path = f"/webhook-subscriptions/{created['id']}"
    await parcels(client, "one", "two", "three")
    relay = relay_of(service_app, settings)

    async def paused() -> bool:
        return (await subscription(client, created["id"]))["status"] == "paused"

    deadline = time.monotonic() + 20
    while not await paused():
        assert time.monotonic() < deadline, "the subscription was not paused"
        if not await relay.step():
            await asyncio.sleep(0.02)
    shown = await subscription(client, created["id"])
    assert "2 events dead-lettered in a row" in shown["paused_reason"]
    dead = await log_of(client, created["id"], "dead-letters")
    assert [(d["status"], d["response_status"]) for d in dead] == [("dead_lettered", None)] * 2
    assert [json.loads(r["body"])["data"]["record"]["name"] for r in receiver.requests()][-1] == "two"
    failed = await log_of(client, created["id"], "deliveries")
    assert {a["error"].split(":")[0] for a in failed} == {"ReadTimeout"}

    # NOTE: while paused nothing is sent: "three" waits behind the cursor.
    seen = len(receiver.requests())
    assert not await relay.step()
    assert len(receiver.requests()) == seen

    etag = (await client.get(path)).headers["ETag"]
    moved = await client.patch(path, json={"url": f"{receiver.url}/ok/fixed"}, headers={"If-Match": etag})
    assert moved.status_code == 200, moved.text
    assert (await client.post(f"{path}/resume")).json()["status"] == "active"
    one = await client.post(f"{path}/deliveries/{dead[0]['id']}/redeliver")
    assert one.status_code == 202
    assert one.json()["status"] == "redelivering"
    assert_problem(await client.post(f"{path}/deliveries/{dead[0]['id']}/redeliver"), 409, "not_a_dead_letter")
    assert (await client.post(f"{path}/dead-letters/redeliver")).json() == {"requested": 1}
    await relay_until(relay, lambda: len(receiver.delivered("/ok/fixed")) == 3)
    await relay.close()

    assert sorted(e["data"]["record"]["name"] for e in receiver.delivered("/ok/fixed")) == ["one", "three", "two"]
    assert await log_of(client, created["id"], "dead-letters") == []
    log = await log_of(client, created["id"])
    redone = [a for a in log if a["redelivery_of"] is not None]
    assert sorted(a["redelivery_of"] for a in redone) == sorted(d["id"] for d in dead)
    assert {a["status"] for a in redone} == {"delivered"}
    assert {a["id"]: a["status"] for a in log if a["id"] in {d["id"] for d in dead}} == {d["id"]: "redelivered" for d in dead}


async def test_an_endpoint_failing_too_long_is_paused_with_its_cursor_kept(
    client: httpx.AsyncClient, service_app: FastAPI, receiver: Receiver
) -> None:
    settings = QUICK.model_copy(update={"webhook_pause_after_failing_seconds": 0.3})
    created = await subscribe(client, f"{receiver.url}/status/503/x")
    await parcels(client, "waiting")
    before = (await subscription(client, created["id"]))["delivered_through"]
    relay = relay_of(service_app, settings)
    deadline = time.monotonic() + 20
    while (shown := await subscription(client, created["id"]))["status"] != "paused":
        assert time.monotonic() < deadline, "the subscription was not paused"
        if not await relay.step():
            await asyncio.sleep(0.02)
    await relay.close()
    assert shown["paused_reason"].startswith("paused by the relay: failing since")
    assert (shown["delivered_through"], shown["last_error"]) == (before, "HTTP 503")
    assert await log_of(client, created["id"], "dead-letters") == []
    failed = await client.get(f"/webhook-subscriptions/{created['id']}/deliveries", params={"status": "failed"})
    assert {(a["status"], a["response_status"]) for a in failed.json()["items"]} == {("failed", 503)}


async def test_the_ssrf_guard_refuses_private_addresses_in_production(
    client: httpx.AsyncClient, service_app: FastAPI, receiver: Receiver
) -> None:
    # NOTE: the demo's settings let a subscription target the local receiver.
    allowed = await subscribe(client, f"{receiver.url}/ok/demo")
    service_app.state.event_settings = EventSettings(allow_private_webhook_urls=False)
    for url in (
        f"{receiver.url}/ok",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",
        "https://user:pw@93.184.216.34/hook",
    ):
        response = await client.post("/webhook-subscriptions", json={"url": url})
        assert_problem(response, 422, "webhook_url_not_allowed")
    assert await public_addresses("https://93.184.216.34/hook", allow_private=False) == ["93.184.216.34"]
    with pytest.raises(WebhookUrlNotAllowed):
        await public_addresses("https://localhost.localdomain.invalid/hook", allow_private=False)

    # NOTE: checked again at delivery: a subscription made before (or DNS that changed) gets nothing.
    await parcels(client, "not sent")
    relay = relay_of(service_app, QUICK.model_copy(update={"allow_private_webhook_urls": False}))
    await relay.step()
    await relay.close()
    assert receiver.requests() == []
    [attempt] = await log_of(client, allowed["id"])
    assert (attempt["status"], attempt["error"].split(":")[0]) == ("failed", "webhook_url_not_allowed")


async def test_readiness_and_metrics_show_the_lag(client: httpx.AsyncClient, service_app: FastAPI, receiver: Receiver) -> None:
    created = await subscribe(client, f"{receiver.url}/ok/lag")
    await parcels(client, "waiting")
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    [destination] = ready.json()["events"]["destinations"]
    assert destination["destination"] == f"webhook:{created['id']}"
    assert destination["lag_seconds"] >= 0
    assert destination["delivered_through"] < ready.json()["events"]["latest_sequence"]
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert f'haicap_events_lag_seconds{{destination="webhook:{created["id"]}",service="shared-events"}}' in metrics.text

    relay = relay_of(service_app)
    await relay.run_until_idle()
    await relay.close()
    [after] = (await client.get("/readyz")).json()["events"]["destinations"]
    assert after["lag_seconds"] == 0
    assert after["delivered_through"] == (await client.get("/readyz")).json()["events"]["latest_sequence"]
    assert (
        f'haicap_webhook_attempts{{destination="webhook:{created["id"]}",service="shared-events",status="delivered"}} 1.0'
        in (await client.get("/metrics")).text
    )


def test_the_webhook_routes_are_documented(service_app: FastAPI) -> None:
    assert_openapi_documented(
        service_app,
        paths={
            "/webhook-subscriptions",
            "/webhook-subscriptions/{subscription_id}",
            "/webhook-subscriptions/{subscription_id}/rotate-secret",
            "/webhook-subscriptions/{subscription_id}/resume",
            "/webhook-subscriptions/{subscription_id}/deliveries",
            "/webhook-subscriptions/{subscription_id}/dead-letters",
            "/webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver",
            "/webhook-subscriptions/{subscription_id}/dead-letters/redeliver",
            "/metrics",
        },
    )
