"""Who may read the statistics, and what they count.

Every reader of assets reads them; each figure counts only the rows in the caller's area (the
allocations' and the assets' conditions of their domains). The communes listed against the car
norm are those of the caller's area: a commune officer sees only their commune.

The figures by province give a caller bound to a province (an officer of a province, or of a
commune or agency in it) that one province's row only: an asset held in one province and
standing in another would otherwise bring the other province's row.
"""

from __future__ import annotations

from collections.abc import Mapping

from haicap_shared.areas import acts_everywhere
from haicap_shared.auth import Principal, RecordsRead
from haicap_shared.roles import Role

__all__ = ["RecordsRead", "communes_in_view", "province_in_view"]


def communes_in_view(principal: Principal, communes: Mapping[str, str]) -> dict[str, str]:
    """The communes (code: name) the caller's figures list."""
    if principal.role is Role.COMMUNE_OFFICER:
        return {code: name for code, name in communes.items() if code == principal.area.commune}
    return dict(communes)


def province_in_view(principal: Principal) -> str | None:
    """The one province whose row the figures by province give the caller (None: every province with figures)."""
    return None if acts_everywhere(principal) else principal.area.province
