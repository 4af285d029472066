"""The rules of evaluations, commendations and discipline, and what other domains ask of them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ..codelists import service as codelist_service
from ..codelists.models import CodeListName
from ..decisions import Decision, HistoryEntry
from . import repository
from .models import GRADE_TITLES, Commendation, Discipline, Grade

ENTITY_EVALUATION = "evaluation"
ENTITY_COMMENDATION = "commendation"
ENTITY_DISCIPLINE = "discipline"


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
                path=f"evaluations/{evaluation.id}",
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
                path=f"commendations/{commendation.id}",
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
                path=f"disciplines/{discipline.id}",
            )
        )
    entries.sort(key=lambda e: e.on)
    return entries


async def under_discipline(session: AsyncSession, person_id: uuid.UUID, on: date) -> list[Discipline]:
    """The person's disciplines in effect on ``on`` (empty if none): taken effect, and not ended before that day."""
    return list(await repository.disciplines_in_effect(session, person_id, on))


async def not_completed_in(session: AsyncSession, person_id: uuid.UUID, year: int) -> bool:
    """Whether the person was evaluated "không hoàn thành nhiệm vụ" for ``year``."""
    return await repository.has_grade(session, person_id, year, Grade.NOT_COMPLETED)
