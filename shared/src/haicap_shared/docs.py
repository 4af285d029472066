"""The API documentation pages (``/docs``, ``/redoc``), served with no CDN, and where they sign in.

FastAPI's pages load Swagger UI and ReDoc from a CDN, which a closed government network does
not reach. Here the JavaScript, CSS and icon come from the installed ``fastapi-offline``
package (MIT; it ships Swagger UI 5 and ReDoc 2), served under ``/docs-assets/``.

Every URL a page uses is relative to the page, so a service's pages also work through the
gateway (``/api/v1/org/docs`` loads ``/api/v1/org/openapi.json`` and
``/api/v1/org/docs-assets/...``); there, "Try it out" is sent under the same prefix. The
"Authorize" button of a service's page signs in at the gateway: the OAuth2 password flow's
``tokenUrl`` in the service's OpenAPI document is ``settings.public_token_url``, the gateway's
token endpoint as a browser reaches it.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import Scope

DOCS_ASSETS_PATH = "/docs-assets"
# NOTE: the scheme name FastAPI gives ``OAuth2PasswordBearer`` (haicap_shared.auth's bearer).
BEARER_SCHEME = "OAuth2PasswordBearer"
_ASSETS_CACHE = "public, max-age=86400"
# NOTE: images only from here: ReDoc shows Redocly's logo from its CDN (hidden when it fails to
# load), and a closed network should not even try.
PAGE_POLICY = {"Content-Security-Policy": "img-src 'self' data:"}


def docs_assets_directory() -> Path:
    """Where the installed Swagger UI and ReDoc files are."""
    return Path(str(files("fastapi_offline") / "static"))


class DocsAssets(StaticFiles):
    """The documentation pages' files; a browser may keep them a day (answers are ``no-store`` otherwise)."""

    def file_response(self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = _ASSETS_CACHE
        return response


# NOTE: FastAPI's own page, with the files served here and one addition: under a prefix (a
# service's page through the gateway) the spec is loaded and its operations sent under that
# prefix too. Nothing from the request is written into the page; the title is escaped.
_SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link type="text/css" rel="stylesheet" href="docs-assets/swagger-ui.css">
<link rel="shortcut icon" href="docs-assets/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs-assets/swagger-ui-bundle.js"></script>
<script>
const prefix = window.location.pathname.replace(/\\/docs\\/?$/, "");
const config = {{
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  oauth2RedirectUrl: window.location.origin + prefix + "/docs/oauth2-redirect",
  validatorUrl: null,
}};
if (prefix) {{
  fetch(prefix + "/openapi.json")
    .then((response) => response.json())
    .then((spec) => {{
      spec.servers = spec.servers || [{{ url: prefix }}];
      window.ui = SwaggerUIBundle({{ ...config, spec }});
    }});
}} else {{
  window.ui = SwaggerUIBundle({{ ...config, url: "openapi.json" }});
}}
</script>
</body>
</html>
"""


def swagger_ui_page(title: str) -> HTMLResponse:
    """Swagger UI for the spec beside the page, with its files from ``docs-assets/``."""
    return HTMLResponse(_SWAGGER_PAGE.format(title=html.escape(f"{title} - Swagger UI")), headers=PAGE_POLICY)


def install_offline_docs(app: FastAPI) -> None:
    """Serve ``app``'s ``/docs``, its OAuth2 redirect and ``/redoc`` from the installed files, replacing FastAPI's.

    NOTE: FastAPI's pages are removed after the app is built (as the gateway replaces its
    ``/openapi.json``), so the app keeps its ``docs_url`` and ``redoc_url``. Plain routes, not
    API routes: they stay out of the OpenAPI document and the app-wide dependencies.
    """
    docs_url, redoc_url, redirect_url = app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url
    pages = {url for url in (docs_url, redoc_url, redirect_url) if url}
    app.router.routes[:] = [r for r in app.router.routes if not (isinstance(r, Route) and r.path in pages)]
    title = app.title

    async def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI."""
        return swagger_ui_page(title)

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        """Where Swagger UI's OAuth2 flows that redirect come back."""
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        """ReDoc."""
        page = get_redoc_html(
            openapi_url="openapi.json",
            title=f"{title} - ReDoc",
            redoc_js_url="docs-assets/redoc.standalone.js",
            redoc_favicon_url="docs-assets/favicon.png",
            with_google_fonts=False,
        )
        page.headers.update(PAGE_POLICY)
        return page

    app.mount(DOCS_ASSETS_PATH, DocsAssets(directory=docs_assets_directory()), name="docs-assets")
    if docs_url:
        app.add_route(docs_url, swagger_ui, methods=["GET"], include_in_schema=False)
        if redirect_url:
            app.add_route(redirect_url, oauth2_redirect, methods=["GET"], include_in_schema=False)
    if redoc_url:
        app.add_route(redoc_url, redoc, methods=["GET"], include_in_schema=False)


def sign_in_at(app: FastAPI, token_url: str) -> None:
    """Make the OpenAPI document's bearer scheme sign in at ``token_url`` (its password flow's ``tokenUrl``).

    NOTE: applied to the built document (wrapping ``app.openapi`` like the other additions of
    the shared library), since the bearer dependency is one object for every service.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        scheme = schema.get("components", {}).get("securitySchemes", {}).get(BEARER_SCHEME)
        password = scheme.get("flows", {}).get("password") if isinstance(scheme, dict) else None
        if isinstance(password, dict):
            password["tokenUrl"] = token_url
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
