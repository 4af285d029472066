"""The province summary: the figures a province reports to the centre, for any date."""

from __future__ import annotations

from datetime import date

from ..composition import Report, SectionSpec, compose
from ..sections import assets, org, personnel
from ..sources import Sources


async def province_summary(
    sources: Sources, province: str, as_of: date, compare_to: date | None, *, timeout_seconds: float
) -> Report:
    specs = [
        SectionSpec("tasks", "org-structure", lambda: org.tasks(sources.org, province, as_of, compare_to)),
        SectionSpec("decisions", "org-structure", lambda: org.decisions(sources.org, province, as_of)),
        SectionSpec("staff", "personnel", lambda: personnel.staff(sources.personnel, province, as_of)),
        SectionSpec("assets", "assets", lambda: assets.holdings(sources.assets, province, as_of)),
        SectionSpec("streamlining", "personnel", lambda: personnel.streamlining(sources.personnel, province, as_of)),
        SectionSpec("dispositions", "assets", lambda: assets.dispositions(sources.assets, province, as_of)),
    ]
    subject = {"province": province} | ({"compare_to": compare_to.isoformat()} if compare_to else {})
    return await compose(
        "province_summary", f"Báo cáo tổng hợp tỉnh {province}", subject, as_of, specs, timeout_seconds=timeout_seconds
    )
