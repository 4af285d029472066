"""The event kinds this domain publishes (joined into personnel's catalogue in ../events.py)."""

from __future__ import annotations

from haicap_shared.events.catalogue import EventKind

from .schemas import Commendation, Discipline, Evaluation, commendation_of, discipline_of
from .service import ENTITY_COMMENDATION, ENTITY_DISCIPLINE, ENTITY_EVALUATION

PATH = "/api/v1/personnel"
# NOTE: kept on the rows for area checks and statistics, not shown by the API: never named as changed.
INTERNAL = frozenset({"agency_valid_to", "agency_level", "unit_id"})

KINDS: list[EventKind] = [
    EventKind(
        ENTITY_EVALUATION,
        Evaluation,
        f"{PATH}/evaluations/{{id}}",
        internal_fields=INTERNAL,
        description="A person's yearly evaluation and classification: recorded (one by one or imported), changed",
    ),
    EventKind(
        ENTITY_COMMENDATION,
        Commendation,
        f"{PATH}/commendations/{{id}}",
        represent=commendation_of,
        internal_fields=INTERNAL,
        description="A commendation with its decision: recorded, changed",
    ),
    EventKind(
        ENTITY_DISCIPLINE,
        Discipline,
        f"{PATH}/disciplines/{{id}}",
        represent=discipline_of,
        internal_fields=INTERNAL,
        description="A discipline with its decision and the end of its effect: recorded, changed",
    ),
]
