"""Query parameters a route does not declare are refused, not ignored.

``?limt=5`` used to be dropped silently and the caller got a page of 50, believing it had
asked for 5. Every app built by :func:`haicap_shared.app.create_service_app` runs
:func:`reject_unknown_query_parameters` before each of its routes: the names a route declares
(its own parameters and those of its dependencies, aliases included: ``reveal``, ``format``,
``from``...) are read once from the matched route, and any other name is a 422
``unknown_query_parameter`` that lists them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from .errors import BadRequest


class UnknownQueryParameter(BadRequest):
    """The request names query parameters the operation does not take (``parameters`` lists them)."""

    code, title = "unknown_query_parameter", "The request has query parameters this operation does not take"


def declared_query_parameters(app: FastAPI) -> dict[int, frozenset[str]]:
    """The query parameter names each route of the app takes (keyed by ``id`` of the route), computed once.

    NOTE: FastAPI keeps an included router as an entry of its own; the parameters of the
    dependencies it adds (the app's, the router's) are in the route's effective context, which
    ``iter_route_contexts`` yields, not in the route object the request scope names.
    """
    declared: dict[int, frozenset[str]] | None = getattr(app.state, "declared_query_parameters", None)
    if declared is None:
        found: dict[int, set[str]] = {}
        for context in iter_route_contexts(app.routes):
            dependant = getattr(context, "dependant", None)
            if isinstance(context.original_route, APIRoute) and isinstance(dependant, Dependant):
                found.setdefault(id(context.original_route), set()).update(_names(dependant))
        declared = {key: frozenset(names) for key, names in found.items()}
        app.state.declared_query_parameters = declared
    return declared


def _names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for field in dependant.query_params:
        model = _query_model(field.field_info.annotation)
        if model is None:
            names.add(field.alias)
        else:
            names.update(info.alias or name for name, info in model.model_fields.items())
    for sub in dependant.dependencies:
        names |= _names(sub)
    return names


def _query_model(annotation: Any) -> type[BaseModel] | None:
    # NOTE: a pydantic model as a query parameter (``Annotated[Filters, Query()]``) stands for its fields.
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


async def reject_unknown_query_parameters(request: Request) -> None:
    """Refuse a query parameter the matched route does not declare, naming every such parameter."""
    if not request.scope.get("query_string"):
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = declared_query_parameters(request.app).get(id(route))
    if declared is None:
        declared = frozenset(_names(route.dependant))
    unknown = sorted(set(request.query_params.keys()) - declared)
    if unknown:
        listed = ", ".join(f"`{name}`" for name in unknown)
        raise UnknownQueryParameter(
            f"This operation takes no query parameter {listed}; check the spelling against the API documentation",
            parameters=unknown,
            errors=[
                {"location": ["query", name], "message": "Unknown query parameter", "type": "unknown_query_parameter"}
                for name in unknown
            ],
        )
