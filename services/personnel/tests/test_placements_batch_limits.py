"""A batch's problem report stays linear in its rows, and the service keeps answering while it is built (issue 13)."""

from __future__ import annotations

from typing import Any

import httpx

from haicap_shared.testing import TestTokens, assert_problem, while_polling_healthz

from .conftest import World
from .helpers import approved_position, create_person

MiB = 1024 * 1024


async def test_5000_identical_rows_report_each_row_once(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    position = await approved_position(client, test_tokens, world.department.id)
    person = await create_person(client, world.department.id)
    row = {"person_id": person["id"], "position_id": position["id"], "valid_from": "2025-07-01"}
    # Before issue 13, row n listed the n - 1 rows before it: 12.5 million messages, 670 MB.
    response, slowest = await while_polling_healthz(client, client.post("/placements/batch", json={"rows": [row] * 5000}))
    assert len(response.content) < 5 * MiB, len(response.content)
    report = assert_problem(response, 409, "placement_batch_rejected")["report"]
    assert (report["rows"], report["placed"]) == (5000, 0)
    assert [p["row"] for p in report["problems"]] == list(range(2, 5001))
    assert {tuple(p["errors"]) for p in report["problems"]} == {("row 1 of the person runs from 2025-07-01 to open",)}
    # NOTE: a generous bound for a shared 2-core machine; /healthz took 25 s before issue 13.
    assert slowest < 1.0, slowest
    assert (await client.get("/placements", params={"person_id": person["id"]})).json()["items"] == []


async def test_a_row_overlapping_many_names_some_and_counts_the_rest(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    position = await approved_position(client, test_tokens, world.department.id)
    draft = (
        await client.post("/positions", json={"agency_id": str(world.department.id), "title": "Nháp", "group": "support"})
    ).json()
    person = await create_person(client, world.department.id)
    days = [f"2025-01-{day:02d}" for day in range(1, 16)]
    rows: list[dict[str, Any]] = [
        {"person_id": person["id"], "position_id": position["id"], "valid_from": day, "valid_to": day} for day in days
    ]
    rows.append({"person_id": person["id"], "position_id": draft["id"], "valid_from": "2024-12-01"})
    refused = assert_problem(await client.post("/placements/batch", json={"rows": rows}), 409, "placement_batch_rejected")
    assert refused["report"]["problems"] == [
        {
            "row": 16,
            "errors": [
                "the position Nháp is drafting, not approved",
                *(f"row {n} of the person runs from {day} to {day}" for n, day in enumerate(days[:8], start=1)),
                "and 7 more problems in this row",
            ],
        }
    ]


async def test_batch_row_limit_is_a_422(client: httpx.AsyncClient, world: World, test_tokens: TestTokens) -> None:
    row = {"person_id": str(world.department.id), "position_id": str(world.department.id), "valid_from": "2025-07-01"}
    assert_problem(await client.post("/placements/batch", json={"rows": [row] * 5001}), 422, "validation_error")
    description = (await client.get("/openapi.json")).json()["paths"]["/placements/batch"]["post"]["description"]
    assert "5,000" in description
