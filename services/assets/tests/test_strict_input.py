"""Strict input in assets: dates that overflowed the statistics, integer dates, misspelt parameters, empty searches."""

import httpx
import pytest

from haicap_shared.testing import assert_problem

STATS = ["/stats/summary", "/stats/holdings", "/stats/dispositions", "/stats/gaps", "/stats/value"]


@pytest.mark.parametrize("path", STATS)
async def test_dates_at_the_ends_of_the_calendar_are_a_422_never_a_500(client: httpx.AsyncClient, path: str) -> None:
    # as_of=0001-01-01 minus the decision period overflowed (500), and left the province summary without its assets.
    for as_of, kind in [("0001-01-01", "date_out_of_range"), ("9999-12-31", "date_out_of_range"), ("0", "date_format")]:
        body = assert_problem(await client.get(path, params={"as_of": as_of}), 422, "validation_error")
        assert (body["errors"][0]["location"], body["errors"][0]["type"]) == (["query", "as_of"], kind)
    assert (await client.get(path, params={"as_of": "1900-01-01"})).status_code == 200
    assert (await client.get(path, params={"as_of": "2100-12-31"})).status_code == 200


async def test_misspelt_parameters_and_empty_searches_are_refused(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/assets", params={"provnce": "04", "limit": "5"}), 422, "unknown_query_parameter")
    assert body["parameters"] == ["provnce"]
    assert_problem(await client.get("/assets", params={"q": "-/-"}), 422, "empty_search")
    assert (await client.get("/assets", params={"province": "04", "limit": "5"})).status_code == 200


async def test_a_body_date_must_be_iso(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.post("/dispositions", json={"asset_id": "x", "proposed_on": 20250801}), 422, "validation_error"
    )
    assert ["body", "proposed_on"] in [e["location"] for e in body["errors"]]


async def test_car_norms_of_a_province_that_does_not_exist_is_a_404_naming_it(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.get("/stats/car-norms", params={"as_of": "2025-07-01", "province": "99"}), 404, "province_not_found"
    )
    assert body["province"] == "99"
    assert (await client.get("/stats/car-norms", params={"as_of": "2025-07-01", "province": "04"})).status_code == 200
