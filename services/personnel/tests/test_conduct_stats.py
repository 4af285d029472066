"""The people who did not complete their tasks two years running, counted by area (the seed's sixth lesson)."""

from __future__ import annotations

from typing import Any

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

from .conftest import World
from .helpers import create_person


async def _evaluate(client: httpx.AsyncClient, person_id: str, year: int, grade: str) -> None:
    body = {
        "person_id": person_id,
        "year": year,
        "grade": grade,
        "evaluator": "Thủ trưởng cơ quan",
        "evaluation_date": f"{year}-12-20",
    }
    response = await client.post("/evaluations", json=body)
    assert response.status_code == 201, response.text


async def _stats(client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    response = await client.get("/stats/tasks-not-completed", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_two_years_running(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    grades = [
        (world.new_office.id, "civil_servant", "not_completed", "not_completed"),
        (world.new_office.id, "public_employee", "not_completed", "not_completed"),
        (world.new_economic.id, "civil_servant", "not_completed", "not_completed"),
        (world.department.id, "civil_servant", "not_completed", "not_completed"),
        (world.department.id, "civil_servant", "completed", "not_completed"),  # only the later year
        (world.department.id, "civil_servant", "not_completed", "good"),  # only the earlier year
        (world.new_office.id, "civil_servant", None, "not_completed"),  # not evaluated the year before
        (world.elsewhere.id, "civil_servant", "not_completed", "not_completed"),
    ]
    for agency_id, category, earlier, later in grades:
        person = await create_person(client, agency_id, category=category)
        if earlier is not None:
            await _evaluate(client, person["id"], 2024, earlier)
        await _evaluate(client, person["id"], 2025, later)

    everywhere = await _stats(client, year=2025, by="province")
    assert [(r["group"], r["people"]) for r in everywhere["rows"]] == [({"province": "04"}, 4), ({"province": "06"}, 1)]
    assert everywhere["total"] == 5
    by_commune = await _stats(client, year=2025, province="04", by="commune")
    assert [(r["group"]["commune"], r["people"]) for r in by_commune["rows"]] == [("01010", 3), (None, 1)]
    by_agency = await _stats(client, year=2025, province="04", commune="01010", by="agency")
    assert sorted((r["group"]["agency"], r["people"]) for r in by_agency["rows"]) == sorted(
        [(str(world.new_office.id), 2), (str(world.new_economic.id), 1)]
    )
    by_category = await _stats(client, year=2025, province="04", by="category")
    assert [(r["group"]["category"], r["people"]) for r in by_category["rows"]] == [("civil_servant", 3), ("public_employee", 1)]
    assert (await _stats(client, year=2025, province="04", level="commune"))["total"] == 3
    assert (await _stats(client, year=2025, province="04", category="public_employee"))["total"] == 1
    # 2024 and 2023: nobody was evaluated in 2023.
    assert (await _stats(client, year=2024))["total"] == 0
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert (await _stats(client, commune, year=2025))["total"] == 3
    agency = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(world.department.id))
    assert (await _stats(client, agency, year=2025))["total"] == 1
    viewer = test_tokens.headers(Role.VIEWER, province="04")
    assert (await client.get("/stats/tasks-not-completed", params={"year": 2025}, headers=viewer)).status_code == 403
    assert (await client.get("/stats/tasks-not-completed")).status_code == 422
