"""The province's workload report: the summary's ``workload`` section on its own (issue #18)."""

from __future__ import annotations

from datetime import date

from ..composition import Report, SectionSpec, alongside, compose
from ..sections import workload
from ..sources import Sources
from . import places
from .schemas import ProvinceWorkload

WORKLOAD_SOURCES = "org-structure, personnel"


def workload_spec(sources: Sources, province: str, as_of: date) -> SectionSpec:
    """The province's ``workload`` section, as the summary and this report build it."""
    return SectionSpec(
        "workload", WORKLOAD_SOURCES, lambda: workload.province_workload(sources.org, sources.personnel, province, as_of)
    )


async def province_workload(sources: Sources, province: str, as_of: date, *, timeout_seconds: float) -> Report:
    """The report; 404 ``province_not_found`` when org-structure knows no such province on ``as_of``."""
    return await alongside(
        places.check_province(sources.org, province, as_of, timeout_seconds=timeout_seconds),
        compose(
            "province_workload",
            ProvinceWorkload,
            f"Khối lượng nhiệm vụ tỉnh {province}",
            {"province": province},
            as_of,
            [workload_spec(sources, province, as_of)],
            timeout_seconds=timeout_seconds,
        ),
    )
