"""Query parameters a route does not declare are refused, not ignored, and so is a single one given twice.

``?limt=5`` used to be dropped silently and the caller got a page of 50, believing it had
asked for 5. Every app built by :func:`haicap_shared.app.create_service_app` runs
:func:`reject_unknown_query_parameters` before each of its routes: the names a route declares
(its own parameters and those of its dependencies, aliases included: ``reveal``, ``format``,
``from``...) are read once from the matched route, and any other name is a 422
``unknown_query_parameter`` that lists them. Likewise ``?as_of=2025-06-30&as_of=2026-04-15``
used to answer for the last date alone: a parameter that takes one value, given more than
once, is a 422 ``repeated_query_parameter``; those that take a list (``by=level&by=unit``)
are repeated by design.
"""

from __future__ import annotations

import collections.abc
import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from .errors import BadRequest


class UnknownQueryParameter(BadRequest):
    """The request names query parameters the operation does not take (``parameters`` lists them)."""

    code, title = "unknown_query_parameter", "The request has query parameters this operation does not take"


class RepeatedQueryParameter(BadRequest):
    """The request gives more than once a query parameter that takes one value (``parameters`` lists them)."""

    code, title = "repeated_query_parameter", "The request gives a single-valued query parameter more than once"


@dataclass(frozen=True)
class DeclaredQuery:
    """The query parameter names a route takes, and which of them take a list (given repeated)."""

    names: frozenset[str]
    repeatable: frozenset[str]

    def merged(self, other: DeclaredQuery) -> DeclaredQuery:
        return DeclaredQuery(self.names | other.names, self.repeatable | other.repeatable)


def declared_query_parameters(app: FastAPI) -> dict[int, DeclaredQuery]:
    """The query parameters each route of the app takes (keyed by ``id`` of the route), computed once.

    NOTE: FastAPI keeps an included router as an entry of its own; the parameters of the
    dependencies it adds (the app's, the router's) are in the route's effective context, which
    ``iter_route_contexts`` yields, not in the route object the request scope names.
    """
    declared: dict[int, DeclaredQuery] | None = getattr(app.state, "declared_query_parameters", None)
    if declared is None:
        declared = {}
        for context in iter_route_contexts(app.routes):
            dependant = getattr(context, "dependant", None)
            if isinstance(context.original_route, APIRoute) and isinstance(dependant, Dependant):
                key = id(context.original_route)
                found = _declared(dependant)
                declared[key] = declared[key].merged(found) if key in declared else found
        app.state.declared_query_parameters = declared
    return declared


def takes_a_single_valued_query_parameter(app: FastAPI, route: Any) -> bool:
    """Whether ``route`` can answer 422 ``repeated_query_parameter`` (an included route's context, as OpenAPI rules get it)."""
    declared = declared_query_parameters(app).get(id(getattr(route, "original_route", route)))
    return declared is not None and bool(declared.names - declared.repeatable)


def _declared(dependant: Dependant) -> DeclaredQuery:
    names: set[str] = set()
    repeatable: set[str] = set()
    for field in dependant.query_params:
        model = _query_model(field.field_info.annotation)
        if model is None:
            fields = [(field.alias, field.field_info.annotation)]
        else:
            fields = [(info.alias or name, info.annotation) for name, info in model.model_fields.items()]
        for name, annotation in fields:
            names.add(name)
            if _takes_a_list(annotation):
                repeatable.add(name)
    found = DeclaredQuery(frozenset(names), frozenset(repeatable))
    for sub in dependant.dependencies:
        found = found.merged(_declared(sub))
    return found


_LISTS = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Set)


def _takes_a_list(annotation: Any) -> bool:
    """Whether a parameter of this type is given as repeated values (``list[str] | None`` is, ``str`` not)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_a_list(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_takes_a_list(arg) for arg in get_args(annotation))
    kind = origin or annotation
    # NOTE: text is a Sequence too, but a parameter of text takes one value.
    return isinstance(kind, type) and issubclass(kind, _LISTS) and not issubclass(kind, (str, bytes))


def _query_model(annotation: Any) -> type[BaseModel] | None:
    # NOTE: a pydantic model as a query parameter (``Annotated[Filters, Query()]``) stands for its fields.
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


async def reject_unknown_query_parameters(request: Request) -> None:
    """Refuse a query parameter the matched route does not declare, or one of a single value given twice.

    Each problem names every such parameter.
    """
    if not request.scope.get("query_string"):
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = declared_query_parameters(request.app).get(id(route))
    if declared is None:
        declared = _declared(route.dependant)
    given = request.query_params
    unknown = sorted(set(given.keys()) - declared.names)
    if unknown:
        raise _naming(
            UnknownQueryParameter,
            unknown,
            "This operation takes no query parameter {listed}; check the spelling against the API documentation",
            "Unknown query parameter",
        )
    if len(given) == len(given.multi_items()):
        return
    repeated = sorted(name for name in set(given.keys()) - declared.repeatable if len(given.getlist(name)) > 1)
    if repeated:
        raise _naming(
            RepeatedQueryParameter,
            repeated,
            "Give {listed} once: this operation takes one value of it, and would otherwise answer for one of them",
            "Given more than once",
        )


def _naming(problem: type[BadRequest], names: list[str], detail: str, message: str) -> BadRequest:
    """``problem`` naming each of ``names``: in its detail (``{listed}``), in ``parameters`` and in ``errors``."""
    listed = ", ".join(f"`{name}`" for name in names)
    return problem(
        detail.format(listed=listed),
        parameters=names,
        errors=[{"location": ["query", name], "message": message, "type": problem.code} for name in names],
    )
