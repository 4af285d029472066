"""Viewers are bound to an area like every other role: a province, one commune of it, or (explicitly) the nation."""

import httpx
import pytest

from haicap_reporting.reports.access import check_report_area
from haicap_shared.auth import OutsideArea, Principal
from haicap_shared.roles import Area, Role
from haicap_shared.testing import TestTokens, assert_problem


def _viewer(**area: str) -> Principal:
    return Principal(subject="v", username="v", role=Role.VIEWER, area=Area(**area))


@pytest.mark.parametrize(
    ("area", "province", "commune", "allowed"),
    [
        ({"province": "04"}, "04", None, True),
        ({"province": "04"}, "08", None, False),
        ({"province": "04"}, "04", "01304", True),
        ({"province": "04"}, "08", "02000", False),
        ({"province": "04", "commune": "01304"}, "04", "01304", True),
        ({"province": "04", "commune": "01304"}, "04", "01273", False),
        ({"province": "04", "commune": "01304"}, "04", None, False),
        ({}, "08", None, True),
        ({}, "04", "01304", True),
    ],
)
def test_a_viewer_reads_the_reports_of_their_area(
    area: dict[str, str], province: str, commune: str | None, allowed: bool
) -> None:
    if allowed:
        check_report_area(_viewer(**area), province, commune)
    else:
        with pytest.raises(OutsideArea):
            check_report_area(_viewer(**area), province, commune)


async def test_a_viewer_of_another_province_or_of_one_commune_gets_no_province_report(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    params = {"as_of": "2026-04-15"}
    for path in ("/provinces/04/summary", "/provinces/04/transition-gaps"):
        other = test_tokens.headers(Role.VIEWER, province="08")
        assert_problem(await client.get(path, params=params, headers=other), 403, "outside_area")
        one_commune = test_tokens.headers(Role.VIEWER, province="04", commune="01304")
        assert_problem(await client.get(path, params=params, headers=one_commune), 403, "outside_area")
