"""Every query of the one-stop push worker (:mod:`.worker`): the steps due, their outcomes, the exchange log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .status import PushStatus
from .tables import ProcedureTables


async def claim_due(
    session: AsyncSession, tables: ProcedureTables, *, now: datetime, lease_until: datetime, limit: int
) -> Sequence[RowMapping]:
    """Queued steps whose time has come and whose dossier has no earlier step still queued, leased until ``lease_until``.

    Each row is the step (``step_id`` and its columns) with its dossier's columns the mapping
    needs (:class:`.one_stop.PushedStep`), and ``attempts``; the oldest step first.
    """
    step, dossier = tables.step, tables.dossier
    earlier = tables.step.alias("earlier")
    # NOTE: a rejected earlier step does not hold the later ones back; a queued one (even leased) does.
    blocked = exists().where(
        earlier.c.dossier_id == step.c.dossier_id,
        earlier.c.position < step.c.position,
        earlier.c.push_status == PushStatus.QUEUED,
    )
    stmt = (
        select(step.c.id)
        .where(
            step.c.push_status == PushStatus.QUEUED,
            or_(step.c.next_attempt_at.is_(None), step.c.next_attempt_at <= now),
            ~blocked,
        )
        .order_by(step.c.occurred_at, step.c.position, step.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=step, skip_locked=True)
    ids = list((await session.execute(stmt)).scalars())
    if not ids:
        return []
    # NOTE: the lease is the next attempt's time: another replica skips them (and their dossiers' later steps) until it passes.
    await session.execute(update(step).where(step.c.id.in_(ids)).values(next_attempt_at=lease_until))
    columns = (
        step.c.id.label("step_id"),
        step.c.position,
        step.c.status,
        step.c.occurred_at,
        step.c.due_date,
        step.c.note,
        step.c.actor,
        step.c.attempts,
        dossier.c.dossier_code,
        dossier.c.procedure_code,
        dossier.c.procedure_name,
        dossier.c.sector,
        dossier.c.applicant,
        dossier.c.province_code,
        dossier.c.received_at,
    )
    joined = select(*columns).join_from(step, dossier, dossier.c.id == step.c.dossier_id).where(step.c.id.in_(ids))
    rows = (await session.execute(joined)).mappings().all()
    order = {step_id: i for i, step_id in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row["step_id"]])


async def apply_outcomes(session: AsyncSession, tables: ProcedureTables, updates: Sequence[dict[str, Any]]) -> None:
    """Each step's push state (``updates``: one dict per step, ``step_key`` and the same other keys for all)."""
    if not updates:
        return
    step = tables.step
    # NOTE: the other keys of each dict become the SET clause (an executemany).
    await session.execute(update(step).where(step.c.id == bindparam("step_key")), list(updates))


async def insert_exchanges(session: AsyncSession, tables: ProcedureTables, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(tables.exchange), [{"id": uuid.uuid4(), **row} for row in rows])
