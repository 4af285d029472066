"""The catalogue's form (CSV or XLSX): its columns, and the rules of one row.

One row is one version of a procedure; several rows of one code are its versions (same name and
sector, no two sharing a day). A code already in the catalogue is refused: its history changes
by level changes. The import itself (chunks, writing, refusal, audit) is ``service.import_procedures``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from haicap_shared.codes import UnitLevel
from haicap_shared.models import utcnow
from haicap_shared.procedures.schemas import PROCEDURE_CODE_PATTERN
from haicap_shared.row_problems import cell_text
from haicap_shared.tabular import SourceRow, parse_date
from haicap_shared.text import search_key
from haicap_shared.validity import Interval

from . import repository
from .models import MAX_PROCESSING_DAYS
from .schemas import MAX_LEVELS

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("Mã TTHC", "Mã thủ tục", "Mã"),
    "name": ("Tên thủ tục", "Tên TTHC", "Thủ tục"),
    "sector": ("Lĩnh vực",),
    "level": ("Cấp thực hiện", "Cấp"),
    "agency_in_charge": ("Cơ quan thực hiện", "Cơ quan chủ trì"),
    "processing_days": ("Thời hạn giải quyết", "Thời hạn giải quyết (ngày làm việc)", "Số ngày"),
    "valid_from": ("Từ ngày", "Ngày hiệu lực"),
    "valid_to": ("Đến ngày",),
    "basis": ("Căn cứ", "Căn cứ pháp lý"),
}
_LIMITS = {"code": 40, "name": 1000, "sector": 200, "agency_in_charge": 300, "basis": 500}
_CODE = re.compile(PROCEDURE_CODE_PATTERN)
_LEVELS = {
    **{level.value: level for level in UnitLevel},
    "tinh": UnitLevel.PROVINCE,
    "cap tinh": UnitLevel.PROVINCE,
    "huyen": UnitLevel.DISTRICT,
    "cap huyen": UnitLevel.DISTRICT,
    "xa": UnitLevel.COMMUNE,
    "cap xa": UnitLevel.COMMUNE,
}


@dataclass
class Draft:
    """A procedure of the file so far: its first row's name and sector, and the versions read."""

    id: uuid.UUID
    name: str
    sector: str
    intervals: list[Interval] = field(default_factory=list)


def _level(value: Any, errors: list[str]) -> UnitLevel | None:
    if value is None:
        errors.append("level is missing")
        return None
    level = _LEVELS.get(search_key(str(value)))
    if level is None:
        errors.append(f"level: {value!r} is not province, district or commune (tỉnh, huyện, xã)")
    return level


def _days(value: Any, errors: list[str]) -> int | None:
    if value is None:
        errors.append("processing_days is missing")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(f"processing_days: {value!r} is not a number of working days")
        return None
    if not number.is_integer() or not 0 <= number <= MAX_PROCESSING_DAYS:
        errors.append(f"processing_days: {value!r} is not a whole number from 0 to {MAX_PROCESSING_DAYS}")
        return None
    return int(number)


def _date(values: dict[str, Any], name: str, errors: list[str]) -> date | None:
    try:
        return parse_date(values.get(name))
    except ValueError as exc:
        errors.append(f"{name}: {exc}")
        return None


def check_row(
    source: SourceRow, taken: set[str], drafts: dict[str, Draft], procedures: list[dict[str, Any]], levels: list[dict[str, Any]]
) -> list[str]:
    """The problems of one row; a good row's version (and its procedure, on a code's first row) is appended."""
    values = source.values
    errors: list[str] = []
    code = cell_text(values, "code", errors, limits=_LIMITS, required=True)
    name = cell_text(values, "name", errors, limits=_LIMITS, required=True)
    sector = cell_text(values, "sector", errors, limits=_LIMITS, required=True)
    agency = cell_text(values, "agency_in_charge", errors, limits=_LIMITS, required=False)
    basis = cell_text(values, "basis", errors, limits=_LIMITS, required=False)
    level = _level(values.get("level"), errors)
    days = _days(values.get("processing_days"), errors)
    valid_from = _date(values, "valid_from", errors)
    valid_to = _date(values, "valid_to", errors)
    if values.get("valid_from") is None:
        errors.append("valid_from is missing")
    interval = Interval(valid_from, valid_to)
    if valid_from is not None and not interval.in_order:
        errors.append("valid_to is before valid_from")
    draft: Draft | None = None
    if code is not None:
        if not _CODE.match(code):
            errors.append(f"code: {code!r} is not a code of the national procedure database (1.005384)")
        elif code in taken:
            errors.append(f"procedure_code_taken: {code} is already in the catalogue; change its level instead")
        draft = drafts.get(code)
    if draft is not None:
        if (name, sector) != (draft.name, draft.sector):
            errors.append(f"{code}: name and sector differ from its first row's")
        if valid_from is not None and any(interval.overlaps(other) for other in draft.intervals):
            errors.append(f"procedure_levels_overlap: another row of {code} shares a day with this one")
        if len(draft.intervals) >= MAX_LEVELS:
            errors.append(f"{code} has more than {MAX_LEVELS} versions")
    if errors:
        return errors
    assert code is not None
    assert name is not None
    assert sector is not None
    assert level is not None
    assert days is not None
    assert valid_from is not None
    if draft is None:
        now = utcnow()
        draft = drafts[code] = Draft(uuid.uuid4(), name, sector)
        procedures.append(
            {
                "id": draft.id,
                "code": code,
                "name": name,
                "sector": sector,
                "search_key": repository.procedure_search_key(name),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    draft.intervals.append(interval)
    levels.append(
        {
            "id": uuid.uuid4(),
            "procedure_id": draft.id,
            "level": level,
            "agency_in_charge": agency,
            "processing_days": days,
            "basis": basis,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    )
    return []
