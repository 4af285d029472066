"""The place a report is for must exist: a province or commune code org-structure does not know is a 404.

So a province code that does not exist is never answered with a report of zeros.
"""

from __future__ import annotations

import asyncio
from datetime import date

from haicap_shared.errors import AppError, NotFound
from haicap_shared.http import UpstreamError

from ..sources.org import OrgSource

UNIT_NOT_FOUND = "unit_not_found"


class ProvinceNotFound(NotFound):
    code, title = "province_not_found", "No such province"

    def __init__(self, province: str, as_of: date) -> None:
        super().__init__(f"No province has code {province} on {as_of.isoformat()}", province_code=province)


class CommuneNotFound(NotFound):
    code, title = "commune_not_found", "No such commune"

    def __init__(self, commune: str, as_of: date) -> None:
        super().__init__(f"No commune has code {commune} on {as_of.isoformat()}", commune_code=commune)


def is_unknown_unit(exc: UpstreamError) -> bool:
    """org-structure answered that no unit holds the code on the date."""
    return exc.status == 404 and exc.code == UNIT_NOT_FOUND


async def check_province(org: OrgSource, province: str, as_of: date, *, timeout_seconds: float) -> None:
    """404 ``province_not_found`` when org-structure holds no province with the code on the date.

    When org-structure cannot answer (down, too slow, or refusing), the check is passed over:
    its sections go missing and the report says so, as for any source that is down.
    """
    try:
        unit = await asyncio.wait_for(org.unit_by_code(province, as_of), timeout_seconds)
    except UpstreamError as exc:
        if is_unknown_unit(exc):
            raise ProvinceNotFound(province, as_of) from exc
        return
    except (AppError, TimeoutError):
        return
    if unit.level != "province":
        raise ProvinceNotFound(province, as_of)
