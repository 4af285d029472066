"""The real org-structure client, over HTTP faked with respx: tokens, not found, unreachable, refused, failing."""

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
import respx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_assets.app import create_app
from haicap_assets.settings import AssetsSettings
from haicap_shared.testing import UPSTREAMS, TestTokens, assert_problem

from .fake_org import QUANG_LAM

GATEWAY = "http://gateway.test"
BODY = {
    "kind": "premises",
    "code": "NĐ-1",
    "name": "Trụ sở",
    "province_code": "04",
    "holder": {"kind": "unit", "code": "01304"},
    "purpose": "office",
    "allocated_from": "2025-07-01",
}


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens) -> FastAPI:
    settings = AssetsSettings(
        database_url=db_url,
        jwks=test_tokens.jwks_json,
        gateway_url=GATEWAY,
        token_url=f"{GATEWAY}/api/v1/auth/token",
        client_id="assets",
        client_secret="s3cret",
        upstream_retries=0,
    )
    return create_app(settings)


@pytest_asyncio.fixture
async def org(client: httpx.AsyncClient, db_connection: AsyncConnection) -> AsyncIterator[respx.MockRouter]:
    # NOTE: the app is reached through ASGITransport, which respx does not intercept.
    with respx.mock(assert_all_called=False, using=UPSTREAMS) as mock:
        mock.post(f"{GATEWAY}/api/v1/auth/token").respond(json={"access_token": "service-token", "expires_in": 600})
        yield mock


async def test_a_holder_is_read_as_the_service_account(client: httpx.AsyncClient, org: respx.MockRouter) -> None:
    unit = {"id": str(QUANG_LAM.id), "code": "01304", "name": "Xã Quảng Lâm", "level": "commune", "province_code": "04"}
    route = org.get(f"{GATEWAY}/api/v1/org/units/by-code/01304").respond(json=unit | {"valid_from": "2025-07-01", "kind": "xa"})
    response = await client.post("/assets", json=BODY)
    assert response.status_code == 201, response.text
    assert response.json()["holder_name"] == "Xã Quảng Lâm"
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer service-token"
    assert request.url.params["as_of"] == "2025-07-01"


async def test_unknown_and_unreachable(client: httpx.AsyncClient, org: respx.MockRouter) -> None:
    org.get(f"{GATEWAY}/api/v1/org/units/by-code/01304").respond(
        404, json={"status": 404, "code": "unit_not_found", "title": "No such unit"}
    )
    assert_problem(await client.post("/assets", json=BODY), 409, "holder_not_found")
    org.get(f"{GATEWAY}/api/v1/org/units/by-code/01304").mock(side_effect=httpx.ConnectError("refused"))
    body = assert_problem(await client.post("/assets", json=BODY), 503, "upstream_unavailable")
    assert body["service"] == "org-structure"
    assert (await client.get("/assets")).json()["items"] == []


async def test_a_refusal_of_the_service_account_is_ours_to_fix(client: httpx.AsyncClient, org: respx.MockRouter) -> None:
    # NOTE: org-structure refusing assets' own account is no answer about the user's request:
    # 503 naming org-structure, never a 403 the user would take for their own.
    for status, code in ((403, "role_not_allowed"), (401, "invalid_token")):
        org.get(f"{GATEWAY}/api/v1/org/units/by-code/01304").respond(
            status, json={"status": status, "code": code, "title": "Refused"}
        )
        body = assert_problem(await client.post("/assets", json=BODY), 503, "upstream_unavailable")
        assert body["service"] == "org-structure"
    assert (await client.get("/assets")).json()["items"] == []


async def test_a_failing_or_unreadable_org_structure_is_unavailable(client: httpx.AsyncClient, org: respx.MockRouter) -> None:
    route = f"{GATEWAY}/api/v1/org/units/by-code/01304"
    org.get(route).respond(502, json={"status": 502, "code": "bad_gateway", "title": "Bad gateway"})
    assert_problem(await client.post("/assets", json=BODY), 503, "upstream_unavailable")
    org.get(route).mock(side_effect=httpx.ReadTimeout("late"))
    assert_problem(await client.post("/assets", json=BODY), 503, "upstream_unavailable")
    org.get(route).respond(json={"id": "not a uuid"})
    body = assert_problem(await client.post("/assets", json=BODY), 503, "upstream_unavailable")
    assert body["service"] == "org-structure"
    assert (await client.get("/assets")).json()["items"] == []
