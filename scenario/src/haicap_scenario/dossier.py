"""The dossier part of the demo: evaluations, commendations, discipline, and the province verifying it all.

Loaded with the people (it needs their national ids, which the API only shows masked):

- the 2025-07-01 re-placement carries its decision (:data:`REPLACEMENT_DECISION`), so each person
  it moves gets a ``transfer`` career event linked to the new placement (done by the people part's
  bulk re-placement);
- every person is evaluated for 2024 and, unless they left in 2025, for 2025, imported as two files
  (the grades drawn with :data:`GRADE_WEIGHTS`; :data:`TWICE_NOT_COMPLETED` people did not complete
  their tasks both years, the group the seed's sixth lesson names);
- a few commendations at the end of 2025 and a few disciplines in its autumn, to people who stay;
- then the province verifies every dossier change the national sync took in, so that the sync
  worker (started by ``make run`` against the stand-in national receiver) sends them all.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import date
from typing import TYPE_CHECKING, Any

from .api import Api, each, stable_key
from .org import _csv

if TYPE_CHECKING:
    from .people import Person

P = "/api/v1/personnel"
REPLACEMENT_DECISION = {
    "number": "1125/QĐ-UBND",
    "date": "2025-06-27",
    "signer": "Chủ tịch UBND tỉnh",
    "issuer": "Ủy ban nhân dân tỉnh Cao Bằng",
}
"""The province's decision placing the staff of the abolished districts and communes from 2025-07-01 (illustrative number)."""
GRADE_WEIGHTS = (("excellent", 12), ("good", 58), ("completed", 26), ("not_completed", 4))
GRADE_NAMES = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "completed": "Hoàn thành nhiệm vụ",
    "not_completed": "Không hoàn thành nhiệm vụ",
}
EVALUATED_ON = {2024: date(2024, 12, 20), 2025: date(2025, 12, 19)}
TWICE_NOT_COMPLETED = 9
COMMENDATIONS = 30
DISCIPLINES = 6
VERIFY_BATCH = 500
SYNC_WAIT_SECONDS = 240.0


def _grade(rng: random.Random) -> str:
    return rng.choices([g for g, _ in GRADE_WEIGHTS], weights=[w for _, w in GRADE_WEIGHTS])[0]


def _evaluator(person: Person) -> str:
    return "Chủ tịch UBND tỉnh" if person.group in ("province", "public_employees") else "Chủ tịch UBND xã"


def _evaluations(rng: random.Random, people: list[Person]) -> dict[int, list[dict[str, str]]]:
    """The rows of each year's file: everyone in 2024, those who stay in 2025.

    Only the :data:`TWICE_NOT_COMPLETED` people drawn for it fail both years; anyone else drawn
    to fail in 2025 after failing in 2024 is graded ``completed`` instead.
    """
    twice = {p.national_id for p in rng.sample([p for p in people if p.final is not None], TWICE_NOT_COMPLETED)}
    failed: set[str] = set()
    rows: dict[int, list[dict[str, str]]] = {2024: [], 2025: []}
    for year, on in EVALUATED_ON.items():
        for person in people:
            if year == 2025 and person.final is None:
                continue
            grade = "not_completed" if person.national_id in twice else _grade(rng)
            if grade == "not_completed" and person.national_id not in twice:
                if person.national_id in failed:
                    grade = "completed"
                failed.add(person.national_id)
            rows[year].append(
                {
                    "Số định danh cá nhân": person.national_id,
                    "Năm": str(year),
                    "Xếp loại": GRADE_NAMES[grade],
                    "Người đánh giá": _evaluator(person),
                    "Ngày đánh giá": on.isoformat(),
                }
            )
    return rows


def _decision(number: str, on: date, person: Person) -> dict[str, str]:
    if person.group in ("province", "public_employees"):
        return {
            "number": number,
            "date": on.isoformat(),
            "signer": "Chủ tịch UBND tỉnh",
            "issuer": "Ủy ban nhân dân tỉnh Cao Bằng",
        }
    return {"number": number, "date": on.isoformat(), "signer": "Chủ tịch UBND xã", "issuer": "Ủy ban nhân dân xã"}


async def _commendations(api: Api, rng: random.Random, province: str, staying: list[Person]) -> None:
    chosen = rng.sample(staying, COMMENDATIONS)

    async def one(item: tuple[int, Person]) -> None:
        n, person = item
        form = "bang-khen-bo-tinh" if n % 6 == 0 else "giay-khen"
        body = {
            "person_id": person.id,
            "form_code": form,
            "decision": _decision(f"{2300 + n}/QĐ-KT", date(2025, 12, 26), person),
            "reason": "Đã có thành tích xuất sắc trong thực hiện sắp xếp tổ chức bộ máy, chính quyền địa phương hai cấp",
        }
        await api.post(f"{P}/commendations", body, key=stable_key("commendation", province, person.id))

    await each(list(enumerate(chosen)), one)


async def _disciplines(api: Api, rng: random.Random, province: str, staying: list[Person]) -> None:
    chosen = rng.sample(staying, DISCIPLINES)

    async def one(item: tuple[int, Person]) -> None:
        n, person = item
        body = {
            "person_id": person.id,
            "form_code": "canh-cao" if n % 3 == 0 else "khien-trach",
            "decision": _decision(f"{410 + n}/QĐ-KL", date(2025, 9, 15), person),
            "reason": "Vi phạm quy định về thời gian giải quyết hồ sơ thủ tục hành chính",
        }
        await api.post(f"{P}/disciplines", body, key=stable_key("discipline", province, person.id))

    await each(list(enumerate(chosen)), one)


async def verify_all(api: Api, *, wait_seconds: float = SYNC_WAIT_SECONDS) -> dict[str, Any]:
    """Verify every dossier change the national sync took in, once it has taken in every event.

    Without a sync worker running nothing is taken in; after ``wait_seconds`` the counts so far
    are returned (``caught_up`` false) rather than waiting for ever.
    """
    deadline = time.monotonic() + wait_seconds
    verified = 0
    while True:
        queue = await api.get(f"{P}/sync-exchanges/queue")
        pending = [
            c["id"] for c in (await api.get(f"{P}/dossier-changes", status="pending_verification", limit=VERIFY_BATCH))["items"]
        ]
        if pending:
            report = await api.post(f"{P}/dossier-changes/verify", {"ids": pending})
            verified += int(report["verified"])
            continue
        caught_up = queue.get("intake_through") is not None and queue["intake_through"] >= queue.get("latest_sequence", 0)
        if caught_up or time.monotonic() > deadline:
            return {"verified": verified, "caught_up": caught_up, "by_status": queue["by_status"]}
        await asyncio.sleep(0.5)


async def load_dossier(api: Api, rng: random.Random, province: str, people: list[Person]) -> dict[str, Any]:
    """Evaluations, commendations and disciplines of ``people``, then every change verified; what was done."""
    for year, rows in _evaluations(rng, people).items():
        columns = list(rows[0])
        await api.upload(f"{P}/evaluations/imports", f"danh-gia-{year}.csv", _csv(columns, rows))
    staying = sorted((p for p in people if p.final is not None), key=lambda p: p.national_id)
    await _commendations(api, rng, province, staying)
    await _disciplines(api, rng, province, staying)
    return {"verification": await verify_all(api)}
