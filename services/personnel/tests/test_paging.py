"""A made-up paging cursor is a 422 ``invalid_cursor`` on every list of the service, never a 500."""

import json
import uuid

import httpx
import pytest
from fastapi import FastAPI

from haicap_personnel.sync.national_record import FORMAT
from haicap_shared.paging_checks import CRAFTED_CURSORS, crafted_cursor_failures, paged_routes, undeclared_cursor_problems
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

from .conftest import World
from .helpers import create_person


@pytest.mark.parametrize("cursor", [c for _, c in CRAFTED_CURSORS], ids=[name for name, _ in CRAFTED_CURSORS])
async def test_a_crafted_cursor_is_refused_by_every_list(
    client: httpx.AsyncClient, service_app: FastAPI, world: World, test_tokens: TestTokens, cursor: str
) -> None:
    body = {"agency_id": str(world.department.id), "title": "Chuyên viên", "group": "professional", "posts": 5}
    position = await client.post("/positions", json=body)
    assert position.status_code == 201, position.text
    hook = await client.post("/webhook-subscriptions", json={"url": "https://example.org/hook"})
    assert hook.status_code == 201, hook.text
    person = await create_person(client, world.department.id)
    line = {"format": FORMAT, "personal_identification_number": "004085000001", "change_id": str(uuid.uuid4())}
    reconciliation = await client.post("/national-sync/reconciliations", content=json.dumps(line).encode())
    assert reconciliation.status_code == 201, reconciliation.text
    values = {
        "position_id": position.json()["id"],
        "subscription_id": hook.json()["id"],
        "person_id": person["id"],
        "reconciliation_id": reconciliation.json()["id"],
    }
    routes = paged_routes(service_app, values)
    assert "GET /positions/{position_id}/history" in {str(r) for r in routes}
    # NOTE: the person's own lists (/me/...) are read by the person (role staff) alone.
    own = [r for r in routes if r.template.startswith("/me/")]
    assert len(own) == 2
    assert await crafted_cursor_failures(client, [r for r in routes if r not in own], cursor) == []
    staff = test_tokens.headers(Role.STAFF, person=person["id"])
    assert await crafted_cursor_failures(client, own, cursor, headers=staff) == []


def test_every_list_declares_invalid_cursor(service_app: FastAPI) -> None:
    assert undeclared_cursor_problems(service_app) == []
