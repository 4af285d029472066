"""The command line every service shares: ``migrate``, ``serve`` and ``relay``, plus its own commands.

``relay`` (a service with a database) runs the change feed's relay on the service's database
(:mod:`haicap_shared.events.relay`): it delivers the outbox to NATS JetStream
(``HAICAP_EVENTS_NATS_URL``) and to the webhook subscriptions, until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from .events.catalogue import EventCatalogue
from .events.relay import relay_arguments, serve_relay
from .events.settings import EventSettings
from .http_parsers import HTTP_PROTOCOLS
from .logs import configure_logging
from .migrations import upgrade_to_head
from .settings import ProcessSettings, ServiceSettings

Command = Callable[[argparse.Namespace, ServiceSettings], int]

# NOTE: httptools and uvloop (dependencies; uvloop where it exists: "auto" picks it), chosen by
# measurement (bench/gateway.py, README "Server stack"); httptools through haicap's protocol,
# which keeps h11's answer to a body of ambiguous length (haicap_shared.http_parsers). h11 and
# asyncio's loop stay selectable, to compare.
EVENT_LOOPS = ("auto", "asyncio", "uvloop")


def forwarded_allow_list(value: str) -> list[str]:
    """The proxies a ``forwarded_allow_ips`` setting names (addresses or networks); empty: none."""
    return [item.strip() for item in value.split(",") if item.strip()]


def run_service_cli(
    *,
    prog: str,
    settings: ProcessSettings,
    app_factory: str,
    migrations: Path | None,
    extra: Callable[[argparse._SubParsersAction], dict[str, Command]] | None = None,  # type: ignore[type-arg]
    argv: list[str] | None = None,
) -> int:
    does = "run, migrate and maintain" if migrations is not None else "run and maintain"
    parser = argparse.ArgumentParser(prog=prog, description=f"{prog}: {does} the service")
    commands = parser.add_subparsers(dest="command", required=True)
    if migrations is not None:
        commands.add_parser("migrate", help="apply every database migration")
        relay = commands.add_parser("relay", help="deliver the change feed to NATS and the webhook subscriptions")
        relay_arguments(relay, service="")
    serve = commands.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    serve.add_argument("--limit-concurrency", type=int, default=None, help="shed load with 503 past this many requests")
    serve.add_argument(
        "--http",
        choices=sorted(HTTP_PROTOCOLS),
        default="httptools",
        help="uvicorn's HTTP/1.1 parser (default: %(default)s; h11 to compare)",
    )
    serve.add_argument(
        "--loop", choices=EVENT_LOOPS, default="auto", help="the event loop (auto: uvloop, installed with haicap, else asyncio's)"
    )
    own = extra(commands) if extra else {}
    args = parser.parse_args(argv)
    configure_logging(settings.log_level, settings.service_name)

    if args.command == "migrate":
        assert migrations is not None
        assert isinstance(settings, ServiceSettings), "migrations need a database"
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(upgrade_to_head(migrations, settings.resolved_database_url()))
        return 0
    if args.command == "relay":
        return run_relay(args, settings, app_factory=app_factory)
    if args.command == "serve":
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        # NOTE: keep-alive above the clients' pool expiry, or a client reuses a socket the
        # server is closing at that moment, and its request fails. Forwarded headers only from the configured
        # proxies: uvicorn's default trusts 127.0.0.1 (or $FORWARDED_ALLOW_IPS), so anyone
        # on the same host could name any address and defeat the per-address sign-in limit.
        trusted = forwarded_allow_list(settings.forwarded_allow_ips)
        uvicorn.run(
            with_openapi_built(app_factory),
            factory=True,
            host=args.host,
            port=args.port,
            timeout_keep_alive=75,
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or [],
            limit_concurrency=args.limit_concurrency,
            http=HTTP_PROTOCOLS[args.http],
            loop=args.loop,
            log_config=None,
            access_log=False,
        )
        return 0
    # NOTE: a service's own commands (imports, accounts) work on its database.
    assert isinstance(settings, ServiceSettings), "a service's own commands need a database"
    return own[args.command](args, settings)


def with_openapi_built(app_factory: str) -> Callable[[], FastAPI]:
    """The app of ``app_factory`` (``module:function``) with its OpenAPI document already built.

    NOTE: FastAPI builds the document on the first ``/openapi.json``, synchronously: seconds of
    CPU on the event loop for a large service (org-structure: 2 s idle), during which every other
    request, a readiness probe included, waits. Built here, before the server listens, that first
    request is served from the cache like the others.
    """

    def build() -> FastAPI:
        module, _, name = app_factory.partition(":")
        app: FastAPI = getattr(importlib.import_module(module), name)()
        app.openapi()
        # NOTE: what start-up built (modules, the app, its OpenAPI document) lives as long as the
        # process; frozen, Python's cycle collector no longer walks it. Walking it every so often
        # stalled the event loop: the gateway's p99 at 32 connections was about 100 ms against a
        # p50 of 4 ms, and its CPU per request 168 µs against 124 µs with nothing to walk
        # (bench/gateway.py). What requests allocate is still collected.
        gc.collect()
        gc.freeze()
        return app

    return build


def run_relay(args: argparse.Namespace, settings: ProcessSettings, *, app_factory: str | None = None) -> int:
    """The ``relay`` command: the change feed's relay on the service's database until SIGTERM.

    ``args`` has the options of :func:`haicap_shared.events.relay.relay_arguments` (``service``,
    ``replica``). The service's name in NATS subjects and its stream is, unless ``--service``
    says otherwise, the one its event types carry (its catalogue's: ``org`` for org-structure),
    read from the app ``app_factory`` builds; else the process's ``service_name``.
    """
    assert isinstance(settings, ServiceSettings), "the relay needs the service's database"
    configure_logging(settings.log_level, f"{settings.service_name}-relay")
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    service = args.service or _published_service(app_factory) or settings.service_name
    asyncio.run(serve_relay(settings.resolved_database_url(), service, EventSettings(), replica=args.replica))
    return 0


def _published_service(app_factory: str | None) -> str | None:
    """The service name of the event catalogue of the app ``module:function`` builds (nothing is started)."""
    if not app_factory:
        return None
    module, _, function = app_factory.partition(":")
    app = getattr(importlib.import_module(module), function)()
    catalogue = getattr(app.state, "events", None)
    return catalogue.service if isinstance(catalogue, EventCatalogue) else None
