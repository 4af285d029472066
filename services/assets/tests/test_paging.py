"""A made-up paging cursor is a 422 ``invalid_cursor`` on every list of the service, never a 500."""

import httpx
import pytest
from fastapi import FastAPI

from haicap_shared.paging_checks import CRAFTED_CURSORS, crafted_cursor_failures, paged_routes, undeclared_cursor_problems


@pytest.mark.parametrize("cursor", [c for _, c in CRAFTED_CURSORS], ids=[name for name, _ in CRAFTED_CURSORS])
async def test_a_crafted_cursor_is_refused_by_every_list(client: httpx.AsyncClient, service_app: FastAPI, cursor: str) -> None:
    # NOTE: a subscription's delivery log and dead letters are lists too; a real one fills their path.
    hook = await client.post("/webhook-subscriptions", json={"url": "https://example.org/hook"})
    assert hook.status_code == 201, hook.text
    routes = paged_routes(service_app, {"subscription_id": hook.json()["id"]})
    assert "GET /webhook-subscriptions/{subscription_id}/deliveries" in {str(r) for r in routes}
    assert await crafted_cursor_failures(client, routes, cursor) == []


def test_every_list_declares_invalid_cursor(service_app: FastAPI) -> None:
    assert undeclared_cursor_problems(service_app) == []
