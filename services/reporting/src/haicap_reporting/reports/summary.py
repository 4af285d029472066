"""The province summary: the figures a province reports to the centre, for any date."""

from __future__ import annotations

from datetime import date

from ..composition import Report, SectionSpec, alongside, compose
from ..sections import assets, operations, org, personnel, procedures
from ..sources import Sources
from . import places
from .schemas import ProvinceSummary
from .workload import workload_spec

# NOTE: dossiers are kept where their workflow runs; what the communes handle is org-structure's
DOSSIER_SOURCES = "personnel, assets, org-structure"


async def province_summary(
    sources: Sources,
    province: str,
    as_of: date,
    compare_to: date | None,
    *,
    timeout_seconds: float,
    period: tuple[date, date] | None = None,
) -> Report:
    """The summary; 404 ``province_not_found`` when org-structure knows no such province on ``as_of``.

    ``period`` is the plans' on-time period (``from``, ``to``): the year of ``as_of`` when not given.
    """
    start, end = period or operations.default_period(as_of)
    specs = [
        SectionSpec("tasks", "org-structure", lambda: org.tasks(sources.org, province, as_of, compare_to)),
        SectionSpec("decisions", "org-structure", lambda: org.decisions(sources.org, province, as_of)),
        SectionSpec("staff", "personnel", lambda: personnel.staff(sources.personnel, province, as_of)),
        SectionSpec("assets", "assets", lambda: assets.holdings(sources.assets, province, as_of)),
        SectionSpec("streamlining", "personnel", lambda: personnel.streamlining(sources.personnel, province, as_of)),
        SectionSpec("dispositions", "assets", lambda: assets.dispositions(sources.assets, province, as_of)),
        SectionSpec("procedure_dossiers", DOSSIER_SOURCES, lambda: procedures.province_dossiers(sources, province, as_of)),
        SectionSpec("plans", "org-structure", lambda: operations.plans(sources.org, province, None, as_of, start, end)),
        SectionSpec(
            "task_difficulties", "org-structure", lambda: operations.task_difficulties(sources.org, province, None, as_of)
        ),
        workload_spec(sources, province, as_of),
    ]
    return await alongside(
        places.check_province(sources.org, province, as_of, timeout_seconds=timeout_seconds),
        compose(
            "province_summary",
            ProvinceSummary,
            f"Báo cáo tổng hợp tỉnh {province}",
            {"province": province, "compare_to": compare_to},
            as_of,
            specs,
            timeout_seconds=timeout_seconds,
        ),
    )
