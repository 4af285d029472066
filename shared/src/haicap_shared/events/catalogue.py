"""What a service publishes: its event kinds, and the CloudEvents they become.

A service declares one :class:`EventKind` per kind of record it changes (the audit log's
entity type), with the response model the API returns for that record, the record's URL
path and the past-tense name of each audit action. The outbox (:mod:`.outbox`) turns every
audited change of a declared kind into a :class:`CloudEvent`; an audited action a kind does
not declare is a programming error, raised in the changing transaction (so a test that
makes the change finds it), never an event silently missing.

Event types are ``vn.gov.haicap.<service>.<kind>.<past tense>``, e.g.
``vn.gov.haicap.personnel.placement.created``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TYPE_PREFIX = "vn.gov.haicap"

NOT_CHANGES = frozenset({"reveal", "consent_read"})
"""Audited actions that change nothing (a read of personal data, a dossier read under a consent): they publish no event."""

STANDARD_ACTIONS: Mapping[str, str] = {"create": "created", "update": "updated", "delete": "deleted"}

CONFIGURATION_TYPES = frozenset({"webhook_subscription"})
"""Audited entity types of the change feed's own configuration, never published: a webhook
subscription's changes are in the audit log, but an event about one would carry its URL to
every other subscriber (and a subscription change is no change of the service's records)."""


@dataclass(frozen=True, slots=True)
class EventArea:
    """Where an event's record lies, for the feed's and the subscriptions' area filters."""

    province_code: str | None = None
    commune_code: str | None = None
    agency_id: str | None = None


def area_of_record(record: Mapping[str, Any]) -> EventArea:
    """The area of a record with ``province_code``, ``commune_code`` and ``agency_id`` fields (most have them)."""

    def text(name: str) -> str | None:
        value = record.get(name)
        return None if value is None else str(value)

    return EventArea(text("province_code"), text("commune_code"), text("agency_id"))


@dataclass(frozen=True)
class EventKind:
    """One kind of record a service publishes changes of.

    ``entity_type``: the audit log's entity type (``placement``), also the kind's name in
    event types unless ``name`` says otherwise. ``schema``: the response model of the record
    as the API returns it; an event's ``data.record`` is the audited snapshot after the change
    (before it, for a deletion) validated by this model, unless ``represent`` builds it.
    ``path``: the record's URL path at the gateway with ``{id}`` for its id
    (``/api/v1/personnel/placements/{id}``). ``actions``: audit action -> past tense used in
    the event type; the standard three are always known. ``area``: where the record lies
    (default: its ``province_code``/``commune_code``/``agency_id`` fields); it is given the
    record over the audited snapshot, so area facts the response does not show can come from
    the snapshot.
    """

    entity_type: str
    schema: type[BaseModel]
    path: str
    actions: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None
    area: Callable[[Mapping[str, Any]], EventArea] = area_of_record
    represent: Callable[[Mapping[str, Any]], BaseModel] | None = None
    description: str = ""
    internal_fields: frozenset[str] = frozenset()
    """Fields of the audited snapshot the API does not show (search keys...): never named in ``changed_fields``."""

    @property
    def kind_name(self) -> str:
        return self.name or self.entity_type

    def past_tense(self, action: str) -> str:
        known = {**STANDARD_ACTIONS, **self.actions}
        try:
            return known[action]
        except KeyError:
            raise UndeclaredEvent(f"{self.entity_type!r} declares no event for the audited action {action!r}") from None

    def record_of(self, snapshot: Mapping[str, Any]) -> BaseModel:
        if self.represent is not None:
            return self.represent(snapshot)
        return self.schema.model_validate(snapshot)

    def declared_actions(self) -> dict[str, str]:
        return {**STANDARD_ACTIONS, **self.actions}


class UndeclaredEvent(RuntimeError):
    """A change was audited for a kind or action the service's catalogue does not declare."""


class EventCatalogue:
    """A service's event kinds, by audit entity type.

    ``service``: its name in event types (``personnel``); ``path``: its path at the gateway
    (``/api/v1/personnel``), where its feed and its events' schemas are served.
    """

    def __init__(self, service: str, path: str, kinds: Iterable[EventKind], *, unpublished: Iterable[str] = ()) -> None:
        self.service = service
        self.path = path
        self.kinds: dict[str, EventKind] = {}
        for kind in kinds:
            if kind.entity_type in self.kinds:
                raise ValueError(f"event kind {kind.entity_type!r} declared twice")
            self.kinds[kind.entity_type] = kind
        self.unpublished = frozenset(unpublished) | CONFIGURATION_TYPES
        """Audit entity types that are deliberately not published (say why where they are listed)."""

    def kind_of(self, entity_type: str) -> EventKind | None:
        """The kind of an audited entity type; None for an unpublished one; an error for an undeclared one."""
        if entity_type in self.unpublished:
            return None
        kind = self.kinds.get(entity_type)
        if kind is None:
            raise UndeclaredEvent(f"{self.service}: the audited entity type {entity_type!r} is not in the event catalogue")
        return kind

    def event_type(self, kind: EventKind, action: str) -> str:
        return f"{TYPE_PREFIX}.{self.service}.{kind.kind_name}.{kind.past_tense(action)}"

    def event_types(self) -> list[tuple[str, EventKind]]:
        """Every event type this service can publish, with its kind, sorted by name."""
        return sorted(
            (
                (f"{TYPE_PREFIX}.{self.service}.{kind.kind_name}.{past}", kind)
                for kind in self.kinds.values()
                for past in set(kind.declared_actions().values())
            ),
            key=lambda pair: pair[0],
        )


class EventData(BaseModel):
    """An event's ``data``: the record after the change (personal data masked), and what changed."""

    record: dict[str, Any] = Field(
        description="The record as the API returns it after the change (before it, for a deletion), masked"
    )
    changed_fields: list[str] | None = Field(
        default=None,
        description="For a change of an existing record (an update, or an action such as a transfer): the fields "
        "whose value changed (personal fields named, never shown)",
    )


class CloudEvent(BaseModel):
    """One event, in CloudEvents 1.0 structured JSON mode, with haicap's extension attributes."""

    model_config = ConfigDict(extra="forbid")

    specversion: str = Field(default="1.0", description="CloudEvents version")
    id: str = Field(description="Unique per event: deduplicate on it (delivery is at least once)")
    source: str = Field(description="The publishing service and province: `/haicap/<province or national>/<service>`")
    type: str = Field(description="`vn.gov.haicap.<service>.<kind>.<past tense>`")
    subject: str = Field(description="The record's URL path at the gateway")
    time: datetime = Field(description="When the change was written (UTC)")
    datacontenttype: str = "application/json"
    dataschema: str = Field(
        description="The JSON Schema (draft 2020-12) of this type's events, the whole event with its `data`, served by "
        "the publishing service at `<its path>/events/schemas/<type>`"
    )
    sequence: str = Field(
        description="The service's event sequence (CloudEvents sequence extension), zero-padded to 20 digits so it "
        "orders as text too; the feed's cursor is the same number"
    )
    partitionkey: str = Field(description="The record's id (CloudEvents partitioning extension): order holds per key")
    provincecode: str | None = Field(default=None, description="Province code of the record's area")
    communecode: str | None = Field(default=None, description="Commune code of the record's area")
    actor: str = Field(description="Who made the change (user name, service account or `system:<command>`)")
    actorrole: str | None = Field(default=None, description="Their role")
    requestid: str | None = Field(default=None, description="The request that made the change (X-Request-ID)")
    consumersystem: str | None = Field(
        default=None,
        description="The consuming system of a service account's change, as the data-sharing platform names it "
        "(e.g. `VN:GOV:000.00.00.H12:HAICAP`); absent for a user's",
    )
    data: EventData


def padded_sequence(sequence: int) -> str:
    return f"{sequence:020d}"
