"""The procedure dossiers' core: the due date on the working-day calendar, the moves, the supplement restart, the audit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.errors import AppError
from haicap_shared.procedures import repository, service
from haicap_shared.procedures.schemas import ProcedureDossier, ProcedureDossierSummary, ProcedureIntake
from haicap_shared.procedures.status import FINISHED, MOVES, ProcedureStatus, PushStatus
from haicap_shared.roles import Area, Role
from haicap_shared.testing import ServiceMigrations
from haicap_shared.workdays import VIETNAM, WorkingCalendar

from .procedures_sample import APPRAISAL, MIGRATIONS, SERVICE, FakeCatalogue, audit_table, procedure_tables, trail

OFFICER = Principal(subject="u-1", username="officer.04", role=Role.PROVINCE_OFFICER, area=Area(province="04"))
FRIDAY_BEFORE_HOLIDAYS = datetime(2026, 4, 24, 9, 0, tzinfo=VIETNAM)


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest_asyncio.fixture
async def session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
        yield s


def _intake(code: str = "000.00.04.H12-260424-0001", *, received_at: datetime = FRIDAY_BEFORE_HOLIDAYS) -> ProcedureIntake:
    return ProcedureIntake(procedure_code=APPRAISAL.code, dossier_code=code, received_at=received_at, applicant="UBND xã A")


async def _open(
    session: AsyncSession,
    catalogue: FakeCatalogue,
    *,
    intake: ProcedureIntake | None = None,
    subject_id: uuid.UUID | None = None,
    province_code: str = "04",
    overrides: dict[date, bool] | None = None,
) -> ProcedureDossierSummary:
    return await service.open_dossier(
        session,
        procedure_tables,
        intake=intake or _intake(),
        subject_kind="position",
        subject_id=subject_id or uuid.uuid4(),
        province_code=province_code,
        commune_code="01273",
        agency_id=None,
        trail=trail,
        principal=OFFICER,
        catalogue=catalogue,
        overrides=overrides,
    )


async def _advance(
    session: AsyncSession, subject_id: uuid.UUID, status: ProcedureStatus, at: datetime
) -> ProcedureDossierSummary | None:
    return await service.advance(
        session,
        procedure_tables,
        subject_kind="position",
        subject_id=subject_id,
        status=status,
        trail=trail,
        principal=OFFICER,
        at=at,
    )


async def _read(session: AsyncSession, dossier_id: uuid.UUID) -> ProcedureDossier:
    row = await repository.dossier_by_id(session, procedure_tables, dossier_id)
    assert row is not None
    return await service.read_dossier(session, procedure_tables, row)


def _problem_code(excinfo: pytest.ExceptionInfo[AppError]) -> tuple[int, str]:
    return excinfo.value.status, excinfo.value.code


async def test_a_dossier_received_the_friday_before_the_holidays_is_due_on_4_may(session: AsyncSession) -> None:
    catalogue = FakeCatalogue()
    summary = await _open(session, catalogue)
    received_on = FRIDAY_BEFORE_HOLIDAYS.date()
    assert catalogue.asked == [(APPRAISAL.code, received_on)]
    assert summary.due_date == WorkingCalendar().add_working_days(received_on, APPRAISAL.processing_days) == date(2026, 5, 4)
    assert (summary.status, summary.procedure_name, summary.finished_at) == (ProcedureStatus.RECEIVED, APPRAISAL.name, None)
    dossier = await _read(session, summary.id)
    assert [(s.position, s.status, s.due_date, s.push_status) for s in dossier.steps] == [
        (1, ProcedureStatus.RECEIVED, summary.due_date, PushStatus.QUEUED)
    ]
    assert (dossier.processing_days, dossier.sector, dossier.level) == (
        APPRAISAL.processing_days,
        APPRAISAL.sector,
        APPRAISAL.level,
    )
    # The audit log (and so the change feed) carries the dossier as its read shows it.
    events = (await session.execute(select(audit_table).where(audit_table.c.entity_id == str(summary.id)))).mappings().all()
    assert [(e["entity_type"], e["action"]) for e in events] == [("procedure_dossier", "create")]
    assert events[0]["after"] == dossier.model_dump(mode="json")


async def test_an_administrators_saturday_worked_brings_the_due_date_forward(session: AsyncSession) -> None:
    saturday = date(2026, 5, 2)
    summary = await _open(session, FakeCatalogue(), overrides={saturday: True})
    assert summary.due_date == saturday


async def test_the_procedure_must_be_in_force_and_the_dossier_code_new_in_the_province(session: AsyncSession) -> None:
    catalogue = FakeCatalogue(valid_from=date(2026, 5, 1))
    with pytest.raises(AppError) as not_yet:
        await _open(session, catalogue)
    assert _problem_code(not_yet) == (409, "procedure_not_found")
    catalogue.valid_from = date(2025, 7, 1)
    await _open(session, catalogue)
    with pytest.raises(AppError) as taken:
        await _open(session, catalogue)
    assert _problem_code(taken) == (409, "dossier_code_taken")
    # Another province may hold the same code.
    other = await _open(session, catalogue, province_code="01")
    assert other.dossier_code == _intake().dossier_code
    count = await session.scalar(select(func.count()).select_from(procedure_tables.dossier))
    assert count == 2


async def test_a_dossier_received_in_the_future_is_refused(session: AsyncSession) -> None:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(AppError) as future:
        await _open(session, FakeCatalogue(), intake=_intake(received_at=tomorrow))
    assert _problem_code(future) == (422, "procedure_moment_in_future")


async def test_moves_allowed_and_refused(session: AsyncSession) -> None:
    subject = uuid.uuid4()
    opened = await _open(session, FakeCatalogue(), subject_id=subject)
    day = FRIDAY_BEFORE_HOLIDAYS
    assert await _advance(session, uuid.uuid4(), ProcedureStatus.IN_PROCESS, day) is None  # a record without a dossier
    supplement = await _advance(session, subject, ProcedureStatus.SUPPLEMENT_REQUESTED, day + timedelta(hours=1))
    assert supplement is not None
    assert supplement.status is ProcedureStatus.SUPPLEMENT_REQUESTED
    assert ProcedureStatus.DONE not in MOVES[ProcedureStatus.SUPPLEMENT_REQUESTED]
    with pytest.raises(AppError) as not_allowed:
        await _advance(session, subject, ProcedureStatus.DONE, day + timedelta(hours=2))
    assert _problem_code(not_allowed) == (409, "procedure_step_not_allowed")
    with pytest.raises(AppError) as earlier:
        await _advance(session, subject, ProcedureStatus.REFUSED, day)
    assert _problem_code(earlier) == (422, "procedure_step_before_previous")
    refused = await _advance(session, subject, ProcedureStatus.REFUSED, day + timedelta(hours=3))
    assert refused is not None
    assert refused.finished_at == day + timedelta(hours=3)
    assert not refused.overdue
    for status in ProcedureStatus:
        with pytest.raises(AppError) as after_finish:
            await _advance(session, subject, status, day + timedelta(hours=4))
        assert _problem_code(after_finish) == (409, "procedure_step_not_allowed")
    dossier = await _read(session, opened.id)
    assert [s.status for s in dossier.steps] == [
        ProcedureStatus.RECEIVED,
        ProcedureStatus.SUPPLEMENT_REQUESTED,
        ProcedureStatus.REFUSED,
    ]
    assert dossier.version == 3
    assert dossier.status in FINISHED


async def test_a_supplemented_dossier_restarts_its_count_and_each_step_keeps_its_due_date(session: AsyncSession) -> None:
    subject = uuid.uuid4()
    opened = await _open(session, FakeCatalogue(), subject_id=subject)
    asked_on = datetime(2026, 4, 28, 10, 0, tzinfo=VIETNAM)
    supplied_on = datetime(2026, 5, 4, 14, 0, tzinfo=VIETNAM)
    await _advance(session, subject, ProcedureStatus.SUPPLEMENT_REQUESTED, asked_on)
    resumed = await _advance(session, subject, ProcedureStatus.IN_PROCESS, supplied_on)
    restarted = WorkingCalendar().add_working_days(supplied_on.date(), APPRAISAL.processing_days)
    assert resumed is not None
    assert resumed.due_date == restarted == date(2026, 5, 7)
    done_late = restarted + timedelta(days=1)
    finished = await _advance(session, subject, ProcedureStatus.DONE, datetime.combine(done_late, datetime.min.time(), VIETNAM))
    assert finished is not None
    assert finished.overdue
    assert finished.due_date == restarted
    dossier = await _read(session, opened.id)
    assert [s.due_date for s in dossier.steps] == [opened.due_date, opened.due_date, restarted, restarted]
    events = (
        await session.execute(
            select(audit_table.c.action, audit_table.c.after["status"].as_string())
            .where(audit_table.c.entity_id == str(opened.id))
            .order_by(audit_table.c.id)
        )
    ).all()
    assert [tuple(e) for e in events] == [
        ("create", "received"),
        ("update", "supplement_requested"),
        ("update", "in_process"),
        ("update", "done"),
    ]


def _expected_counts(dossiers: list[ProcedureDossier], as_of: date) -> dict[str, int]:
    """The statistics' counts worked out from the dossiers' own steps, one by one."""
    counts = dict.fromkeys(
        ("received", "finished", "finished_on_time", "finished_late", "open", "open_overdue", "supplement_requested"), 0
    )
    for dossier in dossiers:
        steps = [s for s in dossier.steps if s.occurred_at.astimezone(VIETNAM).date() <= as_of]
        if not steps:
            continue
        counts["received"] += 1
        if steps[-1].status in FINISHED:
            counts["finished"] += 1
            late = steps[-1].occurred_at.astimezone(VIETNAM).date() > dossier.due_date
            counts["finished_late" if late else "finished_on_time"] += 1
            continue
        counts["open"] += 1
        counts["open_overdue"] += int(as_of > dossier.due_date)
        counts["supplement_requested"] += int(steps[-1].status is ProcedureStatus.SUPPLEMENT_REQUESTED)
    return counts


async def _stats(session: AsyncSession, as_of: date) -> dict[str, int]:
    rows, cut = await repository.stats(
        session,
        procedure_tables,
        repository.true_condition(),
        as_of=as_of,
        received_before=service.start_of_next_local_day(as_of),
        province_code="04",
        commune_code=None,
    )
    assert not cut
    assert [(r["procedure_code"], r["commune_code"]) for r in rows] == [(APPRAISAL.code, "01273")]
    counts = {key: int(rows[0][key]) for key in ("received", "finished", "finished_on_time", "finished_late")}
    counts |= {key: int(rows[0][key]) for key in ("open_overdue", "supplement_requested")}
    return counts | {"open": counts["received"] - counts["finished"]}


async def test_statistics_by_procedure_and_commune_match_the_records(session: AsyncSession) -> None:
    catalogue = FakeCatalogue()

    def local(day: int, month: int = 5, hour: int = 10) -> datetime:
        return datetime(2026, month, day, hour, tzinfo=VIETNAM)

    plans = {
        "on-time": (local(24, 4), [(ProcedureStatus.DONE, local(28, 4))]),
        "late": (local(24, 4), [(ProcedureStatus.IN_PROCESS, local(28, 4)), (ProcedureStatus.DONE, local(6))]),
        "supplement": (local(24, 4), [(ProcedureStatus.SUPPLEMENT_REQUESTED, local(28, 4))]),
        "fresh": (local(5, hour=23), []),  # 23:00 local is 16:00 UTC: still 5 May
    }
    ids = []
    for name, (received_at, steps) in plans.items():
        subject = uuid.uuid4()
        opened = await _open(session, catalogue, intake=_intake(f"H12-{name}", received_at=received_at), subject_id=subject)
        ids.append(opened.id)
        for status, at in steps:
            await _advance(session, subject, status, at)
    dossiers = [await _read(session, dossier_id) for dossier_id in ids]
    for as_of in (date(2026, 4, 23), date(2026, 4, 28), date(2026, 5, 5), date(2026, 5, 6)):
        if as_of == date(2026, 4, 23):
            rows, _ = await repository.stats(
                session,
                procedure_tables,
                repository.true_condition(),
                as_of=as_of,
                received_before=service.start_of_next_local_day(as_of),
                province_code="04",
                commune_code=None,
            )
            assert rows == []
            continue
        assert await _stats(session, as_of) == _expected_counts(dossiers, as_of)
    as_of = date(2026, 5, 6)
    before = await _stats(session, as_of)
    assert before["finished_late"] == 1
    assert before["open_overdue"] == 1
    assert before["supplement_requested"] == 1
    subject = uuid.uuid4()
    await _open(session, catalogue, intake=_intake("H12-one-more-late", received_at=local(24, 4)), subject_id=subject)
    await _advance(session, subject, ProcedureStatus.DONE, local(5))
    after = await _stats(session, as_of)
    assert after["finished_late"] == before["finished_late"] + 1
    assert {k: v for k, v in after.items() if k not in ("received", "finished", "finished_late")} == {
        k: v for k, v in before.items() if k not in ("received", "finished", "finished_late")
    }


async def test_the_overdue_filter_agrees_with_the_flag(session: AsyncSession) -> None:
    catalogue = FakeCatalogue()
    late, on_time = uuid.uuid4(), uuid.uuid4()
    await _open(session, catalogue, intake=_intake("H12-a"), subject_id=late)
    await _open(session, catalogue, intake=_intake("H12-b"), subject_id=on_time)
    await _advance(session, late, ProcedureStatus.DONE, datetime(2026, 5, 5, 8, tzinfo=VIETNAM))
    await _advance(session, on_time, ProcedureStatus.DONE, datetime(2026, 5, 4, 23, 59, tzinfo=VIETNAM))
    for flag in (True, False):
        rows, _ = await repository.page_dossiers(
            session,
            procedure_tables,
            repository.true_condition(),
            repository.DossierFilter(overdue=flag),
            today=service.today(),
            limit=10,
            cursor=None,
        )
        assert [row["dossier_code"] for row in rows] == (["H12-a"] if flag else ["H12-b"])
        assert all(service.item_of(row).overdue is flag for row in rows)
