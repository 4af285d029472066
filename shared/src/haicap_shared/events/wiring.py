"""A service app's change feed: the outbox behind its audit trail, its feed and webhook routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import MetaData

from ..audit import AuditTrail
from ..settings import ProcessSettings
from .catalogue import EventCatalogue
from .dataschemas import EventSchemas
from .feed import feed_router
from .outbox import Outbox
from .settings import EventSettings
from .subscriptions import subscriptions_router
from .tables import EventTables

EVENT_TAGS = [
    {"name": "events", "description": "The change feed: every committed change as a CloudEvent, in commit order"},
    {"name": "webhooks", "description": "Subscriptions that push the change feed to your HTTPS endpoint"},
]


def install_events(
    app: FastAPI,
    catalogue: EventCatalogue,
    metadata: MetaData,
    settings: ProcessSettings,
    *,
    prefix: str = "",
    event_settings: EventSettings | None = None,
) -> None:
    """Publish every audited change of ``app`` (its trail in ``app.state.audit``), and serve the feed and webhooks.

    ``prefix``: where the app serves its feed, for an app that serves its catalogue's path itself
    (the gateway's identity, ``/api/v1/auth``; a service behind the gateway serves it at its root).
    ``event_settings``: retention and the relay's settings (``HAICAP_EVENTS_*`` by default), kept in
    ``app.state.event_settings``, where the routes read them (a test may replace them there).

    The app's OpenAPI document lists every event type under ``webhooks`` (OpenAPI 3.1), each
    with its payload's schema (:mod:`.dataschemas`).
    """
    tables = EventTables(
        outbox=metadata.tables["event_outbox"],
        feed_state=metadata.tables["event_feed_state"],
        destination=metadata.tables["event_destination"],
        subscription=metadata.tables["webhook_subscription"],
        delivery=metadata.tables["webhook_delivery"],
    )
    trail: AuditTrail = app.state.audit
    trail.outbox = Outbox(tables.outbox, catalogue, trail.personal, public_base_url=settings.public_base_url)
    schemas = EventSchemas(catalogue, trail.personal, schema_base=trail.outbox.schema_base)
    app.state.events = catalogue
    app.state.event_tables = tables
    app.state.event_schemas = schemas
    app.state.event_settings = event_settings or EventSettings()
    app.include_router(feed_router(catalogue, tables, schemas=schemas), prefix=prefix)
    app.include_router(subscriptions_router(catalogue, tables), prefix=prefix)
    _document_event_types(app, schemas)


def _document_event_types(app: FastAPI, schemas: EventSchemas) -> None:
    """Add the event types to the app's OpenAPI document (``webhooks``), as the shared library's other additions do."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        if "webhooks" not in document:
            schemas.add_to_openapi(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
