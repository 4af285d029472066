"""The gateway waits for each operation as long as its service declares in its OpenAPI (issue 13)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from haicap_gateway.deadlines import Deadlines, DeadlineTable
from haicap_gateway.settings import GatewaySettings, UpstreamService
from haicap_shared.deadlines import TIMEOUT_EXTENSION, takes_up_to
from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.testing import assert_problem

from .conftest import FakeServices


def _spec() -> dict[str, Any]:
    """A service's OpenAPI as FastAPI builds it from routes declaring ``takes_up_to``."""
    router = APIRouter()

    @router.post("/tasks/imports", openapi_extra=takes_up_to(90))
    async def import_tasks() -> None:
        """Slow."""

    @router.get("/tasks/{task_id}", openapi_extra=takes_up_to(45))
    async def get_task(task_id: str) -> None:
        """Declared slow, to show that a literal path wins over a template."""

    @router.get("/tasks/stats")
    async def stats() -> None:
        """Declares nothing."""

    @router.get("/reports/{code}/summary", openapi_extra=takes_up_to(600))
    async def summary(code: str) -> None:
        """More than the gateway's ceiling."""

    app = FastAPI()
    app.include_router(router)
    return app.openapi()


def test_the_table_reads_the_declarations_of_a_services_openapi() -> None:
    spec = _spec()
    assert spec["paths"]["/tasks/imports"]["post"][TIMEOUT_EXTENSION] == 90
    table = DeadlineTable.from_spec(spec)
    assert table.declared("POST", "/tasks/imports") == 90
    assert table.declared("GET", "/tasks/7f1c") == 45
    assert table.declared("HEAD", "/tasks/7f1c") == 45
    assert table.declared("GET", "/tasks/stats") is None, "the literal path, which declares nothing"
    assert table.declared("GET", "/tasks/imports") == 45, "no GET of its own: the template serves it"
    assert table.declared("GET", "/tasks/a/b") is None
    assert DeadlineTable.from_spec({"path": "/openapi.json"}).declared("GET", "/tasks") is None


async def test_a_declared_operation_gets_its_time_and_the_rest_the_default(make_gateway: Any, echo_url: str) -> None:
    # NOTE: the echo upstream's /reports/slow declares 5 s in its OpenAPI; /slow declares nothing.
    settings = {"deadlines_from_openapi": True, "read_timeout_seconds": 0.3}
    async with make_gateway(org_url=echo_url, **settings) as client:
        report = await client.get("/api/v1/org/reports/slow", params={"seconds": 0.6})
        assert (report.status_code, report.json()) == (200, {"slept": 0.6})
        # Words in the URL count for nothing: what declares nothing gets the default.
        assert_problem(await client.get("/api/v1/org/slow", params={"seconds": 0.6}), 504, "upstream_timeout")
        assert (await client.get("/api/v1/org/slow", params={"seconds": 0})).status_code == 200


async def test_a_declaration_is_capped_by_the_gateways_ceiling(make_gateway: Any, echo_url: str) -> None:
    settings = {"deadlines_from_openapi": True, "long_timeout_seconds": 0.3}
    async with make_gateway(org_url=echo_url, **settings) as client:
        response = await client.get("/api/v1/org/reports/slow", params={"seconds": 0.6})
    assert_problem(response, 504, "upstream_timeout")


async def test_the_document_is_read_once_and_without_it_the_defaults_apply(make_gateway: Any, fake: FakeServices) -> None:
    fake.respond = lambda request: httpx.Response(503 if request.url.path == "/openapi.json" else 200, json={})
    async with make_gateway(fake, deadlines_from_openapi=True) as client:
        for _ in range(3):
            assert (await client.post("/api/v1/org/tasks/imports", content=b"x")).status_code == 200
    assert [r.url.path for r in fake.seen] == ["/openapi.json"] + ["/tasks/imports"] * 3, "tried again only after a while"


async def test_deadlines_follow_the_declarations(fake: FakeServices) -> None:
    """The table for each service, read through the reader given, with the defaults around it."""
    reads: list[str] = []

    async def read(service: UpstreamService) -> Any:
        reads.append(service.name)
        if service.name == "assets":
            raise UpstreamUnavailable("assets")
        return _spec()

    settings = GatewaySettings(read_timeout_seconds=10, write_timeout_seconds=30, long_timeout_seconds=120)
    deadlines = Deadlines(settings, read)
    org, assets = (s for s in settings.upstreams() if s.name in ("org-structure", "assets"))
    assert await deadlines.seconds(org, "POST", "/tasks/imports") == 90
    assert await deadlines.seconds(org, "GET", "/tasks/stats") == 10
    assert await deadlines.seconds(org, "PATCH", "/tasks/1") == 30
    assert await deadlines.seconds(org, "GET", "/reports/04/summary") == 120
    assert await deadlines.seconds(assets, "POST", "/tasks/imports") == 30
    assert reads == ["org-structure", "assets"]
    await deadlines.aclose()


async def test_a_table_is_read_again_in_the_background_once_old() -> None:
    answers = [{"paths": {"/tasks/imports": {"post": takes_up_to(90)}}}, {"paths": {"/tasks/imports": {"post": takes_up_to(60)}}}]

    async def read(service: UpstreamService) -> Any:
        return answers.pop(0)

    settings = GatewaySettings(deadline_refresh_seconds=0.05)
    deadlines = Deadlines(settings, read)
    org = settings.upstreams()[0]
    assert await deadlines.seconds(org, "POST", "/tasks/imports") == 90
    await asyncio.sleep(0.06)
    assert await deadlines.seconds(org, "POST", "/tasks/imports") == 90, "the old table answers while the new is read"
    await asyncio.sleep(0.01)
    assert await deadlines.seconds(org, "POST", "/tasks/imports") == 60
    await deadlines.aclose()
