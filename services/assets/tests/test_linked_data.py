"""Premises as linked data: an ``org:Site`` of the unit or agency holding it, under the IRIs org-structure publishes."""

from __future__ import annotations

from typing import Any

import httpx
from pyld import jsonld  # type: ignore[import-untyped]
from rdflib import Graph, Literal, URIRef

from haicap_shared.linked_data import CONTEXT, Iris, context_url, document_loader, ntriples_of
from haicap_shared.settings import ProcessSettings

from .fake_org import QUANG_LAM, SCHOOL, FakeOrg
from .helpers import car, create_asset

BASE = ProcessSettings.model_fields["public_base_url"].default
IRIS = Iris.of(BASE)
LD = {"Accept": "application/ld+json"}


async def _site(client: httpx.AsyncClient, asset: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/assets/{asset['id']}", headers=LD)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    assert response.headers["etag"] == f'"{asset["version"]}"'
    document: dict[str, Any] = response.json()
    assert document["@context"] == context_url(BASE)
    [node] = document["@graph"]
    site: dict[str, Any] = node
    return site


async def test_premises_are_a_site_of_their_holder(client: httpx.AsyncClient) -> None:
    hostile = 'Số 1 "Hoàng Đình Giong"\n<script>alert(1)</script> {"@id": "http://evil.example/"}'
    office = await create_asset(client, address=hostile)
    node = await _site(client, office)
    assert (node["@type"], node["name"], node["identifier"]) == ("org:Site", office["name"], office["code"])
    assert node["siteOf"] == IRIS.unit(QUANG_LAM.code, QUANG_LAM.valid_from) == f"{BASE}/id/unit/01304/2025-07-01"
    assert node["siteAddress"]["streetAddress"] == hostile

    graph = Graph().parse(data=ntriples_of([node]), format="nt")
    site = URIRef(IRIS.site(office["id"]))
    assert (site, URIRef("http://www.w3.org/ns/org#siteOf"), URIRef(node["siteOf"])) in graph
    assert Literal(hostile) in set(graph.objects())
    assert not list(graph.triples((URIRef("http://evil.example/"), None, None)))

    loader = document_loader(context_url(BASE))
    document = (await client.get(f"/assets/{office['id']}", params={"format": "jsonld"})).json()
    expanded = jsonld.expand(document, {"documentLoader": loader})
    assert jsonld.compact(expanded, context_url(BASE), {"documentLoader": loader}) == {
        **document["@graph"][0],
        "@context": context_url(BASE),
    }
    assert CONTEXT["@context"]["siteOf"]["@id"] == "org:siteOf"


async def test_premises_of_an_agency_and_assets_without_a_site(client: httpx.AsyncClient) -> None:
    school = await create_asset(client, code="NĐ-TH", holder={"kind": "agency", "id": str(SCHOOL.id)}, purpose="education")
    assert (await _site(client, school))["siteOf"] == IRIS.agency_of(SCHOOL) == f"{BASE}/id/agency/{SCHOOL.id}"
    vehicle = await create_asset(client, **car("XE-01", "11A-123.45"))
    answered = await client.get(f"/assets/{vehicle['id']}", headers=LD)
    assert answered.headers["content-type"] == "application/json"
    assert answered.json()["kind"] == "car"
    plain = await client.get(f"/assets/{school['id']}")
    assert plain.headers["content-type"] == "application/json"


async def test_a_page_of_sites_reads_each_holder_once(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    first = await create_asset(client, code="NĐ-A")
    second = await create_asset(client, code="NĐ-B")
    await create_asset(client, **car("XE-02", "11A-222.33"))
    before = fake_org.calls
    response = await client.get("/assets", params={"format": "jsonld", "limit": "2"})
    assert response.status_code == 200, response.text
    assert fake_org.calls == before + 1  # one holder, read once for the page
    nodes = response.json()["@graph"]
    assert [node["@id"] for node in nodes] == [IRIS.site(first["id"]), IRIS.site(second["id"])]
    assert {node["siteOf"] for node in nodes} == {IRIS.unit_of(QUANG_LAM)}
    link = response.headers["link"]
    rest = (await client.get("/assets" + link[1 : link.index(">")])).json()
    assert rest["@graph"] == []  # the car has no ORG term: left out of the JSON-LD list
