"""An OpenAPI 3.1 document rewritten as OpenAPI 3.0.3, for the platforms that take only 3.0.

The provincial data-sharing platforms (LGSP) and X-Road-style registries import service
descriptions in OpenAPI 3.0 (X-Road's REST protocol does). FastAPI writes 3.1, whose schemas
are JSON Schema 2020-12; :func:`downgrade` rewrites every construct 3.0 cannot say into the 3.0
form that means the same, and moves what 3.0 has no word for into an ``x-`` extension (3.0
tools ignore those) rather than dropping it silently:

* ``type: [X, "null"]`` and ``anyOf``/``oneOf`` with a ``{"type": "null"}`` branch become
  ``nullable: true`` (the one remaining branch merged in, or kept in ``allOf`` when it is a
  ``$ref``); a list of several types becomes ``anyOf`` of one type each;
* ``const`` becomes a one-value ``enum``; a schema's ``examples`` list its first ``example``;
* a numeric ``exclusiveMinimum``/``exclusiveMaximum`` becomes ``minimum``/``maximum`` with the
  boolean form; ``contentMediaType``/``contentEncoding`` become ``format: binary``/``byte``;
* ``prefixItems`` becomes ``items`` (``anyOf`` of the positions); ``$schema``, ``$id``,
  ``$comment``, ``$anchor``, ``$defs`` and the dynamic references are removed; the other
  2020-12 keywords (``propertyNames``, ``dependentRequired``, ``unevaluatedProperties``,
  ``if``/``then``/``else``, ...) are kept as ``x-jsonschema-<keyword>``;
* a schema ``$ref`` with siblings (which 3.0 ignores) is wrapped in ``allOf``; a reference to
  anything else loses its siblings (3.0's Reference Object has none);
* ``webhooks`` (3.1 only) become ``x-webhooks`` and ``info.description`` says so;
  ``jsonSchemaDialect``, ``components.pathItems`` (inlined where referenced),
  ``info.summary`` and ``license.identifier`` are dropped.

NOTE: the walk knows where schemas are (components, parameters, headers, media types, and the
subschema keywords), so example values, defaults and enums, which are data, are never rewritten.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

OPENAPI_30 = "3.0.3"
WEBHOOKS_EXTENSION = "x-webhooks"
WEBHOOKS_NOTE = (
    "OpenAPI 3.0 has no webhooks: the events this API sends (OpenAPI 3.1 `webhooks`) are listed under "
    "`x-webhooks`, each a path item keyed by its event type, as in the 3.1 document (`/openapi.json`)."
)
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REMOVED = frozenset({"$schema", "$id", "$comment", "$anchor", "$defs", "$dynamicRef", "$dynamicAnchor", "$vocabulary"})
_KEPT_AS_EXTENSION = frozenset(
    {
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "minContains",
        "maxContains",
        "if",
        "then",
        "else",
    }
)
_SUBSCHEMA = ("items", "not", "additionalProperties")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_NULL = {"type": "null"}
_ENCODED_FORMAT = {"base64": "byte"}


def downgrade(document: dict[str, Any]) -> dict[str, Any]:
    """A 3.0.3 copy of the 3.1 ``document`` (which is left as it is)."""
    source = copy.deepcopy(document)
    path_items: dict[str, Any] = source.get("components", {}).pop("pathItems", {}) or {}
    out: dict[str, Any] = {"openapi": OPENAPI_30}
    for key, value in source.items():
        if key in {"openapi", "jsonSchemaDialect", "webhooks"}:
            continue
        if key == "info":
            out["info"] = _info(value)
        elif key == "paths":
            out["paths"] = {path: _path_item(item, path_items) for path, item in value.items()}
        elif key == "components":
            out["components"] = _components(value)
        else:
            out[key] = value
    out.setdefault("paths", {})
    if webhooks := source.get("webhooks"):
        out[WEBHOOKS_EXTENSION] = {name: _path_item(item, path_items) for name, item in webhooks.items()}
        description = out["info"].get("description", "")
        out["info"]["description"] = f"{description}\n\n{WEBHOOKS_NOTE}" if description else WEBHOOKS_NOTE
    return out


def _info(info: dict[str, Any]) -> dict[str, Any]:
    out = {key: value for key, value in info.items() if key != "summary"}
    if "summary" in info and "description" not in info:
        out["description"] = info["summary"]
    if isinstance(license_ := info.get("license"), dict):
        out["license"] = {key: value for key, value in license_.items() if key != "identifier"}
    return out


def _components(components: dict[str, Any]) -> dict[str, Any]:
    out = dict(components)
    if "schemas" in out:
        out["schemas"] = {name: schema_30(schema) for name, schema in out["schemas"].items()}
    for kind, convert in (
        ("parameters", _parameter),
        ("headers", _parameter),
        ("requestBodies", _with_content),
        ("responses", _response),
    ):
        if kind in out:
            out[kind] = {name: convert(value) for name, value in out[kind].items()}
    return out


def _reference(node: dict[str, Any]) -> dict[str, Any]:
    """A Reference Object without the ``summary``/``description`` siblings 3.1 allows."""
    return {"$ref": node["$ref"]}


def _path_item(item: dict[str, Any], path_items: dict[str, Any]) -> dict[str, Any]:
    ref = item.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/pathItems/"):
        # NOTE: 3.0 has no reusable path items; the one referred to is inlined.
        item = {**path_items[ref.rsplit("/", 1)[1]], **{k: v for k, v in item.items() if k != "$ref"}}
    out = dict(item)
    if "parameters" in out:
        out["parameters"] = [_parameter(p) for p in out["parameters"]]
    for method in _HTTP_METHODS:
        if method in out:
            out[method] = _operation(out[method], path_items)
    return out


def _operation(operation: dict[str, Any], path_items: dict[str, Any]) -> dict[str, Any]:
    out = dict(operation)
    if "parameters" in out:
        out["parameters"] = [_parameter(p) for p in out["parameters"]]
    if "requestBody" in out:
        out["requestBody"] = _with_content(out["requestBody"])
    if "responses" in out:
        out["responses"] = {code: _response(response) for code, response in out["responses"].items()}
    if "callbacks" in out:
        out["callbacks"] = {
            name: callback if "$ref" in callback else {expr: _path_item(item, path_items) for expr, item in callback.items()}
            for name, callback in out["callbacks"].items()
        }
    return out


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    """A Parameter or Header Object: its schema, or its content's."""
    if "$ref" in parameter:
        return _reference(parameter)
    out = _with_content(parameter)
    if "schema" in out:
        out["schema"] = schema_30(out["schema"])
    return out


def _with_content(node: dict[str, Any]) -> dict[str, Any]:
    """A Request Body (or anything with ``content``): each media type's schema and encoding headers."""
    if "$ref" in node:
        return _reference(node)
    out = dict(node)
    if "content" in out:
        out["content"] = {media: _media_type(value) for media, value in out["content"].items()}
    return out


def _media_type(media: dict[str, Any]) -> dict[str, Any]:
    out = dict(media)
    if "schema" in out:
        out["schema"] = schema_30(out["schema"])
    if "encoding" in out:
        out["encoding"] = {
            name: {**encoding, "headers": {h: _parameter(v) for h, v in encoding.get("headers", {}).items()}}
            if "headers" in encoding
            else encoding
            for name, encoding in out["encoding"].items()
        }
    return out


def _response(response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        return _reference(response)
    out = _with_content(response)
    if "headers" in out:
        out["headers"] = {name: _parameter(header) for name, header in out["headers"].items()}
    return out


def schema_30(schema: Any) -> Any:
    """One JSON Schema 2020-12 schema as an OpenAPI 3.0 Schema Object."""
    if not isinstance(schema, dict):
        # NOTE: a boolean schema: ``true`` allows anything (an empty schema), ``false`` nothing.
        return {} if schema is not False else {"not": {}}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _REMOVED:
            continue
        if key in _KEPT_AS_EXTENSION:
            out[f"x-jsonschema-{key}"] = value
        elif key == "properties":
            out[key] = {name: schema_30(sub) for name, sub in value.items()}
        elif key in _SUBSCHEMA:
            out[key] = schema_30(value) if isinstance(value, dict) or key != "additionalProperties" else value
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [schema_30(sub) for sub in value]
        else:
            out[key] = value
    for rewrite in _REWRITES:
        out = rewrite(out)
    return out


def _const(schema: dict[str, Any]) -> dict[str, Any]:
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
        if schema["enum"] == [None]:
            schema["nullable"] = True
    return schema


def _examples(schema: dict[str, Any]) -> dict[str, Any]:
    examples = schema.pop("examples", None)
    if isinstance(examples, list) and examples and "example" not in schema:
        schema["example"] = examples[0]
    return schema


def _exclusive_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    for exclusive, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        bound = schema.get(exclusive)
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            continue
        current = schema.get(inclusive)
        # NOTE: with both, the stricter wins: an inclusive bound past the exclusive one makes it moot.
        tighter = current is not None and (current > bound if inclusive == "minimum" else current < bound)
        if tighter:
            del schema[exclusive]
        else:
            schema[inclusive], schema[exclusive] = bound, True
    return schema


def _content_keywords(schema: dict[str, Any]) -> dict[str, Any]:
    media = schema.pop("contentMediaType", None)
    encoding = schema.pop("contentEncoding", None)
    if (media is not None or encoding is not None) and "format" not in schema:
        schema["format"] = _ENCODED_FORMAT.get(str(encoding).lower(), "binary") if encoding else "binary"
    return schema


def _prefix_items(schema: dict[str, Any]) -> dict[str, Any]:
    positions = schema.pop("prefixItems", None)
    if positions is None:
        return schema
    converted = [schema_30(position) for position in positions]
    if "items" in schema and schema["items"] != {"not": {}}:
        converted.append(schema["items"])
    else:
        schema["maxItems"] = min(schema.get("maxItems", len(converted)), len(converted))
    schema["items"] = converted[0] if len(converted) == 1 else {"anyOf": converted}
    return schema


def _type_list(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind == "null":
        del schema["type"]
        schema["nullable"] = True
        schema.setdefault("enum", [None])
        return schema
    if not isinstance(kind, list):
        return schema
    types = [t for t in kind if t != "null"]
    if len(types) < len(kind):
        schema["nullable"] = True
    if len(types) == 1:
        schema["type"] = types[0]
    else:
        del schema["type"]
        if types:
            schema.setdefault("anyOf", []).extend({"type": t} for t in types)
    return schema


def _null_branch(schema: dict[str, Any]) -> dict[str, Any]:
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if not isinstance(branches, list) or not any(_is_null(b) for b in branches):
            continue
        rest = [b for b in branches if not _is_null(b)]
        schema["nullable"] = True
        del schema[key]
        if len(rest) > 1:
            schema[key] = rest
        elif rest:
            _merge_branch(schema, rest[0])
    return schema


def _is_null(branch: Any) -> bool:
    return isinstance(branch, dict) and (branch == _NULL or branch == {"nullable": True, "enum": [None]})


def _merge_branch(schema: dict[str, Any], branch: dict[str, Any]) -> None:
    """The one non-null branch of an ``anyOf`` merged into its parent, or kept in ``allOf``."""
    if "$ref" in branch or any(key in schema and schema[key] != value for key, value in branch.items()):
        schema.setdefault("allOf", []).append(branch)
    else:
        schema.update(branch)
        schema["nullable"] = True


def _ref_siblings(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema and len(schema) > 1:
        ref = {"$ref": schema.pop("$ref")}
        schema["allOf"] = [ref, *schema.get("allOf", [])]
    return schema


_REWRITES: tuple[Callable[[dict[str, Any]], dict[str, Any]], ...] = (
    _const,
    _examples,
    _exclusive_bounds,
    _content_keywords,
    _prefix_items,
    _type_list,
    _null_branch,
    _ref_siblings,
)
