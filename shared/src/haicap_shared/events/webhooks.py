"""Webhook deliveries: Standard Webhooks signing, the SSRF guard, one POST, and the receiver's check.

Every delivery is one POST of one event, the structured CloudEvent JSON
(``content-type: application/cloudevents+json``), signed as the `Standard Webhooks
<https://www.standardwebhooks.com/>`_ specification says: ``webhook-id`` (the event id: a
retry carries the same id, so deduplicate on it), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature`` (``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` with the
subscription's secret, ``whsec_<base64>``, shown once when the subscription is created or its
secret rotated).

A receiver checks a delivery with :func:`verify_delivery` (or any Standard Webhooks library)::

    from haicap_shared.events.webhooks import InvalidDelivery, verify_delivery

    try:
        event = verify_delivery(secret, request.headers, await request.body())
    except InvalidDelivery:
        return Response(status_code=400)
    # answer 2xx quickly; deduplicate on event["id"]

It refuses a wrong signature and a timestamp more than five minutes away from now (a replay).

The SSRF guard: with ``allow_private_webhook_urls=false`` (production), a subscription's URL
must be ``https`` and its host must resolve only to public addresses; it is checked when the
subscription is created or changed, and again before every delivery, which then connects to
the address just checked (DNS may have changed meanwhile, on purpose or not).
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ..errors import AppError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32
CONTENT_TYPE = "application/cloudevents+json"
USER_AGENT = "haicap-relay/1.0 (Standard Webhooks)"
ERROR_LENGTH = 500
RESPONSE_BYTES = 4096
"""How much of an endpoint's answer is read (nothing of it is kept)."""


class WebhookUrlNotAllowed(AppError):
    status, code, title = 422, "webhook_url_not_allowed", "This URL may not receive webhooks"


class InvalidDelivery(ValueError):
    """A delivery whose signature, id or timestamp does not check out."""


def new_secret() -> str:
    """A new signing secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, event_id: str, timestamp: datetime, body: str) -> str:
    """The ``webhook-signature`` header of ``body`` sent as ``event_id`` at ``timestamp``."""
    return Webhook(secret).sign(msg_id=event_id, timestamp=timestamp, data=body)


def signed_headers(secret: str, event_id: str, body: str, now: datetime | None = None) -> dict[str, str]:
    """The headers of one delivery of ``body``."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "content-type": CONTENT_TYPE,
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign(secret, event_id, at, body),
    }


def verify_delivery(secret: str, headers: Mapping[str, str], body: bytes | str) -> dict[str, Any]:
    """The CloudEvent of a delivery whose signature ``secret`` verifies; :class:`InvalidDelivery` otherwise.

    Refuses a missing header, a wrong signature (another secret, a changed body or id) and a
    timestamp more than five minutes from now.
    """
    try:
        event = Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
    except (WebhookVerificationError, ValueError) as exc:
        raise InvalidDelivery(str(exc) or "the delivery does not verify") from exc
    if not isinstance(event, dict):
        raise InvalidDelivery("the body is not a CloudEvent object")
    return event


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet (no loopback, private, link-local, multicast, reserved)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public_address(address.ipv4_mapped)
    return address.is_global and not (
        address.is_multicast or address.is_loopback or address.is_link_local or address.is_reserved or address.is_private
    )


def check_url_form(url: str, *, allow_private: bool) -> str:
    """The host of a webhook URL of an acceptable form; :class:`WebhookUrlNotAllowed` otherwise (no DNS)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        raise WebhookUrlNotAllowed(f"The URL cannot be read: {exc}") from exc
    allowed_schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed_schemes:
        raise WebhookUrlNotAllowed(f"A webhook URL must use {' or '.join(sorted(allowed_schemes))}")
    if not host:
        raise WebhookUrlNotAllowed("A webhook URL needs a host")
    if parts.username or parts.password:
        raise WebhookUrlNotAllowed("A webhook URL may not carry credentials; the signature authenticates the sender")
    if allow_private:
        return host
    literal = _ip_literal(host)
    if literal is not None and not is_public_address(literal):
        raise WebhookUrlNotAllowed(f"{host} is not a public address")
    if literal is None and (host == "localhost" or host.endswith((".localhost", ".local", ".internal"))):
        raise WebhookUrlNotAllowed(f"{host} is not a public host")
    return host


async def public_addresses(url: str, *, allow_private: bool) -> list[str]:
    """The addresses a webhook URL's host resolves to, all of them public unless private ones are allowed.

    Empty when private addresses are allowed (nothing to pin: the client resolves as usual).
    """
    host = check_url_form(url, allow_private=allow_private)
    if allow_private:
        return []
    literal = _ip_literal(host)
    if literal is not None:
        return [str(literal)]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise WebhookUrlNotAllowed(f"{host} does not resolve: {exc}") from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    refused = [a for a in addresses if not is_public_address(ipaddress.ip_address(a.split("%")[0]))]
    if not addresses or refused:
        raise WebhookUrlNotAllowed(f"{host} resolves to addresses that are not public: {', '.join(refused) or 'none'}")
    return addresses


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST came to."""

    delivered: bool
    response_status: int | None
    latency_ms: int
    error: str | None


async def post_event(
    client: httpx.AsyncClient, url: str, secret: str, event: Mapping[str, Any], *, allow_private: bool, timeout_seconds: float
) -> Attempt:
    """POST one CloudEvent to ``url``, signed; 2xx is delivered. Never raises for the endpoint's failures.

    No redirect is followed (a 3xx is a failure) and no more than a few kilobytes of the answer are read.
    """
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    headers = signed_headers(secret, str(event["id"]), body)
    started = time.perf_counter()

    def spent() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        addresses = await public_addresses(url, allow_private=allow_private)
    except WebhookUrlNotAllowed as exc:
        return Attempt(False, None, spent(), _short(f"webhook_url_not_allowed: {exc.detail}"))
    target, extensions = url, dict[str, Any]()
    if addresses:
        # NOTE: connect to the address just checked, naming the host for TLS (SNI and the
        # certificate check) and in Host: a DNS answer that changes between the check and the
        # connection cannot point the request at an internal address.
        target, extensions = _pinned(url, addresses[0])
        headers["host"] = urlsplit(url).netloc
    try:
        request = client.build_request("POST", target, content=body.encode(), headers=headers, timeout=timeout_seconds)
        if extensions:
            request.extensions.update(extensions)
        response = await client.send(request, follow_redirects=False, stream=True)
        try:
            # NOTE: a short answer is read whole (its connection can be reused); past the bound, dropped.
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read > RESPONSE_BYTES:
                    break
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        return Attempt(False, None, spent(), _short(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__))
    delivered = 200 <= response.status_code < 300
    return Attempt(delivered, response.status_code, spent(), None if delivered else f"HTTP {response.status_code}")


def _pinned(url: str, address: str) -> tuple[str, dict[str, Any]]:
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc)), {"sni_hostname": parts.hostname}


def _short(text: str) -> str:
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"
