"""Sections of procedure dossiers (personnel and assets) and of the procedures communes handle (org-structure).

A procedure's dossiers are kept by the service whose workflow handles it, so the figures are
personnel's and assets' rows added up by procedure and commune; what each commune handles,
and which of those the district handled before 1 July 2025, is org-structure's (the task ↔
procedure links). The three calls go out at once; if one fails, the section is missing and
names the service that failed (the first in the order personnel, assets, org-structure).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from ..composition import Chart, Section, Table, gather_in_order
from ..labels import COUNT, SHARE
from ..reports import schemas
from ..sources import Sources
from ..sources.dossiers import COUNTS, DossierStatsRow, merged_rows

COUNT_HEADINGS = {
    "received": "Tiếp nhận",
    "finished": "Đã giải quyết",
    "finished_on_time": "Giải quyết đúng hạn",
    "finished_late": "Giải quyết quá hạn",
    "open": "Đang giải quyết",
    "open_overdue": "Đang giải quyết, đã quá hạn",
    "supplement_requested": "Chờ bổ sung hồ sơ",
    "on_time_share": "Tỷ lệ đúng hạn",
}
COUNT_FORMATS = {key: SHARE if key == "on_time_share" else COUNT for key in COUNT_HEADINGS}
NO_COMMUNE = "Không thuộc xã (cơ quan cấp tỉnh)"
TOTAL = "Tổng cộng"


def counts_of(rows: Iterable[DossierStatsRow]) -> schemas.DossierCounts:
    """The rows' counts added up, with the share finished on time."""
    rows = list(rows)
    sums = {name: sum(getattr(r, name) for r in rows) for name in COUNTS}
    finished = sums["finished"]
    share = round(sums["finished_on_time"] / finished, 4) if finished else None
    return schemas.DossierCounts(**sums, on_time_share=share)


def _by_procedure(rows: list[DossierStatsRow]) -> list[schemas.ProcedureDossierCounts]:
    """One entry per procedure (its communes added up), by procedure code: ``rows`` come sorted by it."""
    grouped: dict[str, list[DossierStatsRow]] = {}
    for row in rows:
        grouped.setdefault(row.procedure_code, []).append(row)
    return [
        schemas.ProcedureDossierCounts(
            procedure_code=code,
            procedure_name=group[0].procedure_name,
            sector=group[0].sector,
            **counts_of(group).model_dump(),
        )
        for code, group in grouped.items()
    ]


def _by_commune(rows: list[DossierStatsRow], names: dict[str, str]) -> list[schemas.CommuneDossierCounts]:
    """One entry per commune, by code, named as org-structure names it; the dossiers of no commune last."""
    grouped: dict[str | None, list[DossierStatsRow]] = {}
    for row in sorted(rows, key=lambda r: (r.commune_code is None, r.commune_code or "")):
        grouped.setdefault(row.commune_code, []).append(row)
    return [
        schemas.CommuneDossierCounts(
            commune_code=code,
            commune_name=names.get(code) if code else None,
            **counts_of(group).model_dump(),
        )
        for code, group in grouped.items()
    ]


def _counts_table(title: str, label: tuple[str, str], rows: list[dict[str, Any]], totals: schemas.DossierCounts) -> Table:
    """A table of dossier counts, one row per entry of ``rows`` (``label`` their first column), then the total."""
    return Table(title, [label, *COUNT_HEADINGS.items()], [*rows, {"label": TOTAL, **totals.model_dump()}], COUNT_FORMATS)


def _procedures_table(title: str, by_procedure: list[schemas.ProcedureDossierCounts], totals: schemas.DossierCounts) -> Table:
    rows = [{"label": f"{p.procedure_code} {p.procedure_name}", **p.model_dump()} for p in by_procedure]
    return _counts_table(title, ("label", "Thủ tục"), rows, totals)


async def province_dossiers(sources: Sources, province: str, as_of: date) -> Section:
    """Dossiers received, finished (on time, late), open and overdue, by procedure and commune; procedures moved to communes."""
    personnel, assets, handled = await gather_in_order(
        sources.personnel.dossier_stats(as_of, province),
        sources.assets.dossier_stats(as_of, province),
        sources.org.procedures_by_commune(province, as_of),
    )
    rows = merged_rows(personnel, assets)
    names = {r.commune_code: r.commune_name for r in handled.rows}
    totals = counts_of(rows)
    by_procedure = _by_procedure(rows)
    by_commune = _by_commune(rows, names)
    moved = [
        schemas.CommuneProceduresMoved(
            commune_code=r.commune_code,
            commune_name=r.commune_name,
            procedures_handled=r.procedures,
            moved_from_district=r.moved_from_district,
        )
        for r in sorted(handled.rows, key=lambda r: r.commune_code)
    ]
    data = schemas.SummaryProcedureDossiers(
        totals=totals, by_procedure=by_procedure, by_commune=by_commune, procedures_moved_to_communes=moved
    )
    commune_rows = [{"label": c.commune_name or c.commune_code or NO_COMMUNE, **c.model_dump()} for c in by_commune]
    tables = [
        _procedures_table("Hồ sơ thủ tục hành chính theo thủ tục", by_procedure, totals),
        _counts_table("Hồ sơ thủ tục hành chính theo xã", ("label", "Xã, phường"), commune_rows, totals),
        Table(
            "Thủ tục hành chính cấp xã giải quyết thay cấp huyện",
            [
                ("label", "Xã, phường"),
                ("procedures_handled", "Số thủ tục xã giải quyết"),
                ("moved_from_district", "Trong đó: trước đây cấp huyện giải quyết"),
            ],
            [{"label": m.commune_name, **m.model_dump()} for m in moved],
            {"procedures_handled": COUNT, "moved_from_district": COUNT},
        ),
    ]
    chart = Chart("bar", "Hồ sơ giải quyết đúng hạn, quá hạn theo thủ tục", 0, "label", ["finished_on_time", "finished_late"])
    return Section("procedure_dossiers", "Hồ sơ thủ tục hành chính", data, tables, [chart])


async def commune_procedures(sources: Sources, province: str, commune_code: str, as_of: date) -> Section:
    """The procedures the commune handles (those the district used to, listed) and the dossiers it received."""
    personnel, assets, handled = await gather_in_order(
        sources.personnel.dossier_stats(as_of, province, commune_code),
        sources.assets.dossier_stats(as_of, province, commune_code),
        sources.org.procedures_handled(commune_code, as_of),
    )
    # NOTE: the producers filter by commune already; filtered here too, so a producer ignoring
    # the filter cannot put the province's figures under the commune's name
    rows = [r for r in merged_rows(personnel, assets) if r.commune_code == commune_code]
    moved = [
        schemas.ProcedureMovedFromDistrict(code=p.code, name=p.name, sector=p.sector, processing_days=p.processing_days)
        for p in sorted(handled.procedures, key=lambda p: p.code)
        if p.moved_from_district
    ]
    dossiers = counts_of(rows)
    by_procedure = _by_procedure(rows)
    data = schemas.ProfileProcedures(
        procedures_handled=handled.total,
        procedures_moved_from_district=handled.moved_from_district,
        moved_from_district=moved,
        dossiers=dossiers,
        dossiers_by_procedure=by_procedure,
    )
    figures = Table(
        "Thủ tục hành chính của xã",
        [("label", "Chỉ tiêu"), ("value", "Số thủ tục")],
        [
            {"label": "Thủ tục xã giải quyết", "value": handled.total},
            {"label": "Trong đó: trước đây cấp huyện giải quyết", "value": handled.moved_from_district},
        ],
        {"value": COUNT},
    )
    moved_table = Table(
        "Thủ tục trước đây cấp huyện giải quyết",
        [
            ("code", "Mã thủ tục"),
            ("name", "Tên thủ tục"),
            ("sector", "Lĩnh vực"),
            ("processing_days", "Thời hạn (ngày làm việc)"),
        ],
        [m.model_dump() for m in moved],
        {"processing_days": COUNT},
    )
    dossiers_table = _procedures_table("Hồ sơ thủ tục hành chính của xã", by_procedure, dossiers)
    return Section("procedures", "Thủ tục hành chính", data, [figures, moved_table, dossiers_table])
