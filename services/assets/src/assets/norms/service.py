"""The rules of car norms: one in force on any date; a later one replaces it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict

from ..holders import day_before
from . import repository
from .models import CarNorm
from .schemas import CarNormCreate

ENTITY_NORM = "car_norm"


class NormDateInvalid(Conflict):
    code, title = "norm_date_invalid", "A new norm must start after the one in force"


async def create_norm(session: AsyncSession, audit: AuditTrail, principal: Principal, data: CarNormCreate) -> CarNorm:
    current = await repository.open_norm(session)
    if current is not None:
        if current.valid_from >= data.valid_from:
            raise NormDateInvalid(f"The norm in force started on {current.valid_from}; a new one must start later")
        before = snapshot(current)
        current.valid_to = day_before(data.valid_from)
        await session.flush()
        await audit.record(
            session,
            principal,
            entity_type=ENTITY_NORM,
            entity_id=current.id,
            action="update",
            before=before,
            after=snapshot(current),
        )
    norm = CarNorm(id=uuid.uuid4(), **data.model_dump())
    session.add(norm)
    await session.flush()
    await audit.record(session, principal, entity_type=ENTITY_NORM, entity_id=norm.id, action="create", after=snapshot(norm))
    return norm
