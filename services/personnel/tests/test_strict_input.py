"""Strict input in personnel: ISO dates only, unknown query parameters, empty searches; national ids and money in the schema."""

import re
from typing import Any

import httpx

from haicap_shared.testing import assert_problem

from .conftest import World
from .helpers import person_body

MONEY = re.compile(r"^[0-9]+(\.[0-9]{1,4})?$")


async def _count(client: httpx.AsyncClient) -> int:
    return len((await client.get("/people", params={"limit": 500})).json()["items"])


async def test_an_integer_birth_date_is_refused(client: httpx.AsyncClient, world: World) -> None:
    body = assert_problem(
        await client.post("/people", json=person_body(world.department.id) | {"birth_date": 0}), 422, "validation_error"
    )
    assert body["errors"][0]["location"] == ["body", "birth_date"]
    assert body["errors"][0]["type"] == "date_format"
    assert await _count(client) == 0
    body = assert_problem(await client.get("/stats/headcount", params={"as_of": "0"}), 422, "validation_error")
    assert body["errors"][0]["location"] == ["query", "as_of"]


async def test_misspelt_parameters_and_empty_searches_are_refused(client: httpx.AsyncClient, world: World) -> None:
    body = assert_problem(await client.get("/people", params={"limt": "5"}), 422, "unknown_query_parameter")
    assert body["parameters"] == ["limt"]
    assert_problem(await client.get("/people", params={"q": "!!!"}), 422, "empty_search")
    assert_problem(await client.get("/positions", params={"q": " . "}), 422, "empty_search")
    assert (await client.get("/people", params={"limit": "5", "q": "nong"})).status_code == 200


async def test_national_id_and_money_have_patterns_in_the_schema(client: httpx.AsyncClient) -> None:
    schemas: dict[str, Any] = (await client.get("/openapi.json")).json()["components"]["schemas"]
    person_create = schemas.get("PersonCreate") or schemas["PersonCreate-Input"]
    assert person_create["properties"]["national_id"]["pattern"] == "^[0-9]{12}$"
    person = schemas.get("Person") or schemas["Person-Output"]
    assert person["properties"]["national_id"]["pattern"] == r"^(?:[0-9]{12}|\*{9}[0-9]{3})$"
    # Coefficients and percentages too: no `number | string` without a pattern anywhere.
    coefficient = person_create["properties"]["salary_coefficient"]["anyOf"]
    assert {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"} in coefficient
    assert {"type": "number", "minimum": 0.0, "maximum": 30.0} in coefficient
    # Sent: a decimal string with its pattern; taken: a number or such a string.
    entitlement = schemas.get("Entitlement-Output") or schemas["Entitlement"]
    assert entitlement["properties"]["total_vnd"]["type"] == "string"
    assert entitlement["properties"]["total_vnd"]["pattern"] == MONEY.pattern
    salary = next(v for k, v in schemas.items() if k.startswith("SalaryIn"))
    branches = salary["properties"]["base_salary_vnd"]["anyOf"]
    assert {"type": "string", "pattern": MONEY.pattern} in branches
    assert any(b.get("type") == "number" for b in branches)


async def test_money_is_sent_as_a_decimal_string(client: httpx.AsyncClient) -> None:
    body = {
        "policy": "early_retirement",
        "birth_date": "1966-01-15",
        "sex": "male",
        "leave_date": "2025-05-01",
        "decision_date": "2025-03-01",
        "social_insurance_months": 264,
        "salary": {"salary_coefficient": "4.65", "base_salary_vnd": 2340000, "allowance_percent": "25"},
    }
    result = (await client.post("/streamlining/calculate", json=body)).json()
    assert MONEY.fullmatch(result["total_vnd"])
    assert all(MONEY.fullmatch(item["amount_vnd"]) for item in result["items"])
    problem = assert_problem(
        await client.post("/streamlining/calculate", json=body | {"monthly_salary_vnd": "1e7"}), 422, "validation_error"
    )
    assert problem["errors"][0]["type"] == "decimal_format"


async def test_a_field_that_became_a_code_is_refused_not_dropped(client: httpx.AsyncClient, world: World) -> None:
    body = person_body(world.department.id) | {"ethnicity": "Tày"}
    problem = assert_problem(await client.post("/people", json=body), 422, "validation_error")
    assert problem["errors"][0]["location"] == ["body", "ethnicity"]
    assert await _count(client) == 0
