"""The dossier's fields of a person (codes checked on the day, dated unit codes), family members, the ethnicity migration.

World: former communes 01001-01003 until 2025-06-30, Xã Mới 01010 from 2025-07-01 (see conftest).
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from alembic import command
from openpyxl import Workbook

from haicap_personnel.cli import MIGRATIONS
from haicap_personnel.db import event_tables
from haicap_shared.db import null_pool_engine
from haicap_shared.events.catalogue import CloudEvent
from haicap_shared.events.repository import cloud_event
from haicap_shared.migrations import alembic_config
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem, create_postgres_database, drop_postgres_database

from .conftest import World
from .helpers import create_person, national_id, person_body

DOSSIER = {
    "record_number": "CB-04-000123",
    "birth_place": {"unit_code": "01001", "as_of": "2024-12-31"},
    "home_town": {"unit_code": "01010", "as_of": "2025-07-01"},
    "residence": {"address": "Tổ 5, Xã Mới", "unit_code": "01010"},
    "ethnicity_code": "02",
    "religion_code": "00",
}


async def _person_events(db_connection: Any, person_id: str) -> list[dict[str, Any]]:
    outbox = event_tables.outbox
    rows = (
        await db_connection.execute(sa.select(outbox).where(outbox.c.aggregateid == person_id).order_by(outbox.c.sequence))
    ).all()
    return [CloudEvent.model_validate(cloud_event(row)).model_dump(mode="json") for row in rows]


# --- the person's dossier fields ----------------------------------------------------------


async def test_the_dossier_fields_are_recorded_with_code_names_and_published_as_shown(
    client: httpx.AsyncClient, world: World, db_connection: Any
) -> None:
    response = await client.post("/people", json=person_body(world.new_office.id) | DOSSIER)
    assert response.status_code == 201, response.text
    person = response.json()
    assert {k: person[k] for k in DOSSIER} == DOSSIER
    assert (person["ethnicity_name"], person["religion_name"]) == ("Tày", "Không")
    shown = (await client.get(f"/people/{person['id']}")).json()
    assert shown == person

    changed = await client.patch(
        f"/people/{person['id']}",
        json={"ethnicity_code": "07", "home_town": None, "residence": {"address": "Số 3, phố Kim Đồng"}},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert (after["ethnicity_code"], after["ethnicity_name"], after["home_town"]) == ("07", "Nùng", None)
    assert after["residence"] == {"address": "Số 3, phố Kim Đồng", "unit_code": None}
    assert after["birth_place"] == DOSSIER["birth_place"]

    events = await _person_events(db_connection, person["id"])
    assert [e["type"].rsplit(".", 1)[1] for e in events] == ["created", "updated"]
    assert events[0]["data"]["record"] == person
    assert events[1]["data"]["record"] == after
    assert events[1]["data"]["changed_fields"] == [
        "ethnicity_code",
        "home_town_as_of",
        "home_town_code",
        "residence_address",
        "residence_code",
    ]


async def test_codes_are_checked_against_their_lists_and_units_against_their_dates(
    client: httpx.AsyncClient, world: World
) -> None:
    def body(**changes: Any) -> dict[str, Any]:
        return person_body(world.new_office.id) | changes

    problem = assert_problem(await client.post("/people", json=body(ethnicity_code="99")), 422, "unknown_code")
    assert "ethnicity" in problem["detail"]
    assert_problem(await client.post("/people", json=body(religion_code="77")), 422, "unknown_code")
    # 01001 was abolished on 2025-06-30: on 2025-08-01 no unit holds its code.
    gone = {"unit_code": "01001", "as_of": "2025-08-01"}
    problem = assert_problem(await client.post("/people", json=body(birth_place=gone)), 409, "unit_not_found")
    assert problem["detail"] == "birth_place: org-structure has no unit 01001 on 2025-08-01"
    assert_problem(
        await client.post("/people", json=body(residence={"address": "x y", "unit_code": "01001"})), 409, "unit_not_found"
    )
    for wrong in (
        {"unit_code": "1234", "as_of": "2024-01-01"},
        {"unit_code": "01001"},
        {"unit_code": "01001", "as_of": "1/1/2024"},
    ):
        assert_problem(await client.post("/people", json=body(home_town=wrong)), 422, "validation_error")
    assert_problem(await client.post("/people", json=body(record_number="số 1")), 422, "validation_error")
    assert (await client.get("/people")).json()["items"] == []

    first = await create_person(client, world.new_office.id, record_number="HS-1")
    assert_problem(await client.post("/people", json=body(record_number="HS-1")), 409, "record_number_taken")
    second = await create_person(client, world.new_office.id, record_number="HS-2")
    assert_problem(
        await client.patch(f"/people/{second['id']}", json={"record_number": "HS-1"}, headers={"If-Match": '"1"'}),
        409,
        "record_number_taken",
    )
    # Its own number again is no conflict; a person without a number is fine twice.
    same = await client.patch(f"/people/{first['id']}", json={"record_number": "HS-1"}, headers={"If-Match": '"1"'})
    assert same.status_code == 200, same.text
    await create_person(client, world.new_office.id)
    await create_person(client, world.new_office.id)
    assert len((await client.get("/people")).json()["items"]) == 4


async def test_org_structure_down_is_503_for_a_unit_code(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    world.down = True
    assert_problem(
        await client.patch(f"/people/{person['id']}", json={"birth_place": DOSSIER["birth_place"]}, headers={"If-Match": '"1"'}),
        503,
        "upstream_unavailable",
    )
    world.down = False
    assert (await client.get(f"/people/{person['id']}")).json()["birth_place"] is None


# --- family members ----------------------------------------------------------------------

FATHER = {"relation": "father", "full_name": "Nông Văn Bình", "birth_year": 1950, "occupation": "Nông dân"}


async def test_family_members_are_recorded_changed_and_removed_with_etags_and_events(
    client: httpx.AsyncClient, world: World, db_connection: Any
) -> None:
    person = await create_person(client, world.new_office.id)
    created = await client.post(f"/people/{person['id']}/family-members", json=FATHER)
    assert created.status_code == 201, created.text
    father = created.json()
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"family-members/{father['id']}"
    assert {k: father[k] for k in FATHER} == FATHER
    assert (father["person_id"], father["agency_id"], father["commune_code"]) == (
        person["id"],
        person["agency_id"],
        "01010",
    )
    mother = (
        await client.post(f"/people/{person['id']}/family-members", json={"relation": "mother", "full_name": "Hoàng Thị Cúc"})
    ).json()
    listed = (await client.get(f"/people/{person['id']}/family-members")).json()["items"]
    assert sorted(m["full_name"] for m in listed) == ["Hoàng Thị Cúc", "Nông Văn Bình"]

    assert_problem(
        await client.patch(f"/family-members/{father['id']}", json={"occupation": "Hưu trí"}), 428, "if_match_required"
    )
    assert_problem(
        await client.patch(f"/family-members/{father['id']}", json={"occupation": "Hưu trí"}, headers={"If-Match": '"7"'}),
        412,
        "stale_version",
    )
    assert_problem(
        await client.patch(f"/family-members/{father['id']}", json={"full_name": None}, headers={"If-Match": '"1"'}),
        422,
        "field_required",
    )
    next_year = date.today().year + 1
    assert_problem(
        await client.patch(f"/family-members/{father['id']}", json={"birth_year": next_year}, headers={"If-Match": '"1"'}),
        422,
        "birth_year_in_future",
    )
    changed = await client.patch(f"/family-members/{father['id']}", json={"occupation": "Hưu trí"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["occupation"], changed.headers["etag"]) == ("Hưu trí", '"2"')
    assert (await client.get(f"/family-members/{father['id']}")).json() == changed.json()

    assert_problem(await client.delete(f"/family-members/{mother['id']}", headers={"If-Match": '"2"'}), 412, "stale_version")
    removed = await client.delete(f"/family-members/{mother['id']}", headers={"If-Match": '"1"'})
    assert removed.status_code == 204, removed.text
    assert_problem(await client.get(f"/family-members/{mother['id']}"), 404, "family_member_not_found")
    assert [m["id"] for m in (await client.get(f"/people/{person['id']}/family-members")).json()["items"]] == [father["id"]]

    audit = (await client.get("/audit-events", params={"entity_type": "family_member"})).json()["items"]
    assert sorted((e["entity_id"], e["action"]) for e in audit) == sorted(
        [(father["id"], "create"), (mother["id"], "create"), (father["id"], "update"), (mother["id"], "delete")]
    )
    father_events = await _person_events(db_connection, father["id"])
    assert [e["type"] for e in father_events] == [
        "vn.gov.haicap.personnel.family_member.created",
        "vn.gov.haicap.personnel.family_member.updated",
    ]
    assert father_events[1]["data"] == {"record": changed.json(), "changed_fields": ["occupation"]}
    assert father_events[1]["communecode"] == "01010"
    mother_events = await _person_events(db_connection, mother["id"])
    assert mother_events[-1]["type"] == "vn.gov.haicap.personnel.family_member.deleted"
    assert mother_events[-1]["data"]["record"] == mother


async def test_family_members_are_seen_only_by_those_who_see_the_person(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.new_office.id)
    father = (await client.post(f"/people/{person['id']}/family-members", json=FATHER)).json()
    list_path, one_path = f"/people/{person['id']}/family-members", f"/family-members/{father['id']}"

    readers = {
        Role.AUDITOR: test_tokens.headers(Role.AUDITOR),
        Role.SERVICE: test_tokens.headers(Role.SERVICE),
        Role.PROVINCE_OFFICER: test_tokens.headers(Role.PROVINCE_OFFICER, province="04"),
        Role.COMMUNE_OFFICER: test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010"),
    }
    for role, headers in readers.items():
        listed = await client.get(list_path, headers=headers)
        assert listed.status_code == 200, (role, listed.text)
        assert [m["full_name"] for m in listed.json()["items"]] == ["Nông Văn Bình"]
        assert (await client.get(one_path, headers=headers)).json()["birth_year"] == 1950

    viewer = test_tokens.headers(Role.VIEWER, province="04")
    for path in (list_path, one_path):
        refused = assert_problem(await client.get(path, headers=viewer), 403, "role_not_allowed")
        assert "Bình" not in str(refused)
    other_commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01001")
    other_province = test_tokens.headers(Role.PROVINCE_OFFICER, province="06")
    for headers in (other_commune, other_province):
        for path in (list_path, one_path):
            refused = assert_problem(await client.get(path, headers=headers), 403, "outside_area")
            assert "Bình" not in str(refused)
            assert "1950" not in str(refused)
        assert_problem(await client.post(list_path, json=FATHER, headers=headers), 403, "outside_area")
        assert_problem(
            await client.patch(one_path, json={"occupation": "x"}, headers=headers | {"If-Match": '"1"'}), 403, "outside_area"
        )
        assert_problem(await client.delete(one_path, headers=headers | {"If-Match": '"1"'}), 403, "outside_area")
    for role in (Role.AUDITOR, Role.SERVICE):
        assert_problem(await client.post(list_path, json=FATHER, headers=test_tokens.headers(role)), 403, "role_not_allowed")
    commune = readers[Role.COMMUNE_OFFICER]
    assert (await client.post(list_path, json=FATHER | {"relation": "sibling"}, headers=commune)).status_code == 201
    assert len((await client.get(list_path)).json()["items"]) == 2
    assert_problem(await client.get(f"/people/{uuid.uuid4()}/family-members"), 404, "person_not_found")
    assert_problem(await client.get(f"/family-members/{uuid.uuid4()}"), 404, "family_member_not_found")


async def test_family_members_follow_the_person_to_another_agency_and_are_bounded(
    client: httpx.AsyncClient, world: World
) -> None:
    person = await create_person(client, world.new_office.id)
    path = f"/people/{person['id']}/family-members"
    for i in range(50):
        assert (await client.post(path, json={"relation": "child", "full_name": f"Con thứ {i + 1}"})).status_code == 201
    assert_problem(await client.post(path, json=FATHER), 409, "too_many_family_members")
    moved = await client.patch(
        f"/people/{person['id']}", json={"agency_id": str(world.department.id)}, headers={"If-Match": '"1"'}
    )
    assert moved.status_code == 200, moved.text
    members = (await client.get(path, params={"limit": 100})).json()["items"]
    assert len(members) == 50
    assert {(m["agency_id"], m["province_code"], m["commune_code"], m["version"]) for m in members} == {
        (str(world.department.id), "04", None, 2)
    }
    assert_problem(await client.post(path, json=FATHER | {"full_name": "x" * 201}), 422, "validation_error")


# --- imports -------------------------------------------------------------------------------

HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Số định danh", "Đối tượng", "Trình độ chuyên môn", "Mã cơ quan",
          "Dân tộc", "Tôn giáo", "Số hiệu hồ sơ", "Nơi sinh", "Ngày của mã nơi sinh", "Quê quán", "Ngày của mã quê quán",
          "Nơi ở hiện nay", "Mã nơi ở"]  # fmt: skip


def _row(world: World, **changes: str) -> list[str]:
    values = {
        "name": "Hoàng Thị Lan",
        "birth": "12/05/1990",
        "sex": "Nữ",
        "nid": national_id(1990, "female"),
        "category": "Công chức",
        "education": "Đại học",
        "agency": str(world.new_office.id),
        "ethnicity": "Tày",
        "religion": "",
        "record": "",
        "birth_place": "01001",
        "birth_place_as_of": "31/12/2024",
        "home_town": "",
        "home_town_as_of": "",
        "residence": "",
        "residence_code": "",
    } | changes
    return list(values.values())


def _csv(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in [HEADER, *rows]) + "\n").encode()


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


IMPORT_EXPECTED = [
    {"row": 4, "errors": ["ethnicity Kinh Tày is not a name or code of the ethnicity list in force today"]},
    {
        "row": 5,
        "errors": [
            "religion Đạo lạ is not a name or code of the religion list in force today",
            "birth_place_code 0100 is not a unit code (2, 3 or 5 digits)",
        ],
    },
    {
        "row": 6,
        "errors": [
            "birth_place_as_of 31/13/2024 is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
            "home_town_code and home_town_as_of go together (a unit code means a unit only on a date)",
            "residence_code needs residence_address",
        ],
    },
    {"row": 7, "errors": ["record_number may hold only letters, digits and . / _ - (at most 30)"]},
    {"row": 8, "errors": ["a person with this record_number is already recorded"]},
    {"row": 10, "errors": ["record_number appears earlier in the file (row 9)"]},
]


def _import_rows(world: World) -> list[list[str]]:
    return [
        _row(world, record="HS-01"),  # 2: good, a name
        _row(world, ethnicity="07", religion="Phật giáo", home_town="04", home_town_as_of="2025-07-01"),  # 3: good, codes
        _row(world, ethnicity="Kinh Tày"),  # 4
        _row(world, religion="Đạo lạ", birth_place="0100"),  # 5
        _row(world, birth_place_as_of="31/13/2024", home_town="01010", residence_code="01010"),  # 6
        _row(world, record="số 1"),  # 7
        _row(world, record="HS-TAKEN"),  # 8: already recorded
        _row(world, record="HS-02", residence="Tổ 1, Xã Mới", residence_code="01010"),  # 9: good
        _row(world, record="HS-02"),  # 10: repeated
    ]


async def test_imports_take_names_or_codes_and_report_the_same_problems_on_both_databases(
    client: httpx.AsyncClient, world: World
) -> None:
    await create_person(client, world.department.id, record_number="HS-TAKEN")
    refused = assert_problem(
        await client.post("/people/imports", files={"file": ("dossier.csv", _csv(_import_rows(world)))}), 409, "import_rejected"
    )
    assert sorted(refused["report"]["problems"], key=lambda p: p["row"]) == IMPORT_EXPECTED
    assert (refused["report"]["rows"], refused["report"]["rejected"]) == (9, 6)
    assert sorted(refused["report"]["problems"], key=lambda p: p["row"]) == IMPORT_EXPECTED

    written = await client.post(
        "/people/imports", files={"file": ("dossier.xlsx", _xlsx(_import_rows(world)))}, params={"partial": "true"}
    )
    assert written.status_code == 201, written.text
    assert sorted(written.json()["problems"], key=lambda p: p["row"]) == IMPORT_EXPECTED
    assert written.json()["written"] == 3
    people = (await client.get("/people", params={"q": "hoang thi lan"})).json()["items"]
    assert sorted(
        (p["record_number"] or "", p["ethnicity_code"], p["ethnicity_name"], p["religion_code"], p["birth_place"]["as_of"])
        for p in people
    ) == [
        ("", "07", "Nùng", "01", "2024-12-31"),
        ("HS-01", "02", "Tày", None, "2024-12-31"),
        ("HS-02", "02", "Tày", None, "2024-12-31"),
    ]
    by_record = {p["record_number"]: p for p in people}
    assert by_record["HS-02"]["residence"] == {"address": "Tổ 1, Xã Mới", "unit_code": "01010"}
    assert by_record[None]["home_town"] == {"unit_code": "04", "as_of": "2025-07-01"}


# --- the migration -------------------------------------------------------------------------


async def _run(url: str, action: str, revision: str) -> None:
    engine = null_pool_engine(url)
    config = alembic_config(MIGRATIONS, url)

    def run(connection: sa.Connection) -> None:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def _fresh_database(db_backend: str, tmp_path: Path) -> str:
    if db_backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'dossier-migration.db'}"
    return await create_postgres_database("haicap_test_dossier_migration")


TEXT_COLUMNS = ("category", "full_name", "search_key", "sex", "education_level", "political_theory", "state_management",
                "province_code", "agency_level")  # fmt: skip
PERSON_0008 = sa.table(
    "person",
    *(sa.column(name) for name in (*TEXT_COLUMNS, "ethnicity", "national_id")),
    *(sa.column(name, sa.Uuid) for name in ("id", "agency_id", "unit_id")),
    sa.column("birth_date", sa.Date),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.Integer),
)
"""``person`` as revision 0008 has it (its required columns)."""


def _person_0008(person_id: uuid.UUID, ethnicity: str | None) -> dict[str, Any]:
    now = datetime.now(UTC)
    texts = ("civil_servant", "Người Thử", "nguoi thu", "male", "university", "none", "none", "04", "commune")
    return dict(zip(TEXT_COLUMNS, texts, strict=True)) | {
        "ethnicity": ethnicity,
        "national_id": national_id(1980),
        "id": person_id,
        "agency_id": uuid.uuid4(),
        "unit_id": uuid.uuid4(),
        "birth_date": date(1980, 1, 1),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


async def test_migration_0009_maps_ethnicity_names_to_codes_and_reports_the_rest(db_backend: str, tmp_path: Path) -> None:
    url = await _fresh_database(db_backend, tmp_path)
    try:
        await _run(url, "upgrade", "0008")
        texts = {"Tày": 3, "H'Mông": 1, "kinh": 1, "Người Việt gốc Hoa lai": 2, "": 1}
        ids: dict[str, list[uuid.UUID]] = {}
        rows = []
        for text, count in texts.items():
            for _ in range(count):
                person_id = uuid.uuid4()
                ids.setdefault(text, []).append(person_id)
                rows.append(_person_0008(person_id, text))
        rows.append(_person_0008(uuid.uuid4(), None))
        engine = null_pool_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(PERSON_0008.insert(), rows)
            await _run(url, "upgrade", "0009")
            async with engine.connect() as connection:
                codes = {
                    str(r.id): r.ethnicity_code
                    for r in await connection.execute(sa.text("SELECT id, ethnicity_code FROM person"))
                }
                issues = (
                    await connection.execute(
                        sa.text(
                            "SELECT record_type, record_id, field, original_value, list_name, province_code "
                            "FROM code_mapping_issue ORDER BY record_id"
                        )
                    )
                ).all()
                columns = {c["name"] for c in await connection.run_sync(lambda c: sa.inspect(c).get_columns("person"))}
            assert "ethnicity" not in columns
            assert {"ethnicity_code", "religion_code", "record_number"} <= columns

            def code_of(person_id: uuid.UUID) -> str | None:
                return codes[str(person_id) if db_backend == "postgresql" else person_id.hex]

            assert [code_of(i) for i in ids["Tày"]] == ["02", "02", "02"]
            assert [code_of(i) for i in ids["H'Mông"] + ids["kinh"]] == ["08", "01"]
            assert [code_of(i) for i in ids["Người Việt gốc Hoa lai"] + ids[""]] == [None, None, None]
            unmapped = sorted(str(i) for i in ids["Người Việt gốc Hoa lai"])
            assert [tuple(r) for r in issues] == [
                ("person", person_id, "ethnicity", "Người Việt gốc Hoa lai", "ethnicity", "04") for person_id in unmapped
            ]

            await _run(url, "downgrade", "0008")
            async with engine.connect() as connection:
                back = (await connection.execute(sa.text("SELECT ethnicity, count(*) FROM person GROUP BY ethnicity"))).all()
                left = (await connection.execute(sa.text("SELECT count(*) FROM code_mapping_issue"))).scalar_one()
            assert sorted((r[0] or "", r[1]) for r in back) == sorted(
                [("Tày", 3), ("HMông", 1), ("Kinh", 1), ("Người Việt gốc Hoa lai", 2), ("", 2)]
            )
            assert left == 0
        finally:
            await engine.dispose()
    finally:
        if db_backend == "postgresql":
            await drop_postgres_database(url)
