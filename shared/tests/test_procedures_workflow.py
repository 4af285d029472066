"""What a workflow asks of its records' dossiers (:mod:`haicap_shared.procedures.workflow`), on the sample schema.

The summaries of a page of records (in batches, the latest dossier of each), a step only while
the dossier is open, and a proposal's dossier taken over by the record it led to, checked for
its kind, its area and its end.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.batching import BATCH_SIZE
from haicap_shared.errors import AppError
from haicap_shared.procedures import workflow
from haicap_shared.procedures.schemas import ProcedureIntake
from haicap_shared.procedures.status import ProcedureStatus
from haicap_shared.roles import Area, Role
from haicap_shared.testing import ServiceMigrations
from haicap_shared.workdays import VIETNAM

from .procedures_sample import APPRAISAL, COMMENDATION, DOSSIERS, MIGRATIONS, SERVICE, FakeCatalogue, audit_table, trail

ADMIN = Principal(subject="u-0", username="admin", role=Role.ADMIN, area=Area())
AGENCY = uuid.UUID(int=300)
OTHER_AGENCY = uuid.UUID(int=301)
RECEIVED = datetime(2026, 4, 24, 9, 0, tzinfo=VIETNAM)
DOSSIERS_OF = workflow.RecordDossiers(DOSSIERS)


class Record:
    """A workflow record as a dossier reads it."""

    def __init__(self, agency_id: uuid.UUID | None = AGENCY, province_code: str = "04") -> None:
        self.id = uuid.uuid4()
        self.province_code = province_code
        self.commune_code: str | None = None
        self.agency_id = agency_id


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest_asyncio.fixture
async def session(db_connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
        yield s


def _intake(serial: int, code: str = APPRAISAL.code, received_at: datetime = RECEIVED) -> ProcedureIntake:
    return ProcedureIntake(procedure_code=code, dossier_code=f"000.00.04.H12-260424-{serial:04d}", received_at=received_at)


async def test_a_page_of_records_reads_the_latest_dossier_of_each_in_batches(session: AsyncSession) -> None:
    catalogue = FakeCatalogue()
    records = [Record() for _ in range(BATCH_SIZE + 2)]
    for serial, record in enumerate(records[:3]):
        await DOSSIERS_OF.open(session, trail, ADMIN, catalogue, _intake(serial), "position", record)
    # The last record of the page, beyond the first batch, was received twice: the later dossier is its.
    last = records[-1]
    await DOSSIERS_OF.open(session, trail, ADMIN, catalogue, _intake(10), "position", last)
    later = await DOSSIERS_OF.open(
        session, trail, ADMIN, catalogue, _intake(11, received_at=RECEIVED + timedelta(days=3)), "position", last
    )
    found = await DOSSIERS_OF.summaries(session, "position", [r.id for r in records])
    assert set(found) == {*(r.id for r in records[:3]), last.id}
    assert found[last.id] == later == await DOSSIERS_OF.summary(session, "position", last.id)
    assert await DOSSIERS_OF.summaries(session, "streamlining_case", [r.id for r in records]) == {}


async def test_a_step_is_taken_while_the_dossier_is_open_only(session: AsyncSession) -> None:
    catalogue = FakeCatalogue()
    record = Record()
    assert await DOSSIERS_OF.follow(session, trail, ADMIN, "position", record.id, ProcedureStatus.IN_PROCESS) is None
    await DOSSIERS_OF.open(session, trail, ADMIN, catalogue, _intake(20), "position", record)
    returned = await DOSSIERS_OF.follow(session, trail, ADMIN, "position", record.id, ProcedureStatus.RETURNED, "Thiếu hồ sơ")
    assert returned is not None
    assert returned.status is ProcedureStatus.RETURNED
    # Finished: a later change of the record leaves the dossier as it is.
    again = await DOSSIERS_OF.follow(session, trail, ADMIN, "position", record.id, ProcedureStatus.IN_PROCESS)
    assert again == returned


async def _proposal(session: AsyncSession, serial: int, agency_id: uuid.UUID = AGENCY) -> uuid.UUID:
    proposal = Record(agency_id=agency_id)
    opened = await DOSSIERS_OF.open(
        session, trail, ADMIN, FakeCatalogue(), _intake(serial, COMMENDATION.code), "commendation_proposal", proposal
    )
    return opened.id


async def _take_over(session: AsyncSession, dossier_id: uuid.UUID, principal: Principal, subject_id: uuid.UUID) -> str:
    summary = await DOSSIERS_OF.take_over(
        session, trail, principal, dossier_id, "commendation_proposal", subject_id, "Quyết định số 125/QĐ-UBND"
    )
    return summary.status.value


async def test_a_proposal_is_taken_over_in_its_area_while_open(session: AsyncSession) -> None:
    officer = Principal(
        subject="u-2", username="agency.300", role=Role.AGENCY_OFFICER, area=Area(province="04", agency=str(AGENCY))
    )
    elsewhere = await _proposal(session, 30, OTHER_AGENCY)
    with pytest.raises(AppError) as refused:
        await _take_over(session, elsewhere, officer, uuid.uuid4())
    assert (refused.value.status, refused.value.code) == (409, "procedure_dossier_outside_area")
    ours = await _proposal(session, 31)
    commendation = uuid.uuid4()
    assert await _take_over(session, ours, officer, commendation) == "done"
    summary = await DOSSIERS_OF.summary(session, "commendation_proposal", commendation)
    assert summary is not None
    assert summary.id == ours
    # The dossier's audited change names the record it now belongs to.
    a = audit_table.c
    after = (await session.execute(select(a.after).where(a.entity_id == str(ours)).order_by(a.id.desc()).limit(1))).scalar_one()
    assert (after["subject_id"], after["status"]) == (str(commendation), "done")
    for dossier_id, code in ((ours, "procedure_dossier_finished"), (uuid.uuid4(), "procedure_dossier_not_found")):
        with pytest.raises(AppError) as refused:
            await _take_over(session, dossier_id, ADMIN, uuid.uuid4())
        assert (refused.value.status, refused.value.code) == (409, code)
    position = Record()
    opened = await DOSSIERS_OF.open(session, trail, ADMIN, FakeCatalogue(), _intake(32), "position", position)
    with pytest.raises(AppError) as refused:
        await _take_over(session, opened.id, ADMIN, uuid.uuid4())
    assert (refused.value.status, refused.value.code) == (409, "procedure_dossier_wrong_kind")
