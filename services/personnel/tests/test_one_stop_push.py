"""The one-stop push worker in-process on personnel's database: a dossier's steps in order, retries, rejections, hiccups.

The adapter is a stand-in that answers what the test chooses; the real transport and receiver
are in ``shared/tests/test_exchange_one_stop.py`` and ``tests/test_one_stop_processes.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from haicap_personnel.db import procedure_tables as tables
from haicap_shared.exchange.outcomes import Result, Sent, Verdict
from haicap_shared.procedures.settings import OneStopSettings
from haicap_shared.procedures.status import ProcedureStatus, PushStatus
from haicap_shared.procedures.worker import ID_KEY, PushWorker

SETTINGS = OneStopSettings(retry_base_seconds=0.01, retry_cap_seconds=0.02, batch_size=50)
STEPS = (ProcedureStatus.RECEIVED, ProcedureStatus.IN_PROCESS, ProcedureStatus.DONE)


class Answering:
    """An adapter answering each step by its position in its dossier (acknowledged when not told otherwise)."""

    name = "stand-in"

    def __init__(self) -> None:
        self.verdicts: dict[int, Verdict] = {}
        self.sent: list[dict[str, Any]] = []
        self.closed = False

    async def send(self, records: Sequence[dict[str, Any]], province_code: str | None) -> Sent:
        self.sent += records
        results = {}
        for record in records:
            verdict = self.verdicts.get(record["data"]["HaicapThuTu"], "acknowledged")
            results[record[ID_KEY]] = Result(verdict, reference="MC-1", reason=None if verdict == "acknowledged" else "Sai mã")
        return Sent(results=results)

    async def close(self) -> None:
        self.closed = True


def sessions_on(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


async def dossier_with_steps(connection: AsyncConnection, code: str) -> list[uuid.UUID]:
    """A received appraisal with its three steps queued; the steps' ids in order."""
    dossier_id, now = uuid.uuid4(), datetime.now(UTC)
    step_ids = [uuid.uuid4() for _ in STEPS]
    await connection.execute(
        insert(tables.dossier),
        [
            {
                "id": dossier_id,
                "dossier_code": code,
                "procedure_code": "1.005432",
                "procedure_name": "Thẩm định, phê duyệt vị trí việc làm",
                "sector": "Tổ chức - Biên chế",
                "level": "province",
                "processing_days": 3,
                "subject_kind": "position",
                "province_code": "04",
                "received_at": now,
                "due_date": now.date() + timedelta(days=5),
                "status": STEPS[-1],
                "status_at": now,
                "created_by": "tran.thi.b",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        ],
    )
    await connection.execute(
        insert(tables.step),
        [
            {
                "id": step_id,
                "dossier_id": dossier_id,
                "position": position,
                "status": status,
                "occurred_at": now + timedelta(minutes=position),
                "due_date": now.date() + timedelta(days=5),
                "actor": "tran.thi.b",
                "push_status": PushStatus.QUEUED,
                "attempts": 0,
            }
            for position, (step_id, status) in enumerate(zip(step_ids, STEPS, strict=True), start=1)
        ],
    )
    return step_ids


async def states(connection: AsyncConnection, step_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    rows = (await connection.execute(select(tables.step).where(tables.step.c.id.in_(list(step_ids))))).mappings()
    by_id = {row["id"]: dict(row) for row in rows}
    return [by_id[step_id] for step_id in step_ids]


def sent_positions(adapter: Answering) -> list[tuple[str, int]]:
    return [(r["data"]["MaHoSo"], r["data"]["HaicapThuTu"]) for r in adapter.sent]


async def test_a_dossiers_steps_go_one_turn_after_another(db_connection: AsyncConnection) -> None:
    first = await dossier_with_steps(db_connection, "H12-A")
    await dossier_with_steps(db_connection, "H12-B")
    adapter = Answering()
    worker = PushWorker(sessions_on(db_connection), tables, SETTINGS, adapter, replica="test")
    assert [await worker.step() for _ in range(4)] == [2, 2, 2, 0]
    assert sent_positions(adapter)[:2] == [("H12-A", 1), ("H12-B", 1)]
    assert [p for code, p in sent_positions(adapter) if code == "H12-A"] == [1, 2, 3]
    assert [r["service"] for r in adapter.sent if r["data"]["MaHoSo"] == "H12-A"] == [
        "DongBoHoSoMC",
        "CapNhatTienDoHoSoMC",
        "CapNhatTienDoHoSoMC",
    ]
    done = await states(db_connection, first)
    assert [(s["push_status"], s["attempts"], s["reference"]) for s in done] == [(PushStatus.ACKNOWLEDGED, 1, "MC-1")] * 3


async def test_a_retry_holds_the_later_steps_and_a_rejection_does_not(db_connection: AsyncConnection) -> None:
    steps = await dossier_with_steps(db_connection, "H12-C")
    adapter = Answering()
    worker = PushWorker(sessions_on(db_connection), tables, SETTINGS, adapter, replica="test")
    adapter.verdicts[1] = "retry"
    assert await worker.step() == 1
    held = await states(db_connection, steps)
    assert (held[0]["push_status"], held[0]["attempts"]) == (PushStatus.QUEUED, 1)
    assert held[0]["next_attempt_at"] is not None
    assert [s["attempts"] for s in held[1:]] == [0, 0]
    await asyncio.sleep(SETTINGS.retry_cap_seconds * 2)
    adapter.verdicts[1] = "rejected"
    assert await worker.step() == 1
    assert await worker.step() == 1
    settled = await states(db_connection, steps)
    assert [(s["push_status"], s["status_reason"]) for s in settled[:2]] == [
        (PushStatus.REJECTED, "Sai mã"),
        (PushStatus.ACKNOWLEDGED, None),
    ]
    assert sent_positions(adapter) == [("H12-C", 1), ("H12-C", 1), ("H12-C", 2)]


async def test_a_database_hiccup_does_not_end_the_worker(db_connection: AsyncConnection) -> None:
    steps = await dossier_with_steps(db_connection, "H12-D")
    real = sessions_on(db_connection)
    failures = [OperationalError("SELECT 1", {}, Exception("connection reset"))]

    def flaky() -> AsyncSession:
        if failures:
            raise failures.pop()
        return real()

    adapter = Answering()
    settings = SETTINGS.model_copy(update={"idle_seconds": 0.01})
    worker = PushWorker(sessions_on(db_connection), tables, settings, adapter, replica="test")
    worker.sessions = flaky  # type: ignore[assignment]
    running = asyncio.create_task(worker.run())
    await wait_until(lambda: len(adapter.sent) >= len(STEPS))
    worker.stop()
    await asyncio.wait_for(running, timeout=10)
    assert not failures
    assert adapter.closed
    assert [s["push_status"] for s in await states(db_connection, steps)] == [PushStatus.ACKNOWLEDGED] * 3


async def wait_until(done: Callable[[], bool], within: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.01)
