"""The OpenAPI contract (haicap_shared.openapi) and its check (haicap_shared.testing), on the sample service."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from haicap_shared.app import create_service_app
from haicap_shared.auth import CurrentPrincipal
from haicap_shared.errors import AppError, NotFound, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.openapi import add_problems, declare_problems, operation_id
from haicap_shared.paging import Page
from haicap_shared.settings import ServiceSettings
from haicap_shared.testing import assert_openapi_contract, assert_problem, openapi_contract_violations
from haicap_shared.versioning import check_if_match


async def test_the_sample_service_keeps_the_contract(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, "sharedSample", service_app)
    note = spec["paths"]["/notes/{note_id}"]
    assert [note["get"]["operationId"], note["put"]["operationId"]] == ["sharedSample.notes.get", "sharedSample.notes.replace"]
    assert spec["paths"]["/notes"]["get"]["operationId"] == "sharedSample.notes.list"
    put = note["put"]
    assert next(p for p in put["parameters"] if p["name"] == "If-Match")["required"] is True
    assert put["responses"]["428"]["x-problem-codes"] == ["if_match_required"]
    assert set(put["responses"]["403"]["x-problem-codes"]) == {"role_not_allowed"}
    assert set(put["responses"]["401"]["x-problem-codes"]) == {
        "not_authenticated",
        "invalid_token",
        "token_expired",
        "token_revoked",
    }
    enum = put["responses"]["404"]["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]
    assert enum == ["not_found"]


async def test_an_unparseable_body_is_a_problem_with_its_own_code(client: httpx.AsyncClient) -> None:
    response = await client.post("/notes", content=b'{"text": "\xff"}', headers={"Content-Type": "application/json"})
    body = assert_problem(response, 400, "malformed_body")
    assert body["type"] == "https://haicap.gov.vn/problems/malformed_body"
    assert body["instance"] == "/notes"
    missing = assert_problem(await client.get("/no-such-thing"), 404, "not_found")
    assert missing["type"] == "https://haicap.gov.vn/problems/not_found"


def _app(tmp_path: Path, router: APIRouter) -> FastAPI:
    settings = ServiceSettings(service_name="probe", var_dir=tmp_path, jwks='{"keys": []}')
    return create_service_app(title="probe", description="probe", settings=settings, metadata=None, routers=[router])


def test_a_route_that_checks_if_match_without_declaring_it_fails(tmp_path: Path) -> None:
    router = APIRouter()

    @router.patch("/things/{thing_id}", responses=problem_responses(NotFound, PreconditionFailed, PreconditionRequired))
    async def update_thing(thing_id: uuid.UUID, request: Request, _principal: CurrentPrincipal) -> dict[str, str]:
        """Change a thing, reading If-Match by hand."""
        check_if_match(request, 1)
        return {}

    app = _app(tmp_path, router)
    violations = openapi_contract_violations(app.openapi(), "probe", app)
    assert violations == [
        "PATCH /things/{thing_id}: answers 428 `if_match_required` without declaring the If-Match header (depend on IfMatch)"
    ]


async def test_check_if_match_refuses_a_route_that_did_not_declare_it(tmp_path: Path) -> None:
    router = APIRouter()

    @router.delete("/things/{thing_id}", status_code=204)
    async def delete_thing(thing_id: uuid.UUID, request: Request) -> None:
        """Delete a thing, reading If-Match by hand."""
        check_if_match(request, 1)

    app = _app(tmp_path, router)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            response = await client.delete(f"/things/{uuid.uuid4()}", headers={"If-Match": '"1"'})
    assert_problem(response, 500, "internal_error")


def test_a_plain_fastapi_document_breaks_the_contract() -> None:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def read_thing(thing_id: int) -> dict[str, str]:
        """A thing."""
        return {}

    violations = "\n".join(openapi_contract_violations(app.openapi(), "probe", app))
    assert "operationId 'read_thing_things__thing_id__get' is not <probe>" in violations
    assert "422 is documented as application/json" in violations
    assert "HTTPValidationError" in violations
    assert "404 `not_found` is not documented" in violations
    assert "413 `payload_too_large` is not documented" in violations


def test_operation_ids_are_made_from_the_prefix_the_path_and_the_verb(tmp_path: Path) -> None:
    class Thing(BaseModel):
        id: int
        version: int

    router = APIRouter()
    routes: dict[str, tuple[str, dict[str, Any]]] = {
        "org.units.list": ("GET /units", {"response_model": Page[Thing]}),
        "org.units.create": ("POST /units", {"status_code": 201, "response_model": Thing}),
        "org.units.get": ("GET /units/{unit_id}", {"response_model": Thing}),
        "org.units.update": ("PATCH /units/{unit_id}", {"response_model": Thing}),
        "org.units.delete": ("DELETE /units/{unit_id}", {"status_code": 204}),
        "org.units.byCode.get": ("GET /units/by-code/{code}", {"response_model": Thing}),
        "org.units.lineage": ("GET /units/{unit_id}/lineage", {"response_model": Thing}),
        "org.units.corrections.list": ("GET /units/{unit_id}/corrections", {"response_model": list[Thing]}),
        "org.unitChanges.stats": ("GET /unit-changes/stats", {"response_model": Thing}),
        "org.functionDecisions.issue": ("POST /function-decisions/{decision_id}/issue", {"response_model": Thing}),
        "org.tasks.transfers.create": ("POST /tasks/{task_id}/transfers", {"status_code": 201, "response_model": Thing}),
        "org.auth.users.list": ("GET /api/v1/auth/users", {"response_model": list[Thing]}),
        "org.health.live": ("GET /healthz", {"response_model": Thing}),
    }
    for method_path, options in routes.values():
        method, path = method_path.split(" ")

        async def endpoint() -> None:
            """An operation."""

        router.add_api_route(path, endpoint, methods=[method], **options)
    found = {f"{sorted(route.methods)[0]} {route.path_format}": operation_id("org", route) for route in router.routes}
    assert found == {method_path: identifier for identifier, (method_path, _) in routes.items()}


def test_a_clash_of_operation_ids_is_refused_when_the_document_is_built(tmp_path: Path) -> None:
    router = APIRouter()

    @router.get("/units/{unit_id}/stats")
    async def unit_stats(unit_id: int) -> dict[str, str]:
        """Stats of one."""
        return {}

    @router.get("/units/stats")
    async def stats() -> dict[str, str]:
        """Stats of all."""
        return {}

    app = _app(tmp_path, router)
    with pytest.raises(RuntimeError, match=r"operationId 'probe\.units\.stats'"):
        app.openapi()


def test_problems_declared_for_many_routes_and_added_to_a_document(tmp_path: Path) -> None:
    class Busy(AppError):
        status, code, title = 503, "busy", "Busy"

    router = APIRouter()

    @router.get("/things")
    async def list_things() -> list[str]:
        """Things."""
        return []

    app = _app(tmp_path, router)
    declare_problems(app, Busy, where=lambda route, method: route.path_format == "/things")
    responses = app.openapi()["paths"]["/things"]["get"]["responses"]
    assert responses["503"]["x-problem-codes"] == ["busy"]
    assert "Retry-After" in responses["503"]["headers"]
    operation: dict[str, Any] = {"responses": dict(responses)}
    add_problems(operation, {503: {"busy": "Busy", "upstream_unavailable": "Down"}, 504: {"upstream_timeout": "Slow"}})
    assert operation["responses"]["503"]["x-problem-codes"] == ["busy", "upstream_unavailable"]
    assert "- `upstream_unavailable`: Down" in operation["responses"]["503"]["description"]
    assert list(operation["responses"]) == sorted(operation["responses"])
