"""Personal data (the national id above all): masked by default, revealed on request, audited.

Every response masks personal fields. A caller whose role handles people's records (an
admin, the province's officers, a commune's or an agency's officers for their own area —
the area is checked by the service that owns the record) may ask for them unmasked with
``reveal=true``; each such read is written to the audit log as a ``reveal`` event naming
the fields. Auditors, viewers and service accounts never see them unmasked.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from .audit import AuditTrail
from .auth import Principal
from .errors import AppError
from .roles import Role

MAY_REVEAL = frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER})


class RevealNotAllowed(AppError):
    status, code, title = 403, "reveal_not_allowed", "Your role may not see personal data unmasked"


def mask(value: str | None, *, keep_last: int = 3) -> str | None:
    """``001085012345`` -> ``*********345``: enough to tell records apart, not to use the number."""
    if value is None:
        return None
    shown = value[-keep_last:] if keep_last and len(value) > keep_last else ""
    return "*" * (len(value) - len(shown)) + shown


async def reveal(
    session: AsyncSession, audit: AuditTrail, principal: Principal, *, entity_type: str, entity_id: object, fields: list[str]
) -> None:
    """Allow an unmasked read (or refuse it) and record it in the audit log."""
    if principal.role not in MAY_REVEAL:
        raise RevealNotAllowed(f"The role {principal.role.value} sees personal data masked")
    await audit.record(
        session, principal, entity_type=entity_type, entity_id=entity_id, action="reveal", after={"fields": fields}
    )
