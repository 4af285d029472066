"""The HTTP plumbing of the stand-in receivers (:mod:`.national_receiver`, :mod:`.one_stop_receiver`).

A :class:`StandInHandler` hands each GET and POST's path to the receiver's ``answer_get`` and
``answer_post``, answers JSON, reads a body within ``max_body`` (413 past it), routes a
POST to the receiver's routes (503 while the receiver is told it is down), to its ``/control/``
actions, or 404; :func:`serve_until_signal` serves a handler until SIGTERM or SIGINT.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

BodyT = TypeVar("BodyT")

NOT_FOUND = {"error_code": "1", "message": "Không có"}


class StandInHandler(BaseHTTPRequestHandler):
    """A receiver's handler; a subclass sets ``logger``, ``max_body`` and ``server_version``."""

    protocol_version = "HTTP/1.1"  # NOTE: keep-alive: a sender reuses its connection
    logger: ClassVar[logging.Logger]
    max_body: ClassVar[int]

    def log_message(self, format: str, *args: Any) -> None:
        self.logger.debug(format, *args)

    def do_GET(self) -> None:
        self.answer_get(urlsplit(self.path).path)

    def do_POST(self) -> None:
        self.answer_post(urlsplit(self.path).path)

    def answer_get(self, path: str) -> None:
        """Answer a GET on ``path`` (the receiver's)."""
        raise NotImplementedError

    def answer_post(self, path: str) -> None:
        """Answer a POST on ``path`` (the receiver's; most through :meth:`_route_post`)."""
        raise NotImplementedError

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self) -> None:
        self._send(404, NOT_FOUND)

    def _body(self) -> bytes | None:
        """The raw body; None after answering a body too large."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body:
            self._send(413, {"error_code": "1", "message": "Quá lớn"})
            return None
        return self.rfile.read(length)

    def _json(self) -> Any:
        """The body as JSON (``{}`` when empty); None after answering a body too large or not JSON."""
        raw = self._body()
        if raw is None:
            return None
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            self._send(400, {"error_code": "1", "message": "Không phải JSON"})
            return None

    def _route_post(
        self,
        path: str,
        body: BodyT,
        routes: Mapping[str, Callable[[BodyT], None]],
        *,
        down: bool,
        control: Callable[[str, BodyT], None],
    ) -> None:
        """A POST to one of ``routes`` (503 while ``down``), to a ``/control/`` action, or 404."""
        if path in routes and down:
            self._send(503, {"error_code": "1", "message": "Hệ thống tạm ngừng (thử nghiệm)"})
        elif path in routes:
            routes[path](body)
        elif path.startswith("/control/"):
            control(path.removeprefix("/control/"), body)
        else:
            self._not_found()

    def _control_answer(self, answer: Callable[[], Any]) -> None:
        """A control action's answer: 404 for an unknown action, 400 for a bad value."""
        try:
            self._send(200, answer())
        except KeyError:
            self._not_found()
        except (ValueError, TypeError) as exc:
            self._send(400, {"error_code": "1", "message": str(exc)})


def serve_until_signal(handler: type[StandInHandler], host: str, port: int, *, name: str) -> None:
    """Serve ``handler`` on ``host:port`` until SIGTERM or SIGINT (``name`` in its logger's line)."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True

    def stop(*_: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    handler.logger.info("%s listening on %s:%s", name, host, port)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
