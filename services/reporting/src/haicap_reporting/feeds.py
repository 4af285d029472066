"""Following the sources' change feeds, so a kept report is dropped as soon as its figures may move.

One asyncio task per source (org-structure, personnel, assets) long-polls the source's
``GET /events`` through the gateway, as reporting's account, from the feed's latest sequence
when it starts. For each event it drops the kept reports (:class:`~.cache.ReportCache`) of the
event's area whose sections the event's kind feeds (:data:`SECTIONS`); a kind it does not know
drops every report of the area. An event that changes a record's area drops reports everywhere
(the event names the new area only).

When the feed answers 410 ``cursor_expired`` or cannot be read, the follower drops every kept
report built from that source (they are composed anew on request) and starts again from the
latest sequence, waiting longer after each failure (``event_feed_retry_seconds`` doubling up to
``event_feed_retry_max_seconds``, with jitter). An outage is logged once at WARNING when it
begins and once at INFO when it ends, not at every attempt. Where each follower stands is in
``/readyz`` (:class:`FeedState`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import BaseModel, Field

from .cache import Drop, ReportCache
from .settings import ReportingSettings
from .sources import Sources
from .sources.events import CursorExpired, EventsSource, FeedEvent, FeedPage, FeedUnavailable

logger = logging.getLogger("haicap.reporting.feeds")

# NOTE: which report sections (province summary: tasks, decisions, staff, assets,
# streamlining, dispositions, procedure_dossiers, workload, plans, task_difficulties; transition gaps: tasks,
# agencies, people, assets; commune profile: lineage, agencies, tasks, people, assets, procedures, workload, plans,
# task_difficulties) an event
# kind's records are counted in, by source and kind (the kind's name in the event type). A kind that changes where things are
# (units, their changes and corrections, agencies, which every count is grouped by) or that is
# not listed drops every report of its area. The run of a batch (an import, a setup, a bulk
# transfer or re-placement, a hand-over) drops nothing: every record it wrote has its own
# event in the same transaction.
_NOTHING: frozenset[str] = frozenset()
SECTIONS: Mapping[str, Mapping[str, frozenset[str]]] = {
    "org": {
        # NOTE: the procedures a commune handles are those linked to the tasks its agencies hold
        "task": frozenset({"tasks", "procedure_dossiers", "procedures", "workload"}),
        "function_decision": frozenset({"decisions", "agencies"}),
        "unit_import": _NOTHING,
        "agency_standard_setup": _NOTHING,
        "agency_import": _NOTHING,
        "task_import": _NOTHING,
        "task_transfer_batch": _NOTHING,
        "procedure": frozenset({"procedure_dossiers", "procedures"}),
        "procedure_import": _NOTHING,
        # NOTE: the gap report's tasks section counts the feasibility findings (cannot_carry_out, difficulty_open)
        "task_feasibility": frozenset({"task_difficulties", "tasks"}),
        "plan": frozenset({"plans"}),
        "plan_item": frozenset({"plans"}),
    },
    "personnel": {
        "person": frozenset({"staff", "people", "workload"}),
        "placement": frozenset({"staff", "people", "workload"}),
        "job_position": frozenset({"staff", "people", "workload"}),
        "staffing_quota": frozenset({"people", "workload"}),
        "streamlining_case": frozenset({"streamlining", "people"}),
        "training_record": frozenset({"staff"}),
        "bulk_replacement": _NOTHING,
        "person_import": _NOTHING,
        "procedure_dossier": frozenset({"procedure_dossiers", "procedures"}),
    },
    "assets": {
        "asset": frozenset({"assets", "dispositions"}),
        "allocation": frozenset({"assets"}),
        "car_norm": frozenset({"assets"}),
        "handover": _NOTHING,
        "asset_import": _NOTHING,
        "disposition": frozenset({"assets", "dispositions"}),
        "procedure_dossier": frozenset({"procedure_dossiers", "procedures"}),
    },
}
"""Source -> event kind -> the report sections its records are counted in."""

SOURCE_SECTIONS: Mapping[str, frozenset[str]] = {
    "org": frozenset(
        {
            "lineage",
            "agencies",
            "tasks",
            "decisions",
            "procedure_dossiers",
            "procedures",
            "workload",
            "plans",
            "task_difficulties",
        }
    ),
    "personnel": frozenset({"staff", "people", "streamlining", "procedure_dossiers", "procedures", "workload"}),
    "assets": frozenset({"assets", "dispositions", "procedure_dossiers", "procedures"}),
}
"""Source -> every report section built from it."""

# NOTE: an update changing one of these moved the record: its former area is not in the event.
_AREA_FIELDS = frozenset(
    {"province_code", "commune_code", "agency_id", "unit_id", "holder_id", "holder_province_code", "holder_commune_code"}
)


def drop_for(source: str, event: FeedEvent) -> Drop | None:
    """The kept reports ``event`` of ``source`` makes stale (``None``: none)."""
    sections = SECTIONS.get(source, {}).get(event.kind)
    if sections == _NOTHING:
        return None
    moved = bool(_AREA_FIELDS.intersection(event.data.changed_fields or ()))
    if moved or event.provincecode is None:
        return Drop(sections=sections)
    return Drop(province=event.provincecode, commune=event.communecode, sections=sections)


class FeedState(BaseModel):
    """Where a follower stands, as ``/readyz`` shows it."""

    service: str = Field(description="The source service")
    following: bool = Field(description="The last request to its feed succeeded")
    position: int | None = Field(description="The last event sequence read (null before the first answer)")
    latest_sequence: int | None = Field(description="The feed's latest sequence when it last answered")
    events_read: int = Field(description="Events read since the process started")
    reports_dropped: int = Field(description="Kept reports dropped because of this feed since the process started")
    restarts: int = Field(description="Times it started again from the latest sequence (410, or the feed failing)")
    last_error: str | None = Field(description="Why the feed last failed (kept after it recovers)")
    failing_since: datetime | None = Field(description="When the current outage began (null when following)")


@dataclass
class Follower:
    """Follows one source's feed and drops the kept reports its events make stale."""

    source: str
    feed: EventsSource
    cache: ReportCache
    wait_seconds: int
    retry_seconds: float
    retry_max_seconds: float

    def __post_init__(self) -> None:
        self.state = FeedState(
            service=self.feed.name,
            following=False,
            position=None,
            latest_sequence=None,
            events_read=0,
            reports_dropped=0,
            restarts=0,
            last_error=None,
            failing_since=None,
        )
        self._delay = self.retry_seconds
        self._started = False
        self._warned = False

    async def run(self) -> None:
        """Follow until cancelled."""
        cursor: int | None = None
        while True:
            try:
                if cursor is None:
                    cursor = await self._start()
                page = await self.feed.follow(cursor, wait=self.wait_seconds)
            except CursorExpired as exc:
                logger.warning("event feed cursor expired: starting again from its latest", extra=self._log(exc))
                self._failed(str(exc))
            except FeedUnavailable as exc:
                if not self._warned:
                    logger.warning("event feed unavailable: kept reports expire by their TTL meanwhile", extra=self._log(exc))
                    self._warned = True
                self._failed(str(exc))
            except Exception as exc:  # NOTE: a bug here must not end the following for good
                logger.exception("event feed follower failed", extra=self._log(exc))
                self._failed(f"reporting failed reading the feed: {exc!r}")
            else:
                self._read(page)
                cursor = page.next_after
                # NOTE: a busy feed answers at once; let the requests in between run
                await asyncio.sleep(0)
                continue
            cursor = None
            await asyncio.sleep(self._next_delay())

    async def _start(self) -> int:
        """The feed's latest sequence; the reports kept until now may miss events before it, so they go."""
        latest = await self.feed.current()
        self.state.restarts += 1 if self._started else 0
        self._started = True
        self.state.reports_dropped += self.cache.drop(Drop(sections=SOURCE_SECTIONS[self.source]))
        self.state.position = self.state.latest_sequence = latest
        self.state.following, self.state.failing_since = True, None
        return latest

    def _read(self, page: FeedPage) -> None:
        if self._warned:
            logger.info("event feed followed again", extra={"upstream": self.feed.name, "position": self.state.position})
            self._warned = False
        self._delay = self.retry_seconds
        for event in page.events:
            if (drop := drop_for(self.source, event)) is not None:
                self.state.reports_dropped += self.cache.drop(drop)
        self.state.events_read += len(page.events)
        self.state.position, self.state.latest_sequence = page.next_after, page.latest_sequence
        self.state.following, self.state.failing_since = True, None

    def _failed(self, reason: str) -> None:
        self.state.following = False
        self.state.last_error = reason
        if self.state.failing_since is None:
            self.state.failing_since = datetime.now(UTC)
        # NOTE: what is kept may be stale by events that will not be read: compose it anew
        self.state.reports_dropped += self.cache.drop(Drop(sections=SOURCE_SECTIONS[self.source]))

    def _next_delay(self) -> float:
        delay = self._delay
        self._delay = min(self._delay * 2, self.retry_max_seconds)
        return delay * random.uniform(0.5, 1.0)  # NOTE: jitter, so replicas do not retry in step

    def _log(self, reason: object) -> dict[str, object]:
        return {"upstream": self.feed.name, "reason": str(reason), "position": self.state.position}


def followers(settings: ReportingSettings, sources: Sources, cache: ReportCache) -> list[Follower]:
    return [
        Follower(
            source,
            feed,
            cache,
            wait_seconds=settings.event_feed_wait_seconds,
            retry_seconds=settings.event_feed_retry_seconds,
            retry_max_seconds=settings.event_feed_retry_max_seconds,
        )
        for source, feed in sources.events.items()
    ]


@asynccontextmanager
async def following(app: FastAPI) -> AsyncIterator[None]:
    """The lifespan part that runs the followers (when ``follow_event_feeds``), stopped at shutdown."""
    settings: ReportingSettings = app.state.settings
    app.state.feed_followers = []
    if not settings.follow_event_feeds:
        yield
        return
    app.state.feed_followers = followers(settings, app.state.sources, app.state.report_cache)
    tasks = [asyncio.create_task(f.run(), name=f"follow {f.feed.name} events") for f in app.state.feed_followers]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def feed_states(app: FastAPI) -> list[FeedState]:
    return [f.state for f in getattr(app.state, "feed_followers", [])]
