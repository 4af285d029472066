"""One file with every kind of bad cell, and the same report on both databases.

On PostgreSQL a CSV goes through COPY and its rows are checked in SQL; on SQLite (and for an
XLSX, or a CSV COPY refuses) they are checked in Python. Each test here runs on both, so the
problems, their wording and order, and the row numbers are the same whichever path read them.
"""

import io

import httpx

from haicap_assets.register import importer, repository
from haicap_shared.testing import assert_problem

from .fake_org import SCHOOL, FakeOrg

HEADER = (
    "Mã tài sản,Tên tài sản,Loại tài sản,Mã tỉnh,Mã xã,Diện tích đất,Diện tích sàn,Năm xây dựng,Hiện trạng,"
    "Giấy chứng nhận,Biển số,Số chỗ,Năm sản xuất,Nguyên giá,Giá trị còn lại,Tình trạng,Mã đơn vị sử dụng,"
    "Mã cơ quan sử dụng,Mục đích,Từ ngày,Số quyết định,Địa chỉ"
)
ROWS = [
    # 2: good premises, Vietnamese labels, a DD/MM/YYYY date, the province code without its zero
    "NĐ-01,Trụ sở cũ,nhà đất,4,1304,900,120,2001,good,GCN 1,,,,2 000 000,1000000,,01304,,office,01/07/2025,QĐ 1,Số 1",
    # 3: the same code again
    "NĐ-01,Trùng,premises,04,01304,90,,,,,,,,1,1,,01304,,office,2025-07-01,,",
    # 4: nearly everything wrong, one problem each, in the order of the form
    ",x,castle,4a,123456,abc,1_0x,19.9,,,,,,-5,-0.5,disposed,,,nope,31/02/2025,,",
    # 5: a car: plate of another province, then one without a plate, then a plate that is none
    "XE-01,Xe công tác,ô tô,04,01304,,,,,,29A-123.45,7,2020,800,400,,01304,,general_work_car,2025-07-01,,",
    "XE-02,Xe công tác,car,04,01304,,,,,,,7,2020,800,400,,01304,,general_work_car,2025-07-01,,",
    "XE-03,Xe công tác,car,04,01304,,,,,,'11A,7,2020,800,400,,01304,,general_work_car,2025-07-01,,",
    # 8: premises with a plate, equipment with a land area, residual above original
    "NĐ-02,Đất,premises,04,01304,12,,,,,11A-111.11,,,800,400,,01304,,office,2025-07-01,,",
    "TB-01,Máy,thiết bị,04,01304,12,,,,,,,,800,400,,01304,,office,2025-07-01,,",
    "TB-02,Máy,equipment,04,01304,,,,,,,,,800,900,,01304,,office,2025-07-01,,",
    # 11: holders: both given, neither, an id that is none, a code that is none, a unit org-structure lacks
    f"NĐ-03,Nhà,premises,04,01304,1,,,,,,,,1,1,,01304,{SCHOOL.id},office,2025-07-01,,",
    "NĐ-04,Nhà,premises,04,01304,1,,,,,,,,1,1,,,,office,2025-07-01,,",
    "NĐ-05,Nhà,premises,04,01304,1,,,,,,,,1,1,,,not-an-id,office,2025-07-01,,",
    "NĐ-06,Nhà,premises,04,01304,1,,,,,,,,1,1,,ABC,,office,2025-07-01,,",
    "NĐ-07,Nhà,premises,04,09999,1,,,,,,,,1,1,,09999,,office,2025-07-01,,",
    # 16: a former commune after it ended, a commune of another province, a date out of range
    "NĐ-08,Nhà,premises,04,01288,1,,,,,,,,1,1,,01288,,office,2025-07-02,,",
    "NĐ-09,Nhà,premises,08,01304,1,,,,,,,,1,1,,01304,,office,2025-07-01,,",
    "NĐ-10,Nhà,premises,04,01304,1,,,,,,,,1,1,,01304,,office,2200-01-01,,",
    # 19: an empty row (skipped, its number used), then good rows: a car with a plate in words, quotes in a name
    ",,,,,,,,,,,,,,,,,,,,,",
    'XE-04,"Xe ""7 chỗ"" của O\'Brien",car,04,01304,,,,,,"11 a 123 45",,,,,,01304,,general work car,,,',
    f"TB-03,Máy  phát   điện,Thiết bị,04,01304,,,,,,,,,1e3,10,surplus,,{SCHOOL.id},Education,2025-07-01,,Đường Lê Lợi",
]


def _csv() -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("assets.csv", "\n".join([HEADER, *ROWS]).encode(), "text/csv")}


async def test_every_bad_cell_is_reported_alike(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    body = assert_problem(await client.post("/assets/imports", files=_csv()), 409, "import_rejected")
    report = body["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (19, 3, 16, 0)
    neither = "holder: give holder_code (a unit's code) or holder_agency_id, one of them"
    assert {p["row"]: p["errors"] for p in report["problems"]} == {
        3: ["code NĐ-01 appears on an earlier row of the file"],
        4: [
            "code is missing (or longer than 50)",
            "name is missing (or longer than 300)",
            "province_code '4a' is not 2 digits",
            "commune_code '123456' is not 5 digits",
            "kind 'castle' is not one of: premises, car, equipment",
            "land_area_m2 'abc' is not a number",
            "floor_area_m2 '1_0x' is not a number",
            "year_built is out of range (from 1,800 up to 2,100)",
            "original_value is negative",
            "status of an imported asset is in_use or surplus",
            neither,
        ],
        5: ["plates of province 04 start with 11, not 29"],
        6: ["a car needs its plate"],
        7: ['"\'11A" is not a car plate like 11A-123.45 (two digits, one or two letters, 4 or 5 digits)'],
        8: ["plate, seats, model_year describe cars only"],
        9: ["land_area_m2, floor_area_m2, year_built, condition, land_use_certificate describe premises only"],
        10: ["residual_value exceeds original_value"],
        11: [neither],
        12: [neither],
        13: ["holder: badly formed hexadecimal UUID string"],
        14: ["holder: 1 validation error for HolderRef"],
        15: [
            "org-structure has no unit with code 09999 on 2025-07-01",
            "commune_code 09999: org-structure has no commune 09999 on 2025-07-01",
        ],
        16: [
            "org-structure has no unit with code 01288 on 2025-07-02",
            "commune_code 01288: org-structure has no commune 01288 on 2025-07-02",
        ],
        17: ["commune_code 01304 is not a commune of province 08 on 2025-07-01"],
        18: ["2200-01-01 is outside 1900-01-01 to 2100-12-31"],
    }
    assert (await client.get("/assets")).json()["items"] == []


async def test_the_good_rows_are_written_as_read(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    response = await client.post("/assets/imports", files=_csv(), params={"partial": "true"})
    assert response.status_code == 201, response.text
    assert (response.json()["written"], response.json()["rejected"]) == (3, 16)
    assets = {a["code"]: a for a in (await client.get("/assets", params={"limit": 10})).json()["items"]}
    assert sorted(assets) == ["NĐ-01", "TB-03", "XE-04"]
    premises, car, machine = assets["NĐ-01"], assets["XE-04"], assets["TB-03"]
    assert (premises["province_code"], premises["commune_code"], premises["address"]) == ("04", "01304", "Số 1")
    assert (premises["land_area_m2"], premises["floor_area_m2"], premises["year_built"], premises["condition"]) == (
        900.0,
        120.0,
        2001,
        "good",
    )
    assert (premises["original_value"], premises["residual_value"], premises["status"]) == (2_000_000, 1_000_000, "in_use")
    assert (car["name"], car["plate"], car["holder_name"]) == ('Xe "7 chỗ" của O\'Brien', "11A-123.45", "Xã Quảng Lâm")
    assert (machine["name"], machine["original_value"], machine["status"]) == ("Máy  phát   điện", 1000, "surplus")
    assert (machine["holder_kind"], machine["holder_name"]) == ("agency", SCHOOL.name)
    # NOTE: the search key is written as the API's own (diacritics folded, spaces collapsed).
    found = (await client.get("/assets", params={"q": "may phat dien duong le loi"})).json()["items"]
    assert [a["code"] for a in found] == ["TB-03"]
    history = (await client.get(f"/assets/{car['id']}/history")).json()
    # NOTE: no date: the allocation starts on the day of the import.
    assert [(e["kind"], e["status"]) for e in history["events"]] == [("registered", "in_use")]
    assert [(a["purpose"], a["decision_number"]) for a in history["allocations"]] == [("general_work_car", None)]
    allocations = (await client.get(f"/assets/{premises['id']}/history")).json()["allocations"]
    assert [(a["valid_from"], a["decision_number"]) for a in allocations] == [("2025-07-01", "QĐ 1")]


def _machine(code: str, name: str = "Máy", original: str = "800", residual: str = "400", status: str = "") -> str:
    return f"{code},{name},equipment,04,01304,,,,,,,,,{original},{residual},{status},01304,,office,2025-07-01,,"


def _file(*rows: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("assets.csv", "\n".join([HEADER, *rows]).encode(), "text/csv")}


async def _written(client: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    return {a["code"]: a for a in (await client.get("/assets", params={"limit": 20})).json()["items"]}


async def test_a_quote_inside_a_cell_is_read_as_written(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    # NOTE: not valid CSV, but what a hand-made file holds: Python's csv keeps such quotes as they
    # stand, PostgreSQL's would read them as quoting; the file is read as Python reads it on both.
    rows = [
        _machine("TB-10", 'Máy "Honda" mới'),
        _machine("TB-11", '"Máy"phát'),
        _machine("TB-12", '"Máy, ""cũ"""'),
    ]
    response = await client.post("/assets/imports", files=_file(*rows))
    assert response.status_code == 201, response.text
    assert {code: a["name"] for code, a in (await _written(client)).items()} == {
        "TB-10": 'Máy "Honda" mới',
        "TB-11": "Máyphát",
        "TB-12": 'Máy, "cũ"',
    }


def test_quotes_read_alike_by_both_parsers() -> None:
    agree = [b"a,b\n", b'"a,b","c""d"\r\n"e\nf",g', b'"a"\n', b'"",x\n', b"a,'b'\n"]
    differ = [b'a "b" c,d\n', b'"a"b,c\n', b'x, "a",b\n', b'"a\n', b'a,"b"c\n', b'a 5",b\n', b"a\n\\.\nb\n", b"\\.\n"]
    assert [importer.quotes_read_alike(io.BytesIO(raw)) for raw in agree] == [True] * len(agree)
    assert [importer.quotes_read_alike(io.BytesIO(raw)) for raw in differ] == [False] * len(differ)
    # NOTE: a quoted cell split across the reads of a large file.
    large = b"a,b\n" * (importer.COPY_CHUNK // 4 - 1) + b'"x\n' + b"y,z\n" * 1000 + b'",w\n'
    assert importer.quotes_read_alike(io.BytesIO(large)) is True
    assert importer.quotes_read_alike(io.BytesIO(large + b'q"\n')) is False


async def test_a_number_is_ascii_digits_alike(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    # NOTE: Python's float() reads '1_000', other scripts' digits, 'inf' and 'nan' (and '1e400',
    # whose int overflowed); a spreadsheet writes none of them, so both paths refuse them.
    refused = ["1_000", "\u0661\u0660\u0660\u0660", "1e400", "inf", "nan", "1.000.5", "0x10", "\uff11\uff12"]
    rows = [_machine(f"TB-{i}", original=value, residual="") for i, value in enumerate(refused, start=20)]
    rows += [_machine("TB-30", original="1 000", residual="1e2"), _machine("TB-31", original="+12.9", residual=".5")]
    response = await client.post("/assets/imports", files=_file(*rows), params={"partial": "true"})
    assert response.status_code == 201, response.text
    problems = {p["row"]: p["errors"] for p in response.json()["problems"]}
    assert problems == {i: [f"original_value {value!r} is not a number"] for i, value in enumerate(refused, start=2)}
    written = await _written(client)
    assert {code: (a["original_value"], a["residual_value"]) for code, a in written.items()} == {
        "TB-30": (1000, 100),
        "TB-31": (12, 0),
    }


async def test_a_number_outside_what_the_form_takes_is_refused_alike(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    # NOTE: the API's bounds (a year 1800-2100, 1-100 seats, an area above 0 up to 1e9 m², money up
    # to 1e15 đồng); a year of 1e50 reached the database before, which could not hold it (a 500).
    rows = [
        "NĐ-20,Nhà,premises,04,01304,0,1e10,1e50,,,,,,1e16,1,,01304,,office,2025-07-01,,",
        "NĐ-21,Nhà,premises,04,01304,1000000000,1,2100,,,,,,1000000000000000,1,,01304,,office,2025-07-01,,",
        "XE-20,Xe,car,04,01304,,,,,,11A-123.45,0,1799,800,400,,01304,,general_work_car,2025-07-01,,",
        "XE-21,Xe,car,04,01304,,,,,,11A-123.46,101,2020,800,400,,01304,,general_work_car,2025-07-01,,",
    ]
    response = await client.post("/assets/imports", files=_file(*rows), params={"partial": "true"})
    assert response.status_code == 201, response.text
    problems = {p["row"]: p["errors"] for p in response.json()["problems"]}
    assert problems == {
        2: [
            "land_area_m2 is out of range (above 0 up to 1,000,000,000)",
            "floor_area_m2 is out of range (above 0 up to 1,000,000,000)",
            "year_built is out of range (from 1,800 up to 2,100)",
            "original_value is out of range (from 0 up to 1,000,000,000,000,000)",
        ],
        4: ["seats is out of range (from 1 up to 100)", "model_year is out of range (from 1,800 up to 2,100)"],
        5: ["seats is out of range (from 1 up to 100)"],
    }
    written = await _written(client)
    assert set(written) == {"NĐ-21"}
    assert (written["NĐ-21"]["land_area_m2"], written["NĐ-21"]["year_built"]) == (1e9, 2100)


async def test_cells_are_trimmed_of_unicode_spaces_alike(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    spaces = "".join(repository.CELL_SPACE)
    assert spaces == "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())
    rows = [
        "\xa0TB-40\u3000,\u2009Máy phát\xa0,\xa0equipment\xa0,\xa004\xa0,\u200301304\x85,,,,,,,,,\xa0800\xa0,400,"
        "\xa0surplus\u2028,\xa001304\xa0,,\u202foffice\xa0,\xa02025-07-01\xa0,\xa0QĐ 9\xa0,\xa0Số 9\xa0",
        _machine("\xa0\u3000", "\xa0Máy\xa0"),
        _machine("TB-41", "\xa0M\xa0"),
    ]
    response = await client.post("/assets/imports", files=_file(*rows), params={"partial": "true"})
    assert response.status_code == 201, response.text
    assert {p["row"]: p["errors"] for p in response.json()["problems"]} == {
        3: ["code is missing (or longer than 50)"],
        4: ["name is missing (or longer than 300)"],
    }
    machine = (await _written(client))["TB-40"]
    assert (machine["name"], machine["province_code"], machine["commune_code"], machine["address"]) == (
        "Máy phát",
        "04",
        "01304",
        "Số 9",
    )
    assert (machine["original_value"], machine["status"], machine["holder_name"]) == (800, "surplus", "Xã Quảng Lâm")
    history = (await client.get(f"/assets/{machine['id']}/history")).json()
    assert [(a["purpose"], a["valid_from"], a["decision_number"]) for a in history["allocations"]] == [
        ("office", "2025-07-01", "QĐ 9")
    ]


async def test_plates_and_search_keys_read_alike(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    # NOTE: a no-break space inside a plate and a name, and a name whose letters and marks are apart (NFD, as a Mac saves).
    car = "XE-50,Xe\xa0công\u3000tác,car,04,01304,,,,,,11A\xa0123.45,7,2020,800,400,,01304,,general_work_car,2025-07-01,,"
    machine = _machine("TB-50", "Ma\u0301y  pha\u0301t\tđiê\u0323n")
    # NOTE: capital letters with their marks, folded as the small ones are.
    lamp = _machine("TB-51", "ĐÈN CHIẾU SÁNG Ủy ban ẤP")
    response = await client.post("/assets/imports", files=_file(car, machine, lamp))
    assert response.status_code == 201, response.text
    written = await _written(client)
    assert written["XE-50"]["plate"] == "11A-123.45"
    for q, code in (("xe cong tac", "XE-50"), ("may phat dien", "TB-50"), ("den chieu sang uy ban ap", "TB-51")):
        found = (await client.get("/assets", params={"q": q})).json()["items"]
        assert [a["code"] for a in found] == [code]
