"""The sync worker (``haicap-personnel sync``): personnel's change feed in, national records out.

Two steps, each in its own transactions, repeated until SIGTERM:

- **intake**: the outbox after the worker's own cursor, a change-feed destination named
  ``national-sync`` (its cursor and lease in ``event_destination``, the relay's table: one
  replica at a time, a dead replica's lease expires). Each event of a dossier record becomes one
  ``pending_verification`` change with its groups, fields, decision, area and due date; the
  cursor moves in the same transaction, and a change is unique per event, so a turn run twice
  makes nothing twice.
- **send**: the verified (``queued``) changes whose time has come, the oldest due first, up to
  ``batch_size``, leased to this turn (their next attempt set past the lease), mapped to national
  records (:mod:`.national_record`: the person's 12-digit number read now, the record's values
  as they stand now) and handed to the adapter. Each answer sets the change's status
  (``acknowledged``, ``rejected`` with the reason, ``sent`` for a file); a timeout, a 5xx or a
  refused connection leaves it queued with its next attempt after an exponential back-off with
  jitter: nothing is lost while the receiver is down, and the receiver is idempotent by change
  id, so a batch sent again (a worker killed after sending) is harmless. Every exchange is
  logged in ``sync_exchange``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from haicap_shared.events.tables import EventTables
from haicap_shared.exchange.outcomes import Adapter, Result, backoff_seconds
from haicap_shared.exchange.worker import PollingWorker, serve_until_signal
from haicap_shared.models import utcnow
from haicap_shared.values import NATIONAL_ID_PATTERN

from ..db import event_tables
from . import groups as dossier
from . import repository, service
from .adapters import make_adapter
from .models import ChangeStatus
from .national_record import build_record, kind_and_operation
from .settings import SyncSettings

logger = logging.getLogger("haicap.personnel.sync")

NO_PIN = "haicap: the person has no 12-digit personal identification number; not sent"
DESTINATION = service.INTAKE_DESTINATION
"""The worker's cursor in the change feed (a row of ``event_destination``)."""


class SyncWorker(PollingWorker[SyncSettings]):
    """Intake and send for one personnel database; :meth:`run` until :meth:`stop`, or :meth:`step` by step."""

    logger = logger
    started_message = "sync worker started"
    failed_message = "sync step failed"
    stopped_message = "sync worker stopped"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: SyncSettings,
        adapter: Adapter,
        *,
        tables: EventTables | None = None,
        replica: str | None = None,
        sqlite: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(sessions, settings, adapter, replica=replica, sqlite=sqlite, rng=rng)
        self.tables = tables or event_tables

    async def on_stop(self) -> None:
        """Release the intake lease, so another replica need not wait for it to expire."""
        try:
            async with self._transaction() as session:
                await repository.release_intake(session, self.tables, self.replica, utcnow())
        except Exception:
            logger.warning("sync worker could not release its lease", exc_info=True)

    async def step(self) -> bool:
        """One intake turn and one send turn; whether either had work."""
        taken = await self.intake()
        sent = await self.send()
        return taken > 0 or sent > 0

    # --- intake ------------------------------------------------------------------------------

    async def intake(self) -> int:
        """Make the changes of the next events; how many events were read."""
        now = utcnow()
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        async with self._transaction() as session:
            cursor = await repository.claim_intake(
                session, self.tables, DESTINATION, replica=self.replica, now=now, lease_until=lease_until
            )
            if cursor is None:
                return 0
            rows, through = await repository.dossier_events(
                session, self.tables, cursor, dossier.DOSSIER_KINDS, self.settings.intake_batch_size
            )
            changes: list[dict[str, Any]] = []
            if rows:
                days = [r.occurred_at for r in rows]
                calendar = await service.calendar_for(session, min(days).date() - timedelta(days=1), max(days).date())
                changes = [c for r in rows if (c := service.change_from_event(r, calendar)) is not None]
                await repository.insert_changes(session, changes)
            moved = await repository.move_intake(
                session, self.tables, DESTINATION, replica=self.replica, through=through, now=utcnow(), release=True
            )
            if not moved:
                raise RuntimeError("the national-sync lease was lost during intake")
        if changes:
            logger.info("dossier changes taken in", extra={"count": len(changes), "through": through})
        return len(rows)

    # --- send ----------------------------------------------------------------------------------

    async def send(self) -> int:
        """Send the next batch of queued changes; how many were tried."""
        now = utcnow()
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        async with self._transaction() as session:
            claimed = await repository.claim_due(session, now=now, lease_until=lease_until, limit=self.settings.batch_size)
            if not claimed:
                return 0
            records, local = await self._records(session, claimed, now)
        by_province: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            by_province[record["metadata"]["province_code"]].append(record)
        results: dict[str, Result] = dict(local)
        exchanges: list[dict[str, Any]] = []
        # NOTE: each province's platform at once: one slow platform does not hold up the others' batches.
        for sent in await asyncio.gather(*(self.adapter.send(batch, province) for province, batch in by_province.items())):
            results |= sent.results
            exchanges += [e.row("change_ids") for e in sent.exchanges]
        async with self._transaction() as session:
            await repository.apply_outcomes(session, [self._outcome(row, results, utcnow()) for row in claimed])
            await repository.insert_exchanges(session, exchanges)
        return len(claimed)

    async def _records(
        self, session: AsyncSession, claimed: Sequence[Any], now: datetime
    ) -> tuple[list[dict[str, Any]], dict[str, Result]]:
        """The national records of the claimed changes, and the changes refused here (no 12-digit number)."""
        pins = await repository.national_ids(session, {row["person_id"] for row in claimed})
        by_kind: dict[str, set[uuid.UUID]] = defaultdict(set)
        for row in claimed:
            by_kind[kind_and_operation(row["event_type"])[0]].add(row["record_id"])
        values: dict[str, dict[uuid.UUID, dict[str, Any]]] = {
            kind: await repository.current_rows(session, kind, ids) for kind, ids in by_kind.items()
        }
        records: list[dict[str, Any]] = []
        local: dict[str, Result] = {}
        for row in claimed:
            pin = pins.get(row["person_id"])
            if pin is None or re.fullmatch(NATIONAL_ID_PATTERN, pin) is None:
                local[str(row["id"])] = Result("rejected", reason=NO_PIN)
                continue
            kind, operation = kind_and_operation(row["event_type"])
            current = None if operation == "deleted" else values[kind].get(row["record_id"])
            records.append(build_record(row, pin, current, now))
        return records, local

    def _outcome(self, row: Any, results: dict[str, Result], now: datetime) -> dict[str, Any]:
        result = results.get(str(row["id"])) or Result("retry", reason="no answer")
        attempts = int(row["attempts"]) + 1
        values: dict[str, Any] = {
            "change_id": row["id"],
            "status": ChangeStatus.QUEUED,
            "status_reason": None,
            "attempts": attempts,
            "next_attempt_at": None,
            "last_error": None,
            "sent_at": row["sent_at"],
            "acknowledged_at": row["acknowledged_at"],
            "national_reference": row["national_reference"],
            "updated_at": now,
        }
        if result.verdict == "retry":
            delay = backoff_seconds(attempts, self.settings.retry_base_seconds, self.settings.retry_cap_seconds, self.rng)
            values |= {"next_attempt_at": now + timedelta(seconds=delay), "last_error": (result.reason or "")[:500]}
        elif result.verdict == "acknowledged":
            values |= {
                "status": ChangeStatus.ACKNOWLEDGED,
                "sent_at": now,
                "acknowledged_at": now,
                "national_reference": result.reference,
            }
        elif result.verdict == "sent":
            values |= {"status": ChangeStatus.SENT, "sent_at": now, "national_reference": result.reference}
        else:
            values |= {"status": ChangeStatus.REJECTED, "sent_at": now, "status_reason": result.reason}
        return values


# --- entry point --------------------------------------------------------------------------------


async def serve_sync(
    database_url: str, var_dir: Path, settings: SyncSettings | None = None, *, replica: str | None = None
) -> None:
    """Run the sync worker on ``database_url`` until SIGTERM or SIGINT."""
    chosen = settings or SyncSettings()
    await serve_until_signal(
        database_url,
        lambda sessions, sqlite: SyncWorker(sessions, chosen, make_adapter(chosen, var_dir), replica=replica, sqlite=sqlite),
    )
