"""Tasks linked to procedures, and what each commune handles: computed from the records on the date."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .procedure_helpers import create_procedure, moved_procedure, province_procedure
from .task_helpers import Agencies, cao_bang_agencies, create_task

HOA_AN, NAM_TUAN = "01654", "01660"


async def _link(client: httpx.AsyncClient, task_id: str, codes: list[str], version: int, **headers: str) -> httpx.Response:
    return await client.put(
        f"/tasks/{task_id}/procedures", json={"procedure_codes": codes}, headers={"If-Match": f'"{version}"'} | headers
    )


async def _catalogue(client: httpx.AsyncClient, session: AsyncSession) -> tuple[Agencies, dict[str, Any]]:
    """The two procedures, and a task of Xã Hòa An's economic office from 2025-07-01 linked to both."""
    agencies = await cao_bang_agencies(session)
    await create_procedure(client, moved_procedure())
    await create_procedure(client, province_procedure())
    task = await create_task(client, agencies.hoa_an_commune, "NV-KT-01", sector="Kinh tế", valid_from="2025-07-01")
    response = await _link(client, task["id"], ["1.009319", "1.000804"], 1)
    assert response.status_code == 200, response.text
    return agencies, task


async def _handled(client: httpx.AsyncClient, commune: str, as_of: str, **headers: str) -> dict[str, Any]:
    response = await client.get("/procedures/handled", params={"commune_code": commune, "as_of": as_of}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _by_commune(client: httpx.AsyncClient, as_of: str) -> dict[str, tuple[int, int]]:
    response = await client.get("/procedures/handled-by-communes", params={"province": "04", "as_of": as_of})
    assert response.status_code == 200, response.text
    return {row["commune_code"]: (row["procedures"], row["moved_from_district"]) for row in response.json()["rows"]}


async def test_a_tasks_links_are_replaced_under_its_etag(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    _, task = await _catalogue(client, session)
    procedure = (await client.get("/procedures/1.000804")).json()
    assert (procedure["task_ids"], procedure["version"]) == ([task["id"]], 1)
    assert_problem(await client.put(f"/tasks/{task['id']}/procedures", json={"procedure_codes": []}), 428, "if_match_required")
    assert_problem(await _link(client, task["id"], [], 1), 412, "stale_version")
    unknown = assert_problem(await _link(client, task["id"], ["1.000804", "1.999999"], 2), 409, "unknown_procedures")
    assert unknown["procedure_codes"] == ["1.999999"]
    assert (await _link(client, task["id"], ["1.000804", "1.000804"], 2)).status_code == 422

    response = await _link(client, task["id"], ["1.000804"], 2)
    assert (response.status_code, response.headers["etag"], response.json()["procedure_codes"]) == (200, '"3"', ["1.000804"])
    assert (await client.get("/procedures/1.009319")).json()["task_ids"] == []
    task_events = (await client.get("/audit-events", params={"entity_id": task["id"]})).json()["items"]
    assert [e["after"].get("procedure_codes") for e in task_events] == [None, ["1.000804", "1.009319"], ["1.000804"]]
    province_events = (await client.get("/audit-events", params={"entity_id": procedure["id"]})).json()["items"]
    assert [(e["action"], e["after"]["task_ids"]) for e in province_events] == [("create", []), ("update", [task["id"]])]
    unchanged = await _link(client, task["id"], ["1.000804"], 3)
    assert (unchanged.status_code, unchanged.headers["etag"]) == (200, '"3"')


async def test_what_a_commune_handles_follows_its_tasks_owners(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    agencies, task = await _catalogue(client, session)
    handled = await _handled(client, HOA_AN, "2025-07-01")
    assert (handled["total"], handled["moved_from_district"]) == (2, 1)
    assert [(p["code"], p["level"], p["moved_from_district"], p["task_ids"]) for p in handled["procedures"]] == [
        ("1.000804", "commune", True, [task["id"]]),
        ("1.009319", "province", False, [task["id"]]),
    ]
    before = await _by_commune(client, "2025-08-01")
    assert (before[HOA_AN], before[NAM_TUAN]) == ((2, 1), (0, 0))

    transfer = {
        "to_agency_id": str(agencies.nam_tuan_commune),
        "mode": "reassigned",
        "effective_date": "2025-08-01",
        "legal_basis": "Quyết định của Chủ tịch UBND tỉnh",
    }
    moved = await client.post(f"/tasks/{task['id']}/transfers", json=transfer, headers={"If-Match": '"2"'})
    assert moved.status_code == 201, moved.text
    after = await _by_commune(client, "2025-08-01")
    assert (after[HOA_AN], after[NAM_TUAN]) == ((0, 0), (2, 1))
    assert {code: counts for code, counts in after.items() if code not in (HOA_AN, NAM_TUAN)} == {
        code: counts for code, counts in before.items() if code not in (HOA_AN, NAM_TUAN)
    }
    assert await _by_commune(client, "2025-07-31") == before
    assert (await _handled(client, NAM_TUAN, "2025-08-01"))["total"] == 2
    assert (await _handled(client, HOA_AN, "2025-08-01"))["procedures"] == []


async def test_handled_is_read_within_the_callers_area(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    await _catalogue(client, session)
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    response = await client.get("/procedures/handled", params={"commune_code": HOA_AN, "as_of": "2025-07-01"}, headers=elsewhere)
    assert_problem(response, 403, "outside_area")
    by_communes = await client.get(
        "/procedures/handled-by-communes", params={"province": "04", "as_of": "2025-07-01"}, headers=elsewhere
    )
    assert_problem(by_communes, 403, "outside_area")
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=NAM_TUAN)
    assert (await _handled(client, HOA_AN, "2025-07-01", **other_commune))["total"] == 0
    own_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=HOA_AN)
    assert (await _handled(client, HOA_AN, "2025-07-01", **own_commune))["total"] == 2
    missing = await client.get("/procedures/handled", params={"commune_code": "99999", "as_of": "2025-07-01"})
    assert_problem(missing, 404, "unit_not_found")


async def test_who_reads_and_writes_the_catalogue(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang, test_tokens: TestTokens
) -> None:
    _, task = await _catalogue(client, session)
    for role in (Role.SERVICE, Role.AUDITOR, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER):
        response = await client.get("/procedures/1.000804", headers=test_tokens.headers(role, province="04"))
        assert response.status_code == 200, (role, response.text)
    assert_problem(
        await client.get("/procedures", headers=test_tokens.headers(Role.VIEWER, province="04")), 403, "role_not_allowed"
    )
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=HOA_AN)
    body = moved_procedure(code="1.000805")
    assert_problem(await client.post("/procedures", json=body, headers=commune), 403, "role_not_allowed")
    await create_procedure(client, body, **test_tokens.headers(Role.PROVINCE_OFFICER, province="04"))
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=NAM_TUAN)
    assert_problem(await _link(client, task["id"], [], 2, **other_commune), 403, "outside_area")
    assert (await _link(client, task["id"], [], 2, **commune)).status_code == 200
    assert_problem(await _link(client, task["id"], [], 3, **test_tokens.headers(Role.SERVICE)), 403, "role_not_allowed")


async def test_a_deleted_task_leaves_no_link(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    _, task = await _catalogue(client, session)
    response = await client.delete(f"/tasks/{task['id']}", headers={"If-Match": '"2"'})
    assert response.status_code == 204, response.text
    assert (await client.get("/procedures/1.000804")).json()["task_ids"] == []
    assert (await _handled(client, HOA_AN, "2025-07-01"))["total"] == 0
