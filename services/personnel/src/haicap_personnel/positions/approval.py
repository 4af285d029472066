"""The approval of a job position: each step, the status it starts from, the status it leads to, and who takes it.

The area rules come on top (``access.py``): a step is taken on a position of the caller's area.

| step | from | to | by |
| --- | --- | --- | --- |
| submit | drafting, returned | submitted | the agency's writers (admin, province, commune or agency officer of its area) |
| appraise | submitted | appraised | province_officer of its province (Sở Nội vụ appraises) |
| approve | appraised | approved | admin (standing in for UBND tỉnh, which approves) |
| return | submitted | returned | province_officer of its province, with reasons |
| return | appraised | returned | admin, with reasons |

Drafting and editing is for the agency's writers while a position is drafting or returned.
"""

from __future__ import annotations

from haicap_shared.auth import RoleNotAllowed
from haicap_shared.roles import Role

from .models import PositionStatus
from .schemas import PositionAction

WORKFLOW: dict[tuple[PositionAction, PositionStatus], tuple[PositionStatus, frozenset[Role]]] = {
    (PositionAction.SUBMIT, PositionStatus.DRAFTING): (
        PositionStatus.SUBMITTED,
        frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER}),
    ),
    (PositionAction.SUBMIT, PositionStatus.RETURNED): (
        PositionStatus.SUBMITTED,
        frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER}),
    ),
    (PositionAction.APPRAISE, PositionStatus.SUBMITTED): (PositionStatus.APPRAISED, frozenset({Role.PROVINCE_OFFICER})),
    (PositionAction.RETURN, PositionStatus.SUBMITTED): (PositionStatus.RETURNED, frozenset({Role.PROVINCE_OFFICER})),
    (PositionAction.APPROVE, PositionStatus.APPRAISED): (PositionStatus.APPROVED, frozenset({Role.ADMIN})),
    (PositionAction.RETURN, PositionStatus.APPRAISED): (PositionStatus.RETURNED, frozenset({Role.ADMIN})),
}


def check_step_role(role: Role, action: PositionAction, allowed: frozenset[Role]) -> None:
    if role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise RoleNotAllowed(f"The role {role.value} may not {action.value} a position here; {names} may")
