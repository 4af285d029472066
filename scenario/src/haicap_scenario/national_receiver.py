"""A stand-in for the national cadre database behind an LGSP, for the demo and the tests (never production).

``python -m haicap_scenario.national_receiver --port 8009 --state-dir var/national-receiver``

- ``POST /token``: ``grant_type=client_credentials`` with the client id and secret it was started
  with; answers ``{"access_token", "token_type": "Bearer", "expires_in"}``.
- ``POST /records`` (bearer token): one dossier change record, or ``{"records": [...]}``; each is
  checked against haicap's JSON Schema (``dossier-change-record.v1.json``) and kept, keyed by its
  ``change_id``: the same change sent again is answered with the same reference (idempotent).
  Answer: ``{"error_code": "0"|"1", "message", "reference"}`` for one record, and a ``results``
  list (one per record) for several, as an LGSP answers.
- Control (for tests and the demo): ``POST /control/reject-next`` ``{"count", "reason"}``,
  ``POST /control/reject-pin`` ``{"pin", "reason"}``, ``POST /control/delay`` ``{"seconds"}`` (answer
  records slowly: a sender with a shorter timeout times out), ``POST /control/reset``,
  ``GET /control/state`` (counts), ``POST /control/outage`` ``{"down": true}`` (the token and record
  routes answer 503 until ``{"down": false}``: the national side down, without stopping the process).
- ``GET /export``: every record held, in the national format (JSON lines, each the record with
  its ``national_reference`` and ``received_at``), the file a reconciliation reads back.

What it holds survives a restart (``<state dir>/records.jsonl``). SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from .stand_in import StandInHandler, serve_until_signal

logger = logging.getLogger("haicap.national_receiver")

MAX_BODY = 50 * 1024 * 1024
MAX_RECORDS = 5000


def default_schema() -> dict[str, Any]:
    """haicap's record schema, from the personnel package (installed beside the scenario in the demo)."""
    text = resources.files("haicap_personnel.sync").joinpath("schemas", "dossier-change-record.v1.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


class ReceiverState:
    """What the receiver holds and how it is told to behave; every access under one lock."""

    def __init__(self, state_dir: Path, schema: dict[str, Any], *, client_id: str, client_secret: str, token_ttl: int) -> None:
        import jsonschema  # type: ignore[import-untyped]

        self.lock = threading.Lock()
        self.state_dir = state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.records_file = state_dir / "records.jsonl"
        self.validator = jsonschema.Draft202012Validator(schema)
        self.client_id, self.client_secret, self.token_ttl = client_id, client_secret, token_ttl
        self.tokens: dict[str, float] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.reject_next: list[str] = []
        self.reject_pins: dict[str, str] = {}
        self.delay_seconds = 0.0
        self.down = False
        self.counts = {"token_requests": 0, "record_requests": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
        if self.records_file.exists():
            for line in self.records_file.read_text("utf-8").splitlines():
                if line.strip():
                    held = json.loads(line)
                    self.records[held["change_id"]] = held

    def issue_token(self, form: dict[str, str]) -> dict[str, Any] | None:
        with self.lock:
            self.counts["token_requests"] += 1
            if form.get("grant_type") != "client_credentials":
                return None
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return None
            token = secrets.token_urlsafe(24)
            self.tokens[token] = time.monotonic() + self.token_ttl
            return {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}

    def token_valid(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        with self.lock:
            expires = self.tokens.get(header.removeprefix("Bearer ").strip())
            return expires is not None and expires > time.monotonic()

    def take(self, records: list[Any]) -> list[dict[str, Any]]:
        """One result per record: kept (or already held), or rejected with the reason."""
        results: list[dict[str, Any]] = []
        new_lines: list[str] = []
        with self.lock:
            self.counts["record_requests"] += 1
            for record in records:
                change_id = str(record.get("change_id")) if isinstance(record, dict) else "?"
                errors = sorted(self.validator.iter_errors(record), key=lambda e: list(e.path))
                if errors:
                    where = "/".join(str(p) for p in errors[0].path) or "(record)"
                    results.append(self._rejected(change_id, f"Bản ghi không hợp lệ ({where}): {errors[0].message}"[:500]))
                    continue
                held = self.records.get(change_id)
                if held is not None:
                    self.counts["duplicates"] += 1
                    results.append(
                        {"change_id": change_id, "error_code": "0", "message": "Đã nhận", "reference": held["national_reference"]}
                    )
                    continue
                pin = record["personal_identification_number"]
                if pin in self.reject_pins:
                    results.append(self._rejected(change_id, self.reject_pins[pin]))
                    continue
                if self.reject_next:
                    results.append(self._rejected(change_id, self.reject_next.pop(0)))
                    continue
                reference = f"CSDLQG-{len(self.records) + 1:08d}"
                kept = record | {"national_reference": reference, "received_at": datetime.now(UTC).isoformat()}
                self.records[change_id] = kept
                new_lines.append(json.dumps(kept, ensure_ascii=False, sort_keys=True))
                self.counts["accepted"] += 1
                results.append({"change_id": change_id, "error_code": "0", "message": "Đã cập nhật", "reference": reference})
            if new_lines:
                with self.records_file.open("a", encoding="utf-8") as out:
                    out.write("\n".join(new_lines) + "\n")
                    out.flush()
        return results

    def _rejected(self, change_id: str, reason: str) -> dict[str, Any]:
        self.counts["rejected"] += 1
        return {"change_id": change_id, "error_code": "1", "message": reason}

    def control(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if action == "reject-next":
                count = int(body.get("count", 1))
                self.reject_next = [str(body.get("reason") or "Từ chối (thử nghiệm)")] * max(0, min(count, 100000))
            elif action == "reject-pin":
                self.reject_pins[str(body["pin"])] = str(body.get("reason") or "Từ chối (thử nghiệm)")
            elif action == "delay":
                self.delay_seconds = max(0.0, min(float(body.get("seconds", 0)), 600.0))
            elif action == "outage":
                down = body.get("down", True)
                if not isinstance(down, bool):
                    raise TypeError("down is true or false")
                self.down = down
            elif action == "reset":
                self.reject_next, self.reject_pins, self.delay_seconds, self.down = [], {}, 0.0, False
            else:
                raise KeyError(action)
            return self.state()

    def state(self) -> dict[str, Any]:
        return {
            "records": len(self.records),
            "reject_next": len(self.reject_next),
            "reject_pins": len(self.reject_pins),
            "delay_seconds": self.delay_seconds,
            "down": self.down,
            **self.counts,
        }

    def export(self) -> bytes:
        with self.lock:
            held = sorted(self.records.values(), key=lambda r: r["national_reference"])
        return b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in held)


def handler_for(state: ReceiverState) -> type[StandInHandler]:
    class Handler(StandInHandler):
        server_version = "haicap-national-receiver/1"
        logger = logger
        max_body = MAX_BODY

        def answer_get(self, path: str) -> None:
            if path == "/export":
                self._send(200, state.export(), "application/x-ndjson")
            elif path == "/control/state":
                with state.lock:
                    self._send(200, state.state())
            elif path == "/healthz":
                self._send(200, {"status": "ok"})
            else:
                self._not_found()

        def answer_post(self, path: str) -> None:
            raw = self._body()
            if raw is None:
                return
            routes: dict[str, Callable[[bytes], None]] = {"/token": self._token, "/records": self._records}
            self._route_post(path, raw, routes, down=state.down, control=self._control)

        def _token(self, raw: bytes) -> None:
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            issued = state.issue_token(form)
            if issued is None:
                self._send(401, {"error": "invalid_client"})
            else:
                self._send(200, issued)

        def _records(self, raw: bytes) -> None:
            if not state.token_valid(self.headers.get("Authorization")):
                self._send(401, {"error_code": "1", "message": "Token không hợp lệ"})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, {"error_code": "1", "message": "Không phải JSON"})
                return
            several = isinstance(body, dict) and isinstance(body.get("records"), list)
            records = body["records"] if several else [body]
            if len(records) > MAX_RECORDS:
                self._send(413, {"error_code": "1", "message": f"Tối đa {MAX_RECORDS} bản ghi"})
                return
            with state.lock:
                delay = state.delay_seconds
            if delay:
                time.sleep(delay)
            results = state.take(records)
            if several:
                failed = sum(1 for r in results if r["error_code"] != "0")
                message = "Đã cập nhật" if not failed else f"{failed} bản ghi bị từ chối"
                self._send(200, {"error_code": "0" if not failed else "1", "message": message, "results": results})
            else:
                result = results[0]
                self._send(200, {k: v for k, v in result.items() if k != "change_id"})

        def _control(self, action: str, raw: bytes) -> None:
            # NOTE: parsed inside the answer: a body not JSON is a 400 with the parser's message
            self._control_answer(lambda: state.control(action, json.loads(raw or b"{}")))

    return Handler


def serve(port: int, state_dir: Path, *, host: str = "127.0.0.1", client_id: str, client_secret: str, token_ttl: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    state = ReceiverState(state_dir, default_schema(), client_id=client_id, client_secret=client_secret, token_ttl=token_ttl)
    serve_until_signal(handler_for(state), host, port, name="national receiver")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m haicap_scenario.national_receiver", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--client-id", default="haicap")
    parser.add_argument("--client-secret", default="haicap-demo-secret")
    parser.add_argument("--token-ttl", type=int, default=3600, help="seconds a token lives")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(
        args.port,
        args.state_dir,
        host=args.host,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_ttl=args.token_ttl,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
