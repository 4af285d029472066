"""The national roll-up: the province summary and the transition gaps for the whole country, with a row per province.

For the ministry (a role with a national area: :func:`.access.check_national_area`). Composed
like the province reports: every section at once, each allowed to go missing with its
reason; the provinces in force are asked of org-structure once and shared by the sections
(:class:`~haicap_reporting.sections.national.ProvinceList`). Kept in the report cache like
the province reports, under a subject with no province, so an event of any province drops it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from haicap_shared.auth import Principal

from ..cache import ReportCache
from ..composition import Report, SectionSpec, compose
from ..sections import national
from ..sources import Sources
from .access import check_national_area
from .national_schemas import NationalGaps, NationalSummary

# NOTE: an assets section also needs org-structure's list of provinces in force (its rows), read
# at the same time as assets' figures: either one failing leaves the section missing.
PROVINCES_AND_ASSETS = "org-structure, assets"


async def summary(sources: Sources, as_of: date, *, timeout_seconds: float) -> Report:
    """The province summary's sections for the whole country, each with its rows per province."""
    provinces = national.ProvinceList(sources, as_of)
    specs = [
        SectionSpec("tasks", "org-structure", lambda: national.tasks(sources, provinces, as_of)),
        SectionSpec("decisions", "org-structure", lambda: national.decisions(sources, provinces, as_of)),
        SectionSpec("staff", "personnel", lambda: national.staff(sources, provinces, as_of)),
        SectionSpec("assets", PROVINCES_AND_ASSETS, lambda: national.assets(sources, provinces, as_of)),
        SectionSpec("streamlining", "personnel", lambda: national.streamlining(sources, provinces, as_of)),
        SectionSpec("dispositions", PROVINCES_AND_ASSETS, lambda: national.dispositions(sources, provinces, as_of)),
        SectionSpec("plans", "org-structure", lambda: national.plans(sources, provinces, as_of)),
    ]
    return await compose(
        "national_summary", NationalSummary, "Báo cáo tổng hợp toàn quốc", {}, as_of, specs, timeout_seconds=timeout_seconds
    )


async def transition_gaps(sources: Sources, as_of: date, *, timeout_seconds: float) -> Report:
    """The transition gaps counted for the whole country and per province (each province's report lists them)."""
    provinces = national.ProvinceList(sources, as_of)
    specs = [
        SectionSpec("tasks", "org-structure", lambda: national.task_findings(sources, provinces, as_of)),
        SectionSpec("agencies", "org-structure", lambda: national.agencies_without_decision(sources, provinces, as_of)),
        SectionSpec("people", "personnel", lambda: national.people(sources, provinces, as_of)),
        SectionSpec("assets", PROVINCES_AND_ASSETS, lambda: national.assets_without_plan(sources, provinces, as_of)),
    ]
    return await compose(
        "national_transition_gaps",
        NationalGaps,
        "Những việc chưa có chủ sau sắp xếp, toàn quốc",
        {},
        as_of,
        specs,
        timeout_seconds=timeout_seconds,
    )


async def national_summary(
    sources: Sources, cache: ReportCache, principal: Principal, as_of: date, *, timeout_seconds: float
) -> tuple[Report, float]:
    """The national summary on ``as_of``, for a caller with a national area; a kept one reused."""
    check_national_area(principal)
    return await _kept(
        cache, ("national_summary", as_of), as_of, lambda: summary(sources, as_of, timeout_seconds=timeout_seconds)
    )


async def national_transition_gaps(
    sources: Sources, cache: ReportCache, principal: Principal, as_of: date, *, timeout_seconds: float
) -> tuple[Report, float]:
    """The national transition gaps on ``as_of``, for a caller with a national area; a kept one reused."""
    check_national_area(principal)
    return await _kept(
        cache, ("national_gaps", as_of), as_of, lambda: transition_gaps(sources, as_of, timeout_seconds=timeout_seconds)
    )


async def _kept(
    cache: ReportCache, key: tuple[object, ...], as_of: date, build: Callable[[], Awaitable[Report]]
) -> tuple[Report, float]:
    """A kept complete report, or one composed now and kept; with how long a client may keep it (0: not at all)."""
    report = cache.get(key)
    if report is None:
        since = cache.generation
        report = await build()
        cache.put(key, report, since=since)
    return report, cache.ttl(as_of) if report.complete else 0
