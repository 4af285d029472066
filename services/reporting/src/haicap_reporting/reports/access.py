"""Who may read which report.

Province-wide reports (the summary, the transition gaps) need a province-wide role: admin,
auditor, service accounts and national viewers for any province; a province officer, or a
viewer bound to a province, for theirs. A commune profile is also open to the commune's own
officers and to a viewer bound to that commune (who reads no province-wide report).
Commune and agency officers are refused province-wide reports (403 ``role_not_allowed``).
The national roll-up is for a national area only: admin, auditor, service accounts and
national viewers; a province officer or a viewer bound to a province gets 403 ``outside_area``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from haicap_shared.auth import OutsideArea, Principal, require
from haicap_shared.roles import Role

PROVINCE_WIDE = (Role.ADMIN, Role.PROVINCE_OFFICER, Role.AUDITOR, Role.VIEWER, Role.SERVICE)

ProvinceReports = Annotated[Principal, Depends(require(*PROVINCE_WIDE))]
CommuneReports = Annotated[Principal, Depends(require(*PROVINCE_WIDE, Role.COMMUNE_OFFICER))]


def check_report_area(principal: Principal, province: str, commune: str | None = None) -> None:
    """403 ``outside_area`` for a report of a place outside the caller's area."""
    if principal.everywhere or principal.role is Role.ADMIN:
        return
    if principal.role is Role.COMMUNE_OFFICER:
        if commune is None or principal.area.commune != commune:
            raise OutsideArea(f"Your area is commune {principal.area.commune}")
        return
    if principal.role is Role.VIEWER:
        area = principal.area
        if area.province is None and area.commune is None and area.agency is None:
            return  # NOTE: a national viewer (an admin gave it no area, explicitly) reads every province
        if area.commune is not None and (commune is None or area.commune != commune):
            # NOTE: a viewer of one commune reads that commune's profile, no province-wide report.
            raise OutsideArea(f"Your area is commune {area.commune}")
    if principal.area.province != province:
        raise OutsideArea(f"Your area is province {principal.area.province}")


def check_national_area(principal: Principal) -> None:
    """403 ``outside_area`` for a national report asked by a caller bound to a province or commune."""
    if principal.everywhere or principal.role is Role.ADMIN:
        return
    area = principal.area
    if principal.role is Role.VIEWER and area.province is None and area.commune is None and area.agency is None:
        return  # NOTE: a national viewer (an admin gave it no area, explicitly)
    raise OutsideArea(f"The national reports need a national area; yours is {area.as_claim() or 'none'}")
