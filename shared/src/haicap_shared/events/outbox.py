"""The transactional outbox: events written in the changing transaction, in commit order.

The audit trail (:class:`haicap_shared.audit.AuditTrail`) calls :meth:`Outbox.write` for every
change it records, in the same transaction: what is rolled back publishes nothing, what is
committed has its events. A bulk change is one INSERT of all its events.

The ``sequence`` is the database's (an identity column). On PostgreSQL, two transactions
could take sequence numbers in one order and commit in the other, and a reader following the
feed would then skip the later-committed, smaller number forever. So the writer takes a
transaction-scoped advisory lock before inserting: events are numbered and committed one
transaction at a time, from their insert to the commit (SQLite has one writer anyway).

To keep that lock short, a transaction's events are built when the change is audited but
inserted just before it commits (the session's ``before_commit``), so concurrent writers
queue only for their insert and commit, not for the rest of their request. A rollback drops
them with the change. Inside a savepoint (``begin_nested``) they are inserted at once, so a
savepoint rolled back takes its events with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Table, event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from ..auth import Principal
from ..logs import request_id_var
from ..models import utcnow
from ..personal_data import mask
from .catalogue import NOT_CHANGES, EventCatalogue, EventKind

Change = tuple[object, dict[str, Any] | None, dict[str, Any] | None]
"""``(record id, snapshot before, snapshot after)``, as the audit trail records it."""

OUTBOX_LOCK_KEY = 7_262_536_841
"""The advisory lock that orders event inserts with commits (any fixed number: each service has its own database)."""

BOOKKEEPING_FIELDS = frozenset({"updated_at", "version"})
"""Fields every update changes; not worth naming in ``changed_fields``."""


class Outbox:
    """Writes a service's events into its ``event_outbox`` table."""

    def __init__(
        self, table: Table, catalogue: EventCatalogue, personal: Mapping[str, frozenset[str]], *, public_base_url: str
    ) -> None:
        self.table = table
        self.catalogue = catalogue
        self.personal = personal
        self.schema_base = f"{public_base_url.rstrip('/')}{catalogue.path}/events/schemas"

    async def write(
        self, session: AsyncSession, principal: Principal, *, entity_type: str, action: str, changes: Sequence[Change]
    ) -> int:
        """The events of audited changes, one per record; returns how many.

        They are built now and inserted, one statement per call, just before the transaction
        commits (at once inside a savepoint): see the module's docstring.
        """
        kind = None if action in NOT_CHANGES else self.catalogue.kind_of(entity_type)
        if kind is None or not changes:
            return 0
        event_type = self.catalogue.event_type(kind, action)
        occurred_at = utcnow()
        rows = [self._row(kind, event_type, action, principal, occurred_at, change) for change in changes]
        if session.in_nested_transaction():
            await session.run_sync(_insert_events, [(self.table, rows)])
        else:
            session.info.setdefault(PENDING_EVENTS, []).append((self.table, rows))
        return len(rows)

    async def insert_built(self, session: AsyncSession, statements: Sequence[tuple[Executable, Mapping[str, Any]]]) -> None:
        """Events built in SQL (each statement an ``INSERT INTO`` this outbox ``... SELECT``), inserted now, in order.

        The transaction's pending events go first and the numbering lock is held from now to the
        commit, so the sequences follow the order of the changes (``haicap_shared.bulk_audit``).
        """
        pending = [] if session.in_nested_transaction() else session.info.pop(PENDING_EVENTS, [])
        await session.run_sync(_insert_events, pending)
        for statement, parameters in statements:
            await session.execute(statement, parameters)

    def _row(
        self, kind: EventKind, event_type: str, action: str, principal: Principal, occurred_at: datetime, change: Change
    ) -> dict[str, Any]:
        entity_id, before, after = change
        snapshot = after if after is not None else before
        if snapshot is None:
            raise ValueError(f"an audited {kind.entity_type} change with neither a before nor an after snapshot")
        record = self._masked(kind, kind.record_of(snapshot).model_dump(mode="json", by_alias=True))
        # NOTE: the area sees the audited snapshot's fields under the record's: a response that
        # does not show its area facts (a decision's agency's commune) may keep them in its snapshot.
        area = kind.area({**snapshot, **record})
        event_id = uuid.uuid4()
        # NOTE: any change of an existing record (an update, a transfer, a closing) names what it changed.
        changed = _changed_fields(before, after) if before is not None and after is not None else None
        if changed and kind.internal_fields:
            changed = [name for name in changed if name not in kind.internal_fields]
        payload = {
            "specversion": "1.0",
            "id": str(event_id),
            "source": f"/haicap/{area.province_code or 'national'}/{self.catalogue.service}",
            "type": event_type,
            "subject": kind.path.format(id=entity_id),
            "time": occurred_at.isoformat(),
            "datacontenttype": "application/json",
            "dataschema": f"{self.schema_base}/{event_type}",
            "partitionkey": str(entity_id),
            "provincecode": area.province_code,
            "communecode": area.commune_code,
            "actor": principal.username,
            "actorrole": principal.role.value,
            "requestid": request_id_var.get(),
            "data": {"record": record, "changed_fields": changed},
        }
        if principal.system_code is not None:
            payload["consumersystem"] = principal.system_code
        return {
            "id": event_id,
            "aggregatetype": kind.entity_type,
            "aggregateid": str(entity_id),
            "type": event_type,
            "payload": payload,
            "occurred_at": occurred_at,
            "province_code": area.province_code,
            "commune_code": area.commune_code,
            "agency_id": _uuid_or_none(area.agency_id),
        }

    def _masked(self, kind: EventKind, record: dict[str, Any]) -> dict[str, Any]:
        personal = self.personal.get(kind.entity_type, frozenset())
        return {k: mask(str(v)) if k in personal and v is not None else v for k, v in record.items()}


PENDING_EVENTS = "haicap_pending_events"
"""The session's ``info`` key of the events written at its commit: a list of (outbox table, rows)."""


def _insert_events(session: Session, batches: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK_KEY})
    for table, rows in batches:
        session.execute(insert(table), rows)


@event.listens_for(Session, "before_commit")
def _insert_pending_events(session: Session) -> None:
    # NOTE: runs inside the async session's greenlet, so the synchronous API reaches the database.
    if batches := session.info.pop(PENDING_EVENTS, None):
        _insert_events(session, batches)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending_events(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_EVENTS, None)


def _changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if k not in BOOKKEEPING_FIELDS and before.get(k) != after.get(k))


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
