"""The event kinds this domain publishes (joined into personnel's catalogue in ../events.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from haicap_shared.events.catalogue import EventKind

from .schemas import CareerEvent, CareerEventImportSummary

PATH = "/api/v1/personnel"
# NOTE: kept on the rows for the area and the statistics, or shown inside ``document``: never named as changed.
INTERNAL = frozenset({"agency_valid_to", "agency_level", "unit_id", "document_size", "document_content_type"})


def career_event_record(snapshot: Mapping[str, Any]) -> BaseModel:
    """An event's audited row as ``GET /career-events/{id}`` shows it (the decision and the document nested)."""
    return CareerEvent.model_validate(dict(snapshot))


KINDS: list[EventKind] = [
    EventKind(
        "career_event",
        CareerEvent,
        f"{PATH}/career-events/{{id}}",
        represent=career_event_record,
        internal_fields=INTERNAL,
        description="A career event (recruitment, appointment, transfer... retirement) with its decision: recorded "
        "(one by one, imported, or as a transfer of a bulk re-placement), corrected, its document attached or "
        "detached (its SHA-256 in `document`), deleted",
    ),
    EventKind(
        "career_event_import",
        CareerEventImportSummary,
        f"{PATH}/career-events/imports/{{id}}",
        actions={"import": "imported"},
        description="An import of career events (its id: the file name), after the event of every career event it "
        "wrote, in the same transaction",
    ),
]
