"""The stack as a frontend sees it: everything through the gateway, real processes on loopback.

The tests run in file order on one stack (started once for this module on free ports, with
SQLite in a temporary folder); the last one stops a service on purpose.
"""

import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from haicap_shared.testing import assert_problem

# NOTE: the runner is a script in tools/, not a package; its Stack is what these tests drive.
# The fixtures live here rather than in tests/conftest.py because shared/tests is a package
# named ``tests``, whose conftest would share that module name.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from run_stack import GATEWAY, SERVICES, Stack

pytestmark = pytest.mark.processes


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports nothing listens on now (held together so none repeats)."""
    with ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Migrated, Cao Bằng imported, every service and the gateway ready; all stopped at the end."""
    # NOTE: no HAICAP_* from the caller's environment: a DATABASE_URL or port set there must
    # not send these processes to a real database or a fixed port.
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    for spec, port in zip((*SERVICES, GATEWAY), free_ports(len(SERVICES) + 1), strict=True):
        env[f"{spec.env_prefix}PORT"] = str(port)
    with Stack(env, tmp_path_factory.mktemp("stack"), startup_timeout_seconds=60) as running:
        running.prepare(province="04")
        running.start()
        yield running


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
