"""Route classes: how long the gateway waits for an upstream, and how large a body it accepts.

Plain reads answer fast; writes may do more work; reports, imports, exports and bulk
operations are allowed much longer (and imports a much larger body).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from haicap_shared.request_limits import is_bulk_path

from .settings import GatewaySettings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REPORTS_PREFIX = "/api/v1/reports/"


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
    if bulk or path.startswith(_REPORTS_PREFIX):
        return RouteLimits(RouteClass.LONG, settings.long_timeout_seconds, max_body)
    if method.upper() in SAFE_METHODS:
        return RouteLimits(RouteClass.READ, settings.read_timeout_seconds, max_body)
    return RouteLimits(RouteClass.WRITE, settings.write_timeout_seconds, max_body)
