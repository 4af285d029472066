"""The event kinds this domain publishes (joined into personnel's catalogue in ../events.py)."""

from __future__ import annotations

from haicap_shared.events.catalogue import EventKind

from .schemas import Reconciliation
from .service import ENTITY_RECONCILIATION

PATH = "/api/v1/personnel"

KINDS: list[EventKind] = [
    EventKind(
        ENTITY_RECONCILIATION,
        Reconciliation,
        f"{PATH}/national-sync/reconciliations/{{id}}",
        description="A reconciliation of a national-side export with haicap's records: made (its counts of "
        "differences; the differences themselves, with national ids, are read from the API)",
    ),
]
