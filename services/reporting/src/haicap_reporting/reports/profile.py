"""The commune profile: where the commune came from, its agencies, tasks, people, assets and procedures.

It also says how far each source's change feed has gone for the commune
(``event_sequences``: ``GET /events/latest?commune=`` at each source, concurrently), and its
ETag is made of those numbers: a client that sends it back as ``If-None-Match`` gets 304
while none moved, without the sections being composed (once the commune and the caller's
area are checked).
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import date

from haicap_shared.auth import Principal
from haicap_shared.errors import AppError
from haicap_shared.http import UpstreamError
from haicap_shared.versioning import if_none_match_names

from ..composition import Missing, Report, Section, SectionSpec, compose, missing_reason
from ..sections import assets, operations, org, personnel, procedures, workload
from ..sources import Sources
from . import places
from .access import check_report_area
from .schemas import CommuneProfile
from .summary import DOSSIER_SOURCES
from .workload import WORKLOAD_SOURCES

Sequences = dict[str, int | None]


@dataclass(frozen=True)
class Profile:
    """The composed profile (``None`` when ``If-None-Match`` named its current ETag) and its ETag.

    ``etag`` is ``None`` for an incomplete profile: it names no state a client could keep.
    """

    report: Report | None
    etag: str | None


def etag_of(commune: str, as_of: date, sequences: Sequences) -> str:
    """The profile's weak ETag: the commune, the date and each source's latest event sequence for it."""
    moved = "-".join(f"{name}{sequences[name]}" for name in sorted(sequences))
    return f'W/"profile-{commune}-{as_of.isoformat()}-{moved}"'


async def event_sequences(sources: Sources, code: str, *, timeout_seconds: float) -> tuple[Sequences, list[Missing]]:
    """Each source's latest event sequence for the commune; a source whose feed fails is missing, as a section would be."""
    names = list(sources.events)
    results = await asyncio.gather(
        *(asyncio.wait_for(sources.events[name].latest_sequence(code), timeout_seconds) for name in names),
        return_exceptions=True,
    )
    sequences: Sequences = {}
    missing: list[Missing] = []
    for name, result in zip(names, results, strict=True):
        if isinstance(result, int):
            sequences[name] = result
        elif isinstance(result, (TimeoutError, AppError)):
            sequences[name] = None
            missing.append(Missing("event_sequences", sources.events[name].name, missing_reason(result)))
        else:
            raise result  # NOTE: a bug in reporting itself must not pass for a missing source
    return sequences, missing


async def commune_profile(
    sources: Sources,
    principal: Principal,
    code: str,
    as_of: date,
    *,
    timeout_seconds: float,
    if_none_match: str | None = None,
) -> Profile:
    """The profile; 404 ``commune_not_found`` when org-structure knows no unit with the code on ``as_of``."""
    # NOTE: the sequences are read before anything else, so every event they count is in
    # the figures read after them: the ETag may lag the figures (one extra 200 later), never
    # run ahead of them (a client kept on figures missing an event).
    sequences, unread = await event_sequences(sources, code, timeout_seconds=timeout_seconds)
    # NOTE: the unit itself is needed to know the commune's province (for the area check)
    # and its id; without org-structure there is no profile to give.
    try:
        unit, lineage = await org.lineage(sources.org, code, as_of)
    except UpstreamError as exc:
        if places.is_unknown_unit(exc):
            raise places.CommuneNotFound(code, as_of) from exc
        raise
    province = unit.province_code
    check_report_area(principal, province, code)
    if not unread and if_none_match_names(if_none_match, etag_of(code, as_of, sequences)):
        return Profile(None, etag_of(code, as_of, sequences))

    period = operations.default_period(as_of)  # NOTE: the profile's on-time period is the year of its date

    async def lineage_section() -> Section:
        return lineage

    specs = [
        SectionSpec("lineage", "org-structure", lineage_section),
        SectionSpec("agencies", "org-structure", lambda: org.commune_agencies(sources.org, code, as_of)),
        SectionSpec("tasks", "org-structure", lambda: org.commune_tasks(sources.org, province, unit.id, as_of)),
        SectionSpec("people", "personnel", lambda: personnel.commune_people(sources.personnel, province, code, as_of)),
        SectionSpec("assets", "assets", lambda: assets.commune_assets(sources.assets, province, code, as_of)),
        SectionSpec("procedures", DOSSIER_SOURCES, lambda: procedures.commune_procedures(sources, province, code, as_of)),
        SectionSpec(
            "workload", WORKLOAD_SOURCES, lambda: workload.commune_workload(sources.org, sources.personnel, province, code, as_of)
        ),
        SectionSpec("plans", "org-structure", lambda: operations.plans(sources.org, province, code, as_of, *period)),
        SectionSpec(
            "task_difficulties", "org-structure", lambda: operations.task_difficulties(sources.org, province, code, as_of)
        ),
    ]
    subject = {"commune": code, "name": unit.name, "province": province}
    report = await compose(
        "commune_profile", CommuneProfile, f"Hồ sơ {unit.name}", subject, as_of, specs, timeout_seconds=timeout_seconds
    )
    report = dataclasses.replace(
        report, subject={**report.subject, "event_sequences": sequences}, missing=[*report.missing, *unread]
    )
    return Profile(report, etag_of(code, as_of, sequences) if report.complete else None)
