"""How long an operation may take, declared by the service itself in its OpenAPI.

A slow operation (an import, a report, a batch) says so on its route::

    @router.post("/people/imports", openapi_extra=takes_up_to(120))

which puts ``x-haicap-timeout-seconds: 120`` on the operation of ``/openapi.json``. The gateway
reads the services' documents and waits that long for the operation (capped by its own
``long_timeout_seconds``); an operation that declares nothing gets the gateway's default for
its method. Nothing is guessed from words in the URL.
"""

from __future__ import annotations

from typing import Any

TIMEOUT_EXTENSION = "x-haicap-timeout-seconds"
# NOTE: what imports, reports and batches declare; the gateway's default ceiling is the same.
SLOW_OPERATION_SECONDS = 120.0


def takes_up_to(seconds: float = SLOW_OPERATION_SECONDS) -> dict[str, Any]:
    """``openapi_extra`` for a route that may take up to ``seconds`` to answer."""
    if seconds <= 0:
        raise ValueError("a deadline is a positive number of seconds")
    return {TIMEOUT_EXTENSION: seconds}


def declared_timeout(operation: dict[str, Any]) -> float | None:
    """The seconds an OpenAPI operation declares, or None (absent or not a positive number)."""
    value = operation.get(TIMEOUT_EXTENSION)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)
