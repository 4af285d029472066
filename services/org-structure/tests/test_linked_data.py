"""The organisation as linked data: JSON-LD beside JSON, the published context, the province export.

The export of Cao Bằng is parsed with rdflib (JSON-LD and N-Triples), and SPARQL over its change
events answers "which former units became X" as the lineage API does, for every commune
(``tests/linked_data_checks.py``, which the real-stack check reuses).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from pyld import jsonld  # type: ignore[import-untyped]
from rdflib import RDF, SKOS, Namespace, URIRef

from haicap_org_structure.linked_data import repository as export_repository
from haicap_org_structure.units.importer import ImportSummary
from haicap_shared import paging
from haicap_shared.linked_data import CONTEXT, ContextNotServed, Iris, context_url, document_loader
from haicap_shared.roles import Role
from haicap_shared.testing import NO_AUTH, TestTokens, assert_problem

ROOT = Path(__file__).resolve().parents[3]
BASE = "http://127.0.0.1:8000"
"""The settings' default ``public_base_url``: the base of every IRI in these tests."""
LOADER = document_loader(context_url(BASE))
ORG = Namespace("http://www.w3.org/ns/org#")


def _checks() -> ModuleType:
    """The checks shared with the real-stack test (``tests/linked_data_checks.py``)."""
    spec = importlib.util.spec_from_file_location("linked_data_checks", ROOT / "tests/linked_data_checks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checks = _checks()


async def _unit(client: httpx.AsyncClient, code: str, as_of: str) -> dict[str, Any]:
    response = await client.get(f"/units/by-code/{code}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _jsonld(client: httpx.AsyncClient, path: str, **params: str) -> dict[str, Any]:
    response = await client.get(path, params=params, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    document: dict[str, Any] = response.json()
    return document


def _nodes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["@id"]: node for node in document["@graph"]}


async def test_a_reused_code_gives_two_iris(client: httpx.AsyncClient, cao_bang: ImportSummary) -> None:
    hop_giang = await _unit(client, "01273", "2025-06-30")
    thuc_phan = await _unit(client, "01273", "2025-07-01")
    iris = Iris.of(BASE)
    former = _nodes(await _jsonld(client, "/units/by-code/01273", as_of="2025-06-30"))
    current = _nodes(await _jsonld(client, f"/units/{thuc_phan['id']}"))
    [former_iri], [current_iri] = former, current
    assert former_iri == iris.unit("01273", None) == f"{BASE}/id/unit/01273"
    assert current_iri == f"{BASE}/id/unit/01273/2025-07-01"
    assert (former[former_iri]["name"], former[former_iri]["validUntil"]) == (hop_giang["name"], "2025-06-30")
    assert (current[current_iri]["name"], current[current_iri]["validFrom"]) == ("Phường Thục Phán", "2025-07-01")
    province = await _unit(client, "04", "2025-07-01")
    assert current[current_iri]["subOrganizationOf"] == [iris.unit("04", checks.as_date(province["valid_from"]))]


async def test_json_stays_the_default(client: httpx.AsyncClient, cao_bang: ImportSummary) -> None:
    thuc_phan = await _unit(client, "01273", "2025-07-01")
    for headers in (
        {},
        {"Accept": "application/json"},
        {"Accept": "*/*"},
        {"Accept": "application/json, application/ld+json;q=0.5"},
    ):
        response = await client.get(f"/units/{thuc_phan['id']}", headers=headers)
        assert response.headers["content-type"] == "application/json", headers
        assert response.json()["code"] == "01273"
    by_format = await client.get(f"/units/{thuc_phan['id']}", params={"format": "jsonld"})
    assert by_format.headers["content-type"] == "application/ld+json"
    assert by_format.headers["etag"] == (await client.get(f"/units/{thuc_phan['id']}")).headers["etag"]
    json_wins = await client.get(
        f"/units/{thuc_phan['id']}", params={"format": "json"}, headers={"Accept": "application/ld+json"}
    )
    assert json_wins.headers["content-type"] == "application/json"


async def test_round_trip_through_the_published_context(client: httpx.AsyncClient, cao_bang: ImportSummary) -> None:
    thuc_phan = await _unit(client, "01273", "2025-07-01")
    lineage = await _jsonld(client, f"/units/{thuc_phan['id']}/lineage")
    assert lineage["@context"] == context_url(BASE)
    expanded = jsonld.expand(lineage, {"documentLoader": LOADER})
    compacted = jsonld.compact(expanded, context_url(BASE), {"documentLoader": LOADER})
    assert compacted == lineage
    served = await client.get("/linked-data/context.jsonld", headers=NO_AUTH)
    assert served.status_code == 200
    assert (served.headers["content-type"], served.json()) == ("application/ld+json", CONTEXT)


def test_the_loader_fetches_nothing_but_the_context() -> None:
    remote = {"@context": "https://example.org/context.jsonld", "name": "x"}
    with pytest.raises(jsonld.JsonLdError) as refused:
        jsonld.expand(remote, {"documentLoader": LOADER})
    assert isinstance(refused.value.__cause__, ContextNotServed)
    assert refused.value.details == {"url": "https://example.org/context.jsonld"}


async def test_lineage_as_a_change_event(client: httpx.AsyncClient, cao_bang: ImportSummary) -> None:
    thuc_phan = await _unit(client, "01273", "2025-07-01")
    api = (await client.get(f"/units/{thuc_phan['id']}/lineage")).json()
    nodes = _nodes(await _jsonld(client, f"/units/{thuc_phan['id']}/lineage"))
    iris = Iris.of(BASE)
    [event] = [node for node in nodes.values() if node["@type"] == "org:ChangeEvent"]
    assert event["resultingOrganization"] == [iris.unit("01273", checks.as_date(thuc_phan["valid_from"]))]
    expected = {iris.unit(step["unit"]["code"], checks.as_date(step["unit"]["valid_from"])) for step in api["predecessors"]}
    assert set(event["originalOrganization"]) == expected
    assert len(expected) == 5
    basis = event["legalBasis"]
    assert (basis["number"], basis["issued"]) == ("1657/NQ-UBTVQH15", "2025-06-16")
    assert basis["@id"] == f"{BASE}/id/legal-basis/1657-NQ-UBTVQH15/2025-06-16"
    change = await _jsonld(client, f"/unit-changes/{api['predecessors'][0]['change']['id']}")
    assert _nodes(change)[event["@id"]] == event


async def test_lists_as_jsonld_link_their_next_page(client: httpx.AsyncClient, cao_bang: ImportSummary) -> None:
    response = await client.get(
        "/units", params={"province": "04", "level": "commune", "as_of": "2025-07-01", "limit": "10", "format": "jsonld"}
    )
    assert response.status_code == 200
    assert len(response.json()["@graph"]) == 10
    link = response.headers["link"]
    assert link.startswith("<?")
    assert link.endswith('>; rel="next"')
    following = await client.get("/units" + link[1 : link.index(">")])
    assert following.headers["content-type"] == "application/ld+json"
    assert not {n["@id"] for n in following.json()["@graph"]} & {n["@id"] for n in response.json()["@graph"]}
    changes = await client.get(
        "/unit-changes", params={"province": "04", "limit": "3"}, headers={"Accept": "application/ld+json"}
    )
    assert [node["@type"] for node in changes.json()["@graph"]] == ["org:ChangeEvent"] * 3


async def test_the_export_answers_the_lineage_of_every_commune(client: httpx.AsyncClient, cao_bang: ImportSummary) -> None:
    answers = await checks.assert_export_answers_lineage(client, province="04", communes=56)
    assert len(answers["01273"]) == 5
    assert all(answers.values())


async def test_agencies_in_the_export_and_alone(
    client: httpx.AsyncClient, test_tokens: TestTokens, cao_bang: ImportSummary
) -> None:
    setup = await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"})
    assert setup.status_code == 200, setup.text
    province = await _unit(client, "04", "2025-07-01")
    created = await client.post(
        "/agencies",
        json={
            "name": 'Sở "Nội vụ"\n<script>alert(1)</script> {"@id": "http://evil.example/"}',
            "kind": "provincial_department",
            "unit_id": province["id"],
            "electronic_id_code": "000.00.01.H14",
        },
    )
    assert created.status_code == 201, created.text
    agency = created.json()
    iri = f"{BASE}/id/agency/000.00.01.H14"
    [node] = (await _jsonld(client, f"/agencies/{agency['id']}"))["@graph"]
    assert (node["@id"], node["name"], node["identifier"]) == (iri, agency["name"], "000.00.01.H14")
    assert node["subOrganizationOf"] == [Iris.of(BASE).unit("04", None)]
    elsewhere = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    outside = await client.get(f"/agencies/{agency['id']}", params={"format": "jsonld"}, headers=elsewhere)
    assert_problem(outside, 403, "outside_area")

    exported = await client.get("/linked-data/export", params={"province": "04", "as_of": "2025-07-01"})
    graph = checks.graph_of_jsonld(exported.json())
    names = {str(o) for o in graph.objects(predicate=SKOS.prefLabel)}
    assert agency["name"] in names
    assert not list(graph.triples((URIRef("http://evil.example/"), None, None)))
    organisations = set(graph.subjects(RDF.type, ORG.Organization))
    units = (await client.get("/units/stats", params={"province": "04", "as_of": "2025-07-01"})).json()["total"]
    assert len(organisations) == units + setup.json()["created"] + 1  # the units, the commune organisations, the department
    assert URIRef(iri) in organisations
    triples = (await client.get("/linked-data/export", params={"province": "04", "as_of": "2025-07-01", "format": "nt"})).text
    assert set(checks.graph_of_ntriples(triples)) == set(graph)


async def test_export_refusals(client: httpx.AsyncClient, test_tokens: TestTokens, cao_bang: ImportSummary) -> None:
    assert_problem(await client.get("/linked-data/export", params={"province": "99"}), 404, "province_not_found")
    viewer = test_tokens.headers(Role.VIEWER)
    assert_problem(await client.get("/linked-data/export", params={"province": "04"}, headers=viewer), 403, "role_not_allowed")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    # NOTE: the export is the province's reference data, read as the units are: whatever the area.
    response = await client.get("/linked-data/export", params={"province": "04", "format": "nt"}, headers=commune)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")


async def test_the_export_is_read_in_keyset_batches(
    client: httpx.AsyncClient, cao_bang: ImportSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = await client.get("/linked-data/export", params={"province": "04", "format": "nt"})
    monkeypatch.setattr(export_repository, "EXPORT_BATCH", 7)
    pages: list[int] = []
    fetch_page = paging.fetch_page

    async def counted(*args: Any, **kwargs: Any) -> Any:
        rows, cursor = await fetch_page(*args, **kwargs)
        pages.append(len(rows))
        return rows, cursor

    monkeypatch.setattr(export_repository, "fetch_page", counted)
    batched = (await client.get("/linked-data/export", params={"province": "04", "format": "nt"})).text
    assert max(pages) == 7
    assert sum(pages) >= cao_bang.units_created  # the units, then the changes and agencies, 7 rows at a time
    # NOTE: every row once, whatever the batch size: no row lost or repeated at a batch's edge.
    assert sorted(batched.splitlines()) == sorted(whole.text.splitlines())
