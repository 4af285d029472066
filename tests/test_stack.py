"""The stack as a frontend sees it: everything through the gateway, real processes on loopback.

The tests run in file order on one stack; the last one stops a service on purpose.
"""

import time
from collections.abc import Iterator

import httpx
import pytest
from run_stack import Stack

from haicap_shared.testing import assert_problem

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15.0, trust_env=False) as client:
        yield client


def test_cao_bang_has_56_communes_after_the_reorganisation(gateway: httpx.Client) -> None:
    response = gateway.get(
        "/api/v1/org/units", params={"province": "04", "level": "commune", "as_of": "2025-07-01", "limit": 500}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["items"]) == 56
    assert body["next"] is None


def test_a_reused_code_names_the_former_unit_before_the_change(gateway: httpx.Client) -> None:
    response = gateway.get("/api/v1/org/units/by-code/01273", params={"as_of": "2025-06-01"})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Phường Hợp Giang"


@pytest.mark.parametrize("prefix", ["org", "personnel", "assets", "reports"])
def test_every_service_answers_through_the_gateway(gateway: httpx.Client, prefix: str) -> None:
    response = gateway.get(f"/api/v1/{prefix}/healthz", headers={"X-Request-ID": f"stack-{prefix}"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == f"stack-{prefix}"


def test_each_service_spec_is_reachable_through_the_gateway(gateway: httpx.Client) -> None:
    spec = gateway.get("/api/v1/org/openapi.json").json()
    assert spec["info"]["title"] == "haicap org-structure"
    assert "/units" in spec["paths"]


def test_gateway_is_ready_when_every_service_is(gateway: httpx.Client) -> None:
    response = gateway.get("/readyz")
    assert response.status_code == 200, response.text
    assert {u["service"]: u["state"] for u in response.json()["upstreams"]} == dict.fromkeys(
        ("org-structure", "personnel", "assets", "reporting"), "ready"
    )


def test_a_stopped_service_is_reported_unavailable(stack: Stack, gateway: httpx.Client) -> None:
    stack.stop("personnel")
    started = time.monotonic()
    response = gateway.get("/api/v1/personnel/healthz")
    assert time.monotonic() - started < 5
    assert assert_problem(response, 503, "upstream_unavailable")["service"] == "personnel"

    readiness = gateway.get("/readyz")
    assert readiness.status_code == 503
    states = {u["service"]: u["state"] for u in readiness.json()["upstreams"]}
    assert states == {"org-structure": "ready", "personnel": "unreachable", "assets": "ready", "reporting": "ready"}
    assert gateway.get("/api/v1/assets/healthz").status_code == 200
