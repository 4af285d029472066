"""The rules of evaluations, commendations and discipline, and what other domains ask of them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import BadRequest, Conflict, NotFound
from haicap_shared.import_runs import ImportRun
from haicap_shared.imports import Upload
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.tabular import ImportReport

from ..codelists import service as codelist_service
from ..codelists.models import CodeListName
from ..common import row_snapshot
from ..decisions import Decision, HistoryEntry
from ..people import repository as people_repository
from ..people.access import check_person
from ..people.models import Person
from ..workflow_dossiers import COMMENDATION_PROPOSAL, DOSSIERS, summary_field
from . import importer, repository
from .access import check_conduct, commendations_visible, disciplines_visible, evaluations_visible
from .models import GRADE_TITLES, Commendation, Discipline, Evaluation, Grade
from .schemas import Commendation as CommendationOut
from .schemas import (
    CommendationCreate,
    CommendationUpdate,
    DisciplineCreate,
    DisciplineUpdate,
    EvaluationCreate,
    EvaluationUpdate,
    commendation_of,
    discipline_of,
)
from .schemas import Discipline as DisciplineOut
from .schemas import Evaluation as EvaluationOut

ENTITY_EVALUATION = "evaluation"
ENTITY_COMMENDATION = "commendation"
ENTITY_DISCIPLINE = "discipline"

# NOTE: Luật Cán bộ, công chức 2008, sửa đổi 2019, Điều 82 khoản 1: the restrictions of a
# discipline last 12 months for khiển trách and cảnh cáo, 18 months for hạ bậc lương,
# giáng chức and cách chức, from the day the decision takes effect; a dismissal (buộc thôi
# việc, bãi nhiệm) ends the service and has no end. The codes are the `discipline-form` list's.
EFFECT_MONTHS: dict[str, int] = {
    "khien-trach": 12,
    "canh-cao": 12,
    "ha-bac-luong": 18,
    "giang-chuc": 18,
    "cach-chuc": 18,
}
DISMISSALS = frozenset({"buoc-thoi-viec", "bai-nhiem"})


class PersonMissing(Conflict):
    code, title = "person_not_found", "No such person"


class EvaluationNotFound(NotFound):
    code, title = "evaluation_not_found", "No such evaluation"


class CommendationNotFound(NotFound):
    code, title = "commendation_not_found", "No such commendation"


class DisciplineNotFound(NotFound):
    code, title = "discipline_not_found", "No such discipline"


class EvaluationExists(Conflict):
    code, title = "evaluation_exists", "The person already has an evaluation for that year"


class EvaluationInFuture(BadRequest):
    code, title = "evaluation_in_future", "The year or the day of the evaluation is in the future"


class EvaluationDateOutsideYear(BadRequest):
    code, title = "evaluation_date_before_year", "The evaluation is dated before the year it evaluates began"


class DisciplineFormNotForCategory(Conflict):
    code, title = "discipline_form_not_for_category", "This discipline form does not apply to the person's category"


class EffectEndRequired(BadRequest):
    code, title = "effect_end_required", "This discipline form has no default end of effect: give effect_end_date"


class EffectEndBeforeStart(BadRequest):
    code, title = "effect_end_before_start", "The end of effect is before the day the discipline takes effect"


class DecisionInFuture(BadRequest):
    code, title = "decision_in_future", "The decision is dated in the future"


def _day(on: date) -> str:
    return on.strftime("%d/%m/%Y")


async def _form_names(
    session: AsyncSession, list_name: CodeListName, records: Sequence[Commendation | Discipline]
) -> dict[tuple[str, date], str]:
    """The name of each record's form on its decision's date (the code itself where the list has none)."""
    by_day: dict[date, set[str]] = defaultdict(set)
    for record in records:
        by_day[record.decision_date].add(record.form_code)
    names: dict[tuple[str, date], str] = {}
    for day, form_codes in by_day.items():
        for code, name in (await codelist_service.names_of(session, list_name, form_codes, day)).items():
            names[(code, day)] = name
    return names


async def history_entries(session: AsyncSession, person_id: uuid.UUID) -> list[HistoryEntry]:
    """The person's evaluations, commendations and disciplines as lines of their history (ordered by day).

    An evaluation is dated the last day of its year; a commendation its decision's date; a
    discipline the day it took effect. No area check: the caller has checked the person.
    """
    entries: list[HistoryEntry] = []
    for evaluation in await repository.person_evaluations(session, person_id):
        entries.append(
            HistoryEntry(
                on=date(evaluation.year, 12, 31),
                kind=ENTITY_EVALUATION,
                type=evaluation.grade.value,
                title=f"Đánh giá, xếp loại năm {evaluation.year}: {GRADE_TITLES[evaluation.grade]}",
                record_id=evaluation.id,
                path=f"/api/v1/personnel/evaluations/{evaluation.id}",
            )
        )
    commendations = await repository.person_commendations(session, person_id)
    commendation_names = await _form_names(session, CodeListName.COMMENDATION_FORM, commendations)
    for commendation in commendations:
        form = commendation_names.get((commendation.form_code, commendation.decision_date), commendation.form_code)
        entries.append(
            HistoryEntry(
                on=commendation.decision_date,
                kind=ENTITY_COMMENDATION,
                type=commendation.form_code,
                title=f"Khen thưởng: {form}",
                decision=Decision.of(commendation),
                record_id=commendation.id,
                path=f"/api/v1/personnel/commendations/{commendation.id}",
            )
        )
    disciplines = await repository.person_disciplines(session, person_id)
    discipline_names = await _form_names(session, CodeListName.DISCIPLINE_FORM, disciplines)
    for discipline in disciplines:
        form = discipline_names.get((discipline.form_code, discipline.decision_date), discipline.form_code)
        end = f" (hiệu lực đến {_day(discipline.effect_end_date)})" if discipline.effect_end_date else ""
        entries.append(
            HistoryEntry(
                on=discipline.effective_date,
                kind=ENTITY_DISCIPLINE,
                type=discipline.form_code,
                title=f"Kỷ luật: {form}{end}",
                decision=Decision.of(discipline),
                record_id=discipline.id,
                path=f"/api/v1/personnel/disciplines/{discipline.id}",
            )
        )
    entries.sort(key=lambda e: e.on)
    return entries


async def under_discipline(session: AsyncSession, person_id: uuid.UUID, on: date) -> list[Discipline]:
    """The person's disciplines in effect on ``on`` (empty if none): taken effect, and not ended before that day."""
    return list(await repository.disciplines_in_effect(session, person_id, on))


async def tasks_not_completed(session: AsyncSession, person_id: uuid.UUID, on: date) -> Evaluation | None:
    """The person's latest evaluation made by ``on`` (dated on or before it) if it is "không hoàn thành nhiệm vụ"."""
    last = await repository.last_evaluation(session, person_id, on)
    return last if last is not None and last.grade is Grade.NOT_COMPLETED else None


# --- shared -------------------------------------------------------------------------------


def _today() -> date:
    # NOTE: a local Vietnamese date (the service runs with the province's time zone).
    return date.today()


async def _person(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Person:
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise PersonMissing(f"No person has id {person_id}")
    check_person(principal, person)
    return person


def _agency_of(person: Person) -> dict[str, Any]:
    """The agency columns a record takes from the person's record when it is written."""
    return {
        "agency_id": person.agency_id,
        "province_code": person.province_code,
        "commune_code": person.commune_code,
        "agency_level": person.agency_level,
        "unit_id": person.unit_id,
        "agency_valid_to": person.agency_valid_to,
    }


def _check_decision(decision: Decision) -> None:
    if decision.date > _today():
        raise DecisionInFuture(f"The decision is dated {decision.date}, after today")


# --- evaluations --------------------------------------------------------------------------


def _check_evaluation(year: int, evaluation_date: date) -> None:
    today = _today()
    if year > today.year or evaluation_date > today:
        raise EvaluationInFuture(f"Year {year} evaluated on {evaluation_date}: not after today ({today})")
    if evaluation_date < date(year, 1, 1):
        raise EvaluationDateOutsideYear(f"An evaluation of {year} cannot be dated {evaluation_date}")


async def get_evaluation(session: AsyncSession, principal: Principal, evaluation_id: uuid.UUID) -> Evaluation:
    evaluation = await repository.get_evaluation(session, evaluation_id)
    if evaluation is None:
        raise EvaluationNotFound(f"No evaluation has id {evaluation_id}")
    check_conduct(principal, evaluation, "This evaluation")
    return evaluation


async def list_evaluations(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    commune: str | None,
    agency_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    year: int | None,
    grade: Grade | None,
    limit: int,
    cursor: str | None,
) -> Page[EvaluationOut]:
    """One page of the evaluations in the caller's area, by year."""
    rows, next_cursor = await repository.page_evaluations(
        session,
        evaluations_visible(principal),
        province=province,
        commune=commune,
        agency_id=agency_id,
        person_id=person_id,
        year=year,
        grade=grade,
        limit=limit,
        cursor=cursor,
    )
    return page_of(EvaluationOut, rows, next_cursor)


async def create_evaluation(session: AsyncSession, audit: AuditTrail, principal: Principal, data: EvaluationCreate) -> Evaluation:
    person = await _person(session, principal, data.person_id)
    _check_evaluation(data.year, data.evaluation_date)
    if await repository.evaluation_of(session, person.id, data.year) is not None:
        raise EvaluationExists(f"This person already has an evaluation for {data.year}: change it instead")
    evaluation = Evaluation(**data.model_dump(), **_agency_of(person))
    session.add(evaluation)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_EVALUATION, entity_id=evaluation.id, action="create", after=snapshot(evaluation)
    )
    return evaluation


async def update_evaluation(
    session: AsyncSession, audit: AuditTrail, principal: Principal, evaluation: Evaluation, changes: EvaluationUpdate
) -> Evaluation:
    before = snapshot(evaluation)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("grade", "evaluator", "evaluation_date"):
        if required in fields and fields[required] is None:
            raise BadRequest(f"{required} cannot be emptied", code="field_required")
    _check_evaluation(evaluation.year, fields.get("evaluation_date", evaluation.evaluation_date))
    for name, value in fields.items():
        setattr(evaluation, name, value)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_EVALUATION,
        entity_id=evaluation.id,
        action="update",
        before=before,
        after=snapshot(evaluation),
    )
    return evaluation


# --- commendations ------------------------------------------------------------------------


def commendation_out(record: Commendation) -> CommendationOut:
    return commendation_of({name: getattr(record, name) for name in _COMMENDATION_FIELDS})


async def commendation_view(session: AsyncSession, record: Commendation) -> CommendationOut:
    """The commendation as its responses show it, with the proposal dossier it finished (if any)."""
    return await DOSSIERS.with_summary(session, COMMENDATION_PROPOSAL, record.id, commendation_out(record))


def _decision_note(decision: Decision) -> str:
    """A finished proposal's note: the decision that made the commendation."""
    return f"Quyết định số {decision.number} ngày {_day(decision.date)} của {decision.issuer}"


_DECISION_FIELDS = ("decision_number", "decision_date", "decision_signer", "decision_issuer")
# NOTE: the dossier is not a column: commendation_view adds it.
_COMMENDATION_FIELDS = (
    tuple(n for n in CommendationOut.model_fields if n not in {"decision", "procedure_dossier"}) + _DECISION_FIELDS
)
_DISCIPLINE_FIELDS = tuple(n for n in DisciplineOut.model_fields if n != "decision") + _DECISION_FIELDS


def discipline_out(record: Discipline) -> DisciplineOut:
    return discipline_of({name: getattr(record, name) for name in _DISCIPLINE_FIELDS})


async def get_commendation(session: AsyncSession, principal: Principal, commendation_id: uuid.UUID) -> Commendation:
    record = await repository.get_commendation(session, commendation_id)
    if record is None:
        raise CommendationNotFound(f"No commendation has id {commendation_id}")
    check_conduct(principal, record, "This commendation")
    return record


async def list_commendations(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    commune: str | None,
    agency_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    form_code: str | None,
    limit: int,
    cursor: str | None,
) -> Page[CommendationOut]:
    """One page of the commendations in the caller's area, by decision date."""
    rows, next_cursor = await repository.page_commendations(
        session,
        commendations_visible(principal),
        province=province,
        commune=commune,
        agency_id=agency_id,
        person_id=person_id,
        form_code=form_code,
        limit=limit,
        cursor=cursor,
    )
    items = await DOSSIERS.with_summaries(session, COMMENDATION_PROPOSAL, [commendation_of(row) for row in rows])
    return Page[CommendationOut](items=items, next=next_cursor)


async def create_commendation(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: CommendationCreate
) -> Commendation:
    person = await _person(session, principal, data.person_id)
    _check_decision(data.decision)
    await codelist_service.check_code(session, CodeListName.COMMENDATION_FORM, data.form_code, data.decision.date)
    record = Commendation(
        person_id=person.id,
        form_code=data.form_code,
        reason=data.reason,
        **data.decision.columns(),
        **_agency_of(person),
    )
    session.add(record)
    await session.flush()
    finished = None
    if data.procedure_dossier_id is not None:
        # NOTE: the commendation is the proposal's result: recording it finishes the proposal's
        # dossier (done, naming the decision) and makes the commendation its subject.
        note = _decision_note(data.decision)
        finished = await DOSSIERS.take_over(
            session, audit, principal, data.procedure_dossier_id, COMMENDATION_PROPOSAL, record.id, note
        )
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_COMMENDATION,
        entity_id=record.id,
        action="create",
        after=snapshot(record) | summary_field(finished),
    )
    return record


async def update_commendation(
    session: AsyncSession, audit: AuditTrail, principal: Principal, record: Commendation, changes: CommendationUpdate
) -> Commendation:
    before = await DOSSIERS.audited(session, COMMENDATION_PROPOSAL, record)
    fields = changes.model_dump(exclude_unset=True, exclude={"decision"})
    for required in ("form_code", "reason"):
        if required in fields and fields[required] is None:
            raise BadRequest(f"{required} cannot be emptied", code="field_required")
    if "decision" in changes.model_fields_set:
        if changes.decision is None:
            raise BadRequest("decision cannot be emptied", code="field_required")
        _check_decision(changes.decision)
        fields.update(changes.decision.columns())
    # NOTE: checked before any attribute is set: a query would flush a half-made change (a second version).
    if {"form_code", "decision_date"} & fields.keys():
        form_code, decided = fields.get("form_code", record.form_code), fields.get("decision_date", record.decision_date)
        await codelist_service.check_code(session, CodeListName.COMMENDATION_FORM, form_code, decided)
    for name, value in fields.items():
        setattr(record, name, value)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_COMMENDATION,
        entity_id=record.id,
        action="update",
        before=before,
        after=await DOSSIERS.audited(session, COMMENDATION_PROPOSAL, record),
    )
    return record


# --- discipline ---------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def default_effect_end(form_code: str, effective_date: date) -> date | None:
    """The last day of a discipline's effect by its form (Luật CBCC Điều 82): None for a dismissal."""
    if form_code in DISMISSALS:
        return None
    months = EFFECT_MONTHS.get(form_code)
    if months is None:
        raise EffectEndRequired(f"No default end of effect for form {form_code!r}")
    return add_months(effective_date, months) - timedelta(days=1)


async def _check_discipline_form(session: AsyncSession, person: Person, form_code: str, on: date) -> None:
    """The form is in the `discipline-form` list on ``on`` and applies to the person's category."""
    await codelist_service.check_code(session, CodeListName.DISCIPLINE_FORM, form_code, on)
    attributes = await repository.form_attributes(session, CodeListName.DISCIPLINE_FORM, form_code, on) or {}
    categories = [str(c) for c in attributes.get("categories", [])]
    if person.category.value not in categories:
        raise DisciplineFormNotForCategory(
            f"Form {form_code!r} applies to {', '.join(sorted(categories)) or 'no category'}, not to {person.category.value}"
        )


async def get_discipline(session: AsyncSession, principal: Principal, discipline_id: uuid.UUID) -> Discipline:
    record = await repository.get_discipline(session, discipline_id)
    if record is None:
        raise DisciplineNotFound(f"No discipline has id {discipline_id}")
    check_conduct(principal, record, "This discipline")
    return record


async def list_disciplines(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    commune: str | None,
    agency_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    form_code: str | None,
    in_effect_on: date | None,
    limit: int,
    cursor: str | None,
) -> Page[DisciplineOut]:
    """One page of the disciplines in the caller's area, by the day they took effect."""
    rows, next_cursor = await repository.page_disciplines(
        session,
        disciplines_visible(principal),
        province=province,
        commune=commune,
        agency_id=agency_id,
        person_id=person_id,
        form_code=form_code,
        in_effect_on=in_effect_on,
        limit=limit,
        cursor=cursor,
    )
    return Page[DisciplineOut](items=[discipline_of(row) for row in rows], next=next_cursor)


def _effect(form_code: str, effective_date: date, effect_end_date: date | None, given: bool) -> date | None:
    end = effect_end_date if given else default_effect_end(form_code, effective_date)
    if end is not None and end < effective_date:
        raise EffectEndBeforeStart(f"The effect ends on {end}, before it begins on {effective_date}")
    return end


async def create_discipline(session: AsyncSession, audit: AuditTrail, principal: Principal, data: DisciplineCreate) -> Discipline:
    person = await _person(session, principal, data.person_id)
    _check_decision(data.decision)
    effective = data.effective_date or data.decision.date
    await _check_discipline_form(session, person, data.form_code, effective)
    end = _effect(data.form_code, effective, data.effect_end_date, "effect_end_date" in data.model_fields_set)
    record = Discipline(
        person_id=person.id,
        form_code=data.form_code,
        reason=data.reason,
        effective_date=effective,
        effect_end_date=end,
        **data.decision.columns(),
        **_agency_of(person),
    )
    session.add(record)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_DISCIPLINE, entity_id=record.id, action="create", after=snapshot(record)
    )
    return record


async def update_discipline(
    session: AsyncSession, audit: AuditTrail, principal: Principal, record: Discipline, changes: DisciplineUpdate
) -> Discipline:
    """Change a discipline; a new form or start without an explicit end takes the form's default end again."""
    before = snapshot(record)
    fields = changes.model_dump(exclude_unset=True, exclude={"decision"})
    for required in ("form_code", "reason", "effective_date"):
        if required in fields and fields[required] is None:
            raise BadRequest(f"{required} cannot be emptied", code="field_required")
    if "decision" in changes.model_fields_set:
        if changes.decision is None:
            raise BadRequest("decision cannot be emptied", code="field_required")
        _check_decision(changes.decision)
        fields.update(changes.decision.columns())
    # NOTE: checked before any attribute is set: a query would flush a half-made change (a second version).
    form_code = fields.get("form_code", record.form_code)
    effective = fields.get("effective_date", record.effective_date)
    if {"form_code", "effective_date"} & fields.keys():
        person = await _person(session, principal, record.person_id)
        await _check_discipline_form(session, person, form_code, effective)
    end_given = "effect_end_date" in fields
    if end_given or {"form_code", "effective_date"} & fields.keys():
        fields["effect_end_date"] = _effect(form_code, effective, fields.get("effect_end_date"), end_given)
    for name, value in fields.items():
        setattr(record, name, value)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_DISCIPLINE,
        entity_id=record.id,
        action="update",
        before=before,
        after=snapshot(record),
    )
    return record


# --- evaluations' import ------------------------------------------------------------------


async def import_evaluations(
    session: AsyncSession, audit: AuditTrail, principal: Principal, upload: Upload, *, partial: bool
) -> ImportReport:
    """Check every row; write them all (or, with ``partial``, the good ones), a chunk at a time.

    Each chunk: one query for the people it names, one for their evaluations of its years, the
    rows checked in a worker thread, one batched insert and one batch of audit events (each
    evaluation written has its ``create`` event in the audit log and the change feed). A row
    with problems refuses the whole import (409 ``import_rejected`` with the report) unless
    ``partial``.
    """
    run = ImportRun(upload, partial=partial, max_problems=importer.MAX_PROBLEMS)
    first_row: dict[tuple[str, int], int] = {}
    today, now = _today(), utcnow()
    async for chunk in run.chunks(importer.COLUMNS):
        numbers = sorted({n for r in chunk if (n := importer.national_id_of(r.values))})
        people = await repository.people_by_national_id(session, numbers)
        years = sorted({y for r in chunk if (y := importer.year_of(r.values)) is not None})
        done = await repository.evaluated(session, [p.id for p in people.values()], years) if years else set()
        good = await run.in_thread(importer.check_chunk, chunk, people, done, first_row, run.problems, principal, today, now)
        run.accepted += len(good)
        if good and run.may_write:
            await repository.insert_evaluations(session, good)
            run.written += len(good)
            await audit.record_many(
                session,
                principal,
                entity_type=ENTITY_EVALUATION,
                action="create",
                changes=[(row["id"], None, row_snapshot(row)) for row in good],
            )
    return run.finish()
