"""One OpenAPI for the whole API: the gateway's own routes plus every service's, under its prefix.

Each service's ``/openapi.json`` is fetched through the gateway's upstream and merged:

* paths move under the service's prefix (``/units`` -> ``/api/v1/org/units``);
* operationIds keep the form every service gives them, its prefix first (``org.units.list``,
  ``haicap_shared.openapi``); an id without it gets it. NOTE: always, not only on a clash, so
  an id a frontend generated a function from never changes because another service starts
  using the same name;
* every forwarded operation also documents what the gateway itself may answer for it: 401
  for a bearer token it refuses, 503 ``upstream_unavailable``, 504 ``upstream_timeout``;
* a schema defined the same way everywhere (``Problem``, ``Health``) is kept once; a name
  defined differently by two services (or depending on such a name) is prefixed with the
  service (``OrgUnit``), in every service that defines it, and each ``$ref`` follows;
* each service's event types (``webhooks``, OpenAPI 3.1: the CloudEvents its subscribers
  receive) are kept beside the gateway's own (identity's), their schema references renamed
  like the paths';
* one OAuth2 password-flow scheme (token at ``/api/v1/auth/token``) is required globally;
  health and OpenAPI paths are public, and so is a route of the gateway's own that declares no
  bearer scheme. A service that declares its own security keeps its per-route choices (a route
  it leaves unsecured stays public), mapped onto this scheme.

The result is reused for ``openapi_cache_seconds``. A service that cannot be reached is left
out, the description says which, and that incomplete result is reused only briefly.

The same document is also served as OpenAPI 3.0.3 (``/openapi-3.0.json``), for the provincial
data-sharing platforms and X-Road-style registries that import only 3.0: converted by
:func:`haicap_shared.openapi30.downgrade` from the cached 3.1 one, once per 3.1 document.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI

from haicap_shared.auth import InvalidToken, TokenExpired, TokenRevoked
from haicap_shared.errors import AppError, UpstreamTimeout, UpstreamUnavailable
from haicap_shared.openapi import add_problems, problems_of, schema_refs
from haicap_shared.openapi30 import downgrade

from .settings import UpstreamService
from .upstream import Upstream

logger = logging.getLogger("haicap.gateway.openapi")

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a path, not a secret)
# NOTE: the name FastAPI gives an OAuth2PasswordBearer scheme, so a route of the gateway or a
# service that declares the bearer dependency already points at this very scheme.
SCHEME = "OAuth2PasswordBearer"
SECURITY_SCHEME: dict[str, Any] = {
    "type": "oauth2",
    "description": "Sign in at the gateway (POST /api/v1/auth/token) for a bearer token",
    "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": {}}},
}
OPENAPI_30_PATH = "/openapi-3.0.json"
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/openapi.json", OPENAPI_30_PATH, "/docs", "/docs/oauth2-redirect", "/redoc", TOKEN_URL}
)
_REF = "#/components/schemas/"
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_INCOMPLETE_CACHE_SECONDS = 5.0
# NOTE: what the forwarding layer answers itself (identity.guard, upstream), on any forwarded path.
FORWARDING_PROBLEMS = problems_of(InvalidToken, TokenExpired, TokenRevoked, UpstreamUnavailable, UpstreamTimeout)


def schema_prefix(service: UpstreamService) -> str:
    """``org`` -> ``Org``: the prefix of a service's clashing schema names."""
    return "".join(part.capitalize() for part in service.prefix.replace("-", "_").split("_"))


def _rewrite_refs(node: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(node, dict):
        out = {key: _rewrite_refs(value, rename) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            out["$ref"] = _REF + rename(ref[len(_REF) :])
        return out
    if isinstance(node, list):
        return [_rewrite_refs(value, rename) for value in node]
    return node


def _canonical(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True)


def _clashing_names(definitions: dict[str, dict[str, Any]]) -> set[str]:
    """Names defined differently by two owners, and names whose definitions depend on those."""
    clashing = {name for name, owners in definitions.items() if len({_canonical(s) for s in owners.values()}) > 1}
    # NOTE: a schema identical in two services but referring to a name that clashes must
    # be split too, or its one copy would point at only one service's variant.
    changed = True
    while changed:
        changed = False
        for name, owners in definitions.items():
            if name not in clashing and any(schema_refs(schema) & clashing for schema in owners.values()):
                clashing.add(name)
                changed = True
    return clashing


def _service_security(operation: dict[str, Any], path: str, declares_security: bool) -> list[dict[str, list[str]]] | None:
    """The operation's security in the merged spec (``None``: the global requirement applies)."""
    if path in PUBLIC_PATHS:
        return []
    if not declares_security:
        return None
    requirements = operation.get("security")
    if not requirements:
        return []
    scopes = sorted({scope for requirement in requirements for values in requirement.values() for scope in values})
    return [{SCHEME: scopes}]


def merge_specs(
    gateway: dict[str, Any], services: Iterable[tuple[UpstreamService, dict[str, Any]]], missing: Iterable[str] = ()
) -> dict[str, Any]:
    """The merged spec: ``gateway`` (the gateway's own) plus each service's spec under its prefix."""
    merged = copy.deepcopy(gateway)
    specs = list(services)
    own_schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})

    definitions: dict[str, dict[str, dict[str, Any]]] = {}
    for name, schema in own_schemas.items():
        definitions.setdefault(name, {})[""] = schema
    for service, spec in specs:
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            definitions.setdefault(name, {})[service.prefix] = schema
    clashing = _clashing_names(definitions)

    tags: list[dict[str, Any]] = list(merged.get("tags", []))
    tag_names = {tag["name"] for tag in tags}
    paths: dict[str, Any] = merged.setdefault("paths", {})
    webhooks: dict[str, Any] = merged.get("webhooks", {})
    for path, item in paths.items():
        for method, operation in item.items():
            # NOTE: a route of the gateway's own that declares no bearer scheme is public (the
            # JWKS, the revocation list), not under the global requirement.
            if method in _HTTP_METHODS and (path in PUBLIC_PATHS or not operation.get("security")):
                operation["security"] = []

    for service, spec in specs:
        prefix = schema_prefix(service)

        def rename(name: str, prefix: str = prefix) -> str:
            return prefix + name if name in clashing else name

        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            own_schemas[rename(name)] = _rewrite_refs(schema, rename)
        declares_security = bool(spec.get("components", {}).get("securitySchemes"))
        for path, item in spec.get("paths", {}).items():
            public_path = service.public_path + path
            new_item: dict[str, Any] = _rewrite_refs(item, rename)
            for method, operation in new_item.items():
                if method not in _HTTP_METHODS:
                    continue
                if "operationId" in operation and not str(operation["operationId"]).startswith(f"{service.prefix}."):
                    operation["operationId"] = f"{service.prefix}.{operation['operationId']}"
                add_problems(operation, FORWARDING_PROBLEMS)
                operation["tags"] = operation.get("tags") or [service.name]
                security = _service_security(operation, path, declares_security)
                operation.pop("security", None)
                if security is not None:
                    operation["security"] = security
            paths[public_path] = new_item
        # NOTE: the service's event types (OpenAPI 3.1 ``webhooks``, named by their globally
        # unique type): what its subscribers receive, kept so one client knows every payload.
        for event_type, item in spec.get("webhooks", {}).items():
            webhooks[event_type] = _rewrite_refs(item, rename)
        for tag in spec.get("tags", []):
            if tag["name"] not in tag_names:
                tags.append(tag)
                tag_names.add(tag["name"])
        for service_tag in {
            t
            for item in spec.get("paths", {}).values()
            for o in item.values()
            if isinstance(o, dict)
            for t in o.get("tags") or [service.name]
        }:
            if service_tag not in tag_names:
                tags.append({"name": service_tag})
                tag_names.add(service_tag)

    merged["tags"] = tags
    if webhooks:
        merged["webhooks"] = webhooks
    merged["components"].setdefault("securitySchemes", {})[SCHEME] = SECURITY_SCHEME
    merged["security"] = [{SCHEME: []}]
    missing = list(missing)
    if missing:
        note = "**Incomplete:** these services could not be reached, their routes are missing: " + ", ".join(missing) + "."
        merged.setdefault("info", {})["description"] = note + "\n\n" + merged.get("info", {}).get("description", "")
        merged["info"]["x-missing-services"] = missing
    return merged


class MergedOpenApi:
    """The merged spec of one gateway, fetched when asked and reused for a while."""

    def __init__(self, app: FastAPI, services: tuple[UpstreamService, ...], cache_seconds: float) -> None:
        self.app = app
        self.services = services
        self.cache_seconds = cache_seconds
        self._cached: dict[str, Any] | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self._converted: tuple[dict[str, Any], dict[str, Any]] | None = None
        self._convert_lock = asyncio.Lock()

    async def spec(self, upstream: Upstream) -> dict[str, Any]:
        """The merged spec, fetched again once the cached one expired."""
        if self._cached is not None and time.monotonic() < self._expires:
            return self._cached
        # NOTE: one fetch at a time; callers arriving meanwhile get its result.
        async with self._lock:
            if self._cached is not None and time.monotonic() < self._expires:
                return self._cached
            fetched = await asyncio.gather(*(self._fetch(upstream, service) for service in self.services))
            found = [(s, spec) for s, spec in zip(self.services, fetched, strict=True) if spec is not None]
            missing = [s.name for s, spec in zip(self.services, fetched, strict=True) if spec is None]
            self._cached = merge_specs(self.app.openapi(), found, missing)
            ttl = min(self.cache_seconds, _INCOMPLETE_CACHE_SECONDS) if missing else self.cache_seconds
            self._expires = time.monotonic() + ttl
            return self._cached

    async def spec_30(self, upstream: Upstream) -> dict[str, Any]:
        """The merged spec as OpenAPI 3.0.3, converted again only when the 3.1 one was fetched again."""
        spec = await self.spec(upstream)
        async with self._convert_lock:
            if self._converted is None or self._converted[0] is not spec:
                # NOTE: a few tenths of a second for the whole API: off the event loop.
                self._converted = (spec, await asyncio.to_thread(downgrade, spec))
            return self._converted[1]

    @staticmethod
    async def _fetch(upstream: Upstream, service: UpstreamService) -> dict[str, Any] | None:
        try:
            spec = await upstream.get_json(service, "/openapi.json")
        except (AppError, ValueError) as exc:
            logger.warning("service spec missing", extra={"upstream": service.name, "error": repr(exc)})
            return None
        return spec if isinstance(spec, dict) else None
