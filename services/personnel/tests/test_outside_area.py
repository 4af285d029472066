"""A refusal for want of area (403 ``outside_area``, or a row's error) names no one: no name, no national id."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import approved_position, create_person, person_body


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
