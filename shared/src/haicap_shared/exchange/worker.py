"""The polling worker both exchange senders run (personnel's national sync, the one-stop push).

A :class:`PollingWorker` repeats its :meth:`~PollingWorker.step` until :meth:`~PollingWorker.stop`:
a failing turn (a database hiccup) is logged and tried again, a turn without work sleeps
``idle_seconds`` (woken early by a stop). :func:`serve_until_signal` runs one on a database URL
until SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..db import create_engine
from ..events.relay import Transaction, default_replica
from ..settings import async_database_url
from .outcomes import Adapter
from .settings import ExchangeSettings

SettingsT = TypeVar("SettingsT", bound=ExchangeSettings)


class PollingWorker(Generic[SettingsT]):
    """A sender's loop on one database; a subclass names its log lines and does the work in :meth:`step`."""

    logger: ClassVar[logging.Logger]
    started_message: ClassVar[str]
    failed_message: ClassVar[str]
    stopped_message: ClassVar[str]

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: SettingsT,
        adapter: Adapter,
        *,
        replica: str | None = None,
        sqlite: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.adapter = adapter
        self.replica = replica or default_replica()
        self.sqlite = sqlite
        self.rng = rng or random.Random()
        self.stopping = asyncio.Event()

    def _transaction(self) -> Transaction:
        return Transaction(self.sessions, immediate=self.sqlite)

    def stop(self) -> None:
        self.stopping.set()

    async def step(self) -> int:
        """One turn; how much it did (0 or False: nothing was waiting)."""
        raise NotImplementedError

    async def on_stop(self) -> None:
        """What the worker lets go of when it stops, before its adapter is closed (nothing by default)."""

    async def run(self) -> None:
        self.logger.info(self.started_message, extra={"replica": self.replica, "adapter": self.adapter.name})
        try:
            while not self.stopping.is_set():
                try:
                    worked = bool(await self.step())
                except Exception:  # NOTE: a database hiccup must not end the worker; the turn is tried again
                    self.logger.exception(self.failed_message)
                    worked = False
                if not worked:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait(), timeout=self.settings.idle_seconds)
        finally:
            await self.on_stop()
            await self.adapter.close()
            self.logger.info(self.stopped_message, extra={"replica": self.replica})


async def serve_until_signal(
    database_url: str, make_worker: Callable[[async_sessionmaker[AsyncSession], bool], PollingWorker[SettingsT]]
) -> None:
    """Run the worker ``make_worker(sessions, sqlite)`` makes on ``database_url`` until SIGTERM or SIGINT."""
    url = async_database_url(database_url)
    sqlite = url.startswith("sqlite")
    engine = create_engine(url) if sqlite else create_engine(url, pool_size=5)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    worker = make_worker(sessions, sqlite)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    try:
        await worker.run()
    finally:
        await engine.dispose()
