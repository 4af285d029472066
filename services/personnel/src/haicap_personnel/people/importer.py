"""Import people from CSV or XLSX, checking every row; a per-row report.

The file comes through the shared bounded pipeline (``haicap_shared.imports``): received on
disk within the service's upload limit, read in a worker thread ``chunk_rows`` rows at a
time, refused at the first limit reached (line length, rows, XLSX sizes). Only a chunk of
the file is ever in memory, on both databases.

On PostgreSQL (PERFORMANCE.md, "Bulk loading"): a CSV is first read once in a worker thread
for the limits alone (line length, encoding, rows, no parsing), then streamed as it is into
``COPY`` (a temporary, index-free staging table); an XLSX, or a CSV COPY refuses (ragged rows,
blank lines), goes in chunk by chunk with ``copy_records_to_table``. Then one statement
validates every row in SQL and inserts the good ones with ``INSERT ... SELECT ... ON
CONFLICT``, and the bad rows are reported from the staging table.

On SQLite (no COPY): each chunk is checked in Python (the agencies and recorded national ids
it names are looked up once, as they first appear) and written with batched Core inserts as
long as the import may still succeed; a refused import is rolled back with the request.

The checks and their messages are the same on both (``test_people_import`` runs one file with
bad rows on both databases and compares the reports). Agencies are fetched from org-structure
once per distinct id. Nothing is written unless every row passes, or ``partial`` was asked.
The report lists the first :data:`MAX_PROBLEMS` bad rows; ``rejected`` counts them all.
"""

from __future__ import annotations

import asyncio
import csv
import enum
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import IO, Any

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict
from haicap_shared.imports import ProblemLog, Upload, row_chunks
from haicap_shared.models import utcnow
from haicap_shared.tabular import (
    ImportReport,
    RowProblem,
    SourceRow,
    UnreadableFile,
    check_csv_lines,
    header_key,
    is_csv,
    parse_date,
)
from haicap_shared.text import search_key
from haicap_shared.values import MAX_DATE, MIN_DATE

from ..auth import in_area
from ..org_client import OrgDirectory
from . import national_id
from .models import LABELS, Category, EducationLevel, PoliticalTheory, Sex, StateManagement, person_table

MAX_PROBLEMS = 1000
COPY_CHUNK = 1 << 20

COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": ("Số định danh", "Số định danh cá nhân", "Số CCCD", "CCCD"),
    "full_name": ("Họ và tên", "Họ tên"),
    "birth_date": ("Ngày sinh",),
    "sex": ("Giới tính",),
    "ethnicity": ("Dân tộc",),
    "category": ("Đối tượng", "Loại"),
    "education_level": ("Trình độ chuyên môn", "Trình độ"),
    "field_of_study": ("Chuyên ngành", "Ngành đào tạo"),
    "political_theory": ("Lý luận chính trị", "Trình độ lý luận chính trị"),
    "state_management": ("Quản lý nhà nước",),
    "certificates": ("Chứng chỉ",),
    "social_insurance_start_date": ("Ngày bắt đầu đóng BHXH", "Bắt đầu đóng BHXH"),
    "salary_coefficient": ("Hệ số lương",),
    "position_allowance": ("Phụ cấp chức vụ",),
    "seniority_percent": ("Thâm niên vượt khung",),
    "allowance_percent": ("Phụ cấp theo phần trăm", "Phụ cấp công vụ"),
    "agency_id": ("Mã cơ quan", "Cơ quan"),
}
FIELDS = tuple(COLUMNS)
REQUIRED = ("national_id", "full_name", "birth_date", "sex", "category", "education_level", "agency_id")
ENUMS: dict[str, type[enum.StrEnum]] = {
    "category": Category,
    "sex": Sex,
    "education_level": EducationLevel,
    "political_theory": PoliticalTheory,
    "state_management": StateManagement,
}
LENGTHS = {"full_name": 200, "ethnicity": 50, "field_of_study": 200, "certificates": 1000}
NUMBERS = {"salary_coefficient": 30, "position_allowance": 30, "seniority_percent": 200, "allowance_percent": 200}
DATES = ("birth_date", "social_insurance_start_date")
_NUMBER = re.compile(r"^\d{1,3}([.,]\d{1,2})?$")


class ImportRejected(Conflict):
    code, title = "import_rejected", "Some rows have problems; nothing was written"


def enum_key_map(kind: type[enum.StrEnum]) -> dict[str, str]:
    accepted = {search_key(m.value): m.value for m in kind}
    accepted |= {search_key(k): v for k, v in LABELS.get(kind, {}).items()}
    return accepted


def _enum_message(name: str, value: str, kind: type[enum.StrEnum]) -> str:
    return f"{name} {value} is not one of: {', '.join(m.value for m in kind)} (or their Vietnamese names)"


def _number_message(name: str, value: str) -> str:
    return f"{name} {value} is not a number from 0 to {NUMBERS[name]}"


class AgencyCheck:
    """The agencies a file names, fetched once each; what is wrong with each, for the caller."""

    def __init__(self, org: OrgDirectory, principal: Principal) -> None:
        self.org = org
        self.principal = principal
        self.found: dict[str, dict[str, Any]] = {}
        self.problem: dict[str, str] = {}

    async def load(self, raw_values: list[str]) -> None:
        gate = asyncio.Semaphore(8)

        async def one(raw: str) -> None:
            try:
                agency_id = uuid.UUID(raw)
            except ValueError:
                self.problem[raw] = f"agency_id {raw} is not an id"
                return
            async with gate:
                agency = await self.org.agency(agency_id)
            if agency is None:
                self.problem[raw] = f"org-structure has no agency {raw}"
                return
            facts = {
                "agency_id": agency.id,
                "province_code": agency.province_code,
                "commune_code": agency.commune_code,
                "agency_level": agency.level,
                "unit_id": agency.unit_id,
                "agency_valid_to": agency.valid_to,
            }
            if not in_area(self.principal, SimpleNamespace(**facts)):
                self.problem[raw] = f"agency {agency.name} is outside your area"
                return
            self.found[raw] = facts

        await asyncio.gather(*(one(raw) for raw in raw_values))


# --- Python checks (SQLite, and the reference for the SQL ones) ---------------------------


def check_values(values: dict[str, Any], agencies: AgencyCheck, today: date) -> tuple[dict[str, Any] | None, list[str]]:
    """One row: the typed values, or the reasons it cannot be imported."""
    errors: list[str] = []
    raw = {k: (None if values.get(k) is None else str(values[k]).strip() or None) for k in FIELDS}
    if isinstance(values.get("birth_date"), date):
        raw["birth_date"] = values["birth_date"].isoformat()
    if isinstance(values.get("social_insurance_start_date"), date):
        raw["social_insurance_start_date"] = values["social_insurance_start_date"].isoformat()
    for name in REQUIRED:
        if raw[name] is None:
            errors.append(f"{name} is missing")
    typed: dict[str, Any] = {}
    for name, kind in ENUMS.items():
        value = raw[name]
        if value is None:
            typed[name] = None if name in REQUIRED else kind("none")
            continue
        found = enum_key_map(kind).get(search_key(value))
        if found is None:
            errors.append(_enum_message(name, value, kind))
        typed[name] = kind(found) if found else None
    for name in DATES:
        try:
            typed[name] = parse_date(raw[name])
        except ValueError:
            errors.append(f"{name} {raw[name]} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
            typed[name] = None
    if typed["birth_date"] is not None and typed["birth_date"] >= today:
        errors.append("birth_date is not in the past")
    for name, longest in LENGTHS.items():
        if (value := raw[name]) is not None and len(value) > longest:
            errors.append(f"{name} is longer than {longest} characters")
    for name, highest in NUMBERS.items():
        value = raw[name]
        typed[name] = None
        if value is not None:
            if not _NUMBER.match(value) or Decimal(value.replace(",", ".")) > highest:
                errors.append(_number_message(name, value))
            else:
                typed[name] = Decimal(value.replace(",", "."))
    if raw["national_id"] is not None:
        errors += national_id.problems(raw["national_id"], typed["birth_date"], typed["sex"])
    agency = None
    if raw["agency_id"] is not None:
        if raw["agency_id"] in agencies.problem:
            errors.append(agencies.problem[raw["agency_id"]])
        agency = agencies.found.get(raw["agency_id"])
    if errors or agency is None:
        return None, errors
    certificates = "; ".join(p.strip() for p in (raw["certificates"] or "").split(";") if p.strip()) or None
    row = {
        **typed,
        **agency,
        "national_id": raw["national_id"],
        "full_name": raw["full_name"],
        "search_key": search_key(raw["full_name"] or ""),
        "ethnicity": raw["ethnicity"],
        "field_of_study": raw["field_of_study"],
        "field_key": search_key(raw["field_of_study"]) if raw["field_of_study"] else None,
        "certificates": certificates,
    }
    return row, []


async def _import_python(
    session: AsyncSession, upload: Upload, agencies: AgencyCheck, partial: bool, today: date
) -> tuple[int, int, int, list[RowProblem]]:
    """SQLite: each chunk checked in Python, then batched Core inserts (all or, with ``partial``, the good)."""
    problems = ProblemLog(MAX_PROBLEMS)
    first_row: dict[str, int] = {}
    now = utcnow()
    read = written = 0
    async for chunk in row_chunks(upload, COLUMNS):
        read += len(chunk)
        named = {str(r.values["agency_id"]).strip() for r in chunk if r.values.get("agency_id")}
        await agencies.load(sorted(named - agencies.found.keys() - agencies.problem.keys()))
        ids = sorted({str(r.values["national_id"]).strip() for r in chunk if r.values.get("national_id")} - first_row.keys())
        taken: set[str] = set()
        for start in range(0, len(ids), 500):
            stmt = (
                person_table.select()
                .with_only_columns(person_table.c.national_id)
                .where(person_table.c.national_id.in_(ids[start : start + 500]))
            )
            taken.update((await session.execute(stmt)).scalars().all())

        def check(chunk: list[SourceRow] = chunk, taken: set[str] = taken) -> list[dict[str, Any]]:
            good: list[dict[str, Any]] = []
            for source_row in chunk:
                row, errors = check_values(source_row.values, agencies, today)
                number = str(source_row.values.get("national_id") or "").strip()
                if number and number in first_row:
                    errors.append(f"national_id appears earlier in the file (row {first_row[number]})")
                elif number:
                    first_row[number] = source_row.number
                    if number in taken:
                        errors.append("a person with this national_id is already recorded")
                if errors:
                    problems.add(source_row.number, errors)
                elif row is not None:
                    good.append(row | {"id": uuid.uuid4(), "created_at": now, "updated_at": now, "version": 1})
            return good

        # NOTE: checked in a worker thread too: a chunk's checks must not hold the event loop.
        good = await anyio.to_thread.run_sync(check)
        # NOTE: once a row is wrong and the import is all-or-nothing, nothing more is written (the
        # router refuses it, and the request's transaction is rolled back); the rest is still
        # checked so that the report lists every problem at once.
        if good and (partial or not problems):
            await session.execute(person_table.insert(), good)
            written += len(good)
    if problems and not partial:
        written = 0
    return read, written, problems.count, problems.listed


# --- PostgreSQL: COPY, validate in SQL, one INSERT ... SELECT ------------------------------

_VN_LOWER = "àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


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


def validation_sql(codes: frozenset[str]) -> str:
    """The one statement that checks the staged rows, inserts the good ones and reports the bad."""
    cleaned = ", ".join(f"NULLIF(btrim({f}), '') AS {f}" for f in FIELDS)
    errors: list[str] = [f"CASE WHEN s.{name} IS NULL THEN '{name} is missing' END" for name in REQUIRED]
    for name, kind in ENUMS.items():
        suffix = _q(_enum_message(name, "", kind)[len(name) + 1 :])
        errors.append(f"CASE WHEN s.{name} IS NOT NULL AND l_{name}.value IS NULL THEN '{name} ' || s.{name} || {suffix} END")
    for name in DATES:
        message = "' is not a date (use YYYY-MM-DD or DD/MM/YYYY)'"
        errors.append(f"CASE WHEN s.{name} IS NOT NULL AND s.{name}_v IS NULL THEN '{name} ' || s.{name} || {message} END")
    errors.append("CASE WHEN s.birth_date_v >= current_date THEN 'birth_date is not in the past' END")
    for name, longest in LENGTHS.items():
        errors.append(f"CASE WHEN char_length(s.{name}) > {longest} THEN '{name} is longer than {longest} characters' END")
    for name, highest in NUMBERS.items():
        # NOTE: CASE, not OR: the cast must never see text the pattern refused.
        message = f"'{name} ' || s.{name} || ' is not a number from 0 to {highest}'"
        errors.append(
            f"CASE WHEN s.{name} IS NULL THEN NULL WHEN s.{name} !~ '^\\d{{1,3}}([.,]\\d{{1,2}})?$' THEN {message} "
            f"WHEN replace(s.{name}, ',', '.')::numeric > {highest} THEN {message} END"
        )
    code_list = ", ".join(_q(c) for c in sorted(codes))
    errors.append("CASE WHEN NOT s.nid_ok THEN 'national_id must be 12 digits' END")
    errors.append(
        "CASE WHEN s.nid_ok AND substr(s.national_id, 1, 3) NOT IN (" + code_list + ") "
        "THEN 'national_id starts with ' || substr(s.national_id, 1, 3) || ', which is not a province-of-birth code' END"
    )
    year = "extract(year FROM s.birth_date_v)::int"
    female = "CASE WHEN l_sex.value = 'female' THEN 1 ELSE 0 END"
    expected = f"((({year} / 100 - 19) % 5 + 5) % 5 * 2 + {female})::text || lpad(({year} % 100)::text, 2, '0')"
    errors.append(
        "CASE WHEN s.nid_ok AND s.birth_date_v IS NOT NULL AND l_sex.value IS NOT NULL "
        f"AND substr(s.national_id, 4, 3) <> {expected} THEN 'national_id digits 4-6 are ' || substr(s.national_id, 4, 3) "
        f"|| '; a ' || l_sex.value || ' born in ' || extract(year FROM s.birth_date_v)::int || ' has ' || {expected} END"
    )
    errors.append("CASE WHEN s.agency_id IS NOT NULL THEN a.problem END")
    errors.append("CASE WHEN ex.id IS NOT NULL THEN 'a person with this national_id is already recorded' END")
    enum_joins = " ".join(
        f"LEFT JOIN pg_temp.import_label l_{name} ON l_{name}.kind = '{name}' AND l_{name}.raw = s.{name}" for name in ENUMS
    )
    defaults = {name: (f"l_{name}.value" if name in REQUIRED else f"COALESCE(l_{name}.value, 'none')") for name in ENUMS}
    numbers = {name: f"replace(c.{name}, ',', '.')::numeric" for name in NUMBERS}
    target = [
        "id",
        "created_at",
        "updated_at",
        "version",
        "national_id",
        "full_name",
        "search_key",
        "birth_date",
        "sex",
        "ethnicity",
        "category",
        "education_level",
        "field_of_study",
        "field_key",
        "political_theory",
        "state_management",
        "certificates",
        "social_insurance_start_date",
        "salary_coefficient",
        "position_allowance",
        "seniority_percent",
        "allowance_percent",
        "agency_id",
        "province_code",
        "commune_code",
        "agency_level",
        "unit_id",
        "left_on",
    ]
    values = [
        "gen_random_uuid()",
        ":now",
        ":now",
        "1",
        "c.national_id",
        "c.full_name",
        "c.name_key",
        "c.birth_date_v",
        "c.sex_v",
        "c.ethnicity",
        "c.category_v",
        "c.education_level_v",
        "c.field_of_study",
        "c.field_key",
        "c.political_theory_v",
        "c.state_management_v",
        "c.certificates",
        "c.social_insurance_start_date_v",
        *[numbers[n] for n in NUMBERS],
        "c.agency_uuid",
        "c.province_code",
        "c.commune_code",
        "c.agency_level",
        "c.unit_id",
        "NULL",
    ]
    frm, to = _q(_VN_LOWER + _VN_LOWER.upper()), _q("".join(search_key(ch) for ch in _VN_LOWER) * 2)
    # NOTE: the regular expression only runs on the rare value with doubled or odd spaces.
    folded = f"lower(translate({{col}}, {frm}, {to}))"
    key = f"CASE WHEN {{col}} ~ '\\s\\s|[\\t\\n\\r]' THEN regexp_replace({folded}, '\\s+', ' ', 'g') ELSE {folded} END"
    return f"""
WITH src AS (
    SELECT row_no, {cleaned} FROM pg_temp.person_import
), parts AS (
    SELECT src.*, src.national_id ~ '^\\d{{12}}$' AS nid_ok, {_date_parts("src.birth_date")} AS birth_parts,
        {_date_parts("src.social_insurance_start_date")} AS si_parts
    FROM src OFFSET 0
), s AS (
    SELECT parts.*, {_date_of("parts.birth_parts")} AS birth_date_v, {_date_of("parts.si_parts")} AS social_insurance_start_date_v
    FROM parts OFFSET 0
), checked AS MATERIALIZED (
    SELECT s.*, {", ".join(f"{defaults[n]} AS {n}_v" for n in ENUMS)},
        a.agency_id AS agency_uuid, a.province_code, a.commune_code, a.agency_level, a.unit_id, a.valid_to AS agency_valid_to,
        {key.format(col="s.full_name")} AS name_key,
        CASE WHEN s.field_of_study IS NOT NULL THEN {key.format(col="s.field_of_study")} END AS field_key,
        array_remove(ARRAY[{", ".join(errors)}]::text[], NULL) AS errors
    FROM s {enum_joins}
    LEFT JOIN pg_temp.import_agency a ON a.raw = s.agency_id
    LEFT JOIN person ex ON ex.national_id = s.national_id
), refused AS (
    SELECT NOT :partial AND EXISTS (SELECT 1 FROM checked WHERE cardinality(errors) > 0) AS yes
), ins AS (
    INSERT INTO person ({", ".join(target)})
    SELECT {", ".join(values)} FROM checked c
    WHERE cardinality(c.errors) = 0 AND NOT (SELECT yes FROM refused)
    ON CONFLICT (national_id) DO NOTHING
    RETURNING 1
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


def _header(line: bytes) -> list[str]:
    try:
        return next(csv.reader([line.decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration, csv.Error) as exc:
        raise UnreadableFile("The CSV header cannot be read; save the file as 'CSV UTF-8'") from exc


def _targets(header: list[str]) -> list[str]:
    accepted = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}
    names: list[str] = []
    for i, cell in enumerate(header):
        name = accepted.get(header_key(cell))
        names.append(name if name is not None and name not in names else f"ignored_{i}")
    if not set(names) & set(FIELDS):
        raise UnreadableFile(f"No known column in the header row; expected some of: {', '.join(FIELDS)}")
    return names


async def _chunks(stream: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await anyio.to_thread.run_sync(stream.read, COPY_CHUNK):
        yield chunk


def _record(row: SourceRow) -> tuple[Any, ...]:
    values = row.values
    return (row.number - 1, *[None if (v := values.get(f)) is None else v if isinstance(v, str) else str(v) for f in FIELDS])


async def _import_postgres(
    session: AsyncSession, upload: Upload, agencies: AgencyCheck, partial: bool
) -> tuple[int, int, int, list[RowProblem]]:
    connection = await session.connection()
    # NOTE: the driver begins the transaction lazily, on the first statement it runs; the raw
    # COPY and savepoints below must run inside it.
    await connection.execute(text("SELECT 1"))
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    columns = ", ".join(f"{f} text" for f in FIELDS)
    # NOTE: ON COMMIT DROP ends them with the request's transaction; the DROP covers a
    # connection whose transaction is still open (a test's, around its requests).
    await raw.execute("DROP TABLE IF EXISTS pg_temp.person_import, pg_temp.import_label, pg_temp.import_agency")
    await raw.execute(f"CREATE TEMP TABLE person_import (row_no bigserial, {columns}) ON COMMIT DROP")
    loaded = False
    if is_csv(upload.filename):
        # NOTE: the limits first (line length, encoding, rows), in a worker thread, without
        # parsing; then the file goes as it is into COPY, the fast path, parsed by the server.
        await anyio.to_thread.run_sync(check_csv_lines, upload.file, upload.limits)
        targets = _targets(_header(upload.file.readline(upload.limits.max_line_bytes + 1)))
        for name in [t for t in targets if t.startswith("ignored_")]:
            await raw.execute(f"ALTER TABLE person_import ADD COLUMN {name} text")
        await raw.execute("SAVEPOINT person_copy")
        try:
            await raw.copy_to_table("person_import", source=_chunks(upload.file), columns=targets, format="csv", encoding="utf-8")
            await raw.execute("RELEASE SAVEPOINT person_copy")
            # NOTE: the serial counts data rows from 1; the file's row 1 is the header.
            loaded = True
        except Exception:  # noqa: BLE001 - COPY refuses a ragged or blank-lined file; the row reader copes
            await raw.execute("ROLLBACK TO SAVEPOINT person_copy")
            await raw.execute("TRUNCATE person_import")
            upload.file.seek(0)
    if not loaded:
        # NOTE: row_no is the file's row number less one (the header is row 1), as COPY's serial is.
        async for chunk in row_chunks(upload, COLUMNS, transform=_record):
            await raw.copy_records_to_table("person_import", records=chunk, columns=["row_no", *FIELDS])
    await raw.execute("ANALYZE person_import")

    # The labels and agencies the file uses: a handful of distinct values, mapped in Python.
    labels: list[tuple[str, str, str]] = []
    for name, kind in ENUMS.items():
        keys = enum_key_map(kind)
        for (value,) in await raw.fetch(f"SELECT DISTINCT NULLIF(btrim({name}), '') FROM person_import"):
            if value is not None and (found := keys.get(search_key(value))) is not None:
                labels.append((name, value, found))
    await raw.execute("CREATE TEMP TABLE import_label (kind text, raw text, value text) ON COMMIT DROP")
    await raw.copy_records_to_table("import_label", records=labels)
    agency_values = [r[0] for r in await raw.fetch("SELECT DISTINCT NULLIF(btrim(agency_id), '') FROM person_import") if r[0]]
    await agencies.load(agency_values)
    await raw.execute(
        "CREATE TEMP TABLE import_agency (raw text, agency_id uuid, province_code text, commune_code text, "
        "agency_level text, unit_id uuid, valid_to date, problem text) ON COMMIT DROP"
    )
    await raw.copy_records_to_table(
        "import_agency",
        records=[
            (
                k,
                f["agency_id"],
                f["province_code"],
                f["commune_code"],
                f["agency_level"],
                f["unit_id"],
                f["agency_valid_to"],
                None,
            )
            for k, f in agencies.found.items()
        ]
        + [(k, None, None, None, None, None, None, p) for k, p in agencies.problem.items()],
    )

    result = (
        (await session.execute(text(validation_sql(national_id.province_codes())), {"partial": partial, "now": utcnow()}))
        .mappings()
        .one()
    )
    listed = result["problems"] if isinstance(result["problems"], list) else json.loads(result["problems"])
    problems = [RowProblem.model_validate(p) for p in listed]
    rejected = int(result["rejected"])
    written = int(result["written"])
    accepted = int(result["accepted"])
    if written < accepted or (rejected and not partial):
        # NOTE: a national id repeated within the file: ON CONFLICT wrote its first row and
        # skipped the others (or the import is refused anyway). Looked for only then, since it
        # sorts the staging table; reported like the Python path does, on the later rows.
        by_row = {p.row: p for p in problems}
        for found in await raw.fetch(DUPLICATES_SQL):
            message = f"national_id appears earlier in the file (row {found['first']})"
            if found["row"] in by_row:
                by_row[found["row"]].errors.append(message)
            else:
                by_row[found["row"]] = RowProblem(row=found["row"], errors=[message])
                rejected += 1
        problems = sorted(by_row.values(), key=lambda p: p.row)[:MAX_PROBLEMS]
        if not partial:
            # NOTE: the router refuses the import, and the transaction with it.
            written = 0
    return int(result["rows"]), written, rejected, problems


async def import_people(
    session: AsyncSession,
    audit: AuditTrail,
    org: OrgDirectory,
    principal: Principal,
    upload: Upload,
    *,
    partial: bool,
) -> ImportReport:
    """Check every row; write them all (or, with ``partial``, the good ones), chunk by chunk."""
    agencies = AgencyCheck(org, principal)
    if (await session.connection()).dialect.name == "postgresql":
        rows, written, rejected, problems = await _import_postgres(session, upload, agencies, partial)
    else:
        rows, written, rejected, problems = await _import_python(session, upload, agencies, partial, date.today())
    report = ImportReport(
        rows=rows, accepted=rows - rejected, rejected=rejected, written=written, partial=partial, problems=problems
    )
    if written:
        await audit.record(
            session,
            principal,
            entity_type="person_import",
            entity_id=upload.filename[:100],
            action="import",
            after=report.model_dump(exclude={"problems"}),
        )
    return report
