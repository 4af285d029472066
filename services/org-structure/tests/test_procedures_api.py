"""The procedure catalogue: recording, reading on a date, renaming, dated level changes, lists and moves."""

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.procedures.models import level_table
from haicap_shared.testing import assert_problem

from .procedure_helpers import REFORM_BASIS, create_procedure, moved_procedure, province_procedure


async def _get(client: httpx.AsyncClient, code: str, **params: str) -> httpx.Response:
    return await client.get(f"/procedures/{code}", params=params)


async def test_a_procedure_is_read_as_it_was_on_a_date(client: httpx.AsyncClient) -> None:
    response = await client.post("/procedures", json=moved_procedure())
    assert response.status_code == 201, response.text
    assert (response.headers["etag"], response.headers["location"]) == ('"1"', "procedures/1.000804")
    created = response.json()
    assert [level["level"] for level in created["levels"]] == ["district", "commune"]
    assert (created["level"], created["valid_from"], created["task_ids"]) == ("commune", "2025-07-01", [])

    before = (await _get(client, "1.000804", as_of="2025-06-30")).json()
    assert (before["level"], before["agency_in_charge"], before["valid_to"]) == (
        "district",
        "Phòng Nội vụ cấp huyện",
        "2025-06-30",
    )
    after = await _get(client, "1.000804", as_of="2025-07-01")
    assert (after.json()["level"], after.json()["basis"], after.headers["etag"]) == ("commune", REFORM_BASIS, '"1"')

    assert_problem(await _get(client, "1.000804", as_of="2017-07-30"), 404, "procedure_not_found")
    assert_problem(await _get(client, "1.999999"), 404, "procedure_not_found")
    [event] = (await client.get("/audit-events", params={"entity_id": created["id"]})).json()["items"]
    assert (event["action"], event["after"]["code"], len(event["after"]["levels"])) == ("create", "1.000804", 2)


async def test_codes_are_unique_and_versions_never_share_a_day(client: httpx.AsyncClient) -> None:
    await create_procedure(client, province_procedure())
    assert_problem(await client.post("/procedures", json=province_procedure()), 409, "procedure_code_taken")
    overlapping = moved_procedure()
    overlapping["levels"][0]["valid_to"] = "2025-07-01"
    assert (await client.post("/procedures", json=overlapping)).status_code == 422
    assert (await client.post("/procedures", json=moved_procedure(code="1.00080"))).status_code == 422


async def test_a_create_is_replayed_under_its_idempotency_key(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "catalogue-1"}
    first = await client.post("/procedures", json=province_procedure(), headers=headers)
    again = await client.post("/procedures", json=province_procedure(), headers=headers)
    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 201, first.json()["id"])


async def test_a_rename_needs_the_current_etag(client: httpx.AsyncClient) -> None:
    await create_procedure(client, province_procedure())
    rename = {"name": "Thủ tục thẩm định thành lập đơn vị sự nghiệp công lập"}
    assert_problem(await client.patch("/procedures/1.009319", json=rename), 428, "if_match_required")
    assert_problem(await client.patch("/procedures/1.009319", json=rename, headers={"If-Match": '"7"'}), 412, "stale_version")
    response = await client.patch("/procedures/1.009319", json=rename, headers={"If-Match": '"1"'})
    assert (response.status_code, response.headers["etag"], response.json()["name"]) == (200, '"2"', rename["name"])
    emptied = await client.patch("/procedures/1.009319", json={"sector": None}, headers={"If-Match": '"2"'})
    assert_problem(emptied, 409, "required_field")


async def test_a_level_change_closes_the_version_in_force_the_day_before(client: httpx.AsyncClient) -> None:
    body = moved_procedure(levels=[moved_procedure()["levels"][0] | {"valid_to": None}])
    await create_procedure(client, body)
    change = {
        "level": "commune",
        "agency_in_charge": "UBND xã",
        "processing_days": 6,
        "basis": REFORM_BASIS,
        "valid_from": "2025-07-01",
    }
    response = await client.post("/procedures/1.000804/levels", json=change, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert response.headers["etag"] == '"2"'
    assert [(v["level"], v["valid_from"], v["valid_to"]) for v in changed["levels"]] == [
        ("district", "2017-07-31", "2025-06-30"),
        ("commune", "2025-07-01", None),
    ]
    assert (await _get(client, "1.000804", as_of="2025-06-30")).json()["processing_days"] == 8
    assert (await _get(client, "1.000804", as_of="2025-07-01")).json()["processing_days"] == 6

    earlier = await client.post(
        "/procedures/1.000804/levels", json=change | {"valid_from": "2024-01-01"}, headers={"If-Match": '"2"'}
    )
    assert_problem(earlier, 409, "level_change_not_latest")
    without_basis = {k: v for k, v in change.items() if k != "basis"} | {"valid_from": "2026-01-01"}
    assert (await client.post("/procedures/1.000804/levels", json=without_basis, headers={"If-Match": '"2"'})).status_code == 422
    stale = await client.post(
        "/procedures/1.000804/levels", json=change | {"valid_from": "2026-01-01"}, headers={"If-Match": '"1"'}
    )
    assert_problem(stale, 412, "stale_version")
    missing = await client.post("/procedures/1.111111/levels", json=change, headers={"If-Match": '"1"'})
    assert_problem(missing, 404, "procedure_not_found")


async def _codes(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/procedures", params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


async def test_the_list_filters_by_level_on_a_date_sector_and_name(client: httpx.AsyncClient) -> None:
    await create_procedure(client, moved_procedure())
    await create_procedure(client, province_procedure())
    assert await _codes(client) == ["1.000804", "1.009319"]
    assert await _codes(client, level="commune") == ["1.000804"]
    assert await _codes(client, level="district", as_of="2025-06-30") == ["1.000804"]
    assert await _codes(client, as_of="2018-01-01") == ["1.000804"]
    assert await _codes(client, sector="Tổ chức - Biên chế") == ["1.009319"]
    assert await _codes(client, q="thanh tich dot xuat") == ["1.000804"]
    assert await _codes(client, q="1.009319") == ["1.009319"]
    first = (await client.get("/procedures", params={"limit": 1})).json()
    second = (await client.get("/procedures", params={"limit": 1, "cursor": first["next"]})).json()
    assert [item["code"] for item in first["items"] + second["items"]] == ["1.000804", "1.009319"]
    assert_problem(await client.get("/procedures", params={"q": "!!"}), 422, "empty_search")


async def test_the_moves_of_a_date_name_the_versions_and_their_basis(client: httpx.AsyncClient) -> None:
    await create_procedure(client, moved_procedure())
    await create_procedure(client, province_procedure())
    moved = (await client.get("/procedures/moved")).json()
    assert (moved["from_level"], moved["to_level"], moved["on"], moved["total"]) == ("district", "commune", "2025-07-01", 1)
    [move] = moved["procedures"]
    assert (move["code"], move["before"]["valid_to"], move["after"]["level"], move["basis"]) == (
        "1.000804",
        "2025-06-30",
        "commune",
        REFORM_BASIS,
    )
    other_day = (await client.get("/procedures/moved", params={"on": "2025-07-02"})).json()
    assert other_day["total"] == 0


async def test_postgresql_itself_refuses_versions_sharing_a_day(
    db_backend: str, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Beyond the service's check, PostgreSQL's exclusion constraint stops a racing writer."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; the service's check is what guards it there")
    created = await create_procedure(client, province_procedure())
    overlapping = {
        "id": uuid.uuid4(),
        "procedure_id": uuid.UUID(created["id"]),
        "level": "commune",
        "processing_days": 5,
        "valid_from": date(2025, 7, 1),
    }
    with pytest.raises(IntegrityError, match="ex_procedure_level_validity"):
        async with session.begin_nested():
            await session.execute(insert(level_table).values(**overlapping))
