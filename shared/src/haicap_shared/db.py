"""Engines, sessions and the request-scoped unit of work.

The session dependency is the only place that commits: routes and services ``flush()``.
It uses FastAPI's ``scope="function"`` so the commit happens before the response is sent;
a failed commit therefore becomes an error response, never a success the database lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


IMMEDIATE_OPTION = "haicap_sqlite_immediate"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUDITED_READ_PARAMETERS = frozenset({"reveal", "on_behalf_of"})
"""Query parameters that make a read write its audit event (personal data revealed, a dossier read on behalf)."""
ONE_AREA_PARAMETERS = frozenset({"province", "commune"})
"""Query parameters that narrow a statistic to one province or one commune (:class:`Database`'s ``parallel_for_one_area``)."""
_SERIAL_PLANS = text("SET LOCAL max_parallel_workers_per_gather = 0")


def new_metadata() -> MetaData:
    """A service's own metadata, with the naming convention Alembic batch mode needs."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, echo: bool = False, jit: bool = False, **options: Any) -> AsyncEngine:
    """An async engine with the per-dialect settings haicap relies on.

    On PostgreSQL, ``jit`` False turns the server's JIT compilation off for the engine's
    connections. NOTE: it is compiled again on every execution of a plan that costs more than
    ``jit_above_cost``, in the leader and in each parallel worker: the country's statistics do
    (a province's stay below). At 3 M people the country's qualifications took 0.81 to 0.84 s
    with JIT (60 to 70 ms of it compiling) and 0.73 to 0.74 s without.
    """
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **options)
        _make_sqlite_transactional(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    if not jit and make_url(url).get_driver_name() == "asyncpg":
        options["connect_args"] = {**options.get("connect_args", {}), "server_settings": {"jit": "off"}}
    return create_async_engine(url, echo=echo, **options)


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    # NOTE: the sqlite3 module opens transactions lazily and not before DDL, which breaks
    # SAVEPOINT and transactional migrations; SQLAlchemy's documented recipe takes over
    # BEGIN itself. WAL lets the API read while an import writes; foreign keys are off by
    # default in SQLite.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # NOTE: a write transaction takes the write lock up front (BEGIN IMMEDIATE). A deferred
        # one that reads first and writes later fails at once with "database is locked" when
        # another writer committed meanwhile, whatever the busy timeout.
        immediate = connection.get_execution_options().get(IMMEDIATE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def pool_options(url: str, pool_size: int, max_overflow: int) -> dict[str, Any]:
    """The engine's pool size and overflow, on PostgreSQL (SQLite's file locks, not a pool, bound its concurrency)."""
    return {} if is_sqlite(url) else {"pool_size": pool_size, "max_overflow": max_overflow}


class Database:
    """A service's engine and session factory, created in the app's lifespan.

    With ``read_url`` (a streaming replica of the primary), a second engine serves the
    statistics' read-only sessions (:data:`DbReadSession`); without it they use the primary.
    ``pool_size``, ``max_overflow`` and ``jit`` (:func:`create_engine`) apply to each PostgreSQL engine.

    Unless ``parallel_for_one_area``, a statistic asked for one province or commune (one of
    :data:`ONE_AREA_PARAMETERS`) is planned without PostgreSQL's parallel workers. NOTE: a
    province's figures are a few tens of thousands of index entries, and a report asks for up to
    10 of them at once: the workers found no idle core, and each one built again what the leader
    built (a hashed subplan, a hash table), so they only added CPU. At 3 M people on 2 cores,
    back to back, Hồ Chí Minh's gap report took 489-661 ms instead of 633-650 ms (0.72-1.07
    CPU-s instead of 1.12-1.19). The country's statistics, one statement over every province,
    keep them.
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        read_url: str | None = None,
        pool_size: int = 5,
        max_overflow: int = 10,
        jit: bool = False,
        parallel_for_one_area: bool = False,
    ) -> None:
        self.url = url
        self.read_url = read_url
        self.engine = create_engine(url, echo=echo, jit=jit, **pool_options(url, pool_size, max_overflow))
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = (
            create_engine(read_url, echo=echo, jit=jit, **pool_options(read_url, pool_size, max_overflow))
            if read_url
            else self.engine
        )
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.serialise_writes = is_sqlite(url)
        self.serial_plans_for_one_area = not parallel_for_one_area and not is_sqlite(read_url or url)

    def bind_to(self, connection: AsyncConnection) -> None:
        """Run every session (the read-only ones too) inside ``connection``'s transaction (tests roll it back)."""
        self.sessionmaker = async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        self.read_sessionmaker = self.sessionmaker

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def null_pool_engine(url: str) -> AsyncEngine:
    """An engine that holds no connection between uses (for one-shot commands)."""
    engine = create_async_engine(url, poolclass=NullPool)
    if is_sqlite(url):
        _make_sqlite_transactional(engine)
    return engine


def writes(method: str, query_names: Iterable[str]) -> bool:
    """Whether a request writes: a method that changes, or a read audited by one of :data:`AUDITED_READ_PARAMETERS`.

    NOTE: on SQLite such a request takes the write lock up front: a read that writes its audit
    event later (after an upstream call, say) would otherwise fail at once with "database is
    locked" when a worker committed meanwhile.
    """
    return method not in SAFE_METHODS or not AUDITED_READ_PARAMETERS.isdisjoint(query_names)


async def _session_scope(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    async with database.sessionmaker() as session:
        if database.serialise_writes and writes(request.method, request.query_params.keys()):
            await session.connection(execution_options={IMMEDIATE_OPTION: True})
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


DbSession = Annotated[AsyncSession, Depends(_session_scope, scope="function")]
"""The request's unit of work: committed when the route returns, rolled back if it raises."""


async def _read_session_scope(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    async with database.read_sessionmaker() as session:
        if database.serial_plans_for_one_area and not ONE_AREA_PARAMETERS.isdisjoint(request.query_params.keys()):
            await session.execute(_SERIAL_PLANS)
        try:
            yield session
        finally:
            # NOTE: nothing to keep: a read-only session ends its transaction without committing
            await session.rollback()


DbReadSession = Annotated[AsyncSession, Depends(_read_session_scope, scope="function")]
"""A read-only session for the statistics: on the read replica when ``database_read_url`` is set, else the primary.

What it reads may lag the primary by the replication delay (seconds at most on a healthy
stream): for aggregates, not for a read-your-own-write.
"""
