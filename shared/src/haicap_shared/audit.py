"""The audit log: every create, update and delete, written in the changing transaction."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Table, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Principal, require
from .db import DbSession
from .logs import request_id_var
from .models import utcnow
from .paging import Limit, Page, keyset_page
from .roles import Role


def jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(entity: object) -> dict[str, Any]:
    """The column values of a mapped object, as JSON-ready data."""
    mapper = inspect(entity).mapper
    return {attr.key: jsonable(getattr(entity, attr.key)) for attr in mapper.column_attrs}


class AuditTrail:
    """Writes audit events into a service's ``audit_event`` table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def record(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        entity_type: str,
        entity_id: object,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        await self.record_many(session, principal, entity_type=entity_type, action=action, changes=[(entity_id, before, after)])

    async def record_many(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        entity_type: str,
        action: str,
        changes: Sequence[tuple[object, dict[str, Any] | None, dict[str, Any] | None]],
    ) -> None:
        """One event per changed record, ``(entity_id, before, after)``, in one statement (for bulk changes)."""
        if not changes:
            return
        common = {
            "occurred_at": utcnow(),
            "actor": principal.username,
            "actor_role": principal.role.value,
            "request_id": request_id_var.get(),
            "entity_type": entity_type,
            "action": action,
        }
        await session.execute(
            insert(self.table),
            [{**common, "entity_id": str(entity_id), "before": before, "after": after} for entity_id, before, after in changes],
        )


class AuditEvent(BaseModel):
    """One recorded change."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str
    actor_role: str | None
    request_id: str | None
    entity_type: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


AuditReader = Annotated[Principal, Depends(require(Role.ADMIN, Role.AUDITOR))]


def audit_router(trail: AuditTrail) -> APIRouter:
    """``GET /audit-events``: the service's audit log, newest last, filterable by entity."""
    router = APIRouter(tags=["audit"])
    table = trail.table

    @router.get("/audit-events", response_model=Page[AuditEvent])
    async def list_audit_events(
        session: DbSession,
        _principal: AuditReader,
        entity_type: Annotated[str | None, Query(description="e.g. `administrative_unit`")] = None,
        entity_id: Annotated[str | None, Query(description="The changed record's id")] = None,
        limit: Limit = 50,
        cursor: Annotated[str | None, Query(description="`next` of the previous page")] = None,
    ) -> Page[AuditEvent]:
        """List audit events (who changed what, when, before and after); admins and auditors only."""
        stmt = select(table)
        if entity_type:
            stmt = stmt.where(table.c.entity_type == entity_type)
        if entity_id:
            stmt = stmt.where(table.c.entity_id == entity_id)
        return await keyset_page(session, stmt, order_by=[table.c.id], limit=limit, cursor=cursor, item=AuditEvent)

    return router


def _audit_trail(request: Request) -> AuditTrail:
    trail: AuditTrail = request.app.state.audit
    return trail


Audit = Annotated[AuditTrail, Depends(_audit_trail)]
"""The service's audit trail, for routes that change state."""
