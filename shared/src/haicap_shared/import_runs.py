"""The course of one import, the same in every service: its counts, its end and its refusal.

A service's import reads the upload through :class:`ImportRun` (the pipeline of
:mod:`haicap_shared.imports`, rows counted as they come), checks each chunk with its own row
rules in a worker thread (:meth:`ImportRun.check_rows`, :meth:`ImportRun.in_thread`), writes
its good rows its own way (batched inserts, a staging table, ``COPY``) while
:attr:`ImportRun.may_write`, and ends with :meth:`ImportRun.finish`: the report, or
:class:`ImportRejected` (409, the report as its ``report`` extension) when a row is wrong and
the import is all or nothing, so that the request's transaction is rolled back.

An import whose rows are checked in SQL (a staging table) has its counts from there and ends
with :func:`finish_import` instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import anyio

from .errors import Conflict
from .imports import ProblemLog, Upload, row_chunks
from .tabular import ImportReport, RowProblem, SourceRow

T = TypeVar("T")

__all__ = ["ImportRejected", "ImportRun", "finish_import", "import_audit_entry"]


class ImportRejected(Conflict):
    code, title = "import_rejected", "Some rows have problems; nothing was written"

    def __init__(self, report: ImportReport, *, partial_offered: bool = True) -> None:
        # NOTE: an import that is all or nothing by rule (no ``partial``) must not suggest one.
        hint = "fix them, or send partial=true to write the good rows" if partial_offered else "fix them and send the file again"
        super().__init__(
            f"{report.rejected} of {report.rows} rows have problems; nothing was written ({hint})",
            report=report.model_dump(mode="json"),
        )


def finish_import(
    *,
    rows: int,
    accepted: int,
    rejected: int,
    written: int,
    partial: bool,
    problems: list[RowProblem],
    partial_offered: bool = True,
) -> ImportReport:
    """The import's report; :class:`ImportRejected` with it when a row is wrong and ``partial`` was not asked for."""
    refused = rejected > 0 and not partial
    report = ImportReport(
        rows=rows,
        accepted=accepted,
        rejected=rejected,
        written=0 if refused else written,
        partial=partial,
        problems=problems,
    )
    if refused:
        # NOTE: raised, so the request's transaction is rolled back with whatever was written or staged.
        raise ImportRejected(report, partial_offered=partial_offered)
    return report


def import_audit_entry(report: ImportReport, **context: Any) -> dict[str, Any]:
    """What the audit log keeps of an import: its counts (not its problems) and the service's ``context``."""
    return report.model_dump(mode="json", exclude={"problems"}) | context


class ImportRun:
    """The counts of one import as it goes, and its end (:meth:`finish`)."""

    def __init__(self, upload: Upload, *, partial: bool, max_problems: int | None = None, partial_offered: bool = True) -> None:
        self.upload = upload
        self.partial = partial
        self.partial_offered = partial_offered
        self.problems = ProblemLog(upload.limits.max_problems if max_problems is None else max_problems)
        self.rows = 0
        self.accepted = 0
        self.written = 0

    @property
    def may_write(self) -> bool:
        """Whether good rows are still written: once a row is wrong in an all-or-nothing import, nothing more is.

        The rest of the file is still checked, so that the report lists every problem at once.
        """
        return self.partial or not self.problems

    async def chunks(
        self, columns: Mapping[str, tuple[str, ...]], transform: Callable[[SourceRow], Any] | None = None
    ) -> AsyncIterator[list[Any]]:
        """The upload's rows a chunk at a time (:func:`~haicap_shared.imports.row_chunks`), counted."""
        async for chunk in row_chunks(self.upload, columns, transform):
            self.rows += len(chunk)
            yield chunk

    async def in_thread(self, check: Callable[..., T], *args: Any) -> T:
        """``check(*args)`` in a worker thread: a chunk's checks must not hold the event loop."""
        return await anyio.to_thread.run_sync(check, *args)

    async def check_rows(self, chunk: list[SourceRow], check_row: Callable[[SourceRow], list[str]]) -> int:
        """Each row's problems (``check_row``) logged, in a worker thread; the number of good rows, counted as accepted."""

        def check() -> int:
            good = 0
            for row in chunk:
                if errors := check_row(row):
                    self.problems.add(row.number, errors)
                else:
                    good += 1
            return good

        good = await self.in_thread(check)
        self.accepted += good
        return good

    def finish(self) -> ImportReport:
        """The report of the counts; :class:`ImportRejected` when refused (see :func:`finish_import`)."""
        return finish_import(
            rows=self.rows,
            accepted=self.accepted,
            rejected=self.problems.count,
            written=self.written,
            partial=self.partial,
            problems=self.problems.listed,
            partial_offered=self.partial_offered,
        )
