"""Tasks: creating, reading, listing, changing and deleting, with owners, areas and audit."""

import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.tasks.models import ownership_table, task_table
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .task_helpers import cao_bang_agencies, create_task, task_body


async def _count(session: AsyncSession) -> tuple[int, int]:
    tasks = await session.scalar(select(func.count()).select_from(task_table))
    owners = await session.scalar(select(func.count()).select_from(ownership_table))
    return int(tasks or 0), int(owners or 0)


async def test_create_a_task_with_its_first_owner(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    response = await client.post("/tasks", json=task_body(ag.health))
    assert response.status_code == 201, response.text
    task = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"tasks/{task['id']}"
    assert (task["code"], task["province_code"], task["level"]) == ("NV-001", "04", "province")
    assert (task["owner_agency_id"], task["owner_agency_name"], task["owner_since"]) == (str(ag.health), "Sở Y tế", "2020-01-01")

    history = (await client.get(f"/tasks/{task['id']}/ownership")).json()
    assert [(h["agency_name"], h["level"], h["is_lead"], h["valid_from"], h["valid_to"]) for h in history] == [
        ("Sở Y tế", "province", True, "2020-01-01", None)
    ]
    [event] = (await client.get("/audit-events", params={"entity_id": task["id"]})).json()["items"]
    assert (event["action"], event["entity_type"], event["after"]["owners"][0]["agency_id"]) == ("create", "task", str(ag.health))


async def test_a_code_is_unique_within_the_province(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    await create_task(client, ag.health)
    before = await _count(session)
    assert_problem(await client.post("/tasks", json=task_body(ag.home_affairs)), 409, "task_code_taken")
    assert await _count(session) == before


async def test_the_owner_must_exist_and_be_in_force(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    assert_problem(await client.post("/tasks", json=task_body(uuid.uuid4())), 409, "owner_not_found")
    # The commune office exists only from 2025-07-01; the district office only until 2025-06-30.
    body = assert_problem(await client.post("/tasks", json=task_body(ag.hoa_an_commune)), 409, "owner_not_in_force")
    assert "2025-07-01" in body["detail"]
    assert_problem(
        await client.post("/tasks", json=task_body(ag.hoa_an_office, valid_from="2025-07-01")), 409, "owner_not_in_force"
    )
    assert await _count(session) == (0, 0)


async def test_an_owner_outside_the_callers_area_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    body = assert_problem(await client.post("/tasks", json=task_body(ag.health), headers=other_province), 403, "outside_area")
    assert "Sở Y tế" in body["detail"]
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01654")
    assert_problem(await client.post("/tasks", json=task_body(ag.health), headers=commune), 403, "outside_area")
    mine = task_body(ag.hoa_an_commune, valid_from="2025-07-01")
    assert (await client.post("/tasks", json=mine, headers=commune)).status_code == 201
    assert await _count(session) == (1, 1)


async def test_a_shared_task_has_one_lead_and_co_owners(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    not_shared = task_body(ag.health, co_owner_agency_ids=[str(ag.home_affairs)])
    assert_problem(await client.post("/tasks", json=not_shared), 422, "validation_error")
    task = await create_task(client, ag.health, shared=True, co_owner_agency_ids=[str(ag.home_affairs)])
    history = (await client.get(f"/tasks/{task['id']}/ownership")).json()
    assert [(h["agency_name"], h["is_lead"]) for h in history] == [("Sở Y tế", True), ("Sở Nội vụ", False)]
    assert task["owner_agency_name"] == "Sở Y tế"
    # A shared task with co-owners cannot simply become unshared.
    assert_problem(
        await client.patch(f"/tasks/{task['id']}", json={"shared": False}, headers={"If-Match": '"1"'}), 409, "task_has_co_owners"
    )


async def test_a_task_handed_down_by_a_ministry_records_its_origin(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    ag = await cao_bang_agencies(session)
    origin = {"mode": "decentralised", "from_authority": "Bộ Y tế", "legal_basis": "Nghị định 148/2025/NĐ-CP"}
    task = await create_task(client, ag.health, valid_from="2025-07-01", origin=origin)
    [transfer] = (await client.get("/task-transfers", params={"task_id": task["id"]})).json()["items"]
    assert (transfer["from_level"], transfer["from_agency_id"], transfer["from_authority"]) == ("central", None, "Bộ Y tế")
    assert (transfer["to_level"], transfer["to_agency_name"], transfer["mode"]) == ("province", "Sở Y tế", "decentralised")
    [ownership] = (await client.get(f"/tasks/{task['id']}/ownership")).json()
    assert ownership["transfer_id"] == transfer["id"]
    bad = origin | {"mode": "returned"}
    assert_problem(await client.post("/tasks", json=task_body(ag.health, "NV-002", origin=bad)), 422, "validation_error")


async def test_list_filters_and_search(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    await create_task(client, ag.health, "NV-003")
    await create_task(client, ag.home_affairs, "NV-001", title="Quản lý biên chế công chức", sector="Nội vụ")
    await create_task(client, ag.hoa_an_office, "NV-002", title="Quản lý đất đai", sector="Đất đai")
    await create_task(
        client, ag.nam_tuan_commune, "NV-004", title="Quản lý đất đai cấp xã", sector="Đất đai", valid_from="2025-07-01"
    )

    async def codes(**params: str) -> list[str]:
        response = await client.get("/tasks", params=params)
        assert response.status_code == 200, response.text
        return [t["code"] for t in response.json()["items"]]

    assert await codes() == ["NV-001", "NV-002", "NV-003", "NV-004"]
    assert await codes(as_of="2025-06-30") == ["NV-001", "NV-002", "NV-003"]
    assert await codes(as_of="2025-06-30", level="district") == ["NV-002"]
    assert await codes(as_of="2025-07-01", level="commune") == ["NV-004"]
    assert await codes(level="district") == ["NV-002"]  # today it is still (wrongly) held by the ended office
    assert await codes(sector="Đất đai") == ["NV-002", "NV-004"]
    assert await codes(q="dat dai") == ["NV-002", "NV-004"]
    assert await codes(q="BIÊN CHẾ") == ["NV-001"]
    assert await codes(q="NV-003") == ["NV-003"]
    assert await codes(agency_id=str(ag.health)) == ["NV-003"]
    commune_unit = (await client.get("/units/by-code/01660", params={"as_of": "2025-07-01"})).json()["id"]
    assert await codes(unit_id=commune_unit) == ["NV-004"]
    assert await codes(province="08") == []

    first = (await client.get("/tasks", params={"limit": 3})).json()
    assert [t["code"] for t in first["items"]] == ["NV-001", "NV-002", "NV-003"]
    second = (await client.get("/tasks", params={"limit": 3, "cursor": first["next"]})).json()
    assert ([t["code"] for t in second["items"]], second["next"]) == (["NV-004"], None)


async def test_reads_follow_the_owners_area(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    ag = await cao_bang_agencies(session)
    provincial = await create_task(client, ag.health, "NV-001")
    communal = await create_task(client, ag.nam_tuan_commune, "NV-002", valid_from="2025-07-01")

    async def codes(headers: dict[str, str]) -> list[str]:
        response = await client.get("/tasks", headers=headers)
        assert response.status_code == 200, response.text
        return [t["code"] for t in response.json()["items"]]

    assert await codes(test_tokens.headers(Role.AUDITOR)) == ["NV-001", "NV-002"]
    assert await codes(test_tokens.headers(Role.PROVINCE_OFFICER, province="04")) == ["NV-001", "NV-002"]
    assert await codes(test_tokens.headers(Role.PROVINCE_OFFICER, province="08")) == []
    nam_tuan = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01660")
    assert await codes(nam_tuan) == ["NV-002"]
    health_officer = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(ag.health))
    assert await codes(health_officer) == ["NV-001"]
    assert (await client.get(f"/tasks/{communal['id']}", headers=nam_tuan)).status_code == 200
    assert_problem(await client.get(f"/tasks/{provincial['id']}", headers=nam_tuan), 403, "outside_area")
    assert_problem(await client.get(f"/tasks/{uuid.uuid4()}", headers=nam_tuan), 404, "task_not_found")
    assert_problem(await client.get("/tasks", headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")


async def test_patch_needs_a_fresh_etag_and_is_audited(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    task = await create_task(client, ag.health, legal_basis=None)
    url = f"/tasks/{task['id']}"
    assert_problem(await client.patch(url, json={"legal_basis": "Luật 15/2023/QH15"}), 428, "if_match_required")
    response = await client.patch(url, json={"legal_basis": "Luật 15/2023/QH15"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert (response.json()["legal_basis"], response.headers["etag"]) == ("Luật 15/2023/QH15", '"2"')
    body = assert_problem(await client.patch(url, json={"title": "Khác"}, headers={"If-Match": '"1"'}), 412, "stale_version")
    assert body["current_etag"] == '"2"'
    assert (await client.get(url)).json()["title"] == task["title"]
    response = await client.patch(url, json={"title": "Cấp phép hành nghề"}, headers={"If-Match": '"2"'})
    assert (await client.get("/tasks", params={"q": "hanh nghe"})).json()["items"][0]["id"] == task["id"]
    events = (await client.get("/audit-events", params={"entity_id": task["id"]})).json()["items"]
    assert [e["action"] for e in events] == ["create", "update", "update"]
    assert (events[1]["before"]["legal_basis"], events[1]["after"]["legal_basis"]) == (None, "Luật 15/2023/QH15")


async def test_delete_only_what_never_moved(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    task = await create_task(client, ag.health)
    moved = await create_task(client, ag.hoa_an_office, "NV-002")
    transfer = {"to_agency_id": str(ag.hoa_an_commune), "mode": "taken_over_from_district", "effective_date": "2025-07-01"}
    response = await client.post(
        f"/tasks/{moved['id']}/transfers", json=transfer | {"legal_basis": "Luật 72/2025/QH15"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 201, response.text
    assert_problem(await client.delete(f"/tasks/{moved['id']}", headers={"If-Match": '"2"'}), 409, "task_in_use")
    assert (await client.delete(f"/tasks/{task['id']}", headers={"If-Match": '"1"'})).status_code == 204
    assert_problem(await client.get(f"/tasks/{task['id']}"), 404, "task_not_found")
    assert await _count(session) == (1, 2)


async def test_idempotent_create(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    ag = await cao_bang_agencies(session)
    headers = {"Idempotency-Key": "task-create-1"}
    first = await client.post("/tasks", json=task_body(ag.health), headers=headers)
    again = await client.post("/tasks", json=task_body(ag.health), headers=headers)
    assert (first.status_code, again.status_code, again.headers["idempotent-replayed"]) == (201, 201, "true")
    assert first.json() == again.json()
    assert await _count(session) == (1, 1)


async def test_the_task_routes_declare_their_problems(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "tasks" in paths["/tasks"]["get"]["tags"]
    assert "task_code_taken" in paths["/tasks"]["post"]["responses"]["409"]["description"]
    transfer = paths["/tasks/{task_id}/transfers"]["post"]["responses"]
    for code in ("transfer_before_start", "owner_not_in_force", "transfer_to_same_owner"):
        assert code in transfer["409"]["description"]
    assert {"412", "428", "403"} <= set(transfer)
    assert "bulk_transfer_rejected" in paths["/task-transfers/bulk"]["post"]["responses"]["409"]["description"]
    assert "import_rejected" in paths["/tasks/imports"]["post"]["responses"]["409"]["description"]
    parameters = {p["name"] for p in paths["/tasks"]["get"]["parameters"]}
    assert parameters == {"province", "sector", "level", "agency_id", "unit_id", "as_of", "q", "limit", "cursor"}
    assert {p["name"] for p in paths["/task-transfers/stats"]["get"]["parameters"]} == {"province", "from", "to"}
