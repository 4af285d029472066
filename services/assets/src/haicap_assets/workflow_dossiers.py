"""How assets' disposition approval, an administrative procedure, keeps its dossier (``haicap_shared.procedures``).

A disposition submitted to the competent authority is received under a procedure code and a
dossier code of the one-stop system; the authority's decision is a step of that dossier, written
in the same transaction (the push to the one-stop system follows). :data:`DOSSIERS` binds the
shared calls to assets' dossier tables; assets keeps no administrator's calendar, so due dates
count on the rule's calendar alone (weekends, public holidays and their compensations).
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

__all__ = ["DISPOSITION", "DOSSIERS", "DOSSIER_PROBLEMS", "summary_field"]

DISPOSITION = "disposition"

DOSSIERS = RecordDossiers(DossierConfig(procedure_tables, subject_kinds_without_workflow=frozenset()))
"""assets' dossiers: its tables, no record opened on its own, no administrator's calendar."""

DOSSIER_PROBLEMS = (ProcedureNotFound, DossierCodeTaken, StepNotAllowed, DossierChanged, MomentInFuture)
"""What a workflow step with a dossier may answer besides the workflow's own problems."""
