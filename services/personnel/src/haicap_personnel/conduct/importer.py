"""Evaluations' import files: their columns, the parsing of a row and the rules every row must pass.

A file is CSV (UTF-8) or XLSX, one evaluation a row, with Vietnamese or English headers
(:data:`COLUMNS`): the person's national id, the year, the grade (the API's value or its
Vietnamese name: "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm
vụ", "Không hoàn thành nhiệm vụ"), the evaluator, the day (YYYY-MM-DD or DD/MM/YYYY) and a note.
The person must be recorded and in the caller's area; one evaluation per person and year, in
the file and in the records. The rules are those of ``POST /evaluations``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from haicap_shared.auth import Principal
from haicap_shared.imports import ProblemLog
from haicap_shared.tabular import SourceRow, parse_date
from haicap_shared.text import search_key
from haicap_shared.values import FIRST_EVALUATED_YEAR

from ..people.access import person_in_area
from .models import Grade

MAX_PROBLEMS = 1000
"""The bad rows a report lists; ``rejected`` counts them all."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": ("Số định danh", "Số định danh cá nhân", "Số CCCD", "CCCD"),
    "year": ("Năm", "Năm đánh giá"),
    "grade": ("Xếp loại", "Mức xếp loại", "Kết quả xếp loại"),
    "evaluator": ("Người đánh giá", "Cấp có thẩm quyền đánh giá", "Cấp đánh giá"),
    "evaluation_date": ("Ngày đánh giá", "Ngày"),
    "note": ("Ghi chú",),
}
REQUIRED = ("national_id", "year", "grade", "evaluator", "evaluation_date")


def grade_key(text: str) -> str:
    return search_key(text).replace("_", " ")


GRADE_LABELS: dict[str, Grade] = {
    **{grade_key(g.value): g for g in Grade},
    "hoan thanh xuat sac nhiem vu": Grade.EXCELLENT,
    "hoan thanh xuat sac": Grade.EXCELLENT,
    "hoan thanh tot nhiem vu": Grade.GOOD,
    "hoan thanh tot": Grade.GOOD,
    "hoan thanh nhiem vu": Grade.COMPLETED,
    "hoan thanh": Grade.COMPLETED,
    "khong hoan thanh nhiem vu": Grade.NOT_COMPLETED,
    "khong hoan thanh": Grade.NOT_COMPLETED,
}


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value).strip()


def national_id_of(values: Mapping[str, Any]) -> str:
    return _text(values, "national_id")


def year_of(values: Mapping[str, Any]) -> int | None:
    text = _text(values, "year")
    # NOTE: an XLSX cell may hold 2025 as the number 2025.0.
    text = text.removesuffix(".0")
    return int(text) if text.isdigit() and len(text) == 4 else None


def check_values(values: Mapping[str, Any], today: date) -> tuple[dict[str, Any] | None, list[str]]:
    """One row's fields as the evaluation's columns (without the person), and its problems."""
    errors = [f"{name} is required" for name in REQUIRED if not _text(values, name)]
    if errors:
        return None, errors
    year = year_of(values)
    if year is None or year < FIRST_EVALUATED_YEAR:
        errors.append("year must be a year like 2025")
        year = None
    elif year > today.year:
        errors.append(f"year {year} is in the future")
        year = None
    grade = GRADE_LABELS.get(grade_key(_text(values, "grade")))
    if grade is None:
        errors.append("grade must be one of " + ", ".join(g.value for g in Grade) + " (or its Vietnamese name)")
    evaluator = _text(values, "evaluator")
    if len(evaluator) > 300:
        errors.append("evaluator is longer than 300 characters")
    note = _text(values, "note") or None
    if note is not None and len(note) > 1000:
        errors.append("note is longer than 1000 characters")
    try:
        evaluation_date = parse_date(values.get("evaluation_date"))
    except ValueError:
        evaluation_date = None
    if evaluation_date is None:
        errors.append("evaluation_date must be a date (YYYY-MM-DD or DD/MM/YYYY)")
    elif evaluation_date > today:
        errors.append("evaluation_date is in the future")
    elif year is not None and evaluation_date < date(year, 1, 1):
        errors.append(f"evaluation_date is before {year} began")
    if errors:
        return None, errors
    return {"year": year, "grade": grade, "evaluator": evaluator, "evaluation_date": evaluation_date, "note": note}, []


def check_chunk(
    chunk: list[SourceRow],
    people: Mapping[str, Any],
    evaluated: set[tuple[uuid.UUID, int]],
    first_row: dict[tuple[str, int], int],
    problems: ProblemLog,
    principal: Principal,
    today: date,
    now: datetime,
) -> list[dict[str, Any]]:
    """The rows of a chunk ready to insert; the others' problems go to ``problems``.

    ``people``: the recorded people the chunk names, by national id (rows with their id and
    agency columns); ``evaluated``: the (person, year) already recorded; ``first_row``: the
    (national id, year) met on earlier rows of the file, kept across chunks.
    """
    good: list[dict[str, Any]] = []
    for source_row in chunk:
        row, errors = check_values(source_row.values, today)
        number = national_id_of(source_row.values)
        person = people.get(number)
        if number and person is None:
            errors.append("no person has this national_id")
        elif person is not None and not person_in_area(principal, person):
            errors.append("this person's record is outside your area")
        if row is not None and person is not None:
            key = (number, int(row["year"]))
            if key in first_row:
                errors.append(f"this person's evaluation for {key[1]} appears earlier in the file (row {first_row[key]})")
            else:
                first_row[key] = source_row.number
                if (person.id, key[1]) in evaluated:
                    errors.append(f"this person already has an evaluation for {key[1]}")
        if errors:
            problems.add(source_row.number, errors)
        elif row is not None and person is not None:
            good.append(
                row
                | {
                    "id": uuid.uuid4(),
                    "person_id": person.id,
                    "agency_id": person.agency_id,
                    "province_code": person.province_code,
                    "commune_code": person.commune_code,
                    "agency_level": person.agency_level,
                    "unit_id": person.unit_id,
                    "agency_valid_to": person.agency_valid_to,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
    return good
