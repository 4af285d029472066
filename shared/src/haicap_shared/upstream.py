"""Reading another service as this service's own account, with one failure policy.

A service that keeps facts of another service's records on its rows (personnel and assets keep
an agency's province, commune and level, read from org-structure when a record is written)
reads them through an :class:`UpstreamReader`. Each consumer defines the pydantic models of what
it reads; the reader does the HTTP (the process's pooled client, the account's token, the
timeout and retries of :class:`~haicap_shared.http.ServiceClient`) and maps every failure once:

- 404: ``None``; what a missing record means is the consumer's domain answer (a 409 naming it,
  an empty result).
- Unreachable, no answer in time, a 5xx, a body that is not JSON or not the consumer's model:
  503 ``upstream_unavailable`` naming the service. Nothing is written then; the caller may
  retry later.
- 401 or 403 to our account, or any other 4xx: 503 too, logged at ERROR. Our account is
  missing or refused, or our request is malformed: this service's configuration or code is at
  fault, never the caller, so the upstream's 403 is not passed on as theirs.
"""

from __future__ import annotations

import logging
from typing import Any, Self, TypeVar

from fastapi import FastAPI
from pydantic import BaseModel, ValidationError

from .errors import UpstreamTimeout, UpstreamUnavailable
from .http import ClientCredentials, ServiceClient, UpstreamError
from .settings import ProcessSettings

logger = logging.getLogger("haicap.upstream")

M = TypeVar("M", bound=BaseModel)


class UpstreamReader:
    """One upstream service read as this service (``caller``) through ``client``."""

    def __init__(self, client: ServiceClient, *, caller: str) -> None:
        self.client = client
        self.caller = caller

    @classmethod
    def through_gateway(cls, app: FastAPI, service: str, prefix: str) -> Self:
        """``service`` where the gateway publishes it (``prefix``, e.g. ``/api/v1/org``), as the app's account.

        Uses the app's settings (``gateway_url``, ``upstream_retries``, ``client_id`` and
        ``client_secret``) and its pooled client ``app.state.http``.
        """
        settings: ProcessSettings = app.state.settings
        http = app.state.http
        client = ServiceClient(
            service,
            f"{settings.gateway_url.rstrip('/')}/{prefix.strip('/')}",
            http,
            retries=settings.upstream_retries,
            credentials=ClientCredentials.from_settings(settings, http),
        )
        return cls(client, caller=settings.service_name)

    @property
    def service(self) -> str:
        return self.client.name

    def _unavailable(self, detail: str) -> UpstreamUnavailable:
        return UpstreamUnavailable(self.service, detail)

    async def get_json(self, path: str, *, params: dict[str, Any] | None = None) -> Any | None:
        """The JSON body of ``GET path``; ``None`` on 404; 503 ``upstream_unavailable`` on any other failure."""
        try:
            response = await self.client.request("GET", path, params=params)
        except UpstreamTimeout as exc:
            raise self._unavailable(f"The {self.service} service did not answer in time") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 500:
            logger.error("upstream failed", extra={"upstream": self.service, "path": path, "status": response.status_code})
            raise self._unavailable(f"The {self.service} service answered {response.status_code}")
        if response.is_error:
            refusal = UpstreamError(self.service, response.status_code, _problem_of(response))
            logger.error(
                "upstream refused this service",
                extra={"upstream": self.service, "path": path, "status": response.status_code, "code": refusal.code},
            )
            raise self._unavailable(
                f"{self.service} refused {self.caller}'s request ({response.status_code}: {refusal.code})"
            ) from refusal
        try:
            return response.json()
        except ValueError as exc:
            logger.error("upstream body unreadable", extra={"upstream": self.service, "path": path})
            raise self._unavailable(f"{self.service} answered {path} with a body that is not JSON") from exc

    async def get(self, path: str, model: type[M], *, params: dict[str, Any] | None = None) -> M | None:
        """``GET path`` read as ``model``; ``None`` on 404; a body ``model`` cannot read is 503 too."""
        body = await self.get_json(path, params=params)
        if body is None:
            return None
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            logger.error(
                "upstream body unreadable",
                extra={"upstream": self.service, "path": path, "model": model.__name__, "errors": exc.error_count()},
            )
            raise self._unavailable(
                f"{self.service} answered {path} with a body {self.caller} cannot read ({exc.error_count()} errors)"
            ) from exc

    async def is_ready(self) -> bool:
        return await self.client.is_ready()


def _problem_of(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
