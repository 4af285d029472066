"""Composing a report from sections fetched concurrently, each allowed to be missing.

A section is built from one source service. All sections are requested at once, each with
its own time limit; a source that is down or too slow leaves its section out, and the
report says which and why instead of failing as a whole.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel

from haicap_shared.errors import AppError, UpstreamTimeout, UpstreamUnavailable
from haicap_shared.http import UpstreamError

logger = logging.getLogger("haicap.reporting")
T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


@dataclass(frozen=True)
class Table:
    """Rows to show as a table: ``columns`` are (key, Vietnamese heading) pairs."""

    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    formats: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Chart:
    """A native chart over one of the section's tables."""

    kind: Literal["bar", "pie"]
    title: str
    table: int
    category: str
    values: list[str]


@dataclass(frozen=True)
class Section:
    """A section's figures (``data``, its model in :mod:`haicap_reporting.reports.schemas`) and how to show them."""

    name: str
    title: str
    data: BaseModel
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class Missing:
    section: str
    service: str
    reason: str


@dataclass(frozen=True)
class SectionSpec:
    """A section to build; ``service`` names its source (its sources, comma-separated, for a section read from several)."""

    name: str
    service: str
    build: Callable[[], Awaitable[Section]]


@dataclass(frozen=True)
class Report:
    """A composed report; ``model`` is its JSON body's model, which the JSON is serialised through."""

    kind: str
    model: type[BaseModel]
    title: str
    subject: dict[str, Any]
    as_of: date
    section_names: list[str]
    sections: list[Section]
    missing: list[Missing]
    # NOTE: whole seconds, as the report has always shown its time
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    @property
    def complete(self) -> bool:
        return not self.missing

    def body(self) -> BaseModel:
        """The JSON body as its model: a section or subject field the model lacks, or one missing, fails here."""
        built = {s.name: s.data for s in self.sections}
        return self.model(
            report=self.kind,
            title=self.title,
            **self.subject,
            as_of=self.as_of,
            generated_at=self.generated_at,
            complete=self.complete,
            missing=[{"section": m.section, "service": m.service, "reason": m.reason} for m in self.missing],
            **{name: built.get(name) for name in self.section_names},
        )

    def as_json(self) -> dict[str, Any]:
        """The JSON body, serialised through its model."""
        body: dict[str, Any] = self.body().model_dump(mode="json", by_alias=True)
        return body


def missing_reason(exc: BaseException) -> str:
    """Why a source is missing, as ``missing`` says it."""
    if isinstance(exc, TimeoutError):
        return "did not answer in time"
    if isinstance(exc, (UpstreamUnavailable, UpstreamTimeout)):
        return str(exc)
    if isinstance(exc, UpstreamError):
        return f"answered {exc.status} {exc.code}: {exc}"
    return str(exc)


def failing_service(exc: BaseException, services: str) -> str:
    """The service a section is missing for: the one its error names, else the section's (several, for a timeout)."""
    named = exc.extra.get("service") if isinstance(exc, AppError) else None
    return named if isinstance(named, str) else services


async def compose(
    kind: str,
    model: type[BaseModel],
    title: str,
    subject: dict[str, Any],
    as_of: date,
    specs: Sequence[SectionSpec],
    *,
    timeout_seconds: float,
) -> Report:
    """Build every section concurrently; those whose source fails are reported missing."""
    results = await asyncio.gather(*(asyncio.wait_for(spec.build(), timeout_seconds) for spec in specs), return_exceptions=True)
    sections: list[Section] = []
    missing: list[Missing] = []
    for spec, result in zip(specs, results, strict=True):
        if isinstance(result, Section):
            sections.append(result)
        elif isinstance(result, (TimeoutError, AppError)):
            service = failing_service(result, spec.service)
            logger.warning("section missing", extra={"section": spec.name, "upstream": service, "reason": missing_reason(result)})
            missing.append(Missing(spec.name, service, missing_reason(result)))
        else:
            raise result  # NOTE: a bug in reporting itself must not pass for a missing source
    return Report(kind, model, title, subject, as_of, [s.name for s in specs], sections, missing)


async def gather_in_order(first: Awaitable[A], second: Awaitable[B], third: Awaitable[C]) -> tuple[A, B, C]:
    """The three results, the calls made at once; when some fail, the first failure in the order given is raised.

    For a section read from several sources: it is missing for the same source whichever
    failure came first in time.
    """
    results = await asyncio.gather(first, second, third, return_exceptions=True)
    if failed := next((r for r in results if isinstance(r, BaseException)), None):
        raise failed
    return cast(tuple[A, B, C], tuple(results))


async def alongside(check: Awaitable[None], work: Awaitable[T]) -> T:
    """``work``, started while ``check`` runs; if the check fails, the work is cancelled and the check's error raised.

    A report checks its subject (does the province exist?) without waiting for the answer
    before it asks for the sections: the report takes as long as its slowest call still.
    """
    task = asyncio.ensure_future(work)
    try:
        await check
    except BaseException:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
    return await task
