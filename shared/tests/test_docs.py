"""/docs and /redoc load every file from the service itself (no CDN), and "Authorize" signs in at the gateway."""

from __future__ import annotations

import re
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI

from haicap_shared.app import create_service_app
from haicap_shared.auth import Principal, require
from haicap_shared.roles import Role
from haicap_shared.settings import ServiceSettings

GATEWAY_TOKEN_URL = "https://api.haicap.test/api/v1/auth/token"
router = APIRouter()


@router.get("/things")
async def list_things(principal: Annotated[Principal, Depends(require(Role.ADMIN))]) -> list[str]:
    """List things."""
    return []


@pytest.fixture
async def client(tmp_path) -> httpx.AsyncClient:
    settings = ServiceSettings(service_name="sample", var_dir=tmp_path, jwks='{"keys": []}', public_token_url=GATEWAY_TOKEN_URL)
    app: FastAPI = create_service_app(title="sample", description="", settings=settings, metadata=None, routers=[router])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sample.test") as client:
        yield client


def referenced(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


@pytest.mark.parametrize(
    ("page", "files"),
    [
        ("/docs", {"docs-assets/swagger-ui.css", "docs-assets/swagger-ui-bundle.js", "docs-assets/favicon.png"}),
        ("/redoc", {"docs-assets/redoc.standalone.js", "docs-assets/favicon.png"}),
    ],
)
async def test_pages_load_their_files_from_the_service(client: httpx.AsyncClient, page: str, files: set[str]) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert set(referenced(response.text)) == files
    assert not re.search(r"https?://", response.text), "no URL outside the service (no CDN, no web fonts)"
    # NOTE: ReDoc's bundle shows a logo from Redocly's CDN: the page's policy keeps images local.
    assert response.headers["content-security-policy"] == "img-src 'self' data:"
    for path in files:
        # NOTE: relative to the page, so the same page works under the gateway's prefix.
        asset = await client.get(f"/{path}")
        assert asset.status_code == 200, path
        assert len(asset.content) > 1000, path
        assert asset.headers["cache-control"] == "public, max-age=86400"
    bundle = await client.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in bundle.content


async def test_swagger_ui_loads_the_spec_beside_it(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs")).text
    assert 'url: "openapi.json"' in page
    assert "validatorUrl: null" in page, "no badge from the public validator"
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200


async def test_the_pages_are_not_operations(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))]


async def test_authorize_signs_in_at_the_gateway(client: httpx.AsyncClient) -> None:
    schemes = (await client.get("/openapi.json")).json()["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == GATEWAY_TOKEN_URL


def test_the_default_token_url_is_the_local_gateways() -> None:
    assert ServiceSettings().public_token_url == "http://127.0.0.1:8000/api/v1/auth/token"
