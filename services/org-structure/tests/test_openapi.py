"""What a frontend developer reads: every route documented, errors declared as problems."""

import httpx
from fastapi import FastAPI

from haicap_shared.testing import assert_openapi_contract, assert_openapi_documented


async def test_every_route_has_a_summary_and_declares_its_problems(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_documented(
        spec,
        title="haicap org-structure",
        paths={
            "/units",
            "/units/{unit_id}",
            "/units/by-code/{code}",
            "/units/{unit_id}/lineage",
            "/unit-changes",
            "/units/stats",
        },
    )
    paths = spec["paths"]
    assert "application/problem+json" in paths["/units/by-code/{code}"]["get"]["responses"]["404"]["content"]
    assert "application/json" not in paths["/units/by-code/{code}"]["get"]["responses"]["404"]["content"]
    assert "unit_code_overlap" in paths["/units"]["post"]["responses"]["409"]["description"]
    parameters = {p["name"] for p in paths["/units"]["get"]["parameters"]}
    assert parameters == {"level", "kind", "province", "parent_id", "as_of", "q", "limit", "cursor", "format"}
    assert "application/ld+json" in paths["/units"]["get"]["responses"]["200"]["content"]


async def test_the_document_keeps_the_contract(client: httpx.AsyncClient, service_app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, "org", service_app)
    paths = spec["paths"]
    assert paths["/units"]["get"]["operationId"] == "org.units.list"
    assert paths["/units/{unit_id}"]["patch"]["operationId"] == "org.units.update"
    assert paths["/function-decisions/{decision_id}/issue"]["post"]["operationId"] == "org.functionDecisions.issue"
    assert paths["/tasks/{task_id}/transfers"]["post"]["operationId"] == "org.tasks.transfers.create"
    update = paths["/units/{unit_id}"]["patch"]
    if_match = next(p for p in update["parameters"] if p["name"] == "If-Match")
    assert (if_match["in"], if_match["required"], if_match["schema"]["type"]) == ("header", True, "string")
    assert update["responses"]["428"]["x-problem-codes"] == ["if_match_required"]
    assert update["responses"]["412"]["x-problem-codes"] == ["stale_version"]
    assert "ETag" in update["responses"]["200"]["headers"]
    # NOTE: FastAPI's own 422 (HTTPValidationError in application/json) is replaced by the problem the API sends.
    created = paths["/units"]["post"]["responses"]
    assert set(created["422"]["x-problem-codes"]) == {"validation_error", "idempotency_key_reused", "unknown_query_parameter"}
    assert {"ETag", "Location", "Idempotent-Replayed"} <= set(created["201"]["headers"])
    assert set(created["400"]["x-problem-codes"]) == {"ambiguous_body_length", "malformed_body", "malformed_request"}
    assert "invalid_cursor" in paths["/units"]["get"]["responses"]["422"]["x-problem-codes"]
    # NOTE: an operation with a single-valued query parameter can refuse it given twice; one without cannot.
    assert "repeated_query_parameter" in paths["/units"]["get"]["responses"]["422"]["x-problem-codes"]
    assert "repeated_query_parameter" not in created["422"]["x-problem-codes"]
    assert paths["/units/{unit_id}"]["get"]["responses"]["404"]["x-problem-codes"] == ["unit_not_found", "not_found"]
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Problem"]["properties"]) == {"type", "title", "status", "code", "detail", "instance", "errors"}
