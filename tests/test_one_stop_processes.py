"""The one-stop push as real processes: ``haicap-personnel one-stop`` (and assets') pushing to the stand-in receiver.

A personnel database of the test's own (a SQLite file or a PostgreSQL database) holds the
dossiers and their steps (written with the procedure tables, as a workflow's transaction
writes them); the push worker and the receiver (``python -m haicap_scenario.one_stop_receiver``)
run as processes on loopback. A job-position appraisal received on the Friday before Hùng
Kings' day and 30 April reaches the receiver at each step, in order, with its due date on the
working-day calendar and the late step flagged overdue; the receiver down for a while loses
nothing and keeps the order; a rejection's reason is kept and the later step still goes;
SIGTERM ends the worker with 0.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from haicap_scenario.one_stop_receiver import ReceiverProcess
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from haicap_assets.cli import MIGRATIONS as ASSETS_MIGRATIONS
from haicap_personnel.cli import MIGRATIONS as PERSONNEL_MIGRATIONS
from haicap_personnel.db import procedure_tables as tables
from haicap_shared import testing as shared_testing
from haicap_shared.db import create_engine
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.procedures import one_stop
from haicap_shared.procedures.status import ProcedureStatus, PushStatus
from haicap_shared.testing import create_postgres_database, drop_postgres_database
from haicap_shared.workdays import VIETNAM, add_working_days, local_date

from .stack_support import free_ports, isolated_env

pytestmark = [pytest.mark.processes, pytest.mark.asyncio]

USERNAME, PASSWORD = "haicap-04", "-pa55"  # NOTE: a password that begins with "-" reaches both processes intact
UNIT = "000.00.00.H12"
APPRAISAL_DAYS = 3
FRIDAY = datetime(2026, 4, 24, 9, 30, tzinfo=VIETNAM)
"""A Friday; Monday 27 April is Hùng Kings' day (observed), 30 April and 1 May are holidays."""


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VIETNAM).astimezone(UTC)


async def open_dossier(
    engine: AsyncEngine, code: str, statuses: Sequence[tuple[ProcedureStatus, datetime]], subject_kind: str = "position"
) -> list[uuid.UUID]:
    """A dossier (by default a job-position appraisal) received on FRIDAY with its steps queued; the steps' ids in order."""
    received_at = FRIDAY.astimezone(UTC)
    due = add_working_days(local_date(received_at), APPRAISAL_DAYS)
    dossier_id, now = uuid.uuid4(), datetime.now(UTC)
    last_status, last_at = statuses[-1]
    dossier = {
        "id": dossier_id,
        "dossier_code": code,
        "procedure_code": "1.005432",
        "procedure_name": "Thẩm định, phê duyệt vị trí việc làm",
        "sector": "Tổ chức - Biên chế",
        "level": "province",
        "processing_days": APPRAISAL_DAYS,
        "subject_kind": subject_kind,
        "subject_id": uuid.uuid4(),
        "applicant": "UBND xã Quảng Lâm",
        "province_code": "04",
        "commune_code": "01304",
        "agency_id": None,
        "received_at": received_at,
        "due_date": due,
        "status": last_status,
        "status_at": last_at,
        "finished_at": None,
        "created_by": "tran.thi.b",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    step_ids = [uuid.uuid4() for _ in statuses]
    steps = [
        {
            "id": step_ids[position - 1],
            "dossier_id": dossier_id,
            "position": position,
            "status": status,
            "occurred_at": occurred_at,
            "due_date": due,
            "note": None if status is not ProcedureStatus.SUPPLEMENT_REQUESTED else "Bổ sung đề án vị trí việc làm",
            "actor": "tran.thi.b",
            "actor_role": "province_officer",
            "push_status": PushStatus.QUEUED,
            "attempts": 0,
        }
        for position, (status, occurred_at) in enumerate(statuses, start=1)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(tables.dossier), [dossier])
        await connection.execute(insert(tables.step), steps)
    return step_ids


async def push_states(engine: AsyncEngine, step_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    s = tables.step.c
    async with engine.connect() as connection:
        rows = (await connection.execute(select(tables.step).where(s.id.in_(list(step_ids))))).mappings().all()
    by_id = {row["id"]: dict(row) for row in rows}
    return [by_id[step_id] for step_id in step_ids]


async def wait_for(what: str, done: Callable[[], Any], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not await done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.2)


def settled(engine: AsyncEngine, step_ids: Sequence[uuid.UUID]) -> Callable[[], Any]:
    async def check() -> bool:
        return all(state["push_status"] != PushStatus.QUEUED for state in await push_states(engine, step_ids))

    return check


MIGRATIONS = {"personnel": PERSONNEL_MIGRATIONS, "assets": ASSETS_MIGRATIONS}
"""The services with procedure dossiers (the same tables in each database: ``haicap_shared.procedures.tables``)."""


def start_worker(service: str, database_url: str, receiver: ReceiverProcess, tmp_path: Path) -> subprocess.Popen[bytes]:
    prefix = f"HAICAP_{service.upper()}_"
    env = isolated_env(
        {
            f"{prefix}DATABASE_URL": database_url,
            f"{prefix}VAR_DIR": str(tmp_path / "var"),
            "HAICAP_ONE_STOP_ADAPTER": "one-stop",
            "HAICAP_ONE_STOP_ADAPTER_URL": receiver.url,
            "HAICAP_ONE_STOP_USERNAME": USERNAME,
            "HAICAP_ONE_STOP_PASSWORD": PASSWORD,
            "HAICAP_ONE_STOP_UNIT_CODES": json.dumps({"04": UNIT}),
            "HAICAP_ONE_STOP_TIMEOUT_SECONDS": "1",
            "HAICAP_ONE_STOP_CONNECT_TIMEOUT_SECONDS": "1",
            "HAICAP_ONE_STOP_RETRY_BASE_SECONDS": "0.2",
            "HAICAP_ONE_STOP_RETRY_CAP_SECONDS": "1",
            "HAICAP_ONE_STOP_IDLE_SECONDS": "0.1",
        }
    )
    log = (tmp_path / "worker.log").open("ab")
    command = [sys.executable, "-m", f"haicap_{service}", "one-stop"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


@asynccontextmanager
async def processes(
    backend: str, tmp_path: Path, service: str = "personnel"
) -> AsyncIterator[tuple[AsyncEngine, ReceiverProcess, subprocess.Popen[bytes]]]:
    url = await create_postgres_database("onestop") if backend == "postgresql" else f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    await upgrade_to_head(MIGRATIONS[service], url)
    engine = create_engine(url)
    receiver = ReceiverProcess(free_ports(1)[0], tmp_path / "receiver.log", username=USERNAME, password=PASSWORD)
    receiver.start()
    worker = start_worker(service, url, receiver, tmp_path)
    try:
        yield engine, receiver, worker
    finally:
        if worker.poll() is None:
            worker.kill()
        if receiver.process is not None:
            receiver.stop()
        await engine.dispose()
        if backend == "postgresql":
            await drop_postgres_database(url)


@pytest.mark.parametrize("backend", shared_testing.test_backends())
async def test_each_step_reaches_the_receiver_in_order_through_an_outage_and_a_rejection(backend: str, tmp_path: Path) -> None:
    friday = local_date(FRIDAY)
    due = add_working_days(friday, APPRAISAL_DAYS)
    # NOTE: Monday is Hùng Kings' day (observed), Thursday 30 April and Friday 1 May holidays: Tue, Wed, then Monday 4 May.
    assert due == date(2026, 5, 4)
    appraisal = [
        (ProcedureStatus.RECEIVED, FRIDAY.astimezone(UTC)),
        (ProcedureStatus.IN_PROCESS, at(date(2026, 4, 28), 8)),
        (ProcedureStatus.SUPPLEMENT_REQUESTED, at(date(2026, 4, 28), 15)),
        (ProcedureStatus.IN_PROCESS, at(date(2026, 4, 29), 9)),
        (ProcedureStatus.DONE, at(due + timedelta(days=1), 10)),
    ]
    async with processes(backend, tmp_path) as (engine, receiver, worker):
        first = await open_dossier(engine, "000.00.04.H12-260424-0001", appraisal)
        await wait_for("the appraisal's steps pushed", settled(engine, first))
        states = await push_states(engine, first)
        assert [s["push_status"] for s in states] == [PushStatus.ACKNOWLEDGED] * len(appraisal)
        assert all(s["reference"] for s in states)
        held = receiver.dossier("000.00.04.H12-260424-0001")
        assert [u["step_id"] for u in held] == [str(step_id) for step_id in first]
        assert [u["status"] for u in held] == [one_stop.STATUS_CODES[status].code for status, _ in appraisal]
        assert held[0]["data"]["NgayHenTra"] == due.strftime("%Y%m%d") + "235959"
        assert {u["data"].get("NgayKetThucTheoQuyDinh") for u in held[1:]} == {due.strftime("%Y%m%d") + "235959"}
        assert [u["data"]["QuaHan"] for u in held] == ["0", "0", "0", "0", "1"]
        assert receiver.stats()["out_of_order"] == 0

        # The receiver down: every step stays queued, the later steps wait behind the first; nothing is lost.
        receiver.control("outage", down=True)
        during = await open_dossier(engine, "000.00.04.H12-260424-0002", appraisal[:3])

        async def tried_again() -> bool:
            return int((await push_states(engine, during))[0]["attempts"]) >= 3

        await wait_for("the first step tried again", tried_again)
        states = await push_states(engine, during)
        assert [s["push_status"] for s in states] == [PushStatus.QUEUED] * 3
        assert [s["attempts"] for s in states[1:]] == [0, 0]
        assert "HTTP 503" in (states[0]["last_error"] or "") or "session" in (states[0]["last_error"] or "")
        receiver.control("outage", down=False)
        await wait_for("the steps pushed after the outage", settled(engine, during))
        assert [s["push_status"] for s in await push_states(engine, during)] == [PushStatus.ACKNOWLEDGED] * 3
        assert [u["step_id"] for u in receiver.dossier("000.00.04.H12-260424-0002")] == [str(i) for i in during]
        assert receiver.stats()["out_of_order"] == 0

        # A rejection: its reason kept; the dossier's later step still goes.
        receiver.control("reject-next", count=1, message="Mã thủ tục không thuộc đơn vị")
        refused = await open_dossier(engine, "000.00.04.H12-260424-0003", appraisal[:2])
        await wait_for("the rejected dossier's steps settled", settled(engine, refused))
        states = await push_states(engine, refused)
        assert [s["push_status"] for s in states] == [PushStatus.REJECTED, PushStatus.ACKNOWLEDGED]
        assert states[0]["status_reason"] == "Mã thủ tục không thuộc đơn vị"
        # NOTE: the receiver never had the dossier's synchronisation: the progress update arrived out of its order.
        assert receiver.stats()["out_of_order"] == 1

        async with engine.connect() as connection:
            logged = (await connection.execute(select(tables.exchange))).mappings().all()
        pushed_ids = {step_id for row in logged for step_id in row["step_ids"]}
        assert {str(i) for i in (*first, *during, *refused)} <= pushed_ids
        assert {row["outcome"] for row in logged} >= {"ok", "rejected"}
        assert any(row["http_status"] == 503 for row in logged)

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert receiver.stop() == 0


@pytest.mark.parametrize("backend", shared_testing.test_backends())
async def test_assets_pushes_its_dossiers_the_same_way(backend: str, tmp_path: Path) -> None:
    disposition = [
        (ProcedureStatus.RECEIVED, FRIDAY.astimezone(UTC)),
        (ProcedureStatus.REFUSED, at(date(2026, 4, 29), 9)),
    ]
    async with processes(backend, tmp_path, "assets") as (engine, receiver, worker):
        steps = await open_dossier(engine, "000.00.04.H12-260424-0009", disposition, "disposition")
        await wait_for("the disposition's steps pushed", settled(engine, steps))
        assert [s["push_status"] for s in await push_states(engine, steps)] == [PushStatus.ACKNOWLEDGED] * 2
        held = receiver.dossier("000.00.04.H12-260424-0009")
        assert [u["status"] for u in held] == [one_stop.STATUS_CODES[status].code for status, _ in disposition]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
