"""A source's change feed as reporting reads it: its latest sequence, and the events after a cursor.

Two readers of the same routes. The commune profile asks ``GET /events/latest?commune=``
through the source's :class:`ServiceClient` like any section (a failure is a missing source).
The cache's follower (:mod:`haicap_reporting.feeds`) long-polls ``GET /events`` for hours; it
reads through :meth:`EventsSource.follow` and :meth:`EventsSource.current`, which make one
attempt each, log nothing and raise :class:`FeedUnavailable` or :class:`CursorExpired`: the
follower decides how long to wait and logs once per outage, not once per attempt.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from haicap_shared.errors import AppError
from haicap_shared.http import ServiceClient

from .base import Read, read

M = TypeVar("M", bound=Read)


class EventChange(Read):
    changed_fields: list[str] | None = None


class FeedEvent(Read):
    """What the follower reads of a CloudEvent: its type, sequence and area, and what changed."""

    type: str
    sequence: str
    provincecode: str | None = None
    communecode: str | None = None
    data: EventChange

    @property
    def kind(self) -> str:
        """The kind in ``vn.gov.haicap.<service>.<kind>.<past tense>`` (``placement``)."""
        parts = self.type.split(".")
        return parts[-2] if len(parts) >= 2 else self.type


class FeedPage(Read):
    """``GET /events``: the events after the cursor, the cursor to pass next, the latest sequence."""

    events: list[FeedEvent]
    next_after: int
    latest_sequence: int


class LatestSequence(Read):
    """``GET /events/latest``: the latest event sequence (in the area asked for)."""

    latest_sequence: int


class FeedUnavailable(Exception):
    """The feed could not be read this time (unreachable, too slow, an error status, an unreadable body)."""


class CursorExpired(Exception):
    """The feed answered 410 ``cursor_expired``: the events after the cursor were pruned."""


class EventsSource:
    """One service's change feed, at ``<gateway>/api/v1/<service>/events``."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    @property
    def name(self) -> str:
        return self.client.name

    async def latest_sequence(self, commune: str) -> int:
        """The latest sequence of the commune's events (for the commune profile; failures as any section's)."""
        return (await read(self.client, LatestSequence, "/events/latest", params={"commune": commune})).latest_sequence

    async def current(self) -> int:
        """The feed's latest sequence, where a follower starts."""
        return _shaped(
            LatestSequence, self.name, "/events/latest", await self._once("/events/latest", {}, read_seconds=None)
        ).latest_sequence

    async def follow(self, after: int, *, wait: int, limit: int = 500) -> FeedPage:
        """The events after ``after``, waiting up to ``wait`` seconds for one."""
        params = {"after": str(after), "limit": str(limit), "wait": str(wait)}
        # NOTE: the request outlives the feed's wait by a margin, so an empty long-poll is an
        # answer, not a timeout.
        return _shaped(FeedPage, self.name, "/events", await self._once("/events", params, read_seconds=wait + 15.0))

    async def _once(self, path: str, params: dict[str, str], *, read_seconds: float | None) -> Any:
        url = f"{self.client.base_url}{path}"
        headers: dict[str, str] = {}
        credentials = self.client.credentials
        try:
            if credentials is not None:
                headers["Authorization"] = f"Bearer {await credentials.token()}"
            extra: dict[str, Any] = {} if read_seconds is None else {"timeout": httpx.Timeout(read_seconds, connect=3.0)}
            response = await self.client.http.get(url, params=params, headers=headers, **extra)
        except AppError as exc:  # NOTE: no token: the gateway's token URL failed
            raise FeedUnavailable(str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise FeedUnavailable(f"{self.name} {path} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise FeedUnavailable(f"{self.name} {path} could not be reached: {exc}") from exc
        if response.status_code == 401 and credentials is not None:
            credentials.forget()
        code = _problem_code(response)
        if response.status_code == 410:
            raise CursorExpired(f"{self.name} {path} answered 410 {code}")
        if response.is_error:
            raise FeedUnavailable(f"{self.name} {path} answered {response.status_code} {code}")
        try:
            return response.json()
        except ValueError as exc:
            raise FeedUnavailable(f"{self.name} {path} answered a body that is not JSON") from exc


def _problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def _shaped(model: type[M], service: str, path: str, body: Any) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise FeedUnavailable(f"{service} {path} answered a body reporting cannot read ({exc.error_count()} errors)") from exc
