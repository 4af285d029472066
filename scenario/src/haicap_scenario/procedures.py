"""The administrative-procedure part of the demo: the catalogue, the tasks it carries out, and a season of dossiers.

- the Home Affairs procedures org-structure ships (``procedures/data/home_affairs_procedures.csv``,
  with the procedures that moved from district to commune on 2025-07-01) imported through the API;
- each Home Affairs task linked to the procedures that carry it out at its level on 2025-07-01: a
  former district task now held by a commune to the procedures that moved to the communes with it,
  a commune task to the communes' own, a province task to the province's, so the reports can say
  which procedures each commune now handles that the district used to;
- :data:`PROPOSALS` commendation proposals (the Home Affairs workflow a commune runs most) received
  by the communes' one-stop desks from September to December 2025 and a few in November 2026, each
  moved on through its steps on the days they happened: taken into processing, some asked for a
  supplement, most done, some refused or returned, and the latest still open. Whether each was late
  is not drawn: personnel computes it from the catalogue's processing time and the working-day
  calendar, and the reports count it. ``make run``'s push workers send every step to the stand-in
  one-stop receiver.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from .api import Api, each, stable_key
from .org import OrgState, electronic_id_code
from .targets import REFORM

ORG, P = "/api/v1/org", "/api/v1/personnel"
SECTOR = "Nội vụ"
"""The task catalogue's Home Affairs sector, whose tasks the catalogue's procedures carry out."""
PROPOSAL_SECTOR = "Thi đua - Khen thưởng"
PROPOSALS = 48
LATEST_PROPOSALS = 6
"""Of :data:`PROPOSALS`, those received in November 2026: the open ones of the demo."""
SEASON = (date(2025, 9, 1), date(2025, 12, 15))
LATEST = (date(2026, 11, 2), date(2026, 11, 20))
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def catalogue_file() -> bytes:
    """The reference file of the Home Affairs procedures, as org-structure ships it."""
    return (resources.files("haicap_org_structure.procedures") / "data" / "home_affairs_procedures.csv").read_bytes()


def _moment(day: date, rng: random.Random) -> datetime:
    """A time of the office day (08:00-16:30, Vietnamese time) on ``day``, in UTC."""
    local = datetime.combine(day, time(8, 0), tzinfo=VIETNAM) + timedelta(minutes=rng.randint(0, 510))
    return local.astimezone(UTC)


def _weekday(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _drawn_day(rng: random.Random, start: date, end: date) -> date:
    return _weekday(start + timedelta(days=rng.randint(0, (end - start).days)))


async def _link_tasks(api: Api, rng: random.Random, province: str, procedures: list[dict[str, Any]]) -> int:
    """Link each Home Affairs task to one or two procedures of its level on 2025-07-01; how many tasks were linked."""
    by_level: dict[str, list[str]] = defaultdict(list)
    moved = {p["code"] for p in await _moved(api)}
    for procedure in procedures:
        by_level["moved" if procedure["code"] in moved else procedure["level"]].append(procedure["code"])
    tasks = await api.all(f"{ORG}/tasks", province=province, sector=SECTOR, as_of=REFORM.isoformat())

    def choices(task: dict[str, Any]) -> list[str]:
        # NOTE: a former district task now held by a commune is carried out through the procedures that moved with it.
        if task["level"] == "commune":
            pool = by_level["moved"] if "-H-" in task["code"] else by_level["commune"] or by_level["moved"]
        else:
            pool = by_level["province"]
        return sorted(rng.sample(pool, min(len(pool), rng.randint(1, 2)))) if pool else []

    links = [(task, choices(task)) for task in sorted(tasks, key=lambda t: t["code"])]
    links = [(task, codes) for task, codes in links if codes]

    async def link(item: tuple[dict[str, Any], list[str]]) -> None:
        task, codes = item
        headers = {"If-Match": f'"{task["version"]}"'}
        await api.call("PUT", f"{ORG}/tasks/{task['id']}/procedures", json={"procedure_codes": codes}, headers=headers)

    await each(links, link)
    return len(links)


async def _moved(api: Api) -> list[dict[str, Any]]:
    answer = await api.get(f"{ORG}/procedures/moved", from_level="district", to_level="commune", on=REFORM.isoformat())
    moves: list[dict[str, Any]] = answer["procedures"]
    return moves


def _proposal_codes(procedures: list[dict[str, Any]]) -> list[str]:
    """The commune-level commendation procedures (those the communes' desks receive)."""
    return sorted(p["code"] for p in procedures if p["sector"] == PROPOSAL_SECTOR and p["level"] == "commune")


async def _proposals(api: Api, rng: random.Random, province: str, state: OrgState, codes: list[str]) -> dict[str, int]:
    """Receive and move on :data:`PROPOSALS` commendation proposals; the count of each final status."""
    place = {c["id"]: index for index, c in enumerate(sorted(state.communes, key=lambda c: c["code"]))}
    plans = []
    for number in range(PROPOSALS):
        commune = rng.choice(state.communes)
        latest = number >= PROPOSALS - LATEST_PROPOSALS
        received = _drawn_day(rng, *(LATEST if latest else SEASON))
        plans.append((number, commune, received, latest, rng.random(), rng.random(), rng.choice(codes)))
    finals: dict[str, int] = defaultdict(int)

    async def one(plan: tuple[int, dict[str, Any], date, bool, float, float, str]) -> None:
        number, commune, received, latest, fate, supplement, code = plan
        office = state.commune_offices[(commune["id"], "commune_office")]
        unit_code = electronic_id_code(province, 40 + place[commune["id"]]) or f"{province}.{commune['code']}"
        body = {
            "procedure_code": code,
            "dossier_code": f"{unit_code}-{received:%y%m%d}-{number + 1:04d}",
            "received_at": _moment(received, rng).isoformat(),
            "applicant": office["name"],
            "subject_kind": "commendation_proposal",
            "province_code": province,
            "commune_code": commune["code"],
            "agency_id": office["id"],
        }
        dossier = await api.post(f"{P}/procedure-dossiers", body, key=stable_key("proposal", province, number))
        day = received
        steps: list[tuple[str, str | None]] = [("in_process", None)]
        if supplement < 0.2:
            steps += [("supplement_requested", "Bổ sung biên bản họp Hội đồng Thi đua - Khen thưởng"), ("in_process", None)]
        if not latest:
            final = "done" if fate < 0.86 else ("refused" if fate < 0.94 else "returned")
            reasons = {
                "done": "Quyết định khen thưởng đã ban hành",
                "refused": "Không đủ tiêu chuẩn khen thưởng theo Luật Thi đua, khen thưởng 2022",
                "returned": "Đơn vị đề nghị rút hồ sơ",
            }
            steps.append((final, reasons[final]))
            finals[final] += 1
        else:
            finals["open"] += 1
        for status, note in steps:
            if dossier["status"] == status:
                continue
            # NOTE: the days between steps are drawn; whether the dossier ends late is personnel's to compute.
            day = _weekday(day + timedelta(days=rng.randint(1, 9)))
            at = min(_moment(day, rng), datetime.now(UTC) - timedelta(minutes=1))
            headers = {"If-Match": f'"{dossier["version"]}"'}
            step = {"status": status, "note": note, "at": at.isoformat()}
            dossier = await api.call("POST", f"{P}/procedure-dossiers/{dossier['id']}/steps", json=step, headers=headers)

    # NOTE: one at a time: each dossier's steps are in order anyway, and the receiver sees a calm desk.
    for plan in plans:
        await one(plan)
    return dict(sorted(finals.items()))


async def load_procedures(api: Api, rng: random.Random, province: str, state: OrgState) -> dict[str, Any]:
    """Import the catalogue, link the tasks, receive the proposals; what was made."""
    existing = await api.get(f"{ORG}/procedures", limit=1)
    if not existing["items"]:
        await api.upload(f"{ORG}/procedures/imports", "thu-tuc-hanh-chinh-noi-vu.csv", catalogue_file())
    procedures = await api.all(f"{ORG}/procedures", as_of=REFORM.isoformat())
    linked = await _link_tasks(api, rng, province, procedures)
    finals = await _proposals(api, rng, province, state, _proposal_codes(procedures))
    return {"procedures": len(procedures), "tasks_linked": linked, "proposals": finals}
