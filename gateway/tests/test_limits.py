"""Route classes (body limits, default waits by method) and the 413 for bodies over the limit."""

from collections.abc import AsyncIterator

import pytest

from haicap_gateway.routes import RouteClass, route_limits
from haicap_gateway.settings import GatewaySettings
from haicap_shared.testing import assert_problem


@pytest.mark.parametrize(
    ("method", "path", "expected", "timeout"),
    [
        ("GET", "/api/v1/org/units", RouteClass.READ, 10.0),
        ("HEAD", "/api/v1/org/units/1", RouteClass.READ, 10.0),
        ("POST", "/api/v1/org/units", RouteClass.WRITE, 30.0),
        ("PATCH", "/api/v1/personnel/people/1", RouteClass.WRITE, 30.0),
        # NOTE: only the default wait of the method: the services declare their slow operations
        # (test_deadlines); words in the URL no longer lengthen it.
        ("GET", "/api/v1/reports/province-summary", RouteClass.READ, 10.0),
        ("POST", "/api/v1/personnel/imports", RouteClass.LONG, 30.0),
        ("GET", "/api/v1/assets/exports/cars.xlsx", RouteClass.LONG, 10.0),
        ("POST", "/api/v1/personnel/placements/bulk", RouteClass.LONG, 30.0),
    ],
)
def test_route_classes(method: str, path: str, expected: RouteClass, timeout: float) -> None:
    limits = route_limits(method, path, GatewaySettings())
    assert (limits.route_class, limits.timeout_seconds) == (expected, timeout)


def test_import_paths_take_larger_bodies() -> None:
    settings = GatewaySettings()
    assert route_limits("POST", "/api/v1/org/units", settings).max_body_bytes == 50 * 1024 * 1024
    assert route_limits("POST", "/api/v1/org/units/imports", settings).max_body_bytes == 200 * 1024 * 1024


async def test_declared_length_over_the_limit_is_413_before_anything_is_sent(make_gateway, fake) -> None:
    async with make_gateway(fake, max_body_bytes=100) as client:
        response = await client.post("/api/v1/org/units", content=b"x" * 101, headers={"X-Request-ID": "big-1"})
    body = assert_problem(response, 413, "payload_too_large")
    assert body["limit"] == 100
    assert response.headers["x-request-id"] == "big-1"
    assert fake.seen == []


async def test_streamed_body_over_the_limit_is_cut_off_with_413(make_gateway, fake) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 50

    async with make_gateway(fake, max_body_bytes=120) as client:
        response = await client.post("/api/v1/org/units", content=chunks())
    assert_problem(response, 413, "payload_too_large")


async def test_a_body_within_the_limit_passes(make_gateway, fake) -> None:
    async with make_gateway(fake, max_body_bytes=100, max_import_body_bytes=1000) as client:
        assert (await client.post("/api/v1/org/units", content=b"x" * 100)).status_code == 200
        assert (await client.post("/api/v1/org/units/imports", content=b"x" * 500)).status_code == 200
    assert fake.last.content == b"x" * 500
