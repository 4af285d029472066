"""What assets publishes on its change feed: one event kind per kind of record it audits.

Every audited change (:mod:`haicap_shared.audit`) becomes a CloudEvent in the same
transaction (:mod:`haicap_shared.events`); this catalogue says, for each audited entity type,
which response model its ``data.record`` follows, where the record is at the gateway and
where it lies (the feed's area filter). A bulk change (an import, a hand-over) publishes one
event per record it changes and one summary event for the operation; the operation is no
record of its own, so its subject is its entry in the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from haicap_shared.events.catalogue import EventArea, EventCatalogue, EventKind
from haicap_shared.procedures.wiring import dossier_event_kind

from .allocations.schemas import HandoverSummary
from .allocations.service import ENTITY_ALLOCATION, ENTITY_HANDOVER
from .dispositions import service as disposition_service
from .dispositions.schemas import Disposition
from .norms.schemas import CarNorm
from .norms.service import ENTITY_NORM, norm_record
from .register.schemas import AllocationOut, Asset, AssetImportSummary
from .register.service import ENTITY_ASSET, ENTITY_IMPORT

SERVICE_PATH = "/api/v1/assets"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def asset_area(record: Mapping[str, Any]) -> EventArea:
    """An asset lies in its province, and in the commune that holds it (where it stands, when no commune holds it).

    The area of a list (``register.access``) lets a commune officer see an asset held by their
    commune or standing in it; an event carries one commune, so it names the holder's, which
    is also where the asset stands unless a commune holds an asset standing in another.
    """
    agency = record.get("holder_id") if record.get("holder_kind") == "agency" else None
    commune = record.get("holder_commune_code") or record.get("commune_code")
    return EventArea(_text(record.get("province_code")), _text(commune), _text(agency))


def holder_area(record: Mapping[str, Any]) -> EventArea:
    """An allocation lies where its holder is (``allocations.access``: seen by those whose area covers the holder)."""
    agency = record.get("holder_id") if record.get("holder_kind") == "agency" else None
    return EventArea(_text(record.get("holder_province_code")), _text(record.get("holder_commune_code")), _text(agency))


def disposition_area(record: Mapping[str, Any]) -> EventArea:
    """A disposition plan lies where its asset does (the asset's commune and agency are in its audited snapshot)."""
    return EventArea(
        _text(record.get("province_code")), _text(record.get("asset_commune_code")), _text(record.get("asset_agency_id"))
    )


def event_catalogue(decision_days: int = 20) -> EventCatalogue:
    """The catalogue of assets' events; ``decision_days`` as in the settings (a disposition's due day is in its record)."""

    def disposition_record(snapshot: Mapping[str, Any]) -> BaseModel:
        # NOTE: the record as GET answers it on the day of the change (decision due, overdue).
        return disposition_service.present(snapshot, date.today(), decision_days)

    return EventCatalogue(
        "assets",
        SERVICE_PATH,
        kinds=[
            EventKind(
                ENTITY_ASSET,
                Asset,
                f"{SERVICE_PATH}/assets/{{id}}",
                area=asset_area,
                description="An asset recorded (one by one or by import), changed, moved to another holder, "
                "put in or out of disposition, or disposed of",
            ),
            EventKind(
                ENTITY_ALLOCATION,
                AllocationOut,
                f"{SERVICE_PATH}/allocations/{{id}}",
                area=holder_area,
                description="An allocation opened (a new asset, a new holder, a hand-over, a disposition carried out) "
                "or ended (updated with its valid_to)",
            ),
            EventKind(
                ENTITY_HANDOVER,
                HandoverSummary,
                f"{SERVICE_PATH}/audit-events?entity_type={ENTITY_HANDOVER}&entity_id={{id}}",
                description="A hand-over of former units' assets to one holder (its summary; each asset moved has its "
                "own asset and allocation events, in the same transaction)",
            ),
            EventKind(
                ENTITY_IMPORT,
                AssetImportSummary,
                f"{SERVICE_PATH}/audit-events?entity_type={ENTITY_IMPORT}&entity_id={{id}}",
                actions={"import": "imported"},
                description="An import that wrote assets (its counts; each asset and allocation written has its own "
                "created event, in the same transaction); the id is the file's name",
            ),
            EventKind(
                disposition_service.ENTITY_DISPOSITION,
                Disposition,
                f"{SERVICE_PATH}/dispositions/{{id}}",
                represent=disposition_record,
                area=disposition_area,
                description="A disposition plan proposed, submitted, approved, rejected or carried out",
            ),
            EventKind(
                ENTITY_NORM,
                CarNorm,
                f"{SERVICE_PATH}/car-norms/{{id}}",
                represent=norm_record,
                description="A car norm recorded, or ended by the next one (national: no area)",
            ),
            dossier_event_kind(SERVICE_PATH),
        ],
    )
