"""Webhook subscriptions through the API (being written)."""

from __future__ import annotations

from fastapi import APIRouter

from .catalogue import EventCatalogue
from .tables import EventTables


def subscriptions_router(catalogue: EventCatalogue, tables: EventTables) -> APIRouter:
    return APIRouter(tags=["webhooks"])
