"""How personnel's workflows that are procedures keep their dossier (``haicap_shared.procedures``).

A job position's appraisal and approval, a streamlining case and a commendation proposal are
administrative procedures: the record is received under a procedure code and a dossier code of
the one-stop system, and each of its status changes is a step of that dossier, written in the
same transaction (the push to the one-stop system follows). :data:`DOSSIERS` binds the shared
calls to personnel's dossier tables and its administrator's calendar days (swapped working
days, days off), which the statutory due dates count with; each domain says which change makes
which step.
"""

from __future__ import annotations

from haicap_shared.procedures.service import (
    DossierChanged,
    DossierCodeTaken,
    MomentInFuture,
    ProcedureNotFound,
    StepNotAllowed,
)
from haicap_shared.procedures.wiring import DossierConfig
from haicap_shared.procedures.workflow import RecordDossiers, summary_field

from .db import procedure_tables
from .sync import repository as calendar_repository

__all__ = ["COMMENDATION_PROPOSAL", "DOSSIERS", "DOSSIER_PROBLEMS", "POSITION", "STREAMLINING_CASE", "summary_field"]

POSITION = "position"
STREAMLINING_CASE = "streamlining_case"
COMMENDATION_PROPOSAL = "commendation_proposal"

CONFIG = DossierConfig(
    procedure_tables,
    subject_kinds_without_workflow=frozenset({COMMENDATION_PROPOSAL}),
    calendar=calendar_repository.calendar_overrides,
)
"""personnel's dossiers: its tables, the commendation proposals opened on their own, the administrator's calendar."""

DOSSIERS = RecordDossiers(CONFIG)

DOSSIER_PROBLEMS = (ProcedureNotFound, DossierCodeTaken, StepNotAllowed, DossierChanged, MomentInFuture)
"""What a workflow step with a dossier may answer besides the workflow's own problems."""
