"""An unhandled error is logged once, with the request id the caller got, its method and path.

The request-id middleware logs it while the id is known and answers the 500 problem; before,
Starlette's server-error handler logged it after the id was gone, and uvicorn logged it again.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse

from haicap_shared.app import create_service_app
from haicap_shared.auth import Public
from haicap_shared.settings import ServiceSettings
from haicap_shared.testing import JsonLogLines

router = APIRouter(dependencies=[Public])


@router.get("/boom")
async def boom() -> dict[str, str]:
    """Fail before answering."""
    raise RuntimeError("the disk caught fire")


@router.get("/boom-midway")
async def boom_midway() -> StreamingResponse:
    """Fail after the answer has started."""

    async def lines() -> AsyncIterator[bytes]:
        yield b"first line\n"
        await asyncio.sleep(0)
        raise RuntimeError("the stream broke")

    return StreamingResponse(lines(), media_type="text/plain")


def failing_app(tmp_path) -> FastAPI:
    settings = ServiceSettings(service_name="sample", var_dir=tmp_path, jwks='{"keys": []}')
    return create_service_app(title="sample", description="", settings=settings, metadata=None, routers=[router])


async def test_unhandled_error_is_one_error_line_with_the_request_id(tmp_path, log_lines: JsonLogLines) -> None:
    app = failing_app(tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sample.test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert "fire" not in response.text, "the error itself stays in the log"
    request_id = response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    [error] = log_lines.errors()
    assert error["request_id"] == request_id
    assert (error["method"], error["path"]) == ("GET", "/boom")
    assert "the disk caught fire" in str(error["exception"])
    [access] = [line for line in log_lines.lines if line["logger"] == "haicap.access"]
    assert (access["status"], access["request_id"]) == (500, request_id)


async def test_callers_request_id_is_on_the_error_line(tmp_path, log_lines: JsonLogLines) -> None:
    transport = httpx.ASGITransport(app=failing_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://sample.test") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "frontend-7"})
    assert response.headers["x-request-id"] == "frontend-7"
    assert [line["request_id"] for line in log_lines.errors()] == ["frontend-7"]


class ServerThread:
    """uvicorn serving ``app`` on a free loopback port, in a thread, as ``serve`` runs it."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def test_uvicorn_does_not_log_the_error_again(tmp_path, log_lines: JsonLogLines) -> None:
    with ServerThread(failing_app(tmp_path)) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        before = client.get("/boom")
        with pytest.raises(httpx.HTTPError):
            client.get("/boom-midway")
        deadline = time.monotonic() + 5
        while len(log_lines.errors()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert before.status_code == 500
    errors = log_lines.errors()
    assert [(e["path"], e["message"]) for e in errors] == [("/boom", "unhandled error"), ("/boom-midway", "unhandled error")], (
        errors
    )
    assert errors[0]["request_id"] == before.headers["x-request-id"]
    assert errors[1]["request_id"], "the error after the answer started has its request id too"
