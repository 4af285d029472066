"""The app factory every service builds on.

Nothing is created at import time: the database (for a service that has one), the HTTP
client and anything a service adds are built in the lifespan and disposed after it, so tests
pass their own settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import MetaData

from .audit import AuditTrail, PersonalFields, audit_router
from .auth import KeySource
from .db import Database
from .docs import install_offline_docs, sign_in_at
from .errors import install_problem_handlers
from .events.catalogue import EventCatalogue
from .events.wiring import EVENT_TAGS, install_events
from .health import Readiness, health_router
from .http import new_http_client
from .logs import skip_logged_errors_in_server_log
from .middleware import RequestIdMiddleware
from .openapi import declare_problems, install_contract
from .query import (
    RepeatedQueryParameter,
    UnknownQueryParameter,
    reject_unknown_query_parameters,
    takes_a_single_valued_query_parameter,
)
from .request_limits import BodyLimitMiddleware, default_body_limit
from .security_headers import SecurityHeadersMiddleware
from .settings import ProcessSettings, ServiceSettings

Extension = Callable[[FastAPI], AbstractAsyncContextManager[None]]

_COMMON_TAGS: list[dict[str, Any]] = [
    {"name": "audit", "description": "Who changed what, and when"},
    {"name": "health", "description": "Liveness and readiness"},
]


def create_service_app(
    *,
    title: str,
    description: str,
    settings: ProcessSettings,
    metadata: MetaData | None,
    routers: Sequence[APIRouter] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
    extensions: Sequence[Extension] = (),
    readiness: APIRouter | None = None,
    version: str = "0.1.0",
    personal_fields: PersonalFields | None = None,
    limit_bodies: bool = True,
    operation_prefix: str | None = None,
    events: EventCatalogue | None = None,
) -> FastAPI:
    """A FastAPI app with haicap's database, errors, request ids, health and audit wired in.

    ``metadata`` is the service's own (with the ``audit_event`` and ``idempotency_key``
    tables), its database reached with ``settings`` (then a :class:`ServiceSettings`); a
    service without a database passes ``None`` and has no ``/audit-events``. ``/readyz``
    checks the database, or for a service without one answers once the process serves,
    unless ``readiness`` brings the service's own check. The ``audit`` and ``health`` tags
    are described here; ``openapi_tags`` adds the service's own. ``personal_fields`` names the
    personal fields of the service's audit snapshots by entity type, masked when the log is read.
    ``operation_prefix`` (the service's path at the gateway: ``org``, ``reports``; the service's
    name by default) starts every operationId (``org.units.list``, see :mod:`haicap_shared.openapi`).
    ``events``: the kinds of record the service publishes; every audited change then writes its
    CloudEvents in the same transaction, and the app serves ``/events`` and ``/webhook-subscriptions``
    (:mod:`haicap_shared.events`; the metadata must hold the event tables).

    Every request body is limited (``settings.max_body_bytes``, ``max_import_body_bytes`` on
    import and bulk paths, or an allowance a service puts in ``app.state.body_allowances``,
    path prefix to bytes); ``limit_bodies=False`` leaves that to the caller (the gateway has
    its own route classes). Every response gets ``X-Content-Type-Options: nosniff`` and, unless
    its route chose its own, ``Cache-Control: no-store``. A query parameter a route does not
    declare is refused (422 ``unknown_query_parameter``, see :mod:`haicap_shared.query`), and so
    is one that takes a single value given more than once (422 ``repeated_query_parameter``).
    """
    database = _database_settings(settings, metadata)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.http = new_http_client(settings.upstream_timeout_seconds)
        app.state.keys = KeySource(settings, app.state.http)
        if database is not None:
            app.state.database = Database(
                database.resolved_database_url(),
                echo=database.log_sql,
                read_url=database.resolved_read_url(),
                pool_size=database.database_pool_size,
                max_overflow=database.database_max_overflow,
                jit=database.database_jit,
                parallel_for_one_area=database.database_parallel_for_one_area,
            )
        try:
            async with _nested(app, extensions):
                yield
        finally:
            await app.state.http.aclose()
            if database is not None:
                await app.state.database.dispose()

    tags = list(openapi_tags or [])
    named = {tag["name"] for tag in tags}
    tags += [tag for tag in _COMMON_TAGS if tag["name"] not in named and (metadata is not None or tag["name"] != "audit")]
    if events is not None:
        tags += [tag for tag in EVENT_TAGS if tag["name"] not in named]
    # NOTE: an app-wide dependency, so every route (the gateway's own included) refuses query
    # parameters it does not declare instead of ignoring a misspelt one.
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_tags=tags,
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.state.body_allowances = {}
    if limit_bodies:
        # NOTE: added first, hence inside the request-id middleware: a 413 carries the request id.
        app.add_middleware(BodyLimitMiddleware, limit=default_body_limit(settings, app.state.body_allowances))
    # NOTE: the request-id middleware logs an unhandled error (once, with the request id) and
    # answers its 500 problem; uvicorn's copy of that log line is dropped.
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    skip_logged_errors_in_server_log()
    own_readiness: Readiness | None = None if readiness is not None else "database" if database is not None else "process"
    app.include_router(health_router(settings.service_name, readiness=own_readiness))
    if readiness is not None:
        app.include_router(readiness)
    if metadata is not None:
        app.state.audit = AuditTrail(metadata.tables["audit_event"], personal_fields)
        app.state.idempotency_table = metadata.tables["idempotency_key"]
        app.include_router(audit_router(app.state.audit))
        if events is not None:
            install_events(app, events, metadata, settings)
    for router in routers:
        app.include_router(router)
    # NOTE: one contract in every document (haicap_shared.openapi): operationIds, problems, headers.
    install_contract(app, operation_prefix or settings.service_name)
    declare_problems(app, UnknownQueryParameter)
    declare_problems(app, RepeatedQueryParameter, where=lambda route, _method: takes_a_single_valued_query_parameter(app, route))
    install_offline_docs(app)
    sign_in_at(app, settings.public_token_url)
    return app


def _database_settings(settings: ProcessSettings, metadata: MetaData | None) -> ServiceSettings | None:
    """The settings that reach the service's database; None for a service without one."""
    if metadata is None:
        return None
    if not isinstance(settings, ServiceSettings):
        raise TypeError(f"{settings.service_name} has tables, so its settings must be ServiceSettings (its database URL)")
    return settings


@asynccontextmanager
async def _nested(app: FastAPI, extensions: Sequence[Extension]) -> AsyncIterator[None]:
    if not extensions:
        yield
        return
    first, *rest = extensions
    async with first(app), _nested(app, rest):
        yield
