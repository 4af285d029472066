"""The documents of career events in an S3-compatible store: moto's server, started as a real process for this module."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi import FastAPI

from haicap_personnel.app import create_app
from haicap_personnel.settings import PersonnelSettings
from haicap_shared.testing import TestTokens, assert_problem

from .career_helpers import PDF, put_document, record
from .conftest import World
from .helpers import create_person

OTHER_PDF = PDF.replace(b"Catalog", b"Catalog /Lang (vi)")
BUCKET = "haicap-documents"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto's S3 server as a process of its own, with the bucket made; stopped after the module."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1.0, trust_env=False)
                break
            except httpx.TransportError:
                assert server.poll() is None, "moto_server stopped"
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        _s3(url).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _s3(url: str) -> Any:
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def service_app(db_url: str, test_tokens: TestTokens, world: World, tmp_path: Path, moto_url: str) -> FastAPI:
    """The app with its documents in moto's bucket (its folder, which it must not use, in a temporary directory)."""
    settings = PersonnelSettings(
        database_url=db_url,
        jwks=test_tokens.jwks_json,
        var_dir=tmp_path,
        documents_s3_endpoint_url=moto_url,
        documents_s3_bucket=BUCKET,
        documents_s3_access_key_id="test",
        documents_s3_secret_access_key="test",
    )
    return create_app(settings, org_client_factory=lambda _app: world)


async def test_the_s3_store_keeps_one_object_per_checksum(client: httpx.AsyncClient, world: World, moto_url: str) -> None:
    person = await create_person(client, world.department.id)
    first = await record(client, person["id"])
    second = await record(client, person["id"], "salary_step_change", salary_step=2)
    sha = hashlib.sha256(OTHER_PDF).hexdigest()
    for event in (first, second):
        response = await put_document(client, event, OTHER_PDF)
        assert response.status_code == 200, response.text
        assert response.json()["document"]["sha256"] == sha
    listed = _s3(moto_url).list_objects_v2(Bucket=BUCKET, Prefix=f"documents/{sha[:2]}/")
    assert [o["Key"] for o in listed.get("Contents", [])] == [f"documents/{sha[:2]}/{sha}"]
    assert _s3(moto_url).get_object(Bucket=BUCKET, Key=f"documents/{sha[:2]}/{sha}")["Body"].read() == OTHER_PDF
    download = await client.get(f"/career-events/{second['id']}/document")
    assert (download.status_code, download.content, download.headers["etag"]) == (200, OTHER_PDF, f'"{sha}"')


async def test_an_unreachable_store_is_503_and_nothing_is_attached(
    client: httpx.AsyncClient, world: World, service_app: FastAPI, tmp_path: Path
) -> None:
    person = await create_person(client, world.department.id)
    event = await record(client, person["id"])
    service_app.state.settings.documents_s3_bucket = "no-such-bucket"
    service_app.state.document_store = None
    refused = await put_document(client, event, PDF)
    assert assert_problem(refused, 503, "upstream_unavailable")["service"] == "document store"
    assert (await client.get(f"/career-events/{event['id']}")).json()["document"] is None
    assert not (tmp_path / "documents").exists()
