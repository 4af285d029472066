"""Who may read and change plans, and report progress on their items.

| role | reads | writes plans and items | reports progress |
| --- | --- | --- | --- |
| admin | all | all | all |
| province_officer | plans of their province | the same | the same |
| commune_officer | plans of their province; items of their commune | nothing | items of their commune |
| agency_officer | items of their agency and of the agencies under it (escalation), their plans | nothing | the same items |
| auditor, service | all | nothing | nothing |

An item's "superior agency" is its assignee's parent, or the plan's owner agency when the
assignee has none: an overdue item is visible to it (escalation).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.sql.elements import KeyedColumnElement

from haicap_shared.areas import acts_everywhere, area_agency_id
from haicap_shared.auth import OutsideArea, Principal, ProvinceWrite, check_province
from haicap_shared.roles import Role

from ..agencies.access import OrgRead, OrgWrite
from . import repository
from .models import item_table, plan_table

PlansRead = OrgRead
PlansWrite = ProvinceWrite
"""Plans and their items are the province's: its officers (and admins) write them."""
ProgressWrite = OrgWrite
"""Progress is reported by the assignee, in the caller's area (checked per item)."""

__all__ = [
    "PlansRead",
    "PlansWrite",
    "ProgressWrite",
    "check_plan_write",
    "check_progress",
    "items_visible",
    "plans_visible",
]


def _officer_province(principal: Principal) -> str | None:
    return principal.area.province if principal.role is Role.PROVINCE_OFFICER else None


def items_visible(principal: Principal, superior: KeyedColumnElement[Any] | ColumnElement[Any]) -> ColumnElement[bool]:
    """Condition on ``plan_item`` joined to its plan: the items the caller sees (``superior``: the item's superior agency)."""
    if acts_everywhere(principal):
        return true()
    area = principal.area
    if principal.role is Role.PROVINCE_OFFICER:
        return item_table.c.province_code == area.province if area.province else false()
    if principal.role is Role.COMMUNE_OFFICER:
        return item_table.c.commune_code == area.commune if area.commune else false()
    agency = area_agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency is not None:
        return or_(item_table.c.assignee_agency_id == agency, superior == agency)
    return false()


def plans_visible(principal: Principal, superior_of_item: ColumnElement[Any]) -> ColumnElement[bool]:
    """Condition on ``plan``: plans of the caller's province, or with an item the caller sees."""
    if acts_everywhere(principal):
        return true()
    area = principal.area
    mine = plan_table.c.province_code == area.province if area.province else false()
    if principal.role is Role.PROVINCE_OFFICER:
        return mine
    agency = area_agency_id(principal)
    owner = plan_table.c.owner_agency_id == agency if agency is not None else false()
    has_item = repository.plan_has_item(items_visible(principal, superior_of_item))
    if principal.role is Role.COMMUNE_OFFICER:
        return or_(mine, has_item)
    return or_(owner, has_item)


def sees_all_items(principal: Principal, province_code: str) -> bool:
    """Province roles (and those who act everywhere) see every item of the plan."""
    if acts_everywhere(principal):
        return True
    return principal.role is Role.PROVINCE_OFFICER and principal.area.province == province_code


def check_plan_write(principal: Principal, province_code: str) -> None:
    """403 ``outside_area`` unless the caller may change the plans of ``province_code``."""
    check_province(principal, province_code)


def check_progress(principal: Principal, item: Any, assignee_and_above: list[uuid.UUID]) -> None:
    """403 ``outside_area`` unless the caller reports for this item.

    ``assignee_and_above``: the assignee agency and its ancestors (an agency officer of any of them reports).
    """
    if acts_everywhere(principal):
        return
    area = principal.area
    if principal.role is Role.PROVINCE_OFFICER and area.province == item.province_code:
        return
    if principal.role is Role.COMMUNE_OFFICER and area.commune is not None and area.commune == item.commune_code:
        return
    agency = area_agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency is not None and agency in assignee_and_above:
        return
    raise OutsideArea(f"Item {item.code} is assigned outside your area ({area.as_claim() or 'none'})")


def item_readable(principal: Principal, item: Any, superior_id: uuid.UUID | None) -> bool:
    """Whether one item (with its superior agency) is in the caller's view."""
    if acts_everywhere(principal):
        return True
    area = principal.area
    if principal.role is Role.PROVINCE_OFFICER:
        return bool(area.province == item.province_code)
    if principal.role is Role.COMMUNE_OFFICER:
        return area.commune is not None and area.commune == item.commune_code
    agency = area_agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency is not None:
        return agency in (item.assignee_agency_id, superior_id)
    return False


def check_item_read(principal: Principal, item: Any, superior_id: uuid.UUID | None) -> None:
    if not item_readable(principal, item, superior_id):
        raise OutsideArea(f"Item {item.code} is outside your area ({principal.area.as_claim() or 'none'})")


def check_plan_read(principal: Principal, plan: Any, visible_items: int) -> None:
    """403 unless the plan is of the caller's province, theirs, or has an item they see."""
    if acts_everywhere(principal) or visible_items > 0:
        return
    if principal.role in (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER) and principal.area.province == plan.province_code:
        return
    agency = area_agency_id(principal)
    if principal.role is Role.AGENCY_OFFICER and agency is not None and agency == plan.owner_agency_id:
        return
    raise OutsideArea(f"Plan {plan.code} is outside your area ({principal.area.as_claim() or 'none'})")


__all__ += ["check_item_read", "check_plan_read", "item_readable", "sees_all_items"]
