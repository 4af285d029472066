"""A refusal for want of area (403 ``outside_area``, or a row's error) names no one: no name, no national id."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import approved_position, create_person, person_body, place


async def test_refusals_outside_the_area_carry_no_personal_data(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    body = person_body(world.department.id, full_name="Hoàng Thị Bí Mật", sex="female", birth_date="1969-08-21")
    stranger = await create_person(client, world.department.id, **{k: v for k, v in body.items() if k != "agency_id"})
    mine = await approved_position(client, test_tokens, world.new_office.id)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    person_id = stranger["id"]
    refusals = [
        await client.get(f"/people/{person_id}", headers=commune),
        await client.get(f"/people/{person_id}", params={"reveal": "true"}, headers=commune),
        await client.post(
            "/training-records",
            json={
                "person_id": person_id,
                "course": "Kỹ năng số",
                "topic": "it_skills",
                "start_date": "2025-08-01",
                "hours": "40",
            },
            headers=commune,
        ),
        await client.post(
            "/streamlining-cases",
            json={
                "person_id": person_id,
                "policy": "early_retirement",
                "leave_date": "2025-09-01",
                "decision_date": "2025-08-01",
            },
            headers=commune,
        ),
        await client.post(
            "/placements", json={"person_id": person_id, "position_id": mine["id"], "valid_from": "2025-07-01"}, headers=commune
        ),
    ]
    for response in refusals:
        problem = assert_problem(response, 403, "outside_area")
        assert problem["detail"].startswith("This person's record is outside your area"), problem
        for personal in (body["full_name"], body["national_id"], body["birth_date"]):
            assert personal not in response.text, (personal, response.text)

    batch = await client.post(
        "/placements/batch",
        json={"rows": [{"person_id": person_id, "position_id": mine["id"], "valid_from": "2025-07-01"}]},
        headers=commune,
    )
    assert assert_problem(batch, 409, "placement_batch_rejected")["report"]["problems"] == [
        {"row": 1, "errors": ["the person's record is outside your area"]}
    ]
    bulk = await client.post(
        "/placements/bulk",
        json={
            "effective_date": "2025-07-01",
            "from_agency_ids": [str(world.former_offices[0].id)],
            "rows": [{"person_id": person_id, "position_id": mine["id"]}],
        },
        headers=commune,
    )
    assert bulk.status_code == 409, bulk.text
    assert "the person's record is outside your area" in bulk.json()["report"]["problems"][0]["errors"]
    for response in (batch, bulk):
        assert body["full_name"] not in response.text
        assert body["national_id"] not in response.text


async def test_a_re_placement_names_no_one_left_behind_outside_the_area(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    body = person_body(world.department.id, full_name="Hoàng Thị Bí Mật", sex="female", birth_date="1969-08-21")
    stranger = await create_person(client, world.department.id, **{k: v for k, v in body.items() if k != "agency_id"})
    theirs = await approved_position(client, test_tokens, world.department.id)
    assert (await place(client, stranger["id"], theirs["id"], "2024-01-01")).status_code == 201
    neighbour = await create_person(client, world.former_offices[0].id, full_name="Nông Văn Láng Giềng")
    former = await approved_position(client, test_tokens, world.former_offices[0].id)
    assert (await place(client, neighbour["id"], former["id"], "2024-01-01")).status_code == 201
    mine = await approved_position(client, test_tokens, world.new_office.id)
    own = await create_person(client, world.new_office.id)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    # The officer of the new commune names the province's department and a former commune's office as former agencies.
    bulk = await client.post(
        "/placements/bulk",
        json={
            "effective_date": "2025-07-01",
            "from_agency_ids": [str(world.department.id), str(world.former_offices[0].id)],
            "rows": [{"person_id": own["id"], "position_id": mine["id"]}],
        },
        headers=commune,
    )
    unaccounted = assert_problem(bulk, 409, "replacement_rejected")["report"]["unaccounted"]
    assert {(u["person_id"], u["full_name"]) for u in unaccounted} == {(stranger["id"], None), (neighbour["id"], None)}
    assert body["full_name"] not in bulk.text
    assert body["national_id"] not in bulk.text
    admin = await client.post(
        "/placements/bulk",
        json={
            "effective_date": "2025-07-01",
            "from_agency_ids": [str(world.department.id)],
            "rows": [{"person_id": own["id"], "position_id": mine["id"]}],
        },
    )
    assert [u["full_name"] for u in assert_problem(admin, 409, "replacement_rejected")["report"]["unaccounted"]] == [
        body["full_name"]
    ]
