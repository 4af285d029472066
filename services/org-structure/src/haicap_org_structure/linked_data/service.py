"""The organisation shaped as JSON-LD (W3C ORG, Popolo dates, Dublin Core, PROV), and the province export.

Every node carries an ``@id`` (see :mod:`haicap_shared.linked_data.iris`): units by code and
first day, agencies by electronic identifier code, changes by id, legal bases by number and
date. Text (names, legal bases, notes) is always a JSON string value, so JSON-LD and RDF read
it as a literal whatever it holds (quotes, ``<script>``, ``"@id"``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.errors import NotFound
from haicap_shared.linked_data import Iris, LinkedData, jsonld_response
from haicap_shared.paging import Page
from haicap_shared.versioning import etag

from ..agencies import service as agency_service
from ..units import repository as unit_repository
from ..units import service as unit_service
from ..units.models import AdministrativeUnit, unit_table
from ..units.schemas import AdministrativeUnit as UnitOut
from ..units.schemas import Lineage
from ..units.schemas import UnitChange as UnitChangeOut
from . import repository


class ProvinceNotFound(NotFound):
    code, title = "province_not_found", "No such province"


def _validity(valid_from: date | None, valid_to: date | None) -> dict[str, Any]:
    """Popolo's dates (``schema:validFrom``/``schema:validUntil``) and the DCMI period (``dcterms:valid``)."""
    found: dict[str, Any] = {}
    period: list[str] = []
    if valid_from is not None:
        found["validFrom"] = valid_from.isoformat()
        period.append(f"start={valid_from.isoformat()};")
    if valid_to is not None:
        found["validUntil"] = valid_to.isoformat()
        period.append(f"end={valid_to.isoformat()};")
    if period:
        found["valid"] = " ".join([*period, "scheme=W3C-DTF;"])
    return found


def unit_node(iris: Iris, unit: Mapping[Any, Any], parent: tuple[str, date | None] | None) -> dict[str, Any]:
    """A unit as an ``org:Organization``; ``parent`` is its parent's (code, first day)."""
    node: dict[str, Any] = {
        "@id": iris.unit(unit["code"], unit["valid_from"]),
        "@type": "org:Organization",
        "identifier": unit["code"],
        "name": unit["name"],
        "shortName": unit["short_name"],
        "classification": iris.concept("unit-kind", str(unit["kind"])),
        **_validity(unit["valid_from"], unit["valid_to"]),
    }
    if parent is not None:
        node["subOrganizationOf"] = [iris.unit(*parent)]
    return node


def legal_basis_node(iris: Iris, text: str) -> dict[str, Any]:
    """The resolution or decision a legal basis names, as a ``prov:Entity`` with its number and date."""
    basis = iris.legal_basis(text)
    node: dict[str, Any] = {"@id": basis.iri, "@type": "prov:Entity", "title": basis.text}
    if basis.number is not None:
        node["number"] = basis.number
    if basis.issued is not None:
        node["issued"] = basis.issued.isoformat()
    return node


def change_node(iris: Iris, change: UnitChangeOut) -> dict[str, Any]:
    """A change as an ``org:ChangeEvent`` from its former to its resulting units, with its legal basis."""
    node: dict[str, Any] = {
        "@id": iris.change(change.id),
        "@type": "org:ChangeEvent",
        "classification": iris.concept("change-kind", change.kind.value),
        "date": change.effective_date.isoformat(),
        "legalBasis": legal_basis_node(iris, change.legal_basis),
    }
    if change.sources:
        node["originalOrganization"] = [iris.unit(u.code, u.valid_from) for u in change.sources]
    if change.results:
        node["resultingOrganization"] = [iris.unit(u.code, u.valid_from) for u in change.results]
    if change.note:
        node["description"] = change.note
    return node


def agency_node(iris: Iris, agency: Mapping[Any, Any]) -> dict[str, Any]:
    """An agency (with its unit's and parent's codes, as the repository reads it) as an ``org:Organization``."""
    within = [iris.unit(agency["unit_code"], agency["unit_valid_from"])]
    if agency["parent_id"] is not None:
        within.append(iris.agency(agency["parent_id"], agency["parent_electronic_id_code"], agency["parent_valid_from"]))
    node: dict[str, Any] = {
        "@id": iris.agency(agency["id"], agency["electronic_id_code"], agency["valid_from"]),
        "@type": "org:Organization",
        "name": agency["name"],
        "classification": iris.concept("agency-kind", str(agency["kind"])),
        "subOrganizationOf": within,
        **_validity(agency["valid_from"], agency["valid_to"]),
    }
    if agency["electronic_id_code"]:
        node["identifier"] = agency["electronic_id_code"]
    return node


def _columns(unit: AdministrativeUnit | UnitOut) -> dict[str, Any]:
    return {column.key: getattr(unit, column.key) for column in unit_table.columns if hasattr(unit, column.key)}


async def unit_nodes(session: AsyncSession, iris: Iris, units: Sequence[AdministrativeUnit | UnitOut]) -> list[dict[str, Any]]:
    """Units as nodes, each with its parent's IRI (the parents read in one query)."""
    parents = await unit_repository.get_units(session, {u.parent_id for u in units if u.parent_id is not None})
    return [
        unit_node(
            iris,
            _columns(unit),
            (parents[unit.parent_id].code, parents[unit.parent_id].valid_from) if unit.parent_id in parents else None,
        )
        for unit in units
    ]


async def unit_document(session: AsyncSession, ld: LinkedData, unit: AdministrativeUnit) -> JSONResponse:
    """One unit as JSON-LD, with its ETag."""
    return jsonld_response(ld.document(await unit_nodes(session, ld.iris, [unit])), headers={"ETag": etag(unit.version)})


async def units_page_document(session: AsyncSession, ld: LinkedData, page: Page[UnitOut]) -> JSONResponse:
    """A page of units as JSON-LD; the next page in the ``Link`` header."""
    nodes = await unit_nodes(session, ld.iris, page.items)
    return jsonld_response(ld.document(nodes), headers=ld.next_page(page.next))


def change_document(ld: LinkedData, change: UnitChangeOut) -> JSONResponse:
    """One change as JSON-LD, with its ETag."""
    return jsonld_response(ld.document([change_node(ld.iris, change)]), headers={"ETag": etag(change.version)})


def changes_page_document(ld: LinkedData, page: Page[UnitChangeOut]) -> JSONResponse:
    """A page of changes as JSON-LD; the next page in the ``Link`` header."""
    return jsonld_response(ld.document([change_node(ld.iris, change) for change in page.items]), headers=ld.next_page(page.next))


async def lineage_document(session: AsyncSession, ld: LinkedData, lineage: Lineage) -> JSONResponse:
    """A unit's lineage as JSON-LD: the unit, the units it came from and became, and the changes between them."""
    steps = [*lineage.predecessors, *lineage.successors]
    units = await unit_repository.get_units(session, [lineage.unit.id, *(step.unit.id for step in steps)])
    change_ids = list(dict.fromkeys(step.change.id for step in steps))
    changes = await unit_service.describe_changes(session, await unit_repository.change_rows(session, change_ids))
    ordered = [units[lineage.unit.id], *(units[step.unit.id] for step in steps)]
    nodes = await unit_nodes(session, ld.iris, ordered) + [change_node(ld.iris, change) for change in changes]
    return jsonld_response(ld.document(nodes))


async def agency_document(session: AsyncSession, ld: LinkedData, principal: Principal, agency_id: uuid.UUID) -> JSONResponse:
    """One agency as JSON-LD (read under the same area rule as its JSON), with its ETag."""
    agency = await agency_service.get_agency(session, principal, agency_id)
    row = await repository.agency_with_its_unit(session, agency.id)
    if row is None:
        raise agency_service.AgencyNotFound(f"No agency has id {agency_id}")
    return jsonld_response(ld.document([agency_node(ld.iris, row)]), headers={"ETag": etag(agency.version)})


async def check_province(session: AsyncSession, province: str) -> None:
    """404 ``province_not_found`` unless a province has (or had) this code."""
    if not [u for u in await unit_repository.units_with_codes(session, [province]) if u.parent_id is None]:
        raise ProvinceNotFound(f"No province has code {province}", province=province)


async def export_batches(
    session: AsyncSession, iris: Iris, province: str, as_of: date | None
) -> AsyncIterator[list[dict[str, Any]]]:
    """The province's organisation as nodes, a batch at a time: units, then changes, then agencies."""
    async for rows in repository.unit_batches(session, province, as_of):
        yield [unit_node(iris, row, (row["parent_code"], row["parent_valid_from"]) if row["parent_id"] else None) for row in rows]
    async for rows in repository.change_batches(session, province, as_of):
        yield [change_node(iris, change) for change in await unit_service.describe_changes(session, rows)]
    async for rows in repository.agency_batches(session, province, as_of):
        yield [agency_node(iris, row) for row in rows]
