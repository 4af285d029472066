"""The pull feed: ``GET /events`` (long-poll, area-filtered), the feed's position, the event types and their schemas.

A follower keeps one number, the last sequence it has seen, and asks for what came after it::

    GET /api/v1/personnel/events?after=0&limit=100&wait=25
    -> {"events": [...], "next_after": 1042, "latest_sequence": 1042}
    GET /api/v1/personnel/events?after=1042&wait=25      (answers as soon as something happens)

Sequences are the commit order (the outbox's advisory lock, :mod:`.outbox`): once a follower
has seen sequence N, nothing at or below N is committed later, so it never misses an event.
Each caller reads only the events of records in their area (the rule every list applies,
:func:`haicap_shared.areas.records_in_area`), optionally narrowed by type, kind, province or
commune; ``next_after`` moves over the events left out too, so a narrow follower does not
rescan them. Events are kept ``retention_days`` (:mod:`.retention`): a cursor older than what
retention deleted is 410 ``cursor_expired``, and the follower resynchronises from the lists and
follows from ``latest_sequence``.

While it waits, the route holds no database connection: it polls the outbox every half second
(the newest sequence only, an index lookup; the page again once it moved) until events arrive,
the wait ends or the caller goes away.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import StringConstraints
from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import records_in_area
from ..auth import RECORD_READERS, Principal, Public, require
from ..codes import CommuneCode, ProvinceCode
from ..db import Database
from ..deadlines import takes_up_to
from ..errors import AppError, NotFound, problem_responses
from . import repository
from .catalogue import CloudEvent, EventCatalogue
from .dataschemas import EventSchemas
from .schemas import EventFeed, EventTypeDescription, EventTypes, FeedPosition
from .settings import EventSettings
from .tables import EventTables

POLL_SECONDS = 0.5
"""How often a waiting request looks at the outbox again."""
MAX_WAIT_SECONDS = 25
"""The longest ``wait``: below the idle timeouts of the usual proxies (30 s and more)."""
FEED_DEADLINE_SECONDS = MAX_WAIT_SECONDS + 15
"""What ``GET /events`` declares to the gateway: the longest wait, and time to answer after it."""
MAX_LIMIT = 1000
MAX_TYPES = 50
MAX_SEQUENCE = 2**63 - 1
SCHEMA_CACHE = "public, max-age=300"

EventTypeFilter = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SchemaResponse(JSONResponse):
    media_type = "application/schema+json"


class CursorExpired(AppError):
    status, code, title = 410, "cursor_expired", "The cursor is older than the feed's retention"


class UnknownEventType(AppError):
    status, code, title = 422, "unknown_event_type", "This service publishes no such event type or kind"


FeedReader = Annotated[Principal, Depends(require(*RECORD_READERS))]
"""Who follows the feed: every role but ``viewer``, each reading only the events of their area."""


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """One read of the feed: the cursor, the page size and what narrows it (area rule included)."""

    after: int
    limit: int
    condition: ColumnElement[bool]


def selected_types(catalogue: EventCatalogue, requested: Iterable[str]) -> list[str]:
    """The event types ``requested`` names (each an exact type, or a kind that stands for all its types).

    422 ``unknown_event_type`` naming what is neither (the caller's own values; the types are
    public at ``GET /events/types``).
    """
    by_kind: dict[str, list[str]] = {}
    for event_type, _ in catalogue.event_types():
        by_kind.setdefault(event_type.rsplit(".", 1)[0], []).append(event_type)
    known = {event_type for types in by_kind.values() for event_type in types}
    selected: list[str] = []
    unknown: list[str] = []
    for name in requested:
        if name in known:
            selected.append(name)
        elif name in by_kind:
            selected.extend(by_kind[name])
        else:
            unknown.append(name)
    if unknown:
        raise UnknownEventType(
            f"{catalogue.service} publishes no event type or kind named {', '.join(unknown)}; GET /events/types lists them",
            unknown_types=unknown,
        )
    return sorted(set(selected))


def feed_condition(
    principal: Principal,
    tables: EventTables,
    *,
    types: list[str] | None = None,
    province: str | None = None,
    commune: str | None = None,
) -> ColumnElement[bool]:
    """The outbox rows the caller may read (their area), narrowed by the filters given."""
    outbox = tables.outbox
    conditions = [records_in_area(principal, outbox)]
    if types is not None:
        conditions.append(outbox.c.type.in_(types))
    if province is not None:
        conditions.append(outbox.c.province_code == province)
    if commune is not None:
        conditions.append(outbox.c.commune_code == commune)
    return and_(*conditions)


async def read_feed_once(session: AsyncSession, tables: EventTables, query: FeedQuery) -> EventFeed:
    """One page of the feed after ``query.after``; 410 ``cursor_expired`` when retention has deleted past it."""
    # NOTE: the head is read first and bounds the page: every sequence up to it is committed (or
    # never will be), so moving ``next_after`` up to it skips nothing a later read would find.
    head = await repository.latest_sequence(session, tables)
    rows = await repository.events_after(session, tables, query.after, limit=query.limit, condition=query.condition, through=head)
    # NOTE: read after the rows: a pruning committed meanwhile (which may have taken rows from
    # under the page) shows here, and the page is refused rather than silently short.
    pruned = await repository.pruned_through(session, tables)
    if query.after < pruned:
        raise CursorExpired(
            f"Events up to sequence {pruned} were deleted by retention, so events after {query.after} are missing. "
            "Resynchronise from the lists, then follow the feed from `latest_sequence`",
            pruned_through=pruned,
            latest_sequence=head,
        )
    next_after = rows[-1].sequence if len(rows) == query.limit else max(query.after, head)
    return EventFeed(
        events=[CloudEvent.model_validate(repository.cloud_event(row)) for row in rows],
        next_after=next_after,
        latest_sequence=head,
    )


async def follow_feed(
    database: Database, tables: EventTables, query: FeedQuery, *, wait: float, gone: Callable[[], Awaitable[bool]]
) -> EventFeed:
    """The next page of the feed, waiting up to ``wait`` seconds for one that is not empty.

    Each look at the outbox is a short session of its own: nothing is held while sleeping. While
    waiting, a look reads only the newest sequence (one index lookup) and reads the page again
    only when it moved. ``gone`` tells whether the caller has disconnected (then the wait ends).
    """
    deadline = time.monotonic() + wait
    feed: EventFeed | None = None
    while True:
        async with database.sessionmaker() as session:
            moved = feed is None or await repository.latest_sequence(session, tables) != feed.latest_sequence
            if moved:
                feed = await read_feed_once(session, tables, query)
        assert feed is not None
        if feed.events:
            return feed
        remaining = deadline - time.monotonic()
        if remaining <= 0 or await gone():
            return feed
        # NOTE: the next look starts past what this one scanned (events outside the filters).
        query = replace(query, after=feed.next_after)
        await asyncio.sleep(min(POLL_SECONDS, remaining))


async def feed_position(
    session: AsyncSession, tables: EventTables, condition: ColumnElement[bool], *, retention_days: int
) -> FeedPosition:
    """The newest sequence matching ``condition``, what retention has deleted, and how long it keeps events."""
    return FeedPosition(
        latest_sequence=await repository.latest_sequence(session, tables, condition),
        pruned_through=await repository.pruned_through(session, tables),
        retention_days=retention_days,
    )


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _event_settings(request: Request) -> EventSettings:
    settings: EventSettings | None = getattr(request.app.state, "event_settings", None)
    return settings if settings is not None else EventSettings()


Feeds = Annotated[Database, Depends(_database)]
FeedSettings = Annotated[EventSettings, Depends(_event_settings)]

ProvinceFilter = Annotated[
    ProvinceCode | None, Query(description="Only events of records in this province (within your area), e.g. `04`")
]
CommuneFilter = Annotated[
    CommuneCode | None, Query(description="Only events of records in this commune (within your area), e.g. `01273`")
]


def feed_router(catalogue: EventCatalogue, tables: EventTables, *, schemas: EventSchemas | None = None) -> APIRouter:
    """``/events``, ``/events/latest``, ``/events/types`` and ``/events/schemas/{type}`` of one service.

    ``schemas``: the catalogue's event schemas (with the personal fields and the public URL of
    the service, as :func:`.wiring.install_events` builds them); by default, relative URLs and
    no personal field.
    """
    schemas = schemas or EventSchemas(catalogue, {}, schema_base=f"{catalogue.path}/events/schemas")
    router = APIRouter(tags=["events"])
    types = EventTypes(
        types=[
            EventTypeDescription(
                type=event_type,
                kind=event_type.rsplit(".", 1)[0],
                action=event_type.rsplit(".", 1)[1],
                description=kind.description,
                subject=kind.path,
                dataschema=schemas.dataschema(event_type),
            )
            for event_type, kind in catalogue.event_types()
        ]
    )

    @router.get(
        "/events",
        response_model=EventFeed,
        responses=problem_responses(CursorExpired, UnknownEventType),
        openapi_extra=takes_up_to(FEED_DEADLINE_SECONDS),
    )
    async def read_events(
        request: Request,
        database: Feeds,
        principal: FeedReader,
        after: Annotated[
            int,
            Query(
                ge=0,
                le=MAX_SEQUENCE,
                description="The last sequence you have seen (`next_after` of your previous read); 0: from the oldest "
                "event kept. Below what retention deleted: 410 `cursor_expired`",
            ),
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Most events to return (1 to {MAX_LIMIT})")] = 100,
        event_types: Annotated[
            list[EventTypeFilter] | None,
            Query(
                alias="type",
                max_length=MAX_TYPES,
                description="Only these event types; repeat it for several. An exact type "
                "(`vn.gov.haicap.personnel.placement.created`) or a kind for all its types "
                "(`vn.gov.haicap.personnel.placement`); see `GET /events/types`. Unknown: 422 `unknown_event_type`",
            ),
        ] = None,
        province: ProvinceFilter = None,
        commune: CommuneFilter = None,
        wait: Annotated[
            float,
            Query(
                ge=0,
                le=MAX_WAIT_SECONDS,
                description=f"Long-poll: when nothing matches yet, wait up to this many seconds (0 to {MAX_WAIT_SECONDS}) "
                "and answer as soon as events arrive",
            ),
        ] = 0,
    ) -> EventFeed:
        """Read the change feed: events after your cursor, in commit order, in your area (long-poll with `wait`).

        Each event is a CloudEvent (structured JSON) of a record changed in your area: its `data.record`
        is the record as the API returns it after the change (before it, for a deletion), personal
        fields masked; `changed_fields` lists what an update changed. Delivery is at least once:
        deduplicate on `id`. Keep `next_after` and pass it as `after` next time. A cursor below what
        retention deleted is 410 `cursor_expired` (with `pruned_through` and `latest_sequence`):
        resynchronise from the lists, then follow from `latest_sequence`.
        """
        query = FeedQuery(
            after=after,
            limit=limit,
            condition=feed_condition(
                principal,
                tables,
                types=selected_types(catalogue, event_types) if event_types else None,
                province=province,
                commune=commune,
            ),
        )
        return await follow_feed(database, tables, query, wait=wait, gone=request.is_disconnected)

    @router.get("/events/latest", response_model=FeedPosition)
    async def read_feed_position(
        database: Feeds,
        settings: FeedSettings,
        principal: FeedReader,
        province: ProvinceFilter = None,
        commune: CommuneFilter = None,
    ) -> FeedPosition:
        """Tell the newest event sequence in your area (or a province or commune of it): refetch only when it moved."""
        condition = feed_condition(principal, tables, province=province, commune=commune)
        async with database.sessionmaker() as session:
            return await feed_position(session, tables, condition, retention_days=settings.retention_days)

    @router.get("/events/types", response_model=EventTypes, dependencies=[Public])
    async def list_event_types() -> EventTypes:
        """List every type of event this service publishes, with its kind and the URL of its JSON Schema (public)."""
        return types

    @router.get(
        "/events/schemas/{event_type}",
        dependencies=[Public],
        response_class=SchemaResponse,
        responses={
            200: {
                "description": "A JSON Schema (draft 2020-12) of the whole CloudEvent",
                "content": {SchemaResponse.media_type: {"schema": {"type": "object", "additionalProperties": True}}},
            }
        },
    )
    async def read_event_schema(
        event_type: Annotated[str, Path(max_length=200, description="An event type, from `GET /events/types`")],
    ) -> SchemaResponse:
        """Read the JSON Schema of an event type (public): an event's `dataschema` links here."""
        document = schemas.json_schema(event_type)
        if document is None:
            raise NotFound(f"{catalogue.service} publishes no event type {event_type}; GET /events/types lists them")
        return SchemaResponse(document, headers={"Cache-Control": SCHEMA_CACHE})

    return router
