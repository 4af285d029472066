"""The whole API as OpenAPI 3.0.3 (``/openapi-3.0.json``), for platforms that import only 3.0.

The services' documents are the real apps' (as each serves at ``/openapi.json``), served to the
gateway by the fake network, so the 3.0 document checked is the one a platform would fetch.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

from haicap_assets.app import create_app as assets_app
from haicap_assets.settings import AssetsSettings
from haicap_org_structure.app import create_app as org_app
from haicap_org_structure.settings import OrgSettings
from haicap_personnel.app import create_app as personnel_app
from haicap_personnel.settings import PersonnelSettings
from haicap_reporting.app import create_app as reporting_app
from haicap_reporting.settings import ReportingSettings
from haicap_shared.openapi30 import WEBHOOKS_EXTENSION, downgrade, schema_30

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@pytest.fixture(scope="module")
def service_documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each real service's document, by the host the fake network serves it at."""
    var_dir: Path = tmp_path_factory.mktemp("specs")
    return {
        "org.test": org_app(OrgSettings(var_dir=var_dir)).openapi(),
        "personnel.test": personnel_app(PersonnelSettings(var_dir=var_dir)).openapi(),
        "assets.test": assets_app(AssetsSettings(var_dir=var_dir)).openapi(),
        "reporting.test": reporting_app(ReportingSettings(var_dir=var_dir)).openapi(),
    }


@pytest.fixture
def serving(fake: Any, service_documents: dict[str, dict[str, Any]]) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/openapi.json"
        return httpx.Response(200, json=service_documents[request.url.host])

    fake.respond = respond


@pytest.fixture
async def documents(client: httpx.AsyncClient, serving: None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The gateway's merged document: 3.1, and 3.0 as the new route serves it."""
    v31 = await client.get("/openapi.json")
    v30 = await client.get("/openapi-3.0.json")
    assert v31.status_code == v30.status_code == 200
    assert v30.headers["content-type"] == "application/json"
    return v31.json(), v30.json()


def _operations(document: dict[str, Any], section: str = "paths") -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document[section].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _parameters(operation: dict[str, Any]) -> set[tuple[str, str, bool]]:
    return {(p["name"], p["in"], bool(p.get("required"))) for p in operation.get("parameters", [])}


def _allows_null(schema: dict[str, Any]) -> bool:
    """Whether a 3.1 schema admits null (a type list, or a null branch of anyOf/oneOf)."""
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(branch.get("type") == "null" for key in ("anyOf", "oneOf") for branch in schema.get(key, []))


async def test_the_30_document_is_valid_openapi_30(documents: tuple[dict[str, Any], dict[str, Any]]) -> None:
    v31, v30 = documents
    assert v31["openapi"].startswith("3.1")
    assert v30["openapi"] == "3.0.3"
    validate(v30, cls=OpenAPIV30SpecValidator)
    assert "webhooks" not in v30
    assert "jsonSchemaDialect" not in v30


async def test_the_30_document_describes_the_same_api(documents: tuple[dict[str, Any], dict[str, Any]]) -> None:
    v31, v30 = documents
    assert set(v30["paths"]) == set(v31["paths"])
    assert "/openapi-3.0.json" in v31["paths"], "the route is documented"
    old = {(path, method): op for path, method, op in _operations(v31)}
    new = {(path, method): op for path, method, op in _operations(v30)}
    assert set(new) == set(old)
    for key, operation in old.items():
        converted = new[key]
        assert converted["operationId"] == operation["operationId"]
        assert _parameters(converted) == _parameters(operation), key
        assert set(converted.get("requestBody", {}).get("content", {})) == set(
            operation.get("requestBody", {}).get("content", {})
        )
        assert set(converted["responses"]) == set(operation["responses"]), key
        for code, response in operation["responses"].items():
            assert set(converted["responses"][code].get("headers", {})) == set(response.get("headers", {})), (key, code)
            assert set(converted["responses"][code].get("content", {})) == set(response.get("content", {})), (key, code)
    assert set(v30["components"]["schemas"]) == set(v31["components"]["schemas"])
    assert v30["components"]["securitySchemes"] == v31["components"]["securitySchemes"]
    assert v30["security"] == v31["security"]


async def test_a_nullable_property_stays_nullable(documents: tuple[dict[str, Any], dict[str, Any]]) -> None:
    v31, v30 = documents
    nullable = [
        (name, prop)
        for name, schema in v31["components"]["schemas"].items()
        for prop, definition in schema.get("properties", {}).items()
        if _allows_null(definition)
    ]
    assert len(nullable) > 100, "the services' documents have many optional fields"
    not_nullable = [(n, p) for n, p in nullable if v30["components"]["schemas"][n]["properties"][p].get("nullable") is not True]
    assert not not_nullable
    required = [
        (name, prop)
        for name, schema in v31["components"]["schemas"].items()
        for prop, definition in schema.get("properties", {}).items()
        if not _allows_null(definition)
    ]
    assert not [(n, p) for n, p in required if v30["components"]["schemas"][n]["properties"][p].get("nullable")]


async def test_the_event_types_stay_discoverable(documents: tuple[dict[str, Any], dict[str, Any]]) -> None:
    v31, v30 = documents
    assert v31["webhooks"], "the services publish their event types"
    assert set(v30[WEBHOOKS_EXTENSION]) == set(v31["webhooks"])
    assert WEBHOOKS_EXTENSION in v30["info"]["description"]


async def test_the_30_document_follows_the_31_one(client: httpx.AsyncClient, serving: None) -> None:
    first = await client.get("/openapi-3.0.json")
    again = await client.get("/openapi-3.0.json")
    assert first.json() == again.json()
    merged = client._transport.app.state.merged_openapi  # type: ignore[attr-defined]
    merged._expires = 0.0  # NOTE: as if openapi_cache_seconds had passed
    refetched = await merged.spec(client._transport.app.state.upstream)  # type: ignore[attr-defined]
    assert (await client.get("/openapi-3.0.json")).json()["info"] == downgrade(refetched)["info"]
    assert merged._converted[0] is refetched, "converted again from the document fetched again"


def test_json_schema_2020_keywords_have_their_30_form() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:x",
        "type": "object",
        "properties": {
            "code": {"const": "04", "examples": ["04", "01"]},
            "count": {"type": ["integer", "null"], "exclusiveMinimum": 0, "exclusiveMaximum": 10},
            "unit": {"anyOf": [{"$ref": "#/components/schemas/Unit"}, {"type": "null"}]},
            "label": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "title": "Label"},
            "either": {"type": ["string", "integer"]},
            "file": {"type": "string", "contentMediaType": "application/pdf"},
            "bytes": {"type": "string", "contentEncoding": "base64"},
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
            "described": {"$ref": "#/components/schemas/Unit", "description": "The unit"},
            "by_level": {"type": "object", "propertyNames": {"$ref": "#/components/schemas/Level"}},
        },
        "dependentRequired": {"a": ["b"]},
        "unevaluatedProperties": False,
        "default": {"type": ["kept", "as data"]},
    }
    out = schema_30(schema)
    props = out["properties"]
    assert "$schema" not in out
    assert "$id" not in out
    assert props["code"] == {"enum": ["04"], "example": "04"}
    assert props["count"] == {
        "type": "integer",
        "nullable": True,
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 10,
        "exclusiveMaximum": True,
    }
    assert props["unit"] == {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Unit"}]}
    assert props["label"] == {"title": "Label", "nullable": True, "type": "string", "maxLength": 5}
    assert props["either"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["file"]["format"] == "binary"
    assert props["bytes"]["format"] == "byte"
    assert props["pair"] == {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "maxItems": 2}
    assert props["described"] == {"description": "The unit", "allOf": [{"$ref": "#/components/schemas/Unit"}]}
    assert props["by_level"]["x-jsonschema-propertyNames"] == {"$ref": "#/components/schemas/Level"}
    assert out["x-jsonschema-dependentRequired"] == {"a": ["b"]}
    assert out["x-jsonschema-unevaluatedProperties"] is False
    assert out["default"] == {"type": ["kept", "as data"]}, "a default is data, never rewritten"


def test_31_only_document_members_are_dropped_or_moved() -> None:
    document = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "t", "version": "1", "summary": "s", "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": {"/a": {"$ref": "#/components/pathItems/A"}},
        "webhooks": {"vn.gov.haicap.x.created": {"post": {"responses": {"200": {"description": "ok"}}}}},
        "components": {
            "pathItems": {"A": {"get": {"responses": {"200": {"$ref": "#/components/responses/Ok", "description": "x"}}}}},
            "responses": {"Ok": {"description": "ok"}},
        },
    }
    out = downgrade(document)
    validate(out, cls=OpenAPIV30SpecValidator)
    assert out["info"]["license"] == {"name": "MIT"}
    assert "summary" not in out["info"]
    assert out["paths"]["/a"]["get"]["responses"]["200"] == {"$ref": "#/components/responses/Ok"}
    assert "pathItems" not in out["components"]
    assert set(out[WEBHOOKS_EXTENSION]) == {"vn.gov.haicap.x.created"}
    assert document["openapi"] == "3.1.0", "the 3.1 document is left as it is"
    assert "pathItems" in document["components"]
