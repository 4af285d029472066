"""The national benchmark data set (haicap_scenario.national), small, on fresh PostgreSQL databases.

It runs the services' own ``migrate`` and ``import-units --all`` (processes), then checks that
the three databases agree with each other (every person, placement and asset points at an
agency or unit org-structure holds, with the same province and commune) and that the same
seed gives the same records.
"""

import asyncio
import random
from collections.abc import Iterator

import asyncpg
import pytest
from haicap_scenario import national

from haicap_shared import testing as shared_testing

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif("postgresql" not in shared_testing.test_backends(), reason="HAICAP_TEST_BACKENDS leaves PostgreSQL out"),
]

SIZES = national.Sizes(people=3000, assets=800, tasks=400)
SEED = 7


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[national.Urls, dict]]:
    names = ("org", "personnel", "assets")
    urls = {n: asyncio.run(shared_testing.create_postgres_database(f"haicap_national_{n}")) for n in names}
    try:
        plain = national.Urls(*(national.plain(urls[n]) for n in names))
        summary = asyncio.run(national.load(plain, SIZES, SEED, log=lambda _line: None))
        yield plain, summary
    finally:
        for url in urls.values():
            asyncio.run(shared_testing.drop_postgres_database(url))


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


def test_the_country_and_the_counts(loaded: tuple[national.Urls, dict]) -> None:
    _, summary = loaded
    assert summary["units"]["provinces"] == 34
    assert summary["units"]["communes"] == 3321
    # NOTE: per province 14 agencies, per commune 4 organisations, per former district one office.
    assert summary["org"]["agencies"] == 34 * 14 + 3321 * 4 + summary["units"]["former_districts"]
    assert summary["org"]["tasks"] == SIZES.tasks
    assert summary["personnel"]["people"] == SIZES.people
    assert 0.98 * SIZES.people < summary["personnel"]["placements"] < SIZES.people
    assert summary["assets"]["assets"] == summary["assets"]["allocations"] == SIZES.assets
    assert summary["assets"]["dispositions"] > 0


def test_the_services_agree(loaded: tuple[national.Urls, dict]) -> None:
    urls, _ = loaded
    agencies = {
        r["id"]: (r["province_code"], r["commune_code"], r["unit_id"], r["valid_to"])
        for r in asyncio.run(_fetch(urls.org, "SELECT id, province_code, commune_code, unit_id, valid_to FROM agency"))
    }
    units = {r["id"]: r for r in asyncio.run(_fetch(urls.org, "SELECT id, code, province_code FROM administrative_unit"))}
    for table in ("person", "placement", "job_position", "staffing_quota", "streamlining_case"):
        rows = asyncio.run(
            _fetch(urls.personnel, f"SELECT agency_id, province_code, commune_code, unit_id, agency_valid_to FROM {table}")
        )
        assert rows, table
        assert all(
            agencies[r["agency_id"]] == (r["province_code"], r["commune_code"], r["unit_id"], r["agency_valid_to"]) for r in rows
        ), table
    placed = asyncio.run(
        _fetch(
            urls.personnel,
            "SELECT count(*) AS n FROM placement p JOIN person per ON per.id = p.person_id WHERE per.agency_id = p.agency_id",
        )
    )
    assert placed[0]["n"] > 0.98 * SIZES.people
    held = asyncio.run(
        _fetch(urls.assets, "SELECT holder_id, holder_unit_id, holder_commune_code, holder_province_code FROM allocation")
    )
    for r in held:
        unit = units[r["holder_unit_id"]]
        assert r["holder_id"] == r["holder_unit_id"]
        assert unit["province_code"] == r["holder_province_code"]
        assert r["holder_commune_code"] in (None, unit["code"])
    # NOTE: the statistics' copies the loader writes itself (the triggers fill only what a writer leaves out)
    copies = asyncio.run(
        _fetch(
            urls.assets,
            "SELECT (SELECT count(*) FROM allocation al JOIN asset a ON a.id = al.asset_id WHERE al.asset_kind = a.kind)"
            " AS kinds, (SELECT count(*) FROM asset_event e JOIN asset a ON a.id = e.asset_id"
            " WHERE e.province_code = a.province_code) AS provinces,"
            " (SELECT count(*) FROM allocation) AS allocations, (SELECT count(*) FROM asset_event) AS events",
        )
    )
    assert (copies[0]["kinds"], copies[0]["provinces"]) == (copies[0]["allocations"], copies[0]["events"])


def test_the_same_seed_gives_the_same_people(loaded: tuple[national.Urls, dict]) -> None:
    urls, _ = loaded

    async def country() -> national.Country:
        connection = await asyncpg.connect(urls.org)
        try:
            found = await national.read_units(connection)
        finally:
            await connection.close()
        from haicap_shared.text import search_key

        national.make_agencies(found, national.Ids(random.Random(f"{SEED}:org")), search_key)
        return found

    again = [
        row
        for batch, _ in national.people_rows(random.Random(f"{SEED}:personnel"), asyncio.run(country()), SIZES.people, "x")
        for row in batch
    ]
    stored = asyncio.run(_fetch(urls.personnel, "SELECT id, national_id, full_name, agency_id FROM person"))
    assert sorted((r[0], r[4], r[5], r[17]) for r in again) == sorted(tuple(r) for r in stored)
