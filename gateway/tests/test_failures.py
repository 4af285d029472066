"""Upstream failures become problems naming the service: 503 when unreachable, 504 when slow."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from haicap_shared.testing import assert_problem, closed_port_url


@pytest.fixture
async def silent_upstream() -> AsyncIterator[str]:
    """A loopback server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_connection_refused_is_503_naming_the_service(make_gateway) -> None:
    async with make_gateway(personnel_url=closed_port_url()) as client:
        response = await asyncio.wait_for(client.get("/api/v1/personnel/healthz"), timeout=10)
    body = assert_problem(response, 503, "upstream_unavailable")
    assert body["service"] == "personnel"
    assert "personnel" in body["detail"]


async def test_no_answer_in_time_is_504_naming_the_service(make_gateway, silent_upstream: str) -> None:
    async with make_gateway(assets_url=silent_upstream, read_timeout_seconds=0.3) as client:
        response = await asyncio.wait_for(client.get("/api/v1/assets/healthz"), timeout=10)
    body = assert_problem(response, 504, "upstream_timeout")
    assert body["service"] == "assets"


async def test_timeout_from_the_client_is_504(make_gateway, fake) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    fake.respond = slow
    async with make_gateway(fake) as client:
        response = await client.get("/api/v1/reports/summary")
    assert assert_problem(response, 504, "upstream_timeout")["service"] == "reporting"


async def test_problem_carries_the_request_id(make_gateway) -> None:
    async with make_gateway(org_url=closed_port_url()) as client:
        response = await client.get("/api/v1/org/units", headers={"X-Request-ID": "req-503"})
    assert_problem(response, 503, "upstream_unavailable")
    assert response.headers["x-request-id"] == "req-503"
