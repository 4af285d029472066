"""haicap's pytest plugin (loaded through the ``pytest11`` entry point).

Every database test runs once on SQLite and once on PostgreSQL (``db_backend``). Each
service's test database is created fresh per run (a temporary SQLite file, or a new
PostgreSQL database that is dropped at the end), migrated once with the service's own
Alembic history, and every test runs inside a transaction that is rolled back, so tests
see exactly the rows they made.

A service's ``conftest.py`` provides two fixtures: ``service_migrations`` (its name and
migrations folder) and ``service_app`` (its app, from the factory, given ``db_url``).

PostgreSQL is reached at ``HAICAP_TEST_POSTGRES_URL`` (default: postgres on
127.0.0.1:5432). When it cannot be reached the tests fail: they never skip silently.
``HAICAP_TEST_BACKENDS=sqlite`` limits a local run to SQLite on purpose.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
import respx.mocks
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import ClauseElement, MetaData, inspect, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .db import create_engine, null_pool_engine
from .logs import JsonFormatter
from .migrations import downgrade_to_base, upgrade_to_head
from .roles import Area, Role
from .settings import ProcessSettings
from .tokens import TokenIssuer, generate_private_key, jwks

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def test_backends() -> list[str]:
    return [b.strip() for b in os.environ.get("HAICAP_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def postgres_admin_url() -> str:
    return os.environ.get("HAICAP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL).replace("postgresql+asyncpg://", "postgresql://")


@dataclass(frozen=True)
class ServiceMigrations:
    service: str
    script_location: Path


async def create_postgres_database(prefix: str) -> str:
    """Create an empty database and return its asyncpg URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_url = postgres_admin_url()
    try:
        connection = await asyncpg.connect(admin_url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {admin_url} ({exc}). Start it "
            "(.ci/run does) or set HAICAP_TEST_BACKENDS=sqlite to run on SQLite only."
        ) from exc
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = admin_url.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(postgres_admin_url(), timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def postgres_plan(connection: AsyncConnection, statement: ClauseElement) -> dict[str, Any]:
    """PostgreSQL's plan of ``statement`` (``EXPLAIN (FORMAT JSON)``, its values written in), its top node."""
    compiled = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})  # type: ignore[no-untyped-call]
    found = (await connection.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}"))).scalar_one()
    plan: dict[str, Any] = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
    return plan


async def index_scans(connection: AsyncConnection, statement: ClauseElement) -> dict[str, str]:
    """The indexes PostgreSQL's plan of ``statement`` reads, each with its condition (``Index Cond``, "" for a whole
    index) without casts or parentheses (``province_code = '04' AND valid_from <= '2025-08-01'``), sequential
    scans being off.

    NOTE: a test's handful of rows is read whole whatever the indexes; with sequential scans off
    the plan shows which index a statement is meant to read at scale (issue 19's plan checks).
    PostgreSQL writes a varchar column's comparison either with casts (``(province_code)::text =
    '04'::text``) or without, from one run to another: a test reads the condition's columns
    and values.
    """
    await connection.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        plan = await postgres_plan(connection, statement)
    finally:
        await connection.execute(text("RESET enable_seqscan"))
    return {node["Index Name"]: _uncast(node.get("Index Cond", "")) for node in plan_nodes(plan) if "Index Name" in node}


def _uncast(condition: str) -> str:
    return re.sub(r"::[a-z_]+(?: [a-z_]+)*(?:\[\])?|[()]", "", condition)


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A node of PostgreSQL's JSON plan (``EXPLAIN (FORMAT JSON)``) and every node under it."""
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


@dataclass
class DatabaseRegistry:
    """The migrated test databases of this run, one per service and backend."""

    tmp_dir: Path
    urls: dict[tuple[str, str], str] = field(default_factory=dict)
    engines: dict[tuple[str, str], AsyncEngine] = field(default_factory=dict)

    async def url_for(self, migrations: ServiceMigrations, backend: str) -> str:
        key = (migrations.service, backend)
        if key not in self.urls:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{self.tmp_dir / f'{migrations.service}-{uuid.uuid4().hex[:8]}.db'}"
            elif backend == "postgresql":
                url = await create_postgres_database(f"haicap_test_{migrations.service.replace('-', '_')}")
            else:
                raise ValueError(f"unknown test backend {backend!r}")
            self.urls[key] = url
            await upgrade_to_head(migrations.script_location, url)
        return self.urls[key]

    async def engine_for(self, migrations: ServiceMigrations, backend: str) -> AsyncEngine:
        key = (migrations.service, backend)
        if key not in self.engines:
            self.engines[key] = create_engine(await self.url_for(migrations, backend))
        return self.engines[key]

    async def close(self) -> None:
        for engine in self.engines.values():
            await engine.dispose()
        for (_, backend), url in self.urls.items():
            if backend == "postgresql":
                await drop_postgres_database(url)


NO_AUTH = {"Authorization": ""}
"""Headers for a request without a token."""


@dataclass
class TestTokens:
    """A signing key for the test run and tokens for any role and area."""

    __test__ = False  # NOTE: a fixture's type, not a test class

    issuer: TokenIssuer
    jwks_json: str

    def headers(
        self,
        role: Role = Role.ADMIN,
        *,
        province: str | None = None,
        commune: str | None = None,
        agency: str | None = None,
        person: str | None = None,
        username: str | None = None,
        subject: str | None = None,
        ttl_seconds: int = 600,
        system_code: str | None = None,
    ) -> dict[str, str]:
        token, _ = self.issuer.issue(
            subject=subject or f"test-{role.value}",
            username=username or f"test-{role.value}",
            role=role,
            area=Area(province=province, commune=commune, agency=agency, person=person),
            ttl_seconds=ttl_seconds,
            system_code=system_code,
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def test_tokens() -> TestTokens:
    """Tokens signed with a key made for this run; services trust it through ``jwks``."""
    key = generate_private_key()
    return TestTokens(TokenIssuer(key), json.dumps(jwks(key.public_key())))


@pytest.fixture(scope="session", params=test_backends())
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: every database test runs on both."""
    return str(request.param)


@pytest_asyncio.fixture(scope="session")
async def database_registry(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DatabaseRegistry]:
    registry = DatabaseRegistry(tmp_path_factory.mktemp("databases"))
    yield registry
    await registry.close()


@pytest_asyncio.fixture
async def db_url(database_registry: DatabaseRegistry, service_migrations: ServiceMigrations, db_backend: str) -> str:
    return await database_registry.url_for(service_migrations, db_backend)


@pytest_asyncio.fixture
async def db_connection(
    database_registry: DatabaseRegistry, service_migrations: ServiceMigrations, db_backend: str
) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    engine = await database_registry.engine_for(service_migrations, db_backend)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest_asyncio.fixture
async def client(
    service_app: FastAPI, db_connection: AsyncConnection, test_tokens: TestTokens
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the service app, under its lifespan, on the test transaction.

    It signs in as ``admin`` unless a request brings its own ``Authorization`` header
    (``test_tokens.headers(role, ...)``, or :data:`NO_AUTH` for none).
    """
    async with service_app.router.lifespan_context(service_app):
        if hasattr(service_app.state, "database"):
            service_app.state.database.bind_to(db_connection)
        transport = httpx.ASGITransport(app=service_app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=test_tokens.headers()
        ) as http_client:
            yield http_client


class JsonLogLines(logging.Handler):
    """The root logger's records as the services write them: one JSON object each (``lines``)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def errors(self) -> list[dict[str, object]]:
        """The lines at ERROR or CRITICAL."""
        return [line for line in self.lines if line["level"] in {"ERROR", "CRITICAL"}]


@pytest.fixture
def log_lines() -> Iterator[JsonLogLines]:
    """What the root logger writes during the test from INFO up, as JSON lines."""
    handler = JsonLogLines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def assert_migrations_match(script_location: Path, metadata: MetaData, tmp_path: Path) -> None:
    """Check that a service's migrations go down and up again and build what its models say."""

    def differences(connection: Connection) -> tuple[set[str], list[Any]]:
        found = set(inspect(connection).get_table_names())
        return found, compare_metadata(MigrationContext.configure(connection), metadata)

    async def schema(url: str) -> tuple[set[str], list[Any]]:
        engine = null_pool_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(differences)
        finally:
            await engine.dispose()

    url = f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    expected = {*metadata.tables, "alembic_version"}
    await upgrade_to_head(script_location, url)
    assert await schema(url) == (expected, [])
    await downgrade_to_base(script_location, url)
    assert (await schema(url))[0] == {"alembic_version"}
    await upgrade_to_head(script_location, url)
    assert await schema(url) == (expected, [])


async def assert_service_plumbing(client: httpx.AsyncClient, service: str, *, audited: bool = True) -> None:
    """What every service serves the same way: liveness, readiness, an empty audit log, 404 as a problem.

    ``audited=False``: a service without a database, which has no audit log (``/audit-events`` is a 404).
    """
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": service}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "service": service}
    audit = await client.get("/audit-events")
    assert audit.status_code == (200 if audited else 404)
    if audited:
        assert audit.json() == {"items": [], "next": None}
    body = assert_problem(await client.get("/no-such-thing"), 404, "not_found")
    assert body["instance"] == "/no-such-thing"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check that ``response`` is a problem+json body with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    return body


class GatewayStandIn:
    """An ``httpx.MockTransport`` handler standing in for the gateway: its token URL, and the upstream behind it.

    The token URL issues ``token-1``, ``token-2``... (``tokens_issued`` counts them); every other
    request is kept in ``seen`` and answered by ``answer``, which a test sets (by default a 404
    ``not_found``).
    """

    __test__ = False  # NOTE: a helper, not a test class

    def __init__(self) -> None:
        self.answer: Callable[[httpx.Request], httpx.Response] = lambda _request: httpx.Response(404, json={"code": "not_found"})
        self.tokens_issued = 0
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/token":
            self.tokens_issued += 1
            return httpx.Response(200, json={"access_token": f"token-{self.tokens_issued}", "expires_in": 3600})
        self.seen.append(request)
        return self.answer(request)

    @property
    def paths(self) -> list[str]:
        """The paths of the requests past the token URL, in order."""
        return [request.url.path for request in self.seen]


def closed_port_url() -> str:
    """A loopback URL nothing listens on: a call to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


class UpstreamMocker(respx.mocks.AbstractRequestMocker):
    """respx's answers for the services' pooled client, whose transport is aiohttp's.

    respx's default mocker patches httpcore's pool, which that client no longer goes through
    (:mod:`haicap_shared.http_transport`), and its ``httpx`` mocker catches every client, the
    test's own ``ASGITransport`` client too. This one patches the transport itself, whose
    requests and responses are httpx's already: ``respx.mock(using=UPSTREAMS)``.
    """

    name = "haicap-upstreams"
    targets = ["haicap_shared.http_transport.AiohttpTransport"]
    target_methods = ["handle_async_request"]

    @classmethod
    def to_httpx_request(cls, **kwargs: Any) -> httpx.Request:
        request: httpx.Request = kwargs["request"]
        return request

    @classmethod
    async def from_async_httpx_response(cls, httpx_response: httpx.Response, target: Any, **kwargs: Any) -> httpx.Response:
        return httpx_response


UPSTREAMS = UpstreamMocker.name
"""``respx.mock``'s ``using`` for answering the services' calls to each other (:class:`UpstreamMocker`)."""


@asynccontextmanager
async def app_on_stand_in(settings: ProcessSettings, stand_in: GatewayStandIn) -> AsyncIterator[FastAPI]:
    """A bare app holding ``settings`` and an HTTP client whose every request goes to ``stand_in``.

    It is what an upstream client reads from the app (``app.state.settings``, ``app.state.http``),
    without the service's lifespan or database.
    """
    app = FastAPI()
    app.state.settings = settings
    async with httpx.AsyncClient(transport=httpx.MockTransport(stand_in)) as http:
        app.state.http = http
        yield app


def openapi_contract_violations(
    document: dict[str, Any], prefixes: str | tuple[str, ...], app: FastAPI | None = None
) -> list[str]:
    """How ``document`` breaks the contract of :mod:`haicap_shared.openapi` (empty when it keeps it).

    Every operation: an operationId ``<prefix>.<domain>...<verb>`` with one of ``prefixes``,
    unique; every status >= 400 a problem (``application/problem+json``, the shared ``Problem``
    narrowed to the codes it lists, never ``application/json``; health's own readiness body
    excepted); 400, 413 and 500 (the body limit and errors every route may meet); 401 where a
    token is needed; 422 ``validation_error`` where there is a parameter or a body; 404
    ``not_found`` where there is a path parameter; a required ``If-Match`` exactly where 412
    and 428 are answered; ``invalid_cursor`` with a cursor, ``idempotency_key_reused`` with an
    Idempotency-Key; Retry-After on 429 and 503. With ``app``, also 403 ``role_not_allowed``
    where the route's role check admits fewer than every role, and a required ``If-Match``
    wherever the route depends on ``IfMatch``.
    """
    from .auth import access_rule_of
    from .openapi import OPERATION_ID_PATTERN, PROBLEM_REF, problem_codes
    from .roles import Role
    from .versioning import if_match_dependency

    wanted = (prefixes,) if isinstance(prefixes, str) else prefixes
    schemas = document.get("components", {}).get("schemas", {})
    found: list[str] = []
    if "Problem" not in schemas:
        found.append("components.schemas has no Problem")
    found += [
        f"components.schemas has FastAPI's {name}" for name in ("HTTPValidationError", "ValidationError") if name in schemas
    ]
    text = json.dumps(document)
    found += [f"$ref to a missing schema: {name}" for name in sorted(set(_SCHEMA_REF.findall(text)) - set(schemas))]

    routes: dict[tuple[str, str], Any] = {}
    if app is not None:
        from fastapi.routing import APIRoute, iter_route_contexts

        for context in iter_route_contexts(app.routes):
            if isinstance(context.original_route, APIRoute):
                for method in context.methods or ():
                    routes[(method.lower(), str(context.path_format))] = context

    seen: dict[str, str] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}:
                continue
            where = f"{method.upper()} {path}"
            identifier = str(operation.get("operationId", ""))
            if not OPERATION_ID_PATTERN.match(identifier) or identifier.split(".")[0] not in wanted:
                found.append(f"{where}: operationId {identifier!r} is not <{'|'.join(wanted)}>.<domain>...<verb>")
            if identifier in seen:
                found.append(f"{where}: operationId {identifier!r} is also {seen[identifier]}'s")
            seen[identifier] = where
            responses: dict[str, Any] = operation.get("responses", {})
            health = "health" in (operation.get("tags") or [])
            codes: dict[str, set[str]] = {}
            for status, entry in responses.items():
                if not status.isdigit() or int(status) < 400:
                    continue
                content = entry.get("content") or {}
                if "application/json" in content and not health:
                    found.append(f"{where}: {status} is documented as application/json")
                problem = content.get("application/problem+json")
                if problem is None:
                    if not health:
                        found.append(f"{where}: {status} is not documented as application/problem+json")
                    continue
                listed = entry.get("x-problem-codes") or []
                schema = problem.get("schema") or {}
                parts = schema.get("allOf") or [schema]
                enum = next((p["properties"]["code"].get("enum") for p in parts if "code" in p.get("properties", {})), None)
                if not any(p.get("$ref") == PROBLEM_REF for p in parts):
                    found.append(f"{where}: {status} is not the shared Problem schema")
                if not listed or enum != listed or list(problem_codes(entry)) != listed:
                    found.append(f"{where}: {status} does not list its codes (x-problem-codes, enum of code, description)")
                codes[status] = set(listed)
                if status in {"429", "503"} and "Retry-After" not in (entry.get("headers") or {}):
                    found.append(f"{where}: {status} has no Retry-After header")

            def needs(status: str, code: str, why: str, where: str = where, codes: dict[str, set[str]] = codes) -> None:
                if code not in codes.get(status, set()):
                    found.append(f"{where}: {why}, yet {status} `{code}` is not documented")

            for status, code in (
                ("400", "malformed_request"),
                ("400", "ambiguous_body_length"),
                ("413", "payload_too_large"),
                ("500", "internal_error"),
            ):
                needs(status, code, "every route is behind the server's parser, the body limit and the error handlers")
            security = operation.get("security", document.get("security", []))
            if security:
                needs("401", "not_authenticated", "it needs a token")
            parameters = operation.get("parameters", [])
            if "requestBody" in operation or any(p.get("name") != "If-Match" for p in parameters):
                needs("422", "validation_error", "it takes parameters or a body")
            if any(p.get("in") == "path" for p in parameters):
                needs("404", "not_found", "it has a path parameter")
            if any(p.get("in") == "query" and p.get("name") == "cursor" for p in parameters):
                needs("422", "invalid_cursor", "it takes a cursor")
            if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
                needs("422", "idempotency_key_reused", "it takes an Idempotency-Key")
            if_match = [p for p in parameters if p.get("in") == "header" and p.get("name", "").lower() == "if-match"]
            if if_match:
                if not all(p.get("name") == "If-Match" and p.get("required") for p in if_match):
                    found.append(f"{where}: If-Match is not a required header parameter named If-Match")
                needs("412", "stale_version", "it takes If-Match")
                needs("428", "if_match_required", "it takes If-Match")
            elif "if_match_required" in codes.get("428", set()):
                found.append(
                    f"{where}: answers 428 `if_match_required` without declaring the If-Match header (depend on IfMatch)"
                )
            route_context = routes.get((method, path))
            if route_context is not None:
                rule = access_rule_of(route_context.dependant)
                if rule is not None and not rule.public and rule.roles != frozenset(Role):
                    needs("403", "role_not_allowed", "its role check admits only some roles")
                calls = {d.call for d in _dependants(route_context.dependant)}
                if if_match_dependency in calls and not if_match:
                    found.append(f"{where}: depends on IfMatch, yet does not declare the If-Match header")
    return found


_SCHEMA_REF = re.compile(r'"#/components/schemas/([^"]+)"')


def _dependants(dependant: Any) -> list[Any]:
    found = [dependant]
    for sub in dependant.dependencies:
        found += _dependants(sub)
    return found


def assert_openapi_contract(document: dict[str, Any], prefixes: str | tuple[str, ...], app: FastAPI | None = None) -> None:
    """Fail, listing every violation, when ``document`` breaks haicap's OpenAPI contract (see above)."""
    violations = openapi_contract_violations(document, prefixes, app)
    assert not violations, f"{len(violations)} violations of the OpenAPI contract:\n" + "\n".join(violations)


def openapi_documentation_gaps(
    app_or_spec: FastAPI | dict[str, Any],
    *,
    title: str | None = None,
    paths: Iterable[str] = (),
    exact_paths: bool = False,
    token_routes_document: Iterable[str] = ("401",),
) -> list[str]:
    """What a reader of the document would miss (empty when nothing): the "OpenAPI is documented" rules.

    The document (``app.openapi()`` of an app) has ``title`` when given, serves ``paths`` (all
    of them, and only them with ``exact_paths``), a ``Problem`` schema, no schema named after its
    module path (two models of one name); every operation a
    summary and a description (the route's docstring: FastAPI gives every route a summary made
    of its function's name, so the docstring is what a missing one shows), a tag; every
    operation that needs a token documents 401 and 403 as problems (a role or an area refused).
    """
    spec = app_or_spec.openapi() if isinstance(app_or_spec, FastAPI) else app_or_spec
    found: list[str] = []
    if title is not None and spec.get("info", {}).get("title") != title:
        found.append(f"info.title is {spec.get('info', {}).get('title')!r}, not {title!r}")
    served = set(spec.get("paths", {}))
    wanted = set(paths)
    found += [f"{path} is not served" for path in sorted(wanted - served)]
    if exact_paths:
        found += [f"{path} is served, yet not expected" for path in sorted(served - wanted)]
    schemas = spec.get("components", {}).get("schemas", {})
    if "Problem" not in schemas:
        found.append("components.schemas has no Problem")
    # NOTE: FastAPI names a schema after its module path (``pkg__domain__schemas__Name``) when
    # two models share a class name; a generated client's types would then change with a move.
    found += [f"components.schemas.{name} is named after its module path" for name in sorted(schemas) if "__" in name]
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}:
                continue
            where = f"{method.upper()} {path}"
            if not str(operation.get("summary") or "").strip():
                found.append(f"{where} has no summary")
            if not str(operation.get("description") or "").strip():
                found.append(f"{where} has no description (its route has no docstring)")
            if not operation.get("tags"):
                found.append(f"{where} has no tag")
            if operation.get("security", spec.get("security", [])):
                responses = operation.get("responses", {})
                for status in token_routes_document:
                    content = (responses.get(status) or {}).get("content") or {}
                    if "application/problem+json" not in content:
                        found.append(f"{where} needs a token, yet documents no {status} problem")
    return found


def assert_openapi_documented(
    app_or_spec: FastAPI | dict[str, Any],
    *,
    title: str | None = None,
    paths: Iterable[str] = (),
    exact_paths: bool = False,
    token_routes_document: Iterable[str] = ("401",),
) -> None:
    """Fail, listing every gap, unless the document is documented (see :func:`openapi_documentation_gaps`)."""
    gaps = openapi_documentation_gaps(
        app_or_spec, title=title, paths=paths, exact_paths=exact_paths, token_routes_document=token_routes_document
    )
    assert not gaps, f"{len(gaps)} gaps in the OpenAPI document:\n" + "\n".join(gaps)


async def while_polling_healthz(client: httpx.AsyncClient, work: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    """Run ``work`` while polling the app's ``/healthz``: its answer, and the slowest ``/healthz`` in seconds.

    NOTE: in process the app shares this event loop, so a slow ``/healthz`` means the work
    held the loop: the figure the bounded-work goals are about.
    """
    task = asyncio.ensure_future(work)
    slowest = 0.0
    while not task.done():
        started = time.perf_counter()
        assert (await client.get("/healthz")).status_code == 200
        slowest = max(slowest, time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return await task, slowest
