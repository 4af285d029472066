"""personnel's and assets' procedure dossiers and org-structure's procedures handled by communes, as the fakes answer them.

The dossier statistics answer Xã Quảng Lâm's rows when asked with its ``commune_code``, as the
producers filter, so the commune profile reads its share of the same rows the summary adds up. Procedure 1.000001 has
rows at both services for Xã Quảng Lâm (01304), so the summary must add them.
"""

from __future__ import annotations

from typing import Any

import respx

PROVINCE = "04"
AS_OF = "2026-04-15"
QUANG_LAM, THUC_PHAN = "01304", "01273"
COMMUNE_NAMES = {QUANG_LAM: "Xã Quảng Lâm", THUC_PHAN: "Phường Thục Phán"}
POSITIONS = ("1.000001", "Thẩm định đề án vị trí việc làm", "Tổ chức - Biên chế")
LIQUIDATION = ("1.000002", "Quyết định thanh lý tài sản công", "Quản lý công sản")


def dossier_row(
    procedure: tuple[str, str, str],
    commune: str | None,
    *,
    on_time: int = 0,
    late: int = 0,
    open_on_time: int = 0,
    open_overdue: int = 0,
    supplement: int = 0,
) -> dict[str, Any]:
    """A row of ``/procedure-dossiers/stats``; the received, finished and open counts follow from the others."""
    code, name, sector = procedure
    finished, still_open = on_time + late, open_on_time + open_overdue
    return {
        "procedure_code": code,
        "procedure_name": name,
        "sector": sector,
        "commune_code": commune,
        "received": finished + still_open,
        "finished": finished,
        "finished_on_time": on_time,
        "finished_late": late,
        "open": still_open,
        "open_overdue": open_overdue,
        "supplement_requested": supplement,
    }


def personnel_rows() -> list[dict[str, Any]]:
    return [
        dossier_row(POSITIONS, QUANG_LAM, on_time=2, late=1, open_on_time=1, open_overdue=1, supplement=1),
        dossier_row(POSITIONS, None, on_time=2),
    ]


def assets_rows() -> list[dict[str, Any]]:
    return [
        dossier_row(LIQUIDATION, THUC_PHAN, on_time=3, late=1),
        dossier_row(POSITIONS, QUANG_LAM, on_time=1),
    ]


HANDLED_BY_COMMUNES = [
    {"commune_code": THUC_PHAN, "commune_name": COMMUNE_NAMES[THUC_PHAN], "procedures": 40, "moved_from_district": 12},
    {"commune_code": QUANG_LAM, "commune_name": COMMUNE_NAMES[QUANG_LAM], "procedures": 35, "moved_from_district": 10},
]


def handled_procedure(procedure: tuple[str, str, str], *, moved: bool, days: int) -> dict[str, Any]:
    """One procedure of ``/procedures/handled``."""
    code, name, sector = procedure
    return {
        "code": code,
        "name": name,
        "sector": sector,
        "level": "commune",
        "processing_days": days,
        "moved_from_district": moved,
        "task_ids": [],
    }


HANDLED_BY_QUANG_LAM = {
    "commune_code": QUANG_LAM,
    "as_of": AS_OF,
    "total": 2,
    "moved_from_district": 1,
    "procedures": [
        handled_procedure(LIQUIDATION, moved=False, days=10),
        handled_procedure(POSITIONS, moved=True, days=15),
    ],
}


def stats_body(rows: list[dict[str, Any]], commune: str | None = None) -> dict[str, Any]:
    """``/procedure-dossiers/stats`` over ``rows`` (those of ``commune`` when the request names one, as the producers filter)."""
    return {
        "as_of": AS_OF,
        "rows": [r for r in rows if commune is None or r["commune_code"] == commune],
        "truncated": False,
    }


def fake_dossiers(
    mock: respx.MockRouter, personnel: list[dict[str, Any]] | None = None, assets: list[dict[str, Any]] | None = None
) -> None:
    """The three sources of the dossier sections, answering with ``personnel``'s and ``assets``' rows (the defaults above).

    Called again, it replaces the routes it added (respx replaces a route of the same name).
    """
    for service, rows in (
        ("personnel", personnel_rows() if personnel is None else personnel),
        ("assets", assets_rows() if assets is None else assets),
    ):
        path = f"/api/v1/{service}/procedure-dossiers/stats"
        # NOTE: the commune's route first: respx answers with the first route that matches
        mock.get(path, params={"commune_code": QUANG_LAM}, name=f"{service}_dossiers_{QUANG_LAM}").respond(
            json=stats_body(rows, QUANG_LAM)
        )
        mock.get(path, name=f"{service}_dossiers").respond(json=stats_body(rows))
    mock.get("/api/v1/org/procedures/handled-by-communes", name="handled_by_communes").respond(
        json={"province": PROVINCE, "as_of": AS_OF, "rows": HANDLED_BY_COMMUNES}
    )
    mock.get("/api/v1/org/procedures/handled", params={"commune_code": QUANG_LAM}, name="handled").respond(
        json=HANDLED_BY_QUANG_LAM
    )
