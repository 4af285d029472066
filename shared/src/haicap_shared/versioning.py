"""ETags from row versions, and If-Match enforcement on writes.

A route that changes a versioned resource depends on :data:`IfMatch` and calls
``if_match.check(resource.version)``: the dependency declares the ``If-Match`` header, so
the OpenAPI document shows it as a required header parameter of that operation, with its
412 and 428 problems (``haicap_shared.openapi``).

A single resource is answered with its version as ``ETag``: :func:`etag_response` (200, or
another status); a create answers 201 through ``IdempotentRequest.created``
(``haicap_shared.idempotency``, which stores the answer for a replay under an
Idempotency-Key), with :func:`created_headers`: the ``ETag`` and the ``Location``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .errors import PreconditionFailed, PreconditionRequired

IF_MATCH_HEADER = "If-Match"
_DECLARED = "haicap_if_match_declared"


def etag(version: int) -> str:
    return f'"{version}"'


def version_of(body: BaseModel) -> int:
    """The ``version`` of a versioned resource's schema."""
    version: int = getattr(body, "version")  # noqa: B009 - the schema of a versioned resource has one
    return version


def etag_response(
    body: BaseModel, version: int | None = None, status_code: int = 200, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """``body`` as JSON with ``ETag`` from ``version`` (by default ``body.version``), then any other ``headers``."""
    tag = etag(version_of(body) if version is None else version)
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers={"ETag": tag, **(headers or {})})


def if_none_match_names(header: str | None, etag: str) -> bool:
    """``If-None-Match`` names ``etag`` or ``*`` (weak comparison, RFC 9110 13.1.2): the caller holds it, answer 304."""
    if header is None:
        return False
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in offered or etag.removeprefix("W/") in offered


def created_headers(location: str, version: int) -> dict[str, str]:
    """The headers of a 201: the new resource's ``ETag`` and its ``Location`` (relative to the request's path)."""
    return {"ETag": etag(version), "Location": location}


def check_if_match(request: Request, current_version: int) -> None:
    """Refuse a write without If-Match (428) or with a stale one (412).

    The route must depend on :data:`IfMatch` (so its documentation says it needs the header);
    one that does not is a programming error, raised as such.
    """
    if not getattr(request.state, _DECLARED, False):
        raise RuntimeError(f"{request.method} {request.url.path} checks If-Match without depending on IfMatch")
    header = request.headers.get("if-match")
    if header is None:
        raise PreconditionRequired("Send If-Match with the ETag you last read")
    if header.strip() == "*":
        return
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if etag(current_version) not in offered:
        raise PreconditionFailed(
            f"The resource is at version {current_version}; read it again and retry",
            current_etag=etag(current_version),
        )


class IfMatchCondition:
    """The request's ``If-Match``, to be checked against the resource's version once it is loaded."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def check(self, current_version: int) -> None:
        """428 without If-Match, 412 when it names another version than ``current_version``."""
        check_if_match(self.request, current_version)


async def if_match_dependency(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            alias=IF_MATCH_HEADER,
            description="The ETag you last read (or `*`). Required: without it the answer is 428 "
            "`if_match_required`; with a stale one, 412 `stale_version`.",
        ),
    ] = None,
) -> IfMatchCondition:
    # NOTE: optional for FastAPI, so that a request without it gets 428 (RFC 6585) from
    # check(), not a 422; the OpenAPI document marks it required (haicap_shared.openapi).
    setattr(request.state, _DECLARED, True)
    return IfMatchCondition(request)


if_match_dependency.problems = (PreconditionFailed, PreconditionRequired)  # type: ignore[attr-defined]

IfMatch = Annotated[IfMatchCondition, Depends(if_match_dependency)]
"""The ``If-Match`` a write requires: ``if_match.check(resource.version)`` once the resource is loaded."""
