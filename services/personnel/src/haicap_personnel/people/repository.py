"""Every query on people, their imports included (COPY into temporary tables and the SQL checks on PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, Uuid, column, func, select, table, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.codes import UNIT_CODE_PATTERN
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern, search_key_sql, sql_literal
from haicap_shared.values import MAX_DATE, MIN_DATE

from .importer import (
    CODED,
    DATED_UNITS,
    DATES,
    ENUMS,
    FIELDS,
    LENGTHS,
    MAX_PROBLEMS,
    NUMBERS,
    RECORD_NUMBER_MESSAGE,
    REQUIRED,
    RESIDENCE_MESSAGE,
    UNIT_CODES,
    coded_message,
    enum_message,
    undated_message,
    unit_code_message,
)
from .models import FamilyMember, Person, family_member_table, person_table
from .schemas import RECORD_NUMBER_PATTERN, PersonFilter

# NOTE: ordered by id, so every filter has an index ending in id ((province_code, id),
# (commune_code, id), (agency_id, id)) and a deep page is one range scan at 3 million rows.
PERSON_LIST_ORDER = (person_table.c.id,)


def _listed(area: ColumnElement[bool], filters: PersonFilter) -> Select[Any]:
    c = person_table.c
    stmt = select(person_table).where(area)
    stmt = where_given(
        stmt,
        (c.province_code, filters.province),
        (c.commune_code, filters.commune),
        (c.agency_id, filters.agency_id),
        (c.category, filters.category),
        (c.education_level, filters.education_level),
    )
    if filters.q:
        stmt = stmt.where(c.search_key.like(like_pattern(filters.q), escape="\\"))
    return stmt


async def page_people(
    session: AsyncSession, area: ColumnElement[bool], filters: PersonFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the people in ``area`` matching ``filters``, and the cursor of the next."""
    return await fetch_page(session, _listed(area, filters), order_by=PERSON_LIST_ORDER, limit=limit, cursor=cursor)


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    return await session.get(Person, person_id)


async def get_people(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
    found: dict[uuid.UUID, Person] = {}
    for batch in in_batches(ids):
        for person in await session.scalars(select(Person).where(Person.id.in_(batch))):
            found[person.id] = person
    return found


async def people_rows(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    """These people's rows as they are now (Core; after a bulk change, for its events)."""
    found: list[RowMapping] = []
    for batch in in_batches(ids):
        found.extend((await session.execute(select(person_table).where(person_table.c.id.in_(batch)))).mappings().all())
    return found


async def national_id_taken(session: AsyncSession, value: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(person_table.c.id).where(person_table.c.national_id == value)
    if other_than is not None:
        stmt = stmt.where(person_table.c.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


async def record_number_taken(session: AsyncSession, value: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(person_table.c.id).where(person_table.c.record_number == value)
    if other_than is not None:
        stmt = stmt.where(person_table.c.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


# --- family members ------------------------------------------------------------------------

FAMILY_LIST_ORDER = (family_member_table.c.id,)


async def page_family_members(
    session: AsyncSession, person_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of a person's family members, by id, and the cursor of the next."""
    stmt = select(family_member_table).where(family_member_table.c.person_id == person_id)
    return await fetch_page(session, stmt, order_by=FAMILY_LIST_ORDER, limit=limit, cursor=cursor)


async def get_family_member(session: AsyncSession, member_id: uuid.UUID) -> FamilyMember | None:
    return await session.get(FamilyMember, member_id)


async def count_family_members(session: AsyncSession, person_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(family_member_table).where(family_member_table.c.person_id == person_id)
    return int((await session.execute(stmt)).scalar_one())


async def delete_family_member(session: AsyncSession, member: FamilyMember) -> None:
    await session.delete(member)
    await session.flush()


async def move_to_agency(
    session: AsyncSession, person_ids: Sequence[uuid.UUID], agency_columns: dict[str, Any], now: datetime
) -> None:
    """These people's records now belong to this agency (each record's version moves on)."""
    for batch in in_batches(person_ids):
        await session.execute(
            update(person_table)
            .where(person_table.c.id.in_(batch))
            .values(**agency_columns, updated_at=now, version=person_table.c.version + 1)
        )
    await move_family_members(session, person_ids, agency_columns, now)


async def move_family_members(
    session: AsyncSession, person_ids: Sequence[uuid.UUID], agency_columns: dict[str, Any], now: datetime
) -> None:
    """These people's family members now in the area of their agency (a family member follows the person's record)."""
    table_c = family_member_table.c
    for batch in in_batches(person_ids):
        await session.execute(
            update(family_member_table)
            .where(table_c.person_id.in_(batch))
            .values(**agency_columns, updated_at=now, version=table_c.version + 1)
        )


# --- people's imports ---------------------------------------------------------------------

# NOTE: the ids the one checking statement wrote (PostgreSQL), so that their events are written
# after it, a batch at a time, without holding every row in memory.
_import_written = table("import_written", column("id", Uuid), schema="pg_temp")


async def recorded_national_ids(session: AsyncSession, numbers: Sequence[str]) -> set[str]:
    """Those of these national ids a person already has."""
    found: set[str] = set()
    for batch in in_batches(numbers):
        stmt = select(person_table.c.national_id).where(person_table.c.national_id.in_(batch))
        found.update((await session.execute(stmt)).scalars().all())
    return found


async def recorded_record_numbers(session: AsyncSession, numbers: Sequence[str]) -> set[str]:
    """Those of these record numbers a person's dossier already has."""
    found: set[str] = set()
    for batch in in_batches(numbers):
        stmt = select(person_table.c.record_number).where(person_table.c.record_number.in_(batch))
        found.update(n for n in (await session.execute(stmt)).scalars().all() if n is not None)
    return found


async def insert_people(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New people written in bulk (Core inserts)."""
    await session.execute(person_table.insert(), rows)


async def on_postgresql(session: AsyncSession) -> bool:
    """Whether the import can stage through COPY (PostgreSQL) or checks chunks in Python (SQLite)."""
    return (await session.connection()).dialect.name == "postgresql"


async def staging_connection(session: AsyncSession) -> Any:
    """The driver's connection (asyncpg) under the request's transaction, for COPY into temporary tables."""
    connection = await session.connection()
    # NOTE: the driver begins the transaction lazily, on the first statement it runs; the raw
    # COPY and savepoints below must run inside it.
    await connection.execute(text("SELECT 1"))
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    return raw


async def create_import_staging(raw: Any) -> None:
    """``person_import``: one text column per field of :data:`importer.COLUMNS`, and the row number."""
    columns = ", ".join(f"{f} text" for f in FIELDS)
    # NOTE: ON COMMIT DROP ends them with the request's transaction; the DROP covers a
    # connection whose transaction is still open (a test's, around its requests).
    await raw.execute(
        "DROP TABLE IF EXISTS pg_temp.person_import, pg_temp.import_label, pg_temp.import_agency, pg_temp.import_written"
    )
    await raw.execute(f"CREATE TEMP TABLE person_import (row_no bigserial, {columns}) ON COMMIT DROP")
    await raw.execute("CREATE TEMP TABLE import_written (id uuid PRIMARY KEY) ON COMMIT DROP")


async def copy_csv_to_staging(raw: Any, chunks: AsyncIterator[bytes], targets: list[str]) -> bool:
    """The CSV as it is into ``person_import`` (parsed by the server); False, and nothing staged, if COPY refuses it."""
    for name in [t for t in targets if t.startswith("ignored_")]:
        await raw.execute(f"ALTER TABLE person_import ADD COLUMN {name} text")
    await raw.execute("SAVEPOINT person_copy")
    try:
        await raw.copy_to_table("person_import", source=chunks, columns=targets, format="csv", encoding="utf-8")
    except Exception:  # noqa: BLE001 - COPY refuses a ragged or blank-lined file; the row reader copes
        await raw.execute("ROLLBACK TO SAVEPOINT person_copy")
        await raw.execute("TRUNCATE person_import")
        return False
    await raw.execute("RELEASE SAVEPOINT person_copy")
    return True


async def copy_rows_to_staging(raw: Any, records: Sequence[tuple[Any, ...]]) -> None:
    """Rows read by the file reader (row number, then the fields) into ``person_import``."""
    await raw.copy_records_to_table("person_import", records=records, columns=["row_no", *FIELDS])


async def analyze_staging(raw: Any) -> None:
    await raw.execute("ANALYZE person_import")


async def staged_values(raw: Any, field: str) -> list[str]:
    """The distinct values (trimmed, not empty) of one staged field."""
    return [r[0] for r in await raw.fetch(f"SELECT DISTINCT NULLIF(btrim({field}), '') FROM person_import") if r[0]]


async def stage_labels(raw: Any, labels: Sequence[tuple[str, str, str]]) -> None:
    """``import_label``: (field, the file's text, the API's value) of each label the file uses."""
    await raw.execute("CREATE TEMP TABLE import_label (kind text, raw text, value text) ON COMMIT DROP")
    await raw.copy_records_to_table("import_label", records=labels)


async def stage_agencies(raw: Any, found: dict[str, dict[str, Any]], problems: dict[str, str]) -> None:
    """``import_agency``: each agency id the file names, with its area columns or what is wrong with it."""
    await raw.execute(
        "CREATE TEMP TABLE import_agency (raw text, agency_id uuid, province_code text, commune_code text, "
        "agency_level text, unit_id uuid, valid_to date, problem text) ON COMMIT DROP"
    )
    columns = ("agency_id", "province_code", "commune_code", "agency_level", "unit_id", "agency_valid_to")
    await raw.copy_records_to_table(
        "import_agency",
        records=[(k, *[f[c] for c in columns], None) for k, f in found.items()]
        + [(k, None, None, None, None, None, None, p) for k, p in problems.items()],
    )


async def validate_staged_people(session: AsyncSession, codes: frozenset[str], *, partial: bool, now: datetime) -> RowMapping:
    """Check the staged rows and insert the good ones (:func:`validation_sql`): rows, written, rejected, accepted, problems."""
    result = await session.execute(text(validation_sql(codes)), {"partial": partial, "now": now})
    return result.mappings().one()


async def written_people(session: AsyncSession, *, after: uuid.UUID | None, limit: int) -> list[RowMapping]:
    """The next ``limit`` people the import wrote (PostgreSQL), by id after ``after``."""
    written = _import_written.c.id
    stmt = select(person_table).join(_import_written, written == person_table.c.id)
    if after is not None:
        stmt = stmt.where(written > after)
    return list((await session.execute(stmt.order_by(written).limit(limit))).mappings().all())


async def repeated_national_ids(raw: Any) -> list[tuple[int, int]]:
    """(row, first row) of each staged row whose national id an earlier row has."""
    return [(found["row"], found["first"]) for found in await raw.fetch(DUPLICATES_SQL)]


# --- the one statement that checks staged people (PostgreSQL) ------------------------------


def _date_parts(column: str) -> str:
    """[year, month, day] from YYYY-MM-DD or DD/MM/YYYY (or DD-MM-YYYY), else NULL."""
    flipped = f"string_to_array(translate({column}, '/', '-'), '-')::int[]"
    return (
        f"CASE WHEN {column} ~ '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}$' THEN string_to_array({column}, '-')::int[] "
        f"WHEN {column} ~ '^\\d{{1,2}}[/-]\\d{{1,2}}[/-]\\d{{4}}$' THEN ARRAY[({flipped})[3], ({flipped})[2], ({flipped})[1]] END"
    )


def _date_of(parts: str) -> str:
    # NOTE: CASE branches are tried in order, so make_date never sees a month or day out of range;
    # years outside 1900-2100 are no date, as haicap_shared.tabular.parse_date says on SQLite.
    return (
        f"CASE WHEN {parts} IS NULL THEN NULL "
        f"WHEN {parts}[1] NOT BETWEEN {MIN_DATE.year} AND {MAX_DATE.year} OR {parts}[2] NOT BETWEEN 1 AND 12 "
        f"OR {parts}[3] < 1 THEN NULL "
        f"WHEN {parts}[3] <= extract(day FROM make_date({parts}[1], {parts}[2], 1) + interval '1 month - 1 day') "
        f"THEN make_date({parts}[1], {parts}[2], {parts}[3]) END"
    )


def _missing_checks() -> list[str]:
    return [f"CASE WHEN s.{name} IS NULL THEN '{name} is missing' END" for name in REQUIRED]


def _label_checks() -> list[str]:
    checks = []
    for name, kind in ENUMS.items():
        suffix = sql_literal(enum_message(name, "", kind)[len(name) + 1 :])
        checks.append(f"CASE WHEN s.{name} IS NOT NULL AND l_{name}.value IS NULL THEN '{name} ' || s.{name} || {suffix} END")
    return checks


def _date_checks() -> list[str]:
    message = "' is not a date (use YYYY-MM-DD or DD/MM/YYYY)'"
    checks = [
        f"CASE WHEN s.{name} IS NOT NULL AND s.{name}_v IS NULL THEN '{name} ' || s.{name} || {message} END" for name in DATES
    ]
    checks.append("CASE WHEN s.birth_date_v >= current_date THEN 'birth_date is not in the past' END")
    return checks


def _dossier_checks() -> list[str]:
    """The coded columns (found in their list), the unit codes' form, each place with its date, the record number's form."""
    checks = []
    for name in CODED:
        suffix = sql_literal(coded_message(name, "")[len(name) + 1 :])
        checks.append(f"CASE WHEN s.{name} IS NOT NULL AND l_{name}.value IS NULL THEN '{name} ' || s.{name} || {suffix} END")
    for name in UNIT_CODES:
        suffix = sql_literal(unit_code_message(name, "")[len(name) + 1 :])
        pattern = sql_literal(UNIT_CODE_PATTERN)
        checks.append(f"CASE WHEN s.{name} IS NOT NULL AND s.{name} !~ {pattern} THEN '{name} ' || s.{name} || {suffix} END")
    for place in DATED_UNITS:
        checks.append(
            f"CASE WHEN (s.{place}_code IS NULL) <> (s.{place}_as_of IS NULL) THEN {sql_literal(undated_message(place))} END"
        )
    checks.append(
        f"CASE WHEN s.residence_code IS NOT NULL AND s.residence_address IS NULL THEN {sql_literal(RESIDENCE_MESSAGE)} END"
    )
    checks.append(
        f"CASE WHEN s.record_number IS NOT NULL AND s.record_number !~ {sql_literal(RECORD_NUMBER_PATTERN)} "
        f"THEN {sql_literal(RECORD_NUMBER_MESSAGE)} END"
    )
    return checks


def _length_checks() -> list[str]:
    return [
        f"CASE WHEN char_length(s.{name}) > {longest} THEN '{name} is longer than {longest} characters' END"
        for name, longest in LENGTHS.items()
    ]


def _number_checks() -> list[str]:
    checks = []
    for name, highest in NUMBERS.items():
        # NOTE: CASE, not OR: the cast must never see text the pattern refused.
        message = f"'{name} ' || s.{name} || ' is not a number from 0 to {highest}'"
        checks.append(
            f"CASE WHEN s.{name} IS NULL THEN NULL WHEN s.{name} !~ '^\\d{{1,3}}([.,]\\d{{1,2}})?$' THEN {message} "
            f"WHEN replace(s.{name}, ',', '.')::numeric > {highest} THEN {message} END"
        )
    return checks


def _national_id_checks(codes: frozenset[str]) -> list[str]:
    """The rules of ``national_id.problems`` in SQL: 12 digits, a province-of-birth code, the century/sex and year digits."""
    code_list = ", ".join(sql_literal(c) for c in sorted(codes))
    year = "extract(year FROM s.birth_date_v)::int"
    female = "CASE WHEN l_sex.value = 'female' THEN 1 ELSE 0 END"
    expected = f"((({year} / 100 - 19) % 5 + 5) % 5 * 2 + {female})::text || lpad(({year} % 100)::text, 2, '0')"
    return [
        "CASE WHEN NOT s.nid_ok THEN 'national_id must be 12 digits' END",
        "CASE WHEN s.nid_ok AND substr(s.national_id, 1, 3) NOT IN (" + code_list + ") "
        "THEN 'national_id starts with ' || substr(s.national_id, 1, 3) || ', which is not a province-of-birth code' END",
        "CASE WHEN s.nid_ok AND s.birth_date_v IS NOT NULL AND l_sex.value IS NOT NULL "
        f"AND substr(s.national_id, 4, 3) <> {expected} THEN 'national_id digits 4-6 are ' || substr(s.national_id, 4, 3) "
        f"|| '; a ' || l_sex.value || ' born in ' || extract(year FROM s.birth_date_v)::int || ' has ' || {expected} END",
    ]


def _reference_checks() -> list[str]:
    """The agency (found in org-structure and in the caller's area) and a national id already recorded."""
    return [
        "CASE WHEN s.agency_id IS NOT NULL THEN a.problem END",
        "CASE WHEN ex.id IS NOT NULL THEN 'a person with this national_id is already recorded' END",
        "CASE WHEN rn.first < s.row_no THEN 'record_number appears earlier in the file (row ' || (rn.first + 1) || ')' "
        "WHEN exr.id IS NOT NULL THEN 'a person with this record_number is already recorded' END",
    ]


def _row_errors(codes: frozenset[str]) -> str:
    """The array of a staged row's problems, the same messages as ``importer.check_values``."""
    checks = [
        *_missing_checks(),
        *_label_checks(),
        *_date_checks(),
        *_length_checks(),
        *_number_checks(),
        *_dossier_checks(),
        *_national_id_checks(codes),
        *_reference_checks(),
    ]
    return f"array_remove(ARRAY[{', '.join(checks)}]::text[], NULL)"


def _person_values() -> dict[str, str]:
    """Each column of ``person`` and the expression of a checked row that fills it."""
    return {
        "id": "gen_random_uuid()",
        "created_at": ":now",
        "updated_at": ":now",
        "version": "1",
        "national_id": "c.national_id",
        "full_name": "c.full_name",
        "search_key": "c.name_key",
        "birth_date": "c.birth_date_v",
        "sex": "c.sex_v",
        "ethnicity_code": "c.l_ethnicity_v",
        "religion_code": "c.l_religion_v",
        "record_number": "c.record_number",
        "birth_place_code": "c.birth_place_code",
        "birth_place_as_of": "c.birth_place_as_of_v",
        "home_town_code": "c.home_town_code",
        "home_town_as_of": "c.home_town_as_of_v",
        "residence_address": "c.residence_address",
        "residence_code": "c.residence_code",
        "category": "c.category_v",
        "education_level": "c.education_level_v",
        "field_of_study": "c.field_of_study",
        "field_key": "c.field_key",
        "political_theory": "c.political_theory_v",
        "state_management": "c.state_management_v",
        "certificates": "c.certificates",
        "social_insurance_start_date": "c.social_insurance_start_date_v",
        **{name: f"replace(c.{name}, ',', '.')::numeric" for name in NUMBERS},
        "agency_id": "c.agency_uuid",
        "province_code": "c.province_code",
        "commune_code": "c.commune_code",
        "agency_level": "c.agency_level",
        "unit_id": "c.unit_id",
        "left_on": "NULL",
    }


def validation_sql(codes: frozenset[str]) -> str:
    """The one statement that checks the staged rows, inserts the good ones and reports the bad.

    ``src`` trims the staged text, ``parts`` and ``s`` read the dates, ``checked`` maps the labels
    and agencies and lists each row's problems, ``ins`` writes the rows without any (unless the
    import is refused), ``noted`` keeps their ids for their events, and the result counts them
    and lists the first bad rows.
    """
    cleaned = ", ".join(f"NULLIF(btrim({f}), '') AS {f}" for f in FIELDS)
    enum_joins = " ".join(
        f"LEFT JOIN pg_temp.import_label l_{name} ON l_{name}.kind = '{name}' AND l_{name}.raw = s.{name}" for name in ENUMS
    )
    # NOTE: an optional label left empty is ``none`` (no political theory, no state management).
    defaults = {name: (f"l_{name}.value" if name in REQUIRED else f"COALESCE(l_{name}.value, 'none')") for name in ENUMS}
    labels = ", ".join(f"{defaults[name]} AS {name}_v" for name in ENUMS)
    code_joins = " ".join(
        f"LEFT JOIN pg_temp.import_label l_{name} ON l_{name}.kind = '{name}' AND l_{name}.raw = s.{name}" for name in CODED
    )
    coded = ", ".join(f"l_{name}.value AS l_{name}_v" for name in CODED)
    parts = ", ".join(f"{_date_parts(f'src.{name}')} AS {name}_parts" for name in DATES)
    typed_dates = ", ".join(f"{_date_of(f'parts.{name}_parts')} AS {name}_v" for name in DATES)
    values = _person_values()
    return f"""
WITH src AS (
    SELECT row_no, {cleaned} FROM pg_temp.person_import
), parts AS (
    SELECT src.*, src.national_id ~ '^[0-9]{{12}}$' AS nid_ok, {parts}
    FROM src OFFSET 0
), s AS (
    SELECT parts.*, {typed_dates}
    FROM parts OFFSET 0
), rn AS (
    -- NOTE: only the rows with a record number are sorted (none, in most files).
    SELECT row_no, min(row_no) OVER (PARTITION BY record_number) AS first FROM src WHERE record_number IS NOT NULL
), checked AS MATERIALIZED (
    SELECT s.*, {labels}, {coded},
        a.agency_id AS agency_uuid, a.province_code, a.commune_code, a.agency_level, a.unit_id, a.valid_to AS agency_valid_to,
        {search_key_sql("s.full_name")} AS name_key,
        CASE WHEN s.field_of_study IS NOT NULL THEN {search_key_sql("s.field_of_study")} END AS field_key,
        {_row_errors(codes)} AS errors
    FROM s {enum_joins} {code_joins}
    LEFT JOIN pg_temp.import_agency a ON a.raw = s.agency_id
    LEFT JOIN person ex ON ex.national_id = s.national_id
    LEFT JOIN rn ON rn.row_no = s.row_no
    LEFT JOIN person exr ON exr.record_number = s.record_number
), refused AS (
    SELECT NOT :partial AND EXISTS (SELECT 1 FROM checked WHERE cardinality(errors) > 0) AS yes
), ins AS (
    INSERT INTO person ({", ".join(values)})
    SELECT {", ".join(values.values())} FROM checked c
    WHERE cardinality(c.errors) = 0 AND NOT (SELECT yes FROM refused)
    ON CONFLICT (national_id) DO NOTHING
    RETURNING id
), noted AS (
    INSERT INTO pg_temp.import_written (id) SELECT id FROM ins
)
SELECT
    (SELECT count(*) FROM checked) AS rows,
    (SELECT count(*) FROM ins) AS written,
    (SELECT count(*) FROM checked WHERE cardinality(errors) > 0) AS rejected,
    (SELECT count(*) FROM checked WHERE cardinality(errors) = 0) AS accepted,
    (SELECT COALESCE(json_agg(json_build_object('row', b.row_no + 1, 'errors', b.errors) ORDER BY b.row_no), '[]')
     FROM (SELECT row_no, errors FROM checked WHERE cardinality(errors) > 0 ORDER BY row_no LIMIT {MAX_PROBLEMS}) b) AS problems
"""


DUPLICATES_SQL = f"""
SELECT row_no + 1 AS row, first + 1 AS first FROM (
    SELECT row_no, min(row_no) OVER (PARTITION BY btrim(national_id)) AS first FROM pg_temp.person_import
    WHERE NULLIF(btrim(national_id), '') IS NOT NULL
) d WHERE row_no > first ORDER BY row_no LIMIT {MAX_PROBLEMS}
"""
