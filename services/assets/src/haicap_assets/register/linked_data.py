"""Premises as linked data: an asset of kind ``premises`` as an ``org:Site`` of the unit or agency holding it.

The holder's IRI is the one org-structure publishes (a unit by code and first day, an agency
by its electronic identifier code), so each distinct holder of the answer is read from
org-structure (a few at a time, ``read_each``): a site links into the province's export. A
holder org-structure no longer knows leaves the site without ``siteOf``. Other kinds of asset
have no ORG term: one answers JSON, a list leaves them out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse

from haicap_shared.linked_data import LinkedData, jsonld_response, read_each
from haicap_shared.paging import Page
from haicap_shared.versioning import etag

from ..org_client import HolderNotFound, OrgDirectory
from .models import AssetKind, HolderKind
from .schemas import Asset

Holder = tuple[HolderKind, uuid.UUID]


def has_linked_data(asset: Asset) -> bool:
    """Whether the asset has a JSON-LD representation (premises do: ``org:Site``)."""
    return asset.kind is AssetKind.PREMISES


def _holder(asset: Asset) -> Holder | None:
    return (asset.holder_kind, asset.holder_id) if asset.holder_kind is not None and asset.holder_id is not None else None


async def holder_iris(org: OrgDirectory, ld: LinkedData, assets: Iterable[Asset]) -> dict[Holder, str | None]:
    """Each distinct holder's IRI, as org-structure describes it (None: org-structure no longer knows it)."""

    async def iri(holder: Holder) -> str | None:
        kind, holder_id = holder
        try:
            if kind is HolderKind.UNIT:
                return ld.iris.unit_of(await org.unit(holder_id))
            return ld.iris.agency_of(await org.agency(holder_id))
        except HolderNotFound:
            return None

    return await read_each([h for asset in assets if (h := _holder(asset)) is not None], iri)


def site_node(ld: LinkedData, asset: Asset, holder_iri: str | None) -> dict[str, Any]:
    """The premises as an ``org:Site``: its name, code, address, and the holder it is a site of."""
    site = ld.iris.site(asset.id)
    node: dict[str, Any] = {"@id": site, "@type": "org:Site", "name": asset.name, "identifier": asset.code}
    if holder_iri is not None:
        node["siteOf"] = holder_iri
    if asset.address:
        # NOTE: the address has an IRI of its own (the site's, with a fragment): N-Triples are
        # written node by node, where a blank node's label would clash with another node's.
        node["siteAddress"] = {"@id": f"{site}#address", "@type": "vcard:Address", "streetAddress": asset.address}
    return node


def _nodes(ld: LinkedData, assets: list[Asset], holders: dict[Holder, str | None]) -> list[dict[str, Any]]:
    return [site_node(ld, asset, holders.get(h) if (h := _holder(asset)) else None) for asset in assets]


async def site_document(org: OrgDirectory, ld: LinkedData, asset: Asset) -> JSONResponse:
    """One premises as JSON-LD, with its ETag."""
    nodes = _nodes(ld, [asset], await holder_iris(org, ld, [asset]))
    return jsonld_response(ld.document(nodes), headers={"ETag": etag(asset.version)})


async def sites_page_document(org: OrgDirectory, ld: LinkedData, page: Page[Asset]) -> JSONResponse:
    """The premises of a page of assets as JSON-LD (other kinds left out); the next page in the ``Link`` header."""
    premises = [asset for asset in page.items if has_linked_data(asset)]
    nodes = _nodes(ld, premises, await holder_iris(org, ld, premises))
    return jsonld_response(ld.document(nodes), headers=ld.next_page(page.next))
