"""Replicas of a service: round robin, and a replica that refused a connection set aside for a while."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .settings import UpstreamService


@dataclass(slots=True)
class Replica:
    """One upstream URL of a service, and until when it is skipped."""

    url: str
    set_aside_until: float = 0.0

    def available(self, now: float) -> bool:
        return now >= self.set_aside_until


@dataclass(slots=True)
class ReplicaSet:
    """The replicas of one service, handed out in round robin, healthy ones first."""

    service: UpstreamService
    set_aside_seconds: float
    clock: Callable[[], float] = time.monotonic
    replicas: list[Replica] = field(init=False)
    _turn: itertools.count[int] = field(init=False)

    def __post_init__(self) -> None:
        self.replicas = [Replica(url) for url in self.service.urls]
        self._turn = itertools.count()

    def order(self) -> list[Replica]:
        """Every replica, in the order to try them: the next in turn first, set-aside ones last.

        NOTE: set-aside replicas are still tried, last and soonest-back first, so a service
        whose replicas all failed a moment ago is tried again rather than refused outright;
        a refused connection on loopback costs well under a millisecond.
        """
        if len(self.replicas) == 1:
            # NOTE: one replica (the usual case): the same list whether set aside or not.
            return self.replicas
        start = next(self._turn) % len(self.replicas)
        rotated = self.replicas[start:] + self.replicas[:start]
        now = self.clock()
        healthy = [r for r in rotated if r.available(now)]
        aside = sorted((r for r in rotated if not r.available(now)), key=lambda r: r.set_aside_until)
        return healthy + aside

    def set_aside(self, replica: Replica) -> None:
        """Skip ``replica`` for the set-aside period."""
        replica.set_aside_until = self.clock() + self.set_aside_seconds

    def restore(self, replica: Replica) -> None:
        """``replica`` answered: back in the rotation."""
        replica.set_aside_until = 0.0

    def is_set_aside(self, replica: Replica) -> bool:
        return not replica.available(self.clock())
