"""Allocations: a new holder closes the old allocation; car norms; hand-overs all or nothing."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .fake_org import FORMER, QUANG_LAM, SCHOOL
from .helpers import car, create_asset


async def test_a_new_holder_keeps_the_asset_and_its_history(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client)
    url = f"/assets/{asset['id']}/allocations"
    body = {"holder": {"kind": "agency", "id": str(SCHOOL.id)}, "purpose": "education", "valid_from": "2025-09-01"}
    assert_problem(await client.post(url, json=body), 428, "if_match_required")
    response = await client.post(url, json=body, headers={"If-Match": '"1"'})
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"2"'
    assert_problem(await client.post(url, json=body, headers={"If-Match": '"1"'}), 412, "stale_version")
    early = body | {"valid_from": "2025-08-01"}
    assert_problem(await client.post(url, json=early, headers={"If-Match": '"2"'}), 409, "allocation_date_invalid")
    current = (await client.get(f"/assets/{asset['id']}")).json()
    assert (current["id"], current["holder_name"], current["holder_kind"]) == (asset["id"], SCHOOL.name, "agency")
    history = (await client.get(f"/assets/{asset['id']}/history")).json()
    assert [(a["holder_name"], a["valid_from"], a["valid_to"]) for a in history["allocations"]] == [
        ("Xã Quảng Lâm", "2025-07-01", "2025-08-31"),
        (SCHOOL.name, "2025-09-01", None),
    ]
    assert [e["kind"] for e in history["events"]] == ["registered", "allocated"]


async def test_general_work_cars_within_the_norm(client: httpx.AsyncClient) -> None:
    await create_asset(client, **car("XE-01", "11A-000.01"))
    await create_asset(client, **car("XE-02", "11A-000.02"))
    third = car("XE-03", "11A-000.03") | {
        "name": "Xe",
        "province_code": "04",
        "holder": {"kind": "unit", "code": "01304"},
        "allocated_from": "2025-07-01",
    }
    body = assert_problem(await client.post("/assets", json=third), 409, "car_norm_exceeded")
    assert (body["held"], body["norm"]) == (2, 2)
    dear = third | {
        "code": "XE-04",
        "plate": "11A-000.04",
        "holder": {"kind": "unit", "code": "01273"},
        "seats": 5,
        "original_value": 990_000_000,
    }
    body = assert_problem(await client.post("/assets", json=dear), 409, "car_price_over_norm")
    assert body["max_price_vnd"] == 950_000_000
    # A later norm replaces it from its first day (admins only).
    norm = {
        "valid_from": "2027-01-01",
        "max_general_cars_per_commune": 3,
        "max_price_vnd": 1_000_000_000,
        "legal_basis": "Nghị định X",
    }
    response = await client.post("/car-norms", json=norm)
    assert response.status_code == 201, response.text
    norms = (await client.get("/car-norms")).json()
    assert [(n["valid_from"], n["valid_to"], n["max_general_cars_per_commune"]) for n in norms] == [
        ("2025-07-01", "2026-12-31", 2),
        ("2027-01-01", None, 3),
    ]
    assert_problem(await client.post("/car-norms", json=norm | {"valid_from": "2026-01-01"}), 409, "norm_date_invalid")
    response = await client.post("/assets", json=third | {"allocated_from": "2027-01-01"})
    assert response.status_code == 201, response.text


async def test_hand_over_the_former_communes_assets(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    made = []
    for n, former in enumerate(FORMER):
        holder = {"kind": "unit", "id": str(former.id)}
        made.append(
            await create_asset(
                client, code=f"NĐ-{n}", commune_code=former.code, holder=holder, allocated_from="2020-01-01", purpose="office"
            )
        )
    former_car = car("XE-9", "11A-999.01") | {"allocated_from": "2020-01-01", "commune_code": FORMER[0].code}
    made.append(await create_asset(client, **former_car, holder={"kind": "unit", "id": str(FORMER[0].id)}))
    request = {
        "from_predecessors": True,
        "to_holder": {"kind": "unit", "code": "01304"},
        "effective_date": "2025-07-01",
        "decision_number": "125/QĐ-UBND",
    }
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert_problem(await client.post("/handovers", json=request, headers=commune), 403, "role_not_allowed")
    response = await client.post("/handovers", json=request, headers=test_tokens.headers(Role.PROVINCE_OFFICER, province="04"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["assets"], report["handed_over"], report["rejected"], report["to_holder"]) == (4, 4, 0, "Xã Quảng Lâm")
    assert sorted(report["from_holders"]) == sorted(f.name for f in FORMER)
    held = (await client.get("/assets", params={"holder_id": str(QUANG_LAM.id)})).json()["items"]
    assert sorted(a["id"] for a in held) == sorted(a["id"] for a in made)
    assert {a["commune_code"] for a in held} == {"01304"}
    history = (await client.get(f"/assets/{made[0]['id']}/history")).json()
    assert [(a["holder_name"], a["valid_to"]) for a in history["allocations"]] == [
        ("Xã Lý Bôn", "2025-06-30"),
        ("Xã Quảng Lâm", None),
    ]
    assert [e["kind"] for e in history["events"]] == ["registered", "handed_over"]
    # Again: nothing is left to hand over.
    assert_problem(await client.post("/handovers", json=request), 409, "nothing_to_hand_over")


async def test_a_hand_over_with_a_bad_row_writes_nothing(client: httpx.AsyncClient) -> None:
    # NOTE: before the merger the premises stand in the former communes, which exist then.
    ok = await create_asset(
        client,
        code="NĐ-1",
        commune_code=FORMER[0].code,
        holder={"kind": "unit", "id": str(FORMER[0].id)},
        allocated_from="2020-01-01",
    )
    late = await create_asset(
        client,
        code="NĐ-2",
        commune_code=FORMER[1].code,
        holder={"kind": "unit", "id": str(FORMER[1].id)},
        allocated_from="2025-06-01",
    )
    request = {
        "from_holders": [{"kind": "unit", "code": FORMER[0].code}, {"kind": "unit", "id": str(FORMER[1].id)}],
        "to_holder": {"kind": "unit", "id": str(QUANG_LAM.id)},
        "effective_date": "2025-06-01",
        "decision_number": "125/QĐ-UBND",
    }
    # NOTE: Xã Quảng Lâm (new) exists only from 2025-07-01.
    assert_problem(await client.post("/handovers", json=request), 409, "holder_not_in_force")
    request["to_holder"] = {"kind": "unit", "code": "04"}
    body = assert_problem(await client.post("/handovers", json=request), 409, "handover_rejected")
    rows = {r["code"]: r["errors"] for r in body["report"]["rows"]}
    assert rows["NĐ-1"] == []
    assert "starts on 2025-06-01" in rows["NĐ-2"][0]
    for asset in (ok, late):
        assert (await client.get(f"/assets/{asset['id']}")).json()["version"] == 1
