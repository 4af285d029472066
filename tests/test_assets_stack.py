"""assets with the real processes: holders checked against org-structure through the gateway,
as the assets service account; a merger hand-over from the real lineage; org-structure down is 503."""

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from haicap_shared.testing import assert_problem

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from run_stack import GATEWAY, SERVICES, Stack

pytestmark = pytest.mark.processes


# NOTE: the same two helpers as test_stack.py (tests/ is not a package, so they are not shared).
def free_ports(count: int) -> list[int]:
    with ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def sign_in(client: httpx.Client, stack: Stack, role: str) -> dict[str, str]:
    user = next(u for u in stack.demo_users if u.role == role)
    assert user.password
    response = client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": user.username, "password": user.password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Cao Bằng imported, every service and the gateway ready; stopped at the end."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    for spec, port in zip((*SERVICES, GATEWAY), free_ports(len(SERVICES) + 1), strict=True):
        env[f"{spec.env_prefix}PORT"] = str(port)
    with Stack(env, tmp_path_factory.mktemp("assets-stack"), startup_timeout_seconds=60) as running:
        running.prepare(province="04")
        running.start()
        yield running


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=30.0, trust_env=False) as client:
        client.headers.update(sign_in(client, stack, "admin"))
        yield client


def _stats(gateway: httpx.Client, as_of: str) -> dict[str, int]:
    response = gateway.get("/api/v1/assets/stats/summary", params={"as_of": as_of, "province": "04"})
    assert response.status_code == 200, response.text
    body = response.json()
    return {k: body[k] for k in ("premises_held_by_communes", "communes_holding_premises")}


def test_former_communes_assets_pass_to_the_new_commune(gateway: httpx.Client) -> None:
    quang_lam = gateway.get("/api/v1/org/units/by-code/01304", params={"as_of": "2025-07-01"}).json()
    lineage = gateway.get(f"/api/v1/org/units/{quang_lam['id']}/lineage").json()
    former = [step["unit"] for step in lineage["predecessors"] if step["depth"] == 1]
    assert former, "Xã Quảng Lâm was formed from former communes"
    for n, unit in enumerate(former):
        body = {
            "kind": "premises",
            "code": f"CB-ND-{n:03d}",
            "name": f"Trụ sở UBND {unit['name']} (cũ)",
            "province_code": "04",
            "commune_code": unit["code"],
            "holder": {"kind": "unit", "code": unit["code"], "as_of": "2025-06-30"},
            "purpose": "office",
            "allocated_from": "2015-01-01",
        }
        response = gateway.post("/api/v1/assets/assets", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["holder_valid_to"] == "2025-06-30"
    assert _stats(gateway, "2025-06-30") == {"premises_held_by_communes": len(former), "communes_holding_premises": len(former)}
    gaps = gateway.get("/api/v1/assets/stats/gaps", params={"as_of": "2025-07-01"}).json()
    assert gaps["total"] == len(former)

    handover = {
        "from_predecessors": True,
        "to_holder": {"kind": "unit", "code": "01304"},
        "effective_date": "2025-07-01",
        "decision_number": "125/QĐ-UBND",
    }
    response = gateway.post("/api/v1/assets/handovers", json=handover)
    assert response.status_code == 200, response.text
    assert (response.json()["handed_over"], response.json()["to_holder"]) == (len(former), quang_lam["name"])
    assert _stats(gateway, "2025-07-01") == {"premises_held_by_communes": len(former), "communes_holding_premises": 1}
    assert gateway.get("/api/v1/assets/stats/gaps", params={"as_of": "2025-07-01"}).json()["total"] == 0
    cars = gateway.get("/api/v1/assets/stats/car-norms", params={"as_of": "2025-07-01", "province": "04"}).json()
    assert (cars["communes"], cars["general_work_cars"], cars["communes_under_norm"]) == (56, 0, 56)


def test_an_unknown_holder_and_org_structure_down(stack: Stack, gateway: httpx.Client) -> None:
    body = {
        "kind": "premises",
        "code": "CB-ND-999",
        "name": "Nhà văn hóa",
        "province_code": "04",
        "holder": {"kind": "unit", "code": "09999"},
        "purpose": "office",
        "allocated_from": "2025-07-01",
    }
    assert_problem(gateway.post("/api/v1/assets/assets", json=body), 409, "holder_not_found")
    stack.stop("org-structure")
    body["holder"] = {"kind": "unit", "code": "01304"}
    problem = assert_problem(gateway.post("/api/v1/assets/assets", json=body), 503, "upstream_unavailable")
    assert problem["service"] == "org-structure"
    listed = gateway.get("/api/v1/assets/assets", params={"q": "CB-ND-999"}).json()["items"]
    assert listed == []
