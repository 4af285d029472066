"""The JSON Schemas of a service's events: one per type, served at ``/events/schemas/{type}``.

An event's ``dataschema`` points there (through the gateway). The schema is the whole
structured CloudEvent of that type (JSON Schema draft 2020-12): ``type`` is that type and
``data.record`` the kind's response model as the API returns it, except that its personal
fields are masked strings (``*********345``), as in every response that does not reveal them.

The same models describe each type in the app's OpenAPI document, under ``webhooks`` (OpenAPI
3.1): what a webhook subscriber receives, and what the feed and NATS carry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model
from pydantic.json_schema import models_json_schema

from .catalogue import CloudEvent, EventCatalogue, EventData, EventKind

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CLOUDEVENTS_MEDIA_TYPE = "application/cloudevents+json"
OPENAPI_REF = "#/components/schemas/{model}"


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_"))


def _record_model(kind: EventKind, personal: Collection[str]) -> type[BaseModel]:
    """The kind's response model with its personal fields as the masked strings events carry."""
    fields = {name: field for name, field in kind.schema.model_fields.items() if name in personal}
    if not fields:
        return kind.schema
    masked: dict[str, Any] = {
        name: (
            str | None,
            Field(
                default=None if not field.is_required() else ...,
                description=f"{field.description + ' ' if field.description else ''}(personal: masked, e.g. `*********345`)",
            ),
        )
        for name, field in fields.items()
    }
    model: type[BaseModel] = create_model(
        f"{kind.schema.__name__}EventRecord", __base__=kind.schema, __doc__=kind.schema.__doc__, **masked
    )
    return model


class EventSchemas:
    """The event models of a catalogue (one per kind), and the JSON Schema of each event type."""

    def __init__(self, catalogue: EventCatalogue, personal: Mapping[str, Collection[str]], *, schema_base: str) -> None:
        self.catalogue = catalogue
        self.schema_base = schema_base.rstrip("/")
        self.kinds: dict[str, EventKind] = {}
        self.models: dict[str, type[BaseModel]] = {}
        types_by_kind: dict[str, list[str]] = {}
        for event_type, kind in catalogue.event_types():
            self.kinds[event_type] = kind
            types_by_kind.setdefault(kind.entity_type, []).append(event_type)
        for entity_type, types in types_by_kind.items():
            kind = catalogue.kinds[entity_type]
            model = self._event_model(kind, types, personal.get(entity_type, ()))
            for event_type in types:
                self.models[event_type] = model
        self._documents: dict[str, dict[str, Any]] = {}

    def _event_model(self, kind: EventKind, types: list[str], personal: Collection[str]) -> type[BaseModel]:
        name = _camel(kind.kind_name)
        literal: Any = Literal.__getitem__(tuple(types))
        data: type[BaseModel] = create_model(
            f"{name}ChangeEventData",
            __base__=EventData,
            __doc__=f"The `data` of a {kind.kind_name} event: the record after the change (before it, for a deletion).",
            record=(_record_model(kind, personal), Field(description=EventData.model_fields["record"].description)),
        )
        model: type[BaseModel] = create_model(
            f"{name}ChangeEvent",
            __base__=CloudEvent,
            __doc__=f"A change of a {kind.kind_name} ({kind.description or kind.entity_type}), as a CloudEvent.",
            type=(literal, Field(description=CloudEvent.model_fields["type"].description)),
            data=(data, Field()),
        )
        return model

    def dataschema(self, event_type: str) -> str:
        """The URL of the type's schema (what the outbox writes as ``dataschema``)."""
        return f"{self.schema_base}/{event_type}"

    def json_schema(self, event_type: str) -> dict[str, Any] | None:
        """The standalone JSON Schema (draft 2020-12) of an event of this type; None for a type not published here."""
        model = self.models.get(event_type)
        if model is None:
            return None
        if event_type not in self._documents:
            schema = model.model_json_schema(mode="serialization")
            properties = schema["properties"]
            properties["type"] = {"const": event_type, "description": properties["type"].get("description", "")}
            self._documents[event_type] = {
                "$schema": JSON_SCHEMA_DIALECT,
                "$id": self.dataschema(event_type),
                **schema,
                "title": event_type,
            }
        return self._documents[event_type]

    def add_to_openapi(self, document: dict[str, Any]) -> None:
        """Describe every event type under the document's ``webhooks``, its models in ``components.schemas``."""
        models = list(dict.fromkeys(self.models.values()))
        if not models:
            return
        refs, top = models_json_schema([(model, "serialization") for model in models], ref_template=OPENAPI_REF)
        schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in top.get("$defs", {}).items():
            # NOTE: a record model the API's responses already put there is the same model.
            schemas.setdefault(name, schema)
        webhooks: dict[str, Any] = document.setdefault("webhooks", {})
        for event_type, model in self.models.items():
            kind = self.kinds[event_type]
            webhooks[event_type] = {
                "post": {
                    "tags": ["events"],
                    "summary": event_type,
                    "description": f"A {kind.kind_name} was {event_type.rsplit('.', 1)[1]} "
                    f"({kind.description or kind.entity_type}). Delivered to webhook subscriptions, published to NATS "
                    f"and read from `GET /events`; its JSON Schema is at `{self.dataschema(event_type)}`.",
                    "operationId": f"events.{event_type}",
                    "requestBody": {
                        "required": True,
                        "content": {CLOUDEVENTS_MEDIA_TYPE: {"schema": refs[(model, "serialization")]}},
                    },
                    "responses": {
                        "2XX": {"description": "Received: any 2xx counts as delivered"},
                        "default": {"description": "Not received: the delivery is retried with back-off, then dead-lettered"},
                    },
                }
            }
