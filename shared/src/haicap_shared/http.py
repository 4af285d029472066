"""Calling another haicap service: one pooled client per process, one class per upstream.

Failures are turned into problems here, in one place: a connection that cannot be made or
an upstream 502/503/504 becomes 503 naming the service, a timeout 504. Safe methods are
retried a bounded number of times; a POST is never retried, since the upstream may have
acted on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from .errors import AppError, UpstreamTimeout, UpstreamUnavailable
from .http_transport import AiohttpTransport
from .logs import request_id_var
from .settings import ProcessSettings

logger = logging.getLogger("haicap.http")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRYABLE_STATUS = frozenset({502, 503, 504})


def new_http_client(timeout_seconds: float) -> httpx.AsyncClient:
    """The process's pooled client: built once in the lifespan, closed at shutdown."""
    # NOTE: keep-alive expiry stays below uvicorn's --timeout-keep-alive (75 s in haicap),
    # or the client may reuse a socket the server is closing.
    # NOTE: trust_env=False: a proxy set in the environment must not divert calls between
    # services on the private network.
    # NOTE: on aiohttp's pool, not httpx's: a call costs a fifth of the CPU (http_transport.py).
    # NOTE: a jar that takes no cookie: the one client carries every caller's calls, so a
    # Set-Cookie kept from one answer would go with another user's later call.
    return httpx.AsyncClient(
        trust_env=False,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 3.0)),
        transport=AiohttpTransport(max_connections=100, keepalive_seconds=30),
    )


class UpstreamError(AppError):
    """An upstream answered with a problem the caller should see (its status and code kept)."""

    def __init__(self, service: str, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("detail") or body.get("title"), code=body.get("code", f"upstream_{status}"), service=service)
        self.status = status
        self.title = body.get("title", "The upstream service refused the request")


class ClientCredentials:
    """A service's own access token, from the gateway's token URL with client credentials.

    The token is kept until shortly before it expires, so a service asks the gateway about
    once per token lifetime, not once per call.
    """

    def __init__(
        self, http: httpx.AsyncClient, token_url: str, client_id: str, client_secret: str, *, margin_seconds: float = 30.0
    ) -> None:
        self.http = http
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.margin_seconds = margin_seconds
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: ProcessSettings, http: httpx.AsyncClient) -> ClientCredentials | None:
        """The service's credentials, if it has any configured."""
        secret = settings.client_secret.get_secret_value()
        if not settings.client_id or not secret:
            return None
        return cls(http, settings.token_url, settings.client_id, secret)

    async def token(self) -> str:
        """A valid access token (fetched when none is held or it is about to expire)."""
        if self._token is not None and time.monotonic() < self._expires_at:
            return self._token
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                await self._fetch()
            assert self._token is not None
            return self._token

    def forget(self) -> None:
        """Drop the held token (after a 401), so the next call fetches a new one."""
        self._token = None

    async def _fetch(self) -> None:
        data = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}
        try:
            response = await self.http.post(self.token_url, data=data)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable("gateway", "No access token: the gateway's token URL cannot be reached") from exc
        if response.status_code != 200:
            logger.warning("client credentials refused", extra={"url": self.token_url, "status": response.status_code})
            raise UpstreamUnavailable("gateway", f"No access token: the gateway answered {response.status_code}")
        body = response.json()
        self._token = str(body["access_token"])
        # NOTE: a token living less than the margin is used for this call only.
        self._expires_at = time.monotonic() + float(body.get("expires_in", 60)) - self.margin_seconds


class ServiceClient:
    """A typed gateway to one upstream service (with ``credentials``, as the service's account)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        http: httpx.AsyncClient,
        *,
        retries: int = 2,
        backoff_seconds: float = 0.1,
        credentials: ClientCredentials | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.credentials = credentials

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        request_id = request_id_var.get()
        if request_id:
            headers.setdefault("X-Request-ID", request_id)
        return headers

    async def _authorised(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = self._headers(extra)
        if self.credentials is not None and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = f"Bearer {await self.credentials.token()}"
        return headers

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """Send one request; raise :class:`UpstreamUnavailable` / :class:`UpstreamTimeout` on failure."""
        method = method.upper()
        attempts = 1 + (self.retries if method in SAFE_METHODS else 0)
        url = f"{self.base_url}{path}"
        for attempt in range(1, attempts + 1):
            last_attempt = attempt == attempts
            try:
                response = await self.http.request(method, url, headers=await self._authorised(headers), **kwargs)
            except httpx.TimeoutException as exc:
                logger.warning("upstream timeout", extra={"upstream": self.name, "url": url, "attempt": attempt})
                if last_attempt:
                    raise UpstreamTimeout(self.name) from exc
            except httpx.TransportError as exc:
                logger.warning(
                    "upstream unreachable", extra={"upstream": self.name, "url": url, "error": str(exc), "attempt": attempt}
                )
                if last_attempt:
                    raise UpstreamUnavailable(self.name) from exc
            else:
                if response.status_code == 401 and self.credentials is not None:
                    self.credentials.forget()
                if response.status_code not in _RETRYABLE_STATUS:
                    return response
                if last_attempt:
                    raise UpstreamUnavailable(self.name, f"The {self.name} service answered {response.status_code}")
            await asyncio.sleep(self.backoff_seconds * attempt)
        raise AssertionError("unreachable")

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET a JSON document; an upstream problem is passed on with its status and code."""
        response = await self.request("GET", path, **kwargs)
        if response.is_error:
            try:
                body = response.json()
            except ValueError:
                body = {"title": response.text[:200]}
            raise UpstreamError(self.name, response.status_code, body if isinstance(body, dict) else {})
        return response.json()

    async def is_ready(self) -> bool:
        try:
            response = await self.http.get(f"{self.base_url}/readyz", headers=self._headers(None))
        except httpx.HTTPError:
            return False
        return response.status_code == 200
