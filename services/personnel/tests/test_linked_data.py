"""Job positions as linked data: an ``org:Post`` in its agency, under the IRI org-structure publishes."""

from __future__ import annotations

from typing import Any

import httpx
from pyld import jsonld  # type: ignore[import-untyped]
from rdflib import Graph, Literal, URIRef

from haicap_shared.linked_data import Iris, context_url, document_loader, ntriples_of
from haicap_shared.settings import ProcessSettings
from haicap_shared.testing import assert_problem

from .conftest import World

BASE = ProcessSettings.model_fields["public_base_url"].default
IRIS = Iris.of(BASE)
LD = {"Accept": "application/ld+json"}
HOSTILE = 'Chuyên viên "pháp chế"\n<script>alert(1)</script> {"@id": "http://evil.example/"}'


async def _position(client: httpx.AsyncClient, agency_id: object, **changes: Any) -> dict[str, Any]:
    body = {"agency_id": str(agency_id), "title": "Chuyên viên", "group": "professional", "posts": 2} | changes
    response = await client.post("/positions", json=body)
    assert response.status_code == 201, response.text
    position: dict[str, Any] = response.json()
    return position


async def test_a_position_is_a_post_in_its_agency(client: httpx.AsyncClient, world: World) -> None:
    coded = world.department.model_copy(update={"electronic_id_code": "000.00.01.H14"})
    world.agencies[coded.id] = coded
    legal = await _position(client, coded.id, title=HOSTILE)
    response = await client.get(f"/positions/{legal['id']}", headers=LD)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    assert response.headers["etag"] == f'"{legal["version"]}"'
    document = response.json()
    [post] = document["@graph"]
    assert (post["@id"], post["@type"], post["name"]) == (IRIS.post(legal["id"]), "org:Post", HOSTILE)
    assert post["postIn"] == IRIS.agency_of(coded) == f"{BASE}/id/agency/000.00.01.H14"
    assert post["classification"] == f"{BASE}/id/position-group/professional"

    graph = Graph().parse(data=ntriples_of([post]), format="nt")
    assert (URIRef(post["@id"]), URIRef("http://www.w3.org/ns/org#postIn"), URIRef(post["postIn"])) in graph
    assert Literal(HOSTILE, lang="vi") in set(graph.objects())
    assert not list(graph.triples((URIRef("http://evil.example/"), None, None)))
    loader = document_loader(context_url(BASE))
    compacted = jsonld.compact(jsonld.expand(document, {"documentLoader": loader}), context_url(BASE), {"documentLoader": loader})
    assert compacted == {**post, "@context": context_url(BASE)}

    plain = await client.get(f"/positions/{legal['id']}")
    assert plain.headers["content-type"] == "application/json"
    assert plain.json()["title"] == HOSTILE


async def test_a_page_of_posts(client: httpx.AsyncClient, world: World) -> None:
    for agency in (world.new_office, world.new_economic):
        await _position(client, agency.id)
    first = await client.get("/positions", params={"limit": "1", "format": "jsonld"})
    assert first.status_code == 200, first.text
    [post] = first.json()["@graph"]
    link = first.headers["link"]
    second = await client.get("/positions" + link[1 : link.index(">")])
    [other] = second.json()["@graph"]
    # NOTE: agencies without an electronic identifier code keep the IRI by id.
    assert {post["postIn"], other["postIn"]} == {IRIS.agency_of(world.new_office), IRIS.agency_of(world.new_economic)}
    world.down = True
    assert_problem(await client.get("/positions", headers=LD), 503, "upstream_unavailable")
