"""ETag responses, created responses and batching: the same bytes every route sends."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from haicap_shared.auth import RECORD_READERS, RECORD_WRITERS, AdminWrite, ProvinceWrite, RecordsRead, RecordsWrite
from haicap_shared.batching import in_batches
from haicap_shared.roles import Role
from haicap_shared.versioning import created_headers, etag_response


class _Thing(BaseModel):
    name: str
    version: int


def test_an_etag_response_carries_the_version_as_a_quoted_etag() -> None:
    response = etag_response(_Thing(name="a", version=3))
    assert response.status_code == 200
    assert response.headers["etag"] == '"3"'
    assert response.body == b'{"name":"a","version":3}'
    other = etag_response(_Thing(name="a", version=3), 7, 202, headers={"X-Other": "1"})
    assert (other.status_code, other.headers["etag"], other.headers["x-other"]) == (202, '"7"', "1")


def test_a_created_answer_has_etag_then_location() -> None:
    assert list(created_headers("things/1", 4).items()) == [("ETag", '"4"'), ("Location", "things/1")]


@pytest.mark.parametrize(
    ("values", "size", "batches"),
    [
        ([], 500, []),
        (list(range(3)), 500, [[0, 1, 2]]),
        (list(range(5)), 2, [[0, 1], [2, 3], [4]]),
        (iter(range(4)), 2, [[0, 1], [2, 3]]),
    ],
)
def test_in_batches_keeps_the_order_and_every_value(values: list[int], size: int, batches: list[list[int]]) -> None:
    assert [list(batch) for batch in in_batches(values, size)] == batches


def test_in_batches_of_1001_values_makes_three_queries() -> None:
    assert [len(batch) for batch in in_batches(list(range(1001)))] == [500, 500, 1]


def _roles(dependency: object) -> frozenset[Role]:
    rule = dependency.__metadata__[0].dependency.access_rule  # type: ignore[attr-defined]
    roles: frozenset[Role] = rule.roles
    return roles


def test_the_record_role_dependencies() -> None:
    assert _roles(RecordsRead) == frozenset(RECORD_READERS) == frozenset(Role) - {Role.VIEWER, Role.STAFF}
    assert _roles(RecordsWrite) == frozenset(RECORD_WRITERS)
    assert RecordsWrite.__metadata__[0].dependency.access_rule.writes  # type: ignore[attr-defined]
    assert _roles(ProvinceWrite) == {Role.ADMIN, Role.PROVINCE_OFFICER}
    assert _roles(AdminWrite) == {Role.ADMIN}
