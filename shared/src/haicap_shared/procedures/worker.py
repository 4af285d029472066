"""The one-stop push worker (``haicap-personnel one-stop``, ``haicap-assets one-stop``): dossier steps out, in order.

Each turn, in its own transactions, until SIGTERM or SIGINT:

- **claim**: the queued steps whose next attempt has come and whose dossier has no earlier step
  still queued (a dossier's steps reach the one-stop system in their order; a rejected earlier
  step does not block the later ones), the oldest first, up to ``BATCH_SIZE``, leased to this
  turn (their next attempt set past the lease: another replica skips them, and their dossiers);
- **send**: each step mapped (:mod:`.one_stop`) and handed to the adapter, each province's at
  once (one slow system does not hold up the others);
- **apply**: each answer sets the step's push state: ``acknowledged`` (with the reference),
  ``rejected`` (with the reason; the dossier's later steps still go), ``sent`` (a file), or,
  after a timeout, a 5xx, a refused connection, still ``queued`` with its next attempt after an
  exponential back-off with jitter: nothing is lost while the system is down, and the order holds
  (the later steps wait behind it). Every exchange is logged in ``procedure_exchange``.

A failing turn (a database hiccup) is logged and tried again after ``IDLE_SECONDS``; a step sent
but not recorded (the worker killed in between) is sent again: the receiver keeps a step once by
its ``HaicapStepId``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..cli import Command
from ..exchange.adapters import make_adapter
from ..exchange.outcomes import Adapter, Result, backoff_seconds
from ..exchange.worker import PollingWorker, serve_until_signal
from ..logs import configure_logging
from ..models import utcnow
from ..settings import ServiceSettings
from . import one_stop, push_repository
from .settings import FOLDER, OneStopSettings
from .status import PushStatus
from .tables import ProcedureTables

logger = logging.getLogger("haicap.procedures.one_stop")

ID_KEY = "step_id"
FILE_PREFIX = "haicap-one-stop-steps"
IDS_COLUMN = "step_ids"


def push_adapter(settings: OneStopSettings, var_dir: Path) -> Adapter:
    """The adapter the settings choose, keyed by step id; the file adapter writes under ``<var dir>/one-stop``."""
    return make_adapter(settings, var_dir / FOLDER, id_key=ID_KEY, file_prefix=FILE_PREFIX)


class PushWorker(PollingWorker[OneStopSettings]):
    """The push for one service database; :meth:`run` until :meth:`stop`, or :meth:`step` by step."""

    logger = logger
    started_message = "one-stop push started"
    failed_message = "one-stop push turn failed"
    stopped_message = "one-stop push stopped"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: ProcedureTables,
        settings: OneStopSettings,
        adapter: Adapter,
        *,
        replica: str | None = None,
        sqlite: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(sessions, settings, adapter, replica=replica, sqlite=sqlite, rng=rng)
        self.tables = tables

    async def step(self) -> int:
        """Claim, send and record one batch of steps; how many were tried."""
        now = utcnow()
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        async with self._transaction() as session:
            claimed = await push_repository.claim_due(
                session, self.tables, now=now, lease_until=lease_until, limit=self.settings.batch_size
            )
        if not claimed:
            return 0
        by_province: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in claimed:
            pushed = one_stop.PushedStep.from_row(row)
            unit_code = self.settings.unit_code_for(pushed.province_code)
            by_province[pushed.province_code].append(one_stop.message(pushed, unit_code=unit_code))
        results: dict[str, Result] = {}
        exchanges: list[dict[str, Any]] = []
        for sent in await asyncio.gather(*(self.adapter.send(batch, province) for province, batch in by_province.items())):
            results |= sent.results
            exchanges += [e.row(IDS_COLUMN) for e in sent.exchanges]
        async with self._transaction() as session:
            await push_repository.apply_outcomes(session, self.tables, [self._outcome(row, results, utcnow()) for row in claimed])
            await push_repository.insert_exchanges(session, self.tables, exchanges)
        acknowledged = sum(1 for r in results.values() if r.verdict == "acknowledged")
        logger.info("one-stop steps pushed", extra={"tried": len(claimed), "acknowledged": acknowledged})
        return len(claimed)

    def _outcome(self, row: Any, results: dict[str, Result], now: datetime) -> dict[str, Any]:
        result = results.get(str(row["step_id"])) or Result("retry", reason="no answer")
        attempts = int(row["attempts"] or 0) + 1
        values: dict[str, Any] = {
            "step_key": row["step_id"],
            "push_status": PushStatus.QUEUED,
            "attempts": attempts,
            "next_attempt_at": None,
            "last_error": None,
            "pushed_at": None,
            "reference": None,
            "status_reason": None,
        }
        if result.verdict == "retry":
            delay = backoff_seconds(attempts, self.settings.retry_base_seconds, self.settings.retry_cap_seconds, self.rng)
            values |= {"next_attempt_at": now + timedelta(seconds=delay), "last_error": (result.reason or "")[:500]}
        elif result.verdict == "acknowledged":
            values |= {"push_status": PushStatus.ACKNOWLEDGED, "pushed_at": now, "reference": result.reference}
        elif result.verdict == "sent":
            values |= {"push_status": PushStatus.SENT, "pushed_at": now, "reference": result.reference}
        else:
            values |= {"push_status": PushStatus.REJECTED, "pushed_at": now, "status_reason": (result.reason or "")[:2000]}
        return values


async def serve_one_stop(
    database_url: str,
    var_dir: Path,
    tables: ProcedureTables,
    settings: OneStopSettings | None = None,
    *,
    replica: str | None = None,
) -> None:
    """Run the push worker on ``database_url`` until SIGTERM or SIGINT."""
    chosen = settings or OneStopSettings()
    await serve_until_signal(
        database_url,
        lambda sessions, sqlite: PushWorker(
            sessions, tables, chosen, push_adapter(chosen, var_dir), replica=replica, sqlite=sqlite
        ),
    )


def one_stop_command(commands: argparse._SubParsersAction, tables: ProcedureTables) -> dict[str, Command]:  # type: ignore[type-arg]
    """The ``one-stop`` subcommand of a service with procedure dossiers (its ``HAICAP_ONE_STOP_*`` settings)."""
    parser = commands.add_parser(
        "one-stop", help="push the procedure dossiers' steps to the provincial one-stop system until SIGTERM"
    )
    parser.add_argument("--replica", default=None, help="this replica's name in the logs (default: host and process)")

    def run(args: argparse.Namespace, settings: ServiceSettings) -> int:
        configure_logging(settings.log_level, f"{settings.service_name}-one-stop")
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(serve_one_stop(settings.resolved_database_url(), settings.var_dir, tables, replica=args.replica))
        return 0

    return {"one-stop": run}
