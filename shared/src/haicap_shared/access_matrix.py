"""The access matrix: every route of an app, every role, and what each must get.

Routes are read from the app itself, so a route added later without an access rule makes
:func:`routes_with_rules` fail the test that calls it. Used by each service's tests (in
process) and by the cross-service tests (through the real gateway).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from .auth import AccessRule, access_rule_of
from .roles import Role

# NOTE: FastAPI's own documentation routes are not APIRoutes and are public by design.
_SAMPLE_VALUES: dict[str, str] = {"code": "01273", "province_code": "04"}


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: str
    rule: AccessRule

    template: str = ""

    def url(self, prefix: str = "") -> str:
        return prefix + self.path

    def __str__(self) -> str:
        return f"{self.method} {self.template or self.path}"


def _sample_path(route: APIRoute, path_format: str) -> str:
    values: dict[str, str] = {}
    for param in route.dependant.path_params:
        annotation = getattr(param.field_info, "annotation", None)
        if annotation is uuid.UUID:
            values[param.name] = str(uuid.UUID(int=0))
        else:
            values[param.name] = _SAMPLE_VALUES.get(param.name, "sample")
    return path_format.format(**values)


def routes_with_rules(app: FastAPI) -> list[RouteCase]:
    """Every route with its rule; fails listing the routes that declare none."""
    cases: list[RouteCase] = []
    missing: list[str] = []
    # NOTE: FastAPI keeps included routers as entries of their own; iter_route_contexts
    # walks them and gives each route's effective path.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        rule = access_rule_of(route.dependant)
        path_format = context.path_format or route.path_format
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule is None:
                missing.append(f"{method} {path_format}")
            else:
                cases.append(RouteCase(method, _sample_path(route, path_format), rule, template=path_format))
    assert not missing, f"routes without an access rule: {missing}"
    return cases


async def assert_access_matrix(
    client: httpx.AsyncClient,
    cases: list[RouteCase],
    headers_for: Callable[[Role], dict[str, str]],
    *,
    prefix: str = "",
    no_auth: dict[str, str] | None = None,
) -> dict[str, dict[str, int]]:
    """Send every route once without a token and once per role; check who is let in.

    Admitted roles may still get 404 or 422 (the sample ids and bodies are not real); what
    is checked is that no admitted role is refused for its role or for want of a token, and
    that every other role is refused with 403 ``role_not_allowed``.
    """
    table: dict[str, dict[str, int]] = {}
    failures: list[str] = []
    for case in cases:
        row = table.setdefault(str(case), {})
        body: Any = {} if case.method in {"POST", "PUT", "PATCH"} else None
        anonymous = await client.request(case.method, case.url(prefix), headers=no_auth or {"Authorization": ""}, json=body)
        row["anonymous"] = anonymous.status_code
        if case.rule.public and anonymous.status_code == 401:
            failures.append(f"{case}: public, but 401 without a token")
        if not case.rule.public and anonymous.status_code != 401:
            failures.append(f"{case}: {anonymous.status_code} without a token, expected 401")
        for role in Role:
            response = await client.request(case.method, case.url(prefix), headers=headers_for(role), json=body)
            row[role.value] = response.status_code
            refused = response.status_code == 403 and response.json().get("code") == "role_not_allowed"
            admitted = case.rule.public or role in case.rule.roles
            if admitted and (refused or response.status_code == 401):
                failures.append(f"{case}: {role.value} refused ({response.status_code}) but the rule admits it")
            if not admitted and not refused:
                failures.append(f"{case}: {role.value} got {response.status_code}, expected 403 role_not_allowed")
    assert not failures, "\n".join(failures)
    return table
