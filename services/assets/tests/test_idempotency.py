"""An Idempotency-Key belongs to the caller who sent it: another caller's retry is checked as its own request."""

import httpx

from haicap_shared.roles import Role
from haicap_shared.testing import TestTokens, assert_problem

from .helpers import car

BODY = car("XE-ID-01", "11A-333.33") | {
    "province_code": "04",
    "commune_code": "01304",
    "holder": {"kind": "unit", "code": "01304"},
    "allocated_from": "2025-07-01",
}
KEY = {"Idempotency-Key": "xe-quang-lam-0001"}


async def test_another_callers_key_and_body_do_not_replay_their_record(
    client: httpx.AsyncClient, test_tokens: TestTokens
) -> None:
    quang_lam = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01304", subject="officer-01304")
    thuc_phan = test_tokens.headers(Role.COMMUNE_OFFICER, province="04", commune="01273", subject="officer-01273")
    first = await client.post("/assets", json=BODY, headers=KEY | quang_lam)
    assert first.status_code == 201, first.text
    # The officer of another commune, with the same key and body, is refused as any request of theirs would be.
    stolen = await client.post("/assets", json=BODY, headers=KEY | thuc_phan)
    body = assert_problem(stolen, 403, "outside_area")
    assert "idempotent-replayed" not in stolen.headers
    assert first.json()["id"] not in stolen.text
    # Another caller allowed to create it gets their own processing: the code is taken, not a replay.
    admin = test_tokens.headers(Role.ADMIN, subject="admin-2")
    assert_problem(await client.post("/assets", json=BODY, headers=KEY | admin), 409, "asset_code_taken")
    # The first caller's retry is still a replay.
    again = await client.post("/assets", json=BODY, headers=KEY | quang_lam)
    assert (again.status_code, again.headers["idempotent-replayed"], again.json()["id"]) == (201, "true", first.json()["id"])
    assert body["status"] == 403
