"""The reference-data rules on top of vietnamadminunits: same-named communes, official codes, later changes.

Each test imports only the province it needs (the whole country takes seconds).
"""

import csv
import json
import uuid
from collections import defaultdict
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_org_structure import cli
from haicap_org_structure.units.importer import ImportSummary
from haicap_org_structure.units.models import change_table, correction_table, link_table, unit_table
from haicap_org_structure.units.reference import ImportPlan, province_plan, tone_key
from haicap_shared.codes import UnitLevel

from .conftest import run_import

FIXTURES = Path(__file__).parent / "data"


async def _by_code(client: httpx.AsyncClient, code: str, as_of: str) -> dict:
    response = await client.get(f"/units/by-code/{code}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()


async def _lineage(client: httpx.AsyncClient, unit: dict) -> dict:
    response = await client.get(f"/units/{unit['id']}/lineage")
    assert response.status_code == 200, response.text
    return response.json()


async def _successors(client: httpx.AsyncClient, former_code: str) -> set[str]:
    lineage = await _lineage(client, await _by_code(client, former_code, "2025-06-30"))
    return {s["unit"]["code"] for s in lineage["successors"] if s["depth"] == 1}


async def _import(session: AsyncSession, plan: ImportPlan, province: str) -> ImportSummary:
    return await run_import(session, province_plan(plan, province), f"province:{province}")


# Same-named communes -----------------------------------------------------------------------


async def test_my_tho_phuong_4_is_not_a_predecessor_of_phuong_cao_lanh(
    client: httpx.AsyncClient, session: AsyncSession, country_plan: ImportPlan
) -> None:
    summary = await _import(session, country_plan, "82")
    cao_lanh = await _by_code(client, "29869", "2025-07-01")
    assert cao_lanh["name"] == "Phường Cao Lãnh"
    predecessors = {(s["unit"]["code"], s["unit"]["name"]) for s in (await _lineage(client, cao_lanh))["predecessors"]}
    # Only the former city of Cao Lãnh: not Phường 3, 4 or 6 of Mỹ Tho, Sa Đéc or Cai Lậy.
    assert predecessors == {
        ("29869", "Phường 1"),
        ("29872", "Phường 4"),
        ("29875", "Phường 3"),
        ("29878", "Phường 6"),
        ("29890", "Xã Tân Thuận Tây"),
        ("29892", "Phường Hòa Thuận"),
        ("29893", "Xã Hòa An"),
        ("29896", "Xã Tân Thuận Đông"),
        ("29899", "Xã Tịnh Thới"),
    }
    # Phường 4 of Mỹ Tho went to Phường Đạo Thạnh only, as a whole unit.
    assert await _successors(client, "28252") == {"28249"}
    dropped = [line for line in summary.dropped_links if line.startswith("Phường 4 (28252, Thành phố Mỹ Tho")]
    assert len(dropped) == 1
    assert "Phường Cao Lãnh (29869)" in dropped[0]
    assert "Thành phố Cao Lãnh" in dropped[0]


@pytest.mark.parametrize(
    ("former", "successor"),
    [
        ("31246", "31246"),  # Xã Thạnh Quới of Vĩnh Thạnh (Cần Thơ) -> Xã Thạnh Quới
        ("31714", "31726"),  # Xã Thạnh Quới of Mỹ Xuyên (Sóc Trăng) -> Xã Gia Hòa
        ("31268", "31288"),  # Xã Tân Thạnh of Thới Lai -> Xã Trường Thành
        ("31666", "31666"),  # Xã Tân Thạnh of Long Phú -> Xã Tân Thạnh
        ("31480", "31480"),  # Xã Long Phú of Long Mỹ (Hậu Giang) -> Phường Long Phú 1
        ("31669", "31639"),  # Xã Long Phú of Long Phú (Sóc Trăng) -> Xã Long Phú
        ("31483", "31495"),  # Xã Thuận Hưng of Long Mỹ -> Xã Xà Phiên
        ("31606", "31591"),  # Xã Thuận Hưng of Mỹ Tú -> Xã Mỹ Hương
        ("31378", "31378"),  # Xã Phú Hữu of Châu Thành (Hậu Giang) -> Xã Phú Hữu
        ("31657", "31654"),  # Xã Phú Hữu of Long Phú -> Xã Trường Khánh
        ("31438", "31408"),  # Xã Tân Long of Phụng Hiệp -> Xã Thạnh Hòa
        ("31741", "31741"),  # Xã Tân Long of Ngã Năm -> Xã Tân Long
    ],
)
async def test_can_tho_same_named_pairs_each_reach_their_own_successor(
    client: httpx.AsyncClient, session: AsyncSession, country_plan: ImportPlan, former: str, successor: str
) -> None:
    await _import(session, country_plan, "92")
    assert await _successors(client, former) == {successor}


async def test_phuong_4_of_tay_ninh_and_of_tan_an_stay_in_their_own_city(
    client: httpx.AsyncClient, session: AsyncSession, country_plan: ImportPlan
) -> None:
    await _import(session, country_plan, "80")
    assert await _successors(client, "25462") == {"25459"}  # Tây Ninh -> Phường Tân Ninh
    assert await _successors(client, "27691") == {"27694"}  # Tân An -> Phường Long An


def test_hoa_binh_of_vinh_bao_stays_in_vinh_bao(country_plan: ImportPlan) -> None:
    plan = province_plan(country_plan, "31")
    units = {u.id: u for u in plan.units}
    vinh_bao_hoa_binh = next(u for u in plan.units if u.code == "11890" and u.level is UnitLevel.COMMUNE and u.valid_to)
    successors = {units[r].name for c in plan.changes if vinh_bao_hoa_binh.id in c.source_ids for r in c.result_ids}
    assert successors == {"Xã Nguyễn Bỉnh Khiêm"}


def test_the_rule_drops_31_links_nationally_and_says_why(country_plan: ImportPlan) -> None:
    assert len(country_plan.dropped_links) == 31
    assert {d.province_code for d in country_plan.dropped_links} == {"20", "31", "80", "82", "86", "92"}
    assert all("nothing else in the source links this unit here" in d.reason for d in country_plan.dropped_links)
    # A former unit is never left without a successor.
    sources = {s for c in country_plan.changes for s in c.source_ids}
    former_communes = {u.id for u in country_plan.units if u.level is UnitLevel.COMMUNE and u.valid_from is None}
    assert former_communes <= sources


def test_cao_bang_161_to_56_is_exactly_the_checked_mapping(country_plan: ImportPlan) -> None:
    with (FIXTURES / "cao_bang_mergers.csv").open(encoding="utf-8") as fixture:
        expected = {(row["new_commune_code"], row["former_unit_code"]) for row in csv.DictReader(fixture)}
    plan = province_plan(country_plan, "04")
    units = {u.id: u for u in plan.units}
    links: dict[str, set[str]] = defaultdict(set)
    for change in plan.changes:
        if change.kind.value == "abolish":
            continue
        assert change.kind.value == "merge"
        (result,) = change.result_ids
        links[units[result].code] |= {units[s].code for s in change.source_ids}
    assert len(expected) == 161
    assert {(new, old) for new, olds in links.items() for old in olds} == expected
    assert len(links) == 56
    assert plan.dropped_links == plan.corrections == []


# Official codes and names ------------------------------------------------------------------------


async def test_ba_che_takes_its_official_code_with_a_dated_correction(
    client: httpx.AsyncClient, session: AsyncSession, country_plan: ImportPlan
) -> None:
    summary = await _import(session, country_plan, "22")
    ba_che = await _by_code(client, "06978", "2025-07-01")
    assert ba_che["name"] == "Xã Ba Chẽ"
    missing = await client.get("/units/by-code/06970", params={"as_of": "2025-07-01"})
    assert missing.status_code == 404
    assert (await _by_code(client, "06970", "2025-06-30"))["name"] == "Thị trấn Ba Chẽ"
    # The lineage still holds: the corrected unit is the same record.
    predecessors = {s["unit"]["name"] for s in (await _lineage(client, ba_che))["predecessors"] if s["depth"] == 1}
    assert "Thị trấn Ba Chẽ" in predecessors

    query = select(correction_table).where(correction_table.c.unit_id == uuid.UUID(ba_che["id"]))
    rows = (await session.execute(query)).mappings().all()
    assert [(r["field"], r["package_value"], r["official_value"], r["effective_date"].isoformat()) for r in rows] == [
        ("code", "06970", "06978", "2025-07-01")
    ]
    assert "1027/CTK-CSCL" in rows[0]["source"]
    served = (await client.get(f"/units/{ba_che['id']}/corrections")).json()
    assert [(c["field"], c["package_value"], c["official_value"], c["effective_date"]) for c in served] == [
        ("code", "06970", "06978", "2025-07-01")
    ]
    assert summary.corrections_created == 1
    assert len(summary.corrections) == 1
    assert "06970 -> 06978" in summary.corrections[0]
    assert summary.unmatched == []


async def test_a_unit_imported_with_the_package_code_is_corrected_once(session: AsyncSession, country_plan: ImportPlan) -> None:
    await _import(session, country_plan, "22")
    # As an import before the official list would have left it.
    await session.execute(update(unit_table).where(unit_table.c.code == "06978").values(code="06970"))
    await session.execute(correction_table.delete())
    again = await _import(session, country_plan, "22")
    assert (again.units_corrected, again.corrections_created, again.units_created) == (1, 1, 0)
    third = await _import(session, country_plan, "22")
    assert (third.units_corrected, third.corrections_created, third.units_created, third.changes_created) == (0, 0, 0, 0)


def test_every_code_and_name_agrees_with_the_official_list(country_plan: ImportPlan) -> None:
    with (Path(__file__).parents[1] / "src/haicap_org_structure/units/data/communes.csv").open(encoding="utf-8") as data:
        official = {row["code"]: row["full_name"] for row in csv.DictReader(data)}
    current = {
        u.code: u.name for u in country_plan.units if u.level is UnitLevel.COMMUNE and u.valid_from and u.valid_from.year == 2025
    }
    assert len(official) == len(current) == 3321
    assert {code: tone_key(name) for code, name in current.items()} == {code: tone_key(name) for code, name in official.items()}
    assert [c.describe().split(" (")[0] for c in country_plan.corrections] == ["code 06970 -> 06978"]
    assert country_plan.unmatched == []


def test_names_compare_with_tone_marks_normalised() -> None:
    assert tone_key("Xã Hoà An") == tone_key("Xã Hòa An") == "Xã Hòa An"
    assert tone_key("Xã Đàm Thuỷ") == "Xã Đàm Thủy"
    assert tone_key("Phường Hoàng Tung") == "Phường Hoàng Tung"  # not at the end of the syllable
    assert tone_key("Xã Quý Quân") == "Xã Quý Quân"  # "qu" is a consonant
    assert tone_key("Xã Mỹ Tho") != tone_key("Xã Mỹ Thọ")


# Changes after 2025-07-01 --------------------------------------------------------------------------


async def test_dong_nai_is_a_centrally_run_city_from_2026_04_30(
    client: httpx.AsyncClient, session: AsyncSession, country_plan: ImportPlan
) -> None:
    first = await _import(session, country_plan, "75")
    city = await _by_code(client, "75", "2026-05-01")
    assert (city["name"], city["kind"], city["valid_from"]) == ("Thành phố Đồng Nai", "thanh_pho_truc_thuoc_tw", "2026-04-30")
    province = await _by_code(client, "75", "2026-04-29")
    assert (province["name"], province["kind"], province["valid_to"]) == ("Tỉnh Đồng Nai", "tinh", "2026-04-29")

    assert (await _by_code(client, "25270", "2026-05-01"))["name"] == "Phường Lộc Ninh"
    assert (await _by_code(client, "25270", "2026-04-29"))["name"] == "Xã Lộc Ninh"
    loc_ninh = await _by_code(client, "25270", "2026-05-01")
    assert loc_ninh["kind"] == "phuong"
    step = next(s for s in (await _lineage(client, loc_ninh))["predecessors"] if s["depth"] == 1)
    assert step["unit"]["name"] == "Xã Lộc Ninh"
    assert (step["change"]["kind"], step["change"]["effective_date"]) == ("rename", "2026-04-30")
    assert "237/NQ-UBTVQH16" in step["change"]["legal_basis"]
    city_step = (await _lineage(client, city))["predecessors"][0]
    assert city_step["unit"]["name"] == "Tỉnh Đồng Nai"
    assert "30/2026/QH16" in city_step["change"]["legal_basis"]

    after = (await client.get("/units/stats", params={"as_of": "2026-05-01", "province": "75"})).json()
    before = (await client.get("/units/stats", params={"as_of": "2026-04-29", "province": "75"})).json()
    assert after["by_level"]["commune"] == before["by_level"]["commune"] == 95
    kinds_after = {row["kind"]: row["count"] for row in after["by_kind"]}
    kinds_before = {row["kind"]: row["count"] for row in before["by_kind"]}
    assert kinds_after["phuong"] == kinds_before["phuong"] + 10
    assert first.changes_by_kind.get("rename", 0) >= 11

    again = await _import(session, country_plan, "75")
    assert (again.units_created, again.changes_created, again.units_ended, again.changes_retracted) == (0, 0, 0, 0)


async def test_the_cli_scope_reports_everything(session: AsyncSession, country_plan: ImportPlan) -> None:
    summary = await _import(session, country_plan, "82")
    assert summary.ambiguous_splits == [s for s in country_plan.splits if "(82)" in s]
    assert len(summary.dropped_links) == 6
    rows = (await session.execute(select(unit_table.c.id))).all()
    assert len(rows) == summary.units_created


async def test_changes_built_from_dropped_links_are_retracted(session: AsyncSession, country_plan: ImportPlan) -> None:
    plan = province_plan(country_plan, "82")
    await _import(session, plan, "82")
    # As an import before the same-name rule left them: Phường 4 of Mỹ Tho split to two communes.
    stale = next(iter(plan.superseded_change_ids))
    await session.execute(
        insert(change_table).values(
            id=stale, kind="split", effective_date=date(2025, 7, 1), legal_basis="x", province_code="82", version=1
        )
    )
    await session.execute(insert(link_table).values(change_id=stale, unit_id=plan.units[0].id, role="source"))
    again = await _import(session, plan, "82")
    assert (again.changes_retracted, again.changes_created, again.units_created) == (1, 0, 0)
    assert await session.scalar(select(change_table.c.id).where(change_table.c.id == stale)) is None


def test_the_cli_prints_the_dropped_links_and_corrections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HAICAP_ORG_DATABASE_URL", f"sqlite:///{tmp_path / 'org.db'}")
    monkeypatch.setenv("HAICAP_ORG_VAR_DIR", str(tmp_path))
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    assert cli.main(["import-units", "--province", "82"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["dropped_links"]) == 6
    assert any(line.startswith("Phường 4 (28252, Thành phố Mỹ Tho") for line in report["dropped_links"])
    assert report["corrections"] == []
    assert report["unmatched"] == []
