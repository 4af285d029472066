"""`serve` hands uvicorn an app whose OpenAPI document is built before the server listens."""

from haicap_shared.cli import with_openapi_built


def test_the_served_app_has_its_openapi_document_built_before_the_first_request() -> None:
    app = with_openapi_built("haicap_reporting.app:create_app")()
    # NOTE: FastAPI's cache: the first /openapi.json is served from it instead of built on the event loop.
    assert app.openapi_schema is not None
    assert "/provinces/{code}/summary" in app.openapi_schema["paths"]
