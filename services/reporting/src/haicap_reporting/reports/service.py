"""The reports as the routes ask for them: the caller's area checked, a kept report reused.

Each province report is returned with how long a client may keep it (seconds; 0: not at
all): a complete one is kept in the :class:`ReportCache` (until its TTL, or until a source's
change feed says its figures may have moved) and its answer may be kept as long. The commune
profile is composed anew every time, with an ETag made of the sources' event sequences for
the commune (:mod:`.profile`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from haicap_shared.auth import Principal

from ..cache import ReportCache
from ..composition import Report
from ..sources import Sources
from . import gaps, plan_progress, profile, summary, workload
from .access import check_report_area

Key = tuple[object, ...]


async def province_summary(
    sources: Sources,
    cache: ReportCache,
    principal: Principal,
    province: str,
    as_of: date,
    compare_to: date | None,
    *,
    timeout_seconds: float,
    period: tuple[date, date] | None = None,
) -> tuple[Report, float]:
    """The province summary on ``as_of`` (and ``compare_to``), for a caller whose area holds the province.

    ``period`` is the plans' on-time period; the report is kept per period.
    """
    check_report_area(principal, province)
    return await _kept(
        cache,
        # NOTE: kept per period too: two periods are two reports
        ("summary", province, as_of, compare_to, period),
        as_of,
        lambda: summary.province_summary(sources, province, as_of, compare_to, timeout_seconds=timeout_seconds, period=period),
    )


async def transition_gaps(
    sources: Sources, cache: ReportCache, principal: Principal, province: str, as_of: date, *, timeout_seconds: float
) -> tuple[Report, float]:
    """The transition gaps of a province on ``as_of``, for a caller whose area holds the province."""
    check_report_area(principal, province)
    return await _kept(
        cache,
        ("gaps", province, as_of),
        as_of,
        lambda: gaps.transition_gaps(sources, province, as_of, timeout_seconds=timeout_seconds),
    )


async def commune_profile(
    sources: Sources,
    principal: Principal,
    commune: str,
    as_of: date,
    *,
    timeout_seconds: float,
    if_none_match: str | None = None,
) -> profile.Profile:
    """A commune's profile and its ETag (no report when ``if_none_match`` names the current ETag).

    Its area is checked once org-structure has named the commune's province.
    """
    return await profile.commune_profile(
        sources, principal, commune, as_of, timeout_seconds=timeout_seconds, if_none_match=if_none_match
    )


async def plan_progress_report(
    sources: Sources, principal: Principal, plan_id: str, as_of: date, *, timeout_seconds: float
) -> Report:
    """A plan's progress, composed anew every time (items the caller's commune holds only, for a commune's reader)."""
    return await plan_progress.plan_progress(sources, principal, plan_id, as_of, timeout_seconds=timeout_seconds)


async def _kept(cache: ReportCache, key: Key, as_of: date, build: Callable[[], Awaitable[Report]]) -> tuple[Report, float]:
    report = cache.get(key)
    if report is None:
        since = cache.generation
        report = await build()
        cache.put(key, report, since=since)
    return report, cache.ttl(as_of) if report.complete else 0


async def province_workload(
    sources: Sources, cache: ReportCache, principal: Principal, province: str, as_of: date, *, timeout_seconds: float
) -> tuple[Report, float]:
    """The province's workload report on ``as_of``, for a caller whose area holds the province; kept like the summary."""
    check_report_area(principal, province)
    return await _kept(
        cache,
        ("workload", province, as_of),
        as_of,
        lambda: workload.province_workload(sources, province, as_of, timeout_seconds=timeout_seconds),
    )
