"""People: the national id checked and masked, reveal audited, If-Match, areas, org-structure down."""

import httpx

from haicap_shared.personal_data import mask
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import create_person, national_id, person_body


async def _count(client: httpx.AsyncClient) -> int:
    return len((await client.get("/people", params={"limit": 500})).json()["items"])


async def test_a_person_is_recorded_with_the_agency_facts_and_a_masked_id(client: httpx.AsyncClient, world: World) -> None:
    body = person_body(world.department.id, certificates=["Tin học cơ bản", "B1"])
    response = await client.post("/people", json=body)
    assert response.status_code == 201, response.text
    person = response.json()
    assert person["national_id"] == "*********" + body["national_id"][-3:]
    assert (person["province_code"], person["agency_level"], person["commune_code"]) == ("04", "province", None)
    assert person["certificates"] == ["Tin học cơ bản", "B1"]
    assert response.headers["etag"] == '"1"'
    listed = (await client.get("/people", params={"q": "nong van"})).json()["items"]
    assert [p["national_id"] for p in listed] == [person["national_id"]]


async def test_invalid_national_ids_are_422_with_the_reason(client: httpx.AsyncClient, world: World) -> None:
    cases = {
        "12345": "12 digits",
        "099085000001": "not a province-of-birth code",  # 099 is no province
        "004185000001": "a male born in 1985 has 085",  # the female digit for a man
        "004090000001": "a male born in 1985 has 085",  # another birth year
    }
    for number, reason in cases.items():
        body = assert_problem(
            await client.post("/people", json=person_body(world.department.id, national_id=number)), 422, "validation_error"
        )
        assert reason in body["detail"], (number, body["detail"])
    born_2003 = person_body(world.department.id, birth_date="2003-02-01", sex="female")
    assert born_2003["national_id"][3:6] == "303"
    assert (await client.post("/people", json=born_2003)).status_code == 201
    assert await _count(client) == 1


async def test_a_national_id_is_unique(client: httpx.AsyncClient, world: World) -> None:
    first = person_body(world.department.id)
    assert (await client.post("/people", json=first)).status_code == 201
    assert_problem(await client.post("/people", json=first | {"full_name": "Someone Else"}), 409, "national_id_taken")
    assert await _count(client) == 1


async def test_reveal_is_for_roles_that_handle_records_and_is_audited(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    body = person_body(world.department.id)
    person = await create_person(client, world.department.id, national_id=body["national_id"])
    revealed = (await client.get(f"/people/{person['id']}", params={"reveal": "true"})).json()
    assert revealed["national_id"] == body["national_id"]
    auditor = test_tokens.headers(Role.AUDITOR)
    assert (await client.get(f"/people/{person['id']}", headers=auditor)).json()["national_id"].startswith("*")
    assert_problem(
        await client.get(f"/people/{person['id']}", params={"reveal": "true"}, headers=auditor), 403, "reveal_not_allowed"
    )
    events = (await client.get("/audit-events", params={"entity_id": person["id"]})).json()["items"]
    assert [e["action"] for e in events] == ["create", "reveal"]
    assert events[1]["after"] == {"fields": ["national_id"]}
    assert events[0]["after"]["national_id"] == person["national_id"]


async def test_audit_events_mask_national_ids_and_revealing_them_is_audited(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    first = person_body(world.department.id, birth_date="1971-03-17")
    person = await create_person(client, world.department.id, birth_date="1971-03-17", national_id=first["national_id"])
    second = national_id(1971)
    changed = await client.patch(f"/people/{person['id']}", json={"national_id": second}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    auditor = test_tokens.headers(Role.AUDITOR)
    for headers in ({}, auditor):
        response = await client.get("/audit-events", params={"entity_id": person["id"]}, headers=headers)
        assert first["national_id"] not in response.text
        assert second not in response.text
        create, update = response.json()["items"]
        assert create["after"]["national_id"] == "*********" + first["national_id"][-3:]
        assert (update["before"]["national_id"], update["after"]["national_id"]) == (mask(first["national_id"]), mask(second))
        # NOTE: the people API shows the birth date to every role that reads records, auditors included.
        assert create["after"]["birth_date"] == "1971-03-17"
    assert_problem(
        await client.get("/audit-events", params={"entity_id": person["id"], "reveal": "true"}, headers=auditor),
        403,
        "reveal_not_allowed",
    )
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert_problem(await client.get("/audit-events", params={"reveal": "true"}, headers=province), 403, "role_not_allowed")

    shown = (await client.get("/audit-events", params={"entity_id": person["id"], "reveal": "true"})).json()["items"]
    assert [e["after"]["national_id"] for e in shown] == [first["national_id"], second]
    events = (await client.get("/audit-events", params={"entity_id": person["id"]})).json()["items"]
    assert [(e["action"], e["actor_role"]) for e in events] == [("create", "admin"), ("update", "admin"), ("reveal", "admin")]
    assert events[2]["after"] == {"fields": ["national_id"], "audit_events": [shown[0]["id"], shown[1]["id"]]}


async def test_edits_need_the_current_etag_and_keep_history(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id)
    url = f"/people/{person['id']}"
    assert_problem(await client.patch(url, json={"education_level": "master"}), 428, "if_match_required")
    ok = await client.patch(url, json={"education_level": "master"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"education_level": "doctorate"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "stale_version")
    assert (await client.get(url)).json()["education_level"] == "master"
    bad = await client.patch(url, json={"birth_date": "1990-01-01"}, headers={"If-Match": '"2"'})
    assert_problem(bad, 422, "invalid_national_id")
    events = (await client.get("/audit-events", params={"entity_id": person["id"]})).json()["items"]
    assert [e["action"] for e in events] == ["create", "update"]
    assert (events[1]["before"]["education_level"], events[1]["after"]["education_level"]) == ("university", "master")


async def test_areas_are_enforced_and_nothing_is_written_outside(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    province_04 = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    agency = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(world.new_office.id))
    outside = await client.post("/people", json=person_body(world.elsewhere.id), headers=province_04)
    assert_problem(outside, 403, "outside_area")
    assert_problem(await client.post("/people", json=person_body(world.department.id), headers=commune), 403, "outside_area")
    assert (await client.post("/people", json=person_body(world.new_economic.id), headers=commune)).status_code == 201
    assert_problem(await client.post("/people", json=person_body(world.new_economic.id), headers=agency), 403, "outside_area")
    mine = await create_person(client, world.new_office.id)
    assert (await client.get(f"/people/{mine['id']}", headers=agency)).status_code == 200
    assert len((await client.get("/people", headers=agency)).json()["items"]) == 1
    assert len((await client.get("/people", headers=commune)).json()["items"]) == 2
    assert await _count(client) == 2


async def test_unknown_agency_is_409_and_org_structure_down_is_503(client: httpx.AsyncClient, world: World) -> None:
    body = person_body(world.department.id)
    assert_problem(await client.post("/people", json=body | {"agency_id": str(world.new.id)}), 409, "agency_not_found")
    world.down = True
    problem = assert_problem(await client.post("/people", json=body), 503, "upstream_unavailable")
    assert problem["service"] == "org-structure"
    world.down = False
    assert await _count(client) == 0


async def test_national_id_helper_matches_the_rule() -> None:
    assert national_id(1966)[:6] == "004066"
    assert national_id(2001, "female")[:6] == "004301"
