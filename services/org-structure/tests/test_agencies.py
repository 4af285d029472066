"""Agencies: the rules of where they sit, the standard commune organisations, areas, imports."""

import io

import httpx
from openpyxl import Workbook

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

PROVINCIAL = [
    "Văn phòng Ủy ban nhân dân tỉnh Cao Bằng",
    "Sở Nội vụ tỉnh Cao Bằng",
    "Sở Tư pháp tỉnh Cao Bằng",
]


async def _unit(client: httpx.AsyncClient, code: str, as_of: str = "2026-01-01") -> dict:
    response = await client.get(f"/units/by-code/{code}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()


async def _agencies(client: httpx.AsyncClient, **params: object) -> list[dict]:
    response = await client.get("/agencies", params={"limit": 500} | params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_record_a_provincial_department(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04")
    response = await client.post(
        "/agencies", json={"name": "Sở Nội vụ tỉnh Cao Bằng", "kind": "provincial_department", "unit_id": province["id"]}
    )
    assert response.status_code == 201, response.text
    agency = response.json()
    assert (agency["level"], agency["province_code"], agency["commune_code"], agency["requires_decision"]) == (
        "province",
        "04",
        None,
        True,
    )
    assert response.headers["etag"] == '"1"'
    assert [a["name"] for a in await _agencies(client, q="so noi vu")] == ["Sở Nội vụ tỉnh Cao Bằng"]
    events = (await client.get("/audit-events", params={"entity_id": agency["id"]})).json()["items"]
    assert [e["action"] for e in events] == ["create"]


async def test_where_an_agency_may_sit(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04")
    quang_lam = await _unit(client, "01304")
    thuc_phan = await _unit(client, "01273")
    hoa_an = (await client.get("/units", params={"q": "hoa an", "level": "district"})).json()["items"][0]
    before = await _agencies(client)
    cases = [
        ({"name": "Sở X", "kind": "provincial_department", "unit_id": quang_lam["id"]}, "kind_not_at_level"),
        (
            {"name": "Phòng Kinh tế phường Thục Phán", "kind": "commune_economic_office", "unit_id": thuc_phan["id"]},
            "economic_office_variant",
        ),
        (
            {"name": "Phòng KT-HT-ĐT xã Quảng Lâm", "kind": "commune_economic_urban_office", "unit_id": quang_lam["id"]},
            "economic_office_variant",
        ),
        (
            {"name": "Phòng Nội vụ huyện Hòa An", "kind": "district_office", "unit_id": hoa_an["id"], "valid_to": "2025-12-31"},
            "outside_unit_validity",
        ),
        (
            {"name": "Văn phòng xã", "kind": "commune_office", "unit_id": quang_lam["id"], "valid_from": "2025-01-01"},
            "outside_unit_validity",
        ),
        ({"name": "Sở Y", "kind": "provincial_department", "unit_id": "00000000-0000-0000-0000-000000000001"}, "unit_not_found"),
        (
            {
                "name": "Sở Z",
                "kind": "provincial_department",
                "unit_id": province["id"],
                "parent_id": "00000000-0000-0000-0000-000000000002",
            },
            "parent_agency_invalid",
        ),
    ]
    for payload, code in cases:
        assert_problem(await client.post("/agencies", json=payload), 409, code)
    assert await _agencies(client) == before
    # A district office lives as long as its district: until 2025-06-30.
    office = await client.post(
        "/agencies", json={"name": "Phòng Nội vụ huyện Hòa An", "kind": "district_office", "unit_id": hoa_an["id"]}
    )
    assert office.status_code == 201
    assert office.json()["valid_to"] == "2025-06-30"


async def test_a_unit_cannot_end_before_its_agencies(client: httpx.AsyncClient, cao_bang) -> None:
    quang_lam = await _unit(client, "01304")
    await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"})
    body = assert_problem(
        await client.patch(f"/units/{quang_lam['id']}", json={"valid_to": "2026-06-30"}, headers={"If-Match": '"1"'}),
        409,
        "agencies_outside_validity",
    )
    assert "Quảng Lâm" in body["detail"]
    assert_problem(await client.delete(f"/units/{quang_lam['id']}", headers={"If-Match": '"1"'}), 409, "unit_in_use")


async def test_standard_organisations_of_every_commune(client: httpx.AsyncClient, cao_bang) -> None:
    first = await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"})
    assert first.status_code == 200, first.text
    assert first.json() == {"communes": 56, "created": 224, "already_present": 0}
    again = (await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"})).json()
    assert again == {"communes": 56, "created": 0, "already_present": 224}

    quang_lam = await _agencies(client, commune="01304")
    assert sorted(a["name"] for a in quang_lam) == [
        "Phòng Kinh tế xã Quảng Lâm",
        "Phòng Văn hóa - Xã hội xã Quảng Lâm",
        "Trung tâm Phục vụ hành chính công xã Quảng Lâm",
        "Văn phòng HĐND và UBND xã Quảng Lâm",
    ]
    assert {a["valid_from"] for a in quang_lam} == {"2025-07-01"}
    urban = await _agencies(client, kind="commune_economic_urban_office")
    assert sorted(a["commune_code"] for a in urban) == ["01273", "01279", "01288"]
    assert len(await _agencies(client, kind="commune_economic_office")) == 53
    # Before the reform the communes were others: nothing is in force on 2025-06-30.
    assert await _agencies(client, level="commune", as_of="2025-06-30") == []


async def test_areas(client: httpx.AsyncClient, test_tokens: TestTokens, cao_bang) -> None:
    await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"})
    quang_lam_officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304")
    seen = (await client.get("/agencies", params={"limit": 500}, headers=quang_lam_officer)).json()["items"]
    assert len(seen) == 4
    assert {a["commune_code"] for a in seen} == {"01304"}
    other = (await _agencies(client, commune="01273"))[0]
    assert_problem(await client.get(f"/agencies/{other['id']}", headers=quang_lam_officer), 403, "outside_area")
    thuc_phan = await _unit(client, "01273")
    assert_problem(
        await client.post(
            "/agencies",
            json={"name": "Tổ X", "kind": "public_service_unit", "unit_id": thuc_phan["id"]},
            headers=quang_lam_officer,
        ),
        403,
        "outside_area",
    )
    own = await _unit(client, "01304")
    created = await client.post(
        "/agencies",
        json={"name": "Trạm Y tế xã Quảng Lâm", "kind": "public_service_unit", "unit_id": own["id"]},
        headers=quang_lam_officer,
    )
    assert created.status_code == 201
    elsewhere = test_tokens.headers(Role.PROVINCE_OFFICER, province="08")
    assert_problem(
        await client.post("/agencies/standard-setup", json={"province": "04", "as_of": "2025-07-01"}, headers=elsewhere),
        403,
        "outside_area",
    )
    assert (await client.get("/agencies", headers=elsewhere)).json()["items"] == []
    agency_officer = test_tokens.headers(Role.AGENCY_OFFICER, province="04", agency=created.json()["id"])
    assert [a["name"] for a in (await client.get("/agencies", headers=agency_officer)).json()["items"]] == [
        "Trạm Y tế xã Quảng Lâm"
    ]


async def test_decisions_and_their_progress(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04")
    agencies = []
    for name in PROVINCIAL:
        agencies.append(
            (
                await client.post("/agencies", json={"name": name, "kind": "provincial_department", "unit_id": province["id"]})
            ).json()
        )
    drafts = []
    for agency in agencies[:2]:
        response = await client.post(
            "/function-decisions",
            json={"agency_id": agency["id"], "number": f"{len(drafts) + 1}/QĐ-UBND", "issuer": "UBND tỉnh Cao Bằng"},
        )
        assert response.status_code == 201
        drafts.append(response.json())
    issue = {"issued_on": "2025-07-15"}
    assert_problem(await client.post(f"/function-decisions/{drafts[0]['id']}/issue", json=issue), 428, "if_match_required")
    issued = await client.post(f"/function-decisions/{drafts[0]['id']}/issue", json=issue, headers={"If-Match": '"1"'})
    assert issued.status_code == 200, issued.text
    assert (issued.json()["status"], issued.json()["signed_on"]) == ("issued", "2025-07-15")
    assert_problem(
        await client.post(f"/function-decisions/{drafts[0]['id']}/issue", json=issue, headers={"If-Match": '"2"'}),
        409,
        "decision_not_draft",
    )
    await client.post(
        f"/function-decisions/{drafts[1]['id']}/issue", json={"issued_on": "2025-08-01"}, headers={"If-Match": '"1"'}
    )

    async def progress(as_of: str) -> dict:
        return (await client.get("/function-decisions/progress", params={"as_of": as_of, "province": "04"})).json()

    assert (await progress("2025-07-01"))["by_level"]["province"] == {"required": 3, "issued": 0}
    assert (await progress("2025-07-20"))["by_level"]["province"] == {"required": 3, "issued": 1}
    later = await progress("2025-09-01")
    assert later["by_level"]["province"] == {"required": 3, "issued": 2}
    assert [(a["id"], a["name"]) for a in later["missing"]] == [(agencies[2]["id"], agencies[2]["name"])]

    # A new decision supersedes the one in force, and the count stays right on every date.
    replacement = (
        await client.post(
            "/function-decisions", json={"agency_id": agencies[0]["id"], "number": "9/QĐ-UBND", "issuer": "UBND tỉnh Cao Bằng"}
        )
    ).json()
    await client.post(
        f"/function-decisions/{replacement['id']}/issue", json={"issued_on": "2026-01-10"}, headers={"If-Match": '"1"'}
    )
    first = (await client.get(f"/function-decisions/{drafts[0]['id']}")).json()
    assert (first["status"], first["superseded_on"]) == ("superseded", "2026-01-10")
    assert (await progress("2025-12-31"))["by_level"]["province"] == {"required": 3, "issued": 2}
    assert (await progress("2026-02-01"))["by_level"]["province"] == {"required": 3, "issued": 2}
    listed = (await client.get("/function-decisions", params={"agency_id": agencies[0]["id"]})).json()["items"]
    assert sorted(d["status"] for d in listed) == ["issued", "superseded"]


def _csv(rows: list[str]) -> bytes:
    return ("Tên cơ quan,Loại,Mã đơn vị hành chính,Từ ngày\n" + "\n".join(rows) + "\n").encode()


async def test_import_agencies_from_csv(client: httpx.AsyncClient, cao_bang) -> None:
    good = [
        "Sở Y tế tỉnh Cao Bằng,provincial_department,04,",
        "Trạm Y tế xã Quảng Lâm,Đơn vị sự nghiệp công lập,01304,01/07/2025",
    ]
    bad = [
        "Sở X,provincial_department,99,",
        "Phòng Y,Phòng Kinh tế,01273,2025-07-01",
        "Trạm Z,public_service_unit,01304,2025-02-30",
    ]
    rejected = await client.post("/agencies/imports", files={"file": ("agencies.csv", _csv(good + bad), "text/csv")})
    body = assert_problem(rejected, 409, "import_rejected")
    report = body["report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["written"]) == (5, 2, 3, 0)
    assert [p["row"] for p in report["problems"]] == [4, 5, 6]
    assert "99" in report["problems"][0]["errors"][0]
    assert await _agencies(client) == []

    partial = await client.post(
        "/agencies/imports", params={"partial": "true"}, files={"file": ("agencies.csv", _csv(good + bad), "text/csv")}
    )
    assert partial.status_code == 201, partial.text
    assert partial.json()["written"] == 2
    assert sorted(a["name"] for a in await _agencies(client)) == ["Sở Y tế tỉnh Cao Bằng", "Trạm Y tế xã Quảng Lâm"]


async def test_import_agencies_from_xlsx(client: httpx.AsyncClient, cao_bang) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["TÊN CƠ QUAN", "loai", "Mã ĐVHC"])
    sheet.append(["Sở Giáo dục và Đào tạo tỉnh Cao Bằng", "Sở và tương đương", "04"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = await client.post("/agencies/imports", files={"file": ("agencies.xlsx", buffer.getvalue(), xlsx)})
    assert response.status_code == 201, response.text
    assert response.json()["written"] == 1
    assert [a["kind"] for a in await _agencies(client)] == ["provincial_department"]
    assert_problem(
        await client.post("/agencies/imports", files={"file": ("agencies.pdf", b"%PDF", "application/pdf")}),
        422,
        "unreadable_file",
    )
