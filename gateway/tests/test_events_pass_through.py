"""Every service's change feed passes the gateway: long-polls, webhook subscriptions, event schemas, event types."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import MetaData

from haicap_gateway.deadlines import Deadlines, DeadlineTable
from haicap_gateway.settings import GatewaySettings
from haicap_shared.events.catalogue import EventCatalogue, EventKind
from haicap_shared.events.dataschemas import EventSchemas
from haicap_shared.events.feed import MAX_WAIT_SECONDS, feed_router
from haicap_shared.events.subscriptions import subscriptions_router
from haicap_shared.events.tables import define_event_tables
from haicap_shared.openapi import install_contract
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import FakeServices

TYPE = "vn.gov.haicap.personnel.placement.created"


class Placement(BaseModel):
    id: str
    commune_code: str | None


class Parcel(BaseModel):
    id: str
    area_m2: float


def _service_spec(service: str, prefix: str, kind: EventKind) -> dict[str, Any]:
    """A service's spec as the services build it: the feed and the subscriptions routes, its types as ``webhooks``."""
    catalogue = EventCatalogue(service, f"/api/v1/{prefix}", kinds=[kind])
    tables = define_event_tables(MetaData())
    app = FastAPI(title=service)
    install_contract(app, prefix)
    schemas = EventSchemas(catalogue, {}, schema_base=f"https://haicap.example/api/v1/{prefix}/events/schemas")
    app.include_router(feed_router(catalogue, tables, schemas=schemas))
    app.include_router(subscriptions_router(catalogue, tables))
    document = app.openapi()
    schemas.add_to_openapi(document)
    return document


PLACEMENT = EventKind("placement", Placement, "/api/v1/personnel/placements/{id}")
SPECS = {
    "personnel.test": _service_spec("personnel", "personnel", PLACEMENT),
    "assets.test": _service_spec("assets", "assets", EventKind("parcel", Parcel, "/api/v1/assets/parcels/{id}")),
}


def test_a_service_feed_declares_more_than_its_longest_wait_and_the_gateway_grants_it() -> None:
    """With the gateway's defaults (10 s for a read), a 25 s long-poll is given the time its service declares."""
    table = DeadlineTable.from_spec(SPECS["personnel.test"])
    declared = table.declared("GET", "/events")
    assert declared is not None
    assert declared > MAX_WAIT_SECONDS == 25
    settings = GatewaySettings()
    assert settings.read_timeout_seconds < MAX_WAIT_SECONDS < min(declared, settings.long_timeout_seconds)
    assert table.declared("GET", "/events/latest") is None, "the rest of the feed answers at once"


async def test_the_gateway_reads_a_feeds_deadline_from_the_service() -> None:
    async def read(service: Any) -> Any:
        return SPECS["personnel.test"]

    settings = GatewaySettings()
    deadlines = Deadlines(settings, read)
    personnel = next(s for s in settings.upstreams() if s.prefix == "personnel")
    assert await deadlines.seconds(personnel, "GET", "/events") > MAX_WAIT_SECONDS
    assert await deadlines.seconds(personnel, "GET", "/events/latest") == settings.read_timeout_seconds
    await deadlines.aclose()


async def test_a_long_poll_outlasts_the_read_timeout(make_gateway: Any, echo_url: str) -> None:
    # NOTE: reads get 0.3 s; the stand-in's feed declares the feed's deadline and answers after `wait`.
    settings = {"deadlines_from_openapi": True, "read_timeout_seconds": 0.3}
    async with make_gateway(personnel_url=echo_url, **settings) as client:
        started = time.monotonic()
        polled = await client.get("/api/v1/personnel/events", params={"after": 41, "wait": 1.2})
        waited = time.monotonic() - started
        assert (polled.status_code, polled.json()) == (200, {"events": [], "next_after": 41, "latest_sequence": 41})
        assert waited >= 1.2
        assert_problem(await client.get("/api/v1/personnel/slow", params={"seconds": 1.2}), 504, "upstream_timeout")


async def test_webhook_subscriptions_pass_through_with_their_headers_and_bodies(
    client: httpx.AsyncClient, fake: FakeServices, test_tokens: TestTokens
) -> None:
    created = {"id": "5d1c", "url": "https://receiver.example/hooks", "secret": "whsec_c2VjcmV0LW9uY2U="}
    fake.respond = lambda request: httpx.Response(
        201 if request.method == "POST" else 200, json=created, headers={"ETag": '"1"', "Cache-Control": "no-store"}
    )
    admin = test_tokens.headers(username="test-admin")
    body = {"url": "https://receiver.example/hooks", "event_types": ["vn.gov.haicap.personnel.placement"]}
    made = await client.post("/api/v1/personnel/webhook-subscriptions", json=body, headers=admin | {"Idempotency-Key": "k-1"})
    assert (made.status_code, made.json(), made.headers["cache-control"]) == (201, created, "no-store")
    changed = await client.patch(
        "/api/v1/personnel/webhook-subscriptions/5d1c", json={"status": "paused"}, headers=admin | {"If-Match": '"1"'}
    )
    assert changed.status_code == 200
    redelivered = await client.post("/api/v1/personnel/webhook-subscriptions/5d1c/deliveries/9a/redeliver", headers=admin)
    assert redelivered.status_code == 201
    log = await client.get("/api/v1/personnel/webhook-subscriptions/5d1c/deliveries", params={"limit": 5}, headers=admin)
    assert log.status_code == 200

    post, patch, redeliver, read = fake.seen
    assert (post.method, post.url.path, json.loads(post.content)) == ("POST", "/webhook-subscriptions", body)
    assert (post.headers["idempotency-key"], post.headers["authorization"]) == ("k-1", admin["Authorization"])
    assert (patch.method, patch.url.path, patch.headers["if-match"]) == ("PATCH", "/webhook-subscriptions/5d1c", '"1"')
    assert (redeliver.method, redeliver.url.path) == ("POST", "/webhook-subscriptions/5d1c/deliveries/9a/redeliver")
    assert (read.url.path, read.url.query) == ("/webhook-subscriptions/5d1c/deliveries", b"limit=5")


async def test_an_events_dataschema_resolves_through_the_gateway_without_a_token(
    client: httpx.AsyncClient, fake: FakeServices
) -> None:
    schema = {"$id": f"https://haicap.example/api/v1/personnel/events/schemas/{TYPE}", "title": TYPE}
    fake.respond = lambda request: httpx.Response(
        200, content=json.dumps(schema).encode(), headers={"Content-Type": "application/schema+json"}
    )
    response = await client.get(httpx.URL(schema["$id"]).path)
    assert (response.status_code, response.json(), response.headers["content-type"]) == (
        200,
        schema,
        "application/schema+json",
    )
    assert fake.last.url.path == f"/events/schemas/{TYPE}"
    assert "authorization" not in fake.last.headers


def _serve_specs(request: httpx.Request) -> httpx.Response:
    spec = SPECS.get(request.url.host)
    return httpx.Response(200, json=spec) if spec is not None else httpx.Response(503, json={})


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return own.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


async def test_the_merged_spec_keeps_every_services_event_types(client: httpx.AsyncClient, fake: FakeServices) -> None:
    fake.respond = _serve_specs
    spec = (await client.get("/openapi.json")).json()
    webhooks = spec["webhooks"]
    assert {name for name in webhooks if name.startswith(("vn.gov.haicap.personnel.", "vn.gov.haicap.assets."))} == {
        f"vn.gov.haicap.{kind}.{past}"
        for kind in ("personnel.placement", "assets.parcel")
        for past in ("created", "updated", "deleted")
    }
    assert "vn.gov.haicap.identity.user.created" in webhooks, "the gateway's own (identity) stay"
    body = webhooks[TYPE]["post"]["requestBody"]["content"]["application/cloudevents+json"]["schema"]
    model = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert (body["$ref"], model["properties"]["type"]["enum"]) == (
        "#/components/schemas/PlacementChangeEvent",
        [f"vn.gov.haicap.personnel.placement.{past}" for past in ("created", "deleted", "updated")],
    )
    missing = {ref for ref in _refs(spec) if ref.rsplit("/", 1)[1] not in spec["components"]["schemas"]}
    assert missing == set()
    assert "/api/v1/personnel/events" in spec["paths"]
    assert "/api/v1/assets/webhook-subscriptions" in spec["paths"]
