"""Every query on the code lists' entries and the mapping issues."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, RowMapping, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.models import UtcDateTime
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern
from haicap_shared.validity import Interval, in_force_on, still_open

from .models import CodeListEntry, code_list_entry_table, code_mapping_issue_table

ISSUE_LIST_ORDER = (code_mapping_issue_table.c.id,)


async def entries_on(session: AsyncSession, list_name: str, day: date, q: str | None = None) -> Sequence[RowMapping]:
    """The entries of ``list_name`` valid on ``day`` (whose name or code matches ``q``), in the list's order."""
    c = code_list_entry_table.c
    stmt = select(code_list_entry_table).where(c.list_name == list_name, in_force_on(code_list_entry_table, day))
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(c.search_key.like(pattern, escape="\\") | func.lower(c.code).like(pattern, escape="\\"))
    return (await session.execute(stmt.order_by(c.position, c.code))).mappings().all()


async def counts_on(session: AsyncSession, day: date) -> dict[str, int]:
    """How many entries each list has valid on ``day``."""
    c = code_list_entry_table.c
    stmt = select(c.list_name, func.count()).where(in_force_on(code_list_entry_table, day)).group_by(c.list_name)
    return dict((await session.execute(stmt)).all())


async def names_on(session: AsyncSession, list_name: str, codes: set[str], day: date) -> dict[str, str]:
    """The name of each of ``codes`` valid on ``day`` in ``list_name``."""
    c = code_list_entry_table.c
    found: dict[str, str] = {}
    for batch in in_batches(sorted(codes)):
        stmt = select(c.code, c.name).where(c.list_name == list_name, c.code.in_(batch), in_force_on(code_list_entry_table, day))
        found.update(dict((await session.execute(stmt)).all()))
    return found


async def intervals(session: AsyncSession, list_name: str, codes: set[str]) -> list[tuple[str, Interval]]:
    """Every version's validity of each of ``codes`` in ``list_name`` (whatever the day)."""
    c = code_list_entry_table.c
    found: list[tuple[str, Interval]] = []
    for batch in in_batches(sorted(codes)):
        stmt = select(c.code, c.valid_from, c.valid_to).where(c.list_name == list_name, c.code.in_(batch))
        found += [(code, Interval(start, end)) for code, start, end in (await session.execute(stmt)).all()]
    return found


async def open_entries(session: AsyncSession, list_name: str) -> dict[str, CodeListEntry]:
    """The entries of ``list_name`` with no end, by code (one per code)."""
    stmt = select(CodeListEntry).where(CodeListEntry.list_name == list_name, still_open(CodeListEntry))
    return {entry.code: entry for entry in await session.scalars(stmt)}


async def closed_versions(session: AsyncSession, list_name: str) -> set[tuple[str, date | None, date | None]]:
    """The (code, valid_from, valid_to) of every ended version of ``list_name``."""
    c = code_list_entry_table.c
    stmt = select(c.code, c.valid_from, c.valid_to).where(c.list_name == list_name, sa.not_(still_open(code_list_entry_table)))
    return {(code, start, end) for code, start, end in (await session.execute(stmt)).all()}


async def add_entries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(code_list_entry_table), rows)


async def close_entry(session: AsyncSession, entry_id: int, valid_to: date) -> None:
    await session.execute(update(code_list_entry_table).where(code_list_entry_table.c.id == entry_id).values(valid_to=valid_to))


async def page_issues(
    session: AsyncSession, area: ColumnElement[bool], record_type: str | None, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the mapping issues in ``area`` (of one record type if given), oldest first."""
    stmt = select(code_mapping_issue_table).where(area)
    if record_type:
        stmt = stmt.where(code_mapping_issue_table.c.record_type == record_type)
    return await fetch_page(session, stmt, order_by=ISSUE_LIST_ORDER, limit=limit, cursor=cursor)


# NOTE: what the migrations run, on their synchronous connection, with lightweight tables of
# their own (a migration must not depend on the models of the day).
MIGRATION_ENTRY = sa.table(
    "code_list_entry",
    sa.column("list_name", sa.String),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("search_key", sa.String),
    sa.column("position", sa.Integer),
    sa.column("aliases", sa.JSON),
    sa.column("attributes", sa.JSON),
    sa.column("source", sa.String),
    sa.column("valid_from", sa.Date),
    sa.column("valid_to", sa.Date),
)
MIGRATION_ISSUE = sa.table(
    "code_mapping_issue",
    sa.column("record_type", sa.String),
    sa.column("record_id", sa.String),
    sa.column("field", sa.String),
    sa.column("original_value", sa.Text),
    sa.column("list_name", sa.String),
    sa.column("province_code", sa.String),
    sa.column("created_at", UtcDateTime()),
)


def insert_entries_now(bind: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        bind.execute(MIGRATION_ENTRY.insert(), rows)


def text_values(
    bind: Connection, table: str, id_column: str, source_column: str, province_column: str | None
) -> list[tuple[Any, str, str | None]]:
    """Each row's id, text in ``source_column`` (non-null) and province (None without ``province_column``)."""
    extra: list[sa.ColumnClause[Any]] = [sa.column(province_column)] if province_column else []
    source = sa.table(table, sa.column(id_column), sa.column(source_column), *extra)
    province = source.c[province_column] if province_column else sa.null()
    stmt = sa.select(source.c[id_column], source.c[source_column], province).where(source.c[source_column].is_not(None))
    return [(record_id, str(text), area) for record_id, text, area in bind.execute(stmt).all()]


def set_codes_now(bind: Connection, table: str, id_column: str, target_column: str, codes: list[tuple[Any, str]]) -> None:
    """Write each (id, code) of ``codes`` to ``target_column`` (ids as read back by :func:`text_values`)."""
    target = sa.table(table, sa.column(id_column), sa.column(target_column))
    for record_id, code in codes:
        bind.execute(target.update().where(target.c[id_column] == record_id).values({target_column: code}))


def insert_issues_now(bind: Connection, issues: list[dict[str, Any]]) -> None:
    if issues:
        bind.execute(MIGRATION_ISSUE.insert(), issues)


def restore_text_now(
    bind: Connection, table: str, id_column: str, source_column: str, target_column: str, record_type: str, field: str
) -> None:
    """The text column gets the code back, or the original text of the record's mapping issue (ids are UUIDs)."""
    source = sa.table(table, sa.column(id_column, sa.Uuid), sa.column(source_column), sa.column(target_column))
    bind.execute(source.update().values({source_column: source.c[target_column]}))
    issue = MIGRATION_ISSUE.c
    stmt = sa.select(issue.record_id, issue.original_value).where(issue.record_type == record_type, issue.field == field)
    for record_id, original in bind.execute(stmt).all():
        bind.execute(
            source.update()
            .where(source.c[id_column] == uuid.UUID(record_id), source.c[target_column].is_(None))
            .values({source_column: original})
        )
