"""Who may read and change units.

Units are reference data: every signed-in role but ``viewer`` (reports only) reads them all,
whatever its area. Admins change any unit; a province officer only those of their province
(checked in the service, against the unit's province).
"""

from typing import Annotated

from fastapi import Depends

from haicap_shared.auth import Principal, require
from haicap_shared.roles import EVERY_ROLE, Role

UnitsRead = Annotated[Principal, Depends(require(*(EVERY_ROLE - {Role.VIEWER})))]
UnitsWrite = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER, writes=True))]
