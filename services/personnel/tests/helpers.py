"""Small builders for personnel's tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens

_serial = itertools.count(1)


def national_id(birth_year: int, sex: str = "male", province: str = "004") -> str:
    """A valid 12-digit number for this birth year and sex (a fresh serial each call)."""
    digit = ((birth_year // 100 - 19) % 5) * 2 + (1 if sex == "female" else 0)
    return f"{province}{digit}{birth_year % 100:02d}{next(_serial):06d}"


def person_body(agency_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    birth = date.fromisoformat(changes.pop("birth_date", "1985-03-10"))
    sex = changes.pop("sex", "male")
    body = {
        "full_name": "Nông Văn An",
        "category": "civil_servant",
        "birth_date": birth.isoformat(),
        "sex": sex,
        "ethnicity_code": "02",
        "national_id": national_id(birth.year, sex),
        "education_level": "university",
        "field_of_study": "Luật",
        "political_theory": "intermediate",
        "agency_id": str(agency_id),
    }
    return body | changes


async def create_person(client: httpx.AsyncClient, agency_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    response = await client.post("/people", json=person_body(agency_id, **changes))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def approved_position(
    client: httpx.AsyncClient, tokens: TestTokens, agency_id: uuid.UUID, **changes: Any
) -> dict[str, Any]:
    """A position taken through its whole approval, each step by the role allowed to take it."""
    body = {"agency_id": str(agency_id), "title": "Chuyên viên", "group": "professional", "posts": 5} | changes
    response = await client.post("/positions", json=body)
    assert response.status_code == 201, response.text
    position: dict[str, Any] = response.json()
    steps = [
        ("submit", tokens.headers(Role.ADMIN)),
        ("appraise", tokens.headers(Role.PROVINCE_OFFICER, province="04")),
        ("approve", tokens.headers(Role.ADMIN)),
    ]
    for action, headers in steps:
        response = await client.post(
            f"/positions/{position['id']}/transitions",
            json={"action": action},
            headers=headers | {"If-Match": f'"{position["version"]}"'},
        )
        assert response.status_code == 200, response.text
        position = response.json()
    return position


async def place(client: httpx.AsyncClient, person_id: str, position_id: str, valid_from: str, **extra: Any) -> httpx.Response:
    return await client.post(
        "/placements", json={"person_id": person_id, "position_id": position_id, "valid_from": valid_from} | extra
    )
