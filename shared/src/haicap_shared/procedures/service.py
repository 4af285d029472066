"""Opening a dossier and moving it on: what a workflow's service calls in its own transaction.

A workflow that is a procedure calls :func:`open_dossier` when its record is received under a
procedure (the intake block of its request), then :func:`advance` at each status change of the
record; both write in the caller's session and transaction, audit the dossier through the
service's trail (so the change feed carries it), and queue the new step for the one-stop push.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import AuditTrail
from ..auth import Principal
from .schemas import ProcedureDossierSummary, ProcedureIntake
from .status import ProcedureStatus
from .tables import ProcedureTables


class ProcedureFacts(BaseModel):
    """What org-structure's catalogue says of a procedure on a date (``GET /api/v1/org/procedures/{code}?as_of=``)."""

    code: str
    name: str
    sector: str
    level: str
    processing_days: int
    agency_in_charge: str | None = None


class ProcedureCatalogue(Protocol):
    """Reads org-structure's catalogue: the facts of ``code`` in force on ``as_of``, None when it has none."""

    async def procedure(self, code: str, as_of: date) -> ProcedureFacts | None: ...


async def open_dossier(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    intake: ProcedureIntake,
    subject_kind: str,
    subject_id: uuid.UUID | None,
    province_code: str,
    commune_code: str | None,
    agency_id: uuid.UUID | None,
    trail: AuditTrail,
    principal: Principal,
    catalogue: ProcedureCatalogue,
    overrides: Mapping[date, bool] | None = None,
) -> ProcedureDossierSummary:
    """Record the dossier and its ``received`` step; 409 ``procedure_not_found`` or ``dossier_code_taken``."""
    raise NotImplementedError


async def advance(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    subject_kind: str,
    subject_id: uuid.UUID,
    status: ProcedureStatus,
    trail: AuditTrail,
    principal: Principal,
    note: str | None = None,
    at: datetime | None = None,
    overrides: Mapping[date, bool] | None = None,
) -> ProcedureDossierSummary | None:
    """Append a step to the dossier of the workflow record (None when the record has no dossier)."""
    raise NotImplementedError
