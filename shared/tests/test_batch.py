"""``POST /batch`` through the sample service: each read answered as it would be alone, as the caller."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_shared import batch
from haicap_shared.batch import MAX_PATH_LENGTH, MAX_READS, ReadBatches
from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.http import ServiceClient, UpstreamError, new_http_client
from haicap_shared.roles import Role
from haicap_shared.testing import NO_AUTH, TestTokens, assert_problem, closed_port_url

from .sample_service import metadata


async def _note(client: httpx.AsyncClient, text: str) -> str:
    response = await client.post("/notes", json={"text": text})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _batch(client: httpx.AsyncClient, *paths: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post("/batch", json={"reads": [{"path": path} for path in paths]}, headers=headers)


async def test_each_read_is_answered_as_it_would_be_alone(client: httpx.AsyncClient) -> None:
    first, _second = await _note(client, "một"), await _note(client, "hai")
    paths = [
        "/notes?limit=1",
        f"/notes/{first}",
        f"/notes/{uuid.uuid4()}",  # none such: its 404 problem
        "/days?on=2026-04-15&q=C%C3%B4ng%20an%20x%C3%A3",  # percent-encoded, as in a URL
        "/days?on=2026-02-30",  # no such date: its 422 problem
        "/notes?limt=5",  # misspelt: its 422 problem
        "/nothing-here",  # no such route: 404
    ]
    response = await _batch(client, *paths)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    answers = response.json()["answers"]
    assert len(answers) == len(paths)
    for path, answer in zip(paths, answers, strict=True):
        alone = await client.get(path)
        assert answer["status"] == alone.status_code, path
        body = alone.json()
        if "request_id" in body:  # NOTE: a problem names its own request
            body.pop("request_id")
            answer["body"].pop("request_id")
        assert answer["body"] == body, path
    assert [a["status"] for a in answers] == [200, 200, 404, 200, 422, 422, 404]
    assert answers[3]["body"]["pattern"] == "%cong an xa%"  # NOTE: the query decoded, then folded as alone
    assert answers[5]["body"]["code"] == "unknown_query_parameter"


async def test_each_read_is_authorised_as_the_caller(client: httpx.AsyncClient, test_tokens: TestTokens) -> None:
    note = await _note(client, "riêng")
    auditor = test_tokens.headers(Role.AUDITOR)
    answers = (await _batch(client, "/notes", f"/notes/{note}", headers=auditor)).json()["answers"]
    # The list is for admins and province officers; one note may be read by an auditor, masked.
    assert answers[0]["status"] == 403
    assert answers[0]["body"]["code"] == "role_not_allowed"
    assert answers[1]["status"] == 200
    assert answers[1]["body"]["text"] != "riêng"
    assert_problem(await _batch(client, "/notes", headers=NO_AUTH), 401, "not_authenticated")
    # A person reads their own dossier, one route at a time.
    assert_problem(await _batch(client, "/days?on=2026-04-15", headers=test_tokens.headers(Role.STAFF)), 403, "role_not_allowed")
    expired = test_tokens.headers(ttl_seconds=-60)
    assert (await _batch(client, "/notes", headers=expired)).status_code == 401


async def test_a_read_that_reveals_is_audited(client: httpx.AsyncClient, db_connection: AsyncConnection) -> None:
    note = await _note(client, "lộ")
    audit = metadata.tables["audit_event"]

    async def reveals() -> int:
        stmt = select(func.count()).select_from(audit).where(audit.c.action == "reveal")
        return int(await db_connection.scalar(stmt) or 0)

    before = await reveals()
    answers = (await _batch(client, f"/notes/{note}?reveal=true")).json()["answers"]
    assert (answers[0]["status"], answers[0]["body"]["text"]) == (200, "lộ")
    assert await reveals() == before + 1


async def test_only_json_answers_are_passed_on(client: httpx.AsyncClient) -> None:
    answers = (await _batch(client, "/docs", "/openapi.json", "/batch")).json()["answers"]
    assert (answers[0]["status"], answers[0]["body"]) == (200, None)  # NOTE: HTML
    assert answers[1]["status"] == 200
    assert "/batch" in answers[1]["body"]["paths"]
    # A batch reads, never writes: /batch itself is not a GET.
    assert answers[2]["status"] == 405


@pytest.mark.parametrize(
    ("reads", "where"),
    [
        ([], "reads"),
        ([{"path": "/notes"}] * (MAX_READS + 1), "reads"),
        ([{"path": "notes"}], "path"),
        ([{"path": "http://example.com/notes"}], "path"),
        ([{"path": "//example.com/notes"}], "path"),
        ([{"path": "/notes?text=a b"}], "path"),
        ([{"path": "/notes/\u1ec7"}], "path"),
        ([{"path": "/notes\r\nX-Injected: 1"}], "path"),
        ([{"path": "/" + "a" * MAX_PATH_LENGTH}], "path"),
        ([{"path": "/notes", "method": "DELETE"}], "method"),
    ],
)
async def test_a_malformed_batch_is_refused_whole(client: httpx.AsyncClient, reads: list[dict[str, str]], where: str) -> None:
    response = await client.post("/batch", json={"reads": reads})
    assert_problem(response, 422, "validation_error")
    assert where in response.json()["detail"]


async def test_the_largest_batch_is_answered(client: httpx.AsyncClient) -> None:
    await _note(client, "một")
    answers = (await _batch(client, *["/notes?limit=1"] * MAX_READS)).json()["answers"]
    assert [a["status"] for a in answers] == [200] * MAX_READS
    assert len({str(a["body"]) for a in answers}) == 1


async def test_an_answer_too_large_is_replaced_by_a_problem(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "MAX_ANSWER_BYTES", 200)
    answers = (await _batch(client, "/openapi.json", "/days?on=2026-04-15")).json()["answers"]
    assert answers[0]["status"] == 502
    assert answers[0]["body"]["code"] == "batch_answer_too_large"
    assert answers[0]["body"]["instance"] == "/openapi.json"
    assert (answers[1]["status"], answers[1]["body"]["on"]) == (200, "2026-04-15")


async def test_reads_asked_at_once_go_as_one_batch_and_one_alone_as_a_get(client: httpx.AsyncClient) -> None:
    note = await _note(client, "một")
    sent: list[tuple[str, str]] = []

    async def note_request(request: httpx.Request) -> None:
        sent.append((request.method, request.url.path))

    client.event_hooks["request"].append(note_request)
    upstream = ServiceClient("shared-sample", "http://testserver", client)
    batches = ReadBatches()
    found = await asyncio.gather(
        batches.get_json(upstream, f"/notes/{note}"),
        batches.get_json(upstream, "/days", {"on": "2026-04-15", "q": "Công an"}),
        batches.get_json(upstream, f"/notes/{uuid.uuid4()}"),
        return_exceptions=True,
    )
    assert sent == [("POST", "/batch")]
    assert isinstance(found[0], dict)
    assert found[0]["id"] == note
    assert isinstance(found[1], dict)
    assert (found[1]["on"], found[1]["pattern"]) == ("2026-04-15", "%cong an%")
    # A read that fails fails alone, with its own problem, as a GET's would.
    assert isinstance(found[2], UpstreamError)
    assert (found[2].status, found[2].code, found[2].extra["service"]) == (404, "not_found", "shared-sample")
    sent.clear()
    assert (await batches.get_json(upstream, "/days", [("on", "2026-04-16")]))["on"] == "2026-04-16"
    assert sent == [("GET", "/days")]


async def test_a_batch_that_fails_whole_fails_each_read_with_its_problem() -> None:
    http = new_http_client(2.0)
    try:
        upstream = ServiceClient("shared-sample", closed_port_url(), http, retries=0)
        batches = ReadBatches()
        found = await asyncio.gather(
            batches.get_json(upstream, "/notes"),
            batches.get_json(upstream, "/days", {"on": "2026-04-15"}),
            return_exceptions=True,
        )
    finally:
        await http.aclose()
    assert [type(f) for f in found] == [UpstreamUnavailable, UpstreamUnavailable]


async def test_more_reads_than_one_batch_holds_go_in_several(client: httpx.AsyncClient) -> None:
    sent: list[int] = []

    async def note_batch(request: httpx.Request) -> None:
        await request.aread()
        sent.append(len(json.loads(request.content)["reads"]))

    client.event_hooks["request"].append(note_batch)
    upstream = ServiceClient("shared-sample", "http://testserver", client)
    batches = ReadBatches()
    days = [(date(2026, 4, 1) + timedelta(days=d)).isoformat() for d in range(MAX_READS + 5)]
    found = await asyncio.gather(*(batches.get_json(upstream, "/days", {"on": day}) for day in days))
    assert [f["on"] for f in found] == days
    assert sent == [MAX_READS, 5]


async def test_a_service_without_batch_is_read_with_one_get_each() -> None:
    """During an upgrade a caller may meet a service of a version before /batch: it reads each read alone then."""
    old = FastAPI()

    @old.get("/days")
    async def day(on: str) -> dict[str, str]:
        return {"on": on}

    sent: list[tuple[str, str]] = []

    async def note_request(request: httpx.Request) -> None:
        sent.append((request.method, request.url.path))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=old), event_hooks={"request": [note_request]}) as http:
        batches = ReadBatches()
        upstream = ServiceClient("old", "http://old", http)
        found = await asyncio.gather(*(batches.get_json(upstream, "/days", {"on": on}) for on in ("2026-04-15", "2026-04-16")))
        assert [f["on"] for f in found] == ["2026-04-15", "2026-04-16"]
        assert sent == [("POST", "/batch"), ("GET", "/days"), ("GET", "/days")]
        sent.clear()
        # A caller told not to batch (reporting's HAICAP_REPORTING_BATCH_READS=false) sends GETs straight away.
        alone = ServiceClient("old", "http://old", http, batch_reads=False)
        await asyncio.gather(*(batches.get_json(alone, "/days", {"on": on}) for on in ("2026-04-15", "2026-04-16")))
        assert sent == [("GET", "/days"), ("GET", "/days")]
