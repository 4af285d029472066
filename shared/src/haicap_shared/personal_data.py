"""Personal data (the national id above all): masked by default, revealed on request, audited.

Every response masks personal fields. A caller whose role handles people's records (an
admin, the province's officers, a commune's or an agency's officers for their own area —
the area is checked by the service that owns the record) may ask for them unmasked with
``reveal=true``; each such read is written to the audit log as a ``reveal`` event naming
the fields. Auditors, viewers and service accounts never see them unmasked.

The audit log keeps what was written, so its snapshots hold personal fields in clear; the
service declares which fields of which entity types are personal when it builds its audit
trail (:class:`haicap_shared.audit.AuditTrail`), and the log masks them on every read. Reading
the log with ``reveal=true`` follows the same rule (:func:`check_may_reveal`, and the whole
log spans every area, so only a caller who acts everywhere) and writes a ``reveal`` event for
each record whose personal fields were shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Principal
from .errors import AppError
from .roles import Role

if TYPE_CHECKING:
    # NOTE: only for annotations; audit.py imports this module to mask its snapshots.
    from .audit import AuditTrail

MAY_REVEAL = frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.AGENCY_OFFICER})


class RevealNotAllowed(AppError):
    status, code, title = 403, "reveal_not_allowed", "Your role may not see personal data unmasked"


def mask(value: str | None, *, keep_last: int = 3) -> str | None:
    """``001085012345`` -> ``*********345``: enough to tell records apart, not to use the number."""
    if value is None:
        return None
    shown = value[-keep_last:] if keep_last and len(value) > keep_last else ""
    return "*" * (len(value) - len(shown)) + shown


def check_may_reveal(principal: Principal) -> None:
    """403 ``reveal_not_allowed`` unless the caller's role handles people's records (the area is the service's check)."""
    if principal.role not in MAY_REVEAL:
        raise RevealNotAllowed(f"The role {principal.role.value} sees personal data masked")


async def reveal(
    session: AsyncSession, audit: AuditTrail, principal: Principal, *, entity_type: str, entity_id: object, fields: list[str]
) -> None:
    """Allow an unmasked read (or refuse it) and record it in the audit log."""
    check_may_reveal(principal)
    await audit.record(
        session, principal, entity_type=entity_type, entity_id=entity_id, action="reveal", after={"fields": fields}
    )
