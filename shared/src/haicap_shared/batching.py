"""Long ``IN (...)`` lists cut into batches, so one query never carries too many parameters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# NOTE: SQLite refuses a statement with more than 32,766 parameters and asyncpg more than
# 32,767; 500 values keep every IN list (and the rest of its query) far below both.
BATCH_SIZE = 500


def in_batches(values: Iterable[T], size: int = BATCH_SIZE) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``, in order; nothing for no values."""
    if size < 1:
        raise ValueError("a batch holds at least one value")
    items = values if isinstance(values, Sequence) else list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]
