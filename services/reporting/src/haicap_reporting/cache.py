"""A short-lived memory of complete reports.

A report for a past date changes only when someone back-dates a record, so it is kept for
a few minutes; one for today or later for seconds. A report with a missing section is never
kept, so the full one comes back as soon as the source does.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import date

from .composition import Report


class ReportCache:
    def __init__(self, *, past_seconds: float, current_seconds: float, capacity: int = 256) -> None:
        self.past_seconds = past_seconds
        self.current_seconds = current_seconds
        self.capacity = capacity
        self._entries: OrderedDict[tuple[object, ...], tuple[float, Report]] = OrderedDict()

    def ttl(self, as_of: date) -> float:
        return self.past_seconds if as_of < date.today() else self.current_seconds

    def get(self, key: tuple[object, ...]) -> Report | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: tuple[object, ...], report: Report) -> None:
        if not report.complete:
            return
        self._entries[key] = (time.monotonic() + self.ttl(report.as_of), report)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
