"""The pull feed: ``GET /events``, the event types and their JSON Schemas (being written)."""

from __future__ import annotations

from fastapi import APIRouter

from .catalogue import EventCatalogue
from .tables import EventTables


def feed_router(catalogue: EventCatalogue, tables: EventTables) -> APIRouter:
    return APIRouter(tags=["events"])
