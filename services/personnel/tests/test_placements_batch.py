"""Many placements at once (``POST /placements/batch``): each row checked as a single one, all or nothing."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import approved_position, create_person, place


async def test_a_batch_places_everyone_or_nobody(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    position = await approved_position(client, test_tokens, world.former_offices[0].id, required_fields=["Luật"])
    draft = (
        await client.post("/positions", json={"agency_id": str(world.department.id), "title": "Nháp", "group": "support"})
    ).json()
    people = [await create_person(client, world.department.id, field_of_study=f) for f in ("Luật", "Kinh tế", "Luật")]
    assert (await place(client, people[2]["id"], position["id"], "2024-01-01", valid_to="2024-06-30")).status_code == 201
    rows = [
        {"person_id": people[0]["id"], "position_id": position["id"], "valid_from": "2024-01-01"},
        {"person_id": people[1]["id"], "position_id": position["id"], "valid_from": "2024-01-01", "valid_to": "2024-12-31"},
        {"person_id": people[1]["id"], "position_id": position["id"], "valid_from": "2024-06-01"},
        {"person_id": people[2]["id"], "position_id": draft["id"], "valid_from": "2024-03-01"},
        {"person_id": people[2]["id"], "position_id": position["id"], "valid_from": "2024-05-01", "is_primary": False},
    ]
    refused = assert_problem(await client.post("/placements/batch", json={"rows": rows}), 409, "placement_batch_rejected")
    problems = {p["row"]: p["errors"] for p in refused["report"]["problems"]}
    assert problems[3] == ["row 2 of the person runs from 2024-01-01 to 2024-12-31"]
    assert problems[4][0] == "the position Nháp is drafting, not approved"
    assert problems[4][1].endswith("of the person runs from 2024-01-01 to 2024-06-30")
    assert set(problems) == {3, 4}
    assert (await client.get("/placements", params={"position_id": position["id"]})).json()["items"][0]["person_id"] == (
        people[2]["id"]
    )

    rows[2]["valid_from"], rows[3] = "2025-01-01", rows[3] | {"position_id": position["id"], "valid_from": "2024-07-01"}
    done = await client.post("/placements/batch", json={"rows": rows}, headers={"Idempotency-Key": "batch-1"})
    assert done.status_code == 201, done.text
    assert done.json() == {"rows": 5, "placed": 5, "problems": []}
    again = await client.post("/placements/batch", json={"rows": rows}, headers={"Idempotency-Key": "batch-1"})
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    placed = (await client.get("/placements", params={"position_id": position["id"], "limit": 10})).json()["items"]
    assert len(placed) == 6
    assert {p["suitability"] for p in placed if p["person_id"] == people[1]["id"]} == {"partly"}
    # Each person's record follows their open primary placement, as with single placements.
    for person in people:
        assert (await client.get(f"/people/{person['id']}")).json()["agency_id"] == str(world.former_offices[0].id)
    events = (await client.get("/audit-events", params={"entity_type": "placement", "limit": 10})).json()["items"]
    assert len(events) == 6


async def test_a_batch_stays_in_the_callers_area(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    mine = await approved_position(client, test_tokens, world.new_office.id)
    theirs = await approved_position(client, test_tokens, world.department.id)
    person = await create_person(client, world.new_office.id)
    stranger = await create_person(client, world.department.id)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    rows = [
        {"person_id": person["id"], "position_id": theirs["id"], "valid_from": "2025-07-01"},
        {"person_id": stranger["id"], "position_id": mine["id"], "valid_from": "2025-07-01"},
        {
            "person_id": person["id"],
            "position_id": "00000000-0000-0000-0000-000000000999",
            "valid_from": "2025-01-01",
            "valid_to": "2025-06-30",
        },
    ]
    refused = assert_problem(
        await client.post("/placements/batch", json={"rows": rows}, headers=commune), 409, "placement_batch_rejected"
    )
    assert [p["errors"] for p in refused["report"]["problems"]] == [
        ["the position Chuyên viên is outside your area"],
        ["the person's record is outside your area"],
        ["no job position has id 00000000-0000-0000-0000-000000000999"],
    ]
    viewer = await client.post("/placements/batch", json={"rows": rows[:1]}, headers=test_tokens.headers(Role.VIEWER))
    assert_problem(viewer, 403, "role_not_allowed")
    done = await client.post("/placements/batch", json={"rows": [rows[0] | {"position_id": mine["id"]}]}, headers=commune)
    assert done.status_code == 201, done.text
