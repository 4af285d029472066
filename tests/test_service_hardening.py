"""What every process refuses or adds on its own, called directly (in process; no request reaches a database).

- A body over the limit is refused with 413 ``payload_too_large``, declared or streamed (chunked),
  before the route runs; import paths have the larger limit. Until issue 12, only the gateway
  limited bodies: a service called directly read whatever it was sent.
- A request with both Content-Length and Transfer-Encoding is refused with 400.
- Every response carries ``X-Content-Type-Options: nosniff`` and, unless the route chose its own
  caching, ``Cache-Control: no-store``.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from haicap_assets.app import create_app as create_assets
from haicap_assets.settings import AssetsSettings
from haicap_gateway.app import create_app as create_gateway
from haicap_gateway.settings import GatewaySettings
from haicap_org_structure.app import create_app as create_org
from haicap_org_structure.settings import OrgSettings
from haicap_personnel.app import create_app as create_personnel
from haicap_personnel.settings import PersonnelSettings
from haicap_reporting.app import create_app as create_reporting
from haicap_reporting.settings import ReportingSettings
from haicap_shared.testing import assert_problem

LIMIT = 1000
IMPORT_LIMIT = 4000
LIMITS = {"max_body_bytes": LIMIT, "max_import_body_bytes": IMPORT_LIMIT}

# NOTE: (app factory, a write route, an import route) per service.
SERVICES: dict[str, tuple[Callable[[Path], FastAPI], str, str]] = {
    "org-structure": (lambda var: create_org(OrgSettings(var_dir=var, **LIMITS)), "/agencies", "/agencies/imports"),
    "personnel": (lambda var: create_personnel(PersonnelSettings(var_dir=var, **LIMITS)), "/people", "/people/imports"),
    "assets": (lambda var: create_assets(AssetsSettings(var_dir=var, **LIMITS)), "/assets", "/assets/imports"),
    "reporting": (
        lambda var: create_reporting(ReportingSettings(var_dir=var, **LIMITS)),
        "/provinces/04/summary",
        "/imports",
    ),
}


async def _chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 100):
        yield b"x" * 100


@asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` under its lifespan (its database is never reached: every request is refused first)."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield client


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_service_limits_request_bodies_on_its_own(service: str, tmp_path: Path) -> None:
    factory, write_path, import_path = SERVICES[service]
    async with _client(factory(tmp_path)) as client:
        declared = await client.post(write_path, content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"})
        assert assert_problem(declared, 413, "payload_too_large")["limit"] == LIMIT
        assert declared.headers["x-request-id"]
        if service != "reporting":  # NOTE: reporting has no route that reads a body
            streamed = await client.post(write_path, content=_chunks(LIMIT + 100), headers={"content-type": "application/json"})
            assert_problem(streamed, 413, "payload_too_large")
        # NOTE: an import path takes the larger limit: past the body limit, the route runs (and asks for a token).
        larger = await client.post(import_path, content=b"x" * (LIMIT + 100), headers={"content-type": "text/csv"})
        assert larger.status_code != 413, larger.text
        assert_problem(await client.post(import_path, content=b"x" * (IMPORT_LIMIT + 1)), 413, "payload_too_large")
        both = await client.post(write_path, content=b"{}", headers={"content-length": "2", "transfer-encoding": "chunked"})
        assert_problem(both, 400, "ambiguous_body_length")


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_service_answers_with_nosniff_and_no_store(service: str, tmp_path: Path) -> None:
    factory, write_path, _ = SERVICES[service]
    async with _client(factory(tmp_path)) as client:
        for response in (
            await client.get("/healthz"),
            await client.get(write_path, headers={"Authorization": "Bearer not-a-token"}),
            await client.post(write_path, json={}),
        ):
            assert response.headers["x-content-type-options"] == "nosniff", response.request.url
            assert response.headers.get_list("cache-control") == ["no-store"], response.request.url


async def test_the_gateway_answers_with_nosniff_and_no_store_and_keeps_the_jwks_cacheable(tmp_path: Path) -> None:
    app = create_gateway(GatewaySettings(var_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}"))
    async with _client(app) as client:
        for path in ("/healthz", "/api/v1/auth/me"):
            response = await client.get(path)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers.get_list("cache-control") == ["no-store"]
        jwks = await client.get("/api/v1/auth/jwks")
        assert jwks.headers.get_list("cache-control") == ["public, max-age=300"]
        assert jwks.headers["x-content-type-options"] == "nosniff"
