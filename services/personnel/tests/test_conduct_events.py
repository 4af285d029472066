"""Evaluations, commendations and disciplines publish one event per change, whose record is what GET answers."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import World
from .helpers import create_person
from .test_events import _events, _get, _mark, _types

DECISION = {"number": "5/QĐ-UBND", "date": "2025-05-05", "signer": "Chủ tịch UBND xã", "issuer": "UBND xã Mới"}


async def _created_and_changed(
    client: httpx.AsyncClient, db_connection: AsyncConnection, path: str, body: dict[str, Any], change: dict[str, Any]
) -> list[dict[str, Any]]:
    mark = await _mark(db_connection)
    created = await client.post(path, json=body)
    assert created.status_code == 201, created.text
    url = f"{path}/{created.json()['id']}"
    shown = await _get(client, url)
    changed = await client.patch(url, json=change, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    events = await _events(db_connection, mark)
    kind = path.strip("/").removesuffix("s")
    assert _types(events) == [f"{kind}.created", f"{kind}.updated"]
    assert events[0]["data"] == {"record": shown, "changed_fields": None}
    assert events[1]["data"]["record"] == await _get(client, url)
    assert events[0]["subject"] == f"/api/v1/personnel{url}"
    assert (events[0]["provincecode"], events[0]["communecode"]) == ("04", "01010")
    return events


async def test_each_change_has_its_event(client: httpx.AsyncClient, db_connection: AsyncConnection, world: World) -> None:
    person = await create_person(client, world.new_office.id)
    evaluation = {
        "person_id": person["id"],
        "year": 2025,
        "grade": "good",
        "evaluator": "Chủ tịch UBND xã",
        "evaluation_date": "2025-12-20",
    }
    events = await _created_and_changed(client, db_connection, "/evaluations", evaluation, {"grade": "excellent"})
    assert events[1]["data"]["changed_fields"] == ["grade"]
    commendation = {"person_id": person["id"], "form_code": "giay-khen", "decision": DECISION, "reason": "Thành tích"}
    events = await _created_and_changed(client, db_connection, "/commendations", commendation, {"reason": "Thành tích xuất sắc"})
    assert events[1]["data"]["changed_fields"] == ["reason"]
    discipline = {"person_id": person["id"], "form_code": "khien-trach", "decision": DECISION, "reason": "Vi phạm"}
    events = await _created_and_changed(client, db_connection, "/disciplines", discipline, {"form_code": "canh-cao"})
    assert events[1]["data"]["record"]["effect_end_date"] == "2026-05-04"
    assert events[1]["data"]["changed_fields"] == ["form_code"]
