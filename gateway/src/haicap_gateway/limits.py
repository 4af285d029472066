"""The gateway's request body limit: the shared one, with the limits of the gateway's route classes.

A declared Content-Length over the limit is refused up front, a streamed body cut off, and a
request with both Content-Length and Transfer-Encoding refused (400 ``ambiguous_body_length``)
before anything is forwarded (``haicap_shared.request_limits``).
"""

from __future__ import annotations

from starlette.types import ASGIApp

from haicap_shared.request_limits import BODY_TOO_LARGE, PayloadTooLarge
from haicap_shared.request_limits import BodyLimitMiddleware as SharedBodyLimitMiddleware

from .routes import route_limits
from .settings import GatewaySettings

__all__ = ["BODY_TOO_LARGE", "BodyLimitMiddleware", "PayloadTooLarge"]


class BodyLimitMiddleware(SharedBodyLimitMiddleware):
    """Refuse bodies larger than the route class allows (``routes.route_limits``), as 413 problems."""

    def __init__(self, app: ASGIApp, settings: GatewaySettings) -> None:
        super().__init__(app, lambda method, path: route_limits(method, path, settings).max_body_bytes)
        self.settings = settings
