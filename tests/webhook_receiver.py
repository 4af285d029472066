#!/usr/bin/env python3
"""A webhook receiver for the process tests: a real HTTP endpoint on loopback, standard library only.

    python tests/webhook_receiver.py --out received.jsonl [--port 0] [--status 204] [--fail-first 0]

Every POST is appended to ``--out`` as one JSON line (``path``, ``headers`` with lower-case
names, ``body`` as text, ``received_at`` as Unix seconds) and answered ``--status`` (after
answering ``--fail-first`` requests with 503). The port it listens on is printed as the first
line of standard output (``listening <port>``), so a test can ask for port 0 and read it back.
It verifies nothing: checking signatures is the test's job, as it is a subscriber's.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY_BYTES = 4 * 2**20


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, out: Path, status: int, fail_first: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.out = out
        self.status = status
        self.failures_left = fail_first
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
        body = self.rfile.read(length)
        received = {
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body.decode("utf-8", errors="replace"),
            "received_at": time.time(),
        }
        with self.server.lock:
            status = self.server.status
            if self.server.failures_left > 0:
                self.server.failures_left -= 1
                status = 503
            with self.server.out.open("a", encoding="utf-8") as out:
                out.write(json.dumps(received, ensure_ascii=False) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: what was received is in ``--out``."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record webhook deliveries (tests only)")
    parser.add_argument("--out", type=Path, required=True, help="JSON lines file of the requests received")
    parser.add_argument("--port", type=int, default=0, help="loopback port (0: any free one, printed)")
    parser.add_argument("--status", type=int, default=204, help="status answered to each delivery")
    parser.add_argument("--fail-first", type=int, default=0, help="answer this many deliveries 503 first")
    args = parser.parse_args(argv)
    server = Receiver(args.port, args.out, args.status, args.fail_first)
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
