"""Route classes: how large a body the gateway accepts, and the default wait by method.

Imports and bulk paths take a much larger body. How long the gateway waits for an operation is
what its service declares in its OpenAPI (``deadlines.Deadlines``); ``timeout_seconds`` here
is only the default by method, for operations that declare nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from haicap_shared.request_limits import is_bulk_path

from .settings import GatewaySettings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RouteClass(StrEnum):
    READ = "read"
    WRITE = "write"
    LONG = "long"


@dataclass(frozen=True, slots=True)
class RouteLimits:
    """What the gateway allows one request of a route class."""

    route_class: RouteClass
    timeout_seconds: float
    max_body_bytes: int


def route_limits(method: str, path: str, settings: GatewaySettings) -> RouteLimits:
    """The limits of ``method path`` (the public path, e.g. ``/api/v1/org/units/imports``)."""
    bulk = is_bulk_path(path)
    max_body = settings.max_import_body_bytes if bulk else settings.max_body_bytes
    safe = method.upper() in SAFE_METHODS
    timeout = settings.read_timeout_seconds if safe else settings.write_timeout_seconds
    if bulk:
        return RouteLimits(RouteClass.LONG, timeout, max_body)
    return RouteLimits(RouteClass.READ if safe else RouteClass.WRITE, timeout, max_body)
