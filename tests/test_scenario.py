"""The Cao Bằng scenario loaded through the real processes, and the reports computed from it.

Every figure checked here is computed by the services from the records the scenario loaded;
the expected values are the scenario's intentions (haicap_scenario.targets), which are the
province's published figures.
"""

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from haicap_scenario.targets import AFTER, BEFORE, CAO_BANG
from openpyxl import load_workbook

from haicap_shared.testing import assert_problem

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from run_stack import GATEWAY, SERVICES, Stack

from .test_stack import free_ports, sign_in

pytestmark = pytest.mark.processes

TASKS = CAO_BANG.tasks
DECISIONS = CAO_BANG.decisions


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HAICAP_")}
    for spec, port in zip((*SERVICES, GATEWAY), free_ports(len(SERVICES) + 1), strict=True):
        env[f"{spec.env_prefix}PORT"] = str(port)
    with Stack(env, tmp_path_factory.mktemp("scenario"), startup_timeout_seconds=60) as running:
        running.prepare(province="04")
        running.start()
        yield running


@pytest.fixture(scope="module")
def first_load(stack: Stack) -> dict[str, object]:
    """What loading the scenario into the fresh stack reported."""
    return stack.load_scenario("04")


@pytest.fixture(scope="module")
def gateway(stack: Stack, first_load: dict[str, object]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=120.0, trust_env=False) as client:
        client.headers.update(sign_in(client, stack, "province_officer"))
        yield client


def _summary(gateway: httpx.Client, **params: str) -> httpx.Response:
    return gateway.get(
        "/api/v1/reports/provinces/04/summary", params={"as_of": AFTER.isoformat(), "compare_to": BEFORE.isoformat()} | params
    )


def test_the_scenario_loads_once(stack: Stack, first_load: dict[str, object]) -> None:
    assert first_load["already_loaded"] is False
    again = stack.load_scenario("04")
    assert again["already_loaded"] is True
    assert again["tasks_by_level"] == first_load["tasks_by_level"]


def test_tasks_by_level_on_both_dates(gateway: httpx.Client) -> None:
    response = _summary(gateway)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["tasks"]["by_level"] == {"province": TASKS.province_after, "district": 0, "commune": TASKS.commune_after}
    assert report["tasks"]["total"] == 2214
    before = report["tasks"]["change"]["by_level"]
    assert before == {"province": TASKS.province_before, "district": TASKS.district_before, "commune": TASKS.commune_before}
    assert report["tasks"]["change"]["total"] == 2039


def test_function_decisions(gateway: httpx.Client) -> None:
    decisions = _summary(gateway).json()["decisions"]["by_level"]
    assert decisions["province"] == {"required": DECISIONS.provincial_agencies, "issued": DECISIONS.provincial_issued}
    assert decisions["commune"] == {"required": 224, "issued": 224}


def test_the_xlsx_holds_the_same_numbers(gateway: httpx.Client) -> None:
    response = _summary(gateway, format="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Nhiệm vụ quản lý nhà nước"]
    rows = {r[0]: r[1:4] for r in sheet.iter_rows(min_row=3, max_row=6, values_only=True)}
    assert rows["Cấp tỉnh"] == (TASKS.province_before, TASKS.province_after, TASKS.province_after - TASKS.province_before)
    assert rows["Cấp huyện"] == (TASKS.district_before, 0, -TASKS.district_before)
    assert rows["Tổng cộng"] == (2039, 2214, 175)


def test_no_task_is_left_without_an_owner(gateway: httpx.Client) -> None:
    gaps = gateway.get("/api/v1/reports/provinces/04/transition-gaps", params={"as_of": AFTER.isoformat()}).json()
    assert gaps["tasks"]["total"] == 0
    assert [a["name"] for a in gaps["agencies"]["items"]] == ["Sở Dân tộc và Tôn giáo tỉnh Cao Bằng", "Sở Ngoại vụ tỉnh Cao Bằng"]


def test_a_commune_officer_reads_their_profile_but_not_the_province(stack: Stack, first_load: dict[str, object]) -> None:
    with httpx.Client(base_url=stack.url("gateway"), timeout=60.0, trust_env=False) as client:
        headers = sign_in(client, stack, "commune_officer")
        profile = client.get("/api/v1/reports/communes/01304/profile", params={"as_of": AFTER.isoformat()}, headers=headers)
        assert profile.status_code == 200, profile.text
        body = profile.json()
        assert body["name"] == "Xã Quảng Lâm"
        assert {p["name"] for p in body["lineage"]["predecessors"]} == {"Xã Quảng Lâm", "Xã Thạch Lâm"}
        assert body["agencies"]["total"] == 4
        assert_problem(client.get("/api/v1/reports/provinces/04/summary", headers=headers), 403, "role_not_allowed")
        assert_problem(client.get("/api/v1/reports/communes/01273/profile", headers=headers), 403, "outside_area")


def test_a_source_down_is_marked_missing_then_comes_back(stack: Stack, gateway: httpx.Client) -> None:
    stack.stop("org-structure")
    try:
        response = _summary(gateway, as_of="2026-04-14")  # NOTE: another date than the cached reports
        assert response.status_code == 200
        report = response.json()
        assert report["complete"] is False
        assert {m["section"] for m in report["missing"]} >= {"tasks", "decisions"}
        assert report["tasks"] is None
    finally:
        stack.restart("org-structure")
    report = _summary(gateway, as_of="2026-04-14").json()
    assert report["complete"] is True
    assert report["tasks"]["by_level"]["commune"] > 0
