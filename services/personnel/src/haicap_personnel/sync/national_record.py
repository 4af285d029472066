"""The dossier change record sent to the national database: ONE mapping, with its JSON Schema.

The national packet (Decision 356/QĐ-BNV, 2023, and its successor under Decree 27/2026/NĐ-CP)
is not public, so the record is haicap's own format, ``haicap.dossier-change-record.v1``,
described by ``schemas/dossier-change-record.v1.json``: the 12-digit personal identification
number in full (the dossier's key), the record's kind and id, the operation, the changed groups
and fields with their values as they stand when sent, the decision it rests on, and metadata
(haicap's change id, which is the receiver's idempotency key, the event, the area, the times).
Swapping in the official format touches this module and its schema only.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

FORMAT = "haicap.dossier-change-record.v1"
SCHEMA_FILE = "dossier-change-record.v1.json"
MAX_FIELDS = 200


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The record's JSON Schema (draft 2020-12)."""
    text = resources.files("haicap_personnel.sync").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def kind_and_operation(event_type: str) -> tuple[str, str]:
    """``vn.gov.haicap.personnel.career_event.created`` -> ``("career_event", "created")``."""
    parts = event_type.split(".")
    return parts[-2], parts[-1]


def _value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at", "search_key", "field_key", "agency_valid_to"})


def record_fields(values: Mapping[str, Any] | None, changed_fields: Sequence[str] | None) -> dict[str, Any]:
    """The fields the record carries: the changed ones (all for a new record; none when it is gone), as JSON scalars."""
    if values is None:
        return {}
    names = [n for n in (changed_fields if changed_fields is not None else values) if n not in BOOKKEEPING and n in values]
    return {name: _value(values[name]) for name in sorted(names)[:MAX_FIELDS]}


def build_record(change: Mapping[str, Any], pin: str, values: Mapping[str, Any] | None, sent_at: datetime) -> dict[str, Any]:
    """The national record of one verified change (``change``: its row, as a mapping).

    ``pin``: the person's 12-digit personal identification number. ``values``: the record's
    row as it stands now (None when it was deleted since).
    """
    kind, operation = kind_and_operation(change["event_type"])
    decision = (
        {"number": change["decision_number"], "date": change["decision_date"].isoformat()}
        if change["decision_number"] and change["decision_date"]
        else None
    )
    return {
        "format": FORMAT,
        "change_id": str(change["id"]),
        "personal_identification_number": pin,
        "operation": operation,
        "record_kind": kind,
        "record_id": str(change["record_id"]),
        "groups": list(change["groups"]),
        "changed_fields": list(change["changed_fields"]) if change["changed_fields"] is not None else None,
        "fields": record_fields(values, change["changed_fields"]),
        "decision": decision,
        "metadata": {
            "source_system": "haicap",
            "event_id": change["event_id"],
            "event_sequence": change["event_sequence"],
            "province_code": change["province_code"],
            "commune_code": change["commune_code"],
            "agency_id": None if change["agency_id"] is None else str(change["agency_id"]),
            "arose_on": change["arose_on"].isoformat(),
            "due_date": change["due_date"].isoformat(),
            "verified_at": None if change["verified_at"] is None else change["verified_at"].isoformat(),
            "sent_at": sent_at.isoformat(),
        },
    }


def change_id_of(record: Mapping[str, Any]) -> str:
    """The haicap change id a record (or a national export's line) carries."""
    return str(record["change_id"])
