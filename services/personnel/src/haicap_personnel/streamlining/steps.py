"""The steps of a streamlining case: the status each starts from, the status it leads to, and who takes it.

| step | from | to | by |
| --- | --- | --- | --- |
| approve | proposed | approved | admin, province_officer |
| pay | approved | paid | admin, province_officer |
| withdraw | proposed | withdrawn | admin, province, commune or agency officer |
| withdraw | approved | withdrawn | admin, province_officer |

The area rules come on top (``access.py``): a step is taken on a case of the caller's area.
"""

from __future__ import annotations

from haicap_shared.roles import Role

from .models import CaseStatus
from .schemas import CaseAction

# NOTE: approving and paying are the province's (Sở Nội vụ proposes to UBND tỉnh, which
# approves; the treasury pays); withdrawing is open to whoever may write the case.
STEPS: dict[tuple[CaseAction, CaseStatus], tuple[CaseStatus, frozenset[Role]]] = {
    (CaseAction.APPROVE, CaseStatus.PROPOSED): (CaseStatus.APPROVED, frozenset({Role.ADMIN, Role.PROVINCE_OFFICER})),
    (CaseAction.PAY, CaseStatus.APPROVED): (CaseStatus.PAID, frozenset({Role.ADMIN, Role.PROVINCE_OFFICER})),
    (CaseAction.WITHDRAW, CaseStatus.PROPOSED): (
        CaseStatus.WITHDRAWN,
        frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER}),
    ),
    (CaseAction.WITHDRAW, CaseStatus.APPROVED): (CaseStatus.WITHDRAWN, frozenset({Role.ADMIN, Role.PROVINCE_OFFICER})),
}
