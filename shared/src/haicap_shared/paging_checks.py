"""Crafted paging cursors, and every paged list of an app, for each service's tests.

Every list takes an opaque ``cursor``; one a caller made up must be a 422 ``invalid_cursor``,
never a 500 from the database. The lists are read from the app itself (like the access
matrix), so a list added later is checked without anyone remembering to.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

_ID = str(uuid.UUID(int=1))


def _cursor(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# NOTE: each is invalid for every list whatever its keys (a code, a name, a date, a timestamp
# or an integer id, then a UUID; or one id alone): the variants with one and two values
# cover both arities, and the value a list would accept is paired with one no list accepts.
CRAFTED_CURSORS: list[tuple[str, str]] = [
    ("not base64", "!!!not-a-cursor!!!"),
    ("base64 of bytes, not JSON", "AAAA"),
    ("JSON, not a list", _cursor('{"id": 1}')),
    ("empty list", _cursor("[]")),
    ("three values", _cursor(f'["a", "2026-01-01", "{_ID}"]')),
    ("a float where a UUID is expected (one key)", _cursor("[1.5]")),
    ("a float where a UUID is expected (two keys)", _cursor('["2026-01-01", 1.5]')),
    ("an integer where a UUID is expected", _cursor('["2026-01-01", 12345]')),
    ("a float where a key is expected", _cursor(f'[1.5, "{_ID}"]')),
    ("nulls", _cursor("[null, null]")),
    ("nested values", _cursor('[[1], {"a": 1}]')),
    ("booleans", _cursor(f'[true, "{_ID}"]')),
    ("not a UUID", _cursor('["x"]')),
    ("huge integers", _cursor(f"[{2**70}, {2**70}]")),
    ("a NUL in text", _cursor(f'["a\\u0000b", "{_ID}"]')),
    ("a lone surrogate", _cursor(f'["\\ud800", "{_ID}"]')),
    ("deeply nested", _cursor("[" * 2000)),
    ("huge", "A" * 60_000),  # NOTE: under httpx's own 64 KiB limit on a URL component
]


class _Unfilled(dict[str, str]):
    """Path values; a parameter without one stays ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class PagedRoute:
    path: str
    template: str

    def __str__(self) -> str:
        return f"GET {self.template}"


def paged_routes(app: FastAPI, path_values: dict[str, str] | None = None) -> list[PagedRoute]:
    """Every GET route of ``app`` that takes a ``cursor``, its path filled from ``path_values``."""
    routes: list[PagedRoute] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (route.methods or set()):
            continue
        if not any(param.name == "cursor" for param in route.dependant.query_params):
            continue
        template = context.path_format or route.path_format
        routes.append(PagedRoute(template.format_map(_Unfilled(path_values or {})), template))
    return routes


async def crafted_cursor_failures(
    client: httpx.AsyncClient, routes: list[PagedRoute], cursor: str, headers: dict[str, str] | None = None
) -> list[str]:
    """The routes that do not answer ``cursor`` with a 422 ``invalid_cursor`` problem."""
    failures: list[str] = []
    for route in routes:
        response = await client.get(route.path, params={"cursor": cursor}, headers=headers)
        code = None
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            code = json.loads(response.content).get("code")
        if response.status_code != 422 or code != "invalid_cursor":
            failures.append(f"{route}: {response.status_code} {code}")
    return failures


def undeclared_cursor_problems(app: FastAPI) -> list[str]:
    """The paged routes whose OpenAPI operation does not declare 422 ``invalid_cursor``."""
    paths = app.openapi()["paths"]
    missing: list[str] = []
    for route in paged_routes(app):
        responses = paths.get(route.template, {}).get("get", {}).get("responses", {})
        if "`invalid_cursor`" not in responses.get("422", {}).get("description", ""):
            missing.append(str(route))
    return missing
