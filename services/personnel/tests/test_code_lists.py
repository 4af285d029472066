"""Official code lists: what is loaded, read on a day, re-applied from changed files, and positions' grades as codes."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_personnel.cli import MIGRATIONS, main
from haicap_personnel.codelists import service
from haicap_personnel.codelists.models import CodeListName
from haicap_personnel.codelists.reference import DATA, _index, code_for_name, read_all
from haicap_personnel.people.models import EducationLevel, PoliticalTheory, StateManagement
from haicap_shared.db import null_pool_engine
from haicap_shared.migrations import alembic_config, upgrade_to_head
from haicap_shared.roles import Role
from haicap_shared.testing import (
    TestTokens,
    assert_problem,
    create_postgres_database,
    drop_postgres_database,
)

from .conftest import World

COUNTS = {
    "ethnicity": 54,
    "religion": 17,
    "civil-service-grade": 15,
    "professional-title": 29,
    "leadership-position": 22,
    "education-level": 6,
    "political-theory": 4,
    "state-management": 4,
    "commendation-form": 19,
    "discipline-form": 7,
}
PROVISIONAL = {
    "religion",
    "civil-service-grade",
    "professional-title",
    "leadership-position",
    "commendation-form",
    "discipline-form",
}


async def _list(client: httpx.AsyncClient, name: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/code-lists/{name}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- what is loaded ---------------------------------------------------------------------------


async def test_every_list_is_loaded_with_its_exact_count_source_and_flag(client: httpx.AsyncClient) -> None:
    response = await client.get("/code-lists")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {item["name"]: item["entry_count"] for item in items} == COUNTS
    assert {item["name"] for item in items if item["provisional"]} == PROVISIONAL
    ethnicity = next(item for item in items if item["name"] == "ethnicity")
    assert (ethnicity["title"], ethnicity["source"]) == ("Danh mục dân tộc", "QCVN 109:2017/BTTTT (mã dân tộc 01-54)")


async def test_the_54_ethnicities_have_their_qcvn_codes_in_order(client: httpx.AsyncClient) -> None:
    body = await _list(client, "ethnicity")
    codes = [item["code"] for item in body["items"]]
    assert codes == [f"{n:02d}" for n in range(1, 55)]
    names = {item["code"]: item["name"] for item in body["items"]}
    assert [names[c] for c in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "54")] == [
        "Kinh", "Tày", "Thái", "Hoa", "Khơ-me", "Mường", "Nùng", "HMông", "Dao", "Rơ-măm",
    ]  # fmt: skip
    hmong = next(item for item in body["items"] if item["code"] == "08")
    assert {"Mông", "H'Mông"} <= set(hmong["aliases"])
    assert (hmong["valid_from"], hmong["valid_to"]) == (None, None)


async def test_a_grade_carries_its_salary_table_and_a_discipline_form_its_categories(client: httpx.AsyncClient) -> None:
    grades = {item["code"]: item for item in (await _list(client, "civil-service-grade"))["items"]}
    specialist = grades["01.003"]
    assert specialist["name"] == "Chuyên viên"
    assert specialist["attributes"]["salary_table"] == "A1"
    assert specialist["attributes"]["coefficients"] == ["2.34", "2.67", "3.00", "3.33", "3.66", "3.99", "4.32", "4.65", "4.98"]
    assert grades["01.001"]["attributes"]["coefficients"][-1] == "8.00"
    assert [grades[c]["name"] for c in ("06.030", "06.031", "06.032")] == [
        "Kế toán viên chính", "Kế toán viên", "Kế toán viên trung cấp",
    ]  # fmt: skip
    teacher = next(i for i in (await _list(client, "professional-title"))["items"] if i["code"] == "V.07.03.29")
    assert (teacher["name"], teacher["attributes"]["salary_table"]) == ("Giáo viên tiểu học hạng III", "A1")
    forms = {item["code"]: item["attributes"]["categories"] for item in (await _list(client, "discipline-form"))["items"]}
    by_category = {
        category: sorted(code for code, categories in forms.items() if category in categories)
        for category in ("cadre", "civil_servant", "public_employee")
    }
    assert by_category == {
        "cadre": ["bai-nhiem", "cach-chuc", "canh-cao", "khien-trach"],
        "civil_servant": ["buoc-thoi-viec", "cach-chuc", "canh-cao", "giang-chuc", "ha-bac-luong", "khien-trach"],
        "public_employee": ["buoc-thoi-viec", "cach-chuc", "canh-cao", "khien-trach"],
    }


async def test_the_level_lists_have_the_values_of_the_people_enums(client: httpx.AsyncClient) -> None:
    for name, enum in (
        ("education-level", EducationLevel),
        ("political-theory", PoliticalTheory),
        ("state-management", StateManagement),
    ):
        items = (await _list(client, name))["items"]
        assert [item["code"] for item in items] == [member.value for member in enum], name
        assert [item["attributes"]["rank"] for item in items] == list(range(len(enum))), name


async def test_a_search_finds_without_diacritics_and_by_code(client: httpx.AsyncClient) -> None:
    assert [i["code"] for i in (await _list(client, "ethnicity", q="muong"))["items"]] == ["06"]
    assert [i["code"] for i in (await _list(client, "civil-service-grade", q="01.00"))["items"]] == [
        "01.001", "01.002", "01.003", "01.004", "01.005",
    ]  # fmt: skip
    assert (await _list(client, "religion", q="khong co"))["items"] == []


async def test_a_list_is_cacheable_by_its_etag(client: httpx.AsyncClient) -> None:
    first = await client.get("/code-lists/ethnicity")
    tag = first.headers["ETag"]
    again = await client.get("/code-lists/ethnicity", headers={"If-None-Match": tag})
    assert (again.status_code, again.headers["ETag"], again.content) == (304, tag, b"")
    other_day = await client.get("/code-lists/ethnicity", params={"as_of": "2020-01-01"}, headers={"If-None-Match": tag})
    assert other_day.status_code == 200  # NOTE: another day is another body (its as_of), so another tag
    lists = await client.get("/code-lists")
    assert (await client.get("/code-lists", headers={"If-None-Match": lists.headers["ETag"]})).status_code == 304


async def test_an_unknown_list_is_404_and_a_viewer_reads_none(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    body = assert_problem(await client.get("/code-lists/castes"), 404, "code_list_not_found")
    assert "ethnicity" in body["detail"]
    viewer = test_tokens.headers(Role.VIEWER, province="04")
    assert_problem(await client.get("/code-lists/ethnicity", headers=viewer), 403, "role_not_allowed")
    agency_officer = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=str(uuid.uuid4()))
    assert (await client.get("/code-lists/ethnicity", headers=agency_officer)).status_code == 200


def test_every_shipped_entry_fits_its_columns_and_names_one_code_a_key() -> None:
    for list_name, entries in read_all().items():
        codes = [entry.code for entry in entries]
        assert len(codes) == len(set(codes)), list_name
        assert all(len(e.code) <= 30 and len(e.name) <= 300 and len(e.source) <= 500 for e in entries), list_name
        # NOTE: a name or alias naming two codes would be found for neither.
        assert [key for key, found in _index(list_name).items() if len(found) > 1] == [], list_name


# --- finding and checking codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("list_name", "typed", "code"),
    [
        ("ethnicity", "Kinh", "01"),
        ("ethnicity", "  KINH ", "01"),
        ("ethnicity", "H'Mông", "08"),
        ("ethnicity", "Mông", "08"),
        ("ethnicity", "hmong", "08"),
        ("ethnicity", "Khmer", "05"),
        ("ethnicity", "Khơ Me", "05"),
        ("ethnicity", "Sán Chỉ", "15"),
        ("ethnicity", "Ê Đê", "12"),
        ("ethnicity", "Rơ Măm", "54"),
        ("ethnicity", "08", "08"),
        ("religion", "Phật giáo Hoà Hảo", "05"),
        ("civil-service-grade", "Chuyên viên (01.003)", "01.003"),
        ("civil-service-grade", "chuyen vien chinh", "01.002"),
        ("civil-service-grade", "Chuyên viên chính (01.002)", "01.002"),
        ("professional-title", "Giáo viên tiểu học hạng III", "V.07.03.29"),
        ("education-level", "Đại học", "university"),
        ("political-theory", "Cử nhân", "advanced"),
    ],
)
def test_code_for_name_compares_without_case_diacritics_or_hyphens(list_name: str, typed: str, code: str) -> None:
    assert code_for_name(list_name, typed) == code


@pytest.mark.parametrize(
    ("list_name", "typed"),
    [("ethnicity", "Người Sao Hỏa"), ("ethnicity", ""), ("civil-service-grade", "Hạng III"), ("civil-service-grade", "(99.999)")],
)
def test_code_for_name_finds_nothing_for_what_names_no_code(list_name: str, typed: str) -> None:
    assert code_for_name(list_name, typed) is None


async def test_check_code_and_names_of_read_the_day(db_connection: AsyncConnection) -> None:
    session = AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint")
    today = date(2026, 11, 30)
    assert await service.check_code(session, CodeListName.ETHNICITY, "08", today) == "HMông"
    with pytest.raises(service.UnknownCode) as refused:
        await service.check_code(session, CodeListName.ETHNICITY, "99", today)
    assert (refused.value.status, refused.value.code) == (422, "unknown_code")
    assert "ethnicity" in str(refused.value)
    names = await service.names_of(session, CodeListName.RELIGION, {"00", "02", "77"}, today)
    assert names == {"00": "Không", "02": "Công giáo"}
    await session.close()


# --- re-applying the files --------------------------------------------------------------------


def _changed_files(tmp_path: Path) -> Path:
    """The shipped files with 47 renamed, 54 taken out, 55 added, and 01.005's salary table changed."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "ethnicity.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["code"] == "47":
            row["name"] = "Cờ Lao (sửa)"
    rows = [row for row in rows if row["code"] != "54"] + [{"code": "55", "name": "Người nước ngoài", "aliases": ""}]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["code", "name", "aliases"])
        writer.writeheader()
        writer.writerows(rows)
    grades = json.loads((data / "civil-service-grade.json").read_text(encoding="utf-8"))
    for entry in grades["entries"]:
        if entry["code"] == "01.005":
            entry["salary_table"] = "C1"
    (data / "civil-service-grade.json").write_text(json.dumps(grades, ensure_ascii=False), encoding="utf-8")
    return data


async def test_reapplying_the_shipped_files_changes_nothing(db_connection: AsyncConnection) -> None:
    session = AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint")
    assert await service.import_lists(session, date(2026, 12, 1)) == []
    await session.close()


async def test_a_changed_file_closes_the_old_versions_and_as_of_reads_either(
    client: httpx.AsyncClient, db_connection: AsyncConnection, tmp_path: Path
) -> None:
    data = _changed_files(tmp_path)
    session = AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint")
    changes = await service.import_lists(session, date(2026, 12, 1), data)
    assert sorted((c.list_name, c.code, c.action, c.before, c.after) for c in changes) == [
        ("civil-service-grade", "01.005", "changed", "Nhân viên", "Nhân viên"),
        ("ethnicity", "47", "renamed", "Cờ Lao", "Cờ Lao (sửa)"),
        ("ethnicity", "54", "removed", "Rơ-măm", None),
        ("ethnicity", "55", "added", None, "Người nước ngoài"),
    ]
    assert await service.import_lists(session, date(2026, 12, 2), data) == []
    await session.flush()

    before = {i["code"]: i for i in (await _list(client, "ethnicity", as_of="2026-11-30"))["items"]}
    after = {i["code"]: i for i in (await _list(client, "ethnicity", as_of="2026-12-01"))["items"]}
    assert (len(before), len(after)) == (54, 54)
    assert (before["47"]["name"], before["47"]["valid_to"]) == ("Cờ Lao", "2026-11-30")
    assert (after["47"]["name"], after["47"]["valid_from"], after["47"]["valid_to"]) == ("Cờ Lao (sửa)", "2026-12-01", None)
    assert ("54" in before, "54" in after, "55" in before, "55" in after) == (True, False, False, True)
    grade = {i["code"]: i for i in (await _list(client, "civil-service-grade", as_of="2026-12-01"))["items"]}["01.005"]
    assert grade["attributes"]["salary_table"] == "C1"
    assert await service.check_code(session, CodeListName.ETHNICITY, "54", date(2026, 11, 30)) == "Rơ-măm"
    with pytest.raises(service.UnknownCode):
        await service.check_code(session, CodeListName.ETHNICITY, "54", date(2026, 12, 1))
    await session.close()


# --- databases of their own (the command line, the migration) ---------------------------------


@pytest_asyncio.fixture
async def fresh_url(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the test backend, dropped afterwards."""
    if db_backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    url = await create_postgres_database("haicap_test_codelists")
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def _migrate(url: str, action: str, revision: str) -> None:
    config = alembic_config(MIGRATIONS, url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    engine = null_pool_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = null_pool_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in (await connection.execute(text(sql))).all()]
    finally:
        await engine.dispose()


async def _cli(argv: list[str]) -> int:
    """The command line, as a process runs it (its own event loop, off the test's)."""
    return await asyncio.to_thread(main, argv)


async def test_the_import_command_prints_nothing_changed_then_the_changes(
    fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await upgrade_to_head(MIGRATIONS, fresh_url)
    monkeypatch.setenv("HAICAP_PERSONNEL_DATABASE_URL", fresh_url)
    assert await _cli(["import-code-lists", "--as-of", "2026-12-01"]) == 0
    assert json.loads(capsys.readouterr().out) == {"as_of": "2026-12-01", "changed": 0, "changes": []}
    data = _changed_files(tmp_path)
    assert await _cli(["import-code-lists", "--as-of", "2026-12-01", "--data", str(data)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["changed"] == 4
    assert await _cli(["import-code-lists", "--as-of", "2026-12-01", "--data", str(data)]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == 0
    versions = await _rows(
        fresh_url, ("SELECT code, name, CAST(valid_to AS VARCHAR(10)) FROM code_list_entry WHERE code = '47' ORDER BY id")
    )
    assert versions == [("47", "Cờ Lao", "2026-11-30"), ("47", "Cờ Lao (sửa)", None)]


async def test_the_migration_maps_ranks_to_codes_and_keeps_what_it_could_not(
    fresh_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await _migrate(fresh_url, "upgrade", "0007")
    ids = [uuid.UUID(int=n) for n in (1, 2, 3, 4, 5)]
    ranks = ["Chuyên viên (01.003)", "Giáo viên tiểu học hạng III", "Hạng III", None, "kế toán viên"]
    engine = null_pool_engine(fresh_url)
    try:
        async with engine.begin() as connection:
            for position_id, rank in zip(ids, ranks, strict=True):
                await connection.execute(
                    text(
                        'INSERT INTO job_position (id, title, search_key, "group", rank, required_education, required_fields,'
                        " posts, status, agency_id, province_code, agency_level, unit_id, version, created_at, updated_at)"
                        " VALUES (:id, 'Vị trí', 'vi tri', 'professional', :rank, 'university', '[]', 1, 'drafting',"
                        " :agency, '04', 'province', :unit, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ).bindparams(
                        id=position_id if "postgresql" in fresh_url else position_id.hex,
                        rank=rank,
                        agency=ids[0] if "postgresql" in fresh_url else ids[0].hex,
                        unit=ids[1] if "postgresql" in fresh_url else ids[1].hex,
                    )
                )
    finally:
        await engine.dispose()

    with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
        await _migrate(fresh_url, "upgrade", "0008")
    logged = [r.getMessage() for r in caplog.records if r.name == "alembic.runtime.migration" and r.levelno == logging.WARNING]
    assert logged == [
        f"code mapping: job_position {ids[2]} grade_code 'Hạng III' is in no list of civil-service-grade,professional-title;"
        " left without a code"
    ]
    mapped = await _rows(fresh_url, "SELECT grade_code, grade_name FROM job_position ORDER BY id")
    assert mapped == [
        ("01.003", "Chuyên viên"),
        ("V.07.03.29", "Giáo viên tiểu học hạng III"),
        (None, None),
        (None, None),
        ("06.031", "Kế toán viên"),
    ]
    issues = await _rows(
        fresh_url, "SELECT record_type, record_id, field, original_value, list_name, province_code FROM code_mapping_issue"
    )
    assert issues == [("job_position", str(ids[2]), "grade_code", "Hạng III", "civil-service-grade,professional-title", "04")]
    assert (await _rows(fresh_url, "SELECT COUNT(*) FROM code_list_entry"))[0][0] == sum(COUNTS.values())

    await _migrate(fresh_url, "downgrade", "0007")
    restored = await _rows(fresh_url, "SELECT rank FROM job_position ORDER BY id")
    assert restored == [("01.003",), ("V.07.03.29",), ("Hạng III",), (None,), ("06.031",)]


# --- the mapping issues route -----------------------------------------------------------------


async def test_mapping_issues_are_listed_to_admins_and_their_province(
    client: httpx.AsyncClient, db_connection: AsyncConnection, test_tokens: TestTokens
) -> None:
    for record_id, province in (("a", "04"), ("b", "01"), ("c", None)):
        await db_connection.execute(
            text(
                "INSERT INTO code_mapping_issue (record_type, record_id, field, original_value, list_name, province_code,"
                " created_at) VALUES ('job_position', :id, 'grade_code', 'Hạng III', 'civil-service-grade', :province,"
                " CURRENT_TIMESTAMP)"
            ).bindparams(id=record_id, province=province)
        )

    async def seen(headers: dict[str, str] | None = None, **params: str) -> list[str]:
        response = await client.get("/code-lists/mapping-issues", params=params, headers=headers or {})
        assert response.status_code == 200, response.text
        return [item["record_id"] for item in response.json()["items"]]

    assert await seen() == ["a", "b", "c"]
    assert await seen(record_type="person") == []
    assert await seen(test_tokens.headers(Role.PROVINCE_OFFICER, province="04")) == ["a"]
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert_problem(await client.get("/code-lists/mapping-issues", headers=commune), 403, "role_not_allowed")
    first = (await client.get("/code-lists/mapping-issues")).json()["items"][0]
    assert (first["original_value"], first["field"], first["province_code"]) == ("Hạng III", "grade_code", "04")


# --- positions' grades ------------------------------------------------------------------------


async def test_a_position_takes_a_grade_or_title_code_and_shows_its_name(client: httpx.AsyncClient, world: World) -> None:
    body = {"agency_id": str(world.department.id), "title": "Chuyên viên tổng hợp", "group": "professional"}
    created = await client.post("/positions", json=body | {"grade_code": "01.003"})
    assert created.status_code == 201, created.text
    position = created.json()
    assert (position["grade_code"], position["grade_name"]) == ("01.003", "Chuyên viên")
    assert "rank" not in position
    teacher = await client.post("/positions", json=body | {"title": "Giáo viên", "grade_code": "V.07.03.29"})
    assert (teacher.json()["grade_code"], teacher.json()["grade_name"]) == ("V.07.03.29", "Giáo viên tiểu học hạng III")
    none = await client.post("/positions", json=body | {"title": "Chưa xếp ngạch"})
    assert (none.json()["grade_code"], none.json()["grade_name"]) == (None, None)

    problem = assert_problem(await client.post("/positions", json=body | {"grade_code": "99.999"}), 422, "unknown_code")
    assert "civil-service-grade or professional-title" in problem["detail"]

    changed = await client.patch(
        f"/positions/{position['id']}", json={"grade_code": "06.031"}, headers={"If-Match": f'"{position["version"]}"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["grade_code"], changed.json()["grade_name"]) == ("06.031", "Kế toán viên")
    refused = await client.patch(
        f"/positions/{position['id']}", json={"grade_code": "01.999"}, headers={"If-Match": f'"{changed.json()["version"]}"'}
    )
    assert_problem(refused, 422, "unknown_code")
    shown = (await client.get(f"/positions/{position['id']}")).json()
    assert (shown["grade_code"], shown["grade_name"]) == ("06.031", "Kế toán viên")
