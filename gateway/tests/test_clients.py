"""Both HTTP clients (aiohttp, httpx) over a real loopback network, to a tiny upstream in a thread.

The rules live in one place (``GatewayUpstream``); these check that each client carries them
the same way, streaming for real in both directions.
"""

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator

import pytest

from haicap_shared.testing import assert_problem, closed_port_url

pytestmark = pytest.mark.parametrize("upstream_client", ["aiohttp", "httpx"])


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        part = b"z" * min(size, total - sent)
        sent += len(part)
        yield part


async def test_request_is_passed_on_whole(make_gateway, echo_url: str, upstream_client: str) -> None:
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client) as client:
        response = await client.patch(
            "/api/v1/org/echo/Ph%C6%B0%E1%BB%9Dng%2FX?province=04&tag=a&tag=b",
            content=b'{"name": "x"}',
            headers={"Content-Type": "application/json", "If-Match": '"7"'},
        )
    assert response.status_code == 200, response.text
    seen = response.json()
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert (seen["method"], seen["raw_path"]) == ("PATCH", "/echo/Ph%C6%B0%E1%BB%9Dng%2FX")
    assert seen["query"] == "province=04&tag=a&tag=b"
    assert seen["body_sha256"] == hashlib.sha256(b'{"name": "x"}').hexdigest()
    assert headers["content-type"] == "application/json"
    assert headers["if-match"] == '"7"'
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["host"] == echo_url.removeprefix("http://")
    assert response.headers["x-upstream"] == "a"


async def test_a_header_value_outside_ascii_is_passed_on_byte_for_byte(make_gateway, echo_url: str, upstream_client: str) -> None:
    # NOTE: raw bytes a client may put in a header (UTF-8 here); never a 500 at the gateway.
    value = "VN/GOV/\t{Phường}".encode()
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client) as client:
        response = await client.get("/api/v1/org/echo/x", headers={"X-Road-Client": value})
    assert response.status_code == 200, response.text
    headers = {k.lower(): v for k, v in response.json()["headers"]}
    assert headers["x-road-client"].encode("latin-1") == value


async def test_nothing_is_added_that_the_caller_did_not_send(make_gateway, echo_url: str, upstream_client: str) -> None:
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client) as client:
        request = client.build_request("GET", "/api/v1/org/echo/x")
        for name in ("accept", "accept-encoding", "user-agent"):
            del request.headers[name]
        seen = (await client.send(request)).json()
    names = {k.lower() for k, _ in seen["headers"]}
    assert not names & {"accept", "accept-encoding", "user-agent", "content-type", "transfer-encoding", "content-length"}


async def test_a_streamed_upload_arrives_whole(make_gateway, echo_url: str, upstream_client: str) -> None:
    total = 5 * 1024 * 1024 + 17
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client) as client:
        response = await client.post("/api/v1/org/echo/imports", content=_chunks(total))
    seen = response.json()
    assert seen["body_size"] == total
    assert seen["body_sha256"] == hashlib.sha256(b"z" * total).hexdigest()


async def test_a_large_download_streams_through(make_gateway, echo_url: str, upstream_client: str) -> None:
    size = 20 * 1024 * 1024
    async with (
        make_gateway(org_url=echo_url, upstream_client=upstream_client) as client,
        client.stream("GET", f"/api/v1/org/stream?size={size}") as response,
    ):
        assert response.headers["content-length"] == str(size)
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
    # NOTE: httpx's ASGITransport collects the body, so memory is checked on real processes
    # (tests/test_gateway_processes.py); here, that every byte comes through.
    assert received == size


async def test_set_cookie_reaches_the_caller_but_is_not_kept(make_gateway, echo_url: str, upstream_client: str) -> None:
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client) as client:
        first = await client.get("/api/v1/org/cookie")
        client.cookies.clear()
        seen = (await client.get("/api/v1/org/echo/next")).json()
    assert "session=secret-of-one-caller" in first.headers["set-cookie"]
    assert "cookie" not in {k.lower() for k, _ in seen["headers"]}, "another caller's request carries no cookie"


async def test_round_robin_and_a_dead_replica(make_gateway, echo_servers, upstream_client: str) -> None:
    a, b = echo_servers
    async with make_gateway(org_url=f"{a},{b}", upstream_client=upstream_client) as client:
        served = [(await client.get("/api/v1/org/healthz")).headers["x-upstream"] for _ in range(4)]
    assert served == ["a", "b", "a", "b"]
    async with make_gateway(org_url=f"{closed_port_url()},{b}", upstream_client=upstream_client) as client:
        answers = [await client.post("/api/v1/org/echo/x", content=b"once") for _ in range(4)]
        readiness = (await client.get("/readyz")).json()["upstreams"][0]
    assert [(r.status_code, r.headers["x-upstream"]) for r in answers] == [(200, "b")] * 4
    assert [(r["state"], r["set_aside"]) for r in readiness["replicas"]] == [("unreachable", True), ("ready", False)]


async def test_every_replica_down_is_503_at_once(make_gateway, upstream_client: str) -> None:
    async with make_gateway(personnel_url=f"{closed_port_url()},{closed_port_url()}", upstream_client=upstream_client) as client:
        started = time.monotonic()
        response = await client.get("/api/v1/personnel/people")
    assert assert_problem(response, 503, "upstream_unavailable")["service"] == "personnel"
    assert time.monotonic() - started < 2


async def test_a_slow_answer_is_504_within_the_route_time(make_gateway, echo_url: str, upstream_client: str) -> None:
    async with make_gateway(assets_url=echo_url, upstream_client=upstream_client, read_timeout_seconds=0.3) as client:
        started = time.monotonic()
        response = await asyncio.wait_for(client.get("/api/v1/assets/slow?seconds=3"), timeout=5)
    assert assert_problem(response, 504, "upstream_timeout")["service"] == "assets"
    assert time.monotonic() - started < 1.5


async def test_a_streamed_upload_over_the_limit_is_413(make_gateway, echo_url: str, upstream_client: str) -> None:
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client, max_body_bytes=256 * 1024) as client:
        response = await client.post("/api/v1/org/echo/x", content=_chunks(1024 * 1024))
    assert_problem(response, 413, "payload_too_large")


async def test_upstream_json_is_gzipped(make_gateway, echo_url: str, upstream_client: str) -> None:
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client) as client:
        response = await client.get("/api/v1/org/items?count=2000", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()) == 2000


async def test_head_gets_the_head_only(make_gateway, echo_url: str, upstream_client: str) -> None:
    async with make_gateway(org_url=echo_url, upstream_client=upstream_client) as client:
        response = await client.head("/api/v1/org/units/by-code/04")
        after = await client.get("/api/v1/org/units/by-code/04")
    # NOTE: the echo's GET route does not take HEAD: its 405 head comes back, without a body,
    # and the pooled connection is still good for the next request.
    assert (response.status_code, response.content) == (405, b"")
    assert after.status_code == 200
