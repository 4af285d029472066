"""Route parameters, problems and the snapshots of bulk changes that every domain of personnel shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Query

from haicap_shared import codes
from haicap_shared.audit import jsonable
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.errors import problem_responses

ProvinceCodeQuery = Annotated[codes.ProvinceCode | None, Query(description="Province code, e.g. `04`")]
CommuneCodeQuery = Annotated[codes.CommuneCode | None, Query(description="Commune code, e.g. `01273`")]

# NOTE: every route may answer 401 (no or bad token) and 403 (role, or record outside the area).
COMMON_PROBLEMS = problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea)


def row_snapshot(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row read with Core (a record of a bulk change), as the audit log keeps a mapped object (``snapshot``)."""
    return {name: jsonable(value) for name, value in row.items()}


class AreaSpan:
    """The province and the commune every record of a bulk change lies in (None where they differ).

    A bulk change's summary event lies there, so that whoever reads its records' events reads it too.
    """

    def __init__(self) -> None:
        self.provinces: set[str | None] = set()
        self.communes: set[str | None] = set()

    def add(self, record: Mapping[Any, Any]) -> None:
        self.provinces.add(record.get("province_code"))
        self.communes.add(record.get("commune_code"))

    def fields(self) -> dict[str, str | None]:
        province = next(iter(self.provinces)) if len(self.provinces) == 1 else None
        commune = next(iter(self.communes)) if province is not None and len(self.communes) == 1 else None
        return {"province_code": province, "commune_code": commune}
