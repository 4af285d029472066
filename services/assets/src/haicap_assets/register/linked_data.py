"""Premises as linked data: an asset of kind ``premises`` as an ``org:Site`` of the unit or agency holding it.

The holder's IRI is the one org-structure publishes (a unit by code and first day, an agency
by its electronic identifier code), so the holder is read from org-structure: a site links
into the province's export. Other kinds of asset have no ORG term and answer JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from haicap_shared.linked_data import LinkedData, jsonld_response
from haicap_shared.versioning import etag

from ..org_client import OrgDirectory
from .models import AssetKind, HolderKind
from .schemas import Asset


def has_linked_data(asset: Asset) -> bool:
    """Whether the asset has a JSON-LD representation (premises do: ``org:Site``)."""
    return asset.kind is AssetKind.PREMISES


async def site_node(org: OrgDirectory, ld: LinkedData, asset: Asset) -> dict[str, Any]:
    """The premises as an ``org:Site``: its name, code, address, and the holder it is a site of."""
    site = ld.iris.site(asset.id)
    node: dict[str, Any] = {"@id": site, "@type": "org:Site", "name": asset.name, "identifier": asset.code}
    if asset.holder_id is not None and asset.holder_kind is HolderKind.UNIT:
        node["siteOf"] = ld.iris.unit_of(await org.unit(asset.holder_id))
    elif asset.holder_id is not None and asset.holder_kind is HolderKind.AGENCY:
        node["siteOf"] = ld.iris.agency_of(await org.agency(asset.holder_id))
    if asset.address:
        # NOTE: the address has an IRI of its own (the site's, with a fragment): N-Triples are
        # written node by node, where a blank node's label would clash with another node's.
        node["siteAddress"] = {"@id": f"{site}#address", "@type": "vcard:Address", "streetAddress": asset.address}
    return node


async def site_document(org: OrgDirectory, ld: LinkedData, asset: Asset) -> JSONResponse:
    """One premises as JSON-LD, with its ETag."""
    return jsonld_response(ld.document([await site_node(org, ld, asset)]), headers={"ETag": etag(asset.version)})
