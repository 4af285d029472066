"""Who may read the code lists and the mapping issues.

Code lists are reference data, like org-structure's units: every signed-in role but ``viewer``
(reports only) and ``staff`` (their own dossier only) reads them all, whatever its area. Nobody
changes them through the API: the files in ``data/`` are the source, applied by the migration
and by ``import-code-lists``.
The values a migration could not map are for admins (all) and province officers (their
province's records) to settle.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, false, true

from haicap_shared.areas import acts_everywhere
from haicap_shared.auth import Principal, require
from haicap_shared.roles import OFFICIAL_ROLES, Role

from .models import code_mapping_issue_table

CodeListsRead = Annotated[Principal, Depends(require(*(OFFICIAL_ROLES - {Role.VIEWER})))]
MappingIssuesRead = Annotated[Principal, Depends(require(Role.ADMIN, Role.PROVINCE_OFFICER))]


def issues_visible(principal: Principal) -> ColumnElement[bool]:
    """The mapping issues the caller sees: all for an admin, their province's for a province officer."""
    if acts_everywhere(principal):
        return true()
    if principal.role is Role.PROVINCE_OFFICER and principal.area.province:
        return code_mapping_issue_table.c.province_code == principal.area.province
    return false()
