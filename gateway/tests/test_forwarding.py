"""Forwarding: method, path, query, body, status and headers pass through the gateway."""

from collections.abc import AsyncIterator

import httpx
import pytest

from haicap_shared.testing import assert_problem


@pytest.mark.parametrize(
    ("public", "upstream"),
    [
        ("/api/v1/org/units", "http://org.test/units"),
        ("/api/v1/personnel/healthz", "http://personnel.test/healthz"),
        ("/api/v1/assets/audit-events", "http://assets.test/audit-events"),
        ("/api/v1/reports/openapi.json", "http://reporting.test/openapi.json"),
        ("/api/v1/org/", "http://org.test/"),
    ],
)
async def test_each_prefix_reaches_its_service(client: httpx.AsyncClient, fake, public: str, upstream: str) -> None:
    response = await client.get(public)
    assert response.status_code == 200
    assert str(fake.last.url) == upstream


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_every_method_is_forwarded(client: httpx.AsyncClient, fake, method: str) -> None:
    response = await client.request(method, "/api/v1/org/units/1")
    assert response.status_code == 200
    assert fake.last.method == method


async def test_head_is_forwarded_without_a_body(client: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(200, headers={"Content-Length": "42", "ETag": '"3"'})
    response = await client.head("/api/v1/org/units/1")
    assert (fake.last.method, response.status_code, response.content) == ("HEAD", 200, b"")
    assert response.headers["etag"] == '"3"'


async def test_request_is_passed_on_whole(client: httpx.AsyncClient, fake, test_tokens) -> None:
    bearer = test_tokens.headers()["Authorization"]
    response = await client.post(
        "/api/v1/org/units?province=04&level=commune&tag=a&tag=b",
        content=b'{"name": "Ph\xc6\xb0\xe1\xbb\x9dng H\xe1\xbb\xa3p Giang"}',
        headers={"Content-Type": "application/json", "If-Match": '"7"', "Idempotency-Key": "k-1", "Authorization": bearer},
    )
    assert response.status_code == 200
    seen = fake.last
    assert seen.method == "POST"
    assert seen.url.path == "/units"
    assert seen.url.query == b"province=04&level=commune&tag=a&tag=b"
    assert seen.content.decode() == '{"name": "Phường Hợp Giang"}'
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["if-match"] == '"7"'
    assert seen.headers["idempotency-key"] == "k-1"
    assert seen.headers["authorization"] == bearer
    assert seen.headers["host"] == "org.test"
    assert seen.headers["x-forwarded-host"] == "gateway.test"
    assert seen.headers["x-forwarded-proto"] == "http"
    assert seen.headers["x-forwarded-for"] == "127.0.0.1"


async def test_request_body_is_streamed_upstream(client: httpx.AsyncClient, fake) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"code,name\n", b"01273,Thuc Phan\n", b"01279,Nung Tri Cao\n"):
            yield part

    response = await client.post("/api/v1/org/units/import", content=chunks(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 200
    assert fake.last.content == b"code,name\n01273,Thuc Phan\n01279,Nung Tri Cao\n"


async def test_a_request_without_body_stays_without_body(client: httpx.AsyncClient, fake) -> None:
    request = client.build_request("GET", "/api/v1/org/units")
    del request.headers["accept-encoding"]
    await client.send(request)
    seen = fake.last
    assert "transfer-encoding" not in seen.headers
    assert seen.content == b""
    assert "accept-encoding" not in seen.headers, "the gateway must not offer encodings the caller did not"


async def test_existing_forwarded_for_is_extended(client: httpx.AsyncClient, fake) -> None:
    await client.get("/api/v1/org/units", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.test"})
    assert fake.last.headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert fake.last.headers["x-forwarded-host"] == "gateway.test"


async def test_hop_by_hop_headers_stop_at_the_gateway(client: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(
        200, headers={"Keep-Alive": "timeout=5", "Connection": "close, X-Upstream-Private", "X-Upstream-Private": "1"}
    )
    response = await client.get(
        "/api/v1/org/units", headers={"Connection": "keep-alive, X-Caller-Private", "X-Caller-Private": "1", "TE": "trailers"}
    )
    assert "x-caller-private" not in fake.last.headers
    assert "te" not in fake.last.headers
    assert "keep-alive" not in response.headers
    assert "x-upstream-private" not in response.headers


async def test_response_is_passed_back_whole(client: httpx.AsyncClient, fake) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"items": [], '
        yield b'"next": null}'

    fake.respond = lambda request: httpx.Response(
        201,
        headers=[
            ("Content-Type", "application/json"),
            ("ETag", '"1"'),
            ("Location", "/units/42"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
        stream=_AsyncStream(body()),
    )
    response = await client.post("/api/v1/org/units", json={})
    assert response.status_code == 201
    assert response.json() == {"items": [], "next": None}
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == "/units/42"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


async def test_compressed_body_passes_through_undecoded(client: httpx.AsyncClient, fake) -> None:
    import gzip

    packed = gzip.compress(b'{"ok": true}')
    fake.respond = lambda request: httpx.Response(
        200, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}, content=packed
    )
    response = await client.get("/api/v1/org/units", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-length"] == str(len(packed))
    assert response.json() == {"ok": True}


async def test_upstream_problem_is_passed_back_unchanged(client: httpx.AsyncClient, fake) -> None:
    problem = {"type": "about:blank", "title": "Not found", "status": 404, "code": "unit_not_found", "detail": "no unit 99999"}
    fake.respond = lambda request: httpx.Response(404, json=problem, headers={"Content-Type": "application/problem+json"})
    response = await client.get("/api/v1/org/units/by-code/99999")
    assert assert_problem(response, 404, "unit_not_found") == problem


async def test_percent_escapes_reach_the_service_unchanged(client: httpx.AsyncClient, fake) -> None:
    await client.get("/api/v1/org/units/by-name/Ph%C6%B0%E1%BB%9Dng%2FX")
    assert fake.last.url.raw_path == b"/units/by-name/Ph%C6%B0%E1%BB%9Dng%2FX"


async def test_unknown_prefix_is_a_problem(client: httpx.AsyncClient, fake) -> None:
    response = await client.get("/api/v1/nowhere/units")
    assert_problem(response, 404, "not_found")
    assert fake.seen == []


class _AsyncStream(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            yield chunk


async def test_a_method_no_service_route_takes_is_405(client: httpx.AsyncClient, fake) -> None:
    response = await client.request("TRACE", "/api/v1/org/units")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]
    assert fake.seen == []
