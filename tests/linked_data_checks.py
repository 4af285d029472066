"""Checks of the organisation as linked data, for an in-process client or a real stack.

:func:`assert_export_answers_lineage` fetches a province's export (JSON-LD and N-Triples),
parses both with rdflib (the published context given inline: nothing is fetched) and asks,
for every commune in force on a date, which former units became it (SPARQL over
``org:ChangeEvent``). The answer must equal the lineage API's predecessors of that commune.
A stack test calls it with the gateway's client, a token and ``prefix="/api/v1/org"``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
from rdflib import Graph, URIRef

from haicap_shared.linked_data import CONTEXT, Iris, context_url

FORMER_UNITS = """
PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?former WHERE { ?former (^org:originalOrganization/org:resultingOrganization)+ ?unit . }
"""
"""The units a unit came from, transitively: each change's original organisations, back to the first."""

MAX_PAGES = 100


def graph_of_jsonld(document: dict[str, Any]) -> Graph:
    """A JSON-LD document of haicap as an rdflib graph, its context read from the package, not the network."""
    inline = {**document, "@context": CONTEXT["@context"]}
    return Graph().parse(data=json.dumps(inline), format="json-ld")


def graph_of_ntriples(text: str) -> Graph:
    return Graph().parse(data=text, format="nt")


def former_units(graph: Graph, unit_iri: str) -> set[str]:
    """The SPARQL answer: every unit ``unit_iri`` came from."""
    return {str(row[0]) for row in graph.query(FORMER_UNITS, initBindings={"unit": URIRef(unit_iri)})}  # type: ignore[index]


async def _get(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: str) -> httpx.Response:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
    return response


async def _units(client: httpx.AsyncClient, prefix: str, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(MAX_PAGES):
        page = (
            await _get(client, f"{prefix}/units", headers, limit="500", **params, **({"cursor": cursor} if cursor else {}))
        ).json()
        found += page["items"]
        if not page["next"]:
            return found
        cursor = page["next"]
    raise AssertionError(f"more than {MAX_PAGES} pages of units")


async def assert_export_answers_lineage(
    client: httpx.AsyncClient,
    token: str | None = None,
    *,
    province: str = "04",
    as_of: str = "2025-07-01",
    prefix: str = "",
    communes: int | None = None,
) -> dict[str, set[str]]:
    """The export's SPARQL answer equals the lineage API's for every commune in force on ``as_of``.

    Returns each commune's former units (IRIs), by code; ``communes``, when given, is how many
    communes there must be (56 for Cao Bằng).
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    exported = await _get(client, f"{prefix}/linked-data/export", headers, province=province)
    assert exported.headers["content-type"].startswith("application/ld+json")
    document = exported.json()
    base = document["@context"].removesuffix(context_url(""))
    iris = Iris.of(base)
    graph = graph_of_jsonld(document)
    triples = await _get(client, f"{prefix}/linked-data/export", headers, province=province, format="nt")
    assert triples.headers["content-type"].startswith("application/n-triples")
    assert set(graph_of_ntriples(triples.text)) == set(graph), "the N-Triples and the JSON-LD differ"

    found = await _units(client, prefix, headers, province=province, level="commune", as_of=as_of)
    if communes is not None:
        assert len(found) == communes
    answers: dict[str, set[str]] = {}
    for commune in found:
        lineage = (await _get(client, f"{prefix}/units/{commune['id']}/lineage", headers)).json()
        expected = {iris.unit(step["unit"]["code"], as_date(step["unit"]["valid_from"])) for step in lineage["predecessors"]}
        answer = former_units(graph, iris.unit(commune["code"], as_date(commune["valid_from"])))
        assert answer == expected, f"{commune['code']} {commune['name']}: SPARQL {sorted(answer)} != lineage {sorted(expected)}"
        answers[commune["code"]] = answer
    return answers


def as_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
