"""The agencies' import form (CSV or XLSX, filled in by provinces): its columns, the kinds as
written in it, and the rules every row must pass.

The import itself (chunks, units looked up once per code, the batched writes, the report or
the refusal) is the service's (``service.import_agencies``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import AppError
from haicap_shared.tabular import SourceRow, parse_date
from haicap_shared.text import search_key
from haicap_shared.validity import Interval

from ..units.models import AdministrativeUnit
from . import service
from .access import in_area
from .models import KIND_LABELS, AgencyKind

COLUMNS = {
    "name": ("Tên cơ quan", "Tên cơ quan, tổ chức", "Tên"),
    "kind": ("Loại", "Loại cơ quan"),
    "unit_code": ("Mã đơn vị hành chính", "Mã ĐVHC", "Mã đơn vị"),
    "valid_from": ("Từ ngày", "Ngày thành lập"),
    "valid_to": ("Đến ngày",),
    "electronic_id_code": ("Mã định danh điện tử", "Mã định danh"),
}

TakenCodes = dict[str, list[tuple[Interval, str]]]
"""The agencies holding each electronic identifier code (their interval and name), from the database and the file so far."""
_KINDS = {search_key(k.value): k for k in AgencyKind} | {search_key(label): kind for kind, label in KIND_LABELS.items()}


def parse_kind(value: Any) -> AgencyKind:
    kind = _KINDS.get(search_key(str(value or "")))
    if kind is None:
        raise ValueError(f"kind {value!r} is not one of: {', '.join(k.value for k in AgencyKind)} (or their Vietnamese names)")
    return kind


def _unit_on(candidates: list[AdministrativeUnit], on: date) -> AdministrativeUnit | None:
    return next((unit for unit in candidates if Interval.of(unit).contains(on)), None)


def check_row(
    row: SourceRow,
    units: dict[str, list[AdministrativeUnit]],
    principal: Principal,
    seen: set[tuple[str, uuid.UUID]],
    today: date,
    now: Any,
    accepted: list[dict[str, Any]],
    taken: TakenCodes | None = None,
) -> list[str]:
    """What is wrong with one row; a good row is appended to ``accepted``."""
    errors: list[str] = []
    values = row.values
    name = str(values.get("name") or "").strip()
    if len(name) < 2:
        errors.append("name is missing")
    try:
        kind: AgencyKind | None = parse_kind(values.get("kind"))
    except ValueError as exc:
        errors.append(str(exc))
        kind = None
    try:
        valid_from, valid_to = parse_date(values.get("valid_from")), parse_date(values.get("valid_to"))
    except ValueError as exc:
        errors.append(str(exc))
        valid_from = valid_to = None
    try:
        eid_code = service.parse_electronic_id_code(str(values.get("electronic_id_code") or ""))
    except AppError as exc:
        errors.append(str(exc))
        eid_code = None
    code = str(values.get("unit_code") or "")
    # NOTE: a code names different units over time; the row's own dates say which.
    on = valid_from or valid_to or today
    unit = _unit_on(units.get(code, []), on)
    if unit is None:
        errors.append(f"no administrative unit has code {code!r} on {on.isoformat()}")
    if unit is not None and kind is not None:
        valid_from = valid_from or unit.valid_from
        valid_to = valid_to if valid_to is not None else unit.valid_to
        try:
            service.check_kind(kind, unit)
            service.check_validity(unit, valid_from, valid_to)
        except AppError as exc:
            errors.append(str(exc))
        commune_code = unit.code if unit.level is UnitLevel.COMMUNE else None
        placement = service.Placement(uuid.uuid4(), name, unit.province_code, commune_code, None)
        if not in_area(principal, placement):
            errors.append(f"{unit.name} is outside your area")
        if (search_key(name), unit.id) in seen:
            errors.append("the same agency appears twice in the file")
        seen.add((search_key(name), unit.id))
        interval = Interval(valid_from, valid_to)
        if eid_code is not None and taken is not None:
            holder = next((other for span, other in taken.get(eid_code, []) if span.overlaps(interval)), None)
            if holder is not None:
                errors.append(f"{holder} holds the electronic identifier code {eid_code} on some of these dates")
        if not errors:
            if eid_code is not None and taken is not None:
                taken.setdefault(eid_code, []).append((interval, name))
            accepted.append(
                {
                    "id": placement.id,
                    "name": name,
                    "kind": kind,
                    "unit_id": unit.id,
                    "level": unit.level,
                    "province_code": unit.province_code,
                    "commune_code": commune_code,
                    "parent_id": None,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "search_key": search_key(name),
                    "electronic_id_code": eid_code,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
    return errors
