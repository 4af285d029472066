"""The event kinds this domain publishes (joined into personnel's catalogue in ../events.py).

A dossier change's verification steps (verified, returned, reopened) and the admin's calendar
days. The worker's own steps (sent, acknowledged, rejected) are in the exchange log, not the feed.
"""

from __future__ import annotations

from haicap_shared.events.catalogue import EventKind

from . import service
from .schemas import CalendarDay, DossierChange

PATH = "/api/v1/personnel"

KINDS: list[EventKind] = [
    EventKind(
        service.ENTITY_CHANGE,
        DossierChange,
        f"{PATH}/dossier-changes/{{id}}",
        actions={"verify": "verified", "return": "returned", "reopen": "reopened"},
        description="A dossier change on its way to the national database: verified by the province, sent back with "
        "a reason, or reopened for review after the person flagged a discrepancy",
    ),
    EventKind(
        service.ENTITY_CALENDAR_DAY,
        CalendarDay,
        f"{PATH}/calendar-days/{{id}}",
        description="A day an admin set as worked or off (the year's swapped working days); its id is the date",
    ),
]
