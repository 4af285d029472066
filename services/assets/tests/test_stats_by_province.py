"""The statistics by province: one call answers, for each province, what the route with `?province=` answers."""

from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest

from haicap_assets.org_client import OrgStructureClient, OrgUnit, OrgUnitPage
from haicap_shared.roles import Role
from haicap_shared.testing import NO_AUTH, TestTokens, assert_problem

from .fake_org import DEPARTMENT_ELSEWHERE, FORMER, FORMER_ELSEWHERE, MINH_XUAN, QUANG_LAM, THUC_PHAN, FakeOrg
from .helpers import car, create_asset

AS_OF = "2025-09-01"
STATS = ["summary", "dispositions", "gaps", "car-norms"]
CAO_BANG_OFFICER = {"province": "04"}


def _held_by(unit: OrgUnit, **fields: Any) -> dict[str, Any]:
    """Where an asset stands and who holds it: a commune of either province, from the merger unless told otherwise."""
    located = {"province_code": unit.province_code, "commune_code": unit.code}
    return located | {"holder": {"kind": "unit", "code": unit.code}, "allocated_from": "2025-07-01"} | fields


async def _propose(client: httpx.AsyncClient, asset: dict[str, Any], *, submitted_on: str | None = None) -> None:
    body = {
        "asset_id": asset["id"],
        "form": "sell",
        "proposed_on": "2025-08-01",
        "reason_higher_forms_unfit": "Không nơi nào cần",
    }
    response = await client.post("/dispositions", json=body)
    assert response.status_code == 201, response.text
    if submitted_on is not None:
        plan = response.json()
        response = await client.post(
            f"/dispositions/{plan['id']}/submit",
            json={"submitted_on": submitted_on},
            headers={"If-Match": f'"{plan["version"]}"'},
        )
        assert response.status_code == 200, response.text


async def _seed(client: httpx.AsyncClient) -> None:
    """Premises, cars, a merger's gap, plans and surplus assets in Cao Bằng (04) and Tuyên Quang (08)."""
    await create_asset(client, **_held_by(QUANG_LAM))
    for n in range(2):  # as many as the norm allows
        await create_asset(client, **car(f"XE-{n}", f"11A-200.0{n}"), **_held_by(QUANG_LAM))
    await create_asset(client, **car("XE-TP", "11A-200.10"), **_held_by(THUC_PHAN))
    await create_asset(client, code="NĐ-CU", **_held_by(FORMER[0], allocated_from="2015-01-01"))
    await _propose(client, await create_asset(client, code="NĐ-DU", status="surplus", **_held_by(THUC_PHAN)))
    await create_asset(client, code="NĐ-TH", status="surplus", **_held_by(THUC_PHAN))

    await create_asset(client, **_held_by(MINH_XUAN))
    await create_asset(client, **car("XE-MX", "23A-100.01"), **_held_by(MINH_XUAN))
    department = {"kind": "agency", "id": str(DEPARTMENT_ELSEWHERE.id)}
    await create_asset(client, code="NĐ-SO", province_code="08", commune_code=None, holder=department)
    await create_asset(client, code="NĐ-CU", **_held_by(FORMER_ELSEWHERE, allocated_from="2015-01-01"))
    await create_asset(client, **car("XE-CU", "23A-100.02"), **_held_by(FORMER_ELSEWHERE, allocated_from="2021-01-01"))
    await _propose(
        client, await create_asset(client, code="NĐ-DU", status="surplus", **_held_by(MINH_XUAN)), submitted_on="2025-08-01"
    )
    # NOTE: standing in Tuyên Quang, held by a commune of Cao Bằng: Cao Bằng's officer reads it, and its
    # plan and its status count where it stands (08), so only the province filter keeps 08's row from them.
    held_in_cao_bang = _held_by(MINH_XUAN, holder={"kind": "unit", "code": QUANG_LAM.code})
    await _propose(client, await create_asset(client, code="NĐ-LC", status="surplus", **held_in_cao_bang))
    await create_asset(client, code="NĐ-LT", status="surplus", **held_in_cao_bang)


async def _get(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None, **params: str) -> Any:
    response = await client.get(path, params={"as_of": AS_OF} | params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _totals(stats: str, one: dict[str, Any]) -> dict[str, Any]:
    """The figures of one province's answer that the by-province row repeats."""
    if stats == "gaps":
        by_kind = Counter[str]()
        for row in one["rows"]:
            by_kind[row["kind"]] += row["assets"]
        return {"province": one["province"], "total": one["total"], "by_kind": dict(by_kind)}
    if stats == "car-norms":
        keys = ("province", "communes", "general_work_cars", "communes_over_norm", "communes_under_norm")
        return {k: one[k] for k in keys} | {"over_price": sum(r["over_price"] for r in one["rows"])}
    return one


async def _each_row_is_its_province(
    client: httpx.AsyncClient, stats: str, headers: dict[str, str] | None = None, **params: str
) -> list[str]:
    """Check every row against the route asked for its province; the provinces of the rows."""
    both = await _get(client, f"/stats/{stats}/by-province", headers, **params)
    provinces = [row["province"] for row in both["rows"]]
    assert provinces == sorted(set(provinces))
    for row in both["rows"]:
        one = await _get(client, f"/stats/{stats}", headers, province=row["province"], **params)
        assert row == _totals(stats, one)
        if stats == "car-norms":
            norm = ("norm_legal_basis", "max_general_cars_per_commune", "max_price_vnd")
            assert {k: both[k] for k in norm} == {k: one[k] for k in norm}
    return provinces


@pytest.mark.parametrize("stats", STATS)
async def test_each_province_row_is_what_its_province_route_answers(client: httpx.AsyncClient, stats: str) -> None:
    await _seed(client)
    assert await _each_row_is_its_province(client, stats) == ["04", "08"]


async def test_the_plans_of_one_kind_by_province(client: httpx.AsyncClient) -> None:
    await _seed(client)
    assert await _each_row_is_its_province(client, "dispositions", kind="premises") == ["04", "08"]
    assert await _each_row_is_its_province(client, "dispositions", kind="car") == []


async def test_a_province_with_communes_and_no_car_has_its_row(client: httpx.AsyncClient) -> None:
    await create_asset(client, **car("XE-0", "11A-200.00"), **_held_by(QUANG_LAM))
    rows = (await _get(client, "/stats/car-norms/by-province"))["rows"]
    assert [row["province"] for row in rows] == ["04", "08"]
    assert rows[1] == _totals("car-norms", await _get(client, "/stats/car-norms", province="08"))


async def test_the_communes_are_asked_of_org_structure_once(client: httpx.AsyncClient, fake_org: FakeOrg) -> None:
    await _seed(client)
    before = fake_org.calls
    await _get(client, "/stats/car-norms/by-province")
    assert fake_org.calls - before == 1


@pytest.mark.parametrize("stats", STATS)
async def test_a_province_officer_gets_their_province_row_only(
    client: httpx.AsyncClient, test_tokens: TestTokens, stats: str
) -> None:
    await _seed(client)
    officer = test_tokens.headers(Role.PROVINCE_OFFICER, **CAO_BANG_OFFICER)
    assert await _each_row_is_its_province(client, stats, officer) == ["04"]


async def test_a_commune_officer_gets_their_commune_in_their_province_row(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    await _seed(client)
    officer = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune=QUANG_LAM.code)
    # NOTE: their commune's plan and surplus stand in Tuyên Quang (no row: not their province); the
    # merger's gap is the former communes' holdings, none of them their commune's.
    expected = {"summary": ["04"], "car-norms": ["04"], "dispositions": [], "gaps": []}
    for stats in STATS:
        assert await _each_row_is_its_province(client, stats, officer) == expected[stats]
    cars = (await _get(client, "/stats/car-norms/by-province", officer))["rows"]
    assert [row["communes"] for row in cars] == [1]  # their own commune, of the two in force in Cao Bằng


@pytest.mark.parametrize("stats", STATS)
async def test_unauthenticated_and_bad_dates_are_problems(client: httpx.AsyncClient, stats: str) -> None:
    path = f"/stats/{stats}/by-province"
    assert_problem(await client.get(path, params={"as_of": AS_OF}, headers=NO_AUTH), 401, "not_authenticated")
    for as_of in ("2025-13-01", "0001-01-01", "yesterday"):
        body = assert_problem(await client.get(path, params={"as_of": as_of}), 422, "validation_error")
        assert body["errors"][0]["location"] == ["query", "as_of"]
    assert_problem(await client.get(path), 422, "validation_error")


class _Pages:
    """org-structure's unit list, two units a page, as the client's reader sees it."""

    def __init__(self, units: list[OrgUnit]) -> None:
        self.units = units
        self.asked: list[dict[str, Any]] = []

    async def get(self, path: str, model: type[OrgUnitPage], *, params: dict[str, Any] | None = None) -> OrgUnitPage:
        assert path == "/units"
        self.asked.append(dict(params or {}))
        start = int((params or {}).get("cursor", 0))
        following = str(start + 2) if start + 2 < len(self.units) else None
        return model(items=self.units[start : start + 2], next=following)


async def test_the_client_pages_through_the_whole_country() -> None:
    units = [QUANG_LAM, THUC_PHAN, MINH_XUAN]
    pages = _Pages(units)
    client = OrgStructureClient(pages)  # type: ignore[arg-type]
    assert await client.communes(None, date(2025, 9, 1)) == units
    assert [asked.get("cursor") for asked in pages.asked] == [None, "2"]
    assert all(asked["level"] == "commune" and "province" not in asked for asked in pages.asked)
