"""Route helpers every domain of personnel shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from haicap_shared import codes
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.errors import problem_responses
from haicap_shared.versioning import etag

ProvinceCodeQuery = Annotated[codes.ProvinceCode | None, Query(description="Province code, e.g. `04`")]
CommuneCodeQuery = Annotated[codes.CommuneCode | None, Query(description="Commune code, e.g. `01273`")]

# NOTE: every route may answer 401 (no or bad token) and 403 (role, or record outside the area).
COMMON_PROBLEMS = problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea)


def with_etag(body: BaseModel, status_code: int = 200) -> JSONResponse:
    """The body with its version as ETag (every single resource has one)."""
    version: int = getattr(body, "version")  # noqa: B009 - every resource schema has one
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers={"ETag": etag(version)})
