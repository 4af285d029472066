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

    # NOTE: the relay's settings (haicap_shared.events.relay, webhooks, nats).
    nats_url: str = Field(
        default="",
        description="NATS server (nats://host:4222) the relay publishes every event to through JetStream; empty: no NATS",
    )
    nats_stream_prefix: str = Field(
        default="HAICAP",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The JetStream stream of a service is `<prefix>_<SERVICE>` (subjects `haicap.<service>.>`)",
    )
    nats_duplicate_window_seconds: float = Field(
        default=120.0, gt=0, le=86400, description="JetStream's duplicate window: a message id seen within it is dropped"
    )
    relay_batch_size: int = Field(default=500, ge=1, le=10000, description="Events the relay reads per destination turn")
    relay_workers: int = Field(
        default=4,
        ge=1,
        le=32,
        description="Destinations one relay process works at once (a slow webhook endpoint then holds up only its own)",
    )
    relay_lease_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="How long a relay replica holds a destination before another may take it"
    )
    relay_idle_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="The longest wait of an idle relay between two looks for work (after work: a 32nd of it, doubling)",
    )
    prune_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often the relay deletes events older than the retention"
    )
    allow_private_webhook_urls: bool = Field(
        default=True,
        description="Whether a webhook may target http:// or a loopback, private, link-local or reserved address "
        "(the demo's receivers); production sets false: https only, to public addresses only (checked again at delivery)",
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60, description="How long one webhook POST may take")
    webhook_retry_base_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="First retry delay of a failing webhook; it doubles (full jitter) up to the cap"
    )
    webhook_retry_cap_seconds: float = Field(default=3600.0, gt=0, description="Longest delay between two retries")
    webhook_retry_window_seconds: float = Field(
        default=86400.0, gt=0, description="How long the head event is retried before it is dead-lettered"
    )
    webhook_pause_after_dead_letters: int = Field(
        default=5, ge=1, le=1000, description="Dead letters in a row after which a subscription is paused"
    )
    webhook_pause_after_failing_seconds: float = Field(
        default=3 * 86400.0, gt=0, description="A subscription failing without a success for this long is paused"
    )
