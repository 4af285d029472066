"""assets with the real processes: holders checked against org-structure through the gateway,
as the assets service account; a merger hand-over from the real lineage; org-structure down is 503.

On the session's shared stack: the assets are this module's own (codes ``CB-ND-*``), and the
province's figures are compared with theirs before these assets were recorded.
"""

from collections.abc import Iterator

import httpx
import pytest

from haicap_shared.testing import assert_problem

from .stack_support import Stack, sign_in, stopped

pytestmark = pytest.mark.processes
QUANG_LAM_FORMER_COMMUNES = ["01303", "01304"]
"""Xã Quảng Lâm (01304 since 2025-07-01) was formed from the former Quảng Lâm and Thạch Lâm."""


@pytest.fixture(scope="module")
def stack(shared_stack: Stack) -> Stack:
    """The session's shared stack: Cao Bằng imported, every service and the gateway ready."""
    return shared_stack


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


def _gaps(gateway: httpx.Client) -> int:
    response = gateway.get("/api/v1/assets/stats/gaps", params={"as_of": "2025-07-01"})
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


def _cars(gateway: httpx.Client) -> tuple[int, int, int]:
    """Cao Bằng's communes, general-work cars and communes under the norm on the day of the merger."""
    response = gateway.get("/api/v1/assets/stats/car-norms", params={"as_of": "2025-07-01", "province": "04"})
    assert response.status_code == 200, response.text
    cars = response.json()
    return cars["communes"], cars["general_work_cars"], cars["communes_under_norm"]


def test_former_communes_assets_pass_to_the_new_commune(gateway: httpx.Client) -> None:
    quang_lam = gateway.get("/api/v1/org/units/by-code/01304", params={"as_of": "2025-07-01"}).json()
    lineage = gateway.get(f"/api/v1/org/units/{quang_lam['id']}/lineage").json()
    former = [step["unit"] for step in lineage["predecessors"] if step["depth"] == 1]
    assert sorted(unit["code"] for unit in former) == QUANG_LAM_FORMER_COMMUNES
    # NOTE: the figures other tests' records left on the shared stack; this test's own are added to them.
    before = _stats(gateway, "2025-06-30")
    gaps_before = _gaps(gateway)
    on_the_merger = _stats(gateway, "2025-07-01")
    cars_before = _cars(gateway)
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
    assert _stats(gateway, "2025-06-30") == {
        "premises_held_by_communes": before["premises_held_by_communes"] + 2,
        "communes_holding_premises": before["communes_holding_premises"] + 2,
    }
    assert _gaps(gateway) == gaps_before + 2

    handover = {
        "from_predecessors": True,
        "to_holder": {"kind": "unit", "code": "01304"},
        "effective_date": "2025-07-01",
        "decision_number": "125/QĐ-UBND",
    }
    response = gateway.post("/api/v1/assets/handovers", json=handover)
    assert response.status_code == 200, response.text
    assert (response.json()["handed_over"], response.json()["to_holder"]) == (2, quang_lam["name"])
    # NOTE: no other premises of Xã Quảng Lâm are recorded, so it is one more commune holding premises.
    assert _stats(gateway, "2025-07-01") == {
        "premises_held_by_communes": on_the_merger["premises_held_by_communes"] + 2,
        "communes_holding_premises": on_the_merger["communes_holding_premises"] + 1,
    }
    assert _gaps(gateway) == gaps_before
    assert _cars(gateway) == cars_before
    assert cars_before[0] == 56


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
    with stopped(stack, "org-structure"):
        body["holder"] = {"kind": "unit", "code": "01304"}
        problem = assert_problem(gateway.post("/api/v1/assets/assets", json=body), 503, "upstream_unavailable")
        assert problem["service"] == "org-structure"
        listed = gateway.get("/api/v1/assets/assets", params={"q": "CB-ND-999"}).json()["items"]
        assert listed == []
