"""Which requests take SQLite's write lock up front: those that change, and the reads that write their audit event."""

import pytest

from haicap_shared.db import writes


@pytest.mark.parametrize(
    ("method", "query", "expected"),
    [
        ("GET", [], False),
        ("GET", ["limit", "cursor"], False),
        ("GET", ["reveal"], True),
        ("GET", ["on_behalf_of", "limit"], True),
        ("HEAD", ["reveal"], True),
        ("POST", [], True),
        ("PATCH", ["limit"], True),
        ("DELETE", [], True),
    ],
)
def test_a_request_writes_when_it_changes_or_its_read_is_audited(method: str, query: list[str], expected: bool) -> None:
    assert writes(method, query) is expected
