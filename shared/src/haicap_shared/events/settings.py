"""The change feed's settings, read from ``HAICAP_EVENTS_*`` (the same in every service).

One block for the feed (retention) and the relay (webhooks, NATS): a process reads it with
``EventSettings()``; tests pass their own values.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EventSettings(BaseSettings):
    """How long the outbox keeps events, and how the relay delivers them."""

    model_config = SettingsConfigDict(env_prefix="HAICAP_EVENTS_", extra="ignore")

    retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="How long the outbox keeps an event, in days; a feed cursor older than that is 410 cursor_expired",
    )
