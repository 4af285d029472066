"""Job positions as linked data: an ``org:Post`` in its agency, under the IRI org-structure publishes.

The agency's IRI is built from its electronic identifier code when it has one, so each
distinct agency of the answer is read from org-structure (a few at a time, ``read_each``); an agency
org-structure no longer knows keeps the IRI by id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse

from haicap_shared.linked_data import LinkedData, jsonld_response, read_each
from haicap_shared.paging import Page
from haicap_shared.versioning import etag

from ..org_client import OrgDirectory
from .schemas import JobPosition


async def agency_iris(org: OrgDirectory, ld: LinkedData, agency_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each distinct agency's IRI, as org-structure describes the agency."""

    async def iri(agency_id: uuid.UUID) -> str:
        agency = await org.agency(agency_id)
        return ld.iris.agency_of(agency) if agency is not None else ld.iris.agency(agency_id, None, None)

    return await read_each(agency_ids, iri)


def post_node(ld: LinkedData, position: JobPosition, agency_iri: str) -> dict[str, Any]:
    """A position as an ``org:Post``: its title, its agency, its group and grade, when it was created and changed."""
    node: dict[str, Any] = {
        "@id": ld.iris.post(position.id),
        "@type": "org:Post",
        "name": position.title,
        "postIn": agency_iri,
        "classification": ld.iris.concept("position-group", position.group.value),
        "created": position.created_at.isoformat(),
        "modified": position.updated_at.isoformat(),
    }
    if position.grade_code:
        node["role"] = ld.iris.concept("grade", position.grade_code)
    return node


async def post_document(org: OrgDirectory, ld: LinkedData, position: JobPosition) -> JSONResponse:
    """One position as JSON-LD, with its ETag."""
    iris = await agency_iris(org, ld, [position.agency_id])
    node = post_node(ld, position, iris[position.agency_id])
    return jsonld_response(ld.document([node]), headers={"ETag": etag(position.version)})


async def posts_page_document(org: OrgDirectory, ld: LinkedData, page: Page[JobPosition]) -> JSONResponse:
    """A page of positions as JSON-LD; the next page in the ``Link`` header."""
    iris = await agency_iris(org, ld, (position.agency_id for position in page.items))
    nodes = [post_node(ld, position, iris[position.agency_id]) for position in page.items]
    return jsonld_response(ld.document(nodes), headers=ld.next_page(page.next))
