"""Strict query input through a sample service: unknown parameters, searches without text, and the 405's Allow."""

from __future__ import annotations

import httpx

from haicap_shared.testing import assert_problem


async def test_a_405_allows_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete("/notes")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, POST"
    created = await client.post("/notes", json={"text": "x"})
    response = await client.post(f"/notes/{created.json()['id']}", json={"text": "y"})
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, PUT"


async def test_a_search_of_punctuation_only_is_refused(client: httpx.AsyncClient) -> None:
    for q in ["!!!", " - ", "%_%", "..."]:
        problem = assert_problem(await client.get("/days", params={"on": "2025-07-01", "q": q}), 422, "empty_search")
        assert problem["parameter"] == "q"
    found = await client.get("/days", params={"on": "2025-07-01", "q": "Cao Bằng!"})
    assert found.json()["pattern"] == "%cao bang!%"


async def test_unknown_query_parameters_are_a_422_naming_them(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.get("/notes", params={"limt": "5", "txt": "a"}), 422, "unknown_query_parameter")
    assert problem["parameters"] == ["limt", "txt"]
    assert "`limt`" in problem["detail"]
    assert "`txt`" in problem["detail"]
    assert [e["location"] for e in problem["errors"]] == [["query", "limt"], ["query", "txt"]]
    # Declared parameters, a dependency's included, pass.
    assert (await client.get("/notes", params={"limit": "5", "text": "a"})).status_code == 200
    created = await client.post("/notes", json={"text": "x"})
    assert (await client.get(f"/notes/{created.json()['id']}", params={"reveal": "true"})).status_code == 200
    assert_problem(await client.get(f"/notes/{created.json()['id']}", params={"revael": "true"}), 422, "unknown_query_parameter")
    # The shared routes too.
    assert_problem(await client.get("/audit-events", params={"entity": "note"}), 422, "unknown_query_parameter")


async def test_a_single_valued_query_parameter_given_twice_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    # NOTE: it used to answer for the last value alone, which the caller had no way to see.
    twice = [("limit", "5"), ("text", "a"), ("limit", "50"), ("text", "b")]
    problem = assert_problem(await client.get("/notes", params=twice), 422, "repeated_query_parameter")
    assert problem["parameters"] == ["limit", "text"]
    assert [e["location"] for e in problem["errors"]] == [["query", "limit"], ["query", "text"]]
    assert (await client.get("/notes", params=[("limit", "5"), ("text", "a")])).status_code == 200
    # The shared routes too.
    assert_problem(await client.get("/audit-events", params=[("limit", "5"), ("limit", "6")]), 422, "repeated_query_parameter")
