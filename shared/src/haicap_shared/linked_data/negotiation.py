"""Content negotiation of ``application/ld+json`` on the routes that also answer JSON.

A route takes :data:`JsonLdWanted`; JSON stays the default. JSON-LD is answered when the
query says ``format=jsonld``, or when ``Accept`` names ``application/ld+json`` at least as
high as ``application/json`` (``format=json`` wins over any ``Accept``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse

from .documents import JSONLD, context_url, document
from .iris import Iris

MAX_ACCEPT_ENTRIES = 50
"""Media ranges of ``Accept`` read; a longer header is read up to there."""


def _quality(accept: str, media_type: str) -> float:
    """The ``q`` an ``Accept`` header gives exactly ``media_type`` (0 when it is not named)."""
    for entry in accept.split(",")[:MAX_ACCEPT_ENTRIES]:
        name, *parameters = (part.strip() for part in entry.split(";"))
        if name.lower() != media_type:
            continue
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    return max(0.0, min(1.0, float(value)))
                except ValueError:
                    return 0.0
        return 1.0
    return 0.0


def prefers_jsonld(accept: str | None, requested: str | None) -> bool:
    """Whether the client asked for JSON-LD (``format`` first, then ``Accept``)."""
    if requested is not None:
        return requested == "jsonld"
    if not accept:
        return False
    linked = _quality(accept, JSONLD)
    return linked > 0 and linked >= _quality(accept, "application/json")


@dataclass(frozen=True)
class LinkedData:
    """What a route needs to answer JSON-LD: whether it was asked for, and the deployment's IRIs."""

    wanted: bool
    iris: Iris
    query: Mapping[str, str] = field(default_factory=dict)
    """The request's query, for a list's link to its next page."""

    @property
    def context(self) -> str:
        return context_url(self.iris.base)

    def document(self, nodes: list[dict[str, Any]]) -> dict[str, Any]:
        return document(self.iris.base, nodes)

    def next_page(self, cursor: str | None) -> dict[str, str]:
        """A list's next page as a ``Link`` header relative to the request (so right behind the gateway too)."""
        if cursor is None:
            return {}
        return {"Link": f'<?{urlencode({**self.query, "cursor": cursor})}>; rel="next"'}


def linked_data(
    request: Request,
    format: Annotated[
        Literal["json", "jsonld"] | None,
        Query(description="`jsonld` answers JSON-LD (W3C ORG), as `Accept: application/ld+json` does; JSON by default"),
    ] = None,
) -> LinkedData:
    """The request's choice of representation and the IRIs of this deployment (``public_base_url``)."""
    base: str = request.app.state.settings.public_base_url
    return LinkedData(
        wanted=prefers_jsonld(request.headers.get("accept"), format), iris=Iris.of(base), query=dict(request.query_params)
    )


JsonLdWanted = Annotated[LinkedData, Depends(linked_data)]


def jsonld_responses(description: str = "JSON-LD (W3C ORG) when asked for") -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry declaring ``application/ld+json`` beside a route's JSON."""
    return {200: {"content": {JSONLD: {"schema": {"type": "object", "description": description}}}}}


def jsonld_response(content: Mapping[str, Any], *, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """``content`` as ``application/ld+json`` (varying on ``Accept``, since the same URL answers JSON too)."""
    return JSONResponse(dict(content), media_type=JSONLD, headers={"Vary": "Accept", **(headers or {})})


class JsonLdResponse(JSONResponse):
    """A JSON body served as ``application/ld+json`` (a route that answers nothing else)."""

    media_type = JSONLD
