"""The audit records and change events of records an ``INSERT ... SELECT`` wrote, built in SQL (PostgreSQL).

A bulk write that never brings its rows into Python (an import on PostgreSQL) would otherwise
read them back a batch at a time to call :meth:`AuditTrail.record_many`, which then spends
most of the write's time. :func:`record_created` writes the same rows as ``record_many(action=
"create")`` would, with ``INSERT ... SELECT`` statements, a batch of each kind at a time: the
audit records, then (when the trail has an outbox) the change events. What they hold is what
the Python path holds: each snapshot is :func:`haicap_shared.audit.jsonable` of the row's
columns (in the table's order), each event's ``data.record`` the kind's response model dumped
as JSON, in the same envelope (:class:`haicap_shared.events.outbox.Outbox`), in the same order
(a batch of each kind of record in turn, as a loop over batches writes them). Only the
generated ids and times differ.

It covers kinds whose record is their columns as they stand: a kind with ``represent`` or with
personal fields (masked in events) is refused, as is a response field that is not a column.
"""

from __future__ import annotations

import enum
import json
import types
import typing
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, Numeric, Table, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession

from .audit import AuditTrail
from .auth import Principal
from .logs import request_id_var
from .models import UtcDateTime, utcnow
from .text import sql_literal

if TYPE_CHECKING:
    from .events.outbox import Outbox


@dataclass(frozen=True)
class SqlArea:
    """Where a record lies (its events' area), as SQL expressions over its row ``r``."""

    province_code: str = "NULL"
    commune_code: str = "NULL"
    agency_id: str = "NULL"


@dataclass(frozen=True)
class WrittenRows:
    """Records just written, as a query finds them.

    ``source``: a FROM clause naming their table ``r`` (and what orders them); ``order``: the
    SQL expression of their order; ``internal``: columns left out of the audited snapshot.
    """

    entity_type: str
    table: Table
    source: str
    order: str
    area: SqlArea = SqlArea()
    internal: frozenset[str] = frozenset()


def _iso_datetime(value: str, utc_suffix: str) -> str:
    """A UTC timestamp as Python's ``isoformat`` (``+00:00``) or pydantic (``Z``) writes it: microseconds only when some."""
    utc = f"({value} AT TIME ZONE 'UTC')"
    fraction = f"CASE WHEN date_trunc('second', {value}) = {value} THEN '' ELSE to_char({utc}, '.US') END"
    return f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || {fraction} || '{utc_suffix}'"


def _json_value(column: Column[Any], value: str, utc_suffix: str) -> str:
    """One column's value as JSON text, written as Python's ``json.dumps`` writes it; null for null (SQL)."""
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return f"'\"' || {_iso_datetime(value, utc_suffix)} || '\"'"
    if isinstance(kind, Date):
        return f"'\"' || to_char({value}, 'YYYY-MM-DD') || '\"'"
    if isinstance(kind, Uuid | Numeric):
        # NOTE: jsonable writes a Decimal as its text; neither text needs escaping.
        return f"'\"' || {value}::text || '\"'"
    if isinstance(kind, Float):
        # NOTE: Python writes a whole float as ``900.0``, PostgreSQL as ``900``; the rest alike
        # (shortest round trip, an exponent below 1e-4), up to 1e16, where Python's exponent starts.
        whole = f"{value} = trunc({value}) AND abs({value}) < 1e16"
        return f"CASE WHEN {whole} THEN trunc({value})::numeric::text || '.0' ELSE {value}::text END"
    if isinstance(kind, (Integer, Boolean, JSON)):
        return f"{value}::text"
    return f"to_json({value}::text)::text"


def _object(pairs: Sequence[tuple[str, str]]) -> str:
    """A JSON object's text (SQL of type text) from its keys and their values' JSON text (SQL; null writes ``null``)."""
    # NOTE: concatenated, with the separators ``json.dumps`` writes: a fifth faster than
    # ``json_build_object``, which looks up how to write each argument, keys included, for
    # every row again (PostgreSQL 15).
    members = [f"{sql_literal(json.dumps(key) + ': ')} || COALESCE({value}, 'null')" for key, value in pairs]
    return "'{' || " + " || ', ' || ".join(members) + " || '}'"


def snapshot_sql(table: Table, alias: str, internal: frozenset[str] = frozenset()) -> str:
    """A row's audited snapshot (``jsonable`` of each column, in the table's order), as SQL of type json over ``alias``."""
    pairs = [(c.name, _json_value(c, f"{alias}.{c.name}", "+00:00")) for c in table.columns if c.name not in internal]
    return f"({_object(pairs)})::json"


_PLAIN = (str, int, float, bool, uuid.UUID, date, datetime)


def _plain(annotation: Any) -> bool:
    """Whether a field's JSON is its column's value as it stands (no nested model, list or custom serialiser)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return all(_plain(arg) for arg in typing.get_args(annotation))
    return annotation is type(None) or (isinstance(annotation, type) and issubclass(annotation, (*_PLAIN, enum.Enum)))


def record_sql(schema: type[BaseModel], table: Table, alias: str) -> str:
    """The response model's JSON of a row (``model_validate(row).model_dump(mode="json", by_alias=True)``), as SQL text."""
    pairs = []
    for name, field in schema.model_fields.items():
        if name not in table.c or not _plain(field.annotation):
            raise ValueError(f"{schema.__name__}.{name} is not a column of {table.name} as it stands")
        key = field.serialization_alias or field.alias or name
        pairs.append((key, _json_value(table.c[name], f"{alias}.{name}", "Z")))
    return _object(pairs)


def _batch(rows: WrittenRows, columns: str) -> str:
    """One batch of records (their order key from ``:low`` to ``:high``), with their order ``n`` and ``columns``."""
    return (
        f"SELECT {rows.order} AS n, r.id::text AS entity_id, {columns} FROM {rows.source} "
        f"WHERE {rows.order} BETWEEN :low AND :high"
    )


async def record_created(
    session: AsyncSession,
    trail: AuditTrail,
    principal: Principal,
    written: Sequence[WrittenRows],
    batches: Sequence[tuple[int, int]],
) -> None:
    """A ``create`` audit record and change event for each record written, as ``record_many`` would write them.

    ``batches``: the (first, last) order keys of each batch; each batch's records of each kind in
    turn, as a loop calling ``record_many`` per batch and kind writes them. A batch is a statement
    per kind and table, so no statement sorts more than a batch.
    """
    common = {
        "actor": principal.username,
        "actor_role": principal.role.value,
        "request_id": request_id_var.get(),
        "consumer_system": principal.system_code,
        "occurred_at": utcnow(),
    }
    statements = [
        text(f"""
INSERT INTO {trail.table.name} (occurred_at, actor, actor_role, request_id, consumer_system, entity_type, entity_id,
    action, before, after)
SELECT CAST(:occurred_at AS timestamptz), CAST(:actor AS text), CAST(:actor_role AS text), CAST(:request_id AS text),
    CAST(:consumer_system AS text), CAST(:entity_type AS text), c.entity_id, 'create', 'null'::json, c.after
FROM ({_batch(rows, f"{snapshot_sql(rows.table, 'r', rows.internal)} AS after")}) c ORDER BY c.n
""").bindparams(entity_type=rows.entity_type)
        for rows in written
    ]
    for low, high in batches:
        for statement in statements:
            await session.execute(statement, common | {"low": low, "high": high})
    if trail.outbox is not None:
        await _publish(session, trail.outbox, principal, written, batches, common)


async def _publish(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    written: Sequence[WrittenRows],
    batches: Sequence[tuple[int, int]],
    common: dict[str, Any],
) -> None:
    """The change events of the records, in the envelope ``Outbox.write`` builds, inserted under its numbering lock."""
    occurred_at = utcnow()
    # NOTE: each value as JSON text (``to_json`` escapes a text as ``json.dumps`` does); the
    # record is JSON text already.
    envelope = [
        ("specversion", "'\"1.0\"'"),
        ("id", "to_json(c.event_id)::text"),
        ("source", f"to_json('/haicap/' || COALESCE(c.province_code, 'national') || '/{outbox.catalogue.service}')::text"),
        ("type", "to_json(CAST(:event_type AS text))::text"),
        ("subject", "to_json(CAST(:subject_before AS text) || c.entity_id || CAST(:subject_after AS text))::text"),
        ("time", "to_json(CAST(:time AS text))::text"),
        ("datacontenttype", "'\"application/json\"'"),
        ("dataschema", "to_json(CAST(:dataschema AS text))::text"),
        ("partitionkey", "to_json(c.entity_id)::text"),
        ("provincecode", "to_json(c.province_code)::text"),
        ("communecode", "to_json(c.commune_code)::text"),
        ("actor", "to_json(CAST(:actor AS text))::text"),
        ("actorrole", "to_json(CAST(:actor_role AS text))::text"),
        ("requestid", "to_json(CAST(:request_id AS text))::text"),
        ("data", _object([("record", "c.record"), ("changed_fields", "NULL")])),
    ]
    if principal.system_code is not None:
        envelope.append(("consumersystem", "to_json(CAST(:consumer_system AS text))::text"))
    statements = []
    for rows in written:
        kind = outbox.catalogue.kind_of(rows.entity_type)
        if kind is None:
            continue
        if kind.represent is not None or outbox.personal.get(kind.entity_type):
            raise ValueError(f"{kind.entity_type}: a record represented or masked is built in Python (Outbox.write)")
        area = rows.area
        columns = (
            f"{record_sql(kind.schema, rows.table, 'r')} AS record, {area.province_code} AS province_code, "
            f"{area.commune_code} AS commune_code, {area.agency_id} AS agency_id, gen_random_uuid() AS event_id"
        )
        event_type = outbox.catalogue.event_type(kind, "create")
        before, _, after = kind.path.partition("{id}")
        # NOTE: OFFSET 0 keeps the event's id one value, in its row and in its payload. The batch
        # is ordered inside it, where the order key's index gives the order: ordered outside, the
        # batch's documents were sorted again, on disk past 4 MB (a quarter of a batch's time).
        statement = text(f"""
INSERT INTO {outbox.table.name} (id, aggregatetype, aggregateid, type, payload, occurred_at, province_code, commune_code,
    agency_id)
SELECT c.event_id, CAST(:entity_type AS text), c.entity_id, CAST(:event_type AS text), ({_object(envelope)})::json,
    CAST(:occurred_at AS timestamptz), c.province_code, c.commune_code, c.agency_id
FROM ({_batch(rows, columns)} ORDER BY n OFFSET 0) c ORDER BY c.n
""").bindparams(
            entity_type=kind.entity_type,
            event_type=event_type,
            dataschema=f"{outbox.schema_base}/{event_type}",
            subject_before=before,
            subject_after=after,
        )
        statements.append(statement)
    shared = common | {"occurred_at": occurred_at, "time": occurred_at.isoformat()}
    await outbox.insert_built(
        session, [(statement, shared | {"low": low, "high": high}) for low, high in batches for statement in statements]
    )
