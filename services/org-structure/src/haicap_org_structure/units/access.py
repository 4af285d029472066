"""Who may read and change units.

Units are reference data: every signed-in role but ``viewer`` (reports only) and ``staff``
(their own dossier only) reads them all, whatever its area, so their lists have no area
condition. Admins change any unit; a province officer only those of their province
(:func:`check_unit_province`, called by the service on the unit's province, or the parent's
for a new unit).
"""

from typing import Annotated

from fastapi import Depends

from haicap_shared.auth import Principal, ProvinceWrite, check_province, require
from haicap_shared.roles import OFFICIAL_ROLES, Role

UnitsRead = Annotated[Principal, Depends(require(*(OFFICIAL_ROLES - {Role.VIEWER})))]
UnitsWrite = ProvinceWrite


def check_unit_province(principal: Principal, province_code: str) -> None:
    """403 ``outside_area`` unless the caller may change the units of ``province_code``."""
    check_province(principal, province_code)
