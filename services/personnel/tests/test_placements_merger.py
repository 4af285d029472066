"""Placements, suitability, streamlining cases, and the merger: three former communes re-placed into the new one."""

from typing import Any

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import approved_position, create_person, place


async def _stats(client: httpx.AsyncClient, kind: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/stats/{kind}", params={"province": "04"} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_one_primary_placement_at_a_time_and_suitability(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    position = await approved_position(client, test_tokens, world.department.id, required_fields=["Luật", "Hành chính học"])
    lawyer = await create_person(client, world.department.id, field_of_study="luat")
    economist = await create_person(client, world.department.id, field_of_study="Kinh tế")
    college = await create_person(client, world.department.id, education_level="college", field_of_study="Luật")
    first = await place(client, lawyer["id"], position["id"], "2024-01-01", valid_to="2024-12-31")
    assert (first.json()["suitability"], first.json()["suitability_reasons"]) == ("suitable", [])
    overlap = await place(client, lawyer["id"], position["id"], "2024-06-01")
    assert "2024-12-31" in assert_problem(overlap, 409, "placement_overlap")["detail"]
    assert (await place(client, lawyer["id"], position["id"], "2025-01-01")).status_code == 201
    assert (await place(client, lawyer["id"], position["id"], "2025-02-01", is_primary=False)).status_code == 201
    partly = (await place(client, economist["id"], position["id"], "2025-01-01")).json()
    assert partly["suitability"] == "partly"
    assert partly["suitability_reasons"] == ["field of study not among those required (Hành chính học, Luật)"]
    unsuitable = (await place(client, college["id"], position["id"], "2025-01-01")).json()
    assert unsuitable["suitability"] == "unsuitable"
    assert unsuitable["suitability_reasons"] == ["education below the requirement (college < university)"]
    # Training the person raises the placement's suitability in force.
    changed = await client.patch(f"/people/{college['id']}", json={"education_level": "university"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert (await client.get(f"/placements/{unsuitable['id']}")).json()["suitability"] == "suitable"
    draft = (
        await client.post("/positions", json={"agency_id": str(world.department.id), "title": "Nháp", "group": "support"})
    ).json()
    assert_problem(await place(client, economist["id"], draft["id"], "2026-01-01"), 409, "position_not_approved")
    stats = await _stats(client, "suitability", as_of="2025-03-01")
    assert {k: v["count"] for k, v in stats["total"]["counts"].items()} == {"suitable": 2, "partly": 1, "unsuitable": 0}
    assert stats["total"]["placements"] == 3


async def test_a_non_specialised_worker_is_recruited_as_civil_servant(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    position = await approved_position(client, test_tokens, world.new_office.id, required_education="university")
    worker = await create_person(client, world.former_offices[0].id, category="non_specialised", education_level="vocational")
    url = f"/people/{worker['id']}/recruitment"
    body = {"position_id": position["id"], "effective_date": "2025-08-01", "decision_number": "15/QĐ-UBND"}
    refused = assert_problem(await client.post(url, json=body, headers={"If-Match": '"1"'}), 409, "standards_not_met")
    assert "education below the requirement" in refused["detail"]
    graduate = await create_person(client, world.former_offices[0].id, category="non_specialised")
    recruited = await client.post(f"/people/{graduate['id']}/recruitment", json=body, headers={"If-Match": '"1"'})
    assert recruited.status_code == 201, recruited.text
    assert (recruited.json()["from_category"], recruited.json()["to_category"]) == ("non_specialised", "civil_servant")
    person = (await client.get(f"/people/{graduate['id']}")).json()
    assert (person["category"], person["agency_id"]) == ("civil_servant", str(world.new_office.id))
    again = await client.post(f"/people/{graduate['id']}/recruitment", json=body, headers={"If-Match": f'"{person["version"]}"'})
    assert_problem(again, 409, "not_non_specialised")


async def test_training_records(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id)
    body = {
        "person_id": person["id"],
        "course": "Kỹ năng số",
        "topic": "it_skills",
        "start_date": "2025-09-01",
        "end_date": "2025-09-05",
        "hours": "40",
        "result": "passed",
    }
    created = await client.post("/training-records", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["province_code"] == "04"
    assert_problem(await client.post("/training-records", json=body | {"end_date": "2025-08-01"}), 422, "validation_error")
    assert len((await client.get("/training-records", params={"person_id": person["id"]})).json()["items"]) == 1


GOLDEN = {
    "birth_date": "1966-01-15",
    "salary_coefficient": "4.65",
    "position_allowance": "0.6",
    "allowance_percent": "25",
    "social_insurance_start_date": "2003-05-01",
    "political_theory": "advanced",
}


async def test_merger_of_three_communes(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    # Before: each former commune's office has a position and its people, placed since 2020.
    former_positions = [
        await approved_position(client, test_tokens, o.id, title="Công chức văn phòng") for o in world.former_offices
    ]
    people: list[dict[str, Any]] = []
    specs = [
        (0, {}),
        (0, {"education_level": "college"}),
        (1, {"field_of_study": "Kinh tế", "political_theory": "none"}),
        (1, {"category": "public_employee", "political_theory": "elementary"}),
        (2, GOLDEN),
    ]
    for index, changes in specs:
        person = await create_person(client, world.former_offices[index].id, **changes)
        assert (await place(client, person["id"], former_positions[index]["id"], "2020-01-01")).status_code == 201
        people.append(person)
    before = await _stats(client, "qualifications", as_of="2025-06-30", by=["commune"])
    assert [(r["group"]["commune"], r["headcount"]) for r in before["rows"]] == [("01001", 2), ("01002", 2), ("01003", 1)]
    assert before["total"]["university_or_higher"] == {"count": 4, "percent": "80.0"}
    assert before["total"]["political_theory"]["advanced"] == {"count": 1, "percent": "20.0"}
    assert before["total"]["political_theory"]["intermediate"] == {"count": 2, "percent": "40.0"}
    by_category = await _stats(client, "qualifications", as_of="2025-06-30", by=["category"])
    assert {r["group"]["category"]: r["headcount"] for r in by_category["rows"]} == {"civil_servant": 4, "public_employee": 1}
    gaps_before = await _stats(client, "gaps", as_of="2025-06-30")
    assert gaps_before["total"] == 0, str(gaps_before["sample"]) + str([p["id"] for p in people])
    gap = await _stats(client, "gaps", as_of="2025-07-01", by=["agency", "category"])
    assert gap["total"] == 5  # the former communes are gone
    # NOTE: the groups are the agencies' ids as the API writes them, the sample every person of the gap in id order
    by_group = {(r["group"]["agency"], r["group"]["category"]): r["people"] for r in gap["rows"]}
    offices = [str(o.id) for o in world.former_offices]
    assert by_group == {
        (offices[0], "civil_servant"): 2,
        (offices[1], "civil_servant"): 1,
        (offices[1], "public_employee"): 1,
        (offices[2], "civil_servant"): 1,
    }
    assert gap["sample"] == sorted(p["id"] for p in people)

    new_office = await approved_position(
        client, test_tokens, world.new_office.id, title="Chuyên viên văn phòng", required_fields=["Luật"]
    )
    new_economic = await approved_position(
        client, test_tokens, world.new_economic.id, title="Chuyên viên kinh tế", required_fields=["Kinh tế"]
    )
    bulk = {
        "effective_date": "2025-07-01",
        "from_agency_ids": [str(o.id) for o in world.former_offices],
        "rows": [
            {"person_id": people[0]["id"], "position_id": new_office["id"]},
            {"person_id": people[1]["id"], "position_id": new_office["id"]},
            {"person_id": people[2]["id"], "position_id": new_economic["id"]},
            {"person_id": people[2]["id"], "position_id": new_office["id"]},
            {"person_id": people[3]["id"], "position_id": former_positions[0]["id"]},
        ],
    }
    refused = assert_problem(await client.post("/placements/bulk", json=bulk, headers=province), 409, "replacement_rejected")
    report = refused["report"]
    assert [p["row"] for p in report["problems"]] == [4]
    assert report["problems"][0]["errors"] == ["the person is already placed by row 3"]
    assert [u["person_id"] for u in report["unaccounted"]] == [people[4]["id"]]
    assert (await _stats(client, "gaps", as_of="2025-07-01"))["total"] == 5  # nothing was written

    # The fifth person retires early under Decree 178: the golden case, from the record.
    case = await client.post(
        "/streamlining-cases",
        json={
            "person_id": people[4]["id"],
            "policy": "early_retirement",
            "leave_date": "2025-05-01",
            "decision_date": "2025-03-01",
            "proposed_on": "2025-04-01",
        },
        headers=province,
    )
    assert case.status_code == 201, case.text
    assert [i["amount_vnd"] for i in case.json()["result"]["items"]] == ["460687500", "191953125", "92137500"]
    assert case.json()["amount_vnd"] == "744778125"
    assert case.json()["inputs"]["social_insurance_months"] == 264
    bulk["rows"] = [bulk["rows"][i] for i in (0, 1, 2)] + [{"person_id": people[3]["id"], "position_id": new_economic["id"]}]
    done = await client.post("/placements/bulk", json=bulk, headers=province)
    assert done.status_code == 200, done.text
    assert (done.json()["placed"], done.json()["ended"]) == (4, 4)

    after = await _stats(client, "qualifications", as_of="2025-07-01", by=["commune"])
    assert [(r["group"]["commune"], r["headcount"]) for r in after["rows"]] == [("01010", 4)]
    assert after["total"]["university_or_higher"] == {"count": 3, "percent": "75.0"}
    assert (await _stats(client, "qualifications", as_of="2025-06-30"))["total"]["headcount"] == 5  # the past is unchanged
    assert (await _stats(client, "gaps", as_of="2025-07-01"))["total"] == 0
    suitability = await _stats(client, "suitability", as_of="2025-07-01", by=["agency"])
    counts = {r["group"]["agency"]: {k: v["count"] for k, v in r["counts"].items()} for r in suitability["rows"]}
    assert counts == {
        str(world.new_office.id): {"suitable": 1, "partly": 0, "unsuitable": 1},
        str(world.new_economic.id): {"suitable": 1, "partly": 1, "unsuitable": 0},
    }
    for office, posts in zip(world.former_offices, (12, 10, 9), strict=True):
        assert (await client.post("/quotas", json={"agency_id": str(office.id), "year": 2025, "posts": posts})).status_code == 201
    assert (
        await client.post("/quotas", json={"agency_id": str(world.new_office.id), "year": 2025, "posts": 3})
    ).status_code == 201
    headcount = await _stats(client, "headcount", as_of="2025-07-01", by=["agency"])
    assert {r["group"]["agency"]: (r["headcount"], r["quota"]) for r in headcount["rows"]} == {
        str(world.former_offices[0].id): (0, 12),
        str(world.former_offices[1].id): (0, 10),
        str(world.former_offices[2].id): (0, 9),
        str(world.new_office.id): (2, 3),
        str(world.new_economic.id): (2, 0),
    }
    streamlining = await _stats(client, "streamlining", as_of="2025-12-31")
    assert (streamlining["cases"], streamlining["amount_vnd"]) == (1, "744778125")
    moved = (await client.get(f"/people/{people[0]['id']}")).json()
    assert (moved["agency_id"], moved["commune_code"]) == (str(world.new_office.id), "01010")
    # The commune officer of the new commune now sees its four people.
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert len((await client.get("/people", headers=commune)).json()["items"]) == 4


async def test_streamlining_case_steps(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    person = await create_person(client, world.department.id, **GOLDEN)
    body = {
        "person_id": person["id"],
        "policy": "early_retirement",
        "leave_date": "2025-05-01",
        "decision_date": "2025-03-01",
        "proposed_on": "2025-04-01",
    }
    case = (await client.post("/streamlining-cases", json=body)).json()
    assert_problem(await client.post("/streamlining-cases", json=body), 409, "case_exists")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    url = f"/streamlining-cases/{case['id']}/transitions"
    assert_problem(await client.post(url, json={"action": "approve"}, headers=commune | {"If-Match": '"1"'}), 403, "outside_area")
    assert_problem(await client.post(url, json={"action": "pay"}, headers={"If-Match": '"1"'}), 409, "transition_not_allowed")
    approved = await client.post(url, json={"action": "approve"}, headers={"If-Match": '"1"'})
    assert approved.json()["status"] == "approved"
    assert_problem(await client.post(url, json={"action": "pay"}, headers={"If-Match": '"1"'}), 412, "stale_version")
    paid = await client.post(url, json={"action": "pay"}, headers={"If-Match": '"2"'})
    assert paid.json()["status"] == "paid"
    resign = {"person_id": person["id"], "policy": "resignation", "leave_date": "2026-01-01", "decision_date": "2025-03-01"}
    assert_problem(await client.post("/streamlining-cases", json=resign), 409, "case_exists")
    late = await create_person(
        client, world.department.id, birth_date="1990-05-05", salary_coefficient="2.34", social_insurance_start_date="2015-01-01"
    )
    too_early = {"person_id": late["id"], "policy": "early_retirement", "leave_date": "2025-05-01", "decision_date": "2025-03-01"}
    assert (
        "10 years"
        in assert_problem(await client.post("/streamlining-cases", json=too_early), 409, "policy_not_applicable")["detail"]
    )
    preview = await client.post(
        "/streamlining/calculate",
        json={
            "policy": "early_retirement",
            "birth_date": "1966-01-15",
            "sex": "male",
            "leave_date": "2025-05-01",
            "decision_date": "2025-03-01",
            "social_insurance_months": 264,
            "salary": {"salary_coefficient": "4.65", "position_allowance": "0.6", "allowance_percent": "25"},
        },
    )
    assert preview.json()["total_vnd"] == "744778125"
    stats = await _stats(client, "streamlining", as_of="2025-12-31", by=["level"])
    assert [(r["group"]["level"], r["policy"], r["status"], r["cases"], r["amount_vnd"]) for r in stats["rows"]] == [
        ("province", "early_retirement", "paid", 1, "744778125")
    ]
