"""The transition-gap report: everything the merger left without an owner or a decision."""

from __future__ import annotations

from datetime import date

from ..composition import Report, SectionSpec, alongside, compose
from ..sections import assets, org, personnel
from ..sources import Sources
from . import places
from .schemas import TransitionGaps


async def transition_gaps(sources: Sources, province: str, as_of: date, *, timeout_seconds: float) -> Report:
    """The gap report; 404 ``province_not_found`` when org-structure knows no such province on ``as_of``."""
    specs = [
        SectionSpec("tasks", "org-structure", lambda: org.task_findings(sources.org, province, as_of)),
        SectionSpec("agencies", "org-structure", lambda: org.agencies_without_decision(sources.org, province, as_of)),
        SectionSpec("people", "personnel", lambda: personnel.gaps(sources.personnel, province, as_of)),
        SectionSpec("assets", "assets", lambda: assets.gaps(sources.assets, province, as_of)),
    ]
    return await alongside(
        places.check_province(sources.org, province, as_of, timeout_seconds=timeout_seconds),
        compose(
            "transition_gaps",
            TransitionGaps,
            f"Những việc chưa có chủ sau sắp xếp, tỉnh {province}",
            {"province": province},
            as_of,
            specs,
            timeout_seconds=timeout_seconds,
        ),
    )
