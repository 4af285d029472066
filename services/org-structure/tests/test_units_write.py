"""Creating and changing units and changes: the rules, and that bad input changes nothing."""

import uuid
from datetime import date

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from haicap_org_structure.units.models import unit_table
from haicap_shared.testing import assert_problem


async def _unit(client: httpx.AsyncClient, code: str, as_of: str) -> dict:
    response = await client.get(f"/units/by-code/{code}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()


async def _count(client: httpx.AsyncClient, **params: str) -> int:
    return (await client.get("/units/stats", params={"as_of": "2027-01-01"} | params)).json()["total"]


async def _audit(client: httpx.AsyncClient, entity_id: str) -> list[dict]:
    return (await client.get("/audit-events", params={"entity_id": entity_id})).json()["items"]


def _commune(parent_id: str, **overrides: object) -> dict:
    return {
        "code": "01999",
        "name": "Xã Thử Nghiệm",
        "kind": "xa",
        "level": "commune",
        "parent_id": parent_id,
        "valid_from": "2027-01-01",
    } | overrides


async def test_create_a_unit_with_audit_and_etag(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    response = await client.post("/units", json=_commune(province["id"]))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["short_name"] == "Thử Nghiệm"
    assert created["province_code"] == "04"
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"units/{created['id']}"
    assert (await _unit(client, "01999", "2027-01-02"))["id"] == created["id"]
    [event] = await _audit(client, created["id"])
    assert (event["action"], event["entity_type"], event["actor"]) == ("create", "administrative_unit", "test-admin")
    assert event["before"] is None
    assert event["after"]["name"] == "Xã Thử Nghiệm"


async def test_a_code_held_on_overlapping_dates_is_refused(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    total = await _count(client)
    # 01273 is Phường Thục Phán from 2025-07-01 on.
    body = assert_problem(
        await client.post("/units", json=_commune(province["id"], code="01273", valid_from="2026-01-01")),
        409,
        "unit_code_overlap",
    )
    assert "Thục Phán" in body["detail"]
    assert await _count(client) == total
    # The same code before Hợp Giang's time is free... but Hợp Giang holds it until 2025-06-30 with no start: still overlapping.
    assert_problem(
        await client.post("/units", json=_commune(province["id"], code="01273", valid_from="2020-01-01", valid_to="2020-12-31")),
        409,
        "unit_code_overlap",
    )


async def test_a_child_must_lie_within_its_parent(client: httpx.AsyncClient, cao_bang) -> None:
    district = (await client.get("/units", params={"q": "hoa an", "level": "district"})).json()["items"][0]
    assert district["valid_to"] == "2025-06-30"
    assert_problem(
        await client.post("/units", json=_commune(district["id"], valid_from="2025-01-01")), 409, "outside_parent_validity"
    )
    assert_problem(await client.post("/units", json=_commune(str(uuid.uuid4()))), 409, "parent_not_found")
    commune = await _unit(client, "01273", "2026-01-01")
    assert_problem(await client.post("/units", json=_commune(commune["id"])), 409, "parent_level_mismatch")


async def test_malformed_units_are_refused(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    total = await _count(client)
    for bad in (
        _commune(province["id"], valid_from="2027-02-30"),
        _commune(province["id"], valid_from="2027-01-01", valid_to="2026-01-01"),
        _commune(province["id"], kind="huyen"),
        _commune(province["id"], code="019"),
        _commune(None),
    ):
        assert_problem(await client.post("/units", json=bad), 422, "validation_error")
    assert await _count(client) == total


async def test_update_needs_the_current_etag(client: httpx.AsyncClient, cao_bang) -> None:
    unit = await _unit(client, "01273", "2026-01-01")
    url = f"/units/{unit['id']}"
    assert_problem(await client.patch(url, json={"name": "Phường Mới"}), 428, "if_match_required")
    assert_problem(await client.patch(url, json={"name": "Phường Mới"}, headers={"If-Match": '"7"'}), 412, "stale_version")
    assert (await client.get(url)).json()["name"] == "Phường Thục Phán"

    renamed = await client.patch(url, json={"name": "Phường Thục Phán Mới"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["etag"] == '"2"'
    assert renamed.json()["short_name"] == "Thục Phán Mới"
    assert [u["name"] for u in (await client.get("/units", params={"q": "thuc phan moi"})).json()["items"]] == [
        "Phường Thục Phán Mới"
    ]
    # The first ETag is stale now.
    assert_problem(await client.patch(url, json={"name": "Phường Khác"}, headers={"If-Match": '"1"'}), 412, "stale_version")
    # The import recorded the unit; the rename is the next event.
    events = await _audit(client, unit["id"])
    assert [(e["action"], e["actor"]) for e in events] == [("create", "system:test-import"), ("update", "test-admin")]
    assert (events[1]["before"]["name"], events[1]["after"]["name"]) == ("Phường Thục Phán", "Phường Thục Phán Mới")
    assert (events[1]["before"]["version"], events[1]["after"]["version"]) == (1, 2)


async def test_update_cannot_strand_children_or_overlap(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    body = assert_problem(
        await client.patch(f"/units/{province['id']}", json={"valid_to": "2025-12-31"}, headers={"If-Match": '"1"'}),
        409,
        "children_outside_validity",
    )
    assert "under Tỉnh Cao Bằng" in body["detail"]
    hop_giang = await _unit(client, "01273", "2025-06-01")
    assert_problem(
        await client.patch(f"/units/{hop_giang['id']}", json={"valid_to": None}, headers={"If-Match": '"1"'}),
        409,
        "outside_parent_validity",
    )
    assert (await client.get(f"/units/{hop_giang['id']}")).json()["valid_to"] == "2025-06-30"


async def test_idempotent_create(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    payload = _commune(province["id"])
    key = {"Idempotency-Key": "c0ffee-1"}
    first = await client.post("/units", json=payload, headers=key)
    again = await client.post("/units", json=payload, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    matches = (await client.get("/units", params={"q": "thu nghiem"})).json()["items"]
    assert len(matches) == 1

    body = assert_problem(
        await client.post("/units", json=payload | {"name": "Xã Khác"}, headers=key), 422, "idempotency_key_reused"
    )
    assert "new key" in body["detail"]
    assert [u["name"] for u in (await client.get("/units", params={"q": "thu nghiem"})).json()["items"]] == ["Xã Thử Nghiệm"]
    assert (await client.get("/units", params={"q": "xa khac"})).json()["items"] == []


async def test_record_a_merge(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    a = (
        await client.post(
            "/units", json=_commune(province["id"], code="01991", name="Xã A", valid_from="2026-01-01", valid_to="2026-12-31")
        )
    ).json()
    b = (
        await client.post(
            "/units", json=_commune(province["id"], code="01992", name="Xã B", valid_from="2026-01-01", valid_to="2026-12-31")
        )
    ).json()
    ab = (await client.post("/units", json=_commune(province["id"], code="01993", name="Xã AB", valid_from="2027-01-01"))).json()
    change = {
        "kind": "merge",
        "effective_date": "2027-01-01",
        "legal_basis": "Nghị quyết thử nghiệm",
        "source_unit_ids": [a["id"], b["id"]],
        "result_unit_ids": [ab["id"]],
    }
    response = await client.post("/unit-changes", json=change)
    assert response.status_code == 201, response.text
    created = response.json()
    assert [u["name"] for u in created["sources"]] == ["Xã A", "Xã B"]
    assert created["province_code"] == "04"
    lineage = (await client.get(f"/units/{a['id']}/lineage")).json()
    assert [s["unit"]["name"] for s in lineage["successors"]] == ["Xã AB"]
    listed = (await client.get("/unit-changes", params={"unit_id": ab["id"]})).json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]
    assert (await client.get(f"/unit-changes/{created['id']}")).json() == created


async def test_a_change_whose_dates_do_not_line_up_is_refused(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    a = (await client.post("/units", json=_commune(province["id"], code="01991", name="Xã A", valid_from="2026-01-01"))).json()
    b = (
        await client.post(
            "/units", json=_commune(province["id"], code="01992", name="Xã B", valid_from="2026-01-01", valid_to="2026-12-31")
        )
    ).json()
    ab = (await client.post("/units", json=_commune(province["id"], code="01993", name="Xã AB", valid_from="2027-01-02"))).json()
    before = (await client.get("/unit-changes", params={"province": "04", "limit": 500})).json()["items"]
    change = {
        "kind": "merge",
        "effective_date": "2027-01-01",
        "legal_basis": "Nghị quyết thử nghiệm",
        "source_unit_ids": [a["id"], b["id"]],
        "result_unit_ids": [ab["id"]],
    }
    body = assert_problem(await client.post("/unit-changes", json=change), 409, "change_dates_inconsistent")
    assert len(body["problems"]) == 2
    assert any("Xã A" in p for p in body["problems"])
    assert any("Xã AB" in p for p in body["problems"])
    missing = change | {"source_unit_ids": [a["id"], str(uuid.uuid4())]}
    assert_problem(await client.post("/unit-changes", json=missing), 409, "change_units_not_found")
    assert_problem(await client.post("/unit-changes", json=change | {"kind": "split"}), 422, "validation_error")
    assert (await client.get("/unit-changes", params={"province": "04", "limit": 500})).json()["items"] == before


async def test_delete_a_unit_recorded_by_mistake(client: httpx.AsyncClient, cao_bang) -> None:
    province = await _unit(client, "04", "2026-01-01")
    created = (await client.post("/units", json=_commune(province["id"]))).json()
    url = f"/units/{created['id']}"
    assert_problem(await client.delete(url), 428, "if_match_required")
    assert_problem(await client.delete(url, headers={"If-Match": '"2"'}), 412, "stale_version")
    assert (await client.delete(url, headers={"If-Match": '"1"'})).status_code == 204
    assert_problem(await client.get(url), 404, "unit_not_found")
    assert [e["action"] for e in await _audit(client, created["id"])] == ["create", "delete"]
    # A unit with history stays: end its validity instead.
    body = assert_problem(await client.delete(f"/units/{province['id']}", headers={"If-Match": '"1"'}), 409, "unit_in_use")
    assert "end its validity" in body["detail"]
    hop_giang = await _unit(client, "01273", "2025-06-01")
    assert_problem(await client.delete(f"/units/{hop_giang['id']}", headers={"If-Match": '"1"'}), 409, "unit_in_use")
    assert (await client.get(f"/units/{province['id']}")).status_code == 200


async def test_postgresql_itself_refuses_overlapping_codes(db_backend: str, session, cao_bang) -> None:
    """Beyond the service's check, PostgreSQL's exclusion constraint stops a racing writer."""
    if db_backend != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; the service's check is what guards it there")
    thuc_phan = (
        await session.execute(select(unit_table).where(unit_table.c.code == "01273", unit_table.c.valid_to.is_(None)))
    ).one()
    row = dict(thuc_phan._mapping) | {"id": uuid.uuid4(), "valid_from": date(2026, 1, 1)}
    with pytest.raises(IntegrityError, match="ex_administrative_unit_code_validity"):
        async with session.begin_nested():
            await session.execute(insert(unit_table).values(**row))
