"""Import assets from the CSV or XLSX inventory form, checking every row first.

The file comes through the shared bounded pipeline (``haicap_shared.imports``): received on
disk within the service's upload limit, read and parsed (types, the plate, the rules of
premises and cars) in a worker thread ``chunk_rows`` rows at a time, refused at the first
limit reached (line length, rows, XLSX sizes). Holders are resolved with org-structure once
per distinct holder, as they first appear. The rows that pass go, chunk by chunk, into a
temporary staging table (PostgreSQL: ``COPY``; SQLite: batched inserts; both unlogged,
dropped at the end), where SQL finds codes repeated in the file or already recorded, and one
``INSERT ... SELECT`` per table writes assets, allocations and their first history events, in
the request's transaction. Nothing is written when a row has a problem, unless ``partial``
was asked for. Only a chunk, the holders and the report's first bad rows are in memory.

This module parses and checks the rows; the staging table and its SQL are in the register's
``repository``, the import's course (chunks, staging, the report or the refusal) in its
``service`` (``service.import_assets``).
"""

from __future__ import annotations

import asyncio
import csv
import enum
import functools
import math
import re
import typing
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, TYPE_CHECKING, Any

import annotated_types
import anyio
from pydantic import ValidationError

from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import AppError, UpstreamUnavailable
from haicap_shared.imports import ProblemLog
from haicap_shared.tabular import RowProblem, SourceRow, UnreadableFile, header_key, parse_date
from haicap_shared.text import search_key
from haicap_shared.values import in_date_range

from .. import holders
from ..allocations.models import Purpose
from ..holders import Holder, HolderRef
from ..org_client import OrgDirectory
from .access import holder_in_area, location_in_area
from .models import AssetKind, AssetStatus, Condition, HolderKind
from .schemas import Area, Money, Seats, Year, check_details

if TYPE_CHECKING:
    from . import repository

COLUMNS = {
    "code": ("Mã tài sản", "Mã"),
    "name": ("Tên tài sản", "Tên"),
    "kind": ("Loại tài sản", "Loại"),
    "province_code": ("Mã tỉnh",),
    "commune_code": ("Mã xã", "Mã xã nơi đặt"),
    "address": ("Địa chỉ",),
    "land_area_m2": ("Diện tích đất", "Diện tích đất (m2)"),
    "floor_area_m2": ("Diện tích sàn", "Diện tích sàn (m2)"),
    "year_built": ("Năm xây dựng",),
    "condition": ("Hiện trạng",),
    "land_use_certificate": ("Giấy chứng nhận", "Số GCN QSDĐ"),
    "plate": ("Biển số", "Biển kiểm soát"),
    "seats": ("Số chỗ ngồi", "Số chỗ"),
    "model_year": ("Năm sản xuất",),
    "original_value": ("Nguyên giá",),
    "residual_value": ("Giá trị còn lại",),
    "status": ("Tình trạng",),
    "holder_code": ("Mã đơn vị sử dụng", "Mã đơn vị quản lý"),
    "holder_agency_id": ("Mã cơ quan sử dụng", "Cơ quan sử dụng (id)"),
    "purpose": ("Mục đích sử dụng", "Mục đích"),
    "allocated_from": ("Từ ngày", "Ngày giao"),
    "decision_number": ("Số quyết định", "Quyết định giao"),
}
_KINDS = {search_key(k.value): k for k in AssetKind} | {
    "nha dat": AssetKind.PREMISES,
    "co so nha dat": AssetKind.PREMISES,
    "dat": AssetKind.PREMISES,
    "o to": AssetKind.CAR,
    "xe o to": AssetKind.CAR,
    "thiet bi": AssetKind.EQUIPMENT,
}
_DETAIL_NUMBERS = {"land_area_m2": float, "floor_area_m2": float, "year_built": int, "seats": int, "model_year": int}
_MONEY = ("original_value", "residual_value")
DETAIL_NUMBERS = _DETAIL_NUMBERS
MONEY = _MONEY
# NOTE: the bounds a number cell is held to are the API's (schemas): an import takes no value a
# form would refuse, and none the database cannot hold (a year of 1e50 was a 500).
_NUMBER_TYPES: dict[str, Any] = {
    "land_area_m2": Area,
    "floor_area_m2": Area,
    "year_built": Year,
    "seats": Seats,
    "model_year": Year,
    "original_value": Money,
    "residual_value": Money,
}


@dataclass(frozen=True)
class NumberRange:
    """The values a number field takes: above (or from) ``low``, up to ``high``; ``problem`` says so."""

    low: float
    low_included: bool
    high: float
    problem: str

    def holds(self, value: float) -> bool:
        return (value >= self.low if self.low_included else value > self.low) and value <= self.high


def _range_of(field: str, annotated: Any) -> NumberRange:
    low, low_included, high = -math.inf, True, math.inf
    for constraint in typing.get_args(annotated)[1].metadata:
        if isinstance(constraint, annotated_types.Ge):
            low = float(typing.cast(float, constraint.ge))
        elif isinstance(constraint, annotated_types.Gt):
            low, low_included = float(typing.cast(float, constraint.gt)), False
        elif isinstance(constraint, annotated_types.Le):
            high = float(typing.cast(float, constraint.le))
    above = "from" if low_included else "above"
    return NumberRange(low, low_included, high, f"{field} is out of range ({above} {low:,.0f} up to {high:,.0f})")


NUMBER_RANGES = {field: _range_of(field, annotated) for field, annotated in _NUMBER_TYPES.items()}
PREMISES_FIELDS = ("land_area_m2", "floor_area_m2", "year_built", "condition", "land_use_certificate")
CAR_FIELDS = ("plate", "seats", "model_year")
_RESOLVE_CONCURRENCY = 8
NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?$"
"""A number cell, once its spaces are dropped: ASCII digits, a decimal point, a short exponent (Python and SQL alike)."""
_NUMBER = re.compile(NUMBER)


@functools.cache
def _spellings(kind: type[enum.StrEnum]) -> dict[str, Any]:
    return {spelling: m for m in kind for spelling in (m.value, search_key(m.value.replace("_", " ")))}


def _enum(kind: type[enum.StrEnum], value: Any, what: str, aliases: dict[str, Any] | None = None) -> Any:
    spellings = _spellings(kind)
    # NOTE: the exact value first: at national scale most cells are written as the API spells them.
    found = spellings.get(value) if isinstance(value, str) else None
    if found is None:
        key = search_key(str(value or ""))
        found = spellings.get(key) or (aliases or {}).get(key)
    if found is None:
        raise ValueError(f"{what} {value!r} is not one of: {', '.join(m.value for m in kind)}")
    return found


def _date(value: Any) -> date | None:
    # NOTE: ISO dates (most cells of a large file) skip strptime, a third of a row's cost.
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return in_date_range(date.fromisoformat(value))
        except ValueError:
            pass
    return parse_date(value)


def _number(value: Any, cast: type[Any], what: str) -> Any:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # NOTE: an XLSX number cell arrives as a number.
        return cast(value)
    text = str(value).replace(" ", "")
    # NOTE: float() alone also reads '1_000', other scripts' digits, 'inf', 'nan' and '1e400'; a
    # spreadsheet's number is none of them, and the SQL check (``NUMBER``) refuses them too.
    if _NUMBER.fullmatch(text) is None:
        raise ValueError(f"{what} {value!r} is not a number")
    return cast(float(text)) if cast is int else cast(text)


def _in_range(field: str, value: Any) -> Any:
    if value is not None and not NUMBER_RANGES[field].holds(value):
        raise ValueError(NUMBER_RANGES[field].problem)
    return value


def parse_row(values: dict[str, Any], today: date) -> tuple[dict[str, Any], HolderRef | None, list[str]]:
    """The row's asset fields (typed, checked), its holder reference, and its problems."""
    errors: list[str] = []
    record: dict[str, Any] = {}
    code, name = str(values.get("code") or "").strip(), str(values.get("name") or "").strip()
    if not code or len(code) > 50:
        errors.append("code is missing (or longer than 50)")
    if len(name) < 2 or len(name) > 300:
        errors.append("name is missing (or longer than 300)")
    province = str(values.get("province_code") or "").strip().zfill(2)
    if not (len(province) == 2 and province.isascii() and province.isdigit()):
        errors.append(f"province_code {values.get('province_code')!r} is not 2 digits")
    commune = str(values.get("commune_code") or "").strip() or None
    if commune is not None:
        commune = commune.zfill(5)
        if not (len(commune) == 5 and commune.isascii() and commune.isdigit()):
            errors.append(f"commune_code {values.get('commune_code')!r} is not 5 digits")
    kind: AssetKind | None = None
    try:
        kind = _enum(AssetKind, values.get("kind"), "kind", _KINDS)
    except ValueError as exc:
        errors.append(str(exc))
    details: dict[str, Any] = {f: values.get(f) for f in ("address", "land_use_certificate", "plate")}
    for field, cast in _DETAIL_NUMBERS.items():
        try:
            details[field] = _in_range(field, _number(values.get(field), cast, field))
        except ValueError as exc:
            errors.append(str(exc))
    for field in _MONEY:
        try:
            amount = _number(values.get(field), int, field)
            if amount is not None and amount < 0:
                raise ValueError(f"{field} is negative")
            details[field] = _in_range(field, amount)
        except ValueError as exc:
            errors.append(str(exc))
    try:
        details["condition"] = _enum(Condition, values["condition"], "condition") if values.get("condition") else None
        status = _enum(AssetStatus, values.get("status"), "status") if values.get("status") else AssetStatus.IN_USE
        if status not in (AssetStatus.IN_USE, AssetStatus.SURPLUS):
            raise ValueError("status of an imported asset is in_use or surplus")
        purpose = _enum(Purpose, values.get("purpose"), "purpose")
        allocated_from = _date(values.get("allocated_from")) or today
    except ValueError as exc:
        errors.append(str(exc))
        status, purpose, allocated_from = AssetStatus.IN_USE, Purpose.OTHER, today
    if kind is not None and not errors:
        try:
            details = check_details(kind, details, province)
        except ValueError as exc:
            errors.append(str(exc))
    ref: HolderRef | None = None
    try:
        holder_code, agency_id = values.get("holder_code"), values.get("holder_agency_id")
        if bool(holder_code) == bool(agency_id):
            raise ValueError("give holder_code (a unit's code) or holder_agency_id, one of them")
        ref = (
            HolderRef(kind=HolderKind.UNIT, code=str(holder_code).strip(), as_of=allocated_from)
            if holder_code
            else HolderRef(kind=HolderKind.AGENCY, id=uuid.UUID(str(agency_id)))
        )
    except (ValueError, ValidationError) as exc:
        errors.append(f"holder: {exc}".splitlines()[0])
    record.update(
        details,
        kind=kind,
        code=code,
        name=name,
        search_key=search_key(" ".join(filter(None, [code, name, details.get("plate"), details.get("address")])))[:300],
        province_code=province,
        commune_code=commune,
        status=status,
        purpose=purpose,
        valid_from=allocated_from,
        decision_number=(str(values.get("decision_number")).strip() or None) if values.get("decision_number") else None,
    )
    return record, ref, errors


def _ref_key(ref: HolderRef) -> tuple[str, str, date | None]:
    return (ref.kind.value, str(ref.id or ref.code), ref.as_of)


def _location_ref(record: dict[str, Any]) -> HolderRef | None:
    """The unit of the row's location (its commune on the allocation date), resolved like a holder."""
    commune = record.get("commune_code")
    if not (isinstance(commune, str) and len(commune) == 5 and commune.isdigit()):
        return None
    return HolderRef(kind=HolderKind.UNIT, code=commune, as_of=record["valid_from"])


def _location_errors(
    record: dict[str, Any], resolved: dict[tuple[str, str, date | None], Holder | str], principal: Principal
) -> list[str]:
    """The problems of the row's location: a commune in force in its province, in the caller's area."""
    ref = _location_ref(record)
    if ref is None:
        return []
    commune, province, on = record["commune_code"], record["province_code"], record["valid_from"]
    unit = resolved.get(_ref_key(ref))
    if isinstance(unit, str) or unit is None:
        return [f"commune_code {commune}: org-structure has no commune {commune} on {on}"]
    if unit.level is not UnitLevel.COMMUNE or unit.province_code != province:
        return [f"commune_code {commune} is not a commune of province {province} on {on}"]
    if not location_in_area(principal, province, commune):
        return [f"commune {commune} is outside your area"]
    return []


async def resolve_all(
    org: OrgDirectory, refs: Sequence[HolderRef], found: dict[tuple[str, str, date | None], Holder | str] | None = None
) -> dict[tuple[str, str, date | None], Holder | str]:
    """Each distinct holder once (a few at a time); a holder org-structure does not know becomes its problem text.

    ``found`` holds the holders resolved before (an earlier chunk of the file); only the others are asked for.
    """
    gate = asyncio.Semaphore(_RESOLVE_CONCURRENCY)
    found = {} if found is None else found

    async def one(ref: HolderRef) -> None:
        async with gate:
            try:
                found[_ref_key(ref)] = await holders.resolve(org, ref, ref.as_of or date.today())
            except UpstreamUnavailable:
                raise
            except AppError as exc:
                found[_ref_key(ref)] = str(exc)

    unique = {_ref_key(r): r for r in refs if _ref_key(r) not in found}
    await asyncio.gather(*(one(r) for r in unique.values()))
    return found


def parsed(today: date) -> Any:
    def parse(row: SourceRow) -> tuple[int, dict[str, Any], HolderRef | None, list[str]]:
        return (row.number, *parse_row(row.values, today))

    return parse


def checked_records(
    chunk: list[tuple[int, dict[str, Any], HolderRef | None, list[str]]],
    resolved: dict[tuple[str, str, date | None], Holder | str],
    principal: Principal,
    checked: ProblemLog,
) -> list[dict[str, Any]]:
    """The chunk's rows ready for staging; the others' problems go to ``checked``."""
    records: list[dict[str, Any]] = []
    for number, record, ref, errors in chunk:
        holder = resolved.get(_ref_key(ref)) if ref is not None else None
        if isinstance(holder, str):
            errors.append(holder)
        elif holder is not None:
            if not holder.in_force_on(record["valid_from"]):
                errors.append(f"{holder.name} is not in force on {record['valid_from']}")
            if not holder_in_area(principal, holder):
                errors.append(f"{holder.name} is outside your area")
        errors += _location_errors(record, resolved, principal)
        if errors:
            checked.add(number, errors)
            continue
        assert holder is not None
        assert not isinstance(holder, str)
        record = record | holder.columns() | {"row_number": number, "id": uuid.uuid4(), "allocation_id": uuid.uuid4()}
        for key in ("kind", "condition", "status", "purpose", "holder_kind", "holder_level"):
            if record[key] is not None:
                record[key] = record[key].value
        records.append(record)
    return records


def chunk_refs(chunk: list[tuple[int, dict[str, Any], HolderRef | None, list[str]]]) -> list[HolderRef]:
    """The holders and locations a parsed chunk names, to resolve with org-structure."""
    refs = [ref for _, _, ref, _ in chunk if ref is not None]
    # NOTE: locations are units too, resolved once each (usually the holder itself).
    return refs + [loc for _, record, _, _ in chunk if (loc := _location_ref(record)) is not None]


def merged_problems(checked: ProblemLog, refused: repository.StagedRefusals, limit: int) -> list[RowProblem]:
    """The report's bad rows: those the row rules refused, and those SQL found among the staged (repeated or taken codes)."""
    problems = {p.row: p.errors for p in checked.listed}
    for number, code in refused.repeated:
        problems.setdefault(number, []).append(f"code {code} appears on an earlier row of the file")
    for number, code in refused.taken:
        problems.setdefault(number, []).append(f"code {code} is already recorded in the province")
    return [RowProblem(row=n, errors=e) for n, e in sorted(problems.items())[:limit]]


# --- the same rules on PostgreSQL: staged text, checked in SQL ------------------------------
#
# NOTE: a CSV goes as it is into COPY (``repository.stage_csv``) and one statement reads every
# row (``repository.READ_ROWS_SQL``); what depends on one cell alone and has a handful of
# distinct spellings (labels, codes, dates, holder references) is mapped here, once per
# spelling, by the very functions above, so both databases give the same values and messages;
# the holders and locations are resolved and checked here once per (reference, date); the rest
# (lengths, numbers, the plate, the rules of premises and cars) is SQL built from the same
# constants (``repository.check_sql``).

MAPPED = ("kind", "condition", "status", "purpose", "allocated_from", "province_code", "commune_code")
"""The cells mapped in Python once per distinct spelling (an empty cell is mapped under '')."""
REFERENCES = ("holder_code", "holder_agency_id")


def mapped_cell(name: str, raw: str | None, today: date) -> tuple[str | None, str | None]:
    """One cell's value as ``parse_row`` reads it (text), or its problem."""
    try:
        if name == "kind":
            return _enum(AssetKind, raw, "kind", _KINDS).value, None
        if name == "condition":
            return (_enum(Condition, raw, "condition").value if raw else None), None
        if name == "status":
            status = _enum(AssetStatus, raw, "status") if raw else AssetStatus.IN_USE
            if status not in (AssetStatus.IN_USE, AssetStatus.SURPLUS):
                raise ValueError("status of an imported asset is in_use or surplus")
            return status.value, None
        if name == "purpose":
            return _enum(Purpose, raw, "purpose").value, None
        if name == "allocated_from":
            found = _date(raw)
            return (found or today).isoformat(), None
        if name == "province_code":
            province = str(raw or "").strip().zfill(2)
            if not (len(province) == 2 and province.isascii() and province.isdigit()):
                return None, f"province_code {raw!r} is not 2 digits"
            return province, None
        commune = str(raw or "").strip() or None
        if commune is not None:
            commune = commune.zfill(5)
            if not (len(commune) == 5 and commune.isascii() and commune.isdigit()):
                return None, f"commune_code {raw!r} is not 5 digits"
        return commune, None
    except ValueError as exc:
        return None, str(exc)


def reference_problem(name: str, raw: str, today: date) -> str | None:
    """What is wrong with a holder reference cell on its own (as ``parse_row`` says it), if anything."""
    try:
        if name == "holder_code":
            HolderRef(kind=HolderKind.UNIT, code=raw.strip(), as_of=today)
        else:
            HolderRef(kind=HolderKind.AGENCY, id=uuid.UUID(raw))
    except (ValueError, ValidationError) as exc:
        return f"holder: {exc}".splitlines()[0]
    return None


def staged_ref(kind: str, key: str, on: date) -> HolderRef:
    """The holder a checked row names: a unit by code on its date, or an agency by id."""
    if kind == HolderKind.UNIT.value:
        return HolderRef(kind=HolderKind.UNIT, code=key, as_of=on)
    return HolderRef(kind=HolderKind.AGENCY, id=uuid.UUID(key))


def holder_facts(
    ref: HolderRef, on: date, resolved: dict[tuple[str, str, date | None], Holder | str], principal: Principal
) -> tuple[dict[str, Any] | None, list[str]]:
    """A resolved holder's columns and the problems of holding from ``on`` (as ``checked_records`` says them)."""
    holder = resolved.get(_ref_key(ref))
    if isinstance(holder, str) or holder is None:
        return None, [holder or f"org-structure has no holder {ref.code or ref.id}"]
    errors = []
    if not holder.in_force_on(on):
        errors.append(f"{holder.name} is not in force on {on}")
    if not holder_in_area(principal, holder):
        errors.append(f"{holder.name} is outside your area")
    columns = holder.columns()
    return columns | {"holder_kind": holder.kind.value, "holder_level": holder.level.value}, errors


def location_problems(
    commune: str, province: str, on: date, resolved: dict[tuple[str, str, date | None], Holder | str], principal: Principal
) -> list[str]:
    """The problems of a row's location (as ``_location_errors`` says them)."""
    return _location_errors({"commune_code": commune, "province_code": province, "valid_from": on}, resolved, principal)


def location_ref(commune: str, on: date) -> HolderRef:
    return HolderRef(kind=HolderKind.UNIT, code=commune, as_of=on)


COPY_CHUNK = 1 << 20


def copy_targets(line: bytes) -> list[str]:
    """The staging column of each cell of the CSV's header row (an unknown or repeated heading is ignored)."""
    try:
        header = next(csv.reader([line.decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration, csv.Error) as exc:
        raise UnreadableFile("The CSV header cannot be read; save the file as 'CSV UTF-8'") from exc
    accepted = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}
    found = [accepted.get(header_key(cell)) for cell in header]
    # NOTE: a heading given twice reads its last column, as the row reader does.
    last = {name: i for i, name in enumerate(found) if name is not None}
    if not last:
        raise UnreadableFile(f"No known column in the header row; expected some of: {', '.join(sorted(set(accepted.values())))}")
    return [name if name is not None and last[name] == i else f"ignored_{i}" for i, name in enumerate(found)]


_QUOTE, _COMMA, _LF = ord('"'), ord(","), ord("\n")


def _quotes_agree(piece: bytes, in_quote: bool, at_end: bool) -> bool | None:
    """Whether ``piece`` (whole lines) ends inside a quoted cell; None if a quote is read differently by the two parsers."""
    i, size = 0, len(piece)
    while (j := piece.find(b'"', i)) >= 0:
        if not in_quote:
            # NOTE: Python's csv opens a quoted cell only at a cell's start, PostgreSQL's anywhere.
            if j and piece[j - 1] not in (_COMMA, _LF):
                return None
            in_quote, i = True, j + 1
        elif j + 1 < size and piece[j + 1] == _QUOTE:
            i = j + 2
        elif (j + 1 == size and at_end) or piece[j + 1 : j + 2] in (b",", b"\n") or piece[j + 1 : j + 3] == b"\r\n":
            in_quote, i = False, j + 1
        else:
            # NOTE: text after a closing quote: Python keeps what follows as it stands, PostgreSQL reads further quotes.
            return None
    return in_quote


def quotes_read_alike(stream: IO[bytes]) -> bool:
    """Whether PostgreSQL's ``COPY`` reads the rest of the CSV as Python's csv does (blocking, a worker thread's).

    Both read a cell quoted from its first character to a closing quote followed by a comma or
    the line's end (a doubled quote inside); any other double quote (``a "b" c``, ``"a"b``) is
    read differently, and so is a line starting ``\\.`` (PostgreSQL's end of data). Such a file
    is read and checked in Python. Lines without a quote cost a search of their megabyte.
    """
    start, in_quote, carry = stream.tell(), False, b""
    try:
        while chunk := stream.read(COPY_CHUNK):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            piece, carry = data[:cut], data[cut:]
            if piece.startswith(b"\\.") or b"\n\\." in piece:
                return False
            if in_quote or b'"' in piece:
                found = _quotes_agree(piece, in_quote, at_end=False)
                if found is None:
                    return False
                in_quote = found
        if carry.startswith(b"\\."):
            return False
        return _quotes_agree(carry, in_quote, at_end=True) is False
    finally:
        stream.seek(start)


async def file_chunks(stream: IO[bytes]) -> AsyncIterator[bytes]:
    """The rest of the file, a megabyte at a time, read off the event loop."""
    while chunk := await anyio.to_thread.run_sync(stream.read, COPY_CHUNK):
        yield chunk
