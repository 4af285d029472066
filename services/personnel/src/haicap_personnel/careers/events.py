"""The event kinds this domain publishes (joined into personnel's catalogue in ../events.py)."""

from __future__ import annotations

from haicap_shared.events.catalogue import EventKind

KINDS: list[EventKind] = []
