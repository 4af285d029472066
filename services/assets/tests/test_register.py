"""The register: recording assets with their holders, plates, edits under If-Match, history."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .fake_org import FORMER, QUANG_LAM, SCHOOL, FakeOrg
from .helpers import car, create_asset


async def _count(client: httpx.AsyncClient) -> int:
    return len((await client.get("/assets", params={"limit": 500})).json()["items"])


async def test_record_premises_with_its_holder(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client)
    assert (asset["holder_kind"], asset["holder_id"], asset["holder_name"]) == ("unit", str(QUANG_LAM.id), "Xã Quảng Lâm")
    assert (asset["holder_level"], asset["holder_commune_code"], asset["status"]) == ("commune", "01304", "in_use")
    response = await client.get(f"/assets/{asset['id']}")
    assert response.headers["etag"] == '"1"'
    history = (await client.get(f"/assets/{asset['id']}/history")).json()
    assert [(e["kind"], e["status"], e["event_date"]) for e in history["events"]] == [("registered", "in_use", "2025-07-01")]
    assert [(a["holder_name"], a["purpose"], a["valid_from"], a["valid_to"]) for a in history["allocations"]] == [
        ("Xã Quảng Lâm", "office", "2025-07-01", None)
    ]
    events = (await client.get("/audit-events", params={"entity_id": asset["id"]})).json()["items"]
    assert [e["action"] for e in events] == ["create"]
    assert [a["code"] for a in (await client.get("/assets", params={"q": "tru so ubnd"})).json()["items"]] == ["NĐ-001"]


async def test_a_car_plate_is_normalised_and_checked_against_the_province(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client, **car("XE-01", "11a 123 45"))
    assert asset["plate"] == "11A-123.45"
    four = await create_asset(client, **car("XE-02", "11A-1234", purpose="specialised_car"))
    assert four["plate"] == "11A-1234"
    listed = (await client.get("/assets", params={"plate": "11A-123.45"})).json()["items"]
    assert [a["code"] for a in listed] == ["XE-01"]
    for plate, message in (("29A-123.45", "start with 11"), ("ABC", "not a car plate"), ("11A-12", "not a car plate")):
        response = await client.post(
            "/assets",
            json=car("XE-03", plate)
            | {"name": "Xe", "province_code": "04", "holder": {"kind": "unit", "code": "01304"}, "allocated_from": "2025-07-01"},
        )
        assert message in assert_problem(response, 422, "validation_error")["detail"]
    # NOTE: a province without a known prefix has its plates checked for the format only.
    elsewhere = await create_asset(client, **car("XE-04", "99A-999.99", province_code="46", commune_code=None))
    assert elsewhere["plate"] == "99A-999.99"


async def test_fields_must_fit_the_kind(client: httpx.AsyncClient) -> None:
    base = {"code": "X", "name": "Xe", "province_code": "04", "holder": {"kind": "unit", "code": "01304"}}
    base |= {"purpose": "office", "allocated_from": "2025-07-01"}
    cases = [
        base | {"kind": "car", "seats": 7},
        base | {"kind": "premises", "plate": "11A-123.45"},
        base | {"kind": "premises", "original_value": 10, "residual_value": 20},
        base | {"kind": "premises", "status": "disposed"},
    ]
    for body in cases:
        assert_problem(await client.post("/assets", json=body), 422, "validation_error")
    assert await _count(client) == 0


async def test_holders_are_checked_with_org_structure(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    await create_asset(client)
    assert_problem(await client.post("/assets", json=_body("NĐ-001")), 409, "asset_code_taken")
    missing = _body("NĐ-002", holder={"kind": "agency", "id": "00000000-0000-0000-0000-000000000009"})
    assert_problem(await client.post("/assets", json=missing), 409, "holder_not_found")
    former = _body("NĐ-003", holder={"kind": "unit", "id": str(FORMER[0].id)})
    body = assert_problem(await client.post("/assets", json=former), 409, "holder_not_in_force")
    assert "2025-06-30" in body["detail"]
    fake_org.down = True
    body = assert_problem(await client.post("/assets", json=_body("NĐ-004")), 503, "upstream_unavailable")
    assert body["service"] == "org-structure"
    fake_org.down = False
    assert await _count(client) == 1


def _body(code: str, **fields: object) -> dict[str, object]:
    return {
        "kind": "premises",
        "code": code,
        "name": "Nhà văn hóa",
        "province_code": "04",
        "commune_code": "01304",
        "holder": {"kind": "unit", "code": "01304"},
        "purpose": "public_service_facility",
        "allocated_from": "2025-07-01",
    } | fields


async def test_areas_on_writes_and_reads(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273")
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    agency = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(SCHOOL.id))
    response = await client.post("/assets", json=_body("NĐ-010"), headers=commune)
    assert response.status_code == 201, response.text
    asset = response.json()
    assert_problem(await client.post("/assets", json=_body("NĐ-011"), headers=other_commune), 403, "outside_area")
    assert_problem(await client.post("/assets", json=_body("NĐ-012"), headers=other_province), 403, "outside_area")
    assert_problem(await client.get(f"/assets/{asset['id']}", headers=other_province), 403, "outside_area")
    assert_problem(await client.get(f"/assets/{asset['id']}", headers=agency), 403, "outside_area")
    assert (await client.get("/assets", headers=other_commune)).json()["items"] == []
    school = _body("NĐ-013", holder={"kind": "agency", "id": str(SCHOOL.id)}, purpose="education")
    response = await client.post("/assets", json=school, headers=agency)
    assert response.status_code == 201, response.text
    assert [a["code"] for a in (await client.get("/assets", headers=agency)).json()["items"]] == ["NĐ-013"]
    assert [a["code"] for a in (await client.get("/assets", headers=commune)).json()["items"]] == ["NĐ-010", "NĐ-013"]
    assert await _count(client) == 2


async def test_edits_need_the_current_etag(client: httpx.AsyncClient) -> None:
    asset = await create_asset(client)
    url = f"/assets/{asset['id']}"
    assert_problem(await client.patch(url, json={"condition": "degraded"}), 428, "if_match_required")
    response = await client.patch(url, json={"condition": "degraded", "status": "surplus"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert (response.json()["condition"], response.json()["status"], response.headers["etag"]) == ("degraded", "surplus", '"2"')
    stale = await client.patch(url, json={"name": "Trụ sở cũ"}, headers={"If-Match": '"1"'})
    assert assert_problem(stale, 412, "stale_version")["current_etag"] == '"2"'
    assert (await client.get(url)).json()["name"] == "Trụ sở UBND xã"
    assert_problem(await client.patch(url, json={"plate": "11A-123.45"}, headers={"If-Match": '"2"'}), 422, "invalid_asset")
    history = (await client.get(f"{url}/history")).json()["events"]
    assert [(e["kind"], e["status"]) for e in history] == [
        ("registered", "in_use"),
        ("status_changed", "surplus"),
        ("updated", None),
    ]


async def test_a_retried_create_records_once(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "inventory-0001"}
    first = await client.post("/assets", json=_body("NĐ-020"), headers=headers)
    again = await client.post("/assets", json=_body("NĐ-020"), headers=headers)
    assert (first.status_code, again.status_code, again.headers["idempotent-replayed"]) == (201, 201, "true")
    assert again.json()["id"] == first.json()["id"]
    assert await _count(client) == 1
