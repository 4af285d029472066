"""Placements name the career event that made them; a bulk re-placement with a decision records one transfer per person."""

import httpx

from haicap_shared.testing import TestTokens, assert_problem

from .career_helpers import DECISION, record
from .conftest import World
from .helpers import approved_position, create_person, place


async def test_a_placement_names_its_own_persons_event(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    position = await approved_position(client, test_tokens, world.department.id)
    person = await create_person(client, world.department.id)
    other = await create_person(client, world.department.id)
    event = await record(client, person["id"], "appointment", position_code="chu-tich-ubnd-tinh")
    theirs = await record(client, other["id"])
    assert_problem(
        await place(client, person["id"], position["id"], "2025-07-01", career_event_id=theirs["id"]),
        409,
        "career_event_of_another_person",
    )
    missing = "00000000-0000-0000-0000-000000000999"
    assert_problem(
        await place(client, person["id"], position["id"], "2025-07-01", career_event_id=missing), 409, "career_event_not_found"
    )
    placed = await place(client, person["id"], position["id"], "2025-07-01", career_event_id=event["id"])
    assert placed.status_code == 201, placed.text
    assert placed.json()["career_event_id"] == event["id"]
    assert (await client.get(f"/placements/{placed.json()['id']}")).json()["career_event_id"] == event["id"]
    assert (await client.get("/placements", params={"person_id": other["id"]})).json()["items"] == []
    # An event a placement names is not deleted.
    refused = await client.delete(f"/career-events/{event['id']}", headers={"If-Match": '"1"'})
    assert_problem(refused, 409, "career_event_in_use")
    batch = await client.post(
        "/placements/batch",
        json={
            "rows": [
                {
                    "person_id": other["id"],
                    "position_id": position["id"],
                    "valid_from": "2025-07-01",
                    "career_event_id": event["id"],
                },
                {"person_id": other["id"], "position_id": position["id"], "valid_from": "2025-08-01", "career_event_id": missing},
            ]
        },
    )
    problems = assert_problem(batch, 409, "placement_batch_rejected")["report"]["problems"]
    assert [(p["row"], p["errors"][0]) for p in problems] == [
        (1, f"the career event {event['id']} is another person's"),
        (2, f"no career event has id {missing}"),
    ]


async def test_a_bulk_replacement_with_a_decision_records_a_transfer_per_person(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    former = [await approved_position(client, test_tokens, o.id) for o in world.former_offices[:2]]
    new = await approved_position(client, test_tokens, world.new_office.id)
    people = [await create_person(client, o.id) for o in world.former_offices[:2]]
    for person, position in zip(people, former, strict=True):
        assert (await place(client, person["id"], position["id"], "2020-01-01")).status_code == 201
    bulk = {
        "effective_date": "2025-07-01",
        "from_agency_ids": [str(o.id) for o in world.former_offices[:2]],
        "rows": [{"person_id": p["id"], "position_id": new["id"]} for p in people],
        "decision": DECISION | {"number": "300/QĐ-UBND"},
    }
    future = bulk | {"decision": DECISION | {"date": "2099-01-01"}}
    assert_problem(await client.post("/placements/bulk", json=future), 409, "invalid_career_event")
    assert (await client.get("/career-events")).json()["items"] == []

    done = await client.post("/placements/bulk", json=bulk)
    assert done.status_code == 200, done.text
    assert (done.json()["placed"], done.json()["ended"], done.json()["career_events"]) == (2, 2, 2)
    events = (await client.get("/career-events", params={"type": "transfer"})).json()["items"]
    assert sorted((e["person_id"], e["from_agency_id"]) for e in events) == sorted(
        (p["id"], str(o.id)) for p, o in zip(people, world.former_offices[:2], strict=True)
    )
    for event in events:
        assert (event["to_agency_id"], event["agency_id"], event["commune_code"]) == (
            str(world.new_office.id),
            str(world.new_office.id),
            "01010",
        )
        assert (event["effective_date"], event["decision"]["number"]) == ("2025-07-01", "300/QĐ-UBND")
    placements = (await client.get("/placements", params={"as_of": "2025-07-01"})).json()["items"]
    assert sorted((p["person_id"], p["career_event_id"]) for p in placements) == sorted((e["person_id"], e["id"]) for e in events)
    feed = (await client.get("/events", params={"after": 0, "type": "vn.gov.haicap.personnel.career_event"})).json()["events"]
    assert sorted(e["data"]["record"]["id"] for e in feed) == sorted(e["id"] for e in events)
    history = (await client.get(f"/people/{people[0]['id']}/history")).json()["entries"]
    assert [(h["type"], h["title"]) for h in history] == [("transfer", "Điều động")]
