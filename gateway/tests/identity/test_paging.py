"""A made-up paging cursor is a 422 ``invalid_cursor`` on every list of the gateway, never a 500."""

from typing import cast

import httpx
import pytest

from haicap_shared.paging_checks import CRAFTED_CURSORS, crafted_cursor_failures, paged_routes, undeclared_cursor_problems


@pytest.mark.parametrize("cursor", [c for _, c in CRAFTED_CURSORS], ids=[name for name, _ in CRAFTED_CURSORS])
async def test_a_crafted_cursor_is_refused_by_every_list(gateway: httpx.AsyncClient, admin: dict[str, str], cursor: str) -> None:
    # NOTE: the fixture hands out the client only; its transport holds the app.
    app = cast(httpx.ASGITransport, gateway._transport).app
    # NOTE: identity's webhook subscriptions page their deliveries: one to page through.
    made = await gateway.post("/api/v1/auth/webhook-subscriptions", json={"url": "http://127.0.0.1:9/hooks"}, headers=admin)
    assert made.status_code == 201, made.text
    routes = paged_routes(app, {"subscription_id": made.json()["id"]})  # type: ignore[arg-type]
    # NOTE: at least the gateway's own lists; identity's webhook lists (shared) come with them.
    assert {str(r) for r in routes} >= {"GET /audit-events", "GET /api/v1/auth/users", "GET /api/v1/auth/service-accounts"}
    assert await crafted_cursor_failures(gateway, routes, cursor, headers=admin) == []


async def test_every_list_declares_invalid_cursor(gateway: httpx.AsyncClient) -> None:
    app = cast(httpx.ASGITransport, gateway._transport).app
    assert undeclared_cursor_problems(app) == []  # type: ignore[arg-type]
