"""The aggregates every service's statistics share.

:func:`count_where` counts the rows of a group for which a condition holds, as
``count(*) FILTER (WHERE condition)`` on both databases (SQLite has had ``FILTER`` since 3.30).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.sql import ColumnElement


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """The rows of the group for which ``condition`` is true (a row where it is null is not counted); 0 over no rows.

    NOTE: not ``sum(CASE WHEN condition THEN 1 ELSE 0 END)``, which the statistics used before:
    the filter calls the count only for the rows it keeps, where the sum added a 0 for every other
    row, and a count over no rows is 0 where a sum is null. Personnel's qualifications (12 such
    counts) at 3 M people, the statement alone in psql on PostgreSQL 15: Cao Bằng's took 57-58 ms
    as sums and 38-50 ms as counts (medians of 20 runs, 3 rounds each way), the country's by province
    1.09-1.21 s and 1.03-1.08 s (medians of 5). Through personnel's API the difference was within
    the noise of the call.
    """
    return func.count().filter(condition)
