"""What personnel publishes: one event kind per kind of record it audits (see the README's "Events").

Each kind's ``data.record`` is what ``GET`` of the record answers without ``reveal`` (the
national id masked); the two summaries (an import of people, a bulk re-placement) have no
``GET`` and are described by their own models, next to the one event of each record they changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from haicap_shared.events.catalogue import EventCatalogue, EventKind
from haicap_shared.personal_data import mask

from .people import service as people_service
from .people.schemas import Person, PersonImportSummary
from .placements import service as placement_service
from .placements.schemas import BulkReplacementSummary, Placement
from .positions import service as position_service
from .positions.schemas import JobPosition
from .quotas import service as quota_service
from .quotas.schemas import StaffingQuota
from .streamlining import service as streamlining_service
from .streamlining.schemas import StreamliningCase
from .training import service as training_service
from .training.schemas import TrainingRecord

PATH = "/api/v1/personnel"


def person_record(snapshot: Mapping[str, Any]) -> BaseModel:
    """A person's audited row as ``GET /people/{id}`` shows it: certificates listed, the national id masked."""
    values = dict(snapshot)
    values["certificates"] = people_service.certificates_list(values.get("certificates"))
    values["national_id"] = mask(values.get("national_id"))
    return Person.model_validate(values)


CATALOGUE = EventCatalogue(
    "personnel",
    PATH,
    kinds=[
        EventKind(
            people_service.ENTITY_PERSON,
            Person,
            f"{PATH}/people/{{id}}",
            actions={"recruit": "recruited"},
            represent=person_record,
            description="A person's record: created (one by one or imported), changed, moved to the agency of "
            "their new primary placement, recruited from non-specialised commune work",
        ),
        EventKind(
            position_service.ENTITY_POSITION,
            JobPosition,
            f"{PATH}/positions/{{id}}",
            actions={"submit": "submitted", "appraise": "appraised", "approve": "approved", "return": "returned"},
            description="A job position: drafted, changed, and each step of its approval",
        ),
        EventKind(
            quota_service.ENTITY_QUOTA,
            StaffingQuota,
            f"{PATH}/quotas/{{id}}",
            description="An agency's staffing quota for a year: set, changed",
        ),
        EventKind(
            placement_service.ENTITY_PLACEMENT,
            Placement,
            f"{PATH}/placements/{{id}}",
            actions={"reassess": "reassessed"},
            description="A placement: recorded (one by one, in a batch, by a bulk re-placement or a recruitment), "
            "ended, its suitability reassessed after the person's training changed",
        ),
        EventKind(
            placement_service.ENTITY_BULK_REPLACEMENT,
            BulkReplacementSummary,
            f"{PATH}/placements/bulk/{{id}}",
            description="A bulk re-placement (its id: the effective date), after the events of every placement it "
            "ended or recorded and every person it moved, in the same transaction",
        ),
        EventKind(
            streamlining_service.ENTITY_CASE,
            StreamliningCase,
            f"{PATH}/streamlining-cases/{{id}}",
            actions={"approve": "approved", "pay": "paid", "withdraw": "withdrawn"},
            description="A streamlining case: proposed, changed (recalculated), approved, paid, withdrawn",
        ),
        EventKind(
            training_service.ENTITY_TRAINING,
            TrainingRecord,
            f"{PATH}/training-records/{{id}}",
            description="A training record: recorded",
        ),
        EventKind(
            people_service.ENTITY_PERSON_IMPORT,
            PersonImportSummary,
            f"{PATH}/people/imports/{{id}}",
            actions={"import": "imported"},
            description="An import of people (its id: the file name), after the event of every person it wrote, "
            "in the same transaction",
        ),
    ],
)
"""personnel's event kinds; every entity type it audits is published."""
