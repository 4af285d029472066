"""What personnel publishes: one event kind per kind of record it audits (see the README's "Events").

Each kind's ``data.record`` is what ``GET`` of the record answers without ``reveal`` (the
national id masked); the two summaries (an import of people, a bulk re-placement) have no
``GET`` and are described by their own models, next to the one event of each record they changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Numeric, Table

from haicap_shared.events.catalogue import EventCatalogue, EventKind
from haicap_shared.personal_data import mask
from haicap_shared.procedures.wiring import dossier_event_kind

from .careers import events as career_events
from .conduct import events as conduct_events
from .consent import events as consent_events
from .people import service as people_service
from .people.models import person_table
from .people.schemas import FamilyMember, Person, PersonImportSummary
from .placements import service as placement_service
from .placements.schemas import BulkReplacementSummary, Placement
from .positions import service as position_service
from .positions.schemas import JobPosition
from .quotas import service as quota_service
from .quotas.models import quota_table
from .quotas.schemas import StaffingQuota
from .streamlining import service as streamlining_service
from .streamlining.models import case_table
from .streamlining.schemas import StreamliningCase
from .sync import events as sync_events
from .sync_reports import events as sync_report_events
from .training import service as training_service
from .training.models import training_table
from .training.schemas import TrainingRecord

PATH = "/api/v1/personnel"
# NOTE: kept on the rows for searches and the statistics, not shown by the API: never named as changed.
AGENCY_END = frozenset({"agency_valid_to"})
SEARCH_KEYS = frozenset({"search_key"})


def _scales(table: Table) -> dict[str, Decimal]:
    """The quantum of each decimal column of ``table`` with a scale (``Numeric(6, 1)``: ``0.1``)."""
    return {
        c.name: Decimal(1).scaleb(-c.type.scale)
        for c in table.columns
        if isinstance(c.type, Numeric) and c.type.scale is not None
    }


_SCALES: dict[str, dict[str, Decimal]] = {}


def as_stored(table: Table, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot's decimals at their column's scale, as a read of the row gives them (``40`` is ``40.0``).

    NOTE: a snapshot taken right after a flush holds the values as written, not as read back.
    """
    scales = _SCALES.get(table.name)
    if scales is None:
        scales = _SCALES[table.name] = _scales(table)
    values = dict(snapshot)
    for name, quantum in scales.items():
        if (value := values.get(name)) is not None:
            values[name] = str(Decimal(str(value)).quantize(quantum))
    return values


def stored_as(table: Table, schema: type[BaseModel]) -> Callable[[Mapping[str, Any]], BaseModel]:
    """A kind's record: its audited row, decimals as stored, as ``schema`` shows it."""

    def represent(snapshot: Mapping[str, Any]) -> BaseModel:
        return schema.model_validate(as_stored(table, snapshot))

    return represent


def person_record(snapshot: Mapping[str, Any]) -> BaseModel:
    """A person's audited row as ``GET /people/{id}`` shows it: certificates listed, places dated, codes named, the
    national id masked."""
    values = people_service.person_values(as_stored(person_table, snapshot))
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
            internal_fields=AGENCY_END | SEARCH_KEYS | {"field_key"},
            description="A person's record: created (one by one or imported), changed, moved to the agency of "
            "their new primary placement, recruited from non-specialised commune work",
        ),
        EventKind(
            people_service.ENTITY_FAMILY_MEMBER,
            FamilyMember,
            f"{PATH}/family-members/{{id}}",
            internal_fields=AGENCY_END | {"agency_level", "unit_id"},
            description="A member of a person's family (quan hệ gia đình): recorded, changed, removed",
        ),
        EventKind(
            position_service.ENTITY_POSITION,
            JobPosition,
            f"{PATH}/positions/{{id}}",
            actions={"submit": "submitted", "appraise": "appraised", "approve": "approved", "return": "returned"},
            internal_fields=AGENCY_END | SEARCH_KEYS,
            description="A job position: drafted, changed, and each step of its approval",
        ),
        EventKind(
            quota_service.ENTITY_QUOTA,
            StaffingQuota,
            f"{PATH}/quotas/{{id}}",
            internal_fields=AGENCY_END,
            represent=stored_as(quota_table, StaffingQuota),
            description="An agency's staffing quota for a year: set, changed",
        ),
        EventKind(
            placement_service.ENTITY_PLACEMENT,
            Placement,
            f"{PATH}/placements/{{id}}",
            actions={"reassess": "reassessed"},
            internal_fields=AGENCY_END,
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
            represent=stored_as(case_table, StreamliningCase),
            # NOTE: a step's note is in the audit log (the case does not show it).
            internal_fields=AGENCY_END | {"note"},
            description="A streamlining case: proposed, changed (recalculated), approved, paid, withdrawn",
        ),
        EventKind(
            training_service.ENTITY_TRAINING,
            TrainingRecord,
            f"{PATH}/training-records/{{id}}",
            represent=stored_as(training_table, TrainingRecord),
            internal_fields=AGENCY_END | {"agency_level", "unit_id"},
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
        dossier_event_kind(PATH),
        *career_events.KINDS,
        *conduct_events.KINDS,
        *consent_events.KINDS,
        *sync_events.KINDS,
        *sync_report_events.KINDS,
    ],
)
"""personnel's event kinds; every entity type it audits is published."""
