"""Identity publishes every change of a user or a service account, once, without a secret, to its readers only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_gateway.cli import MIGRATIONS
from haicap_gateway.db import metadata
from haicap_gateway.identity import commands, service
from haicap_gateway.identity.events import identity_outbox
from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import PASSWORD

FEED = "/api/v1/auth/events"
USERS = "/api/v1/auth/users"
TYPE = "vn.gov.haicap.identity"
BASE = "https://haicap.example"
# NOTE: what a password or secret, or its hash, would look like in an event.
SECRET_MARKS = ("password_hash", "secret_hash", "$argon2", "$2b$", "scrypt", PASSWORD)


async def _feed(gateway: httpx.AsyncClient, headers: dict[str, str], after: int = 0, **params: Any) -> dict[str, Any]:
    response = await gateway.get(FEED, params={"after": after, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _latest(gateway: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await gateway.get(f"{FEED}/latest", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["latest_sequence"])


def _assert_no_secret(events: list[dict[str, Any]], *secrets: str) -> None:
    text = json.dumps(events, ensure_ascii=False)
    for mark in (*SECRET_MARKS, *secrets):
        assert mark not in text, f"{mark!r} in an identity event"


async def test_each_user_change_is_one_event_with_the_user_as_the_api_returns_it(
    gateway: httpx.AsyncClient, admin: dict[str, str], new_user
) -> None:
    start = await _latest(gateway, admin)
    user = await new_user("tran.b", role="province_officer", area={"province": "04"})
    url = f"{USERS}/{user['id']}"

    [created] = (await _feed(gateway, admin, start))["events"]
    assert created["type"] == f"{TYPE}.user.created"
    assert created["data"] == {"record": user, "changed_fields": None}
    assert (created["subject"], created["partitionkey"]) == (url, user["id"])
    assert (created["provincecode"], created["communecode"], created["source"]) == ("04", None, "/haicap/04/identity")
    assert (created["actor"], created["actorrole"]) == ("test-admin", "admin")

    patched = await gateway.patch(
        url, json={"display_name": "Trần B", "password": "mat-khau-moi-2"}, headers=admin | {"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    [renamed] = (await _feed(gateway, admin, int(created["sequence"])))["events"]
    assert renamed["type"] == f"{TYPE}.user.updated"
    assert renamed["data"] == {"record": patched.json(), "changed_fields": ["display_name", "password_changed"]}

    deactivated = await gateway.post(f"{url}/deactivate", headers=admin | {"If-Match": '"2"'})
    assert deactivated.status_code == 200, deactivated.text
    # NOTE: an unlock names failed_sign_ins when it forgot some (none here); the record stays as it was.
    assert (await gateway.post(f"{url}/unlock", headers=admin)).status_code == 204
    later = (await _feed(gateway, admin, int(renamed["sequence"])))["events"]
    assert [(e["type"], e["data"]["changed_fields"]) for e in later] == [
        (f"{TYPE}.user.updated", ["is_active"]),
        (f"{TYPE}.user.unlocked", []),
    ]
    assert later[0]["data"]["record"] == later[1]["data"]["record"] == deactivated.json()
    everything = (await _feed(gateway, admin, start))["events"]
    # NOTE: consecutive, compared with each other: on PostgreSQL an earlier test's rolled-back
    # events used sequence numbers past the latest one a test can see.
    sequences = [int(e["sequence"]) for e in everything]
    assert sequences == list(range(sequences[0], sequences[0] + 4))
    assert sequences[0] > start
    _assert_no_secret(everything, "mat-khau-moi-2")


async def test_an_event_has_the_users_area(gateway: httpx.AsyncClient, admin: dict[str, str], new_user) -> None:
    start = await _latest(gateway, admin)
    await new_user("xa.c", role="commune_officer", area={"province": "04", "commune": "01304"})
    await new_user("co-quan.d", role="agency_officer", area={"province": "04", "agency": "so-noi-vu"})
    await new_user("quan-tri.e", role="admin", area={})
    events = (await _feed(gateway, admin, start))["events"]
    assert [(e["data"]["record"]["username"], e["provincecode"], e["communecode"]) for e in events] == [
        ("xa.c", "04", "01304"),
        ("co-quan.d", "04", None),
        ("quan-tri.e", None, None),
    ]
    assert events[2]["source"] == "/haicap/national/identity"
    in_commune = (await _feed(gateway, admin, start, commune="01304"))["events"]
    assert [e["data"]["record"]["username"] for e in in_commune] == ["xa.c"]


async def test_a_service_account_change_is_one_event_without_its_secret(
    gateway: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    start = await _latest(gateway, admin)
    trail = AuditTrail(metadata.tables["audit_event"], outbox=identity_outbox(BASE))
    principal = system_principal("create-service-account")
    account, first = await service.create_service_account(session, trail, principal, "reporting-test", "reports")
    _, second = await service.create_service_account(session, trail, principal, "reporting-test", reset=True)
    await session.commit()

    events = (await _feed(gateway, admin, start))["events"]
    assert [(e["type"], e["data"]["changed_fields"], e["actor"]) for e in events] == [
        (f"{TYPE}.service_account.created", None, "system:create-service-account"),
        (f"{TYPE}.service_account.updated", ["secret_changed"], "system:create-service-account"),
    ]
    url = f"/api/v1/auth/service-accounts/{account.id}"
    shown = await gateway.get(url, headers=admin)
    assert shown.status_code == 200, shown.text
    assert events[1]["data"]["record"] == shown.json()
    assert set(shown.json()) == {
        "id",
        "client_id",
        "description",
        "system_code",
        "is_active",
        "version",
        "created_at",
        "updated_at",
    }
    assert (events[0]["subject"], events[0]["provincecode"]) == (url, None)
    assert events[0]["dataschema"] == f"{BASE}/api/v1/auth/events/schemas/{TYPE}.service_account.created"
    _assert_no_secret(events, first, second)


async def test_the_operator_commands_publish_their_changes(tmp_path: Path, make_gateway, test_tokens: TestTokens) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_to_head(MIGRATIONS, url)
    await commands.create_admin(url, "operator", "Operator", "first-password-1", public_base_url=BASE)
    secret = await commands.create_service_account(url, "personnel", "personnel's reads", public_base_url=BASE)
    made = await commands.create_demo_users(url, "04", "01304", "demo-agency-04", public_base_url=BASE)
    async with make_gateway(database_url=url) as gateway:
        events = (await _feed(gateway, test_tokens.headers(Role.AUDITOR)))["events"]
    assert [(e["type"], e["data"]["record"].get("username") or e["data"]["record"]["client_id"]) for e in events] == [
        (f"{TYPE}.user.created", "operator"),
        (f"{TYPE}.service_account.created", "personnel"),
        *((f"{TYPE}.user.created", user.username) for user in made),
    ]
    assert {e["actor"] for e in events} == {"system:create-admin", "system:create-service-account", "system:create-demo-users"}
    _assert_no_secret(events, "first-password-1", secret, *(user.password or "" for user in made))


@contextmanager
def _outbox_insert_fails(connection: AsyncConnection) -> Iterator[None]:
    """The database refuses the event of the change (after the user and its audit record were written)."""

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVENT_OUTBOX"):
            raise RuntimeError("the outbox insert failed")

    sync = connection.sync_connection
    assert sync is not None
    event.listen(sync, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(sync, "before_cursor_execute", refuse)


async def test_a_failed_identity_write_publishes_nothing(
    gateway: httpx.AsyncClient, admin: dict[str, str], new_user, db_connection: AsyncConnection
) -> None:
    user = await new_user("le.g")
    start = await _latest(gateway, admin)
    url = f"{USERS}/{user['id']}"
    body = {"username": "LE.G", "display_name": "Lê G", "password": PASSWORD, "role": "viewer", "area": {"province": "04"}}
    assert_problem(await gateway.post(USERS, json=body, headers=admin), 409, "username_taken")
    stale = await gateway.patch(url, json={"display_name": "Lê G"}, headers=admin | {"If-Match": '"7"'})
    assert_problem(stale, 412, "stale_version")
    wrong_area = await gateway.patch(url, json={"role": "commune_officer"}, headers=admin | {"If-Match": '"1"'})
    assert_problem(wrong_area, 422, "area_invalid_for_role")
    with _outbox_insert_fails(db_connection):
        failed = await gateway.post(USERS, json=body | {"username": "vo.h"}, headers=admin)
    assert failed.status_code == 500

    assert (await _feed(gateway, admin, start))["events"] == []
    names = [u["username"] for u in (await gateway.get(USERS, headers=admin)).json()["items"]]
    assert "vo.h" not in names, "the user whose event failed is not there either"
    audit = (await gateway.get("/audit-events", params={"entity_type": "user_account"}, headers=admin)).json()["items"]
    assert [e["entity_id"] for e in audit] == [user["id"]]


@pytest.mark.parametrize(
    ("role", "area"),
    [
        (Role.PROVINCE_OFFICER, {"province": "04"}),
        (Role.COMMUNE_OFFICER, {"province": "04", "commune": "01304"}),
        (Role.AGENCY_OFFICER, {"province": "04", "agency": "so-noi-vu"}),
        (Role.VIEWER, {"province": "04"}),
    ],
)
async def test_only_admins_auditors_and_services_read_the_identity_feed(
    gateway: httpx.AsyncClient, admin: dict[str, str], new_user, test_tokens: TestTokens, role: Role, area: dict[str, str]
) -> None:
    # NOTE: a user of the officer's own area: users are not records of an area, so still refused.
    await new_user("trong.vung", role="province_officer", area={"province": "04"})
    officer = test_tokens.headers(role, **area)
    assert_problem(await gateway.get(FEED, headers=officer), 403, "role_not_allowed")
    assert_problem(await gateway.get(f"{FEED}/latest", headers=officer), 403, "role_not_allowed")
    assert_problem(await gateway.get(FEED), 401, "not_authenticated")
    for reader in (Role.ADMIN, Role.AUDITOR, Role.SERVICE):
        events = (await _feed(gateway, test_tokens.headers(reader)))["events"]
        assert [e["data"]["record"]["username"] for e in events][-1:] == ["trong.vung"]


async def test_an_events_dataschema_resolves_at_the_gateway_and_describes_it(
    gateway: httpx.AsyncClient, admin: dict[str, str], new_user
) -> None:
    start = await _latest(gateway, admin)
    await new_user("phan.i", role="commune_officer", area={"province": "04", "commune": "01304"})
    [created] = (await _feed(gateway, admin, start))["events"]
    path = httpx.URL(created["dataschema"]).path
    assert path == f"/api/v1/auth/events/schemas/{TYPE}.user.created"
    schema = await gateway.get(path)
    assert schema.status_code == 200, schema.text
    jsonschema.validate(created, schema.json())
    types = (await gateway.get(f"{FEED}/types")).json()["types"]
    assert sorted(t["type"] for t in types) == [
        f"{TYPE}.service_account.created",
        f"{TYPE}.service_account.deleted",
        f"{TYPE}.service_account.updated",
        f"{TYPE}.user.created",
        f"{TYPE}.user.deleted",
        f"{TYPE}.user.unlocked",
        f"{TYPE}.user.updated",
    ]


async def test_the_feeds_documentation_names_its_readers_and_every_identity_event_type(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    for path in (FEED, f"{FEED}/latest"):
        operation = spec["paths"][path]["get"]
        assert "admins, auditors and service accounts only" in operation["description"]
        assert "role_not_allowed" in operation["responses"]["403"]["description"]
    assert {name for name in spec["webhooks"] if name.startswith(f"{TYPE}.")} == {
        f"{TYPE}.user.{past}" for past in ("created", "updated", "deleted", "unlocked")
    } | {f"{TYPE}.service_account.{past}" for past in ("created", "updated", "deleted")}
    record = spec["components"]["schemas"]["User"]["properties"]
    assert "password" not in record
    assert "password_hash" not in record


async def test_readiness_and_metrics_show_identitys_relay_once_it_has_a_destination(
    gateway: httpx.AsyncClient, admin: dict[str, str], new_user
) -> None:
    assert "events" not in (await gateway.get("/readyz")).json()
    made = await gateway.post("/api/v1/auth/webhook-subscriptions", json={"url": "http://127.0.0.1:9/hooks"}, headers=admin)
    assert made.status_code == 201, made.text
    await new_user("ngo.k")
    destination = f"webhook:{made.json()['id']}"
    events = (await gateway.get("/readyz")).json()["events"]
    assert [(d["destination"], d["delivered_through"]) for d in events["destinations"]] == [(destination, 0)]
    assert events["latest_sequence"] > 0
    metrics = await gateway.get("/metrics")
    assert metrics.status_code == 200
    [delivered] = [
        line
        for line in metrics.text.splitlines()
        if line.startswith("haicap_events_delivered_through{") and f'destination="{destination}"' in line
    ]
    assert ('service="gateway"' in delivered, float(delivered.rsplit(" ", 1)[1])) == (True, 0.0)
