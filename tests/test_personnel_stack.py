"""personnel with the real processes: agencies and lineage read from org-structure through the
gateway as the personnel service account; the merger ceiling on quotas from the real lineage of
a Cao Bằng commune; people re-placed into it; areas; org-structure down is 503, nothing written.

On the session's shared stack: the agencies, quotas, people and positions are this module's own,
and what it reads back is found by them.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from haicap_shared.testing import assert_problem

from .stack_support import Stack, sign_in, stopped

pytestmark = pytest.mark.processes
P = "/api/v1/personnel"
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


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _approved(gateway: httpx.Client, stack: Stack, agency_id: str) -> dict[str, Any]:
    position = _created(
        gateway.post(f"{P}/positions", json={"agency_id": agency_id, "title": "Công chức", "group": "professional"})
    )
    province = sign_in(gateway, stack, "province_officer")
    for action, headers in (("submit", {}), ("appraise", province), ("approve", {})):
        response = gateway.post(
            f"{P}/positions/{position['id']}/transitions",
            json={"action": action},
            headers=headers | {"If-Match": f'"{position["version"]}"'},
        )
        assert response.status_code == 200, response.text
        position = response.json()
    return position


def test_a_merged_commune_in_personnel(stack: Stack, gateway: httpx.Client) -> None:
    quang_lam = gateway.get("/api/v1/org/units/by-code/01304", params={"as_of": "2025-07-01"}).json()
    lineage = gateway.get(f"/api/v1/org/units/{quang_lam['id']}/lineage").json()
    former = [step["unit"] for step in lineage["predecessors"] if step["depth"] == 1]
    assert sorted(unit["code"] for unit in former) == QUANG_LAM_FORMER_COMMUNES
    offices = []
    for unit in former:
        body = {"name": f"UBND {unit['name']} (cũ)", "kind": "commune_office", "unit_id": unit["id"]}
        offices.append(_created(gateway.post("/api/v1/org/agencies", json=body)))
    office_body = {"name": "Văn phòng HĐND và UBND xã Quảng Lâm", "kind": "commune_office", "unit_id": quang_lam["id"]}
    new_office = _created(gateway.post("/api/v1/org/agencies", json=office_body))

    # The ceiling comes from org-structure's real lineage, through the gateway.
    for office in offices:
        _created(gateway.post(f"{P}/quotas", json={"agency_id": office["id"], "year": 2025, "posts": 10}))
    ceiling = 10 * len(offices)
    above = assert_problem(
        gateway.post(f"{P}/quotas", json={"agency_id": new_office["id"], "year": 2026, "posts": ceiling + 1}),
        409,
        "quota_above_predecessors",
    )
    assert sorted(p["code"] for p in above["predecessors"]) == sorted(u["code"] for u in former)
    _created(gateway.post(f"{P}/quotas", json={"agency_id": new_office["id"], "year": 2026, "posts": ceiling}))

    # Two people of the former communes are re-placed into the new commune's office.
    people = []
    for n, office in enumerate(offices[:2]):
        body = {"full_name": f"Cán bộ Sáp Nhập {n}", "category": "civil_servant", "birth_date": "1980-04-01", "sex": "male",
                "national_id": f"00408000{n:04d}", "education_level": "university", "agency_id": office["id"]}  # fmt: skip
        person = _created(gateway.post(f"{P}/people", json=body))
        assert (person["commune_code"], person["agency_level"]) == (former[n]["code"], "commune")
        position = _approved(gateway, stack, office["id"])
        _created(
            gateway.post(
                f"{P}/placements", json={"person_id": person["id"], "position_id": position["id"], "valid_from": "2020-01-01"}
            )
        )
        people.append(person)
    target = _approved(gateway, stack, new_office["id"])
    bulk = {
        "effective_date": "2025-07-01",
        "from_agency_ids": [o["id"] for o in offices],
        "rows": [{"person_id": p["id"], "position_id": target["id"]} for p in people],
    }
    response = gateway.post(f"{P}/placements/bulk", json=bulk)
    assert response.status_code == 200, response.text
    after = gateway.get(f"{P}/stats/headcount", params={"as_of": "2025-07-01", "commune": "01304"}).json()
    assert after["total"]["headcount"] == 2
    in_2026 = gateway.get(f"{P}/stats/headcount", params={"as_of": "2026-01-01", "commune": "01304"}).json()
    assert (in_2026["total"]["headcount"], in_2026["total"]["quota"]) == (2, ceiling)

    # The demo commune officer is Quảng Lâm's: they now see both people; a viewer reads no people at all.
    with httpx.Client(base_url=stack.url("gateway"), timeout=30.0, trust_env=False) as client:
        commune = sign_in(client, stack, "commune_officer")
        seen = client.get(f"{P}/people", params={"q": "Cán bộ Sáp Nhập", "limit": 500}, headers=commune).json()["items"]
        assert sorted(person["id"] for person in seen) == sorted(person["id"] for person in people)
        assert client.get(f"{P}/people/{people[0]['id']}", params={"reveal": "true"}, headers=commune).status_code == 200
        assert_problem(client.get(f"{P}/people", headers=sign_in(client, stack, "viewer")), 403, "role_not_allowed")


def test_org_structure_down_is_503_and_nothing_is_written(stack: Stack, gateway: httpx.Client) -> None:
    agency = gateway.get("/api/v1/org/agencies", params={"province": "04", "limit": 1}).json()["items"][0]
    body = {"full_name": "Người Mới Khi Mất Kết Nối", "category": "civil_servant", "birth_date": "1990-01-01", "sex": "female",
            "national_id": "004190000777", "education_level": "university", "agency_id": agency["id"]}  # fmt: skip
    assert_problem(
        gateway.post(f"{P}/people", json=body | {"agency_id": "00000000-0000-0000-0000-000000000009"}), 409, "agency_not_found"
    )
    with stopped(stack, "org-structure"):
        problem = assert_problem(gateway.post(f"{P}/people", json=body), 503, "upstream_unavailable")
        assert problem["service"] == "org-structure"
        written = gateway.get(f"{P}/people", params={"q": "Người Mới Khi Mất Kết Nối"}).json()["items"]
        assert written == []
