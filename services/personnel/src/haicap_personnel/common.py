"""Route parameters and problems every domain of personnel shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from haicap_shared import codes
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.errors import problem_responses

ProvinceCodeQuery = Annotated[codes.ProvinceCode | None, Query(description="Province code, e.g. `04`")]
CommuneCodeQuery = Annotated[codes.CommuneCode | None, Query(description="Commune code, e.g. `01273`")]

# NOTE: every route may answer 401 (no or bad token) and 403 (role, or record outside the area).
COMMON_PROBLEMS = problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea)
