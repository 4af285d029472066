"""The kept reports follow the sources' change feeds; the commune profile knows each source's latest event.

The sources and their feeds are stand-ins behind the fake gateway (``tests/feeds.py``); the
followers run in reporting's lifespan, as in the stack, and ``/readyz`` says where they stand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
import pytest_asyncio
import respx

from haicap_reporting.app import create_app
from haicap_reporting.cache import Drop, ReportCache
from haicap_reporting.composition import Report
from haicap_reporting.reports.schemas import ProvinceSummary
from haicap_reporting.settings import ReportingSettings
from haicap_shared.testing import TestTokens

from .conftest import GATEWAY
from .feeds import SERVICES, FeedStandIn
from .test_reports import PROVINCE, fake_quang_lam, org  # noqa: F401 - org: the fake sources

SUMMARY = f"/provinces/{PROVINCE}/summary"
AS_OF = {"as_of": "2026-04-15"}
Feeds = dict[str, FeedStandIn]


@pytest.fixture
def feeds(org: respx.MockRouter) -> Feeds:  # noqa: F811
    """org-structure's, personnel's and assets' feeds, empty, behind the fake gateway."""
    stand_ins = {prefix: FeedStandIn(prefix) for prefix in SERVICES}
    for stand_in in stand_ins.values():
        stand_in.install(org)
    return stand_ins


@pytest_asyncio.fixture
async def following(test_tokens: TestTokens, feeds: Feeds) -> AsyncIterator[httpx.AsyncClient]:
    """reporting with its followers on (retrying fast), signed in as admin."""
    settings = ReportingSettings(
        jwks=test_tokens.jwks_json,
        gateway_url=GATEWAY,
        upstream_retries=0,
        section_timeout_seconds=5,
        follow_event_feeds=True,
        event_feed_retry_seconds=0.02,
        event_feed_retry_max_seconds=0.1,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=test_tokens.headers()) as http:
            yield http


async def followers(client: httpx.AsyncClient) -> dict[str, dict]:
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert (body["status"], body["service"]) == ("ready", "reporting")
    return {state["service"]: state for state in body["detail"]["event_feeds"]}


async def caught_up(client: httpx.AsyncClient, feeds: Feeds) -> dict[str, dict]:
    """Once every follower has read its feed to the end (and is not failing): where they stand."""
    for _ in range(250):
        states = await followers(client)
        if all(
            states[f.service]["position"] == f.sequence and states[f.service]["failing_since"] is None for f in feeds.values()
        ):
            return states
        await asyncio.sleep(0.02)
    raise AssertionError(f"the followers did not catch up: {states}")


def source_calls(org: respx.MockRouter, prefix: str) -> int:  # noqa: F811
    """Calls made to a source's statistics (what composing a report asks for)."""
    return sum(1 for call in org.calls if call.request.url.path.startswith(f"/api/v1/{prefix}/stats/"))


async def test_a_kept_report_is_composed_again_after_an_event_in_its_area_only(
    following: httpx.AsyncClient,
    feeds: Feeds,
    org: respx.MockRouter,  # noqa: F811
) -> None:
    await caught_up(following, feeds)
    assert (await following.get(SUMMARY, params=AS_OF)).json()["complete"] is True
    composed = source_calls(org, "personnel")
    await following.get(SUMMARY, params=AS_OF)
    assert source_calls(org, "personnel") == composed  # kept

    feeds["personnel"].publish("placement", province="08", commune="02011")
    await caught_up(following, feeds)
    await following.get(SUMMARY, params=AS_OF)
    assert source_calls(org, "personnel") == composed  # another province's placement: still kept

    feeds["personnel"].publish("placement", province=PROVINCE, commune="01304")
    states = await caught_up(following, feeds)
    await following.get(SUMMARY, params=AS_OF)
    assert source_calls(org, "personnel") == 2 * composed  # composed again
    assert states["personnel"]["events_read"] == 2
    assert states["personnel"]["reports_dropped"] == 1
    assert states["personnel"]["following"] is True


@pytest.mark.parametrize(
    ("prefix", "kind", "province", "changed_fields", "dropped"),
    [
        ("org", "task", PROVINCE, None, True),
        # units are what every figure is grouped by: a kind without sections of its own drops the area's reports
        ("org", "unit", PROVINCE, None, True),
        ("assets", "car_norm", None, None, True),  # a national norm: every province
        # a record moved out of another province: the event names only where it went
        ("personnel", "person", "08", ["agency_id"], True),
        ("personnel", "person", "08", ["full_name"], False),
        # a batch's summary: each record it wrote has its own event
        ("personnel", "bulk_replacement", PROVINCE, None, False),
        # a dossier, at either service that keeps them, moves the summary's procedure_dossiers
        ("personnel", "procedure_dossier", PROVINCE, None, True),
        ("assets", "procedure_dossier", PROVINCE, None, True),
        ("org", "procedure_import", PROVINCE, None, False),
        # a plan item's progress moves the summary's plans, a holder's difficulty its task_difficulties
        ("org", "plan_item", PROVINCE, None, True),
        ("org", "task_feasibility", PROVINCE, None, True),
    ],
)
async def test_which_events_drop_a_kept_report(
    following: httpx.AsyncClient,
    feeds: Feeds,
    org: respx.MockRouter,  # noqa: F811
    prefix: str,
    kind: str,
    province: str | None,
    changed_fields: list[str] | None,
    dropped: bool,
) -> None:
    await caught_up(following, feeds)
    await following.get(SUMMARY, params=AS_OF)
    composed = source_calls(org, "assets")
    feeds[prefix].publish(kind, province=province, past="updated" if changed_fields else "created", changed_fields=changed_fields)
    await caught_up(following, feeds)
    await following.get(SUMMARY, params=AS_OF)
    assert source_calls(org, "assets") == (2 if dropped else 1) * composed


async def test_an_expired_cursor_drops_the_sources_reports_and_follows_again_from_the_latest(
    following: httpx.AsyncClient,
    feeds: Feeds,
    org: respx.MockRouter,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    await caught_up(following, feeds)
    await following.get(SUMMARY, params=AS_OF)
    composed = source_calls(org, "assets")
    caplog.set_level(logging.INFO, logger="haicap.reporting.feeds")

    feeds["assets"].prune(through=40)  # the follower's cursor (0) is older than retention: 410 cursor_expired
    states = await caught_up(following, feeds)
    assert states["assets"]["position"] == 40
    assert states["assets"]["restarts"] == 1
    assert "410 cursor_expired" in states["assets"]["last_error"]
    assert (states["org-structure"]["restarts"], states["personnel"]["restarts"]) == (0, 0)
    await following.get(SUMMARY, params=AS_OF)
    assert source_calls(org, "assets") == 2 * composed  # the kept report went with the cursor
    expired = [r for r in caplog.records if r.levelno == logging.WARNING and "cursor expired" in r.getMessage()]
    assert len(expired) == 1

    feeds["assets"].publish("asset", province=PROVINCE)
    states = await caught_up(following, feeds)
    assert (states["assets"]["position"], states["assets"]["following"]) == (41, True)


async def test_a_feed_down_is_retried_with_one_warning_and_followed_again(
    following: httpx.AsyncClient,
    feeds: Feeds,
    org: respx.MockRouter,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    await caught_up(following, feeds)
    await following.get(SUMMARY, params=AS_OF)
    composed = source_calls(org, "org")
    caplog.set_level(logging.INFO, logger="haicap.reporting.feeds")

    feeds["org"].take_down()
    for _ in range(100):
        if feeds["org"].requests >= 5:  # retried a few times meanwhile
            break
        await asyncio.sleep(0.02)
    states = await followers(following)  # still 200
    assert states["org-structure"]["following"] is False
    assert "could not be reached" in states["org-structure"]["last_error"]
    assert states["org-structure"]["failing_since"] is not None
    assert states["personnel"]["failing_since"] is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "haicap.reporting.feeds"]
    assert [r.getMessage() for r in warnings] == ["event feed unavailable: kept reports expire by their TTL meanwhile"]
    await following.get(SUMMARY, params=AS_OF)
    assert source_calls(org, "org") == 2 * composed  # what was kept may have missed events: composed again

    feeds["org"].take_down(False)
    await caught_up(following, feeds)  # started again from the latest
    feeds["org"].publish("task", province=PROVINCE)
    states = await caught_up(following, feeds)
    assert states["org-structure"]["following"] is True
    assert states["org-structure"]["position"] == 1
    assert any(r.getMessage() == "event feed followed again" for r in caplog.records)


async def test_readiness_shows_no_followers_when_they_are_off(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).json() == {"status": "ready", "service": "reporting"}


async def test_the_commune_profile_shows_each_sources_latest_event_and_its_etag_moves_with_them(
    client: httpx.AsyncClient,
    feeds: Feeds,
    org: respx.MockRouter,  # noqa: F811
) -> None:
    fake_quang_lam(org)
    profile = "/communes/01304/profile"
    feeds["personnel"].publish("placement", province=PROVINCE, commune="01304")
    feeds["assets"].publish("asset", province=PROVINCE, commune="01273")  # another commune

    first = await client.get(profile, params=AS_OF)
    assert first.status_code == 200, first.text
    assert first.json()["event_sequences"] == {"org": 0, "personnel": 1, "assets": 0}
    assert first.json()["complete"] is True
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    latest = [c.request.url for c in org.calls if c.request.url.path.endswith("/events/latest")]
    assert {(url.path, url.params["commune"]) for url in latest} == {
        (f"/api/v1/{prefix}/events/latest", "01304") for prefix in SERVICES
    }

    composed = source_calls(org, "personnel")
    same = await client.get(profile, params=AS_OF, headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.headers["etag"] == etag
    assert same.content == b""
    feeds["assets"].publish("asset", province=PROVINCE, commune="01273")
    assert (await client.get(profile, params=AS_OF, headers={"If-None-Match": etag})).status_code == 304
    assert source_calls(org, "personnel") == composed  # nothing composed for a 304

    feeds["org"].publish("task", province=PROVINCE, commune="01304")
    moved = await client.get(profile, params=AS_OF, headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.json()["event_sequences"] == {"org": 1, "personnel": 1, "assets": 0}
    assert moved.headers["etag"] != etag
    other_day = await client.get(profile, params={"as_of": "2025-06-30"}, headers={"If-None-Match": moved.headers["etag"]})
    assert other_day.status_code == 200


async def test_a_feed_down_leaves_the_profiles_sequence_missing_and_no_etag(
    client: httpx.AsyncClient,
    feeds: Feeds,
    org: respx.MockRouter,  # noqa: F811
) -> None:
    fake_quang_lam(org)
    feeds["assets"].take_down()
    response = await client.get("/communes/01304/profile", params=AS_OF)
    assert response.status_code == 200
    body = response.json()
    assert body["event_sequences"] == {"org": 0, "personnel": 0, "assets": None}
    assert body["complete"] is False
    [missing] = body["missing"]
    assert (missing["section"], missing["service"]) == ("event_sequences", "assets")
    assert "could not be reached" in missing["reason"]
    assert body["assets"]["premises_held_by_communes"] == 37  # the section itself is there
    assert "etag" not in response.headers
    assert response.headers["cache-control"] == "no-store"


def _summary(province: str) -> Report:
    return Report("province_summary", ProvinceSummary, "t", {"province": province}, date(2026, 4, 15), ["tasks", "staff"], [], [])


def test_a_report_composed_while_an_event_came_is_not_kept() -> None:
    cache = ReportCache(past_seconds=300, current_seconds=15)
    since = cache.generation
    cache.drop(Drop(province="08"))  # elsewhere
    cache.put(("summary", "04"), _summary("04"), since=since)
    assert cache.get(("summary", "04")) is not None

    since = cache.generation
    cache.drop(Drop(province="04", sections=frozenset({"dispositions"})))  # no such section in it
    cache.put(("summary", "04", 2), _summary("04"), since=since)
    assert cache.get(("summary", "04")) is not None
    assert cache.get(("summary", "04", 2)) is not None

    since = cache.generation
    cache.drop(Drop(province="04", commune="01304", sections=frozenset({"staff"})))  # while the next one was composed
    cache.put(("summary", "04", 3), _summary("04"), since=since)
    assert cache.get(("summary", "04", 3)) is None
    assert cache.get(("summary", "04")) is None
