"""Every query on assets and their history, and the staging table of an import."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    RowMapping,
    Select,
    String,
    Table,
    Uuid,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.bulk_audit import SqlArea, WrittenRows
from haicap_shared.filters import where_given
from haicap_shared.models import UtcDateTime, utcnow
from haicap_shared.paging import fetch_page
from haicap_shared.text import WHITESPACE, like_pattern, search_key_sql, sql_literal
from haicap_shared.validity import still_open

from ..allocations.models import ASSET_KIND_COPY, Allocation, allocation_record, allocation_table
from .models import (
    EVENT_PROVINCE_COPY,
    HOLDER_COLUMNS,
    INTERNAL_COLUMNS,
    Asset,
    AssetKind,
    AssetStatus,
    EventKind,
    HolderKind,
    asset_table,
    event_record,
    event_table,
)


@dataclass(frozen=True)
class AssetFilter:
    """The list's own filters (the caller's area is a separate condition)."""

    province: str | None = None
    commune: str | None = None
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    holder_kind: HolderKind | None = None
    holder_id: uuid.UUID | None = None
    holder_unit_id: uuid.UUID | None = None
    holder_commune: str | None = None
    plate: str | None = None
    q: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = asset_table.c
        stmt = where_given(
            stmt,
            (c.province_code, self.province),
            (c.commune_code, self.commune),
            (c.kind, self.kind),
            (c.status, self.status),
            (c.holder_kind, self.holder_kind),
            (c.holder_id, self.holder_id),
            (c.holder_unit_id, self.holder_unit_id),
            (c.holder_commune_code, self.holder_commune),
            (c.plate, self.plate),
        )
        if self.q:
            stmt = stmt.where(c.search_key.like(like_pattern(self.q), escape="\\"))
        return stmt


ASSET_LIST_ORDER = (asset_table.c.code, asset_table.c.id)


async def page_of_assets(
    session: AsyncSession, filters: AssetFilter, in_area: ColumnElement[bool], *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the assets that match ``filters`` within ``in_area``, by code, and the next page's cursor."""
    stmt = filters.apply(select(asset_table).where(in_area))
    return await fetch_page(session, stmt, order_by=ASSET_LIST_ORDER, limit=limit, cursor=cursor)


async def get_asset(session: AsyncSession, asset_id: uuid.UUID) -> Asset | None:
    return await session.get(Asset, asset_id)


async def code_taken(session: AsyncSession, province_code: str, code: str) -> bool:
    stmt = select(asset_table.c.id).where(asset_table.c.province_code == province_code, asset_table.c.code == code)
    return (await session.execute(stmt.limit(1))).first() is not None


async def open_allocation(session: AsyncSession, asset_id: uuid.UUID) -> Allocation | None:
    stmt = select(Allocation).where(Allocation.asset_id == asset_id, still_open(Allocation))
    return (await session.scalars(stmt)).first()


async def record_event(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    kind: EventKind,
    on: date,
    *,
    status: AssetStatus | None = None,
    allocation_id: uuid.UUID | None = None,
    disposition_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(event_table).values(
            asset_id=asset_id,
            event_date=on,
            occurred_at=utcnow(),
            kind=kind,
            status=status,
            allocation_id=allocation_id,
            disposition_id=disposition_id,
            actor=principal.username,
            detail=detail,
        )
    )


async def record_events(
    session: AsyncSession, principal: Principal, kind: EventKind, on: date, steps: Sequence[dict[str, Any]]
) -> None:
    """The same step of many assets' histories, in one statement; each of ``steps`` names its ``asset_id``
    and may give ``status``, ``allocation_id``, ``disposition_id`` and ``detail``."""
    if not steps:
        return
    common = {"event_date": on, "occurred_at": utcnow(), "kind": kind, "actor": principal.username}
    fields = ("status", "allocation_id", "disposition_id", "detail")
    await session.execute(
        insert(event_table), [common | {"asset_id": s["asset_id"]} | {f: s.get(f) for f in fields} for s in steps]
    )


async def history(session: AsyncSession, asset_id: uuid.UUID) -> tuple[Sequence[Any], Sequence[Any]]:
    events = (
        await session.execute(select(*event_record).where(event_table.c.asset_id == asset_id).order_by(event_table.c.id))
    ).all()
    allocations = (
        await session.execute(
            select(*allocation_record)
            .where(allocation_table.c.asset_id == asset_id)
            .order_by(allocation_table.c.valid_from, allocation_table.c.created_at)
        )
    ).all()
    return events, allocations


# The staging table of an import: one per import, under its own name.

STAGED_ASSET_COLUMNS = (
    "id",
    "kind",
    "code",
    "name",
    "search_key",
    "province_code",
    "commune_code",
    "address",
    "land_area_m2",
    "floor_area_m2",
    "year_built",
    "condition",
    "land_use_certificate",
    "plate",
    "seats",
    "model_year",
    "original_value",
    "residual_value",
    "status",
)


def _staging_table(name: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("row_number", Integer, nullable=False),
        Column("id", Uuid, nullable=False),
        Column("allocation_id", Uuid, nullable=False),
        Column("kind", String(20), nullable=False),
        Column("code", String(50), nullable=False),
        Column("name", String(300), nullable=False),
        Column("search_key", String(300), nullable=False),
        Column("province_code", String(2), nullable=False),
        Column("commune_code", String(5)),
        Column("address", String(500)),
        Column("land_area_m2", Float),
        Column("floor_area_m2", Float),
        Column("year_built", Integer),
        Column("condition", String(20)),
        Column("land_use_certificate", String(100)),
        Column("plate", String(20)),
        Column("seats", Integer),
        Column("model_year", Integer),
        Column("original_value", BigInteger),
        Column("residual_value", BigInteger),
        Column("status", String(20), nullable=False),
        Column("holder_kind", String(10), nullable=False),
        Column("holder_id", Uuid, nullable=False),
        Column("holder_name", String(300), nullable=False),
        Column("holder_province_code", String(2), nullable=False),
        Column("holder_commune_code", String(5)),
        Column("holder_level", String(10), nullable=False),
        Column("holder_unit_id", Uuid, nullable=False),
        Column("holder_valid_to", Date),
        Column("purpose", String(30), nullable=False),
        Column("valid_from", Date, nullable=False),
        Column("decision_number", String(100)),
        # NOTE: what was written is read back in row order, a batch at a time (audit and events).
        Index(f"{name}_row_number", "row_number"),
        prefixes=["TEMPORARY"],
    )


async def create_staging(session: AsyncSession) -> Table:
    """A new staging table for one import, in the request's transaction."""
    # NOTE: a temporary table per import (its own name), so concurrent imports never meet
    # and PostgreSQL writes no WAL for it. No try/finally around it: when a step fails the
    # request's transaction is rolled back, and the table's creation with it.
    staging = _staging_table(f"asset_staging_{uuid.uuid4().hex[:12]}")
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # NOTE: the import's tables are analysed on a sample of 3,000 rows, not 30,000: their
        # statements need the tables' sizes and rough spreads, and ANALYZE then reads a tenth of
        # the pages (27 ms for 100,000 rows instead of 320). The setting ends with the transaction.
        await connection.execute(text("SET LOCAL default_statistics_target = 10"))
    await connection.run_sync(lambda sync: staging.create(sync))
    return staging


async def staged(session: AsyncSession, staging: Table) -> None:
    """The staging table is filled: on PostgreSQL, its statistics taken for the statements that read it whole."""
    # NOTE: nothing analyses a temporary table but ANALYZE; without it the planner guesses its
    # size from its pages and a handful of rows per range of row numbers (each batch's events).
    if await on_postgresql(session):
        await session.execute(text(f"ANALYZE {staging.name}"))


async def drop_staging(session: AsyncSession, staging: Table) -> None:
    connection = await session.connection()
    await connection.run_sync(lambda sync: staging.drop(sync))


async def stage(session: AsyncSession, staging: Table, records: list[dict[str, Any]]) -> None:
    """Add checked rows to the staging table (PostgreSQL: ``COPY``; SQLite: one batched insert)."""
    if not records:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        names = [c.name for c in staging.columns]
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            staging.name, records=[tuple(r[n] for n in names) for r in records], columns=names
        )
        return
    await session.execute(insert(staging), records)


def _refusals(staging: Table) -> tuple[Select[Any], Select[Any]]:
    """The staged rows whose code appears on an earlier row, and those whose code is already recorded."""
    s = staging.c
    first = func.row_number().over(partition_by=(s.province_code, s.code), order_by=s.row_number).label("nth")
    ranked = select(s.row_number, s.code, first).subquery()
    repeated = select(ranked.c.row_number, ranked.c.code).where(ranked.c.nth > 1)
    a = asset_table.c
    taken = select(s.row_number, s.code).join(asset_table, (a.province_code == s.province_code) & (a.code == s.code))
    return repeated, taken


def _refused_rows(staging: Table) -> Select[Any]:
    repeated, taken = _refusals(staging)
    both = union(repeated, taken).subquery()
    return select(both.c.row_number).distinct()


@dataclass(frozen=True)
class StagedRefusals:
    """How many staged rows have a code repeated or taken, and the first few (row number, code) of each."""

    count: int
    repeated: Sequence[tuple[int, str]]
    taken: Sequence[tuple[int, str]]


async def staged_refusals(session: AsyncSession, staging: Table, limit: int) -> StagedRefusals:
    """The staged rows refused for their code: counted, and the first ``limit`` of each kind listed."""
    repeated, taken = _refusals(staging)
    listed = []
    for query in (repeated, taken):
        ordered = query.order_by(query.selected_columns[0]).limit(limit)
        listed.append([(int(number), str(code)) for number, code in (await session.execute(ordered)).all()])
    if limit > 0 and not any(listed):
        # NOTE: nothing listed, nothing refused: the count's union of both kinds is skipped.
        return StagedRefusals(0, [], [])
    count = int((await session.execute(select(func.count()).select_from(_refused_rows(staging).subquery()))).scalar_one())
    return StagedRefusals(count, listed[0], listed[1])


async def drop_refused(session: AsyncSession, staging: Table) -> None:
    """Partial import: the staged rows refused for their code are not written."""
    await session.execute(delete(staging).where(staging.c.row_number.in_(_refused_rows(staging))))


_ASSET_FROM_STAGED = {c: c for c in (*STAGED_ASSET_COLUMNS, *HOLDER_COLUMNS)}
"""Each column of ``asset`` an import fills from its staged row: the staged column that holds it."""
_ALLOCATION_FROM_STAGED = {
    "id": "allocation_id",
    "asset_id": "id",
    "purpose": "purpose",
    "valid_from": "valid_from",
    "decision_number": "decision_number",
    **{c: c for c in HOLDER_COLUMNS},
    ASSET_KIND_COPY: "kind",
}
"""Each column of ``allocation`` an import fills from its staged row: the staged column that holds it."""


def _written_by_import(written_at: datetime) -> dict[str, Any]:
    """The values an import gives every record it writes, beside its staged ones (the columns left out are null)."""
    return {"created_at": written_at, "updated_at": written_at, "version": 1}


async def write_staged(session: AsyncSession, staging: Table, actor: str, written_at: datetime) -> int:
    """Write every staged row as an asset, its allocation and its first history event; how many."""
    s = staging.c
    count = int((await session.execute(select(func.count()).select_from(staging))).scalar_one())
    for table, from_staged in ((asset_table, _ASSET_FROM_STAGED), (allocation_table, _ALLOCATION_FROM_STAGED)):
        given = _written_by_import(written_at)
        values = [s[staged] for staged in from_staged.values()] + [literal(v, table.c[c].type) for c, v in given.items()]
        await session.execute(insert(table).from_select([*from_staged, *given], select(*values)))
    now = literal(written_at, UtcDateTime())
    event_select = select(
        s.id, s.valid_from, now, literal(EventKind.REGISTERED.value), s.status, s.allocation_id, literal(actor), s.province_code
    )
    await session.execute(
        insert(event_table).from_select(
            ["asset_id", "event_date", "occurred_at", "kind", "status", "allocation_id", "actor", EVENT_PROVINCE_COPY],
            event_select,
        )
    )
    return count


async def written_batches(session: AsyncSession, staging: Table, size: int) -> list[tuple[int, int]]:
    """The first and last row numbers of each ``size`` staged rows, in file order (the batches of their events)."""
    s = staging.c
    batch = ((func.row_number().over(order_by=s.row_number) - 1) // size).label("batch")
    numbered = select(s.row_number, batch).subquery()
    bounds = (
        select(func.min(numbered.c.row_number), func.max(numbered.c.row_number))
        .group_by(numbered.c.batch)
        .order_by(numbered.c.batch)
    )
    return [(int(first), int(last)) for first, last in (await session.execute(bounds)).all()]


_POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]
"""How the columns' types are written in the audit's SQL (PostgreSQL's names)."""


def _as_written(staging: Table, table: Table, from_staged: dict[str, str], written_at: datetime) -> str:
    """A FROM clause of the staged rows ``s`` and the record each wrote into ``table``, ``r``, made from ``s`` as
    :func:`write_staged` writes it (its staged columns, the import's own values, null for the rest)."""
    # NOTE: made from the staged row, not looked up in the table just written: a batch reads its
    # staged rows in order and nothing else (the lookup by primary key cost 3 µs a record, an
    # eighth of its audit record). Each value has its column's type, so it is written into JSON
    # as the column's would be; test_import_events compares both with the records read back.
    given = _written_by_import(written_at)
    columns = []
    for column in table.columns:
        kind = column.type.compile(dialect=_POSTGRESQL)
        if column.name in from_staged:
            value = f"s.{from_staged[column.name]}"
        elif column.name in given:
            own = given[column.name]
            value = sql_literal(own.isoformat() if isinstance(own, datetime) else str(own))
        else:
            value = "NULL"
        columns.append(f"CAST({value} AS {kind}) AS {column.name}")
    return f"{staging.name} s CROSS JOIN LATERAL (SELECT {', '.join(columns)}) r"


def written_assets(staging: Table, entity_type: str, written_at: datetime) -> WrittenRows:
    """The assets an import wrote, in file order, for their audit records and events (PostgreSQL, in SQL)."""
    # NOTE: the area is ``events.asset_area``'s: the holder's commune, else where the asset stands.
    area = SqlArea(
        "r.province_code",
        "COALESCE(r.holder_commune_code, r.commune_code)",
        f"CASE WHEN r.holder_kind = '{HolderKind.AGENCY.value}' THEN r.holder_id END",
    )
    source = _as_written(staging, asset_table, _ASSET_FROM_STAGED, written_at)
    return WrittenRows(entity_type, asset_table, source, "s.row_number", area, INTERNAL_COLUMNS)


def written_allocations(staging: Table, entity_type: str, written_at: datetime) -> WrittenRows:
    """The allocations an import opened, in file order, for their audit records and events (PostgreSQL, in SQL)."""
    # NOTE: the area is ``events.holder_area``'s: where the holder is.
    area = SqlArea(
        "r.holder_province_code",
        "r.holder_commune_code",
        f"CASE WHEN r.holder_kind = '{HolderKind.AGENCY.value}' THEN r.holder_id END",
    )
    source = _as_written(staging, allocation_table, _ALLOCATION_FROM_STAGED, written_at)
    return WrittenRows(entity_type, allocation_table, source, "s.row_number", area, frozenset({ASSET_KIND_COPY}))


async def written_batch(
    session: AsyncSession, staging: Table, after_row: int, limit: int
) -> tuple[Sequence[RowMapping], Sequence[RowMapping], int | None]:
    """The assets and allocations written from the staged rows after ``after_row`` (at most ``limit``, in file
    order), and the last row number read (None when there are no more)."""
    s = staging.c
    numbers = select(s.row_number).where(s.row_number > after_row).order_by(s.row_number).limit(limit).subquery()
    last = (await session.execute(select(func.max(numbers.c.row_number)))).scalar_one_or_none()
    if last is None:
        return [], [], None
    window = (s.row_number > after_row) & (s.row_number <= last)
    assets = (
        (await session.execute(select(asset_table).join(staging, s.id == asset_table.c.id).where(window).order_by(s.row_number)))
        .mappings()
        .all()
    )
    allocations = (
        (
            await session.execute(
                select(*allocation_record)
                .join(staging, s.allocation_id == allocation_table.c.id)
                .where(window)
                .order_by(s.row_number)
            )
        )
        .mappings()
        .all()
    )
    return assets, allocations, int(last)


# --- the import on PostgreSQL: the CSV as it is through COPY, its rows checked in SQL ---------
#
# NOTE: ``asset_import`` holds the file's cells as text (COPY parses the CSV), ``import_label``
# the values and problems of the cells mapped once per spelling in Python (the importer's own
# functions), ``asset_import_row`` each row with those, its date and its holder reference,
# ``import_holder`` and ``import_location`` what org-structure said of each (reference, date),
# and one statement checks every row and stages the good ones into the typed staging table.
# All are temporary, dropped with the request's transaction.

CELL_SPACE = WHITESPACE
"""What Python's ``str.strip()`` trims (``str.isspace``), so a cell is trimmed alike in SQL (``btrim``)."""


_CELL_SPACE = sql_literal(CELL_SPACE)


def _repr_sql(column: str) -> str:
    """Python's ``repr`` of a text cell (quotes chosen as Python chooses them; backslash, tab and line ends escaped)."""
    escaped = f"replace(replace(replace(replace({column}, '\\', '\\\\'), E'\\t', '\\t'), E'\\n', '\\n'), E'\\r', '\\r')"
    return (
        f"CASE WHEN strpos({column}, '''') > 0 AND strpos({column}, '\"') = 0 THEN '\"' || {escaped} || '\"' "
        f"ELSE '''' || replace({escaped}, '''', '\\''') || '''' END"
    )


async def raw_connection(session: AsyncSession) -> Any:
    """The driver's connection (asyncpg) under the request's transaction, for COPY into temporary tables."""
    connection = await session.connection()
    # NOTE: the driver begins the transaction lazily, on the first statement it runs; COPY and
    # the savepoint below must run inside it.
    await connection.execute(select(1))
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    return raw


async def stage_csv(raw: Any, chunks: AsyncIterator[bytes], targets: list[str]) -> int | None:
    """The CSV as it is into ``asset_import`` (parsed by the server), blank rows left out.

    How many rows it holds, or None (nothing staged) when COPY refuses the file.
    """
    columns = ", ".join(f"{name} text" for name in targets)
    await raw.execute("DROP TABLE IF EXISTS pg_temp.asset_import, pg_temp.import_label, pg_temp.asset_import_row")
    await raw.execute("DROP TABLE IF EXISTS pg_temp.import_holder, pg_temp.import_location")
    await raw.execute(f"CREATE TEMP TABLE asset_import (row_no bigserial, {columns}) ON COMMIT DROP")
    await raw.execute("SAVEPOINT asset_copy")
    try:
        await raw.copy_to_table("asset_import", source=chunks, columns=targets, format="csv", encoding="utf-8")
    except Exception:  # noqa: BLE001 - COPY refuses a ragged or blank-lined file; the row reader copes
        await raw.execute("ROLLBACK TO SAVEPOINT asset_copy")
        return None
    await raw.execute("RELEASE SAVEPOINT asset_copy")
    # NOTE: a row of empty cells is no row (the row reader skips it too); its number stays used.
    blank = " AND ".join(f"NULLIF(btrim({name}, {_CELL_SPACE}), '') IS NULL" for name in targets)
    await raw.execute(f"DELETE FROM asset_import WHERE {blank}")
    await raw.execute("ANALYZE asset_import")
    return int(await raw.fetchval("SELECT count(*) FROM asset_import"))


async def staged_spellings(raw: Any, name: str) -> list[str]:
    """The distinct values of one staged cell, trimmed ('' for an empty cell)."""
    rows = await raw.fetch(f"SELECT DISTINCT COALESCE(NULLIF(btrim({name}, {_CELL_SPACE}), ''), '') FROM asset_import")
    return [r[0] for r in rows]


async def stage_labels(raw: Any, labels: Sequence[tuple[str, str, str | None, str | None]]) -> None:
    """``import_label``: (cell, its text, the value read, or the problem) of each spelling the file uses."""
    await raw.execute("CREATE TEMP TABLE import_label (field text, raw text, value text, problem text) ON COMMIT DROP")
    await raw.copy_records_to_table("import_label", records=labels)
    await raw.execute("ANALYZE import_label")


def _cleaned(name: str, fields: Sequence[str]) -> str:
    return f"NULLIF(btrim({name}, {_CELL_SPACE}), '') AS {name}" if name in fields else f"NULL::text AS {name}"


def read_rows_sql(fields: Sequence[str], mapped: Sequence[str], references: Sequence[str], columns: Sequence[str]) -> str:
    """``asset_import_row``: each staged row's cells, the mapped cells' values and problems, its date and holder reference."""
    cleaned = ", ".join(_cleaned(name, fields) for name in columns)
    joins = " ".join(
        f"LEFT JOIN import_label l_{name} ON l_{name}.field = '{name}' AND l_{name}.raw = COALESCE(src.{name}, '')"
        for name in (*mapped, *references)
    )
    labelled = ", ".join(f"l_{name}.value AS {name}_v, l_{name}.problem AS {name}_p" for name in mapped)
    neither = sql_literal("holder: give holder_code (a unit's code) or holder_agency_id, one of them")
    return f"""
CREATE TEMP TABLE asset_import_row ON COMMIT DROP AS
WITH src AS (SELECT row_no, {cleaned} FROM asset_import),
labelled AS (
    SELECT src.*, {labelled},
        COALESCE(l_condition.problem, l_status.problem, l_purpose.problem, l_allocated_from.problem) AS try_p,
        CASE WHEN (src.holder_code IS NULL) = (src.holder_agency_id IS NULL) THEN {neither}
             WHEN src.holder_code IS NOT NULL THEN l_holder_code.problem ELSE l_holder_agency_id.problem END AS ref_p
    FROM src {joins}
)
SELECT labelled.*,
    CASE WHEN try_p IS NOT NULL THEN CAST(:today AS date) ELSE allocated_from_v::date END AS valid_from,
    CASE WHEN ref_p IS NULL THEN CASE WHEN holder_code IS NOT NULL THEN 'unit' ELSE 'agency' END END AS ref_kind,
    CASE WHEN ref_p IS NULL THEN COALESCE(holder_code, holder_agency_id) END AS ref_key,
    commune_code_p IS NULL AND commune_code_v ~ '^[0-9]{{5}}$' AS located
FROM labelled
"""


async def read_staged_rows(session: AsyncSession, sql: str, today: date) -> None:
    await session.execute(text(sql), {"today": today})
    await session.execute(text("ANALYZE asset_import_row"))


async def staged_references(raw: Any) -> tuple[list[tuple[str, str, date]], list[tuple[str, str, date]]]:
    """The distinct (holder kind, key, date) the rows name, and the distinct (commune, province, date) they stand in."""
    holders = await raw.fetch("SELECT DISTINCT ref_kind, ref_key, valid_from FROM asset_import_row WHERE ref_kind IS NOT NULL")
    places = await raw.fetch("SELECT DISTINCT commune_code_v, province_code_v, valid_from FROM asset_import_row WHERE located")
    return [(r[0], r[1], r[2]) for r in holders], [(r[0], r[1], r[2]) for r in places]


async def stage_references(
    raw: Any, holders: Sequence[tuple[Any, ...]], places: Sequence[tuple[str, str, date, list[str]]]
) -> None:
    """``import_holder`` (a reference on a date: the holder's columns and problems) and ``import_location``."""
    await raw.execute(
        "CREATE TEMP TABLE import_holder (ref_kind text, ref_key text, valid_from date, holder_kind text, holder_id uuid, "
        "holder_name text, holder_province_code text, holder_commune_code text, holder_level text, holder_unit_id uuid, "
        "holder_valid_to date, problems text[]) ON COMMIT DROP"
    )
    await raw.copy_records_to_table("import_holder", records=holders)
    await raw.execute(
        "CREATE TEMP TABLE import_location (commune_code text, province_code text, valid_from date, problems text[]) "
        "ON COMMIT DROP"
    )
    await raw.copy_records_to_table("import_location", records=places)
    # NOTE: known sizes, so the planner hash-joins them with the rows (a temporary table has no statistics of its own).
    await raw.execute("ANALYZE import_holder")
    await raw.execute("ANALYZE import_location")


def _number_read(name: str, pattern: str) -> str:
    """Whether a number cell reads as one (spaces dropped, as ``importer._number`` does); null for an empty cell."""
    return f"replace(r.{name}, ' ', '') ~ {sql_literal(pattern)} AS {name}_ok"


def _number_value(name: str, kind: type[Any]) -> str:
    """A number cell's value as ``importer._number`` reads it (an int is the float truncated)."""
    compact = f"replace(n.{name}, ' ', '')"
    value = f"{compact}::float8" if kind is float else f"trunc({compact}::float8)"
    return f"CASE WHEN n.{name}_ok THEN {value} END AS {name}_n"


def _number_check(name: str, money: bool, allowed: Any) -> str:
    """A number cell's problem: not a number, (money) negative, or out of ``allowed`` (``importer.NumberRange``)."""
    check = f"CASE WHEN NOT p.{name}_ok THEN '{name} ' || {_repr_sql(f'p.{name}')} || ' is not a number' END"
    if money:
        check = f"COALESCE({check}, CASE WHEN p.{name}_n < 0 THEN '{name} is negative' END)"
    low = f"p.{name}_n {'<' if allowed.low_included else '<='} '{allowed.low!r}'::float8"
    outside = f"CASE WHEN {low} OR p.{name}_n > '{allowed.high!r}'::float8 THEN {sql_literal(allowed.problem)} END"
    return f"COALESCE({check}, {outside})"


def check_sql(
    staging: str,
    number: str,
    numbers: dict[str, type[Any]],
    money: Sequence[str],
    ranges: dict[str, Any],
    premises_fields: Sequence[str],
    car_fields: Sequence[str],
    plate_prefixes: dict[str, frozenset[str]],
    max_problems: int,
) -> str:
    """The statement that checks every row (``importer.parse_row``, ``checked_records`` in SQL) and stages the good ones."""
    kinds: dict[str, type[Any]] = {**numbers, **dict.fromkeys(money, int)}
    read = [_number_read(name, number) for name in kinds]
    parsed = [_number_value(name, kind) for name, kind in kinds.items()]
    number_checks = [_number_check(name, name in money, ranges[name]) for name in kinds]
    plate_match = "'^([0-9]{2})([A-Z]{1,2})([0-9]{4,5})$'"
    separators = sql_literal(f"[-.{CELL_SPACE}]")
    read.append(f"regexp_match(upper(regexp_replace(r.plate, {separators}, '', 'g')), {plate_match}) AS plate_m")
    earlier = [
        "CASE WHEN p.code IS NULL OR char_length(p.code) > 50 THEN 'code is missing (or longer than 50)' END",
        "CASE WHEN char_length(COALESCE(p.name, '')) NOT BETWEEN 2 AND 300 THEN 'name is missing (or longer than 300)' END",
        "p.province_code_p",
        "p.commune_code_p",
        "p.kind_p",
        *number_checks,
        "p.try_p",
    ]
    prefix_cases = " ".join(
        f"WHEN {sql_literal(province)} THEN CASE WHEN (p.plate_m)[1] NOT IN ({', '.join(sql_literal(x) for x in sorted(known))}) "
        f"THEN 'plates of province {province} start with {' or '.join(sorted(known))}, not ' || (p.plate_m)[1] END"
        for province, known in sorted(plate_prefixes.items())
    )
    details = f"""CASE WHEN p.kind_v IS NOT NULL AND cardinality(p.early) = 0 THEN CASE
        WHEN p.kind_v <> 'premises' AND num_nonnulls({", ".join(f"p.{f}" for f in premises_fields)}) > 0
            THEN {sql_literal(", ".join(premises_fields) + " describe premises only")}
        WHEN p.kind_v <> 'car' AND num_nonnulls({", ".join(f"p.{f}" for f in car_fields)}) > 0
            THEN {sql_literal(", ".join(car_fields) + " describe cars only")}
        WHEN p.kind_v = 'car' AND p.plate IS NULL THEN 'a car needs its plate'
        WHEN p.plate IS NOT NULL AND p.plate_m IS NULL
            THEN {_repr_sql("p.plate")} || ' is not a car plate like 11A-123.45 (two digits, one or two letters, 4 or 5 digits)'
        WHEN p.plate IS NOT NULL AND (CASE p.province_code_v {prefix_cases} END) IS NOT NULL
            THEN CASE p.province_code_v {prefix_cases} END
        WHEN p.original_value_n IS NOT NULL AND p.residual_value_n IS NOT NULL AND p.residual_value_n > p.original_value_n
            THEN 'residual_value exceeds original_value'
    END END"""
    plate = (
        "CASE WHEN p.plate_m IS NOT NULL THEN (p.plate_m)[1] || (p.plate_m)[2] || '-' || CASE WHEN length((p.plate_m)[3]) = 5 "
        "THEN substr((p.plate_m)[3], 1, 3) || '.' || substr((p.plate_m)[3], 4) ELSE (p.plate_m)[3] END END"
    )
    key = search_key_sql("concat_ws(' ', c.code, c.name, c.plate_v, c.address)")
    holder = ", ".join(f"c.{h}" for h in HOLDER_COLUMNS)
    staged = [
        "row_number", "id", "allocation_id", "kind", "code", "name", "search_key", "province_code", "commune_code",
        "address", "land_area_m2", "floor_area_m2", "year_built", "condition", "land_use_certificate", "plate", "seats",
        "model_year", "original_value", "residual_value", "status", *HOLDER_COLUMNS, "purpose", "valid_from",
        "decision_number",
    ]  # fmt: skip
    values = [
        "c.row_no + 1", "gen_random_uuid()", "gen_random_uuid()", "c.kind_v", "c.code", "c.name", f"left({key}, 300)",
        "c.province_code_v", "c.commune_code_v", "c.address", "c.land_area_m2_n", "c.floor_area_m2_n", "c.year_built_n",
        "c.condition_v", "c.land_use_certificate", "c.plate_v", "c.seats_n", "c.model_year_n", "c.original_value_n",
        "c.residual_value_n", "c.status_v", holder, "c.purpose_v", "c.valid_from", "c.decision_number",
    ]  # fmt: skip
    return f"""
WITH n AS (
    SELECT r.*, {", ".join(read)} FROM asset_import_row r OFFSET 0
), p AS (
    SELECT n.*, {", ".join(parsed)} FROM n OFFSET 0
), e AS (
    SELECT p.*, array_remove(ARRAY[{", ".join(earlier)}]::text[], NULL) AS early FROM p OFFSET 0
), checked AS MATERIALIZED (
    SELECT p.*, h.holder_kind, h.holder_id, h.holder_name, h.holder_province_code, h.holder_commune_code,
        h.holder_level, h.holder_unit_id, h.holder_valid_to, {plate} AS plate_v,
        p.early || array_remove(ARRAY[{details}, p.ref_p]::text[], NULL)
            || COALESCE(h.problems, '{{}}'::text[]) || COALESCE(loc.problems, '{{}}'::text[]) AS errors
    FROM e AS p
    LEFT JOIN import_holder h ON h.ref_kind = p.ref_kind AND h.ref_key = p.ref_key AND h.valid_from = p.valid_from
    LEFT JOIN import_location loc
        ON p.located AND loc.commune_code = p.commune_code_v AND loc.province_code = p.province_code_v
        AND loc.valid_from = p.valid_from
), ins AS (
    INSERT INTO {staging} ({", ".join(staged)})
    SELECT {", ".join(values)} FROM checked c WHERE cardinality(c.errors) = 0
    RETURNING 1
)
SELECT
    (SELECT count(*) FROM ins) AS staged,
    (SELECT count(*) FROM checked WHERE cardinality(errors) > 0) AS rejected,
    (SELECT COALESCE(json_agg(json_build_object('row', b.row_no + 1, 'errors', b.errors) ORDER BY b.row_no), '[]')
     FROM (SELECT row_no, errors FROM checked WHERE cardinality(errors) > 0 ORDER BY row_no LIMIT {max_problems}) b) AS problems
"""


async def check_staged_rows(session: AsyncSession, sql: str) -> RowMapping:
    """Run :func:`check_sql`: staged (good rows), rejected, problems (the first bad rows, as JSON)."""
    return (await session.execute(text(sql))).mappings().one()


async def on_postgresql(session: AsyncSession) -> bool:
    """Whether an import can check its rows in SQL after COPY (PostgreSQL), or checks them in Python (SQLite)."""
    return (await session.connection()).dialect.name == "postgresql"
