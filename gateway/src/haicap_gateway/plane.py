"""The gateway's data plane around the routes: forwarding, body limit, gzip, CORS and the merged OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Route

from haicap_shared.auth import Public

from .compression import JsonGZipMiddleware
from .forwarding import ForwardingMiddleware
from .limits import BodyLimitMiddleware
from .openapi import OPENAPI_30_PATH, MergedOpenApi
from .settings import GatewaySettings

# NOTE: X-Requested-With: Swagger UI sends it when it signs in (a service's /docs, by CORS).
CORS_ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-ID",
    "X-Requested-With",
]
CORS_EXPOSED_HEADERS = ["ETag", "X-Request-ID", "Idempotent-Replayed", "Location"]
CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class OpenApi30Document(BaseModel):
    """The whole API as an OpenAPI 3.0.3 document (every member of the specification is kept)."""

    model_config = ConfigDict(extra="allow")

    openapi: str = Field(description="Always `3.0.3`", examples=["3.0.3"])
    info: dict[str, Any] = Field(description="Title, version and description (which names the services left out, if any)")
    paths: dict[str, Any] = Field(description="Every operation, the services' under their prefixes, as in `/openapi.json`")


def install_data_plane(app: FastAPI, settings: GatewaySettings) -> None:
    """Add forwarding, the limit, compression and CORS middleware, and serve the merged spec at the app's openapi_url."""
    # NOTE: appended, hence innermost: inside the request-id middleware, so a 413 carries the
    # request id like every other answer; forwarding innermost of all, so every layer above
    # applies to forwarded requests, while FastAPI's router serves only the gateway's own.
    app.user_middleware.append(Middleware(BodyLimitMiddleware, settings=settings))
    app.user_middleware.append(Middleware(ForwardingMiddleware, services=settings.upstreams()))
    app.add_middleware(JsonGZipMiddleware, minimum_size=settings.gzip_min_bytes)
    if origins := list(dict.fromkeys([*settings.cors_origin_list(), *settings.service_docs_origins()])):
        # NOTE: outermost, so a preflight is answered before anything else runs. No
        # credentials: callers send a bearer token in Authorization, not cookies. The
        # services' own /docs pages are among the origins (they sign in here).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_ALLOWED_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=600,
        )
    _serve_merged_openapi(app, settings)


def _serve_merged_openapi(app: FastAPI, settings: GatewaySettings) -> None:
    openapi_url = app.openapi_url or "/openapi.json"
    merged = MergedOpenApi(app, settings.upstreams(), settings.openapi_cache_seconds)
    app.state.merged_openapi = merged

    async def openapi(request: Request) -> JSONResponse:
        """The whole API: the gateway's routes and every service's, under their prefixes."""
        spec: dict[str, Any] = await merged.spec(request.app.state.upstream)
        return JSONResponse(spec)

    # NOTE: FastAPI's own route serves only the gateway's routes, and synchronously; it is
    # replaced in place, so /docs (which loads this URL) shows the merged spec.
    routes: list[BaseRoute] = app.router.routes
    routes[:] = [r for r in routes if not (isinstance(r, Route) and r.path == openapi_url)]
    app.router.add_route(openapi_url, openapi, methods=["GET"], include_in_schema=False)

    # NOTE: documented (unlike /openapi.json, which is the document itself), so a platform
    # reading the 3.1 document learns where its 3.0 form is.
    @app.get(
        OPENAPI_30_PATH,
        response_model=OpenApi30Document,
        dependencies=[Public],
        tags=["documentation"],
        operation_id="gateway.openapi30.get",
        summary="The whole API as OpenAPI 3.0.3",
    )
    async def openapi_30(request: Request) -> JSONResponse:
        """The whole API as OpenAPI 3.0.3, for data-sharing platforms (LGSP, X-Road) that import only 3.0."""
        spec: dict[str, Any] = await merged.spec_30(request.app.state.upstream)
        return JSONResponse(spec)
