"""Who may read which report.

Province-wide reports (the summary, the transition gaps) need a province-wide role: admin,
auditor and service accounts for any province; a province officer, or a viewer bound to a
province, for theirs. A commune profile is also open to the commune's own officers.
Commune and agency officers are refused province-wide reports (403 ``role_not_allowed``).
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
    if principal.role is Role.VIEWER and principal.area.province is None:
        return  # NOTE: a viewer bound to no province reads every province's reports
    if principal.area.province != province:
        raise OutsideArea(f"Your area is province {principal.area.province}")
