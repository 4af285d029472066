"""Procedure dossiers as reporting reads them from personnel and assets (``GET /procedure-dossiers/stats``).

Both services keep the dossiers of the procedures their workflows handle, with the same
statistics route: a procedure is handled in one or the other, so the province's figures are
the two answers' rows added up by procedure and commune (:func:`merged_rows`).
"""

from __future__ import annotations

from datetime import date
from itertools import chain

from haicap_shared.http import ServiceClient

from .base import Read, SourceTruncated, read

PATH = "/procedure-dossiers/stats"
COUNTS = ("received", "finished", "finished_on_time", "finished_late", "open", "open_overdue", "supplement_requested")
"""The counts of a row, in the order the reports show them."""


class DossierStatsRow(Read):
    procedure_code: str
    procedure_name: str
    sector: str | None
    commune_code: str | None
    received: int
    finished: int
    finished_on_time: int
    finished_late: int
    open: int
    open_overdue: int
    supplement_requested: int


class DossierStats(Read):
    """``GET /procedure-dossiers/stats``: dossiers received, finished (on time, late) and open, by procedure and commune."""

    rows: list[DossierStatsRow]
    truncated: bool


async def dossier_stats(client: ServiceClient, as_of: date, province: str, commune: str | None = None) -> DossierStats:
    """The dossiers of ``province`` (of one commune when ``commune`` is given) on ``as_of``, at ``client``'s service."""
    params = {"as_of": as_of.isoformat(), "province": province} | ({"commune_code": commune} if commune else {})
    stats = await read(client, DossierStats, PATH, params=params)
    if stats.truncated:
        # NOTE: a sum over part of the rows would be a wrong figure, not a smaller one: the section goes missing
        raise SourceTruncated(client.name, PATH)
    return stats


def merged_rows(*answers: DossierStats) -> list[DossierStatsRow]:
    """The rows of every answer, one per procedure and commune (the counts of the same pair added), by procedure then commune."""
    merged: dict[tuple[str, str | None], DossierStatsRow] = {}
    for row in chain.from_iterable(answer.rows for answer in answers):
        key = (row.procedure_code, row.commune_code)
        if (kept := merged.get(key)) is not None:
            row = kept.model_copy(update={name: getattr(kept, name) + getattr(row, name) for name in COUNTS})
        merged[key] = row
    return sorted(merged.values(), key=lambda r: (r.procedure_code, r.commune_code or ""))
