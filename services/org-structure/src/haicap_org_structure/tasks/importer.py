"""The form provinces fill in for their task catalogue (CSV or XLSX): its columns, and the rules
of one row (required fields and lengths, dates, the yes/no of ``shared``, a code once per
province, an owner found by id or name, in the caller's area and in force on the date).

The import itself (chunks, writing, refusal, audit) is ``service.import_tasks``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from haicap_shared.auth import Principal
from haicap_shared.models import utcnow
from haicap_shared.row_problems import cell_text
from haicap_shared.tabular import SourceRow, parse_date
from haicap_shared.text import search_key

from . import repository
from .access import in_area
from .repository import AgencyInfo

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("Mã nhiệm vụ", "Mã", "task_code"),
    "title": ("Tên nhiệm vụ", "Nhiệm vụ"),
    "sector": ("Lĩnh vực",),
    "legal_basis": ("Căn cứ pháp lý", "Căn cứ"),
    "legal_article": ("Điều khoản", "Điều, khoản"),
    "owner_agency_id": ("Cơ quan chủ trì", "owner_agency", "Cơ quan"),
    "valid_from": ("Từ ngày", "Ngày hiệu lực"),
    "shared": ("Dùng chung",),
    "note": ("Ghi chú",),
}
_TRUE = {"1", "true", "yes", "x", "co", "dung chung"}
_FALSE = {"0", "false", "no", "khong", ""}
_LIMITS = {"code": 50, "title": 1000, "sector": 200, "legal_basis": 500, "legal_article": 200, "note": 4000}


class Owners:
    """The province's agencies, found by id or by exact (or diacritics-insensitive) name."""

    def __init__(self, agencies: list[AgencyInfo]) -> None:
        self.by_id = {agency.id: agency for agency in agencies}
        self.by_name: dict[str, list[AgencyInfo]] = {}
        self.by_key: dict[str, list[AgencyInfo]] = {}
        for agency in agencies:
            self.by_name.setdefault(agency.name, []).append(agency)
            self.by_key.setdefault(search_key(agency.name), []).append(agency)

    def find(self, value: Any, day: date | None) -> AgencyInfo | str:
        """The agency, or why none could be chosen."""
        text = str(value).strip()
        try:
            agency_id = uuid.UUID(text)
        except ValueError:
            pass
        else:
            return self.by_id.get(agency_id) or f"no agency {text} in this province"
        candidates = self.by_name.get(text) or self.by_key.get(search_key(text)) or []
        if len(candidates) > 1 and day is not None:
            # NOTE: a name reused over time (a former and a new office) is resolved by the date.
            candidates = [c for c in candidates if c.why_not_in_force(day) is None] or candidates
        if not candidates:
            return f"no agency named {text!r} in this province"
        if len(candidates) > 1:
            return f"{len(candidates)} agencies are named {text!r}; give the agency's id"
        return candidates[0]


def _shared(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    key = search_key(str(value or ""))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"shared: {value!r} is not yes/no (Có/Không, 1/0, x)")


def check_row(
    source: SourceRow,
    owners: Owners,
    taken: set[str],
    principal: Principal,
    province: str,
    tasks: list[dict[str, Any]],
    ownerships: list[dict[str, Any]],
) -> list[str]:
    """The problems of one row; a good row's task and first ownership are appended to ``tasks`` and ``ownerships``."""
    values = source.values
    errors: list[str] = []
    code = cell_text(values, "code", errors, limits=_LIMITS, required=True)
    title = cell_text(values, "title", errors, limits=_LIMITS, required=True)
    sector = cell_text(values, "sector", errors, limits=_LIMITS, required=True)
    legal_basis = cell_text(values, "legal_basis", errors, limits=_LIMITS, required=False)
    legal_article = cell_text(values, "legal_article", errors, limits=_LIMITS, required=False)
    note = cell_text(values, "note", errors, limits=_LIMITS, required=False)
    valid_from: date | None = None
    try:
        valid_from = parse_date(values.get("valid_from"))
        if valid_from is None:
            errors.append("valid_from is missing")
    except ValueError as exc:
        errors.append(f"valid_from: {exc}")
    shared = False
    try:
        shared = _shared(values.get("shared"))
    except ValueError as exc:
        errors.append(str(exc))
    if code is not None:
        if code in taken:
            errors.append(f"task_code_taken: province {province} already has a task {code}")
        taken.add(code)
    owner: AgencyInfo | None = None
    if values.get("owner_agency_id") is None:
        errors.append("owner_agency_id is missing")
    else:
        found = owners.find(values["owner_agency_id"], valid_from)
        if isinstance(found, str):
            errors.append(f"owner_not_found: {found}")
        else:
            owner = found
            if not in_area(principal, owner):
                errors.append(f"outside_area: {owner.name} is outside your area")
            if valid_from is not None and (why := owner.why_not_in_force(valid_from)) is not None:
                errors.append(f"owner_not_in_force: {why}")
    if errors:
        return errors
    assert code is not None
    assert title is not None
    assert sector is not None
    assert owner is not None
    assert valid_from is not None
    now, task_id = utcnow(), uuid.uuid4()
    tasks.append(
        {
            "id": task_id,
            "code": code,
            "title": title,
            "sector": sector,
            "legal_basis": legal_basis,
            "legal_article": legal_article,
            "province_code": province,
            "shared": shared,
            "search_key": repository.task_search_key(sector, title),
            "note": note,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
    )
    ownerships.append(
        {
            "id": uuid.uuid4(),
            "task_id": task_id,
            "agency_id": owner.id,
            "level": owner.level,
            "is_lead": True,
            "valid_from": valid_from,
            "valid_to": None,
            "transfer_id": None,
        }
    )
    return []
