"""Webhook subscriptions through the API: ``/webhook-subscriptions`` (admins only).

A subscription names an endpoint, the event types it wants (exact types, or a kind such as
``vn.gov.haicap.personnel.placement`` for all of its actions; none: every type) and an
optional province or commune. It receives the events written after it was created, one POST
per event in commit order, signed with its secret (:mod:`.webhooks`), shown only when the
subscription is created and when the secret is rotated. The relay (:mod:`.relay`) retries a
failing endpoint with exponential back-off for the retry window, then dead-letters the event
and goes on; a subscription whose endpoint keeps failing is paused (with the reason) until an
admin resumes it. Every attempt is in the delivery log; a dead letter can be sent again.

Subscriptions are configuration: their changes are in the audit log (entity type
``webhook_subscription``, never with the secret) and publish no event
(:data:`.catalogue.CONFIGURATION_TYPES`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import Audit, AuditTrail
from ..auth import Principal, require
from ..codes import CommuneCode, ProvinceCode
from ..db import DbSession
from ..errors import AppError, Conflict, NotFound, PreconditionFailed, PreconditionRequired, problem_responses
from ..models import utcnow
from ..paging import Cursor, Limit, Page, keyset_page
from ..roles import Role
from ..versioning import IfMatch, created_headers, etag_response
from . import destinations as store
from .catalogue import TYPE_PREFIX, EventCatalogue
from .repository import latest_sequence
from .settings import EventSettings
from .tables import EventTables
from .webhooks import WebhookUrlNotAllowed, new_secret, public_addresses

ENTITY_TYPE = "webhook_subscription"
MAX_EVENT_TYPES = 50
MAX_SUBSCRIPTIONS = 100
"""Subscriptions a service keeps at most: each is worked by the relay one POST at a time."""

EventTypeName = Annotated[str, StringConstraints(min_length=len(TYPE_PREFIX) + 3, max_length=200, pattern=r"^[a-z0-9_.-]+$")]
WebhookUrl = Annotated[str, StringConstraints(min_length=8, max_length=2000, strip_whitespace=True)]
Description = Annotated[str, StringConstraints(max_length=500)]
SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id")]


class UnknownEventType(AppError):
    status, code, title = 422, "unknown_event_type", "This service publishes no such event type or kind"


class SubscriptionNotFound(NotFound):
    code, title = "webhook_subscription_not_found", "No such webhook subscription"


class DeliveryNotFound(NotFound):
    code, title = "webhook_delivery_not_found", "No such delivery of this subscription"


class TooManySubscriptions(Conflict):
    code, title = "too_many_webhook_subscriptions", "This service has as many webhook subscriptions as it keeps"


class NotADeadLetter(Conflict):
    code, title = "not_a_dead_letter", "Only a dead-lettered delivery can be sent again"


class WebhookSubscriptionCreate(BaseModel):
    """A new subscription."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl = Field(
        description="Where every event is POSTed; https to a public address in production", examples=["https://example.org/hook"]
    )
    event_types: list[EventTypeName] = Field(
        default_factory=list,
        max_length=MAX_EVENT_TYPES,
        description="Exact event types or kinds (`vn.gov.haicap.<service>.<kind>`, all its actions); empty: every type",
    )
    province_code: ProvinceCode | None = Field(default=None, description="Only events of records in this province")
    commune_code: CommuneCode | None = Field(default=None, description="Only events of records in this commune")
    description: Description = ""


class WebhookSubscriptionUpdate(BaseModel):
    """The fields to change (others stay); `status` pauses or resumes."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl | None = None
    event_types: list[EventTypeName] | None = Field(default=None, max_length=MAX_EVENT_TYPES)
    province_code: ProvinceCode | None = None
    commune_code: CommuneCode | None = None
    description: Description | None = None
    status: Literal["active", "paused"] | None = Field(default=None, description="`paused`: nothing is sent, the cursor stays")


class WebhookSubscription(BaseModel):
    """A subscription, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    province_code: str | None
    commune_code: str | None
    status: Literal["active", "paused"]
    paused_reason: str | None = Field(description="Why it was paused (by whom, or the failures that paused it)")
    paused_at: datetime | None
    delivered_through: int | None = Field(description="The last event sequence handled (delivered or dead-lettered)")
    failing_since: datetime | None = Field(description="Since when deliveries have failed without a success; null: they succeed")
    last_error: str | None = Field(description="The last failure of the event being retried")
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class WebhookSubscriptionWithSecret(WebhookSubscription):
    """A subscription with its signing secret: shown only in this answer, keep it."""

    secret: str = Field(description="`whsec_<base64>`: verify each delivery's `webhook-signature` with it (Standard Webhooks)")


class WebhookDelivery(BaseModel):
    """One attempt to deliver one event."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    sequence: int
    event_type: str
    attempt: int = Field(description="1 for the first attempt of this event, then 2, 3...")
    attempted_at: datetime
    status: Literal["delivered", "failed", "dead_lettered", "redelivering", "redelivered"] = Field(
        description="`delivered`: answered 2xx; `failed`: this attempt failed (the event is retried, unless the attempt "
        "sent a dead letter again); `dead_lettered`: given up after the retry window; `redelivering`: a dead letter "
        "being sent again; `redelivered`: a dead letter sent again since"
    )
    response_status: int | None = Field(description="The endpoint's HTTP status; null when it did not answer")
    latency_ms: int | None
    error: str | None
    redelivery_of: uuid.UUID | None = Field(description="The dead letter this attempt sent again")


class Redelivery(BaseModel):
    """How many dead letters the relay will send again."""

    requested: int


AdminRead = Annotated[Principal, Depends(require(Role.ADMIN))]
AdminWrite = Annotated[Principal, Depends(require(Role.ADMIN, writes=True))]


def event_settings(request: Request) -> EventSettings:
    found = getattr(request.app.state, "event_settings", None)
    if isinstance(found, EventSettings):
        return found
    settings = EventSettings()
    request.app.state.event_settings = settings
    return settings


Settings = Annotated[EventSettings, Depends(event_settings)]


def subscriptions_router(catalogue: EventCatalogue, tables: EventTables) -> APIRouter:
    """The subscriptions API of a service publishing ``catalogue``."""
    router = APIRouter(tags=["webhooks"])
    known_types = {name for name, _kind in catalogue.event_types()}
    known_kinds = {name.rsplit(".", 1)[0] for name in known_types}

    def check_types(names: list[str]) -> list[str]:
        unknown = sorted(set(names) - known_types - known_kinds)
        if unknown:
            raise UnknownEventType(f"Unknown event types or kinds: {', '.join(unknown)}; see GET /events/types")
        return sorted(set(names))

    async def check_url(url: str, settings: EventSettings) -> None:
        await public_addresses(url, allow_private=settings.allow_private_webhook_urls)

    async def view(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription:
        row = await store.subscription(session, tables, subscription_id)
        if row is None:
            raise SubscriptionNotFound(f"No webhook subscription {subscription_id}")
        return WebhookSubscription.model_validate(row)

    async def with_secret(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscriptionWithSecret:
        shown = await view(session, subscription_id)
        row = await store.subscription_with_secret(session, tables, subscription_id)
        assert row is not None
        return WebhookSubscriptionWithSecret(**shown.model_dump(), secret=row.secret)

    async def audit_change(
        session: AsyncSession,
        trail: AuditTrail,
        principal: Principal,
        action: str,
        before: WebhookSubscription | None,
        after: WebhookSubscription | None,
    ) -> None:
        subject = after or before
        assert subject is not None
        await trail.record(
            session,
            principal,
            entity_type=ENTITY_TYPE,
            entity_id=subject.id,
            action=action,
            before=_snapshot(before),
            after=_snapshot(after),
        )

    @router.post(
        "/webhook-subscriptions",
        status_code=201,
        response_model=WebhookSubscriptionWithSecret,
        responses=problem_responses(UnknownEventType, WebhookUrlNotAllowed, TooManySubscriptions),
    )
    async def create_subscription(
        payload: WebhookSubscriptionCreate, session: DbSession, audit: Audit, principal: AdminWrite, settings: Settings
    ) -> JSONResponse:
        """Subscribe an endpoint to the events written from now on; the answer shows its signing secret, once."""
        event_types = check_types(payload.event_types)
        await check_url(payload.url, settings)
        if await store.subscription_count(session, tables) >= MAX_SUBSCRIPTIONS:
            raise TooManySubscriptions(f"At most {MAX_SUBSCRIPTIONS} subscriptions; delete one first")
        now = utcnow()
        subscription_id = uuid.uuid4()
        values: dict[str, Any] = {
            **payload.model_dump(exclude={"event_types"}),
            "id": subscription_id,
            "event_types": event_types,
            "status": "active",
            "secret": new_secret(),
            "created_by": principal.username,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        await store.insert_subscription(session, tables, values, start=await latest_sequence(session, tables))
        created = await with_secret(session, subscription_id)
        await audit_change(session, audit, principal, "create", None, created)
        return etag_response(
            created, status_code=201, headers=created_headers(f"webhook-subscriptions/{subscription_id}", created.version)
        )

    @router.get("/webhook-subscriptions", response_model=Page[WebhookSubscription])
    async def list_subscriptions(
        session: DbSession, _principal: AdminRead, limit: Limit = 50, cursor: Cursor = None
    ) -> Page[WebhookSubscription]:
        """List the webhook subscriptions (oldest first), without their secrets."""
        s = tables.subscription
        stmt = store.subscription_view(tables)
        return await keyset_page(
            session, stmt, order_by=[s.c.created_at, s.c.id], limit=limit, cursor=cursor, item=WebhookSubscription
        )

    @router.get(
        "/webhook-subscriptions/{subscription_id}",
        response_model=WebhookSubscription,
        responses=problem_responses(SubscriptionNotFound),
    )
    async def get_subscription(subscription_id: SubscriptionId, session: DbSession, _principal: AdminRead) -> JSONResponse:
        """Read one subscription (its cursor and failures too), without its secret."""
        return etag_response(await view(session, subscription_id))

    @router.patch(
        "/webhook-subscriptions/{subscription_id}",
        response_model=WebhookSubscription,
        responses=problem_responses(
            SubscriptionNotFound, UnknownEventType, WebhookUrlNotAllowed, PreconditionFailed, PreconditionRequired
        ),
    )
    async def update_subscription(
        subscription_id: SubscriptionId,
        payload: WebhookSubscriptionUpdate,
        if_match: IfMatch,
        session: DbSession,
        audit: Audit,
        principal: AdminWrite,
        settings: Settings,
    ) -> JSONResponse:
        """Change a subscription's URL, types, area or description, or pause or resume it. Requires If-Match."""
        before = await view(session, subscription_id)
        if_match.check(before.version)
        changes = payload.model_dump(exclude_unset=True)
        if payload.event_types is not None:
            changes["event_types"] = check_types(payload.event_types)
        if payload.url is not None:
            await check_url(payload.url, settings)
        now = utcnow()
        status = changes.pop("status", None)
        if status == "paused" and before.status == "active":
            changes |= {"status": "paused", "paused_reason": f"paused by {principal.username}", "paused_at": now}
        if status == "active" and before.status == "paused":
            changes |= {"status": "active", "paused_reason": None, "paused_at": None}
            await store.reset_destination(session, tables, subscription_id, now)
        await store.update_subscription(session, tables, subscription_id, **changes, updated_at=now)
        after = await view(session, subscription_id)
        await audit_change(session, audit, principal, "update", before, after)
        return etag_response(after)

    @router.delete(
        "/webhook-subscriptions/{subscription_id}",
        status_code=204,
        responses=problem_responses(SubscriptionNotFound),
    )
    async def delete_subscription(
        subscription_id: SubscriptionId, session: DbSession, audit: Audit, principal: AdminWrite
    ) -> Response:
        """Delete a subscription, its cursor and its delivery log: nothing more is sent."""
        before = await view(session, subscription_id)
        await store.delete_subscription(session, tables, subscription_id)
        await audit_change(session, audit, principal, "delete", before, None)
        return Response(status_code=204)

    @router.post(
        "/webhook-subscriptions/{subscription_id}/rotate-secret",
        response_model=WebhookSubscriptionWithSecret,
        responses=problem_responses(SubscriptionNotFound),
    )
    async def rotate_secret(
        subscription_id: SubscriptionId, session: DbSession, audit: Audit, principal: AdminWrite
    ) -> JSONResponse:
        """Give a subscription a new signing secret, shown once here; deliveries from now on are signed with it."""
        before = await view(session, subscription_id)
        await store.update_subscription(session, tables, subscription_id, secret=new_secret(), updated_at=utcnow())
        after = await with_secret(session, subscription_id)
        await audit_change(session, audit, principal, "rotate_secret", before, after)
        return etag_response(after)

    @router.post(
        "/webhook-subscriptions/{subscription_id}/resume",
        response_model=WebhookSubscription,
        responses=problem_responses(SubscriptionNotFound),
    )
    async def resume_subscription(
        subscription_id: SubscriptionId, session: DbSession, audit: Audit, principal: AdminWrite
    ) -> JSONResponse:
        """Resume a paused subscription: delivery goes on from its cursor, its head event retried afresh."""
        before = await view(session, subscription_id)
        if before.status == "paused":
            now = utcnow()
            await store.update_subscription(
                session, tables, subscription_id, status="active", paused_reason=None, paused_at=None, updated_at=now
            )
            await store.reset_destination(session, tables, subscription_id, now)
            after = await view(session, subscription_id)
            await audit_change(session, audit, principal, "resume", before, after)
            return etag_response(after)
        return etag_response(before)

    @router.get(
        "/webhook-subscriptions/{subscription_id}/deliveries",
        response_model=Page[WebhookDelivery],
        responses=problem_responses(SubscriptionNotFound),
    )
    async def list_deliveries(
        subscription_id: SubscriptionId,
        session: DbSession,
        _principal: AdminRead,
        status: Annotated[
            Literal["delivered", "failed", "dead_lettered", "redelivering", "redelivered"] | None,
            Query(description="Only attempts of this status"),
        ] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Page[WebhookDelivery]:
        """The delivery log of a subscription: every attempt, oldest first."""
        await view(session, subscription_id)
        d = tables.delivery
        stmt = store.deliveries_query(tables, subscription_id, [status] if status else [])
        return await keyset_page(
            session, stmt, order_by=[d.c.attempted_at, d.c.id], limit=limit, cursor=cursor, item=WebhookDelivery
        )

    @router.get(
        "/webhook-subscriptions/{subscription_id}/dead-letters",
        response_model=Page[WebhookDelivery],
        responses=problem_responses(SubscriptionNotFound),
    )
    async def list_dead_letters(
        subscription_id: SubscriptionId, session: DbSession, _principal: AdminRead, limit: Limit = 50, cursor: Cursor = None
    ) -> Page[WebhookDelivery]:
        """The events given up on after the retry window (and those being sent again), in sequence order."""
        await view(session, subscription_id)
        d = tables.delivery
        stmt = store.deliveries_query(tables, subscription_id, store.DEAD)
        return await keyset_page(session, stmt, order_by=[d.c.sequence, d.c.id], limit=limit, cursor=cursor, item=WebhookDelivery)

    @router.post(
        "/webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver",
        status_code=202,
        response_model=WebhookDelivery,
        responses=problem_responses(SubscriptionNotFound, DeliveryNotFound, NotADeadLetter),
    )
    async def redeliver(
        subscription_id: SubscriptionId,
        delivery_id: Annotated[uuid.UUID, Path(description="A dead-lettered delivery's id")],
        session: DbSession,
        audit: Audit,
        principal: AdminWrite,
    ) -> WebhookDelivery:
        """Send a dead letter again: the relay makes one attempt soon, out of the order of the feed."""
        shown = await view(session, subscription_id)
        found = await store.delivery(session, tables, subscription_id, delivery_id)
        if found is None:
            raise DeliveryNotFound(f"No delivery {delivery_id} of subscription {subscription_id}")
        if found.status != "dead_lettered":
            raise NotADeadLetter(f"The delivery is {found.status}, not dead_lettered")
        await store.request_redelivery(session, tables, subscription_id, delivery_id)
        await audit_change(session, audit, principal, "redeliver", shown, shown)
        row = await store.delivery(session, tables, subscription_id, delivery_id)
        return WebhookDelivery.model_validate(row)

    @router.post(
        "/webhook-subscriptions/{subscription_id}/dead-letters/redeliver",
        status_code=202,
        response_model=Redelivery,
        responses=problem_responses(SubscriptionNotFound),
    )
    async def redeliver_all(
        subscription_id: SubscriptionId, session: DbSession, audit: Audit, principal: AdminWrite
    ) -> Redelivery:
        """Send every dead letter of a subscription again (one attempt each, soon, in sequence order)."""
        shown = await view(session, subscription_id)
        requested = await store.request_redelivery(session, tables, subscription_id)
        if requested:
            await audit_change(session, audit, principal, "redeliver", shown, shown)
        return Redelivery(requested=requested)

    return router


def _snapshot(subscription: WebhookSubscription | None) -> dict[str, Any] | None:
    if subscription is None:
        return None
    shown = subscription.model_dump(
        mode="json", include={"id", "url", "description", "event_types", "province_code", "commune_code", "status", "version"}
    )
    return shown
