"""What org-structure publishes: one event kind per kind of record it changes (see the README's "Events").

Every audited change becomes a CloudEvent (``vn.gov.haicap.org.<kind>.<past tense>``) in the
changing transaction (:mod:`haicap_shared.events`). A record's event carries it as ``GET`` of
it answers: the audit snapshots are written that way (the internal ``search_key`` left out), with
the area facts a response does not show (a decision's agency's commune, a task's lead owner's
commune) kept beside it for the event's area. A bulk write (an import, the standard setup, a bulk
transfer) publishes one event per record and one for the run itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haicap_shared.events.catalogue import EventArea, EventCatalogue, EventKind

from .agencies import service as agencies
from .agencies.schemas import Agency, AgencyImportRun, FunctionDecision, StandardSetupRun
from .feasibility import service as feasibility
from .feasibility.schemas import TaskFeasibility
from .plans import progress as plan_progress
from .plans import reminders as plan_reminders
from .plans import service as plans
from .plans.schemas import PlanItem, PlanSummary
from .procedures import service as procedures
from .procedures.schemas import Procedure, ProcedureImportRun
from .tasks import service as tasks
from .tasks.schemas import Task, TaskImportRun
from .transfers import service as transfers
from .transfers.schemas import TransferBatch
from .units import service as units
from .units.schemas import AdministrativeUnit, UnitChange, UnitCorrection, UnitImportRun

PATH = "/api/v1/org"
RUNS = f"{PATH}/audit-events?entity_type={{type}}&entity_id={{{{id}}}}"
"""A run (an import, a setup) is no record of its own: its URL is its entry in the audit log."""


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _unit_area(record: Mapping[str, Any]) -> EventArea:
    """A unit lies in its province; a commune in itself too (its officers see their commune's changes)."""
    commune = record["code"] if record.get("level") == "commune" else None
    return EventArea(province_code=record["province_code"], commune_code=commune)


def _change_area(record: Mapping[str, Any]) -> EventArea:
    """A change lies in its province, and in the commune it results in (or abolishes) when there is one."""
    units = record.get("results") or record.get("sources") or []
    communes = {unit["code"] for unit in units if unit.get("level") == "commune"}
    return EventArea(province_code=record["province_code"], commune_code=communes.pop() if len(communes) == 1 else None)


def _agency_area(record: Mapping[str, Any]) -> EventArea:
    return EventArea(record["province_code"], record.get("commune_code"), _text(record["id"]))


def _task_area(record: Mapping[str, Any]) -> EventArea:
    """A task lies in its province, and with its lead owner (its commune from the snapshot)."""
    return EventArea(record["province_code"], record.get("owner_commune_code"), _text(record.get("owner_agency_id")))


def _plan_item_area(record: Mapping[str, Any]) -> EventArea:
    """An item lies in its province and commune, with its assignee; a reminder goes to the superior agency (and its commune)."""
    agency = record.get(plan_reminders.NOTIFY_AGENCY) or record.get("assignee_agency_id")
    commune = record.get(plan_reminders.NOTIFY_COMMUNE) or record.get("commune_code")
    return EventArea(record["province_code"], commune, _text(agency))


def _unit_import_area(record: Mapping[str, Any]) -> EventArea:
    scope = str(record["scope"])
    return EventArea(province_code=scope.removeprefix("province:") if scope.startswith("province:") else None)


CATALOGUE = EventCatalogue(
    "org",
    PATH,
    kinds=[
        EventKind(
            units.ENTITY_UNIT,
            AdministrativeUnit,
            f"{PATH}/units/{{id}}",
            name="unit",
            area=_unit_area,
            description="An administrative unit recorded, changed (also by the reference import: a corrected code or "
            "name, an end date) or deleted",
        ),
        EventKind(
            units.ENTITY_CHANGE,
            UnitChange,
            f"{PATH}/unit-changes/{{id}}",
            actions={"retract": "retracted"},
            area=_change_area,
            description="A reorganisation (merge, split, rename, ...) recorded, or retracted by the reference import",
        ),
        EventKind(
            units.ENTITY_CORRECTION,
            UnitCorrection,
            f"{PATH}/unit-corrections/{{id}}",
            description="An official code or name recorded in place of the reference package's",
        ),
        EventKind(
            units.ENTITY_IMPORT,
            UnitImportRun,
            RUNS.format(type=units.ENTITY_IMPORT),
            actions={"import": "imported"},
            area=_unit_import_area,
            description="A run of the reference import (`import-units`) that wrote or changed something",
        ),
        EventKind(
            agencies.ENTITY_AGENCY,
            Agency,
            f"{PATH}/agencies/{{id}}",
            area=_agency_area,
            description="An agency recorded (one by one, by the standard setup or by an import) or changed",
        ),
        EventKind(
            agencies.ENTITY_SETUP,
            StandardSetupRun,
            RUNS.format(type=agencies.ENTITY_SETUP),
            name="agency_standard_setup",
            description="The standard organisations of a province's communes set up",
        ),
        EventKind(
            agencies.ENTITY_IMPORT,
            AgencyImportRun,
            RUNS.format(type=agencies.ENTITY_IMPORT),
            actions={"import": "imported"},
            description="An import of the agencies' form that wrote agencies",
        ),
        EventKind(
            agencies.ENTITY_DECISION,
            FunctionDecision,
            f"{PATH}/function-decisions/{{id}}",
            actions={"issue": "issued", "supersede": "superseded"},
            description="A function decision drafted, changed, issued, or superseded by the next one issued",
        ),
        EventKind(
            tasks.ENTITY_TASK,
            Task,
            f"{PATH}/tasks/{{id}}",
            actions={"transfer": "transferred"},
            area=_task_area,
            description="A task recorded (one by one or by an import), changed, transferred (one by one or in bulk) or deleted",
        ),
        EventKind(
            tasks.ENTITY_IMPORT,
            TaskImportRun,
            RUNS.format(type=tasks.ENTITY_IMPORT),
            actions={"import": "imported"},
            description="An import of a province's task form",
        ),
        EventKind(
            transfers.ENTITY_BATCH,
            TransferBatch,
            f"{PATH}/task-transfers?batch_id={{id}}",
            description="A bulk transfer written (each task moved has its own `task.transferred` event)",
        ),
        EventKind(
            procedures.ENTITY_PROCEDURE,
            Procedure,
            # NOTE: a procedure is read by its code (`/procedures/{code}`, in the record); the subject names its id,
            # so the subject is the procedure's entries in the audit log.
            RUNS.format(type=procedures.ENTITY_PROCEDURE),
            description="A procedure of the catalogue recorded (one by one or by an import), renamed, given a new level "
            "from a date, or linked to or unlinked from a task (its `task_ids`); read it at `/procedures/{code}`",
        ),
        EventKind(
            procedures.ENTITY_IMPORT,
            ProcedureImportRun,
            RUNS.format(type=procedures.ENTITY_IMPORT),
            actions={"import": "imported"},
            description="An import of the procedure catalogue",
        ),
        EventKind(
            plans.ENTITY_PLAN,
            PlanSummary,
            f"{PATH}/plans/{{id}}",
            actions={"close": "closed"},
            area=lambda record: EventArea(record["province_code"], None, _text(record.get("owner_agency_id"))),
            description="An implementation plan recorded, changed or closed (with its assessment and rating)",
        ),
        EventKind(
            plans.ENTITY_ITEM,
            PlanItem,
            f"{PATH}/plan-items/{{id}}",
            actions={plan_progress.ACTION_REPORT: "progress_reported", **plan_reminders.PAST_TENSES},
            area=_plan_item_area,
            internal_fields=plan_reminders.INTERNAL_FIELDS,
            description="A plan item recorded, changed, reported on (`progress_reported`), or reminded by the "
            "plan-reminders worker: `due_soon`, `overdue`, `escalated` (published to the superior agency)",
        ),
        EventKind(
            feasibility.ENTITY_FEASIBILITY,
            TaskFeasibility,
            f"{PATH}/task-feasibility/{{id}}",
            actions={"answer": "answered"},
            description="A task's status as its holding agency carries it out recorded, corrected or ended by the next "
            "(its `valid_to`), or its proposal answered by the province; in the reporting agency's province and commune",
        ),
    ],
)
