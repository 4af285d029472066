"""Where a caller may act, applied to records: as a SQL condition for lists, as a test for one record.

Every service keeps, on its own rows, the area facts of the record (province and commune
codes, the agency it belongs to); these two functions turn a principal's area into a filter
on those columns, so the rule is written once:

- admin, auditor, service: everywhere;
- province officer: rows of their province;
- commune officer: rows of their commune;
- agency officer: rows of their agency (what "their agency" matches is the caller's choice);
- anyone else: nothing.

Most records carry the three facts in columns of the same names (``province_code``,
``commune_code``, ``agency_id``): :func:`records_in_area`, :func:`record_in_area` and
:func:`check_record_area` apply the rule to those without restating it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, false, or_, true
from sqlalchemy.sql.expression import True_

from .auth import OutsideArea, Principal
from .roles import Role


def acts_everywhere(principal: Principal) -> bool:
    return principal.everywhere or principal.role is Role.ADMIN


def area_agency_id(principal: Principal) -> uuid.UUID | None:
    """The agency an agency officer is bound to (None if absent or not an id)."""
    try:
        return uuid.UUID(principal.area.agency) if principal.area.agency else None
    except ValueError:
        return None


def area_condition(
    principal: Principal,
    *,
    province: Sequence[ColumnElement[Any]],
    commune: Sequence[ColumnElement[Any]],
    agency: Callable[[uuid.UUID], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """The rows in the caller's area: any of ``province`` / ``commune`` columns matching, or ``agency``."""
    if acts_everywhere(principal):
        return true()
    area = principal.area
    if principal.role is Role.PROVINCE_OFFICER and area.province:
        return or_(*(column == area.province for column in province))
    if principal.role is Role.COMMUNE_OFFICER and area.commune:
        return or_(*(column == area.commune for column in commune))
    agency_id = area_agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return agency(agency_id)
    return false()


def restricts(condition: ColumnElement[bool]) -> bool:
    """Whether an area condition (:func:`area_condition`) leaves any row out: not for a caller who acts everywhere.

    A query may then leave out a join it made only to read the columns of the caller's area.
    """
    return not isinstance(condition, True_)


def in_area(
    principal: Principal,
    *,
    provinces: Iterable[str | None],
    communes: Iterable[str | None],
    agency: Callable[[uuid.UUID], bool],
) -> bool:
    """Whether one record, described by its provinces, communes and agency test, is in the caller's area."""
    if acts_everywhere(principal):
        return True
    area = principal.area
    if principal.role is Role.PROVINCE_OFFICER:
        return area.province is not None and area.province in set(provinces)
    if principal.role is Role.COMMUNE_OFFICER:
        return area.commune is not None and area.commune in set(communes)
    agency_id = area_agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency_id is not None:
        return agency(agency_id)
    return False


def ensure_in_area(principal: Principal, inside: bool, what: str) -> None:
    """403 ``outside_area`` naming ``what`` unless it is inside the caller's area.

    ``what`` goes to a caller who may not see the record: say what kind of record it is ("This
    person's record", "This asset") or name public things only (a unit, an agency), never a
    person's name or national id, nor an asset's code.
    """
    if not inside:
        raise OutsideArea(f"{what} is outside your area ({principal.area.as_claim() or 'none'})")


def records_in_area(principal: Principal, table: FromClause) -> ColumnElement[bool]:
    """The rows of ``table`` (with ``province_code``, ``commune_code``, ``agency_id``) in the caller's area."""
    c = table.c
    return area_condition(principal, province=[c.province_code], commune=[c.commune_code], agency=lambda a: c.agency_id == a)


def record_in_area(principal: Principal, record: Any) -> bool:
    """Whether one record (anything with ``province_code``, ``commune_code``, ``agency_id``) is in the caller's area."""
    return in_area(
        principal,
        provinces=[record.province_code],
        communes=[record.commune_code],
        agency=lambda a: bool(record.agency_id == a),
    )


def check_record_area(principal: Principal, record: Any, what: str) -> None:
    """403 ``outside_area`` (see :func:`ensure_in_area` for ``what``) unless the record is in the caller's area."""
    ensure_in_area(principal, record_in_area(principal, record), what)
