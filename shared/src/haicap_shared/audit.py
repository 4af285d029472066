"""The audit log: every create, update and delete, written in the changing transaction.

Snapshots are stored as written, personal fields included (a revealed read must be able to
show them); the service declares which fields of which entity types are personal when it
builds its trail (``AuditTrail(table, personal={"person": ["national_id"]})``), and
``GET /audit-events`` masks those fields like every other response. ``reveal=true`` shows them
to a caller whose role may reveal and who acts everywhere (the log spans every area), and
records a ``reveal`` event for each record shown unmasked.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from .areas import acts_everywhere
from .auth import Principal, require
from .db import DbSession
from .errors import problem_responses
from .logs import request_id_var
from .models import utcnow
from .paging import Limit, Page, keyset_page
from .personal_data import RevealNotAllowed, check_may_reveal, mask
from .roles import Role

if TYPE_CHECKING:
    from .events.outbox import Outbox

PersonalFields = Mapping[str, Collection[str]]
"""Entity type -> the fields of its snapshots that are personal, e.g. ``{"person": ["national_id"]}``."""


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
    """Writes audit events into a service's ``audit_event`` table, and their change events into its outbox.

    ``outbox`` (a service that publishes its changes, :mod:`haicap_shared.events`) gets every
    recorded change in the same transaction, so the audit log and the change feed never disagree.
    """

    def __init__(self, table: Table, personal: PersonalFields | None = None, *, outbox: Outbox | None = None) -> None:
        self.table = table
        self.personal: dict[str, frozenset[str]] = {kind: frozenset(fields) for kind, fields in (personal or {}).items()}
        self.outbox = outbox

    def personal_fields_of(self, event: AuditEvent) -> list[str]:
        """The personal fields this event's snapshots hold a value for."""
        declared = self.personal.get(event.entity_type, frozenset())
        held = {name for snap in (event.before, event.after) if snap for name in declared if snap.get(name) is not None}
        return sorted(held)

    def masked(self, event: AuditEvent) -> AuditEvent:
        """The event with its personal fields masked (as every other response shows them)."""
        declared = self.personal.get(event.entity_type)
        if not declared:
            return event

        def _mask(snap: dict[str, Any] | None) -> dict[str, Any] | None:
            if snap is None:
                return None
            return {k: mask(str(v)) if k in declared and v is not None else v for k, v in snap.items()}

        return event.model_copy(update={"before": _mask(event.before), "after": _mask(event.after)})

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
            "consumer_system": principal.system_code,
            "entity_type": entity_type,
            "action": action,
        }
        await session.execute(
            insert(self.table),
            [{**common, "entity_id": str(entity_id), "before": before, "after": after} for entity_id, before, after in changes],
        )
        if self.outbox is not None:
            await self.outbox.write(session, principal, entity_type=entity_type, action=action, changes=changes)


class AuditEvent(BaseModel):
    """One recorded change."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str
    actor_role: str | None
    request_id: str | None
    consumer_system: str | None = Field(
        default=None,
        description="The consuming system of a service account's call, as the data-sharing platform names it "
        "(e.g. `VN:GOV:000.00.00.H12:HAICAP`); null for a user's change",
    )
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

    @router.get("/audit-events", response_model=Page[AuditEvent], responses=problem_responses(RevealNotAllowed))
    async def list_audit_events(
        session: DbSession,
        principal: AuditReader,
        entity_type: Annotated[str | None, Query(description="e.g. `administrative_unit`")] = None,
        entity_id: Annotated[str | None, Query(description="The changed record's id")] = None,
        limit: Limit = 50,
        cursor: Annotated[str | None, Query(description="`next` of the previous page")] = None,
        reveal: Annotated[
            bool, Query(description="Show personal fields unmasked (roles that handle records, everywhere; audited)")
        ] = False,
    ) -> Page[AuditEvent]:
        """List audit events (who changed what, when, before and after; personal fields masked); admins and auditors only."""
        if reveal:
            check_may_reveal(principal)
            if not acts_everywhere(principal):
                raise RevealNotAllowed("The audit log spans every area; only a caller who acts everywhere may reveal it")
        stmt = select(table)
        if entity_type:
            stmt = stmt.where(table.c.entity_type == entity_type)
        if entity_id:
            stmt = stmt.where(table.c.entity_id == entity_id)
        page = await keyset_page(session, stmt, order_by=[table.c.id], limit=limit, cursor=cursor, item=AuditEvent)
        if reveal:
            await _record_reveals(session, trail, principal, page.items)
            return page
        return Page[AuditEvent](items=[trail.masked(event) for event in page.items], next=page.next)

    return router


async def _record_reveals(session: AsyncSession, trail: AuditTrail, principal: Principal, events: Sequence[AuditEvent]) -> None:
    """One ``reveal`` event per record whose personal fields a page of the log showed, naming the fields and events."""
    shown: dict[tuple[str, str], tuple[set[str], list[int]]] = {}
    for event in events:
        if fields := trail.personal_fields_of(event):
            names, ids = shown.setdefault((event.entity_type, event.entity_id), (set(), []))
            names.update(fields)
            ids.append(event.id)
    by_type: dict[str, list[tuple[object, dict[str, Any] | None, dict[str, Any] | None]]] = {}
    for (entity_type, entity_id), (names, ids) in shown.items():
        by_type.setdefault(entity_type, []).append((entity_id, None, {"fields": sorted(names), "audit_events": ids}))
    for entity_type, changes in by_type.items():
        await trail.record_many(session, principal, entity_type=entity_type, action="reveal", changes=changes)


def _audit_trail(request: Request) -> AuditTrail:
    trail: AuditTrail = request.app.state.audit
    return trail


Audit = Annotated[AuditTrail, Depends(_audit_trail)]
"""The service's audit trail, for routes that change state."""
