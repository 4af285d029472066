"""Reading an upstream's JSON into the small model reporting defines for it.

Each source module defines only the fields reporting reads (others are ignored), so a
producer may add fields freely; a field reporting needs that is gone or changed type fails
here, in one place, as a problem naming the service and the path, not as a ``KeyError``
somewhere in a section.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from haicap_shared.batch import ReadBatches
from haicap_shared.errors import AppError
from haicap_shared.http import ServiceClient

logger = logging.getLogger("haicap.reporting")

M = TypeVar("M", bound="Read")


class Read(BaseModel):
    """Base of what reporting reads from a source: unknown fields ignored, values frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class SourceShapeError(AppError):
    status, code, title = 502, "upstream_shape", "A service this request needs answered in a shape reporting cannot read"

    def __init__(self, service: str, path: str, exc: ValidationError) -> None:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(body)"
        super().__init__(
            f"The {service} service's {path} answered a body reporting cannot read "
            f"({exc.error_count()} errors; {where}: {first['msg']})",
            service=service,
        )
        self.service = service


_batches: ContextVar[ReadBatches | None] = ContextVar("reporting_read_batches", default=None)


@contextmanager
def batched_reads() -> Iterator[None]:
    """Within: the reads of one service asked at once go to it as one ``POST /batch`` (:class:`ReadBatches`).

    A report's sections ask their reads at once; batched, a service answers them in one request,
    on one of its database connections at a time, instead of one request and one connection each.
    """
    token = _batches.set(ReadBatches())
    try:
        yield
    finally:
        _batches.reset(token)


async def read(client: ServiceClient, model: type[M], path: str, *, params: Any = None) -> M:
    """GET ``path`` (with ``params``) from ``client`` and read it as ``model``; in a batch within :func:`batched_reads`."""
    batches = _batches.get()
    body = await (client.get_json(path, params=params) if batches is None else batches.get_json(client, path, params))
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        logger.error("upstream shape", extra={"upstream": client.name, "path": path, "errors": exc.error_count()})
        raise SourceShapeError(client.name, path, exc) from exc


class SourceTruncated(AppError):
    status, code, title = 502, "upstream_truncated", "A service this request needs answered only part of the figures"

    def __init__(self, service: str, path: str) -> None:
        super().__init__(
            f"The {service} service's {path} answered more rows than one answer holds (truncated): its figures would be short",
            service=service,
        )
