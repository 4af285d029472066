"""Plans and items: creation with items, dependencies, links checked where they live, placements, ETags, closure, events."""

import uuid
from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.plans.models import LinkKind
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .plan_helpers import (
    ASSETS,
    PERSONNEL,
    World,
    by_code,
    count,
    create_plan,
    item_body,
    plan_body,
    report,
    service_app,
    setting,
    world,
)
from .task_helpers import create_task

__all__ = ["service_app", "world"]

TYPE = "vn.gov.haicap.org"
AFTER_END = date(2025, 8, 31)


async def _latest(client: httpx.AsyncClient) -> int:
    return int((await client.get("/events/latest")).json()["latest_sequence"])


async def _events(client: httpx.AsyncClient, after: int, headers: dict[str, str] | None = None) -> list[dict]:
    response = await client.get("/events", params={"after": after, "limit": 1000}, headers=headers)
    assert response.status_code == 200, response.text
    events: list[dict] = response.json()["events"]
    return events


async def test_a_plan_is_created_with_its_items_and_published(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    s = await setting(session)
    start = await _latest(client)
    body = plan_body(
        s,
        items=[
            item_body("1.1", s.health, deadline="2025-08-15"),
            item_body("1.2", s.hoa_an, depends_on=["1.1"], measure="premises_handed_over"),
        ],
    )
    response = await client.post("/plans", json=body)
    assert response.status_code == 201, response.text
    plan = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"plans/{plan['id']}"
    assert (plan["province_code"], plan["status"], plan["code"]) == ("04", "open", "KH-01")
    items = by_code(plan)
    assert [(i["code"], i["status"], i["progress_percent"], i["commune_code"]) for i in plan["items"]] == [
        ("1.1", "not_started", 0, None),
        ("1.2", "not_started", 0, "01654"),
    ]
    assert items["1.2"]["depends_on"] == ["1.1"]
    assert items["1.2"]["measure"] == "premises_handed_over"
    assert items["1.2"]["assignee_agency_name"] == "Phòng Kinh tế xã Hòa An"

    read = await client.get(f"/plans/{plan['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == plan
    events = await _events(client, start)
    assert [e["type"] for e in events] == [f"{TYPE}.plan.created", f"{TYPE}.plan_item.created", f"{TYPE}.plan_item.created"]
    assert events[2]["data"]["record"] == items["1.2"]
    assert (events[2]["provincecode"], events[2]["communecode"]) == ("04", "01654")
    listed = (await client.get("/plans", params={"province": "04", "q": "hai cap"})).json()
    assert [p["code"] for p in listed["items"]] == ["KH-01"]

    assert_problem(await client.post("/plans", json=plan_body(s)), 409, "plan_code_taken")
    bad = plan_body(s, code="KH-02", document_url="http://caobang.gov.vn/x.pdf")
    assert_problem(await client.post("/plans", json=bad), 422, "validation_error")
    assert_problem(
        await client.post("/plans", json=plan_body(s, code="KH-03", items=[item_body("1", uuid.uuid4())])),
        409,
        "agency_not_found",
    )
    assert await count(session, "plan") == 1


async def test_dependencies_never_form_a_cycle(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    s = await setting(session)
    plan = await create_plan(
        client,
        plan_body(
            s,
            items=[
                item_body("1", s.health),
                item_body("2", s.health, depends_on=["1"]),
                item_body("3", s.health, depends_on=["2"]),
            ],
        ),
    )
    items = by_code(plan)
    first = await client.get(f"/plan-items/{items['1']['id']}")
    cyc = await client.patch(
        f"/plan-items/{items['1']['id']}", json={"depends_on": ["3"]}, headers={"If-Match": first.headers["etag"]}
    )
    body = assert_problem(cyc, 409, "dependency_cycle")
    assert "1" in body["detail"]
    itself = await client.patch(f"/plan-items/{items['2']['id']}", json={"depends_on": ["2"]}, headers={"If-Match": '"1"'})
    assert_problem(itself, 409, "dependency_cycle")
    assert_problem(
        await client.patch(f"/plan-items/{items['2']['id']}", json={"depends_on": ["9"]}, headers={"If-Match": '"1"'}),
        409,
        "dependency_not_found",
    )
    in_body = plan_body(
        s, code="KH-02", items=[item_body("a", s.health, depends_on=["b"]), item_body("b", s.health, depends_on=["a"])]
    )
    assert_problem(await client.post("/plans", json=in_body), 409, "dependency_cycle")
    # Dropping a dependency is fine, and a new version.
    fine = await client.patch(f"/plan-items/{items['3']['id']}", json={"depends_on": ["1"]}, headers={"If-Match": '"1"'})
    assert fine.status_code == 200, fine.text
    assert (fine.json()["depends_on"], fine.headers["etag"]) == (["1"], '"2"')


async def test_links_are_checked_where_the_records_live(
    client: httpx.AsyncClient, session: AsyncSession, world: World, cao_bang
) -> None:
    s = await setting(session)
    task = await create_task(client, s.health)
    position = world.add(LinkKind.POSITION)
    asset = world.add(LinkKind.ASSET)
    links = [
        {"kind": "task", "target_id": task["id"]},
        {"kind": "agency", "target_id": str(s.hoa_an)},
        {"kind": "position", "target_id": str(position)},
        {"kind": "asset", "target_id": str(asset)},
    ]
    plan = await create_plan(client, plan_body(s, items=[item_body("1", s.hoa_an, links=links)]))
    [item] = plan["items"]
    assert {(link["kind"], link["target_id"]) for link in item["links"]} == {(x["kind"], x["target_id"]) for x in links}

    before = (await count(session, "plan_item"), await count(session, "plan_item_link"), await count(session, "audit_event"))
    unknown = item_body("2", s.hoa_an, links=[{"kind": "disposition", "target_id": str(uuid.uuid4())}])
    body = assert_problem(await client.post(f"/plans/{plan['id']}/items", json=unknown), 409, "link_target_not_found")
    assert body["kind"] == "disposition"
    no_task = item_body("2", s.hoa_an, links=[{"kind": "task", "target_id": str(uuid.uuid4())}])
    assert_problem(await client.post(f"/plans/{plan['id']}/items", json=no_task), 409, "link_target_not_found")

    world.down.add(ASSETS)
    down = item_body("2", s.hoa_an, links=[{"kind": "asset", "target_id": str(asset)}])
    body = assert_problem(await client.post(f"/plans/{plan['id']}/items", json=down), 503, "upstream_unavailable")
    assert body["service"] == ASSETS
    patch = await client.patch(
        f"/plan-items/{item['id']}", json={"links": [{"kind": "asset", "target_id": str(asset)}]}, headers={"If-Match": '"1"'}
    )
    assert_problem(patch, 503, "upstream_unavailable")
    assert (
        await count(session, "plan_item"),
        await count(session, "plan_item_link"),
        await count(session, "audit_event"),
    ) == before
    world.down.clear()
    patch = await client.patch(
        f"/plan-items/{item['id']}", json={"links": [{"kind": "asset", "target_id": str(asset)}]}, headers={"If-Match": '"1"'}
    )
    assert patch.status_code == 200, patch.text
    assert patch.json()["links"] == [{"kind": "asset", "target_id": str(asset)}]


async def test_a_person_is_assigned_through_a_placement_in_force_in_the_agency(
    client: httpx.AsyncClient, session: AsyncSession, world: World, cao_bang
) -> None:
    s = await setting(session)
    placement = world.place(s.hoa_an)
    ended = world.place(s.hoa_an, valid_to=AFTER_END)
    elsewhere = world.place(s.nam_tuan)
    plan = await create_plan(client, plan_body(s, items=[item_body("1", s.hoa_an, assignee_placement_id=str(placement.id))]))
    [item] = plan["items"]
    assert (item["assignee_placement_id"], item["assignee_person_id"]) == (str(placement.id), str(placement.person_id))
    url = f"/plans/{plan['id']}/items"
    assert_problem(
        await client.post(url, json=item_body("2", s.hoa_an, assignee_placement_id=str(ended.id))), 409, "placement_not_in_force"
    )
    assert_problem(
        await client.post(url, json=item_body("2", s.hoa_an, assignee_placement_id=str(elsewhere.id))),
        409,
        "placement_of_other_agency",
    )
    assert_problem(
        await client.post(url, json=item_body("2", s.hoa_an, assignee_placement_id=str(uuid.uuid4()))), 409, "placement_not_found"
    )
    world.down.add(PERSONNEL)
    assert_problem(
        await client.post(url, json=item_body("2", s.hoa_an, assignee_placement_id=str(placement.id))),
        503,
        "upstream_unavailable",
    )
    world.down.clear()
    # Moving the item to Nam Tuấn with its placement there names that person; without one, nobody.
    moved = await client.patch(
        f"/plan-items/{item['id']}",
        json={"assignee_agency_id": str(s.nam_tuan), "assignee_placement_id": str(elsewhere.id)},
        headers={"If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["commune_code"], moved.json()["assignee_person_id"]) == ("01660", str(elsewhere.person_id))
    assert_problem(
        await client.patch(f"/plan-items/{item['id']}", json={"assignee_agency_id": str(s.hoa_an)}, headers={"If-Match": '"2"'}),
        409,
        "placement_of_other_agency",
    )


async def test_etags_guard_every_change(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    s = await setting(session)
    plan = await create_plan(client, plan_body(s, items=[item_body("1", s.health)]))
    url = f"/plans/{plan['id']}"
    assert_problem(await client.patch(url, json={"title": "Kế hoạch mới"}), 428, "if_match_required")
    assert_problem(await client.patch(url, json={"title": "Kế hoạch mới"}, headers={"If-Match": '"7"'}), 412, "stale_version")
    changed = await client.patch(url, json={"title": "Kế hoạch mới"}, headers={"If-Match": '"1"'})
    assert (changed.status_code, changed.headers["etag"], changed.json()["title"]) == (200, '"2"', "Kế hoạch mới")
    item_url = f"/plan-items/{plan['items'][0]['id']}"
    assert_problem(await client.patch(item_url, json={"deadline": "2025-10-31"}), 428, "if_match_required")
    assert_problem(
        await client.post(f"{item_url}/progress", json={"reported_on": "2025-08-01", "percent": 10}), 428, "if_match_required"
    )
    assert_problem(
        await client.post(f"{item_url}/progress", json={"reported_on": "2025-08-01", "percent": 10}, headers={"If-Match": '"9"'}),
        412,
        "stale_version",
    )
    assert_problem(await client.patch(item_url, json={"status": "done"}, headers={"If-Match": '"1"'}), 409, "status_not_settable")


async def test_only_the_province_writes_plans(
    client: httpx.AsyncClient, session: AsyncSession, test_tokens: TestTokens, cao_bang
) -> None:
    s = await setting(session)
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="06")
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert_problem(await client.post("/plans", json=plan_body(s), headers=commune), 403, "role_not_allowed")
    assert_problem(await client.post("/plans", json=plan_body(s), headers=other_province), 403, "outside_area")
    created = await client.post("/plans", json=plan_body(s), headers=province)
    assert created.status_code == 201, created.text
    assert_problem(await client.get(f"/plans/{created.json()['id']}", headers=other_province), 403, "outside_area")
    assert (await client.get("/plans", headers=other_province)).json()["items"] == []


async def test_a_commune_officer_sees_the_plan_with_their_communes_items(
    client: httpx.AsyncClient, session: AsyncSession, test_tokens: TestTokens, cao_bang
) -> None:
    s = await setting(session)
    plan = await create_plan(
        client, plan_body(s, items=[item_body("1", s.health), item_body("2", s.hoa_an), item_body("3", s.nam_tuan)])
    )
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    seen = await client.get(f"/plans/{plan['id']}", headers=commune)
    assert seen.status_code == 200, seen.text
    assert [i["code"] for i in seen.json()["items"]] == ["2"]
    listed = await client.get(f"/plans/{plan['id']}/items", headers=commune)
    assert [i["code"] for i in listed.json()] == ["2"]
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    assert [i["code"] for i in (await client.get(f"/plans/{plan['id']}", headers=province)).json()["items"]] == ["1", "2", "3"]
    filtered = await client.get(f"/plans/{plan['id']}/items", params={"commune": "01660"}, headers=province)
    assert [i["code"] for i in filtered.json()] == ["3"]
    nam_tuan_item = by_code(plan)["3"]["id"]
    assert_problem(await client.get(f"/plan-items/{nam_tuan_item}", headers=commune), 403, "outside_area")


async def test_closing_a_plan_freezes_it(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    s = await setting(session)
    plan = await create_plan(client, plan_body(s, items=[item_body("1", s.health), item_body("2", s.health)]))
    items = by_code(plan)
    start = await _latest(client)
    close = {
        "closed_on": "2025-12-31",
        "assessment": "Hoàn thành cơ bản các nhiệm vụ",
        "rating": "good",
        "item_assessments": [{"item_id": items["1"]["id"], "assessment": "Đúng hạn"}],
    }
    assert_problem(await client.post(f"/plans/{plan['id']}/close", json=close), 428, "if_match_required")
    closed = await client.post(f"/plans/{plan['id']}/close", json=close, headers={"If-Match": '"1"'})
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["status"], body["closed_on"], body["rating"], closed.headers["etag"]) == ("closed", "2025-12-31", "good", '"2"')
    assert by_code(body)["1"]["assessment"] == "Đúng hạn"
    assert [e["type"] for e in await _events(client, start)] == [f"{TYPE}.plan.closed", f"{TYPE}.plan_item.updated"]
    assert_problem(await client.post(f"/plans/{plan['id']}/close", json=close, headers={"If-Match": '"2"'}), 409, "plan_closed")
    assert_problem(
        await client.patch(f"/plans/{plan['id']}", json={"title": "x"}, headers={"If-Match": '"2"'}), 409, "plan_closed"
    )
    assert_problem(await client.post(f"/plans/{plan['id']}/items", json=item_body("3", s.health)), 409, "plan_closed")
    assert_problem(await report(client, items["2"]["id"], reported_on="2025-12-01", percent=50), 409, "plan_closed")
    assert (await client.get("/plans", params={"status": "closed"})).json()["items"][0]["id"] == plan["id"]
