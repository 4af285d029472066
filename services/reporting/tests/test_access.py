"""Every route against every role: nothing is open but health."""

import httpx
from fastapi import FastAPI

from haicap_shared.access_matrix import assert_access_matrix, routes_with_rules
from haicap_shared.testing import TestTokens


async def test_every_route_against_every_role(client: httpx.AsyncClient, service_app: FastAPI, test_tokens: TestTokens) -> None:
    table = await assert_access_matrix(client, routes_with_rules(service_app), test_tokens.headers)
    assert table["GET /readyz"]["anonymous"] == 200
    assert table["GET /provinces/{code}/summary"]["anonymous"] == 401
