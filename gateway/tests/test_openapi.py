"""One OpenAPI for the whole API, merged from the services' own specs, checked as a client generator would."""

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from haicap_gateway.app import create_app
from haicap_gateway.settings import GatewaySettings
from haicap_shared.auth import CurrentPrincipal
from haicap_shared.errors import NotFound, problem_responses
from haicap_shared.openapi import install_contract
from haicap_shared.paging import Page
from haicap_shared.testing import assert_openapi_contract, assert_openapi_documented


class Unit(BaseModel):
    id: int
    code: str


class Person(BaseModel):
    id: int
    name: str


def _service_spec(title: str, prefix: str, unit_fields: type[BaseModel]) -> dict[str, Any]:
    """A service spec as haicap's services write it: health, a list with Page, a problem, and a clashing ``Unit``."""
    app = FastAPI(title=title)
    install_contract(app, prefix)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness."""
        return {}

    @app.get("/units", response_model=Page[unit_fields])  # type: ignore[valid-type]
    async def list_units(_principal: CurrentPrincipal) -> Any:
        """List."""

    @app.get("/units/{unit_id}", response_model=unit_fields, responses=problem_responses(NotFound))
    async def get_unit(unit_id: int, _principal: CurrentPrincipal) -> Any:
        """One."""

    @app.get("/people", response_model=list[Person], tags=["people"])
    async def list_people(_principal: CurrentPrincipal) -> Any:
        """People."""

    return app.openapi()


def _assets_unit() -> type[BaseModel]:
    # NOTE: named "Unit" like org's, but different: the merge must keep both.
    class Unit(BaseModel):
        id: int
        holder: str

    return Unit


SPECS = {"org.test": _service_spec("org", "org", Unit), "assets.test": _service_spec("assets", "assets", _assets_unit())}


def _serve_specs(down: frozenset[str] = frozenset()):
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.host in down or request.url.host not in SPECS:
            return httpx.Response(503, json={})
        assert request.url.path == "/openapi.json"
        return httpx.Response(200, json=SPECS[request.url.host])

    return respond


def _resolve_all_refs(spec: dict[str, Any]) -> list[str]:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    schemas = spec["components"]["schemas"]
    unresolved = [ref for ref in refs if ref.removeprefix("#/components/schemas/") not in schemas]
    assert not unresolved, f"unresolved $refs: {unresolved}"
    return refs


async def test_merged_spec_is_one_generatable_api(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _serve_specs()
    spec = (await client.get("/openapi.json")).json()

    operations = [(path, op) for path, item in spec["paths"].items() for op in item.values()]
    ids = [op["operationId"] for _, op in operations]
    assert len(ids) == len(set(ids)), "every operationId unique"
    assert all(op.get("summary") for _, op in operations)
    _resolve_all_refs(spec)
    for host, prefix in (("org.test", "org"), ("assets.test", "assets")):
        from_service = {path for path, op in operations if op["operationId"].startswith(f"{prefix}.")}
        assert from_service == {f"/api/v1/{prefix}{path}" for path in SPECS[host]["paths"]}, "every path under its prefix"
    expected = {"/api/v1/org/units", "/api/v1/org/units/{unit_id}", "/api/v1/assets/units", "/healthz", "/readyz"}
    assert expected <= set(spec["paths"])
    assert not any("{path}" in path for path in spec["paths"]), "the catch-all forwarders are not documented"
    assert spec["paths"]["/api/v1/org/units"]["get"]["operationId"] == "org.units.list"
    assert spec["paths"]["/api/v1/org/units/{unit_id}"]["get"]["operationId"] == "org.units.get"
    assert spec["paths"]["/api/v1/auth/users"]["get"]["operationId"] == "gateway.auth.users.list"


async def test_merged_spec_keeps_the_contract(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _serve_specs()
    spec = (await client.get("/openapi.json")).json()
    assert_openapi_contract(spec, ("gateway", "org", "assets"))
    one = spec["paths"]["/api/v1/org/units/{unit_id}"]["get"]["responses"]
    assert one["404"]["x-problem-codes"] == ["not_found"]
    # NOTE: what the gateway answers itself for a forwarded request is documented on it.
    assert {"upstream_unavailable"} <= set(one["503"]["x-problem-codes"])
    assert one["504"]["x-problem-codes"] == ["upstream_timeout"]
    assert {"invalid_token", "token_expired", "token_revoked"} <= set(one["401"]["x-problem-codes"])
    assert "Retry-After" in one["503"]["headers"]
    assert spec["paths"]["/api/v1/org/healthz"]["get"]["responses"]["503"]["x-problem-codes"] == ["upstream_unavailable"]


async def test_clashing_schemas_are_prefixed_and_shared_ones_kept_once(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _serve_specs()
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    assert "Unit" not in schemas
    assert set(schemas["OrgUnit"]["properties"]) == {"id", "code"}
    assert set(schemas["AssetsUnit"]["properties"]) == {"id", "holder"}
    assert "Problem" in schemas, "identical in every service: kept once"
    assert not any(name.endswith("Problem") and name != "Problem" for name in schemas)
    assert "Person" in schemas

    # NOTE: Page_Unit_ is spelled the same in both services but holds a different Unit, so it splits too.
    def listed(path: str) -> str:
        ref: str = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        return ref

    org_page, assets_page = listed("/api/v1/org/units"), listed("/api/v1/assets/units")
    assert org_page != assets_page
    assert schemas[org_page.rsplit("/", 1)[1]]["properties"]["items"]["items"]["$ref"] == "#/components/schemas/OrgUnit"
    org_one = spec["paths"]["/api/v1/org/units/{unit_id}"]["get"]["responses"]
    assert org_one["200"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/OrgUnit"
    problem = org_one["404"]["content"]["application/problem+json"]["schema"]
    assert problem["allOf"][0] == {"$ref": "#/components/schemas/Problem"}
    assert problem["allOf"][1]["properties"]["code"]["enum"] == ["not_found"]
    assert "application/json" not in org_one["404"]["content"]


async def test_security_scheme_applies_except_to_health(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _serve_specs()
    spec = (await client.get("/openapi.json")).json()
    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert spec["security"] == [{"OAuth2PasswordBearer": []}]
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert spec["paths"]["/api/v1/org/healthz"]["get"]["security"] == []
    assert spec["paths"]["/api/v1/org/units"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]
    assert spec["paths"]["/api/v1/auth/jwks"]["get"]["security"] == [], "the gateway's own public routes stay public"
    assert spec["paths"]["/api/v1/auth/users"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]


async def test_tags_are_merged(client: httpx.AsyncClient, fake) -> None:
    fake.respond = _serve_specs()
    spec = (await client.get("/openapi.json")).json()
    names = [tag["name"] for tag in spec["tags"]]
    assert len(names) == len(set(names))
    assert {"health", "people", "org-structure", "assets"} <= set(names)
    assert spec["paths"]["/api/v1/org/units"]["get"]["tags"] == ["org-structure"]


async def test_a_service_that_is_down_is_left_out_and_named(make_gateway, fake) -> None:
    fake.respond = _serve_specs(down=frozenset({"assets.test"}))
    async with make_gateway(fake) as client:
        spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/org/units" in spec["paths"]
    assert not any(path.startswith("/api/v1/assets/") for path in spec["paths"])
    assert set(spec["info"]["x-missing-services"]) == {"assets", "personnel", "reporting"}
    assert "assets" in spec["info"]["description"].split("\n")[0]
    _resolve_all_refs(spec)


async def test_merged_spec_is_cached(make_gateway, fake) -> None:
    fake.respond = _serve_specs()
    async with make_gateway(fake, openapi_cache_seconds=60) as client:
        first = (await client.get("/openapi.json")).json()
        fetched = len(fake.seen)
        second = (await client.get("/openapi.json")).json()
    assert first == second
    assert fetched == 4
    assert len(fake.seen) == fetched, "the second answer came from the cache"


async def test_docs_load_the_merged_spec(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "/openapi.json" in page.text


def test_the_gateways_own_document_keeps_the_contract(tmp_path: Path) -> None:
    urls = {f"{name}_url": f"http://{name}.test" for name in ("org", "personnel", "assets", "reporting")}
    app = create_app(GatewaySettings.model_validate({**urls, "var_dir": tmp_path}))
    spec = app.openapi()
    assert_openapi_contract(spec, "gateway", app)
    assert_openapi_documented(spec, paths={"/api/v1/auth/token", "/api/v1/auth/users/{user_id}"})
    assert spec["paths"]["/api/v1/auth/token"]["post"]["operationId"] == "gateway.auth.token"
    update = spec["paths"]["/api/v1/auth/users/{user_id}"]["patch"]
    assert update["operationId"] == "gateway.auth.users.update"
    assert next(p for p in update["parameters"] if p["name"] == "If-Match")["required"] is True
    assert "Retry-After" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]["headers"]
