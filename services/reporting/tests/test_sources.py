"""What reporting reads from its sources: typed, checked against the producers' own models.

The fakes the other tests serve are checked against the producers' response models after
each test (``producers.assert_fakes_match_producers``); these tests show that check failing on
a drifted fake, and what a report does when a real source answers in a shape reporting cannot
read.
"""

import httpx
import pytest
from pydantic import ValidationError

from .producers import assert_producer_sends
from .test_reports import ASSETS_SUMMARY, CAO_BANG, PROVINCE, _stats, org  # noqa: F401 - org: the fake sources


def test_the_fakes_are_what_the_producers_send() -> None:
    assert_producer_sends("/api/v1/assets/stats/summary", ASSETS_SUMMARY)
    assert_producer_sends(f"/api/v1/org/units/by-code/{PROVINCE}", CAO_BANG)
    assert_producer_sends("/api/v1/org/tasks/stats", _stats(1687, 0, 527))


@pytest.mark.parametrize(
    ("path", "fake", "error"),
    [
        # a figure under a name the producer does not send (its name is general_work_cars_held_by_communes)
        ("/api/v1/assets/stats/summary", {**ASSETS_SUMMARY, "cars_held_by_communes": 59}, "cars_held_by_communes"),
        # a field the producer sends left out
        ("/api/v1/org/units/by-code/04", {k: v for k, v in CAO_BANG.items() if k != "level"}, "level"),
        # a date that is not one
        ("/api/v1/org/tasks/stats", {**_stats(1687, 0, 527), "as_of": "x"}, "as_of"),
    ],
)
def test_a_fake_that_drifts_from_its_producer_fails(path: str, fake: dict, error: str) -> None:
    with pytest.raises((AssertionError, ValidationError), match=error):
        assert_producer_sends(path, fake)


def test_a_route_reporting_does_not_read_is_not_faked_unchecked() -> None:
    with pytest.raises(AssertionError, match="not a route reporting is known to read"):
        assert_producer_sends("/api/v1/org/tasks", {"items": []})


async def test_a_source_answering_a_shape_reporting_cannot_read_leaves_its_section_missing(
    client: httpx.AsyncClient,
    org,  # noqa: F811
) -> None:
    """A producer that dropped ``by_level`` from its task counts: the section is missing and says why, no 500."""
    drifted = {k: v for k, v in _stats(1687, 0, 527).items() if k != "by_level"}
    org.get("/api/v1/org/tasks/stats").respond(json=drifted)
    response = await client.get(f"/provinces/{PROVINCE}/summary", params={"as_of": "2026-04-01"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["tasks"] is None
    [missing] = report["missing"]
    assert (missing["section"], missing["service"]) == ("tasks", "org-structure")
    assert "/tasks/stats" in missing["reason"]
    assert "by_level" in missing["reason"]
    assert report["decisions"]["by_level"]["province"] == {"required": 14, "issued": 12}
    # NOTE: this fake drifts on purpose; the fixture's own check would (rightly) fail on it
    org.reset()
