"""The code lists as shipped in ``data/`` (one CSV a list, with its source), read without a database.

Each list is one file: a CSV (``code,name,aliases`` and the list's own columns, aliases separated
by ``;``; every other column lands in the entry's ``attributes``, ``rank`` as a number) or a JSON
file (``{"entries": [...]}``) where an entry carries nested data. A grade or title names its salary
table (``salary_table``: ``A1``...), whose coefficients per step are read from
``salary-tables.json`` (Nghị định 204/2004/NĐ-CP) into its attributes. An entry may carry
``valid_from``/``valid_to`` (ISO dates) for a code that changed over time. ``data/SOURCES.md``
names the source of every file and which lists are provisional.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from haicap_shared.text import search_key

from .models import CodeListName

DATA = Path(__file__).parent / "data"
SALARY_TABLES = "salary-tables.json"
_CSV_COLUMNS = frozenset({"code", "name", "aliases", "valid_from", "valid_to", "source"})
_NOT_COMPARED = re.compile(r"[\s\-\u2010\u2013'\u2019`.]+")
_CODE_IN_PARENTHESES = re.compile(r"\(\s*([^()]{1,30}?)\s*\)\s*$")


@dataclass(frozen=True)
class CodeListInfo:
    """What a list is, where it comes from, and whether it is still provisional."""

    name: CodeListName
    title: str
    file: str
    source: str
    provisional: bool


LISTS: dict[CodeListName, CodeListInfo] = {
    info.name: info
    for info in (
        CodeListInfo(
            CodeListName.ETHNICITY, "Danh mục dân tộc", "ethnicity.csv", "QCVN 109:2017/BTTTT (mã dân tộc 01-54)", False
        ),
        CodeListInfo(CodeListName.RELIGION, "Danh mục tôn giáo", "religion.csv", "QCVN 109:2017/BTTTT (mã tôn giáo)", True),
        CodeListInfo(
            CodeListName.CIVIL_SERVICE_GRADE,
            "Ngạch công chức",
            "civil-service-grade.json",
            "Thông tư 2/2021/TT-BNV; Thông tư 29/2022/TT-BTC; thanh tra; Nghị định 204/2004/NĐ-CP (bảng lương)",
            True,
        ),
        CodeListInfo(
            CodeListName.PROFESSIONAL_TITLE,
            "Chức danh nghề nghiệp viên chức",
            "professional-title.json",
            "Thông tư 01-04/2021/TT-BGDĐT, 08/2023/TT-BGDĐT; TTLT 10/2015 và 26/2015 BYT-BNV; "
            "Thông tư 02/2022, 16/2021 BVHTTDL; Thông tư 07/2022/TT-BNV; Nghị định 204/2004/NĐ-CP (bảng lương)",
            True,
        ),
        CodeListInfo(
            CodeListName.LEADERSHIP_POSITION,
            "Chức vụ lãnh đạo, quản lý",
            "leadership-position.csv",
            "haicap's codes for the positions of Luật Tổ chức chính quyền địa phương 2025 and Nghị định 150/2025/NĐ-CP",
            True,
        ),
        CodeListInfo(
            CodeListName.EDUCATION_LEVEL,
            "Trình độ chuyên môn",
            "education-level.csv",
            "haicap's codes (the values of EducationLevel); Luật Giáo dục 2019",
            False,
        ),
        CodeListInfo(
            CodeListName.POLITICAL_THEORY,
            "Trình độ lý luận chính trị",
            "political-theory.csv",
            "haicap's codes (the values of PoliticalTheory); Quy định 57-QĐ/TW",
            False,
        ),
        CodeListInfo(
            CodeListName.STATE_MANAGEMENT,
            "Trình độ quản lý nhà nước",
            "state-management.csv",
            "haicap's codes (the values of StateManagement); Nghị định 101/2017/NĐ-CP",
            False,
        ),
        CodeListInfo(
            CodeListName.COMMENDATION_FORM,
            "Hình thức khen thưởng, danh hiệu thi đua",
            "commendation-form.csv",
            "Luật Thi đua, khen thưởng 2022 (haicap's codes)",
            True,
        ),
        CodeListInfo(
            CodeListName.DISCIPLINE_FORM,
            "Hình thức kỷ luật",
            "discipline-form.json",
            "Luật Cán bộ, công chức (Điều 78, 79); Luật Viên chức (Điều 52); Nghị định 112/2020/NĐ-CP, "
            "sửa đổi bởi Nghị định 71/2023/NĐ-CP (haicap's codes)",
            True,
        ),
    )
}


@dataclass(frozen=True)
class EntryData:
    """One version of a code as a file gives it."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


def compare_key(text: str) -> str:
    """``text`` without case, diacritics, spaces, hyphens, apostrophes or dots ("H'Mông" and "hmong" match)."""
    return _NOT_COMPARED.sub("", search_key(text))


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _csv_entries(path: Path, source: str) -> list[EntryData]:
    entries = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            attributes: dict[str, Any] = {}
            for column, value in row.items():
                if column in _CSV_COLUMNS or value in (None, ""):
                    continue
                attributes[column] = int(value) if column == "rank" else value
            entries.append(
                EntryData(
                    code=row["code"].strip(),
                    name=row["name"].strip(),
                    aliases=tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()),
                    attributes=attributes,
                    source=(row.get("source") or "").strip() or source,
                    valid_from=_date(row.get("valid_from")),
                    valid_to=_date(row.get("valid_to")),
                )
            )
    return entries


def _json_entries(path: Path, source: str, salary_tables: dict[str, Any]) -> list[EntryData]:
    entries = []
    for item in json.loads(path.read_text(encoding="utf-8"))["entries"]:
        attributes = dict(item.get("attributes") or {})
        if table := item.get("salary_table"):
            attributes["salary_table"] = table
            attributes["salary_table_name"] = salary_tables[table]["name"]
            attributes["coefficients"] = list(salary_tables[table]["coefficients"])
        entries.append(
            EntryData(
                code=item["code"],
                name=item["name"],
                aliases=tuple(item.get("aliases") or ()),
                attributes=attributes,
                source=item.get("source") or source,
                valid_from=_date(item.get("valid_from")),
                valid_to=_date(item.get("valid_to")),
            )
        )
    return entries


def read_list(list_name: CodeListName, data: Path = DATA) -> list[EntryData]:
    """The entries of one list as its file in ``data`` gives them, in the file's order."""
    info = LISTS[list_name]
    path = data / info.file
    if path.suffix == ".json":
        tables = json.loads((data / SALARY_TABLES).read_text(encoding="utf-8"))["tables"]
        return _json_entries(path, info.source, tables)
    return _csv_entries(path, info.source)


def read_all(data: Path = DATA) -> dict[CodeListName, list[EntryData]]:
    """Every list's entries as shipped in ``data``."""
    return {name: read_list(name, data) for name in LISTS}


@functools.cache
def _index(list_name: CodeListName) -> dict[str, frozenset[str]]:
    """Each compared key (of a code, a name or an alias) with the codes it names."""
    found: dict[str, set[str]] = {}
    for entry in read_list(list_name):
        for text in (entry.code, entry.name, *entry.aliases):
            found.setdefault(compare_key(text), set()).add(entry.code)
    return {key: frozenset(codes) for key, codes in found.items()}


def code_for_name(list_name: str, text: str) -> str | None:
    """The code whose name or alias is ``text`` (compared without case, diacritics, spaces or hyphens), if exactly one.

    Used by imports and by the migration that turns free-text values into codes. A code itself
    is found too, and so is a code in parentheses after a name ("Chuyên viên (01.003)").
    """
    index = _index(CodeListName(list_name))
    candidates = [text]
    if match := _CODE_IN_PARENTHESES.search(text):
        candidates = [match.group(1), text[: match.start()]]
    for candidate in candidates:
        key = compare_key(candidate)
        codes = index.get(key, frozenset()) if key else frozenset()
        if len(codes) == 1:
            return next(iter(codes))
    return None
