"""A webhook endpoint for tests, run as its own process: ``python webhook_receiver.py RECORD_FILE``.

It prints ``listening on <port>`` once it serves (on 127.0.0.1, a free port), and appends one
JSON line per request to ``RECORD_FILE`` (``path``, ``headers``, ``body``, ``status`` answered;
``null`` for a request it never answers). What it answers depends on the path:

- ``/ok/...``: 200;
- ``/fail/<n>/...``: 500 to the first ``n`` requests on that path, then 200;
- ``/status/<code>/...``: always ``code``;
- ``/hang/...``: never answers (the connection stays open).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LOCK = threading.Lock()
SEEN: dict[str, int] = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # NOTE: headers and body go in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    record: Path

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:
            # NOTE: the sender died mid-request (a SIGKILLed relay): nothing was delivered.
            self.close_connection = True
            return
        body = raw.decode()
        parts = [p for p in self.path.split("/") if p]
        with LOCK:
            SEEN[self.path] = SEEN.get(self.path, 0) + 1
            count = SEEN[self.path]
        status: int | None = 200
        if parts and parts[0] == "fail":
            status = 500 if count <= int(parts[1]) else 200
        elif parts and parts[0] == "status":
            status = int(parts[1])
        elif parts and parts[0] == "hang":
            status = None
        self._write(body, status)
        if status is None:
            time.sleep(3600)
            return
        payload = b"ok" if status < 300 else b"failing on purpose"
        self.send_response(status)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _write(self, body: str, status: int | None) -> None:
        line = json.dumps(
            {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "status": status}
        )
        with LOCK, self.record.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def log_message(self, format: str, *args: object) -> None:
        return


class Receiver:
    """A running receiver process, from a test: its base URL and what it received."""

    def __init__(self, url: str, record: Path) -> None:
        self.url = url
        self.record = record

    def requests(self, path_prefix: str = "/") -> list[dict[str, Any]]:
        """Every request recorded on paths starting with ``path_prefix``, in the order received."""
        # NOTE: the receiver may be writing a line: only whole lines count.
        lines = self.record.read_text(encoding="utf-8").split("\n")[:-1]
        found = [json.loads(line) for line in lines if line.strip()]
        return [r for r in found if r["path"].startswith(path_prefix)]

    def delivered(self, path_prefix: str = "/") -> list[dict[str, Any]]:
        """The events answered 2xx, parsed, in the order received."""
        return [json.loads(r["body"]) for r in self.requests(path_prefix) if r["status"] is not None and r["status"] < 300]


@contextmanager
def running_receiver(directory: Path) -> Iterator[Receiver]:
    """Start a receiver process (recording into ``directory``), stop it after."""
    record = directory / f"received-{time.monotonic_ns()}.jsonl"
    process = subprocess.Popen([sys.executable, __file__, str(record)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the webhook receiver did not start: {line!r}")
        yield Receiver(f"http://127.0.0.1:{int(line.split()[-1])}", record)
    finally:
        process.kill()
        process.wait(timeout=10)


def main() -> None:
    Handler.record = Path(sys.argv[1])
    Handler.record.touch()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
