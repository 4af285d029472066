"""Reading what other services' records point to (an agency, a unit), a few at a time, once each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

READS_AT_ONCE = 8
"""Reads in flight at once for one answer (an upstream service is not flooded by one page)."""


async def read_each(keys: Iterable[K], read: Callable[[K], Awaitable[V]], *, at_once: int = READS_AT_ONCE) -> dict[K, V]:
    """``read(key)`` for each distinct key, ``at_once`` at a time, by key."""
    gate = asyncio.Semaphore(at_once)

    async def one(key: K) -> tuple[K, V]:
        async with gate:
            return key, await read(key)

    return dict(await asyncio.gather(*(one(key) for key in dict.fromkeys(keys))))
