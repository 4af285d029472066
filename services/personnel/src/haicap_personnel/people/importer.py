"""People's import files: their columns, the parsing of a row and the rules every row must pass.

A file is CSV (UTF-8) or XLSX with Vietnamese or English headers (:data:`COLUMNS`); labels in
Vietnamese or as the API's values; dates YYYY-MM-DD or DD/MM/YYYY. :func:`check_values` holds
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
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import anyio

from haicap_shared.auth import Principal
from haicap_shared.imports import ProblemLog
from haicap_shared.tabular import SourceRow, UnreadableFile, header_key, parse_date
from haicap_shared.text import search_key

from ..agency_ref import AgencyFacts, agency_in_area
from ..org_client import OrgDirectory
from . import national_id
from .models import LABELS, Category, EducationLevel, PoliticalTheory, Sex, StateManagement

MAX_PROBLEMS = 1000
"""The bad rows a report lists; ``rejected`` counts them all."""
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


def enum_key_map(kind: type[enum.StrEnum]) -> dict[str, str]:
    accepted = {search_key(m.value): m.value for m in kind}
    accepted |= {search_key(k): v for k, v in LABELS.get(kind, {}).items()}
    return accepted


def enum_message(name: str, value: str, kind: type[enum.StrEnum]) -> str:
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
            facts = AgencyFacts.of(agency)
            if not agency_in_area(self.principal, facts):
                self.problem[raw] = f"agency {agency.name} is outside your area"
                return
            self.found[raw] = facts.columns()

        await asyncio.gather(*(one(raw) for raw in raw_values))


# --- the rules of a row ----------------------------------------------------------------


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


def check_chunk(
    chunk: list[SourceRow],
    agencies: AgencyCheck,
    recorded: set[str],
    first_row: dict[str, int],
    problems: ProblemLog,
    today: date,
    now: datetime,
) -> list[dict[str, Any]]:
    """The rows of a chunk ready to insert; the others' problems go to ``problems``.

    A national id already ``recorded``, or met on an earlier row of the file (``first_row``, kept
    across chunks), is a problem of the later row.
    """
    good: list[dict[str, Any]] = []
    for source_row in chunk:
        row, errors = check_values(source_row.values, agencies, today)
        number = str(source_row.values.get("national_id") or "").strip()
        if number and number in first_row:
            errors.append(f"national_id appears earlier in the file (row {first_row[number]})")
        elif number:
            first_row[number] = source_row.number
            if number in recorded:
                errors.append("a person with this national_id is already recorded")
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
