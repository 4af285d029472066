"""Career events: typed, each on its decision, checked against the person's dates; areas, If-Match, deletion, the feed."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .career_helpers import DECISION, event_body, record
from .conftest import World
from .helpers import create_person


async def test_an_event_is_recorded_on_its_decision_in_the_persons_area(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    response = await client.post("/career-events", json=event_body(person["id"], note="Tuyển dụng công chức cấp xã"))
    assert response.status_code == 201, response.text
    event = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"career-events/{event['id']}"
    assert event["decision"] == DECISION
    assert (event["type"], event["effective_date"], event["end_date"], event["document"]) == (
        "recruitment",
        "2025-07-01",
        None,
        None,
    )
    assert (event["agency_id"], event["province_code"], event["commune_code"]) == (str(world.new_office.id), "04", "01010")
    read = await client.get(f"/career-events/{event['id']}")
    assert read.json() == event
    assert read.headers["etag"] == '"1"'
    audit = (await client.get("/audit-events", params={"entity_type": "career_event"})).json()["items"]
    assert [(a["action"], a["entity_id"]) for a in audit] == [("create", event["id"])]
    feed = (await client.get("/events", params={"after": 0, "type": "vn.gov.haicap.personnel.career_event"})).json()
    assert [e["type"] for e in feed["events"]] == ["vn.gov.haicap.personnel.career_event.created"]
    assert feed["events"][0]["data"]["record"] == event
    assert feed["events"][0]["communecode"] == "01010"


async def test_each_type_asks_for_what_it_changes(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id)
    pid = person["id"]
    cases = [
        (event_body(pid, "transfer"), "a transfer needs to_agency_id"),
        (event_body(pid, "appointment"), "a appointment needs position_code"),
        (event_body(pid, "grade_change"), "a grade_change needs grade_code"),
        (event_body(pid, "salary_step_change"), "a salary_step_change needs salary_step"),
        (event_body(pid, "secondment", to_agency_id=str(world.new_office.id)), "a secondment needs end_date"),
        (event_body(pid, "retirement", end_date="2030-01-01"), "a retirement has no end_date"),
        (event_body(pid, "resignation", salary_step=3), "a resignation has no salary_step"),
        (event_body(pid, "salary_step_change", salary_step=0), "greater than or equal to 1"),
        (event_body(pid, "rotation", to_agency_id=str(world.new_office.id), end_date="2025-06-30"), "end_date is before"),
        (event_body(pid) | {"decision": {"number": "1/QĐ"}}, "Field required"),
        (event_body(pid, note="a\u0000b"), "may not contain a NUL character"),
        (event_body(pid) | {"decision": DECISION | {"signer": "\u0000"}}, "may not contain a NUL character"),
    ]
    for body, reason in cases:
        problem = assert_problem(await client.post("/career-events", json=body), 422, "validation_error")
        assert reason in problem["detail"], (body, problem["detail"])
    step = await record(client, pid, "salary_step_change", salary_step=4, salary_coefficient="3.33")
    assert (step["salary_step"], step["salary_coefficient"]) == (4, "3.33")
    moved = await record(client, pid, "secondment", to_agency_id=str(world.new_office.id), end_date="2026-06-30")
    # NOTE: the agency the person leaves is their own unless the decision names another.
    assert (moved["from_agency_id"], moved["to_agency_id"]) == (str(world.department.id), str(world.new_office.id))
    missing_agency = event_body(pid, "transfer", to_agency_id="00000000-0000-0000-0000-000000000999")
    assert_problem(await client.post("/career-events", json=missing_agency), 409, "agency_not_found")
    assert len((await client.get("/career-events", params={"person_id": pid})).json()["items"]) == 2


async def test_dates_fit_the_person_and_the_decision(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id, birth_date="2001-05-20")
    too_young = await client.post("/career-events", json=event_body(person["id"], effective_date="2016-05-19"))
    assert "before the person turns 15 (2016-05-20)" in assert_problem(too_young, 409, "invalid_career_event")["detail"]
    future = event_body(person["id"]) | {"decision": DECISION | {"date": "2099-01-01"}}
    assert (
        "after today" in assert_problem(await client.post("/career-events", json=future), 409, "invalid_career_event")["detail"]
    )
    late = event_body(person["id"], effective_date="2020-01-01")
    assert (
        "more than 366 days after"
        in assert_problem(await client.post("/career-events", json=late), 409, "invalid_career_event")["detail"]
    )
    assert (await client.post("/career-events", json=event_body(person["id"], effective_date="2016-05-20"))).status_code == 409
    fifteen = event_body(person["id"], effective_date="2016-05-20") | {"decision": DECISION | {"date": "2016-05-01"}}
    assert (await client.post("/career-events", json=fifteen)).status_code == 201
    assert_problem(
        await client.post("/career-events", json=event_body("00000000-0000-0000-0000-000000000999")), 409, "person_not_found"
    )


async def test_a_correction_needs_if_match_and_is_checked_again(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id)
    event = await record(client, person["id"], "salary_step_change", salary_step=2)
    url = f"/career-events/{event['id']}"
    assert_problem(await client.patch(url, json={"salary_step": 3}), 428, "if_match_required")
    assert_problem(await client.patch(url, json={"salary_step": 3}, headers={"If-Match": '"7"'}), 412, "stale_version")
    refused = await client.patch(url, json={"end_date": "2026-01-01"}, headers={"If-Match": '"1"'})
    assert "a salary_step_change has no end_date" in assert_problem(refused, 422, "invalid_career_event_fields")["detail"]
    changed = await client.patch(
        url, json={"salary_step": 3, "decision": DECISION | {"number": "126/QĐ-UBND"}}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["salary_step"], changed.json()["decision"]["number"], changed.headers["etag"]) == (
        3,
        "126/QĐ-UBND",
        '"2"',
    )
    feed = (await client.get("/events", params={"after": 0, "type": "vn.gov.haicap.personnel.career_event"})).json()["events"]
    assert [e["type"].rsplit(".", 1)[1] for e in feed] == ["created", "updated"]
    assert sorted(feed[1]["data"]["changed_fields"]) == ["decision_number", "salary_step"]


async def test_only_admins_delete_and_never_an_event_a_placement_names(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.department.id)
    event = await record(client, person["id"])
    url = f"/career-events/{event['id']}"
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert_problem(await client.delete(url, headers=province | {"If-Match": '"1"'}), 403, "role_not_allowed")
    assert_problem(await client.delete(url), 428, "if_match_required")
    deleted = await client.delete(url, headers={"If-Match": '"1"'})
    assert deleted.status_code == 204, deleted.text
    assert_problem(await client.get(url), 404, "career_event_not_found")
    audit = (await client.get("/audit-events", params={"entity_type": "career_event", "entity_id": event["id"]})).json()["items"]
    assert [a["action"] for a in audit] == ["create", "delete"]
    assert audit[1]["before"]["decision_number"] == DECISION["number"]


async def test_areas_and_filters(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    communal = await create_person(client, world.new_office.id)
    provincial = await create_person(client, world.department.id)
    first = await record(client, communal["id"])
    second = await record(
        client, provincial["id"], "appointment", position_code="chu-tich-ubnd-tinh", effective_date="2025-08-01"
    )
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    other = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01001")
    viewer = test_tokens.headers(Role.VIEWER)
    listed = (await client.get("/career-events", headers=commune)).json()["items"]
    assert [e["id"] for e in listed] == [first["id"]]
    assert (await client.get("/career-events", headers=other)).json()["items"] == []
    assert_problem(await client.get(f"/career-events/{first['id']}", headers=other), 403, "outside_area")
    assert_problem(await client.get("/career-events", headers=viewer), 403, "role_not_allowed")
    refused = await client.post("/career-events", json=event_body(provincial["id"]), headers=commune)
    assert_problem(refused, 403, "outside_area")
    every = (await client.get("/career-events")).json()["items"]
    assert [e["id"] for e in every] == [first["id"], second["id"]]
    by_type = (await client.get("/career-events", params={"type": "appointment"})).json()["items"]
    assert [e["id"] for e in by_type] == [second["id"]]
    in_range = await client.get("/career-events", params={"effective_from": "2025-07-15", "effective_to": "2025-12-31"})
    assert [e["id"] for e in in_range.json()["items"]] == [second["id"]]
    first_page = (await client.get("/career-events", params={"limit": 1})).json()
    assert [e["id"] for e in first_page["items"]] == [first["id"]]
    next_page = (await client.get("/career-events", params={"limit": 1, "cursor": first_page["next"]})).json()
    assert ([e["id"] for e in next_page["items"]], next_page["next"]) == ([second["id"]], None)
