"""The course every import shares: counted chunks, rows checked off the event loop, the report or the refusal."""

from __future__ import annotations

import io
import threading

import pytest

from haicap_shared.import_runs import ImportRejected, ImportRun, finish_import, import_audit_entry
from haicap_shared.imports import Upload
from haicap_shared.tabular import ImportLimits, ImportReport, RowProblem, SourceRow

COLUMNS = {"code": ("Mã",), "name": ("Tên",)}


def _upload(*codes: str, chunk_rows: int = 2, max_problems: int = 1000) -> Upload:
    text = "code,name\n" + "".join(f"{code},Name {code}\n" for code in codes)
    limits = ImportLimits(chunk_rows=chunk_rows, max_problems=max_problems)
    return Upload(file=io.BytesIO(text.encode()), filename="table.csv", size=len(text), limits=limits)


def _check(row: SourceRow) -> list[str]:
    return [] if str(row.values["code"]).isdigit() else [f"code {row.values['code']} is not a number"]


async def _run(upload: Upload, *, partial: bool) -> tuple[ImportRun, list[list[str]]]:
    """The rows checked by ``_check``, the good ones of each chunk 'written' while the run may write."""
    run = ImportRun(upload, partial=partial)
    written: list[list[str]] = []
    async for chunk in run.chunks(COLUMNS):
        await run.check_rows(chunk, _check)
        if run.may_write:
            good = [str(r.values["code"]) for r in chunk if not _check(r)]
            written.append(good)
            run.written += len(good)
    return run, written


async def test_a_clean_file_is_counted_and_reported() -> None:
    run, written = await _run(_upload("1", "2", "3"), partial=False)

    assert run.finish() == ImportReport(rows=3, accepted=3, rejected=0, written=3, partial=False, problems=[])
    assert written == [["1", "2"], ["3"]]


async def test_a_wrong_row_refuses_an_all_or_nothing_import_and_stops_the_writes() -> None:
    run, written = await _run(_upload("1", "2", "x", "4", "y"), partial=False)

    with pytest.raises(ImportRejected) as refused:
        run.finish()

    # NOTE: the first chunk was written before the wrong row was read; the refusal rolls it back.
    assert written == [["1", "2"]]
    problem = refused.value.problem()
    assert (problem["status"], problem["code"]) == (409, "import_rejected")
    assert problem["detail"] == (
        "2 of 5 rows have problems; nothing was written (fix them, or send partial=true to write the good rows)"
    )
    assert problem["report"] == {
        "rows": 5,
        "accepted": 3,
        "rejected": 2,
        "written": 0,
        "partial": False,
        "problems": [{"row": 4, "errors": ["code x is not a number"]}, {"row": 6, "errors": ["code y is not a number"]}],
    }


async def test_a_partial_import_writes_the_good_rows_and_reports_the_others() -> None:
    run, written = await _run(_upload("1", "x", "3", "4"), partial=True)

    report = run.finish()

    assert written == [["1"], ["3", "4"]]
    assert (report.rows, report.accepted, report.rejected, report.written) == (4, 3, 1, 3)
    assert report.problems == [RowProblem(row=3, errors=["code x is not a number"])]


async def test_the_rows_are_checked_off_the_event_loop() -> None:
    threads: set[int] = set()

    def check(row: SourceRow) -> list[str]:
        threads.add(threading.get_ident())
        return []

    run = ImportRun(_upload("1", "2"), partial=False)
    async for chunk in run.chunks(COLUMNS):
        await run.check_rows(chunk, check)

    assert threads
    assert threading.get_ident() not in threads


async def test_the_report_lists_at_most_max_problems_and_counts_them_all() -> None:
    run = ImportRun(_upload("a", "b", "c", max_problems=5), partial=True, max_problems=2)
    async for chunk in run.chunks(COLUMNS):
        await run.check_rows(chunk, _check)

    report = run.finish()

    assert (report.rejected, [p.row for p in report.problems]) == (3, [2, 3])


def test_finish_import_takes_counts_found_elsewhere() -> None:
    problems = [RowProblem(row=2, errors=["code 1 is already recorded"])]

    with pytest.raises(ImportRejected):
        finish_import(rows=2, accepted=1, rejected=1, written=1, partial=False, problems=problems)
    report = finish_import(rows=2, accepted=1, rejected=1, written=1, partial=True, problems=problems)

    assert import_audit_entry(report, filename="table.csv") == {
        "rows": 2,
        "accepted": 1,
        "rejected": 1,
        "written": 1,
        "partial": True,
        "filename": "table.csv",
    }
