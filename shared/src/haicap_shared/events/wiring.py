"""A service app's change feed: the outbox behind its audit trail, its feed and webhook routes."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, params
from sqlalchemy import MetaData

from ..audit import AuditTrail
from ..settings import ProcessSettings
from .catalogue import EventCatalogue
from .feed import feed_router
from .outbox import Outbox
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
    dependencies: Sequence[params.Depends] = (),
) -> None:
    """Publish every audited change of ``app`` (its trail in ``app.state.audit``), and serve the feed and webhooks.

    ``prefix``: where the app serves its feed, for an app that serves its catalogue's path itself
    (the gateway's identity, ``/api/v1/auth``; a service behind the gateway serves it at its root).
    ``dependencies``: added to every feed and webhook route (the gateway narrows who reads identity's).
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
    app.state.events = catalogue
    app.state.event_tables = tables
    app.include_router(feed_router(catalogue, tables), prefix=prefix, dependencies=dependencies)
    app.include_router(subscriptions_router(catalogue, tables), prefix=prefix, dependencies=dependencies)
