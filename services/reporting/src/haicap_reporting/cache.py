"""A short-lived memory of complete reports, dropped when the sources' change feeds say they moved.

The followers (:mod:`.feeds`) read every event of org-structure, personnel and assets and
drop the kept reports the event can change: those of the event's area (its province, and
its commune for a report of one commune) that hold a section the event's kind feeds. The
TTLs stay as a safety net (a follower that is down, an event it cannot place): a report for
a past date is kept for a few minutes, one for today or later for seconds. A report with a
missing section is never kept, so the full one comes back as soon as the source does.

A report composed while an event arrived may hold the figures from before it: every drop is
remembered (the last :data:`REMEMBERED_DROPS`), and :meth:`ReportCache.put` does not keep a
report that a drop since its composition began would have dropped.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import date

from .composition import Report

REMEMBERED_DROPS = 1024


@dataclass(frozen=True)
class Drop:
    """Which kept reports an event makes stale.

    ``province`` ``None``: every place (an event without an area, or one moving a record to
    another area, whose former area the event does not name). ``commune``: narrows a report
    of one commune; a province report of ``province`` is dropped whatever the commune.
    ``sections`` ``None``: every report, whatever its sections.
    """

    province: str | None = None
    commune: str | None = None
    sections: frozenset[str] | None = None

    def applies_to(self, report: Report) -> bool:
        if self.province is not None:
            if report.subject.get("province") not in (None, self.province):
                return False
            if self.commune is not None and report.subject.get("commune") not in (None, self.commune):
                return False
        return self.sections is None or not self.sections.isdisjoint(report.section_names)


EVERYTHING = Drop()


class ReportCache:
    def __init__(self, *, past_seconds: float, current_seconds: float, capacity: int = 256) -> None:
        self.past_seconds = past_seconds
        self.current_seconds = current_seconds
        self.capacity = capacity
        self._entries: OrderedDict[tuple[object, ...], tuple[float, Report]] = OrderedDict()
        self._drops: deque[tuple[int, Drop]] = deque(maxlen=REMEMBERED_DROPS)
        self.generation = 0
        """How many drops so far: read it before composing a report, pass it to :meth:`put`."""

    def ttl(self, as_of: date) -> float:
        return self.past_seconds if as_of < date.today() else self.current_seconds

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[object, ...]) -> Report | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: tuple[object, ...], report: Report, *, since: int | None = None) -> None:
        """Keep a complete ``report``, unless a drop after generation ``since`` (when composing began) applies to it."""
        if not report.complete or (since is not None and self._dropped_since(since, report)):
            return
        self._entries[key] = (time.monotonic() + self.ttl(report.as_of), report)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def drop(self, drop: Drop) -> int:
        """Forget the kept reports ``drop`` applies to; how many were forgotten."""
        self.generation += 1
        self._drops.append((self.generation, drop))
        stale = [key for key, (_, report) in self._entries.items() if drop.applies_to(report)]
        for key in stale:
            del self._entries[key]
        return len(stale)

    def _dropped_since(self, since: int, report: Report) -> bool:
        if since >= self.generation:
            return False
        if not self._drops or self._drops[0][0] > since + 1:
            return True  # NOTE: more drops since than are remembered: assume one applied
        return any(drop.applies_to(report) for generation, drop in self._drops if generation > since)
