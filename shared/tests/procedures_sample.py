"""A small schema with the procedure dossiers' tables, to test :mod:`haicap_shared.procedures` on both databases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.app import create_service_app
from haicap_shared.audit import AuditTrail
from haicap_shared.db import new_metadata
from haicap_shared.models import define_audit_table, define_idempotency_table
from haicap_shared.procedures.service import ProcedureFacts
from haicap_shared.procedures.tables import define_procedure_tables
from haicap_shared.procedures.wiring import DossierConfig, install_procedures
from haicap_shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "procedures_sample_migrations"
SERVICE = "shared-procedures"
metadata = new_metadata()
audit_table = define_audit_table(metadata)
define_idempotency_table(metadata)
procedure_tables = define_procedure_tables(metadata)
trail = AuditTrail(audit_table)

APPRAISAL = ProcedureFacts(
    code="1.005432",
    name="Thẩm định, phê duyệt vị trí việc làm",
    sector="Tổ chức - Biên chế",
    level="province",
    processing_days=3,
    agency_in_charge="Sở Nội vụ",
)
COMMENDATION = ProcedureFacts(
    code="1.000775",
    name="Khen thưởng theo công trạng",
    sector="Thi đua - Khen thưởng",
    level="province",
    processing_days=20,
)


@dataclass
class FakeCatalogue:
    """org-structure's catalogue as a dict: every procedure in force from ``valid_from`` on."""

    procedures: dict[str, ProcedureFacts] = field(
        default_factory=lambda: {facts.code: facts for facts in (APPRAISAL, COMMENDATION)}
    )
    valid_from: date = date(2025, 7, 1)
    asked: list[tuple[str, date]] = field(default_factory=list)

    async def procedure(self, code: str, as_of: date) -> ProcedureFacts | None:
        self.asked.append((code, as_of))
        return self.procedures.get(code) if as_of >= self.valid_from else None


CALENDAR: dict[date, bool] = {}
"""The sample service's administrator's calendar days (a test sets one, then clears it)."""


async def calendar_days(_session: AsyncSession, start: date, end: date) -> dict[date, bool]:
    return {day: working for day, working in CALENDAR.items() if start <= day <= end}


DOSSIERS = DossierConfig(procedure_tables, frozenset({"commendation_proposal"}), calendar_days)


def create_procedures_app(db_url: str, jwks_json: str, catalogue: FakeCatalogue) -> FastAPI:
    """A service with dossiers only: commendation proposals open on their own."""
    procedures = install_procedures(DOSSIERS, catalogue_factory=lambda _app: catalogue)
    return create_service_app(
        title="procedures sample",
        description="Procedure dossiers on the shared library",
        settings=ServiceSettings(service_name=SERVICE, database_url=db_url, jwks=jwks_json),
        metadata=metadata,
        routers=[procedures.router],
        extensions=[procedures.extension],
        openapi_tags=[procedures.tag],
    )
