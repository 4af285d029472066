"""The contract every haicap process publishes in its OpenAPI document, made in one place.

:func:`install_contract` (called by ``create_service_app``) post-processes the document
FastAPI builds from the routes, so that every service, and the gateway's merged document,
says the same things the same way:

* **operationIds** are ``<prefix>.<domain>[.<part>].<verb>`` (``org.units.list``,
  ``personnel.people.get``, ``assets.dispositions.submit``), derived from the service's
  prefix (its path at the gateway), the route's path, method, success status and body
  (:func:`operation_id`). NOTE: set on the built document, not by FastAPI's
  ``generate_unique_id_function``, which runs before a route's response model and status are
  known. They are checked to be unique when the document is built; a route whose derived id
  would clash names its own (``operation_id=`` on the route, in the same format).
* **Problems**: every status >= 400 an operation can answer is documented as
  ``application/problem+json`` with the one shared ``Problem`` schema, narrowed per
  response to the ``code`` values it can carry (an ``enum``, and the same list in
  ``x-problem-codes`` and in the description). The codes come from the route's declared
  problems (``problem_responses``) and from what the shared library itself answers:
  401/403 from the auth dependencies, 422 ``validation_error`` wherever there is a parameter
  or a body, ``invalid_cursor`` on lists, ``idempotency_key_reused`` with Idempotency-Key,
  ``empty_search`` with a search ``q``, 404 ``not_found`` wherever a path parameter can miss,
  412/428 with If-Match, 400/413 from the body limit, 409 ``integrity_conflict`` on writes,
  500, 503 when the signing keys cannot be fetched. A dependency may list what it answers in
  a ``problems`` attribute; anything else that applies to many routes is a rule
  (:func:`add_problem_rule`, :func:`declare_problems`).
* **Headers**: ``If-Match`` is a required header parameter where the route depends on
  :data:`haicap_shared.versioning.IfMatch` (the route answers 428 without it);
  ``Idempotency-Key`` where it is accepted; ``ETag``, ``Location`` (on 201),
  ``Idempotent-Replayed`` and ``Retry-After`` (on 429 and 503) as response headers.

The functions that work on a document (:func:`add_problems`, :func:`problem_entry`) are
also what the gateway uses on its merged document.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic.json_schema import models_json_schema

from .db import DbSession
from .errors import (
    PROBLEM_MEDIA_TYPE,
    AppError,
    IntegrityConflict,
    MalformedBody,
    NotFound,
    Problem,
    ValidationFailed,
)
from .http_parsers import MalformedRequest
from .idempotency import REPLAYED_HEADER, _idempotent_request
from .paging import InvalidCursor, Page
from .request_limits import AmbiguousBodyLength, PayloadTooLarge
from .text import EmptySearch
from .versioning import IF_MATCH_HEADER, if_match_dependency

__all__ = [
    "OPERATION_ID_PATTERN",
    "PROBLEM_REF",
    "ProblemRule",
    "add_problem_rule",
    "add_problems",
    "declare_problems",
    "install_contract",
    "operation_id",
    "problem_codes",
    "problem_components",
    "problem_entry",
    "problems_of",
]

PROBLEM_REF = "#/components/schemas/Problem"
_RETRY_AFTER = {"description": "Seconds to wait before trying again, when known", "schema": {"type": "integer", "minimum": 0}}
_SCHEMAS = "#/components/schemas/"
OPERATION_ID_PATTERN = re.compile(r"^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*){2,}$")
"""``<prefix>.<domain>[.<part>...].<verb>``: lower camel case words joined by dots, three or more."""

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_CODE_LINE = re.compile(r"^- `([^`]+)`: ?(.*)$")
_HEALTH_PATHS = {"/healthz": ("health", "live"), "/readyz": ("health", "ready")}
_VERBS = {"get": "get", "put": "replace", "patch": "update", "delete": "delete", "post": "create"}
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Problems = dict[int, dict[str, str]]
"""Status -> code -> title."""

Route = Any
"""An :class:`~fastapi.routing.APIRoute`, or FastAPI's context of one inside an included router
(the same attributes: ``path_format``, ``methods``, ``dependant``, ``responses``...)."""

ProblemRule = Callable[[Route, str], Iterable[type[AppError]]]
"""What a route answers besides its declared problems, given the route and one of its methods (``GET``)."""


# --- operationIds -------------------------------------------------------------------------


def _camel(segment: str) -> str:
    words = [w for w in re.split(r"[-_.\s]+", segment) if w]
    if not words:
        return ""
    return words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _is_collection(route: Route) -> bool:
    """Whether the route's success body is a list (a ``Page`` or a JSON array)."""
    model = route.response_model
    if model is None:
        return False
    if isinstance(model, type) and issubclass(model, Page):
        return True
    return typing.get_origin(model) in (list, tuple, set, frozenset)


def operation_id(prefix: str, route: Route) -> str:
    """``org.units.list``: the service's prefix, the path's words and a verb.

    * ``GET /units`` -> ``list`` when the body is a list, ``GET /units/{id}`` -> ``get``,
      ``PATCH`` -> ``update``, ``PUT`` -> ``replace``, ``DELETE`` -> ``delete``;
    * ``POST`` -> ``create`` on a collection, or when it answers 201 (``POST
      /tasks/{id}/transfers`` -> ``org.tasks.transfers.create``);
    * otherwise the last word of the path is the verb: ``POST /dispositions/{id}/submit`` ->
      ``assets.dispositions.submit``, ``GET /units/{id}/lineage`` -> ``org.units.lineage``.

    ``/api/v1`` at the start of a path (the gateway's own routes) is left out; ``/healthz`` and
    ``/readyz`` are ``<prefix>.health.live`` and ``<prefix>.health.ready``.
    """
    method = sorted(route.methods or {"GET"})[0].lower()
    path = route.path_format
    if path in _HEALTH_PATHS and method == "get":
        return ".".join([prefix, *_HEALTH_PATHS[path]])
    segments = [s for s in path.split("/") if s]
    if segments[:2] == ["api", "v1"]:
        segments = segments[2:]
    words = [_camel(s) for s in segments if not s.startswith("{")] or ["root"]
    ends_with_parameter = bool(segments) and segments[-1].startswith("{")
    if method == "get":
        if ends_with_parameter:
            names, verb = words, "get"
        elif _is_collection(route):
            names, verb = words, "list"
        elif len(words) == 1:
            names, verb = words, "get"
        else:
            names, verb = words[:-1], words[-1]
    elif method == "post":
        if len(words) == 1 or ends_with_parameter or route.status_code == 201:
            names, verb = words, "create"
        else:
            names, verb = words[:-1], words[-1]
    else:
        names, verb = words, _VERBS.get(method, method)
    return ".".join([prefix, *names, verb])


# --- problem responses in a document ------------------------------------------------------


def problem_entry(codes: Mapping[str, str], *, preamble: str = "", base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A response object for problems with these ``codes`` (code -> title).

    The schema is the shared ``Problem`` with ``code`` narrowed to an enum of ``codes``; the
    codes are listed in ``x-problem-codes`` and, with their titles, in the description.
    ``base`` (an existing response object) keeps its headers, extensions and other media types.
    """
    entry: dict[str, Any] = dict(base or {})
    lines = "\n".join(f"- `{code}`: {title}".rstrip() for code, title in codes.items())
    entry["description"] = f"{preamble}\n\n{lines}" if preamble else lines
    entry["x-problem-codes"] = list(codes)
    schema = {"allOf": [{"$ref": PROBLEM_REF}, {"type": "object", "properties": {"code": {"enum": list(codes)}}}]}
    content = {media: value for media, value in dict(entry.get("content") or {}).items() if not _is_problem_content(media, value)}
    entry["content"] = {PROBLEM_MEDIA_TYPE: {"schema": schema}, **content}
    return entry


def problem_codes(entry: Mapping[str, Any]) -> dict[str, str]:
    """The codes (with titles, where the description gives them) a response object documents."""
    titles: dict[str, str] = {}
    for line in str(entry.get("description") or "").splitlines():
        match = _CODE_LINE.match(line.strip())
        if match:
            titles[match.group(1)] = match.group(2)
    listed = entry.get("x-problem-codes")
    if isinstance(listed, list):
        return {str(code): titles.get(str(code), "") for code in listed}
    return titles


def _preamble(entry: Mapping[str, Any]) -> str:
    """The description's own words, before the list of codes (FastAPI's defaults dropped)."""
    text = str(entry.get("description") or "")
    kept = [line for line in text.splitlines() if not _CODE_LINE.match(line.strip())]
    preamble = "\n".join(kept).strip()
    return "" if preamble in {"Validation Error", "Successful Response"} else preamble


def _is_problem_content(media: str, value: Any) -> bool:
    """Whether a media type of a response documents a problem (to be replaced by the one problem schema)."""
    if media == PROBLEM_MEDIA_TYPE:
        return True
    refs = schema_refs(value)
    return media == "application/json" and bool(refs) and refs <= {"Problem", "HTTPValidationError"}


def _is_problem_response(entry: Mapping[str, Any]) -> bool:
    content = entry.get("content")
    if not content:
        return True
    return any(_is_problem_content(media, value) for media, value in content.items())


def add_problems(operation: dict[str, Any], problems: Mapping[int, Mapping[str, str]]) -> None:
    """Document ``problems`` (status -> code -> title) on ``operation``, beside what it already lists."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, codes in sorted(problems.items()):
        if not codes:
            continue
        key = str(status)
        existing = responses.get(key) or {}
        merged = {**problem_codes(existing), **{c: t for c, t in codes.items() if c not in problem_codes(existing)}}
        responses[key] = problem_entry(merged, preamble=_preamble(existing), base=existing)
        if status in (429, 503):
            responses[key].setdefault("headers", {}).setdefault("Retry-After", _RETRY_AFTER)
    _sort_responses(operation)


def _sort_responses(operation: dict[str, Any]) -> None:
    responses = operation.get("responses") or {}
    operation["responses"] = dict(sorted(responses.items(), key=lambda item: (not item[0].isdigit(), item[0])))


def problem_components() -> dict[str, Any]:
    """The ``Problem`` schema and the schemas it refers to, as ``components.schemas`` entries."""
    _, top = models_json_schema([(Problem, "serialization")], ref_template=_SCHEMAS + "{model}")
    definitions: dict[str, Any] = top.get("$defs", {})
    return definitions


def schema_refs(node: Any) -> set[str]:
    """The names of the ``components.schemas`` entries ``node`` refers to, at any depth."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMAS):
            found.add(ref[len(_SCHEMAS) :])
        for value in node.values():
            found |= schema_refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= schema_refs(value)
    return found


# --- what a route can answer --------------------------------------------------------------


def problems_of(*errors: type[AppError]) -> Problems:
    """``errors`` as status -> code -> title, for :func:`add_problems`."""
    found: Problems = {}
    for error in errors:
        found.setdefault(error.status, {}).setdefault(error.code, error.title)
    return found


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependencies(sub)


def _calls(route: Route) -> list[Any]:
    """The route's dependencies' callables, once each, in the order FastAPI resolves them (a stable order)."""
    return list(dict.fromkeys(d.call for d in _dependencies(route.dependant) if d.call is not None))


def _parameters(route: Route) -> list[Any]:
    fields: list[Any] = []
    for d in _dependencies(route.dependant):
        fields += [*d.path_params, *d.query_params, *d.header_params, *d.cookie_params]
    return fields


_SESSION = typing.get_args(DbSession)[1].dependency


def shared_problems(route: Route, method: str) -> Iterator[type[AppError]]:
    """What the shared library itself may answer on ``route``: auth, validation, bodies, paths, versions, keys.

    A dependency may say what it answers itself in a ``problems`` attribute (a tuple of
    :class:`AppError` classes): every route that depends on it documents them.
    """
    calls = _calls(route)
    for call in calls:
        yield from getattr(call, "problems", ())
    yield AppError  # NOTE: 500 internal_error, which any route may answer
    yield AmbiguousBodyLength  # NOTE: the body limit applies to every route, whatever it reads
    yield MalformedRequest  # NOTE: the server's answer to what it cannot read, before any route
    yield PayloadTooLarge
    has_body = route.body_field is not None
    if has_body:
        yield MalformedBody
    if has_body or _parameters(route):
        yield ValidationFailed
    if any(d.path_params for d in _dependencies(route.dependant)):
        # NOTE: a path value that does not route (a `/` in it) is the router's 404.
        yield NotFound
    queried = {p.alias for d in _dependencies(route.dependant) for p in d.query_params}
    if "cursor" in queried:
        yield InvalidCursor
    if "q" in queried:
        # NOTE: every search goes through haicap_shared.text, which refuses one without a letter or digit.
        yield EmptySearch
    if method in _WRITES and _SESSION in calls:
        yield IntegrityConflict


def add_problem_rule(app: FastAPI, rule: ProblemRule) -> None:
    """Document what ``rule`` says a route answers, on every operation of ``app`` (installed contract needed)."""
    rules: list[ProblemRule] = app.state.problem_rules
    rules.append(rule)
    app.openapi_schema = None


def declare_problems(app: FastAPI, *errors: type[AppError], where: Callable[[Route, str], bool] | None = None) -> None:
    """Document ``errors`` on every operation of ``app`` (or those ``where(route, method)`` holds for).

    For problems that a middleware or a shared dependency answers on many routes.
    """

    def rule(route: Route, method: str) -> Iterable[type[AppError]]:
        return errors if where is None or where(route, method) else ()

    add_problem_rule(app, rule)


# --- headers ------------------------------------------------------------------------------

_ETAG = {"description": "The resource's version; send it back as If-Match to change it", "schema": {"type": "string"}}
_LOCATION = {"description": "Where the created resource is read (relative to the service's path)", "schema": {"type": "string"}}
_REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]},
}


def _body_properties(operation: dict[str, Any], schemas: dict[str, Any], status: str) -> set[str]:
    """The properties of the JSON body a success status answers with."""
    content = (operation.get("responses", {}).get(status) or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    ref = schema.get("$ref", "")
    target = schemas.get(ref[len(_SCHEMAS) :], {}) if ref.startswith(_SCHEMAS) else schema
    return set(target.get("properties") or {})


def _document_headers(route: Route, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    calls = _calls(route)
    responses: dict[str, Any] = operation.get("responses", {})
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header":
            # NOTE: a header is there or not, never null: FastAPI's `anyOf [..., null]` of an
            # optional one is its one non-null branch.
            schema = parameter.get("schema") or {}
            branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
            if len(branches) == 1 and len(schema["anyOf"]) == 2:
                parameter["schema"] = {**{k: v for k, v in schema.items() if k != "anyOf"}, **branches[0]}
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == IF_MATCH_HEADER.lower():
            # NOTE: required, though the route reads it optionally: without it the answer is 428
            # if_match_required (RFC 6585), not FastAPI's 422.
            parameter["name"] = IF_MATCH_HEADER
            parameter["required"] = True
    idempotent = _idempotent_request in calls
    single = route.path_format.endswith("}") and "GET" in (route.methods or ())
    for status in [status for status in responses if status.startswith("2")]:
        headers: dict[str, Any] = responses[status].setdefault("headers", {})
        body = _body_properties(operation, schemas, status)
        # NOTE: a versioned resource answered by reading it by id, by a change under If-Match
        # or by a keyed create carries its ETag (the routes' convention: with_etag,
        # idempotency.respond); a created resource with an id, its Location.
        if "version" in body and (single or if_match_dependency in calls or (status == "201" and idempotent)):
            headers.setdefault("ETag", {**_ETAG, "required": True})
        if status == "201" and idempotent and "id" in body:
            headers.setdefault("Location", {**_LOCATION, "required": True})
        if idempotent:
            headers.setdefault(REPLAYED_HEADER, _REPLAYED)
        if not headers:
            del responses[status]["headers"]


# --- the post-processing ------------------------------------------------------------------


def _route_operations(app: FastAPI, document: dict[str, Any]) -> Iterator[tuple[Route, str, dict[str, Any]]]:
    paths = document.get("paths", {})
    # NOTE: FastAPI keeps an included router as one entry of app.routes; its routes, with what
    # the inclusion adds (prefix, dependencies, responses), are the contexts iterated here.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format, {})
        for method in sorted(route.methods or ()):
            operation = item.get(method.lower())
            if isinstance(operation, dict):
                yield route, method, operation


def apply_contract(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``document`` (``app``'s, as FastAPI built it) to the contract described above, in place."""
    rules: list[ProblemRule] = getattr(app.state, "problem_rules", [])
    prefix: str = getattr(app.state, "operation_prefix", "") or _camel(app.title)
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    seen: dict[str, str] = {}
    for route, method, operation in _route_operations(app, document):
        responses: dict[str, Any] = operation.setdefault("responses", {})
        declared: Problems = {}
        for key, entry in list(responses.items()):
            if key.isdigit() and int(key) >= 400 and _is_problem_response(entry):
                listed = problem_codes(entry)
                if listed:
                    declared[int(key)] = listed
                else:
                    # NOTE: FastAPI's own 422 (HTTPValidationError): replaced by the problem below.
                    del responses[key]
        found = problems_of(*shared_problems(route, method))
        for rule in rules:
            for status, codes in problems_of(*rule(route, method)).items():
                found.setdefault(status, {}).update(codes)
        for status, codes in found.items():
            for code, title in codes.items():
                declared.setdefault(status, {}).setdefault(code, title)
        add_problems(operation, declared)
        _document_headers(route, operation, schemas)
        identifier = route.operation_id or operation_id(prefix, route)
        operation["operationId"] = identifier
        where = f"{method} {route.path_format}"
        if identifier in seen:
            raise RuntimeError(f"operationId {identifier!r} of {where} is also {seen[identifier]}'s; name one with operation_id=")
        seen[identifier] = where
    for name, schema in problem_components().items():
        schemas[name] = schema
    remaining = schema_refs({k: v for k, v in document.items() if k != "components"}) | schema_refs(
        {k: v for k, v in schemas.items() if k not in {"HTTPValidationError", "ValidationError"}}
    )
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused not in remaining:
            schemas.pop(unused, None)
    return document


def install_contract(app: FastAPI, operation_prefix: str) -> None:
    """Make ``app.openapi()`` return the document with the contract applied (rebuilt when routes change).

    ``operation_prefix`` starts every operationId (the service's path at the gateway: ``org``;
    a name such as ``shared-sample`` becomes ``sharedSample``).
    """
    app.state.problem_rules = getattr(app.state, "problem_rules", [])
    app.state.operation_prefix = _camel(operation_prefix)
    build = app.openapi
    # NOTE: the last document processed, kept (not its id, which a new one could reuse): FastAPI
    # builds a new document when routes were added since, which is processed in its turn.
    processed: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        document = build()
        if not processed or processed[0] is not document:
            apply_contract(app, document)
            processed[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
