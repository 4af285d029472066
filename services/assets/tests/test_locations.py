"""Where an asset stands: a commune org-structure knows, in the writer's area; and it lets no one take the asset.

The attack from the penetration test: a car held by Xã Quảng Lâm (01304) stands in Phường
Thục Phán (01273); the officer of 01273 sees it by its location and reallocated it to 01273,
after which 01304 lost it. Seeing an asset by where it stands does not make it yours.
"""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .helpers import car, create_asset

QUANG_LAM_CAR = car("XE-QL-01", "11A-111.11") | {"commune_code": "01273", "holder": {"kind": "unit", "code": "01304"}}


async def test_the_location_commune_cannot_take_a_car_held_by_another_commune(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    asset = await create_asset(client, **QUANG_LAM_CAR)
    location_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273")
    holder_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    assert (await client.get(f"/assets/{asset['id']}", headers=location_officer)).status_code == 200
    to_itself = {"holder": {"kind": "unit", "code": "01273"}, "purpose": "general_work_car", "valid_from": "2025-09-01"}
    response = await client.post(
        f"/assets/{asset['id']}/allocations", json=to_itself, headers=location_officer | {"If-Match": '"1"'}
    )
    assert_problem(response, 403, "outside_area")
    transfer = {
        "asset_id": asset["id"],
        "form": "transfer",
        "receiving_holder": {"kind": "unit", "code": "01273"},
        "proposed_on": "2025-09-01",
    }
    assert_problem(await client.post("/dispositions", json=transfer, headers=location_officer), 403, "outside_area")
    after = (await client.get(f"/assets/{asset['id']}", headers=holder_officer)).json()
    assert (after["holder_commune_code"], after["status"], after["version"]) == ("01304", "in_use", 1)
    history = (await client.get(f"/assets/{asset['id']}/history")).json()
    assert [e["kind"] for e in history["events"]] == ["registered"]


async def test_an_unknown_commune_is_no_location(client: httpx.AsyncClient) -> None:
    body = car("XE-99", "11A-999.99") | {
        "code": "XE-99",
        "commune_code": "99999",
        "province_code": "04",
        "holder": {"kind": "unit", "code": "01304"},
        "allocated_from": "2025-07-01",
    }
    base = await client.post("/assets", json=body)
    problem = assert_problem(base, 422, "location_not_found")
    assert "99999" in problem["detail"]
    assert problem["commune_code"] == "99999"
    # A former commune is not in force after the merger.
    assert_problem(await client.post("/assets", json=body | {"commune_code": "01288"}), 422, "location_not_found")
    asset = await create_asset(client)
    url = f"/assets/{asset['id']}"
    assert_problem(
        await client.patch(url, json={"commune_code": "99999"}, headers={"If-Match": '"1"'}), 422, "location_not_found"
    )
    assert (await client.get(url)).json()["commune_code"] == "01304"


async def test_a_commune_officer_places_assets_in_their_own_commune_only(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    elsewhere = car("XE-QL-02", "11A-222.22") | {
        "code": "XE-QL-02",
        "province_code": "04",
        "commune_code": "01273",
        "holder": {"kind": "unit", "code": "01304"},
        "allocated_from": "2025-07-01",
    }
    assert_problem(await client.post("/assets", json=elsewhere, headers=officer), 403, "outside_area")
    assert_problem(
        await client.post("/assets", json=elsewhere | {"province_code": "08"}, headers=officer), 422, "location_not_found"
    )
    response = await client.post("/assets", json=elsewhere | {"commune_code": "01304"}, headers=officer)
    assert response.status_code == 201, response.text
    url = f"/assets/{response.json()['id']}"
    moved = await client.patch(url, json={"commune_code": "01273"}, headers=officer | {"If-Match": '"1"'})
    assert_problem(moved, 403, "outside_area")
    assert (await client.get(url, headers=officer)).json()["commune_code"] == "01304"
    # A province officer places it in any commune of their province.
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    response = await client.patch(url, json={"commune_code": "01273"}, headers=province | {"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json()["commune_code"] == "01273"


async def test_an_import_checks_locations_like_a_create(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    header = "Mã tài sản,Tên tài sản,Loại tài sản,Mã tỉnh,Mã xã,Diện tích đất,Nguyên giá,Mã đơn vị sử dụng,Mục đích,Từ ngày"
    rows = [
        "NĐ-01,Trụ sở xã,nhà đất,04,01304,900,1000,01304,office,2025-07-01",
        "NĐ-02,Nhà văn hóa,nhà đất,04,99999,900,1000,01304,office,2025-07-01",
        "NĐ-03,Trạm y tế,nhà đất,04,01288,900,1000,01304,office,2025-07-01",
        "NĐ-04,Kho,nhà đất,04,01273,900,1000,01304,office,2025-07-01",
    ]
    upload = {"file": ("assets.csv", "\n".join([header, *rows]).encode(), "text/csv")}
    officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    body = assert_problem(await client.post("/assets/imports", files=upload, headers=officer), 409, "import_rejected")
    problems = {p["row"]: " ".join(p["errors"]) for p in body["report"]["problems"]}
    assert sorted(problems) == [3, 4, 5]
    assert "no commune 99999" in problems[3]
    assert "no commune 01288 on 2025-07-01" in problems[4]  # merged away the day before
    assert "01273 is outside your area" in problems[5]
    assert (await client.get("/assets")).json()["items"] == []
