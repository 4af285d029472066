"""Career events' import files: their columns, the parsing of a row and the rules every row must pass.

A file is CSV (UTF-8) or XLSX with Vietnamese or English headers (:data:`COLUMNS`), one event a
row, the person named by their national id; the type as the API's value or in Vietnamese
(``Bổ nhiệm``, ``Điều động``...); dates YYYY-MM-DD or DD/MM/YYYY. :func:`parse_row` reads a row
on its own; :func:`check_row` adds the rules that need the person, the agencies and the codes
(looked up once per chunk by the service); the same rules as the API's (``schemas.type_problems``,
``service.date_problems``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import RowMapping

from haicap_shared.tabular import parse_date
from haicap_shared.text import search_key

from ..codelists.models import CodeListName
from .models import CareerEventType
from .rules import date_problems, grade_list_for
from .schemas import type_problems

MAX_PROBLEMS = 1000
"""The bad rows a report lists; ``rejected`` counts them all."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": ("Số định danh", "Số định danh cá nhân", "Số CCCD", "CCCD"),
    "type": ("Loại", "Loại sự kiện", "Sự kiện"),
    "effective_date": ("Ngày hiệu lực", "Từ ngày"),
    "end_date": ("Đến ngày", "Ngày kết thúc"),
    "decision_number": ("Số quyết định",),
    "decision_date": ("Ngày quyết định", "Ngày ký"),
    "decision_signer": ("Người ký",),
    "decision_issuer": ("Cơ quan ban hành", "Cơ quan quyết định"),
    "from_agency_id": ("Từ cơ quan", "Mã cơ quan đi"),
    "to_agency_id": ("Đến cơ quan", "Mã cơ quan đến"),
    "position_code": ("Mã chức vụ",),
    "grade_code": ("Mã ngạch", "Mã chức danh nghề nghiệp"),
    "salary_step": ("Bậc lương",),
    "salary_coefficient": ("Hệ số lương",),
    "note": ("Ghi chú",),
}
REQUIRED = ("national_id", "type", "effective_date", "decision_number", "decision_date", "decision_signer", "decision_issuer")
LENGTHS = {"decision_number": 100, "decision_signer": 200, "decision_issuer": 300, "note": 2000}
DATES = ("effective_date", "end_date", "decision_date")
AGENCIES = ("from_agency_id", "to_agency_id")
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,30}$")
_COEFFICIENT = re.compile(r"^\d{1,2}([.,]\d{1,2})?$")

TYPE_LABELS: dict[str, CareerEventType] = {
    "tuyen dung": CareerEventType.RECRUITMENT,
    "bau cu": CareerEventType.ELECTION,
    "bau": CareerEventType.ELECTION,
    "bo nhiem": CareerEventType.APPOINTMENT,
    "bo nhiem lai": CareerEventType.REAPPOINTMENT,
    "dieu dong": CareerEventType.TRANSFER,
    "luan chuyen": CareerEventType.ROTATION,
    "biet phai": CareerEventType.SECONDMENT,
    "chuyen ngach": CareerEventType.GRADE_CHANGE,
    "thay doi chuc danh nghe nghiep": CareerEventType.GRADE_CHANGE,
    "nang bac luong": CareerEventType.SALARY_STEP_CHANGE,
    "thoi viec": CareerEventType.RESIGNATION,
    "nghi huu": CareerEventType.RETIREMENT,
    "buoc thoi viec": CareerEventType.DISMISSAL,
    "bai nhiem": CareerEventType.DISMISSAL,
} | {search_key(t.value): t for t in CareerEventType}


@dataclass
class ParsedRow:
    """One row read on its own: its typed values, and what is wrong with it so far."""

    number: int
    national_id: str | None
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


@dataclass
class Lookups:
    """What a chunk's rows refer to, looked up once: people by national id, agencies, codes."""

    people: dict[str, RowMapping]
    agency_problems: dict[uuid.UUID, str]
    codes: dict[tuple[CodeListName, str, date], bool]


def parse_row(number: int, values: dict[str, Any]) -> ParsedRow:
    """A row's typed values and the problems visible without the database."""
    errors: list[str] = []
    raw = {k: (None if values.get(k) is None else str(values[k]).strip() or None) for k in COLUMNS}
    for name, value in raw.items():
        if value is not None and "\x00" in value:
            errors.append(f"{name} contains a NUL character")
            raw[name] = None
    for name in REQUIRED:
        if raw[name] is None:
            errors.append(f"{name} is missing")
    typed: dict[str, Any] = {}
    kind = TYPE_LABELS.get(search_key(raw["type"])) if raw["type"] else None
    if raw["type"] is not None and kind is None:
        known = ", ".join(t.value for t in CareerEventType)
        errors.append(f"type {raw['type']} is not one of: {known} (or their Vietnamese names)")
    typed["type"] = kind
    for name in DATES:
        value = values.get(name)
        try:
            typed[name] = value if isinstance(value, date) and not isinstance(value, datetime) else parse_date(raw[name])
        except ValueError:
            errors.append(f"{name} {raw[name]} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
            typed[name] = None
    for name, longest in LENGTHS.items():
        if (value := raw[name]) is not None and len(value) > longest:
            errors.append(f"{name} is longer than {longest} characters")
        typed[name] = raw[name]
    for name in AGENCIES:
        typed[name] = None
        if raw[name] is not None:
            try:
                typed[name] = uuid.UUID(raw[name])
            except ValueError:
                errors.append(f"{name} {raw[name]} is not an agency id")
    for name in ("position_code", "grade_code"):
        typed[name] = code = raw[name]
        if code is not None and not _CODE.match(code):
            errors.append(f"{name} {code} is not a code (letters, digits, '.', '-', '_', at most 30)")
    typed["salary_step"] = None
    if (step := raw["salary_step"]) is not None:
        if step.isdigit() and 1 <= int(step) <= 20:
            typed["salary_step"] = int(step)
        else:
            errors.append(f"salary_step {step} is not a step from 1 to 20")
    typed["salary_coefficient"] = None
    if (coefficient := raw["salary_coefficient"]) is not None:
        try:
            number_value = Decimal(coefficient.replace(",", "."))
        except InvalidOperation:
            number_value = Decimal(0)
        if not _COEFFICIENT.match(coefficient) or not Decimal(0) < number_value <= 20:
            errors.append(f"salary_coefficient {coefficient} is not a coefficient above 0 and at most 20")
        else:
            typed["salary_coefficient"] = number_value
    if kind is not None and not errors:
        errors += type_problems(typed)
    return ParsedRow(number, raw["national_id"], typed, errors)


def codes_wanted(row: ParsedRow, person: RowMapping | None) -> list[tuple[CodeListName, str, date]]:
    """The (list, code, day) checks this row needs."""
    on = row.values.get("effective_date")
    if on is None or row.errors:
        return []
    wanted: list[tuple[CodeListName, str, date]] = []
    if (position := row.values.get("position_code")) is not None:
        wanted.append((CodeListName.LEADERSHIP_POSITION, position, on))
    if (grade := row.values.get("grade_code")) is not None and person is not None:
        wanted.append((grade_list_for(person["category"]), grade, on))
    return wanted


def check_row(row: ParsedRow, lookups: Lookups, today: date, now: datetime) -> dict[str, Any] | None:
    """The row ready to insert (every column of ``career_event``), or None with its problems added to ``row.errors``."""
    person = lookups.people.get(row.national_id or "")
    if row.national_id is not None and person is None:
        row.errors.append(f"no person has national_id {row.national_id} in your area")
    for name in AGENCIES:
        if (agency_id := row.values.get(name)) is not None and agency_id in lookups.agency_problems:
            row.errors.append(lookups.agency_problems[agency_id])
    if person is not None and not row.errors:
        row.errors += date_problems(person["birth_date"], row.values["effective_date"], row.values["decision_date"], today)
        for list_name, code, on in codes_wanted(row, person):
            if not lookups.codes.get((list_name, code, on), False):
                row.errors.append(f"{code} is not in the code list {list_name.value} on {on}")
    if row.errors or person is None:
        return None
    values = row.values
    kind = values["type"]
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "person_id": person["id"],
        "type": kind,
        "effective_date": values["effective_date"],
        "end_date": values["end_date"],
        "from_agency_id": values["from_agency_id"],
        "to_agency_id": values["to_agency_id"],
        "position_code": values["position_code"],
        "grade_code": values["grade_code"],
        "salary_step": values["salary_step"],
        "salary_coefficient": values["salary_coefficient"],
        "note": values["note"],
        "document_sha256": None,
        "decision_number": values["decision_number"],
        "decision_date": values["decision_date"],
        "decision_signer": values["decision_signer"],
        "decision_issuer": values["decision_issuer"],
        "agency_id": person["agency_id"],
        "province_code": person["province_code"],
        "commune_code": person["commune_code"],
        "agency_level": person["agency_level"],
        "unit_id": person["unit_id"],
        "agency_valid_to": person["agency_valid_to"],
    }
