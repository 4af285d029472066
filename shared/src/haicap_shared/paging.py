"""Keyset pagination: ``limit`` and an opaque ``cursor``; the body carries ``next``.

A cursor is the sort key of the last row returned, so the next page is one indexed range
scan however deep the caller pages (an OFFSET would rescan every skipped row).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, RowMapping, Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import BadRequest

T = TypeVar("T", bound=BaseModel)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (1 to 500)")]
Cursor = Annotated[str | None, Query(description="Opaque cursor: the `next` value of the previous page")]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next: str | None = Field(None, description="Cursor of the next page; null on the last page")


def _encode_value(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, date, datetime)):
        return str(value)
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, columns: Sequence[ColumnElement[Any]]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("cursor shape")
        return [_typed(value, column) for value, column in zip(values, columns, strict=True)]
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise BadRequest("The cursor is not one this list returned", code="invalid_cursor") from exc


def _typed(value: Any, column: ColumnElement[Any]) -> Any:
    python_type = column.type.python_type
    if python_type is uuid.UUID:
        return uuid.UUID(value)
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if not isinstance(value, python_type):
        raise TypeError("cursor value type")
    return value


def after_cursor(stmt: Select[Any], order_by: Sequence[ColumnElement[Any]], cursor: str | None) -> Select[Any]:
    """Restrict ``stmt`` to rows after ``cursor`` in ``order_by`` (all ascending, none null)."""
    if cursor:
        values = decode_cursor(cursor, order_by)
        bound = [literal(v, type_=c.type) for v, c in zip(values, order_by, strict=True)]
        stmt = stmt.where(tuple_(*order_by) > tuple_(*bound))
    return stmt.order_by(*order_by)


async def fetch_page(
    session: AsyncSession, stmt: Select[Any], *, order_by: Sequence[ColumnElement[Any]], limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """The rows of one page (as mappings) and the cursor of the next, if any."""
    rows = (await session.execute(after_cursor(stmt, order_by, cursor).limit(limit + 1))).mappings().all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor([last[_key_of(c)] for c in order_by])


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    order_by: Sequence[ColumnElement[Any]],
    limit: int,
    cursor: str | None,
    item: type[T],
) -> Page[T]:
    """Run ``stmt`` for one page and build the response, with the cursor of the next."""
    rows, next_cursor = await fetch_page(session, stmt, order_by=order_by, limit=limit, cursor=cursor)
    return Page[item](items=[item.model_validate(dict(r)) for r in rows], next=next_cursor)  # type: ignore[valid-type]


def _key_of(column: ColumnElement[Any]) -> str:
    key = getattr(column, "key", None)
    if not isinstance(key, str):
        raise TypeError(f"order_by column {column!r} needs a name")
    return key
