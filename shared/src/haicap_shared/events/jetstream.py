"""Publishing the outbox to NATS JetStream (when ``HAICAP_EVENTS_NATS_URL`` is set).

Each service has a stream, ``<prefix>_<SERVICE>`` (``HAICAP_PERSONNEL``), holding the subjects
``haicap.<service>.>``; an event goes to ``haicap.<service>.<province code or national>.<short
type>`` (``haicap.personnel.04.placement.created``), with ``Nats-Msg-Id`` = the event id, so
JetStream drops a message the relay sends twice within the stream's duplicate window (after a
crash, the relay sends again from its cursor). A consumer filters on subjects, e.g.
``haicap.personnel.04.>`` for one province or ``haicap.*.*.placement.*`` for one kind.

A batch is published pipelined on one connection (each message is sent before the previous
acknowledgement arrives; NATS keeps the order of one connection's messages), and the cursor
moves only once every acknowledgement of the batch has arrived.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from .catalogue import TYPE_PREFIX

MSG_ID_HEADER = "Nats-Msg-Id"
ACK_TIMEOUT_SECONDS = 30.0


def subject_token(text: str) -> str:
    """A subject token of ``text``: no dots, spaces or wildcards."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text) or "_"


def stream_name(prefix: str, service: str) -> str:
    return f"{prefix}_{subject_token(service).upper()}"


def subject_of(service: str, event: Mapping[str, Any]) -> str:
    """``haicap.<service>.<province or national>.<kind>.<past tense>``."""
    event_type = str(event["type"])
    own = f"{TYPE_PREFIX}."
    short = event_type[len(own) :].split(".", 1)[-1] if event_type.startswith(own) else event_type
    province = event.get("provincecode") or "national"
    tokens = [subject_token(part) for part in short.split(".")]
    return ".".join(["haicap", subject_token(service), subject_token(str(province)), *tokens])


class JetStreamPublisher:
    """One connection to NATS, the service's stream ensured, batches published with their acks awaited."""

    def __init__(self, url: str, service: str, *, stream_prefix: str, duplicate_window_seconds: float) -> None:
        self.url = url
        self.service = service
        self.stream = stream_name(stream_prefix, service)
        self.subjects = f"haicap.{subject_token(service)}.>"
        self.duplicate_window = duplicate_window_seconds
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None

    async def connect(self) -> JetStreamContext:
        if self._js is not None and self._nc is not None and self._nc.is_connected:
            return self._js
        await self.close()
        self._nc = await nats.connect(self.url, name=f"haicap-relay-{self.service}", connect_timeout=5, max_reconnect_attempts=3)
        js = self._nc.jetstream(timeout=ACK_TIMEOUT_SECONDS, publish_async_max_pending=4000)
        await self._ensure_stream(js)
        self._js = js
        return js

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        config = StreamConfig(name=self.stream, subjects=[self.subjects], duplicate_window=self.duplicate_window)
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(config)
            return
        await js.update_stream(config)

    async def publish(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Publish ``events`` in order and wait for every acknowledgement; raises when one fails."""
        js = await self.connect()
        futures: list[asyncio.Future[Any]] = []
        for event in events:
            payload = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
            futures.append(
                await js.publish_async(
                    subject_of(self.service, event), payload, headers={MSG_ID_HEADER: str(event["id"])}, stream=self.stream
                )
            )
        # NOTE: gather raises the first failure (a nack, a timeout); the cursor then stays and
        # the whole batch is sent again later, JetStream dropping the duplicates by message id.
        await asyncio.wait_for(asyncio.gather(*futures), timeout=ACK_TIMEOUT_SECONDS)

    async def close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            try:
                await nc.drain()
            except Exception:  # noqa: BLE001 - closing a broken connection; nothing to do
                await nc.close()
