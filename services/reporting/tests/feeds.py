"""A stand-in for the sources' change feeds behind the fake gateway: ``GET /events`` (long-poll) and ``/events/latest``.

Each :class:`FeedStandIn` serves one service's feed as the shared feed router does: events
after a cursor (at most ``limit``, waiting up to ``wait`` seconds for one), ``next_after`` and
``latest_sequence``, 410 ``cursor_expired`` for a cursor before ``pruned_through``, and the
latest sequence in a province or commune. A test publishes events, prunes the feed or takes
it down; a waiting request notices at once. The bodies are real ``CloudEvent`` s, and
``producers.assert_fakes_match_producers`` reads them with the feed's own models.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

import httpx
import respx

from haicap_shared.events.catalogue import CloudEvent, EventData, padded_sequence

from .conftest import GATEWAY

SERVICES = {"org": "org-structure", "personnel": "personnel", "assets": "assets"}


class FeedStandIn:
    __test__ = False  # NOTE: a helper, not a test class

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.service = SERVICES[prefix]
        self.events: list[dict] = []
        self.sequence = 0
        self.pruned_through = 0
        self.down = False
        self.requests = 0
        self._changed: asyncio.Event | None = None

    def install(self, mock: respx.MockRouter) -> None:
        mock.get(f"/api/v1/{self.prefix}/events/latest").mock(side_effect=self._latest)
        mock.get(f"/api/v1/{self.prefix}/events").mock(side_effect=self._feed)

    def publish(
        self,
        kind: str,
        *,
        province: str | None,
        commune: str | None = None,
        past: str = "created",
        changed_fields: list[str] | None = None,
    ) -> int:
        """Write one event of ``kind`` in the area; its sequence."""
        self.sequence += 1
        record_id = str(uuid.uuid4())
        event_type = f"vn.gov.haicap.{self.service}.{kind}.{past}"
        event = CloudEvent(
            id=str(uuid.uuid4()),
            source=f"/haicap/{province or 'national'}/{self.service}",
            type=event_type,
            subject=f"/api/v1/{self.prefix}/{kind}s/{record_id}",
            time=datetime.now(UTC),
            dataschema=f"{GATEWAY}/api/v1/{self.prefix}/events/schemas/{event_type}",
            sequence=padded_sequence(self.sequence),
            partitionkey=record_id,
            provincecode=province,
            communecode=commune,
            actor="tester",
            data=EventData(
                record={"id": record_id, "province_code": province, "commune_code": commune}, changed_fields=changed_fields
            ),
        )
        self.events.append(event.model_dump(mode="json"))
        self._notify()
        return self.sequence

    def prune(self, through: int) -> None:
        """Retention deleted the events up to ``through`` (the feed having gone on to it): an older cursor gets 410."""
        self.sequence = max(self.sequence, through)
        self.pruned_through = through
        self.events = [e for e in self.events if int(e["sequence"]) > through]
        self._notify()

    def take_down(self, down: bool = True) -> None:
        self.down = down
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
        self._changed = None

    def _unreachable(self) -> None:
        if self.down:
            raise httpx.ConnectError("connection refused")

    def _latest(self, request: httpx.Request) -> httpx.Response:
        self._unreachable()
        commune = request.url.params.get("commune")
        province = request.url.params.get("province")
        sequences = [
            int(e["sequence"])
            for e in self.events
            if (commune is None or e["communecode"] == commune) and (province is None or e["provincecode"] == province)
        ]
        latest = max(sequences, default=0) if commune or province else self.sequence
        return httpx.Response(200, json={"latest_sequence": latest, "pruned_through": self.pruned_through, "retention_days": 90})

    async def _feed(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        after = int(request.url.params["after"])
        limit = int(request.url.params.get("limit", "100"))
        deadline = asyncio.get_running_loop().time() + int(request.url.params.get("wait", "0"))
        while True:
            self._unreachable()
            if after < self.pruned_through:
                return httpx.Response(
                    410,
                    json={
                        "type": "about:blank",
                        "title": "The cursor is older than the feed's retention",
                        "status": 410,
                        "code": "cursor_expired",
                        "detail": "Resynchronise from the lists, then follow the feed from `latest_sequence`",
                    },
                    headers={"content-type": "application/problem+json"},
                )
            found = [e for e in self.events if int(e["sequence"]) > after][:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if found or remaining <= 0:
                next_after = int(found[-1]["sequence"]) if found else max(after, self.sequence)
                return httpx.Response(200, json={"events": found, "next_after": next_after, "latest_sequence": self.sequence})
            if self._changed is None:
                self._changed = asyncio.Event()
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
