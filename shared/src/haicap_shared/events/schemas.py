"""The feed's response bodies: a page of events, the feed's position, the event types."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .catalogue import CloudEvent


class EventFeed(BaseModel):
    """Events after the caller's cursor, in sequence (commit) order, and where to go on from."""

    events: list[CloudEvent] = Field(description="The events, oldest first (at most `limit`)")
    next_after: int = Field(
        ge=0,
        description="Pass it as `after` next time. It moves past every event looked at, including those the filters or "
        "your area left out, so a filtered follower never scans them again; it never goes back",
    )
    latest_sequence: int = Field(
        ge=0, description="The newest sequence of the service's feed when this page was read (any area, any type)"
    )


class FeedPosition(BaseModel):
    """How far the feed has got in the caller's area, and how far back it still reaches."""

    latest_sequence: int = Field(
        ge=0,
        description="The newest sequence of an event in your area (narrowed by `province`/`commune` when given); 0 when "
        "none: refetch your lists only when it moved",
    )
    pruned_through: int = Field(
        ge=0, description="Events up to this sequence were deleted by retention: a cursor below it gets 410 `cursor_expired`"
    )
    retention_days: int = Field(ge=1, description="How long the feed keeps an event, in days")


class EventTypeDescription(BaseModel):
    """One type of event the service publishes."""

    type: str = Field(description="The CloudEvents `type`: `vn.gov.haicap.<service>.<kind>.<past tense>`")
    kind: str = Field(description="The kind of record (`vn.gov.haicap.<service>.<kind>` filters all its types)")
    action: str = Field(description="What happened to the record, in the past tense (`created`, `transferred`)")
    description: str = Field(description="What the kind of record is")
    subject: str = Field(description="The record's URL path at the gateway (`{id}` for its id): the event's `subject`")
    dataschema: str = Field(description="The JSON Schema of the event (the event's `dataschema`)")


class EventTypes(BaseModel):
    """Every type of event the service can publish, sorted by type."""

    types: list[EventTypeDescription]
