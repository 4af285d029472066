"""Keyset pagination: ``limit`` and an opaque ``cursor``; the body carries ``next``.

A cursor is the sort key of the last row returned, so the next page is one indexed range
scan however deep the caller pages (an OFFSET would rescan every skipped row).
"""

from __future__ import annotations

import base64
import enum
import json
import math
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, ColumnElement, Integer, RowMapping, Select, SmallInteger, TypeDecorator, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import BadRequest

T = TypeVar("T", bound=BaseModel)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (1 to 500)")]
Cursor = Annotated[str | None, Query(description="Opaque cursor: the `next` value of the previous page")]


class InvalidCursor(BadRequest):
    code, title = "invalid_cursor", "The cursor is not one this list returned"


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next: str | None = Field(None, description="Cursor of the next page; null on the last page")


def _encode_value(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, date, datetime)):
        return str(value)
    return value


def encode_cursor(values: Sequence[Any], *, list_name: str | None = None) -> str:
    """The opaque cursor after a row whose sort key is ``values``.

    ``list_name`` names the list where one response pages several lists on keys of the same
    types (a unit's code and id, an agency's name and id): the cursor then carries it, so
    one list's cursor given for another is refused instead of paging it from a foreign key.
    """
    tagged = ([list_name] if list_name is not None else []) + [_encode_value(v) for v in values]
    raw = json.dumps(tagged, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_CURSOR_LENGTH = 4096
"""A longer cursor was not made by a list of ours (its keys are a code, a name, a date or an id)."""

# NOTE: most specific first: BigInteger and SmallInteger are Integers too.
_INT_BITS = {BigInteger: 64, SmallInteger: 16, Integer: 32}


def decode_cursor(cursor: str, columns: Sequence[ColumnElement[Any]], *, list_name: str | None = None) -> list[Any]:
    """The key values a cursor carries, checked against the key columns' types.

    Anything else than a cursor this list returned (garbage, another list's cursor, values of
    the wrong type, count or range) is a 422 ``invalid_cursor``, never a database error.
    ``list_name`` is the name the list's cursors were encoded with (:func:`encode_cursor`).
    """
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("cursor too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list):
            raise ValueError("cursor shape")
        if list_name is not None:
            if not values or values[0] != list_name:
                raise ValueError("another list's cursor")
            values = values[1:]
        if len(values) != len(columns):
            raise ValueError("cursor shape")
        return [_typed(value, column) for value, column in zip(values, columns, strict=True)]
    # NOTE: RecursionError from deeply nested JSON, OverflowError from dates past year 9999.
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise InvalidCursor("Use the `next` value of the previous page, or no cursor for the first page") from exc


def _typed(value: Any, column: ColumnElement[Any]) -> Any:
    """``value`` as the column's Python type, or ValueError/TypeError when it cannot be one."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if value is None or isinstance(value, (list, dict)):
        raise TypeError("cursor values are scalars")
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = None
    if python_type is uuid.UUID:
        return uuid.UUID(_text(value, 64))
    if python_type is datetime:
        moment = datetime.fromisoformat(_text(value, 64))
        if getattr(column_type, "timezone", False):
            if moment.tzinfo is None:
                raise ValueError("cursor timestamp without a zone")
            moment = moment.astimezone(UTC)
        return moment
    if python_type is date:
        return date.fromisoformat(_text(value, 32))
    if python_type is bool:
        if not isinstance(value, bool):
            raise TypeError("cursor value type")
        return value
    if python_type is int:
        if type(value) is not int:
            raise TypeError("cursor value type")
        bits = next((b for t, b in _INT_BITS.items() if isinstance(column_type, t)), 64)
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            raise ValueError("cursor integer out of the column's range")
        return value
    if python_type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TypeError("cursor value type")
        return float(value)
    if python_type is Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError("cursor value type")
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError("cursor number not finite")
        return number
    if python_type is str:
        return _text(value, MAX_CURSOR_LENGTH)
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return python_type(value)
    # NOTE: a key column of a type not named above takes a JSON scalar as it came.
    if python_type is not None and python_type is not object and not isinstance(value, python_type):
        raise TypeError("cursor value type")
    if isinstance(value, str):
        _text(value, MAX_CURSOR_LENGTH)
    return value


def _text(value: Any, max_length: int) -> str:
    """A string a database accepts as a parameter: no NUL, valid UTF-8 (no lone surrogate)."""
    if not isinstance(value, str):
        raise TypeError("cursor value type")
    if len(value) > max_length or "\x00" in value:
        raise ValueError("cursor text")
    value.encode("utf-8")  # NOTE: raises UnicodeEncodeError (a ValueError) on a lone surrogate
    return value


def after_cursor(
    stmt: Select[Any], order_by: Sequence[ColumnElement[Any]], cursor: str | None, *, list_name: str | None = None
) -> Select[Any]:
    """Restrict ``stmt`` to rows after ``cursor`` in ``order_by`` (all ascending, none null)."""
    if cursor:
        values = decode_cursor(cursor, order_by, list_name=list_name)
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
    return page_of(item, rows, next_cursor)


def page_of(item: type[T], rows: Sequence[RowMapping], next_cursor: str | None) -> Page[T]:
    """The response for one page of ``rows`` (as :func:`fetch_page` returns them), each read as ``item``."""
    return Page[item](items=[item.model_validate(dict(r)) for r in rows], next=next_cursor)  # type: ignore[valid-type]


def _key_of(column: ColumnElement[Any]) -> str:
    key = getattr(column, "key", None)
    if not isinstance(key, str):
        raise TypeError(f"order_by column {column!r} needs a name")
    return key
