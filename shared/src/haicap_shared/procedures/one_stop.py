"""THE mapping of a dossier's steps to the provincial one-stop system's shapes (provisional: the 2020-era guide).

Every step of a dossier becomes one message ``{"step_id", "province_code", "service", "data"}``
(the exchange adapters key results by ``step_id``; the ``one-stop`` transport wraps ``service``
and ``data`` in its ``/integration`` envelope, :mod:`haicap_shared.exchange.one_stop`):

- the ``received`` step → ``DongBoHoSoMC`` (dossier synchronisation): ``MaHoSo``, ``MaTTHC``,
  ``TenTTHC``, ``TenLinhVuc``, ``ChuHoSo``, ``NgayTiepNhan``, ``NgayHenTra``,
  ``TrangThaiHoSo``, ``DonViXuLy``, ``HinhThuc``;
- every later step → ``CapNhatTienDoHoSoMC`` (progress update): ``MaHoSo``, ``NguoiXuLy`` (the
  actor's username: haicap holds no personal name for it), ``ThoiDiemXuLy``, ``PhongBanXuLy``,
  ``NoiDungXuLy`` (the step's note, else the status's wording), ``TrangThai``, ``NgayBatDau``
  (the receipt), ``NgayKetThucTheoQuyDinh`` (the statutory due date);
- on both, haicap's extensions: ``QuaHan`` ("1" when the step happened after the due date, the
  overdue flag), ``HaicapStepId`` (the step's id: a receiver keeps a step once, however often it
  is sent) and ``HaicapThuTu`` (the step's position in its dossier: the order of the updates).

Dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh; a due date (a whole day) is sent as the end of
that day (``235959``). The JSON Schema of the ``/integration`` body is
``schemas/one-stop-progress.v1.json`` (:func:`schema`): when the official format is published,
this module and that file are the two places to change.

Sources: the field names are the government office's integration guide v1.4 (2020) as public
copies and OpenCPS's portal integration code (``DVCQGIntegrationActionImpl``: the envelope
``session``/``madonvi``/``service``/``data``, ``isUpdating``, the date format, success
``error_code`` "00") show them. The status codes are NOT in that code (OpenCPS keeps them in a
per-site table, ``DossierStatusMapping.statusCodeDVCQG``): :data:`STATUS_CODES` takes them from
the guide's status list as public copies describe it; each row says how sure it is.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from importlib import resources
from typing import Any

from ..workdays import VIETNAM, local_date
from .status import ProcedureStatus

SYNC_SERVICE = "DongBoHoSoMC"
PROGRESS_SERVICE = "CapNhatTienDoHoSoMC"
SCHEMA_FILE = "one-stop-progress.v1.json"
DATE_FORMAT = "%Y%m%d%H%M%S"


@dataclass(frozen=True, slots=True)
class PortalStatus:
    code: str
    wording: str
    source: str


STATUS_CODES: dict[ProcedureStatus, PortalStatus] = {
    ProcedureStatus.RECEIVED: PortalStatus("2", "Được tiếp nhận", "guide's list (2 = received)"),
    ProcedureStatus.IN_PROCESS: PortalStatus("4", "Đang xử lý", "guide's list (4 = in process)"),
    ProcedureStatus.SUPPLEMENT_REQUESTED: PortalStatus(
        "5", "Yêu cầu bổ sung giấy tờ", "guide's list (5 = supplement of papers requested)"
    ),
    ProcedureStatus.DONE: PortalStatus(
        "10", "Đã trả kết quả", "guide's list (10 = result returned); inferred: haicap's done is the result issued"
    ),
    ProcedureStatus.REFUSED: PortalStatus(
        "8", "Dừng xử lý", "guide's list (8 = processing stopped); inferred: the list has no 'refused after receipt'"
    ),
    ProcedureStatus.RETURNED: PortalStatus(
        "7", "Rút hồ sơ", "guide's list (7 = withdrawn at the applicant's request); inferred for a dossier handed back"
    ),
}
"""haicap's statuses → the one-stop system's status codes (``TrangThaiHoSo``, ``TrangThai``)."""


@dataclass(frozen=True, slots=True)
class PushedStep:
    """A step as the push maps it: the step and its dossier (the push repository's row)."""

    step_id: uuid.UUID
    position: int
    status: ProcedureStatus
    occurred_at: datetime
    due_date: date
    note: str | None
    actor: str
    dossier_code: str
    procedure_code: str
    procedure_name: str
    sector: str
    applicant: str | None
    province_code: str
    received_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> PushedStep:
        values = {name: row[name] for name in cls.__dataclass_fields__ if name != "status"}
        return cls(status=ProcedureStatus(row["status"]), **values)


def portal_time(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh (a naive moment is taken as UTC)."""
    # NOTE: SQLite hands back naive UTC; the working-day calendar reads them the same way.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).strftime(DATE_FORMAT)


def portal_day_end(day: date) -> str:
    """A due date as the end of that day, ``yyyyMMdd235959``."""
    return datetime.combine(day, time(23, 59, 59)).strftime(DATE_FORMAT)


def overdue(step: PushedStep) -> bool:
    """The step happened after its dossier's due date (Vietnamese local dates)."""
    return local_date(step.occurred_at) > step.due_date


def message(step: PushedStep, *, unit_code: str) -> dict[str, Any]:
    """The message of one step: ``DongBoHoSoMC`` for the receipt, ``CapNhatTienDoHoSoMC`` for every later step."""
    portal = STATUS_CODES[step.status]
    common = {
        "QuaHan": "1" if overdue(step) else "0",
        "HaicapStepId": str(step.step_id),
        "HaicapThuTu": step.position,
    }
    if step.status is ProcedureStatus.RECEIVED:
        service = SYNC_SERVICE
        data: dict[str, Any] = {
            "MaHoSo": step.dossier_code,
            "MaTTHC": step.procedure_code,
            "TenTTHC": step.procedure_name,
            "TenLinhVuc": step.sector,
            "ChuHoSo": step.applicant or "",
            "NgayTiepNhan": portal_time(step.received_at),
            "NgayHenTra": portal_day_end(step.due_date),
            "TrangThaiHoSo": portal.code,
            # NOTE: the dossier holds the agency's id, not its name: the unit code (madonvi) names the handler.
            "DonViXuLy": unit_code,
            "HinhThuc": "0",
        }
    else:
        service = PROGRESS_SERVICE
        data = {
            "MaHoSo": step.dossier_code,
            "NguoiXuLy": step.actor,
            "ThoiDiemXuLy": portal_time(step.occurred_at),
            "PhongBanXuLy": unit_code,
            "NoiDungXuLy": step.note or portal.wording,
            "TrangThai": portal.code,
            "NgayBatDau": portal_time(step.received_at),
            "NgayKetThucTheoQuyDinh": portal_day_end(step.due_date),
        }
    return {"step_id": str(step.step_id), "province_code": step.province_code, "service": service, "data": data | common}


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the ``/integration`` body (``schemas/one-stop-progress.v1.json``)."""
    text = resources.files(__package__ or "haicap_shared.procedures").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
