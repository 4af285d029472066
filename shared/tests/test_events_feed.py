"""The pull feed through a small service that publishes its changes: what a follower reads.

Each test runs in a transaction that is rolled back (sequences on PostgreSQL keep moving
between tests, so sequences are compared with each other, never with fixed numbers).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from cloudevents.core.formats.json import JSONFormat
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_shared.events.catalogue import CloudEvent
from haicap_shared.events.retention import prune_events
from haicap_shared.models import utcnow
from haicap_shared.personal_data import mask
from haicap_shared.roles import Role
from haicap_shared.testing import (
    NO_AUTH,
    ServiceMigrations,
    TestTokens,
    assert_openapi_contract,
    assert_openapi_documented,
    assert_problem,
)

from .events_sample import MIGRATIONS, PATH, SERVICE, create_events_app, event_tables, metadata

PARCEL = "vn.gov.haicap.sample.parcel"
SURVEY = "vn.gov.haicap.sample.survey"
AGENCY = uuid.UUID("5b0c6c1e-2f4a-4d8e-9a51-0c3f1e2d7a90")


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens) -> FastAPI:
    return create_events_app(db_url, tmp_path, test_tokens.jwks_json)


async def _parcel(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/parcels", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _feed(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/events", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _count(db_connection: AsyncConnection, table: str) -> int:
    return int(await db_connection.scalar(select(func.count()).select_from(metadata.tables[table])) or 0)


def _sequences(feed: dict[str, Any]) -> list[int]:
    return [int(event["sequence"]) for event in feed["events"]]


async def test_a_write_that_fails_after_its_audit_record_publishes_nothing(
    client: httpx.AsyncClient, db_connection: AsyncConnection
) -> None:
    assert_problem(await client.post("/parcels", json={"name": "fail after writing"}), 409, "conflict")
    assert await _count(db_connection, "event_outbox") == 0
    assert await _count(db_connection, "audit_event") == 0
    assert (await _feed(client))["events"] == []
    await _parcel(client, "kept")
    assert await _count(db_connection, "event_outbox") == 1
    assert await _count(db_connection, "audit_event") == 1


async def test_a_bulk_write_is_one_event_per_record_in_order(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/parcels/bulk", json={"items": [{"name": f"lot {n}", "province_code": "04", "commune_code": "01273"} for n in range(5)]}
    )
    assert response.status_code == 201, response.text
    ids = [parcel["id"] for parcel in response.json()]
    feed = await _feed(client)
    sequences = _sequences(feed)
    assert sequences == list(range(sequences[0], sequences[0] + 5))
    assert [event["partitionkey"] for event in feed["events"]] == ids
    assert [event["subject"] for event in feed["events"]] == [f"{PATH}/parcels/{id_}" for id_ in ids]
    assert {event["type"] for event in feed["events"]} == {f"{PARCEL}.created"}
    assert feed["next_after"] == feed["latest_sequence"] == sequences[-1]
    first = feed["events"][0]
    assert first["source"] == "/haicap/04/sample"
    assert (first["provincecode"], first["communecode"]) == ("04", "01273")
    assert first["actor"] == "test-admin"
    assert first["actorrole"] == "admin"
    assert first["data"]["record"]["name"] == "lot 0"
    assert first["data"]["changed_fields"] is None
    assert len({event["id"] for event in feed["events"]}) == 5
    # Past the last event, nothing more; the cursor stays.
    assert await _feed(client, after=feed["next_after"]) == {
        "events": [],
        "next_after": feed["next_after"],
        "latest_sequence": feed["latest_sequence"],
    }


async def test_events_parse_as_cloudevents(client: httpx.AsyncClient) -> None:
    parcel = await _parcel(client, "lot", province_code="04")
    [event] = (await _feed(client))["events"]
    CloudEvent.model_validate(event)
    parsed = JSONFormat().read(None, json.dumps(event).encode())
    assert parsed.get_specversion() == "1.0"
    assert parsed.get_id() == event["id"]
    assert parsed.get_type() == f"{PARCEL}.created"
    assert parsed.get_source() == "/haicap/04/sample"
    assert parsed.get_subject() == f"{PATH}/parcels/{parcel['id']}"
    assert parsed.get_extension("sequence") == event["sequence"]
    assert parsed.get_extension("partitionkey") == parcel["id"]
    data = parsed.get_data()
    assert isinstance(data, dict)
    assert data["record"]["id"] == parcel["id"]


async def test_changes_name_what_changed_and_mask_personal_fields(client: httpx.AsyncClient) -> None:
    parcel = await _parcel(client, "lot", owner_name="Nguyen Van An", area_m2=120, province_code="04")
    changed = await client.patch(f"/parcels/{parcel['id']}", json={"owner_name": "Tran Thi Binh", "area_m2": 150})
    assert changed.status_code == 200
    # Unchanged values sent again are not named.
    assert (await client.patch(f"/parcels/{parcel['id']}", json={"name": "lot"})).status_code == 200
    assert (await client.post(f"/parcels/{parcel['id']}/transfer", params={"owner_name": "Le Van Cuong"})).status_code == 200
    # A revealed read is audited, yet changes nothing: no event.
    assert (await client.get(f"/parcels/{parcel['id']}", params={"reveal": "true"})).status_code == 200
    assert (await client.delete(f"/parcels/{parcel['id']}")).status_code == 204
    events = (await _feed(client))["events"]
    assert [event["type"] for event in events] == [
        f"{PARCEL}.created",
        f"{PARCEL}.updated",
        f"{PARCEL}.updated",
        f"{PARCEL}.transferred",
        f"{PARCEL}.deleted",
    ]
    created, update_, no_op, transfer, deletion = events
    assert created["data"]["record"]["owner_name"] == mask("Nguyen Van An")
    assert update_["data"] == {
        "record": {**update_["data"]["record"], "owner_name": mask("Tran Thi Binh"), "area_m2": 150},
        "changed_fields": ["area_m2", "owner_name"],
    }
    assert update_["data"]["record"]["version"] == 2
    assert no_op["data"]["changed_fields"] == []
    assert transfer["data"]["record"]["owner_name"] == mask("Le Van Cuong")
    assert transfer["data"]["changed_fields"] == ["owner_name"]
    # A deletion carries the record as it was.
    assert deletion["data"]["record"]["owner_name"] == mask("Le Van Cuong")
    assert deletion["data"]["record"]["version"] == 3
    assert deletion["data"]["changed_fields"] is None
    assert not any("Nguyen" in json.dumps(event) or "Binh" in json.dumps(event) for event in events)


async def test_filters_by_type_kind_province_and_commune(client: httpx.AsyncClient) -> None:
    a = await _parcel(client, "a", province_code="04", commune_code="01273")
    b = await _parcel(client, "b", province_code="04", commune_code="01279")
    c = await _parcel(client, "c", province_code="01", commune_code="00004")
    assert (await client.post("/surveys", json={"parcel_id": a["id"], "result": "ok"})).status_code == 201
    assert (await client.patch(f"/parcels/{c['id']}", json={"area_m2": 7})).status_code == 200
    everything = await _feed(client)
    assert len(everything["events"]) == 5
    head = everything["latest_sequence"]

    def subjects(feed: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (event["type"].rsplit(".", 2)[1] + "." + event["type"].rsplit(".", 1)[1], event["partitionkey"])
            for event in feed["events"]
        ]

    only_created = await _feed(client, type=f"{PARCEL}.created")
    assert subjects(only_created) == [("parcel.created", a["id"]), ("parcel.created", b["id"]), ("parcel.created", c["id"])]
    # A filtered follower's cursor moves over what it was not shown.
    assert only_created["next_after"] == head
    kind = await _feed(client, type=PARCEL)
    assert [event["type"] for event in kind["events"]] == [f"{PARCEL}.created"] * 3 + [f"{PARCEL}.updated"]
    both = await client.get("/events", params=[("type", SURVEY), ("type", f"{PARCEL}.updated")])
    assert [event["type"] for event in both.json()["events"]] == [f"{SURVEY}.created", f"{PARCEL}.updated"]
    province = await _feed(client, province="04")
    assert {event["partitionkey"] for event in province["events"]} - {a["id"], b["id"]} == {province["events"][2]["partitionkey"]}
    assert [event["provincecode"] for event in province["events"]] == ["04", "04", "04"]
    commune = await _feed(client, commune="01279")
    assert subjects(commune) == [("parcel.created", b["id"])]
    assert commune["next_after"] == head
    # A page: the cursor is the last event shown.
    first_page = await _feed(client, limit=2)
    assert first_page["next_after"] == int(first_page["events"][1]["sequence"]) < head
    rest = await _feed(client, after=first_page["next_after"], limit=10)
    assert _sequences(first_page) + _sequences(rest) == _sequences(everything)


async def test_unknown_types_and_bad_filters_are_refused(client: httpx.AsyncClient) -> None:
    refused = assert_problem(
        await client.get("/events", params=[("type", f"{PARCEL}.created"), ("type", f"{PARCEL}.stolen"), ("type", "parcel")]),
        422,
        "unknown_event_type",
    )
    assert refused["unknown_types"] == [f"{PARCEL}.stolen", "parcel"]
    assert "GET /events/types" in refused["detail"]
    for params in ({"province": "4"}, {"commune": "0127"}, {"limit": 0}, {"limit": 1001}, {"wait": 26}, {"after": -1}):
        assert_problem(await client.get("/events", params=params), 422, "validation_error")
    too_many = [("type", f"{PARCEL}.created")] * 51
    assert_problem(await client.get("/events", params=too_many), 422, "validation_error")


async def test_each_caller_reads_the_events_of_their_area(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    await _parcel(client, "a", province_code="04", commune_code="01273")
    await _parcel(client, "b", province_code="04", commune_code="01279", agency_id=str(AGENCY))
    await _parcel(client, "c", province_code="01", commune_code="00004")
    await _parcel(client, "national")

    async def names(role: Role, **area: str) -> list[str]:
        response = await client.get("/events", headers=test_tokens.headers(role, **area))
        assert response.status_code == 200, response.text
        return [event["data"]["record"]["name"] for event in response.json()["events"]]

    assert await names(Role.ADMIN) == ["a", "b", "c", "national"]
    assert await names(Role.AUDITOR) == ["a", "b", "c", "national"]
    assert await names(Role.SERVICE) == ["a", "b", "c", "national"]
    assert await names(Role.PROVINCE_OFFICER, province="04") == ["a", "b"]
    assert await names(Role.COMMUNE_OFFICER, province="04", commune="01273") == ["a"]
    assert await names(Role.AGENCY_OFFICER, agency=str(AGENCY)) == ["b"]
    # Narrowing to somewhere else than your area shows nothing of it.
    officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273")
    assert (await client.get("/events", params={"commune": "00004"}, headers=officer)).json()["events"] == []
    assert_problem(await client.get("/events", headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")
    assert_problem(await client.get("/events/latest", headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")
    assert_problem(await client.get("/events", headers=NO_AUTH), 401, "not_authenticated")


async def test_the_latest_sequence_in_an_area(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    before = (await client.get("/events/latest")).json()
    assert before["pruned_through"] == 0
    assert before["retention_days"] == 90
    await _parcel(client, "a", province_code="04", commune_code="01273")
    await _parcel(client, "c", province_code="01", commune_code="00004")
    sequences = _sequences(await _feed(client, after=before["latest_sequence"]))
    officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273")
    assert (await client.get("/events/latest", headers=officer)).json() == {
        "latest_sequence": sequences[0],
        "pruned_through": 0,
        "retention_days": 90,
    }
    assert (await client.get("/events/latest")).json()["latest_sequence"] == sequences[1]
    assert (await client.get("/events/latest", params={"province": "04"})).json()["latest_sequence"] == sequences[0]
    assert (await client.get("/events/latest", params={"commune": "01279"})).json()["latest_sequence"] == 0


async def test_a_cursor_older_than_retention_is_gone(
    client: httpx.AsyncClient, db_connection: AsyncConnection, service_app: FastAPI
) -> None:
    for name in ("old 1", "old 2", "recent"):
        await _parcel(client, name)
    sequences = _sequences(await _feed(client))
    outbox = event_tables.outbox
    now = utcnow()
    await db_connection.execute(
        update(outbox).where(outbox.c.sequence <= sequences[1]).values(occurred_at=now - timedelta(days=91))
    )
    async with AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        assert await prune_events(session, event_tables, retention_days=90, now=now) == 2
        assert await prune_events(session, event_tables, retention_days=90, now=now) == 0
        await session.commit()
    gone = assert_problem(await client.get("/events", params={"after": sequences[0]}), 410, "cursor_expired")
    assert gone["pruned_through"] == sequences[1]
    assert gone["latest_sequence"] == sequences[2]
    assert "Resynchronise from the lists" in gone["detail"]
    assert_problem(await client.get("/events"), 410, "cursor_expired")
    kept = await _feed(client, after=sequences[1])
    assert [event["data"]["record"]["name"] for event in kept["events"]] == ["recent"]
    position = (await client.get("/events/latest")).json()
    assert position["pruned_through"] == sequences[1]
    assert position["latest_sequence"] == sequences[2]
    # Retention read from the settings the app was given.
    service_app.state.event_settings = service_app.state.event_settings.model_copy(update={"retention_days": 7})
    assert (await client.get("/events/latest")).json()["retention_days"] == 7


async def test_event_types_and_their_schemas(client: httpx.AsyncClient) -> None:
    types = (await client.get("/events/types", headers=NO_AUTH)).json()["types"]
    assert [t["type"] for t in types] == [
        f"{PARCEL}.created",
        f"{PARCEL}.deleted",
        f"{PARCEL}.transferred",
        f"{PARCEL}.updated",
        f"{SURVEY}.created",
        f"{SURVEY}.deleted",
        f"{SURVEY}.updated",
    ]
    assert types[2] == {
        "type": f"{PARCEL}.transferred",
        "kind": PARCEL,
        "action": "transferred",
        "description": "A parcel of land",
        "subject": f"{PATH}/parcels/{{id}}",
        "dataschema": f"http://testserver{PATH}/events/schemas/{PARCEL}.transferred",
    }
    parcel = await _parcel(client, "lot", owner_name="Nguyen Van An", area_m2=120, province_code="04")
    assert (await client.post("/surveys", json={"parcel_id": parcel["id"], "result": "fine"})).status_code == 201
    for event in (await _feed(client))["events"]:
        # The dataschema resolves, through the gateway's path, to the schema route (public).
        assert event["dataschema"].startswith(f"http://testserver{PATH}/")
        response = await client.get(event["dataschema"].removeprefix(f"http://testserver{PATH}"), headers=NO_AUTH)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/schema+json"
        schema = response.json()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == event["dataschema"]
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(event, schema, cls=jsonschema.Draft202012Validator)
        # Another type's schema, or a record that is not the kind's, does not validate.
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**event, "type": f"{PARCEL}.deleted"}, schema, cls=jsonschema.Draft202012Validator)
        broken = {**event, "data": {**event["data"], "record": {**event["data"]["record"], "id": 5}}}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)
    assert_problem(await client.get(f"/events/schemas/{PARCEL}.stolen", headers=NO_AUTH), 404, "not_found")


async def test_the_openapi_documents_the_feed_and_every_event_type(service_app: FastAPI) -> None:
    document = service_app.openapi()
    assert_openapi_documented(document, paths=["/events", "/events/latest", "/events/types", "/events/schemas/{event_type}"])
    assert_openapi_contract(document, "sample", service_app)
    feed = document["paths"]["/events"]["get"]
    assert feed["x-haicap-timeout-seconds"] >= 25
    assert "cursor_expired" in feed["responses"]["410"]["x-problem-codes"]
    assert "unknown_event_type" in feed["responses"]["422"]["x-problem-codes"]
    assert "role_not_allowed" in feed["responses"]["403"]["x-problem-codes"]
    webhooks = document["webhooks"]
    assert sorted(webhooks) == [
        f"{PARCEL}.created",
        f"{PARCEL}.deleted",
        f"{PARCEL}.transferred",
        f"{PARCEL}.updated",
        f"{SURVEY}.created",
        f"{SURVEY}.deleted",
        f"{SURVEY}.updated",
    ]
    body = webhooks[f"{PARCEL}.created"]["post"]["requestBody"]["content"]["application/cloudevents+json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ParcelChangeEvent"}
    schemas = document["components"]["schemas"]
    record_ref = schemas["ParcelChangeEventData"]["properties"]["record"]["$ref"]
    record = schemas[record_ref.rsplit("/", 1)[1]]
    assert "masked" in record["properties"]["owner_name"]["description"]
    assert "area_m2" in record["properties"]
