"""uvicorn's HTTP/1.1 parsers as ``serve`` runs them: httptools (the default) or h11, answering alike.

- A request with both ``Content-Length`` and ``Transfer-Encoding`` reaches the app, whose
  body-limit middleware answers the 400 ``ambiguous_body_length`` problem
  (:mod:`haicap_shared.request_limits`), and the connection is closed after the answer: once
  two headers disagree on where a message ends, the bytes after it cannot be trusted to start
  a request (RFC 9112 §6.3), so a request smuggled in them is never read. httptools (llhttp)
  refuses such a request itself while it reads the headers, which uvicorn answers with a
  plain-text 400 of its own, so llhttp is told to read it as h11 does (the body chunked, the
  ``Content-Length`` ignored). uvicorn's h11 protocol passes it on, but keeps the connection
  and answers what follows. (A ``Transfer-Encoding`` other than chunked with a
  ``Content-Length`` reaches the app too on httptools; h11 cannot read it: ``malformed_request``.)
- A request neither parser can read is answered 400 ``malformed_request``, a problem like
  every other answer, instead of uvicorn's plain text, and the connection is closed (as
  uvicorn does).
"""

from __future__ import annotations

from typing import Any, Protocol

from uvicorn.protocols.http import h11_impl, httptools_impl

from .errors import AppError, problem_response
from .security_headers import NO_STORE, NOSNIFF

AMBIGUOUS = frozenset({b"content-length", b"transfer-encoding"})


class MalformedRequest(AppError):
    status, code, title = 400, "malformed_request", "The request is not a valid HTTP/1.1 message"

    def __init__(self) -> None:
        super().__init__("The request line or headers could not be read; the connection is closed")


class _Cycle(Protocol):
    scope: Any
    keep_alive: bool


def _close_after_ambiguous(cycle: _Cycle) -> None:
    if {name for name, _ in cycle.scope["headers"]} >= AMBIGUOUS:
        cycle.keep_alive = False


class _ProblemOnParseError:
    """uvicorn's answer to a request its parser cannot read, as the ``malformed_request`` problem."""

    server_state: Any
    transport: Any

    def send_400_response(self, msg: str) -> None:
        response = problem_response(MalformedRequest().problem())
        headers = [*self.server_state.default_headers, *response.raw_headers, NOSNIFF, NO_STORE, (b"connection", b"close")]
        head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        self.transport.write(httptools_impl.STATUS_LINE[400] + head + b"\r\n" + response.body)
        self.transport.close()


class HttpToolsProtocol(_ProblemOnParseError, httptools_impl.HttpToolsProtocol):
    """uvicorn's httptools protocol: a request of ambiguous length goes to the app, and the connection is closed after it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # NOTE: llhttp's "dangerous" leniency, made safe by what follows: the app refuses the
        # request without reading its body, and the connection is closed after the answer.
        self.parser.set_dangerous_leniencies(lenient_chunked_length=True)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        # NOTE: a WebSocket upgrade starts no cycle (self.cycle is still the previous request's).
        if self.cycle is not None and self.cycle.scope is self.scope:
            _close_after_ambiguous(self.cycle)


class H11Protocol(_ProblemOnParseError, h11_impl.H11Protocol):
    """uvicorn's h11 protocol, closing the connection after a request of ambiguous length."""

    def handle_events(self) -> None:
        super().handle_events()
        # NOTE: the request's task is created but has not run yet: the answer closes the connection.
        if self.cycle is not None and not self.cycle.response_complete:
            _close_after_ambiguous(self.cycle)


HTTP_PROTOCOLS: dict[str, type[Any]] = {"httptools": HttpToolsProtocol, "h11": H11Protocol}
"""What ``serve --http`` names, as uvicorn's ``http`` takes it (a protocol class)."""
