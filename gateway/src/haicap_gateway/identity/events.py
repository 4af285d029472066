"""What identity publishes: every change of a user or a service account, as a CloudEvent.

Event types are ``vn.gov.haicap.identity.<kind>.<past tense>``: ``user.created``,
``user.updated`` (a deactivation, a new password, role or area included), ``user.unlocked``,
``service_account.created`` and ``service_account.updated`` (a new secret). An event's
``data.record`` is the record as the API returns it (``User``, ``ServiceAccount``): never a
password or secret, nor their hashes; ``changed_fields`` names ``password_changed`` or
``secret_changed`` when one was replaced.

Area: a user's own area (a province officer's province, a commune officer's commune and its
province, an agency officer's agency); admins, auditors, national viewers and service accounts
have none. NOTE: the area is there for the subscribers' filters (``?province=``); it does not
widen who reads the feed: users are not records of an officer's area, so the identity feed is
read by admins, auditors and service accounts only (:func:`narrow_feed_readers`). The event
types and their schemas stay public, as in every service (an event's ``dataschema`` resolves
without a token).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from haicap_shared.auth import SIGNED_IN, require
from haicap_shared.events.catalogue import EventArea, EventCatalogue, EventKind
from haicap_shared.events.outbox import Outbox
from haicap_shared.roles import Role

from ..db import event_tables
from .router import PREFIX
from .schemas import ServiceAccount, User

SERVICE = "identity"
"""The service's name in event types (``vn.gov.haicap.identity...``); its feed is at ``/api/v1/auth/events``."""

FEED_ROLES = (Role.ADMIN, Role.AUDITOR, Role.SERVICE)
"""Who reads the identity feed: the roles that see every user (the officers' areas hold records, not users)."""

FEED_READERS = require(*FEED_ROLES)
READERS_NOTE = (
    "**Identity's feed** is read by admins, auditors and service accounts only (every user, everywhere); "
    "other roles get 403 `role_not_allowed`: a user is not a record of an officer's area."
)


def _user_area(record: Mapping[str, Any]) -> EventArea:
    area = record.get("area") or {}
    return EventArea(area.get("province"), area.get("commune"), area.get("agency"))


def _user(snapshot: Mapping[str, Any]) -> User:
    return User.of(snapshot)


def _no_area(_record: Mapping[str, Any]) -> EventArea:
    return EventArea()


CATALOGUE = EventCatalogue(
    SERVICE,
    PREFIX,
    kinds=[
        EventKind(
            "user_account",
            User,
            f"{PREFIX}/users/{{id}}",
            actions={"unlock": "unlocked"},
            name="user",
            area=_user_area,
            represent=_user,
            description="A user who signs in with a password: created, updated (name, password, role, area, "
            "deactivated or reactivated), unlocked (failed sign-ins forgotten)",
        ),
        EventKind(
            "service_account",
            ServiceAccount,
            f"{PREFIX}/service-accounts/{{id}}",
            area=_no_area,
            description="A service that signs in with client credentials: created, updated (a new secret)",
        ),
    ],
)


def identity_outbox(public_base_url: str) -> Outbox:
    """The outbox of identity's changes, for a trail built outside the app (the operator commands)."""
    return Outbox(event_tables.outbox, CATALOGUE, {}, public_base_url=public_base_url)


def narrow_feed_readers(app: FastAPI) -> None:
    """Let only admins, auditors and service accounts read identity's feed (``/events``, ``/events/latest``).

    NOTE: the shared feed admits every role that reads records, each in their area; a user is
    no record of an officer's area, so at the gateway the feed's role check is replaced (an
    override of that one dependency: the feed's own code, its area filters and problems, stay).
    """
    feed = {f"{PREFIX}/events", f"{PREFIX}/events/latest"}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path = context.path_format or route.path_format
        if path not in feed:
            continue
        checks = list(_role_checks(route.dependant))
        if not checks:
            # NOTE: loud, at start-up: a feed route whose readers could not be narrowed would
            # show every user's changes to every officer.
            raise RuntimeError(f"identity's feed route {path} has no role check to narrow")
        for check in checks:
            app.dependency_overrides[check] = FEED_READERS
    _document_readers(app, feed)


def _document_readers(app: FastAPI, paths: set[str]) -> None:
    """Say who reads identity's feed in the operations' descriptions (the shared text names the feed's usual readers)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        for path in paths:
            operation = document.get("paths", {}).get(path, {}).get("get")
            if operation is not None and READERS_NOTE not in operation.get("description", ""):
                operation["description"] = f"{operation.get('description', '')}\n\n{READERS_NOTE}".lstrip()
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _role_checks(dependant: Any) -> Iterator[Callable[..., Any]]:
    rule = getattr(dependant.call, "access_rule", None)
    if rule is not None and not rule.public and rule is not SIGNED_IN:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _role_checks(sub)
