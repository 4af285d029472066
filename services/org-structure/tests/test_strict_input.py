"""Strict input: dates as YYYY-MM-DD only, unknown query parameters, empty searches, codes that name nothing, 405s."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure.agencies.models import agency_table
from haicap_shared.testing import assert_problem
from haicap_shared.values import ISO_DATE_PATTERN


async def _agencies(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(agency_table)) or 0)


async def test_an_integer_date_sets_up_nothing(client: httpx.AsyncClient, session: AsyncSession, cao_bang) -> None:
    # as_of=0 was read as 1970-01-01: 483 agencies for communes abolished in 2025.
    body = assert_problem(
        await client.post("/agencies/standard-setup", json={"province": "04", "as_of": 0}), 422, "validation_error"
    )
    assert body["errors"][0]["location"] == ["body", "as_of"]
    assert body["errors"][0]["type"] == "date_format"
    assert await _agencies(session) == 0
    body = assert_problem(await client.get("/units", params={"as_of": "0"}), 422, "validation_error")
    assert body["errors"][0]["location"] == ["query", "as_of"]
    body = assert_problem(await client.get("/tasks/stats", params={"as_of": "0001-01-01"}), 422, "validation_error")
    assert body["errors"][0]["type"] == "date_out_of_range"


async def test_a_province_that_does_not_exist_is_a_404_naming_it(
    client: httpx.AsyncClient, session: AsyncSession, cao_bang
) -> None:
    body = assert_problem(
        await client.post("/agencies/standard-setup", json={"province": "99", "as_of": "2025-07-01"}), 404, "unit_not_found"
    )
    assert body["unit_code"] == "99"
    assert "99" in body["detail"]
    assert_problem(await client.get("/units/by-code/99999"), 404, "unit_not_found")
    assert await _agencies(session) == 0


async def test_a_misspelt_query_parameter_is_a_422_naming_it(client: httpx.AsyncClient, cao_bang) -> None:
    body = assert_problem(await client.get("/units", params={"limt": "5"}), 422, "unknown_query_parameter")
    assert body["parameters"] == ["limt"]
    body = assert_problem(
        await client.get("/task-transfers/stats", params={"form": "2025-07-01"}), 422, "unknown_query_parameter"
    )
    assert body["parameters"] == ["form"]
    assert len((await client.get("/units", params={"limit": "5"})).json()["items"]) == 5
    assert (await client.get("/task-transfers/stats", params={"from": "2025-07-01"})).status_code == 200


async def test_a_search_made_of_punctuation_is_refused(client: httpx.AsyncClient, cao_bang) -> None:
    for path in ("/tasks", "/units", "/agencies"):
        body = assert_problem(await client.get(path, params={"q": "!!!"}), 422, "empty_search")
        assert body["parameter"] == "q"
    found = (await client.get("/units", params={"q": "cao bang", "level": "province"})).json()["items"]
    assert [u["code"] for u in found] == ["04"]


async def test_a_405_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete("/units")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, POST"


async def test_dates_are_documented_as_yyyy_mm_dd(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    [as_of] = [p for p in spec["paths"]["/units"]["get"]["parameters"] if p["name"] == "as_of"]
    assert {"type": "string", "format": "date", "pattern": ISO_DATE_PATTERN} in as_of["schema"]["anyOf"]
