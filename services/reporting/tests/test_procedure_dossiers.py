"""Procedure dossiers in the province summary and the commune profile, and the procedures communes took over from districts.

Every expected figure is computed from the rows the fakes serve (``dossier_fakes``), so a row
added to a fake moves the figures a user would check, and nothing else.
"""

import csv
import io
from typing import Any

import httpx
from fastapi import FastAPI
from openpyxl import load_workbook

from haicap_reporting.cache import EVERYTHING

from .dossier_fakes import (
    AS_OF,
    COMMUNE_NAMES,
    HANDLED_BY_COMMUNES,
    HANDLED_BY_QUANG_LAM,
    POSITIONS,
    PROVINCE,
    QUANG_LAM,
    assets_rows,
    dossier_row,
    fake_dossiers,
    personnel_rows,
    stats_body,
)
from .test_report_schemas import ROUTES, _assert_declared, _spec
from .test_reports import fake_quang_lam, org  # noqa: F401 - org: the fake sources, as a fixture

COUNTS = ("received", "finished", "finished_on_time", "finished_late", "open", "open_overdue", "supplement_requested")
SECTION = "Hồ sơ thủ tục hành chính"


def expected_counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the reports should say for ``rows``: each count added up, and the share finished on time."""
    sums = {name: sum(r[name] for r in rows) for name in COUNTS}
    share = round(sums["finished_on_time"] / sums["finished"], 4) if sums["finished"] else None
    return sums | {"on_time_share": share}


def every_row() -> list[dict[str, Any]]:
    return personnel_rows() + assets_rows()


async def _summary(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    response = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": AS_OF, **params})
    assert response.status_code == 200, response.text
    return response


async def test_the_summary_adds_up_personnel_and_assets_dossiers_by_procedure_and_commune(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    report = (await _summary(client)).json()
    assert report["complete"] is True
    section = report["procedure_dossiers"]
    rows = every_row()
    assert section["totals"] == expected_counts(rows)
    procedures = sorted({r["procedure_code"] for r in rows})
    assert [p["procedure_code"] for p in section["by_procedure"]] == procedures
    for entry in section["by_procedure"]:
        of_procedure = [r for r in rows if r["procedure_code"] == entry["procedure_code"]]
        assert {k: entry[k] for k in (*COUNTS, "on_time_share")} == expected_counts(of_procedure)
        assert (entry["procedure_name"], entry["sector"]) == (of_procedure[0]["procedure_name"], of_procedure[0]["sector"])
    # Communes by code, named as org-structure names them; the dossiers of no commune last.
    communes = sorted({r["commune_code"] for r in rows if r["commune_code"]})
    assert [(c["commune_code"], c["commune_name"]) for c in section["by_commune"]] == [
        *((code, COMMUNE_NAMES[code]) for code in communes),
        (None, None),
    ]
    for entry in section["by_commune"]:
        of_commune = [r for r in rows if r["commune_code"] == entry["commune_code"]]
        assert {k: entry[k] for k in (*COUNTS, "on_time_share")} == expected_counts(of_commune)
    assert section["procedures_moved_to_communes"] == [
        {
            "commune_code": r["commune_code"],
            "commune_name": r["commune_name"],
            "procedures_handled": r["procedures"],
            "moved_from_district": r["moved_from_district"],
        }
        for r in sorted(HANDLED_BY_COMMUNES, key=lambda r: r["commune_code"])
    ]
    _assert_declared(await _spec(client), ROUTES["summary"], report)


async def test_one_more_late_dossier_moves_late_by_one_and_nothing_else(
    client: httpx.AsyncClient,
    service_app: FastAPI,
    org,  # noqa: F811
) -> None:
    before = (await _summary(client, compare_to="2025-06-30")).json()
    late = dossier_row(POSITIONS, QUANG_LAM, late=1)
    fake_dossiers(org, personnel=[*personnel_rows(), late])
    service_app.state.report_cache.drop(EVERYTHING)  # NOTE: the kept report would not see the fake's change
    after = (await _summary(client, compare_to="2025-06-30")).json()

    totals_before, totals_after = before["procedure_dossiers"]["totals"], after["procedure_dossiers"]["totals"]
    moved = {name: totals_after[name] - totals_before[name] for name in COUNTS}
    assert moved == {name: late[name] for name in COUNTS}
    assert moved["finished_late"] == 1
    assert totals_after["on_time_share"] == round(totals_after["finished_on_time"] / totals_after["finished"], 4)
    assert totals_after["on_time_share"] < totals_before["on_time_share"]
    assert totals_after == expected_counts([*every_row(), late])
    communes_before = {c["commune_code"]: c for c in before["procedure_dossiers"]["by_commune"]}
    communes_after = {c["commune_code"]: c for c in after["procedure_dossiers"]["by_commune"]}
    changed = {code for code in communes_after if communes_after[code] != communes_before[code]}
    assert changed == {QUANG_LAM}
    assert communes_after[QUANG_LAM]["finished_late"] == communes_before[QUANG_LAM]["finished_late"] + 1
    others = [name for name in before if name not in ("procedure_dossiers", "generated_at")]
    assert {name: after[name] for name in others} == {name: before[name] for name in others}


async def test_without_dossiers_the_share_is_null(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    fake_dossiers(org, personnel=[], assets=[])
    section = (await _summary(client)).json()["procedure_dossiers"]
    assert section["totals"] == dict.fromkeys(COUNTS, 0) | {"on_time_share": None}
    assert (section["by_procedure"], section["by_commune"]) == ([], [])
    assert len(section["procedures_moved_to_communes"]) == len(HANDLED_BY_COMMUNES)


async def test_a_dossier_source_down_leaves_the_section_missing_naming_it(
    client: httpx.AsyncClient,
    service_app: FastAPI,
    org,  # noqa: F811
) -> None:
    complete = (await _summary(client)).json()
    org.routes["assets_dossiers"].side_effect = httpx.ConnectError("refused")
    service_app.state.report_cache.drop(EVERYTHING)
    response = await _summary(client)
    report = response.json()
    assert report["complete"] is False
    assert [(m["section"], m["service"]) for m in report["missing"]] == [("procedure_dossiers", "assets")]
    assert "could not be reached" in report["missing"][0]["reason"]
    assert report["procedure_dossiers"] is None
    # NOTE: the assets section is read from other routes of the same service: it is still there, unchanged
    assert report["assets"] == complete["assets"]
    assert response.headers["cache-control"] == "no-store"
    _assert_declared(await _spec(client), ROUTES["summary"], report)


async def test_org_structure_down_for_the_procedures_names_it(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    org.routes["handled_by_communes"].side_effect = httpx.ConnectError("refused")
    report = (await _summary(client)).json()
    assert [(m["section"], m["service"]) for m in report["missing"]] == [("procedure_dossiers", "org-structure")]
    assert report["procedure_dossiers"] is None
    assert report["tasks"] is not None


async def test_a_truncated_answer_leaves_the_section_missing_rather_than_short(
    client: httpx.AsyncClient,
    org,  # noqa: F811
) -> None:
    org.routes["assets_dossiers"].respond(json=stats_body(assets_rows()) | {"truncated": True})
    report = (await _summary(client)).json()
    assert [(m["section"], m["service"]) for m in report["missing"]] == [("procedure_dossiers", "assets")]
    assert "truncated" in report["missing"][0]["reason"]
    assert report["procedure_dossiers"] is None


async def test_the_csv_has_the_dossier_tables(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    response = await _summary(client, format="csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    ours = [r for r in rows if r[0] == SECTION]
    quang_lam = expected_counts([r for r in every_row() if r["commune_code"] == QUANG_LAM])
    by_commune = "Hồ sơ thủ tục hành chính theo xã"
    assert [SECTION, by_commune, COMMUNE_NAMES[QUANG_LAM], "Giải quyết quá hạn", str(quang_lam["finished_late"])] in ours
    assert [SECTION, by_commune, COMMUNE_NAMES[QUANG_LAM], "Tỷ lệ đúng hạn", str(quang_lam["on_time_share"])] in ours
    total = expected_counts(every_row())
    assert [SECTION, "Hồ sơ thủ tục hành chính theo thủ tục", "Tổng cộng", "Tiếp nhận", str(total["received"])] in ours
    moved = next(r for r in HANDLED_BY_COMMUNES if r["commune_code"] == QUANG_LAM)
    assert [
        SECTION,
        "Thủ tục hành chính cấp xã giải quyết thay cấp huyện",
        COMMUNE_NAMES[QUANG_LAM],
        "Trong đó: trước đây cấp huyện giải quyết",
        str(moved["moved_from_district"]),
    ] in ours


async def test_the_xlsx_has_the_dossier_sheet_with_a_chart(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    response = await _summary(client, format="xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book[SECTION]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Hồ sơ thủ tục hành chính theo thủ tục"
    assert values[1][:3] == ("Thủ tục", "Tiếp nhận", "Đã giải quyết")
    total = expected_counts(every_row())
    total_row = next(r for r in values if r[0] == "Tổng cộng")
    assert total_row[1:9] == tuple(total[name] for name in (*COUNTS, "on_time_share"))
    assert sheet.cell(row=3, column=9).number_format == "0.0%"
    assert len(sheet._charts) == 1


async def test_the_commune_profile_lists_the_procedures_moved_and_its_dossiers(client: httpx.AsyncClient, org) -> None:  # noqa: F811
    summary = (await _summary(client)).json()["procedure_dossiers"]
    fake_quang_lam(org)  # NOTE: its assets answer for the commune only: the summary is read before
    response = await client.get(f"/communes/{QUANG_LAM}/profile", params={"as_of": AS_OF})
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["complete"] is True
    section = profile["procedures"]
    assert (section["procedures_handled"], section["procedures_moved_from_district"]) == (
        HANDLED_BY_QUANG_LAM["total"],
        HANDLED_BY_QUANG_LAM["moved_from_district"],
    )
    assert [p["code"] for p in section["moved_from_district"]] == [
        p["code"] for p in HANDLED_BY_QUANG_LAM["procedures"] if p["moved_from_district"]
    ]
    assert section["dossiers"] == expected_counts([r for r in every_row() if r["commune_code"] == QUANG_LAM])
    # The same figures as the summary's row of the commune.
    row = next(c for c in summary["by_commune"] if c["commune_code"] == QUANG_LAM)
    assert section["dossiers"] == {k: row[k] for k in (*COUNTS, "on_time_share")}
    _assert_declared(await _spec(client), ROUTES["profile"], profile)


async def test_the_openapi_types_the_dossier_sections(client: httpx.AsyncClient) -> None:
    schemas = (await _spec(client))["components"]["schemas"]
    assert schemas["ProvinceSummary"]["properties"]["procedure_dossiers"] == {
        "anyOf": [{"$ref": "#/components/schemas/SummaryProcedureDossiers"}, {"type": "null"}]
    }
    assert schemas["CommuneProfile"]["properties"]["procedures"] == {
        "anyOf": [{"$ref": "#/components/schemas/ProfileProcedures"}, {"type": "null"}]
    }
    section = schemas["SummaryProcedureDossiers"]
    assert section["required"] == ["totals", "by_procedure", "by_commune", "procedures_moved_to_communes"]
    assert section["additionalProperties"] is False
    counts = schemas["DossierCounts"]
    assert {name: counts["properties"][name]["type"] for name in COUNTS} == dict.fromkeys(COUNTS, "integer")
    assert counts["properties"]["on_time_share"]["anyOf"] == [{"type": "number"}, {"type": "null"}]


def test_the_fakes_are_consistent() -> None:
    """Each fake row's open count is received - finished, and finished = on time + late, as the producers define them."""
    for row in every_row():
        assert row["open"] == row["received"] - row["finished"]
        assert row["finished"] == row["finished_on_time"] + row["finished_late"]
