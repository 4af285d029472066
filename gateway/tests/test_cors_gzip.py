"""CORS for the configured frontend origins, and gzip for JSON."""

import gzip

import httpx
import pytest

FRONTEND = "https://app.haicap.test"


@pytest.fixture
async def cors_client(make_gateway, fake):
    async with make_gateway(fake, cors_origins=f"{FRONTEND}, https://admin.haicap.test") as client:
        yield client


async def test_preflight_from_a_configured_origin(cors_client: httpx.AsyncClient, fake) -> None:
    response = await cors_client.options(
        "/api/v1/org/units/1",
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match, idempotency-key, x-request-id, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert "PATCH" in response.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "if-match", "idempotency-key", "x-request-id", "content-type"} <= allowed
    assert fake.seen == [], "a preflight is answered by the gateway"


async def test_preflight_from_another_origin_is_refused(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options(
        "/api/v1/org/units", headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_response_exposes_the_headers_a_frontend_reads(cors_client: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(201, headers={"ETag": '"1"', "Location": "/units/1"}, json={})
    response = await cors_client.post("/api/v1/org/units", json={}, headers={"Origin": FRONTEND})
    assert response.headers["access-control-allow-origin"] == FRONTEND
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {"etag", "x-request-id", "idempotent-replayed", "location"}


async def test_no_cors_unless_configured(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": FRONTEND})
    assert "access-control-allow-origin" not in response.headers


BIG_JSON = {"items": [{"code": f"{i:05d}", "name": "Phường Thục Phán"} for i in range(200)]}


async def test_upstream_json_is_gzipped_for_callers_that_accept_it(client: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(200, json=BIG_JSON)
    request = client.build_request("GET", "/api/v1/org/units", headers={"Accept-Encoding": "gzip"})
    response = await client.send(request, stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert len(raw) < len(httpx.Response(200, json=BIG_JSON).content) / 5
    assert gzip.decompress(raw).decode() == httpx.Response(200, json=BIG_JSON).text
    assert "accept-encoding" not in {k.lower() for k in fake.last.headers} or fake.last.headers["accept-encoding"] == "gzip"


async def test_problem_json_is_gzipped_too(client: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(
        404, json={"code": "x", "detail": "y" * 5000}, headers={"Content-Type": "application/problem+json"}
    )
    response = await client.get("/api/v1/org/units/9", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["code"] == "x"


@pytest.mark.parametrize(
    ("headers", "content_type", "accept"),
    [
        ({}, "application/octet-stream", "gzip"),
        ({}, "text/csv", "gzip"),
        ({}, "application/json", "identity"),
    ],
)
async def test_not_gzipped(client: httpx.AsyncClient, fake, headers, content_type: str, accept: str) -> None:
    fake.respond = lambda request: httpx.Response(200, content=b"1" * 5000, headers={"Content-Type": content_type, **headers})
    response = await client.get("/api/v1/org/export", headers={"Accept-Encoding": accept})
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == "5000"


async def test_small_json_is_not_gzipped(client: httpx.AsyncClient, fake) -> None:
    response = await client.get("/api/v1/org/units/1", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers


async def test_already_encoded_body_is_not_encoded_twice(client: httpx.AsyncClient, fake) -> None:
    packed = gzip.compress(httpx.Response(200, json=BIG_JSON).content)
    fake.respond = lambda request: httpx.Response(
        200, content=packed, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    response = await client.get("/api/v1/org/units", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get_list("content-encoding") == ["gzip"]
    assert response.json() == BIG_JSON


async def test_the_gateways_own_json_is_gzipped(client: httpx.AsyncClient, fake) -> None:
    fake.respond = lambda request: httpx.Response(503, json={})
    response = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["info"]["title"] == "haicap gateway"
