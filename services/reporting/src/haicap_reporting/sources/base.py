"""Reading an upstream's JSON into the small model reporting defines for it.

Each source module defines only the fields reporting reads (others are ignored), so a
producer may add fields freely; a field reporting needs that is gone or changed type fails
here, in one place, as a problem naming the service and the path, not as a ``KeyError``
somewhere in a section.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

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


async def read(client: ServiceClient, model: type[M], path: str, **kwargs: Any) -> M:
    """GET ``path`` from ``client`` and read it as ``model``."""
    body = await client.get_json(path, **kwargs)
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
