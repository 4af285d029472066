"""Strict input in reports: dates as YYYY-MM-DD within 1900-2100, misspelt parameters named, before any source is asked."""

import httpx
import pytest

from haicap_shared.testing import assert_problem

REPORTS = ["/provinces/04/summary", "/provinces/04/transition-gaps", "/communes/01304/profile"]


@pytest.mark.parametrize("path", REPORTS)
async def test_integer_and_overflowing_dates_are_a_422(client: httpx.AsyncClient, path: str) -> None:
    # NOTE: no source is faked: the 422 comes before any of them is asked.
    for as_of, kind in [("0", "date_format"), ("0001-01-01", "date_out_of_range"), ("2026-4-15", "date_format")]:
        body = assert_problem(await client.get(path, params={"as_of": as_of}), 422, "validation_error")
        assert (body["errors"][0]["location"], body["errors"][0]["type"]) == (["query", "as_of"], kind)


async def test_a_misspelt_parameter_is_named_and_declared_ones_pass(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.get("/provinces/04/summary", params={"as_of": "2026-04-15", "fromat": "csv", "compare": "2025-06-30"}),
        422,
        "unknown_query_parameter",
    )
    assert body["parameters"] == ["compare", "fromat"]
    body = assert_problem(
        await client.get("/provinces/04/summary", params={"as_of": "2026-04-15", "format": "csv", "compare_to": "0"}),
        422,
        "validation_error",
    )
    assert body["errors"][0]["location"] == ["query", "compare_to"]
