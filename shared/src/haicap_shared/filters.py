"""A list's equality filters: ``column == value`` for each value the caller gave.

A filter left out (``None``) narrows nothing; a given one, falsy or not (``0``, ``False``,
``""``), is compared. Every repository builds its lists' conditions with these two rather
than a loop of its own.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.sql import ColumnElement

_Statement = TypeVar("_Statement", bound=Select[*tuple[Any, ...]])

Given = tuple[ColumnElement[Any], object]
"""A column and the value it must equal, or ``None`` when the filter was not given."""


def given_equalities(*filters: Given) -> list[ColumnElement[bool]]:
    """``column == value`` for each filter whose value is not ``None``, in the order given."""
    return [column == value for column, value in filters if value is not None]


def where_given(stmt: _Statement, *filters: Given) -> _Statement:
    """``stmt`` narrowed to ``column == value`` for each filter whose value is not ``None``."""
    conditions = given_equalities(*filters)
    return stmt.where(*conditions) if conditions else stmt
