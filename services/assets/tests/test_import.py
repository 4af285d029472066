"""Bulk import from CSV and XLSX: every row checked, a per-row report, nothing written unless all pass or partial."""

import io

import httpx
from openpyxl import Workbook

from haicap_shared.testing import assert_problem

from .fake_org import FORMER, SCHOOL, FakeOrg
from .helpers import create_asset

COLUMNS = ["Mã tài sản", "Tên tài sản", "Loại tài sản", "Mã tỉnh", "Mã xã", "Diện tích đất", "Biển số", "Số chỗ"]
COLUMNS += ["Nguyên giá", "Giá trị còn lại", "Mã đơn vị sử dụng", "Mã cơ quan sử dụng", "Mục đích", "Từ ngày"]
HEADER = ",".join(COLUMNS)
GOOD = [
    "NĐ-01,Trụ sở xã Lý Bôn (cũ),nhà đất,04,01288,900,,,2000000000,800000000,01288,,office,01/01/2015",
    "NĐ-02,Trạm y tế cũ,premises,04,01291,500,,,1000000000,300000000,01291,,public_service_facility,2015-01-01",
    "XE-01,Xe ô tô công tác,ô tô,04,01294,,11a12345,7,800000000,400000000,01294,,general_work_car,2019-05-01",
    f"TB-01,Máy phát điện,thiết bị,04,01304,,,,50000000,10000000,,{SCHOOL.id},education,2025-07-01",
]


def _csv(*rows: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("assets.csv", "\n".join([HEADER, *rows]).encode(), "text/csv")}


async def test_import_a_clean_csv(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    response = await client.post("/assets/imports", files=_csv(*GOOD))
    assert response.status_code == 201, response.text
    assert response.json() | {"problems": []} == {
        "rows": 4,
        "accepted": 4,
        "rejected": 0,
        "written": 4,
        "partial": False,
        "problems": [],
    }
    assets = {a["code"]: a for a in (await client.get("/assets", params={"limit": 10})).json()["items"]}
    assert (assets["XE-01"]["plate"], assets["XE-01"]["holder_name"]) == ("11A-123.45", FORMER[2].name)
    assert (assets["TB-01"]["holder_kind"], assets["TB-01"]["holder_name"]) == ("agency", SCHOOL.name)
    history = (await client.get(f"/assets/{assets['NĐ-01']['id']}/history")).json()
    assert [(e["kind"], e["event_date"]) for e in history["events"]] == [("registered", "2015-01-01")]
    assert [a["holder_name"] for a in history["allocations"]] == ["Xã Lý Bôn"]
    # NOTE: holders and locations are resolved once each, not once per row (a location that
    # is the row's holder too is the same call): three communes, the school, and 01304.
    assert fake_org.calls == 5
    events = (await client.get("/audit-events", params={"entity_type": "asset_import"})).json()["items"]
    assert [e["after"]["written"] for e in events] == [4]


async def test_bad_rows_are_reported_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    await create_asset(client, code="NĐ-99")
    bad = [
        *GOOD,
        "NĐ-01,Trùng mã trong tệp,premises,04,01288,900,,,1,1,01288,,office,2015-01-01",
        "NĐ-99,Đã có,premises,04,01304,10,,,1,1,01304,,office,2025-07-01",
        "XE-02,Xe biển tỉnh khác,car,04,01304,,29A-123.45,7,1,1,01304,,general_work_car,2025-07-01",
        "XE-03,Xe đơn vị không có,car,04,01304,,11A-222.22,7,1,1,09999,,general_work_car,2025-07-01",
        "NĐ-03,Sai loại,castle,04,01304,10,,,1,1,01304,,office,2025-07-01",
        "NĐ-04,Đơn vị chưa thành lập,premises,04,01304,10,,,1,1,,xx,office,2025-07-01",
        "NĐ-05,Giá trị âm,premises,04,01304,10,,,-5,1,01304,,office,2025-07-01",
    ]
    body = assert_problem(await client.post("/assets/imports", files=_csv(*bad)), 409, "import_rejected")
    report = body["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (11, 4, 7, 0)
    problems = {p["row"]: " ".join(p["errors"]) for p in report["problems"]}
    assert sorted(problems) == [6, 7, 8, 9, 10, 11, 12]
    assert "earlier row" in problems[6]
    assert "already recorded" in problems[7]
    assert "start with 11" in problems[8]
    assert "no unit with code 09999" in problems[9]
    assert "castle" in problems[10]
    assert "holder" in problems[11]
    assert "negative" in problems[12]
    assert [a["code"] for a in (await client.get("/assets")).json()["items"]] == ["NĐ-99"]

    response = await client.post("/assets/imports", files=_csv(*bad), params={"partial": "true"})
    assert response.status_code == 201, response.text
    assert (response.json()["written"], response.json()["rejected"]) == (4, 7)
    assert len((await client.get("/assets")).json()["items"]) == 5


async def test_import_xlsx_and_org_down(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for line in GOOD[:2]:
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx = {"file": ("assets.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    fake_org.down = True
    assert (
        assert_problem(await client.post("/assets/imports", files=xlsx), 503, "upstream_unavailable")["service"]
        == "org-structure"
    )
    fake_org.down = False
    response = await client.post("/assets/imports", files=xlsx)
    assert response.status_code == 201, response.text
    assert response.json()["written"] == 2
    unreadable = {"file": ("assets.pdf", b"%PDF", "application/pdf")}
    assert_problem(await client.post("/assets/imports", files=unreadable), 422, "unreadable_file")
