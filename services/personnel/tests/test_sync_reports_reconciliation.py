"""Reconciliations: a national-side export compared with haicap's records, kept, masked, bounded."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_personnel.sync.models import ChangeStatus, dossier_change_table
from haicap_personnel.sync.national_record import FORMAT
from haicap_personnel.sync_reports import importer
from haicap_shared.personal_data import mask
from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .conftest import World
from .helpers import create_person
from .test_sync_reports import change_row

PATH = "/national-sync/reconciliations"
NDJSON = {"Content-Type": "application/x-ndjson"}


def record(
    pin: str, *, change_id: uuid.UUID | None = None, kind: str = "person", fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A line of the export, in haicap's record format (what the national side holds, read back)."""
    return {
        "format": FORMAT,
        "change_id": str(change_id or uuid.uuid4()),
        "personal_identification_number": pin,
        "operation": "updated",
        "record_kind": kind,
        "record_id": str(uuid.uuid4()),
        "groups": ["identity"],
        "changed_fields": sorted(fields or {}),
        "fields": fields or {},
        "decision": None,
        "metadata": {"source_system": "haicap"},
    }


def lines(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


class Scene:
    def __init__(
        self, people: dict[str, dict[str, Any]], national_ids: dict[str, str], changes: dict[str, dict[str, Any]]
    ) -> None:
        self.people = people
        self.national_ids = national_ids
        self.changes = changes

    def export(self) -> bytes:
        """The national side holds the department person (with another birth date) and the commune person's
        acknowledged change, one stranger, and not the other province's person nor two acknowledged changes."""
        return lines(
            record(
                self.national_ids["department"],
                change_id=self.changes["dept_ack_held"]["id"],
                fields={"full_name": "Hoàng Thị Bích", "birth_date": "1985-03-11"},
            ),
            record(self.national_ids["commune"], change_id=self.changes["commune_ack_held"]["id"], kind="career_event"),
            record("004085999999", fields={"full_name": "Người Lạ"}),
        )


@pytest_asyncio.fixture
async def scene(client: httpx.AsyncClient, db_connection: AsyncConnection, world: World) -> Scene:
    people = {
        "department": await create_person(client, world.department.id, full_name="Hoàng Thị Bích", birth_date="1985-03-10"),
        "commune": await create_person(client, world.new_office.id, full_name="Nông Văn Cường"),
        "elsewhere": await create_person(client, world.elsewhere.id, full_name="Lục Văn Dũng"),
    }
    national_ids = {
        name: (await client.get(f"/people/{p['id']}", params={"reveal": "true"})).json()["national_id"]
        for name, p in people.items()
    }
    acknowledged = {"status": ChangeStatus.ACKNOWLEDGED, "acknowledged_at": datetime(2026, 12, 3, 3, tzinfo=UTC)}
    changes = {
        "dept_ack_held": change_row(
            people["department"], world.department, arose_on="2026-12-01", due_date="2026-12-04", **acknowledged
        ),
        "dept_ack_missing": change_row(
            people["department"], world.department, arose_on="2026-12-01", due_date="2026-12-04", **acknowledged
        ),
        "commune_ack_held": change_row(
            people["commune"], world.new_office, arose_on="2026-12-01", due_date="2026-12-04", **acknowledged
        ),
        "elsewhere_ack_missing": change_row(
            people["elsewhere"], world.elsewhere, arose_on="2026-12-01", due_date="2026-12-04", **acknowledged
        ),
        "commune_sent": change_row(
            people["commune"], world.new_office, arose_on="2026-12-01", due_date="2026-12-04", status=ChangeStatus.SENT
        ),
    }
    await db_connection.execute(dossier_change_table.insert(), list(changes.values()))
    return Scene(people, national_ids, changes)


def _counts(body: dict[str, Any]) -> dict[str, int]:
    keys = ("lines", "people_in_file", "changes_in_file", "missing_nationally", "missing_in_haicap", "field_differences")
    return {k: body[k] for k in (*keys, "acknowledged_not_held")}


async def _differences(client: httpx.AsyncClient, rid: str, headers: dict[str, str] | None = None, **params: Any) -> list[dict]:
    response = await client.get(f"{PATH}/{rid}/differences", params={"limit": 100} | params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


async def test_an_admin_reconciles_the_whole_export(client: httpx.AsyncClient, scene: Scene) -> None:
    response = await client.post(PATH, content=scene.export(), headers=NDJSON, params={"filename": "csdl-quoc-gia.jsonl"})
    assert response.status_code == 201, response.text
    made = response.json()
    assert _counts(made) == {
        "lines": 3,
        "people_in_file": 3,
        "changes_in_file": 3,
        "missing_nationally": 1,  # the other province's person
        "missing_in_haicap": 1,  # the stranger
        "field_differences": 1,  # the department person's birth date
        "acknowledged_not_held": 2,  # one of the department's, the other province's
    }
    assert made["filename"] == "csdl-quoc-gia.jsonl"
    assert response.headers["location"] == f"reconciliations/{made['id']}"

    kept = await client.get(f"{PATH}/{made['id']}")
    assert kept.status_code == 200
    assert kept.json() == made
    differences = await _differences(client, made["id"])
    found = sorted((d["kind"], d["national_id"], d["field"], d["haicap_value"], d["national_value"]) for d in differences)
    ids = scene.national_ids
    assert found == [
        ("acknowledged_not_held", mask(ids["department"]), None, None, None),
        ("acknowledged_not_held", mask(ids["elsewhere"]), None, None, None),
        ("field_differs", mask(ids["department"]), "birth_date", "1985-03-10", "1985-03-11"),
        ("missing_in_haicap", mask("004085999999"), None, None, None),
        ("missing_nationally", mask(ids["elsewhere"]), None, None, None),
    ]
    not_held = {d["change_id"] for d in differences if d["kind"] == "acknowledged_not_held"}
    assert not_held == {str(scene.changes["dept_ack_missing"]["id"]), str(scene.changes["elsewhere_ack_missing"]["id"])}
    only = await _differences(client, made["id"], kind="missing_nationally")
    assert [d["person_id"] for d in only] == [scene.people["elsewhere"]["id"]]
    listed = (await client.get(PATH)).json()["items"]
    assert [r["id"] for r in listed] == [made["id"]]
    # The staged lines are gone once the differences are kept.
    events = (await client.get("/audit-events", params={"entity_id": made["id"]})).json()["items"]
    assert [(e["entity_type"], e["action"]) for e in events] == [("sync_reconciliation", "create")]


async def test_a_province_officer_reconciles_their_province(
    client: httpx.AsyncClient, test_tokens: TestTokens, scene: Scene
) -> None:
    province = test_tokens.headers(Role.PROVINCE_OFFICER, province="04")
    response = await client.post(PATH, content=scene.export(), headers=province | NDJSON)
    assert response.status_code == 201, response.text
    made = response.json()
    # The other province's person and change are not theirs to miss.
    assert (made["missing_nationally"], made["missing_in_haicap"], made["field_differences"], made["acknowledged_not_held"]) == (
        0,
        1,
        1,
        1,
    )
    assert made["province_code"] == "04"

    # Another province's officer, and a commune's, do not read it; a viewer reads no reconciliation at all.
    other = test_tokens.headers(Role.PROVINCE_OFFICER, province="06")
    assert_problem(await client.get(f"{PATH}/{made['id']}", headers=other), 403, "outside_area")
    assert (await client.get(PATH, headers=other)).json()["items"] == []
    assert_problem(await client.get(f"{PATH}/{made['id']}/differences", headers=other), 403, "outside_area")
    commune = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01010")
    assert_problem(await client.get(f"{PATH}/{made['id']}", headers=commune), 403, "outside_area")
    viewer = test_tokens.headers(Role.VIEWER)
    assert_problem(await client.get(f"{PATH}/{made['id']}", headers=viewer), 403, "role_not_allowed")
    assert_problem(await client.post(PATH, content=scene.export(), headers=viewer | NDJSON), 403, "role_not_allowed")
    auditor = test_tokens.headers(Role.AUDITOR)
    assert (await client.get(f"{PATH}/{made['id']}", headers=auditor)).status_code == 200


async def test_national_ids_are_revealed_only_on_request_and_audited(
    client: httpx.AsyncClient, test_tokens: TestTokens, scene: Scene
) -> None:
    made = (await client.post(PATH, content=scene.export(), headers=NDJSON)).json()
    revealed = await _differences(client, made["id"], reveal="true", kind="field_differs")
    assert [d["national_id"] for d in revealed] == [scene.national_ids["department"]]
    events = (await client.get("/audit-events", params={"entity_id": scene.people["department"]["id"], "limit": 50})).json()
    reveals = [e for e in events["items"] if e["action"] == "reveal"]
    # One reveal when the scene read the id, one for the reconciliation's page.
    assert len(reveals) == 2
    auditor = test_tokens.headers(Role.AUDITOR)
    assert_problem(
        await client.get(f"{PATH}/{made['id']}/differences", params={"reveal": "true"}, headers=auditor),
        403,
        "reveal_not_allowed",
    )
    masked = await _differences(client, made["id"], auditor)
    assert all(d["national_id"] is None or d["national_id"].startswith("*********") for d in masked)


async def test_a_gzip_export_reads_as_the_plain_one(client: httpx.AsyncClient, scene: Scene) -> None:
    response = await client.post(PATH, content=gzip.compress(scene.export()), headers={"Content-Type": "application/gzip"})
    assert response.status_code == 201, response.text
    assert (response.json()["lines"], response.json()["field_differences"]) == (3, 1)


async def test_an_unreadable_export_is_refused_with_its_lines(client: httpx.AsyncClient, scene: Scene) -> None:
    body = scene.export() + b"{not json\n" + lines({"format": "other"}) + lines(record("12345"))
    problem = assert_problem(await client.post(PATH, content=body, headers=NDJSON), 422, "export_unreadable")
    assert [(p["line"], p["error"].split(" (")[0]) for p in problem["problems"]] == [
        (4, "not JSON"),
        (5, f"format is not {FORMAT}"),
        (6, "personal_identification_number is not 12 digits"),
    ]
    assert_problem(await client.post(PATH, content=b"\n\n", headers=NDJSON), 422, "export_unreadable")
    assert_problem(await client.post(PATH, content=b"\x1f\x8bnot gzip", headers=NDJSON), 422, "export_unreadable")
    assert (await client.get(PATH)).json()["items"] == []


def test_the_reading_is_bounded() -> None:
    one = lines(record("004085000001"))
    small = importer.ExportLimits(
        max_upload_bytes=10_000, max_decompressed_bytes=len(one) * 2, max_line_bytes=len(one), max_lines=2
    )
    assert len(importer.read_export(io.BytesIO(one * 2), small).lines) == 2
    with pytest.raises(importer.ExportTooManyLines):
        importer.read_export(io.BytesIO(one * 3), importer.ExportLimits(max_lines=2))
    with pytest.raises(importer.ExportLineTooLong):
        importer.read_export(io.BytesIO(one), importer.ExportLimits(max_line_bytes=len(one) - 2))
    with pytest.raises(importer.ExportTooLarge):
        importer.read_export(io.BytesIO(gzip.compress(one * 3)), small)


async def test_the_upload_is_bounded_as_it_arrives() -> None:
    async def body() -> Any:
        for _ in range(5):
            yield b"x" * 1000

    with pytest.raises(importer.ExportTooLarge):
        await importer.spool(body(), importer.ExportLimits(max_upload_bytes=4500))
    spooled = await importer.spool(body(), importer.ExportLimits(max_upload_bytes=5000))
    assert len(spooled.read()) == 5000
