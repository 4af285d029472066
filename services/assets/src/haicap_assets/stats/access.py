"""Who may read the statistics, and what they count.

Every reader of assets reads them; each figure counts only the rows in the caller's area (the
allocations' and the assets' conditions of their domains). The communes listed against the car
norm are those of the caller's area: a commune officer sees only their commune.
"""

from __future__ import annotations

from collections.abc import Mapping

from haicap_shared.auth import Principal, RecordsRead
from haicap_shared.roles import Role

__all__ = ["RecordsRead", "communes_in_view"]


def communes_in_view(principal: Principal, communes: Mapping[str, str]) -> dict[str, str]:
    """The communes (code: name) the caller's figures list."""
    if principal.role is Role.COMMUNE_OFFICER:
        return {code: name for code, name in communes.items() if code == principal.area.commune}
    return dict(communes)
