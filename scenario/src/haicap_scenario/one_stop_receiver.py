"""A stand-in for a provincial one-stop system's integration adapter, for the tests and the demo (never production).

``python -m haicap_scenario.one_stop_receiver --port 8010 --username haicap --password=s3cret``

- ``POST /auth`` ``{"username", "password"}`` with the unit code in the ``madonvi`` header:
  ``{"error_code": "0", "session"}``, or ``{"error_code": "1", "message"}`` for a wrong account.
- ``POST /integration``: the envelope ``{"session", "madonvi", "service", "data": [...]}``, checked
  against haicap's JSON Schema (``one-stop-progress.v1.json``; a body that fails it is refused with
  ``error_code`` "1" and where it failed); an unknown or expired session: 401. Each item is kept
  once by its ``HaicapStepId`` (the same step again is answered as before); the updates of each
  dossier (``MaHoSo``) are recorded in arrival order, and an arrival out of order is counted: a
  progress update for a dossier never synchronised (``DongBoHoSoMC``), or a step whose
  ``HaicapThuTu`` is not after every step already held for its dossier. Success is
  ``error_code`` "00" for ``DongBoHoSoMC`` and "0" for ``CapNhatTienDoHoSoMC`` (both occur).
- Control: ``POST /control/outage`` ``{"down": bool}`` (``/auth`` and ``/integration`` answer 503
  while down, without stopping the process), ``POST /control/reject-next`` ``{"count", "message"}``,
  ``POST /control/expire-sessions``, ``GET /control/dossiers/{MaHoSo}`` (its updates in order),
  ``GET /control/stats``, ``GET /healthz``.

It holds everything in memory. SIGTERM stops it cleanly (exit 0). :class:`ReceiverProcess` starts and drives\nit from a test.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx

from haicap_shared.procedures.one_stop import SYNC_SERVICE, schema

from .stand_in import StandInHandler, serve_until_signal

logger = logging.getLogger("haicap.one_stop_receiver")

MAX_BODY = 5 * 1024 * 1024
DEMO_PASSWORD = "haicap-demo-password"  # noqa: S105 - the stand-in's demo account, never a real one
SUCCESS = {SYNC_SERVICE: "00"}
"""The success code per service (the others: "0"): the guide's two spellings, so a sender must take both."""


class ReceiverState:
    """What the receiver holds and how it is told to behave; every access under one lock."""

    def __init__(self, *, username: str, password: str, session_ttl: int) -> None:
        import jsonschema  # type: ignore[import-untyped]

        self.lock = threading.Lock()
        self.validator = jsonschema.Draft202012Validator(schema())
        self.username, self.password, self.session_ttl = username, password, session_ttl
        self.sessions: dict[str, tuple[str, float]] = {}
        self.steps: dict[str, str] = {}
        self.dossiers: dict[str, list[dict[str, Any]]] = {}
        self.reject_next: list[str] = []
        self.down = False
        self.counts = {
            "auth_requests": 0,
            "integration_requests": 0,
            "accepted": 0,
            "duplicates": 0,
            "rejected": 0,
            "invalid": 0,
            "sessions_refused": 0,
            "out_of_order": 0,
        }

    def sign_in(self, body: Any, unit_code: str | None) -> dict[str, Any]:
        with self.lock:
            self.counts["auth_requests"] += 1
            if not unit_code:
                return {"error_code": "1", "message": "Thiếu mã đơn vị"}
            if not isinstance(body, dict) or body.get("username") != self.username or body.get("password") != self.password:
                return {"error_code": "1", "message": "Sai tên đăng nhập hoặc mật khẩu"}
            session = secrets.token_urlsafe(24)
            self.sessions[session] = (unit_code, time.monotonic() + self.session_ttl)
            return {"error_code": "0", "message": "Thành công", "session": session}

    def session_valid(self, body: dict[str, Any]) -> bool:
        with self.lock:
            held = self.sessions.get(str(body.get("session")))
            valid = held is not None and held[1] > time.monotonic() and held[0] == body.get("madonvi")
            if not valid:
                self.counts["sessions_refused"] += 1
            return valid

    def integrate(self, body: dict[str, Any]) -> dict[str, Any]:
        """Check the body, keep each item once; the answer for the whole call."""
        with self.lock:
            self.counts["integration_requests"] += 1
            errors = sorted(self.validator.iter_errors(body), key=lambda e: list(e.path))
            if errors:
                self.counts["invalid"] += 1
                where = "/".join(str(p) for p in errors[0].path) or "(body)"
                return {"error_code": "1", "message": f"Dữ liệu không hợp lệ ({where}): {errors[0].message}"[:500]}
            service = body["service"]
            items: list[dict[str, Any]] = body["data"]
            new = [item for item in items if item["HaicapStepId"] not in self.steps]
            if len(new) < len(items):
                self.counts["duplicates"] += len(items) - len(new)
            if new and self.reject_next:
                self.counts["rejected"] += len(new)
                return {"error_code": "1", "message": self.reject_next.pop(0)}
            for item in new:
                self._keep(service, item)
            references = [self.steps[item["HaicapStepId"]] for item in items]
            return {"error_code": SUCCESS.get(service, "0"), "message": "Thành công", "reference": references[0]}

    def _keep(self, service: str, item: dict[str, Any]) -> None:
        code = item["MaHoSo"]
        held = self.dossiers.get(code)
        position = int(item["HaicapThuTu"])
        if (service != SYNC_SERVICE and held is None) or (held and position <= max(u["position"] for u in held)):
            self.counts["out_of_order"] += 1
        reference = f"MC-{len(self.steps) + 1:08d}"
        self.steps[item["HaicapStepId"]] = reference
        update = {
            "service": service,
            "step_id": item["HaicapStepId"],
            "position": position,
            "status": item.get("TrangThaiHoSo") or item.get("TrangThai"),
            "reference": reference,
            "received_at": datetime.now(UTC).isoformat(),
            "data": item,
        }
        self.dossiers.setdefault(code, []).append(update)
        self.counts["accepted"] += 1

    def control(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if action == "outage":
                down = body.get("down", True)
                if not isinstance(down, bool):
                    raise TypeError("down is true or false")
                self.down = down
            elif action == "reject-next":
                count = int(body.get("count", 1))
                self.reject_next = [str(body.get("message") or "Từ chối (thử nghiệm)")] * max(0, min(count, 100000))
            elif action == "expire-sessions":
                self.sessions.clear()
            else:
                raise KeyError(action)
            return self.stats()

    def stats(self) -> dict[str, Any]:
        return {
            "dossiers": len(self.dossiers),
            "steps": len(self.steps),
            "down": self.down,
            "reject_next": len(self.reject_next),
            **self.counts,
        }

    def dossier(self, code: str) -> list[dict[str, Any]] | None:
        with self.lock:
            held = self.dossiers.get(code)
            return None if held is None else list(held)


def handler_for(state: ReceiverState) -> type[StandInHandler]:
    class Handler(StandInHandler):
        server_version = "haicap-one-stop-receiver/1"
        logger = logger
        max_body = MAX_BODY

        def answer_get(self, path: str) -> None:
            if path == "/healthz":
                self._send(200, {"status": "ok"})
            elif path == "/control/stats":
                with state.lock:
                    self._send(200, state.stats())
            elif path.startswith("/control/dossiers/"):
                updates = state.dossier(unquote(path.removeprefix("/control/dossiers/")))
                if updates is None:
                    self._send(404, {"error_code": "1", "message": "Không có hồ sơ"})
                else:
                    self._send(200, {"updates": updates})
            else:
                self._not_found()

        def answer_post(self, path: str) -> None:
            body = self._json()
            if body is None:
                return
            routes: dict[str, Callable[[Any], None]] = {"/auth": self._auth, "/integration": self._integration}
            self._route_post(path, body, routes, down=state.down, control=self._control)

        def _auth(self, body: Any) -> None:
            self._send(200, state.sign_in(body, self.headers.get("madonvi")))

        def _integration(self, body: Any) -> None:
            if not isinstance(body, dict) or not state.session_valid(body):
                self._send(401, {"error_code": "1", "message": "Phiên làm việc không hợp lệ"})
                return
            self._send(200, state.integrate(body))

        def _control(self, action: str, body: Any) -> None:
            self._control_answer(lambda: state.control(action, body if isinstance(body, dict) else {}))

    return Handler


def serve(port: int, *, host: str = "127.0.0.1", username: str, password: str, session_ttl: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    state = ReceiverState(username=username, password=password, session_ttl=session_ttl)
    serve_until_signal(handler_for(state), host, port, name="one-stop receiver")


class ReceiverProcess:
    """The receiver as a process on loopback, for a test or the stack: start, control, read, stop (SIGTERM)."""

    def __init__(self, port: int, log: Path, *, username: str, password: str) -> None:
        self.port, self.log, self.username, self.password = port, log, username, password
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, within: float = 20) -> None:
        command = [sys.executable, "-m", "haicap_scenario.one_stop_receiver", f"--port={self.port}"]
        # NOTE: --x=value: a password that begins with "-" is not taken for an option.
        command += [f"--username={self.username}", f"--password={self.password}"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603 - this module, no shell
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"the one-stop receiver did not start on port {self.port} (see {self.log})")

    def stop(self) -> int:
        """SIGTERM, and the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        self.process = None
        return code

    def control(self, action: str, **body: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/control/{action}", json=body, timeout=5)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{self.url}/control/stats", timeout=5).json()
        return answer

    def dossier(self, code: str) -> list[dict[str, Any]]:
        """The updates held for a dossier, in arrival order ([] when none)."""
        response = httpx.get(f"{self.url}/control/dossiers/{quote(code, safe='')}", timeout=5)
        if response.status_code == 404:
            return []
        updates: list[dict[str, Any]] = response.json()["updates"]
        return updates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m haicap_scenario.one_stop_receiver", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--username", default="haicap", help="the account (--username=value for a value starting with '-')")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="its password (--password=value likewise)")
    parser.add_argument("--session-ttl", type=int, default=3600, help="seconds a session lives")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(args.port, host=args.host, username=args.username, password=args.password, session_ttl=args.session_ttl)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
