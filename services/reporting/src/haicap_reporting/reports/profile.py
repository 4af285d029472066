"""The commune profile: where the commune came from, its agencies, tasks, people and assets."""

from __future__ import annotations

from datetime import date

from haicap_shared.auth import Principal
from haicap_shared.http import UpstreamError

from ..composition import Report, Section, SectionSpec, compose
from ..sections import assets, org, personnel
from ..sources import Sources
from . import places
from .access import check_report_area
from .schemas import CommuneProfile


async def commune_profile(sources: Sources, principal: Principal, code: str, as_of: date, *, timeout_seconds: float) -> Report:
    """The profile; 404 ``commune_not_found`` when org-structure knows no unit with the code on ``as_of``."""
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

    async def lineage_section() -> Section:
        return lineage

    specs = [
        SectionSpec("lineage", "org-structure", lineage_section),
        SectionSpec("agencies", "org-structure", lambda: org.commune_agencies(sources.org, code, as_of)),
        SectionSpec("tasks", "org-structure", lambda: org.commune_tasks(sources.org, province, unit.id, as_of)),
        SectionSpec("people", "personnel", lambda: personnel.commune_people(sources.personnel, province, code, as_of)),
        SectionSpec("assets", "assets", lambda: assets.commune_assets(sources.assets, province, code, as_of)),
    ]
    subject = {"commune": code, "name": unit.name, "province": province}
    return await compose(
        "commune_profile", CommuneProfile, f"Hồ sơ {unit.name}", subject, as_of, specs, timeout_seconds=timeout_seconds
    )
