"""The consuming system behind a service-account call, as the data-sharing platform names it.

A provincial data-sharing platform (LGSP) or an X-Road-style registry traces every call to the
system that made it (X-Road's REST protocol: the ``X-Road-Client`` header). haicap meets
that from its own side: a service account carries its consuming system's code (``system_code``,
set by an admin at the gateway), the access token carries it as the ``system_code`` claim, and
every call made with that token records it: ``consumer`` in each access-log line, the audit
event's ``consumer_system`` and the change feed's CloudEvent extension ``consumersystem``.

A code is X-Road-style ``instance:class:member:subsystem`` (``VN:GOV:000.00.00.H12:HAICAP``) or
an LGSP partner code (``000.00.00.H12``): one to five parts of letters, digits, ``.``, ``_`` and
``-``, joined by ``:``, 100 characters at most (:data:`SYSTEM_CODE_PATTERN`).

NOTE: an ``X-Road-Client`` header a caller sends is never trusted (anyone can write it): the
access line shows it as ``claimed_client`` when it differs from the token's code, cut to
:data:`CLAIMED_CLIENT_MAX_LENGTH` characters, anything outside the code alphabet (and ``/``,
X-Road's REST separator) replaced by ``?``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping
from typing import Any

SYSTEM_CODE_MAX_LENGTH = 100
SYSTEM_CODE_PATTERN = r"^[A-Za-z0-9._-]{1,40}(?::[A-Za-z0-9._-]{1,40}){0,4}$"
"""One to five parts (X-Road's instance, class, member, subsystem; or an LGSP partner code), joined by ``:``."""
SYSTEM_CODE_CLAIM = "system_code"
"""The access token's claim naming the service account's consuming system."""
X_ROAD_CLIENT_HEADER = "x-road-client"
CLAIMED_CLIENT_MAX_LENGTH = 100
CONSUMER_STATE_KEY = "haicap_consumer_system"
"""Where, in the ASGI scope's ``state``, the authenticated call's consuming system is noted for the access log."""

_SYSTEM_CODE = re.compile(SYSTEM_CODE_PATTERN)
_HEADER_RAW = X_ROAD_CLIENT_HEADER.encode()
_OUTSIDE_ALPHABET = re.compile(r"[^A-Za-z0-9._:/-]")


def is_system_code(value: object) -> bool:
    """Whether ``value`` is a well-formed consuming system's code."""
    return isinstance(value, str) and len(value) <= SYSTEM_CODE_MAX_LENGTH and bool(_SYSTEM_CODE.match(value))


def note_consumer(scope: MutableMapping[str, Any], system_code: str | None) -> None:
    """Note, for the request's access-log line, the consuming system its token names (if any)."""
    if system_code:
        scope.setdefault("state", {})[CONSUMER_STATE_KEY] = system_code


def noted_consumer(scope: MutableMapping[str, Any]) -> str | None:
    """The consuming system :func:`note_consumer` noted for this request."""
    state = scope.get("state")
    value = state.get(CONSUMER_STATE_KEY) if isinstance(state, dict) else None
    return value if isinstance(value, str) else None


def claimed_client(raw_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The caller's ``X-Road-Client`` header, bounded and sanitised for a log line (never trusted)."""
    for name, value in raw_headers:
        if name == _HEADER_RAW:
            # NOTE: cut before the substitution, so an enormous header costs no more than a short one.
            text = value[: CLAIMED_CLIENT_MAX_LENGTH + 1].decode("latin-1")
            cut = len(text) > CLAIMED_CLIENT_MAX_LENGTH
            clean = _OUTSIDE_ALPHABET.sub("?", text[:CLAIMED_CLIENT_MAX_LENGTH])
            return clean + "..." if cut else clean
    return None


def same_client(claimed: str, system_code: str | None) -> bool:
    """Whether a claimed X-Road client names ``system_code`` (X-Road REST writes ``/`` where the code has ``:``)."""
    return system_code is not None and claimed.replace("/", ":") == system_code
