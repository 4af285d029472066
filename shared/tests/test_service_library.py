"""The shared pieces through a sample service: unit of work, audit, idempotency, ETags, paging, problems."""

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_shared.models import utcnow
from haicap_shared.personal_data import mask
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .sample_service import Note, metadata


async def _notes(db_connection: AsyncConnection) -> int:
    return int(await db_connection.scalar(select(func.count()).select_from(Note.__table__)) or 0)


async def _audit_rows(db_connection: AsyncConnection) -> int:
    return int(await db_connection.scalar(select(func.count()).select_from(metadata.tables["audit_event"])) or 0)


async def test_a_failing_request_writes_nothing(client: httpx.AsyncClient, db_connection: AsyncConnection) -> None:
    assert_problem(await client.post("/notes", json={"text": "fail after writing"}), 404, "not_found")
    assert await _notes(db_connection) == 0
    assert await _audit_rows(db_connection) == 0
    assert (await client.post("/notes", json={"text": "kept"})).status_code == 201
    assert await _notes(db_connection) == 1
    assert await _audit_rows(db_connection) == 1


async def test_replay_and_reuse_of_idempotency_keys(client: httpx.AsyncClient, db_connection: AsyncConnection) -> None:
    key = {"Idempotency-Key": "k-1"}
    first = await client.post("/notes", json={"text": "a"}, headers=key)
    # Whitespace and key order do not make another request.
    replay = await client.post("/notes", content=b'{ "text" :  "a" }', headers=key | {"content-type": "application/json"})
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.headers["etag"] == first.headers["etag"] == '"1"'
    assert replay.headers["location"] == first.headers["location"] == f"notes/{first.json()['id']}"
    assert await _notes(db_connection) == 1
    assert_problem(await client.post("/notes", json={"text": "b"}, headers=key), 422, "idempotency_key_reused")
    assert await _notes(db_connection) == 1
    # Without a key, each POST creates.
    await client.post("/notes", json={"text": "a"})
    assert await _notes(db_connection) == 2


async def test_a_key_belongs_to_the_caller_who_sent_it(
    client: httpx.AsyncClient, db_connection: AsyncConnection, test_tokens: TestTokens
) -> None:
    key = {"Idempotency-Key": "k-shared"}
    first = await client.post("/notes", json={"text": "a"}, headers=key | test_tokens.headers(subject="user-a"))
    # Another caller with the same key and body is a new request, not a replay of the first one's response.
    other = await client.post("/notes", json={"text": "a"}, headers=key | test_tokens.headers(subject="user-b"))
    assert (first.status_code, other.status_code) == (201, 201)
    assert "idempotent-replayed" not in other.headers
    assert other.json()["id"] != first.json()["id"]
    again = await client.post("/notes", json={"text": "a"}, headers=key | test_tokens.headers(subject="user-a"))
    assert (again.headers["idempotent-replayed"], again.json()["id"]) == ("true", first.json()["id"])
    assert await _notes(db_connection) == 2


async def test_an_expired_key_may_be_used_again(client: httpx.AsyncClient, db_connection: AsyncConnection) -> None:
    key = {"Idempotency-Key": "k-old"}
    await client.post("/notes", json={"text": "a"}, headers=key)
    table = metadata.tables["idempotency_key"]
    await db_connection.execute(update(table).values(expires_at=utcnow() - timedelta(seconds=1)))
    again = await client.post("/notes", json={"text": "b"}, headers=key)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await _notes(db_connection) == 2


async def test_if_match(client: httpx.AsyncClient) -> None:
    note = (await client.post("/notes", json={"text": "a"})).json()
    url = f"/notes/{note['id']}"
    assert_problem(await client.put(url, json={"text": "b"}), 428, "if_match_required")
    body = assert_problem(await client.put(url, json={"text": "b"}, headers={"If-Match": '"9"'}), 412, "stale_version")
    assert body["current_etag"] == '"1"'
    ok = await client.put(url, json={"text": "b"}, headers={"If-Match": 'W/"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    assert (await client.put(url, json={"text": "c"}, headers={"If-Match": "*"})).headers["etag"] == '"3"'


async def test_keyset_pages_cover_everything_once(client: httpx.AsyncClient) -> None:
    texts = [f"note {i:02d}" for i in range(23)] + ["note 05"]  # a duplicate sort value
    for text in texts:
        await client.post("/notes", json={"text": text})
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        response = await client.get("/notes", params={"limit": 5} | ({"cursor": cursor} if cursor else {}))
        page = response.json()
        seen += [n["text"] for n in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 5
    assert seen == sorted(texts)
    assert_problem(await client.get("/notes", params={"cursor": "eyJ4IjoxfQ"}), 422, "invalid_cursor")
    assert_problem(await client.get("/notes", params={"limit": 0}), 422, "validation_error")
    assert_problem(await client.get("/notes", params={"limit": 501}), 422, "validation_error")


async def test_audit_events_are_readable(client: httpx.AsyncClient) -> None:
    note = (await client.post("/notes", json={"text": "a"}, headers={"X-Request-ID": "req-42"})).json()
    events = (await client.get("/audit-events", params={"entity_type": "note"})).json()["items"]
    assert [(e["entity_id"], e["action"], e["request_id"], e["actor"]) for e in events] == [
        (note["id"], "create", "req-42", "test-admin")
    ]
    assert events[0]["after"]["text"] == "*"


async def test_request_ids_and_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = (await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})).headers["x-request-id"]
    assert generated != "bad id with spaces"
    assert len(generated) == 32
    assert_problem(await client.get("/nowhere"), 404, "not_found")
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")
    body = assert_problem(
        await client.post("/notes", content=b"{not json", headers={"content-type": "application/json"}), 422, "validation_error"
    )
    assert body["errors"]


async def test_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).json() == {"status": "ready", "service": "shared-sample"}


async def test_personal_data_is_masked_and_revealing_it_is_audited(client: httpx.AsyncClient, test_tokens) -> None:
    note = (await client.post("/notes", json={"text": "001085012345"})).json()
    url = f"/notes/{note['id']}"
    assert (await client.get(url)).json()["text"] == "*********345"
    assert (await client.get(url, params={"reveal": "true"})).json()["text"] == "001085012345"
    auditor = test_tokens.headers(Role.AUDITOR)
    assert (await client.get(url, headers=auditor)).json()["text"] == "*********345"
    assert_problem(await client.get(url, params={"reveal": "true"}, headers=auditor), 403, "reveal_not_allowed")
    events = (await client.get("/audit-events", params={"entity_id": note["id"]})).json()["items"]
    assert [(e["action"], e["actor"]) for e in events] == [("create", "test-admin"), ("reveal", "test-admin")]
    assert events[1]["after"] == {"fields": ["text"]}


async def test_audit_snapshots_mask_personal_fields_and_revealing_them_is_audited(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    note = (await client.post("/notes", json={"text": "001085012345"})).json()
    await client.post("/notes", json={"text": "001085054321"})
    auditor = test_tokens.headers(Role.AUDITOR)
    for headers in ({}, auditor):
        masked = await client.get("/audit-events", params={"entity_type": "note"}, headers=headers)
        assert "001085012345" not in masked.text
        assert "001085054321" not in masked.text
        assert masked.json()["items"][0]["after"]["text"] == "*********345"
    assert_problem(await client.get("/audit-events", params={"reveal": "true"}, headers=auditor), 403, "reveal_not_allowed")

    shown = (await client.get("/audit-events", params={"entity_id": note["id"], "reveal": "true"})).json()["items"]
    assert [e["after"]["text"] for e in shown] == ["001085012345"]
    reveals = (await client.get("/audit-events", params={"entity_id": note["id"], "entity_type": "note"})).json()["items"]
    assert [(e["action"], e["actor"]) for e in reveals] == [("create", "test-admin"), ("reveal", "test-admin")]
    assert reveals[1]["after"] == {"fields": ["text"], "audit_events": [shown[0]["id"]]}


def test_mask_keeps_only_the_last_digits() -> None:
    assert mask("001085012345") == "*********345"
    assert mask("12") == "**"
    assert mask(None) is None
