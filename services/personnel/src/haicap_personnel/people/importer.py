"""People's import files: their columns, the parsing of a row and the rules every row must pass.

A file is CSV (UTF-8) or XLSX with Vietnamese or English headers (:data:`COLUMNS`); labels in
Vietnamese or as the API's values; ethnicity and religion as a name or a code of their list in
force on the day of the import (:data:`CODED`); places as a unit code and the date it refers to;
dates YYYY-MM-DD or DD/MM/YYYY. :func:`check_values` holds
the rules of one row and their messages; on PostgreSQL the same rules run in SQL
(``repository.validate_staged_people``, built from the constants here), and the two give the same
report (``test_people_import`` runs one file with bad rows on both databases). How a file goes
through the database on each (COPY and one statement, or chunks checked in Python) is the
service's (``service.import_people``).
"""

from __future__ import annotations

import asyncio
import csv
import enum
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.codes import UNIT_CODE_PATTERN
from haicap_shared.imports import ProblemLog
from haicap_shared.tabular import SourceRow, UnreadableFile, header_key, parse_date
from haicap_shared.text import search_key

from ..agency_ref import AgencyFacts, agency_in_area
from ..codelists import reference
from ..codelists import service as codelist_service
from ..codelists.models import CodeListName
from ..org_client import OrgDirectory
from . import national_id
from .models import LABELS, Category, EducationLevel, PoliticalTheory, Sex, StateManagement
from .schemas import RECORD_NUMBER_PATTERN

MAX_PROBLEMS = 1000
"""The bad rows a report lists; ``rejected`` counts them all."""
COPY_CHUNK = 1 << 20

COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": ("Số định danh", "Số định danh cá nhân", "Số CCCD", "CCCD"),
    "full_name": ("Họ và tên", "Họ tên"),
    "birth_date": ("Ngày sinh",),
    "sex": ("Giới tính",),
    "ethnicity": ("Dân tộc", "Mã dân tộc", "ethnicity_code"),
    "religion": ("Tôn giáo", "Mã tôn giáo", "religion_code"),
    "record_number": ("Số hiệu hồ sơ", "Số hiệu cán bộ, công chức"),
    "birth_place_code": ("Nơi sinh", "Mã nơi sinh"),
    "birth_place_as_of": ("Ngày của mã nơi sinh", "Nơi sinh (ngày của mã)"),
    "home_town_code": ("Quê quán", "Mã quê quán"),
    "home_town_as_of": ("Ngày của mã quê quán", "Quê quán (ngày của mã)"),
    "residence_address": ("Nơi ở hiện nay", "Nơi ở"),
    "residence_code": ("Mã nơi ở", "Mã đơn vị hành chính nơi ở"),
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
LENGTHS = {"full_name": 200, "field_of_study": 200, "certificates": 1000, "residence_address": 300}
NUMBERS = {"salary_coefficient": 30, "position_allowance": 30, "seniority_percent": 200, "allowance_percent": 200}
DATES = ("birth_date", "social_insurance_start_date", "birth_place_as_of", "home_town_as_of")
CODED: dict[str, CodeListName] = {"ethnicity": CodeListName.ETHNICITY, "religion": CodeListName.RELIGION}
"""Columns that take a name or a code of an official list (stored as ``<column>_code``)."""
UNIT_CODES = ("birth_place_code", "home_town_code", "residence_code")
DATED_UNITS = ("birth_place", "home_town")
_NUMBER = re.compile(r"^\d{1,3}([.,]\d{1,2})?$")
_UNIT_CODE = re.compile(UNIT_CODE_PATTERN)
_RECORD_NUMBER = re.compile(RECORD_NUMBER_PATTERN)


def enum_key_map(kind: type[enum.StrEnum]) -> dict[str, str]:
    accepted = {search_key(m.value): m.value for m in kind}
    accepted |= {search_key(k): v for k, v in LABELS.get(kind, {}).items()}
    return accepted


def enum_message(name: str, value: str, kind: type[enum.StrEnum]) -> str:
    return f"{name} {value} is not one of: {', '.join(m.value for m in kind)} (or their Vietnamese names)"


def coded_message(name: str, value: str) -> str:
    return f"{name} {value} is not a name or code of the {CODED[name].value} list in force today"


def unit_code_message(name: str, value: str) -> str:
    return f"{name} {value} is not a unit code (2, 3 or 5 digits)"


def undated_message(place: str) -> str:
    return f"{place}_code and {place}_as_of go together (a unit code means a unit only on a date)"


RECORD_NUMBER_MESSAGE = "record_number may hold only letters, digits and . / _ - (at most 30)"
RESIDENCE_MESSAGE = "residence_code needs residence_address"


def _number_message(name: str, value: str) -> str:
    return f"{name} {value} is not a number from 0 to {NUMBERS[name]}"


class CodeCheck:
    """The names or codes a file gives for each coded column, each mapped once to a code in force today (or not)."""

    def __init__(self, session: AsyncSession, today: date) -> None:
        self.session = session
        self.today = today
        self.found: dict[str, dict[str, str]] = {name: {} for name in CODED}
        self.missing: dict[str, set[str]] = {name: set() for name in CODED}

    def known(self, name: str) -> set[str]:
        return self.found[name].keys() | self.missing[name]

    async def load(self, name: str, raw_values: list[str]) -> None:
        list_name = CODED[name]
        codes = {raw: reference.code_for_name(list_name, raw) for raw in raw_values}
        valid = await codelist_service.names_of(self.session, list_name, {c for c in codes.values() if c}, self.today)
        for raw, code in codes.items():
            if code is not None and code in valid:
                self.found[name][raw] = code
            else:
                self.missing[name].add(raw)


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
            facts = AgencyFacts.of(agency)
            if not agency_in_area(self.principal, facts):
                self.problem[raw] = f"agency {agency.name} is outside your area"
                return
            self.found[raw] = facts.columns()

        await asyncio.gather(*(one(raw) for raw in raw_values))


# --- the rules of a row ----------------------------------------------------------------


def check_values(
    values: dict[str, Any], agencies: AgencyCheck, today: date, codes: CodeCheck | None = None
) -> tuple[dict[str, Any] | None, list[str]]:
    """One row: the typed values, or the reasons it cannot be imported."""
    errors: list[str] = []
    raw = {k: (None if values.get(k) is None else str(values[k]).strip() or None) for k in FIELDS}
    for name in DATES:
        if isinstance(values.get(name), date):
            raw[name] = values[name].isoformat()
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
            errors.append(enum_message(name, value, kind))
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
    for name in CODED:
        typed[f"{name}_code"] = None
        if (value := raw[name]) is not None:
            if codes is None or value not in codes.found[name]:
                errors.append(coded_message(name, value))
            else:
                typed[f"{name}_code"] = codes.found[name][value]
    for name in UNIT_CODES:
        if (value := raw[name]) is not None and not _UNIT_CODE.match(value):
            errors.append(unit_code_message(name, value))
    for place in DATED_UNITS:
        if (raw[f"{place}_code"] is None) != (raw[f"{place}_as_of"] is None):
            errors.append(undated_message(place))
    if raw["residence_code"] is not None and raw["residence_address"] is None:
        errors.append(RESIDENCE_MESSAGE)
    if raw["record_number"] is not None and not _RECORD_NUMBER.match(raw["record_number"]):
        errors.append(RECORD_NUMBER_MESSAGE)
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
        "record_number": raw["record_number"],
        "birth_place_code": raw["birth_place_code"],
        "home_town_code": raw["home_town_code"],
        "residence_address": raw["residence_address"],
        "residence_code": raw["residence_code"],
        "field_of_study": raw["field_of_study"],
        "field_key": search_key(raw["field_of_study"]) if raw["field_of_study"] else None,
        "certificates": certificates,
    }
    return row, []


@dataclass
class Seen:
    """What earlier rows of the file (and the database) hold of the values that must be unique."""

    recorded: set[str] = field(default_factory=set)
    first_row: dict[str, int] = field(default_factory=dict)
    recorded_numbers: set[str] = field(default_factory=set)
    first_number_row: dict[str, int] = field(default_factory=dict)


def check_chunk(
    chunk: list[SourceRow],
    agencies: AgencyCheck,
    codes: CodeCheck,
    seen: Seen,
    problems: ProblemLog,
    today: date,
    now: datetime,
) -> list[dict[str, Any]]:
    """The rows of a chunk ready to insert; the others' problems go to ``problems``.

    A national id or record number already recorded, or met on an earlier row of the file (kept
    across chunks in ``seen``), is a problem of the later row.
    """
    good: list[dict[str, Any]] = []
    for source_row in chunk:
        row, errors = check_values(source_row.values, agencies, today, codes)
        number = str(source_row.values.get("national_id") or "").strip()
        if number and number in seen.first_row:
            errors.append(f"national_id appears earlier in the file (row {seen.first_row[number]})")
        elif number:
            seen.first_row[number] = source_row.number
            if number in seen.recorded:
                errors.append("a person with this national_id is already recorded")
        record_number = str(source_row.values.get("record_number") or "").strip()
        if record_number and record_number in seen.first_number_row:
            errors.append(f"record_number appears earlier in the file (row {seen.first_number_row[record_number]})")
        elif record_number:
            seen.first_number_row[record_number] = source_row.number
            if record_number in seen.recorded_numbers:
                errors.append("a person with this record_number is already recorded")
        if errors:
            problems.add(source_row.number, errors)
        elif row is not None:
            good.append(row | {"id": uuid.uuid4(), "created_at": now, "updated_at": now, "version": 1})
    return good


# --- parsing for COPY (PostgreSQL) -------------------------------------------------------


def csv_header(line: bytes) -> list[str]:
    try:
        return next(csv.reader([line.decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration, csv.Error) as exc:
        raise UnreadableFile("The CSV header cannot be read; save the file as 'CSV UTF-8'") from exc


def copy_targets(header: list[str]) -> list[str]:
    accepted = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}
    names: list[str] = []
    for i, cell in enumerate(header):
        name = accepted.get(header_key(cell))
        names.append(name if name is not None and name not in names else f"ignored_{i}")
    if not set(names) & set(FIELDS):
        raise UnreadableFile(f"No known column in the header row; expected some of: {', '.join(FIELDS)}")
    return names


async def file_chunks(stream: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await anyio.to_thread.run_sync(stream.read, COPY_CHUNK):
        yield chunk


def staged_record(row: SourceRow) -> tuple[Any, ...]:
    values = row.values
    return (row.number - 1, *[None if (v := values.get(f)) is None else v if isinstance(v, str) else str(v) for f in FIELDS])
