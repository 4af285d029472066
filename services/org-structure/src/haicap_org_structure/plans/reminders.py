"""The reminder worker (``haicap-org plan-reminders``): due-soon, overdue and escalated reminders, each once.

Each turn, in one transaction, for the items of open plans not done nor cancelled, on today's date:

- ``due_soon``: the deadline is within ``HAICAP_ORG_PLAN_DUE_SOON_DAYS`` days (today included);
- ``overdue``: the deadline has passed;
- ``escalated``: the deadline passed more than ``HAICAP_ORG_PLAN_ESCALATE_AFTER_DAYS`` days ago.

A reminder is one ``plan_reminder`` row per (item, kind) (a unique constraint), so a second run,
or a second replica, records nothing new. Each reminder recorded is an event of its item
(``plan_item.due_soon``, ``plan_item.overdue``, ``plan_item.escalated``) published to the item's
province and commune and to its superior agency (the assignee's parent, or the plan's owner), so
the superior's officers are notified. The worker sleeps ``HAICAP_ORG_PLAN_REMINDERS_INTERVAL_SECONDS``
between turns that find nothing to record.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.db import null_pool_engine
from haicap_shared.exchange.outcomes import Sent
from haicap_shared.exchange.settings import ExchangeSettings
from haicap_shared.exchange.worker import PollingWorker, serve_until_signal
from haicap_shared.settings import async_database_url

from ..settings import OrgSettings
from . import repository, service
from .models import ReminderKind

logger = logging.getLogger("haicap.org.plan_reminders")

PRINCIPAL = system_principal("plan-reminders")
ACTIONS = {ReminderKind.DUE_SOON: "remind_due_soon", ReminderKind.OVERDUE: "remind_overdue", ReminderKind.ESCALATED: "escalate"}
"""The audit action of each reminder (its event type: ``plan_item.due_soon``, ``.overdue``, ``.escalated``)."""
PAST_TENSES = {action: kind.value for kind, action in ACTIONS.items()}

NOTIFY_AGENCY = "notify_agency_id"
NOTIFY_COMMUNE = "notify_commune_code"
INTERNAL_FIELDS = frozenset({NOTIFY_AGENCY, NOTIFY_COMMUNE})
"""Area facts of a reminder's snapshot (the superior agency and its commune), not fields of the item."""


class ReminderSchedule(ExchangeSettings):
    """The worker's loop: how long it sleeps between turns that found nothing (the interval setting).

    Built from org-structure's settings (:func:`schedule_of`); its own variables are never read.
    """

    model_config = SettingsConfigDict(env_prefix="HAICAP_ORG_PLAN_REMINDERS_SCHEDULE_UNUSED_", extra="ignore")

    idle_seconds: float = Field(3600.0, gt=0, le=86400)
    due_soon_days: int = Field(3, ge=0, le=365)
    escalate_after_days: int = Field(7, ge=0, le=365)


class NoTransport:
    """Reminders leave through the change feed (the outbox), not an exchange transport."""

    name = "change-feed"

    async def send(self, records: Any, province_code: str | None) -> Sent:  # pragma: no cover - never called
        raise NotImplementedError

    async def close(self) -> None:
        return None


async def record_reminders(
    session: AsyncSession, audit: AuditTrail, day: date, *, due_soon_days: int, escalate_after_days: int
) -> dict[ReminderKind, int]:
    """Record the reminders ``day`` calls for that are not recorded yet; how many of each kind."""
    counts = dict.fromkeys(ReminderKind, 0)
    for kind in ReminderKind:
        rows = await repository.reminder_candidates(session, kind, day, due_soon_days, escalate_after_days)
        if not rows:
            continue
        ids = [row["id"] for row in rows]
        before = await service.item_records(session, ids)
        await repository.insert_reminders(
            session,
            [
                {
                    "id": uuid.uuid4(),
                    "item_id": row["id"],
                    "kind": kind,
                    "sent_on": day,
                    "superior_agency_id": row["superior_agency_id"],
                }
                for row in rows
            ],
        )
        after = await service.item_records(session, ids)
        notify = {
            row["id"]: {NOTIFY_AGENCY: str(row["superior_agency_id"]), NOTIFY_COMMUNE: row["superior_commune_code"]}
            for row in rows
        }
        await service.audit_items(
            session, audit, PRINCIPAL, ACTIONS[kind], [(i, before[i], {**after[i], **notify[i]}) for i in ids]
        )
        counts[kind] = len(rows)
    return counts


class PlanRemindersWorker(PollingWorker[ReminderSchedule]):
    """The reminder loop on one database; :meth:`run` until :meth:`stop`, or :meth:`step` turn by turn."""

    logger = logger
    started_message = "plan reminders started"
    failed_message = "plan reminders turn failed"
    stopped_message = "plan reminders stopped"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        schedule: ReminderSchedule,
        audit: AuditTrail,
        *,
        today: Callable[[], date] = date.today,
        sqlite: bool = False,
    ) -> None:
        super().__init__(sessions, schedule, NoTransport(), sqlite=sqlite)
        self.audit = audit
        self.today = today

    async def step(self) -> int:
        day = self.today()
        async with self._transaction() as session:
            counts = await record_reminders(
                session,
                self.audit,
                day,
                due_soon_days=self.settings.due_soon_days,
                escalate_after_days=self.settings.escalate_after_days,
            )
        total = sum(counts.values())
        if total:
            logger.info("plan reminders recorded", extra={"day": day.isoformat(), **{k.value: n for k, n in counts.items()}})
        return total


def schedule_of(settings: OrgSettings) -> ReminderSchedule:
    """The worker's schedule from org-structure's settings (``HAICAP_ORG_PLAN_*``)."""
    return ReminderSchedule(
        idle_seconds=settings.plan_reminders_interval_seconds,
        due_soon_days=settings.plan_due_soon_days,
        escalate_after_days=settings.plan_escalate_after_days,
    )


async def serve_plan_reminders(database_url: str, audit: AuditTrail, schedule: ReminderSchedule) -> None:
    """Run the worker on ``database_url`` until SIGTERM or SIGINT."""
    await serve_until_signal(database_url, lambda sessions, sqlite: PlanRemindersWorker(sessions, schedule, audit, sqlite=sqlite))


async def remind_once(database_url: str, audit: AuditTrail, schedule: ReminderSchedule, day: date) -> dict[ReminderKind, int]:
    """One turn for ``day``, in one transaction: what it recorded."""
    engine = null_pool_engine(async_database_url(database_url))
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            return await record_reminders(
                session, audit, day, due_soon_days=schedule.due_soon_days, escalate_after_days=schedule.escalate_after_days
            )
    finally:
        await engine.dispose()
