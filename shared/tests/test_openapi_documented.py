"""The "OpenAPI is documented" check: silent on the sample service, naming each gap of a poor document."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from haicap_shared.testing import assert_openapi_documented, openapi_documentation_gaps


def test_the_sample_service_is_documented(service_app: FastAPI) -> None:
    assert_openapi_documented(service_app, paths={"/notes", "/notes/{note_id}", "/healthz"})


def _operation(**fields: Any) -> dict[str, Any]:
    problem = {"content": {"application/problem+json": {"schema": {}}}}
    return {"summary": "List", "description": "Doc", "tags": ["notes"], "responses": {"401": problem}} | fields


def test_each_gap_is_named() -> None:
    spec = {
        "info": {"title": "haicap other"},
        "security": [{"OAuth2PasswordBearer": []}],
        "paths": {
            "/fine": {"get": _operation()},
            "/undocumented": {"get": _operation(description="", summary=""), "post": _operation(tags=[])},
            "/refusals": {"get": _operation(responses={"401": {"content": {"application/json": {}}}})},
            "/public": {"get": _operation(security=[], responses={})},
        },
        "components": {"schemas": {}},
    }
    gaps = openapi_documentation_gaps(spec, title="haicap notes", paths={"/fine", "/missing"}, exact_paths=True)
    assert gaps == [
        "info.title is 'haicap other', not 'haicap notes'",
        "/missing is not served",
        "/public is served, yet not expected",
        "/refusals is served, yet not expected",
        "/undocumented is served, yet not expected",
        "components.schemas has no Problem",
        "GET /undocumented has no summary",
        "GET /undocumented has no description (its route has no docstring)",
        "POST /undocumented has no tag",
        "GET /refusals needs a token, yet documents no 401 problem",
    ]
    with_403 = openapi_documentation_gaps(spec, paths={"/fine"}, token_routes_document=("401", "403"))
    assert "GET /fine needs a token, yet documents no 403 problem" in with_403
    with pytest.raises(AssertionError, match="10 gaps in the OpenAPI document"):
        assert_openapi_documented(spec, title="haicap notes", paths={"/fine", "/missing"}, exact_paths=True)


def test_two_models_of_one_name_are_a_gap() -> None:
    """FastAPI names them after their module paths; a generated client's types would move with the code."""
    first = type("Count", (BaseModel,), {"__annotations__": {"units": int}, "__module__": "pkg.units.schemas"})
    second = type("Count", (BaseModel,), {"__annotations__": {"tasks": int}, "__module__": "pkg.tasks.schemas"})
    app = FastAPI()

    @app.get("/units", tags=["units"], response_model=first)
    def units() -> dict[str, int]:
        """Units."""
        return {"units": 1}

    @app.get("/tasks", tags=["tasks"], response_model=second)
    def tasks() -> dict[str, int]:
        """Tasks."""
        return {"tasks": 1}

    gaps = openapi_documentation_gaps(app)
    assert [gap for gap in gaps if "module path" in gap] == [
        "components.schemas.pkg__tasks__schemas__Count is named after its module path",
        "components.schemas.pkg__units__schemas__Count is named after its module path",
    ]
