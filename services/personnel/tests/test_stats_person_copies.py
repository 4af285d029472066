"""The placement statistics read the person's category and qualifications from the placement's copies.

Migration 0018 copies them onto each placement, kept by triggers; these tests change a person
after their placement was written and check that every statistic counting placements by those
values follows, on both databases.
"""

from typing import Any

import httpx

from haicap_shared.testing import TestTokens

from .conftest import World
from .helpers import approved_position, create_person, place

AS_OF = "2025-09-01"


async def _stats(client: httpx.AsyncClient, kind: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/stats/{kind}", params={"province": "04", "as_of": AS_OF} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _by_category(body: dict[str, Any], figure: str) -> dict[str, int]:
    return {row["group"]["category"]: row[figure] for row in body["rows"]}


async def test_the_statistics_follow_a_person_changed_after_their_placement(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    position = await approved_position(client, test_tokens, world.department.id)
    person = await create_person(
        client, world.department.id, category="non_specialised", education_level="college", political_theory="none"
    )
    other = await create_person(client, world.department.id)  # NOTE: a civil servant, university, intermediate
    for placed in (person, other):
        assert (await place(client, placed["id"], position["id"], "2025-07-01")).status_code == 201

    before = await _stats(client, "qualifications")
    assert before["total"]["headcount"] == 2
    assert before["total"]["university_or_higher"]["count"] == 1
    assert before["total"]["political_theory"]["none"]["count"] == 1
    assert _by_category(await _stats(client, "headcount", by=["category"]), "headcount") == {
        "civil_servant": 1,
        "non_specialised": 1,
    }

    changes = {"education_level": "master", "political_theory": "advanced", "state_management": "principal"}
    changed = await client.patch(f"/people/{person['id']}", json=changes, headers={"If-Match": f'"{person["version"]}"'})
    assert changed.status_code == 200, changed.text
    after = await _stats(client, "qualifications")
    assert after["total"]["university_or_higher"]["count"] == 2
    assert after["total"]["political_theory"]["none"]["count"] == 0
    assert after["total"]["political_theory"]["advanced"]["count"] == 1
    assert after["total"]["state_management"]["principal"]["count"] == 1

    # NOTE: recruitment makes the non-specialised worker a civil servant (a change of category)
    body = {"position_id": position["id"], "effective_date": "2025-08-01", "decision_number": "15/QĐ-UBND"}
    recruited = await client.post(
        f"/people/{person['id']}/recruitment", json=body, headers={"If-Match": f'"{changed.json()["version"]}"'}
    )
    assert recruited.status_code == 201, recruited.text
    assert _by_category(await _stats(client, "headcount", by=["category"]), "headcount") == {"civil_servant": 2}
    by_category = await _stats(client, "qualifications", by=["category"], category="civil_servant")
    assert by_category["total"]["headcount"] == 2
    suitability = await _stats(client, "suitability", category="non_specialised")
    assert suitability["total"]["placements"] == 0
