"""Per-row problem reports that stay linear in the input.

A row reports its own problems once, in at most :data:`MAX_ERRORS_PER_ROW` messages: when it
has more, the last message counts the ones left out. Batch and bulk routes build their reports with
:func:`row_problem` so that no single row (5,000 identical rows overlapping each other, say)
can make a report grow with the square of the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .tabular import RowProblem

MAX_ERRORS_PER_ROW = 10


def capped(errors: Sequence[str], *, more: int = 0, limit: int = MAX_ERRORS_PER_ROW) -> list[str]:
    """At most ``limit`` messages in all: past it, the last one counts the others (``more`` were never written)."""
    if more == 0 and len(errors) <= limit:
        return list(errors)
    kept = list(errors[: limit - 1])
    rest = len(errors) - len(kept) + more
    return [*kept, f"and {rest} more problem{'s' if rest != 1 else ''} in this row"]


def row_problem(row: int, errors: Sequence[str], *, more: int = 0, limit: int = MAX_ERRORS_PER_ROW) -> RowProblem:
    """The problem of one row with its messages capped (see :func:`capped`)."""
    return RowProblem(row=row, errors=capped(errors, more=more, limit=limit))


def cell_text(
    values: Mapping[str, Any], name: str, errors: list[str], *, limits: Mapping[str, int], required: bool
) -> str | None:
    """A text cell of an import row, stripped; a missing required one or one longer than ``limits[name]`` noted in ``errors``."""
    value = values.get(name)
    if value is None:
        if required:
            errors.append(f"{name} is missing")
        return None
    text = str(value).strip()
    if len(text) > limits[name]:
        errors.append(f"{name} is longer than {limits[name]} characters")
    return text
