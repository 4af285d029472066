"""Who may allocate assets and hand them over, and which allocations a caller sees.

Any writer of assets allocates one (its current holder and the new holder in the caller's area,
by the register's rules); a hand-over moves every asset of former units at once, so only
province officers and admins order one. An allocation is seen when its holder is in the
caller's area.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from haicap_shared.auth import Principal, ProvinceWrite, RecordsWrite

from ..register import access as register_access
from .models import allocation_table

__all__ = ["ProvinceWrite", "RecordsWrite", "visible"]


def visible(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition of the allocations whose holder is in the caller's area."""
    return register_access.visible(principal, allocation_table)
