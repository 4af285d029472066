"""HTTP routes of the reports (published under ``/api/v1/reports``)."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import CommuneCode, ProvinceCode
from haicap_shared.deadlines import takes_up_to
from haicap_shared.errors import AppError, UpstreamTimeout, UpstreamUnavailable, problem_responses
from haicap_shared.values import IsoDate

from ..cache import ReportCache
from ..composition import Report
from ..render.tabular import chunks, csv_lines, xlsx_file
from ..sections import operations
from ..sources import Sources
from ..sources.base import SourceShapeError
from . import national, plan_progress, service
from .access import CommuneReports, ProvinceReports
from .national_schemas import NationalGaps, NationalSummary
from .places import CommuneNotFound, ProvinceNotFound
from .schemas import CommuneProfile, PlanReport, ProvinceSummary, ProvinceWorkload, TransitionGaps

router = APIRouter(
    tags=["reports"],
    responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea, UpstreamUnavailable, UpstreamTimeout),
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


ProvincePath = Annotated[ProvinceCode, Path(description="Province code, e.g. `04` (Cao Bằng)")]
CommunePath = Annotated[CommuneCode, Path(description="Commune code, e.g. `01273` (Phường Thục Phán)")]
AsOf = Annotated[IsoDate | None, Query(description="The date the figures are for; today when omitted")]
OutputFormat = Annotated[
    Format, Query(description="`json` (default), `csv` (long format, UTF-8) or `xlsx` (one sheet per section, with charts)")
]


def _report_doc(
    model: type[BaseModel], *errors: type[AppError], headers: dict[str, Any] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The 200 response in its three media types (JSON typed by ``model``), and the route's own problems."""
    return {
        200: {
            **({"headers": headers} if headers else {}),
            "model": model,
            "description": "The report, as `format` asks: JSON (the default) has one key per section "
            "(null when its source is missing, listed in `missing`); CSV in long format; XLSX with one sheet per section.",
            "content": {
                "application/json": {},
                "text/csv": {"schema": {"type": "string", "description": "UTF-8 with a BOM, long format"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(*errors),
    }


async def _respond(report: Report, output: Format, ttl: float, filename: str, *, etag: str | None = None) -> Response:
    headers = {"Cache-Control": f"private, max-age={int(ttl)}" if ttl else "no-store"}
    if etag is not None:
        # NOTE: kept by the client but checked every time: the ETag says whether it moved
        headers |= {"ETag": etag, "Cache-Control": "private, no-cache"}
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)
    if output is Format.CSV:
        headers["Content-Disposition"] = f'attachment; filename="{safe}.csv"'
        return StreamingResponse(csv_lines(report), media_type="text/csv; charset=utf-8", headers=headers)
    if output is Format.XLSX:
        headers["Content-Disposition"] = f'attachment; filename="{safe}.xlsx"'
        # NOTE: openpyxl builds the workbook in pure Python: a worker thread keeps /healthz and
        # the other requests answering meanwhile.
        workbook = await asyncio.to_thread(xlsx_file, report)
        return StreamingResponse(chunks(workbook), media_type=XLSX, headers=headers)
    # NOTE: serialised through the report's model, so the JSON is what OpenAPI documents
    return JSONResponse(report.as_json(), headers=headers)


def _sources(request: Request) -> Sources:
    sources: Sources = request.app.state.sources
    return sources


def _cache(request: Request) -> ReportCache:
    cache: ReportCache = request.app.state.report_cache
    return cache


def _timeout(request: Request) -> float:
    return float(request.app.state.settings.section_timeout_seconds)


@router.get(
    "/provinces/{code}/summary",
    response_class=Response,
    responses=_report_doc(ProvinceSummary, ProvinceNotFound),
    openapi_extra=takes_up_to(),
)
async def get_province_summary(
    request: Request,
    principal: ProvinceReports,
    code: ProvincePath,
    as_of: AsOf = None,
    compare_to: Annotated[IsoDate | None, Query(description="Also show the figures on this date, and the change")] = None,
    format: OutputFormat = Format.JSON,
    period_from: Annotated[
        IsoDate | None,
        Query(
            alias="from",
            description="Start of the plans' on-time period (`plans.on_time`); 1 January of `as_of`'s year by default",
        ),
    ] = None,
    period_to: Annotated[
        IsoDate | None,
        Query(
            alias="to",
            description="End of the plans' on-time period; 31 December of `as_of`'s year by default "
            "(a period ending before it starts counts no item)",
        ),
    ] = None,
) -> Response:
    """The province summary: tasks by level, decisions, staff, assets, streamlining, dispositions, plans, task difficulties."""
    day = as_of or date.today()
    year_start, year_end = operations.default_period(day)
    period = (period_from or year_start, period_to or year_end)  # NOTE: one ending before it starts counts no item
    report, ttl = await service.province_summary(
        _sources(request), _cache(request), principal, code, day, compare_to, timeout_seconds=_timeout(request), period=period
    )
    return await _respond(report, format, ttl, f"tong-hop-{code}-{day.isoformat()}")


@router.get(
    "/provinces/{code}/transition-gaps",
    response_class=Response,
    responses=_report_doc(TransitionGaps, ProvinceNotFound),
    openapi_extra=takes_up_to(),
)
async def get_transition_gaps(
    request: Request, principal: ProvinceReports, code: ProvincePath, as_of: AsOf = None, format: OutputFormat = Format.JSON
) -> Response:
    """What the merger left without an owner or a decision, each finding linked to its record."""
    day = as_of or date.today()
    report, ttl = await service.transition_gaps(
        _sources(request), _cache(request), principal, code, day, timeout_seconds=_timeout(request)
    )
    return await _respond(report, format, ttl, f"khoang-trong-{code}-{day.isoformat()}")


_PROFILE_ETAG = {
    "description": "Made of the commune, the date and each source's latest event sequence for the commune "
    "(`event_sequences`); sent when the profile is complete. Send it back as `If-None-Match`.",
    "schema": {"type": "string"},
}
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "Nothing moved since the profile whose ETag `If-None-Match` names: no source has a newer "
        "event for the commune (the sections are not composed)",
        "headers": {"ETag": _PROFILE_ETAG},
    }
}


@router.get(
    "/communes/{code}/profile",
    response_class=Response,
    responses={
        **_report_doc(CommuneProfile, CommuneNotFound, SourceShapeError, headers={"ETag": _PROFILE_ETAG}),
        **_NOT_MODIFIED,
    },
    openapi_extra=takes_up_to(),
)
async def get_commune_profile(
    request: Request,
    principal: CommuneReports,
    code: CommunePath,
    as_of: AsOf = None,
    format: OutputFormat = Format.JSON,
    if_none_match: Annotated[
        str | None, Header(max_length=1024, description="The ETag of a profile already held: 304 while nothing moved")
    ] = None,
) -> Response:
    """A commune's profile: lineage, agencies, tasks, people against quota, assets, and each source's event sequence."""
    day = as_of or date.today()
    profile = await service.commune_profile(
        _sources(request), principal, code, day, timeout_seconds=_timeout(request), if_none_match=if_none_match
    )
    if profile.report is None:
        assert profile.etag is not None
        return Response(status_code=304, headers={"ETag": profile.etag, "Cache-Control": "private, no-cache"})
    return await _respond(profile.report, format, 0, f"ho-so-{code}-{day.isoformat()}", etag=profile.etag)


@router.get(
    "/plans/{plan_id}",
    response_class=Response,
    responses=_report_doc(PlanReport, plan_progress.PlanNotFound, SourceShapeError),
    openapi_extra=takes_up_to(),
)
async def get_plan_progress(
    request: Request,
    principal: CommuneReports,
    plan_id: Annotated[uuid.UUID, Path(description="The plan's id in org-structure")],
    as_of: AsOf = None,
    format: OutputFormat = Format.JSON,
) -> Response:
    """An implementation plan's progress: each item as reported and, for items with a `measure`, as the records show.

    A commune officer (or a viewer bound to a commune) of the plan's province sees their
    commune's items only; province-wide readers see every item.
    """
    day = as_of or date.today()
    report = await service.plan_progress_report(
        _sources(request), principal, str(plan_id), day, timeout_seconds=_timeout(request)
    )
    return await _respond(report, format, 0, f"ke-hoach-{report.subject['code']}-{day.isoformat()}")


@router.get(
    "/national/summary",
    response_class=Response,
    responses=_report_doc(NationalSummary),
    openapi_extra=takes_up_to(),
)
async def get_national_summary(
    request: Request, principal: ProvinceReports, as_of: AsOf = None, format: OutputFormat = Format.JSON
) -> Response:
    """The province summary's sections for the whole country, each with a row per province (a national area only)."""
    day = as_of or date.today()
    report, ttl = await national.national_summary(
        _sources(request), _cache(request), principal, day, timeout_seconds=_timeout(request)
    )
    return await _respond(report, format, ttl, f"tong-hop-toan-quoc-{day.isoformat()}")


@router.get(
    "/national/transition-gaps",
    response_class=Response,
    responses=_report_doc(NationalGaps),
    openapi_extra=takes_up_to(),
)
async def get_national_transition_gaps(
    request: Request, principal: ProvinceReports, as_of: AsOf = None, format: OutputFormat = Format.JSON
) -> Response:
    """The transition gaps counted for the whole country and per province (a national area only)."""
    day = as_of or date.today()
    report, ttl = await national.national_transition_gaps(
        _sources(request), _cache(request), principal, day, timeout_seconds=_timeout(request)
    )
    return await _respond(report, format, ttl, f"khoang-trong-toan-quoc-{day.isoformat()}")


@router.get(
    "/provinces/{code}/workload",
    response_class=Response,
    responses=_report_doc(ProvinceWorkload, ProvinceNotFound),
    openapi_extra=takes_up_to(),
)
async def get_province_workload(
    request: Request, principal: ProvinceReports, code: ProvincePath, as_of: AsOf = None, format: OutputFormat = Format.JSON
) -> Response:
    """The province's workload: tasks held, people placed and tasks per person by commune and agency, against 2025-06-30.

    The summary's `workload` section alone: per commune the tasks its agencies hold (lead,
    shared, in all), the people placed (by category) against quota, tasks per person, the same
    over its predecessor communes on 2025-06-30 and the change; the province median and the 10
    communes furthest above it; per agency the same columns. The XLSX charts tasks per person by commune.
    """
    day = as_of or date.today()
    report, ttl = await service.province_workload(
        _sources(request), _cache(request), principal, code, day, timeout_seconds=_timeout(request)
    )
    return await _respond(report, format, ttl, f"khoi-luong-nhiem-vu-{code}-{day.isoformat()}")
