"""Job positions through their approval, and staffing quotas under the merger ceiling."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import approved_position


async def _step(
    client: httpx.AsyncClient, position: dict, action: str, headers: dict, reason: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/positions/{position['id']}/transitions",
        json={"action": action, "reason": reason},
        headers=headers | {"If-Match": f'"{position["version"]}"'},
    )


async def test_each_step_is_taken_by_its_role_and_recorded(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    admin = test_tokens.headers(Role.ADMIN)
    created = await client.post(
        "/positions",
        json={
            "agency_id": str(world.new_economic.id),
            "title": "Chuyên viên nông nghiệp",
            "group": "professional",
            "required_fields": ["Nông nghiệp"],
        },
        headers=commune,
    )
    assert created.status_code == 201, created.text
    position = created.json()
    assert position["status"] == "drafting"
    assert_problem(await _step(client, position, "appraise", province), 409, "transition_not_allowed")
    position = (await _step(client, position, "submit", commune)).json()
    assert_problem(await _step(client, position, "appraise", commune), 403, "role_not_allowed")
    assert_problem(await _step(client, position, "approve", admin), 409, "transition_not_allowed")
    assert_problem(await _step(client, position, "return", province), 422, "validation_error")  # reasons required
    returned = await _step(client, position, "return", province, "Thiếu mô tả công việc")
    position = returned.json()
    assert (position["status"], position["returned_reason"]) == ("returned", "Thiếu mô tả công việc")
    edited = await client.patch(
        f"/positions/{position['id']}", json={"posts": 2}, headers=commune | {"If-Match": f'"{position["version"]}"'}
    )
    position = edited.json()
    position = (await _step(client, position, "submit", commune)).json()
    position = (await _step(client, position, "appraise", province)).json()
    assert_problem(await _step(client, position, "approve", province), 403, "role_not_allowed")
    stale = await client.post(
        f"/positions/{position['id']}/transitions", json={"action": "approve"}, headers=admin | {"If-Match": '"1"'}
    )
    assert_problem(stale, 412, "stale_version")
    position = (await _step(client, position, "approve", admin)).json()
    assert position["status"] == "approved"
    assert_problem(
        await client.patch(f"/positions/{position['id']}", json={"posts": 3}, headers={"If-Match": f'"{position["version"]}"'}),
        409,
        "position_not_editable",
    )
    history = (await client.get(f"/positions/{position['id']}/history")).json()["items"]
    assert [(h["action"], h["to_status"], h["actor_role"]) for h in history] == [
        ("create", "drafting", "commune_officer"),
        ("submit", "submitted", "commune_officer"),
        ("return", "returned", "province_officer"),
        ("submit", "submitted", "commune_officer"),
        ("appraise", "appraised", "province_officer"),
        ("approve", "approved", "admin"),
    ]


async def test_a_merged_commune_stays_within_its_former_units_quotas(client: httpx.AsyncClient, world: World) -> None:
    body = {"agency_id": str(world.new_office.id), "year": 2026, "posts": 30}
    unknown = assert_problem(await client.post("/quotas", json=body), 409, "predecessor_quotas_unknown")
    assert [p["code"] for p in unknown["predecessors"]] == ["01001", "01002", "01003"]
    for office, posts in zip(world.former_offices, (12, 10, 9), strict=True):
        response = await client.post("/quotas", json={"agency_id": str(office.id), "year": 2025, "posts": posts})
        assert response.status_code == 201, response.text
    above = assert_problem(await client.post("/quotas", json=body | {"posts": 32}), 409, "quota_above_predecessors")
    assert (above["ceiling"], above["requested_total"]) == (31, 32)
    assert "Xã Một (01001): 12" in above["detail"]
    assert "Xã Mới" in above["detail"]
    assert [(p["name"], p["posts"], p["year"]) for p in above["predecessors"]] == [
        ("Xã Một", 12, 2025),
        ("Xã Hai", 10, 2025),
        ("Xã Ba", 9, 2025),
    ]
    office = await client.post("/quotas", json=body | {"posts": 20})
    assert office.status_code == 201
    assert_problem(
        await client.post("/quotas", json={"agency_id": str(world.new_economic.id), "year": 2026, "posts": 12}),
        409,
        "quota_above_predecessors",
    )
    economic = await client.post("/quotas", json={"agency_id": str(world.new_economic.id), "year": 2026, "posts": 11})
    assert economic.status_code == 201
    raise_ = await client.patch(f"/quotas/{office.json()['id']}", json={"posts": 21}, headers={"If-Match": '"1"'})
    assert_problem(raise_, 409, "quota_above_predecessors")
    assert (await client.get(f"/quotas/{office.json()['id']}")).json()["posts"] == 20
    assert_problem(await client.post("/quotas", json=body | {"posts": 1}), 409, "quota_exists")
    assert len((await client.get("/quotas", params={"year": 2026})).json()["items"]) == 2


async def test_helper_positions_are_approved(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    assert (await approved_position(client, test_tokens, world.department.id))["status"] == "approved"
