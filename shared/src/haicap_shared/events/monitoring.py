"""How far behind the relay is: per destination, the age of the oldest event not yet delivered.

Read from the database (the destinations' cursors against the outbox), so ``/readyz`` and
``/metrics`` of any API replica tell the truth whichever relay replica delivers. The lag never
makes a service unready: the API serves whether or not the relay keeps up.

Metrics (Prometheus text, ``GET /metrics``):

- ``haicap_events_lag_seconds{service,destination}``: age of the oldest undelivered event (0: none waiting);
- ``haicap_events_delivered_through{service,destination}``: the destination's cursor (a sequence);
- ``haicap_events_latest_sequence{service}``: the newest event's sequence;
- ``haicap_events_destination_paused{service,destination}``: 1 for a paused webhook subscription;
- ``haicap_webhook_attempts{service,destination,status}``: delivery attempts by status (the log's rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import utcnow
from . import destinations as store
from .repository import latest_sequence
from .tables import EventTables

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class DestinationLag(BaseModel):
    """One place the relay delivers to, and how far behind it is."""

    destination: str = Field(description="`nats`, or `webhook:<subscription id>`")
    status: str = Field(description="`active`, or `paused` (a webhook subscription paused by an admin or the relay)")
    delivered_through: int = Field(description="The last sequence delivered (or dead-lettered) there")
    lag_seconds: float = Field(description="Age of the oldest event not yet delivered there; 0 when none is waiting")


class EventsReadiness(BaseModel):
    """The change feed's delivery state, in ``/readyz`` (it never makes the service unready)."""

    latest_sequence: int
    destinations: list[DestinationLag]


@dataclass(frozen=True, slots=True)
class AttemptCount:
    destination: str
    status: str
    count: int


async def destination_lags(session: AsyncSession, tables: EventTables, now: datetime | None = None) -> EventsReadiness:
    """Every destination's cursor and lag."""
    at = now or utcnow()
    found: list[DestinationLag] = []
    for row in await store.destinations(session, tables):
        oldest = await store.oldest_after(session, tables, int(row.delivered_through))
        lag = max(0.0, (at - oldest).total_seconds()) if oldest is not None else 0.0
        found.append(
            DestinationLag(
                destination=row.name,
                status=row.subscription_status or "active",
                delivered_through=int(row.delivered_through),
                lag_seconds=round(lag, 3),
            )
        )
    return EventsReadiness(latest_sequence=await latest_sequence(session, tables), destinations=found)


async def attempt_counts(session: AsyncSession, tables: EventTables) -> list[AttemptCount]:
    return [
        AttemptCount(store.webhook_destination(subscription_id), status, count)
        for subscription_id, status, count in await store.delivery_counts(session, tables)
    ]


class _Snapshot(Collector):
    def __init__(self, service: str, readiness: EventsReadiness, attempts: list[AttemptCount]) -> None:
        self.service = service
        self.readiness = readiness
        self.attempts = attempts

    def collect(self):  # type: ignore[no-untyped-def]  # NOTE: prometheus_client's own signature
        labels = ["service", "destination"]
        lag = GaugeMetricFamily("haicap_events_lag_seconds", "Age of the oldest event not yet delivered", labels=labels)
        through = GaugeMetricFamily("haicap_events_delivered_through", "Last sequence delivered", labels=labels)
        paused = GaugeMetricFamily("haicap_events_destination_paused", "1 when the subscription is paused", labels=labels)
        for destination in self.readiness.destinations:
            values = [self.service, destination.destination]
            lag.add_metric(values, destination.lag_seconds)
            through.add_metric(values, destination.delivered_through)
            paused.add_metric(values, 1.0 if destination.status == "paused" else 0.0)
        latest = GaugeMetricFamily("haicap_events_latest_sequence", "Newest event sequence", labels=["service"])
        latest.add_metric([self.service], self.readiness.latest_sequence)
        attempts = GaugeMetricFamily("haicap_webhook_attempts", "Webhook delivery attempts by status", labels=[*labels, "status"])
        for count in self.attempts:
            attempts.add_metric([self.service, count.destination, count.status], count.count)
        yield from (lag, through, paused, latest, attempts)


async def metrics_text(session: AsyncSession, tables: EventTables, service: str) -> bytes:
    """The Prometheus text of the change feed's metrics, computed now."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(service, await destination_lags(session, tables), await attempt_counts(session, tables)))
    return generate_latest(registry)
