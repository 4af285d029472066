"""assets with the real processes: holders checked against org-structure through the gateway,
as the assets service account; a merger hand-over from the real lineage; org-structure down is 503."""

from collections.abc import Iterator

import httpx
import pytest

from haicap_shared.testing import assert_problem

from .stack_support import Stack, fresh_stack, sign_in

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Cao Bằng imported, every service and the gateway ready; stopped at the end."""
    with fresh_stack(tmp_path_factory.mktemp("assets-stack")) as running:
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
