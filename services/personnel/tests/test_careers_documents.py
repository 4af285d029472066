"""A career event's decision as a PDF: stored once by its SHA-256 in the service's folder; bounded; read in the area."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from haicap_personnel.app import create_app
from haicap_personnel.settings import PersonnelSettings
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .career_helpers import PDF, put_document, record
from .conftest import World
from .helpers import create_person

LIMIT = 4096


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, world: World, tmp_path: Path) -> FastAPI:
    """The app with its folder in the test's temporary directory, and a small limit."""
    settings = PersonnelSettings(database_url=db_url, jwks=test_tokens.jwks_json, var_dir=tmp_path, documents_max_bytes=LIMIT)
    return create_app(settings, org_client_factory=lambda _app: world)


async def test_a_pdf_is_stored_once_by_its_checksum_in_the_folder(
    client: httpx.AsyncClient, world: World, tmp_path: Path
) -> None:
    person = await create_person(client, world.new_office.id)
    first = await record(client, person["id"])
    second = await record(client, person["id"], "salary_step_change", salary_step=2)
    sha = hashlib.sha256(PDF).hexdigest()
    attached = await put_document(client, first, PDF)
    assert attached.status_code == 200, attached.text
    assert attached.json()["document"] == {"sha256": sha, "size": len(PDF), "content_type": "application/pdf"}
    assert attached.headers["etag"] == '"2"'
    assert (await put_document(client, second, PDF)).json()["document"]["sha256"] == sha
    stored = sorted(p.relative_to(tmp_path) for p in (tmp_path / "documents").rglob("*") if p.is_file())
    assert stored == [Path("documents") / sha[:2] / sha]
    assert (tmp_path / "documents" / sha[:2] / sha).read_bytes() == PDF

    download = await client.get(f"/career-events/{first['id']}/document")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["etag"] == f'"{sha}"'
    assert download.headers["repr-digest"] == "sha-256=:" + base64.b64encode(hashlib.sha256(PDF).digest()).decode() + ":"
    assert download.headers["content-disposition"] == f'attachment; filename="quyet-dinh-{first["id"]}.pdf"'

    feed = (await client.get("/events", params={"after": 0, "type": "vn.gov.haicap.personnel.career_event"})).json()["events"]
    assert [e["type"].rsplit(".", 1)[1] for e in feed] == ["created", "created", "updated", "updated"]
    assert feed[2]["data"]["record"]["document"]["sha256"] == sha
    assert feed[2]["data"]["changed_fields"] == ["document_sha256"]


async def test_only_a_bounded_pdf_is_taken(client: httpx.AsyncClient, world: World) -> None:
    person = await create_person(client, world.department.id)
    event = await record(client, person["id"])
    assert_problem(await put_document(client, event, b"<html>not a pdf</html>"), 415, "not_a_pdf")
    assert_problem(await put_document(client, event, PDF, **{"Content-Type": "text/plain"}), 415, "not_a_pdf")
    too_large = await put_document(client, event, PDF + b"0" * LIMIT)
    assert assert_problem(too_large, 413, "document_too_large")["limit"] == LIMIT
    url = f"/career-events/{event['id']}/document"
    assert_problem(await client.put(url, content=PDF, headers={"Content-Type": "application/pdf"}), 428, "if_match_required")
    assert_problem(await client.get(url), 404, "document_not_found")
    assert (await client.get(f"/career-events/{event['id']}")).json()["version"] == 1


async def test_a_document_is_detached_and_read_in_the_area_only(
    client: httpx.AsyncClient, world: World, test_tokens: TestTokens
) -> None:
    person = await create_person(client, world.new_office.id)
    event = (await put_document(client, await record(client, person["id"]), PDF)).json()
    url = f"/career-events/{event['id']}/document"
    other = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01001")
    assert_problem(await client.get(url, headers=other), 403, "outside_area")
    assert_problem(await client.get(url, headers=test_tokens.headers(Role.VIEWER)), 403, "role_not_allowed")
    auditor = await client.get(url, headers=test_tokens.headers(Role.AUDITOR))
    assert auditor.content == PDF
    detached = await client.delete(url, headers={"If-Match": f'"{event["version"]}"'})
    assert detached.status_code == 200, detached.text
    assert (detached.json()["document"], detached.json()["version"]) == (None, 3)
    assert_problem(await client.get(url), 404, "document_not_found")
    assert_problem(await client.delete(url, headers={"If-Match": '"3"'}), 404, "document_not_found")
