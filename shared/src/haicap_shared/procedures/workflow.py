"""What a workflow's service asks of its records' dossiers besides opening one (:mod:`.service`).

- :func:`dossier_summary` and :func:`dossier_summaries`: the summary every response of a
  workflow record shows (``procedure_dossier``), for one record or a page of them;
- :func:`follow`: the step a status change of the record makes, while its dossier is open (a
  record with no dossier, or whose dossier is already finished, goes on without one: a job
  position returned, then submitted again without a new dossier code, say);
- :func:`take_over`: a proposal's dossier, opened on its own (``POST /procedure-dossiers``),
  finished by the record it led to (a commendation recorded on a commendation proposal), which
  becomes its subject;
- :class:`RecordDossiers`: these, and the opening of a record's dossier, bound to one service's
  tables and calendar (:class:`.wiring.DossierConfig`): what its workflow domains call, with the
  three ways a record's dossier goes with it (a page's items, one response, the audited snapshot).

Everything writes in the caller's session and transaction, like :mod:`.service`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..areas import in_area
from ..audit import AuditTrail, snapshot
from ..auth import Principal
from ..batching import in_batches
from ..errors import Conflict
from ..models import utcnow
from ..workdays import local_date
from . import repository
from .schemas import ProcedureDossierSummary, ProcedureIntake
from .service import DossierChanged, ProcedureCatalogue, advance, append_step, item_of, open_dossier, summary_of, today
from .status import FINISHED, ProcedureStatus
from .tables import ProcedureTables
from .wiring import DossierConfig


class ProposalDossierNotFound(Conflict):
    code, title = "procedure_dossier_not_found", "No procedure dossier has this id"


class ProposalDossierOfAnotherKind(Conflict):
    code, title = "procedure_dossier_wrong_kind", "The procedure dossier is not of the kind this record finishes"


class ProposalDossierOutsideArea(Conflict):
    code, title = "procedure_dossier_outside_area", "The procedure dossier is outside your area"


class ProposalDossierFinished(Conflict):
    code, title = "procedure_dossier_finished", "The procedure dossier is already finished"


class RecordArea(Protocol):
    """A workflow record as a dossier reads it: its id and its area."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def province_code(self) -> str: ...
    @property
    def commune_code(self) -> str | None: ...
    @property
    def agency_id(self) -> uuid.UUID | None: ...


class Identified(Protocol):
    """A record, or a response of one, as its dossier is found by: its id."""

    @property
    def id(self) -> uuid.UUID: ...


class ShowsDossier(Protocol):
    """A response item that shows its record's dossier (``procedure_dossier``)."""

    @property
    def id(self) -> uuid.UUID: ...

    procedure_dossier: ProcedureDossierSummary | None


ShownT = TypeVar("ShownT", bound=BaseModel)
ItemT = TypeVar("ItemT", bound=ShowsDossier)


PROPOSAL_PROBLEMS = (ProposalDossierNotFound, ProposalDossierOfAnotherKind, ProposalDossierOutsideArea, ProposalDossierFinished)
"""What :func:`take_over` may answer, for a route's ``responses``."""


def _summary(row: RowMapping) -> ProcedureDossierSummary:
    return summary_of(item_of(row))


async def dossier_summary(
    session: AsyncSession, tables: ProcedureTables, subject_kind: str, subject_id: uuid.UUID
) -> ProcedureDossierSummary | None:
    """The summary of the (latest) dossier of one workflow record; None when it has none."""
    row = await repository.dossier_of_subject(session, tables, subject_kind, subject_id)
    return None if row is None else _summary(row)


async def dossier_summaries(
    session: AsyncSession, tables: ProcedureTables, subject_kind: str, subject_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ProcedureDossierSummary]:
    """The summary of the (latest) dossier of each workflow record that has one, by record id."""
    c = tables.dossier.c
    latest: dict[uuid.UUID, RowMapping] = {}
    for batch in in_batches(list(dict.fromkeys(subject_ids))):
        # NOTE: ordered oldest first, so the latest of a record (received last) is the one kept.
        stmt = (
            select(tables.dossier)
            .where(c.subject_kind == subject_kind, c.subject_id.in_(batch))
            .order_by(c.received_at, c.id.desc())
        )
        for row in (await session.execute(stmt)).mappings():
            latest[row["subject_id"]] = row
    return {subject_id: _summary(row) for subject_id, row in latest.items()}


async def follow(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    subject_kind: str,
    subject_id: uuid.UUID,
    status: ProcedureStatus,
    trail: AuditTrail,
    principal: Principal,
    note: str | None = None,
    overrides: Mapping[date, bool] | None = None,
) -> ProcedureDossierSummary | None:
    """Step ``status`` on the record's dossier while it is open; the dossier as it is once finished; None without one."""
    return await advance(
        session,
        tables,
        subject_kind=subject_kind,
        subject_id=subject_id,
        status=status,
        trail=trail,
        principal=principal,
        note=note,
        overrides=overrides,
        unless_finished=True,
    )


async def take_over(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    dossier_id: uuid.UUID,
    proposal_kind: str,
    subject_id: uuid.UUID,
    status: ProcedureStatus,
    trail: AuditTrail,
    principal: Principal,
    note: str | None = None,
    overrides: Mapping[date, bool] | None = None,
) -> ProcedureDossierSummary:
    """Make ``subject_id`` the subject of the open ``proposal_kind`` dossier of the caller's area and finish it with ``status``.

    409 when the dossier does not exist, is of another kind, lies outside the caller's area or
    is finished already (each with its code). The subject is written before the step, so the
    dossier's audited change (and its event) shows the record it belongs to.
    """
    row = await repository.dossier_by_id(session, tables, dossier_id)
    if row is None:
        raise ProposalDossierNotFound(f"No procedure dossier has id {dossier_id}", field="procedure_dossier_id")
    if row["subject_kind"] != proposal_kind:
        raise ProposalDossierOfAnotherKind(
            f"The dossier {row['dossier_code']} is a {row['subject_kind']} dossier, not a {proposal_kind} one",
            field="procedure_dossier_id",
        )
    # NOTE: 409, not 403: the dossier is named in the body of a write the caller may make; what is
    # refused is the link, and the message names only the dossier's id, not its content.
    inside = in_area(
        principal,
        provinces=[row["province_code"]],
        communes=[row["commune_code"]],
        agency=lambda agency_id: bool(row["agency_id"] == agency_id),
    )
    if not inside:
        raise ProposalDossierOutsideArea(f"The dossier {dossier_id} is outside your area", field="procedure_dossier_id")
    if ProcedureStatus(row["status"]) in FINISHED:
        raise ProposalDossierFinished(
            f"The dossier {row['dossier_code']} is {row['status']} already", field="procedure_dossier_id"
        )
    if not await repository.update_dossier(
        session, tables, dossier_id, row["version"], {"subject_id": subject_id, "updated_at": utcnow()}
    ):
        raise DossierChanged("The dossier changed while this record was written; read it again and retry")
    current = await repository.dossier_by_id(session, tables, dossier_id)
    assert current is not None  # NOTE: updated just above, in this transaction
    dossier = await append_step(
        session, tables, current, status=status, trail=trail, principal=principal, note=note, overrides=overrides
    )
    return summary_of(dossier)


@dataclass(frozen=True)
class RecordDossiers:
    """The calls above bound to one service's dossiers (its tables, its calendar), as its workflow domains make them."""

    config: DossierConfig

    async def open(
        self,
        session: AsyncSession,
        trail: AuditTrail,
        principal: Principal,
        catalogue: ProcedureCatalogue,
        intake: ProcedureIntake,
        subject_kind: str,
        subject: RecordArea,
    ) -> ProcedureDossierSummary:
        """Open the dossier the record was received under (409 ``procedure_not_found``, ``dossier_code_taken``)."""
        received_on = local_date(intake.received_at) if intake.received_at is not None else today()
        return await open_dossier(
            session,
            self.config.tables,
            intake=intake,
            subject_kind=subject_kind,
            subject_id=subject.id,
            province_code=subject.province_code,
            commune_code=subject.commune_code,
            agency_id=subject.agency_id,
            trail=trail,
            principal=principal,
            catalogue=catalogue,
            overrides=await self.config.overrides(session, received_on),
        )

    async def follow(
        self,
        session: AsyncSession,
        trail: AuditTrail,
        principal: Principal,
        subject_kind: str,
        subject_id: uuid.UUID,
        status: ProcedureStatus,
        note: str | None = None,
    ) -> ProcedureDossierSummary | None:
        """:func:`follow` on this service's dossiers."""
        return await follow(
            session,
            self.config.tables,
            subject_kind=subject_kind,
            subject_id=subject_id,
            status=status,
            trail=trail,
            principal=principal,
            note=note,
            overrides=await self.config.overrides(session, today()),
        )

    async def take_over(
        self,
        session: AsyncSession,
        trail: AuditTrail,
        principal: Principal,
        dossier_id: uuid.UUID,
        proposal_kind: str,
        subject_id: uuid.UUID,
        note: str,
    ) -> ProcedureDossierSummary:
        """:func:`take_over` on this service's dossiers, finishing the proposal ``done``."""
        return await take_over(
            session,
            self.config.tables,
            dossier_id=dossier_id,
            proposal_kind=proposal_kind,
            subject_id=subject_id,
            status=ProcedureStatus.DONE,
            trail=trail,
            principal=principal,
            note=note,
            overrides=await self.config.overrides(session, today()),
        )

    async def summary(self, session: AsyncSession, subject_kind: str, subject_id: uuid.UUID) -> ProcedureDossierSummary | None:
        return await dossier_summary(session, self.config.tables, subject_kind, subject_id)

    async def summaries(
        self, session: AsyncSession, subject_kind: str, subject_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ProcedureDossierSummary]:
        return await dossier_summaries(session, self.config.tables, subject_kind, subject_ids)

    async def with_summaries(self, session: AsyncSession, subject_kind: str, items: Sequence[ItemT]) -> Sequence[ItemT]:
        """A page's items, each given its dossier's summary (in place, one lookup for the page)."""
        found = await self.summaries(session, subject_kind, [item.id for item in items])
        for item in items:
            item.procedure_dossier = found.get(item.id)
        return items

    async def with_summary(self, session: AsyncSession, subject_kind: str, subject_id: uuid.UUID, shown: ShownT) -> ShownT:
        """A copy of the record's response ``shown`` with its dossier's summary as ``procedure_dossier``."""
        return shown.model_copy(update={"procedure_dossier": await self.summary(session, subject_kind, subject_id)})

    async def shown(self, session: AsyncSession, subject_kind: str, record: Identified, model: type[ShownT]) -> ShownT:
        """The record as its responses show it (``model`` read from its attributes), with its dossier's summary."""
        return await self.with_summary(session, subject_kind, record.id, model.model_validate(record))

    async def audited(self, session: AsyncSession, subject_kind: str, record: Identified) -> dict[str, Any]:
        """The record's audited snapshot with its dossier's summary (so its event's record is what its GET answers)."""
        return snapshot(record) | summary_field(await self.summary(session, subject_kind, record.id))


def summary_field(found: ProcedureDossierSummary | None) -> dict[str, Any]:
    """The ``procedure_dossier`` field of a record's audited snapshot (so its event shows what its GET shows)."""
    return {"procedure_dossier": None if found is None else found.model_dump(mode="json")}
