"""The resignation policy is refused to the groups the streamlining rules exclude: under discipline, tasks not completed.

A case may also name the career event (of the same person) whose decision made it.
"""

from __future__ import annotations

from typing import Any

import httpx

from haicap_shared.testing import assert_problem

from .career_helpers import record
from .conftest import World
from .helpers import create_person


def _case(person_id: str, policy: str = "resignation", **changes: Any) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "policy": policy,
        "leave_date": "2025-10-01",
        "decision_date": "2025-08-01",
        "proposed_on": "2025-08-15",
        "social_insurance_months": 240,
        "monthly_salary_vnd": "12000000",
    }
    return body | changes


async def _discipline(client: httpx.AsyncClient, person_id: str, form_code: str, day: str) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "form_code": form_code,
        "decision": {"number": "7/QĐ-UBND", "date": day, "signer": "Chủ tịch UBND xã", "issuer": "UBND xã Mới"},
        "reason": "Vi phạm",
    }
    response = await client.post("/disciplines", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _evaluate(client: httpx.AsyncClient, person_id: str, year: int, grade: str) -> None:
    body = {
        "person_id": person_id,
        "year": year,
        "grade": grade,
        "evaluator": "Chủ tịch UBND xã",
        "evaluation_date": f"{year}-12-20",
    }
    assert (await client.post("/evaluations", json=body)).status_code == 201


async def test_no_resignation_under_discipline(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    discipline = await _discipline(client, person["id"], "canh-cao", "2024-09-01")  # in effect to 2025-08-31
    refused = assert_problem(await client.post("/streamlining-cases", json=_case(person["id"])), 409, "person_under_discipline")
    assert refused["discipline_id"] == discipline["id"]
    assert "2025-08-31" in refused["detail"]
    # The day after its effect ends, the policy applies again.
    after = await client.post("/streamlining-cases", json=_case(person["id"], proposed_on="2025-09-01"))
    assert after.status_code == 201, after.text
    assert after.json()["career_event_id"] is None


async def test_other_policies_are_not_refused_for_discipline(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    await _discipline(client, person["id"], "khien-trach", "2025-06-01")
    other = await client.post("/streamlining-cases", json=_case(person["id"], "other", entered_amount_vnd="5000000"))
    assert other.status_code == 201, other.text


async def test_no_resignation_after_tasks_not_completed(client: httpx.AsyncClient, world: World) -> None:
    failing = await create_person(client, world.new_office.id)
    await _evaluate(client, failing["id"], 2023, "good")
    await _evaluate(client, failing["id"], 2024, "not_completed")
    refused = await client.post("/streamlining-cases", json=_case(failing["id"]))
    assert "2024" in assert_problem(refused, 409, "person_tasks_not_completed")["detail"]
    recovered = await create_person(client, world.new_office.id)
    await _evaluate(client, recovered["id"], 2023, "not_completed")
    await _evaluate(client, recovered["id"], 2024, "completed")
    assert (await client.post("/streamlining-cases", json=_case(recovered["id"]))).status_code == 201


async def test_a_case_names_its_career_event(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    other = await create_person(client, world.new_office.id)
    event = await record(client, person["id"], "resignation", effective_date="2025-10-01")
    theirs = await record(client, other["id"], "resignation", effective_date="2025-10-01")
    missing = _case(person["id"], career_event_id="00000000-0000-0000-0000-000000000999")
    assert_problem(await client.post("/streamlining-cases", json=missing), 409, "career_event_not_found")
    wrong = _case(person["id"], career_event_id=theirs["id"])
    assert_problem(await client.post("/streamlining-cases", json=wrong), 409, "career_event_of_another_person")
    created = await client.post("/streamlining-cases", json=_case(person["id"], career_event_id=event["id"]))
    assert created.status_code == 201, created.text
    assert created.json()["career_event_id"] == event["id"]
    assert (await client.get(f"/streamlining-cases/{created.json()['id']}")).json()["career_event_id"] == event["id"]
