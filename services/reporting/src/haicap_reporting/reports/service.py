"""The reports as the routes ask for them: the caller's area checked, a kept report reused.

Each function returns the report and how long a client may keep it (seconds; 0: not at all):
a complete province report is kept in the :class:`ReportCache` and its answer may be kept as
long; the commune profile is composed anew every time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from haicap_shared.auth import Principal

from ..cache import ReportCache
from ..composition import Report
from ..sources import Sources
from . import gaps, profile, summary
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
) -> tuple[Report, float]:
    """The province summary on ``as_of`` (and ``compare_to``), for a caller whose area holds the province."""
    check_report_area(principal, province)
    return await _kept(
        cache,
        ("summary", province, as_of, compare_to),
        as_of,
        lambda: summary.province_summary(sources, province, as_of, compare_to, timeout_seconds=timeout_seconds),
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
    sources: Sources, principal: Principal, commune: str, as_of: date, *, timeout_seconds: float
) -> tuple[Report, float]:
    """A commune's profile; its area is checked once org-structure has named the commune's province."""
    report = await profile.commune_profile(sources, principal, commune, as_of, timeout_seconds=timeout_seconds)
    return report, 0


async def _kept(cache: ReportCache, key: Key, as_of: date, build: Callable[[], Awaitable[Report]]) -> tuple[Report, float]:
    report = cache.get(key)
    if report is None:
        report = await build()
        cache.put(key, report)
    return report, cache.ttl(as_of) if report.complete else 0
