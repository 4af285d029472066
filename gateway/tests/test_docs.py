"""The gateway's /docs needs no CDN, and the services' own /docs pages may sign in here (CORS)."""

from __future__ import annotations

import re

import httpx

from haicap_gateway.settings import GatewaySettings

SIGN_IN_PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type, x-requested-with",
}


async def test_docs_load_their_files_from_the_gateway(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"https?://", page.text)
    for path in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert (await client.get(f"/{path}")).status_code == 200, path
    redoc = await client.get("/redoc")
    assert "docs-assets/redoc.standalone.js" in redoc.text


async def test_the_merged_spec_signs_in_here(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == (
        "/api/v1/auth/token"
    )


async def test_a_services_docs_page_may_sign_in_here(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/auth/token", headers={"Origin": "http://org.test", **SIGN_IN_PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://org.test"
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "x-requested-with"} <= allowed


async def test_other_origins_may_not(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/auth/token", headers={"Origin": "http://evil.test", **SIGN_IN_PREFLIGHT})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_the_services_docs_origins_can_be_turned_off(make_gateway, fake) -> None:
    async with make_gateway(fake, service_docs_cors=False) as client:
        response = await client.options("/api/v1/auth/token", headers={"Origin": "http://org.test", **SIGN_IN_PREFLIGHT})
    assert "access-control-allow-origin" not in response.headers


def test_a_loopback_service_is_reached_by_either_name() -> None:
    settings = GatewaySettings(org_url="http://127.0.0.1:8001,http://127.0.0.1:8101", personnel_url="https://personnel.internal")
    origins = settings.service_docs_origins()
    assert {"http://127.0.0.1:8001", "http://localhost:8001", "http://localhost:8101", "https://personnel.internal"} <= set(
        origins
    )
    assert "http://127.0.0.1:8000" not in origins
