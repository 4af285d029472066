"""personnel as reporting reads it: qualification, streamlining, gap, headcount, evaluation and procedure dossier statistics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from haicap_shared.http import ServiceClient
from haicap_shared.values import FIRST_EVALUATED_YEAR

from .base import Read, read
from .dossiers import DossierStats, dossier_stats

Params = Sequence[tuple[str, str]]


class ShareCount(Read):
    count: int


class QualificationRow(Read):
    group: dict[str, str | None]
    headcount: int
    university_or_higher: ShareCount
    political_theory: dict[str, ShareCount]


class QualificationStats(Read):
    """``GET /stats/qualifications``: headcount and qualifications by group."""

    rows: list[QualificationRow]


class StreamliningRow(Read):
    policy: str
    status: str
    cases: int
    amount_vnd: Decimal


class StreamliningStats(Read):
    """``GET /stats/streamlining``: cases and amounts by policy and status."""

    rows: list[StreamliningRow]
    cases: int
    amount_vnd: Decimal


class GapRow(Read):
    group: dict[str, str | None]
    people: int


class GapStats(Read):
    """``GET /stats/gaps``: people neither placed nor in a streamlining case."""

    rows: list[GapRow]
    total: int
    sample: list[str]


class HeadcountRow(Read):
    group: dict[str, str | None]
    headcount: int
    quota: int | None
    over_quota: int | None


class HeadcountStats(Read):
    """``GET /stats/headcount``: people placed against quota by group."""

    rows: list[HeadcountRow]
    total: HeadcountRow


class TasksNotCompletedStats(Read):
    """``GET /stats/tasks-not-completed``: people not completing their tasks in a year and the year before."""

    year: int
    total: int


class PersonnelSource:
    """personnel, read through the gateway as reporting's account. ``params`` are personnel's filters."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.name = client.name

    async def qualifications(self, params: Params) -> QualificationStats:
        return await read(self.client, QualificationStats, "/stats/qualifications", params=list(params))

    async def streamlining(self, province: str, as_of: date) -> StreamliningStats:
        return await read(
            self.client, StreamliningStats, "/stats/streamlining", params={"as_of": as_of.isoformat(), "province": province}
        )

    async def gaps(self, params: Params) -> GapStats:
        return await read(self.client, GapStats, "/stats/gaps", params=list(params))

    async def headcount(self, params: Params) -> HeadcountStats:
        return await read(self.client, HeadcountStats, "/stats/headcount", params=list(params))

    async def tasks_not_completed(self, province: str, year: int) -> TasksNotCompletedStats:
        # NOTE: a report for a date in 1945 or before asks for the year before it, which personnel
        # refuses (422): no evaluation of it can exist, so the answer is nobody, and the section is complete
        if year < FIRST_EVALUATED_YEAR:
            return TasksNotCompletedStats(year=year, total=0)
        return await read(
            self.client, TasksNotCompletedStats, "/stats/tasks-not-completed", params={"year": str(year), "province": province}
        )

    async def dossier_stats(self, as_of: date, province: str, commune: str | None = None) -> DossierStats:
        return await dossier_stats(self.client, as_of, province, commune)


async def headcount_by(personnel: PersonnelSource, province: str, as_of: date, *by: str) -> HeadcountStats:
    """``GET /stats/headcount`` of a province on a date, grouped ``by`` (issue #18's workload: commune, agency, category)."""
    return await personnel.headcount([("as_of", as_of.isoformat()), ("province", province), *(("by", d) for d in by)])
