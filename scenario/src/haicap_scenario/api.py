"""The gateway as the scenario sees it: signed in, JSON in and out, problems as exceptions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
R = TypeVar("R")


class ScenarioError(RuntimeError):
    """A call the scenario relies on was refused; the message carries the problem body."""


class Api:
    def __init__(self, client: httpx.AsyncClient, *, concurrency: int = 8) -> None:
        self.client = client
        self.limit = asyncio.Semaphore(concurrency)

    @classmethod
    async def sign_in(cls, base_url: str, username: str, password: str, *, timeout_seconds: float = 120.0) -> Api:
        client = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds, trust_env=False)
        response = await client.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password}
        )
        if response.status_code != 200:
            await client.aclose()
            raise ScenarioError(f"sign-in as {username} refused: {response.status_code} {response.text}")
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return cls(client)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def call(self, method: str, path: str, *, expect: Iterable[int] = (200, 201), **kwargs: Any) -> Any:
        async with self.limit:
            response = await self.client.request(method, path, **kwargs)
        if response.status_code not in set(expect):
            raise ScenarioError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return response.json() if response.content else None

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any, *, key: str | None = None, headers: dict[str, str] | None = None) -> Any:
        headers = dict(headers or {})
        if key:
            headers["Idempotency-Key"] = key
        return await self.call("POST", path, json=body, headers=headers)

    async def upload(self, path: str, filename: str, content: bytes, **params: Any) -> Any:
        return await self.call("POST", path, params=params, files={"file": (filename, content, "text/csv")})

    async def pages(self, path: str, **params: Any) -> AsyncIterator[dict[str, Any]]:
        cursor = None
        while True:
            page = await self.get(path, limit=500, **params, **({"cursor": cursor} if cursor else {}))
            for item in page["items"]:
                yield item
            cursor = page["next"]
            if cursor is None:
                return

    async def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return [item async for item in self.pages(path, **params)]


async def each(items: Iterable[T], work: Callable[[T], Awaitable[R]]) -> list[R]:
    """Run ``work`` on every item concurrently (the Api's semaphore bounds the calls)."""
    return list(await asyncio.gather(*(work(item) for item in items)))


def stable_key(*parts: object) -> str:
    """An Idempotency-Key that is the same for the same scenario step, so a rerun never doubles."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "haicap-scenario:" + ":".join(map(str, parts))).hex
