"""The procedure dossiers' tables, as every service database with procedure workflows holds them.

- ``procedure_dossier``: one dossier (mã hồ sơ) per row: the procedure as the catalogue described
  it on the day of receipt (code, name, sector, level, processing time in working days), the
  workflow record it belongs to (``subject_kind``, ``subject_id``), its area, when it was received,
  its statutory due date, its current status; ``version`` for ETag and If-Match.
- ``procedure_dossier_step``: every status change, numbered per dossier (``position`` 1, 2, ...),
  with the push state of that step to the one-stop system (``push_status``, attempts, the next
  attempt, the last error, the one-stop system's reference). The worker sends a dossier's steps in
  their order: a step waits while an earlier step of its dossier is still queued.
- ``procedure_exchange``: every exchange with the one-stop system (a sign-in, a POST, a file
  written): what, when, to whom, the answer; never a dossier's content (only step ids).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from ..models import UtcDateTime


@dataclass(frozen=True, slots=True)
class ProcedureTables:
    dossier: Table
    step: Table
    exchange: Table


def define_procedure_tables(metadata: MetaData) -> ProcedureTables:
    """Register the procedure dossiers' tables on a service's metadata."""
    dossier = Table(
        "procedure_dossier",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("dossier_code", String(50), nullable=False),
        Column("procedure_code", String(40), nullable=False),
        Column("procedure_name", String(1000), nullable=False),
        Column("sector", String(300), nullable=False, default=""),
        Column("level", String(20), nullable=False),
        Column("processing_days", Integer, nullable=False),
        Column("subject_kind", String(40), nullable=False),
        Column("subject_id", Uuid, nullable=True),
        Column("applicant", String(300), nullable=True),
        Column("province_code", String(2), nullable=False),
        Column("commune_code", String(5), nullable=True),
        Column("agency_id", Uuid, nullable=True),
        Column("received_at", UtcDateTime(), nullable=False),
        Column("due_date", Date, nullable=False),
        Column("status", String(30), nullable=False),
        Column("status_at", UtcDateTime(), nullable=False),
        Column("finished_at", UtcDateTime(), nullable=True),
        Column("created_by", String(200), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("version", Integer, nullable=False, default=1),
        UniqueConstraint("province_code", "dossier_code"),
        Index(None, "subject_kind", "subject_id"),
        Index(None, "province_code", "procedure_code", "received_at"),
        Index(None, "commune_code", "received_at"),
    )
    step = Table(
        "procedure_dossier_step",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("dossier_id", Uuid, ForeignKey("procedure_dossier.id", ondelete="CASCADE"), nullable=False),
        Column("position", Integer, nullable=False),
        Column("status", String(30), nullable=False),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("due_date", Date, nullable=False),
        Column("note", String(2000), nullable=True),
        Column("actor", String(200), nullable=False),
        Column("actor_role", String(40), nullable=True),
        Column("push_status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime(), nullable=True),
        Column("last_error", String(500), nullable=True),
        Column("pushed_at", UtcDateTime(), nullable=True),
        Column("reference", String(200), nullable=True),
        Column("status_reason", String(2000), nullable=True),
        UniqueConstraint("dossier_id", "position"),
        Index(None, "push_status", "next_attempt_at"),
    )
    exchange = Table(
        "procedure_exchange",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("adapter", String(20), nullable=False),
        Column("destination", String(500), nullable=False),
        Column("operation", String(40), nullable=False),
        Column("step_ids", JSON, nullable=False),
        Column("transaction_code", String(200), nullable=True),
        Column("started_at", UtcDateTime(), nullable=False, index=True),
        Column("duration_ms", Integer, nullable=False),
        Column("outcome", String(30), nullable=False),
        Column("http_status", Integer, nullable=True),
        Column("answer", String(1000), nullable=True),
    )
    return ProcedureTables(dossier, step, exchange)
