"""Yearly evaluations: one per person and year, no future, ETag and If-Match, area, filters, the import."""

from __future__ import annotations

from typing import Any

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import create_person


def _evaluation(person_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "year": 2025,
        "grade": "good",
        "evaluator": "Chủ tịch UBND xã",
        "evaluation_date": "2025-12-20",
    }
    return body | changes


async def test_an_evaluation_per_person_and_year(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    created = await client.post("/evaluations", json=_evaluation(person["id"], note="Tốt"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"evaluations/{body['id']}"
    assert (body["year"], body["grade"], body["province_code"], body["commune_code"]) == (2025, "good", "04", "01010")
    assert body["agency_id"] == str(world.new_office.id)
    again = await client.post("/evaluations", json=_evaluation(person["id"], grade="excellent"))
    assert "2025" in assert_problem(again, 409, "evaluation_exists")["detail"]
    earlier = await client.post("/evaluations", json=_evaluation(person["id"], year=2024, evaluation_date="2024-12-15"))
    assert earlier.status_code == 201, earlier.text

    got = await client.get(f"/evaluations/{body['id']}")
    assert (got.status_code, got.headers["ETag"], got.json()) == (200, '"1"', body)
    listed = (await client.get("/evaluations", params={"person_id": person["id"]})).json()["items"]
    assert [(e["year"], e["grade"]) for e in listed] == [(2024, "good"), (2025, "good")]


async def test_no_evaluation_of_the_future(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    assert_problem(
        await client.post("/evaluations", json=_evaluation(person["id"], year=2099, evaluation_date="2099-12-20")),
        422,
        "evaluation_in_future",
    )
    assert_problem(
        await client.post("/evaluations", json=_evaluation(person["id"], evaluation_date="2099-01-02")),
        422,
        "evaluation_in_future",
    )
    assert_problem(
        await client.post("/evaluations", json=_evaluation(person["id"], evaluation_date="2024-12-31")),
        422,
        "evaluation_date_before_year",
    )
    assert_problem(await client.post("/evaluations", json=_evaluation(person["id"], grade="great")), 422, "validation_error")
    assert_problem(
        await client.post("/evaluations", json=_evaluation("00000000-0000-0000-0000-000000000999")), 409, "person_not_found"
    )
    assert (await client.get("/evaluations", params={"person_id": person["id"]})).json()["items"] == []


async def test_a_change_needs_the_current_etag(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    body = (await client.post("/evaluations", json=_evaluation(person["id"]))).json()
    url = f"/evaluations/{body['id']}"
    assert_problem(await client.patch(url, json={"grade": "completed"}), 428, "if_match_required")
    changed = await client.patch(url, json={"grade": "not_completed", "note": "Chậm tiến độ"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert (changed.headers["ETag"], changed.json()["grade"], changed.json()["note"]) == ('"2"', "not_completed", "Chậm tiến độ")
    assert_problem(await client.patch(url, json={"grade": "good"}, headers={"If-Match": '"1"'}), 412, "stale_version")
    assert_problem(await client.patch(url, json={"year": 2024}, headers={"If-Match": '"2"'}), 422, "validation_error")
    assert_problem(await client.patch(url, json={"grade": None}, headers={"If-Match": '"2"'}), 422, "field_required")
    audit = (await client.get("/audit-events", params={"entity_type": "evaluation", "entity_id": body["id"]})).json()["items"]
    assert [e["action"] for e in audit] == ["create", "update"]


async def test_filters_and_area(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    commune_person = await create_person(client, world.new_office.id)
    department_person = await create_person(client, world.department.id)
    elsewhere = await create_person(client, world.elsewhere.id, national_id="006085000001")
    for person, grade in ((commune_person, "not_completed"), (department_person, "excellent"), (elsewhere, "good")):
        assert (await client.post("/evaluations", json=_evaluation(person["id"], grade=grade))).status_code == 201
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    seen = (await client.get("/evaluations", params={"year": 2025}, headers=commune)).json()["items"]
    assert [e["person_id"] for e in seen] == [commune_person["id"]]
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert len((await client.get("/evaluations", params={"year": 2025}, headers=province)).json()["items"]) == 2
    graded = (await client.get("/evaluations", params={"grade": "excellent"})).json()["items"]
    assert [e["person_id"] for e in graded] == [department_person["id"]]
    assert len((await client.get("/evaluations", params={"province": "06"})).json()["items"]) == 1
    assert len((await client.get("/evaluations", params={"commune": "01010"})).json()["items"]) == 1
    by_agency = (await client.get("/evaluations", params={"agency_id": str(world.department.id)})).json()["items"]
    assert [e["grade"] for e in by_agency] == ["excellent"]
    outside = await client.post("/evaluations", json=_evaluation(department_person["id"], year=2024), headers=commune)
    assert_problem(outside, 403, "outside_area")
    mine = seen[0]["id"]
    theirs = (await client.get("/evaluations", params={"person_id": department_person["id"]})).json()["items"][0]["id"]
    assert (await client.get(f"/evaluations/{mine}", headers=commune)).status_code == 200
    assert_problem(await client.get(f"/evaluations/{theirs}", headers=commune), 403, "outside_area")
    viewer = test_tokens.headers(Role.VIEWER, province="04")
    assert (await client.get("/evaluations", headers=viewer)).status_code == 403
    assert_problem(await client.get("/evaluations/00000000-0000-0000-0000-000000000999"), 404, "evaluation_not_found")


async def _national_id(client: httpx.AsyncClient, person: dict[str, Any]) -> str:
    number: str = (await client.get(f"/people/{person['id']}", params={"reveal": "true"})).json()["national_id"]
    return number


def _csv(*rows: str) -> bytes:
    header = "Số định danh,Năm,Xếp loại,Người đánh giá,Ngày đánh giá,Ghi chú"
    return "\n".join((header, *rows)).encode()


async def test_the_import_writes_all_or_nothing(client: httpx.AsyncClient, world: World) -> None:
    one = await create_person(client, world.new_office.id)
    two = await create_person(client, world.department.id)
    three = await create_person(client, world.department.id)
    earlier = _evaluation(three["id"], year=2024, evaluation_date="2024-12-20")
    assert (await client.post("/evaluations", json=earlier)).status_code == 201
    n1, n2, n3 = [await _national_id(client, p) for p in (one, two, three)]
    bad = _csv(
        f"{n1},2025,Hoàn thành tốt nhiệm vụ,Chủ tịch UBND xã,20/12/2025,",
        f"{n1},2025,excellent,Chủ tịch UBND xã,2025-12-21,",
        "004085999999,2025,good,Giám đốc Sở,2025-12-20,",
        f"{n2},2099,good,Giám đốc Sở,2025-12-20,",
        f"{n3},2024,good,Giám đốc Sở,2024-12-20,",
        f"{n2},2025,xuất sắc lắm,Giám đốc Sở,2025-12-20,",
    )
    refused = await client.post("/evaluations/imports", files={"file": ("danh-gia.csv", bad, "text/csv")})
    report = assert_problem(refused, 409, "import_rejected")["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (6, 1, 5, 0)
    assert [p["row"] for p in report["problems"]] == [3, 4, 5, 6, 7]
    assert report["problems"][0]["errors"] == ["this person's evaluation for 2025 appears earlier in the file (row 2)"]
    assert report["problems"][1]["errors"] == ["no person has this national_id"]
    assert report["problems"][2]["errors"] == ["year 2099 is in the future"]
    assert report["problems"][3]["errors"] == ["this person already has an evaluation for 2024"]
    assert report["problems"][4]["errors"][0].startswith("grade must be one of")
    assert (await client.get("/evaluations", params={"year": 2025})).json()["items"] == []

    partial = await client.post(
        "/evaluations/imports", params={"partial": "true"}, files={"file": ("danh-gia.csv", bad, "text/csv")}
    )
    assert partial.status_code == 201, partial.text
    assert (partial.json()["written"], partial.json()["rejected"]) == (1, 5)
    written = (await client.get("/evaluations", params={"year": 2025})).json()["items"]
    assert [(e["person_id"], e["grade"], e["evaluation_date"]) for e in written] == [(one["id"], "good", "2025-12-20")]
    params = {"entity_type": "evaluation", "entity_id": written[0]["id"]}
    audit = (await client.get("/audit-events", params=params)).json()["items"]
    assert [e["action"] for e in audit] == ["create"]


async def test_the_import_respects_the_area(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    theirs = await create_person(client, world.department.id)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    file = _csv(f"{await _national_id(client, theirs)},2025,good,Chủ tịch UBND xã,2025-12-20,")
    refused = await client.post("/evaluations/imports", files={"file": ("e.csv", file, "text/csv")}, headers=commune)
    report = assert_problem(refused, 409, "import_rejected")["report"]
    assert report["problems"] == [{"row": 2, "errors": ["this person's record is outside your area"]}]
    assert theirs["full_name"] not in refused.text
